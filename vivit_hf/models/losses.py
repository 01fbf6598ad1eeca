# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The classification heads' losses: scenic's multi-head cross-entropy over named label spaces (Epic Kitchens' noun
and verb), its label-smoothed form for transformers' `Trainer(compute_loss_func=...)`, and the rules the
single-head loss shares with transformers' classifiers (`problem_type` inferred from the labels, Trainer's
`num_items_in_batch` under gradient accumulation).

Imported by `modeling_vivit.py` relatively (a folder saved with its code carries it): torch only.
"""

import dataclasses
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn


def multi_head_cross_entropy(
    logits: torch.Tensor,
    labels: torch.Tensor,
    head_sizes: list[int],
    reduction: str = "mean",
    num_items_in_batch: torch.Tensor | int | None = None,
    label_smoothing: float = 0.0,
) -> torch.Tensor:
    """The multi-head loss, scenic's: the mean over label spaces of each head's cross-entropy (computed in fp32).

    scenic's `ViViTMultiHeadClassificationModel.loss_function` takes `jnp.mean` of the heads' losses, and the paper's
    Epic Kitchens results and recipe (SGD, lr 0.5) were trained on it: a sum would make every gradient H times
    scenic's (twice, for noun + verb). With one head it is that head's cross-entropy.

    `logits` (b, sum(head_sizes)) are the heads' logits side by side; `labels` are class indices (b, heads), or
    probabilities (b, sum(head_sizes)) laid out like the logits (soft targets: label smoothing, mixup).
    Class indices of -100 are ignored (a clip labelled with a verb but no noun): the mean is over the labelled
    (clip, head) entries, which is the mean of the heads' means when every entry is labelled.
    `num_items_in_batch` is Trainer's count of label entries over all the micro-batches of one optimizer step
    (`labels.ne(-100).sum()`): the entries' losses are then summed and divided by that count, as transformers' own
    losses do, so gradient accumulation gives the full batch's mean.
    `label_smoothing` is torch's, per head: each head's target mixes in the uniform distribution over its own classes.
    """
    heads = logits.float().split(head_sizes, dim=-1)
    # Class indices of any integer dtype (int32, as transformers' rule takes them): torch's cross-entropy takes int64.
    targets = labels.float().split(head_sizes, dim=-1) if labels.is_floating_point() else labels.long().unbind(-1)
    if reduction != "mean" and num_items_in_batch is None:
        per_head = [
            F.cross_entropy(head, target, reduction=reduction, label_smoothing=label_smoothing)
            for head, target in zip(heads, targets)
        ]
        return sum(per_head) / len(per_head)
    total = sum(
        F.cross_entropy(head, target, reduction="sum", label_smoothing=label_smoothing)
        for head, target in zip(heads, targets)
    )
    # Divided by the labelled (clip, head) entries, not averaged head by head: the same mean when every clip has
    # every head's label, but a head whose clips are all -100 (a verb-only batch) adds nothing instead of its mean
    # over no clips (NaN), and the micro-batches of one step add up to the full batch's loss, -100s and all.
    # Soft targets hold one entry per class, so their count is turned into (clip, head) entries.
    entries = labels.ne(-100).sum() if num_items_in_batch is None else num_items_in_batch
    entries = torch.as_tensor(entries, device=logits.device) * len(head_sizes) / labels.shape[-1]
    return total / entries.clamp(min=1)


@dataclass
class ViViTLabelSmoother:
    """Label-smoothed cross-entropy for transformers' `Trainer(compute_loss_func=ViViTLabelSmoother(0.1))`, with
    one head or named label spaces (smoothed per head, the heads' mean taken, as `multi_head_cross_entropy`).

    `TrainingArguments(label_smoothing_factor=...)` cannot smooth several heads: Trainer's `LabelSmoother` takes one
    log-softmax over all of `logits` (the heads side by side) and indexes it with the (b, heads) labels, which fails
    on its first step ("output with shape [b, 1] doesn't match the broadcast shape [b, heads]"). With one head this
    equals transformers' `LabelSmoother`; Trainer's `num_items_in_batch` makes gradient accumulation exact.

    `model`, optional: the model it trains, checked to have a classifier. One built with `num_labels=0` returns its
    pooled features as `logits`, and the smoother would train cross-entropy over them (the model's own
    refusal of labels runs only where it computes the loss, and Trainer hands `compute_loss_func` the outputs alone,
    whose width tells features from classes no better than the model's config does).
    """

    epsilon: float = 0.1
    # (checked, not kept: a kept model made the smoother unequal to one without, and copied the model with it)
    model: dataclasses.InitVar[nn.Module | None] = None

    def __post_init__(self, model):
        config = getattr(model, "config", None)
        if config is not None and getattr(config, "num_labels", None) == 0:
            raise ValueError(
                f"ViViTLabelSmoother smooths class labels, and this {type(model).__name__} has no classifier "
                f"(num_labels=0: its `logits` are the pooled features): give it a classifier of N classes "
                f"(`from_pretrained(path, num_labels=N, ignore_mismatched_sizes=True)`)."
            )

    def __call__(self, outputs, labels: torch.Tensor, num_items_in_batch: torch.Tensor | int | None = None):
        logits = outputs["logits"]
        head_logits = outputs.get("head_logits")
        head_sizes = [logits.shape[-1]] if head_logits is None else [head.shape[-1] for head in head_logits.values()]
        if head_logits is None and labels.ndim == 1 and not labels.is_floating_point():
            labels = labels[:, None]  # one head: one column of class indices
        self.check_labels(labels, logits, len(head_sizes))
        return multi_head_cross_entropy(
            logits,
            labels.to(logits.device),
            head_sizes,
            num_items_in_batch=num_items_in_batch,
            label_smoothing=self.epsilon,
        )

    @staticmethod
    def check_labels(labels: torch.Tensor, logits: torch.Tensor, heads: int):
        """Class indices (b, heads) or probabilities shaped like the logits; float labels of another shape (a
        regression's, a multi-label problem's) would give a loss that is silently meaningless."""
        batch, classes = logits.shape
        expected = (batch, classes) if labels.is_floating_point() else (batch, heads)
        if tuple(labels.shape) != expected:
            raise ValueError(
                f"ViViTLabelSmoother smooths single-label classification: `labels` are class indices of shape "
                f"(batch, {heads}) (or (batch,) with one head) or probabilities of the logits' shape "
                f"{(batch, classes)}, got {labels.dtype} of shape {tuple(labels.shape)}."
            )


def infer_problem_type(labels: torch.Tensor, num_labels: int) -> str:
    """transformers' rule (`ForSequenceClassificationLoss`) for a config whose `problem_type` is unset."""
    if num_labels == 1:
        return "regression"
    if num_labels > 1 and labels.dtype in (torch.long, torch.int):
        return "single_label_classification"
    return "multi_label_classification"


# transformers' MSE and BCE losses (`ForSequenceClassificationLoss`) take the mean over this micro-batch's label
# entries and ignore Trainer's `num_items_in_batch`; Trainer then no longer divides by the accumulation steps (our
# forward takes **kwargs), so without a rescale k micro-batches would train with k times the loss and gradients.
MEAN_OVER_LABEL_ENTRIES = ("regression", "multi_label_classification")


def micro_batch_share(labels: torch.Tensor, num_items_in_batch: torch.Tensor | int) -> torch.Tensor:
    """This micro-batch's share of the optimizer step's label entries, counted as Trainer counts them
    (`labels.ne(-100).sum()`, summed over the step's micro-batches). A mean over this micro-batch's entries times
    its share is the sum over them divided by the step's count: the full batch's mean once the micro-batches'
    gradients add up, and exactly the mean itself when the step is this one batch."""
    count = torch.as_tensor(num_items_in_batch, device=labels.device)
    return labels.ne(-100).sum() / count


# (what `vivit_hf.models` exports from here, as transformers' lazy package init reads each file's `__all__`)
__all__ = ["ViViTLabelSmoother"]
