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
import difflib
import sys


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

    def parse_known_args(self, args=None, namespace=None):
        # kept for `error`: a required flag's refusal names the misspelt flag typed in its place (and the recipes'
        # parser names a path argparse read as a flag: its messages about such a value do not name it)
        self.given = list(sys.argv[1:] if args is None else args)
        return super().parse_known_args(args, namespace)

    def error(self, message: str):
        super().error(self.with_flag_hints(self.one_spelling(message)))

    def closest_flag(self, unknown: str) -> str | None:
        """The known long flag nearest `unknown` (`--dynamic-sise` -> `--dynamic_size`, `--hepl` -> `--help`), or
        None. Compared with dashes and underscores alike, suggested as each flag's first spelling, the one `--help`
        names it by; the flags of the subcommand typed count too (argparse refuses them through the top parser), of
        every subcommand where none was typed."""
        by_spelling: dict[str, str] = {}
        for flag in _known_long_flags(self, getattr(self, "given", [])):
            by_spelling.setdefault(flag.replace("-", "_"), flag)
        flag = unknown.split("=", 1)[0]
        matches = difflib.get_close_matches(flag.replace("-", "_"), list(by_spelling), 1, 0.7)
        return by_spelling[matches[0]] if matches else None

    def with_flag_hints(self, message: str) -> str:
        """argparse's `message` with the flag meant by each unknown one typed: "unrecognized arguments: --dynamic-sise
        (did you mean: --dynamic-sise -> --dynamic_size?)"; "the following arguments are required: --videos (did you
        mean: --video -> --videos?)" (argparse asks for a required flag before it lists unknown ones)."""
        hints = []
        if message.startswith(prefix := "unrecognized arguments: "):
            for token in message[len(prefix) :].split():
                if token.startswith("--") and (closest := self.closest_flag(token)):
                    hints.append(f"{token.split('=', 1)[0]} -> {closest}")
        elif message.startswith(required := "the following arguments are required: "):
            hints = self.required_flag_hints(message[len(required) :].split(", "))
        return f"{message} (did you mean: {', '.join(hints)}?)" if hints else message

    def required_flag_hints(self, missing: list[str]) -> list[str]:
        """`typed -> flag` for each unknown long flag typed whose nearest is a `missing` required one, or `--help`
        (`predict.py --hepl` was told only that --model and --videos are required)."""
        known = {s for action in self._actions for s in action.option_strings}
        typed = [t.split("=", 1)[0] for t in getattr(self, "given", []) if isinstance(t, str) and t[:2] == "--"]
        return [
            f"{t} -> {c}" for t in typed if t not in known and ((c := self.closest_flag(t)) in missing or c == "--help")
        ]

    def one_spelling(self, message: str) -> str:
        """`message` with each flag argparse names by all its spellings named by its first one."""
        for action in self._actions:
            if len(action.option_strings) > 1:
                message = message.replace("/".join(action.option_strings), action.option_strings[0])
        return message


def _known_long_flags(parser: argparse.ArgumentParser, given: list) -> list[str]:
    """Every long flag of `parser` and of the subcommand `given` names (`python -m vivit_hf.convert scenic ...`), of
    each subcommand where it names none, in the order they were added, `--help` included. Another subcommand's
    flags are not offered: `convert transformers ... --labels l.txt`, a flag of `scenic` only, was answered "did you
    mean: --labels -> --labels?", and `--confg` with `scenic`'s `--config`, refused again as typed."""
    flags: list[str] = []
    for action in parser._actions:
        flags += [s for s in action.option_strings if s.startswith("--") and s not in flags]
        if isinstance(action, argparse._SubParsersAction):
            typed = [action.choices[word] for word in given if isinstance(word, str) and word in action.choices]
            for sub in typed[:1] or action.choices.values():
                flags += [s for s in _known_long_flags(sub, given) if s not in flags]
    return flags
