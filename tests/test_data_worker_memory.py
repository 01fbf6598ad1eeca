# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""A Kinetics-size index read in DataLoader workers: each worker shares the parent's copy of the examples. A list of
dicts was copied page by page into every worker as it read them (reading a Python object writes its reference
count): 45 MiB a worker for 240 000 clips, 8 workers a process; and a full garbage collection in a worker wrote to
every object it inherited, copying the main process's modules and index into each worker (about 105 MiB)."""

import argparse
import gc
import os
import sys
import types

import numpy as np
import pytest
import torch

from vivit_hf.training.data.dataset import VideoClassificationDataset

CLIPS = 100_000
ROWS = CLIPS // 5  # a local table's: the located paths alone, 98% of them copied unpacked, 0.1% packed


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


PAGE = os.sysconf("SC_PAGE_SIZE")


def pages_of(index, reachable: bool = True) -> np.ndarray:
    """The memory pages that hold `index`: each Python object reachable from it (`sys.getsizeof` bytes from its
    address; `reachable=False`: each object of the list `index`) and each numpy array's buffer; a numpy array, so that
    no Python object of the test's shares them."""
    pages, seen, todo = set(), set(), [index] if reachable else list(index)
    while todo:
        obj = todo.pop()
        # (the type, not `isinstance`, which asks the object: torch's deprecated names warn)
        if id(obj) in seen or issubclass(type(obj), (type, types.ModuleType, types.FunctionType)):
            continue
        seen.add(id(obj))
        spans = [(id(obj), sys.getsizeof(obj))]
        if issubclass(type(obj), np.ndarray):  # its buffer is its own (counted by getsizeof) or its base's
            spans = [(id(obj), sys.getsizeof(obj) - obj.nbytes * obj.flags.owndata)]
            spans += [(obj.ctypes.data, obj.nbytes)] * obj.flags.owndata
            todo.extend([obj.base] if obj.base is not None else [])
        for start, size in spans:
            pages.update(range(start // PAGE, (start + max(size, 1) - 1) // PAGE + 1))
        todo.extend(gc.get_referents(obj) if reachable else [])
    return np.array(sorted(pages), dtype=np.int64)


def held_alone_mib(pages: np.ndarray) -> float:
    """How much of `pages` this process holds alone (`/proc/self/pagemap`: present and mapped exclusively), in MiB.
    In a forked worker: the parent's pages it has written to since the fork, each copied on the write."""
    runs = np.split(pages, np.flatnonzero(np.diff(pages) != 1) + 1)
    fd = os.open("/proc/self/pagemap", os.O_RDONLY)
    try:
        entries = np.concatenate([np.frombuffer(os.pread(fd, 8 * len(r), 8 * int(r[0])), np.uint64) for r in runs])
    finally:
        os.close(fd)
    alone = (entries >> np.uint64(63)) & (entries >> np.uint64(56)) & np.uint64(1)
    return int(alone.sum()) * PAGE / 2**20


def pagemap_shows_pages_held_alone() -> bool:
    """Whether pagemap says that pages this process has just written are its alone. Where it says nothing (a kernel
    before 4.2 has no exclusive bit; a sandbox's pagemap answers zeros) every worker was measured to copy 0 MiB and
    each test passed whatever the worker copied; where it cannot be read (missing, refused) each failed in a worker."""
    written = np.ones(16 * PAGE, np.uint8)
    try:
        return held_alone_mib(np.arange(written.ctypes.data // PAGE, (written.ctypes.data + written.nbytes) // PAGE))
    except OSError:
        return False


pytestmark = pytest.mark.skipif(
    not pagemap_shows_pages_held_alone(), reason="Linux's /proc/self/pagemap does not say which pages a worker copied"
)


def copied_while_reading(dataset, index) -> tuple[float, float]:
    """How much of the pages that hold `index` in the parent a DataLoader worker has copied when it has read every
    example of `dataset` (an epoch), and the reference, the pages' total, in MiB. The pages of the index alone, not
    the worker's private memory: the worker's own allocations land on pages the parent freed or left partly used,
    copying them too (up to 5.6 MiB in a pytest-xdist worker's heap, where a process alone copies 0.4), which no
    index causes. The worker's garbage collector is kept off the objects it inherits (`gc.freeze`), whose full
    collection copies them all (the last tests)."""
    pages = pages_of(index)
    loader = torch.utils.data.DataLoader(
        dataset,
        batch_size=5_000,
        num_workers=1,
        collate_fn=lambda items: held_alone_mib(pages),
        multiprocessing_context="fork",
        worker_init_fn=lambda worker: gc.freeze(),
    )
    return list(loader)[-1], len(pages) * PAGE / 2**20


def test_a_kinetics_size_index_is_not_copied_into_the_workers_that_read_it():
    examples = kinetics_examples(CLIPS)
    dataset = IndexOnly(examples, processor=None)
    assert [dataset.examples[i] for i in (0, 1, CLIPS - 1, -1)] == [examples[i] for i in (0, 1, CLIPS - 1, -1)]
    copied, index_mib = copied_while_reading(dataset, dataset.examples)
    # a tenth: a list of dicts was copied at 67% of its pages (18.4 of 27.2 MiB), packed at 0.1%
    assert copied < index_mib / 10, f"the worker copied {copied:.1f} MiB of a {index_mib:.1f} MiB index"


def test_the_held_out_rest_of_a_lazy_split_is_not_copied_into_the_workers_that_read_it():
    """`hold_out` of lazy examples (a Hub split read whole) keeps the rest as an `ExampleSubset` of row numbers, which
    every worker reads: as a list of Python ints, the pages of the ints were copied into each worker (6 MiB a
    worker for the 216 000 training rows of Kinetics' 240 000)."""
    from vivit_hf.training.data.dataset import PackedExamples
    from vivit_hf.training.data.subsets import hold_out

    lazy = PackedExamples(kinetics_examples(2 * CLIPS))  # not a list: `hold_out` keeps it lazy, as a Hub split
    rest = hold_out(lazy, 0.1, seed=0)[0]
    assert [rest[i] for i in (0, -1)] == [lazy[int(rest.indices[i])] for i in (0, -1)]
    copied, indices_mib = copied_while_reading(IndexOnly(rest, processor=None), rest.indices)
    # a tenth: a list of ints was copied at 91% of its pages (5.5 of 6.1 MiB), a numpy array at 1%
    assert copied < indices_mib / 10, f"the worker copied {copied:.1f} MiB of {indices_mib:.1f} MiB of row numbers"


class MemoryOnly(IndexOnly):
    """Every 5000th sample's `pixel_values`: how much of `self.pages` (the main process's) the worker that made it
    holds alone (others 0: a read of pagemap costs)."""

    def _process(self, epoch, index):
        super()._process(epoch, index)
        return torch.tensor([held_alone_mib(self.pages) if index % 5_000 == 0 else 0.0]), False


def test_the_recipes_workers_leave_what_they_inherit_to_the_main_process():
    """The recipe's loaders (`build_dataloaders`) over a Kinetics-size index: a worker's own memory stays a small
    part of the main process's, which it shares. A full garbage collection in the worker (some batches in) wrote to
    every object it had inherited, copying them all into it."""
    from vivit_hf.training.finetune import build_dataloaders

    assert torch.multiprocessing.get_start_method() == "fork"  # Linux's: the workers share the main process's pages
    args = argparse.Namespace(seed=0, num_workers=1, per_device_train_batch_size=2_000, per_device_eval_batch_size=1)
    dataset = MemoryOnly(kinetics_examples(CLIPS), processor=None)
    train, _ = build_dataloaders(args, dataset, dataset)
    # the reference: the pages that hold the objects the main process's garbage collector tracks (the modules',
    # torch's, the loaders'), all of which a full collection in the worker writes
    dataset.pages = pages_of(gc.get_objects(), reachable=False)
    copied = max(float(batch["pixel_values"].max()) for batch in train)
    tracked = len(dataset.pages) * PAGE / 2**20
    # a tenth: without gc.freeze the worker copied most of them (its own memory was 141 MiB, 27 with it)
    assert copied < tracked / 10, f"a worker copied {copied:.1f} MiB of the {tracked:.1f} MiB the main process tracks"


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
    copied_file = tmp_path / "copied"

    class CollectedInWorker(recipe.VideoClassificationDataset):
        """The recipe's data set; in the worker, a full collection (as one comes some batches in) between two
        measures of how much of the parent's objects the worker holds alone."""

        def __getitem__(self, index):
            before = held_alone_mib(pages)
            gc.collect()
            with open(copied_file, "a") as f:
                f.write(f"{held_alone_mib(pages) - before}\n")
            return super().__getitem__(index)

    monkeypatch.setattr(recipe, "VideoClassificationDataset", CollectedInWorker)
    index = kinetics_examples(CLIPS)  # what a worker inherits: the main process's objects, a split's index among them
    # the reference: the pages that hold the objects the garbage collector tracks (a list of examples, not the
    # examples themselves: a dict of str and int is left untracked), each written by a full collection
    pages = pages_of(gc.get_objects(), reachable=False)
    index_mib = len(pages) * PAGE / 2**20
    argv = ["--model", tmp_path / "model", "--dataset", tmp_path / "data", "--output_dir", tmp_path / "out"]
    recipe.main([*map(str, argv), "--num_workers", "1", "--per_device_eval_batch_size", "1"])
    copied = max(float(line) for line in copied_file.read_text().split())
    assert len(index) == CLIPS and (tmp_path / "out" / "eval_results.json").is_file()
    # a tenth: without gc.freeze a collection copied 92% of them (68.8 of 75.0 MiB), with it 0.2%
    assert copied < index_mib / 10, (
        f"a collection in the worker copied {copied:.1f} MiB of the {index_mib:.1f} MiB it tracks"
    )


def test_the_located_paths_of_a_local_table_are_not_copied_into_the_workers_that_read_them(tmp_path):
    """A local metadata table's relative clip paths, as found (`HubSplit.locate`), were a list of str that every
    worker read: its pages copied into each one (7.1 MiB a worker at 60 000 rows)."""
    import datasets

    from vivit_hf.training.data.hub_datasets import HubSplit

    folders = [f"clips/{'a_class_folder_' * 6}{i}" for i in range(10)]  # paths of a real data set's length
    for folder in folders:
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "clip.mp4").touch()
    written = [f"{folders[i % 10]}/clip.mp4" for i in range(ROWS)]
    table = datasets.Dataset.from_dict({"video": written, "label": [i % 400 for i in range(ROWS)]})
    split = HubSplit(table, "video", "label", None, base=tmp_path)
    split.locate("train", lambda: [tmp_path / "metadata.csv"])
    found = [str(tmp_path / path) for path in written]  # the reference: each path in the table's folder
    assert [split[i]["video"] for i in (0, 1, 7, ROWS - 1, -1)] == [found[i] for i in (0, 1, 7, ROWS - 1, -1)]
    assert split.clip_ids() == found
    del found, written
    gc.collect()
    copied, paths_mib = copied_while_reading(IndexOnly(split, processor=None), split.paths)
    # a tenth: a list of str was copied at 97% of its pages (4.4 of 4.5 MiB), packed at 0.7%
    assert copied < paths_mib / 10, f"the worker copied {copied:.1f} MiB of {paths_mib:.1f} MiB of located paths"
