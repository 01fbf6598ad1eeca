# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""A local metadata folder read whole (`--dataset_format hub`) is shared out between processes by position, and
machines that each read their own copy compare `examples_digest` before training. `datasets` gives its clips by
absolute path, which the digest names by `<folder>/<file>` (the copies lie at other paths): copies listing
`indoor/cat/0.mp4` and `outdoor/cat/0.mp4` in the other order had one digest (same labels), and each machine trained
on other clips at the same positions without a word. A checkpoint recorded by an earlier version still resumes."""

import csv

import pytest

from vivit_hf.training.data import load_video_dataset
from vivit_hf.training.data.examples import earlier_examples_digest, examples_digest

datasets = pytest.importorskip("datasets")


def two_copies(tmp_path):
    """Copies `one` and `two` of a metadata folder whose `train/indoor/cat/0.mp4` and `train/outdoor/cat/0.mp4` are
    other clips (no clip is decoded: the digest reads none), listed in the other order; then `dog/1.mp4`."""
    copies = []
    for name, places in (("one", ("indoor", "outdoor")), ("two", ("outdoor", "indoor"))):
        root = tmp_path / name
        for place, clip in (("indoor", "cat/0.mp4"), ("outdoor", "cat/0.mp4"), ("indoor", "dog/1.mp4")):
            (root / "train" / place / clip).parent.mkdir(parents=True, exist_ok=True)
            (root / "train" / place / clip).write_bytes(f"{place}/{clip}".encode())
        rows = [(f"{place}/cat/0.mp4", "cat") for place in places] + [("indoor/dog/1.mp4", "dog")]
        with open(root / "train" / "metadata.csv", "w", newline="") as f:
            csv.writer(f).writerows([("file_name", "label"), *rows])
        copies.append(root)
    return copies


def whole(folder, cache):
    return load_video_dataset(str(folder), "hub", cache_dir=str(cache)).split("train")


def contents(split) -> list[bytes]:
    return [open(e["video"]["path"] if isinstance(e["video"], dict) else e["video"], "rb").read() for e in split]


def test_copies_listing_like_named_clips_of_other_folders_in_another_order_have_other_digests(tmp_path):
    one, two = two_copies(tmp_path)
    first, second = whole(one, tmp_path / "c1"), whole(two, tmp_path / "c2")
    # the reference: the copies hold other clips at the same positions, under the same labels
    assert contents(first) != contents(second)
    assert [e["label"] for e in first] == [e["label"] for e in second]
    assert examples_digest(first) != examples_digest(second)
    assert examples_digest(first) == examples_digest(whole(one, tmp_path / "c3"))  # the same copy: the same digest


def test_a_checkpoint_recorded_on_like_named_clips_by_an_earlier_version_still_resumes(tmp_path):
    from vivit_hf.training.finetune import check_resume_clips

    one, two = two_copies(tmp_path)
    first, second = whole(one, tmp_path / "c1"), whole(two, tmp_path / "c2")
    # the reference: the digest earlier versions recorded, of each clip's `<folder>/<file>` and label
    named = [{"video": "", "id": i, "label": e["label"]} for i, e in zip(["cat/0.mp4"] * 2 + ["dog/1.mp4"], first)]
    recorded = examples_digest(named)
    assert earlier_examples_digest(first) == recorded
    assert check_resume_clips(recorded, examples_digest(first), earlier_examples_digest(first)) == []
    with pytest.raises(ValueError, match="not the one it was trained on"):
        check_resume_clips(examples_digest(first), examples_digest(second), earlier_examples_digest(second))
