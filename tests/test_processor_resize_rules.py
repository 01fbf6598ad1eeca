# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The resize follows transformers' rules for every `size` it takes, never ignoring a part of it: `shortest_edge`
capped by `longest_edge`, a `max_height` / `max_width` box, and an int `size` made square by `default_to_square`, at
call time as in the constructor. The reference is transformers' own `BaseVideoProcessor` on the same frames, set to
scenic's [-1, 1] pixels."""

import av
import numpy as np
import pytest
import torch
from transformers import BaseVideoProcessor
from transformers.image_utils import PILImageResampling
from video_factory import write_video

from vivit_hf.processing.processing_vivit import ViViTVideoProcessor

CAPPED = {"shortest_edge": 36, "longest_edge": 40}


def transformers_pixels(video, **options) -> torch.Tensor:
    """transformers' BaseVideoProcessor on `video` (every frame kept, no crop), scaled as scenic: x / 127.5 - 1."""
    processor = BaseVideoProcessor(
        do_resize=True,
        resample=PILImageResampling.BILINEAR,
        size={"shortest_edge": 36},  # the call's `size`, when given, replaces it (as `default_to_square` reads it)
        default_to_square=False,
        do_center_crop=False,
        do_sample_frames=False,
        do_rescale=True,
        rescale_factor=1 / 127.5,
        do_normalize=True,
        image_mean=[1.0] * 3,
        image_std=[1.0] * 3,
    )
    return processor(video, return_tensors="pt", **options)["pixel_values_videos"][0]


def ours(video, processor_options=None, **call_options) -> torch.Tensor:
    processor = ViViTVideoProcessor(do_center_crop=False, decode_backend="pyav", **(processor_options or {}))
    return processor(video, return_tensors="pt", **call_options)["pixel_values"][0]


@pytest.fixture(scope="module")
def video():
    return np.random.default_rng(0).integers(0, 256, (4, 40, 52, 3), dtype=np.uint8)


@pytest.mark.parametrize("shape", [(4, 40, 52, 3), (4, 52, 40, 3), (4, 48, 64, 3), (4, 30, 30, 3)])
def test_longest_edge_caps_the_shortest_edge_resize_as_transformers_does(shape):
    video = np.random.default_rng(1).integers(0, 256, shape, dtype=np.uint8)
    expected = transformers_pixels(video, size=CAPPED)
    result = ours(video, size=CAPPED)
    assert result.shape == expected.shape
    torch.testing.assert_close(result, expected, rtol=0, atol=1e-5)


def test_longest_edge_from_the_constructor_and_a_saved_config_is_followed(video, tmp_path):
    expected = transformers_pixels(video, size=CAPPED)
    assert tuple(expected.shape[-2:]) == (31, 40)  # 40 x 52: 36 x 46.8 would pass 40; 40 * 40 / 52 = 30.8 -> 31
    assert ours(video, {"size": CAPPED}).shape == expected.shape
    ViViTVideoProcessor(do_center_crop=False, size=CAPPED).save_pretrained(tmp_path)
    loaded = ViViTVideoProcessor.from_pretrained(tmp_path)
    torch.testing.assert_close(loaded(video, return_tensors="pt")["pixel_values"][0], expected, rtol=0, atol=1e-5)


@pytest.mark.parametrize("resize_in_decoder", [False, True])
def test_longest_edge_caps_a_files_resize_in_torch_and_in_the_decoder(tmp_path, resize_in_decoder):
    path = write_video(tmp_path / "clip.mp4", num_frames=8, height=48, width=64)
    with av.open(str(path)) as container:  # every frame, decoded with plain PyAV
        frames = np.stack([frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)])
    expected = transformers_pixels(frames, size=CAPPED)
    assert tuple(expected.shape[-2:]) == (30, 40)
    options = dict(size=CAPPED, do_sample_frames=False, resize_in_decoder=resize_in_decoder)
    result = ours(str(path), **options)
    assert result.shape == expected.shape
    if resize_in_decoder:  # the decoder's scaler (libswscale) is within a few grey levels of torch's resize
        assert (result - expected).abs().mean() < 1 / 127.5  # on average below one grey level
    else:
        torch.testing.assert_close(result, expected, rtol=0, atol=1e-5)


def test_a_size_the_resize_cannot_follow_is_refused_by_name_before_decoding():
    with pytest.raises(ValueError, match="size must give 'shortest_edge'.*longest_edge"):
        ViViTVideoProcessor()("no-such-file.mp4", size={"longest_edge": 40})  # refused before the file is opened


BOX = {"max_height": 30, "max_width": 44}


@pytest.mark.parametrize("shape", [(4, 40, 52, 3), (4, 52, 40, 3), (4, 20, 26, 3)])
@pytest.mark.parametrize("where", ["call", "processor"])
def test_a_max_height_and_width_box_resizes_as_transformers_does(shape, where):
    """transformers' resize takes `{"max_height", "max_width"}` (the largest size inside the box that keeps the aspect
    ratio, enlarging a small frame too); it was refused as a size the resize cannot follow."""
    video = np.random.default_rng(2).integers(0, 256, shape, dtype=np.uint8)
    expected = transformers_pixels(video, size=BOX)
    result = ours(video, size=BOX) if where == "call" else ours(video, {"size": BOX})
    assert result.shape == expected.shape
    torch.testing.assert_close(result, expected, rtol=0, atol=1e-5)


@pytest.mark.parametrize("resize_in_decoder", [False, True])
def test_a_max_height_and_width_box_resizes_a_file_in_torch_and_in_the_decoder(tmp_path, resize_in_decoder):
    path = write_video(tmp_path / "clip.mp4", num_frames=8, height=48, width=64)
    with av.open(str(path)) as container:  # every frame, decoded with plain PyAV
        frames = np.stack([frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)])
    expected = transformers_pixels(frames, size=BOX)
    assert tuple(expected.shape[-2:]) == (30, 40)  # 48 x 64 into 30 x 44: the height binds
    result = ours(str(path), size=BOX, do_sample_frames=False, resize_in_decoder=resize_in_decoder)
    assert result.shape == expected.shape
    if resize_in_decoder:  # the decoder's scaler (libswscale) is within a few grey levels of torch's resize
        assert (result - expected).abs().mean() < 1 / 127.5
    else:
        torch.testing.assert_close(result, expected, rtol=0, atol=1e-5)


def test_default_to_square_at_call_time_makes_an_int_size_square_as_transformers_does(video):
    expected = transformers_pixels(video, size=36, default_to_square=True)
    assert tuple(expected.shape[-2:]) == (36, 36)
    torch.testing.assert_close(ours(video, size=36, default_to_square=True), expected, rtol=0, atol=1e-5)
    # and the processor's own setting, when the call gives none
    square = ours(video, {"default_to_square": True}, size=36)
    torch.testing.assert_close(square, expected, rtol=0, atol=1e-5)
    shortest = transformers_pixels(video, size=36, default_to_square=False)
    torch.testing.assert_close(ours(video, size=36), shortest, rtol=0, atol=1e-5)


@pytest.mark.parametrize("shape", [(4, 3, 40, 3), (4, 3, 40, 4), (4, 1, 40, 1)])
def test_an_array_whose_channel_axis_is_ambiguous_is_read_as_transformers_reads_it_and_said(shape, caplog):
    """(T, 3, H, 3) could be T frames of 3 x H or of H x 3: transformers reads it channels-first, with a warning. It was
    read channels-last here without a word, so the same array gave other pixels (of another shape) than through
    transformers. `input_data_format` still decides, without a warning."""
    video = np.random.default_rng(2).integers(0, 256, shape, dtype=np.uint8)
    keep = dict(do_resize=False, do_sample_frames=False)
    with caplog.at_level("WARNING", logger="vivit_hf.processing.processing_vivit"):
        result = ours(video, **keep)
    assert "ambiguous" in caplog.text and "input_data_format='channels_last'" in caplog.text
    assert tuple(result.shape) == (shape[0], 3, shape[2], shape[3])
    if shape[1] == 3:  # transformers' own reading, given nothing
        torch.testing.assert_close(result, transformers_pixels(video, do_resize=False), rtol=0, atol=1e-5)
    if shape[1] == 4:  # RGBA: composited onto white, as transformers' do_convert_rgb does (its reading given)
        expected = transformers_pixels(video, do_resize=False, input_data_format="channels_first", do_convert_rgb=True)
        torch.testing.assert_close(result, expected, rtol=0, atol=1e-5)
    caplog.clear()
    with caplog.at_level("WARNING", logger="vivit_hf.processing.processing_vivit"):
        as_first = ours(video, input_data_format="channels_first", **keep)
    assert "ambiguous" not in caplog.text
    torch.testing.assert_close(result, as_first, rtol=0, atol=0)
    caplog.clear()
    with caplog.at_level("WARNING", logger="vivit_hf.processing.processing_vivit"):
        as_last = ours(video, input_data_format="channels_last", **keep)
    assert "ambiguous" not in caplog.text
    assert tuple(as_last.shape) == (shape[0], 3, shape[1], shape[2])


def test_a_clip_laid_out_channels_frames_is_refused_naming_the_permute():
    """(C, T, H, W), torchvision's and pytorchvideo's video layout, was refused with "check the layout" alone, and a
    (B, C, T, H, W) batch naming one clip's shape; both now name the permute, whose result is read as it should be."""
    clip = np.random.default_rng(4).integers(0, 256, (3, 6, 40, 50), dtype=np.uint8)
    keep = dict(do_resize=False, do_sample_frames=False)
    for video, permute in ((clip, r"video\.permute\(1, 0, 2, 3\)"), (clip[None], r"\.permute\(0, 2, 1, 3, 4\)")):
        with pytest.raises(ValueError, match=rf"It looks like \(C, T, H, W\).*{permute}"):
            ours(video, **keep)
    torch.testing.assert_close(ours(clip.transpose(1, 0, 2, 3), **keep), ours(clip.transpose(1, 2, 3, 0), **keep))


def test_frames_of_grey_and_alpha_are_refused_without_the_permute_of_a_channels_frames_clip():
    """(T, H, W, 2), frames of grey and alpha (PIL's "LA" stacked), was refused naming the permute of a (C, T, H, W)
    clip where T is 1, 3 or 4: followed, it gave (H, T, W, 2), read without a word as H RGB frames 2 pixels wide. A
    last axis of a few is channels, no width: the permute is not named for it."""
    la = np.random.default_rng(6).integers(0, 256, (3, 40, 50, 2), dtype=np.uint8)
    keep = dict(do_resize=False, do_sample_frames=False)
    with pytest.raises(ValueError, match=r"shape \(3, 40, 50, 2\).*check the layout\.$"):
        ours(la, **keep)
    assert tuple(ours(la.transpose(1, 0, 2, 3), **keep).shape) == (40, 3, 50, 2)  # what the permute gave


def test_a_4_frame_clip_laid_out_channels_frames_is_read_as_rgba_frames_and_said(caplog):
    """(3, 4, H, W) is 3 RGBA frames (T, C, H, W), or a 4-frame clip laid out (C, T, H, W): it was read as the 3 RGBA
    frames without a word (transformers refuses it). The warning names the permute; `input_data_format` still
    decides, without one."""
    clip = np.random.default_rng(5).integers(0, 256, (3, 4, 40, 50), dtype=np.uint8)
    keep = dict(do_resize=False, do_sample_frames=False)
    with caplog.at_level("WARNING", logger="vivit_hf.processing.processing_vivit"):
        assert tuple(ours(clip, **keep).shape) == (3, 3, 40, 50)
    assert "(C, T, H, W), pass `video.permute(1, 0, 2, 3)`" in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING", logger="vivit_hf.processing.processing_vivit"):
        assert tuple(ours(clip.transpose(1, 0, 2, 3), **keep).shape) == (4, 3, 40, 50)
        ours(clip, input_data_format="channels_first", **keep)
    assert "permute" not in caplog.text


@pytest.mark.parametrize("shape", [(4, 4, 40, 3), (4, 4, 40, 1)])
def test_frames_4_pixels_high_are_read_channels_last_as_transformers_reads_them(shape, caplog):
    """transformers counts 1 or 3 channels, so (T, 4, W, 3) is T RGB frames 4 pixels high to it. It was read here as
    RGBA frames of W x 3 (4 taken for channels), with a warning that said "as transformers reads it": other pixels, of
    another shape, than the same array gives through transformers."""
    video = np.random.default_rng(3).integers(0, 256, shape, dtype=np.uint8)
    keep = dict(do_resize=False, do_sample_frames=False)
    with caplog.at_level("WARNING", logger="vivit_hf.processing.processing_vivit"):
        result = ours(video, **keep)
    expected = transformers_pixels(video, do_resize=False, do_convert_rgb=True)  # its own reading, given nothing
    assert tuple(expected.shape) == (shape[0], 3, shape[1], shape[2])
    torch.testing.assert_close(result, expected, rtol=0, atol=1e-5)
    assert "ambiguous" in caplog.text and "input_data_format='channels_first'" in caplog.text
    as_first = ours(video, input_data_format="channels_first", **keep)  # RGBA frames of 40 x C, when that is meant
    assert tuple(as_first.shape) == (shape[0], 3, shape[2], shape[3])
