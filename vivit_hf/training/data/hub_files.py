# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The files a `--dataset_format hub` read resolves, and how `datasets` reads them: the builder made once
(`builder_once`, `load_with`), a local folder's own Arrow cache (`local_folder_cache_dir`), each split's table files
(`table_files`, `hub_table_files`), folders written by `save_to_disk`, and clip columns left undecoded. The other
`hub_*` modules build on these.
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import gc  # `_no_cycle_collection`
import io
import itertools
import json
import logging
import os
import re
import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path

from .examples import DatasetFormatError
from .folders import (
    VIDEO_EXTENSIONS,
    regular_files_below,
)

# The adapters' one logger, named as before they were split out of `formats.py`: a level or filter a user set on
# it still applies to every adapter.
logger = logging.getLogger("vivit_hf.training.data.formats")

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None


def undecoded_videos(dataset):
    """`dataset` with every `datasets.Video` column read as `Video(decode=False)` (`{"path", "bytes"}`): the video
    column, decoded by the processor, and any other (a `depth` or `preview` beside it), which a row read decoded
    with torchcodec (an ImportError without it, a decode of a clip never used with it)."""
    import datasets

    for column, feature in (dataset.features or {}).items():
        if isinstance(feature, datasets.Video) and feature.decode:
            dataset = dataset.cast_column(column, undecoded_video(feature))
        elif is_frame_list(feature) and feature.feature.decode:
            # A video stored as its frames: decoded where its clip is read (`dataset.frames_of`), where a frame that
            # does not decode is that clip's, skipped; decoded with the row, it stopped the run with a traceback
            undecoded = datasets.Image(decode=False, mode=feature.feature.mode)
            undecoded = (
                datasets.LargeList(undecoded)
                if isinstance(feature, datasets.LargeList)
                else datasets.List(undecoded, length=feature.length)
            )
            dataset = dataset.cast_column(column, undecoded)
    return dataset


def undecoded_video(feature):
    """`feature`, a `datasets.Video`, as `decode=False`, its `stream_index` kept: the track of each file the column
    names (`Video(stream_index=1)`, saved in a `save_to_disk` folder's or a card's features), which each row then
    carries to the reader (`chosen_track`). A plain `Video(decode=False)` would drop it, the file's own track
    trained on instead."""
    return dataclasses.replace(feature, decode=False)


def chosen_track(features, column: str) -> int | None:
    """The track a `datasets.Video(stream_index=k)` column names (k counts all of a file's streams, as FFmpeg,
    torchcodec and `PyAVReader` do); None for any other column (the file's own track)."""
    import datasets

    feature = (features or {}).get(column)
    return feature.stream_index if isinstance(feature, datasets.Video) else None


def with_track(video, stream_index: int | None):
    """A row's `{"path", "bytes"}` video with the track its column names (`chosen_track`), read by the processor's
    reader (`PyAVReader`'s `stream_index`); as it is without one, or where it is no such dict."""
    if stream_index is None or not isinstance(video, dict):
        return video
    return {**video, "stream_index": stream_index}


def is_frame_list(feature) -> bool:
    """A `datasets` feature holding a video as its frames: a list of `Image`s (`Sequence(Image())`, `List`,
    `LargeList`)."""
    import datasets

    inner = getattr(feature, "feature", None)
    return isinstance(feature, (datasets.List, datasets.LargeList)) and isinstance(inner, datasets.Image)


def is_saved_to_disk(source: str) -> bool:
    """A folder written by `Dataset.save_to_disk` / `DatasetDict.save_to_disk` (read with `load_from_disk`)."""
    folder = Path(source)
    return folder.is_dir() and ((folder / "state.json").is_file() or (folder / "dataset_dict.json").is_file())


def relative_or_as_is(path: str, root: Path) -> str:
    try:
        return Path(path).relative_to(os.path.abspath(root)).as_posix()
    except ValueError:
        return path


def file_name(table: Path | str) -> str:
    return str(table).rstrip("/").rpartition("/")[2]


def table_files(source: str, config_name, revision, cache_dir, builder=None) -> dict[str, list[Path]]:
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


def hub_table_files(source: str, config_name, revision, cache_dir, builder=None) -> dict[str, list[Path]]:
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
    """A cache folder of its own for each version of a local data set folder's contents. `datasets` keys the Arrow
    cache of a local folder by the folder's name and its card's YAML, not by its files: shards written again into
    `shards/` with the same card (the same clips in another `--seed` order; other clips of the same classes, counts
    and total bytes) were read from the first version's cache, silently.

    The version is the folder's path and every file's name and, for a file that is not a clip (`VIDEO_EXTENSIONS`),
    its SHA-256: by size and modification time alone, a table relabelled to the same size and copied in with its old
    time (`cp -p`, `rsync -t`) was read with the old labels. A loose clip's bytes never reach the cache (its rows hold
    the path; the processor reads the file, keyed by `file_key`), so it is not read: its size and modification time.
    The digests are kept in `digests.json` beside the versions with each file's inode and status-change time, and a
    file is hashed again only when one of these moved: the first read hashes the tables, metadata and shards once
    (what the build reads anyway); a no-op `chmod -R`, a re-chown at each pod start or a `cp -a` restore hashes them
    again (a read, no rebuild); keying by inode and status-change time themselves built a new copy of the cache each
    time. The versions of one folder lie under a folder of their own; a read removes the older ones once its own is
    built (`drop_older_versions`)."""
    import hashlib

    import datasets

    resolved = str(folder.resolve())
    folder_key = hashlib.sha256(resolved.encode()).hexdigest()[:16]
    root = Path(cache_dir or datasets.config.HF_DATASETS_CACHE) / "vivit_hf_local" / folder_key
    digests = _read_digests(root / _DIGESTS)
    kept: dict[str, list] = {}
    files: list[tuple] = []
    unknown: list[tuple[str, Path]] = []  # (name, path): the files whose digest is to be computed
    # the read's one walk and stat of each file (`listings_kept`): `file_key`'s status, its real path not part of it
    for path, status in regular_files_below(folder).items():
        name = path.relative_to(folder).as_posix()
        size, mtime, inode, ctime = status.st_size, status.st_mtime_ns, status.st_ino, status.st_ctime_ns
        if path.suffix.lower() in VIDEO_EXTENSIONS:
            files.append((name, size, mtime))
            continue
        known = digests.get(name)
        digest = known[4] if known and known[:4] == [size, mtime, inode, ctime] else None
        if digest is None:
            unknown.append((name, path))
        kept[name] = [size, mtime, inode, ctime, digest]
    total = sum(kept[name][0] for name, _ in unknown)
    if total > HASHING_SAID_FROM:  # SHA-256 reads ~0.5 GB/s: a 450 GB parquet folder's first read waited ~14 min
        logger.info(
            "hashing %d file%s of %s (%.1f GiB: its tables, metadata and shards, by whose contents its cache is "
            "kept); once, until one changes",
            len(unknown), "" if len(unknown) == 1 else "s", folder, total / 2**30,
        )  # fmt: skip
    for name, path in unknown:
        kept[name][4] = _sha256(path)
    # its bytes: a `touch` or a copy without `-p` is the same version
    files.extend((name, entry[4]) for name, entry in kept.items())
    if kept != digests:
        _write_digests(root / _DIGESTS, kept)
    if any(name.lower().endswith(".tar") for name in kept):
        # WebDataset shards' columns are now every split's (`webdataset_features_of_every_split`): a version built
        # before, with the last split's alone, is not read again
        files.append(("webdataset columns of every split", ""))
    version = hashlib.sha256(json.dumps([resolved, sorted(files)]).encode()).hexdigest()[:16]
    _IN_USE.add(str(root / version))
    _hold(root / version)
    return str(root / version)


# The versions of a local folder's cache this process has read (`local_folder_cache_dir`): never removed by it.
_IN_USE: set[str] = set()
_DIGESTS = "digests.json"
# The bytes to hash from which `local_folder_cache_dir` says why the read waits (1 GiB: ~2 s at SHA-256's ~0.5 GB/s).
HASHING_SAID_FROM = 1 << 30


def drop_older_versions(version: str) -> None:
    """Remove the other versions of `version`'s folder (`local_folder_cache_dir`), once `version` is built: each
    was a whole copy of the data set (a parquet folder's embedded clips included), left on disk forever. Those this
    process read stay (a split of one may still be mapped). Two processes of one run (ranks on one machine) read the
    same files, so the same version: neither removes the other's. Nor one another process holds (`_hold`): another
    run, started before the folder changed, building or reading the version it read (removed, its build died or, the
    removal ignoring errors, left a version missing some of its files)."""
    import shutil

    for other in Path(version).parent.iterdir():
        if other.is_dir() and str(other) not in _IN_USE:
            with _unheld(other) as free:
                if not free:
                    logger.info("keeping %s, an older version of the data set folder another process reads", other)
                    continue
                logger.info("removing %s, the cache of an older version of the data set folder", other)
                shutil.rmtree(other, ignore_errors=True)


# A shared lock on `<version>.lock` (a file beside the versions) that each process reading a version holds while it
# lives, and `drop_older_versions` asks an exclusive one of (not waiting): a version any process holds is kept. The
# lock file stays: removed, a process waiting for it would hold a lock no later process sees. Where `fcntl` is
# missing (Windows) nothing is held and a version this process did not read is removed, as before.
_HELD: dict[str, object] = {}


def _hold(version: Path) -> None:
    if str(version) in _HELD or fcntl is None:
        return
    try:
        version.parent.mkdir(parents=True, exist_ok=True)
        lock = open(version.with_name(f"{version.name}.lock"), "a")  # noqa: SIM115 (held while the process lives)
        fcntl.flock(lock, fcntl.LOCK_SH)  # waits while another process removes this version (then built again)
    except OSError as error:
        logger.info("could not hold %s against removal by another process (%s)", version, error)
        return
    _HELD[str(version)] = lock


@contextlib.contextmanager
def _unheld(version: Path):
    """True inside where no process holds `version` (none can start to until the block ends)."""
    if fcntl is None:
        yield True
        return
    try:
        lock = open(version.with_name(f"{version.name}.lock"), "a")  # noqa: SIM115
    except OSError:
        yield True
        return
    with lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield False
            return
        yield True


def _sha256(path: Path) -> str | None:
    """None for a file gone since the walk (its key then says it is missing)."""
    import hashlib

    digest = hashlib.sha256()
    try:
        with open(path, "rb") as file:
            while chunk := file.read(1 << 20):  # (hashlib.file_digest: Python 3.11 and later)
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def _read_digests(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _write_digests(path: Path, digests: dict) -> None:
    """Written to a file of this process's own, then renamed over the old: two ranks writing at once leave one whole
    file, never a mix."""
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_text(json.dumps(digests))
        os.replace(temporary, path)
    except OSError as error:  # the files are hashed again next time; the version is the same
        logger.info("the digests of the data set's files could not be kept in %s (%s)", path, error)


# One `folder_walked_once` block at a time (reentrant: a block within a block restores its outer one's patch).
_WALKED_ONCE = threading.RLock()


@contextlib.contextmanager
def folder_walked_once():
    """Within it, a local `find` of the same folder with the same arguments is answered from its first walk.

    `datasets.load_dataset_builder` of a local folder tries each of its split patterns in turn (`train/**`,
    `**/*-train-*`, ...: 46 globs for a `train/` + `validation/` folder), and fsspec's `glob` walks the whole tree below
    the pattern's fixed part for each, a `stat` per file: 1.01 million for 22 002 files (46 per file), the builder
    11.5 s of a 15.9 s load (0.5 ms a clip: minutes at Kinetics' 260k); now 44 thousand (the folder and each split's
    folder walked once), 4.7 s of 9.3 s (what is left: `datasets` matching each file to its split). Each glob still
    matches its own pattern against the same listing, so the data files, their order, the builder's config, hash and
    cache folder are those of the walks it replaces; the listing lives only as long as the block (one builder's
    resolution), so no later change to the folder is missed. `datasets` makes fsspec's local file system itself: patched
    on its class for the block, one block at a time (`_WALKED_ONCE`), for this thread only (another thread's `find` is
    fsspec's). Within it too: each file matched to the split patterns without parsing its path once per pattern
    (`_files_matched_once`), and no cycle collection (`_no_cycle_collection`)."""
    from fsspec.implementations.local import LocalFileSystem

    with _WALKED_ONCE:
        own = "find" in vars(LocalFileSystem)
        find = LocalFileSystem.find
        walks: dict = {}
        thread = threading.get_ident()

        def find_once(self, path, maxdepth=None, withdirs=False, detail=False, **kwargs):
            if kwargs or threading.get_ident() != thread:  # not this block's `glob`: as fsspec answers it
                return find(self, path, maxdepth=maxdepth, withdirs=withdirs, detail=detail, **kwargs)
            key = (self._strip_protocol(path), maxdepth, withdirs, detail)
            if key not in walks:
                walks[key] = find(self, path, maxdepth=maxdepth, withdirs=withdirs, detail=detail)
            found = walks[key]
            return dict(found) if detail else list(found)  # a caller's changes stay its own

        LocalFileSystem.find = find_once
        try:
            with _files_matched_once(), _no_cycle_collection():
                yield
        finally:
            if own:
                LocalFileSystem.find = find
            else:
                del LocalFileSystem.find


@contextlib.contextmanager
def _files_matched_once():
    """Within it, `datasets`' matching of each file to a split pattern answers as before, without parsing a path
    again for every pattern it is matched to.

    What `folder_walked_once` left of a Kinetics-scale folder's resolution (9 s at 20 000 clips) is `datasets`'
    work per file: for each pattern that matches it (a split's, then again when its data files are listed), its
    name parsed by `xbasename` (a URL parse and a `Path`, twice) and its parts by two `PurePath`s (is it inside a
    `__special__` or `.hidden` folder?); then one `stat` per file through a pool of threads (its modification time,
    `origin_metadata`), the pool's own work 17 times the `stat`s'. Now each name is parsed once (`xbasename`
    remembered: a function of the string alone), the folder checks answer `False` without a `PurePath` where
    neither the path nor the pattern holds `__` or a part starting with a dot (no part can then be special or
    hidden: both counts are 0, which `datasets` compares), else as `datasets` answers, and a local folder's
    `stat`s are made in turn by `datasets`' own function for one file, in the same order. The data files, their
    order, origin metadata, config, hash and cache folder are those `datasets` resolves (tested against it). Patched
    on `datasets.data_files` and `datasets.load` for the block (`folder_walked_once`'s lock)."""
    import functools

    import datasets.data_files as data_files
    import datasets.load as load

    saved = {
        (module, name): getattr(module, name)
        for module, name in (
            (data_files, "xbasename"),
            (load, "xbasename"),
            (data_files, "_is_inside_unrequested_special_dir"),
            (data_files, "_is_unrequested_hidden_file_or_is_inside_unrequested_hidden_dir"),
            (data_files, "_get_origin_metadata"),
        )
    }
    basename = functools.lru_cache(maxsize=None)(saved[data_files, "xbasename"])
    special = saved[data_files, "_is_inside_unrequested_special_dir"]
    hidden = saved[data_files, "_is_unrequested_hidden_file_or_is_inside_unrequested_hidden_dir"]
    origin = saved[data_files, "_get_origin_metadata"]

    def inside_special(path, pattern):
        return special(path, pattern) if "__" in str(path) or "__" in str(pattern) else False

    def inside_hidden(path, pattern):
        return hidden(path, pattern) if _may_hold_a_dot_part(path) or _may_hold_a_dot_part(pattern) else False

    def origin_in_turn(files, download_config=None, max_workers=None):
        if any("://" in str(file) for file in files):  # a remote file: as `datasets` asks it
            return origin(files, download_config=download_config, max_workers=max_workers)
        return [data_files._get_single_origin_metadata(file, download_config=download_config) for file in files]

    patches = {
        (data_files, "xbasename"): basename,
        (load, "xbasename"): basename,
        (data_files, "_is_inside_unrequested_special_dir"): inside_special,
        (data_files, "_is_unrequested_hidden_file_or_is_inside_unrequested_hidden_dir"): inside_hidden,
        (data_files, "_get_origin_metadata"): origin_in_turn,
    }
    for (module, name), function in patches.items():
        setattr(module, name, function)
    try:
        yield
    finally:
        for (module, name), function in saved.items():
            setattr(module, name, function)


@contextlib.contextmanager
def _no_cycle_collection():
    """Within it, Python's cycle collector does not run; after it, it runs again where it ran before.

    Each of `datasets`' globs sorts the whole listing (a tuple per file) and keeps what matched: objects that outlive
    the young generations, so full collections ran again and again, each traversing the listing (a dict per file) and
    everything else alive. At 100 000 files, 12 of the globs took 11.6 s, 3.3 s without the collector (1.4 s for 46 at
    20 000); the builder 9.8 s with it, 2.8 s without, at 20 000 files. Nothing is collected otherwise than it would be:
    objects freed by their reference counts are freed at once, and the few cycles made in the block are collected at
    the first collection after it (the builder's peak memory is not higher: 851 MiB, 877 before, at 20 000 files). The
    collector is the process's: another thread's cycles wait for the block's end too."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _may_hold_a_dot_part(path: str) -> bool:
    """Whether a part of `path` (split at `/`, or `\\` on Windows) may start with a dot: `datasets` counts those as
    hidden."""
    path = str(path)
    return path.startswith(".") or "/." in path or "\\." in path


def _local_builder(source: str, config_name, revision, cache_dir):
    """`datasets.load_dataset_builder` of `source`, a local folder's data files resolved with one walk of it per
    pattern root, not per pattern (`folder_walked_once`); a Hub id's as `datasets` resolves them."""
    import datasets

    walked_once = folder_walked_once() if Path(source).is_dir() else contextlib.nullcontext()
    with naming_configurations(source, config_name), walked_once:
        return datasets.load_dataset_builder(source, config_name, revision=revision, cache_dir=cache_dir)


@contextlib.contextmanager
def naming_configurations(source: str, config_name):
    """A card declaring several `configs:`, none the default, read without --dataset_config_name (or with one it
    lacks): `datasets`' ValueError ("Config name is missing ... `load_dataset('a4', 'small')`", "BuilderConfig 'x'
    not found"), a traceback advising Python, is refused in one line naming the configurations and the flag."""
    try:
        yield
    except ValueError as error:
        said = str(error)
        listed = re.search(r"(?:available configs|Available): (\[.*?\])", said)
        if listed is None or not ("Config name is missing" in said or "BuilderConfig" in said):
            raise
        try:
            names = ", ".join(map(repr, ast.literal_eval(listed[1])))
        except (ValueError, SyntaxError):
            raise error from None
        wanted = (
            f"--dataset_config_name {config_name!r} is none of them"
            if config_name is not None
            else "none is its default"
        )
        raise DatasetFormatError(
            f"--dataset {source} has the configurations {names} (its card's configs:), and {wanted}: name one with "
            "--dataset_config_name"
        ) from None


def builder_once(source: str, config_name, revision, cache_dir) -> Callable[[], object]:
    """`datasets.load_dataset_builder` of `source`, made when first asked, then kept: the checks before a read
    (`refuse_unread_videos`) and the read (`load_with`) share its data files. Each builder resolves them again (a
    glob of the folder, every file matched to a split's patterns): most of a Kinetics-scale videofolder's load,
    done twice. A local folder is walked once per pattern root, not per pattern (`folder_walked_once`)."""
    import functools

    return functools.cache(partial(_local_builder, source, config_name, revision, cache_dir))


def metadata_files_in_order(builder) -> None:
    """Make `builder` (a folder builder: videofolder) read a split's metadata files in the order of their paths.
    `datasets` keeps them in a set, so a split of several (`train/metadata.csv` and `train/a/metadata.csv`) gave
    its rows in an order of Python's string hashes, another in every process (`PYTHONHASHSEED`): streamed, two
    processes sharing the rows out by position (every 2nd) read some twice and others never, their digests alike
    (the files' names and rows, sorted), and a resumed stream skipped other rows; read whole, each machine's cache
    held another order. Idempotent."""
    if not isinstance(vars(builder).get("_split_generators"), _SplitsInOrder):
        builder._split_generators = _SplitsInOrder(builder)


class _SplitsInOrder:
    """A builder's `_split_generators` giving each split's metadata files in the order of their paths; a class, not a
    closure, because a stream's DataLoader workers get the builder by pickle (they start from a fork server): a
    closure failed every streamed run with workers ("Can't pickle local object")."""

    def __init__(self, builder):
        self.builder = builder

    def __call__(self, dl_manager, **kwargs):
        features = webdataset_features_of_every_split(self.builder, dl_manager)
        if features is not None:
            self.builder.info.features = features
        splits = type(self.builder)._split_generators(self.builder, dl_manager, **kwargs)
        for split in splits:
            files = split.gen_kwargs.get("metadata_files")
            if isinstance(files, (set, frozenset)):
                split.gen_kwargs["metadata_files"] = sorted(files, key=_path_parts)
        return splits


def webdataset_features_of_every_split(builder, dl_manager):
    """The columns of a WebDataset builder whose card declares none: those of the first samples of every split's first
    shard and of the first sample of every other shard on disk, where `datasets` infers them from the first samples
    of the last split's first shard alone and drops every member no such sample has. A `train` of `<key>.mp4` +
    `<key>.cls` beside the Hub's usual unlabelled `test` of `<key>.mp4` lost its `cls` (no label column, refused as
    if the data set had none); a `train` of `.txt` labels beside a `validation` of `.json` ones was left out as
    unlabelled; `.webm` training clips beside `.mp4` validation clips were rows without a video, the whole split.
    None where `datasets`' own reading stands: another builder, a card's features, or columns the splits type
    differently (`datasets` says which)."""
    import tarfile

    import datasets
    import pyarrow as pa
    from datasets.features.features import cast_to_python_objects
    from datasets.packaged_modules.webdataset.webdataset import WebDataset

    if not isinstance(builder, WebDataset) or builder.info.features:
        return None
    tables = []
    media = {*builder.IMAGE_EXTENSIONS, *builder.AUDIO_EXTENSIONS, *builder.VIDEO_EXTENSIONS, *builder.MESH_EXTENSIONS}
    for tar_paths in dl_manager.download(builder.config.data_files).values():
        # the first sample of each other shard on disk too (a local folder's, or a Hub repo's read whole): `.mp4`
        # shards beside `.avi` ones of one split were rows without a video. Their headers, and small members: a
        # clip's bytes read there were a clip of each shard before a run's first step (2 000 of 200 kB: 3.1 s)
        for number, tar_path in enumerate(tar_paths[:1] + [path for path in tar_paths[1:] if os.path.isfile(path)]):
            with contextlib.ExitStack() as stack:
                if number:
                    members = _media_unread(stack.enter_context(tarfile.open(tar_path)), media)
                else:
                    members = dl_manager.iter_archive(tar_path)
                pipeline = builder._get_pipeline_from_tar(tar_path, members)
                first = list(itertools.islice(pipeline, 1 if number else builder.NUM_EXAMPLES_FOR_FEATURES_INFERENCE))
            _refuse_unlike_samples(tar_path, first)
            tables += [pa.Table.from_pylist(cast_to_python_objects([e], only_1d_for_numpy=True)) for e in first]
    if not tables:
        return None
    try:
        features = datasets.Features.from_arrow_schema(pa.concat_tables(tables, promote_options="default").schema)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    kinds = (
        (builder.IMAGE_EXTENSIONS, datasets.Image),
        (builder.AUDIO_EXTENSIONS, datasets.Audio),
        (builder.VIDEO_EXTENSIONS, datasets.Video),
        (builder.MESH_EXTENSIONS, datasets.Mesh),
    )
    for column in features:  # as `datasets` types a member by its extension
        for extensions, kind in kinds:
            if column.rsplit(".", 1)[-1].lower() in extensions:
                features[column] = kind()
    return features


def _refuse_unlike_samples(tar_path: str, samples: list[dict]) -> None:
    """A shard's first samples holding different members (`000000.mp4` beside `000001.webm`, a sample without its
    `.cls`) are refused naming the two that differ: `datasets` infers a WebDataset's columns from them and stopped in
    its bare `ValueError` ("don't share the same prefix or the same types"), naming neither the shard nor the samples,
    where clips of several types in later samples are refused naming the types (`hub_labels.hub_columns`)."""
    first = samples[0] if samples else {}
    other = next((sample for sample in samples if sample.keys() != first.keys()), None)
    if other is None:
        return

    def members(sample: dict) -> str:
        return ", ".join(f"'<key>.{name}'" for name in sorted(name for name in sample if not name.startswith("__")))

    raise DatasetFormatError(
        f"--dataset_format hub: the WebDataset shard {tar_path} holds samples of different members: "
        f"{first['__key__']!r} has {members(first)}, {other['__key__']!r} has {members(other)}; datasets reads a "
        "shard's columns from its first samples and needs them alike. Give every sample the same members: every "
        "clip one member name ('<key>.video', as the shard tool writes clips of mixed containers), every sample its "
        "label"
    )


def _media_unread(tar, media: set):
    """`(name, file)` of a local tar's members as `dl_manager.iter_archive` gives them (its files, hidden ones left
    out), those of a `media` extension empty: their column's type is their extension's alone
    (`webdataset_features_of_every_split`)."""
    for member in tar:
        if member.isreg() and not os.path.basename(member.name).startswith((".", "__")):
            unread = member.name.rsplit(".", 1)[-1].lower() in media
            yield member.name, io.BytesIO(b"") if unread else tar.extractfile(member)


def _path_parts(entry) -> tuple:
    return tuple(map(str, entry))


def load_with(builder, streaming: bool = False):
    """What `datasets.load_dataset` returns, read with `builder` (made as `load_dataset` makes it, `builder_once`):
    its own steps after `load_dataset_builder`, with its defaults; a split's metadata files read in the order of
    their paths (`metadata_files_in_order`)."""
    metadata_files_in_order(builder)
    if streaming:
        return builder.as_streaming_dataset()
    from datasets.utils.info_utils import is_small_dataset

    builder.download_and_prepare()
    return builder.as_dataset(in_memory=is_small_dataset(builder.info.dataset_size))
