# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Video I/O indexing against hand-worked values: which indices a reader accepts (the last frame yes, one past it
no), what its errors say, and how wanted frames group into seek spans (issue 18 part 4: kills the surviving mutants
of `VideoReader._check_indices` and `PyAVReader._segments`; docs/testing.md, "mutmut"); and how a decode at open
names frames and packets (`PyAVReader._decoded_table`, `_name_packet`), on a scripted decoder whose output order is
written out by hand: the cases no file at hand reaches (a decoder that loses a frame's pts, a first frame shown
before any keyframe, a packet not seen at open). Then small files as downloads, cameras and captures leave them (cut
inside the last packet, H.264 stamped with decode times in MXF, a transport stream whose clock wraps), each against a
sequential decode with plain PyAV; which packets `_decodable` sends, on stand-in packets; and torchcodec checked
against PyAV's frame table (frame times, frames returned at another time, readers PyAV takes over), on small files
and stand-ins (`_frame_table`'s cut packet, `_seek_start`, `frame_times`, `_replace_misread`, `_checked_by_pyav`,
`open_with_torchcodec`); last, what an input is called, a title tag that is not UTF-8, and reads that count frames
from the start (`source_name`, `describe_source`, `PyAVReader._open`, `_torchcodec_plan`, `_sequential_frames`); and
what every reader shares (`video_reader.py`: output sizes, frames counted at the rate, orientation, the base
`iter_read` over a sequential decode, `resize_frames` against PIL's filters)."""

import io
import os
from fractions import Fraction
from types import SimpleNamespace

import av
import numpy as np
import pytest
from PIL import Image
from test_video_realworld_files import sequential_decode
from video_factory import frame_indices, pattern_frame, piped, write_encoded, write_video

from vivit_hf.processing import video_io, video_reader, video_torchcodec
from vivit_hf.processing.video_io import (
    PyAVReader,
    TorchcodecReader,
    VideoDecodeError,
    describe_source,
    open_input,
    open_video,
    read_frames,
    source_name,
)
from vivit_hf.processing.video_pyav import _decodable
from vivit_hf.processing.video_torchcodec import _torchcodec_reason


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return write_video(tmp_path_factory.mktemp("index") / "clip.mp4", num_frames=10, codec="h264", gop=4)


def test_every_index_from_zero_to_the_last_frame_is_accepted(clip):
    with open_video(clip, backend="pyav") as reader:
        assert reader.num_frames == 10
        got = reader._check_indices([[9, 0], [5, 5]])
        assert got.dtype == np.int64 and got.tolist() == [9, 0, 5, 5]
        assert reader.read([9, 0]).shape[0] == 2


def test_indices_of_any_integer_dtype_come_back_as_int64(clip):
    # e.g. an int32 tensor's or a uint16 array's indices: the reader hands on int64 whatever it was given
    with open_video(clip, backend="pyav") as reader:
        for dtype in (np.int32, np.uint16, np.int8):
            got = reader._check_indices(np.array([[9, 0], [5, 5]], dtype=dtype))
            assert got.dtype == np.int64 and got.tolist() == [9, 0, 5, 5]
        assert frame_indices(reader.read(np.array([9, 0], dtype=np.int32))) == [9, 0]


@pytest.mark.parametrize(
    "indices, bad",
    [([0, 10], [10]), ([-1, 3], [-1]), (list(range(-3, 0)) + list(range(10, 17)), [-3, -2, -1, 10, 11, 12, 13, 14])],
)
def test_out_of_range_indices_are_named_eight_at_most(clip, indices, bad):
    with open_video(clip, backend="pyav") as reader:
        with pytest.raises(ValueError) as error:
            reader._check_indices(indices)
        assert str(error.value) == f"Frame indices {bad} are out of range for video {reader.name} with 10 frames."


def test_indices_that_are_not_whole_numbers_are_named_eight_at_most_with_how_to_round_them(clip):
    # e.g. np.linspace(0, 9, 10) * 0.95: a cast would truncate 0.95 to frame 0 silently
    with open_video(clip, backend="pyav") as reader:
        with pytest.raises(ValueError) as error:
            reader.read(np.arange(10) * 0.95)
        assert str(error.value) == (
            f"Frame indices must be whole numbers; got {[i * 0.95 for i in range(8)]} for video {reader.name} "
            "(round them, e.g. np.round(indices).astype(int), to pick the nearest frames)."
        )


def test_no_indices_is_an_error_naming_the_video(clip):
    with open_video(clip, backend="pyav") as reader:
        with pytest.raises(ValueError) as error:
            reader.read([])
        assert str(error.value) == f"No frame indices asked of video {reader.name}."


def segments(start, wanted, unseekable=()):
    reader = PyAVReader.__new__(PyAVReader)
    reader._start = np.asarray(start, dtype=np.int64)
    reader._unseekable = set(unseekable)
    return reader._segments(np.asarray(wanted, dtype=np.int64))


def test_a_span_never_starts_at_a_keyframe_that_decodes_damaged_alone():
    start = [0, 0, 0, 3, 3, 3, 6, 6]  # keyframes at 0, 3 and 6
    assert segments(start, [4, 7], unseekable={6}) == [(3, 4, 7)]  # one span from 3 (6 is not a start)
    assert segments(start, [7], unseekable={6}) == [(3, 7, 7)]
    assert segments(start, [7], unseekable={3, 6}) == [(0, 7, 7)]  # nor is 3: from the start


def test_wanted_frames_group_into_one_span_per_keyframe_jump():
    start = [0, 0, 0, 3, 3, 3, 6, 6]  # keyframes at 0, 3 and 6
    assert segments(start, [1, 4, 7]) == [(0, 1, 1), (3, 4, 4), (6, 7, 7)]
    assert segments(start, [1, 5]) == [(0, 1, 1), (3, 5, 5)]
    assert segments(start, [5]) == [(3, 5, 5)]
    # a keyframe right after the last wanted frame is decoded on to, not sought (a sequential decode's frames)
    assert segments(start, [0, 1, 2, 3]) == [(0, 0, 3)]
    assert segments(start, [1, 2, 4, 7]) == [(0, 1, 4), (6, 7, 7)]


def test_a_keyframe_at_the_last_wanted_frame_keeps_decoding_on():
    # frame 1 is a keyframe and wanted; frame 2 starts from it: no second seek
    assert segments([0, 1, 1], [1, 2]) == [(1, 1, 2)]
    assert segments([0, 0, 2, 2], [1, 3]) == [(0, 1, 3)]  # keyframe 2 follows frame 1: decoded on to
    assert segments([0, 0, 0, 3, 3], [1, 4]) == [(0, 1, 1), (3, 4, 4)]


# -- the names of packets and frames in the tables a decode at open makes (PyAVReader._decoded_table, _name_packet)
class Packet:
    def __init__(self, dts=None, size=1):
        self.dts, self.pts, self.size = dts, None, size


class Frame:
    def __init__(self, pts):
        self.pts = pts


class ScriptedDecoder:
    """A codec context whose call `k` (a packet, or None: the flush) gives the frames of the packets `script[k]`
    lists, by their place among the packets sent, each frame carrying the pts its packet was sent with; -1 gives a
    frame whose pts the decoder lost."""

    def __init__(self, script: dict[int, list[int]]):
        self.script, self.sent = script, []

    def decode(self, packet):
        self.sent.append(None if packet is None else packet.pts)
        return [Frame(None if j < 0 else self.sent[j]) for j in self.script.get(len(self.sent) - 1, [])]


def decoded_table(num_packets: int, script: dict[int, list[int]], names: list, keyframes: list):
    reader = PyAVReader.__new__(PyAVReader)
    reader.name, reader.frames_decoded = "'fake.avi'", 0
    reader._rewind = lambda: None
    reader.stream = SimpleNamespace(codec_context=ScriptedDecoder(script))
    reader.container = SimpleNamespace(
        demux=lambda stream: iter([Packet(size=1) for _ in range(num_packets)]), format=SimpleNamespace(name="avi")
    )
    reader._threading, reader._owns_container, reader._last_refused = ("AUTO", 0), True, False
    reader._cut_decoded, reader._alpha_context = False, None  # (an opaque stream: FFmpeg's own decoder)
    stamps, start = reader._decoded_table(names, keyframes)
    return reader, (None if stamps is None else stamps.tolist()), (None if start is None else start.tolist())


def test_a_decode_at_open_orders_frames_and_finds_where_each_decodes_from():
    # I0 P3 B1 B2 | I6(open GOP) B4 B5: decode order I0 P3 B1 B2 I6 B4 B5, one frame held back until the flush;
    # the dts name the packets (here 10 x their place)
    script = {1: [0], 2: [2], 3: [3], 4: [1], 5: [5], 6: [6], 7: [4]}
    names, keyframes = [0, 10, 20, 30, 40, 50, 60], [True, False, False, False, True, False, False]
    reader, stamps, start = decoded_table(7, script, names, keyframes)
    assert reader.frames_decoded == reader.num_frames == 7
    assert stamps == [0, 20, 30, 10, 50, 60, 40]  # presentation order, each frame named by its packet's dts
    # B4 and B5, shown before I6 but decoded after it (open GOP: they reference P3 and I6), start from I0
    assert start == [0, 0, 0, 0, 0, 0, 6]


def test_frames_a_decoder_shows_before_the_first_keyframe_decode_from_the_first_frame():
    # a file cut after its keyframe: the decoder shows the first two frames anyway (no keyframe at or before them)
    _, stamps, start = decoded_table(4, {0: [0], 1: [1], 2: [2], 4: [3]}, [5, 6, 7, 8], [False, False, True, False])
    assert stamps == [5, 6, 7, 8] and start == [0, 0, 2, 2]


@pytest.mark.parametrize(
    "script, names, frames",
    [
        ({0: [0], 1: [-1], 3: [2]}, [0, 1, 2], 3),  # a decoder that loses a frame's pts
        ({0: [0], 1: [1, 1], 3: [2]}, [0, 1, 2], 4),  # one packet named on two frames
        ({0: [0], 1: [1], 3: [2]}, [0, 1], 3),  # a packet the first read did not see
        ({0: [0], 1: [1], 3: [2]}, [], 3),  # no dts to name the packets by
    ],
    ids=["lost pts", "a name twice", "an unseen packet", "no names"],
)
def test_frames_whose_names_fail_are_counted(script, names, frames):
    reader, stamps, start = decoded_table(3, script, names, [True] * 3)
    assert (stamps, start) == (None, None)
    assert reader.num_frames == reader.frames_decoded == frames
    # frames counted have no times, also where the packets were to be named by their pts (a decode at open that
    # orders them, `_frame_table`): callers fall back on the rate (an AttributeError, had the check read `and`)
    reader._pts, reader._stamp, reader.stream.time_base = None, "pts", Fraction(1, 25)
    reader._raw_stream = False  # a container that stores timestamps (`frame_times` asks first since rw46)
    assert reader.frame_times() is None


def name_packets(names: list, packets: list[Packet], previous=None) -> list:
    reader = PyAVReader.__new__(PyAVReader)
    reader._names, reader._place = names, {d: i for i, d in enumerate(names)}
    places = []
    for packet in packets:
        previous = reader._name_packet(packet, previous)
        places.append(previous)
    return places


def test_a_packet_read_after_a_seek_without_a_dts_is_the_one_after_the_packet_before_it():
    names = [0, 40, 80, 120]
    packets = [Packet(40), Packet(None), Packet(None), Packet(None)]  # a seek landing at 40, then three untimed
    assert name_packets(names, packets) == [1, 2, 3, 4]
    assert [p.pts for p in packets] == [40, 80, 120, None]  # past the last packet seen at open: no name
    packets = [Packet(None), Packet(99), Packet(None), Packet(0)]  # nothing before it / a dts not seen at open
    assert name_packets(names, packets) == [None, None, None, 0]
    assert [p.pts for p in packets] == [None, None, None, 0]


# -- files as downloads, cameras and broadcast captures leave them (PyAVReader._frame_table, _decoded_table, _decodable,
# _seek_start), each against a sequential decode with plain PyAV
def cut_inside_packet(path, packet: int) -> bytes:
    """The file's bytes up to the middle of its `packet`-th video packet (in file order), as a download that stopped."""
    with av.open(str(path)) as container:
        packets = [p for p in container.demux(video=0) if p.size]
    return open(path, "rb").read()[: packets[packet].pos + packets[packet].size // 2]


def assert_every_frame_reads_as_decoded(path, truth: np.ndarray) -> None:
    with open_video(path, backend="pyav") as reader:
        assert reader.num_frames == len(truth)
        for i in range(len(truth)):
            assert np.array_equal(reader.read([i]), truth[i : i + 1]), f"frame {i}"
        assert np.array_equal(reader.read(range(len(truth))), truth)


def cut_copy(folder, container: str, codec: str, packet: int, **encoding):
    """A file written with `write_encoded(**encoding)`, cut inside its `packet`-th packet, and a sequential decode of
    the cut copy: (path, frames)."""
    full = write_encoded(folder / f"full.{container}", container, codec, **encoding)
    cut = folder / f"cut.{container}"
    cut.write_bytes(cut_inside_packet(full, packet))
    return cut, sequential_decode(cut)


@pytest.mark.parametrize("num_frames", [4, 2])
def test_a_packet_a_flv_file_ends_inside_is_no_frame(tmp_path, num_frames):
    # H.264 without B-frames, a keyframe every 2 frames, cut inside its last packet: FFmpeg's decoder refuses that
    # packet, so a sequential decode gives one frame less than the file has packets
    cut, truth = cut_copy(tmp_path, "flv", "h264", num_frames - 1, num_frames=num_frames, gop=2)
    assert frame_indices(truth) == list(range(num_frames - 1))
    assert_every_frame_reads_as_decoded(cut, truth)
    with open_video(cut, backend="pyav") as reader:  # the last whole frame is a keyframe: decoded alone
        reader.read([num_frames - 2])
        assert reader.frames_decoded == 1


def test_a_packet_an_avi_file_ends_inside_is_decoded_as_a_sequential_decode_does(tmp_path):
    # MPEG-4 Part 2 with B-frames (decode order I0 P3 B1 B2 P6 B4 ...), cut inside its sixth packet: its decoder
    # makes a picture of what is left, a frame of the sequential decode, so it is one of the table the decode at open
    # makes
    cut, truth = cut_copy(tmp_path, "avi", "mpeg4", 5, num_frames=10, gop=8, bframes=2)
    assert len(truth) == 6
    assert_every_frame_reads_as_decoded(cut, truth)


@pytest.mark.parametrize("num_frames", [9, 13])
def test_a_keyframe_an_avi_file_ends_inside_is_concealed_as_a_sequential_decode_conceals_it(tmp_path, num_frames):
    # MPEG-4 Part 2, a keyframe every 4 frames, cut inside the last packet, a keyframe: the decoder makes a damaged
    # picture of what is left, concealed from the frame before it in a sequential decode. Decoded from that keyframe
    # alone (a seek) it was a flat grey frame instead (126 grey levels off on average)
    cut, truth = cut_copy(tmp_path, "avi", "mpeg4", num_frames - 1, num_frames=num_frames, gop=4)
    assert len(truth) == num_frames
    for read in ([num_frames - 1], [num_frames - 2, num_frames - 1], range(num_frames)):
        with open_video(cut, backend="pyav") as reader:
            assert np.array_equal(reader.read(read), truth[list(read)]), list(read)
        with open_video(cut, backend="pyav") as reader:
            streamed = np.stack([frame for _, frame in reader.iter_read(read)])
            assert np.array_equal(streamed, truth[list(read)]), list(read)
    assert_every_frame_reads_as_decoded(cut, truth)


def test_h264_with_b_frames_stamped_with_decode_times_reads_in_presentation_order(tmp_path):
    # FFmpeg's MXF muxer stores H.264 with pts == dts: sorted, the stamps give decode order (0 4 1 2 3 ...)
    path = write_encoded(tmp_path / "camera.mxf", "mxf", "h264", num_frames=12, gop=8, bframes=3)
    with av.open(path) as container:
        packets = [p for p in container.demux(video=0) if p.size]
    assert all(p.pts == p.dts for p in packets)
    truth = sequential_decode(path)
    assert frame_indices(truth) == list(range(12))
    assert_every_frame_reads_as_decoded(path, truth)


def write_stamped_ts(path, encoder: str, num_frames: int, options: dict, first: int) -> str:
    """Pattern frames in MPEG-TS, frame `i` stamped `first + i` in ticks of 1/25 s."""
    with av.open(str(path), "w", format="mpegts") as container:
        stream = container.add_stream(encoder, rate=25)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        stream.options = options
        stream.codec_context.time_base = Fraction(1, 25)
        for i in range(num_frames):
            frame = av.VideoFrame.from_ndarray(pattern_frame(i, 48, 64), format="rgb24")
            frame.pts, frame.time_base = first + i, Fraction(1, 25)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return str(path)


def test_a_transport_stream_whose_clock_wraps_reads_its_first_frames_after_a_later_one(tmp_path):
    # The 90 kHz clock passes 2^33 at frame 25: FFmpeg unwraps the frames before to times below 0, and a seek to
    # time 0 lands there, a second in. Reading frame 30 first makes the reads of frames 0 and 1 go back to the start.
    first = (2**33 - 90000) // 3600  # 1 s before the wrap, in frames of 1/25 s
    path = write_stamped_ts(tmp_path / "wrap.ts", "mpeg2video", 32, {"bf": "2", "g": "12"}, first)
    truth = sequential_decode(path)
    assert frame_indices(truth) == list(range(32))
    with open_video(path, backend="pyav") as reader:
        assert reader.num_frames == 32
        for asked in ([30], [0], [1], [31, 0, 1]):
            assert np.array_equal(reader.read(asked), truth[asked]), asked


class CutPacket:
    """A stand-in demuxed packet: `is_corrupt` where FFmpeg flags one (left out: a packet that does not say)."""

    def __init__(self, name, size=1, **corrupt):
        self.name, self.size = name, size
        self.__dict__.update(corrupt)


def sent(packets, send_cut: bool) -> list:
    return [None if p is None else p.name for p in _decodable(iter(packets), send_cut=send_cut)]


def test_a_corrupt_packet_is_held_back_only_as_the_last_one_and_only_where_asked():
    a, b, c = CutPacket("a", is_corrupt=False), CutPacket("b", is_corrupt=True), CutPacket("c")
    empty = CutPacket("empty", size=0, is_corrupt=False)
    # a corrupt packet that another follows is a damaged one inside the file: sent, in its place
    assert sent([a, b, empty, c], send_cut=False) == ["a", "b", "c", None]
    # the last one is the packet the file ends inside: left out, unless asked
    assert sent([a, c, b], send_cut=False) == ["a", "c", None]
    assert sent([a, b, c, b, empty], send_cut=False) == ["a", "b", "c", None]
    assert sent([a, c, b], send_cut=True) == ["a", "c", "b", None]
    # empty packets never, and a packet that does not say (a fresh one: the last after a corrupt one leaves flagged)
    assert sent([empty, CutPacket("c")], send_cut=False) == ["c", None]
    assert sent([], send_cut=False) == [None]


# -- the frame times, and torchcodec checked against PyAV's table (frame_times, _replace_misread, _checked_by_pyav,
# open_with_torchcodec)
def test_frame_times_are_each_frames_pts_in_seconds_where_the_table_has_them(clip, tmp_path):
    with open_video(clip, backend="pyav") as reader:  # 25 fps, no B-frames: frame i at i / 25 s
        assert reader.frame_times() == pytest.approx(np.arange(10) / 25, abs=1e-9)
    avi = write_encoded(tmp_path / "clip.avi", "avi", "mpeg4", num_frames=4, gop=2)
    with open_video(avi, backend="pyav") as reader:  # AVI's dts count frames: no times
        assert reader.frame_times() is None


class Reference:
    """A stand-in PyAV reader: frame i at `times[i]`, read as an array filled with 100 + i."""

    def __init__(self, times):
        self.times, self.asked, self.closed = np.asarray(times, dtype=np.float64), [], 0

    def frame_times(self):
        return self.times

    def read(self, idx):
        self.asked.append(list(idx))
        return np.stack([np.full((1, 1, 3), 100 + i, dtype=np.uint8) for i in idx])

    def close(self):
        self.closed += 1


def replaced(times, idx, shown) -> tuple[list, list]:
    """What `_replace_misread` gives for torchcodec frames filled with 0 shown at `shown`, and what it read again."""
    reader = TorchcodecReader.__new__(TorchcodecReader)
    reader.reference = Reference(times)
    array = np.zeros((len(idx), 1, 1, 3), dtype=np.uint8)
    out = reader._replace_misread(np.asarray(idx), np.asarray(shown, dtype=np.float64), array)
    return out[:, 0, 0, 0].tolist(), reader.reference.asked


def test_frames_torchcodec_returns_at_another_time_are_read_again_with_pyav():
    times = [0.0, 0.04, 0.08, 0.12]
    # frame 0 asked twice: once given frame 1 (0.04 s), once within 1 us of its time (the same stamp through
    # doubles); frame 3 given frame 4 (0.16 s)
    got, asked = replaced(times, [0, 0, 1, 2, 3], [0.04, 1e-6, 0.04, 0.08, 0.16])
    assert got == [100, 0, 0, 0, 103] and asked == [[0, 3]]
    # frames of a long video (2000 s in) at their own times are torchcodec's
    assert replaced([2000.0, 2000.04], [0, 1], [2000.0, 2000.04]) == ([0, 0], [])


def test_a_torchcodec_reader_without_a_reference_has_no_times_and_closes_once():
    reader = TorchcodecReader.__new__(TorchcodecReader)
    reader.reference = None
    assert reader.frame_times() is None
    reader.reference = reference = Reference([0.0, 0.5])
    assert reader.frame_times().tolist() == [0.0, 0.5]
    reader.close()
    reader.close()  # a second close is harmless
    # closed once, and its times still answered from the closed reference (as a closed PyAV reader's are)
    assert reference.closed == 1 and reader.frame_times().tolist() == [0.0, 0.5]


def test_torchcodec_messages_lose_the_cpp_function_and_source_line():
    error = RuntimeError("decode_av_frame, /__w/torchcodec/src/SingleStreamDecoder.cpp:1510, Could not receive frame")
    assert _torchcodec_reason(error) == "Could not receive frame"
    assert _torchcodec_reason(RuntimeError("No valid stream found")) == "No valid stream found"


@pytest.mark.torchcodec
def test_a_torchcodec_reader_of_a_path_or_bytes_takes_its_frame_times_from_pyav(clip):
    data = open(clip, "rb").read()
    for source in (clip, data):
        with open_video(source, backend="torchcodec") as reader:
            assert reader.backend == "torchcodec"
            assert reader.frame_times() == pytest.approx(np.arange(10) / 25, abs=1e-9)
            assert reader.name == video_io.describe_source(source)


def write_two_tracks_of_one_length(path) -> str:
    """Two tracks of 8 pattern frames each at 25 fps, none flagged default: MPEG-4 Part 2 at 64x48 first, H.264 at
    96x64 second (the one torchcodec picks by itself, FFmpeg's "best stream")."""
    with av.open(str(path), "w") as container:
        tracks = [container.add_stream(codec, rate=25) for codec in ("mpeg4", "libx264")]
        for stream, (width, height) in zip(tracks, [(64, 48), (96, 64)]):
            stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
            stream.disposition = av.stream.Disposition(0)
        for i in range(8):
            for stream in tracks:
                frame = av.VideoFrame.from_ndarray(pattern_frame(i, stream.height, stream.width), format="rgb24")
                for packet in stream.encode(frame):
                    container.mux(packet)
        for stream in tracks:
            for packet in stream.encode():
                container.mux(packet)
    return str(path)


@pytest.mark.torchcodec
def test_torchcodec_reads_the_first_track_where_both_have_as_many_frames_at_the_same_times(tmp_path):
    # frame counts and times agree, so only the stream torchcodec is given makes it read the first track
    path = write_two_tracks_of_one_length(tmp_path / "two.mkv")
    with av.open(path) as container:
        truth = np.stack([f.to_ndarray(format="rgb24") for f in container.decode(container.streams.video[0])])
    for source in (path, open(path, "rb").read()):
        with open_video(source, backend="torchcodec") as reader:
            assert reader.backend == "torchcodec" and reader.num_frames == 8
            got = reader.read([0, 5, 7])
        assert got.shape == (3, 48, 64, 3) and frame_indices(got) == [0, 5, 7]
        assert np.abs(got.astype(int) - truth[[0, 5, 7]].astype(int)).mean() < 2  # torchcodec's colour rounding


@pytest.mark.torchcodec
@pytest.mark.parametrize("fmt, codec", [("avi", "mpeg4"), ("mxf", "h264")])
def test_bytes_torchcodec_misreads_are_read_by_pyav_with_the_callers_name_and_threads(tmp_path, fmt, codec):
    # AVI: a container torchcodec indexes wrongly; MXF H.264 with B-frames: a table without presentation times
    path = write_encoded(tmp_path / f"clip.{fmt}", fmt, codec, num_frames=8, gop=4, bframes=2)
    data = open(path, "rb").read()
    with open_video(data, backend="torchcodec", thread_type="SLICE", thread_count=1) as reader:
        assert reader.backend == "pyav" and reader.name == f"<{len(data)} bytes>"
        assert reader._threading == ("SLICE", 1)
        assert np.array_equal(reader.read(range(8)), sequential_decode(path))


@pytest.mark.torchcodec
@pytest.mark.parametrize("as_bytes", [False, True])
def test_a_file_torchcodec_cannot_open_is_read_by_pyav_from_where_it_was(clip, monkeypatch, as_bytes):
    def cannot_open(resolved, name=None, **kwargs):
        if hasattr(resolved, "read"):
            resolved.read(1000)  # torchcodec may have read some of a file object before it failed
        raise video_torchcodec._TorchcodecCannotOpen("stand-in")

    monkeypatch.setattr(video_torchcodec, "TorchcodecReader", cannot_open)  # where open_with_torchcodec looks it up
    data = open(clip, "rb").read()
    source = data if as_bytes else clip
    with open_video(source, backend="torchcodec", thread_type="SLICE", thread_count=1) as reader:
        assert reader.backend == "pyav" and reader.name == video_io.describe_source(source)
        assert reader._threading == ("SLICE", 1)
        assert np.array_equal(reader.read(range(10)), sequential_decode(clip))


def test_a_callers_container_that_cannot_seek_back_is_read_from_its_file_else_refused_with_what_to_pass(tmp_path):
    # a raw H.264 stream cannot seek; its table comes from a decode from the start, which needs the first packet
    # again: a container on a file, on bytes or on another file object is read through one of the reader's own, on the
    # file or a copy of the bytes (all were refused), one on a file object that cannot seek (a pipe) cannot be
    path = write_video(tmp_path / "clip.h264", num_frames=6, codec="h264", gop=3, container_format="h264")
    data = open(path, "rb").read()
    for source in (path, io.BytesIO(data), io.BufferedReader(io.BytesIO(data))):
        with av.open(source) as container:
            assert np.array_equal(read_frames(container, [4, 1, 5]), sequential_decode(path)[[4, 1, 5]])
    with av.open(piped(data)) as container:
        with pytest.raises(VideoDecodeError) as error:
            open_video(container)
    assert str(error.value) == (
        f"Video {describe_source(container)} cannot seek back to its start; pass its path or bytes instead "
        "of an open container."
    )


# -- names of inputs, tags that are not UTF-8, reads without a frame table (source_name, describe_source,
# PyAVReader._open, _torchcodec_plan, _sequential_frames)
def test_an_inputs_file_name_and_description_by_hand(clip):
    assert source_name({"path": "a.mp4", "bytes": b"xy"}) == "a.mp4" == source_name("a.mp4")
    assert source_name({"path": "", "bytes": b"xy"}) is None and source_name({"path": None}) is None
    assert source_name(SimpleNamespace(name=3)) is None  # a file opened from a descriptor is named by its number
    assert describe_source({"path": "a.mp4", "bytes": b"xy"}) == "'a.mp4'"
    assert describe_source({"path": None, "bytes": b"xyz"}) == "<3 bytes>"
    assert describe_source({"path": None, "bytes": None}) == "<dict with keys ['bytes', 'path']>"
    assert describe_source(SimpleNamespace(name=3)) == "<SimpleNamespace>" and describe_source(12) == "<int>"
    # an open pipe, alone or in a caller's container, is named as what it is (PyAV names the container "3", and the
    # messages said "Video '3'"); a container on bytes is not "'<none>'"
    with piped(b"xy") as pipe, open(os.open(os.devnull, os.O_RDONLY), "rb") as null:
        assert describe_source(pipe) == f"<a pipe, file descriptor {pipe.fileno()}>" and source_name(pipe) is None
        assert describe_source(null) == f"<file descriptor {null.fileno()}>"
    clip_bytes = open(clip, "rb").read()
    with av.open(piped(clip_bytes)) as container:
        assert describe_source(container) == f"<a pipe, file descriptor {container.file.file.fileno()}>"
        assert source_name(container) is None
    with av.open(io.BytesIO(clip_bytes)) as container:
        assert describe_source(container) == "<InputContainer on BytesIO>" and source_name(container) is None


def with_latin1_title(path, fmt: str, codec: str) -> str:
    """8 pattern frames whose title tag is Latin-1 bytes ("Caf\\xe9..."), as an old tool writes it."""
    placeholder = b"Cafe-placeholder"
    with av.open(str(path), "w", format=fmt) as container:
        container.metadata["title"] = placeholder.decode()
        stream = container.add_stream(codec, rate=25)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        stream.options = {"bf": "2", "g": "4"}
        for i in range(8):
            for packet in stream.encode(av.VideoFrame.from_ndarray(pattern_frame(i, 48, 64), format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    data = open(path, "rb").read()
    assert data.count(placeholder) == 1
    open(path, "wb").write(data.replace(placeholder, b"Caf\xe9" + placeholder[4:]))
    return str(path)


def latin1_titled_avi(tmp_path) -> tuple[str, np.ndarray]:
    """The Latin-1-titled AVI and its frames as the reference decode (which reads past the tag) gives them."""
    path = with_latin1_title(tmp_path / "latin1.avi", "avi", "mpeg4")
    with open_input(path) as container:
        truth = np.stack([frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)])
    assert frame_indices(truth) == list(range(8))
    return path, truth


def test_a_file_whose_title_is_not_utf8_reads_like_a_sequential_decode(tmp_path):
    path, truth = latin1_titled_avi(tmp_path)
    if int(av.__version__.split(".")[0]) < 19:  # PyAV 19 decodes tags with surrogateescape and refuses nothing
        with pytest.raises(UnicodeDecodeError):
            av.open(path)  # PyAV's default refuses the whole file
    with open_video(path, backend="pyav") as reader:
        assert np.array_equal(reader.read(range(8)), truth)


@pytest.mark.torchcodec
def test_an_open_avi_whose_title_is_not_utf8_asked_of_torchcodec_reads_like_a_sequential_decode(tmp_path):
    # an AVI as an open file, which torchcodec would read unchecked: PyAV's look at its header still finds AVI
    path, truth = latin1_titled_avi(tmp_path)
    with open(path, "rb") as file, open_video(file, backend="torchcodec") as reader:
        assert reader.backend == "pyav" and np.array_equal(reader.read(range(8)), truth)


def test_a_stream_without_a_frame_table_decodes_from_the_start_up_to_the_last_wanted_frame(tmp_path):
    # a raw H.264 stream: no timestamps to name frames by, so frames are counted from the start
    path = write_video(tmp_path / "clip.h264", num_frames=6, codec="h264", gop=3, container_format="h264")
    truth = sequential_decode(path)
    with open_video(path, backend="pyav") as reader:
        reader.frames_decoded = 0
        assert np.array_equal(reader.read([2, 0]), truth[[2, 0]])
        assert reader.frames_decoded == 3  # frames 0, 1 and 2
        os.remove(path)  # going back to the start reopens the file (a raw stream cannot seek): gone now
        with pytest.raises(VideoDecodeError):
            reader.read([1])
    # (leaving the with block closed the reader without an error)


def write_with_audio(path) -> str:
    """8 H.264 pattern frames and an AAC track of silence, interleaved."""
    with av.open(str(path), "w") as container:
        video = container.add_stream("libx264", rate=25)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        audio = container.add_stream("aac", rate=48000, layout="mono")
        for i in range(8):
            for packet in video.encode(av.VideoFrame.from_ndarray(pattern_frame(i, 48, 64), format="rgb24")):
                container.mux(packet)
            sound = av.AudioFrame.from_ndarray(np.zeros((1, 1920), dtype=np.float32), format="fltp", layout="mono")
            sound.sample_rate, sound.pts = 48000, i * 1920
            for packet in audio.encode(sound):
                container.mux(packet)
        for stream in (video, audio):
            for packet in stream.encode():
                container.mux(packet)
    return str(path)


def counting(reader: PyAVReader) -> PyAVReader:
    """The reader as it reads where the names of a decode at open failed: frames counted from the start."""
    reader._pts = None
    return reader


def test_frames_counted_from_the_start_are_the_video_tracks_and_include_a_cut_last_picture(tmp_path):
    path = write_with_audio(tmp_path / "with_audio.mkv")
    truth = sequential_decode(path)
    with counting(open_video(path, backend="pyav")) as reader:
        assert np.array_equal(reader.read([3, 5]), truth[[3, 5]])
    # the MPEG-4 AVI cut inside its sixth packet: its sixth frame is the picture the decoder makes of that packet
    cut = tmp_path / "cut.avi"
    cut.write_bytes(cut_inside_packet(write_encoded(tmp_path / "full.avi", "avi", "mpeg4", 10, bframes=2, gop=8), 5))
    truth = sequential_decode(cut)
    with counting(open_video(cut, backend="pyav")) as reader:
        assert reader.num_frames == len(truth) == 6
        assert np.array_equal(reader.read([5]), truth[[5]])


def test_a_video_track_of_a_codec_ffmpeg_does_not_know_is_an_error_naming_the_file(tmp_path):
    path = write_video(tmp_path / "clip.mkv", num_frames=4, codec="h264", gop=2, container_format="matroska")
    data = open(path, "rb").read()
    assert data.count(b"V_MPEG4/ISO/AVC") == 1  # Matroska's codec id for H.264: made one no demuxer maps
    unknown = tmp_path / "unknown.mkv"
    unknown.write_bytes(data.replace(b"V_MPEG4/ISO/AVC", b"V_UNKNOWN/XXXXX"))
    with pytest.raises(VideoDecodeError) as error:
        open_video(unknown, backend="pyav")
    assert str(error.value) == f"Video {str(unknown)!r}: no decoder for its codec."


def test_the_last_packet_after_a_corrupt_one_is_sent_flagged_corrupt():
    # a program stream's parser flags the packets before the cut and hands out the cut picture's start last, unflagged
    a, b, c = CutPacket("a", is_corrupt=False), CutPacket("b", is_corrupt=True), CutPacket("c", is_corrupt=False)
    for send_cut in (False, True):
        assert sent([a, b, c], send_cut=send_cut) == ["a", "b", "c", None]
    assert c.is_corrupt and not a.is_corrupt
    d = CutPacket("d", is_corrupt=False)
    assert sent([b, d, a], send_cut=True) == ["b", "d", "a", None] and not d.is_corrupt  # not the last: as it came


# ------------------------------------------------- what every reader shares (`video_reader.py`'s survivors, mutmut)
def test_a_shorter_side_of_one_pixel_is_a_size_and_zero_is_refused():
    assert video_reader.output_size(4, 6, 1) == (1, 1) and video_reader.output_size(6, 4, 1) == (1, 1)
    assert video_reader.output_size(4, 6, (1, 5)) == (1, 5) and video_reader.output_size(4, 6, (5, 1)) == (5, 1)
    with pytest.raises(ValueError, match="positive shorter side, got 0"):
        video_reader.output_size(4, 6, 0)


NTSC = 30000 / 1001


@pytest.mark.parametrize(
    "num_frames, fps, times, last_seconds, duration",
    [
        (2, 10, [0.0, 0.3], None, 0.6),  # two frames 0.3 s apart are not 10 fps: each lasts 0.3 s
        (2, 0.5, [0.0, 5.0], None, 10.0),  # a slideshow under 1 fps, frames 5 s apart (not 2 s)
        (2, 4, [0.0, 0.375], None, 0.75),  # half a frame late (0.125 s at 4 fps) is not evenly spaced...
        (2, 4, [0.0, 0.37], None, 0.5),  # ...less than half a frame is: two frames at 4 fps
        (2, NTSC, [0.0, 0.033], None, 2 / NTSC),  # millisecond stamps of 30000/1001 fps: 0.0667 s, not 0.066
        (3, NTSC, [1.0, 1.033, 1.067], None, 3 / NTSC),  # the same from a first frame at 1 s (an MPEG-TS's clock)
        (3, 10, [1.0, 1.1, 1.5], None, 0.9),  # not evenly spaced, from 1 s: 0.5 s, the last lasting 0.4 s
        (3, 25, [0.0, 0.04, 0.08], 0.02, 0.12),  # a last packet timed as one field (half a frame) is a frame
        (3, 25, [0.0, 0.04, 0.08], 0.1, 0.18),  # one of 2.5 frames is not
        (3, 0.0, None, None, 0.0),  # no rate and no times: nothing to measure by
    ],
)
def test_frames_are_counted_at_the_rate_only_within_half_a_frame_of_it(num_frames, fps, times, last_seconds, duration):
    assert video_reader.video_duration(num_frames, fps, times, last_seconds) == pytest.approx(duration, abs=1e-12)


def test_without_a_rate_frames_are_counted_not_timed():
    # the timeline's rule (`plan_windows`: times are frame indices over fps, 0 when it is unknown); a None rate was a
    # TypeError where the test was reordered
    times = np.array([0.0, 1.0, 5.0])
    assert video_reader.evenly_spaced(times, None) and video_reader.evenly_spaced(times, 0.0)
    assert video_reader.counted_at_rate(times, None) and video_reader.counted_at_rate(times, 0.0)


def test_orient_turns_right_angles_counter_clockwise_mirrors_after_and_leaves_other_angles():
    frames = np.arange(2 * 4 * 6 * 3, dtype=np.uint8).reshape(2, 4, 6, 3)
    # the displayed picture's pixel (row, column) by hand, from the stored picture's (height 4, width 6)
    assert np.array_equal(video_reader.orient(frames, 0, True), frames[:, :, ::-1])
    assert np.array_equal(video_reader.orient(frames, 180, False), frames[:, ::-1, ::-1])
    assert np.array_equal(video_reader.orient(frames, 270, False), frames[:, ::-1].transpose(0, 2, 1, 3))
    assert np.array_equal(video_reader.orient(frames, 90, True), frames[:, ::-1, ::-1].transpose(0, 2, 1, 3))
    for degrees in (135, -45):
        assert np.array_equal(video_reader.orient(frames, degrees, False), frames)


class _Recorded(video_io.VideoReader):
    """The base `iter_read` over `PyAVReader.read`, recording each call's indices and interpolation."""

    def __init__(self, reader, num_frames=None):
        super().__init__(reader.name)
        self.reader, self.calls, self._n = reader, [], num_frames or reader.num_frames

    @property
    def num_frames(self):
        return self._n

    def read(self, indices, size=None, interpolation="bilinear"):
        self.calls.append((list(indices), interpolation))
        return self.reader.read(np.asarray(indices) % self.reader.num_frames, size, interpolation)


def test_the_base_iter_read_reads_64_frames_a_call_in_index_order_as_a_sequential_decode(clip):
    truth = sequential_decode(clip)
    with open_video(clip, backend="pyav") as pyav:
        recorded = _Recorded(pyav)
        got = list(recorded.iter_read([7, 2, 7, 0]))
        assert [index for index, _ in got] == [0, 2, 7] and recorded.calls == [([0, 2, 7], "bilinear")]
        assert np.array_equal(np.stack([frame for _, frame in got]), truth[[0, 2, 7]])
        many = _Recorded(pyav, num_frames=130)  # (frame i of 130 is the clip's i % 10)
        assert [index for index, _ in many.iter_read(range(130))] == list(range(130))
        assert [len(indices) for indices, _ in many.calls] == [64, 64, 2]


def test_resize_frames_follows_pil_and_refuses_a_misspelt_mode_at_any_size():
    frames = np.random.default_rng(0).integers(0, 256, (2, 12, 16, 3), dtype=np.uint8)
    for mode, pil_mode in (("bilinear", Image.BILINEAR), ("bicubic", Image.BICUBIC)):
        for size in ((6, 8), (9, 10), (20, 24)):  # (PIL's filters, which torch's antialiased ones follow)
            pil = np.stack([np.asarray(Image.fromarray(f).resize(size[::-1], pil_mode)) for f in frames])
            got = video_reader.resize_frames(frames, size, mode)
            assert np.abs(got.astype(int) - pil).max() <= 1, (mode, size)
    assert np.array_equal(video_reader.resize_frames(frames, (6, 8), "nearest"), frames[:, ::2, ::2])
    # the size it has came back unchecked: "bilnear" passed for it and failed for any other
    for size in (None, (12, 16), 12, (6, 8)):
        with pytest.raises(ValueError, match="Unknown interpolation 'bilnear'"):
            video_reader.resize_frames(frames, size, "bilnear")
