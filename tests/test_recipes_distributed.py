# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""recipes/finetune.py on two CPU processes (gloo) under both launchers the README names: really one job of two
processes, each training on its own half of every global batch, not two independent rank-0 runs."""

import json
import sys

import pytest
import torch
from test_recipes_finetune import (  # noqa: F401 (fixture)
    FINETUNE,
    REPO,
    TINY_MODEL,
    run,
    tiny_clip,
    videofolder,
    weights,
)

# One epoch of the 12 training clips in global batches of 4: one process of 4, or two processes of 2 each. No
# dropout, so the only difference between the two is how the batch is split and the gradients averaged.
ONE_EPOCH = ["--num_train_epochs", "1", "--hidden_dropout_prob", "0", "--per_device_eval_batch_size", "2"]
LAUNCHERS = {
    "accelerate launch": [
        sys.executable,
        "-m",
        "accelerate.commands.launch",
        "--config_file",
        str(REPO / "recipes" / "accelerate_configs" / "cpu_two_processes.yaml"),
        "--main_process_port",
        "0",
    ],
    "torchrun": [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"],
}


def tiny_model(batch):
    flags = list(TINY_MODEL)
    flags[flags.index("--per_device_train_batch_size") + 1] = str(batch)
    return flags


@pytest.fixture(scope="module")
def one_process(videofolder, tmp_path_factory):
    out = tmp_path_factory.mktemp("one_process")
    run(FINETUNE, "--dataset", videofolder, "--output_dir", out, *tiny_model(4), *ONE_EPOCH)
    return out


@pytest.mark.parametrize("launcher", LAUNCHERS)
def test_two_cpu_processes_train_on_their_own_halves_and_count_every_clip_once(
    videofolder, one_process, tmp_path, launcher
):
    result = run(
        FINETUNE,
        "--dataset",
        videofolder,
        "--output_dir",
        tmp_path,
        *tiny_model(2),
        *ONE_EPOCH,
        launcher=LAUNCHERS[launcher],
    )
    assert "Distributed environment: DistributedType.MULTI_CPU  Backend: gloo" in result.stderr
    two, one = (json.loads((folder / "all_results.json").read_text()) for folder in (tmp_path, one_process))
    assert (one["num_processes"], two["num_processes"]) == (1, 2)
    # 12 clips in 3 steps: each process trained on 6 (two independent runs would each report all 12).
    assert one["train_clips_per_process"] == [12] and two["train_clips_per_process"] == [6, 6]
    assert two["completed_steps"] == one["completed_steps"] == 3
    # Evaluation gathers the 6 test clips once (3 batches of 2 on 2 processes: the last one is padded).
    assert two["num_samples"] == one["num_samples"] == 6
    # Each process saw its own half of each global batch: the averaged gradients are the one-process ones, so
    # the weights agree to rounding (had both processes seen the same clips, they would not).
    trained, reference = weights(tmp_path), weights(one_process)
    for name in reference:
        torch.testing.assert_close(trained[name], reference[name], rtol=1e-4, atol=1e-5, msg=name)


def test_two_processes_count_an_odd_epoch_exactly_though_accelerate_repeats_clips_to_even_it_out(videofolder, tmp_path):
    """13 training clips, 12 of them broken, on 2 processes with batches of 2. accelerate gives each process 4
    batches (8 rows) by repeating 3 clips from the epoch's start; at least 2 of those 3 are broken. By hand, the
    epoch's 7 batches of 2 go to the processes in turn: process 0 takes batches 1, 3, 5 and 7 (clip 13 and one
    repeat), process 1 batches 2, 4, 6 and a batch of 2 repeats; so 7 + 6 clips trained, 1 + 2 repeats, and the
    12 broken clips skipped once each (counting the repeats said 8 + 8 clips and 14 or 15 skipped)."""
    data = tmp_path / "data"
    for path in videofolder.rglob("*.mp4"):
        (data / path.relative_to(videofolder)).parent.mkdir(parents=True, exist_ok=True)
        (data / path.relative_to(videofolder)).write_bytes(path.read_bytes())
    tiny_clip(data / "train" / "up" / "up_6.mp4", 0, seed=6, width=24)
    train = sorted((data / "train").rglob("*.mp4"))
    assert len(train) == 13
    for path in train[1:]:
        path.write_bytes(b"not a video" * 10)
    out = tmp_path / "run"
    result = run(
        FINETUNE, "--dataset", data, "--output_dir", out, *tiny_model(2), *ONE_EPOCH, launcher=LAUNCHERS["torchrun"]
    )
    assert "Distributed environment: DistributedType.MULTI_CPU  Backend: gloo" in result.stderr
    results = json.loads((out / "all_results.json").read_text())
    assert results["num_processes"] == 2 and results["completed_steps"] == 4
    assert results["train_clips_per_process"] == [7, 6]
    assert results["train_padded_clips_per_process"] == [1, 2]
    assert results["train_skipped_clips"] == 12
    assert results["num_samples"] == 6  # the test clips, none broken
