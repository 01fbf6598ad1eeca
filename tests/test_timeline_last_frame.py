# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""An animation whose last frame lasts otherwise than the one before it (GIF and APNG delays): the reader's duration,
the timeline's windows and a training segment's bounds end where a player stops showing it, as the frames' own
durations from a sequential PyAV decode say, not a frame after the last frame's start as long as the one before.
"""

import av
import numpy as np
import pytest
from PIL import Image
from test_timeline import save_colour_model, timeline_pipeline
from video_factory import frame_indices, pattern_frame, write_stamped

from vivit_hf import BrokenVideoError, ViViTVideoProcessor
from vivit_hf.processing.timeline import iter_window_clips, plan_windows
from vivit_hf.processing.video_io import open_video, probe
from vivit_hf.training.data.dataset import VideoSegment

# delays in ms: nine 20 ms frames then a 200 ms one (plays 0.38 s; evenly spaced starts, read as 0.2 s at 50 fps);
# a 300 ms frame before a 20 ms last one (plays 0.48 s; read as 0.76 s, the last frame lasting 300 ms)
DELAYS = {"long_last": [20] * 9 + [200], "short_last": [100, 20, 20, 20, 300, 20]}


def write_animation(path, delays, fmt: str) -> str:
    frames = [Image.fromarray(pattern_frame(i, 48, 64)) for i in range(len(delays))]
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=delays, loop=0, format=fmt)
    return str(path)


def played(path) -> tuple[list[float], float]:
    """The reference: each frame's start and the time the last one ends, from a sequential decode's own frame
    times and durations (what a player shows)."""
    with av.open(str(path)) as container:
        frames = [(float(f.pts * f.time_base), float(f.duration * f.time_base)) for f in container.decode(video=0)]
    return [start for start, _ in frames], frames[-1][0] + frames[-1][1]


@pytest.fixture(scope="module", params=[(kind, fmt) for kind in DELAYS for fmt in ("GIF", "PNG")], ids=str)
def animation(request, tmp_path_factory):
    kind, fmt = request.param
    path = tmp_path_factory.mktemp("anim") / f"{kind}.{fmt.lower()}"
    return write_animation(path, DELAYS[kind], fmt), DELAYS[kind]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    return save_colour_model(tmp_path_factory.mktemp("colour-model"))


def test_duration_is_the_frames_own_durations(animation):
    path, delays = animation
    starts, end = played(path)
    assert end == pytest.approx(sum(delays) / 1000)  # 0.38 s and 0.48 s, as written
    assert probe(path, backend="pyav").duration == pytest.approx(end)


def test_returned_video_metadata_has_the_played_duration(animation):
    """`return_metadata=True` gave `fps` and `total_num_frames` alone, whose ratio is no variable-rate file's length
    (0.2 s for the 0.38 s GIF); transformers' `VideoMetadata` has a `duration`, which is now the frames' own."""
    from transformers.video_utils import VideoMetadata

    path, delays = animation
    proc = ViViTVideoProcessor(num_frames=4, size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32})
    meta = proc(path, return_metadata=True)["video_metadata"][0]
    assert meta["duration"] == pytest.approx(played(path)[1])
    assert meta["total_num_frames"] == len(delays)
    assert isinstance(meta, VideoMetadata) and meta.duration == meta["duration"]
    frames = np.stack([pattern_frame(i, 48, 64) for i in range(8)])  # an array at a rate given: frames / fps
    assert proc(frames, video_metadata={"fps": 4}, return_metadata=True)["video_metadata"][0]["duration"] == 2.0


def expected_windows(starts, end, window, num_frames):
    """(start, end, frames shown, frames sampled) per window of `window` seconds, from the decode's frame times."""
    until = starts[1:] + [end]
    bounds = [k * window for k in range(int(end / window + 1e-9))]
    if bounds[-1] + window < end - 1e-9:
        bounds.append(end - window)
    out = []
    for a in bounds:
        b = a + window
        shown = [i for i in range(len(starts)) if starts[i] < b - 1e-9 and until[i] > a + 1e-9]
        centres = [a + (j + 0.5) * window / num_frames for j in range(num_frames)]
        sampled = [max(i for i in range(len(starts)) if starts[i] <= c + 1e-9) for c in centres]
        out.append((a, b, shown, sampled))
    return out


def test_windows_run_until_the_last_frame_ends(animation):
    path, _ = animation
    starts, end = played(path)
    with open_video(path, backend="pyav") as reader:
        windows = plan_windows(
            reader.num_frames, reader.fps, 0.1, None, 4, reader.frame_times(), reader.last_frame_seconds()
        )
        clips = [(win, frame_indices(clip)) for win, clip in iter_window_clips(reader, windows)]
    expected = expected_windows(starts, end, 0.1, 4)
    assert len(clips) == len(expected)
    for (win, decoded), (a, b, shown, sampled) in zip(clips, expected):
        assert (win.start, win.end) == pytest.approx((a, b), abs=1e-9)
        assert list(range(win.start_frame, win.end_frame)) == shown
        assert list(win.frames) == sampled and decoded == sampled


def test_pipeline_duration_and_windows_end_with_the_last_frame(model_dir, animation):
    path, _ = animation
    starts, end = played(path)
    result = timeline_pipeline(model_dir)(path, window=0.1, top_k=1)
    assert result["duration"] == pytest.approx(end)
    assert result["windows"][-1]["end"] == pytest.approx(end)
    expected = expected_windows(starts, end, 0.1, 4)
    assert [(w["start_frame"], w["end_frame"]) for w in result["windows"]] == [
        (s[0], s[-1] + 1) for *_, s, _ in expected
    ]


def test_training_segment_measures_the_video_by_its_frames_durations(tmp_path):
    processor = ViViTVideoProcessor(num_frames=4, size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32})
    # 0.30-0.37 s of the 0.38 s GIF shows its last frame (it was refused as after the end of a 0.2 s video)
    long_last = write_animation(tmp_path / "long_last.gif", DELAYS["long_last"], "GIF")
    frames, truncated = VideoSegment(long_last, start_seconds=0.30, end_seconds=0.37).decode(
        processor, do_sample_frames=False
    )
    assert not truncated and frames.shape[0] == 1
    # 0.5-0.7 s lies after the end of the 0.48 s GIF (it was read as its last frame, as if it lasted 0.3 s)
    short_last = write_animation(tmp_path / "short_last.gif", DELAYS["short_last"], "GIF")
    with pytest.raises(BrokenVideoError, match=r"0\.50-0\.70 s lies after the end .* \(0\.48 s long\)"):
        VideoSegment(short_last, start_seconds=0.5, end_seconds=0.7).decode(processor, do_sample_frames=False)


def test_equal_delays_keep_counting_frames_at_their_rate(tmp_path):
    path = write_animation(tmp_path / "even.gif", [40] * 6, "GIF")
    with open_video(path, backend="pyav") as reader:
        assert reader.info.duration == pytest.approx(0.24) and reader.fps == pytest.approx(25)
        times, last = reader.frame_times(), reader.last_frame_seconds()
        assert last == pytest.approx(0.04)
        windows = plan_windows(reader.num_frames, reader.fps, "2f", None, 2, times, last)
    assert [(w.start_frame, w.end_frame) for w in windows] == [(0, 2), (2, 4), (4, 6)]
    assert np.allclose([w.end for w in windows], [0.08, 0.16, 0.24])


def test_training_segment_counts_seconds_from_the_first_frame_as_the_timeline(model_dir, tmp_path):
    """A file whose first frame is stamped 1 s: a segment's 0-1 s is its first second, as the timeline's first
    window is and a player shows it (it was refused as outside the video, and 1-2 s read the first second)."""
    path = write_stamped(tmp_path / "late.mkv", "matroska", "libx264", 50, {"preset": "ultrafast"}, first=25)
    with av.open(path) as container:  # the reference: a sequential decode's frame times
        starts = [float(frame.time) for frame in container.decode(video=0)]
    assert starts[0] == pytest.approx(1.0)
    playing = [i for i, t in enumerate(starts) if 1.0 + 1.0 - 1e-9 <= t < 1.0 + 2.0 - 1e-9]  # 1-2 s in
    processor = ViViTVideoProcessor(num_frames=4, size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32})
    frames, _ = VideoSegment(path, start_seconds=1.0, end_seconds=2.0).decode(processor)
    assert frame_indices(frames.numpy()) == playing
    frames, _ = VideoSegment(path, start_seconds=0.0, end_seconds=1.0).decode(processor)
    assert frame_indices(frames.numpy()) == list(range(25))
    windows = timeline_pipeline(model_dir)(path, window=1.0, top_k=1)["windows"]
    assert [(w["start"], w["start_frame"], w["end_frame"]) for w in windows] == [(0.0, 0, 25), (1.0, 25, 50)]


def test_fps_sampling_by_time_takes_at_most_one_sample_a_frame(tmp_path):
    """fps=50, the rate the 0.38 s GIF is read at (its frames start 20 ms apart): 0.38 s at 50 fps would be 19
    samples, more than its 10 frames; it takes 10, those on screen at k * 0.038 s (not refused as above its rate)."""
    path = write_animation(tmp_path / "long_last.gif", DELAYS["long_last"], "GIF")
    starts, end = played(path)
    expected = [max(i for i, t in enumerate(starts) if t <= k * end / 10 + 1e-9) for k in range(10)]
    processor = ViViTVideoProcessor(num_frames=4, size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32})
    out = processor(path, fps=50, return_metadata=True)
    assert out["video_metadata"][0]["clip_frames_indices"] == [expected] == [[0, 1, 3, 5, 7, 9, 9, 9, 9, 9]]
