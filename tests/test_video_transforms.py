# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Spatial transforms: sizes, crop positions, and the same augmentation for every frame of a clip."""

import numpy as np
import pytest
import torch

from vivit_hf.processing import video_transforms as vt


def coordinate_clip(frames=3, height=40, width=60):
    """uint8 clip whose red channel is the row, green the column: a crop tells where it came from."""
    rows = torch.arange(height, dtype=torch.uint8)[:, None].expand(height, width)
    cols = torch.arange(width, dtype=torch.uint8)[None, :].expand(height, width)
    frame = torch.stack([rows, cols, torch.full_like(rows, 7)])
    return frame[None].repeat(frames, 1, 1, 1)


def textured_clip(frames=4, height=48, width=64, seed=0):
    """Identical random frames: any per-frame difference after a transform means per-frame randomness."""
    g = torch.Generator().manual_seed(seed)
    frame = torch.randint(0, 256, (3, height, width), generator=g, dtype=torch.uint8)
    return frame[None].repeat(frames, 1, 1, 1)


def assert_frames_identical(clip):
    for t in range(1, clip.shape[0]):
        assert torch.equal(clip[t], clip[0])


@pytest.mark.parametrize(
    "hw, size, expected",
    [
        ((480, 640), 256, (256, 341)),
        ((720, 1280), 256, (256, 455)),
        ((17, 23), 8, (8, 10)),
        ((640, 480), 224, (298, 224)),
    ],
)
def test_shortest_side_size_follows_transformers_rule(hw, size, expected):
    from transformers.image_transforms import get_resize_output_image_size

    assert vt.shortest_side_size(*hw, size) == expected
    reference = get_resize_output_image_size(np.zeros((*hw, 3)), size, default_to_square=False)
    assert tuple(reference) == expected


def test_resize_shortest_side_shape():
    assert vt.resize_shortest_side(coordinate_clip(), 20).shape == (3, 3, 20, 30)


def test_center_crop_lands_in_the_middle():
    crop = vt.center_crop(coordinate_clip(), 20, 30)
    assert crop[0, 0, 0, 0] == 10 and crop[0, 1, 0, 0] == 15  # top row 10, left column 15


def test_center_crop_pads_a_tiny_frame():
    crop = vt.center_crop(coordinate_clip(height=4, width=6), 8, 8)
    assert crop.shape[-2:] == (8, 8)


def test_three_crops_cover_left_centre_right_of_landscape():
    crops = vt.three_crops(coordinate_clip(height=40, width=60), 40, 40)
    assert [int(c[0, 1, 0, 0]) for c in crops] == [0, 10, 20]
    assert all(int(c[0, 0, 0, 0]) == 0 for c in crops)


def test_three_crops_cover_top_centre_bottom_of_portrait():
    crops = vt.three_crops(coordinate_clip(height=60, width=40), 40, 40)
    assert [int(c[0, 0, 0, 0]) for c in crops] == [0, 10, 20]


def test_random_crop_is_the_same_window_in_every_frame():
    crop = vt.random_crop(coordinate_clip(frames=5), 10, 10, np.random.default_rng(3))
    assert crop.shape == (5, 3, 10, 10)
    assert_frames_identical(crop)


def test_scale_jitter_factors_within_range():
    rng = np.random.default_rng(0)
    for _ in range(20):
        out = vt.scale_jitter(coordinate_clip(height=100, width=100), rng, 0.9, 1.33)
        assert 90 <= out.shape[-2] <= 133 and 90 <= out.shape[-1] <= 133  # a factor each (DMVR's)
        assert_frames_identical(out)


def test_horizontal_flip_mirrors_columns():
    flipped = vt.horizontal_flip(coordinate_clip(width=60))
    assert flipped[0, 1, 0, 0] == 59 and flipped[0, 1, 0, -1] == 0


def test_color_jitter_same_for_all_frames_and_seedable():
    clip = textured_clip()
    a = vt.color_jitter(clip, np.random.default_rng(5), grayscale_prob=0.0)
    b = vt.color_jitter(clip, np.random.default_rng(5), grayscale_prob=0.0)
    assert not torch.equal(a, clip)
    assert_frames_identical(a)
    assert torch.equal(a, b)


def test_color_drop_gives_gray_frames():
    out = vt.color_jitter(textured_clip(), np.random.default_rng(0), 0, 0, 0, 0, grayscale_prob=1.0)
    assert torch.equal(out[:, 0], out[:, 1]) and torch.equal(out[:, 1], out[:, 2])


def test_rand_augment_same_op_for_all_frames_and_seedable():
    clip = textured_clip()
    outs = [vt.rand_augment(clip, np.random.default_rng(s), num_ops=2, magnitude=20) for s in range(6)]
    for out in outs:
        assert out.shape == clip.shape
        assert_frames_identical(out)
    assert torch.equal(vt.rand_augment(clip, np.random.default_rng(2), 2, 20), outs[2])


def test_rand_augment_rejects_magnitude_off_scale():
    with pytest.raises(ValueError, match="magnitude"):
        vt.rand_augment(textured_clip(), np.random.default_rng(0), 2, 31)


@pytest.mark.parametrize(
    "preset, low, high",
    [("scenic", -1.0, 1.0), ("transformers_vivit", -3.0, 1.0), ("imagenet", -0.485 / 0.229, (1 - 0.406) / 0.225)],
)
def test_normalization_presets_map_black_and_white(preset, low, high):
    clip = torch.tensor([0, 255], dtype=torch.uint8).reshape(1, 1, 1, 2).expand(1, 3, 1, 2)
    out = vt.rescale_and_normalize(clip, do_rescale=True, **vt.NORMALIZATION_PRESETS[preset])
    assert out.dtype == torch.float32
    assert out.min().item() == pytest.approx(low, abs=1e-5) and out.max().item() == pytest.approx(high, abs=1e-5)


@pytest.mark.parametrize("preset", sorted(vt.NORMALIZATION_PRESETS))
def test_one_pass_normalization_equals_step_by_step(preset):
    every_value = torch.arange(256, dtype=torch.uint8).reshape(1, 1, 16, 16).expand(2, 3, 16, 16)
    for clip in (every_value, every_value.float(), textured_clip()):
        scale, bias = vt.affine_normalization(do_rescale=True, **vt.NORMALIZATION_PRESETS[preset])
        fused = vt.apply_affine(clip, scale, bias)
        stepwise = vt.rescale_and_normalize(clip, do_rescale=True, **vt.NORMALIZATION_PRESETS[preset])
        assert fused.dtype == torch.float32
        torch.testing.assert_close(fused, stepwise, atol=1e-6, rtol=0)
        if preset != "imagenet":  # one scale for all channels: the very same floats, endpoints exact
            assert torch.equal(fused, stepwise)
