# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""What a user upgrading keeps: names that moved out of a recipe stay importable from it."""

import importlib.util
from pathlib import Path

import pytest

from vivit_hf.training import evaluation

EVALUATE = Path(__file__).resolve().parents[1] / "recipes" / "evaluate.py"

# Public helpers recipes/evaluate.py defined until they moved to vivit_hf.training.evaluation (scripts, and the
# recipe's own tests, loaded the recipe as a module and called them: `evaluate.dataset_name(...)`).
MOVED_OUT_OF_EVALUATE = ("dataset_name", "model_folder_problem", "model_id2label")


@pytest.fixture(scope="module")
def evaluate_module():
    # Loaded under its own name: `import evaluate` could be the `evaluate` library.
    spec = importlib.util.spec_from_file_location("vivit_recipes_evaluate_compat", EVALUATE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", MOVED_OUT_OF_EVALUATE)
def test_helpers_moved_out_of_evaluate_are_still_importable_from_it(evaluate_module, name):
    assert getattr(evaluate_module, name, None) is getattr(evaluation, name)
