# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""An MSB-first bit reader over the bytes of a video bitstream's headers: fixed-width fields (`take`, `bit`) and
H.264's Exp-Golomb codes (`ue`, `se`), read from a NAL unit's payload without its emulation-prevention bytes
(`rbsp`). The random-access checks (`random_access`: H.264 slices and SEIs, VP9 frame headers) and the picture
clocks (`bitstream_clocks`: H.263 picture, MPEG-4 part 2 VOL / VOP headers, an H.264 sequence parameter set) read
with it; each had a reader of its own, one raising IndexError past the end, the other EOFError.

Imports nothing: travels with the video processor under `trust_remote_code`."""

from __future__ import annotations


class BitReader:
    """The bits of `data`, read from its first. `EOFError` where a read would pass its end (a header cut short or
    damaged), `ValueError` for a run of zeros no Exp-Golomb code has."""

    def __init__(self, data: bytes):
        self.data, self.position = data, 0

    def take(self, count: int) -> int:
        """The next `count` bits as an unsigned number (only the bytes they lie in are read: a slice's whole RBSP
        may be given)."""
        end = self.position + count
        if end > 8 * len(self.data):
            raise EOFError(f"{count} bits asked at bit {self.position} of {8 * len(self.data)}")
        first, last = self.position >> 3, (end + 7) >> 3
        chunk = int.from_bytes(self.data[first:last], "big")
        self.position = end
        return (chunk >> (8 * last - end)) & ((1 << count) - 1)

    def bit(self) -> int:
        return self.take(1)

    def ue(self) -> int:
        """An Exp-Golomb code (H.264's ue(v))."""
        zeros = 0
        while not self.bit():
            zeros += 1
            if zeros > 31:
                raise ValueError("not an Exp-Golomb code")
        return (1 << zeros) - 1 + self.take(zeros)

    def se(self) -> int:
        """A signed Exp-Golomb code (H.264's se(v)): 1, -1, 2, -2, ... for codes 1, 2, 3, 4, ..."""
        code = self.ue()
        return (code + 1) // 2 if code & 1 else -(code // 2)


def rbsp(unit: bytes) -> bytes:
    """A NAL unit's payload without its emulation-prevention bytes (00 00 03 -> 00 00)."""
    return unit.replace(b"\x00\x00\x03", b"\x00\x00")
