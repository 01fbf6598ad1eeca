# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""What the recipes need to know about how they were launched, and how they stop, shared by finetune.py and
evaluate.py."""

from __future__ import annotations

import os
import signal
import sys
import threading

import torch


def cpu_process_group() -> bool:
    """True for one of several processes (torchrun, `accelerate launch`) on a machine without a GPU, or when
    ACCELERATE_USE_CPU asks for the CPU: pass it as `Accelerator(cpu=...)`.

    accelerate 1.x joins CPU processes (gloo) only when told to use the CPU; otherwise each process runs alone as
    rank 0 on all the data, every one writing the same output folder.
    """
    if os.environ.get("ACCELERATE_USE_CPU", "").lower() in ("1", "true", "yes"):
        return True
    return int(os.environ.get("WORLD_SIZE", "1")) > 1 and not torch.accelerator.is_available()


def run_as_command(main, argv, user_errors: tuple, interrupted) -> object:
    """`main(argv)` as a command. One of `user_errors` (the user's data set or flags, whose message names the problem)
    is one line and argparse's status 2; Ctrl-C or SIGTERM (a scheduler's stop, `kill`) is the line
    `interrupted()` returns (what is kept, how to go on), with the shell's status for the signal (130, 143). Neither
    is a traceback; any other error is a bug and keeps its own.

    Under `accelerate launch` Ctrl-C reaches the launcher too, which then terminates the recipe and its DataLoader
    workers (SIGTERM, SIGKILL 5 s later) while it unwinds: the workers' deaths replaced the KeyboardInterrupt with
    torch's RuntimeError, or the SIGTERM ended the process, and the line was never said (SIGTERM alone ended a run
    without a word too)."""
    stopped: list[int] = []  # the signal that stopped this run, once its line is said
    main_pid = os.getpid()

    def stop(signum, frame):
        if os.getpid() != main_pid:  # a forked DataLoader worker: as it would without this handler
            signal.signal(signum, signal.SIG_DFL)
            if signum == signal.SIGINT:
                raise KeyboardInterrupt
            os.kill(os.getpid(), signum)
            return
        if not stopped:
            signal.signal(signal.SIGTERM, signal.SIG_IGN)  # the launcher's SIGTERM that follows Ctrl-C
            sys.unraisablehook = lambda unraisable: None  # the dead workers' loaders complain as they are collected
            stopped.append(signum)
        raise KeyboardInterrupt  # (a second Ctrl-C while unwinding stops that too)

    handled = threading.current_thread() is threading.main_thread()  # signal handlers are the main thread's
    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)} if handled else {}
    try:
        return main(argv)
    except user_errors as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    except KeyboardInterrupt:
        pass  # said below, once main's frames are gone: a progress bar redraws itself as it closes, after any line
    except Exception:
        if not stopped:  # a bug: its traceback
            raise
        # else the signal's doing while unwinding (a DataLoader worker it stopped, found dead): not a bug
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGCHLD})  # torch's handler raises as the workers die
    if os.environ.get("RANK", "0") == "0":  # every process of a launch gets the signal: one line is enough
        print(interrupted(), file=sys.stderr)
    if not stopped:  # Ctrl-C without the handler (run from another thread)
        raise SystemExit(130)
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    os._exit(128 + stopped[0])  # no interpreter shutdown, whose collection of the dead workers' loaders says more
