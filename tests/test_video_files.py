# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Which files of a folder are videos: `recipes/predict.py` and the fine-tuning data reader pick the same ones."""

import importlib.util
from pathlib import Path

from vivit_hf.training.data.formats import load_video_dataset

PREDICT = Path(__file__).resolve().parents[1] / "recipes" / "predict.py"

# Written by hand: every video type either reader took before (predict also read .ts, .flv, .wmv; fine-tuning did
# not), in any case, in a sub-folder; and what neither may take.
VIDEOS = ["a.mp4", "b.MP4", "c.ts", "d.flv", "e.wmv", "f.webm", "g.gif", "sub/h.mkv", "sub/i.MOV"]
NOT_VIDEOS = [
    "notes.txt",
    "._a.mp4",
    ".cache/j.mp4",
    "__MACOSX/k.mp4",
    "labels.csv",
    "@eaDir/a.mp4/SYNOPHOTO_FILM_M.mp4",
]


def class_folder(root: Path) -> Path:
    """`root/jump/<files>`: a videofolder data set of one class (the readers list files, they do not decode)."""
    folder = root / "jump"
    for name in VIDEOS + NOT_VIDEOS:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(b"\x00")
    return folder


def load_predict():
    spec = importlib.util.spec_from_file_location("vivit_recipes_predict_files", PREDICT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_predict_and_fine_tuning_read_the_same_videos_of_a_folder(tmp_path):
    folder = class_folder(tmp_path / "clips")
    predicted = [path.relative_to(folder).as_posix() for path in load_predict().find_videos([str(folder)])]
    trained = [
        Path(example["video"]).relative_to(folder).as_posix()
        for example in load_video_dataset(str(tmp_path / "clips"), "videofolder").split("train")
    ]
    assert sorted(predicted) == sorted(VIDEOS)
    assert sorted(trained) == sorted(VIDEOS)
