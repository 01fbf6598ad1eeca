# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Options left unset (None) on the processor, as transformers' own video processors take them.

`num_frames=None` is transformers' default: a sampled clip is every frame (`default_sample_indices_fn`); built so,
`ViViTVideoProcessor` failed at every call ("num_frames must be a positive integer, got None"), frames kept as given
too. `size=None` / `crop_size=None` with the resize / crop on built, then failed on `None.shortest_edge` (an
AttributeError naming no option) where transformers refuses them by name."""

import json

import av
import numpy as np
import pytest
import torch
from transformers import VivitVideoProcessor
from transformers.image_utils import PILImageResampling
from video_factory import write_video

from vivit_hf import ViViTVideoProcessor

TINY = dict(size={"shortest_edge": 20}, crop_size={"height": 18, "width": 18})


def frames(num_frames=8):
    return np.random.default_rng(0).integers(0, 256, (num_frames, 40, 50, 3), dtype=np.uint8)


def both(**options):
    """Ours with transformers' ViViT pixels (offset rescale, ImageNet-standard statistics), and transformers' own."""
    return ViViTVideoProcessor(normalization="transformers_vivit", **options), VivitVideoProcessor(**options)


@pytest.mark.parametrize("do_sample_frames", [True, False])
def test_no_frame_count_gives_every_frame_as_transformers_does(do_sample_frames):
    ours, theirs = both(num_frames=None, do_sample_frames=do_sample_frames, **TINY)
    video = frames()
    got = ours(video, return_tensors="pt", return_metadata=True)
    expected = theirs(video, return_tensors="pt", return_metadata=True)
    assert got.pixel_values.shape == expected.pixel_values.shape == (1, 8, 3, 18, 18)
    torch.testing.assert_close(got.pixel_values, expected.pixel_values, rtol=0, atol=1e-6)
    assert list(got["video_metadata"][0].frames_indices) == list(range(8))
    if do_sample_frames:  # (transformers names no indices for frames it did not sample)
        assert list(expected["video_metadata"][0].frames_indices) == list(range(8))


def test_no_frame_count_on_the_processor_gives_a_calls_own_count_and_survives_saving(tmp_path):
    ours, theirs = both(num_frames=None, do_sample_frames=True, **TINY)
    video = frames()
    ours.save_pretrained(tmp_path)
    loaded = ViViTVideoProcessor.from_pretrained(tmp_path)
    assert loaded.num_frames is None
    for call in ({}, {"num_frames": 4}, {"fps": 2, "video_metadata": {"fps": 4, "total_num_frames": 8}}):
        got = loaded(video, return_tensors="pt", **call).pixel_values
        torch.testing.assert_close(got, theirs(video, return_tensors="pt", **call).pixel_values, rtol=0, atol=1e-6)


def test_no_frame_count_samples_every_frame_of_a_file(tmp_path):
    path = write_video(tmp_path / "clip.mp4", num_frames=12, height=32, width=48)
    with av.open(str(path)) as container:  # a sequential decode: every frame the file holds
        decoded = np.stack([frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)])
    proc = ViViTVideoProcessor(num_frames=None, do_resize=False, do_center_crop=False, decode_backend="pyav")
    out = proc(str(path), return_metadata=True, return_tensors="pt")
    assert out["video_metadata"][0].frames_indices == list(range(len(decoded)))
    from_frames = proc(decoded, return_tensors="pt").pixel_values  # the same frames given in memory
    torch.testing.assert_close(out.pixel_values, from_frames, rtol=0, atol=0)


@pytest.mark.parametrize("stride", [1, 3])
def test_no_frame_count_takes_the_whole_video_at_a_calls_own_stride(stride):
    """`proc(video, frame_stride=3)` with `num_frames=None` took every frame, the stride dropped without a word."""
    ours, theirs = both(num_frames=None, **TINY)
    video = frames()
    got = ours(video, do_sample_frames=True, frame_stride=stride, return_tensors="pt", return_metadata=True)
    expected = theirs(video[::stride], return_tensors="pt").pixel_values  # transformers' pixels of those frames
    assert got["video_metadata"][0].frames_indices == list(range(0, 8, stride))
    torch.testing.assert_close(got.pixel_values, expected, rtol=0, atol=1e-6)
    assert list(ours.sample_frames({"total_num_frames": 8}, frame_stride=stride)) == list(range(0, 8, stride))


def test_no_frame_count_on_the_processor_says_its_own_stride_does_not_apply(caplog):
    ours = ViViTVideoProcessor(num_frames=None, frame_stride=4, **TINY)
    assert "frame_stride does not apply" in caplog.text
    assert ours(frames(), do_sample_frames=True, return_metadata=True)["video_metadata"][0].frames_indices == list(
        range(8)
    )


def test_no_frame_count_with_several_clips_is_refused_by_name():
    with pytest.raises(ValueError, match=r"num_clips > 1 needs num_frames \(or fps\)"):
        ViViTVideoProcessor(num_frames=None, num_clips=2)(frames(), do_sample_frames=True)


@pytest.mark.parametrize(
    "option,message",
    [
        ({"size": None}, r"do_resize=True needs size, got None"),
        ({"crop_size": None}, r"do_center_crop=True cuts each view to crop_size, got None"),
    ],
)
def test_a_size_left_unset_with_its_step_on_is_refused_by_name_as_transformers_refuses_it(option, message):
    options = {**TINY, **option}
    with pytest.raises(ValueError, match="must be specified"):  # transformers' own refusal of the same processor
        VivitVideoProcessor(**options)(frames(), return_tensors="pt")
    with pytest.raises(ValueError, match=message):
        ViViTVideoProcessor(**options)(frames(), return_tensors="pt")
    off = {"size": {"do_resize": False}, "crop_size": {"do_center_crop": False}}[next(iter(option))]
    got = ViViTVideoProcessor(normalization="transformers_vivit", **options, **off)(frames(), return_tensors="pt")
    expected = VivitVideoProcessor(**options, **off)(frames(), return_tensors="pt")
    torch.testing.assert_close(got.pixel_values, expected.pixel_values, rtol=0, atol=1e-6)


# -- documented differences from transformers 5.25's video processors, pinned -----------------------------------------
def test_none_in_a_call_is_the_processors_own_setting_where_transformers_takes_it_as_the_value():
    ours, theirs = both(**TINY)
    video = frames()
    assert theirs(video, do_center_crop=None, return_tensors="pt").pixel_values.shape[-2:] == (20, 25)  # no crop
    got = ours(video, do_center_crop=None, return_tensors="pt").pixel_values
    torch.testing.assert_close(got, theirs(video, return_tensors="pt").pixel_values, rtol=0, atol=1e-6)


def test_half_precision_videos_are_processed_in_float32_and_boolean_ones_read_as_black_and_white():
    ours, theirs = both(**TINY)
    video = torch.from_numpy(frames())
    as_float32 = theirs(video.float(), return_tensors="pt").pixel_values
    for dtype in (torch.float16, torch.bfloat16):  # whole numbers 0-255: float16 holds them exactly, bfloat16 not all
        exact = video.to(dtype).float()
        torch.testing.assert_close(
            ours(video.to(dtype), return_tensors="pt").pixel_values,
            theirs(exact, return_tensors="pt").pixel_values,
            rtol=0,
            atol=1e-6,
        )
    assert (theirs(video.half(), return_tensors="pt").pixel_values - as_float32).abs().max() > 1e-4
    mask = video > 128
    got = ours(mask, return_tensors="pt").pixel_values
    torch.testing.assert_close(
        got, theirs(mask.to(torch.uint8) * 255, return_tensors="pt").pixel_values, rtol=0, atol=1e-6
    )


# -- resample by torchvision's name, as transformers' processors take it ---------------------------------------------
@pytest.mark.parametrize("name", ["bilinear", "bicubic", "lanczos", "nearest-exact"])
def test_resample_by_torchvisions_name_gives_transformers_pixels_and_survives_saving(tmp_path, name):
    """transformers hands a resample string to torchvision as its mode; it was refused here as "a filter torch
    lacks" (for "bilinear", the default filter)."""
    ours, theirs = both(resample=name, **TINY)
    video = frames()
    expected = theirs(video, return_tensors="pt").pixel_values
    torch.testing.assert_close(ours(video, return_tensors="pt").pixel_values, expected, rtol=0, atol=1e-6)
    ours.save_pretrained(tmp_path)
    # saved as PIL's code, as transformers' processors save theirs: vivit_hf before the names were taken read only codes
    saved = json.loads((tmp_path / "video_preprocessor_config.json").read_text())["resample"]
    assert saved == int(PILImageResampling[name.replace("nearest-exact", "nearest").upper()])
    loaded = ViViTVideoProcessor.from_pretrained(tmp_path)
    torch.testing.assert_close(loaded(video, return_tensors="pt").pixel_values, expected, rtol=0, atol=1e-6)
    called = both(**TINY)[0](video, resample=name, return_tensors="pt").pixel_values
    torch.testing.assert_close(called, expected, rtol=0, atol=1e-6)


@pytest.mark.parametrize("name,lower", [("BILINEAR", "'bilinear'"), ("Bicubic", "'bicubic'")])
def test_resample_by_a_name_torchvision_lacks_is_refused_naming_the_names_it_has(name, lower):
    """transformers' processor refuses "BILINEAR" at the call (torchvision's modes are named in lower case); here it
    was refused as "torch has no such filter", then told to use "BILINEAR (2)", the name just refused."""
    ours, theirs = both(**TINY)
    with pytest.raises(ValueError, match="Invalid interpolation mode"):
        theirs(frames(), resample=name, return_tensors="pt")
    said = rf"resample='{name}' is not supported: no filter is named so .*lower case.*names .*{lower}"
    with pytest.raises(ValueError, match=said):
        ViViTVideoProcessor(resample=name)
    with pytest.raises(ValueError, match=said):
        ours(frames(), resample=name, return_tensors="pt")


def test_resample_nearest_by_name_is_refused_as_torchs_shifted_nearest():
    with pytest.raises(ValueError, match=r"resample='nearest' is not supported: it is torch's shifted nearest"):
        ViViTVideoProcessor(**TINY)(frames(), resample="nearest")


@pytest.mark.parametrize("shape,readings", [((4, 40, 3), r"\(C, H, W\) or \(H, W, C\)"), ((3, 40, 50), r"\(C, H, W\)")])
def test_an_ambiguous_3d_array_names_every_image_layout_it_fits(shape, readings):
    """(4, 40, 3) was said to be "one image (C, H, W)" only, where transformers reads it as an (H, W, C) image."""
    video = np.zeros(shape, dtype=np.uint8)
    with pytest.raises(ValueError, match=rf"is ambiguous: one image {readings} or a grey video"):
        ViViTVideoProcessor()(video)
    theirs = VivitVideoProcessor(do_resize=False, do_center_crop=False)
    if shape[-1] == 3 and shape[0] != 3:  # transformers' reading of it: an (H, W, C) image, as the message offers
        assert theirs(video, return_tensors="pt").pixel_values.shape == (1, 1, 3, shape[0], shape[1])
        ours = ViViTVideoProcessor(do_resize=False, do_center_crop=False, input_data_format="channels_last")
        assert ours(video, return_tensors="pt").pixel_values.shape == (1, 1, 3, shape[0], shape[1])
