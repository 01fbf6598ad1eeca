# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Training checkpoints (accelerate's `save_state`, written atomically), `save_pretrained` for sharded models, and
what a run leaves in its output folder (so that a rerun there is refused, or removes exactly that first). The final
outputs replace the previous ones as a whole: `vivit_hf.hub.folders.staged_outputs`."""

from __future__ import annotations

import atexit
import errno
import fcntl
import json
import logging
import os
import shutil
import socket
import time
import zipfile
from contextlib import contextmanager
from pathlib import Path

import torch

from .. import models, processing
from ..hub.cards import recipe_settings
from ..hub.folders import FINAL_STAGING, WEIGHT_PATTERNS, code_files, saved_code_files, umask_modes
from ..hub.upload import top_level_flags
from ..run_folder import (
    CHECKPOINTS,
    RUN_SETTINGS_FILE,
    SAVED_AT,
    STATE_FILE,
    list_checkpoints,
    saved_order,
    steps_of,
)
from .flags import output_dir_problem

logger = logging.getLogger(__name__)

# What recipes/finetune.py writes into --output_dir, and recipes/evaluate.py into a model folder by default. Any of
# these means a previous run: a new one would replace its model and leave its results beside the new ones.
RUN_FILES = (
    "config.json",
    "model.safetensors",
    "model.safetensors.index.json",  # a sharded model: its shards match a pattern below
    "video_preprocessor_config.json",
    "all_results.json",
    "train_results.json",
    "run_settings.json",
    "training_curves.png",
)
# checkpoints, snapshots staged for the Hub, tensorboard logs, final outputs a killed run left half written
RUN_FOLDERS = (CHECKPOINTS, ".push", "finetune", FINAL_STAGING)
RUN_PATTERNS = ("model-*-of-*.safetensors", "eval_*.png")  # a sharded model's weights; the run's evaluation plots
# recipes/evaluate.py's default folders (eval_<data set>_<split>_<clips>x<crops>), known by what it writes in them: a
# user's own eval_notes/ stays.
EVALUATION_FILES = ("eval_results.json", "predictions.safetensors", "predictions.jsonl")
# The final model's files among them (with WEIGHT_PATTERNS, the card and the code): kept by `remove_previous_run`
# until a new model replaces them.
FINAL_MODEL_FILES = (
    "config.json",
    "video_preprocessor_config.json",
    "all_results.json",
    "train_results.json",
    RUN_SETTINGS_FILE,
)
# The plots the model card shows: kept with it (removed as a rerun started, a rerun stopped early left the card's
# images broken), and those a new model does not draw again go when it replaces the old (`staged_outputs`).
FINAL_PLOTS = ("training_curves.png", "eval_*.png")
# A run writes no preprocessor_config.json, but one left in --output_dir (a transformers ViViT folder overwritten:
# `VivitImageProcessor`) is read by `AutoProcessor` before the run's video_preprocessor_config.json: it goes with the
# old model, as the converter's `MODEL_FOLDER_PATTERNS` have it go.
FINAL_MODEL_PATTERNS = (*WEIGHT_PATTERNS, *FINAL_PLOTS, "preprocessor_config.json")
# Written by a run too, but on their own no sign of one (a user's notes, code): removed only together with a run.
MODEL_CARD = "README.md"


# The advisory lock a run's main process holds on its --output_dir while it lives (`hold_output_dir`), naming it.
RUN_LOCK_FILE = ".run.lock"
_held: dict[Path, object] = {}  # the open lock files of this process, by folder: closing one releases its lock
_made_for: dict[Path, list[Path]] = {}  # folders made for a held one (`hold_output_dir`'s `made`), by held folder


def checkpoint_writer(accelerator) -> bool:
    """Whether this process writes (renames, prunes) checkpoints: the main process where --output_dir is shared; the
    main process of each machine where it is not (accelerate's `save_on_each_node`, which `Accelerator` was given)."""
    config = getattr(accelerator, "project_configuration", None)
    if config is not None and config.save_on_each_node:
        return accelerator.is_local_main_process
    return accelerator.is_main_process


def hold_output_dir(output_dir, named: str = "--output_dir", made=()) -> str | None:
    """Take the lock of `output_dir` for this process's lifetime, or say why not: None once held (or already held
    here, or no folder yet: nothing is being written there), else the refusal naming the run that holds it (and the
    folder as `named`: evaluate.py's default folder is no flag the user typed).

    torchrun starts its workers in sessions of their own, so a SIGKILL to the launcher's process group (the OOM
    killer, a scheduler) left them training, and writing checkpoints and a final model; a restart meanwhile had two
    runs writing one folder. The lock is fcntl's record lock (lockf): the kernel releases it as its holder dies,
    however it dies, so no stale lock is left behind, and unlike flock's it is not inherited by forked children: a
    SIGKILLed run's DataLoader workers, which live on for seconds, held an flock and refused the resume started at
    once (on NFS see docs/training-and-data.md, "One run per --output_dir"). Being per process, it is released if
    this process closes any other file object of the same file: nothing here opens it again (`_held`). The file goes
    as the process exits; one a killed run left names it and stops nothing.

    `made`: the folders made for this one (itself and those above it, innermost first), removed with the lock where
    nothing was written into them, also by a run stopped by a signal (`release_held_output_dirs`, before os._exit:
    an atexit handler never ran there, and a stopped evaluation left its new results folder empty)."""
    folder = Path(output_dir)
    holder = _take(folder)
    if holder is None:
        if made and folder.resolve() in _held:
            _made_for[folder.resolve()] = [Path(path) for path in made]
        return None
    return (
        f"{named} {folder} is being written by a run that is still alive ({holder}); stop it (or wait for it to end) "
        f"before starting another there"
    )


def _take(folder: Path) -> str | None:
    """`hold_output_dir`'s lock taken (None; None too where already held here, or no folder), else its holder."""
    if folder.resolve() in _held or not folder.is_dir():
        return None
    path = folder / RUN_LOCK_FILE
    while True:
        lock = open(path, "a+")
        try:
            fcntl.lockf(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            if not _held_by_another(error):
                lock.close()
                _warn_no_locks(folder, error)
                return None
            lock.seek(0)
            holder = lock.read().strip() or "another process"
            lock.close()
            return holder
        if _same_file(lock, path):  # not one its holder removed as it ended, after this process opened it
            break
        lock.close()
    lock.truncate(0)  # (appends: "a+" writes at the end whatever the position)
    lock.write(f"host {socket.gethostname()}, pid {os.getpid()}\n")
    lock.flush()
    if not _held:
        atexit.register(_release, os.getpid())
    _held[folder.resolve()] = lock
    return None


def _held_by_another(error: OSError) -> bool:
    """lockf's answer that another process holds the lock (EACCES or EAGAIN, as POSIX allows either), not that this
    file system takes no locks (ENOLCK, EOPNOTSUPP: some FUSE and NFS mounts without a lock daemon), which refused
    every run there as held by "another process"."""
    return error.errno in (errno.EACCES, errno.EAGAIN)


def _warn_no_locks(folder: Path, error: OSError) -> None:
    logger.warning(
        f"{folder}: its file system takes no locks ({error.strerror}): a second run started on this folder will not "
        "be refused while this one writes it"
    )


def live_run_holding(folder) -> str | None:
    """The live run (`host node-3, pid 41207`) that holds `folder`'s lock, else None (free, held by this process, no
    folder); a look that holds nothing after and writes nothing (a `.run.lock` a killed run left stays, naming it).
    evaluate.py asks it of its --model, finetune.py of the evaluation folders in its --output_dir: each holds its own
    folder first and looks at the other's after, so of two started together one sees the other and is refused."""
    folder = Path(folder)
    # A live run keeps its lock file: without one there is nothing to look at, and nothing is written in a folder
    # only read (a model in the Hub cache, another user's checkpoint).
    if folder.resolve() in _held or not (folder / RUN_LOCK_FILE).is_file():
        return None
    # a shared lock: two looks at once both pass (with the holder's own exclusive lock, two evaluations of one model
    # started together would each find the other looking, and one be refused as if a run were writing the model)
    try:
        with open(folder / RUN_LOCK_FILE) as lock:
            fcntl.lockf(lock, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except FileNotFoundError:  # no run has held it (a live holder keeps its file until it lets go)
        return None
    except OSError as error:
        if not _held_by_another(error):  # no locks on this file system: none to look at
            return None
        try:
            return (folder / RUN_LOCK_FILE).read_text().strip() or "another process"
        except OSError:  # a folder this user cannot read: no lock to look at
            return None
    return None


def live_evaluation_in(output_dir) -> str | None:
    """The refusal of a fine-tuning run in `output_dir` while evaluate.py is writing one of its evaluation folders
    (`eval_*`, the default beside the model it evaluates), else None. The run would replace the model evaluated, and
    `--overwrite_output_dir` removed the folder it was writing, which the evaluation then wrote again: results of the
    previous model beside the new one."""
    folder = Path(output_dir)
    if not folder.is_dir():
        return None
    for evaluation in sorted(path for path in folder.glob("eval_*") if path.is_dir() and not path.is_symlink()):
        holder = live_run_holding(evaluation)
        if holder:
            return (
                f"--output_dir {folder}: a run that is still alive ({holder}) is writing {evaluation.name}/ there, "
                f"an evaluation of the model this run would replace; wait for it to end, or give another --output_dir"
            )
    return None


def _same_file(lock, path: Path) -> bool:
    try:
        return os.path.samestat(os.fstat(lock.fileno()), os.stat(path))
    except FileNotFoundError:
        return False


def release_output_dir(output_dir) -> None:
    """Give up the lock of `output_dir` (a run refused after taking it), removing its file while still holding it:
    a run that opened the file meanwhile sees it gone and opens it anew (`_same_file`)."""
    lock = _held.pop(Path(output_dir).resolve(), None)
    if lock is not None:
        (Path(output_dir) / RUN_LOCK_FILE).unlink(missing_ok=True)
        lock.close()
    for folder in _made_for.pop(Path(output_dir).resolve(), []):  # innermost first: up to the first one written
        try:
            folder.rmdir()
        except OSError:
            break


def _release(pid: int) -> None:
    if os.getpid() == pid:  # not a forked child exiting: the lock is its parent's
        release_held_output_dirs()


def release_held_output_dirs() -> None:
    """Give up every lock this process holds, their files removed: for an exit that skips atexit (os._exit, as a
    stopped run's, which left a `.run.lock` naming a dead run in the folder it was told to resume)."""
    for folder in list(_held):
        release_output_dir(folder)


def model_code_files() -> set[str]:
    """The model and processor code `save_pretrained` copies beside the weights for `trust_remote_code`."""
    return code_files(models, processing)


def saved_model_code() -> set[str]:
    """Of `model_code_files`, those a saved model and video processor hold (an upload by name takes no other)."""
    from ..models import configuration_vivit, modeling_vivit
    from ..processing import processing_vivit

    return saved_code_files(configuration_vivit, modeling_vivit, processing_vivit)


def previous_run_outputs(output_dir) -> list[Path]:
    """What a previous run (fine-tuning, or an evaluation of its model) left in `output_dir`: its outputs sorted, then
    its model card and code; [] when the folder does not exist or holds none of it (unrelated files alone are no
    run)."""
    folder = Path(output_dir)
    if not folder.is_dir():
        return []
    entries = list(folder.iterdir())
    found = [path for path in entries if _written_by_a_run(path)]
    if not found:
        return []
    companions = model_code_files() | {MODEL_CARD}
    return sorted(found) + sorted(path for path in entries if path.name in companions and path.is_file())


def _written_by_a_run(path: Path) -> bool:
    if path.is_dir() and not path.is_symlink():
        if path.name in RUN_FOLDERS:
            return True
        return path.name.startswith("eval_") and any((path / name).is_file() for name in EVALUATION_FILES)
    return path.name in RUN_FILES or any(path.match(pattern) for pattern in RUN_PATTERNS)


def describe_outputs(outputs: list[Path], shown: int = 8) -> str:
    """`model.safetensors, checkpoints/ (step_4, step_6), eval_test_1x1/, ... and 3 more` for an error message."""
    names = []
    for path in outputs:
        name = path.name + ("/" if path.is_dir() else "")
        if path.name == CHECKPOINTS and path.is_dir():
            kept = [p.name for p in checkpoints_once_saves_finish(path.parent)]
            name += f" ({', '.join(kept)})" if kept else " (unfinished)"
        names.append(name)
    more = len(names) - shown
    return ", ".join(names[:shown]) + (f" and {more} more" if more > 0 else "")


def check_output_dir(output_dir, overwrite: bool, resume: str | None) -> list[Path]:
    """Refuse (ValueError) a run that would replace a previous run's model in `output_dir` and mix its results with
    the new ones; return the previous run's outputs (those `--overwrite_output_dir` removes).

    As transformers' example scripts: a folder holding a previous run needs `--overwrite_output_dir` (start over) or
    `--resume_from_checkpoint` (continue it). Unlike them, a checkpoint found there is not resumed by this check (the
    recipe continues one only for the very command that wrote it), and files the recipe does not write do not count
    (they are left alone)."""
    if overwrite and resume:
        raise ValueError(
            "--overwrite_output_dir removes the checkpoints that --resume_from_checkpoint continues from: give one"
        )
    folder = Path(output_dir)
    problem = output_dir_problem(folder)  # (the other recipes refuse it alike)
    if problem:
        raise ValueError(problem)
    found = previous_run_outputs(folder)
    if resume == "latest" and not found:
        # As transformers' Trainer ("No valid checkpoint found"): asked to continue, a folder with no run in it (a
        # mistyped --output_dir) must not become a whole new run that exits 0. A run stopped before its first
        # checkpoint is refused once every process has said it holds none (`nothing_to_resume`).
        where = "does not exist" if not folder.exists() else "holds no run of this recipe"
        # a folder a new run is refused too (a README.md of the user's) is not offered as one to start it in
        blocking = files_a_run_would_replace(folder) if folder.is_dir() else []
        start = (
            f"give another --output_dir to start a new run (a run there would replace its {', '.join(blocking)})"
            if blocking
            else "drop --resume_from_checkpoint to start a new run there"
        )
        raise ValueError(
            f"--resume_from_checkpoint latest: --output_dir {folder} {where}, so there is no run to continue. "
            f"Check the folder, or {start}"
        )
    if not found:
        refuse_files_a_run_would_replace(folder)
    if not found or overwrite:
        return found
    if resume is None:
        finished = any(path.name in ("model.safetensors", "all_results.json") for path in found)
        # a finished run that kept no checkpoint has nothing to continue: offering it sent users to a second refusal
        carry_on = (
            "Continue it with --resume_from_checkpoint latest, "
            if list_checkpoints(folder) or not finished
            else "It finished and kept no checkpoint to continue from (--checkpointing_steps keeps them): "
        )
        raise ValueError(
            f"--output_dir {folder} already holds a previous run: {describe_outputs(found)}. A new run would replace "
            f"its model and leave its results beside the new ones. {carry_on}"
            f"start over with --overwrite_output_dir (removes these; its model once the new one replaces it; other "
            f"files there stay), "
            f"or give another --output_dir"
        )
    finished = [path for path in found if path.name in ("model.safetensors", "all_results.json")]
    if resume == "latest" and finished and not checkpoints_once_saves_finish(folder):
        # `latest` finds nothing to continue from and would train from scratch over the finished model.
        raise ValueError(
            f"--resume_from_checkpoint latest: {folder} holds a finished run ({describe_outputs(found)}) and no "
            f"checkpoint to continue from; training from scratch would replace its model. Start over with "
            f"--overwrite_output_dir instead, or give another --output_dir"
        )
    return found


def nothing_to_resume(output_dir) -> str:
    """Why `--resume_from_checkpoint latest` is refused where `output_dir` holds a run stopped before its first
    checkpoint (`check_output_dir` refuses a folder with no run, or a finished run, itself). As transformers' Trainer
    refuses it ("No valid checkpoint found in output directory"): started from scratch, such a "resume" took any flags
    and wrote its tracker logs beside the stopped run's. The same command without the flag is the rerun the README
    describes (it goes again from the start, the stopped run's leftovers removed as it starts)."""
    folder = Path(output_dir)
    return (
        f"--resume_from_checkpoint latest: {folder} holds no checkpoint to continue from, only what a run stopped "
        f"before its first one left ({describe_outputs(previous_run_outputs(folder))}). Drop "
        f"--resume_from_checkpoint: the same command as that run starts it again from the start, in place of those; "
        f"with other flags add --overwrite_output_dir, or give another --output_dir"
    )


def files_a_run_would_replace(folder: Path) -> list[str]:
    """The files in `folder` the final save would write over: its README.md and files named as the model code."""
    return [name for name in (MODEL_CARD, *sorted(model_code_files())) if (folder / name).exists()]


def refuse_files_a_run_would_replace(folder: Path) -> None:
    """Refuse (ValueError) a folder holding no run but a file the final save writes: a README.md (the project's own,
    a data set's card) or a file named as the model code (`errors.py`, `sampling.py`). They are no sign of a previous
    run, so nothing else refuses the folder, and the final outputs would replace them (`--output_dir .` in a
    project, or the data set's own folder)."""
    replaced = files_a_run_would_replace(folder)
    if replaced:
        names = ", ".join(replaced)
        raise ValueError(
            f"--output_dir {folder} holds {names}, which no run of this recipe wrote, and the run would replace "
            f"{'it' if len(replaced) == 1 else 'them'} with its model card and code: move "
            f"{'it' if len(replaced) == 1 else 'them'} or give another --output_dir"
        )


def remove_previous_run(output_dir) -> tuple[list[str], list[str]]:
    """Delete what a previous run left in `output_dir` (`previous_run_outputs`), nothing else, but its final model:
    returns (the names removed, the names kept).

    The model (weights, config, processor, card, code, `all_results.json`) stays until the new run's replaces it as a
    whole (`hub.folders.staged_outputs`): deleted at the start, a rerun stopped before its end (a kill, a full disk,
    Ctrl-C) left the folder with no model at all; the plots its card shows stay with it. Checkpoints, logs and
    evaluations of the old model go now: they would otherwise sit beside the new run's."""
    removed, kept = [], []
    for path in previous_run_outputs(output_dir):
        if _final_model_file(path):
            kept.append(path.name)
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
        removed.append(path.name)
    return removed, kept


def removal_said(why: str, removed: list[str], kept: list[str], output_dir) -> str:
    """The log line of `remove_previous_run`'s `(removed, kept)`, `why` the flag or rerun that removed them. Each list
    may be empty (a finished run with no checkpoint nor log leaves its model alone): the line read "removed the
    previous run's nothing else from ...", and "its settings (none) stays" where nothing was kept."""
    # a run stopped before its model was written kept only its settings (run_settings.json): no model
    thing = f"{'model' if 'config.json' in kept else 'settings'} ({', '.join(kept)})"
    stays = "stays until this run's replaces it"
    if not removed:
        return f"{why}: the previous run in {output_dir} left nothing but its {thing}, which {stays}"
    said = f"{why}: removed the previous run's {', '.join(removed)} from {output_dir}"
    return f"{said}; its {thing} {stays}" if kept else said


def _final_model_file(path: Path) -> bool:
    """Whether `path` is one of the files a finished run's final save wrote (what `staged_outputs` replaces)."""
    if not path.is_file():
        return False
    names = {*FINAL_MODEL_FILES, MODEL_CARD, *model_code_files()}
    return path.name in names or any(path.match(pattern) for pattern in FINAL_MODEL_PATTERNS)


def final_outputs_upload_flags(output_dir) -> list[str]:
    """The `hf upload` flags that upload of an --output_dir what a run's end pushes (recipes/finetune.py's
    `not_uploaded`): its final outputs, at the folder's top, less run_settings.json (local paths); not its
    checkpoints, logs, Hub snapshots nor the user's own files there now (`top_level_flags`). By name, as known before
    the run (the push knows what it wrote): the model and processor code too, whose `*.py` took a project's scripts
    with `--output_dir .`, as the push does not."""
    names = sorted({*FINAL_MODEL_FILES, MODEL_CARD, *saved_model_code()} - {RUN_SETTINGS_FILE})
    return top_level_flags(output_dir, (*names, *WEIGHT_PATTERNS, *FINAL_PLOTS), (RUN_SETTINGS_FILE,))


def save_checkpoint(accelerator, output_dir: Path, name: str, state: dict, total_limit: int | None) -> Path:
    """`save_state` into a temporary folder renamed into place, so a kill never leaves a half checkpoint; a checkpoint
    replaced or pruned is renamed out of the list first (one rename) and deleted after, so a kill while deleting never
    leaves a half-deleted one that still reads as a checkpoint; what a kill left between the two is put in place or
    removed as the next save starts (`finish_interrupted_saves`). Without an --output_dir every machine shares, each
    machine's main process does all this in its own folder (`checkpoint_writer`)."""
    root = output_dir / CHECKPOINTS
    writer = checkpoint_writer(accelerator)  # the main process, or each machine's without a shared --output_dir
    final, tmp = root / name, root / f".tmp-{name}"
    if writer:  # no process is writing into checkpoints/ here: the previous save ended with every process waiting
        finish_interrupted_saves(output_dir)
        shutil.rmtree(tmp, ignore_errors=True)
        root.mkdir(parents=True, exist_ok=True)
    accelerator.wait_for_everyone()
    with refused_when_full(output_dir, f"checkpoint {name}"):
        accelerator.save_state(str(tmp))
    accelerator.wait_for_everyone()
    if writer:
        umask_modes(tmp)  # before the state file, written last: a whole `.tmp-` is put in place as it is
        with refused_when_full(output_dir, f"checkpoint {name}"):
            on_disk(*_files_and_folders(tmp))  # what save_state wrote, before the state file that says it is whole
            (tmp / STATE_FILE).write_text(json.dumps({**state, SAVED_AT: time.time()}, indent=2))
            on_disk(tmp / STATE_FILE, tmp)
        replaced = retire(final) if final.exists() else None
        os.replace(tmp, final)
        on_disk(root)  # the rename, before any older checkpoint goes
        pruned = [retire(old) for old in (_oldest_first(output_dir, final)[:-total_limit] if total_limit else [])]
        for retired in filter(None, [replaced, *pruned]):
            shutil.rmtree(retired, ignore_errors=True)
    accelerator.wait_for_everyone()
    return final


# Under this many bytes free, a save that failed is taken to have failed for want of room (a full disk leaves a few
# blocks at most: 0 of a full tmpfs, measured).
FULL_DISK_BYTES = 1 << 20


@contextmanager
def refused_when_full(output_dir, what: str):
    """Within it, a save into `output_dir` (`what`: `checkpoint step_4`, the best model's snapshot, the final model)
    that fails on a full disk ends the run with one line (SystemExit, status 1) saying so, the last whole checkpoint
    and how to go on; any other error keeps its traceback.

    Neither torch nor safetensors say "no space" as an OSError: a full disk was torch's `RuntimeError: [enforce fail
    at inline_container.cc:672] . unexpected pos 5120 vs 5012` (or safetensors' "I/O error: No space left on device"),
    a traceback read as a bug, saying neither that the disk was full nor that the previous checkpoint was whole and
    resumable. So the disk's free space is looked at once a save has failed, and the error's ENOSPC where it says one
    (`_no_space`)."""
    try:
        yield
    except Exception as error:
        root = Path(output_dir) / CHECKPOINTS
        try:
            usage = shutil.disk_usage(root if root.is_dir() else output_dir)
        except OSError:
            raise error from None
        # a file system that says no size (ramfs, a tmpfs of size=0, a FUSE one without statfs: 0 of 0 bytes free,
        # measured) is full only where the error says so: any other failure of a save there read as a full disk
        full = usage.total > 0 and usage.free < FULL_DISK_BYTES
        if not full and not _no_space(error):
            raise
        free = usage.free
        said = f"{type(error).__name__}: {error}".splitlines()[0]
        kept = checkpoints_once_saves_finish(output_dir)
        go_on = (
            f"the last checkpoint, {kept[-1]}, is kept: make room, and the same command again (without any "
            "--overwrite_output_dir) continues from it"
            if kept
            else "no checkpoint was kept: make room and run the command again"
        )
        raise SystemExit(
            f"error: the disk of {output_dir} is full ({free} bytes free now): {what} was not written "
            f"({said}); {go_on} (what it left half written goes as it starts)"
        ) from None


def _no_space(error: Exception) -> bool:
    """Whether `error` says ENOSPC: an OSError's errno, or its words in safetensors' SafetensorError ("I/O error: No
    space left on device (os error 28)"). safetensors removes the file it could not finish, giving its room back: a
    2.5 MB model.safetensors on a 1 MiB tmpfs left exactly 1 MiB free (measured), which the free space alone took for
    another failure, keeping the traceback."""
    return getattr(error, "errno", None) == errno.ENOSPC or os.strerror(errno.ENOSPC) in str(error)


def on_disk(*paths: Path) -> None:
    """fsync each of `paths` (a file's data, a folder's entries), in that order.

    Written and renamed, a checkpoint was in the page cache alone: a power loss or a machine's crash before the kernel
    wrote it back (seconds to half a minute later) could leave the rename on disk and files empty or cut short, a
    checkpoint taken as whole (its state file there) that no longer loads, the older ones pruned meanwhile. Neither
    accelerate's `save_state`, safetensors nor transformers' Trainer fsync; torch.distributed.checkpoint does
    (`sync_files`, its metadata file last), as here: the state file only once what it vouches for is on disk. Its
    cost, measured on a ViViT-B checkpoint (ext4 on a virtual disk): 0.3 s for the 350 MB model, 0.8 s with the
    AdamW state (1.05 GB), once a checkpoint. A write error kept back until now (NFS, a full disk) is raised here,
    before the checkpoint is said whole."""
    for path in paths:
        _fsync(path)


def _files_and_folders(folder: Path) -> list[Path]:
    """The files under `folder`, then the folders under it (deepest first: each after what it names), then itself."""
    below = sorted(folder.rglob("*"), key=lambda path: -len(path.parts))
    return [path for path in below if path.is_file() and not path.is_symlink()] + [
        *(path for path in below if _a_folder(path)),
        folder,
    ]


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError as error:
        if error.errno not in (errno.EINVAL, errno.ENOTSUP):  # (a file system that syncs nothing: no error to miss)
            raise
    finally:
        os.close(fd)


def finish_interrupted_saves(output_dir) -> list[str]:
    """Put in place what a killed `save_checkpoint` had written whole, and remove what it left half written; logs
    and returns the lines saying what it did. Only for the process that writes checkpoints (`checkpoint_writer`),
    while no save is under way: as a save starts, and as a run that holds the folder (`hold_output_dir`) starts, once
    every refusal is taken (recipes/finetune.py's `ready_output_dir`).

    A `.tmp-<name>` with its STATE_FILE is whole: the file is written last, once every process's `save_state` has
    returned (as transformers' Trainer writes its trainer_state.json last). A kill after it and before the rename left
    no `<name>` where the name was new, or where it was saved again (a resumed run's `step_N`, an `epoch_N`): the old
    one renamed to `.old-<name>` first. The next save deleted `.old-*`, and kept the `.tmp-` of another name unlisted
    for good: both the newest checkpoint and the one it replaced were lost, and `latest` resumed an older one (or
    none). It is renamed into place now, in place of a `<name>` there (the older save it was replacing). Every other
    `.tmp-*` is half a save (removed only when its own name was saved again: with another --checkpointing_steps, a
    whole checkpoint's worth of disk for good) and every `.old-*` a checkpoint being deleted, pruned or replaced: it
    may be half deleted with its STATE_FILE still there, so it is never restored. Both are removed."""
    root = Path(output_dir) / CHECKPOINTS
    said = []
    for tmp in sorted(root.glob(".tmp-*")):
        final = root / tmp.name.removeprefix(".tmp-")
        if _whole(tmp):  # the save's own intent: a `<name>` there is the older save it was replacing
            replaced = retire(final) if final.exists() else None  # two renames, as a save does
            os.replace(tmp, final)
            if replaced:
                shutil.rmtree(replaced, ignore_errors=True)
            said.append(f"{final}: put in place, whole as a save interrupted before its rename had written it")
    leftovers = [path for pattern in (".tmp-*", ".old-*") for path in sorted(root.glob(pattern)) if _a_folder(path)]
    for leftover in leftovers:  # (one that cannot be removed whole stops no save: it is tried again at the next)
        shutil.rmtree(leftover, ignore_errors=True)
    if removed := [path.name for path in leftovers if not path.exists()]:
        said.append(f"{root}: removed what interrupted saves and deletions left there ({', '.join(removed)})")
    for line in said:
        logger.warning(line)
    return said


def checkpoints_once_saves_finish(output_dir) -> list[Path]:
    """`list_checkpoints` as the next run finds it, once `finish_interrupted_saves` has put each whole `.tmp-<name>` in
    place as `<name>`: a stop between a save's two renames was said to keep the older checkpoint, where the next run
    resumes the newer one."""
    root = Path(output_dir) / CHECKPOINTS
    whole = [tmp for tmp in root.glob(".tmp-*") if _whole(tmp)]
    finals = {root / tmp.name.removeprefix(".tmp-") for tmp in whole}
    found = sorted([c for c in list_checkpoints(output_dir) if c not in finals] + whole, key=saved_order)
    return [root / c.name.removeprefix(".tmp-") for c in found]


def saved_in(checkpoint: Path, output_dir) -> Path:
    """Where `checkpoint`'s files lie until `finish_interrupted_saves` puts it in place: the `.tmp-<name>` a save killed
    between its renames left whole beside it in `output_dir`'s checkpoints/, else `checkpoint` itself (one elsewhere,
    another run's, is not put right by this run). A run's refusals are taken on its folder as
    `checkpoints_once_saves_finish` sees it, and nothing is put in place before they all are: a run refused (another
    command's folder) had already renamed a killed save and deleted what a pruning left."""
    checkpoint = Path(checkpoint)
    tmp = checkpoint.with_name(f".tmp-{checkpoint.name}")
    ours = checkpoint.parent.resolve() == (Path(output_dir) / CHECKPOINTS).resolve()
    return tmp if ours and _whole(tmp) else checkpoint


def _a_folder(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink()  # (a link is no save's: a user's, left alone)


def _whole(checkpoint: Path) -> bool:
    """Whether `checkpoint` is a folder holding a STATE_FILE that reads (one cut short by a kill does not)."""
    if not _a_folder(checkpoint):
        return False
    try:
        return isinstance(steps_of(checkpoint), int)
    except (OSError, ValueError, KeyError, TypeError):
        return False


def torn_files(checkpoint: Path) -> list[str]:
    """The files of accelerate's `save_state` in `checkpoint` that are cut short, as `name (N bytes)`: a safetensors
    file whose header its data does not fill (safetensors' own check, as `safe_open` reads it), a `torch.save` file
    (optimizer.bin, random_states_0.pkl, ...) without the end of its zip archive.

    A save writes them whole (synced before its state file), but a checkpoint copied to another machine or disk (as a
    run is moved) by a copy stopped midway holds its state file beside files cut short: `latest` resumed it, and the
    run died in a traceback once the data set had loaded (safetensors' "incomplete metadata, file not fully covered",
    torch's "failed finding central directory"), naming neither the file nor the checkpoint."""
    from safetensors import safe_open

    torn = []  # (only a safetensors header, a zip's end record, is read: 12 ms for 2 GiB of files, measured)
    for path in sorted(Path(checkpoint).iterdir()):
        if not path.is_file() or path.suffix not in (".safetensors", ".bin", ".pkl", ".pt"):
            continue
        if path.suffix == ".safetensors":
            try:
                with safe_open(str(path), framework="pt"):
                    continue
            except Exception:  # noqa: BLE001 - safetensors' SafetensorError, or an OSError reading it
                pass
        elif zipfile.is_zipfile(path):
            continue
        torn.append(f"{path.name} ({path.stat().st_size} bytes)")
    return torn


def unreadable_checkpoint(output_dir) -> str | None:
    """The refusal of a run into `output_dir` whose checkpoints/ holds a checkpoint with a state file that does not
    read (cut short: a copy stopped midway, as a run is moved), else None. Every look at the run's checkpoints (the
    refusal of a previous run, `latest`, the same command again) died in a JSONDecodeError traceback ("Unterminated
    string starting at: line 1 column 2"), naming no file; not listed, `latest` would go back past it in silence."""
    root = Path(output_dir) / CHECKPOINTS
    # the folders `list_checkpoints` reads, links too (a checkpoint linked from a bigger disk is listed and read)
    folders = sorted(path for path in root.glob("*") if path.is_dir() and not path.name.startswith("."))
    for checkpoint in (path for path in folders if (path / STATE_FILE).is_file()):
        try:
            saved_order(checkpoint)
        except (OSError, ValueError) as error:  # (JSON cut short; another tool's state keeps its own error)
            return (
                f"--output_dir {output_dir}: {checkpoint / STATE_FILE} does not read ({type(error).__name__}: "
                f"{error}), so {checkpoint.name} is no checkpoint that can be resumed (a copy stopped midway?): copy "
                f"it again, or move {checkpoint} away to go on from the others"
            )
    return None


def missing_random_state(checkpoint: Path, ranks: range) -> str | None:
    """The warning for a `checkpoint` that holds other processes' random states but not all of `ranks`' (this
    machine's processes: its main process alone says it), else None.

    Without a folder every machine shares, each machine's checkpoint holds only its own processes' states; copied
    from rank 0's folder to another machine, rank 1 found no `random_states_1.pkl` and accelerate's `load_state` said
    only, at INFO, "Could not load random states": it went on from the seed's draws, not the checkpoint's. Each of
    the machine's files is named: one named alone (its main process's), the others copied stayed missing unsaid."""
    states = sorted(path.name for path in Path(checkpoint).glob("random_states_*.pkl"))
    missing = [f"random_states_{rank}.pkl" for rank in ranks if f"random_states_{rank}.pkl" not in states]
    if not states or not missing:
        return None
    return (
        f"{checkpoint} holds no {', '.join(missing)} (it holds {', '.join(states)}): the processes without theirs go "
        "on with the random draws of the seed (dropout, stochastic depth), not those their run had reached; each "
        "machine's own folder holds its processes' states: copy them from the one of the machine that ran those ranks"
    )


def trained_runs(state: dict) -> list[dict]:
    """The runs whose steps a checkpoint's `trainer_state` holds, oldest first, as the model card's recipe table takes
    them (`build_model_card`'s `training_runs`): a resume may change the learning rate, augmentations and schedule, and
    the card showed the last command's flags, those of a resume that trained no step too. A checkpoint of an older
    version recorded only its last run's settings: its steps are taken as one run of those (the values it recorded)."""
    if "runs" in state:
        return state["runs"]
    groups = state.get("settings") or {}
    recorded = {name: value for group in groups.values() for name, value in group.items() if value is not None}
    settings = recipe_settings(recorded)
    return [{"first_step": 0, "settings": settings}] if settings and state.get("completed_steps") else []


def _oldest_first(output_dir: Path, saved: Path) -> list[Path]:
    """The checkpoints in the order the limit removes them, `saved` (the one just saved) last. Checkpoints of later
    steps than it are of a run this one went back on (resumed from an earlier checkpoint of it): they come first, and
    so do others of its step (`epoch_1` of that run where this one, resumed with another --checkpointing_steps, saved
    `step_20`). Ranked by step alone, the checkpoint just saved ranked below them and was the one deleted, the run
    kept none of its own and `latest` resumed the run it had gone back on."""
    found = list_checkpoints(output_dir)
    later = [path for path in found if path != saved and steps_of(path) >= steps_of(saved)]
    return later + [path for path in found if path not in later and path != saved] + [saved]


def retire(checkpoint: Path) -> Path:
    """Rename `checkpoint` to `.old-<name>` (no longer listed, nor loaded), for deleting: deleted in place, a kill
    midway left a folder of that name that still read as whole."""
    retired = checkpoint.with_name(f".old-{checkpoint.name}")
    shutil.rmtree(retired, ignore_errors=True)
    os.replace(checkpoint, retired)
    return retired


def save_pretrained(model, folder, **kwargs) -> None:
    """`model.save_pretrained(folder, **kwargs)`, also for a model sharded by FSDP2.

    `fully_shard` (what accelerate's FSDP plugin applies) swaps in a subclass of the model's class defined in a torch
    module; transformers would copy that torch module into the folder as the model code and name the wrapper in
    `auto_map`, so the folder would not load with `trust_remote_code`. Such a model is saved through a stand-in of
    its own class built on the meta device (no memory), which needs the full `state_dict`
    (`accelerator.get_state_dict(model)`, a collective every rank calls).
    """
    own_class = next(c for c in type(model).__mro__ if not c.__module__.startswith("torch."))
    if own_class is not type(model):
        if kwargs.get("state_dict") is None:
            raise ValueError(f"{type(model).__name__} is sharded: pass its full state_dict to save it")
        with torch.device("meta"):
            model = own_class(model.config)
    model.save_pretrained(folder, **kwargs)
