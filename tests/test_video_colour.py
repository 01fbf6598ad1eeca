# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Decoded frames become the RGB their own tags say: colour matrix (BT.601 / 709 / 2020; FFmpeg's BT.601 where the
file says none), range (limited 16-235 or full 0-255), bit depth, grey, RGB and alpha pixel formats.

The reference is computed here, in numpy, from the decoded frame's own planes with the standard formulas (ITU-R
BT.601 / 709 / 2020 and their range scalings), never through libswscale. Frames are flat 16x16 colour blocks, and
pixels are compared inside the blocks, so the chroma upsampling filter (nearest for 8-bit 4:2:0, interpolated for
10-bit) does not enter; what is left is libswscale's fixed-point rounding (up to 4 grey levels measured, for 10-bit).
"""

from __future__ import annotations

import av
import numpy as np
import pytest
from conftest import BACKENDS

from vivit_hf.processing import ViViTVideoProcessor
from vivit_hf.processing.video_io import read_frames
from vivit_hf.processing.video_pyav import PyAVReader
from vivit_hf.processing.video_torchcodec import _torchcodec_plan

HEIGHT, WIDTH, FRAMES = 48, 64, 3
ROUNDING = 4  # libswscale's fixed-point conversion, in grey levels
# torchcodec 0.17 takes 10-bit frames to 8-bit RGB by another libswscale path: 5 levels off, measured on H.264
# BT.709 (PyAV: 4). Still far below the misreadings the test is for (14 and more).
ROUNDING_TORCHCODEC_10BIT = 6
# Kr, Kb of each AVColorSpace tag; FFmpeg (libswscale, torchcodec) takes BT.601 for a frame that names none (2)
LUMA_WEIGHTS = {1: (0.2126, 0.0722), 2: (0.299, 0.114), 5: (0.299, 0.114), 6: (0.299, 0.114), 9: (0.2627, 0.0593)}
LIMITED, FULL = 1, 2  # AVColorRange: MPEG (16-235), JPEG (0-255)
COLOURS = [(0, 0, 0), (255, 255, 255), (255, 0, 0), (0, 255, 0), (0, 0, 255), (128, 128, 128)]
COLOURS += [(255, 255, 0), (0, 255, 255), (255, 0, 255), (30, 60, 90), (200, 150, 100), (10, 10, 10)]

X264 = {"preset": "ultrafast", "crf": "12"}
X265 = {"preset": "ultrafast", "crf": "12", "x265-params": "log-level=error"}
VP9 = {"deadline": "realtime", "cpu-used": "8"}
# name -> (container, encoder, pixel format, colour-matrix tag, range tag, encoder options)
CASES = {
    "h264_bt601_limited": ("mp4", "libx264", "yuv420p", 6, LIMITED, X264),
    "h264_bt709_limited": ("mp4", "libx264", "yuv420p", 1, LIMITED, X264),
    "h264_untagged": ("mp4", "libx264", "yuv420p", None, None, X264),
    "h264_bt709_full": ("mp4", "libx264", "yuv420p", 1, FULL, X264),  # phones: FFmpeg decodes it as yuvj420p
    "mjpeg_camera": ("avi", "mjpeg", "yuvj420p", None, None, {}),  # full range, untagged matrix
    "vp9_bt709_full": ("webm", "libvpx-vp9", "yuv420p", 1, FULL, VP9),  # full range in yuv420p, not yuvj420p
    "vp9_bt709": ("webm", "libvpx-vp9", "yuv420p", 1, LIMITED, VP9),
    "h264_yuv444p_bt709": ("mp4", "libx264", "yuv444p", 1, LIMITED, X264),
    "h264_10bit_bt709": ("mp4", "libx264", "yuv420p10le", 1, LIMITED, X264),
    "hevc_10bit_bt2020": ("mp4", "libx265", "yuv420p10le", 9, LIMITED, X265),
    "ffv1_10bit_full": ("matroska", "ffv1", "yuv420p10le", 1, FULL, {}),
    "hevc_grey_limited": ("mp4", "libx265", "gray", None, LIMITED, X265),  # 4:0:0, a monochrome camera's
    "hevc_grey10_limited": ("mp4", "libx265", "gray10le", None, LIMITED, X265),
    "hevc_grey_full": ("mp4", "libx265", "gray", None, FULL, X265),
    "png_grey": ("mov", "png", "gray", None, None, {}),
    "png_rgb24": ("mov", "png", "rgb24", None, None, {}),
    "x264rgb": ("mp4", "libx264rgb", "rgb24", None, None, X264),
    "ffv1_bgr0": ("matroska", "ffv1", "bgr0", None, None, {}),
    "qtrle_argb": ("mov", "qtrle", "argb", None, None, {}),
    "png_rgba": ("mov", "png", "rgba", None, None, {}),
    "ffv1_yuva420p": ("matroska", "ffv1", "yuva420p", 1, LIMITED, {}),
    "vp9_alpha": ("webm", "libvpx-vp9", "yuva420p", None, None, VP9),  # FFmpeg's VP9 decoder leaves alpha out
}
SUFFIX = {"matroska": "mkv"}
# a model fine-tuned on one backend's pixels must see the same from the other


def blocks(index: int) -> np.ndarray:
    """Flat 16x16 RGB blocks: black, white, primaries, greys, a few tints; shifted by one colour a frame."""
    frame = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    for k, (y, x) in enumerate((y, x) for y in range(0, HEIGHT, 16) for x in range(0, WIDTH, 16)):
        frame[y : y + 16, x : x + 16] = COLOURS[(k + index) % len(COLOURS)]
    return frame


def block_interiors() -> np.ndarray:
    """Pixels 3 or more from a block's edge: 10-bit 4:2:0 interpolates chroma one row across an edge."""
    mask = np.zeros((HEIGHT, WIDTH), bool)
    for y in range(0, HEIGHT, 16):
        for x in range(0, WIDTH, 16):
            mask[y + 3 : y + 13, x + 3 : x + 13] = True
    return mask


def grey_frame(rgb: np.ndarray, pix_fmt: str, color_range: int | None) -> av.VideoFrame:
    """`rgb`'s BT.601 luma as the grey levels a camera writes for that range (16-235 limited, 64-940 in 10 bits)."""
    luma = rgb.astype(np.float64) @ np.array([0.299, 0.587, 0.114]) / 255
    bits = 10 if pix_fmt == "gray10le" else 8
    scale = 1 << (bits - 8)
    levels = 16 * scale + 219 * scale * luma if color_range == LIMITED else (2**bits - 1) * luma
    grey = np.rint(levels).astype(np.uint16 if bits > 8 else np.uint8)
    return av.VideoFrame.from_ndarray(grey, format=pix_fmt)


def write_case(path, container_format, encoder, pix_fmt, colorspace, color_range, options, frames=None) -> str:
    with av.open(str(path), "w", format=container_format) as container:
        stream = container.add_stream(encoder, rate=25, options=options)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, pix_fmt
        if colorspace is not None:
            stream.codec_context.colorspace = colorspace
        if color_range is not None:
            stream.codec_context.color_range = color_range
        for i in range(FRAMES):
            rgb = blocks(i) if frames is None else frames[i]
            if pix_fmt.startswith("gray"):
                frame = grey_frame(rgb, pix_fmt, color_range)
            else:
                fmt = "rgba" if rgb.shape[-1] == 4 else "rgb24"
                tags = {"dst_colorspace": colorspace} if colorspace is not None else {}
                tags.update({"dst_color_range": color_range} if color_range is not None else {})
                frame = av.VideoFrame.from_ndarray(rgb, format=fmt).reformat(format=pix_fmt, **tags)
            frame.pts = i
            if colorspace is not None:
                frame.colorspace = colorspace
            if color_range is not None:
                frame.color_range = color_range
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return str(path)


def plane(frame, index: int, channels: int = 1) -> np.ndarray:
    """Plane `index` of `frame` as numbers (16-bit little-endian above 8 bits), without its row padding."""
    data = frame.planes[index]
    rows = np.frombuffer(data, np.uint8).reshape(data.height, data.line_size)
    if frame.format.components[0].bits > 8:
        rows = rows.view("<u2")
    pixels = rows[:, : data.width * channels]
    return pixels if channels == 1 else pixels.reshape(data.height, data.width, channels)


def reference_rgb(frame) -> np.ndarray:
    """(H, W, 3) uint8 RGB of a decoded frame from its own planes, matrix and range; alpha left out."""
    name = frame.format.name
    if name in ("rgb24", "gbrp", "bgr0", "bgra", "argb", "rgba"):
        if name == "gbrp":
            green, blue, red = (plane(frame, i) for i in range(3))
            return np.stack([red, green, blue], -1).astype(np.uint8)
        packed = plane(frame, 0, 3 if name == "rgb24" else 4)
        order = {"rgb24": [0, 1, 2], "rgba": [0, 1, 2], "argb": [1, 2, 3], "bgr0": [2, 1, 0], "bgra": [2, 1, 0]}
        return packed[..., order[name]].astype(np.uint8)
    bits = frame.format.components[0].bits
    scale, peak = 1 << (bits - 8), 2**bits - 1
    full = int(frame.color_range) == FULL or name.startswith("yuvj")
    luma = plane(frame, 0).astype(np.float64)
    y = luma / peak if full else (luma - 16 * scale) / (219 * scale)
    if name.startswith("gray"):
        return np.repeat(np.clip(np.rint(255 * y), 0, 255).astype(np.uint8)[..., None], 3, -1)
    # chroma planes repeated up to the luma's size (nearest neighbour)
    rows, cols = HEIGHT // frame.planes[1].height, WIDTH // frame.planes[1].width
    cb, cr = (np.repeat(np.repeat(plane(frame, i).astype(np.float64), rows, 0), cols, 1) for i in (1, 2))
    cb, cr = ((c - 128 * scale) / (peak if full else 224 * scale) for c in (cb, cr))
    kr, kb = LUMA_WEIGHTS[int(frame.colorspace)]
    red, blue = y + 2 * (1 - kr) * cr, y + 2 * (1 - kb) * cb
    green = (y - kr * red - kb * blue) / (1 - kr - kb)
    return np.clip(np.rint(255 * np.stack([red, green, blue], -1)), 0, 255).astype(np.uint8)


def decoded_frames(path: str) -> list:
    with av.open(path) as container:
        return list(container.decode(video=0))


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("colour")
    return {
        name: write_case(root / f"{name}.{SUFFIX.get(fmt, fmt)}", fmt, *rest) for name, (fmt, *rest) in CASES.items()
    }


def test_the_cases_decode_with_the_tags_they_stand_for(files):
    """Each case tests what its name says: the decoder hands out that format, matrix and range."""
    seen = {}
    for name, path in files.items():
        frame = decoded_frames(path)[0]
        seen[name] = (frame.format.name, int(frame.colorspace), int(frame.color_range))
    assert seen["h264_bt709_full"] == ("yuvj420p", 1, FULL)
    assert seen["mjpeg_camera"][0] == "yuvj420p" and seen["mjpeg_camera"][2] == FULL
    assert seen["vp9_bt709_full"] == ("yuv420p", 1, FULL)
    assert seen["h264_untagged"] == ("yuv420p", 2, 0)  # unspecified matrix and range
    assert seen["hevc_10bit_bt2020"] == ("yuv420p10le", 9, LIMITED)
    assert seen["ffv1_10bit_full"] == ("yuv420p10le", 1, FULL)
    assert seen["hevc_grey_limited"] == ("gray", 2, LIMITED)
    assert seen["hevc_grey10_limited"] == ("gray10le", 2, LIMITED)
    assert seen["hevc_grey_full"] == ("gray", 2, FULL)
    assert seen["x264rgb"][0] == "gbrp" and seen["qtrle_argb"][0] == "argb" and seen["ffv1_yuva420p"][0] == "yuva420p"


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", list(CASES))
def test_frames_read_as_their_own_matrix_and_range_say(files, name, backend):
    """Every frame's RGB, at the stream's size, within rounding of the numpy reference. Misreadings this catches, as
    measured on these blocks: full range read as limited 14 grey levels off, BT.709 read as BT.601 23, BT.2020 as
    BT.601 16, limited-range grey copied as it is (libswscale) 20."""
    path = files[name]
    reference = np.stack([reference_rgb(frame) for frame in decoded_frames(path)])
    ours = read_frames(path, list(range(FRAMES)), backend=backend)
    difference = np.abs(ours.astype(int) - reference.astype(int))[:, block_interiors()]
    ten_bit = decoded_frames(path)[0].format.name.endswith("10le")
    tolerance = ROUNDING_TORCHCODEC_10BIT if backend == "torchcodec" and ten_bit else ROUNDING
    assert difference.max() <= tolerance, f"{name} ({backend}): {difference.max()} grey levels off the reference"


@pytest.mark.parametrize("name", ["hevc_grey_limited", "hevc_grey10_limited", "png_grey"])
def test_grey_becomes_equal_red_green_and_blue(files, name):
    ours = read_frames(files[name], list(range(FRAMES)), backend="pyav")
    assert (ours[..., 0] == ours[..., 1]).all() and (ours[..., 1] == ours[..., 2]).all()


def test_a_limited_range_grey_stream_reads_as_its_colour_encode_does(files, tmp_path):
    """A 4:0:0 stream and the 4:2:0 encode of the same grey picture come out alike: black 0, white 255."""
    grey = read_frames(files["hevc_grey_limited"], [0], backend="pyav")[0].astype(int)
    luma = np.rint(blocks(0).astype(np.float64) @ np.array([0.299, 0.587, 0.114])).astype(np.uint8)
    colour_encode = write_case(
        tmp_path / "grey420.mp4",
        "mp4",
        "libx265",
        "yuv420p",
        None,
        LIMITED,
        X265,
        [np.repeat(luma[..., None], 3, -1)] * 3,
    )
    colour = read_frames(colour_encode, [0], backend="pyav")[0].astype(int)
    assert np.abs(grey - colour)[block_interiors()].max() <= ROUNDING
    assert grey.min() == 0 and grey.max() == 255


@pytest.mark.parametrize("name", ["hevc_grey_limited", "vp9_bt709_full", "mjpeg_camera", "hevc_10bit_bt2020"])
def test_a_resized_read_keeps_the_colours(files, name):
    """With a size, libswscale converts and resizes in one pass: the 16x16 blocks, halved, keep their colour."""
    path = files[name]
    reference = reference_rgb(decoded_frames(path)[0]).astype(float)
    reader = PyAVReader(path)
    try:
        small = reader.read([0], size=(HEIGHT // 2, WIDTH // 2))[0].astype(float)
    finally:
        reader.close()
    for y in range(0, HEIGHT, 16):
        for x in range(0, WIDTH, 16):
            expected = reference[y + 4 : y + 12, x + 4 : x + 12].mean((0, 1))
            assert np.abs(small[y // 2 + 2 : y // 2 + 6, x // 2 + 2 : x // 2 + 6] - expected).max() <= ROUNDING


@pytest.mark.parametrize("name", ["hevc_grey_limited", "h264_bt709_full", "vp9_bt709_full", "mjpeg_camera"])
def test_the_processor_returns_the_same_raw_pixels(files, name):
    processor = ViViTVideoProcessor(num_frames=FRAMES, frame_stride=1, decode_backend="pyav")
    raw = dict(do_resize=False, do_center_crop=False, do_rescale=False, do_normalize=False)
    pixels = processor(files[name], return_tensors="np", **raw).pixel_values[0]  # (T, 3, H, W)
    reference = np.stack([reference_rgb(frame) for frame in decoded_frames(files[name])]).transpose(0, 3, 1, 2)
    difference = np.abs(pixels - reference)[..., block_interiors()]
    assert difference.max() <= ROUNDING


@pytest.mark.parametrize(
    "name, container_format, encoder, pix_fmt",
    [
        ("png_rgba", "mov", "png", "rgba"),
        ("qtrle_argb", "mov", "qtrle", "argb"),
        ("ffv1_bgra", "matroska", "ffv1", "bgra"),
    ],
)
def test_alpha_is_composited_onto_white(tmp_path, name, container_format, encoder, pix_fmt):
    """A lossless RGBA stream whose alpha runs from 0 (left) to 255 (right) reads composited onto white, as
    transformers' `convert_to_rgb` composites 4-channel frames (and `tests/test_video_transparency.py` the same frames
    given as PIL images): its colour planes alone (alpha dropped, as FFmpeg's rgb24 does) left the transparent left
    the colour it stores, up to 255 grey levels off."""
    alpha = np.repeat(np.linspace(0, 255, WIDTH).astype(np.uint8)[None, :, None], HEIGHT, 0)
    rgba = np.concatenate([blocks(0), alpha], -1)
    path = write_case(
        tmp_path / f"{name}.{SUFFIX.get(container_format, container_format)}",
        container_format,
        encoder,
        pix_fmt,
        None,
        None,
        {},
        [rgba] * FRAMES,
    )
    shown = (1 - alpha / 255.0) * 255 + alpha / 255.0 * blocks(0)
    read = read_frames(path, [0, 2], backend="pyav")
    assert np.abs(read - np.stack([shown] * 2)).max() <= 0.5


def test_torchcodec_leaves_limited_range_grey_to_pyav(files):
    """torchcodec converts with libswscale, which copies grey levels whatever the range tag: a limited-range grey
    stream asked of torchcodec is read by PyAV, as a PyAV read; full-range grey and colour stay torchcodec's."""
    assert _torchcodec_plan(files["hevc_grey_limited"])[0] is True
    assert _torchcodec_plan(files["hevc_grey10_limited"])[0] is True
    assert _torchcodec_plan(files["hevc_grey_full"])[0] is False
    assert _torchcodec_plan(files["vp9_bt709_full"])[0] is False


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("container, codec", [("mkv", "ffv1"), ("png", "png")])
def test_grey_of_16_bits_reads_rounded_to_8_bits_as_its_array_does(tmp_path, container, codec, backend):
    """16-bit grey (an FFV1 archive's, a 16-bit grey PNG given by path) is rounded to 8 bits, round(v * 255 / 65535),
    as its uint16 array (and its PIL image) reads: libswscale's rgb24 truncated it, one level darker in half the
    levels. The reference is the sequential decode's own 16-bit levels, rounded here."""
    levels = np.arange(HEIGHT * WIDTH, dtype=np.uint32).reshape(HEIGHT, WIDTH) * 21 + 7
    frames = [((levels + 3001 * t) % 65536).astype(np.uint16) for t in range(1 if codec == "png" else FRAMES)]
    path = tmp_path / f"grey16.{container}"
    with av.open(str(path), "w", format="image2" if codec == "png" else None) as out:
        stream = out.add_stream(codec, rate=10)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "gray16be" if codec == "png" else "gray16le"
        for frame in frames:
            out.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="gray16le")))
        out.mux(stream.encode())
    stored = np.stack([frame.to_ndarray(format="gray16le") for frame in decoded_frames(path)]).astype(np.int64)
    np.testing.assert_array_equal(stored, np.stack(frames))
    expected = (stored * 255 + 32767) // 65535
    ours = read_frames(path, list(range(len(frames))), backend=backend)
    assert np.abs(ours - expected[..., None]).max() == 0
    proc = ViViTVideoProcessor(do_resize=False, do_center_crop=False, do_rescale=False, do_normalize=False)
    from_array = proc(np.stack(frames)[..., None].repeat(3, -1), do_sample_frames=False, return_tensors="np")
    np.testing.assert_array_equal(ours.transpose(0, 3, 1, 2), from_array.pixel_values[0])
