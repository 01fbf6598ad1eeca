# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Which files of a folder are clips, and which class and split each gets, on the layouts users actually have.

The rule is `datasets`' own for its folder builders (videofolder, imagefolder): a clip's class is the folder it is
in, its split a folder above named by a split keyword (`datasets.data_files.SPLIT_KEYWORDS`, as a word of the
name) at any depth. Every expectation below is a hand-written list of (file, class, split).
"""

import io
import logging
import re
import struct
import tarfile
import zipfile
import zlib
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from vivit_hf.processing.errors import VideoDecodeError
from vivit_hf.processing.video_io import read_frames
from vivit_hf.training.data.annotated import index_videos
from vivit_hf.training.data.formats import (
    VIDEO_EXTENSIONS,
    DatasetFormatError,
    load_video_dataset,
    load_videofolder,
    video_files_below,
)
from vivit_hf.training.data.streaming import open_streaming_dataset

LOGGER = "vivit_hf.training.data.formats"
SPLIT_NAMES = {"train": "train", "val": "validation", "test": "test"}


def touch(root: Path, *relative: str) -> None:
    """Stand-in clips: listing a folder reads names, not frames."""
    for name in relative:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(name.encode())  # each its own bytes: copies of one clip are named


def read_as_triples(data, root: Path) -> list[tuple[str, str, str]]:
    """(file below root, class name, split) of every example, sorted."""
    return sorted(
        (Path(example["video"]).relative_to(root).as_posix(), data.id2label[example["label"]], split)
        for split, examples in data.splits.items()
        for example in examples
    )


# The Kinetics-style tree `{train,val}/<class>/<clip>` the trials copied into wrappers and archives.
TREE = ["train/abseiling/a.mp4", "train/abseiling/b.mp4", "train/zumba/c.mp4", "val/abseiling/d.mp4", "val/zumba/e.mp4"]


def tree_triples(prefix: str = "") -> list[tuple[str, str, str]]:
    return sorted(
        (prefix + name, name.split("/")[1], {"train": "train", "val": "validation"}[name.split("/")[0]])
        for name in TREE
    )


# Camcorders (AVCHD) write .MTS / .m2ts, phones .3gp / .3g2, DVDs .vob, broadcast .mxf; older and raw types too.
CAMERA_AND_PHONE_FILES = [
    "run/a.3gp", "run/b.3g2", "run/c.MTS", "run/d.m2ts", "run/e.vob", "run/f.mxf", "run/g.ogv", "run/h.nut",
    "run/i.dv", "run/j.y4m", "run/k.asf", "run/l.f4v", "run/m.divx", "run/n.m2v", "run/o.mpe", "run/p.rmvb",
    "jump/q.3GP", "jump/r.mts", "jump/s.M2TS", "jump/t.VOB", "jump/u.mp4", "jump/v.h264", "jump/w.hevc", "jump/x.ivf",
]  # fmt: skip


def test_videofolder_reads_camera_phone_dvd_and_broadcast_video_types_in_any_case(tmp_path):
    touch(tmp_path, *CAMERA_AND_PHONE_FILES)
    data = load_video_dataset(tmp_path, "videofolder")
    expected = sorted((name, name.split("/")[0], "train") for name in CAMERA_AND_PHONE_FILES)
    assert read_as_triples(data, tmp_path) == expected
    assert sorted(p.relative_to(tmp_path).as_posix() for p in video_files_below(tmp_path)) == sorted(
        CAMERA_AND_PHONE_FILES
    )


# (suffix, PyAV muxer, codec, pixel format, size, rate): files these containers hold as cameras and tools write them.
WRITABLE = [
    (".3gp", "3gp", "mpeg4", "yuv420p", 32, 8),
    (".3g2", "3g2", "mpeg4", "yuv420p", 32, 8),
    (".MTS", "mpegts", "h264", "yuv420p", 32, 25),
    (".m2ts", "mpegts", "mpeg2video", "yuv420p", 32, 25),
    (".vob", "vob", "mpeg2video", "yuv420p", 32, 25),
    (".mxf", "mxf", "mpeg2video", "yuv420p", 32, 25),
    (".nut", "nut", "mpeg4", "yuv420p", 32, 8),
    (".asf", "asf", "wmv2", "yuv420p", 32, 8),
    (".y4m", "yuv4mpegpipe", "rawvideo", "yuv420p", 32, 8),
    (".m2v", "mpeg2video", "mpeg2video", "yuv420p", 32, 25),
    (".h264", "h264", "h264", "yuv420p", 32, 25),
]


def write_encoded(path: Path, muxer: str, codec: str, pix_fmt: str, size: int, rate: int) -> None:
    with av.open(str(path), "w", format=muxer) as container:
        stream = container.add_stream(codec, rate=rate)
        stream.width = stream.height = size
        stream.pix_fmt = pix_fmt
        for i in range(10):
            frame = np.full((size, size, 3), 20 * i, dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24").reformat(format=pix_fmt)):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


@pytest.mark.parametrize("suffix, muxer, codec, pix_fmt, size, rate", WRITABLE, ids=[w[0] for w in WRITABLE])
def test_each_added_video_type_is_listed_and_decodes_to_what_plain_pyav_decodes(
    tmp_path, suffix, muxer, codec, pix_fmt, size, rate
):
    path = tmp_path / "clips" / f"clip{suffix}"
    path.parent.mkdir()
    write_encoded(path, muxer, codec, pix_fmt, size, rate)
    assert suffix.lower() in VIDEO_EXTENSIONS
    assert video_files_below(tmp_path / "clips") == [path]
    with av.open(str(path)) as container:  # the reference: every frame, decoded in order by PyAV alone
        sequential = np.stack([frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)])
    assert len(sequential) == 10
    np.testing.assert_array_equal(read_frames(path, [0, 4, 9]), sequential[[0, 4, 9]])


def test_a_folder_scan_names_the_files_it_leaves_out_and_the_types_it_reads(tmp_path, caplog):
    # `.xyz` and `.jpg` may be clips (or frames) the reader does not take; annotation files are expected there.
    touch(tmp_path, "run/a.mp4", "run/b.xyz", "swim/c.mp4", "swim/frames/0001.jpg", "notes.txt", "labels.csv")
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        data = load_video_dataset(tmp_path, "videofolder")
        videos = video_files_below(tmp_path)
    assert read_as_triples(data, tmp_path) == [("run/a.mp4", "run", "train"), ("swim/c.mp4", "swim", "train")]
    assert [p.relative_to(tmp_path).as_posix() for p in videos] == ["run/a.mp4", "swim/c.mp4"]
    left_out = [r.getMessage() for r in caplog.records if "left out, their extension" in r.getMessage()]
    assert len(left_out) == 2, [r.getMessage() for r in caplog.records]  # the data set's scan, then predict's
    for message in left_out:
        assert message.startswith("2 file(s) below"), message
        assert "'run/b.xyz'" in message and "'swim/frames/0001.jpg'" in message, message
        assert "notes.txt" not in message and "labels.csv" not in message, message
        assert ".mp4" in message and ".3gp" in message and ".mts" in message, message


def test_an_audio_format_with_a_cover_image_is_no_clip(tmp_path):
    """yt-dlp's audio format of a clip whose merge never ran, with its thumbnail embedded (`--embed-thumbnail`: a cover
    image, FFmpeg's `attached_pic` stream), was counted a video and listed as the clip, which every read then refused
    ("has no video stream (found: only a cover image)"). It is left out, as the same file without the cover is."""
    touch(tmp_path, "run/a.mp4")
    cover = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 30, 30)).save(cover, "JPEG")
    with av.open(str(tmp_path / "run" / "e.f140.mp4"), "w") as container:
        sound = container.add_stream("aac", rate=48000, layout="mono")
        picture = container.add_stream("mjpeg")
        picture.width, picture.height, picture.pix_fmt = 16, 16, "yuvj420p"
        picture.disposition = av.stream.Disposition.attached_pic
        silence = av.AudioFrame.from_ndarray(np.zeros((1, 1024), dtype=np.float32), format="fltp", layout="mono")
        silence.sample_rate, silence.pts = 48000, 0
        for packet in [*sound.encode(silence), *sound.encode()]:
            container.mux(packet)
        still = av.Packet(cover.getvalue())
        still.stream, still.pts, still.dts, still.is_keyframe = picture, 0, 0, True
        container.mux(still)
    with pytest.raises(VideoDecodeError, match="only a cover image"):  # (the premise: what a read of it says)
        read_frames(str(tmp_path / "run" / "e.f140.mp4"), [0])
    assert [p.relative_to(tmp_path).as_posix() for p in video_files_below(tmp_path)] == ["run/a.mp4"]


def test_yt_dlp_leftovers_beside_a_merged_clip_are_named_not_read_as_clips(tmp_path, caplog):
    # Kinetics is downloaded with yt-dlp: a merge kept (`-k`) or stopped leaves the video and audio formats
    # (`a.f137.mp4`, `a.f251.webm`), the merge's `a.temp.mp4` and unfinished `.part` / `.ytdl` files beside `a.mp4`;
    # each format file was read as one more clip. A format file without its merged clip (`b`) is the only copy: read;
    # an audio-only one (`e.f251.webm`) is no clip, left out as the Kinetics reader leaves it (it was refused only
    # when decoded).
    leftovers = ["run/a.f137.mp4", "run/a.f251.webm", "run/a.temp.mp4", "run/c.mp4.part", "run/c.mp4.ytdl"]
    touch(tmp_path, "run/a.mp4", "run/b.f137.mp4", *leftovers, "swim/d.mp4")
    with av.open(str(tmp_path / "run" / "e.f251.webm"), "w") as container:
        stream = container.add_stream("libopus", rate=48000, layout="mono")
        sound = av.AudioFrame.from_ndarray(np.zeros((1, 960), dtype=np.float32), format="fltp", layout="mono")
        sound.sample_rate, sound.pts = 48000, 0
        for packet in [*stream.encode(sound), *stream.encode()]:
            container.mux(packet)
    leftovers.append("run/e.f251.webm")
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        data = load_video_dataset(tmp_path, "videofolder")
        hub = load_video_dataset(tmp_path, "hub")  # `datasets`' own videofolder read them too
        videos = video_files_below(tmp_path)
        streamed = open_streaming_dataset(str(tmp_path))  # (--streaming kept them as rows)
    clips = ["run/a.mp4", "run/b.f137.mp4", "swim/d.mp4"]
    assert [name for name, _, _ in read_as_triples(data, tmp_path)] == clips
    assert sorted(hub.splits["train"].ids()) == clips
    assert [p.relative_to(tmp_path).as_posix() for p in videos] == clips
    stream = streamed.splits["train"]
    assert (
        sorted(Path(row[stream.video_column]["path"]).relative_to(tmp_path).as_posix() for row in stream.dataset)
        == clips
    )
    assert stream.num_examples == 3 and not streamed.missing
    named = [r.getMessage() for r in caplog.records if "a download's leftovers" in r.getMessage()]
    assert len(named) == 4 and all(m.startswith("6 file(s) below") for m in named), named
    assert all(repr(name) in named[0] for name in leftovers[:5]) and named[0].endswith(" and 1 more"), named[0]
    assert not [r for r in caplog.records if "their extension is not a video type's" in r.getMessage()]


def test_a_wrapper_folder_above_the_split_folders_is_neither_a_class_nor_a_split(tmp_path, caplog):
    # `cp -r kinetics_tree wrapped/k400`: read before as one class 'k400', every clip in 'train'.
    touch(tmp_path / "wrapped" / "k400", *TREE)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        data = load_video_dataset(tmp_path / "wrapped", "videofolder")
    assert read_as_triples(data, tmp_path / "wrapped") == tree_triples("k400/")
    assert data.label_names == ["abseiling", "zumba"]
    assert not caplog.records, [r.getMessage() for r in caplog.records]


# What a NAS or a Windows drive keeps in a data set's folders, hidden in its own file browser but copied by rsync or
# read over NFS: Synology's previews of each clip (in every folder its indexer saw), its recycle bin of deleted clips
# under their old paths, and Windows' recycle bin.
NAS_FILES = [
    "train/abseiling/@eaDir/a.mp4/SYNOPHOTO_FILM_M.mp4",
    "train/abseiling/@eaDir/a.mp4/SYNOPHOTO_THUMB_M.jpg",
    "val/zumba/@eaDir/e.mp4/SYNOPHOTO_FILM_H.mp4",
    "val/zumba/@eaDir/test_e.mp4/SYNOPHOTO_FILM_H.mp4",  # (a split word in the preview's folder)
    "#recycle/train/zumba/deleted.mp4",
    "$RECYCLE.BIN/S-1-5-21-1004/$R1X2Y3.mp4",
    "train/zumba/Thumbs.db",  # (Windows' thumbnails and folder settings: named as files left out)
    "val/desktop.ini",
]


def test_the_system_folders_of_a_nas_or_windows_hold_no_clips(tmp_path, caplog):
    # They were read as clips: the previews as classes 'a.mp4', 'e.mp4' (a copy of each clip under a wrong class), the
    # deleted clip back in train/zumba without a word. `datasets` reads them too: the hub read is refused naming them.
    touch(tmp_path, *TREE, *NAS_FILES)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        data = load_video_dataset(tmp_path, "videofolder")
    assert read_as_triples(data, tmp_path) == tree_triples()
    assert not caplog.records, [r.getMessage() for r in caplog.records]
    assert sorted({p.name for p in index_videos([tmp_path]).values()}) == ["a.mp4", "b.mp4", "c.mp4", "d.mp4", "e.mp4"]
    with pytest.raises(
        DatasetFormatError,
        match=r"datasets would read 4 video files in the system folders .* e\.g\. "
        r"'#recycle/train/zumba/deleted\.mp4', 'train/abseiling/@eaDir/a\.mp4/SYNOPHOTO_FILM_M\.mp4'",
    ):
        load_video_dataset(str(tmp_path), "hub", cache_dir=str(tmp_path / ".cache"))


def hub_repo(tmp_path: Path, monkeypatch, archives: dict[str, list[str]]):
    """A Hub data set repo holding `archives` ({archive path in the repo: members}), read by its id as the recipes
    read it (snapshot_download stands in for the Hub); returns the data and the extraction folder."""
    import huggingface_hub

    snapshot = tmp_path / "hub" / "snapshots" / "abc123"
    snapshot.mkdir(parents=True)
    for archive, members in archives.items():
        (snapshot / archive).parent.mkdir(parents=True, exist_ok=True)
        if archive.endswith(".zip"):
            with zipfile.ZipFile(snapshot / archive, "w") as zf:
                for member in members:
                    zf.writestr(member, member.encode())
        else:
            touch(tmp_path / "payload", *members)
            with tarfile.open(snapshot / archive, "w:gz") as tf:
                for member in members:
                    tf.add(tmp_path / "payload" / member, arcname=member)
    monkeypatch.setattr(huggingface_hub, "snapshot_download", lambda repo_id, **kwargs: str(snapshot))
    data = load_video_dataset("someone/videos", "videofolder", cache_dir=str(tmp_path / "cache"))
    return data, tmp_path / "cache" / "someone--videos--abc123"


def test_one_archive_of_split_folders_unpacks_into_its_own_folder_and_keeps_the_splits(tmp_path, monkeypatch):
    # `zip -r videos.zip train val`: unpacked to `videos/train/...`; read before as one class 'videos'.
    data, extracted = hub_repo(tmp_path, monkeypatch, {"videos.zip": TREE})
    assert read_as_triples(data, extracted) == tree_triples("videos/")


def test_a_zip_made_on_windows_with_backslashes_between_folders_unpacks_its_folders(tmp_path, monkeypatch):
    # Windows PowerShell 5.1's Compress-Archive writes `train\abseiling\a.mp4`: unpacked as flat files of those names,
    # it was refused as "no <class>/<video> files". unzip reads the backslashes as folders (the reference).
    real = zipfile.ZipFile.writestr

    def as_on_windows(zf, member, data):
        info = zipfile.ZipInfo(member.replace("/", "\\"))
        info.create_system = 0  # MS-DOS / Windows, as Windows' zip writers say
        real(zf, info, data)

    monkeypatch.setattr(zipfile.ZipFile, "writestr", as_on_windows)
    data, extracted = hub_repo(tmp_path, monkeypatch, {"videos.zip": TREE})
    assert read_as_triples(data, extracted) == tree_triples("videos/")


def test_zip_names_without_the_utf8_flag_are_read_as_their_writer_wrote_them(tmp_path):
    """zipfile decodes a name without the zip's UTF-8 flag as cp437, as Windows' Explorer writes it; macOS' Archive
    Utility and Info-ZIP's zip write UTF-8 there: the class folder `café` was unpacked as `caf├⌐`. The reference:
    each name as its writer encoded it (Info-ZIP's unzip takes a Unix-made name's bytes as they are)."""
    from vivit_hf.training.data.fetch import extract_archive

    class Written(zipfile.ZipInfo):  # a name's bytes as a writer other than Python's zipfile stores them
        encoding = None  # (Python's: UTF-8 with the flag)

        def _encodeFilenameFlags(self):
            return (
                (self.filename.encode(self.encoding), self.flag_bits)
                if self.encoding
                else super()._encodeFilenameFlags()
            )

    writers = {"café/a.mp4": ("utf-8", 3), "naïve/b.mp4": ("cp437", 0), "größe/c.mp4": (None, 3)}  # macOS, Windows

    # Info-ZIP's zip and WinZip on Windows: the name in the code page (`?` where it has no such letter) and Info-ZIP's
    # Unicode Path field beside it (version 1, the CRC-32 of the name it was written for, the name in UTF-8), which
    # unzip reads first: `猫/` and `犬/` were one class `?`. A field made for another name (renamed since) is stale.
    def unicode_path(name: str, written_for: str) -> bytes:
        field = b"\x01" + struct.pack("<I", zlib.crc32(f"train/{written_for}".encode())) + f"train/{name}".encode()
        return struct.pack("<HH", 0x7075, len(field)) + field

    # unpacked as: (the name stored, the field's name, the name the field was written for)
    fields = {
        "猫/a.mp4": ("?/a.mp4", "猫/a.mp4", "?/a.mp4"),
        "犬/b.mp4": ("?/b.mp4", "犬/b.mp4", "?/b.mp4"),
        "old/c.mp4": ("old/c.mp4", "new/c.mp4", "new/c.mp4"),  # stale: renamed new -> old by a tool
    }
    with zipfile.ZipFile(tmp_path / "clips.zip", "w") as zf:
        for name, (encoding, system) in writers.items():
            info = Written(f"train/{name}")
            info.encoding, info.create_system = encoding, system
            zf.writestr(info, name.encode())
        for stored, in_field, written_for in fields.values():
            info = Written(f"train/{stored}")
            info.encoding, info.create_system, info.extra = "cp437", 0, unicode_path(in_field, written_for)
            zf.writestr(info, stored.encode())
    extract_archive(tmp_path / "clips.zip", tmp_path / "out")
    unpacked = sorted(
        path.relative_to(tmp_path / "out" / "train").as_posix() for path in (tmp_path / "out").rglob("*.mp4")
    )
    assert unpacked == sorted([*writers, *fields])


def test_archives_named_by_split_that_hold_their_split_folder_are_not_classes(tmp_path, monkeypatch):
    # `zip -r train.zip train/` and `val.zip` in `data/`: unpacked to `data/train/train/<class>/`; read before as the
    # classes 'train' and 'val', every clip labelled by its split.
    members = {"data/train.zip": [m for m in TREE if m.startswith("train/")]}
    members["data/val.tar.gz"] = [m for m in TREE if m.startswith("val/")]
    data, extracted = hub_repo(tmp_path, monkeypatch, members)
    expected = sorted(
        (f"data/{name.split('/')[0]}/{name}", name.split("/")[1], SPLIT_NAMES[name.split("/")[0]]) for name in TREE
    )
    assert read_as_triples(data, extracted) == expected
    assert data.label_names == ["abseiling", "zumba"]


def test_a_split_keyword_is_a_word_of_a_folder_name_at_any_depth(tmp_path):
    touch(
        tmp_path,
        "k400_train/part 1/abseiling/a.mp4",  # a keyword as a word, two folders above the class
        "k400_train/part 1/training dog/b.mp4",  # Kinetics-700's class 'training dog' is a class, not a split
        "Val2017/abseiling/c.mp4",  # any case, digits as separators
        "Val2017/training dog/d.mp4",
        "train_val_lists/zumba/e.mp4",  # keywords of two splits name none: 'train'
        "testing-set/sub/zumba/f.mp4",
        "contest/zumba/g.mp4",  # 'test' inside a word is no keyword: 'train'
    )
    data = load_video_dataset(tmp_path, "videofolder")
    assert read_as_triples(data, tmp_path) == sorted(
        [
            ("k400_train/part 1/abseiling/a.mp4", "abseiling", "train"),
            ("k400_train/part 1/training dog/b.mp4", "training dog", "train"),
            ("Val2017/abseiling/c.mp4", "abseiling", "validation"),
            ("Val2017/training dog/d.mp4", "training dog", "validation"),
            ("train_val_lists/zumba/e.mp4", "zumba", "train"),
            ("testing-set/sub/zumba/f.mp4", "zumba", "test"),
            ("contest/zumba/g.mp4", "zumba", "train"),
        ]
    )


def test_clips_straight_in_the_folder_are_refused_saying_how_to_give_them_classes(tmp_path):
    # `--dataset my_videos` holding a.mp4, b.webm and no class folder: refused as "no <class>/<video> files", the
    # clips listed, with no word of what to do (a table beside them gets its own advice, and keeps it)
    touch(tmp_path / "flat", "a.mp4", "b.webm", ".c.mp4", "notes.txt")
    with pytest.raises(
        DatasetFormatError,
        match=r"found \['a.mp4', 'b.webm', 'notes.txt'\]; its 2 video files lie in no class folder \(a.mp4\), where "
        r"videofolder takes a clip's class from the folder it is in: move each into a folder named by its class "
        r"\(.*/flat/<class>/<clip>\), or list them in a metadata.csv in .*/flat with .* --dataset_format hub$",
    ):
        load_video_dataset(tmp_path / "flat", "videofolder")
    # split folders without class folders (train/a.mp4): only ['test/', 'train/'] were named. datasets reads a
    # metadata file for its own folder alone, so one in each split folder is asked for
    touch(tmp_path / "splits", "train/a.mp4", "test/b.mp4")
    with pytest.raises(
        DatasetFormatError,
        match=r"found \['test/', 'train/'\]; its 2 video files lie in no class folder \(test/b.mp4\), .*\(.*/splits/"
        r"test/<class>/<clip>\), or list them in a metadata.csv in .*/splits/test \(one in each folder holding them\)",
    ):
        load_video_dataset(tmp_path / "splits", "videofolder")
    touch(tmp_path / "flat", "labels.csv")
    with pytest.raises(DatasetFormatError, match=r"videofolder reads no labels from a table \(labels.csv\)"):
        load_video_dataset(tmp_path / "flat", "videofolder")


def test_a_tree_of_extracted_frames_is_refused_saying_what_videofolder_reads_and_how_to_encode_them(tmp_path):
    # mmaction2's rawframes, Jester's JPEG folders: refused as "no <class>/<video> files", every frame named a file
    # of another type, with no word of what to do.
    # (a space in a folder's name is quoted in the command: it was split into two arguments)
    touch(tmp_path, *(f"train/{c}/v {v}/img_{f:05d}.jpg" for c in ("cat", "dog") for v in (1, 2) for f in (1, 2, 3)))
    with pytest.raises(
        DatasetFormatError,
        match=r"no <class>/<video> files under .*; its folders hold images \(train/cat/v 1/\*\.jpg\): videofolder "
        r"reads video files, not images nor folders of a clip's extracted frames; where each such folder is a clip's "
        r"frames, encode it as a clip beside it, in .* `ffmpeg -framerate "
        r"<the rate they were extracted at> -pattern_type glob -i 'train/cat/v 1/\*\.jpg' -pix_fmt yuv420p "
        r"'train/cat/v 1\.mp4'`$",
    ):
        load_video_dataset(tmp_path, "videofolder")


def test_a_class_folder_named_by_a_split_word_under_a_split_folder_is_a_class(tmp_path, caplog):
    # A vehicle class `Train`: dropped as "outside any <class>/ folder", its validation clips reported as split 'train'.
    touch(tmp_path, "train/Train/a.mp4", "train/bus/b.mp4", "validation/Train/c.mp4", "validation/bus/d.mp4")
    touch(tmp_path, "test/e.mp4")  # a split folder with no class folder in it still has no label
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        data = load_video_dataset(tmp_path, "videofolder")
    assert read_as_triples(data, tmp_path) == [
        ("train/Train/a.mp4", "Train", "train"),
        ("train/bus/b.mp4", "bus", "train"),
        ("validation/Train/c.mp4", "Train", "validation"),
        ("validation/bus/d.mp4", "bus", "validation"),
    ]
    loose = [r.getMessage() for r in caplog.records if "outside any <class>/ folder" in r.getMessage()]
    assert len(loose) == 1 and "split 'test'" in loose[0] and "'test/e.mp4'" in loose[0], loose


def test_clips_in_sub_folders_take_their_own_folder_as_class_and_the_mixed_depths_are_named(tmp_path, caplog):
    touch(tmp_path, "train/run/a.mp4", "train/run/slow/b.mp4", "train/swim/c.mp4")
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        data = load_video_dataset(tmp_path, "videofolder")
    assert read_as_triples(data, tmp_path) == [
        ("train/run/a.mp4", "run", "train"),
        ("train/run/slow/b.mp4", "slow", "train"),
        ("train/swim/c.mp4", "swim", "train"),
    ]
    messages = [r.getMessage() for r in caplog.records]
    assert any("2 different depths" in m and "'train/run/slow/b.mp4'" in m for m in messages), messages


def test_a_class_gathering_clips_from_folders_of_its_name_in_different_places_is_named(tmp_path, caplog):
    # Clips sorted by camera inside each class: `indoor` took the cat and dog clips alike, without a word (all clips
    # at one depth, so the mixed-depth warning said nothing). The same class in two splits gathers nothing.
    touch(tmp_path, "train/cat/indoor/a.mp4", "train/dog/indoor/b.mp4", "train/dog/outdoor/c.mp4")
    touch(tmp_path, "val/cat/indoor/d.mp4", "val/dog/outdoor/e.mp4")
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        data = load_video_dataset(tmp_path, "videofolder")
    assert data.label_names == ["indoor", "outdoor"]
    gathered = [r.getMessage() for r in caplog.records if "gather" in r.getMessage()]
    assert len(gathered) == 1, gathered
    assert "1 class(es)" in gathered[0] and "'indoor' ('train/cat/indoor', 'train/dog/indoor')" in gathered[0]
    assert "no split" not in gathered[0]


def test_folders_named_as_splits_in_one_word_are_said_to_name_none(tmp_path, caplog):
    # `trainset/` beside `testset/` (no split word of its own, as datasets reads them too): the test clips were trained
    # on, a share of both held out to evaluate, said only as classes gathered from two places.
    touch(tmp_path, "trainset/cat/a.mp4", "trainset/dog/b.mp4", "testset/cat/c.mp4", "testset/dog/d.mp4")
    said = []
    for dataset_format in ("videofolder", "hub"):  # `datasets` reads them so too, and hub said nothing
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            data = load_video_dataset(tmp_path, dataset_format, cache_dir=str(tmp_path / ".cache"))
        assert sorted(data.splits) == ["train"] and data.label_names == ["cat", "dog"]
        said += [r.getMessage() for r in caplog.records if "gather" in r.getMessage()]
    assert [message.split(":")[0] for message in said] == ["videofolder", "--dataset_format hub"], said
    assert said[0].split(":", 1)[1] == said[1].split(":", 1)[1]
    assert said[0].endswith(
        ". 'testset', 'trainset' name no split (a split word must stand as a word of its own in a folder's name: "
        "test/, test_set/), so their clips are read into the split of the folders above them, 'train' where none names "
        "one"
    )
    # a folder that only starts as a split word does (`valley/`) is not said to name none: it was
    caplog.clear()
    touch(tmp_path / "b", "valley/cat/a.mp4", "valley/dog/b.mp4", "forest/cat/c.mp4", "forest/dog/d.mp4")
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        load_video_dataset(tmp_path / "b", "videofolder")
    (gathered,) = [r.getMessage() for r in caplog.records if "gather" in r.getMessage()]
    assert "no split" not in gathered, gathered


@pytest.mark.parametrize(
    "files, one_class",
    [
        (["train/run/a.mp4", "train/run/b.mp4", "val/run/c.mp4", "val/swim/d.mp4"], "run"),
        (["clips/run/a.mp4", "clips/run/b.mp4"], "run"),
    ],
)
def test_a_training_split_of_one_class_is_refused_by_finetune_naming_the_folder_and_what_it_holds(
    tmp_path, files, one_class
):
    # Refused where it is trained on, not at the read: evaluate.py on `val/` (its model's classes) was refused as
    # "split 'train' ... has one class ... a classifier trained on one class learns nothing", a split it never reads.
    import contextlib

    from vivit_hf.training import finetune

    touch(tmp_path / "data set", *files)
    data = load_videofolder([tmp_path / "data set"])
    assert sorted(e["id"] for clips in data.splits.values() for e in clips) == sorted(files)  # read, each clip
    accelerator = type("OneProcess", (), {"main_process_first": contextlib.nullcontext})
    with pytest.raises(DatasetFormatError) as raised:
        finetune.load_data(finetune.parse_args(["--dataset", str(tmp_path / "data set")]), accelerator)
    message = str(raised.value)
    assert str(tmp_path / "data set") in message and "split 'train'" in message, message
    assert f"one class, {one_class!r}" in message and f"'{files[0]}'" in message, message
    assert f"found ['{files[0].split('/')[0]}/'" in message, message  # the top of the folder


def test_the_training_docs_list_exactly_the_video_types_the_folder_readers_take():
    docs = (Path(__file__).resolve().parents[1] / "docs" / "training-and-data.md").read_text()
    start = docs.index("`recipes/predict.py --videos <folder>`: `") + len("`recipes/predict.py --videos <folder>`: `")
    listed = docs[start : docs.index("`", start)].split()
    assert listed == list(VIDEO_EXTENSIONS)


@pytest.mark.parametrize("dataset_format", ["videofolder", "hub"])
def test_symlinked_clips_whose_target_is_not_there_are_named_and_counted_missing_not_dropped_silently(
    tmp_path, caplog, dataset_format
):
    """Clips linked from a disk that is not mounted were dropped before the left-out warning (not `is_file()`), a
    class of only such clips with them, without a word (videofolder and hub)."""
    from test_data_formats import clip

    root = tmp_path / "repo"
    for split in ("train", "val"):
        for c, name in enumerate(("cat", "dog")):
            for i in range(2):
                clip(root / split / name / f"{i}.mp4", seed=c * 10 + i)
        for i in range(2):
            (root / split / "eel").mkdir(parents=True, exist_ok=True)
            (root / split / "eel" / f"{i}.mp4").symlink_to(tmp_path / "unmounted" / f"{split}{i}.mp4")
    (root / "train" / "cat" / "extra.mp4").symlink_to(tmp_path / "unmounted" / "extra.mp4")
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        data = load_video_dataset(root, dataset_format, cache_dir=str(tmp_path / "cache"))
    assert data.label_names == ["cat", "dog"]
    assert data.missing == {"train": 3, "validation": 2}
    named = [r.getMessage() for r in caplog.records if "symlinks to files that are not there" in r.getMessage()]
    assert len(named) == 1, [r.getMessage() for r in caplog.records]
    assert "5 clip(s)" in named[0] and "'train/cat/extra.mp4' -> " in named[0] and "'eel'" in named[0]
    if dataset_format == "hub":  # --streaming named them but counted none (data.missing {})
        streamed = open_streaming_dataset(str(root), cache_dir=str(tmp_path / "cache"))
        assert streamed.label_names == ["cat", "dog"]
        assert streamed.missing == {"train": 3, "validation": 2}
        assert {name: split.num_examples for name, split in streamed.splits.items()} == {"train": 4, "validation": 4}


def test_a_symlink_to_a_clip_that_is_not_there_is_named_by_a_folder_scan(tmp_path, caplog):
    touch(tmp_path, "a.mp4")
    (tmp_path / "b.mp4").symlink_to(tmp_path / "gone" / "b.mp4")
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        assert video_files_below(tmp_path) == [tmp_path / "a.mp4"]
    assert any("'b.mp4' -> " in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("dataset_format", ["videofolder", "hub"])
@pytest.mark.parametrize("spelling", ["data.zip", "./data.zip", "absolute"])
def test_a_local_archive_given_as_dataset_is_refused_in_one_line_saying_what_is_taken(
    tmp_path, monkeypatch, dataset_format, spelling
):
    """A zip of the class folders as --dataset was taken for a Hub id (LocalEntryNotFoundError traceback) or named in
    a FileNotFoundError traceback although it exists, exit 1; it is a DatasetFormatError (the recipes' one line,
    exit 2)."""
    touch(tmp_path / "tree", *TREE)
    with zipfile.ZipFile(tmp_path / "data.zip", "w") as archive:
        for name in TREE:
            archive.write(tmp_path / "tree" / name, name)
    monkeypatch.chdir(tmp_path)
    source = str(tmp_path / "data.zip") if spelling == "absolute" else spelling
    with pytest.raises(DatasetFormatError, match=r"is an archive: unpack it .*unzip .*-d data`\) and give the folder"):
        load_video_dataset(source, dataset_format)
    if dataset_format == "hub":  # --streaming gave datasets' "Couldn't find any data file" traceback
        with pytest.raises(DatasetFormatError, match=r"is an archive: unpack it .*unzip .*-d data`\)"):
            open_streaming_dataset(source)
    (tmp_path / "labels.csv").write_text("video,label\ntree/train/zumba/c.mp4,zumba\n")
    with pytest.raises(DatasetFormatError, match=r"labels.csv is a table: give the folder holding it, with [^;]*$"):
        load_video_dataset("labels.csv", dataset_format)
    # a table beside another: the folder reads both (said nowhere), which the refusal says now, and how to read one
    (tmp_path / "old.csv").write_text("video,label\ntree/train/zumba/c.mp4,zumba\n")
    with pytest.raises(DatasetFormatError, match=r"other tables \('old.csv'\) are read with it.*path: \"labels"):
        load_video_dataset("labels.csv", dataset_format)


@pytest.mark.parametrize("archive", ["videos.zip", "videos.tar", "videos.tar.gz"])
def test_a_hub_folder_holding_only_an_archive_is_refused_in_one_line_whole_and_streamed(tmp_path, archive):
    """`--dataset_format hub` on a folder of only `videos.zip` (the class folders zipped): datasets took the folder
    the zip is in for the clips' class ("Invalid string class label" traceback, whole and streamed), and a tar of
    class folders for WebDataset shards without labels (a "need a label column" line that did not say why)."""
    touch(tmp_path / "tree", *TREE)
    folder = tmp_path / "only"
    folder.mkdir()
    if archive.endswith(".zip"):
        with zipfile.ZipFile(folder / archive, "w") as packed:
            for name in TREE:
                packed.write(tmp_path / "tree" / name, name)
    else:
        with tarfile.open(folder / archive, "w:gz" if archive.endswith(".gz") else "w") as packed:
            for name in TREE:
                packed.add(tmp_path / "tree" / name, name)
    (folder / "README.md").write_text("my clips\n")
    refusal = rf"{folder} holds no clip and no table, only the archive\(s\) '{archive}'; unpack it \(e.g. `"
    for read in (lambda: load_video_dataset(folder, "hub"), lambda: open_streaming_dataset(str(folder))):
        with pytest.raises(DatasetFormatError, match=refusal) as error:
            read()
        assert "\n" not in str(error.value)


def test_an_empty_class_folder_is_named_not_dropped_without_a_word(tmp_path, caplog):
    # train/horse/ whose copy failed (only a .DS_Store left) and an empty val/bird/: two classes the folders show,
    # none in the data set (2 classes, as datasets reads it), without a word.
    touch(tmp_path, "train/cat/a.mp4", "train/dog/b.mp4", "train/horse/.DS_Store", "val/cat/c.mp4")
    (tmp_path / "val" / "bird").mkdir()
    (tmp_path / "notes").mkdir()  # not beside a class folder: not named
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        data = load_video_dataset(tmp_path, "videofolder")
    assert data.label_names == ["cat", "dog"]
    messages = [r.getMessage() for r in caplog.records if "empty" in r.getMessage()]
    assert messages == [
        "videofolder: 2 folder(s) beside the class folders are empty and give no class: 'train/horse', 'val/bird'"
    ]


def test_finetune_takes_a_split_by_the_split_word_its_folder_is_named_by(tmp_path):
    # `--eval_split val` / `--train_split training` on folders `training/` and `val/`, which the reader reads as
    # 'train' and 'validation': refused as "no split 'val' ... the splits found: train, validation". The reference:
    # the same splits named as the recipes name them.
    import contextlib

    from vivit_hf.training import finetune

    touch(tmp_path, "training/cat/a.mp4", "training/dog/b.mp4", "val/cat/c.mp4", "val/dog/d.mp4")
    accelerator = type("OneProcess", (), {"main_process_first": contextlib.nullcontext})

    def read(train_split, eval_split):
        flags = ["--dataset", str(tmp_path), "--train_split", train_split, "--eval_split", eval_split]
        _, train, evaluation, split = finetune.load_data(finetune.parse_args(flags), accelerator)
        return [e["video"] for e in train], [e["video"] for e in evaluation], split

    assert read("training", "val") == read("train", "validation")
    assert read("training", "val")[2] == "validation"


def test_finetune_warns_where_the_split_it_evaluates_is_the_one_it_trains_on(tmp_path, caplog):
    # `--eval_split train`, or `--train_split val` whose default evaluation split is that one: every accuracy the run
    # logged, recorded and published in its model card's results was of clips it trained on, without a word
    # (evaluate.py warns of the same split). The reference: the splits each run reads.
    import contextlib

    from accelerate import PartialState

    from vivit_hf.training import finetune

    PartialState()  # the recipe's logger is accelerate's
    touch(tmp_path, "train/cat/a.mp4", "train/dog/b.mp4", "val/cat/c.mp4", "val/dog/d.mp4")
    accelerator = type("OneProcess", (), {"main_process_first": contextlib.nullcontext})

    def said(*flags):
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="vivit_hf.training.finetune"):
            _, train, evaluation, _ = finetune.load_data(
                finetune.parse_args(["--dataset", str(tmp_path), *flags]), accelerator
            )
        assert ([e["video"] for e in train] == [e["video"] for e in evaluation]) == bool(caplog.records)
        return [r.getMessage().removeprefix("[RANK 0] ") for r in caplog.records]

    assert said("--eval_split", "train") == [
        "--eval_split train is the split trained on (--train_split train): every accuracy this run reports, and its "
        "model card's results, are of clips it trains on, not a test of it; name another split with --eval_split"
    ]
    assert said("--train_split", "val") == [
        "the default evaluation split (validation) is the split trained on (--train_split val): every accuracy this "
        "run reports, and its model card's results, are of clips it trains on, not a test of it; name another split "
        "with --eval_split (a validation or test split)"
    ]
    assert said() == said("--train_split", "val", "--eval_split", "train") == []


def test_an_empty_folder_beside_a_folder_of_class_folders_is_named_as_an_empty_class_folder_is(tmp_path, caplog):
    # train/empty_class/ beside train/animals/{cat,dog}/: a class folder a level off, as empty as train/animals/bird/
    # and as classless; bird was named, empty_class not. The reference: the same empty folder beside the class
    # folders themselves, named by the warning.
    touch(tmp_path, "train/animals/cat/a.mp4", "train/animals/dog/b.mp4", "val/animals/cat/c.mp4")
    (tmp_path / "train" / "animals" / "bird").mkdir()
    (tmp_path / "train" / "empty_class").mkdir()
    (tmp_path / "notes").mkdir()  # above the split folders: still not named
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        data = load_video_dataset(tmp_path, "videofolder")
    assert data.label_names == ["cat", "dog"]
    messages = [r.getMessage() for r in caplog.records if "empty" in r.getMessage()]
    assert messages == [
        "videofolder: 2 folder(s) beside the class folders are empty and give no class: 'train/animals/bird', "
        "'train/empty_class'"
    ]


def test_a_split_typed_by_another_word_for_it_is_the_same_run(tmp_path):
    # A run with `--train_split training --eval_split val` on folders `training/` and `val/`, resumed (or run again)
    # with `--train_split train --eval_split validation`, the same splits by the recipes' names: refused as "trained
    # with other batches: --train_split 'training' -> 'train'", and the evaluation warned of as another split. The
    # reference: the splits each spelling reads (the same examples).
    import contextlib
    import json

    from vivit_hf.training import finetune

    touch(tmp_path, "training/cat/a.mp4", "training/dog/b.mp4", "val/cat/c.mp4", "val/dog/d.mp4")
    accelerator = type("OneProcess", (), {"main_process_first": contextlib.nullcontext})

    def run(train_split, eval_split):
        args = finetune.parse_args(
            ["--dataset", str(tmp_path), "--train_split", train_split, "--eval_split", eval_split]
        )
        _, train, evaluation, split = finetune.load_data(args, accelerator)
        return [e["video"] for e in train], [e["video"] for e in evaluation], finetune.run_settings(args, 1)

    *first_read, first = run("training", "val")
    *second_read, second = run("train", "validation")
    assert first_read == second_read
    recorded = json.loads(json.dumps(first))  # as read back from trainer_state.json
    assert finetune.check_resume_settings(recorded, second) == []
    assert finetune.same_settings(recorded, second)
    *_, other = run("val", "training")  # another split is still another run
    with pytest.raises(ValueError, match="--train_split 'training' -> 'val'"):
        finetune.check_resume_settings(recorded, other)


def test_a_class_folder_holding_no_video_is_named_not_dropped_without_a_word(tmp_path, caplog):
    # train/fish/ holding only its notes (the clips' copy failed): no class, and the warning about files of other
    # types leaves .txt out (annotations), so the model had a class fewer than the folders show without a word.
    # A folder whose clips lie deeper (train/birds/owl/) is no such folder.
    touch(tmp_path, "train/cat/a.mp4", "train/dog/b.mp4", "train/fish/notes.txt", "train/fish/more/labels.txt")
    touch(tmp_path, "train/birds/owl/c.mp4")
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        data = load_video_dataset(tmp_path, "videofolder")
    assert data.label_names == ["cat", "dog", "owl"]
    messages = [r.getMessage() for r in caplog.records if "give no class" in r.getMessage()]
    assert messages == [
        "videofolder: 1 folder(s) beside the class folders hold no video file and give no class: 'train/fish'"
    ]


def test_a_class_folder_beside_the_split_folders_is_named_as_read_into_train(tmp_path, caplog):
    # `horse/` put beside `train/` and `val/` (not in one) and a card's `samples/` folder: read as training classes
    # 'horse' and 'samples' (no split folder above: `train`), without a word (datasets leaves them out).
    touch(tmp_path, "train/cat/a.mp4", "train/dog/b.mp4", "val/cat/c.mp4", "horse/d.mp4", "samples/e.mp4")
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        data = load_video_dataset(tmp_path, "videofolder")
    assert read_as_triples(data, tmp_path) == [
        ("horse/d.mp4", "horse", "train"),
        ("samples/e.mp4", "samples", "train"),
        ("train/cat/a.mp4", "cat", "train"),
        ("train/dog/b.mp4", "dog", "train"),
        ("val/cat/c.mp4", "cat", "validation"),
    ]
    messages = [r.getMessage() for r in caplog.records if "outside its split folders" in r.getMessage()]
    assert len(messages) == 1 and "2 clip(s)" in messages[0], messages
    assert "'horse/d.mp4', 'samples/e.mp4'" in messages[0] and "('train', 'val')" in messages[0]


def test_a_folder_without_split_folders_reads_train_without_a_warning(tmp_path, caplog):
    touch(tmp_path, "cat/a.mp4", "dog/b.mp4")
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        load_video_dataset(tmp_path, "videofolder")
    assert not [r for r in caplog.records if "outside its split folders" in r.getMessage()]


def test_one_split_read_from_folders_of_two_split_words_is_named_as_merged(tmp_path, caplog):
    # `val/` beside `validation/` (a split renamed or copied in part): both are split 'validation', as datasets'
    # own split patterns read the tree (the reference below); the merge was silent.
    from datasets.data_files import DataFilesDict, get_data_patterns

    touch(tmp_path, "train/cat/a.mp4", "train/dog/b.mp4", "val/cat/c.mp4", "val/dog/d.mp4", "validation/dog/e.mp4")
    touch(tmp_path, "train-00001/cat/f.mp4")  # a split cut in parts: one word, not named
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        data = load_video_dataset(tmp_path, "videofolder")
    reference = DataFilesDict.from_patterns(get_data_patterns(str(tmp_path)), base_path=str(tmp_path))
    assert {split: sorted(Path(e["video"]) for e in examples) for split, examples in data.splits.items()} == {
        str(split): sorted(Path(f) for f in files) for split, files in reference.items()
    }
    assert len(data.split("validation")) == 3
    messages = [r.getMessage() for r in caplog.records if "different split words" in r.getMessage()]
    assert len(messages) == 1, [r.getMessage() for r in caplog.records]
    assert "split 'validation' of" in messages[0] and "'val' (2 clips); 'validation' (1 clip)" in messages[0]
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger=LOGGER):  # datasets' own videofolder merges them alike
        hub = load_video_dataset(tmp_path, "hub", cache_dir=str(tmp_path / ".cache"))
    assert len(hub.split("validation")) == 3
    assert [r.getMessage() for r in caplog.records if "different split words" in r.getMessage()] == messages
    # held back (`data_warnings_held`: a machine's later processes, evaluate.py's read of fine-tuning's folder), the
    # look for such folders is not made: it placed every clip again for nothing said
    from unittest import mock

    import vivit_hf.training.data.videofolder as videofolder
    from vivit_hf.training.finetune import data_warnings_held

    looked = mock.patch.object(videofolder, "split_words", side_effect=AssertionError("looked for split words"))
    with data_warnings_held(True), looked:
        assert load_video_dataset(tmp_path, "videofolder").splits == data.splits


def test_hub_class_folders_that_hold_no_clip_are_named_whole_and_streamed_not_dropped_without_a_word(tmp_path, caplog):
    """`--dataset_format hub` on class folders (datasets' videofolder) dropped a class whose copy failed (only a
    `.DS_Store` or its notes left) without a word, whole and streamed: the model had a class fewer than the folders
    show. Named as `--dataset_format videofolder` names them."""
    import datasets

    touch(tmp_path, "train/cat/a.mp4", "train/dog/b.mp4", "train/horse/.DS_Store", "train/fish/notes.txt")
    touch(tmp_path, "val/cat/c.mp4", "val/dog/d.mp4")
    (tmp_path / "val" / "bird").mkdir()
    # the reference: the classes datasets itself reads, which lack the folders without a clip
    reference = datasets.load_dataset(str(tmp_path), cache_dir=str(tmp_path.parent / "reference"))
    assert reference["train"].features["label"].names == ["cat", "dog"]
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        load_video_dataset(tmp_path, "videofolder")
    said = sorted(r.getMessage() for r in caplog.records if "give no class" in r.getMessage())
    assert len(said) == 2 and "'train/fish'" in said[0] and "'train/horse', 'val/bird'" in said[1]
    for read in (
        lambda: load_video_dataset(tmp_path, "hub", cache_dir=str(tmp_path.parent / "whole")),
        lambda: open_streaming_dataset(str(tmp_path), cache_dir=str(tmp_path.parent / "stream")),
    ):
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger=LOGGER):
            assert read().label_names == ["cat", "dog"]
        assert sorted(r.getMessage() for r in caplog.records if "give no class" in r.getMessage()) == said


def test_the_card_a_table_s_refusal_gives_reads_that_table_alone(tmp_path):
    """A table given as --dataset beside another: the refusal's README.md `configs:` is what `datasets` reads (the
    reference), that table alone; a name with a comma (`a,b.csv`) ended the YAML flow scalar (datasets: "Expected
    data_files in YAML to be ...") before it was quoted. A README.md without `configs:` beside them hid the other
    tables (any card was taken to name the files)."""
    (tmp_path / "a,b.csv").write_text("video,label\nc.mp4,zumba\n")
    (tmp_path / "old.csv").write_text("video,label\nd.mp4,yoga\ne.mp4,yoga\n")
    (tmp_path / "README.md").write_text("# Clips\n")  # a card naming no files: the folder still reads both (it was
    with pytest.raises(DatasetFormatError, match=r"\('old.csv'\) are read with it") as refusal:  # left unsaid)
        load_video_dataset(str(tmp_path / "a,b.csv"), "hub")
    card = re.search(r"\(configs: (.*)\)$", str(refusal.value))[1]
    (tmp_path / "README.md").write_text(f"---\nconfigs: {card}\n---\n")
    with pytest.raises(DatasetFormatError, match=r"give the folder holding it, with --dataset_format hub$"):
        load_video_dataset(str(tmp_path / "a,b.csv"), "hub")  # the card names the files: no other table is read
    import datasets

    read = datasets.load_dataset(str(tmp_path), cache_dir=str(tmp_path / "cache"))
    assert {split: table["video"] for split, table in read.items()} == {"train": ["c.mp4"]}


def test_a_folder_data_set_s_split_folders_are_named_as_spelt_for_the_model_card(tmp_path):
    """`training/` is read as `train` and `Val/` as `validation` (datasets' split patterns): the model card named them
    so, the recipes' names, where the Hub readers keep a repo's own (`own_names`). A split of two folders keeps
    the recipes' name."""
    touch(tmp_path / "one", "training/cat/a.mp4", "training/dog/b.mp4", "Val/cat/c.mp4", "Val/dog/d.mp4")
    data = load_videofolder([tmp_path / "one"])
    assert sorted(data.splits) == ["train", "validation"]
    assert data.own_split_text("train") == "training"
    assert data.own_split_text("val (2 of its 3 clips)") == "Val (2 of its 3 clips)"
    touch(tmp_path / "two", "train/cat/a.mp4", "training/dog/b.mp4", "test/cat/c.mp4", "test/dog/d.mp4")
    two = load_videofolder([tmp_path / "two"])
    assert two.own_split_text("train") == "train" and two.own_split_text("test") == "test"


@pytest.mark.parametrize("per_class, held, said", [(4, 1, None), (20, 6, 34), (70, 21, "none")])
def test_finetune_warns_where_the_share_it_holds_out_is_too_small_to_score(tmp_path, caplog, per_class, held, said):
    # A folder of 3 classes x 4 clips and no val/: 10% held out was 1 clip, of 1 class, and the run logged and
    # published its top-1 (1.0 or 0.0, "on 1 clip") as any other, without a word. The reference: the clips and
    # classes the share holds; the warning names them and the flags that give more (a percentage over 50: none).
    import contextlib

    from accelerate import PartialState

    from vivit_hf.training import finetune
    from vivit_hf.training.data.subsets import classes_carried

    PartialState()  # the recipe's logger is accelerate's
    touch(tmp_path, *(f"{c}/{k}.mp4" for c in ("cat", "dog", "owl") for k in range(per_class)))
    accelerator = type("OneProcess", (), {"main_process_first": contextlib.nullcontext})
    with caplog.at_level(logging.WARNING, logger="vivit_hf.training.finetune"):
        _, training, evaluation, _ = finetune.load_data(finetune.parse_args(["--dataset", str(tmp_path)]), accelerator)
    warned = [r.getMessage() for r in caplog.records if "held out of split 'train' to evaluate on" in r.getMessage()]
    assert len(evaluation) == held
    if said == "none":
        assert not warned, warned
        return
    carried = len(classes_carried(evaluation))
    assert len(warned) == 1 and f"is {held} of its {3 * per_class} clips, of {carried} of its 3 classes" in warned[0]
    assert f"moves its top-1 by {100 / held:.3g} points" in warned[0]
    assert ("--validation_split_percentage" in warned[0]) == (said is not None), warned[0]
    assert said is None or f"--validation_split_percentage {said}," in warned[0], warned[0]
    # evaluate.py scoring that share again advises its own flags: a new run holds out more, or --split
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="vivit_hf.training.finetune"):
        finetune.warn_small_held_out_share(list(training) + list(evaluation), evaluation, 10, "train", evaluating=True)
    again = [r.getMessage() for r in caplog.records]
    assert len(again) == 1 and f"is {held} of its {3 * per_class} clips" in again[0] and "--eval_split" not in again[0]
    advised = f"fine-tune again holding out more (--validation_split_percentage {said}), or " if said else ""
    assert again[0].endswith(f"; {advised}evaluate a split it was not trained on (--split, a val/ folder)"), again[0]
