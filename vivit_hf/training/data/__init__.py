# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Video classification data: the bundled synthetic motion set, `--dataset_format` adapters, Hub fetching, and a
torch Dataset that skips and counts broken clips (and can keep the decoded frames of a small set in memory)."""

import contextlib

from .cache import DecodedVideoCache, estimate_decoded_bytes
from .dataset import EpochShuffleSampler, VideoClassificationDataset, collate_videos
from .fetch import extract_archives, fetch_dataset_repo
from .formats import (
    DATASET_FORMATS,
    DatasetFormatError,
    VideoClassificationData,
    example_ids,
    hold_out,
    load_video_dataset,
    sample_subset,
)
from .synthetic import (
    DEFAULT_CLASSES,
    MOTION_CLASSES,
    SyntheticMotionConfig,
    synthetic_motion_dataset,
)

SYNTHETIC = "synthetic_motion"


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
    once=contextlib.nullcontext,
    cache_dir=None,
    revision=None,
    video_column=None,
    label_column=None,
    config_name=None,
) -> VideoClassificationData:
    """`--dataset` as the recipes take it: `"synthetic_motion"` (the bundled set, made on first use), a local folder or
    a Hub data set id, read by the `dataset_format` adapter. `once` is a context in which one process makes or
    downloads the data while the others wait (accelerate's `main_process_first`)."""
    with once():
        if dataset == SYNTHETIC:
            return load_video_dataset(synthetic_motion_dataset(cache_dir=cache_dir), "videofolder")
        data = load_video_dataset(
            dataset,
            dataset_format,
            revision=revision,
            cache_dir=cache_dir,
            video_column=video_column,
            label_column=label_column,
            config_name=config_name,
        )
        refuse_empty_label_names(data, dataset)
        return data


def refuse_empty_label_names(data: VideoClassificationData, source: str) -> None:
    """Refuse (DatasetFormatError) a class whose name is empty (`""`, blanks), naming the clips that carry it. A
    table's unlabelled rows often come as empty strings (a Kaggle-style test table), not as None: they became a class
    `''`, and a test split of only them was evaluated, top-1 0.0 reported on clips that have no label."""
    for head, names in data.label_spaces.items():
        empty = {i for i, name in enumerate(names) if not str(name).strip()}
        if not empty:
            continue
        for split, examples in data.splits.items():
            labelled = enumerate(_labels_and_ids(examples, data, head))
            rows = [(i, clip_id, label) for i, (label, clip_id) in labelled if label in empty]
            if rows:
                named = [f"row {i}" + (f" {clip_id!r}" if clip_id != str(i) else "") for i, clip_id, _ in rows]
                shown = ", ".join(named[:5]) + (f" and {len(named) - 5} more" if len(named) > 5 else "")
                labels = " or ".join(repr(names[label]) for label in sorted({label for _, _, label in rows}))
                raise DatasetFormatError(
                    f"{len(rows)} clips of split {split!r} of {source} have the label {labels}, an empty class "
                    f"name: {shown}. Give them their class, or no label (None) if they have none (a split without "
                    f"labels is left out, so it is never evaluated)"
                )


def _labels_and_ids(examples, data: VideoClassificationData, head: str) -> list[tuple[int, str]]:
    """`(label id of head, clip id)` of each example, from the label column alone where the split is a table."""
    column = list(data.label_spaces).index(head)
    if hasattr(examples, "labels") and hasattr(examples, "ids"):  # a `datasets` table: no clip bytes read
        labels, ids = examples.labels(), examples.ids()
    else:
        labels = [example["label"] for example in examples]
        ids = [str(example.get("id") or example.get("video")) for example in examples]
    if data.is_multi_head:
        labels = [label[column] for label in labels]
    return list(zip(labels, ids))


__all__ = [
    "SYNTHETIC",
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
    "sample_subset",
    "synthetic_motion_dataset",
]
