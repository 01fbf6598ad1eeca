# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""torchcodec decoding (`TorchcodecReader`, `backend="torchcodec"` and `datasets.Video`'s decoders), and the plan
that keeps torchcodec from returning wrong frames: files in containers it indexes wrongly (AVI, ASF, MPEG-TS,
MPEG-PS, raw streams, palettised streams) are read with PyAV, and a file torchcodec reads is also indexed by PyAV,
which reads it instead where the two disagree (`open_with_torchcodec`, `_checked_by_pyav`).

Callers import these from `video_io` (see its docstring for how decoding works). This module imports only numpy,
PyAV and the standard library (torchcodec lazily) and its siblings `video_reader`, `video_sources`,
`frame_display`, `video_streams` and `video_pyav`, so it travels with the video processor under `trust_remote_code`.
"""

from __future__ import annotations

import io
import os
import re
import threading
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from .errors import EncryptedVideoError, VideoDecodeError
from .frame_display import (
    EXIF_CODECS,
    WHITE_UNDER_ALPHA_CODECS,
    alpha_decoder,
    deep_grey,
    display_orientation,
    exif_orientation,
    has_alpha,
    limited_range_grey,
)
from .video_pyav import AVFMT_NOTIMESTAMPS, TEXT_ART_CODECS, UNTIMED_FORMATS, PyAVReader
from .video_reader import (
    VideoInfo,
    VideoReader,
    check_interpolation,
    orient,
    output_size,
    resize_frames,
)
from .video_sources import (
    demuxer_in,
    describe_source,
    is_torchcodec_decoder,
    refuse_without_pyav,
    resolve_source,
    source_name,
)
from .video_streams import open_input, several_video_tracks, video_stream


class _TorchcodecCannotOpen(VideoDecodeError):
    """torchcodec cannot open a video that PyAV opens (`open_with_torchcodec` then reads it with PyAV)."""


_TORCHCODEC_OK: bool | None = None
_TORCHCODEC_LOCK = threading.Lock()


def torchcodec_available() -> bool:
    """Whether torchcodec imports and can load its FFmpeg libraries (checked once)."""
    global _TORCHCODEC_OK
    with _TORCHCODEC_LOCK:
        if _TORCHCODEC_OK is None:
            try:
                from torchcodec.decoders import VideoDecoder  # noqa: F401

                _TORCHCODEC_OK = True
            except Exception:  # ImportError, or RuntimeError when FFmpeg's shared libraries are missing
                _TORCHCODEC_OK = False
        return _TORCHCODEC_OK


# Containers whose frames torchcodec (0.17, on FFmpeg 5.1) indexes wrongly, returning other frames than the ones
# asked for without an error (tests/test_torchcodec_reader.py): AVI and ASF, whose made-up timestamps follow decode
# order (wrong once a codec reorders frames; ASF's shifted even without B-frames), and MPEG-TS / MPEG-PS, which have
# no index to seek by (its seek landed a GOP late in TS, a frame off in PS). Raw streams store no timestamps at all.
# APNG: its demuxer flags a frame that covers the canvas a keyframe, which the decoder may still draw over the frame
# before (disposal and blending): torchcodec's reads after a seek came out 40-60 grey levels off, with the right times.
# PyAVReader reads them right (see its _frame_table), so `backend="torchcodec"` reads these with PyAV.
_TORCHCODEC_MISREAD_FORMATS = UNTIMED_FORMATS | {"mpegts", "mpeg", "apng"}
# The same containers by file name, for a datasets.Video decoder whose file vivit_hf cannot reach to look inside
_TORCHCODEC_MISREAD_SUFFIXES = (".avi", ".divx", ".asf", ".wmv", ".ts", ".mts", ".m2ts", ".mpg", ".mpeg", ".vob")
_BARE_DECODER_WARNING = (
    "vivit_hf cannot see which file a torchcodec VideoDecoder reads (torchcodec does not say), and torchcodec "
    "returns wrong frames from AVI, ASF, MPEG-TS and MPEG-PS files whose codec reorders frames (H.264, HEVC, "
    "MPEG-2, MPEG-4 part 2). Pass the file's path or bytes instead (or a decoded datasets.Video value, which keeps "
    "them), and such files are read with PyAV."
)


class TorchcodecReader(VideoReader):
    """torchcodec decoding (`seek_mode="exact"` indexes frames in presentation order, as PyAVReader, in containers
    that store presentation timestamps; `open_video` reads the others with PyAV, see `_TORCHCODEC_MISREAD_FORMATS`).

    torchcodec turns frames by the display matrix's angle alone and does not say whether the matrix mirrors: `hflip`
    (from PyAV's look at the file, `_torchcodec_plan`) says so, and the frames are then mirrored as PyAVReader's are
    (see `display_orientation`)."""

    backend = "torchcodec"
    _closed = False  # see `close`
    # A decoded `datasets.Video` value opened with backend "auto" (`open_torchcodec_decoder`): its frames resized as
    # its file's path is read, by `reference` (PyAV's converting resize). torchcodec's full frames resized in torch
    # came out up to 36 grey levels from the path's (libswscale's filter is not torch's), where the two give the same
    # full-size frames: `read_frames(value, size=...)` and a processor given `open_video(value)` read other pixels
    # than the same file given as a path, and a column cast to `Video()` trained on other pixels than `Video(decode=
    # False)`.
    resizes_as_file = False

    def __init__(self, source: Any, name: str | None = None, stream_index: int | None = None, hflip: bool = False):
        super().__init__(name or describe_source(source))
        self.reference: PyAVReader | None = None  # see `_replace_misread`; set by `_checked_by_pyav`
        self.hflip = hflip
        if is_torchcodec_decoder(source):
            self.decoder = source
        else:
            # In a try, as every import of torchcodec here: transformers' check_imports reads each file of a Hub
            # repo's remote code and refuses the whole processor over an import it finds outside one, and torchcodec
            # is optional (open_video comes here only after torchcodec_available()).
            try:
                from torchcodec.decoders import VideoDecoder
            except ImportError:
                raise

            resolved = resolve_source(source)
            if isinstance(resolved, io.BytesIO):
                resolved = resolved.getvalue()
            try:
                self.decoder = VideoDecoder(
                    resolved, stream_index=stream_index, seek_mode="exact", num_ffmpeg_threads=0, dimension_order="NHWC"
                )
            except Exception as e:  # torchcodec raises ValueError/RuntimeError for unreadable input
                # torchcodec's messages do not say what is wrong with the input (an audio-only file reads "the
                # best video stream is unknown"): where PyAV's checks find the fault too, they name it.
                try:
                    PyAVReader(resolved, name=self.name).close()
                except VideoDecodeError as named:
                    raise named from e
                raise _TorchcodecCannotOpen(
                    f"Cannot open video {self.name} with torchcodec: {_torchcodec_reason(e)}"
                ) from e
        meta = self.decoder.metadata
        self._num_frames = int(meta.num_frames or 0)
        if self._num_frames == 0:
            if not is_torchcodec_decoder(source):  # (PyAV's checks name what a file of no frames is, as above)
                PyAVReader(resolved, name=self.name).close()  # (not resolved again: a URL would download twice)
            raise VideoDecodeError(f"Video {self.name} has no frames.")
        if self._num_frames == 1 and not is_torchcodec_decoder(source):
            # torchcodec takes FFmpeg's "best" video stream, which can be a cover image (a music file's
            # album art); PyAV's stream choice skips those and names the file that has nothing else.
            PyAVReader(resolved, name=self.name).close()

    @property
    def num_frames(self) -> int:
        return self._num_frames

    @property
    def info(self) -> VideoInfo:
        meta = self.decoder.metadata
        fps = _stated_within_rounding(meta.average_fps, getattr(meta, "average_fps_from_header", None))
        # (its span of ticks, as a double: to the nanosecond, no tick of a stream's time base is finer)
        duration = round(float(meta.duration_seconds or 0.0), 9)
        if self.reference is not None:
            # PyAV's rate and duration, from the frames' presentation times: torchcodec ends a stream at its last
            # frame's time plus the duration it reads for that frame, 0.01 s for the 0.04 s frames of an H.264 mp4
            # with B-frames (40 frames at 25 fps read 25.48 fps and 1.57 s)
            fps, duration = self.reference.fps, self.reference.duration
        height, width = int(meta.height), int(meta.width)
        rotation = self._turned() if not self.hflip else (180 - self._turned()) % 360  # see `display_orientation`
        return VideoInfo(self.num_frames, fps, height, width, duration, rotation, self.backend, self.hflip)

    def _turned(self) -> int:
        """The angle torchcodec turned its frames by: FFmpeg's angle of the display matrix, counter-clockwise."""
        return int(round(getattr(self.decoder.metadata, "rotation", 0) or 0)) % 360

    def _mirrored(self, array: np.ndarray) -> np.ndarray:
        """torchcodec's frames (turned by FFmpeg's angle `k`) as a mirrored matrix shows them: turned by `180 - k`
        from the stored picture, then mirrored left to right; from torchcodec's, by `180 - 2k` (see `VideoInfo`)."""
        if not self.hflip:
            return array
        return orient(array, (180 - 2 * self._turned()) % 360, hflip=True)

    def frame_times(self) -> np.ndarray | None:
        return None if self.reference is None else self.reference.frame_times()

    def first_frame_seconds(self) -> float | None:
        return None if self.reference is None else self.reference.first_frame_seconds()

    def last_frame_seconds(self) -> float | None:
        return None if self.reference is None else self.reference.last_frame_seconds()

    def read(self, indices: Sequence[int], size=None, interpolation: str = "bilinear") -> np.ndarray:
        if self._closed:
            raise ValueError(f"Video {self.name} is closed: its frames cannot be read.")
        idx = self._check_indices(indices)
        output_size(1, 1, size)
        check_interpolation(interpolation)
        if size is not None and self.resizes_as_file and self.reference is not None:
            return self.reference.read(idx, size=size, interpolation=interpolation)
        try:
            batch = self.decoder.get_frames_at(indices=idx.tolist())
        except Exception as e:
            if self.reference is not None:  # PyAV reads what torchcodec's seek cannot reach (a one-packet FLV)
                try:
                    return resize_frames(self.reference.read(idx), size, interpolation)
                except VideoDecodeError:
                    pass
            raise VideoDecodeError(f"Cannot decode video {self.name}: {_torchcodec_reason(e)}") from e
        array = batch.data.numpy()
        if array.ndim == 4 and array.shape[1] in (1, 3) and array.shape[-1] not in (1, 3):
            array = array.transpose(0, 2, 3, 1)  # a decoder made by someone else may be NCHW
        if array.shape[-1] == 1:
            array = np.repeat(array, 3, axis=-1)
        self.frames_decoded += int(idx.size)
        array = self._replace_misread(idx, batch.pts_seconds.numpy(), np.ascontiguousarray(self._mirrored(array)))
        return resize_frames(array, size, interpolation)

    def _replace_misread(self, idx: np.ndarray, shown: np.ndarray, array: np.ndarray) -> np.ndarray:
        """The frames torchcodec returned, with any whose time is not the asked frame's read again with PyAV.

        torchcodec seeks to the container's keyframes and returns the first frame the decoder gives at or after the
        asked time. Where a keyframe is no point to start decoding from (x264's intra refresh flags the first frame
        of each refresh wave as a sync sample; the H.264 decoder shows nothing until the picture is whole), that is
        a later frame, silently. The frame's own time tells: it must be the asked frame's, in PyAV's frame table."""
        times = None if self.reference is None else self.reference.frame_times()
        if times is None:
            return array
        tolerance = 1e-6 + 1e-9 * np.abs(times[idx])  # the same stamp in the same time base, through doubles
        wrong = np.flatnonzero(np.abs(shown - times[idx]) > tolerance)
        if wrong.size:
            array[wrong] = self.reference.read(idx[wrong])
        return array

    def close(self) -> None:
        # The PyAV reference is kept, closed: its rate and times answer as before (dropping it turned a closed
        # reader's `frame_times` to None and its rate to torchcodec's), and it refuses whatever needs its stream
        if self.reference is not None and not getattr(self, "_closed", False):  # a second close closes nothing
            self.reference.close()
        self._closed = True


def _stated_within_rounding(measured: Any, stated: Any) -> float:
    """torchcodec's `measured` rate (its frames over the span of their times, in doubles), or the one the stream
    states where the two differ by a double's rounding alone. 40 frames of 25 fps from 0.08 s to 1.68 s measure
    25.000000000000004 fps (and 1.5999999999999999 s): `fps=5` took 7 frames (0, 5, 11, 17, ...) where the file's
    path gives 8 (0, 5, 10, ..., 35), transformers' rule `int(T / fps * 5)` rounding down. A decoder vivit_hf cannot
    check with PyAV is timed so (a `datasets.Video` value of a streamed Hub file)."""
    measured, stated = float(measured or 0.0), float(stated or 0.0)
    return stated if stated > 0 and abs(measured - stated) <= 1e-9 * stated else measured


_TORCHCODEC_LOCATION = re.compile(r"^\w+, \S+:\d+, ")


def _torchcodec_reason(error: Exception) -> str:
    """torchcodec's message without the C++ function and source line it starts with ("decode_av_frame,
    /__w/torchcodec/.../SingleStreamDecoder.cpp:1510, Could not receive frame from decoder: ...")."""
    return _TORCHCODEC_LOCATION.sub("", str(error))


def _torchcodec_plan(resolved: Any) -> tuple[bool, int | None, bool]:
    """From the header PyAV reads of `resolved` (a path or a seekable file): whether its container is one torchcodec
    indexes wrongly (or whose pictures' EXIF orientation turns them, whose display matrix's angle is no right angle, or
    whose pictures are another size than its header states: see `_first_frame_orientation`), the index of the stream
    `video_stream` picks (None: PyAV found none), and whether its display matrix mirrors (`TorchcodecReader`'s
    `hflip`; PyAV exposes the matrix on decoded frames only, so the first frame is decoded). A file PyAV cannot open
    is left to torchcodec, whose error names the fault."""
    import av

    position = resolved.tell() if hasattr(resolved, "tell") else None
    try:
        with open_input(resolved) as container:
            fmt = container.format
            stream = video_stream(container, demux=True)
            misreads = bool(demuxer_in(container, _TORCHCODEC_MISREAD_FORMATS) or fmt.flags & AVFMT_NOTIMESTAMPS)
            context = stream.codec_context if stream is not None else None
            # a codec this FFmpeg has no decoder for (PyAV gives its stream no codec context): PyAVReader refuses it
            # by name (read here, it failed with "'NoneType' object has no attribute 'pix_fmt'", no VideoDecodeError)
            misreads |= stream is not None and context is None
            # torchcodec's index scan takes the packet that carries a MOV / AVI stream's palette: black frames
            misreads |= context is not None and context.pix_fmt == "pal8"
            # text read as pictures (a `.txt` file): PyAV refuses it by name
            misreads |= context is not None and context.name in TEXT_ART_CODECS
            # limited-range grey (HEVC / AV1 4:0:0): torchcodec's libswscale takes its levels as full range, blacks at
            # 16; PyAVReader stretches them as a 4:2:0 stream's luma is
            misreads |= context is not None and limited_range_grey(context.pix_fmt, context.color_range)
            # grey of more than 8 bits (a 16-bit grey PNG or TIFF, FFV1): libswscale truncates it, PyAVReader rounds
            misreads |= context is not None and deep_grey(context.pix_fmt)
            # transparency (APNG, QuickTime Animation ARGB, PNG in MOV, ProRes 4444; a GIF's is white already):
            # torchcodec's RGB drops the alpha, a transparent pixel read as the colour it stores; PyAVReader composites
            # such frames onto white (`on_white`)
            misreads |= (
                context is not None
                and context.pix_fmt is not None
                and has_alpha(context.pix_fmt)
                and context.name not in WHITE_UNDER_ALPHA_CODECS
            )
            # as is WebM's VP8 / VP9 alpha, which FFmpeg's own decoders (torchcodec's) do not read (`alpha_decoder`)
            misreads |= stream is not None and alpha_decoder(stream) is not None
            if stream is None or misreads:
                return misreads, None if stream is None else stream.index, False
            if not several_video_tracks(container):
                mirrored, pyav_reads = _first_frame_orientation(container, stream)
                return pyav_reads, stream.index, mirrored and not pyav_reads
            index = stream.index  # (read while open: a closed container's streams are gone)
        if position is not None:  # packets were read to choose the track: its first frame from the start
            resolved.seek(position)
        with open_input(resolved) as container:
            mirrored, pyav_reads = _first_frame_orientation(container, container.streams[index])
            return pyav_reads, index, mirrored and not pyav_reads
    except (av.FFmpegError, OSError, ValueError, TypeError, IndexError, UnicodeDecodeError):
        return False, None, False
    finally:
        if position is not None:  # the reader that follows reads the file from where `resolve_source` put it
            resolved.seek(position)


def _first_frame_orientation(container: Any, stream: Any) -> tuple[bool, bool]:
    """Whether the display matrix of `stream`'s first frame mirrors, and whether its picture's EXIF orientation tag
    turns or mirrors it or the matrix's angle is no right angle, or the frame is another size than the stream's header
    states ((False, False) where no frame decodes: torchcodec's reader then names the fault).

    FFmpeg 8 makes the EXIF tag of a JPEG, PNG, TIFF or WebP picture (a camera's Motion JPEG, a photo) its frame's
    display matrix, which PyAVReader applies; torchcodec turns frames by the stream's matrix alone, which such a file
    does not have: it would give them as stored. PyAV reads them (`_torchcodec_plan`).

    torchcodec scales every frame to the size the stream's header states, which FFmpeg takes from the container as
    written where no parser reads the bitstream's (VP8 in WebM or IVF): a header of 80x60 over 64x48 pictures gave
    every frame stretched to 80x60, where PyAVReader keeps the pictures' own size (its first frame's). PyAV reads
    them too."""
    import av

    exif = stream.codec_context is not None and stream.codec_context.name in EXIF_CODECS
    header = (stream.width, stream.height)  # (read before decoding: the decoder sets the frames' own on the context)
    try:
        for packet in container.demux(stream):
            for frame in packet.decode():
                picture = bytes(packet) if exif and packet.size else None
                turned = exif_orientation(picture) not in (None, (0, False))
                rotation, mirrored = display_orientation(frame, picture)
                # torchcodec turns an angle that is no right angle (an editor's 45 or 135) by the nearest one: 48x64
                # pictures read 64x48 or upside down, where PyAVReader leaves them as stored (`orient`)
                resized = (frame.width, frame.height) != header
                return mirrored, turned or rotation % 90 != 0 or resized
    except av.FFmpegError:
        pass
    return False, False


class _FileView:
    """A read-only view of a seekable file object, with a position of its own.

    torchcodec and the PyAV reader that checks it (`_checked_by_pyav`) read one file object in turns, each through
    FFmpeg's I/O, which takes the file to be where it left it: each gets a view, and a read seeks its view's place
    first. (A caller's file object was read by torchcodec alone, unchecked: a variable-frame-rate file's frames were
    sampled and timed by index at torchcodec's average rate, a GIF's rate was torchcodec's guess, 21.4 fps for 60.)"""

    def __init__(self, file: Any, lock: threading.Lock):
        self._file, self._lock, self._position = file, lock, 0

    def read(self, size: int = -1) -> bytes:
        with self._lock:
            self._file.seek(self._position)
            data = self._file.read(size if size is not None and size >= 0 else -1) or b""
        self._position += len(data)
        return data

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_END:
            with self._lock:
                self._position = self._file.seek(offset, io.SEEK_END)
        else:
            self._position = offset + (self._position if whence == io.SEEK_CUR else 0)
        return self._position

    def tell(self) -> int:
        return self._position

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True


def open_with_torchcodec(source: Any, **kwargs) -> VideoReader:
    """A file asked of torchcodec: read by torchcodec, unless torchcodec would return wrong frames from its
    container; PyAV reads those (`reader.backend` then says "pyav")."""
    name = describe_source(source)
    resolved = resolve_source(source)  # once: a URL is downloaded here, not again by the reader
    if isinstance(source, dict) and source.get("stream_index") is not None:
        # A track a `Video(decode=False, stream_index=k)` column names (`hub_files.with_track`): read by PyAV, which
        # counts k as torchcodec does (all streams), and whose track the plan below is not made for
        return PyAVReader(resolved, name=name, stream_index=source["stream_index"], **kwargs)
    misreads, stream_index, hflip = _torchcodec_plan(resolved)
    if misreads:
        return PyAVReader(resolved, name=name, **kwargs)
    # the file PyAV checks torchcodec's reads in: torchcodec takes a copy of bytes, and reads a file object through
    # a view of its own (`_FileView`)
    checked = resolved
    if not isinstance(resolved, (str, io.BytesIO)):
        lock = threading.Lock()
        resolved, checked = _FileView(resolved, lock), _FileView(resolved, lock)
    try:
        reader = TorchcodecReader(resolved, name=name, stream_index=stream_index, hflip=hflip)
    except _TorchcodecCannotOpen:
        # A file PyAV reads and torchcodec cannot open (its index scan fails to seek back to time 0 in a Matroska
        # file whose timestamps start below 0, or beside an audio track without packets): PyAV reads it.
        return PyAVReader(checked, name=name, **kwargs)
    return _checked_by_pyav(reader, checked, name, kwargs)


def _checked_by_pyav(reader: TorchcodecReader, file: Any, name: str | None, kwargs: dict) -> VideoReader:
    """`reader`, with a PyAV reader of its file whose frame table (a demux, no decoding where the container stores
    presentation times) tells which frames torchcodec returned (`TorchcodecReader._replace_misread`); or that PyAV
    reader alone, where torchcodec counts other frames than a sequential PyAV decode gives (frame i is the i-th of
    those), the file's timestamps, which torchcodec indexes frames by, are not presentation times, or its keyframes
    are none (recovery points, or frames that need references: torchcodec seeks to them). Whether they are is read
    from each keyframe's picture header while the table is demuxed (`flags_keyframes_needing_references`); a codec
    whose headers are not read there has its second keyframe decoded instead (`starts_at_recovery_points`)."""
    try:
        pyav = PyAVReader(file, name=name, **kwargs)
    except EncryptedVideoError:  # nor can torchcodec ("Could not push packet to decoder" at the first read)
        reader.close()
        raise
    except VideoDecodeError:  # PyAV cannot read it: torchcodec's frames are all there are
        return reader
    # (an AVI's slot times, a stream's decode times stamped as its pts, are no presentation times)
    untimed = pyav.frame_times() is None or pyav._stamp != "pts" or pyav._decode_stamped
    if pyav.num_frames != reader.num_frames or untimed or pyav.flags_keyframes_needing_references():
        return pyav
    if pyav.starts_at_recovery_points():
        return pyav
    if pyav.flags_frames_needing_references():  # (found by the read `starts_at_recovery_points` makes)
        return pyav
    if pyav.seeks_rename_packets():  # (an MXF file cut before its index: torchcodec's seeks land elsewhere)
        return pyav
    if pyav._unseekable:  # frames read right only after the one before them (a raw DV file's cut last frame)
        return pyav
    reader.reference = pyav
    return reader


def _decoder_file(decoder: Any) -> tuple[Any, str | None]:
    """(a path or file vivit_hf can open, the file's name) of a torchcodec decoder; (None, name or None) when out of
    reach. torchcodec keeps no trace of its input, but a decoded datasets.Video value does: `_hf_encoded`, the path
    and bytes datasets decoded it from (a Hub file streamed by datasets has a remote path and no bytes)."""
    encoded = getattr(decoder, "_hf_encoded", None)
    if not isinstance(encoded, dict):
        return None, None
    path = source_name(decoder)  # (the path as errors and metadata name it, read in one place)
    if encoded.get("bytes") is not None:
        return io.BytesIO(bytes(encoded["bytes"])), path
    if path and os.path.isfile(path):
        return path, path
    return None, path


def _best_stream_index(file: Any) -> int | None:
    """FFmpeg's "best" video stream of `file` (a path or a seekable file, left where it was), the one a torchcodec
    decoder built without a `stream_index` decodes; None where PyAV cannot tell."""
    import av

    position = file.tell() if hasattr(file, "tell") else None
    try:
        with open_input(file) as container:
            best = container.streams.best("video")
            return None if best is None else best.index
    except (av.FFmpegError, OSError, ValueError, TypeError, IndexError, UnicodeDecodeError):
        return None
    finally:
        if position is not None:
            file.seek(position)


def _codec_reorders(codec: str | None) -> bool:
    """Whether frames of this codec (FFmpeg's name) can come out in another order than they are stored."""
    import av

    try:
        return bool(av.Codec(codec, "r").reorder)
    except (av.FFmpegError, ValueError, TypeError):  # a codec this PyAV does not know: it may reorder
        return True


def open_torchcodec_decoder(decoder: Any, resizes_as_file: bool = True, **kwargs) -> VideoReader:
    """A torchcodec VideoDecoder (a decoded datasets.Video value): read through torchcodec, except a file in a
    container torchcodec indexes wrongly, which PyAV reads from the decoder's file where vivit_hf can reach it.
    `resizes_as_file` (backend "auto" or "pyav"): its frames asked at a size read as its file's (see
    `TorchcodecReader.resizes_as_file`)."""
    file, name = _decoder_file(decoder)
    if file is not None or name is None:  # its file is indexed, or its codec looked up, with PyAV
        refuse_without_pyav(name or decoder)
    if file is not None:
        misreads, stream_index, hflip = _torchcodec_plan(file)
        chosen = decoder.metadata.stream_index
        if stream_index not in (None, chosen) and chosen != _best_stream_index(file):
            # A track torchcodec does not take by default, so one the caller asked for (`datasets.Video(stream_index=
            # 1)`): read as asked, not the file's own track, another picture.
            return PyAVReader(file, name=repr(name) if name else None, stream_index=chosen, **kwargs)
        if misreads or stream_index not in (None, chosen):
            # a decoder of another stream than the one vivit_hf reads in a file with several (see `video_stream`):
            # torchcodec's default, FFmpeg's "best" stream, which a path to the same file does not read
            return PyAVReader(file, name=repr(name) if name else None, **kwargs)
        reader = TorchcodecReader(decoder, hflip=hflip)
        reader.resizes_as_file = resizes_as_file
        return _checked_by_pyav(reader, file, repr(name) if name else None, kwargs)
    if name is not None:  # a Hub file datasets streams: its name is all there is to go by
        if name.lower().endswith(_TORCHCODEC_MISREAD_SUFFIXES):
            raise ValueError(
                f"torchcodec returns wrong frames from video {name!r} (AVI, ASF, MPEG-TS and MPEG-PS files store no "
                "timestamps torchcodec can index by), and vivit_hf cannot reach the file to read it with PyAV: cast "
                "the column to datasets.Video(decode=False) and pass its {'path', 'bytes'} values instead."
            )
    elif _codec_reorders(getattr(decoder.metadata, "codec", None)):
        warnings.warn(_BARE_DECODER_WARNING, UserWarning, stacklevel=3)
    _warn_if_alpha_dropped(decoder, name)
    return TorchcodecReader(decoder)


def _warn_if_alpha_dropped(decoder: Any, name: str | None) -> None:
    """A decoder out of PyAV's reach whose stream has transparency: torchcodec's RGB drops the alpha, so transparent
    pixels read as the colour they store (an ARGB QuickTime Animation file 255 grey levels off the composite onto
    white its path reads as). A warning, not a refusal: many such files (ProRes 4444 from an editor) are opaque
    throughout. GIFs aside (`WHITE_UNDER_ALPHA_CODECS`)."""
    metadata = decoder.metadata
    pixel_format = getattr(metadata, "pixel_format", None)
    if not pixel_format or getattr(metadata, "codec", None) in WHITE_UNDER_ALPHA_CODECS or not has_alpha(pixel_format):
        return
    warnings.warn(
        f"Video {name or '<torchcodec VideoDecoder>'} has transparency ({pixel_format}), which torchcodec's frames "
        "drop: its transparent pixels, if any, read as the colour they store, not composited onto white as its "
        "frames given as RGBA, or its file's path or bytes, read. Pass the file's path or bytes instead.",
        UserWarning,
        stacklevel=4,
    )
