# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The processor's torch work on one thread in a forked child (a `Dataset.map(..., num_proc=N)` worker).

torch's CPU ops share their work out on an OpenMP thread pool (GNU libgomp on Linux wheels). Once a process has
started that pool (any resize or matmul big enough to share out: a processor call, a model's forward), a child it
forks has the pool's bookkeeping but not its threads, and its first op that shares work out waits forever on them
(torch 2.14.1: a child's (32, 3, 256, 340) -> 224 interpolate after the same one in its parent never ended;
transformers' own `VideoMAEVideoProcessor` in `Dataset.map(num_proc=2)` after one call in the parent hangs the
same way). torch's DataLoader sets one thread in its workers for this; `datasets` does not in its map workers.

So a call made in a process forked from the one that imported this module runs its torch work on one thread, and
puts the thread count back after, whatever the call raised. Nothing outside a call changes: importing vivit_hf
registers no fork hook, and the child's own torch work (the user's) keeps the thread count it had (in a child of a
parent that used the pool, that work needs `torch.set_num_threads(1)` too: torch's limitation, not ours). The check
is on the pid at import, not on whether the parent's pool was started (torch cannot tell): a child of a parent that
never used the pool runs a call on one thread too, which is what N workers sharing the machine's cores want anyway.
A spawned child imports the module anew, so its calls keep their threads.

A child's random draws: a forked child starts with a copy of its parent's torch generator, and a spawned one with
torch's fixed default seed, so every worker of a `Dataset.map(..., num_proc=N)` drew the same clip starts, crops and
flips as its siblings (datasets seeds nothing in its map workers; torch's DataLoader seeds each worker's torch with
`base_seed + worker_id`). `child_entropy` is what tells a child's draws from its siblings'.

The processes of a distributed run (torchrun, `accelerate launch`) are started alike and seeded alike
(`accelerate.utils.set_seed(n)`, `transformers.set_seed(n)`), and their DataLoaders' workers too (accelerate gives
every process's loader the same generator state, so that they shuffle alike): rank 1 drew every clip start, crop and
flip that rank 0 drew, on its own share of the videos. `rank_entropy` tells them apart, as scenic folds the host's
index into its data seed and transformers' Trainer mixes the rank into its workers' seeds.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading

import torch

# the process that imported vivit_hf: a call elsewhere runs in a forked child of it (a spawned one re-imports)
_IMPORTED_IN = os.getpid()
# calls under way in this process on one thread, and the thread count to put back when the last one ends (the
# processor called from several threads, or from within itself)
_lock = threading.Lock()
_calls = 0
_threads_before = 0


def in_forked_child() -> bool:
    """Whether this process was forked from the one that imported vivit_hf."""
    return os.getpid() != _IMPORTED_IN


@contextlib.contextmanager
def one_thread_if_forked():
    """Around the torch work of one processor call: one thread for it in a forked child; elsewhere nothing."""
    global _calls, _threads_before
    if not in_forked_child():
        yield
        return
    with _lock:
        if _calls == 0:
            _threads_before = torch.get_num_threads()
            torch.set_num_threads(1)
        _calls += 1
    try:
        yield
    finally:
        with _lock:
            _calls -= 1
            if _calls == 0:
                torch.set_num_threads(_threads_before)


def child_entropy() -> tuple[int, ...]:
    """What tells this process's random draws from its siblings' where nothing else does: () in the process that
    imported vivit_hf and in a DataLoader worker (the DataLoader seeds each worker's torch apart); in a worker of a
    multiprocessing pool (datasets' map uses `multiprocess`, the standard library's twin), forked or spawned, its
    number: 1, 2, ... counted over the processes its parent started, so a rerun of the same script numbers its
    workers alike (reproducible) and a second map's pool draws anew; in another forked child, its process id.

    Each module numbers only the processes it started, and a forked child keeps its parent's number in the other
    module: both numbers, `multiprocess`'s then `multiprocessing`'s. The first found alone was one number for the map
    workers of two `multiprocessing` processes (DDP ranks of `mp.spawn` / `notebook_launcher`: both ranks' first
    workers were `multiprocess` 1, so drew alike), and for every `multiprocessing` pool worker that a `multiprocess`
    worker started (its own number, copied)."""
    if torch.utils.data.get_worker_info() is not None:
        return ()
    numbers: tuple[int, ...] = ()
    for name in ("multiprocess", "multiprocessing"):
        module = sys.modules.get(name)
        # `_identity`: the number multiprocessing gives a child (its name's: `ForkPoolWorker-3`); () in a main process
        numbers += tuple(int(n) for n in getattr(module.current_process(), "_identity", ())) if module else ()
    if numbers:
        return numbers
    return (os.getpid(),) if in_forked_child() else ()


# put before a rank in the entropy, so that rank 1's `[x, MARK, 1]` is no map worker's `[x, 1]` (a process id is below)
_RANK_MARK = 0x52414E4B


def distributed_rank(parent_rank: int = 0) -> int:
    """This process's rank in a distributed run of several processes (0 outside one): the process group's where one
    was started (a DataLoader worker forked from a rank keeps its copy), else the launcher's `RANK` (torchrun's,
    accelerate's), which a worker started by spawning inherits and which holds before `init_process_group`, else its
    `LOCAL_RANK` (a script that sets only that one; on one machine the same number), else, in a DataLoader worker,
    `parent_rank`: the rank of the process that pickled the worker's copy of the caller (a spawned worker of an
    `mp.spawn` rank that started its group with `rank=` inherits neither group nor variable)."""
    distributed = torch.distributed
    if distributed.is_available() and distributed.is_initialized():
        return distributed.get_rank()
    # `WORLD_SIZE` is not asked for: some launchers set `RANK` alone, and a stray rank costs nothing (other draws,
    # still the same run after run), where a missed one has every rank draw alike. (-1: "not distributed" in scripts)
    for name in ("RANK", "LOCAL_RANK"):
        try:
            return max(int(os.environ[name]), 0)
        except (KeyError, ValueError):  # unset, or not a number: not a launcher's
            continue
    return parent_rank if torch.utils.data.get_worker_info() is not None else 0


def rank_entropy(parent_rank: int = 0) -> tuple[int, ...]:
    """What tells the draws of a distributed run's processes apart: `(MARK, rank)` on ranks 1, 2, ...; () on rank 0
    and outside a distributed run (the same draws as before there). `parent_rank`: as `distributed_rank`'s."""
    rank = distributed_rank(parent_rank)
    return (_RANK_MARK, rank) if rank > 0 else ()


def process_entropy(parent_rank: int = 0) -> tuple[int, ...]:
    """`child_entropy`, then `rank_entropy`: what tells this process's draws from its siblings' and its peer ranks'."""
    return child_entropy() + rank_entropy(parent_rank)


def with_child_entropy(entropy: int | list[int], parent_rank: int = 0) -> int | list[int]:
    """`entropy` for a numpy generator, with `process_entropy` after it in a child process or on a rank other than 0;
    as given elsewhere (the same draws as before in a main process)."""
    extra = process_entropy(parent_rank)
    if not extra:
        return entropy
    return [*(entropy if isinstance(entropy, list) else [entropy]), *extra]
