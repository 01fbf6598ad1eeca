# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""A training segment's seconds (an Epic Kitchens narration's start and stop) are read on a player's clock, the one
the timeline labels its windows with: where the video starts after its audio, both count from the container's
start, not from the first frame."""

import av
import pytest
from test_timeline import (  # noqa: F401  (model_dir is a fixture)
    model_dir,
    timeline_pipeline,
    write_video_after_its_audio,
)
from video_factory import frame_indices, pattern_frame, write_wall_clock_stamped

from vivit_hf import ViViTVideoProcessor
from vivit_hf.training.data.dataset import VideoSegment

FPS = 4
LATE = 2  # frames: the video starts 0.5 s after the audio


def write_late_video(path, num_frames: int = 24) -> str:
    """An mp4 whose audio starts at 0 and whose picture starts `LATE` frames later (a camera's or an editor's file);
    frame i draws i (`pattern_frame`)."""
    frames = [pattern_frame(index, 48, 64) for index in range(num_frames)]
    return write_video_after_its_audio(path, LATE, frames, fps=FPS)


def shown_on_a_players_clock(path) -> list[float]:
    """Each frame's time as a player shows it: a sequential decode's times from the container's start."""
    with av.open(path) as container:
        origin = container.start_time / 1_000_000
        return [float(frame.time) - origin for frame in container.decode(video=0)]


def playing(shown: list[float], start: float, end: float) -> list[int]:
    """The frame on screen at `start` through the last one shown before `end`."""
    first = max(i for i, t in enumerate(shown) if t <= start + 1e-9)
    return [i for i, t in enumerate(shown) if i >= first and t < end - 1e-9]


@pytest.fixture(scope="module")
def late_video(tmp_path_factory):
    return write_late_video(tmp_path_factory.mktemp("late") / "late.mp4")


def processor():
    return ViViTVideoProcessor(num_frames=2, size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32})


@pytest.mark.parametrize("start, end", [(0.5, 1.5), (1.0, 2.0), (3.25, 4.0), (5.0, 6.5)])
def test_a_segment_reads_the_frames_a_player_shows_in_its_seconds(late_video, start, end):
    """The picture starts at 0.5 s on a player's clock: a segment of 1.0-2.0 s is frames 2 to 5 (read from the first
    frame, it was frames 4 to 7, what plays 0.5 s later)."""
    shown = shown_on_a_players_clock(late_video)
    assert shown[0] == pytest.approx(LATE / FPS)
    frames, truncated = VideoSegment(late_video, start_seconds=start, end_seconds=end).decode(processor())
    assert frame_indices(frames.numpy()) == playing(shown, start, end) and not truncated


def test_a_segment_holds_the_frames_of_the_timeline_window_of_the_same_seconds(model_dir, late_video):  # noqa: F811
    """The timeline labels its windows on the player's clock (0.5-1.5 s, 1.5-2.5 s, ...): a segment of a window's
    seconds holds that window's frames."""
    windows = timeline_pipeline(model_dir)(late_video, window=1.0, top_k=1)["windows"]
    assert windows[0]["start"] == pytest.approx(LATE / FPS)
    for window in windows:
        segment = VideoSegment(late_video, start_seconds=window["start"], end_seconds=window["end"])
        frames, _ = segment.decode(processor())
        assert frame_indices(frames.numpy()) == list(range(window["start_frame"], window["end_frame"]))


def test_a_segment_after_the_last_frame_on_the_players_clock_is_refused_with_when_the_video_starts(late_video):
    """The last frame (23) shows from 6.25 s to 6.5 s on the player's clock: a segment at 6.3 s is inside the video,
    one at 6.5 s after its end, and the message says when the first frame is shown."""
    frames, _ = VideoSegment(late_video, start_seconds=6.3, end_seconds=6.4).decode(processor())
    assert frame_indices(frames.numpy()) == [23]
    with pytest.raises(ValueError, match=r"lies after the end of .*6\.00 s long, its first frame shown at 0\.50 s"):
        VideoSegment(late_video, start_seconds=6.5, end_seconds=7.0).decode(processor())


def test_a_segment_over_before_the_first_frame_is_shown_is_refused_saying_so(late_video):
    """0-0.5 s is the audio alone: no frame is on screen (it was "lies outside the 24 frames")."""
    with pytest.raises(ValueError, match=r"0\.00-0\.50 s ends before the first frame of .*shown at 0\.50 s"):
        VideoSegment(late_video, start_seconds=0.0, end_seconds=0.5).decode(processor())
    frames, _ = VideoSegment(late_video, start_seconds=0.25, end_seconds=0.75).decode(processor())
    assert frame_indices(frames.numpy()) == [0]  # from when the picture starts


def test_a_segment_of_a_wall_clock_stamped_file_starts_and_ends_with_the_frames_shown_then(tmp_path):
    """Stamped in milliseconds from 1970 (an IP camera's recording), a frame's time from the first one is a difference
    of doubles near 1.7e9 s, 2.4e-7 s off: compared a nanosecond late, the frame shown exactly at a segment's start
    was taken for the one before, and the first one after its end counted in (frames 25-28 for 26-28)."""
    path = write_wall_clock_stamped(tmp_path / "camera.mkv")
    with av.open(path) as container:  # exact seconds from the first frame, a sequential decode's
        stamps = [frame.pts for frame in container.decode(video=0)]
    shown = [(stamp - stamps[0]) / 1000 for stamp in stamps]
    for first in (26, 33):  # (frame 26 is shown from 1.42 s; frame 36, after the second segment, from 2.04 s)
        segment = VideoSegment(path, start_seconds=shown[first], end_seconds=shown[first + 3])
        frames, _ = segment.decode(processor())
        assert frame_indices(frames.numpy()) == [first, first + 1, first + 2]
