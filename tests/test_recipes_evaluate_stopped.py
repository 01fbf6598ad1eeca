# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""recipes/evaluate.py stopped by a signal into a results folder it made: nothing is left behind."""

import shutil

import fresh_python
import pytest
from test_recipes_evaluate import CLASSES, STOPPED_AT, tiny_model
from test_recipes_finetune import EVALUATE, REPO, env, tiny_clip


@pytest.fixture(scope="module")
def model_and_data(tmp_path_factory):
    root = tmp_path_factory.mktemp("stopped")
    for label, name in enumerate(CLASSES):
        for i in range(4):
            tiny_clip(root / "data" / "test" / name / f"{name}_{i}.mp4", label, seed=10 * label + i)
    tiny_model(root / "model", CLASSES)
    return root


def stopped(where, stop, *flags):
    """evaluate.py with `flags`, stopped by the signal `stop` to itself while it predicts or as it writes."""
    return fresh_python.server(fresh_python.RECIPES, env()).run(
        [
            "-c",
            STOPPED_AT,
            where,
            stop,
            EVALUATE,
            *map(str, flags),
            "--num_workers",
            "1",
            "--per_device_eval_batch_size",
            "2",
        ],
        cwd=REPO,
        timeout=240,
    )


@pytest.mark.parametrize(
    "where, stop, status",
    [("predict", "SIGTERM", 143), ("predict", "SIGINT", 130), ("writing", "SIGTERM", 143)],
    ids=["sigterm-predicting", "ctrl-c-predicting", "sigterm-writing"],
)
def test_an_evaluation_stopped_leaves_no_results_folder_it_made(model_and_data, tmp_path, where, stop, status):
    """The folder it made for its results (and those above it) stayed, empty: a scheduler's SIGTERM left
    `eval_data_test_1x1/` beside the model with nothing in it, which read as an evaluation that found nothing. The
    signal's status, and the folders as they were before."""
    model = tmp_path / "model"
    shutil.copytree(model_and_data / "model", model)
    before = sorted(path.name for path in model.iterdir())
    result = stopped(where, stop, "--model", model, "--dataset", model_and_data / "data")  # its default folder
    assert result.returncode == status, result.stderr[-3000:]
    assert sorted(path.name for path in model.iterdir()) == before
    result = stopped(
        where, stop, "--model", model, "--dataset", model_and_data / "data", "--output_dir", tmp_path / "new" / "eval"
    )
    assert result.returncode == status, result.stderr[-3000:]
    assert not (tmp_path / "new").exists()
