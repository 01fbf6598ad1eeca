# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The inputs a video reader takes, and what they are called: paths, URLs, bytes, file objects, `datasets.Video`
dicts, PyAV containers and torchcodec decoders (`_resolve_source` turns the first five into what `av.open` takes).

URLs are downloaded by `video_io._download`, whose limits (`video_io.URL_TIME_LIMIT`, `URL_SIZE_LIMIT`) are settings
callers change there. This module imports only the standard library and its sibling `video_reader` (PyAV lazily), so
it travels with the video processor under `trust_remote_code`.
"""

from __future__ import annotations

import io
import os
from typing import Any

from .video_reader import VideoDecodeError


def source_name(source: Any) -> str | None:
    """The file name an input carries, as the caller gave it: a path, a datasets.Video dict's `path`, an open
    file's `name`; None for bytes, arrays and anything else without one."""
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    if isinstance(source, dict):
        return source.get("path") or None
    if isinstance(source, (bytes, bytearray, memoryview)):
        return None
    name = getattr(source, "name", None)
    return name if isinstance(name, str) else None


def describe_source(source: Any) -> str:
    """A short human name for an input, for error messages."""
    name = source_name(source)
    if name is not None:
        return repr(name)
    if isinstance(source, (bytes, bytearray, memoryview)):
        return f"<{len(source)} bytes>"
    if isinstance(source, dict):
        if source.get("bytes") is not None:
            return f"<{len(source['bytes'])} bytes>"
        return f"<dict with keys {sorted(source)}>"
    return f"<{type(source).__name__}>"


def _is_torchcodec_decoder(source: Any) -> bool:
    return hasattr(source, "get_frames_at") and hasattr(source, "metadata")


def _is_av_container(source: Any) -> bool:
    import av

    return isinstance(source, av.container.InputContainer)


def _resolve_source(source: Any) -> Any:
    """Turn the accepted input kinds into something `av.open` takes (a path or a seekable file)."""
    name = describe_source(source)
    if isinstance(source, dict):  # datasets.Video(decode=False): {"path": ..., "bytes": ...}
        if source.get("bytes") is not None:
            return _resolve_source(source["bytes"])
        if source.get("path"):
            return _resolve_source(source["path"])
        raise VideoDecodeError(f"Video {name} has neither 'path' nor 'bytes'.")
    if isinstance(source, (bytes, bytearray, memoryview)):
        if len(source) == 0:
            raise VideoDecodeError("Cannot decode video <0 bytes>: the input is empty.")
        return io.BytesIO(bytes(source))
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        if path[:8].lower().startswith(("http://", "https://")):  # a scheme is case-insensitive (RFC 3986)
            from .video_io import _download  # where its limits are set (video_io imports this module: not at import)

            return _download(path, name)
        if not os.path.exists(path):
            raise VideoDecodeError(f"Video file {name} does not exist.")
        if os.path.isdir(path):
            raise VideoDecodeError(f"Video path {name} is a directory, not a file.")
        if os.path.getsize(path) == 0:
            raise VideoDecodeError(f"Video file {name} is empty (0 bytes).")
        return path
    if isinstance(source, io.TextIOBase):  # FFmpeg's reads would fail with "Expected bytes, got str"
        raise VideoDecodeError(f"Video {name} is a file opened in text mode: open it in binary mode, open(path, 'rb').")
    if hasattr(source, "read"):
        seekable = getattr(source, "seekable", lambda: False)
        if seekable():
            # A file object is read from its start, as a path is: a caller that read some of it first (a header
            # sniff) would otherwise hand FFmpeg a file without its head (a Matroska file then fails to open).
            try:
                source.seek(0)
                return source
            except OSError:  # it said it seeks, and cannot: read as a stream is
                pass
        # FFmpeg needs to seek in most containers (mp4's index may sit at the end): the rest of a stream, in memory
        return io.BytesIO(source.read())
    raise VideoDecodeError(
        f"Unsupported video input {name}: expected a path, bytes, a file object, a PyAV container, "
        "a torchcodec VideoDecoder or a datasets.Video dict with 'path'/'bytes'."
    )
