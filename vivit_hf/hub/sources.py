# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Hub ids read for a command: why one gave no files, in words every command shares. What a user's string names (a
Hub repo id or a path on this machine) is `vivit_hf.repo_id`'s rule: import it from there."""

from __future__ import annotations

from collections.abc import Iterator

from huggingface_hub.constants import is_offline_mode
from huggingface_hub.errors import OfflineModeIsEnabled, RepositoryNotFoundError, RevisionNotFoundError

__all__ = ["exception_chain", "why_not_fetched"]


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
