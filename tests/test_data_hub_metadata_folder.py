# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""A local videofolder whose `metadata.csv` names its clips, whole and streamed: its data files are resolved once
(at Kinetics scale most of the load), and a row names its clip whichever Unicode form the file name is in."""

import gc
import logging
import os
import unicodedata
from pathlib import Path, PurePath

import pytest

from vivit_hf.training.data.examples import DatasetFormatError
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


def test_a_local_folder_is_walked_once_per_pattern_root_not_once_per_split_pattern(tmp_path, monkeypatch):
    """datasets' `load_dataset_builder` globs a local folder once per split pattern it tries (46 for `train/` +
    `validation/`), each glob a `stat` of every file below: 1.01 million for 22 002 files, 11.5 s of a 15.9 s load. The
    folder's walks are shared now (44 thousand stats, 4.7 s of 9.3 s), and the builder is datasets' own: the same data
    files in the same order, config, hash and cache folder."""
    from fsspec.implementations.local import LocalFileSystem

    from vivit_hf.training.data.hub_files import builder_once

    root = tmp_path / "repo"
    names = [f"clips/{i // 10}/{i:03d}.mp4" for i in range(30)]
    metadata_folder(root, names, [f"class_{i % 3}" for i in range(30)])
    (root / "validation").mkdir()
    (root / "validation" / "v.mp4").write_bytes(b"\0" * 16)
    (root / "validation" / "metadata.csv").write_text("file_name,label\nv.mp4,class_0\n", encoding="utf-8")
    entries = sum(1 for _ in root.rglob("*"))
    stats, info = [0], LocalFileSystem.info

    def counted(self, *args, **kwargs):
        stats[0] += 1
        return info(self, *args, **kwargs)

    monkeypatch.setattr(LocalFileSystem, "info", counted)
    find = LocalFileSystem.find
    reference = datasets.load_dataset_builder(str(root), cache_dir=str(tmp_path / "cache"))
    assert stats[0] > 20 * entries  # datasets' own: a walk per pattern

    stats[0] = 0
    builder = builder_once(str(root), None, None, str(tmp_path / "cache"))()
    assert stats[0] <= 3 * entries, f"{stats[0]} stats of {entries} entries"
    assert LocalFileSystem.find is find  # fsspec's own again after the builder

    def files(data_files):
        return {str(split): ([str(f) for f in files], files.origin_metadata) for split, files in data_files.items()}

    assert files(builder.config.data_files) == files(reference.config.data_files)
    assert len(builder.config.data_files["train"]) == 31
    assert (builder.name, builder.config_id, builder.hash, builder.cache_dir) == (
        reference.name,
        reference.config_id,
        reference.hash,
        reference.cache_dir,
    )


@pytest.mark.parametrize("under", ["plain", ".dotted/__special__"])
def test_datasets_matches_each_file_to_its_split_without_parsing_it_per_pattern(tmp_path, monkeypatch, under):
    """After the shared walk, `datasets`' resolution of a 22 002-file folder still parsed every file's path for each
    pattern it matched (its name twice by `xbasename`, its parts by two `PurePath`s: is it `.hidden` or in a
    `__special__` folder?) and asked each file's `stat` through a pool of threads, 17 times the `stat`s' cost: 16.8 s
    of a class-folder layout's builder at 20 000 clips, now 9.8 s. The folder checks run only where the path or the
    pattern may hold such a part (here: hidden and special files, and a folder below a dotted one); the data files,
    their order, origin metadata, config, hash, cache folder and rows are datasets' own."""
    import datasets.data_files as data_files

    from vivit_hf.training.data.hub_files import builder_once

    root = tmp_path / under / "repo"
    for split, count in (("train", 6), ("validation", 3)):
        for i in range(count):
            (root / split / f"class_{i % 3}").mkdir(parents=True, exist_ok=True)
            (root / split / f"class_{i % 3}" / f"-abc_{i:06d}_{i + 10:06d}.mp4").write_bytes(b"\0")
    for odd in ("train/.hidden/class_0/h.mp4", "train/class_1/.h.mp4", "train/__special__/class_2/s.mp4"):
        (root / odd).parent.mkdir(parents=True, exist_ok=True)
        (root / odd).write_bytes(b"\0")
    reference = datasets.load_dataset_builder(str(root), cache_dir=str(tmp_path / "cache"))
    rows = datasets.load_dataset(str(root), cache_dir=str(tmp_path / "reference"))

    checks, pools = [0], [0]
    for name in (
        "_is_inside_unrequested_special_dir",
        "_is_unrequested_hidden_file_or_is_inside_unrequested_hidden_dir",
    ):
        check = getattr(data_files, name)
        monkeypatch.setattr(
            data_files, name, lambda *args, check=check: checks.__setitem__(0, checks[0] + 1) or check(*args)
        )
    thread_map = data_files.thread_map
    monkeypatch.setattr(
        data_files, "thread_map", lambda *a, **k: pools.__setitem__(0, pools[0] + 1) or thread_map(*a, **k)
    )
    patched = {name: getattr(data_files, name) for name in ("xbasename", "_get_origin_metadata")}
    builder = builder_once(str(root), None, None, str(tmp_path / "cache"))()
    assert {name: getattr(data_files, name) for name in patched} == patched  # datasets' own again after the builder
    assert gc.isenabled()  # collecting again after the builder
    if under == "plain":
        # only the 3 hidden and special files are checked, twice each per resolution of their split's pattern (46
        # checks of the 12 files before), and no pool of threads is started for the `stat`s (2 before)
        assert 0 < checks[0] <= 3 * 2 * 2, checks[0]
    assert pools[0] == 0

    def files(data_files):
        return {str(split): ([str(f) for f in files], files.origin_metadata) for split, files in data_files.items()}

    assert files(builder.config.data_files) == files(reference.config.data_files)
    assert [len(files) for files in builder.config.data_files.values()] == [6, 3]
    assert (builder.config_id, builder.hash, builder.cache_dir) == (
        reference.config_id,
        reference.hash,
        reference.cache_dir,
    )
    data = load_video_dataset(root, "hub", cache_dir=str(tmp_path / "ours"))
    for split, examples in data.splits.items():
        names = data.label_spaces["label"]
        expected = rows[split].cast_column("video", datasets.Video(decode=False))
        expected_names = expected.features["label"].names
        assert [(e["video"]["path"], names[e["label"]]) for e in examples] == [
            (row["video"]["path"], expected_names[row["label"]]) for row in expected
        ]


@pytest.mark.parametrize("on_disk, in_metadata", [("NFC", "NFD"), ("NFD", "NFC")])
def test_a_row_names_its_clip_in_either_unicode_form_whole_and_streamed(tmp_path, caplog, on_disk, in_metadata):
    """macOS writes names decomposed (NFD), most tools composed (NFC): a metadata file naming `über_0.mp4` in one
    form and the file in the other left the clip out, warned of as both "not on disk" and "in no row"."""
    root = tmp_path / "repo"
    metadata_folder(root, [unicodedata.normalize(on_disk, "über_0.mp4"), "plain_1.mp4"], ["a", "b"])
    metadata = root / "train" / "metadata.csv"
    metadata.write_text(unicodedata.normalize(in_metadata, metadata.read_text("utf-8")), encoding="utf-8")
    # the reference: the files the folder holds, by their names on disk
    clips = sorted(str(path) for path in (root / "train").glob("*.mp4"))
    assert unicodedata.normalize(on_disk, "über_0.mp4") in {name.rpartition("/")[2] for name in clips}
    with caplog.at_level(logging.WARNING):
        data = load_video_dataset(root, "hub", cache_dir=str(tmp_path / "cache"))
        whole = sorted(example["video"]["path"] for example in data.splits["train"])
        stream = open_streaming_dataset(str(root), cache_dir=str(tmp_path / "stream"))
        streamed = stream.split("train").dataset.cast_column("video", datasets.Video(decode=False))
        streamed = sorted(row["video"]["path"] for row in streamed)
    assert whole == clips and streamed == clips
    assert data.missing.get("train", 0) == 0 and stream.missing.get("train", 0) == 0
    assert not [r for r in caplog.records if "not on disk" in r.getMessage() or "in no row" in r.getMessage()]


@pytest.mark.parametrize("streamed", [False, True], ids=["whole", "streamed"])
@pytest.mark.parametrize("written", ["absolute", "../train/clips/001.mp4"])
def test_a_row_naming_its_clip_outside_the_metadata_folder_is_refused_naming_the_line_and_the_path_to_write(
    tmp_path, streamed, written
):
    """A metadata.csv whose `file_name` is the clip's absolute path (a script's `str(path)`) or leads out of its
    folder with '..': datasets refuses the row as it reads it, and the whole read ended in its bare
    "DatasetGenerationError: An error occurred while generating the dataset", the stream in a traceback. One line
    now, naming the file, its line and the path to write, the clip's below the metadata file's folder."""
    root = tmp_path / "repo"
    metadata_folder(root, ["clips/000.mp4", "clips/001.mp4"], ["a", "b"])
    metadata = root / "train" / "metadata.csv"
    clip = str(root / "train" / "clips" / "001.mp4") if written == "absolute" else written
    metadata.write_text(metadata.read_text().replace("clips/001.mp4", clip), encoding="utf-8")
    with pytest.raises(DatasetFormatError) as refused:
        if streamed:
            open_streaming_dataset(str(root), cache_dir=str(tmp_path / "cache"))
        else:
            load_video_dataset(root, "hub", cache_dir=str(tmp_path / "cache"))
    assert str(refused.value) == (
        f"--dataset_format hub: train/metadata.csv (in {root}) line 3 names its clip {clip!r}, which datasets "
        "refuses: it reads each `file_name` as a relative path below the folder the metadata file is in (no "
        f"absolute path, '..' out of it, or URL); write 'clips/001.mp4', its path below {root / 'train'}"
    )


@pytest.mark.parametrize(
    "splits, empty, streamed",
    [
        (["train"], "train", False),
        (["train", "validation"], "train", False),
        (["train", "validation"], "validation", False),
        (["train", "validation"], "train", True),
        (["train", "validation"], "validation", True),
    ],
)
def test_a_split_whose_every_clip_is_missing_is_refused_saying_so(tmp_path, splits, empty, streamed):
    """A metadata.csv naming `CLIPS/0.mp4` where the folder is `clips/`: every clip missing, a split of none.
    finetune.py said of such a training split "cannot hold out 10% of 0 clips for evaluation: every class has one
    clip" (no evaluation split), or beside one, after loading the model and decoding the evaluation clips, "none of the
    0 training clips ... could be decoded: every one is unreadable (the first: none)", exit 1; such an evaluation split
    ended the run after its training in a `torch.cat(): expected a non-empty list of Tensors` traceback, streamed
    too."""
    import contextlib

    from accelerate import PartialState

    from vivit_hf.training import finetune

    PartialState()  # (accelerate's logger: the missing clips are said)
    root = tmp_path / "repo"
    root.mkdir()
    for split in splits:  # (`metadata_folder` writes a `train/`)
        metadata_folder(tmp_path / split, ["clips/0.mp4", "clips/1.mp4"], ["a", "b"])
        (tmp_path / split / "train").rename(root / split)
    metadata = root / empty / "metadata.csv"
    metadata.write_text(metadata.read_text().replace("clips/", "CLIPS/"), encoding="utf-8")

    class OneProcess:
        main_process_first = contextlib.nullcontext

    flags = ["--dataset", str(root), "--dataset_format", "hub", "--cache_dir", str(tmp_path / "c")]
    args = finetune.parse_args(flags + ["--streaming"] * streamed)
    with pytest.raises(DatasetFormatError) as refused:
        finetune.load_data(args, None if streamed else OneProcess())
    use = "to train on" if empty == "train" else "to evaluate"
    assert str(refused.value) == (
        f"split {empty!r} of {root} holds no clip {use}: each of the 2 clips it names is missing (named above)"
    )


def test_two_clips_whose_names_differ_only_in_unicode_form_are_read_as_named_and_a_row_naming_neither_refused(
    tmp_path, caplog
):
    """A folder holding a name composed and decomposed (two files on Linux), each named exactly by its row, was read
    whole before names were matched under NFC, and was then refused; a row naming neither form reads as either."""
    composed, decomposed = (unicodedata.normalize(form, "\u00fc\u00f6_0.mp4") for form in ("NFC", "NFD"))
    mixed = "\u00fc" + unicodedata.normalize("NFD", "\u00f6") + "_0.mp4"  # a third form of the same name
    assert len({composed, decomposed, mixed}) == 3
    root = tmp_path / "repo"
    metadata_folder(root, [composed, decomposed], ["a", "b"])
    # the reference: each file by its name on disk, with its row's label
    expected = sorted([(str(root / "train" / composed), "a"), (str(root / "train" / decomposed), "b")])
    data = load_video_dataset(root, "hub", cache_dir=str(tmp_path / "cache"))
    names = data.label_names
    whole = sorted((example["video"]["path"], names[example["label"]]) for example in data.splits["train"])
    stream = open_streaming_dataset(str(root), cache_dir=str(tmp_path / "stream"))
    rows = stream.split("train").dataset.cast_column("video", datasets.Video(decode=False))
    streamed = sorted((row["video"]["path"], row["label"]) for row in rows)
    assert whole == expected and [path for path, _ in streamed] == [path for path, _ in expected]
    # a row naming one of them leaves the other in no row, said so
    (root / "train" / "metadata.csv").write_text(f"file_name,label\n{composed},a\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        load_video_dataset(root, "hub", cache_dir=str(tmp_path / "cache1"))
    assert [r for r in caplog.records if "in no row" in r.getMessage() and decomposed in r.getMessage()]
    (root / "train" / "metadata.csv").write_text(f"file_name,label\n{mixed},a\n", encoding="utf-8")
    for read in (
        lambda: load_video_dataset(root, "hub", cache_dir=str(tmp_path / "cache2")),
        lambda: open_streaming_dataset(str(root), cache_dir=str(tmp_path / "stream2")),
    ):
        with pytest.raises(DatasetFormatError, match="Unicode form") as refused:
            read()
        assert repr(str(root / "train" / composed)) in str(refused.value)
        assert repr(str(root / "train" / decomposed)) in str(refused.value)


def test_a_metadata_folders_clips_are_named_by_their_path_in_it_whole_and_streamed_wherever_it_lies(tmp_path):
    """Its clips were named by their absolute path (`/data/k400/train/clips/0.mp4`) in predictions.jsonl and skip
    messages: the ids changed with the machine and the folder's place, where `videofolder` names them
    `train/cat/0.mp4`. The digest a resume or an evaluation compares stays the one main recorded."""
    import hashlib
    import shutil
    from pathlib import PurePath

    from test_data_hub_clip_ids import streamed_ids

    from vivit_hf.training.data.examples import examples_digest
    from vivit_hf.training.data.formats import example_ids

    names = [f"clips/{i}.mp4" for i in range(4)]
    metadata_folder(tmp_path / "a" / "repo", names, ["sit", "stand"] * 2)
    copy = tmp_path / "elsewhere" / "k400"
    shutil.copytree(tmp_path / "a" / "repo", copy)
    for root in (tmp_path / "a" / "repo", copy):
        # the reference: the files on disk, by their path below the folder, in the metadata's order
        on_disk = [path.relative_to(root).as_posix() for path in sorted((root / "train").rglob("*.mp4"))]
        assert on_disk == [f"train/{name}" for name in names]
        data = load_video_dataset(root, "hub", cache_dir=str(tmp_path / "cache" / root.name))
        assert example_ids(data.splits["train"]) == on_disk
        assert [example["id"] for example in data.splits["train"]] == on_disk
        assert sorted(streamed_ids(root, str(tmp_path / "stream" / root.name))) == on_disk
        # the digest main took: each absolute path by its last two parts (`examples_digest`'s rule), with its label's
        # id (the names numbered in sorted order)
        assert data.label_names == ["sit", "stand"]
        reference = datasets.load_dataset(str(root), cache_dir=str(tmp_path / "ref" / root.name))["train"]
        reference = reference.cast_column("video", datasets.Video(decode=False))
        digest = hashlib.sha256()
        for row in reference:
            digest.update(
                f"{'/'.join(PurePath(row['video']['path']).parts[-2:])}\t{data.label_names.index(row['label'])}\n".encode()
            )
        assert examples_digest(data.splits["train"]) == f"4:{digest.hexdigest()[:16]}"


def test_a_clip_two_metadata_files_give_other_classes_is_named_with_both_classes(tmp_path, caplog):
    """`train/metadata.csv` gives `a/0.mp4` class `cat`, `train/a/metadata.csv` gives its `0.mp4` class `dog`:
    `datasets` reads both rows, the clip is trained as both classes (and scored wrong under one), and the warning
    said only that it was listed twice. One listed twice under one class is not named so."""
    metadata_folder(tmp_path / "two", ["a/0.mp4", "1.mp4"], ["cat", "dog"])
    (tmp_path / "two" / "train" / "a" / "metadata.csv").write_text("file_name,label\n0.mp4,dog\n")
    metadata_folder(tmp_path / "one", ["a/0.mp4", "1.mp4"], ["dog", "cat"])
    (tmp_path / "one" / "train" / "a" / "metadata.csv").write_text("file_name,label\n0.mp4,dog\n")
    said = {}
    for name in ("two", "one"):
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            data = load_video_dataset(str(tmp_path / name), "hub", cache_dir=str(tmp_path / f"c_{name}"))
        # the reference: both rows are read, the clip under each metadata file's class
        train = data.split("train")
        rows = sorted((str(e["id"]), data.label_names[e["label"]]) for e in train)
        classes = [label for clip, label in rows if clip == "train/a/0.mp4"]
        assert classes == (["cat", "dog"] if name == "two" else ["dog", "dog"]) and len(rows) == 3
        said[name] = [r.getMessage() for r in caplog.records if "under different classes" in r.getMessage()]
    assert len(said["two"]) == 1, said
    assert any(f"a/0.mp4' ({pair})" in said["two"][0] for pair in ("'cat', 'dog'", "'dog', 'cat'")), said
    assert said["one"] == []


def test_a_split_of_several_metadata_files_gives_its_rows_in_one_order_whatever_the_hash_seed(tmp_path):
    """`datasets` keeps a split's metadata files in a set: their rows came in an order of the process's string hashes
    (`PYTHONHASHSEED`, another in every process), so processes sharing a stream out by position read some rows twice
    and others never, with one digest. They now come in the order of the files' paths. The layout is picked so that
    this process's set order is not that order (the reference: `datasets`' own builder, unwrapped)."""
    import csv

    for folder in (f"{letter}{n}" for n in range(20) for letter in "bk"):
        root = tmp_path / folder
        metadata_folder(root, ["x/0.mp4", "1.mp4"], ["cat", "dog"])
        (root / "train" / "x" / "metadata.csv").write_text("file_name,label\n0.mp4,dog\n")
        builder = datasets.load_dataset_builder(str(root), cache_dir=str(tmp_path / "raw" / folder))
        raw = builder._split_generators(datasets.DownloadManager())[0].gen_kwargs["metadata_files"]
        if list(raw) != sorted(raw, key=lambda entry: tuple(map(str, entry))):
            break
    else:
        pytest.skip("no layout whose metadata files this process's hashes put out of order")
    tables = sorted([root / "train" / "metadata.csv", root / "train" / "x" / "metadata.csv"], key=str)
    expected = []  # the reference: each file's rows, the files in the order of their paths
    for table in tables:
        with open(table, newline="") as f:
            expected += [
                (f"{table.parent.relative_to(root).as_posix()}/{row['file_name']}", row["label"])
                for row in csv.DictReader(f)
            ]
    whole = load_video_dataset(str(root), "hub", cache_dir=str(tmp_path / "c_whole"))
    assert [(e["id"], whole.label_names[e["label"]]) for e in whole.split("train")] == expected
    stream = open_streaming_dataset(str(root), cache_dir=str(tmp_path / "c_stream")).split("train")
    rows = [(row["video"]["path"], row["label"]) for row in stream.dataset]
    assert [(str(PurePath(path).relative_to(root).as_posix()), label) for path, label in rows] == expected


def test_a_stream_of_a_metadata_folder_pickles_as_its_workers_get_it(tmp_path):
    """A streamed split's DataLoader workers get it by pickle (they start from a fork server): the builder's
    metadata-order wrapper was a closure, and every streamed run of a metadata folder with workers failed at its
    first batch, "Can't pickle local object 'metadata_files_in_order.<locals>.in_order'". The reference: the rows
    the split gives here."""
    import pickle

    metadata_folder(tmp_path, ["x/0.mp4", "1.mp4"], ["cat", "dog"])
    (tmp_path / "train" / "x" / "metadata.csv").write_text("file_name,label\n0.mp4,dog\n")
    stream = open_streaming_dataset(str(tmp_path), cache_dir=str(tmp_path / "c")).split("train")
    rows = [(row["video"]["path"], row["label"]) for row in stream.dataset]
    copy = pickle.loads(pickle.dumps(stream.dataset))
    assert [(row["video"]["path"], row["label"]) for row in copy] == rows


def _old_refuse_split_words_in_class_names(root, data_files, *_):
    """`hub_refusals._refuse_split_words_in_class_names` as it was before its per-folder `place_of` (the reference):
    each clip's path made relative with `Path.relative_to` and placed on its own."""
    from pathlib import Path

    from vivit_hf.training.data.examples import quoted
    from vivit_hf.training.data.folders import SPLIT_ALIASES, VIDEO_EXTENSIONS, place_of

    splits_of = {}
    for split, files in data_files.items():
        for file in files:
            path = Path(str(file))
            if "://" in str(file) or path.suffix.lower() not in VIDEO_EXTENSIONS:
                continue
            try:
                relative = Path(os.path.abspath(path)).relative_to(os.path.abspath(root))
            except ValueError:
                continue
            splits_of.setdefault(relative.as_posix(), []).append(SPLIT_ALIASES.get(str(split), str(split)))
    misread = {r: s for r, s in splits_of.items() if len(s) > 1 or s[0] != place_of(Path(r)).split}
    if not misread:
        return
    folders = sorted({Path(relative).parent.as_posix() for relative in misread})
    examples = [
        f"'{relative}' ({splits[0] + ' twice' if len(set(splits)) == 1 and len(splits) > 1 else ' and '.join(splits)})"
        for relative, splits in list(misread.items())[:3]
    ]
    raise DatasetFormatError(
        f"--dataset_format hub: datasets' split patterns match split words in the names of folders of {root} that "
        f"are not split folders ({quoted(folders)}) and would put {len(misread)} clip(s) in another split than their "
        f"split folder's or in two splits (training clips would be scored), e.g. {', '.join(examples)}; read these "
        "class folders with --dataset_format videofolder (which takes the split from the split folders), or rename "
        "them"
    )


def _old_cache_version(folder) -> str:
    """The version `local_folder_cache_dir` named before it asked each file's status once: `is_file`, then
    `file_key`, per file (the reference for the key's meaning)."""
    import hashlib
    import json

    from vivit_hf.processing.video_sources import file_key
    from vivit_hf.training.data.folders import VIDEO_EXTENSIONS, walk_folder

    files = []
    for dirpath, filenames in walk_folder(folder):
        for path in (dirpath / filename for filename in filenames):
            key = file_key(path) if path.is_file() else None
            if key is None:
                continue
            name, (_, size, mtime, _, _) = path.relative_to(folder).as_posix(), key
            video = path.suffix.lower() in VIDEO_EXTENSIONS
            files.append((name, size, mtime) if video else (name, hashlib.sha256(path.read_bytes()).hexdigest()))
    return hashlib.sha256(json.dumps([str(folder.resolve()), sorted(files)]).encode()).hexdigest()[:16]


class _NoListingsKept:  # `folders._KEPT_LISTINGS` that keeps nothing: every `files_below` walks, as before
    def get(self):
        return None

    def set(self, value):
        return None

    def reset(self, token):
        pass


def _awkward_folders(tmp_path):
    """The cases the hub tests read: split folders under a wrapper and named by a word (`val2017`), an NFD class
    name, a clip whose symlink points nowhere, hidden files, a companion text file; a metadata folder with a row of
    an absent clip, a row naming its clip in the other Unicode form and a clip in no row; class folders whose names
    hold split words."""
    classes = tmp_path / "classes"
    for split in ("k400/train", "k400/val2017"):
        for name in ("cat", unicodedata.normalize("NFD", "über"), "dog 2"):
            for i in range(2):
                (classes / split / name).mkdir(parents=True, exist_ok=True)
                (classes / split / name / f"{split[5:7]}{i}.mp4").write_bytes(bytes([i]) * 16)
    (classes / "k400/train/cat/gone.mp4").symlink_to(tmp_path / "nowhere.mp4")
    (classes / "k400/train/cat/.hidden.mp4").write_bytes(b"\0" * 16)
    (classes / "k400/train/._cat.mp4").write_bytes(b"\0" * 16)
    (classes / "k400/notes.txt").write_text("notes")
    metadata = tmp_path / "metadata"
    names = ["a.mp4", unicodedata.normalize("NFD", "über_0.mp4"), "absent.mp4"]
    metadata_folder(metadata, names, ["x", "y", "x"])
    (metadata / "train" / "absent.mp4").unlink()
    (metadata / "train" / "unlisted.mp4").write_bytes(b"\0" * 16)
    text = (metadata / "train" / "metadata.csv").read_text("utf-8")
    (metadata / "train" / "metadata.csv").write_text(unicodedata.normalize("NFC", text), encoding="utf-8")
    refused = tmp_path / "refused"
    for split in ("train", "validation"):
        for name in ("cat", "board dev", "crash_test"):
            (refused / split / name).mkdir(parents=True)
            (refused / split / name / f"{split[:2]}.mp4").write_bytes(b"\0" * 16)
    return classes, metadata, refused


def test_a_read_sharing_one_walk_gives_the_answers_and_cache_key_of_one_walk_per_question(tmp_path, monkeypatch):
    """At 20 000 clips `load_hub` walked its folder 4 times (the cache key's walk, `files_below` 3 times), placed
    every clip in its split on its own (`place_of`) and asked each file's status twice for the cache key: 4.6 s of
    our own work of 9.0 s under the profiler, now 1.5 s of 6.9 s. One walk now serves the whole read; the examples,
    labels, ids, their order, what is counted missing, the warnings, the refusals and the cache key are the
    per-question code's."""
    from vivit_hf.training.data import folders, hub_datasets, hub_refusals

    def read(root, cache):
        try:
            data = load_video_dataset(root, "hub", cache_dir=str(cache))
        except DatasetFormatError as error:
            return str(error)
        examples = {
            split: [(e["video"]["path"], e["label"], e["id"]) for e in rows] for split, rows in data.splits.items()
        }
        return examples, data.label_spaces, data.missing

    def read_warned(root, cache) -> list:
        warned = []
        with pytest.MonkeyPatch.context() as m:
            m.setattr(logging.getLogger("vivit_hf.training.data.formats"), "warning", lambda *a: warned.append(a))
            return [read(root, cache), *warned]

    roots = _awkward_folders(tmp_path)
    walks, walk = [], os.walk
    monkeypatch.setattr(os, "walk", lambda *a, **k: walks.append(a) or walk(*a, **k))
    new = {root: read_warned(root, tmp_path / "cache") for root in roots}
    assert len(walks) == len(roots)  # one walk per read, shared by its cache key (was 4, 4, 2)
    monkeypatch.setattr(os, "walk", walk)
    assert [isinstance(new[root][0], str) for root in roots] == [False, False, True]
    assert new[roots[1]][0][2] == {"train": 1}  # the absent clip counted
    assert any("nowhere" in str(warning) for warning in new[roots[0]])  # the dangling clip named
    assert folders._KEPT_LISTINGS.get() is None  # nothing kept past the read: a changed folder is walked again
    monkeypatch.setattr(folders, "_KEPT_LISTINGS", _NoListingsKept())
    monkeypatch.setattr(hub_refusals, "_refuse_split_words_in_class_names", _old_refuse_split_words_in_class_names)
    for root in roots:
        assert read_warned(root, tmp_path / "cache_old") == new[root]
        assert Path(hub_datasets.local_folder_cache_dir(root, str(tmp_path / "c"))).name == _old_cache_version(root)


def test_class_folders_beside_a_metadata_file_of_captions_are_refused_saying_why_they_name_no_class(tmp_path):
    """`train/cat/0.mp4`, `train/dog/1.mp4` with a `train/metadata.csv` of `file_name, caption`: `datasets`' own
    videofolder takes no class from the folders where a metadata file is there (its features are video and caption
    alone, the reference), and the refusal said only "need a label column ... found ['video', 'caption']", the class
    folders in plain view. It now says why, naming the metadata file and the two ways to give the classes."""
    root = tmp_path / "repo"
    for name in ("cat/0.mp4", "dog/1.mp4"):
        (root / "train" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "train" / name).write_bytes(b"\0" * 16)
    (root / "train" / "metadata.csv").write_text("file_name,caption\ncat/0.mp4,a cat\ndog/1.mp4,a dog\n")
    reference = datasets.load_dataset(str(root), cache_dir=str(tmp_path / "ref_cache"))
    assert list(reference["train"].features) == ["video", "caption"]
    why = r"names no class after the folders .*\(train/metadata\.csv, giving 'caption'\).*--dataset_format videofolder"
    for read in (load_video_dataset, lambda root, fmt: open_streaming_dataset(str(root))):
        with pytest.raises(DatasetFormatError, match=why):
            read(root, "hub")


def test_class_folders_under_a_card_dropping_labels_are_refused_naming_the_card_s_setting(tmp_path):
    """`train/cat/0.mp4`, `train/dog/1.mp4` under a card whose `configs:` set `drop_labels: true`: `datasets` reads no
    class (the reference), and the refusal sent the user to the folders ("names the classes after the folders only
    when there are two or more, all at the same depth"), which are right; it names the card's setting now."""
    root = tmp_path / "repo"
    for name in ("cat/0.mp4", "dog/1.mp4"):
        (root / "train" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "train" / name).write_bytes(b"\0" * 16)
    (root / "README.md").write_text(
        "---\nconfigs:\n- config_name: default\n  drop_labels: true\n  data_files:\n  - split: train\n"
        "    path: train/**\n---\n"
    )
    reference = datasets.load_dataset(str(root), cache_dir=str(tmp_path / "ref_cache"))
    assert list(reference["train"].features) == ["video"]
    with pytest.raises(
        DatasetFormatError, match=r"configuration 'default' sets drop_labels: true.*--dataset_format video"
    ):
        load_video_dataset(root, "hub")


@pytest.mark.parametrize("config", [None, "raw", "main"])
def test_a_card_s_drop_labels_is_named_only_where_the_configuration_read_sets_it(tmp_path, config):
    """A card of two configurations, `default` (one class folder: `datasets` names no class after it) and `raw`
    (`drop_labels: true`): the refusal of the default named `raw`'s setting as the reason (the card's whole text was
    searched); it gives the folders' rule there now, and the setting where `raw` is read. A card whose only
    configuration, `main`, drops labels (its default to `datasets`) was said to be configuration 'default'."""
    root = tmp_path / "repo"
    (root / "train" / "cat").mkdir(parents=True)
    (root / "train" / "cat" / "0.mp4").write_bytes(b"\0" * 16)
    files = "  data_files:\n  - split: train\n    path: train/**\n"
    configs = (
        f"- config_name: main\n  drop_labels: true\n{files}"
        if config == "main"
        else f"- config_name: default\n{files}- config_name: raw\n  drop_labels: true\n{files}"
    )
    (root / "README.md").write_text(f"---\nconfigs:\n{configs}---\n")
    read = None if config == "main" else config  # (`main`: read by default)
    reference = datasets.load_dataset(str(root), read, cache_dir=str(tmp_path / "ref_cache"))
    assert list(reference["train"].features) == ["video"]
    why = f"configuration '{config}' sets drop_labels: true" if config else "names the classes after the folders only"
    with pytest.raises(DatasetFormatError, match=why):
        load_video_dataset(root, "hub", config_name=read)
