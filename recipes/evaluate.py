#!/usr/bin/env python
# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
r"""Evaluate a fine-tuned ViViT model with multi-view testing (paper §4.1), with 🤗 Accelerate.

    accelerate launch recipes/evaluate.py --model outputs                      # the bundled data set's test split
    accelerate launch recipes/evaluate.py --model out --dataset path/or/hub-id --dataset_format kinetics \
        --num_clips 4 --num_crops 3

Each video is cut into `num_clips` temporal clips x `num_crops` spatial crops, each of the model's `num_frames`
frames (its pipeline's clip, whatever count the processor saved with it says); the model's logits are averaged over
those views. Into `<model>/eval_<data set>_<split>_<clips>x<crops>/` (the first command:
`outputs/eval_synthetic_motion_test_1x1/`; another data set is named by its folder's name, or its Hub id as
owner--name, so each keeps its own folder; a Hub model's `<model>` is `./owner--name`, `./models--name` for an id
without an owner; the views followed by `_sample16-seed0` for `--max_eval_samples 16` of a larger split, `_first16`
streamed) or `--output_dir`, it writes the loss (the model's own, cross-entropy, of the averaged logits: Trainer's
eval_loss), top-1/top-5 (per head and
action accuracy for Epic Kitchens; each bare, `loss`, `top1`, and as Trainer names them, `eval_loss`, `eval_top1`),
per-class accuracy, a confusion matrix and a per-class
bar chart (PNG), `eval_results.json` (with the run's split, views, model, data set, `num_processes` and
`mixed_precision`: `--mixed_precision`, else the launcher's, `accelerate launch --mixed_precision bf16` or its config)
and the per-video logits (`predictions.safetensors`: `logits`, `labels`,
`valid`, one row per video, with the videos' ids in row order as the JSON list `video_ids` in its metadata), and
`predictions.jsonl` (one line per video: `index`, `video_id`, `label`, `prediction`, `valid`, and the classes' names
`label_name`, `prediction_name`; `prediction` and `prediction_name` are null for a video that could not be decoded,
whose row in `predictions.safetensors` holds the logits of an all-zero clip).
A video id is the clip's path relative to the data set folder, or the data set's own key (Kinetics clip name, SSv2
id, Epic Kitchens narration id; a Hub row's path, else its index). Metrics are computed locally; any number of
processes counts every video once.

The split: `--split` (`val`, `dev`: the readers' validation), else validation, else test, else (for a data set `--model`
was fine-tuned on that has neither) the share of its training split that fine-tuning held out and scored, the same
clips (refused where that split has gained or lost clips since: another share would be drawn); `--split` naming the
split the model was trained on is evaluated with a warning. `--max_eval_samples N` evaluates a seeded subset drawn
across the classes (`--seed`, 0 unless typed: the same clips for every model; a warning names the model's run's
where it drew its subset with another), not the first N. The data set's classes are the model's or some of them, by
name (a hold-out set without every class: its labels become the model's ids); a class the model does not know that a
clip evaluated carries is refused before any video is decoded (one of another split alone is left aside, said).
The output folder is locked as finetune.py locks its own: an evaluation into a folder a live run writes, or of a
`--model` a live fine-tuning run writes, is refused naming that run.

The refusals, the results' folder and the checks of the classes are `vivit_hf.training.evaluation`'s; this script is
the command line and the evaluation's flow.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sys
from functools import partial
from pathlib import Path

# First: the base install (`pip install -e .`) has no accelerate, and torch's import costs a new interpreter seconds
# before this one line.
try:
    from accelerate import Accelerator
except ModuleNotFoundError as missing:  # the base install has no recipes extra
    if (missing.name or "").split(".")[0] != "accelerate":
        raise  # a module accelerate itself imports (pyyaml, safetensors): the extra would not bring it back
    raise SystemExit("recipes/evaluate.py needs accelerate: pip install -e '.[recipes]'") from None
import torch
from accelerate.logging import get_logger
from accelerate.utils import InitProcessGroupKwargs
from safetensors.torch import save_file
from transformers import AutoModelForVideoClassification
from transformers.utils import CONFIG_NAME, cached_file

import vivit_hf  # noqa: F401 - registers the ViViT classes with the Auto classes
from vivit_hf.flag_spellings import typed_flag_name
from vivit_hf.hub.folders import staged_outputs
from vivit_hf.processing.processing_vivit import ViViTVideoProcessor
from vivit_hf.processing.processor_options import clip_size_refusal, label_numbers_refusal
from vivit_hf.training.agreement import (
    agree,
    agree_on_examples,
    attempt,
    command_flags,
    first_across_processes,
    join_process_group,
    parse_everywhere,
    process_group_kwargs,
)
from vivit_hf.training.checkpoints import release_output_dir
from vivit_hf.training.data import DatasetFormatError, add_dataset_flags, open_video_dataset, source_options
from vivit_hf.training.data.dataset import (
    NoDecodableClipError,
    ProcessorOptionError,
    VideoClassificationDataset,
    collate_videos,
    describe_example,
    evaluation_views_refusal,
    share_parent_memory,
)
from vivit_hf.training.data.examples import SPLIT_ALIASES, digest_caveat, examples_digest, recipe_split_name
from vivit_hf.training.data.formats import example_ids, hold_out, sample_subset
from vivit_hf.training.data.streaming import (
    StreamingLoader,
    StreamingVideoDataset,
    open_streaming_dataset,
    warn_classes_a_cut_leaves_out,
)
from vivit_hf.training.evaluation import (
    check_labels,
    claim_output_dir,
    dataset_file_refusal,
    dataset_name,  # noqa: F401 - defined here until it moved; kept importable from the script
    default_output_dir,
    fine_tuning_record,
    held_out_read_otherwise,
    label_mapping_said,
    model_folder_problem,  # noqa: F401 - defined here until it moved; kept importable from the script
    model_id2label,  # noqa: F401 - defined here until it moved; kept importable from the script
    model_label_spaces,
    model_labels,
    nothing_evaluated,
    output_refusal,
    precision_evaluated,
    refuse_another_held_out_share,
    start_refusal,
    subset_seed_note,
    trained_clips_scored,
    trained_read_otherwise,
    trained_split_warning,
    training_split,
    write_prediction_rows,
)
from vivit_hf.training.finetune import (
    main_process_first,
    read_once_per_machine,
    streamed_share,
    warn_small_held_out_share,
)
from vivit_hf.training.finetune_flags import at_least
from vivit_hf.training.flags import (
    DDP_TIMEOUT,
    DefaultsHelpFormatter,
    SuggestingArgumentParser,
    add_mixed_precision_flag,
    add_short_video_flag,
    advice_in_flag_words,
    hub_source,
    processes_not_started,
    refused_processor_config,
    usage_error,
    warn_saved_views,
    warn_short_video_override,
)
from vivit_hf.training.launch import cpu_process_group, refuse_a_gpu_config_without_a_gpu, run_as_command, run_as_script
from vivit_hf.training.metrics import (
    NonFiniteLogitsError,
    evaluation_metrics,
    predict,
    save_evaluation_plots,
    scalar_metrics,
)
from vivit_hf.training.multi_label import (
    model_multi_hot,
    multi_label_metrics,
    score_name,
    single_label_model_warning,
    write_multi_label_prediction_rows,
)

logger = get_logger(__name__)


def build_parser() -> argparse.ArgumentParser:
    # No abbreviations: a shortened or misspelt flag is an error, never silently another flag.
    p = SuggestingArgumentParser(description=__doc__, formatter_class=DefaultsHelpFormatter, allow_abbrev=False)
    p.add_argument("--model", required=True, help="a fine-tuned model folder or Hub id (with its video processor)")
    p.add_argument(
        "--model_revision",
        default=None,
        help="a Hub --model's branch, tag or commit (from_pretrained's revision=; the branch a fine-tuning run "
        "pushed to); default main",
    )
    add_dataset_flags(p)
    p.add_argument(
        "--split",
        default=None,
        help="default: validation, else test, else the share fine-tuning held out (a data set --model was trained on); "
        "val, dev: validation; eval: test; training: train (as the data readers name split folders)",
    )
    p.add_argument(
        "--streaming",
        action="store_true",
        help="--dataset_format hub: stream the split (datasets' IterableDataset), split over the processes",
    )
    p.add_argument(
        "--max_eval_samples",
        type=at_least(1),
        default=None,
        help="evaluate a seeded subset of this many videos, drawn across the classes",
    )
    p.add_argument(
        "--seed",
        type=int,
        default=0,
        help="draws the --max_eval_samples subset (the same for every model; said where the model's run drew another)",
    )
    p.add_argument("--cache_dir", default=None, help="where Hub downloads, extractions and the bundled data go")
    p.add_argument("--num_clips", type=at_least(1), default=1, help="temporal views (paper: 4)")
    p.add_argument("--num_crops", type=int, choices=(1, 3), default=1, help="spatial views, 1 or 3 (paper: 3)")
    add_short_video_flag(p, "a one-frame video is skipped as broken (no prediction, counted in num_skipped)")
    p.add_argument(  # its only help was its default: videos or clips went unsaid, and each video is several clips
        "--per_device_eval_batch_size",
        type=at_least(1),
        default=8,
        help="videos per batch on each process; the model takes each with its --num_clips x --num_crops views",
    )
    p.add_argument("--num_workers", type=at_least(0), default=2, help="DataLoader worker processes (decoding)")
    add_mixed_precision_flag(p, "; recorded in eval_results.json")
    p.add_argument(
        "--output_dir",
        default=None,
        help="default: <model>/eval_<data set>_<split>_<clips>x<crops>[_sample<N>-seed<S> (_first<N> streamed): "
        "--max_eval_samples N] (a Hub model: ./owner--name/..., "
        "./models--name/... without an owner; data set: synthetic_motion for the bundled one, a folder's name, a Hub "
        "id as owner--name; then -<config> and "
        "@revision if given; a Hub model at --model_revision: ./owner--name@revision/..., main as none)",
    )
    p.add_argument(
        "--ddp_timeout",
        type=at_least(1),
        default=DDP_TIMEOUT,
        help="seconds a collective waits for a process that does not come (a lost machine) before the run fails "
        "(transformers' name and default)",
    )
    return p


def parse_args(argv=None):
    """Flags, checked before anything is loaded: a wrong value fails once `import vivit_hf` is done (torch and
    transformers' models, seconds), not after the data set is read."""
    parser = build_parser()
    args = parser.parse_args(argv)
    refusal = start_refusal(args)
    if refusal:
        parser.error(refusal)
    return args


def agree_to_start(parser, args) -> None:
    """Join the process group, then refuse or start together: a refusal on one machine (its model or data set folder
    missing there) stops every process at once, with one line on each machine, as does a command line that differs
    between machines. (A machine that refused alone would leave the others waiting at their first collective: 30
    minutes.) The refusing process stops as on one process: argparse's usage line and status 2."""
    flags = command_flags(args)
    join_process_group(args.ddp_timeout)
    problem, refusal, error = attempt(start_refusal, args)  # a bug in it (an unreadable path) reaches the others too
    if problem:  # argparse's usage line, error line and status 2, printed once per machine
        refusal = parser.refusal(problem)
    elif refusal is None and error is None and (args.output_dir or args.split):
        # the folder the results go to, when known before the data set is read: typed, or the default for --split
        refusal = dataset_file_refusal(args) or output_refusal(args, args.split)
        if refusal is None and args.output_dir:  # a live run there: refused before the data set is read
            refusal = claim_output_dir(args, Path(args.output_dir))
    agree(flags, refusal, None, error)


def check_model_fetched(args) -> None:
    """A `--model` that is no folder here, read as a Hub id, refused in one line (`hub_source`) if its config.json
    cannot be fetched. Asked before the results' default folder `<model>/eval_.../` is made for its lock: for a name
    without an owner (`--model my_modle`, a folder name mistyped) that folder is the path the name reads as, and the
    model was then loaded from it: `ValueError: Unrecognized model in my_modle` (a traceback), or, with a
    `--dataset` of no evaluation split, "no validation or test split" where the model was the one not found."""
    if Path(args.model).expanduser().exists():
        return
    with contextlib.suppress(OSError), hub_source("--model", args.model):  # fetched but unreadable: load_model's
        cached_file(args.model, CONFIG_NAME, revision=args.model_revision)


def load_model(args):
    """The model of `--model` (a Hub id at `--model_revision`); one that cannot be loaded is `usage_error`."""
    try:
        with hub_source("--model", args.model):  # no network, offline mode, no such repo: said as such
            model = AutoModelForVideoClassification.from_pretrained(args.model, revision=args.model_revision)
    except OSError as error:  # a name that is no folder here, read as a Hub id: say both in one line, not a traceback
        where = (  # a folder here without the model's files was said to be "no such local folder"
            "a folder that holds no model transformers can load"
            if Path(args.model).is_dir()
            else "no such local folder, and as a Hub model id it could not be loaded"
        )
        usage_error(f"--model {args.model}: {where}: {str(error).splitlines()[0]}")
    if refusal := label_numbers_refusal(model.config, model):  # a gap in its names: it was `KeyError: 1` after loading
        usage_error(f"--model {args.model}: {refusal}")
    return model


def take_the_models_clip_length(processor, config, model: str) -> str | None:
    """Clips of the model's `config.num_frames` frames, as its pipeline (`ViViTVideoClassificationPipeline`, and
    transformers' own) and predict.py make them, where the processor saved with it says another count (or samples
    by `fps`, no count): a warning, logged and returned, naming both. The saved count would score other clips than
    predict.py scores: 2 frames of a 4-frame model run on the first temporal position embeddings only; 8 are the
    model's traceback after the first batch. (finetune.py saves the two alike.)"""
    frames = getattr(config, "num_frames", None)
    if not isinstance(frames, int) or (processor.num_frames == frames and processor.fps is None):
        return None
    saved = f"num_frames={processor.num_frames}" if processor.fps is None else f"fps={processor.fps}"
    said = (
        f"the video processor saved with --model {model} has {saved}, but the model takes clips of {frames} frames "
        f"(its config's num_frames): this run scores clips of {frames} frames, as its pipeline and predict.py do"
    )
    logger.warning(said)
    processor.num_frames, processor.fps = frames, None  # (a call's num_frames wins over fps: the pipeline's clip)
    return said


def crops_views(processor, num_crops: int) -> bool:
    """Whether the processor cuts its evaluation views to `crop_size` (its centre crop, or three crops)."""
    return bool(getattr(processor, "do_center_crop", False) or num_crops == 3)


def splits_read(args) -> tuple[str, ...] | None:
    """The splits of a folder (`--dataset_format videofolder`) of which the first it holds is read alone: the one
    `--split` names, else validation, else test, as `default_eval_split` picks them, so the other splits' clips are
    not listed (Kinetics' 248 000 training clips took 20-22 s to read beside its 20 000 evaluated, the split alone
    1.6-2.1 s). None, every split
    read, for a `--split` no folder can name (its "no split" message lists those there) and for the other formats;
    a folder of neither split is read whole (the share fine-tuning held out of its training split)."""
    if args.dataset_format != "videofolder":
        return None
    if args.split is None:
        return ("validation", "test")
    name = recipe_split_name(args.split)  # `val`, `Val`: `validation`, as the folder's split is named
    return (name,) if name in SPLIT_ALIASES.values() else None


def main(argv=None, written: list | None = None):
    """The evaluation; its output folder is appended to `written` once its files are in place."""
    parser = build_parser()
    # the flags' syntax (a command line refused on one of several machines stops the others now, not after
    # --ddp_timeout); what they name is checked once every process has joined
    args = parse_everywhere(parser.parse_args, argv)
    refuse_a_gpu_config_without_a_gpu()  # (a GPU config on CPUs)
    agree_to_start(parser, args)
    accelerator = Accelerator(
        cpu=cpu_process_group(),
        kwargs_handlers=[InitProcessGroupKwargs(**process_group_kwargs(args.ddp_timeout))],
        **({"mixed_precision": args.mixed_precision} if args.mixed_precision else {}),
    )
    logging.basicConfig(format="%(asctime)s - %(levelname)s - %(name)s - %(message)s", level=logging.INFO)
    single = processes_not_started(accelerator.num_processes, sys.argv[0])  # --num_processes 2 ran one on CPUs
    if single:
        logger.warning(single)
    precision, dropped = precision_evaluated(accelerator)  # the flag's, or the launcher's (recorded in the results)
    if dropped:
        logger.warning(dropped)

    opener = (
        open_streaming_dataset
        if args.streaming
        else partial(
            open_video_dataset,
            once=partial(read_once_per_machine, accelerator, source=args.dataset),
            chosen_splits=(args.split,),  # (one HMDB51 protocol's test split, as advised: said in one INFO line)
        )
    )
    # a stream is opened by the main process first too: what it found reading the shards (a WebDataset's label
    # column, every tar's index) is kept and read back by the others (`kept_scans`), where each read every tar
    streamed_once = main_process_first(accelerator) if args.streaming else contextlib.nullcontext()
    with hub_source("--dataset", args.dataset), streamed_once:  # a Hub id not fetched: one line naming it
        data = opener(
            args.dataset,
            # (streamed: a `save_to_disk` folder in whole shards per process, `saved_shards`)
            **(
                {"num_processes": accelerator.num_processes}
                if args.streaming
                else {"dataset_format": args.dataset_format, "one_split_of": splits_read(args)}
            ),
            **source_options(args),
        )
    check_model_fetched(args)  # before its default results folder is made: a bare name is that folder's path
    split = data.split_name(args.split) if args.split else data.default_eval_split  # `val`: its `validation`
    record = fine_tuning_record(args)  # the run that wrote --model: its all_results.json and settings, read once
    trained = training_split(args, record)  # the split of this data set it was fine-tuned on, and its held-out share
    otherwise = trained_read_otherwise(args, record)  # ... where that run read the data set another way
    folder_split = split
    held_out = trained is not None and trained[1] is not None and trained[0] in data.splits
    if split is None and held_out and not args.streaming:  # (a stream has no held-out share: read whole)
        # the share fine-tuning held out and scored: the other clips of the split were trained on
        train_split, percentage, seed = trained
        examples = hold_out(data.split(train_split), percentage / 100, seed=seed)[1]
        refuse_another_held_out_share(args, train_split, percentage, examples, data, seed)
        warn_small_held_out_share(data.split(train_split), examples, percentage, train_split, evaluating=True)
        split = f"{train_split} (held out {percentage:g}%)"
        # `held-out-10pct`: the folder was `eval_<data set>_train-held-out-10_1x1`, which for a data set folder named
        # `train` read `eval_train_train-held-out-10_1x1`, a typo to a user's eye; another training split is named
        folder_split = ("" if train_split == "train" else f"{train_split}-") + f"held-out-{percentage:g}pct"
        logger.info(f"no validation or test split in {args.dataset}: evaluating {split}, as fine-tuning did")
    elif split is None or split not in data.splits:  # the user's input, not a bug: a message, not a traceback
        if split is not None and data.is_unlabelled(split):  # there, but left out: none of its rows has a label
            usage_error(data.missing_split(split))
        wanted = f"no split {split!r}" if split else "no validation or test split"
        usage_error(
            f"{wanted} in {args.dataset}; name one with --split: {', '.join(sorted(data.splits))}"
            + held_out_read_otherwise(args, trained, otherwise)
        )
    else:
        examples = data.split(split)
        data.refuse_empty(split, "to evaluate")
        # a score of clips it learnt: said, as it is not a test (also of a run that read the data set otherwise:
        # another --dataset_format, or streamed, whose `--split train` is the same clips)
        score = score_name(data.multi_label)  # (a multi-label model's mAP: it has no accuracy)
        if note := trained_split_warning(args, split, trained, otherwise, score):
            logger.warning(note)
        elif accelerator.is_main_process and (note := trained_clips_scored(args, split, examples, record, score)):
            # the same clips under another split name: UCF101's `test` in videofolder's `train`, or in its own
            # official split 1's `train` for split 2's `test`
            logger.warning(note)
    whole_split = not args.streaming and (args.max_eval_samples or 0) >= len(examples)
    if args.max_eval_samples and whole_split:  # the whole split's scores: in its folder, not `_sample<N>-seed<S>`
        logger.info(
            f"--max_eval_samples {args.max_eval_samples} is at least the {len(examples)} clips of {split}: the whole "
            "split is evaluated, its results are the whole split's"
        )
        args.max_eval_samples = None
    if not args.output_dir and (folder_split != args.split or whole_split):  # the default folder, known now: checked
        # before the model loads (a --split checked at the start, unless the data set calls it otherwise: `val`, its
        # `validation`, or --max_eval_samples takes it whole)
        agree(None, output_refusal(args, folder_split))
    output_dir = Path(args.output_dir) if args.output_dir else default_output_dir(args, folder_split)
    agree(None, claim_output_dir(args, output_dir))  # (a typed --output_dir is held already)
    typed = {typed_flag_name(str(a)) for a in (sys.argv[1:] if argv is None else argv)}  # flags as typed
    scored = split  # the split, or the share of it that --max_eval_samples draws
    if args.streaming:  # the first N clips of the stream; a parquet file read by row group by every worker
        whole = examples.num_examples
        examples.keep_first(args.max_eval_samples)
        if accelerator.is_main_process:  # (the label column of its first N rows read, by one process)
            warn_classes_a_cut_leaves_out(examples, data.label_names, "--max_eval_samples", split)
        scored += streamed_share(whole, examples.num_examples, args.max_eval_samples)
        examples.spread_over(accelerator.num_processes * max(args.num_workers, 1), f"split {split!r}")
    elif args.max_eval_samples:
        # Seeded and across the classes: the adapters list clips class by class, so the first N are one class.
        whole = len(examples)
        examples = sample_subset(examples, args.max_eval_samples, seed=args.seed)
        if len(examples) < whole:  # eval_results.json names the share scored, as finetune.py's results do
            scored = f"{split} ({len(examples)} of its {whole} clips: --max_eval_samples)"
            if note := subset_seed_note(args, typed, record):  # another draw than fine-tuning's: said
                logger.warning(note)
    # machines with a copy each: the same clips (a stream: the same shards), or scores gathered twice and others never
    agree_on_examples({split: examples_digest(examples)}, caveats={split: digest_caveat(examples)})

    model = load_model(args)
    # (a stream's labels are not read before its clips: each of its classes must be known)
    # (a multi-label split's classes carried are not counted: each class of the data set must be the model's)
    carried = None if args.streaming or data.multi_label else examples
    mappings = check_labels(model.config, data, args.model, args.dataset, carried, streamed=args.streaming)
    if data.multi_label and (said := single_label_model_warning(model.config, args.model)):
        logger.warning(said)
    # The model's classes name the metrics, plots and rows; a data set of some of them has its labels mapped onto them.
    label_spaces = data.label_spaces
    if mappings is not None:
        label_spaces = model_label_spaces(model.config, data)
        for line in label_mapping_said(mappings, data.label_spaces, model.config.num_labels, scored):
            logger.info(line)
    # test clips and crops even from a processor saved in training mode (a Trainer's processing_class)
    try:
        processor = ViViTVideoProcessor.from_pretrained(
            args.model, revision=args.model_revision, do_train_augment=False
        )
    except ValueError as error:  # its saved options refused: the user's file, said before any clip is read
        usage_error(refused_processor_config("--model", args.model, error))
    warn_short_video_override(logger, processor.short_video, args.short_video, args.model)
    # views typed on the command line are the user's choice; the warning is for the flags' defaults scoring views
    # other than the saved ones (a processor saved with 4 x 3 would score 1 x 1). Both typed, it would fire on
    # README's own `--num_clips 4 --num_crops 3` for every model finetune.py saves (1 x 1).
    if not {"num_clips", "num_crops"} <= typed:
        warn_saved_views(logger, processor, args.model, args.num_crops, args.num_clips)
    if args.short_video:  # the data sets read it from the processor (a segment loops whatever it says)
        processor.short_video = args.short_video
    take_the_models_clip_length(processor, model.config, args.model)
    streamed_ids = [] if args.streaming else None
    # views each video's frames decide (a shortest edge resized, nothing cropped; none fixed below): each clip's,
    # refused naming it and both sizes, on either path (a later clip of another shape was torch's "stack expects each
    # tensor to be equal size" in the collation, or the model's traceback)
    view_refusal = partial(clip_size_refusal, config=model.config, model=str(args.model), cropped=False, tense="made")
    # the check before any clip is evaluated: of crops, or of resized frames where the processor crops nothing
    views_check = partial(
        clip_size_refusal, config=model.config, model=args.model, cropped=crops_views(processor, args.num_crops)
    )
    if args.streaming:  # each process streams its part; batches padded to one size, padding dropped after gathering
        dataset = StreamingVideoDataset(
            examples,
            processor,
            batch_size=args.per_device_eval_batch_size,
            num_clips=args.num_clips,
            num_crops=args.num_crops,
            rank=accelerator.process_index,
            world_size=accelerator.num_processes,
            role="evaluation",
            options_of=f"--model {args.model}'s",
            view_refusal=view_refusal,
        )
        # the whole read's check, from the processor's rule alone (no clip is read yet): a stream whose views each
        # video's frames decide (a shortest edge resized, nothing cropped) is checked at each clip (`view_refusal`
        # above; it was left to the model's traceback); options no clip can be processed with: its first clip says
        refusal = evaluation_views_refusal(views_check, processor, args.num_crops)
        if refusal:
            usage_error(refusal)
        dataloader = StreamingLoader(
            dataset,
            args.num_workers,
            device=accelerator.device,
            accelerator=accelerator,
            pad_to=args.per_device_eval_batch_size,
        )
        model = accelerator.prepare(model)
    else:
        dataset = VideoClassificationDataset(
            examples,
            processor,
            num_clips=args.num_clips,
            num_crops=args.num_crops,
            view_refusal=view_refusal,
            multi_label_classes=len(data.label_names) if data.multi_label else None,  # the data set's classes
        )
        try:  # tries the clips until one decodes: a split of none ended in a traceback from inside the loader
            dataset.sample_shape()
        except NoDecodableClipError:
            raise SystemExit(nothing_evaluated(split, args.dataset, len(dataset))) from None
        except (ValueError, TypeError) as error:  # not a broken video: the processor's options (the model's own)
            first = describe_example(dataset.examples[0], 0)
            raise ProcessorOptionError.at("evaluation", first, error, f"--model {args.model}'s") from None
        # then its views: their fixed size, else that first clip's, then the later clips' headers' (finetune.py's rule)
        refusal = evaluation_views_refusal(views_check, processor, args.num_crops, dataset, first_across_processes)
        if refusal:
            usage_error(refusal)
        dataloader = torch.utils.data.DataLoader(
            dataset,
            batch_size=args.per_device_eval_batch_size,
            collate_fn=collate_videos,
            num_workers=args.num_workers,
            worker_init_fn=share_parent_memory,  # no copy of the main process's objects in each worker
        )
        model, dataloader = accelerator.prepare(model, dataloader)

    views = args.num_clips * args.num_crops
    truncated: list = []  # which clips were segments read past their video's end (finetune.py counts them too)
    logits, labels, valid = predict(
        model, dataloader, accelerator, num_views=views, video_ids=streamed_ids, truncated=truncated
    )
    if mappings is not None:
        multi_hot = data.multi_label
        labels = model_multi_hot(labels, mappings[0], logits.shape[-1]) if multi_hot else model_labels(labels, mappings)
    try:
        if data.multi_label:  # mAP (each class's logits ranked: the sigmoid's order), no top-1
            results = multi_label_metrics(logits, labels, valid, next(iter(label_spaces.values())))
        else:
            results = evaluation_metrics(logits, labels, valid, label_spaces)
    except NonFiniteLogitsError as error:  # a diverged model: its top-1 was the share of class 0, written as a result
        video_ids = streamed_ids if args.streaming else example_ids(examples)
        raise SystemExit(
            f"error: --model {args.model}: {error} (the first: {video_ids[error.rows[0]]}); no results are written"
        ) from None
    if results["num_samples"] == 0:  # a stream of broken clips: found only once read, and it exited 0 with no top-1
        raise SystemExit(nothing_evaluated(split, args.dataset, results["num_skipped"]))
    # Segments that ran past their video's end (Epic Kitchens timestamps of another copy of a video) are scored on
    # the frames there are: counted, as finetune.py's evaluation counts them; only the first was named, in a warning
    results["num_truncated"] = int((truncated[0] & valid.bool()).sum())
    if results["num_truncated"]:
        logger.warning(
            f"{results['num_truncated']} of the {results['num_samples']} clips scored are segments that ran past their "
            "video's end, scored on the frames there are (fewer than their annotation names)"
        )
    # The metrics under transformers' Trainer's names too (`eval_` + the name: its eval_results.json's eval_loss,
    # ...), as finetune.py's all_results.json has them: a Trainer user's script reading eval_loss found no key.
    trainer_names = scalar_metrics(results, prefix="eval_")
    results.update(
        split=scored,
        num_clips=args.num_clips,
        num_crops=args.num_crops,
        model=str(args.model),
        **({"model_revision": args.model_revision} if args.model_revision else {}),
        dataset=str(args.dataset),
        num_processes=accelerator.num_processes,
        mixed_precision=precision,
    )

    if accelerator.is_main_process:
        # Written whole, then moved into place: a Ctrl-C or a full disk while writing leaves the previous evaluation's
        # files as they were, not its predictions beside this one's results.
        with staged_outputs(output_dir, model_files=()) as staging:
            # (a multi-label evaluation has no confusion matrix: each class's average precision is in the results)
            results["plots"] = [] if data.multi_label else save_evaluation_plots(results, label_spaces, staging)
            (staging / "eval_results.json").write_text(json.dumps({**results, **trainer_names}, indent=2))
            # Rows are in the examples' order (`gather_for_metrics` restores it), so ids join predictions to videos.
            video_ids = streamed_ids if args.streaming else example_ids(examples)
            save_file(
                {"logits": logits.contiguous(), "labels": labels.contiguous(), "valid": valid.contiguous()},
                str(staging / "predictions.safetensors"),
                metadata={"video_ids": json.dumps(video_ids)},
            )
            head_sizes = [len(n) for n in label_spaces.values()]
            if data.multi_label:  # each row's classes and those scored 0.5 or more, each class's sigmoid score
                names = next(iter(label_spaces.values()))
                write_multi_label_prediction_rows(
                    staging / "predictions.jsonl", video_ids, logits, labels, valid, names
                )
            else:
                write_prediction_rows(
                    staging / "predictions.jsonl",
                    video_ids,
                    logits,
                    labels,
                    valid,
                    head_sizes,
                    label_names=list(label_spaces.values()),  # the model's names (a hold-out set's labels: its ids)
                )
        if written is not None:
            written.append(output_dir)
        processes = f"{accelerator.num_processes} process{'es' * (accelerator.num_processes != 1)}"
        ran = f"{split}, {args.num_clips}x{args.num_crops} views, mixed_precision {precision}, {processes}"
        logger.info(f"{ran}: {json.dumps(scalar_metrics(results))}")
        logger.info(f"results in {output_dir}")
    accelerator.wait_for_everyone()
    accelerator.end_training()  # leave the process group before exit (see finetune.py's end)
    release_output_dir(output_dir)  # (at exit anyway; main called in a process that goes on, now)
    return results


def run(argv=None):
    """`main` as a command (`run_as_command`): a data set that is not what `--dataset_format` says (an empty folder, a
    plain folder read as Kinetics) or a model whose processor options no clip can be processed with is the user's
    mistake, whose message already names it: one line and argparse's status 2. Ctrl-C or SIGTERM is one line saying
    whether the results were written, status 130 / 143 (it was a traceback from wherever the model was, or torch's
    for the DataLoader workers the launcher stopped). Any other error is a bug and keeps its traceback."""
    written: list[Path] = []

    def interrupted() -> str:
        if written:
            return f"interrupted after the results were written to {written[0]}"
        return (
            "interrupted before the results were written: no evaluation folder changed; run the same command again "
            "to evaluate"
        )

    user_errors = (DatasetFormatError, ProcessorOptionError)
    with advice_in_flag_words():  # a clip skipped as broken: the flag to take it (--short_video), as typed here
        return run_as_command(partial(main, written=written), argv, user_errors, interrupted)


if __name__ == "__main__":
    run_as_script(run)
