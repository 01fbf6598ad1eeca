# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""recipes/predict.py under a launcher of several processes (`accelerate launch`, torchrun): each video predicted once,
on one process, and one predictions.jsonl in the order of --videos. Every process used to predict every video, each
writing the same files and one predictions.jsonl at once."""

import json
import re
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest
import torch
from test_timeline import write_colour_video

import vivit_hf  # noqa: F401  (registers the configs and models with the Auto classes)
from vivit_hf import ViViTSpatioTemporalConfig, ViViTSpatioTemporalForVideoClassification, ViViTVideoProcessor

PREDICT = Path(__file__).resolve().parents[1] / "recipes" / "predict.py"
TORCHRUN = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]
NUM_FRAMES = 4


@pytest.fixture(scope="module")
def model_and_videos(tmp_path_factory):
    return made_model_and_videos(tmp_path_factory.mktemp("predict_processes"))


def made_model_and_videos(root):
    """A tiny model of classes a, b, c and a folder of 4 videos (2 in a subfolder) and an empty broken.mp4, in
    `root`: (model folder, video folder)."""
    torch.manual_seed(0)  # random weights: every frame counts in the scores compared below
    config = ViViTSpatioTemporalConfig(
        image_size=32, num_frames=NUM_FRAMES, tubelet_size=[2, 16, 16], hidden_size=16, num_hidden_layers=1,
        num_attention_heads=2, intermediate_size=32, id2label=dict(enumerate("abc")), label2id={"a": 0, "b": 1, "c": 2},
    )  # fmt: skip
    ViViTSpatioTemporalForVideoClassification(config).save_pretrained(root / "model")
    processor = ViViTVideoProcessor(num_frames=NUM_FRAMES, size={"shortest_edge": 32}, crop_size=[32, 32])
    processor.save_pretrained(root / "model")
    folder = root / "my videos"
    (folder / "sub").mkdir(parents=True)
    for i, seconds in enumerate((3, 5, 2, 4)):
        schedule = [(0, "red"), (1, ["green", "blue"][i % 2])]
        write_colour_video((folder if i % 2 else folder / "sub") / f"clip {i}.mp4", seconds, schedule=schedule)
    (folder / "broken.mp4").write_bytes(b"")
    return root / "model", folder


def reference_aggregate(model_dir: Path, video: str, windows: list[dict]) -> torch.Tensor:
    """The mean of the windows' logits, from a sequential decode of every frame, each window's frames (the centres of
    NUM_FRAMES equal parts of it) through the processor and the model, without the recipe or the pipeline."""
    with av.open(video) as container:
        frames = np.stack([frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)])
    model = ViViTSpatioTemporalForVideoClassification.from_pretrained(model_dir).eval()
    processor = ViViTVideoProcessor.from_pretrained(model_dir)
    rows = []
    for window in windows:
        start, size = window["start_frame"], window["end_frame"] - window["start_frame"]
        picked = [start + (2 * k + 1) * size // (2 * NUM_FRAMES) for k in range(NUM_FRAMES)]
        pixels = processor(frames[picked], do_sample_frames=False, return_tensors="pt")["pixel_values"]
        with torch.no_grad():
            rows.append(model(pixel_values=pixels).logits[0])
    return torch.stack(rows).mean(0).softmax(-1)


def two_process_run(root):
    """The run of `test_two_processes_predict_each_video_once_in_the_order_of_one`, its model and videos written in
    `root` (its output folder root/out): its argv, for tests/test_recipes_distributed.py's torchrun launch (two
    processes importing the recipes once for all its runs; a launch of its own cost some 10 s)."""
    model, folder = made_model_and_videos(root)
    command = [PREDICT, "--model", model, "--videos", folder, "--window", "8f", "--hop", "4f", "--no_plot"]
    return [*command, "--device", "cpu", "--output_dir", root / "out"]


def test_two_processes_predict_each_video_once_in_the_order_of_one(videofolder, tmp_path_factory):
    # The run "predict_two_processes" of tests/test_recipes_distributed.py's torchrun launch (two processes)
    import test_recipes_distributed

    made, root = test_recipes_distributed.made_torchrun_runs(videofolder, tmp_path_factory)
    _, status, stdout, stderr = made["predict_two_processes"]
    model, folder, out = root / "predict" / "model", root / "predict" / "my videos", root / "predict" / "out"
    log = stdout + stderr  # both processes'
    assert status != 0, log[-3000:]  # the broken file: status 1, once the others are written
    assert f"1 of 5 videos could not be read (listed with their error in {out / 'predictions.jsonl'})" in log
    assert "process 0 of 2: 3 of the 5 videos" in log and "process 1 of 2: 2 of the 5 videos" in log, log[-3000:]
    videos = [str(folder / "broken.mp4"), str(folder / "clip 1.mp4"), str(folder / "clip 3.mp4")]
    videos += [str(folder / "sub" / "clip 0.mp4"), str(folder / "sub" / "clip 2.mp4")]
    for video in videos[1:]:
        assert log.count(f"{video}: ") == 1, log[-3000:]  # predicted once, on one process
    rows = [json.loads(line) for line in (out / "predictions.jsonl").read_text().splitlines()]
    assert [row["video"] for row in rows] == videos  # the folder's order, as one process writes it
    assert "error" in rows[0] and sorted(p.name for p in out.iterdir()) == sorted(
        ["predictions.jsonl", "clip 1.mp4.json", "clip 3.mp4.json", "sub__clip 0.mp4.json", "sub__clip 2.mp4.json"]
    )
    for row in rows[1:]:
        name = Path(row["video"]).relative_to(folder).as_posix().replace("/", "__")
        timeline = json.loads((out / f"{name}.json").read_text())
        expected = reference_aggregate(model, row["video"], timeline["windows"])
        assert {entry["label"]: entry["score"] for entry in row["aggregate"]} == {
            label: pytest.approx(expected[index].item(), abs=1e-5) for index, label in enumerate("abc")
        }


@pytest.fixture(scope="module")
def stopped_launch(model_and_videos, tmp_path_factory):
    """One launch of two processes over 4 videos (2 each) into a folder holding an earlier run's predictions.jsonl,
    each process stopped by SIGTERM (a scheduler's stop) as it starts its second video, its first written: the
    output folder, the launch's status and its log, for the tests below (one launch, as each costs some 10 s)."""
    from test_timeline_predict import STOPPED_AT_SECOND_VIDEO

    model, _ = model_and_videos
    root = tmp_path_factory.mktemp("stopped_launch")
    folder = root / "videos"
    folder.mkdir()
    for i in range(4):
        write_colour_video(folder / f"c{i:02d}.mp4", 4, schedule=[(0, "red"), (1, "green")])
    out = root / "out"
    out.mkdir()
    (out / "predictions.jsonl").write_text(json.dumps({"video": "earlier.mp4", "aggregate": []}) + "\n")
    wrapper = root / "stopped_at_second_video.py"
    wrapper.write_text(STOPPED_AT_SECOND_VIDEO)
    command = [*TORCHRUN, str(wrapper), "SIGTERM", str(PREDICT), "--model", str(model), "--videos", str(folder)]
    result = subprocess.run(
        [*command, "--window", "8f", "--no_plot", "--device", "cpu", "--output_dir", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    return out, result.returncode, result.stdout + result.stderr


def test_a_stopped_launch_names_the_files_its_videos_are_listed_in(stopped_launch):
    """Two processes, each stopped by SIGTERM as it starts its second video (its first written): each said its videos
    were "each listed in predictions.jsonl", a file only written once every process is done; they are listed in its
    part, predictions.rank<r>.jsonl, which the line now names."""
    out, returncode, log = stopped_launch
    assert returncode != 0, log[-3000:]
    stops = re.findall(r"interrupted after (\d+) of (\d+) videos of process (\d) of 2: .*each listed in (\S+);", log)
    assert stops, log[-3000:]
    for done, total, rank, listed_in in stops:
        # the reference: the file on disk, holding a line for each video the process says it did
        assert listed_in == f"predictions.rank{rank}.jsonl", log[-3000:]
        assert int(total) == len(range(int(rank), 4, 2))  # its share of the 4 videos
        assert len((out / listed_in).read_text().splitlines()) == int(done)
    assert not (out / "predictions.jsonl").exists()


def test_a_stopped_launch_leaves_no_earlier_runs_list_and_names_where_its_own_is(stopped_launch):
    """Each process lists its videos in predictions.rank<r>.jsonl, merged into predictions.jsonl at the end; a launch
    stopped before then (a scheduler's SIGTERM) left the last run's predictions.jsonl as it was, listing other videos
    as this run's, and said its videos were "each listed in predictions.jsonl". The first process now removes the
    earlier list as it starts, and the stop names the file that lists each process's videos."""
    out, returncode, log = stopped_launch
    assert returncode != 0 and "interrupted after" in log, log[-3000:]  # stopped before the merge
    assert not (out / "predictions.jsonl").exists(), (out / "predictions.jsonl").read_text()
    listed = [json.loads(line)["video"] for path in out.glob("predictions.rank*.jsonl") for line in path.open()]
    assert listed and all((out / f"{Path(video).name}.json").is_file() for video in listed)
    named = re.findall(r"each listed in (predictions\.rank\d\.jsonl)", log)
    assert named and all((out / name).is_file() for name in named), log[-3000:]


def test_an_earlier_launchs_parts_this_run_does_not_write_are_removed(model_and_videos, tmp_path):
    """A launch of 4 processes stopped before its merge leaves predictions.rank0-3.jsonl; a later run of one process
    (or of 2) left them (or rank2, rank3) beside its own predictions.jsonl, listing videos it did not predict."""
    from test_timeline_predict import load_predict

    model, folder = model_and_videos
    out = tmp_path / "out"
    out.mkdir()
    for rank in range(4):
        (out / f"predictions.rank{rank}.jsonl").write_text(json.dumps({"video": f"earlier{rank}.mp4"}) + "\n")
    (out / "predictions.rankings.jsonl").write_text("")  # a user's file, not a part
    predict = load_predict()
    video = str(folder / "clip 1.mp4")
    predict.main(["--model", str(model), "--videos", video, "--window", "8f", "--no_plot", "--output_dir", str(out)])
    assert sorted(p.name for p in out.glob("predictions*")) == ["predictions.jsonl", "predictions.rankings.jsonl"]
    assert [json.loads(line)["video"] for line in (out / "predictions.jsonl").open()] == [video]
    for rank in range(4):  # a launch of 2 writes (and at its end removes) rank0 and rank1 itself
        (out / f"predictions.rank{rank}.jsonl").write_text("")
    assert [p.name for p in predict.earlier_parts(out, 2)] == ["predictions.rank2.jsonl", "predictions.rank3.jsonl"]


def refuse_as_a_launched_process(rank: int, port: int, argv: list[str], said: Path) -> None:
    """predict.py's main as process `rank` of 2 that a launcher started (its environment), its stderr into `said`; a
    forked process: torch and transformers are imported already, where a launch (torchrun) takes some 30 s."""
    import os

    from accelerate.state import AcceleratorState
    from test_timeline_predict import load_predict

    # A launched process starts with no accelerate state; one forked from a pytest worker inherits whatever an earlier
    # test made there (a PartialState of one process: predict.py then joined no group and failed in get_rank).
    AcceleratorState._reset_state(reset_partial_state=True)
    os.environ.update(RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE="2", MASTER_ADDR="127.0.0.1")
    os.environ.update(MASTER_PORT=str(port), LOCAL_WORLD_SIZE="2")
    status = 0
    with open(said, "w") as sys.stderr:
        try:
            load_predict().main(argv)
        except SystemExit as stop:
            status = stop.code if isinstance(stop.code, int) else 1
    os._exit(status)  # (no pytest teardown in a forked process)


@pytest.mark.parametrize("flag", ["--videos", "--window"])
def test_a_refusal_under_a_launcher_is_said_once(model_and_videos, tmp_path, flag):
    """`--videos` naming a file that is not there (or `--window 0`), under 2 processes: each process printed the
    refusal, the same line twice; they now agree on it, and the first of the machine says it."""
    import multiprocessing
    import socket

    model, folder = model_and_videos
    missing = tmp_path / "not here.mp4"
    argv = ["--model", str(model), "--device", "cpu", "--videos", str(folder / "clip 1.mp4")]
    argv += [str(missing)] if flag == "--videos" else ["--window", "0"]
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    context = multiprocessing.get_context("fork")
    processes = [
        context.Process(target=refuse_as_a_launched_process, args=(rank, port, argv, tmp_path / f"stderr{rank}"))
        for rank in range(2)
    ]
    for process in processes:
        process.start()
    try:
        for process in processes:
            process.join(timeout=120)
    finally:  # one that hangs (in the group's rendezvous) is killed: multiprocessing joins it as pytest exits
        for process in processes:
            if process.is_alive():
                process.kill()
                process.join()
    said = [line for rank in range(2) for line in (tmp_path / f"stderr{rank}").read_text().splitlines()]
    assert [process.exitcode for process in processes] == [2, 2], said
    refusals = [line for line in said if line.startswith("predict.py: error:")]
    expected = {
        "--videos": f"predict.py: error: --videos: no such video file or folder: {missing}",
        "--window": "predict.py: error: argument --window: the window must be positive, got '0'.",
    }
    assert refusals == [expected[flag]], said


def test_two_processes_asked_of_accelerates_simple_launcher_are_said_to_have_started_one(
    model_and_videos, tmp_path, monkeypatch, caplog
):
    """`accelerate launch --num_processes 2 recipes/predict.py` on a machine without GPUs runs one process (accelerate's
    simple launcher): it predicted every video alone without a word, where finetune.py and evaluate.py warn."""
    import logging

    from test_recipes_flags import launcher_environment
    from test_timeline_predict import load_predict

    model, folder = model_and_videos
    for name, value in launcher_environment(monkeypatch, "--num_processes", "2").items():
        monkeypatch.setenv(name, value)
    argv = ["--model", str(model), "--videos", str(folder / "clip 1.mp4"), "--window", "8f", "--no_plot"]
    # the script as the user ran it, as finetune.py and evaluate.py name it: it said recipes/predict.py as written
    monkeypatch.setattr(sys, "argv", ["../vivit/recipes/predict.py"])
    with caplog.at_level(logging.WARNING, logger="predict"):
        load_predict().main([*argv, "--output_dir", str(tmp_path / "out")])
    (said,) = [r.getMessage() for r in caplog.records if "started this one alone" in r.getMessage()]
    assert "cpu_two_processes.yaml ../vivit/recipes/predict.py" in said
    assert "torchrun --nproc_per_node N ../vivit/recipes/predict.py" in said
