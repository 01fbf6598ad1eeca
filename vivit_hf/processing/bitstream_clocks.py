# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Frame rates from the times a video's bitstream codes in its pictures' headers, where the container gives none to
trust: a raw H.263 / H.261 stream's temporal references on its picture clock (`picture_reference`,
`picture_clock_rate`), and an MPEG-4 part 2 stream's VOP times on its video object layer's clock (`mpeg4_vol_clock`,
`mpeg4_vop_times`, `mpeg4_vop_rate`) where a program or transport stream leaves its packets unstamped, or a raw
`.m4v` stream is stamped by its parser's guesses; and whether a raw H.264 stream's VUI timing flags a fixed frame rate
(`h264_fixed_frame_rate`: a rate, not its encoder's time base). `PyAVReader` collects the headers while it demuxes
and asks these for the rate (`_fps`).

Apart from `video_pyav` because they are bit-level header parsing and arithmetic on plain bytes and numbers, tested
against hand-built headers (`tests/test_mutation_kills_video_pyav.py`) without a file or a decoder. Imports only
numpy, the standard library and its siblings `bit_reader` and `random_access` (an H.264 sequence parameter set's
head), so it travels with the video processor under
`trust_remote_code`.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from .bit_reader import BitReader, rbsp
from .random_access import h264_sps_head

# A raw H.263 or H.261 stream (`.h263`, `.263`, `.h261`: video-call and 3GPP-era captures) stores no times but its
# pictures' temporal references (TR), counted on the picture clock: 30000/1001 Hz, or a custom one (H.263+'s CPCFC).
# FFmpeg's raw demuxer stamps its packets at its own `framerate` option (25) until the decoder has said 30000/1001, then
# at that: 20 H.263 frames read 28.48 fps and 0.70 s whatever the stream was coded at (25 fps: 0.8 s; 15 fps: 1.33 s),
# and H.261 at 15 fps read 29.97 fps
_H263_CLOCK = Fraction(30000, 1001)
PICTURE_CLOCK_CODECS = frozenset({"h263", "h261"})
VOP_HEAD = 128  # bytes of an MPEG-4 part 2 packet kept for its VOP header (after the VOS / VOL ones in the first)
VOP_COUNT = 256  # packets whose VOP times tell the rate (a pass over 180 000 would cost a second an open)
# Rates cameras, encoders and video-call software use: a short stream's references fit a range of rates
COMMON_RATES = tuple(Fraction(rate) for rate in (5, 6, 8, 10, 12, 15, 20, 24, 25, 30, 48, 50, 60)) + tuple(
    Fraction(rate * 1000, 1001) for rate in (15, 24, 30, 60)
)


def picture_reference(data: bytes, codec: str, clock: Fraction | None) -> tuple[int, int, Fraction] | None:
    """(TR, the count it wraps at, the picture clock) of a raw H.261 / H.263 picture's header (see
    `_h263_reference`); None where `data` starts with none. H.261's start code need not start a byte: its 20 bits are
    looked for at each of the first 8 bit positions."""
    if codec == "h263":
        try:
            return _h263_reference(data, clock)
        except EOFError:
            return None
    bits = int.from_bytes(data[:8].ljust(8, b"\0"), "big")
    for shift in range(8):
        if shift + 25 > 8 * len(data):
            break  # a picture cut inside its start code or TR: no TR to read (as H.263's, `_h263_reference`)
        if (bits >> (64 - 20 - shift)) & 0xFFFFF == 0x10:
            return (bits >> (64 - 25 - shift)) & 31, 32, _H263_CLOCK
    return None


def _h263_reference(data: bytes, clock: Fraction | None) -> tuple[int, int, Fraction] | None:
    """(TR, the count it wraps at, the picture clock) of a raw H.263 picture's header, None where `data` starts with
    none. `clock` is the custom clock in force (a picture that does not update the extended type keeps the last)."""
    if len(data) < 5:
        return None
    take = BitReader(data[:16]).take  # (the longest header read here is 122 bits; EOFError: a picture too short for it)
    if take(22) != 0x20:  # picture start code
        return None
    tr, ptype = take(8), take(8)
    if ptype >> 6 != 0b10:
        return None
    if ptype & 7 != 7:  # H.263 baseline: the standard clock, an 8-bit TR
        return tr, 256, _H263_CLOCK
    ufep = take(3)  # PLUSPTYPE
    custom_pcf = clock not in (None, _H263_CLOCK)
    source_format = None
    if ufep == 1:
        opptype = take(18)
        source_format, custom_pcf = opptype >> 15, bool((opptype >> 14) & 1)
    elif ufep != 0:
        return None
    take(9)  # MPPTYPE
    if take(1):  # CPM
        take(2)
    if ufep == 1:
        if source_format == 6 and take(23) >> 19 == 15:  # custom format; its aspect ratio extended
            take(16)
        if custom_pcf:
            code, divisor = take(1), take(7)
            if not divisor:
                return None
            clock = Fraction(1800000, (1000 + code) * divisor)
    if not custom_pcf:
        return tr, 256, _H263_CLOCK
    if clock in (None, _H263_CLOCK):
        return None  # a custom clock never said
    return take(2) << 8 | tr, 1024, clock


def mpeg4_vol_clock(data: bytes) -> tuple[int, int] | None:
    """(vop_time_increment_resolution, bits of each VOP's vop_time_increment) of the first MPEG-4 part 2 video object
    layer header in `data` (ISO/IEC 14496-2 6.2.3), None where there is none, or a VOL of another shape."""
    at = next((i for i in range(len(data) - 3) if data[i : i + 3] == b"\0\0\1" and 0x20 <= data[i + 3] <= 0x2F), None)
    if at is None:
        return None
    bits = BitReader(data[at + 4 : at + 40])
    try:
        bits.take(9)  # random_accessible_vol, video_object_type_indication
        if bits.take(1):  # is_object_layer_identifier: verid, priority
            bits.take(7)
        if bits.take(4) == 15:  # aspect_ratio_info: extended PAR
            bits.take(16)
        if bits.take(1):  # vol_control_parameters: chroma_format, low_delay
            bits.take(3)
            if bits.take(1):  # vbv_parameters
                bits.take(79)
        if bits.take(2) != 0 or not bits.take(1):  # a rectangular layer, then a marker bit
            return None
        resolution = bits.take(16)
    except EOFError:
        return None
    return (resolution, max(1, (resolution - 1).bit_length())) if resolution else None


def h264_fixed_frame_rate(data: bytes) -> bool | None:
    """The `fixed_frame_rate_flag` of the VUI timing of the first sequence parameter set in `data` (Annex B: a raw
    stream's extradata), None where it has none (no SPS, no timing, a damaged one). x264 sets it where it encodes at
    a fixed rate (its CLI, `force-cfr`): the timing is then that rate, 1000 fps a high-speed camera's; it clears it
    where it writes the time base it was given (FFmpeg's libx264), which may be a clock (1/90000) or a rate."""
    start = data.find(b"\0\0\1")
    while start >= 0 and not (start + 3 < len(data) and data[start + 3] & 0x1F == 7):
        start = data.find(b"\0\0\1", start + 3)
    if start < 0:
        return None
    bits = BitReader(rbsp(data[start + 4 :].split(b"\0\0\1", 1)[0]))
    try:
        if not h264_sps_head(bits)[2]:  # frame_mbs_only_flag
            bits.bit()
        bits.bit()  # direct_8x8_inference_flag
        if bits.bit():  # frame_cropping_flag
            bits.ue(), bits.ue(), bits.ue(), bits.ue()
        if not bits.bit():  # vui_parameters_present_flag
            return None
        if bits.bit() and bits.take(8) == 255:  # aspect_ratio_info: an extended sample aspect ratio
            bits.take(32)
        if bits.bit():  # overscan_info_present_flag
            bits.bit()
        if bits.bit():  # video_signal_type: format, range, then colour description
            bits.take(4)
            if bits.bit():
                bits.take(24)
        if bits.bit():  # chroma_loc_info
            bits.ue(), bits.ue()
        if not bits.bit():  # timing_info_present_flag
            return None
        bits.take(64)  # num_units_in_tick, time_scale (FFmpeg's framerate)
        return bool(bits.bit())
    except (EOFError, ValueError):
        return None


def mpeg4_vop_rate(heads: list, clock: tuple[int, int], whole: bool = True) -> float | None:
    """Frames a second of an MPEG-4 part 2 stream from its VOPs' own times (`heads`: each packet's first bytes, in
    decode order; `clock`: `mpeg4_vol_clock`), where every packet starts one VOP and they step evenly: the layer's
    clock over the step (1001 of 30000 Hz: 30000/1001 fps). `heads` the stream's first packets only (not `whole`):
    the frames shown up to the reference before the last one (B-VOPs after it may show before later references).
    None where a packet holds no VOP, or the steps differ."""
    resolution = clock[0]
    vops = mpeg4_vop_times(heads, clock)
    if vops is None:
        return None
    times, references = vops
    if not whole:
        if len(references) < 2:
            return None
        times = [time for time in times if time <= sorted(references)[-2]]
    steps = np.unique(np.diff(np.sort(np.asarray(times, dtype=np.int64))))
    return float(Fraction(resolution, int(steps[0]))) if len(times) > 1 and steps.size == 1 and steps[0] > 0 else None


def mpeg4_vop_times(heads: list, clock: tuple[int, int]) -> tuple[list, list] | None:
    """Each VOP's time in ticks of the layer's clock, in decode order, and those of the references (I, P, S) alone,
    from `heads` (each packet's first bytes, in decode order; `clock`: `mpeg4_vol_clock`): a B-VOP's seconds count
    from the reference before the last one, as FFmpeg's decoder counts them; a group of VOPs sets the seconds. A VOP
    not coded (an N-VOP: Xvid's and capture tools' for a dropped or unchanged frame) has no time here, as a decode
    gives no frame of it. None where a packet holds no VOP."""
    resolution, width = clock
    base = last_base = 0
    times, references = [], []
    for head in heads:
        at, gov = head.find(b"\0\0\1\xb6"), head.find(b"\0\0\1\xb3")
        if at < 0:
            return None
        bits = BitReader(head[at + 4 : at + 16])
        try:
            if 0 <= gov < at:  # a group of VOPs: its time code's seconds (hours 5 bits, minutes 6, a marker, seconds 6)
                code = BitReader(head[gov + 4 : gov + 7])
                hours, minutes, _, seconds = code.take(5), code.take(6), code.take(1), code.take(6)
                base = seconds + 60 * (minutes + 60 * hours)
            kind, seconds = bits.take(2), 0
            while bits.take(1):  # modulo_time_base
                seconds += 1
            if not bits.take(1):  # marker bit
                return None
            increment = bits.take(width)
            bits.take(1)  # marker bit
            coded = bits.take(1)
        except EOFError:
            return None
        if kind != 2:  # I, P or S: the clock moves on, a VOP not coded's too (as FFmpeg's decoder moves it)
            last_base, base = base, base + seconds
            time = base * resolution + increment
        else:
            time = (last_base + seconds) * resolution + increment
        if coded:  # (an N-VOP gives no frame: the one before stays on screen until the next)
            times.append(time)
            if kind != 2:
                references.append(time)
    return times, references


def picture_clock_rate(headers: list) -> float | None:
    """Frames a second of a raw H.263 / H.261 stream from its pictures' temporal references (`picture_reference`,
    in order): a rate below the clock's stamps each picture at the clock tick before its time (FFmpeg's encoder; 25
    fps at 30000/1001 Hz steps 1, 1, 1, 1, 1, 2, ...): the whole-number or NTSC rate those steps come from, else the
    frames over the span of their references. None where a header is missing or the clock changes."""
    if len(headers) < 2 or None in headers or len({clock for _, _, clock in headers}) != 1:
        return None
    clock = headers[0][2]
    ticks, total, previous = [0], 0, headers[0][0]
    for tr, wrap, _ in headers[1:]:
        total += (tr - previous) % wrap
        previous = tr
        ticks.append(total)
    if total <= 0:
        return None
    steps = set(np.diff(ticks).tolist())
    if len(steps) == 1:
        return float(clock / steps.pop())
    # The rates whose pictures' times give these references, taken at the tick before (FFmpeg's encoder) or the
    # nearest: an interval, (low, high]; in it a common rate, else a whole number, else an NTSC rate (12 fps on H.263+'s
    # nearest clock, 1800000/127127 Hz, steps as 12000/1001 does for 20 frames)
    for below in (Fraction(1), Fraction(1, 2)):
        low, high = Fraction(0), None
        for i, tick in enumerate(ticks[1:], 1):
            low = max(low, i * clock / (tick + below))
            if tick - (1 - below) > 0:
                bound = i * clock / (tick - (1 - below))
                high = bound if high is None else min(high, bound)
        if high is None or low >= high:
            continue
        common = [rate for rate in COMMON_RATES if low < rate <= high]
        if common:  # (20 frames of 30 fps at H.261's 29.97 Hz step as 31 fps do)
            return float(min(common, key=lambda rate: abs(rate - (low + high) / 2)))
        for scale in (Fraction(1), Fraction(1001, 1000)):  # (r * 1001 / 1000 a whole number: an NTSC rate)
            first, last = math.floor(low * scale) + 1, math.floor(high * scale)
            if first <= last:  # the one nearest the interval's middle
                return float(min(max(round((low + high) * scale / 2), first), last) / scale)
    return float((len(ticks) - 1) * clock / total)
