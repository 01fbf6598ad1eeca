# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The pipeline's timeline (`window=`) reads a list of inputs as its plain call does: a video inside a list holding
several is refused by name, one holding one is that video; it reached transformers' batching with `window` and failed
there ("preprocess() got an unexpected keyword argument 'window'"). A torch `Dataset` is read by length and index, with
`window=` and with `batch_size > 1`."""

import numpy as np
import pytest
from test_timeline import model_dir, timeline_pipeline  # noqa: F401  (model_dir is a fixture)


@pytest.fixture(scope="module")
def video():
    return np.random.default_rng(0).integers(0, 256, (8, 32, 32, 3), dtype=np.uint8)


def test_an_input_holding_two_videos_is_refused_with_or_without_window(model_dir, video):  # noqa: F811
    pipe = timeline_pipeline(model_dir)
    for options in ({}, {"window": "4f"}):
        with pytest.raises(ValueError, match=r"One input of the pipeline holds 2 videos"):
            pipe([[video, video]], **options)


def test_a_batch_of_one_video_inside_the_list_is_that_video(model_dir, video):  # noqa: F811
    pipe = timeline_pipeline(model_dir)
    expected = pipe([video], window="4f", top_k=3)
    assert pipe([video[None]], window="4f", top_k=3) == expected
    assert pipe([[video]], window="4f", top_k=3) == expected


def test_a_video_as_python_lists_of_numbers_is_refused_by_name(model_dir, video):  # noqa: F811
    pipe = timeline_pipeline(model_dir)
    for options in ({}, {"window": "4f"}):
        with pytest.raises(ValueError, match=r"nested Python lists of numbers"):
            pipe(video.tolist(), **options)


def test_a_generator_of_videos_with_window_gives_each_videos_timeline(model_dir, video):  # noqa: F811
    """transformers' Pipeline streams a generator (or a torch Dataset) through `preprocess`, which takes no `window`:
    it failed with "preprocess() got an unexpected keyword argument 'window'". Each video gets its timeline, as in a
    list, as they are asked for."""
    from transformers.pipelines.pt_utils import KeyDataset

    pipe = timeline_pipeline(model_dir)
    other = video[::-1].copy()
    expected = pipe([video, other, list(video)], window="4f", top_k=3)
    streamed = pipe((v for v in (video, other, list(video))), window="4f", top_k=3)
    assert not isinstance(streamed, list)  # lazy, as transformers returns a generator's results
    assert list(streamed) == expected
    rows = [{"video": video}, {"video": other}]
    assert list(pipe(KeyDataset(rows, "video"), window="4f", top_k=3)) == expected[:2]


def test_window_given_when_the_pipeline_is_built_gives_a_list_its_timelines(model_dir, video):  # noqa: F811
    """`pipeline(..., window="4f")` keeps the window for every call; a list called with it went to transformers'
    batching as a list without one: "preprocess() got an unexpected keyword argument 'window'"."""
    from transformers import pipeline

    from vivit_hf import ViViTVideoClassificationPipeline

    built = pipeline(
        "video-classification", model=str(model_dir), pipeline_class=ViViTVideoClassificationPipeline, window="4f"
    )
    other = video[::-1].copy()
    called = timeline_pipeline(model_dir)
    assert built([video, other], top_k=3) == called([video, other], window="4f", top_k=3)
    # a call's hop (or window_batch_size) goes with the built window: refused as "hop ... need window=" before
    assert built(video, hop="2f", top_k=3) == called(video, window="4f", hop="2f", top_k=3)
    assert built(video, window_batch_size=1, top_k=3) == called(video, window="4f", window_batch_size=1, top_k=3)


@pytest.mark.parametrize("options", [{"window": "4f"}, {"batch_size": 2}], ids=["timeline", "batch_size_2"])
def test_a_torch_dataset_is_read_by_its_length_as_transformers_reads_one(model_dir, video, options):  # noqa: F811
    """transformers reads a torch `Dataset` by `len` and index (`PipelineDataset`); the timelines, and the batches of
    `batch_size > 1` (collated by the video processor), iterated it, which for a map-style data set ends only where an
    index past its end raises IndexError: one keyed otherwise (a dict's KeyError) failed after its last video, one
    that wraps around never ended."""
    import torch

    class ByKey(torch.utils.data.Dataset):
        def __init__(self, videos):
            self.videos = dict(enumerate(videos))

        def __len__(self):
            return len(self.videos)

        def __getitem__(self, index):
            return self.videos[index]  # KeyError past the end

    pipe = timeline_pipeline(model_dir)
    other = video[::-1].copy()
    expected = pipe([video, other, video], top_k=3, **options)
    assert list(pipe(ByKey([video, other, video]), top_k=3, **options)) == expected


@pytest.mark.torchcodec
def test_a_decoded_datasets_video_value_gives_the_windows_of_its_files_path(model_dir, tmp_path, monkeypatch):  # noqa: F811
    """A decoded `datasets.Video` value (a torchcodec decoder) is resized while decoding as its file's path is (by the
    PyAV reader of the file): the timeline read torchcodec's full frames resized in torch, clips up to 36 grey levels
    from the path's (48x64 to 32), so the same file scored otherwise as a path and as a data set's row."""
    from datasets import Dataset, Video
    from video_factory import write_video

    from vivit_hf.processing.pipeline import ViViTVideoClassificationPipeline

    path = write_video(tmp_path / "clip.mp4", num_frames=8)
    decoder = Dataset.from_dict({"video": [path]}).cast_column("video", Video())[0]["video"]
    clips = []
    window_logits = ViViTVideoClassificationPipeline._window_logits

    def kept(self, batch, *args):
        clips.append(np.stack(batch))
        return window_logits(self, batch, *args)

    monkeypatch.setattr(ViViTVideoClassificationPipeline, "_window_logits", kept)
    pipe = timeline_pipeline(model_dir)
    assert pipe(decoder, window="4f") == pipe(path, window="4f")
    assert clips[0].shape == (2, 4, 32, 42, 3)  # resized while decoding
    assert np.array_equal(clips[0], clips[1])
