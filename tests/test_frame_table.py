# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The frame table `PyAVReader` builds at open, in the fast test subset: frame `i` is the `i`-th frame a plain
sequential PyAV decode gives, and a read of frame `i` starts decoding at the last keyframe shown at or before it.

AVI and ASF store no presentation timestamps, nor do raw elementary streams: with B-frames their order comes from
one full decode at open (`PyAVReader._decoded_table`). The files here are a few dozen tiny frames written by PyAV
in the test (each frame draws its own index, `video_factory.pattern_frame`); the reference is always plain PyAV
(`container.decode(video=0)`), never the reader. Also the table's edge cases: an audio track beside the video, an
ASF packet that loses its timestamp, two ASF frames in one millisecond, an mp4 edit list that hides the first
frames, a caller's container read part way, a file cut short, frames that share a timestamp and a damaged first
packet (issue 18: kills the mutants of `_frame_table` and `_decoded_table`; docs/testing.md, "mutmut")."""

import io
import struct
from fractions import Fraction

import av
import numpy as np
import pytest
from video_factory import frame_indices, pattern_frame, write_encoded

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


def test_an_asf_packet_without_a_timestamp_leaves_every_frame_readable(tmp_path):
    # H.264 with B-frames in ASF: read again after a seek back to the start, FFmpeg's ASF demuxer gives the second
    # packet no timestamp, so the full decode at open cannot name its frame. The frames are then counted, and read
    # by decoding from the start.
    path = write_encoded(tmp_path / "clip.asf", "asf", "h264", num_frames=20, bframes=2, gop=6)
    truth, _ = sequential_decode(path)
    assert frame_indices(truth) == list(range(20))
    with open_video(path, backend="pyav") as reader:
        assert reader.frames_decoded == 20
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


def test_frames_that_share_a_timestamp_each_read_at_most_once_in_order(tmp_path):
    path = write_mkv_with_a_shared_timestamp(tmp_path / "shared.mkv", num_frames=8, shared=5)
    truth, _ = sequential_decode(path)
    assert frame_indices(truth) == list(range(8))
    with open_video(path, backend="pyav") as reader:
        assert reader.num_frames >= 7  # 7 distinct timestamps
        shown = frame_indices(reader.read(range(reader.num_frames)))
    # Every frame the reader counts reads, and they are frames of the sequential decode, in its order, none twice.
    assert shown == sorted(set(shown)) and set(shown) <= set(range(8))


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
