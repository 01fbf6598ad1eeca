# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""How a file cut short (a download or a copy that stopped) is told before a frame of it is read: by its bytes, where
its demuxer hands out the packet the file ends inside unflagged (a transport stream of no whole number of packets, a
NUT file without its index, an ASF file inside its Data Object, a raw DV file inside a frame, a JPEG without its end
marker: `ends_inside_a_ts_packet`, `nut_cut_at_the_end`, `asf_cut`, `dv_cut`, `jpeg_cut`), and by the end its
container states (`declared_end`: an mp4's index, Matroska's duration tag, the header count of an AVI short of its
`RIFF` size (`avi_cut`), FLV's `onMetaData`), which a file cut at a packet's end runs short of. `PyAVReader` decodes
a cut file's table at open and warns of one cut short (`_frame_table`, `_warn_if_cut_short`).

Apart from `video_pyav` because each reads a container's header, sizes or a file's bytes, never a decoded frame, and
says one thing: whether (or where) the file was cut. Imports only the standard library and its sibling
`video_sources`, so it travels with the video processor under `trust_remote_code`.
"""

from __future__ import annotations

import math
import os
import struct
from typing import Any

from .video_sources import demuxer_in, mp4_boxes_whole, read_at

# Demuxers whose track durations come from an index of every sample (see `declared_end`)
INDEXED_FORMATS = frozenset({"mov", "mp4"})
_TS_PACKET_SIZES = (188, 192, 204)  # bytes of a transport stream packet (see `ends_inside_a_ts_packet`)


def jpeg_cut(packet, codec: str) -> bool:
    """Whether `packet` is a JPEG picture that ends before its end-of-image marker: a raw MJPEG stream cut short,
    whose demuxer does not flag the last packet corrupt (AVI's and Matroska's do). Its decoder leaves the rows past
    the cut as its buffer held them: another frame's pixels."""
    if packet is None or codec != "mjpeg" or packet.is_discard:
        return False
    return b"\xff\xd9" not in bytes(packet)[-16:]  # (a muxer may pad a few bytes after the marker)


def ends_inside_a_ts_packet(container: Any) -> bool:
    """Whether a transport stream's size is no whole number of its packets (188 bytes; 192 in M2TS, Blu-ray and AVCHD;
    204 with error-correction bytes): a download or a copy cut short. Its demuxer hands out the PES the file ends
    inside unflagged (a video PES states no length), and HEVC's decoder makes no picture of it, without an error."""
    if container.format.name != "mpegts":
        return False
    size = getattr(container, "size", 0) or 0
    return size > 0 and all(size % packet_size for packet_size in _TS_PACKET_SIZES)


def nut_cut_at_the_end(container: Any, last) -> bool:
    """Whether a NUT file's last packet ends where the file does: its muxer writes an index after the last packet, so
    the file was cut inside that packet (a download or a copy that stopped), which its demuxer hands out short and
    unflagged. Its decoder makes a damaged picture of it, concealed from the frames before, whose pixels depend on the
    decoder's threads: a read of the last frame alone gave other pixels (112 grey levels off) than a read of every
    frame. An uncut file written without an index (`write_index=0`) only costs the decode at open."""
    if container.format.name != "nut" or last is None or last.pos is None or last.pos < 0:
        return False
    size = getattr(container, "size", 0) or 0
    return size > 0 and last.pos + last.size == size


# The GUIDs of an ASF file's Header Object, which it starts with, and of the Data Object after it (see `asf_cut`)
_ASF_HEADER = bytes.fromhex("3026b2758e66cf11a6d900aa0062ce6c")
_ASF_DATA = bytes.fromhex("3626b2758e66cf11a6d900aa0062ce6c")


def asf_cut(container: Any, source: Any) -> bool:
    """Whether an ASF file (`.wmv`, `.asf`) ends inside its Data Object, whose size its header states: a download or a
    copy cut short. Its demuxer hands out the payload the file ends inside unflagged, which the decoder refuses: counted
    as a frame, every read of it failed ("Invalid data found") where a sequential decode passes over it. A stream
    written live states no size: 0, FFmpeg's 50 (the object's own header), or -1, which FFmpeg's demuxer reads as no
    size too: nothing to tell (-1 was read as a cut: such a file was decoded whole at open and read on one thread)."""
    if container.format.name != "asf" or source is None:
        return False
    head = read_at(source, 0, 24)
    if len(head) < 24 or head[:16] != _ASF_HEADER:
        return False
    header_size = struct.unpack("<Q", head[16:24])[0]
    data = read_at(source, header_size, 24)
    if len(data) < 24 or data[:16] != _ASF_DATA:
        return False
    data_size = struct.unpack("<q", data[16:24])[0]  # signed: -1
    return data_size > 50 and not read_at(source, header_size + data_size - 1, 1)


def avi_cut(container: Any, source: Any) -> bool:
    """Whether an AVI file ends before the size its `RIFF` chunk states: a download or a copy cut short, whose header
    counts the frames the whole file holds (`dwLength`). False where `source` cannot be read (a container the caller
    opened)."""
    if not demuxer_in(container, {"avi"}) or source is None:
        return False
    riff = read_at(source, 0, 8)
    size = getattr(container, "size", 0) or 0
    return len(riff) == 8 and riff[:4] == b"RIFF" and 0 < size < int.from_bytes(riff[4:], "little") + 8


def dv_cut(container: Any, first_packet: tuple | None) -> bool:
    """Whether a raw DV file (`.dv`: a camcorder's capture) ends inside a frame: its size is no whole number of its
    frames (all of one size, its first packet's). Its demuxer hands out the cut frame whole, the part the file lacks as
    its buffer held it: the frame it read before, which a sequential decode's is the frame before the cut."""
    if container.format.name != "dv" or first_packet is None or not first_packet[2]:
        return False
    size = getattr(container, "size", 0) or 0
    return size > 0 and size % first_packet[2] != 0


def declared_end(container: Any, stream: Any, source: Any = None) -> float | None:
    """When `stream` ends as its container states it (seconds on the stream's clock), where the container writes that
    with an index that lists every frame (see `PyAVReader._warn_if_cut_short`): an mp4 / MOV track's start and
    duration, from its sample table (`moov`); a Matroska / WebM track's `DURATION` tag (its end: FFmpeg's muxer
    writes the last frame's end, from 0), else the segment's duration where the file has one track; an AVI's header
    count of frames at its rate, where its `RIFF` chunk (`source`: a path or seekable file) says the file runs past
    its end (a header count alone may lie: a recorder that never rewrote it); an FLV's `onMetaData` duration, where
    the file is not whole (shorter than its `filesize`, or cut inside a tag: `_flv_stated_end`). None elsewhere:
    MPEG-TS and NUT durations are estimates or absent."""
    if demuxer_in(container, INDEXED_FORMATS) and stream.duration and stream.duration > 0 and stream.time_base:
        return float((stream.duration + (stream.start_time or 0)) * stream.time_base)
    if demuxer_in(container, {"matroska", "webm"}):
        tag = (stream.metadata or {}).get("DURATION")
        if tag:
            try:
                hours, minutes, seconds = tag.split(":")
                return int(hours) * 3600 + int(minutes) * 60 + float(seconds)
            except ValueError:
                return None
        if len(container.streams) == 1 and container.duration and container.duration > 0:
            return container.duration / 1_000_000
    if avi_cut(container, source) and stream.frames and stream.average_rate:
        return float(stream.frames / stream.average_rate)
    if demuxer_in(container, {"flv"}) and source is not None:
        return _flv_stated_end(source, getattr(container, "size", 0) or 0)
    return None


def ends_where_its_edits_end(container: Any, stream: Any, ends: float, slack: float, source: Any) -> bool:
    """Whether an mp4 / MOV track that starts late (an empty edit: a delay), in a file whose boxes all end within it
    (`mp4_boxes_whole`: a copy cut short ends inside its `mdat`), has frames that end, to within `slack` seconds, where
    FFmpeg's duration of it says (`ends`: the frames' end on the stream's clock). Where its edit list shows less than
    its media (an editor's trim of the end), FFmpeg's duration is the edits' end on the presentation clock, from 0, the
    delay counted in; where the edits show the media to its end, it is the media's length, after the start.
    `declared_end` adds the start, right for the second: a whole file delayed 0.2 s and trimmed to 0.8 s would be said
    to be cut short, "lasts until 1.20 s, but its frames end at 1.00 s". (Without the boxes' check, a delayed track
    cut by about its delay would pass for whole: 23 frames of 30, cut 0.28 s short.)"""
    if (
        not demuxer_in(container, INDEXED_FORMATS)
        or not (stream.start_time or 0) > 0
        or not stream.duration
        or not stream.time_base
    ):
        return False
    if abs(float(stream.duration * stream.time_base) - ends) > slack:
        return False
    if source is None and isinstance(container.name, str) and os.path.isfile(container.name):
        source = container.name  # a container the caller opened from a file: its boxes are read from that file
    # (one opened from a stream of theirs cannot be read here without moving it: taken as whole, as it was before the
    # boxes were checked; a whole trimmed file said to be cut short, "lasts until 1.20 s, but its frames end at 1.00 s")
    return source is None or mp4_boxes_whole(source)


def _flv_stated_end(source: Any, size: int) -> float | None:
    """The duration an FLV's `onMetaData` states (FFmpeg's muxer writes there, on closing, where its last packet
    ends), where the file (`size` bytes) is not whole: it is shorter than the `filesize` the same muxer writes there
    on closing (a copy cut at a tag's end: 41 frames of 100 would read as a whole 1.64 s video), or, where
    no `filesize` is stated, it does not end with a whole tag (each tag is followed by its size, so a whole file's last
    four bytes name the start of its last tag). A whole file's duration is not trusted: it is the longest stream's
    (an audio track may run on past the video). FFmpeg reads this duration as the file's, a cut file's too, and
    estimates none where it is absent; `container.duration` does not say which it is."""
    header = read_at(source, 0, 9)
    if len(header) < 9 or header[:3] != b"FLV":
        return None
    first = int.from_bytes(header[5:], "big") + 4  # the first tag: after the header and a size of 0
    tag = read_at(source, first, 11)
    if len(tag) < 11 or tag[0] & 0x1F != 18:  # not a script-data tag: no onMetaData
        return None
    data = read_at(source, first + 11, min(int.from_bytes(tag[1:4], "big"), 1 << 20))
    seconds, stated_size = (_amf_number(data, key) for key in (b"duration", b"filesize"))
    if not (seconds and seconds > 0):
        return None
    if stated_size is not None and stated_size > 0:
        # the muxer's count of the bytes it wrote: fewer here, cut (at a tag's end too: whole by its last tag); as
        # many or more, whole, bytes after its last tag too (a whole file padded by 3 bytes, its sound running on
        # 2 s past the picture, was said to be cut short)
        return seconds if stated_size > size else None
    tail = int.from_bytes(read_at(source, size - 4, 4), "big") if size > 13 else 0
    last_tag = read_at(source, size - 4 - tail, 4) if 11 <= tail <= size - 13 else b""
    if len(last_tag) == 4 and int.from_bytes(last_tag[1:], "big") + 11 == tail:
        return None  # whole
    return seconds


def _amf_number(data: bytes, key: bytes) -> float | None:
    """The number an AMF0 object (`data`: an FLV's `onMetaData`) holds under `key`; None where it holds none."""
    marker = len(key).to_bytes(2, "big") + key + b"\x00"  # the key's length and name, then a number's type marker
    at = data.find(marker) + len(marker)
    if at < len(marker) or len(data) < at + 8:
        return None
    (number,) = struct.unpack(">d", data[at : at + 8])
    return number if math.isfinite(number) else None
