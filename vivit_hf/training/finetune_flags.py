# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""`recipes/finetune.py`'s command line: its parser (`build_parser`, a paper preset's values as defaults), the flag
types (`at_least`, `_real`, `_bool`, the scheduler names), and the checks `parse_args` makes of the flags as a whole
before any data or model is loaded (a path that is not here, a flag this run would not use, a model flag a ViViT
checkpoint decides, `--config_overrides` fields no config has, a `--torch_compile_mode` inductor lacks).

Apart from `finetune`, which builds the data, the processor, the model, the loss and the evaluation from these flags:
what the command accepts is read, reviewed and changed here without the training code around it. `finetune` imports
these names too, where scripts written before the split imported them from.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
from pathlib import Path

from ..conversion.vit_init import TUBELET_INITS
from ..flag_spellings import flag_spellings, typed_flag_name
from ..hub.upload import (
    HUB_STRATEGIES,
    push_repo_refusal,
    push_revision_refusal,
    read_revision_refusal,
    unpushed_flag_refusal,
    upload_command,
)
from ..models.modeling_vivit import VIVIT_MODELS
from ..processing.processing_vivit import ViViTVideoProcessor
from ..run_folder import no_model_yet
from .best_model import check_metric_flag
from .checkpoints import final_outputs_upload_flags
from .class_weights import class_weights_problem
from .data import SYNTHETIC, add_dataset_flags
from .data.formats import check_config_name
from .flags import (
    DDP_TIMEOUT,
    TRAINER_ADVICE,
    DefaultsHelpFormatter,
    SuggestingArgumentParser,
    add_mixed_precision_flag,
    add_short_video_flag,
    missing_dataset,
    missing_model,
)
from .launch import launcher_mixed_precision
from .model_ema import DEFAULT_DECAY
from .presets import MODEL_SIZES, PRESETS, get_preset, needs_a_dataset

MODELS = tuple(VIVIT_MODELS)


def build_parser(description: str | None = None) -> argparse.ArgumentParser:
    # No abbreviations: `--lr 0.1` would be taken as `--lr_scheduler_type 0.1`; an unknown flag is answered with the
    # one to use (`--lr` -> `--learning_rate`).
    p = SuggestingArgumentParser(
        description=description, formatter_class=DefaultsHelpFormatter, allow_abbrev=False, advice=TRAINER_ADVICE
    )
    g = p.add_argument_group("data")
    add_dataset_flags(g)
    g.add_argument(
        "--streaming",
        action="store_true",
        help="stream the data set (datasets' IterableDataset: --dataset_format hub layouts), split over the "
        "processes, decoded in the DataLoader workers; nothing is downloaded whole",
    )
    g.add_argument(
        "--shuffle_buffer_size",
        type=at_least(0),
        default=1000,
        help="--streaming: examples in datasets' shuffle buffer (reseeded every epoch); 0 keeps the stored order",
    )
    g.add_argument("--train_split", default="train")
    g.add_argument("--eval_split", default=None, help="default: validation, else test, else a held-out share")
    g.add_argument(
        "--validation_split_percentage",
        type=_real(above=0, below=100),
        default=10.0,
        help="held out of train when the data set has no validation or test split",
    )
    # not the first N, as transformers' examples take them: said, since the split's first N are one class or two
    g.add_argument(
        "--max_train_samples",
        type=at_least(1),
        default=None,
        help="train on a subset of this many clips, drawn across the classes by --seed (--streaming: the stream's "
        "first N)",
    )
    g.add_argument(
        "--max_eval_samples",
        type=at_least(1),
        default=None,
        help="evaluate on a subset of this many clips, drawn across the classes by --seed (--streaming: the "
        "stream's first N)",
    )
    g.add_argument("--cache_dir", default=None, help="where Hub downloads, extractions and the bundled data go")
    g.add_argument("--num_workers", type=at_least(0), default=2, help="DataLoader worker processes (decoding)")
    g.add_argument(
        "--cache_decoded_videos",
        choices=("auto", "yes", "no"),
        default="auto",
        help="decode every clip once and keep its frames in memory for all epochs (same batches, "
        "less CPU); auto: when the training and evaluation sets fit in --cache_budget_mib",
    )
    g.add_argument(
        "--cache_budget_mib",
        type=_real(at_least=0),
        default=1024,
        help="memory per training process that --cache_decoded_videos auto may fill",
    )
    g.add_argument(
        "--torch_threads",
        type=at_least(1),
        default=None,
        # no default in the words: the formatter adds the preset's (synthetic_motion: 1), which "torch's choice" hid;
        # the preset's last, next to it: "unset: torch's choice (default: 1)" read as if torch's choice were 1
        help="intra-op threads of each training process; without the flag, torch's own number (as many as the "
        "cores) where the preset sets none, else the preset's",
    )

    g = p.add_argument_group("model")
    g.add_argument("--preset", default=SYNTHETIC, help=preset_help(SYNTHETIC))
    g.add_argument(
        "--model",
        choices=MODELS,
        # the choices alone did not say which is which, nor which to start with (docs/models.md, "Which to pick")
        help="the paper's Model 1-4, in this order; factorised_encoder (Model 2) is its best speed / accuracy "
        "trade-off",
    )
    g.add_argument(
        "--model_size",
        choices=tuple(MODEL_SIZES),
        help="the size of a model started from scratch (with --init_from, that ViT's or checkpoint's size is taken)",
    )
    g.add_argument(
        "--init_from",
        default=None,
        help="an image ViT (Hub id, folder, timm/.npz; see from_vit_pretrained) or a ViViT checkpoint",
    )
    g.add_argument(
        "--init_from_revision",
        default=None,
        help="a Hub --init_from's branch, tag or commit (from_pretrained's revision=; a run's --hub_revision); "
        "default main",
    )
    g.add_argument(
        "--tubelet_init",
        choices=TUBELET_INITS,
        default="central_frame",
        help="from an image ViT, the tubelet kernel from its patch kernel (paper section 3.4): the central frame "
        "(the paper's best), filter inflation, arp, or random (the model's own init)",
    )
    g.add_argument(
        "--positional_embedding",
        choices=("resize_tile", "tile", "resize", "random"),  # initialise_from_vit's (POSITIONAL_EMBEDDINGS)
        default="resize_tile",
        help="from an image ViT: its position grid resized to the crop's (the same table when the sizes "
        "agree), tiled over time; tile refuses another crop size; resize is scenic's rule (Models 1, 3, 4: the "
        "ViT's square grid resized to one square of all t*h*w tokens; Model 2: resize_tile); random keeps a fresh "
        "table",
    )
    g.add_argument(
        "--config_overrides",
        default=None,
        help='model config fields, e.g. "num_frames=1,tubelet_size=[1,8,8]" (JSON values)',
    )
    g.add_argument("--drop_path_rate", type=_real(at_least=0, below=1), help="stochastic depth")
    g.add_argument(
        "--hidden_dropout_prob",
        type=_real(at_least=0, below=1),
        default=None,
        # no default in the words, as --torch_threads: the formatter adds the preset's where it sets one (the paper's
        # presets set none, and their --help showed the bare flag: what would a run take?)
        help="dropout after the position embeddings and each layer's attention and MLP (the model config's "
        "hidden_dropout_prob); without the flag, the preset's where it sets one, else the model config's (0.0 for a "
        "new model)",
    )
    g.add_argument(
        "--freeze",
        nargs="*",
        default=[],
        help="parameter-name prefixes to freeze, e.g. vivit.token_embedding vivit.encoder.layers.0.",
    )
    g.add_argument(
        "--gradient_checkpointing",
        "--activation_checkpointing",
        action="store_true",
        help="recompute each layer's activations in the backward pass (transformers' activation checkpointing): "
        "less memory for a longer step, the same gradients",
    )

    g = p.add_argument_group("video processing")
    g.add_argument("--num_frames", type=at_least(1), default=None, help="frames per clip (default: the model's)")
    # the two had no help: what a stride of 2 means, and what is resized before the crop, was in the docs alone
    g.add_argument(
        "--frame_stride",
        type=at_least(1),
        help="a clip takes every Nth frame of the video (the paper: 2 on Kinetics, 1 on SSv2 and Epic Kitchens)",
    )
    g.add_argument(
        "--resize_shortest_edge",
        type=at_least(1),
        help="each frame's short side is resized to this before the --crop_size crop (the paper: 256; SSv2 288)",
    )
    g.add_argument("--crop_size", type=at_least(1), help="also the model's image_size (position embeddings resized)")
    g.add_argument(
        "--scale_jitter",
        type=float,
        nargs=2,
        help="training: MIN MAX, the range of the height's and the width's resize factors (drawn apart) after the "
        "shorter-side resize",
    )
    g.add_argument("--do_flip", type=_bool, help="training: random horizontal flips (true or false)")
    g.add_argument(
        "--color_jitter", type=_bool, help="training: DMVR's colour augmentation, probability 0.8 (true or false)"
    )
    g.add_argument("--rand_augment", type=int, nargs=2, help="RandAugment num_ops magnitude, e.g. 2 15")
    add_short_video_flag(g, "a one-frame clip is skipped as broken, every epoch,")
    g.add_argument("--eval_num_clips", type=at_least(1), help="temporal views when evaluating each epoch")
    g.add_argument(
        "--eval_num_crops", type=int, choices=(1, 3), help="spatial views when evaluating each epoch: 1 (centre) or 3"
    )

    g = p.add_argument_group("optimisation")
    g.add_argument("--optimizer", choices=("sgd", "adamw"))
    g.add_argument("--learning_rate", type=_real(above=0))
    g.add_argument("--momentum", type=_real(at_least=0), default=0.9)
    g.add_argument(
        "--layer_decay",
        type=_real(above=0, below=1),
        default=None,
        help="layer-wise learning-rate decay (BEiT, MAE): block k of L learns at learning_rate * "
        "layer_decay ** (L + 1 - k), the embeddings at ** (L + 1), the classifier at the full rate (e.g. 0.75)",
    )
    g.add_argument(
        "--model_ema",
        action="store_true",
        default=None,
        help="evaluate, keep and save an exponential moving average of the weights (timm's ModelEmaV3), not the "
        "last step's",
    )
    g.add_argument(
        "--model_ema_decay",
        type=_real(above=0, below=1),
        default=None,
        help=f"--model_ema's decay per optimiser step (default {DEFAULT_DECAY}, timm's)",
    )
    g.add_argument(
        "--model_ema_warmup",
        action="store_true",
        default=None,
        help="--model_ema's decay at optimiser step N (from 1) rises as 1 - N ** (-2/3) up to --model_ema_decay "
        "(timm's warm-up)",
    )
    g.add_argument("--weight_decay", type=_real(at_least=0))
    g.add_argument(
        "--lr_scheduler_type",
        type=_scheduler_type,
        default="cosine",
        help=f"transformers' get_scheduler name: {', '.join(SCHEDULERS)}",
    )
    g.add_argument("--warmup_epochs", type=_real(at_least=0))
    g.add_argument("--num_warmup_steps", type=at_least(0), default=None, help="overrides --warmup_epochs")
    g.add_argument("--num_train_epochs", type=at_least(1))
    g.add_argument("--max_train_steps", type=at_least(1), default=None, help="overrides --num_train_epochs")
    g.add_argument("--per_device_train_batch_size", type=at_least(1), default=8)
    g.add_argument("--per_device_eval_batch_size", type=at_least(1), default=8)
    g.add_argument(
        "--total_batch_size",
        type=at_least(1),
        default=None,
        help="reach this batch size with gradient accumulation (paper: 64)",
    )
    g.add_argument(
        "--gradient_accumulation_steps",
        type=at_least(1),
        default=None,
        help="batches added up per optimiser step; given, it sets the total batch instead of --total_batch_size",
    )
    g.add_argument("--max_grad_norm", type=_real(at_least=0), help="0: no clipping")
    g.add_argument("--label_smoothing", type=_real(at_least=0, below=1))
    g.add_argument(
        "--class_weights",
        choices=("balanced",),
        default=None,
        help="weigh each class's loss by n / (classes * its clips) (scikit-learn's balanced), for an imbalanced "
        "training set",
    )
    g.add_argument("--mixup_alpha", type=_real(at_least=0), help="0: no mixup")
    g.add_argument("--cutmix_alpha", type=_real(at_least=0), default=0.0, help="0: no cutmix")
    g.add_argument("--seed", type=_seed, default=0)
    add_mixed_precision_flag(g, "; recorded in run_settings.json and the model card")
    g.add_argument(
        "--ddp_timeout",
        type=at_least(1),
        default=DDP_TIMEOUT,
        help="seconds a collective waits for a process that does not come (a lost machine) before the run fails "
        "(transformers' name and default)",
    )
    g.add_argument(
        "--torch_compile",
        action="store_true",
        help="train and evaluate through torch.compile(model) (made after accelerate's prepare); the saved "
        "weights and checkpoints are the plain model's",
    )
    g.add_argument(
        "--torch_compile_backend",
        default=None,
        help="torch.compile backend, a name torch._dynamo.list_backends() knows (default: inductor); "
        "implies --torch_compile",
    )
    g.add_argument(
        "--torch_compile_mode",
        default=None,
        help="inductor's mode: default, reduce-overhead, max-autotune, ... (default: torch's); implies --torch_compile",
    )

    g = p.add_argument_group("outputs")
    g.add_argument("--output_dir", default="outputs")
    g.add_argument(
        "--checkpointing_steps",
        type=_checkpointing_steps,
        default=None,
        help="save_state every N steps and at the last, or 'epoch'",
    )
    g.add_argument("--checkpoints_total_limit", type=at_least(0), default=2, help="0 keeps every checkpoint")
    g.add_argument("--resume_from_checkpoint", default=None, help="a checkpoint folder, or 'latest'")
    g.add_argument(
        "--overwrite_output_dir",
        action="store_true",
        help="start over in an --output_dir that holds a previous run: its model, checkpoints, results, plots, logs "
        "and evaluations are removed first (other files stay); without it such a folder is refused",
    )
    g.add_argument(
        "--with_tracking",
        type=_bool,
        default=True,
        help="log to --report_to's tracker (tensorboard: <output_dir>/finetune/)",
    )
    g.add_argument("--report_to", default="tensorboard", help="an accelerate tracker (tensorboard, wandb, ...) or none")
    g.add_argument("--logging_steps", type=at_least(1), default=10)
    g.add_argument(
        "--eval_steps",
        type=at_least(1),
        default=None,
        help="evaluate every N optimiser steps and at the end of the run, in place of the end of every epoch "
        '(Trainer\'s eval_strategy="steps")',
    )
    add_best_model_flags(g)
    g.add_argument(
        "--push_to_hub", action="store_true", help="create the Hub model repo first, push as --hub_strategy says"
    )
    g.add_argument(
        "--hub_model_id", default=None, help="the repo --push_to_hub pushes to; default: --output_dir's folder name"
    )
    g.add_argument(
        "--hub_token", default=None, help="the token --push_to_hub pushes with; default: HF_TOKEN or hf auth login"
    )
    g.add_argument("--hub_private_repo", action="store_true", help="make a new repo private")
    g.add_argument(
        "--hub_revision",
        default=None,
        help="the branch every push goes to (made from main when missing), transformers' TrainingArguments."
        "hub_revision; default main. The model card's usage example loads it with revision=",
    )
    g.add_argument(
        "--hub_strategy",
        choices=HUB_STRATEGIES,
        default="every_save",
        help="what is pushed when, transformers' Trainer's values: end (the final outputs only), every_save (the "
        "model at every checkpoint too, the default), checkpoint (and the checkpoint itself, in last-checkpoint/, "
        "to resume from), all_checkpoints (every checkpoint, in checkpoints/step_N/)",
    )
    g.add_argument(
        "--upload_retries",
        type=at_least(0),
        default=5,
        help="how many times a failed push is retried (exponential back-off)",
    )
    return p


def _bool(value: str) -> bool:
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {value!r}")


def _seed(text: str) -> int:
    """An argparse type: a seed numpy takes, 0 to 2**32 - 1 (`--seed -1` was taken, and the run stopped at accelerate's
    set_seed, after the process group was joined, in numpy's traceback)."""
    value = at_least(0)(text)
    if value > 2**32 - 1:
        raise argparse.ArgumentTypeError(f"expected a whole number from 0 to 2**32 - 1, got {text!r}")
    return value


def at_least(minimum: int):
    """An argparse type: a whole number >= minimum (a batch of 0 or -1 workers would fail mid-run, if at all)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < minimum:
            raise argparse.ArgumentTypeError(f"expected a whole number >= {minimum}, got {text!r}")
        return value

    return parse


def _real(at_least: float | None = None, above: float | None = None, below: float | None = None):
    """An argparse type: a finite number in range (a negative learning rate or mixup alpha would fail only after
    every clip is decoded, with torch's traceback)."""
    bounds = [f">= {at_least:g}" if at_least is not None else "", f"> {above:g}" if above is not None else ""]
    bounds.append(f"< {below:g}" if below is not None else "")
    wanted = " and ".join(b for b in bounds if b)

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = None
        if (
            value is None
            or not math.isfinite(value)
            or (at_least is not None and value < at_least)
            or (above is not None and value <= above)
            or (below is not None and value >= below)
        ):
            raise argparse.ArgumentTypeError(f"expected a number {wanted}, got {text!r}")
        return value

    return parse


# transformers' schedules that run on a warm-up and a length alone (`get_scheduler(name, optimizer, num_warmup_steps,
# num_training_steps)`, then `step()` every optimiser step), as the recipe calls them.
SCHEDULERS = (
    "linear",
    "cosine",
    "cosine_with_restarts",
    "polynomial",
    "constant",
    "constant_with_warmup",
    "inverse_sqrt",
)


def _scheduler_type(text: str) -> str:
    """An argparse type: a schedule in SCHEDULERS. Any other name would fail only after the data set is read
    and the model built (transformers' ValueError traceback for a typo; `reduce_lr_on_plateau` and `greedy` at the
    first step, wanting a metric; `cosine_with_min_lr` and `warmup_stable_decay` wanting arguments the recipe has
    no flag for)."""
    if text in SCHEDULERS:
        return text
    from transformers.trainer_utils import SchedulerType

    known = {member.value for member in SchedulerType}
    why = (
        " (it needs settings this recipe does not pass: a metric each step, or its own arguments)"
        if text in known
        else ""
    )
    raise argparse.ArgumentTypeError(f"expected one of {', '.join(SCHEDULERS)}, got {text!r}{why}")


def _checkpointing_steps(text: str) -> str:
    if text == "epoch" or (text.isdigit() and int(text) > 0):
        return text
    raise argparse.ArgumentTypeError(f"expected a number of steps >= 1 or 'epoch', got {text!r}")


def push_repo(args: argparse.Namespace) -> str:
    """The Hub repo `--push_to_hub` creates: `--hub_model_id`, else the output folder's name, as transformers'
    Trainer names it (`--output_dir .`: the current folder's)."""
    return args.hub_model_id or Path(args.output_dir).absolute().name


def missing_paths(args: argparse.Namespace) -> str | None:
    """What this machine lacks for the flags, in argparse's words (else None): a `--dataset` or `--init_from` spelt
    as a path that is not here, or the Hub for `--push_to_hub` (offline mode on, or a repo name the Hub refuses)."""
    if args.push_to_hub:  # refused here, not once the whole data set is read and the model built
        named = "" if args.hub_model_id else f" (no --hub_model_id: the name of --output_dir {args.output_dir})"
        by_hand = upload_command(
            push_repo(args),
            args.output_dir,
            ".",
            *final_outputs_upload_flags(args.output_dir),
            revision=args.hub_revision,
            private=args.hub_private_repo,
        )
        if refusal := push_repo_refusal("--push_to_hub", push_repo(args), by_hand, named):
            return refusal
    if refusal := read_revision_refusal("--init_from_revision", args.init_from_revision, "--init_from", args.init_from):
        return refusal
    if refusal := dataset_revision_refusal(args):
        return refusal
    if refusal := missing_dataset(args.dataset):
        return refusal
    if refusal := missing_model("--init_from", args.init_from, "file or folder"):  # (a timm .npz is a file)
        return refusal  # from_pretrained reads no `~`: `--init_from=~/vit` was "does not exist" for a folder there
    config = Path(args.init_from or "", "config.json") if args.init_from and os.path.isdir(args.init_from) else None
    if config is not None and not config.is_file():  # no ViT nor ViViT: a traceback once the data set was read
        return no_model_yet("--init_from", args.init_from) or (
            f"argument --init_from: {args.init_from!r}: no config.json in it (give a saved model's folder, a Hub id, "
            "or a weights file: timm .pth / .safetensors, big_vision .npz)"
        )
    if config is not None and config.is_file():  # a local ViViT checkpoint: what it decides, known before any load
        try:
            model_type = json.loads(config.read_text()).get("model_type")
        except (OSError, ValueError, AttributeError):
            model_type = None  # not readable as a config: from_pretrained says why when the model is built
        if isinstance(model_type, str) and model_type.startswith("vivit"):
            return ignored_by_checkpoint(args, model_type)
    return None


def dataset_revision_refusal(args: argparse.Namespace) -> str | None:
    """A `--dataset_revision` no read would use, in argparse's words (else None): the bundled set's or a local
    folder's (read as it is: the flag would be dropped), or one no ref can be named. finetune, evaluate and
    the shard tool ask it, on the machine that reads the data set."""
    if args.dataset_revision is not None and args.dataset == SYNTHETIC:
        return (
            f"argument --dataset_revision: the bundled {SYNTHETIC} set (no --dataset given) has no revision; "
            "give --dataset (a Hub data set id), or leave it out"
        )
    return read_revision_refusal("--dataset_revision", args.dataset_revision, "--dataset", args.dataset)


# The model flags a ViViT checkpoint given as --init_from decides instead (`build_model`): they build a model from
# scratch or from an image ViT, and would be ignored when typed with one.
_CHECKPOINT_DECIDES = {
    "model_size": "its size",
    "tubelet_init": "its tubelet kernel",
    "positional_embedding": "its position embeddings (resized to --num_frames / --crop_size as needed)",
}


def ignored_by_checkpoint(args: argparse.Namespace, model_type: str) -> str | None:
    """In argparse's words, a flag typed on the command line that a ViViT checkpoint of `model_type` as `--init_from`
    would ignore (else None): a `--model` naming another variant (the checkpoint's own variant is built: `--model
    factorised_encoder` would train a Model 1 from a Model 1 checkpoint), or `--model_size`,
    `--tubelet_init`, `--positional_embedding`, which only build a model from scratch or from an image ViT. A
    preset's `--model` is a default, not typed: the checkpoint's variant wins, as documented."""
    typed = getattr(args, "typed_model_flags", ())
    variant = next((name for name, (config, _, _) in VIVIT_MODELS.items() if config.model_type == model_type), None)
    if model_type == "vivit":  # transformers' own ViViT is read as Model 1
        variant = "spatio_temporal"
    if "model" in typed and variant is not None and args.model != variant:
        return (
            f"argument --model: {args.model}, but --init_from {args.init_from} is a {variant} checkpoint "
            f"({model_type}), whose variant is what is built: give --model {variant} or leave --model out, or start "
            f"a {args.model} from an image ViT"
        )
    for name, what in _CHECKPOINT_DECIDES.items():
        if name in typed:
            return (
                f"argument --{name}: --init_from {args.init_from} is a ViViT checkpoint, which keeps {what}; "
                f"--{name} applies to a model from scratch or from an image ViT: leave it out"
            )
    return None


def unused_flag(args: argparse.Namespace, typed: set[str]) -> str | None:
    """In argparse's words, a flag typed on the command line that this run would not use (else None): `--momentum`
    with AdamW (SGD's; a resume would say it had applied a new one), the Hub flags without
    `--push_to_hub` (nothing pushed, exit 0), a `--hub_revision` no push can go to (`push_revision_refusal`)."""
    if "momentum" in typed and args.optimizer != "sgd":
        return (
            f"argument --momentum: --optimizer {args.optimizer} has no momentum (it is SGD's: --optimizer sgd); "
            "leave it out"
        )
    for name in ("hub_model_id", "hub_private_repo", "hub_token", "hub_strategy", "upload_retries"):
        if name in typed and not args.push_to_hub:
            return unpushed_flag_refusal(f"--{name}", "--push_to_hub")  # (the token: says what reads a private set)
    if refusal := push_revision_refusal("--hub_revision", args.hub_revision, "--push_to_hub", args.push_to_hub):
        return refusal
    if "checkpoints_total_limit" in typed and not args.checkpointing_steps:
        return (
            f"argument --checkpoints_total_limit: {args.checkpoints_total_limit}: this run saves no checkpoint; give "
            "--checkpointing_steps N (or epoch), or leave it out"
        )
    if "hub_strategy" in typed and args.hub_strategy != "end" and not args.checkpointing_steps:
        return (
            f"argument --hub_strategy: {args.hub_strategy} pushes at every checkpoint, and this run saves none: give "
            "--checkpointing_steps N (or epoch), or leave --hub_strategy out (the final outputs are pushed at the end)"
        )
    for name in ("tubelet_init", "positional_embedding"):
        if name in typed and not args.init_from:
            return (
                f"argument --{name}: it starts a model from an image ViT (--init_from), and this run trains one from "
                "scratch; give --init_from, or leave it out"
            )
    if "model_size" in typed and args.init_from:
        return (
            f"argument --model_size: the model's size is that of --init_from {args.init_from}; --model_size is for a "
            "model trained from scratch: leave it out"
        )
    return data_flag_unused(args, typed)


def add_best_model_flags(group) -> None:
    """transformers' Trainer's best model and early stopping, by its names (`vivit_hf.training.best_model`)."""
    group.add_argument(
        "--load_best_model_at_end",
        action="store_true",
        help="end with the model of the best evaluation (--metric_for_best_model), not the last step's: its weights "
        "and results are the final outputs; each better evaluation is kept under checkpoints/best/",
    )
    group.add_argument(
        "--metric_for_best_model",
        type=_metric_flag,
        default=None,
        help="the evaluation metric that ranks the evaluations: top1 (default; action_top1 with several heads; map "
        "multi-label), top5, <head>_top1 ..., micro_f1, exact_match, greater is better; or loss, lower is better; "
        "eval_top1, eval_loss too",
    )
    group.add_argument(
        "--early_stopping_patience",
        type=at_least(1),
        default=None,
        help="stop once this many evaluations in a row have not beaten the best before them (Trainer's "
        "EarlyStoppingCallback)",
    )
    group.add_argument(
        "--early_stopping_threshold",
        type=_real(at_least=0),
        default=0.0,
        help="--early_stopping_patience: by how much an evaluation must beat the best to count (default: 0.0)",
    )


def _metric_flag(text: str) -> str:
    try:
        return check_metric_flag(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def best_model_flag_unused(args: argparse.Namespace, typed: set[str]) -> str | None:
    """`--metric_for_best_model` ranks evaluations for the best model or early stopping: typed without either it
    would change nothing; so would a threshold without a patience."""
    if "metric_for_best_model" in typed and not (args.load_best_model_at_end or args.early_stopping_patience):
        return (
            "argument --metric_for_best_model: nothing ranks the evaluations without --load_best_model_at_end or "
            "--early_stopping_patience; add one, or leave it out"
        )
    if "early_stopping_threshold" in typed and not args.early_stopping_patience:
        return "argument --early_stopping_threshold: no early stopping without --early_stopping_patience; add it"
    return None


def unavailable_tracker(args: argparse.Namespace, typed: bool) -> str | None:
    """In argparse's words, a `--report_to` that accelerate cannot log to (else None): a name it does not know was its
    ValueError traceback; a tracker that is not installed (`--report_to wandb` without wandb) trained the whole run
    logging nothing, after one Python warning among the log lines, where transformers' Trainer refuses it. The
    default (tensorboard, not typed) is left to accelerate's warning: the bundled run works without the `recipes`
    extra."""
    from accelerate.tracking import get_available_trackers
    from accelerate.utils import LoggerType

    if not args.with_tracking:
        return None
    name, known = args.report_to, LoggerType.list()
    if name not in known:
        return f"argument --report_to: invalid choice: {name!r} (choose from {', '.join(known)}, none)"
    installed = [str(getattr(tracker, "value", tracker)) for tracker in get_available_trackers()]
    if not typed or name in installed or (name == "all" and installed):
        return None
    what = "no tracker is installed" if name == "all" else f"{name} is not installed"
    return (
        f"argument --report_to: {args.report_to}: {what}, so the run would log nothing; install it, or give "
        "--report_to none (or --with_tracking false)"
    )


def data_flag_unused(args: argparse.Namespace, typed: set[str]) -> str | None:
    """A typed data flag the data set's reader would not use (else None): the columns are `--dataset_format hub`'s
    (another format read its own files and ignored them: `--label_column action` on a videofolder still took the
    folder names), the shuffle buffer `--streaming`'s. evaluate.py asks it too."""
    for name in ("video_column", "label_column"):
        if name in typed and args.dataset_format != "hub":
            return (
                f"argument --{name}: --dataset_format {args.dataset_format} reads no columns (its labels come from "
                "its own files or folders); columns are --dataset_format hub's"
            )
    if "validation_split_percentage" in typed and "eval_split" in typed:
        return (
            "argument --validation_split_percentage: --eval_split is evaluated, so nothing is held out of "
            f"{args.train_split}; leave one of them out"
        )
    if "dataset_format" in typed and args.dataset == SYNTHETIC and args.dataset_format != "videofolder":
        # the bundled set is a video folder whatever the flag said: a run typed for Kinetics trained on it silently
        return (
            f"argument --dataset_format: {args.dataset_format} reads the --dataset you give; without one the bundled "
            f"{SYNTHETIC} set is read, a video folder: give --dataset (your data set's folder or Hub id)"
        )
    streaming = getattr(args, "streaming", False)
    if streaming and "validation_split_percentage" in typed:  # (a stream is never held out of: load_streaming_data)
        return (
            "argument --validation_split_percentage: --streaming holds nothing out of a stream (it evaluates the data "
            "set's --eval_split); leave it out"
        )
    for name in ("cache_decoded_videos", "cache_budget_mib"):  # finetune's: a stream is decoded as it is read
        if streaming and name in typed:
            return f"argument --{name}: --streaming decodes each clip as it is read and keeps none; leave it out"
    if "cache_budget_mib" in typed and getattr(args, "cache_decoded_videos", "auto") != "auto":
        return (
            f"argument --cache_budget_mib: it bounds --cache_decoded_videos auto, and --cache_decoded_videos "
            f"{args.cache_decoded_videos} decides without it; leave one of them out"
        )
    if "shuffle_buffer_size" in typed and not streaming:
        return (
            "argument --shuffle_buffer_size: it orders a stream (--streaming); a data set read whole is shuffled whole"
        )
    return None


def model_ema_defaults(args: argparse.Namespace, typed: set[str], parser: argparse.ArgumentParser) -> None:
    """--model_ema's decay and warm-up, set where it is on (timm's defaults) and left None where it is off, so that a
    run without it records nothing (a checkpoint of an earlier version compares equal); typed without it, refused."""
    for name in ("model_ema_decay", "model_ema_warmup"):
        if name in typed and not args.model_ema:
            parser.error(f"argument --{name}: it is --model_ema's, and this run keeps no average: add --model_ema")
    if args.model_ema:
        args.model_ema_decay = DEFAULT_DECAY if args.model_ema_decay is None else args.model_ema_decay
        args.model_ema_warmup = bool(args.model_ema_warmup)


def preset_help(named: str) -> str:
    """`--preset`'s help where the command line names the preset `named` (the defaults `--help` then shows are its
    values): `--preset ssv2_vivit_b_fe --help` said `(default: synthetic_motion)` at the top of a help whose learning
    rate and epochs were ssv2_vivit_b_fe's, as if they were synthetic_motion's."""
    recipes = f"training recipe: {', '.join(PRESETS)}"
    if named == SYNTHETIC:
        return f"{recipes}; its values are the defaults below (--preset NAME --help shows NAME's)"
    return (
        f"{recipes}; the defaults shown below are {named}'s, the preset this command line names (default: "
        f"{SYNTHETIC}, whose values are the defaults without --preset)"
    )


def preset_given(argv=None) -> str:
    """`--preset` as typed (SYNTHETIC when not given), read alone: the rest of the command line is parsed with the
    preset's values as defaults, and may be wrong in ways the full parser then names."""
    probe = argparse.ArgumentParser(add_help=False, allow_abbrev=False, exit_on_error=False)
    probe.add_argument(*flag_spellings("--preset"), default=SYNTHETIC)
    try:
        return probe.parse_known_args(argv)[0].preset
    except argparse.ArgumentError:  # `--preset` without a value: the full parser says so
        return SYNTHETIC


def parse_args(argv=None, description: str | None = None, check_paths: bool = True) -> argparse.Namespace:
    """The flags, with the preset's values as defaults, checked as a whole before anything is loaded.

    `check_paths=False` leaves `missing_paths` to the caller: paths are looked up on each machine, and the recipe
    on several processes asks after joining the process group, so that a folder missing on one machine stops all."""
    parser = build_parser(description)
    # Preset values become defaults, so anything typed on the command line still wins; set before `--help` is read,
    # so that it shows them (the learning rate, the epochs) as the defaults they are.
    try:
        parser.set_defaults(**get_preset(preset_given(argv)))
    except ValueError as error:
        parser.error(str(error))
    [preset] = [action for action in parser._actions if action.dest == "preset"]
    preset.help = preset_help(preset_given(argv))  # whose values the defaults shown are
    args = parser.parse_args(argv)
    if args.mixed_precision is None:
        args.mixed_precision = launcher_mixed_precision()
    # A total typed on the command line must be met exactly; a preset's default may be approximated (with a warning).
    # the flags typed, by name: `--total-batch-size` is `--total_batch_size` typed
    typed = {typed_flag_name(str(a)) for a in (sys.argv[1:] if argv is None else argv)} - {None}
    args.total_batch_size_typed = "total_batch_size" in typed
    # unused where the data set has an evaluation split, known once it is read (`load_data` says so)
    args.holds_out_typed = "validation_split_percentage" in typed
    args.warmup_epochs_typed = "warmup_epochs" in typed  # overridden by --num_warmup_steps: said (`warmup_overridden`)
    # The model flags a ViViT --init_from decides instead: typed, they are refused (`ignored_by_checkpoint`).
    args.typed_model_flags = [name for name in ("model", *_CHECKPOINT_DECIDES) if name in typed]
    # every flag typed, by name: a resume says which of its changes are the preset's (`preset_change`)
    args.typed_flags = sorted(typed)
    unused = unused_flag(args, typed) or best_model_flag_unused(args, typed) or class_weights_problem(args)
    if unused:
        parser.error(unused)
    model_ema_defaults(args, typed, parser)
    # A paper preset without --dataset would train its recipe on the bundled set, a video folder.
    refused = needs_a_dataset(preset_given(argv), args.dataset, SYNTHETIC)
    if refused:
        parser.error(refused)
    if args.dataset == SYNTHETIC and args.dataset_format != "videofolder":
        # Not typed (`unused_flag` refuses that): a preset's format.
        parser.error(
            f"argument --preset: {preset_given(argv)} reads a --dataset_format {args.dataset_format} data set; without "
            f"--dataset the bundled {SYNTHETIC} set is read, a video folder: give --dataset (your data set's folder or "
            "Hub id)"
        )
    if args.with_tracking and args.report_to.lower() == "none":  # transformers' way to turn the trackers off
        args.with_tracking = False
    tracker = unavailable_tracker(args, "report_to" in typed)
    if tracker:
        parser.error(tracker)
    missing = [
        name for name in ("model", "learning_rate", "num_train_epochs", "optimizer") if getattr(args, name) is None
    ]
    if missing:
        parser.error(f"no value for {missing}: give them or a --preset that sets them")
    try:
        overrides = _parse_overrides(args.config_overrides)
        check_config_overrides(overrides, args.crop_size, num_frames=args.num_frames)
    except ValueError as error:
        parser.error(f"argument --config_overrides: {error}")
    if overrides.get("problem_type") not in (None, "single_label_classification"):
        # trained with the recipe's cross-entropy all the same, and saved: the pipeline then scored the classes with
        # a sigmoid (multi_label_classification) or as raw logits (regression), which are no probabilities
        parser.error(
            f"argument --config_overrides: problem_type={json.dumps(overrides['problem_type'])}: the recipe trains "
            "each head with cross-entropy, one class per clip (single_label_classification), whatever the config "
            "says; leave problem_type out"
        )
    for name in ("drop_path_rate", "hidden_dropout_prob"):  # the override wins: the typed flag would be dropped unsaid
        if name in typed and name in overrides and overrides[name] != getattr(args, name):
            parser.error(
                f"argument --config_overrides: {name}={json.dumps(overrides[name])} differs from --{name} "
                f"{getattr(args, name):g}; give one of them"
            )
    try:
        check_model_config(args)
    except (ValueError, TypeError) as error:
        parser.error(f"argument {' with '.join(_model_config_flags(args, str(error)))}: {error}")
    if refused := check_freeze(args):
        parser.error(refused)
    try:
        check_processor_flags(args)
    except ValueError as error:
        parser.error(str(error))
    try:
        check_config_name(args.dataset_format, args.dataset_config_name)
    except ValueError as error:
        parser.error(f"argument --dataset_config_name: {error}")
    if args.streaming and (args.dataset == SYNTHETIC or args.dataset_format != "hub"):
        what = "the bundled data set" if args.dataset == SYNTHETIC else f"--dataset_format {args.dataset_format}"
        parser.error(
            f"argument --streaming: reads a Hub data set or a local folder with --dataset_format hub, not {what}"
        )
    problem = missing_paths(args) if check_paths else None
    if problem:
        parser.error(problem)
    try:
        check_torch_compile(args)
    except ValueError as error:
        parser.error(str(error))
    return args


def check_model_config(args: argparse.Namespace) -> None:
    """Without `--init_from` the flags make the whole config (the model size, `--config_overrides`, `--crop_size`,
    `--num_frames`, ...): build it, so that its own validation (a crop smaller than one patch, heads that do not
    divide the width) refuses it now, not after the data set was read. With `--init_from` the checkpoint
    supplies the rest of the fields, and the config is checked when the model is built from it."""
    if args.init_from:
        return
    config_class = VIVIT_MODELS[args.model][0]
    config_class(**{**MODEL_SIZES[args.model_size or "tiny"], **model_config_overrides(args)}).check_head_counts()


def unmatched_prefixes(prefixes, names) -> list[str]:
    """The `--freeze` prefixes that begin none of the parameter `names`."""
    return [prefix for prefix in prefixes if not any(name.startswith(prefix) for name in names)]


def check_freeze(args: argparse.Namespace) -> str | None:
    """A `--freeze` prefix no parameter of the model the flags build has, in argparse's words (else None): it was
    found only once the data set was read and the model built. Known here without `--init_from` (whose checkpoint
    decides the depth and variant: `build_model` checks those) and for all but the classifier (whose heads the data
    set decides); the model is built on the meta device, which allocates nothing."""
    if not args.freeze or args.init_from:
        return None
    import torch

    config_class, _, model_class = VIVIT_MODELS[args.model]
    config = config_class(**{**MODEL_SIZES[args.model_size or "tiny"], **model_config_overrides(args)})
    with torch.device("meta"):
        names = [name for name, _ in model_class(config).named_parameters()]
    heads = "classifier"  # (one head, or one per label space of the data set)
    unmatched = [p for p in unmatched_prefixes(args.freeze, names) if not (p.startswith(heads) or heads.startswith(p))]
    return unmatched and (
        f"argument --freeze: {' '.join(unmatched)} begins no parameter name of the {args.model} model; names look "
        f"like {', '.join(names[:3])}"
    )


def check_processor_flags(args: argparse.Namespace) -> None:
    """Refuse (ValueError naming the flag) augmentation values the video processor cannot sample with, by its own
    validation. `build_processor` sets them on the processor as attributes, which the processor checks only when it
    is called, in the DataLoader: `--scale_jitter 2 1` or `--rand_augment 2 -1` failed on every clip, and the run
    stopped saying that none of the training clips could be decoded, every one unreadable."""
    for flag in ("scale_jitter", "rand_augment"):
        value = getattr(args, flag)
        if value is None:
            continue
        try:
            ViViTVideoProcessor(**{flag: list(value)})
        except ValueError as error:
            raise ValueError(f"argument --{flag} {' '.join(f'{v:g}' for v in value)}: {error}") from None


# The flags that set a config field themselves (`model_config_overrides`)
_FIELD_FLAGS = {
    "image_size": "crop_size",
    "num_frames": "num_frames",
    "drop_path_rate": "drop_path_rate",
    "hidden_dropout_prob": "hidden_dropout_prob",
}


def _model_config_flags(args: argparse.Namespace, message: str) -> list[str]:
    """The flags behind the fields a config error names (`image_size` -> `--crop_size 30`), as given; a field no
    flag set comes from the model size."""
    overrides = _parse_overrides(args.config_overrides)
    flags = []
    for field in dict.fromkeys(re.findall(r"`(\w+)`", message)):
        if field in overrides:
            flags.append(f"--config_overrides {args.config_overrides!r}")
        elif field in _FIELD_FLAGS and getattr(args, _FIELD_FLAGS[field]) is not None:
            flags.append(f"--{_FIELD_FLAGS[field]} {getattr(args, _FIELD_FLAGS[field])}")
        else:
            flags.append(f"--model_size {args.model_size or 'tiny'}")
    return list(dict.fromkeys(flags)) or [f"--model {args.model}"]


def check_torch_compile(args: argparse.Namespace) -> None:
    """`--torch_compile_backend` or `--torch_compile_mode` turn `--torch_compile` on (as in transformers' Trainer),
    the backend defaulting to inductor. Refuse (ValueError) what torch.compile would reject only at the first step,
    or ignore: a torch or Python without dynamo, a backend torch does not know, a mode inductor does not know or
    given to another backend."""
    if args.torch_compile_backend is not None or args.torch_compile_mode is not None:
        args.torch_compile = True
    if not args.torch_compile:
        return
    args.torch_compile_backend = args.torch_compile_backend or "inductor"
    import torch._dynamo

    if not torch._dynamo.is_dynamo_supported():
        raise ValueError(
            f"--torch_compile: torch {torch.__version__} cannot compile on Python {sys.version.split()[0]} "
            f"({sys.platform}); leave --torch_compile out or use a Python that torch.compile supports"
        )
    if args.torch_compile_backend not in torch._dynamo.list_backends(exclude_tags=()):
        raise ValueError(
            f"--torch_compile_backend: torch {torch.__version__} has no torch.compile backend "
            f"{args.torch_compile_backend!r}; its backends: {', '.join(torch._dynamo.list_backends())}"
        )
    if args.torch_compile_mode is not None:
        if args.torch_compile_backend != "inductor":  # torch.compile passes it on, and eager and others ignore it
            raise ValueError(
                f"--torch_compile_mode chooses inductor's settings; the backend {args.torch_compile_backend!r} "
                "would ignore it"
            )
        import torch._inductor

        modes = list(torch._inductor.list_mode_options())
        if args.torch_compile_mode not in modes:
            raise ValueError(f"--torch_compile_mode: {args.torch_compile_mode!r} is none of inductor's {modes}")


def _parse_overrides(text: str | None) -> dict:
    """`"a=1,b=[2,8,8],c=gap"` -> `{"a": 1, "b": [2, 8, 8], "c": "gap"}` (JSON values, else strings)."""
    overrides, depth, item = {}, 0, ""
    for char in (text or "") + ",":
        depth += (char in "[{") - (char in "]}")
        if char == "," and depth == 0:
            if item.strip():
                key, equals, value = item.partition("=")
                if not equals or not key.strip():
                    raise ValueError(f"{item.strip()!r} is not key=value")
                try:
                    overrides[key.strip()] = json.loads(value)
                except json.JSONDecodeError:
                    overrides[key.strip()] = value.strip()
            item = ""
        else:
            item += char
    return overrides


# Fields the data set decides (labels) or transformers writes (bookkeeping): not for --config_overrides.
_NOT_OVERRIDABLE = {
    "id2label",
    "label2id",
    "label_spaces",
    "model_type",
    "transformers_version",
    "architectures",
    "_name_or_path",
}


def check_config_overrides(
    overrides: dict, crop_size: int | None = None, config_classes=None, num_frames: int | None = None
) -> None:
    """Refuse a key no ViViT config (or none of `config_classes`) has, naming the closest valid one (a misspelling
    would be ignored), and an `image_size` other than the crop the processor makes (the model's image size
    follows `--crop_size`), or a `num_frames` other than a typed `--num_frames` (the processor's clip length: the
    model took the override's, the processor the flag's, and the run stopped after the data set was read, in a
    traceback)."""
    import difflib

    config_classes = config_classes or [config_class for config_class, _, _ in VIVIT_MODELS.values()]
    valid = set().union(*(config_class().to_dict() for config_class in config_classes)) - _NOT_OVERRIDABLE
    for key in overrides:
        if key not in valid:
            close = difflib.get_close_matches(key, valid, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            models = "" if len(config_classes) > 1 else f" of {config_classes[0].__name__}"
            raise ValueError(f"no config field {key!r}{models}; {hint}valid fields: {', '.join(sorted(valid))}")
    if "image_size" in overrides and crop_size is not None:
        size = overrides["image_size"]
        if (list(size) if isinstance(size, (list, tuple)) else [size, size]) != [crop_size, crop_size]:
            raise ValueError(
                f"image_size={json.dumps(size)} differs from --crop_size {crop_size}, the frames the "
                f"model is given; leave image_size out (it follows --crop_size) or give --crop_size"
            )
    if "num_frames" in overrides and num_frames is not None and overrides["num_frames"] != num_frames:
        raise ValueError(
            f"num_frames={json.dumps(overrides['num_frames'])} differs from --num_frames {num_frames}, the frames "
            "of each clip the model is given; give one of them"
        )


def model_config_overrides(args) -> dict:
    """`--config_overrides` plus the flags that are config fields. The model's image size is the crop the processor
    makes (a preset's 256-pixel crop on a 224-pixel ViT would stop at the first step): the position embeddings are
    resized to it, from the image ViT (`--positional_embedding resize_tile`) or from a ViViT checkpoint."""
    overrides = _parse_overrides(args.config_overrides)
    for name in ("drop_path_rate", "hidden_dropout_prob", "num_frames"):
        if getattr(args, name) is not None:
            overrides.setdefault(name, getattr(args, name))
    if args.crop_size is not None:
        overrides.setdefault("image_size", args.crop_size)
    return overrides
