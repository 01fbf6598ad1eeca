# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""What mutation testing found unspecified in mixup and the metrics: CutMix alone never blends pixels, the batch-size
error names both sizes, single-head metrics use the label names, and `scalar_metrics` keeps numbers only."""

import pytest
import torch

from vivit_hf.training.metrics import evaluation_metrics, scalar_metrics
from vivit_hf.training.mixup import VideoMixup


def test_cutmix_alone_pastes_a_box_of_the_partner_and_never_blends():
    pixels = torch.arange(2 * 3 * 3 * 16 * 16, dtype=torch.float32).reshape(2, 3, 3, 16, 16)
    for seed in range(8):
        mixed, targets = VideoMixup(2, cutmix_alpha=1.0, mixup_alpha=0.0, seed=seed)(pixels, torch.tensor([0, 1]))
        from_self, from_partner = mixed[0] == pixels[0], mixed[0] == pixels[1]
        assert bool((from_self | from_partner).all()), f"seed {seed}: blended pixels"
        rows, cols = from_partner[0, 0].any(1), from_partner[0, 0].any(0)
        box = rows[:, None] & cols[None, :]  # the pasted pixels are exactly a rectangle
        assert torch.equal(from_partner[0, 0], box)
        assert targets[0, 0].item() == pytest.approx(1 - box.float().mean().item())


def test_a_batch_size_mismatch_names_both_sizes():
    with pytest.raises(ValueError, match="3 labels for a batch of 2 videos"):
        VideoMixup(4, mixup_alpha=1.0)(torch.zeros(2, 2, 3, 4, 4), torch.tensor([0, 1, 2]))


def test_single_head_metrics_name_classes_by_their_labels():
    logits = torch.tensor([[2.0, 0.0], [0.0, 2.0]])
    results = evaluation_metrics(logits, torch.tensor([0, 0]), torch.ones(2, dtype=torch.bool), {"x": ["cat", "dog"]})
    assert results["per_class_accuracy"] == {"cat": 0.5}


def test_scalar_metrics_keep_numbers_only():
    results = {"top1": 0.5, "num_samples": 3, "flag": True, "per_class_accuracy": {"a": 1.0}, "confusion": [[1]]}
    assert scalar_metrics(results) == {"top1": 0.5, "num_samples": 3}
