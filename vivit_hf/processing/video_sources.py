# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The inputs a video reader takes, and what they are called: paths, URLs, bytes, file objects, `datasets.Video`
dicts, PyAV containers and torchcodec decoders (`resolve_source` turns the first five into what `av.open` takes).

URLs are downloaded by `video_io.download_url`, whose limits (`video_io.URL_TIME_LIMIT`, `URL_SIZE_LIMIT`) are settings
callers change there. This module imports only the standard library and its sibling `errors` (PyAV lazily), so it
travels with the video processor under `trust_remote_code`.
"""

from __future__ import annotations

import io
import os
import re
import stat
import struct
from collections.abc import Collection
from typing import Any

from .errors import VideoDecodeError


def source_name(source: Any) -> str | None:
    """The file name an input carries, as the caller gave it: a path, a datasets.Video dict's `path` (or a decoded
    value's), an open file's `name`; None for bytes, arrays and anything else without one."""
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    if isinstance(source, dict):
        return source.get("path") or None
    if isinstance(source, (bytes, bytearray, memoryview)):
        return None
    file = container_file(source)
    if file is not None:  # PyAV names a container on a file object by str() of its name: "3" for a pipe's descriptor
        return source_name(file)
    if is_torchcodec_decoder(source):
        # A decoded datasets.Video value keeps the file it was decoded from (`_hf_encoded`): named by it, as the same
        # value under `Video(decode=False)` is. It was "<VideoDecoder>" where torchcodec read it (its errors, its
        # metadata's `name`) and the path where PyAV read it (an AVI), and the recipes' data set named it
        # "<torchcodec.decoders._video_decoder.VideoDecoder object at 0x...>".
        encoded = getattr(source, "_hf_encoded", None)
        path = encoded.get("path") if isinstance(encoded, dict) else None
        return path if isinstance(path, str) and path else None
    name = getattr(source, "name", None)
    return name if isinstance(name, str) else None


def container_file(source: Any) -> Any:
    """The file object a PyAV container reads (PyAV 18 holds it in a PyIOFile's `file`, earlier ones bare); None for
    one opened on a path, or anything else."""
    if type(source).__module__.split(".")[0] != "av":
        return None
    file = getattr(source, "file", None)
    return getattr(file, "file", file)


def _descriptor_name(file: Any) -> str | None:
    """What an open file without a path is (`open(fd)` names it by its descriptor number): "<a pipe, file descriptor
    3>", as the caller knows it; None for anything else."""
    number = getattr(file, "name", None)
    if not isinstance(file, io.IOBase) or not isinstance(number, int) or isinstance(number, bool):
        return None
    try:
        pipe = stat.S_ISFIFO(os.fstat(file.fileno()).st_mode)
    except (OSError, ValueError):  # (closed)
        pipe = False
    return f"<{'a pipe, ' * pipe}file descriptor {number}>"


def describe_source(source: Any) -> str:
    """A short human name for an input, for error messages."""
    name = source_name(source)
    if name is not None:
        return repr(name)
    if isinstance(source, (bytes, bytearray, memoryview)):
        return f"<{len(source)} bytes>"
    if isinstance(source, dict):
        if source.get("bytes") is not None:
            return f"<{len(source['bytes'])} bytes>"
        return f"<dict with keys {sorted(source)}>"
    file = container_file(source)
    if file is not None:  # a container on a file object without a path (PyAV calls one on an io.BytesIO "<none>")
        return _descriptor_name(file) or f"<{type(source).__name__} on {type(file).__name__}>"
    return _descriptor_name(source) or f"<{type(source).__name__}>"


def file_key(source: Any) -> tuple | None:
    """What tells a file unchanged since it was read, for the caches that keep what a read of it found (a video's
    frame table, a tar's samples and digest, a local data set's Arrow cache): its real path, size and modification
    time, and its inode and status-change time. Size and modification time alone are not enough: `cp -p` /
    `rsync -t` of another file of the same size set the old modification time again, and the old answer was served
    for it; but `rsync` renames a new inode over the path, and any write or time change moves the status-change
    time, which no call can set back. None for anything but a path (`str` or `os.PathLike`), or one that is not
    there."""
    if not isinstance(source, (str, os.PathLike)):
        return None
    try:
        status = os.stat(source)
    except OSError:
        return None
    return os.path.realpath(source), status.st_size, status.st_mtime_ns, status.st_ino, status.st_ctime_ns


def is_torchcodec_decoder(source: Any) -> bool:
    """A torchcodec `VideoDecoder` (duck-typed: torchcodec imports only when it is used)."""
    return hasattr(source, "get_frames_at") and hasattr(source, "metadata")


def is_av_container(source: Any) -> bool:
    """A container the caller opened with `av.open`: read as it is, and left open."""
    import av

    return isinstance(source, av.container.InputContainer)


def refuse_without_pyav(source: Any) -> None:
    """Refuse to read `source` where PyAV does not import, naming the video and the package. Every read of a
    file needs it, torchcodec's too (its tracks, rotation and misread formats are looked up with PyAV), and so does
    a torchcodec decoder's but one of a file datasets streams (see `open_torchcodec_decoder`). vivit_hf's
    install brings it; a folder loaded with `trust_remote_code=True` where only transformers and torchvision are
    installed does not: the processor loaded, then its first video failed with a bare "No module named 'av'" from
    `is_av_container`."""
    try:
        import av  # noqa: F401
    except ModuleNotFoundError as missing:
        if missing.name != "av":
            raise  # a module PyAV itself imports: installing av again would not bring it back
        raise ModuleNotFoundError(
            f"Cannot read video {describe_source(source)}: the ViViT video processor decodes videos with PyAV, which "
            "is not installed here: pip install av (vivit_hf's own install includes it; a model folder loaded with "
            "trust_remote_code=True does not)",
            name="av",
        ) from None


def demuxer_in(container: Any, formats: Collection[str]) -> bool:
    """Whether `container`'s demuxer is one of `formats`: a demuxer may go by several names ("mov,mp4,m4a,...")."""
    return not set(container.format.name.split(",")).isdisjoint(formats)


def _read_remote(path: str, name: str) -> io.BytesIO:
    """The clip at a file-system URL only `datasets` / fsspec open: what a streamed `datasets` repo of loose clip files
    gives as `Video(decode=False)`'s path, with no bytes (`hf://datasets/...`, `zip://clip.mp4::hf://...`, an archive
    member `zip://clip.mp4::/data/clips.zip`, `s3://...`). Read whole with `datasets`' own `xopen` (the Hub's token and
    file systems, chained URLs, as its `Video` feature reads them); such a path read as a local file name, "does not
    exist", for every clip of the stream."""
    try:
        from datasets.utils.file_utils import xopen
    except ImportError as e:
        raise VideoDecodeError(
            f"Video {name} is a file-system URL, which only `datasets` (fsspec) opens, and `datasets` does not import "
            "here: pass the clip's bytes or an open file instead."
        ) from e
    try:
        with xopen(path, "rb") as file:
            return io.BytesIO(file.read())
    except Exception as e:  # fsspec's errors: a missing member or file, no such protocol, a refused token, ...
        raise VideoDecodeError(f"Cannot read video {name}: {type(e).__name__}: {e}") from e


def _as_file_name(path: str) -> str:
    """`path`, a local file, as FFmpeg reads it as one. FFmpeg takes what comes before a colon for a protocol where
    no `/` comes first: a clip named for its time (`12:30:00.mp4`, a camera's) or its title (`Talk: Part 1.mp4`, a
    download tool's) gave "Protocol not found", and `file:clip.mp4` read another file, `clip.mp4`. `./` names the
    file itself."""
    if ":" in path and not os.path.isabs(path):
        return os.path.join(os.curdir, path)
    return path


# FFmpeg's image2 pattern (`frame_%05d.jpg`: a number, `%0Nd` padded to N digits) and a shell's glob of any name
# (`frame_*.jpg`; `[...]` and `?` are left out: a missing download's name holds them, "Title [id].mp4")
_PRINTF_NUMBER = re.compile(r"%(0?)(\d*)d")


def _sequence_files(path: str) -> list[str]:
    """The files a path that is a pattern names (`frames/%05d.jpg`, `frames/*.jpg`), as `ffmpeg -i frames/%05d.jpg`
    and a shell read them; [] where it is no pattern or names no file."""
    folder, pattern = os.path.split(path)
    if _PRINTF_NUMBER.search(pattern):
        parts = _PRINTF_NUMBER.split(pattern)  # text, then (zero, width) of each number, then text ...
        regex = re.escape(parts[0])
        for zero, width, text in zip(parts[1::3], parts[2::3], parts[3::3]):
            regex += (rf"\d{{{width},}}" if zero and width else r"\d+") + re.escape(text)
        try:
            names = [name for name in os.listdir(folder or os.curdir) if re.fullmatch(regex, name)]
        except OSError:
            return []
        # by number: `%d` names frame_2 before frame_10
        return [os.path.join(folder, name) for name in sorted(names, key=lambda name: (len(name), name))]
    if "*" in pattern:
        import glob

        return sorted(glob.glob(os.path.join(glob.escape(folder), glob.escape(pattern).replace("[*]", "*"))))
    return []


# the way a processor takes an image sequence's files, which transformers' pipeline('video-classification') does not
# (a list there is a list of videos): the processor adds that pipeline's own way where it calls
IMAGE_SEQUENCE_ADVICE = "pass their paths in order as one video, `[frame_paths]`"


def _sequence_advice(path: str) -> str:
    """Why a path that is not there failed, where it is a pattern naming files: an image sequence (a video's extracted
    frames) or several videos. A pattern was "does not exist" for files the caller can list."""
    files = _sequence_files(path)
    if not files:
        return ""
    import mimetypes

    named = f": it is a pattern naming {len(files)} files ({files[0]!r} ... {files[-1]!r})"
    if (mimetypes.guess_type(files[0])[0] or "").startswith("image/"):
        return (
            # a processor keeps frames given as images as they are (all 300 of a folder): the model refused them
            f"{named}, an image sequence: {IMAGE_SEQUENCE_ADVICE} (to a processor "
            "with do_sample_frames=True, to sample a clip of them as of a video file; for fps=, their rate as "
            "video_metadata={'fps': ...})"
        )
    return f"{named}, and a path is one video: pass a list of the paths, one video each"


def resolve_source(source: Any) -> Any:
    """Turn the accepted input kinds into something `av.open` takes (a path or a seekable file)."""
    name = describe_source(source)
    if isinstance(source, dict):  # datasets.Video(decode=False): {"path": ..., "bytes": ...}
        if source.get("bytes") is not None:
            return resolve_source(source["bytes"])
        if source.get("path"):
            return resolve_source(source["path"])
        raise VideoDecodeError(f"Video {name} has neither 'path' nor 'bytes'.")
    if isinstance(source, (bytes, bytearray, memoryview)):
        if len(source) == 0:
            raise VideoDecodeError("Cannot decode video <0 bytes>: the input is empty.")
        return io.BytesIO(bytes(source))
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        if path[:8].lower().startswith(("http://", "https://")):  # a scheme is case-insensitive (RFC 3986)
            from .video_io import download_url  # where its limits are set (video_io imports this module: not at import)

            return download_url(path, name)
        if path[:7].lower() == "file://" and not os.path.exists(path):
            # A local file's URI (`Path.as_uri()`, fsspec's and browsers' file:///clips/a%20b.mp4): its path, which
            # was looked for as a file named "file:///..." ("does not exist", for a file that does)
            from urllib.parse import urlsplit
            from urllib.request import url2pathname

            path = url2pathname(urlsplit(path).path)
        elif "://" in path and not os.path.exists(path):
            return _read_remote(path, name)
        if os.path.islink(path) and not os.path.exists(path):
            # git-annex and DataLad keep a data set's files as links into .git/annex/objects, dangling until fetched
            fetch = " (a git-annex / DataLad file not fetched: `git annex get` or `datalad get` it)"
            target = os.readlink(path)
            raise VideoDecodeError(
                f"Video file {name} is a symbolic link to {target!r}, which does not exist"
                f"{fetch if 'annex' in target else ''}."
            )
        if not os.path.exists(path):
            raise VideoDecodeError(f"Video file {name} does not exist{_sequence_advice(path)}.")
        if os.path.isdir(path):
            raise VideoDecodeError(f"Video path {name} is a directory, not a file.")
        if os.path.getsize(path) == 0:
            raise VideoDecodeError(f"Video file {name} is empty (0 bytes).")
        return _as_file_name(path)
    if isinstance(source, io.TextIOBase):  # FFmpeg's reads would fail with "Expected bytes, got str"
        raise VideoDecodeError(f"Video {name} is a file opened in text mode: open it in binary mode, open(path, 'rb').")
    if hasattr(source, "read"):
        seekable = getattr(source, "seekable", lambda: False)
        if seekable():
            # A file object is read from its start, as a path is: a caller that read some of it first (a header
            # sniff) would otherwise hand FFmpeg a file without its head (a Matroska file then fails to open).
            try:
                empty = source.seek(0, io.SEEK_END) == 0  # (FFmpeg said "Invalid argument" of an empty file)
                source.seek(0)
            except OSError:  # it said it seeks, and cannot: read as a stream is
                pass
            else:
                if empty:
                    raise VideoDecodeError(f"Video {name} is empty (0 bytes).")
                return source
        # FFmpeg needs to seek in most containers (mp4's index may sit at the end): the rest of a stream, in memory
        data = source.read()
        if not data:
            raise VideoDecodeError(f"Video {name} is empty (0 bytes).")
        return io.BytesIO(data)
    if source is None:  # a data set's missing value: a broken sample, which skip_broken skips
        raise VideoDecodeError("Video <None> is missing (None): no file, bytes or frames to read.")
    # Not a broken video but the wrong input: as a VideoDecodeError, skip_broken dropped it with a warning (a batch of
    # torchcodec FrameBatches, each skipped), and the message listed no in-memory kind
    hint = ""
    if hasattr(getattr(source, "data", None), "shape") and hasattr(source, "pts_seconds"):
        hint = (
            " A torchcodec FrameBatch (or Frame) holds decoded frames: pass its `.data`, (T, C, H, W) uint8, and for "
            "fps= sampling its frame rate as video_metadata={'fps': ...}."
        )
    elif hasattr(source, "total_num_frames") and hasattr(source, "frames_indices"):  # transformers' VideoMetadata
        # (`load_video` returns `(frames, metadata)`: the pair, a tuple, reads as a list of two videos)
        hint = (
            " A VideoMetadata describes a video and holds no frames: transformers' `load_video` returns `(frames, "
            "metadata)`, so pass `processor(frames, video_metadata=metadata)`, not the pair (a tuple is a list of "
            "videos)."
        )
    elif hasattr(source, "__next__") and hasattr(source, "__iter__"):  # a generator, `map(...)`: read once, no len
        hint = " A generator (or iterator) of videos: pass a list, `list(videos)`."
    elif hasattr(source, "column_names") and hasattr(source, "features"):  # a `datasets` Dataset: rows, not videos
        hint = (
            f" A datasets Dataset holds rows (columns {list(source.column_names)}): pass its column of videos, "
            "`ds['video']`, a list of videos (the pipeline gives one result each)."
        )
    elif hasattr(source, "tolist") and hasattr(source, "index") and hasattr(source, "dtype"):  # a pandas Series
        hint = " A pandas Series of videos: pass `series.tolist()`, a list of videos."
    raise ValueError(
        f"Unsupported video input {name}: expected a path, bytes, a file object, a PyAV container, a torchcodec "
        "VideoDecoder, a datasets.Video dict with 'path'/'bytes', or frames in memory (an array or tensor, a list of "
        f"PIL images or arrays).{hint}"
    )


# What a file that is no video most often is, by its first bytes (after a BOM and white space): a download that got a
# web page, or a storage service's error document (S3's XML, an API's JSON), saved under the video's name
_EBML_MAGIC = b"\x1a\x45\xdf\xa3"  # the first bytes of every Matroska / WebM file (an EBML header)
_TEXT_DOCUMENTS = (
    (b"<!doctype html", "an HTML page"),
    (b"<html", "an HTML page"),
    (b"<head", "an HTML page"),
    (b"<?xml", "an XML document"),
    (b"{", "JSON text"),
)


# Archives by their first bytes (tar by its "ustar" magic at byte 257): a data set's download (videos.zip, a WebDataset
# shard) passed where one of its videos belongs, or saved under a video's name. FFmpeg said "Invalid data found"
_ARCHIVES = (
    (0, b"PK\x03\x04", "a ZIP archive"),
    (0, b"PK\x05\x06", "a ZIP archive"),  # (one with no members)
    (0, b"\x1f\x8b", "a gzip file"),
    (0, b"\xfd7zXZ\x00", "an xz file"),
    (0, b"BZh", "a bzip2 file"),
    (257, b"ustar", "a tar archive"),
    (0, b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (0, b"Rar!\x1a\x07", "a RAR archive"),
    (0, b"\x28\xb5\x2f\xfd", "a Zstandard file"),
)


def read_at(source: Any, offset: int, size: int) -> bytes:
    """`size` bytes of `source` (what `resolve_source` returns: a path or a seekable file) from `offset`, where it
    stays; b"" where it cannot be read."""
    try:
        if isinstance(source, str):
            with open(source, "rb") as file:
                file.seek(offset)
                return file.read(size)
        position = source.tell()
        try:
            source.seek(offset)
            return source.read(size) or b""
        finally:
            source.seek(position)
    except (OSError, AttributeError, ValueError):
        return b""


def _top_boxes(source: Any, limit: int):
    """The first `limit` top-level MP4 boxes of `source`, each (kind, offset, size), up to one whose size runs to or
    past the end of the file (0: "to the end")."""
    offset = 0
    for _ in range(limit):
        header = read_at(source, offset, 16)
        if len(header) < 8:
            return
        size, kind = struct.unpack(">I4s", header[:8])
        if size == 1 and len(header) == 16:
            size = struct.unpack(">Q", header[8:16])[0]
        yield kind, offset, size
        if size < 8:
            return
        offset += size


def _mp4_without_index(source: Any) -> bool:
    """Whether `source` is an MP4 / QuickTime file whose top-level boxes hold no whole `moov` (the index every reader
    needs, written last by most recorders and muxers: a recording or download cut short lacks it, or ends inside
    it, where FFmpeg said "Invalid data found" or found no streams at all)."""
    seen = []
    for kind, offset, size in _top_boxes(source, 10_000):
        if kind == b"moov" and size >= 8 and not read_at(source, offset + size - 1, 1):
            kind = b"cut moov"  # the file ends inside it
        seen.append(kind)
        if kind in (b"moov", b"cut moov"):
            break
    return bool(seen) and seen[0] == b"ftyp" and b"moov" not in seen and b"moof" not in seen


def mp4_boxes_whole(source: Any) -> bool:
    """Whether `source`'s top-level MP4 / QuickTime boxes each end within it, the last at its end: a copy or download
    cut short ends inside one (its `mdat`, after an index written first), whatever its index says; zero bytes may
    follow the last box. False where it cannot be told (a box that runs "to the end", size 0; a source that cannot be
    read)."""
    offset = 0
    for _ in range(10_000):
        header = read_at(source, offset, 16)
        if len(header) < 8 or header[:8] == bytes(8):
            # the end, or zero bytes after the last box to the end (padding, which FFmpeg skips: a whole delayed,
            # trimmed file padded with 4 of them was said to be cut short)
            tail = read_at(source, offset, 1 << 16)
            return offset > 0 and not tail.strip(b"\0") and not read_at(source, offset + len(tail), 1)
        size = struct.unpack(">I", header[:4])[0]
        if size == 1 and len(header) == 16:
            size = struct.unpack(">Q", header[8:16])[0]
        if size < 8 or not read_at(source, offset + size - 1, 1):
            return False
        offset += size
    return False


def _fragmented_mp4_cut_in_a_fragment_header(source: Any) -> bool:
    """Whether `source` is a fragmented MP4 (a recorder's or a live stream's: an index per fragment, `moof`) that ends
    inside a fragment's `moof` box: FFmpeg reads every fragment's box when it opens a file it can seek in, and opened
    none of it ("Invalid data found"; the frames of the whole fragments before the cut were there)."""
    for k, (kind, offset, size) in enumerate(_top_boxes(source, 100_000)):
        if (k == 0 and kind != b"ftyp") or size < 8:
            return False
        if kind == b"moof" and not read_at(source, offset + size - 1, 1):
            return True
    return False


# The boxes a fragmented MP4's media segment starts with (DASH / HLS fMP4 / CMAF: ISO/IEC 23009-1 6.3.4, 14496-12 8.16)
_MEDIA_SEGMENT_STARTS = (b"styp", b"sidx", b"moof", b"emsg", b"prft")
_JOIN_SEGMENTS = "`cat init.mp4 segment-1.m4s segment-2.m4s > clip.mp4`"


def fragmented_mp4_part(source: Any, opened: bool = True) -> str | None:
    """What `source` is where it is one part of a fragmented MP4 delivered in parts (DASH, HLS fMP4, CMAF: a player's
    or downloader's separate files), for the error message: the initialisation segment alone (`ftyp` + a `moov` of
    no frames, `mvex`: FFmpeg opens it, "has no frames."; a fragmented recording stopped before its first fragment
    looks the same), which `opened` asks for, or a media segment alone
    (`styp` / `sidx` / `moof` first: FFmpeg said "Invalid data found when processing input"). None where it is
    neither."""
    boxes = list(_top_boxes(source, 64))
    kinds = [kind for kind, _, _ in boxes]
    if not opened:
        if kinds and kinds[0] in _MEDIA_SEGMENT_STARTS and b"moov" not in kinds:
            return (
                "it is a media segment of a fragmented MP4 (DASH / HLS / CMAF: 'moof' fragments) without its "
                "initialisation segment (the 'ftyp' + 'moov' file, often init.mp4), which says how to decode it: join "
                f"them, the initialisation segment first ({_JOIN_SEGMENTS})"
            )
        return None
    moov = next(((offset, size) for kind, offset, size in boxes if kind == b"moov"), None)
    if moov is None or b"moof" in kinds or b"mdat" in kinds or not 8 < moov[1] <= 1 << 20:
        return None
    if b"mvex" not in read_at(source, moov[0], moov[1]):  # (its fragments' defaults: a moov of a fragmented file)
        return None
    return (
        "it is a fragmented MP4's header alone (its 'moov' lists no frames: they come in 'moof' fragments, and it "
        "holds none): the initialisation segment of a DASH / HLS / CMAF stream, whose frames are in separate media "
        f"segments (.m4s: join them, this file first, {_JOIN_SEGMENTS}), or a fragmented recording stopped before its "
        "first fragment"
    )


def streaming_manifest(source: Any, head: bytes) -> str | None:
    """What a DASH manifest or an HLS playlist given for a video is, from its first bytes (`head`, lower case): an
    MPD, which FFmpeg as PyAV builds it does not read, was called "an XML document ... a download that got a web page
    or an error document"; a playlist (which FFmpeg reads from its path, its segments beside it) "a text file"."""
    if head.startswith(b"<mpd") or (head.startswith(b"<?xml") and b"<mpd" in head):
        return (
            "it is a DASH manifest, not a video: an MPD lists a stream's segments, each a file of its own, and no "
            "reader here follows it: join the initialisation segment and the media segments it names, the "
            f"initialisation segment first ({_JOIN_SEGMENTS})"
        )
    if not head.startswith(b"#extm3u"):
        return None
    reach = (
        "the segments it names could not be read beside it"
        if isinstance(source, str)
        else "given in memory, the segments it names (files beside it) cannot be reached: pass the playlist's path"
    )
    return (
        f"it is an HLS playlist, not a video (an .m3u8): {reach}; or join its segments into one file (an "
        f"initialisation segment, where it names one, first: {_JOIN_SEGMENTS})"
    )


def hls_segments_missing(playlist: str) -> list[str]:
    """The files a local HLS playlist names (its segments, an `EXT-X-MAP` initialisation segment, a master
    playlist's variant playlists) that are not beside it: FFmpeg skips a segment it cannot open with a log line
    alone, so a playlist missing its last of 3 segments would read 20 of 30 frames, 0.8 s of 1.2. URLs
    are left to FFmpeg."""
    try:
        with open(playlist, encoding="utf-8", errors="replace") as file:
            lines = [line.strip() for line in file]
    except OSError:
        return []
    named = [line for line in lines if line and not line.startswith("#")]
    named += re.findall(r'#EXT-X-MAP:.*?URI="([^"]+)"', "\n".join(lines))
    folder = os.path.dirname(os.path.abspath(playlist))
    return [
        name
        for name in dict.fromkeys(named)
        if "://" not in name and not os.path.exists(os.path.join(folder, name.split("?")[0]))
    ]


def what_it_is(source: Any) -> str | None:
    """What a file FFmpeg cannot open holds, where its bytes tell (None: nothing to say), for the error message."""
    raw = read_at(source, 0, 512)
    head = raw.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"version https://git-lfs.github.com/spec/"):
        # what a clone of a Hub or GitHub repo without git-lfs holds in place of each large file
        return (
            "it is a Git LFS pointer file, not the video: the repository was cloned or copied without its LFS files "
            "(run `git lfs install` and `git lfs pull` in it, or download the files with huggingface_hub)"
        )
    manifest = streaming_manifest(source, head)
    if manifest:
        return manifest
    for start, kind in _TEXT_DOCUMENTS:
        if head.startswith(start):
            return (
                f"it is {kind}, not a video: a download that got a web page or an error document (a sign-in, "
                "quota or access-denied page) instead of the file?"
            )
    for offset, magic, kind in _ARCHIVES:
        if raw[offset : offset + len(magic)] == magic:
            return f"it is {kind}, not a video: extract its videos and pass each one (a data set's download?)"
    part = fragmented_mp4_part(source, opened=False)
    if part:
        return part
    if _fragmented_mp4_cut_in_a_fragment_header(source):
        return (
            "it is a fragmented MP4 that ends inside a fragment's header (its 'moof' box): the recording or download "
            "was cut short there, and FFmpeg opens no part of such a file"
        )
    if _mp4_without_index(source):
        return (
            "it is an MP4 / QuickTime file without its index (no whole 'moov' box, which recorders and muxers write "
            "last): the recording or download was cut short, and no reader can find its frames"
        )
    text = _text_start(raw)
    if text is not None:  # a file list or annotation table passed where its videos belong, a log, notes
        return f"it is a text file, not a video (it begins {text!r})"
    return None


def _text_start(head: bytes) -> str | None:
    """The first line of `head` (up to 60 characters) where it is UTF-8 text: printable characters and line breaks
    only (a character cut by the 512-byte read allowed). None for binary data, as every video container's is."""
    if not head or b"\x00" in head:
        return None
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 3:  # (not a multi-byte character cut at the end)
            return None
        text = head[: error.start].decode("utf-8")
    text = text.lstrip("\ufeff")
    if not text.strip() or not all(char.isprintable() or char in "\t\r\n" for char in text):
        return None
    return text.strip().splitlines()[0][:60]


def unreadable_matroska(source: Any) -> str | None:
    """Why FFmpeg could not open `source`, where it is a Matroska / WebM file (its EBML header's first bytes): FFmpeg
    said "[Errno 5] Input/output error" or "End of file" of one that ends inside its header. None where it is not.
    (Only for a file FFmpeg cannot open: one it opens has its header.)"""
    if read_at(source, 0, 4) != _EBML_MAGIC:
        return None
    return (
        "it is a Matroska / WebM file whose header (its tracks) FFmpeg cannot read: the recording or download was "
        "cut short, or the file is damaged"
    )


SHORT_TS_BYTES = 64 * 1024  # the transport streams `short_transport_stream` looks at: FFmpeg recognises longer ones


def short_transport_stream(source: Any) -> str | None:
    """Why FFmpeg could not open `source`, where it is a transport stream of a few packets (every 188th byte, or 192nd
    or 204th, is its sync byte): FFmpeg's format probe does not recognise so short a one (H.264 of 2 or 3 frames,
    1692 bytes: it took it for a program stream and said "[Errno 541478725] End of file"). None where it is not."""
    data = read_at(source, 0, SHORT_TS_BYTES + 1)
    if not data or len(data) > SHORT_TS_BYTES:
        return None
    for packet_size in (188, 192, 204):
        sync = 4 if packet_size == 192 else 0  # (M2TS: a 4-byte time code before each packet)
        if len(data) % packet_size == 0 and all(data[i + sync] == 0x47 for i in range(0, len(data), packet_size)):
            packets = len(data) // packet_size
            return (
                f"it is an MPEG transport stream too short for FFmpeg to recognise: {len(data)} bytes, "
                f"{packets} packet{'s' * (packets != 1)} of {packet_size} (FFmpeg's format probe needs more of the "
                "file to tell what it holds); a clip of a few frames, or a file cut short"
            )
    return None
