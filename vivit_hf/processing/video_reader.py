# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""What every video reader shares: `VideoReader` (the interface `PyAVReader` and `TorchcodecReader` implement, and
its index checks), `VideoInfo`, and the output size and resizing rules both readers follow. `VideoDecodeError` lives
in `errors` beside `BrokenVideoError`, and is still importable from here.

Callers import these from `video_io` (see its docstring for how decoding works). This module imports only numpy and
its sibling `errors` (torch lazily, to resize), so it travels with the video processor under `trust_remote_code`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

# Defined beside BrokenVideoError in `errors` (one home for a sample's errors); still importable from here
from .errors import VideoDecodeError  # noqa: F401


@dataclass(frozen=True)
class VideoInfo:
    """What a reader knows about a video. `height` and `width` are as displayed (after rotation).

    The display orientation, from the file's display matrix: the stored picture is turned `rotation` degrees
    counter-clockwise, then mirrored left to right where `hflip` (a mirrored matrix, as EXIF orientations 2, 4, 5
    and 7 are; FFmpeg writes one with `-display_rotation R -display_hflip`, PyAV with `set_display_rotation(R,
    hflip=True)`). Frames are read so turned and mirrored, as FFmpeg's autorotate shows them."""

    num_frames: int
    fps: float
    height: int
    width: int
    duration: float
    rotation: int = 0
    backend: str = "pyav"
    hflip: bool = False


INTERPOLATIONS = {"bilinear": "BILINEAR", "bicubic": "BICUBIC", "nearest": "POINT"}  # -> libswscale's names


def output_size(height: int, width: int, size) -> tuple[int, int]:
    """(H, W) a frame of `height` x `width` is resized to: `size` None (unchanged), an int (the
    shorter side to `size`, the longer scaled and truncated, as transformers and torchvision) or
    `(height, width)`."""
    if size is None:
        return height, width
    if isinstance(size, (int, np.integer)) and not isinstance(size, bool):
        if size < 1:
            raise ValueError(f"size must be a positive shorter side, got {size}.")
        short, long = (height, width) if height <= width else (width, height)
        new_short, new_long = int(size), int(size * long / short)
        return (new_short, new_long) if height <= width else (new_long, new_short)
    if (
        isinstance(size, (tuple, list))
        and len(size) == 2
        and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 1 for v in size)
    ):
        return int(size[0]), int(size[1])
    raise ValueError(f"size must be None, a positive int (shorter side) or (height, width), got {size!r}.")


def check_interpolation(interpolation: str) -> str:
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"Unknown interpolation {interpolation!r}; expected one of {sorted(INTERPOLATIONS)}.")
    return interpolation


def evenly_spaced(times: np.ndarray, fps: float | None) -> bool:
    """Whether every frame is shown within half a frame of `index / fps` (`times`: seconds from the first frame):
    then frame `i` is the one playing at `i / fps`, and counting frames at `fps` times the video as its presentation
    times do (the timeline's windows, a reader's duration)."""
    if times.size < 2 or not fps or fps <= 0:
        return True
    return bool(np.abs(times - np.arange(times.size) / fps).max() < 0.5 / fps)


def counted_at_rate(times: np.ndarray | None, fps: float | None, last_seconds: float | None = None) -> bool:
    """Whether frames counted at `fps` time the video as its frames' own durations do: no presentation times, or
    frames `evenly_spaced` and the last one shown for a frame's length (to within half a frame) where the container
    states how long it lasts. A GIF of nine 20 ms frames and one of 200 ms is evenly spaced, and lasts 0.38 s, not
    the 0.2 s of ten frames at 50 fps."""
    if times is None or times.size < 2 or not evenly_spaced(times - times[0], fps):
        return times is None or times.size < 2
    # (half a frame inclusive: an interlaced stream may time its last packet as one field)
    return not (last_seconds and last_seconds > 0 and fps) or abs(last_seconds - 1 / fps) <= 0.5 / fps + 1e-9


def video_duration(num_frames: int, fps: float, times=None, last_seconds: float | None = None) -> float:
    """Seconds from the first frame shown until the last one ends: each frame lasts until the next one starts and
    the last one as long as its container says (`VideoReader.last_frame_seconds`: a GIF's or APNG's delay, an mp4's
    last sample), else as long as the one before it. Frames `counted_at_rate` last `num_frames / fps`: 30 frames at
    30000/1001 fps last 1.001 s, where their millisecond times end at 1.002 s. The one rule the reader's duration,
    the timeline's windows (`timeline._plan_by_time`) and a training segment's bounds are measured by: GIF delays
    [100, 20, 20, 20, 300, 20] ms last 0.48 s, not the 0.76 s of a last frame as long as the 300 ms before it."""
    times = None if times is None else np.asarray(times, dtype=np.float64)
    if counted_at_rate(times, fps, last_seconds):
        return num_frames / fps if fps else 0.0
    last = last_seconds if last_seconds and last_seconds > 0 else times[-1] - times[-2]
    return float(times[-1] - times[0] + last)


def orient(frames: np.ndarray, rotation: int, hflip: bool) -> np.ndarray:
    """`(N, H, W, 3)` frames as stored, turned `rotation` degrees counter-clockwise then mirrored where `hflip` (an
    angle that is no multiple of 90 degrees is not turned: FFmpeg's autorotate would fill the corners)."""
    if rotation % 90 == 0 and rotation:
        frames = np.rot90(frames, k=rotation // 90, axes=(1, 2))
    if hflip:
        frames = frames[:, :, ::-1]
    return np.ascontiguousarray(frames)


class VideoReader:
    """An open video; `read(indices)` returns those frames as `(N, H, W, 3)` uint8 RGB.

    `frames_decoded` counts every frame the decoder produced, wanted or not (the benchmark
    compares it with the minimum a clip needs).
    """

    backend = "base"
    # Whether `fps` is a guess, the file stating none to trust (a raw H.264 stream whose timing may be a clock): a rate
    # given in `video_metadata` then corrects no rate of the file's, and is taken with no warning
    fps_guessed = False

    def __init__(self, name: str):
        self.name = name
        self.frames_decoded = 0

    @property
    def num_frames(self) -> int:
        raise NotImplementedError

    @property
    def info(self) -> VideoInfo:
        raise NotImplementedError

    def read(self, indices: Sequence[int], size=None, interpolation: str = "bilinear") -> np.ndarray:
        """Frames at `indices` (presentation order, repeats allowed) as `(N, H, W, 3)` uint8 RGB.

        `size`: None (as decoded), an int (shorter side to this, longer side scaled and truncated,
        transformers' rule) or `(height, width)`; sizes are as displayed. `interpolation`:
        `"bilinear"`, `"bicubic"` or `"nearest"`.
        """
        raise NotImplementedError

    @property
    def fps(self) -> float:
        """The average frame rate in frames per second (0.0 when the file gives none); decodes nothing."""
        return float(self.info.fps)

    def frame_times(self) -> np.ndarray | None:
        """Each frame's presentation time in seconds, in presentation order; None when the reader does not know
        them (a caller then counts frames at the average `fps`)."""
        return None

    def first_frame_seconds(self) -> float | None:
        """When a player shows the first frame, on its clock: seconds from the container's start (the earliest of its
        streams, not before 0; an mp4 / MOV's from 0, its movie's clock), e.g. 0.5 for an mp4 whose video starts
        0.5 s after its audio, or whose only track an empty edit delays 0.5 s; None where the reader does not know
        (callers then count from the first frame, as from 0)."""
        return None

    def last_frame_seconds(self) -> float | None:
        """How long the last frame in presentation order is shown, as the container states it (a GIF's or APNG's
        delay, the last packet's duration); None where it does not say, or the reader does not know
        (`video_duration` then takes the frame before it's length)."""
        return None

    def iter_read(
        self, indices: Sequence[int], size=None, interpolation: str = "bilinear", chunk: int = 64
    ) -> Iterator[tuple[int, np.ndarray]]:
        """The frames at `indices` one at a time, `(index, (H, W, 3) uint8)` in increasing index order (each
        index once), holding only a few decoded frames in memory: how a long video is read in one pass.

        This base version reads `chunk` frames at a time with `read`; `PyAVReader` decodes the file once from
        the first wanted frame to the last (seeking over gaps as `read` does), converting each wanted frame as
        it comes."""
        wanted = np.unique(self._check_indices(indices))
        for begin in range(0, wanted.size, chunk):
            part = wanted[begin : begin + chunk]
            frames = self.read(part, size=size, interpolation=interpolation)
            yield from zip(part.tolist(), frames)

    def close(self) -> None:
        pass

    def __enter__(self) -> VideoReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _check_indices(self, indices: Sequence[int]) -> np.ndarray:
        given = np.asarray(indices).reshape(-1)
        if given.size == 0:
            raise ValueError(f"No frame indices asked of video {self.name}.")
        # A cast to integers truncates: np.linspace(0, 39, 8) read frames 0, 5, 11, ... for 5.57, 11.14, and True read
        # frame 1, silently. Whole numbers only (2.0 is frame 2)
        whole = given.dtype.kind in "iu" or (
            given.dtype.kind == "f" and bool(np.all(np.isfinite(given) & (given == np.round(given))))
        )
        if not whole:
            raise ValueError(
                f"Frame indices must be whole numbers; got {given[:8].tolist()} for video {self.name} (round them, "
                "e.g. np.round(indices).astype(int), to pick the nearest frames)."
            )
        idx = given.astype(np.int64)
        n = self.num_frames
        bad = idx[(idx < 0) | (idx >= n)]
        if bad.size:
            raise ValueError(
                f"Frame indices {bad[:8].tolist()} are out of range for video {self.name} with {n} frames."
            )
        return idx


def resize_frames(frames: np.ndarray, size=None, interpolation: str = "bilinear") -> np.ndarray:
    """`(N, H, W, 3)` uint8 frames resized to `size` (see `output_size`) with torch's antialiased
    filters, for decoders that cannot resize while converting (torchcodec)."""
    # checked before the early return: a misspelt mode fails on every clip, not only on those of another size
    mode = check_interpolation(interpolation)
    height, width = output_size(frames.shape[1], frames.shape[2], size)
    if (height, width) == frames.shape[1:3]:
        return frames
    import torch

    tensor = torch.from_numpy(frames).permute(0, 3, 1, 2)  # channels-last memory: torch's fast uint8 kernels
    kwargs = {} if mode == "nearest" else {"antialias": True, "align_corners": False}
    resized = torch.nn.functional.interpolate(tensor, size=(height, width), mode=mode, **kwargs)
    return np.ascontiguousarray(resized.permute(0, 2, 3, 1).numpy())
