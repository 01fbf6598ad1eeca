# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Which columns of a `datasets` repo hold the video and the label (`hub_columns`), and its classes: a `ClassLabel`'s
names, the data card's `ClassLabel` where `datasets` loaded another (`card_class_label`, `card_order_of_classes`),
names given beside integer labels (`names_beside_ids`), and splits or tables that number the classes their own way,
read by name (`saved_class_label_map`, `class_label_map`).
"""

from __future__ import annotations

import contextlib
import csv
import json
import logging
import re
from collections.abc import Sequence
from pathlib import Path

from .examples import DatasetFormatError, quoted
from .folders import (
    VIDEO_EXTENSIONS,
    files_below,
)
from .hub_files import file_name, is_frame_list, is_saved_to_disk
from .hub_ids import webdataset_member
from .labels import (
    LABEL_COLUMNS,
    LABEL_FIELDS,
    as_integer,
    class_id,
    is_labelled_split,
    label_name,
    label_vocabulary,
)
from .videofolder import METADATA_FILES

# The adapters' one logger, named as before they were split out of `formats.py`: a level or filter a user set on
# it still applies to every adapter.
logger = logging.getLogger("vivit_hf.training.data.formats")


def hub_columns(
    features, video_column: str | None, label_column: str | None, source: str, config_name: str | None = None
) -> tuple[str, str]:
    """The video column (a `datasets.Video` feature, else a path-like name) and the label column of a `datasets`
    table. A label inside a struct (a WebDataset `<key>.json` with a `label` field) is named `json.label`."""
    import datasets

    if video_column is None:
        videos = [c for c, f in features.items() if isinstance(f, datasets.Video)]
        named = [c for c in ("video", "video_path", "path", "file") if c in features]
        # WebDataset samples whose clips are members of several types (`<key>.mp4`, `<key>.webm`): a column each, the
        # others None in every row, and the first taken left every sample of another type out as giving no video.
        # (not an image to `datasets`, a `<key>.gif` beside a Video column: the clip's preview, in the same samples)
        members = [c for c in features if f".{member_extension(c)}" in VIDEO_EXTENSIONS]
        members = [c for c in members if not (videos and isinstance(features[c], datasets.Image))]
        members = list(dict.fromkeys(videos + members)) if "__key__" in features else []
        if len({member_extension(c) for c in members}) > 1 and not set(named) & set(members):
            raise DatasetFormatError(
                f"--dataset_format hub: {source} has WebDataset clip members of several types, {members}: "
                "datasets reads each as a column of its own, so a sample's clip is in one of them and the others "
                "are None; give every sample's clip one member name ('<key>.video', as the shard tool writes clips "
                "of mixed containers), or name one column with --video_column to read only the samples that have it"
            )
        if len(videos) > 1 and not set(named) & set(videos):  # `rgb` beside `flow`: the first was taken
            raise DatasetFormatError(
                f"--dataset_format hub: {source} has several Video columns, {videos}; name the one to read with "
                f"--video_column{_layout_hint(features, None)}"
            )
        video_column = next((c for c in named if c in videos), videos[0] if videos else None)
        video_column = video_column or next(iter(named), None)
        # A video stored as its frames, a list of images (`Sequence(Image())`): refused as no video column, and named
        # with --video_column its every frame was the clip (`dataset.sampled_as_a_file` samples it now). After a
        # column named as a video: a list of a clip's keyframes or thumbnails beside its `video_path` is not the clip
        # (taken before it, every row's thumbnails would be its video)
        video_column = video_column or _only(c for c, f in features.items() if is_frame_list(f))
        # A WebDataset member whose extension `datasets` does not decode as video (`<key>.webm`): raw bytes.
        video_column = video_column or _only(c for c in features if f".{member_extension(c)}" in VIDEO_EXTENSIONS)
    if label_column is None:
        label_column = _label_column_by_type_and_name(features, source)
        # WebDataset multi-part extensions: `<key>.label.cls` is the column `label.cls`.
        label_column = label_column or _only(c for c in features if "." in c and member_extension(c) in ("cls", "txt"))
        # A WebDataset member's extension in capitals (`<key>.CLS`, a column `CLS`): datasets decodes it by its lower
        # case, as `.cls`, and it was found only with --label_column.
        label_column = label_column or webdataset_member(features, LABEL_COLUMNS)
    if label_column is None:
        for column, fields in features.items():  # a field of a struct column (a WebDataset `.json`'s `label`)
            if isinstance(fields, dict):
                _refuse_two_label_columns(fields, f"{source} (its {column!r} fields)", f"{column}.")
        label_column = next(
            (
                f"{c}.{field}"
                for c, f in features.items()
                if isinstance(f, dict)
                for field in (*(id_and_name_columns(f) or ())[:1], *LABEL_FIELDS)
                if field in f
            ),
            None,
        )
    if video_column not in features or label_column is None or label_feature(features, label_column) is None:
        raise DatasetFormatError(
            f"--dataset_format hub: need a video column and a label column in {source}; found columns "
            f"{list(features)} (video={video_column!r}, label={label_column!r}); name them with "
            f"--video_column / --label_column{_layout_hint(features, video_column, source, config_name)}"
        )
    return video_column, label_column


def _drops_labels(card: Path, config_name: str | None) -> str | None:
    """The name of the card's configuration read (`config_name`, else the one `datasets` takes by default) where it
    sets `drop_labels: true`, else None. The card's text was searched whole: a `drop_labels: true` of another
    configuration (`raw` beside `default`) was named as the reason the folders gave no class. Named as `datasets`
    names it (a card's only configuration `main` is its default), not as 'default'."""
    from datasets.utils.metadata import MetadataConfigs
    from huggingface_hub import DatasetCard

    try:
        configs = MetadataConfigs.from_dataset_card_data(DatasetCard.load(card).data)
    except Exception:  # noqa: BLE001 - a card datasets cannot read either: no reason from it
        return None
    name = config_name or configs.get_default_config_name() or "default"
    return name if configs.get(name, {}).get("drop_labels") is True else None


def columns_read(
    features, video_column: str | None, label_column: str | None, source: str, config_name: str | None = None
) -> tuple[dict, dict]:
    """`hub_columns`' video and label columns by their flags' names (`VideoClassificationData.columns`), and those it
    reads with each flag left out (`.detected_columns`; None where it then reads none: two Video columns, say)."""
    names = ("video_column", "label_column")
    read = dict(zip(names, hub_columns(features, video_column, label_column, source, config_name)))
    detected = dict(read)
    for i, (name, typed) in enumerate(zip(names, (video_column, label_column))):
        if typed is not None:
            try:
                detected[name] = hub_columns(features, **{**read, name: None}, source=source)[i]
            except DatasetFormatError:
                detected[name] = None
    return read, detected


def _label_column_by_type_and_name(features, source: str) -> str | None:
    """The label column a table names by its type (`ClassLabel`) or its name (`LABEL_COLUMNS`), where those agree: a
    `ClassLabel` column of a label's name, else the one `ClassLabel` column where no column has a label's name,
    else the first column of a label's name. A table whose `ClassLabel` columns are several, none named as a label,
    or one beside a column named as a label (`camera` beside `label`) is refused, naming them: taking the first
    `ClassLabel` column, a `camera` or `source` column before `label` would be trained on."""
    import datasets

    class_labels = [c for c, f in features.items() if isinstance(f, datasets.ClassLabel)]
    named = [c for c in LABEL_COLUMNS if c in features]
    # `label` beside `labels` or `class`, each a class per row: the ClassLabel one, or `label`, was taken without a
    # word, so a table of `label` (the classes meant) and a `labels` ClassLabel of something else trained on the
    # latter, and one of `class` (the action) beside a `label` of something else (a quality mark) on the mark. (A
    # `labels` list beside `label`, a multi-label column, is no second label: it is left aside.)
    _refuse_two_label_columns(features, source)
    chosen = next((c for c in named if c in class_labels), None)
    if chosen is not None or not class_labels:
        return chosen or next(iter(id_and_name_columns(features) or named), None)
    if len(class_labels) == 1 and not named:
        return class_labels[0]
    raise DatasetFormatError(
        f"--dataset_format hub: which column of {source} holds the label is unclear: the ClassLabel columns "
        f"{class_labels}" + (f" and the column(s) named as a label {named}" if named else "") + "; name it with "
        "--label_column"
    )


def _refuse_two_label_columns(features, source: str, prefix: str = "") -> None:
    """Refuses two of `label`, `labels` and `class` that each give every row a class (columns, or the fields of a
    struct column, named `prefix`<field> with --label_column), naming both: taking one would be a guess."""
    both = _class_columns(features)
    if len(both) > 1 and id_and_name_columns(features) is None:
        raise DatasetFormatError(
            f"--dataset_format hub: which column of {source} holds the label is unclear: "
            f"{quoted([prefix + c for c in both])} each give every row a class ("
            + ", ".join(f"{prefix}{c}: {_feature_words(features[c])}" for c in both)
            + "); name the one to train on with --label_column"
        )


def _class_columns(features) -> list[str]:
    """Those of `label`, `labels` and `class` that may give every row a class (`_one_class_a_row`)."""
    return [c for c in ("label", "labels", "class") if c in features and _one_class_a_row(features[c])]


def id_and_name_columns(features) -> tuple[str, str] | None:
    """`(ids column, names column)` where two of `label`, `labels` and `class` give every row a class, one as integers
    and the other as text (a metadata.csv of `label` 0, 1 beside `class` zebra, ant): ids and their names, as a
    `ClassLabel` holds them, where they pair one to one (`unpaired_row`). Refused as two label columns, either flag
    would lose the data set's numbering: '0', '1' for names, or the names renumbered alphabetically."""
    import datasets

    both = _class_columns(features)
    kinds = [getattr(features[c], "dtype", "") if isinstance(features[c], datasets.Value) else "" for c in both]
    integer = [c for c, kind in zip(both, kinds) if kind.startswith(("int", "uint"))]
    text = [c for c, kind in zip(both, kinds) if kind in ("string", "large_string")]
    return (integer[0], text[0]) if len(both) == 2 and len(integer) == len(text) == 1 else None


def label_id_and_name_columns(features, label_column: str) -> tuple[str, str] | None:
    """`id_and_name_columns` of the table, or of the struct column `label_column` is a field of (a WebDataset `.json`
    of an integer `label` beside a `class` name: `json.label`, `json.class`), named as --label_column names them."""
    column, dot, _ = label_column.partition(".")
    if label_column in features or not dot or not isinstance(features.get(column), dict):
        return id_and_name_columns(features)
    paired = id_and_name_columns(features[column])
    return None if paired is None else (f"{column}.{paired[0]}", f"{column}.{paired[1]}")


class ValuesOfSplits(list):
    """Every row's value of a column over the splits, one after the other, and each split's name and row count
    (`splits`), by which `row_words` names a row."""

    def __init__(self, per_split: dict[str, list]):
        super().__init__(value for values in per_split.values() for value in values)
        self.splits = [(split, len(values)) for split, values in per_split.items()]


def row_words(values: Sequence, row: int) -> str:
    """Row `row` of `values` in words: its split's row where they are a `ValuesOfSplits` of several splits (`row
    1034` was the test split's row 34, counted over train's 1000 rows first), else `row <row>`."""
    splits = getattr(values, "splits", None)
    for split, count in splits if splits is not None and len(splits) > 1 else ():
        if row < count:
            return f"split {split!r} row {row}"
        row -= count
    return f"row {row}"


def unpaired_row(ids: Sequence, names: Sequence, columns: tuple[str, str]) -> str | None:
    """Where integer `ids` and text `names` (every row's value of `columns`, in one row order) do not pair one to one,
    the first row that breaks it and the earlier one it disagrees with, in words (`row_words`: by split, where `ids`
    say them); else None. Rows without an id or a name are left aside (`is_labelled_split` rules on them)."""
    first_of_id: dict[int, int] = {}
    first_of_name: dict[str, int] = {}
    pairs = [(class_id(i), None if n is None or not str(n).strip() else label_name(n)) for i, n in zip(ids, names)]
    for row, (i, name) in enumerate(pairs):
        if i is None or name is None:
            continue
        earlier = first_of_id.setdefault(i, row)
        if pairs[earlier][1] == name:  # the id pairs with its name so far: does the name pair with its id?
            earlier = first_of_name.setdefault(name, row)
        if pairs[earlier] != (i, name):
            (id_column, name_column), (j, other) = columns, pairs[earlier]
            return (
                f"{row_words(ids, row)}: {id_column} {i} beside {name_column} {name!r}, where "
                f"{row_words(ids, earlier)} gives {id_column} {j} beside {name_column} {other!r}"
            )
    return None


def ids_beside_names(names: list[str], label_map: dict, features, label_column: str, values_of) -> tuple[list, dict]:
    """`names` and `label_map` of a text label column (`--label_column class`) renumbered by the integer ids beside
    it (`id_and_name_columns`), where they pair one to one and are ids >= 0 (`names[i]` is id i's name, an id no row
    uses keeps its number, as `label_vocabulary` keeps it): numbered alphabetically, `zebra` was class 1 where the
    data set says 0. Unchanged otherwise (the ids column is then something else)."""
    paired = label_id_and_name_columns(features, label_column)
    if paired is None or paired[1] != label_column:
        return names, label_map
    ids, texts = values_of(paired[0]), values_of(label_column)
    by_name = {label_name(t): class_id(i) for i, t in zip(ids, texts) if class_id(i) is not None and t is not None}
    if not by_name or min(by_name.values()) < 0 or set(names) - set(by_name) or unpaired_row(ids, texts, paired):
        return names, label_map
    numbered, _ = label_vocabulary(list(by_name.values()), "hub", paired[0])  # as read by ids: a gap warned of
    for name, i in by_name.items():
        numbered[i] = name
    return numbered, {value: by_name[names[i]] for value, i in (label_map or {}).items()}


def _one_class_a_row(feature) -> bool:
    """Whether a column's feature may give each row one class: a `ClassLabel`, or a value of text, integers, floats
    (class ids in a CSV column with an empty cell, which pandas reads as floats: `class_id` takes `3.0` as 3) or
    booleans (a two-class column of True / False). Floats and booleans count: left out, a `labels` of ids read as
    floats beside a `label` of something else would train on `label`."""
    import datasets

    return isinstance(feature, datasets.ClassLabel) or (
        isinstance(feature, datasets.Value)
        and (feature.dtype in ("string", "large_string", "bool") or feature.dtype.startswith(("int", "uint", "float")))
    )


def _feature_words(feature) -> str:
    """A label column's feature as a message names it: `ClassLabel ['indoor', 'outdoor']`, or its value type."""
    names = getattr(feature, "names", None)
    return f"ClassLabel [{quoted(names, 3)}]" if names else getattr(feature, "dtype", type(feature).__name__)


def member_extension(column: str) -> str:
    return column.rsplit(".", 1)[-1].lower()


def _only(candidates):
    """The one candidate, else None: two look-alike columns are a guess the user must settle with a flag."""
    found = list(dict.fromkeys(candidates))
    return found[0] if len(found) == 1 else None


def _layout_hint(features, video_column, source: str | None = None, config_name: str | None = None) -> str:
    """Why the usual layouts gave no label column, where the columns (or a local folder's metadata files) tell."""
    dotted = [c for c in features if "." in c and f".{member_extension(c)}" in VIDEO_EXTENSIONS]
    if dotted:
        return (
            f". WebDataset keys end at a member's first dot, so members like '<key>.{dotted[0]}' gave the column "
            f"{dotted[0]!r}: keys must not contain dots (multi-part extensions like '<key>.video.mp4' are fine)"
        )
    card = Path(source, "README.md") if source is not None and Path(source).is_dir() else None
    only_video = list(features) == [video_column]
    if only_video and card is not None and card.is_file() and (dropping := _drops_labels(card, config_name)):
        return (  # the card's own setting, where the rule below would send the user looking at the folders
            f". Its card's configuration {dropping!r} sets drop_labels: true, so datasets' "
            "videofolder names no class after the folders; remove it, or read <class>/<clip> folders with "
            "--dataset_format videofolder"
        )
    if only_video:
        return (
            ". datasets' videofolder names the classes after the folders only when there are two or more, all at "
            "the same depth, and no metadata.csv / metadata.jsonl gives a label; --dataset_format videofolder reads "
            "<class>/<clip> folders itself"
        )
    # Class folders beside a metadata file of other columns (a caption, a duration): `datasets`' videofolder takes no
    # class from the folders where a metadata file is there, so the folders' classes were "no label column" alone.
    others = [c for c in features if c != video_column]
    metadata = [] if source is None or not Path(source).is_dir() else files_below(Path(source))[1]
    metadata = [f for f in metadata if f.name in METADATA_FILES]
    if video_column in features and others and metadata:
        return (
            f". datasets' videofolder names no class after the folders where a metadata file is beside the clips "
            f"({metadata[0].relative_to(source).as_posix()}, giving {quoted(others, 3)}): give each row its class "
            "in a 'label' column, or read <class>/<clip> folders with --dataset_format videofolder"
        )
    return ""


def text_label(value):
    """A label read from a text member (WebDataset's `<key>.txt`, a `txt` column) without its surrounding blanks:
    `datasets` (as the webdataset library) decodes the member's bytes as they are, so the newline that ends a text
    file (`echo cat > k.txt`, an editor's save) made `'cat\\n'` a class apart from `'cat'` (only a warning where both
    occur, none where every member ends so, and a model whose class `'cat\\n'` no other data set names). A `.cls`
    member is an integer (`int` reads it, blanks and all); a `.json` field's text is kept as written."""
    return value.strip() if isinstance(value, str) else value


def label_feature(features, label_column: str):
    """The feature of `label_column` (`json.label`: the field `label` of the struct column `json`), else None."""
    if label_column in features:
        return features[label_column]
    column, _, field = label_column.partition(".")
    if field and isinstance(features.get(column), dict):
        return features[column].get(field)
    return None


def label_value(row: dict, label_column: str):
    """A row's raw label (`json.label` reads the struct column `json`; a `txt` column's text `text_label` strips)."""
    if label_column in row:
        return text_label(row[label_column]) if member_extension(label_column) == "txt" else row[label_column]
    column, _, field = label_column.partition(".")
    return row[column][field]


def arrow_label_values(table, label_column: str) -> list:
    """Every raw label of an Arrow table's label column (a struct's field too), without reading the videos."""
    values = arrow_label_column(table, label_column).to_pylist()
    return [text_label(v) for v in values] if member_extension(label_column) == "txt" else values


def arrow_label_column(table, label_column: str):
    """An Arrow table's label column (a struct's field too), as Arrow."""
    if label_column in table.column_names:
        return table[label_column]
    import pyarrow.compute as pc

    column, _, field = label_column.partition(".")
    return pc.struct_field(table[column], field)


def hub_label_names(
    feature, values_of_all_splits, fmt: str = "hub", label_column: str | None = None
) -> tuple[list[str], dict | None]:
    """Class names and the map raw value -> id: a `ClassLabel`'s names (its values are the ids already), else
    `label_vocabulary` of the values (integers keep their ids). A `ClassLabel` whose names are one name written
    composed and decomposed (datasets' videofolder names a class by each split's folder) gets them as one class."""
    import datasets

    if isinstance(feature, datasets.ClassLabel):
        names = [label_name(name) for name in feature.names]
        unique = list(dict.fromkeys(names))
        return unique, None if len(unique) == len(names) else {i: unique.index(name) for i, name in enumerate(names)}
    return label_vocabulary(values_of_all_splits(), fmt, label_column)


def warn_csv_integers_read_without_their_zeros(source: str, label_column: str, names: list[str]) -> None:
    """Warn where a local folder's CSV tables write integer labels with a leading zero or sign (`001`, `010`) that
    `datasets` read as the integers 1 and 10 (it reads a CSV with pandas), so they are class ids here, while the same
    labels as text (a `metadata.jsonl`, class folders `001/`) are class names, `label_vocabulary`'s rule: the one data
    set gets other classes in another layout (3 named ones against the ids 0..10), and a model fine-tuned on one is
    refused by evaluate.py on the other, which the warning explains. `names`: the classes read (`"0", "1", ...` for
    ids)."""
    if not names or any(name != str(i) for i, name in enumerate(names)) or not Path(source).is_dir():
        return
    for table in files_below(Path(source))[1]:
        if table.suffix.lower() != ".csv":
            continue
        with (
            contextlib.suppress(OSError, UnicodeDecodeError, csv.Error),
            open(table, newline="", encoding="utf-8-sig") as f,
        ):
            rows = csv.DictReader(f)
            if label_column not in (rows.fieldnames or ()):
                continue
            written = {
                value.strip(): None
                for row in rows
                if isinstance(value := row.get(label_column), str)
                and as_integer(value) is not None
                and value.strip() != str(as_integer(value))
            }
            if written:
                logger.warning(
                    "%s writes the labels %s with a leading zero or sign, which datasets reads as the integers %s "
                    "(a CSV is read with pandas): they are class ids here (%d outputs), where the same labels as text "
                    "(class folders, a metadata.jsonl) are class names; to keep them names, write the table as "
                    "%s with the labels quoted",
                    table,
                    quoted(list(written)),
                    quoted([str(as_integer(value)) for value in written]),
                    len(names),
                    # (its own name: metadata.jsonl is a videofolder's; a folder of tables' train.csv is train.jsonl)
                    table.with_suffix(".jsonl").name,
                )
                return


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
    return card_label_feature(source, config_name, revision, label_column)


def card_order_of_classes(source: str, config_name, revision, feature, label_column: str) -> tuple | None:
    """The data card's class names and `{loaded class id: the card's id}` where `datasets` loaded a `ClassLabel` of
    its own making that the card's contradicts, else None. Its videofolder names class folders (`train/dog/x.mp4`)
    in sorted order whatever the card says: a card of `dog, cat` gave `cat` id 0, and a head whose ids follow the
    card scored every clip as the other class. The card's names and order are taken, as for a metadata file; a
    folder whose class the card lacks is refused naming it."""
    import datasets

    if not isinstance(feature, datasets.ClassLabel) or is_saved_to_disk(source):
        return None
    card = card_label_feature(source, config_name, revision, label_column)
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


def card_label_feature(source: str, config_name, revision, label_column: str):
    """The data card's (README.md's `dataset_info.features`) feature of `label_column` where it is a `ClassLabel`,
    else None."""
    if Path(source).is_dir() and not (Path(source) / "README.md").is_file():
        # no card: a run on a local folder (the usual videofolder) paid `import datasets`, 1.5 s, for nothing
        return None
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
            i = as_integer(value) if i is None else i
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

    for path in (path for path in files_below(Path(source))[1] if path.name in METADATA_FILES):
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
    # A WebDataset sample's `<key>.cls` (the class id) beside its `<key>.txt` (the class name, as webdataset's
    # ImageNet-style shards write both): `.cls` is read first (`LABEL_COLUMNS`), and the names in `.txt` were left
    # unread, the model's classes "0", "1" (its id2label) where the data named them.
    text = f"{label_column[: -len('cls')]}txt" if member_extension(label_column) == "cls" else None
    texts = [c for c in features if c.lower() == text.lower()] if text and "__key__" in features else []
    prefix, dot, base = label_column.rpartition(".")
    fields = features.get(prefix) if prefix else features
    if not isinstance(fields, dict) and not hasattr(fields, "keys"):
        return texts
    wanted = (f"{base}_name", f"{base}_text", "label_name", "label_text", "class_name", "category_name")
    found = [f"{prefix}{dot}{name}" for name in dict.fromkeys(wanted) if name in fields]
    paired = label_id_and_name_columns(features, label_column)  # `label` ids beside a `class` of names
    found += [paired[1]] if paired is not None and paired[0] == label_column else []
    # A WebDataset sample's `<key>.cls` (the class id) beside its `<key>.json`, which names the class: the shard
    # tool writes `label` there (its card names the classes; shards copied without it were read as "0".."N").
    meta = webdataset_member(features, ("json",)) if member_extension(label_column) == "cls" else None
    attached = features.get(meta) if meta else None
    if isinstance(attached, dict):
        names = [field for field in (*wanted[2:], "label") if field in attached]
        strings = ("string", "large_string")
        found += [f"{meta}.{field}" for field in names if getattr(attached[field], "dtype", None) in strings]
    return found + texts


def column_values(tables: dict, column: str) -> ValuesOfSplits:
    return ValuesOfSplits({split: arrow_label_values(table, column) for split, table in tables.items()})


def names_beside_ids(
    names: list[str], features, label_column: str, values_of, fmt: str = "hub", source: str | None = None
) -> list[str]:
    """`names` of integer labels (`"0"`, `"1"`, ...) replaced by the names a column beside them gives each id, where
    the data says them; they were lost (id2label "0".."N"). The ids as `label_vocabulary` reads them (`class_id`):
    written as text (`"3"`) or as floats (`3.0`), their names were lost too. `values_of(column)`: every row's value
    of a column, in one row order. A column giving one id two names, or one name two ids, is refused, naming both; a
    WebDataset `<key>.txt` of captions (`txt_of_captions`) names no class and is not read. A text column of a label's
    name (`id_and_name_columns`) that does not pair one to one with the ids is another label: refused as unclear where
    the ids were not named with --label_column (`source` given), left unread where they were."""
    if not names or any(name != str(i) for i, name in enumerate(names)):
        return names
    for column in name_columns(features, label_column):
        paired = (label_column, column) == label_id_and_name_columns(features, label_column)
        if paired and (unpaired := unpaired_row(values_of(label_column), values_of(column), (label_column, column))):
            if source is None:
                continue
            raise DatasetFormatError(
                f"--dataset_format {fmt}: which column of {source} holds the label is unclear: {label_column!r} and "
                f"{column!r} each give every row a class and do not pair one to one as ids and their names "
                f"({unpaired}); name the one to train on with --label_column"
            )
        texts: dict[int, list[str]] = {}
        for value, name in zip(values_of(label_column), values_of(column)):
            if (i := class_id(value)) is not None and name is not None and str(name).strip():
                texts.setdefault(i, []).append(label_name(name))
        captions = txt_of_captions(texts) if member_extension(column) == "txt" else False
        if captions is None:
            i, given = next((i, given) for i, given in texts.items() if len(given) > 1)
            raise DatasetFormatError(
                f"--dataset_format {fmt}: the member {column!r} gives class {i} of {label_column!r} two texts, "
                f"{given[0]!r} and {given[1]!r}, and no other class more than one: too few clips to tell class names "
                "with an entry that disagrees from captions (one a clip); give each class id one name, or name the "
                "classes in the data set's card"
            )
        if captions:
            continue
        for i, given in texts.items():
            if other := next((name for name in given if name != given[0]), None):
                raise DatasetFormatError(
                    f"--dataset_format {fmt}: the column {column!r} names class {i} of {label_column!r} both "
                    f"{given[0]!r} and {other!r}; give each class id one name"
                )
        # One name given two ids made id2label name two classes alike, and label2id keep one of them (datasets'
        # `ClassLabel` refuses duplicated names too): every id has one name here, so a row unpaired names the other id.
        if unpaired := unpaired_row(values_of(label_column), values_of(column), (label_column, column)):
            raise DatasetFormatError(
                f"--dataset_format {fmt}: the column {column!r} gives two classes of {label_column!r} one name "
                f"({unpaired}); give each class id its own name"
            )
        if texts:
            return [texts[i][0] if i in texts else name for i, name in enumerate(names)]
    return names


def txt_of_captions(texts: dict[int, list[str]]) -> bool | None:
    """Whether a WebDataset `<key>.txt` beside `.cls` ids holds captions (one a clip), not class names: most of the
    ids it gives more than one text are given several distinct ones. Reading any id given two texts as captions
    would drop a names file with one wrong entry and use the ids as names; so a few such ids are that names file's
    errors, refused naming both names. None where the data cannot tell: one id given two
    distinct texts and no other id more than one (a tiny set), read as captions, ids as names; where
    that id is given more, captions only if no two of its texts are the same."""
    repeated = [given for given in texts.values() if len(given) > 1]
    differing = [given for given in repeated if len(set(given)) > 1]
    if len(repeated) == 1 and differing:  # one id's texts are all there is to tell by
        if len(repeated[0]) == 2:
            return None
        # one of its texts given twice is a name, not a clip's caption ('cat', 'cat', 'cow' was read as captions)
        return len(set(repeated[0])) == len(repeated[0])
    return 2 * len(differing) > len(repeated)


def saved_class_label_map(feature, names: list[str], split: str) -> dict | None:
    """`{class id in the split: id in names}` where a `save_to_disk` split's own `ClassLabel` names the classes
    otherwise than `names` (the first split's), else None. Each split of a `DatasetDict` keeps its own features:
    splits class-encoded one by one (`class_encode_column` per split) number their classes each their own way, and
    a validation `eel` (its id 1) would be read as the training set's class 1, `dog`. A class the first
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
    another order would have its ids read against the training table's names), else None. A table of a
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
            + "; ".join(f"{file_name(t)}: {quoted(o, 3)}" for t, o in list(orders.items())[:2])
        )
    logger.warning(
        "split %r: its tables (%s) number the classes %s, the data set %s: its labels are read by name",
        split,
        file_name(table),
        quoted(order),
        quoted(names),
    )
    return {i: names.index(name) for i, name in enumerate(order)}


def refuse_several_labels(values, label_column: str, split: str) -> None:
    """Refuse a label column holding lists (or structs) rather than one class per clip, naming the first, read whole
    and streamed (a stream's scan failed in a bare `TypeError: unhashable type: 'list'`). A column `datasets` types
    as lists is read multi-label (`label_list_feature`) and never comes here. Lists of one label each (`["cat"]`)
    are refused too, saying so (they were named as several labels): a list column is `datasets`' type for several
    labels per clip, and one split's lists of one do not make the data set single-label; read as one label, a
    multi-label set would train a single-label head."""
    lists = [value for value in values if isinstance(value, (list, tuple, dict))]
    several = next((value for value in lists if not (isinstance(value, (list, tuple)) and len(value) == 1)), None)
    if lists and several is None:
        raise DatasetFormatError(
            f"--dataset_format hub: {label_column!r} of split {split!r} holds each clip's class in a list of one "
            f"({lists[0]!r}): a list column is several labels per clip to datasets (multi-label). Where "
            "every clip has one class, store it as a value ('cat', not ['cat']), its class names kept: "
            f"dataset.map(lambda row: {{{label_column!r}: row[{label_column!r}][0]}}, features=datasets.Features("
            f"{{**dataset.features, {label_column!r}: dataset.features[{label_column!r}].feature}})); or name another "
            "column with --label_column"
        )  # (`features=`: a map of a list of ClassLabel ids infers int64, its class names lost)
    if several is not None:
        raise DatasetFormatError(
            f"--dataset_format hub: {label_column!r} of split {split!r} holds {several!r}, not one class per clip "
            "(a class per clip, or a list of classes per clip for multi-label); or name another column with "
            "--label_column"
        )


def label_list_feature(feature):
    """The feature of each class of a label column of lists (`datasets`' type for several labels per clip:
    `List(ClassLabel(...))`, `Sequence(ClassLabel(...))`, a `metadata.jsonl`'s `List(Value("string"))`), else None
    (one label per clip). Such a column is read as multi-label (`multi_label_names`)."""
    import datasets

    if isinstance(feature, (datasets.List, datasets.LargeList, datasets.Sequence)):
        inner = feature.feature
        return inner if isinstance(inner, (datasets.ClassLabel, datasets.Value)) else None
    return None


def refuse_rows_not_class_lists(values, label_column: str, split: str, num_classes: int | None = None) -> None:
    """A multi-label row whose list holds None or -1 (no class: a row with no class is an empty list, `[]`),
    refused naming it: it would be a class `None`, or the last class counted from the end. So is a multi-hot vector
    (`[0, 1, 0, 1]`, one 0 / 1 per class: `_multi_hot_vector`), which is no list of classes, and was read as classes
    `0` and `1`: a row of 0s and 1s as long as the `ClassLabel`'s `num_classes` names, or, without one, any in a
    split of 0s and 1s alone. A class named twice otherwise is read once: Charades' actions list a class once per
    interval, and a clip of actions 0 and 1 alone (`[0, 1, 0]`) among others was refused as a vector."""
    length = num_classes
    if num_classes is None:  # (None: a vector of any length; 0: no row is one)
        length = None if all(_zeros_and_ones(value) for value in values if isinstance(value, (list, tuple))) else 0
    for row, value in enumerate(values):
        refuse_not_a_class_list(value, label_column, split, f"row {row}", length)


def refuse_not_a_class_list(value, label_column: str, split: str, row: str, vector_length: int | None = 0) -> None:
    """`refuse_rows_not_class_lists` of one row, named `row` (`"row 3"`; a streamed row of a split whose labels are
    not read before the run, a `List(ClassLabel)` column's, is checked as it is decoded: `"a streamed row"`).
    `vector_length`: the length of a multi-hot vector of the data set (its class count; None: any; 0: it has none)."""
    if value is not None and not isinstance(value, (list, tuple)):
        raise DatasetFormatError(
            f"--dataset_format hub: {label_column!r} of split {split!r} holds lists of classes (multi-label), "
            f"but {row} holds {value!r}: give every row a list ([] for a clip of no class)"
        )
    bad = next((v for v in value or () if v is None or (isinstance(v, int) and v < 0)), "")
    if bad != "":
        raise DatasetFormatError(
            f"--dataset_format hub: {label_column!r} of split {split!r} holds a list with no class in it "
            f"({value!r}, {row}): a multi-label row lists its classes; a clip of none is an empty list, []"
        )
    if _multi_hot_vector(value) and vector_length in (None, len(value)):
        raise DatasetFormatError(
            f"--dataset_format hub: {label_column!r} of split {split!r} holds {value!r} ({row}), 0s and "
            "1s with one repeated: a multi-hot vector (one 0 / 1 per class), not a list of classes, which is how "
            "a multi-label row is read (ids 0 and 1); store the ids of its 1s, or the classes' names"
        )


def _multi_hot_vector(value) -> bool:
    """Whether a multi-label row reads as a multi-hot vector: 0s and 1s alone, one of them repeated (a list of
    classes names each once; with three classes or more, every vector repeats one)."""
    return bool(value) and len(set(value)) < len(value) and _zeros_and_ones(value)


def _zeros_and_ones(value) -> bool:
    return all(v in (0, 1) and not isinstance(v, str) for v in value or ())


def multi_label_names(class_feature, values_of_all_splits, label_column: str) -> tuple[list[str], dict | None]:
    """Class names and the map raw value -> id of a multi-label column, from the union of its lists: a
    `ClassLabel`'s names (its values are ids already), else the values' vocabulary, as a single-label column's
    (`hub_label_names`: names sorted, integers kept as ids)."""
    flat = lambda: [v for value in values_of_all_splits() for v in value or ()]  # noqa: E731
    return hub_label_names(class_feature, flat, label_column=label_column)


def refuse_class_ids_out_of_lists(values_by_split: dict[str, list], class_feature, names, label_column: str) -> None:
    """A `List(ClassLabel)` row holding an id its names lack (`[0, 7]` beside 3 names), refused naming it, as a single
    label's is (`refuse_class_ids_out_of_range`): it would be a class past the model's outputs."""
    import datasets

    if not isinstance(class_feature, datasets.ClassLabel):
        return
    count = class_feature.num_classes
    for split, values in values_by_split.items():
        for row, value in enumerate(values):
            if any(v >= count for v in value or ()):
                raise DatasetFormatError(
                    f"--dataset_format hub: {label_column!r} of split {split!r} holds {value!r} (row {row}), where "
                    f"its ClassLabel names {count} classes ({quoted(list(class_feature.names), 3)}: ids 0-{count - 1})"
                )


def warn_classes_that_look_like_lists(names: Sequence[str], label_column: str) -> None:
    """Class names that read as several classes written in one text cell (`run;swim`, `["run", "swim"]`: a
    `metadata.csv`, whose cells `datasets` reads as text), named in a warning: each is trained as a class of its
    own, single-label. A warning, not a refusal: a class may be named so."""
    joined = [
        name
        for name in names
        if isinstance(name, str)
        and (re.search(r"\S\s*[;|]\s*\S", name) or (name.startswith("[") and name.endswith("]") and "," in name))
    ]
    if joined and len(joined) * 2 >= len(names):  # (most classes: one such name among many is a class named so)
        logger.warning(
            "--dataset_format hub: %d of the %d classes of %r look like several classes in one text (%s): each is "
            "read as one class, single-label. For several classes a clip (multi-label), give the column lists: a "
            "metadata.jsonl with a JSON list per row, or a Sequence(ClassLabel) column (docs/training-and-data.md)",
            len(joined),
            len(names),
            label_column,
            quoted(joined, 3),
        )


def warn_lists_of_one(values_by_split: dict[str, list], label_column: str) -> None:
    """A multi-label column whose every row lists one class: read as multi-label (sigmoid scores), as `datasets`'
    type says, and said, with how to store one class a row where the data set is single-label."""
    if all(len(value or ()) == 1 for values in values_by_split.values() for value in values):
        logger.warning(
            "--dataset_format hub: %r holds a list of classes per clip, each of one class: read as multi-label "
            "(a sigmoid per class, mAP). Where every clip has one class, store it as a value (dataset.map(lambda "
            "row: {%r: row[%r][0]}, features=...)) to train a single-label (softmax) model",
            label_column,
            label_column,
            label_column,
        )


def labelled_splits(loaded, label_column: str, feature) -> dict:
    """Splits whose every row has a label. A split with none (a Hub test split, labels `None` or `ClassLabel`'s
    -1, "no label") is left out, so it is never the evaluation split; a split labelled only in part is refused,
    naming the first unlabelled row."""
    import datasets

    kept = {}
    for split, dataset in loaded.items():
        values = arrow_label_values(dataset.with_format("arrow"), label_column)
        if label_list_feature(feature) is None:
            refuse_several_labels(values, label_column, split)
        else:
            classes = label_list_feature(feature)
            count = classes.num_classes if isinstance(classes, datasets.ClassLabel) else None
            refuse_rows_not_class_lists(values, label_column, split, count)
        if is_labelled_split(split, values, label_column, isinstance(feature, datasets.ClassLabel)):
            kept[split] = dataset
    if not kept:
        raise DatasetFormatError(f"--dataset_format hub: no split has labels in {label_column!r}")
    return kept


def refuse_class_ids_out_of_range(loaded, label_column: str, names: list[str], maps: dict) -> None:
    """Refuses a `ClassLabel` column holding an id its names lack (2 beside names `['a', 'b']`): a parquet or Arrow
    table's features, kept in its schema, are taken as they are (`datasets` checks ids only when it encodes them), so
    such an id was read as a class of the data set, past the model's outputs: torch's "Target 2 is out of bounds" in
    the first training step, or a clip scored against a class the model cannot name. -1 is "no label". Checked
    against each split's own numbering (`maps`: a table or saved split listing its classes in another order, whose
    class the data set lacks is refused by its own rule, naming the class), and named with its split, row and the
    names. Each split's least and greatest id are found by Arrow, as every load of a large table asks (a Python pass
    over a million ids took 0.2 s); the row is looked for only where one is out of range."""
    import pyarrow as pa
    import pyarrow.compute as pc

    for split, dataset in loaded.items():
        own, numbering = names, maps.get(split)
        if numbering is not None and set(numbering) == set(range(len(numbering))):  # the split's ids -> the names'
            own = [names[numbering[i]] for i in range(len(numbering))]
        column, count = arrow_label_column(dataset.with_format("arrow"), label_column), len(own)
        if not pa.types.is_integer(column.type):
            continue
        extremes = pc.min_max(column)
        low, high = extremes["min"].as_py(), extremes["max"].as_py()
        if low is None or (low >= -1 and high < count):
            continue
        row = pc.index(pc.or_(pc.less(column, -1), pc.greater_equal(column, count)), True).as_py()
        raise DatasetFormatError(
            f"--dataset_format hub: {label_column!r} of split {split!r} holds class id {column[row].as_py()} (row "
            f"{row}), where its ClassLabel names {count} classes ({quoted(own, 3)}: ids 0-{count - 1}, -1 for no "
            "label); give each row one of its ids, or add the class to the ClassLabel's names"
        )
