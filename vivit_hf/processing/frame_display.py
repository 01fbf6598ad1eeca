# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""How a decoded frame is shown: its display orientation (a display matrix's angle and mirror, an EXIF orientation
tag: `display_orientation`, `exif_orientation`) and the choices its conversion to RGB makes (the colour matrix
libswscale takes, grey levels tagged limited range, RGB of fewer than 8 bits a channel). Both readers ask these:
`PyAVReader._to_rgb` and `orientation`, and `TorchcodecReader`, which leaves such frames to PyAV or turns them alike.

Apart from the readers because they read one frame (or one coded picture) and know no stream or file. Imports only
numpy, PyAV and the standard library (PIL lazily), so it travels with the video processor under `trust_remote_code`.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

# EXIF orientation tag (1-8) -> (rotation, hflip) as `VideoInfo` gives them: 2 mirrors left to right, 4 upside
# down (turned 180, mirrored), 5 transposes (out[i, j] = stored[j, i]), 6 turns 90 degrees clockwise, 7 transverses
# (out[i, j] = stored[H-1-j, W-1-i]), 8 turns 90 counter-clockwise
_EXIF_ORIENTATIONS = {
    1: (0, False),
    2: (0, True),
    3: (180, False),
    4: (180, True),
    5: (270, True),
    6: (270, False),
    7: (90, True),
    8: (90, False),
}


def exif_orientation(picture: bytes | None) -> tuple[int, bool] | None:
    """`(rotation, hflip)` that the EXIF orientation tag of a coded picture (a JPEG, PNG, TIFF or WebP packet) says;
    None where it has none, or is no picture PIL reads."""
    if not picture:
        return None
    try:
        import io

        from PIL import Image

        with Image.open(io.BytesIO(picture)) as image:  # (reads the header only)
            return _EXIF_ORIENTATIONS.get(image.getexif().get(0x0112))
    except Exception:  # not a picture PIL knows (an H.264 packet), a damaged EXIF block: nothing said
        return None


def display_orientation(frame: Any, picture: bytes | None = None) -> tuple[int, bool]:
    """`(rotation, hflip)` of a decoded frame (see `VideoInfo`); `(0, False)` without a display matrix. `picture`:
    the packet `frame` was decoded from, where it may carry EXIF (see below).

    FFmpeg's angle (`frame.rotation`, `av_display_rotation_get`) is the matrix's rotation alone: a mirrored matrix
    (negative determinant) read as an angle turns a left-right mirror into an upside-down picture. FFmpeg's
    autorotate shows such a matrix as the stored picture flipped upside down, then turned by that angle, which is the
    same picture as turning by 180 degrees minus the angle, then mirroring left to right: the rotation and flip the
    file was written with."""
    from av.sidedata.sidedata import Type

    try:
        side_data = frame.side_data
    except ValueError:
        # Side data of a type this PyAV has no name for: FFmpeg 8 attaches a JPEG's, PNG's, TIFF's or WebP's EXIF block
        # as type 31, which PyAV 18.1's enum lacks, so listing them fails. FFmpeg's angle alone is read without the
        # list (PyAV's `rotation`; 0 without a matrix, -2**31 for one that has no angle), and cannot tell a mirror:
        # FFmpeg 8 makes the display matrix of the EXIF orientation tag, and a camera's MJPEG or a photo tagged 2
        # (mirrored) read upside down, 4 (upside down) as stored, 5 and 7 turned the wrong way round. The tag, read
        # from the picture itself, tells them apart, where FFmpeg's angle is that tag's (else the angle holds).
        angle = int(round(getattr(frame, "rotation", 0) or 0))
        angle = 0 if angle == -(2**31) else angle % 360
        tagged = exif_orientation(picture)
        if tagged is not None and (tagged[0] if not tagged[1] else (180 - tagged[0]) % 360) == angle:
            return tagged
        return angle, False
    # looked up by type: iterating gives the entries in PyAV 18, their types in PyAV 19 (an AttributeError here)
    matrix = side_data.get(Type.DISPLAYMATRIX)
    if matrix is None:
        return 0, False
    a, b, _, c, d = (int(v) for v in np.frombuffer(bytes(matrix), dtype=np.int32)[:5])  # 16.16 fixed point, row-major
    determinant = a * d - b * c
    if determinant == 0:
        # A matrix that flattens the picture has no angle (FFmpeg's is NaN, which PyAV hands on as -2**31, read as
        # 232 degrees): FFmpeg's autorotate leaves such a picture as stored, and so does this.
        return 0, False
    angle = _matrix_angle(a, b, c, d)
    return (angle, False) if determinant > 0 else ((180 - angle) % 360, True)


def _matrix_angle(a: int, b: int, c: int, d: int) -> int:
    """The counter-clockwise angle, in whole degrees (0-359), of a display matrix whose first row is `a, b` and second
    `c, d` (16.16 fixed point): FFmpeg's `av_display_rotation_get`, rounded as its command line rounds it. PyAV's
    `frame.rotation` truncates that angle: an editor's 30 degrees, 29.9996 in fixed point, read 29."""
    angle = -math.degrees(math.atan2(b / math.hypot(b, d), a / math.hypot(a, c)))
    return round(angle) % 360


# Decoders that attach a picture's EXIF block to its frame (FFmpeg 8), its orientation tag made a display matrix
EXIF_CODECS = frozenset({"mjpeg", "png", "apng", "tiff", "webp"})

# AVColorSpace tags libswscale's frame API (`sws_scale_frame`, PyAV 17 on) converts: RGB, BT.709, unspecified, FCC,
# BT.470BG, SMPTE 170M, SMPTE 240M, BT.2020 NCL. It refuses the rest ("Operation not supported"): reserved (3; FFmpeg's
# VP9 decoder tags a VP9 "reserved" colour space so), YCgCo (8), BT.2020 CL (10), SMPTE 2085, chroma-derived, ICtCp ...
_SWSCALE_MATRICES = frozenset({0, 1, 2, 4, 5, 6, 7, 9})


def colour_matrix(frame) -> str | None:
    """The matrix to convert `frame` to RGB by: None, its own tag, where libswscale's frame API takes it; else the
    one libswscale's older API (`sws_getCoefficients`: PyAV before 17, torchcodec) takes for that tag, BT.2020's for
    BT.2020 CL and BT.601's for the others, so that such a file reads, and as torchcodec reads it."""
    tag = int(frame.colorspace)
    if tag in _SWSCALE_MATRICES:
        return None
    return "BT2020" if tag == 10 else "ITU601"


def rgb_below_8_bits(frame) -> bool:
    """Whether `frame` is RGB with channels of fewer than 8 bits (rgb555, rgb565, rgb444, bgr8, ...)."""
    fmt = frame.format
    return fmt.is_rgb and any(component.bits < 8 for component in fmt.components)


def limited_range_grey(pix_fmt: str | None, color_range) -> bool:
    """Whether a frame (or stream) of `pix_fmt` is grey levels tagged limited range (16-235 in 8 bits): an HEVC or AV1
    4:0:0 stream, a monochrome camera's. libswscale copies grey levels into R, G and B whatever the range tag says,
    where it stretches the luma of a limited-range YUV frame to 0-255."""
    grey = pix_fmt is not None and pix_fmt.startswith("gray") and not pix_fmt.startswith("grayf")
    return grey and int(color_range) == 1  # AVCOL_RANGE_MPEG


@functools.cache
def deep_grey(pix_fmt: str | None) -> bool:
    """Whether `pix_fmt` is integer grey of more than 8 bits (gray10le, gray16be: a 16-bit grey PNG or TIFF, FFV1's),
    which libswscale truncates to 8 bits (see `full_range_grey`)."""
    import av

    if pix_fmt is None or not pix_fmt.startswith("gray") or pix_fmt.startswith("grayf"):
        return False
    try:
        return av.VideoFormat(pix_fmt).components[0].bits > 8
    except ValueError:  # a name this FFmpeg does not know (torchcodec's FFmpeg)
        return False


def full_range_grey(frame):
    """`frame` as 8-bit full-range grey where it is limited-range grey (see `limited_range_grey`) or grey of more
    than 8 bits: as libswscale converts them, the picture of a 4:0:0 stream came out with blacks lifted to 16 and whites
    dimmed to 235 beside its 4:2:0 encode, and deeper grey was truncated to 8 bits (a 16-bit grey PNG one level darker
    in half its levels than its PIL image or its uint16 array read, rounded: round(v * 255 / 65535))."""
    fmt = frame.format
    limited = limited_range_grey(fmt.name, frame.color_range)
    if not limited and not deep_grey(fmt.name):
        return frame
    import av

    bits = fmt.components[0].bits
    plane = frame.planes[0]
    dtype = np.dtype(np.uint8) if bits <= 8 else np.dtype(">u2" if fmt.is_big_endian else "<u2")
    rows = np.frombuffer(plane, np.uint8).reshape(plane.height, plane.line_size).view(dtype)
    if limited:
        luma = rows[: frame.height, : frame.width].astype(np.float32)
        scale = 1 << (bits - 8)  # limited range is 16-235 in 8 bits, 64-940 in 10, ...
        grey = np.clip(np.rint((luma - 16 * scale) * (255 / (219 * scale))), 0, 255).astype(np.uint8)
    else:  # round(v * 255 / top) in integers, exactly, as an uint16 array is read (`video_inputs`)
        top = (1 << bits) - 1
        grey = ((rows[: frame.height, : frame.width].astype(np.uint32) * 255 + top // 2) // top).astype(np.uint8)
    return av.VideoFrame.from_ndarray(grey, format="gray")


# FFmpeg's GIF decoder gives frames in bgra whose pixels are opaque but a transparent colour's, which it stores as
# white (alpha 0): its rgb24 is their composite onto white already (an animated GIF with a transparent background read
# equal to the composite of its rgba decode, to the level). Composited again, GIFs read at half the speed (PyAV 812 ->
# 429 frames/s for a 320x240 GIF), the same pixels, and a GIF asked of torchcodec was read by PyAV.
WHITE_UNDER_ALPHA_CODECS = frozenset({"gif"})


# WebM's VP8 / VP9 with transparency (Matroska's AlphaMode 1: what Chrome's MediaRecorder, After Effects and
# `ffmpeg -c:v libvpx-vp9 -pix_fmt yuva420p` write) keep the alpha in each block's BlockAdditional, which FFmpeg's own
# vp8 / vp9 decoders pass over: they give yuv420p, the colour stored under transparent pixels (255 grey levels off the
# composite onto white a browser shows, where every other video with alpha is composited). libvpx's decoders read it.
_ALPHA_DECODERS = {"vp9": "libvpx-vp9", "vp8": "libvpx"}


def alpha_decoder(stream: Any) -> str | None:
    """The name of the decoder that reads `stream`'s transparency where FFmpeg's own drops it (VP8 / VP9 tagged
    AlphaMode 1: see `_ALPHA_DECODERS`), None for any other stream, or where this FFmpeg lacks libvpx."""
    import av

    context = stream.codec_context
    name = _ALPHA_DECODERS.get(context.name) if context is not None else None
    tagged = any(key.lower() == "alpha_mode" and str(value).strip() == "1" for key, value in stream.metadata.items())
    # (WebM's alpha is 8-bit yuva420p alone; a 10-bit stream keeps the tag where a re-encode copied the metadata,
    # and this PyAV's libvpx decodes no 10-bit VP9: FFmpeg's decoder reads it, opaque, as before)
    if name is None or not tagged or context.pix_fmt not in (None, "yuv420p", "yuva420p"):
        return None
    try:
        av.Codec(name, "r")
    except (ValueError, av.FFmpegError):  # (a PyAV built without libvpx: the stream reads as FFmpeg's decoder reads it)
        return None
    return name


@functools.cache
def has_alpha(pix_fmt: str) -> bool:
    """Whether frames of `pix_fmt` carry transparency (rgba, argb, ya8, yuva420p, yuva444p12le, a GIF's bgra ...):
    asked of every decoded frame by its format's name, so the opaque formats most videos have cost a dict look-up."""
    import av

    try:
        return any(component.is_alpha for component in av.VideoFormat(pix_fmt).components)
    except ValueError:  # a name this FFmpeg does not know (another library's, torchcodec's FFmpeg)
        return False


# Decoders whose pal8 palette carries transparency: PNG's, from a tRNS chunk (a palettised logo or overlay exported with
# the PNG codec in MOV). FFmpeg's other palettes (QuickTime's, AVI's, FLIC, 8BPS) are opaque, and a GIF decodes to bgra.
PALETTE_ALPHA_CODECS = frozenset({"png"})


def transparent_palette(frame) -> bool:
    """Whether `frame` is palettised (pal8) with a palette entry less than opaque (see `PALETTE_ALPHA_CODECS`):
    `has_alpha` finds no alpha in the format pal8, and libswscale's rgb24 drops the palette's, so a transparent pixel
    of a PNG-in-MOV file read as the colour stored under it (255 grey levels off the composite onto white)."""
    planes = frame.planes if frame.format.name == "pal8" else ()
    return len(planes) > 1 and int((np.frombuffer(planes[1], np.uint32) >> 24).min()) < 255


def opaque_alpha_plane(frame) -> bool:
    """Whether `frame`'s alpha, where it has a plane of its own (yuva*, gbrap*: ProRes 4444, FFV1, VP9's), is opaque
    everywhere: read off that plane in 0.05 ms a 1080p frame, where `on_white`'s rgba conversion and copy took 32
    (an editor's ProRes 4444 export with an alpha channel, opaque throughout, read 2.3 times slower than one without
    it). A packed format (rgba, argb, ya8) or one it cannot tell gives False, left to `on_white`."""
    components = frame.format.components
    alpha = next((c for c in components if c.is_alpha), None)
    if alpha is None or any(c.plane == alpha.plane for c in components if c is not alpha):
        return False
    plane = frame.planes[alpha.plane]
    dtype = np.dtype(np.uint8) if alpha.bits <= 8 else np.dtype(">u2" if frame.format.name.endswith("be") else "<u2")
    values = np.frombuffer(plane, dtype).reshape(plane.height, plane.line_size // dtype.itemsize)[:, : plane.width]
    return int(values.min()) == (1 << alpha.bits) - 1


def _deep_on_white(frame, matrix: str | None):
    """A frame of more than 8 bits a component with transparency (ProRes 4444's yuva444p12le, a 16-bit PNG's rgba64be
    or ya16 in MOV or APNG) composited onto white from its 16-bit RGBA, rounded once to 8 bits: libswscale's rgba
    truncates colour and alpha to 8 bits first, which left 30% of the pixels 1-2 grey levels off the composite."""
    import av
    from av.video.reformatter import VideoReformatter

    rgba = VideoReformatter().reformat(frame, format="rgba64le", src_colorspace=matrix).to_ndarray()
    # 255 - (65535 - rgb) * a * 255 / 65535^2, in float64 (exact to the rounding; float32 was a level off at ties): a
    # transparent 1080p ProRes 4444 frame composited in 0.2-0.3 s where the 8-bit path took about 0.15
    shown = rgba[..., :3].astype(np.float64)
    shown -= 65535.0
    shown *= rgba[..., 3:]
    shown *= 255.0 / (65535.0 * 65535.0)
    shown += 255.0
    return av.VideoFrame.from_ndarray(np.rint(shown).astype(np.uint8), format="rgb24")


def on_white(frame, matrix: str | None = None):
    """`frame`, which has transparency (`has_alpha`), composited onto white as an rgb24 frame: as transformers'
    `convert_to_rgb` composites 4-channel frames and PIL's RGBA frames are (and a browser shows a transparent GIF,
    APNG or WebM on a white page). libswscale's rgb24 drops the alpha, so a transparent pixel showed whatever colour
    it stores (an APNG's transparent black 255 grey levels off that composite, a half-transparent one unblended).
    Composited before any resize, as the picture shown is resized (resizing colour and alpha apart blends the colour
    hidden under transparent pixels into their opaque neighbours)."""
    import av
    from av.video.reformatter import VideoReformatter

    if any(component.bits > 8 for component in frame.format.components):
        return _deep_on_white(frame, matrix)
    # (a converter of its own: see `PyAVReader._to_rgb`)
    rgba = VideoReformatter().reformat(frame, format="rgba", src_colorspace=matrix).to_ndarray()
    if rgba[..., 3].min() == 255:  # an opaque frame (every GIF decodes to bgra): its colours as they are
        return av.VideoFrame.from_ndarray(np.ascontiguousarray(rgba[..., :3]), format="rgb24")
    # rgb * a + 255 * (255 - a), over 255, is 255 - (255 - rgb) * a / 255: in uint16 (at most 65025), rounded by
    # shifts (exact there), three times faster than in float32 (15 against 53 ms a 640x480 frame on a loaded core)
    hidden = (255 - rgba[..., :3]).astype(np.uint16)
    hidden *= rgba[..., 3:]
    hidden += 128
    hidden += hidden >> 8
    hidden >>= 8
    return av.VideoFrame.from_ndarray(255 - hidden.astype(np.uint8), format="rgb24")
