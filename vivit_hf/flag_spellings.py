# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The one rule for how vivit_hf's `python -m` commands spell a long flag: with underscores (the recipes' and
transformers' `--output_dir`) and with hyphens (`--output-dir`, as transformers' `HfArgumentParser` also takes it),
both taken. `python -m vivit_hf.convert` took both where `python -m vivit_hf.export` took `--dynamic_size` only: each
command listed its spellings by hand.

It lives outside `vivit_hf.conversion` and `vivit_hf.training` so that `vivit_hf.export` (a lower layer, which may
import neither) asks it too.
"""

from __future__ import annotations


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
