# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The one rule for how vivit_hf's `python -m` commands spell a long flag: with underscores (the recipes' and
transformers' `--output_dir`) and with hyphens (`--output-dir`, as transformers' `HfArgumentParser` also takes it),
both taken. `python -m vivit_hf.convert` took both where `python -m vivit_hf.export` took `--dynamic_size` only: each
command listed its spellings by hand.

It lives outside `vivit_hf.conversion` and `vivit_hf.training` so that `vivit_hf.export` (a lower layer, which may
import neither) asks it too.
"""

from __future__ import annotations

import argparse


def flag_spellings(*flags: str) -> list[str]:
    """Each long `flag` (and any alias given with it) as given, then with its other separator: `--dynamic_size` ->
    `--dynamic_size`, `--dynamic-size`. For `parser.add_argument(*flag_spellings(...), ...)`: the first one given names
    the flag in usage and `--help`, and argparse takes its `dest` from it (hyphens read as underscores)."""
    spellings: list[str] = []
    for flag in flags:
        if not flag.startswith("--"):
            raise ValueError(f"{flag!r} is no long flag: flag_spellings spells `--name` flags only")
        name = flag[2:]
        for spelling in (flag, "--" + name.replace("_", "-"), "--" + name.replace("-", "_")):
            if spelling not in spellings:
                spellings.append(spelling)
    return spellings


def long_options(flags) -> list[str]:
    """`flags` (an `add_argument`'s names) with each long one in both spellings (`flag_spellings`), a short one or a
    positional's name as it is."""
    long = [flag for flag in flags if flag.startswith("--")]
    if not long:
        return list(flags)
    return [*(flag for flag in flags if not flag.startswith("--")), *flag_spellings(*long)]


def typed_flag_name(token: str) -> str | None:
    """The flag a command-line token names, as its `dest` (`--learning-rate=0.1` -> `learning_rate`, as
    `--learning_rate 0.1`), or None for a token that is no long flag: what a command asks of what was typed (was
    `--total_batch_size` given?) asks it of both spellings alike."""
    if not token.startswith("--") or token == "--":
        return None
    return token[2:].split("=", 1)[0].replace("-", "_")


class SpellingsArgumentParser(argparse.ArgumentParser):
    """An `ArgumentParser` that takes each long flag with underscores and with hyphens (`long_options`), in its
    groups too; argparse's errors name a flag by its first spelling, as `--help` does (argparse names it by all of
    them: `argument --num_frames/--num-frames: ...`)."""

    def add_argument(self, *flags, **kwargs) -> argparse.Action:
        return super().add_argument(*long_options(flags), **kwargs)

    def add_argument_group(self, *args, **kwargs):
        # a group adds its flags to this parser through its own `add_argument`, which knows nothing of this one's
        group = super().add_argument_group(*args, **kwargs)
        add = group.add_argument
        group.add_argument = lambda *flags, **options: add(*long_options(flags), **options)
        return group

    def error(self, message: str):
        super().error(self.one_spelling(message))

    def one_spelling(self, message: str) -> str:
        """`message` with each flag argparse names by all its spellings named by its first one."""
        for action in self._actions:
            if len(action.option_strings) > 1:
                message = message.replace("/".join(action.option_strings), action.option_strings[0])
        return message
