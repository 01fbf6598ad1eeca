# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Frames whose timestamps collide: closer together than the container's tick (1200 fps in FLV's milliseconds), or
two frames of a variable-rate recording rounded to one millisecond. The stamps then name no frame (the reader counts
frames by a decode), but sorted they are still when the frames are shown: the times, rate and duration a sequential
decode's pts give, not FFmpeg's guess at a rate."""

from fractions import Fraction

import av
import numpy as np
import pytest
from video_factory import pattern_frame

from vivit_hf.processing.video_io import open_video

HEIGHT, WIDTH, TICK = 48, 64, 0.001


def write(path, fmt: str, encoder: str, stamps: list[int], time_base: Fraction) -> str:
    """Pattern frames at `stamps` (in `time_base`), which the muxer rounds to its milliseconds."""
    with av.open(str(path), "w", format=fmt) as container:
        stream = container.add_stream(encoder, rate=30, options={"g": "12", "bf": "0"})
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.codec_context.time_base = time_base
        for i, stamp in enumerate(stamps):
            frame = av.VideoFrame.from_ndarray(pattern_frame(i, HEIGHT, WIDTH), format="rgb24")
            frame.pts, frame.time_base = stamp, time_base
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return str(path)


def sequential(path):
    with av.open(path) as container:
        frames = list(container.decode(video=0))
    with av.open(path) as container:
        stamps = [packet.pts for packet in container.demux(video=0) if packet.size]
    return np.stack([f.to_ndarray(format="rgb24") for f in frames]), np.array([f.time for f in frames]), stamps


CASES = {
    # 60 frames of a 1200 fps camera: FFmpeg's rate is capped at the time base, and read 1000 fps, 0.06 s
    "1200fps.flv": ("flv", "flv", [i * 10 for i in range(60)], Fraction(1, 12000)),
    # a 30 fps screen recording whose frames 10 and 11 came 0.25 ms apart: read at 30 fps, frame 59 at 1.967 s
    # where it is shown at 1.914 s
    "vfr.mkv": ("matroska", "libx264", [133 * i - 132 * (i > 10) for i in range(60)], Fraction(1, 4000)),
    "vfr.flv": ("flv", "flv", [133 * i - 132 * (i > 10) for i in range(60)], Fraction(1, 4000)),
}


@pytest.mark.parametrize("name", CASES)
def test_frames_whose_stamps_collide_are_timed_by_their_stamps(tmp_path, name):
    fmt, encoder, stamps, time_base = CASES[name]
    path = write(tmp_path / name, fmt, encoder, stamps, time_base)
    truth, times, packet_stamps = sequential(path)
    assert len(set(packet_stamps)) < len(packet_stamps) == len(truth) == 60  # (the muxer's milliseconds collide)
    with open_video(path, backend="pyav") as reader:
        got_times, info = reader.frame_times(), reader.info
        indices = [0, 11, 10, 37, 59]
        np.testing.assert_array_equal(reader.read(indices), truth[indices])
    assert got_times is not None
    np.testing.assert_allclose(got_times - got_times[0], times - times[0], rtol=0, atol=1e-9)
    span = times[-1] - times[0]
    assert info.fps == pytest.approx(59 / span, abs=59 / span - 59 / (span + TICK))
    # shown until the last one ends: the written frames' time to within a tick
    written = (stamps[-1] - stamps[0] + (stamps[-1] - stamps[-2])) * float(time_base)
    assert abs(info.duration - written) <= TICK + 1e-9
