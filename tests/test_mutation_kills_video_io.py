# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Video I/O indexing against hand-worked values: which indices a reader accepts (the last frame yes, one past it
no), what its errors say, and how wanted frames group into seek spans (issue 18 part 4: kills the surviving mutants
of `VideoReader._check_indices` and `PyAVReader._segments`; docs/testing.md, "mutmut"); and how a decode at open
names frames and packets (`PyAVReader._decoded_table`, `_name_packet`), on a scripted decoder whose output order is
written out by hand: the cases no file at hand reaches (a decoder that loses a frame's pts, a first frame shown
before any keyframe, a packet not seen at open)."""

from types import SimpleNamespace

import numpy as np
import pytest
from video_factory import frame_indices, write_video

from vivit_hf.processing.video_io import PyAVReader, open_video


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


def test_no_indices_is_an_error_naming_the_video(clip):
    with open_video(clip, backend="pyav") as reader:
        with pytest.raises(ValueError) as error:
            reader.read([])
        assert str(error.value) == f"No frame indices asked of video {reader.name}."


def segments(start, wanted):
    reader = PyAVReader.__new__(PyAVReader)
    reader._start = np.asarray(start, dtype=np.int64)
    return reader._segments(np.asarray(wanted, dtype=np.int64))


def test_wanted_frames_group_into_one_span_per_keyframe_jump():
    start = [0, 0, 0, 3, 3, 3, 6, 6]  # keyframes at 0, 3 and 6
    assert segments(start, [1, 2, 4, 7]) == [(0, 1, 2), (3, 4, 4), (6, 7, 7)]
    assert segments(start, [0, 1, 2, 3]) == [(0, 0, 2), (3, 3, 3)]
    assert segments(start, [5]) == [(3, 5, 5)]


def test_a_keyframe_at_the_last_wanted_frame_keeps_decoding_on():
    # frame 1 is a keyframe and wanted; frame 2 starts from it: no second seek
    assert segments([0, 1, 1], [1, 2]) == [(1, 1, 2)]
    assert segments([0, 0, 2, 2], [1, 3]) == [(0, 1, 1), (2, 3, 3)]


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
    reader.container = SimpleNamespace(demux=lambda stream: iter([Packet(size=1) for _ in range(num_packets)]))
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
