# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Padding, rescaling and normalisation against hand-computed values, and the transforms' argument checks (issue 18
part 4: kills surviving mutants of `vivit_hf.processing.video_transforms`; docs/testing.md, "mutmut")."""

import pytest
import torch

from vivit_hf.processing.video_transforms import (
    _interpolation,
    _pad_to,
    affine_normalization,
    center_crop,
    rescale_and_normalize,
    resize,
)


def test_pad_to_zero_pads_each_short_side_symmetrically_extra_at_the_end():
    video = torch.full((1, 1, 2, 3), 7.0)
    got = _pad_to(video, 5, 6)  # 3 more rows: 1 above, 2 below; 3 more columns: 1 left, 2 right
    expected = torch.zeros(1, 1, 5, 6)
    expected[..., 1:3, 1:4] = 7.0
    assert torch.equal(got, expected)
    assert torch.equal(_pad_to(video, 2, 5)[0, 0], torch.tensor([[0.0, 7, 7, 7, 0], [0.0, 7, 7, 7, 0]]))
    assert _pad_to(video, 4, 3).shape[-2:] == (4, 3)  # only the short side grows
    assert _pad_to(video, 2, 3) is video and _pad_to(video, 1, 1) is video


def test_center_crop_of_a_tiny_frame_pads_then_crops():
    video = torch.arange(6.0).reshape(1, 1, 2, 3) + 1
    got = center_crop(video, 4, 2)  # rows padded 1 + 1, then columns 0..1 of 3 (start int(0.5) = 0)
    assert torch.equal(got[0, 0], torch.tensor([[0.0, 0.0], [1.0, 2.0], [4.0, 5.0], [0.0, 0.0]]))


def test_rescale_and_normalize_by_hand_and_defaults():
    video = torch.tensor([0, 255, 51], dtype=torch.uint8).reshape(1, 3, 1, 1)
    got = rescale_and_normalize(video)  # defaults: x / 127.5 - 1, no normalisation
    assert got.dtype == torch.float32
    torch.testing.assert_close(got.flatten(), torch.tensor([-1.0, 1.0, 51 / 127.5 - 1]))
    got = rescale_and_normalize(video, rescale_factor=1 / 255, rescale_offset=False, do_normalize=True,
                                image_mean=(0.0, 0.5, 0.2), image_std=(1.0, 0.25, 0.1))  # fmt: skip
    torch.testing.assert_close(got.flatten(), torch.tensor([0.0, 2.0, 0.0]))
    raw = rescale_and_normalize(video, do_rescale=False)
    torch.testing.assert_close(raw.flatten(), torch.tensor([0.0, 255.0, 51.0]))


def test_rescale_and_normalize_leaves_a_float_input_alone_unless_inplace():
    video = torch.tensor([0.0, 127.5, 255.0]).reshape(1, 3, 1, 1)
    before = video.clone()
    got = rescale_and_normalize(video, do_normalize=True)  # (x / 127.5 - 1 - 0.5) / 0.5
    torch.testing.assert_close(got.flatten(), torch.tensor([-3.0, -1.0, 1.0]))
    assert torch.equal(video, before)
    same = rescale_and_normalize(video, do_normalize=True, inplace=True)
    assert same.data_ptr() == video.data_ptr()
    torch.testing.assert_close(video.flatten(), torch.tensor([-3.0, -1.0, 1.0]))


def test_affine_normalization_folds_the_steps_by_hand():
    scale, bias = affine_normalization(rescale_factor=1 / 255, rescale_offset=False, do_normalize=True,
                                       image_mean=0.5, image_std=[0.5, 0.25, 1.0])  # fmt: skip
    torch.testing.assert_close(scale.flatten(), torch.tensor([2 / 255, 4 / 255, 1 / 255]))
    torch.testing.assert_close(bias.flatten(), torch.tensor([-1.0, -2.0, -0.5]))
    assert scale.shape == (3, 1, 1) and scale.dtype == torch.float32
    for name, kwargs in (("image_mean", {"image_mean": [0.1, 0.2]}), ("image_std", {"image_std": [1.0] * 4})):
        with pytest.raises(ValueError, match=rf"^{name} must be one number or one per channel \(3\), got "):
            affine_normalization(do_normalize=True, **kwargs)
    with pytest.raises(
        ValueError, match=r"^image_mean must be one number or one per channel \(3\), got \[\[0\.1, 0\.2\]"
    ):
        affine_normalization(do_normalize=True, image_mean=[[0.1, 0.2], [0.3, 0.4]])


def test_interpolation_names_and_errors():
    assert _interpolation("nearest").value == "nearest"
    for bad in ("area", 3, None):
        with pytest.raises(ValueError) as error:
            _interpolation(bad)
        assert str(error.value) == f"Unknown interpolation {bad!r}; expected one of ['bicubic', 'bilinear', 'nearest']."


def test_resize_keeps_a_video_already_at_size_and_uses_the_named_interpolation():
    video = torch.tensor([[0.0, 10.0], [20.0, 30.0]]).reshape(1, 1, 2, 2)
    assert resize(video, 2, 2) is video
    near = resize(video, 4, 4, interpolation="nearest", antialias=False)
    assert torch.equal(near[0, 0], video[0, 0].repeat_interleave(2, 0).repeat_interleave(2, 1))
