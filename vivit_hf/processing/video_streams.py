# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""How a video file is opened and which of its video streams is read: `open_input` (PyAV's `av.open`, where a tag
that is not UTF-8, a file object's refused seek or a transport stream of a few packets is no reason to refuse the
file), `video_stream` (the default-flagged track, else the first, never cover art; with `demux`, one that moves
before a one-frame thumbnail), `chosen_video_stream` (a `stream_index` given), `several_video_tracks`,
`other_tracks_note` (what a reader says of the tracks it did not read) and `stored_frame_size` (the frame size a
header states, no frame decoded).

Apart from `video_pyav` because both readers (`PyAVReader`, and `TorchcodecReader`, which is given PyAV's choice) and
the training data's shard writer open files and choose the stream alike, and none of it needs a reader. Imports only
PyAV (lazily), the standard library and its sibling `video_sources`, so it travels with the video processor under
`trust_remote_code`.
"""

from __future__ import annotations

import errno
import io
import os
from typing import Any

from .video_sources import SHORT_TS_BYTES, demuxer_in, short_transport_stream


class _SeeksAsAPath:
    """A file object that FFmpeg reads as it reads a path: a seek the system refuses (EINVAL: an offset past the
    largest file the file system allows, or below 0) is an error code that FFmpeg's demuxer handles, as it handles
    `lseek`'s for a path, not a Python exception. PyAV raises the exception a file object's `seek` raised once FFmpeg
    returns, even where FFmpeg went on past the failed seek: the NUT demuxer of a file written without an index seeks
    to an offset read from the file's last bytes (9.2e18), which ext4 refuses (tmpfs and xfs do not), and such a
    file opened with `open(path, "rb")` would be refused, "[Errno 22] Invalid argument", where its path and bytes
    read.
    Any other error of the file object's (a dropped connection) is raised as it is.

    What else PyAV reads of a file object is the file object's own, where it has it: `name` (the name FFmpeg's errors
    give, "<none>" without one, and the extension its format probe weighs), `readable` and `seekable`."""

    def __init__(self, file: Any):
        self._file = file
        self.read, self.tell = file.read, file.tell
        for attribute in ("name", "readable", "seekable"):
            if hasattr(file, attribute):
                setattr(self, attribute, getattr(file, attribute))

    def seek(self, offset: int, whence: int = io.SEEK_SET):
        try:
            return self._file.seek(offset, whence)
        except OSError as e:
            if e.errno != errno.EINVAL:
                raise
        except ValueError:  # io.BytesIO's "negative seek value"
            if whence != io.SEEK_SET or offset >= 0:
                raise
        return -errno.EINVAL  # AVERROR(EINVAL), as FFmpeg's file protocol returns it


def _av_open(source: Any, fmt: str | None = None) -> Any:
    import av

    if int(av.__version__.split(".")[0]) >= 19:
        return av.open(source, "r", format=fmt)
    return av.open(source, "r", format=fmt, metadata_errors="replace")


def open_input(source: Any) -> Any:
    """`av.open(source, "r")`, where a tag that is not UTF-8 (a Latin-1 title from an old tool) is no reason to refuse
    the video. PyAV up to 18 raises UnicodeDecodeError for one unless told `metadata_errors="replace"`; PyAV 19 dropped
    that option (passing it is a TypeError: every file refused) and decodes tags with `surrogateescape` itself.

    A file object is read as a path is (`_SeeksAsAPath`). A transport stream of a few packets (`short_transport_stream`:
    H.264 of 2 or 3 frames, under 2 KB) is opened as one: FFmpeg's format probe does not recognise so short a one (it
    took one for a program stream, "[Errno 541478725] End of file", and MPEG-2 of one frame for a raw MPEG video
    stream, whose parser reads the transport packets' headers as picture data)."""
    import av

    seeks = all(hasattr(source, name) for name in ("read", "seek", "tell"))
    file = _SeeksAsAPath(source) if seeks else source
    position = source.tell() if file is not source else None
    try:
        container = _av_open(file)
    except av.FFmpegError:
        if not short_transport_stream(source):
            raise
    else:
        size = getattr(container, "size", 0) or 0
        if demuxer_in(container, {"mpegts"}) or not 0 < size <= SHORT_TS_BYTES:
            return container
        if not short_transport_stream(source):
            return container
        container.close()
    if position is not None:
        source.seek(position)
    return _av_open(file, "mpegts")


def video_stream(container: Any, demux: bool = False):
    """The video stream of a file with several (None: it has none): the first one flagged default, else the first,
    never a cover image (an `attached_pic`: one still frame that mp4 / mkv files may carry beside the video, sometimes
    as the first stream), nor one of a codec this FFmpeg cannot decode where another track is one it can. A
    sequential decode as transformers' `read_video_pyav` writes it (`decode(video=0)`) reads that stream wherever the
    file has one video track; FFmpeg's "best" stream (torchcodec's default) can be another (in an AVI with two, the
    one of higher bit rate), so torchcodec is given this one (`TorchcodecReader`).

    With `demux`, a file with several video tracks has its packets read (not decoded) until each track shows two, and
    a track of one frame is passed over for one that moves: a thumbnail some tools mux as a plain track, without the
    cover flag, first or flagged default, would otherwise be read as a one-frame video (refused, or looped into a
    clip of the thumbnail). The container is then left part-read: the caller starts it over."""
    return video_tracks(container, demux)[0]


def video_tracks(container: Any, demux: bool) -> tuple[Any, list, bool]:
    """`(video_stream(container, demux), the tracks it chose among, whether none moves)`: those that move (two frames
    or more, with `demux`; else all, and all where none does), the default-flagged first."""
    import av

    streams = [s for s in container.streams.video if not s.disposition & av.stream.Disposition.attached_pic]
    # a track of a codec this FFmpeg cannot decode (PyAV gives it no codec context) is passed over for one it can, as a
    # player does: a first track so made refused the file ("no decoder for its codec") though its second one plays
    streams = [s for s in streams if s.codec_context is not None] or streams
    flagged = [s for s in streams if s.disposition & av.stream.Disposition.default]
    ordered = flagged + [s for s in streams if s not in flagged]
    still = False  # (whether no track holds two frames: several stills, as a one-frame file's thumbnails)
    if demux and len(ordered) > 1:
        moving = _tracks_with_two_frames(container, ordered)
        still = not moving
        ordered = [s for s in ordered if s.index in moving] or ordered
    return (ordered or [None])[0], ordered, still


def other_tracks_note(name: str, stream: Any, tracks: list, still: bool = False, in_memory: bool = False) -> str:
    """What a reader that chose `stream` of a file's moving video `tracks` (more than one; with `still`, its tracks of
    one frame each, none moving) tells its caller. An input `in_memory` (bytes, a file-like object) has no path to
    give with `stream_index`: its bytes are to be given instead."""
    import av

    flagged = sum(bool(track.disposition & av.stream.Disposition.default) for track in tracks)
    # (Matroska's flag is set unless cleared: mkvmerge flags every track, and the first of them is read)
    why = "the first" if not flagged else "flagged default" if flagged == 1 else "the first flagged default"
    indices = ", ".join(str(index) for index in sorted(track.index for track in tracks))
    context = stream.codec_context
    return (
        f"Video {name} has {len(tracks)} video tracks (streams {indices}{', each of one frame' if still else ''}): "
        f"stream {stream.index} ({why}, {context.width}x{context.height}) is read. To read another, give the video as "
        f"{{'{'bytes' if in_memory else 'path'}': ..., 'stream_index': k}} (k counted over all its streams, as "
        "datasets.Video(stream_index=k) counts). "
        "(Said once: other files of several video tracks are read alike, by their default-flagged track, else the "
        "first.)"
    )


def _tracks_with_two_frames(container: Any, streams: list) -> set[int]:
    """The indices of `streams` that hold two packets or more (all of them where the file cannot be read)."""
    import av

    counts = dict.fromkeys((s.index for s in streams), 0)
    try:
        for packet in container.demux(*streams):
            if packet.size and packet.stream.index in counts:
                counts[packet.stream.index] += 1
                if min(counts.values()) >= 2:
                    break
    except (av.FFmpegError, OSError, IndexError):
        return set(counts)
    return {index for index, count in counts.items() if count >= 2}


def stored_frame_size(source: Any) -> tuple[int, int] | None:
    """`(height, width)` of a video's frames as its container's header states them (before any display rotation, which
    only a decoded frame tells), read without decoding a frame: for a check of many files before any is decoded; of the
    track a `{"path", "bytes"}` dict names (`stream_index`) where it names one. None where it cannot say: not a local
    file or bytes in memory (a URL is not fetched for it), several video tracks and none named (the reader chooses one
    by its packets), no size stated, or a file that does not open."""
    chosen = source.get("stream_index") if isinstance(source, dict) else None  # (`PyAVReader`'s `stream_index`)
    if isinstance(source, dict):  # datasets.Video(decode=False)
        source = source.get("bytes") or source.get("path")
    if isinstance(source, (bytes, bytearray, memoryview)):
        source = io.BytesIO(bytes(source))
    elif isinstance(source, (str, os.PathLike)) and os.path.isfile(source):
        source = os.fspath(source)
    else:
        return None
    try:
        with open_input(source) as container:
            if chosen is not None:
                stream = chosen_video_stream(container, chosen)
            else:
                stream = None if several_video_tracks(container) else video_stream(container)
            size = stream and (stream.codec_context.height, stream.codec_context.width)
    except Exception:  # (av's errors, a file gone since listed, ...): a header not read refuses nothing
        return None
    return size if size and min(size) > 0 else None


def chosen_video_stream(container: Any, index: int):
    """Stream `index` of `container` (FFmpeg's count of all its streams, as datasets' and torchcodec's
    `stream_index`) where it is a video stream; None where it is not one or there is none of that index."""
    streams = container.streams
    return streams[index] if 0 <= index < len(streams) and streams[index].type == "video" else None


def several_video_tracks(container: Any) -> bool:
    """Whether `video_stream(container, demux=True)` reads packets to choose."""
    import av

    return sum(not s.disposition & av.stream.Disposition.attached_pic for s in container.streams.video) > 1
