# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The times of an AVI's frames where its decoder reorders them (B-frames) and its stream leaves slots empty (a
millisecond time base: a start after 0, a variable rate): the times they were written at, and those a sequential
PyAV decode gives them.

An AVI's packets fill slots in decode order; a decoder with B-frames shows each picture after later packets arrive,
so frame `i` is shown one or more slots after the one its packet fills. The references: the times each frame was
encoded at, and plain PyAV's frame times (`container.decode(video=0)`) for MPEG-4 part 2, whose pts FFmpeg guesses
right but for the last frame (put in the slot before it, shown for no time). FFmpeg's guesses for H.264 are wrong
even without B-frames (every frame a slot late; repeated times), so there only the written times are the reference."""

from fractions import Fraction

import av
import numpy as np
import pytest
from video_factory import frame_indices, pattern_frame, write_stamped

from vivit_hf.processing.sampling import fps_indices
from vivit_hf.processing.video_io import open_video

HEIGHT, WIDTH = 48, 64
ENCODERS = {
    "mpeg4": {"bf": "2", "g": "12", "qscale": "2"},
    "libx264": {"preset": "ultrafast", "x264-params": "keyint=12:min-keyint=12:scenecut=0:bframes=2:b-adapt=0"},
}
START, FRAME = 1500, 40  # milliseconds: a video starting 1.5 s in, at 25 fps
VARIABLE = [33, 50, 17, 40, 67]  # milliseconds each frame lasts, cycled


def write_avi(path, encoder: str, start: int, durations: list[int], num_frames: int = 30) -> None:
    with av.open(str(path), "w", format="avi") as container:
        stream = container.add_stream(encoder, rate=25)
        stream.width, stream.height, stream.pix_fmt, stream.options = WIDTH, HEIGHT, "yuv420p", ENCODERS[encoder]
        stream.codec_context.time_base = Fraction(1, 1000)
        t = start
        for i in range(num_frames):
            frame = av.VideoFrame.from_ndarray(pattern_frame(i, HEIGHT, WIDTH), format="rgb24")
            frame.pts, frame.time_base = t, Fraction(1, 1000)
            t += durations[i % len(durations)]
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def sequential_times(path) -> list[float]:
    with av.open(str(path)) as container:
        return [float(frame.time) for frame in container.decode(video=0)]


@pytest.mark.parametrize("encoder", ENCODERS)
def test_an_avi_with_b_frames_starting_late_times_its_frames_as_written(tmp_path, encoder):
    # Frame 0 was read at its packet's slot, 0.0 s, and frame 1 at 1.5 s: a first frame shown for 1.5 s where every
    # frame lasts 40 ms, and an average rate of 11.1 fps for 25 (then duration 2.66 s for 1.2). A timeline's windows
    # and the `fps` sampling follow these times.
    path = tmp_path / f"{encoder}.avi"
    write_avi(path, encoder, START, [FRAME])
    written = (START + FRAME * np.arange(30)) / 1000
    with open_video(path) as reader:
        assert reader.num_frames == 30
        np.testing.assert_allclose(reader.frame_times(), written, atol=1e-9)
        assert reader.first_frame_seconds() == pytest.approx(START / 1000)
        assert (reader.fps, reader.info.duration) == (pytest.approx(1000 / FRAME), pytest.approx(30 * FRAME / 1000))
        assert frame_indices(reader.read([0, 1, 29])) == [0, 1, 29]  # (frames were right: only their times moved)
    if encoder == "mpeg4":
        assert sequential_times(path)[:-1] == pytest.approx(written[:-1], abs=1e-9)


def test_a_variable_rate_mpeg4_avi_with_b_frames_times_its_frames_as_a_sequential_decode(tmp_path):
    # Every frame was read a frame early (frame 1 at frame 0's time, 33 ms too soon ...).
    path = tmp_path / "variable.avi"
    write_avi(path, "mpeg4", 0, VARIABLE)
    times = sequential_times(path)
    with open_video(path) as reader:
        assert reader.num_frames == len(times) == 30
        np.testing.assert_allclose(reader.frame_times()[:-1], times[:-1], atol=1e-9)
        assert reader.first_frame_seconds() == pytest.approx(times[0])


@pytest.mark.parametrize("num_frames", [3, 4])
def test_an_avi_of_as_few_frames_as_its_decoder_holds_back_times_its_frames_as_written(tmp_path, num_frames):
    # x264's B-pyramid holds two pictures back: its 3 frames were read at 0.0, 1.46 and 1.5 s (each at its packet's
    # slot, the first a 1.46 s frame, as in a longer file before) where they were written at 1.5, 1.54 and 1.58 s
    path = tmp_path / "short.avi"
    write_avi(path, "libx264", START, [FRAME], num_frames)
    with av.open(str(path)) as container:
        assert container.streams.video[0].codec_context.reorder_depth == 2  # (the case: as many packets after)
    with open_video(path) as reader:
        assert reader.num_frames == num_frames
        np.testing.assert_allclose(reader.frame_times(), (START + FRAME * np.arange(num_frames)) / 1000, atol=1e-9)
        assert reader.fps == pytest.approx(1000 / FRAME)


@pytest.mark.parametrize("num_frames", [10, 2])
def test_an_avi_with_b_frames_at_its_rate_shows_its_first_frame_when_a_sequential_decode_does(tmp_path, num_frames):
    # Every slot filled (a time base of a frame): frames are counted at the rate, from the first slot after the one
    # frame MPEG-4 part 2's decoder holds back, 0.04 s as FFmpeg times it (and as written: its encoder stamps 2 frames'
    # dts -1 and 0, shifted a slot by the muxer); the reader said 0.0 (a timeline's windows were labelled a frame
    # early), for 2 frames still after it was fixed for 3 and more
    path = write_stamped(tmp_path / "b.avi", "avi", "mpeg4", num_frames, ENCODERS["mpeg4"], height=HEIGHT, width=WIDTH)
    times = sequential_times(path)
    with open_video(path) as reader:
        assert reader.frame_times() is None  # (counted at the rate)
        assert reader.first_frame_seconds() == pytest.approx(times[0], abs=1e-9) == 0.04


@pytest.mark.parametrize("encoder, pix_fmt", [("mpeg4", "yuv420p"), ("mjpeg", "yuvj420p")])
def test_an_avi_that_dropped_frames_before_its_last_shows_that_last_for_one_slot(tmp_path, encoder, pix_fmt):
    # A capture at 25 fps (Xvid, a camera's MJPEG) that dropped 4 frames before its last (the muxer writes empty
    # chunks in their slots): the last frame was taken to last the 5-slot gap before it, 0.76 s for the header's
    # 0.6 s, and fps=5 read frame 6 at 0.2 s where frame 5 plays (frame 6 comes at 0.24 s). (Without B-frames: an
    # encoder's reordered dts leave no slot empty there)
    slots = [*range(10), 14]
    path = tmp_path / f"{encoder}.avi"
    write_in_slots(path, encoder, pix_fmt, slots)
    with av.open(str(path)) as container:
        header = float(container.streams.video[0].duration * container.streams.video[0].time_base)
    with open_video(path) as reader:
        times = reader.frame_times()
        np.testing.assert_allclose(times - times[0], np.array(slots) / 25, atol=1e-9)
        assert reader.last_frame_seconds() == pytest.approx(0.04)
        assert reader.info.duration == pytest.approx(header) == pytest.approx(0.6)
        picked = fps_indices(reader.num_frames, reader.fps, 5, times=times, last_seconds=reader.last_frame_seconds())
    assert picked.tolist() == [0, 5, 9]  # (on screen at 0, 0.2 and 0.4 s)


def test_an_avi_cut_short_after_dropped_frames_shows_its_last_for_one_slot(tmp_path):
    # A capture that dropped frames, then a download of it that stopped: the length FFmpeg gives its stream is no
    # end of the frames it holds, yet its last frame (slot 19) was held to there, 0.08 s for 0.04, and the cut was
    # said to leave frames that end at 0.84 s (99 frames cut to 18: held 1.24 s, said to end at 2.0 s for 0.8)
    slots = [*range(10), *range(14, 30)]
    path = tmp_path / "cut.avi"
    write_in_slots(path, "mjpeg", "yuvj420p", slots)
    with av.open(str(path)) as container:
        cut_at = next(p.pos for p in container.demux(video=0) if p.dts == 20)
    path.write_bytes(path.read_bytes()[:cut_at])
    with pytest.warns(UserWarning, match="frames end at 0.80 s"):
        reader = open_video(path)
    with reader:
        np.testing.assert_allclose(reader.frame_times(), np.array(slots[:16]) / 25, atol=1e-9)
        assert reader.last_frame_seconds() == pytest.approx(0.04)
        assert reader.info.duration == pytest.approx(0.8)


def write_in_slots(path, encoder: str, pix_fmt: str, slots: list[int]) -> None:
    """Frames at 25 fps in `slots` (the muxer writes empty chunks in those left out: frames dropped)."""
    with av.open(str(path), "w", format="avi") as container:
        stream = container.add_stream(encoder, rate=25)
        stream.width, stream.height, stream.pix_fmt, stream.options = WIDTH, HEIGHT, pix_fmt, {"qscale": "2"}
        stream.codec_context.time_base = Fraction(1, 25)
        for i, slot in enumerate(slots):
            frame = av.VideoFrame.from_ndarray(pattern_frame(i, HEIGHT, WIDTH), format="rgb24")
            frame.pts, frame.time_base = slot, Fraction(1, 25)
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
