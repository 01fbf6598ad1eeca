# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""`--streaming` of a data set in one parquet file of several row groups (a Hub video set converted to parquet):
`datasets` gives each shard (file) to one reader, so `--num_workers 2` decoded on one worker and two processes each
read the whole file. Read by row group (`StreamingSplit.spread_over`), every worker and process reads its own."""

import contextlib
import logging
from pathlib import Path

import datasets
import pyarrow.parquet as pq
import pytest
from accelerate import PartialState
from test_recipes_finetune import tiny_clip

from vivit_hf.processing.processing_vivit import ViViTVideoProcessor
from vivit_hf.training import finetune
from vivit_hf.training.data.streaming import StreamingLoader, StreamingVideoDataset, open_streaming_dataset

ROWS, ROW_GROUP = 12, 3  # 4 row groups in the training file


@pytest.fixture(scope="module", autouse=True)
def no_sleep_after_each_parquet_scan():
    """datasets' parquet streams sleep `SLEEP_TIME_ON_THREADS_SHUTDOWN` (5 s) at the end of every iteration, in each
    DataLoader worker (apache/arrow#45214: a process ending while a scan's threads run crashed): 5 s an epoch and a
    loader, 10 s of each of two tests here, where what is asserted is which rows came. Not slept here: a worker
    started by the fork server takes this process's value (`WorkerInit` hands `datasets.config`'s settings over) and
    ends by `os._exit`, with no interpreter shutdown for a scan's threads to outlive."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(datasets.config, "SLEEP_TIME_ON_THREADS_SHUTDOWN", 0)
        yield


@pytest.fixture(scope="module")
def one_parquet_file(tmp_path_factory) -> Path:
    """A Hub-style folder whose splits are one parquet file each (`data/train-00000-of-00001.parquet`), the clips'
    bytes in a `Video` column, written in row groups of 3 rows. Written from `root`: `datasets` stores a row's
    `{"path": "train_00.mp4", "bytes": ...}` as the path alone where a file of that name is in the working directory,
    and the stream then read that file (a broken clip, skipped) in place of the row's clip."""
    root = tmp_path_factory.mktemp("one_parquet_file")
    features = datasets.Features({"video": datasets.Video(), "label": datasets.ClassLabel(names=["up", "down"])})
    with contextlib.chdir(root):  # not the caller's: a train_00.mp4 there would stand in for the clip
        for split, count in (("train", ROWS), ("test", 4)):
            videos = []
            for i in range(count):
                source = root / "src" / split / f"{i:02d}.mp4"
                tiny_clip(source, i % 2, seed=i, width=24)
                videos.append({"path": f"{split}_{i:02d}.mp4", "bytes": source.read_bytes()})
            table = datasets.Dataset.from_dict(
                {"video": videos, "label": [i % 2 for i in range(count)]}, features=features
            )
            (root / "data").mkdir(exist_ok=True)
            pq.write_table(
                table.data.table, root / "data" / f"{split}-00000-of-00001.parquet", row_group_size=ROW_GROUP
            )
    file = pq.ParquetFile(root / "data" / "train-00000-of-00001.parquet")
    assert file.metadata.num_row_groups == ROWS // ROW_GROUP
    assert all(video["bytes"] for video in file.read(columns=["video"]).column("video").to_pylist())  # each clip's
    return root


def row_groups(root: Path) -> list[list[str]]:
    """The clip names of each row group of the training file, read with pyarrow (the reference)."""
    file = pq.ParquetFile(root / "data" / "train-00000-of-00001.parquet")
    groups = range(file.metadata.num_row_groups)
    return [[v["path"] for v in file.read_row_group(g, columns=["video"]).column("video").to_pylist()] for g in groups]


class Processes:  # what `load_data` asks of an accelerator on the streaming path (this one the main process)
    is_main_process = True

    def __init__(self, num_processes: int):
        self.num_processes = num_processes

    def main_process_first(self):  # (the stream is opened by the main process before the others)
        return contextlib.nullcontext()

    def wait_for_everyone(self):  # (the others, stood in for, have nothing to wait for)
        pass


def training_split(root: Path, processes: int, workers: int):
    """The training split as the recipe loads it for `processes` processes of `workers` DataLoader workers."""
    args = finetune.parse_args(
        ["--dataset", str(root), "--dataset_format", "hub", "--streaming", "--num_workers", str(workers)],
        check_paths=False,
    )
    return finetune.load_data(args, Processes(processes))[1]


def processor():
    return ViViTVideoProcessor(num_frames=2, size={"shortest_edge": 8}, crop_size={"height": 8, "width": 8})


class RecordingLoader(StreamingLoader):
    """The loader, noting the DataLoader worker each delivered batch came from."""

    workers: list

    def _deliver(self, batch):
        if batch is not None:
            self.workers.append(batch["worker"])
        return super()._deliver(batch)


def epoch_of(loader: RecordingLoader, epoch: int, consumed: dict | None = None):
    """`(clip ids in delivery order, workers that delivered them, ids of the clips skipped as broken)` of one epoch
    (after `consumed`'s batches). A broken clip is delivered too (zeros, `valid` False): counted among the ids, it
    read as a clip decoded."""
    loader.workers = []
    loader.set_epoch(epoch)
    if consumed:
        loader.resume(consumed)
    batches = list(loader)
    ids = [clip for batch in batches for clip in batch["ids"]]
    broken = [clip for b in batches for clip, valid in zip(b["ids"], b["valid"].tolist(), strict=False) if not valid]
    return ids, loader.workers, broken


def test_one_parquet_file_streams_on_every_dataloader_worker_each_clip_once_an_epoch(one_parquet_file, caplog):
    caplog.set_level("INFO", logger="vivit_hf.training.data.streaming")
    split = training_split(one_parquet_file, processes=1, workers=2)
    dataset = StreamingVideoDataset(split, processor(), batch_size=2, shuffle_buffer_size=4, shuffle_seed=0)
    loader = RecordingLoader(dataset, num_workers=2)
    expected = sorted(clip for group in row_groups(one_parquet_file) for clip in group)
    for epoch in (0, 1):
        ids, workers, broken = epoch_of(loader, epoch)
        assert sorted(ids) == expected, epoch  # every clip once an epoch
        assert broken == [], epoch  # each decoded, none skipped as broken (the fixture holds no broken clip)
        assert set(workers) == {0, 1}, workers  # both workers decoded (one did, on the whole file)
        assert len(workers) == sum(dataset.batches(epoch, 2)), epoch  # the plan of the epoch is what came
    said = "split 'train' has 1 shard(s) for 2 readers (processes x DataLoader workers): read as 4 shards"
    assert caplog.text.count(said) == 1  # once, with the counts
    # evaluated on the split trained on, uncut: one stream, its footers read (and the split said) once, not per name
    caplog.clear()
    PartialState()  # (the warning that it evaluates on training clips logs through accelerate)
    args = ["--dataset", str(one_parquet_file), "--dataset_format", "hub", "--streaming", "--eval_split", "train"]
    _, train, evaluation, _ = finetune.load_data(finetune.parse_args([*args, "--num_workers", "2"]), Processes(1))
    assert evaluation is train and caplog.text.count(said) == 1


def test_a_resharded_parquet_stream_resumes_mid_epoch_on_the_batches_it_had_not_trained(one_parquet_file):
    """Row groups are cut in stored order: a fresh load gives the same shards, so a resume after each worker's first
    batch delivers exactly the rest of the uninterrupted epoch."""
    runs = []
    for _ in range(2):
        split = training_split(one_parquet_file, processes=1, workers=2)
        dataset = StreamingVideoDataset(split, processor(), batch_size=2, shuffle_buffer_size=4, shuffle_seed=0)
        runs.append(RecordingLoader(dataset, num_workers=2))
    whole, _, _ = epoch_of(runs[0], 1)
    rest, _, _ = epoch_of(runs[1], 1, consumed={0: 1, 1: 1})
    assert rest == whole[4:]  # two batches of 2 trained before the checkpoint


def test_two_processes_read_their_own_row_groups_of_one_parquet_file_each_clip_once(one_parquet_file):
    """2 processes x 1 worker: whole row groups per process (2 of the 4 each), where each process read the whole file
    and kept every 2nd clip."""
    split = training_split(one_parquet_file, processes=2, workers=1)
    groups = {tuple(group) for group in row_groups(one_parquet_file)}
    for epoch in (0, 1):
        shares = []
        for rank in (0, 1):
            dataset = StreamingVideoDataset(split, None, batch_size=2, rank=rank, world_size=2, shuffle_buffer_size=0)
            dataset.set_epoch(epoch)
            assert dataset.num_shards == 2, rank  # this process's own row groups
            shares.append([row["video"]["path"] for row in dataset.rows()])
        assert sorted(shares[0] + shares[1]) == sorted(clip for group in groups for clip in group)
        for share in shares:  # read in whole row groups
            assert {tuple(share[i : i + ROW_GROUP]) for i in range(0, len(share), ROW_GROUP)} <= groups, share


def test_a_checkpoint_of_the_file_read_as_one_shard_is_refused_naming_the_row_groups(one_parquet_file):
    """A run of an earlier version recorded the digest of the file as one shard and its workers' positions in it:
    resumed on the row groups, those positions would skip other clips. Refused, saying why."""
    then = open_streaming_dataset(str(one_parquet_file)).split("train").stream_digest()
    now = training_split(one_parquet_file, processes=1, workers=2).stream_digest()
    assert then.startswith("12 clips in 1 shard:") and now.startswith("12 clips in 4 shards:")
    with pytest.raises(ValueError, match=r"12 clips in 1 shard \(digest .*12 clips in 4 shards .*read by row group"):
        finetune.check_resume_clips(then, now)
    # Read with as many readers as shards (one process, one worker), the stream is the file as it was.
    assert training_split(one_parquet_file, processes=1, workers=1).stream_digest() == then


@pytest.mark.parametrize("cut", [4, 1])
def test_a_cut_training_stream_is_named_as_the_first_n_of_its_clips(one_parquet_file, caplog, cut):
    """--streaming --max_train_samples 4: the results and card named the training split `train`, as if every clip of
    it had trained the model. A cut whose first clips carry some of the classes alone (1: the first clip, 'up', of
    clips labelled up, down, up...; a stream stored class by class) trained on them without a word: said, naming the
    classes left out (so is --max_eval_samples's cut), against the labels as stored."""
    file = pq.ParquetFile(one_parquet_file / "data" / "train-00000-of-00001.parquet")
    stored = file.read(columns=["label"])["label"].to_pylist()
    flags = ["--dataset", str(one_parquet_file), "--dataset_format", "hub", "--streaming"]
    args = finetune.parse_args([*flags, "--max_train_samples", str(cut), "--max_eval_samples", "1"], check_paths=False)
    with caplog.at_level(logging.WARNING):
        finetune.load_data(args, Processes(1))
    assert args.trained_split == f"train (the first {cut} of its {file.metadata.num_rows} clips: --max_train_samples)"
    left_out = [name for i, name in enumerate(("up", "down")) if i not in stored[:cut]]
    said = [r.getMessage() for r in caplog.records if "keeps the first" in r.getMessage()]
    assert [m.split(" keeps")[0] for m in said] == ["--max_train_samples 1"] * bool(left_out) + ["--max_eval_samples 1"]
    assert left_out == [] or said[0].endswith(
        "they carry 1 of the data set's 2 classes, none of 'down'. For a draw across the classes, leave out "
        "--streaming, or store the clips in a shuffled order"
    )


class LaterProcess(Processes):  # a machine's second process: it opens the stream after its machine's first
    is_main_process = is_local_main_process = False


def test_a_row_group_split_that_fails_on_a_later_process_alone_is_said_by_it(one_parquet_file, caplog):
    """The row groups are read from each file's footer by every process (ranged reads on the Hub): a read that failed
    on one process alone left it reading the file as one shard, the others by row group, and the processes' digests
    disagreed (the run stops). Its warning, this process's own, was held back with the open's on a machine's
    processes after its first (`data_warnings_held`), so the stop did not say why."""
    from unittest import mock

    failing = mock.patch.object(datasets.IterableDataset, "reshard", side_effect=OSError("footer read timed out"))
    args = finetune.parse_args(
        ["--dataset", str(one_parquet_file), "--dataset_format", "hub", "--streaming", "--num_workers", "2"],
        check_paths=False,
    )
    with failing, caplog.at_level(logging.INFO, logger="vivit_hf.training.data"):
        train = finetune.load_data(args, LaterProcess(2))[1]
    assert train.dataset.num_shards == 1
    assert "split 'train': its 1 shard(s) could not be split by row group (footer read timed out)" in caplog.text
