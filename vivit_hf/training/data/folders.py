# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Which files of a data set folder are clips: `VIDEO_EXTENSIONS`, the walk below a folder (symlinked folders
followed, a link back up skipped), where a clip lies (its class folder, and its split folder named as `datasets`
names split folders), and the files a scan leaves out, named in a warning. Hidden files and folders (`.*`, which
includes macOS' `._*` resource forks), `__MACOSX` folders and the system folders of NAS and Windows (Synology's
`@eaDir`, `#recycle`, `$RECYCLE.BIN`...) are never taken for clips, nor a download's leftovers beside the clip
they were merged into (yt-dlp's `id.f137.mp4`, `id.temp.mp4`, `.part`), which are named. A file or an archive given
as `--dataset`, where a folder is expected, is refused.
"""

from __future__ import annotations

import contextlib
import contextvars
import errno
import functools
import json
import logging
import os
import re
import stat
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from .examples import SPLIT_ALIASES, DatasetFormatError, quoted, recipe_split_name
from .labels import label_name

# The adapters' one logger, named as before they were split out of `formats.py`: a level or filter a user set on
# it still applies to every adapter.
logger = logging.getLogger("vivit_hf.training.data.formats")

# The one list of video file types: the data set readers and `recipes/predict.py` pick the same files of a folder.
# Every container FFmpeg (PyAV's wheels) reads that cameras, phones and the data sets write: MPEG-4 / QuickTime and
# their phone (3GP) and Flash variants, Matroska / WebM, AVI / DivX, ASF / WMV, MPEG-PS (DVD `.vob`), MPEG-TS (AVCHD
# camcorders' `.mts` / `.m2ts`), MXF, Ogg, NUT, DV, Y4M, RealMedia, GIF, and raw H.264 / HEVC / MPEG / VP8-9 streams.
VIDEO_EXTENSIONS = (
    *(".mp4", ".m4v", ".mov", ".qt", ".3gp", ".3g2", ".f4v", ".flv", ".webm", ".mkv", ".avi", ".divx", ".wmv", ".asf"),
    *(".mpg", ".mpeg", ".mpe", ".m1v", ".m2v", ".vob", ".ts", ".m2t", ".mts", ".m2ts", ".mxf", ".ogv", ".nut", ".dv"),
    *(".y4m", ".rm", ".rmvb", ".gif", ".mjpeg", ".h264", ".264", ".hevc", ".h265", ".265", ".ivf"),
)

# What a data set folder holds beside its clips (annotations, metadata, cards, the archives a Hub repo was unpacked
# from): left out of a folder scan unnamed. Any other file left out is named, as it may be a clip.
_COMPANION_SUFFIXES = (
    *(".csv", ".tsv", ".json", ".jsonl", ".txt", ".md", ".yaml", ".yml", ".parquet", ".arrow", ".py", ".lock"),
    *(".zip", ".tar", ".gz", ".tgz", ".bz2", ".tbz2", ".xz", ".txz"),
)


def recipe_split_names(splits) -> dict[str, str]:
    """`{split: its name in the recipes}` for a `datasets` repo's splits: `val`, `dev` -> `validation`, ... by
    `SPLIT_ALIASES`. Where two splits would get one name (`val` beside `validation`, `eval` beside `test`: repos
    pushed with both, whose files `data/<split>-00000-of-00001.parquet` keep each name), each keeps its own, and a
    warning names them: one replacing the other, a split of the data set would be gone, and the split evaluated
    perhaps not the one the user meant."""
    splits = [str(split) for split in splits]
    wanted = {split: recipe_split_name(split) for split in splits}
    names = {}
    for split in splits:
        shared = [other for other in splits if wanted[other] == wanted[split]]
        names[split] = wanted[split] if len(shared) == 1 else split
    evaluated = next((name for name in ("validation", "test") if name in names.values()), None)  # the default
    for name in dict.fromkeys(wanted.values()):
        shared = [split for split in splits if wanted[split] == name]
        if len(shared) > 1:
            # two training splits (`train` beside `Train`, `training`) are a choice of --train_split, where the
            # advice to name one with --eval_split sent the user to evaluate on one and train on the other
            use = (
                "train on with --train_split"
                if name == "train"
                else "evaluate with --eval_split (evaluate.py: --split)"
            )
            logger.warning(
                "the splits %s all mean %r and are kept apart under their own names%s; name the one to %s",
                " and ".join(map(repr, sorted(shared))),
                name,
                f" ({evaluated!r} is evaluated when none is named)" if evaluated in shared else "",
                use,
            )
    return names


def unlabelled_split_names(every_split, labelled) -> list[str]:
    """The splits of `every_split` that are not in `labelled` (left out: none of their rows has a label), by their
    names in the recipes (`eval` -> `test`, as `recipe_split_names` names a split that no other shares)."""
    names = {recipe_split_name(str(split)) for split in labelled}
    left_out = [str(split) for split in every_split if split not in labelled]
    return [recipe_split_name(split) if recipe_split_name(split) not in names else split for split in left_out]


# The folders a NAS or Windows keeps in a shared folder or on a drive, hidden in their own file browsers but not over
# rsync, NFS or a copy: Synology's `@eaDir` in every folder its indexer saw (thumbnails and preview transcodes of each
# clip, `train/cat/@eaDir/0.mp4/SYNOPHOTO_FILM_M.mp4`: read as clips of classes '0.mp4', '1.mp4'..., a copy of every
# clip under a wrong class), its recycle bin and snapshots (`#recycle/train/cat/0.mp4`, a deleted clip under its old
# path, read back into its split and class), QNAP's, and Windows' recycle bin and volume folder. Windows
# spells its names in any case (`$Recycle.Bin`).
SYSTEM_FOLDERS = frozenset(
    name.casefold()
    for name in (
        *("@eaDir", "#recycle", "#snapshot"),  # Synology
        *("@Recycle", "@Recently-Snapshot"),  # QNAP
        *("$RECYCLE.BIN", "System Volume Information"),  # Windows
    )
)


# What yt-dlp (Kinetics' downloader) leaves in a folder beside a clip: an unfinished download (`id.mp4.part`, its
# `id.mp4.ytdl` resume state), and, where a merge of a video and an audio format stopped or was kept (`-k`), the
# formats themselves (`id.f137.mp4`, video only; `id.f251.webm`, audio only) and the merge's output (`id.temp.mp4`).
# A format or merge file beside its merged clip `id.<video type>` is a duplicate of it, or no clip at all: left out
# and named (it was read as one more clip); without its merged clip it is kept, as it may be the only copy.
_DOWNLOAD_LEFTOVER_SUFFIXES = (".part", ".ytdl")
_DOWNLOAD_FORMAT_STEM = re.compile(r"(?P<clip>.+)\.(?:f[0-9]+|temp)")


def _download_leftovers(videos: Sequence[Path]) -> set[Path]:
    """The yt-dlp format and merge files among `videos` whose merged clip is among them too."""
    formats = [(path, match["clip"]) for path in videos if (match := _DOWNLOAD_FORMAT_STEM.fullmatch(path.stem))]
    if not formats:  # (every clip's folder and stem were gathered first: 12 of 135 s at 264 000 clips, cProfile)
        return set()
    clips = {(path.parent, path.stem) for path in videos}
    return {path for path, clip in formats if (path.parent, clip) in clips}


def download_format_of(stem: str) -> str | None:
    """The stem of the clip a yt-dlp format file (`id.f137` of `id.f137.mp4`) was to be merged into, else None."""
    match = _DOWNLOAD_FORMAT_STEM.fullmatch(stem)
    return match["clip"] if match and not stem.endswith(".temp") else None


def holds_video(path: Path) -> bool:
    """Whether `path`'s container holds a video stream (one it cannot open is left to the decode to name), other than a
    cover image: an audio format's embedded thumbnail (`attached_pic`, one still frame), which the readers pass over
    (`video_streams.video_stream`) and refuse as "no video stream" where it is all the file holds."""
    import av

    from ...processing.video_streams import video_stream

    try:
        with av.open(str(path)) as container:
            return video_stream(container) is not None
    except (av.FFmpegError, OSError):
        return True


def _is_download_leftover(path: Path) -> bool:
    """Among a listing's other files, which are yt-dlp's: the only video-typed files there (not dangling links) are
    the format and merge files `_download_leftovers` moved there."""
    if path.suffix.lower() in _DOWNLOAD_LEFTOVER_SUFFIXES:
        return True
    return path.suffix.lower() in VIDEO_EXTENSIONS and not is_dangling(path)


# The files Windows and macOS leave in a folder they showed (thumbnails, a folder's icon and settings), hidden there:
# named in every folder scan's warning of files left out, where a class's clips of an unread type should stand out.
_SYSTEM_FILES = frozenset(name.casefold() for name in ("Thumbs.db", "ehthumbs.db", "desktop.ini", "Icon\r"))
_SYSTEM_NAMES = SYSTEM_FOLDERS | _SYSTEM_FILES


def is_hidden(name: str) -> bool:
    """Hidden files and folders, macOS resource forks (`._clip.mp4`, "AppleDouble"), zip's `__MACOSX` and the system
    folders and files of NAS, Windows and macOS (`SYSTEM_FOLDERS`, `Thumbs.db`, `desktop.ini`)."""
    return name.startswith(".") or name == "__MACOSX" or name.casefold() in _SYSTEM_NAMES


def walk_folder(root: Path):
    """`(folder, file names)` of `root` and every folder below it, in sorted order, hidden folders and files left
    out. Symlinked folders are followed (a class or split folder linked from another disk is read like any other;
    `Path.rglob` skips them before Python 3.13), except a link back to a folder it lies in (a loop),
    which is named and skipped. Two links to one folder from different places are each read."""
    chains: dict[str, frozenset] = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        chain = chains.pop(dirpath, None) or frozenset({os.path.realpath(dirpath)})
        kept = []
        for name in sorted(d for d in dirnames if not is_hidden(d)):
            real = os.path.realpath(os.path.join(dirpath, name))
            if real in chain:
                logger.warning("%s links back to %s, a folder above it: not followed", Path(dirpath, name), real)
                continue
            kept.append(name)
            chains[os.path.join(dirpath, name)] = chain | {real}
        dirnames[:] = kept
        yield Path(dirpath), sorted(f for f in filenames if not is_hidden(f))


# `files_below`'s answers kept for one read of a folder (`listings_kept`); None outside one: each call walks.
_KEPT_LISTINGS: contextvars.ContextVar[dict | None] = contextvars.ContextVar("vivit_hf_kept_listings", default=None)


@contextlib.contextmanager
def listings_kept() -> Iterator[None]:
    """Within it, `files_below` and `regular_files_below` walk each folder once: a `--dataset_format hub` read
    walked it four to five times (its cache key, its refusals, its metadata rows' clips, its label names), a stat per
    file each time (a third of our own work at 20 000 clips). Kept for this one read only (a nested one shares the
    outer's), so a folder changed between reads is walked again."""
    if _KEPT_LISTINGS.get() is not None:
        yield
        return
    token = _KEPT_LISTINGS.set({})
    try:
        yield
    finally:
        _KEPT_LISTINGS.reset(token)


def files_below(folder: Path, split: str | None = None) -> tuple[list[Path], list[Path]]:
    """(video files, other files) below `folder`, sorted; hidden files and folders are in neither, symlinked folders
    are followed (`walk_folder`). A video file has a `VIDEO_EXTENSIONS` suffix, in any case (camcorders write `.MTS`).
    A symlink to a file that is not there (a disk not mounted) is among the other files (`is_dangling`): it is no
    clip, but it must not vanish unnamed. Walked once within `listings_kept`. `split`: only the files of folders
    whose place is that split (`folder_place`), the others' not stat'ed."""
    videos, others, _ = _listing(folder, split)
    return list(videos), list(others)


def regular_files_below(folder: Path, split: str | None = None) -> dict[Path, os.stat_result]:
    """`{file: its os.stat}` of the files below `folder` that are files (`Path.is_file`: not a dangling symlink),
    sorted as `files_below` lists them, from the same walk and stat within `listings_kept`."""
    return dict(_listing(folder, split)[2])


def kept_statuses() -> dict[str, os.stat_result]:
    """`{file: its os.stat}`, the path as a string (an example's "video"), of the files the listings kept in this
    read stat'ed (`listings_kept`), for checks made later in the read not to stat each file again; empty outside."""
    kept = _KEPT_LISTINGS.get() or {}
    listings = [listing for key, listing in kept.items() if isinstance(key, tuple)]  # (not the walks: `_walked`)
    return {str(path): status for _, _, statuses in listings for path, status in statuses.items()}


def _listing(folder: Path, split: str | None = None) -> tuple[list[Path], list[Path], dict[Path, os.stat_result]]:
    kept = _KEPT_LISTINGS.get()
    if kept is None:
        return _files_below(_walked(folder), folder, split)
    key = (str(folder), split)  # the paths are `folder`'s as given: `x` and `/abs/x` are two listings
    if key not in kept:
        kept[key] = _files_below(_walked(folder), folder, split)
    return kept[key]


def _walked(folder: Path) -> list[tuple[Path, list[str]]]:
    """`walk_folder(folder)`, walked once within `listings_kept` (kept under the folder's name, the listings under
    (name, split)): a listing of one split and one of every split share it, a link back up named once."""
    kept = _KEPT_LISTINGS.get()
    if kept is None:
        return list(walk_folder(Path(folder)))
    if str(folder) not in kept:
        kept[str(folder)] = list(walk_folder(Path(folder)))
    return kept[str(folder)]


def split_folders_named(folder: Path) -> set[str]:
    """The split folders (`folder_place`'s, below `folder`) of the folders holding a file of a video's name, from the
    walk alone: none of their files stat'ed."""
    return {place.split_folder for dirpath, place in _video_folders(folder) if place.split_folder is not None}


def other_splits_video_folders(folder: Path, split: str) -> set[Path]:
    """The folders below `folder` whose place is a split other than `split` that hold a file of a video's name, from
    the walk alone (a listing of `split` alone: the folders its siblings hold clips in, which are not empty)."""
    return {dirpath for dirpath, place in _video_folders(folder) if place.split != split}


def _video_folders(folder: Path) -> list[tuple[Path, _FolderPlace]]:
    return [
        (dirpath, folder_place(dirpath.relative_to(folder).parts))
        for dirpath, filenames in _walked(folder)
        if any(name.lower().endswith(VIDEO_EXTENSIONS) for name in filenames)
    ]


def _files_below(
    walked: list[tuple[Path, list[str]]], folder: Path, split: str | None
) -> tuple[list[Path], list[Path], dict[Path, os.stat_result]]:
    videos, others, statuses = [], [], {}
    # a split's files alone (evaluate.py's): the others' paths are never made nor stat'ed, by their folder's place,
    # so a clip is in or out as `place_of` places it (Kinetics' 248 000 training clips beside 20 000 evaluated)
    found = [
        path
        for dirpath, filenames in walked
        if split is None or folder_place(dirpath.relative_to(folder).parts).split == split
        for path in (dirpath / f for f in filenames)
    ]
    for path in sorted(found):
        status = regular_file_status(path)
        if status is not None:
            (videos if path.suffix.lower() in VIDEO_EXTENSIONS else others).append(path)
            statuses[path] = status
        elif is_dangling(path):
            others.append(path)
    leftovers = _download_leftovers(videos)
    # an audio-only format without its merged clip (`id.f251.webm`) is no clip: left out and named here, as the
    # Kinetics reader names it (not refused only when decoded); its container is opened for such files alone
    leftovers |= {
        path for path in videos if path not in leftovers and download_format_of(path.stem) and not holds_video(path)
    }
    if leftovers:
        videos = [path for path in videos if path not in leftovers]
        others = sorted([*others, *leftovers])
    return videos, others, statuses


# The errors `Path.is_file` answers False for (pathlib's `_IGNORED_ERRNOS`); any other, a permission error, raises.
_NOT_THERE = (errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP)


def regular_file_status(path) -> os.stat_result | None:
    """`os.stat(path)` of a file (symlinks followed), None for anything else: `Path.is_file`'s answer and the file's
    status in one call, not two."""
    try:
        status = os.stat(path)
    except OSError as error:
        if error.errno not in _NOT_THERE:
            raise
        return None
    except ValueError:  # a NUL in the name
        return None
    return status if stat.S_ISREG(status.st_mode) else None


def is_dangling(path: Path) -> bool:
    """Whether `path` is a symlink to a file that is not there."""
    return path.is_symlink() and not path.exists()


def dangling_clips(folder: Path, others: Sequence[Path], classes_found=()) -> dict[str, list[str]]:
    """Name the symlinked clips below `folder` whose target is not there (a disk not mounted, a moved folder), which
    a scan cannot read: a class of only such clips would vanish from the data set. Returns `{split:
    [clip]}` (the split and class as `--dataset_format videofolder` reads the tree), for `missing`."""
    links = [path for path in others if path.suffix.lower() in VIDEO_EXTENSIONS and is_dangling(path)]
    if not links:
        return {}
    per_split: dict[str, list[str]] = {}
    vanished: list[str] = []
    found = {label_name(name) for name in classes_found}
    for path in links:
        place = place_of(path.relative_to(folder))
        per_split.setdefault(place.split, []).append(path.relative_to(folder).as_posix())
        if place.label is not None and label_name(place.label) not in found and place.label not in vanished:
            vanished.append(place.label)
    shown = [f"'{path.relative_to(folder).as_posix()}' -> {os.readlink(path)}" for path in links[:3]]
    logger.warning(
        "%d clip(s) below %s are symlinks to files that are not there (a disk not mounted?) and are left out, counted "
        "missing: %s%s%s",
        len(links),
        folder,
        ", ".join(shown),
        f" and {len(links) - 3} more" if len(links) > 3 else "",
        f"; so the class(es) {quoted(vanished)} have no clip and are not in the data set" if vanished else "",
    )
    return per_split


def download_leftovers(others: Sequence[Path]) -> list[Path]:
    """The download leftovers (yt-dlp's, `_DOWNLOAD_LEFTOVER_SUFFIXES` and `_download_leftovers`) among the other
    files of a listing (`files_below`)."""
    return [path for path in others if _is_download_leftover(path)]


def warn_download_leftovers(folder: Path, others: Sequence[Path]) -> None:
    """Name the download leftovers among `others`, left out: the format files were read as more clips."""
    leftovers = download_leftovers(others)
    if leftovers:
        logger.warning(
            "%d file(s) below %s are left out as a download's leftovers (yt-dlp's unfinished `.part` / `.ytdl`, or a "
            "format / merge file `<id>.f<N>.<ext>` / `<id>.temp.<ext>` beside its merged clip `<id>.<ext>`, which "
            "it repeats or is the audio of, or an audio-only format without it, which is no clip): %s%s",
            len(leftovers),
            folder,
            ", ".join(repr(path.relative_to(folder).as_posix()) for path in leftovers[:5]),
            f" and {len(leftovers) - 5} more" if len(leftovers) > 5 else "",
        )


def warn_left_out(folder: Path, others: Sequence[Path], links_named: bool = False) -> None:
    """Name the files a scan leaves out that may be clips (any but `_COMPANION_SUFFIXES`): a class whose clips have
    a type the list lacks would otherwise vanish from the data set. Symlinks to files that are not
    there are named as such (`links_named`: the caller named the clips among them with `dangling_clips`)."""
    links = [
        path for path in others if is_dangling(path) and not (links_named and path.suffix.lower() in VIDEO_EXTENSIONS)
    ]
    if links:
        logger.warning(
            "%d file(s) below %s are symlinks to files that are not there (a disk not mounted?) and are left out: %s",
            len(links),
            folder,
            ", ".join(f"'{path.relative_to(folder).as_posix()}' -> {os.readlink(path)}" for path in links[:3])
            + (f" and {len(links) - 3} more" if len(links) > 3 else ""),
        )
    warn_download_leftovers(folder, others)
    left_out = [
        path
        for path in others
        if not path.name.lower().endswith(_COMPANION_SUFFIXES)
        and not is_dangling(path)
        and not _is_download_leftover(path)
    ]
    if not left_out:
        return
    shown = [path.relative_to(folder).as_posix() for path in left_out[:5]]
    logger.warning(
        "%d file(s) below %s are left out, their extension is not a video type's: %s%s. Video files are read by "
        "extension: %s",
        len(left_out),
        folder,
        ", ".join(map(repr, shown)),
        f" and {len(left_out) - 5} more" if len(left_out) > 5 else "",
        " ".join(VIDEO_EXTENSIONS),
    )


def video_files_below(folder: Path) -> list[Path]:
    """Every video file below `folder`, sorted: a `VIDEO_EXTENSIONS` suffix (any case), and no hidden file or folder
    on the way. What `recipes/predict.py` reads of a folder; the other files it leaves out are named in a warning."""
    videos, others = files_below(Path(folder))
    warn_left_out(Path(folder), others)
    return videos


def what_is_there(roots: Sequence[Path]) -> str:
    """`; found [...]`: the top of the folders a layout was not found in, so a wrong `--dataset_format` shows what
    it was given."""
    entries = sorted(
        p.name + ("/" if p.is_dir() else "")
        for root in roots
        if root.is_dir()
        for p in root.iterdir()
        if not is_hidden(p.name)
    )
    if not entries:
        return "; the folder is empty"
    return f"; found {entries[:10]}" + (f" and {len(entries) - 10} more" if len(entries) > 10 else "")


# Words of a folder name, as `datasets` finds a split keyword in one: separated by `-`, `.`, `_`, spaces or digits.
_NAME_WORD_SEPARATORS = re.compile(r"[-._ 0-9]+")


def split_words(folder_name: str) -> list[str]:
    """The split keywords that are words of a folder's name, lower case, in order (`Val2017` -> `['val']`)."""
    return [word for word in _NAME_WORD_SEPARATORS.split(folder_name.lower()) if word in SPLIT_ALIASES]


def split_named_by(folder_name: str) -> str | None:
    """The split a folder's name names, as `datasets`' folder builders find split folders (its `data_files` split
    patterns): a split keyword as a word of the name, here in any case (`train/`, `Val/`, `val2017/`, `k400_test/`;
    `datasets` matches lower case only, which `hub_refusals` refuses naming the folders).
    None for no keyword, and for keywords of two splits (`train_val/` names no one split)."""
    named = {SPLIT_ALIASES[word] for word in split_words(folder_name)}
    return named.pop() if len(named) == 1 else None


@dataclass(frozen=True)
class _FolderPlace:
    """Where a clip lies in a videofolder tree: its class (None: no class folder), its split, and the split folder
    (relative to the root; None when no folder names a split)."""

    label: str | None
    split: str
    split_folder: str | None


def place_of(relative: Path) -> _FolderPlace:
    """`datasets`' videofolder rule: a clip's class is the name of the folder it is in, its split is named by a
    folder above that, at any depth (the innermost one naming a split), else `train`. So wrapper folders
    (`k400/train/<class>/`, an archive's `videos/train/<class>/`) and a split folder inside an archive named by
    its split (`train.zip` holding `train/`, unpacked to `train/train/<class>/`) change nothing. A clip lying in
    the root or in a folder named exactly as a split with no split folder above it (`train/x.mp4`) has no class
    folder, so no label. Under a split folder, the clip's folder is its class whatever its name (`validation/Train/`:
    the vehicle, in split 'validation')."""
    return folder_place(relative.parts[:-1])


def place_of_key(key: str) -> _FolderPlace:
    """`place_of` a clip's path below the root as `Path.as_posix` writes it (an example's `id`)."""
    return folder_place(tuple(key.split("/")[:-1]))


# A clip's place is its folder's: kept per folder, as every clip of a class folder is placed (four times each in
# a videofolder read: 1.06 million calls at Kinetics-400's 264 000 clips, 19 of the read's 135 s under cProfile)
@functools.lru_cache(maxsize=1 << 16)
def folder_place(folders: tuple[str, ...]) -> _FolderPlace:
    """`place_of` a clip in the folder `folders` (its path's parts below the root, its file name left out)."""
    for depth in range(len(folders) - 1, 0, -1):
        split = split_named_by(folders[depth - 1])
        if split is not None:
            return _FolderPlace(folders[-1], split, "/".join(folders[:depth]))
    if folders and folders[-1].lower() in SPLIT_ALIASES:
        return _FolderPlace(None, SPLIT_ALIASES[folders[-1].lower()], "/".join(folders))
    return _FolderPlace(folders[-1] if folders else None, "train", None)


TABLE_SUFFIXES = (".csv", ".tsv", ".json", ".jsonl", ".parquet", ".arrow")


ANY_ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".gz", ".7z", ".rar")


# The first line of a Git LFS pointer: what a `git clone` of a Hub repo without git-lfs holds in place of each large
# file (a 130-byte text naming the file's sha256 and size)
LFS_POINTER_HEADER = b"version https://git-lfs.github.com/spec/v1"


def has_video_extension(path: Path) -> bool:
    """A clip by its name (`VIDEO_EXTENSIONS`, in any case)."""
    return path.suffix.lower() in VIDEO_EXTENSIONS


def is_data_file(path: Path) -> bool:
    """A clip, a table or a WebDataset shard: what a read of a folder may open (`refuse_lfs_pointers`' default)."""
    return has_video_extension(path) or path.suffix.lower() in (*TABLE_SUFFIXES, ".tar")


def lfs_pointers_below(
    folder: Path, read: Callable[[Path], bool] = is_data_file, split: str | None = None
) -> list[Path]:
    """The files below `folder` (of `split`'s folders alone: `files_below`) that the read opens (`read(path)`) and
    that are Git LFS pointers, not the files they stand for (read only where small: a pointer is under 200 bytes)."""
    return [
        path
        for path, info in regular_files_below(folder, split).items()
        if info.st_size < 1024 and read(path) and is_lfs_pointer(path)
    ]


def is_lfs_pointer(path: str | os.PathLike) -> bool:
    """Whether the file at `path` is a Git LFS pointer (`LFS_POINTER_HEADER`): its first bytes alone are read."""
    with open(path, "rb") as file:
        return file.read(len(LFS_POINTER_HEADER)) == LFS_POINTER_HEADER


def refuse_lfs_pointers(folder: Path, read: Callable[[Path], bool] = is_data_file, split: str | None = None) -> None:
    """A Hub data set cloned with git, without git-lfs: its parquet files ended in pyarrow's "Parquet magic bytes not
    found in footer" traceback, naming no file, and its clips each failed to decode (skipped, counted). Refused in one
    line naming them and the command that fetches them. `read`: the files the read opens; a pointer it leaves alone
    (an annotation archive beside the clips, not fetched by `git lfs pull --include "*.mp4"`) is no reason to refuse."""
    pointers = lfs_pointers_below(folder, read, split)
    if pointers:
        names = [path.relative_to(folder).as_posix() for path in pointers]
        raise DatasetFormatError(
            f"{folder} holds Git LFS pointers in place of {len(names)} of its files ({quoted(names[:3])}"
            f"{', ...' if len(names) > 3 else ''}): the repo was cloned without git-lfs. Fetch "
            f"them with `git lfs install && git lfs pull` in {folder}, or download the repo with `hf download "
            f"<repo id> --repo-type dataset --local-dir {folder}`"
        )


# How many clips of a split `refuse_lfs_pointer_clips` opens (their first bytes): a clone without `git lfs pull`
# holds pointers in place of every clip, so a few tell
LFS_CLIPS_LOOKED_AT = 8


def lfs_pointer_clips(examples, looked_at: int = LFS_CLIPS_LOOKED_AT) -> tuple[list[str], int]:
    """(the clips among up to `looked_at` of `examples`, spread over the split, that are Git LFS pointers, how many
    were looked at): clips read from files alone (bytes held in a table are no pointer; a file not there is counted
    missing elsewhere)."""
    count = len(examples)
    picks = sorted({k * count // looked_at for k in range(looked_at)}) if count else []
    pointers, opened = [], 0
    for i in picks:
        video = examples[i]["video"]
        if isinstance(video, dict):
            video = None if video.get("bytes") else video.get("path")
        if not isinstance(video, str) or "://" in video:
            continue
        try:
            pointer = is_lfs_pointer(video)
        except OSError:  # (a file not there, a folder of frames: not this check's to name)
            continue
        opened += 1
        if pointer:
            pointers.append(video)
    return pointers, opened


def refuse_lfs_pointer_clips(splits: dict, source: str) -> None:
    """A data set whose clips an annotation file lists (Kinetics, UCF101, HMDB51, ... or a table's paths outside its
    folder) cloned without git-lfs: each clip was a 130-byte pointer, skipped and counted only when decoded, deep in
    training, which then trained on nothing. Where most of the clips looked at in every split are pointers, refused
    naming them and `git lfs pull`; where most of some splits' are, those splits are named in a warning."""
    found = {}
    for split, examples in splits.items():
        pointers, opened = lfs_pointer_clips(examples)
        if opened and 2 * len(pointers) > opened:
            found[split] = (pointers, opened)
    if not found:
        return
    said = "; ".join(
        f"split {split!r}: {len(pointers)} of {opened} clips looked at ({quoted(pointers[:2])})"
        for split, (pointers, opened) in found.items()
    )
    what = (
        f"{said} are Git LFS pointers (130-byte texts) in place of the videos: the repo was cloned or copied without "
        f"its LFS files, and each would be skipped as a broken clip. Fetch them with `git lfs install && git lfs pull` "
        f"in the repo's folder ({source})"
    )
    if len(found) == sum(1 for examples in splits.values() if len(examples)):
        raise DatasetFormatError(what)
    logger.warning("%s", what)


def card_declares_configs(root: Path) -> bool:
    """Whether the folder's README.md names its files itself (a `configs:` YAML header): its splits are then the
    card's, not `datasets`' split patterns."""
    card = root / "README.md"
    try:
        text = card.read_text(encoding="utf-8", errors="replace") if card.is_file() else ""
    except OSError:
        return False
    return text.startswith("---") and re.search(r"^configs:", text, re.MULTILINE) is not None


def refuse_a_file(source) -> None:
    """A file given as `--dataset` (a local `.zip` of the class folders, `./x.zip` or a bare `x.zip`) was taken for a
    Hub id or named as "neither a local folder nor a Hub id" in a traceback: it is refused in one line saying what
    `--dataset` takes. Archives are extracted only from Hub data set repos."""
    path = Path(source)
    if not path.is_file():
        return
    name = path.name.lower()
    if name.endswith(ANY_ARCHIVE_SUFFIXES):
        how = (
            f"{source} is an archive: unpack it (e.g. `{unpack_command(source)}`) and give the folder it unpacks to "
            "(archives are extracted only from Hub data set repos)"
        )
    elif name.endswith(TABLE_SUFFIXES):
        how = f"{source} is a table: give the folder holding it, with --dataset_format hub"
        # That folder's other tables are read with it (more rows of its split, or splits of their own), which "give
        # the folder" did not say: a table a user meant to read alone (`clips.parquet` beside `old.parquet`) is read
        # alone from a folder of its own, or where a card names it (`configs: data_files`, as datasets' data_files); a
        # card that names no files (a README.md of prose) leaves them all read
        others = (
            []
            if card_declares_configs(path.parent)
            else sorted(
                entry.name
                for entry in path.parent.iterdir()
                if entry.name != path.name and entry.is_file() and entry.name.lower().endswith(TABLE_SUFFIXES)
            )
        )
        if others:
            how += (
                f"; that folder's other tables ({', '.join(map(repr, others[:3]))}"
                f"{f' and {len(others) - 3} more' if len(others) > 3 else ''}) are read with it: to read "
                f"{path.name} alone, move it into a folder of its own, or name it in the folder's README.md "
                "(configs: [{config_name: default, data_files: [{split: train, path: "
                f"{json.dumps(path.name)}}}]}}])"  # quoted: a name's ',' or '[' ends a YAML flow scalar
            )
    else:
        how = f"{source} is a file: give the folder holding the data set"
    raise DatasetFormatError(f"--dataset takes a folder or a Hub data set id (owner/name); {how}")


def unpack_command(archive) -> str:
    """The shell command that unpacks `archive` into a folder of its name (`x.zip` -> `x`)."""
    name = Path(archive).name
    folder = name[: -len(next(s for s in ANY_ARCHIVE_SUFFIXES if name.lower().endswith(s)))] or "data"
    if name.lower().endswith(".zip"):
        return f"unzip {archive} -d {folder}"
    # RAR and 7-Zip, which UCF101 and HMDB51 ship as (`UCF101.rar`; `hmdb51_org.rar` of a `.rar` a class): GNU tar
    # reads neither ("This does not look like a tar archive"), which the command said to run
    if name.lower().endswith(".rar"):
        return f"unrar x {archive} {folder}/"
    if name.lower().endswith(".7z"):
        return f"7z x {archive} -o{folder}"
    return f"mkdir {folder} && tar -xf {archive} -C {folder}"
