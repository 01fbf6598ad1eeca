# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""recipes/predict.py: a folder of videos -> per-window JSON, a timeline PNG each, and a summary line per video."""

import builtins
import importlib.util
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import huggingface_hub
import pytest
from test_timeline import colour_model, write_colour_video

from vivit_hf import ViViTVideoProcessor

PREDICT = Path(__file__).resolve().parents[1] / "recipes" / "predict.py"


def load_predict():
    spec = importlib.util.spec_from_file_location("vivit_recipes_predict", PREDICT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def model_and_videos(tmp_path_factory):
    root = tmp_path_factory.mktemp("predict")
    model = root / "model"
    colour_model(label_spaces={"colour": 3, "warm": 2}).save_pretrained(model)
    ViViTVideoProcessor(
        num_frames=4, size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}
    ).save_pretrained(model)
    folder = root / "videos"
    (folder / "sub").mkdir(parents=True)
    write_colour_video(folder / "a.mp4", seconds=30, schedule=[(0, "red"), (16, "blue")])
    write_colour_video(folder / "sub" / "b.mp4", seconds=12, schedule=[(0, "green")])
    (folder / "notes.txt").write_text("not a video")
    return model, folder


def test_folder_of_videos_gives_json_and_timeline_plots(model_and_videos, tmp_path):
    model, folder = model_and_videos
    out = tmp_path / "out"
    load_predict().main(
        ["--model", str(model), "--videos", str(folder), "--window", "4", "--hop", "2s", "--top_k", "1"]
        + ["--output_dir", str(out), "--device", "cpu"]
    )
    assert sorted(p.name for p in out.iterdir()) == [
        "a.mp4.json",
        "a.mp4.png",
        "predictions.jsonl",
        "sub__b.mp4.json",
        "sub__b.mp4.png",
    ]
    a = json.loads((out / "a.mp4.json").read_text())
    assert len(a["windows"]) == (30 - 4) // 2 + 1 and a["windows"][1]["start"] == 2.0
    first, last = a["windows"][0]["predictions"], a["windows"][-1]["predictions"]
    assert first["colour"] == [{"label": "red", "score": pytest.approx(first["colour"][0]["score"])}]
    assert (first["colour"][0]["label"], last["colour"][0]["label"], last["warm"][0]["label"]) == (
        "red",
        "blue",
        "cold",
    )
    assert set(a["aggregate"]) == {"colour", "warm"} and len(a["aggregate"]["colour"]) == 1
    lines = [json.loads(line) for line in (out / "predictions.jsonl").read_text().splitlines()]
    assert [Path(line["video"]).name for line in lines] == ["a.mp4", "b.mp4"]
    assert lines[1]["aggregate"]["colour"][0]["label"] == "green"
    assert (out / "a.mp4.png").read_bytes()[:4] == b"\x89PNG"


def test_the_base_install_without_accelerate_predicts_in_one_process(model_and_videos, tmp_path):
    """predict.py needs accelerate only under a launcher; `pip install -e .` (no recipes extra) lacks it, and the
    command died at its imports with a ModuleNotFoundError traceback (vivit_hf.training.checkpoints imported it for
    one helper). accelerate is hidden as Python hides a module that is not installed (None in sys.modules)."""
    model, folder = model_and_videos
    out = tmp_path / "out"
    argv = [str(PREDICT), "--model", str(model), "--videos", str(folder / "sub" / "b.mp4"), "--window", "4"]
    argv += ["--output_dir", str(out), "--device", "cpu", "--no_plot"]
    code = (
        "import runpy, sys; sys.modules['accelerate'] = None; "
        f"sys.argv = {argv!r}; runpy.run_path({str(PREDICT)!r}, run_name='__main__')"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(PREDICT.parents[1])}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads((out / "b.mp4.json").read_text())["aggregate"]["colour"][0]["label"] == "green"


def test_without_matplotlib_json_only(model_and_videos, tmp_path, monkeypatch, caplog):
    from vivit_hf.processing import pipeline

    model, folder = model_and_videos
    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError("no matplotlib here")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    out = tmp_path / "out"
    predict = load_predict()
    predict.main(["--model", str(model), "--videos", str(folder / "sub" / "b.mp4"), "--output_dir", str(out)])
    assert sorted(p.name for p in out.iterdir()) == ["b.mp4.json", "predictions.jsonl"]
    assert "matplotlib is not installed" in caplog.text
    # its wording of the pipeline's advice (`--window 8f`) ends with the run: a later Python caller of the pipeline
    # in the process got the command's words (test_timeline's window warning, run after this file)
    assert not logging.getLogger("vivit_hf.processing.pipeline").filters
    # predict.py names the logger it filters without importing the pipeline before its flags are read
    assert predict.PIPELINE_LOGGER == pipeline.logger.name


def test_missing_input_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such video"):
        load_predict().find_videos([str(tmp_path / "nothing")])


def test_a_broken_video_is_skipped_the_rest_written_and_the_run_fails(model_and_videos, tmp_path):
    model, folder = model_and_videos
    broken = tmp_path / "videos"
    broken.mkdir()
    (broken / "0_empty.mp4").write_bytes(b"")
    (broken / "1_text.mp4").write_text("not a video at all")
    good = broken / "2_good.mp4"
    good.write_bytes((folder / "sub" / "b.mp4").read_bytes())
    out = tmp_path / "out"
    with pytest.raises(SystemExit, match="2 of 3 videos could not be read") as error:
        load_predict().main(["--model", str(model), "--videos", str(broken), "--output_dir", str(out), "--no_plot"])
    assert "0_empty.mp4" in str(error.value) and "1_text.mp4" in str(error.value)
    assert (out / "2_good.mp4.json").exists()
    lines = [json.loads(line) for line in (out / "predictions.jsonl").read_text().splitlines()]
    assert [("error" in line, Path(line["video"]).name) for line in lines] == [
        (True, "0_empty.mp4"),
        (True, "1_text.mp4"),
        (False, "2_good.mp4"),
    ]


def test_a_rerun_leaves_no_earlier_runs_timeline_or_plot_it_did_not_write_again(model_and_videos, tmp_path):
    """A run into the folder of an earlier one: a video that no longer decodes (replaced by a broken copy) kept the
    earlier run's `<name>.json`, its old answer beside this run's error line, and a video predicted now with
    --no_plot kept the earlier run's `<name>.png` beside its new JSON; `earlier_timelines` names only other videos."""
    model, folder = model_and_videos
    videos, out = tmp_path / "videos", tmp_path / "out"
    videos.mkdir()
    for name in ("a.mp4", "b.mp4"):
        write_colour_video(videos / name, seconds=2, schedule=[(0, "red")])
    flags = ["--model", str(model), "--videos", str(videos), "--output_dir", str(out), "--window", "2"]
    flags += ["--device", "cpu"]
    load_predict().main(flags)
    assert sorted(p.name for p in out.iterdir()) == [
        "a.mp4.json", "a.mp4.png", "b.mp4.json", "b.mp4.png", "predictions.jsonl",
    ]  # fmt: skip
    (videos / "a.mp4").write_text("no longer a video")
    with pytest.raises(SystemExit, match="1 of 2 videos could not be read"):
        load_predict().main([*flags, "--no_plot"])
    assert sorted(p.name for p in out.iterdir()) == ["b.mp4.json", "predictions.jsonl"]


def test_a_one_frame_video_is_skipped_with_the_flag_that_takes_it(model_and_videos, tmp_path, caplog):
    """A one-frame file is refused by the pipeline with the processor's advice, "pass short_video='loop' or 'pad'";
    predict.py said it so in its warning and predictions.jsonl, where its user types `--short_video loop`."""
    from video_factory import write_video

    model, _ = model_and_videos
    still = tmp_path / "still.mp4"
    write_video(still, num_frames=1, height=32, width=32)
    out = tmp_path / "out"
    with pytest.raises(SystemExit, match="1 of 1 videos could not be read"):
        load_predict().main(["--model", str(model), "--videos", str(still), "--output_dir", str(out), "--no_plot"])
    advice = "has a single frame; pass --short_video loop or pad to turn one frame into a clip."
    [line] = [json.loads(line) for line in (out / "predictions.jsonl").read_text().splitlines()]
    assert line["error"].endswith(advice), line
    [warning] = [record.getMessage() for record in caplog.records if "skipping" in record.getMessage()]
    assert warning.endswith(advice) and "short_video='loop'" not in warning, warning


def test_a_missing_input_is_a_message_not_a_traceback_and_a_usage_error(tmp_path, capsys):
    """A --videos path that does not exist exited 1 (the status for videos that failed to decode), where evaluate.py
    and finetune.py refuse a --model or --dataset that does not exist with argparse's 2."""
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "config.json").write_text("{}")  # never read: the videos are looked for before it loads
    with pytest.raises(SystemExit) as stopped:
        load_predict().main(["--model", str(tmp_path / "model"), "--videos", str(tmp_path / "nothing")])
    assert stopped.value.code == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last == f"predict.py: error: --videos: no such video file or folder: {tmp_path / 'nothing'}", last
    # both missing: --model first, as evaluate.py says its --model before its --dataset (the videos were said first)
    with pytest.raises(SystemExit) as stopped:
        load_predict().main(["--model", str(tmp_path / "no-model"), "--videos", str(tmp_path / "nothing")])
    last = capsys.readouterr().err.strip().splitlines()[-1]
    said = f"argument --model: {str(tmp_path / 'no-model')!r}: no such folder (a Hub model id reads 'org/name')"
    assert stopped.value.code == 2 and last == f"predict.py: error: {said}", last
    # the input, then the output: an --output_dir that is a file was said before a missing --videos (evaluate.py
    # says its --dataset before its output folder)
    (tmp_path / "notes.txt").write_text("")
    flags = ["--model", str(tmp_path / "model"), "--output_dir", str(tmp_path / "notes.txt")]
    with pytest.raises(SystemExit):
        load_predict().main([*flags, "--videos", str(tmp_path / "nothing")])
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last == f"predict.py: error: --videos: no such video file or folder: {tmp_path / 'nothing'}", last


@pytest.mark.parametrize(
    "flags, named",
    [
        (["--window", "0"], "argument --window: the window must be positive, got '0'"),
        (["--window", "0f"], "argument --window: the window must be positive, got '0f'"),
        (["--window", "two"], "argument --window: the window must be seconds"),
        (["--window", "2", "--hop", "-1"], "argument --hop: the hop must be seconds"),
        (["--window", "1.5f"], "argument --window: the window in frames must be a whole number"),
        (["--window_batch_size", "0"], "argument --window_batch_size: 0 is less than 1"),  # was taken for 8
        (["--top_k", "many"], "argument --top_k: 'many' is not a whole number"),
    ],
)
def test_a_window_or_hop_that_cannot_be_is_an_argparse_error_before_anything_loads(tmp_path, capsys, flags, named):
    # the model and the videos do not exist: the flag is refused before either is looked at
    argv = ["--model", str(tmp_path / "no-model"), "--videos", str(tmp_path / "no-videos"), *flags]
    with pytest.raises(SystemExit) as stopped:
        load_predict().main(argv)
    assert stopped.value.code == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.startswith(f"predict.py: error: {named}"), last


def test_a_model_that_is_not_one_is_a_line_not_a_traceback(model_and_videos, tmp_path, monkeypatch, capsys):
    """Each a usage error, status 2 as evaluate.py's and finetune.py's refusal of a --model path (was 1)."""
    _, folder = model_and_videos
    not_a_model = tmp_path / "empty"
    not_a_model.mkdir()
    unreadable = tmp_path / "broken-model"
    unreadable.mkdir()
    (unreadable / "config.json").write_text("{}")  # no model_type: transformers cannot tell what it is
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    for model, said in (
        (not_a_model, f"argument --model: {str(not_a_model)!r}: no config.json in it"),
        (tmp_path / "missing" / "model", f"argument --model: {str(tmp_path / 'missing' / 'model')!r}: no such folder"),
        (unreadable, f"--model {unreadable}: "),
    ):
        with pytest.raises(SystemExit) as stopped:
            load_predict().main(["--model", str(model), "--videos", str(folder), "--no_plot"])
        assert stopped.value.code == 2, (model, stopped.value.code)
        last = capsys.readouterr().err.strip().splitlines()[-1]
        assert last.startswith(f"predict.py: error: {said}"), last


def test_the_pipeline_refuses_a_window_batch_below_one_rather_than_taking_the_default(model_and_videos):
    from transformers import pipeline

    from vivit_hf.processing import ViViTVideoClassificationPipeline

    model, folder = model_and_videos
    classifier = pipeline("video-classification", model=str(model), pipeline_class=ViViTVideoClassificationPipeline)
    for size in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="window_batch_size must be a whole number"):
            classifier(str(folder / "sub" / "b.mp4"), window=1, window_batch_size=size)


# predict.py run as the command, stopped by a signal to itself as it starts on the second video.
STOPPED_AT_SECOND_VIDEO = """import os, runpy, signal, sys

from vivit_hf.processing import ViViTVideoClassificationPipeline

stop, calls, real_call = getattr(signal, sys.argv[1]), [], ViViTVideoClassificationPipeline.__call__


def call(self, *args, **kwargs):
    calls.append(1)
    if len(calls) == 2:
        os.kill(os.getpid(), stop)
    return real_call(self, *args, **kwargs)


ViViTVideoClassificationPipeline.__call__ = call
sys.argv = sys.argv[2:]
sys.path[0] = os.path.dirname(os.path.realpath(sys.argv[0]))
runpy.run_path(sys.argv[0], run_name="__main__")
"""


@pytest.mark.parametrize("stop, status", [("SIGINT", 130), ("SIGTERM", 143)], ids=["ctrl-c", "sigterm"])
def test_ctrl_c_or_sigterm_is_one_line_naming_the_videos_done(model_and_videos, tmp_path, stop, status):
    """Ctrl-C was a KeyboardInterrupt traceback from wherever the model was, and SIGTERM (a scheduler's stop) ended
    the run without a word (status -15), predictions.jsonl possibly empty though a video was done. Now one line: how
    many videos were done and where; the shell's status for the signal; the done video's outputs whole."""
    import fresh_python
    from test_recipes_finetune import REPO, env

    model, folder = model_and_videos
    out = tmp_path / "out"
    flags = ["--model", model, "--videos", folder, "--output_dir", out, "--no_plot", "--device", "cpu"]
    result = fresh_python.server(fresh_python.RECIPES, env()).run(
        ["-c", STOPPED_AT_SECOND_VIDEO, stop, PREDICT, *map(str, flags)], cwd=REPO, timeout=240
    )
    assert result.returncode == status, result.stderr[-3000:]
    assert "Traceback" not in result.stderr and "KeyboardInterrupt" not in result.stderr, result.stderr[-3000:]
    assert result.stderr.strip().splitlines()[-1] == (
        f"interrupted after 1 of 2 videos: their outputs are in {out}, each listed in predictions.jsonl; run the "
        "command again for all of them"
    )
    assert sorted(p.name for p in out.iterdir()) == ["a.mp4.json", "predictions.jsonl"]
    [line] = [json.loads(line) for line in (out / "predictions.jsonl").read_text().splitlines()]
    assert Path(line["video"]).name == "a.mp4" and len(json.loads((out / "a.mp4.json").read_text())["windows"]) == 8


def test_a_run_stopped_before_its_first_video_is_done_leaves_no_list(model_and_videos, tmp_path, monkeypatch):
    """predictions.jsonl was opened before the first video was read: a run stopped (Ctrl-C, SIGTERM) or failing
    there left it empty, an earlier run's list emptied, and its line said "interrupted after 0 of 2 videos: ...
    each listed in predictions.jsonl". The list is written from the first video done now; the earlier one still goes
    as the run starts (never taken for this run's)."""
    from vivit_hf.processing.pipeline import ViViTVideoClassificationPipeline
    from vivit_hf.training.checkpoints import release_held_output_dirs

    model, folder = model_and_videos
    out = tmp_path / "out"
    out.mkdir()
    (out / "predictions.jsonl").write_text('{"video": "earlier.mp4", "aggregate": []}\n')
    predict = load_predict()

    def stopped(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(ViViTVideoClassificationPipeline, "__call__", stopped)
    progress = {}
    try:
        with pytest.raises(KeyboardInterrupt):
            predict.main(["--model", str(model), "--videos", str(folder), "--output_dir", str(out), "--no_plot"],
                         progress)  # fmt: skip
    finally:
        release_held_output_dirs()  # (a stopped command's exit gives its lock up)
    assert not (out / "predictions.jsonl").exists()
    assert predict.interrupted(progress) == "interrupted before any video was predicted: nothing written"


def test_a_video_given_by_url_is_predicted_as_the_same_file_on_disk(model_and_videos, tmp_path):
    """`--videos https://host/a.mp4` (or hf://, s3://), which the pipeline reads itself, was taken for a path and
    refused before anything loaded: 'no such video file or folder: https:/host/a.mp4'. A URL is now passed on as
    given (here fsspec's in-memory file system, read as any remote one) and named by its file name; its timeline is
    the local file's."""
    import fsspec

    model, folder = model_and_videos
    url = "memory://predict-test/clips/b%20v2.mp4"
    with fsspec.open(url, "wb") as remote:
        remote.write((folder / "sub" / "b.mp4").read_bytes())
    flags = ["--model", str(model), "--no_plot", "--device", "cpu", "--window", "4"]
    predict = load_predict()
    predict.main([*flags, "--videos", url, "--output_dir", str(tmp_path / "url")])
    predict.main([*flags, "--videos", str(folder / "sub" / "b.mp4"), "--output_dir", str(tmp_path / "file")])
    assert sorted(p.name for p in (tmp_path / "url").iterdir()) == ["b v2.mp4.json", "predictions.jsonl"]
    from_url = json.loads((tmp_path / "url" / "b v2.mp4.json").read_text())
    from_file = json.loads((tmp_path / "file" / "b.mp4.json").read_text())
    assert from_url.pop("video") == url and Path(from_file.pop("video")).name == "b.mp4"
    assert from_url == from_file


def test_without_window_each_window_is_the_models_training_clip(model_and_videos, tmp_path, caplog):
    """No --window: the windows are the clips the model was trained on, `num_frames` frames `frame_stride` apart, as
    its saved config and processor say (a fixed 4 s gave the README's main job 32-frame windows of its 16-frame clips,
    its motion twice as fast, and the pipeline's warning on every video)."""
    import shutil

    trained, folder = model_and_videos
    model = tmp_path / "model"  # clips 3 frames apart: 12 frames, 6 s of these 2 fps videos (4 s would be 8 frames)
    shutil.copytree(trained, model)
    ViViTVideoProcessor.from_pretrained(trained, frame_stride=3).save_pretrained(model)
    config = json.loads((model / "config.json").read_text())
    stride = json.loads((model / "video_preprocessor_config.json").read_text())["frame_stride"]
    assert stride == 3
    out = tmp_path / "out"
    with caplog.at_level("WARNING", logger="vivit_hf.processing.pipeline"):
        load_predict().main(
            ["--model", str(model), "--videos", str(folder / "sub" / "b.mp4"), "--output_dir", str(out), "--no_plot"]
        )
    timeline = json.loads((out / "b.mp4.json").read_text())
    assert timeline["window_frames"] == config["num_frames"] * stride
    assert "Timeline" not in caplog.text


def test_a_launchers_mixed_precision_runs_the_model_under_its_autocast_and_is_recorded(
    model_and_videos, tmp_path, monkeypatch
):
    """`accelerate launch --mixed_precision bf16 recipes/predict.py` (the launcher says so in the environment) ran the
    plain pipeline in fp32 and said nothing. The model now runs under bf16 autocast, as `Accelerator.prepare` runs
    it: the scores equal the pipeline's under `torch.autocast`, not its fp32 ones, and each timeline says bf16."""
    import torch
    from transformers import pipeline

    from vivit_hf.processing import ViViTVideoClassificationPipeline

    model, folder = model_and_videos
    video = str(folder / "sub" / "b.mp4")
    monkeypatch.setenv("ACCELERATE_MIXED_PRECISION", "bf16")
    argv = ["--model", str(model), "--videos", video, "--window", "4", "--device", "cpu", "--no_plot"]
    load_predict().main([*argv, "--output_dir", str(tmp_path / "out")])
    timeline = json.loads((tmp_path / "out" / "b.mp4.json").read_text())
    assert timeline["mixed_precision"] == "bf16"
    reference = pipeline("video-classification", model=str(model), pipeline_class=ViViTVideoClassificationPipeline)
    plain = reference(video, window="4", top_k=5)["aggregate"]
    with torch.autocast("cpu", dtype=torch.bfloat16):
        mixed = reference(video, window="4", top_k=5)["aggregate"]

    def scored(aggregate, tolerance=None):
        score = (lambda x: pytest.approx(x, abs=tolerance)) if tolerance else (lambda x: x)
        return {head: [(e["label"], score(e["score"])) for e in entries] for head, entries in aggregate.items()}

    assert scored(timeline["aggregate"]) == scored(mixed, 1e-6)
    assert scored(timeline["aggregate"]) != scored(plain, 1e-3)  # (bf16 moves the warm head's scores ~0.01 here)


def test_a_short_video_rule_other_than_the_models_processors_is_warned(model_and_videos, tmp_path, caplog):
    """`--short_video loop` on a model whose saved processor skips one-frame videos (as it was fine-tuned) took them,
    without a word (evaluate.py warns so). It is the user's explicit choice, so it is taken, with a warning naming
    both rules. In windows the rules differ only there (a video shorter than the window is spread over it, under any
    rule): on a model that pads, `--short_video loop` takes the file as the model's own rule does, checked against
    the pipeline's result, and is not warned."""
    import shutil

    from transformers import pipeline
    from video_factory import write_video

    from vivit_hf import ViViTVideoClassificationPipeline

    skips = model_and_videos[0]
    assert ViViTVideoProcessor.from_pretrained(skips).short_video is None
    pads = tmp_path / "pads"
    shutil.copytree(skips, pads)
    saved = ViViTVideoProcessor.from_pretrained(pads)
    saved.short_video = "pad"
    saved.save_pretrained(pads)
    still = tmp_path / "still.mp4"
    write_video(still, num_frames=1, height=32, width=32)
    classifier = pipeline(
        "video-classification", model=str(pads), pipeline_class=ViViTVideoClassificationPipeline, device="cpu"
    )
    expected = classifier(str(still), window="4f", top_k=5)["windows"][0]["predictions"]  # the model's own rule
    said = {}
    for model in (skips, pads):
        caplog.clear()
        out = tmp_path / f"out_{model.name}"
        load_predict().main(
            ["--model", str(model), "--videos", str(still), "--output_dir", str(out), "--window", "4f"]
            + ["--no_plot", "--device", "cpu", "--short_video", "loop"]
        )
        assert json.loads((out / "still.mp4.json").read_text())["windows"][0]["predictions"] == expected
        said[model] = [r.getMessage() for r in caplog.records if "overrides the processor" in r.getMessage()]
    assert said[pads] == []
    assert said[skips] == [
        f"--short_video loop overrides the processor saved with --model {skips} (short_video=None: what its "
        "pipeline uses, and vivit_hf's fine-tuning trained with), which skips a one-frame video as broken; this "
        "prediction takes a one-frame video as its frame repeated"
    ]


def test_crops_other_than_those_the_models_processor_is_saved_with_are_warned(model_and_videos, tmp_path, caplog):
    """A processor saved with num_crops=3 (the views its pipeline scores) was scored on one crop per window,
    --num_crops' default, without a word; the flag's crops are scored, with a warning naming both, and none where
    they agree."""
    import shutil

    model, folder = model_and_videos
    saved_with_crops = tmp_path / "model"
    shutil.copytree(model, saved_with_crops)
    processor = ViViTVideoProcessor.from_pretrained(saved_with_crops)
    processor.num_crops = 3
    processor.save_pretrained(saved_with_crops)
    video = tmp_path / "a.mp4"
    write_colour_video(video, seconds=2, schedule=[(0, "red")])
    warned = {}
    for crops in ("1", "3"):
        caplog.clear()
        load_predict().main(
            ["--model", str(saved_with_crops), "--videos", str(video), "--output_dir", str(tmp_path / crops)]
            + ["--window", "2", "--num_crops", crops, "--no_plot", "--device", "cpu"]
        )
        warned[crops] = [r.getMessage() for r in caplog.records if "has num_crops=3" in r.getMessage()]
    assert warned["3"] == [] and len(warned["1"]) == 1, warned
    assert warned["1"][0].endswith("this run scores the views --num_crops 1 give (--num_crops 3 for the saved ones)")


@pytest.mark.parametrize("heads", [None, ("verb", "noun")])
def test_a_timeline_plots_legend_covers_no_curve(tmp_path, monkeypatch, heads):
    """The legend sat inside the panel at upper right, over the best class's curve where it scores near 1 (the
    usual timeline: one class at 0.9-1.0 all video long); it lies beside the panel now, for one head or several."""
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    def entries(top):
        return [{"label": f"class {i}", "score": 0.97 if i == top else 0.03 / 4} for i in range(5)]

    windows = [
        {"start": t, "end": t + 2.0, "predictions": {h: entries(0) for h in heads} if heads else entries(0)}
        for t in range(0, 20)
    ]
    aggregate = {h: entries(0) for h in heads} if heads else entries(0)
    figures = []
    monkeypatch.setattr(plt, "close", figures.append)  # keep the figure the plot is drawn on
    assert load_predict().plot_timeline(
        {"windows": windows, "aggregate": aggregate, "fps": 8.0}, tmp_path / "t.png", "t"
    )
    figure = figures[0]
    renderer = figure.canvas.get_renderer()
    for axis in figure.axes:
        legend = axis.get_legend().get_window_extent(renderer)
        panel = axis.get_window_extent(renderer)
        assert not legend.overlaps(panel), (legend, panel)
        assert figure.bbox.contains(legend.x1 - 1, legend.y1 - 1), (legend, figure.bbox)  # and not cut off the image
    monkeypatch.undo()
    plt.close(figure)


def test_crops_of_another_size_than_the_models_are_one_line_before_any_video(model_and_videos, tmp_path, capsys):
    """A processor saved with 16x16 crops beside a model of 32x32 images: the first video ended the run with the
    model's traceback, advising interpolate_pos_encoding=True, which no flag passes; now one line naming both."""
    import shutil

    model, folder = model_and_videos
    shutil.copytree(model, tmp_path / "model")
    saved = ViViTVideoProcessor.from_pretrained(tmp_path / "model")
    saved.crop_size = {"height": 16, "width": 16}
    saved.save_pretrained(tmp_path / "model")
    with pytest.raises(SystemExit) as stopped:
        load_predict().main(["--model", str(tmp_path / "model"), "--videos", str(folder), "--no_plot",
                             "--output_dir", str(tmp_path / "out")])  # fmt: skip
    assert stopped.value.code == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        f"predict.py: error: --model {tmp_path / 'model'}: its video processor makes crops of 16x16 pixels but the "
        "model takes 32x32 (its config's image_size); correct crop_size in its video_preprocessor_config.json"
    )
    assert not (tmp_path / "out" / "predictions.jsonl").exists()


def test_a_processor_that_crops_nothing_is_one_line_naming_its_config(model_and_videos, tmp_path, capsys):
    """A processor saved with do_center_crop false makes each video's resized frames (here 24x32) for a model of
    32x32 images: the pipeline's refusal, no broken video's, ended the run in a traceback advising
    `pipe.video_processor.do_center_crop = True`, Python no flag reaches; now one line naming the file to correct.
    A fixed height and width decide the views before any video: refused before any output is opened (it came at the
    first video, an empty predictions.jsonl left behind)."""
    import shutil

    model, folder = model_and_videos
    shutil.copytree(model, tmp_path / "model")
    saved = ViViTVideoProcessor.from_pretrained(tmp_path / "model")
    saved.do_center_crop, saved.size = False, {"height": 24, "width": 32}
    saved.save_pretrained(tmp_path / "model")
    with pytest.raises(SystemExit) as stopped:
        load_predict().main(["--model", str(tmp_path / "model"), "--videos", str(folder / "sub"), "--no_plot",
                             "--output_dir", str(tmp_path / "out")])  # fmt: skip
    assert stopped.value.code == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        f"predict.py: error: --model {tmp_path / 'model'}: its video processor crops nothing (do_center_crop false) "
        "and makes views of 24x32 pixels but the model takes 32x32 (its config's image_size); set do_center_crop true "
        "and crop_size 32x32 in its video_preprocessor_config.json (or --num_crops 3: three crops of that size)"
    )
    assert not (tmp_path / "out").exists()


def test_a_video_whose_views_do_not_fit_says_which_videos_were_written(model_and_videos, tmp_path, capsys):
    """A processor that neither resizes nor crops makes each video's own size: a 16x16 video after a 32x32 one was
    refused naming the processor only, beside a predictions.jsonl listing one video (or, refused at the first, an
    empty one): the line now says where it stopped and what was written, and a refusal at the first removes the
    empty list."""
    import shutil

    model, _ = model_and_videos
    shutil.copytree(model, tmp_path / "model")
    saved = ViViTVideoProcessor.from_pretrained(tmp_path / "model")
    saved.do_center_crop, saved.do_resize = False, False
    saved.save_pretrained(tmp_path / "model")
    fits = write_colour_video(tmp_path / "fits.mp4", seconds=2, schedule=[(0, "red")])
    small = write_colour_video(tmp_path / "small.mp4", seconds=2, schedule=[(0, "red")], size=16)
    broken = tmp_path / "broken.mp4"  # listed with its error, not written: it was counted as written
    broken.write_text("not a video at all")
    for videos, out in (([broken, fits, small], tmp_path / "out"), ([small, fits], tmp_path / "out_first")):
        with pytest.raises(SystemExit) as stopped:
            load_predict().main(["--model", str(tmp_path / "model"), "--videos", *map(str, videos), "--no_plot",
                                 "--window", "4f", "--output_dir", str(out)])  # fmt: skip
        assert stopped.value.code == 2
        said = capsys.readouterr().err.strip().splitlines()[-1]
        assert said.startswith(f"predict.py: error: --model {tmp_path / 'model'}: its video processor crops nothing")
        assert "made views of 16x16 pixels but the model takes 32x32" in said
        if videos[0] == broken:
            assert said.endswith(
                f"; refused at {small}: the 2 of 3 videos before it are done (1 written, 1 could not be read), listed "
                f"in {out / 'predictions.jsonl'}, the rest are not"
            )
            assert [json.loads(line)["video"] for line in (out / "predictions.jsonl").read_text().splitlines()] == [
                str(broken),
                str(fits),
            ]
        else:
            assert said.endswith(f"; refused at {small}, the first video: nothing written")
            assert not (out / "predictions.jsonl").exists()
    # under a launcher: this process's share of the videos, and its own part of the list
    part = tmp_path / "predictions.rank1.jsonl"
    assert load_predict().written_before(small, 2, 3, part, 0, " of process 1 of 2") == (
        f"; refused at {small}: the 2 of 3 videos of process 1 of 2 before it are written, listed in {part}, the rest "
        "are not"
    )


def test_a_launched_process_stopped_before_its_first_video_says_its_own_share_was_not_written():
    """Under a launcher each process says its own stop: one stopped before its first video said "interrupted before
    any video was predicted: nothing written" while the others' videos were written and listed in their parts."""
    predict = load_predict()
    progress = {"done": 0, "total": 3, "process": " of process 1 of 2", "listed_in": "predictions.rank1.jsonl"}
    assert predict.interrupted(progress) == (
        "interrupted before any video of process 1 of 2 was predicted: none of its videos written"
    )
