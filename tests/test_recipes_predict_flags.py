# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""recipes/predict.py's flags as a user types them: a value that cannot work is argparse's one line, exit 2, before
any model or video loads."""

from pathlib import Path

import pytest
import torch
from test_timeline_predict import load_predict

from vivit_hf.training import agreement


@pytest.mark.parametrize(
    "device, said",
    [("gpu", "'gpu' is not a torch device"), ("cuda", "no CUDA device"), ("cuda:7", "no CUDA device")],
)
def test_a_device_this_machine_lacks_is_one_line_before_anything_loads(device, said, tmp_path, capsys, monkeypatch):
    """`--device gpu` and `--device cuda` on a machine without a GPU ended in torch's traceback after the model had
    loaded ("Found no NVIDIA driver on your system", "Expected one of cpu, cuda, ... device type")."""
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 0)
    with pytest.raises(SystemExit) as stopped:
        load_predict().main(["--model", str(tmp_path / "nothing"), "--videos", str(tmp_path), "--device", device])
    assert stopped.value.code == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.startswith("predict.py: error: argument --device:") and said in last, last


def test_a_cuda_index_past_the_machines_devices_is_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    with pytest.raises(SystemExit):
        load_predict().main(["--model", str(tmp_path), "--videos", str(tmp_path), "--device", "cuda:2"])
    assert "has 2 CUDA device(s), cuda:0 to cuda:1" in capsys.readouterr().err


def test_cpu_and_a_present_cuda_device_are_taken(monkeypatch):
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    parser = load_predict().build_parser()
    for device in ("cpu", "cuda", "cuda:1"):
        assert parser.parse_args(["--model", "m", "--videos", "v", "--device", device]).device == device


def test_a_video_given_twice_as_different_paths_is_predicted_once(tmp_path, monkeypatch):
    """`--videos my_videos /abs/my_videos/a.mp4`: one file, refused as two videos that would write one name ("rename
    one"); it is now one video, named as first given."""
    (tmp_path / "my_videos" / "cats").mkdir(parents=True)
    for name in ("a.mp4", "cats/b.mp4"):
        (tmp_path / "my_videos" / name).write_bytes(b"")
    monkeypatch.chdir(tmp_path)
    predict = load_predict()
    videos = predict.find_videos(["my_videos", str(tmp_path / "my_videos" / "a.mp4"), "./my_videos/cats/../a.mp4"])
    assert videos == [Path("my_videos/a.mp4"), Path("my_videos/cats/b.mp4")]
    assert predict.output_names(videos, ["my_videos"]) == {videos[0]: "a.mp4", videos[1]: "cats__b.mp4"}


def test_a_url_video_is_named_by_the_file_name_it_ends_with_also_for_an_archive_member():
    """`--videos` URLs write `<file name>.json`: a member at an archive's top level (fsspec's chained
    `zip://clip.mp4::https://host/a.zip`, as datasets' streaming names it) was named `clip.mp4::https:` (the whole
    URL's host part: a colon, refused in file names on Windows, and not the clip's name)."""
    predict = load_predict()
    assert predict.output_name("zip://clip.mp4::https://host/a.zip", []) == "clip.mp4"
    assert predict.output_name("zip://sub/clip.mp4::hf://datasets/me/x/a.zip", []) == "clip.mp4"
    assert predict.output_name("https://host/v/a%20b.mp4?sig=1", []) == "a b.mp4"
    assert predict.output_name("s3://bucket/clip.mp4", []) == "clip.mp4"


@pytest.mark.parametrize(
    "videos, said",
    [(["-intro.mp4"], "argument --videos: expected at least one argument"), (["a.mp4", "-intro.mp4"], "unrecognized")],
)
def test_a_video_whose_name_starts_with_a_dash_is_told_how_to_give_it(videos, said, tmp_path, capsys, monkeypatch):
    """`--videos -intro.mp4`, a file there, was refused as "expected at least one argument" (one was given) or as an
    unrecognized argument; argparse reads it as a flag, and its line now says so and how to give it."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "-intro.mp4").write_bytes(b"")
    with pytest.raises(SystemExit) as stopped:
        load_predict().build_parser().parse_args(["--model", "m", "--videos", *videos])
    assert stopped.value.code == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert said in last and last.endswith(
        "-intro.mp4 is read as a flag (its name starts with '-'): give it as ./-intro.mp4"
    )


def test_a_misspelt_flag_is_answered_with_the_closest_one_as_finetune_and_evaluate_answer_it(capsys):
    """`predict.py --windw 16f` said only "unrecognized arguments", after 5 lines of usage; the other recipes'
    parser names the flag meant, and so does predict.py's now."""
    with pytest.raises(SystemExit) as stopped:
        load_predict().build_parser().parse_args(["--model", "m", "--videos", "v", "--windw", "16f", "--top-kk", "3"])
    assert stopped.value.code == 2
    said = capsys.readouterr().err.strip().splitlines()
    assert said[-1] == (
        "predict.py: error: unrecognized arguments: --windw 16f --top-kk 3 (did you mean: --windw -> --window, "
        "--top-kk -> --top_k?)"
    )
    assert len(said) == 2  # a one-line usage saying where every flag is listed, and the error


def test_the_advice_on_a_window_names_the_flag_as_typed_here(tmp_path):
    """A window half the model's clips is warned about with the window that matches them: it said `window='4f'`, the
    pipeline's keyword, to a user who types `--window 4f`. (A window of 16 frames, on this 6-frame clip, is one window
    of its 6 frames: 1.5x the model's span, not warned about.)"""
    from test_recipes_evaluate import tiny_model
    from test_recipes_finetune import tiny_clip
    from test_recipes_user_errors import PREDICT, run_recipe

    tiny_model(tmp_path / "model", ("down", "up"))  # clips of 4 frames 1 apart
    tiny_clip(tmp_path / "a.mp4", 0, seed=1)
    out = tmp_path / "out"
    result = run_recipe(PREDICT, "--model", tmp_path / "model", "--videos", tmp_path / "a.mp4", "--window", "2f",
                        "--output_dir", out, "--no_plot")  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert "than it was trained on; --window 4f (a number of frames) matches its clips" in result.stderr, result.stderr
    assert "window='" not in result.stderr


def test_timelines_an_earlier_run_left_of_other_videos_are_named(tmp_path):
    """A second run into the same --output_dir (the default, `timelines`) with fewer videos, or another model, left
    the first run's timelines of the others beside its own without a word: a folder read whole mixed two runs. They
    stay (a run may be repeated for some videos), named in a warning."""
    from test_recipes_evaluate import tiny_model
    from test_recipes_finetune import tiny_clip
    from test_recipes_user_errors import PREDICT, run_recipe

    tiny_model(tmp_path / "model", ("down", "up"))
    for name in ("a", "b"):
        tiny_clip(tmp_path / "videos" / f"{name}.mp4", 0, seed=1)
    out = tmp_path / "out"
    flags = ["--model", tmp_path / "model", "--window", "4f", "--output_dir", out, "--no_plot"]
    first = run_recipe(PREDICT, *flags, "--videos", tmp_path / "videos")
    assert first.returncode == 0 and "holds the timelines" not in first.stderr, first.stderr[-3000:]
    again = run_recipe(PREDICT, *flags, "--videos", tmp_path / "videos" / "a.mp4")
    assert again.returncode == 0, again.stderr[-3000:]
    assert (
        f"{out} holds the timelines of 1 video this run does not predict (b.mp4.json): an earlier run's, perhaps of "
        "another model; they stay beside this run's"
    ) in again.stderr, again.stderr[-3000:]
    assert sorted(path.name for path in out.iterdir()) == ["a.mp4.json", "b.mp4.json", "predictions.jsonl"]


def test_the_launchs_process_count_is_read_in_one_place(monkeypatch, capsys):
    """A refusal is raised for `agree` (a launch of several) or said (one process) as `launched_count` says, the count
    `launched_processes` joins by: usage_error and parse_args each read WORLD_SIZE themselves beside it."""
    predict = load_predict()
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    monkeypatch.setattr(predict, "launched_count", lambda: 2)
    with pytest.raises(predict.CommandLineRefused) as raised:  # unprinted, for agree
        predict.usage_error("--videos: no such video")
    assert raised.value.message == "--videos: no such video"
    calls = []
    monkeypatch.setattr(agreement, "parse_everywhere", lambda parse, argv: calls.append(argv))
    predict.parse_args(["--model", "m", "--videos", "v"])
    assert calls == [["--model", "m", "--videos", "v"]]
    assert capsys.readouterr().err == ""


def test_plot_classes_with_no_plot_is_refused_in_one_line(capsys):
    """`--plot_classes 10 --no_plot` drew no plot and ignored the 10 without a word; either flag alone is taken."""
    predict = load_predict()
    with pytest.raises(SystemExit) as stopped:
        predict.parse_args(["--model", "m", "--videos", "v", "--plot_classes", "10", "--no_plot"])
    assert stopped.value.code == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.startswith("predict.py: error: --plot_classes") and "--no_plot" in last
    assert predict.parse_args(["--model", "m", "--videos", "v", "--no_plot"]).plot_classes == 5
    assert predict.parse_args(["--model", "m", "--videos", "v", "--plot-classes", "10"]).plot_classes == 10


def test_the_precision_typed_wins_over_the_launchers_and_fp16_on_the_cpu_runs_in_fp32_said(monkeypatch):
    """predict.py's precision, as evaluate.py's: `--mixed_precision`, else the launcher's; fp16 on the CPU, which
    accelerate leaves in fp32, is recorded `no` with a warning."""
    from vivit_hf.training.launch import inference_precision

    cpu = torch.device("cpu")
    monkeypatch.delenv("ACCELERATE_MIXED_PRECISION", raising=False)
    assert inference_precision(None, cpu) == ("no", None)
    monkeypatch.setenv("ACCELERATE_MIXED_PRECISION", "bf16")
    assert inference_precision(None, cpu) == ("bf16", None) and inference_precision("no", cpu) == ("no", None)
    precision, warning = inference_precision("fp16", cpu)
    assert precision == "no" and "accelerate runs fp16 on a GPU only" in warning, warning
