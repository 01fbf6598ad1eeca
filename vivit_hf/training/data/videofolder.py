# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""`--dataset_format videofolder`: `<root>/.../[<split>/].../<class>/<clip>` read as `datasets`' videofolder reads a
folder (a clip's class is the folder it is in, its split a folder above it named by a split). The clips it cannot
label, clips at mixed depths, classes gathered from several folders and official split lists it ignores are named;
a metadata file that gives the labels is refused, and a split of one class is marked untrainable (refused by the
recipe that trains on it).
"""

from __future__ import annotations

import csv
import json
import logging
import os
import re
import shlex
from collections.abc import Iterable, Sequence
from pathlib import Path

from .annotated import OFFICIAL_SPLIT, with_clip_groups
from .examples import LINKED_ACROSS_SPLITS, DatasetFormatError, VideoClassificationData, quoted
from .folders import (
    VIDEO_EXTENSIONS,
    dangling_clips,
    files_below,
    folder_place,
    has_video_extension,
    is_hidden,
    kept_statuses,
    listings_kept,
    other_splits_video_folders,
    place_of,
    place_of_key,
    refuse_lfs_pointers,
    split_folders_named,
    split_named_by,
    split_words,
    warn_left_out,
    what_is_there,
)
from .labels import LABEL_COLUMNS, label_vocabulary

# The adapters' one logger, named as before they were split out of `formats.py`: a level or filter a user set on
# it still applies to every adapter.
logger = logging.getLogger("vivit_hf.training.data.formats")

METADATA_FILES = ("metadata.csv", "metadata.jsonl", "metadata.parquet")


def metadata_columns(path: Path) -> list[str]:
    """The column names of a `datasets` videofolder metadata file, or of a CSV / JSON Lines table in any case
    (`Labels.CSV`: read as parquet's, unread, its label column was not seen); parquet's are not read: reported as
    such."""
    if path.suffix.lower() == ".csv":
        with open(path, newline="", encoding="utf-8-sig") as f:
            return next(csv.reader(f), [])
    if path.suffix.lower() == ".jsonl":
        with open(path, encoding="utf-8-sig") as f:
            first = next((line for line in f if line.strip()), "{}")
        try:
            row = json.loads(first)
        except json.JSONDecodeError as error:
            raise DatasetFormatError(f"{path}: its first line is not JSON ({error}): {first.strip()[:80]!r}") from None
        if not isinstance(row, dict):
            raise DatasetFormatError(f"{path}: its first line is not a JSON object of columns: {first.strip()[:80]!r}")
        return list(row)
    return ["<parquet columns>"]


def _refuse_labelled_metadata(root: Path, split_folders: Sequence[str]) -> None:
    """A `datasets` videofolder whose metadata file gives the labels is not read by class folder: its labels
    would be silently replaced by the folder names (or the clips not found at all)."""
    for folder in (root, *(root / name for name in split_folders)):
        for name in METADATA_FILES:
            path = folder / name
            if not path.is_file():
                continue
            columns = metadata_columns(path)
            if name.endswith(".parquet") or set(columns) & set(LABEL_COLUMNS):
                raise DatasetFormatError(
                    f"--dataset_format videofolder takes the labels from <class>/ folders, but {path} names the "
                    f"clips and their labels (columns {columns}); read it with --dataset_format hub"
                )


def _warn_official_split_lists(root: Path) -> None:
    """UCF101 / HMDB51 read as class folders lose their official split and (UCF101) classInd.txt's class numbers:
    say which format reads them, when their lists sit at the top or one folder down."""
    for folder in (root, *(p for p in root.iterdir() if p.is_dir() and not is_hidden(p.name))):
        if (folder / "classInd.txt").is_file():
            found, fmt = folder / "classInd.txt", "ucf101"
        else:
            found, fmt = next(folder.glob(f"*_test_split{OFFICIAL_SPLIT}.txt"), None), "hmdb51"
        if found is not None:
            logger.warning(
                "videofolder: %s is an official split list; --dataset_format videofolder ignores it (classes "
                "numbered by sorted folder name, one train split), --dataset_format %s reads it",
                found,
                fmt,
            )
            return


def _warn_loose_clips(loose: dict[str, list[str]]) -> None:
    """Clips lying in a split folder itself (or the root) have no class folder, so no label: name them rather than
    drop them unnamed (an unlabelled test set, or files a copy left one level too high)."""
    for split, names in loose.items():
        logger.warning(
            "videofolder: %d clip(s) of split %r lie outside any <class>/ folder and are left out (no label): %s",
            len(names),
            split,
            quoted(names),
        )


def _warn_outside_split_folders(root: Path, outside: list[str], split_folders: list[str]) -> None:
    """Clips below no split folder are in `train`; where other clips lie in split folders, such clips (a class folder
    put beside `train/` and `val/`, not in one; `samples/` of a card) are read as training classes: name them."""
    if outside and split_folders:
        logger.warning(
            "videofolder: %d clip(s) below %s lie outside its split folders (%s) and are read as split 'train', "
            "each labelled by its folder: %s; move them into a split folder, or out of the data set",
            len(outside),
            root,
            quoted(split_folders, 3),
            quoted(outside),
        )


def warn_split_named_twice(root: Path, clips: Sequence[Path], places: dict | None = None) -> None:
    """One split gathered from folders named by different split words (`val/` beside `validation/`, `train/` beside
    `training/`) is read as one split, as `datasets` reads it, though the usual cause
    is a split copied or renamed in part (the same clips evaluated twice, or a second split kept by mistake). Name the
    folders and their clips. Folders of one word (`train-00000/`, `train-00001/`: one split cut in parts) are not.
    Nothing is looked for where the warning would not be said (`finetune.data_warnings_held`): it placed every clip
    again (a second pass over every clip of the scan) for nothing said. `places`: `{clip: place_of(clip below
    root)}` where the caller placed them already."""
    if not logger.isEnabledFor(logging.WARNING):
        return
    per_word: dict[str, dict[str, list[str]]] = {}  # split -> {split word of its folder: [that folder, per clip]}
    words_of: dict[str, str] = {}  # split folder: its split words
    for clip in clips:
        place = places[clip] if places is not None else place_of(clip.relative_to(root))
        if place.split_folder is not None:
            if place.split_folder not in words_of:  # (a Path per clip: 6 s of 9 at 264 000 clips, cProfile)
                words_of[place.split_folder] = "/".join(split_words(Path(place.split_folder).name))
            word = words_of[place.split_folder]
            per_word.setdefault(place.split, {}).setdefault(word, []).append(place.split_folder)
    for split, words in per_word.items():
        if len(words) > 1:
            logger.warning(
                "split %r of %s is read from folders named by %d different split words, merged into one split (as "
                "datasets merges them): %s; if one is a copy or not a %s split, move it out of the data set",
                split,
                root,
                len(words),
                "; ".join(
                    f"{quoted(sorted(set(folders)), 2)} ({len(folders)} clip{'s' if len(folders) != 1 else ''})"
                    for _, folders in sorted(words.items())
                ),
                split,
            )


def _warn_mixed_depths(depths: dict[int, str]) -> None:
    """Clips at different depths below their split folder (`run/a.mp4` beside `run/slow/b.mp4`) are each labelled
    by their own folder (`run`, `slow`), as `datasets` does; say so, as a nested class folder reads as a class."""
    if len(depths) > 1:
        logger.warning(
            "videofolder: clips lie at %d different depths below their split folder, e.g. %s; each clip's class "
            "is the folder it is in",
            len(depths),
            quoted([depths[depth] for depth in sorted(depths)]),
        )


def class_folders_of(root: Path, places: dict) -> dict[str, dict[str, str]]:
    """`{class: {its folder's parents below the split folder: that folder}}` of the clips `places` gives a class
    (`{clip: place_of(clip below root)}`), each folder's once."""
    class_folders: dict[str, dict[str, str]] = {}
    seen: set[str] = set()  # each folder once: its clips' places are its own (a relative path per clip took 19 s of
    # 135 at 264 000 clips, cProfile)
    for clip, place in places.items():
        folder = os.path.dirname(clip)
        if place.label is None or folder in seen:
            continue
        seen.add(folder)
        relative = clip.relative_to(root)
        below_split = len(relative.parts) - (len(Path(place.split_folder).parts) if place.split_folder else 0)
        parents = relative.parts[len(relative.parts) - below_split : -2]
        class_folders.setdefault(place.label, {}).setdefault("/".join(parents), relative.parent.as_posix())
    return class_folders


def warn_gathered_classes(class_folders: dict[str, dict[str, str]], reader: str = "videofolder") -> None:
    """A class name whose clips lie in folders of that name below different folders (`train/cat/indoor/`,
    `train/dog/indoor/`: clips sorted by camera or place inside each class) gathers them into one class, as `datasets`
    does, and the real classes vanish; say so, naming two of its folders. `reader`: the `--dataset_format` that reads
    them so (`hub`: `datasets`' videofolder, which names a class by its folder as `videofolder` does)."""
    gathered = {name: folders for name, folders in class_folders.items() if len(folders) > 1}
    if gathered:
        shown = [
            f"{name!r} ({', '.join(repr(f) for f in list(folders.values())[:2])})" for name, folders in gathered.items()
        ]
        # `trainset/cat/` beside `testset/cat/`: the test clips were trained on and a share of both held out, said only
        # as classes gathered from two places
        unsplit = sorted(
            {
                part
                for folders in gathered.values()
                for parents in folders
                for part in parents.split("/")
                if split_named_by(part) is None and _SPLIT_WORD_FIRST.fullmatch(part)
            }
        )
        logger.warning(
            "%s: %d class(es) gather clips from folders of their name in different places: %s%s; a clip's "
            "class is the folder it is in%s",
            reader,
            len(gathered),
            ", ".join(shown[:3]),
            f" and {len(shown) - 3} more" if len(shown) > 3 else "",
            f". {quoted(unsplit)} name{'s' if len(unsplit) == 1 else ''} no split (a split word must stand as a word "
            "of its own in a folder's name: test/, test_set/), so their clips are read into the split of the folders "
            "above them, 'train' where none names one"
            if unsplit
            else "",
        )


# A folder name made of a split word and what such folders are called after it, in one word (`trainset`, `TestData`,
# `trainval`, `valvideos`), not any word starting so: `valley/`, `testimonials/` are no splits a user meant
_SPLIT_WORD_FIRST = re.compile(
    r"(train(ing)?|test(ing)?|val(id|idation)?|eval(uation)?|dev)(set|data|split|val|test|videos|clips|files)?s?",
    re.IGNORECASE,
)


def warn_empty_class_folders(
    root: Path, class_dirs: dict[Path, Path], videos: Sequence[Path], holding: Iterable[Path] = ()
) -> None:
    """Folders beside the class folders that hold nothing (a class whose copy failed, a class not yet filled), or no
    video below them (only its notes, a labels.txt, which no warning about files of other types names), give no
    class, as in `datasets`, so the model would have a class fewer than the folders show; name them. So are
    such folders beside a folder of class folders (`train/empty_class/` next to `train/animals/cat/`), up to the
    split folder (`class_dirs`: each class folder's split folder, or `root`), which went unnamed. `holding`: more
    folders holding clips (another split's, not listed: `load_videofolder`'s `one_of`)."""
    # the folders above each clip's folder, each folder's once: a Kinetics tree is 400 folders of 240k clips
    holding_videos = {
        above for folder in {clip.parent for clip in videos} | set(holding) for above in (folder, *folder.parents)
    }
    empty, videoless = [], []
    for parent in sorted({above for folder, top in class_dirs.items() for above in _folders_up_to(folder.parent, top)}):
        for child in sorted(parent.iterdir()):
            if child in class_dirs or is_hidden(child.name) or not child.is_dir():
                continue
            try:
                if not any(not is_hidden(entry.name) for entry in child.iterdir()):
                    empty.append(child.relative_to(root).as_posix())
                elif child not in holding_videos:
                    videoless.append(child.relative_to(root).as_posix())
            except OSError:  # unreadable: not ours to judge
                continue
    if empty:
        logger.warning(
            "videofolder: %d folder(s) beside the class folders are empty and give no class: %s",
            len(empty),
            quoted(sorted(empty)),
        )
    if videoless:
        logger.warning(
            "videofolder: %d folder(s) beside the class folders hold no video file and give no class: %s",
            len(videoless),
            quoted(sorted(videoless)),
        )


def _folders_up_to(folder: Path, top: Path) -> list[Path]:
    """`folder` and the folders above it up to `top`, both included (`folder` itself where `top` is not above it)."""
    above = [folder]
    while above[-1] != top and top in above[-1].parents:
        above.append(above[-1].parent)
    return above


def _one_class_splits(roots: Sequence[Path], per_split: dict[str, list]) -> dict[str, str]:
    """Per split of one class, why it trains nothing (every clip is right by construction): the usual cause is a
    layout read one level off, which the message shows. Refused by a recipe that trains on it, never by one that
    reads another split (`VideoClassificationData.refuse_training_on`)."""
    untrainable = {}
    for split, items in per_split.items():
        classes = {name for name, _, _ in items}
        if len(classes) == 1:
            keys = [key for _, _, key in items]
            untrainable[split] = (
                f"--dataset_format videofolder: split {split!r} of {', '.join(map(str, roots))} has one class, "
                f"{classes.pop()!r} ({len(keys)} clips: {quoted(keys, 3)}), and a classifier trained on one class "
                "learns nothing. A clip's class is the folder it is in, its split a folder above it named by a split "
                f"(train, val, test, ...); splits found: {sorted(per_split)}{what_is_there(roots)}"
            )
    return untrainable


def _folder_clips(root: Path, missing: dict | None = None, split: str | None = None) -> dict[str, list]:
    """`{split: [(class, clip, id)]}` of one root and its split folders; warns about the clips without a class,
    the files that are not videos and the clips at mixed depths; symlinked clips whose target is not there are
    named and counted in `missing`. `split`: that split's folders alone (`files_below`), and what is said of them."""
    videos, others = files_below(root, split)
    warn_left_out(root, others, links_named=True)
    per_split: dict[str, list] = {}
    loose: dict[str, list[str]] = {}
    split_folders: set[str] = set()
    depths: dict[int, str] = {}
    places = {}  # the clips with a class: their place
    class_dirs: dict[Path, Path] = {}  # class folder: the split folder above it, or root
    outside: list[str] = []  # clips below no split folder: `train`, said when other clips have one
    for clip in videos:
        relative = clip.relative_to(root)
        place = place_of(relative)
        key = relative.as_posix()
        if place.split_folder is not None:
            split_folders.add(place.split_folder)
        elif place.label is not None:
            outside.append(key)
        if place.label is None:
            loose.setdefault(place.split, []).append(key)
            continue
        per_split.setdefault(place.split, []).append((place.label, clip, key))
        class_dirs[clip.parent] = root / place.split_folder if place.split_folder else root
        below_split = len(relative.parts) - (len(Path(place.split_folder).parts) if place.split_folder else 0)
        depths.setdefault(below_split, key)
        places[clip] = place
    class_folders = class_folders_of(root, places)  # class -> {its folder's parents below the split folder: folder}
    if split is not None:  # the other splits' folders, by their files' names (not stat'ed): their metadata files
        split_folders |= split_folders_named(root)
    _refuse_labelled_metadata(root, sorted(split_folders))
    _warn_outside_split_folders(root, outside, sorted(split_folders))
    _warn_loose_clips(loose)
    warn_split_named_twice(root, list(places), places)
    _warn_mixed_depths(depths)
    warn_gathered_classes(class_folders)
    warn_empty_class_folders(root, class_dirs, videos, () if split is None else other_splits_video_folders(root, split))
    for split, absent in dangling_clips(root, others, class_folders).items():
        if missing is not None:
            missing[split] = missing.get(split, 0) + len(absent)
    return per_split


def warn_clips_linked_from_other_splits(root: Path, split: str, examples: Sequence[dict]) -> None:
    """A split read alone (`load_videofolder`'s `one_of`): name its clips that are files of another split under
    another name (a clip hard-linked or symlinked into `val/`: a model trained on one is scored on its own clips), as
    the whole read names them (`warn_repeated_clips`). The other splits' files are known by the inode their folder's
    listing gives with each name, on their folder's device (one stat a folder); a symlink among them alone is
    stat'ed. Byte-identical copies are not looked for: that would stat every file of the other splits."""
    if not logger.isEnabledFor(logging.WARNING) or not examples:
        return
    statuses = kept_statuses()
    clips: dict[tuple[int, int], list[str]] = {}  # (device, inode): the split's clips of that file, in order
    identities = []  # (file, clip) of each clip, in the split's order
    for example in examples:
        status = statuses.get(example["video"])
        if status is not None and status.st_ino:  # (inode 0: some FUSE and network file systems, no identity)
            identities.append(((status.st_dev, status.st_ino), example["id"]))
            clips.setdefault(identities[-1][0], []).append(example["id"])
    here = Path(examples[0]["video"])  # the split read's first clip: which split the whole read lists first
    firsts: dict[str, Path] = {}  # each other split's first file
    others: dict[str, dict[tuple[int, int], list[str]]] = {}  # other split: {file: its names there, in order}
    for folder in sorted(other_splits_video_folders(root, split)):
        place = folder_place(folder.relative_to(root).parts)
        if place.label is None:  # (clips in no class folder: none of the whole read's)
            continue
        other, below = place.split, folder.relative_to(root).as_posix()
        device = os.stat(folder).st_dev
        with os.scandir(folder) as listing:
            entries = sorted((e for e in listing if not is_hidden(e.name)), key=lambda e: e.name)
        for entry in entries:
            if not entry.name.lower().endswith(VIDEO_EXTENSIONS):  # (strings: a Path each took 10 s of 18 at 248 000)
                continue
            if other not in firsts:
                firsts[other] = Path(entry.path)
            identity = (device, entry.inode())
            if entry.is_symlink():
                try:
                    status = os.stat(entry.path)
                except OSError:
                    continue
                identity = (status.st_dev, status.st_ino)
            if identity in clips:
                others.setdefault(other, {}).setdefault(identity, []).append(f"{below}/{entry.name}")
    for other, files in others.items():
        # as the whole read pairs them: each later name of a file with its first, the splits in the order of their
        # first clips, in the order of the later split's clips
        before = firsts[other] < here
        if before:
            pairs = [f"{files[i][0]} = {key}" for i, key in identities if i in files]
        else:
            pairs = [f"{clips[i][0]} = {name}" for i, names in files.items() for name in names]
        how = "symlinks or hard links to one file"
        where = (other, split) if before else (split, other)
        logger.warning(LINKED_ACROSS_SPLITS, len(pairs), *where, how, quoted(pairs, 3))


# Files of a `datasets` data set: what the shard writer and `push_to_hub` write (tar, parquet), `save_to_disk`'s arrow
_DATA_FILE_SUFFIXES = (".tar", ".parquet", ".arrow", ".jsonl", ".csv")


def _is_hub_folder(root: Path) -> bool:
    """A folder `--dataset_format hub` reads: a data card (README.md) beside data files, or `save_to_disk`'s. The
    default format (videofolder) found no class folders there, and said only what the folder holds: the shard
    writer's output given to evaluate.py without --dataset_format hub read as a folder of nothing."""
    if (root / "state.json").is_file() or (root / "dataset_dict.json").is_file():
        return True
    if not (root / "README.md").is_file():
        return False
    return any(path.suffix in _DATA_FILE_SUFFIXES for depth in ("*", "*/*") for path in root.glob(depth))


# Images a folder of a clip's extracted frames holds (mmaction2's `rawframes/`, Jester's and Something-Something v1's
# JPEG folders, `ffmpeg -i clip.mp4 img_%05d.jpg`)
_FRAME_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp")


def _frame_folder(root: Path) -> tuple[str, str] | None:
    """`(folder, image suffix)` of the first folder below `root` holding two or more images (a clip's extracted frames,
    `train/cat/v1/img_00001.jpg`), else None, so that such a tree is not refused as "no <class>/<video> files" alone,
    every frame named as a file of another type, with no word of what videofolder reads instead."""
    counts: dict[tuple[Path, str], int] = {}
    for path in files_below(root)[1]:
        if path.suffix.lower() in _FRAME_SUFFIXES:
            key = (path.parent, path.suffix)
            counts[key] = counts.get(key, 0) + 1
            if counts[key] == 2:
                return path.parent.relative_to(root).as_posix(), path.suffix
    return None


def _tables_beside(root: Path) -> tuple[bool, list[str]]:
    """The tables one or two levels into a folder without clips, from one walk of it: whether it holds Parquet or
    Arrow ones without a card (`to_parquet` into `push_to_hub`'s `data/train-*.parquet`), which `--dataset_format
    hub` reads (the default format named what the folder holds, not the format that reads it; lower case, as
    `datasets` finds them); and the CSV / JSON ones beside its clips (`labels.csv` of file names and classes), which
    videofolder reads no labels from (not "no <class>/<video> files" alone, the table named only among its files,
    with no word of the two ways to read its labels)."""
    paths = [path for depth in ("*", "*/*") for path in root.glob(depth)]
    holds_tables = any(path.suffix in (".parquet", ".arrow") for path in paths)
    label_lists = sorted(
        path.relative_to(root).as_posix()
        for path in paths
        if path.suffix.lower() in (".csv", ".tsv", ".json", ".jsonl") and path.is_file()
    )
    return holds_tables, label_lists


def _clips_without_class(root: Path) -> list[str]:
    """The video files below `root` that no class folder holds (`a.mp4` straight in it, or `train/a.mp4` in a split
    folder), as videofolder places them; hidden ones left out."""
    if not root.is_dir():
        return []
    videos, _ = files_below(root)
    return [key.as_posix() for clip in videos if place_of(key := clip.relative_to(root)).label is None]


def split_found(roots: Sequence[Path], splits: Sequence[str]) -> str | None:
    """The first of `splits` that a clip below `roots` is in with a class (`place_of`), each split's files alone
    listed (`files_below`: within `listings_kept`, the read that follows lists them no more); None for none."""
    for split in splits:
        for root in roots:
            if any(place_of(clip.relative_to(root)).label is not None for clip in files_below(root, split)[0]):
                return split
    return None


@listings_kept()  # each root walked once: its clips and `refuse_lfs_pointers`' small files
def load_videofolder(roots: Sequence[Path], one_of: Sequence[str] | None = None) -> VideoClassificationData:
    """`<root>/.../[<split>/].../<class>/<clip>`, read as `datasets`' videofolder reads a folder: a clip's class is
    the folder it is in; its split is named by a folder above, at any depth (`train`, `val2017`, `k400_test`...),
    else `train`. `.webm` and the other `VIDEO_EXTENSIONS` included (`datasets`' videofolder skips them). A
    `datasets` metadata file that gives labels is refused (it is read by `--dataset_format hub`); a split of one
    class is marked `untrainable`, refused where a recipe trains on it. `one_of`: the one split read, the first of
    these that holds a clip (`split_found`; evaluate.py's), its clips, labels and warnings as the whole read's, the
    other splits' files not stat'ed (their paths read, 248 000 training clips beside 20 000 evaluated); every split
    where none does (the whole read then says what the folder holds). Its classes are the split's alone: its ids are
    no model's (evaluate.py maps them by name, `check_labels`)."""
    only = split_found(roots, one_of) if one_of else None
    per_split: dict[str, list] = {}
    missing: dict[str, int] = {}
    for root in roots:
        # (a clone without git-lfs: each clip failed to decode, skipped and counted); its clips alone are read
        refuse_lfs_pointers(root, has_video_extension, only)
        _warn_official_split_lists(root)
        for split, items in _folder_clips(root, missing, only).items():
            per_split.setdefault(split, []).extend(items)
    if not per_split:
        hub = _is_hub_folder(roots[0])  # the shard writer's output, a pushed or saved data set
        hint = "; it holds a data set's card and data files: read it with --dataset_format hub" if hub else ""
        holds_tables, tables = (False, []) if hub else _tables_beside(roots[0])
        if holds_tables:
            hint = "; it holds a data set's tables: read it with --dataset_format hub"
        elif not hub and (frames := _frame_folder(roots[0])):
            folder, extension = frames
            hint = (
                f"; its folders hold images ({folder}/*{extension}): videofolder reads video files, not images nor "
                "folders of a clip's extracted frames; where each such folder is a clip's frames, encode it as a clip "
                f"beside it, in "
                f"{roots[0]}: `ffmpeg -framerate <the rate they were extracted at> -pattern_type glob -i "
                f"{shlex.quote(f'{folder}/*{extension}')} -pix_fmt yuv420p {shlex.quote(f'{folder}.mp4')}`"
            )
        elif not tables and (loose := _clips_without_class(roots[0])):
            # clips in no class folder, no table: the refusal listed the folder's files (or only its split folders,
            # for train/a.mp4) and said nothing of what to do
            where = Path(roots[0], loose[0]).parent
            lie = "video file lies" if len(loose) == 1 else "video files lie"
            # datasets applies a metadata file to its own folder alone (a root one is refused for train/a.mp4)
            each = " (one in each folder holding them)" if len({Path(key).parent for key in loose}) > 1 else ""
            hint = (
                f"; its {len(loose)} {lie} in no class folder ({loose[0]}), where videofolder takes a clip's class "
                f"from the folder it is in: move each into a folder named by its class ({where}/<class>/<clip>), or "
                f"list them in a metadata.csv in {where}{each} with their file names in a 'file_name' column and "
                "their classes in a 'label' column, and read the folder with --dataset_format hub"
            )
        elif tables:
            hint = (
                f"; videofolder reads no labels from a table ({tables[0]}): a released data set's annotations are "
                "read with its --dataset_format (kinetics, ssv2, ...); for a table of your own, name it metadata.csv "
                "(or .jsonl) with the clips' paths in a 'file_name' column and read the folder with --dataset_format "
                "hub, or move each clip into a folder named by its class"
            )
        raise DatasetFormatError(
            f"--dataset_format videofolder: no <class>/<video> files under {roots[0]}{what_is_there(roots)}{hint}"
        )
    names, label2id = label_vocabulary([name for items in per_split.values() for name, _, _ in items], "videofolder")
    splits = {
        s: with_clip_groups(
            [{"video": str(clip), "label": label2id[name], "id": key} for name, clip, key in items], names
        )
        for s, items in per_split.items()
    }
    if only is not None:
        for root in roots:
            warn_clips_linked_from_other_splits(root, only, splits[only])
    untrainable = _one_class_splits(roots, per_split)
    return VideoClassificationData(
        splits=splits,
        label_spaces={"label": names},
        missing=missing,
        untrainable=untrainable,
        own_names=folder_split_names(per_split),
        read_alone=only,
    )


def folder_split_names(per_split: dict[str, list]) -> dict[str, str]:
    """`{split: the folder that names it}` where that folder is spelt otherwise (`training/` read as `train`, `Val/`
    as `validation`) and is the one folder of every clip of the split (`VideoClassificationData.own_names`): the
    model card named a folder data set's `training/` split `train`, the recipes' name. A split of several folders
    (`train/` beside `training/`) or of clips below none keeps the recipes' name."""
    own = {}
    for split, items in per_split.items():
        folders = {place_of_key(key).split_folder for _, _, key in items}
        names = {Path(folder).name for folder in folders if folder is not None}
        if None not in folders and len(names) == 1 and (name := names.pop()) != split:
            own[split] = name
    return own
