# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Frame sampling against hand-computed indices: the defaults, every argument passed through, the checks and their
messages (issue 18 part 4: these tests kill the mutants of `vivit_hf.processing.sampling` that survived the older
suite; docs/testing.md, "mutmut")."""

import numpy as np
import pytest

from vivit_hf.processing.sampling import (
    clip_span,
    evenly_spaced_clips,
    fps_indices,
    random_clip,
    sample_clips,
    stride_clip,
    uniform_indices,
)


def test_defaults_are_stride_one_one_centred_clip_and_test_mode():
    assert clip_span(4) == 4
    assert stride_clip(10, 4).tolist() == [0, 1, 2, 3]
    # max_start = 10 - 4 = 6, centred start 6 // 2 = 3
    assert evenly_spaced_clips(10, 4).tolist() == [[3, 4, 5, 6]]
    assert sample_clips(10, 4).tolist() == [[3, 4, 5, 6]]
    assert sample_clips(10, 4, num_clips=1).tolist() == [[3, 4, 5, 6]]
    clip = random_clip(10, 4)  # no rng given: a fresh generator, stride 1
    assert clip.tolist() == list(range(int(clip[0]), int(clip[0]) + 4)) and 0 <= clip[0] <= 6


def test_odd_room_centres_by_floor():
    # max_start = 9 - 4 = 5, start 5 // 2 = 2
    assert evenly_spaced_clips(9, 4).tolist() == [[2, 3, 4, 5]]


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: stride_clip(0, 4), "The video has 0 frames; at least one is needed."),
        (lambda: stride_clip(10, 0), "num_frames must be at least 1, got 0."),
        (lambda: stride_clip(10, 4, stride=0), "stride must be at least 1, got 0."),
        (lambda: random_clip(10, 4, stride=0, rng=np.random.default_rng(0)), "stride must be at least 1, got 0."),
        (lambda: evenly_spaced_clips(10, 4, stride=0), "stride must be at least 1, got 0."),
        (lambda: evenly_spaced_clips(10, 4, num_clips=0), "num_clips must be at least 1, got 0."),
        (lambda: sample_clips(10, 4, num_clips=0), "num_clips must be at least 1, got 0."),
        (lambda: sample_clips(10, 4, mode="dense"), "sampling mode must be one of ('stride', 'uniform'), got 'dense'."),
        (lambda: stride_clip(10, 4, short_video="wrap"), "short_video must be one of"),
        (lambda: uniform_indices(1, 4), "video has a single frame; pass short_video='loop' or 'pad'"),
        (lambda: stride_clip(1, 4), "video has a single frame"),
    ],
)
def test_checks_raise_their_own_messages(call, message):
    with pytest.raises(ValueError) as error:
        call()
    assert str(error.value).startswith(message)


def test_error_policy_names_the_video_and_says_how_to_accept_it():
    expected = "clip.mp4 has 3 frames but the clip needs 4; pass short_video='loop' or 'pad' to accept short videos."
    for call in (
        lambda: stride_clip(3, 4, short_video="error", name="clip.mp4"),
        lambda: uniform_indices(3, 4, short_video="error", name="clip.mp4"),
        lambda: random_clip(3, 4, rng=np.random.default_rng(0), short_video="error", name="clip.mp4"),
        lambda: evenly_spaced_clips(3, 4, short_video="error", name="clip.mp4"),
        lambda: sample_clips(3, 4, short_video="error", name="clip.mp4"),
        lambda: sample_clips(3, 4, train=True, rng=np.random.default_rng(0), short_video="error", name="clip.mp4"),
        lambda: sample_clips(3, 4, mode="uniform", short_video="error", name="clip.mp4"),
    ):
        with pytest.raises(ValueError) as error:
            call()
        assert str(error.value) == expected
    with pytest.raises(ValueError, match=r"^a\.mp4 has a single frame"):
        sample_clips(1, 4, mode="uniform", name="a.mp4")
    with pytest.raises(ValueError, match=r"^b\.mp4 has a single frame"):
        sample_clips(1, 4, name="b.mp4")
    with pytest.raises(ValueError, match=r"^c\.mp4 has a single frame"):
        sample_clips(1, 4, train=True, rng=np.random.default_rng(0), name="c.mp4")


def test_error_policy_accepts_a_video_exactly_as_long_as_the_clip():
    assert stride_clip(4, 4, short_video="error").tolist() == [0, 1, 2, 3]
    assert stride_clip(7, 4, stride=2, short_video="error").tolist() == [0, 2, 4, 6]
    assert uniform_indices(4, 4, short_video="error").tolist() == [1, 2, 2, 3]  # round(0.8, 1.6, 2.4, 3.2)


def test_random_clip_passes_the_short_video_policy_on():
    assert random_clip(3, 5, rng=np.random.default_rng(0), short_video="pad").tolist() == [0, 1, 2, 2, 2]
    assert sample_clips(3, 5, train=True, rng=np.random.default_rng(0), short_video="pad").tolist() == [[0, 1, 2, 2, 2]]


def test_train_clips_take_their_starts_from_the_given_generator_in_order():
    reference = np.random.default_rng(7)
    starts = [int(reference.integers(0, 97)) for _ in range(3)]  # 100 - 4 + 1 = 97 possible starts
    clips = sample_clips(100, 4, num_clips=3, train=True, rng=np.random.default_rng(7))
    assert clips.tolist() == [[s, s + 1, s + 2, s + 3] for s in starts]


def test_evenly_spaced_clips_of_a_short_video_all_start_at_zero():
    # no room (max_start = 0): every clip starts at the first frame and loops
    assert evenly_spaced_clips(3, 5, num_clips=3, short_video="loop").tolist() == [[0, 1, 2, 0, 1]] * 3
    assert evenly_spaced_clips(4, 4, num_clips=2).tolist() == [[0, 1, 2, 3]] * 2


def test_uniform_mode_interleaves_and_clamps_to_the_last_frame():
    # T=12, n=2: base round(12/3 * k) = 4, 8; step 12 / (2 * 3) = 2, offsets 0, 2, 4; 12 clamps to 11
    clips = sample_clips(12, 2, mode="uniform", num_clips=3)
    assert clips.dtype.kind == "i"
    assert clips.tolist() == [[4, 8], [6, 10], [8, 11]]
    # T=10, n=4, 3 clips: base 2, 4, 6, 8; step 10/12: offsets floor(0, 0.83, 1.67) = 0, 0, 1
    assert sample_clips(10, 4, mode="uniform", num_clips=3).tolist() == [[2, 4, 6, 8], [2, 4, 6, 8], [3, 5, 7, 9]]


def test_fps_indices_follow_transformers_rule():
    # n = int(T / video_fps * fps), frames k * T // n
    assert fps_indices(30, 30.0, 2).tolist() == [0, 15]
    expected = [k * 100 // 16 for k in range(16)]  # 100 frames at 25 fps, 4 fps: 16 frames
    assert expected[:4] == [0, 6, 12, 18]
    got = fps_indices(100, 25, 4.0)
    assert got.dtype.kind == "i" and got.tolist() == expected
    assert fps_indices(10, 1, 0.5).tolist() == [0, 2, 4, 6, 8]  # a video at 1 fps
    assert fps_indices(10, 10, 10).tolist() == list(range(10))  # its own rate: every frame
    assert fps_indices(10, 10, 0.05).tolist() == [0]  # less than one frame in the video: at least one
    assert fps_indices(7, np.float32(7.0), np.int64(1)).tolist() == [0]


@pytest.mark.parametrize("fps", [0, -1, 0.0, float("inf"), float("nan"), True, "2", None])
def test_fps_indices_refuse_a_bad_rate(fps):
    with pytest.raises(ValueError, match=r"^fps must be a positive number of frames per second, got "):
        fps_indices(30, 30.0, fps)


@pytest.mark.parametrize("video_fps", [None, 0, 0.0, -1.0])
def test_fps_indices_refuse_a_video_without_a_frame_rate(video_fps):
    with pytest.raises(ValueError) as error:
        fps_indices(30, video_fps, 2, name="clip.mp4")
    assert str(error.value) == (
        "Asked for fps=2 but clip.mp4 has no frame rate: pass `video_metadata` with its `fps` "
        "(or sample by `num_frames`)."
    )


def test_fps_indices_refuse_more_than_the_video_rate_and_an_empty_video():
    with pytest.raises(ValueError) as error:
        fps_indices(10, 10, 11, name="clip.mp4")
    assert str(error.value) == (
        "fps=11 asks for 11 frames of clip.mp4, which has 10 at 10 frames per second; ask for at most its own rate."
    )
    with pytest.raises(ValueError, match=r"^The video has 0 frames"):
        fps_indices(0, 30, 2)


def test_messages_call_an_unnamed_video_video():
    rng = np.random.default_rng(0)
    for call in (
        lambda: evenly_spaced_clips(3, 4, short_video="error"),
        lambda: random_clip(3, 4, rng=rng, short_video="error"),
        lambda: sample_clips(3, 4, short_video="error"),
        lambda: sample_clips(3, 4, train=True, rng=rng, short_video="error"),
        lambda: sample_clips(3, 4, mode="uniform", short_video="error"),
    ):
        with pytest.raises(ValueError, match=r"^video has 3 frames but the clip needs 4;"):
            call()
    with pytest.raises(ValueError, match=r"^Asked for fps=2 but video has no frame rate"):
        fps_indices(30, None, 2)
    with pytest.raises(ValueError, match=r"^fps=11 asks for 11 frames of video, which has 10"):
        fps_indices(10, 10, 11)


# fps sampling by presentation time (a variable-frame-rate file's `times`, `fps_indices`): the mutants of its wiring
# that survived the tests above (docs/testing.md, "mutmut", 2026-12-06). Times in seconds; the reference is the
# docstring's rule computed by hand: `n = floor(duration * fps)` samples, the frame on screen at `k / n` of it.
PHONE = [i / 100 for i in range(10)] + [0.1 + i / 5 for i in range(1, 11)]  # 10 frames in 0.1 s, 10 over 2 s


def playing(times, second):
    return max(i for i, t in enumerate(times) if t <= second + 1e-9)


def test_fps_sampling_by_time_counts_from_the_first_frame_shown():
    """A file whose first frame is shown at 1.5 s (its audio starts first) samples as the same file starting at 0:
    the grid is `k / n` of the video from its first frame, not from second 0 of the container."""
    duration = PHONE[-1] + 0.2  # the last frame lasts as the one before it
    expected = [playing(PHONE, k * duration / 4) for k in range(4)]  # fps=2 over 2.3 s: 4 samples
    assert expected == [0, 11, 14, 17]
    rate = len(PHONE) / duration
    assert fps_indices(20, rate, 2, times=PHONE).tolist() == expected
    assert fps_indices(20, rate, 2, times=[t + 1.5 for t in PHONE]).tolist() == expected


def test_fps_sampling_by_time_takes_one_frame_of_a_video_shorter_than_a_sample():
    # 2.3 s at fps=0.4: 0.92 of a sample, at least one, the first frame (not two)
    got = fps_indices(20, 20 / 2.3, 0.4, times=PHONE)
    assert got.tolist() == [0] and got.dtype == np.int64


def test_fps_sampling_by_time_counts_samples_exactly_where_the_product_is_a_hair_short():
    """7 frames over 0.8 s (the last 0.1 s): 0.7 + 0.1 is 0.7999999999999999 in floating point, and fps=5 of it
    4 samples (0, 0.2, 0.4, 0.6 s), not 3."""
    times = [0.0, 0.01, 0.02, 0.03, 0.04, 0.05, 0.7]
    duration = 0.7 + 0.1
    assert duration * 5 < 4
    got = fps_indices(7, 7 / 0.8, 5, times=times, last_seconds=0.1)
    assert got.tolist() == [playing(times, k * 0.2) for k in range(4)] == [0, 5, 5, 5]


@pytest.mark.parametrize("last_seconds", [None, 0.033])
def test_fps_sampling_of_evenly_spaced_millisecond_times_keeps_transformers_rule(last_seconds):
    """Frames at 30000/1001 fps stamped in milliseconds (Matroska, WebM) are evenly spaced: they keep transformers'
    `k * T // n` (its own `default_sample_indices_fn`), where the frame on screen at `k / n` of the video differs by
    a frame: 10 frames at fps=7 take frames 0 and 5, where frame 5 (at 0.167 s) starts after 0.1668 s, the middle."""
    from transformers.video_utils import VideoMetadata, default_sample_indices_fn

    rate = 30000 / 1001
    times = np.round(np.arange(10) / rate, 3)
    expected = default_sample_indices_fn(VideoMetadata(total_num_frames=10, fps=rate), fps=7).tolist()
    assert expected == [0, 5] and playing(times, 10 / rate / 2) == 4
    got = fps_indices(10, rate, 7, times=times, last_seconds=last_seconds)
    assert got.tolist() == expected and got.dtype == np.int64


def test_a_video_long_enough_at_stride_one_is_told_so_down_to_exactly_the_clip():
    """4 frames at stride 2 need 7; a video of exactly 4 frames holds the clip at stride 1, and the refusal says so
    (a video of 3 does not, and is not told)."""
    with pytest.raises(ValueError) as error:
        stride_clip(4, 4, stride=2, short_video="error", name="clip.mp4")
    assert str(error.value) == (
        "clip.mp4 has 4 frames but the clip needs 7; pass short_video='loop' or 'pad' to accept short videos (they "
        "feed repeated frames), or frame_stride=1 (the ViViT pipeline's frame_sampling_rate=1) to take 4 consecutive "
        "frames."
    )
    with pytest.raises(ValueError) as error:
        stride_clip(3, 4, stride=2, short_video="error", name="clip.mp4")
    assert str(error.value).endswith("to accept short videos.")
