# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""A field-coded H.264 stream (PAFF, as broadcast encoders code interlaced video: each picture a field, one access
unit a field), written by hand: no encoder PyAV ships codes one (x264 codes MBAFF only). Every macroblock is I_PCM
(its samples as they are), so each frame decodes to exactly its YUV 4:2:0 samples; Main profile, CAVLC.

`paff_fields(frames)`: the access units (Annex B), one per field, top field first, with whether each starts an IDR
picture. Syntax from H.264 7.3 (sequence / picture parameter sets, slice header, macroblock layer)."""

from __future__ import annotations

import av
import numpy as np


class _Bits:
    """MSB-first bits; whole bytes once aligned (a macroblock's PCM samples)."""

    def __init__(self):
        self.data, self.pending, self.count = bytearray(), 0, 0

    def u(self, width: int, value: int) -> None:
        for shift in range(width - 1, -1, -1):
            self.pending, self.count = (self.pending << 1) | ((value >> shift) & 1), self.count + 1
            if self.count == 8:
                self.data.append(self.pending)
                self.pending = self.count = 0

    def ue(self, value: int) -> None:
        value += 1
        self.u(2 * value.bit_length() - 1, value)  # (leading zeros, then the value)

    def align(self) -> None:
        if self.count:
            self.u(8 - self.count, 0)

    def trailing(self) -> bytes:
        self.u(1, 1)
        self.align()
        return bytes(self.data)


def _nal(kind: int, payload: bytes) -> bytes:
    """A NAL unit (nal_ref_idc 3) with emulation-prevention bytes, after a start code."""
    out, zeros = bytearray(), 0
    for byte in payload:
        if zeros >= 2 and byte <= 3:
            out.append(3)
            zeros = 0
        out.append(byte)
        zeros = zeros + 1 if byte == 0 else 0
    return b"\0\0\0\1" + bytes([0x60 | kind]) + bytes(out)


def parameter_sets(width: int, height: int, rate: int) -> bytes:
    sps = _Bits()
    sps.u(8, 77), sps.u(8, 0), sps.u(8, 30), sps.ue(0)  # Main profile, level 3, id 0
    sps.ue(0), sps.ue(0), sps.ue(4), sps.ue(1), sps.u(1, 0)  # frame_num: 4 bits; POC lsb: 8 bits; 1 reference
    sps.ue(width // 16 - 1), sps.ue(height // 32 - 1)  # (map units: macroblock pairs, as frames are not all coded)
    sps.u(1, 0), sps.u(1, 0), sps.u(1, 1), sps.u(1, 0)  # frame_mbs_only 0, no MBAFF, direct_8x8, no cropping
    sps.u(1, 1), sps.u(4, 0), sps.u(1, 1)  # VUI: timing only
    sps.u(32, 1), sps.u(32, 2 * rate), sps.u(1, 1), sps.u(4, 0)  # a tick a field: `rate` frames a second, fixed
    pps = _Bits()
    pps.ue(0), pps.ue(0), pps.u(2, 0), pps.ue(0), pps.ue(0), pps.ue(0), pps.u(3, 0)  # CAVLC, 1 slice group
    pps.u(3, 7), pps.u(3, 4)  # QP 26 (se 0 x3), deblocking control present; no constrained intra, redundant count
    return _nal(7, sps.trailing()) + _nal(8, pps.trailing())


def _field(planes: list, bottom: int, idr: bool, frame_num: int, idr_id: int, slices: int) -> bytes:
    """The I slices of one field, each `slices`-th of its macroblock rows (the first at macroblock 0, the rest at their
    first macroblock's address): every macroblock I_PCM."""
    luma, blue, red = planes
    rows, columns = luma.shape[0] // 16, luma.shape[1] // 16
    units = b""
    for first in range(0, rows, -(-rows // slices)):
        bits = _Bits()  # first_mb_in_slice, slice_type I, picture parameter set 0, frame_num, field_pic_flag 1
        bits.ue(first * columns), bits.ue(7), bits.ue(0), bits.u(4, frame_num), bits.u(1, 1), bits.u(1, bottom)
        if idr:
            bits.ue(idr_id)
        bits.u(8, (2 * frame_num + bottom) % 256)  # pic_order_cnt_lsb: the top field first
        bits.u(2 if idr else 1, 0)  # dec_ref_pic_marking: sliding window
        bits.u(1, 1), bits.ue(1)  # slice_qp_delta 0; deblocking off
        for row in range(first, min(rows, first - (-rows // slices))):
            for column in range(columns):
                bits.ue(25)  # I_PCM
                bits.align()
                for plane, size in ((luma, 16), (blue, 8), (red, 8)):
                    block = plane[row * size : (row + 1) * size, column * size : (column + 1) * size]
                    bits.data += np.clip(block, 1, 255).astype(np.uint8).tobytes()
        units += _nal(5 if idr else 1, bits.trailing())
    return units


def paff_fields(frames: list, rate: int = 25, gop: int = 12, slices: int = 1) -> list[tuple[bytes, bool]]:
    """The access units of `frames` (RGB, height a multiple of 32, width of 16) coded as field pairs, top field
    first, each field in `slices` slices (as broadcast encoders cut it): (Annex B bytes, starts an IDR picture) per
    field, in decode order (= presentation order: no B-frames)."""
    height, width = frames[0].shape[:2]
    units = []
    for i, rgb in enumerate(frames):
        yuv = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuv420p").to_ndarray()
        luma = yuv[:height]
        chroma = yuv[height:].reshape(2, height // 2, width // 2)  # (PyAV's yuv420p: U then V, each a quarter)
        for bottom in (0, 1):
            idr = i % gop == 0 and not bottom  # (the second field of an IDR frame is a non-IDR I field)
            head = b"\0\0\0\1\x09\xf0" + (parameter_sets(width, height, rate) if idr else b"")  # (delimiter: I)
            planes = [luma[bottom::2], chroma[0][bottom::2], chroma[1][bottom::2]]
            units.append((head + _field(planes, bottom, idr, i % gop, (i // gop) % 2, slices), idr))
    return units
