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
from pathlib import Path, PurePosixPath

from huggingface_hub.utils import HFValidationError, validate_repo_id

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


def near_folder(source: str) -> str | None:
    """A folder beside where `source` would be whose name is close to its own, else None: a typo of a local folder
    (`--dataset my_vidoes` beside `my_videos`) is spelt as a Hub id and was refused as one alone (offline, or no such
    repo), naming nothing the user could have meant."""
    path = Path(source.rstrip("/")).expanduser()
    try:
        names = [entry.name for entry in path.parent.iterdir() if entry.is_dir() and not entry.name.startswith(".")]
    except OSError:
        return None
    close = difflib.get_close_matches(path.name, names, n=1, cutoff=0.8)
    return str(path.parent / close[0]) if close else None
