# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Adapters from a data set's files and annotations to examples, one per `--dataset_format`: `load_video_dataset`
reads a local folder or a Hub id with the adapter `FORMATS` names (`hub`: `load_hub`), then checks what it read.

Each adapter and its rules live in a module named for what it reads:

- `examples`: what an adapter returns (`VideoClassificationData`: examples per split, label names, missing clips)
  and `DatasetFormatError`;
- `folders`: which files of a folder are clips (video types, hidden files, symlinks) and which folders name splits;
- `labels`: class names and ids, and the rules for empty and absent labels;
- `videofolder`: `<split>/<class>/<clip>` folders, read as `datasets`' videofolder reads them;
- `annotated`: Kinetics, Something-Something v2, Epic Kitchens, Moments in Time, UCF101 and HMDB51;
- `hub_datasets`: `datasets` repos and folders (parquet, Arrow, WebDataset tables, `save_to_disk` folders), its parts
  in `hub_labels`, `hub_clips`, `hub_refusals`, `hub_ids` and `hub_files`;
- `subsets`: a held-out split and class-stratified subsets (`--max_train_samples`).

The names callers import from `formats` are re-exported here (`__all__`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from .annotated import (
    EPIC_KITCHENS_HEADS,
    OFFICIAL_SPLIT,
    OFFICIAL_SPLITS,
    SPLIT_LIST_FORMATS,
    check_config_name,
    config_key,
    config_name_known,
    index_videos,  # noqa: F401 - importable from here as before the module per data set (scripts use it)
    load_epic_kitchens,
    load_hmdb51,
    load_kinetics,
    load_moments,
    load_ssv2,
    load_ucf101,
    same_config_name,
)
from .examples import (
    DatasetFormatError,
    VideoClassificationData,
    example_ids,
    example_labels,
    quoted,
    warn_repeated_clips,
)
from .folders import (
    SPLIT_ALIASES,  # noqa: F401 - importable from here as before the module per data set (scripts use it)
    VIDEO_EXTENSIONS,
    kept_statuses,
    listings_kept,
    refuse_a_file,
    refuse_lfs_pointer_clips,
    video_files_below,
)
from .hub_datasets import hub_example, load_hub
from .hub_files import is_saved_to_disk, local_folder_cache_dir
from .hub_labels import (
    arrow_label_values,
    card_label_feature,
    class_label_map,
    hub_columns,
    hub_label_names,
    label_feature,
    label_value,
    saved_class_label_map,
)
from .hub_refusals import refuse_unread_videos
from .labels import (
    empty_label_ids,
    empty_label_refusal,
    has_no_label,
    is_labelled_split,
    label_name,
    label_vocabulary,
    refuse_empty_label_names,
    same_integer_written_otherwise,
    warn_classes_differing_in_case,
    warn_classes_missing_from_training,
)
from .subsets import ExampleSubset, drawn_otherwise_before, hold_out, sample_subset
from .videofolder import load_videofolder

logger = logging.getLogger("vivit_hf.training.data.formats")

FORMATS: dict[str, Callable[[Sequence[Path]], VideoClassificationData]] = {
    "videofolder": load_videofolder,
    "kinetics": load_kinetics,
    "ssv2": load_ssv2,
    "epic_kitchens": load_epic_kitchens,
    "moments": load_moments,
    "ucf101": load_ucf101,
    "hmdb51": load_hmdb51,
}
DATASET_FORMATS = (*FORMATS, "hub")


def load_video_dataset(
    source: str | os.PathLike,
    dataset_format: str = "videofolder",
    *,
    revision: str | None = None,
    cache_dir: str | None = None,
    video_column: str | None = None,
    label_column: str | None = None,
    config_name: str | None = None,
    one_split_of: Sequence[str] | None = None,
    chosen_splits: Sequence[str | None] | None = None,
) -> VideoClassificationData:
    """Examples and label names of a local folder or Hub data set repo, read with `dataset_format`.

    A Hub id (`owner/name` that is not a local folder) is downloaded once and its archives extracted once
    into the cache (see `vivit_hf.training.data.fetch.fetch_dataset_repo`); `hub` hands the id to `datasets`.
    `config_name`: the `datasets` configuration (`hub`), or the official split of `ucf101` / `hmdb51` (1-3).
    `one_split_of`: `videofolder` reads the first of these splits that it finds alone (`load_videofolder`'s `one_of`:
    evaluate.py's); the other formats read every split.
    `chosen_splits`: the splits the run reads as typed (`--train_split`, `--eval_split`, None for the default
    evaluation split): what is warned of a data set's splits as read (HMDB51's protocol splits) is said to a run that
    reads them as advised in one INFO line (`examples.chosen_protocol`).
    """
    if dataset_format not in DATASET_FORMATS:
        raise ValueError(f"unknown --dataset_format {dataset_format!r}; choose from {', '.join(DATASET_FORMATS)}")
    split = check_config_name(dataset_format, config_name)  # UCF101 / HMDB51: the official split; Epic: the release
    refuse_a_file(source)
    if dataset_format == "hub":
        data = load_hub(
            str(source),
            revision=revision,
            cache_dir=cache_dir,
            video_column=video_column,
            label_column=label_column,
            config_name=config_name,
            chosen_splits=chosen_splits,
        )
        return _checked(data, source, chosen=chosen_splits)
    if Path(source).is_dir():
        roots = [Path(source)]
    else:
        from ...repo_id import looks_like_repo_id
        from .fetch import fetch_dataset_repo

        if not looks_like_repo_id(str(source)):
            raise FileNotFoundError(f"--dataset {source!r} is neither a local folder nor a Hub id (owner/name)")
        roots = fetch_dataset_repo(str(source), revision=revision, cache_dir=cache_dir)
    with listings_kept():  # the folder's walk and stat of each file, read again by `_checked`'s link check
        if dataset_format == "videofolder":
            data = load_videofolder(roots, one_split_of)
            _warn_card_classes_not_read(data, roots)
        else:
            data = FORMATS[dataset_format](roots) if split is None else FORMATS[dataset_format](roots, split)
        return _checked(data, source, kept_statuses())


def _warn_card_classes_not_read(data: VideoClassificationData, roots: Sequence[Path]) -> None:
    """A folder's data card (README.md) whose `ClassLabel` numbers the classes otherwise than `videofolder` does
    (sorted folder names, as `datasets`' videofolder): the model's ids and predictions.jsonl's labels are not the
    card's. `hub` numbers them as the card does."""
    names = data.label_spaces.get("label")
    for root in roots:
        card = card_label_feature(str(root), None, None, "label")
        numbered = None if card is None else [label_name(name) for name in card.names]
        if numbered is not None and data.read_alone:  # (one split read: its classes, the card's of every split)
            numbered = [name for name in numbered if name in set(names)]
        if numbered is not None and numbered != names:
            logger.warning(
                "%s: its data card's ClassLabel numbers the classes %s; --dataset_format videofolder numbers the "
                "class folders in sorted order (%s), as datasets' videofolder does, and reads no card: the model's "
                "ids are not the card's. Read it with --dataset_format hub to number them as the card does",
                root / "README.md",
                quoted(card.names),
                quoted(names),
            )


def _checked(
    data: VideoClassificationData, source, statuses: dict | None = None, chosen: Sequence[str | None] | None = None
) -> VideoClassificationData:
    """What every adapter read from `source` (the `hub` one too), checked alike: empty class names refused; classes
    differing only in case or blanks, classes with no training clip and clips listed twice named in a warning; clips
    that are Git LFS pointers refused (`refuse_lfs_pointer_clips`)."""
    data.source = str(source)
    refuse_empty_label_names(data, str(source))
    refuse_lfs_pointer_clips(data.splits, str(source))
    warn_classes_differing_in_case(data)
    warn_classes_missing_from_training(data)
    warn_repeated_clips(data, statuses, chosen)
    return data


# The names callers import from `formats`, the adapters' one module before they were split out, re-exported from
# where they live now: scripts written against `formats` keep working.
__all__ = [
    "DATASET_FORMATS",
    "DatasetFormatError",
    "EPIC_KITCHENS_HEADS",
    "ExampleSubset",
    "FORMATS",
    "OFFICIAL_SPLIT",
    "OFFICIAL_SPLITS",
    "SPLIT_LIST_FORMATS",
    "VIDEO_EXTENSIONS",
    "VideoClassificationData",
    "arrow_label_values",
    "check_config_name",
    "class_label_map",
    "config_key",
    "config_name_known",
    "drawn_otherwise_before",
    "empty_label_ids",
    "empty_label_refusal",
    "example_ids",
    "example_labels",
    "has_no_label",
    "hold_out",
    "hub_columns",
    "hub_example",
    "hub_label_names",
    "is_labelled_split",
    "is_saved_to_disk",
    "label_feature",
    "label_name",
    "label_value",
    "label_vocabulary",
    "load_epic_kitchens",
    "load_hmdb51",
    "load_hub",
    "load_kinetics",
    "load_moments",
    "load_ssv2",
    "load_ucf101",
    "load_video_dataset",
    "load_videofolder",
    "quoted",
    "refuse_a_file",
    "local_folder_cache_dir",
    "refuse_empty_label_names",
    "refuse_unread_videos",
    "same_config_name",
    "same_integer_written_otherwise",
    "sample_subset",
    "saved_class_label_map",
    "video_files_below",
    "warn_classes_differing_in_case",
    "warn_classes_missing_from_training",
    "warn_repeated_clips",
]
