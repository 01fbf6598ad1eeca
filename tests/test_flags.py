# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""A flag the recipes do not know is answered with the one to use: other trainers' spellings (`--lr`, `--epochs`)
by name, misspellings by closeness; a flag with no near neighbour gets argparse's plain message."""

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
        (["--learning-rate", "1e-3"], "--learning-rate -> --learning_rate"),
        (["--epochs", "3"], "--epochs -> --num_train_epochs"),
        (["--num_train_epoch", "3"], "--num_train_epoch -> --num_train_epochs"),  # misspelt: by closeness
        (["--num-workers=2"], "--num-workers -> --num_workers"),
        (["--batch_size", "8", "--lr", "1"], "--batch_size -> --per_device_train_batch_size, --lr -> --learning_rate"),
    ],
)
def test_an_unknown_flag_is_answered_with_the_one_to_use(parser, argv, hint, capsys):
    with pytest.raises(SystemExit) as exit_info:
        parser.parse_args(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "unrecognized arguments" in err and f"(did you mean: {hint}?)" in err


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
    one helper logs it for both. Its words are short_video_override's, after "WARNING: ", as the recipes print them."""
    import logging

    from vivit_hf.training.flags import short_video_override, warn_short_video_override

    logger = logging.getLogger("evaluate")
    with caplog.at_level(logging.WARNING, logger="evaluate"):
        said = warn_short_video_override(logger, "pad", "loop", "path/to/model")
    assert said == short_video_override("pad", "loop", "path/to/model")
    assert [(r.name, r.levelno, r.getMessage()) for r in caplog.records] == [
        ("evaluate", logging.WARNING, f"WARNING: {said}")
    ]
    caplog.clear()
    # predict.py's windows: a model that pads takes a one-frame video as --short_video loop does: nothing to say
    with caplog.at_level(logging.WARNING):
        assert warn_short_video_override(logging.getLogger("predict"), "pad", "loop", "m", windows=True) is None
        assert warn_short_video_override(logger, "pad", None, "m") is None
    assert caplog.records == []
