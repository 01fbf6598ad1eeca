# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Containers and codecs that `test_video_containers.py` does not write, as real files come: an edit list that skips
the leading frames of a GOP, a video that starts after its audio, fragmented and cue-less files, DVD and DV files,
YUV4MPEG, intra codecs of editing tools, a header whose frame count lies, and pictures piped one after another.
Frame `i` is the `i`-th frame a sequential decode gives; the rate and duration are those its timestamps give."""

import struct
from fractions import Fraction
from pathlib import Path
from types import SimpleNamespace

import av
import numpy as np
import pytest
from video_factory import frame_index, pattern_frame

from vivit_hf.processing import bitstream_clocks, video_pyav
from vivit_hf.processing.sampling import fps_indices
from vivit_hf.processing.video_io import open_video

HEIGHT, WIDTH, COUNT, RATE = 48, 64, 40, 25
B_FRAMES = {"bf": "2", "g": "12"}


def write(
    path, fmt, encoder, pix_fmt="yuv420p", options=None, muxer=None, first=0, audio_seconds=0.0, size=None, clock=None
):
    """`frames_of(path)` pattern frames at `rate_of(path)`, stamped from `first` (a negative `first`: frames before the
    edit list's start), after `audio_seconds` of silence in an AAC track muxed first; in the encoder's time base
    `clock` where given (PyAV's 1/90000, which x264 writes into the stream's timing: 90000 fps)."""
    rate = rate_of(path)
    height, width = size or (HEIGHT, WIDTH)
    with av.open(str(path), "w", format=fmt, options=muxer or {}) as container:
        audio = container.add_stream("aac", rate=48000) if audio_seconds else None
        stream = container.add_stream(encoder, rate=rate, options=options or {})
        stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
        if clock:
            stream.codec_context.time_base = clock
        for k in range(int((audio_seconds + 2) * 48000 / 1024)) if audio else []:
            silence = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
            silence.sample_rate, silence.pts, silence.time_base = 48000, k * 1024, Fraction(1, 48000)
            container.mux(audio.encode(silence))
        offset = first + round(audio_seconds * rate)
        for i in range(frames_of(path)):
            frame = av.VideoFrame.from_ndarray(pattern_frame(i, height, width), format="rgb24")
            frame.pts, frame.time_base = offset + i, 1 / rate
            if clock:
                frame.pts, frame.time_base = round((offset + i) / (rate * clock)), clock
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
        if audio:
            container.mux(audio.encode())
    return str(path)


def frames_of(path) -> int:
    """How many frames a case writes: `COUNT`, but 24 of PAL DV and GXF, whose 720x576 frames made DV the slowest case
    (the reads go up to frame 20)."""
    name = Path(path).name
    if name.endswith(("two_frames.mpg", "two_frames.vob", "three_frames.mpg")):  # (short clips)
        return 3 if "three_frames" in name else 2
    return 24 if name.endswith((".dv", ".gxf")) else COUNT


def rate_of(path) -> Fraction:
    """The rate a case writes: `RATE`, but NTSC's 30000/1001 or film's 24000/1001 for those named so."""
    name = Path(path).name
    film = Fraction(24000, 1001) if "film" in name else Fraction(RATE)
    return Fraction(30000, 1001) if "ntsc" in name else film


def lying_avi(path):
    """An AVI whose headers say 300 frames (a capture tool that wrote them before it stopped)."""
    write(path, "avi", "mpeg4", options={"g": "12"})
    data = bytearray(open(path, "rb").read())
    struct.pack_into("<I", data, data.find(b"avih") + 8 + 16, 300)  # dwTotalFrames
    struct.pack_into("<I", data, data.find(b"strh") + 8 + 32, 300)  # the stream's dwLength
    open(path, "wb").write(bytes(data))
    return path


CASES = {
    # `ffmpeg -ss` remuxes, phone editors: the edit list starts 7 frames into a GOP; FFmpeg drops those 7
    "editlist.mov": lambda p: write(p, "mov", "libx264", options=B_FRAMES, first=-7),
    "editlist.mp4": lambda p: write(p, "mp4", "libx264", options=B_FRAMES, first=-7),
    "negative_no_editlist.mp4": lambda p: write(p, "mp4", "libx264", options=B_FRAMES, muxer={"use_editlist": "0"}),
    "audio_first.mkv": lambda p: write(p, "matroska", "libx264", options=B_FRAMES, audio_seconds=2.0),
    "audio_first.mp4": lambda p: write(p, "mp4", "libx264", options=B_FRAMES, audio_seconds=2.0),
    "fragmented.mp4": lambda p: write(
        p, "mp4", "libx264", options=B_FRAMES, muxer={"movflags": "frag_keyframe+empty_moov"}
    ),
    "live.mkv": lambda p: write(p, "matroska", "libx264", options=B_FRAMES, muxer={"live": "1"}),  # no cues
    "dvd.vob": lambda p: write(p, "vob", "mpeg2video", options=B_FRAMES),
    "mpeg1.mpg": lambda p: write(p, "mpeg", "mpeg1video", options=B_FRAMES),
    "h264.mpg": lambda p: write(p, "mpeg", "libx264", options=B_FRAMES),
    # A program stream stamps a packet only where a PES starts in its 2048-byte packs (2 of these 40); the stream's
    # stated rates are the encoder's clock: x264's 90000 fps for PyAV's 1/90000, MPEG-4 part 2's 30000 for NTSC
    "h264_90k.mpg": lambda p: write(p, "mpeg", "libx264", options=B_FRAMES, clock=Fraction(1, 90000)),
    "h264_90k.vob": lambda p: write(p, "vob", "libx264", clock=Fraction(1, 90000)),
    "h264_90k_ntsc.vob": lambda p: write(p, "dvd", "libx264", clock=Fraction(1, 90000)),
    "mpeg4_ntsc.mpg": lambda p: write(p, "mpeg", "mpeg4", options=B_FRAMES),
    "mpeg4_ntsc.vob": lambda p: write(p, "vob", "mpeg4"),
    # one packet stamped: MPEG-4 part 2's VOPs time the frames (1001 ticks of the layer's 30000 Hz clock)
    "mpeg4_ntsc_two_frames.mpg": lambda p: write(p, "mpeg", "mpeg4"),
    "mpeg4_ntsc_two_frames.vob": lambda p: write(p, "dvd", "mpeg4"),
    # a raw stream: FFmpeg's parser steps the first stamps by a tick of the VOL's clock, and every rate it states is
    # that clock's (30000 fps, a 1/100 clock's 100): the VOPs' times tell (read 30000 fps with B-frames, and 25.49)
    "mpeg4_ntsc.m4v": lambda p: write(p, "m4v", "mpeg4", options=B_FRAMES),
    "mpeg4_clock100.m4v": lambda p: write(p, "m4v", "mpeg4", options=B_FRAMES, clock=Fraction(1, 100)),
    # raw Dirac / VC-2: FFmpeg's parser stamps each picture with its number (1200000 fps); its header states the rate
    "vc2_ntsc.drc": lambda p: write(p, "dirac", "vc2", options={"b": "2M"}),
    # FFmpeg's program stream muxer stamps 24000/1001 fps 3753 ticks apart (3753.75), up to 13 early (0.15 ms)
    "mpeg2_film.mpg": lambda p: write(p, "mpeg", "mpeg2video"),
    "mpeg1_film.vob": lambda p: write(p, "dvd", "mpeg1video", options=B_FRAMES),
    "mpeg2_film_three_frames.mpg": lambda p: write(p, "mpeg", "mpeg2video"),  # (3753 ticks each: 23.98 fps)
    "pal.dv": lambda p: write(p, "dv", "dvvideo", size=(576, 720)),  # (24 frames: see `frames_of`)
    # GXF (broadcast servers) numbers packets by field: FFmpeg stamps the last frame a field early (24 frames of
    # 25 fps lasted 0.92 s for 0.96), and its demuxer fails the read after a seek to the last keyframe (EPERM)
    "mpeg2_pal.gxf": lambda p: write(p, "gxf", "mpeg2video", options=B_FRAMES, size=(576, 720)),
    "raw.y4m": lambda p: write(p, "yuv4mpegpipe", "rawvideo"),
    "prores.mov": lambda p: write(p, "mov", "prores_ks", pix_fmt="yuv422p10le"),
    "ffv1.mkv": lambda p: write(p, "matroska", "ffv1"),
    "qtrle.mov": lambda p: write(p, "mov", "qtrle", pix_fmt="rgb24", options={"g": "12"}),
    "vp8.ogv": lambda p: write(p, "ogg", "libvpx", options={"g": "12"}),
    "rv20.rm": lambda p: write(p, "rm", "rv20", options={"g": "12"}),
    "mpeg2.wtv": lambda p: write(p, "wtv", "mpeg2video", options=B_FRAMES),
    "lying_count.avi": lying_avi,
    # pictures one after another (`ffmpeg -f image2pipe`), which no seek can land between
    "png_pipe.png": lambda p: write(p, "image2pipe", "png", pix_fmt="rgb24"),
    "ppm_pipe.ppm": lambda p: write(p, "image2pipe", "ppm", pix_fmt="rgb24"),
}


def sequential(path):
    with av.open(path) as container:
        frames = list(container.decode(video=0))
    return np.stack([f.to_ndarray(format="rgb24") for f in frames]), [f.time for f in frames]


@pytest.mark.parametrize("name", CASES)
def test_frames_rate_and_duration_equal_a_sequential_decode(tmp_path, name):
    path = CASES[name](str(tmp_path / name))
    truth, times = sequential(path)
    skipped = 7 if name.startswith("editlist") else 0
    assert len(truth) == frames_of(path) - skipped and frame_index(truth[0]) == skipped
    with open_video(path, backend="pyav") as reader:
        info = reader.info
        indices = [i % len(truth) for i in (0, 1, 13, len(truth) - 1, 20, 2)]
        got = reader.read(indices)
        backwards = reader.read(indices[::-1])
        last = reader.last_frame_seconds()
        if name.startswith("audio_first"):  # the video's clock starts where the audio's does
            assert reader.first_frame_seconds() == pytest.approx(2.0, abs=1e-3)
    assert info.num_frames == len(truth)
    for k, i in enumerate(indices):
        np.testing.assert_array_equal(got[k], truth[i])
    np.testing.assert_array_equal(backwards[::-1], got)
    rate = float(rate_of(path))
    assert info.fps == pytest.approx(rate, rel=1e-9)
    assert info.duration == pytest.approx(len(truth) / rate, rel=1e-9)
    assert last is None or last == pytest.approx(1 / rate, abs=1e-4)  # (a 90 kHz clock: 3753 ticks for 23.976)
    if None not in times and not name.endswith(".drc"):  # (those with times: they go up by a frame's time)
        steps = np.diff(sorted(times))[: -1 if name.endswith(".gxf") else None]  # (GXF's last: a field, see CASES)
        np.testing.assert_allclose(steps, 1 / rate, atol=1e-3)


@pytest.mark.parametrize(
    ("first", "rate"),
    [(35, Fraction(30000, 1001)), (34, Fraction(25))],  # (both seen in x264 .vob files of the cases)
)
def test_sparse_stamps_handed_to_two_packets_give_the_rate_of_the_stamped_frame(first, rate):
    """A program stream's stamp handed to two packets in a row (FFmpeg's H.264 parser: packets 35 and 36 of 40 both
    153108, 36's) times the frames by the place that gives a rate cameras use: the first place read 29.14 fps for
    29.97 (35 / 36 of it), 24.29 for 25 (x264's packet sizes, which differ run to run, decided which)."""
    last = 45000 + round((first + 1) * 90000 / rate)
    stamps = [45000] + [None] * (first - 1) + [last, last] + [None] * (38 - first)
    asked = []

    def reader(stamps):
        stream = SimpleNamespace(time_base=Fraction(1, 90000))
        stated = lambda: asked.append(1) or (90000,)  # noqa: E731
        return SimpleNamespace(
            _decode_stamps=stamps, _num_frames=len(stamps), stream=stream, _raw_stream=False, _stated_rates=stated
        )

    opened = reader(stamps)
    for _ in range(3):  # worked out once (`_fps` asks 9 times a processor call), as `_vop_rate`
        assert video_pyav.PyAVReader._sparse_stamps_rate(opened) == pytest.approx(float(rate), rel=1e-12)
    assert len(asked) == 1
    # another count (a later scan's): worked out again, as a reader opened on those stamps works it out
    other = [45000] + [None] * 9 + [45000 + 10 * 3000]  # (11 frames, 30 fps)
    opened._decode_stamps, opened._num_frames = other, len(other)
    assert video_pyav.PyAVReader._sparse_stamps_rate(opened) == pytest.approx(30, rel=1e-12)


def test_mpeg4_vop_times_give_the_rate_from_the_first_packets_of_a_b_frame_stream(tmp_path):
    """The first packets of a stream with B-frames (decode order I0 P3 B1 B2 P6 B4 B5 ...) time frames up to the
    reference before the last one: those after it may still come (B-frames shown before later references)."""
    path = CASES["mpeg4_ntsc.mpg"](str(tmp_path / "mpeg4_ntsc.mpg"))
    with av.open(path) as container:
        heads = [bytes(packet)[:128] for packet in container.demux(video=0) if packet.size]
    clock = bitstream_clocks.mpeg4_vol_clock(heads[0])
    assert clock == (30000, 15)
    rates = [bitstream_clocks.mpeg4_vop_rate(heads[:n], clock, whole=False) for n in (5, 6, 7, 20)]
    assert rates == [pytest.approx(30000 / 1001)] * 4
    assert bitstream_clocks.mpeg4_vop_rate(heads, clock) == pytest.approx(30000 / 1001)
    assert bitstream_clocks.mpeg4_vop_rate(heads[:5], clock) is None  # (as a whole stream: frames 4 and 5 missing)


def test_a_raw_mpeg4_stream_that_pauses_after_the_vops_read_for_its_rate_lasts_as_its_stamps_say(tmp_path, monkeypatch):
    """The VOP times of a raw `.m4v` give its rate from its first `VOP_COUNT` packets (16 here): a capture that pauses
    after them (20 frames 1/25 s apart, 2 s later 4 more) read 25 fps and 0.96 s, where its stamps span 2.92 s. The
    rate comes from the stamps there, as before the VOPs were read (frames spread evenly over them: 7.9 fps)."""
    monkeypatch.setattr(video_pyav, "VOP_COUNT", 16)
    path = str(tmp_path / "pause.m4v")
    with av.open(path, "w", format="m4v") as container:
        stream = container.add_stream("mpeg4", rate=RATE)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.codec_context.time_base = Fraction(1, 100)
        for i, tick in enumerate([4 * k for k in range(20)] + [200 + 4 * k for k in range(20, 24)]):
            frame = av.VideoFrame.from_ndarray(pattern_frame(i, HEIGHT, WIDTH), format="rgb24")
            frame.pts, frame.time_base = tick, Fraction(1, 100)
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    _, times = sequential(path)
    with open_video(path, backend="pyav") as reader:
        assert reader.fps == pytest.approx((len(times) - 1) / (times[-1] - times[0]), rel=1e-3)


def _not_coded(tick: int) -> bytes:
    """An N-VOP (a P-VOP "not coded": Xvid's for a frame it drops, which a decode gives no frame of) at `tick` of a
    1/30 s clock (a 5-bit increment), in the second of the VOP before it."""
    bits = "01" + "0" + "1" + format(tick, "05b") + "1" + "0"  # P, modulo_time_base, marker, increment, marker, coded
    bits += "0" + "1" * (-(len(bits) + 1) % 8)  # (stuffing to the byte)
    return b"\0\0\1\xb6" + int(bits, 2).to_bytes(len(bits) // 8, "big")


@pytest.mark.parametrize(
    "options, dropped, read",
    [({}, False, 256), (B_FRAMES, False, 256), ({}, True, 256), ({}, False, 6), (B_FRAMES, False, 6)],
)
def test_a_raw_mpeg4_stream_at_a_variable_rate_gives_its_frames_times_for_fps_sampling(
    tmp_path, monkeypatch, options, dropped, read
):
    """A raw `.m4v` whose VOPs step unevenly (a capture that pauses: 10 frames 1/30 s apart, then 4 more after 2/3 s)
    gave no frame times, so fps=10 counted its 14 frames at their average 11.8 fps: frames 1, 2, 3 for the ones shown
    at 0.1, 0.2, 0.3 s (3, 6, 9). Its VOPs' times are the frames' times, as a sequential decode stamps them. The same
    pause as Xvid writes it (`dropped`: an N-VOP for each of the 20 frames it dropped, no frame in a decode) had none
    either, its 34 VOPs for 14 frames. Nor had one that pauses after the VOPs read (`read`: `VOP_COUNT`, 256 as a
    rule): its packets' stamps, which agree with the VOPs read, time the rest."""
    monkeypatch.setattr(video_pyav, "VOP_COUNT", read)
    path = str(tmp_path / "pause.m4v")
    with av.open(path, "w", format="m4v") as container:
        stream = container.add_stream("mpeg4", rate=30, options=options)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.codec_context.time_base = Fraction(1, 30)
        for i, tick in enumerate([*range(10), *range(30, 34)]):
            frame = av.VideoFrame.from_ndarray(pattern_frame(i, HEIGHT, WIDTH), format="rgb24")
            frame.pts, frame.time_base = tick, Fraction(1, 30)
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    if dropped:
        head, *vops = Path(path).read_bytes().split(b"\0\0\1\xb6")
        vops = [b"\0\0\1\xb6" + vop for vop in vops]
        Path(path).write_bytes(head + b"".join(vops[:10] + [_not_coded(t) for t in range(10, 30)] + vops[10:]))
    frames, times = sequential(path)
    shown = np.searchsorted(times, np.arange(11) / 10 + 1e-6, side="right") - 1  # what plays at each 1/10 s
    assert shown.tolist() == [0, 3, 6, 9, 9, 9, 9, 9, 9, 9, 10]
    with open_video(path, backend="pyav") as reader:
        ticks = fps_indices(reader.num_frames, reader.fps, 10, times=reader.frame_times())
        assert ticks.tolist() == shown.tolist()
        np.testing.assert_allclose(reader.frame_times(), times, atol=1e-6)
        assert [frame_index(f) for f in reader.read(ticks)] == [frame_index(f) for f in frames[shown]]


def test_a_raw_mpeg4_stream_with_b_frames_at_a_variable_rate_on_an_ntsc_clock_reads_its_average_rate(tmp_path):
    """A raw `.m4v` with B-frames on a 30000 Hz clock (30000/1001 fps), 20 frames then 10 more after a pause, read its
    VOL's clock as its rate: 30000 fps, lasting 0.001 s for 1.67. Its frames over the time their VOPs span, as a
    file's stamps are read, and lasting as a sequential decode times them."""
    path = str(tmp_path / "pause.m4v")
    clock = Fraction(1001, 30000)
    with av.open(path, "w", format="m4v") as container:
        stream = container.add_stream("mpeg4", rate=1 / clock, options=B_FRAMES)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.codec_context.time_base = clock
        for i, tick in enumerate([*range(20), *range(40, 50)]):
            frame = av.VideoFrame.from_ndarray(pattern_frame(i, HEIGHT, WIDTH), format="rgb24")
            frame.pts, frame.time_base = tick, clock
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    _, times = sequential(path)
    with open_video(path, backend="pyav") as reader:
        assert reader.fps == pytest.approx(29 / (times[-1] - times[0]), rel=1e-9)
        assert reader.info.duration == pytest.approx(times[-1] - times[0] + float(clock), rel=1e-9)


@pytest.mark.parametrize("name", ["png_pipe.png", "ppm_pipe.ppm"])
def test_piped_pictures_are_read_in_one_pass_that_decodes_the_wanted_ones(tmp_path, name):
    """Piped pictures are read from the first one (no seek lands between them), but each decodes alone: a span from
    the first picture for each wanted frame decoded every picture before it again (16 frames of 300 PNGs: 2401
    decodes, 6.5 s). One pass decodes the wanted ones only, and they are a sequential decode's."""
    path = CASES[name](str(tmp_path / name))
    truth, _ = sequential(path)
    with open_video(path, backend="pyav") as reader:
        before = reader.frames_decoded
        got = reader.read([22, 2, 12, 2])
        assert reader.frames_decoded - before == 3
        np.testing.assert_array_equal(got, truth[[22, 2, 12, 2]])
        np.testing.assert_array_equal(np.stack([a for _, a in reader.iter_read([5, 30, 31])]), truth[[5, 30, 31]])


def with_edits(path, edits):
    """`path`, an mp4 whose index follows its media, with its one edit replaced by `edits`: `(frames shown, first
    frame)` each, in the track's order (an editor's cut: QuickTime keeps the media and lists the stretches shown)."""
    data = bytearray(open(path, "rb").read())
    elst = data.index(b"elst") - 4
    size, count = struct.unpack_from(">I", data, elst)[0], struct.unpack_from(">I", data, elst + 12)[0]
    assert count == 1 and data.index(b"moov") > data.index(b"mdat")  # (boxes after it would move)
    movie = struct.unpack_from(">I", data, data.index(b"mvhd") + 16)[0] // RATE  # ticks of a frame: the movie's
    media = struct.unpack_from(">I", data, data.index(b"mdhd") + 16)[0] // RATE  # and the track's
    shift = struct.unpack_from(">i", data, elst + 20)[0]  # (where its first frame starts: after the B-frames' delay)
    body = b"".join(struct.pack(">IiI", shown * movie, shift + first * media, 1 << 16) for shown, first in edits)
    data[elst : elst + size] = struct.pack(">I4sII", 16 + len(body), b"elst", 0, len(edits)) + body
    for box in (b"moov", b"trak", b"edts"):  # the boxes around it grow by as much
        at = data.index(box) - 4
        struct.pack_into(">I", data, at, struct.unpack_from(">I", data, at)[0] + 16 + len(body) - size)
    open(path, "wb").write(bytes(data))
    return str(path)


def test_an_mp4_whose_edit_list_cuts_a_stretch_out_reads_as_a_sequential_decode(tmp_path):
    """Frames 0-5, then 15-24: FFmpeg hands out the packets of each edit from the keyframe before it, those before
    the edit flagged discard, so the second edit's keyframe (frame 12) came at frame 0's time, discarded. A seek to
    frame 0 landed there, and its decoder dropped what followed: every read of frames 0-5 failed."""
    path = with_edits(write(tmp_path / "cut.mp4", "mp4", "libx264", options=B_FRAMES), [(6, 0), (10, 15)])
    truth, times = sequential(path)
    assert [frame_index(frame) for frame in truth] == [*range(6), *range(15, 25)]
    with open_video(path, backend="pyav") as reader:
        np.testing.assert_array_equal(reader.read(range(len(truth))), truth)
        np.testing.assert_array_equal(reader.read([2]), truth[[2]])
        np.testing.assert_allclose(reader.frame_times(), times, atol=1e-9)


@pytest.mark.parametrize("frames", [2, 3, 4])
def test_a_short_mkv_that_starts_late_starts_at_0_as_a_longer_one_does(tmp_path, frames):
    """An MKV whose H.264 frames are stamped from 1.24 s on: FFmpeg's start time is its first frame's, so a player's
    clock starts there, and `first_frame_seconds` is 0.0, whatever the number of frames. FFmpeg's probe had no start
    time for 3 frames or fewer (it guesses H.264's decode times from the fourth packet on), and those read 1.24."""
    path = str(tmp_path / "late.mkv")
    with av.open(path, "w") as container:
        stream = container.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 32, 32, "yuv420p"
        for i in range(frames):
            frame = av.VideoFrame.from_ndarray(np.full((32, 32, 3), 40 * i, np.uint8), format="rgb24")
            frame.pts, frame.time_base = 31 + i, Fraction(1, 25)
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    _, times = sequential(path)
    assert times[0] == pytest.approx(1.24) and len(times) == frames
    with open_video(path, backend="pyav") as reader:
        np.testing.assert_allclose(reader.frame_times(), times)
        assert reader.first_frame_seconds() == 0.0


@pytest.mark.parametrize("clock", [90000, 1000])
def test_one_h264_frame_in_mpeg_ts_on_an_encoder_clock_reads_at_the_default_rate_said(tmp_path, clock):
    """One H.264 frame in MPEG-TS encoded on PyAV's 1/90000 (or a camera's 1/1000): its only stated rate is that clock
    (x264 writes the time base into the stream's timing) and its duration FFmpeg's tick of it, so it read 90000 fps,
    lasting 0.00001 s (1/1000: 2000 fps), where two such frames read 25 fps by their stamps. It reads at FFmpeg's
    default 25 fps, marked a guess, and the warning names the clock it found (it said 1/90000 whatever the clock)."""
    path = str(tmp_path / "one.ts")
    with av.open(path, "w") as container:
        stream = container.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 32, 32, "yuv420p"
        stream.codec_context.time_base = Fraction(1, clock)
        frame = av.VideoFrame.from_ndarray(np.zeros((32, 32, 3), np.uint8), format="rgb24")
        frame.pts, frame.time_base = 0, Fraction(1, clock)
        container.mux(stream.encode(frame))
        container.mux(stream.encode())
    with av.open(path) as container:
        stream = container.streams.video[0]
        assert stream.average_rate is None and stream.codec_context.framerate == clock  # (guessed_rate: 2000 for 1000)
    with open_video(path, backend="pyav") as reader:
        with pytest.warns(UserWarning, match=rf"one H.264 frame whose file states no rate.*time base \(1/{clock}\)"):
            assert reader.fps == 25.0
        assert reader.num_frames == 1 and reader.fps_guessed and reader.duration == pytest.approx(0.04)


@pytest.mark.parametrize("frames", ["patterns", "plain greys"])
def test_a_two_frame_mpeg1_mkv_reads_its_second_frame_as_a_sequential_decode_does(tmp_path, frames):
    """Matroska stores no dts: FFmpeg guesses them, and a seek changes the guess. After a seek to the start, the second
    packet of 2 MPEG-1 frames came with dts 0 for the 40 ms it had at open, the name the frame table gives frame 0:
    every read of frame 1 failed, "could not be decoded", where a sequential decode gives it. Two plain frames (grey
    60, then 180) are packets of one size, which the packets' sizes do not tell apart: reads of [0, 1] still failed."""
    path = str(tmp_path / "two.mkv")
    with av.open(path, "w") as container:
        stream = container.add_stream("mpeg1video", rate=25)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        for i in range(2):
            picture = (
                pattern_frame(i, HEIGHT, WIDTH) if frames == "patterns" else np.full((HEIGHT, WIDTH, 3), 60 + 120 * i)
            )
            container.mux(stream.encode(av.VideoFrame.from_ndarray(picture.astype(np.uint8), format="rgb24")))
        container.mux(stream.encode())
    truth, _ = sequential(path)
    if frames == "patterns":
        assert [frame_index(frame) for frame in truth] == [0, 1]
    else:
        assert [int(frame.mean()) // 60 for frame in truth] == [1, 3], [frame.mean() for frame in truth]
        with av.open(path) as container:
            assert len({packet.size for packet in container.demux(video=0) if packet.size}) == 1
    with open_video(path, backend="pyav") as reader:
        assert reader.num_frames == 2
        for indices in ([1], [0, 1], [1, 0]):
            np.testing.assert_array_equal(reader.read(indices), truth[indices])
