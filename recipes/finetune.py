#!/usr/bin/env python
"""Fine-tune a ViViT model for video classification with 🤗 Accelerate.

    accelerate launch recipes/finetune.py              # bundled synthetic data set, tiny model, CPU, minutes
    accelerate launch recipes/finetune.py --model factorised_encoder --init_from google/vit-base-patch16-224-in21k \
        --dataset path/or/hub-id --dataset_format ssv2 --preset ssv2_vivit_b_fe --output_dir out --push_to_hub
    accelerate launch recipes/finetune.py --resume_from_checkpoint latest --output_dir out

Flags follow transformers' ``*_no_trainer`` examples; ``--preset`` fills in a paper recipe (``presets.py``) and
any flag given explicitly wins. Runs on 1..N processes (``accelerate config``: DDP, FSDP, multi-node).
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from accelerate import Accelerator, PartialState
from accelerate.logging import get_logger
from accelerate.utils import set_seed
from tqdm.auto import tqdm
from transformers import AutoConfig, get_scheduler

import vivit_hf
from vivit_hf.data import SYNTHETIC, open_video_dataset
from vivit_hf.data.dataset import EpochShuffleSampler, VideoClassificationDataset, collate_videos
from vivit_hf.data.formats import DATASET_FORMATS, hold_out, sample_subset
from vivit_hf.data.metrics import evaluation_metrics, predict, save_evaluation_plots, scalar_metrics
from vivit_hf.launch import cpu_process_group
from vivit_hf.mixup import VideoMixup, smooth_one_hot
from vivit_hf.processing_vivit import ViViTVideoProcessor
from vivit_hf.vit_init import from_vivit_checkpoint

sys.path.insert(0, str(Path(__file__).resolve().parent))
from presets import MODEL_SIZES, PRESETS, get_preset  # noqa: E402

logger = get_logger(__name__)

MODELS = tuple(vivit_hf.VIVIT_MODELS)


def build_parser() -> argparse.ArgumentParser:
    # No abbreviations: `--lr 0.1` used to be taken as `--lr_scheduler_type 0.1`.
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
                                allow_abbrev=False)
    g = p.add_argument_group("data")
    g.add_argument("--dataset", default=SYNTHETIC,
                   help=f"local folder or Hub data set id; '{SYNTHETIC}' (default) is the bundled data set")
    g.add_argument("--dataset_format", default="videofolder", choices=DATASET_FORMATS)
    g.add_argument("--dataset_revision", default=None)
    g.add_argument("--video_column", default=None, help="--dataset_format hub: the video column")
    g.add_argument("--label_column", default=None, help="--dataset_format hub: the label column")
    g.add_argument("--train_split", default="train")
    g.add_argument("--eval_split", default=None, help="default: validation, else test, else a held-out share")
    g.add_argument("--validation_split_percentage", type=float, default=10.0,
                   help="held out of train when the data set has no validation or test split")
    g.add_argument("--max_train_samples", type=_at_least(1), default=None)
    g.add_argument("--max_eval_samples", type=_at_least(1), default=None)
    g.add_argument("--cache_dir", default=None, help="where Hub downloads, extractions and the bundled data go")
    g.add_argument("--num_workers", type=_at_least(0), default=2, help="DataLoader worker processes (decoding)")
    g.add_argument("--cache_decoded_videos", choices=("auto", "yes", "no"), default="auto",
                   help="decode every clip once and keep its frames in memory for all epochs (same batches, "
                        "less CPU); auto: when the training and evaluation sets fit in --cache_budget_mib")
    g.add_argument("--cache_budget_mib", type=float, default=1024,
                   help="memory per training process that --cache_decoded_videos auto may fill")
    g.add_argument("--torch_threads", type=_at_least(1), default=None,
                   help="intra-op threads of each training process (default: torch's choice)")

    g = p.add_argument_group("model")
    g.add_argument("--preset", default=SYNTHETIC, help=f"training recipe: {', '.join(PRESETS)}")
    g.add_argument("--model", choices=MODELS, help="paper's Model 1-4")
    g.add_argument("--model_size", choices=tuple(MODEL_SIZES), help="used when not initialising from a checkpoint")
    g.add_argument("--init_from", default=None,
                   help="an image ViT (Hub id, folder, timm/.npz; see from_vit_pretrained) or a ViViT checkpoint")
    g.add_argument("--tubelet_init", default="central_frame", help="from an image ViT: central_frame|filter_inflation")
    g.add_argument("--positional_embedding", choices=("resize_tile", "tile", "random"), default="resize_tile",
                   help="from an image ViT: its position grid resized to the crop's (the same table when the sizes "
                        "agree), tiled over time; tile refuses another crop size; random keeps a fresh table")
    g.add_argument("--config_overrides", default=None,
                   help='model config fields, e.g. "num_frames=1,tubelet_size=[1,8,8]" (JSON values)')
    g.add_argument("--drop_path_rate", type=float, help="stochastic depth")
    g.add_argument("--hidden_dropout_prob", type=float, default=None)
    g.add_argument("--freeze", nargs="*", default=[],
                   help="parameter-name prefixes to freeze, e.g. vivit.token_embedding vivit.encoder.layers.0.")

    g = p.add_argument_group("video processing")
    g.add_argument("--num_frames", type=_at_least(1), default=None, help="frames per clip (default: the model's)")
    g.add_argument("--frame_stride", type=_at_least(1))
    g.add_argument("--resize_shortest_edge", type=_at_least(1))
    g.add_argument("--crop_size", type=_at_least(1), help="also the model's image_size (position embeddings resized)")
    g.add_argument("--scale_jitter", type=float, nargs=2)
    g.add_argument("--do_flip", type=_bool)
    g.add_argument("--color_jitter", type=_bool)
    g.add_argument("--rand_augment", type=int, nargs=2, help="RandAugment num_ops magnitude, e.g. 2 15")
    g.add_argument("--eval_num_clips", type=_at_least(1), help="temporal views when evaluating each epoch")
    g.add_argument("--eval_num_crops", type=int, choices=(1, 3),
                   help="spatial views when evaluating each epoch: 1 (centre) or 3")

    g = p.add_argument_group("optimisation")
    g.add_argument("--optimizer", choices=("sgd", "adamw"))
    g.add_argument("--learning_rate", type=float)
    g.add_argument("--momentum", type=float, default=0.9)
    g.add_argument("--weight_decay", type=float)
    g.add_argument("--lr_scheduler_type", default="cosine")
    g.add_argument("--warmup_epochs", type=float)
    g.add_argument("--num_warmup_steps", type=_at_least(0), default=None, help="overrides --warmup_epochs")
    g.add_argument("--num_train_epochs", type=_at_least(1))
    g.add_argument("--max_train_steps", type=_at_least(1), default=None, help="overrides --num_train_epochs")
    g.add_argument("--per_device_train_batch_size", type=_at_least(1), default=8)
    g.add_argument("--per_device_eval_batch_size", type=_at_least(1), default=8)
    g.add_argument("--total_batch_size", type=_at_least(1), default=None,
                   help="reach this batch size with gradient accumulation (paper: 64)")
    g.add_argument("--gradient_accumulation_steps", type=_at_least(1), default=None)
    g.add_argument("--max_grad_norm", type=float)
    g.add_argument("--label_smoothing", type=float)
    g.add_argument("--mixup_alpha", type=float)
    g.add_argument("--cutmix_alpha", type=float, default=0.0)
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--mixed_precision", choices=("no", "fp16", "bf16"), default=None)

    g = p.add_argument_group("outputs")
    g.add_argument("--output_dir", default="outputs")
    g.add_argument("--checkpointing_steps", type=_checkpointing_steps, default=None,
                   help="save_state every N steps, or 'epoch'")
    g.add_argument("--checkpoints_total_limit", type=_at_least(0), default=2, help="0 keeps every checkpoint")
    g.add_argument("--resume_from_checkpoint", default=None, help="a checkpoint folder, or 'latest'")
    g.add_argument("--with_tracking", type=_bool, default=True)
    g.add_argument("--report_to", default="tensorboard")
    g.add_argument("--logging_steps", type=_at_least(1), default=10)
    g.add_argument("--push_to_hub", action="store_true")
    g.add_argument("--hub_model_id", default=None)
    g.add_argument("--hub_token", default=None)
    g.add_argument("--hub_private_repo", action="store_true")
    g.add_argument("--upload_retries", type=_at_least(0), default=5)
    return p


def _bool(value: str) -> bool:
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {value!r}")


def _at_least(minimum: int):
    """An argparse type: a whole number >= minimum (a batch of 0 or -1 workers used to fail mid-run, if at all)."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < minimum:
            raise argparse.ArgumentTypeError(f"expected a whole number >= {minimum}, got {text!r}")
        return value
    return parse


def _checkpointing_steps(text: str) -> str:
    if text == "epoch" or (text.isdigit() and int(text) > 0):
        return text
    raise argparse.ArgumentTypeError(f"expected a number of steps >= 1 or 'epoch', got {text!r}")


def parse_args(argv=None) -> argparse.Namespace:
    """The flags, with the preset's values as defaults, checked as a whole before anything is loaded."""
    parser = build_parser()
    known, _ = parser.parse_known_args(argv)
    # Preset values become defaults, so anything typed on the command line still wins.
    try:
        parser.set_defaults(**get_preset(known.preset))
    except ValueError as error:
        parser.error(str(error))
    args = parser.parse_args(argv)
    missing = [name for name in ("model", "learning_rate", "num_train_epochs", "optimizer") if getattr(args, name) is None]
    if missing:
        parser.error(f"no value for {missing}: give them or a --preset that sets them")
    try:
        overrides = _parse_overrides(args.config_overrides)
        check_config_overrides(overrides, args.crop_size)
    except ValueError as error:
        parser.error(f"argument --config_overrides: {error}")
    if args.init_from and _looks_like_a_local_path(args.init_from) and not os.path.exists(args.init_from):
        parser.error(f"argument --init_from: {args.init_from!r} does not exist (no such file or folder here; "
                     f"a Hub id reads 'org/name')")
    return args


def _parse_overrides(text: str | None) -> dict:
    """``"a=1,b=[2,8,8],c=gap"`` -> ``{"a": 1, "b": [2, 8, 8], "c": "gap"}`` (JSON values, else strings)."""
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
_NOT_OVERRIDABLE = {"id2label", "label2id", "label_spaces", "model_type", "transformers_version", "architectures",
                    "_name_or_path"}


def check_config_overrides(overrides: dict, crop_size: int | None = None, config_classes=None) -> None:
    """Refuse a key no ViViT config (or none of ``config_classes``) has, naming the closest valid one (a misspelling
    was silently ignored), and an ``image_size`` other than the crop the processor makes (the model's image size
    follows ``--crop_size``)."""
    import difflib

    config_classes = config_classes or [config_class for config_class, _, _ in vivit_hf.VIVIT_MODELS.values()]
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
            raise ValueError(f"image_size={json.dumps(size)} differs from --crop_size {crop_size}, the frames the "
                             f"model is given; leave image_size out (it follows --crop_size) or give --crop_size")


def _looks_like_a_local_path(source: str) -> bool:
    """Not a Hub id ('name' or 'org/name'), or a file name: read as a path, so a missing one is reported as such
    rather than as a malformed repo id."""
    from huggingface_hub.utils import HFValidationError, validate_repo_id

    if Path(source).suffix in (".npz", ".safetensors", ".pth", ".pt", ".bin", ".json"):
        return True
    try:
        validate_repo_id(source)
    except HFValidationError:
        return True
    return False


# ------------------------------------------------------------------------------------------------ data
def load_data(args, accelerator):
    # The bundled set is made, and a Hub data set downloaded, by one process; the others wait and reuse it.
    data = open_video_dataset(args.dataset, args.dataset_format, once=accelerator.main_process_first,
                              cache_dir=args.cache_dir, revision=args.dataset_revision,
                              video_column=args.video_column, label_column=args.label_column)
    for split, count in data.missing.items():
        logger.warning(f"{count} clips of split {split!r} are named by the annotations but missing on disk")
    train = data.split(args.train_split)
    eval_split = args.eval_split or next((s for s in ("validation", "test") if s in data.splits), None)
    if eval_split is None:
        train, evaluation = hold_out(train, args.validation_split_percentage / 100, seed=args.seed)
        eval_split = f"{args.train_split} (held out {args.validation_split_percentage:g}%)"
    else:
        evaluation = data.split(eval_split)
    # Seeded and drawn across the classes (the adapters list clips class by class: the first N are one or two classes).
    if args.max_train_samples:
        train = sample_subset(train, args.max_train_samples, seed=args.seed)
    if args.max_eval_samples:
        evaluation = sample_subset(evaluation, args.max_eval_samples, seed=args.seed)
    return data, train, evaluation, eval_split


def build_processor(args, config, init_processor=None) -> ViViTVideoProcessor:
    processor = init_processor or ViViTVideoProcessor()
    updates = dict(num_frames=args.num_frames or config.num_frames)
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
    for key, value in updates.items():
        setattr(processor, key, value)
    return processor


def build_datasets(args, train_examples, eval_examples, processor):
    """Training (augmented, seeded per epoch and clip) and evaluation data sets, decoded once into memory when
    ``--cache_decoded_videos`` says so."""
    train = VideoClassificationDataset(train_examples, processor, seed=args.seed,
                                       processor_kwargs=dict(do_train_augment=True))
    evaluation = VideoClassificationDataset(eval_examples, processor, num_clips=args.eval_num_clips,
                                            num_crops=args.eval_num_crops)
    if _cache_decoded_videos(args, (train, evaluation)):
        for dataset in (train, evaluation):
            dataset.cache_decoded_videos(num_workers=args.num_workers)
    return train, evaluation


def _cache_decoded_videos(args, datasets) -> bool:
    if args.cache_decoded_videos != "auto":
        return args.cache_decoded_videos == "yes"
    size = sum(dataset.estimate_decoded_bytes() or 0 for dataset in datasets)
    fits = size <= args.cache_budget_mib * 2**20
    logger.info(f"the decoded clips would take about {size / 2**20:.1f} MiB: "
                f"{'decoding them once into memory' if fits else 'decoding them every epoch'} "
                f"(--cache_decoded_videos auto, --cache_budget_mib {args.cache_budget_mib:g})")
    return fits


def build_dataloaders(args, train_dataset, eval_dataset):
    # Persistent workers keep their copy of the data set across epochs (no restart per epoch); the sampler hands
    # them the epoch with each index, for the augmentation seeds.
    sampler = EpochShuffleSampler(len(train_dataset), seed=args.seed, with_epoch=True)
    loader_kwargs = dict(collate_fn=collate_videos, num_workers=args.num_workers,
                         persistent_workers=args.num_workers > 0, generator=torch.Generator().manual_seed(args.seed))
    train_dataloader = torch.utils.data.DataLoader(
        train_dataset, sampler=sampler, batch_size=args.per_device_train_batch_size, **loader_kwargs)
    eval_dataloader = torch.utils.data.DataLoader(
        eval_dataset, batch_size=args.per_device_eval_batch_size, **loader_kwargs)
    return train_dataloader, eval_dataloader


# ----------------------------------------------------------------------------------------------- model
def _is_vivit_checkpoint(source: str) -> bool:
    """A ViViT checkpoint (ours or transformers'), as opposed to an image ViT source."""
    if os.path.isfile(source):  # a .npz / .safetensors / .pth image ViT
        return False
    if os.path.isdir(source):  # read the folder's config ourselves: nothing to guess, no error to swallow
        config = Path(source) / "config.json"
        return config.is_file() and str(json.loads(config.read_text()).get("model_type", "")).startswith("vivit")
    try:
        config = AutoConfig.from_pretrained(source)
    except (OSError, ValueError):  # no transformers config (a timm Hub folder) or none reachable: from_vit_pretrained
        return False               # reads it as an image ViT and reports what is wrong with the source
    return config.model_type.startswith("vivit")


def model_config_overrides(args) -> dict:
    """``--config_overrides`` plus the flags that are config fields. The model's image size is the crop the processor
    makes (a preset's 256-pixel crop on a 224-pixel ViT used to stop at the first step): the position embeddings are
    resized to it, from the image ViT (``--positional_embedding resize_tile``) or from a ViViT checkpoint."""
    overrides = _parse_overrides(args.config_overrides)
    for name in ("drop_path_rate", "hidden_dropout_prob", "num_frames"):
        if getattr(args, name) is not None:
            overrides.setdefault(name, getattr(args, name))
    if args.crop_size is not None:
        overrides.setdefault("image_size", args.crop_size)
    return overrides


def build_model(args, data):
    label_kwargs = dict(id2label=data.id2label, label2id=data.label2id)
    if data.is_multi_head:
        label_kwargs["label_spaces"] = data.head_sizes
    else:
        label_kwargs["num_labels"] = len(data.label_names)
    overrides = model_config_overrides(args)
    config_class, _, model_class = vivit_hf.VIVIT_MODELS[args.model]
    init_processor = None
    if args.init_from and _is_vivit_checkpoint(args.init_from):
        # The checkpoint's own variant; its position embeddings interpolated to a new frame count or crop, its head
        # kept only for the same label names.
        model, report = from_vivit_checkpoint(args.init_from, id2label=data.id2label,
                                              label_spaces=data.head_sizes if data.is_multi_head else None,
                                              **overrides)
        logger.info(f"started from the {type(model).__name__} checkpoint {args.init_from}: resized "
                    f"{report['resized'] or 'nothing'}; fresh {report['fresh'] or 'nothing'}")
        try:
            init_processor = ViViTVideoProcessor.from_pretrained(args.init_from)
        except OSError:
            pass
    else:
        check_config_overrides(overrides, config_classes=[config_class])
        if args.init_from:
            model = model_class.from_vit_pretrained(args.init_from, tubelet_init=args.tubelet_init,
                                                    positional_embedding=args.positional_embedding,
                                                    **label_kwargs, **overrides)
        else:
            model = model_class(config_class(**{**MODEL_SIZES[args.model_size or "tiny"], **overrides,
                                                **label_kwargs}))
    frozen = 0
    for name, parameter in model.named_parameters():
        if any(name.startswith(prefix) for prefix in args.freeze):
            parameter.requires_grad_(False)
            frozen += parameter.numel()
    if args.freeze and not frozen:
        raise ValueError(f"--freeze {args.freeze} matched no parameter; names look like "
                         f"{[n for n, _ in list(model.named_parameters())[:3]]}")
    return model.train(), init_processor


def classification_loss(logits, targets, valid, head_sizes):
    """Soft-target cross-entropy summed over heads (the model's multi-head loss), averaged over valid clips."""
    per_sample = torch.zeros(len(logits), device=logits.device)
    for head_logits, head_targets in zip(logits.float().split(head_sizes, dim=-1), targets.split(head_sizes, dim=-1)):
        per_sample = per_sample + torch.sum(-head_targets * F.log_softmax(head_logits, dim=-1), dim=-1)
    weights = valid.float()
    return (per_sample * weights).sum() / weights.sum().clamp(min=1)


def soft_targets(labels, head_sizes, smoothing):
    labels = labels.view(len(labels), -1)
    return torch.cat([smooth_one_hot(labels[:, i], size, smoothing) for i, size in enumerate(head_sizes)], dim=-1)


def evaluate(model, dataloader, accelerator, num_views, label_spaces) -> dict:
    """Metrics over the evaluation set, every clip counted once whatever the number of processes."""
    logits, labels, valid = predict(model, dataloader, accelerator, num_views)
    return evaluation_metrics(logits, labels, valid, label_spaces)


# ---------------------------------------------------------------------------------------- checkpoints
CHECKPOINTS = "checkpoints"
STATE_FILE = "trainer_state.json"


def save_checkpoint(accelerator, output_dir: Path, name: str, state: dict, total_limit: int | None) -> Path:
    """``save_state`` into a temporary folder renamed into place, so a kill never leaves a half checkpoint."""
    root = output_dir / CHECKPOINTS
    final, tmp = root / name, root / f".tmp-{name}"
    if accelerator.is_main_process:
        shutil.rmtree(tmp, ignore_errors=True)
        root.mkdir(parents=True, exist_ok=True)
    accelerator.wait_for_everyone()
    accelerator.save_state(str(tmp))
    accelerator.wait_for_everyone()
    if accelerator.is_main_process:
        (tmp / STATE_FILE).write_text(json.dumps(state, indent=2))
        if final.exists():
            shutil.rmtree(final)
        os.replace(tmp, final)
        for old in list_checkpoints(output_dir)[:-total_limit] if total_limit else []:
            shutil.rmtree(old, ignore_errors=True)
    accelerator.wait_for_everyone()
    return final


def list_checkpoints(output_dir: Path) -> list[Path]:
    """Finished checkpoints, oldest first (temporary folders of an interrupted save are ignored)."""
    root = Path(output_dir) / CHECKPOINTS
    done = [p for p in root.glob("*") if p.is_dir() and not p.name.startswith(".") and (p / STATE_FILE).exists()]
    return sorted(done, key=lambda p: json.loads((p / STATE_FILE).read_text())["completed_steps"])


# ------------------------------------------------------------------------------------------------ main
def check_processor_fits_model(processor, config) -> None:
    """The clips the processor makes must be the model's input: stop before training, not at its first step."""
    crop = (processor.crop_size["height"], processor.crop_size["width"])
    if crop != tuple(config.image_size_hw) or processor.num_frames != config.num_frames:
        raise ValueError(f"the processor makes clips of {processor.num_frames} frames of {crop[0]}x{crop[1]} but the "
                         f"model takes {config.num_frames} frames of {config.image_size_hw[0]}x"
                         f"{config.image_size_hw[1]}: give --crop_size / --num_frames")


def main(argv=None):
    args = parse_args(argv)
    output_dir = Path(args.output_dir)
    use_cpu = cpu_process_group()
    processes = PartialState(cpu=use_cpu)
    if args.gradient_accumulation_steps is None:
        # The paper's batch of 64 on however many processes this launch has.
        global_batch = args.per_device_train_batch_size * processes.num_processes
        args.gradient_accumulation_steps = max(1, round((args.total_batch_size or global_batch) / global_batch))
    accelerator_kwargs = dict(gradient_accumulation_steps=args.gradient_accumulation_steps, cpu=use_cpu)
    if args.mixed_precision:
        accelerator_kwargs["mixed_precision"] = args.mixed_precision
    if args.with_tracking:
        accelerator_kwargs.update(log_with=args.report_to, project_dir=str(output_dir))
    accelerator = Accelerator(**accelerator_kwargs)
    logging.basicConfig(format="%(asctime)s - %(levelname)s - %(name)s - %(message)s", level=logging.INFO)
    logger.info(accelerator.state, main_process_only=False)
    set_seed(args.seed)
    if args.torch_threads:
        torch.set_num_threads(args.torch_threads)
    if accelerator.is_main_process:
        output_dir.mkdir(parents=True, exist_ok=True)

    data, train_examples, eval_examples, eval_split = load_data(args, accelerator)
    model, init_processor = build_model(args, data)
    processor = build_processor(args, model.config, init_processor)
    check_processor_fits_model(processor, model.config)
    head_sizes = list(data.head_sizes.values())
    num_views = args.eval_num_clips * args.eval_num_crops

    train_dataset, eval_dataset = build_datasets(args, train_examples, eval_examples, processor)
    train_dataloader, eval_dataloader = build_dataloaders(args, train_dataset, eval_dataset)

    parameters = [p for p in model.parameters() if p.requires_grad]
    if args.optimizer == "sgd":
        optimizer = torch.optim.SGD(parameters, lr=args.learning_rate, momentum=args.momentum,
                                    weight_decay=args.weight_decay or 0.0)
    else:
        optimizer = torch.optim.AdamW(parameters, lr=args.learning_rate, weight_decay=args.weight_decay or 0.0)

    # Steps per epoch as seen after sharding across processes.
    batches_per_epoch = math.ceil(len(train_dataset) / (args.per_device_train_batch_size * accelerator.num_processes))
    steps_per_epoch = math.ceil(batches_per_epoch / args.gradient_accumulation_steps)
    if args.max_train_steps is None:
        args.max_train_steps = args.num_train_epochs * steps_per_epoch
    num_epochs = math.ceil(args.max_train_steps / steps_per_epoch)
    warmup = args.num_warmup_steps if args.num_warmup_steps is not None else round(args.warmup_epochs * steps_per_epoch)
    lr_scheduler = get_scheduler(args.lr_scheduler_type, optimizer=optimizer,
                                 num_warmup_steps=warmup * accelerator.num_processes,
                                 num_training_steps=args.max_train_steps * accelerator.num_processes)

    model, optimizer, train_dataloader, eval_dataloader, lr_scheduler = accelerator.prepare(
        model, optimizer, train_dataloader, eval_dataloader, lr_scheduler)

    if args.with_tracking:
        hparams = {k: v if isinstance(v, (int, float, str, bool)) else str(v) for k, v in vars(args).items()}
        accelerator.init_trackers("finetune", hparams)

    uploader, upload_failure = None, None
    if args.push_to_hub and accelerator.is_main_process:
        from vivit_hf.hub_push import BackgroundUploader

        uploader = BackgroundUploader(args.hub_model_id or output_dir.name, token=args.hub_token,
                                      private=args.hub_private_repo, max_retries=args.upload_retries)

    # ------------------------------------------------------------------ resume
    completed_steps, starting_epoch, resume_batches = 0, 0, 0
    history: list[dict] = []
    skipped_total = 0
    if args.resume_from_checkpoint:
        if args.resume_from_checkpoint == "latest":
            found = list_checkpoints(output_dir)
            checkpoint = found[-1] if found else None
            if checkpoint is None:
                logger.warning(f"no checkpoint under {output_dir / CHECKPOINTS}: starting from scratch")
        else:
            checkpoint = Path(args.resume_from_checkpoint)
        if checkpoint is not None:
            accelerator.load_state(str(checkpoint))
            state = json.loads((checkpoint / STATE_FILE).read_text())
            completed_steps, starting_epoch = state["completed_steps"], state["epoch"]
            resume_batches, history, skipped_total = state["batches_in_epoch"], state["history"], state["skipped"]
            logger.info(f"resumed from {checkpoint}: step {completed_steps}, epoch {starting_epoch}, "
                        f"{resume_batches} batches into it")
            if completed_steps >= args.max_train_steps:
                logger.info(f"{checkpoint} already reached --max_train_steps {args.max_train_steps}: nothing left to "
                            f"train; evaluating it and writing the outputs")

    logger.info(f"{len(train_dataset)} training clips, {len(eval_dataset)} evaluation clips ({eval_split}); "
                f"{args.max_train_steps} steps, {num_epochs} epochs, accumulation {args.gradient_accumulation_steps}")
    progress = tqdm(range(args.max_train_steps), initial=completed_steps,
                    disable=not accelerator.is_local_main_process, desc="training")
    mixup = VideoMixup(sum(head_sizes), mixup_alpha=args.mixup_alpha or 0.0, cutmix_alpha=args.cutmix_alpha or 0.0)
    unwrapped = accelerator.unwrap_model(model)
    start_time = time.time()
    results: dict = {}
    trained_clips = 0  # by this process: the test of a multi-process launch that really shards the data

    def trainer_state(epoch, batches_in_epoch):
        return dict(completed_steps=completed_steps, epoch=epoch, batches_in_epoch=batches_in_epoch,
                    history=history, skipped=skipped_total)

    for epoch in range(starting_epoch, num_epochs):
        model.train()
        train_dataset.set_epoch(epoch)
        train_dataloader.set_epoch(epoch)
        batches = train_dataloader
        batch_index = 0
        if epoch == starting_epoch and resume_batches:
            batches = accelerator.skip_first_batches(train_dataloader, resume_batches)
            batch_index = resume_batches
        running_loss, running_count = torch.zeros((), device=accelerator.device), 0
        for batch in batches:
            if completed_steps >= args.max_train_steps:  # resumed from the last step's checkpoint: not one more step
                break
            batch_index += 1
            # Randomness (dropout, stochastic depth, mixup) depends only on the step, not on history, so a resumed
            # run draws the same numbers as an uninterrupted one.
            micro_step = epoch * batches_per_epoch + batch_index
            torch.manual_seed(args.seed * 1_000_003 + micro_step * 97 + accelerator.process_index)
            mixup.rng = np.random.default_rng([args.seed, micro_step])
            with accelerator.accumulate(model):
                targets = soft_targets(batch["labels"], head_sizes, args.label_smoothing or 0.0)
                pixel_values = batch["pixel_values"]
                if args.mixup_alpha or args.cutmix_alpha:
                    pixel_values, targets = mixup(pixel_values, targets)
                logits = model(pixel_values=pixel_values).logits
                loss = classification_loss(logits, targets.to(logits.device), batch["valid"], head_sizes)
                accelerator.backward(loss)
                if accelerator.sync_gradients and args.max_grad_norm:
                    accelerator.clip_grad_norm_(model.parameters(), args.max_grad_norm)
                optimizer.step()
                lr_scheduler.step()
                optimizer.zero_grad()
            running_loss += loss.detach()
            running_count += 1
            trained_clips += len(batch["labels"])
            skipped_total += int(accelerator.reduce((~batch["valid"]).sum(), reduction="sum"))
            if not accelerator.sync_gradients:
                continue
            completed_steps += 1
            progress.update(1)
            if completed_steps % args.logging_steps == 0 or completed_steps == args.max_train_steps:
                mean_loss = accelerator.reduce(running_loss / max(running_count, 1), reduction="mean").item()
                running_loss, running_count = torch.zeros((), device=accelerator.device), 0
                progress.set_postfix(loss=f"{mean_loss:.4f}")
                if args.with_tracking:
                    accelerator.log({"train/loss": mean_loss, "train/lr": lr_scheduler.get_last_lr()[0],
                                     "train/skipped_clips": skipped_total, "train/epoch": epoch}, step=completed_steps)
            if args.checkpointing_steps and args.checkpointing_steps.isdigit() \
                    and completed_steps % int(args.checkpointing_steps) == 0:
                path = save_checkpoint(accelerator, output_dir, f"step_{completed_steps}",
                                       trainer_state(epoch, batch_index), args.checkpoints_total_limit)
                logger.info(f"saved checkpoint {path}")
                if args.push_to_hub:
                    # Every rank takes part in gathering the weights (FSDP shards them); rank 0 uploads.
                    state_dict = accelerator.get_state_dict(model)
                    if uploader is not None:
                        uploader.push_model(unwrapped, processor, output_dir / ".push" / f"step_{completed_steps}",
                                            f"Training in progress, step {completed_steps}", state_dict=state_dict)
            if completed_steps >= args.max_train_steps:
                break
        resume_batches = 0

        results = evaluate(model, eval_dataloader, accelerator, num_views, data.label_spaces)
        summary = {f"eval/{k}": v for k, v in scalar_metrics(results).items()}
        summary.update({"epoch": epoch, "step": completed_steps, "train/skipped_clips": skipped_total})
        history.append(summary)
        top1 = results.get("top1", results.get("action_top1"))
        logger.info(f"epoch {epoch}: eval top-1 {top1:.4f} on {results['num_samples']} clips "
                    f"({results['num_skipped']} broken skipped; {skipped_total} skipped in training)")
        if args.with_tracking:
            accelerator.log(summary, step=completed_steps)
        if args.checkpointing_steps == "epoch":
            save_checkpoint(accelerator, output_dir, f"epoch_{epoch}", trainer_state(epoch + 1, 0),
                            args.checkpoints_total_limit)
        if completed_steps >= args.max_train_steps:
            break

    # ------------------------------------------------------------------ final outputs
    train_seconds = time.time() - start_time
    if not results:  # nothing was left to train: the outputs still need the checkpoint's metrics
        results = evaluate(model, eval_dataloader, accelerator, num_views, data.label_spaces)
    clips_per_process = accelerator.gather(torch.tensor([trained_clips], device=accelerator.device)).tolist()
    accelerator.wait_for_everyone()
    state_dict = accelerator.get_state_dict(model)  # a collective under FSDP: every rank calls it
    if accelerator.is_main_process:
        from vivit_hf.cards import build_model_card, plot_training_curves

        unwrapped.save_pretrained(output_dir, state_dict=state_dict, save_function=accelerator.save)
        processor.save_pretrained(output_dir)
        plots = save_evaluation_plots(results, data.label_spaces, output_dir)
        if history:
            plots.append(plot_training_curves(history, output_dir / "training_curves.png"))
        all_results = {**scalar_metrics(results), "eval_split": eval_split, "train_runtime_seconds": train_seconds,
                       "train_skipped_clips": skipped_total, "completed_steps": completed_steps,
                       "num_processes": accelerator.num_processes, "train_clips_per_process": clips_per_process,
                       "per_class_accuracy": {k: v for k, v in results.items() if k.endswith("per_class_accuracy")},
                       "history": history}
        (output_dir / "all_results.json").write_text(json.dumps(all_results, indent=2))
        dataset_name = "vivit_hf synthetic motion (bundled)" if args.dataset == SYNTHETIC else args.dataset
        card = build_model_card(
            unwrapped.config, results=results, dataset_name=dataset_name,
            dataset_id=None if args.dataset == SYNTHETIC or Path(args.dataset).exists() else args.dataset,
            eval_split=eval_split, base_model=args.init_from, processor=processor, training_args=vars(args),
            num_views=(args.eval_num_clips, args.eval_num_crops), plots=plots, model_name=args.hub_model_id)
        card.save(output_dir / "README.md")
        if uploader is not None:
            final_upload = uploader.push_folder(output_dir, "End of training",
                                                ignore_patterns=[f"{CHECKPOINTS}/*", ".push/*", "finetune/*", "runs/*"])
            uploader.close()
            logger.info(f"uploads: {uploader.report()}")
            if not final_upload.success:  # the Hub lacks the final model: the exit status must say so
                upload_failure = uploader.failure_message(final_upload)
        logger.info(f"done in {train_seconds:.0f}s: {json.dumps(scalar_metrics(results))}")
    accelerator.wait_for_everyone()
    if args.with_tracking:  # last: it also destroys the process group, which the collectives above need
        accelerator.end_training()
    if upload_failure:
        raise SystemExit(f"error: training finished but {upload_failure}")
    return results


if __name__ == "__main__":
    main()
