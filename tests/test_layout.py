# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""What a newcomer reads to find their way in: a name used by another module is public (no leading underscore), and
`__all__` lists public names only."""

import io
from pathlib import Path

import av
from video_factory import write_video

from vivit_hf.processing import video_sources
from vivit_hf.processing.video_io import open_video

ROOT = Path(__file__).resolve().parent.parent


def test_the_source_helpers_the_readers_share_are_public(tmp_path):
    # video_pyav, video_torchcodec, video_io and processing_vivit all call them
    path = write_video(tmp_path / "clip.mp4", num_frames=4)
    resolved = video_sources.resolve_source({"path": None, "bytes": Path(path).read_bytes()})
    assert isinstance(resolved, io.BytesIO) and resolved.getvalue() == Path(path).read_bytes()
    assert video_sources.resolve_source(path) == path
    with av.open(path) as container:
        assert video_sources.is_av_container(container)
    assert not video_sources.is_av_container(path)
    assert not video_sources.is_torchcodec_decoder(path)


def test_a_readers_keyframes_are_public_and_are_the_files_keyframes(tmp_path):
    # benchmarks/processor.py counts them; a sequential decode's key-frame flags are the reference
    path = write_video(tmp_path / "clip.mp4", num_frames=24, gop=8)
    with av.open(path) as container:
        flags = [frame.key_frame for frame in container.decode(video=0)]
    with open_video(path, backend="pyav") as reader:
        assert reader.keyframe_mask.tolist() == flags
    assert sum(flags) == 3
