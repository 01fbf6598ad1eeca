# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The frame table `PyAVReader` builds at open, in the fast test subset: frame `i` is the `i`-th frame a plain
sequential PyAV decode gives, and a read of frame `i` starts decoding at the last keyframe shown at or before it.

AVI and ASF store no presentation timestamps, nor do raw elementary streams: with B-frames their order comes from
one full decode at open (`PyAVReader._decoded_table`). The files here are a few dozen tiny frames written by PyAV
in the test (each frame draws its own index, `video_factory.pattern_frame`); the reference is always plain PyAV
(`container.decode(video=0)`, or its packets decoded by hand where it stops at an empty one), never the reader.
Also the table's edge cases: an audio track beside the video, an ASF packet that loses its timestamp (read again
after a seek), two ASF frames in one millisecond, an mp4 edit list that hides the first frames, a caller's
container read part way, a file cut short, an AVI cut mid-GOP, an AVI or ASF that pauses, frames that share a
timestamp (mkv, mp4), an empty packet inside a stream, an I/O error of a file object and a damaged first packet
(issue 18: kills the mutants of `_frame_table` and `_decoded_table`; docs/testing.md, "mutmut")."""

import errno
import io
import struct
from fractions import Fraction

import av
import numpy as np
import pytest
from video_factory import frame_indices, pattern_frame, write_encoded

from vivit_hf.processing import video_pyav
from vivit_hf.processing.video_io import VideoDecodeError, open_video

HEIGHT, WIDTH, FPS = 48, 64, 25
X264_NO_B_FRAMES = {"preset": "ultrafast", "crf": "12", "x264-params": "keyint=6:min-keyint=6:scenecut=0:bframes=0"}


def sequential_decode(source) -> tuple[np.ndarray, list[bool]]:
    """Every frame plain PyAV decodes, in its order (the definition of frame `i`), and whether each is a keyframe."""
    with av.open(io.BytesIO(source) if isinstance(source, bytes) else str(source)) as container:
        frames = list(container.decode(video=0))
    return np.stack([f.to_ndarray(format="rgb24") for f in frames]), [bool(f.key_frame) for f in frames]


def last_keyframe_at_or_before(keyframes: list[bool]) -> list[int]:
    """Where a read of each frame starts decoding: the last keyframe shown at or before it (frame 0 always)."""
    starts, last = [], 0
    for i, key in enumerate(keyframes):
        last = i if key else last
        starts.append(last)
    return starts


def assert_same_frames(got: np.ndarray, truth: np.ndarray, indices) -> None:
    indices = list(indices)
    assert got.shape[0] == len(indices)
    bad = [k for k, i in enumerate(indices) if not np.array_equal(got[k], truth[i])]
    assert not bad, f"frames {[indices[k] for k in bad]} differ (they show {frame_indices(got[bad])})"


def assert_reads_like_a_sequential_decode(reader, truth: np.ndarray) -> None:
    n = len(truth)
    assert reader.num_frames == n
    assert_same_frames(reader.read(range(n)), truth, range(n))
    backwards = list(range(n - 1, -1, -1))
    assert_same_frames(reader.read(backwards), truth, backwards)
    repeated = [n - 1, 0, n - 1, 3, 3, 2]
    assert_same_frames(reader.read(repeated), truth, repeated)
    assert_same_frames(reader.read([n - 1]), truth, [n - 1])  # the last frame alone


# -------------------------------------------------------------------------- AVI, ASF and raw streams with B-frames
# (container format, codec, B-frames in a row, open GOP): H.264 and MPEG-4 Part 2, closed and open GOPs; m4v is a
# raw MPEG-4 stream (FFmpeg flags its format as storing no timestamps).
UNTIMED = [
    ("avi", "h264", 2, False),
    ("avi", "h264", 3, True),
    ("asf", "mpeg4", 2, True),
    ("m4v", "mpeg4", 2, True),
]


@pytest.mark.parametrize("fmt, codec, bframes, open_gop", UNTIMED, ids=lambda v: str(v))
def test_untimed_files_with_b_frames_read_as_a_sequential_decode(tmp_path, fmt, codec, bframes, open_gop):
    path = write_encoded(tmp_path / f"clip.{fmt}", fmt, codec, num_frames=20, bframes=bframes, gop=6, open_gop=open_gop)
    truth, keyframes = sequential_decode(path)
    assert frame_indices(truth) == list(range(20))  # the file holds every frame that was encoded
    with open_video(path, backend="pyav") as reader:
        assert reader.frames_decoded == 20  # the one full decode at open, each frame counted once
        assert reader._start.tolist() == last_keyframe_at_or_before(keyframes)
        assert_reads_like_a_sequential_decode(reader, truth)


def write_avi_with_audio(path, num_frames: int) -> str:
    """H.264 with 2 B-frames and a PCM audio track, interleaved as a camera or a converter writes them."""
    container = av.open(str(path), "w", format="avi")
    video = container.add_stream("libx264", rate=FPS)
    video.width, video.height, video.pix_fmt = WIDTH, HEIGHT, "yuv420p"
    video.options = {**X264_NO_B_FRAMES, "x264-params": "keyint=6:min-keyint=6:scenecut=0:bframes=2:b-adapt=0"}
    audio = container.add_stream("pcm_s16le", rate=8000, layout="mono")
    samples = 8000 // FPS
    for i in range(num_frames):
        frame = av.VideoFrame.from_ndarray(pattern_frame(i, HEIGHT, WIDTH), format="rgb24")
        sound = av.AudioFrame.from_ndarray(np.zeros((1, samples), np.int16), format="s16", layout="mono")
        sound.sample_rate, sound.pts = 8000, i * samples
        for packet in [*video.encode(frame), *audio.encode(sound)]:
            container.mux(packet)
    for packet in [*video.encode(), *audio.encode()]:
        container.mux(packet)
    container.close()
    return str(path)


def test_an_avi_audio_track_adds_no_frames(tmp_path):
    path = write_avi_with_audio(tmp_path / "with_audio.avi", num_frames=20)
    truth, keyframes = sequential_decode(path)
    with open_video(path, backend="pyav") as reader:
        assert reader.frames_decoded == 20
        assert reader._start.tolist() == last_keyframe_at_or_before(keyframes)
        assert_reads_like_a_sequential_decode(reader, truth)


def test_an_asf_packet_without_a_timestamp_leaves_every_frame_readable_by_seeking(tmp_path):
    # H.264 with B-frames in ASF: read again after a seek, FFmpeg's ASF demuxer gives the packet after the one it
    # lands on no timestamp. The reader names it by counting packets (the one after the packet before it), so the
    # table holds every frame and reads seek. 3 s at a keyframe a second, as ASF's index (one entry a second).
    path = write_encoded(tmp_path / "clip.asf", "asf", "h264", num_frames=75, bframes=2, gop=25)
    with av.open(path) as container:
        container.seek(0)
        assert [p.dts for p in container.demux(video=0) if p.size][:3] == [0, None, 80]  # the packet of 40 ms
    truth, keyframes = sequential_decode(path)
    assert frame_indices(truth) == list(range(75))
    with open_video(path, backend="pyav") as reader:
        assert reader.frames_decoded == 75
        assert reader._start.tolist() == last_keyframe_at_or_before(keyframes)
        reader.read([74])
        # from the keyframe at 50, or the one at 25 where the index lands a second early; from the start before
        assert 75 + 25 <= reader.frames_decoded <= 75 + 74 - 25 + 1
        assert_reads_like_a_sequential_decode(reader, truth)


def asf_with_two_frames_in_one_millisecond(path) -> str:
    """WMV (wmv2) in ASF, whose times are whole milliseconds: frame 2 stamped with frame 1's time, as a capture
    whose clock stalls (or one above 1000 fps) writes it. ASF's muxer refuses such times, so the file is written
    with distinct ones and frame 2's stored time is then set to frame 1's: each payload's replicated data holds the
    frame's size, then its presentation time, as two 32-bit little-endian numbers (frames 1 and 2 are found as
    the pair of such records 40 ms apart)."""
    write_encoded(path, "asf", "wmv2", num_frames=8, gop=4)
    data = bytearray(open(path, "rb").read())
    with av.open(str(path)) as container:
        sizes = [p.size for p in container.demux(video=0) if p.size]

    def stored_times(size: int) -> dict[int, int]:  # where a record of this size could keep its time -> the time
        starts = [i for i in range(len(data) - 8) if data.startswith(struct.pack("<I", size), i)]
        return {i + 4: struct.unpack_from("<I", data, i + 4)[0] for i in starts}

    first, second = stored_times(sizes[1]), stored_times(sizes[2])
    at1, at2 = next((a, b) for a in first for b in second if second[b] == first[a] + 40)
    data[at2 : at2 + 4] = data[at1 : at1 + 4]
    open(path, "wb").write(bytes(data))
    return str(path)


def test_two_asf_frames_in_one_millisecond_are_both_frames(tmp_path):
    path = asf_with_two_frames_in_one_millisecond(tmp_path / "stalled.asf")
    with av.open(path) as container:
        assert [p.dts for p in container.demux(video=0) if p.size] == [0, 40, 40, 120, 160, 200, 240, 280]
    truth, _ = sequential_decode(path)
    assert frame_indices(truth) == list(range(8))
    with open_video(path, backend="pyav") as reader:  # the stamps name no frame: frames are counted instead
        assert_reads_like_a_sequential_decode(reader, truth)


# ------------------------------------------------------------------------------------------- timed containers
def write_mp4_with_edit_list(path, num_frames: int, hidden: int) -> str:
    """H.264 (keyframe every 6) in mp4, every timestamp moved `hidden` frames back: the muxer writes an edit list
    that starts the video at time 0, so the first `hidden` frames are decoded as references but never shown."""
    container = av.open(str(path), "w", format="mp4")
    stream = container.add_stream("libx264", rate=FPS)
    stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
    stream.options = X264_NO_B_FRAMES
    frames = [av.VideoFrame.from_ndarray(pattern_frame(i, HEIGHT, WIDTH), format="rgb24") for i in range(num_frames)]
    for frame in [*frames, None]:
        for packet in stream.encode(frame):
            shift = int(Fraction(hidden, FPS) / packet.time_base)
            packet.pts, packet.dts = packet.pts - shift, packet.dts - shift
            container.mux(packet)
    container.close()
    return str(path)


def test_frames_an_mp4_edit_list_hides_are_not_frames(tmp_path):
    path = write_mp4_with_edit_list(tmp_path / "trimmed.mp4", num_frames=12, hidden=3)
    truth, keyframes = sequential_decode(path)
    assert frame_indices(truth) == list(range(3, 12))  # what FFmpeg shows: the edit list hides frames 0 to 2
    with open_video(path, backend="pyav") as reader:
        assert reader.frames_decoded == 0  # mp4 stores presentation times: nothing is decoded to index it
        # frame 0 is a P-frame: reads up to the next keyframe start from it (and decode from the hidden one before)
        assert reader._start.tolist() == last_keyframe_at_or_before(keyframes) == [0, 0, 0, 3, 3, 3, 3, 3, 3]
        assert_reads_like_a_sequential_decode(reader, truth)


def test_a_container_the_caller_read_from_is_indexed_from_its_first_packet(tmp_path):
    path = write_encoded(tmp_path / "clip.mp4", "mp4", "h264", num_frames=20, bframes=2, gop=6)
    truth, keyframes = sequential_decode(path)
    with av.open(path) as container:
        for _, _frame in zip(range(7), container.decode(video=0)):  # the caller was part way through
            pass
        with open_video(container) as reader:
            assert reader._start.tolist() == last_keyframe_at_or_before(keyframes)
            assert_reads_like_a_sequential_decode(reader, truth)


def test_a_file_cut_short_reads_the_frames_it_still_holds(tmp_path):
    # A download that stopped: the AVI loses its index and its last chunks; cut where a chunk starts, so every
    # frame left is whole (a frame cut in two decodes differently with every decoder setting).
    data = open(write_encoded(tmp_path / "full.avi", "avi", "h264", num_frames=24, bframes=2, gop=6), "rb").read()
    chunks = [i for i in range(len(data)) if data.startswith(b"00dc", i)]
    cut = data[: chunks[16]]
    truth, keyframes = sequential_decode(cut)
    assert 8 <= len(truth) < 24
    with open_video(cut, backend="pyav") as reader:
        assert reader._start.tolist() == last_keyframe_at_or_before(keyframes)
        assert_reads_like_a_sequential_decode(reader, truth)


def avi_cut_mid_gop(path, codec: str, cut: int) -> bytes:
    """An AVI of 24 frames (a keyframe every 12, no B-frames) without its first `cut` packets, as a capture that
    starts mid-GOP: its first frames are P-frames with nothing before them to predict from."""
    write_encoded(path, "avi", codec, num_frames=24, gop=12)
    out = io.BytesIO()
    with av.open(str(path)) as source, av.open(out, "w", format="avi") as cut_copy:
        stream = cut_copy.add_stream_from_template(source.streams.video[0])
        for packet in [p for p in source.demux(video=0) if p.size][cut:]:
            packet.stream, packet.dts = stream, packet.dts - cut
            packet.pts = packet.dts
            cut_copy.mux(packet)
    return out.getvalue()


@pytest.mark.parametrize("codec, shown", [("mpeg4", 21), ("h264", 12)])
def test_frames_a_decoder_shows_before_the_first_keyframe_read_as_a_sequential_decode(tmp_path, codec, shown):
    # MPEG-4 Part 2 decodes the leading P-frames from grey (a sequential decode shows them); H.264 drops them.
    # Their read starts from the first packet, and has to reopen the file (AVI cannot seek before a keyframe).
    data = avi_cut_mid_gop(tmp_path / "full.avi", codec, cut=3)
    truth, keyframes = sequential_decode(data)
    assert len(truth) == shown and frame_indices(truth)[shown - 12 :] == list(range(12, 24))
    with open_video(data, backend="pyav") as reader:
        assert reader._start.tolist() == last_keyframe_at_or_before(keyframes)
        assert_reads_like_a_sequential_decode(reader, truth)


def write_mkv_with_a_shared_timestamp(path, num_frames: int, shared: int) -> str:
    """Motion JPEG in Matroska, frame `shared` stamped with the time of the frame before it."""
    encoder = av.CodecContext.create("mjpeg", "w")
    encoder.width, encoder.height, encoder.pix_fmt = WIDTH, HEIGHT, "yuvj420p"
    encoder.time_base = Fraction(1, FPS)
    container = av.open(str(path), "w", format="matroska")
    stream = container.add_stream("mjpeg", rate=FPS)
    stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuvj420p"
    for i in range(num_frames):
        frame = av.VideoFrame.from_ndarray(pattern_frame(i, HEIGHT, WIDTH), format="rgb24").reformat(format="yuvj420p")
        frame.pts = i
        for packet in encoder.encode(frame):
            packet.stream, packet.time_base = stream, Fraction(1, FPS)
            packet.pts = packet.dts = i - (i == shared)
            container.mux(packet)
    container.close()
    return str(path)


def test_mkv_frames_that_share_a_timestamp_are_each_a_frame(tmp_path):
    path = write_mkv_with_a_shared_timestamp(tmp_path / "shared.mkv", num_frames=8, shared=5)
    with av.open(path) as container:
        assert [p.dts for p in container.demux(video=0) if p.size] == [0, 40, 80, 120, 160, 160, 240, 280]
    truth, _ = sequential_decode(path)
    assert frame_indices(truth) == list(range(8))  # a sequential decode gives both frames of 160 ms
    with open_video(path, backend="pyav") as reader:  # no stamp names a packet: frames are counted while decoding
        assert reader.frames_decoded == 8
        assert_reads_like_a_sequential_decode(reader, truth)


def write_mp4_with_a_shared_timestamp(path, codec: str, num_frames: int, shared: int) -> str:
    """H.264 (2 B-frames, a keyframe every 6) or Motion JPEG in mp4, frame `shared` shown at the time of the frame
    before it. mp4 stores each frame's decode time apart (and needs it increasing), so only the presentation
    times collide. Every frame is shown a frame later than the encoder says, so that none is shown before it
    is decoded (mp4 refuses that)."""
    container = av.open(str(path), "w", format="mp4")
    if codec == "h264":
        stream = container.add_stream("libx264", rate=FPS)
        stream.options = {**X264_NO_B_FRAMES, "x264-params": "keyint=6:min-keyint=6:scenecut=0:bframes=2:b-adapt=0"}
    else:
        stream = container.add_stream("mjpeg", rate=FPS)
    stream.width, stream.height = WIDTH, HEIGHT
    stream.pix_fmt = "yuv420p" if codec == "h264" else "yuvj420p"
    frames = [av.VideoFrame.from_ndarray(pattern_frame(i, HEIGHT, WIDTH), format="rgb24") for i in range(num_frames)]
    packets = [packet for frame in [*frames, None] for packet in stream.encode(frame)]
    shown = sorted(packet.pts for packet in packets)
    for packet in packets:
        packet.pts = shown[shared - 1] if packet.pts == shown[shared] else packet.pts
        packet.pts += shown[1] - shown[0]
        container.mux(packet)
    container.close()
    return str(path)


@pytest.mark.parametrize("codec, decoded_at_open", [("h264", 12), ("mjpeg", 0)])
def test_mp4_frames_that_share_a_timestamp_are_each_a_frame(tmp_path, codec, decoded_at_open):
    # The decode times name the packets: H.264 reorders, so its frames are put in order by a decode at open (and
    # are named by their decode time); Motion JPEG's decode order is its presentation order.
    path = write_mp4_with_a_shared_timestamp(tmp_path / f"shared_{codec}.mp4", codec, num_frames=12, shared=5)
    with av.open(path) as container:
        times = [(p.pts, p.dts) for p in container.demux(video=0) if p.size]
    assert len({pts for pts, _ in times}) == 11 and len({dts for _, dts in times}) == 12
    truth, keyframes = sequential_decode(path)
    assert frame_indices(truth) == list(range(12))
    with open_video(path, backend="pyav") as reader:
        assert reader.frames_decoded == decoded_at_open
        assert reader._start.tolist() == last_keyframe_at_or_before(keyframes)
        reader.read([11])
        assert reader.frames_decoded < decoded_at_open + 12  # it seeks
        assert_reads_like_a_sequential_decode(reader, truth)


def write_nut_with_an_empty_packet(path, codec: str, num_frames: int, empty_at: int) -> str:
    """NUT (which keeps empty packets, where mkv, mp4 and AVI drop them) with an empty packet before packet
    `empty_at`; H.264 (no B-frames) and MPEG-4 Part 2 with a keyframe every 4 frames, or Motion JPEG."""
    encoder = av.CodecContext.create(codec, "w")
    encoder.width, encoder.height, encoder.time_base = WIDTH, HEIGHT, Fraction(1, FPS)
    encoder.pix_fmt = "yuvj420p" if codec == "mjpeg" else "yuv420p"
    encoder.gop_size = 4
    if codec == "libx264":
        encoder.options = {**X264_NO_B_FRAMES, "x264-params": "keyint=4:min-keyint=4:scenecut=0:bframes=0"}
    container = av.open(str(path), "w", format="nut")
    stream = container.add_stream("h264" if codec == "libx264" else codec, rate=FPS)
    stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, encoder.pix_fmt
    packets = []
    for i in range(num_frames):
        frame = av.VideoFrame.from_ndarray(pattern_frame(i, HEIGHT, WIDTH), format="rgb24")
        frame = frame.reformat(format=encoder.pix_fmt)
        frame.pts = i
        packets += encoder.encode(frame)
    packets += encoder.encode(None)
    packets.insert(empty_at, av.Packet(0))
    for t, packet in enumerate(packets):
        packet.stream, packet.time_base = stream, Fraction(1, FPS)
        packet.pts = packet.dts = t
        container.mux(packet)
    container.close()
    return str(path)


def decode_past_empty_packets(path) -> tuple[np.ndarray, list[bool]]:
    """The reference for a file holding an empty packet: plain PyAV's `container.decode` stops there (FFmpeg
    refuses a demuxed empty packet: EINVAL), so the packets are demuxed and the empty one left out, by hand."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        packets = [packet for packet in container.demux(stream) if packet.size]
        frames = [frame for packet in [*packets, None] for frame in stream.codec_context.decode(packet)]
    return np.stack([f.to_ndarray(format="rgb24") for f in frames]), [bool(f.key_frame) for f in frames]


# NUT stores presentation times; read as if it stored none (as AVI), it takes the other paths: MPEG-4 Part 2 by a
# decode at open and by dts, Motion JPEG by dts alone, and H.264, whose first dts NUT leaves unset, by counting
# frames while decoding from the start.
EMPTY_PACKET_CASES = [("libx264", False), ("libx264", True), ("mpeg4", True), ("mjpeg", True)]


@pytest.mark.parametrize("codec, as_untimed", EMPTY_PACKET_CASES, ids=lambda v: str(v))
def test_an_empty_packet_inside_a_stream_ends_no_read(tmp_path, monkeypatch, codec, as_untimed):
    path = write_nut_with_an_empty_packet(tmp_path / "empty.nut", codec, num_frames=12, empty_at=6)
    with av.open(path) as container:
        assert [p.size > 0 for p in container.demux(video=0)] == [True] * 6 + [False] + [True] * 6 + [False]
    truth, keyframes = decode_past_empty_packets(path)
    assert frame_indices(truth) == list(range(12))
    if as_untimed:
        monkeypatch.setattr(video_pyav, "UNTIMED_FORMATS", video_pyav.UNTIMED_FORMATS | {"nut"})  # read there
    with open_video(path, backend="pyav") as reader:
        if reader._start is not None:
            assert reader._start.tolist() == last_keyframe_at_or_before(keyframes)
        assert_reads_like_a_sequential_decode(reader, truth)
        assert [i for i, _ in reader.iter_read([11, 3, 7])] == [3, 7, 11]
        assert frame_indices(np.stack([frame for _, frame in reader.iter_read(range(12))])) == list(range(12))


def noisy_asf(num_frames: int) -> bytes:
    """H.264 with B-frames in ASF, lossless noise: 5 MB of which FFmpeg reads the first 1.5 MB to open it."""
    buffer = io.BytesIO()
    container = av.open(buffer, "w", format="asf")
    stream = container.add_stream("libx264", rate=FPS)
    stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
    stream.options = {"preset": "ultrafast", "crf": "0", "x264-params": "keyint=10:scenecut=0:bframes=2:b-adapt=0"}
    rng = np.random.default_rng(0)
    for _ in range(num_frames):
        noise = rng.integers(0, 256, (120, 160, 3), dtype=np.uint8)
        for packet in stream.encode(av.VideoFrame.from_ndarray(noise, format="rgb24")):
            container.mux(packet)
    for packet in stream.encode(None):
        container.mux(packet)
    container.close()
    return buffer.getvalue()


class FailingDisk(io.BytesIO):
    """A file object whose read fails (EIO) the `fail_on`-th time it covers byte `at`, as a disk or a network
    file system does."""

    name = "clip.asf"

    def __init__(self, data: bytes, at: int, fail_on: int):
        super().__init__(data)
        self.at, self.fail_on, self.passes = at, fail_on, 0

    def read(self, size=-1):
        start = self.tell()
        end = len(self.getbuffer()) if size is None or size < 0 else start + size
        if start <= self.at < end:
            self.passes += 1
            if self.passes == self.fail_on:
                raise OSError(errno.EIO, "Input/output error")
        return super().read(size)


@pytest.fixture(scope="module")
def asf_data():
    return noisy_asf(num_frames=150)


# the read at open, the one full decode of the frame table, then a read of every frame (read, iter_read)
@pytest.mark.parametrize(
    "fail_on, how", [(1, "read"), (2, "read"), (3, "read"), (3, "iter_read")], ids=lambda v: str(v)
)
def test_an_io_error_is_a_decode_error_naming_the_input(asf_data, fail_on, how):
    source = FailingDisk(asf_data, at=len(asf_data) * 4 // 5, fail_on=fail_on)
    with pytest.raises(VideoDecodeError) as error:
        with open_video(source, backend="pyav") as reader:
            assert source.passes == 2  # the table was built from a read and a decode past the failing byte
            if how == "read":
                reader.read(range(reader.num_frames))
            else:
                list(reader.iter_read(range(reader.num_frames)))
    assert str(error.value) == "Cannot read video 'clip.asf': [Errno 5] Input/output error"
    assert isinstance(error.value.__cause__, OSError) and source.passes == fail_on


def test_a_damaged_first_packet_is_an_error_naming_the_file(tmp_path):
    # FLV: a 9-byte header and a 4-byte size, then tags (type, 24-bit size, 7 bytes of time and stream id, the
    # data, a 4-byte size); the first video tag's type byte zeroed makes FFmpeg's demuxer fail on it.
    data = bytearray(open(write_encoded(tmp_path / "ok.flv", "flv", "h264", num_frames=12, gop=6), "rb").read())
    at = 13
    while data[at] != 9:  # skip the metadata tag
        at += 11 + int.from_bytes(data[at + 1 : at + 4], "big") + 4
    data[at] = 0
    path = tmp_path / "damaged.flv"
    path.write_bytes(bytes(data))
    with pytest.raises(VideoDecodeError) as error:
        open_video(path, backend="pyav")
    assert str(error.value).startswith(f"Video '{path}' is corrupt or truncated: ")


def write_paused(path, fmt: str, encoder: str, options: dict) -> list[float]:
    """60 pattern frames 40 ms apart in a millisecond time base, with a 10 s pause after frame 29 (a screen
    recording, a camera that stopped); returns the times they were written at."""
    times, t = [], 0
    with av.open(str(path), "w", format=fmt) as container:
        stream = container.add_stream(encoder, rate=25)
        stream.width, stream.height, stream.options = WIDTH, HEIGHT, options
        stream.pix_fmt = "yuvj420p" if encoder == "mjpeg" else "yuv420p"
        stream.codec_context.time_base = Fraction(1, 1000)
        for i in range(60):
            frame = av.VideoFrame.from_ndarray(pattern_frame(i, HEIGHT, WIDTH), format="rgb24")
            frame.pts, frame.time_base = t, Fraction(1, 1000)
            times.append(t / 1000)
            t += 10_000 if i == 29 else 40
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return times


@pytest.mark.parametrize("encoder, options", [("mjpeg", {}), ("libx264", X264_NO_B_FRAMES)])
def test_an_avi_with_a_pause_gives_each_frame_the_time_it_is_shown(tmp_path, encoder, options):
    # An AVI written with a millisecond time base holds the pause as empty slots, which its dts count. Its frames
    # were counted at the average rate (4.79 fps): frame 30 at 6.3 s instead of 11.16 s and a duration of 12.53 s,
    # where the same frames in mkv last 12.36 s, so a timeline's windows were seconds away from what plays then.
    times = write_paused(tmp_path / "paused.avi", "avi", encoder, options)
    write_paused(tmp_path / "paused.mkv", "matroska", encoder, options)
    with open_video(tmp_path / "paused.avi") as avi, open_video(tmp_path / "paused.mkv") as mkv:
        np.testing.assert_allclose(avi.frame_times(), times, atol=1e-9)
        assert avi.info.duration == pytest.approx(mkv.info.duration) == pytest.approx(12.36)
        assert avi.fps == pytest.approx(mkv.fps)
        assert frame_indices(avi.read([29, 30, 59])) == [29, 30, 59]


def test_an_asf_with_a_pause_gives_each_frame_the_time_it_is_shown(tmp_path):
    # ASF stores each frame's presentation time (in milliseconds), and WMV 8 cannot reorder frames: a sequential
    # decode shows them at those times. They were counted at the average rate (4.79 fps), as an AVI's were: frame 30
    # at 6.3 s instead of 11.16 s and a duration of 12.53 s for 12.36 s (a WMV screen recording that paused)
    times = write_paused(tmp_path / "paused.asf", "asf", "wmv2", {})
    with av.open(str(tmp_path / "paused.asf")) as container:
        np.testing.assert_allclose([frame.time for frame in container.decode(video=0)], times, atol=1e-9)
    with open_video(tmp_path / "paused.asf") as asf:
        np.testing.assert_allclose(asf.frame_times(), times, atol=1e-9)
        assert asf.info.duration == pytest.approx(12.36)
        assert frame_indices(asf.read([29, 30, 59])) == [29, 30, 59]


def test_an_avi_that_fills_every_slot_counts_its_frames_at_its_rate(tmp_path):
    path = write_encoded(tmp_path / "even.avi", "avi", "h264", num_frames=30, bframes=2, gop=12)
    with open_video(path) as reader:
        assert reader.frame_times() is None  # frames counted at fps, as ASF's
        assert reader.info.duration == pytest.approx(30 / FPS) and reader.fps == pytest.approx(FPS)
