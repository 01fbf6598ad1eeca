# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Files as cameras, broadcast captures, downloads and other muxers leave them, read by index as a sequential decode
gives them: a transport stream whose 33-bit clock wraps, a file that ends inside a packet, H.264 with intra refresh
(keyframes no decoder can start from), H.264 with B-frames in MXF (decode times stored as presentation times), an MXF
file cut before its index (whose seeks land elsewhere under the asked time), an ASF file cut inside a payload, raw
DV and H.264 streams cut inside a picture, a RealMedia file cut short, a
Matroska file whose timestamps start below 0, a file whose tags are not UTF-8, a file object the caller read from
first, a stream that cannot seek; torchcodec's rate and duration, and its errors.

The reference is plain PyAV: `container.decode(video=0)`, or its packets decoded one by one where FFmpeg's decoder
refuses the last, cut one (as the ffmpeg command line goes on past it). Every frame is read alone and all of them
backwards, and the processor's clips (test views, uniform and strided, and seeded training starts) are compared with
it, through the PyAV and the torchcodec backend."""

import errno
import io
import re
import warnings
from fractions import Fraction

import av
import numpy as np
import pytest
import torch
from conftest import BACKENDS
from PIL import Image
from video_factory import frame_indices, pattern_frame, write_colour_tagged, write_palettised, write_stamped

from vivit_hf import ViViTVideoProcessor
from vivit_hf.processing.sampling import sample_clips
from vivit_hf.processing.video_io import (
    VideoDecodeError,
    open_input,
    open_video,
    probe,
    read_frames,
)

HEIGHT, WIDTH, FPS = 48, 64, 25


def x264(keyint: int, bframes: int, extra: str = "") -> dict:
    params = f"keyint={keyint}:min-keyint={keyint}:scenecut=0:bframes={bframes}:b-adapt=0{extra}"
    return {"preset": "ultrafast", "crf": "12", "x264-params": params}


def sequential_decode(path) -> np.ndarray:
    """Every frame plain PyAV decodes, in its order; a packet the decoder refuses is passed over only where the
    demuxer flagged it corrupt (the one a cut file ends inside)."""
    frames = []
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        for packet in container.demux(stream):
            try:
                frames += stream.codec_context.decode(packet if packet.size else None)
            except av.InvalidDataError:
                if not packet.is_corrupt:
                    raise
    return np.stack([frame.to_ndarray(format="rgb24") for frame in frames])


def assert_pictures(got: np.ndarray, truth: np.ndarray, indices, exact: bool) -> None:
    """The frames of `truth` at `indices`: bit for bit from PyAV, to colour rounding from torchcodec."""
    indices = list(indices)
    assert got.shape == (len(indices), *truth.shape[1:])
    assert frame_indices(got) == frame_indices(truth[indices]), f"asked {indices}"
    difference = np.abs(got.astype(int) - truth[indices].astype(int)).mean()
    assert difference == 0 if exact else difference < 2


def assert_reads_like_a_sequential_decode(path: str, truth: np.ndarray, backend: str) -> None:
    n = len(truth)
    with open_video(path, backend=backend) as reader:
        exact = reader.backend == "pyav"
        assert reader.num_frames == n
        for i in range(n):
            assert_pictures(reader.read([i]), truth, [i], exact)
        assert_pictures(reader.read(range(n - 1, -1, -1)), truth, range(n - 1, -1, -1), exact)
        rng = np.random.default_rng(0)
        for _ in range(3):  # training clips: random starts
            (clip,) = sample_clips(n, 8, stride=2, num_clips=1, train=True, rng=rng)
            assert_pictures(reader.read(clip), truth, clip, exact)
    for mode in ("uniform", "stride"):  # test views, as the processor samples and reads them
        processor = ViViTVideoProcessor(
            num_frames=8,
            frame_stride=2,
            num_clips=4,
            sampling_mode=mode,
            decode_backend=backend,
            do_resize=False,
            do_center_crop=False,
            do_rescale=False,
            do_normalize=False,
        )
        out = processor(path, return_tensors="pt", return_metadata=True)
        for clip, pixels in zip(out["video_metadata"][0]["clip_frames_indices"], out["pixel_values"]):
            assert_pictures(pixels.permute(0, 2, 3, 1).round().to(torch.uint8).numpy(), truth, clip, exact)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("encoder, options", [("libx264", x264(12, 3)), ("mpeg2video", {"bf": "2", "g": "12"})])
def test_a_transport_stream_whose_clock_wraps_reads_from_its_first_frame(tmp_path, backend, encoder, options):
    # The 90 kHz clock passes 2^33 a second in: FFmpeg unwraps the first second to times below 0, and a seek to
    # time 0, which was how a read went back to the start, landed a second into the file (frame 0 "could not be
    # decoded").
    path = write_stamped(tmp_path / "wrap.ts", "mpegts", encoder, 40, options, first=(2**33 - 90000) // 3600)
    truth = sequential_decode(path)
    assert frame_indices(truth) == list(range(40))
    assert_reads_like_a_sequential_decode(path, truth, backend)
    assert open_video(path, backend=backend).info.fps == pytest.approx(FPS)


def cut_inside_a_packet(path, fmt: str, muxer_options: dict, packet: int, encoder="libx264", options=None) -> bytes:
    """A file with B-frames (H.264 unless told) cut in the middle of its `packet`-th video packet, as a download
    that stopped."""
    write_stamped(path, fmt, encoder, 40, options or x264(8, 3), muxer_options=muxer_options)
    with av.open(str(path)) as container:
        packets = [p for p in container.demux(video=0) if p.size]
        position, size = packets[packet].pos, packets[packet].size
    return open(path, "rb").read()[: position + size // 2]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("fmt, muxer_options", [("mp4", {"movflags": "faststart"}), ("flv", {})])
def test_a_file_that_ends_inside_a_packet_reads_every_whole_frame(tmp_path, backend, fmt, muxer_options):
    # The demuxer hands out the cut packet, flagged corrupt; the decoder refuses it. It was counted as a frame, and
    # reading the last frames failed ("could not be decoded") where a sequential decode gives them.
    cut = tmp_path / f"cut.{fmt}"
    cut.write_bytes(cut_inside_a_packet(tmp_path / f"full.{fmt}", fmt, muxer_options, packet=26))
    truth = sequential_decode(cut)
    assert 20 <= len(truth) < 40
    assert_reads_like_a_sequential_decode(str(cut), truth, backend)


def test_an_asf_file_that_ends_inside_a_payload_reads_the_frames_before_it(tmp_path):
    # ASF's demuxer hands out the payload the file ends inside unflagged, and WMV's decoder refuses one of a byte or
    # two: it was counted as a frame, so a read of the last frame (every clip that reached it) failed "Invalid data
    # found" where a sequential decode passes over it, as the ffmpeg command line does. The header's Data Object
    # size tells the file is cut: the table comes from a decode at open, as for the other cut files.
    full = write_stamped(tmp_path / "full.wmv", "asf", "wmv2", 40, {"g": "12"})
    with av.open(full) as container:
        picture = bytes([p for p in container.demux(video=0) if p.size][15])
    data = open(full, "rb").read()
    path = tmp_path / "cut.wmv"
    path.write_bytes(data[: data.index(picture[:16]) + 2])  # two bytes into picture 15's payload
    truth, refused = decode_passing_over_refused_packets(path)
    assert refused == 1 and frame_indices(truth) == list(range(len(truth))) and len(truth) > 10
    assert_reads_like_a_sequential_decode(str(path), truth, "pyav")


def test_an_asf_file_written_live_is_not_decoded_at_open(tmp_path):
    # A stream written live states its Data Object's size as -1 (unknown, as FFmpeg's demuxer reads it): taken for a
    # size the file ends before, such a file was decoded whole at open and read on one thread, as a cut one is.
    data = bytearray(open(write_stamped(tmp_path / "full.wmv", "asf", "wmv2", 40, {"g": "12"}), "rb").read())
    data_object = int.from_bytes(data[16:24], "little")  # the Header Object's size
    data[data_object + 16 : data_object + 24] = b"\xff" * 8
    path = tmp_path / "live.wmv"
    path.write_bytes(data)
    truth = sequential_decode(path)
    with open_video(str(path), backend="pyav") as reader:
        assert reader.num_frames == len(truth) == 40 and reader.frames_decoded == 0
        assert_pictures(reader.read([39, 5]), truth, [39, 5], exact=True)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_raw_dv_file_cut_inside_its_last_frame_reads_it_as_a_sequential_decode(tmp_path, backend):
    # The DV demuxer hands out the cut frame whole, the part the file lacks as its buffer held it: the frame read
    # before. Read after the others (a read of frame 0 last), it was frame 0's tail, not the frame before's: 41-82
    # grey levels off a sequential decode, as a clip's frames came out otherwise than the same frames read alone.
    full = write_stamped(tmp_path / "full.dv", "dv", "dvvideo", 6, {}, height=576, width=720)
    data = open(full, "rb").read()
    path = tmp_path / "cut.dv"
    path.write_bytes(data[: len(data) * 11 // 12])  # half of the last frame
    truth = sequential_decode(path)
    with open_video(str(path), backend=backend) as reader:
        exact = reader.backend == "pyav"
        assert reader.num_frames == len(truth) == 6
        assert_pictures(reader.read([2, 0]), truth, [2, 0], exact)
        assert_pictures(reader.read([5]), truth, [5], exact)  # after a read of frame 0
        assert_pictures(reader.read([1, 5]), truth, [1, 5], exact)


def decode_passing_over_refused_packets(path) -> tuple[np.ndarray, int]:
    """A one-thread sequential decode that passes over the packets its decoder refuses, flagged or not, and ends the
    input where the demuxer fails, as the ffmpeg command line does; and how many packets its decoder refused."""
    frames, refused = [], 0
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "NONE"
        packets = container.demux(stream)
        while True:
            try:
                packet = next(packets)
            except (StopIteration, av.InvalidDataError):
                packet = None
            try:
                frames += stream.codec_context.decode(packet if packet is not None and packet.size else None)
            except av.InvalidDataError:
                refused += 1
            if packet is None or not packet.size:
                break
    return np.stack([frame.to_ndarray(format="rgb24") for frame in frames]), refused


def test_a_realmedia_file_cut_short_reads_the_frames_before_the_cut(tmp_path):
    # RealMedia's demuxer fails where the file ends; after that failure, while the frame table was read, a seek back
    # to the start went through and the next packet failed again: every frame "could not be decoded".
    data = open(write_stamped(tmp_path / "full.rm", "rm", "rv20", 40, {"g": "12"}), "rb").read()
    path = tmp_path / "cut.rm"
    path.write_bytes(data[: len(data) * 11 // 20])
    truth, refused = decode_passing_over_refused_packets(path)
    assert refused == 0 and frame_indices(truth) == list(range(len(truth))) and len(truth) > 15
    with open_video(str(path), backend="pyav") as reader:
        n = reader.num_frames
        assert n == len(truth)
        assert_pictures(reader.read([n - 1, 0, 13]), truth, [n - 1, 0, 13], exact=True)
        assert_pictures(reader.read(range(n)), truth, range(n), exact=True)


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_avi_that_ends_inside_a_packet_reads_the_picture_its_decoder_makes_of_it(tmp_path, backend):
    # AVI is indexed by one decode at open: the cut packet is sent as a sequential decode sends it, and MPEG-4's
    # decoder makes a picture of what is left, so it is a frame here (as it is in the sequential decode).
    cut = tmp_path / "cut.avi"
    cut.write_bytes(cut_inside_a_packet(tmp_path / "full.avi", "avi", {}, 26, "mpeg4", {"bf": "2", "g": "8"}))
    truth = sequential_decode(cut)
    assert len(truth) == 27
    assert_reads_like_a_sequential_decode(str(cut), truth, backend)


FASTSTART = {"movflags": "faststart"}
CUT_SHORT_OPTIONS = {
    "libx264": x264(25, 0),
    "libvpx-vp9": {"deadline": "realtime", "g": "25"},
    "mpeg4": {"g": "25", "qscale": "2"},
}


@pytest.mark.parametrize(
    "fmt, encoder, muxer_options, tag_end",
    [
        ("mp4", "libx264", FASTSTART, False),
        ("matroska", "libx264", {}, False),
        ("webm", "libvpx-vp9", {}, False),
        ("avi", "mpeg4", {}, False),
        ("flv", "libx264", {}, False),  # its onMetaData's duration: trusted where the file ends inside a tag
        # cut at a tag's end (after the size that follows each tag), as whole as a whole file by its last tag: the
        # onMetaData's `filesize` tells (it read as a whole 1.64 s video, without a word)
        ("flv", "libx264", {}, True),
    ],
)
def test_a_download_cut_short_after_its_index_warns_naming_both_ends(tmp_path, fmt, encoder, muxer_options, tag_end):
    # The index comes first (faststart mp4, Matroska / WebM with their duration in the header; an AVI's header counts
    # its frames, and its RIFF chunk its bytes): a file cut at 40% of them opens, and read as a whole, shorter video
    # without a word, every sampled clip covering its first 40%. Cut at a packet's end (or its FLV tag's), no packet is
    # flagged.
    full = tmp_path / f"full.{fmt}"
    write_stamped(
        full,
        fmt,
        encoder,
        100,
        CUT_SHORT_OPTIONS[encoder],
        muxer_options=muxer_options,
    )
    with av.open(str(full)) as container:
        packet = [p for p in container.demux(video=0) if p.size][40]
        end = packet.pos + packet.size
    if tag_end:  # (a tag: its 11-byte header, stating the size of its data, then its data and that tag's size again)
        end = packet.pos + 15 + int.from_bytes(full.read_bytes()[packet.pos + 1 : packet.pos + 4], "big")
    cut = tmp_path / f"cut.{fmt}"
    cut.write_bytes(full.read_bytes()[:end])
    kept = len(sequential_decode(cut))
    assert kept < 60
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the whole file says nothing
        probe(str(full))
    said = (
        f"Video '{cut}' is cut short: its container says it lasts until 4.00 s, but its frames end at {kept / 25:.2f}"
    )
    with pytest.warns(UserWarning, match=re.escape(said)):
        assert probe(str(cut)).num_frames == kept
    with pytest.warns(UserWarning, match="is cut short"):  # the processor, and so predict, say it too
        ViViTVideoProcessor(num_frames=4, size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32})(str(cut))


def write_h264_pts_as_dts(path, fmt: str, stamps: list[int]) -> str:
    """Pattern frames at `stamps` (1/25 s), of an H.264 stream whose SPS allows B-frames (x264's, B-frames on) but
    holding none (each frame after the first a P-frame), its packets stamped pts == dts: as x264 stamps one or two
    frames, and as a muxer may a stream it need not shift (a phone's, a screen recorder's)."""
    with av.open(str(path), "w", format=fmt) as container:
        stream = container.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt, stream.options = 64, 48, "yuv420p", x264(8, 2)
        for i, stamp in enumerate(stamps):
            frame = av.VideoFrame.from_ndarray(pattern_frame(i, 48, 64), format="rgb24")
            frame.pts, frame.time_base = stamp, Fraction(1, 25)
            frame.pict_type = av.video.frame.PictureType.P if i else frame.pict_type
            for packet in [*stream.encode(frame), *(stream.encode() if i == len(stamps) - 1 else [])]:
                packet.dts = packet.pts
                container.mux(packet)
    return str(path)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    "fmt, stamps",
    [("mp4", [5]), ("mp4", [5, 6]), ("mp4", [0, 1, 2, 5, 6, 7, 20, 21, 22, 23]), ("mpegts", [0, 1, 5, 6, 20, 30])],
)
def test_h264_that_may_reorder_stamped_pts_equal_dts_without_b_frames_keeps_its_times(tmp_path, fmt, stamps, backend):
    # pts == dts where the decoder may reorder were taken for decode times (an MXF's B-frames): no frame times, the
    # frames counted at the rate. A two-frame mp4 starting at 0.2 s read them at 0.0 and 0.04 s; the variable-rate
    # mp4 read frame 6 (0.8 s) at 0.61 s, 0.96 s as 1.02 s. A decode that reorders no frame tells they are its times
    path = write_h264_pts_as_dts(tmp_path / f"video.{fmt}", fmt, stamps)
    with av.open(path) as container:
        assert container.streams.video[0].codec_context.has_b_frames
        assert all(p.pts == p.dts for p in container.demux(video=0) if p.size)
    with av.open(path) as container:
        frames = list(container.decode(video=0))
        shown = [float(frame.time) for frame in frames]
        lasts = float(frames[-1].duration * frames[-1].time_base)  # (the last frame lasts 0.04 s, not 10 frames)
    assert shown == pytest.approx([stamp / 25 for stamp in stamps])
    with open_video(path, backend=backend) as reader:
        assert reader.frame_times() == pytest.approx(shown, abs=1e-9)
        assert reader.info.duration == pytest.approx(shown[-1] + lasts - shown[0], abs=1e-9)
        if fmt == "mp4":  # (a transport stream's clock starts at its first frame)
            assert reader.first_frame_seconds() == pytest.approx(shown[0], abs=1e-9)
        assert frame_indices(reader.read(list(range(len(stamps))))) == list(range(len(stamps)))


def test_a_whole_mp4_that_starts_late_and_is_trimmed_by_its_edit_list_does_not_warn(tmp_path):
    from vivit_hf.processing.video_pyav import PyAVReader

    # An empty edit delays the video 0.2 s, and the next edit shows 0.8 s of its 1.2 s (an editor's trim of the end):
    # FFmpeg's duration of the track is then the edits' end, 1.0 s, the delay counted in, and the start added to it
    # again said this whole file was cut short ("lasts until 1.20 s, but its frames end at 1.00 s").
    # (its index first, as web videos have it: a copy cut short keeps it, and still says it is cut)
    late = write_stamped(tmp_path / "late.mp4", "mp4", "libx264", 30, x264(8, 2), first=5, muxer_options=FASTSTART)
    with av.open(late) as container:  # shown 0.2 s in, on the movie's clock, as FFmpeg's frames and start time say
        shown, start = float(next(container.decode(video=0)).time), container.start_time / 1_000_000
    assert shown == start == 0.2
    with open_video(late) as reader:  # (its one stream starts late: it read 0.0, as a transport stream's clock)
        assert reader.first_frame_seconds() == pytest.approx(shown, abs=1e-9)
    data = bytearray(open(late, "rb").read())
    with av.open(late) as container:  # untrimmed, cut by about its delay: its frames end where its duration says
        packet = [p for p in container.demux(video=0) if p.size][22]
    (tmp_path / "late_cut.mp4").write_bytes(data[: packet.pos + packet.size])
    assert len(sequential_decode(tmp_path / "late_cut.mp4")) == 23  # of 30: it lost 0.28 s, and was read as whole
    with pytest.warns(UserWarning, match="lasts until 1.40 s, but its frames end at 1.12 s"):
        probe(str(tmp_path / "late_cut.mp4"))
    at = data.index(b"elst") + 4  # version and flags, the count of edits (2: the delay, then the media), the edits
    assert (data[at], int.from_bytes(data[at + 4 : at + 8], "big")) == (0, 2)
    data[at + 20 : at + 24] = (800).to_bytes(4, "big")  # the second edit's duration, in milliseconds: 1200 -> 800
    trimmed = tmp_path / "trimmed.mp4"
    trimmed.write_bytes(data)
    truth = sequential_decode(trimmed)
    assert frame_indices(truth) == list(range(20))
    (tmp_path / "padded.mp4").write_bytes(data + bytes(4))  # zero bytes after its last box, which FFmpeg skips
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert probe(str(trimmed)).num_frames == 20
        assert np.array_equal(read_frames(str(trimmed), range(20)), truth)
        # padded, and opened by the caller: its boxes were not read (nor a padded file's ended), so it was said to be
        # cut short
        with av.open(str(tmp_path / "padded.mp4")) as container:
            assert PyAVReader(container).num_frames == 20
    with av.open(str(trimmed)) as container:  # the same file cut after its 12th packet still says so
        packet = [p for p in container.demux(video=0) if p.size][12]
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: packet.pos + packet.size])
    with pytest.warns(UserWarning, match="is cut short"):
        probe(str(cut))


@pytest.mark.parametrize("trailing", [b"", b"\0\0\0"])
def test_a_whole_flv_whose_audio_runs_past_its_video_does_not_warn(tmp_path, trailing):
    # an FLV states one duration, the longest stream's: 3.2 s of audio beside 1 s of video is a whole file; so too
    # with bytes after its last tag (padding: the muxer's `filesize` is all there), said to be cut short at 1.08 s
    path = str(tmp_path / "long_audio.flv")
    with av.open(path, "w", format="flv") as container:
        video = container.add_stream("libx264", rate=25)
        video.width, video.height, video.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        audio = container.add_stream("aac", rate=8000, layout="mono")
        for i in range(25):
            for packet in video.encode(av.VideoFrame.from_ndarray(pattern_frame(i, HEIGHT, WIDTH), format="rgb24")):
                container.mux(packet)
        for i in range(25):
            frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
            frame.sample_rate, frame.pts = 8000, i * 1024
            container.mux(audio.encode(frame))
        container.mux(video.encode() + audio.encode())
    with open(path, "ab") as file:
        file.write(trailing)
    with av.open(path) as container:
        assert container.duration / 1e6 > 3
        assert len(list(container.decode(video=0))) == 25  # (the reference: a sequential decode)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert probe(path).num_frames == 25


def textured_frame(i: int) -> np.ndarray:
    """Pattern frame `i` over gradients, one of them moving: texture for a decoder to predict from."""
    frame = pattern_frame(i, HEIGHT, WIDTH).astype(np.int32)
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH]
    frame[..., 1] = frame[..., 1] // 2 + x * 255 // (WIDTH - 1) // 2
    frame[..., 2] = frame[..., 2] // 2 + (y + 3 * i) * 255 // (HEIGHT - 1) % 256 // 2
    return frame.astype(np.uint8)


def test_a_read_after_the_damaged_last_frame_of_a_cut_file_reads_as_a_sequential_decode(tmp_path):
    """A transport stream cut inside its 21st packet (a recording or a download that stopped): its decoder makes a
    damaged picture of it, and FFmpeg's H.264 decoder keeps some of its state through the flush of a seek. Frames read
    after the last one came out up to 141 grey levels off (frames 0-7, labels right), and right on the read after."""
    full = tmp_path / "full.ts"
    with av.open(str(full), "w", format="mpegts") as container:
        stream = container.add_stream("libx264", rate=FPS, options={**x264(8, 0), "crf": "18"})
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        for i in range(24):
            frame = av.VideoFrame.from_ndarray(textured_frame(i), format="rgb24")
            frame.pts = i
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    with av.open(str(full)) as container:
        packet = [p for p in container.demux(video=0) if p.size][20]
    cut = tmp_path / "cut.ts"
    cut.write_bytes(full.read_bytes()[: packet.pos + packet.size // 2])
    with av.open(str(cut)) as container:  # one thread: frame threads conceal a damaged picture differently each run
        container.streams.video[0].thread_type = "NONE"
        truth = np.stack([frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)])
    with open_video(str(cut)) as reader:
        assert reader.num_frames == len(truth) == 21
        reader.read([20])  # (the damaged picture itself: concealed as a decode that starts at its keyframe does)
        assert_pictures(reader.read(range(8)), truth, range(8), exact=True)
        assert_pictures(reader.read(range(19, -1, -1)), truth, range(19, -1, -1), exact=True)


def sequential_decode_on_one_thread(path) -> np.ndarray:
    """`sequential_decode` on one thread, and which frames the decoder flagged damaged: FFmpeg's frame threads conceal
    a damaged picture differently from run to run, and its slice threads leave the damage as the picture buffer held
    it."""
    frames = []
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "NONE"
        for packet in container.demux(stream):
            frames += stream.codec_context.decode(packet if packet.size else None)
    return np.stack([frame.to_ndarray(format="rgb24") for frame in frames]), [f.is_corrupt for f in frames]


@pytest.mark.parametrize("fmt", ["nut", "avi"])
def test_the_damaged_picture_of_a_cut_file_reads_as_a_one_thread_sequential_decode(tmp_path, fmt):
    """A file cut inside its last packet by a download that stopped (these demuxers do not flag the packet): the
    decoder conceals the cut picture from the frames decoded before it. Read alone or in a clip, from its keyframe
    and with frames skipped, it came out up to 112 grey levels off a sequential decode (another frame's stripes),
    and a clip's differed from the same frame read alone. It is read from the first frame, as a sequential decode."""
    cut = tmp_path / f"cut.{fmt}"
    cut.write_bytes(cut_inside_a_packet(tmp_path / f"full.{fmt}", fmt, {}, packet=29))
    truth, damaged = sequential_decode_on_one_thread(cut)
    assert sum(damaged) == 1  # the cut picture, concealed from the frames decoded before it
    n = len(truth)
    for i in (damaged.index(True), n - 1, n - 2):
        with open_video(str(cut)) as reader:
            assert_pictures(reader.read([i]), truth, [i], exact=True)
    processor = ViViTVideoProcessor(
        num_frames=8,
        frame_stride=2,
        num_clips=3,
        do_resize=False,
        do_center_crop=False,
        do_rescale=False,
        do_normalize=False,
        decode_backend="pyav",
    )
    for mode in ("uniform", "stride"):
        out = processor(str(cut), sampling_mode=mode, return_tensors="pt", return_metadata=True)
        for clip, pixels in zip(out["video_metadata"][0]["clip_frames_indices"], out["pixel_values"]):
            assert_pictures(pixels.permute(0, 2, 3, 1).round().to(torch.uint8).numpy(), truth, clip, exact=True)


def test_a_transport_stream_that_lost_a_keyframe_streams_the_frames_a_read_gives(tmp_path):
    # A broadcast recording that lost a keyframe's packets: MPEG-2's decoder then gives a few frames out of
    # presentation order (46, 47, then 45). `read` takes frames as they come; `iter_read` (the pipeline's timeline)
    # took a frame after the one it waited for as that one missing and failed: "frames [45, 48, 51, ...] could not be
    # decoded", where `read` gave them. It now holds the few that come early.
    whole = write_stamped(
        tmp_path / "whole.ts", "mpegts", "mpeg2video", 100, {"bf": "2", "g": "24"}, height=96, width=128
    )
    path = tmp_path / "lost.ts"
    with av.open(whole) as source, av.open(str(path), "w", format="mpegts") as out:
        copy = out.add_stream_from_template(source.streams.video[0])
        keyframes = 0
        for packet in source.demux(video=0):
            keyframes += bool(packet.is_keyframe)
            if packet.size and not (packet.is_keyframe and keyframes == 3):
                packet.stream = copy
                out.mux(packet)
    with open_video(str(path), backend="pyav") as reader:
        for step in (1, 3):
            wanted = list(range(0, reader.num_frames, step))
            read = reader.read(wanted)
            streamed = list(reader.iter_read(wanted))
            assert [i for i, _ in streamed] == wanted
            assert frame_indices(np.stack([frame for _, frame in streamed])) == frame_indices(read)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("fmt", ["avi", "mjpeg"])
def test_an_mjpeg_file_that_ends_inside_a_packet_leaves_the_cut_picture_out(tmp_path, backend, fmt):
    # MJPEG never reorders, so its AVI (or raw stream) is indexed by counting packets, not by a decode at open; the
    # cut packet was a frame, and MJPEG's decoder leaves the rows past the cut as its buffer held them: the last
    # frame showed another frame's pixels (frame 0, 3, 21 or 24 for 42, from read to read). It is left out, as where
    # the table counts packets in mp4 or mkv (a raw stream's demuxer does not flag it: its JPEG has no end marker).
    path = tmp_path / f"full.{fmt}"
    write_stamped(path, fmt, "mjpeg", 40, {}, pix_fmt="yuvj420p", height=96, width=128)
    with av.open(str(path)) as container:
        last = [p for p in container.demux(video=0) if p.size][26]
    cut = tmp_path / f"cut.{fmt}"
    cut.write_bytes(path.read_bytes()[: last.pos + last.size // 2])
    truth = sequential_decode(cut)[:-1]  # the decoder's picture of the cut packet is not kept
    assert frame_indices(truth) == list(range(26))
    assert_reads_like_a_sequential_decode(str(cut), truth, backend)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    "encoder, options", [("libx264", x264(24, 3, ":b-pyramid=normal")), ("mpeg4", {"bf": "2", "g": "24"})]
)
def test_an_avi_with_a_lost_stretch_reads_as_a_sequential_decode(tmp_path, backend, encoder, options):
    # One GOP's chunks zeroed (a download tool that preallocates, a bad copy) while the index at the end is whole:
    # read from the start, the demuxer skips what it cannot parse and counts on, so every later packet's dts is 24
    # lower than after a seek, which takes it from the index. The frames were named by the first count and read by
    # the second: a read after the stretch gave other frames under the asked indices (frame 72 for 48, 255 grey
    # levels off), without a word. Reads after a seek now check each packet is the one its dts named at open, and
    # decode from the start where one is not.
    path = tmp_path / "lost.avi"
    write_stamped(path, "avi", encoder, 120, options, height=96, width=128)
    with av.open(str(path)) as container:
        packets = [p for p in container.demux(video=0) if p.size]
    data = bytearray(path.read_bytes())
    begin, end = packets[24].pos - 8, packets[47].pos + packets[47].size  # chunk headers and data of a GOP
    data[begin:end] = bytes(end - begin)
    path.write_bytes(bytes(data))
    truth = sequential_decode(path)
    labels = frame_indices(truth)
    after = next(i for i in range(len(labels)) if labels[i:] == list(range(labels[i], 120)))  # the damage's end
    assert 0 < after < len(truth) - 24 and len(truth) < 120
    with open_video(str(path), backend=backend) as reader:
        exact = reader.backend == "pyav"
        assert reader.num_frames == len(truth)
        for i in range(len(truth) - 1, after - 1, -1):  # the last first: a seek past the damage
            assert_pictures(reader.read([i]), truth, [i], exact)
        clip = list(range(len(truth) - 1, after - 1, -3))
        assert_pictures(reader.read(clip), truth, clip, exact)
        streamed = list(reader.iter_read(clip))
        assert [i for i, _ in streamed] == sorted(clip)
        assert_pictures(np.stack([f for _, f in streamed]), truth, sorted(clip), exact)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("fmt", ["mp4", "matroska", "mpegts", "flv"])
def test_intra_refresh_h264_reads_every_refresh_wave_like_a_sequential_decode(tmp_path, backend, fmt):
    # The trial's files (x264 intra refresh, no B-frames: low-latency encoders, screen recorders, IP cameras): the
    # decoder withholds a wave's first frames when decoding starts there, and where the wave starts at a frame_num
    # that wraps to 0 (every 16th frame here) it then gives the whole wave wrong, unflagged, up to 255 grey levels
    # off (frames 82-99 of a keyint-20 file; 156 of 200 at keyint 32), while the frame stamps still read right.
    path = write_stamped(tmp_path / f"refresh.{fmt}", fmt, "libx264", 100, x264(16, 0, ":intra-refresh=1"))
    truth = sequential_decode(path)
    assert frame_indices(truth) == list(range(100))
    assert_reads_like_a_sequential_decode(path, truth, backend)


@pytest.mark.torchcodec
def test_intra_refresh_h264_read_through_torchcodec_gives_the_asked_frames(tmp_path):
    # x264's intra refresh has one IDR frame; the first frame of each later refresh wave is flagged a sync sample
    # in mp4, though no decoder can start there. torchcodec seeked to it and returned frame 22 for frames 20 and 21.
    path = write_stamped(tmp_path / "refresh.mp4", "mp4", "libx264", 40, x264(20, 0, ":intra-refresh=1"))
    truth = sequential_decode(path)
    assert frame_indices(truth) == list(range(40))
    assert_pictures(read_frames(path, [20, 21], backend="torchcodec"), truth, [20, 21], exact=False)
    assert_reads_like_a_sequential_decode(path, truth, "torchcodec")


@pytest.mark.torchcodec
@pytest.mark.parametrize("stored_as", ["path", "bytes"])
def test_intra_refresh_h264_in_a_datasets_video_column_gives_the_asked_frames(tmp_path, stored_as):
    # A decoded datasets.Video value is a torchcodec VideoDecoder: checked against PyAV's table of its file too.
    from datasets import Dataset, Video

    path = write_stamped(tmp_path / "refresh.mp4", "mp4", "libx264", 40, x264(20, 0, ":intra-refresh=1"))
    truth = sequential_decode(path)
    value = path if stored_as == "path" else {"bytes": open(path, "rb").read(), "path": None}
    decoder = Dataset.from_dict({"video": [value]}).cast_column("video", Video())[0]["video"]
    assert type(decoder).__module__.startswith("torchcodec")
    assert_pictures(read_frames(decoder, [20, 21, 30]), truth, [20, 21, 30], exact=False)


@pytest.mark.parametrize("backend", BACKENDS)
def test_h264_with_b_frames_in_mxf_reads_in_presentation_order(tmp_path, backend):
    # FFmpeg's MXF muxer stores H.264 without presentation times (pts == dts): sorted, they give decode order.
    path = write_stamped(tmp_path / "camera.mxf", "mxf", "libx264", 40, x264(8, 3))
    truth = sequential_decode(path)
    assert frame_indices(truth) == list(range(40))
    assert_reads_like_a_sequential_decode(path, truth, backend)


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_mxf_file_cut_before_its_index_reads_as_a_sequential_decode(tmp_path, backend):
    # FFmpeg's MXF muxer writes a long-GOP stream's index tables in the footer: cut before it (a recording or a copy
    # that stopped), the demuxer seeks to a byte estimate from the bit rate and labels the packets it lands on from the
    # time asked. Frame 36 read alone gave frame 24 (102 grey levels off), and torchcodec, which seeks so too, others.
    full = write_stamped(tmp_path / "full.mxf", "mxf", "mpeg2video", 30, {"bf": "2", "g": "12"})
    data = open(full, "rb").read()
    path = tmp_path / "cut.mxf"
    path.write_bytes(data[: len(data) * 9 // 10])
    truth = sequential_decode(path)
    assert frame_indices(truth) == list(range(len(truth))) and len(truth) > 24
    assert_reads_like_a_sequential_decode(str(path), truth, backend)


def stamped_in_decode_order(source, path, fmt: str) -> str:
    """`source`'s packets copied into a `fmt` container with each one's decode time as its presentation time, as a
    tool that stamps packets as they come writes them (the file then keeps no presentation times)."""
    with av.open(str(source)) as src, av.open(str(path), "w", format=fmt) as out:
        stream = src.streams.video[0]
        copy = out.add_stream_from_template(stream)
        packets = [p for p in src.demux(stream) if p.size]
        first = min(p.dts for p in packets)
        for packet in packets:
            packet.pts = packet.dts = packet.dts - first
            packet.stream = copy
            out.mux(packet)
    return str(path)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("fmt", ["matroska", "nut"])
def test_h264_with_b_frames_stamped_in_decode_order_reads_in_presentation_order(tmp_path, backend, fmt):
    # Matroska and NUT keep no dts (FFmpeg guesses them from the pts), so pts == dts, the MXF case above, did not
    # tell: the decode-order stamps were sorted, frame 1 read frame 3 (255 grey levels off) and some frames "could not
    # be decoded". The frames play at their stamps, in order: 40 frames at 25 fps last 1.6 s.
    source = write_stamped(tmp_path / "clip.mp4", "mp4", "libx264", 40, x264(8, 3))
    path = stamped_in_decode_order(source, tmp_path / f"stamped.{fmt}", fmt)
    truth = sequential_decode(path)
    assert frame_indices(truth) == list(range(40))
    assert_reads_like_a_sequential_decode(path, truth, backend)
    with open_video(path, backend=backend) as reader:
        assert (reader.info.fps, reader.info.duration) == (pytest.approx(FPS), pytest.approx(40 / FPS))
        times = reader.frame_times()
        assert times is None or np.diff(times) == pytest.approx(1 / FPS)


@pytest.mark.parametrize("fmt", ["matroska", "nut"])
def test_mpeg2_of_i_and_p_frames_is_not_decoded_whole_at_open(tmp_path, monkeypatch, fmt):
    # FFmpeg's MPEG-2 encoder without B-frames leaves the low-delay flag unset: the decoder declares a delay, the pts
    # rise, as in a stream of B-frames stamped in decode order (above), and the whole file was decoded at open to
    # order frames that come out in decode order anyway (a read of 32 frames of 250 cost twice as long). A look at
    # the first GOPs tells the two apart.
    from vivit_hf.processing import video_pyav

    path = write_stamped(tmp_path / f"ip.{fmt}", fmt, "mpeg2video", 40, {"bf": "0", "g": "6"})
    with av.open(path) as container:
        assert container.streams.video[0].codec_context.has_b_frames  # the declared delay
    truth = sequential_decode(path)
    assert frame_indices(truth) == list(range(40))

    def whole_decode(*args):
        raise AssertionError("decoded the whole file at open")

    monkeypatch.setattr(video_pyav.PyAVReader, "_decoded_table", whole_decode)
    assert_reads_like_a_sequential_decode(path, truth, "pyav")


@pytest.mark.torchcodec
def test_a_matroska_file_torchcodec_cannot_open_is_read_with_pyav(tmp_path):
    # Timestamps from -4 s: torchcodec's index scan could not seek back to time 0 ("Operation not permitted").
    path = write_stamped(
        tmp_path / "negative.mkv",
        "matroska",
        "libx264",
        40,
        x264(8, 3),
        first=-100,
        muxer_options={"avoid_negative_ts": "disabled"},
    )
    truth = sequential_decode(path)
    assert frame_indices(truth) == list(range(40))
    assert_reads_like_a_sequential_decode(path, truth, "torchcodec")


@pytest.mark.torchcodec
@pytest.mark.parametrize("fmt", ["mp4", "mov", "flv"])
def test_torchcodec_reports_the_rate_and_duration_the_file_was_written_with(tmp_path, fmt):
    # 40 frames at 25 fps with B-frames: torchcodec 0.17 ended the stream at the last frame's time plus 0.01 s,
    # and reported 25.48 fps over 1.57 s.
    path = write_stamped(tmp_path / f"clip.{fmt}", fmt, "libx264", 40, x264(8, 3))
    for backend in ("torchcodec", "pyav"):
        with open_video(path, backend=backend) as reader:
            info = reader.info
            assert (info.num_frames, info.fps, info.duration) == (40, pytest.approx(FPS), pytest.approx(40 / FPS))
            assert reader.frame_times() == pytest.approx(np.arange(40) / FPS + reader.frame_times()[0])


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("fmt, encoder", [("matroska", "libx264"), ("webm", "libvpx-vp9"), ("flv", "flv")])
def test_a_ntsc_rate_in_millisecond_timestamps_reads_as_the_rate_written(tmp_path, backend, fmt, encoder):
    # 30 frames at 30000/1001 fps, stamped in milliseconds (Matroska, WebM, FLV): the last starts at 0.968 s, not
    # 0.9676 s, and the rate measured from the stamps read 29.9587 fps, the duration 1.002 s.
    rate, count = Fraction(30000, 1001), 30
    path = tmp_path / f"clip.{fmt}"
    with av.open(str(path), "w", format=fmt) as container:
        stream = container.add_stream(encoder, rate=rate)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        for i in range(count):
            for packet in stream.encode(av.VideoFrame.from_ndarray(pattern_frame(i, HEIGHT, WIDTH), format="rgb24")):
                container.mux(packet)
        container.mux(stream.encode())
    with av.open(str(path)) as container:
        stamps = [p.pts for p in container.demux(video=0) if p.size]
        assert container.streams.video[0].time_base == Fraction(1, 1000) and max(stamps) - min(stamps) == 968
    with open_video(str(path), backend=backend) as reader:
        assert reader.fps == pytest.approx(float(rate), rel=1e-12)
        assert (reader.info.num_frames, reader.info.duration) == (count, pytest.approx(count / rate, rel=1e-12))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    "fmt, rate", [("mp4", Fraction(30000, 1001)), ("mov", Fraction(24000, 1001)), ("mp4", Fraction(60000, 1001))]
)
def test_a_ntsc_rate_stamped_in_milliseconds_into_mp4_reads_as_the_rate_written(tmp_path, backend, fmt, rate):
    # A writer that stamps its frames in milliseconds (`frame.pts` in a time base of 1/1000: a screen recorder, a
    # capture loop) into MP4 / MOV: the muxer rescales the stamps to its timescale, 16 ticks a millisecond, so the
    # span, rounded to a millisecond, is no tick of 1/16000 s from the rate written; 30000/1001 fps read 29.977 fps
    # (24000/1001: 23.9705, 60000/1001: 59.908), where the same stamps in Matroska read the rate written.
    count, timescale = 40, 16000  # the muxer's timescale for a time base of 1/1000 (doubled until 10000 or more)
    path = tmp_path / f"clip.{fmt}"
    with av.open(str(path), "w", format=fmt) as container:
        stream = container.add_stream("libx264", rate=rate)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.codec_context.time_base = Fraction(1, 1000)
        for i in range(count):
            frame = av.VideoFrame.from_ndarray(pattern_frame(i, HEIGHT, WIDTH), format="rgb24")
            frame.pts, frame.time_base = round(i / rate * 1000), Fraction(1, 1000)
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    with av.open(str(path)) as container:
        stamps = np.array(sorted(p.pts for p in container.demux(video=0) if p.size))
        assert container.streams.video[0].time_base == Fraction(1, timescale)
        assert np.gcd.reduce(np.diff(stamps)) == timescale // 1000 and len(set(np.diff(stamps))) == 2
    with open_video(str(path), backend=backend) as reader:
        assert reader.fps == pytest.approx(float(rate), rel=1e-12)
        assert (reader.info.num_frames, reader.info.duration) == (count, pytest.approx(count / rate, rel=1e-12))
        assert reader.frame_times() - reader.frame_times()[0] == pytest.approx((stamps - stamps[0]) / timescale)


@pytest.mark.parametrize("bframes", [0, 3])
def test_an_flv_whose_timestamps_start_below_0_reads_as_a_sequential_decode(tmp_path, bframes):
    # FLV's muxers write a negative timestamp in 31 bits (-200 ms as 2^31 - 200), which FFmpeg reads 24.8 days before
    # the stamps from 0 on: with B-frames, frames 5-8 read as 6, 8, 5, 7 (a B-frame decoded before 0 and shown after
    # it sorted before frame 0); without, the file's rate read 0.00002 fps over 24.8 days.
    path = write_stamped(
        tmp_path / "negative.flv",
        "flv",
        "libx264",
        40,
        x264(12, bframes),
        first=-5,
        muxer_options={"avoid_negative_ts": "disabled"},
    )
    with av.open(path) as container:
        assert min(p.pts for p in container.demux(video=0) if p.size) == 2**31 - 200  # as such files are read
    truth = sequential_decode(path)
    assert frame_indices(truth) == list(range(40))
    assert_reads_like_a_sequential_decode(path, truth, "pyav")
    with open_video(path) as reader:
        assert (reader.info.fps, reader.info.duration) == (pytest.approx(FPS), pytest.approx(40 / FPS))
        assert reader.frame_times() == pytest.approx((np.arange(40) - 5) / FPS)


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_flv_whose_clock_starts_again_lasts_as_its_parts_play(tmp_path, backend):
    """A recorder that appends a reconnected stream to its FLV stamps the second part from 0 again, from a keyframe on
    (each tag's stamp: 24 bits, then 7 of an extension byte). Timed by its stamps, 40 frames of 25 fps read 51.3 fps
    over 0.76 s (frames colliding at 0.08 s); its parts played one after the other last 1.6 s. (torchcodec's own index
    gave frames 20-39, then 30-39, and failed on 4 of 40: such a file is read with PyAV.)"""
    path = write_stamped(tmp_path / "whole.flv", "flv", "libx264", 40, x264(10, 2))
    data = bytearray(open(path, "rb").read())
    position, video, again = int.from_bytes(data[5:9], "big") + 4, 0, False  # (after the header and a size of 0)
    while position + 11 <= len(data):
        size = int.from_bytes(data[position + 1 : position + 4], "big")
        if data[position] & 0x1F == 9:  # a video tag: the second part from the first keyframe of tag 20 on
            again |= video >= 20 and data[position + 11] >> 4 == 1
            if again:
                stamp = int.from_bytes(data[position + 4 : position + 7], "big") - 800
                data[position + 4 : position + 7] = stamp.to_bytes(3, "big")
            video += 1
        position += 11 + size + 4
    restarted = tmp_path / "restarted.flv"
    restarted.write_bytes(bytes(data))
    truth = sequential_decode(restarted)
    assert frame_indices(truth) == list(range(40))
    with open_video(str(restarted), backend=backend) as reader:
        assert (reader.info.fps, reader.info.duration) == (pytest.approx(FPS), pytest.approx(40 / FPS))
        assert_pictures(reader.read([39, 0, 20, 19, 25]), truth, [39, 0, 20, 19, 25], exact=True)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_file_whose_tags_are_not_utf8_reads_like_a_sequential_decode(tmp_path, backend):
    # An old tool's Latin-1 title: PyAV refused the whole file ("'utf-8' codec can't decode byte 0xe9").
    path = write_stamped(tmp_path / "tagged.mp4", "mp4", "libx264", 20, x264(8, 3))
    data = open(path, "rb").read()
    with av.open(path) as container:  # the muxer wrote an encoder tag: overwritten with Latin-1 bytes
        encoder = container.metadata["encoder"].encode()
    assert data.count(encoder) == 1
    tagged = tmp_path / "latin1.mp4"
    tagged.write_bytes(data.replace(encoder, b"Caf\xe9" + b"x" * (len(encoder) - 4)))
    with open_input(str(tagged)) as container:  # the reference reads past the tag
        truth = np.stack([frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)])
    assert frame_indices(truth) == list(range(20))
    assert_reads_like_a_sequential_decode(str(tagged), truth, backend)


@pytest.mark.torchcodec
def test_a_torchcodec_decode_error_names_the_file_and_not_torchcodec_source_lines(tmp_path):
    path = write_stamped(
        tmp_path / "clip.mp4", "mp4", "libx264", 40, x264(8, 3), muxer_options={"movflags": "faststart"}
    )
    data = open(path, "rb").read()
    third = len(data) // 3
    damaged = tmp_path / "damaged.mp4"
    damaged.write_bytes(data[:third] + bytes(third) + data[2 * third :])
    with pytest.raises(VideoDecodeError) as error:
        read_frames(str(damaged), range(40), backend="torchcodec")
    assert repr(str(damaged)) in str(error.value) and ".cpp:" not in str(error.value)


class PipeStream(io.RawIOBase):
    """A stream that reads forward only, as a pipe or a socket does (`seekable()` is False)."""

    def __init__(self, data: bytes):
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        return self._data.readinto(buffer)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("fmt", ["matroska", "mp4"])
@pytest.mark.parametrize("already_read", ["100 bytes", "all of it"])
def test_a_file_object_the_caller_read_from_is_read_from_its_start(tmp_path, backend, fmt, already_read):
    # A caller that sniffed the header or took a checksum first: a path is read from its start, and so is an open
    # file. A Matroska file (of 12 frames here, under 3 kB: larger ones opened after a short sniff, by luck) refused
    # to open ("Invalid data found when processing input"); mp4 files opened.
    path = write_stamped(tmp_path / f"clip.{fmt}", fmt, "libx264", 12, x264(6, 2))
    truth = sequential_decode(path)
    assert frame_indices(truth) == list(range(12))
    with open(path, "rb") as file:
        file.read(100 if already_read == "100 bytes" else -1)
        with open_video(file, backend=backend) as reader:
            assert reader.num_frames == 12
            assert_pictures(reader.read(range(11, -1, -1)), truth, range(11, -1, -1), reader.backend == "pyav")


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_stream_that_cannot_seek_is_read_from_where_the_caller_left_it(tmp_path, backend):
    # A pipe cannot go back: what follows the caller's own 100-byte header is the video (read into memory).
    path = write_stamped(tmp_path / "clip.mkv", "matroska", "libx264", 20, x264(6, 2))
    truth = sequential_decode(path)
    stream = PipeStream(b"\x00" * 100 + open(path, "rb").read())
    assert stream.read(100) == b"\x00" * 100
    assert_pictures(read_frames(stream, range(20), backend=backend), truth, range(20), exact=backend == "pyav")


class Ext4File(io.FileIO):
    """A file whose seeks past ext4's largest file (16 TiB) fail with EINVAL, as `lseek` there fails (tmpfs and xfs
    take them), so the test fails alike on any file system."""

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET and offset >= 1 << 44:
            raise OSError(errno.EINVAL, "Invalid argument")
        return super().seek(offset, whence)


@pytest.mark.parametrize("opener", [Ext4File, lambda path: open(path, "rb")], ids=["ext4", "open"])
def test_a_nut_file_without_an_index_opened_as_a_file_object_reads_as_its_path(tmp_path, opener):
    # The NUT demuxer looks for an index at the end, finds none, and seeks to an offset it read there (9.2e18, what
    # these bytes spell), which ext4 refuses: FFmpeg goes on past a path's failed seek, and PyAV raised the file
    # object's OSError once FFmpeg returned, "[Errno 22] Invalid argument", for a file its path and bytes read.
    # The offset is the file's size less the 8 bytes 12 from its end (the last picture's), read as a signed number:
    # one of about two files of a length spells a negative one, whose seek lands past 2^62
    for num_frames in range(12, 40):
        options = {"muxer_options": {"write_index": "0"}}
        path = write_stamped(tmp_path / "clip.nut", "nut", "libx264", num_frames, x264(6, 2), **options)
        data = open(path, "rb").read()
        offset = len(data) - int.from_bytes(data[-12:-4], "big", signed=True)
        if offset >= 1 << 44:
            break
    assert offset >= 1 << 44  # (the case: a seek past the file system's largest file)
    truth = sequential_decode(path)
    assert frame_indices(truth) == list(range(num_frames))
    backwards = range(num_frames - 1, -1, -1)
    with opener(path) as file, open_video(file) as reader:
        assert reader.num_frames == num_frames
        assert_pictures(reader.read(backwards), truth, backwards, exact=True)
        streamed = np.stack([frame for _, frame in reader.iter_read(range(num_frames))])
        assert_pictures(streamed, truth, range(num_frames), exact=True)


@pytest.mark.parametrize("num_frames", [2, 3])
@pytest.mark.parametrize("encoder", ["libx264", "mpeg2video"])
def test_a_transport_stream_of_a_few_frames_reads_as_a_sequential_decode(tmp_path, num_frames, encoder):
    # FFmpeg's format probe takes so short a .ts (under 2 KB) for a program stream, "[Errno 541478725] End of file":
    # the clip was refused. Opened as the transport stream it is, it reads every frame.
    options = x264(12, 2) if encoder == "libx264" else {}
    path = write_stamped(tmp_path / "clip.ts", "mpegts", encoder, num_frames, options)
    with pytest.raises(av.FFmpegError):
        av.open(path).close()  # (the case: FFmpeg cannot tell what it is)
    with av.open(path, format="mpegts") as container:
        truth = np.stack([frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)])
    assert frame_indices(truth) == list(range(num_frames))
    data = open(path, "rb").read()
    for source in (path, data, io.BytesIO(data)):
        with open_video(source) as reader:
            assert (reader.num_frames, reader.fps) == (num_frames, FPS)
            assert_pictures(reader.read(range(num_frames)[::-1]), truth, range(num_frames)[::-1], exact=True)
    processor = ViViTVideoProcessor(num_frames=4, frame_stride=1, do_resize=False, do_center_crop=False)
    assert processor(path, return_tensors="pt")["pixel_values"].shape == (1, 4, 3, HEIGHT, WIDTH)  # (looped)


@pytest.mark.parametrize("fmt", ["mp4", "matroska"])
def test_a_file_whose_samples_all_last_0_reads_every_frame(tmp_path, fmt):
    # Every packet stamped 0 (zero-duration samples: a recorder or a camera whose clock never ran): the seek to time 0
    # that starts a read landed at the last keyframe stamped 0 (packet 4 in mp4, 6 in Matroska), which the stamps of
    # the first packet did not tell from it. The reader counted 6 frames (4) of 10 and read frames 4-9 as 0-5.
    path = str(tmp_path / "still_clock.video")
    with av.open(path, "w", format=fmt) as container:
        stream = container.add_stream("mjpeg", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = 32, 24, "yuvj420p"
        for i in range(10):
            frame = av.VideoFrame.from_ndarray(pattern_frame(i, 24, 32), format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, FPS)
            for packet in stream.encode(frame):
                packet.pts = packet.dts = 0
                container.mux(packet)
    truth = sequential_decode(path)
    assert frame_indices(truth) == list(range(10))
    with open_video(path) as reader:
        assert reader.num_frames == 10
        assert_pictures(reader.read(range(9, -1, -1)), truth, range(9, -1, -1), exact=True)
        assert_pictures(reader.read([3]), truth, [3], exact=True)


# -- a stream whose resolution changes mid-way (two transport-stream captures joined byte for byte) -----------------
def _ts_part(width: int, height: int, count: int, first_pts: int) -> bytes:
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mpegts") as container:
        stream = container.add_stream("libx264", rate=25, options={"bf": "0", "g": "10"})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.time_base = Fraction(1, 25)
        for i in range(count):
            frame = av.VideoFrame.from_ndarray(pattern_frame(first_pts + i, height, width), format="rgb24")
            frame.pts, frame.time_base = first_pts + i, Fraction(1, 25)
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return buffer.getvalue()


def test_a_resolution_change_brings_every_frame_to_the_first_frames_size_whatever_else_is_read(tmp_path):
    """FFmpeg's scaler keeps its output at the first frame's size; a frame's size and pixels must not depend on which
    other frames one read asks for (they did: frames 25 and 30 came at 96x48 alone, at 64x48 beside frame 0)."""
    path = tmp_path / "joined.ts"
    path.write_bytes(_ts_part(64, 48, 20, 0) + _ts_part(96, 48, 20, 20))
    with av.open(str(path)) as container:  # the reference: a sequential decode, resized by PIL
        decoded = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    assert {d.shape for d in decoded} == {(48, 64, 3), (48, 96, 3)}
    expected = [np.asarray(Image.fromarray(decoded[i]).resize((64, 48), Image.BILINEAR)) for i in (25, 30)]
    alone, beside = read_frames(str(path), [25, 30]), read_frames(str(path), [0, 5, 25, 30])
    assert alone.shape == (2, 48, 64, 3)
    np.testing.assert_array_equal(alone, np.stack(expected))
    np.testing.assert_array_equal(beside[2:], alone)
    np.testing.assert_array_equal(beside[0], decoded[0])
    reader = open_video(str(path))
    reader.read([30])
    assert (reader.info.height, reader.info.width) == (48, 64)  # the decoder's size follows its last frame
    assert [f.shape for _, f in reader.iter_read([0, 25])] == [(48, 64, 3)] * 2


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("fmt, codec", [("avi", "rawvideo"), ("mov", "rawvideo"), ("mov", "qtrle")])
def test_a_palettised_video_reads_in_the_colours_of_its_palette(tmp_path, backend, fmt, codec):
    # The MOV and AVI demuxers hand the palette to the decoder once, with the first packet they read: the frame
    # table's demux at open took it, and every read after decoded without one (all frames black, 139 to 255 grey
    # levels off the sequential decode; torchcodec's index scan takes it too).
    path = write_palettised(tmp_path / f"palette.{fmt}", fmt, codec)
    truth = sequential_decode(path)
    assert frame_indices(truth) == list(range(24)) and truth.max() == 255
    assert_reads_like_a_sequential_decode(path, truth, backend)


@pytest.mark.parametrize("fmt, codec", [("avi", "rawvideo"), ("mov", "rawvideo"), ("mov", "qtrle")])
def test_a_palettised_video_in_a_fresh_container_reads_in_the_colours_of_its_palette(tmp_path, fmt, codec):
    # av.open reads the first packet, the one the palette comes with, into FFmpeg's buffer; the frame table's seek to
    # the start emptied it, and every frame of a caller's container read black (mean 0, the sequential decode 122).
    path = write_palettised(tmp_path / f"palette.{fmt}", fmt, codec)
    truth = sequential_decode(path)
    with av.open(path) as container:
        assert_pictures(read_frames(container, range(23, -1, -1)), truth, range(23, -1, -1), exact=True)


def test_a_palettised_video_whose_palette_was_read_from_its_container_is_refused(tmp_path):
    # its first packet demuxed and not decoded: the palette is gone, and the frames would read black
    path = write_palettised(tmp_path / "palette.mov", "mov", "rawvideo")
    with av.open(path) as container:
        next(iter(container.demux(video=0)))
        with pytest.raises(VideoDecodeError, match="palettised .* path or bytes"):
            read_frames(container, [0])


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    "encoder, fmt, colorspace, matrix",
    [("libvpx-vp9", "webm", 3, 6), ("libx264", "mp4", 8, 6), ("libx264", "mp4", 10, 9), ("libx264", "mkv", 14, 6)],
)
def test_a_colour_matrix_tag_libswscale_refuses_reads_as_its_older_api_converts_it(
    tmp_path, backend, encoder, fmt, colorspace, matrix
):
    # A VP9 "reserved" colour space (tag 3), YCgCo (8), BT.2020 constant luminance (10), ICtCp (14): PyAV 17+
    # converts through libswscale's frame API, which refuses these tags, and every read with PyAV failed with
    # "[Errno 95] Operation not supported" (torchcodec read them). They now convert by the matrix libswscale's older
    # API takes for them (BT.2020 for BT.2020 CL, else BT.601), as torchcodec does.
    path = write_colour_tagged(tmp_path / f"tagged.{fmt}", "matroska" if fmt == "mkv" else fmt, encoder, colorspace)
    frames = []
    with av.open(path) as container:
        for frame in container.decode(video=0):
            assert frame.colorspace == colorspace
            frame.colorspace = matrix  # the matrix libswscale's older API takes for that tag
            frames.append(frame.to_ndarray(format="rgb24"))
    truth = np.stack(frames)
    assert frame_indices(truth) == list(range(24))
    assert_reads_like_a_sequential_decode(path, truth, backend)


@pytest.mark.parametrize("delay", [3, 11])  # hundredths of a second a frame
def test_an_animated_gif_reads_at_the_rate_its_frame_delays_say(tmp_path, delay):
    # 14 frames of 3/100 s: FFmpeg's guessed rate is 33 fps (109/12 for 11/100 s), within a tick of the span, and was
    # taken: 0.42 s read as 0.424 s (1.54 s as 1.541 s), and the processor's clips were timed at 33 fps.
    path = tmp_path / "clip.gif"
    images = [Image.fromarray(pattern_frame(i, HEIGHT, WIDTH)) for i in range(14)]
    images[0].save(path, save_all=True, append_images=images[1:], duration=delay * 10, loop=0)
    with av.open(str(path)) as container:  # the reference: the times a sequential decode gives its frames
        stream = container.streams.video[0]
        times = [float(frame.pts * stream.time_base) for frame in container.decode(stream)]
    assert len(times) == 14 and np.diff(times) == pytest.approx(delay / 100)
    info = probe(str(path))
    assert (info.num_frames, info.fps, info.duration) == (14, pytest.approx(100 / delay), pytest.approx(0.14 * delay))
    processor = ViViTVideoProcessor(num_frames=4, do_resize=False, do_center_crop=False, do_rescale=False)
    out = processor(str(path), do_normalize=False, return_metadata=True)
    assert out["video_metadata"][0]["fps"] == pytest.approx(100 / delay)


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_apng_whose_frames_draw_over_the_one_before_reads_as_a_sequential_decode(tmp_path, backend):
    # Each frame restores the one before it (disposal 2) and small frames draw over it; the demuxer flags the second,
    # which covers the canvas, a keyframe: torchcodec read frames after a seek there 40-60 grey levels off.
    rng = np.random.default_rng(0)
    background = (rng.integers(0, 4, (HEIGHT, WIDTH, 1)) * 60).astype(np.uint8).repeat(3, -1)
    frames = []
    for i in range(30):
        frame = background.copy()
        frame[(i * 3) % 40 :][:8, (i * 5) % 56 :][:, :8] = (255, 0, 0)  # a square that moves
        frames.append(Image.fromarray(frame))
    path = tmp_path / "moving.png"
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=40, disposal=2, blend=0, format="PNG")
    with av.open(str(path)) as container:
        assert container.format.name == "apng"
        truth = np.stack([frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)])
    with open_video(str(path), backend=backend) as reader:
        for indices in ([27], [8], [15], [8, 15, 27], range(30)):
            got = reader.read(list(indices))
            assert np.abs(got.astype(int) - truth[list(indices)].astype(int)).mean() < 2, f"asked {list(indices)}"


def write_one_frame(path, fmt: str, encoder: str, rate, height: int, width: int, pix_fmt: str) -> str:
    with av.open(str(path), "w", format=fmt) as container:
        stream = container.add_stream(encoder, rate=rate)
        stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
        frame = av.VideoFrame.from_ndarray(pattern_frame(0, height, width), format="rgb24")
        container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return str(path)


@pytest.mark.parametrize(
    "fmt, encoder, rate, size, pix_fmt",
    [
        ("dv", "dvvideo", Fraction(25), (576, 720), "yuv420p"),
        ("dv", "dvvideo", Fraction(30000, 1001), (480, 720), "yuv411p"),
        ("asf", "wmv2", Fraction(25), (HEIGHT, WIDTH), "yuv420p"),
    ],
)
def test_a_one_frame_file_reports_the_rate_its_frame_lasts(tmp_path, fmt, encoder, rate, size, pix_fmt):
    # FFmpeg's average rate of a one-frame raw DV file is 60000 fps (one tick of its time base), and an ASF states
    # 1000 fps (its time base) as every rate: the frame lasted 1/60000 s, 1/1000 s. Its packet says 1 / rate.
    path = write_one_frame(tmp_path / f"one.{fmt}", fmt, encoder, rate, *size, pix_fmt)
    with av.open(path) as container:  # the reference: how long the demuxer says the frame lasts
        stream = container.streams.video[0]
        (packet,) = [p for p in container.demux(stream) if p.size]
        seconds = float((packet.duration or stream.duration) * stream.time_base)
    with av.open(path) as container:
        assert len(list(container.decode(video=0))) == 1
    assert seconds == pytest.approx(1 / rate)
    info = probe(path)
    assert (info.num_frames, info.fps, info.duration) == (1, pytest.approx(float(rate)), pytest.approx(seconds))


CUT_ENCODERS = {  # codec -> (encoder, pixel format, options): B-frames where the codec has them, a GOP of 8
    "h264": ("libx264", "yuv420p", x264(8, 3, ":b-pyramid=normal")),
    "mpeg4": ("mpeg4", "yuv420p", {"bf": "2", "g": "8"}),
    "mjpeg": ("mjpeg", "yuvj420p", {}),
    "vp9": ("libvpx-vp9", "yuv420p", {"crf": "10", "b": "0", "deadline": "realtime", "cpu-used": "8", "g": "8"}),
    "av1": ("libsvtav1", "yuv420p", {"crf": "10", "preset": "12", "svtav1-params": "lp=1", "g": "8"}),
}
CUT_FILES = [  # (container, codec): every pair the tests write that its muxer takes
    *[(fmt, codec) for fmt in ("mp4", "matroska", "avi") for codec in CUT_ENCODERS],
    *[("mov", codec) for codec in ("h264", "mpeg4", "mjpeg")],
    ("webm", "vp9"),
    ("webm", "av1"),
]


def one_thread_sequential_decode(path, send_cut: bool = True) -> np.ndarray:
    """`sequential_decode` on one thread: a cut picture is concealed from the frames decoded before it, which FFmpeg's
    frame threads do differently from run to run (and they lose the frames still held when the decoder refuses the
    cut packet). Without `send_cut`, the packet the demuxer flags corrupt at the end is not decoded: MJPEG's picture of
    it is partly memory (a decode that keeps its frames shows frame 0's pixels past the cut, one that lets them go
    frame 24's), which no reader can match."""
    frames = []
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "NONE"
        for packet in container.demux(stream):
            if packet.is_corrupt and not send_cut:
                continue
            try:
                frames += stream.codec_context.decode(packet if packet.size else None)
            except av.InvalidDataError:
                if not packet.is_corrupt:
                    raise
    return np.stack([frame.to_ndarray(format="rgb24") for frame in frames])


def cut_in_its_last_packet(tmp_path, fmt: str, codec: str, keep: float) -> tuple:
    """13 frames of 32x32 cut inside the packet the file ends with (`keep` of it left), as a download that stopped;
    and what a one-thread sequential decode gives of it."""
    encoder, pix_fmt, options = CUT_ENCODERS[codec]
    full = tmp_path / f"full.{fmt}"
    muxer_options = {"movflags": "faststart"} if fmt in ("mp4", "mov") else None  # (the index before the frames)
    write_stamped(full, fmt, encoder, 13, options, muxer_options=muxer_options, pix_fmt=pix_fmt, height=32, width=32)
    with av.open(str(full)) as container:
        last = max((p for p in container.demux(video=0) if p.size), key=lambda p: p.pos)
    cut = tmp_path / f"cut.{fmt}"
    cut.write_bytes(full.read_bytes()[: last.pos + int(last.size * keep)])
    return str(cut), one_thread_sequential_decode(cut, send_cut=codec != "mjpeg")


@pytest.mark.parametrize("keep", [0.2, 0.5])
@pytest.mark.parametrize("fmt, codec", CUT_FILES)
def test_a_file_cut_inside_its_last_packet_reads_every_frame_a_sequential_decode_gives(tmp_path, fmt, codec, keep):
    """The picture a decoder still makes of the cut packet (VP9, MPEG-4 part 2, MJPEG) was left out (12 frames where a
    sequential decode gives 13), and a file whose decoder refuses it lost the frames the decoder still held (an AVI
    with B-frames read 10 of 12, an AV1 AVI none). Every frame, alone, all together, backwards, again after reading
    elsewhere on the same reader, and streamed, is the sequential decode's."""
    path, truth = cut_in_its_last_packet(tmp_path, fmt, codec, keep)
    n = len(truth)
    with open_video(path, backend="pyav") as reader:
        assert reader.num_frames == n
        for i in range(n):
            assert_pictures(reader.read([i]), truth, [i], exact=True)
        assert_pictures(reader.read(range(n - 1, -1, -1)), truth, range(n - 1, -1, -1), exact=True)
        assert_pictures(reader.read([n - 1, 0, n - 2]), truth, [n - 1, 0, n - 2], exact=True)
        streamed = list(reader.iter_read(range(0, n, 2)))
        assert [i for i, _ in streamed] == list(range(0, n, 2))
        assert_pictures(np.stack([frame for _, frame in streamed]), truth, range(0, n, 2), exact=True)


@pytest.mark.parametrize("fmt", ["nut", "avi"])
def test_the_damaged_picture_of_a_cut_file_streams_and_rereads_as_a_one_thread_sequential_decode(tmp_path, fmt):
    """The cut file of the test above, read on one reader by `read` and `iter_read` in turn, near the damage and
    elsewhere: `iter_read` had no rule for damaged pictures, and streamed the cut one as its frame threads concealed it
    from its keyframe, 112 grey levels off the sequential decode, alone or after a `read` of it had given it right."""
    cut = tmp_path / f"cut.{fmt}"
    cut.write_bytes(cut_inside_a_packet(tmp_path / f"full.{fmt}", fmt, {}, packet=29))
    truth, damaged = sequential_decode_on_one_thread(cut)
    n, d = len(truth), damaged.index(True)
    reads = [[d], [0, 1, 2], [d], [d - 2, d - 1, d], list(range(n - 1, -1, -1)), [d], list(range(0, n, 3))]
    for first_streams in (True, False):
        with open_video(str(cut), backend="pyav") as reader:
            for k, indices in enumerate(reads):
                if (k % 2 == 0) == first_streams:
                    streamed = dict(reader.iter_read(indices))
                    got = np.stack([streamed[i] for i in indices])
                else:
                    got = reader.read(indices)
                assert_pictures(got, truth, indices, exact=True)


@pytest.mark.parametrize("fmt, codec", [("avi", "h264"), ("mp4", "vp9"), ("mov", "mpeg4")])
def test_a_cut_file_in_a_callers_container_reads_as_a_sequential_decode(tmp_path, fmt, codec):
    """The cut files above passed as a container the caller opened: its decoder, open on frame threads after the
    decode at open, cannot be made anew, and a caller's AVI read the frame after the damaged one 65 grey levels off.
    A container on a file is read, once a damaged picture shows, through one of the reader's own; one on bytes or
    another file object through one on a copy of its bytes (the AVI on bytes, streamed after two reads, gave frames
    0-7 up to 64 grey levels off)."""
    path, truth = cut_in_its_last_packet(tmp_path, fmt, codec, keep=0.5)
    n = len(truth)
    with open(path, "rb") as file:
        data = file.read()
    for source in (path, io.BytesIO(data), io.BufferedReader(io.BytesIO(data))):
        with av.open(source) as container, open_video(container, backend="pyav") as reader:
            assert reader.num_frames == n
            assert_pictures(reader.read(range(n)), truth, range(n), exact=True)
            assert_pictures(reader.read([n - 1]), truth, [n - 1], exact=True)
            streamed = list(reader.iter_read(range(n)))
            assert_pictures(np.stack([frame for _, frame in streamed]), truth, range(n), exact=True)


def test_a_raw_stream_cut_at_the_start_of_a_picture_keeps_the_frames_its_decoder_held(tmp_path, monkeypatch):
    # Cut a few bytes into a picture, the raw stream's last packet is refused by the decoder, unflagged: frame threads
    # then lost the frame they held (picture 28, whose B-frames the cut took: a sequential decode, passing over the
    # packet as the ffmpeg command line does, ends with it). Fewer frames than packets: it is counted again on one
    # thread, as a program stream is. A whole stream keeps its threads (it was counted on one at every open).
    from vivit_hf.processing import video_pyav

    full = write_stamped(tmp_path / "full.h264", "h264", "libx264", 40, x264(8, 3))
    with av.open(full) as container:
        packet = [p for p in container.demux(video=0) if p.size][26]
    cut = tmp_path / "cut.h264"
    cut.write_bytes(open(full, "rb").read()[: packet.pos + 8])  # its start code, NAL header and 3 bytes
    truth, refused = decode_passing_over_refused_packets(cut)
    assert refused == 1 and frame_indices(truth) == [*range(25), 28]
    n = len(truth)
    with open_video(str(cut), backend="pyav") as reader:
        assert reader.num_frames == n
        assert_pictures(reader.read(range(n)), truth, range(n), exact=True)
        assert_pictures(reader.read([n - 1, n - 2]), truth, [n - 1, n - 2], exact=True)
    counts, table = [], video_pyav.PyAVReader._decoded_table

    def counted(self, *args, **kwargs):
        counts.append(self._threading[0])
        return table(self, *args, **kwargs)

    monkeypatch.setattr(video_pyav.PyAVReader, "_decoded_table", counted)
    with open_video(full, backend="pyav") as reader:
        assert reader.num_frames == 40 and counts[0] != "NONE"
        assert "NONE" not in counts
        assert_pictures(reader.read([39, 0]), sequential_decode(full), [39, 0], exact=True)


def test_a_raw_stream_cut_inside_a_packet_streams_as_a_one_thread_sequential_decode(tmp_path):
    """A raw H.264 stream (no times: every read decodes from its start) cut inside its 36th packet: its decoder
    flags frame 33 damaged, which `iter_read` streamed as its frame threads concealed it, unlike the sequential
    decode (and unlike `read`, which decodes such a file again on one thread)."""
    cut = tmp_path / "cut.h264"
    cut.write_bytes(cut_inside_a_packet(tmp_path / "full.h264", "h264", {}, packet=35))
    truth, damaged = sequential_decode_on_one_thread(cut)
    assert any(damaged)
    n = len(truth)
    with open_video(str(cut), backend="pyav") as reader:
        streamed = list(reader.iter_read(range(n)))
        assert [i for i, _ in streamed] == list(range(n))
        assert_pictures(np.stack([frame for _, frame in streamed]), truth, range(n), exact=True)
        assert_pictures(reader.read(range(n)), truth, range(n), exact=True)
