# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""What a stream's digest knows of each shard's contents, read without a pass over its clips (`stream_contents`).

Naming the shards and counting their rows is not enough: a shard written again at the same path with as many rows
(other clips, other labels, another order: a relabelled `000.cls` of the same size, a parquet file rebuilt from
another table) would pass, and a resume skip other clips by position, or machines streaming their own copies share
out other clips at the same positions. So each shard is also known by a cheap fingerprint of what it holds:

- a Hub file (`hf://`): its blob id (the git hash of an LFS pointer names the file's sha256), from the repo's
  listing, which the stream's resolution of its data files has mostly read already;
- a local tar: every member's name and size and the bytes of its small members (labels, ids), read in the pass that
  counts its samples (`read_tar_index`, which the check for a tar cut short and the streamed count share);
- a local parquet file (or one row group of it, when read by row group): every column chunk's value count and size
  (from the footer, which its row count is read from) and the values of its columns other than the clip's that
  hold no bytes (labels, ids, paths);
- a `save_to_disk` shard: the values of those columns.

Not read: a clip's bytes, so a clip re-encoded to the same size under the same name in a local tar still passes.
A shard of another kind, or one that cannot be read so, gives None (the digest is then of its name and size alone).
Where the Hub's listing cannot be read (offline, a transient failure), no shard's contents are read: the digest is
of the names and sizes alone, as a stream's whole, and the reason is kept (`unread`), for the messages that compare
it with another process's or a checkpoint's digest, which read the contents, to say so.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from collections.abc import Callable
from pathlib import Path

from ...processing.video_sources import file_key
from .kept_scans import kept

logger = logging.getLogger(__name__)

# The largest tar member whose bytes go into the digest: a sample's label, id or metadata, not its clip.
SMALL_MEMBER = 64 * 1024


def _hashed(value) -> str:
    return hashlib.sha256(json.dumps(value, default=str, sort_keys=True).encode()).hexdigest()[:16]


def _without_bytes(schema, video_column: str) -> list[str]:
    """The columns of an Arrow `schema` other than `video_column` that hold no bytes (binary, nested or not): a
    second clip, an audio track or frames are not read."""
    import pyarrow as pa

    def small(kind) -> bool:
        if pa.types.is_binary(kind) or pa.types.is_large_binary(kind) or pa.types.is_fixed_size_binary(kind):
            return False
        if pa.types.is_struct(kind):
            return all(small(kind.field(i).type) for i in range(kind.num_fields))
        if pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind):
            return small(kind.value_type)
        return True

    return [field.name for field in schema if field.name != video_column and small(field.type)]


def hub_blob_id(url: str) -> str | None:
    """The blob id of a Hub file (`hf://datasets/<repo>@<revision>/<path>`): the git hash of its content (of its
    LFS pointer, which names the content's sha256 and size). None where the Hub cannot tell (offline)."""
    return HubBlobIds()(url)


class HubBlobIds:
    """`hub_blob_id` of a stream's Hub files, from one listing of each folder, read once and looked up by name:
    `HfFileSystem.info` finds a file by a scan of its folder's cached listing, 2.4 s for a folder of 5,000 shards
    (39 s for 20,000). After a first failure (offline, the Hub unreachable) every later file gives None at once, where
    each asked again (a timeout a shard)."""

    def __init__(self):
        self.folders: dict[str, dict[str, dict]] = {}
        self.failed = False
        self.error: str | None = None  # why the listing could not be read

    def __call__(self, url: str) -> str | None:
        if self.failed:
            return None
        try:
            from huggingface_hub import HfFileSystem

            filesystem = HfFileSystem()
            name = filesystem.resolve_path(url).unresolve()
            folder = filesystem._parent(name)
            if folder not in self.folders:
                self.folders[folder] = {item["name"]: item for item in filesystem.ls(folder, detail=True)}
            info = self.folders[folder].get(name) or filesystem.info(url)
        except Exception as error:  # noqa: BLE001 - any failure leaves the shard known by its name and size
            logger.info("%s: its blob id could not be read (%s); no later Hub file's is asked for", url, error)
            self.failed, self.error = True, f"{type(error).__name__}: {error}"
            return None
        lfs = info.get("lfs") or {}
        return lfs.get("sha256") or info.get("blob_id")


def parquet_contents(path: str, row_groups, video_column: str, footers: dict) -> str:
    """The column chunks' value counts and sizes of `row_groups` (None: all) of a local parquet file, and the values
    of its columns other than `video_column` that hold no bytes (`_without_bytes`)."""
    import pyarrow.parquet as pq

    if path not in footers:
        footers[path] = pq.ParquetFile(path)
    parquet = footers[path]
    groups = list(range(parquet.metadata.num_row_groups) if row_groups is None else row_groups)
    chunks = [
        [
            (c.path_in_schema, c.num_values, c.total_compressed_size)
            for c in map(parquet.metadata.row_group(g).column, range(parquet.metadata.num_columns))
        ]
        for g in groups
    ]
    columns = _without_bytes(parquet.schema_arrow, video_column)
    values = parquet.read_row_groups(groups, columns=columns).to_pylist() if columns and groups else []
    return _hashed([chunks, values])


def saved_shard_contents(shard, video_column: str) -> str:
    """The values of a `save_to_disk` shard's columns other than `video_column` that hold no bytes."""
    columns = _without_bytes(shard.features.arrow_schema, video_column)
    return _hashed(shard.select_columns(columns).with_format("arrow")[:].to_pylist() if columns else len(shard))


def stream_contents(
    dataset, video_column: str, tar_contents: Callable[[str], str], unread: list[str] | None = None
) -> list[str | None] | None:
    """A fingerprint of each shard of a stream (in `datasets`' shard order), as the module says; None where no
    shard's can be read so, and None, the reason added to `unread`, where the Hub's listing could not be read: the
    shards listed before the failure kept their blob ids and the others had none, a digest neither a process that
    read them all nor one that read none had. `tar_contents`: a local tar's (`streaming._tar_contents`)."""
    kwargs = getattr(getattr(dataset, "_ex_iterable", None), "kwargs", None) or {}
    footers: dict = {}
    blob_ids = HubBlobIds()

    def of_file(path, row_groups=None) -> str | None:
        text = str(path)
        if text.startswith("hf://"):
            return blob_ids(text)
        if "://" in text or not Path(text).is_file():
            return None
        if text.endswith(".parquet"):
            return parquet_contents(text, row_groups, video_column, footers)
        return tar_contents(text) if text.endswith(".tar") else None

    try:
        if "shards" in kwargs:
            contents = [saved_shard_contents(shard, video_column) for shard in kwargs["shards"]]
        elif "files" in kwargs and all(str(f).endswith(".parquet") for f in kwargs["files"]):
            groups = kwargs.get("row_groups_list") or [None] * len(kwargs["files"])
            contents = [of_file(file, row_groups) for file, row_groups in zip(kwargs["files"], groups)]
        elif "tar_paths" in kwargs:
            contents = [of_file(path) for path in kwargs["tar_paths"]]
        else:
            return None
    except (OSError, ValueError, TypeError) as error:
        logger.info("the stream's shard contents could not be read (%s)", error)
        return None
    if blob_ids.error is not None:
        if unread is not None:
            unread.append(f"the Hub's listing of its shards could not be read: {blob_ids.error}")
        return None
    return contents if len(contents) == dataset.num_shards and any(c is not None for c in contents) else None


def tar_index(path, cache_dir: str | None = None) -> tuple[int, list[str], str, str | None]:
    """`(samples, source ids, contents, scattered)` of a local tar (`_tar_samples`, `_tar_source_ids`, `_tar_contents`,
    `scattered`: `read_tar_index`), read
    in one pass over its headers and small members, kept for the file as it is (`file_key`: its size and times, and
    its inode): the digest, the card's check and the repeated ids' warning each asked for it. By size and
    modification time alone, a tar relabelled to the same size and copied back with its old time (`cp -p`,
    `rsync -t`) kept the old index: its old digest passed the changed shard at a resume. `cache_dir`: the data set's
    `--cache_dir`, where the index is kept (`kept_scans`)."""
    key = file_key(path) if "://" not in str(path) and Path(path).is_file() else None
    if key is None:
        raise OSError(f"{path} is not a local file (counting its samples would read it whole)")
    return read_tar_index(key, cache_dir)


# Every shard of a stream, for each of its splits: a data set of more shards than the cache held (Kinetics in 5 250
# tars) read every tar's members again for each asker (the count, the digest, the repeated ids), none from the cache.
@functools.lru_cache(maxsize=1 << 17)
def read_tar_index(identity: tuple, cache_dir: str | None = None) -> tuple[int, list[str], str, str | None]:
    """`tar_index` of the tar `file_key` gave `identity` for (its real path first), and a hash of the tar's
    members: every member's name and size, and the bytes of those up to `SMALL_MEMBER` (a sample's `cls`, `txt` and
    `json`: its label and id), read in the same pass; `scattered`: the first member of a sample whose other members
    came before it, other samples' between them (`tar -cf shard.tar *.mp4 *.cls`), else None. Kept on disk under
    `identity` (`kept_scans`), in `cache_dir` (HF_DATASETS_CACHE's without it): each process of a run walked every
    tar's headers again (Kinetics' 5 250 tars: ~70 s each), where now the first to open the data set walks them and
    the others read what it found. Kept in the default cache whatever `--cache_dir` said, it filled a small home's
    quota that the flag was there to spare, or mixed the files of machines sharing that home. A tar a stream's label
    scan read through in this process (`TarIndexing`) is not walked again: its index is the one that pass made."""
    # one file for the tar at this path and inode: a shard written again in place replaces its answer, and machines
    # that each hold a copy at one path (other inodes) keep one each in a cache they share, where each replaced the
    # other's and every process after the first on a machine walked every tar again
    made = _INDEXED.pop(tuple(identity), None)
    samples, ids, contents, scattered = kept(
        "tar index",
        [list(identity), SMALL_MEMBER],
        lambda: made or _walk(identity[0]),
        cache_dir,
        place=[identity[0], identity[3]],
        group=identity[0],  # the answer for its old inode, the tar written anew, removed
    )
    return samples, list(ids), contents, scattered


# The indexes a label scan's pass made (`TarIndexing`), by `file_key`, until `read_tar_index` asks for them.
_INDEXED: dict[tuple, tuple[int, list[str], str, str | None]] = {}


class TarIndexing:
    """`read_tar_index`'s answer for one tar, made from its members as a pass over it reads them (`add`, in the tar's
    order): its own walk (`_walk`), or the label scan of a WebDataset without a data card (`streaming._TarMembers`),
    which reads every member's header anyway; the first open read each tar through three times (its index, its
    labels, its class names: Kinetics' 240 000 clips, 534 s), now once. `strict`: a `.json` member that is not JSON
    raises (the walk's `ValueError`), else the index is not kept (`done`) and the walk, where it is asked, says so."""

    def __init__(self, strict: bool = True):
        self.strict, self.whole = strict, True
        self.samples, self.previous, self.ids, self.seen, self.scattered = 0, None, [], {}, None
        self.contents = hashlib.sha256()

    def add(self, member, read: Callable[[], bytes]) -> bytes | None:
        """Count `member` (a `TarInfo`); `read()` gives its bytes. Returns them where they were read (a small member,
        a `.json`), else None."""
        folder, _, name = member.name.rpartition("/")
        if not member.isfile() or "." not in name or name.startswith((".", "__")):
            return None
        key, field = (folder, name.split(".", 1)[0]), name.split(".", 1)[1]
        if key != self.previous:
            self.samples, self.previous = self.samples + 1, key
            # a member its key's earlier run lacked (not a whole sample written twice, read as two)
            self.scattered = self.scattered or (
                member.name if key in self.seen and field not in self.seen[key] else None
            )
        self.seen.setdefault(key, set()).add(field)  # the fields of each key's samples
        small = member.size <= SMALL_MEMBER
        is_json = name.lower().endswith(".json")  # (`.JSON` too: `datasets` decodes it as `.json`, `json_member`)
        data = read() if small or is_json else None
        self.contents.update(json.dumps([member.name, member.size]).encode() + (data if small else b""))
        if is_json:
            try:
                meta = json.loads(data)
            except ValueError:
                if self.strict:
                    raise
                self.whole = False
                return data
            clip_id = meta.get("id") if isinstance(meta, dict) else None
            if clip_id not in (None, ""):
                self.ids.append(str(clip_id))
        return data

    def answer(self) -> tuple[int, list[str], str, str | None]:
        return self.samples, self.ids, self.contents.hexdigest()[:16], self.scattered

    def done(self, identity: tuple | None) -> None:
        """The tar `file_key` gave `identity` for before the pass was read to its end: its index is
        `read_tar_index`'s, without a walk (not where the tar changed meanwhile)."""
        if self.whole and identity is not None and file_key(identity[0]) == identity:
            _INDEXED[identity] = self.answer()


def _walk(path: str) -> tuple[int, list[str], str, str | None]:
    """`read_tar_index`'s pass over the tar at `path`."""
    import tarfile

    index = TarIndexing()
    with tarfile.open(path) as tar:
        for member in tar:
            index.add(member, lambda member=member: tar.extractfile(member).read())
    return index.answer()
