# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""One pipeline result per video, in input order, whatever form the videos come in: a processor saved with
`skip_broken=True`, a 5-D array (a batch of videos), a tuple of videos and a list of frames (one video). Each
result is checked against the model run by hand on the processor's views of that video alone."""

import logging
import re

import av
import numpy as np
import pytest
import torch
from PIL import Image
from transformers import pipeline
from video_factory import write_video

import vivit_hf  # noqa: F401  (registers the four configs and models with the Auto classes)
from vivit_hf import VIVIT_MODELS, ViViTVideoClassificationPipeline, ViViTVideoProcessor
from vivit_hf.processing.video_io import VideoDecodeError

LOGGER = "vivit_hf.processing.processing_vivit"
LABELS = {0: "run", 1: "jump", 2: "swim"}
PROCESSOR = dict(
    num_frames=4,
    frame_stride=2,
    size={"shortest_edge": 36},
    crop_size={"height": 32, "width": 32},
    decode_backend="pyav",
)


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    """A tiny spatio-temporal ViViT whose scores differ clearly from video to video and view to view."""
    config_class, _, classifier_class = VIVIT_MODELS["spatio_temporal"]
    torch.manual_seed(0)
    config = config_class(
        image_size=32,
        num_frames=4,
        tubelet_size=[2, 16, 16],
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        num_labels=3,
        id2label=LABELS,
        label2id={v: k for k, v in LABELS.items()},
    )
    model = classifier_class(config).eval()
    with torch.no_grad():
        model.classifier.weight.mul_(40.0)
    return model


def saved(model, folder, **processor_options):
    model.save_pretrained(folder)
    ViViTVideoProcessor(**PROCESSOR, **processor_options).save_pretrained(folder)
    return str(folder)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("videos")
    bad = folder / "broken.mp4"
    bad.write_bytes(np.random.default_rng(0).integers(0, 256, 5000, dtype=np.uint8).tobytes())
    return {
        "a": str(write_video(folder / "a.mp4", num_frames=24, height=48, width=64)),
        "b": str(write_video(folder / "b.mp4", num_frames=40, height=64, width=48)),
        "bad": str(bad),
    }


def frames_of(path) -> np.ndarray:
    """Every frame of a file, decoded with plain PyAV: `(T, H, W, 3)` uint8."""
    with av.open(path) as container:
        return np.stack([frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)])


def scores_by_hand(model, video, **views) -> dict:
    """Each label's probability for one video: the model on an eval processor's views of it, logits averaged."""
    views = {"do_sample_frames": True, **views}
    inputs = ViViTVideoProcessor(**PROCESSOR)(video, return_tensors="pt", **views)
    with torch.no_grad():
        probabilities = model(**inputs).logits.mean(0).softmax(-1)
    return {LABELS[i]: p.item() for i, p in enumerate(probabilities)}


def as_scores(results) -> dict:
    return {r["label"]: r["score"] for r in results}


# -- 1. a processor saved with skip_broken=True (a training processor, as Trainer saves it) --------------------------
@pytest.mark.parametrize("batch_size", [1, 2])
def test_pipeline_with_a_processor_saved_with_skip_broken_raises_naming_the_broken_video(
    model, files, tmp_path, batch_size
):
    """A dropped video gave its result slot to the next one (and a batch its view count): the pipeline raises."""
    pipe = pipeline(
        "video-classification",
        model=saved(model, tmp_path, skip_broken=True),
        pipeline_class=ViViTVideoClassificationPipeline,
    )
    pipe.video_processor.skip_broken = True  # as if loaded so: the pipeline turns it off for every call
    with pytest.raises(VideoDecodeError, match="broken.mp4"):
        pipe([files["bad"], files["a"], files["b"]], batch_size=batch_size, num_crops=3, top_k=3)
    with pytest.raises(VideoDecodeError, match="broken.mp4"):  # alone it reached the model as 0 views
        pipe(files["bad"], top_k=3)


def test_pipeline_with_a_processor_saved_with_skip_broken_averages_each_videos_views(model, files, tmp_path):
    pipe = pipeline(
        "video-classification",
        model=saved(model, tmp_path, skip_broken=True),
        pipeline_class=ViViTVideoClassificationPipeline,
    )
    pipe.video_processor.skip_broken = True
    results = pipe([files["a"], files["b"]], batch_size=2, num_crops=3, top_k=3)
    assert len(results) == 2
    for video, result in zip((files["a"], files["b"]), results):
        assert as_scores(result) == pytest.approx(scores_by_hand(model, video, num_crops=3), abs=1e-5)


def test_a_processor_saved_with_skip_broken_loads_for_inference_and_says_how_to_skip(model, tmp_path, caplog):
    folder = saved(model, tmp_path, skip_broken=True)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        assert ViViTVideoProcessor.from_pretrained(folder, skip_broken=True).skip_broken
        assert not caplog.records
        loaded = ViViTVideoProcessor.from_pretrained(folder)
    (record,) = caplog.records
    assert "saved with skip_broken=True" in record.getMessage()
    assert "pass skip_broken=True" in record.getMessage()
    assert loaded.skip_broken is False


def test_transformers_plain_pipeline_with_a_processor_saved_with_skip_broken_raises_naming_the_video(
    model, files, tmp_path
):
    """transformers' own pipeline calls the processor as loaded: loaded for inference, it no longer drops a video."""
    plain = pipeline("video-classification", model=saved(model, tmp_path, skip_broken=True))
    assert type(plain).__name__ == "VideoClassificationPipeline"
    with pytest.raises(VideoDecodeError, match="broken.mp4"):
        plain([files["bad"], files["a"]], top_k=3)
    (result,) = plain([files["a"]], top_k=3)
    assert as_scores(result) == pytest.approx(scores_by_hand(model, files["a"]), abs=1e-5)


def test_a_batch_whose_videos_gave_different_view_counts_averages_each_video_over_its_own(model, tmp_path):
    pipe = pipeline(
        "video-classification", model=saved(model, tmp_path), pipeline_class=ViViTVideoClassificationPipeline
    )
    views = torch.randn(3, 4, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    outputs = pipe._forward({"pixel_values": views, "num_views": [1, 2]})
    with torch.no_grad():
        logits = model(pixel_values=views).logits
    expected = torch.stack([logits[0], logits[1:].mean(0)])  # video 0: its one view; video 1: its two
    torch.testing.assert_close(outputs["logits"], expected, rtol=1e-5, atol=1e-5)


# -- 2. a 5-D array or a tuple: a batch of videos, one result each -----------------------------------------------------
@pytest.fixture(scope="module")
def two_arrays(files):
    frames = frames_of(files["a"])
    return frames[:16], frames[8:24]


@pytest.mark.parametrize("form", ["5d_array", "5d_tensor", "tuple"])
def test_pipeline_gives_a_batch_of_videos_one_result_each_in_order(model, tmp_path, two_arrays, form):
    pipe = pipeline(
        "video-classification", model=saved(model, tmp_path), pipeline_class=ViViTVideoClassificationPipeline
    )
    inputs = {
        "5d_array": np.stack(two_arrays),
        "5d_tensor": torch.from_numpy(np.stack(two_arrays)),
        "tuple": tuple(two_arrays),
    }[form]
    results = pipe(inputs, top_k=3)
    assert len(results) == 2
    for video, result in zip(two_arrays, results):
        assert as_scores(result) == pytest.approx(scores_by_hand(model, video), abs=1e-5)


def test_transformers_plain_pipeline_says_it_scores_the_first_of_an_inputs_videos(model, tmp_path, two_arrays, caplog):
    """transformers' own pipeline batches a list alone: a 5-D array or a tuple is one input, whose first video alone it
    scored (one result) without a word; a list of frames (or of their image files) reached the processor a frame at a
    time, each refused with advice (short_video=) that pipeline does not take; and it takes `frame_sampling_rate` and
    passes it to no video processor (a rate of 4 scored the stride-2 frames). Ours reads both, and says nothing."""
    folder = saved(model, tmp_path)
    plain = pipeline("video-classification", model=folder)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        first, _ = (plain(form, top_k=3) for form in (np.stack(two_arrays), tuple(two_arrays)))
    (record,) = [r for r in caplog.records if "holding 2 videos" in r.getMessage()]  # once
    assert "(ndarray of shape (2, 16, 48, 64, 3))" in record.getMessage()
    assert "pipeline_class=ViViTVideoClassificationPipeline" in record.getMessage()
    assert as_scores(first) == pytest.approx(scores_by_hand(model, two_arrays[0]), abs=1e-5)  # the first video's
    image_files = []
    for index, frame in enumerate(two_arrays[0][:2]):
        image_files.append(str(tmp_path / f"frame_{index}.png"))
        Image.fromarray(frame).save(image_files[-1])
    # ([image_files], the way the processor reads them as one video, was each file a video as well, its refusal
    # advising short_video=, which taken scores each frame alone)
    for frames in ([Image.fromarray(frame) for frame in two_arrays[0]], image_files, [image_files]):
        with pytest.raises(ValueError, match="single frame") as refused:
            plain(frames)
        notes = "".join(getattr(refused.value, "__notes__", [str(refused.value)]))
        assert "reads a list as a list of videos" in notes and "`pipe([[frame_paths]])`" in notes, notes
    # the way it names, followed: one video, scored as the frames it holds
    all_files = []
    for index, frame in enumerate(two_arrays[0]):
        all_files.append(str(tmp_path / f"all_{index:02d}.png"))  # lossless: the frames as given
        Image.fromarray(frame).save(all_files[-1])
    (scored,) = plain([[all_files]], top_k=3)
    assert as_scores(scored) == pytest.approx(scores_by_hand(model, two_arrays[0]), abs=1e-5)
    # a lone image file is no list: its refusal says nothing of lists; nor does a short array's. Each advised only
    # `short_video=`, which that pipeline refuses in a call ("unexpected keyword argument"): said, with where it goes
    for short in (image_files[0], two_arrays[0][:2]):
        with pytest.raises(ValueError, match="pass short_video='loop' or 'pad'") as refused:
            plain(short)
        notes = "".join(getattr(refused.value, "__notes__", []))
        assert "reads a list" not in notes and "pipe.video_processor.short_video = 'loop'" in notes
    plain.video_processor.short_video = "loop"
    assert len(plain(two_arrays[0][:2], top_k=3)) == 3
    plain.video_processor.short_video = None
    # [0, 1] float frames: their refusal advised float_max= "to the call", which that pipeline refuses as well
    unit = two_arrays[0].astype(np.float32) / 255
    with pytest.raises(ValueError, match="float_max=1.0") as refused:
        plain(unit)
    assert "pipe.video_processor.float_max = 1.0" in "".join(getattr(refused.value, "__notes__", []))
    plain.video_processor.float_max = 1.0
    assert as_scores(plain(unit, top_k=3)) == pytest.approx(scores_by_hand(model, unit, float_max=1.0), abs=1e-5)
    plain.video_processor.float_max = None
    # frame_sampling_rate: said once per rate, naming where the rate goes
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        for rate in (4, 4, 2):  # 2: the processor's own stride, the frames asked for
            scores = as_scores(plain(two_arrays[0], frame_sampling_rate=rate, top_k=3))
            assert scores == pytest.approx(as_scores(first), abs=1e-6)
    (record,) = [r for r in caplog.records if "frame_sampling_rate" in r.getMessage()]
    assert "frame_sampling_rate=4" in record.getMessage() and "clip 2 frames apart" in record.getMessage()
    plain.video_processor.frame_stride = 4  # as it says
    expected = scores_by_hand(model, two_arrays[0], frame_stride=4)
    assert as_scores(plain(two_arrays[0], top_k=3)) == pytest.approx(expected, abs=1e-5)
    # the processor that pipeline loaded, called directly: two videos in a list are two, as it says (it said the
    # pipeline "took one input holding 2 videos" and to pass them as a list)
    caplog.clear()
    direct = pipeline("video-classification", model=folder).video_processor
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        assert direct(list(two_arrays), return_tensors="pt")["pixel_values"].shape[0] == 2
    assert not [r for r in caplog.records if "transformers' pipeline" in r.getMessage()]
    caplog.clear()
    ours = pipeline("video-classification", model=folder, pipeline_class=ViViTVideoClassificationPipeline)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        assert len(ours(np.stack(two_arrays), top_k=3)) == 2
    assert not [r for r in caplog.records if "transformers' pipeline" in r.getMessage()]


def test_a_frame_pattern_refused_in_each_pipeline_gives_the_way_that_pipeline_takes_the_frames(model, tmp_path):
    """`frames/%05d.png` is refused advising `[frame_paths]`, a processor's way (and ours: `pipe([frame_paths])`);
    transformers' pipeline reads that list as 12 videos of one frame each, refused in turn ("a single frame"): there
    the refusal gives its way, `pipe([[frame_paths]])`. Each way, followed in its pipeline, scores the frames."""
    folder = saved(model, tmp_path)
    paths = [str(tmp_path / f"{index:05d}.png") for index in range(8)]
    for index, path in enumerate(paths):
        Image.fromarray(np.full((36, 36, 3), 30 * index, np.uint8)).save(path)
    plain = pipeline("video-classification", model=folder)
    ours = pipeline("video-classification", model=folder, pipeline_class=ViViTVideoClassificationPipeline)
    for pipe, way in ((plain, [[paths]]), (ours, [paths])):
        with pytest.raises(VideoDecodeError, match=r"an image sequence: .*`\[frame_paths\]`") as refused:
            pipe(str(tmp_path / "%05d.png"))
        notes = "".join(getattr(refused.value, "__notes__", []))
        assert ("`pipe([[frame_paths]])`" in notes) == (pipe is plain), notes
        assert len(pipe(way, top_k=3)[0]) == 3  # one video's result
    # the processor's way, in transformers' pipeline: its note said ours "reads a list of frames, or of their image
    # files, as one video", where ours reads a list of paths as videos too (`pipe(paths)`: "a single frame")
    with pytest.raises(ValueError, match="single frame") as refused:
        plain([paths])
    assert "their image files as `pipe([frame_paths])`" in "".join(getattr(refused.value, "__notes__", []))
    with pytest.raises(ValueError, match="single frame"):
        ours(paths)


def test_pipeline_gives_a_datasets_column_one_result_per_video(model, tmp_path, files):
    """`pipe(ds["video"])`: a `datasets.Column` was taken for one input and refused (\"holds 2 videos\")."""
    from datasets import Dataset, Video

    paths = [files["a"], files["b"]]
    column = Dataset.from_dict({"video": paths}).cast_column("video", Video(decode=False))["video"]
    pipe = pipeline(
        "video-classification", model=saved(model, tmp_path), pipeline_class=ViViTVideoClassificationPipeline
    )
    expected = [scores_by_hand(model, path) for path in paths]
    for batch_size in (1, 2):
        results = pipe(column, top_k=3, batch_size=batch_size)
        assert len(results) == 2
        for scores, result in zip(expected, results):
            assert as_scores(result) == pytest.approx(scores, abs=1e-5)


@pytest.mark.parametrize("form", ["datasets_dataset", "pandas_series", "numpy_strings"])
def test_pipeline_says_how_to_pass_videos_held_in_a_table_or_an_array_of_paths(model, tmp_path, files, form):
    """A `datasets` Dataset, a pandas Series or a numpy array of paths was refused as an unsupported video input, or
    as an array of the wrong dimensions, without the list of videos each can give."""
    import pandas
    from datasets import Dataset

    paths = [files["a"], files["b"]]
    given, said = {
        "datasets_dataset": (Dataset.from_dict({"video": paths}), r"pass its column of videos, `ds\['video'\]`"),
        "pandas_series": (pandas.Series(paths), r"pass `series.tolist\(\)`"),
        "numpy_strings": (np.array(paths), r"1-D array of <U\d+ \(2 items: paths.*`array.tolist\(\)`"),
    }[form]
    pipe = pipeline(
        "video-classification", model=saved(model, tmp_path), pipeline_class=ViViTVideoClassificationPipeline
    )
    with pytest.raises(ValueError, match=said):
        pipe(given)


def test_pipeline_refuses_views_of_another_size_than_the_model_takes_by_what_to_set(model, tmp_path, files):
    """A processor that crops none (the shortest edge resized alone) makes views of each video's own shape: the model
    refused them naming `interpolate_pos_encoding=True`, then no pipeline option, and a batch of two sizes failed in
    the collation with torch's "Sizes of tensors must match"."""
    folder = saved(model, tmp_path, do_center_crop=False)
    pipe = pipeline("video-classification", model=folder, pipeline_class=ViViTVideoClassificationPipeline)
    said = r"made views of 36x48 but this model takes 32x32 \(config.image_size\).*do_center_crop = True"
    for video, options in (
        (files["a"], {}),
        ([files["a"], files["b"]], {"batch_size": 2}),
        (files["a"], {"window": "8f"}),
    ):
        with pytest.raises(ValueError, match=said):
            pipe(video, **options)
    # The way round, the model's `interpolate_pos_encoding` (position embeddings resized to the clip's frame count and
    # the views' size), was refused as an unknown option. Given to a call, or when the pipeline is built, the scores
    # are the model's on the processor's views; a timeline takes it too, and a batch of views of two sizes is refused
    # by name.
    inputs = ViViTVideoProcessor(**PROCESSOR, do_center_crop=False)(
        files["a"], num_frames=8, do_sample_frames=True, return_tensors="pt"
    )
    assert inputs["pixel_values"].shape[1:] == (8, 3, 36, 48)  # where the model takes 4 frames of 32x32
    with torch.no_grad():
        probabilities = model(**inputs, interpolate_pos_encoding=True).logits.mean(0).softmax(-1)
    expected = {LABELS[i]: p.item() for i, p in enumerate(probabilities)}
    resized = pipe(files["a"], num_frames=8, interpolate_pos_encoding=True, top_k=3)
    assert as_scores(resized) == pytest.approx(expected, abs=1e-5)
    built = pipeline(
        "video-classification",
        model=folder,
        pipeline_class=ViViTVideoClassificationPipeline,
        interpolate_pos_encoding=True,
    )
    assert as_scores(built(files["a"], num_frames=8, top_k=3)) == pytest.approx(expected, abs=1e-5)
    assert len(built(files["a"], num_frames=8, window="8f")["windows"]) == 3
    with pytest.raises(ValueError, match=r"views of 36x48 and 48x36, which cannot be batched: pass batch_size=1"):
        built([files["a"], files["b"]], batch_size=2)


def test_pipeline_refuses_a_top_k_that_is_no_count_before_decoding(model, tmp_path, files):
    """top_k=-1 or 2.5 failed in torch's topk after the whole forward ("selected index k out of range")."""
    pipe = pipeline(
        "video-classification", model=saved(model, tmp_path), pipeline_class=ViViTVideoClassificationPipeline
    )
    for top_k in (-1, 2.5, True):
        with pytest.raises(ValueError, match=rf"top_k must be a whole number >= 0 .*got {top_k!r}"):
            pipe(str(tmp_path / "missing.mp4"), top_k=top_k)  # refused before any file is opened
    assert pipe(files["a"], top_k=np.int64(2)) == pipe(files["a"], top_k=2)
    assert pipe(files["a"], top_k=0) == []
    # numpy scalars for the other checked options too, as the config and the processor take them: np.True_ was
    # refused ("interpolate_pos_encoding must be True or False, got np.True_"), np.int64(2) window_batch_size too
    assert pipe(files["a"], interpolate_pos_encoding=np.True_) == pipe(files["a"], interpolate_pos_encoding=True)
    assert len(pipe(files["a"], window="8f", window_batch_size=np.int64(2))["windows"]) == 3
    with pytest.raises(ValueError, match=r"interpolate_pos_encoding must be True or False, got 'true'"):
        pipe(files["a"], interpolate_pos_encoding="true")


def test_pipeline_refuses_a_frame_sampling_rate_that_is_no_step_by_its_own_name(model, tmp_path, files):
    """frame_sampling_rate=0 was refused as "frame_stride must be a positive integer", the processor's name for it,
    which the call never gave."""
    pipe = pipeline(
        "video-classification", model=saved(model, tmp_path), pipeline_class=ViViTVideoClassificationPipeline
    )
    for rate in (0, -2, 1.5, True):
        with pytest.raises(ValueError, match=rf"frame_sampling_rate must be a whole number >= 1 .*got {rate!r}"):
            pipe(str(tmp_path / "missing.mp4"), frame_sampling_rate=rate)  # refused before any file is opened
    assert pipe(files["a"], frame_sampling_rate=np.int64(1)) == pipe(files["a"], frame_sampling_rate=1)


def test_pipeline_refuses_one_input_that_holds_several_videos(model, tmp_path, two_arrays):
    pipe = pipeline(
        "video-classification", model=saved(model, tmp_path), pipeline_class=ViViTVideoClassificationPipeline
    )
    with pytest.raises(ValueError, match="holds 2 videos"):
        pipe([np.stack(two_arrays)], top_k=3)  # a list of one input, which is itself a batch


@pytest.mark.parametrize("inputs", [[], (), np.zeros((0, 4, 32, 32, 3), np.uint8)], ids=["list", "tuple", "5d_array"])
@pytest.mark.parametrize("window", [None, "4f"])
def test_pipeline_refuses_an_empty_batch_of_videos_by_name(model, tmp_path, inputs, window):
    """`pipe([])` failed inside transformers' Pipeline with a bare IndexError ("list index out of range")."""
    pipe = pipeline(
        "video-classification", model=saved(model, tmp_path), pipeline_class=ViViTVideoClassificationPipeline
    )
    with pytest.raises(ValueError, match="empty list of videos"):
        pipe(inputs, window=window)


TUBELET_REFUSAL = (
    "num_frames=1 is fewer than the 2 frames of one of this model's tubelets (config.tubelet_size[0]): give at least "
    "2 (it takes 4: config.num_frames)."
)


@pytest.mark.parametrize("window", [None, "8f"])
def test_pipeline_refuses_clips_longer_than_the_model_takes_before_decoding(
    model, tmp_path, files, window, caplog, monkeypatch
):
    """num_frames=8 for a 4-frame model decoded the video, then the model told the user to pass
    interpolate_pos_encoding=True, which the pipeline refuses as an unknown option. num_frames=2 runs on the first 2
    temporal position embeddings, which was said nowhere (a 16-frame clip to a 32-frame model): said once."""
    from vivit_hf.processing import pipeline as pipeline_module

    monkeypatch.setattr(pipeline_module, "_FEWER_FRAMES_SAID", set())
    pipe = pipeline(
        "video-classification", model=saved(model, tmp_path), pipeline_class=ViViTVideoClassificationPipeline
    )
    with pytest.raises(ValueError, match=r"num_frames=8 is more than the 4 frames this model takes"):
        pipe(str(tmp_path / "missing.mp4"), num_frames=8, window=window)  # refused before any file is opened
    # fewer than one tubelet (2 frames): it warned, decoded, then the model refused ("shorter than one tubelet")
    for interpolate in (False, True):
        with caplog.at_level(logging.WARNING, logger=pipeline_module.__name__):
            with pytest.raises(ValueError, match=re.escape(TUBELET_REFUSAL)):
                pipe(str(tmp_path / "missing.mp4"), num_frames=1, window=window, interpolate_pos_encoding=interpolate)
    # no count: the processor's refusal, first; not "fewer than the 2 frames" (of True), nor a warning of "the first 0
    # frames", nor (a timeline) 0 taken for the model's count without a word and True decoded for the model to refuse
    for given in (0, True):
        with caplog.at_level(logging.WARNING, logger=pipeline_module.__name__):
            with pytest.raises(ValueError, match=f"^num_frames must be a positive integer, got {given!r}"):
                pipe(files["a"], num_frames=given, window=window)
    assert not caplog.records
    if window is None:  # (the same call for both)
        with caplog.at_level(logging.WARNING, logger=pipeline_module.__name__):
            assert as_scores(pipe(files["a"], num_frames=2, top_k=3)) == pytest.approx(
                scores_by_hand(model, files["a"], num_frames=2), abs=1e-5
            )
            pipe._sanitize_parameters(num_frames=2)  # (what a call checks first)
            pipe._sanitize_parameters(num_frames=4)
        said = [r.getMessage() for r in caplog.records if r.name == pipeline_module.__name__]
        assert len(said) == 1 and said[0].startswith(
            "num_frames=2 is fewer than the 4 frames this model takes (config.num_frames): its clips are scored "
            "with the position embeddings of the first 2 of those frames"  # (1 temporal position: tubelets of 2)
        ), said


def test_transformers_pipeline_refuses_fewer_frames_than_one_tubelet_before_decoding(model, tmp_path, files):
    """transformers' own pipeline('video-classification') given num_frames=1 decoded the video, then the model said
    "`pixel_values` of shape (1, 1, 3, 32, 32) is shorter than one tubelet", naming no frame count nor what to give.
    Refused as ours refuses it, before the file is opened (a missing one is not reached)."""
    pipe = pipeline("video-classification", model=saved(model, tmp_path))
    assert type(pipe).__name__ == "VideoClassificationPipeline"
    for video in (files["a"], str(tmp_path / "missing.mp4")):
        with pytest.raises(ValueError, match=re.escape(TUBELET_REFUSAL)):
            pipe(video, num_frames=1)
    assert len(pipe(files["a"], num_frames=2, top_k=3)) == 3  # (one tubelet: runs)


@pytest.mark.parametrize("video", ["a", "missing"])
def test_pipeline_refuses_a_saliency_of_a_timeline_before_decoding(model, tmp_path, files, video):
    """return_saliency=True with window= scored every window, then failed with a bare KeyError: 'saliency'."""
    pipe = pipeline(
        "video-classification", model=saved(model, tmp_path), pipeline_class=ViViTVideoClassificationPipeline
    )
    with pytest.raises(ValueError, match=r"return_saliency .*a timeline \(window=\) has none"):
        pipe(files.get(video, str(tmp_path / "missing.mp4")), window="8f", return_saliency=True)


@pytest.mark.parametrize("built", [{"window": "8f"}, {"return_saliency": True}], ids=["window_built", "saliency_built"])
def test_pipeline_refuses_a_saliency_of_a_timeline_asked_half_when_built(model, tmp_path, files, built):
    """One of the two given to `pipeline(...)` and the other to the call: every window was scored, then a bare
    KeyError: 'saliency' (the refusal saw only the call's options)."""
    pipe = pipeline(
        "video-classification", model=saved(model, tmp_path), pipeline_class=ViViTVideoClassificationPipeline, **built
    )
    call = {"return_saliency": True} if "window" in built else {"window": "8f"}
    for video in (files["a"], str(tmp_path / "missing.mp4")):  # refused before the file is opened
        with pytest.raises(ValueError, match=r"return_saliency .*a timeline \(window=\) has none"):
            pipe(video, **call)


def test_a_calls_return_saliency_false_turns_off_the_saliency_the_pipeline_was_built_with(model, tmp_path, files):
    """transformers merges a call's options over those given to `pipeline(...)`; a call's `return_saliency=False` set
    nothing, so the built True held: a saliency dict where the predictions were asked for, and a timeline refused."""
    folder = saved(model, tmp_path)
    built = pipeline(
        "video-classification", model=folder, pipeline_class=ViViTVideoClassificationPipeline, return_saliency=True
    )
    plain = pipeline("video-classification", model=folder, pipeline_class=ViViTVideoClassificationPipeline)
    assert set(built(files["a"], top_k=3)) == {"predictions", "saliency"}
    assert built(files["a"], top_k=3, return_saliency=False) == plain(files["a"], top_k=3)
    assert built(files["a"], window="8f", return_saliency=False) == plain(files["a"], window="8f")


# -- 3. a list of frames: one video, with and without window= --------------------------------------------------------
@pytest.mark.parametrize("kind", ["pil", "numpy", "torch"])
def test_pipeline_reads_a_list_of_frames_as_one_video(model, tmp_path, files, kind):
    pipe = pipeline(
        "video-classification", model=saved(model, tmp_path), pipeline_class=ViViTVideoClassificationPipeline
    )
    video = frames_of(files["a"])[:20]
    convert = {"pil": Image.fromarray, "numpy": np.ascontiguousarray, "torch": torch.from_numpy}[kind]
    frames = [convert(frame) for frame in video]
    result = pipe(frames, top_k=3)
    assert isinstance(result, list) and isinstance(result[0], dict)  # one result, not one per frame
    assert as_scores(result) == pytest.approx(scores_by_hand(model, video), abs=1e-5)
    looped = pipe(frames, short_video="loop", top_k=3)  # what the error for a short video suggests
    assert as_scores(looped) == pytest.approx(scores_by_hand(model, video, short_video="loop"), abs=1e-5)


def test_pipeline_timeline_of_a_list_of_frames_is_the_timeline_of_the_same_video_as_one_array(model, tmp_path, files):
    pipe = pipeline(
        "video-classification", model=saved(model, tmp_path), pipeline_class=ViViTVideoClassificationPipeline
    )
    video = frames_of(files["a"])[:20]
    timeline = pipe([Image.fromarray(frame) for frame in video], window="10f", top_k=3)
    assert [(w["start_frame"], w["end_frame"]) for w in timeline["windows"]] == [(0, 10), (10, 20)]
    # each window's clip, by hand: the frames playing at the centres of 4 equal parts of its 10 frames
    centres = np.floor((2 * np.arange(4) + 1) / (2 * 4) * 10).astype(int)  # [1, 3, 6, 8]
    for window in timeline["windows"]:
        clip = video[window["start_frame"] + centres]
        expected = scores_by_hand(model, clip, do_sample_frames=False)
        assert as_scores(window["predictions"]) == pytest.approx(expected, abs=1e-5)


def test_pipeline_timeline_of_frames_in_memory_has_no_seconds(model, tmp_path, files):
    """Every window of an array said it ran from 0.0 s to 0.0 s. Frames in memory come without a clock (transformers'
    VideoMetadata for them has no fps and no duration, as the timeline's own `fps` and `duration` said): the seconds
    are None, the frames are the windows'."""
    from transformers import VivitVideoProcessor

    pipe = pipeline(
        "video-classification", model=saved(model, tmp_path), pipeline_class=ViViTVideoClassificationPipeline
    )
    video = frames_of(files["a"])[:20]
    (reference,) = VivitVideoProcessor()(video, return_metadata=True)["video_metadata"]
    assert reference.fps is None and reference.duration is None
    timeline = pipe(video, window="10f", top_k=1)
    assert (timeline["fps"], timeline["duration"], timeline["start_time"]) == (None, None, None)
    assert [(w["start"], w["end"]) for w in timeline["windows"]] == [(None, None), (None, None)]
    assert [(w["start_frame"], w["end_frame"]) for w in timeline["windows"]] == [(0, 10), (10, 20)]
    from_file = pipe(files["a"], window="10f", top_k=1)  # a file has its clock: 25 fps
    assert [(w["start"], w["end"]) for w in from_file["windows"]][:2] == [(0.0, 0.4), (0.4, 0.8)]


# -- 4. a video given as its frames' image files: each list of paths is one video -------------------------------------
def test_pipeline_reads_a_list_of_image_files_as_one_video(model, tmp_path, files):
    """`pipe([frame paths])` was taken for as many videos as paths and refused ("holds 20 videos"); with window= it
    failed with "preprocess() got an unexpected keyword argument 'window'"."""
    pipe = pipeline(
        "video-classification", model=saved(model, tmp_path), pipeline_class=ViViTVideoClassificationPipeline
    )
    video = frames_of(files["a"])[:20]
    paths = []
    for index, frame in enumerate(video):
        paths.append(str(tmp_path / f"frame_{index:03d}.png"))  # lossless: the frames as decoded
        Image.fromarray(frame).save(paths[-1])
    results = pipe([paths, paths[:16]], top_k=3)
    assert len(results) == 2
    assert as_scores(results[0]) == pytest.approx(scores_by_hand(model, video), abs=1e-5)
    assert as_scores(results[1]) == pytest.approx(scores_by_hand(model, video[:16]), abs=1e-5)
    (timeline,) = pipe([paths], window="10f", top_k=3)
    assert timeline == pipe(video, window="10f", top_k=3)


@pytest.mark.parametrize("form", ["pil_frames", "array_with_processor_channels_last"])
def test_frames_3_pixels_high_are_read_channels_last_for_one_clip_and_a_timeline(model, tmp_path, form):
    """Frames 3 pixels high (or wide) stack to a (T, 3, W, 3) array, which fits both channel layouts and is read
    channels-first unless told: PIL frames (channels-last whatever their shape) were stacked and read so, as was an
    array under a processor saved with `input_data_format="channels_last"` (which calls ignored). The reference is
    the same frames as an unambiguous (T, C, H, W) tensor."""
    video = np.random.default_rng(0).integers(0, 256, (20, 3, 40, 3), dtype=np.uint8)  # frames of 3 x 40
    reference = torch.from_numpy(video).permute(0, 3, 1, 2).contiguous()  # (20, 3, 3, 40): channels-first only
    options = {"input_data_format": "channels_last"} if form != "pil_frames" else {}
    pipe = pipeline(
        "video-classification", model=saved(model, tmp_path, **options), pipeline_class=ViViTVideoClassificationPipeline
    )
    given = [Image.fromarray(frame) for frame in video] if form == "pil_frames" else video
    assert as_scores(pipe(given, top_k=3)) == pytest.approx(scores_by_hand(model, reference), abs=1e-5)
    plain = pipeline(  # (a processor saved with channels_last would read the reference so too)
        "video-classification", model=saved(model, tmp_path / "plain"), pipeline_class=ViViTVideoClassificationPipeline
    )
    assert pipe(given, window="10f", top_k=3) == plain(reference, window="10f", top_k=3)
    if form == "pil_frames":  # and the processor alone
        pixels = ViViTVideoProcessor(**PROCESSOR)(given, return_tensors="pt").pixel_values
        assert torch.equal(pixels, ViViTVideoProcessor(**PROCESSOR)(reference, return_tensors="pt").pixel_values)


def test_pipeline_refuses_interpolate_pos_encoding_for_a_model_whose_forward_drops_it():
    """transformers' VideoMAEForVideoClassification takes `**kwargs`: the option was dropped without a word."""
    from transformers import VideoMAEConfig, VideoMAEForVideoClassification

    config = VideoMAEConfig(
        image_size=32, patch_size=16, num_frames=4, tubelet_size=2, hidden_size=32, num_hidden_layers=1,
        num_attention_heads=2, intermediate_size=64, num_labels=3,
    )  # fmt: skip
    other = VideoMAEForVideoClassification(config).eval()
    processor = ViViTVideoProcessor(**PROCESSOR)
    with pytest.raises(ValueError, match=r"interpolate_pos_encoding=True needs .*VideoMAEForVideoClassification"):
        ViViTVideoClassificationPipeline(model=other, video_processor=processor, interpolate_pos_encoding=True)
    pipe = ViViTVideoClassificationPipeline(model=other, video_processor=processor)
    with pytest.raises(ValueError, match=r"VideoMAEForVideoClassification's does not"):
        pipe(np.zeros((8, 32, 32, 3), np.uint8), interpolate_pos_encoding=True)
