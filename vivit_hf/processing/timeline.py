# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Long videos as a timeline: windows `hop` apart, each one clip, read in one pass over the file.

`plan_windows` lays windows of `window` over the video, `hop` apart (both in seconds or frames), and picks each
window's `num_frames` frames (the centres of `num_frames` equal parts of the window). `iter_window_clips` then reads
the union of those frames once, in order (`VideoReader.iter_read`), and hands out each window's clip as soon as its
last frame is decoded, keeping only the frames a window still to come needs: a frame shared by overlapping windows
is decoded once, and memory holds about `window / hop` clips whatever the video's length.

This module imports only numpy and its sibling `video_io`, so it travels with the processor under
`trust_remote_code`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from .video_io import VideoReader

__all__ = ["Window", "span_in_frames", "plan_windows", "iter_window_clips"]


@dataclass(frozen=True)
class Window:
    """One window: frames `[start_frame, end_frame)`, times `[start, end)` in seconds, and the frames it samples."""

    index: int
    start_frame: int
    end_frame: int
    start: float
    end: float
    frames: tuple[int, ...]


_SPAN = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*(s|sec|secs|seconds?|f|frames?)?\s*$")


def span_in_frames(value, fps: float | None, name: str = "window") -> int:
    """A `window` / `hop` in frames: a number is seconds (`2`, `2.5`, `"2s"`), a string ending in `f` or `frames` is
    frames (`"64f"`, `"64 frames"`). Seconds need the video's frame rate; the result is at least one frame."""
    unit = "s"
    if isinstance(value, str):
        match = _SPAN.match(value.lower())
        if not match:
            raise ValueError(f"{name} must be seconds (2, 2.5, '2s') or frames ('64f', '64 frames'), got {value!r}.")
        number, unit = float(match.group(1)), (match.group(2) or "s")[0]
    elif isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        number = float(value)
    else:
        raise ValueError(f"{name} must be seconds (2, 2.5, '2s') or frames ('64f', '64 frames'), got {value!r}.")
    if not number > 0 or not np.isfinite(number):
        raise ValueError(f"{name} must be positive, got {value!r}.")
    if unit == "f":
        if number != int(number):
            raise ValueError(f"{name} in frames must be a whole number, got {value!r}.")
        return int(number)
    if not fps or fps <= 0:
        raise ValueError(f"{name}={value!r} is in seconds, but the video has no frame rate; give it in frames ('64f').")
    return max(1, int(round(number * fps)))


def plan_windows(num_video_frames: int, fps: float | None, window, hop=None, num_frames: int = 32) -> list[Window]:
    """Windows of `window` every `hop` (default: `window`, no overlap) from the first frame; when the last one ends
    before the video does, one more ends at the last frame, so every frame lies in a window. A video shorter than a
    window is one window. Each window samples `num_frames` frames: the centres of `num_frames` equal parts (a window
    of fewer frames repeats some). Times are frame indices over `fps` (0 when it is unknown)."""
    if num_video_frames < 1:
        raise ValueError(f"The video has {num_video_frames} frames; at least one is needed.")
    if num_frames < 1:
        raise ValueError(f"num_frames must be at least 1, got {num_frames}.")
    size = min(span_in_frames(window, fps, "window"), num_video_frames)
    step = span_in_frames(hop, fps, "hop") if hop is not None else size
    starts = list(range(0, num_video_frames - size + 1, step))
    if starts[-1] + size < num_video_frames:
        starts.append(num_video_frames - size)
    parts = (2 * np.arange(num_frames, dtype=np.int64) + 1) * size // (2 * num_frames)
    rate = float(fps) if fps and fps > 0 else None
    return [
        Window(
            index=position,
            start_frame=start,
            end_frame=start + size,
            start=start / rate if rate else 0.0,
            end=(start + size) / rate if rate else 0.0,
            frames=tuple((start + parts).tolist()),
        )
        for position, start in enumerate(starts)
    ]


def iter_window_clips(
    source, windows: list[Window], size=None, interpolation: str = "bilinear", stats: dict | None = None
) -> Iterator[tuple[Window, np.ndarray]]:
    """`(window, clip)` for each window in order, `clip` its frames as `(num_frames, H, W, 3)` uint8.

    `source`: an open `VideoReader` (read in one pass with `iter_read`, resized to `size` while converting) or an
    in-memory `(T, H, W, 3)` array. Each frame is decoded once and dropped after the last window that uses it.
    `stats`, when given, receives `frames_read` and `max_frames_held` (frames kept at once, for the benchmark)."""
    if not windows:
        return
    wanted = np.unique(np.concatenate([np.asarray(w.frames, dtype=np.int64) for w in windows]))
    last_use: dict[int, int] = {}
    for position, win in enumerate(windows):
        for frame in win.frames:
            last_use[frame] = position
    if isinstance(source, VideoReader):
        frames = source.iter_read(wanted, size=size, interpolation=interpolation)
    else:
        frames = ((i, source[i]) for i in wanted.tolist())
    held: dict[int, np.ndarray] = {}
    next_window, read, most = 0, 0, 0
    try:
        for index, frame in frames:
            held[index] = frame
            read += 1
            most = max(most, len(held))
            while next_window < len(windows) and max(windows[next_window].frames) <= index:
                win = windows[next_window]
                yield win, np.stack([held[i] for i in win.frames])
                for i in set(win.frames):
                    if last_use[i] == next_window:
                        del held[i]
                next_window += 1
    finally:
        if hasattr(frames, "close"):
            frames.close()
        if stats is not None:
            stats.update(frames_read=read, max_frames_held=most)
