# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""PyAV decoding (`PyAVReader`, the default backend): the frame table in presentation order, built from the demuxed
packets (one full decode at open where they do not tell: AVI, ASF, raw streams, ...; cached per file), seeks to the
keyframe before each span of wanted frames, non-reference frames skipped, palettes, display orientation, colour
matrices and damaged streams.

What the reader asks that needs no reader lives beside it: `bitstream_clocks` (frame rates from the times coded in
picture headers), `container_clocks` (what the container's timestamps say: joined and folded clocks, rates from
stamps), `cut_files` (whether a file was cut short, and the end its container states), `frame_display` (a decoded
frame's display orientation and colour conversion), `frame_table_cache` (the per-file caches of frame tables and
reorder checks, and the keys that tell a file unchanged) and `video_streams` (how a file is opened and which of its
video streams is read: the choice torchcodec's reader and the training data's shard writer follow too).

Callers import these from `video_io` (see its docstring for how decoding works). This module imports only numpy,
PyAV and the standard library (PIL lazily) and its siblings (`video_reader`, `video_sources`, `random_access`,
`errors` and the six above), so it travels with the video processor under `trust_remote_code`.
"""

from __future__ import annotations

import collections
import functools
import hashlib
import io
import itertools
import math
import os
import warnings
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from fractions import Fraction
from typing import Any, NoReturn

import numpy as np

from .bitstream_clocks import (
    COMMON_RATES,
    PICTURE_CLOCK_CODECS,
    VOP_COUNT,
    VOP_HEAD,
    h264_fixed_frame_rate,
    mpeg4_vol_clock,
    mpeg4_vop_rate,
    mpeg4_vop_times,
    picture_clock_rate,
    picture_reference,
)
from .container_clocks import (
    AVFMT_TS_DISCONT,
    CLOCK_JUMP_SECONDS,
    DELAY_TIMED_FORMATS,
    flv_unfolded,
    gxf_last_frame_placed,
    joined_seconds,
    rate_of_drifting_stamps,
    rate_of_rounded_stamps,
    rate_of_span,
    stamps_go_back,
    stamps_jump,
)
from .cut_files import (
    INDEXED_FORMATS,
    asf_cut,
    avi_cut,
    declared_end,
    dv_cut,
    ends_inside_a_ts_packet,
    ends_where_its_edits_end,
    jpeg_cut,
    nut_cut_at_the_end,
)
from .errors import EncryptedVideoError, VideoDecodeError
from .frame_display import (
    EXIF_CODECS,
    PALETTE_ALPHA_CODECS,
    WHITE_UNDER_ALPHA_CODECS,
    alpha_decoder,
    colour_matrix,
    display_orientation,
    full_range_grey,
    has_alpha,
    on_white,
    opaque_alpha_plane,
    rgb_below_8_bits,
    transparent_palette,
)
from .frame_table_cache import REORDERS_CACHE, TABLE_CACHE, content_key, path_key
from .random_access import field_check, keyframe_check
from .video_reader import (
    INTERPOLATIONS,
    VideoInfo,
    VideoReader,
    check_interpolation,
    orient,
    output_size,
    video_duration,
)
from .video_sources import (
    container_file,
    demuxer_in,
    describe_source,
    fragmented_mp4_part,
    hls_segments_missing,
    is_av_container,
    resolve_source,
    short_transport_stream,
    unreadable_matroska,
    what_it_is,
)
from .video_streams import (
    chosen_video_stream,
    open_input,
    other_tracks_note,
    several_video_tracks,
    video_tracks,
)


class _DamagedKeyframe(Exception):
    """A span's keyframe decoded as a damaged picture with nothing decoded before it (`PyAVReader._unseekable`), or
    as no keyframe at all (the container's flags lied: `PyAVReader._starts_from_decoder`), or a packet after a seek
    that is not the one its dts named at open (`PyAVReader._seek_renames`): the span starts again."""


# Decoders that read `skip_frame` afresh for every packet and skip only frames that no other frame
# references: H.264 (`nal_ref_idc == 0` guarantees it). Not HEVC: its "sub-layer non-reference"
# pictures may still be referenced from higher temporal layers. Others may latch the setting when
# they open (libdav1d would then drop non-reference frames for good), so they decode every frame.
_SKIP_NONREF_PER_PACKET = frozenset({"h264"})

# Demuxers whose packets carry no presentation timestamps (see PyAVReader._frame_table), and
# FFmpeg's flag for formats that store no timestamps at all (raw elementary streams).
UNTIMED_FORMATS = frozenset({"avi", "asf"})
AVFMT_NOTIMESTAMPS = 0x0080
# MPEG-4 part 2 packets this small hold no coded picture: an N-VOP ("not coded", which Xvid and capture tools write
# for a frame with nothing new, 6-8 bytes) or a packed bitstream's placeholder after a packet holding two pictures
# (DivX; kept by a remux with `-c copy`). A sequential decode gives no frame for them, so counting packets would
# shift every later frame. A coded picture of a tiny, static video can be as small: it only costs a full decode.
_NO_PICTURE_CODECS = frozenset({"mpeg4"})
_NO_PICTURE_SIZE = 8
# Decoders whose picture of a packet the file ends inside is partly memory, not the file: MJPEG's leaves the rows past
# the cut as its buffer held them (a sequential decode that keeps its frames showed frame 0's pixels there, one that
# lets them go frame 24's). No read can give "the" sequential decode's picture: it is no frame (see `_frame_table`)
_UNDEFINED_CUT_CODECS = frozenset({"mjpeg"})
# Decoders that show no frame before the first keyframe of a stream cut mid-GOP (see PyAVReader._frame_table)
_DROPS_LEADING_CODECS = frozenset({"h264", "hevc", "mpeg1video", "mpeg2video"})
# Decoders that draw text as pictures (text-mode art: ANSI, BIN, XBIN, iCE Draw): FFmpeg's tty demuxer takes any
# `.txt` file, so a note or a label list passed for a video read as seconds of rendered text, without an error
TEXT_ART_CODECS = frozenset({"ansi", "bintext", "xbin", "idf"})
# Demuxers without an index, whose seek is a search for a timestamp (see PyAVReader._packets_from)
_TIMESTAMP_SEARCH_FORMATS = frozenset({"mpegts", "mpeg"})
_PROGRAM_STREAM_FORMATS = frozenset({"mpeg"})  # (FFmpeg's demuxer of .mpg and DVD .vob files)
# Demuxers that hand out the picture a cut file ends inside unflagged, which its decoder may make nothing of (see
# `PyAVReader._last_picture_lost`): MPEG-TS / PS, whose parsers split pictures out of PES packets, and raw AV1 (`.obu`,
# as AV1's conformance streams and `aomenc --obu` write it), whose demuxer times each temporal unit, a cut one too
_UNFLAGGED_CUT_FORMATS = _TIMESTAMP_SEARCH_FORMATS | {"obu"}
# Demuxers whose seek, without the file's index, lands at a byte estimate and counts the packets it reads from the time
# asked, not from the file: an MXF file cut before its footer (a recording or a copy stopped; FFmpeg's muxer writes a
# long-GOP stream's index tables there) labels whatever packet it lands on with the keyframe time asked for. Their
# seeks are checked (see `seeks_rename_packets`), also for torchcodec, which seeks the same way
_COUNTING_SEEK_FORMATS = frozenset({"mxf"})
# The VUI timing of a raw H.264 stream at or above which it may be its encoder's time base (1/1000, 1/90000: see
# `_bitstream_rate_is_a_clock`), not a rate. (x265 writes the rate it is given, whatever its time base: a raw HEVC
# stream's timing is read as its rate)
_CLOCK_NOT_RATE = 1000
_DEFAULT_RATE = 25.0  # FFmpeg's rate of a stream that states none (its raw demuxers' `framerate` option)
# Whether a file of several moving video tracks was said to be read by one (`other_tracks_note`): once per process, as
# a data set of such files (a depth or second camera beside each) would say it per file, 10 000 lines for 10 000 files
_WARNED_OTHER_TRACKS = False


def _is_intra(frame) -> bool:
    """Whether the decoder made `frame` without references: a keyframe, or an intra picture (an open GOP's I-frame,
    which FFmpeg's H.264 decoder does not flag as a keyframe)."""
    return bool(frame.key_frame) or int(frame.pict_type) == 1  # AV_PICTURE_TYPE_I


def _decodable(packets, send_cut: bool, last_cut: bool = False):
    """The packets to send a decoder, then `None`: the flush that hands out the frames it still holds. An
    empty packet inside a stream (a NUT file may hold one) is left out: FFmpeg refuses one that the demuxer
    made (EINVAL), and one without data (PyAV's own, at the end of a demux) would end decoding there.

    The last packet, when the demuxer flags it corrupt, is one the file ends inside (a download cut short). Where
    the frame table was made by a decode (a cut file's is, MJPEG's aside: see `PyAVReader._frame_table`), it is sent
    (`send_cut`), as a sequential decode sends it, and the decoder's choice (refuse it, or make up a picture past
    the cut) is the table's too; else it is left out. A corrupt packet that another follows is always sent.

    A parser that splits pictures out of a stream (MPEG-1/2 in a program stream) flags the packets before the cut and
    hands out the start of the cut picture last, unflagged: that one is sent flagged, so that a decoder's refusal of it
    is passed over as the cut packet's is (it dropped the frames the decoder still held).

    A demuxer that fails where the file is cut or damaged (NUT's) ends the packets there, as it ends the frame table
    (see `PyAVReader._frame_table`), and the decoder is flushed: reads of a cut NUT file's last frames failed where a
    sequential decode gives them.

    `last_cut`: the decode at open found the last packet refused, nothing flagging it (a program stream cut at a
    pack's end: see `PyAVReader._decoded_table`); it is sent flagged, so that its refusal is passed over too."""
    import av

    if last_cut:
        packets = _last_flagged(packets)
    held = None  # a corrupt packet, sent once another packet follows it
    follower = None  # an unflagged packet after a corrupt one, sent once another packet follows it
    after_corrupt = False
    try:
        for packet in packets:
            if not packet.size:
                continue
            if held is not None or follower is not None:
                yield held if held is not None else follower
                held = follower = None
            corrupt = getattr(packet, "is_corrupt", False)  # (a stand-in packet of a test may not say)
            if not send_cut and corrupt:
                held = packet
            elif not corrupt and after_corrupt:
                follower = packet
            else:
                yield packet
            after_corrupt = corrupt
    except (av.InvalidDataError, IndexError):  # IndexError: PyAV's, for a stream a damaged file adds mid-way
        pass
    if follower is not None:  # the file ends with it: the cut picture's start
        follower.is_corrupt = True
        yield follower
    yield None


def _last_flagged(packets):
    """`packets` (those with data), the last one flagged corrupt: the one the file ends inside (see `_decodable`)."""
    import av

    previous = None
    try:
        for packet in packets:
            if packet.size:
                if previous is not None:
                    yield previous
                previous = packet
    except (av.InvalidDataError, IndexError):
        pass  # (a demuxer that fails at the cut: its last packet is the one before)
    if previous is not None:
        previous.is_corrupt = True
        yield previous


def _decoded(context: Any, packet) -> list:
    """The frames `context` makes of `packet`; none where it refuses a packet the demuxer flagged corrupt (the one a
    cut file ends inside): a sequential decode (the ffmpeg command line) passes over it and goes on, and the frames
    the decoder still holds (B-frames shown before the cut one) come out at the flush. They were lost: a cut AVI with
    B-frames read 10 frames where a sequential decode gives 12, and a cut AV1 AVI read none."""
    import av

    try:
        return context.decode(packet)
    except av.InvalidDataError:
        if packet is None or not getattr(packet, "is_corrupt", False):
            raise
        return []


def _byte_position(packet) -> int | None:
    """Where `packet` starts in the file, None where it is no packet or the demuxer does not say."""
    return None if packet is None or packet.pos is None or packet.pos < 0 else packet.pos


def _packet_identity(packet) -> tuple:
    """What tells a packet read again from another (see `_same_packet`): its stamps, size and byte position."""
    return packet.pts, packet.dts, packet.size, _byte_position(packet)


def _same_packet(packet, identity: tuple) -> bool:
    """Whether `packet` is the one `identity` (`_packet_identity`) was taken of: the same stamps and size, and the same
    byte position where both reads say. Stamps alone do not tell packets of one time apart: a seek to time 0 of a file
    whose samples all last 0 (every packet stamped 0) lands at the last keyframe stamped 0, and the frames before it
    were lost (reads of 10 frames gave frames 4 to 9, and only 6 of them)."""
    pts, dts, size, position = identity
    here = _byte_position(packet)
    return (packet.pts, packet.dts, packet.size) == (pts, dts, size) and (None in (here, position) or here == position)


def _invisible(packet, codec: str) -> bool:
    """Whether `packet` is a VP8 frame that its decoder shows no picture for (the show_frame bit of its frame tag is
    clear): an alt-ref frame, a reference made from future frames, which libvpx writes as a packet of its own (VP9
    packs it with a shown frame), stamped a tick after the frame before it (vpxenc's WebM and IVF, two-pass encodes)."""
    return codec == "vp8" and packet.size > 0 and not memoryview(packet)[0] & 0x10


_EARLY_PACKETS = 48  # packets `PyAVReader._reorders_early` decodes: the first GOPs, where B-frames show if used


def _decoder_like(context: Any) -> Any:
    """A new single-threaded decoder of `context`'s codec and extradata, knowing nothing the demuxer set on it."""
    import av

    fresh = av.CodecContext.create(context.name, "r")
    fresh.extradata = context.extradata
    fresh.thread_type = "NONE"
    return fresh


def _bitstream_reorders(context: Any, keyframe: Any) -> bool:
    """Whether the bitstream of `context`'s stream says its decoder reorders frames (H.264's max_num_reorder_frames),
    read by a fresh decoder from `keyframe` alone, without the delay the demuxer set on `context`."""
    import av

    fresh = _decoder_like(context)
    try:
        fresh.decode(keyframe)
    except av.FFmpegError:
        return True  # unknown: the container's delay stands
    return bool(fresh.has_b_frames)


class PyAVReader(VideoReader):
    """PyAV decoding: demux once for the frame table (AVI / ASF: decode once), then seek + decode only
    the needed span."""

    backend = "pyav"
    _first_packet: tuple | None = None  # the stream's first packet (`_packet_identity`), once the table is made
    _first_keyframe: tuple | None = None  # (pts, size, byte position) of its first keyframe (see `_is_first_keyframe`)
    _first_picture: bytes | None = None  # that packet, of a codec whose pictures carry EXIF (see `display_orientation`)
    _stream_index: int | None = None  # the stream `video_stream` picked at the first open; a reopen takes it again
    _chosen: int | None = None  # the stream the caller named (`stream_index`), checked at open
    _collided_ticks: np.ndarray | None = None  # the frames' sorted stamps, where some collide (see `_frame_table`)
    # Whether the container's keyframes are recovery points, pictures the decoder withholds when decoding starts there
    # (H.264 intra refresh): spans then start two keyframes back (see `_segments`); found by a read (`_span_frames`)
    _recovery_points = False
    # Whether packets read after a seek carry other dts than the same packets read from the start (a damaged AVI:
    # its demuxer skips the chunks it cannot parse and counts on, while a seek takes the dts of the index, which
    # still counts them), or a seek that lands on a keyframe the table does not know so (`_landed_elsewhere`): the
    # stamps no longer name the frames of the table, so spans decode from the start
    _seek_renames = False
    _tail_failed = False  # whether the frame table's demux ended in a failure of the demuxer (a damaged tail)
    # Per keyframe stamp, the size of its packet as read from the start (None: a stamp two keyframes share), for
    # formats a seek may land in under another packet's name (`_COUNTING_SEEK_FORMATS`): see `_landed_elsewhere`
    _key_sizes: dict | None = None
    _seeked = False  # whether the packets `_packets_from` hands out came after a seek (see `_span_frames`)
    _decode_stamped = False  # whether the stream's pts are its decode times (see `_frame_table`)
    _decode_times_shown = False  # whether stamps `_frame_table` took for decode times are the frames' (see there)
    _avi_whole: bool | None = None  # whether an AVI is as long as its RIFF size says (`_last_slot_seconds`)
    _said_clock_rate = False  # whether a raw stream's VUI clock, maybe no rate, was said (`_say_rate_guessed`)
    _pictures_alone = False  # piped pictures, each decoded without the ones before it (see `_span_frames`)
    _joined_span: float | None = None  # seconds a joined file plays, its parts one after the other (`joined_seconds`)
    # Whether a packet after the first that the container flags a keyframe starts no picture a decoder can start
    # from, by its bitstream (`random_access`); and whether every such packet's bitstream was read (a codec it knows)
    _false_keyframes = False
    _keyframes_read = False
    # Whether the decoder made a damaged picture (a file that ends inside a packet, lost data): FFmpeg's H.264 decoder
    # keeps some of its state through the flush a seek makes, and decoded the next span differently from a sequential
    # decode (the first GOP of a cut MPEG-TS, read after its last frame, came out up to 34 grey levels off; 49 in NUT;
    # right again on the read after): the next span starts on a new decoder (`_fresh_decoder`)
    _decoder_damaged = False
    # The palettes of a palettised stream (pal8: QuickTime Animation / 8-bit rawvideo in MOV or AVI), each with the
    # dts of the packet that carried it: see `_paletted`
    _palettes: tuple = ()
    _picture_references: list | None = None  # a raw H.263 / H.261 stream's picture headers (see `_frame_table`)
    _picture_rate: tuple | None = None  # (frames, `picture_clock_rate` of their headers), once worked out
    # What the metadata methods said when `close` closed the container (see `close`); None while it is open
    _kept: dict | None = None

    def __init__(
        self,
        source: Any,
        name: str | None = None,
        thread_type: str = "AUTO",
        thread_count: int = 0,
        stream_index: int | None = None,
    ):
        super().__init__(name or describe_source(source))
        if stream_index is None and isinstance(source, dict):  # a `Video(decode=False, stream_index=k)` column's row
            stream_index = source.get("stream_index")  # (the training data adds it: `hub_files.with_track`)
        if stream_index is not None:  # a track the caller chose (a datasets.Video(stream_index=...) value's), not ours
            self._stream_index = self._chosen = int(stream_index)
        self._owns_container = not is_av_container(source)
        self._source = resolve_source(source) if self._owns_container else None
        self._threading = (thread_type, thread_count)
        self.container = source if not self._owns_container else None
        self._open()
        # Whether the file is a raw elementary stream (`.h264`, `.hevc`, `.m2v`: a format that stores no times)
        self._raw_stream = bool(self.container.format.flags & AVFMT_NOTIMESTAMPS)
        # The size the stream starts with (its first frame's, once `orientation` has decoded it; the header's
        # until then): the decoder's own height / width follow the last frame decoded, so a stream whose resolution
        # changes mid-way would report another size after a read
        self._stored_size = (self.stream.height, self.stream.width)
        self._stamp = "pts"  # the packet field that names a frame: see _frame_table
        self._truncated = False  # whether the file ends inside a packet (its table then comes from a decode)
        self._cut_name: int | None = None  # the stamp that names that packet (see `_read_cut_frames_as_damaged`)
        self._cut_decoded = False  # whether a decode counted that packet's frames (see `_frame_table`)
        self._last_refused = False  # whether that decode found the last packet refused, unflagged (`_decoded_table`)
        # A digest of each frame of a cut file's last GOP as that decode made it (see `_read_damage_from_keyframe`)
        self._cut_digests: dict[int, bytes] = {}
        self._pts, self._start = self._frame_table()
        if self._tail_failed and self._owns_container:
            # A demuxer that failed at a damaged tail may fail every read after it: a cut RealMedia file's seek back
            # to its start went through, and its next packet was that failure again (every frame "could not be
            # decoded" where a sequential decode gives them all). Reads start on the file opened again
            self._open()
        self._check_palette()
        # Keyframes that decode as a damaged picture when decoding starts there (a file cut inside that keyframe's
        # packet): a decoder that has the frames before it conceals the damage from them, as a sequential decode
        # does, so spans that would start there start at the keyframe before (found while reading: `_span_frames`)
        self._unseekable: set[int] = set()
        # The frames the decoder flagged damaged (a file cut inside a packet, lost data) that reads kept, and those of
        # the read at hand: FFmpeg's frame threads conceal damage differently from run to run, and its concealment
        # draws on the frames decoded before, so such a file is read again, and from then on, on one thread, each
        # span holding a damaged frame from the first frame on, as a sequential decode conceals it (see `read`)
        self._damaged: set[int] = set()
        self._damaged_read: set[int] = set()
        self._starts_decoded = False  # whether `_start` came from the decoder's flags (`_starts_from_decoder`)
        if self._num_frames > 1 and dv_cut(self.container, self._first_packet):
            # A raw DV file cut inside its last frame: read after a seek elsewhere, that picture's missing part was the
            # frame read before it (41-82 grey levels off a sequential decode's); its spans start a frame earlier, so
            # the frame read before it is the one a sequential decode reads before it
            self._unseekable.add(self._num_frames - 1)
        if self._num_frames > 1 and self.container.format.name.endswith("_pipe"):
            # Pictures one after another (`-f image2pipe`: PNG, BMP, PPM, QOI ...) have no index, and their demuxer
            # finds a picture's start only by reading from the one before: a seek lands inside a picture, which its
            # decoder refuses (a read of frames 2, 12 and 22 of 30 PNGs failed, "Invalid data found"). Spans start at
            # the first picture, as a sequential decode does
            self._seek_renames = True
            # Where each picture decodes alone (a file of its own: PNG, PPM, QOI ...; not GIF's, drawn over the one
            # before), a read is one pass from the first picture that decodes the wanted ones only: a span from the
            # first picture for each wanted frame read 16 frames of 300 PNGs (320x240) by 2401 decodes, in 6.5 s
            codec = self.stream.codec_context.codec
            self._pictures_alone = bool(codec.intra_only) or codec.name == "png"  # (APNG's frames are "apng")
        if self._num_frames == 0:
            cut = self._truncated or self._states_frames()
            truncated = " (it ends inside its first frame: the file is truncated)" if cut else ""
            part = None if cut or self._source is None else fragmented_mp4_part(self._source)
            self._refuse(
                f"Video {self.name} has no frames: {part}." if part else f"Video {self.name} has no frames{truncated}."
            )
        self._pts_to_index = None if self._pts is None else {int(p): i for i, p in enumerate(self._pts)}
        self._first_stamp = None if self._pts is None else int(self._pts.min())
        self._ticks = None if self._pts is None else self._clock(self._pts)  # the frames' times, in the stream's ticks
        self._orientation: tuple[int, bool] | None = None  # (rotation, hflip) of the first frame: see `orientation`
        if self._cut_decoded:
            self._read_cut_frames_as_damaged()
        self._warn_if_cut_short()

    def _states_frames(self) -> bool:
        """Whether a stream that gave no packet is said to hold frames: its MOV / mp4 index lists some, or its container
        states a duration a cut file keeps (`declared_end`: Matroska / WebM's header, a cut AVI's or FLV's). Matroska
        drops the block a file cut inside its first frame ends inside, where FLV, MOV and MPEG-TS hand out the part
        they hold, flagged: no packet, and it read as a bare "has no frames.", as a whole file of none does. (Packets
        that show no frame, an edit list's hidden ones, are no cut.)"""
        if self._first_packet is not None:
            return False
        if demuxer_in(self.container, INDEXED_FORMATS) and (self.stream.frames or 0) > 0:
            return True  # (not an AVI's header count, which a whole file's may state without a chunk: `declared_end`)
        declared = declared_end(self.container, self.stream, self._source)
        return declared is not None and declared > 0

    def _warn_if_cut_short(self) -> None:
        """Warn where the frames the file holds end well before the end its container states (`declared_end`): a
        download or copy cut short whose index was written first (an mp4 with `movflags=faststart`, as web videos are;
        Matroska / WebM, whose header FFmpeg rewrites with the duration on closing; AVI; FLV). Its frames are there
        to read, so it would open as a shorter video, every clip sampled over it covering another part than the video's:
        90 frames of an mp4 whose index lists 250 (3.6 s of 10) read as a whole 3.6 s video. No
        decoding: the frame table is the demuxed packets'. (A file whose index went missing with its end is already
        refused.)"""
        declared = declared_end(self.container, self.stream, self._source)
        if declared is None:
            return
        # From the first frame shown: its time, or where frames are not timed by their stamps (counted at the rate, as
        # an AVI's; named by a decode) the stream's start
        times, stream = self.frame_times(), self.stream
        first = float(times.min()) if times is not None and times.size else None
        if first is None:
            first = float((stream.start_time or 0) * stream.time_base) if stream.time_base else 0.0
        fps = self._fps()
        held = self._duration(fps)
        ends = first + held
        # (two frames' or a tenth of a second's slack: a stated duration is rounded to its container's clock, and a
        # muxer may time the last frame as the one before it, or as a field)
        slack = max(2 / fps if fps > 0 else 0.0, 0.1)
        source = self._source
        if declared - ends > slack and not ends_where_its_edits_end(self.container, stream, ends, slack, source):
            warnings.warn(
                f"Video {self.name} is cut short: its container says it lasts until {declared:.2f} s, but its frames "
                f"end at {ends:.2f} s ({self._num_frames} frames; a download or copy that stopped?). It is read as the "
                f"{held:.2f} s it holds: frames sampled over the video come from that part only.",
                UserWarning,
                stacklevel=2,
            )

    def _read_cut_frames_as_damaged(self) -> None:
        """The picture a decoder makes of the packet a cut file ends inside is concealed from the frames decoded before
        it, and not always flagged damaged (VP9's decoder draws what it has: stripes that spell 992 for frame 12). So
        it is read as a damaged one is (see `read`): from the first frame, none skipped, as a sequential decode makes it
        (on one thread, as the table was made: see `_frame_table`). So is every frame decoded from its keyframe: the
        B-frames that reference it are concealed as it is (a B-frame of a cut NUT read alone, its non-reference frames
        skipped, came out 12 grey levels off the sequential decode)."""
        cut = None if self._pts_to_index is None else self._pts_to_index.get(self._cut_name)
        if cut is not None:
            self._damaged.add(cut)
            if self._start is not None:
                self._damaged.update(np.flatnonzero(self._start == self._start[cut]).tolist())

    def _decode_on_one_thread(self) -> None:
        """Decode on one thread from now on. A caller's container whose decoder is open keeps its threads: it is read
        through a container of this reader's own, on its file or a copy of its bytes (see `_own_source`)."""
        if self._threading[0] == "NONE" and self._owns_container:
            return
        self._threading = ("NONE", 0)
        if self._owns_container:
            self._open()
        elif not self.stream.codec_context.is_open:
            self.stream.thread_type, self.stream.thread_count = self._threading
        else:
            self._read_through_own_container()

    def _rereads_damage(self) -> bool:
        """Whether a damaged picture can be decoded again on a decoder of one thread: in a container of this reader's
        own, or a caller's that one of its own can read (`_own_source`: see `_fresh_decoder`)."""
        return self._owns_container or self._own_source() is not None

    def _refuse(self, message: str) -> NoReturn:
        """Close, and raise `message` as a VideoDecodeError, unless the file's bytes tell what it is: FFmpeg opens an
        mp4 that ends inside its index as a file of no streams, of a data stream, of no decoder or of no frames, and
        `what_it_is` says the index was cut short. (A caller's container is not ours to read from the start.)"""
        found = what_it_is(self._source) if self._owns_container else None
        self.close()
        raise VideoDecodeError(f"Cannot open video {self.name}: {found}" if found else message)

    def _open(self) -> None:
        """(Re)open the container and pick the video stream; a second call starts the file over."""
        import av

        if self._owns_container:
            if self.container is not None:  # reopening: back to the first byte of a file object
                self.container.close()
                self.container = None
                if hasattr(self._source, "seek"):
                    self._source.seek(0)
            try:
                self.container = open_input(self._source)
            except (av.FFmpegError, OSError, ValueError, TypeError, IndexError, UnicodeDecodeError) as e:
                # FFmpeg says "Invalid data found when processing input" of anything it cannot open: where the bytes
                # tell what the file is instead (a web page saved under the video's name), the message says so
                found = what_it_is(self._source) or short_transport_stream(self._source)
                # (FFmpeg's own error only: a file object's, raised as it is, names its cause, a dropped connection)
                found = found or (unreadable_matroska(self._source) if isinstance(e, av.FFmpegError) else None)
                raise VideoDecodeError(f"Cannot open video {self.name}: {found or e}") from e
            missing = hls_segments_missing(self._source) if self.container.format.name == "hls" else []
            if missing and isinstance(self._source, str):
                self.close()
                shown = ", ".join(map(repr, missing[:3])) + (f" and {len(missing) - 3} more" * (len(missing) > 3))
                raise VideoDecodeError(
                    f"Video {self.name} is an HLS playlist naming files that are not beside it: {shown}. FFmpeg skips "
                    "a segment it cannot open, and the video read would lack its frames: copy them beside the "
                    "playlist (or, to read the segments there are alone, join them into one file)."
                )
        self.stream = self._video_stream()
        if self._stream_index is None:
            self._stream_index = self.stream.index
            if several_video_tracks(self.container) and self._owns_container:
                return self._open()  # packets were read to choose the track: start the file over
        if self.stream.codec_context is None:
            self._refuse(f"Video {self.name}: no decoder for its codec.")
        # Frame threading decodes several frames at once; slice threading helps intra-heavy streams.
        # A decoder is configured once, when it opens: a caller's container that was decoded from
        # (or read by an earlier reader) keeps the settings it has.
        if not self.stream.codec_context.is_open:
            self.stream.thread_type, self.stream.thread_count = self._threading
        self._alpha_context = self._alpha_decoder()

    def _alpha_decoder(self) -> Any:
        """A decoder of the stream's own that reads its transparency where FFmpeg's drops it (`alpha_decoder`: WebM's
        VP8 / VP9 with alpha, whose transparent pixels read as the colour stored under them, 255 grey levels off the
        composite onto white), None for any other stream. Frames are decoded by `_decoder`; new at each open, as the
        stream's is. Such streams alone pay: libvpx-vp9 decoded a 640x360 clip as fast as FFmpeg's vp9 (60 frames in
        0.04-0.14 s against 0.07 on a loaded core); compositing onto white, as every video with alpha, took the read
        of those 60 frames from 0.07 s to 0.5-0.8 s."""
        import av

        name = alpha_decoder(self.stream)
        if name is None:
            return None
        context = av.CodecContext.create(name, "r")
        context.extradata = self.stream.codec_context.extradata
        context.thread_count = self._threading[1]  # (libvpx threads a frame's tiles: no frame threads to choose)
        return context

    def _decoder(self, fresh: bool = False) -> Any:
        """The decoder frames are read with: the stream's, or one reading its transparency (`_alpha_decoder`), which
        a seek does not flush as it flushes the stream's: `fresh` flushes it, where a decode starts from a keyframe."""
        context = self._alpha_context
        if context is None:
            return self.stream.codec_context
        if fresh:
            context.flush_buffers()
        return context

    def _track_key(self, key: tuple | None) -> tuple | None:
        """A file's cache key (`path_key`, `content_key`) for the track read: a chosen track (`stream_index`) is
        known apart from the file's own, whose table or reorder check another reader of the file would take."""
        return key if key is None or self._chosen is None else (*key, "stream", self._chosen)

    def _video_stream(self):
        """The stream `video_stream` picks; none: an error naming what the file holds instead."""
        if self._chosen is not None and chosen_video_stream(self.container, self._chosen) is None:
            # (FFmpeg's count of all streams, as datasets' / torchcodec's `stream_index`; a bare index read another
            # stream's packets as video, or an IndexError)
            kinds = ", ".join(f"{s.index}: {s.type}" for s in self.container.streams) or "no streams"
            self._refuse(f"Video {self.name} has no video stream {self._chosen} (its streams: {kinds}).")
        if self._stream_index is not None:
            return self.container.streams[self._stream_index]
        stream, tracks, still = video_tracks(self.container, demux=True)
        global _WARNED_OTHER_TRACKS
        # (every track of a codec this FFmpeg cannot decode: no choice to say, the refusal below names the fault)
        if len(tracks) > 1 and not _WARNED_OTHER_TRACKS and stream.codec_context is not None:
            # (a reopen takes the stream chosen here, by `_stream_index`.) Each track is a video of its own, of its
            # own size and length: a second camera angle, a preview, a depth or infrared stream; which one a
            # sequential decode (`decode(video=0)`) or FFmpeg's "best" reads differs, so the choice is said
            _WARNED_OTHER_TRACKS = True
            in_memory = isinstance(self._source, io.BytesIO)  # (bytes are read from one: `resolve_source`)
            warnings.warn(other_tracks_note(self.name, stream, tracks, still, in_memory), UserWarning, stacklevel=2)
        if stream is not None and stream.codec_context is not None and stream.codec_context.name in TEXT_ART_CODECS:
            fmt = self.container.format.name
            self.close()
            raise VideoDecodeError(
                f"Input {self.name} is text, not a video: FFmpeg reads it as text-mode art (its {fmt!r} demuxer), "
                "which would make frames of rendered characters."
            )
        if stream is None:
            kinds = sorted({s.type for s in self.container.streams}) or ["no streams"]
            detail = "only a cover image" if self.container.streams.video else ", ".join(kinds)
            self._refuse(f"Input {self.name} has no video stream (found: {detail}).")
        return stream

    def _seek_start(self) -> None:
        """Seek to the first packet. MPEG-TS / PS by the first byte: their seek searches for a timestamp, and time 0
        is not the start of a file whose clock wrapped (FFmpeg unwraps the 33-bit clock of a file that starts near
        the wrap to times below 0, so a search for 0 lands mid-file; broadcast captures and cameras write such)."""
        if demuxer_in(self.container, _TIMESTAMP_SEARCH_FORMATS):
            self.container.seek(0, unsupported_byte_offset=True)
        else:
            self.container.seek(0)

    def _demux_from_start(self, rewind: bool = True):
        """The stream's packets from the first one (after `_rewind`, unless the container was just opened;
        `self.stream` is the reopened file's if it had to be reopened, so take the decoder after calling this)."""
        if rewind:
            self._rewind()
        packets = self.container.demux(self.stream)
        head = next(packets, None)
        first = self._first_packet
        missed = head is None or not head.size or (first is not None and not _same_packet(head, first))
        if missed and self._owns_container:
            # FFmpeg's seek to the start of a one-packet FLV lands at its end (nothing but the flush packet
            # follows), and matroska's at its first indexed keyframe (a first keyframe its muxer did not flag is
            # not indexed), and a seek to time 0 of a stream whose first keyframes share that time (zero-duration
            # samples: an MJPEG recording stamped 0 throughout) at the last of them: the file opened again starts at
            # its first packet
            self._open()
            return self.container.demux(self.stream)
        return packets if head is None else itertools.chain([head], packets)

    def _rewind(self) -> None:
        """Back to the first packet. Raw elementary streams (`.h264`) cannot seek at all: reopen."""
        import av

        # A raw stream's times are its parser's guesses, which a seek changes: H.263's gave frames 1/25 s apart read
        # from the start, 1/29.97 s after a seek back to it, so no packet after the first had the name the frame table
        # gave it, and every frame but the first "could not be decoded". So are a Matroska file's dts, guessed from
        # its pts: after a seek to the start, the second packet of a 2-frame MPEG-1 clip came with dts 0 for the 40
        # ms it had at open (frame 0's name), and frame 1 "could not be decoded" where a sequential decode gives it;
        # a span that found packets so renamed (`_seek_renames`) starts over too. Reopened, the demuxer guesses as it
        # did when the table was made.
        renamed = self._seek_renames and self._stamp == "dts"
        if (getattr(self, "_raw_stream", False) or renamed) and self._owns_container:
            self._open()
            return
        try:
            self._seek_start()
            return
        except (av.FFmpegError, OSError):
            if not self._owns_container:
                # a caller's container on a file or a file object that seeks is read through one of our own, as where
                # its seek lands late (a NUT file whose stamps start below 0: FFmpeg's seek to 0 fails there, which a
                # reopen never needs); one on bytes or another file object too
                self._read_through_own_container()
                if self._owns_container:  # opened afresh: at its first packet
                    return
                self._refuse_unseekable()
        self._open()

    def _refuse_unseekable(self, why: str = "") -> NoReturn:
        """Refuse a caller's container whose seek to the start failed (or landed late: `why`) and that no container of
        this reader's own can read (`_own_source`: a pipe). One wording for both: they asked the same of the caller."""
        raise VideoDecodeError(
            f"Video {self.name} cannot seek back to its start{why}; pass its path or bytes instead of an open "
            "container."
        ) from None

    # -- the frame table -------------------------------------------------------------------------
    def _frame_table(self):
        """Per frame, in presentation order: the stamp that names its packet, and the frame to start
        decoding from to get it (a keyframe at or before it).

        Where the container stores presentation timestamps (mp4, mov, mkv, webm, flv, MPEG-TS/PS,
        nut, mxf ...), sorting the packets' pts gives presentation order without decoding anything.
        AVI and ASF store none: AVI's index is in decode order and FFmpeg makes up a pts from it that
        is wrong once frames are reordered (B-frames, DivX packed B-frames), and raw elementary
        streams have none at all. Nor do two packets that share a pts tell their order (a sequential
        decode gives both frames, and sorting would keep one). There the dts only names a packet (it
        follows decode order), and the order of the frames is taken from the decoder itself, in one
        full decode: presentation order is, by definition, the order a sequential decode gives them,
        whatever the codec does (pyramids, open GOPs, packed B-frames, N-VOPs that give no frame).
        Parsing each codec's picture order instead would be codec by codec and still miss the
        decoder's own choices. Codecs that never reorder (MJPEG, VP8/VP9, H.263, ...) show their
        packets in decode order and need no decode, when their dts name them. MPEG-4 part 2 packets
        too small to hold a picture (N-VOPs, packed bitstreams remuxed into mkv / mp4) are decoded once
        too, their packets named by their pts."""
        import av

        if not self._owns_container:
            head = self._take_buffered_palette()
            try:  # a caller's container may have been read from already: the table starts at its first packet
                self._seek_start()
                self._check_start(head)
            except av.FFmpegError:
                # A seek that failed may have read on first (a Matroska file cut mid-GOP, on a pipe, lost its first 7
                # packets so: 24 frames of 33, every index naming a frame 9 later), and a container the caller read
                # from is not at its start: read through one of this reader's own, on its file or a copy of its bytes;
                # one on a pipe is refused
                self._read_through_own_container()
                if not self._owns_container:
                    self._refuse_unseekable()
        pts, dts, key = [], [], []  # per frame shown
        names, keyframes, stamped = [], [], []  # per packet (its dts, key flag, pts), as _decoded_table counts them
        sizes = []  # per packet: tells a packet named by its dts after a seek from another (see `_seek_renames`)
        counting = demuxer_in(self.container, _COUNTING_SEEK_FORMATS)
        key_sizes = self._key_sizes = {} if counting else None
        leading = None  # frames shown before the first keyframe
        first_keyframe = None  # its packet (see `_never_reorders`)
        corrupt = None  # the last shown packet flagged corrupt (its place in `names`)
        last = None  # the last packet
        smallest = None  # the smallest packet's size
        self._last_shown = None  # (pts, duration) of the packet shown last
        durations = self._shown_durations = []  # per packet shown: its duration (see `_lone_frame_seconds`)
        codec = self.stream.codec_context.name
        starts_picture = self._keyframe_check()
        context = self.stream.codec_context
        # (each packet read until one is a field: PAFF encoders choose a frame or two fields picture by picture)
        is_field = field_check(context.codec.canonical_name, context.extradata) if context.codec else None
        field_coded = False  # a packet holds one field of a frame (see `field_check`)
        self._false_keyframes, self._keyframes_read = False, starts_picture is not None
        # a raw H.263 / H.261 stream's pictures' temporal references, in order (see `picture_clock_rate`)
        clocked = codec in PICTURE_CLOCK_CODECS and self.container.format.name == codec
        self._picture_references = headers = [] if clocked else None
        self._picture_rate = None
        clock = None
        # MPEG-4 part 2 packets' VOP headers, where a program / transport stream leaves them untimed, or a raw stream
        # (.m4v) is timed by its parser's guesses (`_vop_rate`)
        mpeg4 = codec == "mpeg4" and (self._raw_stream or demuxer_in(self.container, _TIMESTAMP_SEARCH_FORMATS))
        self._vop_heads = vops = [] if mpeg4 else None
        self._vop_stamps = stamped  # (its packets' pts, `_stamped_vop_ticks`)
        self._vop_rate_of = None
        self._vop_times_of = None  # (`_raw_vop_times`)
        self._sparse_rate = None  # (`_sparse_stamps_rate`, of the stamps this scan reads)
        try:
            for packet in self.container.demux(self.stream):
                if packet.size == 0:  # flush packet
                    continue
                if packet.is_keyframe and packet.has_sidedata("encryption_info"):
                    self._refuse_encrypted()
                smallest = packet.size if smallest is None else min(smallest, packet.size)
                if not names:
                    self._first_packet = _packet_identity(packet)
                    self._refuse_animated_webp(packet)
                    if codec in EXIF_CODECS:  # its EXIF orientation (see `display_orientation`)
                        self._first_picture = bytes(packet)
                if packet.has_sidedata("palette"):
                    self._palettes += ((packet.dts, av.packet.PacketSideData.from_packet(packet, "palette")),)
                if clocked:
                    headers.append(picture_reference(bytes(memoryview(packet)[:16]), codec, clock))
                    clock = headers[-1][2] if headers[-1] else clock
                names.append(packet.dts)
                sizes.append(packet.size)
                if vops is not None and len(vops) < VOP_COUNT:
                    vops.append(bytes(memoryview(packet)[:VOP_HEAD]))
                if key_sizes is not None and packet.is_keyframe:
                    key_sizes[packet.pts] = None if packet.pts in key_sizes else packet.size
                keyframes.append(packet.is_keyframe)
                stamped.append(packet.pts)
                if is_field and not field_coded:
                    field_coded = is_field(memoryview(packet)) is True
                if packet.is_keyframe and len(names) > 1 and starts_picture and not self._false_keyframes:
                    # (one false keyframe tells: an mp4 flagging every frame has the rest of its packets left unread)
                    verdict = starts_picture(bytes(packet))
                    self._false_keyframes = verdict is False
                    self._keyframes_read &= verdict is not None
                if leading is None and packet.is_keyframe:
                    leading, first_keyframe = len(pts), packet
                    self._first_keyframe = (packet.pts, packet.size, _byte_position(packet))
                shown = not (packet.is_discard or _invisible(packet, codec))  # (edit-list-trimmed, alt-ref frames)
                if getattr(packet, "is_corrupt", False) and shown:
                    corrupt = len(names) - 1
                last = packet
                if not shown:
                    continue
                pts.append(packet.pts)
                dts.append(packet.dts)
                key.append(packet.is_keyframe)
                durations.append(packet.duration)
                if packet.pts is not None and (self._last_shown is None or packet.pts >= self._last_shown[0]):
                    self._last_shown = (packet.pts, packet.duration)  # the last frame shown (see last_frame_seconds)
        except (av.FFmpegError, IndexError) as e:  # IndexError: PyAV's, for a stream a damaged file adds mid-way
            if not pts:
                raise VideoDecodeError(f"Video {self.name} is corrupt or truncated: {e}") from e
            # A damaged tail: the frames before it are still usable.
            self._tail_failed = True
        except OSError as e:  # the caller's file object failed: not a fault of the video to paper over
            raise VideoDecodeError(f"Cannot read video {self.name}: {e}") from e
        # A packet the file ends inside (FFmpeg flags it corrupt; a raw MJPEG stream's lacks its end marker): some
        # decoders refuse it (H.264's, mostly), others make a picture of what is left (VP9, MPEG-4 part 2); only a
        # decode tells which. Counted as no frame, the table lost the frame a sequential decode gives (12 frames for
        # 13); counted as one, it named a frame the decoder never made. Its table comes from a decode at open, on one
        # thread: FFmpeg's frame threads lose the frames still held when the decoder refuses a packet (H.264 with
        # B-frames cut in an mp4 gave 10 frames where a sequential decode gives 12). MJPEG's picture of it is partly
        # memory (`_UNDEFINED_CUT_CODECS`): no frame, as before.
        # A parser that splits pictures out of a stream (MPEG-1/2 in a program stream: DVD .vob, .mpg) flags the
        # packets of the PES the file ends inside and hands out the last picture's start at the end, unflagged: 3 of
        # 40 cut points of a .vob counted that start as a frame no decoder makes (a read of every frame failed), and
        # others lost the frames held at the cut. A flag on the packet before the last tells the cut too.
        # A transport stream cut short flags nothing: an HEVC one counted the cut picture as a frame (30 frames where a
        # decode gives 29, 22.7 fps for 25, and a read of every frame failed); its size tells.
        self._decode_stamps = names  # (see `_sparse_stamps_rate`)
        cut = (corrupt is not None and corrupt >= len(names) - 2) or jpeg_cut(last, codec)
        cut = cut or ends_inside_a_ts_packet(self.container) or nut_cut_at_the_end(self.container, last)
        cut = cut or (last is not None and asf_cut(self.container, self._source))
        # Cut at a packet's end (a download stopped at 188 bytes), its size tells nothing, nor does any flag: a decode
        # of the last GOPs does (HEVC counted 22 frames where a sequential decode gives 21).
        cut = cut or self._last_picture_lost(keyframes)
        self._truncated = cut
        undefined_cut = cut and codec in _UNDEFINED_CUT_CODECS
        self._cut_decoded = decode_cut = cut and not undefined_cut
        if decode_cut:
            self._decode_on_one_thread()
        fmt = self.container.format
        # Frames before the first keyframe in decode order (a container that flags no keyframe at all keeps every
        # frame): a transport stream cut mid-GOP, whose first frames have no reference to decode from. The H.264,
        # HEVC and MPEG-1/2 decoders drop them: so does the table, without decoding. Elsewhere the decoder decides
        # (MPEG-4 part 2 shows them, decoded from grey; in an mp4 or mkv they are more likely a first keyframe
        # its muxer did not flag, which every decoder shows).
        drops = demuxer_in(self.container, _TIMESTAMP_SEARCH_FORMATS) and (
            self.stream.codec_context.name in _DROPS_LEADING_CODECS
        )
        leading_decides = bool(leading) and not drops
        if leading and drops:
            del pts[:leading], dts[:leading], key[:leading]
        untimed = demuxer_in(self.container, UNTIMED_FORMATS) or fmt.flags & AVFMT_NOTIMESTAMPS
        # A stream whose decoder reorders frames, stamped pts == dts throughout, carries decode times in its pts
        # (FFmpeg's MXF muxer stores H.264 with B-frames so): sorting them would give decode order.
        decode_times = bool(self.stream.codec_context.has_b_frames) and pts == dts
        # A clock that goes back in decode order (joined files): sorting the pts would mix the parts' frames. Or jumps
        # ahead (b's clock ahead of a's, or more than 60 s behind: see `CLOCK_JUMP_SECONDS`): timed by the stamps,
        # 48 frames of 25 fps read 0.47 fps and 101.0 s for a jump of 100 s (0.0005 fps, 26.5 hours, for one of -100 s)
        # FLV too, where its clock starts again (a recorder that appended a reconnected stream: 40 frames of 25 fps, the
        # second 20 stamped from 0 again, read 51.3 fps and 0.76 s); a gap alone there is a pause of the live stream it
        # recorded (its parts, once it starts again, are timed as a transport stream's, `joined_seconds`)
        flv = fmt.name == "flv"
        ahead = math.inf if flv else CLOCK_JUMP_SECONDS
        clock_jumps = bool(fmt.flags & AVFMT_TS_DISCONT or flv) and stamps_jump(names, self.stream.time_base, ahead)
        # Where only the decoder tells which frames there are, one decode at open does; the pts still name packets
        # (matroska's dts do not: FFmpeg guesses them, otherwise after a seek). Packets that may give no picture
        # (see _NO_PICTURE_SIZE); or frames shown before the first keyframe that come after it in decode order: a
        # file cut at an open GOP's keyframe (a broadcast recording or an HLS segment of one), whose leading
        # B-frames reference the GOP before it, which the file lacks: MPEG-2's decoder drops them, others show them.
        no_picture = self.stream.codec_context.name in _NO_PICTURE_CODECS and (smallest or 0) <= _NO_PICTURE_SIZE
        first_key = next((stamp for stamp, k in zip(stamped, keyframes) if k), None)  # shown or not (an edit list)
        open_start = first_key is not None and any(p is not None and p < first_key for p in pts)
        named_by_pts = None not in stamped and len(set(stamped)) == len(stamped)
        # A decoder that never reorders shows its frames in decode order, whatever their pts say: pts that go back
        # in decode order (a camera's or a screen recorder's clock glitch) are no presentation order there, and
        # sorting them moved frames (an MJPEG mp4 read frames 11, 12, 13 for 10, 11, 12; an H.264 one without
        # B-frames gave frame 10 for 13). Where the dts rise and the codec cannot reorder, they name the frames in
        # that order; else one decode at open tells.
        goes_back = stamps_go_back(pts) and self._never_reorders(first_keyframe)
        # A stream whose decoder reorders frames, stamped in decode order: pts that never go back where B-frames would
        # show before the frame decoded ahead of them (Matroska, NUT: their dts are guessed from the pts, so the MXF
        # case above, pts == dts, does not tell). Sorting them gave decode order: H.264 with B-frames in mkv read
        # frame 3 for 1 (255 grey levels off) and could not find others. One decode at open tells
        decode_stamped = (
            len(pts) > 1
            and not (untimed or decode_times or clock_jumps)
            and None not in pts
            and not all(key)  # (an intra-only stream, as IMX's MPEG-2, has nothing to reorder)
            and all(a < b for a, b in zip(pts, pts[1:]))
            and not self._never_reorders(first_keyframe)
            and self._reorders_early()
        )
        dts_rise = None not in names and all(a < b for a, b in zip(names, names[1:]))
        self._decode_stamped = decode_stamped
        # (worked out once: `_fps` is asked for 9 times a processor call, and this is a pass over every packet, 46 ms
        # for 180 000)
        self._joined_span = joined_seconds(names, self.stream.time_base, ahead) if clock_jumps else None
        # A field-coded stream (H.264 PAFF: one packet a field, `field_check`) names a frame by two packets, stamped a
        # field apart where a transport stream gave each field its PES and an mp4 or mkv remuxed from one keeps them:
        # counted by its packets, 40 frames of 25 fps read 80 frames of 50 fps, and every odd index no frame at all.
        # Its decoder tells which packets make frames
        decoder_decides = (
            no_picture
            or open_start
            or leading_decides
            or (goes_back and not dts_rise)
            or decode_stamped
            or decode_cut
            or field_coded
        )
        if decoder_decides and named_by_pts and not (untimed or decode_times or clock_jumps):
            self._cut_name = last.pts if decode_cut else None
            return self._cached_decoded_table(stamped, keyframes)
        pts_mislead = untimed or decode_times or decoder_decides or clock_jumps or goes_back
        # Stamps that collide (frames closer than a tick: 1200 fps in FLV's milliseconds, two frames of a screen
        # recording in one) name no frame, but sorted they are still when the frames are shown (`frame_times`)
        collide = not pts_mislead and None not in pts and len(pts) > 1 and len(set(pts)) < len(pts)
        self._collided_ticks = np.sort(self._clock(np.asarray(pts, dtype=np.int64))) if collide else None
        if pts_mislead or None in pts or len(set(pts)) < len(pts):
            self._stamp, self._names, self._place = "dts", names, {d: i for i, d in enumerate(names)}
            self._sizes = sizes
            if not dts_rise or self.stream.codec_context.codec.reorder or decode_cut:
                self._cut_name = last.dts if decode_cut else None
                stamps, start = self._cached_decoded_table(names if dts_rise else [], keyframes)
                # Stamps `decode_times` doubted that the decode shows in their own order: no frame was reordered, so
                # they are the frames' times. x264 with B-frames on stamps a clip of one or two frames pts == dts (no
                # B-frame to hold back), as a muxer may a stream of no B-frames whose SPS allows them: counted at the
                # rate, a two-frame mp4 starting at 0.2 s read its frames at 0.0 and 0.04 s, a variable-rate one frame
                # 6 of 10 (0.8 s) at 0.61 s, 0.96 s as 1.02 s
                # (not a raw stream's stamps, its demuxer's guesses, nor a clock that jumps: `joined_seconds`)
                self._decode_times_shown = bool(
                    decode_times and not (untimed or clock_jumps) and stamps is not None and np.all(np.diff(stamps) > 0)
                )
                return stamps, start
            pts = dts  # never reordered: decode order is presentation order
        if undefined_cut and pts:
            del pts[-1], key[-1]
        stamps = np.asarray(pts, dtype=np.int64)
        order = np.argsort(self._clock(stamps))  # the stamps are distinct: any sort gives the same order
        key_arr = np.asarray(key, dtype=bool)[order]
        self._num_frames = int(stamps.size)
        # decoding always may start at the first frame: np.where gives 0 there, keyframe or not
        return stamps[order], np.maximum.accumulate(np.where(key_arr, np.arange(key_arr.size), 0))

    def _last_picture_lost(self, keyframes: list) -> bool:
        """Whether a transport or program stream's last packet (of those `keyframes` flags, one per packet with data)
        gives no picture: a file cut at a 188-byte packet's end. Its demuxer hands out the PES the cut is inside,
        unflagged (a video PES states no length), and HEVC's decoder makes no picture of it, H.264's refuses it: counted
        as a frame, it named one no decoder makes (22 frames where a sequential decode gives 21). So in a program
        stream (.mpg, .vob) cut at a pack's end, inside a picture split over two PES: its parser hands out the picture's
        first 10 bytes last, unflagged, which MPEG-2's decoder makes nothing of (12 frames counted where a sequential
        decode gives 11, and every read of frame 10 failed, "could not be decoded"). So in a raw AV1 stream cut inside
        a temporal unit, of which libdav1d makes no picture: 10 frames counted where a sequential decode gives 9, and a
        read of the last frame (or of every frame) failed. Neither the file's size nor its
        packets tell a cut one (a PES that ends is no picture that ends: a muxer may split a picture over several), so
        a decoder of its own decodes the last GOP, and where that lost the picture, the GOP before it too (an open
        GOP's leading pictures reference it); once per file. Where that decode fails, the table comes from a full
        decode, as a cut file's does, which is right either way."""
        if not demuxer_in(self.container, _UNFLAGGED_CUT_FORMATS) or not keyframes:
            return False
        # (bytes and file objects by their content: a DataLoader reads a clip's bytes anew at every step, and this
        # decode of up to a whole file at every read tripled an uncut .ts's open)
        file_key = self._track_key(path_key(self._source) or content_key(self._source))
        cache_key = None if file_key is None else (*file_key, "last picture")
        cached = REORDERS_CACHE.get(cache_key)
        if cached is not None:
            return cached[0]
        starts = sorted({0} | {place for place, key in enumerate(keyframes) if key})
        lost = not self._gives_last_picture(starts[-1], len(keyframes))
        if lost and len(starts) > 1:
            lost = not self._gives_last_picture(starts[-2], len(keyframes))
        REORDERS_CACHE.put(cache_key, (lost,))
        return lost

    def _gives_last_picture(self, first: int, count: int) -> bool:
        """Whether a new one-thread decoder, sent the stream's packets from its `first` one (of `count` with data) on,
        makes a picture of the last one."""
        import av

        fresh = _decoder_like(self.stream.codec_context)
        shown = set()
        try:
            packets = (packet for packet in self._demux_from_start() if packet.size)
            for place, packet in enumerate(itertools.islice(packets, first, None), start=first):
                packet.pts = packet.dts = place  # carried to the frame it makes
                shown.update(frame.pts for frame in fresh.decode(packet))
            shown.update(frame.pts for frame in fresh.decode(None))
        except (av.FFmpegError, IndexError):
            return False  # (a refused last packet, or unknown: the full decode tells)
        return count - 1 in shown

    def _clock(self, stamps: np.ndarray) -> np.ndarray:
        """The times of packets stamped `stamps`, in the stream's ticks: the stamps themselves, but in FLV, whose
        negative stamps FFmpeg reads 2^31 ticks early (`flv_unfolded`), and in GXF, whose last frame FFmpeg stamps a
        field early (`gxf_last_frame_placed`). The stamps still name the packets."""
        name = self.container.format.name
        if name == "gxf":
            return gxf_last_frame_placed(stamps)
        return flv_unfolded(stamps) if name == "flv" else stamps

    def _refuse_animated_webp(self, packet) -> None:
        """An animated WebP (its VP8X header's animation flag) is one packet to FFmpeg's WebP demuxer, which its decoder
        refuses: the file read as a one-frame video ("has a single frame"), then failed as invalid data. Named here."""
        if self.container.format.name != "webp_pipe":
            return
        head = bytes(memoryview(packet)[:21])
        if head[12:16] == b"VP8X" and head[20] & 0x02:
            raise VideoDecodeError(
                f"Video {self.name} is an animated WebP, which FFmpeg's WebP decoder cannot decode (it reads still "
                "WebP images only): convert it to a video or a GIF first (PIL reads animated WebP: "
                "`Image.open(path).save('clip.gif', save_all=True)`)."
            )

    def _refuse_encrypted(self) -> NoReturn:
        """A stream whose pictures are encrypted (MP4 / MOV Common Encryption: DRM-protected downloads, a streaming
        service's segments) decodes to nothing without its key, which a path or bytes give no way to pass (a PyAV
        container opened with `decryption_key` is read: its demuxer decrypts the packets and marks none): every packet
        is refused as invalid data, and a read would fail with "Invalid data found when processing input" (H.264, MPEG-4
        part 2), "frames [0] could not be decoded" (HEVC), "has no frames" (a fragmented mp4, whose table comes from a
        decode) or torchcodec's "Could not push packet to decoder", where the file holds frames. Named here, from a
        keyframe's encryption side data (clear-lead files start with frames in the clear: the first encrypted keyframe
        tells)."""
        self.close()
        raise EncryptedVideoError(
            f"Video {self.name} is encrypted (DRM: Common Encryption), and FFmpeg cannot decode its frames without "
            "the key: decrypt it first where you hold the key (e.g. `mp4decrypt --key KID:KEY in.mp4 out.mp4`, or "
            "`ffmpeg -decryption_key KEY -i in.mp4 -c copy out.mp4`) and read the decrypted file, or pass "
            "`av.open(path, options={'decryption_key': KEY})` (a hex AES-128 key), which FFmpeg decrypts as it reads."
        )

    def _never_reorders(self, keyframe) -> bool:
        """Whether the decoder shows the frames in decode order: a codec that cannot reorder, or a stream whose
        decoder has no reorder delay (H.264 / HEVC without B-frames). The MOV demuxer sets that delay from the file's
        composition offsets, which a clock glitch fills as B-frames do: there a decoder of its own reads the
        bitstream's delay from the first keyframe (`keyframe`, one frame decoded once per file)."""
        context = self.stream.codec_context
        if not context.codec.reorder or not context.has_b_frames:
            return True
        if keyframe is None or not demuxer_in(self.container, {"mov", "mp4"}):
            return False
        if keyframe.pts != keyframe.dts:
            return False  # shown after it is decoded: the delay of a stream that reorders (decoding nothing here)
        file_key = self._track_key(path_key(self._source))
        cached = REORDERS_CACHE.get(file_key)
        if cached is None:
            cached = (_bitstream_reorders(context, keyframe),)
            REORDERS_CACHE.put(file_key, cached)
        return not cached[0]

    def _reorders_early(self) -> bool:
        """Whether a decoder of its own shows any of the stream's first `_EARLY_PACKETS` packets out of decode order.
        A decoder that may reorder need not: MPEG-2 or MPEG-4 of I- and P-frames whose encoder left the low-delay flag
        unset (FFmpeg's own does) declares a delay and shows every frame in decode order. Their pts rise like those of
        a stream stamped in decode order, and the full decode at open that the latter needs cost such a file (250
        frames, GOPs of 12) twice its read; an encoder that uses B-frames uses them from the first GOP on. Once per
        file (`REORDERS_CACHE`)."""
        import av

        file_key = self._track_key(path_key(self._source))
        cache_key = None if file_key is None else (*file_key, "early")
        cached = REORDERS_CACHE.get(cache_key)
        if cached is not None:
            return cached[0]
        fresh = _decoder_like(self.stream.codec_context)
        shown = []
        try:
            packets = itertools.islice(self._demux_from_start(), _EARLY_PACKETS)
            for place, packet in enumerate(_decodable(packets, send_cut=False)):
                if packet is not None:
                    packet.pts = packet.dts = place  # carried to the frame it makes: its place in decode order
                shown += [frame.pts for frame in fresh.decode(packet)]
        except av.FFmpegError:
            return True  # unknown: decode the whole file, as without this look
        reorders = shown != sorted(shown)
        REORDERS_CACHE.put(cache_key, (reorders,))  # (not kept for a None key: bytes, file objects)
        return reorders

    def _take_buffered_palette(self):
        """The palette of a palettised stream in a caller's container that nobody has read from yet (see `_paletted`);
        returns the byte position of the packet it read (None where it read none).

        The demuxer hands the palette out once, with the first packet; `av.open` already read that packet into
        FFmpeg's buffer (probing the streams), and the seek to the start that the frame table begins with empties
        the buffer: every frame then read black. Taken from the buffered packet before that seek."""
        import av

        packet = self._next_packet()
        if packet is not None and packet.size and packet.has_sidedata("palette"):
            self._palettes += ((packet.dts, av.packet.PacketSideData.from_packet(packet, "palette")),)
        return _byte_position(packet)

    def _next_packet(self):
        """The next packet of the stream in a caller's container, None at its end or where demuxing fails (the frame
        table's own demux names what is wrong with the file)."""
        import av

        try:
            return next(iter(self.container.demux(self.stream)), None)
        except (av.FFmpegError, OSError, IndexError):
            return None

    def _check_start(self, head: int | None) -> None:
        """Where the seek to the start of a caller's container landed after the packet it held before (`head`, the
        first one where the container is fresh), or after the stream's start (see `_lands_after_start`), the file is
        read through a container of its own, opened on the same file or a copy of its bytes, whose demux starts at the
        first packet; on a file object that cannot seek refused. FFmpeg's Matroska seek to the start lands at the first
        indexed keyframe: the frames before it (a file cut mid-GOP, a first keyframe its muxer did not flag) were left
        out, and every index named a frame that many later, silently. FFmpeg's seek to the start of a one-packet FLV
        lands past its packet: no packet after it ("has no frames")."""
        packet = self._next_packet()
        packet = packet if packet is not None and packet.size else None  # (PyAV's empty packet: the demux's end)
        landed = _byte_position(packet)
        self._seek_start()
        # (no packet where none was held: an empty stream, or a caller who read them all; its own container tells,
        # on the file or a copy of the bytes)
        late = head is not None and (packet is None or (landed is not None and landed > head))
        if not (late or self._lands_after_start(packet) or (packet is None and self._own_source() is not None)):
            return
        # through one of this reader's own, on the same file or a copy of its bytes (on bytes too: the copy
        # `_sequential_frames` reads is at hand); on a file object that cannot seek, refused
        self._read_through_own_container()
        if not self._owns_container:
            self._refuse_unseekable(
                " (its seek there lands after frames a sequential decode gives: Matroska's at the first indexed "
                "keyframe, a one-packet FLV's past its packet)"
            )

    def _read_through_own_container(self) -> None:
        """Read a caller's container through one of this reader's own (the caller's is left as it is): opened on the
        same file, or on a copy of the bytes of the file object it reads (the caller's keeps its position in them);
        nothing where `_own_source` finds neither. The copy costs nothing where the caller made an `io.BytesIO` of
        bytes (`getvalue` hands back those bytes, shared until written); one written into, or another file object (a
        temporary file), is copied once, held while this reader is open."""
        source = self._own_source()
        if source is None:
            return
        if isinstance(source, io.BytesIO):
            source = io.BytesIO(source.getvalue())
        elif not isinstance(source, str):
            file, position = source, source.tell()
            try:
                file.seek(0)
                source = io.BytesIO(file.read())
            finally:
                file.seek(position)
        self._owns_container, self._source, self.container = True, source, None
        self._open()

    def _own_source(self):
        """What `_read_through_own_container` opens for the caller's container: the path of the file it reads (a path,
        or a file object opened on that path), else the file object it reads where that seeks (an `io.BytesIO`, a
        temporary file: its bytes are copied there); None for a file object that cannot seek."""
        file = container_file(self.container)  # (None for a container opened on a path)
        if file is None:
            name = getattr(self.container, "name", None)
            return name if isinstance(name, str) and os.path.isfile(name) else None
        if _opened_on_its_name(file):
            return file.name
        seekable = getattr(file, "seekable", None)
        return file if seekable is not None and seekable() else None

    def _lands_after_start(self, packet) -> bool:
        """Whether `packet`, the first one a Matroska container's seek to the start gave, comes after the stream's
        first packet: its pts is above the stream's start time, which FFmpeg takes from the first packet at open. A
        container the caller had read past the first indexed keyframe (`head` is then no first packet) seeks there.
        Matroska only: AVI makes up a first pts of 1 for a stream with B-frames whose start time is 0."""
        start = self.stream.start_time
        return (
            demuxer_in(self.container, {"matroska"})
            and packet is not None
            and packet.pts is not None
            and start is not None
            and packet.pts > start
        )

    def _check_palette(self) -> None:
        """Refuse a palettised stream whose palette is gone: a caller's container that was read from before (its
        first packet, the one the palette comes with, demuxed and not decoded) would read black."""
        context = self.stream.codec_context
        if context.pix_fmt == "pal8" and not self._palettes and not self._owns_container and not context.is_open:
            raise VideoDecodeError(
                f"Video {self.name} is palettised (pal8) and its palette came with the first packet, which was read "
                "from this container before (its frames would read black): pass the file's path or bytes, or a "
                "freshly opened container."
            )

    def _cached_decoded_table(self, names: list, keyframes: list):
        """`_decoded_table`, done once per unchanged file: `probe()`, the processor and the decoded-clip cache
        each open the same file, and an AVI's table costs a full decode."""
        file_key = self._track_key(path_key(self._source))  # None for bytes, file objects and a caller's container
        cached = TABLE_CACHE.get(file_key)
        if cached is None:
            table = self._decoded_table(names, keyframes)
            cached = (*table, self._num_frames, self._last_refused, self._cut_digests)
            TABLE_CACHE.put(file_key, cached)
        stamps, start, self._num_frames, last_refused, self._cut_digests = cached
        if last_refused and not self._last_refused:  # read as the decode that made the table found it
            self._truncated = self._cut_decoded = self._last_refused = True
            self._decode_on_one_thread()
        return stamps, start

    def _decoded_table(self, names: list, keyframes: list, threaded: bool = False):
        """The frame table of an untimed stream from one full decode (see _frame_table).

        `names` and `keyframes`: each packet's dts and keyframe flag, in the order the demuxer gave
        them at open (`names` empty when the dts do not name packets). Each packet's place in that
        order is put in its pts, which the decoder hands on to the frame it makes: the frames come
        out in presentation order, each named by its packet (counting packets, not reading their
        times: FFmpeg's ASF demuxer reads the second packet after a seek back to the start without
        one). A frame is decoded from the last keyframe shown at or before it whose packet also
        comes first in decode order; the B-frames an open GOP shows before its keyframe thus start
        from the keyframe before, which holds their references. Where the names fail, frames are
        counted and read by decoding from the start."""
        import av

        threads = self._threading
        parsed = demuxer_in(self.container, _TIMESTAMP_SEARCH_FORMATS)
        raw = getattr(self, "_raw_stream", False)  # (a test's stand-in reader may lack it)
        if (parsed or raw) and threads[0] != "NONE" and self._owns_container and not threaded:
            # A parser splits this stream into pictures (MPEG-PS / TS, a raw `.h264`): its last packet may be the start
            # of a picture the file ends inside, unflagged (cut at a pack's end, a raw stream cut anywhere), which frame
            # threads refuse silently, losing the frames they hold (a raw H.264 stream cut a few bytes into a picture:
            # 24 frames where a sequential decode gives 26); one thread tells (see `_last_packet_refused`). Reads keep
            # their threads unless so.
            if raw and not parsed:
                # A raw stream is counted by this decode at every open (it has no index to read): with its threads,
                # first (on one thread a long 1080p stream's open took as long as several reads). A frame for every
                # packet, none was lost; fewer (the cut, or frames its decoder drops), one thread tells.
                table = self._decoded_table(names, keyframes, threaded=True)
                if self._last_refused or self._num_frames == len(keyframes):
                    return table
            self._decode_on_one_thread()
            table = self._decoded_table(names, keyframes)
            if not self._last_refused:
                self._threading = threads
                self._open()
            return table
        places, digests = [], {}
        # The last GOP of a cut file (from its last keyframe's packet on), as this decode from the first frame makes
        # it: a read there checks a decode from that keyframe against these (see `_read_damage_from_keyframe`)
        last_key = max((place for place, key in enumerate(keyframes) if key), default=0) if self._cut_decoded else 0
        try:
            packets = _decodable(self._paletted(self._demux_from_start()), send_cut=True, last_cut=self._last_refused)
            context = self._decoder(fresh=True)
            for place, packet in enumerate(packets):
                if packet is not None:
                    packet.pts = place
                try:
                    frames = _decoded(context, packet)
                except av.InvalidDataError:
                    if places and packet is not None and not self._last_refused and next(packets, None) is None:
                        return self._last_packet_refused(names, keyframes)
                    if places or packet is None:
                        raise
                    # Frames before the first keyframe that the decoder refuses (VP8 / VP9 cut mid-GOP: a browser's or
                    # a camera's recording; frame threads report them a few packets late): no frames, as the ffmpeg
                    # command line passes over them; the video starts at the keyframe ("has no frames" before)
                    continue
                for frame in frames:
                    self.frames_decoded += 1
                    self._decoder_damaged |= bool(getattr(frame, "is_corrupt", False))  # (a test's stand-in: unsaid)
                    if last_key and frame.pts is not None and frame.pts >= last_key:
                        digests[len(places)] = _picture_digest(frame)
                    places.append(frame.pts)
        except av.FFmpegError:
            pass  # a damaged tail: the frames before it are still usable
        except OSError as e:
            raise VideoDecodeError(f"Cannot read video {self.name}: {e}") from e
        self._num_frames = len(places)
        if None in places or len(set(places)) < len(places) or not all(p < len(names) for p in places):
            return None, None  # a decoder that loses the names, or packets the first read did not see: count frames
        self._cut_digests = {i: digest for i, digest in digests.items() if digest is not None}
        start, key_frames = np.zeros(len(places), dtype=np.int64), []
        for i, place in enumerate(places):
            if keyframes[place]:
                key_frames.append(i)
            # with no such keyframe (frames a decoder shows before the first one), decode from the first frame
            start[i] = next((j for j in reversed(key_frames) if places[j] <= place), 0)
        return np.asarray([names[p] for p in places], dtype=np.int64), start

    def _last_packet_refused(self, names: list, keyframes: list):
        """`_decoded_table` again, for a file whose last packet its decoder refuses with nothing flagging it: a program
        stream cut at a pack's end (H.264 in a .vob or .mpg cut at 2048 bytes), whose parser hands out the cut
        picture's start last. A sequential decode passes over it and flushes the frames the decoder holds; frame
        threads lost them, silently: 22 frames where a sequential decode gives 24. As a cut file is (see
        `_frame_table`), it is decoded on one thread from now on, and its last packet sent flagged."""
        self._truncated = self._cut_decoded = self._last_refused = True
        self._decode_on_one_thread()
        self._decoder_damaged = True  # (a decoder that refused a packet: `_fresh_decoder` makes a new one)
        self._fresh_decoder()
        return self._decoded_table(names, keyframes)

    def _renamed(self, packet, place: int | None) -> bool:
        """Whether a packet read after a seek is not the one its dts named at open (see `_seek_renames`)."""
        if place is None or place >= len(self._sizes):
            return packet.dts is not None  # (ASF: the packet after a seek may come without a dts, named by its place)
        return packet.size != self._sizes[place]

    def _landed_elsewhere(self, key) -> bool:
        """Whether `key`, the keyframe a seek landed at, is not the packet its pts named when the table was read from
        the start (no keyframe had that pts, or one of another size): a demuxer that counts packets from the time
        asked (`_COUNTING_SEEK_FORMATS`)."""
        if self._key_sizes is None or self._stamp != "pts":
            return False
        size = self._key_sizes.get(key.pts, -1)
        return size is not None and size != key.size

    def seeks_rename_packets(self) -> bool:
        """Whether a seek in this file lands on other packets than the ones it names (`_landed_elsewhere`): tried once
        on two keyframes in a format whose seek may (`_COUNTING_SEEK_FORMATS`), no I/O elsewhere. torchcodec seeks
        the same way and names its frames by those packets' times: it returned frame 24 for 36 from a cut MXF."""
        if self._key_sizes is None or self._pts is None or self._seek_renames:
            return self._seek_renames
        starts = np.unique(self._start)[1:]
        for start in {int(starts[-1]), int(starts[len(starts) // 2])} if starts.size else ():
            next(iter(self._packets_from(start)), None)
        return self._seek_renames

    def _name_packet(self, packet, previous: int | None) -> int | None:
        """Name a packet read after a seek as `_decoded_table` named it: put the dts it had at open in its
        pts (the decoder hands that on to the frame), and return its place. A packet without a dts is the
        one after the packet before it (FFmpeg's ASF demuxer reads the packet after a seek without one)."""
        if packet.dts is not None:
            place = self._place.get(packet.dts)
        else:
            place = None if previous is None else previous + 1
        packet.pts = self._names[place] if place is not None and place < len(self._names) else None
        return place

    def _paletted(self, packets):
        """`packets` with the palette in force at the first one attached to it, where it carries none.

        The MOV and AVI demuxers hand a palettised stream's palette (from its header) to the decoder once, as side
        data of the first packet they read: the frame table's demux at open. A decoder that starts anywhere after
        that (a seek, a reopened file, the decode at open) had no palette: every frame came out black or in other
        colours than a sequential decode gives (255 grey levels off), without an error."""
        first = True
        for packet in packets:
            if first and packet.size:
                first = False
                if self._palettes and not packet.has_sidedata("palette"):
                    packet.set_sidedata(self._palette_at(packet.dts))
            yield packet

    def _palette_at(self, dts: int | None):
        """The last palette a packet at or before `dts` carried (the first one where the dts do not tell): a
        palette change mid-stream (AVI's palette-change chunks) holds for the packets after it."""
        in_force = [side for at, side in self._palettes if dts is not None and at is not None and at <= dts]
        return in_force[-1] if in_force else self._palettes[0][1]

    @property
    def num_frames(self) -> int:
        return self._num_frames

    @property
    def keyframe_mask(self) -> np.ndarray | None:
        """Per frame, whether a read may start decoding there (benchmarks/processor.py counts them)."""
        if self._start is None:
            return None
        flags = np.zeros(self._num_frames, dtype=bool)
        flags[self._start] = True
        return flags

    def _stated_rates(self) -> tuple:
        """The rates the container and codec state, in the order a span of timestamps is checked against them
        (`rate_of_span`): FFmpeg's guess first."""
        stream = self.stream
        # (last: an MPEG-4 part 2 stream's VOP times, `_vop_rate`, which FFmpeg states no rate from)
        return (
            stream.guessed_rate,
            stream.average_rate,
            stream.base_rate,
            stream.codec_context.framerate,
            self._vop_rate(),
        )

    def _fps(self) -> float:
        stream, context = self.stream, self.stream.codec_context
        if self._picture_references and len(self._picture_references) >= self._num_frames:
            # (its packets' stamps are the raw demuxer's guesses; a cut last picture no decoder made is no frame)
            if self._picture_rate is None or self._picture_rate[0] != self._num_frames:
                # kept: a processor call asks for the rate 9 times, each a pass over every picture (0.6 s for 18 000)
                rate = picture_clock_rate(self._picture_references[: self._num_frames])
                self._picture_rate = (self._num_frames, rate)
            if self._picture_rate[1]:
                return self._picture_rate[1]
        times = self._raw_vop_times() if self._raw_stream and self._vop_heads is not None else None
        if times is not None:
            # A raw .m4v at a variable rate: its frames over the time they span, as a file's stamps are read; its
            # stated rate is its VOL's clock (30000 for 30000/1001: 130 frames with a 1 s pause read 30000 fps and
            # 0.004 s), and the first VOPs' step is not the rate of a capture that pauses after them
            return (self._num_frames - 1) / float(times[-1])
        if self._raw_stream and self._vop_rate() and self._spans_its_stamps(self._vop_rate()):
            # A raw MPEG-4 part 2 stream (.m4v) is timed by FFmpeg's parser, which steps its first stamps by a tick of
            # the VOL's clock, not a frame (with B-frames: dts -12000 then 0 where frames are 48000 apart), or stamps
            # two packets alike; its stated rates are that clock's resolution: 30000/1001 fps with B-frames read
            # 30000 fps and 0.0013 s for 1.33, at a 1/100 clock 25 fps read 25.49. Its VOPs' own times tell, where
            # the stamps' span agrees: the VOPs read are the first `VOP_COUNT` only, and a capture that pauses or
            # drops frames after them (300 frames 1/25 s apart, 50 more after 4 s) read 25 fps and 14 s for 18.
            return self._vop_rate()
        if self._raw_stream and context.name == "dirac" and context.framerate:
            # FFmpeg's Dirac parser stamps each picture with its number, in ticks of the raw demuxer's 1/1200000 s: 20
            # frames of 30000/1001 fps read 1200000 fps and 0.000017 s. Its sequence header's rate is the decoder's.
            return float(context.framerate)
        joined = self._joined_span
        if joined:
            stated = self._stated_rates()
            return rate_of_span(self._num_frames, joined, float(stream.time_base), stated)
        if self._pts is not None and self._pts.size > 1 and stream.time_base:
            tick = float(stream.time_base)
            # (an AVI's frames are shown in slots after their packets' where its decoder reorders: `_slot_ticks`)
            ticks = self._slot_ticks() if self._stamp == "dts" and self._pts_are_slots() else self._ticks
            span = float(ticks.max() - ticks.min()) * tick
            if span > 0:
                steps = np.unique(np.diff(np.sort(ticks)))
                if demuxer_in(self.container, _PROGRAM_STREAM_FORMATS):  # (its muxer's stamps: 3 frames step 3753 too)
                    drifting = rate_of_drifting_stamps(ticks, (stream.guessed_rate, context.framerate), tick)
                    if drifting:
                        return drifting
                if self._pts.size > 2 and steps.size == 1:
                    # Every frame the same whole number of ticks after the one before: that is the rate, exactly. A
                    # stated rate within a tick of the span is not (FFmpeg guesses 33 fps for a GIF of 3/100 s frames,
                    # 9.08 for 11/100 s: its 14 frames read as 0.424 s for 0.42). Two frames tell too little: the
                    # milliseconds of 30000/1001 fps are 33 apart there
                    return float(1 / (int(steps[0]) * Fraction(stream.time_base)))
                if self.container is not None and demuxer_in(self.container, DELAY_TIMED_FORMATS):
                    return self._delay_timed_fps(span)
                stated = self._stated_rates()
                # (not the average rate: FFmpeg's own measure of these stamps, 24000/803 fps for 0, 33 and 67 ms)
                rounded = rate_of_rounded_stamps(
                    ticks, (stream.guessed_rate, stream.base_rate, context.framerate), tick
                )
                return rounded if rounded else rate_of_span(self._pts.size - 1, span, tick, stated)
        collided = self._collided_times()
        if collided is not None and collided[-1] > collided[0]:
            # Frames whose stamps collide, counted by a decode: timed by their stamps as others are, where FFmpeg's
            # rate is a guess (capped at the time base: 60 frames of 1200 fps in FLV read 1000 fps, lasting 0.06 s)
            stated = self._stated_rates()
            tick = float(stream.time_base)
            return rate_of_span(self._num_frames - 1, float(collided[-1] - collided[0]), tick, stated)
        sparse = self._sparse_stamps_rate() or self._vop_rate()
        if sparse:
            return sparse
        # With one frame there is no span of timestamps: the container's rate, else the codec's (H.264's timing is
        # in fields: FFmpeg's guessed_rate reads 50 for a one-frame 25 fps MPEG-TS, its decoder's framerate 25).
        stated = (stream.average_rate, context.framerate, stream.guessed_rate, stream.base_rate)
        if self._raw_stream and (self._bitstream_rate_is_a_clock() or self._bitstream_states_no_rate()):
            pass  # (its demuxer's 25 fps, said: see there)
        elif self._raw_stream:
            # A raw stream's average rate is its demuxer's `framerate` option, 25 unless the caller sets it, whatever
            # the stream holds (a raw 30 fps H.264 read as 25 fps, its 30 frames as 1.2 s); its bitstream's own rate
            # (H.264 / HEVC VUI timing, an MPEG sequence header) is what FFmpeg times its packets by
            stated = (context.framerate, *stated)
        seconds = self._lone_frame_seconds()
        # (a duration of one tick of that clock is FFmpeg's estimate from it, none the file states: 0.00001 s)
        if (not seconds or seconds * _CLOCK_NOT_RATE < 1) and not self._raw_stream and self._lone_frame_clock():
            return _DEFAULT_RATE
        if seconds:
            # The first stated rate its frame lasts (to within a tick), else the one it says: FFmpeg's average rate of
            # a one-frame raw DV file is 60000 (its time base), an ASF's every rate 1000, each frame lasting 0.04 s
            return rate_of_span(1, seconds, float(stream.time_base), stated)
        rate = next((r for r in stated if r), None)
        return float(rate) if rate else 0.0

    def _bitstream_rate_is_a_clock(self) -> bool:
        """Whether a raw H.264 stream's VUI timing may be its encoder's time base, not a frame rate: FFmpeg's libx264
        writes the time base it is given there (PyAV's `codec_context.time_base = 1/90000` or 1/1000 for a camera's
        stamps), which FFmpeg reads as 90000 / 1000 fps: 30 frames of 30 fps read as lasting 0.0003 s, and fps=5
        took 1 frame of them. A true 1000 fps stream from it (a high-speed camera's frames) has the same header, and
        the file stores no times to tell them apart: at 1000 a second or more its demuxer's 25 fps (FFmpeg's average
        rate of it) is read, and said once, with how to give the true rate. Not where the timing flags a fixed rate
        (`h264_fixed_frame_rate`: x264's CLI, `force-cfr`): that is the rate, 1000 fps read as 1000.

        A raw MPEG-4 part 2 stream (.m4v) of one frame likewise: FFmpeg's rate of it is its VOL's clock (the
        vop_time_increment_resolution, 30000 for 30000/1001 fps) where the layer sets no fixed VOP rate, and one VOP
        has no step on that clock (`_vop_rate`): it read 30000 fps, its frame lasting 0.00003 s for 0.033."""
        context = self.stream.codec_context
        clock = context.framerate
        if not clock or clock < _CLOCK_NOT_RATE:
            return False
        if context.name == "mpeg4" and clock.denominator == 1 and self._num_frames == 1:  # (else: clock / increment)
            self._say_rate_guessed(
                f"Video {self.name} is a raw MPEG-4 part 2 stream of one frame: its header states a clock of "
                f"{float(clock):g} ticks a second, no frame rate, and the file stores no times. It is read at "
                f"{float(self.stream.average_rate or 25):g} fps (FFmpeg's default)",
                "m4v",
            )
            return True
        if context.name != "h264":
            return False
        if h264_fixed_frame_rate(bytes(context.extradata or b"")):
            return False
        rate = float(self.stream.average_rate or 25)
        self._say_rate_guessed(
            f"Video {self.name} is a raw H.264 stream whose timing says {float(clock):g} frames a second, and the "
            "file stores no times: that is its encoder's time base (1/1000, 1/90000), unless the video was recorded "
            f"at that rate (a high-speed camera). It is read at {rate:g} fps (FFmpeg's default)",
            "h264",
        )
        return True

    def _lone_frame_clock(self) -> bool:
        """Whether the only frame of a stream in a container (a one-frame MPEG-TS) is timed by nothing but its H.264
        VUI timing, which is its encoder's time base (see `_bitstream_rate_is_a_clock`): one frame has no step between
        stamps and no duration but FFmpeg's one tick of that clock, and such a frame read 90000 fps (lasting 0.00001 s)
        where two frames of it read 25.
        Read at FFmpeg's default rate, and said once."""
        context, stream = self.stream.codec_context, self.stream
        clock = context.framerate
        if context.name != "h264" or not clock or clock < _CLOCK_NOT_RATE:
            return False
        if any(rate and rate < _CLOCK_NOT_RATE for rate in (stream.average_rate, stream.base_rate)):
            return False
        if h264_fixed_frame_rate(bytes(context.extradata or b"")):
            return False
        self._say_rate_guessed(
            f"Video {self.name} is one H.264 frame whose file states no rate or duration, and whose timing says "
            f"{float(clock):g} frames a second: that is its encoder's time base (1/{float(clock):g}). It is read at "
            f"{_DEFAULT_RATE:g} fps (FFmpeg's default)",
            "ts",
        )
        return True

    def _bitstream_states_no_rate(self) -> bool:
        """Whether a raw H.264 / HEVC stream's bitstream carries no timing (VUI timing left out: x265's
        `--no-vui-timing-info`, encoders that write none): the file stores no rate at all, and its demuxer's 25 fps
        reads 30 frames of 30 fps as lasting 1.2 s. Read so, and said once (as a clock is,
        `_bitstream_rate_is_a_clock`) with how to give the true rate, and marked a guess (`fps_guessed`)."""
        context = self.stream.codec_context
        if context.name not in ("h264", "hevc") or context.framerate:
            return False
        codec, suffix = ("H.264", "h264") if context.name == "h264" else ("HEVC", "hevc")
        self._say_rate_guessed(
            f"Video {self.name} is a raw {codec} stream that states no frame rate (no timing in its bitstream, no "
            f"times in the file): it is read at {float(self.stream.average_rate or 25):g} fps, FFmpeg's guess",
            suffix,
        )
        return True

    def _say_rate_guessed(self, said: str, suffix: str) -> None:
        """Mark the rate a guess (`fps_guessed`: a rate the caller gives is then taken with no warning) and say, once a
        reader (`_bitstream_rate_is_a_clock`, `_bitstream_states_no_rate`), what the stream is (`said`) and how to give
        its true rate, a remux of the raw `.{suffix}` file among the ways."""
        self.fps_guessed = True
        if not self._said_clock_rate:
            self._said_clock_rate = True
            warnings.warn(
                f"{said}; pass video_metadata={{'fps': ...}} with its true rate, or remux it with the rate: "
                f"`ffmpeg -r 30 -i clip.{suffix} -c copy clip.mp4`.",
                UserWarning,
                stacklevel=4,
            )

    def _sparse_stamps_rate(self) -> float | None:
        """Frames a second of a stream with a packet a frame whose packets mostly carry no time: a program stream
        (.mpg, DVD .vob) stamps a packet only where a PES starts in a 2048-byte pack, and small pictures share one
        (48 frames of a 64x48 H.264 at 25 fps: 2 stamped). Those stamped are timed in decode order by their dts, a
        frame a packet: the frames between them over the time between them. The stated rates are no measure there:
        x264 writes its encoder's time base into the stream's VUI (90000 fps for PyAV's 1/90000), MPEG-4 part 2 its
        clock's resolution (30000 fps for 30000/1001): 48 frames read 90000 fps and 0.0005 s. None where every packet
        is stamped (the frames' own times tell), fewer than two are, or packets are not frames. Worked out once a frame
        count, as `_vop_rate` (`_fps` is asked for 9 times a processor call: 2 ms of a 3000-frame .vob's)."""
        names = getattr(self, "_decode_stamps", None)  # (a test's stand-in reader may lack it)
        tick = self.stream.time_base
        if not names or None not in names or len(names) != self._num_frames or not tick or self._raw_stream:
            return None  # (a raw stream's stamps are its demuxer's guesses at 25 fps: its codec's rate, `_fps`)
        kept = getattr(self, "_sparse_rate", None)
        if kept is not None and kept[0] == self._num_frames:
            return kept[1]
        # FFmpeg's parsers hand a PES's stamp on to more than one packet: MPEG-4 part 2's to the packets after the one
        # it belongs to (packets 1, 4, 7 and 10 of a .mpg all 48003, packet 1's), H.264's to the one before as well
        # (packets 38 and 39 of a .vob, 39's). A rate fits where each stamp is on a packet it puts a frame there.
        places: dict[int, list[int]] = {}
        for place, dts in enumerate(names):
            if dts is not None:
                places.setdefault(dts, []).append(place)
        if len(places) < 2:
            self._sparse_rate = (self._num_frames, None)
            return None
        first, last = min(places), max(places)
        origin, seconds = places[first][0], float(tick)

        def fits(rate) -> bool:
            return all(
                any(abs(p - origin - (dts - first) * seconds * rate) <= 0.5 for p in shown)
                for dts, shown in places.items()
            )

        # Two packets in a row with the last stamp (an H.264 .vob: packets 35 and 36 both 153108, 36's) give two
        # rates that fit, 29.14 and 29.97 fps (x264's packet sizes, which vary run to run, decide which of 25 / 24.29
        # or 29.97 / 29.14 came first): a rate cameras use (an exact Fraction) before the others
        measured = sorted(
            ((p - origin) / ((last - first) * Fraction(tick)) for p in places[last]),
            key=lambda rate: rate not in COMMON_RATES,
        )
        rate = next((float(r) for r in (*self._stated_rates(), *measured) if r and r > 0 and fits(r)), None)
        self._sparse_rate = (self._num_frames, rate)
        return rate

    def _spans_its_stamps(self, rate: float) -> bool:
        """Whether the frames at `rate` span what their packets' stamps do, to within two frames (a raw stream's first
        stamps are its parser's, a tick off); True where no stamps name the frames (they collide)."""
        if self._ticks is None or not self.stream.time_base:
            return True
        span = float(self._ticks.max() - self._ticks.min()) * float(self.stream.time_base)
        return abs(span - (self._num_frames - 1) / rate) <= 2 / rate

    def _vop_rate(self) -> float | None:
        """Frames a second of an MPEG-4 part 2 stream in a program / transport stream or a raw one (.m4v) from its
        VOPs' own times (`mpeg4_vop_rate`, its first `VOP_COUNT` packets'), where a packet is a frame: two frames of
        30000/1001 fps in a .mpg, one stamped, read 30000 fps (the clock's resolution, every rate FFmpeg states) and
        0.00007 s. None elsewhere. Worked out once (`_fps` is asked for 9 times a processor call)."""
        heads = getattr(self, "_vop_heads", None)  # (a test's stand-in reader may lack it)
        if not heads or len(self._decode_stamps) != self._num_frames:
            return None
        if getattr(self, "_vop_rate_of", None) is None:
            extradata = self.stream.codec_context.extradata or b""
            clock = mpeg4_vol_clock(extradata) or mpeg4_vol_clock(heads[0])
            whole = len(heads) == self._num_frames
            self._vop_rate_of = (mpeg4_vop_rate(heads, clock, whole) if clock else None,)
        return self._vop_rate_of[0]

    def _delay_timed_fps(self, span: float) -> float:
        """Frames a second of a GIF / APNG whose delays differ (`span`: seconds from the first frame to the last): its
        frames over the time they play (`T / (span + last delay)`), so that `T / fps` is the sum of the delays, as
        long as a player shows them. FFmpeg's rate is a guess from the delays: 12, 24 and 30 fps clips stored as
        whole hundredths (8, 9, 8 ...; 4, 4, 5 ...; 3, 3, 4 ...) read 12000/1001, 24000/1001 and 30000/1001 fps
        and 1.001 s for 1 s of delays; a 60 fps one (2, 1, 2 ...) 60.2 fps and 0.997 s."""
        last = self.last_frame_seconds()
        return self._pts.size / (span + last) if last else (self._pts.size - 1) / span

    def _lone_frame_seconds(self) -> float | None:
        """How long the only frame of a one-frame stream lasts: its packet's duration, else the stream's; None where
        neither is said."""
        stream = self.stream
        if self._num_frames != 1 or not stream.time_base:
            return None
        ticks = self._shown_durations[0] if len(self._shown_durations) == 1 else None
        ticks = ticks if ticks and ticks > 0 else stream.duration
        return float(ticks * stream.time_base) if ticks and ticks > 0 else None

    @property
    def info(self) -> VideoInfo:
        rotation, hflip = self.orientation
        h, w = self._displayed_size()
        return VideoInfo(self.num_frames, self.fps, h, w, self.duration, rotation, self.backend, hflip)

    @property
    def duration(self) -> float:
        """`info.duration` without the decode `orientation` may make: see `_duration`."""
        return self._duration(self._fps()) if self._kept is None else self._after_close("duration")

    def _duration(self, fps: float) -> float:
        """Seconds from the first frame shown until the last one ends (`video_duration`): frames at 0, 0.04 and
        100 s, the last lasting 0.04 s, last 100.04 s, not the 0.12 s that three frames at their average rate
        would."""
        return video_duration(self.num_frames, fps, self.frame_times(), self.last_frame_seconds())

    def first_frame_seconds(self) -> float | None:
        """See `VideoReader.first_frame_seconds`. The clock starts at the container's start time (FFmpeg's, the
        earliest stream's first pts: an MPEG-TS's 1.4 s is its player's 0), or at 0 where that is negative (an
        encoder's priming samples before 0, which players skip). An mp4 / MOV's clock is its movie's, which starts
        at 0: a track that starts late (an empty edit, a delay) is shown late, as QuickTime and browsers show it and
        ffprobe's `start_time` says (its first frame at 0.2 s read 0.0, FFmpeg's start time being that frame's).
        An AVI's frames counted at its rate (slots all filled) start in their first slot (`_slot_ticks`): after the
        frames its decoder holds back (B-frames), as encoded (0.0 before): 0.04 s for MPEG-4 part 2's (DivX, Xvid),
        as FFmpeg's frames; 0.08 s for x264's B-pyramid, whose frames FFmpeg times from 0.04 s (as those of any H.264
        in AVI, B-frames or none: its guess of a pts a frame after the dts)."""
        if self._kept is not None:
            return self._after_close("first_frame_seconds")
        times = self.frame_times()
        if times is None and self._pts is not None and self._stamp == "dts" and self.container is not None:
            if self.container.format.name == "avi" and self.stream.time_base:
                times = self._slot_ticks()[:1].astype(np.float64) * float(self.stream.time_base)
        if times is None or self.container is None:
            return None
        start = self.container.start_time  # in AV_TIME_BASE units (microseconds); None when no stream says
        # None also where FFmpeg's probe saw too few packets to time any stream (an MKV of 3 H.264 frames or fewer:
        # its guess of decode times needs a fourth): the earliest stream is then the one FFmpeg knows nothing before,
        # this one, whose frames 1.24 s on started at 1.24 where 4 frames or more started at 0.0
        origin = max(start / 1_000_000, 0.0) if start is not None else max(float(times.min()), 0.0)
        origin = 0.0 if demuxer_in(self.container, INDEXED_FORMATS) else origin
        return max(float(times.min()) - origin, 0.0)

    def last_frame_seconds(self) -> float | None:
        """See `VideoReader.last_frame_seconds`: the duration of the packet with the latest pts, where frames are
        timed by their pts (`frame_times` says so), or by stamps a decode showed in order (`_decode_times_shown`: a
        variable-rate transport stream's last frame, 0.04 s, lasted as long as the 0.4 s gap before it); a stream
        stamped otherwise (AVI slots, decode order) says nothing here."""
        if self._kept is not None:
            return self._after_close("last_frame_seconds")
        if self._stamp == "dts" and self._pts_are_slots():
            return self._last_slot_seconds()
        timed = self._stamp == "pts" or self._decode_times_shown
        if not timed or self._decode_stamped or self.frame_times() is None or self._last_shown is None:
            return None
        ticks = self._last_shown[1]
        if self.container.format.name == "gxf" and ticks and self._pts is not None and len(self._pts) > 1:
            # GXF counts fields: FFmpeg gives each packet a field's duration, half a frame of interlaced video (a
            # 25 fps file's last frame lasted 0.02 s, where `gxf_last_frame_placed` puts it a frame after the one
            # before): as long as the step between frames
            ticks = max(ticks, int(np.median(np.diff(np.sort(self._pts)))))
        return float(ticks * self.stream.time_base) if ticks and ticks > 0 else None

    def _displayed_size(self) -> tuple[int, int]:
        """`(height, width)` of the stream's first frame as displayed (turned by `orientation`)."""
        rotation = self.orientation[0]
        h, w = self._stored_size
        return (w, h) if rotation % 180 == 90 else (h, w)  # (another angle is not turned: see `orient`)

    @property
    def orientation(self) -> tuple[int, bool]:
        """`(rotation, hflip)`: the display orientation (see `VideoInfo`), read from the first frame."""
        if self._orientation is None and self._kept is not None:
            self._after_close("orientation")  # (the read below catches every error, and would say 0 for all)
        if self._orientation is None:
            self._orientation = (0, False)
            try:
                if self._pts is not None:
                    self.container.seek(0, stream=self.stream)
                for frame in self.container.decode(self.stream):
                    self._orientation = display_orientation(frame, self._first_picture)
                    self._stored_size = (frame.height, frame.width)
                    break
            except Exception:  # orientation is best effort; read() reports real decode failures
                pass
        return self._orientation

    @property
    def rotation(self) -> int:
        """Counter-clockwise display rotation in degrees (phone videos), before the mirror of `orientation`."""
        return self.orientation[0]

    # -- decoding --------------------------------------------------------------------------------
    def _to_rgb(self, frame, size=None, interpolation: str = "bilinear") -> np.ndarray:
        """One decoded frame -> (H, W, 3) uint8 RGB as displayed, resized to `size` if given.

        With a size, libswscale converts and resizes in one pass (its bilinear filter widens with
        the downscale factor, so it antialiases like torch's), on the frame as stored; rotation
        comes after, so the target is turned into the stored orientation first (a mirror keeps the size)."""
        from av.video.reformatter import VideoReformatter

        if self._orientation is None:  # the stream's display matrix, the same on every frame: read once
            self._orientation = display_orientation(frame, self._first_picture)
        rotation, hflip = self._orientation
        height, width = frame.height, frame.width
        turned = rotation % 180 == 90
        target = output_size(*((width, height) if turned else (height, width)), size)
        target = (target[1], target[0]) if turned else target
        # A converter of this call's own, never the frame's cached one (`frame.to_ndarray` / `frame.reformat` keep a
        # VideoReformatter on the frame): a frame whose side data was read sits in a reference cycle with it (PyAV 18),
        # freed only by the garbage collector, and a DataLoader worker forked meanwhile that collects it frees the
        # converter's libswscale slice threads, which do not exist in the child: it waits on them forever.
        reformatter = VideoReformatter()
        frame = full_range_grey(frame)
        matrix = colour_matrix(frame)
        # (alone among formats, which libswscale's rgb24 drops: see `on_white`)
        if (has_alpha(frame.format.name) and not self._shown_as_stored(frame)) or self._palette_alpha(frame):
            frame, matrix = on_white(frame, matrix), None
        if target == (height, width):
            array = reformatter.reformat(frame, format="rgb24", src_colorspace=matrix).to_ndarray()
        else:
            if rgb_below_8_bits(frame):
                # libswscale's scaled path widens 5-bit channels by a shift where its rgb24 conversion repeats their
                # top bits: RGB555 frames (16-bit QuickTime Animation, MS Video 1, rpza) came out 3.5-4.3 grey
                # levels darker than full-size frames resized in torch; widened to rgb24 first, within 0.2
                frame = VideoReformatter().reformat(frame, format="rgb24")
            # planar RGB: the same values as rgb24, but libswscale writes it a third faster when scaling
            array = reformatter.reformat(
                frame,
                width=target[1],
                height=target[0],
                format="gbrp",
                src_colorspace=matrix,
                interpolation=INTERPOLATIONS[interpolation],
            ).to_ndarray()
        return orient(array[None], rotation, hflip)[0]

    def _palette_alpha(self, frame) -> bool:
        """Whether `frame` is palettised with transparency in its palette (`transparent_palette`: PNG in MOV)."""
        return self.stream.codec_context.name in PALETTE_ALPHA_CODECS and transparent_palette(frame)

    def _shown_as_stored(self, frame) -> bool:
        """Whether a frame with alpha needs no compositing: a GIF's (`WHITE_UNDER_ALPHA_CODECS`), or one whose alpha
        plane is opaque throughout (`opaque_alpha_plane`)."""
        return self.stream.codec_context.name in WHITE_UNDER_ALPHA_CODECS or opaque_alpha_plane(frame)

    def _segments(self, wanted: np.ndarray) -> list[tuple[int, int, int]]:
        """Split sorted wanted indices into (keyframe, first wanted, last wanted) spans, one seek each."""
        segments = []
        for i, kf in zip(wanted.tolist(), self._start[wanted].tolist()):
            # A recovery point's wave of frames can decode wrong, unflagged, when decoding starts there: FFmpeg's
            # H.264 decoder gave frames 82-101 of an x264 intra-refresh file (keyint 20) up to 255 grey levels off
            # from a seek to frame 80 (whose frame_num wraps to 0), every frame from 102 on right, and a decode
            # that started a wave earlier right throughout. Two waves back, the wave of `i` is decoded right.
            for _ in range(2 if self._recovery_points else 0):
                kf = int(self._start[kf - 1]) if kf > 0 else 0
            while kf in self._unseekable:
                kf = int(self._start[kf - 1])
            # No keyframe to jump to before i, or i's keyframe is the next frame: keep decoding (a seek there would
            # only flush the decoder, and concealment of a damaged frame after it would lose what a sequential
            # decode has: consecutive frames then read as a sequential decode gives them)
            # (piped pictures that decode alone: one pass from the first picture, see `__init__`)
            if segments and (kf <= segments[-1][2] + 1 or self._pictures_alone):
                segments[-1][2] = i
            else:
                segments.append([kf, i, i])
        return [tuple(s) for s in segments]

    def read(self, indices: Sequence[int], size=None, interpolation: str = "bilinear") -> np.ndarray:
        import av

        if self._kept is not None:
            self._after_close("frames")
        idx = self._check_indices(indices)
        output_size(1, 1, size)  # validate before decoding anything
        interpolation = check_interpolation(interpolation)
        # Before decoding, as `iter_read` takes it: the first frame's size, which `orientation` decodes, and no longer
        # the header's once a decode below has told the orientation (a WebM header of 80x60 over 64x48 VP8 pictures,
        # whose size FFmpeg takes from the container, read every frame stretched to 80x60 where `info` was not asked)
        shape = self._stream_shape(size)  # a stream whose resolution changes mid-way: every frame at its first size
        wanted = np.unique(idx)
        self._damaged_read = set()
        # libswscale converts each kept frame in a second thread while the decoder goes on (PyAV lets go
        # of the GIL in both): 15-20% off a clip on 2 cores. Each frame is converted once, by that thread
        # alone (PyAV cannot convert one frame from two threads at once). A thread per read, so a
        # DataLoader worker forked from a process that read videos never inherits a dead one.
        with ThreadPoolExecutor(1, thread_name_prefix="vivit-rgb") as pool:
            convert = functools.partial(pool.submit, self._to_rgb, size=size, interpolation=interpolation)
            try:
                pending = (
                    self._read_sequential(wanted, convert) if self._pts is None else self._read_seeking(wanted, convert)
                )
                frames = {i: future.result() for i, future in pending.items()}
            except (av.FFmpegError, IndexError) as e:  # IndexError: see _frame_table
                raise VideoDecodeError(f"Cannot decode video {self.name}: {e}") from e
            except OSError as e:  # a file object's read failed (the file itself, FFmpeg's errors are caught above)
                raise VideoDecodeError(f"Cannot read video {self.name}: {e}") from e
        if self._damaged_read - self._damaged and self._rereads_damage():
            # A frame concealed from damage: with frame threads FFmpeg's concealment differs from run to run (the same
            # read gave frames up to 69 grey levels apart); on one thread it is the same every time. And it conceals
            # from the frames decoded before: the last frame of a cut file, read from its keyframe or with frames
            # skipped, came out up to 112 grey levels off a sequential decode's (another frame's stripes).
            self._damaged |= self._damaged_read
            self._decode_on_one_thread()
            return self.read(indices, size=size, interpolation=interpolation)
        missing = [i for i in wanted.tolist() if i not in frames]
        if missing:
            raise VideoDecodeError(
                f"Video {self.name}: frames {missing[:8]} could not be decoded (the file may be truncated or corrupt)."
            )
        return np.stack([_fit_shape(frames[i], shape) for i in idx.tolist()])

    def _stream_shape(self, size) -> tuple[int, int, int]:
        """The `(H, W, 3)` every frame is brought to, for a stream whose resolution changes mid-way: its first
        frame's size (as displayed, then `size`), as FFmpeg's own scaler keeps its output at the first frame's size.
        Never the first frame a read asks for, which made a frame's size depend on the other frames asked."""
        return (*output_size(*self._displayed_size(), size), 3)

    def _read_seeking(self, wanted: np.ndarray, convert) -> dict[int, Future]:
        while True:
            try:
                return self._read_spans(wanted, convert)
            except _DamagedKeyframe:  # now in `_unseekable`: the spans start before it
                continue

    def _read_spans(self, wanted: np.ndarray, convert) -> dict[int, Future]:
        out: dict[int, Future] = {}
        wanted_set = set(wanted.tolist())
        for start, first, last in self._segments(wanted):
            span = [i for i in wanted_set if first <= i <= last]
            damaged = bool(self._damaged.intersection(span))
            if damaged and self._read_damage_from_keyframe(start, first, last, span, wanted_set, out, convert):
                continue
            if damaged:  # concealed as a sequential decode conceals it: from the first frame, none skipped
                start = 0
            self._decode_span(start, first, last, wanted_set, out, convert, skip_nonref=not damaged)
            if not all(i in out for i in span):
                # A decoder that flags frames wrongly, or a damaged file: again without skipping.
                self._decode_span(start, first, last, wanted_set, out, convert, skip_nonref=False)
            if not all(i in out for i in span) and start > 0:
                # The seek landed after the frames we need (a bad index in the file): start over from 0.
                self._decode_span(0, first, last, wanted_set, out, convert, skip_nonref=False)
        return out

    def _read_damage_from_keyframe(
        self, start: int, first: int, last: int, span: list, wanted: set[int], out: dict[int, Future], convert
    ) -> bool:
        """Read a span of a cut file's last GOP from its keyframe `start`, where that gives the pictures the decode at
        open made from the first frame (their digests: `_cut_digests`), none skipped, on one thread as that decode.
        A frame read so is the sequential decode's, whatever the decoder's concealment draws on; where one is not (a
        decoder whose concealment reaches back past the keyframe), False: the span is read from the first frame. A
        frame of the last GOP of a 1500-frame NUT file (cut, or written without an index) took 0.11-0.16 s so."""
        if start == 0 or self._threading[0] != "NONE" or not all(i in self._cut_digests for i in span):
            return False
        frames = {}
        for i, frame in self._span_frames(start, first, last, wanted, skip_nonref=False):
            if i in wanted:
                frames.setdefault(i, frame)
        if not all(i in frames and _picture_digest(frames[i]) == self._cut_digests[i] for i in span):
            self._decoder_damaged = True  # (the span is read again on a new decoder)
            return False
        for i in span:
            if frames[i].is_corrupt:
                self._damaged_read.add(i)
            out[i] = convert(frames[i])
        return True

    def _fresh_decoder(self) -> None:
        """Reopen the file, for a new decoder, where the one at hand made a damaged picture (see `_decoder_damaged`).
        A caller's container cannot be reopened: where it is on a file, that is read through a container of this
        reader's own (a caller's cut AVI read the frame after the damaged one 65 grey levels off, decoded on after the
        decode at open); elsewhere its decoder stays."""
        if self._decoder_damaged and self._rereads_damage():
            self._decoder_damaged = False
            if self._owns_container:
                self._open()
            else:
                self._read_through_own_container()

    def _packets_from(self, start: int):
        """Packets in decode order from the keyframe `start` on.

        Demuxers without an index (MPEG-TS / PS) seek by a timestamp search that lands near the
        target, often after its keyframe: then seek again further back (1 s, 2 s, 4 s, ..., the
        start) until the first keyframe read is at or before the target. Packets before that
        keyframe are dropped: nothing decodes from them. From the start, every packet is read, as
        a sequential decode reads them: a decoder may show frames before the first keyframe
        (MPEG-4 Part 2 and MPEG-2 decode P-frames of a file cut mid-GOP from grey).

        A span from the first frame whose seek lands elsewhere than at the first keyframe reads from the first packet:
        an mp4 whose edit list shows stretches of its media out of order or twice (an editor's cut) holds packets of
        one time in two edits, shown in one and discarded in the other, and the seek to frame 0's time landed in the
        second edit, whose copies of the first edit's frames its decoder drops: every read of frames 0-5 failed
        ("could not be decoded") where a sequential decode gives them. (Not always from the first packet: a file cut
        mid-GOP starts with packets that some decoders refuse, VP8's and VP9's, which the seek passes over.)"""
        import av

        self._seeked = False
        self._fresh_decoder()
        if self._seek_renames:
            yield from self._demux_from_start()
            return
        target = int(self._pts[start])
        step = max(1, round(1 / self.stream.time_base)) if self.stream.time_base else 1  # one second
        back = 0
        while True:
            final = back > 0 and target - back < self._first_stamp
            if not final:
                try:
                    self.container.seek(target - back, stream=self.stream, backward=True, any_frame=False)
                except av.FFmpegError:  # a damaged file can fail the timestamp search: read from the start
                    final = True
            if final:
                yield from self._demux_from_start()
                return
            packets = self.container.demux(self.stream)
            try:
                key = next((p for p in packets if p.is_keyframe and getattr(p, self._stamp) is not None), None)
            except av.FFmpegError:
                # A demuxer that cannot read on from where its seek landed: GXF's, after a seek into its last GOP,
                # fails its next read with EPERM (a read of the last frame failed, "Operation not permitted", where a
                # sequential decode gives it). Seek further back, as where a seek lands late: the keyframe before
                # reads on through it (from the start, a read of an hour-long file's last frame decoded the hour)
                back = 2 * back or step
                continue
            if key is not None and self._landed_elsewhere(key):
                # Not the packet the table named so (an MXF file cut before its index: a read of frame 36 gave frame 24,
                # 102 grey levels off): this file's seeks cannot be trusted, spans decode from the start
                self._seek_renames = True
                yield from self._demux_from_start()
                return
            if key is not None and getattr(key, self._stamp) <= target:
                if start == 0 and not self._is_first_keyframe(key):
                    yield from self._demux_from_start()
                    return
                self._seeked = True
                yield key
                yield from packets
                return
            back = 2 * back or step

    def _note_damage(self, packet) -> None:
        """Take a new decoder for the next span where `packet`, about to be decoded, is the one a cut file ends inside
        (flagged corrupt, or the table's name of it): the decoder keeps its damage through the flush of the next span's
        seek, also where no frame it gave was flagged (frame 1 of a cut NUT file read, then frame 2: frame 2 came out 13
        grey levels off, and a B-frame of a cut H.264 program stream 65; each read alone, right)."""
        if packet is not None and (
            packet.is_corrupt or (self._cut_decoded and self._cut_name is not None and packet.pts == self._cut_name)
        ):
            self._decoder_damaged = True

    def _is_first_keyframe(self, packet) -> bool:
        """Whether `packet` is the stream's first keyframe in decode order, as the frame table read it: by its byte
        position and size where both reads say (a Matroska packet's dts after a seek is FFmpeg's guess), else by its
        pts and size. (True where the table found no keyframe.)"""
        if self._first_keyframe is None:
            return True
        pts, size, position = self._first_keyframe
        here = _byte_position(packet)
        same = here == position if None not in (here, position) else packet.pts == pts
        return same and packet.size == size

    def _decode_span(
        self, start: int, first: int, last: int, wanted: set[int], out: dict[int, Future], convert, skip_nonref: bool
    ) -> None:
        """Decode from the keyframe `start` to `last`, keeping the wanted frames (see `_span_frames`)."""
        for i, frame in self._span_frames(start, first, last, wanted, skip_nonref):
            if i in wanted and i not in out:
                if frame.is_corrupt:
                    self._damaged_read.add(i)
                out[i] = convert(frame)

    def _span_frames(self, start: int, first: int, last: int, wanted: set[int], skip_nonref: bool):
        """Decode from the keyframe `start` to `last`, yielding `(index, frame)` for every frame from `first` on.

        Frames that are not wanted (all of them before `first`, and those between wanted frames
        at a stride) are needed only as references for later ones, so the decoder drops the
        non-reference ones unseen (`skip_frame="NONREF"`: the B-frames nothing predicts from,
        about a third of an x264 stream). The switch is made per packet by its presentation time,
        as the decoder reads the setting when it takes a packet; a frame nothing references cannot
        change any other frame, so the wanted ones come out bit-identical."""
        lookup, name = self._pts_to_index, self._stamp
        context = self._decoder(fresh=True)
        restore = context.skip_frame
        skip_nonref = skip_nonref and context.name in _SKIP_NONREF_PER_PACKET and restore == "DEFAULT"
        keep_pts = {int(self._pts[i]) for i in wanted if first <= i <= last} if skip_nonref else None
        skipping, place, started = False, None, False
        try:
            # (a cut file's table came from a decode that sent the packet it ends inside: see `_frame_table`)
            packets = _decodable(
                self._paletted(self._packets_from(start)),
                send_cut=name == "dts" or self._cut_decoded,
                last_cut=self._last_refused,
            )
            for packet in packets:
                if self._pictures_alone and packet is not None:
                    i = lookup.get(packet.pts)  # (a piped picture: the demuxer reads past it, nothing needs it decoded)
                    if i is not None and (i < start or (wanted and i != start and i not in wanted)):
                        continue
                context = self._decoder()  # a new decoder where _packets_from had to reopen the file
                if packet is not None and name == "dts":
                    place = self._name_packet(packet, place)  # the name the decoder hands on to the frame
                    if self._seeked and self._renamed(packet, place):
                        # Not the packet the table named so (a damaged AVI read after a seek): frames would come
                        # under other frames' indices (frame 107 for 110, 255 grey levels off); decode from the start
                        self._seek_renames = True
                        raise _DamagedKeyframe(start)
                self._note_damage(packet)
                if packet is not None and keep_pts is not None:
                    skip = packet.pts is not None and packet.pts not in keep_pts
                    if skip != skipping:
                        context.skip_frame = "NONREF" if skip else "DEFAULT"
                        skipping = skip
                for frame in _decoded(context, packet):
                    self.frames_decoded += 1
                    self._decoder_damaged |= bool(frame.is_corrupt)
                    pts = frame.pts if frame.pts is not None else frame.dts
                    i = lookup.get(pts) if pts is not None else None
                    if i is None:
                        continue
                    if i > start > 0 and not started and not self._recovery_points:
                        # The decoder withheld the keyframe the span starts at: a recovery point (x264's intra
                        # refresh flags the first frame of each refresh wave), not a picture that decodes alone
                        self._recovery_points = True
                        raise _DamagedKeyframe(start)
                    started |= i >= start
                    if i == start > 0 and frame.is_corrupt:
                        self._unseekable.add(start)  # decoded without the frames before it: see `__init__`
                        raise _DamagedKeyframe(start)
                    if i == start > 0 and not _is_intra(frame):
                        # The container called a frame that needs references a keyframe (an mp4 without a sync-sample
                        # table flags every frame): the decoder's own flags say where decoding may start. Once: a
                        # damaged file's flags may disagree again, and then the span starts before this keyframe.
                        if self._starts_decoded:
                            self._unseekable.add(start)
                        else:
                            self._starts_decoded = True
                            self._start = self._starts_from_decoder()
                        raise _DamagedKeyframe(start)
                    # (frames shown before this span may be an open GOP's, decoded without their references)
                    if first <= i:
                        yield i, frame
                    if i >= last:
                        return
        finally:
            if skip_nonref:
                context.skip_frame = restore

    def _keyframe_check(self):
        """`random_access.keyframe_check` for this stream's codec (None: its bitstream is not read there)."""
        context = self.stream.codec_context
        codec = getattr(context, "codec", None)
        if codec is None:
            return None
        return keyframe_check(codec.canonical_name, context.extradata, bool(codec.intra_only))

    def flags_keyframes_needing_references(self) -> bool:
        """Whether a packet after the first that the container flags a keyframe starts no picture a decoder can start
        from, by its bitstream (`random_access`: an HEVC P-frame, an MPEG-4 part 2 P-VOP, an intra-refresh wave's
        first frame), found while the frame table was demuxed, nothing decoded. torchcodec seeks to such keyframes and
        returns frames decoded without their references (HEVC flagged from its 9th packet on: 118 grey levels off)
        under their own timestamps: PyAV reads these (`_checked_by_pyav`)."""
        return self._false_keyframes

    def starts_at_recovery_points(self) -> bool:
        """Whether the file's keyframes (after the first) are recovery points, which the decoder withholds when
        decoding starts there (H.264 intra refresh): one read of the second keyframe tells (one frame decoded, where
        it decodes alone). torchcodec seeks to such keyframes and returns frames that are neither the asked ones
        (frame 75 for 73) nor right, with timestamps that do not tell: PyAV reads these files (`_checked_by_pyav`)."""
        keyframes = np.flatnonzero(self._start == np.arange(self._num_frames)) if self._start is not None else []
        # Not where the bitstream of every keyframe was read and starts a picture (`flags_keyframes_needing_references`
        # reads it while demuxing: 1.5 us a keyframe), which rules both out: the read decodes (5 ms for a 60 s
        # 340x256 H.264 file, 76 ms at 1280x720, more than its whole demux)
        if len(keyframes) > 1 and not self._recovery_points and not self._keyframes_read:
            try:
                self.read([int(keyframes[1])])
            except VideoDecodeError:  # a damaged file: its reads say so, through whichever decoder reads it
                pass
        return self._recovery_points

    def flags_frames_needing_references(self) -> bool:
        """Whether a read found a frame the container flags a keyframe that its decoder made from references (an mp4
        without a sync-sample table flags every frame; so may a Matroska muxer): `_start` then comes from the decoder
        (`_starts_from_decoder`). `starts_at_recovery_points`' read of the second keyframe tells where the flags are
        wrong from the second frame on. torchcodec seeks to such keyframes and returns P-frames decoded without their
        references (HEVC: 117 grey levels off), under their own timestamps: PyAV reads these (`_checked_by_pyav`)."""
        return self._starts_decoded

    def _starts_from_decoder(self) -> np.ndarray:
        """`_start` from one full decode: per frame, the last frame at or before it that the decoder made without
        references (a keyframe or an intra picture), in place of the container's keyframe flags."""
        intra = np.zeros(self._num_frames, dtype=bool)
        intra[0] = True  # decoding always may start at the first frame
        for i, frame in self._span_frames(0, 0, self._num_frames - 1, set(), skip_nonref=False):
            intra[i] |= _is_intra(frame)
        return np.maximum.accumulate(np.where(intra, np.arange(intra.size), 0))

    def _read_sequential(self, wanted: np.ndarray, convert) -> dict[int, Future]:
        out = {}
        for i, frame in self._sequential_frames(wanted):
            if frame.is_corrupt:
                self._damaged_read.add(i)
            out[i] = convert(frame)
        return out

    def _sequential_frames(self, wanted: np.ndarray):
        """`(index, frame)` of the wanted frames, decoding from the start (no frame table to seek by)."""
        wanted_set, last = set(wanted.tolist()), int(wanted[-1])
        # A decoder that decoded before (the decode at open, a read that stopped mid-stream) keeps what it held
        # through the seek back: a stream whose first pictures lack their references (MPEG-4 part 2 B-frames in an mp4
        # or TS cut before their I-frame) made as many pictures of them as that state allowed, so later frames came out
        # shifted (frame 22 read as 25, then as 26), or the last ones "could not be decoded". Each decode from the
        # start is a new decoder's, as a sequential decode's is: a caller's container on a file or a file object is
        # read through one of this reader's own (`_own_source`: a flush of its decoder, or a drain before it, kept the
        # same frames wrong; on a file object that cannot seek it stays); a raw stream's already is (`_rewind` opens it
        # again). A container just opened is at its first packet: a seek there lands later in some (Matroska's at its
        # first indexed keyframe), which cost a second open.
        if not self._owns_container:
            self._read_through_own_container()
            reopened = self._owns_container
        else:
            reopened = not getattr(self, "_raw_stream", False)  # (a test's stand-in reader may lack it)
            if reopened:
                self._open()
        if reopened:
            self._decoder_damaged = False  # (a new decoder already: `_fresh_decoder` need not open another)
        self._fresh_decoder()
        packets = self._demux_from_start(rewind=not reopened)
        packets = _decodable(self._paletted(packets), send_cut=True, last_cut=self._last_refused)
        context = self._decoder(fresh=True)

        def decoded():
            for packet in packets:
                self._note_damage(packet)
                yield from _decoded(context, packet)

        for i, frame in enumerate(decoded()):
            self.frames_decoded += 1
            self._decoder_damaged |= bool(frame.is_corrupt)
            if i in wanted_set:
                yield i, frame
            if i >= last:
                break

    @property
    def fps(self) -> float:
        return self._fps() if self._kept is None else self._after_close("fps")

    def frame_times(self) -> np.ndarray | None:
        """Each frame's presentation time in seconds (its pts times the stream's time base), in presentation
        order; None where the table names frames by anything but their pts (raw streams, an ASF whose codec may
        reorder: their dts count frames at the nominal rate or in decode order, or there are none), so a caller falls
        back on `fps`. An ASF whose codec cannot reorder has its frames' times (`_stamps_are_asf_times`), as has a
        stream stamped pts == dts whose decode at open reordered no frame (`_decode_times_shown`).

        An AVI's dts count the slots of its stream (one per `time_base`, the empty chunks a muxer writes for a
        frame held on screen included), in decode order: the slots, in order, are when the frames in presentation
        order are shown. Most AVIs fill every slot, and their frames are counted at `fps` (None here);
        one that leaves slots empty (a millisecond time base, as PyAV and capture tools write, a pause) says its
        times so, which counting frames at the average rate spread over the video (frame 30 after a 10 s pause at
        6.3 s instead of 11.2 s)."""
        if self._kept is not None:
            return self._after_close("frame_times")
        if self._raw_stream and self._vop_heads is not None and self.stream.time_base:
            times = self._raw_vop_times()
            if times is not None or self._pts is not None:  # (a stream whose pts collide: its sorted ones below)
                return times
        if self._pts is None or not self.stream.time_base:
            return self._collided_times()
        if self._stamp == "dts" and self._pts_are_slots():
            return self._slot_ticks().astype(np.float64) * float(self.stream.time_base)
        if self._decode_times_shown or (self._stamp == "dts" and self._stamps_are_asf_times()):
            return self._ticks.astype(np.float64) * float(self.stream.time_base)
        if self._decode_stamped:
            # (a stream stamped in decode order, `_frame_table`: its stamps, in order, are when frames are shown)
            return np.sort(self._ticks).astype(np.float64) * float(self.stream.time_base)
        if self._stamp != "pts":
            return None
        return self._ticks.astype(np.float64) * float(self.stream.time_base)

    def _raw_vop_times(self) -> np.ndarray | None:
        """Each frame's time in seconds of a raw MPEG-4 part 2 stream (.m4v) whose VOPs step unevenly (a capture at a
        variable rate: a screen recorder's, a webcam's dropping frames, Xvid's N-VOPs for frames it dropped), from the
        VOPs' own times (`mpeg4_vop_times`, sorted: presentation order), where each VOP coded is a frame and all were
        read (up to `VOP_COUNT`), else its packets' pts where those of the VOPs read agree (`_stamped_vop_ticks`; its
        dts start a tick of the clock early, see `_fps`). With none, fps=10 counted 14 frames (10 of 1/30 s steps, 4
        more after 2/3 s) at their average 11.8 fps: frames 1, 2, 3 for the ones shown at 0.1-0.3 s (3, 6, 9). None
        where the VOPs step evenly (counted at `fps`, as before) or cannot tell. Worked out once a frame count
        (`frame_times` is asked for several times a processor call)."""
        if getattr(self, "_vop_times_of", None) is None or self._vop_times_of[0] != self._num_frames:
            self._vop_times_of = (self._num_frames, self._vop_times())
        return self._vop_times_of[1]

    def _vop_times(self) -> np.ndarray | None:
        heads, names = self._vop_heads, self._decode_stamps
        if not heads or self._num_frames < 3:
            return None
        extradata = self.stream.codec_context.extradata or b""
        clock = mpeg4_vol_clock(extradata) or mpeg4_vol_clock(heads[0])
        vops = mpeg4_vop_times(heads, clock) if clock else None
        if vops is None:
            return None
        if len(heads) == len(names):
            if len(vops[0]) != self._num_frames:  # (N-VOPs aside, a VOP a frame: else it cannot tell)
                return None
            ticks, unit = np.sort(np.asarray(vops[0], dtype=np.int64)), 1 / clock[0]
        else:
            ticks, unit = self._stamped_vop_ticks(vops[0], clock[0]), float(self.stream.time_base)
            if ticks is None:
                return None
        steps = np.diff(ticks)
        if np.unique(steps).size == 1 or not (steps > 0).all():
            return None
        return (ticks - ticks[0]).astype(np.float64) * unit

    def _stamped_vop_ticks(self, vop_ticks: list, resolution: int) -> np.ndarray | None:
        """The frames' times of a raw .m4v longer than the `VOP_COUNT` VOPs read, in ticks of the stream's time base,
        sorted: its packets' pts, which FFmpeg's parser works out from the VOPs' times, where those of the VOPs read
        agree to within half a tick and every packet is a frame. A pause after them (300 frames 1/25 s apart, 50 more
        after 4 s) had no times: fps=10 counted them at their average 19.4 fps, frame 194 for the one shown at 10 s
        (250)."""
        stamps, tick = self._vop_stamps, float(self.stream.time_base)
        if len(stamps) != self._num_frames or len(vop_ticks) != len(self._vop_heads) or None in stamps or not tick:
            return None
        read = np.asarray(stamps[: len(vop_ticks)], dtype=np.int64)
        vops = np.asarray(vop_ticks, dtype=np.int64)
        if np.abs((read - read[0]) * tick - (vops - vops[0]) / resolution).max() > tick / 2:
            return None
        return np.sort(np.asarray(stamps, dtype=np.int64))

    def _collided_times(self) -> np.ndarray | None:
        """Each frame's time in seconds from its packet's pts, sorted, where some pts collide (see `_frame_table`) and
        the decode gave a frame per packet; else None."""
        ticks = self._collided_ticks
        if ticks is None or ticks.size != self._num_frames or not self.stream.time_base:
            return None
        return ticks.astype(np.float64) * float(self.stream.time_base)

    def _slot_ticks(self) -> np.ndarray:
        """The slots an AVI shows its frames in, in order (see `frame_times`). Its packets fill the slots in decode
        order, and a decoder that reorders (B-frames) holds back as many pictures as its stream says (FFmpeg's
        `has_b_frames`: 1 for MPEG-4 with B-frames, 2 for x264's B-pyramid): frame `k` is shown in the slot of packet
        `k + delay`, as it was encoded. Sorted, the packets' own slots put frame 0 in its keyframe's (an MPEG-4 or
        H.264 video starting 1.5 s in read frame 0 at 0.0 s and frame 1 at 1.5 s). The last `delay` frames, which no
        later packet's slot follows, a frame apart as the two slots before them. Where frames are not one per packet
        (N-VOPs), the packets' slots, sorted; so too for two a slot apart from a gap, whose first slot (0 in a late
        start) gives no step; two in adjacent slots (every slot filled) are a slot apart."""
        slots = np.sort(self._ticks)
        delay = int(getattr(self.stream.codec_context, "reorder_depth", 0) or 0)
        # (a file of delay + 1 frames has its shown frame's slot: x264's B-pyramid of 3 frames read frame 0 at 0.0 s.
        # Its encoder shifts no stream of delay frames or fewer: x264's 2 frames of B-pyramid are stamped as shown)
        if not 0 < delay < slots.size or len(self._names) != self._num_frames:
            return slots
        # (two frames of MPEG-4 with B-frames, every slot filled, read 0.0 s where written and FFmpeg's at 0.04 s)
        step = slots[-1] - slots[-2]
        if slots.size < 3 and step != 1:
            return slots
        return np.concatenate([slots[delay:], slots[-1] + step * np.arange(1, delay + 1)])

    def _last_slot_seconds(self) -> float | None:
        """How long an AVI that leaves slots empty shows its last frame (see `frame_times`): where some frames fill
        adjacent slots (a slot is a frame: chunks dropped by a capture, a pause), until the end of the slots its
        header counts (empty chunks after the last frame held on screen), at least one slot. Taken as long as the
        gap before it, 11 frames of 25 fps whose last came 5 slots after the one before lasted 0.76 s for the
        header's 0.6, and fps=5 read frame 6 where 5 plays. None where slots are finer than frames (a millisecond
        time base: one slot is no frame's length; the gap before it tells). A file cut short (`avi_cut`), or one
        whose bytes cannot be read to tell, has one slot: its stream's length (the whole file's, or FFmpeg's guess)
        is no end of the frames it holds (a download that stopped at 18 of 99 frames held its last for 1.24 s)."""
        slots = np.sort(self._ticks)
        if not np.any(np.diff(slots) == 1):
            return None
        last = int(self._slot_ticks()[-1])
        if self._avi_whole is None:  # (once: the file's bytes are not read again while a decode reads them)
            self._avi_whole = self._source is not None and not avi_cut(self.container, self._source)
        whole = self._avi_whole
        stated = self.stream.duration if whole else None  # (AVI's dwLength: its chunks, empty ones included)
        ticks = stated - last if stated and stated > last else 1
        return float(ticks * self.stream.time_base)

    def _stamps_are_asf_times(self) -> bool:
        """Whether the table's dts names are an ASF's presentation times, in order: each payload carries its frame's
        time (in milliseconds), which FFmpeg hands out as its pts and dts, and a codec that cannot reorder (WMV 7 / 8,
        MS-MPEG4, MJPEG, Windows Media Screen) shows its frames at those times. Counted at the average rate instead, a
        WMV that paused 10 s after frame 29 of 60 read frame 30 at 6.3 s instead of 11.16 s. Where the codec may
        reorder (WMV 9 / VC-1, H.264), the stamps follow decode order (`_frame_table`): frames are counted at `fps`."""
        asf = self.container is not None and self.container.format.name == "asf"
        reorders = self.stream.codec_context.codec.reorder
        return asf and not reorders and len(self._names) == self._num_frames and bool(np.all(np.diff(self._ticks) > 0))

    def _pts_are_slots(self) -> bool:
        """Whether the table's dts names are the slots of an AVI that leaves some empty (see `frame_times`)."""
        avi = self.container is not None and self.container.format.name == "avi"
        return avi and bool(np.any(np.diff(np.sort(self._pts)) > 1))

    def iter_read(
        self, indices: Sequence[int], size=None, interpolation: str = "bilinear", chunk: int = 64
    ) -> Iterator[tuple[int, np.ndarray]]:
        """See `VideoReader.iter_read`: one pass over the file, a few frames converted ahead (`chunk` is unused)."""
        import av

        if self._kept is not None:
            self._after_close("frames")

        wanted = np.unique(self._check_indices(indices))
        output_size(1, 1, size)
        interpolation = check_interpolation(interpolation)
        decoded = self._iter_sequential(wanted) if self._pts is None else self._iter_seeking(wanted)
        pending: collections.deque = collections.deque()

        shape = self._stream_shape(size)

        def oldest() -> tuple[int, np.ndarray]:  # the first pending frame, at the stream's size (as `read`)
            index, future = pending.popleft()
            return index, _fit_shape(future.result(), shape)

        with ThreadPoolExecutor(1, thread_name_prefix="vivit-rgb") as pool:
            try:
                for i, frame in decoded:
                    pending.append((i, pool.submit(self._to_rgb, frame, size=size, interpolation=interpolation)))
                    while pending and (len(pending) > _STREAM_AHEAD or pending[0][1].done()):
                        yield oldest()
                while pending:
                    yield oldest()
            except (av.FFmpegError, IndexError) as e:  # IndexError: see _frame_table
                raise VideoDecodeError(f"Cannot decode video {self.name}: {e}") from e
            except OSError as e:
                raise VideoDecodeError(f"Cannot read video {self.name}: {e}") from e
            finally:
                decoded.close()

    def _iter_seeking(self, wanted: np.ndarray):
        """`(index, frame)` of each wanted frame in order, decoding each span once; a frame the decoder skipped
        wrongly (or a seek that landed late) is decoded again as `_read_seeking` does, from the missed one on."""
        wanted_set = set(wanted.tolist())
        segments = collections.deque(self._segments(wanted))
        done = -1  # the last index handed out
        while segments:
            start, first, last = segments[0]
            span = self._iter_span(start, first, last, wanted, wanted_set)
            try:
                for i, frame in span:
                    if self._newly_damaged(i, frame):
                        raise _DamagedKeyframe(i)
                    done = i
                    yield i, frame
            except _DamagedKeyframe:  # the rest again, the span now from the keyframe before (or from the start)
                span.close()
                self._decode_on_one_thread()  # as `read` goes on once it met a damaged picture
                segments = collections.deque(self._segments(wanted[wanted > max(done, first - 1)]))
                continue
            finally:
                span.close()
            segments.popleft()

    def _newly_damaged(self, i: int, frame) -> bool:
        """Whether `frame` (index `i`) is a damaged picture that reads have not met yet: `iter_read` then decodes it
        again as `read` does (on one thread, its span from the first frame: `_iter_span`) before handing it out. It
        handed out the picture its frame threads concealed from its keyframe: the last frame of a cut NUT or AVI,
        streamed, came out 112 grey levels off the sequential decode that `read` gives."""
        if not frame.is_corrupt or i in self._damaged or not self._rereads_damage():
            return False
        self._damaged.add(i)
        return True

    def _iter_span(self, start: int, first: int, last: int, wanted: np.ndarray, wanted_set: set[int]):
        need = wanted[(wanted >= first) & (wanted <= last)].tolist()
        position = 0
        # Wanted frames the decoder gave before their turn: a damaged stream's decoder can give its frames out of
        # presentation order (an MPEG-2 transport stream that lost a keyframe gave 45 before 44), which `read`
        # takes as they come; held here, a few at most, so both give the same frames
        early: dict[int, Any] = {}
        passes = [(start, True), (start, False)] + ([(0, False)] if start > 0 else [])
        if self._damaged.intersection(need):  # concealed as a sequential decode conceals it (see `_read_spans`)
            passes = [(0, False)]
        for begin, skip_nonref in passes:
            if position == len(need):
                break
            frames = self._span_frames(begin, need[position], last, wanted_set, skip_nonref)
            past = 0  # frames given after need[position] was due
            try:
                for i, frame in frames:
                    if i < need[position]:
                        continue
                    if i in wanted_set:
                        early.setdefault(i, frame)
                    if i > need[position]:
                        past += 1
                        if past > _ITER_EARLY:
                            break  # need[position] was not produced: decode again
                        continue
                    while position < len(need) and need[position] in early:
                        yield need[position], early.pop(need[position])
                        position += 1
                    past = 0
                    if position == len(need):
                        break
            finally:
                frames.close()
        if position < len(need):
            raise VideoDecodeError(
                f"Video {self.name}: frames {need[position : position + 8]} could not be decoded "
                "(the file may be truncated or corrupt)."
            )

    def _iter_sequential(self, wanted: np.ndarray):
        """`(index, frame)` of each wanted frame in order, decoding from the start. A damaged picture that reads have
        not met starts the decode over on one thread, as `read` does, past the frames handed out: on frame threads a
        raw H.264 stream cut inside its 36th packet streamed its damaged frame 33 unlike the sequential decode."""
        found, done = 0, -1
        while True:
            frames = self._sequential_frames(wanted[wanted > done])
            try:
                for i, frame in frames:
                    if self._newly_damaged(i, frame) and self._threading[0] != "NONE":
                        break
                    found, done = found + 1, i
                    yield i, frame
                else:
                    break
            finally:
                frames.close()
            self._decode_on_one_thread()
        if found < wanted.size:
            raise VideoDecodeError(
                f"Video {self.name}: {wanted.size - found} of the wanted frames could not be decoded "
                "(the file may be truncated or corrupt)."
            )

    def close(self) -> None:
        """Close the container (a caller's is the caller's to close). Its stream is then freed memory in FFmpeg:
        reading a closed reader's `fps` from it crashed the process (a segfault in PyAV), so the metadata methods
        answer from what they said here, and whatever needs the stream (a read, an orientation not yet read) raises
        a ValueError naming the video."""
        if not self._owns_container or self._kept is not None:
            return
        kept = {}
        if getattr(self, "container", None) is not None:
            metadata = {
                "fps": self._fps,
                "frame_times": self.frame_times,
                "first_frame_seconds": self.first_frame_seconds,
                "last_frame_seconds": self.last_frame_seconds,
                "duration": lambda: self.duration,
            }
            for name, told in metadata.items():
                try:
                    kept[name] = told()
                except Exception:  # (a reader refused while opening has no table to tell from: it says it is closed)
                    pass
            self.container.close()
            self.container = None
        self.stream = _ClosedStream(self.name)
        self._kept = kept

    def _after_close(self, what: str):
        """What the metadata method `what` said at `close`; else a ValueError: the reader is closed."""
        if what not in self._kept:
            raise ValueError(f"Video {self.name} is closed: its {what.replace('_', ' ')} cannot be read.")
        told = self._kept[what]
        return told.copy() if isinstance(told, np.ndarray) else told


class _ClosedStream:
    """The stream of a closed `PyAVReader`: any use raises, where the freed stream's would crash the process."""

    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attribute: str):
        if attribute.startswith("_"):  # (copy's and pickle's probes: theirs to miss)
            raise AttributeError(attribute)
        raise ValueError(f"Video {self._name} is closed: its stream's {attribute} cannot be read.")


_STREAM_AHEAD = 4  # frames `iter_read` converts ahead of the one it hands out
_ITER_EARLY = 16  # frames a damaged stream's decoder may give before the one `iter_read` waits for (a few held)


def _opened_on_its_name(file) -> bool:
    """Whether the file object `file` reads the file its `name` names (`open(path, "rb")`): not a temporary file's,
    whose name is its descriptor number (PyAV calls it "3", a relative path that another file may have), nor a file
    renamed or replaced since it was opened."""
    name = getattr(file, "name", None)
    try:
        return isinstance(name, str) and os.path.samestat(os.fstat(file.fileno()), os.stat(name))
    except (OSError, ValueError, AttributeError):  # (no descriptor: io.UnsupportedOperation, an OSError)
        return False


def _picture_digest(frame) -> bytes | None:
    """A digest of a decoded picture's pixels (its planes in its own format, without row padding); None for a format
    PyAV cannot lay out."""
    try:
        return hashlib.blake2b(np.ascontiguousarray(frame.to_ndarray()).tobytes(), digest_size=16).digest()
    except (ValueError, TypeError, NotImplementedError):
        return None


def _fit_shape(array: np.ndarray, shape: tuple) -> np.ndarray:
    """A frame at `shape`, for streams whose resolution changes mid-way (see `PyAVReader._stream_shape`)."""
    if array.shape == shape:
        return array
    from PIL import Image

    return np.asarray(Image.fromarray(array).resize((shape[1], shape[0]), Image.BILINEAR))
