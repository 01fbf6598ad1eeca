# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Issue 17's GPU measurements, rehearsed on the CPU: `benchmarks/batch_limit.py`'s search against injected memory
limits, and `benchmarks/recipe_gpu.py` end to end through the real `accelerate launch` at a tiny size, its figures
checked against the `all_results.json` each recipe run wrote."""

import importlib.util
import json
import math
import os
import subprocess
import sys
import traceback
from pathlib import Path
from types import SimpleNamespace

import pytest
from test_benchmarks_refusals import run_script  # a new process forked from one that has imported torch: 3-5 s less

REPO = Path(__file__).resolve().parents[1]
TINY_RECIPE = ["--model_size", "tiny", "--crop_size", "32", "--resize_shortest_edge", "32", "--torch_threads", "1"]


def load(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", REPO / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


batch_limit = load("batch_limit")


def env():
    environment = dict(os.environ, HF_HUB_OFFLINE="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), environment.get("PYTHONPATH")]))
    return environment


# ------------------------------------------------------------------------------------------------ the search
@pytest.mark.parametrize("start", [1, 8])
@pytest.mark.parametrize("limit", [1, 2, 3, 7, 8, 9, 100, 1000])
def test_batch_search_finds_exactly_the_largest_batch_below_an_injected_memory_limit(limit, start):
    result = batch_limit.largest_batch(lambda batch: batch <= limit, start=start)
    assert (result["largest"], result["first_failing"], result["status"]) == (limit, limit + 1, "exact")
    # Doubling then bisection: about two probes per power of two, not one per batch.
    assert len(result["probes"]) <= 2 * math.ceil(math.log2(max(limit, start) + 1)) + 2
    assert all(probe["fits"] == (probe["batch"] <= limit) for probe in result["probes"])


@pytest.mark.parametrize("start", [1, 8])
def test_batch_search_reports_nothing_fits_when_batch_one_fails(start):
    result = batch_limit.largest_batch(lambda batch: False, start=start)
    assert (result["largest"], result["first_failing"], result["status"]) == (0, 1, "nothing fits")


def test_batch_search_stops_at_max_batch_and_says_at_least():
    result = batch_limit.largest_batch(lambda batch: True, start=8, max_batch=100)
    assert (result["largest"], result["first_failing"], result["status"]) == (100, None, "at least")
    assert [p["batch"] for p in result["probes"]] == [8, 16, 32, 64, 100]


def test_batch_search_out_of_time_returns_the_bracket_it_has():
    now = [0.0]

    def fits(batch):  # every probe takes 10 s
        now[0] += 10
        return batch <= 77

    result = batch_limit.largest_batch(fits, start=8, deadline=45, clock=lambda: now[0])
    # 8, 16, 32, 64 fit by t=40, before the deadline; 128 fails at t=50, past it: 64..128 left unsearched.
    assert (result["largest"], result["first_failing"], result["status"]) == (64, 128, "bracket")
    assert [p["batch"] for p in result["probes"]] == [8, 16, 32, 64, 128]


def test_batch_limit_script_runs_real_training_steps_up_to_the_faked_limit(tmp_path):
    argv = ["--device", "cpu", "--model-size", "tiny", "--variants", "factorised_encoder", "--checkpointing", "off"]
    argv += ["--fake-oom-above", "3", "--start", "2", "--out-dir", str(tmp_path), "--name", "limit"]
    result = run_script("batch_limit.py", *argv, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    row = json.loads((tmp_path / "limit.json").read_text())["rows"][0]
    assert (row["variant"], row["gradient_checkpointing"], row["largest"], row["status"]) == (
        "factorised_encoder",
        False,
        3,
        "exact",
    )
    assert "| factorised_encoder | no | 3 | 4 | exact |" in (tmp_path / "limit.md").read_text()


def test_keep_existing_keeps_an_earlier_steps_not_measured_note_until_the_row_is_measured(tmp_path, monkeypatch):
    """The kit's second step (`--keep-existing`, other variants) dropped the first step's "Not measured" note: the
    table read as if spatio_temporal had never been asked for. A row measured now leaves the note."""
    earlier = ["spatio_temporal (checkpointing off)", "factorised_encoder (checkpointing off)"]
    kept = {"commands": ["python benchmarks/batch_limit.py"], "rows": [], "skipped": earlier}
    (tmp_path / "limit.json").write_text(json.dumps(kept))

    def measured(variant, checkpointing, options, deadline):
        row = {"variant": variant, "gradient_checkpointing": checkpointing, "largest": 6, "first_failing": 7}
        probes = [{"batch": 6, "fits": True, "seconds": 0.1}, {"batch": 7, "fits": False, "seconds": 0.1}]
        return {**row, "status": "exact", "peak_mib_at_largest": None, "probes": probes, "seconds": 0.2}

    monkeypatch.setattr(batch_limit, "measure_row", measured)
    flags = ["--device", "cpu", "--fake-oom-above", "6", "--out-dir", str(tmp_path), "--name", "limit"]
    result = batch_limit.main([*flags, "--keep-existing", "--variants", "factorised_encoder", "--checkpointing", "off"])
    assert result["skipped"] == earlier[:1] and [row["variant"] for row in result["rows"]] == ["factorised_encoder"]
    said = (tmp_path / "limit.md").read_text()
    assert "Not measured (out of --budget-s): spatio_temporal (checkpointing off)." in said, said
    result = batch_limit.main([*flags, "--keep-existing", "--variants", "spatio_temporal", "--budget-s", "0"])
    assert result["skipped"] == [*earlier[:1], "spatio_temporal (checkpointing on)"]  # each once


def test_a_row_whose_budget_ran_out_before_its_first_probe_is_not_measured(tmp_path, monkeypatch):
    # the budget spent while the model was built (TrainStep's first step): the table read "largest batch 0 | ... | 0
    # probes", as if not even batch 1 fitted, where nothing was tried; it is listed as not measured
    class Step:  # a model built and its first step taken, past the deadline
        def __init__(self, model, device, fake_oom_above):
            self.model, self.optimizer, self.peak_mib = model, None, {}

        def fits(self, batch):
            raise AssertionError("probed after the deadline")

    monkeypatch.setattr(batch_limit, "build_model", lambda *args: object())
    monkeypatch.setattr(batch_limit, "TrainStep", Step)
    # the budget is read on a clock stopped at 0 (the variant starts within it); the search's own clock is past it
    monkeypatch.setattr(batch_limit, "time", SimpleNamespace(monotonic=lambda: 0.0))
    flags = ["--device", "cpu", "--fake-oom-above", "6", "--out-dir", str(tmp_path), "--name", "limit"]
    result = batch_limit.main([*flags, "--variants", "spatio_temporal", "--checkpointing", "off", "--budget-s", "1"])
    assert result["rows"] == [] and result["skipped"] == ["spatio_temporal (checkpointing off)"]
    said = (tmp_path / "limit.md").read_text()
    assert "Not measured (out of --budget-s): spatio_temporal (checkpointing off)." in said and "| 0 |" not in said


def test_a_step_out_of_memory_does_not_fit_and_leaves_no_gradients_behind():
    import torch

    from vivit_hf.models.modeling_vivit import VIVIT_MODELS

    # a smaller model than --model-size tiny (the script's test above trains that one): the steps are what is tested
    config_class, _, model_class = VIVIT_MODELS["factorised_encoder"]
    sizes = dict(hidden_size=16, num_hidden_layers=1, num_temporal_layers=1, num_attention_heads=2, image_size=32)
    config = config_class(**sizes, intermediate_size=32, num_frames=2, num_labels=batch_limit.KINETICS_CLASSES)
    step = batch_limit.TrainStep(model_class(config).train(), "cpu", 2)
    before = {name: p.detach().clone() for name, p in step.model.named_parameters()}
    assert step.fits(3) is False  # forward and backward ran, then the (faked) torch.cuda.OutOfMemoryError
    assert all(p.grad is None for p in step.model.parameters())
    assert all(torch.equal(p, before[name]) for name, p in step.model.named_parameters())  # no step taken
    assert step.fits(2) is True
    assert not all(torch.equal(p, before[name]) for name, p in step.model.named_parameters())


# ------------------------------------------------------------------------------------------------ recipe_gpu parts
@pytest.fixture(scope="module")
def recipe_gpu():
    return load("recipe_gpu")


def test_recipe_batch_is_ninety_percent_of_the_limit_rounded_to_eight_and_capped(recipe_gpu, tmp_path):
    limits = tmp_path / "limits.json"
    rows = [
        {"variant": "factorised_encoder", "gradient_checkpointing": False, "largest": 117},
        {"variant": "factorised_encoder", "gradient_checkpointing": True, "largest": 500},
        {"variant": "spatio_temporal", "gradient_checkpointing": False, "largest": 0},
    ]
    limits.write_text(json.dumps({"rows": rows}))
    options = SimpleNamespace(batch_from=str(limits), max_batch=200, batch=32)
    assert recipe_gpu.batch_for("factorised_encoder", options) == 104  # 0.9 * 117 = 105.3 -> 104
    assert recipe_gpu.batch_for("factorised_encoder", SimpleNamespace(**{**vars(options), "max_batch": 64})) == 64
    assert recipe_gpu.batch_for("spatio_temporal", options) == 32  # nothing fitted: --batch


def test_gpu_utilisation_is_averaged_over_the_samples_that_hold_the_training_memory(recipe_gpu):
    sampler = recipe_gpu.GpuSampler()
    # start-up (little memory), training (util 90, 60, 100 at ~40 GB; one dip to 35 GB inside), evaluation (25 GB), exit
    sampler.samples = [(0, 500), (30, 2000), (90, 40000), (60, 35000), (100, 41000), (20, 25000), (0, 500)]
    summary = sampler.summary()
    assert summary["gpu_memory_max_mib"] == 41000
    assert summary["gpu_samples"] == 3  # 40000 and 41000 are >= 0.8 * 41000; the window runs between them
    assert summary["gpu_util_mean"] == pytest.approx((90 + 60 + 100) / 3, abs=0.05)
    assert recipe_gpu.GpuSampler().summary()["gpu_util_mean"] is None  # no nvidia-smi, no samples: n/a


def test_a_sync_is_attributed_to_the_innermost_line_of_the_project(recipe_gpu):
    stack = [
        traceback.FrameSummary(str(REPO / "recipes" / "finetune.py"), 276, "main", line="loss.item()"),
        traceback.FrameSummary(str(REPO / "vivit_hf" / "training" / "finetune.py"), 12, "soft_targets", line="x"),
        traceback.FrameSummary("/usr/lib/python3/site-packages/torch/functional.py", 99, "one_hot", line="y"),
    ]
    assert recipe_gpu.place_of(stack) == "vivit_hf/training/finetune.py:12 x"
    assert recipe_gpu.place_of(stack[:1]) == "recipes/finetune.py:276 loss.item()"
    assert recipe_gpu.place_of(stack[2:]) == "outside the project"


def test_sync_warnings_are_counted_by_place_and_other_warnings_still_shown(recipe_gpu):
    import warnings

    shown = []
    with warnings.catch_warnings():
        warnings.showwarning = lambda message, *rest, **kw: shown.append(str(message))
        with recipe_gpu.SyncCounter() as counter:
            for _ in range(3):  # the same line three times: counted three times, not once
                warnings.warn("called a synchronizing CUDA operation", UserWarning, stacklevel=1)
            warnings.warn("something else", UserWarning, stacklevel=1)
        assert warnings.showwarning is not counter._record  # put back on the way out
    assert counter.places == {"outside the project": 3}  # this test file is neither recipes/ nor vivit_hf/
    assert shown == ["something else"]


@pytest.mark.parametrize("reworded", [False, True])
def test_the_data_sets_own_hard_links_are_not_warned_of_where_a_users_are(
    recipe_gpu, tmp_path, caplog, monkeypatch, reworded
):
    """`make_dataset`'s clips are hard links to one file by design: the rehearsal printed four warnings that its split
    reads files under two names (each right for a user's data set). `OwnLinksUnsaid` drops those two warnings, which
    the reader gives for a folder so made (reference: the same read without it), and nothing else; reworded too (it
    matched their first words, and let a rewording through)."""
    import logging

    from vivit_hf.training.data import examples
    from vivit_hf.training.data.formats import load_video_dataset

    if reworded:
        monkeypatch.setattr(examples, "LINKED_IN_SPLIT", "In split %r, %d file(s) under two names (%s), class each: %s")
        monkeypatch.setattr(examples, "LINKED_ACROSS_SPLITS", "%d file(s) of %r in %r under another name (%s): %s")

    first = tmp_path / "train" / "a" / "x.mp4"
    for path, size in ((first, 256), (tmp_path / "train" / "b" / "z.mp4", 300)):  # (two classes: one is refused)
        path.parent.mkdir(parents=True)
        path.write_bytes(b"\0" * size)
    for other in (tmp_path / "train" / "b" / "y.mp4", tmp_path / "validation" / "a" / "x2.mp4"):
        other.parent.mkdir(parents=True, exist_ok=True)
        os.link(first, other)
    logger = logging.getLogger("vivit_hf.training.data.formats")
    said = []
    for unsaid in (None, recipe_gpu.OwnLinksUnsaid()):
        caplog.clear()
        if unsaid:
            logger.addFilter(unsaid)
        try:
            with caplog.at_level(logging.WARNING, logger=logger.name):
                load_video_dataset(tmp_path, "videofolder")
        finally:
            logger.removeFilter(unsaid)
        said.append([record.getMessage() for record in caplog.records])
    linked = [message for message in said[0] if "under two names" in message or "under another name" in message]
    assert len(linked) == 2, said[0]
    assert any(message.startswith("In split") for message in linked) == reworded  # (the reader said the rewording)
    assert said[1] == [message for message in said[0] if message not in linked]
    other = logging.makeLogRecord({"msg": "split %r reads %d broken file(s)", "args": ("train", 1)})
    assert recipe_gpu.OwnLinksUnsaid().filter(other)  # any other warning is said
    # a user's `--dataset` after `--` (read here too, by the model-only builds and the sync-debug run) is warned of:
    # the filter was set whatever the folder
    for extra in (["--dataset", str(tmp_path)], [f"--dataset={tmp_path}", "--model_size", "tiny"]):
        assert recipe_gpu.unsay_own_links(extra) is None and not logger.filters
    unsaid = recipe_gpu.unsay_own_links(["--model_size", "tiny"])
    try:
        assert logger.filters == [unsaid]
    finally:
        logger.removeFilter(unsaid)


def test_the_data_readers_filter_is_set_at_the_first_read_and_not_by_a_spent_budget(recipe_gpu, tmp_path, monkeypatch):
    """`run_plan` set `unsay_own_links` first, which imports vivit_hf: 4-5 s of CPU that were the whole of a run whose
    --budget-s is spent (issue17_gpu.sh's recipe step on a short budget, three runs of the script here), which reads
    no data set. It is set where the data set is first read now, still before that read."""

    class FirstRead(Exception):
        pass

    def made(*args):
        calls.append("read")
        raise FirstRead

    calls = []
    monkeypatch.setattr(recipe_gpu, "unsay_own_links", lambda extra: calls.append("filter"))
    monkeypatch.setattr(recipe_gpu, "make_dataset", made)
    monkeypatch.setattr(recipe_gpu, "plot", lambda result, path: None)  # (not this test's)
    flags = ["--device", "cpu", "--work-dir", str(tmp_path / "work"), "--out-dir", str(tmp_path / "out")]
    assert recipe_gpu.main([*flags, "--budget-s", "0"])["skipped"] and calls == []
    with pytest.raises(FirstRead):  # a budget that fits the first step: its data set is made, the filter set first
        recipe_gpu.main([*flags, "--budget-s", "3600"])
    assert calls == ["filter", "read"]


def test_a_spent_budget_draws_no_figure_and_a_figure_of_no_rate_draws_without_a_warning(
    recipe_gpu, tmp_path, monkeypatch
):
    """A run with no time left drew an empty figure: matplotlib's import was 3.9 s of a run the docs say ends in under
    a second. It draws none, and removes an earlier run's figure of the same name (figures the .json no longer holds).
    A figure with no rate drawn (every run failed) printed matplotlib's "UserWarning: No artists with labels found to
    put in legend" (the plot's legend of no line)."""
    import warnings

    from matplotlib.figure import Figure

    saved = []  # the figure is drawn, not laid out nor rendered to PNG (0.8 s; the legend warned)
    monkeypatch.setattr(Figure, "tight_layout", lambda self, **kwargs: None)
    monkeypatch.setattr(Figure, "savefig", lambda self, path, **kwargs: saved.append(Path(path).name))
    flags = ["--device", "cpu", "--work-dir", str(tmp_path / "work"), "--out-dir", str(tmp_path / "out")]
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "recipe-gpu-cpu-rehearsal.png").write_bytes(b"an earlier run's figure")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = recipe_gpu.main([*flags, "--budget-s", "0"])
        assert result["skipped"] and saved == []
        assert sorted(path.suffix for path in (tmp_path / "out").iterdir()) == [".json", ".md"]
        result["runs"] = [{"variant": "factorised_encoder", "compiled": False, "workers": 1, "error": "killed"}]
        recipe_gpu.plot(result, tmp_path / "out" / "failed.png")
    assert saved == ["failed.png"]


# ------------------------------------------------------------------------------------------------ end to end
def test_recipe_gpu_rehearsal_reports_the_figures_each_real_recipe_launch_wrote(tmp_path):
    steps, workers, batch = 4, 1, 2
    argv = ["--device", "cpu", "--variants", "factorised_encoder", "--workers", str(workers), "--batch", str(batch)]
    argv += ["--steps", str(steps), "--classes", "2", "--train-clips", "4", "--eval-clips", "2"]
    argv += ["--video-seconds", "1", "--video-size", "64", "48", "--decode-clips", "4", "--model-only-steps", "2"]
    argv += ["--model-only-warmup", "1", "--sync-debug-steps", "2", "--work-dir", str(tmp_path / "work")]
    argv += ["--out-dir", str(tmp_path / "out"), "--", *TINY_RECIPE]
    result = run_script("recipe_gpu.py", *argv, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "under two names" not in result.stdout + result.stderr  # its own hard links (`OwnLinksUnsaid`)
    report = json.loads((tmp_path / "out" / "recipe-gpu-cpu-rehearsal.json").read_text())
    (run,) = report["runs"]
    assert run["command"].startswith("accelerate launch --num_processes 1 ")
    assert "--mixed_precision bf16" in run["command"] and f"--num_workers {workers}" in run["command"]
    assert "--preset kinetics400_vivit_b_fe" in run["command"]
    # The recipe's own figures, as its all_results.json holds them.
    written = json.loads(Path(run["all_results"]).read_text())
    assert Path(run["all_results"]).parent.parent == tmp_path / "work" / "runs"
    for key in ("train_clips_per_second", "train_data_wait_share", "train_step_seconds_median"):
        assert run[key] == written[key]
    assert written["completed_steps"] == steps
    # throughput.py leaves out the first 5 steps, or the first 10% of a shorter run
    assert run["train_throughput_steps"] == steps - min(5, int(steps * 0.1))
    assert run["train_clips_per_second"] > 0 and 0 <= run["train_data_wait_share"] < 1
    assert run["train_step_seconds_median"] > 0
    only = report["model_only"]["factorised_encoder"]
    assert only["batch"] == batch and only["clips_per_second"] > 0
    assert run["recipe_over_model_only"] == pytest.approx(run["train_clips_per_second"] / only["clips_per_second"])
    assert run["decode_bound_clips_per_second"] == pytest.approx(workers * 1000 / report["decode_ms_per_clip"])
    assert run["gpu_util_mean"] is None  # no GPU: n/a, not 0
    assert report["dataset"]["wanted"]["train"] == 4
    assert len(list((tmp_path / "work" / "data" / "train").glob("*/*.mp4"))) == 4
    assert [path.name for path in (tmp_path / "work" / "data").glob("*.mp4")] == []  # no stray video beside the splits
    assert report["machine"]["cpu_count"] == os.cpu_count() and report["machine"]["torch"]
    # The sync-debug run trained in this process; without CUDA it says so rather than counting nothing.
    assert report["sync_debug"]["completed_steps"] == 2 and report["sync_debug"]["syncs"] is None
    table = (tmp_path / "out" / "recipe-gpu-cpu-rehearsal.md").read_text()
    assert f"| factorised_encoder | no | {workers} | {batch} | {run['train_throughput_steps']} ({steps}) |" in table
    assert run["command"] in table
    if importlib.util.find_spec("matplotlib"):
        assert (tmp_path / "out" / "recipe-gpu-cpu-rehearsal.png").stat().st_size > 0


@pytest.mark.parametrize(
    "mode, recipe_name, limit_name",
    [("0", "recipe-gpu", "batch-limit-cuda"), ("1", "recipe-gpu-cpu-rehearsal", "batch-limit-cpu-rehearsal")],
    ids=["gpu-flags", "rehearsal"],
)
def test_issue17_gpu_sh_with_no_time_left_skips_every_measurement_names_it_and_copies_the_files(
    tmp_path, mode, recipe_name, limit_name
):
    """The GPU session's one command with a budget too small for anything (here, without a GPU: the GPU flags are
    parsed and nothing touches CUDA): every script accepts the flags the command gives it, the skipped steps are
    named, and $OUT gets the result files."""
    out, results = tmp_path / "out", tmp_path / "results"
    out.mkdir()
    environment = dict(env(), ISSUE17_REHEARSAL=mode, ISSUE17_BUDGET_S="0", ISSUE17_RESULTS=str(results))
    environment.update(ISSUE17_WORK=str(tmp_path / "work"), ISSUE17_LOG=str(tmp_path / "log"), OUT=str(out))
    environment.update(PYTHON=sys.executable, ISSUE17_NO_GPU_CHECK="1")
    result = subprocess.run(
        ["bash", "benchmarks/issue17_gpu.sh"], cwd=REPO, env=environment, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "usage:" not in result.stdout and "Traceback" not in result.stdout, result.stdout[-3000:]
    # The last line names the folder it wrote (the rehearsal's default is /tmp/issue17-rehearsal, not
    # benchmarks/results/, which the docs seemed to say).
    assert result.stdout.strip().splitlines()[-1] == f"=== results in {results}, log in {tmp_path / 'log'}"
    recipe = json.loads((out / f"{recipe_name}.json").read_text())
    assert recipe["runs"] == [] and recipe["model_only"] == {}
    for skipped in ("model-only factorised_encoder", "recipe spatio_temporal runs", "recipe factorised_encoder comp"):
        assert any(line.startswith(skipped) for line in recipe["skipped"]), (skipped, recipe["skipped"])
    assert json.loads((out / f"{limit_name}.json").read_text())["rows"] == []
    assert sorted(p.name for p in out.iterdir()) == sorted(  # (no figure: nothing measured)
        [f"{limit_name}.json", f"{limit_name}.md", "issue17-gpu.log", f"{recipe_name}.json", f"{recipe_name}.md"]
    )


def test_issue17_gpu_sh_without_a_gpu_stops_at_once_and_fails(tmp_path):
    """Run where no GPU is, it printed three CUDA tracebacks and exited 0 ("done"): it now stops before any step,
    non-zero, saying why."""
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    environment = dict(env(), ISSUE17_RESULTS=str(tmp_path / "results"), ISSUE17_LOG=str(tmp_path / "log"))
    environment.update(PYTHON=sys.executable, ISSUE17_WORK=str(tmp_path / "work"))
    result = subprocess.run(
        ["bash", "benchmarks/issue17_gpu.sh"], cwd=REPO, env=environment, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2, result.stdout[-2000:] + result.stderr[-2000:]
    assert "sees no CUDA GPU" in result.stderr and "ISSUE17_REHEARSAL=1" in result.stderr
    assert "===" not in result.stdout  # no step started
    assert not (tmp_path / "results").exists()


def test_issue17_gpu_sh_exits_non_zero_when_a_step_fails(tmp_path):
    """A step that fails (here the rehearsal's first step, given a Python that cannot run it) is named at the end and
    makes the exit status non-zero, while the later steps still run."""
    fake = tmp_path / "python"
    script = f'#!/bin/sh\ncase "$1" in benchmarks/batch_limit.py) exit 3;; esac\nexec {sys.executable} "$@"\n'
    fake.write_text(script)
    fake.chmod(0o755)
    environment = dict(env(), ISSUE17_REHEARSAL="1", ISSUE17_BUDGET_S="1", ISSUE17_RESULTS=str(tmp_path / "results"))
    environment.update(PYTHON=str(fake), ISSUE17_WORK=str(tmp_path / "work"), ISSUE17_LOG=str(tmp_path / "log"))
    result = subprocess.run(
        ["bash", "benchmarks/issue17_gpu.sh"], cwd=REPO, env=environment, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 1, result.stdout[-2000:] + result.stderr[-2000:]
    assert "failed: batch_limit.py (exit 3)" in result.stdout
    assert "recipe_gpu.py" in result.stdout  # the next step still ran
    # ... at its --batch: step 1 wrote no limits, so no --batch-from naming a missing file (which it refuses)
    assert "--batch-from" not in result.stdout and "recipe_gpu.py (exit" not in result.stdout
