# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""A Kinetics-size index read in DataLoader workers: each worker shares the parent's copy of the examples. A list of
dicts was copied page by page into every worker as it read them (reading a Python object writes its reference
count): 45 MiB a worker for 240 000 clips, 8 workers a process; and a full garbage collection in a worker wrote to
every object it inherited, copying the main process's modules and index into each worker (about 105 MiB)."""

import argparse
import gc
import os
import sys

import pytest
import torch

from vivit_hf.training.data.dataset import VideoClassificationDataset

pytestmark = pytest.mark.skipif(not os.path.exists("/proc/self/smaps_rollup"), reason="reads Linux's smaps_rollup")

CLIPS = 100_000


def memory_mib() -> dict[str, float]:
    """This process's memory (`/proc/self/smaps_rollup`) in MiB: `Rss` all it holds, `Private_*` what no other
    process shares (copied on write after the fork, or its own)."""
    fields = dict(line.split()[:2] for line in open("/proc/self/smaps_rollup") if line.split()[1:2] != [])
    return {name.rstrip(":"): int(value) / 1024 for name, value in fields.items() if value.isdigit()}


def private_mib() -> float:
    memory = memory_mib()
    return memory["Private_Clean"] + memory["Private_Dirty"]


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
    """In the DataLoader worker, its private memory grown from its first batch to its last, over one epoch. What the
    index costs alone: the worker's garbage collector is kept off the objects it inherits (`gc.freeze`), whose full
    collection copies them all (the last test)."""
    loader = torch.utils.data.DataLoader(
        dataset,
        batch_size=5_000,
        num_workers=1,
        collate_fn=lambda items: private_mib(),
        multiprocessing_context="fork",
        worker_init_fn=lambda worker: gc.freeze(),
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
    # a third: the list copied 54% (18.6 of 34.3 MiB); packed, 0.4 MiB alone and up to 5.6 under pytest-xdist beside
    # another worker (the worker's own allocations landing on pages the parent freed, which fork shares too)
    assert grown < index_mib / 3, f"the worker copied {grown:.1f} MiB of a {index_mib:.1f} MiB index"


def test_the_held_out_rest_of_a_lazy_split_is_not_copied_into_the_workers_that_read_it():
    """`hold_out` of lazy examples (a Hub split read whole) keeps the rest as an `ExampleSubset` of row numbers, which
    every worker reads: as a list of Python ints, the pages of the ints were copied into each worker (6 MiB a
    worker for the 216 000 training rows of Kinetics' 240 000)."""
    from vivit_hf.training.data.dataset import PackedExamples
    from vivit_hf.training.data.subsets import hold_out

    lazy = PackedExamples(kinetics_examples(2 * CLIPS))  # not a list: `hold_out` keeps it lazy, as a Hub split
    rest = hold_out(lazy, 0.1, seed=0)[0]
    assert [rest[i] for i in (0, -1)] == [lazy[int(rest.indices[i])] for i in (0, -1)]
    # the reference: what the rest's row numbers take as Python ints, the most a worker could copy of them
    ints_mib = len(rest) * sys.getsizeof(2 * CLIPS) / 2**20
    grown = growth_while_reading(IndexOnly(rest, processor=None))
    assert grown < ints_mib / 2, f"the worker copied {grown:.1f} MiB of {ints_mib:.1f} MiB of row numbers"


class MemoryOnly(IndexOnly):
    """Every 5000th sample's `pixel_values`: the private memory of the worker that made it (others 0: a read of
    smaps_rollup walks every mapping)."""

    def _process(self, epoch, index):
        super()._process(epoch, index)
        return torch.tensor([private_mib() if index % 5_000 == 0 else 0.0]), False


def test_the_recipes_workers_leave_what_they_inherit_to_the_main_process():
    """The recipe's loaders (`build_dataloaders`) over a Kinetics-size index: a worker's own memory stays a small
    part of the main process's, which it shares. A full garbage collection in the worker (some batches in) wrote to
    every object it had inherited, copying them all into it."""
    from vivit_hf.training.finetune import build_dataloaders

    assert torch.multiprocessing.get_start_method() == "fork"  # Linux's: the workers share the main process's pages
    args = argparse.Namespace(seed=0, num_workers=1, per_device_train_batch_size=2_000, per_device_eval_batch_size=1)
    dataset = MemoryOnly(kinetics_examples(CLIPS), processor=None)
    train, _ = build_dataloaders(args, dataset, dataset)
    worker = max(float(batch["pixel_values"].max()) for batch in train)
    # the reference: what the main process holds (the modules, torch, the index), all of which the worker inherits
    main = memory_mib()["Rss"]
    assert worker < main / 8, f"a worker holds {worker:.0f} MiB of its own, the main process {main:.0f} MiB"


def test_the_evaluation_recipes_workers_leave_what_they_inherit_to_the_main_process(tmp_path, monkeypatch):
    """recipes/evaluate.py's loader: a full garbage collection in its worker wrote to every object the worker had
    inherited (the index of a Kinetics-size split among them), copying them into it, as the fine-tuning recipe's
    workers did before `share_parent_memory`."""
    import importlib.util

    from test_recipes_evaluate import CLASSES, EVALUATE, tiny_clip, tiny_model

    for label, name in enumerate(CLASSES):
        tiny_clip(tmp_path / "data" / "test" / name / f"{name}_0.mp4", label, seed=label)
    tiny_model(tmp_path / "model", CLASSES)
    spec = importlib.util.spec_from_file_location("vivit_recipes_evaluate_memory", EVALUATE)
    recipe = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(recipe)
    grown_file = tmp_path / "grown"

    class CollectedInWorker(recipe.VideoClassificationDataset):
        """The recipe's data set; in the worker, a full collection (as one comes some batches in) between two
        measures of the worker's private memory."""

        def __getitem__(self, index):
            before = private_mib()
            gc.collect()
            with open(grown_file, "a") as f:
                f.write(f"{private_mib() - before}\n")
            return super().__getitem__(index)

    monkeypatch.setattr(recipe, "VideoClassificationDataset", CollectedInWorker)
    index = kinetics_examples(CLIPS)  # what a worker inherits: the main process's objects, a split's index among them
    # the reference: what the index's objects take in the parent, which a collection in the worker would copy
    index_mib = sum(sys.getsizeof(e) + sys.getsizeof(e["video"]) + sys.getsizeof(e["id"]) for e in index) / 2**20
    argv = ["--model", tmp_path / "model", "--dataset", tmp_path / "data", "--output_dir", tmp_path / "out"]
    recipe.main([*map(str, argv), "--num_workers", "1", "--per_device_eval_batch_size", "1"])
    grown = max(float(line) for line in grown_file.read_text().split())
    assert len(index) == CLIPS and (tmp_path / "out" / "eval_results.json").is_file()
    # a third: without gc.freeze a collection copied 124 MiB (the index and every other inherited object); with it, up
    # to 3.5 MiB under pytest-xdist (pages the parent freed, reused)
    assert grown < index_mib / 3, f"a collection in the worker copied {grown:.1f} MiB of a {index_mib:.1f} MiB index"


def test_the_located_paths_of_a_local_table_are_not_copied_into_the_workers_that_read_them(tmp_path):
    """A local metadata table's relative clip paths, as found (`HubSplit.locate`), were a list of str that every
    worker read: its pages copied into each one (7.1 MiB a worker at 60 000 rows)."""
    import datasets

    from vivit_hf.training.data.hub_datasets import HubSplit

    folders = [f"clips/{'a_class_folder_' * 6}{i}" for i in range(10)]  # paths of a real data set's length
    for folder in folders:
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "clip.mp4").touch()
    written = [f"{folders[i % 10]}/clip.mp4" for i in range(CLIPS)]
    table = datasets.Dataset.from_dict({"video": written, "label": [i % 400 for i in range(CLIPS)]})
    split = HubSplit(table, "video", "label", None, base=tmp_path)
    split.locate("train", lambda: [tmp_path / "metadata.csv"])
    found = [str(tmp_path / path) for path in written]  # the reference: each path in the table's folder
    assert [split[i]["video"] for i in (0, 1, 7, CLIPS - 1, -1)] == [found[i] for i in (0, 1, 7, CLIPS - 1, -1)]
    assert split.clip_ids() == found
    # what the located paths take as Python str, the most a worker could copy of them
    paths_mib = sum(sys.getsizeof(path) for path in found) / 2**20
    del found, written
    gc.collect()
    grown = growth_while_reading(IndexOnly(split, processor=None))
    # a quarter: the worker's reads of the Arrow rows allocate into pages the main process freed (up to 3 MiB)
    assert grown < paths_mib / 4, f"the worker copied {grown:.1f} MiB of {paths_mib:.1f} MiB of located paths"
