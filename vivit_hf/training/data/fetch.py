# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Hub data set repos holding raw archives: download once, extract once, into the cache.

Kinetics, Something-Something v2, Epic Kitchens and Moments in Time live on the Hub as archives of clips plus
annotation files. `huggingface_hub.snapshot_download` fetches (and caches) the repo; its archives are then
unpacked once per repo revision into an extraction folder that only appears when extraction has finished, each
archive into a folder of its own named by its path without the suffix (`data/train.zip` -> `data/train/`), so
members of two archives never collide. An archive cut into numbered parts (`x-00`, `x-01`, ...: SSv2's clips) is
read as their concatenation into `x/`. An archive's own top folder stays (`train.zip` made with
`zip -r train.zip train/` gives `data/train/train/`): the formats read split folders at any depth.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import tarfile
import tempfile
import zipfile
import zlib
from collections.abc import Sequence
from pathlib import Path

from .synthetic import default_cache_dir

ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz")


def _is_archive(path: Path) -> bool:
    return path.name.lower().endswith(ARCHIVE_SUFFIXES)


def _archive_stem(path: Path) -> str:
    name = path.name
    for suffix in sorted(ARCHIVE_SUFFIXES, key=len, reverse=True):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


# One archive cut into numbered parts to be concatenated (`cat x-?? | tar -xzf -`), as Something-Something v2 ships its
# clips: `20bn-something-something-v2-00`, `-01`, ... with no suffix, each a slice of one tar.gz.
_PART = re.compile(r"^(?P<stem>.+)-(?P<number>\d{2,3})$")
# How a compressed or plain tar starts: gzip, bzip2, xz, or "ustar" at byte 257 of a tar's first header.
_TAR_MAGIC = (b"\x1f\x8b", b"BZh", b"\xfd7zXZ")


def _starts_a_tar(path: Path) -> bool:
    with open(path, "rb") as f:
        head = f.read(512)
    return head.startswith(_TAR_MAGIC) or head[257:262] == b"ustar"


def archive_parts(folder: Path, filenames: Sequence[str]) -> dict[str, list[Path]]:
    """`{archive stem: its parts in order}` for the files of one folder that are numbered parts of one tar archive
    (`<stem>-00`, `<stem>-01`, ...: the first of them starts as a tar, gzip, bzip2 or xz file does). A set whose
    numbers have a gap is returned as found: `missing_parts` names the gap."""
    numbered: dict[str, dict[int, Path]] = {}
    for filename in filenames:
        match = _PART.match(filename)
        if match:
            numbered.setdefault(match["stem"], {})[int(match["number"])] = folder / filename
    found = {}
    for stem, parts in numbered.items():
        first = parts[min(parts)]
        if first.is_file() and _starts_a_tar(first):
            found[stem] = [parts[n] for n in sorted(parts)]
    return found


def missing_parts(parts: Sequence[Path]) -> list[str]:
    """The names of the parts of a numbered set that are not there (from 00 to the last one found)."""
    numbers = {int(_PART.match(path.name)["number"]): path for path in parts}
    width = len(_PART.match(parts[0].name)["number"])
    stem = _PART.match(parts[0].name)["stem"]
    return [f"{stem}-{n:0{width}d}" for n in range(max(numbers) + 1) if n not in numbers]


def archive_parts_below(roots: Sequence[Path]) -> dict[Path, list[Path]]:
    """`{folder / stem: parts}` of every numbered archive set below the roots (`archive_parts`)."""
    found = {}
    for root in roots:
        for dirpath, _, filenames in os.walk(root, followlinks=True):
            for stem, parts in archive_parts(Path(dirpath), sorted(filenames)).items():
                found[Path(dirpath) / stem] = parts
    return found


def concatenate_command(parts: Sequence[Path], destination: Path) -> str:
    """The shell command that unpacks a numbered set of archive parts into `destination`."""
    stem = _PART.match(parts[0].name)["stem"]
    width = len(_PART.match(parts[0].name)["number"])
    with open(parts[0], "rb") as f:
        head = f.read(6)
    # tar guesses the compression of a file, not of its standard input: the flag is given
    flag = next((f for magic, f in zip(_TAR_MAGIC, ("z", "j", "J")) if head.startswith(magic)), "")
    return f"cat {parts[0].parent / stem}-{'?' * width} | tar -x{flag}f - -C {destination}"


class _Concatenated(io.RawIOBase):
    """The parts of a numbered archive read one after the other as one file, without writing the whole archive."""

    def __init__(self, parts: Sequence[Path]):
        self.parts, self.current = list(parts), None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while True:
            if self.current is None:
                if not self.parts:
                    return 0
                self.current = open(self.parts.pop(0), "rb")
            count = self.current.readinto(buffer)
            if count:
                return count
            self.current.close()
            self.current = None

    def close(self) -> None:
        if self.current is not None:
            self.current.close()
        super().close()


def extract_parts(parts: Sequence[Path], destination: Path) -> None:
    """Unpack a tar archive cut into numbered parts, read as their concatenation (`cat parts | tar -x`)."""
    gap = missing_parts(parts)
    if gap:
        raise ValueError(
            f"{parts[0].parent}: the archive parts {', '.join(gap)} are missing (found "
            f"{', '.join(p.name for p in parts)}); every part is needed to unpack any of it"
        )
    destination.mkdir(parents=True, exist_ok=True)
    try:
        with io.BufferedReader(_Concatenated(parts), buffer_size=1 << 20) as stream:
            with tarfile.open(fileobj=stream, mode="r|*") as tf:
                tf.extractall(destination, filter="data")
    except (tarfile.ReadError, EOFError, zlib.error) as error:  # the last part(s) not downloaded, or one cut short
        raise ValueError(
            f"{parts[0].parent}: the archive parts {parts[0].name} to {parts[-1].name} end before their archive does "
            f"({error}): a part after {parts[-1].name} is missing, or one of them is incomplete"
        ) from None


def extract_archive(archive: Path, destination: Path) -> None:
    """Unpack a zip or tar archive, refusing members that would land outside `destination`."""
    destination.mkdir(parents=True, exist_ok=True)
    if archive.name.lower().endswith(".zip"):
        with zipfile.ZipFile(archive) as zf:
            for member in zf.namelist():
                if not (destination / member).resolve().is_relative_to(destination.resolve()):
                    raise ValueError(f"{archive}: member {member!r} would be written outside {destination}")
            zf.extractall(destination)
    else:
        with tarfile.open(archive) as tf:
            # The "data" filter rejects absolute paths, links out of the tree and device files.
            tf.extractall(destination, filter="data")


def extract_archives(folder: str | os.PathLike, destination: str | os.PathLike) -> Path:
    """Extract every archive below `folder` into `destination/<relative path without suffix>`, once.

    Extraction happens in a temporary sibling that is renamed into place at the end, so a killed run
    leaves nothing that looks finished; a later call starts over, and a finished one is reused as is.
    """
    folder, destination = Path(folder), Path(destination)
    if destination.is_dir():
        return destination
    destination.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{destination.name}-", dir=destination.parent))
    try:
        for dirpath, _, filenames in os.walk(folder, followlinks=True):
            for filename in sorted(filenames):
                archive = Path(dirpath) / filename
                if _is_archive(archive):
                    relative = archive.parent.relative_to(folder) / _archive_stem(archive)
                    extract_archive(archive, tmp / relative)
            # Something-Something v2's `20bn-something-something-v2-00`, `-01`, ...: no suffix, so they were left
            # as they are, and the data set read "none of the clips is on disk".
            for stem, parts in archive_parts(Path(dirpath), sorted(filenames)).items():
                extract_parts(parts, tmp / Path(dirpath).relative_to(folder) / stem)
        try:
            os.replace(tmp, destination)
        except OSError:
            if not destination.is_dir():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return destination


def fetch_dataset_repo(
    repo_id: str,
    *,
    revision: str | None = None,
    cache_dir: str | os.PathLike | None = None,
    allow_patterns: list[str] | None = None,
) -> list[Path]:
    """Download a Hub data set repo (cached by `huggingface_hub`) and extract its archives once.

    Returns the folders to search for clips and annotations: the repo snapshot and the extraction folder.
    """
    from huggingface_hub import snapshot_download

    snapshot = Path(
        snapshot_download(
            repo_id, repo_type="dataset", revision=revision, cache_dir=cache_dir, allow_patterns=allow_patterns
        )
    )
    # The snapshot folder is named by commit hash, so a new revision gets its own extraction.
    base = Path(cache_dir) if cache_dir is not None else default_cache_dir() / "extracted"
    extracted = extract_archives(snapshot, base / f"{repo_id.replace('/', '--')}--{snapshot.name}")
    return [snapshot, extracted]
