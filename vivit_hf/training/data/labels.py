# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Class names and label ids, numbered alike by every adapter, and the rules for a label that is empty or absent.

Label ids: a data set whose labels are all integers (class folders `0/`, `1/`...; a numeric annotation column)
keeps each integer as its id, so the model's output `i` is the data set's label `i` (sorting them as strings
would put 10 before 2). Named labels are sorted by name; annotation files that give each name an index (SSv2's
`labels.json`, Moments' categories, Epic Kitchens' class files) put each name at its index. A class named by an
empty string is refused, a split without any label is left out and one labelled in part refused; classes that have
no training clip are named.
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections.abc import Sequence

# importable from here as before their rule was shared with the conversion (vivit_hf/label_spellings.py)
from ...label_spellings import float_ids_as_named_now, text_labels_as_read_now  # noqa: F401
from .examples import DatasetFormatError, VideoClassificationData, example_labels, quoted

# The adapters' one logger, named as before they were split out of `formats.py`: a level or filter a user set on
# it still applies to every adapter.
logger = logging.getLogger("vivit_hf.training.data.formats")

_INTEGER = re.compile(r"^[+-]?\d+$")


def as_integer(value) -> int | None:
    """The integer a label stands for (`3`, `"3"`, `3.0`), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) or (hasattr(value, "dtype") and getattr(value.dtype, "kind", "") in "iu"):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INTEGER.match(value.strip()):
        return int(value.strip())
    return None


def label_name(value) -> str:
    """A class's name as the recipes keep and compare it: its text composed (Unicode NFC). macOS writes `über` in a
    folder name decomposed (NFD, `u` + a combining diaeresis), Linux composed: the two print alike and were two classes
    of one data set, or a model's class that its hold-out set did not match."""
    return unicodedata.normalize("NFC", str(value))


def label_vocabulary(values, fmt: str, column: str | None = None) -> tuple[list[str], dict]:
    """Class names (index = id) and a map from each raw label value to its id (`column`: the label column, named
    where its values are refused).

    Labels that are all integers, written as integers are (`2`, `10`, not `02`), keep their integer as id (names
    `str(i)`); ids no label uses stay in the vocabulary under their number, so ids never shift. Other labels are names
    (`label_name`: `über` written composed or decomposed is one class), sorted. Where one is written with a leading
    zero or sign (`02`, `+2`), every label is a name, said in a warning: a folder `02` was class 2 named '02', and
    evaluate.py, which matches a model's classes by name, refused it as a class the model (whose class 2 is '2') did
    not know. One integer written two ways (`7`, `07`) is refused, as are numbers that are not whole
    (`refuse_fractional_labels`).
    """
    distinct = sorted(set(values), key=str)
    refuse_fractional_labels(distinct, fmt, column)
    integers = {value: as_integer(value) for value in distinct}
    if distinct and all(i is not None for i in integers.values()):
        _refuse_one_integer_written_twice(integers, fmt)
    if distinct and all(i is not None and _written_as_integer(v) for v, i in integers.items()):
        negative = sorted(str(v) for v, i in integers.items() if i < 0)
        if negative:
            raise DatasetFormatError(
                f"--dataset_format {fmt}: integer labels are class ids and must be >= 0; found {negative[:5]}"
            )
        by_id = {i: value for value, i in integers.items()}
        refuse_sparse_class_ids(by_id, fmt, f"the label column {column!r}" if column else "the data set", column)
        size = max(by_id) + 1
        if size > len(by_id):
            # The same words for the recipe that trains and the one that evaluates: the data set cannot tell them.
            logger.warning(
                "--dataset_format %s: the labels are integers, kept as class ids; %d of the ids 0..%d have no "
                "clip here: fine-tuned on this data, a model's outputs for them stay untrained; evaluated on it, "
                "its scores are those of the %d classes that have clips (a prediction of another id is wrong)",
                fmt,
                size - len(by_id),
                size - 1,
                len(by_id),
            )
        # `str(i)`, not the value as written: a float column's 0.0, 1.0 (parquet, pandas) were named '0.0', '1.0'
        names = [str(i) for i in range(size)]
        return names, {value: integers[value] for value in distinct}
    names = sorted({label_name(value) for value in distinct})
    if distinct and all(i is not None for i in integers.values()):
        padded = [str(value) for value in distinct if not _written_as_integer(value)]
        logger.warning(
            "--dataset_format %s: the labels %s are written with a leading zero or sign, so all %d labels are class "
            "names, numbered in sorted order (%r is class 0), not class ids; to keep each number as its id, write it "
            "as a number is written (%r)",
            fmt,
            quoted(padded),
            len(names),
            names[0],
            str(as_integer(padded[0])),
        )
    index = {name: i for i, name in enumerate(names)}
    return names, {value: index[label_name(value)] for value in distinct}


# Integer labels keep their number as the class id, so the model gets an output for every id up to the largest. Ids
# spread far and thin are no class ids (a column of codes, dates or hashed ids: `0, 1, 20230115`): a vocabulary of
# 10**7 names took 3 s and gave a classifier of 10**7 outputs, one of 2**40 never finished, after a warning that
# only counted the ids without a clip. Refused past this many ids where fewer than 1 in 100 is used.
SPARSE_CLASS_IDS = 100_000


def refuse_sparse_class_ids(ids, fmt: str, source: str, column: str | None = None) -> None:
    """Refuse integer class `ids` (a collection of the ids used) spread over more than `SPARSE_CLASS_IDS` ids of
    which fewer than 1 in 100 is used, naming `source` (where the ids are), the largest id and what to do (`column`:
    the hub's label column, which another can replace; folders and annotation files have none)."""
    size = max(ids) + 1 if ids else 0
    if size > SPARSE_CLASS_IDS and len(ids) * 100 < size:
        raise DatasetFormatError(
            f"--dataset_format {fmt}: {source} holds integer labels up to {size - 1}, but only {len(ids)} of the ids "
            f"0..{size - 1} are used: kept as class ids, they would give the model {size} outputs. They look like "
            f"codes, not class ids (which count from 0): number the classes 0..{len(ids) - 1}"
            + (
                ", give the classes as names (or a datasets.ClassLabel), or name the class column with --label_column"
                if column
                else " or give the classes as names"
            )
        )


def refuse_fractional_labels(distinct, fmt: str, column: str | None) -> None:
    """Refuse (one line naming the column, a value and what to do) labels that are numbers but not whole (`0.5`,
    `0.25`): a regression target or a probability, not a class (NaN is no label: `has_no_label`). Each distinct
    value would become a class of its own (`'0.5'`, `'1.5'`), read whole and streamed, and a classifier be trained
    on them. Whole floats (`0.0`, `1.0`, as pandas writes integer ids) are ids, as integers are."""
    fractional = [v for v in distinct if isinstance(v, float) and not v.is_integer()]
    if not fractional:
        return
    named = f"the label column {column!r}" if column else "a label"
    raise DatasetFormatError(
        f"--dataset_format {fmt}: {named} holds {fractional[0]!r}, a number that is not a whole class id "
        f"({len(fractional)} of its {len(distinct)} distinct values are not whole: a regression target or "
        "probabilities?), which would make a class of each value; the recipes train classifiers: cast the column "
        "to integer class ids or to a datasets.ClassLabel, or name the class column with --label_column"
    )


def class_id(value) -> int | None:
    """The class id an integer label stands for, as `label_vocabulary` keeps it (`2`, `"2"`, `2.0`), else None (text
    written with a leading zero or sign is a name, `bool` no label)."""
    number = as_integer(value)
    return number if number is not None and _written_as_integer(value) else None


def _written_as_integer(value) -> bool:
    """Whether a label is an integer as Python writes one (`2`, `10`, `-1`; a number, not text, as it is), not text
    that reads as one (`02`, `+2`, ` 2`)."""
    return not isinstance(value, str) or value == str(as_integer(value))


def same_integer_written_otherwise(name: str, names: Sequence[str]) -> str | None:
    """The one of `names` that is the integer `name` reads as, written another way (`'2'` for `'02'`), else None:
    a class a model knows by one spelling and a data set names by the other."""
    number = as_integer(name)
    if number is None:
        return None
    return next((other for other in names if other != name and as_integer(other) == number), None)


def _refuse_one_integer_written_twice(integers: dict, fmt: str) -> None:
    """Refuse labels that are one integer written two ways (`7` and `07`): one class meant, or two? Asked, not
    guessed."""
    by_id: dict[int, object] = {}
    for value, i in integers.items():
        if i in by_id and str(by_id[i]) != str(value):
            raise DatasetFormatError(
                f"--dataset_format {fmt}: labels {str(by_id[i])!r} and {str(value)!r} are "
                f"both class {i}; rename one of them"
            )
        by_id[i] = value


def names_by_index(pairs, fmt: str, source: str) -> list[str]:
    """`(name, index)` pairs of an annotation file -> names listed by index (an unused index keeps its number)."""
    by_id: dict[int, str] = {}
    for name, index in pairs:
        i = as_integer(index)
        if i is None or i < 0:
            raise DatasetFormatError(
                f"--dataset_format {fmt}: {source} gives {name!r} the index {index!r}, not a class id >= 0"
            )
        if i in by_id and by_id[i] != name:
            raise DatasetFormatError(
                f"--dataset_format {fmt}: {source} gives index {i} to both {by_id[i]!r} and {name!r}"
            )
        by_id[i] = name
    refuse_sparse_class_ids(by_id, fmt, source)
    return [by_id.get(i, str(i)) for i in range(max(by_id) + 1 if by_id else 0)]


def unknown_class(fmt: str, name, split: str, source: str) -> DatasetFormatError:
    return DatasetFormatError(
        f"--dataset_format {fmt}: split {split!r} has a clip of class {name!r}, which {source} does not list"
    )


# Label columns found without --label_column, in this order after a `ClassLabel` column: the usual names, then
# WebDataset's per-extension columns (`<key>.cls` holds an integer, `<key>.txt` a name) and fields of its `.json`.
LABEL_COLUMNS = ("label", "labels", "cls", "class", "txt")
LABEL_FIELDS = ("label", "labels", "cls", "class", "category")


def is_labelled_split(split: str, values: Sequence, label_column: str, class_label: bool) -> bool:
    """Whether a split's raw labels `values` label every row: True; False (with a warning) when none has a label, a
    Hub test split left out; refused (DatasetFormatError naming the first unlabelled row) when only some have. No
    label: `None`, NaN, or `ClassLabel`'s -1 (`class_label`). The whole read and `--streaming` apply the same rule."""
    unlabelled = [i for i, value in enumerate(values) if has_no_label(value, class_label)]
    if not unlabelled:
        return True
    if len(unlabelled) == len(values):
        logger.warning("split %r left out: none of its %d rows has a label", split, len(values))
        return False
    # Class names among the others (a column of text): a CSV's `NA`, `None`, `null` ... are read as no label, as
    # pandas reads them (datasets' CSV reader), so a class `NA` or `None` was said to be rows without a label alone
    named = all(isinstance(value, str) for value in values if not has_no_label(value, class_label))
    raise DatasetFormatError(
        f"--dataset_format hub: split {split!r} has {len(unlabelled)} rows without a label "
        f"({label_column!r} empty, NaN or -1) among {len(values)}, the first row {unlabelled[0]}"
        + (f"; {CSV_MISSING_LABELS}" if named else "")
    )


# Why rows of a column of class names may have no label: what `datasets`' CSV reader (pandas) reads as a missing value.
CSV_MISSING_LABELS = (
    "in a CSV table an empty cell, and a label written NA, N/A, NULL, None, NaN or nan (pandas' missing values, as "
    "datasets reads a CSV), is no label: give each row its class, and a class of such a name another name"
)


def has_no_label(value, class_label: bool) -> bool:
    """Whether a raw label says "no label": `None`, NaN (a float column's missing value, as numpy and pandas write
    one: so a test split of NaNs is not "not a whole class id ... a regression target", each NaN counted a
    distinct value), or `ClassLabel`'s -1 (`class_label`)."""
    if isinstance(value, float) and math.isnan(value):
        return True
    return value is None or (class_label and as_integer(value) == -1)


def refuse_empty_label_names(data: VideoClassificationData, source: str) -> None:
    """Refuse (DatasetFormatError) a class whose name is empty (`""`, blanks), naming the clips that carry it. A
    table's unlabelled rows often come as empty strings (a Kaggle-style test table), not as None: they became a class
    `''`, and a test split of only them was evaluated, top-1 0.0 reported on clips that have no label. Here, in the
    loader, so every reader gets it (the recipes, the shard tool, `load_video_dataset` in Python). A multi-label
    clip is refused where one of its classes is so named (`["swim", ""]`: a class `''` was trained and scored)."""
    for head, names in data.label_spaces.items():
        empty = empty_label_ids(names)
        if not empty:
            continue
        for split, examples in data.splits.items():
            labelled = enumerate(_labels_and_ids(examples, data, head))
            # each clip's classes carried: a multi-label clip's tuple of them, else its one class
            rows = [(i, clip_id, set(label) if data.multi_label else {label}) for i, (label, clip_id) in labelled]
            rows = [(i, clip_id, classes & empty) for i, clip_id, classes in rows if classes & empty]
            if rows:
                labels = [names[label] for label in sorted({c for _, _, classes in rows for c in classes})]
                clips = [(i, clip_id) for i, clip_id, _ in rows]
                raise empty_label_refusal(split, source, clips, labels, data.multi_label)


def empty_label_ids(names: Sequence[str]) -> set[int]:
    """The ids of the class names that are empty (`""`, blanks)."""
    return {i for i, name in enumerate(names) if not str(name).strip()}


def empty_label_refusal(
    split: str, source: str, rows: list[tuple[int, str]], labels: list[str], multi_label: bool = False
) -> DatasetFormatError:
    """The one line that refuses `rows` (`(row, clip id)`) of `split` carrying the empty class names `labels`
    (`multi_label`: among the classes each lists)."""
    named = [f"row {i}" + (f" {clip_id!r}" if clip_id != str(i) else "") for i, clip_id in rows]
    shown = ", ".join(named[:5]) + (f" and {len(named) - 5} more" if len(named) > 5 else "")
    one = len(rows) == 1  # (one clip said as one: "1 clips ... have" read as a slip)
    them, their, they, have = ("it", "its", "it", "has") if one else ("them", "their", "they", "have")
    advice = (
        f"List {their} classes without it ([] for a clip of no class)"
        if multi_label
        else f"Give {them} {their} class, or no label (None) if {they} {have} none (a split without labels is left "
        "out, so it is never evaluated)"
    )
    return DatasetFormatError(
        f"{len(rows)} clip{'' if one else 's'} of split {split!r} of {source} {have} the label "
        f"{' or '.join(map(repr, labels))}, an empty class name: {shown}. {advice}"
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


def warn_classes_differing_in_case(data: VideoClassificationData) -> list[list[str]]:
    """Warn, naming them, about class names that differ only in case or blanks (`cat` and `Cat`, `dog` and `dog `: a
    class folder made twice, a label typed two ways): each is a class of its own, the clips of one class shared out
    between them. Case and blanks are kept (a data set may mean two classes), only named. Returns the
    groups of such names."""
    groups = []
    for head, names in data.label_spaces.items():
        alike: dict[str, list[str]] = {}
        for name in names:
            alike.setdefault(" ".join(str(name).split()).casefold(), []).append(str(name))
        for group in alike.values():
            if len(group) > 1:
                groups.append(group)
                logger.warning(
                    "%sclasses %s differ only in case or blanks and are %d separate classes; if they are one "
                    "class, give them one name (rename the folders or labels)",
                    f"{head} " if data.is_multi_head else "",
                    " and ".join(repr(name) for name in group),
                    len(group),
                )
    return groups


def warn_classes_missing_from_training(data: VideoClassificationData, train_split: str = "train") -> dict:
    """Warn, naming them, about classes that have clips in another split but none in `train_split`: a model
    cannot learn them, and evaluation on them is always wrong. Returns `{split: [class names]}`."""
    if train_split not in data.splits:
        return {}
    heads = list(data.label_spaces.items())

    def seen(examples):
        found = [set() for _ in heads]
        for label in example_labels(examples):
            if data.multi_label:  # one head, several classes a clip
                found[0].update(int(i) for i in label)
                continue
            for h, i in enumerate(label if isinstance(label, (list, tuple)) else [label]):
                found[h].add(int(i))
        return found

    trained = seen(data.splits[train_split])
    report = {}
    for split, examples in data.splits.items():
        if split == train_split:
            continue
        unseen = [
            f"{head}:{names[i]}" if len(heads) > 1 else names[i]
            for h, ((head, names), found) in enumerate(zip(heads, seen(examples)))
            for i in sorted(found - trained[h])
        ]
        if unseen:
            report[split] = unseen
            shown = ", ".join(repr(name) for name in unseen[:10]) + (
                f" and {len(unseen) - 10} more" if len(unseen) > 10 else ""
            )
            logger.warning(
                "%d class%s of split %r ha%s no clip in split %r: %s. A model trained on %r cannot learn "
                "them; evaluation counts every such clip as wrong",
                len(unseen),
                "es" if len(unseen) > 1 else "",
                split,
                "ve" if len(unseen) > 1 else "s",
                train_split,
                shown,
                train_split,
            )
    return report


# Words a horizontal flip turns into each other, as whole words (between non-letters: `moving_left`, `Swiping Left`,
# not `Leftover`); the spellings of counter-clockwise are one word.
_MIRRORED_WORDS = re.compile(
    r"(?<![a-z])(left|right|(?:counter|anti)[-_ ]?clockwise|clockwise)(?![a-z])", re.IGNORECASE
)


def _mirror_words(name: str, swap: bool) -> str:
    def replace(word):
        word = word[0].lower()
        side = {"left": "right", "right": "left"}.get(word)
        if side is not None:
            return side if swap else word
        turned = word == "clockwise"
        return "counterclockwise" if turned == swap else "clockwise"

    return _MIRRORED_WORDS.sub(replace, str(name).lower())


def mirrored_classes(names: Sequence[str]) -> list[tuple[str, str]]:
    """Pairs of classes each the mirror image of the other: names alike once left and right, clockwise and
    counter-clockwise are swapped (any case, any separator), as Something-Something v2's "Pushing something from left
    to right" and "... from right to left", Jester's "Swiping Left" and "Swiping Right", the bundled set's
    `moving_left` and `moving_right`. A horizontal flip turns a clip of one into a clip of the other."""
    by_spelling = {_mirror_words(name, swap=False): name for name in names}
    pairs = []
    for name in names:
        other = by_spelling.get(_mirror_words(name, swap=True))
        if other is not None and other != name and (other, name) not in pairs:
            pairs.append((name, other))
    return pairs


def multi_hot(class_ids, num_classes: int):
    """A multi-label clip's classes (ids) as its target: float32 (num_classes,), 1 for each class it has, else 0."""
    import torch

    ids = torch.as_tensor(list(class_ids), dtype=torch.long)
    if len(ids) and (int(ids.min()) < 0 or int(ids.max()) >= num_classes):
        raise ValueError(f"class ids {list(class_ids)} out of the {num_classes} classes (0-{num_classes - 1})")
    return torch.zeros(num_classes, dtype=torch.float32).index_fill_(0, ids, 1.0)
