# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""recipes/finetune.py's training metrics as transformers' Trainer writes them (train_loss, train_runtime, ...) and
its evaluation every --eval_steps: exact across a kill and a resume, on tiny runs (CPU, offline)."""

import json
import re
import shutil
import signal

import fresh_python
import pytest
import torch
from run_once import run_once
from test_recipes_finetune import FINETUNE, KILLED_AFTER_STEP_4, REPO, TINY_MODEL, env, run, weights

# 12 training clips in batches of 2: 6 steps an epoch, 12 in all; a constant learning rate, so that a run of fewer
# steps is the same run stopped early (the reference for an evaluation mid-run).
FLAGS = [*TINY_MODEL, "--num_train_epochs", "2", "--checkpointing_steps", "2"]
FLAGS += ["--lr_scheduler_type", "constant", "--num_warmup_steps", "0"]


def results_of(folder):
    return json.loads((folder / "all_results.json").read_text())


def killed_after_step_4_and_resumed(*args):
    """The run SIGKILLed once its step_4 checkpoint is saved (no clean-up), then resumed with `latest`."""
    killed = fresh_python.server(fresh_python.RECIPES, env()).run(
        ["-c", KILLED_AFTER_STEP_4, FINETUNE, *map(str, args)], cwd=REPO, timeout=240
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
    run(FINETUNE, *args, "--resume_from_checkpoint", "latest")


def logged_scalars(folder, tag: str) -> dict[int, float]:
    """A tensorboard curve the run logged (--logging_steps 1: one value a step), by step."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    values = {}
    for events in sorted(folder.glob("finetune/**/events.out.tfevents.*")):
        accumulator = EventAccumulator(str(events))
        accumulator.Reload()
        if tag in accumulator.Tags()["scalars"]:
            values.update({event.step: event.value for event in accumulator.Scalars(tag)})
    return values


def logged_losses(folder) -> dict[int, float]:
    """The tensorboard curve train/loss, by step."""
    return logged_scalars(folder, "train/loss")


@pytest.fixture(scope="module")
def uninterrupted_run(videofolder, tmp_path_factory):
    """The run's folder and its log (stderr)."""
    out = tmp_path_factory.mktemp("uninterrupted")
    result = run(FINETUNE, "--dataset", videofolder, "--output_dir", out, *FLAGS, "--with_tracking", "true")
    return out, result.stderr


@pytest.fixture(scope="module")
def uninterrupted(uninterrupted_run):
    return uninterrupted_run[0]


def test_train_loss_is_the_mean_of_the_logged_step_losses_as_trainer_reports_it(uninterrupted):
    """all_results.json had no training loss (only the tracker's curve): a Trainer user reads train_loss,
    train_runtime, train_samples_per_second and epoch there and in train_results.json."""
    losses = logged_losses(uninterrupted)
    assert sorted(losses) == list(range(1, 13))
    train = json.loads((uninterrupted / "train_results.json").read_text())
    assert train["train_loss"] == pytest.approx(sum(losses.values()) / 12, rel=1e-12)
    assert train["epoch"] == 2.0 and type(train["epoch"]) is float  # Trainer writes 2.0, not 2
    everything = results_of(uninterrupted)
    assert {key: everything[key] for key in train} == train
    # 12 clips an epoch, 2 epochs, in the time the run trained
    assert train["train_samples_per_second"] == pytest.approx(24 / train["train_runtime"])
    assert train["train_steps_per_second"] == pytest.approx(12 / train["train_runtime"])


def test_the_trackers_epoch_at_an_evaluation_is_train_epoch_beside_it(uninterrupted_run):
    """The tracker logged each evaluation's `epoch` as the epoch's index (0 at the end of the first epoch), beside
    `train/epoch` (Trainer's epochs done: 1.0) at the same step, and all_results.json's `epoch` (2.0 at the end): two
    curves named epoch, one apart. It is now the epochs done; the history and the log keep the index, with which the
    `epoch_N` checkpoints are named (accelerate's no_trainer examples)."""
    folder, log = uninterrupted_run
    trained = logged_scalars(folder, "train/epoch")
    assert logged_scalars(folder, "epoch") == {6: 1.0, 12: 2.0} == {step: trained[step] for step in (6, 12)}
    assert results_of(folder)["epoch"] == 2.0 and [entry["epoch"] for entry in results_of(folder)["history"]] == [0, 1]
    assert "epoch 0: eval top-1 " in log and "epoch 1: eval top-1 " in log


def test_the_evaluation_is_in_all_results_under_trainers_eval_names_too(uninterrupted_run):
    """Trainer writes its evaluation's metrics into all_results.json as eval_<name> (eval_accuracy, eval_loss): a
    Trainer user's script reading eval_top1 found no key. Both spellings now, the same values (.ci/run and the docs
    read top1). The loss, which the evaluation did not compute (no eval_loss, no eval/loss curve), is among them, in
    the history and the tracker at each evaluation (its value: test_metrics_values, test_recipes_evaluate), as
    eval_loss alone: its bare `loss` read as training's, Trainer's logs' name for it. So in the run's last log line
    (`trained in ...s ...: {...}`), which said `"loss"` beside `"train_loss"` where all_results.json says eval_loss.
    That line said "done in 4s" of a command that took 40 s: it is train_runtime, named so, beside the time in all."""
    uninterrupted, log = uninterrupted_run
    everything = results_of(uninterrupted)
    said, done = log.rsplit("trained in ", 1)[1].splitlines()[0].split(": ", 1)
    done = json.loads(done)
    trained, in_all = re.fullmatch(r"(\d+)s \(train_runtime\), (\d+)s in all", said).groups()
    assert int(trained) == round(everything["train_runtime"]) and int(in_all) > everything["train_runtime"], said
    assert "loss" not in done and done["eval_loss"] == everything["eval_loss"], done
    assert {name: done[name] for name in ("top1", "train_loss")} == {n: everything[n] for n in ("top1", "train_loss")}
    for name in ("top1", "top5", "num_samples", "num_skipped"):
        assert everything[f"eval_{name}"] == everything[name], name
    history = everything["history"]
    assert everything["eval_loss"] == history[-1]["eval/loss"] and 0 < everything["eval_loss"] < float("inf")
    # no bare `loss`: in Trainer's logs it is training's, and here it was the evaluation's beside train_loss
    assert "loss" not in everything and everything["train_loss"] != everything["eval_loss"]
    logged = logged_scalars(uninterrupted, "eval/loss")
    assert logged == pytest.approx({entry["step"]: entry["eval/loss"] for entry in history}) and sorted(logged) == [
        6,
        12,
    ]


def test_the_gradient_norm_before_clipping_is_logged_as_trainer_logs_grad_norm(uninterrupted):
    """Trainer logs grad_norm (clip_grad_norm_'s total norm, before clipping) at every logging step; the tracker had
    no such curve. The preset clips at --max_grad_norm 1.0: the logged norms are the unclipped ones (some above 1)."""
    norms = logged_scalars(uninterrupted, "train/grad_norm")
    assert sorted(norms) == list(range(1, 13))
    assert all(0 < norm < float("inf") for norm in norms.values()) and max(norms.values()) > 1.0


def test_the_logged_epoch_is_the_epochs_done_as_trainer_logs_epoch(uninterrupted):
    """train/epoch was the epoch's index (0 for steps 1-6, 1 for 7-12: the run's last step logged 1 where
    train_results.json says 2.0); Trainer logs the epochs done, a share of the current one included."""
    epochs = logged_scalars(uninterrupted, "train/epoch")
    assert epochs == pytest.approx({step: step / 6 for step in range(1, 13)})


@pytest.fixture(scope="module")
def killed_and_resumed(videofolder, tmp_path_factory):
    """FLAGS killed after step 4 and resumed, logging every 5 steps to the tracker and evaluating every 5 steps: one
    run for the three claims about a resume (train_loss, the logged windows, the evaluations), which each took a kill
    and a resume of its own (neither logging nor evaluating changes the training: see the tests of --eval_steps)."""

    def make(out):
        flags = [*FLAGS, "--with_tracking", "true", "--logging_steps", "5", "--eval_steps", "5"]
        killed_after_step_4_and_resumed("--dataset", videofolder, "--output_dir", out, *flags)

    return run_once(tmp_path_factory, "train_results_killed_and_resumed", make)[1]


def test_a_run_killed_and_resumed_reports_the_train_loss_of_the_uninterrupted_run(
    videofolder, uninterrupted, killed_and_resumed, tmp_path
):
    """The loss summed so far is kept in each checkpoint: the resumed run's train_loss is the mean of all 12 steps'
    losses, not of the 8 it trained itself."""
    shutil.copytree(killed_and_resumed, tmp_path, dirs_exist_ok=True)  # the shared run stays as it was
    resumed, reference = results_of(tmp_path), results_of(uninterrupted)
    assert resumed["train_loss"] == pytest.approx(reference["train_loss"], rel=1e-12)
    assert resumed["epoch"] == 2.0
    assert resumed["train_steps_per_second"] == pytest.approx(8 / resumed["train_runtime"])  # this run's steps
    # the finished run resumed again trains nothing: the same train_loss, no step of its own
    flags = [*FLAGS, "--with_tracking", "true", "--logging_steps", "5", "--eval_steps", "5"]  # the shared run's
    run(FINETUNE, "--dataset", videofolder, "--output_dir", tmp_path, *flags, "--resume_from_checkpoint", "latest")
    again = results_of(tmp_path)
    assert again["train_loss"] == resumed["train_loss"] and again["train_steps_per_second"] == 0


def test_each_logged_loss_is_the_mean_of_the_steps_of_its_window_across_an_epoch_and_a_resume(
    uninterrupted, killed_and_resumed
):
    """--logging_steps 5, killed after step 4 and resumed: the value at step 5 covered step 5 alone (the window's sum
    restarted at the resume), and the one at step 10 steps 7-10 (restarted at epoch 1's start, step 7); each is now
    the mean of the --logging_steps 1 run's losses of its window, 1-5, 6-10 and 11-12."""
    per_step, logged = logged_losses(uninterrupted), logged_losses(killed_and_resumed)
    assert sorted(logged) == [5, 10, 12]
    for step, first in ((5, 1), (10, 6), (12, 11)):
        window = [per_step[s] for s in range(first, step + 1)]
        assert logged[step] == pytest.approx(sum(window) / len(window), rel=1e-6), step


@pytest.fixture(scope="module")
def every_5_steps(videofolder, tmp_path_factory):
    out = tmp_path_factory.mktemp("every_5_steps")
    run(FINETUNE, "--dataset", videofolder, "--output_dir", out, *FLAGS, "--eval_steps", "5")
    return out


def test_eval_steps_evaluates_every_n_steps_and_at_the_end_without_changing_the_training(
    videofolder, uninterrupted, every_5_steps, tmp_path
):
    """--eval_steps was refused ("evaluates at the end of every epoch"). Every 5 steps of 12 and at the last: the
    evaluation at step 5 is that of a run stopped at step 5 (evaluated at its end), and evaluating mid-epoch changes
    no weight of the model trained."""
    history = results_of(every_5_steps)["history"]
    assert [entry["step"] for entry in history] == [5, 10, 12]
    assert [entry["epoch"] for entry in history] == [0, 1, 1]
    run(FINETUNE, "--dataset", videofolder, "--output_dir", tmp_path, *FLAGS, "--max_train_steps", "5")
    stopped_at_5 = results_of(tmp_path)["history"]
    assert stopped_at_5[-1]["step"] == 5 and history[0] == stopped_at_5[-1]
    reference = weights(uninterrupted)
    trained = weights(every_5_steps)
    for name in reference:
        torch.testing.assert_close(trained[name], reference[name], rtol=0, atol=0, msg=name)
    assert results_of(every_5_steps)["confusion_matrix"] == results_of(uninterrupted)["confusion_matrix"]
    assert history[-1] == results_of(uninterrupted)["history"][-1]


def test_eval_steps_after_a_resume_mid_interval_or_at_an_evaluated_step_are_neither_missed_nor_repeated(
    videofolder, every_5_steps, killed_and_resumed, tmp_path
):
    """Killed at step 4 (one before an evaluation) and resumed; resumed from step 10 (evaluated, then
    checkpointed): the evaluations are those of the uninterrupted run, once each. Step 10's checkpoint as a version
    before the loss was reported wrote it (its evaluations have none) still resumes: the loss from the resume on."""
    assert results_of(killed_and_resumed)["history"] == results_of(every_5_steps)["history"]
    shutil.copytree(every_5_steps / "checkpoints" / "step_10", tmp_path / "step_10")
    state = json.loads((tmp_path / "step_10" / "trainer_state.json").read_text())
    state["history"] = [{k: v for k, v in entry.items() if k != "eval/loss"} for entry in state["history"]]
    (tmp_path / "step_10" / "trainer_state.json").write_text(json.dumps(state))
    again = tmp_path / "from_step_10"
    run(
        FINETUNE,
        "--dataset",
        videofolder,
        "--output_dir",
        again,
        *FLAGS,
        "--eval_steps",
        "5",
        "--resume_from_checkpoint",
        tmp_path / "step_10",
    )
    reference = results_of(every_5_steps)["history"]
    assert results_of(again)["history"] == [*state["history"], reference[-1]] and "eval/loss" in reference[-1]


def test_a_finished_run_resumed_again_keeps_its_end_of_run_evaluation_in_the_history(
    videofolder, every_5_steps, tmp_path
):
    """Its last checkpoint (step 12) is saved before the evaluation at the run's end (12 is no multiple of 5). The
    same command run again trains nothing and evaluated that checkpoint, but left the evaluation out of the history
    (steps 5, 10: training_curves.png and the tracker lost the run's last point); it is the uninterrupted run's."""
    again = tmp_path / "again"
    shutil.copytree(every_5_steps, again)
    run(FINETUNE, "--dataset", videofolder, "--output_dir", again, *FLAGS, "--eval_steps", "5")
    assert results_of(again)["history"] == results_of(every_5_steps)["history"]


def test_a_finished_run_of_epoch_checkpoints_and_eval_steps_run_again_trains_nothing(videofolder, tmp_path):
    """Its last checkpoint is its last epoch's end (epoch_0 of 6 steps), evaluated at steps 4 and 6 (the run's end,
    after the checkpoint): the same command again resumed no epoch and died in an UnboundLocalError (`epoch`) at the
    end-of-run evaluation; it makes it again, and the history is the finished run's."""
    flags = [*TINY_MODEL, "--dataset", videofolder, "--output_dir", tmp_path, "--max_train_steps", "6"]
    flags += ["--checkpointing_steps", "epoch", "--eval_steps", "4"]
    run(FINETUNE, *flags)
    history = results_of(tmp_path)["history"]
    assert [entry["step"] for entry in history] == [4, 6]
    assert sorted(path.name for path in (tmp_path / "checkpoints").iterdir()) == ["epoch_0"]
    again = run(FINETUNE, *flags)
    assert "continuing it from epoch_0" in again.stderr and "nothing left to train" in again.stderr
    assert results_of(tmp_path)["history"] == history


def test_eval_steps_with_epoch_checkpoints_of_a_run_cut_short_resume_to_the_uninterrupted_history(
    videofolder, tmp_path
):
    """--checkpointing_steps epoch saves a run that --max_train_steps ends mid-epoch without the evaluation made at
    its end (a resume makes it again); with --eval_steps that end-of-run evaluation is no epoch's, and the step
    evaluations before it stay in the checkpoint: a resume to 8 steps evaluates at 3, 6 and 8, as one run of 8."""
    flags = [*FLAGS, "--checkpointing_steps", "epoch", "--eval_steps", "3", "--dataset", videofolder]
    run(FINETUNE, *flags, "--output_dir", tmp_path / "whole", "--max_train_steps", "8")
    run(FINETUNE, *flags, "--output_dir", tmp_path / "cut", "--max_train_steps", "4")
    assert [entry["step"] for entry in results_of(tmp_path / "cut")["history"]] == [3, 4]
    resumed = ["--output_dir", tmp_path / "cut", "--max_train_steps", "8", "--resume_from_checkpoint", "latest"]
    run(FINETUNE, *flags, *resumed)
    history = results_of(tmp_path / "whole")["history"]
    assert [entry["step"] for entry in history] == [3, 6, 8]
    assert results_of(tmp_path / "cut")["history"] == history
