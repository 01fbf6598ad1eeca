# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""`random_access.keyframe_check`, the bitstream's word on whether a packet starts a picture a decoder can start from,
against the decoder itself: a packet starts one where a fresh decoder fed the stream from that packet on makes its
frame as a sequential decode of the whole file does. Every packet of each file is asked, keyframe or not, in each NAL
layout (length-prefixed in mp4, Annex B in MPEG-TS), open GOPs and x264's intra refresh (whose waves' first frames
mp4 flags as sync samples, though no decoder can start there) included.

And `PyAVReader.flags_keyframes_needing_references`, which the torchcodec backend goes by
(`tests/test_torchcodec_reader.py` reads such files through it): true of a file whose flags go wrong partway,
false of the file they were copied from."""

import av
import numpy as np
import pytest
from video_factory import flagged_from, write_encoded, write_stamped

from vivit_hf.processing.random_access import keyframe_check
from vivit_hf.processing.video_pyav import PyAVReader

NUM_FRAMES = 17
X264_REFRESH = {"preset": "ultrafast", "x264-params": "keyint=8:min-keyint=8:scenecut=0:bframes=0:intra-refresh=1"}

# id -> (container format, codec, B-frames in a row, open GOP)
FILES = {
    "mp4-h264-bf3": ("mp4", "h264", 3, False),  # avcC: length-prefixed
    "mpegts-h264-bf3-opengop": ("mpegts", "h264", 3, True),  # Annex B; I-frames after a recovery point SEI
    "mp4-h264-bf3-opengop": ("mp4", "h264", 3, True),
    "mp4-hevc-bf3": ("mp4", "hevc", 3, False),  # hvcC
    "mpegts-hevc-bf3-opengop": ("mpegts", "hevc", 3, True),  # Annex B; CRA pictures
    "mp4-mpeg4-bf2": ("mp4", "mpeg4", 2, False),
    "mxf-mpeg2-bf2-opengop": ("mxf", "mpeg2", 2, True),
    "webm-vp8": ("webm", "vp8", 0, False),
    "webm-vp9": ("webm", "vp9", 0, False),
    "webm-av1": ("webm", "av1", 0, False),  # an av1C record
    "ivf-av1": ("ivf", "av1", 0, False),  # no record: the sequence header's OBUs
}


def packets_and_check(path):
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        context = stream.codec_context
        check = keyframe_check(context.codec.canonical_name, context.extradata, context.codec.intra_only)
        packets = [(p.pts, p.dts, p.is_keyframe, bytes(p)) for p in container.demux(stream) if p.size]
        return packets, check, context.codec.name, bytes(context.extradata or b"")


def sequential_pictures(path) -> dict:
    """pts -> picture, from plain PyAV decoding the whole file from its start."""
    with av.open(str(path)) as container:
        return {frame.pts: frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)}


def starts_a_picture(codec: str, extradata: bytes, packets: list, at: int, truth: dict) -> bool:
    """Whether a fresh decoder fed the packets from `at` on makes packet `at`'s frame as the sequential decode does."""
    context = av.CodecContext.create(codec, "r")
    context.extradata = extradata or None
    context.thread_type, context.thread_count = "NONE", 1
    wanted = packets[at][0]
    for pts, dts, _, data in [*packets[at:], (None, None, False, None)]:
        packet = None
        if data is not None:
            packet = av.Packet(data)
            packet.pts, packet.dts = pts, dts
        try:
            frames = context.decode(packet)
        except av.FFmpegError:  # (VP9 refuses a frame whose references it lacks)
            continue
        for frame in frames:
            if frame.pts == wanted:
                return np.array_equal(frame.to_ndarray(format="rgb24"), truth[wanted])
    return False


@pytest.mark.parametrize("case", FILES)
def test_the_bitstream_says_a_packet_starts_a_picture_where_a_decoder_started_there_makes_it(tmp_path, case):
    fmt, codec, bframes, open_gop = FILES[case]
    path = str(tmp_path / f"clip.{fmt}")
    write_encoded(path, fmt, codec, NUM_FRAMES, bframes=bframes, gop=8, open_gop=open_gop)
    packets, check, decoder, extradata = packets_and_check(path)
    truth = sequential_pictures(path)
    decoded = [starts_a_picture(decoder, extradata, packets, i, truth) for i in range(len(packets))]
    said = [check(data) for *_, data in packets]
    assert sum(decoded) >= 3  # the file's keyframes (every 8 frames), and nothing else here
    assert said == decoded


def test_an_intra_refresh_waves_first_frame_flagged_a_sync_sample_is_no_start(tmp_path):
    # x264's intra refresh: one IDR frame, then each wave's first frame is a P-frame after a recovery point SEI that
    # recovers 8 frames later; mp4 flags it a sync sample
    path = write_stamped(tmp_path / "refresh.mp4", "mp4", "libx264", NUM_FRAMES, X264_REFRESH)
    packets, check, decoder, extradata = packets_and_check(path)
    flagged = [i for i, (_, _, key, _) in enumerate(packets) if key]
    assert len(flagged) > 1
    truth = sequential_pictures(path)
    assert [check(packets[i][3]) for i in flagged] == [True] + [False] * (len(flagged) - 1)
    assert not any(starts_a_picture(decoder, extradata, packets, i, truth) for i in flagged[1:])


def test_an_hvcc_record_of_version_0_is_read_as_ffmpeg_reads_it(tmp_path):
    # HEVC mp4s muxed before ISO/IEC 14496-15 fixed the hvcC version at 1 carry version 0, which FFmpeg reads as hvcC
    # (ff_hevc_decode_extradata). Noise makes P-frames of 256-511 bytes, whose 4-byte length 00 00 01 xx reads as a
    # start code: before, as Annex B, 3 of the 14 P-frames here were said to start a picture
    path = tmp_path / "noise.mp4"
    rng = np.random.default_rng(0)
    base = rng.integers(0, 256, (48, 64, 3))
    options = {
        "preset": "ultrafast",
        "crf": "30",
        "x265-params": "keyint=8:min-keyint=8:scenecut=0:bframes=0:log-level=error",
    }
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("libx265", rate=25)
        stream.width, stream.height, stream.pix_fmt, stream.options = 64, 48, "yuv420p", options
        for _ in range(NUM_FRAMES):
            picture = np.clip(base + rng.integers(-40, 40, base.shape), 0, 255).astype(np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    mp4 = bytearray(path.read_bytes())
    version = mp4.index(b"hvcC") + 4
    assert mp4[version] == 1
    mp4[version] = 0
    path.write_bytes(bytes(mp4))
    packets, check, decoder, extradata = packets_and_check(path)
    assert extradata[0] == 0 and any(data.startswith(b"\x00\x00\x01") for *_, data in packets)
    truth = sequential_pictures(path)
    decoded = [starts_a_picture(decoder, extradata, packets, i, truth) for i in range(len(packets))]
    assert sum(decoded) == 3  # the keyframes
    assert [check(data) for *_, data in packets] == decoded


@pytest.mark.parametrize("fmt", ["mp4", "matroska"])
def test_a_file_whose_keyframe_flags_go_wrong_partway_is_found_by_its_demux(tmp_path, fmt):
    source = write_encoded(str(tmp_path / "source.mkv"), "matroska", "hevc", NUM_FRAMES, bframes=3, gop=8)
    path = flagged_from(source, tmp_path / f"flagged.{fmt}", fmt, 9)
    for file, wrong in ((source, False), (path, True)):
        reader = PyAVReader(file)
        assert reader.flags_keyframes_needing_references() is wrong
        reader.close()


@pytest.mark.parametrize(
    "units, starts",
    [
        ([b"\x65\x88"], True),  # an IDR slice
        ([b"\x41\x88"], False),  # an I slice (first_mb 0, slice_type 7), no recovery point: later frames may reference
        ([b"\x06\x06\x01\x80\x80", b"\x41\x88"], True),  # after a recovery point of recovery_frame_cnt 0 (open GOP)
        ([b"\x06\x06\x01\x40\x80", b"\x41\x88"], False),  # recovery_frame_cnt 1: the picture is whole a frame later
        ([b"\x06\x06\x01\x80\x80", b"\x41\x9a"], False),  # a P slice (slice_type 5) after one: an intra-refresh wave
    ],
)
def test_an_h264_slice_starts_a_picture_if_idr_or_intra_after_a_recovery_point_that_recovers_at_once(units, starts):
    # (hand-made NAL units; the same in Annex B and length-prefixed after an avcC record of 4-byte lengths)
    check_annex_b = keyframe_check("h264", b"", False)
    check_avcc = keyframe_check("h264", b"\x01\x64\x00\x0a\xff\xe1", False)
    assert check_annex_b(b"".join(b"\x00\x00\x00\x01" + unit for unit in units)) is starts
    assert check_avcc(b"".join(len(unit).to_bytes(4, "big") + unit for unit in units)) is starts


@pytest.mark.parametrize(
    "frame_header, starts",
    [
        (0x10, True),  # a KEY_FRAME (frame_type 0), shown
        (0x00, False),  # a KEY_FRAME hidden (a forward key frame): the frame the packet shows may need other slots
        (0x30, False),  # an INTER_FRAME (frame_type 1), shown
        (0x80, False),  # show_existing_frame: a frame decoded before
    ],
)
def test_an_av1_packet_starts_a_picture_if_its_first_frame_is_a_shown_key_frame(frame_header, starts):
    # (hand-made OBUs, each with its size: a temporal delimiter, then a frame OBU whose header's first byte is given;
    # libaom's --enable-fwd-kf writes hidden key frames, shown later by a show_existing_frame)
    check = keyframe_check("av1", b"", False)
    assert check(bytes([0x12, 0x00, 0x32, 0x01, frame_header])) is starts
