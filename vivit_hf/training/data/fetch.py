# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Hub data set repos holding raw archives: download once, extract once, into the cache.

Kinetics, Something-Something v2, Epic Kitchens and Moments in Time live on the Hub as archives of clips plus
annotation files. `huggingface_hub.snapshot_download` fetches (and caches) the repo; its archives are then
unpacked once per repo revision into an extraction folder that only appears when extraction has finished, each
archive into a folder of its own named by its path without the suffix (`data/train.zip` -> `data/train/`), so
members of two archives never collide. An archive cut into numbered parts (`x-00`, `x-01`, ...: SSv2's clips;
bare, or each in a zip of its own) is read as their concatenation into `x/`. An archive's own top folder stays
(`train.zip` made with `zip -r train.zip train/` gives `data/train/train/`): the formats read split folders at any
depth.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import shutil
import struct
import tarfile
import tempfile
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from ...hub.folders import process_umask
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
# clips: `20bn-something-something-v2-00`, `-01`, ... with no suffix, each a slice of one tar.gz. Qualcomm's download
# wraps each part in a zip of its own (`20bn-something-something-v2-00.zip` holding `...-00`), which a file manager or
# `extract_archive` unpacks into a folder of its own (`.../-00/-00`): all three layouts are one set of parts.
_PART = re.compile(r"^(?P<stem>.+)-(?P<number>\d{2,3})$")
_ZIPPED_PART = re.compile(r"^(?P<stem>.+)-(?P<number>\d{2,3})\.zip$", re.IGNORECASE)
# How a compressed or plain tar starts: gzip, bzip2, xz, or "ustar" at byte 257 of a tar's first header.
_TAR_MAGIC = (b"\x1f\x8b", b"BZh", b"\xfd7zXZ")


@dataclass(frozen=True)
class ArchivePart:
    """One numbered part of an archive: a file of its own (`member` None), or the one member of a zip."""

    path: Path
    stem: str
    number: str
    member: str | None = None

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def home(self) -> Path:
        """The folder the set of parts is in: a part unzipped into a folder named after it belongs to that
        folder's parent, beside its siblings' folders."""
        if self.member is None and self.path.parent.name == self.path.name:
            return self.path.parent.parent
        return self.path.parent

    def open(self) -> BinaryIO:
        if self.member is None:
            return open(self.path, "rb")
        # The member keeps the zip file open until it is closed itself.
        with zipfile.ZipFile(self.path) as zf:
            return zf.open(self.member)


def _zipped_part(path: Path, stem: str, number: str) -> ArchivePart | None:
    """`<stem>-NN.zip` holding `<stem>-NN` alone (at any depth) is that part; any other zip is an ordinary archive."""
    try:
        with zipfile.ZipFile(path) as zf:
            files = [info.filename for info in zf.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, OSError):
        return None
    if len(files) != 1 or PurePosixPath(files[0]).name != f"{stem}-{number}":
        return None
    return ArchivePart(path, stem, number, files[0])


def _as_part(path: Path) -> ArchivePart | None:
    match = _PART.match(path.name)
    if match:
        return ArchivePart(path, match["stem"], match["number"])
    match = _ZIPPED_PART.match(path.name)
    if match:
        return _zipped_part(path, match["stem"], match["number"])
    return None


def _starts_a_tar(part: ArchivePart) -> bool:
    with part.open() as f:
        head = f.read(512)
    return head.startswith(_TAR_MAGIC) or head[257:262] == b"ustar"


def archive_parts_below(roots: Sequence[Path]) -> dict[Path, list[ArchivePart]]:
    """`{home / stem: its parts in order}` for every set of numbered parts of one tar archive below the roots
    (`<stem>-00`, `<stem>-01`, ..., bare, zipped one by one, or unzipped into folders of their own: the first of
    them starts as a tar, gzip, bzip2 or xz file does). A part found both bare and zipped is read bare. A set whose
    numbers have a gap is returned as found: `missing_parts` names the gap."""
    numbered: dict[Path, dict[int, ArchivePart]] = {}
    for root in roots:
        for dirpath, _, filenames in os.walk(root, followlinks=True):
            for filename in sorted(filenames):
                part = _as_part(Path(dirpath) / filename)
                if part is None:
                    continue
                found = numbered.setdefault(part.home / part.stem, {})
                if int(part.number) not in found or found[int(part.number)].member is not None:
                    found[int(part.number)] = part
    sets = {}
    for stem, parts in numbered.items():
        if _starts_a_tar(parts[min(parts)]):
            sets[stem] = [parts[n] for n in sorted(parts)]
    return sets


def missing_parts(parts: Sequence[ArchivePart]) -> list[str]:
    """The names of the parts of a numbered set that are not there (from 00 to the last one found), zipped as the
    first one found is."""
    first = parts[0]
    suffix = first.name[len(f"{first.stem}-{first.number}") :]
    numbers = {int(part.number) for part in parts}
    width = len(first.number)
    return [f"{first.stem}-{n:0{width}d}{suffix}" for n in range(max(numbers) + 1) if n not in numbers]


def _reading_command(parts: Sequence[ArchivePart]) -> str:
    """The shell command that writes the parts one after the other: a glob where the layout allows one, so the
    command stays short for SSv2's 20 parts and names every one of them."""
    first = parts[0]
    wildcard = f"{first.stem}-{'?' * len(first.number)}"
    home = first.home
    # quoted where the shell would split it (a folder "my data"), the wildcard left outside the quotes to expand
    folder = shlex.quote(str(home))
    if all(part.member is None and part.path.parent == home for part in parts):
        return f"cat {folder}/{wildcard}"
    if all(part.member is None and part.path.parent != home for part in parts):
        return f"cat {folder}/{wildcard}/{wildcard}"
    if all(part.member is not None and part.path.parent == home for part in parts):
        return f'for part in {folder}/{wildcard}.zip; do unzip -p "$part"; done'
    each = [
        f"cat {shlex.quote(str(p.path))}"
        if p.member is None
        else f"unzip -p {shlex.quote(str(p.path))} {shlex.quote(p.member)}"
        for p in parts
    ]
    return f"({'; '.join(each)})"


def concatenate_command(parts: Sequence[ArchivePart], destination: Path) -> str:
    """The shell command that unpacks a numbered set of archive parts into `destination`."""
    with parts[0].open() as f:
        head = f.read(6)
    # tar guesses the compression of a file, not of its standard input: the flag is given
    flag = next((f for magic, f in zip(_TAR_MAGIC, ("z", "j", "J")) if head.startswith(magic)), "")
    return f"{_reading_command(parts)} | tar -x{flag}f - -C {shlex.quote(str(destination))}"


class _Concatenated(io.RawIOBase):
    """The parts of a numbered archive read one after the other as one file, without writing the whole archive."""

    def __init__(self, parts: Sequence[ArchivePart]):
        self.parts, self.current = list(parts), None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while True:
            if self.current is None:
                if not self.parts:
                    return 0
                self.current = self.parts.pop(0).open()
            count = self.current.readinto(buffer)
            if count:
                return count
            self.current.close()
            self.current = None

    def close(self) -> None:
        if self.current is not None:
            self.current.close()
        super().close()


def extract_parts(parts: Sequence[ArchivePart], destination: Path) -> None:
    """Unpack a tar archive cut into numbered parts, read as their concatenation (`cat parts | tar -x`)."""
    gap = missing_parts(parts)
    if gap:
        raise ValueError(
            f"{parts[0].home}: the archive parts {', '.join(gap)} are missing (found "
            f"{', '.join(p.name for p in parts)}); every part is needed to unpack any of it"
        )
    destination.mkdir(parents=True, exist_ok=True)
    try:
        with io.BufferedReader(_Concatenated(parts), buffer_size=1 << 20) as stream:
            with tarfile.open(fileobj=stream, mode="r|*") as tf:
                tf.extractall(destination, filter="data")
    except (tarfile.ReadError, EOFError, zlib.error) as error:  # the last part(s) not downloaded, or one cut short
        raise ValueError(
            f"{parts[0].home}: the archive parts {parts[0].name} to {parts[-1].name} end before their archive does "
            f"({error}): a part after {parts[-1].name} is missing, or one of them is incomplete"
        ) from None


def extract_archive(archive: Path, destination: Path) -> None:
    """Unpack a zip or tar archive, refusing members that would land outside `destination`."""
    destination.mkdir(parents=True, exist_ok=True)
    if archive.name.lower().endswith(".zip"):
        with zipfile.ZipFile(archive) as zf:
            members = zf.infolist()
            for member in members:
                member.filename = _unzipped_name(member)  # (its data is still read by `orig_filename`)
                if not (destination / member.filename).resolve().is_relative_to(destination.resolve()):
                    raise ValueError(f"{archive}: member {member.filename!r} would be written outside {destination}")
            zf.extractall(destination, members)
    else:
        with tarfile.open(archive) as tf:
            # The "data" filter rejects absolute paths, links out of the tree and device files.
            tf.extractall(destination, filter="data")


def _unzipped_name(member: zipfile.ZipInfo) -> str:
    """The path a zip member is unpacked to, as Info-ZIP's unzip reads it where zipfile does not.

    A name without the zip's UTF-8 flag is decoded by zipfile as cp437, the DOS code page Windows' zip writers use
    (Explorer's, in the US; cp850 in Western Europe, which zipfile reads as cp437 too), but macOS' Archive Utility
    and Info-ZIP's zip write UTF-8 without the flag: a class folder `café` was unpacked as `caf├⌐`, a class of
    another name. unzip takes a Unix-made name as it is; here a name without the flag whose bytes are UTF-8 is read
    as UTF-8, whoever made it: a cp437 or cp850 name is UTF-8 only where each character of 0xC2-0xF4 (box drawing,
    Greek, math; `ß`; cp850's `ã`, `Ê`, `Í`, `Ó`...) is followed by exactly the one to three accented letters its
    byte asks for. None of glibc's locale words (month and day names of every language: 232 cp437-encodable with an
    accent, 285 cp850) is; cp866 Russian ones may be (6 of 324), but those were read as cp437, no better. Info-ZIP's
    Unicode Path field, where there, is read before either (`_unicode_path`). A zip
    made on Windows may separate its folders with backslashes (Windows PowerShell 5.1's Compress-Archive does), which
    zipfile keeps in the name: a tree of class folders was unpacked as flat files `videos\\train\\cat\\a.mp4`, no
    class and no split; unzip reads them as folders, and so are they here."""
    name = member.filename
    if not member.flag_bits & _UTF8_FLAG:
        stored = name.encode("cp437")  # (the name's bytes as the zip holds them: zipfile decoded them as cp437)
        with contextlib.suppress(UnicodeDecodeError):
            name = stored.decode("utf-8")
        name = _unicode_path(member.extra, stored) or name
    if member.create_system == 0 and "\\" in name and os.sep != "\\":
        name = name.replace("\\", "/")
    return name


_UTF8_FLAG = 0x800  # general purpose bit 11 (APPNOTE 4.4.4): the name and comment are UTF-8


def _unicode_path(extra: bytes, stored: bytes) -> str | None:
    """The name in Info-ZIP's Unicode Path extra field (0x7075, APPNOTE 4.6.9), which unzip reads before the name
    itself, else None. Info-ZIP's zip and WinZip on Windows store a name in the code page there with the field
    beside it: a name the code page cannot write is `?` there (the class folders `猫/` and `犬/` were both `?/`, one
    class, and a clip of each named alike was written over the other). The field holds the CRC-32 of the name it
    was written for: one that differs from `stored`'s (a tool renamed the member without knowing the field) is
    stale, and left, as unzip leaves it."""
    while len(extra) >= 4:
        tag, size = struct.unpack("<HH", extra[:4])
        field, extra = extra[4 : 4 + size], extra[4 + size :]
        if tag == 0x7075 and len(field) > 5 and field[0] == 1:
            if struct.unpack("<I", field[1:5])[0] == zlib.crc32(stored):
                with contextlib.suppress(UnicodeDecodeError):
                    return field[5:].decode("utf-8")
    return None


def _in_a_set(archive: Path, sets: dict[Path, list[ArchivePart]]) -> bool:
    """Whether a zip is one of a set's parts (read in place by `extract_parts`, or found unzipped beside it)."""
    part = _as_part(archive) if archive.name.lower().endswith(".zip") else None
    return part is not None and part.home / part.stem in sets


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
    # mkdtemp makes it 0700: renamed into place, the data set no one else on a shared cache could read
    tmp.chmod(0o777 & ~process_umask())
    try:
        # Something-Something v2's `20bn-something-something-v2-00`, `-01`, ...: with no suffix they were left as
        # they are, and zipped one by one each was unpacked into a folder of its own, never joined; either way the
        # data set read "none of the clips is on disk". The zipped parts are read inside their zips, not unpacked.
        sets = archive_parts_below([folder])
        for dirpath, _, filenames in os.walk(folder, followlinks=True):
            for filename in sorted(filenames):
                archive = Path(dirpath) / filename
                if _is_archive(archive) and not _in_a_set(archive, sets):
                    relative = archive.parent.relative_to(folder) / _archive_stem(archive)
                    extract_archive(archive, tmp / relative)
        for stem, parts in sets.items():
            extract_parts(parts, tmp / stem.relative_to(folder))
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
