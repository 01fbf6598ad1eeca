# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Video I/O indexing against hand-worked values: which indices a reader accepts (the last frame yes, one past it
no), what its errors say, and how wanted frames group into seek spans (issue 18 part 4: kills the surviving mutants
of `VideoReader._check_indices` and `PyAVReader._segments`; docs/testing.md, "mutmut")."""

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
