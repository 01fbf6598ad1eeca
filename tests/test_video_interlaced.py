# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Interlaced video as broadcast recordings and camcorders write it: H.264 coded as field pairs (PAFF, one packet a
field: `h264_fields`) or frames of fields (MBAFF, x264's `interlaced=1`), MPEG-2 with field DCT and motion, top or
bottom field first, in MPEG-TS, Matroska and MP4. A frame is a field pair: frame `i` is the `i`-th frame a sequential
decode gives, at its time; the rate is the frames'."""

from fractions import Fraction

import av
import numpy as np
import pytest
from h264_fields import paff_fields
from video_factory import pattern_frame

from vivit_hf.processing.random_access import field_check
from vivit_hf.processing.video_io import open_video

HEIGHT, WIDTH, COUNT, RATE = 64, 96, 24, 25
INTERLACED = {
    "x264_tff": ("libx264", {"x264-params": "interlaced=1:tff=1", "flags": "+ildct+ilme", "bf": "2", "g": "12"}),
    "x264_bff": ("libx264", {"x264-params": "interlaced=1:bff=1", "bf": "2", "g": "12"}),
    "mpeg2_tff": ("mpeg2video", {"flags": "+ilme+ildct", "top": "1", "bf": "2", "g": "12"}),
}


def encoded(path, fmt, encoder, options):
    with av.open(path, "w", format=fmt) as container:
        stream = container.add_stream(encoder, rate=RATE, options=options)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        for i in range(COUNT):
            frame = av.VideoFrame.from_ndarray(pattern_frame(i, HEIGHT, WIDTH), format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, RATE)
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return path


def paff_ts(path, slices=1):
    """A broadcast recording: each field its own PES, stamped a field (1/50 s) after the one before."""
    fields = paff_fields([pattern_frame(i, HEIGHT, WIDTH) for i in range(COUNT)], slices=slices)
    with av.open(path, "w", format="mpegts") as container:
        stream = container.add_stream("h264", rate=RATE)
        stream.width, stream.height, stream.time_base = WIDTH, HEIGHT, Fraction(1, 90000)
        for place, (data, idr) in enumerate(fields):
            packet = av.Packet(data)
            packet.pts = packet.dts = round(Fraction(place, 2 * RATE) / stream.time_base)
            packet.time_base, packet.is_keyframe, packet.stream = stream.time_base, idr, stream
            container.mux(packet)
    return path


def remuxed(source, path, fmt):
    """`ffmpeg -i source -c copy path`: the packets as the transport stream's demuxer gives them, one a field."""
    with av.open(source) as given, av.open(path, "w", format=fmt) as container:
        stream = container.add_stream_from_template(given.streams.video[0])
        for packet in given.demux(video=0):
            if packet.dts is not None:
                packet.stream = stream
                container.mux(packet)
    return path


def joined(source, path, fmt):
    """`source`'s field packets remuxed two a packet, a frame's fields together, as a muxer that joins them writes them
    (its parameter sets the transport stream's: an encoder stream would put x264's own, frames-only, in the header)."""
    with av.open(source) as given, av.open(path, "w", format=fmt) as container:
        stream = container.add_stream_from_template(given.streams.video[0])
        packets = [packet for packet in given.demux(video=0) if packet.size]
        for top, bottom in zip(packets[::2], packets[1::2]):
            packet = av.Packet(bytes(top) + bytes(bottom))
            packet.pts, packet.dts, packet.time_base = top.pts, top.dts, top.time_base
            packet.is_keyframe, packet.stream = top.is_keyframe, stream
            container.mux(packet)
    return path


def sequential(path):
    with av.open(path) as container:
        frames = list(container.decode(video=0))
    return np.stack([f.to_ndarray(format="rgb24") for f in frames]), np.array([f.time for f in frames])


def assert_reads_as_a_sequential_decode(path):
    truth, times = sequential(path)
    assert len(truth) == COUNT
    with open_video(path, backend="pyav") as reader:
        info = reader.info
        indices = [0, 1, 13, COUNT - 1, 20, 2]
        got = reader.read(indices)
        shown = reader.frame_times()
        first = reader.first_frame_seconds()
    assert (info.num_frames, info.fps, info.duration) == (COUNT, pytest.approx(RATE), pytest.approx(COUNT / RATE))
    for k, i in enumerate(indices):
        np.testing.assert_array_equal(got[k], truth[i])
    if shown is not None:  # (on the file's clock, from its first frame)
        np.testing.assert_allclose(shown - shown[0], times - times[0], atol=1e-4)
    assert first is None or first == pytest.approx(0.0, abs=1e-4)


@pytest.mark.parametrize("fmt", ["mpegts", "matroska", "mp4"])
@pytest.mark.parametrize("name", INTERLACED)
def test_interlaced_frames_read_as_a_sequential_decode(tmp_path, name, fmt):
    """Field-coded macroblocks or pictures in frames (one packet a frame): as progressive video, already."""
    encoder, options = INTERLACED[name]
    assert_reads_as_a_sequential_decode(encoded(str(tmp_path / f"{name}.{fmt}"), fmt, encoder, options))


@pytest.mark.parametrize("fmt", [None, "matroska", "mp4", "mov"])
def test_field_coded_h264_reads_a_frame_per_field_pair(tmp_path, fmt):
    """H.264 PAFF (two packets a frame) remuxed from a transport stream into Matroska or MP4 read 48 frames of 50 fps
    for 24 of 25 (each field's packet counted as a frame), and every odd index 'could not be decoded'. The transport
    stream itself read right (its table came from a decode already)."""
    source = paff_ts(str(tmp_path / "paff.ts"))
    assert_reads_as_a_sequential_decode(remuxed(source, str(tmp_path / f"paff.{fmt}"), fmt) if fmt else source)


def test_field_check_reads_field_pic_flag_and_passes_over_progressive_streams(tmp_path):
    """Each PAFF packet of a remux is a field, in two slices as broadcast encoders cut it (a field, not two); one that
    holds both fields of its frame (a muxer that joins them) is not, nor are x264's MBAFF frames (interlaced=1) and
    progressive frames."""
    source = paff_ts(str(tmp_path / "paff.ts"), slices=2)
    paff, pair = (
        remuxed(source, str(tmp_path / "paff.mp4"), "mp4"),
        joined(source, str(tmp_path / "pair.mkv"), "matroska"),
    )
    mbaff = encoded(str(tmp_path / "mbaff.mp4"), "mp4", *INTERLACED["x264_tff"])
    progressive = encoded(str(tmp_path / "progressive.ts"), "mpegts", "libx264", {"bf": "2"})
    for path, fields in ((paff, True), (pair, False), (mbaff, False), (progressive, False)):
        with av.open(path) as container:
            stream = container.streams.video[0]
            is_field = field_check("h264", stream.codec_context.extradata)
            read = {is_field(memoryview(packet)) for packet in container.demux(stream) if packet.size}
        assert read == {fields}, path
    assert_reads_as_a_sequential_decode(pair)
