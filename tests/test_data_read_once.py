# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""A folder data set is read once a machine: its first process walks and stats it, the others take that read
(`finetune.read_once_per_machine`). Every process of a machine used to read the whole folder itself, one after the
other: at Kinetics' 248 000 clips, 30-45 s a read, 8 processes a machine reading it 8 times before step 1."""

import multiprocessing
import os
import pickle
import shutil
import tempfile
from types import SimpleNamespace

import pytest

from vivit_hf.training import data as data_package
from vivit_hf.training import finetune
from vivit_hf.training.data import formats

# (fork: the two processes share this test's patched read, its counter and a barrier, without a new interpreter each)
pytestmark = pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="fork")


def two_processes_load_data(tmp_path, monkeypatch, dataset: str, cwds=(None, None)) -> tuple[list, list]:
    """finetune.load_data on ranks 0 and 1 of one machine (forked processes, accelerate's barrier a shared one), each
    in its folder of `cwds`: (what each returned, the pids that read the folder)."""
    context = multiprocessing.get_context("fork")
    barrier, reads = context.Barrier(2, timeout=60), tmp_path / "reads"
    reads.write_text("")
    real = formats.load_video_dataset  # (not a counted one an earlier call set)

    def counted(*args, **kwargs):
        with open(reads, "a") as file:
            file.write(f"{os.getpid()}\n")
        return real(*args, **kwargs)

    monkeypatch.setattr(data_package, "load_video_dataset", counted)
    args = finetune.parse_args(["--model", "spatio_temporal", "--dataset", dataset])

    def process(rank):
        if cwds[rank]:
            os.chdir(cwds[rank])
        accelerator = SimpleNamespace(
            num_processes=2, is_main_process=rank == 0, is_local_main_process=rank == 0, wait_for_everyone=barrier.wait
        )
        loaded = finetune.load_data(args, accelerator)
        (tmp_path / f"rank{rank}.pickle").write_bytes(pickle.dumps(loaded))

    processes = [context.Process(target=process, args=(rank,)) for rank in (0, 1)]
    for started in processes:
        started.start()
    for started in processes:
        started.join(120)
    assert [ended.exitcode for ended in processes] == [0, 0]  # both ran to the end
    loaded = [pickle.loads((tmp_path / f"rank{rank}.pickle").read_bytes()) for rank in (0, 1)]
    return loaded, reads.read_text().split()


def test_a_machines_processes_read_a_folder_once_and_each_has_the_same_clips_in_the_same_order(
    videofolder, tmp_path, monkeypatch
):
    handoffs = tmp_path / "tmp"  # the machine's temporary folder
    handoffs.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(handoffs))
    monkeypatch.setenv("MASTER_ADDR", "127.0.0.1")
    monkeypatch.setenv("MASTER_PORT", "29500")
    today = formats.load_video_dataset(str(videofolder), "videofolder")  # one process's read
    loaded, reads = two_processes_load_data(tmp_path, monkeypatch, str(videofolder))
    assert len(reads) == 1  # (was 2: each process read the folder)
    for data, train, evaluation, split in loaded:
        assert (data.splits, data.label_spaces, data.missing) == (today.splits, today.label_spaces, today.missing)
        assert (train, evaluation, split) == (today.splits["train"], today.splits["test"], "test")
    assert list(handoffs.iterdir()) == []  # (the file handed over is removed)

    # each process's own copy at one relative path (machines of their own disks, as the launch tests stand them
    # in): each reads its own, and their check of the clips sees what each has
    for rank in (0, 1):
        shutil.copytree(videofolder, tmp_path / f"machine{rank}" / "data")
    (tmp_path / "machine1" / "data" / "train" / "up" / "up_0.mp4").unlink()
    loaded, reads = two_processes_load_data(
        tmp_path, monkeypatch, "data", [tmp_path / "machine0", tmp_path / "machine1"]
    )
    assert len(reads) == 2 and [len(train) for _, train, _, _ in loaded] == [12, 11]
    assert list(handoffs.iterdir()) == []


def test_clip_groups_of_a_folder_of_more_classes_than_res_cache_compile_each_class_once(monkeypatch):
    """`with_clip_groups` matched each clip's name against its class's HMDB51 pattern through `re`'s cache of 512
    patterns: a folder of 700 classes (Kinetics-700) read class by class compiled it again for every clip (240 000
    clips: 28.9 s of CPU, 1.8 s at 400 classes). Each class's is compiled once now; the groups are the same."""
    import re

    from vivit_hf.training.data.annotated import with_clip_groups
    from vivit_hf.training.data.subsets import _hmdb51_clip

    names = [f"class_{k}" for k in range(600)]  # more than re's cache holds
    examples = [
        {"video": f"/data/{names[k]}/{source}_{names[k]}_u_nm_np1_fr_goo_0.avi", "label": k}
        for source in ("Pirates_2", "x1")
        for k in range(len(names))
    ]
    examples.append({"video": "/data/class_0/v_Ab_g08_c01.avi", "label": 0})  # UCF101's spelling
    examples.append({"video": "/data/class_0/kinetics_clip_000010_000020.mp4", "label": 0})  # none
    _hmdb51_clip.cache_clear()
    re.purge()
    compiled = []
    compile_pattern = re._compiler.compile
    monkeypatch.setattr(re._compiler, "compile", lambda *args: compiled.append(args[0]) or compile_pattern(*args))
    with_clip_groups(examples, names)
    assert len(compiled) == len(names)  # (was 1200: each clip's class compiled again)
    groups = [example.get("clip_group") for example in examples]
    assert groups == ["Pirates_2"] * 600 + ["x1"] * 600 + ["v_ab_g08", None]
