# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""`benchmarks/models.py` end to end at the tiny size: what it writes and the figures it derives."""

import datetime
import importlib.util
import json
import os
import sys
from pathlib import Path

import pytest
import torch

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_models", REPO / "benchmarks" / "models.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_models"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def tiny_run(bench, tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    threads = torch.get_num_threads()
    try:
        result = bench.main(
            [
                "--size",
                "tiny",
                "--repeats",
                "1",
                "--train-repeats",
                "1",
                "--warmup",
                "0",
                "--out-dir",
                str(out),
                "--silent",
            ]
        )
    finally:
        torch.set_num_threads(threads)
    return result, out


def test_writes_json_markdown_and_plot(tiny_run):
    _, out = tiny_run
    for suffix in ("json", "md", "png"):
        assert (out / f"models-cpu-tiny.{suffix}").stat().st_size > 0
    assert (out / "models-cpu-tiny.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_json_has_every_measurement_for_every_model(tiny_run, bench):
    result = json.loads((tiny_run[1] / "models-cpu-tiny.json").read_text())
    expected = {f"vivit_hf/{variant}" for variant in bench.VIVIT_MODELS} | {"transformers/VivitModel"}
    assert expected <= set(result["models"])
    for dtype in ("fp32", "bf16"):
        assert result["peak_matmul"][dtype]["gflops_per_s"] > 0
    for name, entry in result["models"].items():
        assert entry["params"] > 0 and entry["macs"] > 0, name
        for dtype in ("fp32", "bf16"):
            timing = entry["forward"]["sdpa"][dtype]
            assert timing["median_s"] > 0 and timing["clips_per_s"] > 0 and timing["fraction_of_matmul_peak"] > 0
            assert entry["forward"]["eager"][dtype]["median_s"] > 0
            assert entry["train"][dtype]["median_s"] > 0
        assert entry["memory"]["no_checkpointing"] > 0
        if entry["family"] != "vit-pytorch":
            assert entry["memory"]["checkpointing_reduction"] > 0


def test_macs_are_counted_at_the_papers_size(tiny_run, bench):
    """The paper comparison is counted on the meta device at ViViT-B/16x2, not copied from Table 2."""
    rows = tiny_run[0]["paper_comparison"]
    assert set(rows) == set(bench.PAPER)
    for variant, row in rows.items():
        assert row["gmacs"] != row["paper_gmacs"]
        assert abs(row["gmacs_relative_difference"]) < 0.03, variant
        assert row["gmacs_relative_difference"] == pytest.approx(row["gmacs"] / row["paper_gmacs"] - 1)
    # attention is quadratic in tokens: Model 1 costs more than Model 4 at the same parameters
    assert rows["spatio_temporal"]["gmacs"] > rows["factorised_dot_product"]["gmacs"]
    assert rows["spatio_temporal"]["params_m"] == pytest.approx(rows["factorised_dot_product"]["params_m"], rel=1e-4)


def test_transformers_vivit_gets_the_same_weights(tiny_run):
    assert tiny_run[0]["same_weights"]["max_abs_logit_difference_fp32"] < 1e-5


def test_goals_are_judged_from_the_measurements(tiny_run):
    goals = tiny_run[0]["goals"]
    assert any("transformers' VivitModel" in g["goal"] for g in goals)
    assert any("checkpointing" in g["goal"] for g in goals)
    assert all(isinstance(g["met"], bool) and g["measured"] for g in goals)


def test_merging_runs_adds_contenders_and_training_figures(tiny_run, bench, tmp_path):
    """`--from-json`: a later run's memory figures fill in, and a contender only it measured is added whole."""
    first = json.loads((tiny_run[1] / "models-cpu-tiny.json").read_text())
    second = json.loads(json.dumps(first))
    moved = (
        next(name for name in first["models"] if name.startswith("vit-pytorch"))
        if any(name.startswith("vit-pytorch") for name in first["models"])
        else "transformers/VivitModel"
    )
    del first["models"][moved]
    for entry in first["models"].values():
        entry["memory"] = {}
    (tmp_path / "a.json").write_text(json.dumps(first))
    (tmp_path / "b.json").write_text(json.dumps(second))
    merged = bench.merge_results([tmp_path / "a.json", tmp_path / "b.json"])
    assert merged["models"][moved] == second["models"][moved]
    for name, entry in merged["models"].items():
        assert entry["memory"]["no_checkpointing"] == second["models"][name]["memory"]["no_checkpointing"]
    assert merged["goals"]


def test_paper_speed_ratios_are_reported_for_both_attention_kernels(tiny_run):
    for variant, row in tiny_run[0]["paper_comparison"].items():
        for key in ("speedup_over_model1", "speedup_over_model1_eager"):
            assert set(row[key]) == {"fp32", "bf16"}, (variant, key)
        if variant == "spatio_temporal":
            assert row["speedup_over_model1"]["fp32"] == 1.0


def test_sdpa_flash_is_offered_on_cuda_only(bench):
    assert bench.attention_available("sdpa_flash", "cuda") and not bench.attention_available("sdpa_flash", "cpu")
    assert bench.model_attention("sdpa_flash") == "sdpa"


def test_peak_memory_counter_sees_activations_freed(bench):
    counter = bench.PeakLiveTensorBytes()
    with counter:
        a = torch.ones(1024)  # 4 KiB
        b = a * 2  # 4 KiB more, live together with a
        del a, b
        c = torch.ones(256)
    assert counter.peak == 2 * 4096
    assert counter.current == c.untyped_storage().nbytes()


def test_load_average_at_start_and_end_is_recorded(tiny_run):
    """A run on a loaded machine could not be told from a quiet one: the load average goes into the JSON and md."""
    result, out = tiny_run
    load = json.loads((out / "models-cpu-tiny.json").read_text())["machine"]["load_average"]
    assert len(load["start"]) == 3 and len(load["end"]) == 3
    assert all(x >= 0 for x in load["start"] + load["end"])
    markdown = (out / "models-cpu-tiny.md").read_text()
    assert "Load average (1, 5, 15 min): " + " ".join(f"{x:.2f}" for x in load["start"]) + " at start" in markdown


def test_a_load_above_the_threads_used_is_warned_about(bench, tiny_run, tmp_path, monkeypatch, capsys):
    """With the 1-minute load average above the threads the run uses, it says its timings are not trustworthy: on
    stderr as it starts and ends, and in the md."""
    import copy
    import os

    monkeypatch.setattr(os, "getloadavg", lambda: (5.5, 3.0, 1.0))
    # The paper-size MAC count (four ViViT-B models under a FlopCounterMode, most of this run) is tiny_run's: the same
    # constants, counted once
    paper = tiny_run[0]["paper_comparison"]
    monkeypatch.setattr(bench, "paper_comparison", lambda: copy.deepcopy(paper))
    threads = torch.get_num_threads()
    try:
        bench.main(
            ["--size", "tiny", "--models", "vivit_hf/spatio_temporal", "--attn", "sdpa", "--dtypes", "fp32"]
            + ["--no-train", "--no-memory", "--repeats", "1", "--warmup", "0", "--threads", "2"]
            + ["--out-dir", str(tmp_path), "--name", "loaded", "--silent"]
        )
    finally:
        torch.set_num_threads(threads)
    err = capsys.readouterr().err
    for when in ("at start", "at the end"):
        assert f"warning: the 1-minute load average {when} was 5.50, above the 2 threads this run uses" in err
    result = json.loads((tmp_path / "loaded.json").read_text())
    assert result["machine"]["load_average"] == {"start": [5.5, 3.0, 1.0], "end": [5.5, 3.0, 1.0]}
    assert len(result["machine"]["load_warnings"]) == 2
    assert "**Warning: the 1-minute load average at start was 5.50" in (tmp_path / "loaded.md").read_text()


def test_refuses_cuda_without_a_gpu(bench):
    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present")
    with pytest.raises(SystemExit):
        bench.parse_args(["--device", "cuda"])


@pytest.mark.parametrize(
    ("variant", "embedding"),
    [
        ("spatio_temporal", {}),
        ("factorised_encoder", {}),
        ("factorised_self_attention", {}),
        ("factorised_dot_product", {}),
        # its frames were picked with numpy and `.tolist()`: graph breaks, and fullgraph=True failed
        ("factorised_self_attention", {"embedding_type": "frame_sampling", "num_sampled_frames": 2}),
    ],
)
def test_model_compiles_as_one_graph(bench, variant, embedding):
    """`torch.compile` sees each model whole: no graph break in the blocks, in training mode with stochastic depth, a
    padded batch's masks included, as `_can_compile_fullgraph` (True, as on transformers' ViViT) declares."""
    import torch._dynamo

    size = {**bench.SIZES["tiny"], **embedding}
    if embedding:
        size["tubelet_size"] = [1, 16, 16]
    config = bench.vivit_config(variant, size, "sdpa")
    config.drop_path_rate = 0.1
    model = bench.VIVIT_MODELS[variant][1](config).train()
    assert model._can_compile_fullgraph
    torch._dynamo.reset()
    # a padded batch needs tubelets (frame sampling refuses one: its frames spread over the padded length)
    padded = None if embedding else torch.tensor([[1, 1, 1, 1], [1, 1, 0, 0]])
    explanation = torch._dynamo.explain(model)(pixel_values=torch.randn(2, 4, 3, 32, 32), attention_mask=padded)
    assert explanation.graph_break_count == 0, explanation.break_reasons
    assert explanation.graph_count == 1


def test_only_the_documented_recipe_benchmark_run_writes_the_committed_result_names():
    spec = importlib.util.spec_from_file_location("bench_recipe", REPO / "benchmarks" / "recipe.py")
    recipe = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(recipe)

    def name(*argv):
        return recipe.result_name(*recipe.parse_command(list(argv)), "synthetic_motion")

    # `python benchmarks/recipe.py`, as docs/benchmarks.md and benchmarks/results/README.md quote it
    assert name() == "recipe-synthetic_motion"
    assert name("--out-dir", "/tmp/elsewhere") == "recipe-synthetic_motion"  # where, not what, is measured
    # the documented variant used to overwrite recipe-synthetic_motion.{json,md}
    documented_variant = ("--steps", "40", "--", "--num_workers", "1", "--per_device_train_batch_size", "8")
    assert name(*documented_variant) == "recipe-synthetic_motion-steps40-num_workers1-per_device_train_batch_size8"
    assert name("--runs", "recipe", "streaming", "--", "--preset", "synthetic_motion") == (
        "recipe-synthetic_motion-runsrecipe+streaming"
    )
    assert name("--", "--preset=synthetic_motion", "--seed=3") == "recipe-synthetic_motion-seed3"
    assert name("--steps", "40", "--name", "quick") == "quick"


def test_a_timeline_run_with_other_settings_does_not_replace_the_committed_figures():
    """`python benchmarks/timeline.py --minutes 1` (the docstring's cheapest form) wrote its one row over the committed
    three-row `results/timeline.json` that timeline-report.md reads; other settings now get a name of their own."""
    spec = importlib.util.spec_from_file_location("bench_timeline", REPO / "benchmarks" / "timeline.py")
    timeline = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(timeline)
    parser = timeline.build_parser()
    results = REPO / "benchmarks" / "results"

    def out(*argv):
        return timeline.default_out(parser, parser.parse_args(list(argv)))

    assert out() == out("--minutes", "1", "5", "10") == results / "timeline.json"
    assert out("--minutes", "1") == results / "timeline-minutes1.json"
    assert out("--minutes", "0.5", "2", "--size", "64") == results / "timeline-minutes0.5-2-size64.json"
    assert out("--hop", "1") == results / "timeline-hop1.json"


def test_a_retrieval_run_names_the_checkpoint_by_what_its_training_recorded(tmp_path, monkeypatch, capsys):
    """`benchmarks/retrieval.py --model outputs --out benchmarks/results/retrieval.json`, the documented command,
    wrote `"model": "outputs"` over the committed file's description of the checkpoint (the main job: its steps,
    test top-1 and day): the figures now carry what the checkpoint's all_results.json says of its training."""
    spec = importlib.util.spec_from_file_location("bench_retrieval", REPO / "benchmarks" / "retrieval.py")
    retrieval = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(retrieval)
    checkpoint = tmp_path / "outputs"
    checkpoint.mkdir()
    (checkpoint / "config.json").write_text("{}")
    trained = {"top1": 0.996, "eval_loss": 0.02, "completed_steps": 2400, "eval_split": "test", "num_processes": 1}
    (checkpoint / "all_results.json").write_text(json.dumps(trained))

    class Model:  # the figures are not what is checked here: no model is loaded, no clip embedded
        def __init__(self, config=None):
            self.config = config

        @classmethod
        def from_pretrained(cls, path):
            return cls()

        def eval(self):
            return self

    class Data:
        def split(self, name):
            return [{"video": None, "label": i % 2} for i in range(4)]

    monkeypatch.setattr(retrieval, "AutoModelForVideoClassification", Model)
    monkeypatch.setattr(retrieval.vivit_hf.ViViTVideoProcessor, "from_pretrained", lambda path: None)
    monkeypatch.setattr(retrieval, "open_video_dataset", lambda name: Data())
    monkeypatch.setattr(retrieval, "embed", lambda model, processor, videos: torch.eye(len(videos)))
    out = tmp_path / "retrieval.json"
    monkeypatch.setattr(sys, "argv", ["retrieval.py", "--model", str(checkpoint), "--out", str(out)])
    retrieval.main()
    capsys.readouterr()
    written = json.loads(out.read_text())
    assert written["model"] == str(checkpoint)
    day = datetime.datetime.fromtimestamp((checkpoint / "all_results.json").stat().st_mtime, datetime.timezone.utc)
    assert written["trained"] == {
        "completed_steps": 2400, "top1": 0.996, "eval_split": "test", "num_processes": 1, "written": f"{day:%Y-%m-%d}"
    }  # fmt: skip
    assert written["measured"]["cpus"] == os.cpu_count()
    # a checkpoint fine-tuned on another data set is scored on the bundled set's classes all the same: said, and
    # recorded beside the figures (they read as the docs' of the main job, a model that learned those classes)
    settings = {"settings": {"batches": {"dataset": "my_clips"}}}
    (checkpoint / "run_settings.json").write_text(json.dumps(settings))
    retrieval.main()
    assert json.loads(out.read_text())["trained"]["dataset"] == "my_clips"
    said = capsys.readouterr().err
    assert f"note: --model {checkpoint} was fine-tuned on my_clips, not the bundled set" in said, said
