# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""A folder data set is read once a machine: its first process walks and stats it, the others take that read
(`finetune.read_once_per_machine`). Every process of a machine used to read the whole folder itself, one after the
other: at Kinetics' 248 000 clips, 30-45 s a read, 8 processes a machine reading it 8 times before step 1.

The read is handed over as JSON in a folder of the temporary folder only this user can open: a pickle at a name
any user could work out in the temporary folder itself ran whatever another user put there first."""

import dataclasses
import logging
import multiprocessing
import os
import pickle
import shutil
import stat
import tempfile
from types import SimpleNamespace

import pytest

from vivit_hf.training import data as data_package
from vivit_hf.training import finetune
from vivit_hf.training.data import DatasetFormatError, VideoClassificationData, formats

# (fork: the two processes share this test's patched read, its counter and a barrier, without a new interpreter each)
pytestmark = pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="fork")


@pytest.fixture
def machine(tmp_path, monkeypatch):
    """The machine's temporary folder (a fresh one, open to all as /tmp is) and a launcher's rendezvous."""
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    temporary.chmod(0o1777)
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    monkeypatch.setenv("MASTER_ADDR", "127.0.0.1")
    monkeypatch.setenv("MASTER_PORT", "29500")
    return temporary


def on_two_processes(tmp_path, run) -> tuple[list, list[int]]:
    """`run(accelerator, rank)` on ranks 0 and 1 of one machine (forked processes, accelerate's barrier a shared
    one): (what each returned, or the exception it raised; the processes' pids)."""
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(2, timeout=20)  # (a process left waiting fails the test, not hangs it)

    def process(rank):
        accelerator = SimpleNamespace(
            num_processes=2, is_main_process=rank == 0, is_local_main_process=rank == 0, wait_for_everyone=barrier.wait
        )
        try:
            result = run(accelerator, rank)
        except DatasetFormatError as error:
            result = error
        (tmp_path / f"rank{rank}.pickle").write_bytes(pickle.dumps(result))

    processes = [context.Process(target=process, args=(rank,)) for rank in (0, 1)]
    for started in processes:
        started.start()
    for started in processes:
        started.join(60)
    assert [ended.exitcode for ended in processes] == [0, 0]  # both ran to the end
    return [pickle.loads((tmp_path / f"rank{rank}.pickle").read_bytes()) for rank in (0, 1)], [
        started.pid for started in processes
    ]


def two_processes_load_data(tmp_path, monkeypatch, dataset: str, cwds=(None, None)) -> tuple[list, list, list]:
    """finetune.load_data on ranks 0 and 1 of one machine, each in its folder of `cwds`: (what each returned, the
    pids that read the folder, the processes' pids)."""
    reads = tmp_path / "reads"
    reads.write_text("")
    real = formats.load_video_dataset  # (not a counted one an earlier call set)

    def counted(*args, **kwargs):
        with open(reads, "a") as file:
            file.write(f"{os.getpid()}\n")
        return real(*args, **kwargs)

    monkeypatch.setattr(data_package, "load_video_dataset", counted)
    args = finetune.parse_args(["--model", "spatio_temporal", "--dataset", dataset])

    def load(accelerator, rank):
        if cwds[rank]:
            os.chdir(cwds[rank])
        return finetune.load_data(args, accelerator)

    loaded, pids = on_two_processes(tmp_path, load)
    return loaded, [int(pid) for pid in reads.read_text().split()], pids


def test_a_machines_processes_read_a_folder_once_and_each_has_the_same_clips_in_the_same_order(
    videofolder, tmp_path, monkeypatch, machine
):
    today = formats.load_video_dataset(str(videofolder), "videofolder")  # one process's read
    loaded, reads, pids = two_processes_load_data(tmp_path, monkeypatch, str(videofolder))
    assert reads == pids[:1]  # rank 0 alone read it (was both)
    for data, train, evaluation, split in loaded:
        assert dataclasses.replace(data, named=None) == today  # every field, as one process reads it
        assert (train, evaluation, split) == (today.splits["train"], today.splits["test"], "test")
    # handed over in a folder of this user's alone, and removed once read
    [private] = machine.iterdir()
    assert (private.name, stat.S_IMODE(private.stat().st_mode)) == (f"vivit_hf-{os.getuid()}", 0o700)
    assert list(private.iterdir()) == []

    # each process's own copy at one relative path (machines of their own disks, as the launch tests stand them
    # in): each reads its own, and their check of the clips sees what each has
    for rank in (0, 1):
        shutil.copytree(videofolder, tmp_path / f"machine{rank}" / "data")
    (tmp_path / "machine1" / "data" / "train" / "up" / "up_0.mp4").unlink()
    loaded, reads, pids = two_processes_load_data(
        tmp_path, monkeypatch, "data", [tmp_path / "machine0", tmp_path / "machine1"]
    )
    assert sorted(reads) == sorted(pids) and [len(train) for _, train, _, _ in loaded] == [12, 11]
    assert list(private.iterdir()) == []


def test_a_handover_folder_others_can_write_is_not_used(videofolder, tmp_path, monkeypatch, machine, caplog):
    """The folder the read is handed over in is made by the first process, for this user alone: one that another
    user made first (or left open to others) is one whose files that user can put there, and is not used."""
    from accelerate import PartialState

    PartialState()  # (the recipe's logger is accelerate's)
    planted = machine / f"vivit_hf-{os.getuid()}"
    planted.mkdir()
    planted.chmod(0o777)
    loaded, reads, pids = two_processes_load_data(tmp_path, monkeypatch, str(videofolder))
    assert sorted(reads) == sorted(pids)  # each read it itself (was rank 0's read, handed over in the temporary folder)
    assert loaded[0][0] == loaded[1][0] and list(planted.iterdir()) == []
    with caplog.at_level(logging.WARNING, logger="vivit_hf.training.finetune"):
        assert finetune.private_temporary_folder() is None
    assert f"{planted} is not a folder of this user's alone" in caplog.text and "drwxrwxrwx" in caplog.text


def test_a_read_json_does_not_give_back_as_it_is_is_not_handed_over(tmp_path, machine):
    """A read JSON would change (a tuple of labels read back as a list, a class id key as a string) is read by each
    process itself: no process trains on other labels than its own read gives."""

    def read():
        clips = [{"video": "a.mp4", "label": (0, 1), "id": "a.mp4"}]
        return VideoClassificationData(splits={"train": clips}, label_spaces={"label": ["a", "b"]}, multi_label=True)

    def load(accelerator, rank):
        return finetune.read_once_per_machine(accelerator, read, source=str(tmp_path))

    loaded, _ = on_two_processes(tmp_path, load)
    assert [data.splits["train"][0]["label"] for data in loaded] == [(0, 1), (0, 1)]


def test_a_read_the_first_process_refuses_ends_every_process_in_the_same_refusal(tmp_path, machine):
    """The first process's read refused (a folder of no clips): the others are let go, read for themselves and end
    in the same refusal, where they could have waited for a file that never came."""
    empty = tmp_path / "empty"
    empty.mkdir()

    def load(accelerator, rank):
        return data_package.open_video_dataset(
            str(empty), once=lambda read: finetune.read_once_per_machine(accelerator, read, source=str(empty))
        )

    refusals, _ = on_two_processes(tmp_path, load)
    assert [type(refusal) for refusal in refusals] == [DatasetFormatError] * 2
    assert str(refusals[0]) == str(refusals[1]) and "no <class>/<video> files" in str(refusals[0])


def test_clip_groups_of_clips_of_more_classes_than_res_cache_in_mixed_order_compile_each_class_once(monkeypatch):
    """A clip's HMDB51 name is matched by one pattern compiled once, not one a class through `re`'s cache of 512
    patterns: clips of more classes in an order that mixes them (a Hub data set's rows, whose ids `_clip_groups`
    reads to hold a share out) would compile it again for nearly every clip (240 000 shuffled rows of 700 classes:
    9.6 s of CPU against 2.8 s). The groups are those of each class's own pattern."""
    import re

    from vivit_hf.training.data.annotated import with_clip_groups

    names = [f"class_{k}" for k in range(600)]  # more than re's cache holds
    examples = [
        {"video": f"/data/{names[k]}/{source}_{names[k]}_u_nm_np1_fr_goo_0.avi", "label": k}
        for source in ("Pirates_2", "x1")
        for k in range(len(names))
    ]
    examples.append({"video": "/data/class_0/v_Ab_g08_c01.avi", "label": 0})  # UCF101's spelling
    examples.append({"video": "/data/class_0/kinetics_clip_000010_000020.mp4", "label": 0})  # none
    re.purge()
    compiled = []
    compile_pattern = re._compiler.compile
    monkeypatch.setattr(re._compiler, "compile", lambda *args: compiled.append(args[0]) or compile_pattern(*args))
    with_clip_groups(examples, names)
    assert len(compiled) < len(names)  # (1200 with a pattern a class: each clip's class compiled again)
    groups = [example.get("clip_group") for example in examples]
    assert groups == ["Pirates_2"] * 600 + ["x1"] * 600 + ["v_ab_g08", None]
