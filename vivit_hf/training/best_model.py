# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The best model of a run and early stopping, as transformers' Trainer gives them (`load_best_model_at_end`,
`metric_for_best_model`, `EarlyStoppingCallback(early_stopping_patience, early_stopping_threshold)`).

Both are read off the run's evaluation history (`trainer_state.json`'s `history`, kept in every checkpoint), never off
a counter of their own: a run killed and resumed finds the same best evaluation and the same patience left as the
uninterrupted run. The best model's weights are a snapshot written when an evaluation improves on every earlier one
(`checkpoints/best/step_N`), kept while the run or a checkpoint on disk still names it as its best."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import torch
from safetensors.torch import load_file

from ..hub.folders import umask_modes
from .checkpoints import CHECKPOINTS, STATE_FILE, list_checkpoints, refused_when_full, retire

BEST = "best"  # under checkpoints/: removed with them by --overwrite_output_dir, left out of every upload
RESULTS_FILE = "eval_results.json"  # the snapshot's evaluation, whole (per class, confusion matrix)
# The metrics `evaluation_metrics` reports: the loss, top1 / top5, per head `noun_top1`..., and `action_top1`.
# (map, micro_f1, exact_match: a multi-label data set's, `multi_label.METRICS`)
METRIC = re.compile(r"^(?:loss|map|micro_f1|exact_match|(?:[a-z0-9]+_)?top[15])$")


def metric_name(flag_value: str) -> str:
    """The history's key for `--metric_for_best_model`: Trainer users write `eval_top1` or `eval_loss` (Trainer adds
    `eval_` to a name without it), the tracker shows `eval/top1`; all are `top1` (`loss`)."""
    for prefix in ("eval_", "eval/"):
        if flag_value.startswith(prefix):
            return flag_value[len(prefix) :]
    return flag_value


def check_metric_flag(flag_value: str) -> str:
    """An argparse type: a metric the evaluation reports (`eval_loss`, Trainer's default, among them)."""
    if not METRIC.match(metric_name(flag_value)):
        raise ValueError(
            f"{flag_value!r} is no metric the evaluation reports: give loss (lower is better), top1 or top5 (with "
            "several heads, <head>_top1, <head>_top5 or action_top1; multi-label, map, micro_f1 or exact_match; "
            "greater is better), with or without eval_"
        )
    return metric_name(flag_value)


def greater_is_better(metric: str) -> bool:
    """Trainer's default `greater_is_better`: False for a metric whose name ends in `loss`, True for the rest (the
    accuracies). There is no flag for it: each metric reported has one sense."""
    return not metric.endswith("loss")


def better(value: float, best: float, metric: str) -> bool:
    """Whether `value` beats `best` (strictly: an equal one does not, as Trainer keeps a best until it is beaten)."""
    return value > best if greater_is_better(metric) else value < best


def default_metric(label_spaces, multi_label: bool = False) -> str:
    """Top-1, with several heads the action's, the paper's measure, where Trainer's default is the loss: runs of the
    versions before the loss was reported chose by top-1 without the flag, and their checkpoints, whose evaluations
    have no loss, still resume choosing so. A multi-label data set's: mAP (`multi_label.METRICS`)."""
    if multi_label:
        return "map"
    return "top1" if len(label_spaces) == 1 else "action_top1"


def metric_problem(metric: str, label_spaces, multi_label: bool = False) -> str | None:
    """Why `metric` is no key of this data set's evaluation (None: it is): `noun_top1` for a data set of one head,
    `top1` for a multi-label one (which reports mAP: `multi_label.METRICS`)."""
    heads = list(label_spaces)
    known = ["top1", "top5"] if len(heads) == 1 else [f"{h}_top{k}" for h in heads for k in (1, 5)] + ["action_top1"]
    known = ["map", "micro_f1", "exact_match"] if multi_label else known
    known.append("loss")
    if metric in known:
        return None
    return (
        f"argument --metric_for_best_model: {metric} is not reported for this data set; it reports {', '.join(known)}"
    )


def metric_warning(metric: str, label_spaces) -> str | None:
    """Why `metric` (one `metric_problem` passed) cannot rank the evaluations, None where it can: the top-5 of a head
    of 5 classes or fewer holds every class, so it is 1.0 at every evaluation and the first stays the best. Trainer has
    no such metric; a warning, not a refusal: the run still trains."""
    if not metric.endswith("top5"):
        return None
    head = metric[: -len("top5")].rstrip("_")
    names = label_spaces[head] if head else next(iter(label_spaces.values()))
    if len(names) > 5:
        return None
    where = f"head {head}" if head else "the data set"
    return (
        f"--metric_for_best_model {metric}: {where} has {len(names)} classes, all of them in every top 5: it is 1.0 at "
        f"every evaluation, so no evaluation ranks above the first; rank by {metric[:-1]}1"
    )


def metric_values(history, metric: str) -> list[tuple[int, float]]:
    """(step, value) of every evaluation in `history`, in order."""
    return [(entry["step"], entry[f"eval/{metric}"]) for entry in history if f"eval/{metric}" in entry]


def best_evaluation(history, metric: str) -> tuple[int, float] | None:
    """(step, value) of the best evaluation: the first of the greatest (of the lowest loss), as Trainer keeps a best
    until one beats it."""
    best = None
    for step, value in metric_values(history, metric):
        if best is None or better(value, best[1], metric):
            best = (step, value)
    return best


def evaluations_without_improvement(history, metric: str, threshold: float = 0.0) -> int:
    """EarlyStoppingCallback's patience counter after `history`: each evaluation is compared with the best of those
    before it, and sets the counter back to 0 when it beats it (greater, or lower for a loss) by more than
    `threshold`, else adds 1."""
    best, waited = None, 0
    for _, value in metric_values(history, metric):
        if best is None or (better(value, best, metric) and abs(value - best) > threshold):
            waited = 0
        else:
            waited += 1
        best = value if best is None or better(value, best, metric) else best
    return waited


def unranked_evaluations(history, metric: str, default: str) -> str | None:
    """Why a resume cannot rank the checkpoint's evaluations by `metric` (None: it can): some have no such value, the
    loss of a run of a version before the evaluation reported one. Passed over, the best model and the patience left
    would be of the evaluations after the resume alone: a better one before it, ignored, and a run that stops later
    than one started with the flag. Resuming without the flag is advised where the run's `default` metric
    (`default_metric`: a multi-label run's is map, not top-1 as the advice said) ranks every one of them."""
    steps = [entry["step"] for entry in history if f"eval/{metric}" not in entry]
    if not steps:
        return None
    shown = ", ".join(map(str, steps[:5])) + (f" and {len(steps) - 5} more" if len(steps) > 5 else "")
    ranked = metric != default and all(f"eval/{default}" in entry for entry in history)
    instead = (
        f"resume without --metric_for_best_model {metric} (the default, {default}, ranks them), or " if ranked else ""
    )
    return (
        f"--metric_for_best_model {metric}: the checkpoint's evaluations of step{'s' if len(steps) > 1 else ''} "
        f"{shown} have no {metric} (made by a version that did not report it), so they cannot be ranked by it, and "
        f"the best model and early stopping would pass them over; {instead}start over with it (--overwrite_output_dir)"
    )


def patience_ran_out_earlier(history, metric: str, patience: int, threshold: float, step: int) -> str | None:
    """Why a resume with --early_stopping_patience cannot stop where a run started with it would have (None: it can):
    the checkpoint's history ran out of that patience at an evaluation before its `step` (the run before the resume
    was without the flag, or with a greater patience or threshold). The counter is read off the history, so the
    resume would stop at once and call it early stopping at `step`, a step the run started with the flag never
    reached, with weights trained past its stop."""
    for n, entry in enumerate(history, start=1):
        if f"eval/{metric}" not in entry or evaluations_without_improvement(history[:n], metric, threshold) < patience:
            continue
        if entry["step"] >= step:
            return None
        best_step, best_value = best_evaluation(history[:n], metric)
        return (
            f"--early_stopping_patience {patience}: the checkpoint's evaluations would have stopped the run at step "
            f"{entry['step']} ({patience} in a row without {metric} beating {best_value:.4f} of step {best_step} by "
            f"more than --early_stopping_threshold {threshold:g}), but it trained on to step {step}; resume without "
            "the flag (or with a patience it had not run out of), or start over with it (--overwrite_output_dir)"
        )
    return None


def snapshot_folder(output_dir: Path, step: int) -> Path:
    return Path(output_dir) / CHECKPOINTS / BEST / f"step_{step}"


def save_best_snapshot(model, output_dir: Path, step: int, results: dict, state_dict, save_pretrained) -> Path:
    """The model as evaluated at `step`, with its evaluation, written into a temporary folder renamed into place, the
    one it replaces renamed out first (`retire`): a kill never leaves half a snapshot that reads as one. Deleted in
    place, one killed midway kept its eval_results.json without all its weights, taken as present by a resume with
    --load_best_model_at_end. `save_pretrained` is the checkpoints' (FSDP's models too). A full disk ends the run in
    one line, as a checkpoint's save does (`refused_when_full`: it was torch's traceback), what was written removed.
    """
    final = snapshot_folder(output_dir, step)
    tmp = final.with_name(f".tmp-{final.name}")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        with refused_when_full(output_dir, f"the best model's snapshot of step {step}"):  # (the disk as it failed)
            save_pretrained(model, tmp, state_dict=state_dict)
            (tmp / RESULTS_FILE).write_text(json.dumps(results, indent=2))
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    umask_modes(tmp)
    replaced = retire(final) if final.exists() else None  # (a resume evaluating this step again)
    os.replace(tmp, final)
    if replaced:
        shutil.rmtree(replaced, ignore_errors=True)
    return final


def prune_best_snapshots(output_dir: Path, metric: str, current: int | None) -> None:
    """Remove the snapshots neither the run (`current`, its best step) nor a checkpoint on disk (its history's best)
    names: a resume from any checkpoint left finds its best model."""
    root = Path(output_dir) / CHECKPOINTS / BEST
    if not root.is_dir():
        return
    named = {current}
    for checkpoint in list_checkpoints(output_dir):
        best = best_evaluation(json.loads((checkpoint / STATE_FILE).read_text()).get("history", []), metric)
        named.add(best and best[0])
    for folder in root.iterdir():
        if folder.name.startswith(".tmp-") or folder.name not in {f"step_{step}" for step in named}:
            shutil.rmtree(folder, ignore_errors=True)


def prune_after_checkpoint(output_dir: Path, history, metric: str) -> None:
    """`prune_best_snapshots` once a checkpoint is saved: the snapshot that only a checkpoint --checkpoints_total_limit
    just removed named goes with it (it was kept until the next new best or the run's end, and for good if the run was
    killed before either)."""
    best = best_evaluation(history, metric)
    prune_best_snapshots(output_dir, metric, best and best[0])


def missing_snapshot(output_dir: Path, history, metric: str, checkpoint: Path | None = None) -> str | None:
    """Why a resume with --load_best_model_at_end cannot end with the best model (None: it can): the checkpoint's
    best evaluation has no snapshot (the run before the resume was without the flag, or chose by another metric, or
    `checkpoint` is another folder's: a pushed last-checkpoint/, whose run's snapshots stayed where it ran)."""
    best = best_evaluation(history, metric)
    folder = snapshot_folder(output_dir, best[0]) if best else None
    if best is None or (folder / RESULTS_FILE).is_file():
        return None
    elsewhere = (
        checkpoint is not None and Path(output_dir, CHECKPOINTS).resolve() not in Path(checkpoint).resolve().parents
    )
    if elsewhere:  # a pushed last-checkpoint/ in a new folder: it was said to be of a run without the flag
        why = (
            f"the checkpoint is not this output folder's, and the run that saved it keeps its snapshots in its own "
            f"{CHECKPOINTS}/{BEST}/, which is not pushed); copy that run's {BEST}/{folder.name} into {folder.parent}, "
            "resume without the flag, or start over"
        )
    else:
        why = (
            "the run before this resume kept none: it was without --load_best_model_at_end, or chose by another "
            "--metric_for_best_model); resume without the flag, or start over"
        )
    return (
        f"--load_best_model_at_end: the best evaluation so far by {metric} (step {best[0]}: {best[1]:.4f}) has no "
        f"saved model in {folder} ({why}"
    )


def load_best_snapshot(output_dir: Path, step: int) -> tuple[dict[str, torch.Tensor], dict]:
    """The snapshot's weights (every shard of a sharded one) and its evaluation's results."""
    folder = snapshot_folder(output_dir, step)
    index = folder / "model.safetensors.index.json"
    files = (
        sorted(set(json.loads(index.read_text())["weight_map"].values())) if index.is_file() else ["model.safetensors"]
    )
    state_dict: dict[str, torch.Tensor] = {}
    for name in files:
        state_dict.update(load_file(str(folder / name)))
    return state_dict, json.loads((folder / RESULTS_FILE).read_text())


def card_note(best, metric: str, completed_steps: int, max_steps: int, load_best: bool, stopped: bool) -> str:
    """The model card's words on which step's weights it carries: with --load_best_model_at_end the best evaluation's
    (`best`: its (step, value)), not the last step's that the recipe table's step count suggests; and where early
    stopping ended the run short of its --max_train_steps."""
    said = []
    if load_best and best is not None:
        said.append(
            f"The weights are those of step {best[0]} of the {completed_steps} trained, its best evaluation by "
            f"{metric} ({best[1]:.4f}; `--load_best_model_at_end`)."
        )
    if stopped:
        said.append(f"Training stopped early at step {completed_steps} of {max_steps} (`--early_stopping_patience`).")
    return " ".join(said)
