# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Long videos as a timeline: window planning, one-pass streaming, and the pipeline's `window` / `hop` on a
10-minute video whose colour (and so its label, for a model that classifies the mean colour) changes at known times."""

import json
import math
from fractions import Fraction

import av
import numpy as np
import pytest
import torch
from transformers import pipeline
from video_factory import write_video

import vivit_hf  # noqa: F401  (registers the configs and models with the Auto classes)
from vivit_hf import ViViTSpatioTemporalConfig, ViViTSpatioTemporalForVideoClassification, ViViTVideoProcessor
from vivit_hf.processing import ViViTVideoClassificationPipeline
from vivit_hf.processing.timeline import iter_window_clips, plan_windows, span_in_frames
from vivit_hf.processing.video_io import open_video

COLOURS = {"red": (255, 0, 0), "green": (0, 255, 0), "blue": (0, 0, 255)}
FPS = 2  # frames per second of the synthetic videos: 10 minutes are 1,200 frames of 32 x 32
# (start second, colour): red until 200 s, green until 410 s, blue to the end (600 s)
SCHEDULE = [(0, "red"), (200, "green"), (410, "blue")]


def colour_at(second: float, schedule=SCHEDULE) -> str:
    return [name for start, name in schedule if start <= second][-1]


def write_colour_video(path, seconds: int, fps: int = FPS, schedule=SCHEDULE, size: int = 32) -> str:
    """Frames of one colour each, by `schedule`, with a little noise; written frame by frame (nothing held)."""
    rng = np.random.default_rng(0)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width = stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.options = {"preset": "ultrafast", "crf": "18", "g": str(4 * fps)}
        stream.codec_context.time_base = Fraction(1, fps)
        for i in range(seconds * fps):
            base = np.array(COLOURS[colour_at(i / fps, schedule)], np.int16)
            frame = np.clip(base + rng.integers(-20, 21, (size, size, 3)), 0, 255).astype(np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return str(path)


def colour_model(label_spaces=None) -> ViViTSpatioTemporalForVideoClassification:
    """A tiny ViViT whose logits are the clip's mean colour: the patch embedding averages each colour channel into
    hidden units 0-2, every block adds nothing (zero output projections), `gap` pools, and the classifier reads the
    three units. With label spaces, head `colour` is red / green / blue and head `warm` is warm / cold (red vs blue)."""
    names = list(COLOURS)
    if label_spaces:
        id2label = {0: "colour:red", 1: "colour:green", 2: "colour:blue", 3: "warm:warm", 4: "warm:cold"}
    else:
        id2label = dict(enumerate(names))
    config = ViViTSpatioTemporalConfig(
        image_size=32,
        num_frames=4,
        tubelet_size=[2, 16, 16],
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        classifier="gap",
        id2label=id2label,
        label2id={v: k for k, v in id2label.items()},
        label_spaces=label_spaces,
    )
    model = ViViTSpatioTemporalForVideoClassification(config).eval()
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.zero_()
        for module in model.modules():
            if isinstance(module, torch.nn.LayerNorm):
                module.weight.fill_(1.0)
            if isinstance(module, torch.nn.Conv3d):
                for channel in range(3):
                    module.weight[channel, channel] = 1.0 / module.weight[0, 0].numel()
        weight = model.classifier.weight
        for channel in range(3):
            weight[channel, channel] = 10.0
        if label_spaces:
            weight[3, 0], weight[4, 2] = 10.0, 10.0
    return model


def save_colour_model(path):
    """`colour_model()` and a 4-frame 32-pixel processor saved in `path`, for a pipeline to load; returns `path`."""
    colour_model().save_pretrained(path)
    ViViTVideoProcessor(
        num_frames=4, size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}
    ).save_pretrained(path)
    return path


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    return save_colour_model(tmp_path_factory.mktemp("colour-model"))


@pytest.fixture(scope="module")
def ten_minutes(tmp_path_factory):
    return write_colour_video(tmp_path_factory.mktemp("long") / "ten-minutes.mp4", seconds=600)


def timeline_pipeline(model):
    return pipeline("video-classification", model=str(model), pipeline_class=ViViTVideoClassificationPipeline)


# ---------------------------------------------------------------------------------------------------- planning
def test_spans_in_seconds_or_frames():
    assert span_in_frames(2, 25) == 50
    assert span_in_frames("2.5s", 24) == 60
    assert span_in_frames("64f", None) == 64
    assert span_in_frames("64 frames", 25) == 64
    with pytest.raises(ValueError, match="in seconds, but the video has no frame rate"):
        span_in_frames(2, None)
    for bad in ("2 minutes", 0, -1, True, "1.5f"):
        with pytest.raises(ValueError):
            span_in_frames(bad, 25)


def test_windows_hop_cover_the_video_and_sample_window_centres():
    windows = plan_windows(100, 10.0, window=2, hop=1, num_frames=4)  # 20-frame windows every 10 frames
    assert [w.start_frame for w in windows] == [0, 10, 20, 30, 40, 50, 60, 70, 80]
    assert windows[-1].end_frame == 100 and windows[0].start == 0.0 and windows[0].end == 2.0
    assert windows[1].frames == (12, 17, 22, 27)  # centres of four 5-frame parts of [10, 30)
    tail = plan_windows(105, 10.0, window="20f", hop="10f", num_frames=4)
    assert tail[-1].end_frame == 105 and tail[-1].start_frame == 85  # a last window ends at the last frame
    assert [len(plan_windows(n, 10.0, 2, num_frames=4)) for n in (5, 20, 21)] == [1, 1, 2]


def test_a_hop_in_seconds_stays_on_its_grid_over_a_long_video():
    """A hop in seconds was rounded to whole frames once (0.5 s at 25 fps: 12 frames, 0.48 s), so window k started
    at k * 0.48 s: 10 minutes in, 24 s before the 0.5 s grid asked for. Each window now starts at the frame nearest
    k * hop; a hop in frames stays exact, and every window is still labelled with its frames' own times."""
    for fps, window, hop, count in ((25.0, 1.0, 0.5, 15000), (30000 / 1001, 2, 1, 18000)):
        windows = plan_windows(count, fps, window=window, hop=hop, num_frames=4)
        assert len(windows) == int((count / fps - window) / hop) + 1 + windows[-1].shifted
        for k, w in enumerate(w for w in windows if not w.shifted):
            assert abs(w.start - k * hop) <= 0.5 / fps + 1e-9, (fps, k, w.start)  # within half a frame
            assert w.start == round(w.start_frame / fps, 9) and w.end_frame - w.start_frame == round(window * fps)
    frames_hop = plan_windows(1000, 25.0, window="64f", hop="32f", num_frames=4)
    assert [w.start_frame for w in frames_hop] == list(range(0, 1000 - 64 + 1, 32)) + [1000 - 64]


def test_a_window_in_seconds_without_a_hop_stays_on_its_grid_over_a_long_video():
    """Without a hop, windows were laid every window rounded to whole frames once (0.5 s at 25 fps: 12 frames, 0.48 s;
    at 29.97 fps 15 frames, 0.5005 s): window 1200 of 10 minutes started at 576 s, or 600.6 s. Window k now starts at
    the frame nearest k x window (the earlier at a tie), as a hop of the window's length does, labelled with its own
    frames' times. The grid here is computed by hand in exact fractions from the rate alone."""
    for fps, rate, window, count in (
        (25.0, Fraction(25), 0.5, 15000),
        (30000 / 1001, Fraction(30000, 1001), 0.5, 17982),
        (30000 / 1001, Fraction(30000, 1001), 2.5, 17982),
    ):
        size = round(window * fps)
        grid = []
        for k in range(count):
            start = math.ceil(k * Fraction(window) * rate - Fraction(1, 2))  # nearest frame, a tie the earlier
            if start + size > count:
                break
            grid.append(start)
        windows = plan_windows(count, fps, window=window, num_frames=4)
        on_grid = [w for w in windows if not w.shifted]
        assert [w.start_frame for w in on_grid] == grid, (fps, window)
        assert all(w.end_frame - w.start_frame == size for w in windows)
        assert [(w.start, w.end) for w in windows] == [
            (round(w.start_frame / fps, 9), round(w.end_frame / fps, 9)) for w in windows
        ]
        assert windows == plan_windows(count, fps, window=window, hop=window, num_frames=4)  # hop = window: the same
        k = int(590 / window)  # 590 s in: 566.4 s (0.5 s at 25 fps), 590.59 s (at 29.97) or 590.0 s before
        assert abs(on_grid[k].start - 590) <= 0.5 / fps, (fps, window, on_grid[k].start)
    assert plan_windows(15000, 25.0, window=0.5, num_frames=4)[1198].start == 599.0  # 575.04 s before


def test_each_frame_decoded_once_and_memory_bounded(tmp_path):
    """Overlapping windows share frames: each is decoded once, in one pass, and the frames held at once do not grow
    with the video's length."""
    held = {}
    for seconds in (60, 240):
        path = write_colour_video(tmp_path / f"{seconds}.mp4", seconds=seconds)
        with open_video(path) as reader:
            windows = plan_windows(reader.num_frames, reader.fps, window=8, hop=2, num_frames=8)
            wanted = {f for w in windows for f in w.frames}
            stats, seen = {}, []
            for window, clip in iter_window_clips(reader, windows, stats=stats):
                assert clip.shape == (8, 32, 32, 3)
                seen.append(window.index)
            assert seen == list(range(len(windows)))
            assert stats["frames_read"] == len(wanted)
            assert reader.frames_decoded <= reader.num_frames  # one pass: no frame decoded twice
        held[seconds] = stats["max_frames_held"]
    assert held[60] == held[240] <= 8 * 4  # about window / hop clips' frames, whatever the length


def test_in_memory_frames_give_the_same_clips_as_the_file(tmp_path):
    path = write_colour_video(tmp_path / "short.mp4", seconds=20)
    with open_video(path) as reader:
        array = reader.read(range(reader.num_frames))
        windows = plan_windows(reader.num_frames, reader.fps, window=4, hop=1, num_frames=4)
        from_file = [clip for _, clip in iter_window_clips(reader, windows)]
    from_array = [clip for _, clip in iter_window_clips(array, windows)]
    assert all(np.array_equal(a, b) for a, b in zip(from_file, from_array))


# ---------------------------------------------------------------------------------------------------- pipeline
def test_ten_minute_video_labels_change_at_the_known_times_within_one_hop(model_dir, ten_minutes):
    hop = 4.0
    result = timeline_pipeline(model_dir)(ten_minutes, window=8, hop=hop, top_k=1)
    windows = result["windows"]
    assert result["duration"] == pytest.approx(600.0) and result["fps"] == pytest.approx(FPS)
    assert len(windows) == (600 - 8) // 4 + 1 and windows[-1]["end"] == pytest.approx(600.0)
    labels = [w["predictions"][0]["label"] for w in windows]
    changes = [(i, label) for i, label in enumerate(labels) if i == 0 or label != labels[i - 1]]
    assert [label for _, label in changes] == ["red", "green", "blue"]
    for (i, _), (second, _) in zip(changes[1:], SCHEDULE[1:]):
        middle = (windows[i]["start"] + windows[i]["end"]) / 2
        assert abs(middle - second) <= hop, (middle, second)
    # every window wholly inside one colour has that colour's label
    for window, label in zip(windows, labels):
        first, last = colour_at(window["start"]), colour_at(window["end"] - 1e-6)
        if first == last:
            assert label == first, window
    # the aggregate: the mean of the windows' logits, the longest colour (blue: 190 s, red 200 s, green 210 s)
    assert result["aggregate"][0]["label"] == "green"
    json.dumps(result)  # plain numbers and strings


def test_window_in_frames_and_several_videos(model_dir, tmp_path):
    paths = [
        write_colour_video(tmp_path / "a.mp4", seconds=30, schedule=[(0, "blue"), (15, "red")]),
        write_colour_video(tmp_path / "b.mp4", seconds=20, schedule=[(0, "green")]),
    ]
    results = timeline_pipeline(model_dir)(paths, window="8f", hop="8f", top_k=2)
    assert len(results) == 2
    first, second = results
    assert first["window_frames"] == 8 and first["hop_frames"] == 8 and len(first["windows"]) == 60 // 8 + 1
    assert [w["predictions"][0]["label"] for w in first["windows"]][:3] == ["blue"] * 3
    assert first["windows"][-1]["predictions"][0]["label"] == "red"
    assert {w["predictions"][0]["label"] for w in second["windows"]} == {"green"}
    assert len(second["aggregate"]) == 2


# A window of 1 s and a hop of 0.5 s at 25 fps: 25 and 12 frames (12.5 rounded half to even, as the docs' example).
# Starts by hand: the frame nearest k x 0.5 s (0, 12, 25, ...) while a whole window fits, then one more ending at the
# last frame if the grid stopped short of it; a video shorter than the window is one window, all of it.
@pytest.mark.parametrize(
    "num_frames, spans, fitted",
    [
        (30, [(0, 25), (5, 30)], [None, "shifted"]),  # 12 + 25 > 30: the second window ends at frame 30
        (37, [(0, 25), (12, 37)], [None, None]),  # 12 + 25 = 37: the grid ends at the last frame
        (40, [(0, 25), (12, 37), (15, 40)], [None, None, "shifted"]),
        (5, [(0, 5)], ["shortened"]),  # 5 frames: one window of all five
    ],
)
def test_timeline_reports_the_hop_asked_for_and_which_windows_were_fitted_to_the_end(
    model_dir, tmp_path, num_frames, spans, fitted
):
    video = write_video(tmp_path / "clip.mp4", num_frames=num_frames, height=32, width=32, fps=25)
    result = timeline_pipeline(model_dir)(video, window=1, hop=0.5)
    assert (result["window_frames"], result["hop_frames"]) == (25, 12)
    assert [(w["start_frame"], w["end_frame"]) for w in result["windows"]] == spans
    times = [t for w in result["windows"] for t in (w["start"], w["end"])]
    assert times == pytest.approx([frame / 25 for span in spans for frame in span])
    for window, how in zip(result["windows"], fitted):
        assert (window["shortened"], window["shifted"]) == (how == "shortened", how == "shifted"), window


def test_in_memory_video_needs_frames_or_metadata(model_dir):
    frames = np.zeros((40, 32, 32, 3), np.uint8)
    frames[:, ..., 2] = 255
    pipe = timeline_pipeline(model_dir)
    result = pipe(frames, window="8f", hop="4f", top_k=1)
    assert {w["predictions"][0]["label"] for w in result["windows"]} == {"blue"}
    assert result["fps"] is None and result["windows"][0]["start"] is None  # no clock: no seconds
    with pytest.raises(ValueError, match="no frame rate"):
        pipe(frames, window=2)


def test_multi_head_models_report_each_head_per_window(tmp_path):
    path = tmp_path / "two-heads"
    colour_model(label_spaces={"colour": 3, "warm": 2}).save_pretrained(path)
    ViViTVideoProcessor(
        num_frames=4, size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}
    ).save_pretrained(path)
    video = write_colour_video(tmp_path / "v.mp4", seconds=40, schedule=[(0, "red"), (20, "blue")])
    result = timeline_pipeline(path)(video, window=4, hop=4, top_k=1)
    first, last = result["windows"][0]["predictions"], result["windows"][-1]["predictions"]
    assert set(first) == {"colour", "warm"}
    assert (first["colour"][0]["label"], first["warm"][0]["label"]) == ("red", "warm")
    assert (last["colour"][0]["label"], last["warm"][0]["label"]) == ("blue", "cold")
    assert set(result["aggregate"]) == {"colour", "warm"}


def test_window_options_are_checked(model_dir, tmp_path):
    video = write_colour_video(tmp_path / "v.mp4", seconds=10)
    pipe = timeline_pipeline(model_dir)
    with pytest.raises(ValueError, match="need window="):
        pipe(video, hop=2)
    with pytest.raises(ValueError, match="the windows are the clips"):
        pipe(video, window=2, num_clips=2)
    three_crops = pipe(video, window=2, hop=2, num_crops=3, top_k=1)
    assert three_crops["windows"][0]["predictions"][0]["label"] == "red"


def test_a_rate_measured_from_timestamps_gives_times_without_float_noise(model_dir, tmp_path):
    """A 25 fps mp4's rate measured from its timestamps is 24.999999999999996: the JSON read "end":
    4.000000000000001 and "fps": 24.999999999999996 where the docs show 4.0 and 25.0."""
    path = write_colour_video(tmp_path / "a.mp4", seconds=10, fps=25)
    result = timeline_pipeline(model_dir)(path, window=4, hop=2, top_k=1)
    assert result["fps"] == 25.0 and result["duration"] == 10.0
    assert [(w["start"], w["end"]) for w in result["windows"]] == [(s, s + 4.0) for s in (0.0, 2.0, 4.0, 6.0)]
    edges = [w.start for w in plan_windows(250, 24.999999999999996, window=4, hop=2, num_frames=4)]
    assert edges == [0.0, 2.0, 4.0, 6.0]


def write_video_after_its_audio(path, video_start_frames: int, frames: list[np.ndarray], fps: int = FPS) -> str:
    """An mp4 whose audio starts at 0 and whose video starts `video_start_frames` frames later (a camera's or an
    editor's file where the picture begins after the sound): the RGB `frames` (H, W, 3) at `fps`."""
    with av.open(str(path), "w") as container:
        video = container.add_stream("libx264", rate=fps)
        video.height, video.width = frames[0].shape[:2]
        video.pix_fmt = "yuv420p"
        video.codec_context.time_base = Fraction(1, fps)
        audio = container.add_stream("aac", rate=16000)
        for start in range(0, 16000 * (len(frames) + video_start_frames) // fps, 1024):
            samples = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
            samples.sample_rate, samples.pts = 16000, start
            for packet in audio.encode(samples):
                container.mux(packet)
        for packet in audio.encode():
            container.mux(packet)
        for index, pixels in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts = video_start_frames + index
            for packet in video.encode(frame):
                container.mux(packet)
        for packet in video.encode():
            container.mux(packet)
    return str(path)


def test_window_times_are_on_the_players_clock_where_the_video_starts_after_the_audio(model_dir, tmp_path):
    """An mp4 whose video starts 0.5 s after its audio shows its first frame at 0.5 s in a player (FFmpeg's start
    time is the audio's, 0); the timeline counted seconds from the first frame, so the blue that a player shows from
    4.5 s was labelled from 4.0 s, every window 0.5 s early. Now each window's seconds are the player's: checked
    against a sequential PyAV decode, each window's first frame is shown at its start."""
    colours = ["red"] * 4 * FPS + ["blue"] * 4 * FPS
    frames = [np.full((32, 32, 3), COLOURS[colour], np.uint8) for colour in colours]
    video = write_video_after_its_audio(tmp_path / "late.mp4", FPS // 2, frames)
    result = timeline_pipeline(model_dir)(video, window=2, top_k=1)
    assert result["start_time"] == pytest.approx(0.5)
    with av.open(video) as container:
        origin = container.start_time / 1_000_000
        shown = [frame.time - origin for frame in container.decode(video=0)]
    assert [(w["start"], w["predictions"][0]["label"]) for w in result["windows"]] == [
        (pytest.approx(shown[w["start_frame"]]), "red" if shown[w["start_frame"]] < 4.5 else "blue")
        for w in result["windows"]
    ]
    assert [w["start"] for w in result["windows"]] == pytest.approx([0.5, 2.5, 4.5, 6.5])
    assert result["windows"][-1]["end"] == pytest.approx(8.5) and result["duration"] == pytest.approx(8.0)


def test_a_video_shorter_than_the_window_is_judged_by_the_frames_its_one_window_spreads_the_clip_over(
    model_dir, tmp_path, caplog
):
    """predict.py's `--window 100f` on the main job's 16-frame clips warned that the model sees its motion 6.2x
    faster, where each clip's one window is its 16 frames, the model's own span. The colour model's span is 8 frames:
    an 8-frame video under a 24-frame window is one window of its 8 frames (no warning), a 16-frame one is twice the
    span, named with that video."""
    pipe = timeline_pipeline(model_dir)
    for seconds, told in [(4, None), (8, "a window of 16 frames spreads its 4 frames 4 apart")]:
        video = write_colour_video(tmp_path / f"{seconds}s.mp4", seconds=seconds)  # 2 fps
        caplog.clear()
        with caplog.at_level("WARNING", logger="vivit_hf.processing.pipeline"):
            result = pipe(video, window="24f", top_k=1)
        assert [(w["start_frame"], w["end_frame"]) for w in result["windows"]] == [(0, 2 * seconds)]
        warned = [r.getMessage() for r in caplog.records if "Timeline" in r.getMessage()]
        if told is None:
            assert warned == [], warned
        else:
            assert len(warned) == 1 and "s.mp4' (16 frames, shorter than window='24f'" in warned[0], warned
            assert told in warned[0] and "2x faster" in warned[0], warned


def test_a_variable_rate_video_longer_than_the_window_is_not_said_to_be_shorter(model_dir, tmp_path, caplog):
    """A window in seconds holds a variable-rate video's frames by their times, a frame or two fewer than the
    window's frames at the average rate: 2.44 s of 32 frames under `window="2s"` (26 frames at 12.9 fps) are two
    windows of 25 frames, which were said to be a video "(25 frames, shorter than window='2s': one window of them
    all)". Only a window the plan shortened to the video is."""
    gaps = [4, 4, 4, 8, 8, 8, 4, 8, 4, 20, 20, 4, 4, 8, 4, 4, 4, 8, 8, 8, 4, 8, 20, 8, 20, 8, 8, 4, 8, 4, 4, 4]
    path = tmp_path / "vfr.mp4"
    with av.open(str(path), "w") as container:  # frames shown 0.04 to 0.2 s each (pts in 1/100 s)
        stream = container.add_stream("libx264", rate=25)
        stream.width = stream.height = 32
        stream.pix_fmt, stream.options = "yuv420p", {"preset": "ultrafast"}
        stream.codec_context.time_base = Fraction(1, 100)
        for pts in np.cumsum([0, *gaps[:-1]]):
            frame = av.VideoFrame.from_ndarray(np.full((32, 32, 3), 200, np.uint8), format="rgb24")
            frame.pts, frame.time_base = int(pts), Fraction(1, 100)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    with caplog.at_level("WARNING", logger="vivit_hf.processing.pipeline"):
        result = timeline_pipeline(model_dir)(str(path), window="2s", top_k=1)
    assert len(result["windows"]) == 2 and not result["windows"][0].get("shortened"), result["windows"]
    warned = [r.getMessage() for r in caplog.records if "Timeline" in r.getMessage()]
    assert len(warned) == 1 and "a window of 26 frames" in warned[0], warned
    assert "shorter than window" not in warned[0], warned


def test_a_window_much_longer_or_shorter_than_the_trained_clip_is_warned_naming_the_window_that_fits(
    model_dir, tmp_path, caplog
):
    """A window's clip spreads the model's 4 frames over the whole window; the colour model's processor samples them
    2 apart (clips of 8 frames), so a 16-frame window shows motion twice as fast and a 4-frame one half as fast (the
    README's model labelled 61% of such windows right, against 100% of windows of its clip's length). Named the window
    in frames that matches; a window of about the clip's length, and a processor that samples the whole video
    (uniform) or by rate, are not warned about. A window in frames is the call's flag, not a video's: said once per
    pipeline (predict.py's `--window 8f` said it once for each of 18 videos); one in seconds is frames at each video's
    own rate, said naming each video."""
    video = write_colour_video(tmp_path / "v.mp4", seconds=12)  # 24 frames at 2 fps
    other = write_colour_video(tmp_path / "w.mp4", seconds=12)
    pipe = timeline_pipeline(model_dir)
    cases = [("8f", None), ("10f", None), (8, "window=8: a window of 16 frames"), ("24f", "3x"), ("4f", "2x slower")]
    for window, told in cases:
        caplog.clear()
        with caplog.at_level("WARNING", logger="vivit_hf.processing.pipeline"):
            pipe(video, window=window, top_k=1)
            pipe(other, window=window, top_k=1)
        warned = [r.getMessage() for r in caplog.records if "Timeline" in r.getMessage()]
        if told is None:
            assert warned == [], (window, warned)
        elif isinstance(window, str):  # frames: once for both videos, naming neither
            assert len(warned) == 1 and told in warned[0] and "window='8f'" in warned[0], warned
            assert "said once" in warned[0] and "v.mp4" not in warned[0]
        else:  # seconds: each video's own
            assert len(warned) == 2 and "v.mp4" in warned[0] and "w.mp4" in warned[1], warned
            assert all(told in m and "window='8f'" in m for m in warned)
    uniform = ViViTVideoProcessor(num_frames=4, sampling_mode="uniform", size={"shortest_edge": 32}, crop_size=32)
    caplog.clear()
    with caplog.at_level("WARNING", logger="vivit_hf.processing.pipeline"):
        pipeline(
            "video-classification",
            model=str(model_dir),
            video_processor=uniform,
            pipeline_class=ViViTVideoClassificationPipeline,
        )(video, window="16f", top_k=1)
    assert not [r for r in caplog.records if "Timeline" in r.getMessage()]
