# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""`--dataset_format hub`: any `datasets` repo (a Hub id or a local folder: videofolder with metadata, parquet,
WebDataset tar shards, Arrow files) with a video column and a label column, or a folder written by `save_to_disk`,
read with `datasets` and seen as examples without decoding a clip (`_HubSplit`). What `datasets` would read
otherwise than the folder shows is refused before anything is loaded (clips its videofolder skips, tables it
ignores, split words in class names), and splits whose `ClassLabel` numbers the classes their own way are read by
name. `streaming.py` reads the same repos as a stream, with these rules.
"""

from __future__ import annotations

import contextlib
import csv
import json
import logging
import os
import re
import unicodedata
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path, PurePath

from .annotated import _count_missing
from .examples import DatasetFormatError, VideoClassificationData, quoted
from .folders import (
    _ARCHIVE_SUFFIXES,
    _SPLIT_ALIASES,
    _TABLE_SUFFIXES,
    VIDEO_EXTENSIONS,
    _dangling,
    _dangling_clips,
    _files_below,
    _place_of,
    _split_named_by,
    _unpack_command,
    _walk,
    recipe_split_names,
)
from .labels import _LABEL_COLUMNS, _LABEL_FIELDS, _as_integer, is_labelled_split, label_name, label_vocabulary
from .videofolder import _METADATA_FILES, _metadata_columns, _warn_empty_class_folders, warn_split_named_twice

# The adapters' one logger, named as before they were split out of `formats.py`: a level or filter a user set on
# it still applies to every adapter.
logger = logging.getLogger("vivit_hf.training.data.formats")


def hub_columns(features, video_column: str | None, label_column: str | None, source: str) -> tuple[str, str]:
    """The video column (a `datasets.Video` feature, else a path-like name) and the label column of a `datasets`
    table. A label inside a struct (a WebDataset `<key>.json` with a `label` field) is named `json.label`."""
    import datasets

    if video_column is None:
        videos = [c for c, f in features.items() if isinstance(f, datasets.Video)]
        named = [c for c in ("video", "video_path", "path", "file") if c in features]
        if len(videos) > 1 and not set(named) & set(videos):  # `rgb` beside `flow`: the first was taken
            raise DatasetFormatError(
                f"--dataset_format hub: {source} has several Video columns, {videos}; name the one to read with "
                f"--video_column{_layout_hint(features, None)}"
            )
        video_column = next((c for c in named if c in videos), videos[0] if videos else None)
        video_column = video_column or next(iter(named), None)
        # A WebDataset member whose extension `datasets` does not decode as video (`<key>.webm`): raw bytes.
        video_column = video_column or _only(c for c in features if f".{_extension(c)}" in VIDEO_EXTENSIONS)
    if label_column is None:
        label_column = _label_column_by_type_and_name(features, source)
        # WebDataset multi-part extensions: `<key>.label.cls` is the column `label.cls`.
        label_column = label_column or _only(c for c in features if "." in c and _extension(c) in ("cls", "txt"))
    if label_column is None:
        label_column = next(
            (
                f"{c}.{field}"
                for c, f in features.items()
                if isinstance(f, dict)
                for field in _LABEL_FIELDS
                if field in f
            ),
            None,
        )
    if video_column not in features or label_column is None or label_feature(features, label_column) is None:
        raise DatasetFormatError(
            f"--dataset_format hub: need a video column and a label column in {source}; found columns "
            f"{list(features)} (video={video_column!r}, label={label_column!r}); name them with "
            f"--video_column / --label_column{_layout_hint(features, video_column)}"
        )
    return video_column, label_column


def _label_column_by_type_and_name(features, source: str) -> str | None:
    """The label column a table names by its type (`ClassLabel`) or its name (`_LABEL_COLUMNS`), where those agree: a
    `ClassLabel` column of a label's name, else the one `ClassLabel` column where no column has a label's name,
    else the first column of a label's name. A table whose `ClassLabel` columns are several, none named as a label,
    or one beside a column named as a label (`camera` beside `label`) is refused, naming them: the first
    `ClassLabel` column was taken, so a `camera` or `source` column before `label` was trained on, without a word."""
    import datasets

    class_labels = [c for c, f in features.items() if isinstance(f, datasets.ClassLabel)]
    named = [c for c in _LABEL_COLUMNS if c in features]
    chosen = next((c for c in named if c in class_labels), None)
    if chosen is not None or not class_labels:
        return chosen or (named[0] if named else None)
    if len(class_labels) == 1 and not named:
        return class_labels[0]
    raise DatasetFormatError(
        f"--dataset_format hub: which column of {source} holds the label is unclear: the ClassLabel columns "
        f"{class_labels}" + (f" and the column(s) named as a label {named}" if named else "") + "; name it with "
        "--label_column"
    )


def _extension(column: str) -> str:
    return column.rsplit(".", 1)[-1].lower()


def _only(candidates):
    """The one candidate, else None: two look-alike columns are a guess the user must settle with a flag."""
    found = list(dict.fromkeys(candidates))
    return found[0] if len(found) == 1 else None


def _layout_hint(features, video_column) -> str:
    """Why the usual layouts gave no label column, where the columns tell."""
    dotted = [c for c in features if "." in c and f".{_extension(c)}" in VIDEO_EXTENSIONS]
    if dotted:
        return (
            f". WebDataset keys end at a member's first dot, so members like '<key>.{dotted[0]}' gave the column "
            f"{dotted[0]!r}: keys must not contain dots (multi-part extensions like '<key>.video.mp4' are fine)"
        )
    if list(features) == [video_column]:
        return (
            ". datasets' videofolder names the classes after the folders only when there are two or more, all at "
            "the same depth, and no metadata.csv / metadata.jsonl gives a label; --dataset_format videofolder reads "
            "<class>/<clip> folders itself"
        )
    return ""


# What `datasets`' WebDataset reader makes of a member by its extension, for the members it decodes as more than
# bytes: an integer (`.cls`, the class id) or JSON.
_WEBDATASET_DECODED_AS = {
    **dict.fromkeys(("cls", "cls2", "index", "inx", "id"), "an integer"),
    **dict.fromkeys(("json", "jsn"), "JSON"),
}


@contextlib.contextmanager
def naming_undecodable_members(source: str):
    """Around `datasets.load_dataset`: a WebDataset member that its reader cannot decode, as its extension says it
    must (`<key>.cls` holding a class name, `cat`, where datasets reads an integer; `<key>.id` holding a YouTube id)
    is refused in one line naming the shard, the member and what it holds. It was `ValueError: invalid literal for
    int() with base 10: b'cat'` from inside datasets, naming no file, whole and streamed."""
    try:
        yield
    except Exception as error:
        member = _undecodable_webdataset_member(error)
        if member is None:
            raise
        shard, name, extension, data, cause = member
        if isinstance(data, bytes):
            try:
                data = data.decode("utf-8")
            except UnicodeDecodeError:
                pass
        expected = _WEBDATASET_DECODED_AS.get(extension, f"datasets' .{extension} decoder reads")
        raise DatasetFormatError(
            f"--dataset_format hub: the WebDataset member {name!r} of {shard} (in {source}) holds {data!r}, which is "
            f"not {expected}: datasets reads every '<key>.{extension}' member as such ({type(cause).__name__}: "
            f"{cause}). Write a class name as '<key>.txt' or a 'label' field of '<key>.json', a clip id as a field "
            "of '<key>.json'; '<key>.cls' holds the class number"
        ) from None


@contextlib.contextmanager
def naming_class_ids_out_of_range(source: str):
    """Around `datasets.load_dataset` (read whole): a class id its `ClassLabel` lacks (a `<key>.cls` of 7 beside a
    data card of 3 classes) is refused in one line naming the id, the class count and, in a local folder of
    WebDataset shards, the shard and member. It was datasets' bare `DatasetGenerationError: An error occurred while
    generating the dataset` ("Class label 7 greater than configured num_classes 3" in its chain), naming no file."""
    from ...hub.sources import exception_chain

    try:
        yield
    except Exception as error:
        found = None
        for cause in exception_chain(error):
            found = found or re.search(
                r"Class label (-?\d+) (?:greater|less) than configured num_classes (\d+)", str(cause)
            )
        if found is None:
            raise
        class_id, num_classes = int(found[1]), int(found[2])
        where = _class_member_holding(source, class_id)
        raise DatasetFormatError(
            f"--dataset_format hub: {where or 'a label of ' + source} holds class id {class_id}, where the data "
            f"card's ClassLabel names {num_classes} classes (ids 0-{num_classes - 1}): give each sample one of its "
            "ids, or add the class to the card's names"
        ) from None


def _class_member_holding(source: str, class_id: int) -> str | None:
    """`the WebDataset member '<key>.cls' of <shard> (in <source>)` holding `class_id`, in a local folder's tars."""
    import tarfile

    if not Path(source).is_dir():
        return None
    for shard in sorted(Path(source).rglob("*.tar")):
        with contextlib.suppress(tarfile.TarError, OSError), tarfile.open(shard) as tar:
            for member in tar:
                if member.isfile() and member.name.endswith(".cls") and member.size < 32:
                    held = tar.extractfile(member).read().strip()
                    if held.lstrip(b"-").isdigit() and int(held) == class_id:
                        shard_name = shard.relative_to(source).as_posix()
                        return f"the WebDataset member {member.name!r} of {shard_name} (in {source})"
    return None


@contextlib.contextmanager
def naming_mixed_column_types(source: str, config_name, revision, cache_dir):
    """Around `datasets.load_dataset` of a local folder of tables: a column whose values are of one kind in some
    tables and another in others (train labels as class ids, validation labels as class names, as two scripts wrote
    them) is refused in one line naming the column and which table holds which. `datasets` gives a column one type
    across every table, and stopped in its bare `DatasetGenerationError: An error occurred while generating the
    dataset` (an `ArrowInvalid` "Failed to parse string: 'dog' as a scalar of type int64" in its chain), naming no
    file."""
    try:
        yield
    except Exception as error:
        cause = _arrow_cast_error(error)
        if cause is None or not Path(source).is_dir():
            raise
        try:
            kinds = _column_kinds(_table_files(source, config_name, revision, cache_dir), Path(source))
        except Exception:  # the tables could not be read here either: datasets' own error stands
            raise error from None
        # integers beside numbers cast; strings beside anything else are what fails to parse
        mixed = [(column, by_kind) for column, by_kind in kinds.items() if len(by_kind) > 1]
        mixed.sort(key=lambda item: "strings" not in item[1])
        if not mixed:
            raise
        column, by_kind = mixed[0]
        held = " and ".join(f"{kind} in {quoted(tables, 3)}" for kind, tables in by_kind.items())
        raise DatasetFormatError(
            f"--dataset_format hub: the column {column!r} of the tables of {source} holds {held}: datasets reads one "
            f"type for a column across every table ({type(cause).__name__}: {cause}). Write it one way in every "
            "table (a label column: class names in all of them, or class ids in all of them)"
        ) from None


def _arrow_cast_error(error: BaseException) -> BaseException | None:
    """The Arrow error (a value that does not parse as, or cast to, the column's type) `error` was raised from."""
    import pyarrow as pa

    from ...hub.sources import exception_chain

    for cause in exception_chain(error):
        if isinstance(cause, (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError)):
            return cause
        if type(cause).__name__ == "CastError":  # datasets.table.CastError: "Couldn't cast ... to ..."
            return cause
    return None


def _value_kind(arrow_type) -> str:
    import pyarrow as pa

    for test, kind in ((pa.types.is_integer, "integers"), (pa.types.is_floating, "numbers"),
                       (pa.types.is_boolean, "booleans"), (pa.types.is_string, "strings"),
                       (pa.types.is_large_string, "strings"), (pa.types.is_null, None)):  # fmt: skip
        if test(arrow_type):
            return kind
    return str(arrow_type)


def _column_kinds(tables_by_split: dict[str, list[Path]], root: Path) -> dict[str, dict[str, list[str]]]:
    """`{column: {kind of its values: [table]}}` over every table (parquet by its footer; CSV and JSON Lines read
    with Arrow's own inference, as datasets' readers infer them)."""
    import pyarrow.csv
    import pyarrow.json
    import pyarrow.parquet as pq

    kinds: dict[str, dict[str, list[str]]] = {}
    for table in (table for tables in tables_by_split.values() for table in tables):
        suffix = table.suffix.lower()
        if suffix == ".parquet":
            schema = pq.read_schema(table)
        elif suffix in (".csv", ".tsv"):
            options = pyarrow.csv.ParseOptions(delimiter="\t" if suffix == ".tsv" else ",")
            schema = pyarrow.csv.read_csv(table, parse_options=options).schema
        elif suffix in (".jsonl", ".json"):
            schema = pyarrow.json.read_json(table).schema
        else:
            continue
        for field in schema:
            kind = _value_kind(field.type)
            if kind is not None:
                kinds.setdefault(field.name, {}).setdefault(kind, []).append(_relative_or_as_is(str(table), root))
    return kinds


def _undecodable_webdataset_member(error: BaseException) -> tuple[str, str, str, bytes, BaseException] | None:
    """`(shard, member, extension, its first bytes, the decoder's error)` when `error`, or an error it was raised
    from, came from `datasets`' WebDataset reader decoding a member (the frame of its `_get_pipeline_from_tar`, at the
    line that calls a decoder), else None. Past the first few samples, which it reads for the features, datasets
    raises its `DatasetGenerationError` from the decoder's error."""
    import linecache

    from ...hub.sources import exception_chain

    for cause in exception_chain(error):
        traceback = cause.__traceback__
        while traceback is not None:
            frame = traceback.tb_frame
            line = linecache.getline(frame.f_code.co_filename, traceback.tb_lineno)
            if frame.f_code.co_name == "_get_pipeline_from_tar" and "DECODERS[" in line:
                local = frame.f_locals
                try:
                    data = local["current_example"][local["field_name"]][:40]
                    return str(local["tar_path"]), str(local["filename"]), str(local["data_extension"]), data, cause
                except (KeyError, TypeError):
                    return None
            traceback = traceback.tb_next
    return None


def label_feature(features, label_column: str):
    """The feature of `label_column` (`json.label`: the field `label` of the struct column `json`), else None."""
    if label_column in features:
        return features[label_column]
    column, _, field = label_column.partition(".")
    if field and isinstance(features.get(column), dict):
        return features[column].get(field)
    return None


def label_value(row: dict, label_column: str):
    """A row's raw label (`json.label` reads the struct column `json`)."""
    if label_column in row:
        return row[label_column]
    column, _, field = label_column.partition(".")
    return row[column][field]


def arrow_label_values(table, label_column: str) -> list:
    """Every raw label of an Arrow table's label column (a struct's field too), without reading the videos."""
    if label_column in table.column_names:
        return table[label_column].to_pylist()
    import pyarrow.compute as pc

    column, _, field = label_column.partition(".")
    return pc.struct_field(table[column], field).to_pylist()


def hub_label_names(feature, values_of_all_splits, fmt: str = "hub") -> tuple[list[str], dict | None]:
    """Class names and the map raw value -> id: a `ClassLabel`'s names (its values are the ids already), else
    `label_vocabulary` of the values (integers keep their ids). A `ClassLabel` whose names are one name written
    composed and decomposed (datasets' videofolder names a class by each split's folder) gets them as one class."""
    import datasets

    if isinstance(feature, datasets.ClassLabel):
        names = [label_name(name) for name in feature.names]
        unique = list(dict.fromkeys(names))
        return unique, None if len(unique) == len(names) else {i: unique.index(name) for i, name in enumerate(names)}
    return label_vocabulary(values_of_all_splits(), fmt)


def card_class_label(source: str, config_name, revision, features, label_column: str):
    """The `ClassLabel` the data card (README.md's `dataset_info.features`) gives the label column, where what
    `datasets` loaded lacks it, else None. Its videofolder replaces a card's features with those it reads from the
    metadata file: integer labels were named "0", "1" (not the card's names), names were numbered in sorted order
    (not the card's), and a label the card lacks was a class of its own, where `load_dataset` of a parquet repo with
    the same card gives the card's classes. Read from the card itself: a builder's info comes from its cache once the
    folder is loaded."""
    import datasets

    if isinstance(label_feature(features, label_column), datasets.ClassLabel) or is_saved_to_disk(source):
        return None
    return _card_label_feature(source, config_name, revision, label_column)


def card_order_of_classes(source: str, config_name, revision, feature, label_column: str) -> tuple | None:
    """The data card's class names and `{loaded class id: the card's id}` where `datasets` loaded a `ClassLabel` of
    its own making that the card's contradicts, else None. Its videofolder names class folders (`train/dog/x.mp4`)
    in sorted order whatever the card says: a card of `dog, cat` gave `cat` id 0, and a head whose ids follow the
    card scored every clip as the other class. The card's names and order are taken, as for a metadata file; a
    folder whose class the card lacks is refused naming it."""
    import datasets

    if not isinstance(feature, datasets.ClassLabel) or is_saved_to_disk(source):
        return None
    card = _card_label_feature(source, config_name, revision, label_column)
    if card is None:
        return None
    names, loaded = [label_name(name) for name in card.names], [label_name(name) for name in feature.names]
    if loaded == names:
        return None
    lacking = [name for name in loaded if name not in names]
    if lacking:
        raise DatasetFormatError(
            f"--dataset_format hub: {source} holds class(es) {quoted(lacking)} (their class folders), which the data "
            f"card's ClassLabel ({label_column!r}: {quoted(names)}) lacks; add them to the card's names, or move their "
            "clips into one of its classes"
        )
    logger.info("%s: classes numbered as its data card's ClassLabel lists them: %s", source, quoted(names))
    return names, {i: names.index(name) for i, name in enumerate(loaded)}


def _card_label_feature(source: str, config_name, revision, label_column: str):
    """The data card's (README.md's `dataset_info.features`) feature of `label_column` where it is a `ClassLabel`,
    else None."""
    import datasets

    try:
        from datasets.info import DatasetInfosDict
        from huggingface_hub import DatasetCard, hf_hub_download

        card = Path(source) / "README.md"
        if not Path(source).is_dir():
            card = Path(hf_hub_download(source, "README.md", repo_type="dataset", revision=revision))
        if not card.is_file():
            return None
        infos = DatasetInfosDict.from_dataset_card_data(DatasetCard.load(card).data)
    except Exception as error:  # noqa: BLE001 - no card, or one datasets cannot read: the labels as loaded
        logger.info("the data card of %s gave no label feature (%s)", source, error)
        return None
    info = infos.get(config_name or "default") or (next(iter(infos.values())) if len(infos) == 1 else None)
    feature = label_feature(info.features or {}, label_column) if info is not None else None
    return feature if isinstance(feature, datasets.ClassLabel) else None


def card_label_map(card, values_by_split: dict[str, list], source: str, label_column: str) -> tuple[list, dict]:
    """The card's class names and `{raw label: id}`: a name is the card's class of that name, an integer its id, as
    `datasets`' `ClassLabel` reads them. A label the card lacks (a name not in it, an id past its classes) is refused
    naming it and the metadata file that gives it. `None` (no label) is left as it is."""
    names = [label_name(name) for name in card.names]
    index = {name: i for i, name in reversed(list(enumerate(names)))}
    label_map: dict = {}
    for split, values in values_by_split.items():
        for value in dict.fromkeys(value for value in values if value is not None):
            i = index.get(label_name(value)) if isinstance(value, str) else None
            i = _as_integer(value) if i is None else i
            if i is None or not 0 <= i < len(names):
                where = _metadata_file_holding(source, label_column, value) or f"split {split!r}"
                raise DatasetFormatError(
                    f"--dataset_format hub: {where} of {source} gives the label {value!r}, which the data card's "
                    f"ClassLabel ({label_column!r}: {quoted(names)}, ids 0-{len(names) - 1}) lacks; give the clip one "
                    "of its classes, or add the class to the card's names"
                )
            label_map[value] = i
    return names, label_map


def _metadata_file_holding(source: str, label_column: str, value) -> str | None:
    """`<metadata file> (the clip <file_name>)` of a local folder whose `label_column` holds `value`, else None."""
    if not Path(source).is_dir():
        return None
    import pyarrow.parquet as pq

    for path in (path for path in _files_below(Path(source))[1] if path.name in _METADATA_FILES):
        with contextlib.suppress(OSError, ValueError, KeyError):
            if path.suffix == ".csv":
                with open(path, newline="", encoding="utf-8-sig") as f:
                    rows = list(csv.DictReader(f))
            elif path.suffix == ".jsonl":
                with open(path, encoding="utf-8-sig") as f:
                    rows = [json.loads(line) for line in f if line.strip()]
            else:
                rows = pq.read_table(path).to_pylist()
            row = next((row for row in rows if str(row.get(label_column)) == str(value)), None)
            if row is not None:
                clip = next((row[c] for c in row if re.fullmatch(r"(?:.*_)?file_names?", str(c))), None)
                return f"{path.relative_to(source).as_posix()}" + (f" (the clip {clip!r})" if clip else "")
    return None


def name_columns(features, label_column: str) -> list[str]:
    """The columns (or fields of the struct column the label is in) that may name the classes of integer labels:
    `<label>_name`, `label_name`, `class_name`, ... beside `label` (a WebDataset `.json` {"label": 3, "label_name":
    "pour"}, a table of `label` and `class_name`)."""
    prefix, dot, base = label_column.rpartition(".")
    fields = features.get(prefix) if prefix else features
    if not isinstance(fields, dict) and not hasattr(fields, "keys"):
        return []
    wanted = (f"{base}_name", f"{base}_text", "label_name", "label_text", "class_name", "category_name")
    return [f"{prefix}{dot}{name}" for name in dict.fromkeys(wanted) if name in fields]


def _column_values(tables: dict, column: str) -> list:
    return [v for table in tables.values() for v in arrow_label_values(table, column)]


def names_beside_ids(names: list[str], features, label_column: str, values_of, fmt: str = "hub") -> list[str]:
    """`names` of integer labels (`"0"`, `"1"`, ...) replaced by the names a column beside them gives each id, where
    the data says them; they were lost (id2label "0".."N"). `values_of(column)`: every row's value of a column, in
    one row order. A column giving one id two names is refused, naming both."""
    if not names or any(name != str(i) for i, name in enumerate(names)):
        return names
    for column in name_columns(features, label_column):
        ids, given = values_of(label_column), values_of(column)
        by_id: dict[int, str] = {}
        for i, name in zip(ids, given):
            if isinstance(i, bool) or not isinstance(i, int) or name is None or not str(name).strip():
                continue
            name = label_name(name)
            if by_id.setdefault(i, name) != name:
                raise DatasetFormatError(
                    f"--dataset_format {fmt}: the column {column!r} names class {i} of {label_column!r} both "
                    f"{by_id[i]!r} and {name!r}; give each class id one name"
                )
        if by_id:
            return [by_id.get(i, name) for i, name in enumerate(names)]
    return names


class _HubSplit(Sequence):
    """A `datasets.Dataset` seen as examples, read lazily (clip bytes stay in the Arrow file)."""

    def __init__(
        self,
        dataset,
        video_column: str,
        label_column: str,
        label_map: dict | None,
        base: Path | None = None,
        shard_name: Callable[[str], str] | None = None,
    ):
        self.dataset, self.video_column, self.label_column, self.label_map = (
            dataset,
            video_column,
            label_column,
            label_map,
        )
        self.shard_name = shard_name or _file_name  # a WebDataset `__url__` as its clips' ids name it (`shard_name`)
        self.base = base  # a local data set's folder: relative paths in a table are looked for there (`locate`)
        self.tables: list[Path] = []  # `locate`: the split's table files (parquet, ...), in datasets' row order
        self.paths: list[str | None] | None = None  # `locate`: each row's clip as found, None where left as written

    def __len__(self):
        return len(self.dataset)

    def _label(self, label):
        return self.label_map[label] if self.label_map is not None else int(label)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if not -len(self) <= i < len(self):
            raise IndexError(i)
        i = int(i) % len(self)
        example = hub_example(
            self.dataset[i], self.video_column, self.label_column, self._label, str(i), self.shard_name
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
            sizes = pc.binary_length(pc.struct_field(column, "bytes")).to_pylist() if "bytes" in fields else None
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
        line naming the table, the path and where it was looked for: it used to reach the decoder and be counted
        as a broken clip ("could not be decoded"). Absolute paths, URLs and clips held as bytes are left as they
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
        for i, path in relative:
            folders = [row_tables[i].parent] if row_tables is not None else list(split_folders)
            folders += [self.base] if self.base not in folders else []
            found = next((folder / path for folder in folders if (folder / path).is_file()), None)
            if found is not None:
                located[i] = str(found)
            elif not Path(path).is_file():
                missing.append((i, path, folders))
        if missing:
            i, path, folders = missing[0]
            if row_tables is not None:
                table = f"row {i} of {row_tables[i]}"
            else:
                table = f"row {i} of the tables {quoted([str(t) for t in self.tables], 3)}"
            raise DatasetFormatError(
                f"--dataset_format hub: {len(missing)} of the {len(self)} clips of split {split!r} are found "
                f"nowhere: {table} gives {path!r}, looked for in {', '.join(f'{f}/' for f in folders)} and the "
                f"working directory (paths in a local table are read from the table's folder, else from the data "
                f"set's folder); all of them: {quoted([p for _, p, _ in missing])}"
            )
        self.paths = located

    def labels(self) -> list:
        """Every row's label id, read from the label column alone (no clip bytes)."""
        return [self._label(v) for v in arrow_label_values(self.dataset.with_format("arrow"), self.label_column)]

    def ids(self) -> list[str]:
        """Every row's video id: the source id a shard's `json` keeps, else the row's own `id` column, else a
        WebDataset sample's `<shard>/<member>`, else the clip's path where the row has one (its path in the data set,
        `clip_path_id`; with its segment, where the table gives one), else the row's index in its split (as
        `hub_example` names it)."""
        return self._ids(self.shard_name, segments=True)

    def digest_ids(self) -> list[str]:
        """The ids `examples_digest` hashes: a WebDataset shard by its file name, a row without its segment, as
        versions before shards were named by their path and rows by their segment hashed them, so a checkpoint or a
        held-out share they recorded still matches the same data (`check_resume_clips`); the digest tells copies
        apart by the order of ids and labels, which needs no id to be unique."""
        return self._ids(_file_name, segments=False)

    def _ids(self, shard_name: Callable[[str], str], segments: bool) -> list[str]:
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
            or _own_id(own[i])
            or _segment_id(
                _shard_member(urls[i], keys[i], path, shards.get) or clip_path_id(path, shard_name),
                bounds[i] if segment else {},
                segment,
            )
            or str(i)
            for i, (source_id, path, _) in enumerate(self._id_columns())
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

    def _id_columns(self) -> list[tuple]:
        """`(source id, path as written, whether the row holds the clip's bytes)` of every row, no clip read."""
        import pyarrow.compute as pc

        table = self.dataset.with_format("arrow")
        meta = self.dataset.features.get("json")
        if isinstance(meta, dict) and "id" in meta:
            source_ids = arrow_label_values(table, "json.id")
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


def hub_example(row: dict, video_column: str, label_column: str, label_id, fallback_id: str, shard_name=None) -> dict:
    """A `datasets` row as an example: `{"video": path or {"path", "bytes"}, "label": id, "id": ...}`; a WebDataset
    sample's shard named by `shard_name` (`shard_name` of its data set; a shard's file name by default)."""
    video = row[video_column]
    path = None
    if isinstance(video, dict):
        video = {k: v for k, v in video.items() if v is not None}
        path = video.get("path")
    elif isinstance(video, str):
        path = video
    shard_member = _shard_member(row.get("__url__"), row.get("__key__"), path, shard_name)
    clip_id = shard_member or clip_path_id(path, shard_name)
    clip_id = _clip_id(row) or _own_id(row.get("id")) or _segment_id(clip_id, row, segment_columns(row))
    return {"video": video, "label": label_id(label_value(row, label_column)), "id": clip_id or fallback_id}


# Columns that give a row's segment of its video (Kinetics' CSV, Epic Kitchens', generic names), start and stop.
_SEGMENT_COLUMNS = (
    ("time_start", "time_end"),
    ("start_seconds", "end_seconds"),
    ("start_timestamp", "stop_timestamp"),
    ("start_frame", "stop_frame"),
    ("start_time", "end_time"),
    ("start", "end"),
    ("start", "stop"),
)


def segment_columns(columns) -> tuple[str, str] | None:
    """The (start, stop) columns among `columns` that give a row's segment of its video, else None."""
    return next((pair for pair in _SEGMENT_COLUMNS if set(pair) <= set(columns)), None)


def _segment_id(clip_id: str | None, row: dict, columns: tuple[str, str] | None) -> str | None:
    """`<path>@<start>-<stop>` of a row that gives a segment: a table of one row per segment of a video named every
    segment by its video's path, and their predictions collided. Made of the row alone, so the same read whole or
    streamed. A table's own `id` is kept as it is (users join predictions on it), repeated or not."""
    if clip_id is None or columns is None or all(row.get(column) is None for column in columns):
        return clip_id
    start, stop = (row.get(column) for column in columns)
    return f"{clip_id}@{start}-{stop}"


def warn_unread_segments(columns, source: str) -> None:
    """`hub` reads each row's whole video: a table's segment columns are named in a warning, not silently dropped."""
    segment = segment_columns(columns)
    if segment is not None:
        logger.warning(
            "%s: the columns %r and %r give each row a segment of its video, which --dataset_format hub does not "
            "cut: each row's video is read whole (right for clips already trimmed to their segment; cut segments of "
            "longer videos into clips first, or read Kinetics / Epic Kitchens with their own --dataset_format); each "
            "row without an id of its own is named by its segment, <path>@<start>-<stop>",
            source,
            *segment,
        )


def clip_path_id(path: str | None, shard_name=None) -> str | None:
    """A clip read from a file, named by its path in the data set as `shard_name` names a shard (`shard_namer`: below
    the local folder, in the Hub repo) where `datasets` gives the file's absolute path or `hf://` URL: a local
    metadata folder's clips were named by their absolute path, in predictions and skip messages, so the ids changed
    with the machine and the folder's place (`--dataset_format videofolder` names them `train/cat/0.mp4`). A path
    as a table writes it (relative), or where no namer is given (a shard's file name alone, `digest_ids`), as is."""
    if not path or shard_name in (None, _file_name) or not (os.path.isabs(path) or path.startswith("hf://")):
        return path
    return shard_name(path)


def _clip_id(row: dict) -> str | None:
    meta = row.get("json")  # the shard tool's `<key>.json` keeps the clip's id in its source data set
    return meta.get("id") if isinstance(meta, dict) else None


def _own_id(value) -> str | None:
    """A row's own `id` column (a parquet table's clip id), as text; None where it gives none."""
    return None if value is None or isinstance(value, (bool, dict, list)) or str(value) == "" else str(value)


def _shard_member(url, key, path, shard_name=None) -> str | None:
    """`<shard>/<member>` of a WebDataset sample (`__url__`, `__key__`): writers number each shard's samples from
    `000000`, so a key or member name alone (`000000.mp4`) named one clip of every shard in predictions and skip
    messages. The shard is named by `shard_name` (its file name by default)."""
    return f"{(shard_name or _file_name)(url)}/{path or key}" if url and key else None


# A file `datasets` downloaded from an external URL, in its `downloads/` folder: `sha256(url)[.sha256(etag)]`
# (`datasets.utils.file_utils.hash_url_to_filename`).
_DOWNLOADED = re.compile(r"^([0-9a-f]{64})(\.[0-9a-f]{64})?$")
# A Hub repo's file as `hf_hub_download` keeps it: `.../datasets--<owner>--<name>/snapshots/<commit>/<path in repo>`.
_SNAPSHOT_FILE = re.compile(r"/datasets--[^/]+/snapshots/[^/]+/(.+)$")


def shard_name(url: str, root: str | None = None, downloads: dict | None = None) -> str:
    """A WebDataset shard (a sample's `__url__`) named as its data set names it, the same read whole or streamed:
    its path in the Hub repo (streamed `hf://datasets/<repo>@<revision>/<path>`, whole the downloaded snapshot
    file), its path below the local folder `root`, else its URL as given (an external URL, not the hashed file
    name `datasets` downloads it to: `downloads` maps `sha256(url)` back to it). Its file name alone named the
    clips of `train/a/000.tar` and `train/b/000.tar` alike (`000.tar/000000.mp4`): their predictions collided."""
    text = str(url)
    downloaded = _DOWNLOADED.match(_file_name(text))
    if downloaded and downloads and downloaded.group(1) in downloads:
        text = downloads[downloaded.group(1)]
    if text.startswith("hf://datasets/"):  # hf://datasets/<owner>/<name>@<revision>/<path in repo>
        return text.split("/", 5)[-1]
    in_snapshot = _SNAPSHOT_FILE.search(text.replace(os.sep, "/"))
    if in_snapshot:
        return in_snapshot.group(1)
    if root is not None and "://" not in text:
        # by the link's path first: a shard kept elsewhere and linked into the folder (git-annex and DVC link every
        # file so) was named by its whole local path, which went into predictions.jsonl and skip warnings
        path, folder = os.path.abspath(text), os.path.abspath(root).rstrip(os.sep) + os.sep
        if path.startswith(folder):  # below it as written: no link resolved (a clip of every row is named so)
            return PurePath(path[len(folder) :]).as_posix()
        with contextlib.suppress(ValueError):
            return Path(path).resolve().relative_to(Path(folder).resolve()).as_posix()
    return text


def shard_namer(source: str, originals=()) -> Callable[[str], str]:
    """`shard_name` for the shards of `source` (a local folder, else a Hub id), whose data files are `originals`
    (the external URLs among them are recognised in their downloaded copies)."""
    import hashlib

    root = str(source) if Path(source).is_dir() else None
    downloads = {hashlib.sha256(str(url).encode()).hexdigest(): str(url) for url in originals if "://" in str(url)}
    return partial(shard_name, root=root, downloads=downloads)


def undecoded_videos(dataset):
    """`dataset` with every `datasets.Video` column read as `Video(decode=False)` (`{"path", "bytes"}`): the video
    column, decoded by the processor, and any other (a `depth` or `preview` beside it), which a row read decoded
    with torchcodec (an ImportError without it, a decode of a clip never used with it)."""
    import datasets

    for column, feature in (dataset.features or {}).items():
        if isinstance(feature, datasets.Video) and feature.decode:
            dataset = dataset.cast_column(column, datasets.Video(decode=False))
    return dataset


def is_saved_to_disk(source: str) -> bool:
    """A folder written by `Dataset.save_to_disk` / `DatasetDict.save_to_disk` (read with `load_from_disk`)."""
    folder = Path(source)
    return folder.is_dir() and ((folder / "state.json").is_file() or (folder / "dataset_dict.json").is_file())


def load_hub(
    source: str,
    *,
    revision: str | None = None,
    cache_dir: str | None = None,
    video_column: str | None = None,
    label_column: str | None = None,
    config_name: str | None = None,
) -> VideoClassificationData:
    """Any `datasets` repo (Hub id or local folder) with a video column and a label column: what `load_dataset`
    reads (videofolder with `metadata.csv` / `metadata.jsonl`, parquet, WebDataset tar shards, Arrow files), or a
    folder written by `save_to_disk`. The label column is found without a flag: a `ClassLabel`, else `label` /
    `labels`, WebDataset's `cls` / `txt`, or a `label` field of its `json`.

    The video column is cast to `datasets.Video(decode=False)`: rows give the clip's path or bytes and the
    video processor decodes it, so nothing needs a system FFmpeg or torchcodec.
    """
    import datasets

    dangling: dict[str, list[str]] = {}
    builder = None
    if is_saved_to_disk(source):
        loaded = datasets.load_from_disk(source)
        if isinstance(loaded, datasets.Dataset):
            loaded = datasets.DatasetDict({"train": loaded})
    else:
        if Path(source).is_dir():
            cache_dir = local_folder_cache_dir(Path(source), cache_dir)
        builder = builder_once(source, config_name, revision, cache_dir)
        if Path(source).is_dir():
            dangling = refuse_unread_videos(source, config_name, revision, cache_dir, builder)
        mixed_types = naming_mixed_column_types(source, config_name, revision, cache_dir)
        two_types = naming_metadata_of_two_types(source, config_name, revision, cache_dir)
        with naming_undecodable_members(source), mixed_types, naming_class_ids_out_of_range(source), two_types:
            loaded = load_with(builder())
    features = next(iter(loaded.values())).features
    video_column, label_column = hub_columns(features, video_column, label_column, source)
    feature = label_feature(features, label_column)
    _refuse_split_names_as_classes(feature, next(iter(loaded.values())), source)
    card = card_class_label(source, config_name, revision, features, label_column)
    missing: dict[str, int] = {split: len(clips) for split, clips in dangling.items()}
    if Path(source).is_dir() and not is_saved_to_disk(source):
        loaded = _metadata_clips_on_disk(loaded, Path(source), video_column, missing)
    loaded = _rows_without_a_clip(loaded, video_column, missing)
    loaded = _labelled_splits(loaded, label_column, card or feature)  # with a card's ClassLabel, -1 is no label
    if card is not None:
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
        )
    reordered = card_order_of_classes(source, config_name, revision, feature, label_column)
    if reordered is not None:
        names, label_map = reordered
    warn_unread_segments(features, source)
    if card is None and not isinstance(feature, datasets.ClassLabel):
        tables = {split: dataset.with_format("arrow") for split, dataset in loaded.items()}
        names = names_beside_ids(names, features, label_column, lambda column: _column_values(tables, column))
    base = Path(source) if Path(source).is_dir() else None
    found_tables: list[dict] = []

    def tables_of(split: str) -> list[Path]:  # read once, when asked (relative paths, a ClassLabel per table)
        if not found_tables:
            local = base is not None and not is_saved_to_disk(source)
            found_tables.append(_table_files(source, config_name, revision, cache_dir, builder) if local else {})
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
        remote = _hub_table_files(source, config_name, revision, cache_dir, builder)
        maps = {
            split: class_label_map(remote.get(split, []), label_column, names, split) or label_map for split in loaded
        }
    splits = {}
    named = recipe_split_names(loaded)
    name_shard = _whole_read_shard_namer(loaded, source, config_name, revision, cache_dir, builder)
    for split, dataset in loaded.items():
        dataset = undecoded_videos(dataset)
        examples = _HubSplit(dataset, video_column, label_column, maps[split], base, name_shard)
        examples.locate(split, partial(tables_of, split))
        splits[named[split]] = examples
    return VideoClassificationData(splits=splits, label_spaces={"label": names}, missing=missing)


def _whole_read_shard_namer(
    loaded, source: str, config_name, revision, cache_dir, builder=None
) -> Callable[[str], str]:
    """`shard_namer` of a data set read whole: where a shard was downloaded from an external URL (its `__url__` is
    the hashed copy), the URLs are the data files `datasets` resolved, as a stream names the shards. `builder`: the
    read's (`builder_once`), whose data files are those it read."""
    urls = {url for d in loaded.values() if "__url__" in d.column_names for url in d.unique("__url__") if url}
    originals: list[str] = []
    if any(_DOWNLOADED.match(_file_name(url)) for url in urls):
        builder = (builder or builder_once(source, config_name, revision, cache_dir))()
        originals = [str(file) for files in (builder.config.data_files or {}).values() for file in files]
    return shard_namer(source, originals)


def _metadata_clips_on_disk(loaded, root: Path, video_column: str, missing: dict) -> dict:
    """A local videofolder whose `metadata.csv` / `.jsonl` names its clips: rows whose file is not on disk are left
    out and counted in `missing`, as the annotation formats count them (they were decoded, and failed, every epoch),
    and the clips no row names, which `datasets` leaves out, are named in a warning."""
    first = next(iter(loaded.values()))
    if first.info.builder_name != "videofolder":
        return loaded
    import pyarrow as pa
    import pyarrow.compute as pc
    from datasets.packaged_modules.videofolder.videofolder import VideoFolder

    listed, kept = set(), {}
    clips = clips_by_normal_name(root)
    for split, dataset in loaded.items():
        column = dataset.with_format("arrow")[video_column]
        if not pa.types.is_struct(column.type) or column.type.get_field_index("path") < 0:
            return loaded
        paths = pc.struct_field(column, "path").to_pylist()
        found = clips_on_disk(paths, clips)
        # by the file each row reads: a name's other Unicode form, a file of its own, is in no row
        listed.update(os.path.abspath(found.get(path, path)) for path in paths if path)
        if found:
            dataset = read_as_on_disk(dataset, video_column, found)
        absent = [i for i, path in enumerate(paths) if path and path not in found and not os.path.isfile(path)]
        if absent:
            names = [_relative_or_as_is(paths[i], root) for i in absent]
            _count_missing(missing, _SPLIT_ALIASES.get(split, split), names)
            gone = set(absent)
            dataset = dataset.select([i for i in range(len(paths)) if i not in gone])
        kept[split] = dataset
    read = {extension.lower() for extension in VideoFolder.EXTENSIONS}
    unlisted = [
        path.relative_to(root).as_posix()
        for path in _files_below(root)[0]
        if path.suffix.lower() in read and os.path.abspath(path) not in listed
    ]
    if unlisted:
        logger.warning(
            "%d clip(s) below %s are in no row of its metadata files and are left out (datasets reads only the clips "
            "a metadata file names): %s",
            len(unlisted),
            root,
            quoted(unlisted),
        )
    return kept


def clips_by_normal_name(root: Path) -> dict[str, str | tuple[str, str]]:
    """`{path in one Unicode form (NFC): path on disk}` of the clips below `root`, for the names of a metadata file:
    macOS writes names decomposed (NFD: `u` and a combining diaeresis), most tools composed (NFC: `\u00fc`), so a
    row's `\u00fcber_0.mp4` and the file could be the same name in two forms; the clip was left out, named both "not
    on disk" and "in no row". Two clips whose names differ only so map to both (a row naming either exactly reads it,
    as before; `clips_on_disk` refuses a row that names neither)."""
    clips: dict[str, str | tuple[str, str]] = {}
    for path in _files_below(root)[0]:
        normal = _normal_path(path)
        clips[normal] = (clips[normal], str(path)) if normal in clips else str(path)
    return clips


def _normal_path(path) -> str:
    return unicodedata.normalize("NFC", os.path.abspath(path))


def clips_on_disk(paths, clips: dict[str, str]) -> dict[str, str]:
    """`{path as a row names it: the clip on disk}` of the rows whose clip is on disk under a name in another
    Unicode form (`clips_by_normal_name`)."""
    found = {}
    for path in dict.fromkeys(paths):
        if path and not os.path.isfile(path):
            on_disk = clips.get(_normal_path(path))
            if isinstance(on_disk, tuple):
                raise DatasetFormatError(
                    f"--dataset_format hub: a metadata file names {path!r}, not on disk, and its folder holds two "
                    "clips whose names differ from it only in their Unicode form (composed and decomposed accents), "
                    f"{on_disk[0]!r} and {on_disk[1]!r}: the row reads as either. Rename or remove one"
                )
            if on_disk is not None:
                found[path] = on_disk
    return found


def read_as_on_disk(dataset, video_column: str, found: dict[str, str]):
    """`dataset` (whole or a stream) whose rows read `found`'s clips under their names on disk."""
    import datasets

    feature = dataset.features[video_column]
    dataset = dataset.cast_column(video_column, datasets.Video(decode=False))
    dataset = dataset.map(partial(_named_as_on_disk, video_column=video_column, found=found), features=dataset.features)
    return dataset.cast_column(video_column, feature)


def _named_as_on_disk(row: dict, video_column: str, found: dict[str, str]) -> dict:
    video = row[video_column]
    return {video_column: {**video, "path": found.get(video["path"], video["path"])}}


def clipless_rows(column) -> list[int]:
    """The rows of an Arrow video column that give no clip: null, or neither a path nor bytes (a parquet `Video`
    cell written as None, a table row whose clip was never filled in)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    def empty(values):
        return pc.fill_null(pc.equal(pc.binary_length(values), 0), True)

    if pa.types.is_struct(column.type):
        names = {column.type.field(k).name for k in range(column.type.num_fields)}
        parts = [empty(pc.struct_field(column, name)) for name in ("path", "bytes") if name in names]
        if not parts:
            return []
        none = parts[0] if len(parts) == 1 else pc.and_(parts[0], parts[1])
        none = pc.or_(pc.is_null(column), none)
    elif pa.types.is_string(column.type) or pa.types.is_large_string(column.type) or pa.types.is_binary(column.type):
        none = empty(column)
    elif pa.types.is_null(column.type):
        return list(range(len(column)))
    else:
        return []
    return [i for i, flag in enumerate(none.to_pylist()) if flag]


def _rows_without_a_clip(loaded, video_column: str, missing: dict) -> dict:
    """Rows whose video is None (or neither a path nor bytes) are left out at load and counted in `missing`, as a
    clip the annotations name and the disk lacks is: kept, they were skipped as broken clips ("no video") every
    epoch, the split's size counted them, and an evaluation split's accuracy was over fewer clips than it said."""
    kept = {}
    for split, dataset in loaded.items():
        gone = clipless_rows(dataset.with_format("arrow")[video_column])
        if gone:
            name = _SPLIT_ALIASES.get(split, split)
            missing[name] = missing.get(name, 0) + len(gone)
            # each by the id its WebDataset `.json` keeps (a `.webm` member `datasets` dropped), else its row
            shown = [_clip_id(dataset[i]) or f"row {i}" for i in gone[:5]] + gone[5:]
            logger.warning(
                "split %r: %d of its %d rows give no video (column %r is None or empty) and are left out: %s",
                name,
                len(gone),
                len(dataset),
                video_column,
                quoted(shown),
            )
            dropped = set(gone)
            dataset = dataset.select([i for i in range(len(dataset)) if i not in dropped])
        kept[split] = dataset
    return kept


def saved_class_label_map(feature, names: list[str], split: str) -> dict | None:
    """`{class id in the split: id in names}` where a `save_to_disk` split's own `ClassLabel` names the classes
    otherwise than `names` (the first split's), else None. Each split of a `DatasetDict` keeps its own features:
    splits class-encoded one by one (`class_encode_column` per split) number their classes each their own way, and
    a validation `eel` (its id 1) was read as the training set's class 1, `dog`, without a word. A class the first
    split lacks is added to `names` (and so named as one with no training clip)."""
    import datasets

    if not isinstance(feature, datasets.ClassLabel):
        return None
    order = [label_name(name) for name in feature.names]
    if order == names:
        return None
    added = [name for name in dict.fromkeys(order) if name not in names]
    names.extend(added)
    logger.warning(
        "split %r numbers its classes %s (its own ClassLabel), the data set %s: its labels are read by name%s",
        split,
        quoted(order),
        quoted(names),
        f"; {quoted(added)} added" if added else "",
    )
    return {i: names.index(name) for i, name in enumerate(order)}


def _relative_or_as_is(path: str, root: Path) -> str:
    try:
        return Path(path).relative_to(os.path.abspath(root)).as_posix()
    except ValueError:
        return path


def _parquet_schema(table: Path | str):
    """A parquet table's schema, from its footer alone: a local file, or ranged reads of a streamed one (`hf://`)."""
    import pyarrow.parquet as pq

    if "://" not in str(table):
        return pq.read_schema(table)
    from datasets.utils.file_utils import xopen

    with xopen(str(table), "rb") as file:
        return pq.read_schema(file)


def class_label_map(tables: Sequence[Path | str], label_column: str, names: list[str], split: str) -> dict | None:
    """`{class id in the split's tables: id in names}` where the split's parquet tables give their `ClassLabel` other
    names than `names` (the ones `datasets` applies to every split: a test table written with the same classes in
    another order had its ids read against the training table's names, without a word), else None. A table of a
    class `names` lacks, or tables of one split that number the classes differently, are refused in one line.
    `tables`: local paths, or the URLs a stream reads (only their footers are read)."""
    orders = {}
    for table in tables:
        if not str(table).endswith(".parquet"):
            continue
        metadata = _parquet_schema(table).metadata or {}
        try:
            feature = json.loads(metadata.get(b"huggingface", b"{}"))["info"]["features"][label_column]
        except (KeyError, TypeError, ValueError):
            continue
        if isinstance(feature, dict) and feature.get("_type") == "ClassLabel" and feature.get("names"):
            orders[table] = list(feature["names"])
    differing = {table: order for table, order in orders.items() if order != names}
    if not differing:
        return None
    table, order = next(iter(differing.items()))
    unknown = [name for name in order if name not in names]
    if unknown:
        raise DatasetFormatError(
            f"--dataset_format hub: {table} (split {split!r}) has the classes {quoted(unknown)}, which the data "
            f"set's {len(names)} classes ({quoted(names)}) lack"
        )
    if len({tuple(order) for order in orders.values()}) > 1:
        raise DatasetFormatError(
            f"--dataset_format hub: the tables of split {split!r} number the classes in different orders: "
            + "; ".join(f"{_file_name(t)}: {quoted(o, 3)}" for t, o in list(orders.items())[:2])
        )
    logger.warning(
        "split %r: its tables (%s) number the classes %s, the data set %s: its labels are read by name",
        split,
        _file_name(table),
        quoted(order),
        quoted(names),
    )
    return {i: names.index(name) for i, name in enumerate(order)}


def _file_name(table: Path | str) -> str:
    return str(table).rstrip("/").rpartition("/")[2]


def _table_files(source: str, config_name, revision, cache_dir, builder=None) -> dict[str, list[Path]]:
    """`{split: [table file]}` of a local folder that `datasets` reads as tables (parquet, arrow, csv, json), in
    the order it reads their rows: a row's relative clip path is read from its table's folder. Other layouts give
    `{}` (videofolder resolves its metadata's paths itself; WebDataset holds the clips), as does a folder whose
    files `datasets` no longer resolves as it did (one holding its own cache): the data set's folder is then where
    the paths are read from. `builder`: the read's (`builder_once`), whose data files are those it read."""
    try:
        builder = (builder or builder_once(source, config_name, revision, cache_dir))()
    except ValueError as error:
        logger.info("the table files of %s could not be listed (%s)", source, error)
        return {}
    if builder.name not in ("parquet", "arrow", "csv", "json"):
        return {}
    return {
        str(split): [Path(file) for file in files if "://" not in str(file)]
        for split, files in (builder.config.data_files or {}).items()
    }


def _hub_table_files(source: str, config_name, revision, cache_dir, builder=None) -> dict[str, list[Path]]:
    """`{split: [parquet file]}` of a Hub repo `datasets` reads as parquet, as the local copies `load_dataset` has
    just downloaded (none is downloaded again): its parquet builder applies the first table's features to every
    split as a local folder's does, so a split written with its own `ClassLabel` order needs `class_label_map`. `{}`
    where they cannot be listed or found (then the labels are read as `datasets` gives them). `builder`: the read's
    (`builder_once`), whose data files are those it read."""
    from datasets.utils.file_utils import cached_path

    try:
        builder = (builder or builder_once(source, config_name, revision, cache_dir))()
        if builder.name != "parquet":
            return {}
        return {
            str(split): [Path(cached_path(str(file))) for file in files if str(file).endswith(".parquet")]
            for split, files in (builder.config.data_files or {}).items()
        }
    except Exception as error:  # noqa: BLE001 - the labels are then read as datasets reads them, as before
        logger.info("the parquet tables of %s could not be read for their class names (%s)", source, error)
        return {}


def local_folder_cache_dir(folder: Path, cache_dir: str | None) -> str:
    """A cache folder of its own for each version of a local data set folder. `datasets` keys the Arrow cache of a
    local folder by the folder's name and its card's YAML, not by its files: shards written again into `shards/`
    with the same card (the same clips in another `--seed` order; other clips of the same classes, counts and total
    bytes) were read from the first version's cache, silently. The key here is the folder's path and every file's
    name, size and modification time (a `stat` per file, no read); an old version's cache stays until removed."""
    import hashlib

    import datasets

    files = sorted(
        (path.relative_to(folder).as_posix(), stat.st_size, stat.st_mtime_ns)
        for dirpath, filenames in _walk(folder)
        for path in (dirpath / filename for filename in filenames)
        if path.is_file() and (stat := path.stat())
    )
    key = hashlib.sha256(json.dumps([str(folder.resolve()), files]).encode()).hexdigest()[:16]
    return str(Path(cache_dir or datasets.config.HF_DATASETS_CACHE) / "vivit_hf_local" / key)


def _refuse_split_names_as_classes(feature, dataset, source: str) -> None:
    """datasets' videofolder applies a metadata file only to the split folder it sits in; one at the root, naming
    `train/x.mp4`, is ignored and the split folders become the classes. A model would learn to tell splits apart."""
    import datasets

    if (
        isinstance(feature, datasets.ClassLabel)
        and dataset.info.builder_name == "videofolder"
        and set(feature.names) <= set(_SPLIT_ALIASES) | {"dev", "eval", "testing"}
    ):
        raise DatasetFormatError(
            f"--dataset_format hub: datasets' videofolder took the split folders {feature.names} of {source} for "
            "the classes (a metadata.csv / metadata.jsonl applies to the split folder it is in, not to files "
            "below the root); put one metadata file in each split folder, or the clips in <split>/<class>/ folders"
        )


def builder_once(source: str, config_name, revision, cache_dir) -> Callable[[], object]:
    """`datasets.load_dataset_builder` of `source`, made when first asked, then kept: the checks before a read
    (`refuse_unread_videos`) and the read (`load_with`) share its data files. Each builder resolves them again (a
    glob of the folder, every file matched to a split's patterns): most of a Kinetics-scale videofolder's load,
    done twice."""
    import functools

    import datasets

    return functools.cache(
        partial(datasets.load_dataset_builder, source, config_name, revision=revision, cache_dir=cache_dir)
    )


def load_with(builder, streaming: bool = False):
    """What `datasets.load_dataset` returns, read with `builder` (made as `load_dataset` makes it, `builder_once`):
    its own steps after `load_dataset_builder`, with its defaults."""
    if streaming:
        return builder.as_streaming_dataset()
    from datasets.utils.info_utils import is_small_dataset

    builder.download_and_prepare()
    return builder.as_dataset(in_memory=is_small_dataset(builder.info.dataset_size))


def refuse_unread_videos(source: str, config_name, revision, cache_dir, builder=None) -> dict[str, list[str]]:
    """datasets' folder builders read only their own few extensions: its videofolder skips the other clips without a
    word (`.webm` among them), and a folder of only such clips is not even a videofolder to it (`.webm`, `.m4v`,
    `.3gp`... are audio extensions there: it read them as audio and failed in a torchcodec traceback). Nor does it
    follow a symlinked folder (a class linked from another disk vanished). A local folder's clips it would not read
    are named, before anything is loaded, rather than trained without. (A folder of tables is read by its tables;
    its clips are not checked.) Returns `{split: [clip]}` of the symlinked clips whose target is not there, which
    datasets' videofolder leaves out (named in a warning, `_dangling_clips`), for `missing`. `builder`: the read's
    `builder_once`, whose data files are then resolved once for both."""
    if not Path(source).is_dir() or is_saved_to_disk(source):
        return {}
    from datasets.packaged_modules.videofolder.videofolder import VideoFolder

    root = Path(source)
    _refuse_unfinished_shards(root)
    videos, others = _files_below(root)
    read = {extension.lower() for extension in VideoFolder.EXTENSIONS}
    skipped = [path.relative_to(root).as_posix() for path in videos if path.suffix.lower() not in read]
    linked_folders = {folder for folder in {path.parent for path in videos} if _below_a_link(root, folder)}
    linked = [path for path in videos if path.parent in linked_folders]
    if not videos:
        _refuse_cut_tars(root, others)
        _refuse_a_packed_folder(root, others)
        return {}
    tables = _label_tables(others)
    builder = (builder or builder_once(source, config_name, revision, cache_dir))()
    if builder.name not in ("videofolder", "audiofolder", "imagefolder"):
        return {}
    _refuse_ignored_tables(root, tables, builder.config.data_files or {})
    _refuse_metadata_naming_no_file(others)
    _refuse_metadata_of_two_types(root, builder.config.data_files or {})
    if config_name is None and not _card_declares_configs(root):
        _refuse_split_words_in_class_names(root, builder.config.data_files or {})
        warn_split_named_twice(root, videos)  # datasets' own split patterns merge them alike
    metadata = any(path.name in _METADATA_FILES for path in others)  # rows of absent files: _metadata_clips_on_disk
    places = {path: _place_of(path.relative_to(root)) for path in videos}
    classes = {place.label for place in places.values()} - {None}
    dangling = {} if metadata else _dangling_clips(root, others, classes)
    if skipped:
        raise DatasetFormatError(
            f"--dataset_format hub: datasets' videofolder reads only {sorted(read)} and would leave out "
            f"{len(skipped)} clips of {source}, e.g. {skipped[:3]}; convert them, or read class folders with "
            "--dataset_format videofolder (which reads them)"
        )
    listed = {os.path.normpath(str(file)) for files in (builder.config.data_files or {}).values() for file in files}
    left_out = [path.relative_to(root).as_posix() for path in linked if os.path.normpath(str(path)) not in listed]
    if left_out:
        raise DatasetFormatError(
            f"--dataset_format hub: datasets does not follow symlinked folders and would leave out {len(left_out)} "
            f"clips of {source}, e.g. {left_out[:3]}; read class folders with --dataset_format videofolder (which "
            "follows them), or copy the linked folders in"
        )
    if not metadata:  # class folders: one holding no clip (its copy failed) gave a class fewer without a word
        class_dirs = {
            path.parent: root / place.split_folder if place.split_folder else root
            for path, place in places.items()
            if place.label is not None
        }
        _warn_empty_class_folders(root, class_dirs, videos)
    return dangling


@contextlib.contextmanager
def naming_metadata_of_two_types(source: str, config_name, revision, cache_dir):
    """Around `datasets.load_dataset` of a Hub repo (a local folder is checked before, `refuse_unread_videos`): its
    metadata files of two types (`train/metadata.csv` beside `test/metadata.jsonl`) are refused as a local folder's
    are, naming one of each, where it was `datasets`' bare `ValueError: Found metadata files with different
    extensions`, whole and streamed."""
    try:
        yield
    except ValueError as error:
        if "metadata files with different extensions" not in str(error):
            raise
        import datasets

        builder = datasets.load_dataset_builder(source, config_name, revision=revision, cache_dir=cache_dir)
        _refuse_metadata_of_two_types(source, builder.config.data_files or {})
        raise


def _refuse_metadata_of_two_types(root: Path | str, data_files: dict) -> None:
    """datasets' videofolder reads the metadata files of all splits in one format: a `metadata.csv` in `train/` beside
    a `metadata.jsonl` in `test/` (tables written by two tools) ended in its bare `ValueError: Found metadata files
    with different extensions`, naming no file. Refused naming one file of each type (by its path in the folder, or
    in the Hub repo `root`)."""
    by_type: dict[str, str] = {}
    for file in sorted(str(file) for files in data_files.values() for file in files):
        if os.path.basename(file) in _METADATA_FILES:
            where = shard_name(file, str(root) if Path(root).is_dir() else None)
            by_type.setdefault(os.path.splitext(file)[1], where)
    if len(by_type) > 1:
        raise DatasetFormatError(
            f"--dataset_format hub: {root} holds metadata files of {len(by_type)} types "
            f"({', '.join(by_type.values())}), and datasets reads every split's metadata in one type; write them all "
            f"as one of {', '.join(sorted(by_type))}"
        )


def _refuse_metadata_naming_no_file(files: Sequence[Path]) -> None:
    """A videofolder `metadata.csv` / `metadata.jsonl` without a `file_name` column (datasets' rule: `file_name`,
    `*_file_name`, `file_names` or `*_file_names`) is refused naming the file and the columns it has. `datasets`
    said only that `file_name` "must be present", naming no file, also where it is: in a `metadata.csv` written with
    `;` or tabs between its fields (what Excel writes in much of Europe), read as one column `file_name;label`."""
    for path in files:
        if path.name not in ("metadata.csv", "metadata.jsonl"):
            continue
        columns = _metadata_columns(path)
        if any(re.fullmatch(r"(?:.*_)?file_names?", str(column)) for column in columns):
            continue
        separator = next(
            (name for mark, name in ((";", "';'"), ("\t", "tabs")) if any(mark in str(c) for c in columns)), None
        )
        why = (
            f"; its fields are separated by {separator}, and datasets reads metadata.csv with commas only"
            if separator is not None and path.suffix == ".csv" and any("file_name" in str(c) for c in columns)
            else "; datasets finds each row's clip by a 'file_name' column (or '<name>_file_name')"
        )
        raise DatasetFormatError(
            f"--dataset_format hub: {path} has no 'file_name' column (its columns: {columns}){why}"
        )


def _label_tables(files: Sequence[Path]) -> list[Path]:
    """The tables among `files` that look like a data set's label lists: named by a split (`train.csv`,
    `val.jsonl`) or with a label column (`label`, `labels`...). `datasets`' own `metadata.*` files are not among them
    (its videofolder reads those)."""
    found = []
    for path in files:
        if path.suffix.lower() not in _TABLE_SUFFIXES or path.name in _METADATA_FILES:
            continue
        if _split_named_by(path.stem) is None:
            try:
                columns = _metadata_columns(path) if path.suffix.lower() in (".csv", ".jsonl") else []
            except (ValueError, UnicodeDecodeError):
                columns = []
            if not set(columns) & set(_LABEL_COLUMNS):
                continue
        found.append(path)
    return found


def _refuse_ignored_tables(root: Path, tables: Sequence[Path], data_files) -> None:
    """`datasets` finds splits by folder name before file name: a folder whose clips lie in split-named folders
    (`videos/train/cam1/`) is a videofolder to it, whatever tables beside them give the labels (`train.csv`). The
    tables were never read and the folders the clips are in (cameras, dates) became the classes, without a word."""
    listed = {os.path.normpath(str(file)) for files in data_files.values() for file in files}
    ignored = [path.relative_to(root).as_posix() for path in tables if os.path.normpath(str(path)) not in listed]
    if not ignored:
        return
    classes = sorted({Path(str(file)).parent.name for files in data_files.values() for file in files})
    named = [(_split_named_by(Path(name).stem), name) for name in ignored]
    configs = ", ".join(f"{{split: {split}, path: {name}}}" for split, name in named if split is not None)
    raise DatasetFormatError(
        f"--dataset_format hub: datasets reads {root} by its split folders, as a videofolder, and would ignore the "
        f"tables {quoted(ignored)} and take the folders the clips are in for the classes ({quoted(classes)}); to "
        "read the labels from the tables, name them in a README.md at the top of the folder, a YAML header "
        f"`configs: [{{config_name: default, data_files: [{configs or '{split: train, path: <table>}'}]}}]` between "
        "`---` lines (or, if the folders are the classes, move the tables out)"
    )


def _card_declares_configs(root: Path) -> bool:
    """Whether the folder's README.md names its files itself (a `configs:` YAML header): its splits are then the
    card's, not `datasets`' split patterns."""
    card = root / "README.md"
    try:
        text = card.read_text(encoding="utf-8", errors="replace") if card.is_file() else ""
    except OSError:
        return False
    return text.startswith("---") and re.search(r"^configs:", text, re.MULTILINE) is not None


def _refuse_split_words_in_class_names(root: Path, data_files) -> None:
    """`datasets` finds a folder's splits by patterns (`**/*[-._ 0-9]dev/**`, `**/test[-._ 0-9]*/**`...) matched
    against every folder of a clip's path, the class folder too: clips of a class named `board dev`, `crash_test`,
    `test_tube` or `training_wheels` were put in another split than their split folder's, some in two splits, and a
    `test` split was made of training clips, without a word (training clips scored). Each clip's split is compared
    with the one its split folders name (`_place_of`, as `--dataset_format videofolder` reads it)."""
    splits_of: dict[str, list[str]] = {}
    for split, files in data_files.items():
        for file in files:
            path = Path(str(file))
            if "://" in str(file) or path.suffix.lower() not in VIDEO_EXTENSIONS:
                continue
            try:
                relative = Path(os.path.abspath(path)).relative_to(os.path.abspath(root))
            except ValueError:
                continue
            splits_of.setdefault(relative.as_posix(), []).append(_SPLIT_ALIASES.get(str(split), str(split)))
    misread = {}
    for relative, splits in splits_of.items():
        place = _place_of(Path(relative))
        if len(splits) > 1 or splits[0] != place.split:
            misread[relative] = splits
    if not misread:
        return
    folders = sorted({Path(relative).parent.as_posix() for relative in misread})
    examples = [
        f"'{relative}' ({splits[0] + ' twice' if len(set(splits)) == 1 and len(splits) > 1 else ' and '.join(splits)})"
        for relative, splits in list(misread.items())[:3]
    ]
    raise DatasetFormatError(
        f"--dataset_format hub: datasets' split patterns match split words in the names of folders of {root} that "
        f"are not split folders ({quoted(folders)}) and would put {len(misread)} clip(s) in another split than their "
        f"split folder's or in two splits (training clips would be scored), e.g. {', '.join(examples)}; read these "
        "class folders with --dataset_format videofolder (which takes the split from the split folders), or rename "
        "them"
    )


def _below_a_link(root: Path, folder: Path) -> bool:
    """Whether `folder` (below `root`) is, or lies in, a symlinked folder."""
    for part in folder.relative_to(root).parts:
        root = root / part
        if root.is_symlink():
            return True
    return False


def _labelled_splits(loaded, label_column: str, feature) -> dict:
    """Splits whose every row has a label. A split with none (a Hub test split, labels `None` or `ClassLabel`'s
    -1, "no label") is left out, so it is never the evaluation split; a split labelled only in part is refused,
    naming the first unlabelled row."""
    import datasets

    kept = {}
    for split, dataset in loaded.items():
        values = arrow_label_values(dataset.with_format("arrow"), label_column)
        several = next((value for value in values if isinstance(value, (list, tuple, dict))), None)
        if several is not None:
            raise DatasetFormatError(
                f"--dataset_format hub: {label_column!r} of split {split!r} holds {several!r}, not one class per clip "
                "(several labels per clip are not supported); name another column with --label_column"
            )
        if is_labelled_split(split, values, label_column, isinstance(feature, datasets.ClassLabel)):
            kept[split] = dataset
    if not kept:
        raise DatasetFormatError(f"--dataset_format hub: no split has labels in {label_column!r}")
    return kept


def _refuse_unfinished_shards(root: Path) -> None:
    """The folder of a shard writer that was interrupted (`shard.UNFINISHED` in it) holds whole tars of a part of the
    data set: `datasets` read them as the whole, without a word."""
    from .shard import UNFINISHED

    if (root / UNFINISHED).is_file():
        raise DatasetFormatError(
            f"--dataset_format hub: {root} holds the shards of a `python -m vivit_hf.training.data.shard` run that did "
            f"not finish ({UNFINISHED}), a part of the data set: run it again (it starts over), or delete {root}"
        )


def _refuse_cut_tars(root: Path, others: Sequence[Path]) -> None:
    """A local `.tar` cut short (a copy, download or upload that stopped mid-file) is refused in one line naming it,
    whole and streamed: `datasets` stopped in a `tarfile.ReadError: unexpected end of data` traceback naming no file
    (streamed, once its label column was read). Only the member headers are read, as the streamed shard count
    reads them anyway (`streaming._tar_samples`)."""
    import tarfile

    for path in sorted(path for path in others if path.name.lower().endswith(".tar") and not _dangling(path)):
        try:
            with tarfile.open(path) as tar:
                for _ in tar:
                    pass
        except tarfile.TarError as error:
            raise DatasetFormatError(
                f"--dataset_format hub: {path.relative_to(root).as_posix()} in {root} is not a whole tar ({error}): "
                "copy it again, or write the shards again"
            ) from None


def _refuse_a_packed_folder(root: Path, others: Sequence[Path]) -> None:
    """A `hub` folder holding no clip and no table, only archives (`videos.zip` of the class folders): `datasets`
    reads a zip's clips as a videofolder and took the folder the zip is in for their class (a traceback, "Invalid
    string class label"), and a tar of class folders for WebDataset shards without labels. It is refused in one line
    saying to unpack it. WebDataset tar shards (a clip and its label member under one key) are read as they are."""
    if any(path.suffix.lower() in _TABLE_SUFFIXES for path in others):
        return
    archives = [path for path in others if path.name.lower().endswith(_ARCHIVE_SUFFIXES) and not _dangling(path)]
    if not archives or any(_is_webdataset_shard(path) for path in archives):
        return
    shown = [path.relative_to(root).as_posix() for path in archives]
    raise DatasetFormatError(
        f"--dataset_format hub: {root} holds no clip and no table, only the archive(s) {quoted(shown)}; unpack it "
        f"(e.g. `{_unpack_command(archives[0])}`) and give the folder it unpacks to (archives are extracted only "
        "from Hub data set repos)"
    )


def _is_webdataset_shard(path: Path, members: int = 64) -> bool:
    """Whether a tar's first `members` members hold two files under one key (WebDataset's `<key>.mp4` beside
    `<key>.cls`; the shard tool's `<key>.video` for clips in mixed containers): what `datasets` reads as samples,
    where a tar of class folders holds one file per key. Only the headers are read."""
    import tarfile

    if not tarfile.is_tarfile(path):
        return False
    files: dict[str, int] = {}
    with tarfile.open(path) as tar:
        for _, member in zip(range(members), tar):
            folder, _, name = member.name.rpartition("/")
            if not member.isfile() or "." not in name:
                continue
            key = f"{folder}/{name.partition('.')[0]}"  # datasets' key ends at the first dot (`clip.001.mp4`: `clip`)
            files[key] = files.get(key, 0) + 1
    return any(count >= 2 for count in files.values())
