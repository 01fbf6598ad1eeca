# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""A processor saved with `float_max=255.0` (its author's float videos were on [0, 255]) given [0, 1] float frames,
as torchvision's `read_video(...) / 255` or decord give them: refused by name, where transformers warns that the
frames look rescaled already. Expected pixels are computed by hand from the input values."""

import numpy as np
import pytest
import torch
from test_timeline import model_dir, timeline_pipeline  # noqa: F401  (model_dir is a fixture)
from transformers.image_utils import is_scaled_image

from vivit_hf.processing.processing_vivit import ViViTVideoProcessor

SMALL = dict(num_frames=4, size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32})
RAW = dict(do_resize=False, do_center_crop=False, do_rescale=False)  # pixels on the 0-255 scale, as read


@pytest.fixture()
def saved_for_0_255(tmp_path):
    ViViTVideoProcessor(**SMALL, float_max=255.0).save_pretrained(tmp_path)
    return ViViTVideoProcessor.from_pretrained(tmp_path)


@pytest.fixture()
def unit_frames():
    return np.random.default_rng(0).random((8, 40, 48, 3), dtype=np.float32)  # [0, 1] pixels


def test_unit_frames_given_to_a_processor_for_0_255_are_refused_naming_the_video(saved_for_0_255, unit_frames):
    """They read as a black video (every value at most 1 of 255: pixel_values between -1 and -0.992) without a word;
    transformers' own check finds them rescaled already."""
    assert is_scaled_image(unit_frames)  # transformers' VivitImageProcessor warns on these
    for video in (unit_frames, torch.from_numpy(unit_frames), list(unit_frames)):
        with pytest.raises(ValueError, match=r"\(8, 40, 48, 3\).*float_max=255.*float_max=1\.0 to the call"):
            saved_for_0_255(video)


def test_the_calls_float_max_reads_them_either_way(saved_for_0_255, unit_frames):
    as_unit = saved_for_0_255(unit_frames, float_max=1.0, return_tensors="pt", **RAW).pixel_values
    assert torch.allclose(as_unit[0], torch.from_numpy(unit_frames).permute(0, 3, 1, 2) * 255, atol=1e-4)
    dark = saved_for_0_255(unit_frames, float_max=255.0, return_tensors="pt", **RAW).pixel_values
    assert torch.allclose(dark[0], torch.from_numpy(unit_frames).permute(0, 3, 1, 2), atol=1e-6)


def test_frames_on_its_scale_and_black_frames_are_read_as_before(saved_for_0_255, unit_frames):
    bright = unit_frames * 200 + 10
    pixels = saved_for_0_255(bright, return_tensors="pt", **RAW).pixel_values
    assert torch.allclose(pixels[0], torch.from_numpy(bright).permute(0, 3, 1, 2), atol=1e-4)
    black = saved_for_0_255(np.zeros_like(unit_frames), return_tensors="pt", **RAW).pixel_values
    assert torch.equal(black, torch.zeros_like(black))
    uint8 = (unit_frames * 255).astype(np.uint8)  # integer frames go by their dtype, float_max aside
    pixels = saved_for_0_255(uint8, return_tensors="pt", **RAW).pixel_values
    assert torch.equal(pixels[0], torch.from_numpy(uint8).permute(0, 3, 1, 2).float())


def test_the_timeline_of_such_frames_is_refused_as_the_call_is(model_dir, unit_frames, tmp_path):  # noqa: F811
    pipe = timeline_pipeline(model_dir)
    pipe.video_processor.float_max = 255.0
    with pytest.raises(ValueError, match=r"\(8, 40, 48, 3\).*float_max=255"):
        pipe(unit_frames, window="4f")
    with pytest.raises(ValueError, match=r"\(8, 40, 48, 3\).*float_max=255"):
        pipe(unit_frames)
