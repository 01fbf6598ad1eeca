# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""`video_metadata`'s `fps` is checked where it is read: a value no frame rate has is refused naming it. An infinite
rate sampled one frame with `fps=`, True one frame a second, a negative one was said to be no rate (of a file, whose
own rate it overrides), a string or NaN failed in Python's arithmetic naming nothing."""

import math
import re
from fractions import Fraction

import av
import numpy as np
import pytest
from transformers.video_utils import VideoMetadata
from video_factory import write_video

from vivit_hf import ViViTVideoProcessor

SMALL = dict(num_frames=4, size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32})


@pytest.fixture(scope="module")
def frames():
    return np.random.default_rng(0).integers(0, 256, (16, 40, 48, 3), dtype=np.uint8)


@pytest.mark.parametrize("fps", [math.inf, -4, math.nan, True, "4"], ids=["inf", "negative", "nan", "true", "text"])
@pytest.mark.parametrize("given", ["dict", "VideoMetadata"])
def test_a_metadata_fps_no_video_has_is_refused_naming_it(frames, fps, given):
    metadata = {"fps": fps} if given == "dict" else VideoMetadata(total_num_frames=16, fps=fps)
    with pytest.raises(ValueError, match=rf"video_metadata has fps={re.escape(repr(fps))}: a video's frame rate"):
        ViViTVideoProcessor(**SMALL)(frames, fps=2, video_metadata=metadata)


def test_a_files_metadata_fps_is_checked_too(tmp_path):
    path = write_video(tmp_path / "clip.mp4", num_frames=16)
    with pytest.raises(ValueError, match=r"video_metadata\[1\] has fps=-25"):
        ViViTVideoProcessor(**SMALL)([path, path], fps=5, video_metadata=[None, {"fps": -25}])


@pytest.mark.parametrize("fps", [4, 4.0, np.float32(4), np.int64(4), Fraction(4)])
def test_numpy_and_python_rates_sample_by_transformers_rule(frames, fps):
    """transformers' rule: int(16 frames / 4 fps * 2) = 8 frames; a Fraction is PyAV's `stream.average_rate`."""
    out = ViViTVideoProcessor(**SMALL)(frames, fps=2, video_metadata={"fps": fps}, return_tensors="pt")
    assert out.pixel_values.shape[1] == int(16 / 4 * 2)


def test_pyavs_fraction_rate_samples_as_its_value(tmp_path, frames):
    """PyAV gives a stream's rate as a Fraction (`stream.average_rate`, 30000/1001 for NTSC): refused as "no positive
    number". It samples the frames its value samples."""
    import av

    path = write_video(tmp_path / "clip.mp4", num_frames=16, fps=24)
    with av.open(str(path)) as container:
        rate = container.streams.video[0].average_rate
    assert not isinstance(rate, (int, float))
    processor = ViViTVideoProcessor(**SMALL)
    got = processor(frames, fps=2, video_metadata={"fps": rate}, return_tensors="pt").pixel_values
    want = processor(frames, fps=2, video_metadata={"fps": float(rate)}, return_tensors="pt").pixel_values
    assert got.shape[1] == int(16 / float(rate) * 2)
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_the_metadata_of_the_video_frames_were_sampled_from_is_refused_for_fps_sampling(frames):
    """16 frames sampled from a 10 s video (transformers' `load_video(..., num_frames=16)` returns its metadata: 300
    frames at 30 fps) read that rate as theirs: fps=2 took int(16 / 30 * 2) = 1 frame of the 10 s, silently. Refused,
    with their own rate (16 frames over 10 s), which samples 2 a second of those 10 s once given."""
    processor = ViViTVideoProcessor(**SMALL)
    source = VideoMetadata(total_num_frames=300, fps=30, frames_indices=list(range(0, 300, 19))[:16])
    with pytest.raises(ValueError, match=r"describes 300 frames at 30 fps.*has 16.*video_metadata=\{'fps': 1\.6\}"):
        processor(frames, fps=1, video_metadata=source)
    got = processor(frames, fps=1, video_metadata={"fps": 1.6}, return_metadata=True, return_tensors="pt")
    assert got["video_metadata"][0].frames_indices == [0, 1, 3, 4, 6, 8, 9, 11, 12, 14]  # 10 s at 1 a second
    # metadata that counts the frames given, or gives no count, samples as before
    counted = VideoMetadata(total_num_frames=16, fps=4)
    assert processor(frames, fps=2, video_metadata=counted, return_tensors="pt").pixel_values.shape[1] == 8
    # and frames kept as given read no rate: the metadata is only reported
    assert processor(frames, video_metadata=source, return_tensors="pt").pixel_values.shape[1] == 16


def test_fetch_videos_reads_files_as_transformers_load_video_does(tmp_path):
    """transformers' `fetch_videos` (a path -> frames and `VideoMetadata`) needs torchcodec: the processor's said only
    "torchcodec is not installed" where PyAV reads the file, as its calls do. It reads them with the processor's
    decoder now, the frames and metadata transformers' `load_video(..., backend="pyav")` gives."""
    from transformers.video_utils import load_video

    path = write_video(tmp_path / "clip.mp4", num_frames=12, height=32, width=48)

    def pick(metadata, **kwargs):
        return np.linspace(0, metadata.total_num_frames - 1, 4, dtype=int)

    processor = ViViTVideoProcessor(**SMALL)
    for sample_indices_fn in (None, pick):
        expected, expected_meta = load_video(path, backend="pyav", sample_indices_fn=sample_indices_fn)
        frames, metadata = processor.fetch_videos(path, sample_indices_fn=sample_indices_fn)
        np.testing.assert_array_equal(frames, expected)
        assert (metadata.total_num_frames, metadata.fps, metadata.height, metadata.width) == (12, 25.0, 32, 48)
        assert list(metadata.frames_indices) == list(expected_meta.frames_indices)
    videos, metadata = processor.fetch_videos([path, path])
    assert len(videos) == len(metadata) == 2 and videos[1].shape == (12, 32, 48, 3)


def test_a_files_rate_given_otherwise_wins_and_is_said(tmp_path, caplog, monkeypatch):
    """The given rate wins over a file's own (docs/processor.md; a file may misstate its rate), where transformers'
    video processors decode a path with its own metadata: {"fps": 50} for a 25 fps file took every 10th frame at
    fps=5, without a word. Said now, naming both rates, once per pair; a rate within 1% (30 for 29.97) is not."""
    monkeypatch.setattr("vivit_hf.processing.video_inputs._RATES_SAID", set(), raising=False)
    path = write_video(tmp_path / "clip.mp4", num_frames=20, fps=25)
    processor = ViViTVideoProcessor(**SMALL)
    with caplog.at_level("WARNING", logger="vivit_hf.processing.processing_vivit"):
        got = processor(path, fps=5, video_metadata={"fps": 50}, return_metadata=True)["video_metadata"][0]
        assert got.frames_indices == [0, 10] and got.fps == 50  # int(20 / 50 * 5) frames: the given rate's
        processor(path, fps=5, video_metadata={"fps": 50})
        processor(path, fps=5, video_metadata={"fps": 25.2})
    said = [r.getMessage() for r in caplog.records if "video_metadata gives" in r.getMessage()]
    assert len(said) == 1 and "a frame rate of 50 fps, but its frames play at 25 fps" in said[0], said
    assert str(path) in said[0]
    # Raw streams with no rate of their own to trust, read at a guessed 25 fps and said so with how to give the rate
    # (the given 30 was said to override the file's "25 fps" and to be dropped to use it): an H.264 whose timing is a
    # clock, and an HEVC whose bitstream states no rate at all (x265's --no-vui-timing-info), which said nothing.
    # Every returned time follows the given rate: the duration was measured at the demuxer's 25 fps (0.8 s).
    for name, codec, options, tick, said in [
        ("clock.h264", "libx264", {"preset": "ultrafast"}, Fraction(1, 90000), "timing says 90000 frames a second"),
        (
            "untimed.hevc",
            "libx265",
            {"preset": "ultrafast", "x265-params": "vui-timing-info=0:log-level=error"},
            Fraction(1, 30),
            "raw HEVC stream that states no frame rate.* read at 25 fps",
        ),
    ]:
        raw = tmp_path / name
        with av.open(str(raw), "w", format=name.split(".")[1]) as container:
            stream = container.add_stream(codec, rate=30, options=options)
            # (64 x 48: x265 aborts the process at random on a 48 x 32 picture)
            stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
            stream.codec_context.time_base = tick
            for i in range(20):
                frame = av.VideoFrame.from_ndarray(np.zeros((48, 64, 3), dtype=np.uint8), format="rgb24")
                frame.pts, frame.time_base = i * int(Fraction(1, 30) / tick), tick
                container.mux(stream.encode(frame))
            container.mux(stream.encode())
        caplog.clear()
        with caplog.at_level("WARNING", logger="vivit_hf.processing.processing_vivit"):
            with pytest.warns(UserWarning, match=said):
                got = processor(raw, fps=5, video_metadata={"fps": 30}, return_metadata=True)["video_metadata"][0]
        assert got.frames_indices == [0, 6, 13]  # (int(20 / 30 * 5) frames, as transformers spreads them)
        assert (got.fps, got.duration, got.timestamps) == (30, pytest.approx(20 / 30), [0, 0.2, 13 / 30])
        assert not [r for r in caplog.records if "video_metadata gives" in r.getMessage()]
    # a given 0 is an unknown rate: the file's own is read (fps=5 refused it as having no rate; returned, 0 fps
    # divided its timestamps by 0); frames in memory have none then (None, as transformers says no clock was given)
    got = processor(path, fps=5, video_metadata={"fps": 0}, return_metadata=True)["video_metadata"][0]
    assert got.frames_indices == [0, 5, 10, 15] and got.fps == 25 and got.timestamps == [0, 0.2, 0.4, 0.6]
    frames = np.zeros((4, 8, 8, 3), dtype=np.uint8)
    assert processor(frames, video_metadata={"fps": 0}, return_metadata=True)["video_metadata"][0].fps is None


def test_a_calls_count_under_the_processors_unsampled_setting_is_said(tmp_path, caplog, monkeypatch):
    """A processor saving `do_sample_frames: false` (transformers' video processors' configs do) keeps every frame,
    as theirs; a call's `fps=5` or `num_frames=4` was dropped without a word (all 20 frames of a 25 fps file, where the
    call's `num_clips=2` is refused). Said once each now, frames kept as transformers keeps them; a call turning
    sampling off itself asked for every frame and is silent (transformers' tests pass both)."""
    from vivit_hf.processing import processing_vivit

    monkeypatch.setattr(processing_vivit, "_UNAPPLIED_WARNED", set())
    path = write_video(tmp_path / "clip.mp4", num_frames=20, fps=25)
    processor = ViViTVideoProcessor(**SMALL, do_sample_frames=False)
    with caplog.at_level("WARNING", logger="vivit_hf.processing.processing_vivit"):
        assert processor(path, fps=5, return_tensors="pt")["pixel_values"].shape[1] == 20
        processor(path, fps=5)
        assert processor(np.zeros((6, 8, 8, 3), np.uint8), num_frames=4)["pixel_values"].shape[1] == 6
        processor(path, fps=5, do_sample_frames=False)
        assert processor(path, fps=5, do_sample_frames=True)["pixel_values"].shape[1] == 4
    said = [r.getMessage() for r in caplog.records if "do_sample_frames is False" in r.getMessage()]
    assert len(said) == 2 and "got fps=5 in a call" in said[0] and "got num_frames=4 in a call" in said[1], said
    assert "Pass do_sample_frames=True with fps=5" in said[0]
