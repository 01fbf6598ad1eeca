# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""A local videofolder whose `metadata.csv` names its clips, whole and streamed: its data files are resolved once
(at Kinetics scale most of the load)."""

import pytest

from vivit_hf.training.data.formats import load_video_dataset
from vivit_hf.training.data.streaming import open_streaming_dataset

datasets = pytest.importorskip("datasets")


def metadata_folder(root, names, labels):
    """`root/train/` holding a placeholder file per name (loading reads no clip) and a `metadata.csv` naming them."""
    for name in names:
        (root / "train" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "train" / name).write_bytes(b"\0" * 16)
    lines = ["file_name,label"] + [f"{name},{label}" for name, label in zip(names, labels)]
    (root / "train" / "metadata.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def counting_resolutions(monkeypatch) -> list[int]:
    """Counts the calls of datasets' data-file resolver (a glob of the folder, per pattern)."""
    import datasets.data_files as data_files

    calls = [0]
    resolve = data_files.resolve_pattern

    def counted(*args, **kwargs):
        calls[0] += 1
        return resolve(*args, **kwargs)

    monkeypatch.setattr(data_files, "resolve_pattern", counted)
    return calls


def test_a_metadata_folders_data_files_are_resolved_once_and_its_rows_are_datasets_own(tmp_path, monkeypatch):
    """At 20k rows (16-byte placeholder clips, this machine's 2 shared cores) `load_hub` took 59.3 s and resolved
    the data files twice (90 calls of the resolver), the stream 102.3 s and three times (135); now 38.3 s and 51.6 s,
    once each (45)."""
    root = tmp_path / "repo"
    names = [f"clips/{i:03d}.mp4" for i in range(12)]
    labels = [f"class_{i % 3}" for i in range(12)]
    metadata_folder(root, names, labels)
    calls = counting_resolutions(monkeypatch)
    # the reference: one builder's resolution, and the rows datasets itself reads
    datasets.load_dataset_builder(str(root), cache_dir=str(tmp_path / "reference"))
    once = calls[0]
    assert once > 0
    reference = datasets.load_dataset(str(root), cache_dir=str(tmp_path / "reference"))["train"]
    reference = reference.cast_column("video", datasets.Video(decode=False))
    rows = [(row["video"]["path"], row["label"]) for row in reference]
    assert [path for path, _ in rows] == [str(root / "train" / name) for name in names]

    calls[0] = 0
    data = load_video_dataset(root, "hub", cache_dir=str(tmp_path / "cache"))
    assert calls[0] == once
    train, classes = data.splits["train"], data.label_spaces["label"]
    assert [(example["video"]["path"], classes[example["label"]]) for example in train] == rows

    calls[0] = 0
    stream = open_streaming_dataset(str(root), cache_dir=str(tmp_path / "stream")).split("train")
    assert calls[0] == once
    streamed = stream.dataset.cast_column("video", datasets.Video(decode=False))
    assert [(row["video"]["path"], row["label"]) for row in streamed] == rows
