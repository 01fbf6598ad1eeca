# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Mixup / CutMix on 5-D video batches with soft, smoothed labels."""

import pytest
import torch

from vivit_hf.training.mixup import VideoMixup, smooth_one_hot


def batch(b=4, t=3, h=16, w=20):
    pixels = torch.arange(b, dtype=torch.float32).reshape(b, 1, 1, 1, 1).expand(b, t, 3, h, w).clone()
    return pixels, torch.arange(b) % 5


def test_label_smoothing_spreads_mass_and_sums_to_one():
    targets = smooth_one_hot(torch.tensor([2, 0]), 5, smoothing=0.1)
    assert targets[0, 2].item() == pytest.approx(0.9 + 0.02) and targets[0, 0].item() == pytest.approx(0.02)
    torch.testing.assert_close(targets.sum(1), torch.ones(2))


def test_mixup_blends_pixels_and_labels_with_one_weight():
    pixels, labels = batch()
    mixed, targets = VideoMixup(5, mixup_alpha=0.8, seed=0)(pixels, labels)
    lam = targets[0, labels[0]].item()  # video 0 is paired with video 3 (reversed batch)
    torch.testing.assert_close(mixed[0], lam * pixels[0] + (1 - lam) * pixels[3])
    assert 0 < lam < 1
    torch.testing.assert_close(targets.sum(1), torch.ones(4))


def test_cutmix_box_is_the_same_in_every_frame_and_label_weight_is_its_area():
    pixels, labels = batch(b=2, t=5)
    mixed, targets = VideoMixup(5, cutmix_alpha=1.0, seed=3)(pixels, labels)
    pasted = mixed[0] != pixels[0]  # video 0 holds video 1's pixels inside the box
    for t in range(1, 5):
        assert torch.equal(pasted[t], pasted[0])
    kept_area = 1 - pasted[0, 0].float().mean().item()
    assert targets[0, labels[0]].item() == pytest.approx(kept_area)


def test_switch_between_mixup_and_cutmix():
    pixels, labels = batch()
    mixup = VideoMixup(5, mixup_alpha=1.0, cutmix_alpha=1.0, switch_prob=0.5, seed=0)
    kinds = set()
    for _ in range(20):
        mixed, _ = mixup(pixels, labels)
        blended = not torch.equal(mixed.round(), mixed)  # mixup makes fractions of the integer pixels
        kinds.add("mixup" if blended else "cutmix")
    assert kinds == {"mixup", "cutmix"}


def test_probability_zero_leaves_pixels_and_only_smooths_labels():
    pixels, labels = batch()
    mixed, targets = VideoMixup(5, mixup_alpha=1.0, prob=0.0, label_smoothing=0.2)(pixels, labels)
    assert torch.equal(mixed, pixels)
    torch.testing.assert_close(targets, smooth_one_hot(labels, 5, 0.2))


def test_seeded_mixup_is_reproducible():
    pixels, labels = batch()
    a = VideoMixup(5, mixup_alpha=0.3, cutmix_alpha=1.0, seed=11)(pixels, labels)
    b = VideoMixup(5, mixup_alpha=0.3, cutmix_alpha=1.0, seed=11)(pixels, labels)
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])


def test_four_d_input_is_refused():
    with pytest.raises(ValueError, match="batch, frames, channels, height, width"):
        VideoMixup(5, mixup_alpha=1.0)(torch.zeros(2, 3, 8, 8), torch.tensor([0, 1]))


def test_label_out_of_range_is_refused():
    with pytest.raises(ValueError, match=r"labels must be in \[0, 5\)"):
        smooth_one_hot(torch.tensor([5]), 5)
