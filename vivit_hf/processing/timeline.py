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

from .sampling import TIME_EPSILON  # (a pts of 2.0 s stored in ticks may come back as 1.9999999999)
from .video_io import VideoReader, counted_at_rate, video_duration

__all__ = ["Window", "check_span", "span_in_frames", "requested_frames", "plan_windows", "iter_window_clips"]


@dataclass(frozen=True)
class Window:
    """One window: frames `[start_frame, end_frame)`, times `[start, end)` in seconds, and the frames it samples.

    `shortened`: the video is shorter than the window asked for, so this window is the whole video. `shifted`: the
    window does not start on the hop's grid but ends at the video's end (the extra last window, so that every frame
    lies in one)."""

    index: int
    start_frame: int
    end_frame: int
    start: float
    end: float
    frames: tuple[int, ...]
    shortened: bool = False
    shifted: bool = False


_SPAN = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*(s|sec|secs|seconds?|f|frames?)?\s*$")


def _parse_span(value, name: str) -> tuple[float, str]:
    """A `window` / `hop` as `(number, unit)`, unit `"s"` (a number, `"2s"`) or `"f"` (`"64f"`, `"64 frames"`)."""
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
    if unit == "f" and number != int(number):
        raise ValueError(f"{name} in frames must be a whole number, got {value!r}.")
    return number, unit


def span_in_frames_given(value) -> bool:
    """Whether a valid `window` / `hop` is given in frames (`"64f"`): the same span in every video, where seconds
    are frames at each video's own rate."""
    return _parse_span(value, "window")[1] == "f"


def check_span(value, name: str = "window"):
    """`value` itself when it is a valid `window` / `hop` (positive seconds, or whole frames), else the ValueError
    naming `name`: a command line checks it before any video is read."""
    _parse_span(value, name)
    return value


def _need_rate(value, fps: float | None, name: str) -> float:
    if not fps or fps <= 0:
        raise ValueError(f"{name}={value!r} is in seconds, but the video has no frame rate; give it in frames ('64f').")
    return float(fps)


def span_in_frames(value, fps: float | None, name: str = "window") -> int:
    """A `window` / `hop` in frames: a number is seconds (`2`, `2.5`, `"2s"`), a string ending in `f` or `frames` is
    frames (`"64f"`, `"64 frames"`). Seconds need the video's frame rate; the result is at least one frame."""
    number, unit = _parse_span(value, name)
    if unit == "f":
        return int(number)
    return max(1, int(round(number * _need_rate(value, fps, name))))


def requested_frames(fps: float | None, window, hop=None) -> tuple[int, int]:
    """The window and hop asked for, in frames (`hop` defaults to the window), whatever the video's length: what a
    timeline reports, while each window says whether it was shortened or shifted to fit the video."""
    size = span_in_frames(window, fps, "window")
    return size, span_in_frames(hop, fps, "hop") if hop is not None else size


def _hop_in_frames(hop, window, fps: float | None) -> float:
    """The hop in frames, unrounded: a hop in frames (`"32f"`) is whole; one in seconds is `hop * fps` (12.5 for
    0.5 s at 25 fps), at least one frame. No hop is the window, unrounded as a hop would be: the window's rounded
    frames (12 for 0.5 s at 25 fps) as the step put window 1200 of a 10-minute video at 576 s, not 600 s."""
    if hop is None:
        hop, name = window, "window"
    else:
        name = "hop"
    number, unit = _parse_span(hop, name)
    return number if unit == "f" else max(1.0, number * _need_rate(hop, fps, name))


def _grid_starts(last_start: int, step: float) -> list[int]:
    """Frames `0 .. last_start` on the hop's grid: window `k` starts at the frame nearest `k * step` frames (a tie
    goes to the earlier frame, the one on screen at that second). Rounding each start, not the hop once, keeps a
    hop in seconds on its grid: 0.5 s at 25 fps rounded once to 12 frames (0.48 s) put window 1200 at 576 s, not
    600 s. A whole `step` (a hop in frames) is exact."""
    ks = np.arange(int((last_start + 1) / step) + 2)
    # the epsilon keeps a tie a tie when k * step is a hair off it in floating point
    starts = np.ceil(ks * step - 0.5 - 1e-9).astype(np.int64)
    return starts[starts <= last_start].tolist()


def _frame_windows(count: int, size: int, step: float, num_frames: int, time_of) -> list[Window]:
    """Windows of `size` frames every `step` frames (`_grid_starts`) over `count` frames, one more ending at the
    last frame when the grid stops short of it; `time_of(frame)` gives a frame boundary's time in seconds."""
    shortened = size > count
    size = min(size, count)
    starts = _grid_starts(count - size, step)
    shifted = starts[-1] + size < count
    if shifted:
        starts.append(count - size)
    parts = (2 * np.arange(num_frames, dtype=np.int64) + 1) * size // (2 * num_frames)
    return [
        Window(
            index=position,
            start_frame=start,
            end_frame=start + size,
            start=time_of(start),
            end=time_of(start + size),
            frames=tuple((start + parts).tolist()),
            shortened=shortened,
            shifted=shifted and position == len(starts) - 1,
        )
        for position, start in enumerate(starts)
    ]


def plan_windows(
    num_video_frames: int,
    fps: float | None,
    window,
    hop=None,
    num_frames: int = 32,
    times=None,
    last_seconds: float | None = None,
) -> list[Window]:
    """Windows of `window` every `hop` (default: `window`) from the first frame; when the last one ends before the
    video does, one more ends at the last frame. A video shorter than a window is one window. A window in frames
    (`"16f"`) with no hop tiles the video, each frame in one window (the last one, shifted to end at the last frame,
    may overlap the one before). A window in seconds is a whole number of frames (`window * fps`, rounded half to
    even) while the starts keep the unrounded grid (`_grid_starts`), so where `window * fps` is not whole, windows
    and grid disagree by under a frame: rounded up (0.42 s at 30 fps: 13 frames on a 12.6-frame grid) a window
    overlaps the next by a frame now and then (frames 0-12, 13-25, 25-37: frame 25 is in two); rounded down (0.5 s
    at 25 fps: 12 frames on a 12.5-frame grid) one frame in 25 lies in no window (frames 0-11, 12-23, 25-36:
    frame 24 is in none). A hop longer than the window leaves the frames between windows out. Each window samples
    `num_frames` frames: the centres of `num_frames` equal parts (a window of fewer frames repeats some). Times are
    frame indices over `fps` (0 when it is unknown).

    `times`: each frame's presentation time in seconds (`PyAVReader.frame_times()`). Where frames are not evenly
    spaced (a variable-frame-rate file: phones, screen recordings), counting frames at the average rate puts
    windows and their labels seconds away from what plays then; there windows are cut by presentation time
    (`_plan_by_time`). Evenly spaced frames keep the frame-count rule above, which they agree with, unless
    `last_seconds` (`VideoReader.last_frame_seconds`: how long the container shows the last frame) says the last
    one lasts otherwise: a GIF of nine 20 ms frames and a 200 ms one plays 0.38 s, not ten frames at 50 fps."""
    if num_video_frames < 1:
        raise ValueError(f"The video has {num_video_frames} frames; at least one is needed.")
    if num_frames < 1:
        raise ValueError(f"num_frames must be at least 1, got {num_frames}.")
    if times is not None:
        times = np.asarray(times, dtype=np.float64)
        if times.shape != (num_video_frames,):
            raise ValueError(f"times must give one time per frame ({num_video_frames}), got shape {times.shape}.")
        times = times - times[0]  # seconds from the first frame shown, as frame 0 is second 0 below
        if not counted_at_rate(times, fps, last_seconds):
            end = video_duration(num_video_frames, fps, times, last_seconds)
            return _plan_by_time(times, fps, window, hop, num_frames, end)
    size = span_in_frames(window, fps, "window")
    step = _hop_in_frames(hop, window, fps)
    rate = float(fps) if fps and fps > 0 else None
    # to the nanosecond, as `_plan_by_time`: a rate measured from timestamps (24.999999999999996) put 4.000000000000001
    return _frame_windows(
        num_video_frames, size, step, num_frames, lambda frame: round(frame / rate, 9) if rate else 0.0
    )


def _plan_by_time(times: np.ndarray, fps: float | None, window, hop, num_frames: int, end: float) -> list[Window]:
    """`plan_windows` by presentation time. Frame `i` is on screen from `times[i]` until the next frame (the last
    one until `end`, `video_duration`'s), so the video lasts until the last frame ends. A window in seconds covers
    `[start, start + window)` and holds every frame on screen during it; its `num_frames` frames are the frames
    playing at the centres of `num_frames` equal parts of it. A window in frames (`"64f"`) counts frames as
    `plan_windows` does, labelled with its frames' times. A `hop` in the other unit goes through the average
    rate."""
    count = times.size
    edges = np.append(times, end)  # frame i plays over [edges[i], edges[i + 1])
    duration = float(edges[-1])
    length, unit = _parse_span(window, "window")
    if unit == "f":
        size = int(length)
        step = _hop_in_frames(hop, window, fps)
        # to the nanosecond, as below
        return _frame_windows(count, size, step, num_frames, lambda frame: round(float(edges[frame]), 9))
    shortened = length > duration + TIME_EPSILON
    length = min(length, duration)
    step = length if hop is None else _hop_seconds(hop, fps)
    starts = [k * step for k in range(int((duration - length) / step + TIME_EPSILON) + 1)]
    shifted = starts[-1] + length < duration - TIME_EPSILON
    if shifted:
        starts.append(duration - length)
    centres = (2 * np.arange(num_frames) + 1) / (2 * num_frames)
    windows = []
    for position, start in enumerate(starts):
        end = start + length
        # the frame playing at start
        first = max(0, int(np.searchsorted(times, start + TIME_EPSILON, side="right")) - 1)
        stop = max(first + 1, int(np.searchsorted(times, end - TIME_EPSILON, side="left")))  # frames shown before end
        playing = np.searchsorted(times, start + centres * length + TIME_EPSILON, side="right") - 1
        frames = np.clip(playing, first, stop - 1)
        last = position == len(starts) - 1
        # rounded to the nanosecond, below any time base: 10.3 + 0.2 reads 10.5, not 10.500000000000002
        times_s = round(start, 9), round(end, 9)
        windows.append(Window(position, first, stop, *times_s, tuple(frames.tolist()), shortened, shifted and last))
    return windows


def _hop_seconds(hop, fps: float | None) -> float:
    number, unit = _parse_span(hop, "hop")
    return number / _need_rate(hop, fps, "hop") if unit == "f" else number


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
