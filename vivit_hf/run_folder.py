# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""What a fine-tuning run's `--output_dir` holds before its model: its checkpoints (`checkpoints/step_N`, each with
the run's `trainer_state.json`) and its settings (`run_settings.json`); `config.json` and the weights come at its end.

It lives outside `vivit_hf.training` so that `vivit_hf.export` (a layer below, which may not import the training
code) tells such a folder given as a model what it is, as the recipes do (`no_model_yet`): it said "Unrecognized
model in <folder>", transformers' words for a folder without config.json."""

from __future__ import annotations

import json
from pathlib import Path

CHECKPOINTS = "checkpoints"
STATE_FILE = "trainer_state.json"
# When a checkpoint was saved (seconds since the epoch), in its STATE_FILE: of two at one step, the later is `latest`.
# Its file's mtime said so only until the folder was copied (cp without -p, scp, a download from the Hub).
SAVED_AT = "saved_at"
# What recognises a rerun of the same command (and the data set a model trained on, for evaluate.py): the run's
# settings and the folder its --dataset named, on this machine. Apart from all_results.json, which the final upload
# pushes to the Hub: these hold the user's local paths (/home/me/data/k400), which stay off the Hub as the model card
# keeps them off (transformers' examples push metrics alone in all_results.json).
RUN_SETTINGS_FILE = "run_settings.json"


def steps_of(checkpoint: Path) -> int:
    """The optimiser steps a checkpoint records (`completed_steps`)."""
    return json.loads((checkpoint / STATE_FILE).read_text())["completed_steps"]


def list_checkpoints(output_dir: Path) -> list[Path]:
    """Finished checkpoints, oldest first (temporary folders of an interrupted save are ignored): by step, then, at
    one step, by when each was saved. Two names at one step are a run resumed from an earlier checkpoint of a run
    that went on (going back past a loss spike) with another --checkpointing_steps (`epoch_1` of the run gone back on,
    `step_20` of this one): ranked by step alone their order was the directory's, so `latest` resumed the run gone
    back on about half the time. The later at the step is the one a Trainer run would resume (its `checkpoint-20`
    saved again is replaced)."""
    root = Path(output_dir) / CHECKPOINTS
    done = [p for p in root.glob("*") if p.is_dir() and not p.name.startswith(".") and (p / STATE_FILE).exists()]
    return sorted(done, key=_saved_order)


def _saved_order(checkpoint: Path) -> tuple:
    """(step, when saved, name): when saved as its STATE_FILE records it (`SAVED_AT`); an earlier version's, which
    does not, ranks before those at its step that do (it was saved before this version), then by its file's mtime
    (the best left: a copy resets it). The name makes equal times (a coarse file system's) one order on any disk."""
    state = json.loads((checkpoint / STATE_FILE).read_text())
    saved = state.get(SAVED_AT)
    recorded = isinstance(saved, (int, float))
    when = saved if recorded else (checkpoint / STATE_FILE).stat().st_mtime
    return state["completed_steps"], recorded, when, checkpoint.name


def no_model_yet(flag: str, value: str) -> str | None:
    """Why a folder given as a saved model (`--model`, `--init_from`) holds none, where it is a fine-tuning run's
    without a config.json or one of its checkpoints, in argparse's words saying what to do; None for any other path
    (a model's folder, a file, another folder). A run writes its model when it ends: the folder of one stopped by
    Ctrl-C (or still running) was refused as holding no config.json, "give the folder a fine-tuning run wrote", which
    is what was given (and as `--init_from`, a `TransformersCheckpointError` traceback once the data set was read)."""
    folder = Path(value).expanduser()
    if not value or not folder.is_dir() or (folder / "config.json").is_file():  # (`""`: Path reads it as `.`)
        return None
    said = f"argument {flag}: {value!r}:"
    try:
        steps_of(folder)  # accelerate's save_state with this recipe's state: the run's state, not a saved model
    except (OSError, ValueError, KeyError, TypeError):
        pass
    else:
        run = folder.parent.parent
        ending = (
            f"the model its run saved when it ended is in {run}"
            if folder.parent.name == CHECKPOINTS and (run / "config.json").is_file()
            else "its run writes the model into its --output_dir when it ends"
        )
        return (
            f"{said} a training checkpoint (what --resume_from_checkpoint continues), not a saved model (no "
            f"config.json in it); {ending}"
        )
    try:
        kept = list_checkpoints(folder)
    except (OSError, ValueError, KeyError, TypeError):  # another tool's checkpoints/ (transformers' Trainer's state
        kept = []  # has no completed_steps): a KeyError traceback where a folder without config.json was one line
    if not kept and not (folder / RUN_SETTINGS_FILE).is_file():
        return None
    go_on = (
        f"continue it with the command that started it and --resume_from_checkpoint latest, in place of any "
        f"--overwrite_output_dir (its last checkpoint: {kept[-1]})"
        if kept
        else "it kept no checkpoint: run the command that started it again"
    )
    return (
        f"{said} a fine-tuning run's folder that holds no model yet (no config.json): the run stopped before its "
        f"end, or is still running, and writes its model when it ends; {go_on}"
    )
