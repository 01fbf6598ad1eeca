# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""`--dataset_format hub`: any `datasets` repo (a Hub id or a local folder: videofolder with metadata, parquet,
WebDataset tar shards, Arrow files) with a video column and a label column, or a folder written by `save_to_disk`,
read with `datasets` and seen as examples without decoding a clip (`HubSplit`). What `datasets` would read
otherwise than the folder shows is refused before anything is loaded (clips its videofolder skips, tables it
ignores, split words in class names), and splits whose `ClassLabel` numbers the classes their own way are read by
name. `streaming.py` reads the same repos as a stream, with these rules.

`load_hub` is the read; its parts are modules of their own: `hub_labels` (the video and label columns, the classes,
the data card's labels), `hub_clips` (rows matched to clips on disk), `hub_refusals` (what `datasets` would misread,
refused), `hub_ids` (what each row is named), `hub_files` (the files `datasets` reads, its builder).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path, PurePath

from .dataset import PackedExamples
from .examples import DatasetFormatError, VideoClassificationData, quoted
from .folders import (
    listings_kept,
    recipe_split_names,
    refuse_lfs_pointers,
    unlabelled_split_names,
)
from .hub_clips import metadata_clips_on_disk, protocol_splits, rows_without_a_clip
from .hub_files import (
    builder_once,
    chosen_track,
    drop_older_versions,
    file_name,
    hub_table_files,
    is_saved_to_disk,
    load_with,
    local_folder_cache_dir,
    table_files,
    undecoded_videos,
    with_track,
)
from .hub_ids import (
    clip_path_id,
    json_clip_id,
    json_member,
    own_id,
    segment_columns,
    segment_id,
    shard_member_id,
    warn_unread_segments,
    whole_read_shard_namer,
)
from .hub_labels import (
    arrow_label_values,
    card_class_label,
    card_label_map,
    card_order_of_classes,
    class_label_map,
    column_values,
    columns_read,
    hub_label_names,
    ids_beside_names,
    label_feature,
    label_list_feature,
    label_value,
    labelled_splits,
    multi_label_names,
    names_beside_ids,
    refuse_class_ids_out_of_lists,
    refuse_class_ids_out_of_range,
    saved_class_label_map,
    warn_classes_that_look_like_lists,
    warn_csv_integers_read_without_their_zeros,
    warn_lists_of_one,
)
from .hub_refusals import (
    naming_an_unreadable_card,
    naming_class_ids_out_of_range,
    naming_clip_paths_outside_metadata_folders,
    naming_metadata_of_two_types,
    naming_mixed_column_types,
    naming_undecodable_members,
    refuse_split_names_as_classes,
    refuse_unread_videos,
)


class HubSplit(Sequence):
    """A `datasets.Dataset` seen as examples, read lazily (clip bytes stay in the Arrow file)."""

    def __init__(
        self,
        dataset,
        video_column: str,
        label_column: str,
        label_map: dict | None,
        base: Path | None = None,
        shard_name: Callable[[str], str] | None = None,
        multi_label: bool = False,
    ):
        self.dataset, self.video_column, self.label_column, self.label_map = (
            dataset,
            video_column,
            label_column,
            label_map,
        )
        self.shard_name = shard_name or file_name  # a WebDataset `__url__` as its clips' ids name it (`shard_name`)
        self.base = base  # a local data set's folder: relative paths in a table are looked for there (`locate`)
        self.tables: list[Path] = []  # `locate`: the split's table files (parquet, ...), in datasets' row order
        # `locate`: each row's clip as found, None where left as written (packed: see `locate`)
        self.paths: Sequence[str | None] | None = None
        # the track of each file a `Video(stream_index=k)` column names (None: the file's own), which rows carry
        self.track = chosen_track(dataset.features, video_column)
        self.multi_label = multi_label  # each row's label a list of classes: its ids, sorted, as a tuple

    def __len__(self):
        return len(self.dataset)

    def _label(self, label):
        return class_ids(label, self._class_id) if self.multi_label else self._class_id(label)

    def _class_id(self, label):
        return self.label_map[label] if self.label_map is not None else int(label)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if not -len(self) <= i < len(self):
            raise IndexError(i)
        i = int(i) % len(self)
        example = hub_example(
            self.dataset[i], self.video_column, self.label_column, self._label, str(i), self.shard_name, self.track
        )
        found = self.paths[i] if self.paths is not None else None
        if found is not None:
            video = example["video"]
            example["video"] = {**video, "path": found} if isinstance(video, dict) else found
        return example

    def _relative_paths(self) -> list[tuple[int, str]]:
        """`(row, path)` of the rows that give their clip as a relative path (no bytes, no URL), read from the
        Arrow table's path column alone (a column of clip bytes is not read)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        column = self.dataset.with_format("arrow")[self.video_column]
        if pa.types.is_struct(column.type):
            fields = {column.type.field(k).name for k in range(column.type.num_fields)}
            if "path" not in fields:
                return []
            paths = pc.struct_field(column, "path").to_pylist()
            sizes = None
            if "bytes" in fields and not pa.types.is_null(column.type.field("bytes").type):  # null: no row has bytes
                sizes = pc.binary_length(pc.struct_field(column, "bytes")).to_pylist()
        elif pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            paths, sizes = column.to_pylist(), None
        else:
            return []
        return [
            (i, path)
            for i, path in enumerate(paths)
            if isinstance(path, str)
            and path
            and not (sizes and sizes[i])
            and not os.path.isabs(path)
            and "://" not in path
        ]

    def _row_tables(self) -> list[Path] | None:
        """The table file of each row, where that is known without reading the tables: one table, or parquet files
        (their footers give each one's rows)."""
        if len(self.tables) == 1:
            return self.tables * len(self)
        if not self.tables or not all(table.suffix == ".parquet" for table in self.tables):
            return None
        import pyarrow.parquet as pq

        counts = [pq.ParquetFile(table).metadata.num_rows for table in self.tables]
        if sum(counts) != len(self):
            return None
        return [table for table, count in zip(self.tables, counts) for _ in range(count)]

    def locate(self, split: str, tables: Callable[[], Sequence[Path]]) -> None:
        """Find the clip of every row that gives it as a relative path, before any clip is read: in the folder of
        the row's table (the documented rule: a table's paths are read from its folder), else in the data set's
        folder, else (as written) from the working directory. A path found in none of them is refused in one
        line naming the table, the path and where it was looked for, rather than reach the decoder and be
        counted as a broken clip ("could not be decoded"). Absolute paths, URLs and clips held as bytes are left as they
        are. `tables()`: the split's table files, asked only when a row gives a relative path."""
        if self.base is None:
            return
        relative = self._relative_paths()
        if not relative:
            return
        self.tables = list(tables())
        row_tables = self._row_tables()
        split_folders = list(dict.fromkeys(table.parent for table in self.tables))
        located: list[str | None] = [None] * len(self)
        missing = []
        if row_tables is None and len(split_folders) > 1:
            self._refuse_clips_of_two_tables(split, relative, split_folders)
        for i, path in relative:
            folders = [row_tables[i].parent] if row_tables is not None else list(split_folders)
            folders += [self.base] if self.base not in folders else []
            # A table written on Windows (`clips\cat\0.mp4`) names its clip as written, else with `/`, as datasets
            # reads a metadata file's `file_name`: read as written alone, every such clip would be refused as
            # "found nowhere" (a backslash is a character of a file name here, so the path as written comes first).
            spellings = [path, path.replace("\\", "/")] if "\\" in path and os.sep == "/" else [path]
            found = next(
                (folder / written for written in spellings for folder in folders if (folder / written).is_file()), None
            )
            if found is not None:
                located[i] = str(found)
            elif not Path(path).is_file():
                missing.append((i, path, folders))
        if missing:
            i, path, folders = missing[0]
            # where the paths are read from, and what to do: a `save_to_disk` folder has no table file (its rows
            # were named "row 0 of the tables  gives"), and keeps a path as it was given, relative to the folder the
            # data set was built in, which its own folder seldom is
            rule = "paths in a local table are read from the table's folder, else from the data set's folder"
            if row_tables is not None:
                table = f"row {i} of {row_tables[i]}"
            elif self.tables:
                table = f"row {i} of the tables {quoted([str(t) for t in self.tables], 3)}"
            else:
                table = f"row {i} of the split"
                rule = (
                    "save_to_disk keeps each path as it was given, relative to the folder the data set was built in: "
                    "give absolute paths, or cast the column to datasets.Video() before save_to_disk, which stores "
                    "each clip's bytes"
                )
            raise DatasetFormatError(
                f"--dataset_format hub: {len(missing)} of the {len(self)} clips of split {split!r} are found "
                f"nowhere: {table} gives {path!r}, looked for in {', '.join(f'{f}/' for f in folders)} and the "
                f"working directory ({rule}); all of them: {quoted([p for _, p, _ in missing])}"
            )
        # packed as a split's examples are: a list of str was copied into every DataLoader worker that read it (its
        # reference counts written), 7.1 MiB a worker at 60 000 rows
        self.paths = PackedExamples(located)

    def _refuse_clips_of_two_tables(self, split: str, relative, folders: list[Path]) -> None:
        """Refuse (one line) a relative path that is a file beside two or more of the split's tables, where which
        table each row came from is not known (CSV or JSON tables, several of them): every row naming it read the
        first table's clip, so `a/clips.csv`'s `0.mp4, cat` and `b/clips.csv`'s `0.mp4, dog` trained `a/0.mp4` as
        both classes and never read `b/0.mp4` (and the split was said to list `a/0.mp4` twice)."""
        for path in dict.fromkeys(path for _, path in relative):
            beside = [folder / path for folder in folders if (folder / path).is_file()]
            if len(beside) > 1:
                tables = [str(table) for table in self.tables]
                raise DatasetFormatError(
                    f"--dataset_format hub: split {split!r} has {len(self.tables)} tables, "
                    f"{quoted(tables, 4)}, and a row gives {path!r}, a file beside more than one of them "
                    f"({quoted([str(f) for f in beside], 4)}): which table a row of a CSV or JSON table came from is "
                    "not known, so each such row would read the first. Write the paths relative to the data set's "
                    "folder (or absolute), or make the tables one table, or parquet files"
                )

    def labels(self) -> list:
        """Every row's label id, read from the label column alone (no clip bytes)."""
        return [self._label(v) for v in arrow_label_values(self.dataset.with_format("arrow"), self.label_column)]

    def ids(self) -> list[str]:
        """Every row's video id: the source id a shard's `json` keeps, else the row's own `id` column, else a
        WebDataset sample's `<shard>/<member>`, else the clip's path where the row has one (its path in the data set,
        `clip_path_id`; with its segment, where the table gives one), else the row's index in its split (as
        `hub_example` names it)."""
        return self._ids(self.shard_name, segments=True)

    def digest_ids(self, earlier: bool = False) -> list[str]:
        """The ids `examples_digest` hashes: a WebDataset shard by its file name, a row without its segment, as
        versions before shards were named by their path and rows by their segment hashed them, so a checkpoint or a
        held-out share they recorded still matches the same data (`check_resume_clips`); the digest tells copies
        apart by the order of ids and labels, which needs no id to be unique. Shards of one file name in several
        folders are named by their path (`earlier`: not, as those versions did): copies holding P at `a/000.tar`
        and Q at `b/000.tar`, or Q at `b/000.tar` and P at `c/000.tar`, would give one digest where P's labels
        run as Q's, and machines sharing the split out by position train on other clips. So are clips
        given by an absolute path (a local metadata folder's) where two of the split share their `<folder>/<file>`,
        by which `examples_digest` names such a clip (`clip_path_id`; `earlier`: not): copies holding
        `indoor/cat/0.mp4` and `outdoor/cat/0.mp4` in the other order gave one digest."""
        if earlier:
            return self._ids(file_name, segments=False, clip_name=file_name)
        return self._ids(self._like_named_by_path(), segments=False, clip_name=self._like_named_clips_by_path())

    def _like_named_by_path(self) -> Callable[[str], str]:
        """A shard's file name, or its path (`shard_name`) where another shard of the split has that file name."""
        urls = self.dataset.unique("__url__") if "__url__" in self.dataset.column_names else []
        counts = Counter(file_name(url) for url in urls if url)
        shared = {name for name, count in counts.items() if count > 1}
        return lambda url: self.shard_name(url) if file_name(url) in shared else file_name(url)

    def _like_named_clips_by_path(self) -> Callable[[str], str]:
        """A clip's absolute path as given (`examples_digest` names it by its last two parts), or its path in the
        data set (`shard_name`) where another clip of the split has those two parts."""
        paths = {path for _, path, _ in self._id_columns() if path and os.path.isabs(path)}
        counts = Counter(PurePath(path).parts[-2:] for path in paths)
        return lambda path: self.shard_name(path) if counts.get(PurePath(path).parts[-2:], 0) > 1 else path

    def _ids(self, shard_name: Callable[[str], str], segments: bool, clip_name=None, columns=None) -> list[str]:
        """`clip_name`: how a clip's path is named (`clip_path_id`), `shard_name` by default; `columns`: `_id_columns`,
        where the caller read them."""
        table, names = self.dataset.with_format("arrow"), self.dataset.column_names
        none = [None] * len(self)
        own = table["id"].to_pylist() if "id" in names else none
        # both, or neither: a table may keep a WebDataset's `__key__` without its `__url__` (`hub_example` alike)
        webdataset = {"__url__", "__key__"} <= set(names)
        urls, keys = (table[c].to_pylist() for c in ("__url__", "__key__")) if webdataset else (none, none)
        shards = {url: shard_name(url) for url in dict.fromkeys(urls) if url}  # each shard named once
        segment = segment_columns(names) if segments else None
        bounds = [dict(zip(segment, pair)) for pair in zip(*(table[c].to_pylist() for c in segment))] if segment else []
        return [
            source_id
            or own_id(own[i])
            or segment_id(
                shard_member_id(urls[i], keys[i], path, shards.get) or clip_path_id(path, clip_name or shard_name),
                bounds[i] if segment else {},
                segment,
            )
            or str(i)
            for i, (source_id, path, _) in enumerate(columns or self._id_columns())
        ]

    def shards(self) -> list[str | None]:
        """Each row's WebDataset shard, named as its ids name it (`shard_name`); None for a row of no shard."""
        if "__url__" not in self.dataset.column_names:
            return [None] * len(self)
        urls = self.dataset.with_format("arrow")["__url__"].to_pylist()
        names = {url: self.shard_name(url) for url in dict.fromkeys(urls) if url}  # each shard named once
        return [names.get(url) for url in urls]

    def clip_ids(self) -> list[str | None]:
        """Each row's clip, where it names one clip of the data set: the source id a shard's `json` keeps, else the
        path of a clip read from disk (as located: two tables' `clips/a.mp4` may be different files); None for a
        row known only by its index, or by the file name stored beside its bytes (splits' clips may share names)."""
        return [
            source_id or (None if has_bytes else located or path)
            for (source_id, path, has_bytes), located in zip(self._id_columns(), self.paths or [None] * len(self))
        ]

    def clip_paths(self) -> list[str | None]:
        """Each row's clip path as its table writes it (or the file name stored beside its bytes), None for a row of
        none: what names a clip's file where an `id` column names the row otherwise (`subsets._clip_groups`)."""
        return [path for _, path, _ in self._id_columns()]

    def names_beside_bytes(self) -> list[str | None]:
        """Each row's id (`ids`) where it is the file name stored beside the clip's bytes (no source id, `id` column
        or WebDataset member names the row), else None. `datasets` stores a `Video` column's clips so on
        `push_to_hub` and `save_to_disk`, the file name alone (`train/cat/0.mp4` and `train/dog/0.mp4` are both
        `0.mp4`), so such names may repeat within a split (`warn_repeated_clips` names them)."""
        columns = set(self.dataset.column_names)
        if "id" in columns or {"__url__", "__key__"} <= columns:
            return [None] * len(self)
        read = self._id_columns()
        named = [not source_id and has_bytes for source_id, _, has_bytes in read]
        if not any(named):
            return [None] * len(self)
        ids = self._ids(self.shard_name, segments=True, columns=read)  # (`ids`, on the columns read here)
        return [key if beside else None for key, beside in zip(ids, named)]

    def _id_columns(self) -> list[tuple]:
        """`(source id, path as written, whether the row holds the clip's bytes)` of every row, no clip read."""
        import pyarrow.compute as pc

        table = self.dataset.with_format("arrow")
        member = json_member(self.dataset.features)
        meta = self.dataset.features.get(member) if member else None
        if isinstance(meta, dict) and "id" in meta:
            source_ids = arrow_label_values(table, f"{member}.id")
        else:
            source_ids = [None] * len(self)
        column = table[self.video_column]
        has_bytes = [False] * len(self)
        if hasattr(column.type, "get_field_index") and column.type.get_field_index("path") >= 0:
            paths = pc.struct_field(column, "path").to_pylist()
            if column.type.get_field_index("bytes") >= 0:
                has_bytes = pc.is_valid(pc.struct_field(column, "bytes")).to_pylist()
        else:
            paths = [v if isinstance(v, str) else None for v in column.to_pylist()]
            has_bytes = [not isinstance(v, str) for v in column.to_pylist()]
        return list(zip(source_ids, paths, has_bytes))


def class_ids(label, class_id: Callable) -> tuple[int, ...]:
    """A multi-label row's classes (its list, checked by `refuse_rows_not_class_lists`) as ids, sorted, each once
    (Charades lists a class once per interval of it): `class_id` gives a class's id. Read whole and streamed."""
    return tuple(sorted({class_id(value) for value in label or ()}))


def hub_example(
    row: dict, video_column: str, label_column: str, label_id, fallback_id: str, shard_name=None, stream_index=None
) -> dict:
    """A `datasets` row as an example: `{"video": path or {"path", "bytes"}, "label": id, "id": ...}`; a WebDataset
    sample's shard named by `shard_name` (`shard_name` of its data set; a shard's file name by default), and the
    track its column names (`stream_index`, `hub_files.chosen_track`) in its video's dict."""
    video = row[video_column]
    path = None
    if isinstance(video, dict):
        video = with_track({k: v for k, v in video.items() if v is not None}, stream_index)
        path = video.get("path")
    elif isinstance(video, str):
        path = video
    shard_member = shard_member_id(row.get("__url__"), row.get("__key__"), path, shard_name)
    clip_id = shard_member or clip_path_id(path, shard_name)
    clip_id = json_clip_id(row) or own_id(row.get("id")) or segment_id(clip_id, row, segment_columns(row))
    return {"video": video, "label": label_id(label_value(row, label_column)), "id": clip_id or fallback_id}


def load_saved_to_disk(source: str, config_name: str | None = None):
    """A folder written by `save_to_disk`, as a `DatasetDict` (a saved `Dataset` is its "train" split), read as
    stored, whether read whole (`load_hub`) or streamed (`streaming.open_streaming_dataset`). The format the saving
    session had set travels in the folder (state.json) and `load_from_disk` sets it again: rows of a
    `with_format("torch", columns=["label"])` would come without their video (KeyError: 'video'), "pandas"' a label
    as a Series (TypeError), and streamed, `to_iterable_dataset` raise NotImplementedError / TypeError. A
    `config_name` is refused: the folder holds no configurations to choose from. Its `.arrow`
    files as Git LFS pointers (a Hub repo of a saved folder cloned without git-lfs) are refused naming them: pyarrow's
    "Expected to read 1936876918 metadata bytes" traceback named no file."""
    import datasets

    if config_name is not None:
        raise DatasetFormatError(
            f"--dataset {source} is a folder written by save_to_disk, which holds one data set and no "
            f"configurations: --dataset_config_name {config_name!r} cannot choose one. Leave the flag out, or "
            "save each configuration to a folder of its own"
        )
    refuse_lfs_pointers(Path(source))
    loaded = datasets.load_from_disk(source)
    if isinstance(loaded, datasets.Dataset):
        loaded = datasets.DatasetDict({"train": loaded})
    return datasets.DatasetDict({split: dataset.with_format(None) for split, dataset in loaded.items()})


def load_hub(source: str, **options) -> VideoClassificationData:
    """Any `datasets` repo (Hub id or local folder) with a video column and a label column: what `load_dataset`
    reads (videofolder with `metadata.csv` / `metadata.jsonl`, parquet, WebDataset tar shards, Arrow files), or a
    folder written by `save_to_disk`. The label column is found without a flag: a `ClassLabel`, else `label` /
    `labels`, WebDataset's `cls` / `txt`, or a `label` field of its `json`.

    The video column is cast to `datasets.Video(decode=False)`: rows give the clip's path or bytes and the
    video processor decodes it, so nothing needs a system FFmpeg or torchcodec; a `Video(stream_index=k)` column's
    rows give its track k too (`hub_files.chosen_track`), which the processor reads.
    """
    # every read of the card is datasets' or huggingface_hub's
    with naming_an_unreadable_card(source, options.get("revision")):
        return _load_hub(source, **options)


@listings_kept()  # the folder is walked once for the whole read
def _load_hub(
    source: str,
    *,
    revision: str | None = None,
    cache_dir: str | None = None,
    video_column: str | None = None,
    label_column: str | None = None,
    config_name: str | None = None,
    chosen_splits: Sequence[str | None] | None = None,
) -> VideoClassificationData:
    """`load_hub`'s read."""
    import datasets

    dangling: dict[str, list[str]] = {}
    builder = None
    scans_cache_dir = cache_dir  # the tars' indexes are kept there (`kept_scans`), not in the folder's own cache
    if is_saved_to_disk(source):
        loaded = load_saved_to_disk(source, config_name)
    else:
        if Path(source).is_dir():
            cache_dir = local_folder_cache_dir(Path(source), cache_dir)
        builder = builder_once(source, config_name, revision, cache_dir)
        if Path(source).is_dir():
            dangling = refuse_unread_videos(source, config_name, revision, cache_dir, builder, scans_cache_dir)
        mixed_types = naming_mixed_column_types(source, config_name, revision, cache_dir)
        two_types = naming_metadata_of_two_types(source, config_name, revision, cache_dir)
        outside = naming_clip_paths_outside_metadata_folders(source)
        with naming_undecodable_members(source), mixed_types, naming_class_ids_out_of_range(source), two_types, outside:
            loaded = load_with(builder())
        if Path(source).is_dir():
            drop_older_versions(cache_dir)
    features = next(iter(loaded.values())).features
    detecting = label_column is None  # (a names column that does not pair with ids found so is another label)
    columns, detected_columns = columns_read(features, video_column, label_column, source, config_name)
    video_column, label_column = columns.values()
    feature = label_feature(features, label_column)
    refuse_split_names_as_classes(feature, next(iter(loaded.values())), source)
    card = card_class_label(source, config_name, revision, features, label_column)
    missing: dict[str, int] = {split: len(clips) for split, clips in dangling.items()}
    if Path(source).is_dir() and not is_saved_to_disk(source):
        loaded = metadata_clips_on_disk(loaded, Path(source), video_column, missing)
    clipless: dict[str, int] = {}
    loaded = rows_without_a_clip(loaded, video_column, clipless)
    protocols: dict[str, str] = {}
    loaded = protocol_splits(loaded, (video_column, label_column), protocols, chosen_splits)
    every_split = list(loaded)
    class_feature = label_list_feature(feature)  # a column of lists: several classes a clip (multi-label)
    # with a card's ClassLabel, -1 is no label; over a column of lists it names the lists' classes (the column was
    # refused as single-label data of several labels a clip, "leave --streaming out" said to a run not streamed)
    loaded = labelled_splits(loaded, label_column, feature if class_feature is not None else (card or feature))
    if class_feature is not None:
        values = {
            split: arrow_label_values(dataset.with_format("arrow"), label_column) for split, dataset in loaded.items()
        }
        warn_lists_of_one(values, label_column)
        if card is not None:  # its names and ids, as a single-label column's (a class it lacks refused)
            flat = {split: [v for value in vs for v in value or ()] for split, vs in values.items()}
            names, label_map = card_label_map(card, flat, source, label_column)
        else:
            names, label_map = multi_label_names(
                class_feature, lambda: [v for vs in values.values() for v in vs], label_column
            )
        refuse_class_ids_out_of_lists(values, class_feature, names, label_column)
    elif card is not None:
        values = {
            split: arrow_label_values(dataset.with_format("arrow"), label_column) for split, dataset in loaded.items()
        }
        names, label_map = card_label_map(card, values, source, label_column)
    else:
        names, label_map = hub_label_names(
            feature,
            lambda: [
                v for split in loaded.values() for v in arrow_label_values(split.with_format("arrow"), label_column)
            ],
            label_column=label_column,
        )
        warn_csv_integers_read_without_their_zeros(source, label_column, names)
        warn_classes_that_look_like_lists(names, label_column)
    reordered = None
    if class_feature is None:  # (a card's order of a multi-label column's classes is not read)
        reordered = card_order_of_classes(source, config_name, revision, feature, label_column)
    if reordered is not None:
        names, label_map = reordered
    warn_unread_segments(features, source)
    if card is None and class_feature is None and not isinstance(feature, datasets.ClassLabel):
        tables = {split: dataset.with_format("arrow") for split, dataset in loaded.items()}
        values_of = partial(column_values, tables)
        names = names_beside_ids(names, features, label_column, values_of, source=source if detecting else None)
        if reordered is None:
            names, label_map = ids_beside_names(names, label_map, features, label_column, values_of)
    base = Path(source) if Path(source).is_dir() else None
    found_tables: list[dict] = []

    def tables_of(split: str) -> list[Path]:  # read once, when asked (relative paths, a ClassLabel per table)
        if not found_tables:
            local = base is not None and not is_saved_to_disk(source)
            found_tables.append(table_files(source, config_name, revision, cache_dir, builder) if local else {})
        return found_tables[0].get(split, [])

    maps = {split: label_map for split in loaded}
    if isinstance(feature, datasets.ClassLabel) and is_saved_to_disk(source):
        maps = {
            split: saved_class_label_map(dataset.features[label_column], names, split)
            for split, dataset in loaded.items()
        }
        maps = {split: maps[split] if maps[split] is not None else label_map for split in loaded}
    if isinstance(feature, datasets.ClassLabel) and base is not None and not is_saved_to_disk(source):
        maps = {split: class_label_map(tables_of(split), label_column, names, split) or label_map for split in loaded}
    elif isinstance(feature, datasets.ClassLabel) and base is None:  # a Hub repo's parquet: the same gap
        remote = hub_table_files(source, config_name, revision, cache_dir, builder)
        maps = {
            split: class_label_map(remote.get(split, []), label_column, names, split) or label_map for split in loaded
        }
    if isinstance(feature, datasets.ClassLabel):
        refuse_class_ids_out_of_range(loaded, label_column, names, maps)
    splits = {}
    named = recipe_split_names(loaded)
    name_shard = whole_read_shard_namer(loaded, source, config_name, revision, cache_dir, builder)
    for split, dataset in loaded.items():
        dataset = undecoded_videos(dataset)
        examples = HubSplit(
            dataset, video_column, label_column, maps[split], base, name_shard, multi_label=class_feature is not None
        )
        examples.locate(split, partial(tables_of, split))
        splits[named[split]] = examples
    unlabelled = unlabelled_split_names(every_split, loaded)
    return VideoClassificationData(
        splits=splits,
        label_spaces={"label": names},
        own_names={named[split]: split for split in loaded if named[split] != split},
        missing=missing,
        clipless=clipless,
        unlabelled=unlabelled,
        columns=columns,
        detected_columns=detected_columns,
        multi_label=class_feature is not None,
        protocols={named[split]: origin for split, origin in protocols.items()},
    )
