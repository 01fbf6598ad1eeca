# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The PyAV reader's header and timing arithmetic (`bitstream_clocks.py`, `container_clocks.py`, `cut_files.py`,
`frame_display.py`; in `video_pyav.py` when measured) against hand-worked values (kills the surviving mutants of
`_h263_reference`, `picture_reference`, `picture_clock_rate`, `flv_unfolded`, `_flv_stated_end`, `rate_of_span`,
`rate_of_rounded_stamps`, `display_orientation` and `_matrix_angle`; docs/testing.md, "mutmut"): H.263 / H.261
picture headers written bit by bit as the ITU recommendations lay them out, FLV files built byte by byte, and the
rates those stamps and references come from, worked out by hand. The files the readers meet are in
`test_video_containers.py` (raw H.263 / H.261 from PyAV's encoders, FLV clocks) and `test_video_display_matrix.py`."""

import io
import math
import struct
from fractions import Fraction
from types import SimpleNamespace

import numpy as np
import pytest
from av.sidedata.sidedata import Type
from PIL import Image

from vivit_hf.processing.bitstream_clocks import (
    _h263_reference,
    h264_fixed_frame_rate,
    picture_clock_rate,
    picture_reference,
)
from vivit_hf.processing.container_clocks import (
    flv_unfolded,
    gxf_last_frame_placed,
    rate_of_rounded_stamps,
    rate_of_span,
)
from vivit_hf.processing.cut_files import _flv_stated_end
from vivit_hf.processing.frame_display import display_orientation, exif_orientation

NTSC = Fraction(30000, 1001)  # the picture clock of H.261 and H.263 (Hz)


def packed(*fields: tuple[int, int], size: int | None = None) -> bytes:
    """`(value, bits)` fields one after another, most significant bit first, padded with zero bits to whole bytes
    (to `size` bytes where given)."""
    value, width = 0, 0
    for field, bits in fields:
        assert 0 <= field < 1 << bits
        value, width = value << bits | field, width + bits
    whole = -(-width // 8)
    return (value << (8 * whole - width)).to_bytes(whole, "big").ljust(size or whole, b"\0")


PSC = (0x20, 22)  # H.263's picture start code: 16 zeros, a one, 5 zeros


def h263_plus(
    tr: int,
    ufep: int,
    source_format: int = 2,
    custom_pcf: int = 0,
    cpm: int = 0,
    par: int | None = None,
    cpcfc: tuple[int, int] | None = None,
    etr: int | None = None,
    size: int | None = None,
) -> bytes:
    """An H.263+ picture header (PTYPE's format 7: PLUSPTYPE follows): UFEP, OPPTYPE (where UFEP is 1: the source
    format in 3 bits, then the custom-clock flag, then 14 more bits), MPPTYPE (9), CPM and PSBI, CPFMT (a custom
    format's 4-bit aspect ratio code, 19 more bits) and EPAR (16, for code 15), CPCFC (a 1-bit code and a 7-bit
    divisor), ETR (2)."""
    fields = [PSC, (tr, 8), (0b10000111, 8), (ufep, 3)]
    if ufep == 1:
        fields.append((source_format << 15 | custom_pcf << 14 | 0x123, 18))
    fields += [(0b000000001, 9), (cpm, 1)]
    if cpm:
        fields.append((0b11, 2))
    if par is not None:
        fields.append((par << 19 | 0x2ABCD, 23))
        if par == 15:
            fields.append((0xFFFF, 16))
    if cpcfc is not None:
        fields += [(cpcfc[0], 1), (cpcfc[1], 7)]
    if etr is not None:
        fields.append((etr, 2))
    return packed(*fields, size=size)


@pytest.mark.parametrize("size", [None, 5, 16, 20])
def test_a_baseline_h263_header_gives_its_8_bit_reference_on_the_standard_clock(size):
    # PTYPE 1 0 0 0 0 010: QCIF, baseline; 38 bits in 5 bytes, and the same header where more of the picture follows
    # (only the first 16 bytes are read)
    data = packed(PSC, (37, 8), (0b10000010, 8), size=size)
    assert _h263_reference(data, None) == (37, 256, NTSC)
    assert _h263_reference(data, Fraction(1800000, 127127)) == (37, 256, NTSC)
    assert picture_reference(data, "h263", None) == (37, 256, NTSC)
    # the custom clock in force is handed on: a picture that keeps it reads its 10-bit reference on it
    clock = Fraction(1800000, 1001 * 127)
    assert picture_reference(h263_plus(5, ufep=0, etr=2), "h263", clock) == (517, 1024, clock)


def test_what_is_no_h263_header_gives_none():
    assert _h263_reference(packed(PSC, (37, 8))[:4], None) is None  # under 5 bytes
    assert _h263_reference(packed((0x21, 22), (37, 8), (0b10000010, 8)), None) is None  # another start code
    assert _h263_reference(packed((0x10, 22), (37, 8), (0b10000010, 8)), None) is None
    assert _h263_reference(packed(PSC, (37, 8), (0b11000010, 8)), None) is None  # PTYPE must start 1 0
    assert _h263_reference(packed(PSC, (37, 8), (0b00000010, 8)), None) is None
    assert _h263_reference(h263_plus(37, ufep=2, etr=1), NTSC) is None  # UFEP is 0 or 1
    assert _h263_reference(h263_plus(37, ufep=7, etr=1), NTSC) is None


def test_an_h263_plus_header_with_a_custom_clock_gives_its_10_bit_reference_on_that_clock():
    # CPCFC code 1, divisor 127: 1 800 000 / (1001 * 127) Hz, the clock nearest 12 fps; ETR 2 above TR 5: 2 * 256 + 5
    clock = Fraction(1800000, 1001 * 127)
    data = h263_plus(5, ufep=1, custom_pcf=1, cpcfc=(1, 127), etr=2)
    assert _h263_reference(data, None) == (517, 1024, clock)
    # code 0, divisor 60: 1 800 000 / 60 000 = 30 Hz
    assert _h263_reference(h263_plus(5, ufep=1, custom_pcf=1, cpcfc=(0, 60), etr=3), None) == (773, 1024, 30)
    # CPM set: 2 bits of PSBI come before the rest
    assert _h263_reference(h263_plus(5, ufep=1, custom_pcf=1, cpm=1, cpcfc=(1, 127), etr=2), None) == (517, 1024, clock)
    # a custom format (6): its CPFMT, then EPAR where its aspect ratio code is 15 ("extended"), then CPCFC
    for par in (2, 15):
        data = h263_plus(5, ufep=1, source_format=6, custom_pcf=1, par=par, cpcfc=(1, 127), etr=1)
        assert _h263_reference(data, None) == (261, 1024, clock)
    # a divisor of 0 says no clock
    assert _h263_reference(h263_plus(5, ufep=1, custom_pcf=1, cpcfc=(1, 0), etr=2), None) is None


def test_an_h263_plus_header_that_ends_on_its_last_byte_is_read_and_one_bit_short_is_not():
    # UFEP 1, custom format with EPAR, CPM, custom clock: 22+8+8+3+18+9+1+2+23+16+8+2 = 120 bits, 15 bytes exactly
    data = h263_plus(9, ufep=1, source_format=6, custom_pcf=1, cpm=1, par=15, cpcfc=(0, 30), etr=1)
    assert len(data) == 15
    assert _h263_reference(data, None) == (265, 1024, 60)
    with pytest.raises(EOFError):
        _h263_reference(data[:14], None)
    assert picture_reference(data[:14], "h263", None) is None  # a picture cut inside its header


def test_an_h263_plus_header_that_keeps_the_clock_reads_the_clock_in_force():
    # UFEP 0: no OPPTYPE, the clock of the last picture that said one; ETR follows CPM where that clock is custom
    clock = Fraction(1800000, 1001 * 127)
    assert _h263_reference(h263_plus(5, ufep=0, etr=2), clock) == (517, 1024, clock)
    assert _h263_reference(h263_plus(5, ufep=0, cpm=1, etr=3), clock) == (773, 1024, clock)
    assert _h263_reference(h263_plus(5, ufep=0, etr=2), NTSC) == (5, 256, NTSC)
    assert _h263_reference(h263_plus(5, ufep=0, etr=2), None) == (5, 256, NTSC)
    # UFEP 1 without the custom-clock flag: back on the standard clock, whatever was in force
    assert _h263_reference(h263_plus(5, ufep=1, etr=2), clock) == (5, 256, NTSC)


def h261(tr: int, shift: int = 0, size: int | None = None) -> bytes:
    """An H.261 picture header `shift` bits into the data: its 20-bit start code 0000 0000 0000 0001 0000, then TR (5
    bits), then PTYPE (6)."""
    return packed((0, shift), (0x10, 20), (tr, 5), (0b000100, 6), size=size)


@pytest.mark.parametrize("shift", range(8))
@pytest.mark.parametrize("size", [None, 8, 12])
def test_an_h261_header_is_found_at_any_of_the_first_8_bits(shift, size):
    assert picture_reference(h261(21, shift, size), "h261", None) == (21, 32, NTSC)
    assert picture_reference(h261(31, shift, size), "h261", Fraction(30)) == (31, 32, NTSC)


def test_an_h261_picture_cut_inside_its_reference_gives_none():
    # 3 bytes of a header 7 bits in: the start code ends at bit 27, TR would be bits 27-31. The missing bits read as
    # zeros gave TR 0 (and at bit 0, TR's last bit 0): a reference the stream never said
    assert picture_reference(h261(21, 7)[:3], "h261", None) is None
    assert picture_reference(h261(21, 0)[:3], "h261", None) is None
    assert picture_reference(h261(21, 7)[:4], "h261", None) == (21, 32, NTSC)  # 32 bits: all of it
    assert picture_reference(h261(21, 0)[:4], "h261", None) == (21, 32, NTSC)


def test_what_is_no_h261_header_gives_none():
    assert picture_reference(h261(21, 8), "h261", None) is None  # a whole byte before it: no picture start
    assert picture_reference(packed((0x11, 20), (21, 5)), "h261", None) is None
    assert picture_reference(b"", "h261", None) is None


def on_clock(*references: int, wrap: int = 256, clock=NTSC) -> list:
    """Picture headers as `picture_reference` gives them: (TR, the count it wraps at, the clock)."""
    return [(tr % wrap, wrap, clock) for tr in references]


def test_references_that_say_no_rate_give_none():
    assert picture_clock_rate([]) is None
    assert picture_clock_rate(on_clock(3)) is None  # one picture
    assert picture_clock_rate([*on_clock(0, 2), None, *on_clock(6)]) is None  # a header missing
    assert picture_clock_rate([*on_clock(0, 2), (4, 1024, Fraction(30))]) is None  # the clock changes
    assert picture_clock_rate(on_clock(5, 5, 5)) is None  # no time passes


def test_references_a_whole_number_of_ticks_apart_give_the_clock_over_that_step():
    assert picture_clock_rate(on_clock(0, 2)) == pytest.approx(15000 / 1001, abs=1e-12)  # two pictures tell
    assert picture_clock_rate(on_clock(0, 2, 4)) == pytest.approx(15000 / 1001, abs=1e-12)
    assert picture_clock_rate(on_clock(254, 256, 258)) == pytest.approx(15000 / 1001, abs=1e-12)  # 255 -> 0 wraps
    assert picture_clock_rate(on_clock(30, 32, 34, wrap=32)) == pytest.approx(15000 / 1001, abs=1e-12)  # H.261's 5 bits
    assert picture_clock_rate(on_clock(1020, 1023, 1026, wrap=1024, clock=Fraction(60))) == 20.0


@pytest.mark.parametrize(
    ("references", "rate"),
    [
        # 25 fps stamped at the tick before each picture's time: i / 25 s at 30000/1001 Hz is tick floor(1.1988 i).
        # Picture 5 says above 5c / 6 = 24.975, picture 6 (tick 7) at most 6c / 7 = 25.69: 25 is the common rate there
        ((0, 1, 2, 3, 4, 5, 7), 25),
        # picture 3 (tick 3) says above 3c / 4 = 22.48, picture 4 (tick 5) at most 4c / 5 = 24000/1001, which is in
        ((0, 1, 2, 3, 5), Fraction(24000, 1001)),
        # ticks 0, 0, 1: above c, at most 2c, where 48, 50 and 60000/1001 lie; 48 the nearest the middle, 1.5c = 44.96
        ((0, 0, 1), 48),
        # 12000/1001 fps steps 2, 3, 2, 3 (c / 2.5 a picture): 20 pictures say above 19c / 48 = 11.863, picture 2 at
        # most 2c / 5 = 12000/1001: no common rate or whole number there; 12000/1001 is 12 scaled by 1000/1001
        (tuple(int(2.5 * i) for i in range(20)), Fraction(12000, 1001)),
        # 100 fps, each picture at the nearest tick: 0, 0, 1, 1, 1 fit no rate at the tick before (picture 4 says at
        # least 2c, picture 2 at most 2c); the nearest: (4c / 1.5, 4c] = (79.92, 119.88], no common rate, 100 the whole
        # number nearest the middle (picture 1's tick 0 bounds no rate from above)
        ((0, 0, 1, 1, 1), 100),
        # ticks 0, 2, 3 fit no rate at the tick before (picture 1 says at most c / 2, picture 2 above it); the nearest
        # tick: (2c / 3.5, c / 1.5] = (17.13, 19.98]: no common rate, 18 and 19 whole; 19 is the nearest the middle
        ((0, 2, 3), 19),
        # 1 fps (a time-lapse): ticks floor(29.97 i) = 0, 29, 59, 89, 119 say above 1000/1001 and at most 4c / 119
        # = 1.0074: 1 is the one whole number there
        ((0, 29, 59, 89, 119), 1),
        # ticks 0, 1, 10 fit no rate either way: the pictures over their span, 2c / 10
        ((0, 1, 10), Fraction(6000, 1001)),
    ],
)
def test_references_that_step_unevenly_give_the_rate_their_ticks_come_from(references, rate):
    assert picture_clock_rate(on_clock(*references)) == pytest.approx(float(rate), abs=1e-12)


def test_references_just_above_a_common_rate_are_not_that_rate():
    # pictures 1 to 501 at ticks 2j - 1 say above 15000/1001 (picture 1 at tick 1: c / 2, excluded) and at most
    # 501c / 1001 = 14.99998: no common rate, whole number or NTSC rate there; the span's own rate
    references = on_clock(0, *(2 * j - 1 for j in range(1, 502)), wrap=1024)
    assert picture_clock_rate(references) == pytest.approx(501 * 30000 / 1001 / 1001, abs=1e-12)


def h264_sps(vui: str, profile: int = 66) -> bytes:
    """An Annex B H.264 sequence parameter set (a 64x48 baseline stream's fields) ending in the VUI bits `vui`, with
    the emulation-prevention bytes a muxer writes (00 00 0x -> 00 00 03 0x)."""
    fields = "1" + "1" + "011" + "010" + "0" + "00100" + "011" + "1" + "1" + "0"  # sps id .. frame_cropping_flag
    bits = fields + vui + "1"  # (the RBSP stop bit)
    bits += "0" * (-len(bits) % 8)
    payload, escaped = int(bits, 2).to_bytes(len(bits) // 8, "big"), bytearray()
    for byte in payload:
        if escaped[-2:] == b"\0\0" and byte <= 3:
            escaped.append(3)
        escaped.append(byte)
    return b"\0\0\0\1\x67" + bytes([profile, 0, 30]) + bytes(escaped)


def test_an_h264_fixed_frame_rate_flag_is_read_from_its_sps_vui_timing():
    # a VUI of no aspect, overscan, signal type or chroma location info, then timing: 1 / 2000 ticks (1000 fps)
    timing = "0000" + "1" + f"{1:032b}" + f"{2000:032b}"
    assert h264_fixed_frame_rate(h264_sps("1" + timing + "1")) is True
    assert h264_fixed_frame_rate(h264_sps("1" + timing + "0")) is False
    with_aspect = "1" + "1" + f"{255:08b}" + f"{4:016b}" + f"{3:016b}" + timing[1:] + "1"  # an extended SAR first
    assert h264_fixed_frame_rate(h264_sps(with_aspect)) is True
    assert h264_fixed_frame_rate(b"\0\0\1\x68\xce" + h264_sps("1" + timing + "1")) is True  # after a PPS
    for none in (
        h264_sps("0"),  # no VUI
        h264_sps("1" + "00000"),  # no timing
        h264_sps("1" + timing + "1")[:-6],  # cut inside the timing
        b"\0\0\1\x68\xce",  # no SPS
    ):
        assert h264_fixed_frame_rate(none) is None


def test_a_gxf_last_frame_a_field_early_is_placed_a_frame_after_the_one_before():
    # field-numbered stamps, B-frames out of order: the last (17) a field after 16, the rest 2 apart
    stamps = np.array([2, 8, 4, 6, 14, 10, 12, 16, 17])
    assert gxf_last_frame_placed(stamps).tolist() == [2, 8, 4, 6, 14, 10, 12, 16, 18]
    for same in (
        np.array([2, 4, 6, 8]),  # every frame a frame apart
        np.array([2, 4, 6, 7, 8]),  # a step of a field before the last
        np.array([2, 4, 7, 8]),  # steps of 2 and 3 before a field
        np.array([2, 3]),  # too few to tell a frame's step
    ):
        assert gxf_last_frame_placed(same).tolist() == same.tolist()


def test_flv_stamps_of_negative_times_masked_to_31_bits_are_unfolded_below_zero():
    fold, wrap = 1 << 31, 1 << 32
    stamps = np.array([fold - 200, fold - 160, wrap, wrap + 40])  # -200, -160 ms masked; 0, 40 as FFmpeg reads them
    assert flv_unfolded(stamps).tolist() == [-200, -160, 0, 40]
    # the farthest a masked stamp may lie from 2^31 is 2^24 ms (4.7 hours before the start)
    near = np.array([fold - (1 << 24), fold + (1 << 24), wrap + 40])
    assert flv_unfolded(near).tolist() == [-(1 << 24), 1 << 24, 40]
    for same in (
        np.array([0, 40, 80]),  # nothing past 2^32
        np.array([wrap, wrap + 40]),  # nothing below it
        np.array([fold - (1 << 24) - 1, wrap + 40]),  # a stamp farther from 2^31
        np.array([wrap - 80, wrap - 40, wrap, wrap + 40]),  # a clock that truly passed 2^32 ms
    ):
        assert flv_unfolded(same) is same


def test_a_span_within_a_tick_of_a_stated_rate_is_that_rate_else_the_spans_own():
    # 29 intervals of 30000/1001 fps over 0.968 s (milliseconds): 0.9676 s, within a tick of it
    assert rate_of_span(29, 0.968, 0.001, (None, 0, -30, Fraction(30000, 1001))) == 30000 / 1001
    assert rate_of_span(1, 0.041, 0.001, (25,)) == 25.0  # a tick off: still that rate
    assert rate_of_span(1, 0.0415, 0.001, (25,)) == 1 / 0.0415  # a tick and a half off: the span's own
    assert rate_of_span(1, 0.0405, 0.001, (24, 25, 25.1)) == 25.0  # the first that agrees
    assert rate_of_span(1, 2.0005, 0.001, (0.5,)) == 0.5  # a rate under 1 fps
    assert rate_of_span(3, 0.2, 0.001, ()) == 15.0


def test_stamps_rounded_to_milliseconds_give_the_stated_rate_they_were_rounded_from():
    # 30000/1001 fps in whole milliseconds (0, 33, 67, 100, 133, 167, 200, 234, 267, 300) in MP4's 1/16000 s: each
    # within half a millisecond (8 ticks) of i * 1001/30 ms; 30 fps misses frame 7 (233.3 ms) by 0.67 ms
    ticks = 16 * np.array([0, 33, 67, 100, 133, 167, 200, 234, 267, 300])
    assert rate_of_rounded_stamps(ticks, (30, None, Fraction(30000, 1001)), 1 / 16000) == 30000 / 1001
    assert rate_of_rounded_stamps(ticks[::-1] + 4800, (0, -1, Fraction(30000, 1001)), 1 / 16000) == 30000 / 1001
    assert rate_of_rounded_stamps(ticks, (30,), 1 / 16000) is None
    # a step of 16 ticks, the smallest interval 64: exactly 4 steps to a frame; each frame within 8 ticks of 1/72
    assert rate_of_rounded_stamps(np.array([0, 64, 144]), (Fraction(1, 72),), 1.0) == 1 / 72
    assert rate_of_rounded_stamps(np.array([0, 64, 145]), (Fraction(1, 72),), 1.0) is None  # a step of 1
    assert rate_of_rounded_stamps(np.array([0, 48, 96, 160]), (Fraction(1, 50),), 1.0) is None  # 3 steps a frame
    assert rate_of_rounded_stamps(np.array([0, 64, 128]), (Fraction(1, 64),), 1.0) is None  # one interval: exact
    assert rate_of_rounded_stamps(np.array([0, 64, 64, 144]), (Fraction(1, 48),), 1.0) is None  # two at once
    assert rate_of_rounded_stamps(np.array([0.0, 64.0, 144.0]), (Fraction(1, 72),), 1.0) is None  # not ticks


def flv_tag(kind: int, data: bytes) -> bytes:
    """An FLV tag (type, 3-byte data size, 4-byte timestamp, 3-byte stream id, the data), then its size."""
    return bytes([kind]) + len(data).to_bytes(3, "big") + bytes(7) + data + (11 + len(data)).to_bytes(4, "big")


def on_metadata(seconds: float, key: bytes = b"duration") -> bytes:
    """An AMF0 onMetaData script: the name, then an ECMA array of width and `key` (a number: marker 0, a double)."""
    entries = b"\x00\x05width\x00" + struct.pack(">d", 64.0) + b"\x00" + bytes([len(key)]) + key + b"\x00"
    return b"\x02\x00\x0aonMetaData\x08\x00\x00\x00\x02" + entries + struct.pack(">d", seconds) + b"\x00\x00\x09"


def flv(*tags: bytes, offset: int = 9) -> bytes:
    """An FLV file: the 9-byte header (its data offset `offset`, padded to it), a previous-tag size of 0, the tags."""
    return b"FLV\x01\x01" + offset.to_bytes(4, "big") + bytes(offset - 9) + bytes(4) + b"".join(tags)


def stated_end(data: bytes) -> float | None:
    return _flv_stated_end(io.BytesIO(data), len(data))


def test_a_cut_flv_states_its_duration_in_its_metadata_and_a_whole_one_is_not_trusted():
    whole = flv(flv_tag(18, on_metadata(2.5)), flv_tag(9, b"\x17\x01" + bytes(30)), flv_tag(9, bytes(20)))
    assert stated_end(whole) is None
    for cut in (1, 4, 5, 20, 34, 36):
        assert stated_end(whole[:-cut]) == 2.5
    assert stated_end(whole[:-35]) is None  # cut after a whole tag: as whole
    # a last tag of no data, whole; and the same with its size off by one (no whole tag ends the file)
    empty_last = flv(flv_tag(18, on_metadata(2.5)), flv_tag(9, b""))
    assert stated_end(empty_last) is None
    assert stated_end(empty_last[:-1] + bytes([12])) == 2.5
    assert stated_end(flv(flv_tag(18, on_metadata(2.5))) + b"\x00") == 2.5
    # a longer header (its data offset 13); the script tag's type with FLV's filter bit (0x20) set
    assert stated_end(flv(flv_tag(18, on_metadata(1.25)), offset=13)[:-2]) == 1.25
    assert stated_end(flv(flv_tag(18 | 0x20, on_metadata(1.25)))[:-2]) == 1.25
    assert stated_end(flv(flv_tag(18, on_metadata(0.5)))[:-2]) == 0.5  # under a second
    # the duration is read from the script tag alone: the same bytes in a video tag after it are picture data
    elsewhere = b"\x00\x08duration\x00" + struct.pack(">d", 7.0)
    assert stated_end(flv(flv_tag(18, on_metadata(2.5, key=b"length")), flv_tag(9, elsewhere))[:-2]) is None


@pytest.mark.parametrize(
    "data",
    [
        flv(flv_tag(9, bytes(30)), flv_tag(18, on_metadata(2.5)))[:-3],  # the first tag is no script
        flv(flv_tag(18, on_metadata(2.5, key=b"durations")))[:-3],  # no duration key
        flv(flv_tag(18, on_metadata(0.0)))[:-3],
        flv(flv_tag(18, on_metadata(-1.0)))[:-3],
        flv(flv_tag(18, on_metadata(math.inf)))[:-3],
        flv(flv_tag(18, on_metadata(math.nan)))[:-3],
        flv(flv_tag(18, on_metadata(2.5)))[:-20],  # the duration's double cut short
        b"FLX" + flv(flv_tag(18, on_metadata(2.5)))[3:-3],  # no FLV header
        b"FLV\x01\x01\x00\x00",  # the header cut short
        flv()[:13],
    ],
)
def test_a_cut_flv_without_a_stated_duration_gives_none(data):
    assert stated_end(data) is None


def with_matrix(a: int, b: int, c: int, d: int):
    """A stand-in frame whose display matrix (3 x 3, 16.16 fixed point, row-major) has first rows `a, b` and `c, d`."""
    matrix = np.array([a, b, 0, c, d, 0, 0, 0, 1 << 30], dtype=np.int32).tobytes()
    return SimpleNamespace(side_data={Type.DISPLAYMATRIX: matrix})


ONE = 1 << 16
COS30, SIN30 = round(math.cos(math.pi / 6) * ONE), ONE // 2  # 56756 and 32768: 29.9996 degrees


@pytest.mark.parametrize(
    ("matrix", "orientation"),
    [
        # FFmpeg's av_display_rotation_set(angle): cos, -sin / sin, cos; the angle is counter-clockwise
        ((ONE, 0, 0, ONE), (0, False)),
        ((0, -ONE, ONE, 0), (90, False)),
        ((-ONE, 0, 0, -ONE), (180, False)),
        ((0, ONE, -ONE, 0), (270, False)),
        ((COS30, -SIN30, SIN30, COS30), (30, False)),  # rounded, where PyAV's angle reads 29
        ((COS30, SIN30, -SIN30, COS30), (330, False)),
        ((2 * ONE, 0, 0, 3 * ONE), (0, False)),  # scaled, not turned
        # mirrored (x negated): FFmpeg's angle, 180, is the mirror read as a turn
        ((-ONE, 0, 0, ONE), (0, True)),
        ((ONE, 0, 0, -ONE), (180, True)),  # upside down: mirrored and turned 180 (EXIF 4)
        ((0, ONE, ONE, 0), (270, True)),  # transposed (EXIF 5)
        ((0, -ONE, -ONE, 0), (90, True)),  # transversed (EXIF 7)
        ((ONE, ONE, ONE, ONE), (0, False)),  # flattens the picture: no angle, left as stored
    ],
)
def test_a_display_matrix_gives_the_turn_and_the_mirror_it_was_written_with(matrix, orientation):
    assert display_orientation(with_matrix(*matrix)) == orientation


def test_no_display_matrix_is_no_turn():
    assert display_orientation(SimpleNamespace(side_data={})) == (0, False)


class UnlistedSideData:
    """A frame whose side data PyAV cannot list (a type its enum lacks: FFmpeg 8's EXIF block), with FFmpeg's angle."""

    def __init__(self, rotation):
        if rotation is not None:
            self.rotation = rotation

    @property
    def side_data(self):
        raise ValueError("31 is not a valid Type")


def jpeg(orientation: int | None) -> bytes:
    exif = Image.Exif()
    if orientation is not None:
        exif[0x0112] = orientation
    out = io.BytesIO()
    Image.new("RGB", (16, 8)).save(out, format="JPEG", exif=exif)
    return out.getvalue()


@pytest.mark.parametrize(
    ("rotation", "tag", "orientation"),
    [
        (None, None, (0, False)),
        (0, None, (0, False)),
        (90.4, None, (90, False)),
        (-90, None, (270, False)),
        (-(2**31), None, (0, False)),  # FFmpeg's NaN angle
        (450, None, (90, False)),
        # FFmpeg's angle for the tag's matrix: the tag says which mirror it was
        (180, 2, (0, True)),
        (0, 4, (180, True)),
        (270, 5, (270, True)),
        (90, 7, (90, True)),
        (-90, 6, (270, False)),
        (90, 2, (90, False)),  # an angle the tag does not give: the angle
        (0, 3, (0, False)),
    ],
)
def test_side_data_pyav_cannot_list_is_read_by_ffmpegs_angle_and_the_pictures_exif(rotation, tag, orientation):
    picture = None if tag is None else jpeg(tag)
    assert display_orientation(UnlistedSideData(rotation), picture) == orientation


def test_the_exif_orientation_of_a_picture_and_of_what_is_none():
    assert [exif_orientation(jpeg(tag)) for tag in range(1, 9)] == [
        (0, False),
        (0, True),
        (180, False),
        (180, True),
        (270, True),
        (270, False),
        (90, True),
        (90, False),
    ]
    assert exif_orientation(jpeg(None)) is None
    assert exif_orientation(jpeg(9)) is None
    assert exif_orientation(None) is None
    assert exif_orientation(b"") is None
    assert exif_orientation(b"\x00\x00\x00\x01\x67") is None  # an H.264 packet
