# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Video files with transparency (APNG, QuickTime Animation ARGB, PNG in MOV, ProRes 4444) read composited onto
white, as transformers' `convert_to_rgb` composites 4-channel frames and as the same frames given as PIL images or
as a 4-channel array are: FFmpeg's rgb24 (both readers') dropped the alpha, so a transparent pixel read as whatever
colour it stores. The reference is a sequential PyAV decode of every frame in rgba, composited by hand."""

import warnings

import av
import numpy as np
import pytest
import torch
from conftest import BACKENDS

from vivit_hf import ViViTVideoProcessor
from vivit_hf.processing.video_io import open_video, read_frames

HEIGHT, WIDTH, FRAMES = 16, 24, 4
# id -> (container format, file suffix, encoder, pixel format)
CASES = {
    "apng": ("apng", "apng", "apng", "rgba"),
    "qtrle-argb": ("mov", "mov", "qtrle", "argb"),
    "png-in-mov": ("mov", "mov", "png", "rgba"),
    "prores-4444": ("mov", "mov", "prores_ks", "yuva444p10le"),
}
RAW = dict(do_resize=False, do_center_crop=False, do_rescale=False, do_normalize=False, do_sample_frames=False)


def _rgba_frames() -> np.ndarray:
    """Frames whose left half is transparent over a colour of its own (black, then brighter red each frame: the
    stored colour a reader that drops alpha shows), top right half-transparent, bottom right opaque."""
    frames = np.zeros((FRAMES, HEIGHT, WIDTH, 4), np.uint8)
    for t in range(FRAMES):
        frames[t, ..., :3] = (40 * t, 200, 10)
        frames[t, :, : WIDTH // 2, :3] = (60 * t, 0, 0)
        frames[t, ..., 3] = 255
        frames[t, :, : WIDTH // 2, 3] = 0
        frames[t, : HEIGHT // 2, WIDTH // 2 :, 3] = 128
    return frames


def _write(path, case: str) -> None:
    fmt, _, codec, pix_fmt = CASES[case]
    with av.open(str(path), "w", format=fmt) as container:
        stream = container.add_stream(codec, rate=10)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, pix_fmt
        for frame in _rgba_frames():
            container.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="rgba")))
        container.mux(stream.encode())


def _shown(path) -> tuple[np.ndarray, np.ndarray]:
    """Every frame of a sequential decode in rgba (what is stored, alpha included), and composited onto white."""
    with av.open(str(path)) as container:
        frames = list(container.decode(video=0))
    # (ProRes 4444's 10 bits in 16, its own levels: in 8 they were truncated, up to 1.5 grey levels off the composite)
    deep = any(component.bits > 8 for component in frames[0].format.components)
    rgba = np.stack([frame.to_ndarray(format="rgba64le" if deep else "rgba") for frame in frames]).astype(np.float64)
    rgba = rgba / 257.0 if deep else rgba
    alpha = rgba[..., 3:] / 255.0
    return rgba, (1 - alpha) * 255 + alpha * rgba[..., :3]


@pytest.fixture(params=list(CASES))
def transparent_file(request, tmp_path):
    path = tmp_path / f"{request.param}.{CASES[request.param][1]}"
    _write(path, request.param)
    return path


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_transparent_video_file_reads_composited_onto_white(transparent_file, backend):
    rgba, shown = _shown(transparent_file)
    alpha = rgba[..., 3]
    assert rgba.shape[0] == FRAMES and (alpha == 0).any() and ((alpha > 100) & (alpha < 150)).any()
    with av.open(str(transparent_file)) as container:  # FFmpeg's rgb24, as both readers converted: 255 levels off
        dropped = np.stack([frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)])
    assert np.abs(dropped - shown).max() >= 250
    reader = open_video(str(transparent_file), backend=backend)
    try:
        read = reader.read(list(range(FRAMES)))
        backwards = reader.read([3, 1])
        small = reader.read([0, 2], size=(8, 12))
    finally:
        reader.close()
    assert np.abs(read - shown).max() <= 0.51  # (rounded to uint8; ProRes's 10-bit alpha read in 8 bits)
    np.testing.assert_array_equal(backwards, read[[3, 1]])
    # resized after compositing, as the picture shown: torch's resize of the composite within 3 levels on average
    # (1.5 measured: libswscale's bilinear against torch's at the sharp edges; 139 with the alpha dropped)
    expected = torch.nn.functional.interpolate(
        torch.from_numpy(shown[[0, 2]]).permute(0, 3, 1, 2), size=(8, 12), mode="bilinear", antialias=True
    )
    assert (torch.from_numpy(small).permute(0, 3, 1, 2).double() - expected).abs().mean() < 3.0


def test_a_transparent_file_reads_as_its_frames_given_as_pil_images_and_as_an_rgba_array(transparent_file):
    from PIL import Image

    rgba, _ = _shown(transparent_file)
    rgba = np.rint(rgba).astype(np.uint8)
    proc = ViViTVideoProcessor(**RAW, decode_backend="pyav")
    from_file = proc(str(transparent_file), return_tensors="pt").pixel_values
    from_pil = proc([Image.fromarray(frame, "RGBA") for frame in rgba], return_tensors="pt").pixel_values
    from_array = proc(rgba, return_tensors="pt").pixel_values
    assert from_file.shape == (1, FRAMES, 3, HEIGHT, WIDTH)
    torch.testing.assert_close(from_pil, from_array, rtol=0, atol=1e-4)
    # (ProRes 4444's 10-bit frames given in 8 bits composite up to a level off its file's 10-bit composite)
    torch.testing.assert_close(from_file, from_array, rtol=0, atol=1.01 if "prores" in str(transparent_file) else 0.51)


@pytest.mark.torchcodec
def test_a_datasets_video_value_of_a_transparent_file_reads_composited_onto_white(tmp_path):
    datasets = pytest.importorskip("datasets")
    path = tmp_path / "clip.mov"
    _write(path, "qtrle-argb")
    _, shown = _shown(path)
    decoder = datasets.Dataset.from_dict({"video": [str(path)]}).cast_column("video", datasets.Video())[0]["video"]
    reader = open_video(decoder)
    try:
        read = reader.read(list(range(FRAMES)))
    finally:
        reader.close()
    assert np.abs(read - shown).max() <= 0.51


@pytest.mark.torchcodec
def test_a_torchcodec_decoder_of_a_transparent_file_out_of_reach_warns_that_its_alpha_is_dropped(tmp_path):
    """A bare torchcodec VideoDecoder (no file vivit_hf can reach) is read by torchcodec, whose RGB drops the alpha:
    its transparent pixels read 255 grey levels off what its path reads, without a word. It warns; an opaque
    file's decoder does not."""
    from torchcodec.decoders import VideoDecoder

    path = tmp_path / "clip.mov"
    _write(path, "qtrle-argb")
    _, shown = _shown(path)
    with pytest.warns(UserWarning, match=r"transparency \(argb\).*Pass the file's path"):
        reader = open_video(VideoDecoder(str(path)))
    try:
        assert np.abs(reader.read([0]) - shown[:1]).max() >= 250  # (what the warning is about)
    finally:
        reader.close()
    opaque = tmp_path / "opaque.mov"
    with av.open(str(opaque), "w") as container:
        stream = container.add_stream("qtrle", rate=10)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "rgb24"
        container.mux(stream.encode(av.VideoFrame.from_ndarray(_rgba_frames()[0, ..., :3].copy(), format="rgb24")))
        container.mux(stream.encode())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        open_video(VideoDecoder(str(opaque))).close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_gif_with_a_transparent_background_reads_white_there_by_the_reader_asked(tmp_path, backend):
    """FFmpeg's GIF decoder stores white under a GIF's transparent colour (alpha 0 or 255 alone), so its frames need
    no compositing: a GIF asked of torchcodec is read by torchcodec (it was moved to PyAV for its bgra, and each
    GIF frame composited again, at half the speed), and each reader gives the composite of its rgba decode."""
    from PIL import Image

    frames = [Image.fromarray(frame[..., :3].copy()) for frame in _rgba_frames()]
    for image in frames:
        image.paste((0, 0, 0), (0, 0, WIDTH // 2, HEIGHT))  # the colour the transparent index stores: black
    palettised = [image.quantize(8) for image in frames]
    black = next(i for i, colour in enumerate(palettised[0].getpalette()[:24:3]) if colour == 0)
    path = tmp_path / "clip.gif"
    palettised[0].save(path, save_all=True, append_images=palettised[1:], duration=100, transparency=black)
    rgba, shown = _shown(path)
    assert (rgba[..., 3] == 0).any()
    reader = open_video(str(path), backend=backend)
    try:
        assert type(reader).__name__ == {"pyav": "PyAVReader", "torchcodec": "TorchcodecReader"}[backend]
        read = reader.read(list(range(reader.num_frames)))
    finally:
        reader.close()
    np.testing.assert_array_equal(read, shown)


def test_an_opaque_alpha_plane_is_read_off_the_plane_and_reads_as_stored(tmp_path, transparent_file):
    """A frame whose alpha has a plane of its own (ProRes 4444) and is opaque throughout (an editor's export with an
    alpha channel) reads as its rgb24 decode, found opaque off that plane (`opaque_alpha_plane`: 0.05 ms a 1080p
    frame, where compositing it took 32); a transparent one is not taken for opaque, nor is a packed format."""
    from vivit_hf.processing.frame_display import opaque_alpha_plane

    with av.open(str(transparent_file)) as container:
        assert not any(opaque_alpha_plane(frame) for frame in container.decode(video=0))
    path = tmp_path / "opaque_alpha.mov"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("prores_ks", rate=10)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuva444p10le"
        for frame in _rgba_frames():
            frame[..., 3] = 255
            container.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="rgba")))
        container.mux(stream.encode())
    with av.open(str(path)) as container:
        frames = list(container.decode(video=0))
        assert all(opaque_alpha_plane(frame) for frame in frames)
        stored = np.stack([frame.to_ndarray(format="rgb24") for frame in frames])
    reader = open_video(str(path), backend="pyav")
    try:
        np.testing.assert_array_equal(reader.read(list(range(FRAMES))), stored)
    finally:
        reader.close()


def _write_webm_alpha(path, encoder: str) -> None:
    """WebM with alpha as Chrome, After Effects and `ffmpeg -c:v libvpx-vp9 -pix_fmt yuva420p` write it: the alpha in
    each block's BlockAdditional, the track tagged AlphaMode 1."""
    with av.open(str(path), "w", format="webm") as container:
        stream = container.add_stream(encoder, rate=10)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuva420p"
        stream.metadata["alpha_mode"] = "1"
        stream.options = {"auto-alt-ref": "0"}  # (libvpx refuses alt-ref frames with alpha)
        for frame in _rgba_frames():
            container.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="rgba")))
        container.mux(stream.encode())


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("codec, decoder", [("libvpx-vp9", "libvpx-vp9"), ("libvpx", "libvpx")])
def test_webm_vp8_and_vp9_with_alpha_read_composited_onto_white(tmp_path, codec, decoder, backend):
    """FFmpeg's own vp8 / vp9 decoders pass over the alpha in BlockAdditional and give yuv420p: a transparent pixel
    read as the colour stored under it (255 grey levels off here, a black stored there). The reference decodes every
    frame with libvpx's decoder in rgba, composited by hand, as a browser shows it."""
    path = tmp_path / "alpha.webm"
    _write_webm_alpha(path, codec)
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        native = np.stack([frame.to_ndarray(format="rgb24") for frame in container.decode(stream)])
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        context = av.CodecContext.create(decoder, "r")
        context.extradata = stream.codec_context.extradata
        packets = list(container.demux(stream))
        rgba = np.stack([f.to_ndarray(format="rgba") for p in packets for f in context.decode(p)]).astype(np.float64)
    alpha = rgba[..., 3:] / 255.0
    shown = (1 - alpha) * 255 + alpha * rgba[..., :3]
    assert rgba.shape[0] == FRAMES and (rgba[..., 3] == 0).any() and np.abs(native - shown).max() >= 200
    reader = open_video(str(path), backend=backend)
    try:
        read = reader.read(list(range(FRAMES)))
        backwards = reader.read([3, 1])
    finally:
        reader.close()
    assert np.abs(read - shown).max() <= 0.51
    np.testing.assert_array_equal(backwards, read[[3, 1]])


@pytest.mark.parametrize("pix_fmt, decoder", [("yuv420p", "libvpx-vp9"), ("yuv420p10le", None), ("yuv444p", None)])
def test_only_an_8_bit_420_vp9_tagged_alpha_mode_goes_to_libvpx(tmp_path, pix_fmt, decoder):
    """WebM's alpha exists in 8-bit 4:2:0 alone; a 10-bit or 4:4:4 VP9 keeps the AlphaMode tag where a re-encode
    copied the stream's metadata (ffmpeg does by default), and this PyAV's libvpx decodes no such stream (its codec
    lists 8-bit formats only): such a stream stays with FFmpeg's decoder, as before the libvpx route. PyAV writes
    no 10-bit VP9, so the stream is the real 8-bit one with its format changed as a 10-bit file's would read."""
    from types import SimpleNamespace

    from vivit_hf.processing.frame_display import alpha_decoder

    path = tmp_path / "alpha.webm"
    _write_webm_alpha(path, "libvpx-vp9")
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        context = SimpleNamespace(name=stream.codec_context.name, pix_fmt=pix_fmt)
        assert alpha_decoder(SimpleNamespace(codec_context=context, metadata=dict(stream.metadata))) == decoder


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_palettised_png_in_mov_with_a_transparent_palette_reads_composited_onto_white(tmp_path, backend):
    """FFmpeg decodes a palettised PNG with a tRNS chunk (a logo exported with the PNG codec in MOV) to pal8 whose
    palette keeps the alpha, which libswscale's rgb24 dropped (`has_alpha` sees none in pal8): the transparent
    pixels read black, 255 grey levels off. The reference: a sequential decode in rgba, composited by hand."""
    indices = np.zeros((HEIGHT, WIDTH), np.uint8)
    indices[:, WIDTH // 2 :] = 1
    indices[: HEIGHT // 2, WIDTH // 2 :] = 2
    palette = np.zeros((256, 4), np.uint8)  # ARGB: transparent black, opaque red, half-transparent green
    palette[1], palette[2] = (255, 200, 30, 40), (128, 10, 200, 10)
    path = tmp_path / "logo.mov"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("png", rate=10)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "pal8"
        for _ in range(FRAMES):
            container.mux(stream.encode(av.VideoFrame.from_ndarray((indices, palette), format="pal8")))
        container.mux(stream.encode())
    rgba, shown = _shown(path)
    assert rgba.shape[0] == FRAMES and (rgba[..., 3] == 0).any() and (rgba[..., 3] == 128).any()
    reader = open_video(str(path), backend=backend)
    try:
        read = reader.read(list(range(FRAMES)))
    finally:
        reader.close()
    assert np.abs(read - shown).max() <= 0.51


@pytest.mark.parametrize(
    "fmt, codec, pix_fmt",
    [
        ("mov", "png", "ya16be"),
        ("apng", "apng", "ya16be"),
        ("mov", "png", "rgba64be"),
        ("mov", "prores_ks", "yuva444p10le"),
    ],
)
def test_more_than_8_bits_with_alpha_reads_composited_from_its_16_bit_levels(tmp_path, fmt, codec, pix_fmt):
    """Frames of more than 8 bits with alpha (ProRes 4444; a 16-bit PNG, RGBA or grey with alpha, in MOV or APNG) are
    composited from their 16-bit RGBA and rounded once: libswscale's 8-bit rgba truncated colour and alpha first,
    30% of the pixels 1-2 grey levels off. The reference: the sequential decode's rgba64, composited here."""
    rng = np.random.default_rng(0)
    picture = rng.integers(0, 65536, (HEIGHT, WIDTH, 4), dtype=np.uint16)
    picture[..., 1:3] = picture[..., :1] if pix_fmt.startswith("ya") else picture[..., 1:3]
    picture[:, :4, 3], picture[:, 4:8, 3] = 65535, 0
    path = tmp_path / f"deep_alpha.{fmt}"
    with av.open(str(path), "w", format=fmt) as container:
        stream = container.add_stream(codec, rate=10)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, pix_fmt
        container.mux(stream.encode(av.VideoFrame.from_ndarray(picture, format="rgba64le")))
        container.mux(stream.encode())
    with av.open(str(path)) as container:
        stored = next(container.decode(video=0)).to_ndarray(format="rgba64le").astype(np.float64)
    assert (stored[:, 4:8, 3] == 0).all() and (stored[:, :4, 3] >= 65472).all()  # (10-bit opaque: 65520)
    weight = stored[..., 3:] / 65535
    shown = (stored[..., :3] * weight + 65535 * (1 - weight)) * 255 / 65535
    read = read_frames(str(path), [0], backend="pyav")[0]
    assert np.abs(read - shown).max() <= 0.5 + 1e-6
