# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Decoding: the right frames, only the needed span, every input kind, clean errors."""

import http.server
import io
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import av
import numpy as np
import pytest
from conftest import BACKENDS
from video_factory import (
    frame_indices,
    pattern_frame,
    suffix,
    video_bytes,
    write_audio_only,
    write_empty_video,
    write_stamped,
    write_two_video_tracks,
    write_video,
)

from vivit_hf import ViViTVideoProcessor
from vivit_hf.processing import video_io, video_pyav, video_torchcodec
from vivit_hf.processing.video_io import (
    VideoDecodeError,
    open_video,
    output_size,
    probe,
    read_frames,
    resize_frames,
)

GOP = 8


@pytest.fixture(params=BACKENDS)
def backend(request):
    """Both decoders, where the test is about what is decoded rather than how (PyAV's decode counts)."""
    return request.param


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    root = tmp_path_factory.mktemp("videos")
    return {
        codec: write_video(root / f"clip{suffix(codec)}", num_frames=40, codec=codec, gop=GOP)
        for codec in ("h264", "vp9", "av1")
    }


AV1_THEN_SUBPROCESS = """
import os, subprocess, sys
from video_factory import write_video

def test_writes_av1(tmp_path):  # SVT-AV1 run as root leaves this thread at SCHED_FIFO 99
    write_video(tmp_path / "a.mkv", num_frames=4, codec="av1")

def test_a_later_subprocess_runs_at_the_policy_pytest_started_with():
    policy = [os.sched_getscheduler(0), os.sched_getparam(0).sched_priority]
    child = subprocess.run([sys.executable, "-c", "import os; print(os.sched_getscheduler(0))"], capture_output=True)
    assert policy == [int(number) for number in os.environ["STARTED_WITH"].split()]
    assert int(child.stdout) == policy[0]
"""


def test_a_test_that_writes_av1_leaves_later_tests_and_their_subprocesses_at_normal_priority(tmp_path):
    """tests/conftest.py gives each test phase back the scheduling policy pytest started with: a worker that wrote an
    AV1 file ran every later subprocess (torchrun ranks, DataLoader workers) at real-time priority."""
    tests = Path(__file__).parent
    (tmp_path / "conftest.py").write_text((tests / "conftest.py").read_text())
    (tmp_path / "test_order.py").write_text(AV1_THEN_SUBPROCESS)
    started = f"{os.sched_getscheduler(0)} {os.sched_getparam(0).sched_priority}"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(tests), os.environ.get("PYTHONPATH", "")]),
        "STARTED_WITH": started,
    }
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", str(tmp_path)]
    result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and "2 passed" in result.stdout, result.stdout[-3000:] + result.stderr[-2000:]


@pytest.mark.parametrize("codec", ["h264", "vp9", "av1"])
def test_decoded_frames_are_the_asked_ones(videos, codec, backend):
    indices = [3, 9, 10, 25, 39, 0]
    frames = read_frames(videos[codec], indices, backend=backend)
    assert frames.shape == (6, 48, 64, 3) and frames.dtype == np.uint8
    assert frame_indices(frames) == indices


@pytest.mark.parametrize("codec", ["h264", "vp9", "av1"])
def test_probe_reports_frames_rate_and_size(videos, codec, backend):
    info = probe(videos[codec], backend=backend)
    assert (info.num_frames, info.height, info.width) == (40, 48, 64)
    assert info.fps == pytest.approx(25.0) and info.duration == pytest.approx(1.6)


@pytest.mark.parametrize("codec", ["h264", "vp9"])
def test_decoding_starts_at_keyframe_before_first_needed_frame(videos, codec):
    with open_video(videos[codec], backend="pyav") as reader:
        reader.read([27, 29, 31])
        assert reader.frames_decoded == 31 - 24 + 1  # keyframe 24 .. last kept frame 31


def test_a_closed_reader_answers_its_metadata_and_refuses_reads_by_name(videos):
    """A closed PyAV reader's stream is freed memory in FFmpeg: its `fps` crashed the process with a segfault (a
    dataset's segment decode read the rate after closing). Read in a forked child, so that a crash fails this test
    rather than ending pytest: the metadata it had, the same after close; a read, a ValueError saying it is closed."""
    with open_video(videos["h264"], backend="pyav") as reader:
        before = (reader.fps, reader.frame_times(), reader.first_frame_seconds(), reader.last_frame_seconds())
    pid = os.fork()
    if pid == 0:  # the child: status 0 where each answer is right, 1 where one is not, a signal where it crashed
        right = False
        try:
            after = (reader.fps, reader.frame_times(), reader.first_frame_seconds(), reader.last_frame_seconds())
            right = after[0] == before[0] and np.array_equal(after[1], before[1]) and after[2:] == before[2:]
            right = right and reader.duration == pytest.approx(1.6)
            for attempt in (lambda: reader.read([0]), lambda: reader.orientation):
                try:
                    attempt()
                    right = False
                except ValueError as e:
                    right = right and f"Video {reader.name} is closed" in str(e)
        finally:
            os._exit(0 if right else 1)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, (
        f"signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status) else status
    )


def test_decoding_skips_gaps_between_keyframes(videos):
    with open_video(videos["h264"], backend="pyav") as reader:
        frames = reader.read([1, 33])
        assert frame_indices(frames) == [1, 33]
        assert reader.frames_decoded == (1 - 0 + 1) + (33 - 32 + 1)


def test_repeated_and_unsorted_indices_keep_their_order(videos, backend):
    assert frame_indices(read_frames(videos["h264"], [5, 5, 2, 30, 2], backend=backend)) == [5, 5, 2, 30, 2]


def test_bytes_file_object_dict_and_container_inputs(videos, backend):
    data = open(videos["vp9"], "rb").read()
    expected = [4, 20]
    assert frame_indices(read_frames(data, expected, backend=backend)) == expected
    assert frame_indices(read_frames(io.BytesIO(data), expected, backend=backend)) == expected
    assert frame_indices(read_frames({"path": None, "bytes": data}, expected, backend=backend)) == expected
    assert frame_indices(read_frames({"path": videos["vp9"], "bytes": None}, expected, backend=backend)) == expected
    with av.open(videos["vp9"]) as container:
        assert frame_indices(read_frames(container, expected)) == expected


def test_a_streamed_datasets_row_whose_path_is_a_file_system_url_reads_its_clip(tmp_path):
    """A streamed `datasets` repo of loose clips, or of clips in archives, gives `Video(decode=False)` rows as
    `{"path": "hf://datasets/...", "bytes": None}` or `zip://clip.mp4::<archive>`: the path was taken for a local
    file name, "does not exist", for every clip. Reference: a sequential decode of the clip itself."""
    import zipfile

    clip = write_video(tmp_path / "clip.mp4", num_frames=12)
    with zipfile.ZipFile(tmp_path / "clips.zip", "w") as archive:
        archive.write(clip, "train/clip.mp4")
    url = f"zip://train/clip.mp4::{tmp_path / 'clips.zip'}"
    with av.open(clip) as container:
        truth = np.stack([frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)])
    for source in (url, {"path": url, "bytes": None}):
        np.testing.assert_array_equal(read_frames(source, [7, 0, 11]), truth[[7, 0, 11]])
    assert probe(url).num_frames == 12
    with pytest.raises(VideoDecodeError, match="Cannot read video 'zip://train/other.mp4.*FileNotFoundError"):
        probe(url.replace("clip.mp4", "other.mp4"))


def test_a_file_uri_reads_its_local_file(tmp_path):
    """`Path.as_uri()` (and fsspec, and a browser's address bar) names a local clip `file:///clips/a%20b.mp4`: it was
    looked for as a file of that literal name, "does not exist", for a file that does."""
    clip = write_video(tmp_path / "a b.mp4", num_frames=12)
    with av.open(clip) as container:
        truth = np.stack([frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)])
    uri = Path(clip).as_uri()
    assert "%20" in uri
    for source in (uri, {"path": uri, "bytes": None}):
        np.testing.assert_array_equal(read_frames(source, [7, 0, 11]), truth[[7, 0, 11]])
    assert probe(uri).num_frames == 12
    with pytest.raises(VideoDecodeError, match="'file:///.*other.mp4' does not exist"):
        probe(Path(tmp_path / "other.mp4").as_uri())


@pytest.mark.parametrize("name", ["12:30:00.mp4", "Talk: Part 1.mp4", "file:clip.mp4"])
def test_a_relative_path_with_a_colon_reads_its_file(tmp_path, monkeypatch, backend, name):
    """FFmpeg took a relative name's text before a colon for a protocol: a clip named for its time or its title
    (cameras and download tools name them so) read as "Protocol not found", and the file is there; `file:clip.mp4`
    read `clip.mp4`, another clip."""
    write_video(tmp_path / "clip.mp4", num_frames=6, height=32, width=32)
    clip = write_video(tmp_path / name, num_frames=4, height=32, width=32)
    with av.open(clip) as container:  # (a path starting with "/" FFmpeg reads as a file)
        truth = np.stack([frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)])
    monkeypatch.chdir(tmp_path)
    np.testing.assert_array_equal(read_frames(name, [3, 0], backend=backend), truth[[3, 0]])
    assert probe({"path": name, "bytes": None}, backend=backend).num_frames == 4


def test_a_dangling_link_of_a_git_annex_data_set_says_the_file_is_not_fetched(tmp_path):
    """git-annex / DataLad data sets hold each file as a link into .git/annex/objects until it is fetched: such a clip
    read as "does not exist", while `ls` lists it."""
    target = tmp_path / ".git" / "annex" / "objects" / "Xk" / "9q" / "MD5E-s1000--abc.mp4" / "MD5E-s1000--abc.mp4"
    link = tmp_path / "clip.mp4"
    link.symlink_to(target)
    with pytest.raises(
        VideoDecodeError, match=r"clip\.mp4' is a symbolic link to .*annex.* not fetched: `git annex get"
    ):
        probe(str(link))


def test_rotation_metadata_is_applied(tmp_path, backend):
    path = write_video(tmp_path / "rot.mp4", num_frames=4, height=32, width=64, rotation=90)
    info = probe(path, backend=backend)
    assert (info.height, info.width, info.rotation) == (64, 32, 90)
    frame = read_frames(path, [0], backend=backend)[0]
    assert frame.shape == (64, 32, 3)
    # the red top-left marker turns with the picture: 90 degrees counter-clockwise puts it bottom-left
    assert frame[-2, 1, 0] > 200 and frame[-2, 1, 1] < 60 and frame[1, 1, 0] < 60


@pytest.mark.parametrize("codec", ["h264", "vp9"])
def test_variable_frame_rate_indexes_frames_in_presentation_order(tmp_path, codec, backend):
    path = write_video(tmp_path / f"vfr{suffix(codec)}", num_frames=30, codec=codec, frame_durations=[1, 5, 2])
    assert probe(path, backend=backend).num_frames == 30
    assert frame_indices(read_frames(path, [0, 1, 2, 13, 29], backend=backend)) == [0, 1, 2, 13, 29]


def test_odd_and_tiny_sizes_decode(tmp_path, backend):
    path = write_video(
        tmp_path / "odd.mkv", num_frames=5, height=17, width=23, codec="vp9", pix_fmt="yuv444p", gop=None
    )
    assert read_frames(path, [0, 4], backend=backend).shape == (2, 17, 23, 3)


def test_grayscale_video_decodes_to_rgb(tmp_path, backend):
    path = write_video(tmp_path / "gray.mp4", num_frames=6, pix_fmt="gray", gop=None)
    frames = read_frames(path, [1, 5], backend=backend)
    assert frames.shape == (2, 48, 64, 3)
    assert frame_indices(frames) == [1, 5]


def test_missing_file_error_names_it(tmp_path, backend):
    with pytest.raises(VideoDecodeError, match="nope.mp4.*does not exist"):
        probe(tmp_path / "nope.mp4", backend=backend)


@pytest.mark.parametrize("seekable", [True, False])
def test_an_empty_file_object_is_named_empty(tmp_path, backend, seekable):
    # (as an empty path and empty bytes are; FFmpeg said "[Errno 22] Invalid argument")
    path = tmp_path / "empty.mp4"
    path.write_bytes(b"")
    if not seekable:  # a pipe whose writer wrote nothing
        read_end, write_end = os.pipe()
        os.close(write_end)
    with open(path if seekable else read_end, "rb") as file:
        with pytest.raises(VideoDecodeError, match=r"is empty \(0 bytes\)"):
            probe(file, backend=backend)


def test_a_file_opened_in_text_mode_is_named_with_the_fix(videos, backend):
    path = videos["h264"]
    with open(path) as text, pytest.raises(VideoDecodeError, match=r"opened in text mode.*open\(path, 'rb'\)"):
        probe(text, backend=backend)


def test_truncated_file_error_names_it(tmp_path, videos, backend):
    data = open(videos["h264"], "rb").read()
    path = tmp_path / "truncated.mp4"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(VideoDecodeError, match="truncated.mp4"):
        read_frames(path, [0, 39], backend=backend)


def test_non_video_file_error_names_it(tmp_path, backend):
    path = tmp_path / "notes.mp4"
    path.write_text("this is not a video\n" * 20)
    with pytest.raises(VideoDecodeError, match="notes.mp4"):
        probe(path, backend=backend)


@pytest.mark.parametrize("name", ["notes.txt", "readme.nfo"])
def test_a_text_file_is_refused_not_read_as_frames_of_text(tmp_path, backend, name):
    # FFmpeg's tty demuxer takes any .txt / .nfo file as text-mode art: 20 lines of notes read as a 45-frame 640x400
    # video of rendered characters, and the processor made a clip of it, without an error
    path = tmp_path / name
    path.write_text("label,video\ncat,a.mp4\n" * 60)
    with av.open(str(path)) as container:  # what FFmpeg makes of it: a video stream of text-mode art
        assert container.streams.video[0].codec_context.name == "ansi"
    with pytest.raises(VideoDecodeError, match=f"'.*{name}' is text, not a video"):
        probe(str(path), backend=backend)
    processor = ViViTVideoProcessor(num_frames=4, decode_backend=backend)
    with pytest.raises(VideoDecodeError, match="is text, not a video"):
        processor(str(path))


def test_zero_frame_video_error(tmp_path, backend):
    path = write_empty_video(tmp_path / "empty.mkv")
    with pytest.raises(VideoDecodeError, match="empty.mkv.*(no frames|no video stream)|Cannot open video .*empty.mkv"):
        probe(path, backend=backend)


def test_audio_only_file_error(tmp_path, backend):
    path = write_audio_only(tmp_path / "sound.m4a")
    with pytest.raises(VideoDecodeError, match="sound.m4a.*no video stream.*audio"):
        probe(path, backend=backend)


def test_music_file_with_cover_art_is_not_a_video(tmp_path, backend):
    # An .m4a with album art: its one "video" stream is a still image flagged attached_pic.
    path = write_audio_only(tmp_path / "song.m4a", cover_image=True)
    with pytest.raises(VideoDecodeError, match="song.m4a.*no video stream"):
        probe(path, backend=backend)


def test_cover_art_beside_a_video_is_ignored(tmp_path, backend):
    path = write_video(tmp_path / "tagged.mp4", num_frames=24, gop=GOP, cover_image=True)
    assert probe(path, backend=backend).num_frames == 24
    assert frame_indices(read_frames(path, [0, 13, 23], backend=backend)) == [0, 13, 23]


def _sequential(path, stream_index):
    """Every frame of one stream, decoded front to back with plain PyAV."""
    with av.open(path) as container:
        stream = container.streams[stream_index]
        return np.stack([f.to_ndarray(format="rgb24") for f in container.decode(stream)])


@pytest.mark.parametrize(
    "name, codecs, default, expected",
    [
        # no track flagged: the first, as transformers' read_video_pyav decodes it (`decode(video=0)`); FFmpeg's
        # "best" (torchcodec's own default) is the second there, the one of higher bit rate
        ("two.avi", ("mpeg4", "libx264"), None, 0),
        # both flagged, as mkvmerge flags every track (Matroska's flag is set unless cleared): the first of them
        ("two_both_default.mkv", ("libx264", "libx264"), (0, 1), 0),
        ("two.nut", ("mpeg4", "libx264"), None, 0),
        ("two.ts", ("mpeg2video", "libx264"), None, 0),  # (no disposition in a transport stream: the first PID)
        # the file says which: the track flagged default, whichever comes first
        ("two_default_second.mkv", ("libx264", "libx264"), 1, 1),
        ("two_default_second.mp4", ("libx264", "libx264"), 1, 1),
    ],
)
def test_a_file_with_two_video_tracks_reads_the_default_or_else_the_first(
    tmp_path, monkeypatch, backend, name, codecs, default, expected
):
    path = write_two_video_tracks(tmp_path / name, codecs, default)
    reference = _sequential(path, expected)
    # the track read is said, with how to read the other: it was read without a word (said once a process: another
    # such file says nothing, as a data set of them would say it per file)
    monkeypatch.setattr(video_pyav, "_WARNED_OTHER_TRACKS", False)
    why = {None: "the first", 1: "flagged default", (0, 1): "the first flagged default"}[default]
    size = ("64x48", "96x64")[expected]
    said = f"'{path}' has 2 video tracks (streams 0, 1): stream {expected} ({why}, {size}) is read. To read another"
    with pytest.warns(UserWarning, match=re.escape(said)):
        reader = open_video(path, backend=backend)
    with reader:
        assert reader.num_frames == len(reference) == (20, 30)[expected]
        indices = [0, 7, len(reference) - 1, 3]
        got = reader.read(indices)
    np.testing.assert_array_equal(got, reference[indices])
    other = _sequential(path, 1 - expected)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the track named: nothing to say
        np.testing.assert_array_equal(read_frames({"path": path, "stream_index": 1 - expected}, [0, 3]), other[[0, 3]])
        another = shutil.copy(path, tmp_path / f"another_{name}")  # (said already)
        np.testing.assert_array_equal(read_frames(another, [0, 3]), reference[[0, 3]])


@pytest.mark.parametrize("given", ["bytes", "BytesIO"])
def test_two_video_tracks_given_in_memory_are_said_with_advice_that_reads_the_other(tmp_path, monkeypatch, given):
    # the note told bytes and a BytesIO to be given as {'path': ...}, which they have none of
    path = write_two_video_tracks(tmp_path / "two.mkv", ("libx264", "libx264"))
    data = Path(path).read_bytes()
    monkeypatch.setattr(video_pyav, "_WARNED_OTHER_TRACKS", False)
    name = f"<{len(data)} bytes>" if given == "bytes" else "<BytesIO>"  # (as every error names them)
    said = f"{name} has 2 video tracks (streams 0, 1): stream 0 (the first, 64x48) is read. To read another, give "
    with pytest.warns(UserWarning, match=re.escape(said + "the video as {'bytes': ..., 'stream_index': k}")):
        open_video(data if given == "bytes" else io.BytesIO(data), backend="pyav").close()
    got = read_frames({"bytes": data, "stream_index": 1}, [0, 3], backend="pyav")  # (the advice, followed)
    np.testing.assert_array_equal(got, _sequential(path, 1)[[0, 3]])


def test_a_first_video_track_this_ffmpeg_cannot_decode_is_passed_over_for_one_it_can(tmp_path, monkeypatch, backend):
    # (a player plays the track it can: the file was refused, "no decoder for its codec", for its first track's codec)
    data = Path(write_two_video_tracks(tmp_path / "two.mp4", ("libx264", "libx264"))).read_bytes()
    first = data.find(b"avc1", data.find(b"moov"))  # the first track's sample entry (the ftyp names the brand too)
    assert data.count(b"avc1") == 3 and first > 0
    path = tmp_path / "first_unknown.mp4"
    path.write_bytes(data[:first] + b"xqz9" + data[first + 4 :])
    reference = _sequential(str(path), 1)
    with open_video(path, backend=backend) as reader:
        assert reader.num_frames == len(reference) == 30
        np.testing.assert_array_equal(reader.read([0, 29, 7]), reference[[0, 29, 7]])
    # neither track decodable: the refusal, not "'NoneType' object has no attribute 'width'" from the tracks' note
    path.write_bytes(data[:first] + data[first:].replace(b"avc1", b"xqz9"))
    monkeypatch.setattr(video_pyav, "_WARNED_OTHER_TRACKS", False)
    with pytest.raises(VideoDecodeError, match=re.escape(f"Video {str(path)!r}: no decoder for its codec.")):
        open_video(path, backend=backend)


def test_video_tracks_of_one_frame_each_are_said_so(tmp_path, monkeypatch):
    # none moves (two stills), so all are the tracks chosen among: said as "video tracks" like moving ones
    path = tmp_path / "stills.mkv"
    with av.open(str(path), "w") as container:
        streams = [container.add_stream("mjpeg", rate=1) for _ in range(2)]
        for stream, size in zip(streams, (48, 96)):
            stream.width, stream.height, stream.pix_fmt = size, size, "yuvj420p"
        for stream in streams:
            image = av.VideoFrame.from_ndarray(np.full((stream.height, stream.width, 3), 99, np.uint8), format="rgb24")
            container.mux([*stream.encode(image), *stream.encode()])
    monkeypatch.setattr(video_pyav, "_WARNED_OTHER_TRACKS", False)
    said = f"'{path}' has 2 video tracks (streams 0, 1, each of one frame): stream 0 (the first, 48x48)"
    with pytest.warns(UserWarning, match=re.escape(said)):
        open_video(path, backend="pyav").close()


def write_with_still_track(path, still_first: bool, still_default: bool, fmt: str):
    """A 30-frame stamped H.264 track beside a one-frame MJPEG still muxed as a plain track (no cover flag), as some
    taggers and cameras write a thumbnail; the still first or second, it or the video flagged default, or neither
    (`still_default=None`)."""
    with av.open(str(path), "w", format=fmt) as container:
        tracks = {}
        for kind in ["still", "video"] if still_first else ["video", "still"]:
            if kind == "video":
                tracks[kind] = container.add_stream("libx264", rate=25, options={"g": "8"})
                tracks[kind].width, tracks[kind].height, tracks[kind].pix_fmt = 64, 48, "yuv420p"
            else:
                tracks[kind] = container.add_stream("mjpeg", rate=1)
                tracks[kind].width, tracks[kind].height, tracks[kind].pix_fmt = 96, 96, "yuvj420p"
        for kind, track in tracks.items():
            flagged = still_default is not None and still_default == (kind == "still")
            track.disposition = av.stream.Disposition.default if flagged else av.stream.Disposition(0)
        for i in range(30):
            container.mux(tracks["video"].encode(av.VideoFrame.from_ndarray(pattern_frame(i, 48, 64), format="rgb24")))
        container.mux(tracks["video"].encode())
        still = av.VideoFrame.from_ndarray(np.full((96, 96, 3), 200, np.uint8), format="rgb24")
        container.mux([*tracks["still"].encode(still), *tracks["still"].encode()])
    return path


@pytest.mark.parametrize(
    "name, still_first, still_default",
    [
        ("still_default.mkv", False, True),
        ("still_first.mkv", True, False),
        ("still_first.mp4", True, True),
        ("still_first_unflagged.mp4", True, None),
    ],
)
def test_a_one_frame_track_beside_a_video_is_passed_over(tmp_path, backend, name, still_first, still_default):
    # the trial's file: the still flagged default was read as a one-frame video, refused as such, and looped into a
    # clip of the thumbnail by the option the refusal advised
    path = write_with_still_track(tmp_path / name, still_first, still_default, "mp4" if name.endswith("mp4") else None)
    reference = _sequential(path, 1 if still_first else 0)
    assert len(reference) == 30
    # the track torchcodec is told to read (with none told, it takes FFmpeg's "best", right here only by chance)
    assert video_torchcodec._torchcodec_plan(str(path))[1] == (1 if still_first else 0)
    info = probe(path, backend=backend)
    assert (info.num_frames, info.height, info.width) == (30, 48, 64)
    indices = [0, 17, 29, 4]
    np.testing.assert_array_equal(read_frames(path, indices, backend=backend), reference[indices])
    with av.open(str(path)) as container:  # a caller's open container too
        np.testing.assert_array_equal(read_frames(container, indices, backend="pyav"), reference[indices])
    clip = ViViTVideoProcessor(num_frames=4, do_resize=False, do_center_crop=False)(
        path, return_metadata=True, decode_backend=backend
    )
    assert clip["video_metadata"][0]["total_num_frames"] == 30


@pytest.mark.parametrize("container_format", ["flv", "mp4", "matroska"])
def test_a_one_frame_video_reads_its_frame(tmp_path, backend, container_format):
    # FFmpeg's seek back to the start of a one-packet FLV lands at its end: "frame 0 could not be decoded" before
    path = write_video(tmp_path / f"one.{container_format}", num_frames=1, gop=8, container_format=container_format)
    with av.open(path) as container:
        reference = np.stack([f.to_ndarray(format="rgb24") for f in container.decode(video=0)])
    assert len(reference) == 1
    np.testing.assert_array_equal(read_frames(path, [0], backend=backend), reference)
    np.testing.assert_array_equal(read_frames(path, [0, 0], backend=backend), reference[[0, 0]])


def test_an_animated_webp_is_refused_by_name_and_a_still_one_reads_its_frame(tmp_path, backend):
    # FFmpeg's WebP demuxer hands an animated WebP over as one packet, which its decoder refuses: it read as "has a
    # single frame" (the processor's words), then "Invalid data found when processing input"
    from PIL import Image

    images = [Image.fromarray(pattern_frame(i, 48, 64)) for i in range(6)]
    delays = [40, 100, 40, 200, 40, 40]  # milliseconds: a variable rate, as animations have
    animated, still = tmp_path / "animated.webp", tmp_path / "still.webp"
    images[0].save(animated, save_all=True, append_images=images[1:], duration=delays, lossless=True)
    images[3].save(still, lossless=True)
    if backend == "pyav" and av.library_versions["libavcodec"][0] >= 63:
        # the FFmpeg PyAV 19 bundles (libavcodec 63) decodes animated WebP: its frames read as they are
        assert frame_indices(read_frames(animated, range(6), backend=backend)) == list(range(6))
    else:
        with pytest.raises(VideoDecodeError, match="animated WebP, which FFmpeg's WebP decoder cannot decode"):
            read_frames(animated, [0], backend=backend)
        with pytest.raises(VideoDecodeError, match="animated WebP"):
            ViViTVideoProcessor(num_frames=4, decode_backend=backend)(str(animated))
    assert frame_indices(read_frames(still, [0], backend=backend)) == [3]


def test_an_encrypted_mp4_is_refused_as_encrypted(tmp_path, backend):
    # A DRM-protected mp4 (Common Encryption, as FFmpeg's muxer writes it): every packet is refused as invalid data
    # without the key, and a read failed with "Invalid data found" (PyAV) or "Could not push packet to decoder"
    # (torchcodec)
    path = tmp_path / "drm.mp4"
    key = {"encryption_key": "00112233445566778899aabbccddeeff", "encryption_kid": "ffeeddccbbaa99887766554433221100"}
    with av.open(str(path), "w", format="mp4", options={"encryption_scheme": "cenc-aes-ctr", **key}) as container:
        stream = container.add_stream("libx264", rate=25, options={"preset": "ultrafast"})
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for i in range(4):
            frame = av.VideoFrame.from_ndarray(pattern_frame(i, 48, 64), format="rgb24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    with pytest.raises(VideoDecodeError, match=r"drm\.mp4' is encrypted \(DRM: Common Encryption\).*decrypt it"):
        read_frames(str(path), [0], backend=backend)
    # opened with its key, FFmpeg's demuxer decrypts the packets (and attaches no encryption data): read as any file
    with av.open(str(path), options={"decryption_key": key["encryption_key"]}) as container:
        assert frame_indices(read_frames(container, [0, 3], backend=backend)) == [0, 3]


def test_a_webm_whose_header_states_another_size_reads_at_its_pictures_size(tmp_path, backend):
    # VP8's size is the container's where no parser reads the bitstream's: a WebM header stating 80x60 over 64x48
    # pictures (its PixelWidth / PixelHeight) read every frame stretched to 80x60 with torchcodec
    data = bytearray(open(write_stamped(tmp_path / "a.webm", "webm", "libvpx", 6, {"b": "1M"}), "rb").read())
    for element, size in ((b"\xb0\x81", 64), (b"\xba\x81", 48)):  # PixelWidth, PixelHeight: one byte each
        data[data.index(element + bytes([size])) + 2] = size * 5 // 4
    path = tmp_path / "header.webm"
    path.write_bytes(bytes(data))
    with av.open(str(path)) as container:
        assert (container.streams.video[0].width, container.streams.video[0].height) == (80, 60)
        truth = np.stack([frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)])
    assert truth.shape == (6, 48, 64, 3)
    frames = read_frames(str(path), range(6), backend=backend)
    assert frames.shape == truth.shape and frame_indices(frames) == list(range(6))
    np.testing.assert_array_equal(frames, truth)
    with open_video(str(path), backend=backend) as reader:  # streamed too (the pipeline's timeline)
        np.testing.assert_array_equal(np.stack([frame for _, frame in reader.iter_read([5, 0])]), truth[[0, 5]])


# MPEG transport / program streams have no index: FFmpeg seeks them by a timestamp search that can
# land after the keyframe; raw elementary streams have no timestamps and cannot seek at all.
# (PyAV only: torchcodec refuses these, see README "Video decoding".)
@pytest.mark.parametrize("container_format", ["mpegts", "mpeg", "h264"])
def test_streams_without_an_index_give_the_asked_frames(tmp_path, container_format):
    path = write_video(tmp_path / f"clip.{container_format}", num_frames=60, gop=GOP, container_format=container_format)
    with open_video(path, backend="pyav") as reader:
        assert reader.num_frames == 60
        for wanted in ([0, 1], [33, 35, 37], [59], [5, 47, 20], list(range(60))):
            assert frame_indices(reader.read(wanted)) == wanted


def test_stream_cut_before_a_keyframe_starts_at_that_keyframe(tmp_path):
    # A capture that starts mid-GOP: the frames before the first keyframe cannot be decoded, so
    # they are not frames of the video (FFmpeg's own decoder drops them too).
    path = write_video(tmp_path / "cut.ts", num_frames=40, gop=GOP, container_format="mpegts", drop_first_packets=3)
    with open_video(path, backend="pyav") as reader:
        assert reader.num_frames == 40 - GOP
        assert frame_indices(reader.read([0, 1, 20, 31])) == [GOP, GOP + 1, GOP + 20, GOP + 31]


def test_out_of_range_index_error(videos, backend):
    with pytest.raises(ValueError, match=r"\[40\] are out of range .* 40 frames"):
        read_frames(videos["h264"], [1, 40], backend=backend)


@pytest.mark.parametrize("indices", [np.linspace(0, 39, 8), [2.9], [True, False], ["3"], [float("nan")]])
def test_indices_that_are_not_whole_numbers_are_refused_by_name(videos, backend, indices):
    # A cast to integers truncated them: np.linspace(0, 39, 8) read frames 5 and 11 for 5.57 and 11.14, [2.9] frame
    # 2, [True, False] frames 1 and 0, silently (the processor refuses such indices from a sampler already)
    with pytest.raises(ValueError, match=r"Frame indices must be whole numbers; got .* for video"):
        read_frames(videos["h264"], indices, backend=backend)
    with open_video(videos["h264"], backend=backend) as reader:
        with pytest.raises(ValueError, match="whole numbers"):
            next(reader.iter_read(indices))


def test_whole_numbers_of_any_dtype_read_their_frames(videos, backend):
    with av.open(videos["h264"]) as container:  # the reference: a sequential decode
        truth = frame_indices(np.stack([f.to_ndarray(format="rgb24") for f in container.decode(video=0)]))
    for indices in ([2.0, 30.0], np.array([2, 30], dtype=np.uint8), np.array([2, 30], dtype=np.int32)):
        assert frame_indices(read_frames(videos["h264"], indices, backend=backend)) == [truth[2], truth[30]]


def test_auto_backend_reads_files_with_pyav(videos):
    with open_video(videos["h264"]) as reader:
        assert reader.backend == "pyav"  # the faster path, whether torchcodec imports or not


@pytest.mark.torchcodec
def test_auto_backend_reads_torchcodec_decoders_with_torchcodec(videos):
    from torchcodec.decoders import VideoDecoder

    decoder = VideoDecoder(videos["h264"], seek_mode="exact")
    with open_video(decoder) as reader:
        assert reader.backend == "torchcodec"
        assert frame_indices(reader.read([3, 17])) == [3, 17]


def test_auto_backend_falls_back_to_pyav_without_torchcodec(videos, monkeypatch):
    import vivit_hf.processing.video_io as video_io

    monkeypatch.setattr(video_io, "torchcodec_available", lambda: False)
    with open_video(videos["h264"]) as reader:
        assert reader.backend == "pyav"


def test_bytes_of_every_codec_decode(backend):
    for codec in ("h264", "vp9", "av1"):
        data = video_bytes(num_frames=6, codec=codec, gop=None)
        assert frame_indices(read_frames(data, [5], backend=backend)) == [5]


def write_h264_with_b_frames(path, num_frames=48, gop=24, height=48, width=64):
    """x264 with B-frames in a pyramid: some frames are references for others, some for none."""
    container = av.open(str(path), "w")
    stream = container.add_stream("libx264", rate=25)
    stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
    stream.options = {
        "crf": "12",
        "preset": "medium",
        "x264-params": f"keyint={gop}:min-keyint={gop}:scenecut=0:bframes=3:b-pyramid=normal:b-adapt=0",
    }
    for i in range(num_frames):
        for packet in stream.encode(av.VideoFrame.from_ndarray(pattern_frame(i, height, width), format="rgb24")):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)
    container.close()
    return str(path)


@pytest.mark.parametrize(
    "wanted, most",
    [
        ([37, 39, 41, 43], 43 - 24),  # lead-in from keyframe 24: its non-reference B-frames are skipped
        (list(range(26, 47, 2)), 46 - 24 - 5),  # and those between frames kept at stride 2
    ],
)
def test_unwanted_non_reference_frames_are_not_decoded(tmp_path, wanted, most):
    path = write_h264_with_b_frames(tmp_path / "bframes.mp4")
    with open_video(path, backend="pyav") as reader:
        frames = reader.read(wanted)
        assert reader.frames_decoded <= most
    assert frame_indices(frames) == wanted
    with av.open(path) as container:  # every frame decoded, no skipping: the same pixels
        everything = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    assert all(np.array_equal(frame, everything[i]) for frame, i in zip(frames, wanted))


def test_consecutive_frames_are_all_decoded(tmp_path):
    path = write_h264_with_b_frames(tmp_path / "bframes.mp4")
    with open_video(path, backend="pyav") as reader:
        assert frame_indices(reader.read(range(25, 48))) == list(range(25, 48))
        assert reader.frames_decoded == 48 - 24


@pytest.mark.parametrize("codec", ["vp9", "av1"])
def test_frames_after_a_lead_in_decode_for_every_codec(videos, codec):
    # libdav1d reads skip_frame once, when it opens: a first read with a lead-in must not latch it
    with open_video(videos[codec], backend="pyav") as reader:
        assert frame_indices(reader.read([11, 13, 15, 17])) == [11, 13, 15, 17]
        assert frame_indices(reader.read([1, 2, 3])) == [1, 2, 3]


def test_read_resizes_while_decoding_to_the_shorter_side(videos, backend):
    small = read_frames(videos["h264"], [3, 30], backend=backend, size=24)
    assert small.shape == (2, 24, 32, 3) and small.dtype == np.uint8
    assert frame_indices(small) == [3, 30]
    fixed = read_frames(videos["h264"], [3], backend=backend, size=(20, 30))
    assert fixed.shape == (1, 20, 30, 3)


def test_resize_while_decoding_is_close_to_torch_resize(videos):
    full = read_frames(videos["h264"], [5, 6, 7], backend="pyav")
    in_decoder = read_frames(videos["h264"], [5, 6, 7], backend="pyav", size=24).astype(np.float32)
    in_torch = resize_frames(full, 24).astype(np.float32)
    assert (
        np.abs(in_decoder - in_torch).mean() < 2.0
    )  # grey levels of 255; libswscale and torch filters differ slightly


@pytest.mark.parametrize("fmt, codec", [("mov", "qtrle"), ("avi", "msvideo1"), ("mov", "rpza")])
def test_resize_while_decoding_keeps_the_colours_of_5_bit_rgb(tmp_path, fmt, codec):
    # 16-bit QuickTime Animation, MS Video 1 and rpza decode to rgb555: libswscale's scaled path widened its 5-bit
    # channels by a shift (white 248) where the full-size conversion gives 255, 3.5-4.3 grey levels darker on average
    path = tmp_path / f"rgb555.{fmt}"
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=25)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "rgb555be" if codec == "qtrle" else "rgb555le"
        for i in range(4):
            frame = av.VideoFrame.from_ndarray(pattern_frame(i, 48, 64) // 2 + 100, format="rgb24")
            frame.pts = i
            container.mux(stream.encode(frame.reformat(format=stream.pix_fmt)))
        container.mux(stream.encode())
    full = read_frames(path, [1, 2], backend="pyav").astype(np.float32)
    in_decoder = read_frames(path, [1, 2], backend="pyav", size=24).astype(np.float32)
    bias = (in_decoder - resize_frames(full.astype(np.uint8), 24)).reshape(-1, 3).mean(0)
    assert np.abs(bias).max() < 1.0, bias


def test_resize_while_decoding_follows_rotation(tmp_path):
    path = write_video(tmp_path / "rot.mp4", num_frames=4, height=32, width=64, rotation=90)
    frame = read_frames(path, [0], backend="pyav", size=16)[0]
    assert frame.shape == (32, 16, 3)  # displayed 64 x 32 (portrait): shorter side 16
    assert frame[-2, 1, 0] > 150 and frame[1, 1, 0] < 100  # the marker still lands bottom-left


def test_output_size_rule_and_bad_sizes():
    assert output_size(48, 64, 24) == (24, 32) and output_size(64, 48, 24) == (32, 24)
    assert output_size(48, 64, (10, 20)) == (10, 20) and output_size(48, 64, None) == (48, 64)
    for bad in (0, -3, (10,), (10, 0), "24", 2.5):
        with pytest.raises(ValueError, match="size"):
            output_size(48, 64, bad)


def test_unknown_interpolation_is_an_error(videos):
    with pytest.raises(ValueError, match="interpolation 'lanczos'"):
        read_frames(videos["h264"], [0], backend="pyav", size=24, interpolation="lanczos")


class _Served(http.server.BaseHTTPRequestHandler):
    """`/clip`: the bytes of `self.server.clip`; `/live`: a stream that never ends (a camera's MJPEG feed)."""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "video/mp4")
        if self.path == "/clip":
            self.send_header("Content-Length", str(len(self.server.clip)))
            self.end_headers()
            self.wfile.write(self.server.clip)
            return
        self.end_headers()
        try:
            while not self.server.stopping.is_set():
                self.wfile.write(self.server.clip[:4096])
                time.sleep(0.01)
        except OSError:  # the reader gave up and closed the connection
            pass

    def log_message(self, *args):
        pass


@pytest.fixture
def served(tmp_path):
    path = write_video(tmp_path / "clip.mp4", num_frames=20, gop=GOP)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Served)
    server.clip, server.stopping, server.daemon_threads = Path(path).read_bytes(), threading.Event(), True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield path, f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.stopping.set()
        server.shutdown()
        server.server_close()


def test_a_url_reads_as_its_file_whatever_the_case_of_its_scheme(served):
    path, host = served
    for url in [f"http://{host}/clip", f"HTTP://{host}/clip"]:
        np.testing.assert_array_equal(read_frames(url, [0, 11, 19]), read_frames(path, [0, 11, 19]))


def test_a_url_that_never_ends_is_refused_after_the_time_limit(served, monkeypatch):
    # the trial's camera feed: `response.read()` waited for the end of a stream that has none, for ever
    monkeypatch.setattr(video_io, "URL_TIME_LIMIT", 1.0)
    _, host = served
    began = time.monotonic()
    with pytest.raises(VideoDecodeError, match=rf"{host}/live.*had not ended after 1 s.*live stream"):
        probe(f"http://{host}/live")
    assert time.monotonic() - began < 10
