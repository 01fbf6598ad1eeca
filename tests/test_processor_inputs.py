# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""ViViTVideoProcessor on awkward in-memory inputs: each gives the right pixels or a clear error naming the input.

Expected pixels are computed here by hand from the input values (slices, 255 / 65535 scaling, x / 127.5 - 1),
never by running the processor on another input.
"""

import logging
import os
import re

import av
import numpy as np
import pytest
import torch

from vivit_hf import BrokenVideoError
from vivit_hf.processing.processing_vivit import ViViTVideoProcessor

SMALL = dict(
    do_sample_frames=True,  # arrays too: these tests sample in-memory videos as files are (not the default)
    num_frames=4,
    frame_stride=2,
    size={"shortest_edge": 32},
    crop_size={"height": 28, "width": 28},
    decode_backend="pyav",
)
RAW = dict(do_resize=False, do_center_crop=False, do_rescale=False)  # pixels as read, on the 0-255 scale


@pytest.fixture()
def proc():
    return ViViTVideoProcessor(**SMALL)


def _pixels(proc, video, **options):
    return proc(video, return_tensors="pt", **options).pixel_values


# -- a 3-D array: one (H, W, C) image is one frame (transformers' convention), never H grey frames ------------
@pytest.mark.parametrize("kind", ["numpy", "torch"])
def test_single_hwc_image_is_one_frame(proc, kind):
    image = np.random.default_rng(0).integers(0, 256, (40, 50, 3), dtype=np.uint8)
    video = image if kind == "numpy" else torch.from_numpy(image)
    # one frame is a still image: refused by default like any one-frame video, with the fix in the message
    with pytest.raises(ValueError, match=r"single frame.*short_video='loop' or 'pad'"):
        proc(video)
    pixels = _pixels(proc, video, short_video="pad", **RAW)
    assert pixels.shape == (1, 4, 3, 40, 50)  # 4 copies of the frame, not 40 grey frames of 50 x 3
    expected = torch.from_numpy(image).permute(2, 0, 1).float()
    for t in range(4):
        assert torch.equal(pixels[0, t], expected)


def test_3d_array_that_may_be_a_chw_image_or_a_grey_video_is_refused(proc):
    chw = np.random.default_rng(0).integers(0, 256, (3, 40, 50), dtype=np.uint8)
    # (3, 40, 50) is an RGB image channels-first or 3 grey frames: no guess
    with pytest.raises(ValueError, match=r"\(3, 40, 50\).*ambiguous"):
        proc(chw, short_video="pad")
    # saying which resolves it
    pixels = _pixels(proc, chw, short_video="pad", input_data_format="channels_first", **RAW)
    assert pixels.shape == (1, 4, 3, 40, 50)
    assert torch.equal(pixels[0, 0], torch.from_numpy(chw).float())
    grey = _pixels(proc, chw[:, :, :, None], short_video="loop", do_sample_frames=False, **RAW)  # (T, H, W, 1)
    assert grey.shape == (1, 3, 3, 40, 50) and torch.equal(grey[0, 2, 1], torch.from_numpy(chw[2]).float())


@pytest.mark.parametrize("given, right", [("channels_first", "channels_last"), ("channels_last", "channels_first")])
def test_a_3d_image_whose_input_data_format_contradicts_it_is_refused_not_read_as_grey_frames(given, right):
    """`input_data_format="channels_first"` (saved on the processor for (T, C, H, W) tensors) with one (10, 12, 3)
    image read it as a grey video of 10 frames 12 x 3 pixels; `"channels_last"` with a (3, 10, 12) image as 3 grey
    frames: views of the wrong frames without a word, where a 4-D array the format contradicts is refused."""
    hwc = np.random.default_rng(0).integers(0, 256, (10, 12, 3), dtype=np.uint8)
    image = hwc if right == "channels_last" else np.ascontiguousarray(hwc.transpose(2, 0, 1))
    message = rf"input_data_format='{given}'.*3-D array .*{re.escape(str(image.shape))}.*channels must be.*{right}"
    proc, saved = ViViTVideoProcessor(**RAW), ViViTVideoProcessor(**RAW, input_data_format=given)
    for call in (lambda: proc(image, input_data_format=given), lambda: saved(image)):
        with pytest.raises(ValueError, match=message):
            call()
    pixels = _pixels(proc, image, input_data_format=right)  # one frame, the image's own pixels
    assert torch.equal(pixels[0], torch.from_numpy(hwc).permute(2, 0, 1)[None].float())
    grey = np.random.default_rng(1).integers(0, 256, (5, 10, 12), dtype=np.uint8)  # no image: a grey video still
    assert _pixels(saved, grey).shape == (1, 5, 3, 10, 12)


def test_three_grey_frames_given_as_a_list_are_a_video(proc):
    frames = [np.full((40, 50), 10 * i, np.uint8) for i in range(3)]  # stacked: (3, 40, 50), but surely frames
    pixels = _pixels(proc, frames, do_sample_frames=False, **RAW)
    assert pixels.shape == (1, 3, 3, 40, 50)
    assert [pixels[0, t].unique().tolist() for t in range(3)] == [[0.0], [10.0], [20.0]]


@pytest.mark.parametrize("kind", ["numpy", "torch"])
@pytest.mark.parametrize("height", [1, 3])
def test_grey_frames_1_or_3_pixels_high_given_as_a_list_keep_their_rows(proc, kind, height):
    """(H, W) grey frames stack to (T, H, W, 1): frames 1 or 3 rows high made it (T, 1, W, 1) or (T, 3, W, 1), which
    was read channels-first: a (1, 10) row came out a (10, 1) column, 3 rows one RGB column, silently."""
    grey = np.arange(5 * height * 10, dtype=np.int64).reshape(5, height, 10).astype(np.uint8)
    frames = [frame if kind == "numpy" else torch.from_numpy(frame) for frame in grey]
    pixels = _pixels(proc, frames, do_sample_frames=False, **RAW)
    assert pixels.shape == (1, 5, 3, height, 10)
    expected = torch.from_numpy(grey).float()[:, None].expand(5, 3, height, 10)  # each frame's rows in R, G and B
    assert torch.equal(pixels[0], expected)


def test_3d_grey_video_still_reads_as_frames(proc):
    grey = np.arange(10 * 40 * 50, dtype=np.int64).reshape(10, 40, 50) % 256
    pixels = _pixels(proc, grey.astype(np.uint8), **RAW)
    assert pixels.shape == (1, 4, 3, 40, 50)
    # centred clip of span 7 in 10 frames: 1, 3, 5, 7; grey copied into each of R, G, B
    for t, frame in enumerate((1, 3, 5, 7)):
        for c in range(3):
            assert torch.equal(pixels[0, t, c], torch.from_numpy(grey[frame]).float())


@pytest.mark.parametrize("shape", [(48, 64), (5,), (1, 2, 3, 4, 5, 6)])
def test_an_array_of_no_video_dimension_count_is_refused_listing_every_count_that_is_read(proc, shape):
    """np.zeros((48, 64)) was told the array "must have 4 dimensions ... or 5 for a batch", though 3-D arrays are read
    too. The counts the message lists are checked against what the processor reads, not against its own words."""
    accepted = {3: (10, 40, 50), 4: (10, 40, 50, 3), 5: (2, 10, 40, 50, 3)}
    for count, readable in accepted.items():  # each is read: it belongs in the list
        assert len(readable) == count and _pixels(proc, np.zeros(readable, np.uint8), short_video="pad").ndim == 5
    with pytest.raises(ValueError) as error:
        proc(np.zeros(shape, np.uint8))
    message = str(error.value)
    assert f"shape {shape}" in message
    listed = re.match(r"A video array must have (.*) dimensions;", message).group(1)
    assert re.findall(r"(?:^|, | or )(\d) \(", listed) == [str(count) for count in accepted]


def test_an_hw_grey_image_is_refused_with_advice_that_works_when_followed(proc):
    image = np.random.default_rng(0).integers(0, 256, (40, 50), dtype=np.uint8)
    with pytest.raises(ValueError, match=r"shape \(40, 50\).*array\[None\].*\[array\]"):
        proc(image)
    for given in (image[None], [image]):  # the advice, followed: one grey frame, in R, G and B
        pixels = _pixels(proc, given, short_video="pad", **RAW)
        assert pixels.shape == (1, 4, 3, 40, 50)
        assert torch.equal(pixels[0, 3, 1], torch.from_numpy(image).float())


def test_a_video_array_inside_a_list_of_another_dimension_count_lists_the_counts_of_one_video(proc):
    with pytest.raises(ValueError, match=r"must have 3 \(.*\) or 4 \(.*\) dimensions; got an array of shape \(1,"):
        proc([np.zeros((1, 2, 3, 4, 5, 6), np.uint8)])


@pytest.mark.parametrize("shape", [(0, 4, 4, 3), (0, 3, 4, 4), (0, 40, 50)])
def test_an_array_of_no_frames_is_refused_as_such_with_no_warning_about_its_layout(proc, shape, caplog):
    """(0, 4, 4, 3) was warned "the channel axis ... is ambiguous" before "has no frames": a layout no frame has."""
    with pytest.raises(BrokenVideoError, match=rf"{re.escape(str(shape))}> has no frames"):
        proc(np.zeros(shape, np.uint8))
    assert caplog.records == []
    out = ViViTVideoProcessor(**SMALL, skip_broken=True)(np.zeros(shape, np.uint8), return_tensors="pt")
    assert out["kept_indices"].tolist() == []


@pytest.mark.parametrize("shape", [(2, 0, 4, 3), (2, 4, 0, 3), (40, 0, 3)])
def test_an_array_of_frames_without_pixels_is_a_broken_video_named_so(proc, shape):
    """(2, 0, 4, 3) ended in a ZeroDivisionError inside the resize, naming no video; skip_broken could not drop it."""
    with pytest.raises(BrokenVideoError, match=rf"{re.escape(str(shape))}> has frames with no pixels"):
        proc(np.zeros(shape, np.uint8), short_video="pad")


def test_a_batch_array_of_no_videos_is_refused_as_an_empty_list_is(proc):
    with pytest.raises(ValueError, match="empty list of videos"):
        proc([])
    with pytest.raises(ValueError, match=r"empty batch of videos.*\(0, 4, 30, 40, 3\)"):  # it gave an empty batch
        proc(np.zeros((0, 4, 30, 40, 3), np.uint8))


# -- integer dtypes ------------------------------------------------------------------------------------------
def test_uint16_video_is_scaled_from_the_16_bit_range(proc):
    levels = np.array([0, 257 * 100, 65535, 30000, 128], dtype=np.uint16)  # -> 0, 100, 255, 116.7, 0.5
    video = np.broadcast_to(levels[None, None, :, None], (8, 6, 5, 3)).copy()
    pixels = _pixels(proc, video, do_sample_frames=False, **RAW)
    # round(x * 255 / 65535): 30000 -> 116.73 -> 117; 128 -> 0.498 -> 0
    assert pixels[0, 0, 0, 0].tolist() == [0.0, 100.0, 255.0, 117.0, 0.0]


@pytest.mark.parametrize("kind", ["numpy", "torch", "pil_frames"])
def test_8_bit_pixels_held_in_uint16_are_refused_not_read_as_a_black_video(proc, kind):
    """`frames.astype(np.uint16)` (8-bit values kept wide) was read on [0, 65535]: a black video, every pixel at most
    1 of 255, where transformers reads them as 0-255; the values cannot tell that from a 16-bit video that black."""
    from PIL import Image
    from transformers import VideoMAEVideoProcessor

    frames = np.random.default_rng(0).integers(0, 256, (4, 6, 5, 3), dtype=np.uint8)
    wide = frames.astype(np.uint16)
    given = {
        "numpy": wide,
        "torch": torch.from_numpy(wide.astype(np.int32)).to(torch.uint16),
        "pil_frames": [Image.fromarray(frame[..., 0]) for frame in wide],  # mode I;16
    }[kind]
    with pytest.raises(ValueError, match=r"uint16 video .* values up to 25\d: .*\[0, 65535\].*astype\(np\.uint8\)"):
        _pixels(proc, given, do_sample_frames=False, **RAW)
    # the ways out it names: uint8 gives transformers' pixels; floats on [0, 65535] the 16-bit reading
    theirs = VideoMAEVideoProcessor(do_resize=False, do_center_crop=False, do_rescale=False, do_normalize=False)
    expected = theirs(wide, return_tensors="pt").pixel_values.float()
    assert torch.equal(_pixels(proc, wide.astype(np.uint8), do_sample_frames=False, **RAW), expected)
    dark = _pixels(proc, wide.astype(np.float32), do_sample_frames=False, float_max=65535.0, **RAW)
    assert dark.max() <= 1.0
    black = np.zeros_like(wide)  # black on either scale: taken
    assert _pixels(proc, black, do_sample_frames=False, **RAW).abs().max() == 0


def test_uint16_colours_and_alpha_are_checked_for_8_bit_values_apart(proc):
    """8-bit colours held in uint16 beside an opaque alpha of 65535 (a uint16 RGB frame beside an RGBA one, a 16-bit
    PNG's tRNS key) passed, the alpha lifting the maximum, and read black (every pixel at most 1 of 255); an 8-bit
    alpha beside 16-bit colours read near white (1/257 opaque)."""
    from PIL import Image

    rng = np.random.default_rng(0)
    colours = rng.integers(0, 256, (2, 6, 5, 3), dtype=np.uint16)
    given = {
        "opaque alpha": np.concatenate((colours, np.full_like(colours[..., :1], 65535)), axis=-1),
        "beside RGBA": [colours[0], np.concatenate((colours[1], np.full_like(colours[1, ..., :1], 65535)), axis=-1)],
        "tRNS key": [Image.fromarray(frame[..., 0]) for frame in colours],
    }
    for frame in given["tRNS key"]:
        frame.info["transparency"] = 0
    for video in given.values():
        with pytest.raises(ValueError, match=r"uint16 video .* colour values up to 25\d: .*astype\(np\.uint8\)"):
            _pixels(proc, video, do_sample_frames=False, **RAW)
    eight_bit_alpha = np.concatenate((colours * 257, np.full_like(colours[..., :1], 255)), axis=-1)
    with pytest.raises(ValueError, match=r"uint16 video .* alpha values up to 255: "):
        _pixels(proc, eight_bit_alpha, do_sample_frames=False, **RAW)
    sixteen_bit = np.concatenate((colours * 257, np.full_like(colours[..., :1], 65535)), axis=-1)  # taken, as RGB
    keep = dict(do_sample_frames=False, **RAW)
    assert torch.equal(_pixels(proc, sixteen_bit, **keep), _pixels(proc, colours.astype(np.uint8), **keep))


def test_dark_10_bit_pixels_held_in_uint16_are_told_their_own_white_level(proc):
    """A 10-bit camera's unpacked pixels (0-1023 in uint16) of a scene darker than a quarter of white fit the refusal
    too; it named only astype(np.uint8) (4x too bright: 255 of 1023 read as white) and float_max=65535.0 (64x too
    dark: a black video). It names the 10-bit white level, which reads them as their 8-bit equivalents."""
    ten_bit = np.random.default_rng(0).integers(0, 256, (2, 6, 5, 3)).astype(np.uint16)  # a quarter of 1023 at most
    with pytest.raises(ValueError, match=r"10- or 12-bit pixels .*float_max=1023\.0 or 4095\.0"):
        _pixels(proc, ten_bit, do_sample_frames=False, **RAW)
    read = _pixels(proc, ten_bit.astype(np.float32), do_sample_frames=False, float_max=1023.0, **RAW)
    torch.testing.assert_close(read, torch.from_numpy(ten_bit * 255 / 1023).float().permute(0, 3, 1, 2)[None])


def test_wide_integer_video_on_the_8_bit_scale_is_read_as_uint8(proc):
    video = np.random.default_rng(0).integers(0, 256, (8, 30, 30, 3)).astype(np.int64)
    pixels = _pixels(proc, video, do_sample_frames=False, **RAW)
    assert torch.equal(pixels[0], torch.from_numpy(video).permute(0, 3, 1, 2).float())


@pytest.mark.parametrize("dtype,high", [(np.int32, 1023), (np.int16, -5), (np.int64, 256)])
def test_integer_video_outside_the_8_bit_range_is_refused(proc, dtype, high):
    video = np.zeros((8, 30, 30, 3), dtype)
    video[2, 0, 0, 0] = high
    with pytest.raises(ValueError, match=rf"{np.dtype(dtype).name}.*\(8, 30, 30, 3\).*\[0, 255\]"):
        proc(video)


# -- float range: by an explicit float_max, never guessed from the values -------------------------------------
def test_dark_float_video_on_0_255_is_not_mistaken_for_0_1(proc):
    dark = np.full((8, 30, 30, 3), 0.9, np.float32)  # a very dark [0, 255] video
    # all values <= 1 could be [0, 1] pixels or a dark [0, 255] video: refused without float_max
    with pytest.raises(ValueError, match=r"\(8, 30, 30, 3\).*float_max"):
        proc(dark)
    scenic = _pixels(proc, dark, float_max=255, do_sample_frames=False, do_resize=False, do_center_crop=False)
    assert torch.allclose(scenic, torch.full_like(scenic, 0.9 / 127.5 - 1), atol=1e-6)  # near black: -0.99294
    as_unit = _pixels(proc, dark, float_max=1.0, do_sample_frames=False, do_resize=False, do_center_crop=False)
    assert torch.allclose(as_unit, torch.full_like(as_unit, 0.9 * 255 / 127.5 - 1), atol=1e-6)  # 0.8


def test_float_max_from_the_processor_config_and_unambiguous_floats(tmp_path):
    unit = np.random.default_rng(0).random((8, 30, 30, 3), dtype=np.float32)
    proc = ViViTVideoProcessor(**SMALL, float_max=1.0)
    proc.save_pretrained(tmp_path)
    loaded = ViViTVideoProcessor.from_pretrained(tmp_path)
    assert loaded.float_max == 1.0
    pixels = _pixels(loaded, unit, do_sample_frames=False, **RAW)
    assert torch.allclose(pixels[0], torch.from_numpy(unit).permute(0, 3, 1, 2) * 255, atol=1e-4)
    # float values above 1 can only be on [0, 255]: read so without float_max
    bright = unit * 200 + 10
    pixels = _pixels(ViViTVideoProcessor(**SMALL), bright, do_sample_frames=False, **RAW)
    assert torch.allclose(pixels[0], torch.from_numpy(bright).permute(0, 3, 1, 2), atol=1e-4)
    # an all-black float video is black on either scale
    black = _pixels(ViViTVideoProcessor(**SMALL), np.zeros((8, 30, 30, 3), np.float32), do_sample_frames=False, **RAW)
    assert torch.equal(black, torch.zeros_like(black))


def test_unit_frames_resized_bicubically_past_1_are_no_0_255_video():
    """A [0, 1] video resized with a ringing filter (torch's bicubic, as a user resizes before the processor) runs a
    little past 1 and below 0: its values up to 1.11 were taken as [0, 255], every view near -1 (a black video),
    without a word. Values within [0, 2] are refused as those within [0, 1] are (the float_max to give named), read
    on [0, 1] with float_max=1.0; past an eighth below 0 the refusal says to clamp. A video normalised already is
    refused whatever its top value: below 0 by half its brightest value, which no filter's ringing reaches."""
    edge = torch.zeros(8, 3, 16, 16)
    edge[..., 8:] = 1.0
    for low_high in (0.05, 0.0):  # an edge from 0.05 to 0.95, then from 0 to 1
        frames = torch.nn.functional.interpolate(edge * (1 - 2 * low_high) + low_high, size=(30, 30), mode="bicubic")
        assert 1.04 < float(frames.max()) < 1.12 and -0.12 < float(frames.min()) < -0.04  # (the ringing, both ways)
        with pytest.raises(
            ValueError, match=r"\(8, 3, 30, 30\)> is a float video whose values all lie in .*past 1.*float_max=1\.0"
        ):
            ViViTVideoProcessor(**RAW)(frames)
        with pytest.raises(ValueError, match=r"float_max=255 reads it on \[0, 255\]"):  # a config's 255.0
            ViViTVideoProcessor(**RAW, float_max=255.0)(frames)
        pixels = ViViTVideoProcessor(**RAW)(frames, float_max=1.0, return_tensors="pt").pixel_values[0]
        assert torch.allclose(pixels, frames * 255, atol=1e-3)
    with pytest.raises(ValueError, match=r"below 0.*clamp it, video\.clamp\(0, 1\)"):
        ViViTVideoProcessor(**RAW)(frames * 1.6 - 0.3)
    # a [0, 255] video so resized (-125 to 380) was sent to un-normalise it, no word of clamping
    for float_max in (None, 255.0):
        with pytest.raises(ValueError, match=r"below 0.*clamp it, video\.clamp\(0, 255\)\.$"):
            ViViTVideoProcessor(**RAW)((frames * 1.6 - 0.3) * 255, float_max=float_max)
    with pytest.raises(ValueError, match=r"below 0.*\(x \+ 1\) / 2, .* with float_max=1\.0\), or uint8 frames\.$"):
        ViViTVideoProcessor(**RAW)(frames * 2 - 1)  # (a normalised video: no clamping advised)
    # normalised with ImageNet's mean and std (-2.1 to 2.6): a value above 2 passed it for a [0, 255] video, black
    mean, std = torch.tensor([0.485, 0.456, 0.406])[:, None, None], torch.tensor([0.229, 0.224, 0.225])[:, None, None]
    normalised = (frames.clamp(0, 1) - mean) / std
    with pytest.raises(
        ValueError, match=r"from -2\.11.* to 2\.64.* x \* std \+ mean.*that dark, pass float_max=255\.0 to the call\.$"
    ):
        ViViTVideoProcessor(**RAW)(normalised)
    with pytest.raises(ValueError, match=r"from -2\.11.* float pixels lie in \[0, 255\] \(float_max\)"):
        ViViTVideoProcessor(**RAW, float_max=255.0)(normalised)  # (a config's: a default, not the call's word)
    assert ViViTVideoProcessor(**RAW)(normalised, float_max=255.0)["pixel_values"].shape == (1, 8, 3, 30, 30)


def _bright_edges() -> torch.Tensor:
    """A bright scene as [0, 1] pixels (0.55 to 1, a sharp edge in each frame), (8, 3, 30, 30)."""
    edge = torch.full((8, 3, 30, 30), 0.55)
    edge[..., 15:] = 1.0
    return edge


def test_a_bright_video_normalised_already_is_refused_not_read_as_black():
    """A bright scene normalised with ImageNet's mean and std has nothing below 0 (0.28 to 2.64): a value above 2
    passed it for a [0, 255] video, every view near -1 (mean -0.99 where its pixels give 0.55), without a word, with
    or without a config's float_max=255. Refused now up to the top value a normalised video reaches (ImageNet's, or
    the processor's own statistics'); the call's float_max=255.0 still reads it as the dark video it could be."""
    mean, std = torch.tensor([0.485, 0.456, 0.406])[:, None, None], torch.tensor([0.229, 0.224, 0.225])[:, None, None]
    normalised = (_bright_edges() - mean) / std
    assert 0.28 < float(normalised.min()) and 2.6 < float(normalised.max()) < 2.65
    for float_max in (None, 255.0):  # (no float_max, then a config's)
        with pytest.raises(
            ValueError, match=r"\(8, 3, 30, 30\)> .*normalised already.*x \* std \+ mean.*float_max=255\.0"
        ):
            ViViTVideoProcessor(**RAW, float_max=float_max)(normalised)
    read = ViViTVideoProcessor(**RAW)(normalised, float_max=255.0, return_tensors="pt").pixel_values[0]
    torch.testing.assert_close(read, normalised)
    # normalised with the processor's own statistics, which reach higher than ImageNet's (3.5)
    own = dict(image_mean=[0.3, 0.3, 0.3], image_std=[0.2, 0.2, 0.2])
    with pytest.raises(ValueError, match=r"normalised already"):
        ViViTVideoProcessor(**RAW, **own)((_bright_edges() - 0.3) / 0.2)
    bright_0_255 = _bright_edges() * 255  # its pixels on [0, 255]: read as they are
    torch.testing.assert_close(
        ViViTVideoProcessor(**RAW)(bright_0_255, return_tensors="pt").pixel_values[0], bright_0_255
    )


def test_a_dark_0_255_scene_resized_bicubically_is_no_video_normalised_by_statistics_of_mean_0():
    """Statistics of mean 0 and std 0.1 take [0, 1] pixels to 0 to 10, never below 0. A dark [0, 255] scene (a lamp
    of 7 in a dark room) resized bicubically rings below black (-1.2 to 8.6): it was refused as a video normalised
    already could be, every dark clip up to 10 so. Now read as given; a video normalised with them is still refused."""
    scene = torch.zeros(8, 3, 24, 24)
    scene[..., 6:14, 6:14] = 7.0
    scene[..., 14:20, 10:22] = 3.0
    dark = torch.nn.functional.interpolate(scene, size=(30, 30), mode="bicubic")
    assert -1.3 < float(dark.min()) < -1.1 and 8.5 < float(dark.max()) < 8.7
    proc = ViViTVideoProcessor(**RAW, do_normalize=True, image_mean=0.0, image_std=0.1)
    raw = ViViTVideoProcessor(**RAW)
    # (do_rescale off: normalised on the 0-255 scale, as transformers does)
    torch.testing.assert_close(proc(dark, return_tensors="pt").pixel_values[0], dark / 0.1)
    torch.testing.assert_close(raw(dark, return_tensors="pt").pixel_values[0], dark)
    with pytest.raises(ValueError, match=r"values all lie in \[5\.5, 10\]: a bright video normalised already.*10"):
        proc(_bright_edges() / 0.1)


def test_a_dark_0_255_float_video_of_whole_numbers_is_read_on_0_255():
    """uint8 frames made float (values 0, 1 and 2: a night scene, a fade from black) are a [0, 255] video: neither
    [0, 1] pixels, resized or not, nor normalised ones are whole numbers. Values up to 2 were refused as [0, 1] pixels
    could be (they were read right before that rule). 0 and 1 alone could be [0, 1] black and white: still refused, as
    a resized dark video (no whole numbers) is."""
    dark = torch.from_numpy(np.random.default_rng(0).integers(0, 3, (8, 3, 30, 30))).float()
    for float_max in (None, 255.0):
        read = ViViTVideoProcessor(**RAW, float_max=float_max)(dark, return_tensors="pt").pixel_values[0]
        torch.testing.assert_close(read, dark)
        for video in (dark.clamp(0, 1), torch.nn.functional.interpolate(dark, size=(20, 20), mode="bilinear")):
            with pytest.raises(ValueError, match=r"float video whose values all lie in \[0, [12]"):
                ViViTVideoProcessor(**RAW, float_max=float_max)(video)


def test_a_config_float_max_of_4_reads_values_past_1_on_its_scale():
    """A processor saved with float_max=4.0 refused values up to 2 (half its white) as [0, 1] pixels: the overshoot a
    resize gives [0, 1] pixels is taken for them only where it is within an eighth of white. Values up to 1 (a quarter
    of white, or [0, 1] pixels) are still refused."""
    video = torch.linspace(0.1, 1.9, 8 * 3 * 30 * 30).reshape(8, 3, 30, 30)
    proc = ViViTVideoProcessor(**RAW, float_max=4.0)
    torch.testing.assert_close(proc(video, return_tensors="pt").pixel_values[0], video * 255 / 4)
    with pytest.raises(ValueError, match=r"float_max=4 reads it on \[0, 4\].*float_max=1\.0 to the call"):
        proc(video / 2)


def test_float_max_1_with_0_255_values_is_refused(proc):
    video = np.full((8, 30, 30, 3), 200.0, np.float32)
    with pytest.raises(ValueError, match=r"float_max=1.*200"):
        proc(video, float_max=1.0)
    with pytest.raises(ValueError, match="float_max must be a positive number"):
        proc(video, float_max=0)


# -- NaN / inf -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_frames_are_an_error_naming_the_video_and_frames(proc, bad):
    video = np.full((10, 30, 30, 3), 100.0, np.float32)
    video[8, 3, 4, 1] = bad  # frame 8 is outside the sampled clip (1, 3, 5, 7): still a broken array
    with pytest.raises(ValueError, match=r"\(10, 30, 30, 3\).*NaN or infinite.*\[8\]"):
        proc(video)  # values above 1: on [0, 255] without float_max


def test_skip_broken_drops_a_non_finite_video(proc):
    good = np.full((10, 30, 30, 3), 100.0, np.float32)
    bad = good.copy()
    bad[0] = np.nan
    out = proc([good, bad, good], skip_broken=True, return_tensors="pt")
    assert out["kept_indices"].tolist() == [0, 2] and out.pixel_values.shape[0] == 2
    assert proc.num_skipped == 1


# -- tensors that require grad -----------------------------------------------------------------------------------
def test_requires_grad_video_works_and_gradients_flow():
    proc = ViViTVideoProcessor(
        num_frames=4, frame_stride=2, size={"shortest_edge": 32}, crop_size={"height": 28, "width": 28}, do_resize=False
    )
    source = torch.rand(10, 32, 32, 3) * 255
    video = source.clone().requires_grad_(True)
    pixels = proc(video, do_sample_frames=True, return_tensors="pt").pixel_values
    assert pixels.requires_grad and pixels.shape == (1, 4, 3, 28, 28)
    # forward: x / 127.5 - 1 of frames 1, 3, 5, 7, centre crop rows / columns 2..29
    expected = source[[1, 3, 5, 7], 2:30, 2:30].permute(0, 3, 1, 2) / 127.5 - 1
    assert torch.allclose(pixels[0].detach(), expected, atol=1e-6)
    pixels.sum().backward()
    # d(sum)/dx: 1 / 127.5 where a sampled frame's pixel lies in the crop, 0 elsewhere
    grad = torch.zeros(10, 32, 32, 3)
    grad[[1, 3, 5, 7], 2:30, 2:30] = 1 / 127.5
    assert torch.allclose(video.grad, grad, atol=1e-7)
    assert torch.equal(video.detach(), source)  # the caller's tensor is never written


def test_requires_grad_video_with_uint8_augmentations_is_refused(proc):
    video = (torch.rand(10, 32, 32, 3) * 255).requires_grad_(True)
    with pytest.raises(ValueError, match="requires_grad.*rand_augment"):
        proc(video, do_train_augment=True, rand_augment=[2, 9], seed=0)


def test_colour_jitter_of_a_requires_grad_video_keeps_the_graph(proc):
    """The colour augmentation works on the pixels' floats (as DMVR's), so gradients flow through it too."""
    video = (torch.rand(10, 32, 32, 3) * 200 + 20).requires_grad_(True)
    options = dict(do_train_augment=True, do_color_jitter=True, color_jitter_prob=1.0, do_sample_frames=True)
    pixels = proc(video, seed=0, return_tensors="pt", **options).pixel_values
    assert pixels.requires_grad
    pixels.sum().backward()
    assert video.grad is not None and video.grad.abs().sum() > 0


# -- skip_broken with every video broken ---------------------------------------------------------------------------
def test_skip_broken_with_every_video_broken_gives_an_empty_batch_of_the_clip_shape(tmp_path):
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00" * 100)
    proc = ViViTVideoProcessor(**SMALL, skip_broken=True)
    out = proc([str(broken), str(broken)], return_tensors="pt")
    assert isinstance(out.pixel_values, torch.Tensor) and out.pixel_values.dtype == torch.float32
    assert out.pixel_values.shape == (0, 4, 3, 28, 28)  # stacks with other batches, len() == 0
    assert out["kept_indices"].tolist() == [] and proc.num_skipped == 2
    assert proc(str(broken), num_crops=3, num_clips=2, return_tensors="pt").pixel_values.shape == (0, 4, 3, 28, 28)
    # no fixed clip shape (no crop): a clear error rather than a shapeless (0,)
    with pytest.raises(ValueError, match=r"every video.*skipped.*do_center_crop"):
        proc(str(broken), do_center_crop=False)


def test_an_empty_list_of_frames_is_a_broken_video_named_so():
    """An empty list inside the batch (a data set row whose frame list is empty) failed in torch.stack with
    "stack expects a non-empty TensorList", naming no video, and skip_broken could not drop it."""
    with pytest.raises(BrokenVideoError, match=r"empty list of frames.*has no frames"):
        ViViTVideoProcessor(**SMALL)([[]])
    out = ViViTVideoProcessor(**SMALL, skip_broken=True)([[]], return_tensors="pt")
    assert out["kept_indices"].tolist() == [] and out.pixel_values.shape == (0, 4, 3, 28, 28)


@pytest.mark.parametrize("batch", [[[], "video"], ["video", ()]])
def test_an_empty_list_of_frames_beside_a_video_is_dropped_by_skip_broken(batch):
    video = np.random.default_rng(0).integers(0, 256, (4, 30, 40, 3), dtype=np.uint8)
    batch = [video if isinstance(x, str) else x for x in batch]
    with pytest.raises(BrokenVideoError, match=r"empty (list|tuple) of frames.*has no frames"):
        ViViTVideoProcessor(**RAW)(batch)
    out = ViViTVideoProcessor(**RAW, skip_broken=True)(batch, return_tensors="pt")
    kept = [i for i, x in enumerate(batch) if len(x)]
    assert out["kept_indices"].tolist() == kept
    for pixels in out.pixel_values:  # the video that is there, as given: its frames (T, C, H, W) on 0-255
        assert torch.equal(pixels, torch.from_numpy(video).permute(0, 3, 1, 2).float())


# -- a sample_indices override is checked --------------------------------------------------------------------------
class EveryFourth(ViViTVideoProcessor):  # README's example, as it was: 15 frames from a 60-frame video
    def sample_indices(self, num_video_frames, opts, rng, name):
        return np.arange(0, num_video_frames, 4)[None, : opts["num_frames"]]


def test_sample_indices_override_with_the_wrong_count_is_refused():
    video = np.zeros((60, 30, 30, 3), np.uint8)
    with pytest.raises(ValueError, match=r"EveryFourth\.sample_indices.*\(1, 15\).*\(1, 32\).*60"):
        EveryFourth(**{**SMALL, "num_frames": 32})(video)
    assert _pixels(EveryFourth(**{**SMALL, "num_frames": 8}), video).shape == (1, 8, 3, 28, 28)


@pytest.mark.parametrize(
    "indices,problem",
    [
        ([[0, 5, 60, 2]], r"in \[0, 60\)"),  # past the last frame
        ([[0, -1, 3, 2]], r"in \[0, 60\)"),  # negative: would silently wrap on an array
        ([[0.5, 1, 2, 3]], "integer"),
        ([0, 1, 2, 3], r"\(num_clips=1, num_frames=4\)"),  # 1-D
        ([[0, 1, 2, 3], [4, 5, 6, 7]], r"\(num_clips=1, num_frames=4\)"),
    ],
)
def test_sample_indices_override_result_is_checked(indices, problem):
    class Fixed(ViViTVideoProcessor):
        def sample_indices(self, num_video_frames, opts, rng, name):
            return np.array(indices)

    with pytest.raises(ValueError, match=rf"Fixed\.sample_indices.*{problem}"):
        Fixed(**SMALL)(np.zeros((60, 30, 30, 3), np.uint8))


@pytest.mark.parametrize("return_tensors", ["pt", "np", None])
def test_every_video_broken_for_every_return_type(tmp_path, return_tensors):
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00" * 100)
    proc = ViViTVideoProcessor(**SMALL, skip_broken=True)
    out = proc([str(broken)], return_tensors=return_tensors, return_metadata=True)
    assert tuple(out["pixel_values"].shape) == (0, 4, 3, 28, 28)
    assert len(out["kept_indices"]) == 0
    # a list of dicts, as with videos kept and in transformers' processors (it became a (0,) tensor with "pt", and
    # "np" failed: "Unable to convert output 'video_metadata' (type: list) to tensor")
    assert isinstance(out["video_metadata"], list) and out["video_metadata"] == []
    kept = proc([str(broken), np.zeros((12, 30, 30, 3), np.uint8)], return_tensors=return_tensors, return_metadata=True)
    assert isinstance(kept["video_metadata"], list) and kept["video_metadata"][0]["total_num_frames"] == 12


def test_single_pil_image_is_one_frame(proc):
    from PIL import Image

    image = np.random.default_rng(0).integers(0, 256, (40, 50, 3), dtype=np.uint8)
    pixels = _pixels(proc, Image.fromarray(image), short_video="pad", **RAW)  # as transformers: one frame
    assert pixels.shape == (1, 4, 3, 40, 50)
    assert torch.equal(pixels[0, 3], torch.from_numpy(image).permute(2, 0, 1).float())


def test_an_animated_pil_image_is_a_video_of_its_frames(tmp_path):
    """`Image.open("x.gif")` of an animated GIF was read as one image: a one-frame clip of its first frame. Its frames
    are those a sequential PyAV decode of the file gives."""
    import av
    from PIL import Image

    def animation(name, first):
        frames = [Image.fromarray(np.full((24, 32, 3), 20 * (first + i), np.uint8)) for i in range(6)]
        frames[0].save(tmp_path / name, save_all=True, append_images=frames[1:], duration=40, loop=0)
        with av.open(str(tmp_path / name)) as container:
            truth = np.stack([frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)])
        return Image.open(tmp_path / name), torch.from_numpy(truth).permute(0, 3, 1, 2).float()

    (one, one_truth), (two, two_truth) = animation("one.gif", 0), animation("two.gif", 6)
    proc = ViViTVideoProcessor(do_resize=False, do_center_crop=False, do_rescale=False)
    assert torch.equal(_pixels(proc, one)[0], one_truth) and one.tell() == 0  # PIL's frame position kept
    several = proc([one, two], return_tensors=None).pixel_values  # a list of animated images: a video each
    assert torch.equal(several[0], one_truth) and torch.equal(several[1], two_truth)
    with pytest.raises(ValueError, match="Frame 1 of a video given as a list of frames is an animated image of 6"):
        proc([Image.new("RGB", (32, 24)), one])


def test_16_bit_pil_frames_are_scaled_as_a_uint16_array_is(proc):
    # the trial's depth video: 16-bit PNG frames open as mode I;16, and convert("RGB") clipped them at 255 (white)
    import io

    from PIL import Image

    video = np.random.default_rng(0).integers(0, 65536, (8, 30, 40), dtype=np.uint16)
    frames = []
    for frame in video:
        png = io.BytesIO()
        Image.fromarray(frame).save(png, format="PNG")
        frames.append(Image.open(io.BytesIO(png.getvalue())))
    assert frames[0].mode.startswith("I;16")
    expected = _pixels(proc, video[..., None], **RAW)
    assert expected.max() > 250 and expected.min() < 5
    assert torch.equal(_pixels(proc, frames, **RAW), expected)
    wide = [frame.convert("I") for frame in frames]  # 32-bit integers: no scale to take, refused naming the range
    with pytest.raises(ValueError, match="int32 video .* values from .* outside \\[0, 255\\]"):
        proc(wide, **RAW)


def test_16_bit_pil_frames_with_a_transparent_grey_are_composited_onto_white():
    """A 16-bit grey PNG's tRNS key (mode I;16, `info["transparency"]`) was dropped: a transparent pixel showed its
    stored grey (7 of 65535, black) where PIL's RGBA and transformers' `convert_to_rgb` give white."""
    import io

    from PIL import Image

    video = np.random.default_rng(1).integers(0, 65536, (2, 12, 14), dtype=np.uint16)
    video[:, :4] = 7
    frames = []
    for frame in video:
        png = io.BytesIO()
        Image.fromarray(frame).save(png, format="PNG", transparency=7)
        frames.append(Image.open(io.BytesIO(png.getvalue())))
    assert frames[0].mode.startswith("I;16") and frames[0].info["transparency"] == 7
    grey = np.where(video == 7, 255.0, np.round(video / 257.0))  # white where transparent, the 16-bit grey elsewhere
    expected = torch.from_numpy(np.repeat(grey[:, None], 3, axis=1)).float()
    proc = ViViTVideoProcessor(**RAW)
    torch.testing.assert_close(_pixels(proc, frames)[0], expected, rtol=0, atol=1e-3)
    with pytest.raises(ValueError, match=r"do_convert_rgb=False: .* has transparency \(alpha\)"):  # as L with one
        proc(frames, do_convert_rgb=False)


# -- the advice for [0, 1] floats given with do_rescale=False (transformers' "already rescaled") gives, followed as a
# whole, the right pixels; values below 0 are no pixels on any scale -------------------------------------------------
def test_advice_for_0_1_floats_with_do_rescale_false_gives_the_right_pixels_when_followed(proc):
    unit = np.random.default_rng(0).random((8, 30, 30, 3), dtype=np.float32)
    keep = dict(do_sample_frames=False, do_resize=False, do_center_crop=False)
    with pytest.raises(ValueError, match=r"pass float_max=1\.0 and leave do_rescale on") as refused:
        proc(unit, do_rescale=False, **keep)
    assert "do_rescale=False" in str(refused.value)  # says why keeping it would be wrong
    followed = _pixels(proc, unit, float_max=1.0, **keep)  # float_max=1.0, do_rescale left on
    by_hand = torch.from_numpy(unit).permute(0, 3, 1, 2) * 255 / 127.5 - 1  # scenic's [-1, 1]
    assert torch.allclose(followed[0], by_hand, atol=1e-5)
    kept_off = _pixels(proc, unit, float_max=1.0, do_rescale=False, **keep)  # what the advice warns against
    assert torch.allclose(kept_off[0], torch.from_numpy(unit).permute(0, 3, 1, 2) * 255, atol=1e-4)


@pytest.mark.parametrize(
    "video, float_max",
    [
        (np.linspace(-1, 1, 8 * 30 * 30 * 3, dtype=np.float32).reshape(8, 30, 30, 3), 1.0),  # normalised already
        (np.linspace(-128, 127, 8 * 30 * 30 * 3, dtype=np.float32).reshape(8, 30, 30, 3), None),  # centred 0-255
    ],
    ids=["minus_1_to_1_with_float_max_1", "centred_0_255"],
)
def test_negative_float_pixels_are_refused_naming_the_range_found(proc, video, float_max):
    low, high = video.min(), video.max()
    with pytest.raises(ValueError, match=rf"values from {low:g} to {high:g}, below 0"):
        proc(video, float_max=float_max)


def test_a_resize_filters_small_overshoot_below_black_is_kept_as_transformers_keeps_it(proc):
    # bicubic ringing at a black edge of a [0, 255] float video: a few grey levels below 0, no other scale
    video = np.full((8, 30, 30, 3), 200.0, dtype=np.float32)
    video[:, :, :15] = 0.0
    video[:, :, 15] = -12.0
    keep = dict(do_sample_frames=False, do_resize=False, do_center_crop=False)
    pixels = _pixels(proc, video, float_max=255.0, **keep)
    by_hand = torch.from_numpy(video).permute(0, 3, 1, 2) / 127.5 - 1  # scenic's [-1, 1], nothing clipped
    assert torch.allclose(pixels[0], by_hand, atol=1e-5)


# -- transformers' options this processor cannot honour are refused by name, never accepted and ignored -----------
def test_options_that_cannot_be_honoured_are_refused_by_name(proc):
    grey = np.random.default_rng(0).integers(0, 256, (8, 30, 30, 1), dtype=np.uint8)
    with pytest.raises(ValueError, match="do_pad is not supported"):
        proc(grey, do_pad=True)
    with pytest.raises(ValueError, match="do_pad is not supported"):
        ViViTVideoProcessor(**SMALL, do_pad=True)


@pytest.mark.parametrize("kind", ["numpy", "pil"])
def test_do_convert_rgb_off_gives_transformers_pixels(kind):
    """`do_convert_rgb=False` was refused for every video (and a processor built or saved with it), where transformers'
    processors give an RGB video's pixels unchanged and a grey one's repeated to RGB (by broadcasting it against the
    three channels of `image_mean`)."""
    from PIL import Image

    video = np.random.default_rng(0).integers(0, 256, (4, 30, 40, 3), dtype=np.uint8)
    grey = video[..., :1].copy()
    ours = ViViTVideoProcessor(
        normalization="transformers_vivit", size={"shortest_edge": 20}, crop_size={"height": 18, "width": 18}
    )
    for given in (video, grey):
        expected = _transformers_vivit(given, do_convert_rgb=False)
        if kind == "pil":
            given = [Image.fromarray(f if f.shape[-1] == 3 else f[..., 0]) for f in given]
        got = ours(given, do_convert_rgb=False, return_tensors="pt")["pixel_values"][0]
        torch.testing.assert_close(got, expected, rtol=0, atol=1e-6)
    built = ViViTVideoProcessor(do_convert_rgb=False, **SMALL)
    assert built.do_convert_rgb is False


def test_do_convert_rgb_off_keeps_a_grey_videos_one_channel_as_transformers_does():
    """A grey video under `do_convert_rgb=False` keeps its one channel in transformers' processors unless a
    normalisation of three channels' statistics broadcasts it to three: without normalisation, or with one number for
    the mean and std, `(frames, 1, H, W)`, the input of a `num_channels=1` model. Here it was repeated to RGB
    whatever the options (`(frames, 3, H, W)`: `do_convert_rgb=False` ignored, and a one-channel model refused
    every grey video)."""
    from PIL import Image

    from vivit_hf import ViViTFactorisedEncoderConfig, ViViTFactorisedEncoderForVideoClassification

    grey = np.random.default_rng(2).integers(0, 256, (4, 30, 40, 1), dtype=np.uint8)
    kinds = (grey, [Image.fromarray(f[..., 0]) for f in grey], torch.from_numpy(grey).permute(0, 3, 1, 2))
    ours = ViViTVideoProcessor(
        normalization="transformers_vivit", size={"shortest_edge": 20}, crop_size={"height": 18, "width": 18}
    )
    # (a one-number list is one number there: it was read as three channels' statistics, repeated to RGB)
    for options in (
        dict(do_normalize=False),
        dict(image_mean=0.25, image_std=0.5),
        dict(image_mean=[0.25], image_std=[0.5]),
    ):
        expected = _transformers_vivit(grey, do_convert_rgb=False, **options)
        assert expected.shape == (4, 1, 18, 18)
        for given in kinds:
            got = ours(given, do_convert_rgb=False, return_tensors="pt", **options)["pixel_values"][0]
            torch.testing.assert_close(got, expected, rtol=0, atol=1e-6)
    # the default scenic preset normalises nothing: one channel, x / 127.5 - 1, for a one-channel model
    config = ViViTFactorisedEncoderConfig(
        image_size=16, num_frames=4, tubelet_size=[2, 16, 16], hidden_size=8, num_hidden_layers=1,
        num_attention_heads=2, intermediate_size=8, num_labels=2, num_channels=1,
    )  # fmt: skip
    model = ViViTFactorisedEncoderForVideoClassification(config).eval()
    scenic = ViViTVideoProcessor(do_convert_rgb=False, size={"shortest_edge": 16}, crop_size=16)
    inputs = scenic(grey, return_tensors="pt")
    assert inputs["pixel_values"].shape == (1, 4, 1, 16, 16)
    assert model(**inputs).logits.shape == (1, 2)


@pytest.mark.parametrize("kind", ["numpy", "pil"])
def test_do_convert_rgb_off_keeps_a_4th_channel_as_transformers_does(kind):
    """transformers' processors keep a 4-channel video's 4 channels under `do_convert_rgb=False` (its common test
    `test_call_numpy_4_channels` expects `(frames, 4, H, W)` then), the input of a `num_channels=4` model: it was
    refused here ("the ViViT models take 3 channels")."""
    from PIL import Image

    rgba = np.random.default_rng(1).integers(0, 256, (4, 30, 40, 4), dtype=np.uint8)
    given = [Image.fromarray(f) for f in rgba] if kind == "pil" else rgba
    expected = _transformers_vivit(
        [Image.fromarray(f) for f in rgba], do_convert_rgb=False, image_mean=0.0, image_std=1.0
    )
    ours = ViViTVideoProcessor(
        normalization="transformers_vivit", size={"shortest_edge": 20}, crop_size={"height": 18, "width": 18}
    )
    got = ours(given, do_convert_rgb=False, image_mean=0.0, image_std=1.0, return_tensors="pt")["pixel_values"][0]
    assert got.shape == (4, 4, 18, 18)
    torch.testing.assert_close(got, expected, rtol=0, atol=1e-6)
    # `raw_views` and `normalization_affine` give them too, as `apply_affine` of the one by the other
    from vivit_hf.processing.video_transforms import apply_affine

    raw = ours.raw_views(given, do_convert_rgb=False, return_tensors="pt")["pixel_values"][0]
    assert torch.equal(apply_affine(raw, *ours.normalization_affine(image_mean=0.0, image_std=1.0)), got)
    # statistics of their own for each of 3 channels cannot be read for 4: said so, naming them
    with pytest.raises(ValueError, match=r"image_mean=.* give each of 3 channels .* these views have 4 channels"):
        ours(given, do_convert_rgb=False, image_mean=[0.4, 0.5, 0.6], return_tensors="pt")
    # and so is colour augmentation, which reads RGB
    with pytest.raises(ValueError, match=r"do_color_jitter changes RGB colours, but this clip has 4 channels"):
        ours(given, do_convert_rgb=False, do_train_augment=True, do_color_jitter=True, image_mean=0.0, image_std=1.0)


@pytest.mark.parametrize("mode", ["P", "RGB"])
def test_do_convert_rgb_off_refuses_frames_with_a_transparent_colour_naming_the_transparency(tmp_path, mode):
    """Palette (P) image files with a transparent colour have one band, as grey frames (which do_convert_rgb=False
    takes); refused for their transparency, the message said they had "1 channels". An RGB PNG's transparent colour
    (a tRNS key) is no 4th channel of its own either: it gave 4 channels, an RGBA clip of 0 / 255 alpha for a model
    of 3 (transformers' processors read such a frame's 3 bands, the key dropped)."""
    from PIL import Image

    paths = []
    for i, frame in enumerate(np.random.default_rng(0).integers(0, 256, (3, 12, 14), dtype=np.uint8)):
        image = Image.fromarray(frame).convert(mode)
        paths.append(tmp_path / f"{i}.png")
        image.save(paths[-1], transparency=0 if mode == "P" else tuple(np.asarray(image)[0, 0].tolist()))
    with pytest.raises(
        ValueError, match=r"do_convert_rgb=False: .* has transparency \(alpha\), which this processor keeps only"
    ):
        ViViTVideoProcessor(**SMALL)([Image.open(p) for p in paths], do_convert_rgb=False)


# -- transparency: composited onto white, as transformers' `convert_to_rgb` composites it (dropping alpha showed the
# colour a transparent pixel stores, black mostly, and half-transparent pixels unblended) ---------------------------
def _transparent_video(seed=0) -> np.ndarray:
    """(T, H, W, 4) uint8: a coloured square, a half-transparent band, and a fully transparent background that
    stores black (as a PNG writer stores cleared pixels)."""
    rng = np.random.default_rng(seed)
    video = np.zeros((4, 30, 40, 4), np.uint8)
    video[:, 8:22, 10:26, :3] = rng.integers(0, 256, (4, 14, 16, 3), dtype=np.uint8)
    video[:, 8:22, 10:26, 3] = 255
    video[:, 24:28, :, :3] = rng.integers(0, 256, (4, 4, 40, 3), dtype=np.uint8)
    video[:, 24:28, :, 3] = rng.integers(0, 256, (4, 4, 40), dtype=np.uint8)
    return video


def _transformers_vivit(video, **options) -> torch.Tensor:
    """transformers' own ViViT video processor (do_convert_rgb on), every frame kept, on `video` (channels last)."""
    from transformers import VivitVideoProcessor

    theirs = VivitVideoProcessor(size={"shortest_edge": 20}, crop_size={"height": 18, "width": 18}, **options)
    return theirs(video, input_data_format="channels_last", return_tensors="pt")["pixel_values"][0]


@pytest.mark.parametrize("kind", ["numpy", "torch TCHW", "pil", "float [0, 1]"])
def test_transparent_frames_are_composited_onto_white_as_transformers_does(kind):
    from PIL import Image

    video = _transparent_video()
    expected = _transformers_vivit(video)
    by_hand = video[..., :3] * (video[..., 3:] / 255.0) + 255 * (1 - video[..., 3:] / 255.0)
    raw = ViViTVideoProcessor(**RAW)(video, return_tensors="pt").pixel_values[0]
    torch.testing.assert_close(raw, torch.from_numpy(by_hand).float().permute(0, 3, 1, 2), rtol=0, atol=1e-4)
    assert float(raw[:, :, 0, 0].min()) == 255.0  # the transparent background is white, not the black it stores
    given, options = {
        "numpy": (video, {}),
        "torch TCHW": (torch.from_numpy(video).permute(0, 3, 1, 2), {}),
        "pil": ([Image.fromarray(frame, "RGBA") for frame in video], {}),
        "float [0, 1]": (video.astype(np.float32) / 255, {"float_max": 1.0}),
    }[kind]
    ours = ViViTVideoProcessor(
        normalization="transformers_vivit", size={"shortest_edge": 20}, crop_size={"height": 18, "width": 18}
    )
    torch.testing.assert_close(ours(given, return_tensors="pt", **options).pixel_values[0], expected, rtol=0, atol=1e-5)


def test_opaque_alpha_is_dropped_and_a_gif_opened_with_pil_reads_as_its_file(tmp_path):
    """An alpha channel that is opaque everywhere changes no pixel (uint8 kept, as transformers keeps it); an
    animated GIF with a transparent background, read from its file (FFmpeg's decoder paints it white) and opened
    with PIL, gives the same pixels (PIL's frames were read black there)."""
    from PIL import Image

    proc = ViViTVideoProcessor(**RAW)
    video = _transparent_video()
    opaque = video.copy()
    opaque[..., 3] = 255
    assert torch.equal(
        proc(opaque, return_tensors="pt").pixel_values, proc(opaque[..., :3], return_tensors="pt").pixel_values
    )
    frames = [Image.fromarray(np.where(frame[..., 3:] == 255, frame, 0).astype(np.uint8), "RGBA") for frame in video]
    frames[0].save(tmp_path / "t.gif", save_all=True, append_images=frames[1:], duration=100, loop=0, disposal=2)
    from_file = proc(str(tmp_path / "t.gif"), do_sample_frames=False, return_tensors="pt").pixel_values
    from_pil = proc(Image.open(tmp_path / "t.gif"), return_tensors="pt").pixel_values
    assert float(from_file[0, :, :, 0, 0].min()) == 255.0
    torch.testing.assert_close(from_pil, from_file, rtol=0, atol=0)


@pytest.mark.parametrize("mode", ["RGBA", "LA", "P"])
def test_a_transparent_png_given_by_its_path_is_composited_onto_white_as_its_pil_image_is(tmp_path, mode):
    """A still PNG with transparency given as a video's path was read by FFmpeg's decoder, which drops the alpha: its
    transparent pixels came out as the colour they store (255 grey levels off for RGBA and LA, 110 for a palette's
    transparent index), where the same picture as a PIL frame, or as a frame's image file, is composited onto white."""
    from PIL import Image

    frame = _transparent_video()[0]
    image = Image.fromarray(frame, "RGBA")
    if mode == "LA":
        image = image.convert("LA")
    elif mode == "P":
        image = Image.fromarray(np.ascontiguousarray(frame[..., :3])).quantize(8)
        image.info["transparency"] = 0
    image.save(tmp_path / "still.png")
    shown = np.asarray(Image.open(tmp_path / "still.png").convert("RGBA")).astype(np.float64)
    picture = shown[..., :3] * (shown[..., 3:] / 255.0) + 255 * (1 - shown[..., 3:] / 255.0)
    proc = ViViTVideoProcessor(**RAW)
    read = proc(str(tmp_path / "still.png"), do_sample_frames=False, return_tensors="pt").pixel_values
    assert read.shape == (1, 1, 3, *frame.shape[:2])
    torch.testing.assert_close(read[0, 0], torch.from_numpy(picture).float().permute(2, 0, 1), rtol=0, atol=1e-4)
    # still sampled as a file (read as frames in memory it stayed 1 frame where an opaque PNG looped to 4)
    looped = proc(str(tmp_path / "still.png"), num_frames=4, short_video="loop", return_tensors="pt").pixel_values
    torch.testing.assert_close(looped[0], read[0].expand(4, -1, -1, -1))


@pytest.mark.parametrize("mode", ["RGBA", "LA", "P"])
def test_a_transparent_png_path_reads_composited_with_do_convert_rgb_off_as_a_one_frame_apng_does(tmp_path, mode):
    """A file given by its path is read as RGB composited onto white whatever do_convert_rgb says: every video file is
    (APNG, WebM with alpha), and transformers' `load_video` reads any file as rgb24. A transparent PNG's path kept
    its PIL frame's bands (RGBA: 4 channels, its alpha as the 4th; LA and palette: refused) where a one-frame APNG of
    the same picture read as its composite. Its PIL frame, given as one, keeps its bands (transformers keeps them)."""
    from PIL import Image

    frame = _transparent_video()[0]
    image = Image.fromarray(frame, "RGBA")
    image = image.convert("LA") if mode == "LA" else image
    if mode == "P":
        image = Image.fromarray(np.ascontiguousarray(frame[..., :3])).quantize(8)
        image.info["transparency"] = 0
    image.save(tmp_path / "still.png")
    with av.open(str(tmp_path / "still.apng"), "w", format="apng") as container:  # (PIL writes one frame as a PNG)
        stream = container.add_stream("apng", rate=10)
        stream.width, stream.height, stream.pix_fmt = frame.shape[1], frame.shape[0], "rgba"
        picture = np.asarray(Image.open(tmp_path / "still.png").convert("RGBA"))
        container.mux(stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(picture), format="rgba")))
        container.mux(stream.encode())
    proc = ViViTVideoProcessor(**RAW, decode_backend="pyav")
    off = dict(do_convert_rgb=False, do_sample_frames=False, return_tensors="pt")
    from_png = proc(str(tmp_path / "still.png"), **off).pixel_values
    from_apng = proc(str(tmp_path / "still.apng"), **off).pixel_values
    assert from_png.shape == (1, 1, 3, *frame.shape[:2])
    torch.testing.assert_close(from_png, from_apng, rtol=0, atol=0.51)
    torch.testing.assert_close(
        from_png, proc(str(tmp_path / "still.png"), **off | dict(do_convert_rgb=True)).pixel_values
    )
    if mode == "RGBA":  # (its PIL frame keeps its 4 bands)
        assert proc(Image.open(tmp_path / "still.png"), **off).pixel_values.shape == (1, 1, 4, *frame.shape[:2])


@pytest.mark.parametrize("mode", ["RGBA", "LA", "P", "L"])
def test_a_video_given_as_image_files_reads_rgb_with_do_convert_rgb_off_as_one_of_them_alone_does(tmp_path, mode):
    """A video given as its frames' image files (`proc([frame_paths])`) is read as transformers' `load_image` reads
    each, and as one such file given by its path is read: RGB, a transparent one composited onto white, whatever
    do_convert_rgb says. With it off, RGBA PNGs kept 4 channels and grey ones 1, LA and palette ones were refused,
    where the same file alone read as 3 channels."""
    from PIL import Image

    frame = _transparent_video()[0]
    image = Image.fromarray(frame, "RGBA")
    image = image.convert(mode) if mode in ("LA", "L") else image
    if mode == "P":
        image = Image.fromarray(np.ascontiguousarray(frame[..., :3])).quantize(8)
        image.info["transparency"] = 0
    image.save(tmp_path / "still.png")
    path = str(tmp_path / "still.png")
    proc = ViViTVideoProcessor(**RAW, decode_backend="pyav")
    off = dict(do_convert_rgb=False, return_tensors="pt")
    alone = proc(path, num_frames=2, short_video="loop", **off).pixel_values
    assert alone.shape == (1, 2, 3, *frame.shape[:2])
    torch.testing.assert_close(proc([[path, path]], do_sample_frames=False, **off).pixel_values, alone)


def test_a_still_image_path_has_no_frame_rate_opaque_or_transparent_as_its_pil_frame_has_none(tmp_path, caplog):
    """An opaque still PNG given by its path took the rate FFmpeg's image demuxers make up (25 fps, their default):
    `fps=2` kept its frame, `fps=50` was refused as "1 at 25 frames per second", where a transparent PNG's path (read
    with PIL) and its PIL frame were refused as having no rate. A still image has none, given as either; a rate
    given with it is taken (not said to differ from the made-up one), and a one-frame video file keeps its own."""
    from PIL import Image
    from video_factory import write_video

    frame = _transparent_video()[0]
    Image.fromarray(np.ascontiguousarray(frame[..., :3])).save(tmp_path / "opaque.png")
    Image.fromarray(frame, "RGBA").save(tmp_path / "transparent.png")
    proc = ViViTVideoProcessor(**RAW)
    for video in (tmp_path / "opaque.png", tmp_path / "transparent.png", Image.open(tmp_path / "opaque.png")):
        with pytest.raises(ValueError, match=r"Asked for fps=2 but .* has no frame rate: pass `video_metadata`"):
            proc(str(video) if isinstance(video, os.PathLike) else video, fps=2)
    with caplog.at_level(logging.WARNING):
        given = proc(str(tmp_path / "opaque.png"), fps=1, video_metadata={"fps": 1}, return_tensors="pt")
    assert given.pixel_values.shape == (1, 1, 3, 30, 40) and not caplog.records, caplog.text
    write_video(tmp_path / "one.mp4", num_frames=1, height=32, width=32, fps=30)
    assert proc(str(tmp_path / "one.mp4"), fps=2, return_tensors="pt").pixel_values.shape == (1, 1, 3, 32, 32)


@pytest.mark.parametrize("mode", ["YCbCr", "CMYK", "HSV", "LAB", "P", "RGBa", "La"])
def test_a_pil_frame_of_any_mode_reads_as_the_picture_it_holds(mode):
    """A PIL frame in another colour space reads as PIL converts it to RGB (transformers' `convert_to_rgb` of a PIL
    image; its ViViT and ViT processors read a YCbCr frame's Y, Cb, Cr as R, G, B), with transparency composited onto
    white. Premultiplied alpha (RGBa) lost its alpha, 127 off of 255; La stopped in PIL's "conversion from La to L not
    supported"; a LAB frame's a* was taken for an alpha (a 4th channel with do_convert_rgb=False); a palette (P) frame
    with do_convert_rgb=False was one channel, the red of its colours. (CMYK's 4 channels: refused there.)"""
    from PIL import Image

    video = _transparent_video()[:2]
    if mode in ("RGBa", "La"):
        frames = [Image.fromarray(f, "RGBA").convert("LA" if mode == "La" else mode).convert(mode) for f in video]
    else:
        frames = [Image.fromarray(np.ascontiguousarray(f[..., :3])).convert(mode) for f in video]
    shown = np.stack([np.asarray(f.convert("LA" if mode == "La" else f.mode).convert("RGBA")) for f in frames])
    picture = shown[..., :3] * (shown[..., 3:] / 255.0) + 255 * (1 - shown[..., 3:] / 255.0)
    expected = torch.from_numpy(picture).float().permute(0, 3, 1, 2)
    proc = ViViTVideoProcessor(**RAW)
    torch.testing.assert_close(proc(frames, return_tensors="pt").pixel_values[0], expected, rtol=0, atol=1e-4)
    if mode not in ("RGBa", "La", "CMYK"):  # do_convert_rgb=False changes no pixel of an opaque 3-colour picture
        kept = proc(frames, do_convert_rgb=False, return_tensors="pt").pixel_values[0]
        torch.testing.assert_close(kept, expected, rtol=0, atol=1e-4)


def test_decoded_transparent_frames_given_back_give_the_same_pixels():
    proc = ViViTVideoProcessor(size={"shortest_edge": 20}, crop_size={"height": 18, "width": 18})
    video = _transparent_video()
    for given, options in ((video, {}), (video.astype(np.float32) / 255, {"float_max": 1.0})):
        decoded = proc.decode_video_frames(given, **options)
        assert tuple(decoded.shape) == (4, 30, 40, 3) and decoded.dtype == torch.float32  # uint8: on [0, 255]
        again = proc(decoded, input_data_format="channels_last", return_tensors="pt", **options).pixel_values
        torch.testing.assert_close(again, proc(given, return_tensors="pt", **options).pixel_values, rtol=0, atol=1e-6)


# -- a video given as its frames' image files (extracted frames; the image URLs a chat template passes) --------------
def test_a_video_given_as_image_files_reads_them_upright_as_transformers_load_image_does(tmp_path):
    """`proc([[frame paths]])` failed with torch's "can't convert np.ndarray of type numpy.str_". transformers opens
    each with `load_image` (EXIF orientation applied): the reference here, on JPEG frames a phone stored sideways."""
    from pathlib import Path

    from PIL import Image
    from transformers.image_utils import load_image

    rng = np.random.default_rng(0)
    paths = []
    for index, frame in enumerate(rng.integers(0, 256, (8, 30, 40, 3), dtype=np.uint8)):
        exif = Image.Exif()
        exif[0x0112] = 6  # orientation: shown turned 90 degrees clockwise
        paths.append(str(tmp_path / f"{index:05d}.jpg"))
        Image.fromarray(frame).save(paths[-1], exif=exif, quality=95)
    upright = np.stack([np.asarray(load_image(path)) for path in paths])
    assert upright.shape == (8, 40, 30, 3)
    proc = ViViTVideoProcessor(**SMALL)
    expected = _pixels(proc, upright)
    assert torch.equal(_pixels(proc, [paths]), expected)
    assert torch.equal(_pixels(proc, [[Path(p) for p in paths]] * 2), torch.cat([expected, expected]))
    (tmp_path / "00002.jpg").unlink()
    with pytest.raises(ValueError, match="Frame 2 of a video given as 8 image files, .*00002.jpg.* does not exist"):
        proc([paths])


@pytest.mark.parametrize("pattern", ["%05d.png", "%d.png", "*.png"])
def test_a_pattern_naming_extracted_frames_says_it_is_an_image_sequence_and_how_to_pass_it(tmp_path, pattern):
    """`ffmpeg -i frames/%05d.png` reads extracted frames as a video; given here, the pattern was "Video file
    '.../%05d.png' does not exist." for frames the caller can list. The refusal names the files and the way to pass
    them, which reads them (an image sequence states no rate: read as a file, it would take FFmpeg's 25 fps)."""
    from PIL import Image

    from vivit_hf.processing.video_io import VideoDecodeError

    paths = [str(tmp_path / f"{index:05d}.png") for index in range(12)]
    for index, path in enumerate(paths):
        Image.fromarray(np.full((30, 40, 3), 20 * index, np.uint8)).save(path)
    proc = ViViTVideoProcessor(**{**SMALL, "do_sample_frames": None})  # a saved processor's default: frames kept
    named = re.escape(f"a pattern naming 12 files ({paths[0]!r} ... {paths[-1]!r}), an image sequence")
    advice = re.escape("`[frame_paths]` (to a processor with do_sample_frames=True")
    with pytest.raises(VideoDecodeError, match=named + ".*" + advice + ".*video_metadata"):
        proc(str(tmp_path / pattern))
    # the advice, followed: a clip of the model's 4 frames, as of a video file (`[paths]` alone kept all 12, which
    # the model refused)
    assert _pixels(proc, [paths], do_sample_frames=True).shape[1] == 4
    with pytest.raises(VideoDecodeError, match=r"does not exist\.$"):  # a pattern that names no file: no advice
        proc(str(tmp_path / pattern.replace("png", "jpg")))


def test_a_pattern_naming_videos_says_to_pass_them_and_a_missing_name_in_brackets_is_no_pattern(tmp_path):
    """`clips/*.mp4` names several videos, each one (not an image sequence); `Title [1].mp4` (a download tool's name)
    that is not there is a missing file, though `[1]` as a glob matches `Title 1.mp4`."""
    from vivit_hf.processing.video_io import VideoDecodeError

    for name in ("a.mp4", "b.mp4", "Title 1.mp4"):
        (tmp_path / name).write_bytes(b"not read")
    proc = ViViTVideoProcessor(**SMALL)
    with pytest.raises(VideoDecodeError, match=r"naming 3 files .*a path is one video: pass a list of the paths"):
        proc(str(tmp_path / "*.mp4"))
    with pytest.raises(VideoDecodeError, match=r"Title \[1\]\.mp4' does not exist\.$"):
        proc(str(tmp_path / "Title [1].mp4"))


def test_a_nested_list_of_videos_is_flattened_as_transformers_make_batched_videos_flattens_it(tmp_path):
    """`[[a, b], [c]]` (videos grouped by sample) was taken for one video's frames and failed ("the frames of one
    video must share a size", "a video array must have 4 dimensions"); transformers flattens it to a, b, c."""
    from PIL import Image
    from transformers.video_utils import make_batched_videos

    rng = np.random.default_rng(0)
    a, b = rng.integers(0, 256, (4, 30, 40, 3), dtype=np.uint8), rng.integers(0, 256, (2, 30, 40, 3), dtype=np.uint8)
    proc = ViViTVideoProcessor(**RAW)
    for nested in ([[a, b], [a]], [(a, b)], [[[Image.fromarray(f) for f in a]], [b]]):
        got = proc(nested).pixel_values
        expected = [
            torch.from_numpy(np.asarray(video)).permute(0, 3, 1, 2).float() for video in make_batched_videos(nested)
        ]
        assert len(got) == len(expected) and all(torch.equal(x, y) for x, y in zip(got, expected))
    video_file = tmp_path / "clip.mp4"
    video_file.write_bytes(b"\x00" * 64)
    with pytest.raises(ValueError, match="image files, .*clip.mp4.*video files are passed as a flat list of paths"):
        proc([[str(video_file), str(video_file)]])


@pytest.mark.parametrize("where", ["call", "processor"])
def test_a_misspelt_input_data_format_is_refused_naming_it_not_ignored(where):
    """`input_data_format="channel_last"` was read as none given: an ambiguous (T, 3, W, 3) array was read
    channels-first, against what the caller asked for."""
    video = np.random.default_rng(0).integers(0, 256, (4, 3, 40, 3), dtype=np.uint8)
    with pytest.raises(ValueError, match="input_data_format must be .*'channel_last'.*did you mean 'channels_last'"):
        if where == "call":
            ViViTVideoProcessor(**RAW)(video, input_data_format="channel_last")
        else:
            ViViTVideoProcessor(**RAW, input_data_format="channel_last")
    from transformers.image_utils import ChannelDimension

    as_enum = ViViTVideoProcessor(**RAW)(video, input_data_format=ChannelDimension.LAST, return_tensors="pt")
    assert tuple(as_enum.pixel_values.shape) == (1, 4, 3, 3, 40)


@pytest.mark.parametrize("where", ["call", "processor"])
@pytest.mark.parametrize("given, right", [("channels_first", "channels_last"), ("channels_last", "channels_first")])
def test_an_input_data_format_the_array_contradicts_is_refused_not_read_as_garbage(where, given, right):
    """`input_data_format="channels_first"` (said in the call, or saved on the processor) for a (T, H, W, 3) array
    read its 40 rows as 40 channels and kept the first 3 as RGB: pixels of the right shape, none of them the video's."""
    thwc = np.random.default_rng(0).integers(0, 256, (4, 40, 50, 3), dtype=np.uint8)
    video = thwc if right == "channels_last" else thwc.transpose(0, 3, 1, 2)
    message = rf"input_data_format='{given}'.*\(4, .*channels must be.*the array is {right}"
    with pytest.raises(ValueError, match=message):
        if where == "call":
            ViViTVideoProcessor(**RAW)(video, input_data_format=given)
        else:
            ViViTVideoProcessor(**RAW, input_data_format=given)(video)
    # the format that fits gives the video's own pixels
    pixels = _pixels(ViViTVideoProcessor(**RAW), video, input_data_format=right)
    assert torch.equal(pixels[0], torch.from_numpy(thwc).permute(0, 3, 1, 2).float())


def test_frames_given_with_different_channel_counts_are_one_video():
    """One video's frames as a PIL RGB frame, an (H, W) grey array and an RGBA array: each is read as it is alone
    (grey repeated to RGB, alpha composited onto white). They were refused, "the frames of one video must share a
    size", for frames of one size."""
    from PIL import Image

    rng = np.random.default_rng(2)
    rgb = rng.integers(0, 256, (12, 14, 3), dtype=np.uint8)
    grey = rng.integers(0, 256, (12, 14), dtype=np.uint8)
    rgba = rng.integers(0, 256, (12, 14, 4), dtype=np.uint8)
    on_white = rgba[..., :3] * (rgba[..., 3:] / 255.0) + 255 * (1 - rgba[..., 3:] / 255.0)
    expected = torch.from_numpy(np.stack([rgb, np.repeat(grey[..., None], 3, -1), on_white])).permute(0, 3, 1, 2)
    for frames in ([Image.fromarray(rgb), grey, rgba], [torch.from_numpy(f) for f in (rgb, grey, rgba)]):
        got = ViViTVideoProcessor(**RAW)(frames, return_tensors="pt").pixel_values[0]
        torch.testing.assert_close(got, expected.float(), rtol=0, atol=1e-4)
    # frames of other sizes are still refused, naming the shapes
    with pytest.raises(BrokenVideoError, match=r"must share a size, got \[\(12, 14, 3\), \(12, 15, 3\)\]"):
        ViViTVideoProcessor(**RAW)([Image.fromarray(rgb), rgb[:, :1].repeat(15, 1)])


def test_frames_of_one_video_on_different_pixel_scales_are_refused_naming_their_dtypes():
    """Stacked, frames of different dtypes were promoted to one and read on its scale: a PIL (uint8) frame beside a
    [0, 1] float frame made a [0, 255] float video, the float frame black (its mean 0.49 where the PIL frame's was
    124), without a word. Float frames on [0, 255] (a value above 1) beside uint8 ones are still one video."""
    from PIL import Image

    rgb = np.random.default_rng(3).integers(0, 256, (12, 14, 3), dtype=np.uint8)
    with pytest.raises(ValueError, match=r"different pixel scales \(uint8, float64: 8-bit, float\)"):
        ViViTVideoProcessor(**RAW)([Image.fromarray(rgb), rgb / 255.0])
    with pytest.raises(ValueError, match=r"different pixel scales \(uint8, float32: 8-bit, float\)"):
        ViViTVideoProcessor(**RAW)([torch.from_numpy(rgb), torch.from_numpy(rgb) / 255.0])
    pixels = ViViTVideoProcessor(**RAW)([Image.fromarray(rgb), rgb.astype(np.float32)], return_tensors="pt")
    assert torch.equal(pixels.pixel_values[0, 1], torch.from_numpy(rgb).permute(2, 0, 1).float())


def test_a_video_processed_already_with_both_steps_off_is_sent_to_float_max_255_which_keeps_it_as_transformers():
    """do_rescale=False, do_normalize=False: transformers' video processors pass a normalised video (values below 0)
    through, resized and cropped; ours refused it as no pixels, advising to un-normalise it, not the float_max=255.0
    that keeps its values as given (it brings float videos to 0-255). It says so, and that gives transformers'."""
    from transformers import VivitVideoProcessor

    video = torch.randn(4, 3, 24, 30, generator=torch.Generator().manual_seed(0))
    size = {"size": {"shortest_edge": 20}, "crop_size": {"height": 18, "width": 18}}
    ours = ViViTVideoProcessor(**size)
    off = {"do_rescale": False, "do_normalize": False, "return_tensors": "pt"}
    with pytest.raises(ValueError, match=r"below 0: no pixels, .*pass float_max=255\.0 too, which keeps the values"):
        ours(video, **off)
    kept = ours(video, float_max=255.0, **off)["pixel_values"]
    theirs = VivitVideoProcessor(offset=False, **size)(video, **off)["pixel_values"]
    assert float(theirs.min()) < -1
    torch.testing.assert_close(kept, theirs, rtol=0, atol=1e-5)


@pytest.mark.parametrize("augment", [{"do_color_jitter": True}, {"rand_augment": (2, 9)}])
def test_a_video_kept_below_0_by_float_max_is_refused_by_the_augmentations_that_clip_it_to_pixels(augment):
    """float_max=255.0 keeps a normalised video's values as given; RandAugment (made uint8) then cut its negative
    half to 0 without a word (51% of the values, seed 0), as colour jitter (clipped to [0, 1]) does when drawn."""
    video = torch.randn(4, 3, 24, 30, generator=torch.Generator().manual_seed(0))
    ours = ViViTVideoProcessor(size={"shortest_edge": 20}, crop_size={"height": 18, "width": 18})
    call = {"do_rescale": False, "do_normalize": False, "float_max": 255.0, "do_train_augment": True, "seed": 0}
    name = next(iter(augment))
    with pytest.raises(ValueError, match=rf"below 0 by half its brightest value: .* {name} work on pixels"):
        ours(video, **call, **augment)
    assert float(ours(video, **call)["pixel_values"].min()) < -1  # (no augmentation clipping it: kept)
