# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""recipes/finetune.py --torch_compile on CPU: training and evaluation run through the compiled module, nothing is
compiled again after the first epoch and its evaluation, the saved weights and checkpoints are the plain model's
(no `_orig_mod.` key) and equal to an uncompiled run's, and a compiled run's checkpoint resumes without compiling.

The runs call the recipe's `main(argv)` in this process with a counting backend: a torch.compile backend that
records each graph dynamo hands it and runs it as traced (`gm.forward`), so nothing is code-generated and the
numbers are eager PyTorch's. The inductor default is exercised by the flag checks; a real inductor run is for a
machine with time to compile (docs/training-and-data.md gives the command).
"""

import json
import shutil

import pytest
import torch
import torch._dynamo
from safetensors.torch import load_file

# `uninterrupted` comes from test_recipes_finetune (the tests name it: noqa F811 there); `videofolder` is conftest's.
from test_recipes_finetune import (  # noqa: F401
    TINY_MODEL,
    load_recipe,
    uninterrupted,
    weights,
)
from test_recipes_finetune import run_in_process as run_recipe

COUNTING = "vivit_test_counting"
GRAPHS: list[int] = []  # the node count of every graph compiled, in order


def counting_backend(gm, example_inputs):
    GRAPHS.append(len(gm.graph.nodes))
    return gm.forward


if COUNTING not in torch._dynamo.list_backends(exclude_tags=()):
    torch._dynamo.register_backend(counting_backend, name=COUNTING)


@pytest.fixture
def fresh_dynamo():
    """No graph cached by an earlier test: every compilation of this one is counted."""
    torch._dynamo.reset()
    GRAPHS.clear()
    yield
    torch._dynamo.reset()


def two_epochs(data, out):
    """The flags of test_recipes_finetune's `uninterrupted` run: 2 epochs, a checkpoint every 2 steps."""
    return ["--dataset", data, "--output_dir", out, "--num_train_epochs", 2, "--checkpointing_steps", 2, *TINY_MODEL]


def test_nothing_is_compiled_again_after_the_first_epoch_and_its_evaluation(
    videofolder,
    tmp_path,
    fresh_dynamo,
):
    recipe = load_recipe()
    marks = []  # graphs compiled so far, before and after each evaluation
    evaluate = recipe.evaluate

    def counted_evaluate(*args, **kwargs):
        before = len(GRAPHS)
        results = evaluate(*args, **kwargs)
        marks.append((before, len(GRAPHS)))
        return results

    recipe.evaluate = counted_evaluate
    # 12 training clips in batches of 5 (5, 5, 2) and 6 test clips in batches of 4 (4, 2): the last batch of each
    # has another size, which dynamo meets (and recompiles for) in the first epoch only.
    run_recipe(
        recipe,
        *two_epochs(videofolder, tmp_path),
        "--per_device_train_batch_size",
        5,
        "--per_device_eval_batch_size",
        4,
        "--torch_compile_backend",
        COUNTING,
    )
    (first_before, first_after), (second_before, second_after) = marks
    assert first_before > 0  # the training steps ran through the compiled module
    assert first_after > first_before  # and so did the evaluation (no_grad and eval mode: graphs of its own)
    assert second_after == first_after, GRAPHS  # the second epoch and its evaluation reused every graph
    results = json.loads((tmp_path / "all_results.json").read_text())
    assert results["completed_steps"] == 6 and results["num_samples"] == 6


def test_compiled_training_saves_the_plain_models_weights_and_checkpoints(
    videofolder,
    uninterrupted,  # noqa: F811
    tmp_path,
    fresh_dynamo,
):
    out = tmp_path / "compiled"
    run_recipe(load_recipe(), *two_epochs(videofolder, out), "--torch_compile_backend", COUNTING)
    assert GRAPHS  # it did compile
    trained, reference = weights(out), weights(uninterrupted)
    assert not [name for name in trained if "_orig_mod" in name]
    assert trained.keys() == reference.keys()
    # The counting backend runs the traced graph with PyTorch's own kernels: the uncompiled run's weights.
    for name in reference:
        torch.testing.assert_close(trained[name], reference[name], rtol=0, atol=0, msg=name)
    checkpoint = load_file(str(out / "checkpoints" / "step_10" / "model.safetensors"))
    assert checkpoint.keys() == reference.keys()

    # A compiled run's checkpoint resumes without compiling (and an uncompiled one's with), to the same weights.
    resumed = tmp_path / "resumed"
    (resumed / "checkpoints").mkdir(parents=True)
    shutil.copytree(out / "checkpoints" / "step_10", resumed / "checkpoints" / "step_10")
    run_recipe(load_recipe(), *two_epochs(videofolder, resumed), "--resume_from_checkpoint", "latest")
    again = tmp_path / "again"
    (again / "checkpoints").mkdir(parents=True)
    shutil.copytree(uninterrupted / "checkpoints" / "step_10", again / "checkpoints" / "step_10")
    run_recipe(
        load_recipe(),
        *two_epochs(videofolder, again),
        "--resume_from_checkpoint",
        "latest",
        "--torch_compile_backend",
        COUNTING,
    )
    for folder in (resumed, again):
        for name, value in weights(folder).items():
            torch.testing.assert_close(value, reference[name], rtol=0, atol=0, msg=(folder.name, name))


def test_a_model_compiled_by_accelerates_own_config_is_saved_plain(
    videofolder,
    tmp_path,
    monkeypatch,
    fresh_dynamo,
    capsys,
):
    monkeypatch.setenv("ACCELERATE_DYNAMO_BACKEND", "EAGER")  # what `accelerate config` writes for dynamo
    flags = ["--dataset", videofolder, "--output_dir", tmp_path, "--max_train_steps", 2, *TINY_MODEL]
    run_recipe(load_recipe(), *flags)
    assert not [name for name in weights(tmp_path) if "_orig_mod" in name]
    # With --torch_compile as well, the model would be compiled twice: refused before anything is loaded.
    capsys.readouterr()
    with pytest.raises(SystemExit) as stopped:
        run_recipe(load_recipe(), *flags, "--output_dir", tmp_path / "twice", "--torch_compile")
    assert stopped.value.code == 2  # the user's flags: argparse's status
    assert "accelerate's config already compiles the model" in capsys.readouterr().err.strip().splitlines()[-1]
    assert not (tmp_path / "twice").exists()


def test_inductor_without_a_cpu_compiler_is_refused_before_anything_is_loaded(
    videofolder,
    tmp_path,
    monkeypatch,
    capsys,
):
    from torch._inductor import cpp_builder

    def no_compiler():
        raise RuntimeError("no C++ compiler found in PATH")

    monkeypatch.setattr(cpp_builder, "get_cpp_compiler", no_compiler)
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as stopped:
        run_recipe(load_recipe(), "--dataset", videofolder, "--output_dir", out, *TINY_MODEL, "--torch_compile")
    assert stopped.value.code == 2  # the user's flags: argparse's status (it was 1, a failed run's)
    message = capsys.readouterr().err.strip().splitlines()[-1]
    assert "C++ compiler" in message and "--torch_compile_backend aot_eager" in message, message
    assert not out.exists()


def test_inductor_on_a_gpu_without_triton_is_refused(monkeypatch):
    from types import SimpleNamespace

    import torch.utils._triton

    from vivit_hf.training.finetune import check_torch_compile_launch, parse_args

    monkeypatch.setattr(torch.utils._triton, "has_triton", lambda: False)
    no_plugin = SimpleNamespace(dynamo_plugin=SimpleNamespace(backend=SimpleNamespace(value="NO")))
    on_gpu = SimpleNamespace(device=torch.device("cuda"), state=no_plugin)
    with pytest.raises(ValueError, match="Triton"):
        check_torch_compile_launch(parse_args(["--torch_compile"]), on_gpu)
    check_torch_compile_launch(parse_args(["--torch_compile_backend", "aot_eager"]), on_gpu)  # needs no Triton
    check_torch_compile_launch(parse_args([]), on_gpu)  # nothing to compile


SLOW = "vivit_test_slow_compile"
# Half a second a compile (dynamo compiles two graphs here): the bar's clock without the pause read the wall clock to
# the millisecond, so half a second tells them apart as three did (6 s of sleep -> 2 s -> 1 s).
COMPILE_SECONDS = 0.5


def slow_backend(gm, example_inputs):
    """Compiles as slowly as inductor does a real model (scaled down): the first step then takes a second or more."""
    import time

    time.sleep(COMPILE_SECONDS)
    return gm.forward


if SLOW not in torch._dynamo.list_backends(exclude_tags=()):
    torch._dynamo.register_backend(slow_backend, name=SLOW)


def test_the_progress_bar_leaves_the_compiling_step_out_of_its_rate_and_time_left(
    videofolder,
    tmp_path,
    fresh_dynamo,
):
    """The first compiled step took ~31 s on the bundled run; the bar planned with it, "20:52:46 left, 31.58s/it" for
    a 4-minute run, for its first ~1000 steps. Its clock now leaves that step out, as a pause."""
    import time

    recipe = load_recipe()
    bars = []

    class RecordingBar(recipe.tqdm):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.created = time.monotonic()
            bars.append(self)

        def update(self, n=1):
            super().update(n)
            self.wall, self.elapsed = time.monotonic() - self.created, self.format_dict["elapsed"]

    recipe.tqdm = RecordingBar
    flags = ["--dataset", videofolder, "--output_dir", tmp_path, "--max_train_steps", 3, *TINY_MODEL]
    run_recipe(recipe, *flags, "--torch_compile_backend", SLOW)
    (bar,) = bars
    # dynamo compiles the training step's graphs in the first step, each sleeping COMPILE_SECONDS: the bar's clock at
    # the last step is short of the wall clock by at least that (it was the same, to the millisecond)
    assert bar.n == 3 and bar.wall - bar.elapsed >= COMPILE_SECONDS * 0.9, (bar.wall, bar.elapsed)
