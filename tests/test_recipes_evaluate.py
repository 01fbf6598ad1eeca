# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""recipes/evaluate.py: predictions that can be joined to their videos, seeded subsets, flags checked at start.

The model is a tiny random one saved here (no training run needed): these tests are about which videos are
evaluated and how the rows are labelled, not about accuracy.
"""

import json
import os
import shutil
from collections import Counter

import fresh_python
import pytest
import torch
from safetensors import safe_open
from safetensors.torch import load_file
from test_models import SMALLEST
from test_recipes_finetune import EVALUATE, REPO, env, tiny_clip

CLASSES = ("down", "up")


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("evaluate")
    for label, name in enumerate(CLASSES):
        for i in range(4):
            tiny_clip(root / "data" / "test" / name / f"{name}_{i}.mp4", label, seed=10 * label + i)
    tiny_model(root / "model", CLASSES)
    return root


def tiny_model(folder, classes):
    """A tiny random model of these classes, with its video processor, saved into `folder`."""
    from vivit_hf import ViViTSpatioTemporalConfig, ViViTSpatioTemporalForVideoClassification, ViViTVideoProcessor

    config = ViViTSpatioTemporalConfig(
        **SMALLEST, id2label=dict(enumerate(classes)), label2id={n: i for i, n in enumerate(classes)}
    )
    ViViTSpatioTemporalForVideoClassification(config).save_pretrained(folder)
    ViViTVideoProcessor(
        num_frames=4, frame_stride=1, size={"shortest_edge": 16}, crop_size={"height": 16, "width": 16}
    ).save_pretrained(folder)


def evaluate(*args):
    """`python recipes/evaluate.py ARGS` in a new process (forked from one with the heavy libraries imported)."""
    return fresh_python.server(fresh_python.RECIPES, env()).run([EVALUATE, *args], cwd=REPO, timeout=240)


def test_predictions_carry_the_video_of_every_row(folder, tmp_path):
    result = evaluate(
        "--model",
        folder / "model",
        "--dataset",
        folder / "data",
        "--output_dir",
        tmp_path,
        "--num_workers",
        0,
        "--per_device_eval_batch_size",
        3,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    predictions = load_file(str(tmp_path / "predictions.safetensors"))
    with safe_open(str(tmp_path / "predictions.safetensors"), "pt") as f:
        ids = json.loads(f.metadata()["video_ids"])
    rows = [json.loads(line) for line in (tmp_path / "predictions.jsonl").read_text().splitlines()]
    # Ids are paths relative to the data set folder; each row's label is its video's class folder.
    expected = [f"test/{name}/{name}_{i}.mp4" for name in CLASSES for i in range(4)]
    assert sorted(ids) == expected and len(ids) == len(predictions["labels"]) == 8
    for video_id, label in zip(ids, predictions["labels"].tolist()):
        assert CLASSES[label] == video_id.split("/")[1]
    assert [row["video_id"] for row in rows] == ids
    assert [row["label"] for row in rows] == predictions["labels"].tolist()
    assert [row["prediction"] for row in rows] == predictions["logits"].argmax(-1).tolist()
    assert all(row["valid"] for row in rows)
    # the names beside the ids: the video's class folder, and the model's name of the prediction (its config)
    id2label = json.loads((folder / "model" / "config.json").read_text())["id2label"]
    assert [row["label_name"] for row in rows] == [video_id.split("/")[1] for video_id in ids]
    assert [row["prediction_name"] for row in rows] == [id2label[str(row["prediction"])] for row in rows]


def evaluate_as_launched(launcher: dict, *args):
    """`evaluate(*args)` as `accelerate launch` starts it: the launcher's settings in the environment (its
    `--mixed_precision bf16` is ACCELERATE_MIXED_PRECISION=bf16), set in the forked child, so the fork server serves."""
    argv = [str(EVALUATE), *map(str, args)]
    code = (
        f"import os, runpy, sys; os.environ.update({launcher!r}); sys.argv = {argv!r}; "
        "sys.path[0] = os.path.dirname(sys.argv[0]); runpy.run_path(sys.argv[0], run_name='__main__')"
    )
    return fresh_python.server(fresh_python.RECIPES, env()).run(["-c", code], cwd=REPO, timeout=240)


def test_max_eval_samples_draws_from_every_class(folder, tmp_path):
    # launched as `accelerate launch --mixed_precision bf16 recipes/evaluate.py`: the results say it ran in bf16
    result = evaluate_as_launched(
        {"ACCELERATE_MIXED_PRECISION": "bf16"},
        "--model",
        folder / "model",
        "--dataset",
        folder / "data",
        "--output_dir",
        tmp_path,
        "--num_workers",
        0,
        "--max_eval_samples",
        4,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    labels = load_file(str(tmp_path / "predictions.safetensors"))["labels"].tolist()
    # 4 of 8 clips, 4 per class: 2 of each (the first 4 were all "down").
    assert Counter(labels) == {0: 2, 1: 2}
    # the results name the share scored (they said `test`, for a top-1 of 4 of its 8 clips), as finetune.py's do
    results = json.loads((tmp_path / "eval_results.json").read_text())
    assert results["split"] == "test (4 of its 8 clips: --max_eval_samples)"
    # the launcher's precision applied without a trace in the results (finetune.py's run_settings.json records it)
    assert (results["mixed_precision"], results["num_processes"]) == ("bf16", 1)
    assert "] test, 1x1 views, mixed_precision bf16, 1 process: {" in result.stderr, result.stderr[-3000:]


def test_the_precision_recorded_is_the_one_that_ran():
    """eval_results.json's `mixed_precision`: accelerate's, but fp16 where accelerate runs none (on the CPU it leaves
    autocast off without a word), which ran in fp32: `no`, with a warning saying so."""
    from types import SimpleNamespace

    from vivit_hf.training.evaluation import precision_evaluated

    def launched(precision, native_amp):
        return SimpleNamespace(mixed_precision=precision, native_amp=native_amp, device=torch.device("cpu"))

    assert precision_evaluated(launched("bf16", True)) == ("bf16", None)
    assert precision_evaluated(launched("no", False)) == ("no", None)
    recorded, warning = precision_evaluated(launched("fp16", False))
    assert recorded == "no" and "this evaluation is on the cpu: it runs in fp32" in warning, warning


@pytest.fixture(scope="module")
def evaluate_module():
    # Loaded under its own name: `import evaluate` could be (or later shadow) the `evaluate` library.
    import importlib.util

    spec = importlib.util.spec_from_file_location("vivit_recipes_evaluate", EVALUATE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--num_clip", "2"], "unrecognized arguments: --num_clip"),  # no abbreviations: --num_clip is not --num_clips
        (["--num_clips", "0"], "--num_clips"),
        (["--num_crops", "2"], "--num_crops"),
        (["--per_device_eval_batch_size", "0"], "--per_device_eval_batch_size"),
        (["--num_workers", "-1"], "--num_workers"),
        (["--max_eval_samples", "0"], "--max_eval_samples"),
        (["--max_eval_samples", "1.5"], "--max_eval_samples"),
        # a videofolder's labels are its folders: a label column was ignored without a word
        (["--label_column", "action"], "argument --label_column: --dataset_format videofolder reads no columns"),
        (["--video_column", "clip", "--dataset_format", "ssv2"], "argument --video_column"),
    ],
)
def test_bad_flags_are_refused_by_the_parser(evaluate_module, folder, flags, message, capsys):
    # parse_args runs before the data set or the model is touched: a wrong value costs a second, not a load.
    with pytest.raises(SystemExit) as exit_info:
        evaluate_module.parse_args(["--model", str(folder / "model"), "--dataset", str(folder / "data"), *flags])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_good_flags_pass(evaluate_module, folder):
    args = evaluate_module.parse_args(
        [
            "--model",
            str(folder / "model"),
            "--dataset",
            str(folder / "data"),
            "--num_clips",
            "4",
            "--num_crops",
            "3",
            "--max_eval_samples",
            "3",
        ]
    )
    assert (args.num_clips, args.num_crops, args.max_eval_samples) == (4, 3, 3)
    # A Hub id is not checked here (that needs the network): only paths that do not exist are refused.
    args = evaluate_module.parse_args(["--model", "someone/vivit", "--dataset", "someone/clips"])
    assert (args.model, args.dataset) == ("someone/vivit", "someone/clips")


def test_a_model_or_dataset_path_that_does_not_exist_is_named_without_a_traceback(folder, tmp_path):
    result = evaluate("--model", tmp_path / "no_such_model", "--dataset", folder / "data")
    assert result.returncode == 2 and "no_such_model" in result.stderr and "Traceback" not in result.stderr
    result = evaluate("--model", folder / "model", "--dataset", tmp_path / "no_such_data")
    assert result.returncode == 2 and "no_such_data" in result.stderr and "Traceback" not in result.stderr
    result = evaluate("--model", folder / "data", "--dataset", folder / "data")
    assert result.returncode == 2 and "no config.json" in result.stderr


@pytest.mark.parametrize("split", [[], ["--split", "test"]], ids=["found", "typed"])
def test_a_file_where_the_default_output_folder_goes_is_refused_before_the_model_loads(folder, tmp_path, split):
    """Without --output_dir the results go to `<model>/eval_<data>_<split>_<clips>x<crops>`; a file there was not
    checked: the whole evaluation ran, then a NotADirectoryError traceback, status 1. It is refused in one line with
    argparse's status 2 before the model loads (its weights here are not a model: loading them would fail first)."""
    model = tmp_path / "model"
    shutil.copytree(folder / "model", model)
    (model / "model.safetensors").write_text("not weights")
    (model / "eval_data_test_1x1").write_text("my notes\n")
    result = evaluate("--model", model, "--dataset", folder / "data", *split)
    assert result.returncode == 2, result.stderr[-3000:]
    assert result.stderr.strip().splitlines()[-1] == (
        f"error: the default --output_dir {model / 'eval_data_test_1x1'} is a file, not a folder"
    ), result.stderr[-3000:]
    assert "Traceback" not in result.stderr and (model / "eval_data_test_1x1").read_text() == "my notes\n"


def test_an_output_dir_holding_a_model_is_refused_before_its_cards_plots_are_replaced(folder, tmp_path):
    """`--model out --output_dir out`: the evaluation's eval_confusion_matrix.png and eval_per_class_accuracy.png
    replaced the plots fine-tuning drew for the model card, which then showed one split's plots beside another's
    numbers, without a word. Refused in one line, status 2; the card's plots stay."""
    model = tmp_path / "model"
    shutil.copytree(folder / "model", model)
    plots = {name: f"the card's {name}" for name in ("eval_confusion_matrix.png", "eval_per_class_accuracy.png")}
    for name, text in plots.items():
        (model / name).write_text(text)
    result = evaluate("--model", model, "--dataset", folder / "data", "--output_dir", model)
    assert result.returncode == 2, result.stderr[-3000:]
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"error: --output_dir {model} holds a model (config.json and its weights)"), last
    assert "leave --output_dir out" in last and "Traceback" not in result.stderr
    assert {name: (model / name).read_text() for name in plots} == plots
    assert not (model / "eval_results.json").exists()
    # A folder of earlier results (no model in it) still takes them, as before.
    out = tmp_path / "results"
    assert evaluate("--model", model, "--dataset", folder / "data", "--output_dir", out).returncode == 0
    assert (out / "eval_results.json").is_file()


def test_a_split_the_data_set_lacks_names_the_ones_it_has(folder):
    # the user's flag: argparse's status 2, as every other refusal of the user's flags (it was 1, a failed run's)
    result = evaluate("--model", folder / "model", "--dataset", folder / "data", "--split", "validaton")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "no split 'validaton'" in result.stderr and "--split: test" in result.stderr


def test_a_broken_video_has_no_prediction_in_predictions_jsonl(evaluate_module, tmp_path):
    """A clip that could not be decoded was fed zeros: its row keeps its label and says valid false, with prediction
    null rather than the argmax of the zeros' logits; with two heads, the same."""
    import torch

    logits = torch.tensor([[0.1, 2.0, 0.3], [5.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    valid = torch.tensor([True, False, True])
    path = tmp_path / "predictions.jsonl"
    evaluate_module.write_prediction_rows(path, ["a", "b", "c"], logits, torch.tensor([1, 0, 2]), valid, [3])
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert [(r["video_id"], r["label"], r["prediction"], r["valid"]) for r in rows] == [
        ("a", 1, 1, True),
        ("b", 0, None, False),
        ("c", 2, 2, True),
    ]
    two_heads = torch.tensor([[0.0, 1.0, 3.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0, 2.0]])
    evaluate_module.write_prediction_rows(
        path, ["x", "y"], two_heads, torch.tensor([[1, 0], [0, 2]]), torch.tensor([True, False]), [2, 3]
    )
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert [r["prediction"] for r in rows] == [[1, 0], None]
    evaluate_module.write_prediction_rows(
        path,
        ["x", "y"],
        two_heads,
        torch.tensor([[1, 0], [0, 2]]),
        torch.tensor([True, False]),
        [2, 3],
        label_names=[["open", "close"], ["cup", "pan", "tap"]],
    )
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert [r["prediction"] for r in rows] == [[1, 0], None]  # the ids as they were, the names beside them
    assert [(r["label_name"], r["prediction_name"]) for r in rows] == [
        (["close", "cup"], ["close", "cup"]),
        (["open", "tap"], None),
    ]
    evaluate_module.write_prediction_rows(  # a head without a label (-100) is named None, not a class from the end
        path,
        ["x"],
        two_heads[:1],
        torch.tensor([[-100, 2]]),
        torch.tensor([True]),
        [2, 3],
        [["o", "c"], ["a", "b", "t"]],
    )
    assert json.loads(path.read_text())["label_name"] == [None, "t"]


@pytest.mark.parametrize("streaming", [False, True], ids=["whole", "streamed"])
def test_a_split_of_only_broken_clips_fails_saying_nothing_was_evaluated(folder, tmp_path, streaming):
    """Every clip skipped as broken left 0 samples: evaluate.py exited 0 with no top-1 (`--streaming`) as if it had
    evaluated something. It now exits non-zero in one line and writes no results."""
    data = tmp_path / "broken"
    for name in CLASSES:
        for i in range(2):
            (data / "clips" / f"{name}_{i}.mp4").parent.mkdir(parents=True, exist_ok=True)
            (data / "clips" / f"{name}_{i}.mp4").write_text("not a video")
    rows = [f"clips/{name}_{i}.mp4,{name}" for name in CLASSES for i in range(2)]
    (data / "test.csv").write_text("\n".join(["video,label", *rows]) + "\n")
    fmt = ["--dataset_format", "hub", "--streaming"] if streaming else ["--dataset_format", "hub"]
    out = tmp_path / "out"
    # no DataLoader workers: the refusal is the main process's (streamed, workers started a fork server: 3-5 s more)
    result = evaluate("--model", folder / "model", "--dataset", data, *fmt, "--output_dir", out, "--num_workers", 0)
    last = result.stderr.strip().splitlines()[-1]
    assert result.returncode != 0 and "Traceback" not in result.stderr, result.stderr[-3000:]
    assert "nothing was evaluated in split 'test'" in last and "none of its 4 clips could be decoded" in last, last
    assert not (out / "eval_results.json").exists()


def test_a_model_that_is_neither_a_folder_nor_a_reachable_hub_id_is_one_line(folder, tmp_path):
    result = evaluate("--model", "no_such_model_dir", "--dataset", folder / "data", "--output_dir", tmp_path)
    assert result.returncode != 0
    assert "--model no_such_model_dir: no such local folder" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "dataset, revision, config, name",
    [
        ("synthetic_motion", None, (), "synthetic_motion"),  # the bundled set: the same name wherever it is cached
        ("someone/kinetics-mini", None, (), "someone--kinetics-mini"),
        ("someone/kinetics-mini", "refs/pr/1", (), "someone--kinetics-mini@refs_pr_1"),
        ("someone/kinetics-mini", "main", (), "someone--kinetics-mini"),  # the default branch: none's folder
        ("someone/odd name!", None, (), "someone--odd_name"),
        ("someone/clips", None, ("Split_1", "hub"), "someone--clips-Split_1"),  # a repo's own configuration name
        # one configuration however it is typed: UCF101's split 1 (the default) and 2, EPIC-55
        *[("ucf", None, (typed, "ucf101"), "ucf") for typed in ("1", "split1", "Split_01", None)],
        *[("ucf", None, (typed, "hmdb51"), "ucf-split2") for typed in ("2", "split2", "split_2")],
        *[("epic", None, (typed, "epic_kitchens"), "epic-55") for typed in ("55", "epic55", "EPIC-Kitchens-55")],
    ],
)
def test_the_default_folder_names_the_data_set_safely(dataset, revision, config, name):
    from vivit_hf.training.evaluation import dataset_name  # moved with the recipe's helpers, unused by the script

    assert dataset_name(dataset, revision, *config) == name


@pytest.mark.parametrize(
    "subset, named",
    [
        (None, "1x1"),
        (dict(max_eval_samples=16, seed=0), "1x1_sample16-seed0"),
        (dict(max_eval_samples=16, seed=3), "1x1_sample16-seed3"),
        (dict(max_eval_samples=16, streaming=True), "1x1_first16"),
    ],
)
def test_a_subsets_results_go_into_a_folder_of_their_own(subset, named, tmp_path):
    # `--max_eval_samples 16` wrote its scores into eval_<data set>_test_1x1, over the whole split's
    from types import SimpleNamespace

    from vivit_hf.training.evaluation import default_output_dir

    args = SimpleNamespace(
        model=str(tmp_path),
        dataset="ucf",
        dataset_revision=None,
        dataset_config_name=None,
        dataset_format=None,
        num_clips=1,
        num_crops=1,
        max_eval_samples=None,
        seed=0,
    )
    vars(args).update(subset or {})
    assert default_output_dir(args, "test") == tmp_path / f"eval_ucf_test_{named}"


@pytest.mark.parametrize(
    "config, revision, earlier",
    [(("split1", "ucf101"), None, "ucf-split1"), (("2", "hmdb51"), None, "ucf-2"), ((None, "hub"), "main", "ucf@main")],
)
def test_an_evaluation_made_before_one_configuration_had_one_name_goes_on_in_its_folder(
    config, revision, earlier, tmp_path
):
    # a second evaluation of `--dataset_config_name split1` went to eval_ucf_test_1x1, beside the earlier one's folder
    from types import SimpleNamespace

    from vivit_hf.training.evaluation import dataset_name, default_output_dir

    typed = dict(zip(("dataset_config_name", "dataset_format"), config))
    args = SimpleNamespace(model=str(tmp_path), dataset="ucf", dataset_revision=revision, num_clips=1, num_crops=1)
    vars(args).update(typed)
    now = tmp_path / f"eval_{dataset_name('ucf', revision, *config)}_test_1x1"
    assert default_output_dir(args, "test") == now and now.name != f"eval_{earlier}_test_1x1"
    (tmp_path / f"eval_{earlier}_test_1x1").mkdir()
    assert default_output_dir(args, "test") == tmp_path / f"eval_{earlier}_test_1x1"
    now.mkdir()  # once the folder of the one name is there, it is the one
    assert default_output_dir(args, "test") == now


def test_evaluations_of_two_data_sets_keep_their_own_folders(folder, tmp_path):
    """They used to share <model>/eval_test_1x1, the second overwriting the first."""
    import shutil

    shutil.copytree(folder / "model", tmp_path / "model")
    other = tmp_path / "other"  # 2 of the 8 clips: another data set, with another result
    for name in CLASSES:
        (other / "test" / name).mkdir(parents=True)
        shutil.copy(folder / "data" / "test" / name / f"{name}_0.mp4", other / "test" / name)
    # a folder typed with a trailing slash is named all the same; --max_eval_samples of at least its 2 clips scores
    # the whole split, whose folder it is (it wrote the whole split's scores into eval_other_test_1x1_sample5-seed0)
    for dataset, subset in ((folder / "data", ()), (f"{other}/", ("--max_eval_samples", 5))):
        result = evaluate("--model", tmp_path / "model", "--dataset", dataset, "--num_workers", 0, *subset)
        assert result.returncode == 0, result.stderr[-4000:]
    assert "--max_eval_samples 5 is at least the 2 clips of test: the whole split" in result.stderr
    first, second = (tmp_path / "model" / f"eval_{name}_test_1x1" for name in ("data", "other"))
    assert sorted(p.name for p in (tmp_path / "model").glob("eval_*")) == [first.name, second.name]
    results = [json.loads((path / "eval_results.json").read_text()) for path in (first, second)]
    assert [r["num_samples"] for r in results] == [8, 2]
    assert results[0]["dataset"] == str(folder / "data") and results[1]["dataset"] == f"{other}/"
    assert len(load_file(str(second / "predictions.safetensors"))["labels"]) == 2


@pytest.fixture(scope="module")
def machine_runs(tmp_path_factory):
    """Both two-machine runs of this file (`machine_runs_in`), run in tests/test_recipes_multi_machine.py's launch
    of two torchrun launchers (--nnodes 2), each machine in a folder of its own (`launch_machines`: each
    machine's process imports the recipes once, not once a run), {name: [(status, output, seconds) of machine 0, of
    machine 1], "root": root}; the folders are root/<name>/machine<r>."""
    import test_recipes_multi_machine as machines

    return machines.made_machine_runs(tmp_path_factory)


def machine_runs_in(root):
    """This file's two-machine runs, their folders made in `root`: {name: [flags of machine 0, flags of machine 1]}.
    "evaluate_model_missing": the model copied to machine 0 only, so machine 1 refuses `--model ./model`;
    "evaluate_does_not_parse": the model on both, machine 1's command line with a misspelt flag. The data set and the
    model are made as `folder`'s are."""
    data = root / "evaluate_data"
    for label, name in enumerate(CLASSES):
        for i in range(4):
            tiny_clip(data / "test" / name / f"{name}_{i}.mp4", label, seed=10 * label + i)
    tiny_model(root / "evaluate_model", CLASSES)
    for machine in (
        "evaluate_model_missing/machine0",
        "evaluate_does_not_parse/machine0",
        "evaluate_does_not_parse/machine1",
    ):
        shutil.copytree(root / "evaluate_model", root / machine / "model")
    flags = ["--model", "./model", "--dataset", data, "--num_workers", 0]
    return {
        "evaluate_model_missing": [flags, flags],
        "evaluate_does_not_parse": [flags, [*flags, "--num_clipz", "2"]],
    }


def test_a_model_missing_on_one_machine_stops_both_machines_within_seconds(machine_runs):
    # Machine 1 refuses `--model ./model` (the model was copied to machine 0 only). Machine 0 used to wait for it at
    # the process group's first collective (30 minutes); now both hear the refusal before anything loads.
    import test_recipes_multi_machine as machines

    log0, log1 = machines.refused_on_both(machine_runs["evaluate_model_missing"])
    reason = "argument --model: './model': no such folder (a Hub model id reads 'org/name')"
    assert f"evaluate.py: error: {reason}" in log1
    assert machines.error_lines(log0) == [f"error: rank 1 (machine 1) refused: {reason}"]
    assert not list(
        (machine_runs["root"] / "evaluate_model_missing" / "machine0" / "model").glob("eval_*")
    )  # none evaluated


def test_a_command_line_that_does_not_parse_on_one_machine_stops_both_machines_within_seconds(machine_runs):
    # Machine 1's command line has a misspelt flag: argparse refused it before the process group existed, and
    # machine 0 waited for it at the group's first collective for --ddp_timeout (30 minutes by default).
    import test_recipes_multi_machine as machines

    log0, log1 = machines.refused_on_both(machine_runs["evaluate_does_not_parse"])
    reason = "unrecognized arguments: --num_clipz 2 (did you mean: --num_clipz -> --num_clips?)"
    assert f"evaluate.py: error: {reason}" in log1.splitlines(), log1[-3000:]
    assert machines.error_lines(log0) == [f"error: rank 1 (machine 1) refused: {reason}"], log0[-3000:]
    assert not list((machine_runs["root"] / "evaluate_does_not_parse" / "machine0" / "model").glob("eval_*"))


def test_a_hold_out_set_of_some_of_the_models_classes_is_evaluated_with_the_models_ids(folder, tmp_path):
    # A model of down, still, up; a hold-out folder of still and up only: the data set numbers them 0, 1, the model
    # 1, 2. It ended in a traceback ("the model's 3 labels differ from the data set's 2"); now each clip's label is
    # the model's id of its class, and metrics, plots and rows speak the model's ids and names.
    import shutil

    # Beside it, a train split of a class the model does not know (`sideways`): no clip scored carries it, and it was
    # refused ("does not know 1 of the 3 classes"), then left aside and said; now the split scored is read alone, the
    # train split not at all, no clip of the test split dropped. That train split of one class was refused too ("a
    # classifier trained on one class learns nothing"): nothing trains.
    tiny_model(tmp_path / "model", ("down", "still", "up"))
    for split, name, source in (("test", "still", "down"), ("test", "up", "up"), ("train", "sideways", "up")):
        (tmp_path / "heldout" / split / name).mkdir(parents=True)
        for i in range(2):
            shutil.copy(folder / "data" / "test" / source / f"{source}_{i}.mp4", tmp_path / "heldout" / split / name)
    out = tmp_path / "eval"
    result = evaluate(
        "--model", tmp_path / "model", "--dataset", tmp_path / "heldout", "--split", "test",
        "--output_dir", out, "--num_workers", 0,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-4000:]
    rows = [json.loads(line) for line in (out / "predictions.jsonl").read_text().splitlines()]
    assert [(row["video_id"].split("/")[1], row["label"]) for row in rows] == [("still", 1)] * 2 + [("up", 2)] * 2
    assert all(row["prediction"] in (0, 1, 2) for row in rows)
    assert load_file(str(out / "predictions.safetensors"))["labels"].tolist() == [1, 1, 2, 2]
    results = json.loads((out / "eval_results.json").read_text())
    assert [sum(row) for row in results["confusion_matrix"]] == [0, 2, 2]
    assert set(results["per_class_accuracy"]) == {"still", "up"} and results["num_samples"] == 4
    assert "the data set's 2 classes are 2 of the model's 3: its labels are the model's ids" in result.stderr
    assert "sideways" not in result.stderr, result.stderr[-3000:]  # (`check_labels` leaves such a class aside)


def test_a_data_set_of_all_the_models_classes_in_another_order_is_said_so(folder, tmp_path):
    """The log line said "the data set's 2 classes are 2 of the model's 2, in another order or not all"."""
    tiny_model(tmp_path / "model", ("up", "down"))  # the data set's folders sort as down, up
    result = evaluate(
        "--model", tmp_path / "model", "--dataset", folder / "data", "--output_dir", tmp_path / "eval",
        "--num_workers", 0,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-4000:]
    said = "the data set's 2 classes are the model's, in another order: its labels are the model's ids of their names"
    assert said in result.stderr, result.stderr[-3000:]


def test_a_data_set_class_the_model_does_not_know_is_one_line_before_any_clip_is_decoded(folder, tmp_path):
    # A misspelt class (Up for up) and one the model never had: one line naming both, the model and the data set,
    # status 2 as a data set not in its format; the one spelt in another case is said to be the model's `up` (the
    # line listed both beside the model's classes, with no word of what differs). The clips are not videos: had one
    # been decoded, it would be named.
    for name in ("down", "Up", "sideways"):
        (tmp_path / "data" / "test" / name).mkdir(parents=True)
        (tmp_path / "data" / "test" / name / "x.mp4").write_bytes(b"not a video")
    result = evaluate("--model", folder / "model", "--dataset", tmp_path / "data", "--num_workers", 0)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr[-4000:]
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        f"error: --model {folder / 'model'} does not know 2 of the 3 classes of --dataset {tmp_path / 'data'}: "
        "'Up', 'sideways' (its 2 classes: 'down', 'up'); a data set evaluated must have the model's classes, or some "
        "of them, spelt alike; 'Up' is the model's 'up' in another case or blanks: rename the data set's classes as "
        "the model names them"
    ]
    assert "x.mp4" not in result.stderr


def test_label_spaces_that_differ_are_refused_and_the_same_classes_are_kept_as_they_are(evaluate_module):
    from types import SimpleNamespace

    from vivit_hf.training.data import DatasetFormatError, VideoClassificationData

    epic = VideoClassificationData(splits={}, label_spaces={"noun": ["a", "b", "c"], "verb": ["x", "y"]})
    model = SimpleNamespace(label_spaces={"noun": 300, "verb": 97}, num_labels=397, id2label=dict(enumerate("0" * 397)))
    with pytest.raises(
        DatasetFormatError, match=r"^--model m has the label spaces .*300.* and --dataset d .*'noun': 3"
    ):
        evaluate_module.check_labels(model, epic, "m", "d")
    names = dict(enumerate(["noun:a", "noun:b", "noun:c", "verb:x", "verb:y"]))
    model = SimpleNamespace(label_spaces={"noun": 3, "verb": 2}, num_labels=5, id2label=names)
    assert evaluate_module.check_labels(model, epic, "m", "d") is None
    same = VideoClassificationData(splits={}, label_spaces={"label": ["down", "up"]})
    config = SimpleNamespace(id2label={0: "down", 1: "up"}, num_labels=2)
    assert evaluate_module.check_labels(config, same, "m", "d") is None
    config = SimpleNamespace(id2label={0: "up", 1: "down", 2: "still"}, num_labels=3)
    assert evaluate_module.check_labels(config, same, "m", "d") == [[1, 0]]


def test_a_class_the_model_does_not_know_of_another_split_alone_is_no_refusal(evaluate_module):
    # `train/eel/` beside a test split of cats and dogs, evaluated with a model of cats and dogs: every clip scored is
    # of a class the model knows, and the evaluation was refused as "does not know 1 of the 3 classes: 'eel'".
    from types import SimpleNamespace

    from vivit_hf.training.data import DatasetFormatError, VideoClassificationData

    data = VideoClassificationData(splits={}, label_spaces={"label": ["cat", "dog", "eel"]})
    model = SimpleNamespace(id2label={0: "dog", 1: "cat"}, num_labels=2)
    test = [{"video": "a.mp4", "label": 0}, {"video": "b.mp4", "label": 1}, {"video": "c.mp4", "label": 1}]
    assert evaluate_module.check_labels(model, data, "m", "d", test) == [[1, 0, -100]]
    assert evaluate_module.model_labels(torch.tensor([0, 1, 1]), [[1, 0, -100]]).tolist() == [1, 0, 0]
    with pytest.raises(RuntimeError, match=r"labels \[2\] of classes check_labels found no clip of"):  # never unsaid
        evaluate_module.model_labels(torch.tensor([0, 2]), [[1, 0, -100]])
    with pytest.raises(DatasetFormatError, match=r"^--model m does not know 1 of the 3 classes of --dataset d: 'eel'"):
        evaluate_module.check_labels(model, data, "m", "d", [*test, {"video": "d.mp4", "label": 2}])
    # said: the classes known in the model's order (not "in another order"), and the one left aside, named
    assert evaluate_module.label_mapping_said([[0, 1, -100]], data.label_spaces, 2, "test") == [
        "the data set's 2 classes are the model's: its labels are the model's ids of their names",
        "1 more of its classes, which the model does not know, has no clip in test and is left aside: 'eel'",
    ]
    assert (
        "are the model's, in another order:"
        in evaluate_module.label_mapping_said([[1, 0, -100]], data.label_spaces, 2, "t")[0]
    )
    # a stream: its labels are read with its clips, not before; the refusal said no more than a superset's did
    with pytest.raises(DatasetFormatError, match="does not know 1 of the 3 classes") as raised:
        evaluate_module.check_labels(model, data, "m", "d", streamed=True)
    assert str(raised.value).endswith(
        "; --streaming reads each clip's label with the clip, so which of these classes the clips of the split "
        "evaluated carry is not known before scoring (they may be of other splits alone): evaluate without "
        "--streaming, which reads the split's labels first and leaves aside the classes none of its clips carry"
    ), raised.value
    # two heads: a noun of another split alone, and a head without a label (-100)
    epic = VideoClassificationData(splits={}, label_spaces={"noun": ["pan", "tap"], "verb": ["open", "take"]})
    names = dict(enumerate(["noun:tap", "noun:lid", "verb:take", "verb:open"]))
    model = SimpleNamespace(label_spaces={"noun": 2, "verb": 2}, num_labels=4, id2label=names)
    clips = [{"video": "a.mp4", "label": [1, 0]}, {"video": "b.mp4", "label": [-100, 1]}]
    assert evaluate_module.check_labels(model, epic, "m", "d", clips) == [[-100, 0], [1, 0]]


def test_a_class_name_composed_or_decomposed_is_the_same_class_of_the_model(evaluate_module, tmp_path):
    # A model trained on Linux knows `über` composed (NFC); its hold-out set unpacked on a Mac names the folder
    # decomposed (NFD): refused as "does not know 'über'" while its classes visibly held 'über'. And a model whose
    # id2label kept a decomposed name matches a data set's composed one.
    from types import SimpleNamespace

    from vivit_hf.training.data import load_video_dataset

    composed, decomposed = "\u00fcber", "u\u0308ber"
    for name in (decomposed, "cat"):
        tiny_clip(tmp_path / "val" / name / "0.mp4", 0, seed=0)
    data = load_video_dataset(tmp_path, "videofolder")
    model = SimpleNamespace(id2label={0: "cat", 1: "dog", 2: composed}, num_labels=3)
    assert evaluate_module.check_labels(model, data, "m", "d") == [[0, 2]]
    model = SimpleNamespace(id2label={0: "cat", 1: "dog", 2: decomposed}, num_labels=3)
    assert evaluate_module.check_labels(model, data, "m", "d") == [[0, 2]]


def test_a_class_folder_02_for_the_models_class_2_is_one_line_saying_to_rename_it(evaluate_module, tmp_path, caplog):
    # A model of classes 0..10 (trained on folders `0`..`10`); a hold-out set with folders `02` and `10`. The reader
    # said "kept as class ids" (02 -> id 2), then evaluate.py refused '02' as a class the model does not know. Now
    # the reader reads them as names, and the one refusal says which name is which of the model's classes.
    import logging
    from types import SimpleNamespace

    from vivit_hf.training.data import DatasetFormatError, load_video_dataset

    for name in ("02", "10"):
        tiny_clip(tmp_path / "val" / name / "0.mp4", 0, seed=0)
    with caplog.at_level(logging.WARNING):
        data = load_video_dataset(tmp_path, "videofolder")
    assert "kept as class ids" not in caplog.text
    model = SimpleNamespace(id2label={i: str(i) for i in range(11)}, num_labels=11)
    with pytest.raises(DatasetFormatError) as refused:
        evaluate_module.check_labels(model, data, "m", "d")
    assert str(refused.value) == (
        "--model m does not know 1 of the 2 classes of --dataset d: '02' (its 11 classes: '0', '1', '2', '3', '4' "
        "and 6 more); a data set evaluated must have the model's classes, or some of them, spelt alike; rename '02' "
        "to '2' (a label with a leading zero is a name, not an id)"
    )


def test_split_val_evaluates_the_validation_split_the_reader_named_from_a_val_folder(folder, tmp_path):
    # A folder `val/` is read as split 'validation' (as `datasets` names split folders); `--split val`, its name on
    # disk, was refused as "no split 'val' ... name one with --split: train, validation". The reference: the same
    # evaluation under `--split validation`, whose results must be the same clips' and numbers.
    for split in ("train", "val"):
        for name in CLASSES:
            (tmp_path / "data" / split / name).mkdir(parents=True)
            shutil.copy(folder / "data" / "test" / name / f"{name}_0.mp4", tmp_path / "data" / split / name)
    results = {}
    for typed in ("val", "validation"):
        out = tmp_path / f"eval_{typed}"
        result = evaluate(
            "--model", folder / "model", "--dataset", tmp_path / "data", "--split", typed, "--output_dir", out,
            "--num_workers", 0,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr[-4000:]
        results[typed] = json.loads((out / "eval_results.json").read_text())
        assert (out / "predictions.jsonl").read_text().count("val/") == 2
    assert results["val"]["top1"] == results["validation"]["top1"] and results["val"]["num_samples"] == 2


@pytest.mark.parametrize(
    ("splits", "typed", "read"),
    [
        (["Holdout", "train"], "holdout", "Holdout"),  # was "no split 'holdout'", the repo's own listed
        (["HoldOut", "train"], "HOLDOUT", "HoldOut"),
        (["Validation_2", "validation"], "VALIDATION_2", "Validation_2"),
        (["Holdout", "HOLDOUT"], "HOLDOUT", "HOLDOUT"),  # as spelt: that one
        (["Holdout", "HOLDOUT"], "holdout", None),  # either: refused, both named
    ],
)
def test_a_split_typed_in_another_case_is_the_data_sets_own_where_only_one_matches(splits, typed, read):
    # `recipe_split_name` reads split words in any case (`Train`, `VAL`); a split of another name (`--split holdout`
    # for the repo's `Holdout`) was refused as missing. The reference: the split read under its own spelling.
    from vivit_hf.training.data import DatasetFormatError, VideoClassificationData

    data = VideoClassificationData(
        splits={name: [{"video": f"{name}.mp4", "label": 0}] for name in splits}, label_spaces={"label": ["a"]}
    )
    if read is None:
        with pytest.raises(DatasetFormatError, match=r"split 'holdout' could be any of 'HOLDOUT', 'Holdout'.*as it"):
            data.split(typed, "--split")
    else:
        assert data.split(typed) is data.splits[read] and data.split_name(typed) == read


def test_label_spaces_of_the_same_sizes_are_mapped_by_name_not_taken_by_number(evaluate_module):
    # An Epic Kitchens model whose noun 0 is tap, evaluated on a copy whose class file numbers the nouns in another
    # order: the sizes agreed, so each clip was scored against the model's class of the same number, without a word.
    from types import SimpleNamespace

    import torch

    from vivit_hf.training.data import DatasetFormatError, VideoClassificationData

    nouns, verbs = ["tap", "plate", "cupboard"], ["open", "take"]
    names = [f"noun:{n}" for n in nouns] + [f"verb:{v}" for v in verbs]
    model = SimpleNamespace(id2label=dict(enumerate(names)), num_labels=5, label_spaces={"noun": 3, "verb": 2})
    other = VideoClassificationData(splits={}, label_spaces={"noun": ["cupboard", "plate", "tap"], "verb": verbs})
    mappings = evaluate_module.check_labels(model, other, "m", "d")
    assert mappings == [[2, 1, 0], [0, 1]]
    assert evaluate_module.model_labels(torch.tensor([[0, 1], [2, 0]]), mappings).tolist() == [[2, 1], [0, 0]]
    # A head a clip has no label for (-100, the loss's ignore index) stays unlabelled, not class -100 from the end.
    assert evaluate_module.model_labels(torch.tensor([[-100, 1], [2, -100]]), mappings).tolist() == [
        [-100, 1],
        [0, -100],
    ]
    assert evaluate_module.model_label_spaces(model, other) == {"noun": nouns, "verb": verbs}
    # The same sizes, other classes (numbered, as without Epic's class files): refused, naming them.
    numbered = VideoClassificationData(splits={}, label_spaces={"noun": ["0", "1", "2"], "verb": verbs})
    with pytest.raises(
        DatasetFormatError, match=r"does not know 3 of the 5 classes of --dataset d: 'noun:0', 'noun:1'"
    ):
        evaluate_module.check_labels(model, numbered, "m", "d")


def test_a_model_with_nan_logits_is_one_line_and_writes_no_results(folder, tmp_path):
    # A diverged model (NaN weights) used to be scored: top-1 0.5 (every clip predicted class 0), in eval_results.json.
    import torch
    from safetensors.torch import save_file

    model = tmp_path / "model"
    tiny_model(model, CLASSES)
    weights = load_file(str(model / "model.safetensors"))
    weights["classifier.weight"] = torch.full_like(weights["classifier.weight"], float("nan"))
    save_file(weights, str(model / "model.safetensors"), metadata={"format": "pt"})
    result = evaluate(
        "--model", model, "--dataset", folder / "data", "--output_dir", tmp_path / "eval", "--num_workers", 0
    )
    assert result.returncode == 1, result.stderr[-4000:]
    last = result.stderr.strip().splitlines()[-1]
    assert "8 of the 8 clips evaluated got NaN or infinite logits" in last, last
    assert "(the first: test/down/down_0.mp4)" in last and "no results are written" in last
    assert not (tmp_path / "eval" / "eval_results.json").exists()


@pytest.fixture(scope="module")
def held_out_run(tmp_path_factory):
    """A data set of a `train` split alone (6 clips a class) and a model fine-tuned on it holding out 34%, for the
    tests of that share: (data, the model's folder). A test evaluates a copy of the model (the results go into the
    model's folder) and leaves the data as it found it."""
    from test_recipes_finetune import FINETUNE, TINY_MODEL, run

    root = tmp_path_factory.mktemp("held_out_run")
    data, out = root / "data", root / "out"
    for label, name in enumerate(CLASSES):
        for i in range(6):
            tiny_clip(data / "train" / name / f"{name}_{i}.mp4", label, seed=10 * label + i)
    run(FINETUNE, *TINY_MODEL, "--dataset", data, "--output_dir", out, "--max_train_steps", "2",
        "--validation_split_percentage", "34", "--seed", "3")  # fmt: skip
    return data, out


def test_a_data_set_without_a_test_split_is_evaluated_on_the_share_fine_tuning_held_out(held_out_run, tmp_path):
    """Fine-tuning on a data set of a `train` split alone scores the share it held out; evaluate.py refused such a
    data set, offering `--split train`: the clips the model trained on, scored as a test without a word. It now
    evaluates the held-out share, the same clips (the run's own score and count), and warns on `--split train`. Both
    report the loss (they reported none): torch's cross-entropy of the logits evaluate.py saved, the run's eval_loss
    (it trained without --label_smoothing or --class_weights). eval_results.json has the metrics under Trainer's
    names too (its eval_results.json's eval_loss, ...), as all_results.json has them: a Trainer user read no key."""
    data, out = held_out_run[0], tmp_path / "out"
    shutil.copytree(held_out_run[1], out)
    trained = json.loads((out / "all_results.json").read_text())
    result = evaluate("--model", out, "--dataset", data, "--num_workers", "0")
    assert result.returncode == 0, result.stderr[-3000:]
    folder = out / "eval_data_held-out-34pct_1x1"
    results = json.loads((folder / "eval_results.json").read_text())
    assert results["split"] == trained["eval_split"] == "train (held out 34%)"
    assert results["num_samples"] == trained["num_samples"] == 4 and results["top1"] == trained["top1"]
    # a share of 4 clips: each moves its top-1 by 25 points, said as fine-tuning says it (it was scored in silence),
    # with evaluate.py's own advice (it has no --eval_split; a larger share takes a new run: ceil(100 * 20 / 12))
    small = [line for line in result.stderr.splitlines() if "held out of split 'train' to evaluate on" in line]
    assert len(small) == 1 and "(34%) is 4 of its 12 clips, of 2 of its 2 classes" in small[0], result.stderr[-3000:]
    assert "moves its top-1 by 25 points" in small[0] and "--eval_split" not in small[0], small[0]
    assert "--validation_split_percentage" not in small[0], small[0]  # (167%: over 50, none)
    assert "evaluate a split it was not trained on (--split, a val/ folder)" in small[0], small[0]
    saved = load_file(str(folder / "predictions.safetensors"))
    loss = torch.nn.functional.cross_entropy(saved["logits"], saved["labels"])
    assert results["loss"] == pytest.approx(float(loss), rel=1e-6)
    assert trained["eval_loss"] == pytest.approx(results["loss"], rel=1e-5)
    for name in ("loss", "top1", "top5", "num_samples", "num_skipped"):
        assert results[f"eval_{name}"] == results[name], name
    assert results["eval_top1"] == trained["eval_top1"] and "eval_split" not in results  # the metrics alone
    rows = [json.loads(line) for line in (folder / "predictions.jsonl").read_text().splitlines()]
    assert sorted(Counter(row["label"] for row in rows).values()) == [2, 2]  # drawn across the classes
    result = evaluate("--model", out, "--dataset", data, "--split", "train", "--num_workers", "0")
    assert result.returncode == 0 and "was fine-tuned on split 'train'" in result.stderr, result.stderr[-3000:]
    assert json.loads((out / "eval_data_train_1x1" / "eval_results.json").read_text())["num_samples"] == 12


def test_a_held_out_share_drawn_again_from_a_data_set_changed_since_fine_tuning_is_refused(held_out_run, tmp_path):
    """evaluate.py draws the share fine-tuning held out again, from the data set as it finds it. A folder that gained
    clips since draws another share: it scored clips the model trained on as held out, "as fine-tuning did", exit 0.
    It is now refused in one line naming both draws, exit 2; the folder as it was evaluates as before."""
    from vivit_hf.training.data import load_video_dataset
    from vivit_hf.training.data.subsets import hold_out

    data, out = held_out_run[0], tmp_path / "out"
    shutil.copytree(held_out_run[1], out)
    result = evaluate("--model", out, "--dataset", data, "--num_workers", "0")
    assert result.returncode == 0, result.stderr[-3000:]
    folder = out / "eval_data_held-out-34pct_1x1"
    held = {json.loads(line)["video_id"] for line in (folder / "predictions.jsonl").read_text().splitlines()}
    trained = {f"train/{name}/{name}_{i}.mp4" for name in CLASSES for i in range(6)} - held
    assert len(held) == 4 and len(trained) == 8

    added = [data / "train" / "up" / f"up_{i}.mp4" for i in range(6, 9)]
    try:
        for i, path in enumerate(added):
            tiny_clip(path, 1, seed=100 + i)
        # the premise: the same seeded draw from the grown split holds out clips the model was fine-tuned on
        redrawn = {example["id"] for example in hold_out(load_video_dataset(str(data)).split("train"), 0.34, seed=3)[1]}
        assert redrawn & trained, redrawn
        result = evaluate("--model", out, "--dataset", data, "--num_workers", "0")
        assert result.returncode == 2, result.stderr[-3000:]
        last = result.stderr.strip().splitlines()[-1]
        assert f"--model {out} was fine-tuned on {data} holding out 34% of its 'train' split, 4 clips" in last, last
        assert "that split has changed since: the same draw now holds out 5 clips" in last, last
        assert len((folder / "predictions.jsonl").read_text().splitlines()) == 4  # the first evaluation's, untouched
    finally:
        for path in added:  # the data set as fine-tuned on (shared with the other tests of the run)
            path.unlink(missing_ok=True)
    # the data set as fine-tuned on: its held-out share, as before
    result = evaluate("--model", out, "--dataset", data, "--num_workers", "0")
    assert result.returncode == 0, result.stderr[-3000:]
    assert {json.loads(line)["video_id"] for line in (folder / "predictions.jsonl").read_text().splitlines()} == held


def test_a_model_fine_tuned_on_a_data_set_read_another_way_is_said_to_have_trained_on_its_split(held_out_run, tmp_path):
    """evaluate.py knew the split `--model` was fine-tuned on only where it read the data set as fine-tuning did: the
    same folder read with another --dataset_format (`hub` for a class folder fine-tuned as `videofolder`), or a model
    fine-tuned with --streaming, had its training split scored by `--split train` as a test, without a word, and the
    refusal of a folder without an evaluation split offered `--split train` alone. The refusal now names the read
    that held a share out (and that a stream holds none out: its advice kept --streaming, which reads `hub` alone,
    and a stream of the data set fine-tuning read whole was offered `--split train` alone), and the training split is
    warned of whichever way either run read it."""
    from argparse import Namespace

    data, out = held_out_run[0], tmp_path / "out"
    shutil.copytree(held_out_run[1], out)
    result = evaluate("--model", out, "--dataset", data, "--dataset_format", "hub", "--streaming", "--num_workers", "0")
    assert result.returncode == 2, result.stderr[-3000:]
    last = result.stderr.strip().splitlines()[-1]
    assert f"no validation or test split in {data}; name one with --split: train; --model {out} was fine-tuned" in last
    assert "read with --dataset_format videofolder, holding out 34% of split 'train' and training on the rest: " in last
    assert "evaluate with --dataset_format videofolder and without --streaming to score that share (--split" in last

    from vivit_hf.training.evaluation import (
        fine_tuning_record,
        held_out_read_otherwise,
        trained_read_otherwise,
        trained_split_warning,
        training_split,
    )

    def warning(split, **read):
        args = Namespace(model=str(out), dataset=str(data), dataset_revision=None, dataset_config_name=None, **read)
        record = fine_tuning_record(args)
        return trained_split_warning(args, split, training_split(args, record), trained_read_otherwise(args, record))

    def refusal(**read):
        args = Namespace(model=str(out), dataset=str(data), dataset_revision=None, dataset_config_name=None, **read)
        record = fine_tuning_record(args)
        return held_out_read_otherwise(args, training_split(args, record), trained_read_otherwise(args, record))

    assert refusal(dataset_format="hub", streaming=False).endswith(
        "videofolder, holding out 34% of split 'train' and training on the rest: evaluate with --dataset_format "
        "videofolder to score that share (--split train scores clips it trained on)"
    )
    assert refusal(dataset_format="videofolder", streaming=False) == ""  # (its share is scored: no refusal)

    said = f"--model {out} was fine-tuned on split 'train' of {data}"
    assert warning("train", dataset_format="hub", streaming=False) == (
        f"{said}, read with --dataset_format videofolder (all but the 34% it held out): its accuracy there is not a "
        "test of it"
    )
    assert warning("train", dataset_format="videofolder", streaming=False).startswith(f"{said} (all but the 34%")
    assert warning("test", dataset_format="hub", streaming=False) is None
    # fine-tuned on `hub` read whole, streamed here: the refusal offered `--split train` alone
    settings = json.loads((out / "run_settings.json").read_text())
    settings["settings"]["batches"].update(dataset_format="hub")
    (out / "run_settings.json").write_text(json.dumps(settings))
    assert refusal(dataset_format="hub", streaming=True) == (
        f"; --model {out} was fine-tuned on it, holding out 34% of split 'train' and training on the rest: evaluate "
        "without --streaming to score that share (--split train scores clips it trained on)"
    )
    # a run that streamed its training split (and evaluated on a validation split: a stream holds none out)
    settings = json.loads((out / "run_settings.json").read_text())
    settings["settings"]["batches"].update(dataset_format="hub", streaming=True)
    (out / "run_settings.json").write_text(json.dumps(settings))
    results = json.loads((out / "all_results.json").read_text())
    (out / "all_results.json").write_text(json.dumps({**results, "eval_split": "validation"}))
    assert warning("train", dataset_format="hub", streaming=False) == (
        f"{said}, read with --streaming: its accuracy there is not a test of it"
    )
    assert warning("train", dataset_format="hub", streaming=True) == f"{said}: its accuracy there is not a test of it"


def test_a_model_fine_tuned_on_ucf101s_folder_as_videofolder_is_said_to_have_trained_on_its_test_clips(
    held_out_run, tmp_path
):
    """UCF101's folder fine-tuned as `videofolder` (one `train` split of every clip) and evaluated with
    `--dataset_format ucf101`: its official `test` clips, each one the model trained on, were scored as a test
    without a word (the warning compares split names, and `test` is no name fine-tuning read). The clips are now
    compared: here every clip under UCF-101/ was in videofolder's `train`, and fine-tuning held none out. So are
    those of another official split (split 2's test clips are split 1's training clips: a split-1 model scored on the
    three splits' tests, as papers average them, was scored on its training clips without a word)."""
    from argparse import Namespace

    from vivit_hf.training.data import load_video_dataset, sample_subset
    from vivit_hf.training.evaluation import (
        fine_tuning_record,
        trained_clips_scored,
        trained_read_otherwise,
        trained_split_warning,
        training_split,
    )

    root, model = tmp_path / "ucf", tmp_path / "model"
    (root / "ucfTrainTestlist").mkdir(parents=True)
    (root / "ucfTrainTestlist" / "classInd.txt").write_text("1 JumpingJack\n2 JumpRope\n")
    clips = {g: [f"{c}/v_{c}_g0{g}_c01.avi" for c in ("JumpingJack", "JumpRope")] for g in (1, 2, 3)}
    (root / "ucfTrainTestlist" / "trainlist01.txt").write_text("".join(f"{c}\n" for c in clips[3]))
    (root / "ucfTrainTestlist" / "testlist01.txt").write_text("".join(f"{c}\n" for c in clips[1] + clips[2]))
    for i, name in enumerate(clips[1] + clips[2] + clips[3]):
        tiny_clip(root / "UCF-101" / name, i % 2, seed=i)
    model.mkdir()  # fine-tuning's record: held_out_run's, of this folder read as videofolder, nothing held out
    settings = json.loads((held_out_run[1] / "run_settings.json").read_text())
    settings["settings"]["batches"].update(dataset=str(root), validation_split_percentage=None)
    (model / "run_settings.json").write_text(json.dumps({**settings, "dataset_folder": str(root)}))
    results = json.loads((held_out_run[1] / "all_results.json").read_text())
    (model / "all_results.json").write_text(json.dumps({**results, "eval_split": "validation"}))

    def said(split, fmt="ucf101", **more):
        args = Namespace(model=str(model), dataset=str(root), dataset_revision=None, dataset_config_name=None)
        vars(args).update({"dataset_format": fmt, "streaming": False, **more})
        record = fine_tuning_record(args)
        assert (
            trained_split_warning(args, split, training_split(args, record), trained_read_otherwise(args, record))
            is None
        )
        read = load_video_dataset(root, fmt, config_name=args.dataset_config_name)
        return trained_clips_scored(args, split, read.split(split), record)

    assert said("test") == (
        f"--model {model} was fine-tuned on 4 of the 4 clips of split 'test': fine-tuning read {root} with "
        "--dataset_format videofolder, whose split 'train' holds them; its accuracy there is not a test of it"
    )
    assert said("test", streaming=True) is None  # (a stream is no list of clips to compare)
    # fine-tuned with `--train_split training` (the folder's `train`, by its alias): the name was looked up as given
    settings["settings"]["batches"].update(train_split="training")
    (model / "run_settings.json").write_text(json.dumps({**settings, "dataset_folder": str(root)}))
    assert "was fine-tuned on 4 of the 4 clips of split 'test'" in said("test")
    settings["settings"]["batches"].update(train_split="train")
    # --max_train_samples 2: fine-tuning trained on its draw of 2 of the 6 clips (finetune.py's `sample_subset`)
    settings["settings"]["batches"].update(max_train_samples=2)
    (model / "run_settings.json").write_text(json.dumps({**settings, "dataset_folder": str(root)}))
    drawn = sample_subset(load_video_dataset(root).split("train"), 2, seed=settings["settings"]["batches"]["seed"])
    tested = {str(root / "UCF-101" / name) for name in clips[1] + clips[2]}
    shared = len({example["video"] for example in drawn} & tested)
    assert 0 < shared < 4, drawn  # (the premise: the draw left some test clips out, not all)
    assert f"was fine-tuned on {shared} of the 4 clips of split 'test'" in said("test")
    settings["settings"]["batches"].update(max_train_samples=None)
    settings["settings"]["batches"].update(dataset_format="hmdb51")  # a read that finds none of these clips
    (model / "run_settings.json").write_text(json.dumps({**settings, "dataset_folder": str(root)}))
    assert said("test") is None
    # Fine-tuned on official split 1 (train: group 3), scored on split 2's test (groups 2 and 3): its group-3 clips
    # were trained on; split 1's own test is read as fine-tuning read it (the split names tell: nothing to add)
    (root / "ucfTrainTestlist" / "trainlist02.txt").write_text("".join(f"{c}\n" for c in clips[1]))
    (root / "ucfTrainTestlist" / "testlist02.txt").write_text("".join(f"{c}\n" for c in clips[2] + clips[3]))
    settings["settings"]["batches"].update(dataset_format="ucf101", dataset_config_name=None)
    (model / "run_settings.json").write_text(json.dumps({**settings, "dataset_folder": str(root)}))
    (model / "all_results.json").write_text(json.dumps({**results, "eval_split": "test"}))
    assert said("test", dataset_config_name="2") == (
        f"--model {model} was fine-tuned on 2 of the 4 clips of split 'test': fine-tuning read {root} without "
        "--dataset_config_name, whose split 'train' holds them; its accuracy there is not a test of it"
    )
    assert said("test") is None and said("test", dataset_config_name="split1") is None
    # the run's records as evaluate.py read them at its start (`fine_tuning_record`), not read again; and a clip by
    # any path to its file: a hard link's (as `cp -al` makes) named a clip apart by its resolved path
    args = Namespace(model=str(model), dataset=str(root), dataset_revision=None, dataset_config_name="2")
    vars(args).update(dataset_format="ucf101", streaming=False)
    record, scored = fine_tuning_record(args), load_video_dataset(root, "ucf101", config_name="2").split("test")
    (model / "run_settings.json").unlink()
    linked, trained = root / "UCF-101" / "linked.avi", next(e for e in scored if "_g03_" in e["video"])
    os.link(trained["video"], linked)
    scored = [{**e, "video": str(linked)} if e is trained else e for e in scored]
    assert "was fine-tuned on 2 of the 4 clips of split 'test'" in trained_clips_scored(args, "test", scored, record)


def test_the_clips_a_model_trained_on_are_those_of_the_draw_its_run_made_of_ucf101s_groups(held_out_run, tmp_path):
    """A model fine-tuned on UCF101's folder as `videofolder`, 25% held out, then scored on an official list read with
    `--dataset_format ucf101`: its clips are compared with those fine-tuning trained on, drawn again. That draw now
    holds UCF101's groups out whole, and was redrawn so for a model an earlier version fine-tuned clip by clip: scored
    on the very share its run held out (the reference: the earlier draw, clips without groups), it was said to have
    trained on all 6 of those clips. Drawn as its run drew it (by the digest recorded, or none): none; a model of this
    version, the groups held out now."""
    from argparse import Namespace

    from vivit_hf.training.data import hold_out, load_video_dataset
    from vivit_hf.training.data.examples import examples_digest
    from vivit_hf.training.evaluation import fine_tuning_record, trained_clips_scored

    root, model = tmp_path / "ucf", tmp_path / "model"
    names = [f"{c}/v_{c}_g0{g}_c0{k}.avi" for c in ("JumpingJack", "JumpRope") for g in (1, 2, 3, 4) for k in (1, 2, 3)]
    for name in names:  # (never decoded: the reads and draws go by path)
        (root / "UCF-101" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "UCF-101" / name).write_bytes(name.encode())
    train = load_video_dataset(root, "videofolder").split("train")
    then = [{key: value for key, value in e.items() if key != "clip_group"} for e in train]  # as earlier versions read
    seed = 3
    held_then = hold_out(then, 0.25, seed=seed)[1]
    held_now = hold_out(train, 0.25, seed=seed)[1]
    listed = [os.path.relpath(e["video"], root / "UCF-101") for e in held_then]
    (root / "ucfTrainTestlist").mkdir()
    (root / "ucfTrainTestlist" / "classInd.txt").write_text("1 JumpingJack\n2 JumpRope\n")
    (root / "ucfTrainTestlist" / "testlist01.txt").write_text("".join(f"{name}\n" for name in listed))
    (root / "ucfTrainTestlist" / "trainlist01.txt").write_text("".join(f"{n}\n" for n in names if n not in listed))
    settings = json.loads((held_out_run[1] / "run_settings.json").read_text())
    batches = {"dataset": str(root), "dataset_format": "videofolder", "validation_split_percentage": 25, "seed": seed}
    settings["settings"]["batches"].update(batches, dataset_config_name=None, max_train_samples=None)
    results = json.loads((held_out_run[1] / "all_results.json").read_text())
    model.mkdir()
    (model / "all_results.json").write_text(json.dumps({**results, "eval_split": "train (held out 25%)"}))
    args = Namespace(model=str(model), dataset=str(root), dataset_revision=None, dataset_config_name=None)
    vars(args).update(dataset_format="ucf101", streaming=False)
    scored = load_video_dataset(root, "ucf101").split("test")
    assert len(scored) == 6

    def said(held_out_digest):
        recorded = {**settings, "dataset_folder": str(root), "held_out_digest": held_out_digest}
        (model / "run_settings.json").write_text(json.dumps(recorded))
        return trained_clips_scored(args, "test", scored, fine_tuning_record(args))

    assert said(examples_digest(held_then)) is None  # an earlier version's run, its draw recorded
    assert said(None) is None  # ... of a version before digests were recorded: drew clip by clip too
    trained_now = len({e["video"] for e in held_then} - {e["video"] for e in held_now})
    assert trained_now > 0  # (the premise: the draws differ)
    assert f"was fine-tuned on {trained_now} of the 6 clips of split 'test'" in said(examples_digest(held_now))


# evaluate.py run as the command, stopped by a signal to itself at a chosen point: while it predicts (its DataLoader
# workers running), or between writing its results and its predictions.
STOPPED_AT = """import os, runpy, signal, sys

where, stop = sys.argv[1], getattr(signal, sys.argv[2])
if where == "predict":
    import vivit_hf.training.metrics as metrics

    real_predict = metrics.predict

    def predict(model, dataloader, *args, **kwargs):
        def batches():
            for index, batch in enumerate(dataloader):
                if index == 1:
                    os.kill(os.getpid(), stop)
                yield batch

        return real_predict(model, batches(), *args, **kwargs)

    metrics.predict = predict
else:
    import safetensors.torch

    real_save_file = safetensors.torch.save_file

    def save_file(*args, **kwargs):
        os.kill(os.getpid(), stop)
        return real_save_file(*args, **kwargs)

    safetensors.torch.save_file = save_file
sys.argv = sys.argv[3:]
sys.path[0] = os.path.dirname(os.path.realpath(sys.argv[0]))
runpy.run_path(sys.argv[0], run_name="__main__")
"""


@pytest.mark.parametrize(
    "where, stop, status",
    [("predict", "SIGINT", 130), ("predict", "SIGTERM", 143), ("writing", "SIGINT", 130)],
    ids=["ctrl-c-predicting", "sigterm-predicting", "ctrl-c-writing"],
)
def test_ctrl_c_or_sigterm_is_one_line_and_leaves_the_previous_evaluation_whole(folder, tmp_path, where, stop, status):
    """Ctrl-C was a KeyboardInterrupt traceback from wherever the model was, SIGTERM (a scheduler's stop) ended it
    without a word (status -15); stopped between its writes, a previous evaluation in the folder was left with this
    one's eval_results.json and plots beside its own predictions. Now one line, the shell's status for the signal,
    and the folder's files as they were."""
    before = {"eval_results.json": "{}", "predictions.jsonl": "previous\n", "predictions.safetensors": "previous"}
    for name, text in before.items():
        (tmp_path / name).write_text(text)
    flags = ["--model", folder / "model", "--dataset", folder / "data", "--output_dir", tmp_path]
    flags += ["--num_workers", 1, "--per_device_eval_batch_size", 2]
    result = fresh_python.server(fresh_python.RECIPES, env()).run(
        ["-c", STOPPED_AT, where, stop, EVALUATE, *flags], cwd=REPO, timeout=240
    )
    assert result.returncode == status, result.stderr[-3000:]
    assert "Traceback" not in result.stderr and "KeyboardInterrupt" not in result.stderr, result.stderr[-3000:]
    assert result.stderr.strip().splitlines()[-1] == (
        "interrupted before the results were written: no evaluation folder changed; run the same command again to "
        "evaluate"
    )
    assert {path.name: path.read_text() for path in tmp_path.iterdir()} == before


def test_a_hub_models_evaluation_goes_to_owner__name_and_a_second_one_still_finds_the_model(folder, tmp_path):
    """Its default folder was `./owner/name/eval_*`: a folder the next `--model owner/name` took for a local model
    without config.json, refused (transformers' from_pretrained takes such a folder for the model too)."""
    snapshot = tmp_path / "hub" / "models--me--tiny-vivit" / "snapshots" / ("0" * 40)
    shutil.copytree(folder / "model", snapshot)
    (snapshot.parents[1] / "refs").mkdir()
    (snapshot.parents[1] / "refs" / "main").write_text("0" * 40)
    work = tmp_path / "work"
    work.mkdir()
    # Two commands, each a process of its own, forked from one that imported the heavy libraries with this Hub cache
    # (they read it when imported): one import rather than two.
    hub_cache_python = fresh_python.FreshPython(fresh_python.RECIPES, dict(env(), HF_HUB_CACHE=str(tmp_path / "hub")))
    command = [EVALUATE, "--model", "me/tiny-vivit", "--dataset", folder / "data", "--num_workers", "0"]
    try:
        for _ in range(2):
            result = hub_cache_python.run(command, cwd=work, timeout=240)
            assert result.returncode == 0, result.stderr[-4000:]
    finally:
        hub_cache_python.close()
    assert [path.name for path in work.iterdir()] == ["me--tiny-vivit"]
    results = json.loads((work / "me--tiny-vivit" / "eval_data_test_1x1" / "eval_results.json").read_text())
    assert results["num_samples"] == 8 and results["model"] == "me/tiny-vivit"


def test_a_processor_option_that_fails_on_every_clip_is_named_not_read_as_broken_videos(folder, tmp_path):
    """Any ValueError the processor raised at the first clip was taken for "no clip decodes": a model folder whose
    video processor config says `frame_stride: 0` (it loaded; the processor checked it when called) ended in "none of
    its 8 clips could be decoded", and the user looked for broken videos that play. The option's error is said."""
    model = tmp_path / "model"
    tiny_model(model, CLASSES)
    config_file = model / "video_preprocessor_config.json"
    config_file.write_text(json.dumps({**json.loads(config_file.read_text()), "frame_stride": 0}))
    result = evaluate(
        "--model", model, "--dataset", folder / "data", "--output_dir", tmp_path / "eval", "--num_workers", 0
    )
    assert result.returncode == 2, result.stderr[-4000:]  # (1 before: the user's other mistakes are 2)
    last = result.stderr.strip().splitlines()[-1]
    assert "frame_stride must be a positive integer, got 0" in last, last
    # refused as the processor loads, naming the file to correct
    assert f"--model {model}: its video_preprocessor_config.json holds" in last, last
    assert "could be decoded" not in last and "the videos are not at fault" in last, last
    assert not (tmp_path / "eval" / "eval_results.json").exists()


@pytest.mark.parametrize("streaming", [False, True], ids=["whole", "streamed"])
def test_short_video_loop_evaluates_a_one_frame_clip_as_its_frame_repeated(folder, tmp_path, streaming):
    """A one-frame clip was skipped with "pass short_video='loop' or 'pad'", a flag evaluate.py did not have. With
    `--short_video loop` it is scored, as the model scores its one frame (decoded by PyAV here) repeated num_frames
    times; without it, it is still skipped and counted."""
    import av
    import numpy as np
    import torch
    from video_factory import write_video

    from vivit_hf import ViViTSpatioTemporalForVideoClassification, ViViTVideoProcessor

    data = tmp_path / "data"
    shutil.copytree(folder / "data" / "test" / "up", data / "clips", dirs_exist_ok=True)
    write_video(data / "clips" / "still.mp4", num_frames=1, height=16, width=16)
    clips = sorted(p.name for p in (data / "clips").iterdir())
    (data / "test.csv").write_text("\n".join(["video,label", *(f"clips/{c},up" for c in clips)]) + "\n")
    fmt = ["--dataset_format", "hub", *(["--streaming"] if streaming else [])]
    for short_video, skipped in ((None, 1), ("loop", 0)):
        out = tmp_path / f"out_{short_video}"
        # the skip's warning said from a DataLoader worker (the first run); the second decodes in the main process:
        # the same decode, without a second fork server's start (its imports, 3-5 s) for a streamed run
        flags = ["--short_video", short_video] if short_video else []
        flags += ["--num_workers", 0] if short_video else []
        result = evaluate("--model", folder / "model", "--dataset", data, *fmt, "--output_dir", out, *flags)
        assert result.returncode == 0, result.stderr[-3000:]
        results = json.loads((out / "eval_results.json").read_text())
        assert (results["num_skipped"], results["num_samples"]) == (skipped, len(clips) - skipped)
        # skipped: said with the flag this command takes, not the processor's keyword it has nowhere to pass
        said = [line for line in result.stderr.splitlines() if "skipping broken clip clips/still.mp4" in line]
        assert len(said) == skipped, result.stderr[-3000:]
        assert all(line.endswith("has a single frame; pass --short_video loop or pad to turn one frame into a clip.")
                   for line in said), said  # fmt: skip
    with av.open(str(data / "clips" / "still.mp4")) as container:
        frame = next(container.decode(video=0)).to_ndarray(format="rgb24")
    processor = ViViTVideoProcessor.from_pretrained(folder / "model", do_train_augment=False)
    model = ViViTSpatioTemporalForVideoClassification.from_pretrained(folder / "model").eval()
    pixels = processor(videos=[np.stack([frame] * model.config.num_frames)], return_tensors="pt")["pixel_values"]
    with torch.no_grad():
        expected = model(pixel_values=pixels).logits[0]
    with safe_open(str(out / "predictions.safetensors"), "pt") as f:
        row = json.loads(f.metadata()["video_ids"]).index("clips/still.mp4")
        torch.testing.assert_close(f.get_tensor("logits")[row], expected, atol=1e-5, rtol=1e-5)


def test_a_short_video_rule_other_than_the_models_processors_is_warned(folder, tmp_path):
    """`--short_video loop` on a model whose saved processor pads short videos (as it was fine-tuned) looped every
    short video, not only one-frame ones as the flag's help says, without a word. It is the user's explicit choice, so
    it is taken, with a warning naming both rules; the same rule as the processor's is not warned. What the warning
    says is what happens: the looped clip's logits are the model's on the frames PyAV decodes, looped by hand."""
    import av
    import numpy as np
    import torch

    from vivit_hf import ViViTSpatioTemporalForVideoClassification, ViViTVideoProcessor

    model = tmp_path / "model"
    shutil.copytree(folder / "model", model)
    saved = ViViTVideoProcessor.from_pretrained(model)
    saved.short_video, saved.frame_stride = "pad", 2  # a clip spans 7 frames; the test clips hold 6
    saved.save_pretrained(model)
    data = tmp_path / "data"
    shutil.copytree(folder / "data" / "test" / "up", data / "test" / "up")
    logits = {}
    for rule in ("pad", "loop"):
        result = evaluate("--model", model, "--dataset", data, "--output_dir", tmp_path / rule, "--short_video", rule)
        assert result.returncode == 0, result.stderr[-3000:]
        warned = [line for line in result.stderr.splitlines() if "--short_video loop overrides" in line]
        assert len(warned) == (rule == "loop"), result.stderr[-3000:]
        with safe_open(str(tmp_path / rule / "predictions.safetensors"), "pt") as f:
            row = json.loads(f.metadata()["video_ids"]).index("test/up/up_0.mp4")
            logits[rule] = f.get_tensor("logits")[row]
    assert warned[0].endswith(
        f"--short_video loop overrides the processor saved with --model {model} (short_video='pad': what its pipeline "
        "uses, and vivit_hf's fine-tuning trained with), which fills a short video with its last frame, a one-frame "
        "one too; this evaluation loops a short video, a one-frame one too; without --short_video its own rule is "
        "used, which takes one-frame videos too"
    )
    with av.open(str(data / "test" / "up" / "up_0.mp4")) as container:
        frames = np.stack([frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)])
    assert len(frames) == 6
    by_hand = ViViTVideoProcessor.from_pretrained(model, do_train_augment=False, frame_stride=1)
    network = ViViTSpatioTemporalForVideoClassification.from_pretrained(model).eval()
    for rule, indices in (("loop", [0, 2, 4, 0]), ("pad", [0, 2, 4, 5])):  # the centred clip of a 6-frame video
        pixels = by_hand(videos=[frames[indices]], return_tensors="pt")["pixel_values"]
        with torch.no_grad():
            expected = network(pixel_values=pixels).logits[0]
        torch.testing.assert_close(logits[rule], expected, atol=1e-5, rtol=1e-5, msg=rule)


def test_views_other_than_those_the_models_processor_is_saved_with_are_warned(folder, tmp_path):
    """A processor saved with 2 clips x 3 crops (the views its pipeline scores) was evaluated on --num_clips 1 x
    --num_crops 1, the flags' defaults, without a word; the flags' views are scored, with a warning naming both."""
    from vivit_hf import ViViTVideoProcessor

    model = tmp_path / "model"
    shutil.copytree(folder / "model", model)
    saved = ViViTVideoProcessor.from_pretrained(model)
    saved.num_clips, saved.num_crops = 2, 3
    saved.save_pretrained(model)
    data = tmp_path / "data"
    shutil.copytree(folder / "data" / "test" / "up", data / "test" / "up")
    result = evaluate("--model", model, "--dataset", data, "--output_dir", tmp_path / "out", "--max_eval_samples", "1")
    assert result.returncode == 0, result.stderr[-3000:]
    [warned] = [line for line in result.stderr.splitlines() if "has num_clips=2, num_crops=3" in line]
    assert warned.endswith(
        "(the views its pipeline scores); this run scores the views --num_clips 1 x --num_crops 1 give "
        "(--num_clips 2 --num_crops 3 for the saved ones)"
    ), warned
    results = json.loads((tmp_path / "out" / "eval_results.json").read_text())
    assert (results["num_clips"], results["num_crops"]) == (1, 1)
    # both views typed (README's `--num_clips 4 --num_crops 3` on a model finetune.py saved 1 x 1): the user's choice,
    # scored without the warning, which fired on every such run
    typed = ("--num_clips", "1", "--num_crops", "1")
    result = evaluate(
        "--model", model, "--dataset", data, "--output_dir", tmp_path / "out2", "--max_eval_samples", "1", *typed
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "has num_clips=2, num_crops=3" not in result.stderr


def test_a_processor_saved_with_another_frame_count_is_scored_on_the_models_clips_as_its_pipeline(folder, tmp_path):
    """A processor saved with clips of 2 frames beside a model of 4 (config.num_frames): the 2-frame clips were
    scored without a word, while the model's pipeline (and predict.py) score clips of 4. The logits evaluated are now
    the pipeline's, with a warning naming both counts."""
    from transformers import pipeline

    from vivit_hf import ViViTVideoClassificationPipeline, ViViTVideoProcessor

    model = tmp_path / "model"
    shutil.copytree(folder / "model", model)
    saved = ViViTVideoProcessor.from_pretrained(model)
    saved.num_frames = 2
    saved.save_pretrained(model)
    data = tmp_path / "data"
    shutil.copytree(folder / "data" / "test" / "up", data / "test" / "up")
    result = evaluate("--model", model, "--dataset", data, "--output_dir", tmp_path / "out", "--max_eval_samples", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "has num_frames=2, but the model takes clips of 4 frames" in result.stderr
    with safe_open(str(tmp_path / "out" / "predictions.safetensors"), "pt") as f:
        ids, logits = json.loads(f.metadata()["video_ids"]), f.get_tensor("logits")
    classify = pipeline("video-classification", model=str(model), pipeline_class=ViViTVideoClassificationPipeline)
    for video_id, row in zip(ids, logits):
        scores = classify(str(data / video_id), top_k=len(CLASSES), function_to_apply="none")
        expected = torch.tensor([next(s["score"] for s in scores if s["label"] == name) for name in CLASSES])
        torch.testing.assert_close(row, expected, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize(
    "streaming, options, said",
    [
        (False, {}, "makes crops of 8x8 pixels but the model takes 16x16 (its config's image_size); correct crop_size"),
        (True, {}, "makes crops of 8x8 pixels but the model takes 16x16 (its config's image_size); correct crop_size"),
        (
            True,
            {"do_center_crop": False, "size": {"height": 12, "width": 16}},
            "crops nothing (do_center_crop false) and makes views of 12x16 pixels but the model takes 16x16 (its "
            "config's image_size); set do_center_crop true and crop_size 16x16",
        ),
    ],
    ids=["whole", "streamed", "streamed_uncropped"],
)
def test_crops_of_another_size_than_the_models_are_one_line_before_the_first_batch(
    folder, tmp_path, streaming, options, said
):
    """A processor saved with 8x8 crops beside a model of 16x16 images: the model's traceback after the first batch,
    telling the user to pass interpolate_pos_encoding=True, which no flag passes; now one line naming both sizes.
    With --streaming the check was not made (the model's traceback); a processor cropping nothing is named so."""
    from vivit_hf import ViViTVideoProcessor

    model = tmp_path / "model"
    shutil.copytree(folder / "model", model)
    saved = ViViTVideoProcessor.from_pretrained(model)
    saved.crop_size = {"height": 8, "width": 8}
    for name, value in options.items():
        setattr(saved, name, value)
    saved.save_pretrained(model)
    fmt = ["--dataset_format", "hub", "--streaming"] if streaming else []
    result = evaluate("--model", model, "--dataset", folder / "data", *fmt, "--output_dir", tmp_path / "out")
    assert result.returncode == 2, result.stderr[-3000:]
    assert result.stderr.strip().splitlines()[-1].endswith(f"{said} in its video_preprocessor_config.json"), (
        result.stderr[-3000:]
    )
    assert "Traceback" not in result.stderr


def test_a_model_whose_id2label_skips_a_number_is_one_line(folder, tmp_path):
    """A hand-edited config.json naming classes 0 and 2 of a 2-output classifier ended in `KeyError: 1` after the
    model loaded; now one line naming both (the pipeline's rule: it scored output 1 as LABEL_1)."""
    model = tmp_path / "model"
    shutil.copytree(folder / "model", model)
    config = json.loads((model / "config.json").read_text())
    config["id2label"] = {"0": CLASSES[0], "2": CLASSES[1]}
    config["label2id"] = {CLASSES[0]: 0, CLASSES[1]: 2}
    (model / "config.json").write_text(json.dumps(config))
    result = evaluate("--model", model, "--dataset", folder / "data", "--output_dir", tmp_path / "out")
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr[-3000:]
    said = result.stderr.strip().splitlines()[-1]
    assert said.endswith(
        f"--model {model}: The model's config.id2label numbers classes [2] but its classifier has 2 outputs, "
        "0 .. 1: output [1] would be scored with no name (LABEL_1). Number id2label 0 .. 1 in its config.json."
    ), result.stderr[-3000:]


def test_a_clip_whose_own_views_do_not_fit_is_one_line_naming_it(folder, tmp_path):
    """A processor resizing the shortest edge and cropping nothing makes each video's own size: no check before the
    clips are read could see it (the whole read's looked at the first clip only; it now reads the later clips'
    headers too, finetune.py's check, with the same line), and a 16x24 clip among 16x16 ones for
    a model of 16x16 images ended in a traceback (the model's, or torch's "Sizes of tensors must match" or "stack
    expects each tensor to be equal size" in the collation, from inside a DataLoader worker). Now one line naming
    the clip and both sizes (from DataLoader workers too: test_dataset_option_errors.py reads finetune.py's loader
    with 2). Streamed here; read whole on two processes, each reading half the headers, in test_recipes_distributed's
    launch (`odd_views_evaluation`)."""
    from vivit_hf import ViViTVideoProcessor

    model = tmp_path / "model"
    shutil.copytree(folder / "model", model)
    saved = ViViTVideoProcessor.from_pretrained(model)
    saved.do_center_crop, saved.size = False, {"shortest_edge": 16}
    saved.save_pretrained(model)
    data = tmp_path / "data"
    shutil.copytree(folder / "data", data)
    tiny_clip(data / "test" / "up" / "wide.mp4", 0, seed=1, width=24)
    streamed = ["--dataset_format", "hub", "--streaming"]
    result = evaluate(
        "--model", model, "--dataset", data, *streamed, "--num_workers", "0", "--output_dir", tmp_path / "out"
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr[-3000:]
    said = result.stderr.strip().splitlines()[-1]
    assert "crops nothing (do_center_crop false) and made views of 16x24 pixels but the model takes 16x16" in said
    assert said.endswith(f"; the first clip that does not: test/up/wide.mp4 ({data / 'test' / 'up' / 'wide.mp4'})")


def test_a_streamed_processor_whose_options_cannot_make_the_views_is_one_line_not_the_size_checks_traceback(
    folder, tmp_path
):
    """3 crops of a processor that crops nothing (crop_size None): the streamed view-size check raised the processor's
    ValueError as a traceback, exit 1, where the stream's first clip says it in one line (exit 2), as before it."""
    from vivit_hf import ViViTVideoProcessor

    model = tmp_path / "model"
    shutil.copytree(folder / "model", model)
    saved = ViViTVideoProcessor.from_pretrained(model)
    saved.do_center_crop, saved.crop_size, saved.size = False, None, {"height": 16, "width": 16}
    saved.save_pretrained(model)
    stream = ["--dataset_format", "hub", "--streaming", "--num_crops", "3", "--num_workers", "0"]
    result = evaluate("--model", model, "--dataset", folder / "data", *stream, "--output_dir", tmp_path / "out")
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr[-3000:]
    assert "cannot be processed with --model" in result.stderr.strip().splitlines()[-1], result.stderr[-3000:]


def test_a_hub_models_main_revision_is_evaluated_into_the_folder_of_none(tmp_path, monkeypatch):
    # `--model_revision main` went to `owner--name@main/...`, beside the folder of the same model without one
    # (as `--dataset_revision main` did); one made so before goes on being used until the one name's folder exists
    from pathlib import Path
    from types import SimpleNamespace

    from vivit_hf.training.evaluation import default_output_dir

    monkeypatch.chdir(tmp_path)
    args = SimpleNamespace(dataset="ucf", dataset_revision=None, dataset_config_name=None, dataset_format=None)
    vars(args).update(model="me/vivit", model_revision="main", num_clips=1, num_crops=1)
    now = Path("me--vivit", "eval_ucf_test_1x1")
    assert default_output_dir(args, "test") == now
    args.model_revision = None
    assert default_output_dir(args, "test") == now
    args.model_revision = "exp"
    assert default_output_dir(args, "test") == Path("me--vivit@exp", "eval_ucf_test_1x1")
    args.model_revision = "main"
    Path("me--vivit@main", "eval_ucf_test_1x1").mkdir(parents=True)
    assert default_output_dir(args, "test") == Path("me--vivit@main", "eval_ucf_test_1x1")
    now.mkdir(parents=True)
    assert default_output_dir(args, "test") == now


def test_a_hub_model_without_an_owner_is_evaluated_into_a_folder_its_next_model_flag_skips(tmp_path, monkeypatch):
    # `--model bert-base-uncased` wrote into ./bert-base-uncased/eval_...: the next `--model bert-base-uncased` took
    # that folder for a local model and was refused (no config.json in it), as transformers' from_pretrained would
    from pathlib import Path
    from types import SimpleNamespace

    from vivit_hf.training.evaluation import default_output_dir
    from vivit_hf.training.flags import model_folder_refusal

    monkeypatch.chdir(tmp_path)
    args = SimpleNamespace(dataset="ucf", dataset_revision=None, dataset_config_name=None, dataset_format=None)
    vars(args).update(model="bert-base-uncased", model_revision="exp", num_clips=1, num_crops=1)
    assert default_output_dir(args, "test") == Path("models--bert-base-uncased@exp", "eval_ucf_test_1x1")
    args.model_revision = None
    default_output_dir(args, "test").mkdir(parents=True)
    assert model_folder_refusal("--model", "bert-base-uncased") is None
    assert default_output_dir(args, "test") == Path("models--bert-base-uncased", "eval_ucf_test_1x1")


def test_segments_past_their_videos_end_are_counted_in_the_results(tmp_path):
    """Epic Kitchens segments that run past their video's end (timestamps of another copy of a video) are scored on
    the frames there are. finetune.py's evaluation counts them (`num_truncated`, the epoch's line); evaluate.py named
    the first in a warning and its results said nothing of how many of the scores were of cut segments. The
    reference: the rows' timestamps against the video's 0.75 s (6 frames at 8 fps)."""
    from vivit_hf import ViViTSpatioTemporalConfig, ViViTSpatioTemporalForVideoClassification, ViViTVideoProcessor

    data = tmp_path / "epic"
    tiny_clip(data / "P01" / "videos" / "P01_01.MP4", 0, seed=1)
    for head, names in (("noun", ("pan", "tap")), ("verb", ("open", "take"))):
        rows = "".join(f"{i},{name}\n" for i, name in enumerate(names))
        (data / f"EPIC_100_{head}_classes.csv").write_text("id,key\n" + rows)
    rows = [("P01_01_0", "00:00:00.00", "00:00:00.50"), ("P01_01_1", "00:00:00.25", "00:00:02.00")]
    (data / "EPIC_100_validation.csv").write_text(
        "narration_id,video_id,start_timestamp,stop_timestamp,noun_class,verb_class\n"
        + "".join(f"{key},P01_01,{start},{stop},1,0\n" for key, start, stop in rows)
    )
    names = {0: "noun:pan", 1: "noun:tap", 2: "verb:open", 3: "verb:take"}
    config = ViViTSpatioTemporalConfig(**SMALLEST, id2label=names, label_spaces={"noun": 2, "verb": 2})
    ViViTSpatioTemporalForVideoClassification(config).save_pretrained(tmp_path / "model")
    ViViTVideoProcessor(
        num_frames=4, frame_stride=1, size={"shortest_edge": 16}, crop_size={"height": 16, "width": 16}
    ).save_pretrained(tmp_path / "model")
    result = evaluate(
        "--model", tmp_path / "model", "--dataset", data, "--dataset_format", "epic_kitchens", "--output_dir",
        tmp_path / "eval", "--num_workers", 0,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-4000:]
    results = json.loads((tmp_path / "eval" / "eval_results.json").read_text())
    assert (results["num_samples"], results["num_truncated"], results["eval_num_truncated"]) == (2, 1, 1)
    assert "1 of the 2 clips scored are segments that ran past their video's end" in result.stderr
