# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Frame ``i`` is the ``i``-th frame a sequential decode gives, in every container and codec PyAV
writes here, with and without B-frames, open GOPs and variable frame rate.

The reference is plain PyAV (``for frame in container.decode(video=0)``), never the code under
test; every frame read by index, random subsets and the processor's clips must equal it exactly.
Frames are the factory's pattern frames, so a wrong frame also shows which frame came instead.
"""

import io
import shutil
import struct
import tempfile
import warnings
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
import torch
from conftest import BACKENDS
from video_factory import (
    frame_indices,
    pattern_frame,
    piped,
    remux,
    write_divx_packed_avi,
    write_encoded,
    write_mpeg4_with_nvops,
    write_stamped,
)

from vivit_hf import ViViTVideoProcessor
from vivit_hf.processing import video_pyav
from vivit_hf.processing.video_io import VideoDecodeError, open_video, probe, read_frames

NUM_FRAMES = 48
VFR = [4, 12, 8]  # frame durations in 1/100 s, cycled

# (container format, codec, B-frames in a row, open GOP, variable frame rate)
CASES = [
    ("avi", "h264", 0, False, False),
    ("avi", "h264", 3, False, False),
    ("avi", "h264", 3, True, False),
    ("avi", "h264", 2, False, True),
    ("avi", "mpeg4", 0, False, False),
    ("avi", "mpeg4", 2, True, False),
    ("avi", "mpeg4", 2, False, False),
    ("avi", "mpeg2", 2, False, False),
    ("avi", "mpeg2", 2, True, False),
    ("avi", "mjpeg", 0, False, False),
    ("avi", "msmpeg4", 0, False, False),
    ("matroska", "h264", 0, False, False),
    ("matroska", "h264", 3, False, False),
    ("matroska", "h264", 3, True, True),
    ("matroska", "mpeg4", 2, True, False),
    ("matroska", "hevc", 3, True, False),
    ("matroska", "vp9", 0, False, False),
    ("matroska", "av1", 0, False, False),
    ("mov", "h264", 3, False, False),
    ("mov", "mpeg4", 2, True, False),
    ("mov", "mjpeg", 0, False, False),
    ("mp4", "h264", 0, False, False),
    ("mp4", "h264", 3, False, False),
    ("mp4", "h264", 3, True, False),
    ("mp4", "h264", 3, False, True),
    ("mp4", "mpeg4", 2, True, False),
    ("mp4", "hevc", 3, False, False),
    ("webm", "vp9", 0, False, False),
    ("webm", "vp9", 0, False, True),
    ("webm", "vp8", 0, False, False),
    ("webm", "av1", 0, False, False),
    ("flv", "h264", 3, False, False),
    ("flv", "h264", 2, False, True),
    ("flv", "flv1", 0, False, False),
    ("3gp", "h264", 3, False, False),
    ("3gp", "mpeg4", 2, True, False),
    ("3gp", "h263", 0, False, False),
    ("asf", "h264", 0, False, False),
    ("asf", "h264", 3, False, False),
    ("asf", "mpeg4", 2, True, False),
    ("asf", "wmv2", 0, False, False),
    ("asf", "msmpeg4", 0, False, False),
    ("mpegts", "h264", 3, False, False),
    ("mpegts", "mpeg2", 2, True, False),
    ("mpeg", "mpeg2", 2, True, False),
    ("mxf", "mpeg2", 2, True, False),
    ("nut", "h264", 3, False, False),
    ("h264", "h264", 3, False, False),
    ("m4v", "mpeg4", 2, True, False),  # raw streams: no timestamps stored
]


def case_id(case):
    fmt, codec, bframes, open_gop, vfr = case
    flags = (f"-bf{bframes}" if bframes else "") + ("-opengop" if open_gop else "") + ("-vfr" if vfr else "")
    return f"{fmt}-{codec}{flags}"


def sequential_decode(path) -> np.ndarray:
    """Every frame, in the order plain PyAV decodes them: the definition of frame ``i``."""
    with av.open(str(path)) as container:
        return np.stack([frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)])


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    root = tmp_path_factory.mktemp("containers")
    cache = {}

    def get(case):
        if case not in cache:
            fmt, codec, bframes, open_gop, vfr = case
            path = root / f"{case_id(case)}.{fmt}"
            try:
                write_encoded(
                    path,
                    fmt,
                    codec,
                    NUM_FRAMES,
                    bframes=bframes,
                    open_gop=open_gop,
                    frame_durations=VFR if vfr else None,
                )
            except (av.FFmpegError, ValueError) as e:  # an encoder or muxer this PyAV build lacks
                cache[case] = e
            else:
                cache[case] = (str(path), sequential_decode(path))
        if isinstance(cache[case], Exception):
            pytest.skip(f"PyAV cannot write {case_id(case)} here: {cache[case]}")
        return cache[case]

    return get


def assert_frames_equal(got: np.ndarray, truth: np.ndarray, indices) -> None:
    indices = list(indices)
    bad = [k for k, i in enumerate(indices) if not np.array_equal(got[k], truth[i])]
    assert not bad, (
        f"frames {[indices[k] for k in bad][:10]} differ from a sequential decode "
        f"(they show frames {[frame_indices(got[k : k + 1])[0] for k in bad][:10]})"
    )


def check_every_access_path(path: str, truth: np.ndarray, backend: str = "pyav", near=None) -> None:
    """Frames read alone (one seek each), all of them backwards, random subsets and the processor's clips, each
    equal to `truth`. A reader other than PyAV can give pictures a few levels off PyAV's (another FFmpeg's scaler):
    `near(got, truth, indices)` checks those, unless the reader handed the file to PyAV, which must then match."""
    n = len(truth)
    with open_video(path, backend=backend) as reader:
        assert reader.num_frames == n
        singles = np.stack([reader.read([i])[0] for i in range(n)])
        read_by = reader.backend
    check = assert_frames_equal if read_by == "pyav" or near is None else near
    check(singles, truth, range(n))
    check(read_frames(path, range(n - 1, -1, -1), backend=backend), truth, range(n - 1, -1, -1))
    rng = np.random.default_rng(0)
    for _ in range(4):
        subset = rng.choice(n, size=int(rng.integers(1, 12))).tolist()
        check(read_frames(path, subset, backend=backend), truth, subset)
    processor = ViViTVideoProcessor(
        num_frames=8,
        frame_stride=2,
        num_clips=3,
        do_resize=False,
        do_center_crop=False,
        do_rescale=False,
        do_normalize=False,
        decode_backend=backend,
    )
    out = processor(path, return_tensors="pt", return_metadata=True)
    assert out["video_metadata"][0]["video_backend"] == read_by
    clips = out["video_metadata"][0]["clip_frames_indices"]
    for clip, pixels in zip(clips, out["pixel_values"]):
        check(pixels.permute(0, 2, 3, 1).round().to(torch.uint8).numpy(), truth, clip)


def check_reads(path: str, truth: np.ndarray, backend: str) -> None:
    """Every access path through PyAV; or every frame at once asked of torchcodec (which reads the file itself or
    hands it to PyAV): the same frames either way."""
    if backend == "pyav":
        check_every_access_path(path, truth)
    else:
        assert_frames_equal(read_frames(path, range(len(truth)), backend=backend), truth, range(len(truth)))


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_frames_by_index_equal_a_sequential_decode(written, case):
    path, truth = written(case)
    assert frame_indices(truth) == list(range(NUM_FRAMES))  # the file holds every frame that was encoded
    check_every_access_path(path, truth)


def test_divx_packed_bitstream_avi_equals_a_sequential_decode(tmp_path):
    # UCF101 / HMDB51 style: B-VOPs packed into the P-VOP's chunk, N-VOPs in their slots; the
    # demuxer's guessed timestamps put every frame after a packed pair one slot off.
    path = write_divx_packed_avi(tmp_path / "xvid.avi", num_frames=36)
    truth = sequential_decode(path)
    assert frame_indices(truth) == list(range(36))
    check_every_access_path(path, truth)


@pytest.mark.parametrize("fmt", ["matroska", "mp4", "mov"])
def test_packed_bitstream_remuxed_into_a_timed_container_equals_a_sequential_decode(tmp_path, fmt):
    """`ffmpeg -i ucf101.avi -c copy a.mkv` keeps the packed pairs and their N-VOP placeholders: the timestamps then
    name packets, not the pictures a decoder gives (frames read one off, some not at all)."""
    path = remux(write_divx_packed_avi(tmp_path / "xvid.avi", num_frames=36), tmp_path / f"copy.{fmt}", fmt)
    truth = sequential_decode(path)
    assert frame_indices(truth) == list(range(36))
    check_every_access_path(path, truth)


@pytest.mark.parametrize("fmt", ["matroska", "mp4"])
def test_mpeg4_not_coded_packets_are_no_frames(tmp_path, fmt):
    """N-VOPs decode to no picture: 24 pictures in 28 packets are 24 frames, each where a sequential decode has it."""
    path = write_mpeg4_with_nvops(tmp_path / f"nvop.{fmt}", fmt, num_frames=24, every=5)
    truth = sequential_decode(path)
    assert frame_indices(truth) == list(range(24))
    check_every_access_path(path, truth)


def write_pattern(
    path,
    fmt: str,
    codec: str = "libx264",
    num_frames: int = 36,
    gop: int | None = None,
    bframes: int = 0,
    pix_fmt: str = "yuv420p",
    first: int = 0,
    clock: int | None = None,
) -> str:
    """Pattern frames `first`, `first + 1`, ... at 25 fps, 64 x 48 (`video_factory.write_stamped`). `gop`: a
    keyframe every `gop` frames and `bframes` B-frames (else the codec's defaults: x264's allow 3 B-frames);
    `clock`: the first frame's time in 90 kHz ticks (else 0, in 1/25 s)."""
    if codec == "libx264":
        params = {} if gop is None else {"x264-params": f"keyint={gop}:min-keyint={gop}:scenecut=0:bframes={bframes}"}
        options = {"preset": "veryfast", **params}
    else:
        options = {} if gop is None else {"g": str(gop), "bf": str(bframes)}
    time_base = Fraction(1, 25) if clock is None else Fraction(1, 90000)
    return write_stamped(
        path, fmt, codec, num_frames, options, time_base=time_base, first=clock or 0, pix_fmt=pix_fmt, first_label=first
    )


@pytest.mark.parametrize(
    "second_clock", [-9 * 90000, 45000, 100 * 90000, -100 * 90000], ids=["behind", "interleaved", "ahead", "far-behind"]
)
def test_joined_transport_streams_whose_clock_jumps_read_as_a_sequential_decode(tmp_path, second_clock):
    """`cat a.ts b.ts` (HLS segments, camera clips, a clock reset) where b's clock starts 9 s before a's or half-way
    through a's: sorted, the timestamps refused every frame, or mixed the two parts' frames silently. Or 100 s after
    a's, or 100 s before (which FFmpeg reads as 2^33 ticks after: a 33-bit wrap): timed by the stamps, the 48 frames
    read 0.47 fps over 101.0 s, and 0.0005 fps over 26.5 hours (the ffmpeg command line joins the parts up where its
    clock jumps ahead by more than 10 s, as it does where it goes back)."""
    start = 200 * 90000
    joined = tmp_path / "joined.ts"
    joined.write_bytes(
        Path(write_pattern(tmp_path / "a.ts", "mpegts", num_frames=24, gop=12, bframes=2, clock=start)).read_bytes()
        + Path(
            write_pattern(
                tmp_path / "b.ts", "mpegts", num_frames=24, gop=12, bframes=2, first=24, clock=start + second_clock
            )
        ).read_bytes()
    )
    truth = sequential_decode(joined)
    assert frame_indices(truth) == list(range(48))
    check_every_access_path(str(joined), truth)
    assert probe(joined).fps == pytest.approx(25)


@pytest.mark.parametrize(
    "first, step, count", [(2**33 - 90000, 3600, 40), (90000, 12 * 90000, 10)], ids=["33-bit-wrap", "time-lapse"]
)
def test_a_transport_stream_whose_clock_runs_on_is_one_part_timed_by_its_frames(tmp_path, first, step, count):
    """A capture crossing its 33-bit clock's wrap (FFmpeg unwraps it: one clock) and a time-lapse of a frame every 12 s
    are no joined files (a clock jump is 10 s more than the usual step, as ffmpeg's `-dts_delta_threshold`): measured
    from the packet before, the time-lapse read as 10 parts, its frames' times lost (None)."""
    path = tmp_path / "clock.ts"
    with av.open(str(path), "w", format="mpegts") as container:
        stream = container.add_stream("libx264", rate=25, options={"preset": "veryfast", "bf": "0"})
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        stream.codec_context.time_base = Fraction(1, 90000)
        for i in range(count):
            frame = av.VideoFrame.from_ndarray(pattern_frame(i, 48, 64), format="rgb24")
            frame.pts, frame.time_base = first + i * step, Fraction(1, 90000)
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    with av.open(str(path)) as container:  # a sequential decode's times: one clock
        times = [frame.time for frame in container.decode(video=0)]
    assert np.diff(times) == pytest.approx(step / 90000)
    truth = sequential_decode(path)
    assert frame_indices(truth) == list(range(count))
    with open_video(str(path)) as reader:
        assert reader.frame_times() == pytest.approx(times)
        assert (reader.info.fps, reader.info.duration) == pytest.approx((90000 / step, count * step / 90000))
        assert_frames_equal(reader.read([count - 1, 0, count // 2]), truth, [count - 1, 0, count // 2])


@pytest.mark.parametrize("fmt", ["mpegts", "mpeg"])
def test_joined_parts_of_other_frame_rates_last_as_long_as_they_play_one_after_the_other(tmp_path, monkeypatch, fmt):
    """`cat a.ts b.ts` of a 25 fps part (24 frames, 0.96 s) and a 50 fps one (12 frames, 0.24 s) whose clock starts
    again: the parts' stamps sorted together timed the file as one part, 36 frames lasting 1.44 s at 25 fps (MPEG-TS)
    or 1.19 s (MPEG-PS) for 1.2 s, and so `fps` sampling. The file plays 1.2 s, 30 frames a second."""
    parts = []
    for k, (rate, count) in enumerate([(25, 24), (50, 12)]):
        part = tmp_path / f"{k}.{fmt}"
        with av.open(str(part), "w", format=fmt) as container:
            stream = container.add_stream("mpeg2video", rate=rate, options={"g": "6", "bf": "2"})
            stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
            for i in range(count):
                frame = av.VideoFrame.from_ndarray(pattern_frame(24 * k + i, 48, 64), format="rgb24")
                frame.pts, frame.time_base = i, Fraction(1, rate)
                container.mux(stream.encode(frame))
            container.mux(stream.encode())
        parts.append(part.read_bytes())
    joined = tmp_path / f"joined.{fmt}"
    joined.write_bytes(b"".join(parts))
    with av.open(str(joined)) as container:  # the premise: a sequential decode's clock starts again with part 2
        times = [frame.time for frame in container.decode(video=0)]
    assert len(times) == 36 and times[24] < times[23]
    assert np.diff(times[:24]) == pytest.approx(0.04) and np.diff(times[24:]) == pytest.approx(0.02)
    worked_out = []  # (once an open file: a pass over every packet, which `fps` asked for each time, 46 ms for 180 000)
    monkeypatch.setattr(
        video_pyav, "joined_seconds", lambda *a, work=video_pyav.joined_seconds: worked_out.append(a) or work(*a)
    )
    info = probe(joined)
    assert (info.num_frames, info.duration, info.fps) == pytest.approx((36, 1.2, 30))
    assert len(worked_out) == 1
    processor = ViViTVideoProcessor(do_resize=False, do_center_crop=False)
    sampled = processor.raw_views(str(joined), fps=5, return_metadata=True)["video_metadata"][0].frames_indices
    assert list(sampled) == [0, 6, 12, 18, 24, 30]  # 5 a second of 1.2 s (by index: the parts' times are not read)


@pytest.mark.parametrize(
    "codec, fmt", [("mpeg2video", "mpegts"), ("mpeg2video", "matroska"), ("mpeg4", "matroska"), ("mpeg1video", "mp4")]
)
def test_a_file_cut_at_an_open_gops_keyframe_reads_as_a_sequential_decode(tmp_path, codec, fmt):
    """Cut at its second keyframe (a broadcast recording, an HLS segment): the B-frames after that keyframe in decode
    order but shown before it reference the GOP the file lacks, and MPEG-1/2 and MPEG-4 part 2 decoders drop them.
    Counted as frames, they shifted every later index by two, silently."""
    write_pattern(tmp_path / "whole.ts", "mpegts", codec, num_frames=48, gop=12, bframes=2)  # open GOPs (FFmpeg's)
    path = remux(tmp_path / "whole.ts", tmp_path / f"cut.{fmt}", fmt, from_keyframe=1)
    truth = sequential_decode(path)
    first = frame_indices(truth)[0]  # the keyframe's, 12 (the B-frames were dropped); 13 in mp4 (its edit list)
    assert first >= 12 and frame_indices(truth) == list(range(first, 48))
    check_every_access_path(path, truth)


@pytest.mark.parametrize(
    "codec, fmt, flags",
    [
        ("mpeg4", "mp4", "all"),
        ("mpeg4", "mp4", "first"),
        ("libx264", "matroska", "first"),
        ("mpeg2video", "mp4", "all"),
    ],
)
def test_keyframe_flags_a_muxer_got_wrong_read_as_a_sequential_decode(tmp_path, codec, fmt, flags):
    """ "all": every packet flagged a keyframe (an mp4 without a sync-sample table): reads started at P-frames and
    gave pictures decoded without their references, silently. "first": the first keyframe not flagged: its GOP was
    dropped as frames before the first keyframe (every index shifted), or refused."""
    source = write_pattern(tmp_path / "source.mkv", "matroska", codec, gop=12)
    path = tmp_path / f"flagged.{fmt}"
    with av.open(source) as src, av.open(str(path), "w", format=fmt) as out:
        stream = src.streams.video[0]
        copy = out.add_stream_from_template(stream)
        for k, packet in enumerate(p for p in src.demux(stream) if p.size):
            packet.is_keyframe = True if flags == "all" else (packet.is_keyframe and k > 0)
            packet.stream = copy
            out.mux(packet)
    truth = sequential_decode(path)
    assert frame_indices(truth) == list(range(36))
    check_every_access_path(str(path), truth)


def test_a_transport_stream_cut_mid_gop_shows_the_frames_its_decoder_shows(tmp_path):
    """MPEG-4 part 2 decodes the P-frames before the first keyframe from grey (a sequential decode shows them), where
    H.264 and MPEG-2 drop them: dropped here too, the table was two frames short and every index two off."""
    data = Path(write_pattern(tmp_path / "whole.ts", "mpegts", "mpeg4", num_frames=48, gop=12)).read_bytes()
    path = tmp_path / "cut.ts"
    path.write_bytes(data[len(data) // 4 // 188 * 188 :])  # a quarter in, on a TS packet's boundary
    truth = sequential_decode(path)
    assert len(truth) == 38 and frame_indices(truth)[2:] == list(range(12, 48))  # 2 grey-based frames, then 12...
    check_every_access_path(str(path), truth)


@pytest.mark.parametrize("codec, fmt", [("libvpx", "webm"), ("libvpx-vp9", "webm"), ("libvpx-vp9", "matroska")])
@pytest.mark.parametrize("backend", BACKENDS)
def test_a_vp8_or_vp9_file_cut_mid_gop_starts_at_its_first_keyframe(tmp_path, codec, fmt, backend):
    """A WebM whose first packets are inter frames (a recording cut mid-GOP): the decoder refuses them, and the
    ffmpeg command line passes over them to the keyframe. The file read as "has no frames"; now as that decode."""
    options = {"g": "12", "deadline": "realtime", "cpu-used": "8"}
    source = write_stamped(tmp_path / "source.webm", "webm", codec, 36, options)
    path = tmp_path / f"cut.{fmt}"
    with av.open(source) as src, av.open(str(path), "w", format=fmt) as out:
        copy = out.add_stream_from_template(src.streams.video[0])
        for packet in [p for p in src.demux(video=0) if p.size][5:]:  # from the 6th packet: 7 before the keyframe
            packet.stream = copy
            out.mux(packet)
    frames = []
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        for packet in container.demux(stream):
            try:
                frames += stream.codec_context.decode(packet if packet.size else None)
            except av.InvalidDataError:  # as the ffmpeg command line, which passes over a packet its decoder refuses
                pass
    truth = np.stack([frame.to_ndarray(format="rgb24") for frame in frames])
    assert frame_indices(truth) == list(range(12, 36))
    check_reads(str(path), truth, backend)


@pytest.mark.parametrize("fmt", ["webm", "ivf", "avi"])
@pytest.mark.parametrize("backend", BACKENDS)
def test_vp8_frames_its_decoder_does_not_show_are_not_frames(tmp_path, fmt, backend):
    """VP8 alt-ref frames (vpxenc's two-pass encodes) are packets of their own, stamped a tick after the frame before
    them, whose decoder shows no picture (their frame tag's show_frame bit is clear); here an unshown copy of the
    keyframes 8 and 16. Counted as frames, 24 read as 26: frames 8 and 17 "could not be decoded" and every frame
    between and after them came from one or two frames earlier (frame 20 gave frame 18), silently."""
    options = {"g": "8", "deadline": "realtime", "cpu-used": "8"}
    source = write_stamped(tmp_path / "source.webm", "webm", "libvpx", 24, options, Fraction(1, 1000))
    path = tmp_path / f"alt_ref.{fmt}"
    with av.open(source) as src, av.open(str(path), "w", format=fmt) as out:
        copy = out.add_stream_from_template(src.streams.video[0])
        copy.time_base = Fraction(1, 1000)
        for k, packet in enumerate(p for p in src.demux(video=0) if p.size):
            if k in (8, 16):
                tag = bytearray(bytes(packet))
                tag[0] &= 0xEF  # show_frame = 0
                hidden = av.Packet(bytes(tag))
                hidden.pts = hidden.dts = (k - 1) * 40 + 1
                hidden.time_base, hidden.stream, hidden.is_keyframe = Fraction(1, 1000), copy, True
                out.mux(hidden)
            packet.stream = copy
            out.mux(packet)
    truth = sequential_decode(path)
    assert frame_indices(truth) == list(range(24))
    check_reads(str(path), truth, backend)


def sequential_decode_on_one_thread(path) -> np.ndarray:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "NONE"
        return np.stack([frame.to_ndarray(format="rgb24") for frame in container.decode(stream)])


@pytest.mark.parametrize("damaged", ["keyframe", "p_frame"])
def test_a_damaged_h264_packet_reads_the_same_every_time_as_a_one_thread_decode(tmp_path, damaged):
    """A third of one packet zeroed (bit rot, lost TS packets): FFmpeg's frame threads conceal the damage differently
    from run to run (reading every frame twice gave frames up to 69 grey levels apart). A read that keeps a frame
    flagged damaged reads again on one thread: the same frames every time, those of a one-thread sequential decode."""
    rng = np.random.default_rng(0)
    base = rng.integers(0, 256, (96, 128, 3), dtype=np.uint8)
    path = tmp_path / "damaged.mkv"
    with av.open(str(path), "w", format="matroska") as container:
        stream = container.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 128, 96, "yuv420p"
        stream.options = {"preset": "veryfast", "x264-params": "bframes=3:keyint=12:min-keyint=12:scenecut=0"}
        for i in range(48):
            picture = np.roll(base, 3 * i, axis=1)
            picture[:24, :32] = (i * 37) % 256
            frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, 25)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    with av.open(str(path)) as container:
        packets = [(p.pos, p.size, p.is_keyframe) for p in container.demux(video=0) if p.size]
    keyframes, others = [p for p in packets if p[2]], [p for p in packets if not p[2]]
    position, size, _ = keyframes[2] if damaged == "keyframe" else others[len(others) // 2]
    data = bytearray(path.read_bytes())
    data[position + size // 3 : position + 2 * size // 3] = bytes(2 * size // 3 - size // 3)
    path.write_bytes(bytes(data))
    truth = sequential_decode_on_one_thread(path)
    reads = [read_frames(path, range(len(truth))) for _ in range(3)]
    for read in reads:
        assert_frames_equal(read, truth, range(len(truth)))


def test_a_one_frame_flv_encoded_with_b_frames_allowed_reads_its_frame(tmp_path):
    """Its table comes from a decode at open (the stream says it may reorder, and its one pts equals its dts), and
    FFmpeg's seek to the start of a one-packet FLV lands past its only packet: it read as "has no frames"."""
    path = write_pattern(tmp_path / "one.flv", "flv", num_frames=1)
    truth = sequential_decode(path)
    assert frame_indices(truth) == [0]
    assert probe(path).num_frames == 1
    assert_frames_equal(read_frames(path, [0, 0]), truth, [0, 0])
    processor = ViViTVideoProcessor(num_frames=2, do_resize=False, do_center_crop=False, do_rescale=False)
    pixels = processor(path, short_video="loop", do_normalize=False, return_tensors="pt")["pixel_values"][0]
    assert_frames_equal(pixels.permute(0, 2, 3, 1).round().to(torch.uint8).numpy(), truth, [0, 0])


@pytest.mark.parametrize("read_before", [0, 1])
def test_a_one_frame_flv_passed_as_a_pyav_container_reads_its_frame(tmp_path, read_before):
    """The seek to the start of a one-packet FLV lands past its packet: a path reopens the file, but a PyAV container
    the caller passed (fresh, or decoded from) read as "has no frames". It now reads through a container of its own
    on the same file, or on a copy of its bytes (one on bytes, or on another file object, was refused); one on a file
    object that cannot seek (a pipe) is refused naming the fix."""
    path = write_pattern(tmp_path / "one.flv", "flv", num_frames=1)
    truth = sequential_decode(path)
    data = Path(path).read_bytes()
    for source in (path, io.BytesIO(data), io.BufferedReader(io.BytesIO(data))):
        with av.open(source) as container:
            for _, _frame in zip(range(read_before), container.decode(video=0)):
                pass
            assert_frames_equal(read_frames(container, [0, 0]), truth, [0, 0])
    with av.open(piped(data)) as container:  # (named as what it is: it was "Video '3'", PyAV's name for it)
        with pytest.raises(VideoDecodeError, match=r"^Video <a pipe, file descriptor \d+> cannot seek back to its st"):
            read_frames(container, [0])


@pytest.mark.parametrize("fmt", ["mpegts", "mp4", "matroska"])
def test_a_one_frame_video_reports_its_stream_rate(tmp_path, fmt):
    """One frame has no span of timestamps to measure the rate by: the stream's own rate, 25 fps, not H.264's field
    rate (FFmpeg's guessed rate for a one-frame MPEG-TS is 50: duration 0.02 s)."""
    info = probe(write_pattern(tmp_path / f"one.{fmt}", fmt, num_frames=1))
    assert (info.num_frames, info.fps, info.duration) == (1, 25.0, pytest.approx(0.04))


@pytest.mark.parametrize(
    "fmt, encoder, options, rate",
    [
        ("h264", "libx264", {"preset": "ultrafast", "x264-params": "keyint=8:bframes=2"}, Fraction(30)),
        ("hevc", "libx265", {"preset": "ultrafast", "x265-params": "keyint=8:log-level=error"}, Fraction(24000, 1001)),
        # a high-speed camera's 1000 fps: x264 flags a fixed rate (its CLI, force-cfr), x265 writes the rate it is
        # given; both were read at 25 fps as if their timing were an encoder's time base (see the test below)
        ("h264", "libx264", {"preset": "ultrafast", "x264-params": "force-cfr=1"}, Fraction(1000)),
        ("hevc", "libx265", {"preset": "ultrafast", "x265-params": "log-level=error"}, Fraction(1000)),
    ],
)
def test_a_raw_stream_reports_the_rate_its_bitstream_says(tmp_path, fmt, encoder, options, rate):
    """A raw elementary stream (a camera's `.h264` dump) stores no times; its demuxer's average rate is its `framerate`
    option, 25 whatever the stream holds: 30 fps H.264 read as 25 fps, 12 frames as 0.48 s for 0.4 s. FFmpeg times
    the packets by the rate in the bitstream (H.264 / HEVC VUI timing), and so does the reader, without a word."""
    path = tmp_path / f"clip.{fmt}"
    with av.open(str(path), "w", format=fmt) as container:
        stream = container.add_stream(encoder, rate=rate, options=options)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for i in range(12):
            frame = av.VideoFrame.from_ndarray(pattern_frame(i, 48, 64), format="rgb24")
            frame.pts, frame.time_base = i, 1 / rate
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    with av.open(str(path)) as container:  # FFmpeg's own timing of the stream: each packet's duration
        stream = container.streams.video[0]
        durations = {packet.duration * stream.time_base for packet in container.demux(stream) if packet.size}
    # (FFmpeg times no packet by a codec's rate of 1000 or more: 0 each, its guard against a clock read as a rate)
    assert durations == {1 / rate if rate < 1000 else 0}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        info = probe(path)
    assert (info.num_frames, info.fps, info.duration) == (12, pytest.approx(float(rate)), pytest.approx(12 / rate))


@pytest.mark.parametrize("clock", [90000, 1000])
def test_a_raw_h264_stream_whose_timing_is_its_encoders_time_base_reads_at_its_demuxers_rate_and_says_so(
    tmp_path, clock
):
    """x264 writes the time base it is given into the VUI timing: 30 frames of 30 fps stamped in 1/90000 s (or
    milliseconds, a camera's stamps) read 90000 (1000) fps, lasting 0.0003 s (0.03 s), and fps=5 took 1 frame. Such a
    clock is no rate; nothing in the file tells the rate (nor that it is a clock: a 1000 fps stream from FFmpeg's
    libx264 has the same header), so the demuxer's (FFmpeg's default 25) is read, said once."""
    path = tmp_path / "clip.h264"
    with av.open(str(path), "w", format="h264") as container:
        stream = container.add_stream("libx264", rate=30, options={"preset": "ultrafast"})
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        stream.codec_context.time_base = Fraction(1, clock)
        for i in range(30):
            frame = av.VideoFrame.from_ndarray(pattern_frame(i, 48, 64), format="rgb24")
            frame.pts, frame.time_base = i * clock // 30, Fraction(1, clock)
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    with av.open(str(path)) as container:  # FFmpeg's own: the clock as the codec's rate, its default 25 as the average
        stream = container.streams.video[0]
        assert (stream.codec_context.framerate, stream.average_rate) == (clock, 25)
    with pytest.warns(UserWarning, match=f"raw H.264 stream whose timing says {clock} frames a second") as said:
        with open_video(path) as reader:
            assert (reader.num_frames, reader.fps, reader.info.duration) == (30, 25.0, pytest.approx(1.2))
            assert frame_indices(reader.read([0, 29])) == [0, 29]
    assert len(said) == 1 and "video_metadata={'fps': ...}" in str(said[0].message)


def test_a_one_frame_raw_mpeg4_stream_on_an_ntsc_clock_reads_its_demuxers_rate_and_says_so(tmp_path):
    """A raw MPEG-4 part 2 stream (.m4v) states its VOL's clock, not a rate (FFmpeg's encoder sets no fixed VOP
    rate): 30000 ticks a second for 30000/1001 fps. Two frames or more are timed by their VOPs' step; one has none,
    and read 30000 fps, its frame lasting 0.00003 s. The demuxer's 25 fps is read, said once, as a raw H.264 clock."""
    path = tmp_path / "one.m4v"
    with av.open(str(path), "w", format="m4v") as container:
        stream = container.add_stream("mpeg4", rate=Fraction(30000, 1001))
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        container.mux(stream.encode(av.VideoFrame.from_ndarray(pattern_frame(0, 48, 64), format="rgb24")))
        container.mux(stream.encode())
    with av.open(str(path)) as container:  # FFmpeg's own: the clock as the codec's rate, its default 25 as the average
        stream = container.streams.video[0]
        assert (stream.codec_context.framerate, stream.average_rate) == (30000, 25)
    with pytest.warns(
        UserWarning, match="raw MPEG-4 part 2 stream of one frame: its header states a clock of 30000"
    ) as said:
        with open_video(path) as reader:
            assert (reader.num_frames, reader.fps, reader.info.duration) == (1, 25.0, pytest.approx(0.04))
            assert frame_indices(reader.read([0, 0])) == [0, 0]
            assert reader.fps_guessed
    assert len(said) == 1 and "video_metadata={'fps': ...}" in str(said[0].message)


def test_a_raw_h263_stream_reads_as_a_sequential_decode(tmp_path):
    """A raw H.263 stream (`.h263`, as video-phone and old 3GPP tools dump it) stores no times: its parser makes them
    up, frames 1/25 s apart read from the start and 1/29.97 s after a seek back there, so no packet but the first
    had the name the frame table gave it, and every frame but the first "could not be decoded"."""
    path = write_stamped(tmp_path / "clip.h263", "h263", "h263", 24, {"g": "12"}, height=96, width=128)
    truth = sequential_decode(path)
    assert frame_indices(truth) == list(range(24))
    check_every_access_path(path, truth)


@pytest.mark.parametrize(
    ("codec", "rate", "size"),
    [
        ("h263", 15, (96, 128)),
        ("h263", Fraction(24000, 1001), (96, 128)),
        ("h263p", 12, (96, 128)),  # H.263+: a custom clock (1800000/127127 Hz, the nearest to 12) and 10-bit TR
        ("h261", 15, (144, 176)),
    ],
)
def test_a_raw_h263_stream_is_timed_by_its_temporal_references(tmp_path, monkeypatch, codec, rate, size):
    """A raw H.263 / H.261 stream's only times are its pictures' temporal references on the picture clock (30000/1001
    Hz; FFmpeg's encoder at 15 fps steps 1, 2, 2, ...); FFmpeg's raw demuxer stamps H.263's first packets at its
    default 25 fps and the rest at 29.97, so every rate read 28.48 fps and 20 frames 0.70 s (15 fps: 1.33 s), and
    H.261 at 15 fps read 29.97 fps."""
    encoder = av.CodecContext.create(codec, "w")
    encoder.height, encoder.width = size
    encoder.pix_fmt, encoder.time_base, encoder.framerate = "yuv420p", 1 / Fraction(rate), Fraction(rate)
    packets = []  # a raw stream is its packets, one after another (what FFmpeg's h263 / h261 muxers write)
    for i in range(12):
        frame = av.VideoFrame.from_ndarray(pattern_frame(i, *size), format="rgb24").reformat(format="yuv420p")
        frame.pts = i
        packets += [bytes(packet) for packet in encoder.encode(frame)]
    packets += [bytes(packet) for packet in encoder.encode(None)]
    path = tmp_path / ("clip.h261" if codec == "h261" else "clip.h263")
    path.write_bytes(b"".join(packets))
    worked_out = []  # (the rate is worked out once an open file: a pass over every picture, 0.6 s for 18 000 frames)
    monkeypatch.setattr(
        video_pyav, "picture_clock_rate", lambda h, work=video_pyav.picture_clock_rate: worked_out.append(h) or work(h)
    )
    info = probe(path)
    assert (info.num_frames, info.fps, info.duration) == (12, pytest.approx(float(rate)), pytest.approx(12 / rate))
    assert len(worked_out) == 1
    # cut 4 bytes into its last picture (a download stopped): no frame for that header, the rest timed the same way
    cut = probe(b"".join(packets[:-1]) + packets[-1][:4])
    assert cut.fps == pytest.approx(float(rate))


def restamped(source, path, fmt: str, stamps: dict[int, Fraction]) -> str:
    """A copy of `source` whose packet `k` is stamped `stamps[k]` seconds, its dts kept: a camera's or a screen
    recorder's clock that glitched."""
    with av.open(str(source)) as src, av.open(str(path), "w", format=fmt) as out:
        copy = out.add_stream_from_template(src.streams.video[0])
        for k, packet in enumerate(p for p in src.demux(video=0) if p.size):
            packet.pts = int(stamps[k] / packet.time_base) if k in stamps else packet.pts
            packet.stream = copy
            out.mux(packet)
    return str(path)


NEVER_REORDERING = {
    "mjpeg": {"g": "8"},
    "libvpx-vp9": {"g": "8", "deadline": "realtime", "cpu-used": "8"},
    "libx264": {"preset": "ultrafast", "x264-params": "keyint=8:scenecut=0:bframes=0"},  # no B-frames
}


@pytest.mark.parametrize("fmt", ["mp4", "matroska"])
@pytest.mark.parametrize("codec", NEVER_REORDERING)
@pytest.mark.parametrize("backend", BACKENDS)
def test_pts_that_go_back_in_a_stream_that_never_reorders_read_in_decode_order(tmp_path, codec, fmt, backend):
    """Packet 10 of 24 stamped 0.54 s, between packets 13 and 14: a decoder that never reorders still shows it 10th
    (a sequential decode gives frames 0, 1, ... 23). Sorted by pts, an MJPEG mp4 read frames 11, 12, 13, 10 for
    10 to 13 and an H.264 mp4 frame 10 for 13, silently; the others refused frame 10 ("could not be decoded").
    (The MOV demuxer takes the glitch for B-frames: H.264's own bitstream says it has none.)"""
    pix_fmt = "yuvj420p" if codec == "mjpeg" else "yuv420p"
    options = NEVER_REORDERING[codec]
    source = write_stamped(tmp_path / "source.mkv", "matroska", codec, 24, options, Fraction(1, 100), pix_fmt=pix_fmt)
    path = restamped(source, tmp_path / f"glitch.{fmt}", fmt, {10: Fraction(54, 100)})
    truth = sequential_decode(path)
    assert frame_indices(truth) == list(range(24))
    check_reads(path, truth, backend)


def with_exif(source, path, fmt: str) -> str:
    """A copy of an MJPEG file whose every JPEG carries an EXIF APP1 segment (orientation 1), as cameras write."""
    tiff = b"II*\x00" + struct.pack("<IH", 8, 1) + struct.pack("<HHII", 0x0112, 3, 1, 1) + struct.pack("<I", 0)
    app1 = b"\xff\xe1" + struct.pack(">H", 2 + 6 + len(tiff)) + b"Exif\x00\x00" + tiff
    with av.open(str(source)) as src, av.open(str(path), "w", format=fmt) as out:
        stream = src.streams.video[0]
        copy = out.add_stream_from_template(stream)
        for packet in src.demux(stream):
            if packet.size:
                data = bytes(packet)
                jpeg = av.Packet(data[:2] + app1 + data[2:])  # after the start-of-image marker
                jpeg.pts, jpeg.dts, jpeg.time_base, jpeg.is_keyframe = packet.pts, packet.dts, packet.time_base, True
                jpeg.stream = copy
                out.mux(jpeg)
    return str(path)


@pytest.mark.parametrize("kind", ["mjpeg_exif.avi", "mjpeg_exif.mov", "tiff.mov"])
def test_frames_whose_side_data_pyav_cannot_name_read_as_a_sequential_decode(tmp_path, kind):
    """FFmpeg 8 attaches a JPEG's or a TIFF's EXIF block to the frame as side data PyAV 18 has no name for: listing
    the frame's side data (for its display matrix) raised `ValueError: 31 is not a valid Type` on every read."""
    if kind == "tiff.mov":
        path = write_pattern(tmp_path / kind, "mov", "tiff", num_frames=6, pix_fmt="rgb24")
    else:
        mjpeg = write_pattern(tmp_path / "plain.avi", "avi", "mjpeg", num_frames=6, pix_fmt="yuvj420p")
        path = with_exif(mjpeg, tmp_path / kind, kind.rsplit(".", 1)[1])
    truth = sequential_decode(path)
    last = len(truth) - 1  # (the mov copy keeps 5 of the 6: the reference is what it holds)
    assert last >= 4 and frame_indices(truth) == list(range(last + 1))
    assert_frames_equal(read_frames(path, [0, last, 1]), truth, [0, last, 1])
    with open_video(path) as reader:
        assert reader.orientation == (0, False) and reader.num_frames == last + 1


def test_issue_reproduction_avi_with_b_frames(tmp_path):
    """The issue's file: 60 frames of grey level 4*i, x264 with 3 B-frames, in AVI."""
    path = str(tmp_path / "bf.avi")
    container = av.open(path, "w")
    stream = container.add_stream("libx264", rate=25, options={"bf": "3"})
    stream.width = stream.height = 64
    stream.pix_fmt = "yuv420p"
    for i in range(60):
        frame = av.VideoFrame.from_ndarray(np.full((64, 64, 3), 4 * i, np.uint8), format="rgb24")
        for packet in stream.encode(frame):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)
    container.close()
    truth = sequential_decode(path)
    assert len(truth) == 60
    assert_frames_equal(read_frames(path, [1, 3]), truth, [1, 3])
    processor = ViViTVideoProcessor(
        num_frames=8, frame_stride=2, do_resize=False, do_center_crop=False, do_rescale=False, do_normalize=False
    )
    out = processor(path, return_tensors="pt", return_metadata=True)
    clip = out["video_metadata"][0]["frames_indices"]
    assert clip == list(range(22, 37, 2))
    grey = out["pixel_values"][0, :, 0, 32, 32].numpy()
    assert np.array_equal(grey, truth[clip][:, 32, 32, 0])


def test_h264_avi_reads_decode_from_a_keyframe_not_the_start(tmp_path):
    # AVI timestamps cannot be trusted, but reads still seek: after the one pass that orders the
    # frames, a read decodes from the keyframe before the first wanted frame only.
    path = write_encoded(tmp_path / "long.avi", "avi", "h264", num_frames=96, bframes=3, gop=12)
    truth = sequential_decode(path)
    with open_video(path, backend="pyav") as reader:
        assert reader.keyframe_mask.sum() == 96 // 12  # where reads may start (benchmarks/processor.py counts them)
        indexing = reader.frames_decoded
        assert frame_indices(reader.read([85, 87, 89])) == [85, 87, 89]
        assert reader.frames_decoded - indexing <= 89 - 84 + 1
        assert_frames_equal(reader.read([85, 87, 89]), truth, [85, 87, 89])


def test_mp4_reads_decode_no_indexing_pass(tmp_path):
    # Where the container's timestamps are presentation timestamps, opening decodes nothing.
    path = write_encoded(tmp_path / "clip.mp4", "mp4", "h264", num_frames=96, bframes=3, gop=12)
    with open_video(path, backend="pyav") as reader:
        assert reader.frames_decoded == 0 and reader.keyframe_mask.sum() == 96 // 12
        reader.read([85, 87, 89])
        assert reader.frames_decoded <= 89 - 84 + 1


# -- a PyAV container from the caller (issue 12, item 7) ---------------------------------------------
@pytest.mark.parametrize("fmt, bframes", [("mp4", 3), ("avi", 3), ("webm", 0)])
def test_a_container_read_twice_gives_the_same_right_frames(tmp_path, fmt, bframes):
    codec = "vp9" if fmt == "webm" else "h264"
    path = write_encoded(tmp_path / f"clip.{fmt}", fmt, codec, num_frames=30, bframes=bframes)
    truth = sequential_decode(path)
    with av.open(path) as container:
        assert_frames_equal(read_frames(container, [3, 17, 29]), truth, [3, 17, 29])
        assert_frames_equal(read_frames(container, [20, 1]), truth, [20, 1])
        with open_video(container) as reader:
            assert reader.num_frames == 30
            assert_frames_equal(reader.read([5, 6]), truth, [5, 6])


@pytest.mark.parametrize("fmt, bframes", [("mp4", 3), ("avi", 3)])
def test_a_container_the_caller_decoded_from_gives_the_right_frames(tmp_path, fmt, bframes):
    path = write_encoded(tmp_path / f"clip.{fmt}", fmt, "h264", num_frames=30, bframes=bframes)
    truth = sequential_decode(path)
    with av.open(path) as container:
        for _, _frame in zip(range(7), container.decode(video=0)):  # the caller was part way through
            pass
        assert_frames_equal(read_frames(container, [0, 12, 29]), truth, [0, 12, 29])
        processor = ViViTVideoProcessor(
            num_frames=4, frame_stride=2, do_resize=False, do_center_crop=False, do_rescale=False, do_normalize=False
        )
        for _ in range(2):  # the processor twice on the same container
            out = processor(container, return_tensors="pt", return_metadata=True)
            clip = out["video_metadata"][0]["frames_indices"]
            got = out["pixel_values"][0].permute(0, 2, 3, 1).round().to(torch.uint8).numpy()
            assert_frames_equal(got, truth, clip)


def mkv_cut_mid_gop(tmp_path) -> Path:
    """An MPEG-4 part 2 mkv of 36 frames (GOPs of 12, B-frames) without its first 4 packets: 33 frames to show."""
    source = write_pattern(tmp_path / "whole.mkv", "matroska", "mpeg4", num_frames=36, gop=12, bframes=2)
    path = tmp_path / "cut.mkv"
    with av.open(source) as src, av.open(str(path), "w", format="matroska") as out:
        copy = out.add_stream_from_template(src.streams.video[0])
        for packet in [p for p in src.demux(video=0) if p.size][4:]:
            packet.stream = copy
            out.mux(packet)
    return path


@pytest.mark.parametrize("fmt", ["mp4", "mpegts"])
def test_an_mpeg4_file_cut_before_its_first_i_frame_reads_every_frame_as_a_sequential_decode(
    tmp_path, fmt, monkeypatch
):
    """MPEG-4 part 2 with B-frames without its first 3 packets (its I-frame among them): no frame table, so each read
    decodes from the start, and it did so on the decoder a read before had stopped mid-stream, whose state decides how
    many pictures it makes of the B-frames that lack their references: frames 1, 2, 23 and 25 read alone showed 1022,
    1021, 28 and 30 for a sequential decode's 1020, 1021... 26 and 28 (other read orders, other frames), and a read of
    every frame of the transport stream right after the open failed, "frames [31, 32] could not be decoded". A caller's
    container on bytes, or on another file object, still read those four so once a container on a file was reopened
    (its decoder stayed: neither the seek's flush nor a drain before it resets that state); it is read through a copy
    of its bytes. A temporary file's name is its descriptor's number ("3" in PyAV), which read the file of that name
    in the working folder where there was one."""
    source = write_pattern(tmp_path / "whole", fmt, "mpeg4", num_frames=36, gop=12, bframes=2)
    path = tmp_path / "cut"
    with av.open(source) as src, av.open(str(path), "w", format=fmt) as out:
        copy = out.add_stream_from_template(src.streams.video[0])
        for packet in [p for p in src.demux(video=0) if p.size][3:]:
            packet.stream = copy
            out.mux(packet)
    truth = sequential_decode(path)
    assert len(truth) == 33
    with open_video(path, backend="pyav") as reader:  # (first: the decode at open builds the table, on its decoder)
        assert_frames_equal(reader.read(range(33)), truth, range(33))
    check_every_access_path(str(path), truth)
    monkeypatch.chdir(tmp_path)
    with tempfile.TemporaryFile() as temporary:
        temporary.write(path.read_bytes())
        temporary.seek(0)
        shutil.copy(source, str(temporary.fileno()))  # (the whole file, under the name PyAV gives the temporary one)
        # (a caller's container: on the file, on bytes, on a temporary file: another file object, read as any is)
        for opened in (str(path), io.BytesIO(path.read_bytes()), temporary):
            with av.open(opened) as container, open_video(container, backend="pyav") as reader:
                assert_frames_equal(np.stack([reader.read([i])[0] for i in range(33)]), truth, range(33))


def test_a_matroska_container_that_starts_before_its_first_indexed_keyframe_reads_every_frame(tmp_path):
    """An MPEG-4 part 2 mkv cut mid-GOP: its decoder shows the frames before the first keyframe (decoded from grey),
    which FFmpeg's Matroska seek to the start passes over (it lands at the first indexed keyframe). Passed as a
    fresh PyAV container, the table started there: 24 frames of 33, every index naming a frame 9 later, silently.
    Such a container is read through one of its own on the same file or a copy of its bytes (one on bytes, or on
    another file object, was refused). On a pipe the seek fails, and failing it read on past the first 7 packets: 24
    frames, frames 0-2 read as 12-14 (1023, 1020, 1021 in a sequential decode); refused."""
    path = mkv_cut_mid_gop(tmp_path)
    truth = sequential_decode(path)
    assert len(truth) == 33
    for source in (str(path), io.BytesIO(path.read_bytes()), io.BufferedReader(io.BytesIO(path.read_bytes()))):
        with av.open(source) as container:
            assert_frames_equal(read_frames(container, range(32, -1, -1)), truth, range(32, -1, -1))
    with av.open(piped(path.read_bytes())) as container:
        with pytest.raises(VideoDecodeError, match="cannot seek back to its start; pass its path or bytes"):
            read_frames(container, [0])


@pytest.mark.parametrize("read_before", [10, 20])
def test_a_matroska_container_the_caller_read_past_its_first_indexed_keyframe_reads_every_frame(tmp_path, read_before):
    """The cut mkv of the test above, passed after the caller decoded part of it: the packet it held was past the first
    indexed keyframe, where the seek to the start landed, so that seek looked right, and the table started there: 26
    frames of 33, every index naming a frame 7 later (255 grey levels off), silently. Its landing after the stream's
    start time tells; on bytes or another file object it is read through a copy of them, as a fresh container."""
    path = mkv_cut_mid_gop(tmp_path)
    truth = sequential_decode(path)
    assert len(truth) == 33
    for source in (str(path), io.BytesIO(path.read_bytes()), io.BufferedReader(io.BytesIO(path.read_bytes()))):
        with av.open(source) as container:
            for _, _frame in zip(range(read_before), container.decode(video=0)):
                pass
            assert_frames_equal(read_frames(container, range(33)), truth, range(33))
