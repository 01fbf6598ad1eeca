# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""ViViTVideoProcessor's option names: a misspelt option is named with the closest valid one, never silently dropped.

Direct construction refuses it; a saved config (which another version of vivit_hf may have written) loads with a
warning; the keys transformers itself writes into a saved config load silently."""

import json
import logging
import re

import av
import numpy as np
import pytest
import torch
import torchvision
from PIL import Image
from transformers.image_utils import PILImageResampling
from video_factory import write_video

from vivit_hf.processing.processing_vivit import ViViTVideoProcessor

LOGGER = "vivit_hf.processing.processing_vivit"
CONFIG = "video_preprocessor_config.json"


def save_with(tmp_path, **extra):
    """A saved processor (8 frames) whose config also carries `extra` keys."""
    ViViTVideoProcessor(num_frames=8).save_pretrained(tmp_path)
    path = tmp_path / CONFIG
    saved = json.loads(path.read_text())
    saved.update(extra)
    path.write_text(json.dumps(saved))
    return tmp_path


def warnings_of(caplog):
    return [r.getMessage() for r in caplog.records if r.name == LOGGER and r.levelno >= logging.WARNING]


def test_constructor_refuses_a_misspelt_option_naming_the_closest_one():
    with pytest.raises(ValueError, match=r"'num_frame' \(did you mean 'num_frames'\?\)"):
        ViViTVideoProcessor(num_frame=8)
    with pytest.raises(ValueError, match=r"'frame_strid' \(did you mean 'frame_stride'\?\).*valid ones: \[.*'seed'"):
        ViViTVideoProcessor(frame_strid=1)


def test_constructor_names_an_option_with_nothing_close_without_a_guess():
    with pytest.raises(ValueError, match=r"unknown options \['zzz'\]; valid ones"):
        ViViTVideoProcessor(zzz=1)


def test_call_refuses_a_misspelt_option_naming_the_closest_one():
    proc = ViViTVideoProcessor()
    with pytest.raises(ValueError, match=r"'num_clip' \(did you mean 'num_clips'\?\)"):
        proc([], num_clip=4)


@pytest.mark.parametrize("load", ["from_pretrained", "from_json_file", "auto"])
def test_saved_config_with_a_misspelt_key_loads_with_a_warning_naming_it(tmp_path, caplog, load):
    folder = save_with(tmp_path, num_frame=4)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        if load == "from_pretrained":
            loaded = ViViTVideoProcessor.from_pretrained(folder)
        elif load == "from_json_file":
            loaded = ViViTVideoProcessor.from_json_file(folder / CONFIG)
        else:
            from transformers import AutoVideoProcessor

            from vivit_hf.models.configuration_vivit import ViViTSpatioTemporalConfig

            AutoVideoProcessor.register(ViViTSpatioTemporalConfig, ViViTVideoProcessor, exist_ok=True)
            ViViTSpatioTemporalConfig().save_pretrained(folder)
            loaded = AutoVideoProcessor.from_pretrained(folder)
    assert type(loaded) is ViViTVideoProcessor
    assert loaded.num_frames == 8  # the saved option; the misspelt key changes nothing
    (message,) = warnings_of(caplog)
    assert "'num_frame' (did you mean 'num_frames'?)" in message


def test_saved_misspelt_key_is_kept_so_saving_again_loses_nothing(tmp_path, caplog):
    loaded = ViViTVideoProcessor.from_pretrained(save_with(tmp_path, num_frame=4, option_of_a_newer_version=[1, 2]))
    resaved = tmp_path / "again"
    loaded.save_pretrained(resaved)
    saved = json.loads((resaved / CONFIG).read_text())
    assert saved["num_frame"] == 4 and saved["option_of_a_newer_version"] == [1, 2]


def test_saved_config_with_transformers_bookkeeping_keys_loads_silently(tmp_path, caplog):
    bookkeeping = {
        "video_processor_type": "ViViTVideoProcessor",
        "image_processor_type": "ViViTVideoProcessor",
        "feature_extractor_type": "ViViTVideoProcessor",
        "processor_class": "SomeProcessor",
        "_processor_class": "SomeProcessor",
        "auto_map": {"AutoVideoProcessor": "processing_vivit.ViViTVideoProcessor"},
    }
    folder = save_with(tmp_path, **bookkeeping)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        loaded = ViViTVideoProcessor.from_pretrained(folder)
        ViViTVideoProcessor(**json.loads((folder / CONFIG).read_text()))  # and by hand, as a dict
    assert warnings_of(caplog) == []
    assert loaded.num_frames == 8


def test_a_saved_model_input_names_is_taken_silently_and_saved_again_as_transformers_takes_it(tmp_path, caplog):
    """A saved `model_input_names` was warned "kept but not used" and yet replaced the class's list (the Trainer reads
    its first name). transformers' processors take it as the instance's, silently, and save it again: so does this one,
    saved or given (it was refused as an unknown option); a value that lists no name is refused naming it."""
    from transformers import BaseVideoProcessor

    reference = BaseVideoProcessor.from_dict({"model_input_names": ["pixel_values"]})
    folder = save_with(tmp_path, model_input_names=["pixel_values"])
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        loaded = ViViTVideoProcessor.from_pretrained(folder)
    assert warnings_of(caplog) == []
    assert loaded.model_input_names == reference.model_input_names == ["pixel_values"]
    assert ViViTVideoProcessor.model_input_names == ["pixel_values", "attention_mask"]  # the class's list unchanged
    loaded.save_pretrained(tmp_path / "again")
    assert json.loads((tmp_path / "again" / CONFIG).read_text())["model_input_names"] == ["pixel_values"]
    assert ViViTVideoProcessor(model_input_names=("pixel_values",)).model_input_names == ["pixel_values"]
    assert "model_input_names" not in ViViTVideoProcessor().to_dict()  # the class's is not written
    # a loading keyword replaces the saved list as the constructor takes it: transformers set it past the check
    # (a string was taken) and warned it "applied for backward compatibility"
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        given = ViViTVideoProcessor.from_pretrained(folder, model_input_names=("pixel_values", "attention_mask"))
    assert given.model_input_names == ["pixel_values", "attention_mask"] and not caplog.records
    for value in ("pixel_values", [], [1]):
        match = r"`model_input_names` must be a non-empty list .* got " + re.escape(repr(value))
        with pytest.raises(ValueError, match=match):
            ViViTVideoProcessor(model_input_names=value)
        with pytest.raises(ValueError, match=match):
            ViViTVideoProcessor.from_pretrained(folder, model_input_names=value)


def test_misspelt_loading_option_warns_naming_it(tmp_path, caplog):
    folder = save_with(tmp_path)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        loaded = ViViTVideoProcessor.from_pretrained(folder, num_frame=4)
    (message,) = warnings_of(caplog)
    assert "'num_frame' (did you mean 'num_frames'?)" in message
    assert loaded.num_frames == 8
    assert ViViTVideoProcessor.from_pretrained(folder, num_frames=4).num_frames == 4  # a valid one still applies


def test_transformers_own_loading_options_do_not_warn(tmp_path, caplog):
    folder = save_with(tmp_path)
    with caplog.at_level(logging.WARNING, logger=LOGGER):  # what the pipeline passes on to the processor's loading
        ViViTVideoProcessor.from_pretrained(folder, dtype="float32", code_revision=None, _from_pipeline="video")
    assert warnings_of(caplog) == []


def test_save_load_round_trip_is_unchanged_and_silent(tmp_path, caplog):
    original = ViViTVideoProcessor(num_frames=8, num_clips=2, num_crops=3, normalization="imagenet", seed=3)
    original.save_pretrained(tmp_path)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        loaded = ViViTVideoProcessor.from_pretrained(tmp_path)
    assert warnings_of(caplog) == []
    assert loaded.to_dict() == original.to_dict()
    loaded.save_pretrained(tmp_path / "again")
    assert (tmp_path / "again" / CONFIG).read_text() == (tmp_path / CONFIG).read_text()


# -- resample: PIL's codes, as transformers' processors take them ------------------------------------------------
NOISE = np.random.default_rng(0).integers(0, 256, (2, 23, 37, 3), dtype=np.uint8)  # noise: any shift shows
RAW = dict(do_rescale=False, do_normalize=False, do_center_crop=False)  # pixel_values as the resize leaves them


def pil_resize(frames: np.ndarray, height: int, width: int, resample) -> np.ndarray:
    return np.stack([np.asarray(Image.fromarray(frame).resize((width, height), resample)) for frame in frames])


def channels_last(pixel_values) -> np.ndarray:
    return pixel_values[0].permute(0, 2, 3, 1).numpy()


@pytest.mark.parametrize("height, width", [(10, 16), (11, 18), (50, 70)], ids=["down", "down_odd", "up"])
def test_resample_nearest_picks_the_source_pixel_pil_nearest_picks(height, width):
    proc = ViViTVideoProcessor(resample=PILImageResampling.NEAREST, size={"height": height, "width": width}, **RAW)
    out = channels_last(proc(NOISE, return_tensors="pt").pixel_values)
    assert np.array_equal(out, pil_resize(NOISE, height, width, Image.NEAREST))
    # the same by the rule written out: output pixel i takes source pixel floor((i + 0.5) * in / out)
    rows = np.floor((np.arange(height) + 0.5) * 23 / height).astype(int)
    cols = np.floor((np.arange(width) + 0.5) * 37 / width).astype(int)
    assert np.array_equal(out, NOISE[:, rows][:, :, cols])


def test_resample_nearest_on_a_file_is_pil_nearest_on_its_decoded_frames(tmp_path):
    # resize_in_decoder would resize a file with libswscale's POINT filter, which picks other pixels than PIL's
    video = write_video(tmp_path / "clip.mp4", num_frames=4, height=48, width=64)
    proc = ViViTVideoProcessor(resample=0, size={"shortest_edge": 20}, num_frames=4, frame_stride=1, **RAW)
    with av.open(str(video)) as container:  # every frame, decoded sequentially by PyAV itself
        frames = np.stack([frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)])
    out = channels_last(proc(str(video), return_tensors="pt").pixel_values)
    assert np.array_equal(out, pil_resize(frames, 20, 26, Image.NEAREST))  # 48 x 64 -> 20 x int(64 * 20 / 48)


@pytest.mark.parametrize("mode", ["BOX", "HAMMING"])
def test_resample_without_a_torch_filter_is_refused_naming_it_and_the_supported_ones(mode):
    code = PILImageResampling[mode]
    expected = rf"resample={mode} \({code.value}\) is not supported.*NEAREST \(0\), BILINEAR \(2\), BICUBIC \(3\)"
    with pytest.raises(ValueError, match=expected):  # by the constructor: built so, it failed at every call
        ViViTVideoProcessor(resample=code)
    with pytest.raises(ValueError, match=expected):  # a call's option too, and before any decoding
        ViViTVideoProcessor()("no-such-file.mp4", resample=int(code))


@pytest.mark.skipif(
    tuple(int(part) for part in torchvision.__version__.split("+")[0].split(".")[:2]) < (0, 27),
    reason="torchvision resizes tensors with LANCZOS from 0.27 on",
)
@pytest.mark.parametrize("where", ["constructor", "call"])
def test_resample_lanczos_gives_transformers_pixels_for_arrays_and_files(tmp_path, where):
    """transformers' processors resize with torchvision's LANCZOS (0.27 and later, on the CPU) for PIL's LANCZOS (1);
    it was refused here as "torch has no such filter". A file is resized in torch too (the readers have no LANCZOS):
    the same pixels as transformers on its sequentially decoded frames."""
    from transformers import VivitVideoProcessor

    options = dict(size={"shortest_edge": 20}, crop_size={"height": 18, "width": 18})
    path = write_video(tmp_path / "clip.mp4", num_frames=4, height=48, width=64)
    with av.open(str(path)) as container:  # every frame, decoded sequentially by PyAV itself
        frames = np.stack([frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)])
    array = np.random.default_rng(0).integers(0, 256, (2, 30, 40, 3), dtype=np.uint8)
    built = {"resample": PILImageResampling.LANCZOS} if where == "constructor" else {}
    called = {} if where == "constructor" else {"resample": int(PILImageResampling.LANCZOS)}
    ours = ViViTVideoProcessor(normalization="transformers_vivit", decode_backend="pyav", **options, **built)
    theirs = VivitVideoProcessor(**options, resample=PILImageResampling.LANCZOS)
    for video, given in ((array, array), (frames, str(path))):
        expected = theirs(video, return_tensors="pt")["pixel_values"]
        got = ours(given, do_sample_frames=False, resize_in_decoder=True, return_tensors="pt", **called)
        np.testing.assert_array_equal(got["pixel_values"], expected)
    bicubic = theirs(array, resample=PILImageResampling.BICUBIC, return_tensors="pt")["pixel_values"]
    assert not torch.equal(bicubic, theirs(array, return_tensors="pt")["pixel_values"])  # another filter's pixels


@pytest.mark.skipif(
    tuple(int(part) for part in torchvision.__version__.split("+")[0].split(".")[:2]) < (0, 27),
    reason="torchvision resizes tensors with LANCZOS from 0.27 on",
)
def test_resample_lanczos_off_the_cpu_is_refused_naming_the_device():
    """torchvision has LANCZOS on the CPU only (transformers swaps in BICUBIC elsewhere: other pixels). `meta` stands
    in for a GPU here: any device but the CPU is refused before a resize, naming it."""
    video = np.zeros((2, 30, 40, 3), dtype=np.uint8)
    with pytest.raises(ValueError, match=r"resample=LANCZOS \(1\) resizes on the CPU only; these frames are on meta"):
        ViViTVideoProcessor(resample=PILImageResampling.LANCZOS)(video, device="meta", return_tensors="pt")


def test_a_processor_that_no_call_could_use_is_refused_when_built(tmp_path):
    """torch's shifted NEAREST and a size of `longest_edge` alone were accepted by the constructor and refused at every
    call; the processor saved with them failed the same way, and `InterpolationMode.NEAREST` could not even be printed
    or saved (not JSON)."""
    from torchvision.transforms import InterpolationMode

    with pytest.raises(ValueError, match=r"resample=<InterpolationMode.NEAREST: 'nearest'> is not supported"):
        ViViTVideoProcessor(resample=InterpolationMode.NEAREST)
    with pytest.raises(ValueError, match=r"size must give 'shortest_edge'.*got \{'longest_edge': 40\}"):
        ViViTVideoProcessor(size={"longest_edge": 40})
    ViViTVideoProcessor(size={"longest_edge": 40}, do_resize=False).save_pretrained(tmp_path)  # not resizing: unused


@pytest.mark.parametrize(
    "option,message",
    [
        ({"crop_size": {"height": 0, "width": 3}}, r"crop_size sides must be at least 1 pixel, got \{'height': 0"),
        ({"size": {"shortest_edge": -3}}, r"size sides must be at least 1 pixel, got \{'shortest_edge': -3\}"),
        ({"image_std": [0, 1, 1], "do_normalize": True}, r"image_std divides the pixels: it must not be 0"),
        ({"color_jitter_prob": 2}, r"color_jitter_prob must be a probability in \[0, 1\], got 2"),
        ({"color_jitter_prob": -0.5}, r"color_jitter_prob must be a probability in \[0, 1\], got -0.5"),
        ({"scale_jitter": 1.2}, r"scale_jitter must be \[min_factor, max_factor\].*got 1.2"),
        ({"scale_jitter": [1.2, 0.9]}, r"scale_jitter must be \[min_factor, max_factor\].*got \[1.2, 0.9\]"),
        ({"rand_augment": [2]}, r"rand_augment must be \[num_ops, magnitude\].*got \[2\]"),
        ({"rand_augment": [2, 31]}, r"rand_augment must be \[num_ops, magnitude\].*got \[2, 31\]"),
        ({"image_mean": [0.5, 0.5], "do_normalize": True}, r"image_mean must be one number or one per channel \(3\)"),
        ({"image_std": [0.5] * 4, "do_normalize": True}, r"image_std must be one number or one per channel \(3\)"),
    ],
)
def test_an_option_value_no_clip_can_be_made_with_is_refused_by_name(option, message):
    """Taken before: crop_size 0 gave views of height 0, an image_std of 0 NaN pixels, color_jitter_prob 2 / -0.5
    "always" / "never", and in training scale_jitter=1.2 and rand_augment=[2] failed in the transforms with Python's
    bare "Value after * must be an iterable" / "not enough values to unpack"."""
    video = np.random.default_rng(0).integers(0, 256, (8, 40, 48, 3), dtype=np.uint8)
    with pytest.raises(ValueError, match=message):
        ViViTVideoProcessor(**option)
    with pytest.raises(ValueError, match=message):  # a call's option too, before decoding
        ViViTVideoProcessor(num_frames=4, do_train_augment=True, do_color_jitter=True)(video, **option)


def test_the_bounds_of_each_option_value_are_taken():
    video = np.random.default_rng(0).integers(0, 256, (8, 40, 48, 3), dtype=np.uint8)
    for option in (
        {"color_jitter_prob": 0},
        {"color_jitter_prob": 1.0},
        {"scale_jitter": False},
        {"scale_jitter": [1, 1]},
        {"rand_augment": [0, 0]},
        {"rand_augment": (2, 30)},
    ):
        proc = ViViTVideoProcessor(num_frames=4, do_train_augment=True, do_color_jitter=True, **option)
        assert proc(video, return_tensors="pt").pixel_values.shape == (1, 8, 3, 224, 224)
    # unused: a size without resizing, a crop size without cropping
    unused = dict(
        size={"shortest_edge": -3}, do_resize=False, crop_size={"height": 0, "width": 0}, do_center_crop=False
    )
    assert ViViTVideoProcessor(**unused)(video, return_tensors="pt").pixel_values.shape == (1, 8, 3, 40, 48)


@pytest.mark.parametrize("option", ["do_center_crop", "do_resize", "rescale_offset", "do_sample_frames"])
def test_an_on_off_option_written_as_a_string_is_refused_not_read_as_true(tmp_path, option):
    """A string is always true: "false" in a hand-written preprocessor config (or a call) turned the step on, so
    `do_center_crop: "false"` gave the centre crop, `do_resize: "false"` the resized clip, without a word."""
    video = np.random.default_rng(0).integers(0, 256, (8, 40, 48, 3), dtype=np.uint8)
    small = dict(num_frames=4, short_video="loop", size={"shortest_edge": 36}, crop_size={"height": 32, "width": 32})

    def pixels(value):
        return ViViTVideoProcessor(**small, **{option: value})(video, return_tensors="pt").pixel_values

    off, on = pixels(False), pixels(True)
    assert off.shape != on.shape or not torch.equal(off, on)  # the option changes the pixels
    message = rf"{option} must be True or False, got 'false' \(a str\)"
    with pytest.raises(ValueError, match=message):
        ViViTVideoProcessor.from_pretrained(save_with(tmp_path, **{option: "false"}))
    with pytest.raises(ValueError, match=message):
        ViViTVideoProcessor(**{option: "false"})
    with pytest.raises(ValueError, match=message):  # a call's option too, before decoding
        ViViTVideoProcessor()("no-such-file.mp4", **{option: "false"})
    # what a JSON or numpy gives for a real switch is taken as meant: 0 / 1, numpy's bool
    assert torch.equal(pixels(0), off) and torch.equal(pixels(1), on) and torch.equal(pixels(np.bool_(False)), off)


def test_return_metadata_written_as_a_string_is_refused():
    video = np.zeros((4, 8, 8, 3), dtype=np.uint8)
    with pytest.raises(ValueError, match=r"return_metadata must be True or False, got 'no' \(a str\)"):
        ViViTVideoProcessor()(video, return_metadata="no")


# -- messages: what to change ------------------------------------------------------------------------------------
def test_a_clip_longer_than_the_video_at_its_stride_suggests_stride_1_for_real_frames():
    proc = ViViTVideoProcessor(num_frames=8, frame_stride=2, do_sample_frames=True)
    with pytest.raises(ValueError) as error:
        proc(np.zeros((8, 16, 16, 3), np.uint8))  # 8 frames; 8 at stride 2 span 15
    assert str(error.value) == (
        "<ndarray of shape (8, 16, 16, 3)> has 8 frames but the clip needs 15; pass short_video='loop' or 'pad' to "
        "accept short videos (they feed repeated frames), or frame_stride=1 (the ViViT pipeline's "
        "frame_sampling_rate=1) to take 8 consecutive frames."
    )
    with pytest.raises(ValueError) as error:  # 5 frames: stride 1 would not do either, so it is not offered
        proc(np.zeros((5, 16, 16, 3), np.uint8))
    assert str(error.value).endswith("needs 15; pass short_video='loop' or 'pad' to accept short videos.")


def test_a_calls_frame_stride_that_its_sampling_would_ignore_is_refused():
    """Under `sampling_mode="uniform"` or `fps` the clip is spread over the whole video: a call's `frame_stride`
    changed no frame (the same frames 6, 12, 18, 24 of 30 at any stride) and was taken without a word."""
    video = np.random.default_rng(0).integers(0, 256, (30, 16, 16, 3), dtype=np.uint8)
    proc = ViViTVideoProcessor(num_frames=4, sampling_mode="uniform", do_sample_frames=True)
    assert proc(video, return_metadata=True)["video_metadata"][0].frames_indices == [6, 12, 18, 24]
    for options in ({"frame_stride": 3}, {"frame_stride": 3, "fps": 2, "video_metadata": {"fps": 10}}):
        with pytest.raises(ValueError, match=r"frame_stride=3 changes no frame under (sampling_mode='uniform'|fps)"):
            proc(video, **options)
    stride = proc(video, frame_stride=3, sampling_mode="stride", return_metadata=True)  # as the message says
    assert stride["video_metadata"][0].frames_indices == [9, 12, 15, 18]
    # frames kept as given take no sampling option at all, as in transformers
    assert proc(video, frame_stride=3, do_sample_frames=False)["pixel_values"].shape[1] == 30


def test_stacking_videos_of_different_frame_counts_suggests_pad_to_longest():
    proc = ViViTVideoProcessor(size={"height": 8, "width": 8}, do_center_crop=False)
    videos = [np.zeros((4, 8, 8, 3), np.uint8), np.zeros((3, 8, 8, 3), np.uint8)]
    with pytest.raises(ValueError, match=r"different shapes .* frame counts pass pad_to_longest=True") as error:
        proc(videos, return_tensors="pt")
    assert "do_center_crop" not in str(error.value)  # the frames are all 8 x 8: cropping is not what differs
    padded = proc(videos, pad_to_longest=True, return_tensors="pt")  # the suggestion works as spelt
    assert padded.attention_mask.tolist() == [[1, 1, 1, 1], [1, 1, 1, 0]]
    # what transformers' `test_model_input_names` asks: the names list every model input a call returns (the mask
    # was left out)
    assert set(padded.keys()) == set(proc.model_input_names)


def test_a_normalization_preset_given_when_loading_or_set_afterwards_changes_the_pixels(tmp_path):
    """`from_pretrained(folder, normalization="imagenet")` of a folder saved with the default (scenic) preset, and
    `proc.normalization = "imagenet"` on a loaded one: the pixels are ImageNet's (x / 255 - mean) / std, computed
    here by hand (a 32x32 video at a 32x32 crop: no resize). Both kept scenic's [-1, 1] before while saying
    "imagenet"; a field given beside the preset still wins, whichever keyword comes first."""
    from transformers import AutoVideoProcessor

    size = dict(num_frames=4, size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32})
    ViViTVideoProcessor(**size).save_pretrained(tmp_path)
    video = np.random.default_rng(0).integers(0, 256, (4, 32, 32, 3), dtype=np.uint8)
    mean, std = np.array([0.485, 0.456, 0.406]), np.array([0.229, 0.224, 0.225])
    by_hand = ((video / 255 - mean) / std).transpose(0, 3, 1, 2)[None]

    def pixels(proc):
        return proc(video, return_tensors="np")["pixel_values"]

    loaded = AutoVideoProcessor.from_pretrained(tmp_path, normalization="imagenet")
    np.testing.assert_allclose(pixels(loaded), by_hand, atol=1e-5)
    assigned = AutoVideoProcessor.from_pretrained(tmp_path)
    np.testing.assert_allclose(pixels(assigned), video.transpose(0, 3, 1, 2)[None] / 127.5 - 1, atol=1e-5)
    assigned.normalization = "imagenet"
    np.testing.assert_allclose(pixels(assigned), by_hand, atol=1e-5)
    assigned.save_pretrained(tmp_path / "again")
    np.testing.assert_allclose(pixels(AutoVideoProcessor.from_pretrained(tmp_path / "again")), by_hand, atol=1e-5)
    for order in (
        dict(normalization="imagenet", image_std=[0.5] * 3),
        dict(image_std=[0.5] * 3, normalization="imagenet"),
    ):
        proc = AutoVideoProcessor.from_pretrained(tmp_path, **order)
        np.testing.assert_allclose(pixels(proc), ((video / 255 - mean) / 0.5).transpose(0, 3, 1, 2)[None], atol=1e-5)
    with pytest.raises(ValueError, match="normalization must be one of"):
        assigned.normalization = "imagenett"


@pytest.mark.parametrize(
    "name, offset",
    [
        ("VideoMAEVideoProcessor", False),
        ("VideoMAEImageProcessor", False),
        ("VivitVideoProcessor", True),
        ("VivitImageProcessor", True),
    ],
)
def test_a_config_transformers_wrote_loads_with_its_own_rescale(tmp_path, name, offset):
    """A config saved by one of transformers' processors has no `rescale_offset`: its rescale (x * factor) was read
    with the scenic preset's offset (x * factor - 1), so a VideoMAE config's [-1, 1] pixels came out in [-3, -1]."""
    import transformers

    theirs = getattr(transformers, name)(size={"shortest_edge": 20}, crop_size={"height": 16, "width": 16})
    theirs.save_pretrained(tmp_path)
    ours = ViViTVideoProcessor.from_pretrained(tmp_path)
    assert ours.rescale_offset is offset
    video = np.random.default_rng(0).integers(0, 256, (4, 24, 30, 3), dtype=np.uint8)
    expected = theirs(list(video) if "Image" in name else video, return_tensors="pt")["pixel_values"]
    np.testing.assert_allclose(
        ours(video, return_tensors="pt")["pixel_values"], expected.reshape(1, 4, 3, 16, 16), atol=1e-5
    )


# What the Hub's older video classifiers carry (MCG-NJU/videomae-*-finetuned-kinetics, written by transformers'
# `VideoMAEFeatureExtractor`): no rescale_factor, crop_size or processor class; and a minimal newer one.
LEFT_TO_THE_CLASS = {
    "feature_extractor": {
        "feature_extractor_type": "VideoMAEFeatureExtractor", "do_center_crop": True, "do_normalize": True,
        "do_resize": True, "image_mean": [0.485, 0.456, 0.406], "image_std": [0.229, 0.224, 0.225], "resample": 2,
        "size": 24,
    },
    "image_processor": {"image_processor_type": "VideoMAEImageProcessor", "size": {"shortest_edge": 24}},
    "vivit_image_processor": {"image_processor_type": "VivitImageProcessor", "crop_size": {"height": 20, "width": 20}},
}  # fmt: skip


@pytest.mark.parametrize("config", list(LEFT_TO_THE_CLASS))
def test_what_a_transformers_config_leaves_out_is_its_classs_default(tmp_path, config):
    """A transformers config without `rescale_factor` (or crop size, mean, std, ...) was completed with this
    processor's defaults, the scenic preset's: a VideoMAE model's pixels were x / 127.5 normalised with ImageNet's
    statistics instead of x / 255 (up to 4.4 off), and its crop 224 whatever the config's size."""
    from transformers import AutoImageProcessor

    (tmp_path / "preprocessor_config.json").write_text(json.dumps(LEFT_TO_THE_CLASS[config]))
    theirs = AutoImageProcessor.from_pretrained(tmp_path)  # transformers' own reading of the folder
    video = np.random.default_rng(0).integers(0, 256, (4, 30, 40, 3), dtype=np.uint8)
    expected = theirs(list(video), return_tensors="pt")["pixel_values"]
    got = ViViTVideoProcessor.from_pretrained(tmp_path)(video, return_tensors="pt")["pixel_values"]
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, atol=1e-5)


@pytest.mark.parametrize("size", [{"height": 24, "width": 20}, {"height": 384, "width": 384}])
def test_the_config_of_a_processor_that_never_crops_gives_its_resized_frames(tmp_path, size):
    """ViT's image processor (what a ViTForImageClassification folder holds, the ViT a ViViT starts from) resizes
    and never crops: this processor's own centre crop of 224 was added, padding 24x20 frames to 224x224 with zeros
    and cutting 384x384 ones to 224x224."""
    from transformers import ViTImageProcessor

    theirs = ViTImageProcessor(size=size, image_mean=[0.485, 0.456, 0.406], image_std=[0.229, 0.224, 0.225])
    theirs.save_pretrained(tmp_path)
    video = np.random.default_rng(0).integers(0, 256, (3, 30, 40, 3), dtype=np.uint8)
    expected = theirs(list(video), return_tensors="pt")["pixel_values"]  # (frames, 3, H, W): one image each
    got = ViViTVideoProcessor.from_pretrained(tmp_path)(video, return_tensors="pt")["pixel_values"]
    assert got.shape == (1, *expected.shape)
    np.testing.assert_allclose(got[0], expected, atol=1e-5)


@pytest.mark.parametrize("kind", ["ViTFeatureExtractor", "VideoMAEFeatureExtractor"])
def test_an_int_size_of_a_transformers_config_is_read_as_its_class_reads_it(tmp_path, kind):
    """google/vit-base-patch16-224's preprocessor_config.json holds `"size": 224` (a ViTFeatureExtractor's): ViT's
    processor reads an int as a square, and this one read the shorter side of 224, so 30x40 frames came out 224x298
    where the ViT takes 224x224 (no crop since it follows ViT's). VideoMAE's reads an int as the shorter side."""
    from transformers import AutoImageProcessor, VideoMAEVideoProcessor

    saved = {"feature_extractor_type": kind, "do_normalize": True, "do_resize": True, "size": 24, "resample": 2}
    saved.update(image_mean=[0.5, 0.5, 0.5], image_std=[0.5, 0.5, 0.5])
    if kind == "VideoMAEFeatureExtractor":
        saved["crop_size"] = 20
    (tmp_path / "preprocessor_config.json").write_text(json.dumps(saved))
    video = np.random.default_rng(0).integers(0, 256, (4, 30, 40, 3), dtype=np.uint8)
    got = ViViTVideoProcessor.from_pretrained(tmp_path)(video, return_tensors="pt")["pixel_values"]
    if kind == "ViTFeatureExtractor":
        expected = AutoImageProcessor.from_pretrained(tmp_path)(list(video), return_tensors="pt")["pixel_values"]
    else:  # (its video processor: the image processor transformers maps the old name to resizes frames otherwise)
        theirs = VideoMAEVideoProcessor(**{k: v for k, v in saved.items() if k != "feature_extractor_type"})
        expected = theirs(video, return_tensors="pt")["pixel_values"][0]
    assert got.shape == (1, *expected.shape)
    np.testing.assert_allclose(got[0], expected, atol=1e-5)


def test_an_int_size_of_a_vivit_image_processor_config_is_its_shorter_side(tmp_path):
    """transformers' VivitImageProcessor reads an int `size` as the shorter side though its class attribute
    `default_to_square` is True; read by that attribute, `"size": 24` gave 24x24 squares of 30x40 frames where
    transformers gives 24x32."""
    from transformers import VivitImageProcessor

    saved = {"image_processor_type": "VivitImageProcessor", "size": 24, "do_center_crop": False, "resample": 2}
    (tmp_path / "preprocessor_config.json").write_text(json.dumps(saved))
    video = np.random.default_rng(0).integers(0, 256, (4, 30, 40, 3), dtype=np.uint8)
    got = ViViTVideoProcessor.from_pretrained(tmp_path)(video, return_tensors="pt")["pixel_values"]
    expected = VivitImageProcessor.from_pretrained(tmp_path)([list(video)], return_tensors="pt")["pixel_values"]
    assert got.shape == expected.shape == (1, 4, 3, 24, 32)
    # (Vivit's resize rounds to uint8 before its rescale by 1/127.5 and its std of 0.5: one level, 2/127.5, at most)
    np.testing.assert_allclose(got, expected, atol=2.01 / 127.5)


@pytest.mark.parametrize("mode", ["NEAREST_EXACT", "BILINEAR", "BICUBIC"])
def test_resample_as_torchvisions_interpolation_mode_is_taken_as_transformers_takes_it(tmp_path, mode):
    """transformers' processors take `resample` as a PIL code or a torchvision `InterpolationMode`; the latter was
    refused here as "not supported". Same pixels as transformers, and a processor built with one saves, as does one
    given it after building (`proc.resample = mode`: "Object of type InterpolationMode is not JSON serializable")."""
    from torchvision.transforms import InterpolationMode
    from transformers import VivitVideoProcessor

    video = np.random.default_rng(0).integers(0, 256, (2, 30, 40, 3), dtype=np.uint8)
    options = dict(size={"shortest_edge": 20}, crop_size={"height": 18, "width": 18})
    resample = InterpolationMode[mode]
    theirs = VivitVideoProcessor(**options)(video, resample=resample, return_tensors="pt")["pixel_values"]
    ours = ViViTVideoProcessor(normalization="transformers_vivit", **options)
    np.testing.assert_array_equal(ours(video, resample=resample, return_tensors="pt")["pixel_values"], theirs)
    ViViTVideoProcessor(resample=resample).save_pretrained(tmp_path)
    pil_code = PILImageResampling[{"NEAREST_EXACT": "NEAREST"}.get(mode, mode)]
    assert ViViTVideoProcessor.from_pretrained(tmp_path).resample == pil_code
    ours.resample = resample
    ours.save_pretrained(tmp_path / "set")
    loaded = ViViTVideoProcessor.from_pretrained(tmp_path / "set")
    assert loaded.resample == pil_code
    np.testing.assert_array_equal(loaded(video, return_tensors="pt")["pixel_values"], theirs)


def test_transformers_call_options_set_on_the_processor_apply_to_its_calls_as_in_transformers(tmp_path):
    """`return_metadata` and `input_data_format` set on the processor (or saved in its config) were ignored by every
    call: no `video_metadata`, and an ambiguous (T, 3, H, 3) array read channels-first against the processor's
    `channels_last`. transformers' own video processor, the reference, applies both; a call's value still wins."""
    from transformers import VivitVideoProcessor

    video = np.random.default_rng(0).integers(0, 256, (4, 3, 40, 3), dtype=np.uint8)  # (T, H, W, C) of 3 x 40
    keep = dict(do_resize=False, do_center_crop=False, return_metadata=True, input_data_format="channels_last")
    ViViTVideoProcessor(**keep).save_pretrained(tmp_path)
    ours = ViViTVideoProcessor.from_pretrained(tmp_path)
    theirs = VivitVideoProcessor(**keep)(video, return_tensors="pt")
    got = ours(video, return_tensors="pt")
    assert "video_metadata" in theirs and got["video_metadata"][0]["total_num_frames"] == 4
    assert tuple(got.pixel_values.shape) == tuple(theirs.pixel_values.shape) == (1, 4, 3, 3, 40)
    by_hand = torch.from_numpy(video).permute(0, 3, 1, 2).float() / 127.5 - 1  # scenic's [-1, 1]
    torch.testing.assert_close(got.pixel_values[0], by_hand, rtol=0, atol=1e-6)
    called = ours(video, return_tensors="pt", return_metadata=False, input_data_format="channels_first")
    assert "video_metadata" not in called and tuple(called.pixel_values.shape) == (1, 4, 3, 40, 3)
    assert torch.equal(ours.decode_video_frames(video), torch.from_numpy(video))  # (T, H, W, 3) as given


def test_options_given_as_numpy_numbers_or_a_torch_device_save_and_load_as_given(tmp_path):
    """`save_pretrained` failed with "Object of type int64 is not JSON serializable" for `num_frames=np.int64(8)` (a
    count read from an array or a table) and for a `torch.device`: in training, at the Trainer's first checkpoint."""
    options = dict(
        num_frames=np.int64(8),
        frame_stride=np.int32(1),
        seed=np.uint8(4),
        float_max=np.float32(1.0),
        color_jitter_prob=np.float64(0.5),
        device=torch.device("cpu"),
    )
    ViViTVideoProcessor(**options).save_pretrained(tmp_path)
    saved = json.loads((tmp_path / CONFIG).read_text())
    assert {key: saved[key] for key in options} == {
        key: str(v) if key == "device" else v.item() for key, v in options.items()
    }
    loaded = ViViTVideoProcessor.from_pretrained(tmp_path)
    video = np.random.default_rng(0).random((12, 40, 50, 3), dtype=np.float32)
    expected = ViViTVideoProcessor(**options)(video, do_sample_frames=True, return_tensors="pt").pixel_values
    assert torch.equal(loaded(video, do_sample_frames=True, return_tensors="pt").pixel_values, expected)


@pytest.mark.parametrize("as_array", [np.array, torch.tensor])
def test_options_given_as_arrays_or_tensors_are_read_saved_and_loaded_as_the_lists_they_hold(tmp_path, as_array):
    """`scale_jitter=np.array([0.9, 1.2])` failed with numpy's "truth value of an array with more than one element is
    ambiguous", and `image_mean=torch.tensor(...)` saved with "Object of type Tensor is not JSON serializable"."""
    lists = dict(
        do_train_augment=True, scale_jitter=[0.9, 1.2], rand_augment=[2, 9], do_normalize=True,
        image_mean=[0.25, 0.5, 0.75], image_std=[0.5, 0.25, 1.0], num_frames=4, size=36, crop_size=32,
    )  # fmt: skip
    arrays = {k: as_array(v) if isinstance(v, list) else v for k, v in lists.items()}
    video = np.random.default_rng(0).integers(0, 256, (12, 40, 50, 3), dtype=np.uint8)
    expected = ViViTVideoProcessor(**lists)(video, do_sample_frames=True, seed=5, return_tensors="pt").pixel_values
    built = ViViTVideoProcessor(**arrays)
    assert torch.equal(built(video, do_sample_frames=True, seed=5, return_tensors="pt").pixel_values, expected)
    called = ViViTVideoProcessor(num_frames=4, size=36, crop_size=32)(
        video,
        do_sample_frames=True,
        seed=5,
        return_tensors="pt",
        **{k: v for k, v in arrays.items() if "size" not in k},
    )
    assert torch.equal(called.pixel_values, expected)
    built.save_pretrained(tmp_path)
    saved = json.loads((tmp_path / CONFIG).read_text())
    assert {key: saved[key] for key in ("scale_jitter", "rand_augment", "image_mean", "image_std")} == {
        key: pytest.approx(lists[key]) for key in ("scale_jitter", "rand_augment", "image_mean", "image_std")
    }
    loaded = ViViTVideoProcessor.from_pretrained(tmp_path, do_train_augment=True)
    assert torch.equal(loaded(video, do_sample_frames=True, seed=5, return_tensors="pt").pixel_values, expected)


def test_fps_on_the_processor_with_no_frame_count_samples_by_fps_as_transformers_does():
    """`num_frames=None, fps=2` (transformers' way to sample by rate alone) was refused: "num_frames must be a
    positive integer, got None"."""
    from transformers import VivitVideoProcessor

    video = np.random.default_rng(0).integers(0, 256, (20, 30, 40, 3), dtype=np.uint8)
    options = dict(num_frames=None, fps=2, do_sample_frames=True, do_resize=False, do_center_crop=False)
    metadata = {"fps": 10, "total_num_frames": 20}
    got = ViViTVideoProcessor(**options, normalization="transformers_vivit")(
        video, video_metadata=metadata, return_tensors="pt"
    )
    theirs = VivitVideoProcessor(**options)(video, video_metadata=metadata, return_tensors="pt")
    assert got.pixel_values.shape[1] == 4  # 2 s at 2 frames per second
    torch.testing.assert_close(got.pixel_values, theirs.pixel_values, rtol=0, atol=1e-6)


# -- normalisation statistics and sizes, as transformers' processors take them ---------------------------------------
TINY = dict(size={"shortest_edge": 20}, crop_size={"height": 18, "width": 18})


def frames_8x40x48():
    return np.random.default_rng(0).integers(0, 256, (8, 40, 48, 3), dtype=np.uint8)


@pytest.mark.parametrize(
    "option,message",
    [
        ({"image_mean": float("nan")}, r"image_mean must be finite numbers, got nan"),
        ({"image_mean": [0.4, 0.5, float("inf")]}, r"image_mean must be finite numbers, got \[0.4, 0.5, inf\]"),
        ({"image_std": [0.2, float("nan"), 0.2]}, r"image_std must be finite numbers, got \[0.2, nan, 0.2\]"),
        ({"image_std": [-0.5, 0.5, 0.5]}, r"image_std must be positive .*got \[-0.5, 0.5, 0.5\]"),
        ({"image_std": [1e-300] * 3}, r"image_std=\[1e-300, 1e-300, 1e-300\] scale the pixels past float32's range"),
        ({"image_mean": None}, r"do_normalize=True needs image_mean, got None"),
        ({"rescale_factor": float("nan")}, r"rescale_factor must be a finite number .*got nan"),
    ],
)
def test_a_mean_std_or_rescale_that_gives_nan_or_flipped_pixels_is_refused_by_name(tmp_path, option, message):
    """Each was taken and gave NaN or infinite `pixel_values` (a NaN or infinite mean, a NaN or tiny std, a mean of
    None, a NaN rescale factor), or pixels upside down (a negative std), without a word."""
    options = {"do_normalize": True, "image_mean": [0.5] * 3, "image_std": [0.5] * 3, **option}
    with pytest.raises(ValueError, match=message):
        ViViTVideoProcessor(**options)
    with pytest.raises(ValueError, match=message):  # a saved config holding it
        ViViTVideoProcessor.from_pretrained(save_with(tmp_path, **options))
    if None not in option.values():  # (None in a call means "the processor's own")
        with pytest.raises(ValueError, match=message):  # a call's option too, before decoding
            ViViTVideoProcessor()("no-such-file.mp4", **options)


@pytest.mark.parametrize(
    "option,message",
    [
        ({"image_std": [0, 0, 0]}, r"image_std divides the pixels: it must not be 0, got \[0, 0, 0\]"),
        ({"image_std": [0.2, 0, 0.2]}, r"image_std divides the pixels: it must not be 0, got \[0.2, 0, 0.2\]"),
        ({"image_std": [0.5, 0.5]}, r"image_std must be one number or one per channel \(3\), got \[0.5, 0.5\]"),
        ({"image_mean": [0.5] * 4}, r"image_mean must be one number or one per channel \(3\), got \[0.5, 0.5, 0.5"),
        ({"image_mean": ["0.5"] * 3}, r"image_mean must be one number or one per channel \(3\), got \['0.5'"),
    ],
)
def test_a_bad_mean_or_std_is_refused_when_built_not_at_the_first_call_that_normalises(tmp_path, option, message):
    """With `do_normalize` off (the default) a processor was built and saved with them, and failed (a std of 0: NaN
    pixels before that was caught at the call) at the first call that turned normalisation on."""
    with pytest.raises(ValueError, match=message):
        ViViTVideoProcessor(**option)
    with pytest.raises(ValueError, match=message):
        ViViTVideoProcessor.from_pretrained(save_with(tmp_path, **option))
    with pytest.raises(ValueError, match=message):
        ViViTVideoProcessor()("no-such-file.mp4", **option)


@pytest.mark.parametrize(
    "mean,std",
    [
        (0.3, 0.2),  # one number for every channel, as transformers takes it
        ([0.3], [0.2]),
        ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225)),
        (np.array([0.485, 0.456, 0.406]), np.array([0.229, 0.224, 0.225])),
        ([0, 0, 0], [1, 1, 1]),  # whole numbers
    ],
)
def test_the_means_and_stds_transformers_takes_give_its_pixels(mean, std):
    """What transformers' `VivitVideoProcessor` takes is taken, and gives its pixels (the `transformers_vivit`
    preset is its exact path)."""
    from transformers import VivitVideoProcessor

    frames = frames_8x40x48()
    ours = ViViTVideoProcessor(normalization="transformers_vivit", image_mean=mean, image_std=std, **TINY)
    as_given = [v.tolist() if isinstance(v, np.ndarray) else v for v in (mean, std)]
    theirs = VivitVideoProcessor(image_mean=as_given[0], image_std=as_given[1], **TINY)
    expected = theirs(frames, return_tensors="pt").pixel_values
    torch.testing.assert_close(ours(frames, return_tensors="pt").pixel_values, expected, atol=1e-5, rtol=0)
    in_a_call = ViViTVideoProcessor(normalization="transformers_vivit", **TINY)
    got = in_a_call(frames, image_mean=mean, image_std=std, return_tensors="pt").pixel_values
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=0)


@pytest.mark.parametrize(
    "sizes",
    [
        {"crop_size": np.int64(18)},
        {"crop_size": {"height": np.int64(18), "width": np.int32(18)}},
        {"crop_size": 18.0, "size": {"shortest_edge": 20.0}},
        {"size": np.int64(20)},
        {"size": {"shortest_edge": np.int64(20)}},
        {"size": (np.int64(20), np.int64(24)), "crop_size": (np.uint8(18), np.int16(18))},
    ],
)
def test_sizes_given_as_numpy_integers_or_whole_floats_are_those_pixels(tmp_path, sizes):
    """A numpy integer (read from an array or a table) failed inside transformers with its bare "Could not convert
    size input to size dict: 18"; in a dict it was kept, and saving failed later ("Object of type int64 is not JSON
    serializable"). Now they are the ints they hold, as the pixels of transformers' own processor with those ints
    show, in the constructor, in a call and through save and load."""
    from transformers import VivitVideoProcessor

    def ints(value):  # what the user meant, in the ints transformers takes
        if isinstance(value, dict):
            return {side: int(v) for side, v in value.items()}
        return tuple(int(v) for v in value) if isinstance(value, tuple) else int(value)

    frames = frames_8x40x48()
    as_ints = {name: ints(value) for name, value in {**TINY, **sizes}.items()}
    expected = VivitVideoProcessor(**as_ints)(frames, return_tensors="pt").pixel_values
    built = ViViTVideoProcessor(normalization="transformers_vivit", **{**TINY, **sizes})
    torch.testing.assert_close(built(frames, return_tensors="pt").pixel_values, expected, atol=1e-5, rtol=0)
    called = ViViTVideoProcessor(normalization="transformers_vivit", **TINY)(
        frames, return_tensors="pt", **{**TINY, **sizes}
    )
    torch.testing.assert_close(called.pixel_values, expected, atol=1e-5, rtol=0)
    built.save_pretrained(tmp_path)
    saved = json.loads((tmp_path / CONFIG).read_text())
    for name in ("size", "crop_size"):
        assert all(type(side) is int for side in saved[name].values()), saved[name]
    reloaded = ViViTVideoProcessor.from_pretrained(tmp_path)(frames, return_tensors="pt").pixel_values
    torch.testing.assert_close(reloaded, expected, atol=1e-5, rtol=0)


@pytest.mark.parametrize(
    "option,message",
    [
        ({"crop_size": 18.5}, r"crop_size must be a whole number of pixels .*got 18.5 \(a float\)"),
        ({"size": np.float32(20.5)}, r"size must be a whole number of pixels .*got np.float32\(20.5\)"),
        ({"size": {"shortest_edge": 20.5}}, r"size sides must be whole numbers of pixels, got \{'shortest_edge': 20.5"),
        ({"crop_size": {"height": 18.5, "width": 18}}, r"crop_size sides must be whole numbers of pixels, got \{'h"),
    ],
)
def test_a_size_that_is_not_whole_pixels_is_refused_by_name(option, message):
    """transformers failed on these with "Could not convert size input to size dict: 18.5" or "slice indices must
    be integers"; a dict's 20.5 was taken, to resize to some rounding of it."""
    with pytest.raises(ValueError, match=message):
        ViViTVideoProcessor(**option)
    with pytest.raises(ValueError, match=message):
        ViViTVideoProcessor()("no-such-file.mp4", **option)


def test_statistics_given_without_do_normalize_are_named_as_not_applied(tmp_path, caplog):
    """VideoMAE's and ViT's processors normalise by default, so their users pass image_mean / image_std alone; under
    the default preset normalisation is off and the statistics changed no pixel without a word."""
    mean, std = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
    video = np.random.default_rng(0).integers(0, 256, (4, 32, 32, 3), dtype=np.uint8)
    options = dict(num_frames=4, size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32})
    plain = ViViTVideoProcessor(**options)(video, return_tensors="pt")["pixel_values"]
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        given = ViViTVideoProcessor(**options, image_mean=mean, image_std=std)
    (message,) = warnings_of(caplog)
    assert f"image_mean={mean!r} and image_std={std!r} without `do_normalize`" in message
    assert "do_normalize=True" in message and "normalization='imagenet'" in message
    assert torch.equal(given(video, return_tensors="pt")["pixel_values"], plain)  # what the warning says: unused
    # asked for (do_normalize=True), or named off on purpose, or loaded from a saved config: no warning
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        applied = ViViTVideoProcessor(**options, image_mean=mean, image_std=std, do_normalize=True)
        ViViTVideoProcessor(**options, image_mean=mean, do_normalize=False)
        ViViTVideoProcessor(**options, image_mean=mean, normalization="imagenet")
        given.save_pretrained(tmp_path)
        ViViTVideoProcessor.from_pretrained(tmp_path)
    assert warnings_of(caplog) == []
    expected = (plain - torch.tensor(mean).view(3, 1, 1)) / torch.tensor(std).view(3, 1, 1)
    torch.testing.assert_close(applied(video, return_tensors="pt")["pixel_values"], expected)


def test_statistics_given_at_load_or_in_a_call_without_do_normalize_are_named_as_not_applied(tmp_path, caplog):
    """The constructor's warning missed the two other ways a VideoMAE user passes image_mean / image_std:
    `from_pretrained(path, image_mean=...)` over a saved config (which holds do_normalize=False) and a call's
    keywords, which VideoMAE's processor applies (it normalises by default). Both changed no pixel without a word;
    now they warn (a call once, not once per call of a loop)."""
    from transformers import VideoMAEVideoProcessor

    mean, std = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
    video = np.random.default_rng(0).integers(0, 256, (4, 32, 32, 3), dtype=np.uint8)
    options = dict(num_frames=4, size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32})
    processor = ViViTVideoProcessor(**options)
    processor.save_pretrained(tmp_path)
    plain = processor(video, return_tensors="pt")["pixel_values"]
    # transformers' reference: a call's statistics change its pixels
    videomae = VideoMAEVideoProcessor(do_resize=False, do_center_crop=False)
    assert not torch.equal(
        videomae(list(video), image_mean=mean, image_std=std, return_tensors="pt")["pixel_values"],
        videomae(list(video), return_tensors="pt")["pixel_values"],
    )
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        loaded = ViViTVideoProcessor.from_pretrained(tmp_path, image_mean=mean, image_std=std)
    (message,) = warnings_of(caplog)
    assert f"image_mean={mean!r} and image_std={std!r} without `do_normalize`" in message
    assert torch.equal(loaded(video, return_tensors="pt")["pixel_values"], plain)  # unused, as it says
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        for _ in range(2):
            called = processor(video, image_mean=mean, image_std=std, return_tensors="pt")["pixel_values"]
    (message,) = warnings_of(caplog)
    assert f"image_mean={mean!r} and image_std={std!r} without `do_normalize`" in message
    assert torch.equal(called, plain)
    # asked for, at load or in the call: applied, no warning
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        ViViTVideoProcessor.from_pretrained(tmp_path, image_mean=mean, image_std=std, do_normalize=True)
        ViViTVideoProcessor.from_pretrained(tmp_path, image_mean=mean, normalization="imagenet")
        applied = processor(video, image_mean=mean, image_std=std, do_normalize=True, return_tensors="pt")
    assert warnings_of(caplog) == []
    expected = (plain - torch.tensor(mean).view(3, 1, 1)) / torch.tensor(std).view(3, 1, 1)
    torch.testing.assert_close(applied["pixel_values"], expected)


BAD_OPTIONS = [
    {"sampling_mode": "random"},
    {"num_crops": 5},
    {"num_frames": 0},
    {"frame_stride": 0},
    {"num_clips": 0},
    {"short_video": "skip"},
    {"float_max": -1},
    {"fps": -1},
    {"num_frames": None, "num_clips": 2},
    {"fps": 2, "num_frames": None, "num_clips": 2},
    {"do_sample_frames": False, "num_clips": 2},
    # a bool is an int to Python: True was one frame (one clip, stride 1, the centre crop) without a word
    {"num_frames": True},
    {"num_crops": True},
]


@pytest.mark.parametrize("options", BAD_OPTIONS, ids=lambda options: ",".join(f"{k}={v}" for k, v in options.items()))
def test_options_a_call_refuses_are_refused_when_built_and_loaded_with_the_calls_message(tmp_path, options):
    """Built (or loaded from a hand-edited config) with such a value, a processor was taken and failed at its first
    call, in a training run inside a DataLoader worker. The message is the call's own: the same processor given the
    values as attributes (as the recipes set their flags) and then called."""
    called = ViViTVideoProcessor(num_frames=2)
    for name, value in options.items():
        setattr(called, name, value)
    with pytest.raises(ValueError) as at_call:
        called([np.zeros((2, 8, 8, 3), dtype=np.uint8)])
    with pytest.raises(ValueError) as built:
        ViViTVideoProcessor(**options)
    assert str(built.value) == str(at_call.value), (built.value, at_call.value)
    folder = save_with(tmp_path, **options)
    with pytest.raises(ValueError) as loaded:
        ViViTVideoProcessor.from_pretrained(folder)
    assert str(loaded.value) == str(at_call.value), (loaded.value, at_call.value)


def test_a_numpy_bool_is_no_count_either():
    """`np.True_` (a switch read from an array or a table) equals 1 as `True` does: num_crops=np.True_ gave the centre
    crop without a word, where `True` is refused (the other counts refuse it as no whole number)."""
    video = [np.zeros((4, 8, 8, 3), dtype=np.uint8)]
    proc = ViViTVideoProcessor(num_frames=2, size={"height": 8, "width": 8}, crop_size={"height": 8, "width": 8})
    for name in ("num_crops", "num_frames", "num_clips", "frame_stride"):
        with pytest.raises(ValueError, match=f"{name} must be .*got np.True_|{name} must be .*got True"):
            proc(video, **{name: np.True_})


def test_a_rescale_factor_the_presets_offset_moves_off_any_pixel_range_is_warned_of(caplog, tmp_path):
    """A VideoMAE or ViT user's `rescale_factor=1/255` (their [0, 1]) kept the scenic preset's offset, subtract 1:
    pixels in [-1, 0] without a word. They still are (transformers' ViViT image processor offsets so too), said once
    with the fix; an offset given, or a factor whose offset gives [-1, 1], is not warned of."""
    video = np.random.default_rng(0).integers(0, 256, (4, 20, 20, 3), dtype=np.uint8)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        pixels = ViViTVideoProcessor(rescale_factor=1 / 255)(video, return_tensors="pt").pixel_values
        (message,) = warnings_of(caplog)
        caplog.clear()
        ViViTVideoProcessor(rescale_factor=1 / 255, rescale_offset=False)
        ViViTVideoProcessor(rescale_factor=1 / 127.5)(video, rescale_factor=2 / 255)
        assert warnings_of(caplog) == []
        ViViTVideoProcessor()(video, rescale_factor=1 / 200)  # (a call's: once a process)
        assert len(warnings_of(caplog)) == 1
        ViViTVideoProcessor().save_pretrained(tmp_path)
        ViViTVideoProcessor.from_pretrained(tmp_path, rescale_factor=1 / 255)  # (given at load, over a saved offset)
        assert len(warnings_of(caplog)) == 2
    assert float(pixels.max()) <= 0  # [-1, 0], as transformers' VivitImageProcessor with its offset gives
    assert "pixels land in [-1, 0]. Pass rescale_offset=False for [0, 1]" in message
