# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""What a container's timestamps say about when frames are shown: clocks that jump or start again (joined files:
`stamps_jump`, `joined_seconds`), FLV's folded 31-bit clock (`flv_unfolded`), GXF's last frame a field early
(`gxf_last_frame_placed`), stamps that go back
(`stamps_go_back`), and the frame rate a span of stamps gives against the rates the file states (`rate_of_span`,
`rate_of_drifting_stamps`, `rate_of_rounded_stamps`). `PyAVReader` builds its frame table and `fps` on these.

Apart from `video_pyav` because they are arithmetic on stamps (lists and arrays of ticks) and know no file, demuxer
or decoder: each is checked on stamps worked out by hand. Imports only numpy and the standard library, so it travels
with the video processor under `trust_remote_code`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

# Formats whose clock may jump (FFmpeg's AVFMT_TS_DISCONT: MPEG-TS, MPEG-PS): `cat a.ts b.ts` (HLS segments, camera
# clips, a broadcast across a clock reset) is a valid file whose second clock can run behind the first one's, or ahead
AVFMT_TS_DISCONT = 0x0200
# How far past where the packet before it ends (`_jump_limit`) a decode time in such a format is a jump of its clock,
# not a pause: the ffmpeg command line's `-dts_delta_threshold` (10 s), past which it joins the parts up (as it does
# where the clock goes back).
# A second clock more than 60 s behind the first reads ahead too: FFmpeg takes a stamp that far below the first for a
# 33-bit wrap, and adds 2^33 ticks (26.5 hours)
CLOCK_JUMP_SECONDS = 10.0


# FLV stores a timestamp in 31 bits (24, then 7 of an extension byte), and its muxers (FFmpeg's with
# avoid_negative_ts disabled, OBS's, RTMP recorders') mask a negative one so: -200 ms is written as 2^31 - 200. FFmpeg
# reads those as 2^31 - 200 and the stamps from 0 on as 2^32 + t (its wrap correction), so the file's first frames
# sit 2^31 ms (24.8 days) before the rest, and a B-frame whose decode time is negative and presentation time is not
# (2^31 + 40) came before frame 0 (2^32) when sorted: frames 5-8 of a file with B-frames read as 6, 8, 5, 7. The
# clock is unfolded where every stamp below 2^32 lies this near 2^31 (see `flv_unfolded`).
_FLV_FOLD, _FLV_WRAP, _FLV_NEAR = 1 << 31, 1 << 32, 1 << 24


# Containers that store how long each frame is shown and no frame rate (GIF delays in 1/100 s, APNG's fractions):
# every rate FFmpeg gives for them is its guess from those delays (a 30 fps clip's 3, 3, 4 / 100 s reads 30000/1001
# or 179/6), and the delays are the timing a player shows
DELAY_TIMED_FORMATS = frozenset({"gif", "apng"})


def flv_unfolded(stamps: np.ndarray) -> np.ndarray:
    """An FLV stream's stamps on one clock: those of negative times that its muxer masked to 31 bits (see
    `_FLV_FOLD`) back below 0, the others from 0; the same stamps where there are none such (a clock that truly passed
    2^32 ms, a 49-day recording, has its stamps below 2^32 near 2^32, not near 2^31)."""
    wrapped = stamps >= _FLV_WRAP
    folded = stamps[~wrapped]
    if not wrapped.any() or not folded.size or np.abs(folded - _FLV_FOLD).max() > _FLV_NEAR:
        return stamps
    return np.where(wrapped, stamps - _FLV_WRAP, stamps - _FLV_FOLD)


def gxf_last_frame_placed(stamps: np.ndarray) -> np.ndarray:
    """A GXF stream's stamps with its last frame a frame after the one before. GXF numbers its packets by field, and
    FFmpeg guesses each frame's pts a frame after its packet's field number but the last one's a field after: every
    frame two ticks apart, the last one (a field) early, so 30 frames of 25 fps read the last at 1.18 s for 1.20 and
    lasting 1.16 s for the header's 1.2. The same stamps where the steps are otherwise."""
    if stamps.size < 3:
        return stamps
    order = np.sort(stamps)
    steps = np.diff(order)
    frame = steps[0]
    if not (np.all(steps[:-1] == frame) and frame == 2 * steps[-1]):
        return stamps
    return np.where(stamps == order[-1], order[-2] + frame, stamps)


def stamps_go_back(stamps: list) -> bool:
    """Whether a stamp (of those known) is below the one before it."""
    return any(a is not None and b is not None and b < a for a, b in zip(stamps, stamps[1:]))


def _decode_steps(names: list) -> np.ndarray:
    """Ticks from each known decode stamp of `names` to the next one, where both are known."""
    if None not in names:  # (most files: numpy's pass, 6 times quicker than Python's over 180 000 packets)
        return np.diff(np.asarray(names, dtype=np.int64))
    return np.asarray([b - a for a, b in zip(names, names[1:]) if a is not None and b is not None], dtype=np.int64)


def _jump_limit(steps: np.ndarray, tick, ahead: float) -> float:
    """Ticks (of `tick` seconds) from one decode stamp to the next (`steps` apart) past which the clock jumps: `ahead`
    seconds more than the stream's usual step, as ffmpeg measures its `-dts_delta_threshold` from where the last
    packet's frame ends. From the packet before, a time-lapse of a frame every 12 s read as 12 joined parts, its
    frames' times lost."""
    if not tick or math.isinf(ahead):
        return math.inf
    rising = steps[steps > 0]
    return (float(np.median(rising)) if rising.size else 0.0) + ahead / float(tick)


def stamps_jump(names: list, tick, ahead: float = CLOCK_JUMP_SECONDS) -> bool:
    """Whether the decode stamps `names` (ticks of `tick` seconds, those known) of a format whose clock may jump go back
    or ahead by more than `ahead` seconds (`_jump_limit`; see `joined_seconds`)."""
    steps = _decode_steps(names)
    return bool(((steps < 0) | (steps > _jump_limit(steps, tick, ahead))).any())


def joined_seconds(names: list, tick, ahead: float = CLOCK_JUMP_SECONDS) -> float | None:
    """Seconds a joined file plays (`cat a.ts b.ts`, whose clock goes back where b starts, or jumps ahead by more than
    `ahead` seconds, `_jump_limit`: see `PyAVReader._frame_table`) whose packets' decode stamps are `names`, in ticks
    of `tick` seconds: its parts one after the other, each from its first packet's decode stamp to its last one's and
    one frame more. The parts' stamps sorted together timed them as one: a 25 fps part of 0.72 s joined by a 50 fps one
    of 0.3 s read as 33 frames at 50 fps, 0.66 s (H.264 in MPEG-TS; `fps=5` sampling took 3 frames for 5), a 25 fps
    part of 0.96 s and a 50 fps one of 0.24 s as 1.44 s at 25 fps (MPEG-2).
    None for a file in one part, or whose stamps a part cannot be timed by."""
    if not names or None in names or not tick:
        return None
    stamps = np.asarray(names, dtype=np.int64)
    gaps = np.diff(stamps)
    parts = np.split(stamps, np.flatnonzero((gaps < 0) | (gaps > _jump_limit(gaps, tick, ahead))) + 1)
    steps = [float(np.median(np.diff(part))) if part.size > 1 else None for part in parts]
    known = [step for step in steps if step is not None]
    if not known or min(known) <= 0:
        return None
    usual = float(np.median(known))  # a one-packet part's frame lasts as long as the other parts' do
    ticks = sum(float(part[-1] - part[0]) + (usual if step is None else step) for part, step in zip(parts, steps))
    return ticks * float(tick)


def rate_of_span(intervals: int, span: float, tick: float, stated: Sequence) -> float:
    """Frames a second of a stream whose `intervals + 1` frames span `span` seconds, in timestamps of `tick` seconds.

    The first rate the file states (`stated`, in order of preference) that the span agrees with to within a tick: a
    timestamp is rounded to its time base, so Matroska / WebM / FLV's milliseconds put 29 frames of 30000/1001 fps
    over 0.968 s, which read 29.9587 fps measured. Else the span's own rate: a file whose frames are not where its
    stated rate puts them (a variable frame rate, a wrong header) is timed by its frames."""
    for rate in stated:
        if rate and rate > 0 and abs(intervals / float(rate) - span) <= tick * (1 + 1e-9):
            return float(rate)
    return intervals / span


def rate_of_drifting_stamps(ticks: np.ndarray, stated: Sequence, tick: float) -> float | None:
    """The first rate the file states that puts every frame within a hundredth of a frame of its stamp; None where
    none does. FFmpeg's program stream muxer (.mpg, DVD .vob) stamps 24000/1001 fps frames 3753 ticks of 90 kHz apart
    (3753.75), catching up 9 ticks at a time: 48 frames up to 13 ticks (0.15 ms) early, their span 25 ticks short,
    read 23.9774 fps. A dropped or held frame is a whole frame off, a wrong rate drifts further with every frame."""
    ticks = np.sort(ticks) - ticks.min()
    for rate in stated:
        if rate and rate > 0:
            frame = 1 / (float(rate) * tick)
            if np.all(np.abs(ticks - np.arange(ticks.size) * frame) <= frame / 100):
                return float(rate)
    return None


def rate_of_rounded_stamps(ticks: np.ndarray, stated: Sequence, tick: float) -> float | None:
    """The first rate the file states whose frame times, rounded to the stamps' own step, are the frames' stamps; None
    where there is none, or the stamps are as fine as their time base.

    A writer that stamps frames in milliseconds (PyAV's `frame.pts` in a `time_base` of 1/1000, a screen recorder, a
    capture tool) into MP4 / MOV has them rescaled to the track's timescale (16000 for 1/1000, 19200 for 1/600): the
    stamps are multiples of 16 or 32 ticks, and a span rounded to a millisecond is no tick of 1/16000 s from the rate
    written (30 frames of 30000/1001 fps read 29.98 fps, where the same stamps in Matroska read 29.97). The step must
    be well under a frame, and every frame (not the span alone) within half a step of where the rate puts it, so a
    dropped or held frame is no rounding, nor is FFmpeg's guess from a few frames (353/12 fps for three frames
    stamped 0, 33 and 67 ms, each within a step of it)."""
    if not np.issubdtype(ticks.dtype, np.integer):
        return None
    ticks = np.sort(ticks) - ticks.min()
    steps = np.diff(ticks)
    if np.unique(steps).size < 2 or steps.min() <= 0:
        return None
    quantum = int(np.gcd.reduce(steps))
    if quantum <= 1 or 4 * quantum > steps.min():
        return None
    for rate in stated:
        if rate and rate > 0:
            grid = np.arange(ticks.size) / (float(rate) * tick)
            if np.all(np.abs(ticks - grid) <= quantum / 2 + 1e-6):  # each the rate's time rounded to the step
                return float(rate)
    return None
