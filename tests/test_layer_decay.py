# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""--layer_decay: each parameter's learning rate is BEiT's `lr * decay ** (L + 1 - depth)`, its depth assigned here by
hand for each of the four variants; the schedule and a resume with a new --learning_rate keep each group's share of
the peak; a run killed and resumed ends with the uninterrupted run's weights (tiny runs, CPU, offline)."""

import argparse
import json
import signal

import fresh_python
import pytest
import torch
from test_recipes_finetune import FINETUNE, KILLED_AFTER_STEP_4, REPO, TINY_MODEL, env, run, tiny_clip, weights
from transformers import get_scheduler

from vivit_hf.models.modeling_vivit import VIVIT_MODELS
from vivit_hf.training.finetune import build_optimizer, decay_exempt
from vivit_hf.training.resume import apply_resumed_hyperparameters

LR, DECAY = 1e-3, 0.5
TINY = dict(hidden_size=16, num_attention_heads=2, intermediate_size=32, image_size=16, num_frames=4)
TINY.update(tubelet_size=[2, 8, 8], num_labels=3, num_hidden_layers=2)


def tiny_model(variant, **overrides):
    config_class, _, model_class = VIVIT_MODELS[variant]
    extra = {"num_temporal_layers": 3} if variant == "factorised_encoder" else {}
    return model_class(config_class(**TINY, **{**extra, **overrides}))


def depth_by_hand(variant, name):
    """BEiT's depths, written out for 2 blocks (Model 2: 2 spatial then 3 temporal blocks, L = 5)."""
    blocks = 5 if variant == "factorised_encoder" else 2
    if name.startswith(("vivit.token_embedding.", "vivit.encoder.cls_token", "vivit.encoder.position_embeddings")):
        return 0
    if name.startswith(("vivit.spatial_encoder.cls_token", "vivit.spatial_encoder.position_embeddings")):
        return 0
    for k in range(2):
        if name.startswith((f"vivit.encoder.layers.{k}.", f"vivit.spatial_encoder.layers.{k}.")):
            return k + 1
    if name.startswith(("vivit.spatial_encoder.layernorm.", "vivit.temporal_encoder.cls_token")):
        return 2  # after spatial block 2, before temporal block 1
    if name.startswith("vivit.temporal_encoder.position_embeddings"):
        return 2
    for k in range(3):
        if name.startswith(f"vivit.temporal_encoder.layers.{k}."):
            return 2 + k + 1
    head = ("classifier.", "pre_logits.", "vivit.encoder.layernorm.", "vivit.temporal_encoder.layernorm.")
    assert name.startswith(head), name
    return blocks + 1


def flags(**values):
    base = dict(optimizer="adamw", learning_rate=LR, weight_decay=0.05, momentum=0.9, layer_decay=DECAY)
    return argparse.Namespace(**{**base, **values})


@pytest.mark.parametrize("representation_size", [None, 8])  # 8: a pre_logits layer (scenic's), was refused
@pytest.mark.parametrize("variant", list(VIVIT_MODELS))
def test_each_parameter_learns_at_beits_layer_wise_rate(variant, representation_size):
    model = tiny_model(variant, representation_size=representation_size)
    blocks = 5 if variant == "factorised_encoder" else 2
    optimizer = build_optimizer(flags(), model)
    group_of = {id(p): group for group in optimizer.param_groups for p in group["params"]}
    exempt = decay_exempt(model)
    for name, param in model.named_parameters():
        group = group_of.pop(id(param))
        assert group["lr"] == pytest.approx(LR * DECAY ** (blocks + 1 - depth_by_hand(variant, name)), rel=1e-12), name
        assert group["weight_decay"] == (0.0 if name in exempt else 0.05), name  # biases and norms stay undecayed
    assert not group_of  # every parameter once
    assert optimizer.param_groups[0]["lr"] == LR  # the classifier's, at the full rate: the tracker's train/lr
    # without the flag, one rate for all (the groups as before)
    assert {group["lr"] for group in build_optimizer(flags(layer_decay=None), model).param_groups} == {LR}


def test_model_2_without_a_temporal_encoder_learns_at_model_1s_rates():
    """Model 2's spatial_only_baseline has no temporal encoder: its spatial encoder's LayerNorm is the final one, before
    the frame summaries' mean and the classifier (BEiT's depth L + 1, as Model 1's). It was put between the encoders, at
    depth L: a decay too many (at 0.5, half the rate). Each parameter learns at the rate of Model 1's of its name."""

    def rates(model, prefix):
        optimizer = build_optimizer(flags(), model)
        names = {id(p): n.replace(prefix, "vivit.encoder.") for n, p in model.named_parameters()}
        return {names[id(p)]: group["lr"] for group in optimizer.param_groups for p in group["params"]}

    spatial_only = tiny_model("factorised_encoder", spatial_only_baseline=True, num_temporal_layers=0)
    assert rates(spatial_only, "vivit.spatial_encoder.") == rates(tiny_model("spatio_temporal"), "vivit.encoder.")


def test_the_schedule_and_a_resume_with_a_new_learning_rate_keep_each_groups_share_of_the_peak():
    model = tiny_model("factorised_encoder")
    optimizer = build_optimizer(flags(), model)
    scales = [group["lr"] / LR for group in optimizer.param_groups]
    scheduler = get_scheduler("cosine", optimizer, num_warmup_steps=3, num_training_steps=20)
    reference = get_scheduler("cosine", torch.optim.SGD([torch.zeros(1)], lr=LR), 3, 20)  # one group, the peak
    for _ in range(7):
        optimizer.step(), scheduler.step(), reference.optimizer.step(), reference.step()
    peak_now = reference.get_last_lr()[0]
    assert [group["lr"] for group in optimizer.param_groups] == pytest.approx([peak_now * s for s in scales])
    saved = {"other": {"learning_rate": LR, "weight_decay": 0.05, "momentum": 0.9}}
    applied = apply_resumed_hyperparameters(optimizer, scheduler, flags(learning_rate=2 * LR), saved)
    assert applied == [f"--learning_rate {LR!r} -> {2 * LR!r}"]
    assert [group["lr"] for group in optimizer.param_groups] == pytest.approx([2 * peak_now * s for s in scales])
    scheduler.step(), reference.step()
    assert [group["lr"] for group in optimizer.param_groups] == pytest.approx(
        [2 * reference.get_last_lr()[0] * s for s in scales]
    )


@pytest.fixture(scope="module")
def videofolder(tmp_path_factory):
    root = tmp_path_factory.mktemp("videofolder")
    for split, count in (("train", 6), ("test", 3)):
        for label, name in enumerate(("up", "down")):
            for i in range(count):
                seed = label * 100 + i + (50 if split == "test" else 0)
                tiny_clip(root / split / name / f"{name}_{i}.mp4", label, seed=seed, width=24)
    return root


def decayed_run(videofolder, out):
    return ["--dataset", videofolder, "--output_dir", out, *TINY_MODEL, "--num_train_epochs", "2"] + [
        "--checkpointing_steps",
        "2",
        "--layer_decay",
        "0.5",
        "--learning_rate",
        "0.01",
    ]


@pytest.fixture(scope="module")
def uninterrupted(videofolder, tmp_path_factory):
    out = tmp_path_factory.mktemp("layer_decay")
    run(FINETUNE, *decayed_run(videofolder, out))
    return out


def test_a_run_with_layer_decay_killed_and_resumed_ends_with_the_same_weights(videofolder, uninterrupted, tmp_path):
    args = decayed_run(videofolder, tmp_path)
    killed = fresh_python.server(fresh_python.RECIPES, env()).run(
        ["-c", KILLED_AFTER_STEP_4, FINETUNE, *map(str, args)], cwd=REPO, timeout=240
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
    run(FINETUNE, *args, "--resume_from_checkpoint", "latest")
    resumed, reference = weights(tmp_path), weights(uninterrupted)
    assert resumed.keys() == reference.keys()
    for name in reference:
        torch.testing.assert_close(resumed[name], reference[name], rtol=0, atol=0, msg=name)
    state = json.loads((uninterrupted / "checkpoints" / "step_12" / "trainer_state.json").read_text())
    assert state["settings"]["model"]["layer_decay"] == 0.5
    assert "| layer_decay | 0.5 |" in (uninterrupted / "README.md").read_text()  # the card's recipe says so


@pytest.mark.parametrize("layer_decay", [None, "0.75"])
def test_a_resume_that_turns_layer_decay_on_off_or_changes_it_is_refused_naming_it(
    videofolder, uninterrupted, tmp_path, layer_decay
):
    """Other optimiser groups: the checkpoint's state would not load (a traceback), or load other rates."""
    import shutil

    shutil.copytree(uninterrupted / "checkpoints" / "step_12", tmp_path / "checkpoints" / "step_12")
    args = decayed_run(videofolder, tmp_path)[:-4] + ["--learning_rate", "0.01"]
    args += [] if layer_decay is None else ["--layer_decay", layer_decay]
    result = run(FINETUNE, *args, "--resume_from_checkpoint", "latest", check=False)
    assert result.returncode == 2, result.stderr[-3000:]
    assert f"--layer_decay 0.5 -> {layer_decay or '(not given)'}" in result.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize("value", ["0", "1", "1.5", "-0.2"])
def test_a_layer_decay_outside_0_1_is_refused_before_the_run(videofolder, tmp_path, value):
    result = run(
        FINETUNE,
        "--dataset",
        videofolder,
        "--output_dir",
        tmp_path / "o",
        *TINY_MODEL,
        "--layer_decay",
        value,
        check=False,
    )
    assert result.returncode == 2 and "--layer_decay" in result.stderr.strip().splitlines()[-1]
    assert not (tmp_path / "o").exists()
