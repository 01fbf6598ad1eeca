# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""MPEG program and transport streams cut short, as a download or a copy that stopped. In a program stream (DVD
`.vob`, `.mpg`) FFmpeg's MPEG video parser flags the packets of the PES the file ends inside, and hands out the start of
the cut picture last, unflagged; a transport stream flags nothing (a video PES states no length), and HEVC's decoder
makes no picture of the cut one. The reader took that start for a frame (one more than a decode gives, a wrong rate,
and a read of every frame failed) or lost the frames the decoder held when it refused it. The reference is a one-thread
sequential decode that passes over the packets its decoder refuses, as the ffmpeg command line does. A NUT file cut
short fails its demuxer where the cut is: the reader's reads of the last frames failed where that decode, flushed
there, gives them; one cut inside its last packet, which its demuxer hands out short and unflagged, read that
picture with the decoder's threads (other pixels alone than in a read of every frame). A B-frame that references a
cut picture was read alone with the frames before it skipped (an AVI's 12 grey levels off). A raw AV1 stream's demuxer
hands out the temporal unit it ends inside as a transport stream does its PES."""

import io

import av
import numpy as np
import pytest
from video_factory import frame_indices, write_stamped

from vivit_hf.processing.errors import VideoDecodeError
from vivit_hf.processing.video_io import open_video
from vivit_hf.processing.video_pyav import PyAVReader

MPEG = {"bf": "2", "g": "8"}  # open GOPs with B-frames, as DVDs and FFmpeg's default
X264 = {"preset": "ultrafast", "x264-params": "keyint=8:bframes=2"}
X265 = {"preset": "ultrafast", "x265-params": "keyint=8:bframes=3:log-level=error"}


def sequential_decode(path) -> np.ndarray:
    frames = []
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "NONE"
        packets = container.demux(stream)
        while True:
            try:
                packet = next(packets)
            except (StopIteration, av.InvalidDataError):  # a demuxer failing at the cut ends the input, as in ffmpeg
                packet = None
            try:
                frames += stream.codec_context.decode(packet if packet is not None and packet.size else None)
            except av.InvalidDataError:  # the cut picture: the ffmpeg command line goes on
                pass
            if packet is None or not packet.size:
                break
    return np.stack([frame.to_ndarray(format="rgb24") for frame in frames])


def ends_after_a_flagged_packet(path) -> bool:
    """Whether the file's last video packet is unflagged and the one before it is flagged corrupt."""
    with av.open(str(path)) as container:
        flags = [packet.is_corrupt for packet in container.demux(video=0) if packet.size]
    return len(flags) > 1 and flags[-2] and not flags[-1]


def parser_cuts(tmp_path, fmt: str, encoder: str) -> list:
    """Copies of a 40-frame file cut at byte counts where its last packet is such a picture start."""
    full = write_stamped(tmp_path / f"full.{fmt}", fmt, encoder, 40, MPEG)
    data = open(full, "rb").read()
    cuts = []
    for size in range(len(data) // 2, len(data), 64):
        path = tmp_path / f"cut{size}.{fmt}"
        path.write_bytes(data[:size])
        if ends_after_a_flagged_packet(path):
            cuts.append(str(path))
    return cuts


@pytest.mark.parametrize("fmt, encoder", [("vob", "mpeg2video"), ("mpeg", "mpeg1video")])
def test_a_program_stream_cut_short_reads_as_a_sequential_decode(tmp_path, fmt, encoder):
    cuts = parser_cuts(tmp_path, fmt, encoder)
    assert cuts, "no cut point ends on an unflagged picture start: the case is not written"
    for path in cuts[:2]:
        assert_reads_as_a_sequential_decode(path)


def test_an_hevc_transport_stream_cut_short_reads_as_a_sequential_decode(tmp_path):
    full = write_stamped(tmp_path / "full.ts", "mpegts", "libx265", 40, X265)
    data = open(full, "rb").read()
    cut = tmp_path / "cut.ts"
    cut.write_bytes(data[: len(data) * 4 // 5 + 100])  # inside a 188-byte packet of a picture past the first ones
    with av.open(str(cut)) as container:
        assert not any(packet.is_corrupt for packet in container.demux(video=0))  # nothing flags the cut
    assert_reads_as_a_sequential_decode(str(cut))
    with open_video(str(cut)) as reader:
        assert reader.fps == pytest.approx(25)


def last_packet_makes_no_picture(path) -> bool:
    """Whether a one-thread decoder refuses the file's last video packet or makes no picture of it (one frame fewer
    than packets), and no packet is flagged corrupt."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "NONE"
        packets = [packet for packet in container.demux(stream) if packet.size]
        if any(packet.is_corrupt for packet in packets):
            return False
        frames = sum(len(stream.codec_context.decode(packet)) for packet in packets[:-1])
        try:
            frames += len(stream.codec_context.decode(packets[-1]))
        except av.InvalidDataError:
            return True
        return frames + len(stream.codec_context.decode(None)) < len(packets)


@pytest.mark.parametrize(
    "fmt, encoder, options, first",
    [("vob", "libx264", X264, 0.5), ("mpeg", "libx264", X264, 0.5), ("mpeg", "mpeg2video", {"bf": "2", "g": "12"}, 0)],
)
def test_a_program_stream_cut_at_a_packs_end_reads_as_a_sequential_decode(tmp_path, fmt, encoder, options, first):
    # The parser hands out the cut picture's start last, and nothing flags it. H.264's decoder refuses it: frame
    # threads refused it silently and lost the two B-frames they held (22 frames where a sequential decode gives 24).
    # MPEG-2's makes no picture of it (a picture's first bytes, at the end of the first pack here): it was counted as
    # a frame, 12 where a decode gives 11, and a read of frame 10 failed, "could not be decoded"
    full = write_stamped(tmp_path / f"full.{fmt}", fmt, encoder, 40, options)
    data = open(full, "rb").read()
    cut = tmp_path / f"cut.{fmt}"
    for size in range(max(2048, int(len(data) * first) // 2048 * 2048), len(data), 2048):  # a pack's end (2048 bytes)
        cut.write_bytes(data[:size])
        if last_packet_makes_no_picture(cut):
            break
    else:
        pytest.fail("no pack's end leaves a last packet that makes no picture: the case is not written")
    assert_reads_as_a_sequential_decode(str(cut))


def demux_fails(path) -> bool:
    try:
        with av.open(str(path)) as container:
            for _ in container.demux(video=0):
                pass
    except av.InvalidDataError:
        return True
    return False


def test_a_nut_file_whose_demuxer_fails_at_the_cut_reads_as_a_sequential_decode(tmp_path):
    full = write_stamped(tmp_path / "full.nut", "nut", "libx264", 40, X264)
    data = open(full, "rb").read()
    cut = tmp_path / "cut.nut"
    for size in range(len(data) * 3 // 4, len(data), 16):  # the first cut its demuxer fails at (not every one)
        cut.write_bytes(data[:size])
        if demux_fails(cut):
            break
    else:
        pytest.fail("no cut point fails the NUT demuxer: the case is not written")
    assert_reads_as_a_sequential_decode(str(cut))


def assert_reads_as_a_sequential_decode(path) -> None:
    """The frame count, every frame at once, each alone and every third streamed: the sequential decode's."""
    truth = sequential_decode(path)
    n = len(truth)
    with open_video(path) as reader:
        assert reader.num_frames == n, path
        np.testing.assert_array_equal(reader.read(range(n)), truth)
        singles = np.stack([reader.read([i])[0] for i in range(n)])
        assert frame_indices(singles) == frame_indices(truth)
        np.testing.assert_array_equal(singles, truth)
        streamed = list(reader.iter_read(range(0, n, 3)))
        assert [i for i, _ in streamed] == list(range(0, n, 3))
        np.testing.assert_array_equal(np.stack([frame for _, frame in streamed]), truth[::3])


def sequential_times(path) -> np.ndarray:
    """The presentation times, in seconds, of the frames `sequential_decode` gives."""
    times = []
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "NONE"
        for packet in container.demux(stream):
            try:
                frames = stream.codec_context.decode(packet if packet.size else None)
                times += [float(frame.pts * stream.time_base) for frame in frames]
            except av.InvalidDataError:
                pass
    return np.sort(np.asarray(times))


def cut_losing_its_last_packet(data: bytes, cut, sizes) -> None:
    """Write to `cut` the first of `data`'s first `sizes` bytes whose last packet makes no frame."""
    for size in sizes:
        cut.write_bytes(data[:size])
        with av.open(str(cut)) as container:
            packets = sum(1 for packet in container.demux(video=0) if packet.size)
        if len(sequential_times(cut)) < packets:
            return
    pytest.fail("no cut point leaves a last packet that makes no frame: the case is not written")


@pytest.mark.parametrize("encoder, options", [("libx265", X265), ("libx264", X264)])
def test_a_transport_stream_cut_at_a_packets_end_reads_as_a_sequential_decode(tmp_path, encoder, options):
    # Cut at a 188-byte boundary, nothing flags the cut and the size is whole: the last PES may hold a picture's
    # parameter sets and no slice, of which HEVC's decoder makes no picture (22 frames where a decode gives 21, a
    # wrong rate and duration, and frame 21 "could not be decoded")
    full = write_stamped(tmp_path / "full.ts", "mpegts", encoder, 40, options)
    data = open(full, "rb").read()
    cut = tmp_path / "cut.ts"
    lost = []  # cut points whose last packet makes no frame
    for size in range(len(data) // 2 // 188 * 188, len(data), 188):
        cut.write_bytes(data[:size])
        times = sequential_times(cut)
        with av.open(str(cut)) as container:
            packets = sum(1 for packet in container.demux(video=0) if packet.size)
        if len(times) < packets:
            lost.append(size)
        with open_video(str(cut)) as reader:
            assert reader.num_frames == len(times), size
            assert reader.fps == pytest.approx((len(times) - 1) / (times[-1] - times[0])), size
            assert reader.info.duration == pytest.approx(times[-1] - times[0] + 1 / 25), size
    if encoder == "libx265":  # (H.264's decoder makes a frame of each: its sweep was right before)
        assert lost, "no cut point leaves a last packet that makes no frame: the case is not written"
    for size in lost[:2]:
        cut.write_bytes(data[:size])
        assert_reads_as_a_sequential_decode(str(cut))


def test_a_raw_av1_stream_cut_inside_a_temporal_unit_reads_as_a_sequential_decode(tmp_path):
    # A raw AV1 stream (`.obu`: AV1's conformance streams, `aomenc --obu`) cut short: its demuxer times each temporal
    # unit and hands out the one the file ends inside unflagged, of which libdav1d makes no picture: counted unread,
    # 10 frames where a sequential decode gives 9, and a read of the last frame (so of every frame) failed
    full = write_stamped(tmp_path / "full.obu", "obu", "libsvtav1", 20, {"preset": "12", "g": "8"})
    data = open(full, "rb").read()
    cut = tmp_path / "cut.obu"
    cut_losing_its_last_packet(data, cut, range(len(data) - 1, len(data) // 2, -5))
    assert_reads_as_a_sequential_decode(str(cut))


def test_a_transport_stream_cut_inside_its_first_picture_has_no_frames(tmp_path):
    # Cut at a 188-byte boundary inside the first picture: the decoder refuses the one packet, and a sequential decode
    # gives no frame; the reader counted one, which no read could give
    full = write_stamped(tmp_path / "full.ts", "mpegts", "libx264", 40, X264)
    data = open(full, "rb").read()
    cut = tmp_path / "cut.ts"
    for size in range(188, len(data), 188):
        cut.write_bytes(data[:size])
        try:
            with av.open(str(cut)) as container:
                packets = [packet for packet in container.demux(video=0) if packet.size]
        except av.FFmpegError:
            continue
        if len(packets) == 1 and not len(sequential_times(cut)):
            break
    else:
        pytest.fail("no cut point leaves one packet that makes no frame: the case is not written")
    with pytest.raises(VideoDecodeError, match=r"cut\.ts.* has no frames \(it ends inside its first frame"):
        open_video(str(cut))


def test_a_transport_stream_from_bytes_decodes_its_last_gop_once_and_tells_a_cut_copy_apart(tmp_path, monkeypatch):
    # Bytes and file objects have no path to key a cache by: every open of a .ts from bytes (a DataLoader's read of a
    # clip, every step) decoded its last GOP again, doubling an uncut file's read. Their content keys it now, and a
    # copy cut at a packet's end, the same bytes but the last, is not taken for the whole file.
    full = write_stamped(tmp_path / "full.ts", "mpegts", "libx265", 40, X265)
    data = open(full, "rb").read()
    cut = tmp_path / "cut.ts"
    cut_losing_its_last_packet(data, cut, range(len(data) // 188 * 188 - 188, len(data) // 2, -188))
    decodes = []
    real = PyAVReader._gives_last_picture
    monkeypatch.setattr(PyAVReader, "_gives_last_picture", lambda self, *args: decodes.append(1) or real(self, *args))
    for source, path in [(data, full), (bytearray(data), full), (io.BytesIO(data), full), (cut.read_bytes(), cut)]:
        with open_video(source) as reader:
            assert reader.num_frames == len(sequential_times(path)), path
        if path == full:
            assert len(decodes) == 1  # the first open's, only


def write_textured(path, fmt: str, num_frames: int) -> bytes:
    """H.264 with B-frames of a moving texture (a damaged picture's concealment shows), each frame's corner its own
    grey; the file's bytes."""
    rng = np.random.default_rng(0)
    texture = rng.integers(0, 256, (96, 256, 3), dtype=np.uint8)
    with av.open(str(path), "w", format=fmt) as container:
        stream = container.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 128, 96, "yuv420p"
        stream.options = {"preset": "ultrafast", "x264-params": "keyint=12:bframes=3"}
        for i in range(num_frames):
            picture = np.roll(texture, 5 * i, axis=1)[:, :128].copy()
            picture[:24, :32] = (i * 37) % 256
            for packet in stream.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return open(path, "rb").read()


@pytest.mark.parametrize(
    "fmt, num_frames, fractions",
    [
        # NUT's demuxer hands the packet a file ends inside out short and unflagged (its muxer writes an index after
        # the last packet, so no whole file ends at a packet's end): it was not read as cut, and its last frame read
        # alone came out of the decoder's threads, up to 145 grey levels off the one-thread sequential decode (and
        # off a read of every frame). Cut in its first GOP (5%), a read of one frame sent the cut packet and kept its
        # decoder, whose damage a seek's flush kept: the frame read next came out 13 grey levels off
        ("nut", 60, (0.05, 0.1, 0.5108, 0.9672)),
        # a B-frame that references the cut picture was read alone with the non-reference frames before it skipped:
        # concealed from other pictures, 12 grey levels off
        ("avi", 48, (0.555, 0.625)),
        # a program stream cut in its first GOP: frame 0's read sent the cut packet and kept its decoder, whose damage
        # a seek's flush kept, and frame 1 read next came out 32 grey levels off (read alone: right)
        ("mpeg", 12, (0.22,)),
    ],
)
def test_a_file_cut_inside_its_last_packet_reads_as_a_sequential_decode(tmp_path, fmt, num_frames, fractions):
    data = write_textured(tmp_path / f"full.{fmt}", fmt, num_frames)
    cut = tmp_path / f"cut.{fmt}"
    for fraction in fractions:  # (cut points the old reader read wrongly, of 40 and of 12)
        cut.write_bytes(data[: int(len(data) * fraction)])
        assert not demux_fails(cut)
        assert_reads_as_a_sequential_decode(str(cut))


@pytest.mark.parametrize("cut", [False, True])
def test_a_frame_of_a_nut_files_last_gop_is_not_decoded_from_the_first_frame(tmp_path, cut):
    """A NUT file written without an index (`write_index=0`) ends where its last packet does, as a cut one does: both
    were read from the first frame for a frame of the last GOP (0.11-0.16 s for one of a 1500-frame file). A decode
    from the keyframe is kept where its pictures are the decode at open's; where the cut picture's concealment reaches
    past the keyframe (x264's cut picture here: a decode from its keyframe draws it otherwise), that frame is still
    read from the first frame."""
    options = {"write_index": "0"}
    path = write_stamped(tmp_path / "full.nut", "nut", "libx264", 40, X264, muxer_options=options, height=32, width=32)
    if cut:  # inside the last packet
        with av.open(path) as container:
            last = [packet for packet in container.demux(video=0) if packet.size][-1]
        data = open(path, "rb").read()
        path = str(tmp_path / "cut.nut")
        open(path, "wb").write(data[: last.pos + last.size // 2])
    truth = sequential_decode(path)
    with av.open(path) as container:
        last_keyframe = max(i for i, frame in enumerate(container.decode(video=0)) if frame.key_frame)
    with open_video(path) as reader:
        decoded = []
        for i in range(last_keyframe, len(truth)):
            before = reader.frames_decoded
            np.testing.assert_array_equal(reader.read([i])[0], truth[i])
            decoded.append(reader.frames_decoded - before)
    assert min(decoded) < last_keyframe, decoded  # (every frame from the first one: at least `last_keyframe + 1`)
