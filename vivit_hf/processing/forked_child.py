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


def with_child_entropy(entropy: int | list[int]) -> int | list[int]:
    """`entropy` for a numpy generator, with `child_entropy` after it in a child process; as given elsewhere (the same
    draws as before in a main process)."""
    child = child_entropy()
    if not child:
        return entropy
    return [*(entropy if isinstance(entropy, list) else [entropy]), *child]
