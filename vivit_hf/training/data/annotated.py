# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The named data sets, one adapter each: Kinetics (CVDF's CSVs), Something-Something v2 (its JSON files), Epic
Kitchens-100 and -55 (two heads: noun, verb), Moments in Time, and UCF101 / HMDB51 (their three official split lists,
one chosen with `--dataset_config_name`). The big video data sets ship as raw clips plus annotation files in their own
layouts, not as something `datasets.load_dataset` reads, so each gets a small adapter here. Clips named by an
annotation but absent from disk (Kinetics loses YouTube videos every year) are left out and counted in
`VideoClassificationData.missing`.
"""

from __future__ import annotations

import csv
import json
import logging
import math
import os
import re
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import NamedTuple

from .examples import DatasetFormatError, VideoClassificationData, quoted
from .fetch import archive_parts_below, concatenate_command, missing_parts
from .folders import (
    ANY_ARCHIVE_SUFFIXES,
    SPLIT_ALIASES,
    VIDEO_EXTENSIONS,
    download_format_of,
    files_below,
    holds_video,
    unpack_command,
    walk_folder,
    what_is_there,
)
from .labels import label_vocabulary, names_by_index, unknown_class
from .subsets import clip_group_by_name

# The adapters' one logger, named as before they were split out of `formats.py`: a level or filter a user set on
# it still applies to every adapter.
logger = logging.getLogger("vivit_hf.training.data.formats")


def _find_file(roots: Sequence[Path], name: str, named: dict[str, Path] | None = None) -> Path | None:
    """First file called `name` at the top of a root, else anywhere below one; `named`, where given, is the folder
    of the first file of each name below the roots (`index_videos`' walk), not walked again."""
    for root in roots:
        if (root / name).is_file():
            return root / name
    if named is not None:
        return named[name] / name if name in named else None
    for root in roots:
        for dirpath, filenames in walk_folder(root):
            if name in filenames:
                return dirpath / name
    return None


def _files_named(roots: Sequence[Path], names: Sequence[str]) -> dict[str, Path]:
    """`named` for `_find_file` where no walk lists the clips: the folder of the first file of each of `names` below
    the roots that none of them holds at its top, in one walk (stopped once all are found)."""
    wanted = {name for name in names if not any((root / name).is_file() for root in roots)}
    named: dict[str, Path] = {}
    for root in roots:
        if len(named) == len(wanted):
            break
        for dirpath, filenames in walk_folder(root):
            for name in wanted.intersection(filenames):
                named.setdefault(name, dirpath)
            if len(named) == len(wanted):
                break
    return named


def _require_file(roots: Sequence[Path], name: str, fmt: str, named: dict[str, Path] | None = None) -> Path:
    path = _find_file(roots, name, named)
    if path is None:
        raise DatasetFormatError(
            f"--dataset_format {fmt}: no {name} under {', '.join(map(str, roots))}{what_is_there(roots)}"
        )
    return path


def index_videos(
    roots: Sequence[Path],
    several: set[str] | None = None,
    replaces: Callable[[Path], bool] | None = None,
    copies: dict[str, list[Path]] | None = None,
    named: dict[str, Path] | None = None,
    visit: Callable[[Path, list[str]], None] | None = None,
) -> dict[str, Path]:
    """Every video file below the roots, by file name and by stem (first one wins, unless `replaces` says of its
    folder, relative to its root, that its files replace the others of their name), and by `<its folder>/<name>`
    and `<its folder>/<stem>` (a split list's `<class>/<clip>`). `several` collects the names and stems that files
    in different folders share (`brush_hair/1.avi` and `cartwheel/1.avi`), which name no one clip; `copies`, by file
    name, the files of one name in different folders, the one read first, where none replaces the others; `named`,
    the folder of the first file of each name, any file (`_find_file`'s annotation files found in the same walk);
    `visit` is called with each folder and its file names, in the walk's order (a loader's own annotation files)."""
    index: dict[str, Path] = {}
    replacing: set[Path] = set()
    for root in roots:
        for dirpath, filenames in walk_folder(root):
            replacement = replaces is not None and replaces(dirpath.relative_to(root))
            if visit is not None:
                visit(dirpath, filenames)
            for filename in filenames:
                if named is not None:
                    named.setdefault(filename, dirpath)
                if filename.lower().endswith(VIDEO_EXTENSIONS):
                    # (`Path.stem` of a name that is not hidden and ends in a video type: a Path a file cost more)
                    path, stem = dirpath / filename, os.path.splitext(filename)[0]
                    if replacement:
                        replacing.add(path)
                    first = index.get(filename)
                    if copies is not None and first is not None and not replacement and first not in replacing:
                        copies.setdefault(filename, [first]).append(path)
                    for key in (filename, stem):
                        if several is not None and key in index and index[key].parent != dirpath:
                            several.add(key)
                        if replacement and key in index and index[key] not in replacing:
                            index[key] = path
                        index.setdefault(key, path)
                    index.setdefault(f"{dirpath.name}/{filename}", path)
                    index.setdefault(f"{dirpath.name}/{stem}", path)
    return index


def _resolve(examples, index, missing, split):
    """Keep examples whose clip exists, turning the clip key into its path; name the first few that do not."""
    kept, absent = [], []
    for key, label in examples:
        path = index.get(key)
        if path is None:
            absent.append(key)
        else:
            kept.append({"video": str(path), "label": label, "id": key})
    count_missing(missing, split, absent)
    return kept


def count_missing(missing: dict, split: str, absent: list[str]) -> None:
    """Count the clips of `split` that the annotations name but the disk lacks, and log the first names, so a user
    can tell a few lost clips (Kinetics loses YouTube videos every year) from a naming mismatch."""
    if not absent:
        return
    missing[split] = missing.get(split, 0) + len(absent)
    shown = ", ".join(repr(name) for name in absent[:5]) + (f" and {len(absent) - 5} more" if len(absent) > 5 else "")
    logger.warning("split %r: %d clip(s) named by the annotations are not on disk: %s", split, len(absent), shown)


def _keep_found_splits(fmt: str, splits: dict, missing: dict, roots: Sequence[Path], looked_for: str) -> dict:
    """Drop splits none of whose clips is on disk (their count stays in `missing`); refuse when that leaves none.

    A split whose every clip is missing is a layout the adapter does not match (untrimmed videos where it expects
    one clip per annotation, another naming scheme), not bad luck: evaluating on it would measure nothing.
    """
    found = {split: examples for split, examples in splits.items() if examples}
    for split in splits.keys() - found.keys():
        if missing.get(split):
            logger.warning("split %r left out: none of its %d clips is on disk", split, missing[split])
    if any(found.values()):
        return found
    listings = [(root, files_below(root)) for root in roots]
    videos = sorted({path.relative_to(root).as_posix() for root, (clips, _) in listings for path in clips})
    seen = f"{len(videos)} video files, e.g. {videos[:3]}" if videos else "no video files"
    # The clips still packed, as the data sets ship them (UCF101.rar; HMDB51's rar of a rar per class; CVDF's
    # Kinetics tar.gz parts): said so, with the command, where "found no video files" left the user to guess. Not
    # Epic's tars of extracted frames (`_EPIC_FRAMES_FOLDERS`), which hold no clip (`load_epic_kitchens` says so).
    archives = [
        path
        for _, (_, others) in listings
        for path in others
        if path.name.lower().endswith(ANY_ARCHIVE_SUFFIXES) and not set(_EPIC_FRAMES_FOLDERS) & set(path.parts)
    ]
    if not videos and archives:
        command = f"cd {archives[0].parent} && {unpack_command(archives[0].name)}"
        seen += f", but {len(archives)} archive(s) ({quoted([str(path) for path in archives], 3)}): unpack them "
        seen += f"(e.g. `{command}`)"
    raise DatasetFormatError(
        f"--dataset_format {fmt}: none of the {sum(missing.values())} clips the annotations name is on disk "
        f"(looked for {looked_for} below {', '.join(map(str, roots))}); found {seen}"
    )


def _read_text(path: Path) -> str:
    """An annotation file's text; utf-8-sig: a file saved by a Windows editor starts with a byte-order mark, which
    would stick to its first name (Moments' first category then matched no clip) or stop a JSON parse."""
    return path.read_text(encoding="utf-8-sig")


def _read_json(path: Path, fmt: str):
    """An annotation JSON file; one that does not parse is named in one line, not a traceback."""
    try:
        return json.loads(_read_text(path))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise DatasetFormatError(f"--dataset_format {fmt}: {path} is not a JSON file: {error}") from None


def _read_csv(path: Path, header: bool = True) -> list:
    # utf-8-sig: a CSV saved by Excel starts with a byte-order mark, which would hide the first column's name.
    with open(path, newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f)) if header else [row for row in csv.reader(f) if row]


# CVDF's `annotations/{train,val,test}.csv`, Kinetics-700-2020's `validate.csv`, ActivityNet's crawler names
# (`kinetics-400_train.csv`, `kinetics_600_val.csv`), and mmaction2's (`download_annotations.sh` renames DeepMind's
# CSVs `annotations/kinetics_{train,val,test}.csv`).
_KINETICS_CSV = re.compile(
    r"^(?:kinetics(?:[-_]?\d+(?:[-_]\d+)?)?[-_])?(train|val|validate|validation|test)\.csv$", re.I
)


def _kinetics_csvs_in(found: dict[str, list[Path]], dirpath: Path, filenames: list[str]) -> None:
    """Adds a folder's split CSVs to `found` (`{split: [csv, ...]}`, in the walk's order): `index_videos`' `visit`."""
    for filename in filenames:
        match = _KINETICS_CSV.match(filename)
        if match:
            split = SPLIT_ALIASES.get(match[1].lower(), "validation")
            found.setdefault(split, []).append(dirpath / filename)


def _kinetics_annotation_files(found: dict[str, list[Path]]) -> dict[str, Path]:
    """`{split: csv}` of the split CSVs the walk found; a file in an `annotations/` folder wins, then the
    shallowest."""
    chosen = {}
    for split, paths in found.items():
        chosen[split] = min(paths, key=lambda path: (path.parent.name != "annotations", len(path.parts)))
        if len(paths) > 1:  # two versions' CSVs in one tree (Kinetics-400's and -600's, val.csv and validate.csv)
            logger.warning(
                "kinetics: %d CSVs name split %r; %s is read, %s not (move the other version's out of the tree)",
                len(paths),
                split,
                chosen[split],
                quoted([str(path) for path in paths if path != chosen[split]], 3),
            )
    return chosen


def _kinetics_replacement_folder(folder: Path) -> bool:
    """Whether `folder` (relative to the data set's root) holds CVDF's replacements for corrupted Kinetics-400 clips
    (`replacement/replacement_for_corrupted_k400/`, 1392 training clips under their original names): such a clip
    is read in place of the corrupted original of its name, wherever the two lie. Left to the walk's order, the
    replacement won only because `replacement` sorts before `train`; moved under `train/`, it lost to the
    original, which then did not decode (a skipped clip each epoch) or decoded wrong."""
    return any("replacement" in part.lower() for part in folder.parts)


def load_kinetics(roots: Sequence[Path]) -> VideoClassificationData:
    """CVDF layout: `annotations/{train,val,test}.csv` (`label,youtube_id,time_start,time_end,...`; also
    `validate.csv` and `kinetics-400_train.csv`-style names) and clips named
    `{youtube_id}_{time_start:06d}_{time_end:06d}.mp4` (or just `{youtube_id}.mp4`) anywhere below the root. A CSV
    without a `label` column (a held-out test set) is no split."""
    # one walk finds the clips and the CSVs (the CSVs had a walk of their own)
    found: dict[str, list[Path]] = {}
    copies: dict[str, list[Path]] = {}
    index = index_videos(
        roots, replaces=_kinetics_replacement_folder, copies=copies, visit=partial(_kinetics_csvs_in, found)
    )
    annotations = {}
    files = _kinetics_annotation_files(found)
    listed: set[str] = set()  # every clip a CSV names, labelled or not: what a clip on disk no row names is not
    unlabelled: list[str] = []
    foreign: dict[Path, dict] = {}  # CSVs of the names that are no Kinetics annotations, by their first line
    for split, path in files.items():
        rows = _read_csv(path)
        if rows and not {"label", "youtube_id"} & rows[0].keys():
            foreign[path] = rows[0]
            continue
        for line, row in enumerate(rows, start=2):
            if row.get("youtube_id"):
                try:
                    listed.update((row["youtube_id"], _kinetics_key(row, path, line)))
                except DatasetFormatError:  # refused below if its split is read; a test CSV's is only not listed
                    listed.add(row["youtube_id"])
        if rows and "label" in rows[0]:
            # A held-out test CSV may keep the header's `label` and leave every value empty: no split, as one
            # without the column (its clips became a class '', refused, and the whole data set with them).
            if not any((row["label"] or "").strip() for row in rows):
                logger.warning("split %r left out: none of the %d rows of %s has a label", split, len(rows), path)
                unlabelled.append(split)
                continue
            annotations[split] = rows
        elif rows:
            unlabelled.append(split)  # asked for by name, said to be there without labels, not missing
    if "train" not in annotations and "validation" not in annotations:
        raise DatasetFormatError(
            f"--dataset_format kinetics: no annotations/train.csv or val.csv under {roots[0]}"
            + (f": {_foreign_csvs(foreign)}" if foreign else what_is_there(roots))
        )
    if foreign:
        logger.warning("kinetics: not read: %s", _foreign_csvs(foreign))
    names, label2id = label_vocabulary([row["label"] for rows in annotations.values() for row in rows], "kinetics")
    _index_unmerged_downloads(index)
    _warn_other_files_of_one_name(copies, listed, "kinetics")
    missing: dict[str, int] = {}
    splits = {}
    # one for all splits: a row of a split read before had put its key in `index`, so the same row in a later split
    # (a clip listed in two splits, named in a warning) was read as the whole video, not from its times
    by_video_id: dict[str, tuple[float, float]] = {}
    for split, rows in annotations.items():
        keys = []
        for line, row in enumerate(rows, start=2):  # line 1 is the header
            key = _kinetics_key(row, files[split], line)
            if key not in index and row["youtube_id"] in index:  # downloaders that name a clip by its video alone
                index[key] = index[row["youtube_id"]]
                if key != row["youtube_id"]:  # the row gives times
                    by_video_id[key] = (float(row["time_start"]), float(row["time_end"]))
            keys.append((key, label2id[row["label"]]))
        splits[split] = _resolve(keys, index, missing, split)
        # Such a file is the trimmed clip for some downloaders and the whole YouTube video for others: read whole,
        # a whole video trained on every part of it under the label of its 10 s. It is read from the row's times
        # unless it is no longer than they span (`VideoSegment.may_be_cut`).
        for example in splits[split]:
            if example["id"] in by_video_id:
                start, end = by_video_id[example["id"]]
                example.update(start_seconds=start, end_seconds=end, may_be_cut=True)
    splits = _keep_found_splits("kinetics", splits, missing, roots, "<youtube_id>_<time_start:06d>_<time_end:06d>.mp4")
    _warn_unlisted_clips(roots, index, listed, files)
    return VideoClassificationData(splits=splits, label_spaces={"label": names}, missing=missing, unlabelled=unlabelled)


def _foreign_csvs(foreign: dict[Path, dict]) -> str:
    """Why CSVs of a Kinetics annotation file's name are not read: a list of clip paths and class ids (SlowFast's,
    VideoMAE's `train.csv`, `<path> <id>` a line) has neither `label` nor `youtube_id`. Left out as a split
    without labels, such a folder would be refused as holding "no annotations/train.csv or val.csv", listing both."""
    path, first = next(iter(foreign.items()))
    shown = ",".join(name for name in first if name is not None)
    shown = shown if len(shown) <= 80 else shown[:77] + "..."
    return (
        f"{quoted([str(path) for path in foreign], 3)} {'is' if len(foreign) == 1 else 'are'} no Kinetics annotations "
        f"({path.name}'s first line: {shown!r}), whose header is 'label,youtube_id,time_start,time_end' (CVDF's "
        "annotations/train.csv): a list of clip paths and class ids, as SlowFast and VideoMAE write, is not read; give "
        "Kinetics' own CSVs"
    )


def _index_unmerged_downloads(index: dict[str, Path]) -> None:
    """A clip yt-dlp downloaded as a video and an audio format whose merge never ran (stopped, or no FFmpeg there)
    is its video format file alone, `id.f137.mp4`: indexed by its clip's stem `id` (looked up by `id` alone, it would
    be counted missing). An audio-only format (`id.f251.webm`) is no clip: named here, not refused only when
    decoded."""
    formats: dict[str, list[Path]] = {}
    for key, path in index.items():
        clip = download_format_of(key)  # (the key's own first: a stem per key was 5.8 of 63 s at 264 000 clips)
        if clip is not None and key == path.stem and clip not in index:  # (each file once: by its stem)
            formats.setdefault(clip, []).append(path)
    audio = []
    for clip, paths in formats.items():
        video_held = {path: holds_video(path) for path in sorted(paths)}
        audio += [path for path, video in video_held.items() if not video]
        videos = [path for path, video in video_held.items() if video]
        if videos:
            index[clip] = videos[0]
    if audio:
        logger.warning(
            "kinetics: %d file(s) are yt-dlp's audio-only formats of a download whose merged clip is not there, and "
            "no clip: %s",
            len(audio),
            quoted([str(path) for path in audio]),
        )


def _warn_other_files_of_one_name(copies: dict[str, list[Path]], listed: set[str] | None, fmt: str) -> None:
    """Name the clips (the `listed` ones; None: all) of which files of other sizes lie in several folders, where a
    format finds a clip by its file name anywhere below (a resized copy kept beside the originals, `train_256/` by
    `train/`; a download that stopped short beside a whole one): the first in sorted order is read, the others
    never. Copies of one size (the links of CVDF's `arrange_by_classes.py`, byte-identical copies)
    are one clip: not named."""
    differing = {
        name: paths
        for name, paths in copies.items()
        if (listed is None or name in listed or Path(name).stem in listed)
        and len({_file_size(path) for path in paths}) > 1
    }
    if differing:
        shown = [" then ".join(str(path) for path in paths[:2]) for paths in list(differing.values())[:3]]
        logger.warning(
            "%s: %d clip(s) are files of other sizes in several folders, and the first of each (in sorted "
            "order) is read, the others not: %s%s. Keep one copy of each below the data set's folder (a resized copy "
            "in a folder of its own, given as --dataset)",
            fmt,
            len(differing),
            "; ".join(shown),
            f" and {len(differing) - 3} more" if len(differing) > 3 else "",
        )


def _file_size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:  # a link to a file that is not there: no size to compare
        return None


def _warn_unlisted_clips(roots: Sequence[Path], index: dict, listed: set[str], files: dict[str, Path]) -> None:
    """Name the Kinetics clips on disk that no CSV row names: they are read by no split. A CSV may list only part
    of a split: CVDF's Kinetics-600 `train.csv` and `val.csv` are incomplete (the mirror's maintainers say so; 15k
    of the 29k validation clips), and read as they are, half of the validation clips are left out of the
    score. A clip is known by its file name, so a copy of a listed clip elsewhere (the replacements of corrupted
    clips, the class folders of links `arrange_by_classes.py` makes) is listed too."""

    def named(path: Path) -> bool:  # (yt-dlp's format file `id.f137.mp4` of a listed clip `id`: read as it, a
        # leftover beside it, or named as audio alone by `_index_unmerged_downloads`)
        return bool({path.name, path.stem, download_format_of(path.stem)} & listed)

    # each file once: the index holds each under four keys (its name, stem, and both below its folder), and each was
    # named: 1.06 million calls, 17 of 63 s of a Kinetics-400 read of 264 000 clips under cProfile
    files_indexed = {id(path): path for path in index.values()}.values()
    unlisted = sorted({str(path) for path in files_indexed if not named(path)})
    if unlisted:
        logger.warning(
            "kinetics: %d video file(s) below %s are named by no row of %s and are read by no split: %s. A CSV may "
            "list only part of its split (CVDF's Kinetics-600 train.csv and val.csv do): give the complete one",
            len(unlisted),
            ", ".join(map(str, roots)),
            ", ".join(str(path) for path in files.values()),
            quoted(unlisted, 5),
        )


def _kinetics_key(row: dict, path: Path, line: int) -> str:
    """A clip's file name stem as CVDF names it, `<youtube_id>_<time_start:06d>_<time_end:06d>`, or the video id alone
    when the CSV has no times (clips named `<youtube_id>.mp4`). A CSV without `youtube_id`, a row shorter than the
    header, or a time that is not a number is refused naming the file and line
    (a bare KeyError or ValueError before)."""
    if "youtube_id" not in row:
        raise DatasetFormatError(
            f"--dataset_format kinetics: {path} has no 'youtube_id' column (its columns: "
            f"{', '.join(repr(name) for name in row if name is not None)}); Kinetics' CSVs name each clip by label, "
            "youtube_id, time_start, time_end"
        )
    timed = "time_start" in row or "time_end" in row
    if any(row.get(column) is None for column in ("youtube_id", *(("time_start", "time_end") if timed else ()))):
        raise DatasetFormatError(f"--dataset_format kinetics: {path} line {line} has fewer fields than its header")
    if not row["youtube_id"].strip():  # was looked for as a clip '_000000_000010', named so, not by its line
        raise DatasetFormatError(f"--dataset_format kinetics: {path} line {line} has an empty youtube_id")
    if not timed:
        return row["youtube_id"]
    try:
        start, end = int(float(row["time_start"])), int(float(row["time_end"]))
    except ValueError:
        raise DatasetFormatError(
            f"--dataset_format kinetics: {path} line {line} has time_start {row['time_start']!r} and "
            f"time_end {row['time_end']!r}, not numbers of seconds"
        ) from None
    return f"{row['youtube_id']}_{start:06d}_{end:06d}"


# SSv2's annotation files as Qualcomm ships them (`labels/labels.json`...) and as 20BN did before
# (`something-something-v2-labels.json`...); the first name found is read.
_SSV2_FILES = {
    "labels": ("labels.json", "something-something-v2-labels.json"),
    "train": ("train.json", "something-something-v2-train.json"),
    "validation": ("validation.json", "something-something-v2-validation.json"),
}


def _find_any(roots: Sequence[Path], names: Sequence[str], named: dict[str, Path] | None = None) -> Path | None:
    return next((path for path in (_find_file(roots, name, named) for name in names) if path is not None), None)


def _no_brackets(template: str) -> str:
    """An SSv2 class name as labels.json writes it: `Putting [something] on a surface` -> `Putting something on a
    surface`."""
    return template.replace("[", "").replace("]", "")


def _ssv2_items(path: Path) -> list[dict]:
    """A `train.json` / `validation.json`: a list of `{"id", "template", ...}`. Another shape (the test split's
    `{"id"}` alone, an object of id -> template) is refused naming the file and the first item that is not one:
    it was a bare KeyError 'template', or TypeError 'string indices must be integers'."""
    items = _read_json(path, "ssv2")
    if not isinstance(items, list):
        raise DatasetFormatError(
            f"--dataset_format ssv2: {path} holds a JSON {type(items).__name__}, not SSv2's list of "
            '{"id": ..., "template": ...} objects'
        )
    for number, item in enumerate(items):
        if not isinstance(item, dict) or not {"id", "template"} <= item.keys():
            shown = json.dumps(item)
            raise DatasetFormatError(
                f"--dataset_format ssv2: {path} item {number} is {shown[:100]}{'...' if len(shown) > 100 else ''}, "
                'not an object with an "id" and a "template" (the class, "Putting [something] on a surface")'
            )
    return items


def load_ssv2(roots: Sequence[Path]) -> VideoClassificationData:
    """Something-Something v2: `{id}.webm` clips, `labels.json` (template -> index) and
    `train.json` / `validation.json` (lists of `{"id", "template", ...}`), or 20BN's
    `something-something-v2-{labels,train,validation}.json`; the test split from `test-answers.csv` (`id;class`,
    no header) when it is there."""
    # one walk finds the clips and the annotation files: each file looked for walked the whole tree, up to 7 walks
    # (2.5 s of 169 000 clips)
    copies: dict[str, list[Path]] = {}
    named: dict[str, Path] = {}
    index = index_videos(roots, copies=copies, named=named)
    labels_path = _find_any(roots, _SSV2_FILES["labels"], named)
    if labels_path is None:
        raise DatasetFormatError(
            f"--dataset_format ssv2: no {' or '.join(_SSV2_FILES['labels'])}"
            f" under {', '.join(map(str, roots))}{what_is_there(roots)}"
        )
    # The annotation templates write placeholders as "[something]"; Qualcomm's labels.json drops the brackets, some
    # copies of it keep them: names are compared, and kept, without.
    labels = _read_json(labels_path, "ssv2")
    if not isinstance(labels, dict):  # an AttributeError on `.items()` before
        raise DatasetFormatError(
            f"--dataset_format ssv2: {labels_path} holds a JSON {type(labels).__name__}, not SSv2's object of "
            '{"<template>": "<class index>", ...}'
        )
    labels = {_no_brackets(name): index for name, index in labels.items()}
    names = names_by_index(labels.items(), "ssv2", "labels.json")
    _warn_other_files_of_one_name(copies, None, "ssv2")
    missing: dict[str, int] = {}
    splits = {}
    for split in ("train", "validation"):
        path = _find_any(roots, _SSV2_FILES[split], named)
        if path is None:
            continue
        keys = []
        for item in _ssv2_items(path):
            template = _no_brackets(item["template"])
            if template not in labels:
                raise unknown_class("ssv2", template, split, "labels.json")
            keys.append((str(item["id"]), int(labels[template])))
        splits[split] = _resolve(keys, index, missing, split)
    answers = _find_file(roots, "test-answers.csv", named)
    if answers is not None:
        with open(answers, newline="", encoding="utf-8-sig") as f:
            rows = [row for row in csv.reader(f, delimiter=";") if row]
        for row in rows:
            if len(row) < 2:  # an id alone was "a clip of class '<id>', which labels.json does not list"
                raise DatasetFormatError(
                    f"--dataset_format ssv2: {answers} has a row without a class ({';'.join(row)!r}); each row is "
                    "<id>;<class> (a labels.json name)"
                )
            if _no_brackets(row[1]) not in labels:
                raise unknown_class("ssv2", row[1], "test", "labels.json")
        splits["test"] = _resolve([(row[0], int(labels[_no_brackets(row[1])])) for row in rows], index, missing, "test")
    if not splits:
        raise DatasetFormatError(
            f"--dataset_format ssv2: no train.json or validation.json under {roots[0]}{what_is_there(roots)}"
        )
    if missing:
        _refuse_unextracted_parts(roots, missing, sum(map(len, splits.values())))
    splits = _keep_found_splits("ssv2", splits, missing, roots, "<id>.webm")
    return VideoClassificationData(splits=splits, label_spaces={"label": names}, missing=missing)


def _refuse_unextracted_parts(roots: Sequence[Path], missing: dict, found: int) -> None:
    """SSv2's clips ship as one tar.gz cut into parts (`20bn-something-something-v2-00`, `-01`, ..., each zipped on
    its own in Qualcomm's download) to be concatenated and unpacked. Clips missing beside such parts are clips still
    inside them: the data set read "none of the clips is on disk", or, beside a few clips unpacked by hand, that few
    alone with a warning. Refused, saying what to run. (A Hub repo's parts are unpacked when it is fetched:
    `fetch.extract_archives`.)"""
    sets = {stem: parts for stem, parts in archive_parts_below(roots).items() if not _unpacked_elsewhere(stem, roots)}
    if not sets:
        return
    absent = sum(missing.values())
    commands = []
    for stem, parts in sets.items():
        gap = missing_parts(parts)
        lacking = f" (after fetching the missing part(s) {', '.join(gap)})" if gap else ""
        commands.append(f"`{concatenate_command(parts, stem.parent)}`{lacking}")
    names = quoted([path.name for parts in sets.values() for path in parts], 3)
    raise DatasetFormatError(
        f"--dataset_format ssv2: {absent} of the {absent + found} clips the annotations name are not on disk, and "
        f"the folder holds {sum(map(len, sets.values()))} archive parts ({names}): the pieces of one tar archive "
        f"holding the clips, read only once put together. Unpack them with {' and '.join(commands)}, then give "
        "--dataset again"
    )


def _unpacked_elsewhere(stem: Path, roots: Sequence[Path]) -> bool:
    """Whether the parts `stem` names were unpacked into another root, as a Hub repo's are into its extraction
    folder (`<extraction>/<its folder>/<stem>/`): the clips missing then are missing from the archive too."""
    root = next((root for root in roots if stem.is_relative_to(root)), None)
    if root is None:
        return False
    return any(other != root and (other / stem.relative_to(root)).is_dir() for other in roots)


EPIC_KITCHENS_HEADS = {"noun": 300, "verb": 97}
# EPIC-Kitchens-55's classes (epic-kitchens-55-annotations' EPIC_noun_classes.csv, EPIC_verb_classes.csv)
EPIC_KITCHENS_55_HEADS = {"noun": 352, "verb": 125}


class _EpicRelease(NamedTuple):
    """What tells Epic Kitchens' two releases' annotation files apart; their rows are read alike (`_epic_examples`):
    `video_id`, `start_timestamp` / `stop_timestamp`, `start_frame` / `stop_frame`, `noun_class`, `verb_class`."""

    name: str
    splits: dict[str, str]  # split: its CSV
    key: str  # the column naming each action segment
    heads: dict[str, int]
    class_file: str  # each head's class names, `{head}` its name
    class_columns: tuple[str, str]  # (name, id) of a class file's rows
    trimmed: bool  # whether a clip cut to one segment, `{key}.<ext>`, is looked for (EPIC-55 named none)
    videos: str  # where the untrimmed videos lie, as its download scripts put them


_EPIC_100 = _EpicRelease(
    "EPIC-Kitchens-100",
    {"train": "EPIC_100_train.csv", "validation": "EPIC_100_validation.csv"},
    "narration_id",
    EPIC_KITCHENS_HEADS,
    "EPIC_100_{head}_classes.csv",
    ("key", "id"),
    True,
    "P01/videos/P01_01.MP4; epic_downloader.py --videos",
)
# EPIC-Kitchens-55 labels its training split only (its test splits' CSVs give no classes): a `uid` a segment, the
# same columns otherwise, its frame numbers counting its frames extracted at 60 fps (`_epic_frame_rate`)
_EPIC_55 = _EpicRelease(
    "EPIC-Kitchens-55",
    {"train": "EPIC_train_action_labels.csv"},
    "uid",
    EPIC_KITCHENS_55_HEADS,
    "EPIC_{head}_classes.csv",
    ("class_key", "{head}_id"),
    False,
    "videos/train/P01/P01_01.MP4",
)

# `--dataset_config_name` chooses a release where both releases' CSVs lie below the folder (`_epic_release`)
EPIC_RELEASES = {"100": _EPIC_100, "55": _EPIC_55}


_TIMESTAMP = re.compile(r"^(\d+):(\d{1,2}):(\d{1,2}(?:\.\d*)?)$")


def _timestamp_seconds(value: str, where: str = "") -> float:
    """Epic Kitchens' `HH:MM:SS.ff` (fraction of any length) in seconds."""
    match = _TIMESTAMP.match(value.strip())
    if match is None:
        raise DatasetFormatError(f"--dataset_format epic_kitchens: {where}{value!r} is not a HH:MM:SS.ff timestamp")
    hours, minutes, seconds = match.groups()
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


# The rate Epic's frame numbers count at: its RGB frames were extracted from every video resampled to one rate
# (the EPIC-Kitchens-55 README: "resample at 60 FPS", `ffmpeg ... -r 60`, whatever the recording's own rate: most
# are 59.94 fps, some 29.97, 48 or 90), and EPIC-Kitchens-100's new videos (`P01_101`) at their 50 fps.
_EPIC_55_VIDEO = re.compile(r"^P\d+_\d{2}$")
_EPIC_100_VIDEO = re.compile(r"^P\d+_1\d{2}$")


def _epic_frame_rate(video_id: str) -> int | None:
    """The rate `start_frame` / `stop_frame` of a narration in `video_id` count at; None for another naming."""
    if _EPIC_100_VIDEO.match(video_id):
        return 50
    if _EPIC_55_VIDEO.match(video_id):
        return 60
    return None


def _epic_number(row: dict, column: str, where: str) -> int:
    """A whole number in an Epic CSV's `column` (a class id, a frame number): `61`, or `61.0` as pandas writes an
    integer column that has an empty cell somewhere; anything else is refused naming the file, line and column (a
    bare `ValueError: invalid literal for int()` before, naming neither)."""
    value = (row.get(column) or "").strip()
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not number.is_integer():
        raise DatasetFormatError(f"--dataset_format epic_kitchens: {where}{column} is {value!r}, not a whole number")
    return int(number)


def _epic_segment(row: dict, where: str = "") -> dict | None:
    """Where a narration lies in its untrimmed video: `start_seconds` / `end_seconds` from the timestamps, else
    from `start_frame` / `stop_frame`.

    Timestamps come first: they stay right when the video was re-encoded at another frame rate. The frame numbers
    count frames of Epic's extracted frames (60 fps, 50 for EPIC-Kitchens-100's new videos), not of the file:
    Epic derived them from the timestamps as `floor(seconds x rate)`, 1 at least (its rows: 0.14 s is frame 8,
    3.37 s frame 202, 0.00 s frame 1, P01_101's 2.86 s frame 143), so frame n is the one on screen at n / rate s
    and a segment runs to the end of its stop frame. Read as on screen from (n - 1) / rate, a narration given by
    frame numbers alone started one frame early and ended one frame short of its timestamps' frames. Read as the
    file's own frame indices they fell at two thirds of their time in P18_09 (recorded at 90 fps), at twice it in a
    30 fps copy, and 3.6 s late an hour into a 59.94 fps recording. A video of another naming takes them as its
    file's frame indices (0-based, inclusive) by the same rule."""
    if row.get("start_timestamp") and row.get("stop_timestamp"):
        start = _timestamp_seconds(row["start_timestamp"], where)
        end = _timestamp_seconds(row["stop_timestamp"], where)
        return {"start_seconds": start, "end_seconds": end}
    if row.get("start_frame") and row.get("stop_frame"):
        start, stop = _epic_number(row, "start_frame", where), _epic_number(row, "stop_frame", where)
        start = 0 if start == 1 else start  # frame 1 is every time before frame 2 (`floor`, 1 at least)
        rate = _epic_frame_rate(row.get("video_id") or "")
        if rate is not None:
            return {"start_seconds": start / rate, "end_seconds": (stop + 1) / rate}
        return {"start_frame": start, "stop_frame": stop}
    return None


def _epic_examples(rows, label_spaces, index, missing, split, path: Path, release: _EpicRelease) -> list[dict]:
    """A trimmed clip `{narration_id}.<ext>` where there is one, else the narration's segment of its untrimmed
    video `{video_id}.<ext>` (`P01/videos/P01_01.MP4`, as Epic Kitchens ships it)."""
    needed = [release.key, *(f"{head}_class" for head in label_spaces)]
    lacking = [column for column in needed if rows and column not in rows[0]]
    if lacking:  # a KeyError naming one column before (the test split's CSV has no classes)
        raise DatasetFormatError(
            f"--dataset_format epic_kitchens: {path} has no {', '.join(map(repr, lacking))} column (its columns: "
            f"{', '.join(repr(name) for name in rows[0] if name is not None)}); "
            f"{' and '.join(release.splits.values())} give each {release.key} its noun_class and verb_class"
        )
    kept, absent = [], []
    for line, row in enumerate(rows, start=2):  # line 1 is the header
        where = f"{path} line {line}: "
        label = [_epic_number(row, f"{head}_class", where) for head in label_spaces]
        for (head, names), i in zip(label_spaces.items(), label):
            if not 0 <= i < len(names):
                classes = release.class_file.format(head=head)
                raise unknown_class("epic_kitchens", f"{head} {i}", split, f"{classes} ({len(names)} classes)")
        key = row[release.key]
        trimmed = index.get(key) if release.trimmed else None
        untrimmed = index.get(row.get("video_id") or "")
        segment = _epic_segment(row, where) if trimmed is None and untrimmed is not None else None
        if trimmed is not None:
            kept.append({"video": str(trimmed), "label": label, "id": key})
        elif segment is not None:
            # EPIC-55's segments of one video overlap, some near-copies: held out a whole video at a time (`hold_out`;
            # EPIC-100 has a validation split, and earlier versions' held-out shares of it stay as they were drawn)
            source = {"source_video": row["video_id"]} if release is _EPIC_55 else {}
            kept.append({"video": str(untrimmed), "label": label, "id": key, **segment, **source})
        else:
            absent.append(key)
    count_missing(missing, split, absent)
    return kept


def _epic_release(
    roots: Sequence[Path], chosen: str | None = None, named: dict[str, Path] | None = None
) -> tuple[_EpicRelease, dict[str, Path]]:
    """The release whose split CSVs lie below the roots, and those CSVs: EPIC-Kitchens-100's, else EPIC-55's
    (`EPIC_train_action_labels.csv`), so that a copy of EPIC-55 is not refused as having no
    EPIC_100_train.csv. Where both are there, EPIC-55's CSV is named in a warning: EPIC-100 labels its videos anew.
    `chosen` (`--dataset_config_name 55` / `100`, an `EPIC_RELEASES` key) reads that release's alone: EPIC-55 could
    not be read from a folder holding EPIC-100's CSVs too (the annotations repositories unpacked side by side).
    `named`: `index_videos`' files by name (`_find_file`)."""
    epic_100, epic_55 = (
        {split: path for split, name in release.splits.items() if (path := _find_file(roots, name, named))}
        for release in (_EPIC_100, _EPIC_55)
    )
    if chosen is not None:
        release, csvs = EPIC_RELEASES[chosen], {"100": epic_100, "55": epic_55}[chosen]
        if csvs:
            return release, csvs
        raise DatasetFormatError(
            f"--dataset_format epic_kitchens --dataset_config_name {chosen}: no {' or '.join(release.splits.values())} "
            f"({release.name}) under {roots[0]}{what_is_there(roots)}"
        )
    if epic_100:
        if epic_55:
            logger.warning(
                "--dataset_format epic_kitchens: %s (EPIC-Kitchens-55) is not read: the EPIC-Kitchens-100 CSVs beside "
                "it are, which label EPIC-55's videos anew, with their own classes (--dataset_config_name 55 reads "
                "EPIC-55's instead)",
                epic_55["train"],
            )
        return _EPIC_100, epic_100
    if epic_55:
        return _EPIC_55, epic_55
    raise DatasetFormatError(
        "--dataset_format epic_kitchens: no EPIC_100_train.csv or EPIC_100_validation.csv (EPIC-Kitchens-100), nor "
        f"EPIC_train_action_labels.csv (EPIC-Kitchens-55) under {roots[0]}{what_is_there(roots)}"
    )


def _epic_label_spaces(
    roots: Sequence[Path], release: _EpicRelease, named: dict[str, Path] | None = None
) -> dict[str, list[str]]:
    """Each head's class names from the release's class CSVs where they are there, else `"0"`, `"1"`, ...
    (`named`: `index_videos`' files by name)"""
    label_spaces = {}
    for head, size in release.heads.items():
        path = _find_file(roots, release.class_file.format(head=head), named)
        # The annotations repo now ships VISOR's EPIC_100_noun_classes_v2.csv: the same 300 classes by the same
        # ids, then 5 VISOR adds (hand:left, ... glove:right) that no narration is labelled with; a copy holding
        # only it read as classes "0".."299".
        v2 = None
        if path is None and release is _EPIC_100:
            v2 = _find_file(roots, f"EPIC_100_{head}_classes_v2.csv", named)
        if path is not None or v2 is not None:
            path = path or v2
            name, number = (column.format(head=head) for column in release.class_columns)
            names = names_by_index([(row[name], row[number]) for row in _read_csv(path)], "epic_kitchens", path.name)
            label_spaces[head] = names[:size] if v2 is not None else names
        else:
            label_spaces[head] = [str(i) for i in range(size)]
    return label_spaces


def load_epic_kitchens(roots: Sequence[Path], release: str | None = None) -> VideoClassificationData:
    """Epic Kitchens-100 with `EPIC_100_{train,validation}.csv`: trimmed clips `{narration_id}.<ext>`, or the
    untrimmed videos `{video_id}.<ext>`, each narration read from its segment (`start_timestamp` /
    `stop_timestamp`, else `start_frame` / `stop_frame`); or EPIC-Kitchens-55 with `EPIC_train_action_labels.csv`
    (a `train` split), its untrimmed videos read so.

    Two heads in the paper's order, noun (300; EPIC-55: 352) then verb (97; EPIC-55: 125); an example's label is
    `[noun_class, verb_class]`. Class names come from `EPIC_100_{noun,verb}_classes.csv` (else
    `..._classes_v2.csv`; EPIC-55: `EPIC_{noun,verb}_classes.csv`) when present. `release` (`"55"`, `"100"`:
    `--dataset_config_name`) reads that release where both are there.
    """
    # one walk finds the clips and the CSVs: each CSV looked for (3 split CSVs, 2 or 4 class CSVs) walked the whole
    # tree again, up to 8 walks in all
    copies: dict[str, list[Path]] = {}
    named: dict[str, Path] = {}
    index = index_videos(roots, copies=copies, named=named)
    release, csvs = _epic_release(roots, release, named)
    label_spaces = _epic_label_spaces(roots, release, named)
    _warn_other_files_of_one_name(copies, None, "epic_kitchens")
    missing: dict[str, int] = {}
    splits = {
        split: _epic_examples(_read_csv(path), label_spaces, index, missing, split, path, release)
        for split, path in csvs.items()
    }
    looked_for = "<video_id>.MP4 (untrimmed)"
    if release.trimmed:
        looked_for = f"<{release.key}>.mp4 (trimmed) or {looked_for}"
    try:
        splits = _keep_found_splits("epic_kitchens", splits, missing, roots, looked_for)
    except DatasetFormatError as error:
        frames = _epic_frames_folder(roots)
        if frames is None:
            raise
        raise DatasetFormatError(
            f"{error}. {frames} holds Epic's extracted frames, which are not read: download the videos "
            f"({release.videos})"
        ) from None
    return VideoClassificationData(splits=splits, label_spaces=label_spaces, missing=missing)


# Where Epic ships its extracted frames: EPIC-100's `P01/rgb_frames/P01_01.tar` (or unpacked,
# `P01/rgb_frames/P01_01/frame_0000000001.jpg`), EPIC-55's `frames_rgb_flow/rgb/train/P01/P01_01.tar`
_EPIC_FRAMES_FOLDERS = ("rgb_frames", "flow_frames", "frames_rgb_flow")


def _epic_frames_folder(roots: Sequence[Path]) -> Path | None:
    """The first folder of Epic's extracted frames below the roots (`_EPIC_FRAMES_FOLDERS`): a copy of only those
    read "found no video files"."""
    for root in roots:
        for dirpath, _ in walk_folder(root):
            if dirpath.name in _EPIC_FRAMES_FOLDERS:
                return dirpath
    return None


def _moments_rows(path: Path) -> list[list[str]]:
    """A Moments CSV's rows, `<clip path>,<label>[,<votes>...]`; a row without a label is refused naming the file
    and the row (an IndexError before)."""
    rows = _read_csv(path, header=False)
    if _header_row(rows):
        rows = rows[1:]
    short = next((row for row in rows if len(row) < 2), None)
    if short is not None:
        raise DatasetFormatError(
            f"--dataset_format moments: {path} has a row without a label ({','.join(short)!r}); each row is "
            "<clip path>,<label>[,...] as in Moments in Time's trainingSet.csv"
        )
    return rows


def _header_row(rows: list[list[str]]) -> bool:
    """Whether a Moments CSV's first row names its columns (`filename,label,...`, the fields its README lists, as
    pandas' `to_csv` writes them above a subset): it names no video file and its label labels no other row. Read as a
    clip, it made `label` a class, every class sorted after it one id off, without the categories file."""
    if len(rows) < 2 or len(rows[0]) < 2 or rows[0][0].lower().endswith(VIDEO_EXTENSIONS):
        return False
    return rows[1][0].lower().endswith(VIDEO_EXTENSIONS) and all(row[1:2] != rows[0][1:2] for row in rows[1:])


def _folders_named(roots: Sequence[Path], names: Sequence[str]) -> dict[str, list[Path]]:
    """`{name: [every folder of that name below the roots, in the walk's order]}`, one walk."""
    found: dict[str, list[Path]] = {name: [] for name in names}
    for root in roots:
        for dirpath, _ in walk_folder(root):
            if dirpath != root and dirpath.name in found:
                found[dirpath.name].append(dirpath)
    return found


def _first_holding(folders: Sequence[Path], clip: str) -> Path | None:
    """`clip` in the first of `folders` that holds it, None where none does."""
    return next((folder / clip for folder in folders if (folder / clip).is_file()), None)


def load_moments(roots: Sequence[Path]) -> VideoClassificationData:
    """Moments in Time: `trainingSet.csv` / `validationSet.csv` (no header: `path,label,...`), clips under
    `training/` and `validation/`, class indices from `moments_categories.txt` (`name,index`) if any."""
    # one walk finds the three files: each walked the whole tree again (3 walks of the clips where one is absent)
    named = _files_named(roots, ("moments_categories.txt", "trainingSet.csv", "validationSet.csv"))
    categories = _find_file(roots, "moments_categories.txt", named)
    annotations = {}
    for split, filename, folder in (
        ("train", "trainingSet.csv", "training"),
        ("validation", "validationSet.csv", "validation"),
    ):
        path = _find_file(roots, filename, named)
        if path is not None:
            # The clips' folder sits beside the CSV (`Moments_in_Time_Raw/{trainingSet.csv,training/}`), which an
            # archive may have put below the data set's root; re-made CSVs may carry the folder in the path.
            folders = [path.parent / folder, *(r / folder for r in roots), path.parent, *roots]
            annotations[split] = (_moments_rows(path), folders, folder)
    if not annotations:
        raise DatasetFormatError(
            f"--dataset_format moments: no trainingSet.csv or validationSet.csv under {roots[0]}{what_is_there(roots)}"
        )
    if categories is not None:
        pairs = [line.rsplit(",", 1) for line in _read_text(categories).splitlines() if line.strip()]
        unnumbered = next((pair for pair in pairs if len(pair) != 2), None)
        if unnumbered is not None:  # a bare "not enough values to unpack" before
            raise DatasetFormatError(
                f"--dataset_format moments: {categories} has a line without a class index ({unnumbered[0]!r}); "
                "each line is <category>,<index> as in Moments in Time's moments_categories.txt"
            )
        names = names_by_index(pairs, "moments", categories.name)
        label2id = {name: i for i, name in enumerate(names)}
    else:
        names, label2id = label_vocabulary([row[1] for rows, *_ in annotations.values() for row in rows], "moments")
    missing: dict[str, int] = {}
    splits = {}
    below: dict[str, list[Path]] | None = None
    for split, (rows, folders, _) in annotations.items():
        kept, absent = [], []
        for row in rows:
            if row[1] not in label2id:
                raise unknown_class("moments", row[1], split, categories.name)
            path = _first_holding(folders, row[0])
            if path is None and below is None:
                # Or a folder of that name elsewhere below the root, looked for once a clip is not where it is
                # looked for first: mmaction2's layout puts `annotations/trainingSet.csv` beside
                # `videos/training/`, whose every clip was "not on disk".
                below = _folders_named(roots, ("training", "validation"))
                for _, others, name in annotations.values():
                    others.extend(other for other in below[name] if other not in others)
                path = _first_holding(folders, row[0])
            if path is None:
                absent.append(row[0])
            else:
                kept.append({"video": str(path), "label": label2id[row[1]], "id": row[0]})
        count_missing(missing, split, absent)
        splits[split] = kept
        if below is not None and kept:
            # Two copies of the clips below the root (mmaction2's `videos/training/` beside a resized one, a
            # backup): each clip is read from the first folder in the walk's order that holds it, which may be the
            # copy (`clips_256p/` sorts before `videos/`), silently. Named, by the folders holding the first clip
            # (`rawframes/training/<class>/<clip>/` holds folders of frames, no clip)
            name = annotations[split][2]
            holders = [folder for folder in below[name] if (folder / kept[0]["id"]).is_file()]
            if len(holders) > 1:
                logger.warning(
                    "moments: %d folders named %r hold the clips (%s); each is read from the first that holds it, "
                    "%s: move the others out of the tree if that is not the copy to train on",
                    len(holders),
                    name,
                    quoted([str(folder) for folder in holders], 3),
                    Path(kept[0]["video"]).parents[len(Path(kept[0]["id"]).parts) - 1],
                )
    splits = _keep_found_splits("moments", splits, missing, roots, "training/<path> and validation/<path>")
    return VideoClassificationData(splits=splits, label_spaces={"label": names}, missing=missing)


# UCF101 and HMDB51 each publish three train/test splits; papers report split 1, or the mean over all three.
# `--dataset_config_name 2` (or `split2`) reads another: these formats' configurations are their splits.
OFFICIAL_SPLIT = 1
OFFICIAL_SPLITS = (1, 2, 3)
SPLIT_LIST_FORMATS = ("ucf101", "hmdb51")


def with_clip_groups(examples: list[dict], classes: list[str]) -> list[dict]:
    """`examples`, each whose file name gives its group (`clip_group_by_name`, its class one of `classes`, by its
    label) marked with it as its `clip_group`."""
    for example in examples:
        group = clip_group_by_name(Path(example["video"]).name, classes[example["label"]])
        if group is not None:
            example["clip_group"] = group
    return examples


def check_config_name(dataset_format: str, config_name: str | None) -> int | str | None:
    """The official split `config_name` names for UCF101 / HMDB51 (`1`, `2`, `3`, or `split1` ...; none: split 1),
    the Epic Kitchens release it names (`"55"`, `"100"`, or `epic55`, `EPIC-Kitchens-100` ...; none: the one there,
    EPIC-100 where both are); None for the other formats. ValueError, naming what is accepted, for a name the format
    has no configuration of: only `hub` (a `datasets` repo's configurations) and these three formats have any."""
    if dataset_format in SPLIT_LIST_FORMATS:
        if config_name is None:
            return OFFICIAL_SPLIT
        number = re.fullmatch(r"(?:split[_-]?)?0?([0-9]+)", config_name.strip().lower())
        if number is None or int(number[1]) not in OFFICIAL_SPLITS:
            raise ValueError(
                f"--dataset_format {dataset_format} has the official splits 1, 2 and 3 as configurations, "
                f"not {config_name!r}"
            )
        return int(number[1])
    if dataset_format == "epic_kitchens" and config_name is not None:
        release = re.fullmatch(r"(?:epic[-_ ]?(?:kitchens[-_ ]?)?)?(55|100)", config_name.strip().lower())
        if release is None:
            raise ValueError(
                f"--dataset_format epic_kitchens has its releases 55 and 100 as configurations, not {config_name!r}"
            )
        return release[1]
    if config_name is not None and dataset_format != "hub":
        raise ValueError(
            f"--dataset_format {dataset_format} has no configurations (got {config_name!r}): --dataset_config_name "
            "names a configuration of a `datasets` repo (--dataset_format hub), an official split of ucf101 / hmdb51 "
            "or a release of epic_kitchens (55, 100)"
        )
    return None


def same_config_name(dataset_format: str | None, old, new) -> bool:
    """Whether two `--dataset_config_name` values (a recorded run's, this one's) read one configuration: UCF101's and
    HMDB51's split and Epic Kitchens' release as `check_config_name` reads them (`1`, `split1` and none are split 1;
    `55` and `epic55` one release); a `datasets` repo's names as typed (its names are its own). A resume typed `1`
    where the run typed `split1` is the same split, not "other batches", and evaluate.py knows the model trained on
    the split it scores."""
    return config_key(dataset_format, old) == config_key(dataset_format, new)  # (a non-string: as it is, `config_key`)


def config_key(dataset_format: str | None, config_name: str | None):
    """The configuration `config_name` names in `dataset_format`, one value however it is spelt (`same_config_name`):
    UCF101's / HMDB51's split number (none: split 1), Epic Kitchens' release (`"55"`); else, and for a name this
    version refuses (recorded by hand, or by another version), `(dataset_format, config_name)`, the name as typed."""
    named = config_name is None or isinstance(config_name, str)
    if named and dataset_format in (*SPLIT_LIST_FORMATS, "epic_kitchens"):
        try:
            return check_config_name(dataset_format, config_name)
        except ValueError:
            pass
    return (dataset_format, config_name)


def config_name_known(dataset_format: str | None, config_name: str | None) -> str | None:
    """`config_name` as the data set names the configuration (`config_key`): UCF101's / HMDB51's split number
    (`Split_01`, `split1`: `"1"`), Epic Kitchens' release (`epic55`: `"55"`); a `datasets` repo's name as typed (its
    names are its own); None for none. The model card said `configuration Split_01`, the spelling typed, where
    `--dataset_config_name 1` gave `1` for the same split."""
    if config_name is None:
        return None
    key = config_key(dataset_format, config_name)
    return config_name if isinstance(key, tuple) else str(key)


def _list_lines(path: Path) -> list[list[str]]:
    """A split list's lines, split on white space (UCF101's lists end lines with CRLF)."""
    return [line.split() for line in _read_text(path).splitlines() if line.strip()]


def _class_ids(names: list[str]) -> dict[str, int]:
    """Each class name to its id, also by its lower-case spelling (UCF101 spells `HandStandPushups` both ways)."""
    ids = {name.lower(): i for i, name in enumerate(names)}
    ids.update({name: i for i, name in enumerate(names)})
    return ids


def _split_list_examples(entries, index, missing, split, several: set[str]) -> list[dict]:
    """`(clip path as listed, label id)` -> examples. A listed `<class>/<clip>` is the file of that name in a folder of
    that class's name anywhere below the roots, else of its name with another video type (the lists name `.avi`
    files; copies re-encoded to `.mp4` keep the stem), else the one file of its name in any folder (a copy without
    class folders). A name that files in several folders share, none of them the listed one, is left out and named:
    taking the first such file, `cartwheel/1.avi` would read `brush_hair/1.avi`, under the class cartwheel."""
    kept, absent, unsure = [], [], []
    for listed, label in entries:
        listed_path = Path(listed.replace("\\", "/"))
        name, folder = listed_path.name, listed_path.parent.name
        stem = Path(name).stem
        keys = [f"{folder}/{name}", f"{folder}/{stem}"] if folder else []
        path = next((index[key] for key in keys if key in index), None)
        if path is None and (name in several or (name not in index and stem in several)):
            unsure.append(listed)
            continue
        path = path or index.get(name) or index.get(stem)
        if path is None:
            absent.append(listed)
        else:
            kept.append({"video": str(path), "label": label, "id": listed})
    if unsure:
        logger.warning(
            "split %r: %d listed clip(s) are not in a folder of their class, and files of their name lie in several "
            "other folders, none of which is theirs; left out, counted missing: %s",
            split,
            len(unsure),
            quoted(unsure),
        )
    count_missing(missing, split, absent)
    if unsure:
        missing[split] = missing.get(split, 0) + len(unsure)
    return kept


def _ucf101_label(listed: str, given: str | None, classes: list[str], ids: dict, source: str) -> int:
    """A listed clip's id from its class folder, checked against the 1-based class number the list gives."""
    folder = listed.replace("\\", "/").split("/")[0]
    label = ids.get(folder, ids.get(folder.lower()))
    if label is None:
        raise DatasetFormatError(
            f"--dataset_format ucf101: {source} lists {listed!r}, whose class {folder!r} classInd.txt does not list"
        )
    if given is not None and not given.isdigit():  # a bare "invalid literal for int()" before
        raise DatasetFormatError(
            f"--dataset_format ucf101: {source} gives {listed!r} the class {given!r}, not a class number (1-based, "
            "as classInd.txt numbers them)"
        )
    if given is not None and int(given) != label + 1:
        raise DatasetFormatError(
            f"--dataset_format ucf101: {source} gives {listed!r} the class {given}, but classInd.txt numbers "
            f"{classes[label]!r} {label + 1} (1-based)"
        )
    return label


def _find_beside(folder: Path, roots: Sequence[Path], name: str, named: dict[str, Path]) -> Path | None:
    """`_find_file([folder, *roots], name)` (a file below `folder` first) from `index_videos`' `named`: the first of
    its name below the roots is the first below `folder` where it lies there; else `folder` alone is walked."""
    path = _find_file([folder, *roots], name, named)
    if path is None or folder in roots or path.is_relative_to(folder):
        return path
    return _find_file([folder], name) or path


def load_ucf101(roots: Sequence[Path], official_split: int = OFFICIAL_SPLIT) -> VideoClassificationData:
    """UCF101: clips `UCF-101/<Class>/v_<Class>_gXX_cYY.avi`, `ucfTrainTestlist/classInd.txt` (`1 ApplyEyeMakeup`,
    1-based; the class order of every published UCF101 model), `trainlist01.txt` (`<Class>/<clip> <1-based class>`)
    and `testlist01.txt` (`<Class>/<clip>`, class from the folder): official split 1 (or `official_split`, 1-3) as
    `train` and `test`."""
    # one walk finds the clips, classInd.txt and the split lists: classInd.txt had a walk of its own, each list
    # another where it is not beside classInd.txt
    several: set[str] = set()
    named: dict[str, Path] = {}
    index = index_videos(roots, several, named=named)
    class_file = _require_file(roots, "classInd.txt", "ucf101", named)
    lines = _list_lines(class_file)
    wrong = next((parts for parts in lines if len(parts) < 2 or not parts[0].isdigit()), None)
    if wrong is not None:  # an IndexError or "invalid literal for int()" before
        raise DatasetFormatError(
            f"--dataset_format ucf101: {class_file} line {' '.join(wrong)!r} is not '<class number> <class>' "
            "(classInd.txt: '1 ApplyEyeMakeup', numbered from 1)"
        )
    pairs = [(parts[1], int(parts[0]) - 1) for parts in lines]
    classes = names_by_index(pairs, "ucf101", class_file.name)
    ids = _class_ids(classes)
    missing: dict[str, int] = {}
    splits = {}
    absent_lists: list[tuple[str, str]] = []
    for split, filename in (
        ("train", f"trainlist{official_split:02d}.txt"),
        ("test", f"testlist{official_split:02d}.txt"),
    ):
        path = _find_beside(class_file.parent, roots, filename, named)
        if path is None:
            absent_lists.append((split, filename))
            continue
        entries = [
            (parts[0], _ucf101_label(parts[0], parts[1] if len(parts) > 1 else None, classes, ids, filename))
            for parts in _list_lines(path)
        ]
        splits[split] = _split_list_examples(entries, index, missing, split, several)
    if not splits:
        raise DatasetFormatError(
            f"--dataset_format ucf101: no trainlist{official_split:02d}.txt or testlist{official_split:02d}.txt "
            f"beside {class_file}{what_is_there([class_file.parent])}"
        )
    for split, filename in absent_lists:
        # Without testlist01.txt there was no test split and no word of the list: the recipes then score a share held
        # out of the training clips (`--validation_split_percentage`), not the official test clips on disk.
        logger.warning(
            "ucf101: no %s beside %s or below %s: split %d has no %r split here (its clips are read by no split)",
            filename,
            class_file,
            ", ".join(map(str, roots)),
            official_split,
            split,
        )
    splits = _keep_found_splits("ucf101", splits, missing, roots, "<Class>/<clip>.avi as the lists name them")
    splits = {split: with_clip_groups(examples, classes) for split, examples in splits.items()}
    return VideoClassificationData(splits=splits, label_spaces={"label": classes}, missing=missing)


def load_hmdb51(roots: Sequence[Path], official_split: int = OFFICIAL_SPLIT) -> VideoClassificationData:
    """HMDB51: clips `<class>/<clip>.avi` and `testTrainMulti_7030_splits/<class>_test_split1.txt` (or
    `official_split`, 1-3), lines `<clip> <1|2|0>` (1: train, 2: test, 0: in neither); classes sorted by name, as
    HMDB51 models number them."""
    list_name = re.compile(rf"^(?P<name>.+)_test_split{official_split}\.txt$")
    # one walk finds the clips and the lists (which had a walk of their own): the first file of each name
    several: set[str] = set()
    named: dict[str, Path] = {}
    index = index_videos(roots, several, named=named)
    lists = {
        match["name"]: folder / filename for filename, folder in named.items() if (match := list_name.match(filename))
    }
    if not lists:
        raise DatasetFormatError(
            f"--dataset_format hmdb51: no <class>_test_split{official_split}.txt"
            f" under {', '.join(map(str, roots))}{what_is_there(roots)}"
        )
    classes = sorted(lists)
    missing: dict[str, int] = {}
    entries: dict[str, list] = {"train": [], "test": []}
    for label, name in enumerate(classes):
        for parts in _list_lines(lists[name]):
            split = {"1": "train", "2": "test", "0": None}.get(parts[1] if len(parts) > 1 else "")
            if split is None and (len(parts) < 2 or parts[1] != "0"):
                raise DatasetFormatError(
                    f"--dataset_format hmdb51: {lists[name].name} line {' '.join(parts)!r} is not '<clip> 1|2|0'"
                )
            if split is not None:
                entries[split].append((f"{name}/{parts[0]}", label))
    splits = {split: _split_list_examples(items, index, missing, split, several) for split, items in entries.items()}
    _warn_class_folders_without_a_list(splits, index, lists, official_split)
    splits = _keep_found_splits("hmdb51", splits, missing, roots, "<class>/<clip>.avi as the lists name them")
    splits = {split: with_clip_groups(examples, classes) for split, examples in splits.items()}
    return VideoClassificationData(splits=splits, label_spaces={"label": classes}, missing=missing)


def _warn_class_folders_without_a_list(splits: dict, index: dict[str, Path], lists: dict, official_split: int) -> None:
    """Name the folders of clips beside the listed classes' folders that no `<class>_test_split<n>.txt` lists (a list
    lost in unpacking HMDB51's rar of lists): their clips are read by no split, and the classes, numbered in sorted
    order over the lists there, each one id lower than HMDB51's after such a class."""
    class_folders = {Path(example["video"]).parent for examples in splits.values() for example in examples}
    beside = {folder.parent for folder in class_folders}
    clips: dict[Path, set[Path]] = {}
    for path in index.values():
        if path.parent.parent in beside and path.parent.name not in lists:
            clips.setdefault(path.parent, set()).add(path)
    if clips:
        shown = [f"{folder} ({len(paths)} clips)" for folder, paths in sorted(clips.items())]
        logger.warning(
            "hmdb51: %d folder(s) of clips beside the listed classes' have no <class>_test_split%d.txt: %s. Their "
            "clips are read by no split, and the classes are numbered without them (each class sorted after one is an "
            "id lower than in HMDB51's 51): put the missing list(s) beside the others",
            len(clips),
            official_split,
            quoted(shown, 3),
        )
