# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""What each row of a `datasets` repo is named, the same read whole or streamed: a clip's path in the data set, a
WebDataset sample's `<shard>/<member>` (`shard_name`: a shard by its path in the repo or folder), the source id a
shard's `json` keeps, a row's own `id`, and a row's segment of its video (`<path>@<start>-<stop>`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from collections.abc import Callable
from functools import partial
from pathlib import Path, PurePath

from .hub_files import builder_once, file_name

# The adapters' one logger, named as before they were split out of `formats.py`: a level or filter a user set on
# it still applies to every adapter.
logger = logging.getLogger("vivit_hf.training.data.formats")


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


def segment_id(clip_id: str | None, row: dict, columns: tuple[str, str] | None) -> str | None:
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
    if not path or shard_name in (None, file_name) or not (os.path.isabs(path) or path.startswith("hf://")):
        return path
    return shard_name(path)


def json_member(names) -> str | None:
    """The column of a WebDataset sample's `<key>.json` among `names` (a row's or the features' keys): the shard tool's,
    which keeps the clip's id in its source data set and its class name. `json`, or in a sample (`__key__`) one of
    another case: `datasets` decodes `<key>.JSON` by its extension's lower case, under the name as written (its ids
    were not read: clips were named `<shard>/<member>`, the shard tool's repeats not found)."""
    return "json" if "json" in names else webdataset_member(names, ("json",))


def webdataset_member(features, names) -> str | None:
    """The first of `names` that a WebDataset sample's member of any case is (`CLS` for `cls`), else None (no
    WebDataset, or no such member)."""
    found = {column.lower(): column for column in features} if "__key__" in features else {}
    return next((found[name] for name in names if name in found), None)


def json_clip_id(row: dict) -> str | None:
    meta = row.get(json_member(row))  # the shard tool's `<key>.json` keeps the clip's id in its source data set
    return meta.get("id") if isinstance(meta, dict) else None


def own_id(value) -> str | None:
    """A row's own `id` column (a parquet table's clip id), as text; None where it gives none."""
    return None if value is None or isinstance(value, (bool, dict, list)) or str(value) == "" else str(value)


def shard_member_id(url, key, path, shard_name=None) -> str | None:
    """`<shard>/<member>` of a WebDataset sample (`__url__`, `__key__`): writers number each shard's samples from
    `000000`, so a key or member name alone (`000000.mp4`) named one clip of every shard in predictions and skip
    messages. The shard is named by `shard_name` (its file name by default)."""
    return f"{(shard_name or file_name)(url)}/{path or key}" if url and key else None


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
    downloaded = _DOWNLOADED.match(file_name(text))
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


def whole_read_shard_namer(loaded, source: str, config_name, revision, cache_dir, builder=None) -> Callable[[str], str]:
    """`shard_namer` of a data set read whole: where a shard was downloaded from an external URL (its `__url__` is
    the hashed copy), the URLs are the data files `datasets` resolved, as a stream names the shards. `builder`: the
    read's (`builder_once`), whose data files are those it read."""
    urls = {url for d in loaded.values() if "__url__" in d.column_names for url in d.unique("__url__") if url}
    originals: list[str] = []
    if any(_DOWNLOADED.match(file_name(url)) for url in urls):
        builder = (builder or builder_once(source, config_name, revision, cache_dir))()
        originals = [str(file) for files in (builder.config.data_files or {}).values() for file in files]
    return shard_namer(source, originals)
