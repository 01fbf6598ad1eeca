# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""One rule for "a local path or a Hub repo id" (`vivit_hf.hub.sources`), and every flag that asks it agrees.

The table is written by hand: what each string must be read as. Before this rule, four checks disagreed on rows of
it (`vit.npz`, `owner--name`, `name.git` and a 97-character name were Hub ids to three of them and paths to the
fourth; a config file name went to the Hub from the converter but not from `--init_from`)."""

import importlib.util
import re
from pathlib import Path

import huggingface_hub
import pytest
import yaml
from video_factory import ramp_videofolder

from vivit_hf import ViViTSpatioTemporalConfig
from vivit_hf.conversion import transformers_vivit
from vivit_hf.hub import build_model_card
from vivit_hf.repo_id import looks_like_local_path, looks_like_repo_id, near_folder
from vivit_hf.run_folder import no_model_yet
from vivit_hf.training import finetune
from vivit_hf.training.data import fetch
from vivit_hf.training.data.formats import load_video_dataset

EVALUATE = Path(__file__).resolve().parents[1] / "recipes" / "evaluate.py"

REPO_IDS = [
    "google/vivit-b-16x2-kinetics400",
    "vivit-b",
    "owner/name.v2",  # a dot inside a name is allowed, and .v2 is no file type read here
    "Owner_1/Name-2",
    "a" * 96,  # the longest name huggingface_hub accepts
]
PATHS = [
    "./run",
    "/data/k400",
    "~/ckpt",
    "runs/../ckpt",
    "a..b",
    "C:\\ckpts\\vit",
    "runs\\vit",
    "vit.npz",
    "owner/params.npz",
    "model.safetensors",
    "ckpt/model.pth",
    "init.pt",
    "pytorch_model.bin",
    "config.json",
    "owner/flax_model.msgpack",
    "MODEL.SAFETENSORS",  # file types in any case
    "vivit_base_k400.py",  # a scenic config
    "runs/2024/vit",  # two slashes
    "my model",  # a space
    "owner/name/",
    "owner--name",
    "owner/name.git",
    "-name",
    "a" * 97,
]


@pytest.mark.parametrize("source", REPO_IDS)
def test_strings_spelt_like_repo_ids_are_repo_ids(source):
    assert looks_like_repo_id(source) and not looks_like_local_path(source)


@pytest.mark.parametrize("source", PATHS)
def test_strings_spelt_like_paths_are_paths(source):
    assert looks_like_local_path(source) and not looks_like_repo_id(source)


@pytest.mark.parametrize("source", [Path("owner/name"), "", None])
def test_path_objects_and_empty_strings_are_never_repo_ids(source):
    assert not looks_like_repo_id(source) and looks_like_local_path(source)


# -- every caller agrees with the table (run where none of the strings exists: they name nothing on this disk) -----
TABLE = [(source, True) for source in REPO_IDS] + [(source, False) for source in PATHS]


@pytest.fixture(autouse=True)
def nowhere(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


class WentToTheHub(Exception):
    """Raised by the stand-ins of huggingface_hub's downloads: the caller read the string as a repo id."""


@pytest.mark.parametrize("source, is_repo_id", TABLE)
def test_the_transformers_converter_goes_to_the_hub_only_for_repo_ids(source, is_repo_id, monkeypatch):
    def download(repo_id, filename, **kwargs):
        raise WentToTheHub(repo_id)

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", download)
    expected = WentToTheHub if is_repo_id else transformers_vivit.CheckpointSourceError
    with pytest.raises(expected) as error:
        transformers_vivit.read_transformers_checkpoint(source)
    if not is_repo_id:
        assert str(error.value) == f"{source!r}: no such file or folder"


@pytest.mark.parametrize("source, is_repo_id", TABLE)
def test_finetune_init_from_refuses_a_missing_path_and_keeps_a_repo_id(source, is_repo_id, capsys):
    if is_repo_id:
        assert finetune.parse_args([f"--init_from={source}"]).init_from == source
        return
    with pytest.raises(SystemExit):
        finetune.parse_args([f"--init_from={source}"])  # `=`: argparse reads a bare "-name" as a flag
    assert "no such file or folder" in capsys.readouterr().err


@pytest.fixture(scope="module")
def evaluate_module():
    # Loaded under its own name: `import evaluate` could be the `evaluate` library.
    spec = importlib.util.spec_from_file_location("vivit_recipes_evaluate_sources", EVALUATE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("flag", ["--model", "--dataset"])
@pytest.mark.parametrize("source, is_repo_id", TABLE)
def test_evaluate_refuses_a_missing_path_and_keeps_a_repo_id(evaluate_module, flag, source, is_repo_id, capsys):
    argv = ["--model=someone/vivit", f"{flag}={source}"]
    if is_repo_id:
        assert getattr(evaluate_module.parse_args(argv), flag[2:]) == source
        return
    with pytest.raises(SystemExit):
        evaluate_module.parse_args(argv)
    assert "no such folder" in capsys.readouterr().err


@pytest.mark.parametrize("source, is_repo_id", TABLE)
def test_a_dataset_is_fetched_from_the_hub_only_for_repo_ids(source, is_repo_id, monkeypatch):
    def fetch_dataset_repo(repo_id, **kwargs):
        raise WentToTheHub(repo_id)

    monkeypatch.setattr(fetch, "fetch_dataset_repo", fetch_dataset_repo)
    expected = WentToTheHub if is_repo_id else FileNotFoundError
    with pytest.raises(expected, match=re.escape(source) if is_repo_id else "neither a local folder nor a Hub id"):
        load_video_dataset(source, "videofolder")


@pytest.mark.parametrize("source, is_repo_id", TABLE)
def test_the_model_card_names_a_dataset_id_only_when_it_is_a_repo_id(source, is_repo_id):
    config = ViViTSpatioTemporalConfig(
        hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32, image_size=16, num_frames=4
    )
    card = build_model_card(config, results={"top1": 0.5}, dataset_name="clips", dataset_id=source)
    metadata = yaml.safe_load(card.content.split("---")[1])
    assert metadata.get("datasets") == ([source] if is_repo_id else None)


def test_a_missing_dataset_folder_is_refused_in_one_wording_by_every_command(evaluate_module, capsys):
    # evaluate.py said "--dataset ./clips: no such folder, and not a Hub data set id (owner/name)" where finetune.py
    # and the shard tool said the line below: one refusal, worded once (`flags.missing_dataset`)
    from vivit_hf.training.data.shard import main as shard_main

    lines = []
    evaluate = lambda argv: evaluate_module.parse_args(["--model", "someone/vivit", *argv])  # noqa: E731
    for command in (finetune.parse_args, evaluate, lambda argv: shard_main([*argv, "--out", "o"])):
        with pytest.raises(SystemExit) as stopped:
            command(["--dataset", "./clips"])
        assert stopped.value.code == 2
        lines.append(capsys.readouterr().err.strip().splitlines()[-1].split(": error: ", 1)[1])
    assert lines == ["argument --dataset: './clips': no such folder (a Hub data set id reads 'org/name')"] * 3


def test_the_data_set_flags_are_helped_in_one_wording_by_every_command(evaluate_module, monkeypatch, capsys):
    # --dataset_config_name read "the configuration of a data set whose card declares several ...; the official split,
    # 1 (default), 2 or 3; ... (default: the one there, ...)" in finetune.py, "the data set's configuration; ... (1, 2,
    # 3)" in evaluate.py and "its configuration" in the shard tool; --dataset three ways too (`add_dataset_flags`)
    from vivit_hf.training.data.shard import main as shard_main

    monkeypatch.setenv("COLUMNS", "1000")  # each flag's help unwrapped
    helps = []
    for command in (finetune.parse_args, evaluate_module.parse_args, shard_main):
        with pytest.raises(SystemExit):
            command(["--help"])
        helps.append(" ".join(capsys.readouterr().out.split()))
    for said in (
        "--dataset DATASET local folder or Hub data set id; 'synthetic_motion': the bundled data set",
        "DATASET_REVISION a Hub --dataset's branch, tag or commit (load_dataset's revision=)",
        "DATASET_CONFIG_NAME --dataset_format hub: the configuration of a data set whose card declares several "
        "(`configs:`); ucf101 / hmdb51: the official split, 1 (default), 2 or 3; epic_kitchens: the release, 55 or "
        "100 (default: the one there, 100 where both are)",
        "VIDEO_COLUMN --dataset_format hub: the video column",
        # its only help was its default: which format reads which layout went unsaid
        "how --dataset is laid out: videofolder, one folder of clips per class",
    ):
        assert [said in text for text in helps] == [True] * 3, said
    # evaluate.py's batch: of videos or of clips went unsaid, and each video is several clips
    assert "videos per batch on each process; the model takes each with its --num_clips x --num_crops" in helps[1]
    # finetune.py's subsets said only `(default: None)`: not the first N clips, as transformers' examples take them
    for split, use in (("train", "train on"), ("eval", "evaluate on")):
        assert (
            f"MAX_{split.upper()}_SAMPLES {use} a subset of this many clips, drawn across the "
            "classes by --seed (--streaming: the stream's first N)" in helps[0]
        ), split


def test_a_dataset_that_is_there_or_on_the_hub_is_not_refused_and_a_tilde_left_unexpanded_says_so(
    tmp_path, monkeypatch
):
    # `--dataset=~/clips` (the shell expands no `~` after `=`) was "no such folder" for a folder the user can list
    from vivit_hf.training.flags import missing_dataset

    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "clips").mkdir()
    for there in ("org/name", "ucf101", "synthetic_motion", str(tmp_path / "clips")):  # a canonical id has no owner
        assert missing_dataset(there) is None, there
    (tmp_path / "clips [2024]").mkdir()
    for typed in ("clips", "clips [2024]"):  # (a name that looks like a pattern is a folder's: --dataset takes none)
        refusal = missing_dataset(f"~/{typed}")
        assert "`~` is not expanded here" in refusal and f"give {str(tmp_path / typed)!r}" in refusal, refusal
    assert (
        missing_dataset("~/nothing")
        == "argument --dataset: '~/nothing': no such folder (a Hub data set id reads 'org/name')"
    )
    # --dataset takes no pattern: `'~/clip*'` was told to give the pattern `<home>/clip*`, which is no folder either
    assert missing_dataset("~/clip*").startswith("argument --dataset: '~/clip*': no such folder (a Hub data set id")


def test_a_file_typed_with_a_tilde_left_unexpanded_is_called_a_file(tmp_path, monkeypatch, capsys):
    # `python -m vivit_hf.convert scenic --config '~/c.py'` was "'~/c.py': no such folder" for a file
    from vivit_hf.conversion.cli import main as convert

    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "c.py").write_text("")
    (tmp_path / "params.npz").write_bytes(b"")
    for argv, flag, path in [
        (["--checkpoint", str(tmp_path / "params.npz"), "--config", "~/c.py"], "--config", "~/c.py"),
        (["--checkpoint", "~/params.npz", "--config", str(tmp_path / "c.py")], "--checkpoint", "~/params.npz"),
    ]:
        assert convert(["scenic", *argv, "--out", str(tmp_path / "out")]) == 2
        said = capsys.readouterr().err.strip().splitlines()[-1]
        assert f"argument {flag}: {path!r}: no such file: the `~` is not expanded here" in said, said


@pytest.fixture(scope="module")
def predict_module():
    spec = importlib.util.spec_from_file_location("vivit_recipes_predict_sources", EVALUATE.with_name("predict.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_missing_model_folder_is_refused_in_one_wording_by_every_command(
    evaluate_module, predict_module, tmp_path, capsys, monkeypatch
):
    # finetune.py said "argument --init_from: './vit' does not exist (no such file or folder here; a Hub id reads
    # 'org/name')", evaluate.py and predict.py "--model ./vit: no such folder, and not a Hub model id (owner/name)";
    # and of a folder without config.json "(give the folder a fine-tuning run wrote)" / "(give a saved model folder)"
    def refusal(command, model) -> str:
        with pytest.raises(SystemExit) as stopped:
            command(model)
        assert stopped.value.code == 2
        return capsys.readouterr().err.strip().splitlines()[-1].split(": error: ", 1)[1]

    evaluate = lambda model: evaluate_module.parse_args(["--model", model])  # noqa: E731
    commands = [evaluate, predict_module.check_model]
    missing = "argument --model: './vit': no such folder (a Hub model id reads 'org/name')"
    assert [refusal(command, "./vit") for command in commands] == [missing] * 2
    init_from = refusal(lambda model: finetune.parse_args(["--init_from", model]), "./vit")
    assert init_from == missing.replace("--model", "--init_from").replace("folder", "file or folder")  # a .npz too
    (tmp_path / "empty").mkdir()
    empty = str(tmp_path / "empty")
    no_config = f"argument --model: {empty!r}: no config.json in it (give the folder a model was saved to)"
    assert [refusal(command, empty) for command in commands] == [no_config] * 2
    # a weights file, and `--model ""` (an unset `$MODEL`), which passed on to from_pretrained("")
    (tmp_path / "model.safetensors").write_bytes(b"")
    weights = str(tmp_path / "model.safetensors")
    for model, what in ((weights, "a file, not a folder"), ("", "no model named")):
        said = f"argument --model: {model!r}: {what} (give the folder a model was saved to)"
        assert [refusal(command, model) for command in commands] == [said] * 2
    # a folder here named as a Hub id (an earlier evaluate.py's results folder of `--model vivit-b`) hides the Hub model
    monkeypatch.chdir(tmp_path)
    (tmp_path / "vivit-b" / "eval_synthetic_motion_test_1x1").mkdir(parents=True)
    # and a user's own folder of that spelling, weights saved without their config, is still told what to give
    (tmp_path / "my_vivit").mkdir()
    (tmp_path / "my_vivit" / "model.safetensors").write_bytes(b"")
    for model in ("vivit-b", "my_vivit"):
        said = (
            f"argument --model: {model!r}: no config.json in it (give the folder a model was saved to); a folder here "
            "is read before the Hub model of that name: to read the Hub id, move it aside or run from another folder"
        )
        assert [refusal(command, model) for command in commands] == [said] * 2


def test_a_model_folder_typed_with_a_tilde_left_unexpanded_says_so_in_every_command(
    evaluate_module, predict_module, tmp_path, monkeypatch, capsys
):
    # `--init_from=~/vit` was "does not exist" for a folder the user can list; evaluate.py's and predict.py's
    # `--model=~/run` passed the check (which expanded it) and from_pretrained, which does not, found no such model
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "config.json").write_text("{}")
    commands = {
        "--init_from": lambda: finetune.parse_args(["--init_from=~/run"]),
        "--model": lambda: evaluate_module.parse_args(["--model=~/run", "--dataset", str(tmp_path)]),
        "--model ": lambda: predict_module.check_model("~/run"),
    }
    for flag, command in commands.items():
        with pytest.raises(SystemExit) as stopped:
            command()
        assert stopped.value.code == 2
        said = capsys.readouterr().err.strip().splitlines()[-1]
        wanted = f"{flag.strip()}: '~/run': no such folder: the `~` is not expanded here"
        assert wanted in said and f"give {str(tmp_path / 'run')!r}" in said, said


def test_predict_videos_typed_with_a_tilde_left_unexpanded_or_a_typo_say_what_to_give(
    predict_module, tmp_path, monkeypatch, capsys
):
    # `--videos=~/my_videos` and `--videos my_vidoes` were "no such video file or folder" alone, where --dataset and
    # --model say the `~` was not expanded and name the folder of a near name
    from argparse import Namespace

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "config.json").write_text("{}")
    (tmp_path / "my_videos").mkdir()
    (tmp_path / "my_videos" / "a.mp4").write_bytes(b"")
    (tmp_path / "clips [2024]").mkdir()
    tilde = "the `~` is not expanded here (a shell expands it only unquoted, at the start of a word:"
    for videos, said in [
        ("~/my_videos", "argument --videos: '~/my_videos': no such folder: the `~` is not expanded here"),
        # a quoted pattern: its `~` was expanded where a quoted file's was refused; one rule, every recipe's. The way
        # to type it keeps the pattern quoted: unquoted (`--videos ~/x`, as it said), bash reads its `**` as `*`
        (
            "~/my_videos/**/*.mp4",
            f"argument --videos: '~/my_videos/**/*.mp4': nothing matches it: {tilde} "
            f"`--videos ~/'my_videos/**/*.mp4'`: the `~` unquoted, the pattern quoted); give "
            f"'{tmp_path}/my_videos/**/*.mp4'",
        ),
        # a folder whose name looks like a pattern is a folder first: read as a pattern, its `[2024]` matched
        # `clips 2` alone, and the refusal went unsaid ("no video found")
        ("~/clips [2024]", f"argument --videos: '~/clips [2024]': no such folder: {tilde} `--videos ~/x`"),
        ("my_vidoes", "--videos: no such video file or folder: my_vidoes; a folder here has a near name: my_videos"),
    ]:
        # (an --output_dir that is a file, too: the videos were checked after it, evaluate.py's data set before it)
        (tmp_path / "notes.txt").write_text("")
        args = Namespace(model="model", model_revision=None, output_dir="notes.txt", videos=[videos])
        with pytest.raises(SystemExit) as stopped:
            predict_module.checked_inputs(args)
        assert stopped.value.code == 2
        assert said in capsys.readouterr().err, said


def test_a_stopped_runs_folder_or_checkpoint_given_as_a_model_says_what_it_is_in_every_command(
    evaluate_module, tmp_path, capsys, monkeypatch
):
    # A run stopped by Ctrl-C (as the docs show) has written no model yet: evaluate.py said "no config.json in it
    # (give the folder a fine-tuning run wrote)", which it was, and finetune.py's --init_from a traceback
    # (TransformersCheckpointError) once the data set was read; any other folder without config.json: one line too,
    # also one holding another tool's checkpoints/ (transformers' Trainer's trainer_state.json has no
    # completed_steps: it was a KeyError traceback in each command).
    run, stopped, other, finished = (tmp_path / name for name in ("run", "stopped", "other", "finished"))
    for folder in (run, finished):
        (folder / "checkpoints" / "step_40").mkdir(parents=True)
        (folder / "checkpoints" / "step_40" / "trainer_state.json").write_text('{"completed_steps": 40}')
    (finished / "config.json").write_text("{}")
    stopped.mkdir()
    (stopped / "run_settings.json").write_text("{}")
    (other / "checkpoints" / "checkpoint-500").mkdir(parents=True)
    (other / "checkpoints" / "checkpoint-500" / "trainer_state.json").write_text('{"global_step": 500}')
    spec = importlib.util.spec_from_file_location("vivit_recipes_predict_stopped", EVALUATE.with_name("predict.py"))
    predict = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(predict)
    commands = {
        "--init_from": lambda folder: finetune.parse_args(["--init_from", str(folder)]),
        "--model": lambda folder: evaluate_module.parse_args(["--model", str(folder)]),
        "--model ": lambda folder: predict.check_model(str(folder)),
    }
    checkpoint = "a training checkpoint (what --resume_from_checkpoint continues), not a saved model (no config.json"
    for flag, command in commands.items():
        for folder, wanted in (
            (
                run,
                f"no model yet (no config.json): the run stopped before its end, or is still running, and writes its "
                f"model when it ends; continue it with the command that started it and --resume_from_checkpoint "
                f"latest, in place of any --overwrite_output_dir (its last checkpoint: "
                f"{run / 'checkpoints' / 'step_40'})",
            ),
            (stopped, "it kept no checkpoint: run the command that started it again"),
            (
                run / "checkpoints" / "step_40",
                f"{checkpoint} in it); its run writes the model into its --output_dir when it ends",
            ),
            (
                finished / "checkpoints" / "step_40",
                f"{checkpoint} in it); the model its run saved when it ended is in {finished}",
            ),
            (other, "no config.json in"),
        ):
            with pytest.raises(SystemExit) as refused:
                command(folder)
            assert refused.value.code == 2, (flag, folder)
            said = capsys.readouterr().err.strip().splitlines()[-1]
            # (evaluate's and predict's other --model refusals are not yet in argparse's words: "--model x: ...")
            named = f"argument {flag.strip()}: {str(folder)!r}: " if folder != other else f"{folder}"
            assert named in said and wanted in said, said
    monkeypatch.chdir(run)  # `--model ""` (an unset $MODEL) is no folder, not the one it is run in (Path("") is ".")
    assert no_model_yet("--model", "") is None


def test_evaluate_names_a_mistyped_model_name_not_the_folder_its_results_would_go_to(
    evaluate_module, tmp_path, monkeypatch, capsys
):
    # `--model my_modle` (no owner, no such folder): the default results folder `my_modle/eval_.../` was made for its
    # lock before the model loaded, which then read that empty folder: `ValueError: Unrecognized model in my_modle`,
    # a traceback; with a data set of no evaluation split, "no validation or test split" named the data set instead.
    monkeypatch.chdir(tmp_path)
    ramp_videofolder(tmp_path / "clips", counts=(("train", 2),))
    for data in ([], ["--dataset", "clips"]):
        with pytest.raises(SystemExit) as refused:
            evaluate_module.main(["--model", "my_modle", *data])
        assert refused.value.code == 2
        said = capsys.readouterr().err.strip().splitlines()[-1]
        assert said == (
            "error: --model my_modle: no such local folder; read as a Hub id, offline mode is on (HF_HUB_OFFLINE) "
            "and it is not in the local cache: unset HF_HUB_OFFLINE and TRANSFORMERS_OFFLINE to download it"
        ), said
        assert not (tmp_path / "my_modle").exists()
    (tmp_path / "my_model").mkdir()  # the folder meant, beside: named (a typo of a path reads as a Hub id)
    (tmp_path / "my_model" / "config.json").write_text("{}")
    with pytest.raises(SystemExit):
        evaluate_module.main(["--model", "my_modle"])
    assert capsys.readouterr().err.strip().endswith("to download it; a folder here has a near name: my_model")
    with pytest.raises(SystemExit):  # spelt as a path
        evaluate_module.main(["--model", "./my_modle"])
    assert (
        capsys.readouterr()
        .err.strip()
        .endswith("(a Hub model id reads 'org/name'); a folder here has a near name: my_model")
    )


def test_a_near_folder_is_named_only_where_it_could_be_the_one_meant(tmp_path, monkeypatch):
    # `--model bert-base-uncased` not in the cache named `models--bert-base-uncased`, evaluate.py's results folder of
    # that Hub model (ratio 0.81), as the model meant; `--dataset my_videos` named the run folder `my_videos_run`
    monkeypatch.chdir(tmp_path)
    (tmp_path / "models--bert-base-uncased" / "eval_ucf_test_1x1").mkdir(parents=True)
    (tmp_path / "bert-base-uncasd").mkdir()  # no config.json: no model
    for model in ("my_videos_run", "data/my_models"):
        (tmp_path / model).mkdir(parents=True)
        (tmp_path / model / "config.json").write_text("{}")
    (tmp_path / "data" / "my_videos").mkdir()
    (tmp_path / "data" / ".my_vidoes").mkdir()  # hidden
    assert near_folder("bert-base-uncased", model=True) is None
    assert near_folder("my_videos", model=False) is None
    assert near_folder("./data/my_vidoes", model=False) == "data/my_videos"
    assert near_folder("data/my_modles", model=True) == "data/my_models"
    assert near_folder("data/my_modles", model=False) is None
    for run in ("run_1", "run_2"):  # two as near: neither is the one meant
        (tmp_path / "data" / run).mkdir()
    assert near_folder("data/run_3", model=False) is None
    assert near_folder("data/run_22", model=False) == "data/run_2"
