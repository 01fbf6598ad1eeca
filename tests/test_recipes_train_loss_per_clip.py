# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The training loss recipes/finetune.py reports (all_results.json's and train_results.json's train_loss, the
tracker's train/loss) as transformers' Trainer reports it with `num_items_in_batch`: each optimiser step's loss is the
mean over every valid clip of its accumulation window, the loss the step's gradient is of."""

import json
import shutil

import pytest
import torch.nn.functional as F
from test_recipes_finetune import TINY_MODEL, load_recipe, run_in_process
from video_factory import ramp_videofolder


@pytest.fixture(scope="module")
def thirteen_clips_one_broken(tmp_path_factory):
    """13 training clips, one of them broken: in batches of 2 at accumulation 4, windows of 4 and 3 batches, the last
    batch of one clip and one batch with the broken clip beside a valid one."""
    # seeded by the clips' names (not hash(), which PYTHONHASHSEED salts): the same data, and losses, in every run
    root = ramp_videofolder(tmp_path_factory.mktemp("thirteen_clips"), counts=(("train", 6), ("test", 1)))
    (root / "train" / "up" / "broken.mp4").write_bytes(b"not a video at all")
    return root


def test_train_loss_is_the_mean_over_the_valid_clips_of_each_step_as_trainer_reports_it(
    thirteen_clips_one_broken, tmp_path, monkeypatch
):
    """Each step's loss was the mean of its batches' means: the one clip of the epoch's last batch, and the valid clip
    beside the broken one, weighed twice a clip of a full batch, in the loss reported though not in the gradient.
    Trainer's is the sum of the window's clip losses over their count (its num_items_in_batch); the reference here is
    each clip's cross-entropy, recorded from the logits of every batch apart from the recipe's loss."""
    data = tmp_path / "data"
    shutil.copytree(thirteen_clips_one_broken, data)
    recipe = load_recipe()
    batches = []  # (valid clips' losses) per batch, in order
    loss_of_batch = recipe.classification_loss

    def recorded_loss(logits, targets, valid, head_sizes):
        per_clip = F.cross_entropy(logits.float(), targets.float(), reduction="none")
        batches.append(per_clip[valid.bool()].detach().tolist())
        return loss_of_batch(logits, targets, valid, head_sizes)

    monkeypatch.setattr(recipe, "classification_loss", recorded_loss)
    flags = ["--num_train_epochs", "1", "--gradient_accumulation_steps", "4"]
    run_in_process(recipe, "--dataset", data, "--output_dir", tmp_path / "out", *TINY_MODEL, *flags)
    assert len(batches) == 7 and sum(map(len, batches)) == 12  # windows of 4 and 3 batches, one broken clip
    windows = [batches[:4], batches[4:]]
    step_losses = [sum(map(sum, window)) / sum(map(len, window)) for window in windows]  # Trainer's
    mean_of_means = [sum(sum(b) / max(len(b), 1) for b in window) / len(window) for window in windows]  # what it was
    expected, before = sum(step_losses) / 2, sum(mean_of_means) / 2
    assert abs(expected - before) > 1e-4 * expected  # the two differ on this data: the test can tell them apart
    reported = json.loads((tmp_path / "out" / "train_results.json").read_text())["train_loss"]
    assert reported == pytest.approx(expected, rel=1e-6)


def test_a_step_whose_every_clip_is_broken_is_no_step_of_train_loss(thirteen_clips_one_broken, tmp_path, monkeypatch):
    """In batches of 1 without accumulation, the broken clip is a step of its own, with no valid clip: it added a
    loss of 0 to train_loss as one of 13 steps (1/13 low), where Trainer puts the mean so far in place of a step's
    NaN loss (0/0), not a 0. It is no step of the mean now, and --logging_steps 1 logs no train/loss for it (no
    division by 0 steps)."""
    data = tmp_path / "data"
    shutil.copytree(thirteen_clips_one_broken, data)
    recipe = load_recipe()
    clip_losses = []
    loss_of_batch = recipe.classification_loss

    def recorded_loss(logits, targets, valid, head_sizes):
        per_clip = F.cross_entropy(logits.float(), targets.float(), reduction="none")
        clip_losses.extend(per_clip[valid.bool()].detach().tolist())
        return loss_of_batch(logits, targets, valid, head_sizes)

    monkeypatch.setattr(recipe, "classification_loss", recorded_loss)
    flags = ["--num_train_epochs", "1", "--per_device_train_batch_size", "1", "--gradient_accumulation_steps", "1"]
    flags += ["--logging_steps", "1"]
    run_in_process(recipe, "--dataset", data, "--output_dir", tmp_path / "out", *TINY_MODEL, *flags)
    assert len(clip_losses) == 12  # 13 steps, one of them the broken clip's
    reported = json.loads((tmp_path / "out" / "train_results.json").read_text())["train_loss"]
    assert reported == pytest.approx(sum(clip_losses) / 12, rel=1e-6)  # it was their sum over 13
