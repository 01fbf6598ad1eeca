# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""What a pass over a local data set's shards found, kept on disk for the next process that opens it (`kept`).

A WebDataset without a data card that declares its classes is opened by reading its whole label column (`datasets`
reads every tar to do so, the clips' bytes included), and every local tar's headers and small members are walked
once (`stream_contents.read_tar_index`: the cut-tar check, the count, the digest). Both were kept only in the memory
of the process that read them: every process of a run read every shard (20 000 clips: 18 s each; Kinetics: ~220 s
each, N processes on a machine multiplying the disk's reads). The recipes open a stream on the main process first,
then on each other machine's (`finetune.main_process_first`); what each found is kept here, in its machine's cache,
and the others read it back.

An answer is kept under a hash of all it depends on: every shard's `file_key` (its real path, size, modification
time, inode and status-change time, as the caches of clips' frame tables and a folder's Arrow cache key them), so a
shard written again, relabelled to the same size with its old time put back, or restored by `cp -a` is read again,
never served stale (a Hub shard: its URL, which names the commit it is read at). Each tar's index, and each split's
label scan (and names column), has one file, by the tars' paths and inodes, its answer replaced when a shard changes in
place: copies at one path on machines sharing the cache (other inodes) keep one each. Only JSON values are kept; what
cannot be written so (or a cache folder that cannot be written) is found by a pass of its own, as before.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable
from pathlib import Path

logger = logging.getLogger(__name__)

# Bumped when what a kept answer holds, or how it is read, changes: older answers are not read.
VERSION = 1


def kept_folder(cache_dir: str | None = None) -> Path:
    """Where answers are kept: `<cache_dir or datasets' cache>/vivit_hf_scans`."""
    import datasets

    return Path(cache_dir or datasets.config.HF_DATASETS_CACHE) / "vivit_hf_scans"


def kept(kind: str, key, compute: Callable[[], object], cache_dir: str | None = None, keep=None, place=None):
    """`compute()`, or the answer an earlier call with the same `kind` and `key` (JSON-able) kept on disk. A kept
    answer comes back as JSON gives it (lists for tuples): the caller shapes it. `keep(answer)`: whether JSON holds
    it as the caller needs it back (not asked: any JSON value). `place`: the part of `key` that names the file (a
    tar's path, not its size and times): a changed shard's answer replaces its old one, where a file of each key
    left one more file behind at every change."""
    name = hashlib.sha256(json.dumps([VERSION, kind, key if place is None else place], default=str).encode())
    path = kept_folder(cache_dir) / f"{kind.replace(' ', '_')}-{name.hexdigest()[:32]}.json"
    key = json.loads(json.dumps(key, default=str))  # as it is read back
    try:
        found = json.loads(path.read_text())
        if found["key"] == key:
            return found["answer"]
    except (OSError, ValueError, KeyError, TypeError):
        pass  # none kept yet (or a file cut short): found anew
    answer = compute()
    if keep is not None and not keep(answer):
        return answer
    try:
        text = json.dumps({"key": key, "answer": answer}, allow_nan=False)
    except (TypeError, ValueError):  # a value JSON does not hold as it is: not kept
        return answer
    # written to a file of this process's own, then renamed: a process reading at once sees a whole file or none
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_text(text)
        os.replace(temporary, path)
    except OSError as error:
        logger.info("what the %s found could not be kept in %s (%s)", kind, path.parent, error)
    return answer
