# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The torchcodec reader against an independent decoder (PyAV): the same frames, in presentation order, for H.264
and VP9; the last frame reads and one past it is refused.

torchcodec needs the system FFmpeg libraries. CI installs them (Debian's packages) and sets
VIVIT_REQUIRE_TORCHCODEC=1, so there these tests fail rather than skip when torchcodec does not import."""

import os

import numpy as np
import pytest
from video_factory import frame_indices, video_bytes

from vivit_hf.processing.video_io import probe, read_frames, torchcodec_available

if not torchcodec_available():
    if os.environ.get("VIVIT_REQUIRE_TORCHCODEC") == "1":
        raise RuntimeError("VIVIT_REQUIRE_TORCHCODEC=1 but torchcodec does not import (FFmpeg libraries missing?)")
    pytest.skip("torchcodec does not import here (it needs the system FFmpeg libraries)", allow_module_level=True)


@pytest.mark.parametrize("codec", ["h264", "vp9"])
def test_torchcodec_returns_the_frames_pyav_returns(codec):
    data = video_bytes(num_frames=12, height=32, width=48, codec=codec, gop=4)
    n = probe(data, backend="torchcodec").num_frames
    assert n == probe(data, backend="pyav").num_frames == 12
    wanted = [0, 5, 3, 11, 11, 7]  # out of order and repeated, as multi-clip sampling asks
    ours = read_frames(data, wanted, backend="torchcodec")
    reference = read_frames(data, wanted, backend="pyav")
    assert ours.shape == (6, 32, 48, 3) and ours.dtype == np.uint8
    assert frame_indices(ours) == frame_indices(reference) == wanted
    assert np.abs(ours.astype(int) - reference.astype(int)).mean() < 2  # the same pictures, to colour rounding


def test_torchcodec_reads_the_last_frame_and_refuses_one_past_it():
    data = video_bytes(num_frames=8, height=32, width=32, codec="h264", gop=4)
    assert frame_indices(read_frames(data, [7], backend="torchcodec")) == [7]
    with pytest.raises(ValueError, match="out of range"):
        read_frames(data, [8], backend="torchcodec")
