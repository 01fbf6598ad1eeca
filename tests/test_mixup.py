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


def test_a_broken_clip_is_no_partner_of_a_decoded_clip():
    """Clip 1 of 4 could not be decoded (zeros, left out of the loss). Before, the reversed batch paired clip 2
    with it: clip 2 was blended with black and given clip 1's label. The decoded clips 0, 2, 3 pair in their own
    reversed order (0-3, 2-2, 3-0); clip 1 stays as it is."""
    pixels, labels = batch()
    pixels = pixels + 1  # clip k is all k + 1
    pixels[1] = 0
    valid = torch.tensor([True, False, True, True])
    onehot = torch.nn.functional.one_hot(labels, 5).float()
    for mixup in (VideoMixup(5, mixup_alpha=0.8, seed=0), VideoMixup(5, cutmix_alpha=1.0, seed=0)):
        mixed, targets = mixup(pixels, labels, valid)
        lam = targets[0, labels[0]].item()
        assert 0 < lam < 1
        # by hand: clips 0 and 3 exchange 1 - lam of their pixels (CutMix: the box's area) and of their labels
        torch.testing.assert_close(targets[0], lam * onehot[0] + (1 - lam) * onehot[3])
        torch.testing.assert_close(targets[3], lam * onehot[3] + (1 - lam) * onehot[0])
        assert set(mixed[0].unique().tolist()) <= {1.0, 4.0} if mixup.cutmix_alpha else mixed[0].unique().numel() == 1
        torch.testing.assert_close(mixed[0].mean(), torch.tensor(lam * 1.0 + (1 - lam) * 4.0))
        torch.testing.assert_close(mixed[2], pixels[2])  # the middle decoded clip is its own partner
        torch.testing.assert_close(targets[2], onehot[2])
        torch.testing.assert_close(mixed[1], pixels[1])  # the broken clip is left as it is (out of the loss)
        torch.testing.assert_close(targets[1], onehot[1])
        assert (mixed[[0, 2, 3]] >= 1).all()  # no decoded clip holds black pixels from the broken one


def test_all_valid_pairs_as_the_reversed_batch():
    pixels, labels = batch(b=5)
    plain = VideoMixup(5, mixup_alpha=0.8, seed=4)(pixels, labels)
    given = VideoMixup(5, mixup_alpha=0.8, seed=4)(pixels, labels, torch.ones(5, dtype=torch.bool))
    for a, b in zip(plain, given):
        torch.testing.assert_close(a, b)


def test_each_process_draws_its_own_mixup_weight_and_one_process_draws_as_before():
    """scenic binds its mixup rng to each device: the processes of one step draw their own weight (and box and
    choice); the recipe gave every process one generator, so all 4 shares of a global batch got one weight."""
    import numpy as np

    from vivit_hf.training.finetune import mixup_generator

    pixels, labels = batch()
    weights = []
    for process in range(4):
        mixup = VideoMixup(5, mixup_alpha=0.8)
        mixup.rng = mixup_generator(7, 12, process)
        _, targets = mixup(pixels, labels)
        weights.append(round(targets[0, labels[0]].item(), 6))
    assert len(set(weights)) == 4, weights
    # the same (seed, step, process) draws the same; process 0 what one process drew before ([seed, step])
    assert mixup_generator(7, 12, 2).random() == mixup_generator(7, 12, 2).random()
    assert mixup_generator(7, 12, 0).random() == np.random.default_rng([7, 12]).random()


def test_each_process_draws_its_own_dropout_seed_on_more_than_97_processes():
    """The recipe's dropout / stochastic-depth seed was seed * 1_000_003 + micro_step * 97 + process: on the 128
    processes of docs/training-and-data.md's 16 machines of 8 GPUs, process 97 drew process 0's seed of the next
    micro-step (31 processes repeating another's masks). Every (micro-step, process) now has its own; on up to 97
    processes the seeds are those of before, so a resumed run draws what it drew."""
    from vivit_hf.training.finetune import step_seed

    seeds = {step_seed(3, step, process, 128) for step in range(50) for process in range(128)}
    assert len(seeds) == 50 * 128
    for processes in (1, 2, 97):
        assert [step_seed(3, 12, p, processes) for p in range(processes)] == [
            3 * 1_000_003 + 12 * 97 + p for p in range(processes)
        ]
