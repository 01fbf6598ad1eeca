# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Hub data set repos holding raw archives: download once, extract once, into the cache.

Kinetics, Something-Something v2, Epic Kitchens and Moments in Time live on the Hub as archives of clips plus
annotation files. `huggingface_hub.snapshot_download` fetches (and caches) the repo; its archives are then
unpacked once per repo revision into an extraction folder that only appears when extraction has finished, each
archive into a folder of its own named by its path without the suffix (`data/train.zip` -> `data/train/`), so
members of two archives never collide. An archive's own top folder stays (`train.zip` made with
`zip -r train.zip train/` gives `data/train/train/`): the formats read split folders at any depth.
"""

from __future__ import annotations

import os
import shutil
import tarfile
import tempfile
import zipfile
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
