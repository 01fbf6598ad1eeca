# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The loss against scenic's and against the one-big-batch gradient.

The multi-head loss is worked out here in numpy from scenic's own functions (`projects/vivit/model.py`,
`ViViTMultiHeadClassificationModel.loss_function`, and `model_lib/base_models/model_utils.py`'s
`weighted_softmax_cross_entropy` and `apply_label_smoothing`), not from the model's code path. The recipe's
gradient accumulation is checked against the gradient of the mean over every valid clip of the optimiser step."""

import shutil
import types

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from test_recipes_finetune import TINY_MODEL, load_recipe, run_in_process

import vivit_hf
from vivit_hf.training.finetune import soft_targets
from vivit_hf.training.mixup import VideoMixup


# ----------------------------------------------------------------------------------------- scenic's loss in numpy
def scenic_log_softmax(logits):
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def scenic_apply_label_smoothing(one_hot_targets, label_smoothing):
    """model_utils.apply_label_smoothing: on-values 1 - eps + eps/K, off-values eps/K, K the head's classes."""
    num_classes = one_hot_targets.shape[-1]
    return one_hot_targets * (1.0 - label_smoothing) + label_smoothing / num_classes


def scenic_weighted_softmax_cross_entropy(logits, one_hot_targets, weights=None, label_smoothing=None):
    """model_utils.weighted_softmax_cross_entropy: sum over the batch_mask's clips / (their count + 1e-8)."""
    normalization = weights.sum() if weights is not None else np.prod(one_hot_targets.shape[:-1])
    if label_smoothing is not None:
        one_hot_targets = scenic_apply_label_smoothing(one_hot_targets, label_smoothing)
    loss = -one_hot_targets * scenic_log_softmax(logits)
    if weights is not None:
        loss = loss * weights[:, None]
    return loss.sum() / (normalization + 1e-8)


def scenic_multi_head_loss(logits, one_hot_targets, class_splits, weights=None, label_smoothing=None):
    """ViViTMultiHeadClassificationModel.loss_function: each head's weighted_softmax_cross_entropy (the targets
    split like the logits, then smoothed per head), and `jnp.mean` of them."""
    splits = np.cumsum(class_splits)
    logit_splits = np.split(logits, splits, axis=-1)[:-1]
    target_splits = np.split(one_hot_targets, splits, axis=-1)[:-1]
    losses = [
        scenic_weighted_softmax_cross_entropy(head, target, weights, label_smoothing)
        for head, target in zip(logit_splits, target_splits)
    ]
    return np.mean(np.array(losses))


def one_hot_concatenated(labels, class_splits):
    """scenic's Epic Kitchens label: each head's one-hot, side by side (`class_splits`)."""
    return np.concatenate([np.eye(size)[labels[:, i]] for i, size in enumerate(class_splits)], axis=-1)


LABEL_SPACES = {"noun": 5, "verb": 3}
SPLITS = list(LABEL_SPACES.values())


def tiny_two_head_model():
    torch.manual_seed(0)
    config = vivit_hf.ViViTSpatioTemporalConfig(
        num_frames=4,
        image_size=16,
        tubelet_size=[2, 8, 8],
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        label_spaces=LABEL_SPACES,
    )
    return vivit_hf.ViViTSpatioTemporalForVideoClassification(config).eval()


def test_the_models_multi_head_loss_is_scenics():
    model = tiny_two_head_model()
    labels = torch.tensor([[4, 0], [1, 2], [0, 1]])
    out = model(pixel_values=torch.randn(3, 4, 3, 16, 16), labels=labels)
    logits = out.logits.detach().double().numpy()
    expected = scenic_multi_head_loss(logits, one_hot_concatenated(labels.numpy(), SPLITS), SPLITS)
    np.testing.assert_allclose(out.loss.item(), expected, rtol=1e-5)


def test_label_smoothing_of_label_spaces_is_scenics_per_head():
    """`ViViTLabelSmoother` (Trainer's loss for smoothed label spaces) equals scenic's loss_function with
    `config.label_smoothing`: each head smoothed over its own classes."""
    model = tiny_two_head_model()
    labels = torch.tensor([[4, 0], [1, 2], [0, 1]])
    out = model(pixel_values=torch.randn(3, 4, 3, 16, 16))
    got = vivit_hf.ViViTLabelSmoother(0.2)(out, labels)
    logits = out.logits.detach().double().numpy()
    expected = scenic_multi_head_loss(logits, one_hot_concatenated(labels.numpy(), SPLITS), SPLITS, label_smoothing=0.2)
    np.testing.assert_allclose(got.item(), expected, rtol=1e-5)


def test_an_unlabelled_head_is_ignored_and_micro_batches_add_up_to_the_batch():
    """Clips labelled in one label space only (-100 in the other, as a verb-only annotation gives): the loss is the
    mean over the labelled (clip, head) entries, worked out here from torch's per-entry cross-entropy; a batch whose
    nouns are all -100 gave NaN (the noun head's mean over no clips), and micro-batches of one step, each scaled by
    Trainer's num_items_in_batch, add up to the one big batch's loss."""
    model = tiny_two_head_model()
    labels = torch.tensor([[4, -100], [1, 2], [0, 1], [3, -100]])
    logits = model(pixel_values=torch.randn(4, 4, 3, 16, 16)).logits.detach()
    noun, verb = logits.split(SPLITS, dim=-1)
    entries = torch.cat(
        [
            F.cross_entropy(noun, labels[:, 0], reduction="none"),
            F.cross_entropy(verb[1:3], labels[1:3, 1], reduction="none"),
        ]
    )
    assert entries.numel() == 6
    full = model.compute_loss(labels, logits, model.split_heads(logits))
    torch.testing.assert_close(full, entries.mean())

    verb_only = torch.tensor([[4, -100], [3, -100]])
    got = model.compute_loss(verb_only, logits[[0, 3]], model.split_heads(logits[[0, 3]]))
    torch.testing.assert_close(got, F.cross_entropy(noun[[0, 3]], verb_only[:, 0]))

    count = labels.ne(-100).sum()
    parts = [
        model.compute_loss(labels[rows], logits[rows], model.split_heads(logits[rows]), num_items_in_batch=count)
        for rows in (slice(0, 3), slice(3, 4))
    ]
    torch.testing.assert_close(sum(parts), full)


def test_recipe_loss_with_mixup_label_smoothing_and_a_broken_clip_is_scenics():
    """The recipe's targets (smoothed per head, then mixed) and loss (the valid clips' mean) against scenic's
    train step: mixup of the concatenated one-hot labels (`dataset_utils.mixup`), smoothing inside the loss
    (smoothing is affine in the targets, so mixing smoothed targets gives the same), the broken clip as
    `batch_mask` 0."""
    recipe = load_recipe()
    labels = torch.tensor([[4, 0], [1, 2], [0, 1], [2, 2]])
    valid = torch.tensor([True, True, False, True])
    pixel_values = torch.randn(4, 4, 3, 16, 16)
    mixup = VideoMixup(sum(SPLITS), mixup_alpha=0.5)
    mixup.rng = np.random.default_rng(3)
    _, targets = mixup(pixel_values, soft_targets(labels, SPLITS, 0.1), valid)
    logits = torch.randn(4, sum(SPLITS), dtype=torch.float64)
    got = recipe.classification_loss(logits, targets, valid, SPLITS)

    # scenic mixes the unsmoothed labels with the same weight and partners, then smooths in the loss
    mixup.rng = np.random.default_rng(3)
    _, mixed = mixup(pixel_values, soft_targets(labels, SPLITS, 0.0), valid)
    expected = scenic_multi_head_loss(
        logits.numpy(), mixed.double().numpy(), SPLITS, weights=valid.double().numpy(), label_smoothing=0.1
    )
    np.testing.assert_allclose(got.item(), expected, rtol=1e-5)


# --------------------------------------------------------------------------------- gradient accumulation, per clip
def test_accumulated_gradient_is_the_mean_over_every_valid_clip_of_the_step(videofolder, tmp_path, monkeypatch):
    """13 training clips, one broken, batches of 2 at accumulation 4: 7 batches (the last of one clip), windows of
    4 and 3 batches, one batch with the broken clip. Each optimiser step's gradient must be the gradient of the mean
    loss over the window's valid clips, as one batch of all of them gives it (and as transformers' Trainer does with
    `num_items_in_batch`): the sum of each clip's loss gradient, by autograd from each batch's logits apart from
    accelerate, over the count of valid clips. The recipe took the mean of the batches' means, so that the one clip
    of the last batch weighed as much as two clips of another."""
    data = tmp_path / "data"
    shutil.copytree(videofolder, data)
    (data / "train" / "up" / "broken.mp4").write_bytes(b"not a video at all")
    recipe = load_recipe()
    params, window, steps = [], [], []
    loss_of_batch, make_optimizer = recipe.classification_loss, recipe.build_optimizer

    def recorded_loss(logits, targets, valid, head_sizes):
        per_clip = F.cross_entropy(logits.float(), targets.float(), reduction="none")
        clip_sum = (per_clip * valid.float()).sum()
        grads = torch.autograd.grad(clip_sum, params, retain_graph=True, allow_unused=True)
        sums = [torch.zeros_like(p) if g is None else g.detach().clone() for p, g in zip(params, grads)]
        window.append((sums, int(valid.sum()), len(valid)))
        return loss_of_batch(logits, targets, valid, head_sizes)

    def recording_optimizer(args, model, *rest):
        optimizer = make_optimizer(args, model, *rest)
        params[:] = [p for p in model.parameters() if p.requires_grad]
        step = optimizer.step

        def checked_step(self, *args, **kwargs):  # called on the optimiser steps only (accelerate skips the others)
            clips = sum(count for _, count, _ in window)
            expected = [torch.stack(grads).sum(0) / clips for grads in zip(*(sums for sums, _, _ in window))]
            error = max((p.grad - e).abs().max().item() for p, e in zip(params, expected))
            largest = max(e.abs().max().item() for e in expected)
            steps.append(([(valid, rows) for _, valid, rows in window], error, largest))
            window.clear()
            return step(*args, **kwargs)

        optimizer.step = types.MethodType(checked_step, optimizer)  # a method: the LR scheduler wraps it
        return optimizer

    monkeypatch.setattr(recipe, "classification_loss", recorded_loss)
    monkeypatch.setattr(recipe, "build_optimizer", recording_optimizer)
    flags = ["--num_train_epochs", "1", "--gradient_accumulation_steps", "4", "--max_grad_norm", "0"]
    run_in_process(recipe, "--dataset", data, "--output_dir", tmp_path / "out", *TINY_MODEL, *flags)
    batches = [batch for window_batches, _, _ in steps for batch in window_batches]
    assert [len(window_batches) for window_batches, _, _ in steps] == [4, 3]
    assert sum(valid for valid, _ in batches) == 12 and batches[-1][1] == 1  # the broken clip; the last batch
    for window_batches, error, largest in steps:
        assert largest > 1e-3 and error <= 1e-6 + 1e-5 * largest, (window_batches, error, largest)


def test_deepspeed_is_refused_rather_than_trained_with_unweighted_gradients():
    """DeepSpeed keeps the gradients in its own buffers (no parameter's `.grad`): the rescaling at the step would
    silently do nothing, and each step train with its batches' valid-clip sums over the batch size, not their mean."""
    from accelerate.utils import DistributedType

    from vivit_hf.training.finetune import ValidClipMean

    accelerator = types.SimpleNamespace(distributed_type=DistributedType.DEEPSPEED, device=torch.device("cpu"))
    with pytest.raises(ValueError, match="DeepSpeed.*DDP or FSDP"):
        ValidClipMean(accelerator, batch_size=2)
