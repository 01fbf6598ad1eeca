# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""recipes/finetune.py on two CPU processes (gloo) under both launchers the README names: really one job of two
processes, each training on its own half of every global batch, not two independent rank-0 runs."""

import json
import sys

import pytest
import torch
from test_recipes_finetune import FINETUNE, REPO, TINY_MODEL, run, videofolder, weights  # noqa: F401 (fixture)

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
