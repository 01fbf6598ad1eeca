# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The loss, the metrics, the recipe's step flags and checkpoints, and position-embedding resizing against values
worked out by hand (issue 18 part 4: kills the mutants that survived the older suite in `training/metrics.py`,
`models/losses.py`'s `multi_head_cross_entropy`, `training/finetune.py`, `training/checkpoints.py` and
`models/modeling_blocks.py`'s position tables; docs/testing.md, "mutmut")."""

import argparse
import errno
import json
import math
import os
import shutil
import sys
from pathlib import Path

import pytest
import torch

from vivit_hf.hub.folders import process_umask
from vivit_hf.models.losses import multi_head_cross_entropy
from vivit_hf.models.modeling_blocks import resize_position_table
from vivit_hf.training.checkpoints import SAVED_AT, STATE_FILE, list_checkpoints, save_checkpoint
from vivit_hf.training.finetune import (
    _at_least,
    _bool,
    _checkpointing_steps,
    classification_loss,
    soft_targets,
)
from vivit_hf.training.metrics import classification_metrics, evaluation_metrics, scalar_metrics, topk_correct


def nll(row, target):
    """-log softmax(row)[target], by the formula."""
    return -(row[target] - math.log(sum(math.exp(v) for v in row)))


# --------------------------------------------------------------------------------------------------------- the loss
LOGITS = torch.tensor([[1.0, 2.0, 0.0, 0.0, 3.0], [0.0, 0.0, 1.0, 2.0, -1.0]])  # heads of 3 and 2 classes
HARD = torch.tensor([[1, 1], [2, 0]])
PER_SAMPLE = [  # the mean of the two heads' cross-entropies (scenic's `jnp.mean` over heads)
    (nll([1.0, 2.0, 0.0], 1) + nll([0.0, 3.0], 1)) / 2,
    (nll([0.0, 0.0, 1.0], 2) + nll([2.0, -1.0], 0)) / 2,
]


def test_multi_head_loss_is_the_mean_of_each_heads_cross_entropy():
    got = multi_head_cross_entropy(LOGITS, HARD, [3, 2], reduction="none")
    torch.testing.assert_close(got, torch.tensor(PER_SAMPLE))
    torch.testing.assert_close(multi_head_cross_entropy(LOGITS, HARD, [3, 2]), torch.tensor(sum(PER_SAMPLE) / 2))
    torch.testing.assert_close(
        multi_head_cross_entropy(LOGITS, HARD, [3, 2], reduction="sum"), torch.tensor(sum(PER_SAMPLE))
    )


def test_multi_head_loss_on_soft_targets_and_in_fp32():
    soft = torch.tensor([[0.0, 1.0, 0.0, 0.0, 1.0], [0.5, 0.0, 0.5, 0.25, 0.75]])
    expected = [
        PER_SAMPLE[0],
        (
            0.5 * nll([0.0, 0.0, 1.0], 0)
            + 0.5 * nll([0.0, 0.0, 1.0], 2)
            + 0.25 * nll([2.0, -1.0], 0)
            + 0.75 * nll([2.0, -1.0], 1)
        )
        / 2,
    ]
    got = multi_head_cross_entropy(LOGITS.bfloat16(), soft.bfloat16(), [3, 2], reduction="none")
    assert got.dtype == torch.float32
    torch.testing.assert_close(got, torch.tensor(expected), atol=2e-2, rtol=0)


def test_recipe_loss_averages_over_valid_clips_only():
    targets = soft_targets(HARD, [3, 2], 0.0)
    valid = torch.tensor([True, False])
    torch.testing.assert_close(classification_loss(LOGITS, targets, valid, [3, 2]), torch.tensor(PER_SAMPLE[0]))
    both = classification_loss(LOGITS, targets, torch.tensor([1, 1]), [3, 2])
    torch.testing.assert_close(both, torch.tensor(sum(PER_SAMPLE) / 2))
    none = classification_loss(LOGITS, targets, torch.tensor([False, False]), [3, 2])
    assert none.item() == 0.0  # a batch of broken clips: no loss, not 0 / 0


def test_soft_targets_one_hot_per_head_with_smoothing():
    got = soft_targets(HARD, [3, 2], 0.3)
    expected = torch.tensor([[0.1, 0.8, 0.1, 0.15, 0.85], [0.1, 0.1, 0.8, 0.85, 0.15]])
    torch.testing.assert_close(got, expected)
    single = soft_targets(torch.tensor([2, 0]), [3], 0.0)  # one head: labels (batch,)
    assert single.tolist() == [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]


# ---------------------------------------------------------------------------------------------------- the metrics
def test_classification_metrics_by_hand_with_default_names_and_prefix():
    logits = torch.tensor(
        [
            [0.0, 6.0, 5.0, 4.0, 3.0, 2.0, 1.0],  # true 0: rank 7
            [0.0, 6.0, 5.0, 4.0, 3.0, 2.0, 1.0],  # true 1: rank 1
            [6.0, 5.0, 4.0, 3.0, 2.0, 1.0, 0.0],  # true 4: rank 5
        ]
    )
    labels = torch.tensor([0, 1, 4])
    results = classification_metrics(logits, labels, prefix="verb_")
    assert results["verb_top1"] == pytest.approx(1 / 3)
    assert results["verb_top5"] == pytest.approx(2 / 3)
    assert results["verb_num_samples"] == 3
    assert results["verb_per_class_accuracy"] == {"0": 0.0, "1": 1.0, "4": 0.0}
    confusion = [[0] * 7 for _ in range(7)]
    confusion[0][1] = confusion[1][1] = confusion[4][0] = 1
    assert results["verb_confusion_matrix"] == confusion
    assert set(results) == {f"verb_{k}" for k in ("top1", "top5", "num_samples", "per_class_accuracy")} | {
        "verb_confusion_matrix"
    }
    assert topk_correct(logits, labels, 5).tolist() == [False, True, True]


def test_classification_metrics_count_repeated_pairs_and_an_empty_set():
    logits = torch.tensor([[0.0, 1.0], [0.0, 1.0], [0.0, 1.0]])
    results = classification_metrics(logits, torch.tensor([1, 1, 0]), ["a", "b"])
    assert results["confusion_matrix"] == [[0, 1], [0, 2]]
    assert results["per_class_accuracy"] == {"a": 0.0, "b": 1.0}
    empty = classification_metrics(torch.zeros(0, 3), torch.zeros(0, dtype=torch.long))
    # No sample: no accuracy (None), not 0.0 that a model card would report as measured.
    assert (empty["top1"], empty["top5"], empty["num_samples"], empty["per_class_accuracy"]) == (None, None, 0, {})
    assert empty["confusion_matrix"] == [[0, 0, 0]] * 3


def test_two_head_evaluation_by_hand():
    # noun head 2 classes, verb head 3; clip 2 is broken
    logits = torch.tensor(
        [
            [1.0, 0.0, 0.0, 1.0, 0.0],  # noun 0, verb 1
            [1.0, 0.0, 0.0, 0.0, 1.0],  # noun 0, verb 2
            [0.0, 1.0, 1.0, 0.0, 0.0],  # broken
            [0.0, 1.0, 1.0, 0.0, 0.0],  # noun 1, verb 0
        ]
    )
    labels = torch.tensor([[0, 1], [1, 2], [0, 0], [1, 1]])
    valid = torch.tensor([1, 1, 0, 1])
    results = evaluation_metrics(logits, labels, valid, {"noun": ["n0", "n1"], "verb": ["v0", "v1", "v2"]})
    assert results["num_skipped"] == 1 and results["num_samples"] == 3
    assert results["noun_top1"] == pytest.approx(2 / 3) and results["verb_top1"] == pytest.approx(2 / 3)
    assert results["action_top1"] == pytest.approx(1 / 3)  # only clip 0 has both right
    assert results["noun_per_class_accuracy"] == pytest.approx({"n0": 1.0, "n1": 0.5})
    assert results["verb_confusion_matrix"] == [[0, 0, 0], [1, 1, 0], [0, 0, 1]]
    empty = evaluation_metrics(logits, labels, torch.zeros(4), {"noun": ["n0", "n1"], "verb": ["v0", "v1", "v2"]})
    assert empty["action_top1"] is None and empty["num_samples"] == 0 and empty["num_skipped"] == 4
    single = evaluation_metrics(logits[:, :2], labels[:, 0], valid, {"noun": ["n0", "n1"]})
    assert single["num_skipped"] == 1 and single["top1"] == pytest.approx(2 / 3) and single["num_samples"] == 3
    kept = valid.bool()
    loss = torch.nn.functional.cross_entropy(logits[kept, :2], labels[kept, 0]).item()  # Trainer's eval_loss
    assert scalar_metrics(single) == {
        "num_skipped": 1,
        "top1": single["top1"],
        "top5": 1.0,
        "num_samples": 3,
        "loss": pytest.approx(loss),
    }


# ------------------------------------------------------------------------------------------- the recipe's step flags
def test_step_flags_parse_by_hand():
    assert _at_least(1)("3") == 3 and _at_least(0)("0") == 0
    for bad in ("0", "-2", "2.5", "x"):
        with pytest.raises(argparse.ArgumentTypeError) as error:
            _at_least(1)(bad)
        assert str(error.value) == f"expected a whole number >= 1, got {bad!r}"
    assert _checkpointing_steps("epoch") == "epoch" and _checkpointing_steps("1") == "1"
    for bad in ("0", "-1", "Epoch", "1.5", ""):
        with pytest.raises(argparse.ArgumentTypeError) as error:
            _checkpointing_steps(bad)
        assert str(error.value) == f"expected a number of steps >= 1 or 'epoch', got {bad!r}"
    assert [_bool(t) for t in ("1", "True", "yes", "ON")] == [True] * 4
    assert [_bool(t) for t in ("0", "FALSE", "no", "off")] == [False] * 4
    with pytest.raises(argparse.ArgumentTypeError, match="^expected true or false, got 'maybe'$"):
        _bool("maybe")


# ------------------------------------------------------------------------------------------------- the checkpoints
class FakeAccelerator:
    """One process: `save_state` writes one file, and every call is recorded."""

    def __init__(self, is_main_process=True):
        self.is_main_process = is_main_process
        self.calls = []

    def wait_for_everyone(self):
        self.calls.append("wait")

    def save_state(self, folder):
        self.calls.append(("save_state", Path(folder).name))
        Path(folder).mkdir(parents=True, exist_ok=True)
        (Path(folder) / "model.bin").write_text(folder)


def recorded(checkpoint: Path) -> dict:
    """The state a checkpoint's STATE_FILE records, less when it was saved (a time, checked here)."""
    state = json.loads((checkpoint / STATE_FILE).read_text())
    assert isinstance(state.pop(SAVED_AT), float)
    return state


def test_checkpoints_are_renamed_into_place_and_pruned_by_step_not_name(tmp_path):
    accelerator = FakeAccelerator()
    for step in (9, 10, 11):
        final = save_checkpoint(accelerator, tmp_path, f"step_{step}", {"completed_steps": step}, total_limit=2)
        assert final == tmp_path / "checkpoints" / f"step_{step}"
        assert recorded(final) == {"completed_steps": step}
    # step_9 sorts after step_10 and step_11 by name; the oldest by step is the one removed
    assert sorted(p.name for p in (tmp_path / "checkpoints").iterdir()) == ["step_10", "step_11"]
    assert [p.name for p in list_checkpoints(tmp_path)] == ["step_10", "step_11"]
    assert accelerator.calls[:3] == ["wait", ("save_state", ".tmp-step_9"), "wait"]
    # the state file is indented JSON
    assert (tmp_path / "checkpoints" / "step_11" / STATE_FILE).read_text().startswith('{\n  "completed_steps": 11,\n')


def test_the_limit_never_deletes_the_checkpoint_just_saved_after_going_back_to_an_earlier_one(tmp_path):
    """A run resumed from step_2 of a run that went on to step_6 (going back past a loss spike) saves step_3: ranked by
    step it was the oldest but step_2, and with a limit of 2 deleted at once, leaving step_4 and step_6 of the run
    gone back on, which `latest` then resumed."""
    accelerator = FakeAccelerator()
    for step in (2, 4, 6):
        save_checkpoint(accelerator, tmp_path, f"step_{step}", {"completed_steps": step}, total_limit=None)
    save_checkpoint(accelerator, tmp_path, "step_3", {"completed_steps": 3}, total_limit=2)
    assert [p.name for p in list_checkpoints(tmp_path)] == ["step_2", "step_3"]
    save_checkpoint(accelerator, tmp_path, "step_4", {"completed_steps": 4, "again": True}, total_limit=2)
    assert [p.name for p in list_checkpoints(tmp_path)] == ["step_3", "step_4"]
    assert json.loads((tmp_path / "checkpoints" / "step_4" / STATE_FILE).read_text())["again"] is True


def test_a_checkpoint_is_on_disk_before_its_state_file_and_renamed_only_once_that_is(tmp_path, monkeypatch):
    """Nothing was fsynced: a power loss after the rename could leave a checkpoint whose files were empty, taken as
    whole (its state file there), the older ones pruned. Each file accelerate's `save_state` wrote is synced first,
    then the state file, then the folder holding their names, then, once renamed, the folder of checkpoints (before
    the limit removes the older one)."""
    from accelerate import Accelerator
    from accelerate.state import AcceleratorState

    synced, pruned = [], []  # (whether the limit had removed step_1 as each fsync was made)
    real_fsync = os.fsync

    def fsync(fd):
        synced.append(Path(os.readlink(f"/proc/self/fd/{fd}")))
        pruned.append(not (tmp_path / "checkpoints" / "step_1").exists())
        real_fsync(fd)

    AcceleratorState._reset_state(reset_partial_state=True)
    try:
        accelerator = Accelerator(cpu=True)
        model = torch.nn.Linear(2, 2)
        accelerator.prepare(model, torch.optim.AdamW(model.parameters()))
        save_checkpoint(accelerator, tmp_path, "step_1", {"completed_steps": 1}, total_limit=1)
        monkeypatch.setattr(os, "fsync", fsync)
        final = save_checkpoint(accelerator, tmp_path, "step_2", {"completed_steps": 2}, total_limit=1)
    finally:
        AcceleratorState._reset_state(reset_partial_state=True)
    root, tmp = tmp_path / "checkpoints", tmp_path / "checkpoints" / ".tmp-step_2"
    written = sorted(tmp / path.name for path in final.iterdir() if path.name != STATE_FILE)
    assert {"model.safetensors", "optimizer.bin"} <= {path.name for path in written}
    assert sorted(synced[: len(written)]) == written and synced[len(written) :] == [tmp, tmp / STATE_FILE, tmp, root]
    assert not any(pruned) and [path.name for path in list_checkpoints(tmp_path)] == ["step_2"]


def test_a_file_system_that_cannot_fsync_saves_as_before():
    """fsync is EINVAL where a file system has nothing to sync (as /dev/null's, procfs'): a save must not fail there
    on what is no write error."""
    from vivit_hf.training.checkpoints import on_disk

    on_disk(Path(os.devnull))


@pytest.mark.parametrize("limit", [1, 2])
def test_a_checkpoint_of_the_run_gone_back_on_at_the_same_step_goes_before_the_one_just_saved(tmp_path, limit):
    """A run resumed from epoch_0 (step 10) of a run that saved epoch_1 (step 20), with --checkpointing_steps 10, saves
    step_20: ranked by step alone the two tied, in the directory's order, so the limit deleted step_20 just saved or
    epoch_0 before epoch_1 of the run gone back on, and `latest` was either. Named in either order, the run's own
    stays and is the latest."""
    accelerator = FakeAccelerator()
    for name, step in (("epoch_0", 10), ("epoch_1", 20)):
        save_checkpoint(accelerator, tmp_path, name, {"completed_steps": step}, total_limit=None)
    save_checkpoint(accelerator, tmp_path, "step_20", {"completed_steps": 20}, total_limit=limit)
    assert [p.name for p in list_checkpoints(tmp_path)] == ["epoch_0", "step_20"][-limit:]


@pytest.mark.parametrize("written", [("b", "c", "a"), ("a", "c", "b")])  # one of them is not the directory's order
def test_checkpoints_of_one_step_are_listed_in_the_order_they_were_saved_copied_or_not(tmp_path, written):
    """Ranked by their state files' mtimes, checkpoints of one step copied (cp without -p, scp, a download: the copy's
    order) were `latest` in that order; they are in the order saved, which their state files record. An earlier
    version's, which record no time, go first and by mtime."""
    accelerator = FakeAccelerator()
    for name in ("a", "b", "c", "old_1", "old_2"):
        save_checkpoint(accelerator, tmp_path, name, {"completed_steps": 20}, total_limit=None)
    for seconds, name in enumerate(written):
        state = json.loads((tmp_path / "checkpoints" / name / STATE_FILE).read_text())
        (tmp_path / "checkpoints" / name / STATE_FILE).write_text(json.dumps({**state, SAVED_AT: 1e9 + seconds}))
    for seconds, name in enumerate(["old_2", "old_1", *reversed(written)]):  # as copied: the newest first
        if name.startswith("old"):
            (tmp_path / "checkpoints" / name / STATE_FILE).write_text(json.dumps({"completed_steps": 20}))
        os.utime(tmp_path / "checkpoints" / name / STATE_FILE, (2e9 + seconds,) * 2)
    assert [p.name for p in list_checkpoints(tmp_path)] == ["old_2", "old_1", *written]


def test_a_checkpoint_saved_again_replaces_the_old_one_and_no_limit_keeps_all(tmp_path):
    accelerator = FakeAccelerator()
    for step in (1, 2, 3):
        save_checkpoint(accelerator, tmp_path, f"step_{step}", {"completed_steps": step}, total_limit=None)
    save_checkpoint(accelerator, tmp_path, "epoch_0", {"completed_steps": 0}, total_limit=0)
    save_checkpoint(accelerator, tmp_path, "step_2", {"completed_steps": 2, "again": True}, total_limit=None)
    assert [p.name for p in list_checkpoints(tmp_path)] == ["epoch_0", "step_1", "step_2", "step_3"]
    assert json.loads((tmp_path / "checkpoints" / "step_2" / STATE_FILE).read_text())["again"] is True


def test_a_leftover_temporary_folder_is_replaced_and_never_listed(tmp_path):
    tmp = tmp_path / "checkpoints" / ".tmp-step_4"
    tmp.mkdir(parents=True)
    (tmp / "stale").write_text("x")
    (tmp / STATE_FILE).write_text(json.dumps({"completed_steps": 99}))
    assert list_checkpoints(tmp_path) == []
    half = tmp_path / "checkpoints" / "step_3"  # no state file: a save cut short
    half.mkdir()
    assert list_checkpoints(tmp_path) == []
    save_checkpoint(FakeAccelerator(), tmp_path, "step_4", {"completed_steps": 4}, total_limit=3)
    assert not (tmp_path / "checkpoints" / "step_4" / "stale").exists()
    assert [p.name for p in list_checkpoints(str(tmp_path))] == ["step_4"]
    assert not tmp.exists()


def test_only_the_main_process_writes_the_state_and_renames(tmp_path):
    accelerator = FakeAccelerator(is_main_process=False)
    (tmp_path / "checkpoints" / ".tmp-step_0").mkdir(parents=True)  # a whole save a kill left: the writer's to finish
    (tmp_path / "checkpoints" / ".tmp-step_0" / STATE_FILE).write_text('{"completed_steps": 0}')
    save_checkpoint(accelerator, tmp_path, "step_1", {"completed_steps": 1}, total_limit=1)
    assert (tmp_path / "checkpoints" / ".tmp-step_1" / "model.bin").exists()  # its part of save_state only
    assert not (tmp_path / "checkpoints" / "step_1").exists()
    assert sorted(p.name for p in (tmp_path / "checkpoints").iterdir()) == [".tmp-step_0", ".tmp-step_1"]
    assert accelerator.calls == ["wait", ("save_state", ".tmp-step_1"), "wait", "wait"]


class Killed(BaseException):
    """A kill at that point of a save: `save_checkpoint` runs no cleanup (no try/finally), so raising is one."""


def kill_the_save(monkeypatch, where: str) -> None:
    """The next save is killed `where`: once its state file is written (before any rename), or between its old
    checkpoint's rename to `.old-<name>` and its own from `.tmp-<name>` into place."""
    from vivit_hf.training import checkpoints

    real_replace = os.replace

    def replace(source, target):
        if where == "after its state file" or Path(source).name.startswith(".tmp-"):
            raise Killed(where)
        return real_replace(source, target)

    monkeypatch.setattr(checkpoints.os, "replace", replace)


@pytest.mark.parametrize("where", ["after its state file", "between the renames"])
@pytest.mark.parametrize("name", ["step_4", "step_6"])  # saved again (a resumed run's, an epoch_N), or a new one
def test_a_kill_after_a_checkpoint_is_written_whole_loses_neither_it_nor_the_one_it_replaces(
    tmp_path, monkeypatch, caplog, where, name
):
    """Killed between `.old-step_4` and the rename of `.tmp-step_4` (step_4 saved again), no step_4 was listed and the
    next save deleted `.old-step_4`, keeping `.tmp-step_4` unlisted for good: both lost, `latest` step_2. Killed once
    its state file was written, the whole `.tmp-` was never listed either. The whole one is put in place."""
    accelerator = FakeAccelerator()
    for step in (2, 4):
        save_checkpoint(accelerator, tmp_path, f"step_{step}", {"completed_steps": step}, total_limit=None)
    kill_the_save(monkeypatch, where)
    with pytest.raises(Killed):
        save_checkpoint(accelerator, tmp_path, name, {"completed_steps": int(name[-1]), "again": True}, None)
    monkeypatch.undo()
    save_checkpoint(accelerator, tmp_path, "step_8", {"completed_steps": 8}, total_limit=None)  # the run goes on
    listed = [p.name for p in list_checkpoints(tmp_path)]
    assert listed == sorted({"step_2", "step_4", name, "step_8"}), listed
    assert recorded(tmp_path / "checkpoints" / name)["again"] is True  # the newest save of the name
    assert sorted(p.name for p in (tmp_path / "checkpoints").iterdir()) == listed  # no `.tmp-` nor `.old-` left
    assert f"{tmp_path / 'checkpoints' / name}: put in place" in caplog.text


def test_a_save_killed_before_its_files_modes_are_set_is_never_put_in_place_with_modes_no_one_else_reads(
    tmp_path, monkeypatch
):
    """safetensors writes its file 0600, which `umask_modes` makes 0644; it ran after the state file, so a save killed
    there was put in place whole by the next (`finish_interrupted_saves`), its weights readable by no one else. The
    state file is written last now: such a save is half written, and removed."""
    from vivit_hf.training import checkpoints

    class SavesAsSafetensors(FakeAccelerator):
        def save_state(self, folder):
            super().save_state(folder)
            (Path(folder) / "model.bin").chmod(0o600)

    accelerator = SavesAsSafetensors()

    def killed(folder):
        raise Killed("in umask_modes")

    monkeypatch.setattr(checkpoints, "umask_modes", killed)
    with pytest.raises(Killed):
        save_checkpoint(accelerator, tmp_path, "step_1", {"completed_steps": 1}, total_limit=None)
    monkeypatch.undo()
    save_checkpoint(accelerator, tmp_path, "step_2", {"completed_steps": 2}, total_limit=None)
    modes = {str(path.relative_to(tmp_path)): oct(path.stat().st_mode & 0o777) for path in tmp_path.rglob("*.bin")}
    assert modes == {"checkpoints/step_2/model.bin": oct(0o666 & ~process_umask())}


def test_what_a_kill_left_half_written_goes_at_the_next_save_of_any_name_and_is_never_listed(tmp_path, caplog):
    """A save killed in `save_state` left `.tmp-step_4`, removed only when step_4 was saved again: with another
    --checkpointing_steps, a checkpoint's worth of disk for good. A state file cut short is no whole checkpoint, and an
    `.old-` one (pruned, killed while deleted) may keep its state file without all its weights: never restored."""
    accelerator = FakeAccelerator()
    save_checkpoint(accelerator, tmp_path, "step_1", {"completed_steps": 1}, total_limit=None)
    root = tmp_path / "checkpoints"
    os.replace(root / "step_1", root / ".old-step_1")  # pruned, and killed before its deletion was done
    (root / ".tmp-step_4").mkdir()
    (root / ".tmp-step_4" / "model.bin").write_text("half")  # killed in save_state
    shutil.copytree(root / ".old-step_1", root / ".tmp-step_3")
    (root / ".tmp-step_3" / STATE_FILE).write_text('{"completed_st')  # killed while its state file was written
    save_checkpoint(accelerator, tmp_path, "step_5", {"completed_steps": 5}, total_limit=None)
    assert sorted(p.name for p in root.iterdir()) == ["step_5"]
    assert "removed what interrupted saves and deletions left there (.tmp-step_3, .tmp-step_4, .old-step_1)" in (
        caplog.text
    )


class FullDiskAccelerator(FakeAccelerator):
    """`save_state` on a disk that fills up: what torch.save raised, measured on a full tmpfs (no OSError, no errno)."""

    def save_state(self, folder):
        Path(folder).mkdir(parents=True, exist_ok=True)
        (Path(folder) / "optimizer.bin").write_bytes(b"PK" * 2506)  # as far as it got
        raise RuntimeError("[enforce fail at inline_container.cc:672] . unexpected pos 5120 vs 5012")


def test_a_save_that_fills_the_disk_ends_the_run_in_one_line_naming_the_checkpoint_kept(tmp_path, monkeypatch):
    """A full disk during a save was torch's `RuntimeError: [enforce fail at inline_container.cc:672] . unexpected pos
    5120 vs 5012`, a traceback read as a bug, saying neither that the disk was full nor that step_2 was whole and the
    same command would continue from it. The run now ends (status 1) in one line saying both (measured on a 200 KiB
    tmpfs: 0 bytes free); with room left, the same error is a bug's and keeps its traceback."""
    from vivit_hf.training import checkpoints

    save_checkpoint(FakeAccelerator(), tmp_path, "step_2", {"completed_steps": 2}, total_limit=2)
    with pytest.raises(RuntimeError, match="unexpected pos"):  # room left on this disk: not a full disk
        save_checkpoint(FullDiskAccelerator(), tmp_path, "step_4", {"completed_steps": 4}, total_limit=2)
    full = shutil.disk_usage(tmp_path)._replace(free=0)
    monkeypatch.setattr(checkpoints.shutil, "disk_usage", lambda path: full)
    with pytest.raises(SystemExit) as stopped:
        save_checkpoint(FullDiskAccelerator(), tmp_path, "step_4", {"completed_steps": 4}, total_limit=2)
    assert stopped.value.code == (
        f"error: the disk of {tmp_path} is full (0 bytes free now): checkpoint step_4 was not written (RuntimeError: "
        "[enforce fail at inline_container.cc:672] . unexpected pos 5120 vs 5012); the last checkpoint, "
        f"{tmp_path / 'checkpoints' / 'step_2'}, is kept: make room, and the same command again (without any "
        "--overwrite_output_dir) continues from it (what it left half written goes as it starts)"
    )
    assert [path.name for path in list_checkpoints(tmp_path)] == ["step_2"]


def test_a_save_that_fails_on_a_file_system_of_no_size_keeps_its_traceback(tmp_path, monkeypatch):
    """ramfs (and a tmpfs of size=0, a FUSE file system without statfs) says 0 bytes free of 0 (measured): any
    failure of a save there, a bug's, was said as a full disk, its traceback gone. Only an ENOSPC says so there."""
    from vivit_hf.training import checkpoints

    save_checkpoint(FakeAccelerator(), tmp_path, "step_2", {"completed_steps": 2}, total_limit=2)
    ramfs = shutil.disk_usage(tmp_path)._replace(total=0, used=0, free=0)
    monkeypatch.setattr(checkpoints.shutil, "disk_usage", lambda path: ramfs)
    with pytest.raises(RuntimeError, match="unexpected pos"):
        save_checkpoint(FullDiskAccelerator(), tmp_path, "step_4", {"completed_steps": 4}, total_limit=2)
    with pytest.raises(SystemExit, match="is full"):
        save_checkpoint(NoRoomForTheModelAccelerator(), tmp_path, "step_4", {"completed_steps": 4}, total_limit=2)


class NoRoomForTheModelAccelerator(FakeAccelerator):
    """`save_state` whose model.safetensors does not fit: safetensors' error, which removes the file it could not
    finish (measured: a 2.5 MB model on a 1 MiB tmpfs left all 1 MiB free, nothing written)."""

    def save_state(self, folder):
        from safetensors import SafetensorError

        Path(folder).mkdir(parents=True, exist_ok=True)
        raise SafetensorError("Error while serializing: I/O error: No space left on device (os error 28)")


def test_a_model_file_that_does_not_fit_is_said_as_a_full_disk_though_its_room_is_given_back(tmp_path):
    """safetensors removes a model.safetensors it could not finish: a save whose model did not fit left the disk with
    room free (all 1 MiB of a 1 MiB tmpfs), so free space alone read it as another failure and kept safetensors'
    traceback. Its ENOSPC says it: the one line of a full disk, naming step_2 kept."""
    save_checkpoint(FakeAccelerator(), tmp_path, "step_2", {"completed_steps": 2}, total_limit=2)
    with pytest.raises(SystemExit) as stopped:
        save_checkpoint(NoRoomForTheModelAccelerator(), tmp_path, "step_4", {"completed_steps": 4}, total_limit=2)
    assert f"error: the disk of {tmp_path} is full (" in stopped.value.code
    assert "checkpoint step_4 was not written (SafetensorError: Error while serializing: I/O error: No space" in (
        stopped.value.code
    )
    assert f"the last checkpoint, {tmp_path / 'checkpoints' / 'step_2'}, is kept" in stopped.value.code


def hold_a_file_in(folder: Path, monkeypatch) -> Path:
    """A file in `folder` that cannot be deleted, as a read-only subfolder makes it; where chmod binds no one (root),
    unlinking it fails as the kernel would refuse it (EACCES), which is what `shutil.rmtree` meets either way."""
    locked = folder / "locked"
    locked.mkdir()
    held = locked / "held.bin"
    held.write_text("x")
    locked.chmod(0o500)
    try:
        (locked / "probe").touch()
    except PermissionError:
        return held  # chmod binds: rmtree cannot empty `locked`
    (locked / "probe").unlink()
    real_unlink = os.unlink

    def refuse_held(path, *args, **kwargs):
        if os.fspath(path).endswith(held.name):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fspath(path))
        return real_unlink(path, *args, **kwargs)

    monkeypatch.setattr(os, "unlink", refuse_held)
    return held


def test_an_old_checkpoint_that_cannot_be_fully_removed_does_not_stop_the_save(tmp_path, monkeypatch):
    accelerator = FakeAccelerator()
    old = save_checkpoint(accelerator, tmp_path, "step_1", {"completed_steps": 1}, total_limit=1)
    held = hold_a_file_in(old, monkeypatch)
    retired = tmp_path / "checkpoints" / ".old-step_1"
    try:
        final = save_checkpoint(accelerator, tmp_path, "step_2", {"completed_steps": 2}, total_limit=1)
    finally:
        for locked in (held.parent, retired / "locked"):
            if locked.exists():
                locked.chmod(0o700)
    assert final == tmp_path / "checkpoints" / "step_2"
    assert recorded(final) == {"completed_steps": 2}
    # pruning took step_1 out of the list (renamed) and removed what it could of it, leaving the rest
    assert not old.exists() and (retired / "locked" / held.name).exists() and not (retired / STATE_FILE).exists()
    assert [p.name for p in list_checkpoints(tmp_path)] == ["step_2"]
    monkeypatch.undo()
    save_checkpoint(accelerator, tmp_path, "step_3", {"completed_steps": 3}, total_limit=1)  # the leftover goes
    assert sorted(p.name for p in (tmp_path / "checkpoints").iterdir()) == ["step_3"]


def test_a_kill_while_an_old_checkpoint_is_deleted_leaves_no_half_checkpoint_listed(tmp_path, monkeypatch):
    """Deleting a checkpoint takes many unlinks; a kill among them used to leave a folder with its state file but
    not all its weights, which `latest` would resume from."""
    from vivit_hf.training import checkpoints

    accelerator = FakeAccelerator()
    save_checkpoint(accelerator, tmp_path, "step_1", {"completed_steps": 1}, total_limit=1)
    real_rmtree = shutil.rmtree

    def killed_after_the_weights(path, *args, **kwargs):
        if Path(path).name.startswith(".tmp-") or not Path(path).exists():  # clearing a leftover: no kill there
            return real_rmtree(path, *args, **kwargs)
        for weights in Path(path).glob("model.bin"):
            weights.unlink()
        raise KeyboardInterrupt  # the kill, before the state file goes

    monkeypatch.setattr(checkpoints.shutil, "rmtree", killed_after_the_weights)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(accelerator, tmp_path, "step_2", {"completed_steps": 2}, total_limit=1)
    monkeypatch.setattr(checkpoints.shutil, "rmtree", real_rmtree)
    listed = list_checkpoints(tmp_path)
    assert [p.name for p in listed] == ["step_2"] and all((p / "model.bin").exists() for p in listed)


def test_a_leftover_of_an_earlier_deletion_that_cannot_be_fully_removed_does_not_stop_the_save(tmp_path, monkeypatch):
    """A kill while deleting leaves `.old-<name>`; clearing it at the next save is housekeeping, never a reason to
    lose that save, even where part of it cannot be deleted."""
    leftover = tmp_path / "checkpoints" / ".old-step_1"
    leftover.mkdir(parents=True)
    (leftover / STATE_FILE).write_text(json.dumps({"completed_steps": 1}))
    held = hold_a_file_in(leftover, monkeypatch)
    try:
        final = save_checkpoint(FakeAccelerator(), tmp_path, "step_2", {"completed_steps": 2}, total_limit=1)
    finally:
        held.parent.chmod(0o700)
    assert recorded(final) == {"completed_steps": 2}
    assert [p.name for p in list_checkpoints(tmp_path)] == ["step_2"]
    # what could be deleted of the leftover is gone, the held file stays
    assert held.exists() and not (leftover / STATE_FILE).exists()


# ------------------------------------------------------------------------------------------------ position tables
def test_resize_of_one_axis_is_linear_with_corners_aligned():
    table = torch.tensor([[[0.0, 10.0], [2.0, 20.0], [8.0, 30.0]]])  # (1, 3, 2)
    got = resize_position_table(table, (3,), (5,))
    expected = torch.tensor([[[0.0, 10.0], [1.0, 15.0], [2.0, 20.0], [5.0, 25.0], [8.0, 30.0]]])
    torch.testing.assert_close(got, expected)


def test_resize_of_a_grid_is_bilinear_row_major_and_keeps_the_dtype():
    # 2 x 2 grid, value = 10 * row + col -> 3 x 3: rows 0, 5, 10; cols 0, 0.5, 1
    table = torch.tensor([0.0, 1.0, 10.0, 11.0]).reshape(1, 4, 1)
    got = resize_position_table(table, (2, 2), (3, 3))
    expected = torch.tensor([0.0, 0.5, 1.0, 5.0, 5.5, 6.0, 10.0, 10.5, 11.0]).reshape(1, 9, 1)
    torch.testing.assert_close(got, expected)
    got = resize_position_table(table.bfloat16(), (2, 2), (2, 3))
    assert got.dtype == torch.bfloat16
    torch.testing.assert_close(got.float(), torch.tensor([0.0, 0.5, 1.0, 10.0, 10.5, 11.0]).reshape(1, 6, 1))
    assert resize_position_table(table, (2, 2), (2, 2)) is table
    # three axes: 2 x 1 x 2 (t, h, w), value = 100 t + w -> 3 x 1 x 2
    cube = torch.tensor([0.0, 1.0, 100.0, 101.0]).reshape(1, 4, 1)
    got = resize_position_table(cube, (2, 1, 2), (3, 1, 2))
    torch.testing.assert_close(got, torch.tensor([0.0, 1.0, 50.0, 51.0, 100.0, 101.0]).reshape(1, 6, 1))


def encoder_with_table(grid, use_cls_token):
    from vivit_hf.models.modeling_blocks import ViViTEncoder

    encoder = ViViTEncoder.__new__(ViViTEncoder)
    torch.nn.Module.__init__(encoder)
    encoder.grid = tuple(grid)
    encoder.num_prefix_tokens = int(use_cls_token)
    rows = torch.arange(int(use_cls_token) + math.prod(grid), dtype=torch.float32)
    encoder.position_embeddings = torch.nn.Parameter(rows.reshape(1, -1, 1) * 2)
    return encoder


def test_position_table_keeps_the_cls_row_and_resizes_or_crops_the_grid():
    encoder = encoder_with_table((2, 1, 2), use_cls_token=True)  # rows: cls 0, grid 2, 4, 6, 8
    assert encoder.position_table((2, 1, 2)) is encoder.position_embeddings
    assert encoder.position_table((2, 1, 2), resize=False) is encoder.position_embeddings
    resized = encoder.position_table((3, 1, 2))
    torch.testing.assert_close(resized.flatten(), torch.tensor([0.0, 2.0, 4.0, 4.0, 6.0, 6.0, 8.0]))
    cropped = encoder.position_table((1, 1, 2), resize=False)  # the first temporal row, not interpolated
    torch.testing.assert_close(cropped.flatten(), torch.tensor([0.0, 2.0, 4.0]))
    no_cls = encoder_with_table((2, 2), use_cls_token=False)  # rows 0, 2, 4, 6
    torch.testing.assert_close(no_cls.position_table((1, 2), resize=False).flatten(), torch.tensor([0.0, 2.0]))
    torch.testing.assert_close(no_cls.position_table((2, 3)).flatten(), torch.tensor([0.0, 1.0, 2.0, 4.0, 5.0, 6.0]))


def test_one_sample_metrics_and_int32_labels():
    logits = torch.tensor([[0.0, 1.0, 2.0, 0.5, 0.0]])  # noun head (2), verb head (3)
    labels = torch.tensor([[1, 0]], dtype=torch.int32)
    results = evaluation_metrics(logits, labels, torch.ones(1), {"noun": ["a", "b"], "verb": ["x", "y", "z"]})
    assert results["noun_top1"] == 1.0 and results["verb_top1"] == 1.0 and results["action_top1"] == 1.0
    assert results["noun_confusion_matrix"] == [[0, 0], [0, 1]]
    single = classification_metrics(torch.tensor([[0.0, 3.0]]), torch.tensor([1], dtype=torch.int32))
    assert single["top1"] == 1.0 and single["top5"] == 1.0 and single["confusion_matrix"] == [[0, 0], [0, 1]]


def test_the_first_checkpoint_creates_the_output_folders(tmp_path):
    out = tmp_path / "new" / "run"
    save_checkpoint(FakeAccelerator(), out, "step_1", {"completed_steps": 1}, total_limit=1)
    assert [p.name for p in list_checkpoints(out)] == ["step_1"]


def mutation_runner(monkeypatch):
    """tests/mutations/run_mutations.py, imported as a module."""
    import importlib.util

    path = Path(__file__).parent / "mutations" / "run_mutations.py"
    spec = importlib.util.spec_from_file_location("run_mutations", path)
    runner = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "run_mutations", runner)  # its dataclasses look their module up there
    spec.loader.exec_module(runner)
    return runner


def test_the_mutation_runner_refuses_a_number_it_does_not_have(capsys, monkeypatch):
    """`run_mutations.py 99` (or `--help` read as a number) ran nothing and said "0 of 0 mutations caught", exit 0."""
    runner = mutation_runner(monkeypatch)
    with pytest.raises(SystemExit) as refused:
        runner.main(["99"])
    assert refused.value.code == 2 and "no mutation numbered 99" in capsys.readouterr().err
    with pytest.raises(SystemExit) as helped:
        runner.main(["--help"])
    assert helped.value.code == 0 and "mutations to run" in capsys.readouterr().out
    assert runner.parse_args(["5", "6"]) == ["5", "6"] and runner.parse_args([]) == []


def test_every_mutation_of_the_runner_finds_its_snippet_once_and_names_tests_that_exist(monkeypatch):
    """The runner takes minutes, so CI does not run it: a refactor that moved a mutated line went unseen until someone
    did (mixup's return and the recipe's mixup call gained the partner clips and the valid flags, and mutations 4a
    and 4b then found their snippet 0 times: "NOT CAUGHT", for tests that still catch the mistake)."""
    import ast

    runner = mutation_runner(monkeypatch)
    root = Path(__file__).parents[1]
    for mutation in runner.MUTATIONS:
        assert (root / mutation.path).read_text().count(mutation.old) == 1, f"mutation {mutation.number}"
        defined = set()
        for test in mutation.tests:
            tree = ast.parse((root / test.split("::")[0]).read_text())
            defined |= {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
            assert "::" not in test or test.split("::")[1] in defined, f"mutation {mutation.number}: {test}"
        for expected in mutation.expect:  # a substring of a failing test's id: the start of its name
            name = expected.split("[")[0]
            assert any(d.startswith(name) for d in defined), f"mutation {mutation.number}: no test {expected}"


def test_the_testing_page_lists_every_mutation_of_the_runner(monkeypatch):
    """docs/testing.md's table stopped at mutation 8 when 9 and 10 joined the runner: `run_mutations.py` ran two
    mutations the page did not name (nor what catches them)."""
    import re

    runner = mutation_runner(monkeypatch)
    page = (Path(__file__).parents[1] / "docs" / "testing.md").read_text()
    listed = re.findall(r"^\| (\d+[ab]?) \| ", page, flags=re.MULTILINE)
    assert listed == [mutation.number for mutation in runner.MUTATIONS]
