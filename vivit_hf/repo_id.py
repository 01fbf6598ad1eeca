# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The one rule for what a user's string names: a Hub repo id (`name` or `owner/name`) or a path on this machine.

Every flag that takes "a folder or a Hub id" (`--model`, `--init_from`, `--dataset`, a converter's source, a model
card's `base_model` and data set) asks here, so a string is never read as a path by one command and as a Hub id by
another. The rule is spelling only: callers look at the disk first (an existing folder named like a repo id,
`my-vivit`, is that folder), and call this for a string that names nothing here, to say "no such folder" or go to
the Hub.

Spelt like a path, and never a repo id:

- a leading `.`, `/` or `~` (`./run`, `/data/k400`, `~/ckpt`), a `..` anywhere, or a backslash (a Windows path);
- a checkpoint or config file name (`params.npz`, `model.safetensors`, `config.json`, ...): Hub repos hold such
  files, they are not named like them, and a missing file is better reported as missing than as a bad repo id;
- anything huggingface_hub's own `validate_repo_id` refuses (more than one `/`, characters other than letters,
  digits, `-`, `_` and `.`, `--`, more than 96 characters, a trailing `.git`, ...), so whatever is called a repo id
  here is one that `hf_hub_download` accepts.

It lives outside `vivit_hf.hub` so that `vivit_hf.export` (a sibling layer, which may not import the hub) asks it
too: `python -m vivit_hf.export` words "no such folder" as the other commands do.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path, PurePosixPath

from huggingface_hub.utils import HFValidationError, validate_repo_id

# huggingface_hub's offline switches: HF_HUB_OFFLINE, and transformers' TRANSFORMERS_OFFLINE, which it reads where
# HF_HUB_OFFLINE is unset (its `constants.HF_HUB_OFFLINE`)
OFFLINE_VARIABLES = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")


def offline_switch() -> str:
    """The variable that turned offline mode on, as a message names the cause: HF_HUB_OFFLINE where set, else
    TRANSFORMERS_OFFLINE (named HF_HUB_OFFLINE, a user who set only that was sent to unset one that was not set)."""
    return next((name for name in OFFLINE_VARIABLES if os.environ.get(name)), OFFLINE_VARIABLES[0])


def offline_remedy(then: str = "to download it") -> str:
    """What to do where offline mode keeps a Hub id's files out of the local cache (or a push from the Hub), said by
    every command that reads one (the hub's reasons and `vivit_hf.export`, which may not import the hub): unset each
    switch that is on. With both on, unsetting HF_HUB_OFFLINE alone left TRANSFORMERS_OFFLINE's offline mode."""
    from huggingface_hub.constants import ENV_VARS_TRUE_VALUES

    on = [name for name in OFFLINE_VARIABLES if os.environ.get(name, "").upper() in ENV_VARS_TRUE_VALUES]
    return f"unset {' and '.join(on or [offline_switch()])} {then}"


# File types vivit_hf reads as checkpoints or their configs (scenic .npz / flax msgpack, safetensors, torch
# pickles, JSON and scenic's Python configs).
CHECKPOINT_SUFFIXES = frozenset(
    {".npz", ".safetensors", ".pth", ".pt", ".bin", ".ckpt", ".json", ".msgpack", ".py", ".pkl", ".h5"}
)
_PATH_STARTS = (".", "/", "~")


def looks_like_repo_id(source) -> bool:
    """Whether `source` is spelt like a Hub repo id (`name` or `owner/name`) rather than a path (module docstring).

    A `pathlib.Path` (any `os.PathLike` that is not a `str`) is a path whatever it says."""
    if not isinstance(source, str) or not source:
        return False
    if source.startswith(_PATH_STARTS) or ".." in source or "\\" in source:
        return False
    if PurePosixPath(source).suffix.lower() in CHECKPOINT_SUFFIXES:
        return False
    try:
        validate_repo_id(source)
    except HFValidationError:
        return False
    return True


def looks_like_local_path(source) -> bool:
    """Whether `source` can only be a path on this machine: the complement of `looks_like_repo_id`."""
    return not looks_like_repo_id(source)


def near_folder(source: str, *, model: bool) -> str | None:
    """A folder beside where `source` would be whose name is close to its own, else None: a typo of a local folder
    (`--dataset my_vidoes` beside `my_videos`) is spelt as a Hub id, and refused as one alone (offline, or no such
    repo) it would name nothing the user could have meant. `model`: a model is asked for, so only a folder holding
    config.json is named; else a data set, and a folder holding a model or a run's settings is not (near names that
    are no such thing: evaluate.py's `models--bert-base-uncased` results for `--model bert-base-uncased`, ratio
    0.81; a `my_videos_run` output folder for `--dataset my_videos`); nor one of two as near. Listed with
    `os.scandir`, whose entries know whether they are folders without a stat each (this runs on a refusal, in a
    folder of any size)."""
    path = Path(source.rstrip("/")).expanduser()
    try:
        with os.scandir(path.parent) as entries:
            names = [entry.name for entry in entries if not entry.name.startswith(".") and entry.is_dir()]
    except OSError:
        return None
    fitting = []
    for name in difflib.get_close_matches(path.name, names, n=5, cutoff=0.8):
        holds = {file for file in (_MODEL_FILE, *_RUN_FILES) if (path.parent / name / file).is_file()}
        if (_MODEL_FILE in holds) if model else not holds:
            fitting.append(name)
    ratios = [difflib.SequenceMatcher(None, path.name, name).ratio() for name in fitting[:2]]
    # two as near (`run_3` beside `run_1` and `run_2`): no typo of one, and naming the first sorted was a guess
    return str(path.parent / fitting[0]) if fitting and (len(ratios) < 2 or ratios[0] > ratios[1]) else None


# What makes a folder a model (from_pretrained's config), and what a fine-tuning run writes into its folder
# (`vivit_hf.run_folder`'s RUN_SETTINGS_FILE and STATE_FILE: a sibling layer, which this one may not import).
_MODEL_FILE = "config.json"
_RUN_FILES = ("run_settings.json", "trainer_state.json")
