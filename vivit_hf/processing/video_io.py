# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Video decoding that decodes only what a clip needs.

A clip of 32 frames at stride 2 spans 64 frames; decoding a whole 60 s video to keep them wastes
almost all the work. `VideoReader` therefore builds a table of every frame's presentation
timestamp from the demuxed packets (no decoding), seeks to the keyframe at or before the first
wanted frame, and decodes forward only to the last wanted one, seeking again when a later keyframe
lets it skip a gap. Frame `i` is the `i`-th frame in presentation order (the order a sequential
decode gives), which is what variable frame rate files need (a timestamp times a nominal rate is not
an index there). AVI and ASF store no presentation timestamps: there one full decode at open puts
the frames in order, and reads then seek as in any other file (see `PyAVReader._frame_table`).

Two more savings: in H.264 streams, unwanted frames that no other frame references (non-reference
B-frames, before the first wanted frame or between frames kept at a stride) are not decoded at all,
which leaves the wanted frames bit-identical; and a reader asked for a `size` lets libswscale
convert to RGB and resize in one pass, on the wanted frames only, instead of converting full-size
frames that a later resize throws most of away. The second is not bit-exact with converting first
and resizing in torch (see `ViViTVideoProcessor`'s `resize_in_decoder`), so it is asked for per call.

PyAV is the default decoder (`backend="auto"`): its wheels bundle FFmpeg, so nothing has to be
installed on the system, and it is the faster path here (`benchmarks/processor.py` compares them): torchcodec
decodes every frame of the span and converts full-size frames. `backend="torchcodec"`
asks for torchcodec (it needs the system FFmpeg libraries), and a torchcodec `VideoDecoder` (what
`datasets.Video` decodes to) is read through torchcodec. Except where torchcodec returns wrong frames: AVI,
ASF, MPEG-TS, MPEG-PS and raw streams are read with PyAV in both cases, a decoder's file found where datasets
keeps it (see `_TORCHCODEC_MISREAD_FORMATS`; a decoder built by hand hides its file, and is read with a warning).
A file opened for torchcodec is also indexed by PyAV (a demux): where the two count other frames, torchcodec cannot
open the file, or a frame it returns has another time than the one asked, PyAV reads (see `open_with_torchcodec`).

Callers import everything from this module, the entry point; the parts live beside it: `video_reader` (the
`VideoReader` interface, `VideoInfo`, output sizes and resizing), `errors` (`VideoDecodeError`), `video_sources` (the
inputs a reader takes, and their names), `video_pyav` (`PyAVReader`: frame tables, seeking, the frame-table cache),
`video_streams` (how a file is opened, the video stream choice) and `video_torchcodec` (`TorchcodecReader`, and
which files torchcodec is trusted with). This module holds `open_video`, `probe`, `read_frames` and the URL download
with its limits.

These modules import only numpy, PyAV, the standard library (torchcodec, torch and PIL lazily) and each other, so
they travel with the video processor under `trust_remote_code`.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import numpy as np

# The entry point: callers (and their tests) import every name below from here, wherever it lives
from .errors import VideoDecodeError
from .video_pyav import PyAVReader  # noqa: F401
from .video_reader import (  # noqa: F401
    VideoInfo,
    VideoReader,
    counted_at_rate,
    evenly_spaced,
    output_size,
    resize_frames,
    video_duration,
)
from .video_sources import (  # noqa: F401
    describe_source,
    is_av_container,
    is_torchcodec_decoder,
    refuse_without_pyav,
    source_name,
)
from .video_streams import open_input, several_video_tracks, stored_frame_size, video_stream  # noqa: F401
from .video_torchcodec import (  # noqa: F401
    TorchcodecReader,
    open_torchcodec_decoder,
    open_with_torchcodec,
    torchcodec_available,
)

__all__ = [
    "VideoDecodeError",
    "VideoInfo",
    "VideoReader",
    "open_video",
    "probe",
    "read_frames",
    "torchcodec_available",
    "describe_source",
    "output_size",
    "resize_frames",
]


# A download still running after this long, or this large, is a live stream (a camera, a broadcast) or a server that
# drips: such a URL never ends, and reading it whole would wait forever while memory grows.
URL_TIME_LIMIT = 600.0  # seconds
URL_SIZE_LIMIT = 8 << 30  # bytes


def download_url(url: str, name: str) -> io.BytesIO:
    """The whole file at `url`, in memory (FFmpeg seeks in most containers: an mp4's index may sit at its end)."""
    import time
    import urllib.request

    data, began = io.BytesIO(), time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            while chunk := response.read1(1 << 16):  # what has arrived: a slow server is timed too
                data.write(chunk)
                seconds = time.monotonic() - began
                if seconds > URL_TIME_LIMIT or data.tell() > URL_SIZE_LIMIT:
                    raise VideoDecodeError(
                        f"Cannot download video {name}: it had not ended after {seconds:.0f} s and "
                        f"{data.tell() / 1e6:.1f} MB (limits: video_io.URL_TIME_LIMIT = {URL_TIME_LIMIT:g} s, "
                        f"URL_SIZE_LIMIT = {URL_SIZE_LIMIT / 1e9:g} GB). A live stream never ends: URLs are "
                        "downloaded whole before decoding; save the part you want to a file and pass that."
                    )
    except OSError as e:
        raise VideoDecodeError(f"Cannot download video {name}: {e}") from e
    data.seek(0)
    return data


def open_video(source: Any, backend: str = "auto", **kwargs) -> VideoReader:
    """Open any supported input. `backend`: `"auto"` (PyAV, the faster path; see the module
    docstring), `"pyav"` or `"torchcodec"`. A torchcodec decoder or a PyAV container picks its own.

    torchcodec returns wrong frames from AVI, ASF, MPEG-TS, MPEG-PS and raw streams (see
    `_TORCHCODEC_MISREAD_FORMATS`): those files are read with PyAV, also when torchcodec is asked for and when a
    datasets.Video decoder holds them."""
    if isinstance(source, VideoReader):
        return source
    if is_torchcodec_decoder(source):  # resized as its file is, unless torchcodec is asked for
        return open_torchcodec_decoder(source, resizes_as_file=backend != "torchcodec", **kwargs)
    refuse_without_pyav(source)  # a decoder's reads check it themselves: one of a streamed file reads without it
    if is_av_container(source):
        return PyAVReader(source, **kwargs)
    if backend not in ("auto", "pyav", "torchcodec"):
        raise ValueError(f"Unknown video backend {backend!r}; expected 'auto', 'pyav' or 'torchcodec'.")
    if backend == "torchcodec":
        if not torchcodec_available():
            raise ImportError("backend='torchcodec' was asked but torchcodec does not import here.")
        return open_with_torchcodec(source, **kwargs)
    return PyAVReader(source, **kwargs)


def probe(source: Any, backend: str = "auto") -> VideoInfo:
    """Frame count, rate, displayed size and duration of a video, without decoding it (but one frame)."""
    reader = open_video(source, backend=backend)
    try:
        return reader.info
    finally:
        if reader is not source:
            reader.close()


def read_frames(
    source: Any, indices: Sequence[int], backend: str = "auto", size=None, interpolation: str = "bilinear"
) -> np.ndarray:
    """Decode just the frames at `indices` (presentation order), as `(len(indices), H, W, 3)` uint8,
    optionally resized while converting (`size`: shorter side or `(height, width)`)."""
    reader = open_video(source, backend=backend)
    try:
        return reader.read(indices, size=size, interpolation=interpolation)
    finally:
        if reader is not source:
            reader.close()
