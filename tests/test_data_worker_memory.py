# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""A Kinetics-size index read in DataLoader workers: each worker shares the parent's copy of the examples. A list of
dicts was copied page by page into every worker as it read them (reading a Python object writes its reference
count): 45 MiB a worker for 240 000 clips, 8 workers a process."""

import os
import sys

import pytest
import torch

from vivit_hf.training.data.dataset import VideoClassificationDataset

pytestmark = pytest.mark.skipif(not os.path.exists("/proc/self/smaps_rollup"), reason="reads Linux's smaps_rollup")

CLIPS = 100_000


def private_mib() -> float:
    """This process's memory that no other process shares (copied on write after the fork, or its own)."""
    fields = dict(line.split()[:2] for line in open("/proc/self/smaps_rollup") if line.split()[1:2] != [])
    return (int(fields["Private_Clean:"]) + int(fields["Private_Dirty:"])) / 1024


class IndexOnly(VideoClassificationDataset):
    """The data set's own `__getitem__` (the example and its label read), its video read as the processor is given
    it, not decoded: only the index is measured."""

    def _process(self, epoch, index):
        assert self.examples[index]["video"]
        return torch.zeros(1), False


def kinetics_examples(count: int) -> list[dict]:
    """Examples as `--dataset_format kinetics` lists them: `{"video", "label", "id"}`, 400 classes."""
    names = [f"{i:011d}_{i % 300:06d}_{i % 300 + 10:06d}" for i in range(count)]
    return [{"video": f"/data/kinetics400/train/{n}.mp4", "label": i % 400, "id": n} for i, n in enumerate(names)]


def growth_while_reading(dataset) -> list[float]:
    """In the DataLoader worker, its private memory grown from its first batch to its last, over one epoch."""
    loader = torch.utils.data.DataLoader(
        dataset, batch_size=5_000, num_workers=1, collate_fn=lambda items: private_mib(), multiprocessing_context="fork"
    )
    sizes = list(loader)
    return sizes[-1] - sizes[0]


def test_a_kinetics_size_index_is_not_copied_into_the_workers_that_read_it():
    examples = kinetics_examples(CLIPS)
    # the reference: what the index's objects take in the parent, the most a worker could copy of it
    index_mib = sum(sys.getsizeof(e) + sys.getsizeof(e["video"]) + sys.getsizeof(e["id"]) for e in examples) / 2**20
    dataset = IndexOnly(examples, processor=None)
    assert [dataset.examples[i] for i in (0, 1, CLIPS - 1, -1)] == [examples[i] for i in (0, 1, CLIPS - 1, -1)]
    grown = growth_while_reading(dataset)
    assert grown < index_mib / 10, f"the worker copied {grown:.1f} MiB of a {index_mib:.1f} MiB index"
