# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Class weights for an imbalanced training set (`--class_weights balanced`): each class's loss is weighted by
`n / (K * n_c)` (scikit-learn's "balanced": `n` clips of the head, `K` classes with clips, `n_c` of class `c`), so
every class weighs as much in the loss as if the classes had as many clips each. Applied to the soft targets (after
label smoothing and mixup): a clip's loss is `sum_c w_c * y_c * -log p_c`, torch's `cross_entropy(weight=...)` per
clip, averaged over the valid clips as the unweighted loss is (not over the weights' sum)."""

from __future__ import annotations


def balanced_class_weights(counts: list[int], head_sizes: list[int]) -> list[float]:
    """Per class of every head, side by side as the logits: `n / (K * n_c)`; a class without a training clip gets
    1 (only label smoothing and mixup can give it a target, and it has no count to balance)."""
    weights, start = [], 0
    for size in head_sizes:
        head = counts[start : start + size]
        clips, present = sum(head), sum(1 for count in head if count)
        weights += [clips / (present * count) if count else 1.0 for count in head]
        start += size
    return weights


def class_weights_problem(args) -> str | None:
    """In argparse's words, why `--class_weights` cannot be used with these flags (None: it can)."""
    if getattr(args, "class_weights", None) and args.streaming:
        return (
            "argument --class_weights: balanced counts each class's training clips before the first step, which a "
            "stream does not tell until it is read; leave out --streaming or --class_weights"
        )
    return None
