# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""recipes/finetune.py and recipes/evaluate.py end to end on tiny data sets and a tiny model, offline, on CPU."""

import csv
import importlib.util
import json
import logging
import os
import re
import shutil
import signal
import sys
import time
import types
from pathlib import Path

import fresh_python
import numpy as np
import pytest
import torch
from huggingface_hub import ModelCard, ModelCardData
from process_tree import run_launch
from safetensors.torch import load_file
from video_factory import tiny_clip  # and the other recipe tests, from here

from vivit_hf.training.checkpoints import STATE_FILE, finish_interrupted_saves
from vivit_hf.training.data.synthetic import write_video
from vivit_hf.training.resume import RECORDED_WHEN_ON, trained_again

REPO = Path(__file__).resolve().parents[1]
FINETUNE = REPO / "recipes" / "finetune.py"
EVALUATE = REPO / "recipes" / "evaluate.py"

TINY_MODEL = [
    "--model",
    "spatio_temporal",
    "--model_size",
    "tiny",
    "--num_frames",
    "4",
    "--frame_stride",
    "1",
    "--config_overrides",
    "image_size=16,tubelet_size=[2,8,8],hidden_size=16,num_hidden_layers=1,num_attention_heads=2,intermediate_size=32",
    "--resize_shortest_edge",
    "16",
    "--crop_size",
    "16",
    "--num_workers",
    "0",
    "--with_tracking",
    "false",
    "--per_device_train_batch_size",
    "2",
    "--per_device_eval_batch_size",
    "2",
    "--logging_steps",
    "1",
]


def env():
    environment = dict(
        os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", OMP_NUM_THREADS="1", TOKENIZERS_PARALLELISM="false"
    )
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), environment.get("PYTHONPATH")]))
    return environment


def run(script, *args, launcher=(), check=True):
    """`python SCRIPT ARGS` (or `LAUNCHER SCRIPT ARGS`) in the repository, as a user runs it: a new process, forked
    from one that has imported only third-party libraries (torch, transformers, ...: tests/fresh_python.py's RECIPES);
    a launcher is started as a plain subprocess."""
    command = [*launcher, *([] if launcher else [sys.executable]), str(script), *map(str, args)]
    if launcher:
        result = run_launch(command, timeout=240, cwd=REPO, env=env())
    else:
        result = fresh_python.server(fresh_python.RECIPES, env()).run(command[1:], cwd=REPO, timeout=240)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(command)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-6000:]}")
    return result


def load_recipe():
    """recipes/finetune.py as a fresh module, to run its `main(argv)` in this process (its globals patchable)."""
    spec = importlib.util.spec_from_file_location("finetune_recipe_in_process", FINETUNE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_in_process(recipe, *argv):
    """`recipe.main(argv)` with one torch thread, as the subprocess runs (so the weights compare bit for bit); this
    process's thread count and accelerate state are restored after (the run's Accelerator is dropped, and a
    PartialState that other tests made before is made again), and the run starts with none."""
    from accelerate.state import AcceleratorState, PartialState

    threads, had_state = torch.get_num_threads(), bool(PartialState._shared_state)
    # As a run starts in a process of its own: with no accelerate state. One an earlier test of this pytest worker
    # left (an Accelerator of another precision) failed the run's Accelerator ("AcceleratorState has already been
    # initialized ... pass `mixed_precision='no'`"; once in CI, after the tests' order changed)
    AcceleratorState._reset_state(reset_partial_state=True)
    try:
        return recipe.main([*map(str, argv), "--torch_threads", "1"])
    finally:
        AcceleratorState._reset_state(reset_partial_state=True)
        if had_state:
            PartialState()
        torch.set_num_threads(threads)


def weights(folder):
    return load_file(str(Path(folder) / "model.safetensors"))


@pytest.fixture(scope="module")
def uninterrupted(videofolder, tmp_path_factory):
    out = tmp_path_factory.mktemp("uninterrupted")
    run(
        FINETUNE,
        "--dataset",
        videofolder,
        "--output_dir",
        out,
        "--num_train_epochs",
        "2",
        "--checkpointing_steps",
        "2",
        *TINY_MODEL,
    )
    return out


def test_a_run_writes_model_processor_card_plots_and_results(uninterrupted):
    for name in (
        "model.safetensors",
        "config.json",
        "video_preprocessor_config.json",
        "README.md",
        "all_results.json",
        "eval_confusion_matrix.png",
        "eval_per_class_accuracy.png",
    ):
        assert (uninterrupted / name).is_file(), name
    results = json.loads((uninterrupted / "all_results.json").read_text())
    assert results["num_samples"] == 6 and 0.0 <= results["top1"] <= 1.0
    assert results["completed_steps"] == 12
    assert results["effective_total_batch_size"] == 2 and results["gradient_accumulation_steps"] == 1
    # Flat, as evaluate.py's eval_results.json (it used to read {"per_class_accuracy": {"per_class_accuracy": ...}}).
    assert set(results["per_class_accuracy"]) == {"down", "up"}
    assert all(isinstance(v, float) for v in results["per_class_accuracy"].values())
    assert np.asarray(results["confusion_matrix"]).sum() == 6
    # trained from scratch: no licence known (Trainer's card states none), not an invented apache-2.0
    assert ModelCard.load(uninterrupted / "README.md").data.license is None


def test_checkpoints_respect_the_total_limit_and_leave_no_temporary_folder(uninterrupted):
    names = sorted(p.name for p in (uninterrupted / "checkpoints").iterdir())
    assert names == ["step_10", "step_12"]


# `python -c KILLED_AFTER_STEP_4 SCRIPT ARGS`: `python SCRIPT ARGS`, which SIGKILLs itself once its log reports the
# step_4 checkpoint saved (the log's stream is wrapped before the recipe's logging takes it).
KILLED_AFTER_STEP_4 = """import os, runpy, signal, sys


class KillAfterStep4:
    def __init__(self, stream):
        self.stream = stream

    def write(self, text):
        written = self.stream.write(text)
        if "saved checkpoint" in text and "step_4" in text:
            self.stream.flush()
            os.kill(os.getpid(), signal.SIGKILL)
        return written

    def __getattr__(self, name):
        return getattr(self.stream, name)


sys.stderr = KillAfterStep4(sys.stderr)
sys.argv = sys.argv[1:]
sys.path[0] = os.path.dirname(os.path.realpath(sys.argv[0]))
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def test_a_run_killed_mid_epoch_and_resumed_ends_with_the_same_weights(videofolder, uninterrupted, tmp_path):
    args = [
        "--dataset",
        videofolder,
        "--output_dir",
        tmp_path,
        "--num_train_epochs",
        "2",
        "--checkpointing_steps",
        "2",
        *TINY_MODEL,
    ]
    # Killed (no clean-up possible) as soon as the first mid-epoch checkpoint (step 4 of 6 per epoch) is done: the
    # process SIGKILLs itself once its log says so, a new process forked from tests/fresh_python.py's server (a plain
    # `python` paid ~9 s of imports first).
    killed = fresh_python.server(fresh_python.RECIPES, env()).run(
        ["-c", KILLED_AFTER_STEP_4, FINETUNE, *args], cwd=REPO, timeout=240
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
    assert "saved checkpoint" in killed.stderr and "step_4" in killed.stderr.splitlines()[-1]
    assert not (tmp_path / "model.safetensors").exists()
    run(FINETUNE, *args, "--resume_from_checkpoint", "latest")
    resumed, reference = weights(tmp_path), weights(uninterrupted)
    assert resumed.keys() == reference.keys()
    for name in reference:
        torch.testing.assert_close(resumed[name], reference[name], rtol=0, atol=0, msg=name)


def test_accelerates_accumulation_variable_leaves_the_recipes_steps_as_its_flag_says(
    videofolder, uninterrupted, tmp_path, monkeypatch
):
    """ACCELERATE_GRADIENT_ACCUMULATION_STEPS (accelerate's variable, which `accelerate launch --use_deepspeed
    --gradient_accumulation_steps` exports and its docs offer) replaced the recipe's --gradient_accumulation_steps in
    accelerate alone: with it at 3, the 2 epochs of 12 clips in batches of 2 took 4 optimiser steps, not the 12 the
    schedule, the checkpoints and all_results.json (gradient_accumulation_steps 1, total batch 2) were planned on.
    The flag decides, as in transformers' Trainer (a GradientAccumulationPlugin); the variable is said to be unread.
    The run is `uninterrupted`'s, whose weights it must end with."""
    monkeypatch.setenv("ACCELERATE_GRADIENT_ACCUMULATION_STEPS", "3")
    flags = ["--dataset", videofolder, "--output_dir", tmp_path, "--num_train_epochs", "2"]
    # The recipe's warnings as its logger is handed them: what reached pytest's capture depended on how the worker's
    # earlier tests left the logging module (captured nothing twice in CI, at the root's level and at WARNING)
    recipe, warned = load_recipe(), []
    warning = recipe.logger.warning

    def recorded(message, *args, **kwargs):
        warned.append(str(message))
        return warning(message, *args, **kwargs)

    monkeypatch.setattr(recipe.logger, "warning", recorded)
    run_in_process(recipe, *flags, "--checkpointing_steps", "2", *TINY_MODEL)
    results = json.loads((tmp_path / "all_results.json").read_text())
    assert (results["completed_steps"], results["gradient_accumulation_steps"]) == (12, 1)
    said = [message for message in warned if "ACCELERATE_GRADIENT_ACCUMULATION_STEPS=3" in message]
    assert said and "--gradient_accumulation_steps 1" in said[0], warned
    reference, trained = weights(uninterrupted), weights(tmp_path)
    for name in reference:
        torch.testing.assert_close(trained[name], reference[name], rtol=0, atol=0, msg=name)


def test_resume_refuses_other_batch_flags_naming_each(videofolder, uninterrupted, tmp_path):
    """A per-device batch of 3 would skip 4 batches of 3 where the checkpoint had trained 4 x 2 clips."""
    shutil.copytree(uninterrupted / "checkpoints", tmp_path / "checkpoints")
    state = json.loads((tmp_path / "checkpoints" / "step_12" / "trainer_state.json").read_text())
    assert state["settings"]["batches"]["per_device_train_batch_size"] == 2
    assert state["settings"]["batches"]["effective_total_batch_size"] == 2
    assert state["settings"]["batches"]["num_processes"] == 1
    result = run(
        FINETUNE,
        "--dataset",
        videofolder,
        "--output_dir",
        tmp_path,
        "--num_train_epochs",
        "2",
        *TINY_MODEL,
        "--per_device_train_batch_size",
        "3",
        "--seed",
        "1",
        "--resume_from_checkpoint",
        "latest",
        check=False,
    )
    assert result.returncode == 2, result.stderr[-3000:]  # the user's flags: argparse's status
    last = result.stderr.strip().splitlines()[-1]
    for text in ("--per_device_train_batch_size 2 -> 3", "--seed 0 -> 1", "total batch 2 -> 3", "step_12"):
        assert text in last, (text, result.stderr[-3000:])
    assert "Traceback" not in result.stderr and not (tmp_path / "model.safetensors").exists()


def test_a_resume_from_another_working_directory_naming_the_same_data_set_folder_continues(videofolder, tmp_path):
    """`--dataset data` typed in /work, then `--dataset ../data` in /work/logs: the same folder, refused as "trained
    with other batches" (the recorded value is relative to where the first run started); the checkpoint now records the
    folder it read, and both the resume and the same command again continue it."""
    shutil.copytree(videofolder, tmp_path / "my data")
    (tmp_path / "logs").mkdir()
    server = fresh_python.server(fresh_python.RECIPES, env())
    flags = [*TINY_MODEL, "--checkpointing_steps", "2", "--num_train_epochs", "2"]
    first = server.run([FINETUNE, *flags, "--dataset", "my data", "--output_dir", "out", "--max_train_steps", "2"],
                       cwd=tmp_path, timeout=240)  # fmt: skip
    assert first.returncode == 0, first.stderr[-3000:]
    again = [FINETUNE, *flags, "--dataset", "../my data", "--output_dir", "../out", "--max_train_steps", "4"]
    resumed = server.run([*again, "--resume_from_checkpoint", "latest"], cwd=tmp_path / "logs", timeout=240)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "resumed from ../out/checkpoints/step_2: step 2" in resumed.stderr
    rerun = server.run(again, cwd=tmp_path / "logs", timeout=240)  # the same command again: its run, continued
    assert rerun.returncode == 0 and "holds a run of this same command" in rerun.stderr, rerun.stderr[-3000:]


def test_the_same_command_run_again_continues_its_run_and_another_is_refused(videofolder, uninterrupted, tmp_path):
    """A rerun of the very command that wrote the folder (the README's main job, run twice) continues it from its last
    checkpoint and writes the same model again (exit 0). Any other flag is a new run, refused as before (it would
    replace the model). A finished run whose last step has no checkpoint of its own (here: step_12 gone, as an
    earlier version left a run its interval did not divide) trains its last steps again, as it trained them: the log
    said "a finished run trains nothing more", and now says which steps it trains again. (Finished at its checkpoint, it
    trains nothing: test_resuming_from_the_last_checkpoint_of_a_finished_run_changes_nothing.)"""
    out = tmp_path / "out"
    shutil.copytree(uninterrupted, out)
    shutil.rmtree(out / "checkpoints" / "step_12")
    same = ["--dataset", videofolder, "--output_dir", out, "--num_train_epochs", "2", "--checkpointing_steps", "2"]
    result = run(FINETUNE, *same, *TINY_MODEL)
    assert "trains nothing more" not in result.stderr and "nothing left to train" not in result.stderr
    assert "holds a run of this same command: continuing it from step_10, its last checkpoint" in result.stderr
    said = "finished at step 12, after its last checkpoint (step 10): training steps 11 to 12 again"
    assert said in result.stderr, result.stderr[-3000:]
    rerun, reference = weights(out), weights(uninterrupted)
    for name in reference:
        torch.testing.assert_close(rerun[name], reference[name], rtol=0, atol=0, msg=name)
    results, reference_results = (
        json.loads((folder / "all_results.json").read_text()) for folder in (out, uninterrupted)
    )
    for key in ("completed_steps", "history", "train_clips_per_process"):
        assert results[key] == reference_results[key], key
    other = run(FINETUNE, *same, *TINY_MODEL, "--learning_rate", "0.5", check=False)
    assert other.returncode == 2 and "already holds a previous run" in other.stderr.strip().splitlines()[-1]
    # A finished run that kept no checkpoint (the README's main job keeps none): the same command runs again from the
    # start in place of its outputs (deterministic: the same weights), a stale evaluation folder of it removed.
    shutil.rmtree(out / "checkpoints")
    (out / "eval_x_test_1x1").mkdir()
    (out / "eval_x_test_1x1" / "eval_results.json").write_text("{}")
    result = run(FINETUNE, *same, *TINY_MODEL)
    assert "no checkpoint to continue from: running it again from the start" in result.stderr
    assert "the same command again: removed the previous run's" in result.stderr  # not a flag the user never gave
    assert "--overwrite_output_dir: removed" not in result.stderr
    assert not (out / "eval_x_test_1x1").exists()
    again = weights(out)
    for name in reference:
        torch.testing.assert_close(again[name], reference[name], rtol=0, atol=0, msg=name)
    shutil.rmtree(out / "checkpoints")
    other = run(FINETUNE, *same, *TINY_MODEL, "--seed", "3", check=False)
    assert other.returncode == 2 and "already holds a previous run" in other.stderr.strip().splitlines()[-1]


def test_trained_again_names_only_the_finished_runs_steps_after_the_checkpoint(tmp_path):
    """What a resume trains again is read from the finished run's all_results.json: none for no finished run, a run
    finished at the checkpoint, or results of an earlier, shorter run (a resume with more steps killed after its first
    checkpoint: its steps after the checkpoint were never trained)."""
    assert trained_again(tmp_path, 2) is None
    (tmp_path / "all_results.json").write_text(json.dumps({"completed_steps": 3}))
    assert "finished at step 3, after its last checkpoint (step 2): training step 3 again" in trained_again(tmp_path, 2)
    assert trained_again(tmp_path, 3) is None and trained_again(tmp_path, 4) is None
    # --resume_from_checkpoint .../step_1 of that run, whose step_2 is there: it goes back on the run, not past its end
    for steps in (1, 2):
        (tmp_path / "checkpoints" / f"step_{steps}").mkdir(parents=True)
        (tmp_path / "checkpoints" / f"step_{steps}" / STATE_FILE).write_text(json.dumps({"completed_steps": steps}))
    assert trained_again(tmp_path, 1) is None and "training step 3 again" in trained_again(tmp_path, 2)
    (tmp_path / "all_results.json").write_text("[]")
    assert trained_again(tmp_path, 2) is None


def test_resume_refuses_another_model_before_loading_any_data(videofolder, uninterrupted, tmp_path):
    """A checkpoint of 4-frame clips does not load into an 8-frame model (it was a state_dict traceback after the
    data set had been read): one line naming the flag, before the data is touched."""
    shutil.copytree(uninterrupted / "checkpoints", tmp_path / "checkpoints")
    flags = list(TINY_MODEL)
    flags[flags.index("--num_frames") + 1] = "8"
    flags[flags.index("--model") + 1] = "factorised_encoder"
    result = run(
        FINETUNE,
        "--dataset",
        videofolder,
        "--output_dir",
        tmp_path,
        "--num_train_epochs",
        "2",
        *flags,
        "--resume_from_checkpoint",
        "latest",
        check=False,
    )
    assert result.returncode == 2, result.stderr[-3000:]  # the user's flags: argparse's status
    last = result.stderr.strip().splitlines()[-1]
    for text in ("--num_frames 4 -> 8", "--model 'spatio_temporal' -> 'factorised_encoder'", "step_12"):
        assert text in last, (text, result.stderr[-3000:])
    assert "Traceback" not in result.stderr and "training clips" not in result.stderr


def test_resume_from_a_transformers_trainer_checkpoint_is_refused_naming_init_from(finetune_module, tmp_path):
    """transformers' Trainer writes a trainer_state.json in its checkpoints too (`global_step`, no `completed_steps`):
    resumed from one, the recipe loaded the data and the model and died in a FileNotFoundError traceback for
    accelerate's optimizer.bin. It is refused before anything loads, naming --init_from, which takes its weights."""
    recipe = load_recipe()
    checkpoint = tmp_path / "trainer_out" / "checkpoint-500"
    checkpoint.mkdir(parents=True)
    (checkpoint / "trainer_state.json").write_text(json.dumps({"global_step": 500, "epoch": 2.0, "log_history": []}))
    (checkpoint / "optimizer.pt").write_bytes(b"")
    args = finetune_module.parse_args(
        ["--dataset", "synthetic", "--output_dir", str(tmp_path / "run"), "--resume_from_checkpoint", str(checkpoint)]
    )
    with pytest.raises(recipe.CommandLineRefused) as refused:
        recipe.find_resume_checkpoint(args, tmp_path / "run", {})
    assert refused.value.message == (
        f"--resume_from_checkpoint {checkpoint}: a checkpoint of transformers' Trainer (step 500), not of this recipe, "
        "which cannot continue Trainer's optimiser, scheduler and data order; to fine-tune on from its weights, start "
        f"a run with --init_from {checkpoint}"
    )


def test_resume_refuses_another_init_from_naming_it(videofolder, uninterrupted, tiny_vit, tmp_path):
    """A run trained from scratch, resumed with `--init_from` an image ViT of the same shapes: the checkpoint's weights
    replaced the ViT's and its card named the ViT as the base model it never started from (another shape died in a
    size-mismatch traceback once the data had loaded). Refused before any data is read, naming the flag."""
    shutil.copytree(uninterrupted / "checkpoints", tmp_path / "checkpoints")
    flags = list(TINY_MODEL)
    del flags[flags.index("--model_size") : flags.index("--model_size") + 2]  # the ViT's size (a flag refused with it)
    result = run(
        FINETUNE,
        "--dataset",
        videofolder,
        "--output_dir",
        tmp_path,
        "--num_train_epochs",
        "2",
        *flags,
        "--init_from",
        tiny_vit[1],
        "--resume_from_checkpoint",
        "latest",
        check=False,
    )
    last = result.stderr.strip().splitlines()[-1]
    assert result.returncode != 0 and f"--init_from (not given) -> '{tiny_vit[1]}'" in last, result.stderr[-3000:]
    assert "training clips" not in result.stderr and not (tmp_path / "README.md").exists()


def test_an_init_from_folder_typed_another_way_is_the_same_on_resume(finetune_module, tmp_path, monkeypatch):
    """`vit`, `./vit` and its absolute path are one --init_from; another folder is refused, old -> new."""
    for name in ("vit", "other"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "config.json").write_text("{}")  # (a folder without one is refused, holding no model)
    monkeypatch.chdir(tmp_path)

    def settings(init_from):
        return finetune_module.run_settings(finetune_module.parse_args(["--init_from", init_from]), 1)

    recorded = json.loads(json.dumps(settings("vit")))
    assert finetune_module.check_resume_settings(recorded, settings(str(tmp_path / "vit"))) == []
    assert finetune_module.check_resume_settings(recorded, settings("./vit/")) == []
    with pytest.raises(ValueError, match=r"--init_from '.*vit' -> '.*other'"):
        finetune_module.check_resume_settings(recorded, settings("other"))


def test_resume_refuses_data_whose_classes_changed_naming_them(videofolder, tmp_path):
    """The checkpoint records its label map: data that gives another is refused in one line, before training. With as
    many classes (one renamed) it used to resume silently, the classifier's rows answering shifted classes; with one
    more class it died in a `size mismatch` traceback after the data had loaded. The same command run again (which
    resumes on its own) is checked the same way."""
    data, out = tmp_path / "data", tmp_path / "out"
    shutil.copytree(videofolder, data)
    same = [
        "--dataset",
        data,
        "--output_dir",
        out,
        "--num_train_epochs",
        "1",
        "--checkpointing_steps",
        "2",
        *TINY_MODEL,
    ]
    run(FINETUNE, *same)
    state = json.loads((out / "checkpoints" / "step_6" / "trainer_state.json").read_text())
    assert state["id2label"] == {"0": "down", "1": "up"}
    before = weights(out)
    for split in ("train", "test"):  # as many classes, one renamed: up moves from id 1 to 0
        (data / split / "down").rename(data / split / "zed")
    result = run(FINETUNE, *same, check=False)
    last = result.stderr.strip().splitlines()[-1]
    assert result.returncode != 0 and "Traceback" not in result.stderr, result.stderr[-3000:]
    for text in ("step_6", "only in the checkpoint: 'down'", "only in the data: 'zed'", "renumbered: 'up' 1 -> 0"):
        assert text in last, (text, last)
    assert "--overwrite_output_dir" in last and "another --output_dir" in last
    for split in ("train", "test"):  # one class more
        (data / split / "zed").rename(data / split / "down")
        shutil.copytree(data / split / "up", data / split / "eel")
    result = run(FINETUNE, *same, "--resume_from_checkpoint", "latest", check=False)
    last = result.stderr.strip().splitlines()[-1]
    assert result.returncode != 0 and "Traceback" not in result.stderr, result.stderr[-3000:]
    assert "trained on 2 classes" in last and "now gives 3" in last and "only in the data: 'eel'" in last, last
    assert "size mismatch" not in result.stderr
    after = weights(out)
    assert all(torch.equal(before[name], after[name]) for name in before)


def test_a_new_learning_rate_weight_decay_and_momentum_take_effect_on_resume(finetune_module):
    """The checkpoint's optimiser and scheduler state carry its learning rate, weight decay and momentum; loading
    them put the old values back, silently. After `apply_resumed_hyperparameters` the schedule goes on from the same
    step with the new peak: lr = new peak x the schedule's factor at that step (cosine after warm-up, by hand)."""
    import math

    from transformers import get_scheduler

    def build(args):
        parameter = torch.nn.Parameter(torch.ones(3))
        optimizer = torch.optim.SGD([parameter], lr=args.learning_rate, momentum=args.momentum, weight_decay=1e-4)
        scheduler = get_scheduler("cosine", optimizer=optimizer, num_warmup_steps=2, num_training_steps=20)
        return parameter, optimizer, scheduler

    old = finetune_module.parse_args(
        ["--optimizer", "sgd", "--learning_rate", "0.1", "--momentum", "0.9", "--weight_decay", "1e-4"]
    )
    parameter, optimizer, scheduler = build(old)
    for _ in range(6):
        parameter.grad = torch.ones(3)
        optimizer.step()
        scheduler.step()
    saved = json.loads(json.dumps(finetune_module.run_settings(old, 1)))
    new = finetune_module.parse_args(
        ["--optimizer", "sgd", "--learning_rate", "0.4", "--momentum", "0.5", "--weight_decay", "0.01"]
    )
    _, resumed_optimizer, resumed_scheduler = build(new)
    resumed_optimizer.load_state_dict(optimizer.state_dict())
    resumed_scheduler.load_state_dict(scheduler.state_dict())

    def cosine(step):  # transformers' cosine schedule after 2 warm-up steps of 20
        return 0.5 * (1 + math.cos(math.pi * (step - 2) / 18))

    assert resumed_optimizer.param_groups[0]["lr"] == pytest.approx(0.1 * cosine(6))  # the checkpoint's, not ours
    applied = finetune_module.apply_resumed_hyperparameters(resumed_optimizer, resumed_scheduler, new, saved)
    assert applied == ["--learning_rate 0.1 -> 0.4", "--weight_decay 0.0001 -> 0.01", "--momentum 0.9 -> 0.5"]
    group = resumed_optimizer.param_groups[0]
    assert (group["lr"], group["weight_decay"], group["momentum"]) == (pytest.approx(0.4 * cosine(6)), 0.01, 0.5)
    assert resumed_scheduler.get_last_lr() == [pytest.approx(0.4 * cosine(6))]
    resumed_optimizer.step()
    resumed_scheduler.step()
    assert group["lr"] == pytest.approx(0.4 * cosine(7))
    assert finetune_module.apply_resumed_hyperparameters(resumed_optimizer, resumed_scheduler, new, None) == []


def test_a_resume_with_another_schedule_trains_its_first_step_at_the_new_schedules_rate(finetune_module):
    """The checkpoint's optimiser state holds the rate its schedule set for the next step: resumed with another
    --max_train_steps, warm-up or --lr_scheduler_type (a warning says which), the first resumed step trained at the
    old schedule's rate, the new one applying only from the second (cosine over 20 steps at step 6 is 0.75 of the
    peak, over 40 steps 0.96; a warm-up of 10 steps dropped at step 6: 0.6 where it is 1). The same schedule
    resumed keeps the checkpoint's rate to the last bit."""
    import math

    from transformers import get_scheduler

    args = finetune_module.parse_args(["--optimizer", "sgd", "--learning_rate", "0.1", "--momentum", "0.9"])
    saved = json.loads(json.dumps(finetune_module.run_settings(args, 1)))

    def build(kind, warmup, total):
        parameter = torch.nn.Parameter(torch.ones(3))
        optimizer = torch.optim.SGD([parameter], lr=0.1, momentum=0.9)
        return parameter, optimizer, get_scheduler(kind, optimizer, num_warmup_steps=warmup, num_training_steps=total)

    parameter, optimizer, scheduler = build("cosine", 2, 20)
    for _ in range(6):
        parameter.grad = torch.ones(3)
        optimizer.step()
        scheduler.step()
    for (kind, warmup, total), factor in [
        (("cosine", 2, 40), 0.5 * (1 + math.cos(math.pi * 4 / 38))),
        (("constant", 0, 20), 1.0),
        (("linear", 10, 20), 0.6),
    ]:
        _, resumed_optimizer, resumed_scheduler = build(kind, warmup, total)
        resumed_optimizer.load_state_dict(optimizer.state_dict())
        resumed_scheduler.load_state_dict(scheduler.state_dict())
        assert finetune_module.apply_resumed_hyperparameters(resumed_optimizer, resumed_scheduler, args, saved) == []
        assert resumed_optimizer.param_groups[0]["lr"] == pytest.approx(0.1 * factor), kind
        assert resumed_scheduler.get_last_lr() == [pytest.approx(0.1 * factor)]
    _, resumed_optimizer, resumed_scheduler = build("cosine", 2, 20)
    resumed_optimizer.load_state_dict(optimizer.state_dict())
    resumed_scheduler.load_state_dict(scheduler.state_dict())
    finetune_module.apply_resumed_hyperparameters(resumed_optimizer, resumed_scheduler, args, saved)
    assert resumed_optimizer.param_groups[0]["lr"] == optimizer.param_groups[0]["lr"]  # bit for bit


def test_resume_settings_warn_about_the_optimisation_and_old_checkpoints(finetune_module):
    args = finetune_module.parse_args(["--learning_rate", "0.1"])
    saved = finetune_module.run_settings(args, 1)
    same = json.loads(json.dumps(saved))  # as read back from trainer_state.json
    assert finetune_module.check_resume_settings(same, finetune_module.run_settings(args, 1)) == []
    args.learning_rate = 0.2
    warnings = finetune_module.check_resume_settings(same, finetune_module.run_settings(args, 1))
    assert warnings == ["resuming with a different --learning_rate 0.1 -> 0.2"]
    args.max_train_steps = 8  # the schedule's length: it changed without a word
    warnings = finetune_module.check_resume_settings(same, finetune_module.run_settings(args, 1))
    assert warnings[-1] == "resuming with a different --max_train_steps (not given) -> 8"
    eight = json.loads(json.dumps(finetune_module.run_settings(args, 1)))
    args.max_train_steps = None  # left out on the resume: printed as "8 -> None", a value no one typed
    warnings = finetune_module.check_resume_settings(eight, finetune_module.run_settings(args, 1))
    assert warnings[-1] == "resuming with a different --max_train_steps 8 -> (not given)"
    with pytest.raises(ValueError, match=r"processes \(accelerate launch\) 1 -> 2"):
        finetune_module.check_resume_settings(same, finetune_module.run_settings(args, 2))
    assert "older version" in finetune_module.check_resume_settings(None, saved)[0]
    # "batches" edited to null: `name in None`, a TypeError traceback; now said unchecked (`recorded_batches`)
    unrecorded = {**same, "batches": None}
    assert finetune_module.check_resume_settings(unrecorded, saved) == [
        "the checkpoint records no batch settings: they cannot be checked"
    ]
    # "model", "clips" or "other" edited to null: `name in None` too; said unchecked, as "batches" (`recorded_group`)
    for group, name in (("model", "model"), ("clips", "clip"), ("other", "other")):
        assert finetune_module.check_resume_settings({**same, group: None}, saved) == [
            f"the checkpoint records no {name} settings: they cannot be checked"
        ]


def test_a_resume_whose_preset_changed_since_says_so_not_that_a_flag_was_typed(finetune_module):
    """kinetics400_vivit_b_fe's learning rate became scenic's 5e-2 (it was 0.1): a run of the old preset, resumed
    with the same command, trains on at 0.05 and said "resuming with a different --learning_rate 0.1 -> 0.05" and
    "applied --learning_rate 0.1 -> 0.05", as though the user had typed it. It now says that the preset's value
    changed, which value is used and the flag that keeps the checkpoint's."""
    flags = ["--preset", "kinetics400_vivit_b_fe", "--dataset", "k400", "--init_from", "google/vit-base-patch16-224"]
    args = finetune_module.parse_args(flags, check_paths=False)
    saved = json.loads(json.dumps(finetune_module.run_settings(args, 1)))
    saved["other"]["learning_rate"] = 0.1  # as the older version recorded it
    assert finetune_module.check_resume_settings(saved, finetune_module.run_settings(args, 1), args) == [
        "resuming with --learning_rate 0.05, the value of --preset kinetics400_vivit_b_fe (not typed): the preset's "
        "value has changed since the checkpoint was written, trained with 0.1; give --learning_rate 0.1 to keep that"
    ]
    model = torch.nn.Linear(2, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1.0)
    applied = finetune_module.apply_resumed_hyperparameters(optimizer, scheduler, args, saved)
    assert applied == ["--learning_rate 0.1 -> 0.05 (the preset's)"] and optimizer.param_groups[0]["lr"] == 0.05
    saved["other"]["learning_rate"] = 0.3  # typed on the run that wrote the checkpoint, left out now
    warning = finetune_module.check_resume_settings(saved, finetune_module.run_settings(args, 1), args)[0]
    assert warning.endswith(
        "(not typed), where the checkpoint was trained with 0.3; give --learning_rate 0.3 to keep that"
    )
    typed = finetune_module.parse_args([*flags, "--learning_rate", "0.05"], check_paths=False)
    assert finetune_module.check_resume_settings(saved, finetune_module.run_settings(typed, 1), typed) == [
        "resuming with a different --learning_rate 0.3 -> 0.05"  # typed: the user's change, said as before
    ]


def test_the_same_command_on_a_folder_of_the_presets_earlier_value_is_refused_naming_it(finetune_module, tmp_path):
    """The same command run again on a kinetics400_vivit_b_fe folder written while the preset's learning rate was 0.1
    (5e-2 now) is another run, refused: the refusal said only "already holds a previous run", which the user had
    typed the very command of. It now names the preset's value then and now and the flag that continues the run; a
    folder of a run that differs otherwise too says nothing of the preset."""
    recipe = load_recipe()
    folder = tmp_path / "run"
    folder.mkdir()
    flags = ["--preset", "kinetics400_vivit_b_fe", "--dataset", "k400", "--output_dir", folder, "--init_from", "vit"]
    args = finetune_module.parse_args(list(map(str, flags)), check_paths=False)
    run = finetune_module.parse_args(list(map(str, flags)), check_paths=False)  # as the run resolved its batch
    run.gradient_accumulation_steps, run.effective_total_batch_size, _ = finetune_module.resolve_batch_size(run, 1)
    saved = json.loads(json.dumps(finetune_module.run_settings(run, 1)))
    saved["other"]["learning_rate"] = 0.1  # as the older version recorded it
    (folder / "run_settings.json").write_text(json.dumps({"settings": saved}))
    with pytest.raises(recipe.CommandLineRefused) as refused:
        recipe.decide_the_rest(args, folder, 1)
    assert refused.value.message.endswith(
        "It is a run of this command as --preset kinetics400_vivit_b_fe was when it was written, with --learning_rate "
        "0.1; the preset's value has changed since (--learning_rate 0.05). Add --learning_rate 0.1 to the command to "
        "go on with it"
    )
    with_it = finetune_module.parse_args(list(map(str, [*flags, "--learning_rate", "0.1"])), check_paths=False)
    assert recipe.decide_the_rest(with_it, folder, 1)[0] == ("restart", None)  # the same command, as it said
    saved["other"]["drop_path_rate"] = 0.5  # another run besides
    (folder / "run_settings.json").write_text(json.dumps({"settings": saved}))
    with pytest.raises(recipe.CommandLineRefused) as refused:
        recipe.decide_the_rest(args, folder, 1)
    assert "already holds a previous run" in refused.value.message and "preset" not in refused.value.message


def test_the_same_command_on_a_folder_of_a_run_on_other_processes_is_refused_naming_its_process_count(
    finetune_module, tmp_path, monkeypatch
):
    """A run of two processes (accelerate launch) run again as `python recipes/finetune.py` with the very same flags is
    another run, refused, and the refusal offered `--resume_from_checkpoint latest`, which the checkpoint then refused
    (processes 2 -> 1): the first line named no process count. It now says the run's and the launch's."""
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    recipe = load_recipe()
    folder = tmp_path / "run"
    folder.mkdir()
    flags = ["--dataset", "clips", "--output_dir", folder, "--per_device_train_batch_size", "2"]
    args = finetune_module.parse_args(list(map(str, flags)), check_paths=False)
    run = finetune_module.parse_args(list(map(str, flags)), check_paths=False)  # as the 2-process run resolved it
    run.gradient_accumulation_steps, run.effective_total_batch_size, _ = finetune_module.resolve_batch_size(run, 2)
    saved = json.loads(json.dumps(finetune_module.run_settings(run, 2)))
    (folder / "run_settings.json").write_text(json.dumps({"settings": saved}))
    with pytest.raises(recipe.CommandLineRefused) as refused:
        recipe.decide_the_rest(args, folder, 1)
    assert refused.value.message.endswith(
        "It is a run of this command launched on 2 processes, and this launch has 1: launch it on 2 processes to go "
        "on with it (a checkpoint resumes on the process count it trained on)"
    )
    saved["other"]["drop_path_rate"] = 0.5  # another run besides
    (folder / "run_settings.json").write_text(json.dumps({"settings": saved}))
    with pytest.raises(recipe.CommandLineRefused) as refused:
        recipe.decide_the_rest(args, folder, 1)
    assert "already holds a previous run" in refused.value.message and "launched on" not in refused.value.message


def test_every_flag_is_a_recorded_setting_or_says_it_changes_nothing(finetune_module):
    """A flag left out of the recorded settings made a run with another value "the same command" (continued from
    its checkpoint, its outputs written again) and a resume with it went on without a word: --frame_stride,
    --resize_shortest_edge and the augmentations were, so that a finished run's weights were saved with a processor
    for another stride. Each flag now says what it is."""
    groups = {
        "batches": finetune_module.BATCH_SETTINGS,
        "model": finetune_module.MODEL_SETTINGS,
        "clips": finetune_module.CLIP_SETTINGS,
        "other": finetune_module.OTHER_SETTINGS,
        "operational": finetune_module.OPERATIONAL_FLAGS,
        "recorded when on": tuple(RECORDED_WHEN_ON),
    }
    named = [name for names in groups.values() for name in names]
    assert len(named) == len(set(named)), "a flag in two groups"
    flags = set(vars(finetune_module.parse_args([]))) | {"num_processes", "effective_total_batch_size"}
    assert flags == set(named), f"unclassified: {sorted(flags - set(named))}; gone: {sorted(set(named) - flags)}"


# A flag of each recorded group, another value than the default: (flags, refused as, or the warning's change)
CHANGED_SETTINGS = [
    (["--frame_stride", "1"], "clips sampled or scaled otherwise.*--frame_stride 2 -> 1"),
    (["--resize_shortest_edge", "40"], "clips sampled or scaled otherwise.*--resize_shortest_edge 32 -> 40"),
    (["--short_video", "loop"], r"clips sampled or scaled otherwise.*--short_video \(not given\) -> 'loop'"),
    (["--freeze", "vivit.embeddings"], "another model or optimiser.*--freeze"),
    # (a column typed where the run left it out is compared once the data set is read: see the test after this one)
    (["--dataset_revision", "v2"], r"other batches.*--dataset_revision \(not given\) -> 'v2'"),
    (["--do_flip", "true"], "--do_flip False -> True"),
    (["--scale_jitter", "1.0", "1.5"], "--scale_jitter [1.0, 1.25] -> [1.0, 1.5]"),
    (["--color_jitter", "true"], "--color_jitter False -> True"),
    (["--rand_augment", "2", "15"], "--rand_augment (not given) -> [2, 15]"),
    (["--drop_path_rate", "0.2"], "--drop_path_rate 0.0 -> 0.2"),
    (["--hidden_dropout_prob", "0.0"], "--hidden_dropout_prob 0.1 -> 0.0"),
    (["--mixed_precision", "bf16"], "--mixed_precision 'no' -> 'bf16'"),  # nothing asked: accelerate's 'no'
    (["--positional_embedding", "random"], "--positional_embedding 'resize_tile' -> 'random'"),
    (["--eval_num_clips", "4"], "--eval_num_clips 1 -> 4"),
]


@pytest.mark.parametrize("flags, expected", CHANGED_SETTINGS, ids=[flags[0] for flags, _ in CHANGED_SETTINGS])
def test_a_run_with_another_stride_scale_augmentation_or_precision_is_not_the_same_command(
    finetune_module, flags, expected
):
    hub = ["--dataset", "org/clips", "--dataset_format", "hub", "--init_from", "google/vit-base-patch16-224"]
    saved = json.loads(json.dumps(finetune_module.run_settings(finetune_module.parse_args(hub), 1)))
    current = finetune_module.run_settings(finetune_module.parse_args([*hub, *flags]), 1)
    assert not finetune_module.same_settings(saved, json.loads(json.dumps(current)))  # refused as another run
    if expected.startswith("--"):  # may change on resume, said
        assert finetune_module.check_resume_settings(saved, current) == [f"resuming with a different {expected}"]
    else:
        with pytest.raises(ValueError, match=expected):
            finetune_module.check_resume_settings(saved, current)


def test_a_resume_naming_the_data_set_folder_another_way_is_the_same_data_set(finetune_module, tmp_path, monkeypatch):
    # A run started with --dataset /abs/path/data and resumed with --dataset data (or ./data, ~/...) was refused:
    # "the checkpoint was trained with other batches ... --dataset '/abs/path/data' -> 'data'".
    (tmp_path / "data").mkdir()
    (tmp_path / "other").mkdir()
    monkeypatch.chdir(tmp_path)
    args = finetune_module.parse_args(["--dataset", str(tmp_path / "data")])
    saved = json.loads(json.dumps(finetune_module.run_settings(args, 1)))
    for typed in ("data", "./data", "other/../data"):
        args.dataset = typed
        assert finetune_module.check_resume_settings(saved, finetune_module.run_settings(args, 1)) == []
        assert finetune_module.same_settings(saved, json.loads(json.dumps(finetune_module.run_settings(args, 1))))
    for typed in ("other", "owner/data"):  # another folder; a Hub id (no such folder here)
        args.dataset = typed
        with pytest.raises(ValueError, match=f"--dataset '{tmp_path / 'data'}' -> '{typed}'"):
            finetune_module.check_resume_settings(saved, finetune_module.run_settings(args, 1))
        assert not finetune_module.same_settings(saved, json.loads(json.dumps(finetune_module.run_settings(args, 1))))


def test_a_resume_naming_the_configuration_another_way_is_the_same_configuration(finetune_module, tmp_path):
    # UCF101's split 1 typed `split1` and resumed as `1` (or left out: split 1 too), EPIC-55 as `epic55` and `55`:
    # refused as "other batches", and evaluate.py took the model for one of other data (`training_split`).
    from argparse import Namespace

    from vivit_hf.training.evaluation import fine_tuning_record, subset_seed_note, training_split
    from vivit_hf.training.resume import write_run_settings

    cases = [
        ("ucf101", "split1", ("1", "01", "Split_1", None), ("2", "split3")),
        ("epic_kitchens", "epic55", ("55", "EPIC-Kitchens-55"), ("100", None)),
    ]
    for dataset_format, typed, same, other in cases:
        args = finetune_module.parse_args(
            ["--dataset", str(tmp_path), "--dataset_format", dataset_format, "--dataset_config_name", typed]
        )
        saved = json.loads(json.dumps(finetune_module.run_settings(args, 1)))
        for name in same:
            args.dataset_config_name = name
            assert finetune_module.check_resume_settings(saved, finetune_module.run_settings(args, 1)) == [], name
            assert finetune_module.same_settings(saved, json.loads(json.dumps(finetune_module.run_settings(args, 1))))
        for name in other:
            args.dataset_config_name = name
            with pytest.raises(ValueError, match=f"--dataset_config_name {typed!r} -> "):
                finetune_module.check_resume_settings(saved, finetune_module.run_settings(args, 1))
    # a `datasets` repo's configurations are its own names: `1` is not `split1` there
    args = finetune_module.parse_args(
        ["--dataset", str(tmp_path), "--dataset_format", "hub", "--dataset_config_name", "split1"]
    )
    saved = json.loads(json.dumps(finetune_module.run_settings(args, 1)))
    args.dataset_config_name = "1"
    assert not finetune_module.same_settings(saved, json.loads(json.dumps(finetune_module.run_settings(args, 1))))
    # a save_to_disk folder, which an earlier version read whole past a configuration name (now refused): a run
    # recorded with one was refused as "other batches" resumed without it, the only way left to resume it
    import datasets

    from vivit_hf.training.resume import settings_as_typed_here

    folder = str(tmp_path / "saved")
    datasets.Dataset.from_dict({"label": [0]}).save_to_disk(folder)
    args = finetune_module.parse_args(["--dataset", folder, "--dataset_format", "hub", "--dataset_config_name", "big"])
    recorded = json.loads(json.dumps(finetune_module.run_settings(args, 1)))
    args.dataset_config_name = None
    saved = settings_as_typed_here(recorded, None, folder)
    assert finetune_module.check_resume_settings(saved, finetune_module.run_settings(args, 1)) == []
    assert finetune_module.same_settings(saved, json.loads(json.dumps(finetune_module.run_settings(args, 1))))
    # evaluate.py: the split the model trained on, by the settings its folder records
    model = tmp_path / "model"
    model.mkdir()
    args = finetune_module.parse_args(
        ["--dataset", str(tmp_path), "--dataset_format", "ucf101", "--dataset_config_name", "split1"]
    )
    write_run_settings(model, finetune_module.run_settings(args, 1), str(tmp_path), None)
    (model / "all_results.json").write_text("{}")
    flags = dict(model=str(model), dataset=str(tmp_path), dataset_format="ucf101", dataset_revision=None)
    record = fine_tuning_record(Namespace(**flags))
    assert training_split(Namespace(**flags, dataset_config_name="1"), record) == ("train", None, args.seed)
    assert training_split(Namespace(**flags, dataset_config_name="2"), record) is None
    # its --max_eval_samples subset, drawn with its --seed: evaluate.py, --seed left out, draws with 0 (the same clips
    # for every model) and said nothing of scoring other clips than the run's results; now it says so
    ours = Namespace(**flags, dataset_config_name="1", seed=0, max_eval_samples=8)
    assert subset_seed_note(ours, set(), record) is None  # the run scored its split whole
    typed = ["--dataset_config_name", "split1", "--seed", "42", "--max_eval_samples", "8"]
    args = finetune_module.parse_args(["--dataset", str(tmp_path), "--dataset_format", "ucf101", *typed])
    write_run_settings(model, finetune_module.run_settings(args, 1), str(tmp_path), None)
    record = fine_tuning_record(ours)
    assert subset_seed_note(ours, set(), record) == (
        f"--model {model} was fine-tuned with --seed 42, which drew its --max_eval_samples 8 subset; this one is drawn "
        "with --seed 0, so its clips differ from those its results scored (type --seed 42 to draw as it did)"
    )
    assert subset_seed_note(ours, {"seed"}, record) is None  # --seed 0 typed: the user's choice
    assert subset_seed_note(Namespace(**{**vars(ours), "seed": 42}), set(), record) is None


def test_the_model_card_names_the_configuration_as_the_data_set_names_it(finetune_module, tmp_path):
    # `--dataset_config_name Split_01` was recorded on the card (and its model-index `dataset.config`) as typed, where
    # `1` gave `1` for the same split; a `datasets` repo's names are its own, kept as typed
    recipe = load_recipe()
    cases = [
        ("ucf101", "Split_01", "1"),
        ("hmdb51", "split3", "3"),
        ("epic_kitchens", "EPIC-Kitchens-55", "55"),
        ("hub", "Split_01", "Split_01"),
        ("ucf101", None, None),
    ]
    for dataset_format, typed, known in cases:
        named = ["--dataset_config_name", typed] if typed else []
        args = finetune_module.parse_args(["--dataset", str(tmp_path), "--dataset_format", dataset_format, *named])
        assert recipe.card_dataset(args)["dataset_config"] == known, (dataset_format, typed)


def test_a_resume_typing_the_default_revision_or_the_column_read_is_the_same_run(finetune_module, tmp_path):
    # `--dataset_revision main` where the run left it out (the Hub's default branch), `--video_column video` where it
    # left out the column the data set names: refused as "other batches", and the same command as "another run"
    from vivit_hf.training.data.examples import VideoClassificationData
    from vivit_hf.training.resume import check_resume_columns, write_run_settings

    recipe = load_recipe()

    def parsed(*flags):  # with its batch resolved, as the recipe records it
        args = finetune_module.parse_args(["--dataset", "org/clips", "--dataset_format", "hub", *flags])
        args.gradient_accumulation_steps, args.effective_total_batch_size, _ = recipe.resolve_batch_size(args, 1)
        return args, json.loads(json.dumps(finetune_module.run_settings(args, 1)))

    def read(video, detected):  # what the data set, once read, gives: the column read, the one named alone
        columns = {"video_column": video, "label_column": "label"}
        return VideoClassificationData({}, {"label": []}, columns=columns, detected_columns={**columns, **detected})

    saved = parsed()[1]
    write_run_settings(tmp_path, saved, "org/clips", None)
    for flags in (["--dataset_revision", "main"], ["--video_column", "video"], ["--label_column", "label"]):
        args, settings = parsed(*flags)
        assert finetune_module.check_resume_settings(saved, settings) == [], flags
        check_resume_columns(saved, args, read(args.video_column or "video", {}))
        # rerun without a checkpoint, it starts over in place of the run: the same run only where no column is left
        # to check (that the one typed is the one read is known once the data set is, after the run is removed)
        again = recipe.same_command_run(args, tmp_path)
        assert again == (None if args.video_column or args.label_column else ("restart", None)), flags
    # another column: refused once the data set is read, typed now or then
    args, typed = parsed("--video_column", "rgb")
    assert finetune_module.check_resume_settings(saved, typed) == []
    with pytest.raises(ValueError, match=r"--video_column \(not given\) -> 'rgb' reads the column 'rgb', where the "):
        check_resume_columns(saved, args, read("rgb", {"video_column": "video"}))
    args.video_column = None
    with pytest.raises(ValueError, match=r"'rgb' -> \(not given\) reads the column 'video', where the .* 'rgb'; give"):
        check_resume_columns(typed, args, read("video", {}))
    with pytest.raises(ValueError, match=r"--dataset_revision \(not given\) -> 'v2'"):  # another revision: at once
        finetune_module.check_resume_settings(saved, parsed("--dataset_revision", "v2")[1])
    # a checkpoint of a version that recorded no columns: what its run read is unknown, so nothing is said of it
    unrecorded = {**saved, "batches": {k: v for k, v in saved["batches"].items() if not k.endswith("_column")}}
    args = parsed("--video_column", "rgb")[0]
    check_resume_columns(unrecorded, args, read("rgb", {"video_column": "video"}))
    # the columns its run read, recorded (`columns_read`): a run that left --video_column out read `rgb`, and the table
    # has gained a `video` column since, which the flag left out now reads. `--video_column rgb` resumes it (it was
    # refused with "give --video_column video"); left out again, it reads `video`: refused (it was resumed silently)
    rgb = {"video_column": "rgb", "label_column": "label"}
    check_resume_columns(saved, args, read("rgb", {"video_column": "video"}), rgb)
    args.video_column = None
    with pytest.raises(ValueError, match=r"--video_column \(not given\) reads the column 'video', where the check"):
        check_resume_columns(saved, args, read("video", {}), rgb)
    with pytest.raises(
        ValueError, match=r"'rgb' -> \(not given\) reads the column 'video', .* give --video_column rgb$"
    ):
        check_resume_columns(typed, args, read("video", {}), rgb)  # typed then, the record says the same


def test_decoded_clips_in_memory_and_worker_processes_change_no_weight(videofolder, uninterrupted, tmp_path):
    # The reference decoded the tiny set once into memory (--cache_decoded_videos auto) and read it in the
    # training process; here every clip is decoded each time, in two persistent worker processes.
    run(
        FINETUNE,
        "--dataset",
        videofolder,
        "--output_dir",
        tmp_path,
        "--num_train_epochs",
        "2",
        *TINY_MODEL,
        "--cache_decoded_videos",
        "no",
        "--num_workers",
        "2",
    )
    trained, reference = weights(tmp_path), weights(uninterrupted)
    for name in reference:
        torch.testing.assert_close(trained[name], reference[name], rtol=0, atol=0, msg=name)


def test_auto_caches_decoded_clips_only_within_the_budget(finetune_module, videofolder):
    from accelerate import PartialState

    from vivit_hf.processing.processing_vivit import ViViTVideoProcessor
    from vivit_hf.training.data.formats import load_video_dataset

    PartialState()  # the recipe logs its choice through accelerate
    data = load_video_dataset(videofolder, "videofolder")
    processor = ViViTVideoProcessor(
        num_frames=4, frame_stride=1, size={"shortest_edge": 16}, crop_size={"height": 16, "width": 16}
    )
    decoded = 12 * 6 * 16 * 24 * 3 + 6 * 6 * 16 * 24 * 3  # clips x frames x 16 x 24 pixels x RGB
    for budget, cached in ((decoded / 2**20, True), (decoded / 2**20 * 0.9, False)):
        args = finetune_module.parse_args([*TINY_MODEL, "--cache_budget_mib", str(budget)])
        train, evaluation = finetune_module.build_datasets(args, data.split("train"), data.split("test"), processor)
        assert (train.cache is not None, evaluation.cache is not None) == (cached, cached), budget
    args = finetune_module.parse_args([*TINY_MODEL, "--cache_decoded_videos", "no"])
    train, _ = finetune_module.build_datasets(args, data.split("train"), data.split("test"), processor)
    assert train.cache is None
    # Clips none of whose probes decodes have no size estimate: "auto" does not take them for small (it counted 0).
    broken = [dict(example, video=str(videofolder / "missing.mp4")) for example in data.split("test")]
    args = finetune_module.parse_args([*TINY_MODEL, "--cache_budget_mib", str(decoded)])
    train, evaluation = finetune_module.build_datasets(args, data.split("train"), broken, processor)
    assert train.cache is None and evaluation.cache is None


def test_evaluate_multi_view_equals_the_average_of_single_views_by_hand(videofolder, uninterrupted, tmp_path):
    from transformers import AutoModelForVideoClassification

    import vivit_hf  # noqa: F401
    from vivit_hf.processing.processing_vivit import ViViTVideoProcessor

    run(
        EVALUATE,
        "--model",
        uninterrupted,
        "--dataset",
        videofolder,
        "--num_clips",
        2,
        "--num_crops",
        3,
        "--output_dir",
        tmp_path,
        "--num_workers",
        0,
        "--per_device_eval_batch_size",
        2,
    )
    predictions = load_file(str(tmp_path / "predictions.safetensors"))
    results = json.loads((tmp_path / "eval_results.json").read_text())
    assert (tmp_path / "eval_confusion_matrix.png").is_file() and (tmp_path / "eval_per_class_accuracy.png").is_file()
    assert set(results["per_class_accuracy"]) == {"down", "up"}

    model = AutoModelForVideoClassification.from_pretrained(uninterrupted).eval()
    processor = ViViTVideoProcessor.from_pretrained(uninterrupted)
    clips = sorted((videofolder / "test").rglob("*.mp4"), key=lambda p: (p.parent.name, p.name))
    by_hand = []
    for clip in clips:
        views = processor(str(clip), num_clips=2, num_crops=3, return_tensors="pt")["pixel_values"]
        assert views.shape[0] == 6
        assert not torch.equal(views[0], views[1])  # the crops really differ (24-pixel-wide clips)
        with torch.no_grad():
            single = [model(pixel_values=view[None]).logits[0] for view in views]
        by_hand.append(torch.stack(single).mean(dim=0))
    torch.testing.assert_close(predictions["logits"], torch.stack(by_hand), rtol=1e-4, atol=1e-5)
    top1 = (torch.stack(by_hand).argmax(-1) == predictions["labels"]).float().mean().item()
    assert results["top1"] == pytest.approx(top1)


def skipped_in_checkpoints(out):
    return {
        p.name: json.loads((p / "trainer_state.json").read_text())["skipped"] for p in (out / "checkpoints").iterdir()
    }


def skipped_in_epoch_lines(stderr: str) -> dict[int, int]:
    """{epoch: N} of each `epoch E: eval top-1 ... (B broken skipped; N skipped in training...)` log line."""
    lines = re.findall(r"epoch (\d+): eval top-1 .*; (\d+) skipped in training", stderr)
    return {int(epoch): int(skipped) for epoch, skipped in lines}


def test_broken_clips_are_skipped_and_counted(videofolder, tmp_path):
    """One broken clip among 13 training clips: skipped once per epoch, in the results, the history and every
    epoch's checkpoint, and counted on after a resume (the counts stay on the device between reports)."""
    data = tmp_path / "data"
    shutil.copytree(videofolder, data)
    (data / "train" / "up" / "broken.mp4").write_bytes(b"not a video at all")
    (data / "test" / "down" / "broken.mp4").write_bytes(b"\x00" * 64)
    out = tmp_path / "out"
    epochs = ["--num_train_epochs", "2", "--checkpointing_steps", "epoch", "--checkpoints_total_limit", "0"]
    result = run(FINETUNE, "--dataset", data, "--output_dir", out, *epochs, *TINY_MODEL)
    results = json.loads((out / "all_results.json").read_text())
    assert results["train_skipped_clips"] == 2
    assert [epoch["train/skipped_clips"] for epoch in results["history"]] == [1, 2]  # the run's total so far
    # each epoch's line counts its own, as the evaluation's and the truncated segments' beside it (it said "2" of
    # epoch 1, whose one broken clip was read once)
    assert skipped_in_epoch_lines(result.stderr) == {0: 1, 1: 1}, result.stderr[-3000:]
    assert results["train_clips_per_process"] == [26]  # 13 a epoch, the broken one included (fed as zeros)
    assert results["num_skipped"] == 1 and results["num_samples"] == 6
    assert skipped_in_checkpoints(out) == {"epoch_0": 1, "epoch_1": 2}

    resumed = tmp_path / "resumed"
    shutil.copytree(out / "checkpoints" / "epoch_0", resumed / "checkpoints" / "epoch_0")
    result = run(
        FINETUNE, "--dataset", data, "--output_dir", resumed, *epochs, *TINY_MODEL, "--resume_from_checkpoint", "latest"
    )
    assert skipped_in_epoch_lines(result.stderr) == {1: 1}, result.stderr[-3000:]
    results = json.loads((resumed / "all_results.json").read_text())
    # Whole-run counts, as an uninterrupted run's: 13 clips before the resume, 13 after.
    assert results["train_skipped_clips"] == 2 and results["train_clips_per_process"] == [26]
    assert skipped_in_checkpoints(resumed) == {"epoch_0": 1, "epoch_1": 2}


def test_a_class_whose_training_clips_are_all_broken_is_named_as_never_trained(videofolder, tmp_path, caplog):
    """`bird`'s 3 training clips are junk: each was warned about on its own, the run exited 0 and bird's accuracy
    was 0.0, with nothing saying the class was never trained. Now a warning names it with its clip count and
    all_results.json records it; a run that stops before reading the whole split says nothing (bird may not have
    come yet)."""
    data = tmp_path / "data"
    shutil.copytree(videofolder, data)
    for i in (1, 2, 3):
        (data / "train" / "bird").mkdir(exist_ok=True)
        (data / "train" / "bird" / f"b{i}.mp4").write_bytes(b"junk")
    tiny_clip(data / "test" / "bird" / "b0.mp4", 0, seed=5, width=24)
    recipe = load_recipe()
    epochs = ["--num_train_epochs", "2", "--checkpointing_steps", "epoch", "--checkpoints_total_limit", "0"]
    with caplog.at_level(logging.WARNING):
        run_in_process(recipe, "--dataset", data, "--output_dir", tmp_path / "out", *epochs, *TINY_MODEL)
    results = json.loads((tmp_path / "out" / "all_results.json").read_text())
    assert results["train_classes_never_trained"] == {"bird": 3}
    assert results["train_skipped_clips"] == 6  # the 3 clips, each epoch
    assert results["per_class_accuracy"]["bird"] == 0.0
    said = [r.getMessage() for r in caplog.records if "never trained on" in r.getMessage()]
    assert len(said) == 1, caplog.text
    assert "'bird' (3 clips)" in said[0] and "unreadable" in said[0] and "'up'" not in said[0], said[0]

    # The counts go on across a resume: bird, down, up (the classes' order), the 6 + 6 good clips once an epoch.
    resumed = tmp_path / "resumed"
    shutil.copytree(tmp_path / "out" / "checkpoints" / "epoch_0", resumed / "checkpoints" / "epoch_0")
    flags = [*epochs, "--resume_from_checkpoint", "latest"]
    run_in_process(recipe, "--dataset", data, "--output_dir", resumed, *flags, *TINY_MODEL)
    per_class = {
        p.name: json.loads((p / "trainer_state.json").read_text())["trained_per_class"]
        for p in (resumed / "checkpoints").iterdir()
    }
    assert per_class == {"epoch_0": [0, 6, 6], "epoch_1": [0, 12, 12]}
    assert json.loads((resumed / "all_results.json").read_text())["train_classes_never_trained"] == {"bird": 3}

    caplog.clear()
    with caplog.at_level(logging.WARNING):
        flags = ["--max_train_steps", "2"]  # 2 of an epoch's 8 steps: not every clip was read
        run_in_process(recipe, "--dataset", data, "--output_dir", tmp_path / "short", *flags, *TINY_MODEL)
    results = json.loads((tmp_path / "short" / "all_results.json").read_text())
    assert results["train_classes_never_trained"] == {}
    assert "never trained on" not in caplog.text


def test_clips_trained_per_class_are_counted_on_the_device_as_the_labels_say(finetune_module):
    """Two heads (3 verbs, 2 nouns), a verb-only row (-100) and broken or repeated clips: counted as a loop over the
    clips counts them."""
    labels = torch.tensor([[0, 1], [2, -100], [2, 0], [1, 1], [0, 0]])
    trained = torch.tensor([True, True, True, False, True])
    counter = finetune_module.TrainedPerClass([3, 2], torch.device("cpu"), before=[1, 0, 0, 0, 0])
    counter.add(labels, trained)
    counter.add(labels[:2], trained[:2])
    expected = [1, 0, 0, 0, 0]
    for rows in (labels, labels[:2]):
        for (verb, noun), kept in zip(rows.tolist(), trained.tolist()):
            if kept:
                expected[verb] += 1
                if noun >= 0:
                    expected[3 + noun] += 1
    assert counter.counts.tolist() == expected
    split = [{"label": [0, 1]}, {"label": [2, -100]}, {"label": [2, 0]}]
    assert finetune_module.clips_per_class(split, [3, 2]) == [1, 0, 2, 1, 1]


@pytest.mark.parametrize("workers", [0, 2])
def test_a_training_set_of_only_broken_clips_stops_before_training_in_one_line(videofolder, tmp_path, workers):
    """All 12 training clips unreadable: exit 1 with one line naming the count, that all are unreadable and the
    folder and split, before the first step; no traceback (there was one from inside the data loader, at the first
    batch), and nothing written into the output folder."""
    data = tmp_path / "data"
    shutil.copytree(videofolder, data)
    for clip in (data / "train").rglob("*.mp4"):
        clip.write_bytes(b"not a video at all")
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    flags = list(TINY_MODEL)
    flags[flags.index("--num_workers") + 1] = str(workers)
    result = run(FINETUNE, "--dataset", data, "--output_dir", out, *flags, check=False)
    assert result.returncode == 1, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith(f"error: none of the 12 training clips of {data} (split train) could be decoded: "), line
    assert "every one is unreadable" in line and "no model is saved" in line
    assert "training:" not in result.stderr  # stopped before the first step (the progress bar)
    assert sorted(path.name for path in out.iterdir()) == ["notes.txt"]


# The ways a tensor's value reaches Python: on a GPU each waits for the device to finish what was queued.
HOST_READS = ("item", "tolist", "__int__", "__float__", "__bool__", "__index__")
# The loop and what it calls per step; the data set's own code (decoding, on host tensors) is left out.
LOOP_CODE = tuple(
    str(path)
    for path in (
        FINETUNE,
        REPO / "vivit_hf" / "training" / "finetune.py",
        REPO / "vivit_hf" / "training" / "mixup.py",
        REPO / "vivit_hf" / "training" / "throughput.py",
        REPO / "vivit_hf" / "models",
    )
)


def test_training_steps_read_no_tensor_to_the_host_and_call_no_collective_between_reports(
    videofolder, tmp_path, monkeypatch
):
    """On a GPU, `int(tensor)` or `.item()` makes the host wait for the step's kernels, and `reduce` is a collective:
    between logging steps the loop does neither (they used to happen every step: the clip counts). Every host read
    and collective called from the loop's code is recorded with the number of steps done when it was called."""
    from accelerate import Accelerator

    recipe = load_recipe()
    steps, calls = [0], []
    loss = recipe.classification_loss

    def counting_loss(*args, **kwargs):
        steps[0] += 1
        return loss(*args, **kwargs)

    def recorded(name, original):
        def method(self, *args, **kwargs):
            caller = sys._getframe(1)
            if caller.f_code.co_filename.startswith(LOOP_CODE):
                calls.append((steps[0], name, Path(caller.f_code.co_filename).name, caller.f_lineno))
            return original(self, *args, **kwargs)

        return method

    monkeypatch.setattr(recipe, "classification_loss", counting_loss)
    for name in HOST_READS:
        monkeypatch.setattr(torch.Tensor, name, recorded(name, getattr(torch.Tensor, name)))
    for name in ("reduce", "gather", "gather_for_metrics"):
        monkeypatch.setattr(Accelerator, name, recorded(name, getattr(Accelerator, name)))
    # 6 steps, logged only at the last one, with mixup and label smoothing (targets built every step).
    flags = ["--num_train_epochs", "1", "--logging_steps", "100", "--mixup_alpha", "0.5", "--label_smoothing", "0.1"]
    run_in_process(recipe, "--dataset", videofolder, "--output_dir", tmp_path, *TINY_MODEL, *flags)
    assert steps[0] == 6
    assert [call for call in calls if 1 <= call[0] < 6] == []
    assert [call for call in calls if call[0] == 6]  # the reports after the last step are seen


def test_an_epochs_last_window_of_fewer_batches_steps_with_their_mean_gradient(videofolder, tmp_path, monkeypatch):
    """6 batches an epoch at accumulation 4: windows of 4 and 2 batches. Each step's gradient must be the mean of
    its window's batch gradients, taken by autograd from each batch's loss apart from accelerate; the window of 2
    used to step with half of it (accelerate divides every batch's loss by 4)."""
    recipe = load_recipe()
    params, batch_gradients, steps = [], [], []
    loss_of_batch, make_optimizer = recipe.classification_loss, recipe.build_optimizer

    def recorded_loss(*args):
        loss = loss_of_batch(*args)
        grads = torch.autograd.grad(loss, params, retain_graph=True, allow_unused=True)
        batch_gradients.append(
            [torch.zeros_like(p) if g is None else g.detach().clone() for p, g in zip(params, grads)]
        )
        return loss

    def recording_optimizer(args, model, *rest):
        optimizer = make_optimizer(args, model, *rest)
        params[:] = [p for p in model.parameters() if p.requires_grad]
        step = optimizer.step

        def checked_step(self, *args, **kwargs):  # called on the optimiser steps only (accelerate skips the others)
            mean = [torch.stack(grads).mean(0) for grads in zip(*batch_gradients)]
            error = max((p.grad - m).abs().max().item() for p, m in zip(params, mean))
            steps.append((len(batch_gradients), error, max(m.abs().max().item() for m in mean)))
            batch_gradients.clear()
            return step(*args, **kwargs)

        optimizer.step = types.MethodType(checked_step, optimizer)  # a method: the LR scheduler wraps it
        return optimizer

    monkeypatch.setattr(recipe, "classification_loss", recorded_loss)
    monkeypatch.setattr(recipe, "build_optimizer", recording_optimizer)
    flags = ["--num_train_epochs", "1", "--gradient_accumulation_steps", "4", "--max_grad_norm", "0"]
    run_in_process(recipe, "--dataset", videofolder, "--output_dir", tmp_path, *TINY_MODEL, *flags)
    assert [batches for batches, _, _ in steps] == [4, 2]
    for batches, error, largest in steps:
        assert largest > 1e-3 and error <= 1e-6 + 1e-5 * largest, (batches, error, largest)


def test_the_loop_reports_how_long_it_waits_for_data(videofolder, tmp_path, monkeypatch):
    """Each batch takes 0.2 s more to arrive: the step's wall time includes it and most of it is data wait."""
    from vivit_hf.training import finetune as library

    delay = 0.2
    collate = library.collate_videos

    def slow_collate(items):
        time.sleep(delay)
        return collate(items)

    monkeypatch.setattr(library, "collate_videos", slow_collate)
    flags = ["--num_train_epochs", "1", "--cache_decoded_videos", "yes"]
    run_in_process(load_recipe(), "--dataset", videofolder, "--output_dir", tmp_path, *TINY_MODEL, *flags)
    results = json.loads((tmp_path / "all_results.json").read_text())
    # 6 steps of 2 clips, no warm-up left out of a 6-step run.
    assert (results["train_throughput_steps"], results["train_throughput_clips"]) == (6, 12)
    assert results["train_step_seconds_median"] >= delay
    assert results["train_clips_per_second"] <= 2 / delay
    # The tiny model's step takes a few ms to a few tens: the 0.2 s in the loader are most of each step.
    assert results["train_data_wait_share"] > 0.5


def test_epic_kitchens_two_heads_report_noun_verb_and_action_accuracy(tmp_path):
    header = ["narration_id", "participant_id", "video_id", "narration", "verb", "verb_class", "noun", "noun_class"]
    for split, count in (("train", 4), ("validation", 2)):
        rows = []
        for i in range(count):
            narration_id = f"P0{i}_{split}_{i}"
            tiny_clip(tmp_path / "clips" / f"{narration_id}.mp4", i % 2, seed=i)
            rows.append([narration_id, f"P0{i}", f"P0{i}_{split}", "take cup", "take", i % 2, "cup", 10 + i % 2])
        with open(tmp_path / f"EPIC_100_{split}.csv", "w", newline="") as f:
            csv.writer(f).writerows([header, *rows])
    out = tmp_path.with_name(f"{tmp_path.name}_out")  # beside the data set, not in it
    run(
        FINETUNE,
        "--dataset",
        tmp_path,
        "--dataset_format",
        "epic_kitchens",
        "--output_dir",
        out,
        "--max_train_steps",
        "2",
        *TINY_MODEL,
    )
    results = json.loads((out / "all_results.json").read_text())
    for key in ("noun_top1", "verb_top1", "action_top1", "noun_top5", "verb_top5"):
        assert 0.0 <= results[key] <= 1.0, key
    assert results["num_samples"] == 2
    config = json.loads((out / "config.json").read_text())
    assert config["label_spaces"] == {"noun": 300, "verb": 97}


EPIC_SEGMENT_HEADER = [
    "narration_id", "participant_id", "video_id", "narration_timestamp", "start_timestamp", "stop_timestamp",
    "start_frame", "stop_frame", "narration", "verb", "verb_class", "noun", "noun_class",
]  # fmt: skip


def epic_past_the_end_flags(cache, workers):
    flags = ["--dataset_format", "epic_kitchens", "--num_train_epochs", "2", "--cache_decoded_videos", cache]
    flags += TINY_MODEL
    flags[flags.index("--num_workers") + 1] = str(workers)
    return flags


@pytest.fixture(scope="module")
def epic_past_the_end_run(tmp_path_factory):
    """Two epochs over `epic_segments_past_the_end`, decoded once into memory, read in the training process, a
    checkpoint after every step: the [yes-0] case of the every-epoch-report test, and the uninterrupted run the
    mid-epoch resumes are compared with (one run for both)."""
    root = tmp_path_factory.mktemp("epic_past_the_end")
    epic_segments_past_the_end(root / "data")
    flags = ["--dataset", root / "data", *epic_past_the_end_flags("yes", 0)]
    every_step = ["--checkpointing_steps", "1", "--checkpoints_total_limit", "0"]
    result = run(FINETUNE, *flags, "--output_dir", root / "whole", *every_step)  # beside the data set, not in it
    return root, flags, result


@pytest.mark.parametrize("cache,workers", [("no", 2), ("yes", 0)])
def test_segments_past_their_videos_end_are_counted_in_every_epoch_report(tmp_path, cache, workers, request):
    """Epic Kitchens narrations in one untrimmed video of 3 s (24 frames at 8 fps): one training and one validation
    segment run past its end (timestamps of a longer copy). Each is read from the frames there are, and every
    epoch's report counts them (summed in the main process: the decode runs in DataLoader workers, where the old
    module-level "first one" warning was all there was, without a count); decoded once into memory, the cache
    keeps the flag."""
    if (cache, workers) == ("yes", 0):  # the run the mid-epoch resume test starts from
        data, _, result = request.getfixturevalue("epic_past_the_end_run")
        out = data / "whole"
    else:
        epic_segments_past_the_end(tmp_path / "data")
        out = tmp_path / "out"
        flags = epic_past_the_end_flags(cache, workers)
        result = run(FINETUNE, "--dataset", tmp_path / "data", "--output_dir", out, *flags)
    reports = [line for line in result.stderr.splitlines() if "eval top-1" in line]
    assert len(reports) == 2, result.stderr[-3000:]
    for report in reports:
        assert "1 training and 1 evaluation segments ran past their video's end" in report, report
    results = json.loads((out / "all_results.json").read_text())
    assert results["num_truncated"] == 1 and results["num_samples"] == 2
    assert [epoch["train/truncated_segments"] for epoch in results["history"]] == [1, 1]


def test_segments_past_their_videos_end_are_counted_whole_after_a_mid_epoch_resume(epic_past_the_end_run, tmp_path):
    """Resumed from a checkpoint in the middle of an epoch, that epoch's count of training segments read past their
    video's end covered only the batches after the resume (0 where the truncated segment came before the
    checkpoint); the checkpoint now keeps the count so far. A 2-epoch run of 2 batches an epoch is resumed from the
    checkpoint after its epoch 0's last batch (the whole epoch, truncated segment included, before it) and from
    the one after epoch 1's first: the counts are the uninterrupted run's."""
    data, flags, _ = epic_past_the_end_run
    expected = json.loads((data / "whole" / "all_results.json").read_text())["history"]
    assert [epoch["train/truncated_segments"] for epoch in expected] == [1, 1]
    for step in (2, 3):
        resumed = tmp_path / f"from_step_{step}"
        shutil.copytree(data / "whole" / "checkpoints" / f"step_{step}", resumed / "checkpoints" / f"step_{step}")
        result = run(FINETUNE, *flags, "--output_dir", resumed, "--resume_from_checkpoint", "latest")
        history = json.loads((resumed / "all_results.json").read_text())["history"]
        assert [epoch["train/truncated_segments"] for epoch in history] == [1, 1], (step, result.stderr[-3000:])
        report = [line for line in result.stderr.splitlines() if "eval top-1" in line][0]
        assert "1 training and 1 evaluation segments ran past their video's end" in report, report


def epic_segments_past_the_end(tmp_path):
    """Epic Kitchens annotations of 4 training and 2 validation narrations in one untrimmed 3 s video (24 frames at 8
    fps), one of each running past its end."""
    (tmp_path / "P01" / "videos").mkdir(parents=True)
    frames = np.random.default_rng(0).integers(0, 255, (24, 16, 16, 3), dtype=np.uint8)
    write_video(frames, tmp_path / "P01" / "videos" / "P01_01.MP4", fps=8)
    spans = {
        "train": [("00:00:00.00", "00:00:01.00"), ("00:00:01.00", "00:00:02.00"), ("00:00:02.00", "00:00:05.00"),
                  ("00:00:00.50", "00:00:01.50")],
        "validation": [("00:00:00.00", "00:00:01.00"), ("00:00:01.50", "00:00:04.00")],
    }  # fmt: skip
    for split, segments in spans.items():
        rows = [
            [f"P01_01_{split}_{i}", "P01", "P01_01", start, start, stop, "", "", "x", "v", i % 2, "n", i % 2]
            for i, (start, stop) in enumerate(segments)
        ]
        with open(tmp_path / f"EPIC_100_{split}.csv", "w", newline="") as f:
            csv.writer(f).writerows([EPIC_SEGMENT_HEADER, *rows])


@pytest.fixture(scope="module")
def finetune_module():
    from accelerate import PartialState

    from vivit_hf.training import finetune

    PartialState()  # build_model logs through accelerate, which needs its state (else the test depends on order)
    return finetune


def test_flags_typed_on_the_command_line_win_over_the_preset(finetune_module):
    args = finetune_module.parse_args(
        ["--preset", "ssv2_vivit_l_fe", "--dataset", "org/ssv2", "--learning_rate", "0.01"]
    )
    assert args.learning_rate == 0.01
    assert (args.mixup_alpha, args.label_smoothing, args.drop_path_rate) == (0.3, 0.3, 0.3)
    assert args.rand_augment == [2, 20] and args.do_flip is False
    with pytest.raises(SystemExit):
        finetune_module.parse_args(["--preset", "imagenet"])


@pytest.mark.parametrize(
    ("preset", "learning_rate"),
    [
        ("kinetics400_vivit_b", 0.1),  # scenic's kinetics400/vivit_base_k400.py
        ("kinetics400_vivit_b_fe", 5e-2),  # kinetics400/vivit_base_factorised_encoder.py (the preset had 0.1)
        ("kinetics400_vivit_l_fe", 0.1),  # kinetics400/vivit_large_factorised_encoder.py
    ],
)
def test_a_kinetics_preset_takes_scenics_learning_rate(finetune_module, preset, learning_rate):
    args = finetune_module.parse_args(["--preset", preset, "--dataset", "org/data"])
    assert args.learning_rate == learning_rate


@pytest.mark.parametrize(
    ("preset", "typed", "temporal_layers"),
    [
        ("kinetics400_vivit_l_fe", [], 24),  # scenic's kinetics400/vivit_large_factorised_encoder.py
        ("kinetics400_vivit_l_fe", ["--model", "factorised_encoder"], 24),
        ("kinetics400_vivit_l_fe", [",num_temporal_layers=2"], 2),  # a depth typed wins
        ("ssv2_vivit_l_fe", [], 4),  # scenic's something_something_v2/vivit_large_factorised_encoder.py
        ("kinetics400_vivit_b_fe", [], 4),  # scenic's kinetics400/vivit_base_factorised_encoder.py
    ],
)
def test_a_factorised_encoder_preset_builds_scenics_temporal_depth(finetune_module, preset, typed, temporal_layers):
    """scenic's Kinetics ViViT-L FE config (the released K400 and K600 checkpoints) runs 24 temporal layers, its
    SSv2, Epic Kitchens and B FE configs 4: the Kinetics L-FE preset built 4 (the config's default). Its width is
    shrunk here; the depths are the preset's."""
    from vivit_hf.training.data.formats import VideoClassificationData

    data = VideoClassificationData(splits={}, label_spaces={"label": ["a", "b"]})
    small = "hidden_size=16,num_hidden_layers=1,num_attention_heads=2,intermediate_size=32,num_frames=4"
    overrides = small + "".join(flag for flag in typed if flag.startswith(","))
    flags = [flag for flag in typed if not flag.startswith(",")]
    args = finetune_module.parse_args(
        ["--preset", preset, "--dataset", "org/data", *flags, "--crop_size", "32", "--config_overrides", overrides]
    )
    model, _ = finetune_module.build_model(args, data)
    assert model.config.num_temporal_layers == temporal_layers == len(model.vivit.temporal_encoder.layers)
    # the preset's other model trains as before: a field it does not have is not given to it
    args = finetune_module.parse_args(
        ["--preset", preset, "--dataset", "org/data", "--model", "spatio_temporal", "--crop_size", "32"]
        + ["--config_overrides", small]
    )
    assert type(finetune_module.build_model(args, data)[0]).__name__ == "ViViTSpatioTemporalForVideoClassification"


def test_a_resume_builds_the_temporal_depth_its_checkpoint_was_trained_with(finetune_module):
    """A kinetics400_vivit_l_fe run checkpointed by a version whose preset built 4 temporal layers (its trainer_state
    records no preset fields): resumed by this one, whose preset builds 24, its weights did not load (a state-dict
    traceback at load_state). The resume builds what the checkpoint records; a checkpoint of this version, 24."""
    from vivit_hf.training.data.formats import VideoClassificationData

    data = VideoClassificationData(splits={}, label_spaces={"label": ["a", "b"]})
    small = "hidden_size=16,num_hidden_layers=1,num_attention_heads=2,intermediate_size=32,num_frames=4"
    args = finetune_module.parse_args(
        ["--preset", "kinetics400_vivit_l_fe", "--dataset", "org/data", "--crop_size", "32"]
        + ["--config_overrides", small]
    )
    earlier = {"completed_steps": 1}  # an earlier version's trainer_state: no preset_model_fields
    assert finetune_module.build_model(args, data, earlier)[0].config.num_temporal_layers == 4
    fields = finetune_module.preset_model_fields(args.preset, args.model)
    recorded = {"completed_steps": 1, "preset_model_fields": fields}
    assert finetune_module.build_model(args, data, recorded)[0].config.num_temporal_layers == 24


def test_soft_targets_are_smoothed_one_hot_blocks_and_refuse_a_label_outside_its_head(finetune_module):
    # Heads of 3 and 2 classes, smoothing 0.3: 0.7 + 0.3 / 3 on the label, 0.3 / 3 elsewhere (0.85 / 0.15 for 2).
    got = finetune_module.soft_targets(torch.tensor([[2, 1], [0, 0]]), [3, 2], 0.3)
    expected = torch.tensor([[0.1, 0.1, 0.8, 0.15, 0.85], [0.8, 0.1, 0.1, 0.85, 0.15]])
    torch.testing.assert_close(got, expected)
    with pytest.raises(RuntimeError, match="smaller than num_classes"):  # torch's own check, no host read on a GPU
        finetune_module.soft_targets(torch.tensor([[3, 0]]), [3, 2], 0.0)


@pytest.mark.parametrize("variant", ["spatio_temporal", "factorised_encoder", "factorised_self_attention"])
def test_weight_decay_leaves_biases_and_layer_norms_as_transformers_trainer_does(finetune_module, variant):
    """AdamW's decoupled decay shrinks each decayed weight by lr x weight_decay a step, whatever its gradient: with a
    gradient of 0 (Adam's own update is then 0), one step leaves what transformers' Trainer exempts
    (`get_decay_parameter_names`: biases, LayerNorm weights) as it was, and scales every other parameter by
    1 - lr x wd. Every parameter was decayed, the norms' gains pulled towards 0."""
    from transformers import Trainer

    from vivit_hf.training.data.formats import VideoClassificationData

    data = VideoClassificationData(splits={}, label_spaces={"label": ["a", "b", "c"]})
    flags = ["--model", variant, "--optimizer", "adamw", "--learning_rate", "0.5", "--weight_decay", "0.1"]
    args = finetune_module.parse_args([*flags, "--config_overrides", "num_hidden_layers=1"])
    model, _ = finetune_module.build_model(args, data)
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    optimizer = finetune_module.build_optimizer(args, model)
    for p in model.parameters():
        p.grad = torch.zeros_like(p)
    optimizer.step()
    decayed = set(Trainer.get_decay_parameter_names(None, model))
    assert any("bias" in n for n in before.keys() - decayed) and any("norm" in n for n in before.keys() - decayed)
    for name, p in model.named_parameters():
        expected = before[name] * (1 - 0.5 * 0.1) if name in decayed else before[name]
        torch.testing.assert_close(p.detach(), expected, rtol=1e-6, atol=0, msg=name)


def test_a_new_weight_decay_on_resume_leaves_biases_and_norms_undecayed(finetune_module):
    """`apply_resumed_hyperparameters` puts a new --weight_decay on the decayed group only; a checkpoint of one group
    (an older version's) resumes into one group, so that its optimiser state loads."""
    model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.LayerNorm(2))
    args = finetune_module.parse_args(["--optimizer", "adamw", "--learning_rate", "0.1", "--weight_decay", "0.05"])
    optimizer = finetune_module.build_optimizer(args, model)
    assert [len(g["params"]) for g in optimizer.param_groups] == [1, 3]
    args.weight_decay = 0.2
    finetune_module.apply_resumed_hyperparameters(optimizer, None, args, {"other": {"weight_decay": 0.05}})
    assert [g["weight_decay"] for g in optimizer.param_groups] == [0.2, 0.0]
    older = finetune_module.build_optimizer(args, model, exempt_group=False)
    assert [(len(g["params"]), g["weight_decay"]) for g in older.param_groups] == [(4, 0.2)]


def test_freeze_turns_off_gradients_of_the_named_parameters_only(finetune_module):
    from vivit_hf.training.data.formats import VideoClassificationData

    data = VideoClassificationData(splits={}, label_spaces={"label": ["a", "b"]})
    args = finetune_module.parse_args([*TINY_MODEL, "--freeze", "vivit.token_embedding"])
    model, _ = finetune_module.build_model(args, data)
    frozen = {name for name, p in model.named_parameters() if not p.requires_grad}
    assert frozen and all(name.startswith("vivit.token_embedding") for name in frozen)
    assert model.classifier.weight.requires_grad and model.config.id2label == {0: "a", 1: "b"}
    # (refused at the start too: `check_freeze`) one prefix that matches nothing, beside one that does, froze
    # nothing of its own without a word
    args.freeze = ["vivit.token_embedding", "vivit.encoder.layer.0."]
    with pytest.raises(ValueError, match=r"--freeze vivit.encoder.layer.0. matched no parameter"):
        finetune_module.build_model(args, data)


@pytest.mark.parametrize(
    "variant", ["spatio_temporal", "factorised_encoder", "factorised_self_attention", "factorised_dot_product"]
)
def test_gradient_checkpointing_recomputes_every_layer_for_the_same_gradients(finetune_module, variant):
    """`--gradient_checkpointing` (transformers' `TrainingArguments` name; the recipe had no way to save activation
    memory) runs each layer again in the backward pass, and the gradients are the plain model's: dropout and
    stochastic depth draw the same masks in the recomputation."""
    from transformers.modeling_layers import GradientCheckpointingLayer

    from vivit_hf.training.data.formats import VideoClassificationData

    data = VideoClassificationData(splits={}, label_spaces={"label": ["a", "b"]})
    flags = [*TINY_MODEL[2:], "--model", variant, "--drop_path_rate", "0.5", "--hidden_dropout_prob", "0.3"]
    plain, _ = finetune_module.build_model(finetune_module.parse_args(flags), data)
    checkpointed, _ = finetune_module.build_model(
        finetune_module.parse_args([*flags, "--gradient_checkpointing"]), data
    )
    checkpointed.load_state_dict(plain.state_dict())
    size = plain.config.image_size
    video, labels = torch.randn(2, plain.config.num_frames, 3, size, size), torch.tensor([0, 1])
    calls, grads = {}, {}
    for name, model in (("plain", plain), ("checkpointed", checkpointed)):
        # the modules inside the layers (transformers checkpoints a layer's `forward`, so its own hooks run once)
        inside = [
            m for layer in model.modules() if isinstance(layer, GradientCheckpointingLayer) for m in layer.modules()
        ]
        inside = [m for m in inside if not isinstance(m, GradientCheckpointingLayer)]
        calls[name] = 0
        for module in inside:
            module.register_forward_hook(lambda *_, name=name: calls.__setitem__(name, calls[name] + 1))
        torch.manual_seed(0)
        model(pixel_values=video, labels=labels).loss.backward()
        grads[name] = {n: p.grad for n, p in model.named_parameters()}
    # recomputed in the backward pass (torch stops a recomputation once it has the tensors it needs: not all twice)
    assert calls["plain"] >= len(inside) and calls["checkpointed"] > 1.5 * calls["plain"]
    for n, grad in grads["plain"].items():
        torch.testing.assert_close(grads["checkpointed"][n], grad, rtol=0, atol=0, msg=n)


def test_init_from_an_image_vit_or_a_vivit_checkpoint(finetune_module, uninterrupted, tmp_path):
    from transformers import ViTConfig, ViTModel

    from vivit_hf.training.data.formats import VideoClassificationData

    data = VideoClassificationData(splits={}, label_spaces={"label": ["a", "b", "c"]})
    vit = ViTModel(
        ViTConfig(
            hidden_size=16,
            num_hidden_layers=1,
            num_attention_heads=2,
            intermediate_size=32,
            image_size=16,
            patch_size=8,
        )
    )
    vit.save_pretrained(tmp_path / "vit")
    args = finetune_module.parse_args(
        [
            "--model",
            "factorised_encoder",
            "--init_from",
            str(tmp_path / "vit"),
            "--num_frames",
            "4",
            "--config_overrides",
            "num_temporal_layers=1",
        ]
    )
    model, _ = finetune_module.build_model(args, data)
    assert type(model).__name__ == "ViViTFactorisedEncoderForVideoClassification"
    assert model.config.num_labels == 3 and model.config.hidden_size == 16
    # The ViT's patch kernel lands in the central frame of the tubelet (the default --tubelet_init).
    kernel = model.vivit.token_embedding.projection.weight
    torch.testing.assert_close(kernel[:, :, 1], vit.embeddings.patch_embeddings.projection.weight)

    args = finetune_module.parse_args(["--model", "spatio_temporal", "--init_from", str(uninterrupted)])
    model, processor = finetune_module.build_model(args, data)
    trained = weights(uninterrupted)
    torch.testing.assert_close(
        model.vivit.token_embedding.projection.weight, trained["vivit.token_embedding.projection.weight"]
    )
    assert model.classifier.out_features == 3 and processor is not None and processor.num_frames == 4


# ------------------------------------------------------------------ a preset's crop reaches an image-ViT model
@pytest.fixture(scope="module")
def tiny_vit(tmp_path_factory):
    """A 16-pixel image ViT (2x2 patches of 8), saved as a transformers folder: no network."""
    from transformers import ViTConfig, ViTModel

    torch.manual_seed(0)
    vit = ViTModel(
        ViTConfig(
            hidden_size=16,
            num_hidden_layers=1,
            num_attention_heads=2,
            intermediate_size=32,
            image_size=16,
            patch_size=8,
        )
    )
    folder = tmp_path_factory.mktemp("tiny_vit")
    vit.save_pretrained(folder)
    # its model card's licence, which a model fine-tuned from it is under (as Trainer's card takes the base model's)
    ModelCard.from_template(ModelCardData(license="cc-by-nc-4.0")).save(folder / "README.md")
    return vit, folder


def test_the_presets_crop_reaches_a_model_started_from_a_smaller_vit(finetune_module, tiny_vit):
    from vivit_hf.models.modeling_blocks import resize_position_table
    from vivit_hf.training.data.formats import VideoClassificationData

    vit, folder = tiny_vit
    data = VideoClassificationData(splits={}, label_spaces={"label": ["a", "b"]})
    # ssv2_vivit_b_fe crops 256 pixels; the ViT was trained on 16 (a 2x2 grid, as 224 is 14x14 for ViT-B/16).
    args = finetune_module.parse_args(
        [
            "--preset",
            "ssv2_vivit_b_fe",
            "--dataset",
            "org/ssv2",
            "--init_from",
            str(folder),
            "--num_frames",
            "4",
            "--config_overrides",
            "num_temporal_layers=1",
        ]
    )
    model, init_processor = finetune_module.build_model(args, data)
    processor = finetune_module.build_processor(args, model.config, init_processor)
    assert model.config.image_size == 256 and processor.crop_size == {"height": 256, "width": 256}
    # The ViT's 2x2 position grid resized to 32x32 (bilinear, corners aligned), its CLS row kept.
    table = vit.embeddings.position_embeddings.detach()
    spatial = model.vivit.spatial_encoder.position_embeddings
    torch.testing.assert_close(spatial[:, 1:], resize_position_table(table[:, 1:], (2, 2), (32, 32)))
    torch.testing.assert_close(spatial[:, :1], table[:, :1])
    model(pixel_values=torch.zeros(1, 4, 3, 256, 256))  # the processor's shape is the model's: no error


def test_an_image_vit_keeps_the_default_presets_clip_shape(finetune_module, tiny_vit):
    """The bundled demo's run reads 8 frames of 32x32 (its preset's --model_size tiny); the same run --init_from an
    image ViT took the config's default of 32 frames, and looped the demo's 16-frame clips to fill them."""
    from vivit_hf.training.data.formats import VideoClassificationData

    data = VideoClassificationData(splits={}, label_spaces={"label": ["a", "b"]})
    scratch, _ = finetune_module.build_model(finetune_module.parse_args([]), data)
    args = finetune_module.parse_args(["--init_from", str(tiny_vit[1])])
    model, init_processor = finetune_module.build_model(args, data)
    processor = finetune_module.build_processor(args, model.config, init_processor)
    assert (model.config.num_frames, model.config.image_size) == (scratch.config.num_frames, scratch.config.image_size)
    assert processor.num_frames == scratch.config.num_frames
    typed = finetune_module.parse_args(["--init_from", str(tiny_vit[1]), "--num_frames", "4"])
    assert finetune_module.build_model(typed, data)[0].config.num_frames == 4  # a typed --num_frames still wins


@pytest.mark.parametrize("typed", [["--num_frames", "2"], []], ids=["typed", "model's"])
def test_an_init_from_processor_sampling_by_fps_makes_clips_of_the_count(finetune_module, tmp_path, typed, caplog):
    """`--init_from` a folder whose processor samples by fps=2: its fps won over a typed --num_frames (and over the
    model's count), without a word, for every data set: 6 frames at 8 fps made 1-frame clips, the model's traceback
    ("shorter than one tubelet") at the first batch; videos of other lengths do not stack. The clips are now the
    count's, the typed one's else the model's, and a warning names the fps left out, as evaluate.py does."""
    from test_recipes_evaluate import tiny_model

    from vivit_hf.training.data.formats import VideoClassificationData

    tiny_model(tmp_path / "model", ("up", "down"))  # 4 frames
    config_file = tmp_path / "model" / "video_preprocessor_config.json"
    config_file.write_text(json.dumps({**json.loads(config_file.read_text()), "fps": 2, "num_frames": None}))
    data = VideoClassificationData(splits={}, label_spaces={"label": ["up", "down"]})
    args = finetune_module.parse_args(["--init_from", str(tmp_path / "model"), "--crop_size", "16", *typed])
    model, init_processor = finetune_module.build_model(args, data)
    assert init_processor.fps == 2
    with caplog.at_level(logging.WARNING, logger=finetune_module.__name__):
        processor = finetune_module.build_processor(args, model.config, init_processor)
    frames = 2 if typed else 4
    tiny_clip(tmp_path / "a.mp4", label=0, seed=0)  # 6 frames at 8 fps
    clip = processor(str(tmp_path / "a.mp4"), return_tensors="pt")["pixel_values"]
    assert clip.shape[1] == frames == model.config.num_frames and processor.fps is None  # (1 frame before)
    count = "--num_frames 2" if typed else "the model's num_frames, 4"
    said = [r.getMessage() for r in caplog.records if "fps=2" in r.getMessage()]
    assert len(said) == 1 and f"this run's clips are of {count} frames, its fps left out" in said[0], said


def test_a_presets_crop_smaller_than_the_vits_images_is_said(finetune_module, tmp_path, caplog):
    """The README's way to one's own videos (the main job's settings) --init_from a 224-pixel ViT-B/16 built a
    32-pixel model, the ViT's 14x14 position grid shrunk to 2x2 patches a frame, without a word. A warning names both
    sizes and the flags that train at the ViT's size; a typed --crop_size is the user's choice, and is not warned."""
    from transformers import ViTConfig, ViTModel

    from vivit_hf.training.data.formats import VideoClassificationData

    sizes = dict(hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32, patch_size=8)
    ViTModel(ViTConfig(image_size=64, **sizes)).save_pretrained(tmp_path / "vit")
    data = VideoClassificationData(splits={}, label_spaces={"label": ["a", "b"]})
    with caplog.at_level(logging.WARNING):
        model, _ = finetune_module.build_model(finetune_module.parse_args(["--init_from", str(tmp_path / "vit")]), data)
    assert model.config.image_size == 32  # the preset's crop (the main job's)
    assert "trained on 64x64 images (8x8 patches), and this run crops 32x32 (--crop_size 32" in caplog.text
    assert "shrunk to 4x4 patches a frame" in caplog.text and "--crop_size 64 --resize_shortest_edge 73" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        typed = finetune_module.parse_args(["--init_from", str(tmp_path / "vit"), "--crop_size", "32"])
        finetune_module.build_model(typed, data)
    assert "images (8x8 patches)" not in caplog.text


def test_a_checkpoint_of_the_configs_frame_count_resumes_from_an_image_vit(videofolder, tiny_vit, tmp_path):
    """A run --init_from an image ViT without --num_frames, checkpointed by a version that built the config's default
    32 frames (its trainer_state records num_frames None and no model_num_frames): resumed by one that builds the
    preset's 8, it died in a size-mismatch traceback at load_state. The resume builds the model the checkpoint holds."""
    flags = ["--dataset", videofolder, "--output_dir", tmp_path, "--init_from", tiny_vit[1], "--frame_stride", "1"]
    flags += ["--checkpointing_steps", "1", "--per_device_train_batch_size", "2", "--gradient_accumulation_steps", "1"]
    flags += ["--per_device_eval_batch_size", "6", "--eval_num_clips", "1", "--num_workers", "0"]
    run(FINETUNE, *flags, "--num_frames", "32", "--max_train_steps", "1")
    state_file = tmp_path / "checkpoints" / "step_1" / "trainer_state.json"
    state = json.loads(state_file.read_text())
    assert state["preset_model_fields"] == {}  # what a resume builds (the synthetic preset sets no model field)
    state["settings"]["model"]["num_frames"] = None  # as that version recorded the run: the flag not given
    state.pop("model_num_frames", None)
    state_file.write_text(json.dumps(state))
    trained = load_file(tmp_path / "checkpoints" / "step_1" / "model.safetensors")
    run(FINETUNE, *flags, "--max_train_steps", "2", "--resume_from_checkpoint", "latest")
    assert json.loads((tmp_path / "config.json").read_text())["num_frames"] == 32
    resumed = load_file(tmp_path / "model.safetensors")
    assert resumed.keys() == trained.keys()
    assert all(resumed[name].shape == trained[name].shape for name in trained)


def test_the_preset_runs_from_a_smaller_vit_end_to_end(videofolder, tiny_vit, tmp_path):
    # Used to stop at the first step: pixel_values must have shape (batch, 4, 3, 16, 16), got (..., 256, 256).
    run(
        FINETUNE,
        "--preset",
        "ssv2_vivit_b_fe",
        "--init_from",
        tiny_vit[1],
        "--dataset",
        videofolder,
        "--output_dir",
        tmp_path,
        "--num_frames",
        "4",
        "--config_overrides",
        "num_temporal_layers=1",
        "--max_train_steps",
        "1",
        "--gradient_accumulation_steps",
        "1",
        "--per_device_train_batch_size",
        "2",
        "--per_device_eval_batch_size",
        "6",
        "--eval_num_clips",
        "1",
        "--eval_num_crops",
        "1",
        "--num_workers",
        "0",
        "--with_tracking",
        "false",
    )
    assert json.loads((tmp_path / "config.json").read_text())["image_size"] == 256
    # the card said `license: apache-2.0` whatever the base model's: a non-commercial ViT's fine-tune came out Apache
    assert ModelCard.load(tmp_path / "README.md").data.license == "cc-by-nc-4.0"


def test_an_image_size_that_contradicts_the_crop_stops_before_anything_is_loaded(finetune_module, capsys):
    with pytest.raises(SystemExit):
        finetune_module.parse_args(
            ["--preset", "ssv2_vivit_b_fe", "--dataset", "org/ssv2", "--config_overrides", "image_size=224"]
        )
    error = capsys.readouterr().err
    assert "image_size=224" in error and "--crop_size 256" in error


# ------------------------------------------------------------------ a ViViT checkpoint at another frame count
def test_a_vivit_checkpoint_at_more_frames_gets_its_position_embeddings_interpolated(finetune_module, uninterrupted):
    from transformers import AutoModelForVideoClassification

    from vivit_hf.training.data.formats import VideoClassificationData

    trained = AutoModelForVideoClassification.from_pretrained(uninterrupted).eval()  # 4 frames of 16: grid 2x2x2
    data = VideoClassificationData(splits={}, label_spaces={"label": ["down", "up"]})  # the checkpoint's labels
    args = finetune_module.parse_args(
        ["--init_from", str(uninterrupted), "--num_frames", "8", "--crop_size", "32", "--hidden_dropout_prob", "0"]
    )
    model, processor = finetune_module.build_model(args, data)
    model.eval()
    assert (model.config.num_frames, model.config.image_size) == (8, 32)
    # Exactly what the checkpoint itself does with interpolate_pos_encoding=True on an 8x32x32 clip ...
    with torch.no_grad():
        expected = trained.vivit.encoder.position_table((4, 4, 4))
    torch.testing.assert_close(model.vivit.encoder.position_embeddings, expected, rtol=0, atol=0)
    # ... so, with the head kept (same label names), the new model gives the checkpoint's interpolated logits.
    torch.testing.assert_close(model.classifier.weight, trained.classifier.weight, rtol=0, atol=0)
    clip = torch.randn(2, 8, 3, 32, 32)
    with torch.no_grad():
        torch.testing.assert_close(
            model(pixel_values=clip).logits, trained(pixel_values=clip, interpolate_pos_encoding=True).logits
        )


def test_a_vivit_checkpoint_gets_a_fresh_head_when_the_label_names_differ(finetune_module, uninterrupted):
    from vivit_hf.training.data.formats import VideoClassificationData

    trained = weights(uninterrupted)
    data = VideoClassificationData(splits={}, label_spaces={"label": ["left", "right"]})  # same count, other names
    args = finetune_module.parse_args(
        ["--init_from", str(uninterrupted), "--num_frames", "4", "--crop_size", "16", "--resize_shortest_edge", "16"]
    )
    model, _ = finetune_module.build_model(args, data)
    assert model.config.id2label == {0: "left", 1: "right"}
    assert not torch.equal(model.classifier.weight, trained["classifier.weight"])
    assert torch.count_nonzero(model.classifier.bias) == 0  # freshly initialised, not the old "down"/"up" rows
    # The backbone (same grid: nothing to resize) is the checkpoint's, bit for bit.
    for name, value in model.state_dict().items():
        if not name.startswith("classifier."):
            torch.testing.assert_close(value, trained[name], rtol=0, atol=0, msg=name)


def test_a_vivit_checkpoint_keeps_its_head_rows_by_class_name_for_reordered_or_fewer_classes(
    finetune_module, uninterrupted
):
    """The checkpoint's classes in another order (a data set that sorts them otherwise), or some of them, used to get
    a fresh head: everything the head had learned lost. Each class now keeps its row, so the new model's logits are
    the checkpoint's own, column for column by name."""
    from transformers import AutoModelForVideoClassification

    from vivit_hf.training.data.formats import VideoClassificationData

    trained = AutoModelForVideoClassification.from_pretrained(uninterrupted).eval()  # classes ["down", "up"]
    clip = torch.randn(2, 4, 3, 16, 16)
    with torch.no_grad():
        expected = trained(pixel_values=clip).logits
    flags = ["--init_from", str(uninterrupted), "--num_frames", "4", "--crop_size", "16", "--resize_shortest_edge"]
    args = finetune_module.parse_args([*flags, "16", "--hidden_dropout_prob", "0"])
    for names, columns in ((["up", "down"], [1, 0]), (["up"], [1])):
        data = VideoClassificationData(splits={}, label_spaces={"label": names})
        model, _ = finetune_module.build_model(args, data)
        assert model.config.id2label == dict(enumerate(names))
        with torch.no_grad():
            torch.testing.assert_close(
                model.eval()(pixel_values=clip).logits, expected[:, columns], rtol=1e-5, atol=1e-6
            )


def test_a_vivit_checkpoint_pooled_another_way_keeps_its_patch_position_embeddings(
    finetune_module, uninterrupted, caplog
):
    """`--config_overrides classifier=gap` on a CLS-token checkpoint (or back) changes the position table by the CLS
    row alone; the whole table used to start random, the checkpoint's learned positions lost with one info line."""
    from vivit_hf.training.data.formats import VideoClassificationData

    trained = weights(uninterrupted)
    old_table = trained["vivit.encoder.position_embeddings"]
    data = VideoClassificationData(splits={}, label_spaces={"label": ["down", "up"]})
    flags = ["--init_from", str(uninterrupted), "--num_frames", "4", "--crop_size", "16", "--resize_shortest_edge"]
    assert "vivit.encoder.cls_token" in trained  # a CLS-token checkpoint: its table has the CLS row first
    model, _ = finetune_module.build_model(
        finetune_module.parse_args([*flags, "16", "--config_overrides", "classifier=gap"]), data
    )
    assert model.config.classifier == "gap"
    torch.testing.assert_close(model.vivit.encoder.position_embeddings, old_table[:, 1:], rtol=0, atol=0)
    # Another tubelet size has no such mapping: its embedding starts random, said as a warning, not an info line.
    with caplog.at_level(logging.WARNING):
        args = finetune_module.parse_args([*flags, "16", "--config_overrides", "tubelet_size=[4,8,8]"])
        finetune_module.build_model(args, data)
    assert "do not fit --init_from" in caplog.text and "vivit.token_embedding.projection.weight" in caplog.text


# ------------------------------------------------------------------ resuming a finished run
def test_a_run_that_diverged_to_nan_stops_in_one_line_and_saves_no_model_or_accuracy(videofolder, tmp_path):
    # SGD at 1e30 makes the weights NaN in a step. The run used to exit 0 with top-1 0.5 and top-5 1.0 (argmax of a
    # NaN row is class 0) in all_results.json and the model card.
    result = run(
        FINETUNE,
        "--dataset",
        videofolder,
        "--output_dir",
        tmp_path,
        "--max_train_steps",
        "2",
        "--optimizer",
        "sgd",
        "--learning_rate",
        "1e30",
        "--max_grad_norm",
        "0",
        *TINY_MODEL,
        check=False,
    )
    assert result.returncode == 1, result.stderr[-3000:]
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: after 2 steps, evaluating test: 6 of the 6 clips evaluated got NaN"), last
    assert not (tmp_path / "model.safetensors").exists() and not (tmp_path / "all_results.json").exists()
    assert not (tmp_path / "README.md").exists()


def test_resuming_a_run_that_reached_max_train_steps_changes_nothing(videofolder, tmp_path):
    """--max_train_steps 5 ends mid-epoch (6 batches per epoch), where the resumed run used to train a sixth step.
    Its last step is checkpointed though --checkpointing_steps 2 does not divide it, as Trainer's (it kept step_2 and
    step_4, so a resume trained step 5 again), counted under --checkpoints_total_limit 2 (step_2 goes)."""
    args = [
        "--dataset",
        videofolder,
        "--output_dir",
        tmp_path,
        "--max_train_steps",
        "5",
        "--checkpointing_steps",
        "2",
        *TINY_MODEL,
    ]
    first = run(FINETUNE, *args)
    assert sorted(p.name for p in (tmp_path / "checkpoints").iterdir()) == ["step_4", "step_5"]
    assert first.stderr.count("saved checkpoint") == 3, first.stderr[-3000:]  # step 4, not twice
    finished = weights(tmp_path)
    history = json.loads((tmp_path / "all_results.json").read_text())["history"]
    finished_clips = json.loads((tmp_path / "all_results.json").read_text())["train_clips_per_process"]
    assert finished_clips[0] > 0
    result = run(FINETUNE, *args, "--resume_from_checkpoint", "latest")
    assert "nothing left to train" in result.stdout + result.stderr
    resumed = weights(tmp_path)
    for name in finished:
        torch.testing.assert_close(resumed[name], finished[name], rtol=0, atol=0, msg=name)
    results = json.loads((tmp_path / "all_results.json").read_text())
    assert results["completed_steps"] == 5 and results["history"] == history
    assert results["train_clips_per_process"] == finished_clips  # the finished run's, not 0: nothing more trained
    assert sorted(p.name for p in (tmp_path / "checkpoints").iterdir()) == ["step_4", "step_5"]
    assert "saved checkpoint" not in result.stderr and "as that run trained" not in result.stderr


def test_an_epoch_checkpoint_of_an_epoch_cut_short_resumes_where_it_stopped(videofolder, tmp_path):
    """--checkpointing_steps epoch with --max_train_steps 4 (6 batches an epoch) recorded epoch 0 as finished, so a
    resume with --max_train_steps 8 skipped its last 2 batches and trained epoch 1's first 4. With a constant learning
    rate (the schedule then does not depend on the run's length) the resumed run must end with the weights, clip
    counts and history of one uninterrupted run of 8 steps; the same 4 steps resumed change nothing."""
    flags = [*TINY_MODEL, "--dataset", videofolder, "--checkpointing_steps", "epoch", "--checkpoints_total_limit", "0"]
    flags += ["--lr_scheduler_type", "constant", "--num_warmup_steps", "0"]
    run(FINETUNE, *flags, "--output_dir", tmp_path / "whole", "--max_train_steps", "8")
    cut = tmp_path / "cut"
    run(FINETUNE, *flags, "--output_dir", cut, "--max_train_steps", "4")
    before = json.loads((cut / "all_results.json").read_text())
    # Named by its step: epoch_0 said epoch 0 was done, its checkpoint the end of epoch 0, which it is not.
    assert [path.name for path in (cut / "checkpoints").iterdir()] == ["step_4"]
    run(FINETUNE, *flags, "--output_dir", cut, "--max_train_steps", "4", "--resume_from_checkpoint", "latest")
    again = json.loads((cut / "all_results.json").read_text())
    assert again["history"] == before["history"] and again["train_clips_per_process"] == [8]
    run(FINETUNE, *flags, "--output_dir", cut, "--max_train_steps", "8", "--resume_from_checkpoint", "latest")
    reference, resumed = weights(tmp_path / "whole"), weights(cut)
    for name in reference:
        torch.testing.assert_close(resumed[name], reference[name], rtol=0, atol=0, msg=name)
    results = [json.loads((folder / "all_results.json").read_text()) for folder in (tmp_path / "whole", cut)]
    for key in ("history", "train_clips_per_process", "completed_steps"):
        assert results[0][key] == results[1][key], key
    assert sorted(path.name for path in (cut / "checkpoints").iterdir()) == ["epoch_0", "step_4", "step_8"]


def test_resuming_from_the_last_checkpoint_of_a_finished_run_changes_nothing(videofolder, uninterrupted, tmp_path):
    shutil.copytree(uninterrupted, tmp_path / "out")
    result = run(
        FINETUNE,
        "--dataset",
        videofolder,
        "--output_dir",
        tmp_path / "out",
        "--num_train_epochs",
        "2",
        "--checkpointing_steps",
        "2",
        *TINY_MODEL,
        "--resume_from_checkpoint",
        "latest",
    )
    assert "nothing left to train" in result.stdout + result.stderr
    resumed, reference = weights(tmp_path / "out"), weights(uninterrupted)
    for name in reference:
        torch.testing.assert_close(resumed[name], reference[name], rtol=0, atol=0, msg=name)
    results = json.loads((tmp_path / "out" / "all_results.json").read_text())
    reference_results = json.loads((uninterrupted / "all_results.json").read_text())
    assert results["completed_steps"] == 12 and results["history"] == reference_results["history"]


def test_a_final_save_that_fails_midway_leaves_the_previous_model_whole(
    videofolder, uninterrupted, tmp_path, monkeypatch
):
    """A finished run continued for a third epoch, whose disk fills up once the new weights are written (the
    processor's save fails): the folder still holds the first run's model, which loads with its own weights, and
    its results; the same command again writes the new model and leaves no temporary folder. The run ends in one line
    saying the disk is full and the checkpoint kept, as a checkpoint's save does (it was the OSError's traceback)."""
    import errno

    from transformers import AutoModelForVideoClassification

    import vivit_hf  # noqa: F401 (registers the models with the Auto classes)
    from vivit_hf.processing.processing_vivit import ViViTVideoProcessor

    out = tmp_path / "out"
    shutil.copytree(uninterrupted, out)
    old_weights, old_results = weights(out), (out / "all_results.json").read_text()
    flags = ["--dataset", videofolder, "--output_dir", out, "--num_train_epochs", "3", "--checkpointing_steps", "2"]
    flags += [*TINY_MODEL, "--resume_from_checkpoint", "latest"]
    beside_the_processor = []

    def full_disk(self, folder, *args, **kwargs):
        beside_the_processor.extend(path.name for path in Path(folder).iterdir())
        raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(ViViTVideoProcessor, "save_pretrained", full_disk)
        with pytest.raises(SystemExit) as stopped:
            run_in_process(load_recipe(), *flags)
    code, head = str(stopped.value.code), f"error: the disk of {out} is full ("
    tail = (
        " bytes free now): the final model was not written (OSError: [Errno 28] No space left on device); the last "
        f"checkpoint, {out / 'checkpoints' / 'step_18'}, is kept: make room, and the same command again"
    )
    assert code.startswith(head) and tail in code and code[len(head) : code.index(tail)].isdigit(), code
    assert "model.safetensors" in beside_the_processor  # it failed after the new weights were written
    loaded = AutoModelForVideoClassification.from_pretrained(out).state_dict()
    for name, value in old_weights.items():
        torch.testing.assert_close(weights(out)[name], value, rtol=0, atol=0, msg=name)
        torch.testing.assert_close(loaded[name], value, rtol=0, atol=0, msg=name)
    assert (out / "all_results.json").read_text() == old_results
    assert not [path.name for path in out.iterdir() if path.name.startswith(".tmp")]

    run_in_process(load_recipe(), *flags)  # continues from the third epoch's last checkpoint: nothing to train
    assert json.loads((out / "all_results.json").read_text())["completed_steps"] == 18
    new_weights = weights(out)
    assert any(not torch.equal(new_weights[name], value) for name, value in old_weights.items())
    loaded = AutoModelForVideoClassification.from_pretrained(out).state_dict()
    for name, value in new_weights.items():
        torch.testing.assert_close(loaded[name], value, rtol=0, atol=0, msg=name)
    leftovers = [p.name for folder in (out, out / "checkpoints") for p in folder.iterdir() if p.name.startswith(".")]
    assert leftovers == []


# ------------------------------------------------------------------ a rerun into a previous run's folder
def test_overwrite_output_dir_leaves_what_a_fresh_run_leaves_and_the_users_own_files(
    videofolder, uninterrupted, tmp_path
):
    """A finished run with checkpoints, an evaluation of its model and a user's files: a rerun with
    --overwrite_output_dir ends with exactly a fresh folder's files and weights, plus the user's files."""
    out = tmp_path / "out"
    shutil.copytree(uninterrupted, out)
    stale = out / "eval_synthetic_motion_test_1x1"
    stale.mkdir()
    (stale / "eval_results.json").write_text('{"top1": 1.0}')
    (out / "notes.txt").write_text("mine")
    flags = ["--dataset", videofolder, *TINY_MODEL, "--max_train_steps", "3"]
    recipe, bars = load_recipe(), []

    class RecordedBar(recipe.tqdm):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            bars.append(self)

    recipe.tqdm = RecordedBar
    run_in_process(recipe, *flags, "--output_dir", out, "--overwrite_output_dir")
    # The training bar is closed when main returns (its last redraw was in the pytest worker's stderr, minutes later).
    assert bars and all(bar.disable for bar in bars)  # tqdm's close() disables the bar
    run_in_process(load_recipe(), *flags, "--output_dir", tmp_path / "fresh")

    def listing(folder):
        return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))

    assert listing(out) == sorted([*listing(tmp_path / "fresh"), "notes.txt"])
    assert (out / "notes.txt").read_text() == "mine"
    assert json.loads((out / "all_results.json").read_text())["completed_steps"] == 3
    fresh = weights(tmp_path / "fresh")
    for name, value in weights(out).items():
        torch.testing.assert_close(value, fresh[name], rtol=0, atol=0, msg=name)


def test_the_plan_line_counts_one_step_and_one_epoch_in_the_singular(videofolder, tmp_path):
    """A one-step run's plan read "1 steps, 1 epochs", and an evaluation of one clip "on 1 clips"."""
    args = ["--dataset", videofolder, "--output_dir", tmp_path, *TINY_MODEL, "--max_train_steps", 1]
    stderr = run(FINETUNE, *args, "--max_eval_samples", 1).stderr
    plan = [line for line in stderr.splitlines() if " training clips, " in line]
    drawn = "1 evaluation clip (test (1 of its 6 clips: --max_eval_samples)); 1 step, 1 epoch, accumulation 1"
    assert len(plan) == 1 and f"{drawn} (total batch 2)" in plan[0]
    assert "epoch 0: eval top-1 " in stderr and " on 1 clip (0 broken skipped;" in stderr  # (was "on 1 clips")


def test_a_training_subset_is_named_in_the_results_and_card_not_the_whole_split(videofolder, tmp_path):
    """--max_train_samples 4 of the 12-clip train split: the card said "fine-tuned on <data set>" and the results
    named no training split, as if all 12 clips had trained it."""
    args = ["--dataset", videofolder, "--output_dir", tmp_path, *TINY_MODEL, "--max_train_steps", 1]
    stderr = run(FINETUNE, *args, "--max_train_samples", 4).stderr
    trained = "train (4 of its 12 clips: --max_train_samples)"
    assert f"4 training clips ({trained}), " in stderr
    assert json.loads((tmp_path / "all_results.json").read_text())["train_split"] == trained
    card = (tmp_path / "README.md").read_text()
    assert f"(split `{trained}`)" in card and f"trained on split `{trained}`" in card


def test_in_a_log_file_the_progress_bar_is_drawn_every_30_seconds_not_at_every_logged_step(videofolder, tmp_path):
    """Without a terminal the bar redraws at most every 30 s (a log file gets a line, not a redraw per step), but
    each logged step's loss redrew it (`set_postfix` refreshes by default): 240 lines for the README's run."""
    args = ["--dataset", videofolder, "--output_dir", tmp_path, *TINY_MODEL, "--max_train_steps", 8]
    result = run(FINETUNE, *args, "--logging_steps", 1)
    draws = result.stderr.count("training:")
    assert 1 <= draws <= 3, result.stderr[-3000:]  # the first draw, the last (and one 30 s on, on a slow machine)
    assert "loss=" in result.stderr.rsplit("training:", 1)[1]  # the last draw still shows the loss


def test_clips_shorter_than_the_span_a_clip_samples_are_said_to_be_looped(finetune_module, videofolder):
    """A --frame_stride too long for the data set: every clip is looped to fill its span (the processor's rule for a
    short file), and the run said nothing; the frame count is the one a full PyAV decode gives."""
    import av

    from vivit_hf.processing.processing_vivit import ViViTVideoProcessor
    from vivit_hf.training.data.formats import load_video_dataset

    examples = load_video_dataset(videofolder, "videofolder").split("train")
    with av.open(str(examples[0]["video"])) as container:
        frames = sum(1 for _ in container.decode(video=0))
    assert frames == 6
    said = finetune_module.short_clips_warning(examples, ViViTVideoProcessor(num_frames=4, frame_stride=2))
    assert said.startswith("the first 3 training clips hold fewer frames than the 7 a clip of 4 frames at stride 2")
    assert f": {frames}): such clips are looped" in said
    assert finetune_module.short_clips_warning(examples, ViViTVideoProcessor(num_frames=4, frame_stride=1)) is None
    uniform = ViViTVideoProcessor(num_frames=4, frame_stride=2, sampling_mode="uniform")  # spreads over any length
    assert finetune_module.short_clips_warning(examples, uniform) is None


def test_a_held_out_percentage_a_data_set_with_a_test_split_leaves_unused_is_said(finetune_module, videofolder, caplog):
    """--validation_split_percentage on a data set with its own test split held nothing out, without a word."""
    import contextlib
    import logging

    from accelerate import PartialState

    PartialState()  # the recipe logs through accelerate
    accelerator = types.SimpleNamespace(num_processes=1, main_process_first=contextlib.nullcontext)
    typed = finetune_module.parse_args(["--dataset", str(videofolder), "--validation_split_percentage", "20"])
    with caplog.at_level(logging.WARNING):
        _, train, evaluation, split = finetune_module.load_data(typed, accelerator)
    assert (len(train), len(evaluation), split) == (12, 6, "test")
    assert "--validation_split_percentage 20 is unused" in caplog.text and "'test' split" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        finetune_module.load_data(finetune_module.parse_args(["--dataset", str(videofolder)]), accelerator)
    assert "validation_split_percentage" not in caplog.text  # the default, not typed


def test_a_resume_from_a_runs_folder_names_the_checkpoints_it_holds(tmp_path):
    """`--resume_from_checkpoint out` (transformers' Trainer users give the output folder) or `out/checkpoints` was
    answered "no trainer_state.json there (give a folder under <this run's --output_dir>/checkpoints, or latest)",
    naming a folder of the new run that may not exist; it now names the checkpoints the folder given holds."""
    import argparse

    from vivit_hf.training.flags import CommandLineRefused

    run = tmp_path / "out"
    for step in (4, 8):
        (run / "checkpoints" / f"step_{step}").mkdir(parents=True)
        (run / "checkpoints" / f"step_{step}" / "trainer_state.json").write_text(f'{{"completed_steps": {step}}}')
    (run / "checkpoints" / ".tmp-step_12").mkdir()  # a save cut short: no checkpoint
    recipe = load_recipe()
    held = f"{run / 'checkpoints' / 'step_4'}, {run / 'checkpoints' / 'step_8'}"
    for given in (run, run / "checkpoints"):
        args = argparse.Namespace(resume_from_checkpoint=str(given), dataset="data")
        with pytest.raises(CommandLineRefused) as refused:
            recipe.find_resume_checkpoint(args, tmp_path / "new", {})
        assert refused.value.message == (
            f"--resume_from_checkpoint {given}: no trainer_state.json there (give one of its checkpoints, {held}, or "
            "latest)"
        )
    args = argparse.Namespace(resume_from_checkpoint=str(tmp_path / "typo"), dataset="data")
    with pytest.raises(CommandLineRefused) as refused:
        recipe.find_resume_checkpoint(args, tmp_path / "new", {})
    assert refused.value.message.startswith(f"--resume_from_checkpoint {tmp_path / 'typo'}: no such folder (give a")


def test_resuming_an_earlier_checkpoint_than_the_latest_warns_that_latest_would_resume_the_later_ones(tmp_path):
    """Going back to step_2 of a run that went on to step_6: `latest` (and the same command again) orders by step, so
    until this run's checkpoints pass step 6 a resume takes the run gone back on, which nothing said."""
    import argparse

    from accelerate import PartialState

    PartialState()  # the recipe logs through accelerate
    for step in (2, 4, 6):
        (tmp_path / "checkpoints" / f"step_{step}").mkdir(parents=True)
        (tmp_path / "checkpoints" / f"step_{step}" / "trainer_state.json").write_text(f'{{"completed_steps": {step}}}')
    recipe = load_recipe()
    args = argparse.Namespace(resume_from_checkpoint=str(tmp_path / "checkpoints" / "step_2"), dataset="data")
    checkpoint, _, warnings = recipe.find_resume_checkpoint(args, tmp_path, {})
    assert checkpoint.name == "step_2"
    assert any("step_4, step_6" in warning and "latest" in warning for warning in warnings), warnings
    args.resume_from_checkpoint = "latest"
    assert not any("later steps" in warning for warning in recipe.find_resume_checkpoint(args, tmp_path, {})[2])


def saved_states(folder, steps) -> list:
    """accelerate's `save_state` of a small model and its AdamW state (one step taken) as checkpoints/step_<N> of
    `folder`, each with this recipe's state file; returns the Accelerator, to load them back."""
    import json

    import torch
    from accelerate import Accelerator

    accelerator = Accelerator(cpu=True)
    model = torch.nn.Linear(64, 64)
    model, optimizer = accelerator.prepare(model, torch.optim.AdamW(model.parameters()))
    model(torch.ones(1, 64)).sum().backward()
    optimizer.step()
    for step in steps:
        checkpoint = folder / "checkpoints" / f"step_{step}"
        accelerator.save_state(str(checkpoint))
        (checkpoint / "trainer_state.json").write_text(json.dumps({"completed_steps": step}))
    return accelerator


@pytest.mark.parametrize("cut", ["model.safetensors", "optimizer.bin", "random_states_0.pkl"])
def test_resuming_a_checkpoint_with_a_file_cut_short_is_refused_naming_it_before_anything_loads(tmp_path, cut):
    """A checkpoint copied to another machine by a copy stopped midway: its state file there beside a file cut short.
    `latest` resumed it and the run died once the data set had loaded, in a traceback naming neither the file nor the
    checkpoint (safetensors' "incomplete metadata, file not fully covered", torch's "failed finding central
    directory", or "Invalid argument"); a random state cut short was passed over by accelerate (INFO "Could not load
    random states"), the run going on from the seed's draws. Refused now, at the start, naming the file and the
    checkpoint to resume instead: what accelerate's `load_state` cannot load (checked), and only that (the whole
    checkpoint loads)."""
    import argparse
    import os

    from vivit_hf.training.flags import CommandLineRefused

    accelerator = saved_states(tmp_path, (2, 4))
    recipe = load_recipe()
    args = argparse.Namespace(resume_from_checkpoint="latest", dataset="data")
    assert recipe.find_resume_checkpoint(args, tmp_path, {})[0].name == "step_4"  # whole: resumed
    accelerator.load_state(str(tmp_path / "checkpoints" / "step_4"))
    path = tmp_path / "checkpoints" / "step_4" / cut
    os.truncate(path, path.stat().st_size // 2)
    with pytest.raises(CommandLineRefused) as refused:
        recipe.find_resume_checkpoint(args, tmp_path, {})
    assert refused.value.message == (
        f"--resume_from_checkpoint {tmp_path / 'checkpoints' / 'step_4'}: {cut} ({path.stat().st_size} bytes) cut "
        "short there, so the checkpoint does not load (a copy stopped midway?): copy it again, or resume another "
        "checkpoint of its run (step_2)"
    )
    if cut != "random_states_0.pkl":  # (accelerate passes over a random state that does not load)
        with pytest.raises(Exception):  # noqa: B017, PT011 - safetensors', torch's own errors
            accelerator.load_state(str(tmp_path / "checkpoints" / "step_4"))


def test_resuming_a_checkpoint_without_this_process_random_state_warns_naming_it(tmp_path, monkeypatch):
    """Folders of their own on each machine: machine 0's checkpoint holds random_states_0.pkl alone. Copied to machine
    1 (as a run is moved), rank 1's resume found none of its own and accelerate said only, at INFO, "Could not load
    random states": it went on from the seed's draws. Now a warning names the file and where it is."""
    import argparse

    saved_states(tmp_path, (2,))
    recipe = load_recipe()
    args = argparse.Namespace(resume_from_checkpoint="latest", dataset="data")
    said = "holds no random_states_1.pkl (it holds random_states_0.pkl)"
    assert not any("random_states" in warning for warning in recipe.find_resume_checkpoint(args, tmp_path, {})[2])
    monkeypatch.setenv("RANK", "1")
    assert any(said in warning for warning in recipe.find_resume_checkpoint(args, tmp_path, {})[2])
    # a machine of two processes, ranks 2 and 3: its main process (which alone says it) names both files
    monkeypatch.setenv("RANK", "2")
    monkeypatch.setenv("LOCAL_RANK", "0")
    monkeypatch.setenv("LOCAL_WORLD_SIZE", "2")
    said = "holds no random_states_2.pkl, random_states_3.pkl (it holds random_states_0.pkl)"
    assert any(said in warning for warning in recipe.find_resume_checkpoint(args, tmp_path, {})[2])


def test_resume_latest_after_a_kill_between_a_checkpoints_two_renames_resumes_the_newest_whole_one(tmp_path):
    """A resumed run saving step_4 again, killed between the old step_4's rename to `.old-step_4` and the new one's
    from `.tmp-step_4`: no step_4 was listed, so `--resume_from_checkpoint latest` resumed step_2, and its first save
    deleted both. The run, once it holds the folder, puts the whole `.tmp-step_4` in place and resumes it."""
    from vivit_hf.training.checkpoints import release_output_dir
    from vivit_hf.training.finetune import parse_args

    root = tmp_path / "checkpoints"
    for step in (2, 4):
        (root / f".tmp-step_{step}").mkdir(parents=True)
        (root / f".tmp-step_{step}" / STATE_FILE).write_text(f'{{"completed_steps": {step}}}')
        os.replace(root / f".tmp-step_{step}", root / f"step_{step}")
    shutil.copytree(root / "step_4", root / ".tmp-step_4")  # the save of step_4 again, written whole ...
    (root / ".tmp-step_4" / STATE_FILE).write_text('{"completed_steps": 4, "again": true}')
    os.replace(root / "step_4", root / ".old-step_4")  # ... and killed once the old one was out of the way
    args = parse_args([*TINY_MODEL, "--output_dir", str(tmp_path), "--resume_from_checkpoint", "latest"])
    try:
        checkpoint, state = load_recipe().decide_start(args, tmp_path, 1)[3:5]
    finally:
        release_output_dir(tmp_path)
    assert checkpoint == root / "step_4" and state == {"completed_steps": 4, "again": True}
    assert sorted(p.name for p in root.iterdir()) == ["step_2", "step_4"]


def test_a_run_refused_leaves_a_killed_save_as_it_was_and_names_the_checkpoint_it_would_resume(tmp_path):
    """A run killed between a save's renames (`.tmp-step_6` whole, `.old-step_2` a pruning's) and another command in
    its folder: refused ("already holds a previous run"), but the save had already been put in place and the pruning's
    leftover deleted as the folder was taken. The refusal changes nothing, and names the checkpoints as the run that
    goes on with the folder finds them (step_6 too); `latest` there resumes step_6."""
    from vivit_hf.training.checkpoints import release_output_dir
    from vivit_hf.training.finetune import parse_args

    root = tmp_path / "checkpoints"
    for name, step in ((".old-step_2", 2), ("step_4", 4), (".tmp-step_6", 6)):
        (root / name).mkdir(parents=True)
        (root / name / STATE_FILE).write_text(json.dumps({"completed_steps": step}))
    (tmp_path / "run_settings.json").write_text("{}")
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    recipe = load_recipe()
    args = parse_args([*TINY_MODEL, "--output_dir", str(tmp_path), "--learning_rate", "0.5"])
    with pytest.raises(recipe.CommandLineRefused) as refused:
        recipe.decide_start(args, tmp_path, 1)
    message = refused.value.message
    assert "already holds a previous run" in message and "checkpoints/ (step_4, step_6)" in message, message
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before
    args = parse_args([*TINY_MODEL, "--output_dir", str(tmp_path), "--resume_from_checkpoint", "latest"])
    try:
        checkpoint, state = recipe.decide_start(args, tmp_path, 1)[3:5]
    finally:
        release_output_dir(tmp_path)
    assert checkpoint == root / "step_6" and state == {"completed_steps": 6}
    assert sorted(p.name for p in root.iterdir()) == ["step_4", "step_6"]


@pytest.mark.skipif(torch.cuda.is_available(), reason="refused on the CPU only (tests/test_recipes_flags.py's)")
def test_a_run_refused_once_its_accelerator_is_made_leaves_a_killed_save_as_it_was(tmp_path):
    """As above, refused later: by a check of the launch made once accelerate's `Accelerator` is (here fp16 on the
    CPU). What the killed save left was put right before those checks (`.tmp-step_6` renamed, `.old-step_2` deleted);
    it is put right only once they pass, with the removal of an overwritten run (`ready_output_dir`)."""
    from vivit_hf.training.checkpoints import RUN_LOCK_FILE, release_output_dir

    root = tmp_path / "checkpoints"
    for name, step in ((".old-step_2", 2), ("step_4", 4), (".tmp-step_6", 6)):
        (root / name).mkdir(parents=True)
        (root / name / STATE_FILE).write_text(json.dumps({"completed_steps": step}))
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    flags = ["--output_dir", tmp_path, "--resume_from_checkpoint", "latest", "--mixed_precision", "fp16"]
    try:
        with pytest.raises(SystemExit) as refused:
            run_in_process(load_recipe(), *TINY_MODEL, *flags)
    finally:
        release_output_dir(tmp_path)
    assert refused.value.code == 2
    # (the lock's file goes as the process that held it exits: here, the test's)
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.name != RUN_LOCK_FILE) == before


def test_a_checkpoint_named_in_another_folder_is_not_taken_from_a_killed_save_this_run_does_not_finish(tmp_path):
    """A whole `.tmp-step_6` counts as `step_6` only in the run's own --output_dir, which it puts right before loading:
    named in another run's folder, where nothing renames it, the resume is refused as before (no such folder), not
    let through to fail loading a folder that is not there. In its own folder it resumes."""
    from vivit_hf.training.finetune import parse_args

    for folder in ("other", "out"):
        (tmp_path / folder / "checkpoints" / ".tmp-step_6").mkdir(parents=True)
        (tmp_path / folder / "checkpoints" / ".tmp-step_6" / STATE_FILE).write_text('{"completed_steps": 6}')
    recipe = load_recipe()
    named = tmp_path / "other" / "checkpoints" / "step_6"
    args = parse_args([*TINY_MODEL, "--output_dir", str(tmp_path / "out"), "--resume_from_checkpoint", str(named)])
    with pytest.raises(recipe.CommandLineRefused) as refused:
        recipe.find_resume_checkpoint(args, tmp_path / "out", {})
    assert f"--resume_from_checkpoint {named}: no such folder" in refused.value.message
    args.resume_from_checkpoint = str(tmp_path / "out" / "checkpoints" / "step_6")
    checkpoint, state, _ = recipe.find_resume_checkpoint(args, tmp_path / "out", {})
    assert checkpoint.name == "step_6" and state == {"completed_steps": 6}


def test_a_process_other_than_the_main_one_looks_for_latest_only_once_the_killed_save_is_finished(
    tmp_path, monkeypatch
):
    """As above, launched on several processes: the main one puts `.tmp-step_4` in place once it holds the folder,
    and rank 1 had looked for `latest` meanwhile, with nothing between them: it found step_2 (or, renamed meanwhile,
    step_4), the main process step_4, and the run stopped, their latest checkpoints "differing". Here rank 1 runs
    alone, and the main process's part is done by the time the processes meet (each collective, `agree`): the
    checkpoint rank 1 offers to agree on must be the one the main process resumes, step_4."""
    root = tmp_path / "checkpoints"
    for step in (2, 4):
        (root / f"step_{step}").mkdir(parents=True)
        (root / f"step_{step}" / STATE_FILE).write_text(f'{{"completed_steps": {step}}}')
    shutil.copytree(root / "step_4", root / ".tmp-step_4")  # step_4 saved again, killed between its renames
    os.replace(root / "step_4", root / ".old-step_4")
    recipe, offered = load_recipe(), []

    class Agreed(Exception):
        pass

    def agree(flags, refusal=None, resume=None, error=None, held=None):
        finish_interrupted_saves(tmp_path)  # the main process's part, done once the processes meet
        assert refusal is None and error is None, (refusal, error)
        if resume is not None:
            offered.append(resume)
            raise Agreed

    monkeypatch.setenv("RANK", "1")
    monkeypatch.setattr(recipe, "agree", agree)
    with pytest.raises(Agreed):
        run_in_process(recipe, *TINY_MODEL, "--output_dir", tmp_path, "--resume_from_checkpoint", "latest")
    assert offered == [["checkpoints/step_4", 4]]


def test_recorded_settings_of_an_older_run_name_the_file_they_were_read_from(tmp_path):
    """A run of an older version recorded its settings in all_results.json (no run_settings.json): an unreadable
    record names that file, the one a user would open, not run_settings.json, which is not there."""
    from vivit_hf.training.finetune import recorded_settings

    (tmp_path / "all_results.json").write_text("[1, 2]")
    with pytest.raises(ValueError, match="all_results.json holds no JSON object"):
        recorded_settings(tmp_path)


@pytest.fixture(scope="module")
def resumed_with_other_settings(videofolder, tmp_path_factory):
    """A run of 2 steps (a checkpoint at step 2) resumed with other settings twice: with nothing left to train, then
    to step 4; made once for the card's and the saved settings' tests (`run_once`). Returns (the resumes' stderr,
    the folder), where <stage>/ holds the run's card, processor, settings and results after each stage (`finished`,
    `no_step`, `longer`), `finished/` also step 2's trainer state."""
    from run_once import run_once

    def make(folder):
        out = folder / "out"
        flags = [*TINY_MODEL, "--dataset", videofolder, "--output_dir", out, "--checkpointing_steps", "2"]
        changed = ["--do_flip", "true", "--learning_rate", "0.01", "--eval_num_clips", "2", *RESUME_LATEST]
        stderr = {}
        for stage, extra in (("finished", ["2"]), ("no_step", ["2", *changed]), ("longer", ["4", *changed])):
            stderr[stage] = run(FINETUNE, *flags, "--max_train_steps", *extra).stderr[-6000:]
            (folder / stage).mkdir()
            for name in ("README.md", "video_preprocessor_config.json", "run_settings.json", "all_results.json"):
                shutil.copy(out / name, folder / stage / name)
            if stage == "finished":
                shutil.copy(out / "checkpoints" / "step_2" / "trainer_state.json", folder / stage)
        return stderr

    return run_once(tmp_path_factory, "resumed_with_other_settings", make)


RESUME_LATEST = ["--resume_from_checkpoint", "latest"]


def test_the_card_of_a_resumed_run_shows_the_settings_its_steps_trained_with(resumed_with_other_settings):
    """A finished run resumed with `--do_flip true` trains no step, and its card said `do_flip True`, the last
    command's flag. The card now shows what the checkpoint's own run recorded it trained with, and a resume that
    trains steps with other settings is shown as a change after the step it resumed from."""
    stderr, folder = resumed_with_other_settings
    recorded = json.loads((folder / "finished" / "trainer_state.json").read_text())["settings"]
    assert recorded["other"]["do_flip"] is False and recorded["other"]["learning_rate"] == 3e-3

    def rows(stage, *names):
        card = (folder / stage / "README.md").read_text().splitlines()
        return [next(row for row in card if row.startswith(f"| {name} |")) for name in names]

    # resumed with --do_flip true --learning_rate 0.01 --eval_num_clips 2, then to step 4 with them
    assert "nothing left to train" in stderr["no_step"]
    assert rows("no_step", "do_flip", "max_train_steps") == ["| do_flip | False |", "| max_train_steps | 2 |"]
    assert json.loads((folder / "longer" / "all_results.json").read_text())["completed_steps"] == 4
    assert rows("longer", "do_flip", "max_train_steps", "learning_rate") == [
        "| do_flip | False, then True after step 2 (resumed) |",
        "| max_train_steps | 2, then 4 after step 2 (resumed) |",
        "| learning_rate | 0.003, then 0.01 after step 2 (resumed) |",
    ]


def test_a_checkpoint_of_an_older_version_gives_the_card_the_settings_it_recorded(tmp_path):
    """A checkpoint saved before runs were recorded has its steps shown with the settings its trainer_state recorded
    (the last run's), not the resuming command's flags."""
    from vivit_hf.training.checkpoints import trained_runs

    settings = {"batches": {"seed": 0}, "model": {"optimizer": "adamw", "freeze": []}, "clips": {}}
    settings["other"] = {"do_flip": False, "learning_rate": 0.001, "max_train_steps": None}
    runs = trained_runs({"completed_steps": 4, "settings": settings})
    assert runs == [
        {"first_step": 0, "settings": {"optimizer": "adamw", "learning_rate": 0.001, "do_flip": False, "seed": 0,
                                        "freeze": []}},
    ]  # fmt: skip
    assert trained_runs({"completed_steps": 4, "settings": settings, "runs": []}) == []


@pytest.mark.parametrize(
    "frames, short_video, valid, indices, said",
    [
        (3, None, True, [0, 1, 2, 0], "such clips are looped to fill it, their frames repeated"),
        (3, "pad", True, [0, 1, 2, 2], "such clips are padded to fill it, their last frame repeated"),
        (1, None, False, None, "they hold a single frame each, and such clips are skipped as broken, every epoch"),
        (1, "loop", True, [0, 0, 0, 0], "such clips are looped to fill it, their frames repeated"),
        (1, "pad", True, [0, 0, 0, 0], "such clips are padded to fill it, their last frame repeated"),
    ],
)
def test_the_short_clip_warning_says_what_the_short_video_rule_does_with_the_clips(
    tmp_path, frames, short_video, valid, indices, said
):
    """The warning said "looped" for clips of a single frame, which are skipped as broken unless --short_video loop or
    pad, and under --short_video pad, which fills a clip with its last frame. It now says what the data set does with
    them: checked against the frames a training sample holds (their drawn index), or the clips' refusal as broken."""
    from video_factory import frame_index, write_video

    from vivit_hf.processing.processing_vivit import ViViTVideoProcessor
    from vivit_hf.training.data.dataset import NoDecodableClipError, VideoClassificationDataset
    from vivit_hf.training.data.formats import load_video_dataset
    from vivit_hf.training.finetune import short_clips_warning

    for label in ("a", "b"):
        (tmp_path / "train" / label).mkdir(parents=True)
        for i in range(3):
            write_video(tmp_path / "train" / label / f"{i}.mp4", num_frames=frames, height=48, width=64)
    examples = load_video_dataset(tmp_path, "videofolder").split("train")
    processor = ViViTVideoProcessor(
        num_frames=4, frame_stride=1, size={"shortest_edge": 48}, crop_size={"height": 48, "width": 64},
        do_flip=False, do_rescale=False, do_normalize=False, short_video=short_video,
    )  # fmt: skip
    dataset = VideoClassificationDataset(examples, processor, seed=0, processor_kwargs=dict(do_train_augment=True))
    if valid:
        clip = dataset[0]["pixel_values"][0].permute(0, 2, 3, 1).numpy().round().astype(np.uint8)
        assert [frame_index(frame) for frame in clip] == indices
    else:  # every clip skipped as broken (a set of some such clips trains on the others)
        with pytest.raises(NoDecodableClipError, match="has a single frame"):
            dataset[0]
    warning = short_clips_warning(examples, processor)
    assert warning.startswith("the first 3 training clips hold fewer frames than the 4 a clip of 4 frames at stride 1")
    assert said in warning, warning
    assert ("looped" in warning) is (valid and short_video != "pad"), warning  # said only of clips that are looped


def test_a_resume_that_trains_no_step_saves_the_processor_and_settings_its_steps_trained_with(
    resumed_with_other_settings,
):
    """A finished run resumed with `--do_flip true` trains no step, yet its saved processor (what a further
    fine-tuning starts from) said do_flip true and its run_settings.json recorded that command's settings. Both are
    now the finished run's own, but for the evaluation the resume measured; a resume that trains steps saves its own."""
    stderr, folder = resumed_with_other_settings
    processor, settings = "video_preprocessor_config.json", "run_settings.json"
    finished_processor = json.loads((folder / "finished" / processor).read_text())
    finished = json.loads((folder / "finished" / settings).read_text())
    assert finished_processor["do_flip"] is False and finished["settings"]["other"]["learning_rate"] == 3e-3
    # resumed with --do_flip true --learning_rate 0.01 --eval_num_clips 2
    assert "nothing left to train" in stderr["no_step"]
    assert json.loads((folder / "no_step" / processor).read_text()) == finished_processor
    finished["settings"]["other"]["eval_num_clips"] = 2  # what the resume's evaluation measured
    assert json.loads((folder / "no_step" / settings).read_text()) == finished
    # then to step 4 with them
    assert json.loads((folder / "longer" / processor).read_text())["do_flip"] is True
    other = json.loads((folder / "longer" / settings).read_text())["settings"]["other"]
    assert (other["do_flip"], other["learning_rate"], other["max_train_steps"]) == (True, 0.01, 4)


def test_a_resume_on_a_data_set_that_gained_a_validation_split_says_it_evaluates_another_split(uninterrupted, tmp_path):
    """--eval_split left out evaluates the data set's default split: `test` of a train/test folder, and `validation`
    once a `validation/` is added beside it. The checkpoint recorded only the typed flag (None both times), so the
    resume went on without a word, ranking its `validation` scores against the history's `test` ones for the best
    model. A run's checkpoint now records the split it evaluated (here the shared run's, on the train/test folder),
    and a resume on the folder that gained `validation/` is told, with the flag that keeps `test`."""
    from vivit_hf.training.data.formats import load_video_dataset
    from vivit_hf.training.finetune import evaluated_split, parse_args
    from vivit_hf.training.resume import check_resume_evaluated_split

    state = json.loads((uninterrupted / "checkpoints" / "step_12" / STATE_FILE).read_text())
    assert state["evaluated_split"] == "test"
    for clip in ("train/a/0.mp4", "train/b/1.mp4", "test/a/2.mp4", "test/b/3.mp4"):
        (tmp_path / clip).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / clip).touch()  # (read as a folder, not decoded)

    def resumed(*flags):
        args = parse_args(["--dataset", str(tmp_path), *flags])
        return check_resume_evaluated_split(state, evaluated_split(args, load_video_dataset(tmp_path)), args)

    assert resumed() == []
    shutil.copytree(tmp_path / "test", tmp_path / "validation")
    said = resumed()
    assert len(said) == 1 and "resuming evaluating 'validation', where the checkpoint's run evaluated 'test'" in said[0]
    assert "give --eval_split test to go on evaluating it" in said[0]
    assert resumed("--eval_split", "test") == []  # the flag it names: `test` evaluated again
    assert resumed("--eval_split", "validation") == []  # typed: check_resume_settings' "a different --eval_split"
