# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""recipes/predict.py --videos 'clips/**/*.mp4': a quoted pattern (a scheduler's command line, a Windows shell, which
expand nothing) was refused as 'no such video file or folder'; it now reads the files a shell would have given."""

import json
import shutil

import pytest
import torch
from test_predict_processes import NUM_FRAMES, reference_aggregate
from test_timeline import write_colour_video
from test_timeline_predict import load_predict

from vivit_hf import ViViTSpatioTemporalConfig, ViViTSpatioTemporalForVideoClassification, ViViTVideoProcessor


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


def test_a_pattern_under_home_names_its_files_below_its_folder(model_and_clips, monkeypatch):
    # `~` is expanded to find the files; the folder that names them was `~/clips` taken literally, so both `a.mp4`
    # were named `a.mp4` and refused as one name, where the folder itself given names them indoor__ and outdoor__
    _, clips = model_and_clips
    monkeypatch.setenv("HOME", str(clips.parent))
    predict_module = load_predict()
    pattern = "~/clips/**/*.mp4"
    names = predict_module.output_names(predict_module.find_videos([pattern]), [pattern])
    assert sorted(names.values()) == ["indoor__a.mp4", "outdoor__a.mp4"]
