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
label scan (its class names column with it), has one file, by the tars' paths and inodes, its answer replaced when
a shard changes in place: copies at one path on machines sharing the cache (other inodes) keep one each. A tar
written anew (a new inode: the shard tool's and `rsync`'s rename over the old file) has its machine's old answer
removed, not left behind at every rewrite (`_forget_previous`). Only JSON values are kept; what cannot be written
so (or a cache folder that cannot be written) is found by a pass of its own, as before.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
from collections.abc import Callable
from pathlib import Path

logger = logging.getLogger(__name__)

# Bumped when what a kept answer holds, or how it is read, changes: older answers are not read. (2: a tar's `.JSON`
# members' ids, read as `.json` ones)
VERSION = 2


def kept_folder(cache_dir: str | None = None) -> Path:
    """Where answers are kept: `<cache_dir or datasets' cache>/vivit_hf_scans`."""
    import datasets

    return Path(cache_dir or datasets.config.HF_DATASETS_CACHE) / "vivit_hf_scans"


def kept(
    kind: str, key, compute: Callable[[], object], cache_dir: str | None = None, keep=None, place=None, group=None
):
    """`compute()`, or the answer an earlier call with the same `kind` and `key` (JSON-able) kept on disk. A kept
    answer comes back as JSON gives it (lists for tuples): the caller shapes it. `keep(answer)`: whether JSON holds
    it as the caller needs it back (not asked: any JSON value). `place`: the part of `key` that names the file (a
    tar's path, not its size and times): a changed shard's answer replaces its old one, where a file of each key
    left one more file behind at every change. `group`: the part of `place` a shard written anew keeps (its path, not
    its inode): the answer this machine kept for it under another place (the old inode) is removed when it keeps a new
    one (`_forget_previous`)."""
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
    if group is not None:
        _forget_previous(kind, group, path)
    return answer


def _forget_previous(kind: str, group, path: Path) -> None:
    """Remove the answer this machine kept for `group` before `path` (a tar's index, a split's label scan) under
    another place: a tar written anew gets a new inode (the shard tool's and `rsync`'s rename of a finished file over
    the old one), and each rewrite left its old answer behind, one more file a tar (Kinetics: 5 250) at every rewrite
    or remount of a file system whose inodes change. Each machine names its last answer in a file of its own (by its
    host name): the answers machines holding their own copies at one path keep in a cache they share are each
    machine's to replace, not another's."""
    prefix = f"{kind.replace(' ', '_')}-"
    mine = hashlib.sha256(json.dumps([VERSION, kind, group, socket.gethostname()], default=str).encode())
    pointer = path.with_name(f"last-{prefix}{mine.hexdigest()[:32]}")
    try:
        previous = pointer.read_text()
    except (OSError, ValueError):
        previous = None
    if previous == path.name:
        return
    temporary = pointer.with_name(f"{pointer.name}.{os.getpid()}.tmp")
    try:
        # only an answer file of this kind in this folder (a pointer's text is a file name, nothing else)
        if previous and previous == Path(previous).name and previous.startswith(prefix) and previous.endswith(".json"):
            path.with_name(previous).unlink(missing_ok=True)
        temporary.write_text(path.name)
        os.replace(temporary, pointer)
    except OSError:
        pass  # left behind, as before
