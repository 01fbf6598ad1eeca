# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""recipes/finetune.py refuses bad flags at start, naming the flag and the value, before any data or model is loaded:
`parse_args` (vivit_hf.training.finetune) checks them as a whole, and it is the first thing the recipe's main does."""

import re
import subprocess
import sys
from pathlib import Path

import huggingface_hub
import pytest
import torch

from vivit_hf.training import finetune as finetune_library

REPO = Path(__file__).resolve().parents[1]


def run_finetune(*args) -> subprocess.CompletedProcess:
    """`python recipes/finetune.py ARGS` as a user runs it, in a process of its own forked from one that has imported
    torch, transformers and friends (test_recipes_finetune.run); its status is for the test to check."""
    from test_recipes_finetune import FINETUNE, run

    return run(FINETUNE, *args, check=False)


def two_classes():
    """What `finetune.build_model` reads of a data set: two single-head classes, "a" and "b"."""
    from types import SimpleNamespace

    return SimpleNamespace(
        id2label={0: "a", 1: "b"}, label2id={"a": 0, "b": 1}, label_names=["a", "b"], is_multi_head=False,
        head_sizes={"label": 2},
    )  # fmt: skip


def save_tiny_vit(folder: Path) -> None:
    """A transformers ViT of 32x32 images in 8x8 patches (a 4 x 4 grid), saved to `folder` for --init_from."""
    from transformers import ViTConfig, ViTModel

    sizes = dict(hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32, patch_size=8)
    ViTModel(ViTConfig(image_size=32, **sizes)).save_pretrained(folder)


def init_from_flags(vit: Path) -> list[str]:
    """A spatio-temporal model of 4 frames of 32x32 crops started --init_from the ViT saved in `vit`."""
    return ["--model", "spatio_temporal", "--num_frames", "4", "--crop_size", "32", "--init_from", str(vit)]


def recipe_that_must_not_load(monkeypatch):
    """recipes/finetune.py as a module whose data and model loading fail the test: a refusal comes before either."""
    from test_recipes_finetune import load_recipe

    recipe = load_recipe()

    def loads(*args, **kwargs):
        raise AssertionError("the refused run loaded data or a model")

    for name in ("load_data", "build_model"):
        monkeypatch.setattr(recipe, name, loads)
    return recipe


STREAM = ["--streaming", "--dataset", "org/clips", "--dataset_format", "hub"]


@pytest.fixture(scope="module")
def finetune():
    return finetune_library


@pytest.mark.parametrize(
    "flags, expected",
    [
        (["--checkpointing_steps", "0"], ["--checkpointing_steps", "'0'"]),
        (["--checkpointing_steps", "1s"], ["--checkpointing_steps", "'1s'"]),
        (["--checkpointing_steps", "-2"], ["--checkpointing_steps", "'-2'"]),
        (["--eval_num_crops", "2"], ["--eval_num_crops", "2"]),
        (["--eval_num_clips", "0"], ["--eval_num_clips", "'0'"]),
        (["--per_device_train_batch_size", "0"], ["--per_device_train_batch_size", "'0'"]),
        (["--per_device_eval_batch_size", "0"], ["--per_device_eval_batch_size", "'0'"]),
        (["--total_batch_size", "0"], ["--total_batch_size", "'0'"]),
        (["--gradient_accumulation_steps", "0"], ["--gradient_accumulation_steps", "'0'"]),
        (["--max_train_steps", "0"], ["--max_train_steps", "'0'"]),
        (["--num_frames", "0"], ["--num_frames", "'0'"]),
        (["--num_workers", "-1"], ["--num_workers", "'-1'"]),
        # Out-of-range numbers used to fail only after every clip was decoded, with torch's traceback.
        (["--learning_rate", "-1"], ["--learning_rate", "'-1'", "> 0"]),
        (["--learning_rate", "0"], ["--learning_rate", "'0'"]),
        (["--learning_rate", "nan"], ["--learning_rate", "'nan'"]),
        (["--mixup_alpha", "-1"], ["--mixup_alpha", "'-1'", ">= 0"]),
        (["--cutmix_alpha", "-0.5"], ["--cutmix_alpha", "'-0.5'"]),
        (["--weight_decay", "-0.1"], ["--weight_decay", "'-0.1'"]),
        (["--momentum", "-0.9"], ["--momentum", "'-0.9'"]),
        (["--label_smoothing", "1"], ["--label_smoothing", "'1'", "< 1"]),
        (["--label_smoothing", "-0.1"], ["--label_smoothing", "'-0.1'"]),
        (["--warmup_epochs", "-1"], ["--warmup_epochs", "'-1'"]),
        (["--max_grad_norm", "-1"], ["--max_grad_norm", "'-1'"]),
        (["--drop_path_rate", "1.5"], ["--drop_path_rate", "'1.5'"]),
        (["--hidden_dropout_prob", "-0.1"], ["--hidden_dropout_prob", "'-0.1'"]),
        (["--validation_split_percentage", "100"], ["--validation_split_percentage", "'100'"]),
        # A misspelt config field was silently ignored: now refused with the closest valid name.
        (["--config_overrides", "hiden_size=16"], ["--config_overrides", "'hiden_size'", "hidden_size"]),
        (["--config_overrides", "image_size"], ["--config_overrides", "'image_size'", "key=value"]),
        # A config its own validation refuses used to stop only after the data set was read, with a traceback.
        # (a size that is no multiple of the patch is scenic's: its leftover pixels are dropped, as a VALID conv does)
        (["--crop_size", "4"], ["argument --crop_size 4", "smaller than the patch size (8, 8)"]),
        (
            ["--config_overrides", "tubelet_size=[2,40,40]"],
            ["--config_overrides 'tubelet_size=[2,40,40]'", "(32, 32) is smaller than the patch size (40, 40)"],
        ),
        (
            ["--config_overrides", "hidden_size=30"],
            ["--config_overrides 'hidden_size=30'", "`hidden_size` (30) is not divisible by `num_attention_heads` (4)"],
        ),
        # --streaming reads the hub format only: other formats failed after start-up, with a traceback.
        (["--streaming"], ["--streaming", "--dataset_format hub", "not the bundled data set"]),
        (
            ["--streaming", "--dataset", ".", "--dataset_format", "kinetics"],
            ["--streaming", "--dataset_format hub", "not --dataset_format kinetics"],
        ),
        # Abbreviations are off: --lr used to be taken as --lr_scheduler_type.
        (["--lr", "0.1"], ["--lr"]),
        (["--init_from", "/no/such/folder/vit-base"], ["--init_from", "/no/such/folder/vit-base", "no such file"]),
        (["--init_from", "./vit.npz"], ["--init_from", "./vit.npz", "no such file or folder"]),
        # A misspelt kernel init made the output folder, loaded the data set, then ended in a traceback.
        (["--tubelet_init", "central"], ["--tubelet_init", "'central'", "central_frame", "arp"]),
        # torch.compile took these and failed (or ignored the mode) only at the first training step.
        (["--torch_compile_backend", "no_such_backend"], ["--torch_compile_backend", "'no_such_backend'", "inductor"]),
        (["--torch_compile_mode", "fastest"], ["--torch_compile_mode", "'fastest'", "max-autotune"]),
        (
            ["--torch_compile_backend", "eager", "--torch_compile_mode", "max-autotune"],
            ["--torch_compile_mode", "'eager'", "ignore"],
        ),
        # A scheduler name transformers does not know, or one the recipe cannot drive (a metric each step, arguments
        # it has no flag for), stopped only after the data set was read and the model built, in a traceback.
        (["--lr_scheduler_type", "cosine_anealing"], ["--lr_scheduler_type", "'cosine_anealing'", "cosine"]),
        (["--lr_scheduler_type", "reduce_lr_on_plateau"], ["--lr_scheduler_type", "a metric each step"]),
        (["--lr_scheduler_type", "cosine_with_min_lr"], ["--lr_scheduler_type", "'cosine_with_min_lr'"]),
        # Augmentations the processor refuses failed on every clip in the DataLoader, and the run said that none of
        # the training clips could be decoded.
        (["--scale_jitter", "1.33", "0.9"], ["argument --scale_jitter 1.33 0.9", "min_factor <= max_factor"]),
        (["--scale_jitter", "0", "1"], ["argument --scale_jitter 0 1", "0 < min_factor"]),
        (["--rand_augment", "2", "-1"], ["argument --rand_augment 2 -1", "magnitude in [0, 30]"]),
        (["--rand_augment", "2", "40"], ["argument --rand_augment 2 40", "magnitude in [0, 30]"]),
        (["--rand_augment", "-1", "9"], ["argument --rand_augment -1 9", "num_ops >= 0"]),
        # A negative or NaN budget was taken (and meant "never cache" without a word).
        (["--cache_budget_mib", "-5"], ["--cache_budget_mib", "'-5'", ">= 0"]),
        (["--cache_budget_mib", "nan"], ["--cache_budget_mib", "'nan'"]),
        # The model took the override's clip length and the processor the flag's: a traceback once the data was read.
        (
            ["--config_overrides", "num_frames=4", "--num_frames", "8"],
            ["argument --config_overrides", "num_frames=4 differs from --num_frames 8"],
        ),
        # Without --dataset the bundled video folder was read whatever the format typed: a "Kinetics" run on it.
        (["--dataset_format", "kinetics"], ["argument --dataset_format", "kinetics", "give --dataset"]),
        # ... and the preset that sets the format trained its recipe on the bundled set without a word.
        (
            ["--preset", "epic_kitchens_vivit_l_fe"],
            ["argument --preset: epic_kitchens_vivit_l_fe", "--dataset_format epic_kitchens", "give --dataset"],
        ),
        (["--preset", "moments_vivit_l_fe"], ["argument --preset: moments_vivit_l_fe", "moments", "give --dataset"]),
        # ... and so did the Kinetics and SSv2 presets, which set no format: a "Kinetics" run on the bundled clips.
        (["--preset", "kinetics400_vivit_b"], ["argument --preset: kinetics400_vivit_b", "Kinetics", "give --dataset"]),
        (["--preset", "ssv2_vivit_b_fe"], ["argument --preset: ssv2_vivit_b_fe", "--dataset_format ssv2", "Hub"]),
        # trained with cross-entropy all the same; the saved config made the pipeline score with a sigmoid
        (
            ["--config_overrides", "problem_type=multi_label_classification"],
            ["argument --config_overrides", 'problem_type="multi_label_classification"', "cross-entropy"],
        ),
        (["--config_overrides", "problem_type=regression"], ["argument --config_overrides", "regression"]),
        # found only once the data set was read and the model built; a misspelt prefix beside one that matched
        # froze nothing of its own without a word
        (
            ["--freeze", "vivit.token_embedding", "vivit.encoder.layer.0."],  # (transformers ViT's name)
            ["argument --freeze: vivit.encoder.layer.0. begins no parameter name of the spatio_temporal model"],
        ),
        # numpy's seeds: -1 was taken and the run stopped at accelerate's set_seed, after joining the process group
        (["--seed", "-1"], ["--seed", "'-1'", ">= 0"]),
        (["--seed", str(2**32)], ["--seed", f"'{2**32}'", "2**32 - 1"]),
        # an infinite factor failed on every clip in the DataLoader ("none of the training clips could be decoded")
        (["--scale_jitter", "0.9", "inf"], ["argument --scale_jitter 0.9 inf", "finite"]),
        # the override won and the typed flag was dropped without a word
        (
            ["--drop_path_rate", "0.1", "--config_overrides", "drop_path_rate=0.2"],
            ["argument --config_overrides", "drop_path_rate=0.2 differs from --drop_path_rate 0.1"],
        ),
        (
            ["--hidden_dropout_prob=0.1", "--config_overrides", "hidden_dropout_prob=0"],
            ["argument --config_overrides", "hidden_dropout_prob=0 differs from --hidden_dropout_prob 0.1"],
        ),
        # typed videofolder changes nothing: the recipe is still Moments'
        (["--preset", "moments_vivit_l_fe", "--dataset_format", "videofolder"], ["moments_vivit_l_fe", "--dataset"]),
    ],
)
def test_bad_flags_stop_before_anything_is_loaded(finetune, capsys, flags, expected):
    with pytest.raises(SystemExit) as stopped:
        finetune.parse_args([*flags, "--with_tracking", "false"])
    assert stopped.value.code == 2
    error = capsys.readouterr().err.splitlines()[-1]
    for text in expected:
        assert text in error, (text, error)


@pytest.mark.parametrize("preset", sorted(set(finetune_library.PRESETS) - {"synthetic_motion"}))
def test_every_paper_preset_without_a_dataset_is_refused_naming_it_and_what_to_give(finetune, capsys, preset):
    """Each paper preset is a recipe for a real data set: without --dataset it trained on the bundled synthetic clips
    (the Kinetics and SSv2 presets without a word). Refused before anything is loaded, naming the preset and the two
    kinds of --dataset; `--help` of the preset still shows its defaults, and the bundled demo's preset still runs."""
    with pytest.raises(SystemExit) as stopped:
        finetune.parse_args(["--preset", preset])
    assert stopped.value.code == 2
    error = capsys.readouterr().err.splitlines()[-1]
    assert f"argument --preset: {preset}" in error and "give --dataset" in error, error
    assert "local folder" in error and "Hub data set id" in error, error
    assert finetune.parse_args(["--preset", preset, "--dataset", "org/data"]).dataset == "org/data"
    capsys.readouterr()
    with pytest.raises(SystemExit) as helped:
        finetune.parse_args(["--preset", preset, "--help"])
    assert helped.value.code == 0
    # whose values those defaults are: --preset's own line said `(default: synthetic_motion)` above them
    entry = help_entry(capsys.readouterr().out, "--preset")
    assert f"the defaults shown below are {preset}'s, the preset this command line names" in entry, entry
    assert finetune.parse_args(["--preset", "synthetic_motion"]).dataset == "synthetic_motion"


def test_report_to_a_tracker_not_installed_or_unknown_is_refused_and_none_turns_tracking_off(
    finetune, capsys, monkeypatch
):
    """`--report_to wandb` without wandb trained the whole run logging nothing (accelerate drops a tracker it cannot
    import, with one Python warning), where transformers' Trainer refuses it; a misspelt name was accelerate's
    ValueError traceback; `--report_to none`, transformers' way to log nowhere, was that traceback too."""
    import accelerate.tracking
    from accelerate.utils import LoggerType

    monkeypatch.setattr(accelerate.tracking, "_available_trackers", [LoggerType.TENSORBOARD])
    for flags, expected in (
        (["--report_to", "wandb"], "argument --report_to: wandb: wandb is not installed, so the run would log nothing"),
        (["--report_to", "tensorbord"], "argument --report_to: invalid choice: 'tensorbord' (choose from all, "),
    ):
        with pytest.raises(SystemExit) as stopped:
            finetune.parse_args(flags)
        assert stopped.value.code == 2 and expected in capsys.readouterr().err.splitlines()[-1]
    assert finetune.parse_args(["--report_to", "tensorboard"]).with_tracking
    assert finetune.parse_args(["--report_to", "wandb", "--with_tracking", "false"]).with_tracking is False
    assert finetune.parse_args(["--report_to", "none"]).with_tracking is False
    monkeypatch.setattr(accelerate.tracking, "_available_trackers", [])
    assert finetune.parse_args([]).with_tracking  # the default: the bundled run works without the recipes extra
    with pytest.raises(SystemExit):
        finetune.parse_args(["--report_to", "all"])
    assert "no tracker is installed" in capsys.readouterr().err.splitlines()[-1]


@pytest.mark.parametrize(
    "flags, compiled, backend, mode",
    [
        ([], False, None, None),
        (["--torch_compile"], True, "inductor", None),
        (["--torch_compile_mode", "max-autotune"], True, "inductor", "max-autotune"),
        (["--torch_compile_backend", "aot_eager"], True, "aot_eager", None),
    ],
)
def test_a_compile_backend_or_mode_turns_compiling_on(finetune, flags, compiled, backend, mode):
    args = finetune.parse_args(flags)
    assert (args.torch_compile, args.torch_compile_backend, args.torch_compile_mode) == (compiled, backend, mode)


def test_torch_compile_is_refused_where_dynamo_cannot_run(finetune, capsys, monkeypatch):
    import torch._dynamo

    monkeypatch.setattr(torch._dynamo, "is_dynamo_supported", lambda: False)
    finetune.parse_args([])  # without --torch_compile, nothing to refuse
    with pytest.raises(SystemExit) as stopped:
        finetune.parse_args(["--torch_compile"])
    assert stopped.value.code == 2
    error = capsys.readouterr().err.splitlines()[-1]
    assert "--torch_compile" in error and "cannot compile on Python" in error, error


def test_the_old_abbreviation_is_not_taken_as_the_scheduler(finetune):
    with pytest.raises(SystemExit):
        finetune.parse_args(["--lr", "0.1"])
    assert finetune.parse_args(["--lr_scheduler_type", "linear"]).lr_scheduler_type == "linear"


@pytest.mark.parametrize(
    "flags, name, value",
    [
        (["--checkpointing_steps", "epoch"], "checkpointing_steps", "epoch"),
        (["--checkpointing_steps", "25"], "checkpointing_steps", "25"),
        (["--eval_num_crops", "3"], "eval_num_crops", 3),
        (["--tubelet_init", "arp", "--init_from", "org/vit"], "tubelet_init", "arp"),
        (["--eval_num_clips", "4"], "eval_num_clips", 4),
        (["--num_workers", "0"], "num_workers", 0),
        (["--learning_rate", "1e-4"], "learning_rate", 1e-4),
        (["--mixup_alpha", "0"], "mixup_alpha", 0.0),
        (["--label_smoothing", "0.99"], "label_smoothing", 0.99),
        (["--weight_decay", "0"], "weight_decay", 0.0),
        (["--warmup_epochs", "0"], "warmup_epochs", 0.0),
        (["--lr_scheduler_type", "constant_with_warmup"], "lr_scheduler_type", "constant_with_warmup"),
        (["--scale_jitter", "0.9", "1.33"], "scale_jitter", [0.9, 1.33]),
        (["--rand_augment", "2", "15"], "rand_augment", [2, 15]),
        (["--rand_augment", "0", "0"], "rand_augment", [0, 0]),
        (["--config_overrides", "num_frames=8", "--num_frames", "8"], "num_frames", 8),
        (["--dataset_format", "videofolder"], "dataset_format", "videofolder"),
        (
            ["--preset", "moments_vivit_l_fe", "--dataset", "org/moments", "--dataset_format", "videofolder"],
            "dataset_format",
            "videofolder",
        ),
        (["--preset", "moments_vivit_l_fe", "--dataset", "org/moments"], "dataset_format", "moments"),
        (
            ["--config_overrides", "num_temporal_layers=2,tubelet_size=[2,8,8]"],
            "config_overrides",
            "num_temporal_layers=2,tubelet_size=[2,8,8]",
        ),
    ],
)
def test_good_values_still_parse(finetune, flags, name, value):
    assert getattr(finetune.parse_args(flags), name) == value


@pytest.mark.parametrize("name", finetune_library.SCHEDULERS)
def test_every_scheduler_the_flag_takes_runs_as_the_recipe_drives_it(name):
    """Each name --lr_scheduler_type takes builds and steps with what recipes/finetune.py gives transformers'
    get_scheduler (a warm-up and a length) and calls (`step()` with no metric), and follows its warm-up."""
    import torch
    from transformers import get_scheduler

    weight = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([weight], lr=0.1)
    scheduler = get_scheduler(name, optimizer=optimizer, num_warmup_steps=4, num_training_steps=10)
    rates = []
    for _ in range(10):
        optimizer.step()
        scheduler.step()
        rates.append(scheduler.get_last_lr()[0])
    if name != "constant":  # the one schedule without a warm-up
        assert rates[0] < rates[2] <= 0.1 + 1e-12, rates


def test_a_missing_init_from_file_is_reported_as_a_path_not_a_hub_id(finetune, tmp_path, capsys):
    missing = tmp_path / "vit"
    with pytest.raises(SystemExit):
        finetune.parse_args(["--init_from", str(missing)])
    error = capsys.readouterr().err
    assert str(missing) in error and "no such file or folder" in error and "Repo id" not in error
    missing.mkdir()  # a folder without config.json holds no model: refused here (it was a traceback once the data
    with pytest.raises(SystemExit):  # set was read, TransformersCheckpointError)
        finetune.parse_args(["--init_from", str(missing)])
    assert f"argument --init_from: {str(missing)!r}: no config.json in it" in capsys.readouterr().err
    (missing / "config.json").write_text("{}")  # one with a config passes (what it holds is from_vit_pretrained's)
    assert finetune.parse_args(["--init_from", str(missing)]).init_from == str(missing)


def test_the_recipe_parses_its_flags_before_anything_else(tmp_path):
    """The script itself: a bad flag exits with argparse's status 2 and one line naming it, and no output folder."""
    result = run_finetune("--eval_num_crops", "2", "--output_dir", tmp_path / "out")
    assert result.returncode == 2, result.stderr
    assert "--eval_num_crops" in result.stderr.splitlines()[-1] and not (tmp_path / "out").exists()
    source = (REPO / "recipes" / "finetune.py").read_text()
    comment = "    # a command line refused on one of several machines stops the others now, not after --ddp_timeout\n"
    assert f"def main(argv=None):\n{comment}    args = parse_everywhere(partial(parse_args," in source  # the first


@pytest.mark.parametrize(
    "flags, named",
    [
        (["--crop_size", "4"], "--crop_size 4"),
        (["--config_overrides", "tubelet_size=[2,40,40]"], "--config_overrides 'tubelet_size=[2,40,40]'"),
        (["--config_overrides", "hidden_size=30"], "--config_overrides 'hidden_size=30'"),
    ],
)
def test_the_recipe_refuses_a_config_that_cannot_be_built_before_the_data_loads(tmp_path, flags, named):
    """The script: one line naming the flag, argparse's status 2, no traceback and no output folder (the model's
    config used to refuse it only after every clip of the data set had been listed)."""
    result = run_finetune(*flags, "--output_dir", tmp_path / "out")
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("finetune.py: error: argument ") and named in last, last
    assert not (tmp_path / "out").exists()


def test_a_config_that_builds_is_not_refused(finetune):
    args = finetune.parse_args(["--crop_size", "64", "--config_overrides", "hidden_size=64,tubelet_size=[2,16,16]"])
    assert args.crop_size == 64


@pytest.mark.parametrize(
    "flags, named",
    [
        # AdamW has no momentum: the run trained without it, without a word (the bundled preset is AdamW's)
        (["--momentum", "0.5"], "argument --momentum: --optimizer adamw has no momentum"),
        (
            ["--preset", "kinetics400_vivit_b", "--dataset", "org/k400", "--optimizer", "adamw", "--momentum=0.5"],
            "argument --momentum",
        ),
        # nothing was pushed, exit 0
        (["--hub_model_id", "me/vivit"], "argument --hub_model_id: nothing is pushed without --push_to_hub"),
        (["--hub_private_repo"], "argument --hub_private_repo"),
        (["--hub_revision", "v2"], "argument --hub_revision: 'v2': nothing is pushed without --push_to_hub"),
        (["--upload_retries", "2"], "argument --upload_retries"),
        # flags of a model started from an image ViT, given to one trained from scratch, or the other way round
        (["--tubelet_init", "arp"], "argument --tubelet_init: it starts a model from an image ViT"),
        (["--positional_embedding=tile"], "argument --positional_embedding"),
        (["--init_from", "org/vit", "--model_size", "large"], "argument --model_size: the model's size is that of"),
        # the columns are the hub format's: a videofolder took its labels from the folders all the same
        (["--label_column", "action"], "argument --label_column: --dataset_format videofolder reads no columns"),
        (["--dataset_format", "kinetics", "--dataset", "k", "--video_column", "clip"], "argument --video_column"),
        (["--shuffle_buffer_size", "10"], "argument --shuffle_buffer_size: it orders a stream"),
        (["--eval_split", "val", "--validation_split_percentage=20"], "argument --validation_split_percentage"),
        # each was dropped without a word: no checkpoint saved, a cache decided without the budget, a stream
        # neither cached nor held out of, the bundled set read at no revision
        (["--checkpoints_total_limit", "5"], "argument --checkpoints_total_limit: 5: this run saves no checkpoint"),
        (["--cache_decoded_videos", "no", "--cache_budget_mib", "64"], "argument --cache_budget_mib: it bounds"),
        ([*STREAM, "--cache_decoded_videos", "yes"], "argument --cache_decoded_videos: --streaming decodes"),
        ([*STREAM, "--cache_budget_mib", "64"], "argument --cache_budget_mib: --streaming decodes"),
        ([*STREAM, "--validation_split_percentage", "5"], "argument --validation_split_percentage: --streaming"),
        (["--dataset_revision", "v2"], "argument --dataset_revision: the bundled synthetic_motion set"),
    ],
)
def test_a_typed_flag_this_run_would_not_use_is_refused(finetune, capsys, flags, named):
    with pytest.raises(SystemExit) as refused:
        finetune.parse_args(flags)
    assert refused.value.code == 2 and named in capsys.readouterr().err


def test_the_same_flags_where_they_are_used_still_parse(finetune, monkeypatch):
    assert finetune.parse_args(["--checkpointing_steps", "5", "--checkpoints_total_limit", "1"]).checkpoints_total_limit
    assert finetune.parse_args(["--cache_budget_mib", "64"]).cache_budget_mib == 64
    assert finetune.parse_args([*STREAM, "--dataset_revision", "v2"]).dataset_revision == "v2"
    assert finetune.parse_args(["--drop_path_rate", "0.2", "--config_overrides", "drop_path_rate=0.2"]).drop_path_rate
    assert finetune.parse_args(["--optimizer", "sgd", "--momentum", "0.5"]).momentum == 0.5
    kinetics = ["--preset", "kinetics400_vivit_b", "--dataset", "org/k400"]
    assert finetune.parse_args([*kinetics, "--momentum", "0.8"]).momentum == 0.8  # SGD's
    assert finetune.parse_args([]).momentum == 0.9  # a preset's default, not typed: no refusal
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)  # parse_args asks it
    args = finetune.parse_args(["--push_to_hub", "--hub_model_id", "me/vivit", "--upload_retries", "2"])
    assert (args.hub_model_id, args.upload_retries) == ("me/vivit", 2)


# ------------------------------------------------------------------ a ViViT checkpoint as --init_from decides the model


@pytest.fixture(scope="module")
def vivit_checkpoint(tmp_path_factory):
    """A saved tiny Model 1 (spatio-temporal) classifier, as a fine-tuning run leaves it."""
    from vivit_hf import ViViTSpatioTemporalConfig, ViViTSpatioTemporalForVideoClassification

    folder = tmp_path_factory.mktemp("checkpoint") / "model 1"  # a space in the path, as users' folders have
    config = ViViTSpatioTemporalConfig(
        hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32, image_size=32,
        num_frames=4, tubelet_size=[2, 16, 16], num_labels=2,
    )  # fmt: skip
    ViViTSpatioTemporalForVideoClassification(config).save_pretrained(folder)
    return folder


@pytest.mark.parametrize(
    "flags, named",
    [
        # The checkpoint's variant was built whatever --model said: a Model 1 trained and saved as asked for Model 2.
        (["--model", "factorised_encoder"], "argument --model: factorised_encoder"),
        (["--model=factorised_dot_product"], "argument --model: factorised_dot_product"),
        # Flags that only build a model from scratch or from an image ViT, ignored without a word.
        (["--model_size", "base"], "argument --model_size"),
        (["--tubelet_init", "arp"], "argument --tubelet_init"),
        (["--positional_embedding", "random"], "argument --positional_embedding"),
    ],
)
def test_model_flags_a_vivit_checkpoint_would_ignore_are_refused(finetune, vivit_checkpoint, capsys, flags, named):
    with pytest.raises(SystemExit) as refused:
        finetune.parse_args(["--init_from", str(vivit_checkpoint), *flags])
    assert refused.value.code == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert named in error and str(vivit_checkpoint) in error, error
    if flags[0].startswith("--model="):
        assert "spatio_temporal checkpoint" in error


def test_the_checkpoints_own_variant_typed_or_a_presets_default_is_taken(finetune, vivit_checkpoint):
    """The same variant typed, or a preset's --model (a default, not typed), start from the checkpoint as before."""
    for flags in (["--model", "spatio_temporal"], ["--preset", "ssv2_vivit_b_fe", "--dataset", "org/ssv2"], []):
        args = finetune.parse_args(["--init_from", str(vivit_checkpoint), *flags])
        assert args.init_from == str(vivit_checkpoint)
    # an image ViT (no ViViT config) still takes them: they build its model
    args = finetune.parse_args(["--model", "factorised_encoder", "--tubelet_init", "arp", "--init_from", "org/vit"])
    assert args.model == "factorised_encoder" and args.tubelet_init == "arp"


def test_a_checkpoint_known_only_once_loaded_refuses_another_model_too(finetune, vivit_checkpoint):
    """A Hub checkpoint's variant is known only when build_model loads it (the start's check reads local folders):
    the model it loads is checked there, before anything trains."""

    from accelerate import PartialState

    PartialState()  # build_model logs through accelerate
    args = finetune.parse_args(
        ["--init_from", str(vivit_checkpoint), "--model", "factorised_encoder"], check_paths=False
    )
    data = two_classes()
    with pytest.raises(finetune.ModelFlagError, match="argument --model: factorised_encoder"):
        finetune.build_model(args, data)
    model, _ = finetune.build_model(finetune.parse_args(["--init_from", str(vivit_checkpoint)]), data)
    assert model.config.model_type == "vivit_spatio_temporal"
    # a --freeze prefix that names no parameter is the same kind of mistake: the recipe's one line, not a traceback
    with pytest.raises(finetune.ModelFlagError, match="--freeze"):
        finetune.build_model(finetune.parse_args(["--init_from", str(vivit_checkpoint), "--freeze", "nothing"]), data)


@pytest.mark.parametrize("model", ["spatio_temporal", "factorised_self_attention"])
def test_positional_embedding_resize_reaches_initialise_from_vit(finetune, tmp_path, model):
    """`initialise_from_vit` takes scenic's `resize` (Models 1, 3 and 4: the ViT's square grid resized to one square
    of all t * h * w tokens); the recipe's flag offered resize_tile, tile and random alone, and refused `resize` as
    an invalid choice. The model the recipe builds has the position embeddings `initialise_from_vit` gives."""

    import torch
    from accelerate import PartialState

    from vivit_hf.conversion.vit_init import initialise_from_vit
    from vivit_hf.models.modeling_vivit import VIVIT_MODELS

    PartialState()  # build_model logs through accelerate
    torch.manual_seed(0)
    save_tiny_vit(tmp_path / "vit")  # a 4 x 4 grid
    data = two_classes()
    # 8 frames in tubelets of 2 on a 4 x 4 grid: 64 tokens, a square of 8 x 8 for scenic's rule
    flags = ["--model", model, "--init_from", str(tmp_path / "vit"), "--num_frames", "8", "--crop_size", "32"]
    flags += ["--config_overrides", "tubelet_size=[2,8,8]"]
    built = {}
    for rule in ("resize", "resize_tile"):
        built[rule], _ = finetune.build_model(finetune.parse_args([*flags, "--positional_embedding", rule]), data)
    reference = VIVIT_MODELS[model][2](built["resize"].config)
    initialise_from_vit(reference, str(tmp_path / "vit"), positional_embedding="resize")
    names = [name for name, _ in reference.named_parameters() if name.endswith("position_embeddings")]
    assert names
    for name in names:
        resized = built["resize"].get_parameter(name)
        torch.testing.assert_close(resized, reference.get_parameter(name), rtol=0, atol=0, msg=name)
        assert not torch.equal(resized, built["resize_tile"].get_parameter(name)), name  # the flag was not dropped
    # 4 frames: 2 x 4 x 4 = 32 tokens, no square. initialise_from_vit's refusal is the recipe's one line (status 2),
    # as `tile` on another crop size is: both were a ViTInitError traceback
    four_frames = [*flags, "--num_frames", "4", "--positional_embedding", "resize"]
    with pytest.raises(finetune.ModelFlagError, match=r"--init_from .*vit: .*32 is not a square number"):
        finetune.build_model(finetune.parse_args(four_frames), data)
    other_crop = [*flags, "--crop_size", "16", "--positional_embedding", "tile"]
    with pytest.raises(finetune.ModelFlagError, match=r"--init_from .*vit: the ViT's patch grid \(4, 4\) differs"):
        finetune.build_model(finetune.parse_args(other_crop), data)


def test_image_vit_init_errors_and_warnings_name_the_flags_the_recipe_user_typed(finetune, tmp_path, caplog):
    """A recipe user who typed `--positional_embedding tile` was told to "use positional_embedding='resize_tile'", the
    keyword a Python caller of from_vit_pretrained passes. The recipe's line names the flag as typed; the library's
    own error, read by Python callers, keeps the keyword (checked against from_vit_pretrained called directly)."""
    import logging

    import torch
    from accelerate import PartialState

    from vivit_hf.conversion import vit_init
    from vivit_hf.conversion.vit_init import ViTInitError
    from vivit_hf.models.modeling_vivit import ViViTSpatioTemporalForVideoClassification
    from vivit_hf.training.flags import advice_in_flag_words

    vit_init_logger = "vivit_hf.conversion.vit_init"  # the logger recipes/finetune.py's run() filters (VIT_INIT_LOGGER)
    assert vit_init.logger.name == vit_init_logger

    PartialState()  # build_model logs through accelerate
    torch.manual_seed(0)
    save_tiny_vit(tmp_path / "vit")  # a 4 x 4 grid
    data = two_classes()
    flags = ["--model", "spatio_temporal", "--init_from", str(tmp_path / "vit"), "--num_frames", "8"]
    cases = [  # (flags, the library's keywords, what the recipe says instead)
        (
            ["--crop_size", "16", "--positional_embedding", "tile", "--config_overrides", "tubelet_size=[2,8,8]"],
            dict(image_size=16, num_frames=8, tubelet_size=[2, 8, 8], positional_embedding="tile"),
            "use --positional_embedding resize_tile to resize it",
        ),
        (
            ["--crop_size", "32", "--tubelet_init", "arp", "--config_overrides", "tubelet_size=[1,8,8]"],
            dict(image_size=32, num_frames=8, tubelet_size=[1, 8, 8], tubelet_init="arp"),
            "--tubelet_init arp with tubelets of 1 frame gives an all-zero kernel",
        ),
    ]
    for typed, keywords, said in cases:
        if keywords.get("tubelet_init") == "arp":  # the library writes scenic's all-zero kernel, and says so
            caplog.clear()
            with caplog.at_level(logging.WARNING, logger=vit_init_logger):
                ViViTSpatioTemporalForVideoClassification.from_vit_pretrained(str(tmp_path / "vit"), **keywords)
            words = next(r.getMessage() for r in caplog.records if "all-zero kernel" in r.getMessage())
            caplog.clear()
        else:
            with pytest.raises(ViTInitError) as library:
                ViViTSpatioTemporalForVideoClassification.from_vit_pretrained(str(tmp_path / "vit"), **keywords)
            words = str(library.value)
        assert "='" in words  # Python's words, for Python callers
        with pytest.raises(finetune.ModelFlagError) as recipe:
            finetune.build_model(finetune.parse_args([*flags, *typed]), data)
        message = str(recipe.value)
        assert said in message and "='" not in message, message
        if keywords.get("tubelet_init") == "arp":  # the tubelet's time size in the flag that sets it
            assert message.endswith("(--config_overrides tubelet_size=[2,<patch height>,<patch width>])"), message
        for python, flag in (
            ("positional_embedding='resize_tile'", "--positional_embedding resize_tile"),
            ("tubelet_init='arp'", "--tubelet_init arp"),
            ("'central_frame'", "--tubelet_init central_frame"),
            ("'filter_inflation'", "--tubelet_init filter_inflation"),
            ("a tubelet of 2 or more frames", "tubelets of 2 or more frames (--config_overrides tubelet_size=[2,..."),
        ):
            words = words.replace(python, flag)
        words = words.replace("[2,...", "[2,<patch height>,<patch width>])")
        assert message == f"--init_from {tmp_path / 'vit'}: {words}"  # the library's message, in flags
    # the refusal reads only [t, h, w] tubelets of 1 frame: `tubelet_size=1` is the config's to refuse, naming the
    # field (it was a TypeError, 'int' object is not iterable), and frame sampling's 1-frame patches are no tubelets
    arp = [*flags, "--crop_size", "32", "--tubelet_init", "arp", "--config_overrides"]
    with pytest.raises(ValueError, match=r"`tubelet_size` must be three positive integers \[t, h, w\], got 1"):
        finetune.build_model(finetune.parse_args([*arp, "tubelet_size=1"]), data)
    sampled = 'tubelet_size=[1,8,8],embedding_type="frame_sampling"'
    assert finetune.build_model(finetune.parse_args([*arp, sampled]), data)[0].config.embedding_type == "frame_sampling"
    caplog.clear()
    # scenic's `resize` over several temporal indices warns (the ViT's rows laid over all tokens); under the recipe
    # (which filters the ViT initialisation's log so) in the flag's words too
    resize = [*flags, "--crop_size", "32", "--positional_embedding", "resize"]
    resize += ["--config_overrides", "tubelet_size=[2,8,8]"]
    with caplog.at_level(logging.WARNING, logger=vit_init_logger), advice_in_flag_words((vit_init_logger,)):
        finetune.build_model(finetune.parse_args(resize), data)
    warned = [r.getMessage() for r in caplog.records if r.name == vit_init_logger]
    assert warned and warned[0].startswith("--positional_embedding resize (scenic's rule over 4 temporal indices)")
    assert "--positional_embedding resize_tile gives each temporal index" in warned[0] and "='" not in warned[0]


def test_a_timm_weights_file_without_its_activation_is_answered_with_the_flag_that_sets_it(finetune, tmp_path, caplog):
    """A timm weights file does not record its MLP activation; the warning ended "or pass hidden_act=", a keyword of
    from_vit_pretrained that finetune.py's user has nowhere to type. Under the recipe (its filter on the ViT
    initialisation's log) it names --config_overrides hidden_act=..., and that flag, followed, starts the model the
    transformers ViT of that activation (which records it) starts, without a word of an activation assumed or of one
    the ViT "was trained with" that was only assumed."""
    import logging

    import torch
    from accelerate import PartialState
    from safetensors.torch import save_file
    from test_vit_init import HEADS, timm_state, tiny_vit

    from vivit_hf.models.modeling_vivit import ViViTSpatioTemporalForVideoClassification
    from vivit_hf.training.flags import VIT_INIT_LOGGER, advice_in_flag_words

    PartialState()  # build_model logs through accelerate
    data = two_classes()
    tanh = tiny_vit(hidden_act="gelu_pytorch_tanh")
    save_file(timm_state(tanh), tmp_path / "vit.safetensors")
    flags = ["--model", "spatio_temporal", "--num_frames", "4", "--crop_size", "32"]
    flags += ["--init_from", str(tmp_path / "vit.safetensors"), "--config_overrides", f"num_attention_heads={HEADS}"]

    def warnings(flags) -> tuple[list[str], torch.nn.Module]:
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger=VIT_INIT_LOGGER), advice_in_flag_words((VIT_INIT_LOGGER,)):
            torch.manual_seed(0)
            model, _ = finetune.build_model(finetune.parse_args(flags), data)
        return [r.getMessage() for r in caplog.records if "hidden_act" in r.getMessage()], model

    (warned,), _ = warnings(flags)
    assert "does not record its MLP activation" in warned
    assert warned.endswith(
        "or pass --config_overrides hidden_act=gelu_pytorch_tanh for a ViT of the tanh GELU (the ViT's activation, "
        "and the video model's)"
    ), warned
    flags[-1] += ",hidden_act=gelu_pytorch_tanh"
    warned, model = warnings(flags)
    assert warned == []
    torch.manual_seed(0)
    reference = ViViTSpatioTemporalForVideoClassification.from_vit_pretrained(
        tanh, num_frames=4, image_size=32, id2label=data.id2label, label2id=data.label2id
    )
    assert model.config.hidden_act == reference.config.hidden_act == "gelu_pytorch_tanh"
    for name, value in reference.state_dict().items():
        if not name.startswith("classifier."):
            torch.testing.assert_close(model.state_dict()[name], value, rtol=0, atol=0, msg=name)


def test_an_activation_other_than_the_vits_is_answered_with_the_flag_that_set_it(finetune, tmp_path, caplog):
    """`--config_overrides hidden_act=gelu` over a ViT trained with the tanh GELU warned "from_vit_pretrained derives
    them from the ViT", a Python function the recipe's user never called (and which had not: the flag replaced it).
    Under the recipe it says to leave hidden_act out of --config_overrides; followed, the run starts as
    from_vit_pretrained does from that ViT, in its activation, without the warning."""
    import logging

    import torch
    from accelerate import PartialState
    from test_vit_init import tiny_vit

    from vivit_hf.models.modeling_vivit import ViViTSpatioTemporalForVideoClassification
    from vivit_hf.training.flags import VIT_INIT_LOGGER, advice_in_flag_words

    PartialState()  # build_model logs through accelerate
    data = two_classes()
    tiny_vit(hidden_act="gelu_pytorch_tanh", layer_norm_eps=1e-6).save_pretrained(tmp_path / "vit")
    flags = init_from_flags(tmp_path / "vit")

    def warnings(flags) -> tuple[list[str], torch.nn.Module]:
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger=VIT_INIT_LOGGER), advice_in_flag_words((VIT_INIT_LOGGER,)):
            torch.manual_seed(0)
            model, _ = finetune.build_model(finetune.parse_args(flags), data)
        return [r.getMessage() for r in caplog.records if "hidden_act" in r.getMessage()], model

    (warned,), _ = warnings([*flags, "--config_overrides", "hidden_act=gelu"])
    assert "hidden_act='gelu'" in warned and "'gelu_pytorch_tanh'" in warned
    assert "from_vit_pretrained" not in warned and "=`" not in warned, warned
    assert warned.endswith(
        "leave hidden_act and layer_norm_eps out of --config_overrides (the run then takes the ViT's)"
    )
    warned, model = warnings(flags)
    assert warned == []
    torch.manual_seed(0)
    reference = ViViTSpatioTemporalForVideoClassification.from_vit_pretrained(
        tmp_path / "vit", num_frames=4, image_size=32, id2label=data.id2label, label2id=data.label2id
    )
    assert model.config.hidden_act == reference.config.hidden_act == "gelu_pytorch_tanh"
    for name, value in reference.state_dict().items():
        if not name.startswith("classifier."):
            torch.testing.assert_close(model.state_dict()[name], value, rtol=0, atol=0, msg=name)


def test_a_vit_that_does_not_record_its_head_count_or_grid_is_answered_with_what_the_recipe_user_can_do(
    finetune, tmp_path
):
    """A timm weights file records neither its head count (at a width that does not say it) nor a grid that is not
    square, and the recipe said to pass `vit_num_attention_heads=` or `vit_grid=`, keywords of from_vit_pretrained no
    flag reaches. It now says --config_overrides num_attention_heads=N (the video model's, passed on to the ViT's
    reading) and, for the grid, the folder that records it. Followed, each starts the model the transformers ViT
    (which records both) starts."""
    import json

    import torch
    from accelerate import PartialState
    from safetensors.torch import save_file
    from test_vit_init import HEADS, timm_state, tiny_vit

    from vivit_hf.models.modeling_vivit import ViViTSpatioTemporalForVideoClassification

    PartialState()  # build_model logs through accelerate
    data = two_classes()
    heads = ["--config_overrides", f"num_attention_heads={HEADS}"]

    def same_start(model, vit, **options):
        torch.manual_seed(0)
        reference = ViViTSpatioTemporalForVideoClassification.from_vit_pretrained(vit, num_frames=4, **options)
        for name, value in reference.state_dict().items():
            if not name.startswith("classifier."):
                torch.testing.assert_close(model.state_dict()[name], value, rtol=0, atol=0, msg=name)

    def refusal(flags) -> str:
        with pytest.raises(finetune.ModelFlagError) as refused:
            finetune.build_model(finetune.parse_args(flags), data)
        message = str(refused.value)
        assert "vit_num_attention_heads" not in message and "vit_grid" not in message and "=`" not in message
        return message

    square = tiny_vit()  # 16 wide: no standard ViT width, so the head count is nowhere
    save_file(timm_state(square), tmp_path / "square.safetensors")
    flags = ["--model", "spatio_temporal", "--num_frames", "4", "--init_from", str(tmp_path / "square.safetensors")]
    assert refusal([*flags, "--crop_size", "32"]).endswith(
        "width 16 is not a standard ViT width; pass the head count as --config_overrides num_attention_heads=N (the "
        "video model's, which is the ViT's)"
    )
    model, _ = finetune.build_model(finetune.parse_args([*flags, "--crop_size", "32", *heads]), data)
    same_start(model, square, image_size=32)

    oblong = tiny_vit(image_size=[24, 16])  # 3 x 2 patches and a CLS row: 7 rows, no square
    save_file(timm_state(oblong), tmp_path / "oblong.safetensors")
    flags = ["--model", "spatio_temporal", "--num_frames", "4", "--crop_size", "16", *heads]
    flags += ["--positional_embedding", "resize_tile"]
    said = refusal([*flags, "--init_from", str(tmp_path / "oblong.safetensors")])
    assert said.endswith(
        "7 position embeddings do not form a square grid; finetune.py has no flag for it: give --init_from a folder "
        'whose config says it, a timm ViT\'s weights as model.safetensors beside a config.json {"architecture": '
        '"<its timm name>", "pretrained_cfg": {"input_size": [3, height, width]}}, or a transformers ViT folder (its '
        "image_size and patch_size)"
    ), said
    folder = tmp_path / "oblong"
    folder.mkdir()
    (tmp_path / "oblong.safetensors").rename(folder / "model.safetensors")
    config = {"architecture": "vit_oblong_patch8", "pretrained_cfg": {"input_size": [3, 24, 16]}}
    (folder / "config.json").write_text(json.dumps(config))
    model, _ = finetune.build_model(finetune.parse_args([*flags, "--init_from", str(folder)]), data)
    same_start(model, oblong, image_size=16, positional_embedding="resize_tile")


def test_a_checkpoint_none_of_whose_weights_fit_is_refused_and_one_that_fits_in_part_is_said(
    finetune, vivit_checkpoint
):
    """`--config_overrides hidden_size=...` on a ViViT --init_from made every weight another shape: the run trained
    from scratch, its log saying it "started from the checkpoint" and its card "Initialised from" it."""

    from accelerate import PartialState

    PartialState()  # build_model logs through accelerate
    data = two_classes()
    args = finetune.parse_args(["--init_from", str(vivit_checkpoint), "--config_overrides", "hidden_size=32"])
    trained = re.escape(f"--init_from {vivit_checkpoint} was trained at hidden_size=16, --config_overrides asks 32")
    with pytest.raises(finetune.ModelFlagError, match=trained) as refused:
        finetune.build_model(args, data)
    # in the recipe's words: its way to that width from scratch was Python's `AutoModelForVideoClassification
    # .from_config(...)`; dropping --init_from, as it says now, builds it
    assert "from_config" not in str(refused.value) and "drop --init_from" in str(refused.value)
    scratch, _ = finetune.build_model(finetune.parse_args(["--config_overrides", "hidden_size=32"]), data)
    assert scratch.config.hidden_size == 32
    # one layer more than the checkpoint's: the new layer starts fresh, the rest is the checkpoint's, and it is said
    args = finetune.parse_args(["--init_from", str(vivit_checkpoint), "--config_overrides", "num_hidden_layers=2"])
    model, _ = finetune.build_model(args, data)
    fresh = [name for name in model.state_dict() if name.startswith("vivit.encoder.layers.1.")]
    said = finetune.checkpoint_unfit(model, fresh, args)
    assert said.startswith(f"{len(fresh)} of the {len(model.state_dict()) - 2} parameters") and fresh[0] in said
    assert finetune.checkpoint_unfit(model, ["classifier.weight", "classifier.bias"], args) is None  # a new head


def test_another_head_count_for_a_vivit_init_from_is_refused_as_a_flag(finetune, vivit_checkpoint):
    """from_vivit_checkpoint refuses a head count other than the checkpoint's (its weights split into other heads
    compute another function); the recipe let that ValueError out as a traceback, not its one-line flag refusal."""
    from accelerate import PartialState

    PartialState()  # build_model logs through accelerate
    args = finetune.parse_args(["--init_from", str(vivit_checkpoint), "--config_overrides", "num_attention_heads=4"])
    with pytest.raises(finetune.ModelFlagError, match=r"--init_from .*: the checkpoint's attention has 2 heads"):
        finetune.build_model(args, two_classes())


def test_the_recipe_refuses_another_model_than_the_checkpoints_before_anything_loads(vivit_checkpoint, tmp_path):
    result = run_finetune(
        "--init_from", vivit_checkpoint, "--model", "factorised_encoder", "--output_dir", tmp_path / "out",
    )  # fmt: skip
    assert result.returncode == 2, result.stderr[-2000:]
    last = result.stderr.strip().splitlines()[-1]
    assert "argument --model: factorised_encoder" in last and "Traceback" not in result.stderr, result.stderr[-2000:]
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------ total batch size (it used to be rounded silently)


def test_a_typed_total_batch_size_that_no_accumulation_reaches_is_refused(finetune):
    args = finetune.parse_args(["--total_batch_size", "3", "--per_device_train_batch_size", "2"])
    with pytest.raises(ValueError) as refused:
        finetune.resolve_batch_size(args, num_processes=1)
    message = str(refused.value)
    # The nearest reachable totals, and the per-device batches that reach 3 exactly.
    for text in ("--total_batch_size 3", "2 (accumulation 1)", "4 (accumulation 2)", "--per_device_train_batch_size"):
        assert text in message, (text, message)
    assert "3 (accumulation 1)" in message and "1 (accumulation 3)" in message
    # Typed as --flag=value too; and the paper's 64 at per-device 8 on 3 processes (72 with the old rounding).
    args = finetune.parse_args(["--total_batch_size=64", "--per_device_train_batch_size", "8"])
    with pytest.raises(ValueError, match=r"48 \(accumulation 2\) or 72 \(accumulation 3\)"):
        finetune.resolve_batch_size(args, num_processes=3)


def test_a_reachable_total_batch_size_is_met_exactly(finetune):
    args = finetune.parse_args(["--total_batch_size", "64", "--per_device_train_batch_size", "8"])
    assert finetune.resolve_batch_size(args, num_processes=2) == (4, 64, None)
    assert finetune.resolve_batch_size(finetune.parse_args([]), num_processes=3) == (1, 48, None)  # no total: 16 x 3
    args = finetune.parse_args(["--gradient_accumulation_steps", "3", "--per_device_train_batch_size", "2"])
    assert finetune.resolve_batch_size(args, num_processes=1) == (3, 6, None)
    args = finetune.parse_args(["--gradient_accumulation_steps", "3", "--total_batch_size", "8"])
    with pytest.raises(ValueError, match="contradicts"):
        finetune.resolve_batch_size(args, num_processes=1)


def test_a_presets_total_batch_size_is_approximated_with_a_warning(finetune):
    args = finetune.parse_args(
        ["--preset", "kinetics400_vivit_b", "--dataset", "org/k400", "--per_device_train_batch_size", "8"]
    )
    assert args.total_batch_size == 64 and not args.total_batch_size_typed
    accumulation, effective, warning = finetune.resolve_batch_size(args, num_processes=3)
    assert (accumulation, effective) == (3, 72)
    assert "64" in warning and "72" in warning and "--per_device_train_batch_size" in warning


def test_the_recipe_refuses_an_unreachable_total_batch_size_at_start(tmp_path):
    result = run_finetune(
        "--total_batch_size", "3", "--per_device_train_batch_size", "2", "--with_tracking", "false",
        "--output_dir", tmp_path / "out",
    )  # fmt: skip
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert "--total_batch_size 3" in last and "4 (accumulation 2)" in last, result.stderr[-2000:]
    assert "Traceback" not in result.stderr and not (tmp_path / "out").exists()


def test_a_missing_dataset_folder_is_a_flag_error_not_a_traceback(finetune, tmp_path, capsys):
    missing = tmp_path / "nope"
    with pytest.raises(SystemExit) as exit_info:
        finetune.parse_args(["--dataset", str(missing)])
    assert exit_info.value.code == 2
    assert f"argument --dataset: {str(missing)!r}: no such folder" in capsys.readouterr().err
    missing.mkdir()
    assert finetune.parse_args(["--dataset", str(missing)]).dataset == str(missing)
    assert finetune.parse_args(["--dataset", "someone/kinetics-mini"]).dataset == "someone/kinetics-mini"  # a Hub id


def test_other_trainers_flags_are_answered_with_the_recipes_names(finetune, capsys):
    with pytest.raises(SystemExit):
        finetune.parse_args(["--lr", "0.1", "--epochs", "3", "--overwrite"])
    err = capsys.readouterr().err
    assert "--lr -> --learning_rate" in err and "--epochs -> --num_train_epochs" in err
    assert "--overwrite -> --overwrite_output_dir" in err


def trainer_argument_names() -> set[str]:
    """transformers' `TrainingArguments` field names, and those transformers 4 had (what a Trainer user types)."""
    import dataclasses

    from transformers import TrainingArguments

    return {field.name for field in dataclasses.fields(TrainingArguments)} | {"logging_dir", "evaluation_strategy"}


@pytest.mark.parametrize(
    "typed, hint, answer",
    [
        (["--save_steps", "4"], "--save_steps -> --checkpointing_steps", ["--checkpointing_steps", "4"]),
        (
            ["--save_total_limit", "3"],
            "--save_total_limit -> --checkpoints_total_limit",
            ["--checkpoints_total_limit", "3", "--checkpointing_steps", "500"],  # (Trainer saves every 500 steps)
        ),
        (["--max_steps", "10"], "--max_steps -> --max_train_steps", ["--max_train_steps", "10"]),
        (["--warmup_steps", "5"], "--warmup_steps -> --num_warmup_steps", ["--num_warmup_steps", "5"]),
        (["--bf16"], "--bf16 -> --mixed_precision bf16", ["--mixed_precision", "bf16"]),
        # with hyphens, as transformers' HfArgumentParser takes it
        (["--save-steps", "4"], "--save-steps -> --checkpointing_steps", ["--checkpointing_steps", "4"]),
    ],
)
def test_transformers_trainer_flags_are_answered_with_the_recipes_names(finetune, capsys, typed, hint, answer):
    """A user of transformers' Trainer types its `TrainingArguments` names; `--save_steps` and `--bf16` were
    answered with no flag. The answer is a command line the recipe takes."""
    assert typed[0][2:].replace("-", "_") in trainer_argument_names()
    with pytest.raises(SystemExit):
        finetune.parse_args(typed)
    assert f"(did you mean: {hint}?)" in capsys.readouterr().err
    finetune.parse_args(answer)


@pytest.mark.parametrize(
    "typed, hint, answer",
    [
        (["--dataset_name", "me/clips"], "--dataset_name -> --dataset", ["--dataset", "me/clips"]),
        (["--image_column_name", "clip"], "--image_column_name -> --video_column", ["--video_column", "clip"]),
    ],
)
def test_the_example_scripts_data_flags_are_answered_with_the_recipes_names(finetune, capsys, typed, hint, answer):
    """transformers' example scripts (`run_image_classification.py`) name the data set `--dataset_name`, answered
    "did you mean --dataset_config_name", a configuration of the data set, where `--dataset` is the data set."""
    with pytest.raises(SystemExit):
        finetune.parse_args(typed)
    assert f"(did you mean: {hint}?)" in capsys.readouterr().err
    finetune.parse_args([*answer, "--dataset", "me/clips", "--dataset_format", "hub"] if "clip" in answer else answer)


@pytest.mark.parametrize(
    "typed, advice",
    [
        (
            ["--eval_strategy", "steps"],
            "finetune.py evaluates at the end of every epoch and of the run; --eval_steps N",
        ),
        (["--evaluation_strategy", "steps"], "--eval_steps N evaluates every N steps instead"),
        (["--save_strategy", "epoch"], "give --checkpointing_steps N (every N steps) or --checkpointing_steps epoch"),
        (["--logging_dir", "logs"], "the tracker's logs go into the finetune/ folder of --output_dir"),
    ],
)
def test_trainer_flags_without_a_counterpart_say_what_the_recipe_does_not_a_flag_of_another_meaning(
    finetune, capsys, typed, advice
):
    """`--eval_steps 50` was answered "did you mean --eval_split", the split to evaluate on, and `--logging_dir` with
    `--logging_steps`: flags a Trainer user would take for the step-wise evaluation and log folder asked for."""
    assert typed[0][2:] in trainer_argument_names()
    with pytest.raises(SystemExit):
        finetune.parse_args(typed)
    err = capsys.readouterr().err
    assert advice in err and "did you mean" not in err
    assert finetune.parse_args(["--checkpointing_steps", "epoch"]).checkpointing_steps == "epoch"


def test_eval_steps_is_trainers_flag_and_refuses_a_step_count_below_one(finetune, capsys):
    """`--eval_steps 50` was refused with advice (evaluation only at every epoch's end): it is Trainer's flag, and
    takes what Trainer's takes, a whole number of steps."""
    assert "eval_steps" in trainer_argument_names()
    assert finetune.parse_args(["--eval_steps", "50"]).eval_steps == 50
    assert finetune.parse_args([]).eval_steps is None
    with pytest.raises(SystemExit):
        finetune.parse_args(["--eval_steps", "0"])
    assert "--eval_steps: expected a whole number >= 1, got '0'" in capsys.readouterr().err


@pytest.mark.parametrize(
    "typed, misread, advice",
    [
        (["--eval_accumulation_steps", "4"], "--gradient_accumulation_steps", "gathers its logits batch by batch"),
        (["--data_seed", "1"], "--dataset", "--seed seeds the data order"),
        (["--warmup_ratio", "0.1"], None, "--warmup_epochs E or --num_warmup_steps N"),
        (["--greater_is_better", "false"], None, "loss is better when lower"),
    ],
)
def test_trainer_flags_are_not_answered_with_a_flag_of_another_meaning(finetune, capsys, typed, misread, advice):
    """`--eval_accumulation_steps 4` was answered "did you mean --gradient_accumulation_steps" (typed, it would
    quadruple training's total batch) and `--data_seed` with `--dataset`; `--warmup_ratio` and `--greater_is_better`
    (whose sense --metric_for_best_model loss or top1 takes) with nothing."""
    assert typed[0][2:] in trainer_argument_names() | {"warmup_ratio"}  # (transformers 4's; 5 takes warmup_steps)
    with pytest.raises(SystemExit):
        finetune.parse_args(typed)
    err = capsys.readouterr().err
    assert f"{typed[0]}: " in err and advice in err and "did you mean" not in err
    assert misread is None or f"-> {misread}" not in err


@pytest.mark.parametrize(
    "flags, warmup, said",
    [
        (["--num_warmup_steps", "100", "--max_train_steps", "16"], 100, "--num_warmup_steps 100"),
        (
            ["--warmup_epochs", "2.5", "--max_train_steps", "10"],
            20,
            "--warmup_epochs 2.5: 20 steps",
        ),  # 8 steps an epoch
        (["--num_warmup_steps", "16", "--max_train_steps", "16", "--lr_scheduler_type", "linear"], 16, "16"),
    ],
)
def test_a_warmup_not_shorter_than_the_run_is_said_as_transformers_schedule_never_reaches_the_rate(
    finetune, flags, warmup, said
):
    """A warm-up as long as the run or longer left the learning rate rising all run, below --learning_rate at every
    step of transformers' schedule, without a word (a paper preset's 2.5 warm-up epochs under a short
    --max_train_steps); the warning names the flag and the rate reached."""
    from transformers import get_scheduler

    args = finetune.parse_args(["--learning_rate", "0.001", *flags])
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=args.learning_rate)
    schedule = get_scheduler(args.lr_scheduler_type, optimizer, warmup, args.max_train_steps)
    rates = []
    for _ in range(args.max_train_steps):
        rates.append(schedule.get_last_lr()[0])
        optimizer.step()
        schedule.step()
    assert max(rates) < args.learning_rate  # transformers' schedule, as the recipe drives it
    warning = finetune.warmup_beyond_the_run(args, warmup)
    assert (
        said in warning and f"to {max(rates):.3g} at the last step and never reaches --learning_rate 0.001" in warning
    )
    assert "pass a smaller --num_warmup_steps or --warmup_epochs (0: no warm-up), or train longer" in warning


def test_a_one_step_run_under_a_warmup_is_said_to_train_at_rate_0(finetune):
    """A tiny training split's one epoch is one optimiser step, the first of the warm-up, at rate 0 in transformers'
    schedule: the run did not train, and the warning said "its last step's 0"; it says so plainly, and what to
    change."""
    from transformers import get_scheduler

    args = finetune.parse_args(["--learning_rate", "0.001", "--max_train_steps", "1", "--num_warmup_steps", "1"])
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=args.learning_rate)
    assert get_scheduler(args.lr_scheduler_type, optimizer, 1, 1).get_last_lr() == [0.0]
    warning = finetune.warmup_beyond_the_run(args, 1)
    assert "(1 optimiser step) or longer, so its only optimiser step trains at learning rate 0: the model" in warning
    assert "To fix it, pass a smaller --num_warmup_steps" in warning
    # a tiny data set's one-epoch warm-up (`--dataset my_videos` of 3 training clips) read "--warmup_epochs 1: 1 steps"
    args = finetune.parse_args(["--max_train_steps", "1", "--warmup_epochs", "1"])
    assert "(--warmup_epochs 1: 1 step) is as long as" in finetune.warmup_beyond_the_run(args, 1)


def test_num_warmup_steps_overriding_a_typed_warmup_epochs_is_said_as_transformers_said_it(videofolder, tmp_path):
    """--num_warmup_steps overrides --warmup_epochs (its help); both typed, the epochs were dropped without a word,
    where transformers' TrainingArguments logged that warmup_steps overrides warmup_ratio."""
    from test_recipes_finetune import TINY_MODEL  # the recipe tests' tiny model, on their clips

    tiny = ["--dataset", videofolder, "--max_train_steps", "2", *TINY_MODEL]
    result = run_finetune("--num_warmup_steps", "5", "--warmup_epochs", "2", "--output_dir", tmp_path / "both", *tiny)
    assert result.returncode == 0, result.stderr[-3000:]
    said = "both --num_warmup_steps 5 and --warmup_epochs 2 given: the warm-up is --num_warmup_steps' 5 steps"
    assert said in result.stderr
    # a preset's --warmup_epochs (the bundled demo's 1) is a default, not typed: nothing to say
    result = run_finetune("--num_warmup_steps", "5", "--output_dir", tmp_path / "steps", *tiny)
    assert result.returncode == 0 and "--warmup_epochs has no effect" not in result.stderr, result.stderr[-3000:]


def test_a_warmup_shorter_than_the_run_or_a_constant_rate_says_nothing(finetune):
    args = finetune.parse_args(["--num_warmup_steps", "15", "--max_train_steps", "16"])
    assert finetune.warmup_beyond_the_run(args, 15) is None
    args = finetune.parse_args(["--lr_scheduler_type", "constant", "--max_train_steps", "16"])
    assert finetune.warmup_beyond_the_run(args, 100) is None  # no warm-up: the rate is --learning_rate from step 1


def test_cosine_with_restarts_is_said_to_be_transformers_cosine_schedule_without_a_restart(finetune):
    """The recipe passes no `num_cycles`, and at transformers' default of one `cosine_with_restarts` is `cosine` rate
    for rate (a 16-step run's losses were the cosine run's to the last digit); nothing said so."""
    from transformers import get_scheduler

    def rates(name):
        optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.001)
        schedule = get_scheduler(name, optimizer, 8, 16)
        return [(schedule.get_last_lr()[0], optimizer.step(), schedule.step())[0] for _ in range(16)]

    assert rates("cosine_with_restarts") == rates("cosine")
    warning = finetune.restarts_without_a_restart(finetune.parse_args(["--lr_scheduler_type", "cosine_with_restarts"]))
    assert "one cycle" in warning and "the cosine schedule, rate for rate, without a restart" in warning
    assert finetune.restarts_without_a_restart(finetune.parse_args(["--lr_scheduler_type", "cosine"])) is None


@pytest.mark.skipif(torch.cuda.is_available(), reason="the recipe trains on the GPU, where accelerate runs fp16")
def test_fp16_on_the_cpu_is_refused_where_accelerate_would_train_in_fp32(tmp_path):
    """On the CPU accelerate leaves fp16 autocast off without a word (`native_amp` False): `--mixed_precision fp16`
    trained in fp32 (the bundled run's weights bit for bit those of a run without it) while run_settings.json and the
    model card said fp16. It is refused before anything is written; bf16, which the CPU autocasts, is taken."""
    from test_recipes_finetune import run  # a new process, forked from one that has imported accelerate

    accelerate_on_the_cpu = run(
        "-c", "from accelerate import Accelerator; a = Accelerator(cpu=True, mixed_precision='fp16'); "
        "print(a.mixed_precision, a.native_amp)"
    )  # fmt: skip
    assert accelerate_on_the_cpu.stdout.split() == ["fp16", "False"]
    out = tmp_path / "out"
    tiny = ["--max_train_steps", "1", "--max_train_samples", "16", "--max_eval_samples", "8"]  # (it trained)
    result = run_finetune("--mixed_precision", "fp16", *tiny, "--output_dir", out)
    assert result.returncode == 2, result.stderr[-2000:]
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: --mixed_precision fp16: accelerate runs fp16 on a GPU only") and "bf16" in last
    assert not out.exists()


def test_fp16_on_the_cpu_from_accelerates_config_is_not_named_as_a_flag_typed():
    # `accelerate launch --config_file cpu_fp16.yaml recipes/finetune.py` was refused as "--mixed_precision fp16",
    # a flag not typed: args.mixed_precision holds the launcher's precision too
    from types import SimpleNamespace

    from vivit_hf.training.finetune import check_mixed_precision_launch

    on_the_cpu = SimpleNamespace(mixed_precision="fp16", native_amp=False, device=torch.device("cpu"))
    # nor as accelerate launch's alone where ACCELERATE_MIXED_PRECISION was exported in the shell, no launcher used
    launcher = "mixed_precision fp16 (accelerate launch's --mixed_precision or config file, or ACCELERATE_MIXED_PRECIS"
    for typed, named in (([], launcher), (["mixed_precision"], "--mixed_")):
        with pytest.raises(ValueError, match="accelerate runs fp16 on a GPU only") as refused:
            check_mixed_precision_launch(SimpleNamespace(mixed_precision="fp16", typed_flags=typed), on_the_cpu)
        assert str(refused.value).startswith(named), refused.value


# ------------------------------------------------------------------ an output folder that holds a previous run

# What the recipe writes (names from a run of it), an evaluation by recipes/evaluate.py, and what a user may keep there.
RUN_OUTPUTS = {
    "config.json": "{}",
    "model.safetensors": "weights",
    "video_preprocessor_config.json": "{}",
    "all_results.json": "{}",
    "training_curves.png": "png",
    "eval_confusion_matrix.png": "png",
    "README.md": "model card",
    "modeling_vivit.py": "model code",
    "checkpoints/step_4/trainer_state.json": '{"completed_steps": 4}',
    "finetune/events.out.tfevents.1": "logs",
    "eval_synthetic_motion_test_1x1/eval_results.json": "{}",
}
USER_FILES = {"notes.txt": "mine", "data/clip.mp4": "video", "eval_notes/todo.txt": "mine", "my_model.py": "code"}


def write_files(folder: Path, files: dict) -> None:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)


def files_in(folder: Path) -> dict:
    return {str(p.relative_to(folder)): p.read_text() for p in folder.rglob("*") if p.is_file()}


def test_a_missing_empty_or_unrelated_folder_holds_no_previous_run(tmp_path):
    from vivit_hf.training.checkpoints import check_output_dir

    assert check_output_dir(tmp_path / "missing", overwrite=False, resume=None) == []
    assert check_output_dir(tmp_path, overwrite=False, resume=None) == []
    write_files(tmp_path, USER_FILES)
    assert check_output_dir(tmp_path, overwrite=False, resume=None) == []


@pytest.mark.parametrize("overwrite", [False, True], ids=["new_run", "overwrite_output_dir"])
def test_a_readme_or_model_code_that_no_run_wrote_is_refused_not_replaced(tmp_path, monkeypatch, capsys, overwrite):
    """A model card or model code alone is no previous run (a project's README.md, a data set's card, the user's own
    errors.py), so nothing refused the folder, and the final save replaced them with the run's card and code (a new
    user's `--output_dir .`, or the data set's folder). Refused before anything loads; the files stay."""

    write_files(tmp_path, {**USER_FILES, "README.md": "# my project", "errors.py": "# my helpers"})
    before = files_in(tmp_path)
    recipe = recipe_that_must_not_load(monkeypatch)
    argv = ["--output_dir", str(tmp_path), "--with_tracking", "false", *["--overwrite_output_dir"] * overwrite]
    with pytest.raises(SystemExit) as refused:
        recipe.main(argv)
    assert refused.value.code == 2
    message = capsys.readouterr().err.strip()
    assert message.startswith("error: ") and "\n" not in message, message
    assert f"--output_dir {tmp_path} holds README.md, errors.py" in message, message
    assert "notes.txt" not in message and "another --output_dir" in message
    assert files_in(tmp_path) == before


def test_a_run_refused_once_its_folder_is_made_leaves_no_folder_it_made_and_an_empty_one_given_stays(tmp_path, capsys):
    """A Hub data set not fetched (offline) is refused after --output_dir is made: the refused run left the empty
    folder (and the folders above it) behind, a new user's `--output_dir k400-vivit-b` offline. What it made goes
    as the process exits (`release_held_output_dirs`, its atexit); an empty folder the user made stays, and so does a
    folder the run wrote into before it failed (a checkpoint's, here a folder made where the data loads)."""
    from test_recipes_finetune import load_recipe, run_in_process
    from test_recipes_user_errors import OFFLINE

    from vivit_hf.training.checkpoints import release_held_output_dirs

    given, written = tmp_path / "given", tmp_path / "written" / "out"
    given.mkdir()

    def write_then_fail(*args):
        (written / "checkpoints").mkdir()
        raise SystemExit("error: failed")

    argv = ["--dataset", "someone/kinetics-mini", "--dataset_format", "hub", "--with_tracking", "false"]
    for out in (tmp_path / "runs" / "k400-vivit-b", given, written):
        recipe = load_recipe()
        if out == written:  # a run that failed once it had written something there
            recipe.load_data = write_then_fail
        with pytest.raises(SystemExit) as refused:
            run_in_process(recipe, *argv, "--output_dir", out)
        if out != written:  # one line, said once (test_recipes_user_errors.py: a process of its own, `kinetics`)
            said = capsys.readouterr().err
            assert refused.value.code == 2 and said == f"error: --dataset someone/kinetics-mini: {OFFLINE}\n", said
        release_held_output_dirs()  # what the process's exit does
    assert sorted(path.name for path in tmp_path.iterdir()) == ["given", "written"]
    assert list(given.iterdir()) == [] and list(written.iterdir()) == [written / "checkpoints"]


def test_a_rerun_into_a_previous_runs_folder_is_refused_before_anything_loads(tmp_path, monkeypatch, capsys):

    write_files(tmp_path, {**RUN_OUTPUTS, **USER_FILES})
    before = files_in(tmp_path)
    # (it joins the process group first, so that every process hears a refusal: test_recipes_multi_machine.py)
    recipe = recipe_that_must_not_load(monkeypatch)
    with pytest.raises(SystemExit) as refused:
        recipe.main(["--output_dir", str(tmp_path), "--with_tracking", "false"])
    assert refused.value.code == 2  # the user's --output_dir: argparse's status (it was 1, a failed run's)
    message = capsys.readouterr().err.strip()
    assert message.startswith("error: ") and "\n" not in message, message  # one line
    for text in (
        f"--output_dir {tmp_path} already holds a previous run",
        "model.safetensors",
        "checkpoints/ (step_4)",
        "eval_synthetic_motion_test_1x1/",
        "--resume_from_checkpoint latest",
        "--overwrite_output_dir",
    ):
        assert text in message, (text, message)
    assert "notes.txt" not in message and "eval_notes" not in message
    assert files_in(tmp_path) == before


def test_a_finished_run_without_checkpoints_is_not_offered_a_resume(tmp_path):
    # the README's main job keeps no checkpoint: its refusal offered --resume_from_checkpoint latest, which a new user
    # followed into a second refusal ("no checkpoint to continue from")
    from vivit_hf.training.checkpoints import check_output_dir

    write_files(tmp_path, {k: v for k, v in RUN_OUTPUTS.items() if not k.startswith("checkpoints/")})
    with pytest.raises(ValueError) as refused:
        check_output_dir(tmp_path, overwrite=False, resume=None)
    message = str(refused.value)
    assert "--resume_from_checkpoint" not in message and "kept no checkpoint" in message, message
    assert "--overwrite_output_dir" in message and "another --output_dir" in message
    with pytest.raises(ValueError, match="no checkpoint to continue from"):  # as it would have been refused
        check_output_dir(tmp_path, overwrite=False, resume="latest")


def test_overwrite_output_dir_removes_what_a_run_wrote_and_nothing_else(tmp_path):
    from vivit_hf.training.checkpoints import check_output_dir, remove_previous_run

    write_files(tmp_path, {**RUN_OUTPUTS, **USER_FILES, "model-00001-of-00002.safetensors": "shard", ".push/x": "x"})
    assert len(check_output_dir(tmp_path, overwrite=True, resume=None)) == 13
    removed, kept = remove_previous_run(tmp_path)
    # The final model stays until the new run's replaces it (`staged_outputs`): a rerun stopped early once left the
    # folder with no model. So do the plots its card shows (they went, and such a rerun left the card's images
    # broken). Its checkpoints, logs, Hub snapshot and evaluations go.
    model = ["README.md", "all_results.json", "config.json", "eval_confusion_matrix.png"]
    model += ["model-00001-of-00002.safetensors", "model.safetensors", "modeling_vivit.py", "training_curves.png"]
    model += ["video_preprocessor_config.json"]
    assert sorted(kept) == model
    assert sorted(removed) == [".push", "checkpoints", "eval_synthetic_motion_test_1x1", "finetune"]
    assert files_in(tmp_path) == {**USER_FILES, **{name: (tmp_path / name).read_text() for name in model}}
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted(["data", "eval_notes", "my_model.py", "notes.txt", *model])


def test_the_overwrite_line_names_what_went_and_what_stays_where_either_is_nothing(tmp_path):
    """A finished run that kept no checkpoint nor log leaves only its model to keep: the line read
    "--overwrite_output_dir: removed the previous run's nothing else from out; its model (...) stays ..."; a folder
    whose run left no model nor settings read "its settings (none) stays"."""
    from vivit_hf.training.checkpoints import removal_said, remove_previous_run

    write_files(tmp_path / "model", {name: RUN_OUTPUTS[name] for name in ("config.json", "model.safetensors")})
    removed, kept = remove_previous_run(tmp_path / "model")
    assert removal_said("--overwrite_output_dir", removed, kept, "out") == (
        "--overwrite_output_dir: the previous run in out left nothing but its model (config.json, model.safetensors), "
        "which stays until this run's replaces it"
    )
    write_files(tmp_path / "stopped", {"checkpoints/step_4/trainer_state.json": "{}", "run_settings.json": "{}"})
    removed, kept = remove_previous_run(tmp_path / "stopped")
    assert removal_said("the same command again", removed, kept, "out") == (
        "the same command again: removed the previous run's checkpoints from out; its settings (run_settings.json) "
        "stays until this run's replaces it"
    )
    assert removal_said("--overwrite_output_dir", ["checkpoints"], [], "out") == (
        "--overwrite_output_dir: removed the previous run's checkpoints from out"
    )


def test_a_new_model_replaces_the_old_ones_plots_and_drops_those_it_does_not_draw(tmp_path):
    """The card's plots are kept with the old model until the new one lands; then the new run's replace them, and an
    old plot the new run does not draw (a class plot of a run with other heads) goes with the old model."""
    from vivit_hf.hub.folders import staged_outputs
    from vivit_hf.training.checkpoints import FINAL_MODEL_PATTERNS

    write_files(tmp_path, RUN_OUTPUTS)
    (tmp_path / "eval_noun_confusion_matrix.png").write_text("old")
    with staged_outputs(tmp_path, FINAL_MODEL_PATTERNS) as staging:
        for name in ("model.safetensors", "training_curves.png", "eval_confusion_matrix.png"):
            (staging / name).write_text("new")
    assert not (tmp_path / "eval_noun_confusion_matrix.png").exists()
    for name in ("training_curves.png", "eval_confusion_matrix.png"):
        assert (tmp_path / name).read_text() == "new"
    assert (tmp_path / "eval_synthetic_motion_test_1x1").is_dir()  # evaluate.py's folder: not the model's


def test_a_new_model_over_a_transformers_folder_drops_its_image_processor_config(tmp_path):
    """--overwrite_output_dir over a transformers ViViT folder: its preprocessor_config.json (`VivitImageProcessor`)
    stayed beside the new model's video_preprocessor_config.json, and `AutoProcessor` reads it first: transformers'
    image processor (every frame, no clip sampling, pixels normalised again: [-3, 1] for scenic's [-1, 1]) for the
    run's `ViViTVideoProcessor`."""
    from transformers import AutoProcessor, VivitImageProcessor

    from vivit_hf import ViViTSpatioTemporalConfig, ViViTVideoProcessor
    from vivit_hf.hub.folders import staged_outputs
    from vivit_hf.training.checkpoints import FINAL_MODEL_PATTERNS

    VivitImageProcessor().save_pretrained(tmp_path)
    (tmp_path / "model.safetensors").write_text("the transformers model's weights")
    with staged_outputs(tmp_path, FINAL_MODEL_PATTERNS) as staging:
        ViViTSpatioTemporalConfig(num_hidden_layers=1).save_pretrained(staging)
        ViViTVideoProcessor().save_pretrained(staging)
        (staging / "model.safetensors").write_text("new")
    assert not (tmp_path / "preprocessor_config.json").exists()
    assert type(AutoProcessor.from_pretrained(tmp_path)) is ViViTVideoProcessor


def test_a_resumed_run_keeps_its_folder_unless_nothing_can_be_resumed(tmp_path):
    from vivit_hf.training.checkpoints import check_output_dir

    write_files(tmp_path, RUN_OUTPUTS)
    assert check_output_dir(tmp_path, overwrite=False, resume="latest")  # continues checkpoints/step_4
    assert check_output_dir(tmp_path, overwrite=False, resume=str(tmp_path / "checkpoints" / "step_4"))
    with pytest.raises(ValueError, match="give one"):
        check_output_dir(tmp_path, overwrite=True, resume="latest")
    # `latest` with no checkpoint would train from scratch over the finished model.
    (tmp_path / "checkpoints" / "step_4" / "trainer_state.json").unlink()
    with pytest.raises(ValueError) as refused:
        check_output_dir(tmp_path, overwrite=False, resume="latest")
    assert "no checkpoint to continue from" in str(refused.value) and "--overwrite_output_dir" in str(refused.value)
    # A run killed before its first checkpoint (logs, no model) passes here: refused once every process has said it
    # holds no checkpoint (recipes/finetune.py, `nothing_to_resume`), so that a machine lacking only the checkpoint
    # rank 0 resumes is told that first.
    for name in ("model.safetensors", "all_results.json"):
        (tmp_path / name).unlink()
    assert check_output_dir(tmp_path, overwrite=False, resume="latest")


@pytest.mark.parametrize("made", [False, True], ids=["missing_folder", "empty_folder"])
def test_resume_latest_refuses_a_folder_with_no_run_in_it(tmp_path, made):
    """A mistyped --output_dir with --resume_from_checkpoint latest trained a whole new run and exited 0; as
    transformers' Trainer, asked to continue and finding no run, it is refused (naming the folder) before any work."""
    from vivit_hf.training.checkpoints import check_output_dir

    folder = tmp_path / "out"
    if made:
        folder.mkdir()
        (folder / "notes.txt").write_text("a file the recipe does not write")
    with pytest.raises(ValueError) as refused:
        check_output_dir(folder, overwrite=False, resume="latest")
    message = str(refused.value)
    assert str(folder) in message and "no run to continue" in message
    assert ("does not exist" in message) != made
    assert check_output_dir(folder, overwrite=False, resume=None) == []  # a new run there is fine


def test_resume_latest_on_a_folder_a_new_run_is_refused_in_offers_no_new_run_there(tmp_path):
    """--resume_from_checkpoint latest on a folder holding the user's README.md and no run said 'drop
    --resume_from_checkpoint to start a new run there', and the command without it was refused in turn (the card would
    replace the README.md). The reference: what the new run there is answered."""
    from vivit_hf.training.checkpoints import check_output_dir

    (tmp_path / "README.md").write_text("# my project")
    with pytest.raises(ValueError, match="README.md"):
        check_output_dir(tmp_path, overwrite=False, resume=None)
    with pytest.raises(ValueError) as refused:
        check_output_dir(tmp_path, overwrite=False, resume="latest")
    message = str(refused.value)
    assert "no run to continue" in message and "drop --resume_from_checkpoint" not in message, message
    assert "another --output_dir" in message and "README.md" in message, message


def test_why_a_hub_id_was_not_fetched_tells_no_network_from_no_such_repo(monkeypatch):
    import httpx2
    from datasets.exceptions import DatasetNotFoundError
    from huggingface_hub import constants
    from huggingface_hub.errors import LocalEntryNotFoundError, RepositoryNotFoundError

    from vivit_hf.hub import sources
    from vivit_hf.hub.sources import why_not_fetched
    from vivit_hf.training.flags import is_hub_failure

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(sources, "get_token", lambda: None)  # not logged in: a private repo is one to log in for

    def raised(error, cause):  # as huggingface_hub and datasets chain them: `raise error from cause`
        error.__cause__ = cause
        return error

    no_network = raised(
        ConnectionError("Couldn't reach 'someone/x' on the Hub (LocalEntryNotFoundError)"),
        raised(
            LocalEntryNotFoundError("Got: ConnectError"), httpx2.ConnectError("[Errno -2] Name or service not known")
        ),
    )
    assert why_not_fetched(no_network) == (
        "the Hub could not be reached ([Errno -2] Name or service not known) and it is not in the local cache"
    )
    no_repo = "no Hub repo of that name (or it is private: log in with `hf auth login`)"
    assert why_not_fetched(DatasetNotFoundError("Dataset 'someone/x' doesn't exist on the Hub")) == no_repo
    response = httpx2.Response(404, request=httpx2.Request("GET", "https://huggingface.co/api/models/someone/x"))
    assert (
        why_not_fetched(
            raised(OSError("someone/x is not a valid model id"), RepositoryNotFoundError("404", response=response))
        )
        == no_repo
    )
    assert is_hub_failure(no_network)
    assert not is_hub_failure(FileNotFoundError("outputs/model.safetensors"))  # a bad local file: a bug's traceback


def test_a_launcher_flag_given_after_the_script_says_it_goes_before_the_script(finetune, capsys, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["recipes/finetune.py"])  # as `accelerate launch recipes/finetune.py` runs it
    with pytest.raises(SystemExit) as stopped:
        finetune.parse_args(["--num_processes", "2", "--multi_gpu", "--lr", "0.1", "--nproc_per_node=2"])
    assert stopped.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "finetune.py: error: unrecognized arguments: --num_processes 2 --multi_gpu --lr 0.1 --nproc_per_node=2 "
        "(did you mean: --lr -> --learning_rate?); --num_processes, --multi_gpu are flags of accelerate launch: give "
        "them before the script, `accelerate launch --num_processes 2 --multi_gpu recipes/finetune.py`; "
        "--nproc_per_node is a flag of torchrun: give it before the script, `torchrun --nproc_per_node=2 "
        "recipes/finetune.py`"
    )


def test_a_refused_flag_is_one_line_of_usage_and_the_error_not_every_flag(finetune, capsys, monkeypatch):
    """argparse printed all 57 lines of the recipe's usage before the error, pushing the one line that matters (and its
    "did you mean") off the screen; now one line of usage says where the flags are listed."""
    monkeypatch.setattr(sys, "argv", ["recipes/finetune.py"])
    refusals = {  # an unknown flag; a value of the wrong type
        ("--learning-rat", "0.1"): "(did you mean: --learning-rat -> --learning_rate?)",
        ("--num_train_epochs", "two"): "argument --num_train_epochs: expected a whole number >= 1, got 'two'",
    }
    for argv, says in refusals.items():
        with pytest.raises(SystemExit) as stopped:
            finetune.parse_args(list(argv))
        assert stopped.value.code == 2
        lines = capsys.readouterr().err.splitlines()
        assert lines[0] == "usage: finetune.py [flags]  (every flag: finetune.py --help)", lines
        assert len(lines) == 2 and lines[1].startswith("finetune.py: error: ") and says in lines[1], lines
    with pytest.raises(SystemExit) as stopped:
        finetune.parse_args(["--help"])
    assert stopped.value.code == 0 and "--learning_rate" in capsys.readouterr().out  # --help still lists every flag


def test_the_launcher_flags_the_recipe_takes_itself_are_taken_not_refused(finetune):
    # accelerate launch has them too; after the script they are the recipe's own, as the docs use them
    args = finetune.parse_args(["--mixed_precision", "bf16", "--gradient_accumulation_steps", "2"])
    assert (args.mixed_precision, args.gradient_accumulation_steps) == ("bf16", 2)


def launcher_environment(monkeypatch, *launch_flags) -> dict:
    """The environment accelerate launch's simple launcher (one process, no --multi_gpu) gives the script: its own
    code, not run."""
    from accelerate.commands.launch import _validate_launch_command, launch_command_parser
    from accelerate.utils.launch import prepare_simple_launcher_cmd_env

    for name in ("WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT", "ACCELERATE_USE_CPU"):
        monkeypatch.delenv(name, raising=False)
    args = launch_command_parser().parse_args([*launch_flags, "--cpu", "recipes/finetune.py"])
    args, _, _ = _validate_launch_command(args)
    return prepare_simple_launcher_cmd_env(args)[1]


def test_the_precision_accelerate_launch_asks_for_is_the_runs_recorded_one(finetune, monkeypatch):
    # `accelerate launch --mixed_precision bf16 recipes/finetune.py` trains in bf16 (Accelerator reads the launcher's
    # environment): run_settings.json, the card and a resume's comparison recorded None, as if none was asked for.
    # "no" (and nothing asked) is recorded as "no", what accelerate used and logged, where it recorded null
    for asked, recorded in (("bf16", "bf16"), ("fp16", "fp16"), ("no", "no")):
        for name, value in launcher_environment(monkeypatch, "--mixed_precision", asked).items():
            monkeypatch.setenv(name, value)
        assert finetune.parse_args([]).mixed_precision == recorded, asked
        # the recipe's own flag, typed, is what Accelerator(mixed_precision=...) trains with: it wins
        assert finetune.parse_args(["--mixed_precision", "no"]).mixed_precision == "no"
    monkeypatch.delenv("ACCELERATE_MIXED_PRECISION")
    assert finetune.parse_args([]).mixed_precision == "no"  # a plain `python recipes/finetune.py`
    from vivit_hf.training.resume import same_setting

    assert same_setting("mixed_precision", None, "no")  # an older run's record is the same command
    assert not same_setting("mixed_precision", None, "bf16")


def test_two_processes_asked_of_accelerates_simple_launcher_warn_naming_the_two_process_config(monkeypatch):
    from vivit_hf.training.flags import processes_not_started

    warning = processes_not_started(1, "recipes/finetune.py", launcher_environment(monkeypatch, "--num_processes", "2"))
    assert warning is not None and "\n" not in warning
    assert "--config_file recipes/accelerate_configs/cpu_two_processes.yaml recipes/finetune.py" in warning
    # one process asked for, a plain `python`, and torchrun's two processes: nothing to say
    assert processes_not_started(1, "f.py", launcher_environment(monkeypatch, "--num_processes", "1")) is None
    assert processes_not_started(1, "f.py", {}) is None
    torchrun = {"WORLD_SIZE": "2", "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": "29500", "ACCELERATE_USE_CPU": "True"}
    assert processes_not_started(2, "f.py", torchrun) is None


def _view(rank, machine, refusal=None):
    return {"refusal": refusal, "status": 2, "flags": {}, "resume": None, "where": f"rank {rank}", "machine": machine}


def test_a_refusal_is_said_once_per_machine_and_each_different_one_by_its_process():
    from vivit_hf.training.agreement import speaks

    same = "error: argument --learning_rate: expected a number > 0, got '-1'"
    # two processes of one machine refusing alike: the first says it
    views = [_view(0, "m0", same), _view(1, "m0", same)]
    assert [speaks(views, r) for r in range(2)] == [True, False]
    # only rank 1 refused: rank 0's line ("rank 1 refused: ...") says it already
    views = [_view(0, "m0"), _view(1, "m0", "error: argument --dataset: './x': no such folder")]
    assert [speaks(views, r) for r in range(2)] == [True, False]
    # two different refusals: each is said
    views = [_view(0, "m0", same), _view(1, "m0", "error: argument --dataset: './x': no such folder")]
    assert [speaks(views, r) for r in range(2)] == [True, True]
    # two machines, each with its own console: each says it
    views = [_view(0, "m0", same), _view(1, "m1", same)]
    assert [speaks(views, r) for r in range(2)] == [True, True]


def help_entry(help_text: str, flag: str) -> str:
    """The lines `--help` shows for `flag` (its own line and the wrapped help under it), joined by spaces."""
    lines = help_text.splitlines()
    options = lines.index("options:")  # the flags' entries: the description's example commands name flags too
    start = next(
        i
        for i, line in enumerate(lines)
        # `--push_to_hub, --push-to-hub`: each flag is listed in both spellings
        # an entry's first line, indented two spaces: a wrapped help line naming the flag is indented further
        if i > options
        and line.startswith("  -")
        and (line[2:].startswith((f"{flag} ", f"{flag},")) or line[2:] == flag)
    )
    entry = [lines[start]]
    for line in lines[start + 1 :]:
        # the next flag (indented two spaces; a wrapped help line is indented further, and may begin with a flag's
        # name: `--streaming: examples in ...`), a blank line or a group
        if not line.startswith("   "):
            break
        entry.append(line)
    return " ".join(" ".join(entry).split())


def shown_default(help_text: str, flag: str) -> str | None:
    entry = help_entry(help_text, flag)
    return entry.split("(default: ", 1)[1].rsplit(")", 1)[0] if "(default: " in entry else None


def recipe_help(script: str, *argv) -> tuple[str, object]:
    """`recipes/SCRIPT --help` (with `argv` before it) as printed, and the parser's defaults (a Namespace) that a run
    of the same command line would take: the preset's for finetune.py."""
    import importlib.util
    import io
    from contextlib import redirect_stdout

    if script == "finetune.py":
        parse = finetune_library.parse_args
        defaults = finetune_library.parse_args(list(argv), check_paths=False)
    else:
        spec = importlib.util.spec_from_file_location(f"help_{script[:-3]}", REPO / "recipes" / script)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        parse = module.build_parser().parse_args
        defaults = module.build_parser().parse_args(list(argv))
    printed = io.StringIO()
    with redirect_stdout(printed), pytest.raises(SystemExit) as stop:
        parse([*argv, "--help"])
    assert stop.value.code == 0
    return printed.getvalue(), defaults


@pytest.mark.parametrize(
    "script, argv, flags",
    [
        ("evaluate.py", ["--model", "m"], ["--num_clips", "--per_device_eval_batch_size", "--dataset"]),
        ("predict.py", ["--model", "m", "--videos", "v"], ["--plot_classes", "--top_k", "--output_dir"]),
    ],
)
def test_help_shows_each_flags_default_as_the_parser_has_it(script, argv, flags):
    # (finetune.py's: test_every_default_the_help_states_is_the_one_the_run_takes)
    # argparse showed no default: the learning rate, epochs and frames a run would take were found only in the code
    printed, defaults = recipe_help(script, *argv)
    for flag in flags:
        assert shown_default(printed, flag) == str(getattr(defaults, flag[2:])), help_entry(printed, flag)


@pytest.mark.parametrize(
    "argv", [[], ["--preset", "ssv2_vivit_b_fe", "--dataset", "org/ssv2"]], ids=["bundled", "paper"]
)
def test_every_default_the_help_states_is_the_one_the_run_takes(argv):
    # `--torch_threads` said `(default: torch's choice)` where the bundled preset trains on 1 thread: a default written
    # into the help text hid the preset's from the formatter, which shows it only where the help says none
    import copy

    from vivit_hf.training.flags import has_default_to_show

    printed, defaults = recipe_help("finetune.py", *argv)
    wrong = {}
    for action in finetune_library.build_parser()._actions[1:]:  # after -h
        flag, taken = action.option_strings[0], getattr(defaults, action.dest)
        # a default of None may be said in words (`--num_frames`: the model's), as is `--dataset`'s; `--preset`'s is
        # the one a command line without it takes; `--mixed_precision`'s is the launcher's, read after parsing; a
        # typed flag's value is no default; a switch's False and an empty list go unsaid
        if flag in ("--preset", "--dataset", "--mixed_precision", *argv) or taken is None:
            continue
        as_run = copy.copy(action)
        as_run.default = taken
        if has_default_to_show(as_run) and shown_default(printed, flag) != str(taken):
            wrong[flag] = (shown_default(printed, flag), taken)
    assert not wrong, f"--help's default (shown, taken): {wrong}"


def test_the_help_of_torch_threads_and_hidden_dropout_prob_says_what_a_run_without_them_takes():
    # it read "unset: torch's choice (default: 1)" under the bundled preset: torch's choice, or 1?
    bundled = " ".join(help_entry(recipe_help("finetune.py")[0], "--torch_threads").split())
    printed = recipe_help("finetune.py", "--preset", "ssv2_vivit_b_fe", "--dataset", "org/ssv2")[0]
    paper = " ".join(help_entry(printed, "--torch_threads").split())
    assert bundled.endswith("where the preset sets none, else the preset's (default: 1)"), bundled
    assert paper.endswith("torch's own number (as many as the cores) where the preset sets none, else the preset's")
    # --hidden_dropout_prob had no help: under a paper preset (which sets none) the bare flag, no default, no words
    bundled = " ".join(help_entry(recipe_help("finetune.py")[0], "--hidden_dropout_prob").split())
    paper = " ".join(help_entry(printed, "--hidden_dropout_prob").split())
    assert bundled.endswith("else the model config's (0.0 for a new model) (default: 0.1)"), bundled
    assert paper.endswith("where it sets one, else the model config's (0.0 for a new model)"), paper


def test_help_says_nothing_of_defaults_that_are_none_or_a_switch_off():
    printed, defaults = recipe_help("finetune.py")
    for flag in ("--init_from", "--max_train_steps", "--push_to_hub", "--streaming", "--freeze"):
        assert shown_default(printed, flag) is None, help_entry(printed, flag)
    # a typed true/false flag says what it is off by default
    assert defaults.do_flip is False and shown_default(printed, "--do_flip") == "False"


def test_the_help_of_model_says_which_choice_is_which_of_the_papers_models():
    """--model's help read "paper's Model 1-4" beside four names, and said nothing of which to start with; a newcomer
    could not tell that factorised_encoder is Model 2. The help says the choices are in the paper's order, so they
    must be: the README's table names Model 1-4 by their configs, in that order."""

    from vivit_hf.models.modeling_vivit import VIVIT_MODELS

    printed = " ".join(help_entry(recipe_help("finetune.py")[0], "--model").split())
    assert "Model 1-4, in this order" in printed and "factorised_encoder (Model 2)" in printed, printed
    readme = (REPO / "README.md").read_text()
    by_paper = dict(re.findall(r"\| Model (\d), [^|]+\| `(\w+Config)`", readme))
    in_help_order = [config.__name__ for config, _, _ in VIVIT_MODELS.values()]
    assert in_help_order == [by_paper[str(n)] for n in range(1, 5)], (in_help_order, by_paper)
    assert list(VIVIT_MODELS)[1] == "factorised_encoder"


@pytest.mark.parametrize("flag", ["--frame_stride", "--resize_shortest_edge", "--gradient_accumulation_steps"])
def test_the_video_and_batch_flags_say_what_they_do(flag):
    # their --help entries were the flag and its default alone: `--frame_stride FRAME_STRIDE (default: 1)`
    printed = recipe_help("finetune.py", "--preset", "ssv2_vivit_b_fe", "--dataset", "org/ssv2")[0]
    words = help_entry(printed, flag).split(flag.upper()[2:])[-1].split("(default:")[0]
    assert len(words.split()) >= 8, help_entry(printed, flag)


def test_model_2s_unused_vit_cls_token_is_answered_with_what_the_recipe_user_can_do(finetune, tmp_path, caplog):
    """finetune.py --model factorised_encoder --init_from a token ViT warned "cls (spatial_cls_init='keep' keeps Model
    2's own spatial CLS token, as scenic does; 'copy' takes the ViT's)": a keyword the recipe has no flag for, as if
    the user had set it. Under the recipe it now says how to start from the ViT's token, and that way, followed
    (from_vit_pretrained(..., spatial_cls_init='copy') saved, then --init_from it), gives the ViT's token."""
    import logging

    import torch
    from accelerate import PartialState
    from transformers import ViTModel

    from vivit_hf.models.modeling_vivit import ViViTFactorisedEncoderForVideoClassification
    from vivit_hf.training.flags import VIT_INIT_LOGGER, advice_in_flag_words

    PartialState()  # build_model logs through accelerate
    torch.manual_seed(0)
    save_tiny_vit(tmp_path / "vit")
    data = two_classes()
    flags = ["--model", "factorised_encoder", "--num_frames", "4", "--crop_size", "32"]
    flags += ["--config_overrides", "tubelet_size=[2,8,8]"]
    with caplog.at_level(logging.WARNING, logger=VIT_INIT_LOGGER), advice_in_flag_words((VIT_INIT_LOGGER,)):
        finetune.build_model(finetune.parse_args([*flags, "--init_from", str(tmp_path / "vit")]), data)
    (warned,) = [r.getMessage() for r in caplog.records if "cls_token" in r.getMessage()]
    assert "spatial_cls_init='keep'" not in warned, warned
    assert "finetune.py has no flag for it" in warned and "spatial_cls_init='copy'" in warned, warned

    vit = ViTModel.from_pretrained(tmp_path / "vit")
    ViViTFactorisedEncoderForVideoClassification.from_vit_pretrained(
        tmp_path / "vit", spatial_cls_init="copy", num_frames=4, tubelet_size=[2, 8, 8], num_labels=2
    ).save_pretrained(tmp_path / "copied")
    model, _ = finetune.build_model(finetune.parse_args([*flags[:2], "--init_from", str(tmp_path / "copied")]), data)
    ours = model.vivit.spatial_encoder.cls_token.detach().flatten()
    torch.testing.assert_close(ours, vit.embeddings.cls_token.detach().flatten(), rtol=0, atol=0)


def test_the_vits_unused_representation_layer_is_answered_with_the_flag_that_takes_it(finetune, tmp_path, caplog):
    """finetune.py --init_from a ViT with a representation layer (a transformers ViTModel's pooler, dense + tanh)
    warned "pass representation_size=16 to a *ForVideoClassification to use it", a Python keyword; under the recipe
    it names --config_overrides representation_size=16, and that flag, followed, takes the layer (no warning left, the
    model's pre-logits layer the ViT's pooler)."""
    import logging

    import torch
    from accelerate import PartialState
    from transformers import ViTModel

    from vivit_hf.training.flags import VIT_INIT_LOGGER, advice_in_flag_words

    PartialState()  # build_model logs through accelerate
    torch.manual_seed(0)
    save_tiny_vit(tmp_path / "vit")
    data = two_classes()
    flags = init_from_flags(tmp_path / "vit")
    flags += ["--config_overrides", "tubelet_size=[2,8,8]"]

    def warned(flags):
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger=VIT_INIT_LOGGER), advice_in_flag_words((VIT_INIT_LOGGER,)):
            model, _ = finetune.build_model(finetune.parse_args(flags), data)
        return [r.getMessage() for r in caplog.records if "pooler" in r.getMessage()], model

    (line,), _ = warned(flags)
    assert "pass --config_overrides representation_size=16 to use it" in line, line
    flags[-1] += ",representation_size=16"
    lines, model = warned(flags)
    assert lines == []
    pooler = ViTModel.from_pretrained(tmp_path / "vit").pooler.dense
    torch.testing.assert_close(model.pre_logits[0].weight, pooler.weight, rtol=0, atol=0)
    torch.testing.assert_close(model.pre_logits[0].bias, pooler.bias, rtol=0, atol=0)


def test_a_dataset_revision_of_a_local_folder_or_an_unused_seed_is_refused_by_finetune_and_evaluate(
    finetune, tmp_path, capsys
):
    """A local folder is read as it is: `--dataset_revision v2` was dropped without a word (evaluate.py's results
    folder even named the revision)."""
    import importlib.util

    from vivit_hf.training.evaluation import start_refusal

    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text("{}")
    with pytest.raises(SystemExit):
        finetune.parse_args(["--dataset", str(tmp_path), "--dataset_revision", "v2"])
    assert "argument --dataset_revision: --dataset " in capsys.readouterr().err
    spec = importlib.util.spec_from_file_location("flags_evaluate", REPO / "recipes" / "evaluate.py")
    evaluate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(evaluate)
    args = evaluate.build_parser().parse_args(
        ["--model", str(model), "--dataset", str(tmp_path), "--dataset_revision=v2"]
    )
    assert "local folder or file, which has no revision" in start_refusal(args)
    # the seed draws the --max_eval_samples subset: without one (or on a stream's first N clips) it changed nothing,
    # and two seeds' identical scores read as an evaluation without variance
    for typed in ([], ["--streaming", "--dataset", "org/clips", "--dataset_format", "hub", "--max_eval_samples", "4"]):
        args = evaluate.build_parser().parse_args(["--model", str(model), "--seed", "3", *typed])
        assert start_refusal(args).startswith("argument --seed: 3: ")
    args = evaluate.build_parser().parse_args(["--model", str(model), "--seed", "3", "--max_eval_samples", "4"])
    assert start_refusal(args) is None
