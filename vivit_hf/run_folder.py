# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""What a fine-tuning run's `--output_dir` holds before its model: its checkpoints (`checkpoints/step_N`, each with
the run's `trainer_state.json`) and its settings (`run_settings.json`); `config.json` and the weights come at its end.

It lives outside `vivit_hf.training` so that `vivit_hf.export` (a layer below, which may not import the training
code) tells such a folder given as a model what it is, as the recipes do (`no_model_yet`): it said "Unrecognized
model in <folder>", transformers' words for a folder without config.json. So do the recipes' refusals of a model
path that is not there or holds no model (`model_folder_refusal`, `missing_model`), which `vivit_hf.training.flags`
imports back."""

from __future__ import annotations

import glob
import json
import os
import shlex
from pathlib import Path

from .repo_id import looks_like_local_path, near_folder

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
    return sorted(done, key=saved_order)


def saved_order(checkpoint: Path) -> tuple:
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
    Ctrl-C (or still running) holds no config.json, and "give the folder a fine-tuning run wrote" would name what was
    given (and as `--init_from`, a `TransformersCheckpointError` traceback once the data set is read)."""
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


def missing_model(flag: str, model: str | None, kind: str = "folder") -> str | None:
    """The refusal of a model (`--model`, `--init_from`) spelt as a path that is not on this machine, in argparse's
    words, else None (none given, a path here, a Hub id). `kind`: what the flag takes (`--init_from`: a file or
    folder). One wording for finetune.py, evaluate.py, predict.py and `python -m vivit_hf.export`, as
    `missing_dataset`'s: finetune.py said
    `argument --init_from: './vit' does not exist (no such file or folder here; ...)`, the other two `--model ./run:
    no such folder, and not a Hub model id (owner/name)`."""
    return missing_path(flag, model, kind, "model") if model else None


def model_folder_refusal(flag: str, model: str) -> str | None:
    """`missing_model`'s refusal of a saved model's folder (evaluate.py's and predict.py's `--model`), or of a path
    here that holds no config.json, else None: one wording for both commands and `python -m vivit_hf.export` (each
    said it its own way; export, of a folder without config.json, "Unrecognized model ... Should have a `model_type`
    key in its config.json"). An empty
    `--model ""` (an unset `$MODEL`) is refused too (read as this folder before, it was "no config.json in it"). A
    fine-tuning run's folder before its end, or one of its checkpoints, is said to be one (`no_model_yet`). A folder
    here named as a Hub id (`vivit-b`, `me/vivit`) is said to be read before the Hub model: "give the folder a model
    was saved to" alone said nothing to a user who gave a Hub id (evaluate.py wrote `--model bert-base-uncased`'s
    results into `./bert-base-uncased/` before, so that the next such command met one); that alone, without the
    first advice, told a user who meant the folder (`my_vivit`, its weights saved without config.json) to move it."""
    if refusal := no_model_yet(flag, model) or missing_model(flag, model):
        return refusal
    if not model or (os.path.exists(model) and not os.path.isfile(os.path.join(model, "config.json"))):
        what = "no model named" if not model else "a file, not a folder" if os.path.isfile(model) else None
        said = f"argument {flag}: {model!r}: {what or 'no config.json in it'} (give the folder a model was saved to)"
        if what is None and not looks_like_local_path(model):  # (both: the user may mean either)
            said += (
                "; a folder here is read before the Hub model of that name: to read the Hub id, move it aside or run "
                "from another folder"
            )
        return said
    return None


def missing_path(flag: str, path: str, kind: str, hub_kind: str) -> str | None:
    """The refusal of `path`, given as `flag` for a `kind` (folder, file or folder) or a Hub `hub_kind` id, where it is
    spelt as a path and is not on this machine, else None."""
    if not looks_like_local_path(path) or os.path.exists(path):
        return None
    near = f"; a folder here has a near name: {name}" if (name := near_folder(path, model=hub_kind == "model")) else ""
    return unexpanded_tilde(flag, path) or (
        f"argument {flag}: {path!r}: no such {kind} (a Hub {hub_kind} id reads 'org/name'){near}"
    )


def unexpanded_tilde(flag: str, path: str, *, pattern: bool = False) -> str | None:
    """The refusal of a `path` given as `flag` that is not here as typed and is once its `~` is expanded, else None.
    `--dataset=~/clips` or a quoted "~/clips": the shell left the `~`, which the loaders (datasets', transformers'
    from_pretrained) read as a folder named `~`: "no such folder" alone, for a folder the user can list, said nothing
    of why; evaluate.py and predict.py took `--model=~/run` as there, and from_pretrained then found no such model.
    `pattern`: the flag takes glob patterns too (predict.py's `--videos`), held to the same rule: `'~/clips/*.mp4'`
    quoted, which matches nothing as typed and matches once its `~` is expanded (predict.py expanded it, where it
    refused the file `'~/c.mp4'`). A path is a path first: `'~/clips [2024]'` is that folder, not a pattern (read as
    one, its `[2024]` matched `clips 2` alone, and the refusal went unsaid), nor does a flag that takes no pattern
    (`--dataset '~/k*'`) get a pattern to give."""

    def there(typed: str) -> bool:
        # (the first match decides: `~/**/*.mp4` need not walk the whole home folder to be refused)
        return os.path.exists(typed) or (pattern and next(glob.iglob(typed, recursive=True), None) is not None)

    if there(path) or not there(expanded := os.path.expanduser(path)):
        return None
    matched = not os.path.exists(expanded)  # a pattern's matches, not a path
    # a positional (`python -m vivit_hf.export`'s `model`) is given with no flag: "`model ~/x`, not `model=~/x`" named
    # two spellings it does not read; a pattern is quoted against the shell's own expansion (bash's `**` reads as `*`),
    # so the `~` alone is left out of the quotes
    if matched and path.startswith("~/"):
        typed = f"`{flag} ~/{shlex.quote(path[2:])}`: the `~` unquoted, the pattern quoted"
    elif flag.startswith("-"):
        typed = f"`{flag} ~/x`, not `{flag}=~/x`"
    else:
        typed = '`~/x`, not `"~/x"`'
    kind = "folder" if os.path.isdir(expanded) else "file"  # convert's --config and --checkpoint take files
    found = "nothing matches it" if matched else f"no such {kind}"
    return (
        f"argument {flag}: {path!r}: {found}: the `~` is not expanded here (a shell expands it only "
        f"unquoted, at the start of a word: {typed}); give {expanded!r}"
    )
