# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The PyAV reader's per-file caches: the frame tables that cost a full decode (`TABLE_CACHE`, filled by
`PyAVReader._decoded_table`) and what a file's packets told once (`REORDERS_CACHE`: whether its bitstream reorders
frames, whether a cut file's last picture is lost), each a small thread-safe LRU (`TableCache`), and the keys that
tell a file unchanged since it was read: `path_key` (a path's size, times and inode) and `content_key` (a file
object's or bytes' size and hash).

Apart from `video_pyav` because none of it reads a video: a reader asks and fills them. Imports only the standard
library and its sibling `video_sources`, so it travels with the video processor under `trust_remote_code`.
"""

from __future__ import annotations

import collections
import hashlib
import threading
from typing import Any

from .video_sources import file_key


def path_key(source: Any) -> tuple | None:
    """What tells a file unchanged since it was indexed (`video_sources.file_key`: its path, size, modification
    time, inode and status-change time). None for anything but a path given as a `str` (bytes and file objects
    are known only by their content, `content_key`, which costs a hash of every byte: only the transport-stream
    cut check, a decode at every open, is cached by it)."""
    return file_key(source) if isinstance(source, str) else None


def content_key(source: Any) -> tuple | None:
    """What tells the content of a seekable file object (bytes become one) the same as one seen before: its size and
    a hash of all its bytes (a part would not do: two cuts of one file differ only in the last). Its position is kept.
    None for anything else, or one whose reads fail."""
    if not all(hasattr(source, name) for name in ("read", "seek", "tell")):
        return None
    digest = hashlib.blake2b(digest_size=16)
    try:
        position = source.tell()
        source.seek(0)
        while chunk := source.read(1 << 20):
            digest.update(chunk)
        size = source.tell()
        source.seek(position)
    except (OSError, ValueError):
        return None
    return "content", size, digest.hexdigest()


class TableCache:
    """A small LRU of the frame tables that cost a full decode (`PyAVReader._decoded_table`), by `path_key`."""

    def __init__(self, size: int):
        self.size = size
        self._tables: collections.OrderedDict = collections.OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple | None):
        with self._lock:
            if key not in self._tables:
                return None
            self._tables.move_to_end(key)
            return self._tables[key]

    def put(self, key: tuple | None, table: tuple) -> None:
        if key is None:
            return
        with self._lock:
            self._tables[key] = table
            while len(self._tables) > self.size:
                del self._tables[next(iter(self._tables))]  # the first: the least recently used

    def clear(self) -> None:
        with self._lock:
            self._tables.clear()


TABLE_CACHE = TableCache(64)  # a table is 16 bytes a frame: 64 ten-minute videos at 30 fps hold 18 MB
REORDERS_CACHE = TableCache(1024)  # per file: whether its bitstream reorders frames (`PyAVReader._never_reorders`)
