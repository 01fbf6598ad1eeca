# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Decoded clips kept in memory (DecodedVideoCache): the same samples, the epoch through persistent workers,
broken clips still skipped and counted."""

import pytest
import torch

from vivit_hf.training.data.cache import DecodedVideoCache, estimate_decoded_bytes
from vivit_hf.training.data.dataset import EpochShuffleSampler, VideoClassificationDataset, collate_videos
from vivit_hf.training.data.formats import load_video_dataset
from vivit_hf.training.data.synthetic import SyntheticMotionConfig, synthetic_motion_dataset

SMALL = SyntheticMotionConfig(num_train_per_class=2, num_test_per_class=1, num_frames=8, image_size=16)
TRAIN = dict(do_train_augment=True, scale_jitter=[0.9, 1.4])


@pytest.fixture(scope="module")
def examples(tmp_path_factory):
    root = synthetic_motion_dataset(SMALL, cache_dir=tmp_path_factory.mktemp("cache"))
    return load_video_dataset(root, "videofolder").split("train")


@pytest.fixture(scope="module")
def processor():
    from vivit_hf.processing.processing_vivit import ViViTVideoProcessor

    # 16-pixel clips resized to 12 while decoding: the cache must keep the decoder's resize, not redo it in torch.
    return ViViTVideoProcessor(
        num_frames=4,
        frame_stride=1,
        size={"shortest_edge": 12},
        crop_size={"height": 10, "width": 10},
        do_flip=True,
        decode_backend="pyav",
    )


def datasets(examples, processor, **kwargs):
    plain = VideoClassificationDataset(examples, processor, seed=5, processor_kwargs=TRAIN, **kwargs)
    cached = VideoClassificationDataset(examples, processor, seed=5, processor_kwargs=TRAIN, **kwargs)
    cached.cache_decoded_videos()
    return plain, cached


def epoch_batches(loader, epochs):
    out = []
    for epoch in epochs:
        loader.sampler.set_epoch(epoch)
        out.extend(loader)
    return out


def test_cached_frames_are_the_decoders_and_the_estimate_matches(examples, processor):
    cache = DecodedVideoCache.build([e["video"] for e in examples], processor)
    assert len(cache) == cache.num_cached == len(examples)
    assert cache[0].shape == (8, 12, 12, 3) and cache[0].dtype == torch.uint8
    assert torch.equal(cache[3], processor.decode_video_frames(examples[3]["video"]))
    assert estimate_decoded_bytes([e["video"] for e in examples], processor) == cache.nbytes


def test_videos_stored_as_their_frames_are_estimated_as_the_cache_holds_them(processor):
    """A `Sequence(Image())` row (its frames `{"path", "bytes"}`, as the hub reader gives them) was estimated as no
    clip that decodes (None: `--cache_decoded_videos auto` said "no clip tried decoded" and decoded every frame of
    every row at every epoch), where the cache holds it: now estimated as the cache's bytes."""
    import io

    import numpy as np
    from PIL import Image

    def png(value):
        buffer = io.BytesIO()
        Image.fromarray(np.full((16, 20, 3), value, np.uint8)).save(buffer, "PNG")
        return {"bytes": buffer.getvalue(), "path": None}

    videos = [[png(10 * i) for i in range(count)] for count in (3, 5)]
    cache = DecodedVideoCache.build(videos, processor)
    assert cache.num_cached == 2 and cache.nbytes > 0
    assert estimate_decoded_bytes(videos, processor) == cache.nbytes


def test_cache_on_and_off_give_identical_samples_for_the_same_seed_and_epoch(examples, processor):
    plain, cached = datasets(examples, processor)
    for key in [(0, 0), (0, 5), (1, 5), (3, 11)]:
        assert torch.equal(plain[key]["pixel_values"], cached[key]["pixel_values"]), key
    assert not torch.equal(cached[(0, 5)]["pixel_values"], cached[(1, 5)]["pixel_values"])  # augmentation per epoch
    plain_views, cached_views = datasets(examples, processor, num_clips=2, num_crops=3)
    plain_views.processor_kwargs = cached_views.processor_kwargs = {}  # test-time views
    assert torch.equal(plain_views[2]["pixel_values"], cached_views[2]["pixel_values"])


def test_cache_on_and_off_give_identical_batches_through_worker_processes(examples, processor):
    plain, cached = datasets(examples, processor)

    def loader(dataset, workers):
        return torch.utils.data.DataLoader(
            dataset,
            sampler=EpochShuffleSampler(len(dataset), seed=2, with_epoch=True),
            batch_size=4,
            collate_fn=collate_videos,
            num_workers=workers,
            persistent_workers=workers > 0,
        )

    reference = epoch_batches(loader(plain, 0), [0, 1])
    for batch, expected in zip(epoch_batches(loader(cached, 2), [0, 1]), reference, strict=True):
        for name in expected:
            assert torch.equal(batch[name], expected[name]), name


def test_the_epoch_reaches_persistent_workers_through_the_sampler(examples, processor):
    _, cached = datasets(examples, processor)
    sampler = EpochShuffleSampler(len(cached), seed=2, shuffle=False, with_epoch=True)
    loader = torch.utils.data.DataLoader(
        cached,
        sampler=sampler,
        batch_size=len(cached),
        collate_fn=collate_videos,
        num_workers=1,
        persistent_workers=True,
    )
    for epoch in (0, 1, 2):
        cached.set_epoch(epoch)  # what the recipe does in the main process: the worker's copy never sees it
        sampler.set_epoch(epoch)
        (batch,) = list(loader)
        expected = collate_videos([cached[(epoch, index)] for index in range(len(cached))])
        assert torch.equal(batch["pixel_values"], expected["pixel_values"]), epoch
    assert sampler.epoch == 2 and list(sampler)[:2] == [(2, 0), (2, 1)]


def test_a_broken_clip_with_the_cache_on_is_still_skipped_and_counted(examples, processor, tmp_path):
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not a video")
    items = [examples[0], {"video": str(broken), "label": 3}, examples[1]]
    dataset = VideoClassificationDataset(items, processor, seed=0, processor_kwargs=TRAIN)
    cache = dataset.cache_decoded_videos(num_workers=1)
    assert cache.num_cached == 2 and cache[1] is None  # left to its file, which fails there as without a cache
    batch = collate_videos([dataset[index] for index in range(3)])
    assert batch["valid"].tolist() == [True, False, True]
    assert not batch["pixel_values"][1].any() and batch["labels"].tolist() == [
        examples[0]["label"],
        3,
        examples[1]["label"],
    ]


def test_a_video_shorter_than_the_clip_loops_with_the_cache_as_without(examples):
    """8-frame clips, 6 frames at stride 2 wanted: the file loops by default, so must its cached frames."""
    from vivit_hf.processing.processing_vivit import ViViTVideoProcessor

    processor = ViViTVideoProcessor(
        num_frames=6, frame_stride=2, size={"shortest_edge": 12}, crop_size={"height": 10, "width": 10}
    )
    plain, cached = datasets(examples, processor)
    for key in [(0, 0), (2, 3)]:
        assert torch.equal(plain[key]["pixel_values"], cached[key]["pixel_values"]), key


def test_each_clip_that_does_not_decode_while_the_cache_is_built_is_named_once(examples, processor, tmp_path, caplog):
    """Two broken clips among good ones: the cache's build names each (by the example's id) with its reason, once,
    and the count it logs is theirs; reading them later names them as without a cache."""
    (tmp_path / "text.mp4").write_bytes(b"not a video")
    (tmp_path / "empty.mp4").write_bytes(b"")
    broken = [
        {"video": str(tmp_path / "text.mp4"), "label": 0, "id": "up/text.mp4"},
        {"video": str(tmp_path / "empty.mp4"), "label": 1, "id": "down/empty.mp4"},
    ]
    items = [examples[0], broken[0], examples[1], broken[1]]
    dataset = VideoClassificationDataset(items, processor, seed=0, processor_kwargs=TRAIN)
    with caplog.at_level("WARNING", logger="vivit_hf.training.data.cache"):
        dataset.cache_decoded_videos()
    named = [r.getMessage() for r in caplog.records if r.name == "vivit_hf.training.data.cache"]
    assert len(named) == 2
    assert named[0].startswith(f"clip up/text.mp4 ({tmp_path / 'text.mp4'}) did not decode whole")
    assert named[1].startswith(f"clip down/empty.mp4 ({tmp_path / 'empty.mp4'}) did not decode whole")
    assert "empty (0 bytes)" in named[1]
    caplog.clear()
    with caplog.at_level("WARNING", logger="vivit_hf.training.data.dataset"):
        valid = [bool(dataset[index]["valid"]) for index in range(4)]
    assert valid == [True, False, True, False]
    skipped = [r.getMessage() for r in caplog.records if r.name == "vivit_hf.training.data.dataset"]
    assert [message.split(" (")[0] for message in skipped] == ["skipping broken clip up/text.mp4"] + [
        "skipping broken clip down/empty.mp4"
    ]


@pytest.fixture(scope="module")
def variable_rate_clip(tmp_path_factory):
    from video_factory import write_video

    # 20 frames of 4, 8 or 12 ticks of 1/100 s (1.4 s): not evenly spaced, so `fps` samples the file by time
    path = tmp_path_factory.mktemp("vfr") / "vfr.mp4"
    return write_video(path, num_frames=20, height=16, width=16, frame_durations=[4, 8, 4, 12])


def test_a_processor_sampling_by_fps_gives_the_same_samples_with_the_cache_as_without(variable_rate_clip):
    """A processor that samples by `fps` samples a file by its frames' times; frames in memory carry none, so every
    cached clip was refused ("has no frame rate"), where the file gives 6 frames: now nothing is cached and the
    samples are the file's."""
    from vivit_hf.processing.processing_vivit import ViViTVideoProcessor

    processor = ViViTVideoProcessor(fps=5, num_frames=None, do_resize=False, do_center_crop=False)
    plain, cached = (
        VideoClassificationDataset([{"video": variable_rate_clip, "label": 0}], processor, seed=0, raw_pixels=True)
        for _ in range(2)
    )
    cached.cache_decoded_videos()
    expected = processor.raw_views(variable_rate_clip, return_tensors="pt")["pixel_values"]
    assert expected.shape[1] == 6
    assert torch.equal(plain[0]["pixel_values"], expected)
    assert torch.equal(cached[0]["pixel_values"], expected)
    assert cached.cache.num_cached == 0


def test_a_segment_sampled_by_fps_takes_its_video_s_frame_rate(tmp_path):
    """Frames 5-24 of a 25 fps file, sampled at 5 fps: 4 frames `k * 20 // 4` of the segment, as a file of those
    frames gives them (frames in memory have no rate: every segment was refused, "has no frame rate")."""
    from video_factory import frame_indices, write_video

    from vivit_hf.processing.processing_vivit import ViViTVideoProcessor

    path = write_video(tmp_path / "long.mp4", num_frames=30, height=16, width=64)
    processor = ViViTVideoProcessor(fps=5, num_frames=None, do_resize=False, do_center_crop=False)
    example = {"video": path, "label": 0, "start_frame": 5, "stop_frame": 24}
    dataset = VideoClassificationDataset([example], processor, seed=0, raw_pixels=True)
    clip = dataset[0]["pixel_values"][0]
    assert frame_indices(clip.permute(0, 2, 3, 1).numpy()) == [5, 10, 15, 20]


def test_auto_caching_under_fps_sampling_says_nothing_is_cached_and_decodes_nothing_to_estimate(
    variable_rate_clip, caplog, monkeypatch
):
    """Under `fps` sampling nothing is cached (above), but `--cache_decoded_videos auto` decoded clips to estimate the
    cache's size and logged "decoding them once into memory" beside the data set's "clips are not cached"; now it
    says the latter alone and decodes nothing for it."""
    import argparse

    from accelerate import PartialState

    from vivit_hf.processing.processing_vivit import ViViTVideoProcessor
    from vivit_hf.training.finetune import _cache_decoded_videos

    PartialState()  # (the recipe's logger is accelerate's)

    processor = ViViTVideoProcessor(fps=5, num_frames=None, do_resize=False, do_center_crop=False)
    dataset = VideoClassificationDataset([{"video": variable_rate_clip, "label": 0}], processor, raw_pixels=True)
    monkeypatch.setattr(dataset, "estimate_decoded_bytes", lambda: pytest.fail("decoded clips to estimate a cache"))
    args = argparse.Namespace(cache_decoded_videos="auto", cache_budget_mib=1024.0)
    with caplog.at_level("INFO", logger="vivit_hf.training.finetune"):
        assert _cache_decoded_videos(args, (dataset,)) is False
    said = [r.getMessage().removeprefix("[RANK 0] ") for r in caplog.records if r.name == "vivit_hf.training.finetune"]
    assert said == ["the processor samples by fps, from each file's frame times: the decoded clips are not cached"]
