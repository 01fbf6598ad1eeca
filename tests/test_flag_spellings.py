# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""vivit_hf's `python -m` commands take every long flag with underscores and with hyphens, as transformers'
`HfArgumentParser` takes them: `python -m vivit_hf.convert` took `--output_dir` and `--output-dir` where
`python -m vivit_hf.export` took `--dynamic_size` only (and the shard writer `--push_to_hub` only)."""

import importlib.util
import re
from pathlib import Path

import pytest
import torch
from test_models import clip, tiny

from vivit_hf.conversion.cli import main as convert_main
from vivit_hf.export import ExportableViViT
from vivit_hf.export import main as export_main
from vivit_hf.training.data.shard import main as shard_main
from vivit_hf.training.finetune import parse_args as finetune_parse_args

REPO = Path(__file__).resolve().parents[1]


def _recipe_parser(script: str):
    """recipes/SCRIPT's `build_parser().parse_args`, the script loaded as a module."""
    spec = importlib.util.spec_from_file_location(f"spellings_{script}", REPO / "recipes" / f"{script}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return lambda argv: module.build_parser().parse_args(argv)


COMMANDS = {
    "convert scenic": (convert_main, ["scenic"]),
    "convert transformers": (convert_main, ["transformers"]),
    "export": (export_main, []),
    "shard": (shard_main, []),
    # the recipes refused `--learning-rate` ("did you mean --learning_rate")
    "finetune": (lambda argv: finetune_parse_args(argv, check_paths=False), []),
    "evaluate": ("evaluate", []),
    "predict": ("predict", []),
}


def _listed_flags(main, argv, capsys) -> set[str]:
    """The long flags the command's own `--help` lists (argparse's words, not this module's)."""
    with pytest.raises(SystemExit) as exit_:
        main([*argv, "--help"])
    assert exit_.value.code == 0
    usage = capsys.readouterr().out
    return set(re.findall(r"(?<![\w-])--[a-z][a-z0-9_-]*", usage)) - {"--help"}


@pytest.mark.parametrize("command", COMMANDS)
def test_every_long_flag_of_a_command_is_taken_with_underscores_and_with_hyphens(command, capsys):
    main, argv = COMMANDS[command]
    main = _recipe_parser(main) if isinstance(main, str) else main
    listed = _listed_flags(main, argv, capsys)
    assert listed  # the help was read
    for flag in listed:
        name = flag[2:]
        assert {"--" + name.replace("-", "_"), "--" + name.replace("_", "-")} <= listed, flag


def test_export_takes_dynamic_size_and_attention_mask_spelt_with_hyphens(tmp_path):
    """`--dynamic-size` (as `python -m vivit_hf.convert`'s `--output-dir` is spelt) was "unrecognized arguments"."""
    model = tiny("factorised_encoder")
    model.save_pretrained(tmp_path / "model")
    flags = ["--dynamic-size", "--attention-mask"]
    assert export_main([str(tmp_path / "model"), str(tmp_path / "model.pt2"), *flags]) == 0
    program = torch.export.load(tmp_path / "model.pt2").module()
    video, mask = clip(batch=2, frames=6, size=40), torch.tensor([[1] * 6, [1] * 4 + [0] * 2])
    with torch.no_grad():
        expected = ExportableViViT(model, interpolate_pos_encoding=True)(video, mask)
    torch.testing.assert_close(program(video, mask), expected, rtol=0, atol=1e-5)


def test_flag_spellings_gives_each_flag_as_given_then_with_its_other_separator():
    from vivit_hf.flag_spellings import flag_spellings

    assert flag_spellings("--dynamic_size") == ["--dynamic_size", "--dynamic-size"]
    assert flag_spellings("--push-to-hub") == ["--push-to-hub", "--push_to_hub"]
    assert flag_spellings("--out", "--output_dir") == ["--out", "--output_dir", "--output-dir"]
    with pytest.raises(ValueError, match="'-o' is no long flag"):
        flag_spellings("-o")
