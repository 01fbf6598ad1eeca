# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Whether a packet its container flags a keyframe starts a picture a decoder can start from, by its bitstream: the
check that keeps torchcodec, which seeks to flagged packets, from decoding frames without their references
(`PyAVReader.flags_keyframes_needing_references`, `video_torchcodec._checked_by_pyav`).

Containers copy keyframe flags from an index a muxer wrote (an mp4's sync-sample table, Matroska's block flags) and
may be wrong: an mp4 without a sync-sample table flags every frame, a remux or an editor may flag frames from some
point on. A decoder started at such a P-frame makes it from no references (HEVC: 117 grey levels off, under the
frame's own timestamp, so nothing later tells). What the packet's first picture is, in its own header:

- H.264: an IDR slice (NAL type 5), or an I slice after a recovery-point SEI that recovers at once (an open GOP's
  I-frame, as x264 writes it). An intra-refresh wave's first frame (a P slice after a recovery point SEI that
  recovers later) is no start: its frames are withheld or wrong when decoding starts there.
- HEVC: an IRAP picture (NAL types 16-21: BLA, IDR, CRA).
- MPEG-4 part 2: a VOP coded I; MPEG-1/2 video: a picture coded I.
- VP8 / VP9: the frame header's key-frame bit; AV1: a frame header of a KEY_FRAME that is shown (or a reduced
  still-picture sequence, all key frames).
- Codecs whose every picture is intra (MJPEG, ProRes, raw video, ...): always.

NAL units come either in Annex B (start codes: raw and transport streams, some Matroska) or length-prefixed, with the
length's size in the stream's avcC / hvcC record (mp4, Matroska). Only headers are read: a few bytes of a packet, no
decoding. None where the codec is none of these, or the packet cannot be parsed: the caller then has only the
decoder to ask. A wrong "no" costs speed alone (PyAV reads the file), a wrong "yes" a wrong frame, so anything
unusual reads as "no" where the header is read at all.

`field_check` reads the same headers for another question: whether an H.264 packet holds one field of a frame
(PAFF), so that its packets are not its frames.

Imports only the standard library and its sibling `bit_reader`: travels with the video processor under
`trust_remote_code`."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from .bit_reader import BitReader, rbsp

# How many NAL units (and AV1 OBUs) of a packet are read to find its first picture: parameter sets, SEIs, delimiters
# come before it, a few at most
_UNITS_BEFORE_PICTURE = 32
# H.264 profiles whose sequence parameter set codes chroma format, bit depths, scaling matrices (H.264 7.3.2.1.1)
_H264_HIGH_PROFILES = frozenset({100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135})


def keyframe_check(codec: str, extradata: bytes | None, intra_only: bool) -> Callable[[bytes], bool | None] | None:
    """A function of a packet's bytes saying whether it starts a picture a decoder can start from (None: its bytes
    do not tell), for FFmpeg's codec name `codec` (its descriptor's: "av1" whichever decoder reads it); None where
    the bitstream of `codec` is not read here. `extradata`: the stream's codec record (avcC, hvcC, av1C; or AV1's
    sequence header OBUs, as FFmpeg sets them for IVF, OBU and MPEG-TS)."""
    extradata = bytes(extradata or b"")
    if intra_only:
        return lambda packet: True
    check = _bitstream_check(codec, extradata)
    if check is None:
        return None

    def starts_picture(packet: bytes) -> bool | None:
        try:
            return check(packet)
        except (EOFError, IndexError, ValueError):  # a damaged header (the frame table's demux must not stop on it)
            return None

    return starts_picture


def _bitstream_check(codec: str, extradata: bytes) -> Callable[[bytes], bool | None] | None:
    if codec == "h264":  # an avcC record is version 1; anything else, Annex B (as FFmpeg reads it)
        size = _nal_length_size(extradata, 4, extradata[:1] == b"\x01")
        return lambda packet: _h264_starts(_nal_units(packet, size))
    if codec == "hevc":
        # an hvcC record is anything that does not start with a start code: FFmpeg reads version 0 records too (muxed
        # before ISO/IEC 14496-15 fixed the version at 1), whose first byte is 0
        size = _nal_length_size(extradata, 21, not extradata.startswith((b"\x00\x00\x00", b"\x00\x00\x01")))
        return lambda packet: _hevc_starts(_nal_units(packet, size))
    if codec == "mpeg4":
        return lambda packet: _coding_type(packet, b"\x00\x00\x01\xb6", lambda header: header[0] >> 6, 0)
    if codec in ("mpeg1video", "mpeg2video"):
        return lambda packet: _coding_type(packet, b"\x00\x00\x01\x00", lambda header: (header[1] >> 3) & 7, 1)
    if codec == "vp8":
        return lambda packet: not packet[0] & 1 if packet else None
    if codec == "vp9":
        return _vp9_starts
    if codec == "av1":
        # a still-picture sequence header: in an av1C record (mp4, Matroska; its first byte's marker bit set), after
        # its 4 bytes; else the extradata is the OBUs themselves (IVF, OBU, MPEG-TS: FFmpeg copies the sequence
        # header out of the first packet), as libdav1d reads it
        obus = extradata[4:] if extradata[:1] and extradata[0] & 0x80 else extradata
        still = _av1_reduced_still(_obus(obus))
        return lambda packet: _av1_starts(packet, still)
    return None


# -- H.264 and HEVC ------------------------------------------------------------------------------------------------
def _nal_length_size(extradata: bytes, at: int, record: bool) -> int:
    """The size of the length before each NAL unit, byte `at` of an avcC / hvcC `record` (avcC: 4, hvcC: 21); 0 for
    Annex B (no record, or a record of start codes, as Matroska may carry)."""
    return (extradata[at] & 3) + 1 if record and len(extradata) > at else 0


def _nal_units(packet: bytes | memoryview, length_size: int) -> Iterator[bytes]:
    """The first NAL units of a packet (each at most its first 64 bytes: headers are all that is read). Lengths that
    do not add up to the packet (a muxer that wrote start codes under an avcC record) are read as Annex B (its first
    `FIELD_CHECK_BYTES` of a memoryview, which `field_check` walks without copying it)."""
    units, position = [], 0
    while length_size and len(units) < _UNITS_BEFORE_PICTURE and position < len(packet):
        size = int.from_bytes(packet[position : position + length_size], "big")
        position += length_size
        if size == 0 or position + size > len(packet):
            units = None
            break
        units.append(packet[position : position + min(size, 64)])
        position += size
    if length_size and units:
        yield from units
        return
    packet = bytes(packet[:FIELD_CHECK_BYTES]) if isinstance(packet, memoryview) else packet  # (see `field_check`)
    start = packet.find(b"\x00\x00\x01")
    for _ in range(_UNITS_BEFORE_PICTURE):
        if start < 0:
            return
        # (the header first: the caller stops at the first picture, before its slice data is searched for the next)
        yield packet[start + 3 : start + 67].split(b"\x00\x00\x01", 1)[0]
        start = packet.find(b"\x00\x00\x01", start + 3)


def _h264_starts(units: Iterator[bytes]) -> bool | None:
    recovers = False  # a recovery-point SEI with recovery_frame_cnt 0 came before the picture
    for unit in units:
        if not unit:
            continue
        kind = unit[0] & 0x1F
        if kind == 5:  # an IDR slice
            return True
        if kind in (1, 2):  # a slice (or its partition A): I or SI, after a recovery point that recovers at once
            try:
                bits = BitReader(rbsp(unit[1:]))
                bits.ue()  # first_mb_in_slice
                intra = bits.ue() % 5 in (2, 4)
            except (EOFError, ValueError):  # cut short, or no Exp-Golomb code
                return None
            return intra and recovers
        if kind == 6:
            recovers |= _recovers_at_once(rbsp(unit[1:]))
    return None


def h264_sps_head(bits: BitReader) -> tuple[int, bool, bool]:
    """An H.264 sequence parameter set's payload (after its NAL header) read up to its `frame_mbs_only_flag`
    (7.3.2.1.1): the bits of a slice's `frame_num`, whether the colour planes are coded apart (a slice then names its
    plane before `frame_num`), and whether every picture is a frame (no field coding at all)."""
    profile = bits.take(8)
    bits.take(16)  # constraint flags, level_idc
    bits.ue()  # seq_parameter_set_id
    separate = False
    if profile in _H264_HIGH_PROFILES:
        chroma_format = bits.ue()
        if chroma_format == 3:
            separate = bool(bits.bit())  # separate_colour_plane_flag
        bits.ue(), bits.ue(), bits.bit()  # bit depths, qpprime_y_zero_transform_bypass_flag
        if bits.bit():  # seq_scaling_matrix_present_flag
            for i in range(8 if chroma_format != 3 else 12):
                if bits.bit():
                    _skip_scaling_list(bits, 16 if i < 6 else 64)
    frame_num_bits = bits.ue() + 4  # log2_max_frame_num_minus4
    poc_type = bits.ue()
    if poc_type == 0:
        bits.ue()
    elif poc_type == 1:
        bits.bit(), bits.se(), bits.se()
        for _ in range(bits.ue()):
            bits.se()
    bits.ue(), bits.bit(), bits.ue(), bits.ue()  # max_num_ref_frames .. pic_height_in_map_units_minus1
    return frame_num_bits, separate, bool(bits.bit())


def _skip_scaling_list(bits: BitReader, size: int) -> None:
    last = next_scale = 8
    for _ in range(size):
        if next_scale:
            next_scale = (last + bits.se()) % 256
        last = next_scale or last


# How many bytes of an Annex B packet (a transport stream's) `field_check` reads: its parameter sets, SEIs and first
# slice header lie in them (a length-prefixed one, an mp4's or mkv's, is walked unit by unit, its headers alone read)
FIELD_CHECK_BYTES = 4096


def field_check(codec: str, extradata: bytes | None) -> Callable[[memoryview], bool | None] | None:
    """A function of an H.264 packet's bytes saying whether it holds one field of a frame, not both: PAFF, as broadcast
    encoders code interlaced video, each picture a field (`field_pic_flag`), one packet a field where a transport
    stream gives each its PES, and an mp4 or mkv remuxed from one (`ffmpeg -c copy`) keeps them apart: two packets
    make one frame. A packet that holds both fields (a muxer that joins them, as the formats ask) is one frame. None
    where it cannot tell (no sequence parameter set read yet, a damaged header); False where the sequence parameter
    set codes frames only (progressive video, most files). None for other codecs (MPEG-2's parser joins a frame's two
    field pictures into one packet)."""
    if codec != "h264":
        return None
    extradata = bytes(extradata or b"")
    record = extradata[:1] == b"\x01"
    size = _nal_length_size(extradata, 4, record)
    if record:  # avcC: its first sequence parameter set after 8 bytes (6, then its 16-bit length)
        length = int.from_bytes(extradata[6:8], "big")
        units = iter([extradata[8 : 8 + length]] if extradata[5:6] and extradata[5] & 0x1F else [])
    else:
        units = _nal_units(extradata, 0)
    layout = [None]  # the sequence parameter set's (frame_num bits, separate colour planes, frames only)

    def read_layout(unit: bytes) -> None:
        try:
            layout[0] = h264_sps_head(BitReader(rbsp(unit[1:])))
        except (EOFError, ValueError):  # (cut at 64 bytes: long scaling matrices)
            layout[0] = None

    for unit in units:
        if unit and unit[0] & 0x1F == 7:
            read_layout(unit)
            break

    def field_picture(packet: memoryview) -> bool | None:
        if size and layout[0] is not None and layout[0][2]:
            return False  # (an mp4's or mkv's parameter sets are its record's: frames only, as most files)
        fields = 0  # the pictures the packet starts (slices at macroblock 0), each a field
        for unit in _nal_units(packet if size else bytes(packet[:FIELD_CHECK_BYTES]), size):
            unit = bytes(unit)
            kind = unit[0] & 0x1F if unit else 0
            if kind == 7:
                read_layout(unit)
            elif kind in (1, 5):
                if layout[0] is None:
                    return None
                frame_num_bits, separate, frames_only = layout[0]
                if frames_only:
                    return False
                try:
                    bits = BitReader(rbsp(unit[1:]))
                    first_macroblock = bits.ue()
                    bits.ue(), bits.ue()  # slice_type, pic_parameter_set_id
                    if separate:
                        bits.take(2)  # colour_plane_id
                    bits.take(frame_num_bits)
                    field = bits.bit()  # field_pic_flag
                except (EOFError, ValueError):
                    return None
                if not field:
                    return False
                fields += first_macroblock == 0
                if fields == 2:  # (the second field in the same packet: a frame)
                    return False
        return True if fields else None

    return field_picture


def _recovers_at_once(sei: bytes) -> bool:
    """Whether an H.264 SEI NAL unit's payload (its first 64 bytes) holds a recovery point of recovery_frame_cnt 0."""
    position = 0
    while position < len(sei) and sei[position] != 0x80:  # (0x80: the RBSP's stop bit)
        kind = size = 0
        while position < len(sei) and sei[position] == 0xFF:
            kind, position = kind + 255, position + 1
        if position >= len(sei):
            return False
        kind, position = kind + sei[position], position + 1
        while position < len(sei) and sei[position] == 0xFF:
            size, position = size + 255, position + 1
        if position >= len(sei):
            return False
        size, position = size + sei[position], position + 1
        if kind == 6:  # recovery_point
            try:
                return BitReader(sei[position : position + size]).ue() == 0
            except (EOFError, ValueError):
                return False
        position += size
    return False


def _hevc_starts(units: Iterator[bytes]) -> bool | None:
    for unit in units:
        if not unit:
            continue
        kind = (unit[0] >> 1) & 0x3F
        if kind < 32:  # the first slice of the picture: BLA, IDR or CRA (22, 23: reserved, which FFmpeg skips)
            return 16 <= kind <= 21
    return None


# -- MPEG-4 part 2 and MPEG-1/2 ------------------------------------------------------------------------------------
def _coding_type(packet: bytes, start_code: bytes, coding_type: Callable[[bytes], int], intra: int) -> bool | None:
    """Whether the first picture header after `start_code` is coded intra (packed B-frames: the first of two)."""
    at = packet.find(start_code)
    header = packet[at + 4 : at + 6] if at >= 0 else b""
    return coding_type(header) == intra if len(header) == 2 else None


# -- VP9 and AV1 -----------------------------------------------------------------------------------------------------
def _vp9_starts(packet: bytes) -> bool | None:
    """The first frame's uncompressed header (a superframe's frames come in order: its key frame first)."""
    if not packet:
        return None
    bits = BitReader(packet[:1])
    if bits.take(2) != 2:  # frame_marker
        return None
    profile = bits.bit() | bits.bit() << 1
    if profile == 3:
        bits.bit()  # reserved_zero
    if bits.bit():  # show_existing_frame: a frame decoded before, shown again
        return False
    return bits.bit() == 0  # frame_type: KEY_FRAME


_OBU_SEQUENCE_HEADER, _OBU_FRAME_HEADER, _OBU_FRAME = 1, 3, 6


def _obus(data: bytes) -> Iterator[tuple[int, bytes]]:
    """(type, the first 16 bytes of the payload) of the first OBUs of AV1's low-overhead format (sizes in each)."""
    position = 0
    for _ in range(_UNITS_BEFORE_PICTURE):
        if position >= len(data):
            return
        header = data[position]
        kind, extension, sized = (header >> 3) & 0xF, header >> 2 & 1, header >> 1 & 1
        position += 1 + extension
        if not sized:  # the OBU runs to the end
            yield kind, data[position : position + 16]
            return
        size = 0
        for shift in range(0, 56, 7):  # leb128
            if position >= len(data):
                return
            byte = data[position]
            size, position = size | (byte & 0x7F) << shift, position + 1
            if not byte & 0x80:
                break
        yield kind, data[position : position + min(size, 16)]
        position += size


def _av1_reduced_still(obus: Iterator[tuple[int, bytes]]) -> bool | None:
    """reduced_still_picture_header of the first sequence header OBU (None: there is none)."""
    for kind, payload in obus:
        if kind == _OBU_SEQUENCE_HEADER and payload:
            return bool(payload[0] >> 3 & 1)  # after seq_profile (3 bits) and still_picture (1)
    return None


def _av1_starts(packet: bytes, reduced_still: bool | None) -> bool | None:
    for kind, payload in _obus(packet):
        if kind == _OBU_SEQUENCE_HEADER and payload:
            reduced_still = bool(payload[0] >> 3 & 1)
        elif kind in (_OBU_FRAME_HEADER, _OBU_FRAME) and payload:
            if reduced_still:
                return True  # every frame of a still-picture sequence is a key frame
            if payload[0] >> 7:  # show_existing_frame
                return False
            # frame_type KEY_FRAME, and show_frame: a hidden (forward) key frame refreshes only the reference slots
            # it names, so the frame its packet shows may reference others, which a decoder started there lacks
            return (payload[0] >> 5 & 3) == 0 and bool(payload[0] >> 4 & 1)
    return None
