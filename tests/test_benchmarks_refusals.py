# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The benchmark scripts refuse, in one line and before any work, what a new user's first try gets wrong (a GPU
benchmark run without a GPU, a file or checkpoint that is not there), and their labels say what they measure.

The scripts run as new processes with `CUDA_VISIBLE_DEVICES=""`, so these hold on a GPU machine too; each is given
flags that keep it small and a timeout, so a script that did not refuse ends quickly (and the test fails) rather
than starting a full-size run."""

import importlib.util
import os
import subprocess
from pathlib import Path

import fresh_python
import pytest

REPO = Path(__file__).resolve().parents[1]
# Flags that make recipe_gpu.py small: a two-class set of four one-second clips, and a budget that runs nothing.
SMALL_RECIPE_GPU = ["--classes", "2", "--train-clips", "4", "--eval-clips", "2", "--video-seconds", "1"]
SMALL_RECIPE_GPU += ["--video-size", "64", "48", "--steps", "1", "--budget-s", "1"]


def load(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_refusals_{name}", REPO / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_script(script: str, *argv: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """`python benchmarks/<script> ARGV`, also for tests/test_benchmarks_gpu_kit.py's CPU rehearsals (one server a
    pytest worker for both files)."""
    environment = dict(os.environ, HF_HUB_OFFLINE="1", OMP_NUM_THREADS="1", CUDA_VISIBLE_DEVICES="")
    environment.pop("VIVIT_BENCH_NO_CUDA_CHECK", None)
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), environment.get("PYTHONPATH")]))
    # forked from a process that has imported torch and transformers (tests/fresh_python.py): a new process each, with
    # this environment, without each paying those imports again (most of each test's time)
    return fresh_python.server(fresh_python.EXAMPLES, environment).run(
        [f"benchmarks/{script}", *argv], cwd=REPO, timeout=timeout
    )


def assert_usage_error(result: subprocess.CompletedProcess, *words: str) -> str:
    """Exit status 2, argparse's usage and one error line holding every word; no traceback."""
    assert result.returncode == 2, (result.returncode, result.stdout[-2000:], result.stderr[-2000:])
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("usage:")
    error = lines[-1]
    assert ": error: " in error and all(word in error for word in words), error
    return error


# ------------------------------------------------------------------------------------------------ no CUDA device
@pytest.mark.parametrize("device", [[], ["--device", "cuda"]], ids=["default-device", "device-cuda"])
def test_batch_limit_without_cuda_refuses_at_once_and_says_how_to_rehearse(tmp_path, device):
    """It used to fall back to the CPU by default and double ViViT-B batches until the machine's memory ran out (the
    trial's run was killed by the kernel at 23.7 GB); `--device cuda` gave a CUDA traceback."""
    out = tmp_path / "out"
    result = run_script("batch_limit.py", *device, "--model-size", "tiny", "--max-batch", "4", "--out-dir", str(out))
    assert_usage_error(result, "no CUDA device", "--device cpu", "--fake-oom-above")
    assert not out.exists()  # nothing measured, nothing written


@pytest.mark.parametrize("device", [[], ["--device", "cuda"]], ids=["default-device", "device-cuda"])
def test_recipe_gpu_without_cuda_refuses_at_once_and_says_how_to_rehearse(tmp_path, device):
    """It used to start the Kinetics preset on the CPU by default; `--device cuda` gave a CUDA traceback."""
    work, out = tmp_path / "work", tmp_path / "out"
    result = run_script(
        "recipe_gpu.py", *device, *SMALL_RECIPE_GPU, "--work-dir", str(work), "--out-dir", str(out), "--compile"
    )
    assert_usage_error(result, "no CUDA device", "--device cpu", "--model_size tiny", "ISSUE17_REHEARSAL=1")
    assert not work.exists() and not out.exists()  # no data set generated, nothing written


def test_batch_limit_on_the_cpu_without_a_faked_limit_is_refused(tmp_path):
    """The CPU has no memory limit to find: without `--fake-oom-above` the doubling only ends when the machine's
    memory does."""
    out = tmp_path / "out"
    result = run_script(
        "batch_limit.py", "--device", "cpu", "--model-size", "tiny", "--max-batch", "4", "--out-dir", str(out)
    )
    assert_usage_error(result, "--device cpu", "--fake-oom-above")
    assert not out.exists()


def test_recipe_gpu_refuses_a_batch_from_file_that_does_not_exist(tmp_path):
    """It used to ignore the missing file and train at `--batch` without a word."""
    missing = tmp_path / "batch-limit-cuda.json"
    work, out = tmp_path / "work", tmp_path / "out"
    result = run_script(
        "recipe_gpu.py",
        "--device",
        "cpu",
        *SMALL_RECIPE_GPU,
        "--batch-from",
        str(missing),
        "--work-dir",
        str(work),
        "--out-dir",
        str(out),
    )
    assert_usage_error(result, f"--batch-from {missing}", "no such file")
    assert not work.exists() and not out.exists()


# ------------------------------------------------------------------------------------------------ retrieval
def test_retrieval_without_the_checkpoint_names_the_path_and_says_to_fine_tune_first(tmp_path):
    """`--model outputs` before the fine-tune has written outputs/ gave a transformers traceback."""
    missing = tmp_path / "outputs"
    assert_usage_error(run_script("retrieval.py", "--model", str(missing)), str(missing), "run the fine-tune first")


def test_retrieval_refuses_a_folder_that_holds_no_checkpoint(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert_usage_error(run_script("retrieval.py", "--model", str(empty)), str(empty), "no config.json")


# ------------------------------------------------------------------------------------------------ labels
def test_recipe_accuracy_help_gives_chance_from_the_bundled_sets_class_count():
    """Its --help said chance was 1/6 = 16.7%; the bundled set has 8 classes."""
    from vivit_hf.training.data.synthetic import SyntheticMotionConfig

    classes = len(SyntheticMotionConfig().classes)
    result = run_script("recipe_accuracy.py", "--help")
    assert result.returncode == 0, result.stderr[-2000:]
    help_text = " ".join(result.stdout.split())
    assert f"near chance (1/{classes} = {100 / classes:.1f}%)" in help_text, help_text
    assert "{chance}" not in help_text


def test_processor_table_says_what_the_second_frame_count_is():
    """ "frames decoded/clip: ours (minimum)" printed ours below the "minimum": the second count is the span from the
    keyframe to the last kept frame, which a decoder reading every frame decodes; ours skips frames in it."""
    processor = load("processor")
    timing = {"clips_per_s": 10.0, "cpu_ms_per_clip_median": 50.0}
    row = {
        "frames": 250,
        "keyframes": 1,
        "ours": {**timing, "frames_decoded_per_clip": 83.0, "minimum_frames_per_clip": 132.0},
        "ours_exact": timing,
        "transformers_pyav": {**timing, "frames_decoded_per_clip": 150.0},
        "speed_up_vs_fastest_transformers": 1.0,
        "load_average_1min": [0.5, 1.5],
    }
    header, _, line = processor.table({"files": {"10s_340x256": row}}).splitlines()
    assert "minimum" not in header
    assert "frames decoded/clip: ours (keyframe-to-last-frame span)" in header
    assert "| 83 (132) |" in line


def test_batch_limit_title_names_the_device():
    """A CPU rehearsal's table was titled "(tiny, one GPU)"."""
    batch_limit = load("batch_limit")
    machine = {"gpu": None, "cpu": "x86", "cpu_count": 2, "torch": "2", "transformers": "5"}
    result = {"commands": [], "machine": machine, "model_size": "tiny", "fake_oom_above": 6, "rows": [], "skipped": []}
    title = batch_limit.markdown({**result, "device": "cpu"}).splitlines()[0]
    assert title == "# Largest training batch per variant (tiny, CPU rehearsal)"
    title = batch_limit.markdown({**result, "device": "cuda", "model_size": "base"}).splitlines()[0]
    assert title == "# Largest training batch per variant (base, one GPU)"


def test_one_worker_is_not_plural():
    """The goals line of recipe_gpu.py said "at 1 workers" (and recipe.py's table "1 workers")."""
    recipe_gpu = load("recipe_gpu")
    run = {"variant": "factorised_encoder", "compiled": False, "workers": 1, "train_clips_per_second": 10.0}
    run.update(train_data_wait_share=0.01, recipe_over_model_only=0.95)
    (line,) = recipe_gpu.goals({"runs": [run]})
    assert line.startswith("Goals, factorised_encoder at 1 worker: "), line
    (line,) = recipe_gpu.goals({"runs": [{**run, "workers": 4}]})
    assert line.startswith("Goals, factorised_encoder at 4 workers: "), line
    common = load("common")
    assert (common.counted(1, "worker"), common.counted(2, "thread")) == ("1 worker", "2 threads")


# ------------------------------------------------------------------------------------------------ flag spellings
def test_a_benchmark_takes_its_flags_with_underscores_as_the_recipes_and_transformers_take_them():
    """`batch_limit.py --max_batch 64` (the recipes' `--output_dir` spelling) was "unrecognized arguments": the
    benchmarks took their flags with hyphens only. Both spellings read alike; a resume of recipe.py's results names
    `--num-workers 1` as `--num_workers 1` does."""
    batch_limit = load("batch_limit")
    hyphens = ["--device", "cpu", "--model-size", "tiny", "--max-batch", "64", "--fake-oom-above", "8"]
    underscores = ["--device", "cpu", "--model_size", "tiny", "--max_batch", "64", "--fake_oom_above", "8"]
    assert vars(batch_limit.parse(underscores)) == vars(batch_limit.parse(hyphens))
    assert batch_limit.parse(underscores).max_batch == 64
    recipe = load("recipe")
    options = recipe.build_parser().parse_args([])
    assert recipe.result_name(options, ["--num-workers", "1"], "p") == recipe.result_name(
        options, ["--num_workers", "1"], "p"
    )


def test_cpu_profile_prints_its_figures_without_the_profilers_own_lines(monkeypatch, capfd):
    # `python benchmarks/cpu_profile.py` printed kineto's "USDT: ... profiler_start" / "profiler_stop" around every
    # measurement and, without a GPU, "ERROR: ... DeviceProperties.cpp:56] gpuGetDeviceCount failed with code 35"
    import torch

    import vivit_hf

    # set, then removed: monkeypatch undoes only what it recorded, and a bare delenv of an unset variable records
    # nothing, so the level the script sets stayed in this process's environment for the tests after this one
    monkeypatch.setenv("KINETO_LOG_LEVEL", "")
    monkeypatch.delenv("KINETO_LOG_LEVEL")
    cpu_profile = load("cpu_profile")
    config = vivit_hf.ViViTSpatioTemporalConfig(
        num_frames=2, image_size=16, hidden_size=8, num_hidden_layers=1, num_attention_heads=2, intermediate_size=8
    )
    model = vivit_hf.ViViTSpatioTemporalForVideoClassification(config).eval()
    row = cpu_profile.profile_forward(model, torch.randn(1, 2, 3, 16, 16), "fp32")
    assert row["total_s"] > 0 and row["linear_s"] > 0  # it measured
    err = capfd.readouterr().err
    assert "USDT" not in err and "profiler_st" not in err and "gpuGetDeviceCount" not in err, err
