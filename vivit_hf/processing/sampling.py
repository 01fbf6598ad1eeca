# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Which frames of a video make a clip (paper §4.1, scenic/DMVR's samplers).

Three modes, all returning integer indices into the video's frames (presentation order):

- `"stride"`: `num_frames` frames `stride` apart. Training draws the clip start uniformly
  (scenic's random crop in time); test takes `num_clips` evenly spaced clips (one centred clip
  when `num_clips == 1`), the paper's multi-view test.
- `"uniform"`: `num_frames` spread over the whole video by scenic's rule
  `round(T / (n + 1) * (i + 1))`, rounding half to even (T=6, n=3 gives 2, 3, 4).
- `fps_indices`: `fps` frames per second over the whole video (transformers' `fps` sampling).

A video shorter than a clip's span follows `short_video`: `"loop"` wraps around (DMVR's
`floormod`), `"pad"` repeats the last frame, `"error"` refuses. The default, `None`, loops
but refuses a video of a single frame, which is almost always a broken file or a still image.
Random draws come from a `numpy.random.Generator` the caller seeds, so sampling is reproducible.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np

from .errors import BrokenVideoError
from .video_reader import counted_at_rate, video_duration

__all__ = [
    "SHORT_VIDEO_POLICIES",
    "TIME_EPSILON",
    "clip_span",
    "stride_clip",
    "random_clip",
    "evenly_spaced_clips",
    "uniform_indices",
    "fps_indices",
    "sample_clips",
]

SHORT_VIDEO_POLICIES = (None, "loop", "pad", "error")
SAMPLING_MODES = ("stride", "uniform")
# The advice in a short video's error, in the processor's words; the recipes say it as their flag, `--short_video`
# (`vivit_hf.training.flags.in_flag_words`).
SHORT_VIDEO_ADVICE = "pass short_video='loop' or 'pad'"
# Presentation times are compared this much late (the timeline's windows too, `timeline.py`): a time from the first
# frame is the difference of two doubles, and a wall-clock stamp (an IP camera's or a recorder's, 1.7e9 s from
# 1970) is a double to 2.4e-7 s, so a frame shown 1.42 s after the first read as shown at 1.4199998 s
TIME_EPSILON = 1e-6


def _check_counts(num_video_frames: int, num_frames: int, stride: int = 1) -> None:
    if num_video_frames < 1:
        raise ValueError(f"The video has {num_video_frames} frames; at least one is needed.")
    if num_frames < 1:
        raise ValueError(f"num_frames must be at least 1, got {num_frames}.")
    if stride < 1:
        raise ValueError(f"stride must be at least 1, got {stride}.")


def check_one_tubelet(model, num_frames) -> None:
    """Refuse clips shorter than one tubelet of one of the four models, before any video is read: `num_frames=1` on
    tubelets of 2 frames was said to run on the first position embeddings, decoded, then refused by the model
    ("shorter than one tubelet"), with or without interpolate_pos_encoding; so was transformers' own
    pipeline('video-classification') given `num_frames=1`, which passes it to the processor (the model found on the
    call stack). `model`: any model, a clip of the four models' alone is checked (the processing modules import no
    model class: one of the four has `attention_rollout`)."""
    if not (hasattr(model, "attention_rollout") and isinstance(num_frames, Integral)):
        return
    if getattr(model.config, "embedding_type", None) != "tubelet":  # (frame sampling: _check_clip_length, the model)
        return
    t = model.config.tubelet_size[0]
    if num_frames < t:
        raise ValueError(
            f"num_frames={num_frames} is fewer than the {t} frames of one of this model's tubelets "
            f"(config.tubelet_size[0]): give at least {t} (it takes {model.config.num_frames}: config.num_frames)."
        )


def check_short_video(short_video) -> None:
    if short_video not in SHORT_VIDEO_POLICIES:
        raise ValueError(f"short_video must be one of {SHORT_VIDEO_POLICIES}, got {short_video!r}.")


def refuse_single_frame(short_video, num_video_frames: int, name: str) -> None:
    """One frame is a broken file or a still image, not a video, unless `short_video` asks to loop or pad it (the
    video's fault, not the options': a BrokenVideoError, which skip_broken skips)."""
    if num_video_frames == 1 and short_video not in ("loop", "pad"):
        raise BrokenVideoError(f"{name} has a single frame; {SHORT_VIDEO_ADVICE} to turn one frame into a clip.")


def _check_policy(short_video, num_video_frames: int, needed: int, name: str, num_frames: int | None = None) -> None:
    """`num_frames`: the clip's frame count when it is taken at a stride (`needed` spans more frames than it keeps)."""
    check_short_video(short_video)
    if num_video_frames >= needed:
        return
    # the video's fault, not the options': BrokenVideoError, which skip_broken skips
    if short_video == "error":
        message = (
            f"{name} has {num_video_frames} frames but the clip needs {needed}; {SHORT_VIDEO_ADVICE} to accept "
            "short videos"
        )
        if num_frames is not None and num_frames < needed and num_video_frames >= num_frames:
            # the video holds enough frames for the clip at stride 1: real frames rather than repeated ones
            message += (
                f" (they feed repeated frames), or frame_stride=1 (the ViViT pipeline's frame_sampling_rate=1) "
                f"to take {num_frames} consecutive frames"
            )
        raise BrokenVideoError(message + ".")
    refuse_single_frame(short_video, num_video_frames, name)


def clip_span(num_frames: int, stride: int = 1) -> int:
    """Frames covered by one clip, first to last kept frame inclusive."""
    return (num_frames - 1) * stride + 1


def _fit(indices: np.ndarray, num_video_frames: int, short_video) -> np.ndarray:
    if short_video == "pad":
        return np.minimum(indices, num_video_frames - 1)
    return np.mod(indices, num_video_frames)


def stride_clip(
    num_video_frames: int, num_frames: int, stride: int = 1, start: int = 0, short_video=None, name: str = "video"
) -> np.ndarray:
    """`num_frames` indices from `start` at `stride`."""
    _check_counts(num_video_frames, num_frames, stride)
    _check_policy(short_video, num_video_frames, clip_span(num_frames, stride), name, num_frames)
    return _fit(start + np.arange(num_frames, dtype=np.int64) * stride, num_video_frames, short_video)


def random_clip(
    num_video_frames: int,
    num_frames: int,
    stride: int = 1,
    rng: np.random.Generator | None = None,
    short_video=None,
    name: str = "video",
) -> np.ndarray:
    """Training: a clip whose start is drawn uniformly from every start that keeps it inside the video."""
    rng = rng if rng is not None else np.random.default_rng()
    _check_counts(num_video_frames, num_frames, stride)
    max_start = max(0, num_video_frames - clip_span(num_frames, stride))
    start = int(rng.integers(0, max_start + 1))
    return stride_clip(num_video_frames, num_frames, stride, start, short_video, name)


def evenly_spaced_clips(
    num_video_frames: int, num_frames: int, stride: int = 1, num_clips: int = 1, short_video=None, name: str = "video"
) -> np.ndarray:
    """Test: `(num_clips, num_frames)` indices, scenic's test clips (DMVR, which scenic's video data sets use):
    `num_clips` starts spread evenly over `0 .. T - num_frames * stride` (`sample_linspace_sequence`), or one
    centred clip starting at `(T - num_frames * stride) // 2` (`sample_sequence` without randomness).

    DMVR leaves room for `num_frames * stride` frames, one stride more than the clip spans, so the last clip ends
    `stride - 1` frames before the end of the video: 100 frames, 4 at stride 2 -> starts 0, 30, 61, 92."""
    if num_clips < 1:
        raise ValueError(f"num_clips must be at least 1, got {num_clips}.")
    _check_counts(num_video_frames, num_frames, stride)
    max_start = max(0, num_video_frames - num_frames * stride)
    if num_clips == 1:
        starts = np.array([max_start // 2])
    else:
        starts = np.linspace(0, max_start, num_clips).astype(np.int64)  # truncation, as DMVR's int cast
    return np.stack([stride_clip(num_video_frames, num_frames, stride, int(s), short_video, name) for s in starts])


def uniform_indices(num_video_frames: int, num_frames: int, short_video=None, name: str = "video") -> np.ndarray:
    """scenic's uniform rule `round(T / (n + 1) * (i + 1))` with round-half-to-even, in exact integers."""
    _check_counts(num_video_frames, num_frames)
    _check_policy(short_video, num_video_frames, num_frames, name)
    numerators = num_video_frames * np.arange(1, num_frames + 1, dtype=np.int64)
    denominator = num_frames + 1
    quotient, remainder = np.divmod(numerators, denominator)
    twice = 2 * remainder
    round_up = (twice > denominator) | ((twice == denominator) & (quotient % 2 == 1))
    # round(T * n / (n + 1)) reaches T only when n >= 2T - 1, i.e. for short videos
    return np.minimum(quotient + round_up, num_video_frames - 1)


def fps_indices(
    num_video_frames: int,
    video_fps: float | None,
    fps: float,
    name: str = "video",
    times=None,
    last_seconds: float | None = None,
) -> np.ndarray:
    """`fps` frames per second of a video at `video_fps`, over the whole video: transformers' rule
    (`n = int(T / video_fps * fps)`, at least 1, frames `k * T // n`), so both pick the same frames.

    `times` (each frame's presentation time, `VideoReader.frame_times`) and `last_seconds` (how long the last one
    lasts, `VideoReader.last_frame_seconds`): frames not `counted_at_rate` (a variable-frame-rate file) give the
    frames playing at `k / n` of its `video_duration`, `n = int(duration * fps)` (at most `T`), as a player shows
    them; counted by index, fps=1 over a phone clip of 50 frames in its first 0.5 s and 50 more over 9.8 s took 6
    of its 10 frames from that first half second. Evenly spaced frames keep transformers' rule, which they agree
    with."""
    if not (isinstance(fps, (int, float, np.integer, np.floating)) and not isinstance(fps, bool) and 0 < fps < np.inf):
        raise ValueError(f"fps must be a positive number of frames per second, got {fps!r}.")
    if not video_fps or video_fps <= 0:
        raise ValueError(
            f"Asked for fps={fps} but {name} has no frame rate: pass `video_metadata` with its `fps` "
            "(or sample by `num_frames`)."
        )
    _check_counts(num_video_frames, 1)
    times = None if times is None else np.asarray(times, dtype=np.float64)
    by_time = (
        times is not None and times.shape == (num_video_frames,) and not counted_at_rate(times, video_fps, last_seconds)
    )
    count = max(1, int(num_video_frames / float(video_fps) * float(fps)))
    if count > num_video_frames:
        raise ValueError(
            f"fps={fps} asks for {count} frames of {name}, which has {num_video_frames} at {video_fps:g} frames per "
            "second; ask for at most its own rate."
        )
    if by_time:  # the frame on screen at each of the `count` equal steps (times compared a microsecond late)
        times = times - times[0]
        duration = video_duration(num_video_frames, video_fps, times, last_seconds)
        # at most one a frame, as by index: fps=50 on a GIF of nine 20 ms frames and a 200 ms one (read at 50 fps)
        # takes its 10 frames' worth, not 19 that repeat its last frame
        count = min(max(1, int((duration + TIME_EPSILON) * float(fps))), num_video_frames)
        steps = np.arange(count) * (duration / count) + TIME_EPSILON
        # (a nanosecond late, a wall-clock stamped file took the frame before the one shown at a step: frame 25 for 26)
        return np.searchsorted(times, steps, side="right").astype(np.int64) - 1
    return np.arange(count, dtype=np.int64) * num_video_frames // count


def sample_clips(
    num_video_frames: int,
    num_frames: int,
    *,
    mode: str = "stride",
    stride: int = 1,
    num_clips: int = 1,
    train: bool = False,
    rng: np.random.Generator | None = None,
    short_video=None,
    name: str = "video",
) -> np.ndarray:
    """Indices for `num_clips` clips of one video, shape `(num_clips, num_frames)`.

    `mode="stride"`: random clips when `train` (each drawn independently), else evenly spaced.
    `mode="uniform"`: the whole video spread over `num_frames`; with several clips, clip `c`
    is shifted by `c * T / (num_frames * num_clips)` frames so the clips interleave.
    """
    if mode not in SAMPLING_MODES:
        raise ValueError(f"sampling mode must be one of {SAMPLING_MODES}, got {mode!r}.")
    if num_clips < 1:
        raise ValueError(f"num_clips must be at least 1, got {num_clips}.")
    if mode == "uniform":
        base = uniform_indices(num_video_frames, num_frames, short_video, name)
        if num_clips == 1:
            return base[None]
        step = num_video_frames / (num_frames * num_clips)
        offsets = np.floor(np.arange(num_clips) * step).astype(np.int64)
        return np.minimum(base[None] + offsets[:, None], num_video_frames - 1)
    if train:
        return np.stack(
            [random_clip(num_video_frames, num_frames, stride, rng, short_video, name) for _ in range(num_clips)]
        )
    return evenly_spaced_clips(num_video_frames, num_frames, stride, num_clips, short_video, name)
