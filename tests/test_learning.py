# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The fine-tuning recipe learns: a few seconds of training on clips whose class only time tells (brightness ramping
up or down; every frame's brightness occurs in both classes) lower the loss and lift top-1 well above chance, also
with mixup + label smoothing, gradient accumulation and bf16 autocast; and a broken clip is masked out of the loss.

The runs call `recipes/finetune.py`'s `main(argv)` in this process (no interpreter start-up), with the loss function
wrapped to record each step's loss and targets.

The bundled synthetic motion set is not used here: its motion classes need thousands of steps of the tiny model
(its preset trains 40 epochs), minutes rather than seconds on two cores.
"""

import importlib.util
import json

import pytest
import torch
import torch.nn.functional as F
from accelerate.state import AcceleratorState
from test_recipes_finetune import FINETUNE, TINY_MODEL, tiny_clip

from vivit_hf.training.finetune import classification_loss

CHANCE = 0.5  # two classes, eight test clips each


@pytest.fixture(scope="module")
def ramps(tmp_path_factory):
    root = tmp_path_factory.mktemp("ramps")
    for split, count in (("train", 16), ("test", 8)):
        for label, name in enumerate(("up", "down")):
            for i in range(count):
                tiny_clip(
                    root / split / name / f"{name}_{i}.mp4", label, seed=1000 * (split == "test") + 10 * i + label
                )
    return root


def load_recipe():
    spec = importlib.util.spec_from_file_location("finetune_recipe_under_test", FINETUNE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def train(data, output_dir, *flags):
    """Run the recipe in this process; returns (all_results, [(loss, targets, pixel_values) per micro-step])."""
    recipe = load_recipe()
    steps = []

    def recording_loss(logits, targets, valid, head_sizes):
        loss = classification_loss(logits, targets, valid, head_sizes)
        steps.append((loss.item(), targets.detach().clone()))
        return loss

    recipe.classification_loss = recording_loss
    argv = ["--dataset", str(data), "--output_dir", str(output_dir), *TINY_MODEL]
    argv += [
        "--hidden_dropout_prob",
        "0",
        "--warmup_epochs",
        "0",
        "--learning_rate",
        "3e-3",
        "--seed",
        "0",
        "--cache_decoded_videos",
        "no",
        *flags,
    ]
    try:
        recipe.main(argv)
    finally:
        AcceleratorState._reset_state(reset_partial_state=True)
    return json.loads((output_dir / "all_results.json").read_text()), steps


def mean(values):
    return sum(values) / len(values)


RUNS = {
    "plain": ["--num_train_epochs", "6"],
    "mixup_and_label_smoothing": ["--num_train_epochs", "6", "--mixup_alpha", "0.3", "--label_smoothing", "0.1"],
    "gradient_accumulation": [
        "--num_train_epochs",
        "10",
        "--gradient_accumulation_steps",
        "2",
        "--learning_rate",
        "5e-3",
    ],
    "bf16_autocast": ["--num_train_epochs", "6", "--mixed_precision", "bf16"],
}


@pytest.mark.parametrize("run", RUNS)
def test_finetune_loss_falls_and_top1_clears_chance(ramps, tmp_path, run):
    results, steps = train(ramps, tmp_path, *RUNS[run])
    losses = [loss for loss, _ in steps]
    assert mean(losses[-8:]) < 0.6 * mean(losses[:8]), f"the loss did not fall: {losses}"
    assert results["top1"] >= CHANCE + 0.35, f"top-1 {results['top1']} vs chance {CHANCE}: {results['history']}"
    assert results["num_samples"] == 16
    if run == "gradient_accumulation":
        assert results["completed_steps"] == 10 * 32 // (2 * 2)  # optimizer steps, not micro-batches
        assert results["effective_total_batch_size"] == 4  # per-device 2 x 1 process x accumulation 2
    if run == "mixup_and_label_smoothing":
        # The loss saw mixed soft targets: rows with mass on both classes beyond what smoothing alone gives.
        targets = torch.cat([t for _, t in steps])
        assert (targets.min(dim=1).values > 0.1).float().mean() > 0.2, targets[:8]


def test_recipe_feeds_the_model_the_mixed_clips_and_the_loss_their_mixed_labels(ramps, tmp_path):
    recipe = load_recipe()
    seen = {"mixup": [], "model": []}

    class RecordingMixup(recipe.VideoMixup):
        def __call__(self, pixel_values, labels, *valid):
            mixed, targets = super().__call__(pixel_values, labels, *valid)
            seen["mixup"].append((pixel_values.clone(), mixed.clone(), targets.clone()))
            return mixed, targets

    build_model = recipe.build_model

    def recording_build_model(args, data, *more):  # (more: what a resume built the model from)
        model, processor = build_model(args, data, *more)
        model.register_forward_pre_hook(
            lambda module, args, kwargs: (
                seen["model"].append(kwargs["pixel_values"].clone()) if module.training else None
            ),
            with_kwargs=True,
        )
        return model, processor

    recipe.VideoMixup, recipe.build_model = RecordingMixup, recording_build_model
    try:
        recipe.main(
            ["--dataset", str(ramps), "--output_dir", str(tmp_path), *TINY_MODEL]
            + [
                "--max_train_steps",
                "3",
                "--mixup_alpha",
                "1.0",
                "--learning_rate",
                "1e-3",
                "--cache_decoded_videos",
                "no",
            ]
        )
    finally:
        AcceleratorState._reset_state(reset_partial_state=True)
    assert len(seen["mixup"]) == 3 and len(seen["model"]) == 3
    for (original, mixed, targets), given in zip(seen["mixup"], seen["model"]):
        torch.testing.assert_close(given, mixed)  # the model trains on the mixed clips
        assert not torch.equal(mixed, original)
        # mixed = lam * clip + (1 - lam) * its partner in the reversed batch, and the labels carry the same lam
        partner = original.flip(0)
        lam = ((mixed - partner) * (original - partner)).sum() / (original - partner).pow(2).sum()
        torch.testing.assert_close(mixed, lam * original + (1 - lam) * partner, rtol=1e-4, atol=1e-4)
        assert targets.shape == (len(original), 2)
        torch.testing.assert_close(targets.sum(-1), torch.ones(len(original)))


def test_recipe_never_mixes_a_decoded_clip_with_a_broken_one(tmp_path):
    """Three decodable training clips and a broken one, in batches of 2 under mixup: the broken clip (fed as zeros,
    out of the loss) always shares a batch with a decoded clip, which the reversed batch blended with black and gave
    the broken clip's label, as a clip of the loss. Each decoded clip the model sees must be a blend of decoded
    clips (itself alone where it has no other): lam * clip + (1 - lam) * partner, partner decoded."""
    data = tmp_path / "data"
    for split, count in (("train", 2), ("test", 1)):
        for label, name in enumerate(("up", "down")):
            for i in range(count if (split, name) != ("train", "down") else 1):
                tiny_clip(data / split / name / f"{name}_{i}.mp4", label, seed=10 * i + label)
    (data / "train" / "down" / "broken.mp4").write_bytes(b"not a video at all")
    recipe = load_recipe()
    seen = []

    class RecordingMixup(recipe.VideoMixup):
        def __call__(self, pixel_values, labels, *valid):
            mixed, targets = super().__call__(pixel_values, labels, *valid)
            seen.append((pixel_values.clone(), mixed.clone()))
            return mixed, targets

    recipe.VideoMixup = RecordingMixup
    argv = ["--dataset", str(data), "--output_dir", str(tmp_path / "out"), *TINY_MODEL]
    argv += ["--num_train_epochs", "2", "--mixup_alpha", "1.0", "--cache_decoded_videos", "no", "--seed", "0"]
    try:
        recipe.main(argv)
    finally:
        AcceleratorState._reset_state(reset_partial_state=True)
    assert len(seen) == 4
    blended_with_black, with_broken = 0, 0
    for original, mixed in seen:
        decoded = [i for i in range(len(original)) if original[i].abs().sum() > 0]
        with_broken += len(decoded) < len(original)
        for i in decoded:
            # the best fit of mixed[i] as a blend of clip i and each decoded clip j
            fits = []
            for j in decoded:
                difference = original[i] - original[j]
                if difference.abs().sum() == 0:
                    fits.append((mixed[i] - original[i]).abs().max().item())
                    continue
                lam = ((mixed[i] - original[j]) * difference).sum() / difference.pow(2).sum()
                fits.append((mixed[i] - (lam * original[i] + (1 - lam) * original[j])).abs().max().item())
            blended_with_black += min(fits) > 1e-4
    assert with_broken == 2  # the broken clip in one batch of each epoch
    assert blended_with_black == 0


def cross_entropy_by_hand(logits, targets):
    return -(targets * logits.log_softmax(-1)).sum(-1)


def test_a_broken_clip_is_masked_out_of_the_loss():
    torch.manual_seed(0)
    logits = torch.randn(4, 3, requires_grad=True)
    targets = F.one_hot(torch.tensor([0, 2, 1, 1]), 3).float()
    valid = torch.tensor([True, False, True, True])
    garbage = logits.detach().clone()
    garbage[1] = torch.tensor([1e4, -1e4, 0.0])  # a zero clip's logits could be anything
    loss = classification_loss(torch.where(valid[:, None], logits, garbage), targets, valid, [3])
    expected = cross_entropy_by_hand(logits.detach()[[0, 2, 3]], targets[[0, 2, 3]]).mean()
    torch.testing.assert_close(loss.detach(), expected)
    loss.backward()
    assert torch.equal(logits.grad[1], torch.zeros(3))  # no gradient from the broken clip
    assert logits.grad[[0, 2, 3]].abs().sum() > 0


def test_loss_over_two_heads_averages_the_heads_and_masks_broken_clips():
    torch.manual_seed(1)
    logits = torch.randn(3, 5)  # noun 3 + verb 2
    targets = torch.cat([F.one_hot(torch.tensor([2, 0, 1]), 3), F.one_hot(torch.tensor([1, 1, 0]), 2)], -1).float()
    valid = torch.tensor([True, True, False])
    loss = classification_loss(logits, targets, valid, [3, 2])
    per_clip = cross_entropy_by_hand(logits[:, :3], targets[:, :3]) + cross_entropy_by_hand(
        logits[:, 3:], targets[:, 3:]
    )
    torch.testing.assert_close(loss, per_clip[:2].mean() / 2)  # the heads' mean, as scenic's


def test_a_batch_of_only_broken_clips_has_zero_loss():
    loss = classification_loss(
        torch.randn(2, 3), F.one_hot(torch.tensor([0, 1]), 3).float(), torch.zeros(2, dtype=torch.bool), [3]
    )
    assert loss.item() == 0.0
