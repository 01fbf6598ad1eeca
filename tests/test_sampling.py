# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Frame index rules: exact indices for every sampling mode and short-video policy."""

import numpy as np
import pytest

from vivit_hf.processing.sampling import (
    clip_span,
    evenly_spaced_clips,
    random_clip,
    sample_clips,
    stride_clip,
    uniform_indices,
)


def test_uniform_rule_matches_paper_example():
    # PAPER.md: T=6, n=3 gives frames 2, 3, 4 (round(1.5)=2 half to even, round(4.5)=4)
    assert uniform_indices(6, 3).tolist() == [2, 3, 4]


def test_uniform_rule_rounds_half_to_even_exactly():
    for T in range(1, 120):
        for n in range(1, 40):
            expected = [min(round(T * (i + 1) / (n + 1)), T - 1) for i in range(n)]  # Python round: half to even
            got = uniform_indices(T, n, short_video="loop").tolist()
            assert got == expected, (T, n)


def test_uniform_on_long_video_spreads_over_whole_video():
    idx = uniform_indices(250, 32)
    assert len(idx) == 32 and idx[0] == round(250 / 33) and idx[-1] == round(250 * 32 / 33)
    assert np.all(np.diff(idx) > 0)


def test_stride_clip_indices():
    assert stride_clip(100, 4, stride=2, start=10).tolist() == [10, 12, 14, 16]


def test_clip_span_counts_first_to_last_kept_frame():
    assert clip_span(32, 2) == 63


def test_short_video_loops():
    assert stride_clip(5, 4, stride=2, short_video="loop").tolist() == [0, 2, 4, 1]


def test_short_video_pads_with_last_frame():
    assert stride_clip(5, 4, stride=2, short_video="pad").tolist() == [0, 2, 4, 4]


def test_short_video_refused_when_asked():
    with pytest.raises(ValueError, match="has 5 frames but the clip needs 7"):
        stride_clip(5, 4, stride=2, short_video="error", name="v.mp4")


def test_default_policy_loops_short_but_refuses_single_frame():
    assert stride_clip(3, 4).tolist() == [0, 1, 2, 0]
    with pytest.raises(ValueError, match="single frame"):
        stride_clip(1, 4)
    assert stride_clip(1, 3, short_video="pad").tolist() == [0, 0, 0]


def test_random_clip_start_is_uniform_over_valid_starts_and_seedable():
    starts = {int(random_clip(20, 4, 2, np.random.default_rng(s))[0]) for s in range(300)}
    assert starts == set(range(0, 20 - 7 + 1))
    a = random_clip(500, 8, 2, np.random.default_rng(7))
    b = random_clip(500, 8, 2, np.random.default_rng(7))
    assert a.tolist() == b.tolist()


def test_random_clip_of_exact_length_starts_at_zero():
    assert random_clip(7, 4, 2, np.random.default_rng(0)).tolist() == [0, 2, 4, 6]


def test_single_test_clip_is_centred():
    assert evenly_spaced_clips(100, 4, 2, 1).tolist() == [[46, 48, 50, 52]]


def dmvr_offsets(num_video_frames, num_frames, stride, num_clips):
    """DMVR's test-clip starts as its TensorFlow code computes them (dmvr/processors.py): sample_sequence
    (random=False) for one clip, `max(0, (T - n * stride) // 2)`; sample_linspace_sequence for several,
    `int32(linspace(0.0, max(0, T - n * stride), num_clips))` in float32."""
    room = num_video_frames - num_frames * stride
    if num_clips == 1:
        return [max(0, room // 2)]
    return np.linspace(np.float32(0), np.float32(max(0, room)), num_clips, dtype=np.float32).astype(np.int32).tolist()


def test_test_clips_are_dmvrs_evenly_spaced_starts():
    clips = evenly_spaced_clips(100, 4, 2, num_clips=4)
    assert clips[:, 0].tolist() == [0, 30, 61, 92]  # linspace(0, 100 - 8, 4) truncated
    assert clips[-1, -1] == 98  # DMVR leaves room for n * stride frames: the last one is not reached at stride 2


@pytest.mark.parametrize("num_video_frames", [33, 64, 65, 250, 301, 302])
@pytest.mark.parametrize("num_frames, stride, num_clips", [(32, 2, 1), (32, 2, 4), (8, 1, 3), (16, 4, 2), (4, 3, 1)])
def test_test_clip_starts_equal_dmvrs(num_video_frames, num_frames, stride, num_clips):
    clips = evenly_spaced_clips(num_video_frames, num_frames, stride, num_clips, short_video="loop")
    assert clips[:, 0].tolist() == dmvr_offsets(num_video_frames, num_frames, stride, num_clips)
    assert (np.diff(clips, axis=1) % num_video_frames == stride % num_video_frames).all()


def test_sample_clips_train_draws_independent_clips():
    clips = sample_clips(1000, 4, stride=2, num_clips=3, train=True, rng=np.random.default_rng(1))
    assert clips.shape == (3, 4) and len({int(c[0]) for c in clips}) == 3


def test_sample_clips_uniform_mode_shape_and_interleave():
    clips = sample_clips(90, 8, mode="uniform", num_clips=2)
    assert clips.shape == (2, 8)
    assert clips[0].tolist() == uniform_indices(90, 8).tolist()
    assert np.all(clips[1] >= clips[0])


@pytest.mark.parametrize("bad", [dict(mode="random"), dict(num_clips=0), dict(stride=0), dict(short_video="wrap")])
def test_bad_sampling_options_raise(bad):
    with pytest.raises(ValueError):
        sample_clips(50, 4, **bad)
