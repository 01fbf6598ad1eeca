# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Prepare once, stream everywhere: any `--dataset_format`'s clips as WebDataset tar shards with a data card.

    python -m vivit_hf.training.data.shard --dataset_format kinetics --dataset DIR --out shards/ \\
        [--shard_size 1GB] [--short_side 256 --keyframe_interval 16] \\
        [--push_to_hub --hub_model_id me/kinetics400-shards]

Each split becomes `data/<split>-NNNNN-of-MMMMM.tar` files of at most `--shard_size` bytes (a clip larger than that
gets a shard of its own), written in a seeded random order (the adapters list clips class by class, and a stream's
shuffle buffer only mixes what is near). A sample is `<key>.<video>` (the clip), `<key>.cls` (the class id, as text)
and `<key>.json` (`{"id", "label"}`: the clip's id in its data set and its class name); a multi-label clip has no
`.cls` (one integer to `datasets`), its `<key>.json` is `{"id", "labels"}`, the list of its classes' names.
`<video>` is one name for every clip of the data set: `mp4` when re-encoded, else the container every source clip
shares (`mp4`, `webm`...), else `video` (mixed containers, each clip's bytes unchanged in its own). One name, because
`datasets`' WebDataset reader makes a column of each member extension and keeps only the columns the card declares
(a row of another extension would have no video), and infers no features at all from shards whose samples differ in
their members;
the decoders find the container from the bytes, not from the name. Copied clips are checked (`check_readable`: open
it, decode the first frame) and those that fail are left out, named in the log and the card.

A shard's size as a file counts tar's end-of-archive blocks (and nothing pads it after them). Everything is
written into `<out>.incomplete` beside `--out`, renamed to `--out` once the card is written: an
interrupted run leaves no `--out` that could be read as the data set (a killed one leaves `<out>.incomplete`,
which the readers refuse and the next run deletes).

`README.md` is the data card: YAML that `datasets` reads (the splits' files, the features with the `cls` column
as a `ClassLabel` of the class names, or multi-label the `json` column's `labels` as a `List(ClassLabel)`, the
split sizes), then the source, classes and counts in prose. So
`load_dataset(out, streaming=True)` and `--dataset_format hub --streaming` find the video and label columns and
the label names without a flag.

`--short_side 256` re-encodes every clip with PyAV (H.264, `yuv420p`) so its shorter side is 256 pixels (the
training resolution: no clip is decoded at full size again; a smaller clip is never enlarged), with a keyframe every
`--keyframe_interval` frames, so seeking to a clip's first frame decodes at most that many frames. Without it the
clips' bytes are copied unchanged.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import math
import os
import random
import re
import shlex
import shutil
import sys
import tarfile
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
import yaml
from huggingface_hub.constants import DEFAULT_REVISION

from ...processing.video_io import open_input, several_video_tracks, video_stream
from .examples import SHARDS_NEED_LABELS, DatasetFormatError

logger = logging.getLogger(__name__)

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:I?B)?\s*$", re.IGNORECASE)


def parse_size(text: str) -> int:
    """`"1GB"`, `"500MB"`, `"64KiB"`, `"1000"` -> bytes (powers of 1024)."""
    match = _SIZE.match(str(text))
    if not match:
        raise argparse.ArgumentTypeError(f"expected a size like 1GB, 500MB or 1000000, got {text!r}")
    number, unit = match.groups()
    size = int(float(number) * 1024 ** ("KMGT".index(unit.upper()) + 1 if unit else 0))
    if size < 1:
        raise argparse.ArgumentTypeError(f"a shard size must be at least 1 byte, got {text!r}")
    return size


def _pixels_or_frames(text: str) -> int:
    """An argparse type: a whole number >= 1 (`--short_side 0` or `--keyframe_interval -1` was taken, and every clip
    then failed its re-encoding, each named as left out, the run ending with no clip written)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return value


def _video_bytes(video) -> bytes:
    """The clip's bytes, from the file or from a `{"path", "bytes"}` row."""
    path = video.get("path") if isinstance(video, dict) else video
    if isinstance(video, dict) and video.get("bytes") is not None:
        data = video["bytes"]
    else:
        data = Path(path).read_bytes()
    if not data:  # the trainer's words: PyAV's were "Invalid data found when processing input: '<none>'"
        raise ValueError(f"Video file {str(path or '(bytes)')!r} is empty (0 bytes).")
    return data


def _video_extension(video) -> str:
    """The container extension of a clip's path (`""` for bytes without a path)."""
    path = video.get("path") if isinstance(video, dict) else video
    return Path(path).suffix.lower().lstrip(".") if isinstance(path, (str, os.PathLike)) else ""


def video_member_name(splits_examples, reencoding: bool) -> str:
    """The one member name every sample's clip gets: `mp4` for re-encoded clips, else the extension every source
    clip shares, else `video` (mixed or unknown containers)."""
    if reencoding:
        return "mp4"
    extensions = {_video_extension(example["video"]) for examples in splits_examples for example in examples}
    return extensions.pop() if len(extensions) == 1 and "" not in extensions else "video"


@dataclass(frozen=True)
class ShardWriting:
    """How each split's clips are written, which the data card states: shards of at most `shard_size` bytes, in the
    order `seed` shuffles them, each clip as `<key>.<member>`, re-encoded to a shorter side of `short_side` with a
    keyframe every `keyframe_interval` frames (None: its bytes copied unchanged)."""

    shard_size: int = 1024**3
    short_side: int | None = None
    keyframe_interval: int = 16
    seed: int = 0
    member: str = "mp4"


# What a copied clip is checked for. Measured on 340x256 clips of 250 frames (one core): 0.2-1.1 ms a clip (VP9 in
# webm, MPEG-4 in avi, H.264 in mp4), against 9-34 ms for decoding every frame: about 4 minutes for Kinetics' 240k.
CHECK_COPIED = "opened with PyAV, a video stream found and its first frame decoded (later frames are not decoded)"
CHECK_REENCODED = "every frame decoded (to re-encode it)"


def _open_video_stream(data: bytes, stream_index: int | None = None):
    """The clip opened at its first packet, and the stream the readers read (None: none): never a cover image, nor
    a one-frame track beside the video (`video_stream`); the track `stream_index` names where it names one (a
    `Video(stream_index=k)` column's row, `hub_files.with_track`)."""

    container = open_input(io.BytesIO(data))
    if stream_index is not None:
        streams = container.streams
        return container, (streams[stream_index] if 0 <= stream_index < len(streams) else None)
    stream = video_stream(container, demux=True)
    if stream is not None and several_video_tracks(container):  # packets were read to choose: start over
        index = stream.index  # (read before closing: a closed container's streams are gone)
        container.close()
        container = open_input(io.BytesIO(data))
        stream = container.streams[index]
    return container, stream


def check_readable(data: bytes, stream_index: int | None = None) -> None:
    """Raise unless PyAV opens the clip, finds a video stream and decodes its first frame: a text file or a clip
    cut before its index (an mp4 without its `moov`) is left out of the shards; a clip cut after its first frame
    is not caught (that needs a whole decode, what re-encoding does). `stream_index`: the track to read (default: the
    readers' own)."""
    container, stream = _open_video_stream(data, stream_index)
    with container:
        if stream is None or stream.type != "video":
            raise ValueError("no video stream")
        if stream.codec_context is None:  # (PyAV gives no codec context: it was "'NoneType' object has no attribute")
            raise ValueError("no decoder for its codec")
        # One frame: a decoder's threads would cost more to start (4 ms for H.264) than the frame itself.
        stream.codec_context.thread_count = 1
        if next(container.decode(stream), None) is None:
            raise ValueError("no video frame decodes")


def reencode(
    data: bytes, short_side: int, keyframe_interval: int, crf: int = 18, frames=None, stream_index: int | None = None
) -> bytes:
    """The clip decoded and encoded again as H.264 in mp4, its shorter side `short_side` pixels (even sizes, aspect
    kept; never enlarged), a keyframe every `keyframe_interval` frames, the source's frame rate. `frames`: the source's
    frame indices to keep (a segment's, in order; default every frame), so a part of a long video becomes its own clip.
    `stream_index`: the track to read (a `Video(stream_index=k)` column's; default the readers' own).

    The frames are the ones vivit_hf's reader gives for the source (`open_video`: its track, as displayed, in its
    colours): a phone video's display rotation is applied here, since the new file carries no display matrix (a
    portrait clip was written lying on its side), and a palette or a colour tag is read as the processor reads it."""
    import av

    from ...processing.video_io import open_video

    source, stream = _open_video_stream(data, stream_index)
    with source:
        if stream is None or stream.type != "video":
            raise ValueError("the clip has no video stream" + ("" if stream_index is None else f" {stream_index}"))
        stated = Fraction(stream.average_rate or stream.guessed_rate or 25)
    out_buffer = io.BytesIO()
    reader = open_video(io.BytesIO(data), backend="pyav", stream_index=stream_index)
    with reader, av.open(out_buffer, mode="w", format="mp4") as out:
        if reader.num_frames == 0:
            raise ValueError("the clip has no video frame")
        # Frames are stamped by their index at the source rate, in the encoder's own time base (1/rate): never by the
        # source's timestamps, whose time base and order (B-frames, containers without pts) vary. Without a pts every
        # packet is written at 0, and readers that seek and count by timestamps see a 1-frame video. The rate is the
        # one the reader gives the source (what `fps` sampling of it goes by), not FFmpeg's stated one: a raw 30 fps
        # H.264 / HEVC / MPEG-2 stream states its demuxer's 25 (its shard lasted 1.2 s for 1 s), a GIF of 12 fps
        # stored in hundredths 12.5, a one-frame MPEG-TS 50 for 25. (1001: NTSC rates exactly, 30000/1001.) A
        # variable-rate source's frames keep their times instead (`_variable_rate_stamps`).
        rate = Fraction(reader.fps).limit_denominator(1001) if reader.fps > 0 else stated
        kept = range(reader.num_frames) if frames is None else [int(index) for index in frames]
        stamps, time_base = _variable_rate_stamps(reader, kept)
        time_base = time_base or 1 / rate
        height, width = reader.info.height, reader.info.width
        scale = min(1.0, short_side / min(height, width))
        width, height = (max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2))
        encoder = out.add_stream("libx264", rate=rate)
        encoder.codec_context.time_base = time_base
        encoder.width, encoder.height, encoder.pix_fmt = width, height, "yuv420p"
        encoder.options = {
            "crf": str(crf),
            "preset": "veryfast",
            "g": str(keyframe_interval),
            "keyint_min": str(keyframe_interval),
            "sc_threshold": "0",  # keyframes exactly every N frames, not at scene cuts as well
        }
        if stamps is not None:
            # No B-frames: an mp4's frame lasts until the next one decoded, so the last frame's duration (`_lasting`)
            # holds only where it is decoded last. x264 put a B-frame after it: frames 5-17 of a clip 33 then 100 ms
            # apart ended 33 ms after frame 17 for 100 ms, 0.563 s for 0.63 s
            encoder.options = {**encoder.options, "bf": "0"}
        for position, (_, array) in enumerate(reader.iter_read(kept, size=(height, width))):
            image = av.VideoFrame.from_ndarray(np.ascontiguousarray(array), format="rgb24").reformat(format="yuv420p")
            image.pts, image.time_base = position if stamps is None else stamps[position], time_base
            for packet in encoder.encode(image):
                out.mux(_lasting(packet, stamps))
        for packet in encoder.encode():
            out.mux(_lasting(packet, stamps))
    return out_buffer.getvalue()


# The time base a variable-rate clip is re-encoded in: 90 kHz, MPEG's clock (whole ticks for 24, 25, 30, 60 fps)
VARIABLE_RATE_CLOCK = Fraction(1, 90000)


def _variable_rate_stamps(reader, kept) -> tuple[list[int] | None, Fraction | None]:
    """Stamps (in `VARIABLE_RATE_CLOCK`) for the `kept` frames of a variable-rate source, each at its time from the
    first one's, and one more where the last one ends: stamped by index at its average rate, a phone clip of 15
    frames 33 ms apart and 15 more 100 ms apart (2.0 s) was a shard of even frames lasting 1.96 s, and `fps`
    sampling, which goes by a variable-rate file's times, took other frames from it than from its source. Frames that
    share a time (a screen recorder's or a millisecond clock's collisions) are a tick of the clock apart (11 us), the
    last at the time (the one a player shows there): left evenly spaced, a phone clip of 15 frames 33 ms apart and 15
    more 100 ms apart, two of them stamped alike, gave fps=5 sampling frames 0, 3, 6, 10, ... where its source gives
    0, 6, 13, 16, ... None, None for a source whose frames are counted at its rate (`counted_at_rate`)."""
    from ...processing.video_reader import counted_at_rate, video_duration

    times, last = reader.frame_times(), reader.last_frame_seconds()
    if times is None or len(kept) < 2 or counted_at_rate(times, reader.fps, last):
        return None, None
    kept = list(kept)
    ends = np.append(times[kept], times[kept[-1] + 1] if kept[-1] + 1 < len(times) else np.nan)
    if np.isnan(ends[-1]):  # the source's last frame: it lasts as long as the reader's duration says
        ends[-1] = times[0] + video_duration(len(times), reader.fps, times, last)
    stamps = np.rint((ends - ends[0]) / float(VARIABLE_RATE_CLOCK)).astype(np.int64)
    # each stamp at least a tick before the one after (an mp4 stores no two frames at one time; x264 refuses them):
    # of frames stamped alike a player shows the last, which keeps its time (the first ones go a tick earlier each)
    steps = np.arange(stamps.size)
    stamps = -(np.maximum.accumulate(-stamps[::-1] - steps) + steps)[::-1]
    return (stamps - stamps[0]).tolist(), VARIABLE_RATE_CLOCK


def _lasting(packet, stamps: list[int] | None):
    """`packet`, lasting until `stamps[-1]` where it is the last frame's (`_variable_rate_stamps`): x264 times each
    packet by the stream's average rate, and a variable-rate clip's last frame of 33 ms lasted 78 ms in its shard."""
    if stamps is not None and packet.pts == stamps[-2]:
        packet.duration = stamps[-1] - stamps[-2]
    return packet


# What `tarfile` adds when a shard is closed: the end-of-archive marker, two zero blocks.
_END_OF_ARCHIVE = 2 * tarfile.BLOCKSIZE


class _ShardWriter:
    """Tar shards of at most `max_bytes` as files (a sample never split), named `<split>-NNNNN.tar` until `close`
    renames them `<split>-NNNNN-of-MMMMM.tar`."""

    def __init__(self, folder: Path, split: str, max_bytes: int):
        self.folder, self.split, self.max_bytes = folder, split, max_bytes
        self.paths: list[Path] = []
        self.tar = None
        self.size = 0

    def _open(self):
        path = self.folder / f"{self.split}-{len(self.paths):05d}.tar"
        self.paths.append(path)
        self.tar, self.size = tarfile.open(fileobj=path.open("wb"), mode="w", format=tarfile.USTAR_FORMAT), 0

    def add(self, members: list[tuple[str, bytes]]) -> None:
        size = sum(512 + -(-len(data) // 512) * 512 for _, data in members)  # tar headers and padding
        if self.tar is None or (self.size and self.size + size + _END_OF_ARCHIVE > self.max_bytes):
            self.close_current()
            self._open()
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), 0, 0o644
            self.tar.addfile(info, io.BytesIO(data))
        self.size += size

    def close_current(self):
        """The shard ends with its end-of-archive blocks and no more: `tarfile` then pads a file to 10 KiB records
        (tar's blocking of tapes), which made a 60 KB `--shard_size` a 70 KB file; readers (tarfile, GNU tar,
        `datasets`) read to the end-of-archive blocks and need no padding after them."""
        if self.tar is not None:
            file = self.tar.fileobj
            self.tar.close()
            file.truncate(self.tar.offset)  # the offset counts the end-of-archive blocks, not the record padding
            file.close()
            self.tar = None

    def close(self) -> list[Path]:
        self.close_current()
        final = []
        for i, path in enumerate(self.paths):
            target = path.with_name(f"{self.split}-{i:05d}-of-{len(self.paths):05d}.tar")
            os.replace(path, target)
            final.append(target)
        return final


class PartOfAVideo(ValueError):
    """The example is a part of its file, which a shard of copied clips cannot hold (it holds files whole)."""


def _part_of_a_video(example: dict):
    """The frames of its file the example is, where it is a part of it (a Kinetics row's 10 s of a whole YouTube video
    named by its id); None where it is its whole file (no segment, or the clip already cut out). A shard holds a file
    whole: copied, such a part was written whole, every part under the label of its 10 s; re-encoded, it is cut out."""
    from ...processing.video_io import open_video
    from .dataset import VideoSegment

    segment = VideoSegment.of(example)
    if segment is None:
        return None
    with open_video(segment.video, backend="pyav") as reader:
        times, shown = reader.frame_times(), reader.first_frame_seconds()  # on a player's clock, as the decode
        frames, _ = segment.locate(reader.num_frames, reader.fps, times, reader.last_frame_seconds(), shown)
        if len(frames) < reader.num_frames:
            return frames, reader.num_frames
    return None


def write_shards(
    data,
    out: str | os.PathLike,
    *,
    shard_size: int = 1024**3,
    short_side: int | None = None,
    keyframe_interval: int = 16,
    splits=None,
    seed: int = 0,
    source: str = "",
    dataset_format: str = "",
    revision: str | None = None,
    repo_id: str | None = None,
) -> dict:
    """Write `data` (a `VideoClassificationData`) as WebDataset shards plus `README.md` into `out`; returns the
    summary the card states (per split: clips, shards, bytes, broken clips left out). `revision`: the branch the
    folder is pushed to (`--hub_revision`), and `repo_id` the repo (`--hub_model_id`), which the card's usage
    example reads."""
    if data.is_multi_head:
        raise ValueError(
            "shards hold one label per clip (`.cls`); a data set with several label spaces (Epic Kitchens' noun and "
            "verb) is not supported yet"
        )
    out = Path(os.path.abspath(out))
    names = data.label_names
    # `val` / `dev` are the data set's `validation` (`split_name`): the card names each split as the readers do
    splits = list(dict.fromkeys(data.split_name(split) for split in splits or data.splits))
    # A split the data set lacks (`--splits test` of a set without one) is refused before `out` is made: refused after,
    # the corrected command would find `--out` "not empty" (an empty data/ folder)
    for split in splits:  # one left out for its lack of labels: in the shard tool's words, not the recipes'
        if split not in data.splits and data.is_unlabelled(split):
            raise DatasetFormatError(data.missing_split(split, SHARDS_NEED_LABELS))
    refuse_unshardable_videos(data, splits, copying=not short_side)
    member = video_member_name([data.split(split) for split in splits], reencoding=bool(short_side))
    writing = ShardWriting(shard_size, short_side, keyframe_interval, seed, member)
    partial = _start_unfinished(out)
    try:
        summary = {split: _write_split(data, split, partial / "data", writing) for split in splits}
        _leave_out_splits_without_clips(summary, source)
        card = data_card(
            summary,
            names,
            writing,
            source=source,
            dataset_format=dataset_format,
            revision=revision,
            repo_id=repo_id,
            folder=out,
            multi_label=data.multi_label,
        )
        (partial / "README.md").write_text(card, encoding="utf-8")  # (the Hub's; class names as they are)
        _finish(partial, out)
    except BaseException:  # Ctrl-C, a full disk, a clip's error: nothing half-written is left (a kill leaves it)
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return summary


def refuse_unshardable_videos(data, splits, copying: bool) -> None:
    """Refuse, before `--out` is made, a data set whose clips a shard cannot hold as they are read; asked of the first
    clip of each split (a column holds one kind for all). A video stored as its frames (a `Sequence(Image())` column,
    which training reads: `dataset.frames_of`) is no file to copy or re-encode: every clip was left out as
    "unreadable" ("expected str, bytes or os.PathLike object, not list") and the run ended "every clip was
    unreadable". A `Video(stream_index=k)` column (its rows carry k: `hub_files.with_track`) names track k of each
    file; a copied file is read from its own track, which the shards would otherwise hold for every clip."""
    for split in splits:
        examples = data.split(split)
        video = examples[0]["video"] if len(examples) else None
        if isinstance(video, (list, tuple)):
            raise DatasetFormatError(
                f"Split {split!r} holds each video as a list of its frames (a Sequence(Image()) column), and shards "
                "hold video files: train on the data set as it is, or store each clip's frames as a video file first."
            )
        track = video.get("stream_index") if isinstance(video, dict) else None
        if copying and track is not None:
            raise DatasetFormatError(
                f"The data set's video column reads track {track} of each file (datasets.Video(stream_index={track})), "
                "and shards of copied clips hold whole files, read from their own track: give --short_side, which "
                f"re-encodes track {track} alone."
            )


def _write_split(data, split, folder, writing: ShardWriting) -> dict:
    """One split's clips, in a seeded random order, as shards in `folder`; returns its summary."""
    names = data.label_names
    examples = data.split(split)
    order = list(range(len(examples)))
    random.Random(writing.seed).shuffle(order)
    writer = _ShardWriter(folder, split, writing.shard_size)
    short_side, member, multi_label = writing.short_side, writing.member, data.multi_label
    written, failed, parts, total_bytes, per_class = 0, [], [], 0, [0] * len(names)
    for position, index in enumerate(order):
        example = examples[index]
        clip_id = str(example.get("id", index))
        try:
            part = _part_of_a_video(example)
            if part is not None and not short_side:
                frames, of = part
                raise PartOfAVideo(
                    f"it is frames {frames[0]}-{frames[-1]} of the {of} of its video, and shards of copied clips hold "
                    "whole files: cut the clips out first, or give --short_side, which re-encodes each part alone"
                )
            clip = _video_bytes(example["video"])
            track = example["video"].get("stream_index") if isinstance(example["video"], dict) else None
            if short_side:
                frames = None if part is None else part[0]
                clip = reencode(clip, short_side, writing.keyframe_interval, frames=frames, stream_index=track)
            else:
                check_readable(clip)
        except Exception as error:  # noqa: BLE001 - a clip that cannot be read or re-encoded is left out, named
            logger.warning("leaving out clip %s: %s", clip_id, error)
            # a part of a video is readable: the card must not call it unreadable (the file is fine; the copy can't cut)
            (parts if isinstance(error, PartOfAVideo) else failed).append(clip_id)
            continue
        key = f"{split}_{position:08d}"
        writer.add([(f"{key}.{member}", clip), *_label_members(key, clip_id, example["label"], names, multi_label)])
        written += 1
        total_bytes += len(clip)
        for label in example["label"] if multi_label else (example["label"],):
            per_class[int(label)] += 1
    paths = writer.close()
    return dict(
        clips=written,
        shards=[p.name for p in paths],
        video_bytes=total_bytes,
        left_out=failed,
        parts_left_out=parts,
        missing=data.missing.get(split, 0) + data.clipless.get(split, 0),  # (and the rows that give no video)
        per_class=per_class,
    )


def _label_members(key: str, clip_id: str, label, names: list[str], multi_label: bool) -> list[tuple[str, bytes]]:
    """A sample's label members: `<key>.cls` (the class id, which `datasets`' WebDataset reader decodes with `int`)
    and `<key>.json` (`{"id", "label"}`, its name); a multi-label clip's classes, a list no `.cls` can hold, are
    `<key>.json`'s `labels` (`{"id", "labels"}`, their names in id order), which the card types as a
    `List(ClassLabel)` of the class names, so `datasets` reads them back as the ids they were."""
    if multi_label:
        return [(f"{key}.json", json.dumps({"id": clip_id, "labels": [names[i] for i in sorted(label)]}).encode())]
    label = int(label)
    return [
        (f"{key}.cls", str(label).encode()),
        (f"{key}.json", json.dumps({"id": clip_id, "label": names[label]}).encode()),
    ]


# The shards are written into `<out>.incomplete` beside `--out`, holding this file, and renamed to `--out` when the
# card is written: an interrupted writer (Ctrl-C, a killed job, a full disk) left `data/<split>-NNNNN.tar` and no card
# in `--out`, which a rerun refused ("not empty") and `--dataset_format hub` read as the whole data set, without a
# word. The readers refuse a folder holding it; a rerun deletes it.
UNFINISHED = "INCOMPLETE"
_UNFINISHED_TEXT = (
    "Written by `python -m vivit_hf.training.data.shard`, which did not finish: its shards are a part of the data "
    "set. Run the command again (it deletes this folder and starts over), or delete this folder.\n"
)


def unfinished_folder(out: Path) -> Path:
    """Where the shards of `out` are written until they are all written: a sibling, so the rename is on one disk."""
    return out.parent / f"{out.name}.incomplete"


def _delete_if_unfinished(folder: Path) -> None:
    if (folder / UNFINISHED).is_file():
        logger.info("deleting %s: the unfinished shards of an interrupted run", folder)
        shutil.rmtree(folder)


def used_out_problem(out: Path) -> str | None:
    """Why shards cannot be written to `out` (None: they can). A folder left by an interrupted run of this writer
    is not a problem: it is deleted when the writing starts."""
    out = Path(os.path.abspath(out))
    partial = unfinished_folder(out)
    if partial.exists() and not (partial / UNFINISHED).is_file():
        return f"{partial} (where the shards are written until they are all written) is not empty: delete it"
    if not out.exists() or (out / UNFINISHED).is_file() or (out.is_dir() and not any(out.iterdir())):
        return None
    if not (out / "README.md").exists() and any((out / "data").glob("*.tar")):
        return f"{out} holds shards and no data card (a shard writer that was interrupted): delete {out}"
    return f"{out} is not empty"


def _start_unfinished(out: Path) -> Path:
    problem = used_out_problem(out)
    if problem:
        raise FileExistsError(problem)
    partial = unfinished_folder(out)
    _delete_if_unfinished(out)
    _delete_if_unfinished(partial)
    (partial / "data").mkdir(parents=True)
    (partial / UNFINISHED).write_text(_UNFINISHED_TEXT)
    return partial


def _finish(partial: Path, out: Path) -> None:
    """`partial` becomes `out` (an empty `out` is replaced); its marker goes last, so a kill in between leaves a
    folder the readers refuse and a rerun deletes."""
    if out.is_dir():
        out.rmdir()  # empty (checked at the start)
    os.replace(partial, out)
    (out / UNFINISHED).unlink()


class NoClipWritten(ValueError):
    """Every clip of every split was left out: there are no shards to write a card for."""


def _leave_out_splits_without_clips(summary: dict, source: str) -> None:
    """A split none of whose clips could be written (every one unreadable) gets no shard, so the card must not name
    it: `datasets` found no file for its `data/<split>-*.tar` and refused the whole card, whole and streamed
    (`ValueError: Couldn't infer the same data file format for all splits`), the written splits with it. It is named
    in a warning and kept in the card's prose table (its clips counted missing or unreadable). No split written
    is an error."""
    empty = [split for split, info in summary.items() if not info["clips"]]
    for split in empty:
        info = summary[split]
        logger.warning(
            "split %r: no clip written (%d unreadable, %d missing in the source): left out of the data card's splits",
            split,
            len(info["left_out"]),
            info["missing"],
        )
    if len(empty) == len(summary):
        raise NoClipWritten(f"no clip of {source or 'the data set'} could be written: every clip was unreadable")


def data_card(
    summary,
    names,
    writing: ShardWriting,
    *,
    source: str,
    dataset_format: str,
    revision: str | None = None,
    repo_id: str | None = None,
    folder: str | os.PathLike = "",
    multi_label: bool = False,
) -> str:
    """README.md: YAML `datasets` reads (files per split, features, split sizes), then source, classes, counts.
    `writing`: how the clips were written, which the card states; `revision`: the branch the shards are pushed to,
    which the usage example reads (without it: `main`, where they are not, or another data set's); `repo_id`: the
    repo they are pushed to, which it names; without it, the shards being kept here, it names `folder` (by its name),
    where they are written. `multi_label`: each clip's classes are a list (`<key>.json`'s `labels`, no `.cls`)."""
    from ...hub.cards import table_cell  # (the model card's cells' rule; its Hub card modules load here alone)

    short_side, member = writing.short_side, writing.member
    written = [split for split, info in summary.items() if info["clips"]]  # a split of no shard names no file
    string = {"dtype": "string"}
    class_label = {"class_label": {"names": {str(i): name for i, name in enumerate(names)}}}
    label_features = (
        [{"name": "json", "struct": [{"name": "id", **string}, {"name": "labels", "list": class_label}]}]
        if multi_label
        else [
            {"name": "cls", "dtype": class_label},
            {"name": "json", "struct": [{"name": "id", **string}, {"name": "label", **string}]},
        ]
    )
    metadata = dict(
        configs=[
            {
                "config_name": "default",
                "data_files": [{"split": split, "path": f"data/{split}-*.tar"} for split in written],
            }
        ],
        dataset_info={
            "features": [
                {"name": member, "dtype": "video"},
                *label_features,
                {"name": "__key__", **string},
                {"name": "__url__", **string},
            ],
            "splits": [
                {"name": split, "num_bytes": summary[split]["video_bytes"], "num_examples": summary[split]["clips"]}
                for split in written
            ],
        },
        task_categories=["video-classification"],
        tags=["webdataset", "vivit_hf"],
    )
    # Written by PyYAML, which the Hub's and `datasets`' card parsers read it with: a split or class name is quoted
    # where YAML would read it otherwise (lines written by hand read a split `no` or `2023` back as False or 2023;
    # then JSON's escapes turned a class `emoji 😀` into two lone surrogates). In ASCII, its escapes: written as
    # themselves (huggingface_hub's `DatasetCardData.to_yaml`), a class `a\x85b` reads back as `a b`
    lines = ["---", yaml.safe_dump(metadata, sort_keys=False, allow_unicode=False, width=math.inf) + "---", ""]
    encoding = (
        # the card said "shorter side 256 pixels" of 32x32 clips, which `reencode` never enlarges
        f"re-encoded with PyAV to H.264 (`yuv420p`), shorter side {short_side} pixels (a smaller clip keeps its "
        f"size: never enlarged), a keyframe every "
        f"{writing.keyframe_interval} frames"
        if short_side
        else "copied unchanged from the source"
    )
    at, flag = (
        (f', revision="{revision}"', f" --dataset_revision {revision}")
        if revision not in (None, DEFAULT_REVISION)
        else ("", "")
    )
    # the repo pushed to, owner included, as the model card names its repo; shards kept here, the folder they were
    # written to: the card said "<this repo>" for both, to be filled in by hand before it could be copied, and a local
    # folder has no repo to fill in (`load_dataset` and `--dataset` take the folder itself). By its name, read from
    # the folder that holds it, not its absolute path: a card uploaded by hand (`hf upload`) showed the writer's
    # path (/home/<user>/...) on a public page, as transformers' Trainer names a model card by its folder's name
    where = repo_id or Path(folder).name
    repo, quoted = shlex.quote(where), json.dumps(where)
    lines += [
        "# Video classification shards",
        "",
        f"WebDataset tar shards written by `python -m vivit_hf.training.data.shard` from `{source}` "
        f"(`--dataset_format {dataset_format}`). Clips are {encoding}; shards hold at most {writing.shard_size} bytes, "
        "clips in a seeded random order.",
        "",
        f"Each sample: `<key>.{member}` (the clip{_member_note(member)}), "
        + (
            "`<key>.json` (`id`: the clip's id in the source, `labels`: the list of its class names, multi-label). "
            if multi_label
            else "`<key>.cls` (class id), `<key>.json` (`id`: the clip's id in the source, `label`: class name). "
        )
        + "Stream it with "
        # decode=False: `datasets` decodes a Video column with torchcodec, which needs the system's FFmpeg and is no
        # dependency here; the example's first row was an ImportError ("please install 'torchcodec'")
        f'`datasets.load_dataset({quoted}{at}, streaming=True).cast_column("{member}", datasets.Video(decode=False))` '
        "(each clip as its bytes, which `ViViTVideoProcessor` decodes; `datasets` decodes a video only with torchcodec "
        "installed) or "
        f"`accelerate launch recipes/finetune.py --dataset {repo}{flag} --dataset_format hub --streaming`"
        # the folder's name reads only from the folder that holds it: the card says so, and that a moved folder is
        # read by its path and an uploaded one (`hf upload`, which the offline refusal advises) by its repo id
        + (
            "."
            if repo_id
            else " (from the folder that holds this one; elsewhere, give its path; uploaded, its repo id)."
        ),
        "",
        f"Each clip was checked before it was written: {CHECK_REENCODED if short_side else CHECK_COPIED}; a clip "
        "that failed is left out and counted as unreadable.",
        "",
        "| split | clips | shards | video bytes | bytes per clip | missing in source | unreadable, left out |",
        "|---|---|---|---|---|---|---|",
    ]
    for split, info in summary.items():
        per_clip = info["video_bytes"] / info["clips"] if info["clips"] else 0
        lines.append(
            f"| {split} | {info['clips']} | {len(info['shards'])} | {info['video_bytes']} | {per_clip:.0f} | "
            f"{info['missing']} | {len(info['left_out'])} |"
        )
    left_out = [(split, clip) for split, info in summary.items() for clip in info["left_out"]]
    if left_out:
        lines += ["", "Unreadable clips left out: " + ", ".join(f"`{clip}` ({split})" for split, clip in left_out[:20])]
        lines[-1] += f" and {len(left_out) - 20} more" if len(left_out) > 20 else ""
    parts = [(split, clip) for split, info in summary.items() for clip in info.get("parts_left_out", ())]
    if parts:
        lines += [
            "",
            "Left out as parts of longer videos (shards of copied clips hold whole files; cut the clips out, or write "
            "the shards with `--short_side`, which re-encodes each part alone): "
            + ", ".join(f"`{clip}` ({split})" for split, clip in parts[:20]),
        ]
        lines[-1] += f" and {len(parts) - 20} more" if len(parts) > 20 else ""
    lines += ["", f"## Classes ({len(names)})", "", "| id | class | " + " | ".join(summary) + " |"]
    lines.append("|---|---|" + "---|" * len(summary))
    for i, name in enumerate(names):
        counts = " | ".join(str(info["per_class"][i]) for info in summary.values())
        lines.append(f"| {i} | {table_cell(name)} | {counts} |")
    return "\n".join(lines) + "\n"


def _member_note(member: str) -> str:
    return ", in its own container: mp4, webm, avi... found from the bytes" if member == "video" else ""


def main(argv=None) -> dict:
    from ...flag_spellings import SpellingsArgumentParser, typed_flag_name
    from ...hub.push_flags import add_push_flags, push_problem
    from ...hub.upload import read_revision_refusal
    from ..flags import DefaultsHelpFormatter, hub_source, missing_dataset
    from . import SYNTHETIC, DatasetFormatError, add_dataset_flags, open_video_dataset, source_options
    from .formats import check_config_name

    parser = SpellingsArgumentParser(
        prog="python -m vivit_hf.training.data.shard",
        description=__doc__,
        formatter_class=DefaultsHelpFormatter,  # each flag's default, as the recipes' --help: it showed none
        allow_abbrev=False,
    )
    add_dataset_flags(parser, required=True)
    parser.add_argument(
        "--cache_dir", default=None, help="where Hub downloads, extractions and the bundled data go (as finetune.py's)"
    )
    parser.add_argument("--out", required=True, help="output folder (the data card and data/*.tar)")
    parser.add_argument("--splits", nargs="*", default=None, help="default: every split")
    parser.add_argument(  # argparse parses the default too
        "--shard_size",
        type=parse_size,
        default="1GB",
        # the units were unsaid, and datasets' and transformers' max_shard_size read "1GB" as 10**9 bytes
        help=f"e.g. 1GB, 500MB, in powers of 1024 (1GB is {parse_size('1GB')} bytes, a GiB)",
    )
    parser.add_argument(
        "--short_side",
        type=_pixels_or_frames,
        default=None,
        help="re-encode to this shorter side (e.g. 256; a smaller clip is never enlarged)",
    )
    parser.add_argument(
        "--keyframe_interval", type=_pixels_or_frames, default=16, help="with --short_side: frames per keyframe"
    )
    parser.add_argument("--seed", type=int, default=0, help="the order of the clips in the shards")
    add_push_flags(parser, repo_kind="data set")
    args = parser.parse_args(argv)
    logging.basicConfig(format="%(levelname)s - %(message)s", level=logging.INFO)
    typed = {typed_flag_name(str(a)): str(a).split("=", 1)[0] for a in (sys.argv[1:] if argv is None else argv)}
    problem = push_problem(args, typed, upload_flags=("--repo-type", "dataset"))
    if problem:  # before anything is read: each was said (or was silent) once every shard had been written
        parser.error(problem)
    if "keyframe_interval" in typed and args.short_side is None:  # the clips' bytes were copied, their keyframes too
        parser.error(
            f"argument --keyframe_interval: {args.keyframe_interval}: it is --short_side's (a re-encoded clip's "
            "keyframes); without --short_side each clip is copied as it is: add --short_side, or leave it out"
        )
    for name in ("video_column", "label_column"):  # (finetune.py's and evaluate.py's `data_flag_unused`)
        if (
            name in typed and args.dataset_format != "hub"
        ):  # another format reads its own files: the flag would be unused
            parser.error(
                f"argument --{name}: --dataset_format {args.dataset_format} reads no columns (its labels come from "
                "its own files or folders); columns are --dataset_format hub's"
            )
    if args.dataset == SYNTHETIC and args.dataset_format != "videofolder":  # it was read as the video folder it is
        parser.error(
            f"argument --dataset_format: {args.dataset_format}: the bundled {SYNTHETIC} set is a video folder; "
            "leave --dataset_format out, or give your data set's folder or Hub id as --dataset"
        )
    if args.dataset_revision is not None and args.dataset == SYNTHETIC:
        parser.error(f"argument --dataset_revision: the bundled {SYNTHETIC} set has no revision; leave it out")
    if refusal := read_revision_refusal("--dataset_revision", args.dataset_revision, "--dataset", args.dataset):
        parser.error(refusal)  # a local folder is read as it is: the revision would be dropped
    problem = used_out_problem(Path(args.out))
    if problem:
        parser.error(f"--out {args.out}: {problem}")
    if args.dataset_format == "epic_kitchens":  # write_shards' refusal came as a traceback, after the whole read
        parser.error(
            "argument --dataset_format: epic_kitchens: shards hold one label per clip (`.cls`), and Epic Kitchens "
            "labels each clip with a noun and a verb; train on the folder itself (--dataset_format epic_kitchens)"
        )
    try:
        check_config_name(args.dataset_format, args.dataset_config_name)
    except ValueError as error:
        parser.error(f"argument --dataset_config_name: {error}")
    # A mistyped path was a FileNotFoundError traceback from deep in the adapters: refused as the recipes refuse it.
    if refusal := missing_dataset(args.dataset):
        parser.error(refusal)
    try:
        with hub_source("--dataset", args.dataset, prog=parser.prog):  # a Hub id not fetched: one line, status 2
            data = open_video_dataset(
                args.dataset,
                args.dataset_format,
                **source_options(args),
            )
        if args.splits is None or "train" in args.splits:  # shards to train on: a one-class `train` misread
            data.refuse_training_on("train")
    except DatasetFormatError as error:  # not what --dataset_format says: its message names the problem
        parser.error(str(error))
    uploader = hub_uploader(args) if args.push_to_hub else None  # its refusals before the shards, not hours after
    try:
        summary = write_shards(
            data,
            args.out,
            shard_size=args.shard_size,
            short_side=args.short_side,
            keyframe_interval=args.keyframe_interval,
            splits=args.splits,
            seed=args.seed,
            source=args.dataset,
            dataset_format=args.dataset_format,
            revision=args.hub_revision if args.push_to_hub else None,
            repo_id=uploader.repo_id if uploader is not None else None,
        )
    except NoClipWritten as error:  # each clip was named as it was left out; one line, not a traceback
        raise SystemExit(f"error: {error}") from None
    except DatasetFormatError as error:  # `--splits` naming a split the data set lacks: names those it has
        parser.error(f"argument --splits: {error}")
    for split, info in summary.items():
        logger.info(
            f"{split}: {info['clips']} clip{'s' if info['clips'] != 1 else ''} in {len(info['shards'])} "
            f"shard{'s' if len(info['shards']) != 1 else ''} ({info['video_bytes']} bytes)"
            f"{left_out_words(info)}"
        )
    if uploader is not None:
        record = uploader.push_folder(args.out, "Add WebDataset shards (vivit_hf.training.data.shard)")
        uploader.close()
        if not record.success:
            raise SystemExit(f"error: {uploader.failure_message(record)}")
        at = f"/tree/{args.hub_revision}" if args.hub_revision else ""
        logger.info(f"uploaded to https://huggingface.co/datasets/{uploader.repo_id}{at}")
    return summary


def left_out_words(info: dict) -> str:
    """What of a split was not written, as its summary line says it (empty where nothing was left out): each clip was
    named in a warning as it was left out, which over a Kinetics split scrolled away hours before this line, and the
    line said only the clips written."""
    counts = [
        (len(info["left_out"]), "unreadable"),
        (len(info["parts_left_out"]), "parts of longer videos (copied clips are whole files)"),
        (info["missing"], "missing in the source"),
    ]
    said = [f"{count} {why}" for count, why in counts if count]
    return f"; left out: {', '.join(said)} (named above and in the card)" if said else ""


def hub_uploader(args):
    """The uploader of `--push_to_hub`, its repo made (or found) now: a repo it cannot push to (no token, a
    `--hub_private_repo` push into a repo that exists and is public) is one line, exit 1, before any shard is written;
    it was a traceback once every shard had been written (hours for Kinetics), a public repo's after the upload."""
    from ...hub.upload import start_uploader

    return start_uploader(
        args.hub_model_id,
        token=args.hub_token or os.environ.get("HF_TOKEN"),
        private=args.hub_private_repo,
        endpoint=os.environ.get("HF_ENDPOINT"),
        repo_type="dataset",
        revision=args.hub_revision,  # the branch, made from main now when missing
        max_retries=args.upload_retries,
    )


if __name__ == "__main__":
    main()
