# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The timeline on variable-frame-rate files (windows cut and labelled by presentation time, checked against the pts
the test wrote) and on one-frame files (refused as broken on the window path, as the processor refuses them)."""

import json
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
import torch
from conftest import BACKENDS
from test_timeline import save_colour_model, timeline_pipeline
from test_timeline_predict import load_predict
from video_factory import frame_indices, write_video, write_wall_clock_stamped

from vivit_hf import BrokenVideoError, ViViTVideoProcessor
from vivit_hf.processing.timeline import iter_window_clips, plan_windows
from vivit_hf.processing.video_io import open_video, probe

FPS = 25  # write_video's ticks are 1 / (4 * FPS) = 10 ms
# the new user's file: 100 frames, the first 50 shown 10 ms each, the last 50 shown 200 ms each
DURATIONS = [1] * 50 + [20] * 50
PTS = [sum(DURATIONS[:i]) / 100 for i in range(100)]  # seconds, as written: 0.00, 0.01, ... 0.49, 0.50, 0.70, ...
# the last frame is shown for the duration its packet states: x264 stamps each packet with its frame rate's 1/25 s,
# which the mp4 keeps as its last sample's length (a sequential decode's frame.duration, the stream's 10.34 s);
# not the 200 ms of the frame before it
LAST = 0.04
END = PTS[-1] + LAST


def on_screen(start: float, end: float) -> list[int]:
    """The frames shown at some moment of [start, end): frame i plays from PTS[i] until the next frame's pts."""
    until = PTS[1:] + [END]
    return [i for i in range(len(PTS)) if PTS[i] < end - 1e-9 and until[i] > start + 1e-9]


def playing_at(second: float) -> int:
    return max(i for i in range(len(PTS)) if PTS[i] <= second + 1e-9)


def expected_windows(window: float, num_frames: int) -> list[tuple[float, float, list[int], list[int]]]:
    """(start, end, frames shown, frames sampled) per window of `window` seconds: windows every `window` seconds,
    the last one ending with the video, each sampling the frames playing at the centres of `num_frames` parts."""
    starts = [k * window for k in range(int(END // window))]
    if starts[-1] + window < END:
        starts.append(END - window)
    return [
        (a, a + window, on_screen(a, a + window), [playing_at(a + (j + 0.5) * window / num_frames) for j in range(4)])
        for a in starts
    ]


@pytest.fixture(scope="module")
def vfr_video(tmp_path_factory):
    return write_video(tmp_path_factory.mktemp("vfr") / "vfr.mp4", num_frames=100, fps=FPS, frame_durations=DURATIONS)


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    return save_colour_model(tmp_path_factory.mktemp("colour-model"))


def test_frame_times_are_the_presentation_times_written(vfr_video):
    with open_video(vfr_video, backend="pyav") as reader:
        np.testing.assert_allclose(reader.frame_times(), PTS, atol=1e-9)
    with av.open(vfr_video) as container:  # the reference for END: the frames' own durations
        last = list(container.decode(video=0))[-1]
    assert float(last.duration * last.time_base) == pytest.approx(LAST)


@pytest.mark.parametrize("backend", BACKENDS)
def test_probe_gives_the_duration_the_timeline_cuts_by(vfr_video, backend):
    # 100 frames over 10.1 s: counted at their average rate (99 / 9.9 s) they would last 10.0 s
    assert probe(vfr_video, backend=backend).duration == pytest.approx(END)


def test_vfr_windows_hold_and_sample_the_frames_playing_then(vfr_video):
    with open_video(vfr_video, backend="pyav") as reader:
        windows = plan_windows(
            reader.num_frames, reader.fps, 2.0, None, 4, reader.frame_times(), reader.last_frame_seconds()
        )
        clips = [(win, frame_indices(clip)) for win, clip in iter_window_clips(reader, windows)]
    expected = expected_windows(2.0, 4)
    assert len(clips) == len(expected) == 6
    for (win, decoded), (start, end, shown, sampled) in zip(clips, expected):
        assert (win.start, win.end) == pytest.approx((start, end), abs=1e-9)
        assert list(range(win.start_frame, win.end_frame)) == shown
        assert list(win.frames) == sampled and decoded == sampled  # the decoder returned those very frames
    # the trial's report: frames 38-57 play at 0.38-1.90 s, so they lie in the first window, not at 3.95-5.93 s
    assert set(range(38, 58)) <= set(range(clips[0][0].start_frame, clips[0][0].end_frame))


def test_vfr_pipeline_reports_windows_in_presentation_seconds(model_dir, vfr_video):
    result = timeline_pipeline(model_dir)(vfr_video, window=2.0, top_k=1)
    expected = expected_windows(2.0, 4)
    got = [(w["start"], w["end"], w["start_frame"], w["end_frame"]) for w in result["windows"]]
    assert got == [(pytest.approx(a), pytest.approx(b), shown[0], shown[-1] + 1) for a, b, shown, _ in expected]
    assert result["duration"] == pytest.approx(END)
    json.dumps(result)


def test_vfr_window_in_frames_is_labelled_with_its_frames_times(vfr_video):
    with open_video(vfr_video, backend="pyav") as reader:
        windows = plan_windows(
            reader.num_frames, reader.fps, "20f", "40f", 4, reader.frame_times(), reader.last_frame_seconds()
        )
    assert [(w.start_frame, w.end_frame) for w in windows] == [(0, 20), (40, 60), (80, 100)]
    times = [t for w in windows for t in (w.start, w.end)]
    assert times == pytest.approx([PTS[0], PTS[20], PTS[40], PTS[60], PTS[80], END])


def test_constant_rate_file_keeps_counting_frames_at_its_rate(tmp_path):
    """2.5 s at 25 fps rounds to 62 frames (Python rounds 62.5 to even), as before; by time it would be 63."""
    path = write_video(tmp_path / "cfr.mp4", num_frames=100, fps=FPS)
    with open_video(path, backend="pyav") as reader:
        windows = plan_windows(reader.num_frames, reader.fps, 2.5, None, 4, reader.frame_times())
    assert [(w.start_frame, w.end_frame) for w in windows] == [(0, 62), (38, 100)]
    assert (windows[0].start, windows[0].end) == (0.0, 62 / 25)


# ---------------------------------------------------------------------------------------------------- one frame
@pytest.fixture(scope="module")
def one_frame(tmp_path_factory):
    return write_video(tmp_path_factory.mktemp("one") / "one.mp4", num_frames=1, fps=FPS, gop=None)


def test_window_path_refuses_a_single_frame_as_the_processor_does(model_dir, one_frame):
    pipe = timeline_pipeline(model_dir)
    with pytest.raises(BrokenVideoError, match="one.mp4' has a single frame") as processor_error:
        pipe.video_processor(one_frame)
    with pytest.raises(BrokenVideoError) as window_error:
        pipe(one_frame, window=2.0)
    assert str(window_error.value) == str(processor_error.value)
    with pytest.raises(BrokenVideoError, match="has a single frame"):
        pipe(np.zeros((1, 32, 32, 3), np.uint8), window="4f")
    looped = pipe(one_frame, window=2.0, short_video="loop", top_k=1)  # asked for: one window of that frame
    assert [(w["start_frame"], w["end_frame"]) for w in looped["windows"]] == [(0, 1)]
    with pytest.raises(ValueError, match="short_video must be one of"):
        pipe(one_frame, window=2.0, short_video="repeat")


def test_predict_lists_a_single_frame_file_as_unreadable_and_fails(model_dir, one_frame, tmp_path):
    videos = tmp_path / "videos"
    videos.mkdir()
    (videos / "0_one.mp4").write_bytes(Path(one_frame).read_bytes())
    write_video(videos / "1_good.mp4", num_frames=25, fps=FPS)  # one window of 1 s
    out = tmp_path / "out"
    argv = ["--model", str(model_dir), "--videos", str(videos), "--window", "1", "--no_plot"]
    with pytest.raises(SystemExit, match="1 of 2 videos could not be read") as error:
        load_predict().main([*argv, "--output_dir", str(out)])
    assert "0_one.mp4" in str(error.value)
    lines = [json.loads(line) for line in (out / "predictions.jsonl").read_text().splitlines()]
    assert "single frame" in lines[0]["error"] and "aggregate" in lines[1]
    assert not (out / "0_one.mp4.json").exists() and (out / "1_good.mp4.json").exists()
    looped = tmp_path / "looped"
    load_predict().main([*argv, "--output_dir", str(looped), "--short_video", "loop"])  # no SystemExit
    assert (looped / "0_one.mp4.json").exists()


@pytest.mark.parametrize("backend", BACKENDS)
def test_fps_sampling_picks_the_frames_playing_at_even_steps_of_the_video(vfr_video, backend):
    """fps=1 over the 10.34 s file: 10 frames, those on screen at k * 10.34 / 10 s, from a sequential decode's own
    times and durations (counted by index they were frames 0, 10, ..., 90: six from its first half second)."""
    with av.open(vfr_video) as container:
        frames = [(float(f.time), float(f.duration * f.time_base)) for f in container.decode(video=0)]
    starts, end = [t for t, _ in frames], frames[-1][0] + frames[-1][1]
    count = int(end * 1)
    expected = [max(i for i, t in enumerate(starts) if t <= k * end / count + 1e-9) for k in range(count)]
    processor = ViViTVideoProcessor(num_frames=4, size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32})
    out = processor(vfr_video, fps=1, return_metadata=True, decode_backend=backend)
    assert out["video_metadata"][0]["clip_frames_indices"] == [expected]
    assert expected[:2] == [0, 52]


def test_timestamps_of_a_vfr_files_sampled_frames_are_when_they_play(vfr_video):
    """`meta.timestamps` was transformers' `index / fps` at the average rate (9.67 fps here): frame 52, shown at
    0.9 s, was said to play at 5.4 s. They are now each frame's time in a sequential decode, from the first frame."""
    with av.open(vfr_video) as container:
        times = [float(frame.time) for frame in container.decode(video=0)]
    processor = ViViTVideoProcessor(num_frames=4, size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32})
    for options in ({"fps": 1}, {"num_clips": 2, "frame_stride": 20}):
        meta = processor(vfr_video, return_metadata=True, **options)["video_metadata"][0]
        assert meta.timestamps == pytest.approx([times[i] - times[0] for i in meta.frames_indices], abs=1e-6)
    # a rate the caller gives times the frames by index, as transformers does
    meta = processor(vfr_video, fps=1, video_metadata={"fps": 10}, return_metadata=True)["video_metadata"][0]
    assert meta.timestamps == pytest.approx([i / 10 for i in meta.frames_indices])


def test_fps_sampling_of_a_wall_clock_stamped_file_picks_the_frames_playing_at_each_step(tmp_path):
    """Stamped in milliseconds from 1970 (an IP camera's recording), a frame's time from the first one is a difference
    of doubles near 1.7e9 s, 2.4e-7 s off: compared a nanosecond late, the frame shown exactly at a step was taken
    for the one before it (fps=5 took frame 25 at 1.42 s, where frame 26 plays from 1.42 s)."""
    path = write_wall_clock_stamped(tmp_path / "camera.mkv")
    with av.open(path) as container:  # exact times from the first frame and the last one's end, a sequential decode's
        frames = list(container.decode(video=0))
    shown = [Fraction(frame.pts - frames[0].pts, 1000) for frame in frames]
    end = shown[-1] + frames[-1].duration * frames[-1].time_base
    processor = ViViTVideoProcessor(do_resize=False, do_center_crop=False, do_rescale=False, do_normalize=False)
    count = int(end * 5)
    expected = [max(i for i, t in enumerate(shown) if t <= k * end / count) for k in range(count)]
    out = processor(path, fps=5, return_metadata=True, return_tensors="pt")
    assert out["video_metadata"][0]["clip_frames_indices"] == [expected]
    assert frame_indices(out["pixel_values"][0].permute(0, 2, 3, 1).to(torch.uint8).numpy()) == expected
