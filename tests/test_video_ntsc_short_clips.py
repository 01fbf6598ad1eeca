# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""FLV and ASF stamp frames in milliseconds, which cannot tell 60000/1001 fps from 60 (or 120000/1001 from 120) over
a short clip: FFmpeg guesses the round rate there, and the reader reports it. What matters is that the frames are
timed and sampled as their own timestamps say: each frame's time within a millisecond (one tick) of the pts a
sequential decode gives it, and `fps` sampling picking the frames the written rate picks."""

from fractions import Fraction

import av
import numpy as np
import pytest
from video_factory import pattern_frame

from vivit_hf.processing.sampling import fps_indices
from vivit_hf.processing.video_io import open_video

TICK = 0.001  # FLV's and ASF's time base


def write(path, fmt: str, encoder: str, rate: Fraction, count: int) -> str:
    with av.open(str(path), "w", format=fmt) as container:
        stream = container.add_stream(encoder, rate=rate)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for i in range(count):
            container.mux(stream.encode(av.VideoFrame.from_ndarray(pattern_frame(i, 48, 64), format="rgb24")))
        container.mux(stream.encode())
    return str(path)


@pytest.mark.parametrize("count", [10, 61, 300])
@pytest.mark.parametrize("rate", [Fraction(60000, 1001), Fraction(120000, 1001)], ids=["59.94", "119.88"])
@pytest.mark.parametrize("fmt, encoder", [("flv", "flv"), ("asf", "wmv2")])
def test_a_short_ntsc_clip_in_millisecond_stamps_is_timed_and_sampled_as_its_frames_say(
    tmp_path, fmt, encoder, rate, count
):
    path = write(tmp_path / f"clip.{fmt}", fmt, encoder, rate, count)
    with av.open(path) as container:
        pts = np.array([frame.time for frame in container.decode(video=0)])
    with open_video(path, backend="pyav") as reader:
        fps, stamped, num_frames = reader.fps, reader.frame_times(), reader.num_frames
    assert num_frames == pts.size == count
    # (ASF's frames carry no presentation times of their own: they are counted at the rate)
    times = np.arange(count) / fps if stamped is None else stamped
    assert np.abs((times - times[0]) - (pts - pts[0])).max() <= TICK + 1e-9
    assert abs(fps - float(rate)) / float(rate) <= 0.002  # 60 for 59.94 at most: the stamps cannot tell more
    for wanted in (1, 4, 8, 12, 25, 30):
        np.testing.assert_array_equal(
            fps_indices(count, fps, wanted, times=stamped), fps_indices(count, float(rate), wanted)
        )
