# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Videos of an odd shape (a banner a few pixels high, a header that states 4000x16): transformers' shortest-side
rule enlarges their frames many times over before the crop. The views are transformers' own (`BaseVideoProcessor`)
while the memory stays bounded; a frame too large to resize at all is refused before decoding, naming its size."""

import av
import numpy as np
import pytest
import torch
import torchvision.transforms.v2.functional as tvF
from test_processor_resize_rules import transformers_pixels

from vivit_hf.processing import processing_vivit, video_transforms
from vivit_hf.processing.errors import BrokenVideoError
from vivit_hf.processing.processing_vivit import ViViTVideoProcessor

LIMIT = 64 << 20  # a lower `RESIZED_BYTES`, so that small test videos pass it


@pytest.fixture
def low_limit(monkeypatch):
    # (raising=False: code without the limit runs as it did, and the tests below show what it did)
    monkeypatch.setattr(video_transforms, "RESIZED_BYTES", LIMIT, raising=False)
    monkeypatch.setattr(processing_vivit, "RESIZED_BYTES", LIMIT, raising=False)


@pytest.fixture
def largest_resize(monkeypatch):
    """The bytes of the largest tensor any resize made, as a one-item list."""
    largest = [0]
    resize = tvF.resize

    def spy(*args, **kwargs):
        out = resize(*args, **kwargs)
        largest[0] = max(largest[0], out.numel() * out.element_size())
        return out

    monkeypatch.setattr(tvF, "resize", spy)
    return largest


def banner(frames: int, height: int, width: int) -> np.ndarray:
    """`(T, H, W, 3)` uint8 noise, unlike from frame to frame and column to column."""
    return np.random.default_rng(0).integers(0, 256, (frames, height, width, 3), dtype=np.uint8)


def transformers_views(video: np.ndarray) -> torch.Tensor:
    """transformers' BaseVideoProcessor: shorter side to 256, centre crop 224, scaled as scenic (x / 127.5 - 1)."""
    size, crop = {"shortest_edge": 256}, {"height": 224, "width": 224}
    return transformers_pixels(video, size=size, do_center_crop=True, crop_size=crop)


def test_a_banner_is_resized_a_few_frames_at_a_time_into_transformers_views(low_limit, largest_resize):
    # 1000x8 frames resize to 256x32000 (24 MB each): the 8-frame clip took 196 MB at once before its 224 crop
    video = banner(8, 8, 1000)
    expected = transformers_views(video)  # (which resizes the whole clip: the spy starts after it)
    largest_resize[0] = 0
    processor = ViViTVideoProcessor(do_sample_frames=False, normalization="scenic")
    got = processor(video, input_data_format="channels_last", return_tensors="pt")["pixel_values"][0]
    torch.testing.assert_close(got, expected, rtol=0, atol=1e-5)
    assert 0 < largest_resize[0] <= LIMIT


def test_three_crops_of_a_banner_are_cut_a_few_frames_at_a_time(low_limit, largest_resize):
    video = banner(6, 8, 1000)
    processor = ViViTVideoProcessor(do_sample_frames=False, num_crops=3)
    clip = torch.from_numpy(video).permute(0, 3, 1, 2)
    whole = tvF.resize(clip, [256, 32000], antialias=True)  # the whole clip resized (no limit: the reference)
    largest_resize[0] = 0
    got = processor.raw_views(video, input_data_format="channels_last")["pixel_values"]
    start, middle, end = whole[..., 16:240, :224], whole[..., 16:240, 15888:16112], whole[..., 16:240, -224:]
    torch.testing.assert_close(got, torch.stack([start, middle, end]), rtol=0, atol=0)
    assert 0 < largest_resize[0] <= LIMIT


def write_banner(path, height: int, width: int, frames: int = 4) -> str:
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv444p"
        for frame in banner(frames, height, width):
            container.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")))
        container.mux(stream.encode())
    return str(path)


def test_a_video_whose_resized_frames_pass_the_limit_is_refused_naming_its_size(tmp_path, low_limit):
    # 400x1 frames resize to 256x102400, 75 MiB each: past the lowered 64 MiB limit (786 MB a frame for 4000x1)
    path = write_banner(tmp_path / "banner.mkv", height=1, width=400)
    processor = ViViTVideoProcessor(num_frames=2)
    with pytest.raises(BrokenVideoError, match=r"banner\.mkv.* 400x1 .*102400x256.*75 MiB"):
        processor(path)
    # a broken sample of a data set: skipped where asked, as a damaged file is
    assert processor(path, skip_broken=True)["pixel_values"].shape[0] == 0
    # the way out the message gives: the longer side capped
    capped = processor(path, size={"shortest_edge": 256, "longest_edge": 2048}, do_center_crop=False)
    assert capped["pixel_values"].shape[-2:] == (5, 2048)


def test_a_banner_whose_training_clip_passes_the_limit_is_refused(low_limit):
    # the training augmentation (scale jitter, random crop) resizes the whole clip: 4 frames of 256x32000, 94 MiB
    video = banner(4, 8, 1000)
    processor = ViViTVideoProcessor(do_sample_frames=False, do_train_augment=True, seed=0)
    with pytest.raises(BrokenVideoError, match=r"1000x8 .*32000x256.*94 MiB for the 4 frames"):
        processor(video, input_data_format="channels_last")
    assert processor(video[:2], input_data_format="channels_last")["pixel_values"].shape == (1, 2, 3, 224, 224)


def test_a_recipe_skipping_a_banner_says_what_its_user_can_do(tmp_path, low_limit):
    """finetune.py and evaluate.py log a banner as a broken clip, with the processor's advice: a `size` dict with a
    `longest_edge`, which no recipe flag gives (`--resize_shortest_edge` sets no longest edge). Said in the recipes'
    words, the advice is what their user can do; the rest of the message is the processor's."""
    from vivit_hf.training.flags import in_flag_words

    path = write_banner(tmp_path / "banner.mkv", height=1, width=400)
    with pytest.raises(BrokenVideoError) as refusal:
        ViViTVideoProcessor(num_frames=2)(path)
    said = in_flag_words(f"skipping broken clip banner.mkv: {refusal.value}")
    assert "longest_edge" not in said and "size={'height'" not in said, said
    assert "no flag of the recipes caps the longer side: re-encode the video" in said, said
    assert said.startswith(f"skipping broken clip banner.mkv: {str(refusal.value).split('; ')[0]}; "), said


def test_a_view_size_error_raised_again_from_a_worker_stays_a_view_size_error_with_its_sizes():
    """torch's DataLoader raises a worker's error again as `type(error)(message)`, and pickles it across processes:
    ViewSizeError required its sizes, so a pipeline with num_workers gave a RuntimeError an `except ValueError`
    misses."""
    import pickle

    from torch.utils.data._utils import ExceptionWrapper

    from vivit_hf.processing.errors import ViewSizeError

    error = ViewSizeError("views of 24x32 for a model of 32x32", (24, 32), (32, 32))
    again = pickle.loads(pickle.dumps(error))
    assert isinstance(again, ViewSizeError) and (again.made, again.takes) == ((24, 32), (32, 32))
    try:
        raise error
    except ViewSizeError:
        wrapped = ExceptionWrapper(where="in DataLoader worker process 0")
    with pytest.raises(ViewSizeError, match="24x32"):
        wrapped.reraise()
