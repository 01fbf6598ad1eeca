# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""recipes/finetune.py's --load_best_model_at_end, --metric_for_best_model and --early_stopping_patience, as
transformers' Trainer and its EarlyStoppingCallback give them: the best evaluation and the stopping step against
Trainer's own code, the final weights against the run's own checkpoint of the best step, exact across a kill and a
resume and on two processes (tiny runs, CPU, offline)."""

import json
import random
import shutil
import signal
import types
from functools import partial
from pathlib import Path

import fresh_python
import pytest
import torch
from test_recipes_finetune import FINETUNE, KILLED_AFTER_STEP_4, REPO, TINY_MODEL, env, run, tiny_clip, weights
from transformers import EarlyStoppingCallback, Trainer, TrainerControl, TrainerState, TrainingArguments

from vivit_hf.training.best_model import best_evaluation, evaluations_without_improvement

# 12 training clips in batches of 2: 6 steps an epoch, 12 in all, evaluated after every step; a checkpoint of every
# step, each kept, is the reference for the model of any step.
FLAGS = [*TINY_MODEL, "--num_train_epochs", "2", "--lr_scheduler_type", "constant", "--num_warmup_steps", "0"]
# At 1e-3 (the preset's rate before 2026-12-06): the history these tests read has its best before the last step, a
# stop by patience and a best that moves between steps 2 and 4; the preset's 3e-3 gives another.
FLAGS += ["--eval_steps", "1", "--learning_rate", "1e-3"]
EVERY = ["--checkpoints_total_limit", "0"]  # each checkpoint kept (refused where the run saves none)


@pytest.fixture(scope="module")
def videofolder(tmp_path_factory):
    root = tmp_path_factory.mktemp("videofolder")
    for split, count in (("train", 6), ("test", 3)):
        for label, name in enumerate(("up", "down")):
            for i in range(count):
                seed = label * 100 + i + (50 if split == "test" else 0)
                tiny_clip(root / split / name / f"{name}_{i}.mp4", label, seed=seed, width=24)
    return root


def results_of(folder):
    return json.loads((folder / "all_results.json").read_text())


def assert_same_weights(found, reference):
    assert found.keys() == reference.keys()
    for name in reference:
        torch.testing.assert_close(found[name], reference[name], rtol=0, atol=0, msg=name)


def trainer_reference(values, patience=None, threshold=0.0, metric="top1"):
    """Trainer's best step and the evaluation its EarlyStoppingCallback stops at (None: never), for evaluations of
    `values` at steps 1, 2, ...: its own `_determine_best_metric` and callback, in the order Trainer calls them, with
    its own `greater_is_better` (False for a name ending in loss)."""
    args = TrainingArguments(output_dir="unused", metric_for_best_model=metric, eval_strategy="steps", report_to=[])
    trainer = types.SimpleNamespace(args=args, state=TrainerState())
    callback = EarlyStoppingCallback(patience or 1, threshold)
    control, stopped_at = TrainerControl(), None
    for step, value in enumerate(values, start=1):
        trainer.state.global_step = step
        callback.on_evaluate(args, trainer.state, control, metrics={f"eval_{metric}": value})
        if control.should_training_stop and stopped_at is None:
            stopped_at = step
        Trainer._determine_best_metric(trainer, {f"eval_{metric}": value}, None)
    best = trainer.state.best_global_step
    return best, trainer.state.best_metric, stopped_at


@pytest.mark.parametrize("metric", ["top1", "loss"])
def test_best_evaluation_and_patience_are_trainers_for_any_history(metric):
    """Ties (a best kept until beaten), plateaus and a threshold (one met exactly does not count): the step Trainer
    keeps as best and the evaluation its callback stops at, read off our history alone. The loss is better when
    lower, as Trainer's default greater_is_better=False for a name ending in loss (the greatest loss was kept)."""
    rng = random.Random(0)
    for _ in range(300):
        values = [rng.choice([0.25, 0.5, 0.6, 0.65, 0.75, 1.0]) for _ in range(rng.randint(1, 12))]
        patience, threshold = rng.randint(1, 4), rng.choice([0.0, 0.05, 0.25, 0.5])
        history = [{"step": step, f"eval/{metric}": value} for step, value in enumerate(values, start=1)]
        best_step, best_value, stopped_at = trainer_reference(values, patience, threshold, metric)
        assert best_evaluation(history, metric) == (best_step, best_value)
        ours = next(
            (
                n
                for n in range(1, len(values) + 1)
                if evaluations_without_improvement(history[:n], metric, threshold) >= patience
            ),
            None,
        )
        assert ours == stopped_at, (values, patience, threshold)


@pytest.fixture(scope="module")
def every_step(videofolder, tmp_path_factory):
    """The whole run, no best model, no early stopping: its checkpoints are the model at every step."""
    out = tmp_path_factory.mktemp("every_step")
    run(FINETUNE, "--dataset", videofolder, "--output_dir", out, *FLAGS, *EVERY, "--checkpointing_steps", "1")
    return out


def test_load_best_model_at_end_writes_the_model_and_results_of_the_best_evaluation(videofolder, every_step, tmp_path):
    """The final model was the last step's whatever its evaluation: now the one whose top-1 was the best in the
    history (the first of equals, as Trainer keeps), its results those of that evaluation."""
    history = results_of(every_step)["history"]
    best_step, best_value, _ = trainer_reference([entry["eval/top1"] for entry in history])
    assert best_step < 12  # else the last step's model would pass for the best
    run(FINETUNE, "--dataset", videofolder, "--output_dir", tmp_path, *FLAGS, "--load_best_model_at_end")
    results = results_of(tmp_path)
    assert results["history"] == history  # choosing changes no step of the training
    assert_same_weights(weights(tmp_path), weights(every_step / "checkpoints" / f"step_{best_step}"))
    assert (results["best_global_step"], results["best_metric"]) == (best_step, best_value)
    assert results["top1"] == best_value and results["metric_for_best_model"] == "top1"
    assert results["stopped_early"] is False and results["completed_steps"] == 12  # no patience: the whole run
    assert sorted(p.name for p in (tmp_path / "checkpoints" / "best").iterdir()) == [f"step_{best_step}"]
    # the card said nothing of it: its recipe's 12 steps read as the last step's weights
    assert f"weights are those of step {best_step} of the 12 trained" in (tmp_path / "README.md").read_text()


def early_stopped_flags(videofolder, out):
    return ["--dataset", videofolder, "--output_dir", out, *FLAGS, *EVERY, "--checkpointing_steps", "2"] + [
        "--early_stopping_patience",
        "2",
        "--load_best_model_at_end",
    ]


@pytest.fixture(scope="module")
def early_stopped(videofolder, tmp_path_factory):
    out = tmp_path_factory.mktemp("early_stopped")
    run(FINETUNE, *early_stopped_flags(videofolder, out))
    return out


def test_early_stopping_stops_at_the_evaluation_trainers_callback_stops_at(every_step, early_stopped):
    history = results_of(every_step)["history"]
    best_step, _, stopped_at = trainer_reference([entry["eval/top1"] for entry in history], patience=2)
    assert stopped_at is not None and stopped_at < 12  # the run would end there anyway
    results = results_of(early_stopped)
    assert results["history"] == history[:stopped_at]
    assert results["stopped_early"] is True and results["completed_steps"] == stopped_at
    # the step it stopped at is checkpointed, as Trainer's last step, whether --checkpointing_steps 2 divides it or not
    steps = sorted(int(path.name[5:]) for path in (early_stopped / "checkpoints").glob("step_*"))
    assert steps[-1] == stopped_at and steps[:-1] == list(range(2, stopped_at, 2)), steps
    assert_same_weights(weights(early_stopped), weights(every_step / "checkpoints" / f"step_{best_step}"))
    card = (early_stopped / "README.md").read_text()
    assert f"step {best_step} of the {stopped_at} trained" in card and f"early at step {stopped_at} of 12" in card


def test_an_early_stopped_run_killed_and_resumed_stops_where_the_uninterrupted_one_did(
    videofolder, early_stopped, tmp_path
):
    """Killed after its step-4 checkpoint (its best snapshots beyond it are of no use to the resume), resumed with
    `latest`: the same history, stop and final weights; the same command again trains nothing more."""
    args = early_stopped_flags(videofolder, tmp_path)
    killed = fresh_python.server(fresh_python.RECIPES, env()).run(
        ["-c", KILLED_AFTER_STEP_4, FINETUNE, *map(str, args)], cwd=REPO, timeout=240
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
    run(FINETUNE, *args, "--resume_from_checkpoint", "latest")
    reference = results_of(early_stopped)
    assert results_of(tmp_path)["history"] == reference["history"]
    assert results_of(tmp_path)["completed_steps"] == reference["completed_steps"]
    assert_same_weights(weights(tmp_path), weights(early_stopped))
    run(FINETUNE, *args)  # a finished, stopped run: continued from its last checkpoint, which stops at once
    assert results_of(tmp_path)["history"] == reference["history"]
    assert_same_weights(weights(tmp_path), weights(early_stopped))


def test_eval_loss_ranks_the_evaluations_lower_is_better_for_the_best_model_and_early_stopping(
    videofolder, every_step, tmp_path
):
    """`--metric_for_best_model eval_loss` (Trainer's default) was refused: the evaluation reported no loss. It ranks
    by the loss now, lower is better, as Trainer's greater_is_better=False for a loss: the run stops where Trainer's
    callback stops on the uninterrupted run's losses (by top-1 it goes on to step 5; the greatest loss is step 1's)
    and ends with the model of its lowest-loss evaluation, whose loss all_results.json reports as eval_loss."""
    history = results_of(every_step)["history"]
    losses = [entry["eval/loss"] for entry in history]
    stopped_at = trainer_reference(losses, patience=2, threshold=0.02, metric="loss")[2]
    assert stopped_at is not None and stopped_at < 12  # the run would end there anyway
    best_step, best_value, _ = trainer_reference(losses[:stopped_at], metric="loss")  # of the evaluations it made
    assert trainer_reference([entry["eval/top1"] for entry in history], 2, 0.02)[2] != stopped_at  # not top-1's stop
    args = ["--dataset", videofolder, "--output_dir", tmp_path, *FLAGS, "--load_best_model_at_end"]
    run(
        FINETUNE,
        *args,
        "--metric_for_best_model",
        "eval_loss",
        "--early_stopping_patience",
        "2",
        "--early_stopping_threshold",
        "0.02",
    )
    results = results_of(tmp_path)
    assert results["history"] == history[:stopped_at] and results["completed_steps"] == stopped_at
    assert results["metric_for_best_model"] == "loss" and results["stopped_early"] is True
    assert (results["best_global_step"], results["best_metric"]) == (best_step, best_value)
    assert results["eval_loss"] == best_value and "loss" not in results
    assert_same_weights(weights(tmp_path), weights(every_step / "checkpoints" / f"step_{best_step}"))


def test_resume_ranking_by_eval_loss_of_a_checkpoint_whose_evaluations_have_no_loss_is_refused(
    videofolder, every_step, tmp_path
):
    """A checkpoint of a version before the loss was reported: its evaluations have none. Ranked by the loss they
    were passed over (the best model and the patience of the evaluations after the resume alone); refused in one line
    naming them, before anything is written. Resumed as it ran (top-1), see test_recipes_train_results."""
    import shutil

    shutil.copytree(every_step / "checkpoints" / "step_4", tmp_path / "checkpoints" / "step_4")
    state_file = tmp_path / "checkpoints" / "step_4" / "trainer_state.json"
    state = json.loads(state_file.read_text())
    state["history"] = [{k: v for k, v in entry.items() if k != "eval/loss"} for entry in state["history"]]
    state_file.write_text(json.dumps(state))
    args = ["--dataset", videofolder, "--output_dir", tmp_path, *FLAGS, "--resume_from_checkpoint", "latest"]
    result = run(FINETUNE, *args, "--metric_for_best_model", "eval_loss", "--early_stopping_patience", "2", check=False)
    assert result.returncode == 2, result.stderr[-2000:]
    said = result.stderr.strip().splitlines()[-1]
    assert "--metric_for_best_model loss" in said and "steps 1, 2, 3, 4 have no loss" in said, said
    assert not (tmp_path / "all_results.json").exists()


@pytest.mark.parametrize(
    "flags, named",
    [
        (["--load_best_model_at_end", "--metric_for_best_model", "eval_accuracy"], "--metric_for_best_model"),
        (["--load_best_model_at_end", "--metric_for_best_model", "noun_top1"], "--metric_for_best_model"),
        (["--metric_for_best_model", "top5"], "--metric_for_best_model"),
        (["--early_stopping_threshold", "0.1"], "--early_stopping_threshold"),
        (["--early_stopping_patience", "0"], "--early_stopping_patience"),
    ],
)
def test_best_model_flags_that_cannot_work_are_refused_before_the_run_naming_the_flag(
    videofolder, tmp_path, flags, named
):
    result = run(FINETUNE, "--dataset", videofolder, "--output_dir", tmp_path / "out", *TINY_MODEL, *flags, check=False)
    assert result.returncode == 2, result.stderr[-2000:]
    assert named in result.stderr.strip().splitlines()[-1]
    assert not (tmp_path / "out" / "checkpoints").exists()


def test_resume_with_load_best_model_at_end_of_a_run_that_kept_no_best_model_is_refused(
    videofolder, every_step, tmp_path
):
    """The checkpoint's best evaluation has no saved model: ending with the last one as "the best" would be wrong."""
    import shutil

    shutil.copytree(every_step / "checkpoints" / "step_4", tmp_path / "checkpoints" / "step_4")
    args = ["--dataset", videofolder, "--output_dir", tmp_path, *FLAGS, *EVERY, "--checkpointing_steps", "1"]
    result = run(FINETUNE, *args, "--load_best_model_at_end", "--resume_from_checkpoint", "latest", check=False)
    assert result.returncode == 2, result.stderr[-2000:]
    assert "--load_best_model_at_end" in result.stderr.strip().splitlines()[-1]
    assert not (tmp_path / "model.safetensors").exists()


@pytest.mark.parametrize("patience, threshold", [(1, 0.0), (3, 1.0)])
def test_resume_with_a_patience_the_checkpoints_history_ran_out_of_earlier_is_refused(
    videofolder, every_step, tmp_path, patience, threshold
):
    """A run to step 12 without early stopping, resumed with a patience (or a threshold) its evaluations had run out
    of at an earlier step: it stopped at once, called it early stopping at step 12 (card and stopped_early), where a
    run started with the flag stops at Trainer's step with other weights. Now refused, naming the flag and both
    steps, before anything is written; from the checkpoint of that step the resume is accepted and stops there."""
    import shutil

    history = json.loads((every_step / "checkpoints" / "step_12" / "trainer_state.json").read_text())["history"]
    _, _, stopped_at = trainer_reference([entry["eval/top1"] for entry in history], patience, threshold)
    assert stopped_at is not None and stopped_at < 12
    shutil.copytree(every_step / "checkpoints" / "step_12", tmp_path / "checkpoints" / "step_12")
    args = ["--dataset", videofolder, "--output_dir", tmp_path, *FLAGS, *EVERY, "--checkpointing_steps", "1"]
    args += ["--early_stopping_patience", str(patience), "--early_stopping_threshold", str(threshold)]
    result = run(FINETUNE, *args, "--resume_from_checkpoint", "latest", check=False)
    assert result.returncode == 2, result.stderr[-2000:]
    said = result.stderr.strip().splitlines()[-1]
    assert "--early_stopping_patience" in said and f"at step {stopped_at}" in said and "to step 12" in said, said
    assert not (tmp_path / "all_results.json").exists() and not (tmp_path / "README.md").exists()
    if patience == 1:  # the checkpoint of the step it stops at: what the run started with the flag saved
        shutil.rmtree(tmp_path / "checkpoints")
        step = f"step_{stopped_at}"
        shutil.copytree(every_step / "checkpoints" / step, tmp_path / "checkpoints" / step)
        run(FINETUNE, *args, "--resume_from_checkpoint", "latest")
        results = results_of(tmp_path)
        assert results["stopped_early"] is True and results["completed_steps"] == stopped_at


def test_early_stopping_at_an_epochs_end_stops_before_the_next_epoch_and_stays_stopped(videofolder, tmp_path):
    """Evaluated at each epoch's end: the run stops there (the epoch's checkpoint saved), and the same command again,
    continuing from that checkpoint, trains nothing more."""
    flags = [*TINY_MODEL, "--num_train_epochs", "4", "--lr_scheduler_type", "constant", "--num_warmup_steps", "0"]
    flags += ["--checkpointing_steps", "epoch", "--checkpoints_total_limit", "0", "--early_stopping_patience", "1"]
    args = ["--dataset", videofolder, "--output_dir", tmp_path, *flags, "--load_best_model_at_end"]
    run(FINETUNE, *args)
    results = results_of(tmp_path)
    best_step, _, stopped_at = trainer_reference([entry["eval/top1"] for entry in results["history"]], patience=1)
    assert stopped_at is not None and stopped_at < 4 and len(results["history"]) == stopped_at
    assert results["completed_steps"] == 6 * stopped_at and results["stopped_early"] is True
    best_epoch = results["history"][best_step - 1]["epoch"]
    assert_same_weights(weights(tmp_path), weights(tmp_path / "checkpoints" / f"epoch_{best_epoch}"))
    first = weights(tmp_path)
    run(FINETUNE, *args)
    assert results_of(tmp_path)["history"] == results["history"]
    assert_same_weights(weights(tmp_path), first)


def test_a_checkpoint_the_limit_removes_takes_the_best_model_only_it_named_with_it(videofolder, every_step, tmp_path):
    """--checkpoints_total_limit 1, a checkpoint every 2 steps, killed after step 4's: the best model that only the
    removed step_2 named stayed on disk (for good: the run never reached its end's pruning); the one step_4 names is
    kept, and the resume ends with the uninterrupted run's best."""
    history = results_of(every_step)["history"]
    best_by_step_2 = trainer_reference([entry["eval/top1"] for entry in history[:2]])[0]
    best_by_step_4 = trainer_reference([entry["eval/top1"] for entry in history[:4]])[0]
    assert best_by_step_2 != best_by_step_4  # else step_2's best is step_4's too
    args = ["--dataset", videofolder, "--output_dir", tmp_path, *FLAGS, *EVERY, "--checkpointing_steps", "2"]
    args += ["--checkpoints_total_limit", "1", "--load_best_model_at_end"]
    killed = fresh_python.server(fresh_python.RECIPES, env()).run(
        ["-c", KILLED_AFTER_STEP_4, FINETUNE, *map(str, args)], cwd=REPO, timeout=240
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
    assert sorted(p.name for p in (tmp_path / "checkpoints").iterdir()) == ["best", "step_4"]
    assert sorted(p.name for p in (tmp_path / "checkpoints" / "best").iterdir()) == [f"step_{best_by_step_4}"]
    run(FINETUNE, *args, "--resume_from_checkpoint", "latest")
    best_step = trainer_reference([entry["eval/top1"] for entry in history])[0]
    assert_same_weights(weights(tmp_path), weights(every_step / "checkpoints" / f"step_{best_step}"))


def test_a_top5_that_is_1_for_any_model_is_warned_naming_the_class_count():
    """top-5 of 5 classes or fewer holds every class: the metric ranked nothing (every evaluation 1.0, the first kept
    as best), without a word. The reference: the evaluation's own top-5 of random models' logits."""
    from vivit_hf.training.best_model import metric_warning
    from vivit_hf.training.metrics import evaluation_metrics

    generator = torch.Generator().manual_seed(0)
    for classes in range(2, 9):
        label_spaces = {"label": [f"c{i}" for i in range(classes)], "other": ["a", "b", "c"]}
        for heads in (["label"], ["label", "other"]):
            spaces = {head: label_spaces[head] for head in heads}
            metric = "top5" if len(heads) == 1 else "label_top5"
            size = sum(len(names) for names in spaces.values())
            tops = [
                evaluation_metrics(
                    torch.randn(40, size, generator=generator),
                    torch.stack([torch.randint(len(n), (40,), generator=generator) for n in spaces.values()], -1)
                    if len(heads) > 1
                    else torch.randint(classes, (40,), generator=generator),
                    torch.ones(40, dtype=torch.bool),
                    spaces,
                )[metric]
                for _ in range(5)
            ]
            warning = metric_warning(metric, spaces)
            assert (warning is not None) == all(top == 1.0 for top in tops), (classes, heads, tops)
            assert warning is None or f"has {classes} classes" in warning
            assert metric_warning(metric.replace("5", "1"), spaces) is None
    assert metric_warning("other_top5", {"label": list("abcdefgh"), "other": ["a", "b", "c"]}) is not None


def test_metric_for_best_model_top5_of_two_classes_is_warned_and_the_run_goes_on(videofolder, tmp_path):
    args = ["--dataset", videofolder, "--output_dir", tmp_path, *TINY_MODEL, "--max_train_steps", "1"]
    result = run(FINETUNE, *args, "--load_best_model_at_end", "--metric_for_best_model", "top5")
    assert "--metric_for_best_model top5: the data set has 2 classes" in result.stderr
    assert results_of(tmp_path)["top5"] == 1.0  # the reference: the run's own evaluation, which ranks nothing


def test_a_kill_while_a_best_snapshot_replaced_is_deleted_leaves_none_that_reads_whole(tmp_path, monkeypatch):
    """A resume evaluating step 2 again saves its best snapshot over the one there: that one was deleted in place
    before the rename, and a kill midway (its weights gone, its eval_results.json not yet) left best/step_2 taken as
    present by a resume with --load_best_model_at_end (`missing_snapshot` None), its weights missing. The new one is
    renamed into place first: a kill while the old one goes leaves the new one whole."""
    from safetensors.torch import load_file
    from transformers import VivitConfig, VivitModel

    from vivit_hf.training import best_model
    from vivit_hf.training.checkpoints import save_pretrained

    config = VivitConfig(hidden_size=8, num_hidden_layers=1, num_attention_heads=2, intermediate_size=8)
    config.update({"image_size": 8, "num_frames": 2, "tubelet_size": [1, 4, 4]})
    models = [VivitModel(config) for _ in range(2)]
    history = [{"step": 2, "top1": 0.5}]
    best_model.save_best_snapshot(models[0], tmp_path, 2, {"top1": 0.5}, models[0].state_dict(), save_pretrained)
    real_rmtree = best_model.shutil.rmtree

    def killed_midway(path, *args, **kwargs):
        if (Path(path) / "model.safetensors").is_file():
            (Path(path) / "model.safetensors").unlink()
            raise KeyboardInterrupt("killed while deleting")
        return real_rmtree(path, *args, **kwargs)

    monkeypatch.setattr(best_model.shutil, "rmtree", killed_midway)
    with pytest.raises(KeyboardInterrupt):
        best_model.save_best_snapshot(models[1], tmp_path, 2, {"top1": 0.5}, models[1].state_dict(), save_pretrained)
    monkeypatch.undo()
    assert best_model.missing_snapshot(tmp_path, history, "top1") is None  # taken as present: it must load whole
    save_pretrained(models[1], tmp_path / "saved", state_dict=models[1].state_dict())  # the newest, as saved whole
    assert_same_weights(best_model.load_best_snapshot(tmp_path, 2)[0], load_file(tmp_path / "saved/model.safetensors"))
    best_model.prune_best_snapshots(tmp_path, "top1", 2)  # what the kill left goes at the next prune
    assert sorted(path.name for path in (tmp_path / "checkpoints" / "best").iterdir()) == ["step_2"]


def test_a_best_snapshot_that_fills_the_disk_ends_the_run_in_one_line_as_a_checkpoint_does(tmp_path, monkeypatch):
    """A full disk while the best model's snapshot was written was torch's `RuntimeError: [enforce fail at
    inline_container.cc:672] . unexpected pos ...` traceback (what torch.save raises on a full tmpfs, measured), where
    a checkpoint's save says it in one line, naming the checkpoint kept: now the snapshot's too, and nothing is left
    of it; with room left, the same error is a bug's and keeps its traceback."""
    from test_mutation_kills_training import FakeAccelerator
    from transformers import VivitConfig, VivitModel

    from vivit_hf.training import best_model, checkpoints
    from vivit_hf.training.checkpoints import save_checkpoint, save_pretrained

    config = VivitConfig(hidden_size=8, num_hidden_layers=1, num_attention_heads=2, intermediate_size=8)
    config.update({"image_size": 8, "num_frames": 2, "tubelet_size": [1, 4, 4]})
    model = VivitModel(config)
    save_checkpoint(FakeAccelerator(), tmp_path, "step_2", {"completed_steps": 2}, total_limit=None)

    def fills_the_disk(model, folder, **kwargs):
        save_pretrained(model, folder, **kwargs)
        raise RuntimeError("[enforce fail at inline_container.cc:672] . unexpected pos 5120 vs 5012")

    snapshot = partial(best_model.save_best_snapshot, model, tmp_path, 4, {"top1": 0.5}, model.state_dict())
    with pytest.raises(RuntimeError, match="unexpected pos"):  # room left on this disk: not a full disk
        snapshot(fills_the_disk)
    full = shutil.disk_usage(tmp_path)._replace(free=0)
    monkeypatch.setattr(checkpoints.shutil, "disk_usage", lambda path: full)
    with pytest.raises(SystemExit) as stopped:
        snapshot(fills_the_disk)
    assert stopped.value.code == (
        f"error: the disk of {tmp_path} is full (0 bytes free now): the best model's snapshot of step 4 was not "
        "written (RuntimeError: [enforce fail at inline_container.cc:672] . unexpected pos 5120 vs 5012); the last "
        f"checkpoint, {tmp_path / 'checkpoints' / 'step_2'}, is kept: make room, and the same command again (without "
        "any --overwrite_output_dir) continues from it (what it left half written goes as it starts)"
    )
    assert sorted(path.name for path in (tmp_path / "checkpoints" / "best").iterdir()) == []


@pytest.mark.parametrize(
    "history, default, advice",
    [
        ([{"step": 2, "eval/map": 0.5}, {"step": 4, "eval/map": 0.6}], "map", "(the default, map, ranks them)"),
        ([{"step": 2, "eval/top1": 0.5}], "top1", "(the default, top1, ranks them)"),
        ([{"step": 2, "eval/action_top1": 0.5}], "action_top1", "(the default, action_top1, ranks them)"),
        ([{"step": 2}], "map", None),  # (no default ranks them either: not advised)
    ],
)
def test_a_resume_that_cannot_rank_by_the_metric_names_the_runs_own_default(history, default, advice):
    """A resume with --metric_for_best_model loss over evaluations of a version that reported no loss is refused,
    advising to resume without the flag, "(the default, top-1, ranks them)": for a multi-label run the default is mAP
    (`default_metric`), with several heads action top-1, which the advice now names; where the default has no value
    either, it is not advised."""
    from vivit_hf.training.best_model import unranked_evaluations

    said = unranked_evaluations(history, "loss", default)
    assert said.startswith("--metric_for_best_model loss: the checkpoint's evaluations of step"), said
    if advice is None:
        assert "resume without" not in said and said.endswith("start over with it (--overwrite_output_dir)"), said
    else:
        assert f"resume without --metric_for_best_model loss {advice}, or start over" in said, said
