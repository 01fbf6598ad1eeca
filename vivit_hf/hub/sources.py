# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Hub ids read for a command: why one gave no files, in words every command shares. What a user's string names (a
Hub repo id or a path on this machine) is `vivit_hf.repo_id`'s rule: import it from there."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator, Mapping

from huggingface_hub import get_token
from huggingface_hub.constants import ENDPOINT, is_offline_mode
from huggingface_hub.errors import (
    DisabledRepoError,
    EntryNotFoundError,
    GatedRepoError,
    HfHubHTTPError,
    OfflineModeIsEnabled,
    RemoteEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)

from ..repo_id import offline_remedy, offline_switch

__all__ = ["HUB_READ_ERRORS", "download_options", "exception_chain", "why_not_fetched"]

# What a read of the Hub raises when the file is not to be had, and nothing else: no such repo, revision or file, a
# gated repo, offline mode (or a file not in the cache), an HTTP error, and the HTTP client's own errors (a proxy that
# refused, a reset connection), of which huggingface_hub's HfHubHTTPError is one. A caller that makes do without the
# file catches these only: a TypeError (a keyword huggingface_hub does not take) is a bug, and was swallowed with them.
HUB_READ_ERRORS = (
    EntryNotFoundError,
    OfflineModeIsEnabled,
    *(base for base in HfHubHTTPError.__mro__[1:] if base.__name__ == "HTTPError"),
    HfHubHTTPError,
)


def download_options(options: Mapping) -> dict:
    """`options` (from_pretrained's hub keywords) as `hf_hub_download` takes them: a None left to its default, and
    `proxies` left out with a warning. transformers' from_pretrained still takes `proxies`; huggingface_hub 1.0 and
    later (transformers 5 needs 2.4) have no per-call proxies: it warned and dropped them, or, without that shim, a
    TypeError, which the card's licence reading took for "no licence"."""
    options = {key: value for key, value in options.items() if value is not None}
    if options.pop("proxies", None):
        warnings.warn(
            "proxies= is ignored: huggingface_hub (1.0 and later) takes no proxies per call; set HTTPS_PROXY / "
            "HTTP_PROXY in the environment instead",
            UserWarning,
            stacklevel=3,
        )
    return options


def exception_chain(error: BaseException) -> Iterator[BaseException]:
    """`error` and the exceptions it was raised from or while handling, outermost first."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__ or error.__context__


def _status(error: BaseException) -> int | None:
    """The HTTP status of huggingface_hub's error, if it kept its response."""
    return getattr(getattr(error, "response", None), "status_code", None)


def _page(error: BaseException) -> str:
    """The Hub page of the repo `error` names (where a gated repo's terms are accepted), or "its page on the Hub"."""
    repo_id, repo_type = getattr(error, "repo_id", None), getattr(error, "repo_type", None)
    if not repo_id:
        return "its page on the Hub"
    prefix = "" if repo_type in (None, "model") else f"{repo_type}s/"
    return f"{ENDPOINT}/{prefix}{repo_id}"


def _entry(error: BaseException) -> str:
    """The file a `RemoteEntryNotFoundError` names (its URL's path after `/resolve/<revision>/`), else "a file"."""
    url = str(getattr(getattr(error, "response", None), "url", "") or "")
    _, found, path = url.partition("/resolve/")
    return f"`{path.split('/', 1)[1]}`" if found and "/" in path else "a file the loader needs"


def why_not_fetched(error: BaseException, *, missing: str = "it", local_files_only: bool = False) -> str:
    """Why a Hub id gave no files, in words: a gated repo whose terms are not accepted (or no login), no such repo
    (or no access to it), no such revision, no such file in the repo, offline mode, or the Hub not reached.

    `error` is what huggingface_hub, datasets or transformers raised (each wraps huggingface_hub's own error in its
    own, so the whole chain is read); `missing` names what the cache lacks ("it", "its config.json"). Every command
    that reads a Hub id (the recipes' flags, the converters) words it here, so one cause reads the same everywhere.
    Each cause is said as it is: a repo that exists but lacks a file was "the Hub could not be reached", and a gated
    repo told a user who was logged in to log in, where the repo's terms were to be accepted."""
    chain = list(exception_chain(error))
    said = " ".join(str(cause) for cause in chain)
    gated = next((cause for cause in chain if isinstance(cause, GatedRepoError)), None)
    if gated is not None or "is a gated dataset" in said:  # (datasets words a GatedRepoError in its own error)
        page = _page(gated) if gated is not None else "its page on the Hub"
        if (gated is not None and _status(gated) == 401) or get_token() is None:
            return f"the Hub repo is gated: log in (`hf auth login`) and accept its terms at {page}"
        return f"the Hub repo is gated and your account has not been granted access: accept its terms at {page}"
    if any(isinstance(cause, RevisionNotFoundError) for cause in chain):
        return "the Hub repo has no such revision (branch, tag or commit)"
    if any(isinstance(cause, RepositoryNotFoundError) for cause in chain) or "DatasetNotFoundError" in {
        type(cause).__name__ for cause in chain
    }:
        if get_token() is None:
            return "no Hub repo of that name (or it is private: log in with `hf auth login`)"
        return "no Hub repo of that name that your login can read (check the name, and your access if it is private)"
    entry = next((cause for cause in chain if isinstance(cause, RemoteEntryNotFoundError)), None)
    if entry is not None:  # the repo and revision exist; the file does not
        return f"the Hub repo has no {_entry(entry)}"
    # transformers says a repo lacks a file in an OSError of its own, raised after huggingface_hub's error was handled
    # (not chained to it)
    lacks = re.search(r"does not appear to have (?:a file named (\S+?)|files named (.+?))\. Check", said)
    if lacks:
        return f"the Hub repo has no {f'`{lacks[1]}`' if lacks[1] else lacks[2]}"
    if any(isinstance(cause, DisabledRepoError) for cause in chain):
        return "the Hub repo is disabled (access to it was turned off on the Hub)"
    # HF_HUB_OFFLINE as huggingface_hub read it at import (the variable set later changes nothing), or a request it
    # refused as offline
    if local_files_only:
        return f"offline mode is on (local_files_only) and {missing} is not in the local cache"
    if is_offline_mode() or any(isinstance(cause, OfflineModeIsEnabled) for cause in chain):
        # what to do too: the words named the cause alone, and the flag's value may be a path mistyped as well
        return f"offline mode is on ({offline_switch()}) and {missing} is not in the local cache: {offline_remedy()}"
    answered = next((cause for cause in chain if isinstance(cause, HfHubHTTPError) and _status(cause)), None)
    if answered is not None:  # the Hub was reached and said no (a rate limit, a server error): not "unreachable"
        said = str(answered).strip().splitlines()[0] if str(answered).strip() else "no reason given"
        return f"the Hub answered HTTP {_status(answered)} ({said}) and {missing} is not in the local cache"
    root = chain[-1]  # the network error itself, under the wrappers
    detail = str(root).strip().splitlines()[0] if str(root).strip() else type(root).__name__
    return f"the Hub could not be reached ({detail}) and {missing} is not in the local cache"
