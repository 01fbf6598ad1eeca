# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""`random_access.keyframe_check` against packets written byte by byte, each worked out by hand from its codec's
syntax (H.264 / HEVC NAL headers, SEI messages and slice headers, avcC / hvcC records and their length prefixes,
Annex B start codes, MPEG-1/2/4 picture headers, VP9 frame headers, AV1 OBUs and av1C records): the cases that no
encoder at hand writes (these tests kill the mutants of `vivit_hf.processing.random_access` that survived
`tests/test_video_random_access.py`, which asks every packet of real files against a decoder started there;
docs/testing.md, "mutmut"). A wrong "yes" lets torchcodec seek to a packet no decoder can start from; a wrong "no"
only sends the file to PyAV; None: the bytes do not tell."""

import pytest

from vivit_hf.processing.random_access import keyframe_check

# -- H.264 ----------------------------------------------------------------------------------------------------------
AVCC = b"\x01\x64\x00\x0a\xff\xe1"  # avcC version 1, High profile; byte 4: lengthSizeMinusOne 3 (4-byte lengths)
IDR = b"\x65\x88"  # nal_unit_type 5; first_mb_in_slice 0 ("1"), slice_type 7 ("0001000")
I_SLICE = b"\x41\x88"  # nal_unit_type 1, slice_type 7: I, the whole picture
AUD = b"\x09\xf0"  # an access unit delimiter (type 9)
RECOVERY = b"\x06\x06\x01\x80\x80"  # SEI (type 6): recovery point (payload 6), 1 byte: recovery_frame_cnt 0; stop bit


def annex_b(*units: bytes, start: bytes = b"\x00\x00\x00\x01") -> bytes:
    return b"".join(start + unit for unit in units)


def length_prefixed(*units: bytes, size: int = 4) -> bytes:
    return b"".join(len(unit).to_bytes(size, "big") + unit for unit in units)


def escaped(bits: str) -> bytes:
    """A bit string, its last byte padded with the RBSP stop bit, with the emulation-prevention bytes a NAL unit's
    payload carries (00 00 03 before 00, 01, 02 or 03)."""
    bits += "1" + "0" * (-(len(bits) + 1) % 8)
    out = bytearray()
    for byte in int(bits, 2).to_bytes(len(bits) // 8, "big"):
        if out[-2:] == b"\x00\x00" and byte <= 3:
            out.append(3)
        out.append(byte)
    return bytes(out)


def h264(units: list[bytes]) -> bool | None:
    """What the check says of `units`, the same in Annex B and length-prefixed after an avcC record."""
    said = keyframe_check("h264", b"", False)(annex_b(*units))
    assert keyframe_check("h264", AVCC, False)(length_prefixed(*units)) is said
    return said


@pytest.mark.parametrize(
    "units, starts",
    [
        ([RECOVERY, b"\x41\xb0"], True),  # slice_type 2 ("011"): this slice I, others of the picture may not be
        ([RECOVERY, b"\x41\x8a"], True),  # slice_type 9 ("0001010"): SI
        ([RECOVERY, b"\x41\x94"], True),  # slice_type 4 ("00101"): SI
        ([RECOVERY, b"\x42\x88"], True),  # nal_unit_type 2: data partition A, which holds the slice header
        ([RECOVERY, b"\x43\x88"], None),  # nal_unit_type 3: partition B, no slice header: nothing tells
        ([RECOVERY, b"\x06\x01\x01\x00\x80", I_SLICE], True),  # a later SEI (pic timing) does not undo a recovery point
        ([b"\x06\x00\x01\x00\x80", I_SLICE], False),  # an SEI with no recovery point (buffering period, 1 byte)
        ([b"\x06\x06\x00\x80", I_SLICE], False),  # a recovery point of 0 bytes: no recovery_frame_cnt to read
        ([b"\x06\x00\x01\x00", I_SLICE], False),  # an SEI that ends without its stop bit
        ([b"\x06\x80\x01\x00\x06\x01\x80\x80", I_SLICE], False),  # after the stop bit (0x80) nothing is a message
        ([b"\x06\xff", I_SLICE], False),  # an SEI cut inside a payload type (ff: 255 and more to come)
        ([b"\x06\x05\xff", I_SLICE], False),  # ... and inside a payload size
        (
            [b"\x06\xff\x01\x03\xaa\xbb\xcc\x06\x01\x80\x80", I_SLICE],
            True,
        ),  # payload type 256 (ff 01), 3 bytes; then one
        ([b"\x06\x06\xff\x01\x80", I_SLICE], True),  # a recovery point of 256 bytes (ff 01): recovery_frame_cnt 0
        ([b"\x06\x06\xff\x01\x40", I_SLICE], False),  # ... recovery_frame_cnt 1 ("010")
        ([b"\x06\x05\x02\xaa\xbb\x06\x01\x80\x80", I_SLICE], True),  # user data (2 bytes), then a recovery point
        ([b"\x06\x05\x03\x00\x00\x03\x02\x06\x01\x80\x80", I_SLICE], True),  # user data 00 00 02, escaped: 00 00 03 02
        ([b"\x06\x06\x0a\x80" + b"\x11" * 9 + b"\x80", I_SLICE], True),  # a 10-byte recovery point (0x0a: no separator)
    ],
)
def test_h264_slice_and_sei_headers_read_field_by_field(units, starts):
    assert h264(units) is starts


@pytest.mark.parametrize("filler, starts", [(58, True), (59, False)])
def test_h264_units_are_read_to_their_64th_byte(filler, starts):
    # an SEI whose recovery point follows `filler` bytes of user data: with 58 its recovery_frame_cnt is the unit's
    # 64th byte, read; with 59 the 65th, not read (a wrong "no" costs only speed)
    sei = b"\x06\x05" + bytes([filler]) + b"\x11" * filler + b"\x06\x01\x80\x80"
    assert h264([sei, I_SLICE]) is starts


@pytest.mark.parametrize(
    "zeros, starts",
    [
        (31, True),  # first_mb_in_slice 2**31 - 1 ue(v) of 31 leading zeros, the longest: then slice_type 7
        (32, None),  # 32 leading zeros: no Exp-Golomb code
    ],
)
def test_h264_exp_golomb_codes_of_up_to_31_leading_zeros_are_read(zeros, starts):
    slice_header = escaped("0" * zeros + "1" + "0" * zeros + "0001000")
    assert h264([RECOVERY, b"\x41" + slice_header]) is starts


@pytest.mark.parametrize(
    "packet, starts",
    [
        (annex_b(*[AUD] * 31, IDR), True),  # 32 units read (the length-prefixed ones: next test)
        (annex_b(*[AUD] * 32, IDR), None),  # not a 33rd: no picture found
        (annex_b(IDR, start=b"\x00\x00\x01"), True),  # a 3-byte start code at the packet's first byte
        (b"\x00\x00\x01\x00\x00\x01" + IDR, True),  # an empty unit between two start codes
        (b"\x00\x00\x01" + IDR + b"\x00\x00\x00", True),  # trailing zeros
        # a slice header cut after its first byte: unreadable, not read on into the next units (which would say I)
        (annex_b(RECOVERY, b"\x41", b"\x00\x00\x00\x00\x20", AUD), None),
        (b"\x65\x88", None),  # no start code
        (b"\x02\x65\x88", None),  # ... though its bytes would read as an IDR unit after a 1-byte length
    ],
)
def test_h264_annex_b_units_are_found(packet, starts):
    assert keyframe_check("h264", b"", False)(packet) is starts


@pytest.mark.parametrize(
    "packet, starts",
    [
        (length_prefixed(*[AUD] * 31, IDR), True),  # 32 units read
        (length_prefixed(*[AUD] * 32, IDR), None),  # not a 33rd
        (annex_b(b"\x67\x64", IDR), True),  # start codes under an avcC record (as some muxers write): read as Annex B
        (length_prefixed(b"\x0b", IDR), True),  # a 1-byte unit (end of stream)
        (length_prefixed(b"", IDR), None),  # a length of 0: not length-prefixed, and no start code
        (b"\x00\x00\x00\x10" + IDR, None),  # a length past the packet's end (a cut packet): likewise
        (b"", None),
    ],
)
def test_h264_length_prefixed_units_are_found_and_lengths_that_do_not_add_up_read_as_start_codes(packet, starts):
    assert keyframe_check("h264", AVCC, False)(packet) is starts


@pytest.mark.parametrize(
    "extradata, layout",
    [
        (b"\x01\x64\x00\x0a\xfc", lambda unit: length_prefixed(unit, size=1)),  # lengthSizeMinusOne 0
        (b"\x01\x64\x00\x0a\xfd", lambda unit: length_prefixed(unit, size=2)),  # 1
        (b"\x01\x64\x00\x0a\xfe", lambda unit: length_prefixed(unit, size=3)),  # 2
        (b"\x01\x64\x00\x0a", annex_b),  # an avcC record too short to give the size: read as Annex B
        (b"\x00\x00\x00\x01\x67\x64\x00\x0a", annex_b),  # a record of start codes (SPS), as Matroska may carry
        (None, annex_b),
    ],
)
def test_h264_length_size_comes_from_the_avcc_record(extradata, layout):
    check = keyframe_check("h264", extradata, False)
    assert check(layout(IDR)) is True
    assert check(layout(b"\x41\x9a")) is False  # a P slice (slice_type 5), no recovery point


# -- HEVC -----------------------------------------------------------------------------------------------------------
def hvcc(version: int) -> bytes:
    """An hvcC record: version, profile byte (Main), ...; byte 21: lengthSizeMinusOne 3; no parameter-set arrays."""
    return bytes(
        [version, 0x01, 0x60, 0, 0, 0, 0x90, 0, 0, 0, 0, 0, 0x5D, 0xF0, 0, 0xFC, 0xFD, 0xF8, 0xF8, 0, 0, 0x0F, 0]
    )


def hevc_unit(kind: int) -> bytes:
    return bytes([kind << 1, 0x01]) + b"\xaf"  # forbidden_zero 0, nal_unit_type, nuh_layer_id 0, temporal_id_plus1 1


@pytest.mark.parametrize(
    "kind, starts",
    [
        (1, False),  # TRAIL_R
        (15, False),  # reserved non-IRAP (RSV_VCL_R15)
        (16, True),  # BLA_W_LP
        (19, True),  # IDR_W_RADL
        (21, True),  # CRA_NUT
        (22, False),  # reserved IRAP (RSV_IRAP_VCL22): FFmpeg skips it, no picture
        (23, False),
        (24, False),  # reserved non-IRAP
    ],
)
def test_hevc_starts_at_bla_idr_and_cra_pictures(kind, starts):
    units = [hevc_unit(32), hevc_unit(39), hevc_unit(kind)]  # a VPS and a prefix SEI come first, skipped
    assert keyframe_check("hevc", b"", False)(annex_b(*units)) is starts
    assert keyframe_check("hevc", hvcc(1), False)(length_prefixed(*units)) is starts
    assert keyframe_check("hevc", b"", False)(b"\x00\x00\x01\x00\x00\x01" + hevc_unit(kind)) is starts  # empty unit


def test_an_hvcc_record_of_version_0_gives_the_length_size_as_ffmpeg_reads_it():
    # A TRAIL_R slice of 288 bytes after a 4-byte length, 00 00 01 20: read as Annex B, that length holds a start
    # code, and the byte after it, 0x20, a BLA picture's NAL header: "yes" of a P-frame (before, for a version-0
    # record; 3 of 14 P-frames of a 64x48 x265 mp4 whose record was made version 0)
    slice_unit = hevc_unit(1) + b"\x11" * 285
    packet = length_prefixed(slice_unit)
    assert packet[:4] == b"\x00\x00\x01\x20"
    for record in (hvcc(1), hvcc(0)):
        assert keyframe_check("hevc", record, False)(packet) is False
        assert keyframe_check("hevc", record, False)(length_prefixed(hevc_unit(19))) is True
    # FFmpeg's rule (ff_hevc_decode_extradata): an hvcC record unless bytes 0-2 are 00 00 00 or 00 00 01
    assert keyframe_check("hevc", b"\x00\x00\x02" + hvcc(0)[3:], False)(packet) is False


@pytest.mark.parametrize("start", [b"\x00\x00\x00\x01", b"\x00\x00\x01"])
def test_an_hevc_record_of_start_codes_is_annex_b(start):
    # parameter sets in Annex B, as Matroska may carry them; byte 21 would say 4-byte lengths
    record = start + bytes([0x40, 0x01]) + b"\x0f" * 24
    check = keyframe_check("hevc", record, False)
    assert check(annex_b(hevc_unit(19))) is True
    # bytes that read as one TRAIL_R unit after a 4-byte length, but have no start code: Annex B finds nothing
    assert check(length_prefixed(hevc_unit(1))) is None


# -- MPEG-1/2 and MPEG-4 part 2 ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("codec", ["mpeg1video", "mpeg2video"])
def test_mpeg12_starts_at_an_i_picture(codec):
    check = keyframe_check(codec, None, False)
    # picture start code; temporal_reference (10 bits) 0, picture_coding_type (3 bits): 1 I, 2 P
    assert check(b"\x00\x00\x01\xb3\x14" + b"\x00\x00\x01\x00\x00\x08") is True
    assert check(b"\x00\x00\x01\x00\x00\x10") is False
    assert check(b"\x00\x00\x01\x00\x00") is None  # cut inside the header


@pytest.mark.parametrize(
    "packet, starts",
    [
        (b"\x00\x00\x01\xb6\x10\x00" + b"\x00\x00\x01\xb6\x50\x00", True),  # vop_coding_type 0 (I), then a P-VOP
        (b"\x00\x00\x01\xb6\x50\x00" + b"\x00\x00\x01\xb6\x10\x00", False),  # packed: a P-VOP first (I second)
        (b"\x10\x00\x00\x01\xb5\x00", None),  # no VOP start code
        (b"\x00\x00\x01\xb6\x10", None),  # cut after the VOP's first byte
    ],
)
def test_mpeg4_starts_at_an_i_vop_first_in_its_packet(packet, starts):
    assert keyframe_check("mpeg4", None, False)(packet) is starts


# -- VP8, VP9, intra-only codecs ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "first_byte, starts",
    [
        (0b10_0_0_0_0_00, True),  # frame_marker 2, profile 0, show_existing_frame 0, frame_type 0 (KEY_FRAME)
        (0b10_0_0_0_1_00, False),  # frame_type 1
        (0b10_0_0_1_000, False),  # show_existing_frame: a frame decoded before, shown again
        (0b10_1_1_0_0_0_0, True),  # profile 3 (low bit 1, high bit 1): a reserved zero bit, then the same
        (0b10_1_1_0_0_1_0, False),  # profile 3, frame_type 1
        (0b01_0_0_0_0_00, None),  # no frame marker
    ],
)
def test_vp9_starts_at_a_key_frame(first_byte, starts):
    assert keyframe_check("vp9", None, False)(bytes([first_byte, 0x49, 0x83, 0x42])) is starts


def test_vp8_and_intra_only_codecs():
    assert keyframe_check("vp8", None, False)(b"\x50\x02\x00\x9d\x01\x2a") is True  # frame tag bit 0: 0, key frame
    assert keyframe_check("vp8", None, False)(b"\x51\x02\x00") is False
    assert keyframe_check("vp8", None, False)(b"") is None
    assert keyframe_check("mjpeg", None, True)(b"\xff\xd8\xff") is True  # every picture intra
    assert keyframe_check("h263", None, False) is None  # a bitstream not read here


# -- AV1 ------------------------------------------------------------------------------------------------------------
TD = b"\x12\x00"  # a temporal delimiter OBU (type 2, has_size, 0 bytes)


def obu(kind: int, payload: bytes, sized: bool = True, extension: bytes = b"") -> bytes:
    header = bytes([kind << 3 | bool(extension) << 2 | sized << 1]) + extension
    return header + (bytes([len(payload)]) if sized else b"") + payload


def sequence_header(first_byte: int) -> bytes:  # seq_profile (3 bits), still_picture, reduced_still_picture_header
    return obu(1, bytes([first_byte, 0x00]))


STILL, STILL_NOT_REDUCED, NOT_STILL = 0b000_1_1_000, 0b000_1_0_000, 0
SHOWN_KEY, INTER, EXISTING = 0b0_00_1_0000, 0b0_01_1_0000, 0b1_0000000  # show_existing, frame_type, show_frame
AV1C = b"\x81\x00\x0c\x00"  # av1C: marker 1, version 1; seq_profile 0, level 0; 4:2:0; then its config OBUs


@pytest.mark.parametrize(
    "extradata, first_byte, starts",
    [
        (AV1C + sequence_header(STILL), EXISTING, True),  # reduced still picture: every frame a key frame
        (AV1C + sequence_header(STILL_NOT_REDUCED), EXISTING, False),  # a still picture with full frame headers
        (AV1C + sequence_header(NOT_STILL), SHOWN_KEY, True),
        (AV1C + obu(5, b"\x00\x00") + sequence_header(STILL), EXISTING, True),  # metadata first
        (AV1C + obu(5, b""), INTER, False),  # metadata alone: no sequence header
        (AV1C + b"\x0a", INTER, False),  # a sequence header cut before its size
        (AV1C, SHOWN_KEY, True),
        (sequence_header(STILL), EXISTING, True),  # raw OBUs (IVF, OBU, MPEG-TS: no av1C record)
        (b"\x0b" + sequence_header(STILL)[1:], EXISTING, True),  # its OBU header's reserved bit set: still no av1C
        # raw OBUs whose bytes from the 5th on read as a still sequence header (a scalable stream's
        # operating_point_idc 0x10a): not an av1C record, so not skipped to (before: every packet "yes")
        (obu(1, b"\x00\x01\x0a\x01\x18\x00"), INTER, False),
    ],
    ids=[
        "still",
        "still-not-reduced",
        "not-still",
        "metadata-first",
        "metadata-alone",
        "cut",
        "no-obus",
        "raw-obus",
        "raw-obus-reserved-bit",
        "raw-obus-not-av1c",
    ],
)
def test_av1_reads_the_sequence_header_of_its_av1c_record_or_raw_obus(extradata, first_byte, starts):
    assert keyframe_check("av1", extradata, False)(TD + obu(6, bytes([first_byte, 0x00]))) is starts


@pytest.mark.parametrize(
    "packet, starts",
    [
        (TD + sequence_header(STILL) + obu(6, bytes([EXISTING])), True),  # the packet's own sequence header
        (TD + sequence_header(NOT_STILL) + obu(6, bytes([INTER])), False),
        (TD + sequence_header(STILL_NOT_REDUCED) + obu(6, bytes([INTER])), False),
        (TD + obu(5, bytes([SHOWN_KEY])) + obu(6, bytes([INTER])), False),  # metadata first: not a frame header
        (TD + obu(3, bytes([SHOWN_KEY])), True),  # a frame header OBU
        (TD + obu(6, bytes([SHOWN_KEY]), extension=b"\x00"), True),  # with an extension byte (layer ids)
        (TD + obu(6, bytes([SHOWN_KEY]), sized=False), True),  # without its size: runs to the packet's end
        (TD + obu(6, bytes([INTER]), sized=False), False),
        (b"\x2a\x80\x01" + b"\x00" * 128 + obu(6, bytes([SHOWN_KEY])), True),  # metadata of 128 bytes (leb128 80 01)
        # a leb128 size is 8 bytes at most: 0x81 80 .. 80 is 1, and the 10th byte the payload
        (b"\x32\x81" + b"\x80" * 7 + bytes([SHOWN_KEY]), True),
        (TD + b"\x32", None),  # cut before a size
        (TD, None),
    ],
)
def test_av1_obus_are_walked_by_their_headers_and_sizes(packet, starts):
    assert keyframe_check("av1", None, False)(packet) is starts


def test_av1_a_packets_own_sequence_header_overrides_its_records():
    inter = TD + sequence_header(NOT_STILL) + obu(6, bytes([INTER]))
    assert keyframe_check("av1", AV1C + sequence_header(STILL), False)(inter) is False
    existing = TD + sequence_header(STILL) + obu(6, bytes([EXISTING]))
    assert keyframe_check("av1", AV1C + sequence_header(NOT_STILL), False)(existing) is True
