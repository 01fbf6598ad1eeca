#!/usr/bin/env python
# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
r"""Fine-tune a ViViT model for video classification with 🤗 Accelerate.

    accelerate launch recipes/finetune.py              # bundled synthetic data set, tiny model, CPU, minutes
    accelerate launch recipes/finetune.py --model factorised_encoder --init_from google/vit-base-patch16-224-in21k \
        --dataset path/or/hub-id --dataset_format ssv2 --preset ssv2_vivit_b_fe --output_dir out \
        --checkpointing_steps 500 --push_to_hub
    # stopped before the end: the same command again continues it (as --resume_from_checkpoint latest added)
    accelerate launch recipes/finetune.py --overwrite_output_dir --output_dir out     # start over in out

An --output_dir that holds a previous run is refused unless resumed (its own command with --resume_from_checkpoint
latest added: a changed flag of the data, model or batches is refused, naming it) or overwritten (only the run's own
files go).

Flags follow transformers' `*_no_trainer` examples; `--preset` fills in a paper recipe
(`vivit_hf/training/presets.py`) and any flag given explicitly wins. Runs on 1..N processes (`accelerate config`:
DDP, FSDP, multi-node). The flags, data, model and loss are built by `vivit_hf.training.finetune`; this script is
the training loop.
"""

from __future__ import annotations

import argparse
import glob
import json
import logging
import math
import os
import shutil
import sys
import time
from contextlib import nullcontext
from functools import partial
from pathlib import Path

# First: the base install (`pip install -e .`) has neither accelerate nor psutil (its dependency, not the base's), and
# torch's import costs a new interpreter seconds before this one line.
try:
    from accelerate import Accelerator
except ModuleNotFoundError as missing:  # the base install has no recipes extra
    if (missing.name or "").split(".")[0] != "accelerate":
        raise  # a module accelerate itself imports (pyyaml, safetensors): the extra would not bring it back
    raise SystemExit("recipes/finetune.py needs accelerate: pip install -e '.[recipes]'") from None
import psutil  # accelerate's own dependency
import torch
from accelerate.logging import get_logger
from accelerate.utils import DataLoaderConfiguration, InitProcessGroupKwargs, ProjectConfiguration, set_seed
from tqdm.auto import tqdm

from vivit_hf.flag_spellings import flag_spellings
from vivit_hf.hub.cards import build_model_card, recipe_settings, source_license
from vivit_hf.hub.folders import staged_outputs
from vivit_hf.hub.upload import checkpoint_in_repo, link_folder, start_uploader
from vivit_hf.training.agreement import (
    agree,
    agree_on_examples,
    attempt,
    command_flags,
    first_across_processes,
    held_checkpoints,
    join_process_group,
    output_dir_is_shared,
    parse_everywhere,
    process_group_kwargs,
    resume_choice,
)
from vivit_hf.training.best_model import (
    best_evaluation,
    card_note,
    default_metric,
    evaluations_without_improvement,
    load_best_snapshot,
    metric_problem,
    metric_warning,
    missing_snapshot,
    patience_ran_out_earlier,
    prune_after_checkpoint,
    prune_best_snapshots,
    save_best_snapshot,
    unranked_evaluations,
)
from vivit_hf.training.checkpoints import (
    CHECKPOINTS,
    FINAL_MODEL_PATTERNS,
    RUN_SETTINGS_FILE,
    STATE_FILE,
    check_output_dir,
    checkpoint_writer,
    checkpoints_once_saves_finish,
    finish_interrupted_saves,
    hold_output_dir,
    live_evaluation_in,
    missing_random_state,
    nothing_to_resume,
    refused_when_full,
    release_output_dir,
    removal_said,
    remove_previous_run,
    save_checkpoint,
    save_pretrained,
    saved_in,
    steps_of,
    torn_files,
    trained_runs,
    unreadable_checkpoint,
)
from vivit_hf.training.class_weights import balanced_class_weights
from vivit_hf.training.data import SYNTHETIC, DatasetFormatError
from vivit_hf.training.data.dataset import evaluation_views_refusal, model_pixel_values
from vivit_hf.training.data.examples import digest_caveat, earlier_examples_digests, examples_digest
from vivit_hf.training.data.formats import config_name_known, refuse_a_file
from vivit_hf.training.data.streaming import stream_position
from vivit_hf.training.data.synthetic import SyntheticMotionConfig
from vivit_hf.training.finetune import (
    ModelFlagError,
    TrainedPerClass,
    ValidClipMean,
    batch_beyond_the_data,
    build_dataloaders,
    build_datasets,
    build_lr_scheduler,
    build_model,
    build_optimizer,
    build_processor,
    build_streaming_loaders,
    check_mixed_precision_launch,
    check_processor_fits_model,
    check_torch_compile_launch,
    classification_loss,
    clips_of_last_batch,
    clips_per_class,
    compile_for_training,
    epoch_batches,
    evaluate,
    evaluated_split,
    evaluation_figures,
    evaluation_targets,
    evaluation_view_refusal,
    flip_warning,
    head_starts,
    load_data,
    mixup_generator,
    never_trained_classes,
    never_trained_warning,
    past_the_end_report,
    plan_training,
    resolve_batch_size,
    restarts_without_a_restart,
    short_clips_warning,
    soft_targets,
    step_seed,
    unreadable_training_set,
    warmup_beyond_the_run,
    warmup_overridden,
)
from vivit_hf.training.finetune_flags import build_parser, missing_paths, parse_args, push_repo
from vivit_hf.training.flags import (
    SKIPPED_CLIP_LOGGERS,
    VIT_INIT_LOGGER,
    CommandLineRefused,
    advice_in_flag_words,
    hub_source,
    in_flag_words,
    output_dir_in_dataset,
    output_dir_problem,
    processes_not_started,
    usage_error,
)
from vivit_hf.training.launch import (
    accumulation_plugin,
    cpu_process_group,
    log_on_each_machine,
    refuse_a_gpu_config_without_a_gpu,
    run_as_command,
    run_as_script,
)
from vivit_hf.training.metrics import (
    NonFiniteLogitsError,
    plot_training_curves,
    save_evaluation_plots,
    scalar_metrics,
)
from vivit_hf.training.mixup import VideoMixup
from vivit_hf.training.model_ema import ModelEma, check_model_ema_launch, model_ema_card_note, weights_to_save
from vivit_hf.training.multi_label import drop_preset_label_smoothing, multi_label_flag_refusal, multi_label_loss
from vivit_hf.training.presets import preset_model_fields
from vivit_hf.training.resume import (
    apply_resumed_hyperparameters,
    args_as_trained,
    check_resume_clips,
    check_resume_columns,
    check_resume_evaluated_split,
    check_resume_labels,
    check_resume_settings,
    columns_left_to_check,
    dataset_folder,
    held_out_digest,
    preset_values_since,
    recorded_batches,
    recorded_settings,
    renumber_as_checkpoint,
    run_settings,
    same_settings,
    settings_as_trained,
    settings_as_typed_here,
    trained_again,
    trained_had_a_share_been_held_out,
    trained_on_an_earlier_draw,
    write_run_settings,
)
from vivit_hf.training.throughput import TOTALS, ThroughputMeter, combine, warmup_steps

logger = get_logger(__name__)


def card_dataset(args) -> dict:
    """The data set as the model card names it (`build_model_card`'s dataset_* keywords): a Hub id as such, a local
    folder by its path (the card cuts it to its name), the configuration as the data set names it
    (`config_name_known`: `--dataset_config_name Split_01` was recorded as typed, `1` for the same split)."""
    bundled = args.dataset == SYNTHETIC
    return dict(
        dataset_name="vivit_hf synthetic motion (bundled)" if bundled else args.dataset,
        dataset_id=None if bundled or Path(args.dataset).exists() else args.dataset,
        dataset_config=config_name_known(args.dataset_format, args.dataset_config_name),
        dataset_revision=args.dataset_revision,
    )


def readers(processes: int, workers: int) -> str:
    """Who reads a stream's shards, each its own share: processes, and within each its DataLoader workers."""
    processes_ = f"{processes} process" + ("" if processes == 1 else "es")
    workers_ = f"{workers} DataLoader worker" + ("" if workers == 1 else "s")
    if workers <= 1:
        return processes_
    return workers_ if processes == 1 else f"{processes_} x {workers_}"


def counted(number: int, noun: str) -> str:
    """`1 epoch`, `40 epochs`: the plan's log line said "1 epochs" for a short run."""
    return f"{number} {noun}" + ("" if number == 1 else "s")


def find_resume_checkpoint(args, output_dir: Path, settings: dict):
    """The checkpoint --resume_from_checkpoint names (None: none given, or `latest` with none yet, refused once every
    process has said so: `nothing_to_resume`), its trainer_state and the warnings for the settings that changed;
    refused (`CommandLineRefused`, status 2) before any data or model is loaded when the checkpoint's batches, model or
    optimiser differ from this run's."""
    if not args.resume_from_checkpoint:
        return None, None, []
    if args.resume_from_checkpoint == "latest":  # (as the folder is once `ready_output_dir` has put it right)
        found = checkpoints_once_saves_finish(output_dir)
        if not found:
            return None, None, []
        checkpoint = found[-1]
    else:
        checkpoint = Path(args.resume_from_checkpoint)
    if not (saved_in(checkpoint, output_dir) / STATE_FILE).is_file():
        # a run's folder or its checkpoints/ (Trainer users give `output_dir`): name the checkpoints it holds
        held = checkpoints_once_saves_finish(checkpoint.parent if checkpoint.name == CHECKPOINTS else checkpoint)
        what = "no such folder" if not checkpoint.exists() else f"no {STATE_FILE} there"
        give = (
            f"one of its checkpoints, {', '.join(map(str, held))}"
            if held
            else f"a folder under {output_dir / CHECKPOINTS}"
        )
        raise CommandLineRefused(f"--resume_from_checkpoint {checkpoint}: {what} (give {give}, or latest)")
    state_file = saved_in(checkpoint, output_dir) / STATE_FILE
    try:
        state = json.loads(state_file.read_text())
    except (OSError, ValueError) as error:  # (cut short by a copy stopped midway; --output_dir's: `take_output_dir`)
        raise CommandLineRefused(
            f"--resume_from_checkpoint {checkpoint}: {state_file} does not read ({type(error).__name__}: {error}), so "
            "it is no checkpoint that can be resumed (a copy stopped midway?): copy it again, or resume another "
            "checkpoint"
        ) from None
    if isinstance(state, dict) and "completed_steps" not in state and "global_step" in state:
        # transformers' Trainer writes a trainer_state.json too: its checkpoint loaded the data and the model (its
        # weights too, under accelerate's name for them) and then died in a traceback for accelerate's optimizer.bin
        raise CommandLineRefused(
            f"--resume_from_checkpoint {checkpoint}: a checkpoint of transformers' Trainer (step "
            f"{state['global_step']}), not of this recipe, which cannot continue Trainer's optimiser, scheduler and "
            f"data order; to fine-tune on from its weights, start a run with --init_from {checkpoint}"
        )
    if torn := torn_files(saved_in(checkpoint, output_dir)):  # (a copy stopped midway)
        others = [path.name for path in checkpoints_once_saves_finish(checkpoint.parent.parent)]
        others = [name for name in others if name != checkpoint.name]
        instead = f"resume another checkpoint of its run ({', '.join(others)})" if others else "start over"
        raise CommandLineRefused(
            f"--resume_from_checkpoint {checkpoint}: {', '.join(torn)} cut short there, so the checkpoint does not "
            f"load (a copy stopped midway?): copy it again, or {instead}"
        )
    # this machine's ranks (torchrun numbers them in a row), whose main process says the resume's warnings
    first = int(os.environ.get("RANK", "0")) - int(os.environ.get("LOCAL_RANK", "0"))
    machine = range(first, first + int(os.environ.get("LOCAL_WORLD_SIZE", "1")))
    no_random_state = missing_random_state(saved_in(checkpoint, output_dir), machine)
    # Going back to an earlier checkpoint: `latest` (and the same command again) orders by step, so the later ones,
    # of the run gone back on, would be resumed instead of this run's until its own pass them (or the limit removes
    # them: it removes those first).
    later = [path for path in checkpoints_once_saves_finish(output_dir) if path.resolve() != checkpoint.resolve()]
    later = [path.name for path in later if steps_of(saved_in(path, output_dir)) > state.get("completed_steps", 0)]
    going_back = (
        [
            f"{output_dir / CHECKPOINTS} holds checkpoints of later steps ({', '.join(later)}) of the run this one "
            "goes back on: until this run's own pass them, --resume_from_checkpoint latest (and this command again) "
            "would resume those; move them away to keep them"
        ]
        if later
        else []
    )
    try:  # other batches would silently skip other clips; another model's state does not load
        saved = settings_as_typed_here(state.get("settings"), state.get("dataset_folder"), args.dataset)
        said = [*going_back, *([no_random_state] if no_random_state else [])]
        return checkpoint, state, said + check_resume_settings(saved, settings, args)
    except ValueError as error:
        raise CommandLineRefused(f"cannot resume from {checkpoint}: {error}") from None


def recorded_and_ours(
    args, output_dir: Path, processes: int | None = None
) -> tuple[dict | None, dict, Path | None] | None:
    """(the settings `output_dir`'s last checkpoint, else its run_settings.json, recorded; this command's, the process
    count from the launcher's WORLD_SIZE unless `processes` is given; that checkpoint or None), as `same_command_run`
    compares them. None where this command's batch is refused, or the folder's record cannot be read."""
    processes = processes or int(os.environ.get("WORLD_SIZE", "1"))
    probe = argparse.Namespace(**vars(args))
    try:
        probe.gradient_accumulation_steps, probe.effective_total_batch_size, _ = resolve_batch_size(probe, processes)
    except ValueError:
        return None
    ours = json.loads(json.dumps(run_settings(probe, processes)))
    found = checkpoints_once_saves_finish(output_dir)
    if found:
        state = json.loads((saved_in(found[-1], output_dir) / STATE_FILE).read_text())
        return settings_as_typed_here(state.get("settings"), state.get("dataset_folder"), args.dataset), ours, found[-1]
    try:
        return settings_as_typed_here(*recorded_settings(output_dir), args.dataset), ours, None
    except (OSError, ValueError, AttributeError):
        return None


def same_command_run(args, output_dir: Path) -> tuple[str, Path | None] | None:
    """What a rerun of the very command that wrote `output_dir` does (the settings its last checkpoint, else its
    run_settings.json, recorded equal this run's: batches, model, optimisation; the process count from the launcher's
    WORLD_SIZE): `("continue", checkpoint)` from its last checkpoint, as transformers' example scripts resume the
    checkpoint they find (a finished run trains nothing more: its last step is checkpointed; `trained_again` names
    the steps after it of an earlier version's run); `("restart", None)` for a finished run that kept no checkpoint
    (the same command again, from the start). None: another run, refused."""
    compared = recorded_and_ours(args, output_dir)
    if compared is None or not same_settings(*compared[:2]):
        return None
    if compared[2] is None and columns_left_to_check(*compared[:2]):  # a restart removes the run before any read
        return None
    return ("continue", compared[2]) if compared[2] is not None else ("restart", None)


def preset_changed_since_run(args, output_dir: Path) -> str:
    """The words `preset_values_since` adds to the refusal of another run's folder (empty where it adds none)."""
    compared = recorded_and_ours(args, output_dir)
    said = compared and preset_values_since(compared[0], compared[1], args)
    return f" {said}" if said else ""


def launched_otherwise_since_run(args, output_dir: Path) -> str:
    """The words added to the refusal of a folder that holds a run of this very command launched on another number of
    processes (empty otherwise). The refusal said only "already holds a previous run" and offered
    `--resume_from_checkpoint latest`, which the checkpoint's batches then refuse (processes 2 -> 1)."""
    compared = recorded_and_ours(args, output_dir)
    saved = compared[0] if compared else None
    recorded = (recorded_batches(saved) or {}).get("num_processes")
    here = compared[1]["batches"]["num_processes"] if compared else None
    if not isinstance(recorded, int) or recorded < 1 or recorded == here:
        return ""
    there = recorded_and_ours(args, output_dir, processes=recorded)
    if there is None or not same_settings(*there[:2]):
        return ""
    launched = f"{recorded} process" + ("es" if recorded != 1 else "")
    return (
        f" It is a run of this command launched on {launched}, and this launch has {here}: launch it on {launched} to "
        "go on with it (a checkpoint resumes on the process count it trained on)"
    )


def decide_start(args, output_dir: Path, num_processes: int):
    """Every refusal taken before anything loads, on this process alone (`CommandLineRefused`: its line, status 2): a
    previous run in --output_dir (refused unless resumed, overwritten or the same command), the batch size, the
    checkpoint to resume.
    `args` gets the resolved batch and what a rerun of the same command does. Returns (rerun, batch_warning,
    settings, checkpoint, resume_state, resume_warnings), once what a killed save left is put right (on several
    processes `main` takes these parts apart, with an agreement between them, and puts it right in `ready_output_dir`,
    once the launch's refusals are taken too)."""
    take_output_dir(args, output_dir, num_processes)
    decided = decide_the_rest(args, output_dir, num_processes)
    finish_interrupted_saves(output_dir)
    return decided


def take_output_dir(args, output_dir: Path, num_processes: int) -> None:
    """`decide_start`'s refusals of the paths, then the main process's lock of --output_dir (and the refusal of a
    folder whose evaluation a live run writes). Nothing is put right there yet (`ready_output_dir`)."""
    problem = missing_paths(args)  # looked up on this machine, once every process has joined (see main)
    if problem:  # argparse's status 2, as for any other bad flag; on one process its usage line too
        raise build_parser(__doc__).refusal(problem) if num_processes == 1 else CommandLineRefused(problem)
    if args.dataset != SYNTHETIC:  # a file (x.zip): its line before --output_dir's, which the data set never reached
        try:
            refuse_a_file(args.dataset)
        except DatasetFormatError as error:
            raise CommandLineRefused(str(error)) from None
    problem = output_dir_problem(output_dir)  # (a read-only folder: before the lock's file is opened there)
    problem = problem or (None if args.overwrite_output_dir else unreadable_checkpoint(output_dir))
    if problem:
        raise CommandLineRefused(problem)
    problem = output_dir_in_dataset(output_dir, args.dataset) if args.dataset != SYNTHETIC else None
    # a run an earlier version started there: it resumes once moved
    if problem and checkpoints_once_saves_finish(output_dir):
        problem += (
            f"; to go on with the run it holds, move {output_dir} out of the data set and resume it there "
            "(--output_dir <the new place> --resume_from_checkpoint latest)"
        )
    if problem:
        raise CommandLineRefused(problem)
    main_process = os.environ.get("RANK", "0") == "0"
    busy = hold_output_dir(output_dir) if main_process else None  # the main process's
    if busy:  # first: a live run's folder is no previous run to resume, overwrite or run again
        raise CommandLineRefused(busy)
    try:
        evaluating = live_evaluation_in(output_dir) if main_process else None  # looked at once the folder is held
        if evaluating:
            raise CommandLineRefused(evaluating)
    except BaseException:  # refused: the folder is left as it was
        release_output_dir(output_dir)
        raise


def ready_output_dir(accelerator, args, output_dir: Path, rerun) -> None:
    """What each process that writes checkpoints (`checkpoint_writer`: the main process, or each machine's where no
    folder every machine shares) does to its --output_dir once every refusal is taken: put right what a killed save
    left (`finish_interrupted_saves`), remove the previous run where it is overwritten, make the folder.

    After the refusals, so that a run refused (another command's folder) renames no killed save and deletes nothing a
    pruning left; on every machine, not at its first save, since a save killed between its renames leaves each
    machine's folder with `step_4` and a whole `.tmp-step_6` (read so, a resume would be refused: "the machines'
    latest checkpoints differ"). The refusals and `latest` see each folder as it will be
    (`checkpoints_once_saves_finish`, `saved_in`); no process reads a checkpoint before every process has met after
    this (`main`).

    Another machine's main process holds its own folder first (rank 0's was held as it was taken): only rank 0 held
    one, so a run whose rank 0 was elsewhere, launched with `--overwrite_output_dir` on a machine another live run
    wrote its own folder on (the same local path), deleted that run's checkpoints under it."""
    if not checkpoint_writer(accelerator):
        return
    if not accelerator.is_main_process and (busy := hold_output_dir(output_dir)):
        raise CommandLineRefused(busy)
    finish_interrupted_saves(output_dir)
    if args.overwrite_output_dir:
        removed, kept = remove_previous_run(output_dir)
        if removed or kept:
            why = "--overwrite_output_dir" if rerun is None else "the same command again"
            log_on_each_machine(logger, accelerator, logging.INFO, removal_said(why, removed, kept, output_dir))
    output_dir.mkdir(parents=True, exist_ok=True)


def decide_the_rest(args, output_dir: Path, num_processes: int):
    """`decide_start` in the folder this process holds (or, on another process than the main one, sees)."""
    try:
        rerun = None
        try:  # a previous run there: refused before anything loads, unless resumed, overwritten or the same command
            check_output_dir(output_dir, args.overwrite_output_dir, args.resume_from_checkpoint)
        except ValueError as error:
            rerun = None if args.resume_from_checkpoint else same_command_run(args, output_dir)
            if rerun is None:  # the user's --output_dir: argparse's status 2, as a --dataset that is not there
                since = "" if args.resume_from_checkpoint else preset_changed_since_run(args, output_dir)
                since = since or ("" if args.resume_from_checkpoint else launched_otherwise_since_run(args, output_dir))
                raise CommandLineRefused(f"{error}.{since}" if since else str(error)) from None
            if rerun[0] == "continue":
                args.resume_from_checkpoint = "latest"
            else:  # its outputs are removed where --overwrite_output_dir's are, after every other refusal
                args.overwrite_output_dir = True
        # The paper's batch of 64 on however many processes this launch has: exactly, or refused (a preset's: warned).
        try:
            args.gradient_accumulation_steps, args.effective_total_batch_size, batch_warning = resolve_batch_size(
                args, num_processes
            )
        except ValueError as error:
            raise CommandLineRefused(str(error)) from None
        settings = run_settings(args, num_processes)  # recorded in checkpoints, checked on resume
        return rerun, batch_warning, settings, *find_resume_checkpoint(args, output_dir, settings)
    except BaseException:  # refused: the folder is left as it was
        release_output_dir(output_dir)
        raise


def main(argv=None):
    # a command line refused on one of several machines stops the others now, not after --ddp_timeout
    args = parse_everywhere(partial(parse_args, description=__doc__, check_paths=False), argv)
    # What the paths name is looked up after the process group is joined (decide_start), so that a folder missing on
    # one machine stops every machine; on one process it is argparse's error, as before.
    output_dir = Path(args.output_dir)
    # the folders this run will make (innermost first), looked for before any is: a run refused or failed with
    # nothing written leaves none of them (`hold_output_dir`'s `made`), where an empty --output_dir it made was left
    made = [folder for folder in (output_dir, *output_dir.parents) if not folder.exists()]
    flags = command_flags(args)  # as typed: decide_start changes some of them
    refuse_a_gpu_config_without_a_gpu()  # ddp_multi_gpu.yaml on CPUs would run 8 CPU processes in bf16
    use_cpu = cpu_process_group()
    # Every process joins the group before it decides anything, so that a refusal on one machine stops them all at
    # once, each with one line (the others would wait for it at their first collective: 30 minutes).
    num_processes = join_process_group(args.ddp_timeout)
    # The main process holds --output_dir (`take_output_dir`), and every process agrees on that before any looks for
    # `latest`. Each looks at the folder as it will be once what a killed save left is put in place, which is done only
    # once every refusal is taken (`ready_output_dir`): a process that looked while it was being done saw a checkpoint
    # not yet renamed, and the run stopped, the processes' latest checkpoints "differing".
    _, refusal, error = attempt(take_output_dir, args, output_dir, num_processes)
    agree(flags, refusal, error=error)
    decided, refusal, error = attempt(decide_the_rest, args, output_dir, num_processes)
    rerun, batch_warning, settings, checkpoint, resume_state, resume_warnings = decided or (None,) * 6
    held = held_checkpoints(output_dir) if args.resume_from_checkpoint and refusal is None else None
    agree(flags, refusal, resume_choice(checkpoint, resume_state, output_dir), error, held)
    if args.resume_from_checkpoint and checkpoint is None:  # `latest` and, as agreed, no process found one
        agree(None, CommandLineRefused(nothing_to_resume(output_dir)))  # its line once per machine, status 2
    # Without one folder every machine sees, each machine keeps whole checkpoints of its own, so that each can resume.
    shared_output_dir = output_dir_is_shared(output_dir)
    # Batches go to a GPU from pinned memory without blocking (build_dataloaders pins them there): a blocking copy
    # waits for the device to finish the previous step, a host sync in every step, counted as waiting for data.
    # the flag's count, whatever accelerate's variable says (`accumulation_plugin`)
    plugin, accumulation_unread = accumulation_plugin(args.gradient_accumulation_steps)
    accelerator_kwargs = dict(
        gradient_accumulation_plugin=plugin,
        cpu=use_cpu,
        dataloader_config=DataLoaderConfiguration(non_blocking=True),
        kwargs_handlers=[InitProcessGroupKwargs(**process_group_kwargs(args.ddp_timeout))],
        project_config=ProjectConfiguration(save_on_each_node=not shared_output_dir),
    )
    if args.mixed_precision:
        accelerator_kwargs["mixed_precision"] = args.mixed_precision
    if args.with_tracking:
        accelerator_kwargs.update(log_with=args.report_to, project_dir=str(output_dir))
    accelerator = Accelerator(**accelerator_kwargs)
    try:  # before anything is loaded or written
        check_torch_compile_launch(args, accelerator)
        check_mixed_precision_launch(args, accelerator)
        check_model_ema_launch(args, accelerator)
    except ValueError as error:
        usage_error(str(error))
    logging.basicConfig(format="%(asctime)s - %(levelname)s - %(name)s - %(message)s", level=logging.INFO)
    logger.info(accelerator.state, main_process_only=False)
    single = processes_not_started(accelerator.num_processes, sys.argv[0])  # --num_processes 2 ran one on CPUs
    if single:
        logger.warning(single)
    if accumulation_unread:
        logger.warning(accumulation_unread)
    if batch_warning:
        logger.warning(batch_warning)
    if rerun is not None and rerun[0] == "continue":
        log_on_each_machine(
            logger,
            accelerator,
            logging.WARNING,
            f"{output_dir} holds a run of this same command: continuing it from {rerun[1].name}, its last "
            f"checkpoint, and writing its outputs again; --overwrite_output_dir starts over",
        )
    elif rerun is not None:
        how = (
            "a finished run"
            if (output_dir / "config.json").is_file()
            else "a run, stopped before its first checkpoint,"
        )
        log_on_each_machine(
            logger,
            accelerator,
            logging.WARNING,
            f"{output_dir} holds {how} of this same command and no checkpoint to continue from: running it "
            f"again from the start, in place of its outputs",
        )
    set_seed(args.seed)
    if args.torch_threads:
        torch.set_num_threads(args.torch_threads)
    if not shared_output_dir:  # (said on each machine: each keeps its own checkpoints)
        log_on_each_machine(
            logger,
            accelerator,
            logging.WARNING,
            f"--output_dir {output_dir} is not one folder every machine shares: each machine keeps its own "
            "checkpoints there; the final model and results are written on the machine of rank 0 only",
        )
    # after every refusal above (a refused run changes nothing in --output_dir); a failure on one machine (a folder
    # it may not write) stops every machine with its line, not the others at their next collective
    _, refusal, error = attempt(ready_output_dir, accelerator, args, output_dir, rerun)
    # a folder made just now (decide_start found none to lock): another run may have made it at the same moment
    # (the process holding it alone removes what this run made, at its exit, and only folders left empty)
    busy = hold_output_dir(output_dir, made=made) if checkpoint_writer(accelerator) and refusal is None else None
    agree(None, refusal or (CommandLineRefused(busy) if busy else None), error=error)
    accelerator.wait_for_everyone()  # no process writes into the folder while the previous run is being removed

    # A Hub id that cannot be fetched (no network, offline mode, no such repo): one line naming it, per process.
    with hub_source("--dataset", args.dataset):
        data, train_examples, eval_examples, eval_split = load_data(args, accelerator)
    if checkpoint is not None:  # a checkpoint that numbers the same classes otherwise (an earlier version's) goes on so
        renumber_as_checkpoint(data, resume_state.get("id2label"))
    train_split = getattr(args, "trained_split", None) or args.train_split  # `train (16 of its 240 clips: ...)`
    # machines with a copy each: the same clips (a stream: the same shards), or some read twice and others never
    train_digest = examples_digest(train_examples)
    # ... and number the classes alike (a stream's digest is of its shards alone)
    caveats = {"train": digest_caveat(train_examples), "eval": digest_caveat(eval_examples)}  # a Hub listing unread
    agree_on_examples({"train": train_digest, "eval": examples_digest(eval_examples)}, data.label_spaces, caveats)
    # evaluate.py draws the held-out share again: recorded, so that it can tell when the data set has changed since
    held_out = held_out_digest(args, data)
    if checkpoint is not None:  # the classes the checkpoint's classifier answers, known only once the data is read
        try:
            # the columns read: the checkpoint's run's (recorded since), else a flag typed as the one detected today
            check_resume_columns(resume_state.get("settings"), args, data, resume_state.get("columns_read"))
            resume_warnings += check_resume_labels(resume_state.get("id2label"), data.id2label, args.dataset)
            resume_warnings += check_resume_evaluated_split(resume_state, evaluated_split(args, data), args)
            earlier = earlier_examples_digests(train_examples)  # a checkpoint of an earlier version recorded that
            unread = (caveats["train"] or {}).get("unread")
            held_then = partial(trained_had_a_share_been_held_out, args, data)  # an earlier version's share
            drawn_before = partial(trained_on_an_earlier_draw, args, data)  # UCF101's groups, clip by clip
            resume_warnings += check_resume_clips(
                resume_state.get("train_digest"), train_digest, earlier, unread, held_then, drawn_before
            )
        except ValueError as error:
            usage_error(f"cannot resume from {checkpoint}: {error}")
    if data.multi_label and (dropped := drop_preset_label_smoothing(args)):  # a preset's, not the user's choice
        logger.warning(dropped)
    if data.multi_label and (refusal := multi_label_flag_refusal(args)):  # a label column of lists: known now
        usage_error(refusal)
    best_metric = args.metric_for_best_model or default_metric(data.label_spaces, data.multi_label)  # heads known now
    if problem := metric_problem(best_metric, data.label_spaces, data.multi_label):
        usage_error(problem)
    if warning := metric_warning(best_metric, data.label_spaces):  # top5 of 5 classes or fewer: always 1.0
        logger.warning(warning)
    with hub_source("--init_from", args.init_from):
        model, init_processor = build_model(args, data, resume_state if checkpoint is not None else None)
    model_num_frames = model.config.num_frames  # recorded in checkpoints: the model a resume builds (build_model)
    processor = build_processor(args, model.config, init_processor)
    try:  # (flags that disagree are refused at parse time; this is what a checkpoint's config may still bring)
        check_processor_fits_model(processor, model.config)
    except ValueError as error:
        usage_error(str(error))
    if model.config.unseen_input():
        logger.warning(model.config.unseen_input())
    short = None if args.streaming else short_clips_warning(train_examples, processor)
    for said in (short, flip_warning(data.label_names, processor)):
        if said:
            logger.warning(said)
    head_sizes = list(data.head_sizes.values())
    class_weights, weights_by_class = None, None  # --class_weights balanced: from the training labels, no clip read
    if args.class_weights:
        weights = balanced_class_weights(clips_per_class(train_examples, head_sizes), head_sizes)
        class_weights = torch.tensor(weights, device=accelerator.device)
        weights_by_class = {  # per head, by class name (heads share names)
            head: dict(zip(names, weights[start : start + len(names)]))
            for start, (head, names) in zip(head_starts(head_sizes), data.label_spaces.items())
        }
        logger.info(f"--class_weights balanced: {json.dumps(weights_by_class)}")
    num_views = args.eval_num_clips * args.eval_num_crops
    # eval_loss is the objective train_loss averages: smoothed and weighted as trained (Trainer's compute_loss)
    loss_targets = evaluation_targets(head_sizes, args.label_smoothing or 0.0, class_weights)

    # evaluation views a processor that crops nothing makes (an --init_from folder's): each clip's checked as read
    view_refusal = evaluation_view_refusal(args, processor, model.config)
    if args.streaming:  # datasets' IterableDataset, split over the processes, decoded in the workers
        train_dataloader, eval_dataloader = build_streaming_loaders(
            args, train_examples, eval_examples, processor, accelerator, view_refusal
        )
        train_dataset, eval_dataset = train_dataloader.dataset, eval_dataloader.dataset
        num_train, num_eval = len(train_examples), len(eval_examples)
    else:
        train_dataset, eval_dataset = build_datasets(
            args,
            train_examples,
            eval_examples,
            processor,
            view_refusal,
            multi_label_classes=len(data.label_names) if data.multi_label else None,
        )
        train_dataloader, eval_dataloader = build_dataloaders(
            args, train_dataset, eval_dataset, pin_memory=accelerator.device.type == "cuda"
        )
        num_train, num_eval = len(train_dataset), len(eval_dataset)
        unreadable = unreadable_training_set(args, train_dataset)  # known before any step: said before any step
        if unreadable:  # the run failed (status 1), as predict.py's for videos that cannot be read
            raise SystemExit(f"error: {in_flag_words(unreadable)}")
    # before any step: it was the model's traceback at the first evaluation, an epoch of training later (evaluate.py's
    # rule: the views' fixed size, else the first clip's and the later clips' headers')
    checked = None if args.streaming else eval_dataset
    if refusal := evaluation_views_refusal(
        view_refusal, processor, args.eval_num_crops, checked, first_across_processes
    ):
        usage_error(refusal)

    # A checkpoint's optimiser state loads into its own groups only: with biases and norms apart from weight decay, or
    # (an older version's, or one trained without weight decay) all in one.
    exempt_group = None if checkpoint is None else bool(resume_state.get("weight_decay_exempt_group"))
    if exempt_group is False and args.weight_decay:
        logger.warning(
            f"{checkpoint}'s optimiser decays every parameter, biases and LayerNorm weights too (saved by an "
            "older version, or without weight decay): the resumed run does the same, for its state to load"
        )
    optimizer = build_optimizer(args, model, exempt_group)

    # Steps per epoch: every process takes as many batches as the longest share of the epoch (epoch_batches says
    # how that is known). With a plan that may be short, whole epochs run and the plan is said.
    steps_given = args.max_train_steps is not None
    batches_in_epoch, exact_plan = epoch_batches(args, train_dataset, num_train, accelerator.num_processes)
    num_epochs, steps_of_epoch = plan_training(args, batches_in_epoch)
    stop_at_max_steps = steps_given or exact_plan
    if not exact_plan:
        logger.warning(
            f"the sizes of the stream's shards are unknown, so how an epoch's clips fall to the "
            f"{readers(accelerator.num_processes, args.num_workers)} is too: the learning-rate schedule is planned on "
            f"{steps_of_epoch[0]} steps per epoch ({num_train} clips shared evenly), the fewest an epoch can take; "
            + (
                "--max_train_steps ends the run"
                if steps_given
                else "every epoch runs to its end all the same, so the schedule may end before the run does"
            )
        )
    too_big = batch_beyond_the_data(args, num_train, accelerator.num_processes)
    if too_big:
        logger.warning(too_big)
    # Dropout, stochastic depth and mixup are seeded by (epoch, batch): this many batch numbers per epoch, as many
    # as one process alone would take, so no two epochs share a seed however long an epoch runs. A streamed epoch's
    # DataLoader workers each end with a partial batch: up to one batch more per worker but the first.
    seed_stride = math.ceil(num_train / args.per_device_train_batch_size)
    if args.streaming:
        seed_stride += max(args.num_workers, 1) - 1
    warmup = (
        args.num_warmup_steps if args.num_warmup_steps is not None else round(args.warmup_epochs * steps_of_epoch[0])
    )
    for said in (warmup_overridden(args), warmup_beyond_the_run(args, warmup), restarts_without_a_restart(args)):
        if said:
            logger.warning(said)
    lr_scheduler = build_lr_scheduler(args, optimizer, warmup, accelerator.num_processes)

    if args.streaming:  # the loaders already split the stream over the processes and put batches on the device
        model, optimizer, lr_scheduler = accelerator.prepare(model, optimizer, lr_scheduler)
    else:
        model, optimizer, train_dataloader, eval_dataloader, lr_scheduler = accelerator.prepare(
            model, optimizer, train_dataloader, eval_dataloader, lr_scheduler
        )
    # `compiled` runs the steps and evaluation (torch.compile of `model` with --torch_compile, else `model` itself);
    # `model` is what is clipped, accumulated, saved and checkpointed.
    model, compiled = compile_for_training(model, args)
    # --model_ema: the average of the weights, checkpointed with them (so that a resume continues it)
    ema = (
        ModelEma(accelerator.unwrap_model(model), args.model_ema_decay, args.model_ema_warmup)
        if args.model_ema
        else None
    )
    if ema is not None:
        accelerator.register_for_checkpointing(ema)

    # The Hub repo before the trackers write their folder: a repo that cannot be made (no token, no network) stops the
    # run with one line and leaves no folder that a rerun would take for a previous run
    uploader, upload_failure = None, None
    if args.push_to_hub and accelerator.is_main_process:
        repo = push_repo(args)  # --hub_model_id, or the output folder's name
        uploader = start_uploader(
            repo,
            token=args.hub_token,
            private=args.hub_private_repo,
            max_retries=args.upload_retries,
            revision=args.hub_revision,
        )

    if checkpoint_writer(accelerator) and not (output_dir / "config.json").is_file():
        # Recorded as training starts (every refusal is behind: a run refused for its flags or data leaves no run),
        # so that the same command after a stop before the first checkpoint (Ctrl-C, a kill) is known for a rerun
        # of this run and starts again, as the README says, not refused as another run's folder (its tracker
        # logs). The final outputs write it again; a previous model keeps its own record until this run's model
        # replaces it (evaluate.py reads it for the share held out).
        write_run_settings(output_dir, settings, args.dataset, held_out)
    if args.with_tracking:
        # the Hub token is a secret, not a setting: a tracker sends its hparams on (wandb) or writes them in its logs
        shown = {k: v for k, v in vars(args).items() if k != "hub_token"}
        hparams = {k: v if isinstance(v, (int, float, str, bool)) else str(v) for k, v in shown.items()}
        accelerator.init_trackers("finetune", hparams)

    # ------------------------------------------------------------------ resume
    completed_steps, starting_epoch, resume_batches = 0, 0, 0
    resume_stream: dict = {}
    history: list[dict] = []
    skipped_before = 0  # broken training clips skipped by the runs before a resume
    trained_before = [0] * accelerator.num_processes  # clips each process trained in the runs before a resume
    padded_before = [0] * accelerator.num_processes  # and clips repeated to fill up a last batch (epoch_clips)
    truncated_before = 0  # segments read past their video's end in the resumed epoch, before its checkpoint
    per_class_before = [0] * len(data.label_names)  # clips trained per class by the runs before a resume
    # Per-step losses (each the mean over the processes, as logged at --logging_steps 1) summed by the runs before a
    # resume, and their steps: the run's train_loss is their mean, whether or not it was stopped and resumed.
    loss_sum_before, loss_steps_before = 0.0, 0
    logged_before = [0.0, 0]
    earlier_runs: list[dict] = []  # the settings the checkpoint's steps were trained with, for the model card
    if checkpoint is not None:
        for warning in resume_warnings:  # each machine's (its own --output_dir's later checkpoints, ...)
            log_on_each_machine(logger, accelerator, logging.WARNING, warning)
        accelerator.load_state(str(checkpoint))
        try:  # the checkpoint's optimiser state restored its learning rate, weight decay and momentum: put ours back
            applied = apply_resumed_hyperparameters(optimizer, lr_scheduler, args, resume_state.get("settings"))
        except ValueError as error:
            usage_error(f"cannot resume from {checkpoint}: {error}")
        if applied:
            logger.warning(f"applied {'; '.join(applied)}: the schedule goes on from the checkpoint's step")
        completed_steps, starting_epoch = resume_state["completed_steps"], resume_state["epoch"]
        resume_batches, history = resume_state["batches_in_epoch"], resume_state["history"]
        skipped_before = resume_state["skipped"]
        # (a checkpoint of an older version did not record them: the counts then start at this run)
        trained_before = resume_state.get("trained_per_process", trained_before)
        padded_before = resume_state.get("padded_per_process", padded_before)
        truncated_before = resume_state.get("truncated_in_epoch", 0)
        per_class_before = resume_state.get("trained_per_class")  # None: unknown (an older version's checkpoint)
        # (an older version's checkpoint kept no loss: train_loss is then this run's steps' mean)
        loss_sum_before = resume_state.get("train_loss_sum", 0.0)
        loss_steps_before = resume_state.get("train_loss_steps", 0)
        # the same at the last logged train/loss (an older version's checkpoint: at the resume)
        logged_before = resume_state.get("logged_loss", [loss_sum_before, loss_steps_before])
        earlier_runs = trained_runs(resume_state)
        # an earlier version's evaluations have no loss: ranked by it they would be passed over (the best, the patience)
        ranking = args.load_best_model_at_end or args.early_stopping_patience
        unranked = ranking and unranked_evaluations(
            history, best_metric, default_metric(data.label_spaces, data.multi_label)
        )
        if unranked:
            usage_error(f"cannot resume from {checkpoint}: {unranked}")
        missing = args.load_best_model_at_end and missing_snapshot(output_dir, history, best_metric, checkpoint)
        if missing:
            usage_error(f"cannot resume from {checkpoint}: {missing}")
        ran_out = args.early_stopping_patience and patience_ran_out_earlier(
            history, best_metric, args.early_stopping_patience, args.early_stopping_threshold, completed_steps
        )
        if ran_out:
            usage_error(f"cannot resume from {checkpoint}: {ran_out}")
        if args.streaming:  # batches each DataLoader worker of this process had delivered
            resume_stream = resume_state["stream_position"][accelerator.process_index]
        log_on_each_machine(
            logger,
            accelerator,
            logging.INFO,
            f"resumed from {checkpoint}: step {completed_steps}, epoch {starting_epoch}, {resume_batches} batches into "
            "it",
        )
        if completed_steps >= args.max_train_steps:
            logger.info(
                f"{checkpoint} already reached --max_train_steps {args.max_train_steps}: nothing left to "
                f"train; evaluating it and writing the outputs"
            )
        elif Path(checkpoint).resolve().parent == (output_dir / CHECKPOINTS).resolve():  # this folder's run
            again = trained_again(output_dir, completed_steps)  # finished, with no checkpoint of its last step
            if again:
                log_on_each_machine(logger, accelerator, logging.WARNING, again)

    logger.info(
        f"{counted(num_train, 'training clip')}{f' ({train_split})' if train_split != args.train_split else ''}, "
        f"{counted(num_eval, 'evaluation clip')} ({eval_split}); "
        f"{counted(args.max_train_steps, 'step')}, {counted(num_epochs, 'epoch')}, accumulation "
        f"{args.gradient_accumulation_steps} (total batch {args.effective_total_batch_size})"
    )
    progress = tqdm(
        range(args.max_train_steps),
        initial=completed_steps,
        disable=not accelerator.is_local_main_process,
        # in a log file (no terminal) a line every 30 s, not one per redraw: 1,100 lines for the bundled run
        mininterval=0.1 if sys.stderr.isatty() else 30,
        desc="training",
    )
    compiling = compiled is not model  # until this run's first optimiser step
    mixup = VideoMixup(sum(head_sizes), mixup_alpha=args.mixup_alpha or 0.0, cutmix_alpha=args.cutmix_alpha or 0.0)
    clip_mean = ValidClipMean(accelerator, args.per_device_train_batch_size)
    unwrapped = accelerator.unwrap_model(model)
    start_time = time.time()
    results: dict = {}
    # This process's clip counts, kept on the device: reading them every step made the host wait for the step's
    # kernels (and summing the skipped ones over the processes was a collective per step). They are read where they
    # are reported: logging steps, checkpoints, the end of an epoch and of the run.
    trained_clips = torch.zeros((), dtype=torch.long, device=accelerator.device)  # what multi-process tests check
    decoded_clips = torch.zeros_like(trained_clips)  # of them, those that decoded (a stream is checked as it goes)
    skipped_clips = torch.zeros_like(trained_clips)  # and those that did not (broken), in this run
    padded_clips = 0  # of this process's rows, clips trained again to fill up its last batch of an epoch (a host int)
    # counted on every process; the runs before a resume on the first only (summed over the processes)
    trained_per_class = TrainedPerClass(
        head_sizes, accelerator.device, per_class_before if accelerator.is_main_process else None
    )
    # a class with no clip trained is said only once every clip of the split has been read, all of an epoch:
    # --max_train_steps may end a run before a class's clips come, and a stream's classes are not counted up front
    whole_split_read = starting_epoch > 0
    steps_at_start = completed_steps
    # Trainer's `epoch`: epochs trained, the last one's share of batches included
    epochs_done = starting_epoch + (resume_batches / batches_in_epoch(starting_epoch) if resume_batches else 0)
    # this run's per-step losses summed on the device (float64: a sum of thousands of steps stays exact to the last
    # logged digit), and the step now open's batch losses
    loss_dtype = torch.float32 if accelerator.device.type == "mps" else torch.float64  # MPS has no float64
    train_loss_sum = torch.zeros((), dtype=loss_dtype, device=accelerator.device)
    # this run's steps whose every clip, on every process, was broken: no loss, so no step of train_loss (the same
    # count on every process, from the step's all-reduced clips)
    lossless_steps = torch.zeros((), dtype=torch.long, device=accelerator.device)
    step_loss = torch.zeros((), device=accelerator.device)
    grad_norm = None  # the last step's gradient norm, before clipping (computed with --max_grad_norm only, as Trainer)
    # (train_loss_so_far) at the last logged train/loss: each logged value is the mean of exactly the steps since;
    # the window's sum was restarted at each epoch's start and at a resume, so a value spanning one covered only after
    last_logged = tuple(logged_before)

    def epoch_clips(valid):
        """Which rows of this batch are clips of the epoch, and how many are not: in the epoch's last batch,
        accelerate repeats clips from its start so that every process takes as many steps. They are trained on (as
        DDP's sampler does) but counted once, as trained, decoded or skipped where they first came; the mask is built
        from host numbers (no read of the batch back from the device)."""
        real = torch.ones_like(valid)
        state = accelerator.gradient_state
        if not state.end_of_dataloader:
            return real, 0
        clips = clips_of_last_batch(len(real), accelerator.process_index, state.remainder)
        real[clips:] = False
        return real, len(real) - clips

    # Data wait and wall time per optimiser step, after a warm-up (vivit_hf/training/throughput.py says where the
    # clock is read, so that the figures hold on a GPU whose kernels run behind the host).
    meter = ThroughputMeter(
        warmup_steps(args.max_train_steps - completed_steps),
        synchronize=torch.get_device_module(accelerator.device).synchronize,
    )

    def throughput_so_far() -> dict:
        """Clips per second of all processes, data-wait share and median step over the measured steps (a
        collective: every process calls it)."""
        totals = meter.totals()
        dtype = torch.float32 if accelerator.device.type == "mps" else torch.float64  # MPS has no float64
        local = torch.tensor([totals[name] for name in TOTALS], dtype=dtype, device=accelerator.device)
        summed = accelerator.reduce(local, reduction="sum").tolist()
        return combine(dict(zip(TOTALS, summed)), accelerator.num_processes)

    def skipped_total() -> int:
        """Broken training clips skipped so far: every process, and the runs before a resume (a collective)."""
        return skipped_before + int(accelerator.reduce(skipped_clips, reduction="sum"))

    def refuse_nothing_learned_or_measured(results=None):
        """A run that trained on no decodable clip, or evaluated none, stops here: no model saved or pushed as trained,
        no accuracy of 0.0 on 0 clips (a collective: every process calls it at the same point)."""
        reason = None
        if results is None and steps_at_start == 0:  # resumed: the steps before may have trained on clips
            if int(accelerator.reduce(decoded_clips, reduction="sum")) == 0:
                reason = (
                    f"none of the {skipped_total()} training clips of this run could be decoded: every one in "
                    f"{args.dataset} (split {args.train_split}) was unreadable (or a streamed row without a label) "
                    "and skipped in the first epoch; "
                    "nothing was trained, no model is saved"
                )
        if results is not None and results["num_samples"] == 0:
            reason = (
                f"none of the {results['num_skipped']} evaluation clips ({eval_split}) could be decoded (each one "
                "named above was unreadable, or a streamed row without a label); no model is saved"
            )
        if reason:
            progress.close()  # the bar's last redraw before the error, which is then the last line
            raise SystemExit(f"error: {reason}")

    def evaluate_or_stop() -> dict:
        """`evaluate`, or for a model whose logits are NaN or infinite (a training that diverged) one line and no
        model saved or pushed: its top-1 was the share of class 0, written into the results and the model card.
        Every process has the same gathered logits, so all stop together."""
        try:
            with ema.weights_in(unwrapped) if ema is not None else nullcontext():  # --model_ema: the average's
                return evaluate(
                    compiled, eval_dataloader, accelerator, num_views, data.label_spaces, loss_targets, data.multi_label
                )
        except NonFiniteLogitsError as error:
            progress.close()
            raise SystemExit(
                f"error: after {completed_steps} steps, evaluating {eval_split}: {error}; lower --learning_rate, "
                "or train in bf16 rather than fp16. No model is saved (the checkpoints are kept)"
            ) from None

    def trained_per_process() -> list[int]:
        """Clips dealt to each process (those skipped as broken too), the runs before a resume included (a
        collective). A clip counts once per epoch: the clips accelerate repeats to fill up a last batch are
        `padded_per_process`."""
        return [before + now for before, now in zip(trained_before, accelerator.gather(trained_clips[None]).tolist())]

    def padded_per_process() -> list[int]:
        """Clips each process trained a second time in an epoch to fill up its last batch (a collective)."""
        local = torch.tensor([padded_clips], dtype=torch.long, device=accelerator.device)
        return [before + now for before, now in zip(padded_before, accelerator.gather(local).tolist())]

    def truncated_in_epoch(epoch) -> int:
        """Segments read past their video's end in `epoch` so far: every process, and the run before a resume in
        that epoch (a collective). The epoch report counted only the batches after the resume."""
        before = truncated_before if epoch == starting_epoch else 0
        return before + int(accelerator.reduce(truncated_clips, reduction="sum"))

    def train_loss_so_far() -> tuple[float, int]:
        """(the per-step losses summed, their steps), the runs before a resume included (a collective). A step whose
        every clip was broken has no loss and is no step of it: it was a loss of 0, which lowered train_loss (one such
        step in 13: by 1/13), where Trainer puts the mean so far in place of a step's NaN loss (0/0: num_items_in_batch
        0; logging_nan_inf_filter), not a 0."""
        summed = loss_sum_before + float(accelerator.reduce(train_loss_sum.clone(), reduction="mean"))
        return summed, loss_steps_before + completed_steps - steps_at_start - int(lossless_steps)

    def record_evaluation(epoch, when: str, epochs_trained: float) -> dict:
        """`evaluate_or_stop` at an epoch's end or at a --eval_steps step: logged, added to the history and the
        tracker (a collective: every process calls it at the same step). The history's `epoch` is the epoch's index
        from 0, as the log line and its `epoch_N` checkpoint name it (accelerate's no_trainer examples); the tracker's
        is `epochs_trained`, Trainer's (its eval entries' `epoch`), as `train/epoch` beside it at the same step: it
        was the index, one less (0 at the end of the first epoch, where train/epoch says 1.0)."""
        results = evaluate_or_stop()
        refuse_nothing_learned_or_measured(results)
        skipped = skipped_total()  # the history's is the run's total so far (the tracker's curve at every step)
        skipped_in_epoch = skipped - (history[-1].get("train/skipped_clips", 0) if history else 0)  # as truncated's
        truncated = truncated_in_epoch(epoch)
        summary = scalar_metrics(results, prefix="eval/")
        summary.update({"epoch": epoch, "step": completed_steps, "train/skipped_clips": skipped})
        summary["train/truncated_segments"] = truncated
        history.append(summary)
        if args.load_best_model_at_end and best_evaluation(history, best_metric)[0] == completed_steps:
            keep_best_model(results)
        logger.info(
            f"{when}: {evaluation_figures(results)} on {counted(results['num_samples'], 'clip')} "
            f"({results['num_skipped']} broken skipped; {skipped_in_epoch} skipped in training"
            f"{past_the_end_report(truncated, results['num_truncated'])})"
        )
        if args.with_tracking:
            accelerator.log({**summary, "epoch": float(epochs_trained)}, step=completed_steps)
        return results

    def keep_best_model(results) -> None:
        """A snapshot of the model as just evaluated, the best so far (a collective: FSDP gathers its weights)."""
        state_dict = weights_to_save(accelerator, model, ema)
        if checkpoint_writer(accelerator):
            save_best_snapshot(unwrapped, output_dir, completed_steps, results, state_dict, save_pretrained)
            prune_best_snapshots(output_dir, best_metric, completed_steps)
        accelerator.wait_for_everyone()

    def stopped_early() -> bool:
        """Whether --early_stopping_patience evaluations in a row have not beaten the best (said once)."""
        nonlocal said_stop
        if not args.early_stopping_patience:
            return False
        waited = evaluations_without_improvement(history, best_metric, args.early_stopping_threshold)
        if waited >= args.early_stopping_patience and not said_stop:
            step, value = best_evaluation(history, best_metric)
            logger.info(
                f"early stopping at step {completed_steps}: {waited} evaluations without {best_metric} beating "
                f"{value:.4f} (step {step}) by more than {args.early_stopping_threshold:g}"
            )
            said_stop = True
        return waited >= args.early_stopping_patience

    said_stop = False

    def runs_so_far() -> list[dict]:
        """The runs that trained the model's steps, this one once it has trained a step (the card's recipe)."""
        this_run = {"first_step": steps_at_start, "settings": recipe_settings(vars(args))}
        return earlier_runs + ([this_run] if completed_steps > steps_at_start else [])

    def trainer_state(epoch, batches_in_epoch, history=history):
        state = dict(
            completed_steps=completed_steps,
            epoch=epoch,
            batches_in_epoch=batches_in_epoch,
            history=history,
            skipped=skipped_total(),
            trained_per_process=trained_per_process(),
            padded_per_process=padded_per_process(),
            truncated_in_epoch=truncated_in_epoch(epoch) if batches_in_epoch else 0,
            trained_per_class=trained_per_class.per_class(accelerator) if per_class_before is not None else None,
            settings=settings,
            dataset_folder=dataset_folder(args.dataset),  # settings' --dataset is as typed, from where it was typed
            id2label=data.id2label,  # checked on resume against the data's (check_resume_labels)
            # the hub table's columns read, whatever was typed: one left out reads what the table names then
            columns_read=data.columns,  # (check_resume_columns)
            train_digest=train_digest,  # the clips it skips by position on resume (check_resume_clips)
            # the split scored (None: a held-out share), which --eval_split left out takes from the data set
            evaluated_split=evaluated_split(args, data),  # (check_resume_evaluated_split)
            weight_decay_exempt_group=any(group.get("weight_decay_exempt") for group in optimizer.param_groups),
            runs=runs_so_far(),
            model_num_frames=model_num_frames,
            # the preset's model fields the model was built with (`preset_model_fields`): what a resume builds
            preset_model_fields=preset_model_fields(getattr(args, "preset", None), args.model),
        )
        state["train_loss_sum"], state["train_loss_steps"] = train_loss_so_far()
        state["logged_loss"] = last_logged
        if args.streaming:  # a collective: every process calls trainer_state
            state["stream_position"] = stream_position(train_dataloader, accelerator) if batches_in_epoch else []
        return state

    checkpointed_step = completed_steps  # the step of the last checkpoint saved or resumed (0: none)

    def save_step_checkpoint(state: dict) -> None:
        """`step_N` of the step just trained, recording `state`; pruned, logged and pushed as every checkpoint."""
        nonlocal checkpointed_step
        path = save_checkpoint(accelerator, output_dir, f"step_{completed_steps}", state, args.checkpoints_total_limit)
        checkpointed_step = completed_steps
        if args.load_best_model_at_end and checkpoint_writer(accelerator):
            prune_after_checkpoint(output_dir, history, best_metric)
        logger.info(f"saved checkpoint {path}")
        if args.push_to_hub:
            push_checkpoint(accelerator, model, processor, uploader, path, args.hub_strategy, ema=ema)

    # the last epoch trained and its truncated segments, where a resume at the end of the last one trains none (its
    # end-of-run evaluation with --eval_steps died in an UnboundLocalError)
    epoch, truncated_clips = starting_epoch - 1, torch.zeros_like(trained_clips)
    for epoch in range(starting_epoch, num_epochs):
        if stopped_early():  # at an epoch's end, or a resume of a run that had stopped
            break
        compiled.train()
        train_dataset.set_epoch(epoch)
        train_dataloader.set_epoch(epoch)
        batches = train_dataloader
        batch_index = 0
        if epoch == starting_epoch and resume_batches:
            if args.streaming:  # each worker replays its stream, dropping what it had delivered undecoded
                train_dataloader.resume(resume_stream)
            else:
                batches = accelerator.skip_first_batches(train_dataloader, resume_batches)
            batch_index = resume_batches
        truncated_clips = torch.zeros_like(trained_clips)  # segments read past their video's end, this epoch
        epoch_finished = False
        for batch in meter.timed(batches):
            if stop_at_max_steps and completed_steps >= args.max_train_steps:  # resumed from the last step's checkpoint
                break
            if args.eval_steps and stopped_early():  # after an evaluation mid-epoch (and its checkpoint)
                break
            batch_index += 1
            # Randomness (dropout, stochastic depth, mixup) depends only on the step, not on history, so a resumed
            # run draws the same numbers as an uninterrupted one.
            micro_step = epoch * seed_stride + batch_index
            torch.manual_seed(step_seed(args.seed, micro_step, accelerator.process_index, accelerator.num_processes))
            mixup.rng = mixup_generator(args.seed, micro_step, accelerator.process_index)
            with accelerator.accumulate(model):
                if data.multi_label:  # multi-hot already (smoothing refused before the run)
                    targets = batch["labels"].float()
                else:
                    targets = soft_targets(batch["labels"], head_sizes, args.label_smoothing or 0.0)
                pixel_values = model_pixel_values(batch)  # normalised here, on the device: the workers ship uint8
                if args.mixup_alpha or args.cutmix_alpha:
                    pixel_values, targets = mixup(pixel_values, targets, batch["valid"])
                if class_weights is not None:  # sum_c w_c y_c (-log p_c): torch's weighted cross-entropy per clip
                    targets = targets * class_weights
                logits = compiled(pixel_values=pixel_values).logits
                if data.multi_label:
                    loss = multi_label_loss(logits, targets.to(logits.device), batch["valid"])
                else:
                    loss = classification_loss(logits, targets.to(logits.device), batch["valid"], head_sizes)
                accelerator.backward(clip_mean.backward_loss(loss, batch["valid"]))
                if accelerator.sync_gradients:
                    step_clips = clip_mean.average(model.parameters())  # every valid clip of the step weighs alike
                    if args.max_grad_norm:  # the norm before clipping, logged as Trainer's grad_norm (on the device)
                        grad_norm = accelerator.clip_grad_norm_(model.parameters(), args.max_grad_norm)
                optimizer.step()
                if accelerator.sync_gradients:  # the rate this step trained at, logged as Trainer logs it: before the
                    step_lr = optimizer.param_groups[0]["lr"]  # schedule's step (after it: the next step's rate)
                lr_scheduler.step()
                optimizer.zero_grad()
            step_loss += loss.detach() * batch["valid"].sum()  # the batch's valid clips' losses summed
            real = batch.get("real")  # streamed: filler rows are no clips
            if real is None:
                real, padded = epoch_clips(batch["valid"])
                padded_clips += padded
            clips = real.sum()
            trained_clips += clips
            decoded_clips += (batch["valid"] & real.bool()).sum()
            trained_per_class.add(batch["labels"], batch["valid"] & real.bool())
            skipped_clips += (~batch["valid"] & real).sum()
            truncated_clips += (batch["truncated"] & real).sum()
            meter.add_clips(clips)
            if not accelerator.sync_gradients:
                continue
            completed_steps += 1
            if ema is not None:  # after the optimiser step, as timm's train.py (its num_updates, from 1)
                ema.update(unwrapped, completed_steps)
            meter.end_step()
            # The step's loss as logged: the mean over its valid clips on every process, the loss its gradient is of
            # (Trainer's with num_items_in_batch); x processes, as train_loss_so_far takes the processes' mean. It was
            # the mean of the batches' means: an epoch's last batch of one clip weighed as much as a full one.
            train_loss_sum += step_loss * accelerator.num_processes / step_clips.clamp(min=1)
            lossless_steps += step_clips == 0
            step_loss.zero_()
            if compiling:  # the step that compiled (~30 s): the bar's clock leaves it out, as a pause, so that its
                progress.unpause()  # rate and time left are the compiled steps' (they read "21 hours left" for ~1000)
                compiling = False
            progress.update(1)
            if completed_steps % args.logging_steps == 0 or completed_steps == args.max_train_steps:
                summed, steps = train_loss_so_far()
                # None: every step since the last logged one had no loss (all its clips broken): no train/loss now
                mean_loss = (summed - last_logged[0]) / (steps - last_logged[1]) if steps > last_logged[1] else None
                last_logged = (summed, steps)
                throughput = throughput_so_far()
                speed = throughput["train_clips_per_second"]
                postfix = {
                    **({"loss": f"{mean_loss:.4f}"} if mean_loss is not None else {}),
                    **({"clips/s": f"{speed:.1f}"} if speed else {}),
                }
                if postfix:
                    progress.set_postfix(postfix, refresh=False)  # drawn at the bar's next redraw: mininterval holds
                if args.with_tracking:
                    logged = {
                        **({"train/loss": mean_loss} if mean_loss is not None else {}),
                        "train/lr": step_lr,
                        "train/skipped_clips": skipped_total(),
                        # Trainer's epoch: epochs done, this one's share of batches included (it was this epoch's
                        # index, from 0: the last step of 2 epochs logged 1, where train_results.json says 2.0)
                        "train/epoch": epoch + min(batch_index / batches_in_epoch(epoch), 1.0),
                    }
                    if grad_norm is not None:  # Trainer's grad_norm: its logging step's, not the window's mean
                        logged["train/grad_norm"] = float(grad_norm)
                    if speed is not None:  # none before the warm-up is over
                        logged["train/clips_per_second"] = speed
                        logged["train/data_wait_share"] = throughput["train_data_wait_share"]
                    accelerator.log(logged, step=completed_steps)
            if args.eval_steps and completed_steps % args.eval_steps == 0:  # before its checkpoint, which records it
                meter.pause()
                epochs_trained = epoch + min(batch_index / batches_in_epoch(epoch), 1.0)  # (as train/epoch)
                results = record_evaluation(epoch, f"step {completed_steps} (epoch {epoch})", epochs_trained)
                compiled.train()
            # The run's last step is checkpointed too, as Trainer's: only where the interval divided it, a rerun of a
            # finished run (or a resume of one killed in its final evaluation or push) trained its last steps again.
            # (its end by --max_train_steps, or by --early_stopping_patience at this step's evaluation; a run ending
            # with its last epoch otherwise, or stopped at an epoch's evaluation, is checkpointed after that epoch)
            if (
                args.checkpointing_steps
                and args.checkpointing_steps.isdigit()
                and (
                    completed_steps % int(args.checkpointing_steps) == 0
                    or (stop_at_max_steps and completed_steps >= args.max_train_steps)
                    or (args.eval_steps and completed_steps % args.eval_steps == 0 and stopped_early())
                )
            ):
                save_step_checkpoint(trainer_state(epoch, batch_index))
            if stop_at_max_steps and completed_steps >= args.max_train_steps:
                # the step that ends the run may end the epoch too (its last batch): then the epoch is finished
                epoch_finished = accelerator.gradient_state.end_of_dataloader
                break
        else:
            epoch_finished = True
        resume_batches = 0
        whole_split_read |= epoch_finished
        epochs_done = epoch + (1 if epoch_finished else batch_index / batches_in_epoch(epoch))
        meter.pause()  # evaluation and checkpoints at the epoch's end are no training step
        refuse_nothing_learned_or_measured()

        if not args.eval_steps:
            results = record_evaluation(epoch, f"epoch {epoch}", epochs_done)
        if args.checkpointing_steps == "epoch":
            # An epoch that --max_train_steps cut short is checkpointed where it stopped, without the evaluation just
            # made (a resume makes it again): recorded as finished, a resume with more steps skipped its other batches.
            # Named by its step then: `epoch_N` says epoch N is done (its model, its evaluation), which it is not.
            # (with --eval_steps no evaluation is made at the epoch's end: its history is whole)
            kept = history if args.eval_steps else history[:-1]
            state = trainer_state(epoch + 1, 0) if epoch_finished else trainer_state(epoch, batch_index, kept)
            name = f"epoch_{epoch}" if epoch_finished else f"step_{completed_steps}"
            path = save_checkpoint(accelerator, output_dir, name, state, args.checkpoints_total_limit)
            if args.load_best_model_at_end and checkpoint_writer(accelerator):
                prune_after_checkpoint(output_dir, history, best_metric)
            if args.push_to_hub:  # every save, as Trainer's: an epoch's checkpoint pushed nothing before the end
                finished = epoch if epoch_finished else None
                push_checkpoint(accelerator, model, processor, uploader, path, args.hub_strategy, finished, ema)
        elif (
            args.checkpointing_steps
            and completed_steps != checkpointed_step
            and (epoch == num_epochs - 1 or stopped_early())
        ):  # the run's last step, where no step ends it (a stream's unknown plan, early stopping at this evaluation)
            kept = history if args.eval_steps else history[:-1]
            save_step_checkpoint(
                trainer_state(epoch + 1, 0) if epoch_finished else trainer_state(epoch, batch_index, kept)
            )
        if stop_at_max_steps and completed_steps >= args.max_train_steps:
            break

    # ------------------------------------------------------------------ final outputs
    if args.eval_steps and completed_steps % args.eval_steps:
        # the end of the run, between two --eval_steps (after its checkpoints: a resume with more steps goes on
        # without it, as an uninterrupted run does; a finished run resumed, which trains nothing, makes it again)
        results = record_evaluation(epoch, f"step {completed_steps} (epoch {epoch}, the end of the run)", epochs_done)
    train_seconds = time.time() - start_time
    progress.close()  # its last redraw now, before the lines below (left open, it redrew when collected, if ever)
    if not results:  # nothing was left to train: the outputs still need the checkpoint's metrics
        results = evaluate_or_stop()
        refuse_nothing_learned_or_measured(results)
    clips_per_process, padded = trained_per_process(), padded_per_process()
    skipped = skipped_total()
    trained_classes = trained_per_class.per_class(accelerator)  # a collective: every process, whatever is said
    never_trained = {}
    if whole_split_read and per_class_before is not None and not args.streaming:
        in_split = clips_per_class(train_examples, head_sizes, data.multi_label)
        never_trained = never_trained_classes(trained_classes, in_split, data.label_names)
    if never_trained:
        logger.warning(never_trained_warning(never_trained, args.dataset, args.train_split))
    throughput = throughput_so_far()
    loss_sum, loss_steps = train_loss_so_far()
    # transformers' Trainer's train metrics (its train_results.json), of this run (a resume's steps and clips only) but
    # train_loss, the mean of every step's loss since the first, and epoch
    train_metrics = {
        "epoch": float(epochs_done),  # as Trainer writes it (2.0), whole epochs too
        "train_loss": loss_sum / loss_steps if loss_steps else None,
        "train_runtime": train_seconds,
        "train_samples_per_second": (sum(clips_per_process) - sum(trained_before)) / train_seconds,
        "train_steps_per_second": (completed_steps - steps_at_start) / train_seconds,
    }
    accelerator.wait_for_everyone()
    state_dict = weights_to_save(accelerator, model, ema)  # every rank: a collective under FSDP
    best = best_evaluation(history, best_metric)
    if args.load_best_model_at_end and best is not None:  # the best evaluation's model and results are the outputs
        state_dict, results = load_best_snapshot(output_dir, best[0])
        logger.info(f"--load_best_model_at_end: the model of step {best[0]} ({best_metric} {best[1]:.4f})")
        if checkpoint_writer(accelerator):
            prune_best_snapshots(output_dir, best_metric, best[0])
    if checkpoint is not None and completed_steps == steps_at_start and resume_state.get("settings"):
        # A resume that trained no step (a finished run resumed with --do_flip true): the model is the checkpoint's,
        # and so are the processor a further fine-tuning starts from and the settings run_settings.json records.
        settings = settings_as_trained(resume_state["settings"], settings)
        processor = build_processor(args_as_trained(args, settings), unwrapped.config, processor)

    def write_final_outputs(folder: Path) -> None:
        """The model, processor, plots, results and card, into `folder` (`staged_outputs`' staging folder)."""
        save_pretrained(unwrapped, folder, state_dict=state_dict, save_function=accelerator.save)
        processor.save_pretrained(folder)
        # (a multi-label evaluation has no confusion matrix nor accuracy per class: its `ap` per class is in results)
        plots = [] if data.multi_label else save_evaluation_plots(results, data.label_spaces, folder)
        if history:
            plots.append(plot_training_curves(history, folder / "training_curves.png"))
        all_results = {
            # The accuracies bare (top1, ...: what .ci/run and the docs read); the loss only as eval_loss: a bare `loss`
            # is training's in Trainer's logs (log_history), and here it was the evaluation's, beside train_loss.
            **{name: value for name, value in scalar_metrics(results).items() if name != "loss"},
            # and as transformers' Trainer names its evaluation's metrics (`eval_` + the name: eval_loss, eval_top1,
            # ...), which a Trainer user's scripts read from its all_results.json
            **scalar_metrics(results, prefix="eval_"),
            **train_metrics,
            "train_split": train_split,
            "eval_split": eval_split,
            "train_runtime_seconds": train_seconds,
            "train_skipped_clips": skipped,
            # classes whose every training clip was skipped as broken: never trained (their clips in the split)
            "train_classes_never_trained": never_trained,
            "completed_steps": completed_steps,
            "num_processes": accelerator.num_processes,
            "effective_total_batch_size": args.effective_total_batch_size,
            "gradient_accumulation_steps": args.gradient_accumulation_steps,
            # Each clip of an epoch once, on the process it was dealt to (one skipped as broken too: trained on are
            # these less train_skipped_clips); the repeats accelerate adds to even out the processes' last batches
            # (trained on, not counted there) apart.
            "train_clips_per_process": clips_per_process,
            "train_padded_clips_per_process": padded,
            **throughput,
            # Flat, as in evaluate.py's eval_results.json: per_class_accuracy (or noun_..., verb_...) and the matrices.
            **{k: v for k, v in results.items() if k.endswith(("per_class_accuracy", "confusion_matrix")) or k == "ap"},
            "history": history,
        }
        if weights_by_class is not None:  # per head: {"label": {"down": 2.0, "up": 0.667}}
            all_results["train_class_weights"] = weights_by_class
        if args.load_best_model_at_end or args.early_stopping_patience:  # Trainer's trainer_state names
            all_results.update(metric_for_best_model=best_metric, best_metric=best and best[1])
            all_results.update(best_global_step=best and best[0], stopped_early=said_stop)  # the loop stopped on it
        # Local paths (the data set's folder, a local --init_from) apart, in a file the upload leaves here.
        write_run_settings(folder, settings, args.dataset, held_out)
        (folder / "train_results.json").write_text(json.dumps(train_metrics, indent=2))
        (folder / "all_results.json").write_text(json.dumps(all_results, indent=2))
        # which step's weights the card's model is (the best evaluation's, early stopping), and whether the average's
        weights_said = card_note(
            best, best_metric, completed_steps, args.max_train_steps, args.load_best_model_at_end, said_stop
        )
        card = build_model_card(
            unwrapped.config,
            results=results,
            **card_dataset(args),
            train_split=data.own_split_text(train_split),  # the repo's `Train`, not the recipes' `train`
            eval_split=data.own_split_text(eval_split),
            base_model=args.init_from,
            # the base model's, as Trainer's card takes it; none for a model from scratch (it said apache-2.0)
            **source_license(args.init_from, revision=args.init_from_revision),
            processor=processor,
            training_args={**vars(args), "num_devices": accelerator.num_processes},  # (Trainer's card's name)
            training_runs=runs_so_far(),
            train_clips=num_train,  # (a total batch above it trained with it: the card says so)
            num_views=(args.eval_num_clips, args.eval_num_crops),
            # the bundled set's videos, all of one size: the card says which test views they leave alike
            video_shape=SyntheticMotionConfig().video_shape if args.dataset == SYNTHETIC else None,
            plots=plots,
            train_skipped_clips=skipped,
            classes_never_trained=never_trained,
            # the repo pushed to, owner included (`--hub_model_id vivit-k400`, or none: the folder's name, under the
            # token's user), which the card's usage example loads
            model_name=uploader.repo_id if uploader is not None else args.hub_model_id,
            revision=args.hub_revision if uploader is not None else None,  # the branch pushed to (--hub_revision)
            notes=" ".join(
                filter(None, (weights_said, model_ema_card_note(args.model_ema_decay, args.model_ema_warmup)))
            ),
        )
        card.save(folder / "README.md")

    if accelerator.is_main_process:
        # the previous model (and its card's plots) stays whole until this one is complete
        # a full disk said in one line, as at a checkpoint (it was torch's or safetensors' traceback), before the
        # staging folder goes (the free space as the save failed)
        with (
            staged_outputs(output_dir, FINAL_MODEL_PATTERNS) as staging,
            refused_when_full(output_dir, "the final model"),
        ):
            write_final_outputs(staging)
            final_outputs = {path.name for path in staging.iterdir()}
        if uploader is not None:
            final_upload = uploader.push_folder(
                output_dir, "End of training", ignore_patterns=not_uploaded(output_dir, final_outputs)
            )
            uploader.close()
            logger.info(f"uploads: {uploader.report()}")
            # the Hub lacks the final model, or a checkpoint --hub_strategy was to put there: the exit status says so
            failed = [record for record in (final_upload, *uploader.checkpoints_not_pushed()) if not record.success]
            if failed:
                upload_failure = "; and ".join(map(uploader.failure_message, failed))
        # all_results.json's names: the evaluation's loss is eval_loss beside train_loss (a bare `loss` is training's)
        evaluated = {
            ("eval_loss" if name == "loss" else name): value for name, value in scalar_metrics(results).items()
        }
        done = {**evaluated, "train_loss": train_metrics["train_loss"], **throughput}
        # train_runtime is the training loop's (Trainer's meaning: its evaluations in, the model's loading, the data's
        # preparing, the last evaluation and the saving out); "done in 4s" read as the command's 40 s. Both, named.
        in_all = time.time() - psutil.Process().create_time()
        logger.info(f"trained in {train_seconds:.0f}s (train_runtime), {in_all:.0f}s in all: {json.dumps(done)}")
    accelerator.wait_for_everyone()
    # Last (the collectives above need the group): trackers finish and the process group is left, always. A process
    # that exits in it can die at exit (SIGABRT, "terminate called without an active exception") when a gloo worker
    # thread frees a finished collective's tensor while the interpreter shuts down: a run that did everything, failed.
    accelerator.end_training()
    release_output_dir(output_dir)  # (at exit anyway; main called in a process that goes on, now)
    if upload_failure:
        raise SystemExit(f"error: training finished but {upload_failure}")
    return results


def run(argv=None):
    """`main` as a command (`run_as_command`): a data set that is not what `--dataset_format` says (an empty folder;
    its message names the problem), model flags `--init_from` cannot take, or video processor options the clips
    cannot be processed with (found before the first step, or streamed, in a DataLoader worker) are one line and
    argparse's status 2;
    Ctrl-C or SIGTERM is one line saying what is kept and how to go on, status 130 / 143. Neither is a traceback.
    A clip skipped as broken is said with the flag to take it (`--short_video`), not the processor's keyword."""
    from vivit_hf.training.data import DatasetFormatError
    from vivit_hf.training.data.dataset import ProcessorOptionError

    output_dir, overwrite = output_dir_given(argv)
    user_errors = (DatasetFormatError, ModelFlagError, ProcessorOptionError)
    with advice_in_flag_words((*SKIPPED_CLIP_LOGGERS, VIT_INIT_LOGGER)):  # the ViT's warnings name flags too
        return run_as_command(main, argv, user_errors, partial(interrupted_message, output_dir, overwrite))


def push_checkpoint(
    accelerator, model, processor, uploader, checkpoint: Path, strategy: str, epoch=None, ema=None
) -> None:
    """--hub_strategy at a checkpoint just saved, as transformers' Trainer (`_push_from_checkpoint`): nothing with
    `end`; else the model and processor into the repo's top folder, with `checkpoint` the checkpoint itself under
    `last-checkpoint/` too and with `all_checkpoints` under its own name, uploaded in the background. One commit where
    Trainer makes two, so that the repo never holds a last-checkpoint ahead of the model beside it. `epoch`: the number
    of a finished epoch's checkpoint (from 0; Trainer's message counts epochs done), None for a step's. `ema`: the
    --model_ema average, pushed as the model."""
    if strategy == "end":
        return
    # Every rank takes part in gathering the weights (FSDP shards them); rank 0 uploads.
    state_dict = weights_to_save(accelerator, model, ema)
    if uploader is None:
        return
    staging = checkpoint.parents[1] / ".push" / checkpoint.name  # a snapshot now: training goes on while it uploads
    shutil.rmtree(staging, ignore_errors=True)
    save_pretrained(accelerator.unwrap_model(model), staging, state_dict=state_dict)
    processor.save_pretrained(staging)
    in_repo = checkpoint_in_repo(strategy, checkpoint)
    if in_repo:
        link_folder(checkpoint, staging / in_repo)
    done = f"epoch {epoch + 1}" if epoch is not None else f"step {steps_of(checkpoint)}"
    # each push but all_checkpoints' rewrites the files of the one before: a newer one queued drops it (Trainer's skip)
    replaces = strategy != "all_checkpoints"
    message = f"Training in progress, {done}"
    uploader.push_folder(staging, message, delete_after=True, checkpoint=in_repo, replaces=replaces)


def not_uploaded(output_dir: Path, final_outputs: set[str]) -> list[str]:
    """The final commit's ignore patterns: every entry of `output_dir` but the final outputs this run wrote, and the
    run settings (local paths) among those. Checkpoints, logs and Hub snapshots stay here, and so do the user's own
    files: the commit of the whole folder uploaded them (an `--output_dir .` in a project: its `.env`, `.git/`)."""
    kept = sorted(path.name for path in output_dir.iterdir() if path.name not in final_outputs - {RUN_SETTINGS_FILE})
    return [pattern for name in kept for pattern in (glob.escape(name), f"{glob.escape(name)}/*")]


def output_dir_given(argv) -> tuple[Path, bool]:
    """`--output_dir` as the command line gives it, and whether it has --overwrite_output_dir, read alone (the whole
    line is parsed, and refused, by main)."""
    probe = argparse.ArgumentParser(add_help=False, allow_abbrev=False, exit_on_error=False)
    probe.add_argument(*flag_spellings("--output_dir"), default=build_parser().get_default("output_dir"))
    probe.add_argument(*flag_spellings("--overwrite_output_dir"), action="store_true")
    try:
        given = probe.parse_known_args(argv)[0]
        return Path(given.output_dir), given.overwrite_output_dir
    except argparse.ArgumentError:  # `--output_dir` without a value: main says so
        return Path(build_parser().get_default("output_dir")), False


def interrupted_message(output_dir: Path, overwrite: bool = False) -> str:
    """What an interrupted run leaves: checkpoints are renamed into place only once whole (`save_checkpoint`), so
    the last finished one is intact whenever the interrupt came. `overwrite`: the command had --overwrite_output_dir,
    which run again would start over. Named as the next run resumes them (`checkpoints_once_saves_finish`)."""
    found = checkpoints_once_saves_finish(output_dir)
    if not found:
        return (
            f"interrupted before the first checkpoint (none in {output_dir / CHECKPOINTS}; --checkpointing_steps sets "
            "how often one is written): the same command again starts over (with other flags, add "
            "--overwrite_output_dir)"
        )
    # The same command continues from it (`same_command_run`): it asked for --resume_from_checkpoint latest added,
    # which does the same.
    if overwrite:
        return (
            f"interrupted: the last checkpoint, {found[-1]}, is kept; the same command without "
            "--overwrite_output_dir continues from it (with it, it starts over)"
        )
    return f"interrupted: the last checkpoint, {found[-1]}, is kept; the same command again continues from it"


if __name__ == "__main__":
    run_as_script(run)
