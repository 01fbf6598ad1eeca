# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Matching a `datasets` repo's rows to clips on disk: a local videofolder's metadata rows whose file is absent
(counted missing), clips no row names (named in a warning), names written in another Unicode form
(`clips_by_normal_name`, `clips_on_disk`), and rows that give no clip at all (`clipless_rows`).
"""

from __future__ import annotations

import logging
import os
import re
import unicodedata
from collections.abc import Sequence
from functools import partial
from pathlib import Path

from .annotated import count_missing
from .examples import DatasetFormatError, chosen_protocol, quoted, recipe_split_name
from .folders import (
    download_leftovers,
    files_below,
    warn_download_leftovers,
)
from .hub_files import relative_or_as_is
from .hub_ids import json_clip_id
from .subsets import is_hmdb51_clip_name

# The adapters' one logger, named as before they were split out of `formats.py`: a level or filter a user set on
# it still applies to every adapter.
logger = logging.getLogger("vivit_hf.training.data.formats")


def metadata_clips_on_disk(loaded, root: Path, video_column: str, missing: dict) -> dict:
    """A local videofolder whose `metadata.csv` / `.jsonl` names its clips: rows whose file is not on disk are left
    out and counted in `missing`, as the annotation formats count them (they were decoded, and failed, every epoch),
    and the clips no row names, which `datasets` leaves out, are named in a warning. A download's format files beside
    their merged clip (`folders.download_leftovers`), which `datasets` reads as more clips, are left out, named."""
    first = next(iter(loaded.values()))
    if first.info.builder_name != "videofolder":
        return loaded
    import pyarrow as pa
    import pyarrow.compute as pc
    from datasets.packaged_modules.videofolder.videofolder import VideoFolder

    listed, kept = set(), {}
    clips = clips_by_normal_name(root)
    leftovers = download_leftovers_named(root)
    for split, dataset in loaded.items():
        column = dataset.with_format("arrow")[video_column]
        if not pa.types.is_struct(column.type) or column.type.get_field_index("path") < 0:
            return loaded
        paths = pc.struct_field(column, "path").to_pylist()
        on_disk = {path: os.path.isfile(path) for path in dict.fromkeys(paths) if path}  # one stat per row's file
        found = clips_on_disk(paths, clips, on_disk)
        # by the file each row reads: a name's other Unicode form, a file of its own, is in no row
        listed.update(os.path.abspath(found.get(path, path)) for path in paths if path)
        if found:
            dataset = read_as_on_disk(dataset, video_column, found)
        absent = [i for i, path in enumerate(paths) if path and path not in found and not on_disk[path]]
        if absent:
            names = [relative_or_as_is(paths[i], root) for i in absent]
            count_missing(missing, recipe_split_name(split), names)
        gone = {*absent, *(i for i, path in enumerate(paths) if path and os.path.abspath(path) in leftovers)}
        if gone:
            dataset = dataset.select([i for i in range(len(paths)) if i not in gone])
        kept[split] = dataset
    read = {extension.lower() for extension in VideoFolder.EXTENSIONS}
    unlisted = [
        path.relative_to(root).as_posix()
        for path in files_below(root)[0]
        if path.suffix.lower() in read and os.path.abspath(path) not in listed
    ]
    by_folder: dict[str, list[str]] = {}
    for path in unlisted:
        if folder := split_folder_not_read(path):
            by_folder.setdefault(folder, []).append(path)
    for folder, paths in by_folder.items():
        logger.warning(
            "%d clip(s) below %s are left out: datasets reads split folders by lower-case names only, and no split "
            "of its reads %s/: %s; rename it %s/, or use --dataset_format videofolder",
            len(paths),
            root,
            folder,
            quoted(paths),
            folder.lower(),
        )
    unlisted = [path for path in unlisted if not split_folder_not_read(path)]
    if unlisted:
        logger.warning(
            "%d clip(s) below %s are in no row of its metadata files and are left out (datasets reads only the clips "
            "a metadata file names): %s",
            len(unlisted),
            root,
            quoted(unlisted),
        )
    return kept


def split_folder_not_read(path: str) -> str | None:
    """The folder of a clip's relative `path` named as a split in another case (`Val/`, `TRAIN/`), else None:
    datasets' split patterns (`val/**`, `*-val/**`, ...) are globbed case-sensitively, so such a folder is read as
    no split, and its clips were said to be "in no row of its metadata files" where the folder had none."""
    from datasets.data_files import NON_WORDS_CHARS, SPLIT_KEYWORDS

    keywords = "|".join(keyword for words in SPLIT_KEYWORDS.values() for keyword in words)
    split_name = re.compile(rf"(?:.*[{NON_WORDS_CHARS}])?(?:{keywords})(?:[{NON_WORDS_CHARS}].*)?")
    folders = path.split("/")[:-1]
    if any(split_name.fullmatch(folder) for folder in folders):  # in a split folder datasets reads
        return None
    return next((folder for folder in folders if split_name.fullmatch(folder.lower())), None)


def download_leftovers_named(root: Path) -> set[str]:
    """The absolute paths of yt-dlp's leftovers below a local videofolder (`folders.download_leftovers`), named in a
    warning: `datasets` reads each format file beside its merged clip (and `.part` / `.ytdl`) as one more clip,
    which `files_below` does not. One rule for the whole read and the stream (`streaming._metadata_clips_on_disk`)."""
    others = files_below(root)[1]
    warn_download_leftovers(root, others)
    return {os.path.abspath(path) for path in download_leftovers(others)}


def clips_by_normal_name(root: Path) -> dict[str, str | tuple[str, str]]:
    """`{path in one Unicode form (NFC): path on disk}` of the clips below `root`, for the names of a metadata file:
    macOS writes names decomposed (NFD: `u` and a combining diaeresis), most tools composed (NFC: `\u00fc`), so a
    row's `\u00fcber_0.mp4` and the file could be the same name in two forms; the clip was left out, named both "not
    on disk" and "in no row". Two clips whose names differ only so map to both (a row naming either exactly reads it,
    as before; `clips_on_disk` refuses a row that names neither)."""
    clips: dict[str, str | tuple[str, str]] = {}
    for path in files_below(root)[0]:
        normal = _normal_path(path)
        clips[normal] = (clips[normal], str(path)) if normal in clips else str(path)
    return clips


def _normal_path(path) -> str:
    return unicodedata.normalize("NFC", os.path.abspath(path))


def clips_on_disk(paths, clips: dict[str, str], is_file: dict[str, bool] | None = None) -> dict[str, str]:
    """`{path as a row names it: the clip on disk}` of the rows whose clip is on disk under a name in another
    Unicode form (`clips_by_normal_name`). `is_file`: `{path: os.path.isfile(path)}` where the caller asked."""
    found = {}
    for path in dict.fromkeys(paths):
        if path and not (is_file[path] if is_file is not None else os.path.isfile(path)):
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
    cell written as None, a table row whose clip was never filled in), or a list of no frames."""
    import pyarrow as pa
    import pyarrow.compute as pc

    def empty(values):
        if pa.types.is_null(values.type):  # a field no row fills: `{"path": ..., "bytes": None}` cells, typed null
            return pa.array([True] * len(values))
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
    elif (
        pa.types.is_list(column.type) or pa.types.is_large_list(column.type) or pa.types.is_fixed_size_list(column.type)
    ):
        # a video stored as its frames (`Sequence(Image())`): None or no frame, as the stream reads it (`gives_no_clip`)
        none = pc.fill_null(pc.equal(pc.list_value_length(column), 0), True)
    else:
        return []
    return [i for i, flag in enumerate(none.to_pylist()) if flag]


def rows_without_a_clip(loaded, video_column: str, clipless: dict) -> dict:
    """Rows whose video is None (or neither a path nor bytes) are left out at load, named in a warning and counted
    in `clipless` (`VideoClassificationData.clipless`): kept, they were skipped as broken clips ("no video") every
    epoch, the split's size counted them, and an evaluation split's accuracy was over fewer clips than it said."""
    kept = {}
    for split, dataset in loaded.items():
        gone = clipless_rows(dataset.with_format("arrow")[video_column])
        if gone:
            name = recipe_split_name(split)
            clipless[name] = clipless.get(name, 0) + len(gone)
            # each by the id its WebDataset `.json` keeps (a `.webm` member `datasets` dropped), else its row
            shown = [json_clip_id(dataset[i]) or f"row {i}" for i in gone[:5]] + gone[5:]
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


# HMDB51's official protocol: its `<class>_test_split<n>.txt` marks each clip 1 (training), 2 (test) or 0 (in
# neither), 70 / 30 / 0 of the 101 or more clips a class. A Hub copy keeps that mark in a `subset` column of every
# split (CVML-TueAI/HMDB51: splits `split1`..`split3`, each every one of the 6 766 clips, as `ds.filter(lambda x:
# x["subset"] == 1)` selects in its card); read as rows of one split, `--train_split split1` trained on its test clips.
PROTOCOL_COLUMN = "subset"
PROTOCOL_PARTS = {1: "train", 2: "test"}  # 0: in neither split (HMDB51's unused clips), left out


def protocol_values(dataset, columns: tuple[str, ...]) -> list[int] | None:
    """`dataset`'s `subset` column where it is HMDB51's protocol (integers, each 0, 1 or 2, both 1 and 2 given, beside
    clips named as HMDB51's: `lists_hmdb51_clips`), not one of `columns` (the video's, the label's); else None (a
    `subset` of other values, or of other clips, is another column: a user's 3 folds numbered 0-2, say)."""
    import pyarrow as pa

    if PROTOCOL_COLUMN not in dataset.column_names or PROTOCOL_COLUMN in columns:
        return None
    column = dataset.with_format("arrow")[PROTOCOL_COLUMN]
    if not pa.types.is_integer(column.type) or column.null_count:
        return None
    values = column.to_pylist()
    if not {1, 2} <= set(values) <= {0, 1, 2}:
        return None
    return values if lists_hmdb51_clips(_clip_paths(dataset, columns[0])) else None


def lists_hmdb51_clips(paths: list) -> bool:
    """Whether most of the clip `paths` given (None: a clip of bytes alone) are named as HMDB51's clips are
    (`is_hmdb51_clip_name`): a `subset` column of 0 / 1 / 2 is read as HMDB51's protocol only beside them."""
    names = [path for path in paths if isinstance(path, str) and path]
    return 2 * sum(map(is_hmdb51_clip_name, names)) > len(names) > 0


def _clip_paths(dataset, video_column: str) -> list:
    """The clips' paths of `dataset`'s video column (a string column, or a `Video` feature's `path` field), read from
    its Arrow table alone (its clips' bytes are not read); [] for a column of neither."""
    import pyarrow as pa
    import pyarrow.compute as pc

    column = dataset.with_format("arrow")[video_column]
    if pa.types.is_struct(column.type):
        fields = {column.type.field(k).name for k in range(column.type.num_fields)}
        return pc.struct_field(column, "path").to_pylist() if "path" in fields else []
    return column.to_pylist() if pa.types.is_string(column.type) or pa.types.is_large_string(column.type) else []


def protocol_splits(
    loaded: dict, columns: tuple[str, ...], protocols: dict | None = None, chosen: Sequence[str | None] | None = None
) -> dict:
    """Each split whose rows carry HMDB51's protocol (`protocol_values`) as two splits, its training clips and its
    test clips (`<split>_train`, `<split>_test`; a lone `train`: `train` and `test`), its clips of 0 left out, said
    in a warning naming the flags that pick them: read whole, split 1's 3 570 training clips were trained on with its
    1 530 test clips (and 1 666 of neither), then scored on a share of them. `protocols`: filled with each such
    split's name and the split it was read out of (`VideoClassificationData.protocols`). `chosen`: the splits the
    run reads (`examples.chosen_protocol`); a run on one protocol's two parts, as advised, is told in one INFO line
    how its split was read, not warned of each split (every run of a correct command warned 3 times)."""
    kept: dict = {}
    read = {}  # (each split read so: its parts and counts, said once every split is known)
    for split, dataset in loaded.items():
        values = protocol_values(dataset, columns)
        if values is None:
            kept[split] = dataset
            continue
        alone = list(loaded) == ["train"]
        parts = {value: (part if alone else f"{split}_{part}") for value, part in PROTOCOL_PARTS.items()}
        clash = [name for name in parts.values() if name in loaded and name != split]
        if clash:
            raise DatasetFormatError(
                f"--dataset_format hub: split {split!r} marks its clips train / test in a {PROTOCOL_COLUMN!r} column "
                f"(1 / 2, HMDB51's protocol), whose splits would be {quoted(list(parts.values()))}, and the data set "
                f"has a split {clash[0]!r} already: rename the column, or the split"
            )
        for value, name in parts.items():
            kept[name] = dataset.select([i for i, v in enumerate(values) if v == value])
        read[split] = (*parts.values(), *(values.count(value) for value in (1, 2, 0)))
    origins = {name: split for split, (train, test, *_) in read.items() for name in (train, test)}
    if protocols is not None:
        protocols.update(origins)
    origin = chosen_protocol(origins, chosen)
    if origin is not None:
        logger.info(
            "split %r: read as HMDB51's protocol its %r column marks (1: training, 2: test, 0: in neither): %r (%d "
            "clips) and %r (%d clips), its %d clips of 0 left out",
            origin,
            PROTOCOL_COLUMN,
            *_counted(read[origin]),
        )
        return kept
    for split, parts in read.items():
        logger.warning(
            "split %r: its %r column marks each clip as HMDB51's official protocol does (1: training, 2: test, 0: "
            "in neither), so it is read as two splits: %r (%d clips) and %r (%d clips), and its %d clips of 0 are "
            "left out; train and score on them with --train_split %s --eval_split %s",
            split,
            PROTOCOL_COLUMN,
            *_counted(parts),
            *parts[:2],
        )
    return kept


def _counted(parts: tuple) -> tuple:
    """(training part, its clips, test part, its clips, clips of 0) of a split `protocol_splits` read."""
    train, test, trained, tested, neither = parts
    return train, trained, test, tested, neither
