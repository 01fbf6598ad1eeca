# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""recipes/finetune.py refuses bad flags at start, naming the flag and the value, before any data or model is loaded:
`parse_args` (vivit_hf.training.finetune) checks them as a whole, and it is the first thing the recipe's main does."""

import subprocess
import sys
from pathlib import Path

import pytest

from vivit_hf.training import finetune as finetune_library

REPO = Path(__file__).resolve().parents[1]


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
        # A misspelt config field was silently ignored: now refused with the closest valid name.
        (["--config_overrides", "hiden_size=16"], ["--config_overrides", "'hiden_size'", "hidden_size"]),
        (["--config_overrides", "image_size"], ["--config_overrides", "'image_size'", "key=value"]),
        # Abbreviations are off: --lr used to be taken as --lr_scheduler_type.
        (["--lr", "0.1"], ["--lr"]),
        (["--init_from", "/no/such/folder/vit-base"], ["--init_from", "/no/such/folder/vit-base", "does not exist"]),
        (["--init_from", "./vit.npz"], ["--init_from", "./vit.npz", "does not exist"]),
    ],
)
def test_bad_flags_stop_before_anything_is_loaded(finetune, capsys, flags, expected):
    with pytest.raises(SystemExit) as stopped:
        finetune.parse_args([*flags, "--with_tracking", "false"])
    assert stopped.value.code == 2
    error = capsys.readouterr().err.splitlines()[-1]
    for text in expected:
        assert text in error, (text, error)


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
        (["--eval_num_clips", "4"], "eval_num_clips", 4),
        (["--num_workers", "0"], "num_workers", 0),
        (
            ["--config_overrides", "num_temporal_layers=2,tubelet_size=[2,8,8]"],
            "config_overrides",
            "num_temporal_layers=2,tubelet_size=[2,8,8]",
        ),
    ],
)
def test_good_values_still_parse(finetune, flags, name, value):
    assert getattr(finetune.parse_args(flags), name) == value


def test_a_missing_init_from_file_is_reported_as_a_path_not_a_hub_id(finetune, tmp_path, capsys):
    missing = tmp_path / "vit"
    with pytest.raises(SystemExit):
        finetune.parse_args(["--init_from", str(missing)])
    error = capsys.readouterr().err
    assert str(missing) in error and "does not exist" in error and "Repo id" not in error
    missing.mkdir()  # an existing folder passes the check (what it holds is from_vit_pretrained's business)
    assert finetune.parse_args(["--init_from", str(missing)]).init_from == str(missing)


def test_the_recipe_parses_its_flags_before_anything_else(tmp_path):
    """The script itself: a bad flag exits with argparse's status 2 and one line naming it, and no output folder."""
    result = subprocess.run(
        [
            sys.executable,
            str(REPO / "recipes" / "finetune.py"),
            "--eval_num_crops",
            "2",
            "--output_dir",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 2, result.stderr
    assert "--eval_num_crops" in result.stderr.splitlines()[-1] and not (tmp_path / "out").exists()
    source = (REPO / "recipes" / "finetune.py").read_text()
    assert "def main(argv=None):\n    args = parse_args(argv" in source
