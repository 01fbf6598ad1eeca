# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""ViViTVideoProcessor: inputs, shapes, sampling through decoding, presets, augmentation, save/load."""

import io

import av
import numpy as np
import pytest
import torch
from PIL import Image
from video_factory import frame_indices, suffix, write_video

from vivit_hf.processing.processing_vivit import ViViTVideoProcessor
from vivit_hf.processing.video_io import VideoDecodeError

SMALL = dict(
    do_sample_frames=True,  # arrays too: these tests sample in-memory videos as files are (not the default)
    num_frames=4,
    frame_stride=2,
    size={"shortest_edge": 32},
    crop_size={"height": 28, "width": 28},
    decode_backend="pyav",
)
RAW = dict(do_resize=False, do_center_crop=False, do_rescale=False)  # pixels as decoded, to read the frame pattern


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    root = tmp_path_factory.mktemp("proc")
    return {
        codec: write_video(root / f"v{suffix(codec)}", num_frames=30, codec=codec, gop=8)
        for codec in ("h264", "vp9", "av1")
    }


@pytest.fixture(scope="module")
def proc():
    return ViViTVideoProcessor(**SMALL)


def decoded_indices(pixel_values):
    """Frame indices of every view: (views, T) list."""
    return [frame_indices(view.numpy().astype(np.uint8)) for view in pixel_values]


def test_batch_of_files_gives_stacked_pixel_values(proc, videos):
    out = proc([videos["h264"], videos["vp9"], videos["av1"]], return_tensors="pt")
    assert out.pixel_values.shape == (3, 4, 3, 28, 28) and out.pixel_values.dtype == torch.float32


def test_default_preset_is_zero_centred_to_minus_one_one(proc, videos):
    pixels = proc(videos["h264"], return_tensors="pt").pixel_values
    assert pixels.min() >= -1.0 and pixels.max() <= 1.0
    assert pixels.min() < -0.95 and pixels.max() > 0.95  # black and white stripes reach both ends


def test_multi_view_shape_and_order(proc, videos):
    out = proc([videos["h264"], videos["vp9"]], num_clips=4, num_crops=3, return_tensors="pt", return_metadata=True)
    assert out.pixel_values.shape == (2 * 4 * 3, 4, 3, 28, 28)
    raw = proc(
        videos["h264"], num_clips=4, num_crops=3, crop_size={"height": 48, "width": 64}, return_tensors="pt", **RAW
    )
    starts = [indices[0] for indices in decoded_indices(raw.pixel_values)]
    assert starts == [0, 0, 0, 7, 7, 7, 14, 14, 14, 22, 22, 22]  # clip-major; DMVR: linspace(0, 30 - 8, 4) truncated


def test_decoded_frames_are_the_sampled_ones(proc, videos):
    out = proc(videos["vp9"], return_tensors="pt", return_metadata=True, **RAW)
    expected = out["video_metadata"][0]["frames_indices"]
    assert expected == [11, 13, 15, 17]  # centred clip of span 7 in 30 frames
    assert decoded_indices(out.pixel_values) == [expected]


def test_uniform_sampling_mode(proc, videos):
    out = proc(videos["h264"], sampling_mode="uniform", num_frames=5, return_tensors="pt", **RAW)
    assert decoded_indices(out.pixel_values) == [[5, 10, 15, 20, 25]]  # round(30 / 6 * (i + 1))


def test_every_input_kind_gives_the_same_pixels(proc, videos):
    path = videos["h264"]
    data = open(path, "rb").read()
    frames = av.open(path)
    array = np.stack([f.to_ndarray(format="rgb24") for f in frames.decode(video=0)])
    exact = dict(resize_in_decoder=False)  # files resized in torch too, as arrays are
    reference = proc(path, return_tensors="pt", **exact).pixel_values
    inputs = {
        "bytes": data,
        "file object": io.BytesIO(data),
        "datasets decode=False": {"path": None, "bytes": data},
        "datasets path": {"path": path, "bytes": None},
        "PyAV container": av.open(path),
        "numpy THWC uint8": array,
        "torch TCHW uint8": torch.from_numpy(array).permute(0, 3, 1, 2),
        "float in [0, 1]": array.astype(np.float32) / 255.0,
        "PIL frames": [Image.fromarray(f) for f in array],
    }
    for name, video in inputs.items():
        # [0, 1] floats say so (float_max): the values alone cannot tell them from a dark [0, 255] video
        options = dict(exact, float_max=1.0) if "float" in name else exact
        out = proc(video, return_tensors="pt", **options).pixel_values
        # float pixels are resized as floats, uint8 ones are rounded after resizing: one grey level apart at most
        tolerance = 2 / 127.5 if "float" in name else 1e-6
        assert torch.allclose(out, reference, atol=tolerance), name


def write_blocks(path, num_frames: int, height: int, width: int):
    """A video of random coloured 8x8 blocks (the benchmark's texture): sharp colour edges, where libswscale's and
    torch's filters differ most."""
    blocks = np.random.default_rng(0).integers(0, 256, (num_frames, height // 8, width // 8, 3), dtype=np.uint8)
    frames = np.kron(blocks, np.ones((1, 8, 8, 1), np.uint8))
    return write_video(path, num_frames=num_frames, height=height, width=width, frames=frames)


def test_resize_in_decoder_is_the_default_and_close_to_torch_resize(proc, tmp_path):
    # random coloured 8x8 blocks (the benchmark's texture), downscaled 3x: sharp colour edges, where
    # libswscale's and torch's filters differ most
    path = write_blocks(tmp_path / "blocks.mp4", num_frames=12, height=96, width=128)
    fast = proc(path, return_tensors="pt").pixel_values
    exact = proc(path, resize_in_decoder=False, return_tensors="pt").pixel_values
    assert fast.shape == exact.shape and not torch.equal(fast, exact)
    assert (fast - exact).abs().mean() * 127.5 < 8.0  # grey levels, on this worst case
    data = open(path, "rb").read()
    for video in (data, {"path": None, "bytes": data}, av.open(path)):  # every file kind: the same pixels
        assert torch.equal(proc(video, return_tensors="pt").pixel_values, fast)


def test_transformers_preset_keeps_the_exact_path_on_files(videos):
    from transformers import VivitVideoProcessor

    from vivit_hf.processing.video_io import read_frames

    ours = ViViTVideoProcessor(normalization="transformers_vivit", num_frames=4, frame_stride=2, decode_backend="pyav")
    out = ours(videos["h264"], return_tensors="pt", return_metadata=True)
    frames = read_frames(videos["h264"], out["video_metadata"][0]["frames_indices"], backend="pyav")
    theirs = VivitVideoProcessor()(frames, return_tensors="pt").pixel_values
    torch.testing.assert_close(out.pixel_values, theirs, atol=1e-5, rtol=0)


def test_a_config_transformers_vivit_wrote_keeps_its_exact_path_on_files(tmp_path):
    """Loaded from transformers' own ViViT config (no `normalization` name), a file was resized while decoding:
    0.42 from transformers' pixels on this textured clip; such a config now keeps transformers' path."""
    from transformers import VivitVideoProcessor

    from vivit_hf.processing.video_io import read_frames

    y, x = np.mgrid[0:96, 0:128]
    texture = [np.stack([(x * 7 + y * 3 + t * 11) % 256, (x * y + t) % 256, x ^ y], -1) for t in range(8)]
    video = write_video(tmp_path / "v.mp4", num_frames=8, height=96, width=128, frames=np.uint8(texture))
    theirs = VivitVideoProcessor(size={"shortest_edge": 32}, crop_size={"height": 28, "width": 28})  # a downscale
    theirs.save_pretrained(tmp_path)
    ours = ViViTVideoProcessor.from_pretrained(tmp_path, num_frames=4, do_sample_frames=True, decode_backend="pyav")
    out = ours(video, return_tensors="pt", return_metadata=True)
    frames = read_frames(video, out["video_metadata"][0]["frames_indices"], backend="pyav")
    torch.testing.assert_close(out.pixel_values, theirs(frames, return_tensors="pt").pixel_values, atol=1e-5, rtol=0)


def test_sample_indices_can_be_overridden(videos):
    class FixedFrames(ViViTVideoProcessor):
        def sample_indices(self, num_video_frames, opts, rng, name):
            return np.array([[2, 9, 9, 1]])

    out = FixedFrames(**SMALL)(videos["vp9"], return_tensors="pt", **RAW)
    assert decoded_indices(out.pixel_values) == [[2, 9, 9, 1]]


def test_batch_of_arrays_as_5d(proc):
    batch = np.random.default_rng(0).integers(0, 255, (2, 10, 40, 50, 3), dtype=np.uint8)
    assert proc(batch, return_tensors="pt").pixel_values.shape == (2, 4, 3, 28, 28)


def test_grayscale_array_becomes_rgb(proc):
    gray = np.random.default_rng(0).integers(0, 255, (10, 40, 50), dtype=np.uint8)
    pixels = proc(gray, return_tensors="pt").pixel_values
    assert pixels.shape == (1, 4, 3, 28, 28)
    assert torch.equal(pixels[:, :, 0], pixels[:, :, 1])


def test_tiny_odd_sized_video_is_upscaled_and_cropped(proc):
    tiny = np.random.default_rng(0).integers(0, 255, (6, 5, 7, 3), dtype=np.uint8)
    assert proc(tiny, short_video="loop", return_tensors="pt").pixel_values.shape == (1, 4, 3, 28, 28)


def test_a_size_below_the_crop_pads_every_view_and_says_so_once(caplog, monkeypatch):
    """size 20 with crop 28 gave views 29% padding without a word (scenic's resize_with_crop_or_pad pads as well).
    Once for frames of any width at or above the crop (the same padding): a data set of many aspect ratios resized
    to 20 rows was said once per width."""
    from vivit_hf.processing import processing_vivit

    monkeypatch.setattr(processing_vivit, "_PADDED", set())  # (said once a process: not by an earlier test)
    video = np.random.default_rng(0).integers(0, 255, (8, 40, 60, 3), dtype=np.uint8)
    processor = ViViTVideoProcessor(**{**SMALL, "size": {"shortest_edge": 20}})
    with caplog.at_level("WARNING", logger="vivit_hf.processing.processing_vivit"):
        pixels = processor([video, video[:, :, :56], np.tile(video, (1, 1, 2, 1))], return_tensors="pt").pixel_values
    # 20 rows in 28: 4 padded above and below, zeros that the default normalisation maps to -1
    assert pixels[:, :, :, :4].eq(-1).all() and pixels[:, :, :, -4:].eq(-1).all() and pixels[:, :, :, 4:-4].ne(-1).any()
    (record,) = [r for r in caplog.records if "zero-pads" in r.getMessage()]  # frames 20x30, 20x28, 20x60: one
    assert record.getMessage().startswith(
        "ViViTVideoProcessor zero-pads frames of 20x30 (resized with size={'shortest_edge': 20}) up to crop_size "
        "28x28: 29% of each view is padding."
    )
    caplog.clear()
    with caplog.at_level("WARNING", logger="vivit_hf.processing.processing_vivit"):
        ViViTVideoProcessor(**SMALL)(video, return_tensors="pt")  # frames of 32x48: no padding, no warning
    assert not [r for r in caplog.records if "zero-pads" in r.getMessage()]


def test_a_scale_jitter_that_shrinks_frames_below_the_crop_says_training_views_are_padded(caplog, monkeypatch):
    """size 28 for a crop of 28 with scenic's jitter [0.9, 1.33]: a height factor below 1 (23% of draws) cut frames to
    25-27 rows, which the random crop zero-padded, black borders no test view has, without a word (the padding
    warning sees the frames before the jitter). Said once; size 32 (28 rows at the least) pads none and says nothing."""
    from vivit_hf.processing import processing_vivit

    monkeypatch.setattr(processing_vivit, "_JITTER_PADDED", set())  # (said once a process: not by an earlier test)
    video = np.full((8, 40, 60, 3), 200, dtype=np.uint8)
    train = dict(SMALL, do_train_augment=True, do_flip=False)
    processor = ViViTVideoProcessor(**{**train, "size": {"shortest_edge": 28}})
    wide = np.full((8, 40, 80, 3), 200, dtype=np.uint8)  # (28x56: the same padded share, once for both widths)
    with caplog.at_level("WARNING", logger="vivit_hf.processing.processing_vivit"):
        raw = processor.raw_views([video, wide] * 6, seed=0)["pixel_values"]
    assert raw.eq(0).any() and raw.eq(200).any()  # (some views padded with zeros, as said)
    (record,) = [r for r in caplog.records if "scale_jitter" in r.getMessage()]  # 12 videos, one warning
    assert record.getMessage().startswith(
        "ViViTVideoProcessor's scale_jitter [0.9, 1.33] shrinks training frames of 28x42 (resized with "
        "size={'shortest_edge': 28}) to as little as 25x37, below crop_size 28x28: about 23% of training views are "
        "zero-padded"
    )
    caplog.clear()
    with caplog.at_level("WARNING", logger="vivit_hf.processing.processing_vivit"):
        raw = ViViTVideoProcessor(**train).raw_views([video] * 12, seed=0)["pixel_values"]
    assert raw.eq(200).all() and not [r for r in caplog.records if "scale_jitter" in r.getMessage()]
    from transformers.image_utils import SizeDict

    caplog.clear()  # the smallest factor advised is rounded up: 0.933 for 28 of 30 rows still cut them to 27
    with caplog.at_level("WARNING", logger="vivit_hf.processing.processing_vivit"):
        processing_vivit._warn_when_jitter_pads(30, 45, [0.9, 1.33], SizeDict(height=28, width=28), None)
    assert caplog.records[0].getMessage().endswith("or a smallest factor of at least 0.934 unless that is meant.")


def test_matches_transformers_vivit_processor_with_compat_preset():
    from transformers import VivitVideoProcessor

    video = np.random.default_rng(1).integers(0, 256, (6, 90, 120, 3), dtype=np.uint8)
    ours = ViViTVideoProcessor(normalization="transformers_vivit", do_sample_frames=False)
    theirs = VivitVideoProcessor()
    a = ours(video, return_tensors="pt").pixel_values
    b = theirs(video, return_tensors="pt").pixel_values
    assert a.shape == b.shape == (1, 6, 3, 224, 224)
    torch.testing.assert_close(a, b, atol=1e-5, rtol=0)
    assert a.min() < -2.5  # the [-3, 1] range of transformers' double normalisation


def test_training_augmentation_is_seedable_and_off_by_default(proc, videos):
    a = proc(
        videos["h264"], do_train_augment=True, do_color_jitter=True, rand_augment=[2, 10], seed=3, return_tensors="pt"
    )
    b = proc(
        videos["h264"], do_train_augment=True, do_color_jitter=True, rand_augment=[2, 10], seed=3, return_tensors="pt"
    )
    c = proc(videos["h264"], do_train_augment=True, seed=4, return_tensors="pt")
    assert torch.equal(a.pixel_values, b.pixel_values)
    assert not torch.equal(a.pixel_values, c.pixel_values)
    assert torch.equal(
        proc(videos["h264"], return_tensors="pt").pixel_values, proc(videos["h264"], return_tensors="pt").pixel_values
    )


def test_training_augmentation_is_identical_across_frames_of_a_clip(proc):
    frame = np.random.default_rng(0).integers(0, 255, (1, 40, 60, 3), dtype=np.uint8)
    still = np.repeat(frame, 12, axis=0)
    for seed in range(5):
        pixels = proc(
            still,
            do_train_augment=True,
            do_color_jitter=True,
            color_jitter_prob=1.0,
            rand_augment=[2, 15],
            seed=seed,
            return_tensors="pt",
        ).pixel_values[0]
        for t in range(1, pixels.shape[0]):
            assert torch.equal(pixels[t], pixels[0])


def test_flip_can_be_turned_off_for_ssv2(proc):
    video = np.random.default_rng(0).integers(0, 255, (8, 28, 28, 3), dtype=np.uint8)
    options = dict(do_train_augment=True, scale_jitter=False, do_resize=False, frame_stride=1, return_tensors="pt")
    unflipped = proc(video, do_sample_frames=False, **{**options, "do_flip": False}, seed=0).pixel_values
    flips = [proc(video, do_sample_frames=False, **options, seed=s).pixel_values for s in range(8)]
    assert any(torch.equal(f, unflipped.flip(-1)) for f in flips) and any(torch.equal(f, unflipped) for f in flips)


def test_pipeline_style_call(proc, videos):
    out = proc(videos["h264"], num_frames=6, do_sample_frames=True, return_tensors="pt")
    assert out.pixel_values.shape == (1, 6, 3, 28, 28)


def test_single_frame_video_refused_unless_padding(proc):
    one = np.zeros((1, 32, 32, 3), np.uint8)
    with pytest.raises(ValueError, match="single frame"):
        proc(one)
    assert proc(one, short_video="pad", return_tensors="pt").pixel_values.shape == (1, 4, 3, 28, 28)


def test_short_video_refused_when_asked(proc):
    with pytest.raises(ValueError, match="has 5 frames but the clip needs 7"):
        proc(np.zeros((5, 32, 32, 3), np.uint8), short_video="error")


def test_five_d_array_in_wrong_layout_is_refused(proc):
    with pytest.raises(ValueError, match=r"layout"):
        proc(np.zeros((2, 5, 32, 32, 7), np.uint8))


def test_missing_file_raises_naming_it(proc, tmp_path):
    with pytest.raises(VideoDecodeError, match="gone.mp4"):
        proc(str(tmp_path / "gone.mp4"))


def test_skip_broken_drops_and_counts(videos, tmp_path):
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00" * 100)
    proc = ViViTVideoProcessor(**SMALL, skip_broken=True)
    out = proc([videos["h264"], str(broken), videos["vp9"]], return_tensors="pt")
    assert out.pixel_values.shape[0] == 2
    assert out["kept_indices"].tolist() == [0, 2]
    assert proc.num_skipped == 1


def test_unknown_option_is_an_error(proc, videos):
    with pytest.raises(ValueError, match="unknown options.*num_frame"):
        proc(videos["h264"], num_frame=8)


def test_save_load_round_trip_through_auto_video_processor(tmp_path):
    from transformers import AutoVideoProcessor

    from vivit_hf.models.configuration_vivit import ViViTSpatioTemporalConfig

    AutoVideoProcessor.register(ViViTSpatioTemporalConfig, ViViTVideoProcessor, exist_ok=True)
    original = ViViTVideoProcessor(**SMALL, normalization="imagenet", num_clips=2, rand_augment=[2, 9])
    ViViTSpatioTemporalConfig().save_pretrained(tmp_path)
    original.save_pretrained(tmp_path)
    assert (tmp_path / "video_preprocessor_config.json").is_file()
    loaded = AutoVideoProcessor.from_pretrained(tmp_path)
    assert type(loaded) is ViViTVideoProcessor
    assert loaded.to_dict() == original.to_dict()
    assert loaded.image_mean == original.image_mean and loaded.do_normalize and not loaded.rescale_offset


def test_works_in_datasets_with_transform(videos):
    from datasets import Dataset, Video

    dataset = Dataset.from_dict({"video": [videos["h264"], videos["vp9"]], "label": [0, 1]})
    dataset = dataset.cast_column("video", Video(decode=False))
    proc = ViViTVideoProcessor(**SMALL)

    def transform(batch):
        return {"pixel_values": proc(batch["video"], return_tensors="pt").pixel_values, "label": batch["label"]}

    rows = dataset.with_transform(transform)[:2]
    assert rows["pixel_values"].shape == (2, 4, 3, 28, 28)


def test_a_datasets_column_is_a_list_of_videos(videos):
    """`ds["video"]` is a `datasets.Column` (a Sequence, not a list): it was read as one video and refused as an
    unsupported input, or with skip_broken the whole column was skipped as one broken video."""
    from datasets import Dataset, Video

    dataset = Dataset.from_dict({"video": [videos["h264"], videos["vp9"]]}).cast_column("video", Video(decode=False))
    column = dataset["video"]
    assert not isinstance(column, (list, tuple))
    proc = ViViTVideoProcessor(**SMALL, **RAW)
    for skip_broken in (False, True):
        out = proc(column, skip_broken=skip_broken, return_tensors="pt")
        assert out.pixel_values.shape == (2, 4, 3, 48, 64)
        for view, path in zip(out.pixel_values, (videos["h264"], videos["vp9"])):  # the frames a full decode gives
            with av.open(path) as container:
                frames = [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]
            assert decoded_indices(view[None]) == [[frame_indices(frames)[i] for i in (11, 13, 15, 17)]]


@pytest.mark.torchcodec
def test_decoded_datasets_video_values_go_through_torchcodec(videos):
    """A decoded `datasets.Video` column holds torchcodec decoders: read through torchcodec, the same frames as the
    file read with PyAV (colour conversion may differ by a grey level or two between the two FFmpeg front ends)."""
    from datasets import Dataset, Video

    dataset = Dataset.from_dict({"video": [videos["h264"], videos["vp9"]]}).cast_column("video", Video())
    decoders = [row["video"] for row in dataset]
    assert type(decoders[0]).__module__.startswith("torchcodec")
    proc = ViViTVideoProcessor(**SMALL, resize_in_decoder=False)
    from_decoders = proc(decoders, return_tensors="pt").pixel_values
    files = [videos["h264"], videos["vp9"]]
    from_files = proc(files, return_tensors="pt").pixel_values
    assert from_decoders.shape == from_files.shape
    assert (from_decoders - from_files).abs().mean() < 0.02  # [-1, 1] scale: under 3 grey levels on average
    # resized while decoding (the default, 48x64 to 32): by the PyAV reader of the decoder's file, as the path is.
    # torchcodec's frames resized in torch were up to 36 grey levels from the path's (libswscale's filter)
    for backend in ("auto", "pyav"):
        proc = ViViTVideoProcessor(**{**SMALL, "decode_backend": backend}, **RAW | {"do_resize": True})
        assert torch.equal(
            proc(decoders, return_tensors="pt").pixel_values, proc(files, return_tensors="pt").pixel_values
        )
    # a reader the user opens on a value (`open_video`), given to the processor or read at a size: as the file's path
    # (they were resized in torch, up to 36 grey levels off); torchcodec asked for resizes in torch, as for a path
    from vivit_hf.processing.video_io import open_video, read_frames

    readers = [open_video(decoder) for decoder in decoders]
    assert torch.equal(proc(readers, return_tensors="pt").pixel_values, proc(files, return_tensors="pt").pixel_values)
    for decoder, path in zip(decoders, files):
        assert np.array_equal(read_frames(decoder, [0, 5, 9], size=32), read_frames(path, [0, 5, 9], size=32))
        with_torchcodec = read_frames(decoder, [0, 5, 9], size=32, backend="torchcodec")
        assert np.array_equal(with_torchcodec, read_frames(path, [0, 5, 9], size=32, backend="torchcodec"))


def test_a_file_the_resize_would_enlarge_is_resized_in_torch(tmp_path):
    # the trial's 320x240 clips (UCF101, HMDB51) to 256: libswscale's one-pass chroma upsampling and scaling gave
    # 6.6 grey levels mean and 151 at most off the exact path, for no gain (the frames are small to convert)
    path = write_blocks(tmp_path / "small.mp4", num_frames=8, height=48, width=64)
    options = dict(num_frames=4, size={"shortest_edge": 96}, crop_size={"height": 96, "width": 96}, return_tensors="pt")
    default = ViViTVideoProcessor(**options).__call__
    exact = ViViTVideoProcessor(resize_in_decoder=False, **options).__call__
    assert torch.equal(default(path).pixel_values, exact(path).pixel_values)
    shrink = dict(size={"shortest_edge": 24}, crop_size={"height": 24, "width": 24})  # a downscale still is not
    assert not torch.equal(default(path, **shrink).pixel_values, exact(path, **shrink).pixel_values)


@pytest.mark.parametrize("resize_in_decoder", [True, False])
def test_decoded_frames_given_back_give_the_same_pixels_as_the_file(videos, resize_in_decoder):
    # A data set may decode each clip once (decode_video_frames) and feed the frames afterwards: every sampling
    # and augmentation must come out the same as from the file, resized while decoding or not.
    proc = ViViTVideoProcessor(**SMALL, resize_in_decoder=resize_in_decoder)
    frames = proc.decode_video_frames(videos["h264"])
    assert frames.dtype == torch.uint8 and frames.shape[0] == 30 and frames.shape[-1] == 3
    assert frames.shape[1:3] == ((32, 42) if resize_in_decoder else (48, 64))
    for options in (
        dict(),
        dict(num_clips=2, num_crops=3),
        dict(do_train_augment=True, seed=3, do_color_jitter=True, rand_augment=[2, 9]),
    ):
        from_file = proc(videos["h264"], return_tensors="pt", **options).pixel_values
        from_frames = proc(frames, input_data_format="channels_last", return_tensors="pt", **options).pixel_values
        assert torch.equal(from_file, from_frames), options
    first = proc.decode_video_frames(videos["h264"], indices=[0])
    assert torch.equal(first, frames[:1])
    # a reader the caller opened stays open for its next reads (it was closed: "'NoneType' object has no attribute
    # 'seek'", and PyAV crashed the process reading its rates, a data set's segment's)
    from vivit_hf.processing.video_io import open_video

    with open_video(videos["h264"]) as reader:
        assert torch.equal(proc.decode_video_frames(reader, indices=[0]), first)
        assert torch.equal(proc.decode_video_frames(reader, indices=[29]), frames[29:])
        assert reader.fps == 25.0


# -- by input kind, fps, transformers' names (issue 14) ---------------------------------------------------------------
BY_KIND = dict(num_frames=4, frame_stride=2, decode_backend="pyav", **RAW)


def test_default_samples_files_and_keeps_frames_given_in_memory(videos):
    proc = ViViTVideoProcessor(**BY_KIND)
    assert proc.do_sample_frames is None
    from_file = proc(videos["h264"], return_tensors="pt").pixel_values  # 30 frames: a centred clip of 4 at stride 2
    assert decoded_indices(from_file) == [[11, 13, 15, 17]]
    frames = proc.decode_video_frames(videos["h264"]).numpy()[[3, 1, 4, 1, 5, 9, 2, 6]]  # 8 picked frames, any order
    for given in (frames, torch.from_numpy(frames), [Image.fromarray(f) for f in frames], list(frames)):
        kept = proc(given, return_tensors="pt").pixel_values
        assert decoded_indices(kept) == [[3, 1, 4, 1, 5, 9, 2, 6]]  # the same 8 frames, in order
    sampled = proc(frames, do_sample_frames=True, return_tensors="pt").pixel_values
    assert decoded_indices(sampled) == [[3, 4, 5, 2]]  # positions 0, 2, 4, 6 of the given frames
    every = proc(videos["h264"], do_sample_frames=False, return_tensors="pt").pixel_values
    assert decoded_indices(every) == [list(range(30))]


def test_several_clips_of_frames_in_memory_ask_for_sampling_by_name(videos):
    """`num_clips=2` of frames kept as given was refused as a bug of the processor's own method (\"sample_indices
    returned indices of shape (1, 30) where (2, frames) are asked\")."""
    proc = ViViTVideoProcessor(**BY_KIND)
    frames = proc.decode_video_frames(videos["h264"]).numpy()
    with pytest.raises(ValueError, match=r"num_clips=2 samples clips from <ndarray.*pass do_sample_frames=True"):
        proc(frames, num_clips=2)
    sampled = proc(frames, num_clips=2, do_sample_frames=True, return_tensors="pt").pixel_values
    with av.open(videos["h264"]) as container:  # the clips DMVR spreads over 30 frames: starts 0 and 30 - 8 = 22
        truth = frame_indices([frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)])
    assert decoded_indices(sampled) == [[truth[i] for i in range(s, s + 8, 2)] for s in (0, 22)]


def test_a_calls_num_frames_for_frames_kept_as_given_is_said_once(caplog, monkeypatch):
    """`proc(frames, num_frames=4)` keeps the 12 frames given, as transformers' video processors keep them (their
    `do_sample_frames` is off), where `num_clips=2` is refused; it was taken without a word, so a caller asking for 4
    frames got 12. Said once, naming `do_sample_frames=True`; not where the caller turned sampling off itself."""
    from transformers import VivitVideoProcessor

    from vivit_hf.processing import video_inputs

    # (said once per process: an earlier test's call with num_frames=4, in the same pytest process, silenced this one)
    monkeypatch.setattr(video_inputs, "_NUM_FRAMES_SAID", set())
    frames = np.random.default_rng(0).integers(0, 256, (12, 16, 16, 3), dtype=np.uint8)
    proc = ViViTVideoProcessor(num_frames=8, size={"shortest_edge": 16}, crop_size=16)
    theirs = VivitVideoProcessor(size={"shortest_edge": 16}, crop_size=16)(frames, num_frames=4, return_tensors="pt")
    # (said once a process: whatever another test of this session said first)
    monkeypatch.setattr("vivit_hf.processing.video_inputs._NUM_FRAMES_SAID", set())
    with caplog.at_level("WARNING", logger="vivit_hf.processing.processing_vivit"):
        for _ in range(2):
            kept = proc(frames, num_frames=4, return_tensors="pt")["pixel_values"]
            assert kept.shape[1] == theirs["pixel_values"].shape[1] == 12
        proc(frames, num_frames=5, do_sample_frames=False)  # (a count not said yet: sampling turned off, asked for)
        proc(frames)  # the processor's own num_frames (8) is no call's
    (record,) = [r for r in caplog.records if "num_frames=4" in r.getMessage()]
    assert "kept as given (12 frames)" in record.getMessage() and "do_sample_frames=True" in record.getMessage()
    assert len([r for r in caplog.records if "kept as given" in r.getMessage()]) == 1
    assert proc(frames, num_frames=4, do_sample_frames=True)["pixel_values"].shape[1] == 4  # as it says


def test_short_video_default_loops_files_but_refuses_to_invent_frames_in_memory(videos):
    proc = ViViTVideoProcessor(**{**BY_KIND, "num_frames": 20})  # the clip spans 39 frames; the video has 30
    assert proc(videos["h264"], return_tensors="pt").pixel_values.shape[1] == 20
    frames = proc.decode_video_frames(videos["h264"]).numpy()
    with pytest.raises(ValueError, match="has 30 frames but the clip needs 39; pass short_video='loop' or 'pad'"):
        proc(frames, do_sample_frames=True)
    looped = proc(frames, do_sample_frames=True, short_video="loop", return_tensors="pt").pixel_values
    assert decoded_indices(looped)[0][-1] == 38 % 30


def test_fps_sampling_from_a_files_own_frame_rate_and_from_metadata(videos):
    proc = ViViTVideoProcessor(**BY_KIND)
    out = proc(videos["h264"], fps=5, return_tensors="pt", return_metadata=True)  # 30 frames at 25 fps: 1.2 s
    assert out["video_metadata"][0]["fps"] == pytest.approx(25.0)
    assert decoded_indices(out.pixel_values) == [[0, 5, 10, 15, 20, 25]]  # transformers' k * T // n, n = 6
    frames = proc.decode_video_frames(videos["h264"]).numpy()[:8]
    meta = {"fps": 4, "total_num_frames": 8, "duration": 2.0}
    assert decoded_indices(proc(frames, fps=3, video_metadata=meta, return_tensors="pt").pixel_values) == [
        [0, 1, 2, 4, 5, 6]
    ]
    with pytest.raises(ValueError, match="mutually exclusive"):
        proc(videos["h264"], fps=5, num_frames=4)
    with pytest.raises(ValueError, match="at most its own rate"):
        proc(videos["h264"], fps=50)
    with pytest.raises(ValueError, match="no frame rate: pass `video_metadata`"):
        proc(frames, fps=3)
    with pytest.raises(ValueError, match="2 videos but 1 `video_metadata`"):
        proc([frames, frames], fps=3, video_metadata=[meta])
    per_processor = ViViTVideoProcessor(**BY_KIND, fps=5)  # a call's num_frames still wins over the processor's fps
    assert per_processor(videos["h264"], return_tensors="pt").pixel_values.shape[1] == 6
    assert per_processor(videos["h264"], num_frames=2, return_tensors="pt").pixel_values.shape[1] == 2


def test_video_metadata_dicts_are_read_by_key(videos):
    """Entries were built with `VideoMetadata(**entry)`: the dicts `return_metadata=True` returns (their `name`),
    `{"fps": ...}` with a file (which counts its own frames) and a misspelt key all failed with a bare TypeError."""
    from transformers import VivitVideoProcessor

    proc = ViViTVideoProcessor(**BY_KIND)
    frames = proc.decode_video_frames(videos["h264"]).numpy()[:8]
    full = {"fps": 4, "total_num_frames": 8}
    reference = VivitVideoProcessor()(frames, do_sample_frames=True, fps=3, video_metadata=full, return_metadata=True)
    expected = [list(reference["video_metadata"][0].frames_indices)]
    returned = proc(frames, fps=3, video_metadata=full, return_metadata=True)["video_metadata"][0]
    assert decoded_indices(proc(frames, fps=3, video_metadata=returned, return_tensors="pt").pixel_values) == expected
    assert list(proc.sample_frames(returned, fps=3)) == expected[0]
    # a file's own 30 frames at 25 fps read at the rate given: 30 / 10 * 5 = 15 frames, k * 30 // 15
    from_file = proc(videos["h264"], fps=5, video_metadata={"fps": 10}, return_tensors="pt").pixel_values
    assert decoded_indices(from_file) == [list(range(0, 30, 2))]
    with pytest.raises(ValueError, match=r"video_metadata has unknown keys \['total_frames' \(did you mean 'total_num"):
        proc(frames, fps=3, video_metadata={"fps": 4, "total_frames": 8})
    with pytest.raises(ValueError, match="video_metadata must be a dict or a transformers VideoMetadata"):
        proc(frames, fps=3, video_metadata=4)


def test_mean_and_std_as_one_number_or_one_per_channel():
    frames = np.random.default_rng(0).integers(0, 256, (4, 20, 20, 3), dtype=np.uint8)
    proc = ViViTVideoProcessor(
        normalization="imagenet", size={"shortest_edge": 20}, crop_size={"height": 20, "width": 20}
    )
    scalar = proc(frames, image_mean=0.5, image_std=0.25, return_tensors="pt").pixel_values
    per_channel = proc(frames, image_mean=[0.5] * 3, image_std=(0.25,) * 3, return_tensors="pt").pixel_values
    assert torch.equal(scalar, per_channel)
    with pytest.raises(ValueError, match="one per channel"):
        proc(frames, image_mean=[0.5, 0.5])


def test_options_class_under_transformers_name():
    from vivit_hf.processing import processing_vivit

    assert ViViTVideoProcessor.valid_kwargs is processing_vivit.ViViTVideoProcessorKwargs
    assert processing_vivit.ViViTVideosKwargs is processing_vivit.ViViTVideoProcessorKwargs  # the earlier name


def test_instances_share_no_mutable_defaults():
    """What transformers' `test_override_instance_attributes_does_not_affect_other_instances` checks (it skips
    processors whose `size` is a SizeDict)."""
    first, second = ViViTVideoProcessor(), ViViTVideoProcessor()
    for name in ("size", "crop_size", "image_mean", "image_std", "scale_jitter"):
        assert getattr(first, name) is not getattr(second, name) or isinstance(getattr(first, name), tuple), name
    first.scale_jitter[0] = 0.1
    assert second.scale_jitter[0] == 0.9


def test_metadata_names_a_file_by_its_path_as_given(proc, videos):
    path = str(videos["h264"])
    frames = np.zeros((30, 8, 8, 3), np.uint8)
    out = proc([path, {"path": path}, frames], return_tensors="pt", return_metadata=True)
    names = [meta["name"] for meta in out["video_metadata"]]
    assert names[:2] == [path, path]  # not "'/tmp/...'", the quoted form error messages use
    assert names[2].startswith("<ndarray")


@pytest.mark.parametrize(
    "options",
    [{}, {"num_frames": 3}, {"num_frames": 4, "num_clips": 2}, {"fps": 5}, {"sampling_mode": "uniform"}],
    ids=["defaults", "num_frames", "two_clips", "fps", "uniform"],
)
def test_sample_frames_names_the_frames_a_call_samples(options):
    """transformers' `sample_frames(metadata, ...)` hook (also `load_video`'s `sample_indices_fn`) answers with the
    frames a call uses: the inherited one spread `num_frames` over the video ([0, 2, 5, ...]) while the call took the
    paper's stride clip ([8, 10, ..., 70] of 80)."""
    from transformers.video_utils import VideoMetadata

    proc = ViViTVideoProcessor(size=8, crop_size=8)
    frames = np.zeros((80, 8, 8, 3), np.uint8)
    used = proc(
        frames,
        do_sample_frames=True,
        video_metadata={"total_num_frames": 80, "fps": 25},
        return_metadata=True,
        **options,
    )["video_metadata"][0].clip_frames_indices
    named = proc.sample_frames(VideoMetadata(total_num_frames=80, fps=25), **options)
    assert np.atleast_2d(named).tolist() == used
    assert named.ndim == (2 if options.get("num_clips", 1) > 1 else 1)  # one clip: 1-D, as transformers'
    with pytest.raises(ValueError, match="no frame rate"):  # fps needs the video's rate, as transformers says
        proc.sample_frames(VideoMetadata(total_num_frames=8), fps=3)


def test_a_subclass_picks_frames_with_transformers_sample_frames_hook():
    """A subclass overriding `sample_frames` (transformers' way to pick frames) is honoured, as one overriding
    `sample_indices`: it used to change no frame. Calling `super().sample_frames` gets the processor's rule."""

    class EveryThird(ViViTVideoProcessor):
        def sample_frames(self, metadata, num_frames=None, fps=None, **kwargs):
            return np.arange(num_frames) * 3 % metadata.total_num_frames

    class Reversed(ViViTVideoProcessor):
        def sample_frames(self, metadata, num_frames=None, fps=None, **kwargs):
            return super().sample_frames(metadata, num_frames=num_frames, fps=fps)[::-1].copy()

    frames = np.zeros((40, 8, 8, 3), np.uint8)

    def used(proc):
        out = proc(frames, num_frames=5, do_sample_frames=True, return_metadata=True, size=8, crop_size=8)
        return out["video_metadata"][0]["frames_indices"]

    assert used(EveryThird()) == [0, 3, 6, 9, 12]
    assert used(Reversed()) == used(ViViTVideoProcessor())[::-1]


# -- return_metadata: transformers' VideoMetadata ---------------------------------------------------------------------
TRANSFORMERS_FIELDS = ("total_num_frames", "fps", "width", "height", "duration", "video_backend", "frames_indices")


def test_return_metadata_of_frames_in_memory_is_what_transformers_reports():
    """Plain dicts came back, so `meta.fps` and transformers' `meta.timestamps` failed, and `frames_indices` held one
    list per clip where transformers' holds the frames. For frames in memory transformers knows no clock: fps and
    duration None, the frames' count and size, no backend."""
    from transformers import VivitVideoProcessor
    from transformers.video_utils import VideoMetadata

    frames = np.random.default_rng(0).integers(0, 256, (8, 40, 48, 3), dtype=np.uint8)
    tiny = dict(size={"shortest_edge": 20}, crop_size={"height": 18, "width": 18})
    (theirs,) = VivitVideoProcessor(**tiny)(frames, return_metadata=True)["video_metadata"]
    (ours,) = ViViTVideoProcessor(**tiny)(frames, return_metadata=True, return_tensors="pt")["video_metadata"]
    assert isinstance(ours, VideoMetadata)
    assert {f: ours[f] for f in TRANSFORMERS_FIELDS} == {f: getattr(theirs, f) for f in TRANSFORMERS_FIELDS}
    assert ours.fps is None and ours.duration is None  # not 0.0: nobody said when the frames play
    # sampled at a rate the caller gives: transformers' frames, and its timestamps
    given = {"fps": 4, "total_num_frames": 8, "duration": 2.0}
    (theirs,) = VivitVideoProcessor(**tiny)(
        frames, do_sample_frames=True, fps=3, video_metadata=given, return_metadata=True
    )["video_metadata"]
    (ours,) = ViViTVideoProcessor(**tiny)(frames, fps=3, video_metadata=given, return_metadata=True)["video_metadata"]
    assert ours.frames_indices == list(theirs.frames_indices) and ours.timestamps == theirs.timestamps
    assert (ours.fps, ours.duration, ours.total_num_frames) == (theirs.fps, theirs.duration, theirs.total_num_frames)


def test_return_metadata_of_a_file_is_what_transformers_load_video_reports(videos):
    """A file's metadata as transformers' `load_video` (PyAV) gives it for the frames this processor samples."""
    from transformers.video_utils import VideoMetadata, load_video

    proc = ViViTVideoProcessor(**SMALL)
    (ours,) = proc(videos["h264"], return_metadata=True, return_tensors="pt")["video_metadata"]
    _, theirs = load_video(videos["h264"], backend="pyav", sample_indices_fn=proc.sample_frames)
    assert isinstance(ours, VideoMetadata)
    for field in ("total_num_frames", "fps", "width", "height", "video_backend"):
        assert ours[field] == getattr(theirs, field), field
    assert ours.frames_indices == list(theirs.frames_indices) == [11, 13, 15, 17]
    assert ours.duration == pytest.approx(theirs.duration)
    assert ours.timestamps == pytest.approx([i / 25 for i in ours.frames_indices])
    # this processor's own fields, by key and attribute, and several clips: theirs one after the other
    two = proc(videos["h264"], num_clips=2, return_metadata=True)["video_metadata"][0]
    assert two["name"] == two.name == str(videos["h264"])
    assert two.clip_frames_indices == proc.sample_frames(theirs, num_clips=2).tolist()
    assert two.frames_indices == [i for clip in two.clip_frames_indices for i in clip]
    # and what it returns reads back as metadata, as an object or as a dict
    for entry in (two, dict(two)):
        assert proc(videos["h264"], video_metadata=entry, return_metadata=True)["video_metadata"][0] == ours
