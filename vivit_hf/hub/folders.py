# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""A saved model folder replaced as a whole: written into a staging folder, then moved into place, and the previous
model's files the new one did not write removed (a fine-tuning run's final outputs, a conversion's Hub folder).
Its files get the mode a plain `open()` gives under the process umask (`umask_modes`, `process_umask`), which
safetensors' temporary file (0600) and mkdtemp's folder (0700) do not."""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

FINAL_STAGING = ".tmp-final"  # the final outputs, written here whole before they replace the previous ones

# The files of a saved model's weights: a new save's replace all of a previous save's. transformers' own
# `save_pretrained` deletes only stale shards (`model-0000X-of-0000Y.safetensors`): a stale `model.safetensors` beside
# a new sharded save is what `from_pretrained` loads first, and a stale index beside a new single file names shards
# that are gone.
WEIGHT_PATTERNS = ("model.safetensors", "model.safetensors.index.json", "model-*-of-*.safetensors")
# What a model folder written by transformers' `save_pretrained` (or an older one, or an older converter) may hold
# besides its weights and code: nothing else a user keeps beside a model is named like these.
MODEL_FOLDER_PATTERNS = (
    *WEIGHT_PATTERNS,
    "pytorch_model.bin",
    "pytorch_model.bin.index.json",
    "pytorch_model-*-of-*.bin",
    "config.json",
    "generation_config.json",
    "video_preprocessor_config.json",
    "preprocessor_config.json",
    "README.md",
)
# Moved into place last: it marks a finished run (a rerun of the same command is recognised by it).
RESULTS_FILE = "all_results.json"


def umask_modes(folder: Path) -> None:
    """Give the files under `folder` the mode a plain `open()` gives (0644 under the usual umask 022): safetensors
    (0.8) writes its file through a temporary one, made 0600, so a model a run saved was one no one else on a shared
    machine or mounted volume could read, beside files they could."""
    mode = 0o666 & ~process_umask()
    for path in Path(folder).rglob("*"):
        if path.is_file() and not path.is_symlink():
            path.chmod(mode)


def process_umask() -> int:
    """The process umask, read where Linux shows it (setting it to read it back changes it for other threads, for
    that instant)."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0)
    os.umask(mask)
    return mask


def code_files(*packages) -> set[str]:
    """The names of the modules of `packages` (`save_pretrained` copies them beside the weights for
    `trust_remote_code`)."""
    return {
        path.name
        for package in packages
        for path in Path(package.__file__).parent.glob("*.py")
        if path.name != "__init__.py"
    }


def saved_code_files(*modules) -> set[str]:
    """The names of the modules `save_pretrained` copies beside a model or processor whose classes `modules` hold:
    each module and those it imports relatively (transformers' `custom_object_save` walks them with
    `get_relative_import_files`). Fewer than `code_files`' (not `pipeline.py`): what an upload by name takes of a
    folder that may hold a user's own `pipeline.py`."""
    from transformers.dynamic_module_utils import get_relative_import_files

    return {
        Path(path).name for module in modules for path in (module.__file__, *get_relative_import_files(module.__file__))
    }


@contextlib.contextmanager
def staged_outputs(output_dir: Path, model_files=WEIGHT_PATTERNS):
    """A folder to write a run's final outputs into (model, processor, card, results, plots), beside
    `output_dir`'s: when the block ends they replace the previous ones, moved into place file by file, and the files
    of the previous model (`model_files`, names or patterns) the new one did not write go; when it fails (a full disk,
    a kill) nothing in `output_dir` has changed, and the staging folder goes (or, after a kill, goes at the next
    save or with `--overwrite_output_dir`).

    So a previous run's model (the one a resumed run continues) stays whole until the new one is complete: written
    in place, a disk that filled up between the weights and the config left new weights beside the old config, the
    old processor and the old card. The moves are renames on one file system: no data is written while they run,
    and they take microseconds, the only moment at which a kill leaves a mix. all_results.json comes last."""
    output_dir = Path(output_dir)
    staging = output_dir / FINAL_STAGING
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _move_into_place(staging, output_dir, model_files)


def _move_into_place(staging: Path, output_dir: Path, model_files) -> None:
    """Replace `output_dir`'s files by `staging`'s (results last); when the new outputs hold a model (weights), drop
    the previous model's files (`model_files`) it did not write; remove `staging`."""
    umask_modes(staging)
    written = sorted(staging.iterdir(), key=lambda path: path.name == RESULTS_FILE)
    new_names = {path.name for path in written}
    new_model = any(path.match(pattern) for path in written for pattern in WEIGHT_PATTERNS)
    previous = {path for pattern in model_files for path in output_dir.glob(pattern) if path.is_file()}
    stale = sorted(path for path in previous if path.name not in new_names) if new_model else []
    for path in written:
        target = output_dir / path.name
        if target.is_dir() and not target.is_symlink():  # a folder replaces a folder: the old one goes first
            shutil.rmtree(target)
        os.replace(path, target)
    for path in stale:
        path.unlink(missing_ok=True)
    staging.rmdir()
