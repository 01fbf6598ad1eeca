# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""A local metadata folder read whole (`--dataset_format hub`) is shared out between processes by position, and
machines that each read their own copy compare `examples_digest` before training. `datasets` gives its clips by
absolute path, which the digest names by `<folder>/<file>` (the copies lie at other paths): copies listing
`indoor/cat/0.mp4` and `outdoor/cat/0.mp4` in the other order had one digest (same labels), and each machine trained
on other clips at the same positions without a word. A checkpoint recorded by an earlier version still resumes."""

import csv

import pytest
from test_data_shard_digest import assert_other_clips_have_other_digests, assert_resumes_as_recorded, whole

from vivit_hf.training.data.examples import examples_digest

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


def test_copies_listing_like_named_clips_of_other_folders_in_another_order_have_other_digests(tmp_path):
    assert_other_clips_have_other_digests(*two_copies(tmp_path), tmp_path)


def test_a_checkpoint_recorded_on_like_named_clips_by_an_earlier_version_still_resumes(tmp_path):
    one, two = two_copies(tmp_path)
    first = whole(one, tmp_path / "c1")
    # the reference: the digest earlier versions recorded, of each clip's `<folder>/<file>` and label
    named = [{"video": "", "id": i, "label": e["label"]} for i, e in zip(["cat/0.mp4"] * 2 + ["dog/1.mp4"], first)]
    assert_resumes_as_recorded(examples_digest(named), first, whole(two, tmp_path / "c2"))


def outside_copies(tmp_path):
    """Copies `one` and `two` of a table naming clips outside the data set's folder by absolute path,
    `/.../d1/cat/0.mp4` and `/.../d2/cat/0.mp4` (other clips), in the other order; then `dog/1.mp4`."""
    for place in ("d1", "d2"):
        for clip in ("cat/0.mp4", "dog/1.mp4"):
            (tmp_path / place / clip).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / place / clip).write_bytes(f"{place}/{clip}".encode())
    copies = []
    for name, places in (("one", ("d1", "d2")), ("two", ("d2", "d1"))):
        rows = [(str(tmp_path / place / "cat" / "0.mp4"), "cat") for place in places]
        (tmp_path / name / "data").mkdir(parents=True)
        with open(tmp_path / name / "data" / "train.csv", "w", newline="") as f:
            csv.writer(f).writerows([("video", "label"), *rows, (str(tmp_path / "d1" / "dog" / "1.mp4"), "dog")])
        copies.append(tmp_path / name)
    return copies


def test_copies_listing_like_named_clips_outside_the_folder_in_another_order_have_other_digests(tmp_path):
    """Clips outside the data set's folder are named by their absolute path, which the digest took by its last two
    parts: `d1/cat/0.mp4` and `d2/cat/0.mp4` were both `cat/0.mp4`, and the copies had one digest."""
    assert_other_clips_have_other_digests(*outside_copies(tmp_path), tmp_path)


def test_a_checkpoint_recorded_on_like_named_clips_outside_the_folder_by_an_earlier_version_still_resumes(tmp_path):
    from vivit_hf.training.data.examples import earlier_examples_digests
    from vivit_hf.training.finetune import check_resume_clips

    one, _ = outside_copies(tmp_path)
    first = whole(one, tmp_path / "c1")
    # the reference: the digest the version before recorded, of each clip's `<folder>/<file>` and label
    named = [{"video": "", "id": i, "label": e["label"]} for i, e in zip(["cat/0.mp4"] * 2 + ["dog/1.mp4"], first)]
    assert examples_digest(first) != examples_digest(named)
    assert check_resume_clips(examples_digest(named), examples_digest(first), earlier_examples_digests(first)) == []


def streamed_copy(root, rows):
    """A metadata folder streamed: `rows` of `(file, label)` in `train/metadata.csv`, each clip a file of its name."""
    (root / "train").mkdir(parents=True)
    for clip, _ in rows:
        (root / "train" / clip).write_bytes(clip.encode())
    with open(root / "train" / "metadata.csv", "w", newline="") as f:
        csv.writer(f).writerows([("file_name", "label"), *rows])
    return root


def test_streamed_copies_of_a_metadata_folder_listing_other_clips_or_labels_have_other_digests(tmp_path):
    """A local metadata folder streams as one shard, shared out between processes clip by clip: its digest was of
    the shard count and the clip count alone, so copies listing other clips, other labels or another order agreed."""
    from vivit_hf.training.data.streaming import open_streaming_dataset

    def streamed(root):
        return open_streaming_dataset(str(root), cache_dir=str(root.parent / f"cache_{root.name}")).split("train")

    rows = [("a.mp4", "cat"), ("b.mp4", "dog"), ("c.mp4", "cat")]
    copies = {
        "one": rows,
        "reordered": [rows[1], rows[0], rows[2]],
        "relabelled": [("a.mp4", "dog"), ("b.mp4", "cat"), ("c.mp4", "dog")],
    }
    splits = {name: streamed(streamed_copy(tmp_path / name, copy)) for name, copy in copies.items()}
    # the reference: the copies stream other labels at the same positions
    labels = {name: [row["label"] for row in split.dataset.select_columns(["label"])] for name, split in splits.items()}
    assert len({tuple(v) for v in labels.values()}) == 3
    digests = {name: examples_digest(split) for name, split in splits.items()}
    assert len(set(digests.values())) == 3, digests
    assert digests["one"] == examples_digest(streamed(streamed_copy(tmp_path / "again", rows)))  # the same copy
    lf = streamed_copy(tmp_path / "lf", rows)  # the same rows, written by another tool (`\n`, not csv's `\r\n`)
    table = lf / "train" / "metadata.csv"
    table.write_bytes(table.read_bytes().replace(b"\r\n", b"\n"))
    assert digests["one"] == examples_digest(streamed(lf))
    # a checkpoint of an earlier version recorded the digest of the counts alone (what main's code gave): resumed
    assert_resumes_as_recorded("3 clips in 1 shard:e9d5d7367323531b", splits["one"], splits["reordered"])


def test_the_digest_names_every_path_as_pathlib_parts_them():
    """`path_keys` parsed every id with pathlib twice: Kinetics' 240 000 training clips took 5-6 s of every process's
    start (13 s for the whole digest on a busy CPU; and again for a resume's earlier digests). A plain absolute POSIX
    path is now split on `/` as pathlib splits it; every other (`//`, `/./`, a trailing `/`, relative ids, URLs) is
    still pathlib's. The parts, and so the keys, are pathlib's for paths of every such shape (the speed, 0.2-0.3 of
    pathlib's time, is a measurement, not a timed test: the project times nothing in tests)."""
    import itertools
    from pathlib import PurePath

    from vivit_hf.training.data.examples import _absolute_parts, path_keys

    shapes = ["/", "//", "/./", "/.", "/..", "a", "b.mp4", ".", "..", "https:", " ", "\\"]
    for size in range(1, 4):
        for key in ("".join(parts) for parts in itertools.product(shapes, repeat=size)):
            path = PurePath(key)
            assert _absolute_parts(key) == (path.parts if path.is_absolute() else None), key
    clips = [f"/data/kinetics/train/class_{i % 400}/clip_{i:07d}.mp4" for i in range(3)]
    assert path_keys(clips) == [f"class_{i}/clip_{i:07d}.mp4" for i in range(3)]
    assert path_keys(["/data1/cat/0.mp4", "/data2/cat/0.mp4"]) == ["data1/cat/0.mp4", "data2/cat/0.mp4"]
