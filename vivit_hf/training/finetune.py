# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""What `recipes/finetune.py` is built of: the data, processor, data sets and loaders, the model (fresh, from an
image ViT or from a ViViT checkpoint), the loss and evaluation. The script keeps the training loop; everything here
is importable and tested on its own.

Its flags (a paper preset's values as defaults) live in `finetune_flags`, the settings a run records and the checks of
a resume in `resume`; their names are imported here too, where scripts imported them from before.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import dataclasses
import hashlib
import json
import logging
import math
import os
import re
import socket
import stat
import tempfile
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from accelerate.logging import get_logger
from accelerate.utils import DistributedType
from transformers import AutoConfig

from ..conversion.restart import OtherWidthError, from_vivit_checkpoint
from ..conversion.vit_init import ViTInitError
from ..conversion.vit_init.embeddings import ARP_OF_ONE_FRAME
from ..models.modeling_vivit import VIVIT_MODELS, multi_head_cross_entropy
from ..processing.processing_vivit import ViViTVideoProcessor
from ..processing.processor_options import clip_size_refusal
from .data import SYNTHETIC, DatasetFormatError, VideoClassificationData, open_video_dataset, source_options
from .data.dataset import (
    EpochShuffleSampler,
    NoDecodableClipError,
    ProcessorOptionError,
    VideoClassificationDataset,
    collate_videos,
    describe_example,
    share_parent_memory,
)
from .data.examples import example_labels, quoted
from .data.formats import hold_out, sample_subset
from .data.streaming import (
    StreamingLoader,
    StreamingVideoDataset,
    open_streaming_dataset,
    warn_classes_a_cut_leaves_out,
)
from .data.subsets import classes_carried, classes_left_out

# The command line moved to finetune_flags; its names stay importable from here, where scripts, tests and the
# recipes imported them from (`_at_least` is `at_least` there, public: recipes/evaluate.py uses it)
from .finetune_flags import (  # noqa: F401
    MODELS,
    SCHEDULERS,
    _bool,
    _checkpointing_steps,
    at_least,
    build_parser,
    check_config_overrides,
    check_model_config,
    check_processor_flags,
    check_torch_compile,
    data_flag_unused,
    ignored_by_checkpoint,
    launcher_mixed_precision,
    missing_paths,
    model_config_overrides,
    parse_args,
    preset_given,
    unavailable_tracker,
    unmatched_prefixes,
    unused_flag,
)
from .finetune_flags import at_least as _at_least  # noqa: F401
from .flags import HUB_SOURCE_ERRORS, is_hub_failure, refused_processor_config, vit_init_in_flag_words
from .layer_decay import groups_by_depth
from .metrics import evaluation_metrics, predict
from .multi_label import PROBLEM_TYPE as MULTI_LABEL
from .multi_label import multi_label_metrics, score_name
from .presets import MODEL_SIZES, PRESETS, preset_model_fields  # noqa: F401 (PRESETS: read here by older tests)

# The run settings and the checks of a resume moved to resume; their names stay importable from here, where scripts,
# tests and the recipes imported them from
from .resume import (  # noqa: F401
    BATCH_SETTINGS,
    CLIP_SETTINGS,
    MEASURED_SETTINGS,
    MODEL_SETTINGS,
    OPERATIONAL_FLAGS,
    OTHER_SETTINGS,
    RESTORED_SETTINGS,
    apply_resumed_hyperparameters,
    args_as_trained,
    check_resume_clips,
    check_resume_labels,
    check_resume_settings,
    dataset_folder,
    held_out_digest,
    recorded_held_out_digest,
    recorded_settings,
    renumber_as_checkpoint,
    run_settings,
    same_setting,
    same_settings,
    settings_as_trained,
    settings_as_typed_here,
)

logger = get_logger(__name__)


def batch_beyond_the_data(args: argparse.Namespace, num_train: int, num_processes: int) -> str | None:
    """A warning when the total batch is more clips than the training set holds, else None: each optimiser step then
    sees the whole set at most (one step an epoch), not the batch the log, all_results.json and the card say. A
    paper preset's 64 on a small folder of the user's, or a per-device batch above its size, trained so silently."""
    total = args.effective_total_batch_size
    if num_train >= total:
        return None
    setup = (
        f"--per_device_train_batch_size {args.per_device_train_batch_size} x {num_processes} "
        f"process{'es' * (num_processes != 1)} x accumulation {args.gradient_accumulation_steps}"
    )
    return (
        f"the total batch of {total} ({setup}) is more than the {num_train} training clip{'s' * (num_train != 1)}: "
        f"every optimiser step sees {num_train} at most, one step an epoch, though the log and all_results.json say "
        f"{total} (the model card's recipe table says both); "
        f"{batch_that_fits(num_train, args.per_device_train_batch_size, num_processes)}"
    )


def warmup_beyond_the_run(args: argparse.Namespace, warmup: int) -> str | None:
    """A warning when the learning-rate warm-up is as long as the run or longer, else None: the rate then rises all
    run and never reaches --learning_rate (a paper preset's 2.5 warm-up epochs under a short --max_train_steps or
    --num_train_epochs trained so silently). `constant` has no warm-up."""
    total = args.max_train_steps
    if warmup < total or args.lr_scheduler_type == "constant":
        return None
    given = (
        f"--num_warmup_steps {warmup}"
        if args.num_warmup_steps is not None
        else f"--warmup_epochs {args.warmup_epochs:g}: {warmup} step{'s' * (warmup != 1)}"
    )
    # (a warm-up's first step is at rate 0: a run of one step, a tiny data set's one epoch, does not train at all)
    last = args.learning_rate * (total - 1) / warmup
    happens = (
        "so its only optimiser step trains at learning rate 0: the model does not learn"
        if total == 1
        else f"so the learning rate climbs from 0 all run to {last:.3g} at the last step and never reaches "
        f"--learning_rate {args.learning_rate:g}"
    )
    return (
        f"the learning-rate warm-up ({given}) is as long as the whole run ({total} optimiser "
        f"step{'s' * (total != 1)}) or longer, {happens}. To fix it, pass a smaller --num_warmup_steps or "
        "--warmup_epochs (0: no warm-up), or train longer (--num_train_epochs, --max_train_steps)"
    )


def warmup_overridden(args: argparse.Namespace) -> str | None:
    """A warning when --num_warmup_steps and --warmup_epochs are both typed (a preset's --warmup_epochs is a default,
    not typed), else None: the steps win, as its help says, and the dropped epochs are said, as
    transformers' TrainingArguments says "Both warmup_ratio and warmup_steps given, warmup_steps will override any
    effect of warmup_ratio during training"."""
    if args.num_warmup_steps is None or not getattr(args, "warmup_epochs_typed", False):
        return None
    return (
        f"both --num_warmup_steps {args.num_warmup_steps} and --warmup_epochs {args.warmup_epochs:g} given: the "
        f"warm-up is --num_warmup_steps' {args.num_warmup_steps} steps, and --warmup_epochs has no effect"
    )


def restarts_without_a_restart(args: argparse.Namespace) -> str | None:
    """A warning for `cosine_with_restarts`, else None: at transformers' default of one cycle (`num_cycles`, which the
    recipe has no flag for) it is the cosine schedule, rate for rate, with no restart, which nothing said."""
    if args.lr_scheduler_type != "cosine_with_restarts":
        return None
    return (
        "--lr_scheduler_type cosine_with_restarts runs transformers' default of one cycle (num_cycles, which this "
        "recipe has no flag for): the cosine schedule, rate for rate, without a restart"
    )


def build_lr_scheduler(args: argparse.Namespace, optimizer, warmup: int, num_processes: int):
    """transformers' `get_scheduler` for accelerate's prepared scheduler, which steps it once per process at each
    optimiser step (a process's batch is a share of the step's): every length in steps is the processes' times. So is
    `inverse_sqrt`'s timescale (its warm-up's steps, or transformers' 10,000 without one), which was left at 10,000
    without a warm-up: on 2 processes the rate decayed as one process's (and Trainer's) at twice the step, 0.447 for
    0.577 at step 20,000."""
    # imported here, not at the top: transformers.optimization imports peft (seconds), which nothing else of a
    # refused command's imports brings in (tests/test_entry_point_imports.py)
    from transformers import get_scheduler

    specific = {"timescale": (warmup or 10_000) * num_processes} if args.lr_scheduler_type == "inverse_sqrt" else {}
    return get_scheduler(
        args.lr_scheduler_type,
        optimizer=optimizer,
        num_warmup_steps=warmup * num_processes,
        num_training_steps=args.max_train_steps * num_processes,
        scheduler_specific_kwargs=specific,
    )


def batch_that_fits(num_train: int, per_device: int, num_processes: int) -> str:
    """The batch flags of the largest total batch of at most `num_train` clips on this launch, as the warning's advice.
    It said 'a --total_batch_size (or --per_device_train_batch_size) of at most N', which a typed
    --gradient_accumulation_steps contradicts (refused), a total no per-step batch divides is refused as unreachable,
    and a per-device batch already below N leaves unchanged: typed per-device batch and accumulation decide alone."""
    per_device = per_device if per_device * num_processes <= num_train else num_train // num_processes
    if per_device < 1:
        return f"with {num_processes} processes no batch fits {num_train} clips: launch at most {num_train}"
    accumulation = num_train // (per_device * num_processes)
    return (
        f"--per_device_train_batch_size {per_device} --gradient_accumulation_steps {accumulation} (a total batch of "
        f"{per_device * num_processes * accumulation}; leave --total_batch_size out) trains with the batch it says"
    )


def resolve_batch_size(args: argparse.Namespace, num_processes: int) -> tuple[int, int, str | None]:
    """(gradient accumulation steps, effective total batch, warning or None) for this launch.

    The total batch is per-device batch x processes x accumulation, so only multiples of per-device x processes are
    reachable. A `--total_batch_size` typed on the command line that is not one is refused (ValueError naming the
    nearest reachable totals and the per-device batches that reach it exactly); a preset's default is approximated by
    the nearest reachable total, with a warning. `--gradient_accumulation_steps`, when given, decides alone (a typed
    total it contradicts is refused)."""
    per_device = args.per_device_train_batch_size
    per_step = per_device * num_processes
    total = args.total_batch_size
    typed = getattr(args, "total_batch_size_typed", False)
    setup = f"--per_device_train_batch_size {per_device} x {num_processes} process{'es' * (num_processes != 1)}"
    if args.gradient_accumulation_steps is not None:
        effective = per_step * args.gradient_accumulation_steps
        if typed and total != effective:
            raise ValueError(
                f"--total_batch_size {total} contradicts --gradient_accumulation_steps "
                f"{args.gradient_accumulation_steps}: {setup} x {args.gradient_accumulation_steps} = {effective}; "
                f"give only one of them"
            )
        return args.gradient_accumulation_steps, effective, None
    if total is None or total % per_step == 0:
        accumulation = 1 if total is None else total // per_step
        return accumulation, per_step * accumulation, None
    lower, upper = (total // per_step) * per_step, (total // per_step + 1) * per_step
    reachable = [t for t in (lower, upper) if t > 0]
    nearest = " or ".join(f"{t} (accumulation {t // per_step})" for t in reachable)
    exact = [d for d in range(1, total + 1) if total % (d * num_processes) == 0]
    if exact:
        # The largest per-device batches first: the fewest accumulation steps.
        options = ", ".join(
            f"{d} (accumulation {total // (d * num_processes)})" for d in sorted(exact, reverse=True)[:4]
        )
        how = f"to train with {total} exactly, change --per_device_train_batch_size to one of {options}"
    else:
        how = f"{total} is not a multiple of {num_processes} processes: no per-device batch reaches it on this launch"
    message = f"{total} is not reachable with {setup} = {per_step} per step: nearest are {nearest}; {how}"
    if typed:
        raise ValueError(f"--total_batch_size {message}")
    accumulation = max(1, round(total / per_step))
    effective = per_step * accumulation
    return (
        accumulation,
        effective,
        f"the preset's total batch {message}. Training with a total batch of {effective} instead.",
    )


# ------------------------------------------------------------------------------------------------ data
@contextmanager
def main_process_first(accelerator):
    """The main process (rank 0) first, then each other machine's main process (its local rank 0), then the rest: what
    the first on a machine found (a data set downloaded or prepared, a stream's shards read: `kept_scans`) is in that
    machine's cache for the others to read back, and in every machine's where the cache is shared. accelerate's
    `main_process_first` lets rank 0 alone go first: on machines of their own caches every process then read every
    shard at once (Kinetics' 240 000 clips: each of a machine's 8 processes walked its 1.4 GB of tars); its
    `local_main_process_first` lets each machine's go at once: a shared cache was read by every machine.

    A data set the first could not open for a reason every process shares (a Hub id not fetched, a folder not in its
    `--dataset_format`) still lets the others go, to find the same and end in the same line: accelerate's left them in
    its barrier, to die in a gloo traceback when the main process exited (on NCCL, to hang). Any other error (a bug)
    keeps them there, as before.

    The rest open the data with its warnings held back (`data_warnings_held`): what the open finds (clips missing,
    listed twice, copies of one file) is the same on every process of a machine, and its first has said it."""
    if getattr(accelerator, "num_processes", 1) == 1:  # one process (or a one-process stand-in): nobody waits
        with accelerator.main_process_first():
            yield
        return
    # Every process passes the same two barriers (on one machine too: whether a run spans machines is each
    # launcher's to say), the stage it works in between them: 0 rank 0, 1 another machine's main process, 2 the rest.
    stage = 0 if accelerator.is_main_process else 1 if accelerator.is_local_main_process else 2
    for _ in range(stage):
        accelerator.wait_for_everyone()
    try:
        with data_warnings_held(stage == 2):
            yield
    except (DatasetFormatError, *HUB_SOURCE_ERRORS) as error:
        if isinstance(error, DatasetFormatError) or is_hub_failure(error):
            for _ in range(2 - stage):
                accelerator.wait_for_everyone()
        raise
    for _ in range(2 - stage):
        accelerator.wait_for_everyone()


def read_once_per_machine(accelerator, read, source: str | None = None):
    """`read()` (a folder data set's read: its walk, a stat per clip) on each machine's first process alone, in
    `main_process_first`; the machine's other processes take what it read from a file it writes for them (JSON in a
    folder of the machine's temporary folder that only this user can write, removed once they have it): the same
    clips, classes and order. Every process read the whole folder itself, one after the other: Kinetics' 248 000
    clips, 30-45 s a read, 8 processes a machine reading it 8 times before step 1, 8x the metadata load on a network
    file system.

    The file is named by the run (its launcher's rendezvous: `MASTER_ADDR`, `MASTER_PORT`, torchrun's run id, restart
    and machine rank; the launcher process, the parent of the machine's processes), the machine and `source` (the
    data set's real path: processes reading other copies, at a path relative to each one's folder, read their own, as
    their check of the clips (`agree_on_examples`) needs). A process that finds no file (a launcher that sets none of
    those, or a process of its own; a temporary folder of its own; a data set whose splits are not lists of clips (a
    Hub set: `datasets` keeps its own cache); a read its first process refused) reads for itself, as before."""
    if getattr(accelerator, "num_processes", 1) == 1:
        with main_process_first(accelerator):
            return read()
    handoff = machine_handoff(source)
    first = accelerator.is_local_main_process
    with main_process_first(accelerator):
        if first:
            if handoff is not None:
                handoff.unlink(missing_ok=True)  # (one an earlier run of this rendezvous left: never read)
            data = read()
            # (plain lists of clips: a list of its own kind would come back from JSON a plain one, its own ways lost)
            if handoff is not None and all(type(split) is list for split in data.splits.values()):
                write_handoff(handoff, data)
        else:
            data = read_handoff(handoff)
            if data is None:
                data = read()
    accelerator.wait_for_everyone()  # (every process of the machine has read the file)
    if first and handoff is not None:
        handoff.unlink(missing_ok=True)
    return data


def machine_handoff(source: str | None) -> Path | None:
    """The file `read_once_per_machine` hands a machine's read over in (None: no run to name it by, or no folder
    of this user's own to put it in)."""
    run = [os.environ.get(name) for name in ("MASTER_ADDR", "MASTER_PORT", "TORCHELASTIC_RUN_ID")]
    if source is None or not run[1]:
        return None
    folder = private_temporary_folder()
    if folder is None:
        return None
    # (the launcher's pid: two launchers of one rendezvous on one machine, or one crashed and run again, never meet;
    # torchrun's machine rank: nor two machines of one name sharing a temporary folder, containers of one host's)
    launch = ("TORCHELASTIC_RESTART_COUNT", "GROUP_RANK")
    run += [*map(os.environ.get, launch), os.getppid(), socket.gethostname()]
    name = hashlib.sha256(json.dumps([*run, os.path.realpath(source)]).encode()).hexdigest()[:32]
    return folder / f"clips-{name}.json"


def private_temporary_folder() -> Path | None:
    """`<temporary folder>/vivit_hf-<uid>`, made readable and writable by this user alone; None where it is not so
    (another user's, a link, open to others) or cannot be made. The temporary folder is everyone's: a file at a name
    any user can work out there is one another user can put first, or swap in while the first process reads."""
    if not hasattr(os, "getuid"):  # (Windows: no owner to check; each process reads for itself)
        return None
    folder = Path(tempfile.gettempdir()) / f"vivit_hf-{os.getuid()}"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        status = folder.lstat()
    except OSError:
        return None
    if not stat.S_ISDIR(status.st_mode) or status.st_uid != os.getuid() or status.st_mode & 0o077:
        logger.warning(
            f"{folder} is not a folder of this user's alone (owner uid {status.st_uid}, mode "
            f"{stat.filemode(status.st_mode)}): each process reads the data set itself; remove it to let a machine's "
            "first process hand its read over to the others"
        )
        return None
    return folder


def write_handoff(path: Path, data) -> None:
    """`data` as JSON at `path`, made new (no file or link there is written through), where JSON gives it back as
    it is; else nothing, and each process reads for itself."""
    state = {field.name: getattr(data, field.name) for field in dataclasses.fields(data)}
    try:
        text = json.dumps(state)
        if json.loads(text) != state:  # (a tuple read back as a list, a key not a string: not the same read)
            raise ValueError("JSON does not give it back as it is")
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        with open(descriptor, "w", encoding="utf-8") as file:
            file.write(text)
    except (OSError, TypeError, ValueError) as error:
        with contextlib.suppress(OSError):  # (a bug or a full disk here must not leave the others at the barrier)
            path.unlink(missing_ok=True)
        logger.info(f"the data set read is not handed to this machine's other processes ({error}): each reads it")


def read_handoff(path: Path | None) -> VideoClassificationData | None:
    """What `write_handoff` wrote at `path`; None where there is none, or it is not a regular file of this user's."""
    if path is None:
        return None
    try:
        with open(os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)), encoding="utf-8") as file:
            status = os.fstat(file.fileno())
            if status.st_uid != os.getuid() or not stat.S_ISREG(status.st_mode):
                return None
            return VideoClassificationData(**json.load(file))
    except (OSError, ValueError, TypeError):
        return None


# The data package's loggers (`vivit_hf.training.data.*`): plain `logging` loggers, which every process writes.
DATA_LOGGER = "vivit_hf.training.data"


@contextmanager
def data_warnings_held(held: bool):
    """Within it, where `held`, the data package says only its errors: a process after its machine's first, opening
    the data the first has opened and spoken of. Else every process would say every warning of the open (16 copies of
    each on 2 machines x 8 GPUs), and look for what they name: `warn_repeated_clips` stats every clip and hashes
    the files of one size (7.5 of the 25 s an open of Kinetics' 240 000 clips took, on every process), and does
    nothing where its logger would say nothing. Refusals are errors, raised on every process; a clip a
    DataLoader worker finds broken is named by the process that reads it (the data sets are read after this)."""
    if not held:
        yield
        return
    data_logger = logging.getLogger(DATA_LOGGER)
    level = data_logger.level
    data_logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        data_logger.setLevel(level)


def evaluated_split(args, data) -> str | None:
    """The split of `data` fine-tuning evaluates: `--eval_split` as the data set names it (`val`: its `validation`),
    else the data set's default evaluation split; None where it has none (a share of `--train_split` is held out).
    A checkpoint records it (`check_resume_evaluated_split`): with --eval_split left out, it is the data set's."""
    return data.split_name(args.eval_split) if args.eval_split else data.default_eval_split


def warn_evaluating_the_training_split(args, data, eval_split: str) -> None:
    """Warn where the split evaluated is the one trained on (`--eval_split train`, or `--train_split validation`,
    whose default evaluation split is that one): every accuracy the run logs, records in all_results.json and
    publishes in its model card's results, and the best model chosen by them, is of clips it trains on. It said
    nothing, where evaluate.py warns of the same split ("its accuracy there is not a test of it")."""
    if data.split_name(args.train_split) != eval_split:
        return
    typed = f"--eval_split {args.eval_split}" if args.eval_split else f"the default evaluation split ({eval_split})"
    logger.warning(
        f"{typed} is the split trained on (--train_split {args.train_split}): every "
        f"{score_name(data.multi_label)} this run reports, and "
        "its model card's results, are of clips it trains on, not a test of it; name another split with "
        "--eval_split" + ("" if args.eval_split else " (a validation or test split)")
    )


def load_data(args, accelerator):
    if getattr(args, "streaming", False):
        if accelerator is None:
            return load_streaming_data(args)
        # The main process first: what it found reading the shards (a WebDataset's label column, every tar's index)
        # is kept (`kept_scans`) and the others read it back, where each read every tar, clips and all.
        with main_process_first(accelerator):
            opened = load_streaming_data(args, accelerator.num_processes, spread=False)
        # Each process cuts its streams by row group after the open, its warnings said: the footers are each one's
        # own reads (on the Hub, ranged reads), and one that failed on a machine's later process alone (its streams
        # left whole, the processes' digests then disagreeing) was held back with the open's (`data_warnings_held`).
        spread_streams(args, opened, accelerator.num_processes)
        return opened
    # The bundled set is made, and a Hub data set downloaded, by one process; the others wait and reuse it.
    data = open_video_dataset(
        args.dataset,
        args.dataset_format,
        once=partial(read_once_per_machine, accelerator, source=args.dataset),
        chosen_splits=(args.train_split, args.eval_split),
        **source_options(args),
    )
    warn_missing(data)
    train = data.split(args.train_split, "--train_split")
    data.refuse_training_on(args.train_split)  # (a split of one class; evaluate.py reads the others of such a set)
    eval_split = evaluated_split(args, data)
    if eval_split is None:
        whole = train
        train, evaluation = hold_out(train, args.validation_split_percentage / 100, seed=args.seed)
        eval_split = f"{args.train_split} (held out {args.validation_split_percentage:g}%)"
        warn_small_held_out_share(whole, evaluation, args.validation_split_percentage, args.train_split)
        warn_splits_left_unread(args, data)
    else:
        evaluation = data.split(eval_split, "--eval_split")
        data.refuse_empty(eval_split, "to evaluate")  # (found after the training, in a traceback)
        warn_evaluating_the_training_split(args, data, eval_split)
        if getattr(args, "holds_out_typed", False):  # typed, and nothing held out: said, not silently unused
            logger.warning(
                f"--validation_split_percentage {args.validation_split_percentage:g} is unused: "
                f"{args.dataset} has a {eval_split!r} split, evaluated instead (all of {args.train_split!r} trains)"
            )
    # Seeded and drawn across the classes (the adapters list clips class by class: the first N are one or two classes).
    if args.max_train_samples:
        whole, split_clips = len(train), train
        train = sample_subset(train, args.max_train_samples, seed=args.seed)
        if len(train) < whole:  # the results and card name the clips trained on: not all of the split
            held_out = eval_split.startswith(f"{args.train_split} (held out")
            of = f"of the {whole} clips not held out" if held_out else f"of its {whole} clips"
            args.trained_split = f"{args.train_split} ({len(train)} {of}: --max_train_samples)"
            warn_classes_not_drawn(data, split_clips, train, args.max_train_samples, args.train_split)
    if args.max_eval_samples:
        whole = len(evaluation)
        evaluation = sample_subset(evaluation, args.max_eval_samples, seed=args.seed)
        if len(evaluation) < whole:  # the results, log and card name the split scored: it is not all of it
            eval_split = f"{eval_split} ({len(evaluation)} of its {whole} clips: --max_eval_samples)"
    return data, train, evaluation, eval_split


def warn_splits_left_unread(args, data) -> None:
    """Warn, naming them, of the splits neither trained nor evaluated where a share of the training split is held out
    to evaluate on: a repo's `holdout`, `val_seen` or `public_test` split (no split word the recipes take for a
    validation or test split) is left unread, 10% of the training clips evaluated in its place."""
    trained = data.split_name(args.train_split)
    others = [split for split in sorted(data.splits) if split != trained]
    if others:
        named = f"split {quoted(others)} is" if len(others) == 1 else f"splits {quoted(others)} are"
        logger.warning(
            f"{args.dataset} has no validation or test split: {args.validation_split_percentage:g}% of "
            f"{args.train_split!r} is held out to evaluate on, and its {named} neither trained nor evaluated; to "
            f"evaluate on {'it' if len(others) == 1 else 'one'}, name it with --eval_split"
        )


# The fewest clips a held-out share is scored on without a word: below it, one clip moves top-1 by more than 5 points
# (a 30-clip folder of 3 classes held 3 out, each a third of its score; 1 clip of 10: top-1 1.0 "on 1 clip")
FEWEST_HELD_OUT = 20


def warn_small_held_out_share(whole, held, percentage: float, split: str, evaluating: bool = False) -> None:
    """Warn where the share of `whole` held out to evaluate on (`held`, `--validation_split_percentage`) is too small
    for its top-1 to mean much (fewer than `FEWEST_HELD_OUT` clips), naming its size, the classes it carries and the
    flags that give more: the run logged and published such a score as any other, and evaluate.py (`evaluating`),
    scoring the share again, did too (1 clip: `top1 0.0`)."""
    if len(held) >= FEWEST_HELD_OUT:
        return
    carried, classes = len(classes_carried(held)), len(classes_carried(whole))
    enough = math.ceil(100 * FEWEST_HELD_OUT / len(whole))
    if evaluating:  # (evaluate.py has no --eval_split, and scores the share the model was fine-tuned without)
        more = f"fine-tune again holding out more (--validation_split_percentage {enough}), or " if enough < 50 else ""
        advice = f"{more}evaluate a split it was not trained on (--split, a val/ folder)"
    else:
        more = f"hold out more with --validation_split_percentage {enough}, or " if enough < 50 else ""
        advice = f"{more}give an evaluation split (--eval_split, a val/ folder)"
    logger.warning(
        f"the share held out of split {split!r} to evaluate on ({percentage:g}%) is {len(held)} of its {len(whole)} "
        f"clips, of {carried} of its {classes} classes: each clip moves its top-1 by {100 / len(held):.3g} points, "
        f"too few for the score to mean much; {advice}"
    )


def warn_classes_not_drawn(data, examples, subset, limit: int, split: str) -> None:
    """Warn, naming them, about the classes of the training split none of `--max_train_samples`' draw carries (fewer
    clips than the split has classes): the model is fine-tuned on the others alone and its head keeps an output for
    each, untrained (the end-of-training check of classes never trained on counts the subset's classes only), said
    nowhere; an evaluation then counts each of their clips wrong."""
    left_out = classes_left_out(examples, subset)  # (a multi-label split's: each class of a clip's list)
    if not left_out:
        return
    heads = list(data.label_spaces.items())
    names = [f"{heads[h][0]}:{heads[h][1][i]}" if len(heads) > 1 else heads[h][1][i] for h, i in left_out]
    logger.warning(
        # (not "fewer clips than classes": two-head labels are drawn by pair, so a draw of as many clips as a head
        # has classes can miss one of them)
        f"--max_train_samples {limit}'s draw of split {split!r} carries no clip of {len(names)} of its classes: "
        f"they are never trained on ({quoted(names)}); an evaluation counts every clip of them wrong. Give at least "
        "one clip per class"
    )


def streamed_share(whole: int | None, kept: int | None, limit: int | None, flag: str = "--max_eval_samples") -> str:
    """What a split's name gains where `--max_eval_samples` (or `--max_train_samples`) cut a stream (its first clips,
    not a draw): the results and card named the split, for a top-1 of (a model trained on) its first N clips. The size
    of a stream may be unknown (no data card)."""
    if not limit or (whole is not None and kept == whole):
        return ""
    if whole is None:
        return f" (at most its first {limit} clips: {flag})"
    return f" (the first {kept} of its {whole} clips: {flag})"


def warn_missing(data) -> None:
    """One warning per split for the clips its annotations name that are not on disk (`data.missing`), left out of
    the data set: the whole read and `--streaming` say the same. A Hub row
    giving no video (a `Video` cell of None, a list of frames [] or None) names no file: it is counted apart
    (`data.clipless`) and said once, in the warning that names it as it is left out (`rows_without_a_clip`); counted
    here too, it was said a second time as "missing on disk, or rows that give no video"."""
    for split, count in data.missing.items():
        one = count == 1  # (one clip said as one: "1 clips ... are" read as a slip)
        logger.warning(
            f"{count} clip{'' if one else 's'} of split {split!r} {'is' if one else 'are'} named by the annotations "
            "but missing on disk"
        )


def load_streaming_data(args, num_processes: int = 1, spread: bool = True):
    """`--streaming`: the splits as `StreamingSplit`s (nothing downloaded whole); the evaluation split must exist
    (a held-out share needs the whole set), `--max_*_samples` take the first N of the stream, and a split of fewer
    shards than processes x DataLoader workers is read by parquet row group (`StreamingSplit.spread_over`); a
    `save_to_disk` folder streams in a multiple of `num_processes` shards (`saved_shards`). `spread=False`: not cut
    yet (`spread_streams`)."""
    if args.dataset == SYNTHETIC or args.dataset_format != "hub":
        raise ValueError("--streaming reads a Hub data set or a local folder with --dataset_format hub")
    data = open_streaming_dataset(args.dataset, **source_options(args), num_processes=num_processes)
    warn_missing(data)
    train = data.split(args.train_split, "--train_split")
    eval_split = evaluated_split(args, data)
    if eval_split is None:  # the user's data, as a missing split is: one line, exit 2 (it was a traceback)
        raise DatasetFormatError(
            f"--streaming needs an evaluation split (it cannot hold out a share of a stream); {args.dataset} has "
            f"{', '.join(sorted(data.splits))}: give it a validation or test split, or name one with --eval_split"
        )
    evaluation = data.split(eval_split, "--eval_split")
    if evaluation is train and (args.max_train_samples or args.max_eval_samples):
        # one split object under both names: each --max_*_samples cut (`keep_first`) cut the other's stream too. Not
        # copied uncut: `spread_over` would read every parquet footer again for the copy, and say so a second time
        evaluation = copy.copy(train)
    data.refuse_empty(args.train_split)
    data.refuse_empty(eval_split, "to evaluate")
    warn_evaluating_the_training_split(args, data, eval_split)
    whole = train.num_examples
    train.keep_first(args.max_train_samples)
    warn_classes_a_cut_leaves_out(train, data.label_names, "--max_train_samples", args.train_split)
    cut = streamed_share(whole, train.num_examples, args.max_train_samples, "--max_train_samples")
    args.trained_split = args.train_split + cut if cut else None
    whole = evaluation.num_examples
    evaluation.keep_first(args.max_eval_samples)
    warn_classes_a_cut_leaves_out(evaluation, data.label_names, "--max_eval_samples", eval_split)
    eval_split += streamed_share(whole, evaluation.num_examples, args.max_eval_samples)
    opened = data, train, evaluation, eval_split
    if spread:
        spread_streams(args, opened, num_processes)
    return opened


def spread_streams(args, opened, num_processes: int) -> None:
    """`StreamingSplit.spread_over` of `load_streaming_data`'s training and evaluation streams."""
    _, train, evaluation, eval_split = opened
    for name, split in ((args.train_split, train), (eval_split, evaluation)):  # before the digest: a resume checks
        split.spread_over(num_processes * max(args.num_workers, 1), f"split {name!r}")  # the shards as they are read


def evaluation_view_refusal(args, processor, config):
    """The check of each evaluation clip's views (`VideoClassificationDataset`'s and `StreamingVideoDataset`'s
    `view_refusal`) where the processor crops none of them (an `--init_from` folder's saying do_center_crop false,
    one crop): they are each video's resized frames, of its own shape, and a clip of another shape than the model's
    was the model's traceback (or torch's collation's, from a DataLoader worker) at the first evaluation, after an
    epoch of training. None where it crops: training's random crops and evaluation's are `crop_size`, which
    `check_processor_fits_model` has checked."""
    if processor.do_center_crop or args.eval_num_crops == 3:
        return None
    return partial(
        clip_size_refusal, config=config, model=str(args.init_from), cropped=False, tense="made", flag="--init_from"
    )


def build_streaming_loaders(args, train_split, eval_split, processor, accelerator, view_refusal=None):
    """`--streaming`: training (shuffle buffer reseeded per epoch, augmented) and evaluation loaders, each process on
    its own part of the stream (`split_dataset_by_node`), in lockstep; evaluation batches padded to one size for
    `gather_for_metrics`."""
    common = dict(rank=accelerator.process_index, world_size=accelerator.num_processes)
    train = StreamingVideoDataset(
        train_split,
        processor,
        batch_size=args.per_device_train_batch_size,
        seed=args.seed,
        shuffle_buffer_size=args.shuffle_buffer_size,
        shuffle_seed=args.seed,
        processor_kwargs=dict(do_train_augment=True),
        role="training",
        **common,
    )
    evaluation = StreamingVideoDataset(
        eval_split,
        processor,
        batch_size=args.per_device_eval_batch_size,
        num_clips=args.eval_num_clips,
        num_crops=args.eval_num_crops,
        role="evaluation",
        view_refusal=view_refusal,  # (`evaluation_view_refusal`)
        **common,
    )
    device = accelerator.device
    return (
        # accelerate learns where each epoch ends, so a last partial accumulation window steps the optimiser there
        StreamingLoader(
            train, args.num_workers, device=device, accelerator=accelerator, gradient_state=accelerator.gradient_state
        ),
        # read again after every epoch: its workers are kept (not started anew from the fork server each time)
        StreamingLoader(
            evaluation,
            args.num_workers,
            device=device,
            accelerator=accelerator,
            pad_to=args.per_device_eval_batch_size,
            persistent=True,
        ),
    )


def epoch_batches(args, train_dataset, num_train: int, num_processes: int):
    """`(batches, exact)`: `batches(epoch)` is the number of batches every process takes in that epoch, which is
    what the learning-rate schedule and `--max_train_steps` are planned on.

    Processes run in lockstep, so an epoch lasts as long as its longest share. Without streaming, accelerate gives
    every process ceil(N / P) clips (the last batch filled up with clips from the epoch's start). A stream is split
    by `datasets`: every P-th clip, or whole shards, whose sizes can differ and whose assignment changes every epoch,
    and each DataLoader worker batches its own part, ending with a partial batch (`StreamingVideoDataset.batches`).
    Where the shard sizes cannot be read, ceil(N / P) batches is the shortest an epoch can be and `exact` is False
    (unless one process reads with at most one worker): the loop then runs whole epochs rather than stop at a plan
    that may be short."""
    batch = args.per_device_train_batch_size
    even = math.ceil(math.ceil(num_train / num_processes) / batch)
    if not getattr(args, "streaming", False):
        return (lambda epoch: even), True
    if train_dataset.batches(0, args.num_workers) is None:
        one_reader = num_processes == 1 and min(args.num_workers, train_dataset.num_shards) <= 1
        return (lambda epoch: even), one_reader
    planned: dict[int, int] = {}

    def batches(epoch: int) -> int:
        if epoch not in planned:
            planned[epoch] = max(train_dataset.batches(epoch, args.num_workers))
        return planned[epoch]

    return batches, True


def plan_training(args, batches) -> tuple[int, list[int]]:
    """`(num_epochs, steps per epoch)` from `batches(epoch)`; sets `args.max_train_steps` from `--num_train_epochs`
    when it was not given (else the epochs are those that reach it)."""

    def steps(epoch):
        return math.ceil(batches(epoch) / args.gradient_accumulation_steps)

    if args.max_train_steps is None:
        per_epoch = [steps(epoch) for epoch in range(args.num_train_epochs)]
        args.max_train_steps = sum(per_epoch)
        return args.num_train_epochs, per_epoch
    per_epoch = []
    while sum(per_epoch) < args.max_train_steps:
        per_epoch.append(max(steps(len(per_epoch)), 1))
    return len(per_epoch), per_epoch


def build_processor(args, config, init_processor=None) -> ViViTVideoProcessor:
    processor = init_processor or ViViTVideoProcessor()
    updates = dict(num_frames=args.num_frames or config.num_frames)
    if getattr(processor, "fps", None) is not None:
        logger.warning(clip_count_over_fps(processor.fps, args.num_frames, config.num_frames))
        updates["fps"] = None
    if args.frame_stride is not None:
        updates["frame_stride"] = args.frame_stride
    if args.resize_shortest_edge is not None:
        updates["size"] = {"shortest_edge": args.resize_shortest_edge}
    if args.crop_size is not None:
        updates["crop_size"] = {"height": args.crop_size, "width": args.crop_size}
    if args.scale_jitter is not None:
        updates["scale_jitter"] = list(args.scale_jitter)
    if args.do_flip is not None:
        updates["do_flip"] = args.do_flip
    if args.color_jitter is not None:
        updates["do_color_jitter"] = args.color_jitter
    updates["rand_augment"] = list(args.rand_augment) if args.rand_augment else None
    if args.short_video is not None:
        updates["short_video"] = args.short_video
    for key, value in updates.items():
        setattr(processor, key, value)
    return processor


def clip_count_over_fps(fps, typed: int | None, model_frames: int) -> str:
    """The warning for an `--init_from` processor that samples by `fps`, which training does not: the model takes
    clips of one length, and `fps` gives each video its own (`duration * fps` frames), so a batch of videos of other
    lengths does not stack and a clip of another length does not fit the model. Its fps winning over the clip length
    (a typed --num_frames too), the run would end in a traceback at the first batch. As evaluate.py does
    (`take_the_models_clip_length`), the clips are the count's: the typed --num_frames (a flag typed takes effect,
    as --crop_size over the processor's crop), else the model's."""
    count = f"--num_frames {typed}" if typed else f"the model's num_frames, {model_frames}"
    return (
        f"the --init_from video processor samples by fps={fps}, which training does not (the model takes clips of "
        f"one length; fps gives each video its own): this run's clips are of {count} frames, its fps left out, as "
        "evaluate.py and the pipeline make clips"
    )


def build_datasets(args, train_examples, eval_examples, processor, view_refusal=None, multi_label_classes=None):
    """Training (augmented, seeded per epoch and clip) and evaluation data sets, decoded once into memory when
    `--cache_decoded_videos` says so. Their workers hand over raw uint8 pixels (a quarter of float32's bytes through
    shared memory, pinned memory and the copy to the GPU), normalised on the device by `model_pixel_values`.
    `view_refusal` checks each evaluation clip's views (`evaluation_view_refusal`); `multi_label_classes`: a
    multi-label data set's class count, its samples' targets multi-hot."""
    train = VideoClassificationDataset(
        train_examples,
        processor,
        seed=args.seed,
        processor_kwargs=dict(do_train_augment=True),
        raw_pixels=True,
        multi_label_classes=multi_label_classes,
    )
    evaluation = VideoClassificationDataset(
        eval_examples,
        processor,
        num_clips=args.eval_num_clips,
        num_crops=args.eval_num_crops,
        raw_pixels=True,
        view_refusal=view_refusal,
        multi_label_classes=multi_label_classes,
    )
    if _cache_decoded_videos(args, (train, evaluation)):
        for dataset in (train, evaluation):
            dataset.cache_decoded_videos(num_workers=args.num_workers)
    return train, evaluation


def flip_warning(label_names, processor) -> str | None:
    """A warning when training flips clips (`do_flip`) and some classes are each other's mirror image (SSv2's
    "Pushing something from left to right" and "... from right to left"), else None. A flipped clip of one is a clip
    of the other under the first one's label: half the clips of such classes trained on the wrong label, without a
    word, under a preset that flips (the Kinetics and Epic Kitchens presets) or `--do_flip true`."""
    from .data.labels import mirrored_classes

    pairs = mirrored_classes(label_names) if processor.do_flip else []
    if not pairs:
        return None
    shown = "; ".join(f"{a!r} / {b!r}" for a, b in pairs[:3]) + (
        f" and {len(pairs) - 3} more" if len(pairs) > 3 else ""
    )
    return (
        f"training flips clips at random (--do_flip), and {len(pairs)} pair(s) of classes are each other's mirror "
        f"image ({shown}): a flipped clip of one is trained on as the other. Give --do_flip false (the ssv2 presets "
        "do not flip)"
    )


def short_clips_warning(examples, processor, tries: int = 3) -> str | None:
    """A warning when the first training clips (up to `tries` that open) are all shorter than the span a clip
    samples (`num_frames` at `frame_stride`), else None. The processor loops a file too short for its clip (scenic's
    rule), so a `--frame_stride` too long for the data set trained every clip on its frames repeated, without a
    word. Only what is cheap to ask is asked: a clip file's frame count (one frame decoded), never a segment."""
    from ..processing.video_io import probe
    from .data.dataset import VideoSegment

    if getattr(processor, "sampling_mode", "stride") != "stride":  # uniform sampling spreads over any length
        return None
    span = (int(processor.num_frames) - 1) * int(processor.frame_stride) + 1
    counts: list[tuple[int, str]] = []
    for index, example in enumerate(examples):
        if len(counts) == tries or index >= 3 * tries:
            break
        if VideoSegment.of(example) is not None and not example.get("may_be_cut"):  # a file that may be the clip
            continue
        try:
            counts.append((probe(example["video"]).num_frames, describe_example(example, index)))
        except Exception:  # a clip that does not open is the loader's to skip and count
            continue
    if not counts or any(frames >= span for frames, _ in counts):
        return None
    frames, first = counts[0]
    return (
        f"the first {len(counts)} training clips hold fewer frames than the {span} a clip of {processor.num_frames} "
        f"frames at stride {processor.frame_stride} spans ({first}: {frames}): "
        + short_clips_fate(getattr(processor, "short_video", None), [frames for frames, _ in counts])
    )


def short_clips_fate(short_video, frame_counts: list[int]) -> str:
    """What the processor's `short_video` rule does with clips of `frame_counts` frames, each shorter than its span,
    and the way out, in the recipe's flags: the warning said "looped" for clips `pad` fills with their last frame, and
    for one-frame clips, which are skipped as broken unless --short_video loop or pad makes a clip of one."""
    fewer = "a smaller --frame_stride or --num_frames reads each frame once"
    if short_video == "error":
        return (
            "such clips are skipped as broken, every epoch (the processor --init_from gave says short_video='error'); "
            "pass --short_video loop or pad to take them"
        )
    if short_video == "pad":
        return f"such clips are padded to fill it, their last frame repeated; {fewer}"
    looped = f"such clips are looped to fill it, their frames repeated; {fewer}"
    single = sum(frames == 1 for frames in frame_counts)
    if short_video == "loop" or not single:
        return looped
    skipped = "skipped as broken, every epoch, unless --short_video loop or pad makes a clip of its frame"
    if single == len(frame_counts):
        return f"they hold a single frame each, and such clips are {skipped}"
    return f"{looped}; a clip of a single frame ({single} of them) is {skipped}"


def unreadable_training_set(args, train_dataset) -> str | None:
    """The one-line reason to stop before the first step when no clip of the training set decodes, else None;
    `ProcessorOptionError` when the first clip cannot be processed with the run's options.

    Broken clips are skipped and counted, and the model cannot tell a set of broken clips from an empty one, so such
    a run would train on zeros alone, or find out at its first batch, in a traceback from inside the data loader.
    `sample_shape` tries the clips in order until one decodes: one clip for a usable set (from memory once decoded),
    every clip for an unreadable one. A stream cannot be tried before it is read: the recipe stops such a
    run at the end of its first epoch instead, before evaluating or saving anything.

    Only a broken video's error counts a clip as unreadable: any other the processor raises (an option no clip can be
    processed with: a checkpoint's `frame_stride` 0) stops the run at the first clip, named as the option's, where it
    read "every one is unreadable" and sent the user looking for broken videos that were fine. The recipe says it in
    one line with status 2 (the user's flags or files), as it does when a stream's worker meets it."""
    try:
        train_dataset.sample_shape()
    except NoDecodableClipError as error:
        first = f"{error.first}: {error.first_error}" if error.first is not None else "none"
        return (
            f"none of the {len(train_dataset)} training clips of {args.dataset} (split {args.train_split}) could be "
            f"decoded: every one is unreadable (the first: {first}); nothing to train on, no model is saved"
        )
    except (ValueError, TypeError) as error:
        raise ProcessorOptionError.at("training", describe_example(train_dataset.examples[0], 0), error) from error
    return None


def _cache_decoded_videos(args, datasets) -> bool:
    if any(dataset.samples_by_rate() for dataset in datasets):
        # (`cache_decoded_videos` would keep nothing: `auto` decoded clips to estimate a cache, and said it fitted)
        logger.info("the processor samples by fps, from each file's frame times: the decoded clips are not cached")
        return False
    if args.cache_decoded_videos != "auto":
        return args.cache_decoded_videos == "yes"
    estimates = [dataset.estimate_decoded_bytes() for dataset in datasets]
    if None in estimates:  # none of the clips tried decodes: their size is unknown, so nothing says they fit
        logger.info("the decoded clips' size is unknown (no clip tried decoded): decoding them every epoch")
        return False
    size = sum(estimates)
    fits = size <= args.cache_budget_mib * 2**20
    logger.info(
        f"the decoded clips would take about {size / 2**20:.1f} MiB: "
        f"{'decoding them once into memory' if fits else 'decoding them every epoch'} "
        f"(--cache_decoded_videos auto, --cache_budget_mib {args.cache_budget_mib:g})"
    )
    return fits


# Parameters weight decay leaves alone, by transformers' rule (`Trainer.get_decay_parameter_names`, and the
# `*_no_trainer` examples' `no_decay`): biases and LayerNorm weights. Decaying them pulled every norm's gain towards
# 0 (AdamW's 0.05 took 5% of it in 1/lr steps) where a transformers user expects them kept. (CLS tokens and position
# embeddings are decayed, as Trainer does; timm and big_vision exempt them too.)
NO_DECAY_PATTERNS = (r"bias", r"layernorm", r"rmsnorm", r"(?:^|\.)norm(?:$|\.)", r"_norm(?:$|\.)")


def decay_exempt(model) -> set[str]:
    """Names of the parameters of `model` that weight decay leaves alone (`NO_DECAY_PATTERNS`, or in a LayerNorm)."""
    exempt = set()
    for module_name, module in model.named_modules():
        for name, _ in module.named_parameters(recurse=False):
            full = f"{module_name}.{name}" if module_name else name
            if isinstance(module, torch.nn.LayerNorm) or any(re.search(p, full.lower()) for p in NO_DECAY_PATTERNS):
                exempt.add(full)
    return exempt


def build_optimizer(args, model, exempt_group: bool | None = None) -> torch.optim.Optimizer:
    """The preset's optimiser (`--optimizer sgd`: with `--momentum`, as the paper; else AdamW) over the trainable
    parameters. With weight decay (or `exempt_group`, a resumed checkpoint's layout), two groups: the decayed
    parameters, then those `decay_exempt` names, marked `weight_decay_exempt` (`apply_resumed_hyperparameters` leaves
    their 0 alone); without, one group, as checkpoints of older versions hold."""
    if exempt_group is None:
        exempt_group = bool(args.weight_decay)
    named = [(name, p) for name, p in model.named_parameters() if p.requires_grad]
    weight_decay = args.weight_decay or 0.0
    if exempt_group:
        exempt = decay_exempt(model)
        groups = [
            {"params": [p for name, p in named if name not in exempt], "weight_decay": weight_decay},
            {"params": [p for name, p in named if name in exempt], "weight_decay": 0.0, "weight_decay_exempt": True},
        ]
    else:
        groups = [{"params": [p for _, p in named], "weight_decay": weight_decay}]
    if getattr(args, "layer_decay", None):  # BEiT's layer-wise rates (vivit_hf.training.layer_decay)
        names = {p: name for name, p in named}
        groups = groups_by_depth(groups, names, model.config, args.learning_rate, args.layer_decay)
    if args.optimizer == "sgd":
        return torch.optim.SGD(groups, lr=args.learning_rate, momentum=args.momentum)
    return torch.optim.AdamW(groups, lr=args.learning_rate)


def build_dataloaders(args, train_dataset, eval_dataset, pin_memory: bool = False):
    """Training and evaluation loaders. Persistent workers keep their copy of the data set across epochs (no
    restart per epoch); the sampler hands them the epoch with each index, for the augmentation seeds. `pin_memory`
    (for a GPU) puts batches in page-locked memory, which a copy to the GPU can read without blocking the host."""
    sampler = EpochShuffleSampler(len(train_dataset), seed=args.seed, with_epoch=True)
    loader_kwargs = dict(
        collate_fn=collate_videos,
        num_workers=args.num_workers,
        persistent_workers=args.num_workers > 0,
        generator=torch.Generator().manual_seed(args.seed),
        pin_memory=pin_memory,
        worker_init_fn=share_parent_memory,  # no copy of the main process's objects in each worker
    )
    train_dataloader = torch.utils.data.DataLoader(
        train_dataset, sampler=sampler, batch_size=args.per_device_train_batch_size, **loader_kwargs
    )
    eval_dataloader = torch.utils.data.DataLoader(
        eval_dataset, batch_size=args.per_device_eval_batch_size, **loader_kwargs
    )
    return train_dataloader, eval_dataloader


# ----------------------------------------------------------------------------------------------- model
def _is_vivit_checkpoint(source: str, revision: str | None = None) -> bool:
    """A ViViT checkpoint (ours or transformers'), as opposed to an image ViT source."""
    if os.path.isfile(source):  # a .npz / .safetensors / .pth image ViT
        return False
    if os.path.isdir(source):  # read the folder's config ourselves: nothing to guess, no error to swallow
        config = Path(source) / "config.json"
        return config.is_file() and str(json.loads(config.read_text()).get("model_type", "")).startswith("vivit")
    try:
        config = AutoConfig.from_pretrained(source, revision=revision)
    except (OSError, ValueError):  # no transformers config (a timm Hub folder) or none reachable: from_vit_pretrained
        return False  # reads it as an image ViT and reports what is wrong with the source
    return config.model_type.startswith("vivit")


def checkpoint_unfit(model, fresh: list[str], args) -> str | None:
    """What of a ViViT `--init_from` did not fit the model the flags asked for (a warning), else None. The head is
    left out of the count (a new one for new classes is the rule). (A model none of whose weights fit, another
    hidden_size, is refused by the restart itself: `restart.check_width_kept`.)"""
    state = model.state_dict()
    body = [name for name in state if not name.startswith("classifier.")]
    unfit = [name for name in fresh if not name.startswith("classifier.")]
    if not unfit:
        return None
    given = f"--config_overrides {args.config_overrides!r}" if args.config_overrides else "the flags given"
    return (
        f"{len(unfit)} of the {len(body)} parameters of the model made with {given} do not fit --init_from "
        f"{args.init_from} (another shape) and start fresh: {', '.join(unfit[:4])}{', ...' if len(unfit) > 4 else ''}"
    )


class ModelFlagError(ValueError):
    """A model flag that the model `--init_from` gives cannot take (it would be ignored, or matches nothing): the
    user's input, which the recipe ends with in one line, status 2."""


def vit_init_frames(args, config_class, resumed: dict | None) -> int:
    """The frame count of a model `--init_from` an image ViT (which says none) where --num_frames is not given: the
    preset's (its --model_size's), as a run without --init_from takes; the config's default of 32 looped the bundled
    demo's 16-frame clips, where that run reads 8 frames. A resume builds the model its checkpoint holds (`resumed`,
    its trainer_state): the frame count it records, or the config's default for a checkpoint of a version that
    recorded none and built that, whose 32-frame weights did not load into the preset's 8 (a size-mismatch
    traceback)."""
    if resumed is not None:
        return resumed.get("model_num_frames", config_class().num_frames)
    return MODEL_SIZES[args.model_size or "tiny"]["num_frames"]


def build_model(args, data, resumed: dict | None = None):
    """The model the flags ask for, and the processor its `--init_from` gives (else None); `resumed`: the
    trainer_state of the checkpoint a resume loads into it."""
    label_kwargs = dict(id2label=data.id2label, label2id=data.label2id)
    if data.is_multi_head:
        label_kwargs["label_spaces"] = data.head_sizes
    else:
        label_kwargs["num_labels"] = len(data.label_names)
    overrides = model_config_overrides(args)
    config_class, _, model_class = VIVIT_MODELS[args.model]
    init_processor = None
    hub = {"revision": args.init_from_revision} if getattr(args, "init_from_revision", None) else {}
    if args.init_from and _is_vivit_checkpoint(args.init_from, **hub):
        # The checkpoint's own variant; its position embeddings interpolated to a new frame count or crop, its head
        # kept for the same label names (rows taken by name for its classes in another order, or some of them).
        try:
            model, report = from_vivit_checkpoint(
                args.init_from,
                id2label=data.id2label,
                label_spaces=data.head_sizes if data.is_multi_head else None,
                **hub,
                **overrides,
            )
        except OtherWidthError as error:  # its advice, `from_config`, is no recipe flag
            raise ModelFlagError(
                f"--init_from {args.init_from} was trained at hidden_size={error.width}, --config_overrides asks "
                f"{error.asked}: none of its weights fits another width. Leave hidden_size out of --config_overrides "
                f"to restart it at {error.width}; to train a model {error.asked} wide from scratch, drop --init_from, "
                "or give it an image ViT of that width"
            ) from None
        except ViTInitError as error:  # --config_overrides the checkpoint cannot take (another head count)
            raise ModelFlagError(f"--init_from {args.init_from}: {error}") from None
        # a Hub checkpoint's variant is known only now (a local one's was checked before anything loaded)
        ignored = ignored_by_checkpoint(args, model.config.model_type)
        if ignored:
            raise ModelFlagError(ignored)
        logger.info(
            f"started from the {type(model).__name__} checkpoint {args.init_from}: resized "
            f"{report['resized'] or 'nothing'}; classifier rows kept by class name {report['remapped'] or 'none'}; "
            f"fresh {report['fresh'] or 'nothing'}"
        )
        unfit = checkpoint_unfit(model, report["fresh"], args)
        if unfit:
            logger.warning(unfit)
        try:
            init_processor = ViViTVideoProcessor.from_pretrained(args.init_from, **hub)
        except OSError:
            pass
        except ValueError as error:  # its saved options refused: the user's file, said before the run starts
            raise ModelFlagError(refused_processor_config("--init_from", args.init_from, error)) from None
    else:
        check_config_overrides(overrides, config_classes=[config_class])
        # the preset's fields; a resume builds what its checkpoint recorded (one of a version before the preset set
        # any recorded none and built the config's defaults: 4 temporal layers, whose weights did not load into 24)
        preset_fields = (
            preset_model_fields(getattr(args, "preset", None), args.model)
            if resumed is None
            else resumed.get("preset_model_fields", {})
        )
        overrides = {**preset_fields, **overrides}
        if args.init_from:
            overrides.setdefault("num_frames", vit_init_frames(args, config_class, resumed))
            # the library writes scenic's all-zero kernel (and warns); a run would train a model that starts blind
            # (a tubelet_size that is no [t, h, w], `tubelet_size=1`, is the config's to refuse, naming the field:
            # read here it was a TypeError of its own)
            tubelet = overrides.get("tubelet_size", config_class.tubelet_size)
            one_frame = isinstance(tubelet, (list, tuple)) and len(tubelet) == 3 and tubelet[0] == 1
            tubelets = overrides.get("embedding_type", "tubelet") == "tubelet"
            if args.tubelet_init == "arp" and tubelets and one_frame:
                raise ModelFlagError(f"--init_from {args.init_from}: {vit_init_in_flag_words(ARP_OF_ONE_FRAME)}")
            try:
                model, vit_report = model_class.from_vit_pretrained(
                    args.init_from,
                    tubelet_init=args.tubelet_init,
                    positional_embedding=args.positional_embedding,
                    output_loading_info=True,
                    # the video model's head count is the ViT's: a timm weights file of a width that does not say it
                    # is read with the one --config_overrides gives (it had no flag: vit_num_attention_heads=)
                    vit_num_attention_heads=overrides.get("num_attention_heads"),
                    **hub,
                    **label_kwargs,
                    **overrides,
                )
            except ViTInitError as error:  # the ViT and the flags disagree (`--positional_embedding tile` on another
                # crop, `resize` on a token count that is not square): the user's to change, was a traceback; said
                # in the flags they typed (`--positional_embedding resize_tile`), not the keywords Python callers pass
                raise ModelFlagError(f"--init_from {args.init_from}: {vit_init_in_flag_words(str(error))}") from None
            if shrunk := vit_grid_shrunk(args, model.config, vit_report.vit_image_size):
                logger.warning(shrunk)
            # The pixels the ViT was trained on, where its source says them (DeiT, MAE, MSN: ImageNet statistics,
            # not the processor's default [-1, 1]); the processor saved with the run then feeds them at inference.
            if vit_report.pixel_normalisation:
                init_processor = ViViTVideoProcessor(**vit_report.pixel_normalisation)
                logger.info(f"pixels normalised as the image ViT was trained: {vit_report.pixel_normalisation}")
            else:  # a bare weights file says nothing of its pixels (DINO's and DeiT's .pth: ImageNet statistics)
                logger.warning(
                    f"{args.init_from} does not say which pixels its ViT was trained on (no "
                    "preprocessor_config.json or timm pretrained_cfg); the run feeds scenic's [-1, 1]. For a ViT "
                    "trained on ImageNet statistics, start from its folder with the image processor saved beside it"
                )
        else:
            model = model_class(config_class(**{**MODEL_SIZES[args.model_size or "tiny"], **overrides, **label_kwargs}))
    # What the saved model's outputs mean (its loss, the pipeline's sigmoid or softmax scores): what the recipe trains
    # them as, whatever an --init_from checkpoint's config said (a multi-label one restarted on single-label data
    # was trained with cross-entropy and saved scoring with a sigmoid)
    if getattr(data, "multi_label", False):
        model.config.problem_type = MULTI_LABEL
    elif model.config.problem_type == MULTI_LABEL:
        model.config.problem_type = "single_label_classification"
    # each prefix must name a parameter: one misspelt beside another that matched would freeze nothing
    if unmatched := unmatched_prefixes(args.freeze, [name for name, _ in model.named_parameters()]):
        raise ModelFlagError(
            f"--freeze {' '.join(unmatched)} matched no parameter; names look like "
            f"{[n for n, _ in list(model.named_parameters())[:3]]}"
        )
    for name, parameter in model.named_parameters():
        if any(name.startswith(prefix) for prefix in args.freeze):
            parameter.requires_grad_(False)
    if args.gradient_checkpointing:
        # non-reentrant (transformers' default), which restores the RNG state for the recomputation
        model.activation_checkpointing_enable()
    return model.train(), init_processor


def vit_grid_shrunk(args: argparse.Namespace, config, vit_image_size) -> str | None:
    """What a preset's crop smaller than the image ViT's images does to it, where --crop_size was not typed: the main
    job's 32 pixels take a 224-pixel ViT-B/16's 14x14 position grid down to 2x2 patches a frame."""
    if vit_image_size is None or "crop_size" in getattr(args, "typed_flags", ()):
        return None
    size = config.image_size
    height, width = size if isinstance(size, (list, tuple)) else (size, size)
    if height >= vit_image_size[0] and width >= vit_image_size[1]:
        return None
    patch = config.tubelet_size[1:]
    side = max(vit_image_size)
    return (
        f"--init_from {args.init_from}: the image ViT was trained on {vit_image_size[0]}x{vit_image_size[1]} images "
        f"({vit_image_size[0] // patch[0]}x{vit_image_size[1] // patch[1]} patches), and this run crops "
        f"{height}x{width} (--crop_size {args.crop_size}, the preset's): its position grid is shrunk to "
        f"{height // patch[0]}x{width // patch[1]} patches a frame; to train at the ViT's size give --crop_size {side} "
        f"--resize_shortest_edge {round(side * 256 / 224)} (the paper's 256 for 224)"
    )


def classification_loss(logits, targets, valid, head_sizes):
    """The model's multi-head loss on soft targets (label smoothing, mixup), averaged over the valid clips."""
    per_sample = multi_head_cross_entropy(logits, targets, head_sizes, reduction="none")
    weights = valid.float()
    return (per_sample * weights).sum() / weights.sum().clamp(min=1)


class ValidClipMean:
    """Makes an optimiser step's gradient that of the mean loss over every valid clip of the step, as one batch of
    all of them gives it and as transformers' Trainer weighs micro-batches by `num_items_in_batch`: the clips of all
    its `--gradient_accumulation_steps` batches, on every process. Each batch's loss is the mean over its own valid
    clips; accelerate (1/N a batch) and DDP (1/processes) averaged those means, so a batch of one valid clip (an
    epoch's last, one beside a broken clip, a process's filler of none) weighed as much as a full one.

    `backward_loss` makes a batch's loss its valid clips' sum, over the batch size (a constant, so that a full batch
    keeps its loss's scale under fp16 loss scaling); `average`, at the step, divides the gradients (reduced over the
    processes) by the step's count of valid clips, in one scalar all-reduce on the device (no host sync)."""

    def __init__(self, accelerator, batch_size: int):
        if accelerator.distributed_type == DistributedType.DEEPSPEED:  # its gradients are no parameter's .grad
            raise ValueError(
                "recipes/finetune.py weighs every clip of an optimiser step alike by rescaling the parameters' "
                "gradients, which DeepSpeed keeps to itself: launch with DDP or FSDP (accelerate config)"
            )
        self.accelerator, self.batch_size = accelerator, batch_size
        self.clips = torch.zeros((), device=accelerator.device)

    def backward_loss(self, loss: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
        """What to pass to `accelerator.backward` for a batch whose `loss` is the mean over its `valid` clips."""
        clips = valid.to(self.clips.device).sum()
        self.clips += clips
        return loss * clips.to(loss.dtype) / self.batch_size

    def average(self, parameters) -> torch.Tensor:
        """At an optimiser step, before clipping: the gradients become those of the step's valid clips' mean.
        Returns the step's count of valid clips on every process, by which its loss is averaged too: 0 for a step
        whose every clip was broken (its gradients, all zero, are left so), which has no loss."""
        clips = self.clips.clone()  # self.clips is zeroed below
        if self.accelerator.num_processes > 1:
            clips = self.accelerator.reduce(clips, reduction="sum")
        # undo accelerate's 1/N, DDP's 1/processes and backward_loss's 1/batch_size
        scale = self.accelerator.gradient_accumulation_steps * self.accelerator.num_processes * self.batch_size
        factor = scale / clips.clamp(min=1)
        for parameter in parameters:
            if parameter.grad is not None:
                parameter.grad.mul_(factor.to(parameter.grad.device, parameter.grad.dtype))
        self.clips.zero_()
        return clips


def soft_targets(labels, head_sizes, smoothing):
    """One label-smoothed one-hot block per head, side by side (`smooth_one_hot`'s values). Built on `one_hot`
    alone, which checks the label range without a host sync on a GPU (a device-side assert): `smooth_one_hot`
    reads the labels' min and max back to the host, which made every training step wait for the device."""
    labels = labels.view(len(labels), -1)
    blocks = [F.one_hot(labels[:, i].long(), size).float() for i, size in enumerate(head_sizes)]
    return torch.cat([block * (1.0 - smoothing) + smoothing / size for block, size in zip(blocks, head_sizes)], dim=-1)


def evaluation_targets(head_sizes, smoothing: float, class_weights: torch.Tensor | None = None):
    """The targets of the evaluation's loss, a function of the labels: the training step's (`soft_targets`, times
    `class_weights`), so that eval_loss is the objective train_loss averages, as Trainer's `prediction_step` takes
    it through `compute_loss` (its label smoother included); no mixup or CutMix, which mix the inputs of training
    alone. None where they are the class ids alone (no smoothing, no weights): the model's own loss."""
    if not smoothing and class_weights is None:
        return None
    weights = None if class_weights is None else class_weights.detach().cpu()

    def targets(labels: torch.Tensor) -> torch.Tensor:
        soft = soft_targets(labels, head_sizes, smoothing)
        return soft if weights is None else soft * weights

    return targets


def mixup_generator(seed: int, micro_step: int, process_index: int) -> np.random.Generator:
    """The generator of a process's mixup / CutMix draws (weight, box, which of the two) at one micro-step. Each
    process draws its own, as scenic binds its mixup rng to each device (`bind_rng_to_host_device`) and timm seeds each
    rank: every process drew the same weight, box and choice for its share of the global batch, one draw per step
    where scenic makes one per device. Process 0 draws what one process always drew."""
    return np.random.default_rng([seed, micro_step, *([process_index] if process_index else [])])


def step_seed(seed: int, micro_step: int, process_index: int, num_processes: int) -> int:
    """torch's seed of a process's dropout and stochastic depth at one micro-step: its own for every (micro-step,
    process) of a run. Micro-steps were 97 numbers apart, so with more than 97 processes (16 machines of 8 GPUs,
    docs/training-and-data.md's own example) process 97 drew process 0's masks of the next micro-step, 31 of 128
    processes repeating another's. On up to 97 processes the seeds are as before (a resume draws what it drew)."""
    return seed * 1_000_003 + micro_step * max(97, num_processes) + process_index


def clips_of_last_batch(rows: int, process_index: int, remainder: int) -> int:
    """Rows of this process's batch that are clips of the epoch, for the last batch of an epoch that accelerate
    filled up (`even_batches`) with clips from the epoch's start, so that every process takes as many steps.
    `remainder` is accelerate's `gradient_state.remainder`: the clips of that last global batch (0 when it is full,
    -1 when unknown); the global batch is process 0's rows, then process 1's..., the order `gather_for_metrics`
    drops the same padding by."""
    if remainder <= 0:
        return rows
    return min(max(remainder - process_index * rows, 0), rows)


def evaluate(model, dataloader, accelerator, num_views, label_spaces, loss_targets=None, multi_label=False) -> dict:
    """Metrics over the evaluation set, every clip counted once whatever the number of processes; `num_truncated`:
    the valid clips that were segments running past their video's end (read from the frames there are).
    `loss_targets`: the loss's targets of the labels (`evaluation_targets`), the model's own loss without.
    `multi_label`: the labels are multi-hot, and the metrics mAP's (`multi_label_metrics`)."""
    truncated: list = []
    logits, labels, valid = predict(model, dataloader, accelerator, num_views, truncated=truncated)
    if multi_label:
        results = multi_label_metrics(logits, labels, valid, next(iter(label_spaces.values())))
    else:
        results = evaluation_metrics(logits, labels, valid, label_spaces, loss_targets)
    results["num_truncated"] = int((truncated[0] & valid.bool()).sum())
    return results


def evaluation_figures(results: dict) -> str:
    """The epoch report's top-1 (the action's with several heads) and loss, `eval top-1 0.8125, loss 0.4321`; `-` for
    one measured on no clip. With several heads the action's top-1 is over the clips that label every head
    (`evaluation_metrics`): an evaluation set of verbs without nouns has none, and its None raised a TypeError in the
    report's format, which ended the run at its first evaluation; the heads' own top-1 are said then."""
    if "map" in results:  # multi-label: no top-1
        mean_ap, loss = results["map"], results.get("loss")
        return f"eval mAP {'-' if mean_ap is None else f'{mean_ap:.4f}'}, loss {'-' if loss is None else f'{loss:.4f}'}"
    top1 = results.get("top1", results.get("action_top1"))
    loss = results.get("loss")
    said = f"eval top-1 {'-' if top1 is None else f'{top1:.4f}'}, loss {'-' if loss is None else f'{loss:.4f}'}"
    if top1 is None and "action_top1" in results:
        heads = [name[: -len("_top1")] for name in results if name.endswith("_top1") and name != "action_top1"]
        shown = [f"{head} {results[f'{head}_top1']:.4f}" for head in heads if results[f"{head}_top1"] is not None]
        said += f" (no clip labels every head; top-1 {', '.join(shown) or '-'})"
    return said


def past_the_end_report(in_training: int, in_evaluation: int) -> str:
    """The epoch report's words for the segments that ran past their video's end (Epic Kitchens timestamps of
    another copy of a video), empty when there were none: they are trained and scored on fewer frames than their
    annotation names, which a user should know the count of, not only the first one's name."""
    if not (in_training or in_evaluation):
        return ""
    return (
        f"; {in_training} training and {in_evaluation} evaluation segments ran past their video's end and were read "
        "from the frames there are"
    )


def head_starts(head_sizes) -> list[int]:
    """Where each head's classes start among all heads' side by side (the logits' columns): [0, 300] for 300 nouns
    and 97 verbs."""
    return [sum(head_sizes[:h]) for h in range(len(head_sizes))]


class TrainedPerClass:
    """Clips trained on per class of every head, side by side as the logits' classes (`data.label_names`' order),
    counted on the device: a class whose every training clip was broken got a warning per clip and was then never
    trained, the run exiting 0 with its accuracy 0.0 and nothing naming the class. Counted by a scatter, not a
    boolean index, so that the loop has no host sync; read once where it is reported (`per_class`)."""

    def __init__(self, head_sizes, device, before: list[int] | None = None):
        self.counts = torch.tensor(before or [0] * sum(head_sizes), dtype=torch.long, device=device)
        self.starts = torch.tensor(head_starts(head_sizes), dtype=torch.long, device=device)  # once: a copy is a sync

    def add(self, labels: torch.Tensor, trained: torch.Tensor) -> None:
        """Counts this batch's `trained` clips (decoded, of the epoch) under their labels; -100 (a head without a
        label, Epic Kitchens' verb-only rows) counts nowhere."""
        if labels.is_floating_point():  # multi-hot (a multi-label data set's): every class of a clip counts
            self.counts += (labels.to(self.counts.device) * trained.to(self.counts.device).view(-1, 1)).sum(0).long()
            return
        labels = labels.to(self.counts.device).view(len(labels), -1).long()
        labelled = trained.to(self.counts.device).bool().view(-1, 1) & (labels >= 0)
        slots = torch.where(labelled, labels + self.starts, 0)
        self.counts.scatter_add_(0, slots.flatten(), labelled.flatten().long())

    def per_class(self, accelerator) -> list[int]:
        """Every process's counts summed (a collective: every process calls it)."""
        return accelerator.reduce(self.counts.clone(), reduction="sum").tolist()


def clips_per_class(examples, head_sizes, multi_label: bool = False) -> list[int]:
    """How many clips of `examples` each class has, `TrainedPerClass`' order, from their labels (no clip read);
    `multi_label`: each label is a clip's classes, every one counted."""
    counts = [0] * sum(head_sizes)
    starts = head_starts(head_sizes)
    for label in example_labels(examples):
        if multi_label:
            for i in label:
                counts[int(i)] += 1
            continue
        for start, i in zip(starts, label if isinstance(label, (list, tuple)) else [label]):
            if i is not None and int(i) >= 0:
                counts[start + int(i)] += 1
    return counts


def never_trained_classes(trained: list[int], in_split: list[int], names: list[str]) -> dict[str, int]:
    """The classes that have clips in the training split and were trained on none, with their clip counts."""
    return {name: clips for name, clips, done in zip(names, in_split, trained) if clips and not done}


def never_trained_warning(classes: dict[str, int], dataset: str, split: str) -> str:
    """The end-of-training warning for `never_trained_classes`: the model never saw these classes (each broken clip
    was named as it was skipped, but not that they were all of a class)."""
    shown = ", ".join(
        f"{name!r} ({clips} clip{'s' if clips > 1 else ''})" for name, clips in list(classes.items())[:10]
    )
    more = f" and {len(classes) - 10} more" if len(classes) > 10 else ""
    return (
        f"{len(classes)} class{'es' if len(classes) > 1 else ''} of {dataset} (split {split}) never trained on: "
        f"{shown}{more}; every clip of {'them' if len(classes) > 1 else 'it'} was unreadable and skipped, each one "
        "named above. The model cannot predict such a class (its evaluation counts every clip of it as wrong); "
        "replace the clips and train again"
    )


# ------------------------------------------------------------------------------------------------ main
def check_torch_compile_launch(args: argparse.Namespace, accelerator) -> None:
    """What `--torch_compile` needs on this launch, checked before any data or model is loaded (ValueError):
    accelerate's own config must not compile too (`dynamo_backend`), and inductor needs a C++ compiler for the CPU
    or Triton for a GPU (without them, the first step would fail after all the loading)."""
    if not args.torch_compile:
        return
    configured = getattr(accelerator.state.dynamo_plugin.backend, "value", "NO")
    if configured != "NO":
        raise ValueError(
            f"--torch_compile: accelerate's config already compiles the model (dynamo_backend {configured}); "
            "give only one of them"
        )
    if args.torch_compile_backend != "inductor":
        return
    if accelerator.device.type == "cuda":
        from torch.utils._triton import has_triton

        if not has_triton():
            raise ValueError(
                "--torch_compile: inductor writes Triton kernels for the GPU, and Triton is not installed or does "
                "not support this GPU; install triton or give --torch_compile_backend aot_eager"
            )
    elif accelerator.device.type == "cpu":
        from torch._inductor import cpp_builder

        try:
            cpp_builder.get_cpp_compiler()
        except Exception as error:  # torch raises its own InvalidCxxCompiler, or a RuntimeError
            raise ValueError(
                f"--torch_compile: inductor builds CPU kernels with a C++ compiler and found none ({error}); "
                "install g++ or clang++ (or set CXX), or give --torch_compile_backend aot_eager"
            ) from None


def check_mixed_precision_launch(args: argparse.Namespace, accelerator) -> None:
    """fp16 that accelerate would not run (ValueError), checked before any data or model is loaded: on the CPU it
    leaves fp16 autocast off unsaid (`native_amp` False), so the run would train in fp32 while its settings and
    model card say fp16. bf16 autocasts on the CPU. Named as the user asked for it: `args.mixed_precision` holds the
    launcher's too (`launcher_mixed_precision`: ACCELERATE_MIXED_PRECISION, which the launcher sets from its flag or
    config file, or a shell exported), so fp16 from an `accelerate config` file is not named as
    "--mixed_precision fp16", a flag not typed."""
    if accelerator.mixed_precision != "fp16" or accelerator.native_amp:
        return
    typed = getattr(args, "typed_flags", None)  # (flags made otherwise than by parse_args: taken as typed)
    asked = (
        "--mixed_precision fp16"
        if args.mixed_precision == "fp16" and (typed is None or "mixed_precision" in typed)
        else "mixed_precision fp16 (accelerate launch's --mixed_precision or config file, or "
        "ACCELERATE_MIXED_PRECISION in the environment)"
    )
    raise ValueError(
        f"{asked}: accelerate runs fp16 on a GPU only, and this run is on the {accelerator.device.type}, where it "
        "would train in fp32; give --mixed_precision bf16 (which the CPU runs) or --mixed_precision no"
    )


def compile_for_training(model, args):
    """(the prepared model, the module the loop calls: `torch.compile(model)` with `--torch_compile`, else the model).

    Compiled after accelerate's prepare, around DDP's wrapper, as accelerate does with its own dynamo config (DDP's
    graph splitting then applies). The two share their parameters; the prepared model is what is saved and
    checkpointed, so no state-dict key carries the compiled module's `_orig_mod.`, and a checkpoint resumes with or
    without compiling. A model that accelerate's config already compiled is split the same way."""
    from accelerate.utils import is_compiled_module

    if is_compiled_module(model):
        return model._orig_mod, model
    if not args.torch_compile:
        return model, model
    return model, torch.compile(model, backend=args.torch_compile_backend, mode=args.torch_compile_mode)


def check_processor_fits_model(processor, config) -> None:
    """The clips the processor makes must be the model's input: stop before training, not at its first step."""
    crop = (processor.crop_size["height"], processor.crop_size["width"])
    if crop != tuple(config.image_size_hw) or processor.num_frames != config.num_frames:
        raise ValueError(
            f"the processor makes clips of {processor.num_frames} frames of {crop[0]}x{crop[1]} but the "
            f"model takes {config.num_frames} frames of {config.image_size_hw[0]}x"
            f"{config.image_size_hw[1]}: give --crop_size / --num_frames"
        )


if __name__ == "__main__":  # (it printed nothing and exited 0)
    from .launch import no_command_here

    no_command_here("vivit_hf.training.finetune", "finetune.py")
