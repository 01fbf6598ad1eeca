# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The files a run writes have the mode a plain `open()` gives them (the umask's), the model's weights too: safetensors
writes through a temporary file made 0600, so a shared machine's other users could not read the model."""

import os
import stat
from pathlib import Path

import torch
from safetensors.torch import save_file
from test_recipes_finetune import FINETUNE, TINY_MODEL, run

from vivit_hf.hub.folders import staged_outputs

UMASK = 0o027  # neither safetensors' 0600 nor the usual 0644: a mode only the umask gives
PLAIN = 0o666 & ~UMASK


def modes(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): oct(stat.S_IMODE(path.stat().st_mode))
        for path in folder.rglob("*")
        if path.is_file()
    }


def plain_open_mode(folder: Path) -> str:
    probe = folder / "probe"
    probe.write_text("")
    mode = oct(stat.S_IMODE(probe.stat().st_mode))
    probe.unlink()
    return mode


# `python recipes/finetune.py ARGS` run under UMASK: the run's own first act sets it, as a shell's `umask` would have
UNDER_THE_UMASK = f"""import os, runpy, sys
os.umask({UMASK:#o})
sys.argv = sys.argv[1:]
sys.path[0] = os.path.dirname(os.path.realpath(sys.argv[0]))
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def test_a_fine_tunes_files_checkpoints_and_best_snapshots_have_the_umasks_mode(videofolder, tmp_path):
    # the recipe tests' tiny model and clips, in a process forked from one that has imported torch and friends
    out = tmp_path / "run"
    flags = ["--dataset", videofolder, "--max_train_steps", "4", "--checkpointing_steps", "2", "--eval_steps", "2"]
    flags += ["--load_best_model_at_end", "--output_dir", out, *TINY_MODEL]
    result = run("-c", UNDER_THE_UMASK, FINETUNE, *flags, check=False)
    assert result.returncode == 0, result.stderr[-4000:]
    found = {name: mode for name, mode in modes(out).items() if not name.endswith(".lock")}
    assert "model.safetensors" in found and "checkpoints/step_4/model.safetensors" in found
    assert any(name.startswith("checkpoints/best/") for name in found), sorted(found)
    previous = os.umask(UMASK)
    try:
        expected = plain_open_mode(tmp_path)
    finally:
        os.umask(previous)
    assert expected == oct(PLAIN)
    assert {name: mode for name, mode in found.items() if mode != expected} == {}


def test_staged_outputs_give_a_safetensors_file_the_umasks_mode(tmp_path):
    previous = os.umask(UMASK)
    try:
        with staged_outputs(tmp_path) as staging:
            save_file({"weight": torch.zeros(2)}, str(staging / "model.safetensors"))
            (staging / "config.json").write_text("{}")
    finally:
        os.umask(previous)
    assert modes(tmp_path) == {"model.safetensors": oct(PLAIN), "config.json": oct(PLAIN)}


def test_a_generated_or_unpacked_data_set_folder_has_the_umasks_mode(tmp_path):
    """The bundled data set and unpacked archives are written in a folder made by mkdtemp (0700) and renamed into
    place: on a shared cache no one else could read them. They get the mode a plain `mkdir` gives."""
    import zipfile

    from vivit_hf.training.data.fetch import extract_archives
    from vivit_hf.training.data.synthetic import SyntheticMotionConfig, synthetic_motion_dataset

    config = SyntheticMotionConfig(num_train_per_class=1, num_test_per_class=1, classes=("moving_left",))
    previous = os.umask(UMASK)
    try:
        (tmp_path / "probe").mkdir()
        plain = oct(stat.S_IMODE((tmp_path / "probe").stat().st_mode))  # what mkdir gives under this umask
        root = synthetic_motion_dataset(config, cache_dir=tmp_path / "cache")
        (tmp_path / "zips").mkdir()
        with zipfile.ZipFile(tmp_path / "zips" / "clips.zip", "w") as archive:
            archive.writestr("a.txt", "x")
        unpacked = extract_archives(tmp_path / "zips", tmp_path / "unpacked")
    finally:
        os.umask(previous)
    assert plain == oct(0o777 & ~UMASK)
    assert oct(stat.S_IMODE(root.stat().st_mode)) == plain
    assert oct(stat.S_IMODE(unpacked.stat().st_mode)) == plain
