# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Random training draws (`do_train_augment=True` without a call seed) across DataLoader workers and epochs, and
across the workers of `datasets`' `Dataset.map(..., num_proc=2)`.

The processor is used as a user's `datasets` `set_transform` is: called in `__getitem__` of a data set read by a
real `torch.utils.data.DataLoader` with 2 forked workers, after a call in the main process (a `ds[0]` sanity look).
Every item is the same video, so two items differ only by the processor's random draws (clip start, crop, flip)."""

import itertools

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader, Dataset

from vivit_hf import ViViTVideoProcessor

# 32 frames of 32 x 32 noise, clips of 4 frames cropped to 16 x 16: 29 starts x 17 x 17 crops x 2 flips, so two
# independent draws coincide with a chance of about 1 in 17,000 per pair.
VIDEO = np.random.default_rng(0).integers(0, 256, (32, 32, 32, 3), dtype=np.uint8)
TRAIN = dict(
    do_train_augment=True,
    num_frames=4,
    frame_stride=1,
    size={"shortest_edge": 32},
    crop_size={"height": 16, "width": 16},
    scale_jitter=False,
)
ITEMS = 4


class SameVideo(Dataset):
    """`ITEMS` items, each the same video through the processor (as `set_transform` calls it)."""

    def __init__(self, processor):
        self.processor = processor

    def __len__(self):
        return ITEMS

    def __getitem__(self, index):
        return self.processor(VIDEO, do_sample_frames=True, return_tensors="pt").pixel_values[0]


def loader(processor, persistent: bool = False) -> DataLoader:
    # batch_size 1 with 2 workers: worker 0 reads items 0 and 2, worker 1 items 1 and 3
    return DataLoader(
        SameVideo(processor),
        batch_size=1,
        num_workers=2,
        multiprocessing_context="fork",
        persistent_workers=persistent,
    )


def epoch(data: DataLoader) -> list[torch.Tensor]:
    return [batch[0] for batch in data]


def distinct(clips: list[torch.Tensor]) -> bool:
    return all(not torch.equal(a, b) for i, a in enumerate(clips) for b in clips[i + 1 :])


@pytest.fixture
def processor():
    processor = ViViTVideoProcessor(**TRAIN)
    processor(VIDEO, do_sample_frames=True)  # the main process's call, before the workers are forked
    return processor


def test_forked_workers_draw_apart_from_epoch_to_epoch_and_torch_manual_seed_makes_it_reproducible(processor):
    data = loader(processor)
    torch.manual_seed(0)
    run = epoch(data) + epoch(data)
    # worker 0's items differ from worker 1's (and each worker's two items differ), and a new epoch forks new
    # workers: new draws, not the first epoch again
    assert distinct(run)
    torch.manual_seed(0)
    assert all(torch.equal(a, b) for a, b in zip(run, epoch(data)))  # the first epoch again
    torch.manual_seed(1)
    assert distinct(epoch(data) + run[:ITEMS])


def test_processor_seed_seeds_a_stream_successive_calls_differ_and_the_sequence_repeats():
    def calls(processor):
        return [processor(VIDEO, do_sample_frames=True, return_tensors="pt").pixel_values[0] for _ in range(3)]

    torch.manual_seed(1)
    first = calls(ViViTVideoProcessor(**TRAIN, seed=0))
    torch.manual_seed(2)  # torch's seed does not change the main process's stream of a seeded processor
    second = calls(ViViTVideoProcessor(**TRAIN, seed=0))
    assert distinct(first)
    assert all(torch.equal(a, b) for a, b in zip(first, second, strict=True))
    assert distinct(first + calls(ViViTVideoProcessor(**TRAIN, seed=1))[:1])


def test_setting_the_processor_seed_restarts_its_stream_from_that_seed():
    processor = ViViTVideoProcessor(**TRAIN)
    processor(VIDEO, do_sample_frames=True)
    processor.seed = 1
    restarted = processor(VIDEO, do_sample_frames=True, return_tensors="pt").pixel_values
    fresh = ViViTVideoProcessor(**TRAIN, seed=1)(VIDEO, do_sample_frames=True, return_tensors="pt").pixel_values
    assert torch.equal(restarted, fresh)


def test_processor_seed_is_saved_and_persistent_workers_draw_apart_and_from_epoch_to_epoch(tmp_path):
    saved = ViViTVideoProcessor(**TRAIN, seed=0)
    saved.save_pretrained(tmp_path)
    processor = ViViTVideoProcessor.from_pretrained(tmp_path, do_train_augment=True)  # loaded for training
    assert processor.seed == 0 and "_rng_key" not in processor.to_dict()
    processor(VIDEO, do_sample_frames=True)
    # (the unseeded processor's forked workers are the test above's; one DataLoader run for both cases)
    data = loader(processor, persistent=True)
    assert distinct(epoch(data) + epoch(data))


def test_a_call_seed_seeds_that_call_alone():
    processor = ViViTVideoProcessor(**TRAIN, seed=5)
    seeded = [processor(VIDEO, do_sample_frames=True, seed=3, return_tensors="pt").pixel_values for _ in range(2)]
    assert torch.equal(*seeded)
    # the same draws as a processor without a seed of its own given the same call seed
    other = ViViTVideoProcessor(**TRAIN)(VIDEO, do_sample_frames=True, seed=3, return_tensors="pt").pixel_values
    assert torch.equal(seeded[0], other)


@pytest.mark.parametrize("seed", [-1, 1.5, True, "0"])
def test_a_seed_that_numpy_cannot_take_is_refused_when_given(seed):
    with pytest.raises(ValueError, match=r"seed.* must be a whole number >= 0 or None"):
        ViViTVideoProcessor(seed=seed)
    with pytest.raises(ValueError, match=r"^seed must be a whole number >= 0 or None"):
        ViViTVideoProcessor()(VIDEO, seed=seed)


def test_dataset_map_workers_draw_apart_and_a_rerun_of_the_script_draws_alike(monkeypatch):
    """`Dataset.map(augment, num_proc=2)` forks workers that datasets seeds in no way: each drew from a copy of the
    parent's torch generator (a processor `seed`: a copy of its stream), so the two workers' first clips had the same
    start, crop and flip, and a second map repeated the first. Each worker now mixes in its number (1, 2, ... over the
    processes the script started): a rerun of the script, whose count starts at 1 again (set back here), draws
    alike after `torch.manual_seed`."""
    import multiprocess.process
    from datasets import Dataset

    processors = [ViViTVideoProcessor(**TRAIN), ViViTVideoProcessor(**TRAIN, seed=0)]

    def augment(row):
        return {
            f"clip{k}": p(VIDEO, do_sample_frames=True, return_tensors="np").pixel_values[0]
            for k, p in enumerate(processors)
        }

    def run_of_the_script() -> list[list[torch.Tensor]]:
        monkeypatch.setattr(multiprocess.process, "_process_counter", itertools.count(1))
        torch.manual_seed(0)
        data = Dataset.from_dict({"row": list(range(ITEMS))}).map(augment, num_proc=2, keep_in_memory=True)
        return [[torch.as_tensor(np.asarray(clip)) for clip in data[f"clip{k}"]] for k in range(len(processors))]

    first = run_of_the_script()
    assert all(distinct(clips) for clips in first)  # rows 0 and 1 in one worker, 2 and 3 in the other
    again = run_of_the_script()
    assert all(torch.equal(a, b) for clips, rerun in zip(first, again) for a, b in zip(clips, rerun, strict=True))


def _first_map_worker_entropy(results) -> None:
    """The `child_entropy` of a process's next `multiprocess` child (a `Dataset.map` pool's worker), put on
    `results`."""
    import multiprocess

    from vivit_hf.processing.forked_child import child_entropy

    worker = multiprocess.get_context("fork").Process(target=lambda: results.put(child_entropy()))
    worker.start()
    worker.join()


def test_map_workers_of_a_multiprocessing_process_draw_apart_from_its_parents():
    """A `multiprocessing` process (a DDP rank of `torch.multiprocessing.spawn` or accelerate's `notebook_launcher`)
    maps with `num_proc=N` as its parent does: `multiprocess` numbers the workers of both alike (the rank forked with
    a copy of the parent's count), and `child_entropy` was that number alone, so the rank's first worker drew as the
    parent's (torch's seed shared after `set_seed`), as each rank's first worker drew as the other ranks'. Both
    modules' numbers tell them apart."""
    import multiprocessing

    import multiprocess  # noqa: F401  (imported once, before the forks)

    context = multiprocessing.get_context("fork")
    results = context.SimpleQueue()
    rank = context.Process(target=_first_map_worker_entropy, args=(results,))
    rank.start()
    _first_map_worker_entropy(results)
    rank.join()
    entropies = [results.get(), results.get()]
    assert entropies[0] != entropies[1], entropies


@pytest.mark.parametrize("rank_from", ["launcher", "process group"])
def test_the_ranks_of_a_distributed_run_seeded_alike_draw_apart_and_each_the_same_run_after_run(monkeypatch, rank_from):
    """The processes of a torchrun / `accelerate launch` run are seeded alike (`set_seed(n)`), and so are their
    DataLoaders' workers (accelerate gives each process's loader the same generator state): rank 1 drew every clip
    start, crop and flip rank 0 drew (2 processes x 8 clips: 8 distinct draws). Each rank mixes in its rank, read from
    the process group where one was started, else from the launcher's `RANK` (a spawned worker's, or before the group
    is started); rank 0 draws as a single process does."""
    import torch.distributed

    def run(rank: int, seed, workers: bool = False) -> list[torch.Tensor]:
        if rank_from == "launcher":  # (no group started, whatever another test of this process left)
            monkeypatch.setattr(torch.distributed, "is_initialized", lambda: False)
            monkeypatch.setenv("RANK", str(rank))
            monkeypatch.setenv("WORLD_SIZE", "2")
        else:  # (the launcher's variables unset, as in a script that starts its group with rank=)
            monkeypatch.delenv("RANK", raising=False)
            monkeypatch.setattr(torch.distributed, "is_initialized", lambda: True)
            monkeypatch.setattr(torch.distributed, "get_rank", lambda group=None: rank)
        torch.manual_seed(0)
        processor = ViViTVideoProcessor(**TRAIN, seed=seed)
        calls = [processor(VIDEO, do_sample_frames=True, return_tensors="pt").pixel_values[0] for _ in range(2)]
        torch.manual_seed(0)  # the loader's workers: seeded alike on both ranks
        return calls + (epoch(loader(processor)) if workers else [])

    rank_zero = {}
    for seed in (None, 0):
        # the loader's workers once (torch's DataLoader talks to a started process group, here a stand-in)
        workers = rank_from == "launcher" and seed is None
        ranks = [run(0, seed, workers), run(1, seed, workers)]
        assert distinct(ranks[0] + ranks[1]), seed
        assert all(torch.equal(a, b) for a, b in zip(ranks[1], run(1, seed)))  # run after run: the same draws
        rank_zero[seed] = ranks[0][0]
    monkeypatch.undo()
    for seed, clip in rank_zero.items():  # rank 0 draws as a process outside a distributed run
        torch.manual_seed(0)
        alone = ViViTVideoProcessor(**TRAIN, seed=seed)(VIDEO, do_sample_frames=True, return_tensors="pt")
        assert torch.equal(alone.pixel_values[0], clip), seed


def test_a_spawned_workers_copy_draws_as_the_rank_that_pickled_it(monkeypatch):
    """Under `mp.spawn`, a rank that starts its group with `rank=` alone hands its DataLoader's spawned workers the
    processor pickled, but neither its group nor a `RANK`: seeded alike, every rank's workers drew rank 0's starts,
    crops and flips (checked end to end: 2 spawned ranks x 1 spawned worker, 4 clips each, identical). The copy now
    carries the rank that pickled it: a worker of rank 1 draws as one that reads `RANK=1`, rank 0's as before. Only
    multiprocessing's pickler (what sends a data set to a spawned worker) carries it: `datasets`' fingerprint of the
    processor (its `.map` cache's) stays the same on every rank (carried in every pickle, it differed on rank 1)."""
    import pickle
    from multiprocessing.reduction import ForkingPickler

    import torch.distributed
    import torch.utils.data
    from datasets.fingerprint import Hasher

    for name in ("RANK", "LOCAL_RANK"):
        monkeypatch.delenv(name, raising=False)

    def pickled_on(rank: int, seed) -> bytes:
        monkeypatch.setattr(torch.distributed, "is_initialized", lambda: True)
        monkeypatch.setattr(torch.distributed, "get_rank", lambda group=None: rank)
        return bytes(ForkingPickler.dumps(ViViTVideoProcessor(**TRAIN, seed=seed)))

    def worker_draw(data: bytes, env_rank: str | None = None) -> torch.Tensor:
        monkeypatch.setattr(torch.distributed, "is_initialized", lambda: False)  # (a spawned worker: no group)
        monkeypatch.setattr(torch.utils.data, "get_worker_info", lambda: object())
        if env_rank is not None:
            monkeypatch.setenv("RANK", env_rank)
        torch.manual_seed(0)  # (each rank's worker seeded alike)
        try:
            return pickle.loads(data)(VIDEO, do_sample_frames=True, return_tensors="pt").pixel_values[0]
        finally:
            monkeypatch.delenv("RANK", raising=False)
            monkeypatch.setattr(torch.utils.data, "get_worker_info", lambda: None)

    for seed in (None, 0):
        rank_zero, rank_one = worker_draw(pickled_on(0, seed)), worker_draw(pickled_on(1, seed))
        assert not torch.equal(rank_zero, rank_one), seed
        assert torch.equal(rank_one, worker_draw(pickled_on(0, seed), env_rank="1")), seed  # the launcher's rank 1
        assert torch.equal(rank_zero, worker_draw(pickle.dumps(ViViTVideoProcessor(**TRAIN, seed=seed)))), seed
    assert "_parent_rank" not in pickle.loads(pickled_on(1, 0)).to_dict()  # (the config saved is the same)
    fingerprints = set()
    for rank in (0, 1):
        pickled_on(rank, 0)  # (the process group of `rank`)
        fingerprints.add(Hasher.hash(ViViTVideoProcessor(**TRAIN, seed=0)))
    assert len(fingerprints) == 1, fingerprints


@pytest.mark.parametrize(
    "env, rank",
    [
        ({"RANK": "1"}, 1),  # a launcher that sets no WORLD_SIZE: read as a single process, rank 1 drew rank 0's
        ({"LOCAL_RANK": "1"}, 1),  # a script that sets LOCAL_RANK alone: the same
        ({"RANK": "3", "LOCAL_RANK": "1", "WORLD_SIZE": "4"}, 3),  # the run's rank, not the machine's
        ({"LOCAL_RANK": "-1"}, 0),  # scripts' "not distributed"
        ({"RANK": "one", "WORLD_SIZE": "2"}, 0),
        ({"WORLD_SIZE": "2"}, 0),
    ],
)
def test_a_rank_is_read_from_the_launchers_variables_whichever_it_sets(monkeypatch, env, rank):
    """Without a process group (before `init_process_group`, or in a spawned DataLoader worker) the rank is the
    launcher's: `RANK` was read only beside a `WORLD_SIZE` above 1, so a launcher that sets `RANK` alone, or a script
    that sets only `LOCAL_RANK`, had its ranks draw alike."""
    import torch.distributed

    from vivit_hf.processing.forked_child import distributed_rank

    monkeypatch.setattr(torch.distributed, "is_initialized", lambda: False)
    for name in ("RANK", "LOCAL_RANK", "WORLD_SIZE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert distributed_rank() == rank
