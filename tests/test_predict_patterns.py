# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""recipes/predict.py --videos 'clips/**/*.mp4': a quoted pattern (a scheduler's command line, a Windows shell, which
expand nothing) was refused as 'no such video file or folder'; it now reads the files a shell would have given."""

import json
import shutil
from pathlib import Path

import pytest
import torch
from test_predict_processes import NUM_FRAMES, reference_aggregate
from test_timeline import write_colour_video
from test_timeline_predict import load_predict

from vivit_hf import ViViTSpatioTemporalConfig, ViViTSpatioTemporalForVideoClassification, ViViTVideoProcessor
from vivit_hf.training.data.folders import VIDEO_EXTENSIONS


@pytest.fixture(scope="module")
def model_and_clips(tmp_path_factory):
    root = tmp_path_factory.mktemp("predict_patterns")
    torch.manual_seed(1)
    config = ViViTSpatioTemporalConfig(
        image_size=32, num_frames=NUM_FRAMES, tubelet_size=[2, 16, 16], hidden_size=16, num_hidden_layers=1,
        num_attention_heads=2, intermediate_size=32, id2label=dict(enumerate("abc")), label2id={"a": 0, "b": 1, "c": 2},
    )  # fmt: skip
    ViViTSpatioTemporalForVideoClassification(config).save_pretrained(root / "model")
    processor = ViViTVideoProcessor(num_frames=NUM_FRAMES, size={"shortest_edge": 32}, crop_size=[32, 32])
    processor.save_pretrained(root / "model")
    clips = root / "clips"
    for folder, colour in (("indoor", "green"), ("outdoor", "blue")):
        (clips / folder).mkdir(parents=True)
        write_colour_video(clips / folder / "a.mp4", 3, schedule=[(0, "red"), (1, colour)])
    shutil.copy(clips / "indoor" / "a.mp4", clips / "indoor" / "b.mkv")  # not matched by *.mp4
    (clips / "indoor" / "notes.mp4.txt").write_text("not a video")
    return root / "model", clips


def predict(*flags):
    load_predict().main([*map(str, flags), "--window", "4f", "--no_plot", "--device", "cpu"])


def test_a_quoted_pattern_predicts_the_files_it_matches(model_and_clips, tmp_path):
    model, clips = model_and_clips
    predict("--model", model, "--videos", f"{clips}/**/*.mp4", "--output_dir", tmp_path / "out")
    rows = [json.loads(line) for line in (tmp_path / "out" / "predictions.jsonl").read_text().splitlines()]
    assert [row["video"] for row in rows] == [str(clips / "indoor" / "a.mp4"), str(clips / "outdoor" / "a.mp4")]
    for row, name in zip(rows, ("indoor__a.mp4", "outdoor__a.mp4")):  # named below the folder searched, as a folder's
        windows = json.loads((tmp_path / "out" / f"{name}.json").read_text())["windows"]
        expected = reference_aggregate(model, row["video"], windows)
        assert {entry["label"]: entry["score"] for entry in row["aggregate"]} == {
            label: pytest.approx(expected[index].item(), abs=1e-5) for index, label in enumerate("abc")
        }


def test_a_pattern_matching_no_video_is_refused_naming_it(model_and_clips, tmp_path, capsys):
    model, clips = model_and_clips
    with pytest.raises(SystemExit) as stopped:
        predict("--model", model, "--videos", f"{clips}/*/*.webm", "--output_dir", tmp_path / "out")
    assert stopped.value.code == 2
    assert f"--videos: no video file matches the pattern {clips}/*/*.webm" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


@pytest.fixture
def tree(tmp_path):
    """Files and folders a pattern may match: a hidden video, a folder named like a video, a hidden folder."""
    for path in ("g/sub/a.mp4", "g/.dot.mp4", "g/dir.mp4/in.mp4", "g/.hid/h.mp4", "g/top.webm", "g/notes.txt"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_bytes(b"")
    return tmp_path


@pytest.mark.parametrize("pattern", ["g/*.mp4", "g/**/*.mp4", "g/*", "g/.*", "g/.d*", "g/.hid/*", "*/sub/*"])
def test_a_quoted_pattern_reads_the_videos_the_shell_gives_it_unquoted(tree, pattern, monkeypatch):
    """Quoted or not, a pattern reads the same videos: those of the paths bash (globstar) expands it to. `g/.d*`,
    which names a hidden video, was refused as matching no video file (hidden files were left out even where the
    pattern asked for them, which `*` never does)."""
    import subprocess

    monkeypatch.chdir(tree)
    find_videos = load_predict().find_videos
    shell = subprocess.run(
        ["bash", "-c", f"shopt -s globstar nullglob; printf '%s\\n' {pattern}"], capture_output=True, text=True
    ).stdout.split()
    shell = [path for path in shell if Path(path).is_dir() or Path(path).suffix.lower() in VIDEO_EXTENSIONS]
    assert shell  # (other files given one by one are read; a pattern, as a folder, leaves them out)
    assert sorted(map(str, find_videos([pattern]))) == sorted(map(str, find_videos(shell)))


def test_a_pattern_with_windows_backslashes_is_refused_saying_how_to_write_it(tree, monkeypatch):
    monkeypatch.chdir(tree)
    with pytest.raises(FileNotFoundError) as refused:
        load_predict().find_videos(["g\\sub\\*.mp4"])
    assert str(refused.value).endswith("('\\' separates no folders on this system: write g/sub/*.mp4)")
    assert [str(video) for video in load_predict().find_videos(["g/sub/*.mp4"])] == ["g/sub/a.mp4"]


def test_a_quoted_pattern_below_the_home_folder_is_refused_as_a_quoted_file_there_is(tree, monkeypatch, capsys):
    """`'~/g/**/*.mp4'` quoted had its `~` expanded (its videos then named as `<home>/g/**/*.mp4` names them), where
    the file `'~/g/sub/a.mp4'` quoted was refused as every recipe refuses a `~` no shell expanded: one rule, the
    pattern refused too, naming the pattern to give, which names the videos by their path below g."""
    from argparse import Namespace

    monkeypatch.setenv("HOME", str(tree))
    (tree / "model").mkdir()
    (tree / "model" / "config.json").write_text("{}")
    predict = load_predict()
    expanded = f"{tree}/g/**/*.mp4"
    for typed, give in (("~/g/sub/a.mp4", f"{tree}/g/sub/a.mp4"), ("~/g/**/*.mp4", expanded)):
        args = Namespace(model=str(tree / "model"), model_revision=None, output_dir=str(tree / "out"), videos=[typed])
        with pytest.raises(SystemExit):
            predict.checked_inputs(args)
        assert "the `~` is not expanded here" in (said := capsys.readouterr().err) and f"give {give!r}" in said, said
    names = predict.output_names(predict.find_videos([expanded]), [expanded])
    assert sorted(names.values()) == ["dir.mp4__in.mp4", "sub__a.mp4"]


def test_a_folder_whose_name_looks_like_a_pattern_names_its_videos_below_it(tmp_path):
    """`--videos 'clips [2024]'`, a folder that exists, is read as that folder (not a pattern), and its videos were
    named as if it were one (`clips [2024]__sub__a.mp4`, the folder's own name in each); they are named below it, as
    any folder's (`sub__a.mp4`), and as the same folder under a plain name names them."""
    for folder in ("clips [2024]", "clips 2024"):
        for path in ("sub/a.mp4", "top.mp4"):
            (tmp_path / folder / path).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / folder / path).write_bytes(b"")
    predict = load_predict()
    named = {}
    for folder in ("clips [2024]", "clips 2024"):
        roots = [str(tmp_path / folder)]
        named[folder] = sorted(predict.output_names(predict.find_videos(roots), roots).values())
    assert named["clips [2024]"] == named["clips 2024"] == ["sub__a.mp4", "top.mp4"]
