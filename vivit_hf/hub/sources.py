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
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePosixPath

from huggingface_hub.constants import is_offline_mode
from huggingface_hub.errors import OfflineModeIsEnabled, RepositoryNotFoundError, RevisionNotFoundError
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


def exception_chain(error: BaseException) -> Iterator[BaseException]:
    """`error` and the exceptions it was raised from or while handling, outermost first."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__ or error.__context__


def why_not_fetched(error: BaseException, *, missing: str = "it", local_files_only: bool = False) -> str:
    """Why a Hub id gave no files, in words: no such repo (or revision), offline mode, or the Hub not reached.

    `error` is what huggingface_hub, datasets or transformers raised (each wraps huggingface_hub's own error in its
    own, so the whole chain is read); `missing` names what the cache lacks ("it", "its config.json"). Every command
    that reads a Hub id (the recipes' flags, the converters) words it here, so one cause reads the same everywhere."""
    chain = list(exception_chain(error))
    names = {type(cause).__name__ for cause in chain}
    if any(isinstance(cause, RevisionNotFoundError) for cause in chain):
        return "the Hub repo has no such revision"
    if any(isinstance(cause, RepositoryNotFoundError) for cause in chain) or "DatasetNotFoundError" in names:
        return "no Hub repo of that name (or it is private or gated: log in with `hf auth login`)"
    # HF_HUB_OFFLINE as huggingface_hub read it at import (the variable set later changes nothing), or a request it
    # refused as offline
    if local_files_only:
        return f"offline mode is on (local_files_only) and {missing} is not in the local cache"
    if is_offline_mode() or any(isinstance(cause, OfflineModeIsEnabled) for cause in chain):
        return f"offline mode is on (HF_HUB_OFFLINE) and {missing} is not in the local cache"
    root = chain[-1]  # the network error itself, under the wrappers
    detail = str(root).strip().splitlines()[0] if str(root).strip() else type(root).__name__
    return f"the Hub could not be reached ({detail}) and {missing} is not in the local cache"
