# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""What the recipes need to know about how they were launched, and how they stop, shared by finetune.py and
evaluate.py."""

from __future__ import annotations

import atexit
import ctypes
import gc
import os
import re
import shlex
import signal
import sys
import threading
import time
import types
from pathlib import Path

import torch


def no_command_here(module: str, recipe: str) -> None:
    """Refuse `python -m <module>` (exit 2), naming the command it is built for: `python -m
    vivit_hf.training.finetune --help`, a user's guess at the recipe, ran the module's definitions, printed nothing
    and exited 0, as if it had done what was asked. The command named takes the flags given; the recipes are no part
    of the installed package, so where this package is not a clone's, the clone is named."""
    script = Path(__file__).resolve().parents[2] / "recipes" / recipe
    typed = shlex.join(sys.argv[1:])  # the flags given, for the command that takes them
    command = f"accelerate launch {script if script.is_file() else 'recipes/' + recipe} {typed}".rstrip()
    where = "" if script.is_file() else " (from a clone of vivit_hf: pip installs no recipes)"
    print(
        f"python -m {module}: error: this module is what recipes/{recipe} is built of, no command; run: "
        f"{command}{where}",
        file=sys.stderr,
    )
    raise SystemExit(2)


def cpu_process_group() -> bool:
    """True for one of several processes (torchrun, `accelerate launch`) on a machine without a GPU, or when
    ACCELERATE_USE_CPU asks for the CPU: pass it as `Accelerator(cpu=...)`.

    accelerate 1.x joins CPU processes (gloo) only when told to use the CPU; otherwise each process runs alone as
    rank 0 on all the data, every one writing the same output folder.
    """
    if os.environ.get("ACCELERATE_USE_CPU", "").lower() in ("1", "true", "yes"):
        return True
    return int(os.environ.get("WORLD_SIZE", "1")) > 1 and not torch.accelerator.is_available()


ACCUMULATION_VARIABLE = "ACCELERATE_GRADIENT_ACCUMULATION_STEPS"


def accumulation_plugin(steps: int, environ=None):
    """(accelerate's `GradientAccumulationPlugin` of `--gradient_accumulation_steps` `steps`, a warning or None).

    `Accelerator(gradient_accumulation_steps=steps)` takes ACCELERATE_GRADIENT_ACCUMULATION_STEPS over `steps` where
    it is set (`accelerate launch --use_deepspeed --gradient_accumulation_steps` exports it; accelerate's docs offer
    it): at 3, a run planned on 12 optimiser steps took 4, its schedule a third run and all_results.json saying 1. A
    plugin is taken as given, as transformers' Trainer gives one; the variable, set to another count, is said unread."""
    from accelerate.utils import GradientAccumulationPlugin

    value = (os.environ if environ is None else environ).get(ACCUMULATION_VARIABLE)
    unread = value is not None and value.strip() != str(steps)
    warning = (
        f"{ACCUMULATION_VARIABLE}={value} in the environment is not read: this run accumulates the gradients of "
        f"--gradient_accumulation_steps {steps} batch(es) a step (its schedule, checkpoints and results are planned "
        "on the flag's count); to accumulate another count, pass --gradient_accumulation_steps (or "
        "--total_batch_size) to the script, after its name, not to `accelerate launch`"
    )
    return GradientAccumulationPlugin(num_steps=steps), warning if unread else None


def launcher_mixed_precision(environ=None) -> str | None:
    """The precision `accelerate launch --mixed_precision bf16` (or its config file) asked for, when the recipe's own
    flag was not typed. The launcher tells the script through the environment, where Accelerator reads it: the run
    trained in bf16 while run_settings.json, the card and a resume's comparison said no precision was asked for.
    Nothing asked is "no", what Accelerator then uses: run_settings.json recorded null while the log said 'no'
    (`same_setting` reads an older run's recorded null as "no"). Another value (fp8) is left to accelerate: None."""
    # (os.environ as it is now: a default of `os.environ` bound whatever object it was at import, a test's stand-in)
    asked = (os.environ if environ is None else environ).get("ACCELERATE_MIXED_PRECISION", "").lower() or "no"
    return asked if asked in ("no", "fp16", "bf16") else None


def inference_precision(asked: str | None, device: torch.device) -> tuple[str, str | None]:
    """(the precision predict.py runs the model in, as accelerate names it: `no`, `bf16`, `fp16`; a warning or None).

    `asked`: `--mixed_precision`, else the launcher's (`launcher_mixed_precision`): `accelerate launch
    --mixed_precision bf16 recipes/predict.py` ran the plain pipeline in fp32 and said nothing. fp16 where accelerate
    runs none (the CPU: `native_amp` False, no autocast) runs in fp32, `no`, with a warning, as evaluate.py's
    `precision_evaluated` says it; bf16 on a GPU without it is accelerate's ValueError."""
    asked = asked or launcher_mixed_precision() or "no"
    if asked == "fp16" and device.type == "cpu":
        return "no", (
            "mixed_precision fp16: accelerate runs fp16 on a GPU only, and this run is on the cpu: the model runs in "
            "fp32 (each timeline records mixed_precision 'no')"
        )
    if asked == "bf16" and device.type == "cuda" and not torch.cuda.is_bf16_supported():
        raise ValueError(f"mixed_precision bf16: {torch.cuda.get_device_name(device)} does not run bf16")
    return asked, None


def autocast_forward(model, precision: str) -> None:
    """Run `model`'s forward under `precision`'s autocast on its device, as `Accelerator.prepare` wraps a model's
    forward in mixed precision (`native_amp`: bf16 on the CPU or a GPU, fp16 on a GPU); nothing for `no`. The
    outputs stay in the autocast dtype: the pipeline scores logits in float32."""
    if precision == "no":
        return
    dtype = torch.bfloat16 if precision == "bf16" else torch.float16
    autocast = torch.autocast(device_type=model.device.type, dtype=dtype)
    model.forward = types.MethodType(autocast(model.forward.__func__), model)


def log_on_each_machine(logger, accelerator, level: int, message: str) -> None:
    """`message` (about this machine's own --output_dir: what it resumes, holds, removes, keeps) logged once on each
    machine, by its main process, as transformers' Trainer logs by default (`log_on_each_node`). accelerate's logger
    says a line on rank 0 alone: a user watching machine 1's log never saw that its folder was not shared or held
    later checkpoints, though it concerned that machine (and without a shared folder, its own checkpoints)."""
    if accelerator.is_local_main_process:
        logger.log(level, message, main_process_only=False)


# accelerate's distributed types that run one process per GPU (MULTI_GPU is also its launcher for CPU processes:
# `use_cpu: true` says so, as recipes/accelerate_configs/cpu_two_processes.yaml does)
_GPU_DISTRIBUTED_TYPES = ("MULTI_GPU", "FSDP", "DEEPSPEED", "MEGATRON_LM")


def gpu_config_without_a_gpu(launcher_argv=None, launcher_cwd=None, environ=None, gpus=None) -> str | None:
    """Why a run launched with an accelerate config that asks for GPUs cannot start on this machine, which has none
    (a message naming the config and what it asks for), else None. `accelerate launch --config_file
    recipes/accelerate_configs/ddp_multi_gpu.yaml` on a CPU machine would start 8 CPU processes in bf16
    (`cpu_process_group` joins them with gloo): the GPU config read as a CPU one. `use_cpu: true` in the config, the
    launcher's `--cpu`, or ACCELERATE_USE_CPU=1 in front asks for the CPU on purpose.

    `launcher_argv` / `launcher_cwd`: the command line and folder of the `accelerate launch` that started this process
    (default: the parent process's, read from Linux's /proc; elsewhere nothing is checked)."""
    environ = os.environ if environ is None else environ
    if (torch.accelerator.is_available() if gpus is None else gpus) or _asks_for_cpu(environ):
        return None
    read = launcher_config(launcher_argv, launcher_cwd)
    if read is None or read[0].cpu:  # no config: `--multi_gpu` alone starts CPU processes as asked
        return None
    args, path, config = read
    asked = getattr(config.distributed_type, "value", str(config.distributed_type))
    if getattr(config, "use_cpu", False) or asked not in _GPU_DISTRIBUTED_TYPES:
        return None
    processes = args.num_processes or config.num_processes
    machines = args.num_machines or getattr(config, "num_machines", 1) or 1
    precision = args.mixed_precision or getattr(config.mixed_precision, "value", config.mixed_precision)
    # num_processes counts every machine's: accelerate starts num_processes // num_machines on each
    counted = f"{processes} processes" + (f" over {machines} machines" if machines > 1 else "")
    return (
        f"the accelerate config {path} asks for GPUs (distributed_type {asked}, use_cpu false, "
        f"{counted}, mixed_precision {precision}) and this machine has none: it would run "
        f"{processes // machines} processes on the CPU. On CPUs, launch with --config_file "
        "recipes/accelerate_configs/cpu_two_processes.yaml, "
        "set use_cpu: true in the config, or put ACCELERATE_USE_CPU=1 in front of accelerate launch"
    )


def launcher_config(launcher_argv=None, launcher_cwd=None) -> tuple | None:
    """(the flags of the `accelerate launch` that started this process, parsed by accelerate's own parser; the config
    file it read, as typed, or accelerate's default file that `accelerate config` writes; that config, loaded), else
    None: no such launcher, no config file, or one that does not read.

    `launcher_argv` / `launcher_cwd`: that launcher's command line and folder (default: the parent process's, read
    from Linux's /proc; elsewhere nothing is found)."""
    if launcher_argv is None:
        launcher_argv, launcher_cwd = _parent_command()
    launch = _accelerate_launch_flags(launcher_argv or [])
    if launch is None:
        return None
    from accelerate.commands.config.config_args import default_config_file, load_config_from_file
    from accelerate.commands.launch import launch_command_parser

    try:
        args, _ = launch_command_parser().parse_known_args(launch)
    except SystemExit:  # a command line accelerate itself would have refused: not ours to say
        return None
    # accelerate reads its default file only without --cpu (launch's _validate_launch_command): a MULTI_CPU default
    # was named as the config of `accelerate launch --cpu --num_processes 2`, which never read it
    default = default_config_file if os.path.isfile(default_config_file) and not args.cpu else None
    path = args.config_file or default
    if path is None:
        return None
    try:
        config = load_config_from_file(os.path.join(launcher_cwd or "", path))
    except Exception:  # (unreadable: accelerate launch read it, or it would not have started us)
        return None
    return args, path, config


REFUSAL_GRACE_S = 20.0


def refuse_a_gpu_config_without_a_gpu() -> None:
    """`gpu_config_without_a_gpu`'s refusal, one line a machine and argparse's status 2, before any process waits for
    another (every process of the machine finds the same)."""
    refused = gpu_config_without_a_gpu()
    if refused:
        if os.environ.get("LOCAL_RANK", "0") == "0":
            print(f"error: {refused}", file=sys.stderr)
        else:
            # the launcher ends every process once one exits: another process's quick exit ended the first before it
            # said why (a launch that failed with no word on a loaded machine); it exits first, the rest are ended
            time.sleep(REFUSAL_GRACE_S)
        raise SystemExit(2)


def _asks_for_cpu(environ) -> bool:
    return environ.get("ACCELERATE_USE_CPU", "").lower() in ("1", "true", "yes")


def _parent_command() -> tuple[list[str], str | None]:
    """The parent process's command line and folder (Linux), or ([], None)."""
    try:
        # read and closed: a bare open().read() left the file to the garbage collector, a ResourceWarning in every
        # launched run's stderr where warnings show (`python -X dev`, benchmarks/recipe_gpu.py's runs)
        with open(f"/proc/{os.getppid()}/cmdline", "rb") as handle:
            argv = handle.read().decode(errors="replace").split("\0")
        return argv, os.readlink(f"/proc/{os.getppid()}/cwd")
    except OSError:
        return [], None


def _accelerate_launch_flags(argv: list[str]) -> list[str] | None:
    """What follows `accelerate launch` (or `python -m accelerate.commands.launch`, or accelerate's own
    `accelerate-launch` command) in `argv`; None for another command (torchrun, a shell)."""
    for i, word in enumerate(argv):
        if word == "accelerate.commands.launch" or os.path.basename(word) == "accelerate-launch":
            return argv[i + 1 :]
        if (
            word == "launch"
            and i
            and os.path.basename(argv[i - 1]) in ("accelerate", "accelerate.commands.accelerate_cli")
        ):
            return argv[i + 1 :]
    return None


def run_as_script(run) -> None:
    """`run()` as a recipe's `__main__`, and then the interpreter's exit without its last garbage collections. Those
    walked every object the process holds (torch's, transformers', the run's): measured 1.3-1.6 s of CPU at the end
    of every recipe process, after its atexit handlers, where a refusal's whole run is ~5 s; each process of a launch
    pays it, and the launcher waits for the last. Frozen (`gc.freeze`) as the interpreter exits, the objects still go
    as the modules are torn down (their reference counts); only cycles unreachable by then are left for the OS, as
    Ctrl-C's `os._exit` leaves everything (`run_as_command`). Nothing is lost with them: what must be flushed or
    removed is so by exit handlers, not finalizers (the run's own: the output folder's lock, the uploads; those
    registered at import: weakref.finalize's temporary folders, multiprocessing's, logging's), and trackers are closed
    by `end_training`; the cycles left at the end of a tiny finished, refused or failed run (tensorboard, DataLoader
    workers) held no object with a finalizer. Only then: a process that runs the script again (IPython's `%run`)
    collects what a run left as before."""
    atexit.register(gc.freeze)  # (before the run's own: handlers run last-registered first, so this one after them)
    run()


def run_as_command(main, argv, user_errors: tuple, interrupted) -> object:
    """`main(argv)` as a command. One of `user_errors` (the user's data set or flags, whose message names the problem)
    is one line and argparse's status 2; Ctrl-C or SIGTERM (a scheduler's stop, `kill`) is the line
    `interrupted()` returns (what is kept, how to go on), with the shell's status for the signal (130, 143). A
    collective whose peer process died (gloo's "Connection reset by peer") is one line naming it, with that line, and
    status 1. None is a traceback; any other error is a bug and keeps its own.

    Under `accelerate launch` Ctrl-C reaches the launcher too, which then terminates the recipe and its DataLoader
    workers (SIGTERM, SIGKILL 5 s later) while it unwinds: the workers' deaths would replace the KeyboardInterrupt
    with torch's RuntimeError, or the SIGTERM end the process, and the line never be said (SIGTERM alone would end a
    run unsaid too). Two more ways to lose it, seen in CI: unwinding can outlast the 5 s (a loaded machine); and
    the launcher, which copies the recipe's stderr, drops what it has just read as Ctrl-C reaches it. So under a
    launcher the line waits for the launcher's SIGTERM (by then it copies again) and is said as it comes, by the
    signal handler on the main thread, unwinding or not; a deadline's thread says it where no SIGTERM comes (a
    launcher that died). (Said by that thread alone, the line was missing once in CI: a thread need not run before
    the SIGKILL on a loaded machine. The handler runs as the main thread next runs Python: a SIGTERM taken as it
    entered a long call, a sleep, waits for that call's end, and the deadline says the line. One that arrived before
    Python ran the Ctrl-C's handler, whose KeyboardInterrupt left it for later, was seen not to run before the
    SIGKILL: the Ctrl-C's handler looks for it among the signals that arrived, `_signal_arrivals`; and Python may run
    it first, or the Ctrl-C's inside it: either way the second is the launcher's.) A SIGTERM that reaches
    the launcher's process group (a scheduler's, `kill -TERM -PGID`) is stopped alike: the launcher terminates the
    recipe in turn, and a line said at the end of an unwinding longer than its 5 s was never said."""
    from .checkpoints import release_held_output_dirs  # here: checkpoints imports this module (via agreement)

    stopped: list[int] = []  # the signal that stopped this run
    launcher: dict = {}  # under a launcher that got the same signal: when it came, and whether its SIGTERM has
    said = threading.Lock()  # held by whichever says the line: unwinding's end or the launcher's deadline
    main_pid = os.getpid()
    bars: list[bool] = []  # whether a progress bar was left mid-line when silenced
    handled = threading.current_thread() is threading.main_thread()  # signal handlers are the main thread's
    arrivals = _signal_arrivals() if handled and _under_a_launcher() else None  # the signals as they arrive

    def say_and_exit(wait: bool = True) -> None:
        # once: a second caller waits here until the first has ended the process (the signal handler does not: it may
        # have come while the main thread says it)
        if not said.acquire(wait):
            return
        try:
            if os.environ.get("RANK", "0") == "0":  # every process of a launch gets the signal: one line is enough
                print("\n" * any(bars) + interrupted(), file=sys.stderr)
            for stream in (sys.stdout, sys.stderr):
                stream.flush()
        except Exception:  # no one to say it to (a launcher that died with the pipe it read our stderr from)
            pass  # (raised, it ended the deadline's thread holding `said`, and the process hung)
        finally:
            try:
                release_held_output_dirs()  # os._exit runs no atexit, where a run that ends gives its lock file up
            finally:  # whatever raised (a lock file's folder gone): raised here, it left `said` held, and the process
                # hung until the launcher's SIGKILL, or for ever without a launcher
                os._exit(128 + stopped[0])  # no interpreter shutdown: dead workers' loaders say more as collected

    def stop(signum, frame):
        if os.getpid() != main_pid:  # a forked DataLoader worker: as it would without this handler
            signal.signal(signum, signal.SIG_DFL)
            if signum == signal.SIGINT:
                raise KeyboardInterrupt
            os.kill(os.getpid(), signum)
            return
        # the second signal: the launcher's SIGTERM after Ctrl-C or a SIGTERM to its group, or the Ctrl-C whose
        # SIGTERM Python ran first (both pending, in signal order or not: see `_signal_arrivals`); also where it came
        # as the first signal's handler began, before that noted its signal (Python ran this one inside it). Taken for
        # the first, the line was said after the deadline or unwinding, which need not come before the SIGKILL; a
        # Ctrl-C's KeyboardInterrupt raised inside the SIGTERM's handler cut that short, before it noted the launcher
        first = stopped[0] if stopped else _signal_handled_in(stop, frame)
        relayed = signum == signal.SIGTERM or _under_a_launcher()  # (a Ctrl-C after a SIGTERM of no launcher: raised)
        if first is not None and signal.SIGTERM in (first, signum) and relayed:
            launcher["terminating"] = True
            if "since" in launcher:  # it copies our stderr again: said now, before its SIGKILL, unwinding or not
                say_and_exit(wait=False)
            return  # not raised into unwinding, which it would cut short (a scheduler's, after a Ctrl-C of its own)
        if not stopped:
            sys.unraisablehook = lambda unraisable: None  # the dead workers' loaders complain as they are collected
            stopped.append(signum)
            bars.append(_silence_progress_bars())  # so that unwinding writes nothing the launcher could drop
            if _under_a_launcher():  # (its SIGTERM may be this one: then the deadline says the line)
                launcher["since"] = time.monotonic()
                # its SIGTERM came while this handler ran (the process descheduled in it, a loaded machine): that
                # handler ran inside this one, before "since", and returned; the line was left to the deadline's
                # thread or unwinding's end, which need not come before the SIGKILL (2 runs in ~67 at load 8-10).
                # Or it came before this handler ran, and its own had not run by the SIGKILL (3 runs in 40 at load
                # ~15, accelerate launch, Ctrl-C: its number in the wakeup pipe, its handler never called)
                deadline = threading.Timer(_LAUNCHER_GRACE_S, say_and_exit)
                deadline.daemon = True
                deadline.start()
                if launcher.get("terminating") or _terminated(arrivals):  # (last: as little time left after it)
                    say_and_exit(wait=False)
        raise KeyboardInterrupt  # (a second Ctrl-C while unwinding stops that too)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)} if handled else {}
    if handled:
        _stop_with_the_launcher()
    try:
        return main(argv)
    except user_errors as error:
        # one found mid-run (a stream's option error at its first batch): the training bar, closed as unwinding
        # drops it, redrew itself after the line, which was then not the last
        showing = _silence_progress_bars()
        print("\n" * showing + f"error: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    except KeyboardInterrupt:
        pass  # said below, once main's frames are gone
    except Exception as error:
        lost = None if stopped else _lost_peer(error)
        if lost:  # not a bug here: what the other process's own log says is
            showing = _silence_progress_bars()
            if os.environ.get("LOCAL_RANK", "0") == "0":  # one line a machine, from its first process still here
                print(
                    "\n" * showing + f"error: another process of this run is gone ({lost}), so this one stopped too; "
                    f"{interrupted()}",
                    file=sys.stderr,
                )
            _exit_past_a_broken_group(1)
            raise SystemExit(1) from None
        if not stopped:  # a bug: its traceback
            raise
        # else the signal's doing while unwinding (a DataLoader worker it stopped, found dead): not a bug
    finally:
        if stopped:  # SIGTERM stays handled (a launcher's arriving now would end the process before its line), and
            previous = {sig: signal.SIG_IGN for sig in previous if sig != signal.SIGTERM}  # a second Ctrl-C waits
        elif arrivals is not None:  # (stopped, the process ends by `say_and_exit`)
            _stop_noting_arrivals(arrivals)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGCHLD})  # torch's handler raises as the workers die
    if not stopped:  # Ctrl-C without the handler (run from another thread)
        if os.environ.get("RANK", "0") == "0":
            print(interrupted(), file=sys.stderr)
        raise SystemExit(130)
    give_up = launcher.get("since", 0.0) + _LAUNCHER_GRACE_S  # (a launcher that died sends none)
    while "since" in launcher and not launcher.get("terminating") and time.monotonic() < give_up:
        time.sleep(0.02)
    say_and_exit()


def _signal_handled_in(handler, frame) -> int | None:
    """The signal whose `handler` call `frame` (a signal handler's: where the main thread was) is in; None if none."""
    while frame is not None:
        if frame.f_code is handler.__code__:
            return frame.f_locals["signum"]
        frame = frame.f_back
    return None


def _signal_arrivals() -> tuple[int, int] | None:
    """A pipe (read end, write end) to which CPython's C-level handler writes the number of each handled signal as it
    arrives (`signal.set_wakeup_fd`), whatever the order and time Python then runs the handlers in; None where the
    wakeup fd has an owner already (an asyncio loop's). Under accelerate launch, Ctrl-C and the launcher's SIGTERM can
    both arrive before the main thread runs Python. Where C code then checks for signals (a time.sleep that the Ctrl-C
    cut short), CPython runs the Ctrl-C's handler, whose call clears the request to check again, and whose
    KeyboardInterrupt leaves the SIGTERM's handler to the next check made in C (another signal's, a stream's flush),
    not to the next bytecode: an unwinding of sleeps ran it after the launcher's SIGKILL 5 s later (CPython 3.11-3.13).
    (Taken by a thread other than the main one, they arrive as often SIGTERM first: Linux runs the last signal it
    delivers to a thread first.) Forked DataLoader workers share it: each writes its Ctrl-C, never a SIGTERM (torch's C
    handler takes theirs), so a SIGTERM in it is this process's; torch's SIGCHLD handler writes one byte a worker's
    end, and a pipe that 64 KiB of them filled takes no more (the deadline's thread says the line, as before)."""
    read, write = os.pipe()
    for end in (read, write):  # (a signal must never block on a full pipe, nor a look at it on an empty one)
        os.set_blocking(end, False)
    owner = signal.set_wakeup_fd(write, warn_on_full_buffer=False)
    if owner == -1:
        return read, write
    signal.set_wakeup_fd(owner)
    os.close(read)
    os.close(write)
    return None


def _terminated(arrivals: tuple[int, int] | None) -> bool:
    """Whether the launcher's SIGTERM has arrived, as the first signal's handler runs: a SIGTERM and another stop (the
    Ctrl-C it relays, the SIGTERM to its group), in any order (not SIGCHLD: torch's handler for its workers)."""
    came = b""
    while arrivals is not None:  # (all: a long run's SIGCHLDs, its DataLoader workers' ends, come first)
        try:
            came += os.read(arrivals[0], 65536)
        except BlockingIOError:  # none left
            break
    stops = [number for number in came if number in (signal.SIGINT, signal.SIGTERM)]
    return signal.SIGTERM in stops and len(stops) >= 2


def _stop_noting_arrivals(arrivals: tuple[int, int]) -> None:
    """Give the wakeup fd back, as the run ends without a signal (a later run, a caller's asyncio loop, may set it)."""
    read, write = arrivals
    owner = signal.set_wakeup_fd(-1)
    if owner not in (write, -1):  # one the run set (an asyncio loop it left open): kept
        signal.set_wakeup_fd(owner)
    os.close(read)
    os.close(write)


def _exit_past_a_broken_group(status: int) -> None:
    """End the process with `status` now where a process group is up: its peer gone, the group's gloo threads are
    left running, and interpreter shutdown destroyed them joinable ("terminate called without an active exception",
    SIGABRT: status 134 where 1 was said; seen once in CI). As `say_and_exit`: streams flushed, output folders
    given up, no shutdown. Without a group (nothing to break) it returns, and the caller raises `SystemExit`."""
    import torch.distributed as dist  # (imported already by whatever ran a collective)

    if not (dist.is_available() and dist.is_initialized()):
        return
    from .checkpoints import release_held_output_dirs

    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # a launcher gone with the pipe: nothing to say it to
            pass
    release_held_output_dirs()
    os._exit(status)


# `accelerate launch` sends SIGKILL 5 s after its SIGTERM, which follows Ctrl-C at once (torchrun's agent waits
# longer): where no SIGTERM has said the line, it is said within this of Ctrl-C (or the first SIGTERM), with time
# left to read the checkpoints' state and write it.
_LAUNCHER_GRACE_S = 2.5


def _stop_with_the_launcher() -> None:
    """Under torchrun or `accelerate launch`, have the kernel send this process SIGTERM when its launcher dies
    (prctl PR_SET_PDEATHSIG; Linux), so that it stops as at a scheduler's SIGTERM: its line, the last checkpoint kept,
    no final model. torchrun starts its workers in sessions of their own, so a SIGKILL to the launcher's process group
    (the OOM killer, a scheduler) left them training to the end, writing checkpoints and the final model, beside a
    restarted run. `accelerate launch` on one process (its simple launcher, no torchrun) runs the recipe as its
    child: killed alone (`kill -9` of its pid), it left the recipe training to the end, its stderr a pipe no one
    read. (A recipe run by a shell script gets no such signal: the script may end before it, `cmd &`.)"""
    if not sys.platform.startswith("linux"):
        return
    if "TORCHELASTIC_RUN_ID" not in os.environ and not _child_of_accelerate_launch():
        return
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # no prctl to call: as before
        pass


_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _child_of_accelerate_launch() -> bool:
    """True when `accelerate launch`'s simple launcher started this process: it sets ACCELERATE_USE_CPU always, and
    is the parent (`accelerate launch ...` or `python -m accelerate.commands.launch ...`). The variable alone is not
    enough: a user may export it (docs: it keeps a GPU machine's run on the CPU) and run the recipe from a script."""
    return "ACCELERATE_USE_CPU" in os.environ and _accelerate_launch_flags(_parent_command()[0]) is not None


def _lost_peer(error: Exception) -> str | None:
    """How gloo says the process at the other end of a collective is gone (killed, its machine down), with its
    address: `connection reset by peer at [10.0.0.2]:41514`; None for any other error. A surviving machine of a
    two-machine run ended with that RuntimeError's traceback, which read as a bug of its own."""
    how = re.search(r"Connection (reset|closed) by peer", str(error))
    if not isinstance(error, RuntimeError) or how is None:
        return None
    where = re.search(r"\[[^\]]+\]:\d+", str(error))  # (not gloo's source line, `[.../pair.cc:545] Read error`)
    return how[0].lower() + (f" at {where[0]}" if where else "")


def _under_a_launcher() -> bool:
    """True when the parent process is in this one's process group, so that a terminal's Ctrl-C reached it too:
    `accelerate launch`, torchrun. (Run from an interactive shell, a command leads a process group of its own.)"""
    try:
        return os.getpgid(os.getppid()) == os.getpgrp()
    except OSError:  # the parent has gone
        return False


def _silence_progress_bars() -> bool:
    """Silence tqdm's open bars (without importing tqdm), so that none redraws itself as unwinding closes it; True if
    one was showing (its last drawing ends mid-line)."""
    std = sys.modules.get("tqdm.std")
    classes = [std.tqdm] if std is not None else []
    showing = False
    for cls in classes:  # each class keeps its own set, made as its first bar is (tqdm.auto's is a subclass's)
        classes += cls.__subclasses__()
        for bar in list(vars(cls).get("_instances", ())):
            showing |= not bar.disable
            bar.disable = True
    return showing
