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
