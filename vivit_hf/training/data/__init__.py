# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Video classification data: the bundled synthetic motion set, `--dataset_format` adapters, Hub fetching, and a
torch Dataset that skips and counts broken clips (and can keep the decoded frames of a small set in memory)."""

from .cache import DecodedVideoCache, estimate_decoded_bytes
from .dataset import EpochShuffleSampler, VideoClassificationDataset, collate_videos
from .examples import DatasetFormatError, VideoClassificationData, example_ids
from .fetch import extract_archives, fetch_dataset_repo
from .formats import DATASET_FORMATS, load_video_dataset
from .labels import refuse_empty_label_names
from .subsets import hold_out, sample_subset
from .synthetic import (
    DEFAULT_CLASSES,
    MOTION_CLASSES,
    SyntheticMotionConfig,
    synthetic_motion_dataset,
)

SYNTHETIC = "synthetic_motion"


def add_dataset_flags(parser, required: bool = False) -> None:
    """The data-set flags `source_options` reads, on `parser` (or an argument group): one help text each for finetune,
    evaluate and the shard tool, whose three wordings differed (`--dataset_config_name`: the shard tool said "its
    configuration", evaluate left out the defaults finetune named). `required`: `--dataset` has no default (the
    shard tool's: shards of the bundled set are written only when asked for)."""
    parser.add_argument(
        "--dataset",
        **({"required": True} if required else {"default": SYNTHETIC}),
        help=f"local folder or Hub data set id; '{SYNTHETIC}': the bundled data set",
    )
    parser.add_argument(  # its only help was its default: nothing said which format reads which layout
        "--dataset_format",
        default="videofolder",
        choices=DATASET_FORMATS,
        help="how --dataset is laid out: videofolder, one folder of clips per class (in split folders or not); "
        "kinetics, ssv2, epic_kitchens, moments, ucf101, hmdb51: the release's clips and annotation files; hub: what "
        "datasets' load_dataset reads (a Hub data set, a folder with metadata.csv, parquet, WebDataset shards)",
    )
    parser.add_argument(
        "--dataset_revision", default=None, help="a Hub --dataset's branch, tag or commit (load_dataset's revision=)"
    )
    parser.add_argument(
        "--dataset_config_name",
        default=None,
        help="--dataset_format hub: the configuration of a data set whose card declares several (`configs:`); "
        "ucf101 / hmdb51: the official split, 1 (default), 2 or 3; epic_kitchens: the release, 55 or 100 (default: "
        "the one there, 100 where both are)",
    )
    parser.add_argument("--video_column", default=None, help="--dataset_format hub: the video column")
    parser.add_argument("--label_column", default=None, help="--dataset_format hub: the label column")


def source_options(args) -> dict:
    """The data-set flags every opener takes (`open_video_dataset`, `open_streaming_dataset`), read alike by
    finetune, evaluate and the shard tool: `--cache_dir`, `--dataset_revision`, `--video_column`, `--label_column`,
    `--dataset_config_name`."""
    return dict(
        cache_dir=args.cache_dir,
        revision=args.dataset_revision,
        video_column=args.video_column,
        label_column=args.label_column,
        config_name=args.dataset_config_name,
    )


def open_video_dataset(
    dataset: str,
    dataset_format: str = "videofolder",
    *,
    once=None,
    cache_dir=None,
    revision=None,
    video_column=None,
    label_column=None,
    config_name=None,
    one_split_of=None,
    chosen_splits=None,
) -> VideoClassificationData:
    """`--dataset` as the recipes take it: `"synthetic_motion"` (the bundled set, made on first use), a local folder or
    a Hub data set id, read by the `dataset_format` adapter. `once(read)` runs the read where one process makes,
    downloads or reads the data while the others wait, and gives what they are to have
    (`finetune.read_once_per_machine`: they take its read). `chosen_splits`: the splits the run reads, as typed
    (`load_video_dataset`). `one_split_of`: a folder read as `videofolder` reads the first of these splits it holds
    alone (`load_video_dataset`)."""

    def read():
        if dataset == SYNTHETIC:
            return load_video_dataset(synthetic_motion_dataset(cache_dir=cache_dir), "videofolder")
        # an empty class name ("") is refused by the loader itself (`refuse_empty_label_names`)
        return load_video_dataset(
            dataset,
            dataset_format,
            revision=revision,
            cache_dir=cache_dir,
            video_column=video_column,
            label_column=label_column,
            config_name=config_name,
            one_split_of=one_split_of,
            chosen_splits=chosen_splits,
        )

    data = read() if once is None else once(read)
    data.named = dataset  # messages name it as typed (the bundled set's source is its cache folder)
    return data


__all__ = [
    "SYNTHETIC",
    "add_dataset_flags",
    "open_video_dataset",
    "source_options",
    "DATASET_FORMATS",
    "DEFAULT_CLASSES",
    "MOTION_CLASSES",
    "DatasetFormatError",
    "DecodedVideoCache",
    "EpochShuffleSampler",
    "estimate_decoded_bytes",
    "SyntheticMotionConfig",
    "VideoClassificationData",
    "VideoClassificationDataset",
    "collate_videos",
    "example_ids",
    "extract_archives",
    "fetch_dataset_repo",
    "hold_out",
    "load_video_dataset",
    "refuse_empty_label_names",
    "sample_subset",
    "synthetic_motion_dataset",
]
