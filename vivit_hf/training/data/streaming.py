# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""`--streaming`: a `datasets.IterableDataset` from the Hub or a local folder into the training loop, end to end.

Everything about streaming, shuffling and splitting is `datasets`': `load_dataset(..., streaming=True)` (or
`Dataset.to_iterable_dataset` for a `save_to_disk` folder), `IterableDataset.shuffle(seed, buffer_size)` reseeded
by `set_epoch`, `datasets.distributed.split_dataset_by_node` over the processes (whole shards per process when their
number divides by the process count, else every `world_size`-th example), and the DataLoader workers of each process
splitting that process's shards between them. What this module adds:

- decoding in the DataLoader workers, from the clip's bytes (or path) with the video processor: the video column is
  read as `datasets.Video(decode=False)`, so no torchcodec, no system FFmpeg, no temporary file;
- each worker yields whole batches tagged `(worker, batch index)`, and the main process puts them back in the order
  a fresh run would see them (`StreamingLoader`);
- processes run in lockstep: one that has run out of data feeds batches marked not `real` (zeros, left out of the
  loss and the metrics) until every process has, so every clip is seen by exactly one process per epoch and no
  collective waits forever;
- exact resuming mid-epoch. `IterableDataset.state_dict()` restores a shard position but not a shuffle buffer's
  contents (datasets' docs: the buffer is refilled, so the order after a resume differs) and needs torchdata's
  `StatefulDataLoader` with workers. So instead the checkpoint records how many batches each worker of each process
  had delivered, and the resumed run replays the same stream (same seed, epoch and split) with each worker dropping
  that many batches' rows *before decoding them*: the rows are read again, but no clip is decoded twice, and the
  weights come out bit-identical to an uninterrupted run's.

A clip that does not decode is replaced by zeros and marked `valid=False` (skipped and counted, as in
`VideoClassificationDataset`).
"""

from __future__ import annotations

import functools
import itertools
import json
import logging
import math
import os
import re
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath

import numpy as np
import torch

from ...processing.video_sources import file_key
from .annotated import count_missing
from .arrow_nulls import column_nulls
from .dataset import (
    ProcessorOptionError,
    collate_videos,
    decode_errors,
    describe_example,
    frames_of,
    raise_refused,
    refused_batch,
    sampled_as_a_file,
    views_refused,
)
from .examples import (
    DatasetFormatError,
    VideoClassificationData,
    quoted,
    recipe_split_name,
    warn_clips_named_alike,
    warn_repeated_clips,
)
from .folders import (
    VIDEO_EXTENSIONS,
    listings_kept,
    recipe_split_names,
    refuse_a_file,
    unlabelled_split_names,
)
from .hub_clips import (
    PROTOCOL_COLUMN,
    clips_by_normal_name,
    clips_on_disk,
    download_leftovers_named,
    lists_hmdb51_clips,
    read_as_on_disk,
)
from .hub_datasets import HubSplit, class_ids, hub_example, load_saved_to_disk
from .hub_files import (
    builder_once,
    chosen_track,
    is_saved_to_disk,
    load_with,
    relative_or_as_is,
    table_files,
    undecoded_video,
    undecoded_videos,
)
from .hub_ids import json_clip_id, json_member, own_id, shard_member_id, shard_namer, warn_unread_segments
from .hub_labels import (
    ValuesOfSplits,
    card_class_label,
    card_label_map,
    card_order_of_classes,
    class_label_map,
    columns_read,
    hub_label_names,
    ids_beside_names,
    label_feature,
    label_id_and_name_columns,
    label_list_feature,
    label_value,
    member_extension,
    multi_label_names,
    name_columns,
    names_beside_ids,
    refuse_not_a_class_list,
    refuse_rows_not_class_lists,
    refuse_several_labels,
    saved_class_label_map,
    warn_csv_integers_read_without_their_zeros,
    warn_lists_of_one,
)
from .hub_refusals import (
    WEBDATASET_DECODED_AS,
    naming_an_unreadable_card,
    naming_clip_paths_outside_metadata_folders,
    naming_metadata_of_two_types,
    naming_mixed_column_types,
    naming_undecodable_members,
    refuse_cut_tars,
    refuse_unread_videos,
)
from .kept_scans import kept
from .labels import (
    as_integer,
    empty_label_ids,
    empty_label_refusal,
    has_no_label,
    is_labelled_split,
    multi_hot,
    warn_classes_differing_in_case,
)
from .stream_contents import TarIndexing, stream_contents, tar_index
from .workers import WorkerInit, started, worker_start

logger = logging.getLogger(__name__)

# The rows of a `ClassLabel` split read to tell a split without labels (the Hub's test splits: -1 in every row) from
# a labelled one, rather than the whole stream before training starts (`_leave_out_unlabelled`).
UNLABELLED_PEEK_ROWS = 64
# The rows of a stream whose clips' names tell HMDB51's protocol marks (`_warn_protocol_column`) from another column
PROTOCOL_PEEK_ROWS = 8


@dataclass
class StreamingSplit:
    """One split of a streamed data set: the `IterableDataset` (video column not decoded), its columns, the map
    from raw label values to ids (None: the values are the ids) and its number of examples when known."""

    dataset: object
    video_column: str
    label_column: str
    label_map: dict | None
    num_examples: int | None
    limit: int | None = None  # `keep_first`'s cut, if any
    located: dict[str, str] | None = None  # a local table's relative clip paths as written -> as found (`_locate`)
    uncut: object = None  # the stream before that cut (its files are the shards)
    # a `ClassLabel` column's (or a `List(ClassLabel)`'s) class count: an id at or past it is no class (`label_id`)
    num_classes: int | None = None
    # Whether the rows that give no clip were counted in the data set's `clipless` when it was opened (a local table's
    # paths are read then): the loader then leaves them out without naming them again.
    clipless_counted: bool = False
    shard_name: Callable[[str], str] | None = None  # a WebDataset `__url__` as its clips' ids name it (`shard_name`)
    track: int | None = None  # the track of each file a `Video(stream_index=k)` column names (`chosen_track`)
    # The video column was found (not named by --video_column) among columns no data card declares: a WebDataset
    # shard whose samples hold their clips under another member name is refused (`_clip_member_refusal`), as the
    # whole read refuses it
    members_found: bool = False
    # the data set's `--cache_dir`, where what a pass over its local tars found is kept (`kept_scans`; None: the
    # default cache): its shards' sizes, contents and source ids are read after the open, from the run's code
    cache_dir: str | None = None
    _sizes: list[int] | None = None
    _contents: list | None = None
    _unread: str | None = None  # why the shards' contents could not be read (`unread_reason`)
    _sizes_unread: str | None = None  # why their sizes could not be read (`unread_reason`)
    # The raw labels of every row in stored order, where the open read the label column (`scan`), until `keep_first`
    # keeps those of the cut alone (None where not cut): what `warn_classes_a_cut_leaves_out` reads, not the rows again
    scanned_labels: list | None = None
    classes: set | None = None  # the class ids those labels of every row carry, where read (`keep_first`)
    # a multi-label split's class count (a label column of lists): each row's label is its classes' ids, sorted, and
    # its target their multi-hot vector (`StreamingVideoDataset`), as `VideoClassificationDataset`'s
    multi_label_classes: int | None = None
    split_name: str = ""  # the split as its data set names it (a streamed row's refusal names it)

    def label_id(self, value) -> int | tuple[int, ...]:
        """A row's raw label as its class id (a multi-label row's: its classes' ids, `class_ids`); ValueError,
        KeyError or TypeError where it has none the data set names (the row is skipped, named)."""
        if self.multi_label_classes is None:
            return self._class_id(value)
        if value is None:  # (an empty list is a clip of no class; None, no label)
            raise ValueError("no label (None)")
        # (a List(ClassLabel) split's rows are checked as they come: its labels are not read before the run)
        # (a row of 0s and 1s is a multi-hot vector where as long as its names; rows read at the open were checked)
        refuse_not_a_class_list(value, self.label_column, self.split_name, "a streamed row", self.num_classes or 0)
        return class_ids(value, self._class_id)

    def _class_id(self, value) -> int:
        if self.label_map is not None:
            return self.label_map[value]
        if value is None or int(value) < 0:  # `ClassLabel`'s -1 is "no label" (Hub test splits): not class -1
            raise ValueError(f"no label ({value!r})")
        if self.num_classes is not None and int(value) >= self.num_classes:
            raise ValueError(f"class id {int(value)}, where the data set names {self.num_classes} classes")
        return int(value)

    def __len__(self) -> int:
        if self.num_examples is None:
            raise TypeError("this streamed split's size is unknown")
        return self.num_examples

    def keep_first(self, limit: int | None) -> None:
        """`--max_*_samples`: keep the first `limit` examples of the stream (nothing to cut if it has no more)."""
        if limit and (self.num_examples is None or limit < self.num_examples):
            self.uncut = self.uncut or self.dataset
            self.dataset, self.num_examples, self.limit = self.dataset.take(limit), limit, limit
        # (a whole split's labels are not taken to the DataLoader workers with it, the classes they carry are)
        if self.scanned_labels is not None and self.classes is None:
            self.classes = carried_classes(self, self.scanned_labels)
        self.scanned_labels = (
            self.scanned_labels[: self.limit] if self.scanned_labels is not None and self.limit is not None else None
        )

    def spread_over(self, readers: int, name: str = "the stream") -> None:
        """Split a stream of fewer shards than `readers` (processes x DataLoader workers) into more, where `datasets`
        can (`IterableDataset.reshard`: a parquet file's row groups become its shards), before any shuffle or split
        by node, as its docs ask. `datasets` gives each shard to one reader: a Hub set converted to one parquet file
        was one shard, so `--num_workers 4` decoded on one worker, and two processes each read the whole file and
        kept every 2nd clip. Row groups are cut in their stored order, the same on every run and every process, so
        the shuffle, the split, the resume and the digest (of the shards as read) are those of the new shards. A
        cut stream (`--max_*_samples`) is read by one worker (`StreamingVideoDataset.rows`): left as it is."""
        shards = self.dataset.num_shards
        if self.limit is not None or shards >= readers:
            return
        try:  # each file's footer is read (ranged reads on the Hub)
            resharded = self.dataset.reshard()
        except OSError as error:  # read as it is: slower, not wrong (the digest is of the shards as read)
            logger.warning("%s: its %d shard(s) could not be split by row group (%s)", name, shards, error)
            return
        if resharded.num_shards > shards:
            logger.info(
                "%s has %d shard(s) for %d readers (processes x DataLoader workers): read as %d shards, one per "
                "parquet row group",
                name,
                shards,
                readers,
                resharded.num_shards,
            )
            self.dataset, self._sizes, self._contents, self._sizes_unread = resharded, None, None, None

    def stream_digest(self, earlier: bool = False, contents: bool = True, sizes: bool = True) -> str:
        """`examples_digest` of a stream, `<clips>:<hash>` read without a pass over the data: its shards' names (each
        one's path in the repo or folder, `shard_name`: machines may keep their copies at other paths) and sizes where
        they are known (`shard_sizes`), and the `--max_*_samples` cut. Processes share a stream out by the position
        of its shards (whole shards when their number divides by the processes, else every `world_size`-th clip of
        all of them), so machines that each stream their own copy must hold the same shards: a copy one shard short
        would make one process split the stream shard by shard and the other clip by clip, some clips read twice an
        epoch and others never. A local metadata folder streams as one shard whose rows are its metadata
        files': their names and rows are in the digest too (`_metadata_tables`). Each shard's contents too, where
        they can be read cheaply (`stream_contents`): a shard written again with as many rows passed.
        `earlier`: the digest of versions that named a shard by its file name (so `train/a/000.tar` and
        `train/b/000.tar` swapped between copies passed) and read no metadata file; `contents=False`: of versions that
        read no shard's contents; as their checkpoints recorded it (`check_resume_clips`). `sizes=False` (with
        `contents=False`): of what is known without reading the shards, their names (`digest_caveat`)."""
        import hashlib

        source = self.dataset if self.uncut is None else self.uncut
        shards = source.num_shards
        kwargs = getattr(getattr(source, "_ex_iterable", None), "kwargs", None) or {}
        name = self.shard_name if self.shard_name is not None and not earlier else lambda path: PurePath(path).name
        names = next(
            (
                [name(str(path)) for path in value]
                for value in kwargs.values()
                if isinstance(value, (list, tuple)) and len(value) == shards and all(isinstance(v, str) for v in value)
            ),
            None,
        )
        sizes = self.shard_sizes() if sizes else None
        tables = [] if earlier else _metadata_tables(kwargs, name)
        held = self.shard_contents() if contents and not earlier else None
        hashed = [shards, names, sizes, self.limit] + ([tables] if tables else []) + ([held] if held else [])
        digest = hashlib.sha256(json.dumps(hashed).encode())
        clips = min(sum(sizes), self.limit or sum(sizes)) if sizes is not None else self.num_examples
        shown = f"{clips} clips" if clips is not None else "clips"
        return f"{shown} in {shards} shard{'s' if shards != 1 else ''}:{digest.hexdigest()[:16]}"

    def shard_contents(self) -> list[str | None] | None:
        """A fingerprint of what each shard holds, read without a pass over its clips (`stream_contents`)."""
        if self._contents is None:
            source = self.dataset if self.uncut is None else self.uncut
            unread: list[str] = []
            tar_contents = functools.partial(_tar_contents, cache_dir=self.cache_dir)
            self._contents = stream_contents(source, self.video_column, tar_contents, unread) or []
            self._unread = unread[0] if unread else None
        return self._contents or None

    def unread_reason(self) -> str | None:
        """Why the shards' sizes or contents, which the digest reads where it can, could not be read (a Hub parquet
        file's footer, the Hub's listing: offline, a transient error); None where they were read or are never read (a
        Hub tar's size, a shard of another kind). The digest then lacks them: another process's, or a checkpoint's,
        that read them differs from it whatever the shards hold."""
        self.shard_sizes()
        self.shard_contents()
        return self._sizes_unread or self._unread

    def shard_sizes(self) -> list[int] | None:
        """Examples in each shard of the stream, in datasets' shard order, read where that needs no pass over the
        data: a parquet file's footer, a local tar's member headers, a `save_to_disk` shard's length. None when any
        is unknown (a tar on the Hub would have to be downloaded whole to be counted)."""
        if self._sizes is None and self._sizes_unread is None:  # a failure is not asked again (a timeout each)
            unread: list[str] = []
            self._sizes = _shard_sizes(self.dataset if self.uncut is None else self.uncut, unread, self.cache_dir)
            self._sizes_unread = unread[0] if unread else None
        return self._sizes


def _metadata_tables(kwargs: dict, name: Callable[[str], str]) -> list[list]:
    """`[name, sha256 of its rows]` of each metadata file a videofolder stream reads its rows from (a remote one's
    rows: None). Its one shard is named by nothing the digest saw: copies whose `metadata.csv` lists other clips,
    other labels or another order would have one digest (`3 clips in 1 shard`), and processes sharing the stream out
    clip by clip train on other clips at the same positions."""
    import hashlib

    tables = []
    for entry in kwargs.get("metadata_files") or ():
        path = str(entry[0] if isinstance(entry, (tuple, list)) else entry)
        local = "://" not in path and Path(path).is_file()
        tables.append([name(path), hashlib.sha256(_table_rows(Path(path))).hexdigest() if local else None])
    return sorted(tables, key=lambda table: table[0])


def _table_rows(path: Path) -> bytes:
    """A metadata file's rows, as parsed: copies written by other tools (other line ends, quoting, a BOM, key order)
    are the same rows. A file of another type (parquet) by its bytes."""
    import csv

    try:
        if path.suffix == ".csv":
            with open(path, newline="", encoding="utf-8-sig") as f:
                return json.dumps(list(csv.reader(f))).encode()
        if path.suffix == ".jsonl":
            lines = path.read_text(encoding="utf-8-sig").splitlines()
            return json.dumps([json.loads(line) for line in lines if line.strip()], sort_keys=True).encode()
    except ValueError:  # not text, not JSON: `datasets` says so when it reads it; the digest is of its bytes
        pass
    return path.read_bytes()


def _shard_sizes(dataset, unread: list[str] | None = None, cache_dir: str | None = None) -> list[int] | None:
    """`StreamingSplit.shard_sizes`. The shards are the lists in the stream's generator arguments (`datasets` hands
    each shard one element of them, `_split_gen_kwargs`): parquet `files`, WebDataset `tar_paths`, `save_to_disk`
    `shards`; a layout it does not know, or a Hub tar (counted only by reading it whole), gives None. One whose sizes
    could not be read (a Hub parquet footer: offline, a transient error) gives None, the reason added to `unread`.
    `cache_dir`: where the tars' indexes are kept (`tar_index`)."""
    kwargs = getattr(getattr(dataset, "_ex_iterable", None), "kwargs", None) or {}
    sizes = None
    try:
        if "shards" in kwargs:
            sizes = [len(shard) for shard in kwargs["shards"]]
        elif "files" in kwargs and all(str(f).endswith(".parquet") for f in kwargs["files"]):
            groups = kwargs.get("row_groups_list") or [None] * len(kwargs["files"])
            footers: dict[str, object] = {}  # a resharded file is one shard per row group: its footer read once
            sizes = [_parquet_rows(file, row_groups, footers) for file, row_groups in zip(kwargs["files"], groups)]
        elif "tar_paths" in kwargs and not any("://" in str(path) for path in kwargs["tar_paths"]):
            sizes = [_tar_samples(path, cache_dir) for path in kwargs["tar_paths"]]
    except (OSError, ValueError) as error:
        logger.info("the stream's shard sizes could not be read (%s)", error)
        if unread is not None:
            unread.append(f"its shards' sizes could not be read: {type(error).__name__}: {error}")
    # One size per shard, or the layout is not the one read here.
    return sizes if sizes is not None and len(sizes) == dataset.num_shards else None


def _parquet_rows(path, row_groups, footers: dict) -> int:
    import pyarrow.parquet as pq
    from datasets.utils.file_utils import xopen

    if path not in footers:
        with xopen(path, "rb") as file:  # the footer alone: local, or ranged reads on the Hub
            footers[path] = pq.ParquetFile(file).metadata
    metadata = footers[path]
    groups = range(metadata.num_row_groups) if row_groups is None else row_groups
    return sum(metadata.row_group(g).num_rows for g in groups)


def _tar_samples(path, cache_dir: str | None = None) -> int:
    """Samples in a local WebDataset tar, counted as datasets' reader groups them: consecutive files of one key (the
    name up to the first dot of its last part), hidden files (`.x`, `__x`) left out; only the headers are read."""
    return tar_index(path, cache_dir)[0]


def _tar_source_ids(path, cache_dir: str | None = None) -> list[str]:
    """The `id` of each sample's `.json` member in a local WebDataset tar; the clips' bytes are skipped."""
    return tar_index(path, cache_dir)[1]


def _tar_contents(path, cache_dir: str | None = None) -> str:
    """A local tar's members as `stream_contents` takes them (`read_tar_index`)."""
    return tar_index(path, cache_dir)[2]


def open_streaming_dataset(
    source: str,
    *,
    revision: str | None = None,
    cache_dir: str | None = None,
    video_column: str | None = None,
    label_column: str | None = None,
    num_shards: int = 64,
    config_name: str | None = None,
    num_processes: int = 1,
) -> VideoClassificationData:
    """A local folder or Hub data set id read with `load_dataset(..., streaming=True)` (a `save_to_disk` folder with
    `to_iterable_dataset`, in `saved_shards(rows, num_shards, num_processes)` shards): `VideoClassificationData` whose
    splits are `StreamingSplit`s.

    Label names come from a `ClassLabel` column (what `vivit_hf.training.data.shard` writes into its data card); other
    label columns are read once, alone, to build the vocabulary and count the examples (integers keep their ids).
    Split sizes come from the data card's `dataset_info` when it has them, else from that same pass."""
    # The label column's one pass reads every row: a class name in a WebDataset `<key>.cls` past the first few
    # samples, or class ids in one table and names in another, stop it there; each is named as at the whole load
    mixed_types = naming_mixed_column_types(source, config_name, revision, cache_dir)
    two_types = naming_metadata_of_two_types(source, config_name, revision, cache_dir)
    outside = naming_clip_paths_outside_metadata_folders(source)
    card = naming_an_unreadable_card(source, revision)
    with card, naming_undecodable_members(source), mixed_types, two_types, outside:
        return _open_streaming_dataset(
            source,
            revision=revision,
            cache_dir=cache_dir,
            video_column=video_column,
            label_column=label_column,
            num_shards=num_shards,
            config_name=config_name,
            num_processes=num_processes,
        )


def saved_shards(rows: int, num_shards: int, num_processes: int) -> int:
    """Shards a `save_to_disk` split of `rows` rows streams as: about `num_shards` (one a row where it has fewer),
    a multiple of `num_processes` where it has rows enough. `split_dataset_by_node` gives each process whole shards
    only when their number divides by the processes; else every process reads every shard, the clips' bytes too, and
    keeps every `world_size`-th clip. 64 shards on 3 processes were each process reading the whole split (Kinetics:
    every process reading all 240 000 clips an epoch, 3 times the disk's reads); 66 are 22 apiece. 64 on 1, 2, 4, 8,
    ... processes stay 64 (the stream and its digest as before). A split of fewer rows than `num_shards` streams one
    shard a row, as before, on any process count: every process reading a few dozen clips costs nothing, and another
    count would refuse a resume of a checkpoint made before (its positions are of those shards; 23 rows on 2
    processes were 22 shards)."""
    shards = max(1, min(num_shards, rows))
    if shards < num_shards or shards % num_processes == 0 or rows < num_processes:
        return shards
    return min(math.ceil(shards / num_processes), rows // num_processes) * num_processes


def _refuse_ids_beside_names(values: dict, label_column: str, source: str, config_name, revision, cache_dir) -> None:
    """Splits whose labels are class ids (integers) beside splits whose labels are names: a stream reads each CSV /
    JSON table on its own, so it took them for classes "0", "1", "cat", "dog", the validation classes never trained
    (the whole read stops on them, `naming_mixed_column_types`). Refused in the same words, naming the tables."""
    ids = [split for split, labels in values.items() if labels and all(isinstance(v, int) for v in labels)]
    names = [
        split for split, labels in values.items() if any(isinstance(v, str) and as_integer(v) is None for v in labels)
    ]
    if not ids or not names:
        return
    local = Path(source).is_dir() and not is_saved_to_disk(source)
    tables = table_files(source, config_name, revision, cache_dir) if local else {}

    def where(splits):
        return " and ".join(
            f"split {split!r}" + (f" ({quoted([t.name for t in tables[split]], 3)})" if tables.get(split) else "")
            for split in splits
        )

    raise DatasetFormatError(
        f"--dataset_format hub: the column {label_column!r} of {source} holds integers in {where(ids)} and strings "
        f"in {where(names)}: class ids in some tables, class names in others. Write it one way in every table (a "
        "label column: class names in all of them, or class ids in all of them)"
    )


@listings_kept()  # the folder is walked once for the whole open
def _open_streaming_dataset(source: str, *, cache_dir: str | None = None, **options) -> VideoClassificationData:
    """`open_streaming_dataset` without naming the WebDataset members that do not decode or the mixed column types.
    A local folder's tars are checked whole (`refuse_cut_tars`) after it is read, and before any error it ends in is
    raised (a cut tar is named first, the cause of any error it leads to): the label scan of a WebDataset without a
    data card indexes each tar on its way (`_TarMembers`), and the check reads that index rather than walk every tar
    again."""
    try:
        data = _read_streaming_dataset(source, cache_dir=cache_dir, **options)
    except Exception:
        try:
            refuse_cut_tars(source, cache_dir)
        except DatasetFormatError as refusal:
            raise refusal from None  # the error the cut tar caused is no part of what to do
        raise
    refuse_cut_tars(source, cache_dir)
    return data


def _read_streaming_dataset(
    source: str,
    *,
    revision: str | None = None,
    cache_dir: str | None = None,
    video_column: str | None = None,
    label_column: str | None = None,
    num_shards: int = 64,
    config_name: str | None = None,
    num_processes: int = 1,
) -> VideoClassificationData:
    """`_open_streaming_dataset` without the check of the tars."""
    import datasets

    refuse_a_file(source)  # a local x.zip: one line saying to unpack it, not datasets' "Couldn't find" traceback
    video_column_given, declared = video_column, True
    dangling: dict[str, list[str]] = {}
    builder = None
    if is_saved_to_disk(source):
        loaded = load_saved_to_disk(source, config_name)
        sizes = {split: len(d) for split, d in loaded.items()}
        loaded = {
            split: d.to_iterable_dataset(num_shards=saved_shards(len(d), num_shards, num_processes))
            for split, d in loaded.items()
        }
    else:
        builder = builder_once(source, config_name, revision, cache_dir)
        dangling = refuse_unread_videos(
            source, config_name, revision, cache_dir, builder, scans_cache_dir=cache_dir, cut_tars=False
        )
        # a card's features (known before the split is read): the columns it declares, and rows without one of them
        # are left out, not refused
        declared = builder().info.features is not None
        loaded = load_with(builder(), streaming=True)
        loaded = {split: _without_datasets_decoding(dataset) for split, dataset in loaded.items()}
        sizes = {}
    # symlinked clips whose target is not there (left out by datasets' folder scan, named by refuse_unread_videos)
    missing = {split: len(clips) for split, clips in dangling.items()}
    first = next(iter(loaded.values()))
    features = first.features
    if features is None:
        features = first._resolve_features().features
    detecting = label_column is None  # (a names column that does not pair with ids found so is another label)
    columns, detected_columns = columns_read(features, video_column, label_column, source, config_name)
    video_column, label_column = columns.values()
    _warn_protocol_column(features, (video_column, label_column), loaded)
    card = card_class_label(source, config_name, revision, features, label_column)  # what datasets' videofolder lost
    filtered: set[str] = set()  # splits whose recorded size counts rows left out here: counted again by `scan`
    from_card: set[str] = set()  # splits whose size is the data card's (`dataset_info`), not counted here
    if Path(source).is_dir() and not is_saved_to_disk(source):
        on_disk = _metadata_clips_on_disk(loaded, Path(source), video_column, missing)
        filtered = {split for split in loaded if on_disk[split] is not loaded[split]}
        loaded = on_disk
    for split, dataset in loaded.items():
        info = getattr(dataset, "info", None)
        recorded = info.splits.get(split) if info is not None and info.splits else None
        if split not in sizes and split not in filtered and recorded is not None and recorded.num_examples:
            sizes[split] = recorded.num_examples
            from_card.add(split)
    top_column = label_column if label_column in features else label_column.partition(".")[0]
    scanned: dict[str, list] = {}
    # The columns that may name integer labels (`names_beside_ids`), read in the label column's one pass: read in a
    # pass of their own, a WebDataset without a data card was read through three times at the first open (the tars'
    # index, the labels, then the names: Kinetics' 240 000 clips, 534 s), each pass a walk over every tar's members.
    # a column of lists: several classes a clip (multi-label), its classes named as a column of one class's are
    # (a ClassLabel's names, not read again; a data card's; else the vocabulary of the lists' values, one pass)
    class_feature = label_list_feature(label_feature(features, label_column))
    multi_label = class_feature is not None
    classes_feature = class_feature if multi_label else label_feature(features, label_column)
    class_label = isinstance(classes_feature, datasets.ClassLabel)
    # with --label_column class (or json.class), the `label` ids beside it number its names
    paired = label_id_and_name_columns(features, label_column)
    ids = [paired[0]] if paired is not None and paired[1] == label_column else []
    beside = [] if card is not None or class_label or multi_label else name_columns(features, label_column) + ids
    named: dict[str, dict[str, list]] = {}  # split: {names column: every row's value}

    def columns_values(split, columns: list[str]) -> list[list]:  # columns alone: no clip decoded (nor read)
        tops = list(dict.fromkeys(column if column in features else column.partition(".")[0] for column in columns))

        def read():
            said = " and ".join(
                "label column"
                if column == label_column
                else f"{column!r} column (the class {'ids' if column in ids else 'names'})"
                for column in columns
            )
            logger.info(
                "reading the %s of split %r once%s", said, split, " (labels and size)" * (label_column in columns)
            )
            rows = class_ids_unchecked(_label_members_only(loaded[split], tops).select_columns(tops), tops[0])
            values: list[list] = [[] for _ in columns]
            for row in rows:
                for column, found in zip(columns, values):
                    # a row without the struct a column is a field of (a sample without a `.json`) has no value
                    # there: no label (`is_labelled_split`: a split of none left out, one labelled in part refused,
                    # as the whole read's null; it stopped in a TypeError), nor a name, where the labels need none
                    absent = column not in row and row.get(column.partition(".")[0]) is None
                    found.append(None if absent else label_value(row, column))
            return values

        # a local WebDataset's: kept for the run's other processes (`_kept_label_scan`)
        key = None if split in filtered else _label_scan_key(loaded[split], features, tops, columns)
        return read() if key is None else _kept_label_scan(key, read, cache_dir)

    def scan(split):  # the label column (the labels and the split's size), and the names beside it
        if split not in scanned:
            values = columns_values(split, [label_column, *beside])
            scanned[split], named[split] = values[0], dict(zip(beside, values[1:]))
            sizes[split] = len(scanned[split])
        return scanned[split]

    every_split = list(loaded)
    if not class_label or card is not None:
        # The labels are scanned anyway (the vocabulary is made of them): a split without any is left out and one
        # labelled in part refused, as the whole read does, so that `None` never becomes a class "None".
        for split in loaded:
            if multi_label:  # the whole read's rules (a class listed twice read once, a 0/1 vector refused, ...)
                refuse_rows_not_class_lists(scan(split), label_column, split)
            else:
                refuse_several_labels(scan(split), label_column, split)
        loaded = {
            split: d
            for split, d in loaded.items()
            if is_labelled_split(split, scan(split), label_column, card is not None)
        }
        if not loaded:
            raise DatasetFormatError(f"--dataset_format hub: no split has labels in {label_column!r}")
        _refuse_ids_beside_names(
            {split: scan(split) for split in loaded}, label_column, source, config_name, revision, cache_dir
        )
    if multi_label and split_labels_read(scanned, loaded):
        warn_lists_of_one({split: scan(split) for split in loaded}, label_column)
    if card is not None:
        values = {split: scan(split) for split in loaded}
        if multi_label:  # its names and ids over the lists' classes, as the whole read's
            values = {split: [v for value in labels for v in value or ()] for split, labels in values.items()}
        names, label_map = card_label_map(card, values, source, label_column)
    elif multi_label:  # (a ClassLabel's names: no label read)
        names, label_map = multi_label_names(
            class_feature, lambda: [v for split in loaded for v in scan(split)], label_column
        )
    else:
        names, label_map = hub_label_names(
            label_feature(features, label_column),
            lambda: [v for split in loaded for v in scan(split)],
            label_column=label_column,
        )
        warn_csv_integers_read_without_their_zeros(source, label_column, names)
    reordered = None
    if not multi_label:  # (a card's order of a multi-label column's classes is not read, as read whole)
        reordered = card_order_of_classes(
            source, config_name, revision, label_feature(features, label_column), label_column
        )
    if reordered is not None:
        names, label_map = reordered
    warn_unread_segments(features, source)
    if beside:  # a names column beside integer labels: read in the labels' pass (`scan`)

        def values_of(column):
            per_split = {}
            for split in loaded:
                labels = scan(split)
                per_split[split] = labels if column == label_column else named[split][column]
            return ValuesOfSplits(per_split)

        names = names_beside_ids(names, features, label_column, values_of, source=source if detecting else None)
        if reordered is None:
            names, label_map = ids_beside_names(names, label_map, features, label_column, values_of)
    for split in loaded:
        if split not in sizes:
            scan(split)
    if multi_label and class_label:  # a List(ClassLabel)'s lists, read for their split's size: checked as read whole
        for split in loaded:
            if split in scanned:
                refuse_rows_not_class_lists(scanned[split], label_column, split, len(names))
    if class_label:  # (a List(ClassLabel) split of None labels too)
        loaded = _leave_out_unlabelled(loaded, top_column, label_column, scanned)
    local = Path(source).is_dir() and not is_saved_to_disk(source)
    tables = table_files(source, config_name, revision, cache_dir, builder) if local else {}
    maps = {split: label_map for split in loaded}
    if isinstance(label_feature(features, label_column), datasets.ClassLabel):
        found = _class_label_maps(loaded, source, label_column, names, tables if local else None)
        maps = {split: label_map if found[split] is None else found[split] for split in loaded}
    _refuse_empty_label_names(
        names,
        maps,
        scan,
        source,
        multi_label,
        functools.partial(_rows_clip_ids, loaded, video_column, label_column, source),
    )
    splits = {}
    named = recipe_split_names(loaded)
    clips: dict[str, list] = {}  # a local table's clip of every row, where its paths are read anyway (`_locate`)
    clipless: dict[str, int] = {}
    for split, dataset in loaded.items():
        dataset = class_ids_unchecked(undecoded_videos(dataset), label_column)
        # (a `save_to_disk` folder has no table files: its rows' paths are found as the whole read finds them)
        located = (
            _locate(dataset, video_column, split, tables.get(split) if local else [], Path(source), clips)
            if local or is_saved_to_disk(source)
            else None
        )
        if is_saved_to_disk(source):
            _warn_saved_clips_named_alike(named[split], loaded[split], video_column)
        if split in clips:  # every row's path was read: those without one are counted now, as the whole read does
            _count_clipless(clips[split], named[split], video_column, clipless)
        splits[named[split]] = StreamingSplit(
            dataset,
            video_column,
            label_column,
            maps[split],
            sizes.get(split),
            located=located,
            clipless_counted=split in clips,
            members_found=video_column_given is None and not declared,
            # (a List(ClassLabel)'s too: an id past its names stopped a run mid-epoch in a bare ValueError)
            num_classes=len(names) if class_label else None,
            multi_label_classes=len(names) if multi_label else None,
            split_name=split,
            shard_name=shard_namer(source),  # a stream's `__url__` is the data file itself (no hashed copy)
            cache_dir=cache_dir,
            track=chosen_track(dataset.features, video_column),
            scanned_labels=scanned.get(split),
        )
        if split in from_card and split not in scanned and Path(source).is_dir():
            _count_what_the_shards_hold(splits[named[split]], named[split], source)
    if not splits:
        raise DatasetFormatError(f"--streaming: no split in {source}")
    unlabelled = unlabelled_split_names(every_split, loaded)
    data = VideoClassificationData(
        splits=splits,
        label_spaces={"label": names},
        own_names={named[split]: split for split in loaded if named[split] != split},
        source=source,
        missing=missing,
        clipless=clipless,
        unlabelled=unlabelled,
        columns=columns,
        detected_columns=detected_columns,
        multi_label=multi_label,
    )
    warn_classes_differing_in_case(data)  # as the whole read does
    if clips:  # a clip listed twice, or in two splits: named as the whole read names it
        listed = {named[split]: [{"video": clip, "id": clip} for clip in rows if clip] for split, rows in clips.items()}
        warn_repeated_clips(VideoClassificationData(splits=listed, label_spaces=data.label_spaces))
    _warn_repeated_source_ids(data)
    return data


def _warn_protocol_column(features, columns: tuple[str, ...], loaded: dict) -> None:
    """Name an integer `subset` column beside HMDB51's clips (`hub_clips.protocol_splits`: its protocol, 1 training,
    2 test, 0 in neither; told by the first split's first clips' names), which a stream cannot read ahead of its
    rows: each split's every row is streamed, test clips too."""
    import datasets

    feature = features.get(PROTOCOL_COLUMN) if PROTOCOL_COLUMN not in columns else None
    if not (isinstance(feature, datasets.Value) and feature.dtype.startswith(("int", "uint"))):
        return
    videos = next(iter(loaded.values())).select_columns([columns[0]]).take(PROTOCOL_PEEK_ROWS)
    paths = [video.get("path") if isinstance(video, dict) else video for video in (row[columns[0]] for row in videos)]
    if lists_hmdb51_clips(paths):
        splits = list(loaded)
        # the splits the whole read makes of them (`protocol_splits`: a lone `train` becomes `train` and `test`)
        whole = "'train' and 'test'" if splits == ["train"] else "<split>_train and <split>_test"
        logger.warning(
            "%s %s an integer %r column, as HMDB51's Hub copies mark each clip of a split 1 (training), 2 "
            "(test) or 0 (in neither): streamed, every row of a split is read, its test clips among its training "
            "clips; leave --streaming out to read %s as %s",
            "split" if len(splits) == 1 else "splits",
            quoted(splits) + (" has" if len(splits) == 1 else " have"),
            PROTOCOL_COLUMN,
            "it" if len(splits) == 1 else "each such split",
            whole,
        )


def split_labels_read(scanned: dict, loaded: dict) -> bool:
    """Whether the label column of every split in `loaded` was read at the open (`scanned`)."""
    return all(split in scanned for split in loaded)


def _label_members_only(dataset, top_columns: list[str]):
    """`dataset`, a local WebDataset's stream, with its plain tars read for the members of `top_columns` alone (the
    label column's, and the class names' beside it): the others (a sample's clip) given as empty, their bytes never
    read (a tar's headers tell where each member lies, `_TarMembers`). `datasets`' own pipeline reads the members as
    ever (samples grouped by key, a field twice in one sample refused, `.cls` / `.txt` / `.json` decoded), then drops
    every column but those: what it reads is what it read with every clip's bytes (20 000 clips: 1.4 GB for 20 000
    labels). A member `datasets` decodes, or that is compressed (`.gz`), is read as it is. Any other
    stream: `dataset` as it is."""
    from datasets.iterable_dataset import ExamplesIterable

    examples = getattr(dataset, "_ex_iterable", None)
    kwargs = getattr(examples, "kwargs", None) or {}
    paths = kwargs.get("tar_paths")
    local = paths and all("://" not in str(p) and str(p).endswith(".tar") and Path(p).is_file() for p in paths)
    if type(examples) is not ExamplesIterable or set(kwargs) != {"tar_paths", "tar_iterators"} or not local:
        return dataset
    # a copy of its own attributes: `copy.copy` of an `IterableDataset` shares them (its `__getstate__` gives its
    # `__dict__` itself), and the stream trained on read every clip as empty
    reading = object.__new__(type(dataset))
    reading.__setstate__(dict(dataset.__dict__))
    iterators = [_TarMembers(str(path), top_columns) for path in paths]
    reading._ex_iterable = ExamplesIterable(examples.generate_examples_fn, {**kwargs, "tar_iterators": iterators})
    return reading


class _TarMembers:
    """`(name, file)` of a local plain tar's members as `datasets`' `iter_archive` gives them (regular files, hidden
    ones left out), each read only where its field is one of `keep` or one `datasets` decodes or decompresses: any
    other member's file is empty, and its bytes are skipped over (the tar opened for reading at will, not as a
    stream). The tar's index is made on the way (`TarIndexing`): read to its end, the tar is not walked again for it
    (`read_tar_index`)."""

    def __init__(self, path: str, keep: list[str]):
        self.path, self.keep = path, set(keep)

    def __iter__(self):
        import io
        import tarfile

        from datasets.filesystems import EXTENSION_TO_COMPRESSION_FS_FILE_CLS
        from datasets.packaged_modules.webdataset.webdataset import WebDataset, base_plus_ext

        identity, index = file_key(self.path), TarIndexing(strict=False)
        with tarfile.open(self.path) as tar:
            for member in tar:
                data = index.add(member, lambda member=member: tar.extractfile(member).read())
                if not member.isreg() or member.name is None or os.path.basename(member.name).startswith((".", "__")):
                    continue
                field = base_plus_ext(member.name)[1]
                last = "." + member.name.split(".")[-1].lower()
                read = field is None or field in self.keep or last in EXTENSION_TO_COMPRESSION_FS_FILE_CLS
                read = read or field.split(".")[-1].lower() in WebDataset.DECODERS
                if not read:
                    yield member.name, io.BytesIO(b"")
                else:  # its bytes as the index read them (a small member), else from the tar
                    yield member.name, tar.extractfile(member) if data is None else io.BytesIO(data)
                tar.members = []  # as `iter_archive`: a tar of 240 000 members is not held in memory
        index.done(identity)


# A Hub file as `datasets` streams it: pinned to the commit it resolved the repo's revision to, so its bytes are fixed.
_PINNED_HUB_FILE = re.compile(r"hf://datasets/[^@]+@[0-9a-f]{40}/.+")


def _label_scan_key(dataset, features, top_columns: list[str], columns: list[str]) -> list | None:
    """What a split's label scan depends on, where it is a WebDataset's (the scan reads every tar: a Hub shard
    downloaded whole, clips and all, by every process): every local tar's `file_key`, or every Hub tar's URL, which
    names the commit it is read at (`_PINNED_HUB_FILE`); the columns read (the label's, and the class names' beside
    it) and their features; `datasets`' version (which decodes the members). None for any other stream (a table,
    whose label column is read alone: read as before)."""
    import datasets

    kwargs = getattr(getattr(dataset, "_ex_iterable", None), "kwargs", None) or {}
    paths = [str(path) for path in kwargs.get("tar_paths") or []]
    if paths and all(_PINNED_HUB_FILE.fullmatch(path) for path in paths):
        shards = paths
    elif not paths or any("://" in path for path in paths):
        return None
    else:
        shards = [file_key(path) for path in paths]
        if any(key is None for key in shards):
            return None
        shards = [list(key) for key in shards]
    found = [features.get(column) for column in top_columns]
    found = [feature.to_dict() if hasattr(feature, "to_dict") else repr(feature) for feature in found]
    return [datasets.__version__, top_columns, columns, found, shards]


def _kept_label_scan(key: list, read: Callable[[], list[list]], cache_dir: str | None) -> list[list]:
    """`read()`, a split's values of each column scanned (the labels, and the class names beside them), found by
    the first process to open the data set and read back by the others (`kept_scans`): each read the whole label
    column, every tar and every clip's bytes in it (20 000 local clips: 12 s of an 18 s open, each process; a Hub data
    set downloaded whole by each). Only values that are one JSON value as they are (a name, an integer, None) are
    kept; a float, a list, ... is read by each process, as before."""

    def scalars(columns: list[list]) -> bool:
        return all(value is None or type(value) in (str, int, bool) for values in columns for value in values)

    # one file for the split's shards, whatever their sizes and times: a shard's change replaces it; by a local tar's
    # path and inode (`read_tar_index`: copies at one path on machines sharing the cache), a Hub tar's URL
    shards = [[shard[0], shard[3]] if isinstance(shard, list) else shard for shard in key[4]]
    paths = [shard[0] if isinstance(shard, list) else shard for shard in key[4]]  # a shard written anew: replaced
    return kept("label scan", key, read, cache_dir, keep=scalars, place=[*key[:3], shards], group=[*key[:3], paths])


class _ShardSamples(list):
    """A split's WebDataset samples as `warn_repeated_clips` compares them: each one's source id and its shard."""

    def __init__(self, ids_and_shards: list[tuple[str, str]]):
        super().__init__({"video": None, "id": clip_id} for clip_id, _ in ids_and_shards)
        self.ids_and_shards = ids_and_shards

    def clip_ids(self) -> list[str]:
        return [clip_id for clip_id, _ in self.ids_and_shards]

    def shards(self) -> list[str]:
        return [shard for _, shard in self.ids_and_shards]


def _warn_repeated_source_ids(data: VideoClassificationData) -> None:
    """The source ids (a shard's `json` `id`) of local WebDataset shards that repeat, in a split or across splits,
    named as the whole read names them (`warn_repeated_clips`, naming the shards): streamed, the same shards said
    nothing, copies of one clip read twice an epoch or a training clip scored on. The `.json` members alone are read
    (each tar's headers, as `shard_sizes` reads them); shards on the Hub would be downloaded to be read: not read."""
    listed = {}
    for name, split in data.splits.items():
        source = split.dataset if split.uncut is None else split.uncut
        kwargs = getattr(getattr(source, "_ex_iterable", None), "kwargs", None) or {}
        features = split.dataset.features or {}
        member = json_member(features)
        meta = features.get(member) if member else None
        paths = kwargs.get("tar_paths") or []
        if not paths or not (isinstance(meta, dict) and "id" in meta):
            continue
        try:
            held = [
                (clip_id, (split.shard_name or str)(str(path)))
                for path in paths
                for clip_id in _tar_source_ids(path, split.cache_dir)
            ]
        except (OSError, ValueError) as error:
            logger.info("the source ids of split %r could not be read (%s)", name, error)
            continue
        listed[name] = _ShardSamples(held)
    if listed:
        warn_repeated_clips(VideoClassificationData(splits=listed, label_spaces=data.label_spaces))


def class_ids_unchecked(dataset, column: str):
    """`dataset` with its `ClassLabel` column `column` read as plain integers where it is a WebDataset member read
    as one (`<key>.cls`). `datasets` checks each id against the names as it streams and raised at the first one out
    of range (a `.cls` of 7 beside a card of 3 classes: "Class label 7 greater than configured num_classes 3"), in a
    DataLoader worker, naming no sample, however far into the run it came. Read as integers, such a row is skipped,
    named and counted as a sample without a usable label (`StreamingSplit.label_id`), as a -1 among labelled rows
    is. Other readers give a `ClassLabel` column names (a folder's classes), which only `ClassLabel` reads."""
    import datasets

    feature = (dataset.features or {}).get(column)
    if isinstance(feature, datasets.ClassLabel) and WEBDATASET_DECODED_AS.get(member_extension(column)) == "an integer":
        return dataset.cast_column(column, datasets.Value("int64"))
    return dataset


def _without_datasets_decoding(dataset):
    """`dataset` with no media column decoded by `datasets`, nor in its threads: a Hub folder repo (videofolder)
    streams with its clips decoded in a pool of 32 threads (`decode(num_threads=32)`, datasets 5.2 on `hf://`), which
    a cast to `Video(decode=False)` does not stop. Its rows came decoded (torchcodec; without it an ImportError at the
    first row read), and once this process had read a row (the label peek), every DataLoader worker forked from it
    waited forever on its first row: the pool's threads, which run the decoding, are not in a forked child. The
    processor decodes the clips, in the workers. A stream whose features are unknown (a CSV table) decodes nothing."""
    from datasets.features.features import require_decoding

    if dataset.features is None or not any(map(require_decoding, dataset.features.values())):
        return dataset
    return dataset.decode(False)


def _count_what_the_shards_hold(split: StreamingSplit, name: str, source: str) -> None:
    """A local folder's split sized by its data card, checked against what its shards hold where that is read without
    a pass over the data (`shard_sizes`: tar headers, parquet footers): a card not rewritten with its shards (a shard
    removed, shards added by hand) gave the run its size, and the log, the plan of an epoch and `all_results.json`
    counted clips the stream does not hold (12 for 9). The shards' count is used, and the difference named."""
    held = split.shard_sizes()
    if held is not None and sum(held) != split.num_examples:
        logger.warning(
            "split %r of %s: its data card (README.md's dataset_info) gives %d examples, its shards hold %d: %d are "
            "counted (write the card again with its shards)",
            name,
            source,
            split.num_examples,
            sum(held),
            sum(held),
        )
        split.num_examples = sum(held)


def _leave_out_unlabelled(loaded, top_column: str, label_column: str, scanned: dict) -> dict:
    """`ClassLabel` splits but those without labels: a split whose first `UNLABELLED_PEEK_ROWS` labels (all of them
    where its label column was read already, `scanned`) are -1 is left out with the whole read's warning
    (`labels.is_labelled_split`), so a Hub test split is never the evaluation split: streamed and evaluated, every
    row would be skipped as unlabelled, and the run stop with nothing evaluated. Read on its first rows
    only (the label column alone): a split labelled only further on is left out too (the whole read refuses it, as
    labelled in part); unlabelled rows among labelled ones are skipped and counted (`StreamingVideoDataset`)."""
    kept = {}
    for split, dataset in loaded.items():
        values = scanned.get(split)
        first = values is None
        if first:
            rows = class_ids_unchecked(dataset.select_columns([top_column]), top_column).take(UNLABELLED_PEEK_ROWS)
            values = [label_value(row, label_column) for row in rows]
        if not values or not all(has_no_label(value, class_label=True) for value in values):
            kept[split] = dataset
        elif first and len(values) == UNLABELLED_PEEK_ROWS:
            logger.warning(
                "split %r left out: none of its first %d rows has a label (--streaming reads no further to decide)",
                split,
                len(values),
            )
        else:
            logger.warning("split %r left out: none of its %d rows has a label", split, len(values))
    if not kept:
        raise DatasetFormatError(f"--dataset_format hub: no split has labels in {label_column!r}")
    return kept


def _refuse_empty_label_names(
    names: list[str], maps: dict, scan, source: str, multi_label: bool = False, clip_ids=None
) -> None:
    """A class whose name is empty (`""`, blanks: a table's unlabelled rows) is refused in the whole read's one line
    (`labels.refuse_empty_label_names`), naming the split and its first rows; streamed, it became a class `''`
    trained and scored. The rows are found by the label scan (`scan(split)`: the label column alone), run only when
    a name is empty. `multi_label`: each label a list of classes, a row refused where one of them is empty.
    `clip_ids(split, rows)`: the clip of each row, as the whole read names it (`_rows_clip_ids`)."""
    empty = empty_label_ids(names)
    if not empty:
        return
    for split, label_map in maps.items():
        ids = [
            _ids_of(value or (), label_map) if multi_label else {_label_id(value, label_map)} for value in scan(split)
        ]
        refused = [i for i, classes in enumerate(ids) if classes & empty]
        # (the refusal shows its first 5 rows: the others are not read for their clips)
        named = clip_ids(split, refused[:5]) if clip_ids is not None and refused else []
        rows = [(i, named[k] if k < len(named) else str(i)) for k, i in enumerate(refused)]
        if rows:
            labels = [names[label] for label in sorted({c for i, _ in rows for c in ids[i] & empty})]
            raise empty_label_refusal(recipe_split_name(split), source, rows, labels, multi_label)


def _rows_clip_ids(loaded: dict, video_column: str, label_column: str, source: str, split: str, rows: list[int]):
    """The clip of each of `rows` (row numbers, ascending) of `split`, named as a stream names a row's clip
    (`hub_example`: a path below the local folder, a shard's member, a source id) and as the whole read names it;
    the row's number where it names none. Read only to name the rows a refusal shows: the stream is read up to the
    last of them (the label scan reads the label column alone)."""
    wanted = set(rows)
    stream = class_ids_unchecked(undecoded_videos(loaded[split]), label_column)
    named = {}
    for i, row in enumerate(itertools.islice(stream, rows[-1] + 1)):
        if i in wanted:
            example = hub_example(row, video_column, label_column, lambda label: None, str(i), shard_namer(source))
            named[i] = str(example["id"])
    return [named.get(i, str(i)) for i in rows]


def gives_no_clip(video) -> bool:
    """Whether a row's video cell gives no clip: None, an empty path, `{"path", "bytes"}` with neither, or a list of
    no frames (as `hub_clips.clipless_rows` reads a whole column)."""
    if isinstance(video, dict):
        return not (video.get("path") or "").strip() and not video.get("bytes")
    if isinstance(video, str):
        return not video.strip()
    return video is None or (isinstance(video, (bytes, list)) and not video)


def _count_clipless(clips: list, split: str, video_column: str, clipless: dict) -> None:
    """Count and name the rows of a split whose clip is None or empty in `clipless`, in the whole read's words
    (`hub_clips.rows_without_a_clip`)."""
    gone = [i for i, clip in enumerate(clips) if gives_no_clip(clip)]
    if gone:
        clipless[split] = clipless.get(split, 0) + len(gone)
        logger.warning(
            "split %r: %d of its %d rows give no video (column %r is None or empty) and are left out: %s",
            split,
            len(gone),
            len(clips),
            video_column,
            quoted([f"row {i}" for i in gone]),
        )


def carried_classes(split: StreamingSplit, labels) -> set:
    """The class ids the raw labels `labels` of `split` carry (each class of a multi-label row's list), as
    `StreamingSplit.label_id` reads them; a label it cannot read carries none."""
    if split.multi_label_classes is None:
        return {_label_id(label, split.label_map) for label in labels}
    return {cls for label in labels if isinstance(label, (list, tuple)) for cls in _ids_of(label, split.label_map)}


def _ids_of(label, label_map: dict | None) -> set:
    """A multi-label row's class ids, those it names among `label_map`'s (ids kept where None)."""
    return {_label_id(value, label_map) for value in label} - {None}


def _label_id(value, label_map: dict | None) -> int | None:
    """A raw label's class id as `StreamingSplit.label_id` reads it, None where it has none."""
    try:
        return label_map[value] if label_map is not None else int(value)
    except (KeyError, TypeError, ValueError):
        return None


def warn_classes_a_cut_leaves_out(split: StreamingSplit, names: Sequence[str], flag: str, name: str) -> list[str]:
    """Warn, naming them, about the classes `names` lists that none of a cut stream's clips carry (`keep_first`:
    `--max_train_samples` / `--max_eval_samples`); returns them. The cut keeps the stream's first N clips, as
    `datasets`' `take(N)` does, not a draw across the classes as the whole read's: a stream stored class by class (a
    folder's clips, shards written per class) trains on its first class alone, or is scored on it: said.
    Where the split's classes are known (`StreamingSplit.classes`), those it lacks are not named. Nothing where the
    warning is held back (`data_warnings_held`: a machine's later processes), or where the N labels cannot be read
    without the rows (`_cut_labels`)."""
    if split.limit is None or len(names) < 2 or not logger.isEnabledFor(logging.WARNING):
        return []
    labels = _cut_labels(split)
    if labels is None:
        logger.info(
            "%s %d: the classes of the stream's first %d clips are not read (their rows would be)",
            flag,
            split.limit,
            split.limit,
        )
        return []
    carried = carried_classes(split, labels)
    # a class the whole split lacks (a validation split of some classes) is none of the cut's doing: not named
    left_out = [label for i, label in enumerate(names) if i not in carried and i in (split.classes or {i})]
    if left_out:
        logger.warning(
            "%s %d keeps the first %d clips of the stream of split %r, in its stored order (as datasets' take(%d), "
            "not a draw across the classes): they carry %d of the data set's %d classes, none of %s. For a draw "
            "across the classes, leave out --streaming, or store the clips in a shuffled order",
            flag,
            split.limit,
            split.limit,
            name,
            split.limit,
            sum(i in carried for i in range(len(names))),
            len(names),
            quoted(left_out),
        )
    return left_out


def _cut_labels(split: StreamingSplit) -> list | None:
    """The raw labels of a cut stream's first `split.limit` rows, read without the rows (a row is its clip's bytes:
    read through the stream, a parquet row group or a tar's samples, on the Hub each clip downloaded twice): the
    labels the open read (`StreamingSplit.scanned_labels`), else a parquet stream's label column alone (its column
    chunks: ranged reads on the Hub), else a local stream's or a folder's label column (a local tar's clips skipped
    over, `_label_members_only`; a folder's rows are paths); None for any other (a Hub tar: its samples read whole)."""
    if split.scanned_labels is not None:
        return split.scanned_labels
    stream = split.uncut if split.uncut is not None else split.dataset
    top = split.label_column if split.label_column in (stream.features or {}) else split.label_column.partition(".")[0]
    if _stream_parquet_files(stream):
        try:
            rows = _parquet_column(stream, top, split.limit)
        except (OSError, ValueError, TypeError, KeyError) as error:  # read as it streams: nothing said
            logger.info("the label column of split's parquet files could not be read alone (%s)", error)
            return None
    else:
        kwargs = getattr(getattr(stream, "_ex_iterable", None), "kwargs", None) or {}
        files = [*(kwargs.get("tar_paths") or []), *(kwargs.get("files") or [])]
        folder = getattr(getattr(stream, "info", None), "builder_name", None) == "videofolder"  # rows: clip paths
        if not stream.features or (not folder and any("://" in str(file) for file in files)):
            return None
        # the stream before its cut: `take` hides the tars from `_label_members_only`
        rows = class_ids_unchecked(_label_members_only(stream, [top]).select_columns([top]), top).take(split.limit)
    labels = []
    for row in rows:
        try:
            labels.append(label_value(row, split.label_column))
        except (KeyError, TypeError):  # no label: skipped as the loader skips it
            continue
    return labels


def _parquet_column(stream, column: str, limit: int) -> list[dict]:
    """`{column: value}` of a parquet stream's first `limit` rows, its files and row groups in the stream's order
    (`_shard_sizes`' reading of them), the column alone read and cast as `datasets` casts it (a card's `ClassLabel`
    of a column of names: ids)."""
    import datasets
    import pyarrow as pa
    import pyarrow.parquet as pq
    from datasets.table import cast_table_to_features
    from datasets.utils.file_utils import xopen

    kwargs = stream._ex_iterable.kwargs
    files = kwargs["files"]
    features = datasets.Features({column: stream.features[column]})
    rows: list[dict] = []
    for file, row_groups in zip(files, kwargs.get("row_groups_list") or [None] * len(files)):
        with xopen(file, "rb") as f:
            for batch in pq.ParquetFile(f).iter_batches(columns=[column], row_groups=row_groups):
                table = cast_table_to_features(pa.Table.from_batches([batch]), features)
                rows += [{column: value} for value in table.column(column).to_pylist()[: limit - len(rows)]]
                if len(rows) >= limit:
                    return rows
    return rows


class _OnDisk:
    """`IterableDataset.filter`'s test: the row's clip is not one of `absent` (a top-level class: the DataLoader
    workers get it pickled)."""

    def __init__(self, video_column: str, absent: set[str]):
        self.video_column, self.absent = video_column, absent

    def __call__(self, row) -> bool:
        video = row[self.video_column]
        return (video.get("path") if isinstance(video, dict) else video) not in self.absent


def _metadata_clips_on_disk(loaded, root: Path, video_column: str, missing: dict) -> dict:
    """A local videofolder stream whose `metadata.csv` / `.jsonl` names clips not on disk (a symlink to a disk not
    mounted, a deleted file): those rows are left out of the stream and counted in `missing`, named in a warning,
    as the whole read does (`hub_clips.metadata_clips_on_disk`), not decoded to fail as "broken" clips every epoch.
    yt-dlp's leftovers beside a merged clip are left out too, named, not counted (streamed, they would be more
    clips). The path column is read once, alone (a videofolder's rows hold paths, not bytes)."""
    import datasets

    kept, clips, leftovers = {}, None, None
    for split, dataset in loaded.items():
        info = getattr(dataset, "info", None)
        if getattr(info, "builder_name", None) != "videofolder" or not isinstance(
            (dataset.features or {}).get(video_column), datasets.Video
        ):
            return loaded
        stream = dataset.cast_column(video_column, datasets.Video(decode=False)).select_columns([video_column])
        paths = [row[video_column].get("path") for row in stream]
        clips = clips_by_normal_name(root) if clips is None else clips
        found = clips_on_disk(paths, clips)
        if found:
            dataset = read_as_on_disk(dataset, video_column, found)
        absent = {path for path in set(paths) if path and path not in found and not Path(path).is_file()}
        if absent:
            named = [relative_or_as_is(path, root) for path in paths if path in absent]
            count_missing(missing, recipe_split_name(split), named)
        leftovers = download_leftovers_named(root) if leftovers is None else leftovers
        gone = absent | {path for path in set(paths) if path and os.path.abspath(path) in leftovers}
        if gone:
            dataset = dataset.cast_column(video_column, undecoded_video(dataset.features[video_column]))
            dataset = dataset.filter(_OnDisk(video_column, gone))
        kept[split] = dataset
    return kept


def _class_label_maps(loaded, source: str, label_column: str, names: list[str], tables: dict | None) -> dict:
    """`{split: map of its class ids to ids in names, or None}` where a split numbers its classes its own way, read
    by name as the whole data set reads them (`load_hub`): a `save_to_disk` split's own `ClassLabel`
    (`saved_class_label_map`), a local folder's parquet tables (`tables`), a Hub repo's parquet tables as the stream
    reads them (their footers alone). The stream had read them by number against the first split's names: a
    validation split class-encoded alone (`['cat', 'eel']` beside train `['cat', 'dog', 'eel']`) trained and scored
    its `eel` as `dog`."""
    if is_saved_to_disk(source):
        return {
            split: saved_class_label_map(label_feature(dataset.features, label_column), names, split)
            for split, dataset in loaded.items()
        }
    if tables is None:
        tables = {split: _stream_parquet_files(dataset) for split, dataset in loaded.items()}
    return {split: class_label_map(tables.get(split, []), label_column, names, split) for split in loaded}


def _stream_parquet_files(dataset) -> list[str]:
    """The parquet files a freshly opened stream reads (its generator's `files`, as `_shard_sizes` reads them; local
    paths or `hf://` URLs), else none."""
    kwargs = getattr(getattr(dataset, "_ex_iterable", None), "kwargs", None) or {}
    files = [str(file) for file in kwargs.get("files") or []]
    return files if files and all(file.endswith(".parquet") for file in files) else []


def _locate(
    dataset, video_column: str, split: str, tables: list[Path] | None, base: Path, clips: dict | None = None
) -> dict[str, str] | None:
    """`{path as written: path found}` for the relative clip paths of a local table (CSV, JSON, parquet, Arrow) whose
    video column is a path, found as the whole data set finds them (`HubSplit.locate`: the row's table's folder,
    else the data set's, else the working directory), and refused the same way (one line) where found nowhere.
    The stream gave them to the decoder as written, from the working directory: every clip "does not exist", and
    the run stopped after an epoch of them. The path column is read once, alone; a column of clip bytes is not read.
    `clips[split]` gets every row's clip (as found, else as written), for `warn_repeated_clips`. A `save_to_disk`
    folder (no `tables`, `base` its folder) has a column of paths read so: a stream read them from the working
    directory, an epoch of clips skipped as broken, where the whole read refuses them in one line."""
    import datasets

    saved = not tables and is_saved_to_disk(str(base))  # a column of paths is read as a table's (`HubSplit.locate`)
    if not tables and not saved:
        return None
    features = dataset.features or dataset._resolve_features().features  # a CSV's are known once a row is read
    if features.get(video_column) == datasets.Value("string"):
        path_of = None
    elif saved:  # clips held as bytes (save_to_disk stores a `Video` column's), or no path
        return None
    elif _paths_without_bytes(features.get(video_column), video_column, tables):
        path_of = _video_path  # `{"path", "bytes"}` cells (a `Video` column) of which none holds its clip's bytes
    elif _has_paths(features.get(video_column)) and all(table.suffix in _COUNTED for table in tables):
        return _locate_beside_bytes(video_column, tables, base)
    else:
        return None
    logger.info("reading the clip paths of split %r once (relative paths)", split)
    paths = [row[video_column] for row in dataset.select_columns([video_column])]
    paths = paths if path_of is None else [path_of(video) for video in paths]
    whole = HubSplit(datasets.Dataset.from_dict({video_column: paths}), video_column, "", None, base)
    whole.locate(split, lambda: tables)
    if clips is not None:
        clips[split] = whole.clip_ids()
    located: dict[str, str] = {}
    for written, found in zip(paths, whole.paths or []):
        if found is not None and located.setdefault(written, found) != found:
            # a stream's row is found by the path as written: each table's `x.mp4` beside it would read one clip
            raise DatasetFormatError(
                f"--streaming: split {split!r} has rows in several tables that give {written!r}, each beside its "
                f"own table ({located[written]!r}, {found!r}); a stream finds a row's clip by its path as written, "
                "so they would all read one of them. Write the paths relative to the data set's folder (or "
                "absolute), or read it without --streaming"
            )
    return located or None


def _warn_saved_clips_named_alike(split: str, dataset, video_column: str) -> None:
    """The whole read's warning of clips named by one file name beside their bytes (`warn_clips_named_alike`), for a
    streamed `save_to_disk` folder (it said nothing): its shards are memory-mapped Arrow tables, whose paths and the
    bytes' nulls are read without the bytes, by the whole read's rule (`HubSplit.names_beside_bytes`). A stream of
    parquet tables (a Hub repo `push_to_hub` wrote) would read each table ahead for them: not warned."""
    import datasets

    iterable = getattr(dataset, "_ex_iterable", None)
    while iterable is not None and not (getattr(iterable, "kwargs", None) or {}).get("shards"):
        iterable = getattr(iterable, "ex_iterable", None)
    shards = (getattr(iterable, "kwargs", None) or {}).get("shards") or []
    if shards and all(isinstance(shard, datasets.Dataset) for shard in shards):
        warn_clips_named_alike(split, HubSplit(datasets.concatenate_datasets(shards), video_column, "", None))


def _video_path(video) -> str | None:
    return video.get("path") if isinstance(video, dict) else None


def _has_paths(feature) -> bool:
    import datasets

    return isinstance(feature, datasets.Video) or (
        isinstance(feature, dict) and feature.get("path") == datasets.Value("string")
    )


def _locate_beside_bytes(video_column: str, tables: list[Path], base: Path) -> dict[str, str] | None:
    """`{path as written: path found}` for parquet or Arrow `{"path", "bytes"}` cells some of which hold their clip's
    bytes: each table's paths alone are read (parquet's `<column>.path`; an Arrow file's through a memory map, its bytes
    not copied), and a relative path is looked for in the
    table's folder, else the data set's. Not refused where found nowhere: a row holding bytes names its clip with a
    path that need not be a file. A row without bytes is not read from the working directory ("does not exist",
    skipped as broken every epoch: half the clips of a table of both kinds); the whole read finds it so."""
    import pyarrow.parquet as pq

    located: dict[str, str] = {}
    for table in tables:
        if _bytes_nulls(table, video_column) == 0:
            continue  # every row holds its clip's bytes (the usual Hub table): nothing to find
        if table.suffix == ".parquet":
            paths = pq.read_table(table, columns=[f"{video_column}.path"]).column(0).to_pylist()
        else:
            paths = _arrow_paths(table, video_column)
        for path in dict.fromkeys(p for p in paths if isinstance(p, str) and p and not Path(p).is_absolute()):
            if "://" in path:
                continue
            found = next((folder / path for folder in (table.parent, base) if (folder / path).is_file()), None)
            if found is not None and located.setdefault(path, str(found)) != str(found):
                raise DatasetFormatError(
                    f"--streaming: the tables of {base} give {path!r}, each beside its own table "
                    f"({located[path]!r}, {str(found)!r}); a stream finds a row's clip by its path as written, so "
                    "they would all read one of them. Write the paths relative to the data set's folder (or "
                    "absolute), or read it without --streaming"
                )
    return located or None


def _paths_without_bytes(feature, video_column: str, tables: list[Path]) -> bool:
    """Whether a `{"path", "bytes"}` video column (a `datasets.Video`, or a struct of the two) gives every clip by
    its path alone: its `bytes` typed null (no row has any), or null in every row of every parquet or Arrow table
    (their footers' statistics, an Arrow file's batch headers; the bytes are not read). Such paths went to the
    decoder as written, from the working directory, as a string column's did: every clip "does not exist" (the
    whole read finds them)."""
    import datasets

    if not _has_paths(feature):
        return False
    field = (
        datasets.Value("binary")
        if isinstance(feature, datasets.Video)
        else feature.get("bytes", datasets.Value("null"))
    )
    if field == datasets.Value("null"):
        return True
    if not all(table.suffix in _COUNTED for table in tables):
        return False  # CSV and JSON tables have no bytes column of type binary
    # some row holds bytes, or it cannot be told without reading them (no statistics)
    return all(_bytes_nulls(table, video_column) == _rows(table) for table in tables)


# Tables whose nulls are counted without reading their values: parquet (footer statistics), Arrow (batch headers)
_COUNTED = (".parquet", ".arrow")


def _rows(table: Path) -> int | None:
    import pyarrow.parquet as pq

    if table.suffix == ".parquet":
        return pq.ParquetFile(table).metadata.num_rows
    counted = column_nulls(table, ())
    return None if counted is None else counted[0]


def _arrow_paths(table: Path, video_column: str) -> list:
    """Every row's `<column>.path` of an Arrow IPC file, read through a memory map (the bytes beside them are not
    copied, nor their pages touched)."""
    import pyarrow as pa

    with pa.memory_map(str(table)) as source:
        with open(table, "rb") as file:
            is_file_format = file.read(6) == b"ARROW1"
        reader = pa.ipc.open_file(source) if is_file_format else pa.ipc.open_stream(source)
        batches = [reader.get_batch(i) for i in range(reader.num_record_batches)] if is_file_format else reader
        return [path for batch in batches for path in batch.column(video_column).field("path").to_pylist()]


def _bytes_nulls(table: Path, video_column: str) -> int | None:
    """How many rows of a parquet or Arrow table give no clip bytes (`<column>.bytes` null), from its footer's
    statistics (None where a row group has none: at least one, perhaps all), an Arrow file's from the headers of its
    record batches (`arrow_nulls`)."""
    import pyarrow.parquet as pq

    if table.suffix == ".arrow":
        counted = column_nulls(table, (video_column, "bytes"))
        return None if counted is None else counted[1]
    metadata, nulls = pq.ParquetFile(table).metadata, 0
    for group in range(metadata.num_row_groups):
        row_group = metadata.row_group(group)
        chunks = [row_group.column(i) for i in range(row_group.num_columns)]
        chunk = next((c for c in chunks if c.path_in_schema == f"{video_column}.bytes"), None)
        if chunk is None:
            nulls += row_group.num_rows  # no bytes field
        elif chunk.statistics is None or not chunk.statistics.has_null_count:
            return None
        else:
            nulls += chunk.statistics.null_count
    return nulls


def _shard_rows(sizes):
    """`StreamingVideoDataset.worker_shares`' stand-in shards (`datasets` hands each shard one size): a row of its
    size."""
    for size in sizes:
        yield {"clips": size}


class StreamingVideoDataset(torch.utils.data.IterableDataset):
    """A streamed split as batches `{"pixel_values", "labels", "valid", "truncated", "ids", "worker", "batch"}`
    (`truncated` always False: a streamed row is a whole clip, never a segment of a longer video), decoded in
    DataLoader workers (give the DataLoader `batch_size=None`; `StreamingLoader` does).

    This process's share is `split_dataset_by_node(split, rank, world_size)` (of a stream cut by `--max_*_samples`,
    every `world_size`-th clip: `rows`); with `shuffle_buffer_size`, the stream is `shuffle(seed, buffer_size)` first,
    reseeded by `set_epoch`. Each worker (DataLoader worker `w`, or `0` without
    workers) drops its first `skip[w]` batches undecoded (resuming), then ends with a batch `{"worker": w, "end":
    True}`. A sample's augmentation is seeded from `(seed, epoch, rank, worker, its index in the worker's stream)`."""

    def __init__(
        self,
        split: StreamingSplit,
        processor,
        *,
        batch_size: int,
        num_clips: int = 1,
        num_crops: int = 1,
        seed: int | None = None,
        shuffle_buffer_size: int = 0,
        shuffle_seed: int = 0,
        rank: int = 0,
        world_size: int = 1,
        processor_kwargs: dict | None = None,
        role: str = "streamed",
        options_of: str = "this run's",
        view_refusal=None,
    ):
        self.split, self.processor, self.batch_size = split, processor, batch_size
        # `view_refusal(view_hw)`: why the model cannot take a clip's views, or None; for views each video's frames
        # decide (a shortest edge resized, nothing cropped), which no check before the stream can see. They were the
        # model's traceback, or torch's "Sizes of tensors must match" where a batch held two sizes.
        self.view_refusal = view_refusal
        self.role = role  # what the clips are to the run ("training", "evaluation"), for ProcessorOptionError
        self.options_of = options_of  # whose processor options they are ("this run's", "--model M's"), likewise
        self.num_clips, self.num_crops, self.seed = num_clips, num_crops, seed
        self.shuffle_buffer_size, self.shuffle_seed = shuffle_buffer_size, shuffle_seed
        self.rank, self.world_size = rank, world_size
        self.processor_kwargs = dict(processor_kwargs or {})
        self.epoch = 0
        self.skip: dict[int, int] = {}
        self.first_members: dict[str, list[str]] = {}  # a WebDataset shard's first sample's members, once read

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def source(self, dataset=None, rank: int | None = None, split: bool = True):
        """This process's stream for the current epoch, as `datasets` builds it (of `dataset`, the split's own by
        default, as process `rank`, this one by default; `split=False`: before the split over the processes)."""
        from datasets.distributed import split_dataset_by_node

        dataset = self.split.dataset if dataset is None else dataset
        if self.shuffle_buffer_size:
            dataset = dataset.shuffle(seed=self.shuffle_seed, buffer_size=self.shuffle_buffer_size)
        if split and self.world_size > 1 and self.split.limit is None:  # a cut stream: split by `rows`, clip by clip
            dataset = split_dataset_by_node(
                dataset, rank=self.rank if rank is None else rank, world_size=self.world_size
            )
        # Unshuffled (`--shuffle_buffer_size 0`: the stored order), the epoch stays 0: `datasets` (5.x) reorders the
        # shards of any stream whose epoch is past 0, shuffle or not, so 4 shards came 3, 2, 0, 1 from the third epoch.
        dataset.set_epoch(self.epoch if self.shuffle_buffer_size else 0)
        return dataset

    def rows(self):
        """This process's rows for the current epoch: `source()`, or after `--max_*_samples`' cut, every
        `world_size`-th of the cut stream's N rows, from row `rank` on: N in all, whatever the shards hold.

        `datasets` splits a cut (`take(N)`) between the shards each process (and each DataLoader worker) reads, N / P
        apiece, and a process whose shards hold fewer streams fewer: shards of 11 and 4 clips cut to 12 gave 6 + 4 =
        10 clips on two processes, or on one process with two workers. So a cut stream is read whole by every
        process, with one worker (`num_shards` is 1), and dealt out clip by clip, as `split_dataset_by_node` deals
        a stream whose shards do not divide between the processes."""
        rows = iter(self.source())
        if self.split.limit is not None and self.world_size > 1:
            rows = itertools.islice(rows, self.rank, None, self.world_size)
        return rows

    def batches(self, epoch: int, num_workers: int) -> list[int] | None:
        """Batches each process delivers in `epoch` with `num_workers` DataLoader workers asked for (None: the shard
        sizes are unknown). Each worker batches its own clips and ends with a partial batch, so a process delivers
        the sum over its workers of ceil(clips / batch_size): shards of 5 and 7 clips read by two workers in batches
        of 2 are 3 + 4 = 7 batches, not ceil(12 / 2) = 6."""
        workers = self.worker_shares(epoch, num_workers)
        if workers is None:
            return None
        return [sum(math.ceil(count / self.batch_size) for count in clips) for clips in workers]

    def worker_shares(self, epoch: int, num_workers: int) -> list[list[int]] | None:
        """Clips each DataLoader worker of each process streams in `epoch` (None: the shard sizes are unknown);
        `num_workers` 0 counts a process's stream as one. `datasets` splits a stream into whole shards when their
        number divides by the processes, in an order it reshuffles every epoch, else into every `world_size`-th clip;
        then it deals a process's shards to its workers (shard i to worker i % W, at most one worker a shard), and
        the every-`world_size`-th split applies within each worker's shards. Which shards go where is asked of
        `datasets` itself: the same shuffle and split applied to a stand-in stream of as many shards, whose rows are
        each shard's size. A cut stream (`--max_train_samples`) is dealt out clip by clip by one worker (`rows`)."""
        import datasets

        cut, ranks = self.split.limit, range(self.world_size)
        sizes = self.split.shard_sizes()
        if cut is not None:  # `rows` deals the cut's clips out one by one (as many as the stream holds, at most N)
            clips = cut if sizes is None else min(cut, sum(sizes))
            return [[len(range(rank, clips, self.world_size))] for rank in ranks]
        if sizes is None:
            return None
        stand_in = datasets.IterableDataset.from_generator(_shard_rows, gen_kwargs={"sizes": sizes})
        by_clip = len(sizes) % self.world_size != 0  # every world_size-th clip: every process reads every shard
        current, self.epoch = self.epoch, epoch
        try:
            shares = []
            for rank in ranks:
                stream = self.source(stand_in, rank, split=not by_clip)._prepare_ex_iterable_for_iteration()
                workers = min(num_workers, stream.num_shards)
                parts = [stream.shard_data_sources(workers, w, contiguous=False) for w in range(workers)]
                totals = [sum(row["clips"] for _, row in part) for part in (parts if workers > 1 else [stream])]
                shares.append([len(range(rank, total, self.world_size)) if by_clip else total for total in totals])
            return shares
        finally:
            self.epoch = current

    @property
    def num_shards(self) -> int:
        """Shards of this process's stream; a cut stream counts as one (`rows`): one DataLoader worker reads it."""
        return 1 if self.split.limit is not None else self.source().n_shards

    def sample_shape(self) -> tuple[int, ...]:
        # the processor's own rule (its crops, or a fixed resize where it crops none): `crop_size` alone gave a
        # broken clip's zeros 8x8 among views of 8x10, and the batch failed to stack
        view_size = getattr(self.processor, "view_size", None)
        size = view_size(num_crops=self.num_crops, **self.processor_kwargs) if view_size else None
        if size is None:  # each video's frames decide it: the crop size, as before
            size = (self.processor.crop_size["height"], self.processor.crop_size["width"])
        return (self.num_clips * self.num_crops, self.processor.num_frames, 3, *size)

    def _sample_seed(self, worker: int, index: int) -> int | None:
        if self.seed is None:
            return None
        entropy = [self.seed, self.epoch, self.rank, worker, index]
        return int(np.random.SeedSequence(entropy).generate_state(1)[0] % 2**31)

    def _no_clip(self) -> dict:
        return {"pixel_values": torch.zeros(self.sample_shape()), "valid": False}

    def _target(self, label):
        """A row's label as the loss takes it: its class id, or a multi-label row's multi-hot vector (float32, one
        0 / 1 per class: `labels.multi_hot`, as `VideoClassificationDataset` gives it); `None`: a row without one."""
        classes = self.split.multi_label_classes
        if classes is None:
            return 0 if label is None else label
        return torch.zeros(classes) if label is None else multi_hot(label, classes)

    def _decode(self, row: dict, worker: int, index: int) -> dict:
        split = self.split
        # the clip's id in its source (a shard's `.json`), as a broken clip is named, also when its label is unusable
        fallback_id = str(
            json_clip_id(row)
            or own_id(row.get("id"))
            or shard_member_id(row.get("__url__"), row.get("__key__"), None, split.shard_name)
            or f"{self.rank}:{worker}:{index}"
        )
        try:
            example = hub_example(
                row, split.video_column, split.label_column, split.label_id, fallback_id, split.shard_name, split.track
            )
        except (KeyError, TypeError, ValueError) as error:  # no label, or one the vocabulary lacks
            logger.warning("skipping a sample without a usable label (%s): %s", fallback_id, error)
            return {**self._no_clip(), "labels": self._target(None), "id": fallback_id}
        if split.located and isinstance(example["video"], str):
            example["video"] = split.located.get(example["video"], example["video"])
        elif split.located and isinstance(example["video"], dict) and not example["video"].get("bytes"):
            path = example["video"].get("path")
            example["video"] = {**example["video"], "path": split.located.get(path, path)}
        if gives_no_clip(example["video"]):
            if split.members_found and (refusal := self._clip_member_refusal(row)):
                raise ProcessorOptionError(refusal)  # (sent to the main process as one line, `refused_batch`)
            # No clip, as the whole read leaves such a row out at load (`hub_clips.rows_without_a_clip`): not a broken
            # clip (skipped, warned about and counted again every epoch), but no clip at all, left out of training and
            # scoring by its row being no clip (`real` False) and named once by the loader.
            return {**self._no_clip(), "labels": self._target(example["label"]), "id": example["id"], "clip": False}
        try:
            example["video"] = frames_of(remote_clip_bytes(example["video"]))
            as_a_file = sampled_as_a_file(example["video"], self.processor, self.processor_kwargs)
            pixel_values = self.processor(
                videos=[example["video"]],
                return_tensors="pt",
                num_clips=self.num_clips,
                num_crops=self.num_crops,
                seed=self._sample_seed(worker, index),
                **{**as_a_file, **self.processor_kwargs},
            )["pixel_values"]
            valid = True
        except decode_errors() as error:  # the clip's fault; any other error is the options' and stops the run
            logger.warning("skipping broken clip %s: %s", describe_example(example, index), error)
            pixel_values, valid = torch.zeros(self.sample_shape()), False
        except (ValueError, TypeError) as error:  # as `unreadable_training_set` takes them on the map-style path
            first = describe_example(example, index)
            raise ProcessorOptionError.at(self.role, first, error, self.options_of) from error
        refusal = valid and views_refused(self.view_refusal, pixel_values, example, index)
        if refusal:  # sent to the main process as any option no clip can be processed with, in one line
            raise ProcessorOptionError(refusal)
        labels = self._target(example["label"])
        return {"pixel_values": pixel_values, "labels": labels, "valid": valid, "id": example["id"]}

    def _clip_member_refusal(self, row: dict) -> str | None:
        """For a WebDataset row that gives no clip, once for each shard: the whole read's refusal of clips in members
        of several types, where the shard's first sample holds its clip under another member name than the split's
        video column. The columns of a stream of Hub shards are those of each split's first shard (the others are not
        on disk: a look at each would be a request apiece before the first step, 5 250 for Kinetics' tars), so a
        later shard of `<key>.webm` clips beside `<key>.mp4` ones streamed as rows without a video, the whole shard
        left out with a warning, where the whole read refuses it. Its first sample is read from the shard's start,
        members' headers and all, up to its last member; nothing for any other row."""
        url = row.get("__url__")
        if not isinstance(url, str) or not row.get("__key__"):
            return None
        if url not in self.first_members:
            self.first_members[url] = _first_sample_members(url)
        column = self.split.video_column
        # (a `<key>.gif` is the clip's preview, which `datasets` reads as an image: no second clip, as the whole read
        # takes it; a multi-part member, `<key>.clip.mp4`, by its last extension, as the whole read takes it)
        others = sorted(
            m
            for m in self.first_members[url]
            if f".{member_extension(m)}" in VIDEO_EXTENSIONS and member_extension(m) != "gif" and m != column
        )
        if not others:
            return None
        name = self.split.shard_name(url) if self.split.shard_name is not None else url
        return (
            f"--dataset_format hub: the WebDataset shard {name} holds its clips as {quoted(others)} members, where "
            f"the split's first shard holds them as {column!r}: clip members of several types, which datasets reads "
            "each as a column of its own (a stream takes the columns from each split's first shard, so these "
            "samples gave no video); give every sample's clip one member name ('<key>.video', as the shard tool "
            "writes clips of mixed containers), or name one column with --video_column to read only the samples "
            "that have it"
        )

    def __iter__(self):
        info = torch.utils.data.get_worker_info()
        worker = info.id if info is not None else 0
        rows = enumerate(self.rows())
        skipped = self.skip.get(worker, 0)
        # Resuming: the rows of the batches already trained on are read again but not decoded.
        for _ in itertools.islice(rows, skipped * self.batch_size):
            pass
        for batch_index in itertools.count(skipped):
            chunk = list(itertools.islice(rows, self.batch_size))
            if not chunk:
                break
            try:
                items = [self._decode(row, worker, index) for index, row in chunk]
            except ProcessorOptionError as error:
                # Raised here, in a DataLoader worker, it reached the user as torch's "Caught ValueError in
                # DataLoader worker process 0 ... Original Traceback": sent as a message, raised by the loader.
                yield refused_batch(str(error), worker=worker)
                return
            batch = collate_videos(items)
            # `ids` name the rows that are clips, in order: the loader marks the others `real` False (`clips`)
            clips = [item.get("clip", True) for item in items]
            batch.update(
                ids=[item["id"] for item, clip in zip(items, clips) if clip],
                clipless=[item["id"] for item, clip in zip(items, clips) if not clip],
                clips=torch.tensor(clips),
                worker=worker,
                batch=batch_index,
            )
            yield batch
        yield {"worker": worker, "end": True}


def _first_sample_members(url: str) -> list[str]:
    """The member extensions of a WebDataset shard's first sample (`datasets`' own split of a member name into
    key and extension), read from the shard's start with `datasets`' `xopen` (the Hub's token and file system); []
    where it cannot be read (the stream's own read says why)."""
    import tarfile

    from datasets.packaged_modules.webdataset.webdataset import base_plus_ext
    from datasets.utils.file_utils import xopen

    members, first = [], None
    try:
        with xopen(url, "rb") as file, tarfile.open(fileobj=file, mode="r|*") as tar:
            for member in tar:
                key, extension = base_plus_ext(member.name)
                if not member.isfile() or key is None or PurePath(member.name).name.startswith((".", "__")):
                    continue
                if first is not None and key != first:
                    break
                first = key
                members.append(extension)
    except Exception:  # (a shard cut short, a request refused)
        return []
    return members


def remote_clip_bytes(video):
    """A row's clip given by a URL the decoder cannot open (`hf://datasets/...`, `zip://x.mp4::hf://...`: what a
    streamed Hub repo of loose clip files gives as `Video(decode=False)`'s path, bytes None) as `{"path", "bytes"}`,
    read with `datasets`' own `xopen` (the Hub's token and file system, as its `Video` feature reads it); any other
    row as it is. Such a path reached the decoder as a file name, "does not exist": every clip of the stream was
    skipped as broken, and the run stopped with none trained. An `http(s)://` URL is left to the processor."""
    path = video.get("path") if isinstance(video, dict) else video
    if (
        not isinstance(path, str)
        or "://" not in path
        or path[:8].lower().startswith(("http://", "https://"))
        or (isinstance(video, dict) and video.get("bytes") is not None)
    ):
        return video
    from datasets.utils.file_utils import xopen

    with xopen(path, "rb") as file:  # (a dict's track kept: `hub_files.with_track`)
        return {**(video if isinstance(video, dict) else {}), "path": path, "bytes": file.read()}


class StreamingLoader:
    """Batches of a `StreamingVideoDataset` on `device`, in the order of a fresh run, in lockstep over processes.

    The DataLoader's workers (at most as many as this process has shards) each yield their own batches; torch hands
    them out round-robin, which is the order `(batch index, worker)`. After a resume the workers start at different
    batch indices, so batches are held back until none that comes earlier in that order can still arrive. With an
    `accelerator` of several processes, each step asks whether any process still has data (a host-side collective,
    one step ahead, so it never waits for the GPU); one that has not yields `filler` batches (all rows `real=False`).
    `pad_to` pads every batch to that many rows (`real=False` rows: what evaluation's `gather_for_metrics` needs, same
    shapes on every process). On a GPU, batches come in page-locked memory and are copied without blocking the host.
    `persistent` (evaluation, read again after every epoch): the workers are kept from one pass to the next while the
    data set's epoch and skipped batches stay the same (started anew from the fork server they cost about 1.2 s a
    pass); each pass is a fresh iteration of their copy of the data set. A pass of a seeded data set, or of evaluation,
    draws its workers' seeds from a generator of its own, not from the process's random state (`_generator`).
    """

    def __init__(
        self,
        dataset: StreamingVideoDataset,
        num_workers: int = 0,
        *,
        device=None,
        accelerator=None,
        pad_to=None,
        gradient_state=None,
        persistent: bool = False,
    ):
        self.dataset, self.device, self.accelerator, self.pad_to = dataset, device, accelerator, pad_to
        self.persistent = persistent
        self._kept = None  # `(what the workers' copy of the data set was made from, its DataLoader)` (`persistent`)
        self.requested_workers = num_workers
        # the fork server its workers start from (`workers`), started here: its imports run while the run sets up
        self.context = worker_start(num_workers)
        self.consumed: dict[int, int] = {}
        # accelerate's `GradientState` (training): while this loader is iterated it is the state's active loader,
        # whose `end_of_dataloader` (True for an epoch's last batch) makes `accelerator.accumulate` step the optimiser
        # on a last, partial accumulation window, as for a prepared DataLoader: the window never runs on into the
        # next epoch. `remainder` -1: rows that are no clips are marked `real` instead.
        self.gradient_state = gradient_state
        self.end_of_dataloader, self.remainder = False, -1
        self.clipless: set[str] = set()  # rows met that give no clip, named once over the run (`_deliver`)

    def set_epoch(self, epoch: int) -> None:
        self.dataset.set_epoch(epoch)
        self.dataset.skip, self.consumed = {}, {}

    def resume(self, consumed: dict) -> None:
        """Continue the current epoch after the batches `consumed` (`{worker: batches}`) of a checkpoint."""
        consumed = {int(worker): int(count) for worker, count in consumed.items()}
        self.dataset.skip, self.consumed = dict(consumed), dict(consumed)

    def position(self) -> dict[int, int]:
        """Batches each worker has delivered to the training loop in this epoch (what `resume` takes)."""
        return dict(self.consumed)

    def num_workers(self) -> int:
        shards = self.dataset.num_shards
        if self.requested_workers > shards:
            logger.info(
                "this process has %d shard(s): %d DataLoader worker(s) instead of %d",
                shards,
                shards,
                self.requested_workers,
            )
        return min(self.requested_workers, shards)

    def _dataloader(self, workers: int):
        """The DataLoader of this pass: the kept one where `persistent` and its workers' copy of the data set is the
        epoch and the skipped batches of now (what `set_epoch` and `resume` change), else a new one."""
        made_of = (self.dataset.epoch, tuple(sorted(self.dataset.skip.items())), workers) if self.persistent else None
        if self._kept is not None and self._kept[0] == made_of:
            return self._kept[1]
        self._kept = None  # its workers end with it
        loader = torch.utils.data.DataLoader(
            self.dataset,
            batch_size=None,
            num_workers=workers,
            pin_memory=self._pin_memory(),
            # started after gloo's and tqdm's threads exist (every epoch, and the first evaluation): never forked here
            multiprocessing_context=self.context if workers else None,
            worker_init_fn=WorkerInit(),  # `share_parent_memory`, and this process's streams and logging
            persistent_workers=self.persistent and workers > 0,
            generator=self._generator(),
        )
        if self.persistent and workers:
            self._kept = (made_of, loader)
        return loader

    def _generator(self) -> torch.Generator | None:
        """Where the DataLoader draws its workers' base seed at each pass: a generator of its own, not the process's
        random state, which a pass would otherwise advance once. A run resumed mid-epoch restores the checkpoint's
        state (accelerate's `load_state`), taken after the epoch's pass had drawn, and its pass drew once more: a
        loop that seeds only once (`set_seed`), not at every step as the recipe does, then drew other dropout and
        stochastic-depth masks from the resume on. Training's is seeded by `(seed, epoch, rank)`, so a resumed pass's
        workers start as the uninterrupted one's did; evaluation's (`persistent`, no random draws) by 0. A data set
        without a seed (augmentation follows torch's seeding in each worker) draws from the process's, as torch
        does: its epochs, unseeded, must differ."""
        if self.persistent:
            return torch.Generator().manual_seed(0)
        if self.dataset.seed is None:
            return None
        entropy = [self.dataset.seed, self.dataset.epoch, self.dataset.rank]
        return torch.Generator().manual_seed(int(np.random.SeedSequence(entropy).generate_state(1)[0]))

    def _ordered(self):
        workers = self.num_workers()
        loader = self._dataloader(workers)
        pending = {w: deque() for w in range(max(workers, 1))}
        next_index = {w: self.dataset.skip.get(w, 0) for w in pending}
        ended: set[int] = set()

        def ready():
            while True:
                heads = [(queue[0]["batch"], w) for w, queue in pending.items() if queue]
                if not heads:
                    return
                first = min(heads)
                # Safe once no other worker can still send a batch that comes before it.
                if any(
                    not pending[w] and w not in ended and (next_index[w], w) < first for w in pending if w != first[1]
                ):
                    return
                yield pending[first[1]].popleft()

        for batch in started(loader):
            worker = batch["worker"]
            raise_refused(batch)  # an option no clip can be processed with (`StreamingVideoDataset.__iter__`)
            if batch.get("end"):
                ended.add(worker)
            else:
                pending[worker].append(batch)
                next_index[worker] = batch["batch"] + 1
            yield from ready()
        yield from ready()

    def _to_device(self, batch: dict) -> dict:
        if self.device is None:
            return batch
        # Page-locked by the DataLoader when the device is a GPU, so the copy runs without blocking the host.
        blocking = not self._pin_memory()
        tensors = {k: v.to(self.device, non_blocking=not blocking) for k, v in batch.items() if torch.is_tensor(v)}
        return {**batch, **tensors}

    def _pin_memory(self) -> bool:
        return self.device is not None and torch.device(self.device).type == "cuda"

    def _filler(self) -> dict:
        rows = self.pad_to or self.dataset.batch_size
        views = self.dataset.num_clips * self.dataset.num_crops
        # (a multi-label split's targets: gathered beside another process's real batch, they must have its shape)
        labels = torch.stack([torch.as_tensor(self.dataset._target(None)) for _ in range(rows)])
        return {
            "pixel_values": torch.zeros((rows * views, *self.dataset.sample_shape()[1:])),
            "labels": labels,
            "valid": torch.zeros(rows, dtype=torch.bool),
            "truncated": torch.zeros(rows, dtype=torch.bool),
            "real": torch.zeros(rows, dtype=torch.bool),
            "ids": [],
        }

    def _pad(self, batch: dict) -> dict:
        rows = len(batch["labels"])
        if not self.pad_to or rows >= self.pad_to:
            return batch
        extra = self.pad_to - rows
        views = len(batch["pixel_values"]) // rows
        pixel_values = batch["pixel_values"]
        return {
            **batch,
            "pixel_values": torch.cat([pixel_values, pixel_values.new_zeros((extra * views, *pixel_values.shape[1:]))]),
            "labels": torch.cat([batch["labels"], batch["labels"].new_zeros((extra, *batch["labels"].shape[1:]))]),
            "valid": torch.cat([batch["valid"], torch.zeros(extra, dtype=torch.bool)]),
            "truncated": torch.cat([batch["truncated"], torch.zeros(extra, dtype=torch.bool)]),
            "real": torch.cat([batch["real"], torch.zeros(extra, dtype=torch.bool)]),
        }

    def __iter__(self):
        """The epoch's batches; the last one is delivered with `end_of_dataloader` set (see `gradient_state`)."""
        self.end_of_dataloader = False
        if self.gradient_state is not None:
            self.gradient_state._add_dataloader(self)
        try:
            for batch, last in self._marked(self._ordered()):
                self.end_of_dataloader = last
                yield self._deliver(batch)
        finally:  # also when the loop stops early (`--max_train_steps`): the loader is no longer iterated
            if self.gradient_state is not None:
                self.gradient_state._remove_dataloader(self)

    def _marked(self, batches):
        """`(batch, is the epoch's last)`, one batch ahead, as accelerate's prepared DataLoader looks ahead. With
        several processes, each step asks whether any still has data, on the host (`_HostVote`), so the answer
        never waits for the GPU's queue of kernels; asked of the next batch before this one is delivered, since the
        answer says whether this one is the last (None: this process has run out, a filler batch)."""
        accelerator = self.accelerator
        if accelerator is None or accelerator.num_processes == 1:
            batch = next(batches, None)
            while batch is not None:
                upcoming = next(batches, None)
                yield batch, upcoming is None
                batch = upcoming
            return
        vote = _HostVote(accelerator)
        upcoming = next(batches, None)
        any_data = vote.answer(vote.ask(upcoming is not None))
        while any_data:
            batch = upcoming
            upcoming = next(batches, None) if batch is not None else None
            any_data = vote.answer(vote.ask(upcoming is not None))
            yield batch, not any_data

    def _deliver(self, batch: dict | None) -> dict:
        """`batch` (None: this process has run out, a filler batch) as the training loop gets it, on the device."""
        if batch is None:
            batch = self._filler()
        else:
            self.consumed[batch["worker"]] = batch["batch"] + 1
            self._name_clipless(batch.get("clipless") or [])
            clips = batch.get("clips")
            batch = {k: v for k, v in batch.items() if k not in ("worker", "batch", "clipless", "clips")}
            batch["real"] = torch.ones(len(batch["labels"]), dtype=torch.bool) if clips is None else clips.bool()
        return self._to_device(self._pad(batch))

    def _name_clipless(self, ids: list[str]) -> None:
        """Name the rows that give no clip, each once over the run (every epoch meets them again), unless the data
        set counted them when it was opened (`StreamingSplit.clipless_counted`)."""
        new = [clip_id for clip_id in ids if clip_id not in self.clipless]
        self.clipless.update(new)
        if new and not self.dataset.split.clipless_counted:
            logger.warning(
                "streamed rows that give no video (column %r is None or empty) are left out, as the whole read "
                "leaves them out, not decoded as broken clips: %s",
                self.dataset.split.video_column,
                quoted(new),
            )


class _HostVote:
    """ "Does any process still have data?", asked with a collective on a CPU tensor over gloo, started without
    waiting (`ask`) and read when needed (`answer`). On NCCL alone the same question would be a GPU tensor whose
    `.item()` blocks the host until every kernel queued before it has run: a host sync on every step."""

    def __init__(self, accelerator):
        self.accelerator = accelerator
        self.group = _host_group() if torch.distributed.is_initialized() else None

    def ask(self, has_data: bool):
        if self.group is None:  # no process group to talk over (a stand-in accelerator): its own reduce, waited on
            flag = torch.tensor([float(has_data)], device=self.accelerator.device)
            return self.accelerator.reduce(flag, reduction="sum"), None
        flag = torch.tensor([int(has_data)], dtype=torch.int64)
        group = None if self.group is _DEFAULT_GROUP else self.group
        return flag, torch.distributed.all_reduce(flag, group=group, async_op=True)

    @staticmethod
    def answer(pending) -> bool:
        flag, work = pending
        if work is not None:
            work.wait()
        return flag.item() > 0


_DEFAULT_GROUP = object()
_HOST_GROUP = None


def _host_group():
    """A process group whose collectives run on CPU tensors: the default one where it has gloo (CPU runs, or
    "cpu:gloo,cuda:nccl"), else a gloo group over every process, made once (every process reaches this at the same
    point: the first step of the first streamed epoch)."""
    global _HOST_GROUP
    if _HOST_GROUP is None:
        backend = str(torch.distributed.get_backend())
        _HOST_GROUP = _DEFAULT_GROUP if "gloo" in backend else torch.distributed.new_group(backend="gloo")
    return _HOST_GROUP


def stream_position(loader: StreamingLoader, accelerator) -> list[dict]:
    """Every process's `loader.position()`, gathered (a collective: every process calls it), for the checkpoint."""
    workers = max(loader.requested_workers, 1)
    local = torch.zeros(workers, dtype=torch.long, device=accelerator.device)
    for worker, count in loader.position().items():
        local[worker] = count
    gathered = accelerator.gather(local[None]).view(-1, workers).cpu().tolist()
    return [{str(w): c for w, c in enumerate(row) if c} for row in gathered]
