# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The timeline's windows of a variable-frame-rate video (`plan_windows` by presentation time) against windows worked
out here in exact fractions from the rule its docstring states: a hop in seconds or in frames, a window in frames,
the last window shifted to end with the video, a window longer than the video, and the checks' messages. These kill
the mutants of `vivit_hf.processing.timeline` that survived the older tests (docs/testing.md, "mutmut"); pure
Python, no video is written."""

import math
from fractions import Fraction as F

import numpy as np
import pytest

from vivit_hf.processing.timeline import (
    check_span,
    iter_window_clips,
    plan_windows,
    requested_frames,
    span_in_frames_given,
)
from vivit_hf.processing.video_reader import VideoReader

# a phone clip: 10 frames 10 ms apart, then 10 frames 200 ms apart; the last frame lasts 200 ms as the one before
PHONE = [F(i, 100) for i in range(10)] + [F(1, 10) + F(i, 5) for i in range(1, 11)]
PHONE_END = PHONE[-1] + F(1, 5)  # 2.3 s
RATE = len(PHONE) / float(PHONE_END)  # the average rate a reader reports, 8.70 fps


def playing(times, second):
    return max(i for i, t in enumerate(times) if t <= second)


def reference(times, end, window, hop, num_frames):
    """(start_frame, end_frame, start, end, frames, shortened, shifted) of each window, in exact arithmetic: windows
    every `hop` seconds from the first frame while they end by `end`, one more ending at `end` when the grid stops
    short of it; each holds the frames on screen during it and samples those playing at the centres of `num_frames`
    equal parts."""
    shortened = window > end
    length = min(window, end)
    hop = length if hop is None else hop
    starts = []
    while len(starts) * hop + length <= end:
        starts.append(len(starts) * hop)
    shifted = starts[-1] + length < end
    if shifted:
        starts.append(end - length)
    windows = []
    for position, start in enumerate(starts):
        stop = start + length
        first = playing(times, start)
        last = max(i for i, t in enumerate(times) if t < stop)
        frames = tuple(playing(times, start + (2 * j + 1) * length / (2 * num_frames)) for j in range(num_frames))
        last_one = position == len(starts) - 1
        windows.append((first, last + 1, float(start), float(stop), frames, shortened, shifted and last_one))
    return windows


def planned(times, window, hop=None, num_frames=4, rate=RATE, last_seconds=None):
    windows = plan_windows(len(times), rate, window, hop, num_frames, [float(t) for t in times], last_seconds)
    assert [w.index for w in windows] == list(range(len(windows)))
    return [(w.start_frame, w.end_frame, w.start, w.end, w.frames, w.shortened, w.shifted) for w in windows]


@pytest.mark.parametrize(
    "window, hop, hop_seconds",
    [(0.5, 0.25, F(1, 4)), (0.5, "2f", 2 / F(len(PHONE)) * PHONE_END), (1.0, 0.3, F(3, 10))],
    ids=["hop in seconds", "hop in frames at the average rate", "hop past the grid's end"],
)
def test_a_hop_over_a_variable_rate_video_steps_in_seconds(window, hop, hop_seconds):
    """A hop on a variable-frame-rate file steps in seconds; one in frames is frames at the average rate (2 frames
    of 20 in 2.3 s: 0.23 s). The windows hold the frames on screen then, whatever their spacing."""
    expected = reference(PHONE, PHONE_END, F(str(window)), hop_seconds, 4)
    assert planned(PHONE, window, hop) == expected
    assert len(expected) > 4 and expected[-1][-1] is True  # the last one is shifted to end with the video


@pytest.mark.parametrize("window", [1.15, 0.46], ids=["2 windows", "5 windows"])
def test_windows_that_tile_a_variable_rate_video_exactly_add_no_shifted_window(window):
    """1.15 s and 0.46 s divide the 2.3 s video: no window is shifted, none is added at the end (where 2.1 + 0.2 is
    2.3000000000000003 in floating point)."""
    expected = reference(PHONE, PHONE_END, F(str(window)), None, 4)
    assert planned(PHONE, window) == expected
    assert not any(w[-1] for w in expected) and expected[-1][3] == 2.3


def test_a_window_as_long_as_a_variable_rate_video_is_not_shortened_and_a_longer_one_is():
    assert planned(PHONE, 2.3) == reference(PHONE, PHONE_END, F(23, 10), None, 4)
    assert planned(PHONE, 2.3)[0][5] is False
    longer = planned(PHONE, 3)
    assert longer == reference(PHONE, PHONE_END, F(3), None, 4) and longer[0][5] is True and len(longer) == 1


def test_the_grid_reaches_the_end_where_the_video_is_a_hair_short_in_floating_point():
    """7 frames over 0.8 s (0.7 + 0.1 is 0.7999999999999999): 0.2 s windows are four, none shifted."""
    times = [F(i, 100) for i in range(6)] + [F(7, 10)]
    expected = reference(times, F(8, 10), F(2, 10), None, 2)
    assert [w[2] for w in expected] == [0.0, 0.2, 0.4, 0.6] and not any(w[-1] for w in expected)
    assert planned(times, 0.2, num_frames=2, rate=7 / 0.8, last_seconds=0.1) == expected


def frame_windows(times, end, size, step, num_frames):
    """A window in frames on a variable-rate file: `size` frames every `step` frames (the nearest frame to `k *
    step`), one more ending at the last frame, labelled with their first frame's time and the next one's."""
    edges = [*times, end]
    starts = []
    while True:
        start = math.ceil(len(starts) * step - F(1, 2))  # ceil(k * step - 1/2): the nearest frame, a tie the earlier
        if start > len(times) - size:
            break
        starts.append(start)
    shifted = starts[-1] + size < len(times)
    if shifted:
        starts.append(len(times) - size)
    parts = [(2 * j + 1) * size // (2 * num_frames) for j in range(num_frames)]
    return [
        (s, s + size, round(float(edges[s]), 9), round(float(edges[s + size]), 9), tuple(s + p for p in parts))
        for s in starts
    ], shifted


@pytest.mark.parametrize("hop, step", [(None, F(6)), (0.23, F(2))], ids=["no hop", "0.23 s"])
def test_a_window_in_frames_on_a_variable_rate_video_counts_frames(hop, step):
    """`"6f"` counts frames on a variable-rate file too, labelled with its frames' times; no hop steps by the window,
    a hop in seconds by its frames at the average rate (0.23 s at 20 / 2.3 fps: 2 frames)."""
    expected, shifted = frame_windows(PHONE, PHONE_END, 6, step, 3)
    got = planned(PHONE, "6f", hop, num_frames=3)
    assert [w[:5] for w in got] == expected and got[-1][-1] is shifted
    assert len(got) > 2


def test_windows_of_a_variable_rate_video_are_timed_to_the_nanosecond():
    """Frames a third of a second apart: 0.333333333 s, not 0.3333333333333333 (or 0.3333333333), for a window in
    frames (its frames' times) and in seconds (the shifted last window starts and ends a third of a second on)."""
    times = [F(i, 3) for i in range(4)] + [F(2)]
    got = plan_windows(5, 2.0, "1f", num_frames=1, times=[float(t) for t in times], last_seconds=1 / 3)
    assert [(w.start, w.end) for w in got[:2]] == [(0.0, 0.333333333), (0.333333333, 0.666666667)]
    got = plan_windows(5, 2.0, 1.0, num_frames=1, times=[float(t) for t in times], last_seconds=1 / 3)
    assert [(w.start, w.end, w.shifted) for w in got] == [
        (0.0, 1.0, False),
        (1.0, 2.0, False),
        (1.333333333, 2.333333333, True),
    ]


def test_spans_are_refused_by_the_name_they_were_given():
    message = r"must be seconds \(2, 2\.5, '2s'\) or frames \('64f', '64 frames'\), got 'abc'\.$"
    with pytest.raises(ValueError, match=r"^window " + message):
        plan_windows(20, RATE, "abc", times=[float(t) for t in PHONE])  # by presentation time
    with pytest.raises(ValueError, match=r"^window " + message):
        check_span("abc")
    with pytest.raises(ValueError, match=r"^hop " + message):
        check_span("abc", "hop")
    with pytest.raises(ValueError, match=r"^hop " + message):
        plan_windows(20, RATE, 1.0, "abc", times=[float(t) for t in PHONE])
    with pytest.raises(ValueError, match=r"^hop " + message):
        plan_windows(100, 25, 1.0, "abc")  # counted at its rate
    with pytest.raises(ValueError, match=r"^window " + message):
        requested_frames(25, "abc")
    with pytest.raises(ValueError, match=r"^hop " + message):
        requested_frames(25, 1.0, "abc")
    with pytest.raises(ValueError, match=r"^window " + message):
        span_in_frames_given("abc")
    assert check_span("2s") == "2s" and span_in_frames_given("64f") and not span_in_frames_given(2)


def test_spans_in_seconds_without_a_frame_rate_are_refused_by_name():
    advice = r" is in seconds, but the video has no frame rate; give it in frames \('64f'\)\.$"
    with pytest.raises(ValueError, match=r"^hop=0\.5" + advice):
        plan_windows(100, None, "8f", 0.5)
    with pytest.raises(ValueError, match=r"^window=1\.0" + advice):
        requested_frames(None, 1.0)
    with pytest.raises(ValueError, match=r"^hop=0\.5" + advice):
        requested_frames(None, "8f", 0.5)


def starts(windows):
    return [(w.start_frame, w.shifted) for w in windows]


def test_a_hop_under_a_frame_steps_one_frame():
    """A hop in seconds is at least one frame: 10 ms at 25 fps (a quarter frame) and 40 ms step by one frame."""
    every_frame = [(0, False), (1, False), (2, False), (3, False), (4, False)]
    assert starts(plan_windows(6, 25, "2f", 0.01)) == every_frame == starts(plan_windows(6, 25, "2f", 0.04))


def test_the_grid_keeps_its_last_start_where_the_hop_is_under_a_frame_and_a_half():
    """48 ms at 25 fps is 1.2 frames: windows of 3 of 5 frames start at the frames nearest 0, 1.2 and 2.4, the last
    on the grid (not added as a shifted window ending the video)."""
    assert starts(plan_windows(5, 25, "3f", 0.048)) == [(0, False), (1, False), (2, False)]
    assert starts(plan_windows(6, 25, "3f", 0.044)) == [(0, False), (1, False), (2, False), (3, False)]  # 1.1


def test_a_window_as_long_as_the_video_in_frames_is_not_shortened_and_seconds_work_at_one_frame_a_second():
    """A video of 8 frames in windows of 8 is one window as asked; a time-lapse at 1 fps (or 0.5) takes seconds."""
    assert [(w.start_frame, w.end_frame, w.shortened) for w in plan_windows(8, 25, "8f")] == [(0, 8, False)]
    assert [(w.start_frame, w.end_frame, w.shortened) for w in plan_windows(8, 25, "9f")] == [(0, 8, True)]
    assert [(w.start, w.end) for w in plan_windows(6, 1.0, 2, num_frames=1)] == [(0, 2), (2, 4), (4, 6)]
    assert [(w.start, w.end) for w in plan_windows(3, 0.5, 2, num_frames=1)] == [(0, 2), (2, 4), (4, 6)]


class CountingReader(VideoReader):
    """A reader of `count` frames, each filled with its index, sized as asked; it records the interpolation asked
    and whether its one pass was closed."""

    def __init__(self, count):
        super().__init__("counting")
        self.count, self.asked, self.closed = count, set(), False

    @property
    def num_frames(self):
        return self.count

    def read(self, indices, size=None, interpolation="bilinear"):
        self.asked.add(interpolation)
        height, width = size or (4, 6)
        return np.stack([np.full((height, width, 3), i, dtype=np.uint8) for i in indices])

    def iter_read(self, indices, size=None, interpolation="bilinear", chunk=64):
        try:
            yield from super().iter_read(indices, size, interpolation, chunk=2)
        finally:
            self.closed = True


def test_window_clips_are_read_at_the_size_and_interpolation_asked_and_the_pass_is_closed():
    reader = CountingReader(12)
    windows = plan_windows(12, 4, 1.0, 0.5, num_frames=2)  # 4 frames every 2: frames 1, 3 / 3, 5 / ...
    clips = list(iter_window_clips(reader, windows, size=(2, 3), interpolation="nearest"))
    assert [w.index for w, _ in clips] == list(range(5)) and reader.asked == {"nearest"}
    for window, clip in clips:
        assert clip.shape == (2, 2, 3, 3) and clip[:, 0, 0, 0].tolist() == list(window.frames)
    assert reader.closed
    reader = CountingReader(12)
    clips = iter_window_clips(reader, windows)
    next(clips)
    clips.close()  # a caller that stops early (an error in the model) ends the reader's pass with it
    assert reader.closed


def test_windows_of_a_variable_rate_video_count_from_its_first_frame_shown():
    """An mp4 whose video starts 1.5 s after its audio: its frames' times start at 1.5 s, and its windows are those of
    the same frames from 0 (windows are planned from the first frame; the pipeline labels them on the player's
    clock)."""
    later = [t + F(3, 2) for t in PHONE]
    assert planned(later, 0.5, 0.25) == planned(PHONE, 0.5, 0.25) == reference(PHONE, PHONE_END, F(1, 2), F(1, 4), 4)


def test_plan_windows_checks_name_what_is_wrong_and_sample_32_frames_by_default():
    with pytest.raises(ValueError, match=r"^The video has 0 frames; at least one is needed\.$"):
        plan_windows(0, 25, 1.0)
    with pytest.raises(ValueError, match=r"^num_frames must be at least 1, got 0\.$"):
        plan_windows(100, 25, 1.0, num_frames=0)
    with pytest.raises(ValueError, match=r"^times must give one time per frame \(20\), got shape \(19,\)\.$"):
        plan_windows(20, RATE, 1.0, times=[float(t) for t in PHONE[:-1]])
    with pytest.raises(ValueError, match=r"^window must be seconds \(2, 2\.5, '2s'\) or frames"):
        plan_windows(100, 25, "abc")  # counted at its rate
    assert [len(w.frames) for w in plan_windows(100, 25, 2.0)] == [32, 32]
