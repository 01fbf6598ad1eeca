# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The frame tables that cost a full decode (AVI, ASF, streams whose stamps name no packet; see
`PyAVReader._decoded_table`) are kept per file, by path, size, modification time, inode and status-change time, in a
small LRU: `probe()`, the processor and the decoded-clip cache open the same file one after the other, and only the
first open decodes it. A file changed since (a new size or time, or a same-size copy that kept the old time) is
indexed again; bytes and file objects are never taken from the cache.
The reference is a plain sequential PyAV decode, and the decoder's own count of the frames it made."""

import io
import os

import av
import numpy as np
import pytest
from test_frame_table import (
    assert_reads_like_a_sequential_decode,
    last_keyframe_at_or_before,
    sequential_decode,
    write_mkv_with_a_shared_timestamp,
)
from video_factory import frame_indices, write_encoded

from vivit_hf.processing.frame_table_cache import TableCache
from vivit_hf.processing.video_io import open_video, probe


def write_avi(path, num_frames: int) -> str:
    return write_encoded(path, "avi", "h264", num_frames=num_frames, bframes=2, gop=6)


def test_a_second_open_of_an_unchanged_file_does_not_decode(tmp_path):
    path = write_avi(tmp_path / "clip.avi", num_frames=20)
    truth, keyframes = sequential_decode(path)
    with open_video(path, backend="pyav") as reader:
        assert reader.frames_decoded == 20  # the one full decode
    assert probe(path).num_frames == 20
    with open_video(path, backend="pyav") as reader:
        assert reader.frames_decoded == 0
        assert reader._start.tolist() == last_keyframe_at_or_before(keyframes)
        assert_reads_like_a_sequential_decode(reader, truth)


def test_a_table_of_counted_frames_is_kept_too(tmp_path):
    # no stamp names a packet here (see test_frame_table.py): the decode at open counts the frames
    path = write_mkv_with_a_shared_timestamp(tmp_path / "shared.mkv", num_frames=8, shared=5)
    truth, _ = sequential_decode(path)
    with open_video(path, backend="pyav") as reader:
        assert reader.frames_decoded == 8
    with open_video(path, backend="pyav") as reader:
        assert reader.frames_decoded == 0 and reader._start is None
        assert_reads_like_a_sequential_decode(reader, truth)


def test_the_same_file_by_another_name_is_the_same_file(tmp_path, monkeypatch):
    path = write_avi(tmp_path / "clip.avi", num_frames=20)
    os.symlink(path, tmp_path / "link.avi")
    open_video(path, backend="pyav").close()
    monkeypatch.chdir(tmp_path)
    for name in ["clip.avi", "link.avi", f"../{tmp_path.name}/clip.avi"]:
        with open_video(name, backend="pyav") as reader:
            assert reader.frames_decoded == 0, name


def rewrite(path, num_frames: int, mtime_ns: int | None = None) -> None:
    """The file at `path` written anew (another frame count: another size), its time set to `mtime_ns` if given."""
    write_avi(path, num_frames)
    if mtime_ns is not None:
        os.utime(path, ns=(mtime_ns, mtime_ns))


@pytest.mark.parametrize("change", ["frames", "size_only", "time_only"])
def test_a_changed_file_is_indexed_again(tmp_path, change):
    path = write_avi(tmp_path / "clip.avi", num_frames=20)
    before = os.stat(path)
    with open_video(path, backend="pyav") as reader:
        assert reader.num_frames == 20
    if change == "frames":  # a new size and a new time
        rewrite(path, 26, mtime_ns=before.st_mtime_ns + 10**9)
    elif change == "size_only":  # a copy that kept the old file's time (cp -p, rsync -t)
        rewrite(path, 26, mtime_ns=before.st_mtime_ns)
    else:  # the same bytes written again (touch): a new time is all that tells it apart
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 10**9))
    assert (os.stat(path).st_size == before.st_size) == (change == "time_only")
    assert (os.stat(path).st_mtime_ns == before.st_mtime_ns) == (change == "size_only")
    truth, keyframes = sequential_decode(path)
    with open_video(path, backend="pyav") as reader:
        assert reader.frames_decoded == len(truth) == (20 if change == "time_only" else 26)
        assert reader._start.tolist() == last_keyframe_at_or_before(keyframes)
        assert_reads_like_a_sequential_decode(reader, truth)


@pytest.mark.parametrize("how", ["replaced", "in place"])
def test_a_rewrite_of_the_same_size_and_time_is_indexed_again(tmp_path, how):
    # cp -p / rsync -t of another clip whose file has the same size (padded here): path, size and modification time
    # all agree, and the old table (20 frames) was served for the new file's 26
    path, other = str(tmp_path / "clip.avi"), write_avi(tmp_path / "other.avi", num_frames=26)
    write_avi(path, num_frames=20)
    with open(path, "ab") as file:
        file.write(bytes(os.path.getsize(other) - os.path.getsize(path)))  # trailing bytes FFmpeg passes over
    before = os.stat(path)
    with open_video(path, backend="pyav") as reader:
        assert reader.num_frames == 20
    if how == "replaced":  # rsync: a new file renamed over the old one
        os.replace(other, path)
    else:  # cp -p: the old file's bytes overwritten
        with open(path, "wb") as file:
            file.write(open(other, "rb").read())
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = os.stat(path)
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    if (after.st_ino, after.st_ctime_ns) == (before.st_ino, before.st_ctime_ns):
        pytest.skip("this file system's clock did not tick between the two writes")
    truth, keyframes = sequential_decode(path)
    with open_video(path, backend="pyav") as reader:
        assert reader.num_frames == len(truth) == 26 == reader.frames_decoded
        assert reader._start.tolist() == last_keyframe_at_or_before(keyframes)
        assert_reads_like_a_sequential_decode(reader, truth)


@pytest.mark.parametrize("kind", ["bytes", "file object"])
def test_bytes_and_file_objects_are_decoded_at_every_open(tmp_path, kind):
    data = open(write_avi(tmp_path / "clip.avi", num_frames=20), "rb").read()
    for _ in range(2):
        with open_video(data if kind == "bytes" else io.BytesIO(data), backend="pyav") as reader:
            assert reader.frames_decoded == 20


def test_a_caller_container_is_decoded_at_every_open(tmp_path):
    path = write_avi(tmp_path / "clip.avi", num_frames=20)
    open_video(path, backend="pyav").close()
    with av.open(path) as container:
        with open_video(container) as reader:  # the caller may have opened another stream or file by this name
            assert reader.frames_decoded == 20
            assert frame_indices(reader.read([19, 0])) == [19, 0]


def test_the_cache_keeps_the_most_recently_used_tables():
    cache = TableCache(2)
    tables = {name: (np.arange(3), np.zeros(3, np.int64), 3) for name in "abc"}
    cache.put(("a",), tables["a"])
    cache.put(("b",), tables["b"])
    assert cache.get(("a",)) is tables["a"]  # a is now the more recently used
    cache.put(("c",), tables["c"])  # over the size: b, the least recently used, goes
    assert cache.get(("b",)) is None
    assert cache.get(("a",)) is tables["a"] and cache.get(("c",)) is tables["c"]
    cache.put(("b",), tables["b"])
    assert cache.get(("a",)) is None  # c was used after a
    cache.put(None, tables["a"])  # no key (not a path): nothing is kept
    assert cache.get(None) is None and cache.get(("b",)) is tables["b"] and cache.get(("c",)) is tables["c"]
    cache.clear()
    assert cache.get(("b",)) is None and cache.get(("c",)) is None
