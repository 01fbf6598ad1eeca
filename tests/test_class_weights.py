# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""--class_weights balanced: the weights are scikit-learn's n / (K * n_c), computed here from the clips on disk; the
weighted soft-target loss is torch's `cross_entropy(weight=...)` clip by clip (label smoothing too); a run trains
with them and records them (tiny runs, CPU, offline)."""

import json

import pytest
import torch
import torch.nn.functional as F
from test_recipes_finetune import FINETUNE, TINY_MODEL, run, tiny_clip, weights

from vivit_hf.training.class_weights import balanced_class_weights
from vivit_hf.training.finetune import classification_loss, soft_targets


def test_balanced_weights_give_every_class_the_weight_of_an_equal_share():
    counts, sizes = [6, 2, 0, 4, 3, 1], [4, 2]  # two heads; the first's class 2 has no clip
    weights = balanced_class_weights(counts, sizes)
    assert weights == pytest.approx([12 / (3 * 6), 12 / (3 * 2), 1.0, 12 / (3 * 4), 4 / (2 * 3), 4 / (2 * 1)])
    for start, size in ((0, 4), (4, 2)):  # each present class's clips now weigh n / K in all
        shares = {c * w for c, w in zip(counts[start : start + size], weights[start : start + size]) if c}
        assert max(shares) == pytest.approx(min(shares))


@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_the_weighted_loss_is_torchs_weighted_cross_entropy_clip_by_clip(smoothing):
    torch.manual_seed(0)
    logits, labels = torch.randn(7, 5), torch.tensor([0, 1, 1, 4, 2, 0, 3])
    class_weights = torch.tensor([0.5, 2.0, 1.0, 3.0, 0.25])
    valid = torch.tensor([True, True, False, True, True, True, True])
    targets = soft_targets(labels, [5], smoothing) * class_weights  # what the recipe's loop does
    ours = classification_loss(logits, targets, valid, [5])
    per_clip = F.cross_entropy(logits, labels, weight=class_weights, label_smoothing=smoothing, reduction="none")
    assert ours == pytest.approx(float(per_clip[valid].sum() / valid.sum()), rel=1e-6)
    # the mean over the clips, as torch's own mean of soft targets (probabilities) takes it: not its class-index
    # form's mean over the weights' sum, which at a batch of 1 would cancel the weight of every clip
    soft = soft_targets(labels, [5], smoothing)[valid]
    assert ours == pytest.approx(float(F.cross_entropy(logits[valid], soft, weight=class_weights)), rel=1e-6)


@pytest.fixture(scope="module")
def imbalanced(tmp_path_factory):
    """6 clips of `up`, 2 of `down` to train on."""
    root = tmp_path_factory.mktemp("imbalanced")
    for split, counts in (("train", (6, 2)), ("test", (2, 2))):
        for label, (name, count) in enumerate(zip(("up", "down"), counts)):
            for i in range(count):
                seed = label * 100 + i + (50 if split == "test" else 0)
                tiny_clip(root / split / name / f"{name}_{i}.mp4", label, seed=seed, width=24)
    return root


def test_a_run_with_balanced_class_weights_trains_on_them_and_records_them(imbalanced, tmp_path):
    args = ["--dataset", imbalanced, *TINY_MODEL, "--max_train_steps", "2", "--learning_rate", "0.01"]
    run(FINETUNE, *args, "--output_dir", tmp_path / "weighted", "--class_weights", "balanced")
    run(FINETUNE, *args, "--output_dir", tmp_path / "plain")
    on_disk = {name: len(list((imbalanced / "train" / name).iterdir())) for name in ("up", "down")}
    expected = {name: 8 / (2 * count) for name, count in on_disk.items()}
    results = json.loads((tmp_path / "weighted" / "all_results.json").read_text())
    assert list(results["train_class_weights"].values()) == [pytest.approx(expected)]  # one head
    assert "train_class_weights" not in json.loads((tmp_path / "plain" / "all_results.json").read_text())
    weighted, plain = weights(tmp_path / "weighted"), weights(tmp_path / "plain")
    assert any(not torch.equal(weighted[name], plain[name]) for name in plain)  # the weights changed the training
    assert "| class_weights | balanced |" in (tmp_path / "weighted" / "README.md").read_text()


def test_class_weights_with_streaming_are_refused_before_the_run(imbalanced, tmp_path):
    result = run(
        FINETUNE,
        "--dataset",
        imbalanced,
        "--dataset_format",
        "hub",
        "--streaming",
        "--output_dir",
        tmp_path / "o",
        *TINY_MODEL,
        "--class_weights",
        "balanced",
        check=False,
    )
    assert result.returncode == 2 and "--class_weights" in result.stderr.strip().splitlines()[-1]
    assert not (tmp_path / "o").exists()


def test_a_resume_that_turns_class_weights_on_or_off_says_so(imbalanced):
    """The loss changes from the resumed step on, as for --label_smoothing: a warning naming the flag."""
    import argparse

    from test_recipes_finetune import TINY_MODEL as flags

    from vivit_hf.training.finetune_flags import parse_args
    from vivit_hf.training.resume import check_resume_settings, run_settings

    plain = parse_args(["--dataset", str(imbalanced), *flags], check_paths=False)
    plain.gradient_accumulation_steps = plain.effective_total_batch_size = 1  # what decide_start resolves
    weighted = argparse.Namespace(**{**vars(plain), "class_weights": "balanced"})
    for argv in ((plain, weighted), (weighted, plain)):
        saved, current = (json.loads(json.dumps(run_settings(args, 1))) for args in argv)
        said = check_resume_settings(saved, current)
        assert any("--class_weights" in line for line in said), said
    assert "class_weights" not in run_settings(plain, 1)["other"]  # as recorded before the flag existed
