# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""A flag the recipes do not know is answered with the one to use: other trainers' spellings (`--lr`, `--epochs`)
by name, misspellings by closeness; a flag with no near neighbour gets argparse's plain message. A flag they know is
taken with underscores and with hyphens, as transformers' `HfArgumentParser` takes it."""

import sys
from pathlib import Path

import pytest

from vivit_hf.training.flags import SuggestingArgumentParser


@pytest.fixture
def parser():
    p = SuggestingArgumentParser(prog="finetune", allow_abbrev=False)
    for flag in ("--learning_rate", "--num_train_epochs", "--per_device_train_batch_size", "--num_workers"):
        p.add_argument(flag)
    return p


@pytest.mark.parametrize(
    "argv, hint",
    [
        (["--lr", "1e-3"], "--lr -> --learning_rate"),
        (["--epochs", "3"], "--epochs -> --num_train_epochs"),
        (["--num_train_epoch", "3"], "--num_train_epoch -> --num_train_epochs"),  # misspelt: by closeness
        (["--num-worker=2"], "--num-worker -> --num_workers"),  # misspelt with hyphens: the name `--help` gives
        (["--batch_size", "8", "--lr", "1"], "--batch_size -> --per_device_train_batch_size, --lr -> --learning_rate"),
        (["--hepl"], "--hepl -> --help"),  # `--help` itself misspelt got argparse's plain message
    ],
)
def test_an_unknown_flag_is_answered_with_the_one_to_use(parser, argv, hint, capsys):
    with pytest.raises(SystemExit) as exit_info:
        parser.parse_args(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "unrecognized arguments" in err and f"(did you mean: {hint}?)" in err


def test_a_required_flag_misspelt_is_named_beside_the_one_required(parser, capsys):
    # `--video clips` was answered "the following arguments are required: --videos" alone
    parser.add_argument("--videos", required=True)
    with pytest.raises(SystemExit):
        parser.parse_args(["--video", "clips", "--lr", "1"])
    err = capsys.readouterr().err
    assert err.strip().endswith("arguments are required: --videos (did you mean: --video -> --videos?)"), err
    # `predict.py --hepl` said only what is required: a --help misspelt is named there too (nearer it than predict's
    # --hop), a flag near none is not
    parser.add_argument("--hop")
    with pytest.raises(SystemExit):
        parser.parse_args(["--hepl", "--frobnicate"])
    err = capsys.readouterr().err
    assert err.strip().endswith("arguments are required: --videos (did you mean: --hepl -> --help?)"), err


def test_a_required_flag_missing_beside_a_misspelt_help_names_help(parser, capsys):
    # `predict.py --hepl` was told only that --model and --videos are required
    parser.add_argument("--videos", required=True)
    with pytest.raises(SystemExit):
        parser.parse_args(["--hepl"])
    assert capsys.readouterr().err.strip().endswith("required: --videos (did you mean: --hepl -> --help?)")


@pytest.mark.parametrize(
    "command, argv, said",
    [
        (
            "export",
            ["m", "m.onnx", "--dynamic-sise"],
            "unrecognized arguments: --dynamic-sise (did you mean: --dynamic-sise -> --dynamic_size?)",
        ),
        # a subcommand's flag is refused by the top parser, which holds none of them
        (
            "convert",
            ["transformers", "--model", "m", "--out", "o", "--push-to-hbu"],
            "unrecognized arguments: --push-to-hbu (did you mean: --push-to-hbu -> --push_to_hub?)",
        ),
        (
            "convert",
            ["scenic", "--checkpint", "c", "--config", "c.py", "--out", "o"],
            "required: --checkpoint (did you mean: --checkpint -> --checkpoint?)",
        ),
        # another subcommand's flag is not offered: "did you mean: --labels -> --labels?", a flag of `scenic` only
        ("convert", ["transformers", "--model", "m", "--out", "o", "--labels", "l"], "arguments: --labels l"),
        ("shard", ["--datset", "d", "--out", "o"], "required: --dataset (did you mean: --datset -> --dataset?)"),
        ("export", ["--hepl"], "required: model, output (did you mean: --hepl -> --help?)"),
    ],
)
def test_the_python_m_commands_name_the_flag_meant_by_a_misspelt_one(command, argv, said, capsys):
    """`python -m vivit_hf.export / convert / training.data.shard` answered a misspelt flag with argparse's plain
    "unrecognized arguments: --dynamic-sise" (or that --dataset is required, beside `--datset d`), where the recipes
    named the flag meant."""
    from vivit_hf.conversion.cli import main as convert
    from vivit_hf.export import main as export
    from vivit_hf.training.data.shard import main as shard

    with pytest.raises(SystemExit) as exit_info:
        {"export": export, "convert": convert, "shard": shard}[command](argv)
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.strip().endswith(said)


def test_a_recipe_takes_each_flag_with_hyphens_as_transformers_does():
    """`--learning-rate 0.01` was refused ("did you mean --learning_rate"), where transformers' HfArgumentParser
    (TrainingArguments' flags, which the recipes' share) takes it: each spelling reaches the run's settings as
    transformers reads it."""
    from transformers import HfArgumentParser, TrainingArguments

    from vivit_hf.hub.cards import recipe_settings
    from vivit_hf.training.finetune import parse_args, run_settings

    typed = ["--learning-rate", "0.01", "--num-train-epochs=3", "--per-device-train-batch-size", "2", "--seed", "7"]
    (expected,) = HfArgumentParser(TrainingArguments).parse_args_into_dataclasses(["--output_dir", "x", *typed])
    args = parse_args(typed)
    for name in ("learning_rate", "num_train_epochs", "per_device_train_batch_size", "seed"):
        assert getattr(args, name) == getattr(expected, name), name
    # one flag, however spelt: the settings a resume compares and the model card shows are the same
    underscores = parse_args(
        ["--" + token[2:].replace("-", "_") if token.startswith("--") else token for token in typed]
    )
    assert run_settings(args, 1) == run_settings(underscores, 1)
    assert recipe_settings(vars(args)) == recipe_settings(vars(underscores))


def test_a_flag_spelt_with_hyphens_is_typed_for_the_checks_that_ask_what_was_typed(capsys):
    """What parse_args asks of the command line as typed (a total batch to meet exactly, a flag this run would not
    use) asked it of the underscore spelling alone."""
    from vivit_hf.training.finetune import parse_args

    assert parse_args(["--total-batch-size", "16"]).total_batch_size_typed
    with pytest.raises(SystemExit):
        parse_args(["--hub-model-id", "me/vivit"])
    assert "argument --hub_model_id: nothing is pushed without --push_to_hub" in capsys.readouterr().err


def test_the_flags_read_before_the_command_line_is_parsed_take_both_spellings():
    """`--ddp-timeout` and `--output-dir` are read alone first (how long the other processes wait to be told of a
    refusal; where an interrupted run's checkpoints are)."""
    from vivit_hf.training.flags import ddp_timeout_given

    assert ddp_timeout_given(["--ddp-timeout", "30", "--zzz"]) == ddp_timeout_given(["--ddp_timeout=30"]) == 30
    from test_recipes_finetune import load_recipe

    recipe = load_recipe()
    assert recipe.output_dir_given(["--output-dir", "runs/a", "--overwrite-output-dir"]) == (Path("runs/a"), True)


def test_help_names_each_flag_by_its_underscore_spelling_and_lists_both(parser, capsys):
    with pytest.raises(SystemExit):
        parser.parse_args(["--help"])
    out = capsys.readouterr().out
    assert "[--learning_rate LEARNING_RATE]" in out  # usage: one spelling
    assert "--learning_rate LEARNING_RATE, --learning-rate LEARNING_RATE" in out


def test_a_flag_with_no_neighbour_gets_the_plain_message(parser, capsys):
    with pytest.raises(SystemExit):
        parser.parse_args(["--zzz", "1"])
    err = capsys.readouterr().err
    assert "unrecognized arguments: --zzz 1" in err and "did you mean" not in err


def test_an_alias_whose_target_the_parser_lacks_is_not_suggested(capsys):
    p = SuggestingArgumentParser(prog="evaluate", allow_abbrev=False)
    p.add_argument("--model")
    with pytest.raises(SystemExit):
        p.parse_args(["--lr", "1"])
    assert "did you mean" not in capsys.readouterr().err


def test_a_short_video_override_is_logged_once_on_the_recipes_logger(caplog):
    """evaluate.py and predict.py each called short_video_override and logged its result in their own two lines;
    one helper logs it for both. Its words are short_video_override's alone: the recipes' log format prints the level,
    and a message of its own "WARNING: " read "WARNING - evaluate - WARNING: ..." (the level twice)."""
    import logging

    from vivit_hf.training.flags import short_video_override, warn_short_video_override

    logger = logging.getLogger("evaluate")
    with caplog.at_level(logging.WARNING, logger="evaluate"):
        said = warn_short_video_override(logger, "pad", "loop", "path/to/model")
    assert said == short_video_override("pad", "loop", "path/to/model")
    assert [(r.name, r.levelno, r.getMessage()) for r in caplog.records] == [("evaluate", logging.WARNING, said)]
    caplog.clear()
    # predict.py's windows: a model that pads takes a one-frame video as --short_video loop does: nothing to say
    with caplog.at_level(logging.WARNING):
        assert warn_short_video_override(logging.getLogger("predict"), "pad", "loop", "m", windows=True) is None
        assert warn_short_video_override(logger, "pad", None, "m") is None
    assert caplog.records == []


def test_no_recipe_message_prints_its_own_level():
    """The recipes' log format prints the level ("%(levelname)s"); 17 messages began "WARNING: " as well, so a
    fine-tuning log read "WARNING - __main__ - [RANK 0] WARNING: ..." (the level twice)."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    sources = [*root.glob("recipes/*.py"), *root.glob("vivit_hf/**/*.py")]
    doubled = [
        f"{f.name}:{n}"
        for f in sources
        for n, line in enumerate(f.read_text().splitlines(), 1)
        if re.search(r"""f?["']WARNING: """, line)
    ]
    assert doubled == []


@pytest.mark.parametrize("module, recipe", [("finetune", "finetune.py"), ("evaluation", "evaluate.py")])
def test_python_m_of_a_recipes_library_module_names_the_recipe_to_run(module, recipe, monkeypatch, capsys):
    """`python -m vivit_hf.training.finetune --help`, a user's guess at the recipe, printed nothing and exited 0."""
    import runpy
    import warnings

    monkeypatch.setattr(sys, "argv", ["-m", "--help"])
    with warnings.catch_warnings(), pytest.raises(SystemExit) as exit_info:
        warnings.simplefilter("ignore", RuntimeWarning)  # runpy: the module is imported already (by this test run)
        runpy.run_module(f"vivit_hf.training.{module}", run_name="__main__")
    assert exit_info.value.code == 2
    recipe_path = Path(__file__).resolve().parents[1] / "recipes" / recipe
    assert capsys.readouterr().err.strip() == (
        f"python -m vivit_hf.training.{module}: error: this module is what recipes/{recipe} is built of, no command; "
        f"run: accelerate launch {recipe_path} --help"
    )
