# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""`ViViTVideoProcessor.raw_views`: a call's views before the rescale and normalisation (uint8 where they are whole
numbers), and `normalization_affine`, which turns them into the call's `pixel_values` bit for bit. What the recipe's
DataLoader workers ship, normalised on the device (`raw_pixels=True`)."""

import numpy as np
import pytest
import torch
from video_factory import write_video

from vivit_hf.processing.processing_vivit import ViViTVideoProcessor
from vivit_hf.processing.video_transforms import apply_affine

BASE = dict(num_frames=4, frame_stride=2, size={"shortest_edge": 28}, crop_size={"height": 24, "width": 24})
# (name, processor options, call options): test and training views, the uint8 and the float32 (colour jitter) paths,
# and normalisations whose channels differ (ImageNet's) or that keep transformers' ViViT offset
CASES = [
    ("test views", dict(normalization="imagenet"), dict(num_clips=2, num_crops=3)),
    ("scale jitter and flip", dict(do_train_augment=True), dict(seed=4)),
    ("colour jitter", dict(do_train_augment=True, do_color_jitter=True, color_jitter_prob=1.0), dict(seed=5)),
    ("RandAugment", dict(do_train_augment=True, rand_augment=[2, 9], normalization="transformers_vivit"), dict(seed=6)),
]


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    """A file (decoded by PyAV) and an array of every pixel value."""
    path = tmp_path_factory.mktemp("raw") / "clip.mp4"
    write_video(path, num_frames=16, height=40, width=48)
    array = np.random.default_rng(0).integers(0, 256, (16, 40, 48, 3), dtype=np.uint8)
    return [str(path), array]


@pytest.mark.parametrize("name, options, call", CASES, ids=[name for name, _, _ in CASES])
def test_raw_views_normalised_by_the_affine_are_the_call_s_pixel_values(videos, name, options, call):
    proc = ViViTVideoProcessor(**BASE, **options)
    call = dict(call, do_sample_frames=True, return_tensors="pt")
    raw = proc.raw_views(videos, **call)["pixel_values"]
    expected = proc(videos, **call)["pixel_values"]
    assert raw.dtype == (torch.float32 if "colour" in name else torch.uint8)
    assert torch.equal(apply_affine(raw, *proc.normalization_affine()), expected)


@pytest.mark.parametrize("name, options, call", CASES, ids=[name for name, _, _ in CASES])
def test_raw_views_are_the_pixels_a_call_gives_without_rescale_and_normalisation(videos, name, options, call):
    """What transformers' `do_rescale=False, do_normalize=False` gives (here as float32, see docs/processor.md)."""
    proc = ViViTVideoProcessor(**BASE, **options)
    call = dict(call, do_sample_frames=True, return_tensors="pt")
    raw = proc.raw_views(videos, **call)["pixel_values"]
    unscaled = proc(videos, **call, do_rescale=False, do_normalize=False)["pixel_values"]
    assert torch.equal(raw.float(), unscaled)


def test_raw_views_draw_from_the_processor_s_stream_as_a_call_does(videos):
    """An unseeded training call draws from the processor's stream: after `raw_views` it is where a call leaves it."""
    options = dict(BASE, do_train_augment=True, rand_augment=[2, 9], seed=11, do_sample_frames=True)
    raw_first, called_first = ViViTVideoProcessor(**options), ViViTVideoProcessor(**options)
    raw = raw_first.raw_views(videos, return_tensors="pt")["pixel_values"]
    first = called_first(videos, return_tensors="pt")["pixel_values"]
    assert torch.equal(apply_affine(raw, *raw_first.normalization_affine()), first)
    after_raw = raw_first(videos, return_tensors="pt")["pixel_values"]
    second = called_first(videos, return_tensors="pt")["pixel_values"]
    assert torch.equal(after_raw, second) and not torch.equal(second, first)


def test_normalization_affine_follows_a_call_s_own_options(videos):
    proc = ViViTVideoProcessor(**BASE)
    raw = proc.raw_views(videos, return_tensors="pt", do_sample_frames=True)["pixel_values"]
    options = dict(do_normalize=True, image_mean=[0.4, 0.5, 0.6], image_std=[0.2, 0.25, 0.3])
    expected = proc(videos, return_tensors="pt", do_sample_frames=True, **options)["pixel_values"]
    assert torch.equal(apply_affine(raw, *proc.normalization_affine(**options)), expected)
    assert not torch.equal(apply_affine(raw, *proc.normalization_affine()), expected)


@pytest.mark.parametrize("option", [dict(do_rescale=False), dict(normalization="imagenet"), dict(image_std=0.2)])
def test_raw_views_refuse_a_normalisation_option_it_would_ignore(videos, option):
    with pytest.raises(ValueError, match=rf"raw_views .* {next(iter(option))} would change nothing"):
        ViViTVideoProcessor(**BASE).raw_views(videos, **option)


def test_raw_views_of_different_frame_counts_are_a_list_or_refused_as_a_call_s():
    proc = ViViTVideoProcessor(**BASE)
    clips = [np.zeros((count, 40, 48, 3), np.uint8) for count in (3, 5)]
    views = proc.raw_views(clips)["pixel_values"]
    assert [(len(view), view.dtype) for view in views] == [(3, torch.uint8), (5, torch.uint8)]
    with pytest.raises(ValueError, match="different shapes .* pad_to_longest=True"):
        proc.raw_views(clips, return_tensors="pt")


def test_raw_views_with_every_video_skipped_are_an_empty_uint8_batch(tmp_path):
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not a video")
    out = ViViTVideoProcessor(**BASE, skip_broken=True).raw_views([str(broken)], return_tensors="pt")
    assert out["pixel_values"].shape == (0, 4, 3, 24, 24) and out["pixel_values"].dtype == torch.uint8
    assert out["kept_indices"].tolist() == []
