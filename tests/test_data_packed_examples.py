# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""A data set's `examples` packed into one buffer (`PackedExamples`, so DataLoader workers share them) read as the
list the user gave: every operation of a list that reads it gives what the list gives."""

import pickle
from pathlib import Path

import numpy as np
import pytest
import torch

from vivit_hf.training.data.dataset import VideoClassificationDataset, share_parent_memory

# what the formats list: a clip, a multi-head label (Epic's verb and noun), a segment with start / end, an id None
EXAMPLES = [
    {"video": "/data/a.mp4", "label": 3, "id": "a"},
    {"video": "/data/b.mp4", "label": [2, 7], "start": 1.5, "end": 2.25, "id": None},
    {"video": "/data/c.mp4", "label": (4, 5), "may_be_cut": True},
    {"video": "/data/d.mp4", "label": 0, "id": "d"},
]


def packed() -> VideoClassificationDataset:
    dataset = VideoClassificationDataset([dict(example) for example in EXAMPLES], processor=None)
    assert type(dataset.examples) is not list  # packed: what this file is about
    return dataset


@pytest.mark.parametrize("key", [slice(1, 3), slice(None, None, -1), slice(-3, None, 2), slice(5, 9), slice(2, 1)])
def test_a_slice_of_the_examples_is_the_slice_of_the_list(key):
    # (it was a TypeError: '<=' not supported between instances of 'int' and 'slice')
    assert packed().examples[key] == EXAMPLES[key]


def test_the_examples_equal_the_list_they_were_made_of():
    # (`dataset.examples == examples` was False for the very examples given)
    examples = packed().examples
    assert examples == EXAMPLES and EXAMPLES == examples
    assert examples != EXAMPLES[:-1] and examples != [*EXAMPLES[:-1], {"video": "/data/d.mp4", "label": 1}]


def test_reads_by_position_are_the_lists():
    examples = packed().examples
    assert [examples[i] for i in range(-len(EXAMPLES), len(EXAMPLES))] == EXAMPLES + EXAMPLES
    assert list(examples) == EXAMPLES and list(reversed(examples)) == EXAMPLES[::-1]
    assert [type(example["label"]) for example in examples] == [int, list, tuple, int]
    for key in (len(EXAMPLES), -len(EXAMPLES) - 1):
        with pytest.raises(IndexError):
            examples[key]
    with pytest.raises(TypeError):  # as a list refuses it
        examples[1.0]


def test_a_pickled_data_set_reads_the_same_examples():
    # (a DataLoader worker started by spawn, macOS's default, gets the data set pickled)
    assert list(pickle.loads(pickle.dumps(packed())).examples) == EXAMPLES


class Labels(VideoClassificationDataset):
    """The data set's own `__getitem__` (its example and label read), its video not decoded."""

    def _process(self, epoch, index):
        return torch.zeros(1), False


def test_spawned_persistent_workers_that_freeze_their_collector_read_every_example():
    dataset = Labels([dict(example) for example in EXAMPLES if isinstance(example["label"], int)], processor=None)
    loader = torch.utils.data.DataLoader(
        dataset,
        batch_size=1,
        num_workers=1,
        persistent_workers=True,
        multiprocessing_context="spawn",
        worker_init_fn=share_parent_memory,
    )
    for _ in range(2):  # a persistent worker's second epoch: its collector was frozen once, in the first
        assert [int(batch["labels"]) for batch in loader] == [3, 0]


def test_a_video_given_as_a_list_of_frames_is_kept_as_given():
    # (a list passed as "plain": every frame was pickled into the buffer, and each read unpickled a copy of them all)
    frames = [np.full((8, 8, 3), i, dtype=np.uint8) for i in range(4)]
    dataset = VideoClassificationDataset([{"video": frames, "label": 1}], processor=None)
    assert all(read is given for read, given in zip(dataset.examples[0]["video"], frames))


def test_examples_listed_with_paths_and_numpy_labels_are_packed_and_read_back_as_given():
    # A `Path.glob` listing labelled by `np.unique`: such a list was left unpacked, so every DataLoader worker copied
    # it as it read it (what `tests/test_data_worker_memory.py` measures for plain lists)
    examples = [{"video": Path(f"/data/{i}.mp4"), "label": np.int64(i % 3), "start": np.float32(0.5)} for i in range(5)]
    dataset = VideoClassificationDataset([dict(example) for example in examples], processor=None)
    assert type(dataset.examples) is not list
    assert dataset.examples == examples
    assert [tuple(map(type, example.values())) for example in dataset.examples] == [
        (type(Path()), np.int64, np.float32)
    ] * 5
