# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""`--dataset_format hub` on each layout video data sets are published in, as a local Hub-style folder, read whole and
streamed: videofolder with metadata.csv / metadata.jsonl, parquet with a Video column (bytes, paths), WebDataset shards
(label in `.cls`, `.json` or `.txt`, found without a flag), Arrow files and a `save_to_disk` folder."""

import csv
import io
import json
import re
import shutil
import sys
import tarfile
from functools import partial
from pathlib import Path

import numpy as np
import pytest
import torch
from test_data_formats import clip

from vivit_hf.training.data.formats import DatasetFormatError, hub_example, load_video_dataset
from vivit_hf.training.data.hub_labels import label_value
from vivit_hf.training.data.streaming import open_streaming_dataset

datasets = pytest.importorskip("datasets")

NAMES = ["sit", "stand"]


@pytest.fixture(autouse=True)
def _empty_working_directory(tmp_path_factory, monkeypatch):
    """Each test runs in an empty working directory of its own. `datasets`' `Video` feature stores a row's
    `{"path": "a.mp4", "bytes": ...}` as the path alone, its bytes dropped, where a file of that name is in the
    working directory: run from a clone holding the README tour's `a.mp4`, the tables these tests write held that
    file's path in place of their clip, and a test comparing the clips' bytes failed."""
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))


def sources(tmp_path: Path, count: int = 3) -> list[Path]:
    """`count` clips in `tmp_path/src`, each written once: a second call returns the same files, not new encodes of
    the same frames. A test compares the clips' bytes with what a layout stored, and an encode is not always
    byte-identical (x264 once gave 2980 bytes where it gives 2793: the webdataset_cls flake, a KeyError on bytes)."""
    paths = [tmp_path / "src" / f"{i}.mp4" for i in range(count)]
    for i, path in enumerate(paths):
        if path.is_file():
            continue
        if i in _ENCODED:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(_ENCODED[i])
        else:
            _ENCODED[i] = clip(path, seed=i).read_bytes()
    return paths


# Each seed's clip, encoded once for the module's tests (~12 ms an encode, ~100 of them): the bytes are copied.
_ENCODED: dict[int, bytes] = {}


def video_bytes(video) -> bytes:
    return (
        video["bytes"]
        if isinstance(video, dict) and video.get("bytes")
        else Path(video["path"] if isinstance(video, dict) else video).read_bytes()
    )


def write_tar(path: Path, samples: list[dict]):
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w") as tar:
        for key, members in samples:
            for extension, data in members.items():
                info = tarfile.TarInfo(f"{key}.{extension}")
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))


def videofolder_csv(tmp_path):
    root = tmp_path / "repo"
    for i, source in enumerate(sources(tmp_path)):
        (root / "train").mkdir(parents=True, exist_ok=True)
        (root / "train" / f"c{i}.mp4").write_bytes(source.read_bytes())
    with open(root / "train" / "metadata.csv", "w", newline="") as f:
        csv.writer(f).writerows([("file_name", "label"), ("c0.mp4", "stand"), ("c1.mp4", "sit"), ("c2.mp4", "stand")])
    return root, NAMES, [1, 0, 1]


def videofolder_jsonl(tmp_path):
    root = tmp_path / "repo"
    rows = []
    for i, (source, label) in enumerate(zip(sources(tmp_path), (2, 10, 11))):
        (root / "train").mkdir(parents=True, exist_ok=True)
        (root / "train" / f"c{i}.mp4").write_bytes(source.read_bytes())
        rows.append(json.dumps({"file_name": f"c{i}.mp4", "label": label}))
    (root / "train" / "metadata.jsonl").write_text("\n".join(rows) + "\n")
    return root, [str(i) for i in range(12)], [2, 10, 11]  # integer labels keep their ids


def parquet(tmp_path, with_bytes: bool):
    root = tmp_path / "repo"
    videos = [
        {"path": None, "bytes": s.read_bytes()} if with_bytes else {"path": str(s), "bytes": None}
        for s in sources(tmp_path)
    ]
    features = datasets.Features({"video": datasets.Video(), "label": datasets.ClassLabel(names=NAMES)})
    (root / "data").mkdir(parents=True)
    datasets.Dataset.from_dict({"video": videos, "label": [1, 0, 1]}, features=features).to_parquet(
        str(root / "data" / "train-00000-of-00001.parquet")
    )
    return root, NAMES, [1, 0, 1]


def webdataset(tmp_path, label_member: str):
    root = tmp_path / "repo"
    labels = [1, 0, 1]
    samples = []
    for i, (source, label) in enumerate(zip(sources(tmp_path), labels)):
        member = {
            # a text file's newline (`echo stand > k.txt`) on all but one: still the one class 'stand', not two
            "cls": (str(label) + ("\n" if i else "")).encode(),
            "json": json.dumps({"label": NAMES[label], "id": f"clip{i}"}).encode(),
            "txt": (NAMES[label] + ("\n" if i else "")).encode(),
        }[label_member]
        samples.append((f"k{i:04d}", {"mp4": source.read_bytes(), label_member: member}))
    write_tar(root / "train-00000.tar", samples)
    return root, (["0", "1"] if label_member == "cls" else NAMES), labels


def arrow(tmp_path, save_to_disk: bool):
    videos = [{"path": None, "bytes": s.read_bytes()} for s in sources(tmp_path)]
    features = datasets.Features({"clip": datasets.Video(), "action": datasets.ClassLabel(names=NAMES)})
    table = datasets.Dataset.from_dict({"clip": videos, "action": [1, 0, 1]}, features=features)
    saved = tmp_path / "saved"
    table.save_to_disk(str(saved))
    if save_to_disk:
        return saved, NAMES, [1, 0, 1]
    root = tmp_path / "repo"
    root.mkdir()
    next(saved.glob("*.arrow")).rename(root / "train-00000-of-00001.arrow")
    return root, NAMES, [1, 0, 1]


LAYOUTS = {
    "videofolder_metadata_csv": videofolder_csv,
    "videofolder_metadata_jsonl": videofolder_jsonl,
    "parquet_video_bytes": lambda tmp: parquet(tmp, with_bytes=True),
    "parquet_video_paths": lambda tmp: parquet(tmp, with_bytes=False),
    "webdataset_cls": lambda tmp: webdataset(tmp, "cls"),
    "webdataset_json": lambda tmp: webdataset(tmp, "json"),
    "webdataset_txt": lambda tmp: webdataset(tmp, "txt"),
    "arrow_files": lambda tmp: arrow(tmp, save_to_disk=False),
    "save_to_disk": lambda tmp: arrow(tmp, save_to_disk=True),
}


def test_the_clips_a_layout_stored_are_the_ones_its_test_compares_with_not_new_encodes(tmp_path, monkeypatch):
    """The webdataset_cls flake: the layout stored one encode of each clip and the test compared with a second encode
    of the same frames, which x264 does not always make byte for byte the same (stood in for here)."""
    stored = [path.read_bytes() for path in sources(tmp_path)]

    def encode_again(path, seed):
        path.write_bytes(b"another encode of seed %d" % seed)
        return path

    monkeypatch.setattr(sys.modules[__name__], "clip", encode_again)
    monkeypatch.setattr(sys.modules[__name__], "_ENCODED", {})  # encoded here, not copied from an earlier test
    assert [path.read_bytes() for path in sources(tmp_path)] == stored


@pytest.mark.parametrize("layout", LAYOUTS)
def test_each_layout_reads_whole_and_streamed_with_labels_found_without_a_flag(tmp_path, layout):
    root, names, labels = LAYOUTS[layout](tmp_path)
    expected = {source.read_bytes(): label for source, label in zip(sources(tmp_path), labels)}

    data = load_video_dataset(str(root), "hub", cache_dir=str(tmp_path / "cache"))
    assert data.label_names == names
    train = data.split("train")
    assert sorted((expected[video_bytes(e["video"])], e["label"]) for e in train) == sorted(zip(labels, labels))

    streamed = open_streaming_dataset(str(root), cache_dir=str(tmp_path / "cache"))
    assert streamed.label_names == names
    split = streamed.split("train")
    assert split.num_examples == 3
    rows = [hub_example(row, split.video_column, split.label_column, split.label_id, "?") for row in split.dataset]
    assert sorted((expected[video_bytes(e["video"])], e["label"]) for e in rows) == sorted(zip(labels, labels))
    if layout == "webdataset_json":
        assert sorted(e["id"] for e in rows) == ["clip0", "clip1", "clip2"]  # the json's id names the clip


def test_a_streamed_row_without_a_label_is_skipped_and_counted_not_taken_for_the_last_class(tmp_path):
    """`ClassLabel`'s -1 means "no label" (Hub test splits carry it): the whole reader leaves such a split out; the
    stream cannot look ahead, so each such row is skipped and counted (valid=False). As a class id, -1 would index
    the last class in a confusion matrix or a one-hot target, silently."""
    from vivit_hf.processing.processing_vivit import ViViTVideoProcessor
    from vivit_hf.training.data.streaming import StreamingVideoDataset

    videos = [{"path": None, "bytes": s.read_bytes()} for s in sources(tmp_path, 4)]
    features = datasets.Features({"clip": datasets.Video(), "action": datasets.ClassLabel(names=NAMES)})
    table = datasets.Dataset.from_dict({"clip": videos, "action": [1, -1, 0, -1]}, features=features)
    table.save_to_disk(str(tmp_path / "saved"))
    split = open_streaming_dataset(str(tmp_path / "saved")).split("train")
    processor = ViViTVideoProcessor(num_frames=2, size={"shortest_edge": 8}, crop_size={"height": 8, "width": 8})
    batches = [b for b in StreamingVideoDataset(split, processor, batch_size=4) if not b.get("end")]
    assert len(batches) == 1
    assert batches[0]["valid"].tolist() == [True, False, True, False]
    assert batches[0]["labels"][batches[0]["valid"]].tolist() == [1, 0]


def test_a_saved_to_disk_column_of_paths_relative_to_where_it_was_built_is_refused_whole_and_streamed(tmp_path):
    """`Dataset.from_dict({"video": ["clips/0.mp4", ...]}).save_to_disk(...)` keeps each path as given, relative to
    the folder it was built in. Read from elsewhere, the whole read refused it naming "row 0 of the tables  gives"
    (a save_to_disk folder has no table file) and where paths in a table are read from, which such a folder is not;
    streamed, nothing was checked: every clip was read from the working directory, skipped as broken an epoch long.
    Both refuse it now in the same line, saying how save_to_disk keeps paths and what to do; run from the folder it
    was built in, both read the clips as before."""
    built = tmp_path / "built"
    clips = sources(built, 2)
    table = datasets.Dataset.from_dict({"video": [f"src/{c.name}" for c in clips], "label": NAMES})
    table.save_to_disk(str(tmp_path / "saved"))
    said = (
        "2 of the 2 clips of split 'train' are found nowhere: row 0 of the split gives 'src/0.mp4', looked for in "
        f"{tmp_path / 'saved'}/ and the working directory (save_to_disk keeps each path as it was given, relative to "
        "the folder the data set was built in: give absolute paths, or cast the column to datasets.Video() before "
        "save_to_disk, which stores each clip's bytes)"
    )
    with pytest.raises(DatasetFormatError, match=re.escape(said)):
        load_video_dataset(str(tmp_path / "saved"), "hub", cache_dir=str(tmp_path / "cache"))
    with pytest.raises(DatasetFormatError, match=re.escape(said)):
        open_streaming_dataset(str(tmp_path / "saved"), cache_dir=str(tmp_path / "cache"))
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(built)
        assert [e["video"] for e in load_video_dataset(str(tmp_path / "saved"), "hub").split("train")] == [
            "src/0.mp4",
            "src/1.mp4",
        ]
        split = open_streaming_dataset(str(tmp_path / "saved")).split("train")
        assert [row["video"] for row in split.dataset] == ["src/0.mp4", "src/1.mp4"]


def test_clips_that_push_to_hub_or_save_to_disk_name_by_one_file_name_are_named_in_a_warning(tmp_path, caplog):
    """`datasets` stores a `Video` column's clips with their file name alone (`push_to_hub`, `save_to_disk`): class
    folders' `cat/0.mp4` and `dog/0.mp4` are both `0.mp4`, and so were their ids in skip messages and
    predictions.jsonl, whose rows the docs join by `video_id`, without a word (such rows are no repeats, which
    `warn_repeated_clips` names). Now named in a warning; a table with an `id` column names its clips by it."""
    clips = sources(tmp_path, 3)
    folders = [tmp_path / "classes" / name / "0.mp4" for name in ("cat", "dog")] + [tmp_path / "classes" / "dog/1.mp4"]
    for source, folder in zip(clips, folders):
        folder.parent.mkdir(parents=True, exist_ok=True)
        folder.write_bytes(source.read_bytes())
    features = datasets.Features({"video": datasets.Video(), "label": datasets.ClassLabel(names=["cat", "dog"])})
    rows = {"video": [str(folder) for folder in folders], "label": [0, 1, 1]}
    datasets.Dataset.from_dict(rows, features=features).save_to_disk(str(tmp_path / "saved"))
    with caplog.at_level("WARNING", logger="vivit_hf.training.data.formats"):
        train = load_video_dataset(str(tmp_path / "saved"), "hub").split("train")
        open_streaming_dataset(str(tmp_path / "saved"))  # (streamed, it said nothing: the same line now)
    assert [e["id"] for e in train] == ["0.mp4", "0.mp4", "1.mp4"]  # (as datasets stored them)
    said = [r.getMessage() for r in caplog.records if "by a file name another clip of it shares" in r.getMessage()]
    assert said == 2 * [
        "split 'train' names 2 clips by a file name another clip of it shares ('0.mp4 x2'): its rows hold each clip's "
        "bytes beside its file name alone (datasets' push_to_hub and save_to_disk store a Video column so, its "
        "folders dropped), so messages and predictions.jsonl name those clips alike and cannot be joined by "
        "video_id; give the table an 'id' column naming each clip"
    ]
    caplog.clear()
    named = {**rows, "id": ["cat/0.mp4", "dog/0.mp4", "dog/1.mp4"]}
    features["id"] = datasets.Value("string")
    datasets.Dataset.from_dict(named, features=features).save_to_disk(str(tmp_path / "named"))
    with caplog.at_level("WARNING", logger="vivit_hf.training.data.formats"):
        train = load_video_dataset(str(tmp_path / "named"), "hub").split("train")
        open_streaming_dataset(str(tmp_path / "named"))
    assert [e["id"] for e in train] == named["id"] and not caplog.records


@pytest.mark.parametrize("name", ["NA", "None"])
def test_a_class_named_as_pandas_missing_values_in_a_metadata_csv_is_refused_saying_why(tmp_path, name):
    """`datasets` reads a metadata.csv with pandas, which reads `NA`, `None`, `null`, `NaN` ... as missing: a class
    of such a name (`NA`, "no action") was refused as "rows without a label", its rows' labels written in the file
    for anyone to see. The refusal now says what a CSV's missing values are, whole and streamed."""
    root, *_ = videofolder_csv(tmp_path)
    (root / "train" / "metadata.csv").write_text(f"file_name,label\nc0.mp4,stand\nc1.mp4,{name}\nc2.mp4,sit\n")
    said = (
        "split 'train' has 1 rows without a label ('label' empty, NaN or -1) among 3, the first row 1; in a CSV "
        "table an empty cell, and a label written NA, N/A, NULL, None, NaN or nan (pandas' missing values, as "
        "datasets reads a CSV), is no label: give each row its class, and a class of such a name another name"
    )
    with pytest.raises(DatasetFormatError, match=re.escape(said)):
        load_video_dataset(str(root), "hub", cache_dir=str(tmp_path / "cache"))
    with pytest.raises(DatasetFormatError, match=re.escape(said)):
        open_streaming_dataset(str(root), cache_dir=str(tmp_path / "cache"))


def test_csv_labels_written_with_leading_zeros_that_datasets_reads_as_integers_are_named(tmp_path, caplog):
    """A metadata.csv of labels `001`, `002`, `010` is read by `datasets` (pandas) as the integers 1, 2, 10: class
    ids (11 outputs), where the same labels as text (class folders, a metadata.jsonl) are the 3 class names `001`...
    The zeros were dropped without a word; the warning now names the file and what to write, whole and streamed.
    Labels written as integers are ids as before, unsaid."""
    root, *_ = videofolder_csv(tmp_path)
    table = root / "train" / "metadata.csv"
    for labels, said in ((("001", "002", "010"), True), (("1", "2", "10"), False)):
        table.write_text("file_name,label\n" + "".join(f"c{i}.mp4,{label}\n" for i, label in enumerate(labels)))
        for read in (load_video_dataset, lambda source, _, **kw: open_streaming_dataset(source, **kw)):
            caplog.clear()
            with caplog.at_level("WARNING", logger="vivit_hf.training.data.formats"):
                data = read(str(root), "hub", cache_dir=str(tmp_path / "cache"))
            assert data.label_names == [str(i) for i in range(11)]
            warned = [r.getMessage() for r in caplog.records if "with a leading zero or sign, which" in r.getMessage()]
            assert warned == (
                [
                    f"{table} writes the labels '001', '002', '010' with a leading zero or sign, which datasets reads "
                    "as the integers '1', '2', '10' (a CSV is read with pandas): they are class ids here (11 outputs), "
                    "where the same labels as text (class folders, a metadata.jsonl) are class names; to keep them "
                    "names, write the table as metadata.jsonl with the labels quoted"
                ]
                if said
                else []
            )
    # a folder of tables (datasets' csv reader): its table's JSON Lines twin, not a metadata.jsonl (no table there)
    tables = tmp_path / "tables"
    shutil.copytree(root / "train", tables / "clips", ignore=shutil.ignore_patterns("*.csv"))
    (tables / "train.csv").write_text("video,label\n" + "".join(f"clips/c{i}.mp4,0{i}\n" for i in range(3)))
    with caplog.at_level("WARNING", logger="vivit_hf.training.data.formats"):
        load_video_dataset(str(tables), "hub", cache_dir=str(tmp_path / "cache"))
    assert "the labels '00', '01', '02' with a leading zero" in caplog.text
    assert "write the table as train.jsonl with the labels quoted" in caplog.text, caplog.text


def test_a_label_column_beside_a_labels_column_is_refused_unless_one_is_named(tmp_path):
    """A table of `label` (the classes meant) beside a `labels` ClassLabel of something else (`indoor`, `outdoor`)
    trained on `labels`, the ClassLabel, without a word. Each giving every row a class, the read is refused naming
    both, whole and streamed; `--label_column` reads the one named, and a `labels` list (multi-label) beside a
    `label` is no second label."""
    videos = [{"path": None, "bytes": s.read_bytes()} for s in sources(tmp_path, 2)]
    features = datasets.Features(
        {
            "video": datasets.Video(),
            "label": datasets.Value("string"),
            "labels": datasets.ClassLabel(names=["in", "out"]),
        }
    )
    rows = {"video": videos, "label": NAMES, "labels": [1, 0]}
    datasets.Dataset.from_dict(rows, features=features).save_to_disk(str(tmp_path / "both"))
    said = (
        "which column of {} holds the label is unclear: 'label', 'labels' each give every row a class (label: string, "
    )
    said += "labels: ClassLabel ['in', 'out']); name the one to train on with --label_column"
    for read in (load_video_dataset, lambda source, _, **kw: open_streaming_dataset(source, **kw)):
        with pytest.raises(DatasetFormatError, match=re.escape(said.format(tmp_path / "both"))):
            read(str(tmp_path / "both"), "hub")
        assert read(str(tmp_path / "both"), "hub", label_column="label").label_names == NAMES
    features["labels"] = datasets.Sequence(datasets.Value("string"))
    rows["labels"] = [["a", "b"], ["c"]]
    datasets.Dataset.from_dict(rows, features=features).save_to_disk(str(tmp_path / "list"))
    assert load_video_dataset(str(tmp_path / "list"), "hub").label_names == NAMES


@pytest.mark.parametrize(
    "column, values, words",
    [
        ("class", ["sit", "stand", "sit"], "class: large_string"),  # the action beside a `label` quality mark
        ("labels", ["0", "1", ""], "labels: float64"),  # ids with an empty cell: pandas reads floats
        ("labels", ["True", "False", "True"], "labels: bool"),
    ],
)
def test_a_label_column_beside_a_class_or_a_float_or_bool_labels_column_is_refused(tmp_path, column, values, words):
    """A metadata.csv of `label` (here a quality mark, `good` / `bad`) beside `class` (the action), or beside a
    `labels` that pandas reads as floats (class ids with an empty cell) or booleans: `label` was trained on without a
    word (classes ['bad', 'good']). Refused as `label` beside a `labels` of text or integers is, whole and
    streamed; --label_column reads the one named."""
    root, *_ = videofolder_csv(tmp_path)
    rows = [("file_name", "label", column), *((f"c{i}.mp4", ("good", "bad")[i % 2], v) for i, v in enumerate(values))]
    with open(root / "train" / "metadata.csv", "w", newline="") as f:
        csv.writer(f).writerows(rows)
    said = f"which column of {root} holds the label is unclear: 'label', '{column}' each give every row a class (label"
    # (streamed and named with the flag for `class` alone: the other columns take the same paths, by type)
    reads = [load_video_dataset] + [lambda source, _, **kw: open_streaming_dataset(source, **kw)] * (column == "class")
    for read in reads:
        with pytest.raises(DatasetFormatError, match=re.escape(said) + f".*{words}.*--label_column"):
            read(str(root), "hub", cache_dir=str(tmp_path / "cache"))
    if column == "class":
        named = load_video_dataset(str(root), "hub", cache_dir=str(tmp_path / "cache"), label_column="label")
        assert named.label_names == ["bad", "good"]


def _ids_beside_names(tmp_path, rows):
    root, *_ = videofolder_csv(tmp_path)
    with open(root / "train" / "metadata.csv", "w", newline="") as f:
        csv.writer(f).writerows([("file_name", "label", "class"), *((f"c{i}.mp4", *r) for i, r in enumerate(rows))])
    return str(root)


WHOLE_AND_STREAMED = (load_video_dataset, lambda source, _, **kw: open_streaming_dataset(source, **kw))


@pytest.mark.parametrize("ids, names", [((0, 1, 0), ["zebra", "ant"]), ((2, 1, 2), ["0", "ant", "zebra"])])
def test_integer_labels_beside_their_class_names_are_read_as_ids_and_names(tmp_path, ids, names):
    """A metadata.csv of integer `label` ids beside a `class` of their names (`zebra` 0, `ant` 1) was refused as
    "unclear"; `--label_column label` named the classes '0', '1', and `--label_column class` renumbered them by name
    (zebra 1 where the data set says 0). Read as datasets' ClassLabel reads ids (id i is names[i]), whole and
    streamed, and by either flag: the data set's ids, the names beside them (an id no row uses keeps its number)."""
    root = _ids_beside_names(tmp_path, [(i, ("ant", "zebra")[i % 2 == 0]) for i in ids])
    for read in WHOLE_AND_STREAMED:
        for flag in (None, "label", "class"):
            data = read(root, "hub", cache_dir=str(tmp_path / "cache"), label_column=flag)
            assert data.label_names == names, (read, flag)
            split = data.split("train")
            if hasattr(split, "labels"):
                labels = split.labels()
            else:  # streamed: each row's raw label, as its id
                labels = [split.label_id(row[split.label_column]) for row in split.dataset]
            assert labels == list(ids), (read, flag)


def test_integer_labels_beside_names_they_do_not_pair_with_are_refused_naming_the_row(tmp_path):
    """`label` ids beside a `class` that does not pair one to one with them (a row gives `zebra` id 1 where another
    gives it 0): two label columns, refused naming the row, whole and streamed; each flag reads its own column."""
    root = _ids_beside_names(tmp_path, [(0, "zebra"), (1, "ant"), (1, "zebra")])
    said = "'label' and 'class' each give every row a class and do not pair one to one as ids and their names (row 2: "
    said += "label 1 beside class 'zebra', where row 1 gives label 1 beside class 'ant')"
    for read in WHOLE_AND_STREAMED:
        with pytest.raises(DatasetFormatError, match=re.escape(said) + ".*--label_column"):
            read(root, "hub", cache_dir=str(tmp_path / "cache"))
        assert read(root, "hub", cache_dir=str(tmp_path / "cache"), label_column="label").label_names == ["0", "1"]
        assert read(root, "hub", cache_dir=str(tmp_path / "cache"), label_column="class").label_names == [
            "ant",
            "zebra",
        ]


def test_a_webdataset_json_label_beside_a_class_field_is_refused_unless_one_is_named(tmp_path):
    """A WebDataset `.json` of `label` (a quality mark) beside `class` (the action): `json.label` was trained on
    without a word (classes ['bad', 'good']), whole and streamed. Refused as two such columns are; --label_column
    reads the one named."""
    samples = [
        (f"k{i:04d}", {"mp4": s.read_bytes(), "json": json.dumps({"label": mark, "class": NAMES[i % 2]}).encode()})
        for i, (s, mark) in enumerate(zip(sources(tmp_path), ("good", "bad", "bad")))
    ]
    write_tar(tmp_path / "repo" / "data" / "train-00000-of-00001.tar", samples)
    root = str(tmp_path / "repo")
    said = f"which column of {root} (its 'json' fields) holds the label is unclear: 'json.label', 'json.class' each "
    for read in (load_video_dataset, lambda source, _, **kw: open_streaming_dataset(source, **kw)):
        with pytest.raises(DatasetFormatError, match=re.escape(said) + ".*--label_column"):
            read(root, "hub", cache_dir=str(tmp_path / "cache"))
    named = load_video_dataset(root, "hub", cache_dir=str(tmp_path / "cache"), label_column="json.class")
    assert named.label_names == NAMES and [e["label"] for e in named.split("train")] == [0, 1, 0]


@pytest.mark.parametrize("ids, names", [((0, 1, 0), ["zebra", "ant"]), ((0, 1, 1), None)])
def test_a_webdataset_json_of_integer_label_beside_class_names_is_read_as_ids_and_names(tmp_path, ids, names):
    """A WebDataset `.json` of an integer `label` beside a `class` of its name (`zebra` 0, `ant` 1) was refused as
    "unclear", where the same two columns of a metadata.csv are read as ids and their names: read so, whole and
    streamed, and by either flag. Fields that do not pair one to one (`zebra` given ids 0 and 1) are still refused,
    naming the row."""
    fields = [{"label": i, "class": ("zebra", "ant")[row % 2]} for row, i in enumerate(ids)]
    samples = [
        (f"k{row:04d}", {"mp4": s.read_bytes(), "json": json.dumps(f).encode()})
        for row, (s, f) in enumerate(zip(sources(tmp_path), fields))
    ]
    write_tar(tmp_path / "repo" / "data" / "train-00000-of-00001.tar", samples)
    root = str(tmp_path / "repo")
    for read in WHOLE_AND_STREAMED:
        if names is None:
            said = "'json.label' and 'json.class' each give every row a class and do not pair one to one as ids and "
            said += "their names (row 2: json.label 1 beside json.class 'zebra', where row 1 gives json.label 1 "
            with pytest.raises(DatasetFormatError, match=re.escape(said) + ".*--label_column"):
                read(root, "hub", cache_dir=str(tmp_path / "cache"))
            continue
        for flag in (None, "json.label", "json.class"):
            data = read(root, "hub", cache_dir=str(tmp_path / "cache"), label_column=flag)
            assert data.label_names == names, (read, flag)
            split = data.split("train")
            if hasattr(split, "labels"):
                labels = split.labels()
            else:  # streamed: each row's raw label, as its id
                labels = [split.label_id(label_value(row, split.label_column)) for row in split.dataset]
            assert labels == list(ids), (read, flag)


def test_a_saved_to_disk_split_streams_in_whole_shards_per_process_on_three_processes(tmp_path):
    """A `save_to_disk` folder streamed as 64 shards: on 3 processes `split_dataset_by_node` cannot give each whole
    shards (64 does not divide by 3), so every process read all 64, every clip's bytes, and kept every 3rd clip:
    Kinetics' 240 000 clips read by each process every epoch (12 000 rows of 60 kB in the page cache: 1.23 s a
    process, against 0.45 s for its third alone; from a disk, 3 times the reads). It now streams as 66 shards,
    22 a process, every clip once; on 2 processes as the 64 it was (its digest, and a resume's, unchanged), and a split
    of fewer than 64 rows as the one shard a row it was on any process count."""
    from vivit_hf.training.data.streaming import StreamingVideoDataset, saved_shards

    features = datasets.Features({"clip": datasets.Video(), "action": datasets.ClassLabel(names=NAMES)})
    videos = [{"path": None, "bytes": f"clip {i}".encode()} for i in range(70)]  # (rows counted, none decoded)
    table = datasets.Dataset.from_dict({"clip": videos, "action": [i % 2 for i in range(70)]}, features=features)
    table.save_to_disk(str(tmp_path / "saved"))
    split, read = open_streaming_dataset(str(tmp_path / "saved"), num_processes=3).split("train"), []
    for rank in range(3):
        stream = StreamingVideoDataset(split, None, batch_size=2, rank=rank, world_size=3)
        assert stream.num_shards == 22  # its own shards alone (all 64 before)
        read += [row["clip"]["bytes"] for row in stream.rows()]
    assert sorted(read) == sorted(video["bytes"] for video in videos)  # every clip once
    assert [saved_shards(rows, 64, 3) for rows in (70, 64, 10, 2)] == [66, 63, 10, 2]
    assert [saved_shards(70, 64, processes) for processes in (1, 2, 4, 8)] == [64] * 4
    # fewer rows than 64: one shard a row on any process count, as before, so a checkpoint made before resumes (23
    # rows on 2 processes were cut into 22 shards, its positions then of other shards: refused)
    assert all(saved_shards(rows, 64, processes) == rows for rows in range(1, 64) for processes in (1, 2, 3, 4, 8))


def test_a_later_hub_shard_of_clips_in_other_members_is_refused_when_streamed_as_the_whole_read_refuses_it(
    tmp_path, monkeypatch
):
    """A stream of Hub WebDataset shards takes its columns from each split's first shard (the later ones are not on
    disk to look at): a later shard of `<key>.webm` clips beside a first of `<key>.mp4` ones streamed as rows without
    a video, the whole shard left out with a warning, where the whole read (and a local stream, which looks at every
    shard's first sample) refuses clips in members of several types. The stream now reads such a shard's first
    sample (from its start) when one of its rows gives no clip, and refuses it naming the shard, in one line from
    the DataLoader worker; with --video_column mp4 (the samples that have it, by choice) it is left out as before.
    The later shard is made "not on disk" while the data set is opened, as a Hub repo's shards are. (With a data
    card declaring the columns, the whole read leaves such rows out, and so does the stream.)"""
    import os

    from vivit_hf.processing.processing_vivit import ViViTVideoProcessor
    from vivit_hf.training.data.streaming import StreamingVideoDataset

    clips = sources(tmp_path, 4)
    write_tar(
        tmp_path / "repo" / "train" / "train-00000.tar",
        [(f"a{i}", {"mp4": clips[i].read_bytes(), "cls": b"0"}) for i in range(2)],
    )
    later = [(f"b{i}", {"webm": clips[i].read_bytes(), "cls": b"1"}) for i in range(2, 4)]
    write_tar(tmp_path / "repo" / "train" / "train-00001.tar", later)
    processor = ViViTVideoProcessor(num_frames=2, size={"shortest_edge": 8}, crop_size={"height": 8, "width": 8})
    batches, isfile = {}, os.path.isfile
    for column in (None, "mp4"):
        with monkeypatch.context() as hub:
            hub.setattr(os.path, "isfile", lambda path: not str(path).endswith("00001.tar") and isfile(path))
            split = open_streaming_dataset(str(tmp_path / "repo"), video_column=column).split("train")
        assert split.video_column == "mp4"
        batches[column] = [b for b in StreamingVideoDataset(split, processor, batch_size=4) if not b.get("end")]
    said = batches[None][0]["refused"]
    assert said.startswith("--dataset_format hub: the WebDataset shard train/train-00001.tar holds its clips as "), said
    assert "'webm' members, where the split's first shard holds them as 'mp4'" in said, said
    assert batches["mp4"][0]["clips"].tolist() == [True, True, False, False]  # (left out, the loader names them)


def test_a_later_hub_shard_of_clips_with_gif_previews_is_no_second_clip_type_when_streamed(tmp_path, monkeypatch):
    """The stream's refusal of a later shard of clips under another member name took a `<key>.gif` beside a sample's
    `<key>.mp4` (the clip's preview, which the whole read takes as no second clip) for clips in `gif` members: a
    later shard with previews and one sample whose clip is missing stopped the run, saying the shard "holds its
    clips as ['gif'] members". That sample is left out as giving no clip, as read whole, the others read."""
    import os

    from PIL import Image

    from vivit_hf.processing.processing_vivit import ViViTVideoProcessor
    from vivit_hf.training.data.streaming import StreamingVideoDataset

    clips, gif = sources(tmp_path, 3), io.BytesIO()
    Image.new("RGB", (4, 4)).save(gif, format="GIF")
    write_tar(tmp_path / "repo" / "train" / "train-00000.tar", [("a0", {"mp4": clips[0].read_bytes(), "cls": b"0"})])
    later = [("b0", {"mp4": clips[1].read_bytes(), "gif": gif.getvalue(), "cls": b"1"})]
    later += [("b1", {"gif": gif.getvalue(), "cls": b"0"}), ("b2", {"mp4": clips[2].read_bytes(), "cls": b"1"})]
    write_tar(tmp_path / "repo" / "train" / "train-00001.tar", later)
    processor = ViViTVideoProcessor(num_frames=2, size={"shortest_edge": 8}, crop_size={"height": 8, "width": 8})
    isfile = os.path.isfile
    monkeypatch.setattr(os.path, "isfile", lambda path: not str(path).endswith("00001.tar") and isfile(path))
    split = open_streaming_dataset(str(tmp_path / "repo")).split("train")
    monkeypatch.undo()
    batches = [b for b in StreamingVideoDataset(split, processor, batch_size=4) if not b.get("end")]
    assert "refused" not in batches[0], batches[0].get("refused")
    assert batches[0]["clips"].tolist() == [True, True, False, True]


def test_a_hub_row_whose_clip_fails_is_named_by_its_id_whole_and_streamed_not_none(tmp_path, caplog):
    """Shards as the shard tool wrote them before its one member name: a card declaring only `mp4`, and a sample
    whose clip is a `.webm` member, which `datasets` drops (the row has no video), plus an `.mp4` that is text.
    Read whole (through `VideoClassificationDataset`) and streamed, each failing row is named by the id its `.json`
    keeps (and where its video is), never `None`; the good row decodes. The whole read leaves the row without a
    video out at load, counted missing; the stream, which cannot look ahead, leaves it out when it comes (no clip:
    not skipped as a broken one every epoch), and its loader names it by its id."""
    from vivit_hf.processing.processing_vivit import ViViTVideoProcessor
    from vivit_hf.training.data.dataset import VideoClassificationDataset
    from vivit_hf.training.data.streaming import StreamingLoader, StreamingVideoDataset

    good = sources(tmp_path, 1)[0].read_bytes()
    root = tmp_path / "repo"
    members = [("mp4", good, "good/a.mp4"), ("webm", good, "webm/b.webm"), ("mp4", b"not a video", "text/c.mp4")]
    samples = [
        (f"k{i}", {ext: data, "cls": b"1", "json": json.dumps({"id": clip_id, "label": "stand"}).encode()})
        for i, (ext, data, clip_id) in enumerate(members)
    ]
    write_tar(root / "data" / "train-00000-of-00001.tar", samples)
    (root / "README.md").write_text(
        "---\nconfigs:\n- config_name: default\n  data_files:\n  - split: train\n    path: data/train-*.tar\n"
        "dataset_info:\n  features:\n  - name: mp4\n    dtype: video\n  - name: cls\n    dtype:\n      class_label:\n"
        "        names:\n          '0': sit\n          '1': stand\n  - name: json\n    struct:\n    - name: id\n"
        "      dtype: string\n    - name: label\n      dtype: string\n  - name: __key__\n    dtype: string\n"
        "  - name: __url__\n    dtype: string\n---\n"
    )
    processor = ViViTVideoProcessor(num_frames=2, size={"shortest_edge": 8}, crop_size={"height": 8, "width": 8})
    expected = ["skipping broken clip webm/b.webm (no video)", "skipping broken clip text/c.mp4 (k2.mp4)"]
    cache = str(tmp_path / "cache")
    with caplog.at_level("WARNING"):
        data = load_video_dataset(str(root), "hub", cache_dir=cache)
        whole = VideoClassificationDataset(data.split("train"), processor)
        assert [bool(whole[i]["valid"]) for i in range(2)] == [True, False]
    assert data.missing == {} and data.clipless == {"train": 1}
    assert any("rows give no video" in r.getMessage() and "'webm/b.webm'" in r.getMessage() for r in caplog.records)
    assert [r.getMessage().split(":")[0] for r in caplog.records if "broken" in r.getMessage()] == expected[1:]
    caplog.clear()
    stream = StreamingVideoDataset(
        open_streaming_dataset(str(root), cache_dir=cache).split("train"), processor, batch_size=3
    )
    with caplog.at_level("WARNING"):
        (batch,) = [b for b in stream if not b.get("end")]
    assert batch["valid"].tolist() == [True, False, False] and batch["clips"].tolist() == [True, False, True]
    assert batch["ids"] == ["good/a.mp4", "text/c.mp4"] and batch["clipless"] == ["webm/b.webm"]
    assert [r.getMessage().split(":")[0] for r in caplog.records if "broken" in r.getMessage()] == expected[1:]
    caplog.clear()
    with caplog.at_level("WARNING"):
        (delivered,) = list(StreamingLoader(stream))
    assert delivered["real"].tolist() == [True, False, True]
    assert any("give no video" in r.getMessage() and "'webm/b.webm'" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    "test_names, test_ids, said",
    [
        (NAMES, [0, 1], r"'label' of split 'train' holds class id 2 \(row 1\), where its ClassLabel names 2 classes"),
        # a test table numbering the classes its own way is checked against its own names...
        (NAMES[::-1], [1, 2], r"'label' of split 'test' holds class id 2 \(row 1\), where .* \('stand', 'sit': ids"),
        # ...and one of a class the others lack is named by that class, not as an id past the training table's names
        ([*NAMES, "walk"], [2, 0], r"test\.parquet \(split 'test'\) has the classes 'walk', which the data set's"),
    ],
)
def test_a_parquet_class_label_holding_an_id_its_names_lack_is_refused_naming_it(tmp_path, test_names, test_ids, said):
    """A parquet table whose schema keeps `datasets`' features (ClassLabel ['sit', 'stand']) but whose label column
    holds 2 (written with pyarrow, or edited after): `datasets` loads it as it is (the reference), and it was read as a
    third class past the model's two outputs, to torch's "Target 2 is out of bounds" in the first training step."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    (tmp_path / "repo" / "data").mkdir(parents=True)
    train_ids = [0, 2, 1] if test_names == NAMES else [0, 1, 1]
    for split, names, ids in (("train", NAMES, train_ids), ("test", test_names, test_ids)):
        features = datasets.Features({"video": datasets.Video(), "label": datasets.ClassLabel(names=names)})
        videos = pa.array([{"bytes": b"%s %d" % (split.encode(), i), "path": None} for i in range(len(ids))])
        table = pa.table({"video": videos, "label": pa.array(ids, pa.int64())})
        table = table.replace_schema_metadata({"huggingface": json.dumps({"info": {"features": features.to_dict()}})})
        pq.write_table(table, tmp_path / "repo" / "data" / f"{split}.parquet")
    reference = datasets.load_dataset(str(tmp_path / "repo"), cache_dir=str(tmp_path / "ref_cache"))
    assert reference["train"].features["label"].names == NAMES and reference["train"]["label"][:] == train_ids
    assert reference["test"]["label"][:] == test_ids
    with pytest.raises(DatasetFormatError, match=said):
        load_video_dataset(tmp_path / "repo", "hub", cache_dir=str(tmp_path / "cache"))


def write_tables_with_their_own_class_label_order(tmp_path):
    """repo/data/{train,test}.parquet: train's ClassLabel [sit, stand, walk] (sit, walk), test's [walk, stand, sit]
    (walk, sit), each with its own ids. Returns the repo folder, the clips (in that row order) and train's names."""
    order, other = ["sit", "stand", "walk"], ["walk", "stand", "sit"]
    clips = sources(tmp_path, 4)
    root = tmp_path / "repo"
    (root / "data").mkdir(parents=True)
    for split, names, rows in (("train", order, [(0, "sit"), (1, "walk")]), ("test", other, [(2, "walk"), (3, "sit")])):
        features = datasets.Features({"video": datasets.Video(), "label": datasets.ClassLabel(names=names)})
        table = {"video": [{"path": None, "bytes": clips[i].read_bytes()} for i, _ in rows]}
        table["label"] = [names.index(name) for _, name in rows]
        datasets.Dataset.from_dict(table, features=features).to_parquet(str(root / "data" / f"{split}.parquet"))
    return root, clips, order


def test_split_tables_whose_class_label_lists_the_names_in_another_order_are_read_by_name(tmp_path):
    # A train table of ClassLabel [sit, stand, walk] and a test table of [walk, stand, sit], each with its own ids:
    # datasets gives every split train's names, so test's ids were read against them (walk as sit), whole and
    # streamed, without a word.
    root, clips, order = write_tables_with_their_own_class_label_order(tmp_path)
    truth = {clips[i].read_bytes(): order.index(name) for i, name in ((0, "sit"), (1, "walk"), (2, "walk"), (3, "sit"))}

    data = load_video_dataset(str(root), "hub", cache_dir=str(tmp_path / "cache"))
    assert data.label_names == order
    for split in ("train", "test"):
        assert [e["label"] for e in data.split(split)] == [truth[video_bytes(e["video"])] for e in data.split(split)]
    assert list(data.split("test").labels()) == [2, 0]

    streamed = open_streaming_dataset(str(root), cache_dir=str(tmp_path / "cache")).split("test")
    rows = [
        hub_example(row, streamed.video_column, streamed.label_column, streamed.label_id, "?")
        for row in streamed.dataset
    ]
    assert [e["label"] for e in rows] == [truth[video_bytes(e["video"])] for e in rows] == [2, 0]


@pytest.mark.parametrize("classes", [["cat", "board dev", "crash_test"], ["cat", "test_tube", "training_wheels"]])
def test_class_folders_named_with_a_split_word_are_refused_not_put_in_another_split(tmp_path, classes):
    """datasets' split patterns match the class folder too: `train/crash_test/` clips went to a `test` split, `board
    dev` ones to validation as well, and training clips were scored, without a word. videofolder reads them right."""
    root = tmp_path / "repo"
    for split in ("train", "validation"):
        for c, name in enumerate(classes):
            for i in range(2):
                clip(root / split / name / f"{split[:2]}{i}.mp4", seed=c * 10 + i)
    with pytest.raises(ValueError, match=f"{classes[1]}.*--dataset_format videofolder") as error:
        load_video_dataset(root, "hub")
    assert "\n" not in str(error.value)
    with pytest.raises(ValueError, match="--dataset_format videofolder"):
        open_streaming_dataset(str(root))
    data = load_video_dataset(root, "videofolder")
    assert {split: len(data.split(split)) for split in data.splits} == {"train": 6, "validation": 6}


def refused_whole_and_streamed(root, said: str) -> None:
    """`root` read with --dataset_format hub, whole and streamed: each refused with a message matching `said`."""
    for read in (partial(load_video_dataset, dataset_format="hub"), lambda root: open_streaming_dataset(str(root))):
        with pytest.raises(DatasetFormatError, match=said):
            read(root)


def test_split_folders_in_capitals_are_refused_naming_them_not_the_class_folders(tmp_path):
    """`Train/<class>/`, `Test/<class>/`: `datasets`' split patterns are lower case, so it reads no split folder and
    puts the test clips in 'train' (the reference), which was refused as class folders "named with a split word"
    ('Test/cat'), the classes not at fault; the refusal names the split folders in capitals and what to do.
    videofolder reads them."""
    root = tmp_path / "repo"
    for i, name in enumerate(["Train/cat/a.mp4", "Train/dog/b.mp4", "Test/cat/c.mp4", "Test/dog/d.mp4"]):
        clip(root / name, seed=i)
    reference = datasets.load_dataset(str(root), cache_dir=str(tmp_path / "ref_cache"))
    assert {split: len(rows) for split, rows in reference.items()} == {"train": 4}
    said = r"lower case only, so .* split folders named in capitals \('Test/', 'Train/'\) .*'Test/cat/c.mp4' \(train\)"
    refused_whole_and_streamed(root, said)
    data = load_video_dataset(root, "videofolder")
    assert {split: len(data.split(split)) for split in data.splits} == {"train": 2, "test": 2}


def test_a_split_folder_in_capitals_beside_one_in_lower_case_is_refused_naming_it(tmp_path):
    """`Train/<class>/` beside `val/<class>/`: datasets reads `val/` alone, a 'validation' split of 2 clips (the
    reference), and the whole training split is in no split: a warning, then finetune.py stopped on "no split 'train'"
    (the splits found: validation), naming no folder. Refused up front, naming `Train/` and the rename, whole and
    streamed, as the other capitals layouts are; renamed, both splits are read."""
    root = tmp_path / "repo"
    for i, name in enumerate(["Train/cat/a.mp4", "Train/dog/b.mp4", "val/cat/c.mp4", "val/dog/d.mp4"]):
        clip(root / name, seed=i)
    reference = datasets.load_dataset(str(root), cache_dir=str(tmp_path / "ref_cache"))
    assert {split: len(rows) for split, rows in reference.items()} == {"validation": 2}
    said = r"split folders named in capitals \('Train/'\) .*'Train/cat/a.mp4' \(no split\).*rename them in lower case"
    refused_whole_and_streamed(root, said)
    (root / "Train").rename(root / "train")
    data = load_video_dataset(root, "hub", cache_dir=str(tmp_path / "cache"))
    assert {split: len(data.split(split)) for split in data.splits} == {"train": 2, "validation": 2}


def test_split_folders_in_capitals_below_one_metadata_file_are_refused_saying_both_changes(tmp_path):
    """`Train/`, `Val/` below a root metadata.csv: refused as split folders in capitals; renamed, refused again as a
    metadata file above the split folders (datasets applies one to its own folder's split alone). One refusal says
    both now; done, datasets reads the two splits."""
    root = tmp_path / "repo"
    rows = [("Train", "cat"), ("Train", "dog"), ("Train", "cat"), ("Val", "dog"), ("Val", "cat")]
    for i, (split, _) in enumerate(rows):
        clip(root / split / f"c{i}.mp4", seed=i)
    (root / "metadata.csv").write_text(
        "file_name,label\n" + "".join(f"{s}/c{i}.mp4,{c}\n" for i, (s, c) in enumerate(rows))
    )
    said = r"capitals \('Train/', 'Val/'\) .*rename them in lower case \(train/, validation/, test/\), and put one "
    said += r"metadata file in each split folder in place of "
    refused_whole_and_streamed(root, said + re.escape(str(root / "metadata.csv")))
    for split in ("Train", "Val"):  # both changes, as said
        (root / split).rename(root / split.lower())
        own = [f"c{i}.mp4,{c}\n" for i, (s, c) in enumerate(rows) if s == split]
        (root / split.lower() / "metadata.csv").write_text("file_name,label\n" + "".join(own))
    (root / "metadata.csv").unlink()
    data = load_video_dataset(root, "hub", cache_dir=str(tmp_path / "cache"))
    assert {split: len(data.split(split)) for split in data.splits} == {"train": 3, "validation": 2}


def test_split_folders_in_capitals_with_metadata_files_are_not_sent_to_videofolder(tmp_path):
    """`Train/metadata.csv`, `Val/metadata.csv`: datasets reads one 'train' split of all four clips (the reference);
    the refusal advised --dataset_format videofolder, which refuses metadata files ("read it with --dataset_format
    hub"): a circle. It advises renaming only, which datasets then reads as two splits."""
    root = tmp_path / "repo"
    for split in ("Train", "Val"):
        for i, name in enumerate(("cat", "dog")):
            clip(root / split / f"{name}.mp4", seed=i)
        (root / split / "metadata.csv").write_text("file_name,label\ncat.mp4,cat\ndog.mp4,dog\n")
    reference = datasets.load_dataset(str(root), cache_dir=str(tmp_path / "ref_cache"))
    assert {split: len(rows) for split, rows in reference.items()} == {"train": 4}
    with pytest.raises(DatasetFormatError, match=r"capitals \('Train/', 'Val/'\) .*'Val/cat.mp4' \(train\)") as error:
        load_video_dataset(root, "hub")
    assert "rename them in lower case" in str(error.value) and "videofolder" not in str(error.value)
    with pytest.raises(DatasetFormatError, match="read it with --dataset_format hub"):
        load_video_dataset(root, "videofolder")
    for split in ("Train", "Val"):
        (root / split).rename(root / split.lower())
    data = load_video_dataset(root, "hub", cache_dir=str(tmp_path / "cache"))
    assert {split: [e["id"] for e in data.split(split)] for split in data.splits} == {
        "train": ["train/cat.mp4", "train/dog.mp4"],
        "validation": ["val/cat.mp4", "val/dog.mp4"],
    }


def test_a_hub_table_listing_a_clip_twice_or_in_two_splits_is_named(tmp_path, caplog):
    """load_video_dataset returned early for hub and never warned of repeated clips, as it does for other formats."""
    root = tmp_path / "repo"
    for i, name in enumerate(("cat0", "cat1", "dog0", "dog1")):
        clip(root / "clips" / f"{name}.mp4", seed=i)
    (root / "train.csv").write_text("video,label\nclips/cat0.mp4,cat\nclips/cat0.mp4,cat\nclips/dog0.mp4,dog\n")
    (root / "validation.csv").write_text("video,label\nclips/cat1.mp4,cat\nclips/dog1.mp4,dog\nclips/dog0.mp4,dog\n")
    with caplog.at_level("WARNING"):
        load_video_dataset(root, "hub")
    messages = [r.getMessage() for r in caplog.records]
    assert any("more than once" in m and "cat0.mp4" in m for m in messages), messages
    assert any("in both split 'train' and split 'validation'" in m and "dog0.mp4" in m for m in messages), messages


def test_hub_rows_known_by_index_or_by_a_name_beside_their_bytes_are_not_taken_for_repeated_clips(tmp_path, caplog):
    """Rows holding their clip's bytes are named by their index or a bare file name, the same in every split: they
    are different clips and must not be reported in two splits."""
    data = sources(tmp_path, 4)

    def split(files):
        rows = {"video": [{"bytes": f.read_bytes(), "path": "clip.mp4"} for f in files], "label": ["sit", "stand"]}
        return datasets.Dataset.from_dict(
            rows, features=datasets.Features({"video": datasets.Video(), "label": datasets.ClassLabel(names=NAMES)})
        )

    datasets.DatasetDict({"train": split(data[:2]), "validation": split(data[2:])}).save_to_disk(
        str(tmp_path / "saved")
    )
    with caplog.at_level("WARNING"):
        load_video_dataset(tmp_path / "saved", "hub")
    assert not [
        r.getMessage()
        for r in caplog.records
        if "more than once" in r.getMessage() or "in both split" in r.getMessage()
    ]


def test_a_saved_dataset_dict_whose_splits_number_their_classes_each_their_own_way_is_read_by_name(tmp_path, caplog):
    """save_to_disk keeps each split's own ClassLabel: splits class-encoded one by one (validation without `dog`:
    `['cat', 'eel']`) were read by number against train's names, so validation `eel` (1) was scored as `dog`."""
    clips = sources(tmp_path, 4)

    def encoded(labels, offset):
        rows = {"video": [{"bytes": clips[offset + i].read_bytes(), "path": None} for i in range(2)], "label": labels}
        features = datasets.Features({"video": datasets.Video(), "label": datasets.Value("string")})
        return datasets.Dataset.from_dict(rows, features=features).class_encode_column("label")

    saved = datasets.DatasetDict({"train": encoded(["cat", "dog"], 0), "validation": encoded(["eel", "cat"], 2)})
    saved["train"] = datasets.concatenate_datasets([saved["train"]]).cast_column(
        "label", datasets.ClassLabel(names=["cat", "dog", "eel"])
    )
    assert saved["validation"].features["label"].names == ["cat", "eel"]
    saved.save_to_disk(str(tmp_path / "saved"))
    with caplog.at_level("WARNING"):
        data = load_video_dataset(tmp_path / "saved", "hub")
    assert data.label_names == ["cat", "dog", "eel"]
    assert [e["label"] for e in data.split("validation")] == [2, 0]
    assert list(data.split("validation").labels()) == [2, 0]
    assert any("split 'validation' numbers its classes" in r.getMessage() for r in caplog.records)


def test_a_validation_class_that_only_a_later_split_names_is_added_not_read_as_another(tmp_path):
    clips = sources(tmp_path, 4)

    def split(names, labels, offset):
        rows = {"video": [{"bytes": clips[offset + i].read_bytes(), "path": None} for i in range(2)], "label": labels}
        features = datasets.Features({"video": datasets.Video(), "label": datasets.ClassLabel(names=names)})
        return datasets.Dataset.from_dict(rows, features=features)

    saved = datasets.DatasetDict(
        {"train": split(["cat", "dog"], [0, 1], 0), "validation": split(["fox", "cat"], [0, 1], 2)}
    )
    saved.save_to_disk(str(tmp_path / "saved"))
    data = load_video_dataset(tmp_path / "saved", "hub")
    assert data.label_names == ["cat", "dog", "fox"]
    assert [e["label"] for e in data.split("validation")] == [2, 0]
    # saved with the session's format set, which the folder keeps and load_from_disk sets again: read as stored (rows
    # without their video, KeyError: 'video'; a label as a pandas Series, TypeError)
    for format_type, columns in (("torch", ["label"]), ("pandas", None)):
        saved.with_format(format_type, columns=columns).save_to_disk(str(tmp_path / format_type))
        formatted = load_video_dataset(tmp_path / format_type, "hub")
        assert formatted.label_names == data.label_names
        assert list(formatted.split("validation")) == list(data.split("validation"))
        # streamed too: to_iterable_dataset raised NotImplementedError ("torch" with columns) or TypeError ("pandas")
        streamed = open_streaming_dataset(str(tmp_path / format_type)).split("validation")
        assert [row[streamed.label_column] for row in streamed.dataset] == [0, 1]  # as saved: fox, cat
    # such a folder has no configurations to choose from: a --dataset_config_name was read past, the folder read whole
    # (or streamed)
    for read in (partial(load_video_dataset, dataset_format="hub"), open_streaming_dataset):
        with pytest.raises(DatasetFormatError, match=r"no configurations: --dataset_config_name 'big'"):
            read(str(tmp_path / "saved"), config_name="big")


def test_a_hub_repos_parquet_splits_with_their_own_class_label_order_are_read_by_name(tmp_path, monkeypatch):
    """datasets' parquet builder gives every split the first table's features on the Hub too (a local folder's gap,
    read by name since class_label_map, stayed open for Hub ids: `base` is None there). Stood in for by redirecting
    the Hub id to a local folder of the same tables; the tables are found as the builder lists them."""
    root, clips, order = write_tables_with_their_own_class_label_order(tmp_path)
    load, builder = datasets.load_dataset, datasets.load_dataset_builder
    local = lambda source: str(root) if source == "me/poses" else source  # noqa: E731
    monkeypatch.setattr(datasets, "load_dataset", lambda source, *a, **k: load(local(source), *a, **k))
    monkeypatch.setattr(datasets, "load_dataset_builder", lambda source, *a, **k: builder(local(source), *a, **k))

    data = load_video_dataset("me/poses", "hub", cache_dir=str(tmp_path / "cache"))
    assert data.label_names == order
    assert list(data.split("test").labels()) == [2, 0]


def saved_per_split_class_labels(tmp_path, monkeypatch):
    """A `save_to_disk` DatasetDict whose splits keep their own ClassLabel: validation `['cat', 'eel']` (class-encoded
    alone) and `['fox', 'cat']` (a class train lacks) beside train `['cat', 'dog', 'eel']`."""
    clips = sources(tmp_path, 6)

    def split(names, labels, offset):
        rows = {"video": [{"bytes": clips[offset + i].read_bytes(), "path": None} for i in range(2)], "label": labels}
        features = datasets.Features({"video": datasets.Video(), "label": datasets.ClassLabel(names=names)})
        return datasets.Dataset.from_dict(rows, features=features)

    saved = datasets.DatasetDict(
        {
            "train": split(["cat", "dog", "eel"], [0, 1], 0),
            "validation": split(["cat", "eel"], [1, 0], 2),
            "test": split(["fox", "cat"], [0, 1], 4),
        }
    )
    saved.save_to_disk(str(tmp_path / "saved"))
    return str(tmp_path / "saved")


def parquet_per_split_class_labels(tmp_path, monkeypatch, hub_id=None):
    """Parquet splits each written with its own ClassLabel order (datasets gives every split the first table's)."""
    clips = sources(tmp_path, 4)
    root = tmp_path / "repo"
    (root / "data").mkdir(parents=True)
    order, other = ["sit", "stand", "walk"], ["walk", "stand", "sit"]
    for split, names, rows in (("train", order, [(0, "sit"), (1, "walk")]), ("test", other, [(2, "walk"), (3, "sit")])):
        features = datasets.Features({"video": datasets.Video(), "label": datasets.ClassLabel(names=names)})
        table = {"video": [{"path": None, "bytes": clips[i].read_bytes()} for i, _ in rows]}
        table["label"] = [names.index(name) for _, name in rows]
        datasets.Dataset.from_dict(table, features=features).to_parquet(str(root / "data" / f"{split}.parquet"))
    if hub_id is None:
        return str(root)
    load, builder = datasets.load_dataset, datasets.load_dataset_builder
    local = lambda source: str(root) if source == hub_id else source  # noqa: E731
    monkeypatch.setattr(datasets, "load_dataset", lambda source, *a, **k: load(local(source), *a, **k))
    monkeypatch.setattr(datasets, "load_dataset_builder", lambda source, *a, **k: builder(local(source), *a, **k))
    return hub_id


PER_SPLIT_CLASS_LABELS = {
    "save_to_disk": saved_per_split_class_labels,
    "local_parquet": parquet_per_split_class_labels,
    "hub_parquet": lambda tmp_path, monkeypatch: parquet_per_split_class_labels(tmp_path, monkeypatch, "me/poses"),
}


@pytest.mark.parametrize("layout", PER_SPLIT_CLASS_LABELS)
def test_streamed_labels_of_splits_with_their_own_class_label_are_the_whole_reads(tmp_path, monkeypatch, layout):
    """--streaming read a `save_to_disk` split's or a Hub repo's parquet split's class ids against the first split's
    names (validation `eel`, its id 1, trained and scored as `dog`), where the whole read reads them by name."""
    source = PER_SPLIT_CLASS_LABELS[layout](tmp_path, monkeypatch)
    cache = str(tmp_path / "cache")
    whole = load_video_dataset(source, "hub", cache_dir=cache)
    streamed = open_streaming_dataset(source, cache_dir=cache)
    assert streamed.label_names == whole.label_names
    for name in whole.splits:
        truth = {video_bytes(e["video"]): e["label"] for e in whole.split(name)}
        split = streamed.split(name)
        rows = [hub_example(row, split.video_column, split.label_column, split.label_id, "?") for row in split.dataset]
        assert [e["label"] for e in rows] == [truth[video_bytes(e["video"])] for e in rows], name


def test_a_streamed_metadata_row_of_a_clip_not_on_disk_is_counted_missing_not_decoded_as_broken(tmp_path, caplog):
    """A local videofolder whose metadata.csv names a symlink to a disk not mounted: the whole read leaves the row out
    and counts it missing; --streaming decoded it every epoch and skipped it as a "broken clip"."""
    root = tmp_path / "repo"
    for split in ("train", "validation"):
        for i, source in enumerate(sources(tmp_path / split, 2)):
            (root / split).mkdir(parents=True, exist_ok=True)
            (root / split / f"c{i}.mp4").write_bytes(source.read_bytes())
        (root / split / "gone.mp4").symlink_to(tmp_path / "unmounted" / "gone.mp4")
        rows = [("file_name", "label"), ("c0.mp4", "sit"), ("gone.mp4", "sit"), ("c1.mp4", "stand")]
        with open(root / split / "metadata.csv", "w", newline="") as f:
            csv.writer(f).writerows(rows)
    whole = load_video_dataset(str(root), "hub", cache_dir=str(tmp_path / "cache"))
    with caplog.at_level("WARNING"):
        streamed = open_streaming_dataset(str(root), cache_dir=str(tmp_path / "cache"))
    assert streamed.missing == whole.missing == {"train": 1, "validation": 1}
    assert any("named by the annotations are not on disk: 'train/gone.mp4'" in r.getMessage() for r in caplog.records)
    for name in ("train", "validation"):
        split = streamed.split(name)
        rows = [hub_example(row, split.video_column, split.label_column, split.label_id, "?") for row in split.dataset]
        assert [Path(e["video"]["path"]).name for e in rows] == ["c0.mp4", "c1.mp4"]
        assert [e["label"] for e in rows] == [e["label"] for e in whole.split(name)] == [0, 1]
        assert split.num_examples == 2


@pytest.mark.parametrize("dtype", ["string", "int64"])
def test_a_streamed_label_column_with_none_is_read_as_the_whole_read_not_as_a_class_none(tmp_path, dtype):
    """A label column (not a `ClassLabel`) with None values: the whole read refuses a split labelled in part, naming
    its first unlabelled row, and leaves out a split with no label at all (a Hub test split). The stream made None a
    class "None" (['None', 'sit', 'stand']), trained on and scored without a word."""
    videos = [{"path": None, "bytes": s.read_bytes()} for s in sources(tmp_path, 4)]
    labels = ["sit", "stand", "sit", "stand"] if dtype == "string" else [0, 1, 0, 1]
    features = datasets.Features({"video": datasets.Video(), "label": datasets.Value(dtype)})

    def write(train_labels, test_labels):
        root = tmp_path / f"repo{len(list(tmp_path.glob('repo*')))}"
        (root / "data").mkdir(parents=True)
        for split, values in (("train", train_labels), ("test", test_labels)):
            table = datasets.Dataset.from_dict({"video": videos[: len(values)], "label": values}, features=features)
            table.to_parquet(str(root / "data" / f"{split}.parquet"))
        return str(root)

    partly = write([labels[0], None, *labels[2:]], labels[:2])
    message = r"split 'train' has 1 rows without a label \('label' empty, NaN or -1\) among 4, the first row 1"
    with pytest.raises(DatasetFormatError, match=message):
        load_video_dataset(partly, "hub", cache_dir=str(tmp_path / "cache"))
    with pytest.raises(DatasetFormatError, match=message):
        open_streaming_dataset(partly, cache_dir=str(tmp_path / "cache"))

    unlabelled_test = write(labels, [None, None])
    whole = load_video_dataset(unlabelled_test, "hub", cache_dir=str(tmp_path / "cache"))
    streamed = open_streaming_dataset(unlabelled_test, cache_dir=str(tmp_path / "cache"))
    assert sorted(streamed.splits) == sorted(whole.splits) == ["train"]
    assert streamed.label_names == whole.label_names == (["sit", "stand"] if dtype == "string" else ["0", "1"])


def test_a_streamed_row_giving_its_clip_by_a_hub_style_url_is_read_not_skipped_as_broken(tmp_path):
    """A Hub repo of loose clip files, streamed: `Video(decode=False)` gives each row `{"path": "hf://datasets/...",
    "bytes": None}`. The URL reached the decoder as a file name ("does not exist"), so every clip was skipped as
    broken. Stood in for by fsspec's memory file system (what `datasets`' `xopen` opens, as it opens `hf://`); the
    reference is the same rows holding the clips' bytes."""
    import fsspec

    from vivit_hf.processing.processing_vivit import ViViTVideoProcessor
    from vivit_hf.training.data.streaming import StreamingSplit, StreamingVideoDataset

    memory = fsspec.filesystem("memory")
    urls = []
    for i, source in enumerate(sources(tmp_path, 3)):
        memory.pipe(f"/repo_{tmp_path.name}/train/{i}.mp4", source.read_bytes())
        urls.append(f"memory://repo_{tmp_path.name}/train/{i}.mp4")
    features = datasets.Features({"clip": datasets.Video(decode=False), "action": datasets.ClassLabel(names=NAMES)})
    labels = [1, 0, 1]

    def rows(videos):
        return datasets.IterableDataset.from_generator(
            lambda: iter({"clip": v, "action": a} for v, a in zip(videos, labels)), features=features
        )

    processor = ViViTVideoProcessor(num_frames=2, size={"shortest_edge": 8}, crop_size={"height": 8, "width": 8})

    def batch(videos):
        split = StreamingSplit(rows(videos), "clip", "action", None, 3)
        return next(iter(StreamingVideoDataset(split, processor, batch_size=3, seed=0)))

    by_url = batch([{"path": url, "bytes": None} for url in urls])
    by_bytes = batch([{"path": None, "bytes": source.read_bytes()} for source in sources(tmp_path, 3)])
    assert by_url["valid"].tolist() == [True, True, True]
    assert by_url["labels"].tolist() == labels
    assert torch.equal(by_url["pixel_values"], by_bytes["pixel_values"])
    memory.rm(f"/repo_{tmp_path.name}", recursive=True)


@pytest.mark.parametrize("layout", ["parquet", "saved"])
def test_two_splits_of_one_meaning_are_kept_apart_not_one_dropped(tmp_path, layout, caplog):
    """A repo pushed with splits `val` and `validation` (`data/<split>-00000-of-00001.parquet` keeps each name; a
    `save_to_disk` DatasetDict too): both became 'validation', the second replacing the first, so 3 splits read as
    2 and 2 clips vanished, whole and streamed. The reference: `datasets`' own splits of the folder."""
    import logging

    videos = [{"path": None, "bytes": s.read_bytes()} for s in sources(tmp_path, 6)]
    features = datasets.Features({"video": datasets.Video(), "label": datasets.ClassLabel(names=NAMES)})
    tables = datasets.DatasetDict(
        {
            split: datasets.Dataset.from_dict({"video": videos[2 * i : 2 * i + 2], "label": [0, 1]}, features=features)
            for i, split in enumerate(["train", "val", "validation"])
        }
    )
    repo = tmp_path / "repo"
    if layout == "saved":
        tables.save_to_disk(str(repo))
        reference = datasets.load_from_disk(str(repo))
    else:
        for split, table in tables.items():
            table.to_parquet(str(repo / "data" / f"{split}-00000-of-00001.parquet"))
        reference = datasets.load_dataset(str(repo), cache_dir=str(tmp_path / "ref_cache"))
    assert {split: len(rows) for split, rows in reference.items()} == {"train": 2, "val": 2, "validation": 2}
    with caplog.at_level(logging.WARNING, logger="vivit_hf.training.data.formats"):
        whole = load_video_dataset(repo, "hub", cache_dir=str(tmp_path / "cache"))
        streamed = open_streaming_dataset(str(repo), cache_dir=str(tmp_path / "cache"))
    for data in (whole, streamed):
        assert sorted(data.splits) == ["train", "val", "validation"]
        assert data.default_eval_split == "validation"
    assert [e["video"]["bytes"] for e in whole.split("val")] == [v["bytes"] for v in videos[2:4]]
    assert [e["video"]["bytes"] for e in whole.split("validation")] == [v["bytes"] for v in videos[4:6]]
    warned = [r.getMessage() for r in caplog.records if "kept apart" in r.getMessage()]
    assert len(warned) == 2 and all("'val' and 'validation' all mean 'validation'" in m for m in warned), warned


@pytest.mark.parametrize(
    "splits, advice",
    [
        (["train", "Train", "test"], "name the one to train on with --train_split"),
        (["train", "validation", "VALIDATION"], "is evaluated when none is named); name the one to evaluate with"),
    ],
)
def test_two_splits_of_one_meaning_in_two_cases_are_kept_apart_with_the_flag_that_picks_one(splits, advice, caplog):
    """A repo's `train` beside `Train` (a card's `configs:` keeps each name, as `datasets` does): kept apart, as `val`
    beside `validation` are, and the warning advised --eval_split, evaluating on one training split and training on
    the other; a training split is picked with --train_split."""
    import logging

    from vivit_hf.training.data.folders import recipe_split_names

    with caplog.at_level(logging.WARNING, logger="vivit_hf.training.data.formats"):
        assert recipe_split_names(splits) == {split: split for split in splits}
    (said,) = [r.getMessage() for r in caplog.records if "kept apart" in r.getMessage()]
    assert advice in said, said


def test_a_card_s_split_names_in_capitals_are_the_recipes_splits_not_left_unevaluated(tmp_path):
    """A card's `configs:` naming its splits `Train` and `VAL` (`datasets` keeps a split's name as the card writes it):
    the aliases were matched in lower case only, so the data set had no 'validation' split, and finetune.py held 10% of
    `train` out to evaluate on, the repo's own validation clips never read, without a word (whole and streamed). The
    reference: `datasets`' own splits of the folder, and the files each clip was written to."""
    videos = [{"path": None, "bytes": s.read_bytes()} for s in sources(tmp_path, 4)]
    features = datasets.Features({"video": datasets.Video(), "label": datasets.ClassLabel(names=NAMES)})
    repo = tmp_path / "repo"
    for i, part in enumerate(["tr", "va"]):
        datasets.Dataset.from_dict({"video": videos[2 * i : 2 * i + 2], "label": [0, 1]}, features=features).to_parquet(
            str(repo / part / "0.parquet")
        )
    (repo / "README.md").write_text(
        "---\nconfigs:\n- config_name: default\n  data_files:\n  - split: Train\n    path: tr/*.parquet\n"
        "  - split: VAL\n    path: va/*.parquet\n---\n"
    )
    reference = datasets.load_dataset(str(repo), cache_dir=str(tmp_path / "ref_cache"))
    assert sorted(reference) == ["Train", "VAL"]
    whole = load_video_dataset(repo, "hub", cache_dir=str(tmp_path / "cache"))
    streamed = open_streaming_dataset(str(repo), cache_dir=str(tmp_path / "cache"))
    for data in (whole, streamed):
        assert sorted(data.splits) == ["train", "validation"] and data.default_eval_split == "validation"
        # the model card names the repo's own splits (it said `train`)
        assert (
            data.own_split_text("train") == "Train"
            and data.own_split_text("val (held out 10%)") == "VAL (held out 10%)"
        )
    assert [e["video"]["bytes"] for e in whole.split("validation")] == [v["bytes"] for v in videos[2:]]
    assert [e["video"]["bytes"] for e in whole.split("train")] == [v["bytes"] for v in videos[:2]]


@pytest.mark.parametrize("others", [["holdout"], ["holdout", "val_seen"]])
def test_finetune_holding_out_a_share_names_the_splits_it_neither_trains_nor_evaluates(tmp_path, caplog, others):
    """A `save_to_disk` DatasetDict of `train` and `holdout` (no split word the recipes take for a validation or test
    split): finetune.py held 10% of `train` out to evaluate on and never read `holdout`, without a word. The
    reference: the splits `load_from_disk` gives, and those the run reads. One split is "its split 'holdout' is"
    (it said "its split(s) 'holdout' are"), two "its splits ... are"."""
    import contextlib
    import logging

    from accelerate import PartialState

    from vivit_hf.training import finetune

    PartialState()  # the recipe's logger is accelerate's
    features = datasets.Features({"video": datasets.Video(), "label": datasets.ClassLabel(names=NAMES)})
    clips = [{"path": None, "bytes": b"clip %d" % i} for i in range(10)]  # not decoded by the read
    datasets.DatasetDict(
        {
            "train": datasets.Dataset.from_dict({"video": clips[:8], "label": [0, 1] * 4}, features=features),
            **{o: datasets.Dataset.from_dict({"video": clips[8:], "label": [0, 1]}, features=features) for o in others},
        }
    ).save_to_disk(str(tmp_path / "saved"))
    assert sorted(datasets.load_from_disk(str(tmp_path / "saved"))) == sorted(["train", *others])
    accelerator = type("OneProcess", (), {"main_process_first": contextlib.nullcontext})
    args = finetune.parse_args(["--dataset", str(tmp_path / "saved"), "--dataset_format", "hub"])
    with caplog.at_level(logging.WARNING, logger="vivit_hf.training.finetune"):
        _, train, evaluation, split = finetune.load_data(args, accelerator)
    assert split == "train (held out 10%)" and len(train) + len(evaluation) == 8
    said = [r.getMessage() for r in caplog.records if "neither trained" in r.getMessage()]
    named = "split 'holdout' is" if len(others) == 1 else "splits 'holdout', 'val_seen' are"
    assert len(said) == 1 and f"its {named} neither trained nor evaluated" in said[0], said


@pytest.mark.parametrize(
    "columns, expected",
    [
        ({"camera": ["front", "side"], "label": ["run", "walk"]}, "label"),  # two ClassLabels, one named a label
        ({"label": ["run", "walk"], "camera": ["front", "side"]}, "label"),
        ({"camera": ["front", "side"], "source": ["yt", "own"]}, None),  # two, none named a label: refused
        ({"camera": ["front", "side"], "label": None}, None),  # a ClassLabel beside a plain `label` column: refused
        ({"action": ["run", "walk"]}, "action"),  # one ClassLabel, no other candidate: as before
    ],
)
def test_the_label_column_is_the_one_type_and_name_agree_on_else_refused(tmp_path, columns, expected):
    """The first `ClassLabel` column was taken for the label: a `camera` column before `label` was trained on
    (classes ['front', 'side'] for ['run', 'walk']), without a word, whole and streamed."""
    values = {"camera": [0, 0, 1, 1], "source": [0, 1, 0, 1], "label": [0, 1, 0, 1], "action": [1, 0, 1, 0]}
    videos = [{"path": None, "bytes": s.read_bytes()} for s in sources(tmp_path, 4)]
    features = {"video": datasets.Video()}
    for column, names in columns.items():
        features[column] = datasets.ClassLabel(names=names) if names else datasets.Value("string")
    rows = {c: values[c] if columns[c] else [("run", "walk")[v] for v in values[c]] for c in columns}
    table = datasets.Dataset.from_dict({"video": videos, **rows}, features=datasets.Features(features))
    table.to_parquet(str(tmp_path / "repo" / "data" / "train-00000-of-00001.parquet"))
    for read in (
        lambda: load_video_dataset(tmp_path / "repo", "hub", cache_dir=str(tmp_path / "cache")),
        lambda: open_streaming_dataset(str(tmp_path / "repo"), cache_dir=str(tmp_path / "cache")),
    ):
        if expected is None:
            with pytest.raises(DatasetFormatError, match=r"which column .* holds the label is unclear.*--label_column"):
                read()
            continue
        data = read()
        assert data.label_names == columns[expected]  # the reference: the table's own ClassLabel names
        if not isinstance(data.split("train"), list) and hasattr(data.split("train"), "labels"):
            assert data.split("train").labels() == values[expected]
    if expected is None:  # the flag settles it
        named = load_video_dataset(tmp_path / "repo", "hub", cache_dir=str(tmp_path / "cache"), label_column="camera")
        assert named.label_names == ["front", "side"]


def test_a_table_of_several_video_columns_none_named_video_is_refused_not_read_by_its_first(tmp_path):
    # `depth` before `rgb` (two Video columns): the first was read, the depth maps trained on, without a word.
    clips = [{"path": None, "bytes": s.read_bytes()} for s in sources(tmp_path, 4)]
    features = datasets.Features(
        {"depth": datasets.Video(), "rgb": datasets.Video(), "label": datasets.ClassLabel(names=NAMES)}
    )
    table = datasets.Dataset.from_dict({"depth": clips[::-1], "rgb": clips, "label": [0, 1, 0, 1]}, features=features)
    table.to_parquet(str(tmp_path / "repo" / "data" / "train-00000-of-00001.parquet"))
    with pytest.raises(DatasetFormatError, match=r"several Video columns, \['depth', 'rgb'\].*--video_column"):
        load_video_dataset(tmp_path / "repo", "hub", cache_dir=str(tmp_path / "cache"))
    with pytest.raises(DatasetFormatError, match=r"several Video columns"):
        open_streaming_dataset(str(tmp_path / "repo"), cache_dir=str(tmp_path / "cache"))
    data = load_video_dataset(tmp_path / "repo", "hub", cache_dir=str(tmp_path / "cache"), video_column="rgb")
    assert [e["video"]["bytes"] for e in data.split("train")] == [c["bytes"] for c in clips]
    # what a resume that leaves --video_column out would read (the clips' digest cannot tell: their ids are the rows')
    assert data.columns == {"video_column": "rgb", "label_column": "label"}
    assert data.detected_columns == {"video_column": None, "label_column": "label"}
    from vivit_hf.training.data.hub_labels import columns_read

    named = {"video_column": "rgb", "label_column": "label"}
    with_video = {**features, "video": datasets.Video()}  # a column `video` is read with the flag left out
    assert columns_read(with_video, "rgb", None, "x") == (named, {**named, "video_column": "video"})


def test_a_streamed_local_table_listing_a_clip_twice_or_in_two_splits_is_named_as_the_whole_read_names_it(
    tmp_path, caplog
):
    """The whole read named a table's clip listed twice in train and a training clip listed in validation; streamed,
    the same folder said nothing (its path column is read anyway, to find the clips)."""
    root = tmp_path / "repo"
    for i, name in enumerate(("cat0", "cat1", "dog0", "dog1")):
        clip(root / "clips" / f"{name}.mp4", seed=i)
    (root / "train.csv").write_text("video,label\nclips/cat0.mp4,cat\nclips/cat0.mp4,cat\nclips/dog0.mp4,dog\n")
    (root / "validation.csv").write_text("video,label\nclips/cat1.mp4,cat\nclips/dog1.mp4,dog\nclips/dog0.mp4,dog\n")
    said = {}
    for how, read in (
        ("whole", lambda: load_video_dataset(root, "hub", cache_dir=str(tmp_path / "cache"))),
        ("streamed", lambda: open_streaming_dataset(str(root), cache_dir=str(tmp_path / "cache"))),
    ):
        caplog.clear()
        with caplog.at_level("WARNING"):
            read()
        said[how] = sorted(
            r.getMessage() for r in caplog.records if "more than once" in r.getMessage() or "in both" in r.getMessage()
        )
    assert said["streamed"] == said["whole"] and len(said["whole"]) == 2, said


def test_a_table_row_whose_video_is_none_is_counted_missing_at_load_not_skipped_as_broken_every_epoch(tmp_path, caplog):
    """A parquet table with a `Video` cell of None (a clip that failed to download when the table was written): the
    row was kept, its split counted it, and every epoch skipped it as a broken clip ("no video"); an evaluation split
    scored fewer clips than its size. It is left out at load and counted missing, as a clip not on disk is."""
    root = tmp_path / "repo"
    clips = [s.read_bytes() for s in sources(tmp_path, 2)]
    videos = [{"path": "a.mp4", "bytes": clips[0]}, None, {"path": "c.mp4", "bytes": clips[1]}, None]
    features = datasets.Features({"video": datasets.Video(), "label": datasets.ClassLabel(names=NAMES)})
    (root / "data").mkdir(parents=True)
    datasets.Dataset.from_dict({"video": videos, "label": [0, 1, 1, 0]}, features=features).to_parquet(
        str(root / "data" / "train-00000-of-00001.parquet")
    )
    with caplog.at_level("WARNING"):
        data = load_video_dataset(str(root), "hub", cache_dir=str(tmp_path / "cache"))
    train = data.split("train")
    assert [(video_bytes(e["video"]), e["label"]) for e in train] == [(clips[0], 0), (clips[1], 1)]
    assert data.missing == {} and data.clipless == {"train": 2}
    messages = [r.getMessage() for r in caplog.records]
    assert any("2 of its 4 rows give no video" in m and "'row 1', 'row 3'" in m for m in messages), messages


@pytest.mark.parametrize("suffix", ["parquet", "csv", "jsonl"])
def test_train_labels_as_ids_and_validation_labels_as_names_name_the_tables_and_column(tmp_path, suffix):
    """Tables written by two scripts, the training one with class ids and the validation one with class names: the
    load stopped in datasets' bare "DatasetGenerationError: An error occurred while generating the dataset" (an
    ArrowInvalid in its chain), naming no file; streamed, a bare ArrowInvalid. The column and which table holds
    which are named."""
    import pandas as pd

    root = tmp_path / "repo"
    (root / "clips").mkdir(parents=True)
    for i, source in enumerate(sources(tmp_path, 2)):
        (root / "clips" / f"c{i}.mp4").write_bytes(source.read_bytes())
    for split, labels in (("train", [0, 1]), ("validation", ["sit", "stand"])):
        table = pd.DataFrame({"video": ["clips/c0.mp4", "clips/c1.mp4"], "label": labels})
        path = root / f"{split}.{suffix}"
        if suffix == "parquet":
            table.to_parquet(path)
        elif suffix == "csv":
            table.to_csv(path, index=False)
        else:
            table.to_json(path, orient="records", lines=True)
    expected = (
        rf"column 'label' of the tables of .*repo holds integers in 'train.{suffix}' and strings in "
        rf"'validation.{suffix}'.*ArrowInvalid.*'(sit|stand)'.*class names in all of them, or class ids"
    )
    with pytest.raises(DatasetFormatError, match=expected):
        load_video_dataset(str(root), "hub", cache_dir=str(tmp_path / "cache"))
    # streamed: the label column's one pass (each CSV / JSON table read on its own, it made classes 0, 1, sit, stand)
    expected = rf"column 'label' .* holds integers in .*'train.{suffix}'.* and strings in .*'validation.{suffix}'"
    with pytest.raises(DatasetFormatError, match=expected + r".*class names in all of them, or class ids"):
        open_streaming_dataset(str(root), cache_dir=str(tmp_path / "cache"))


@pytest.mark.parametrize(("first", "kind"), [(0, "number"), (["run"], "array")])
def test_a_metadata_jsonl_whose_labels_are_ids_in_some_rows_and_names_in_others_is_named(tmp_path, first, kind):
    """One metadata.jsonl whose rows write the label as a number (or a list) here and as text there: the load stopped
    in Arrow's bare "JSON parse error: Column(/label) changed from number to string in row 1", naming no file, whole
    and streamed (a list was said to be a number)."""
    root = tmp_path / "repo"
    (root / "train").mkdir(parents=True)
    for i, source in enumerate(sources(tmp_path, 2)):
        (root / "train" / f"c{i}.mp4").write_bytes(source.read_bytes())
    rows = [{"file_name": "c0.mp4", "label": first}, {"file_name": "c1.mp4", "label": "stand"}]
    (root / "train" / "metadata.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    expected = (
        r"^--dataset_format hub: train/metadata\.jsonl in .*repo writes a column two ways \(JSON parse error: "
        rf"Column\(/label\) changed from {kind} to string in row 1: a value of one type in some rows and of another in "
        r"others, .* class names in every row, or class ids in every"
    )
    with pytest.raises(DatasetFormatError, match=expected):
        load_video_dataset(str(root), "hub", cache_dir=str(tmp_path / "cache"))
    with pytest.raises(DatasetFormatError, match=expected):
        open_streaming_dataset(str(root), cache_dir=str(tmp_path / "cache"))


@pytest.mark.parametrize("layout", ["webdataset_json", "parquet_class_name"])
def test_integer_labels_take_their_names_from_a_names_column_beside_them(tmp_path, layout):
    """Integer labels with their names beside them (a WebDataset `.json` {"label": 1, "label_name": "stand"}, a table
    of `label` and `class_name`) gave id2label "0", "1": the names the data says were lost, and a model pushed with
    them predicted "1". Each id takes the name given beside it; the ids stay the labels."""
    root = tmp_path / "repo"
    labels = [1, 0, 1]
    if layout == "webdataset_json":
        samples = [
            (f"k{i:04d}", {"mp4": s.read_bytes(), "json": json.dumps({"label": y, "label_name": NAMES[y]}).encode()})
            for i, (s, y) in enumerate(zip(sources(tmp_path), labels))
        ]
        write_tar(root / "train-00000.tar", samples)
    else:
        videos = [{"path": None, "bytes": s.read_bytes()} for s in sources(tmp_path)]
        features = datasets.Features(
            {"video": datasets.Video(), "label": datasets.Value("int64"), "class_name": datasets.Value("string")}
        )
        (root / "data").mkdir(parents=True)
        table = {"video": videos, "label": labels, "class_name": [NAMES[y] for y in labels]}
        datasets.Dataset.from_dict(table, features=features).to_parquet(str(root / "data" / "train.parquet"))
    data = load_video_dataset(str(root), "hub", cache_dir=str(tmp_path / "cache"))
    assert data.id2label == {0: "sit", 1: "stand"}
    assert [e["label"] for e in data.split("train")] == labels
    streamed = open_streaming_dataset(str(root), cache_dir=str(tmp_path / "cache"))
    assert streamed.id2label == {0: "sit", 1: "stand"}


def test_metadata_files_of_two_types_are_refused_naming_them_not_datasets_bare_value_error(tmp_path):
    # train/ labelled by a metadata.csv, test/ by a metadata.jsonl (two tools wrote them): datasets reads all the
    # metadata files of a folder in one format and raised "Found metadata files with different extensions".
    train_clip, test_clip = sources(tmp_path, 2)
    root = tmp_path / "videos"
    (root / "train").mkdir(parents=True)
    (root / "test").mkdir()
    (root / "train" / "a.mp4").write_bytes(train_clip.read_bytes())
    (root / "test" / "b.mp4").write_bytes(test_clip.read_bytes())
    (root / "train" / "metadata.csv").write_text("file_name,label\na.mp4,sit\n")
    (root / "test" / "metadata.jsonl").write_text(json.dumps({"file_name": "b.mp4", "label": "sit"}) + "\n")
    for read in (lambda: load_video_dataset(str(root), "hub"), lambda: open_streaming_dataset(str(root))):
        with pytest.raises(DatasetFormatError, match=r"test/metadata\.jsonl, train/metadata\.csv.*one type"):
            read()


def test_a_hub_repos_metadata_files_of_two_types_are_refused_naming_them_whole_and_streamed(tmp_path, monkeypatch):
    """A Hub repo laid out as the local folder above went past the local check straight to `datasets`, and ended in
    its bare `ValueError: Found metadata files with different extensions`, naming no file. The repo is its snapshot
    as `hf_hub_download` keeps it, read by the repo id (datasets is handed the snapshot: no network here)."""
    train_clip, test_clip = sources(tmp_path, 2)
    root = tmp_path / "hub" / "datasets--someone--videos" / "snapshots" / "0123abc"
    (root / "train").mkdir(parents=True)
    (root / "test").mkdir()
    (root / "train" / "a.mp4").write_bytes(train_clip.read_bytes())
    (root / "test" / "b.mp4").write_bytes(test_clip.read_bytes())
    (root / "train" / "metadata.csv").write_text("file_name,label\na.mp4,sit\n")
    (root / "test" / "metadata.jsonl").write_text(json.dumps({"file_name": "b.mp4", "label": "sit"}) + "\n")

    def by_repo_id(read):
        def read_snapshot(path, *args, **kwargs):
            return read(str(root) if path == "someone/videos" else path, *args, **kwargs)

        return read_snapshot

    for name in ("load_dataset", "load_dataset_builder"):
        monkeypatch.setattr(datasets, name, by_repo_id(getattr(datasets, name)))
    with pytest.raises(ValueError, match="different extensions"):  # what datasets itself says of the snapshot
        datasets.load_dataset("someone/videos", cache_dir=str(tmp_path / "cache"))
    cache = str(tmp_path / "cache")
    for read in (
        lambda: load_video_dataset("someone/videos", "hub", cache_dir=cache),
        lambda: open_streaming_dataset("someone/videos", cache_dir=cache),
    ):
        with pytest.raises(DatasetFormatError, match=r"someone/videos .*test/metadata\.jsonl, train/metadata\.csv"):
            read()


def test_a_parquet_column_of_path_dicts_without_bytes_is_read_whole_and_streamed_from_the_tables_folder(tmp_path):
    """Parquet cells `{"path": "../clips/0.mp4", "bytes": None}`: a struct of the two (as pandas or pyarrow write
    such dicts: `bytes` typed null), a `Video` column written with pyarrow (nothing embedded), or one whose other
    rows hold their bytes. The whole read stopped in pyarrow's `ArrowNotImplementedError: Function 'binary_length'
    has no kernel matching input types (null)` (struct); streamed, the paths went to the decoder as written, from the
    working directory: every such clip "does not exist", skipped as broken (all three; 2 of the 3 mixed). The
    reference is the clips' own bytes, read as a stream of them."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from vivit_hf.processing.processing_vivit import ViViTVideoProcessor
    from vivit_hf.training.data.streaming import StreamingSplit, StreamingVideoDataset

    labels, clips = [1, 0, 1], [source.read_bytes() for source in sources(tmp_path)]
    processor = ViViTVideoProcessor(num_frames=2, size={"shortest_edge": 8}, crop_size={"height": 8, "width": 8})
    features = datasets.Features({"video": datasets.Video(decode=False), "label": datasets.ClassLabel(names=NAMES)})
    rows = datasets.Dataset.from_dict(
        {"video": [{"path": None, "bytes": clip} for clip in clips], "label": labels}, features=features
    ).to_iterable_dataset()
    split = StreamingSplit(rows, "video", "label", None, 3)
    reference = next(iter(StreamingVideoDataset(split, processor, batch_size=3, seed=0)))["pixel_values"]
    videos = [{"path": f"../clips/{i}.mp4", "bytes": None} for i in range(3)]
    features = datasets.Features({"video": datasets.Video(), "label": datasets.ClassLabel(names=NAMES)})
    mixed = [videos[0], {"path": "1.mp4", "bytes": clips[1]}, videos[2]]  # a clip's bytes beside others' paths
    tables = {
        "struct": pa.table({"video": videos, "label": [NAMES[label] for label in labels]}),
        "video": datasets.Dataset.from_dict({"video": videos, "label": labels}, features=features).data.table,
        "mixed": datasets.Dataset.from_dict({"video": mixed, "label": labels}, features=features).data.table,
    }
    # Arrow files (not save_to_disk) of the same cells: streamed, they were read from the working directory too (their
    # null counts are in each record batch's header, read without the bytes: `arrow_nulls`)
    tables |= {f"{cells} arrow": tables[cells] for cells in ("video", "mixed")}
    for cells, table in tables.items():
        root = tmp_path / cells
        for i, data in enumerate(clips):
            (root / "clips").mkdir(parents=True, exist_ok=True)
            (root / "clips" / f"{i}.mp4").write_bytes(data)
        (root / "data").mkdir()
        if cells.endswith("arrow"):
            with pa.OSFile(str(root / "data" / "train.arrow"), "wb") as sink:
                with pa.ipc.new_stream(sink, table.schema) as writer:  # as `datasets` writes its Arrow files
                    writer.write_table(table)
        else:
            pq.write_table(table, root / "data" / "train.parquet")

        if not cells.endswith("arrow"):  # (read whole, Arrow files found their paths already)
            train = load_video_dataset(str(root), "hub", cache_dir=str(tmp_path / "cache")).split("train")
            assert [(video_bytes(e["video"]), e["label"]) for e in train] == list(zip(clips, labels)), cells
        streamed = open_streaming_dataset(str(root), cache_dir=str(tmp_path / "cache"))
        batch = next(iter(StreamingVideoDataset(streamed.split("train"), processor, batch_size=3, seed=0)))
        assert batch["valid"].tolist() == [True, True, True], cells
        assert batch["labels"].tolist() == labels, cells
        assert torch.equal(batch["pixel_values"], reference), cells


@pytest.mark.parametrize("layout", ["unlabelled_test", "webm_train_mp4_validation", "mp4_shard_avi_shard"])
def test_webdataset_splits_with_other_members_are_read_by_each_splits_own_not_by_the_last_splits(tmp_path, layout):
    """`datasets` types a WebDataset's columns by the first samples of its last split's first shard and drops every
    member those lack. A train of `<key>.mp4` + `<key>.cls` beside the Hub's usual unlabelled test of `<key>.mp4`
    lost its `cls`: "need a label column", whole and streamed; `.webm` training clips beside `.mp4` validation clips
    were rows without a video, the whole train split left out, as were a train's `.avi` shard's beside its `.mp4`
    one. Now the columns are every split's and every local shard's: the train labels are read and the test split
    left out as unlabelled; clips in members of two types are refused, naming them."""
    clips = sources(tmp_path, 4)
    repo = tmp_path / "repo"
    train_clip = "webm" if layout == "webm_train_mp4_validation" else "mp4"
    samples = [(f"k{i}", {train_clip: clips[i].read_bytes(), "cls": str(i % 2).encode()}) for i in range(3)]
    write_tar(repo / "train-00000.tar", samples)
    other = {"mp4": clips[3].read_bytes()} | ({"cls": b"1"} if layout != "unlabelled_test" else {})
    if layout == "mp4_shard_avi_shard":
        write_tar(repo / "train-00001.tar", [("t", {"avi": other.pop("mp4"), **other})])
    else:
        write_tar(repo / f"{'test' if layout == 'unlabelled_test' else 'validation'}-00000.tar", [("t", other)])
    root, cache = str(repo), str(tmp_path / "cache")
    if layout != "unlabelled_test":
        types = "'mp4', 'webm'" if layout == "webm_train_mp4_validation" else "'mp4', 'avi'"
        for read in (lambda: load_video_dataset(root, "hub", cache_dir=cache), lambda: open_streaming_dataset(root)):
            with pytest.raises(DatasetFormatError, match=rf"clip members of several types, \[{types}\]"):
                read()
        return
    data = load_video_dataset(root, "hub", cache_dir=cache)
    assert sorted(data.splits) == ["train"] and data.unlabelled == ["test"]
    assert [(e["id"], e["label"]) for e in data.split("train")] == [
        (f"train-00000.tar/k{i}.mp4", i % 2) for i in range(3)
    ]
    streamed = open_streaming_dataset(root, cache_dir=cache)
    split = streamed.split("train")
    rows = [hub_example(row, split.video_column, split.label_column, split.label_id, "?") for row in split.dataset]
    assert sorted(streamed.splits) == ["train"] and [e["label"] for e in rows] == [0, 1, 0]


@pytest.mark.parametrize("unlike", ["webm", "no cls"])
def test_webdataset_samples_of_other_members_among_a_shards_first_are_refused_naming_them(tmp_path, unlike):
    """Clips of two containers among a shard's first 5 samples (`k0.mp4`, `k1.webm`), or a sample without its label
    member there: `datasets`, which infers the columns from those samples, stopped in its bare `ValueError` "don't
    share the same prefix or the same types", naming neither the shard nor the samples, whole and streamed."""
    second = {"webm": b"clip", "cls": b"1"} if unlike == "webm" else {"mp4": b"clip"}
    write_tar(tmp_path / "repo" / "train-00000.tar", [("k0", {"mp4": b"clip", "cls": b"0"}), ("k1", second)])
    members = "'<key>.cls', '<key>.webm'" if unlike == "webm" else "'<key>.mp4'"
    refusal = (
        rf"shard .*train-00000\.tar holds samples of different members: 'k0' has '<key>\.cls', '<key>\.mp4', 'k1' "
        rf"has {re.escape(members)}; .* every clip one member name \('<key>\.video'"
    )
    root = str(tmp_path / "repo")
    with pytest.raises(DatasetFormatError, match=refusal):
        load_video_dataset(root, "hub", cache_dir=str(tmp_path / "cache"))
    with pytest.raises(DatasetFormatError, match=refusal):
        open_streaming_dataset(root, cache_dir=str(tmp_path / "cache"))


def test_a_webdataset_clip_beside_its_gif_preview_is_read_not_refused_as_clips_of_two_types(tmp_path):
    """A sample's `<key>.gif` beside its `<key>.mp4` (an animated preview, as video sites' dumps keep one) is an
    image to `datasets`, not a second clip: the clip members' check refused such shards as clips "of several types,
    ['mp4', 'gif']", which a sample holding both is not."""
    from PIL import Image

    preview = io.BytesIO()
    Image.new("RGB", (4, 4)).save(preview, format="GIF")
    samples = [
        (f"k{i}", {"mp4": clip.read_bytes(), "gif": preview.getvalue(), "cls": str(i % 2).encode()})
        for i, clip in enumerate(sources(tmp_path, 3))
    ]
    write_tar(tmp_path / "repo" / "train-00000.tar", samples)
    data = load_video_dataset(str(tmp_path / "repo"), "hub", cache_dir=str(tmp_path / "cache"))
    assert [(e["id"], e["label"]) for e in data.split("train")] == [
        (f"train-00000.tar/k{i}.mp4", i % 2) for i in range(3)
    ]


def test_webdataset_columns_from_a_splits_other_shards_read_no_clip(tmp_path, monkeypatch):
    """The columns of a split's shards after its first come from each one's first sample (`.avi` shards beside
    `.mp4` ones): read whole, that was a clip of every shard before a run's first step (2 000 shards of 200 kB clips:
    3.1 s, 0.4 s without). Their clips are typed by extension, their other members read."""
    from datasets.download.streaming_download_manager import StreamingDownloadManager
    from datasets.packaged_modules.webdataset.webdataset import WebDataset

    from vivit_hf.training.data.hub_files import webdataset_features_of_every_split

    repo = tmp_path / "repo"
    for number, kind in enumerate(("mp4", "avi", "mp4")):
        write_tar(repo / f"train-0000{number}.tar", [(f"k{number}", {kind: b"clip" * 100, "cls": b"1"})])
    builder = datasets.load_dataset_builder(str(repo), cache_dir=str(tmp_path / "cache"))
    examples, pipeline = [], WebDataset._get_pipeline_from_tar.__func__

    def spied(cls, tar_path, members):
        for example in pipeline(cls, tar_path, members):
            examples.append((Path(tar_path).name, {k: v for k, v in example.items() if k != "__url__"}))
            yield example

    monkeypatch.setattr(WebDataset, "_get_pipeline_from_tar", classmethod(spied))
    features = webdataset_features_of_every_split(builder, StreamingDownloadManager(base_path=builder.base_path))
    assert isinstance(features["mp4"], datasets.Video) and isinstance(features["avi"], datasets.Video)
    assert examples == [
        ("train-00000.tar", {"__key__": "k0", "mp4": b"clip" * 100, "cls": 1}),
        ("train-00001.tar", {"__key__": "k1", "avi": b"", "cls": 1}),
        ("train-00002.tar", {"__key__": "k2", "mp4": b"", "cls": 1}),
    ]


@pytest.mark.parametrize("named_in", ["json", "txt", "captions"])
def test_webdataset_class_ids_take_their_names_from_the_json_beside_them_without_a_card(tmp_path, named_in):
    """The shard tool's samples, `<key>.cls` (the id) and `<key>.json` (`id`, `label`: the class name), copied
    without the card that names the classes: the model's classes were "0", "1" (its id2label), whole and streamed.
    The ids stay the labels; the json names them, or a `<key>.txt` beside them (webdataset's ImageNet-style shards:
    the name, its file's newline and all; it was left unread, the classes "0", "1"). A `.txt` of captions, one a
    clip, names no class: the ids stay their names, not refused as an id of two names."""
    names = {
        "json": lambda i: json.dumps({"label": NAMES[i % 2]}).encode(),
        "txt": lambda i: f"{NAMES[i % 2]}\n".encode(),
        "captions": lambda i: f"clip {i}: someone {NAMES[i % 2]}s up\n".encode(),
    }
    member = "txt" if named_in == "captions" else named_in
    samples = [
        (
            f"{i:06d}",
            {"mp4": clip.read_bytes(), "cls": str(i % 2).encode(), member: names[named_in](i)},
        )
        for i, clip in enumerate(sources(tmp_path, 4 if named_in == "captions" else 3))  # (3: too few to tell)
    ]
    write_tar(tmp_path / "repo" / "data" / "train-00000-of-00001.tar", samples)
    root, expected = str(tmp_path / "repo"), ["0", "1"] if named_in == "captions" else NAMES
    data = load_video_dataset(root, "hub", cache_dir=str(tmp_path / "cache"))
    assert data.label_names == expected and [e["label"] for e in data.split("train")] == [0, 1, 0, 1][: len(samples)]
    assert open_streaming_dataset(root, cache_dir=str(tmp_path / "cache")).label_names == expected


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (["cat", "dog", "cat", "dog", "cow", "dog"], "names class 0 of 'cls' both 'cat' and 'cow'"),  # one typo
        (["a cat", "a dog", "a cat sits", "dogs run", "the cat", "dog"], ["0", "1"]),  # captions: ids as names
        (["cat", "dog", "cat", "dog", "cat", "dog"], ["cat", "dog"]),
        # a tiny set: names with one entry that disagrees, or captions? (read as captions without a word, ids as names)
        (["cat", "dog", "cow"], "gives class 0 of 'cls' two texts, 'cat' and 'cow', and no other class more than one"),
        (["a cat", "a dog", "a cat sits"], "two texts, 'a cat' and 'a cat sits'"),
        (["a cat", "a dog", "a cat sits", "dogs run"], ["0", "1"]),  # two ids of distinct texts: captions
        (["cat", "dog", "cat"], ["cat", "dog"]),
        # the one id given several texts, one of them twice: names (read as captions, ids as names), or captions
        (([0, 1, 0, 0], ["cat", "dog", "cat", "cow"]), "names class 0 of 'cls' both 'cat' and 'cow'"),
        (([0, 1, 0, 0], ["a cat", "a dog", "a cat sits", "the cat"]), ["0", "1"]),
    ],
)
def test_a_webdataset_txt_of_names_with_an_entry_that_disagrees_is_refused_not_taken_for_captions(texts, expected):
    """A `<key>.txt` of class names beside `.cls` ids, one entry giving class 0 another name: any id given two texts
    was read as captions, the names dropped without a word and the ids used as names ("0", "1"). Most ids given one
    text throughout make it a names file with an error, refused naming both names; captions (most ids given several
    texts) still name no class; where one id given two texts is all there is to tell by, it is refused."""
    from vivit_hf.training.data.hub_labels import names_beside_ids

    ids, texts = texts if isinstance(texts, tuple) else ([0, 1, 0, 1, 0, 1][: len(texts)], texts)
    columns = {"cls": ids, "txt": texts}
    features = {"__key__": None, "mp4": None, "cls": None, "txt": None}
    read = partial(names_beside_ids, ["0", "1"], features, "cls", columns.get)
    if isinstance(expected, str):
        with pytest.raises(DatasetFormatError, match=re.escape(expected)):
            read()
    else:
        assert read() == expected


def test_ids_and_names_that_do_not_pair_are_refused_naming_the_split_and_its_row(tmp_path):
    """The rows of every split were counted one after the other: `row 3` of the refusal was the test split's row 0
    (train's three rows first), a row the user could not find. Named by split and its row now, whole and streamed."""
    root = _ids_beside_names(tmp_path, [(0, "zebra"), (1, "ant"), (0, "zebra")])
    test = Path(root) / "test"
    clip(test / "c0.mp4")
    with open(test / "metadata.csv", "w", newline="") as f:
        csv.writer(f).writerows([("file_name", "label", "class"), ("c0.mp4", 1, "zebra")])
    said = (
        "(split 'test' row 0: label 1 beside class 'zebra', where split 'train' row 1 gives label 1 beside class 'ant')"
    )
    for read in WHOLE_AND_STREAMED:
        with pytest.raises(DatasetFormatError, match=re.escape(said)):
            read(root, "hub", cache_dir=str(tmp_path / "cache"))


def test_a_class_name_column_giving_two_ids_one_name_is_refused_naming_the_rows():
    """Integer `label` ids beside a `class_name` giving ids 0 and 1 the one name `cat`: id2label named two classes
    `cat` (label2id kept one; datasets' `ClassLabel` refuses names duplicated). Refused naming the rows."""
    from vivit_hf.training.data.hub_labels import names_beside_ids

    columns = {"label": [0, 1, 0], "class_name": ["cat", "cat", "cat"]}
    features = {"video": None, "label": None, "class_name": None}
    said = "the column 'class_name' gives two classes of 'label' one name (row 1: label 1 beside class_name 'cat', "
    with pytest.raises(
        DatasetFormatError, match=re.escape(said + "where row 0 gives label 0 beside class_name 'cat')")
    ):
        names_beside_ids(["0", "1"], features, "label", columns.get)
    columns["class_name"] = ["cat", "dog", "cat"]  # one name an id: read
    assert names_beside_ids(["0", "1"], features, "label", columns.get) == ["cat", "dog"]


def test_a_shard_holding_a_samples_members_apart_is_refused_naming_it_whole_and_streamed(tmp_path):
    """`tar -cf shard.tar *.mp4 *.cls` writes every clip, then every label: `datasets` reads a sample from consecutive
    members only, so it made 6 samples of a clip or a label each, and stopped in its bare `ValueError` ("don't share
    the same prefix"), or, past its 5 samples of inference, "need a label column". The shard and member are named."""
    root = tmp_path / "repo"
    root.mkdir()
    clips = sources(tmp_path)
    with tarfile.open(root / "train-00000.tar", "w") as tar:
        for name, data in [(f"k{i}.mp4", c.read_bytes()) for i, c in enumerate(clips)] + [
            (f"k{i}.cls", str(i % 2).encode()) for i in range(3)
        ]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    for read in (lambda: load_video_dataset(str(root), "hub"), lambda: open_streaming_dataset(str(root))):
        with pytest.raises(DatasetFormatError, match=r"train-00000.tar .* holds 'k0.cls' apart from the other members"):
            read()


def test_a_video_stored_as_its_frames_is_found_and_sampled_as_a_file_of_them_whole_and_streamed(tmp_path, caplog):
    """A `Sequence(Image())` column, frames stored as a list of images, is the video column without a flag (it was
    refused as no video column), and its rows are sampled as a file of those frames is: the centred 4 frames 2 apart,
    checked against the processor's clip of an H.264 file of the same frames. Named with --video_column, every stored
    frame was the clip: 9 frames reached a model of 4, a traceback in its forward; streamed, each frame came as
    `{"path", "bytes"}`, refused as "dtype object". A row with a frame that does not decode is a broken clip, skipped
    (decoded with the row, it stopped the run with a traceback, whole and streamed); a row of no frame (None, [])
    is no clip, as a `Video` cell of None (read whole, an empty list was a broken clip every epoch)."""
    from PIL import Image
    from video_factory import frame_indices, pattern_frame, write_video

    from vivit_hf.processing.processing_vivit import ViViTVideoProcessor
    from vivit_hf.training.data.dataset import VideoClassificationDataset
    from vivit_hf.training.data.streaming import StreamingVideoDataset

    stored = [[pattern_frame(i, 32, 48) for i in range(count)] for count in (9, 12)]
    features = datasets.Features({"frames": datasets.List(datasets.Image()), "label": datasets.ClassLabel(names=NAMES)})
    rows = {"frames": [[Image.fromarray(f) for f in frames] for frames in stored], "label": [0, 1]}
    rows["frames"] += [[rows["frames"][0][0], {"bytes": b"not a picture", "path": None}], None, []]
    rows["label"] += [0, 1, 0]
    table = datasets.Dataset.from_dict(rows, features=features)
    table.save_to_disk(str(tmp_path / "saved"))
    (tmp_path / "parquet" / "data").mkdir(parents=True)
    table.to_parquet(str(tmp_path / "parquet" / "data" / "train-00000-of-00001.parquet"))
    processor = ViViTVideoProcessor(
        num_frames=4, frame_stride=2, size={"shortest_edge": 32}, crop_size={"height": 32, "width": 48}
    )

    def indices(pixel_values):  # each view's frame numbers, from the pixels on [-1, 1]
        return [frame_indices(((view + 1) * 127.5).permute(0, 2, 3, 1).numpy()) for view in pixel_values]

    files = [write_video(tmp_path / f"{n}.mp4", num_frames=len(f), height=32, width=48) for n, f in enumerate(stored)]
    expected = [indices(processor(str(file), return_tensors="pt")["pixel_values"]) for file in files]
    assert expected == [[[0, 2, 4, 6]], [[2, 4, 6, 8]]]  # (the centred clips of 9 and 12 frames)

    data = load_video_dataset(str(tmp_path / "saved"), "hub")
    whole = VideoClassificationDataset(data.split("train"), processor)
    assert [indices(whole[i]["pixel_values"]) for i in range(2)] == expected
    assert not whole[2]["valid"] and len(whole) == 3  # (the rows of no frame: no clip, left out at load)
    # said once, as they are left out, under their own reason: also counted in `data.missing` with the clips not on
    # disk, a second warning said "2 clips ... left out: named by the annotations but missing on disk, or rows that
    # give no video" of them
    from accelerate import PartialState

    from vivit_hf.training.finetune import warn_missing

    PartialState()  # (accelerate's logger needs it)
    caplog.clear()
    with caplog.at_level("WARNING"):
        load_video_dataset(str(tmp_path / "saved"), "hub")
        warn_missing(data)
    said = [r.getMessage() for r in caplog.records if "2" in r.getMessage()]
    assert said == [
        "split 'train': 2 of its 5 rows give no video (column 'frames' is None or empty) and are left out: 'row 3', "
        "'row 4'"
    ], said
    assert data.missing == {} and data.clipless == {"train": 2}

    # Parquet tables without a card (`to_parquet` into push_to_hub's layout), given without --dataset_format: refused
    # naming only `data/`, not the format that reads them (a card or a `save_to_disk` folder was told)
    with pytest.raises(DatasetFormatError, match=r"found \['data/'\]; it holds a data set's tables: read it with"):
        load_video_dataset(str(tmp_path / "parquet"))
    # (streamed from parquet, which decodes no column: its frames come undecoded)
    split = open_streaming_dataset(str(tmp_path / "parquet"), cache_dir=str(tmp_path / "cache")).split("train")
    (batch,) = [b for b in StreamingVideoDataset(split, processor, batch_size=5) if not b.get("end")]
    assert batch["valid"].tolist() == [True, True, False, False, False]
    assert batch["clips"].tolist() == [True, True, True, False, False]
    streamed = dict(zip(batch["labels"][:2].tolist(), indices(batch["pixel_values"][:2])))
    assert [[streamed[label]] for label in (0, 1)] == expected
    # A processor sampling by fps (finetune.py leaves a checkpoint's out): stored frames carry no rate; the refusal
    # advised `video_metadata`, which a data set's rows do not pass, and now says what to change
    by_rate = ViViTVideoProcessor(fps=2, size={"shortest_edge": 32}, crop_size={"height": 32, "width": 48})
    refusal = r"held as its frames .* samples by fps=2: sample by count \(`processor.fps = None`"
    with pytest.raises(ValueError, match=refusal):
        VideoClassificationDataset(data.split("train"), by_rate)[0]
    refused = next(iter(StreamingVideoDataset(split, by_rate, batch_size=5)))["refused"]  # (one line, row named)
    assert re.search(r"\(the first, 0:0:0 \(<9 frames>\)\): its video is " + refusal, refused)


def test_a_list_of_images_beside_a_video_is_not_taken_for_the_video():
    """A list of images (`Sequence(Image())`) is a video's frames only where nothing else is the video: a clip's
    keyframes or thumbnails beside its `Video` column or its path column (`video`, `video_path`) are not the clip. The
    path column lost to them: every row's thumbnails were its video, without a word."""
    from vivit_hf.training.data.hub_labels import hub_columns

    frames, label = datasets.List(datasets.Image()), datasets.ClassLabel(names=NAMES)
    for video, feature in (("clip", datasets.Video()), ("video", datasets.Value("string")), ("video_path", frames)):
        features = datasets.Features({video: feature, "thumbnails": frames, "label": label})
        assert hub_columns(features, None, None, "x") == (video, "label")
    assert hub_columns(datasets.Features({"thumbnails": frames, "label": label}), None, None, "x") == (
        "thumbnails",
        "label",
    )


def test_a_video_column_of_a_chosen_track_trains_on_that_track_whole_and_streamed(tmp_path):
    """`Video(stream_index=1)` (a `save_to_disk` folder's features, a card's) names the track of each file the column
    holds; the recipes cast it to `Video(decode=False)`, which dropped it, and trained on each file's own track 0
    (20 frames of 48x64 stretched to the 64x96 asked for, the centred clip frames 6-12 for 11-17) without a word.
    Each clip, read whole (and through the decoded-clip cache) and streamed, equals a sequential PyAV decode of track
    1; a track that is no video stream is refused by name. Asked of torchcodec, such a row is read by PyAV. Rows that
    give a segment (`start` / `end`: `hub` reads each row's whole video, said in a warning) keep their track too,
    named by their segment."""
    import av
    from video_factory import frame_indices, write_two_video_tracks

    from vivit_hf.processing.errors import VideoDecodeError
    from vivit_hf.processing.processing_vivit import ViViTVideoProcessor
    from vivit_hf.processing.video_io import open_video
    from vivit_hf.processing.video_torchcodec import open_with_torchcodec
    from vivit_hf.training.data.dataset import VideoClassificationDataset
    from vivit_hf.training.data.streaming import StreamingVideoDataset

    paths = [write_two_video_tracks(tmp_path / "0.mkv", ("libx264", "libx264")), str(tmp_path / "1.mkv")]
    Path(paths[1]).write_bytes(Path(paths[0]).read_bytes())  # (the same frames: one encode)
    video, label, seconds = datasets.Video(stream_index=1), datasets.ClassLabel(names=NAMES), datasets.Value("float64")
    features = datasets.Features({"video": video, "label": label, "start": seconds, "end": seconds})
    rows = {"video": paths, "label": [0, 1], "start": [0.0, 0.5], "end": [0.5, 1.0]}
    datasets.Dataset.from_dict(rows, features=features).save_to_disk(str(tmp_path / "s"))
    size = {"height": 64, "width": 96}
    processor = ViViTVideoProcessor(num_frames=4, frame_stride=2, size=size, crop_size=size)
    with av.open(paths[0]) as container:  # track 1 decoded front to back
        truth = np.stack([f.to_ndarray(format="rgb24") for f in container.decode(container.streams[1])])
    assert truth.shape == (30, 64, 96, 3)

    def assert_track_1(pixel_values):  # the centred clip of track 1's 30 frames, its pictures as decoded
        got = ((pixel_values + 1) * 127.5).round().clamp(0, 255).byte().permute(0, 2, 3, 1).numpy()
        assert frame_indices(got) == [11, 13, 15, 17]
        assert np.abs(got.astype(int) - truth[[11, 13, 15, 17]].astype(int)).mean() < 2

    whole = VideoClassificationDataset(load_video_dataset(str(tmp_path / "s"), "hub").split("train"), processor)
    assert whole.header_refusal() is None
    for i in range(2):
        assert_track_1(whole[i]["pixel_values"][0])  # (its one view)
    whole.cache_decoded_videos()
    assert_track_1(whole[1]["pixel_values"][0])

    split = open_streaming_dataset(str(tmp_path / "s"), cache_dir=str(tmp_path / "cache")).split("train")
    (batch,) = [b for b in StreamingVideoDataset(split, processor, batch_size=2) if not b.get("end")]
    assert batch["valid"].tolist() == [True, True]
    assert sorted(clip_id.rpartition("/")[2] for clip_id in batch["ids"]) == ["0.mkv@0.0-0.5", "1.mkv@0.5-1.0"]
    for pixel_values in batch["pixel_values"]:
        assert_track_1(pixel_values)

    with pytest.raises(VideoDecodeError, match=r"has no video stream 2 \(its streams: 0: video, 1: video\)"):
        open_video({"path": paths[0], "bytes": None, "stream_index": 2})
    # (asked of torchcodec, such a row is read by PyAV, from its track)
    with open_with_torchcodec({"path": paths[0], "bytes": None, "stream_index": 1}) as reader:
        assert (reader.backend, reader.num_frames) == ("pyav", 30)


@pytest.mark.parametrize(
    "layout", [partial(parquet, with_bytes=True), partial(webdataset, label_member="txt")], ids=["parquet", "tar"]
)
def test_a_cut_streams_classes_are_read_without_reading_its_rows_again(tmp_path, monkeypatch, layout):
    """--streaming --max_train_samples 1 of clips labelled stand, sit, stand: the warning naming the class the cut
    leaves out ('sit') read the cut's rows through the stream, clip bytes and all (a parquet row group, a tar's
    samples: on the Hub, a download of each clip the training then downloads again). It reads the parquet label
    column alone (ranged reads), or the labels the open read (a WebDataset's `.txt`): no row read again."""
    from datasets.packaged_modules.parquet import parquet as parquet_module

    from vivit_hf.training.data.streaming import warn_classes_a_cut_leaves_out

    root, names, _ = layout(tmp_path)
    data = open_streaming_dataset(str(root), cache_dir=str(tmp_path / "cache"))
    split = data.split("train")
    split.keep_first(1)

    def no_row_read(*args, **kwargs):
        raise AssertionError("a row of the stream was read")

    monkeypatch.setattr(parquet_module, "ds", None)  # datasets' parquet reader: rows, clip bytes and all
    monkeypatch.setattr(tarfile, "open", no_row_read)
    assert warn_classes_a_cut_leaves_out(split, data.label_names, "--max_train_samples", "train") == ["sit"]


def test_a_cut_stream_of_a_split_lacking_a_class_does_not_name_it_as_left_out_by_the_cut(tmp_path, caplog):
    """A validation split of 'stand' clips alone beside a training split of both classes, cut to 1 clip: the
    warning named 'sit' as left out by the cut, which no cut of that split could hold."""
    import logging

    from vivit_hf.training.data.streaming import warn_classes_a_cut_leaves_out

    root, *_ = webdataset(tmp_path, label_member="txt")
    stand = [(f"v{i}", {"mp4": s.read_bytes(), "txt": b"stand"}) for i, s in enumerate(sources(tmp_path, 2))]
    write_tar(root / "validation-00000.tar", stand)
    data = open_streaming_dataset(str(root), cache_dir=str(tmp_path / "cache"))
    validation = data.split("validation")
    validation.keep_first(1)
    with caplog.at_level(logging.WARNING):
        said = warn_classes_a_cut_leaves_out(validation, data.label_names, "--max_eval_samples", "validation")
    assert data.label_names == NAMES and said == [] and "keeps the first" not in caplog.text


def test_a_tars_json_members_in_capitals_give_their_clip_ids_to_the_tar_scan(tmp_path):
    """The tar scan a stream's repeated-clips warning reads ids from (`tar_index`) took `<key>.json` members alone:
    `<key>.JSON` gave no ids. The reference: the same samples with lower-case members."""
    from vivit_hf.training.data.stream_contents import tar_index

    for case in (str.lower, str.upper):
        path = tmp_path / f"{case('shard')}.tar"
        write_tar(path, [(f"k{i}", {"mp4": b"x", case("json"): json.dumps({"id": f"c{i}"}).encode()}) for i in (0, 1)])
        assert tar_index(str(path), str(tmp_path / "cache"))[1] == ["c0", "c1"], case


def test_webdataset_members_with_extensions_in_capitals_are_read_as_lower_case_ones(tmp_path):
    """`<key>.CLS` (and `.TXT`), which datasets decodes by the extension's lower case, gave no label column: refused,
    found only with --label_column; and `--label_column CLS` beside a `<key>.JSON` that names the classes did not read
    their names there ("0", "1"), nor the clips' ids there (named `<shard>/<key>.MP4`). The reference: the same samples
    with lower-case members."""
    labels = [1, 0, 1]
    read = {}
    for case in (str.lower, str.upper):
        for names in (False, True):  # the class ids alone (found without a flag), or with the json naming them
            samples = []
            for i, (source, label) in enumerate(zip(sources(tmp_path), labels)):
                members = {case("mp4"): source.read_bytes(), case("cls"): str(label).encode()}
                members.update(
                    {case("json"): json.dumps({"label": NAMES[label], "id": f"c{i}"}).encode()} if names else {}
                )
                samples.append((f"k{i}", members))
            root = tmp_path / f"{case('repo')}{names}"
            write_tar(root / "train-00000.tar", samples)
            flag = {"label_column": case("cls")} if names else {}
            data = load_video_dataset(str(root), "hub", cache_dir=str(tmp_path / "cache"), **flag)
            examples = list(data.split("train"))
            read[case, names] = data.label_names, [e["label"] for e in examples], [e["id"] for e in examples]
    assert read[str.upper, False][:2] == read[str.lower, False][:2] == (["0", "1"], labels)
    assert read[str.upper, True] == read[str.lower, True] == (NAMES, labels, ["c0", "c1", "c2"])


def test_a_resume_of_a_run_that_held_a_share_out_where_a_val_split_is_now_read_says_so(tmp_path):
    """A repo of `train` and `VAL`: versions before split names were read in any case found no evaluation split
    there, held 10% of `train` out and trained on the rest (the reference: `hold_out` of the split as they took it).
    This version evaluates `VAL` and trains on all of `train`; a resume from such a checkpoint was refused as "not the
    one it was trained on ... resume on the data it was trained on", which it is: the refusal says what changed."""
    import contextlib
    from functools import partial

    from accelerate import PartialState

    from vivit_hf.training import finetune
    from vivit_hf.training.data.examples import examples_digest
    from vivit_hf.training.data.subsets import hold_out
    from vivit_hf.training.resume import check_resume_clips, trained_had_a_share_been_held_out

    PartialState()
    features = datasets.Features({"video": datasets.Video(), "label": datasets.ClassLabel(names=NAMES)})
    clips = [{"path": None, "bytes": b"clip %d" % i} for i in range(12)]
    datasets.DatasetDict(
        {
            "train": datasets.Dataset.from_dict({"video": clips[:10], "label": [0, 1] * 5}, features=features),
            "VAL": datasets.Dataset.from_dict({"video": clips[10:], "label": [0, 1]}, features=features),
        }
    ).save_to_disk(str(tmp_path / "saved"))
    accelerator = type("OneProcess", (), {"main_process_first": contextlib.nullcontext})
    args = finetune.parse_args(["--dataset", str(tmp_path / "saved"), "--dataset_format", "hub"])
    data, train, _, split = finetune.load_data(args, accelerator)
    assert split == "validation" and len(train) == 10  # (the recipes' name of `VAL`)
    then = examples_digest(hold_out(data.split("train"), 0.1, seed=args.seed)[0])  # the earlier version's 9 clips
    held = partial(trained_had_a_share_been_held_out, args, data)
    with pytest.raises(
        ValueError, match=r"less a share held out .* evaluates its split 'validation' and trains on the whole"
    ):
        check_resume_clips(then, examples_digest(train), held_out=held)
    other = examples_digest(train[:9])  # other clips: the refusal as before
    with pytest.raises(ValueError, match="not the one it was trained on"):
        check_resume_clips(other, examples_digest(train), held_out=held)


@pytest.mark.parametrize("streamed", [False, True], ids=["whole", "streamed"])
def test_a_card_whose_yaml_cannot_be_parsed_is_named_with_the_files_line(tmp_path, streamed):
    """An unclosed `[` in README.md's header ended in `yaml.parser.ParserError` from inside huggingface_hub, naming no
    file and counting lines from the header's start ("line 2"). One line now names the card and its line 3."""
    for split in ("train", "test"):
        for name in ("up", "down"):
            clip(tmp_path / split / name / "a.mp4")
    lines = ["---", "license: mit", "task_categories: [video-classification", "---", "# clips"]
    (tmp_path / "README.md").write_text("\n".join(lines) + "\n")
    read = partial(open_streaming_dataset, str(tmp_path)) if streamed else partial(load_video_dataset, tmp_path, "hub")
    with pytest.raises(DatasetFormatError) as refused:
        read()
    bad_line = next(n for n, line in enumerate(lines, start=1) if "[" in line)
    assert f"{tmp_path / 'README.md'}: its YAML header" in str(refused.value)
    assert f"line {bad_line}, column {len(lines[bad_line - 1]) + 1}: expected ',' or ']'" in str(refused.value)


def test_a_hub_cards_yaml_error_is_named_at_the_files_line_not_one_past_the_headers(tmp_path, monkeypatch):
    """A Hub data set's card was not read: its line was the header's plus one, as if one `---` line came first, two
    lines off for a card opening with two blank lines. Read from the Hub cache (where datasets' `hf_hub_download`
    puts it): the file's line. Not there: the header's line, said to be counted so."""
    import huggingface_hub.constants
    import yaml
    from huggingface_hub import DatasetCard

    from vivit_hf.training.data.hub_refusals import unreadable_card_message

    lines = ["", "", "---", "license: mit", "task_categories: [video-classification", "---", "# clips"]
    text = "\n".join(lines) + "\n"
    with pytest.raises(yaml.YAMLError) as parsed:  # the error huggingface_hub's parse of the card raises
        DatasetCard(text)
    bad_line = next(n for n, line in enumerate(lines, start=1) if "[" in line)  # 5, as an editor numbers it
    column = len(lines[bad_line - 1]) + 1
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path))
    assert f"at line {bad_line - 3} of the header, counted from the line after its first ---, column {column}" in (
        unreadable_card_message("me/clips", parsed.value)
    )
    repo = tmp_path / "datasets--me--clips"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text("a" * 40)
    (repo / "snapshots" / ("a" * 40)).mkdir(parents=True)
    (repo / "snapshots" / ("a" * 40) / "README.md").write_text(text)
    said = unreadable_card_message("me/clips", parsed.value)
    assert said.startswith("the data card (README.md) of the Hub data set me/clips: its YAML header"), said
    assert f"at line {bad_line}, column {column}: expected ',' or ']'" in said, said


def test_a_label_table_or_metadata_file_in_upper_case_is_named_not_passed_over(tmp_path):
    """`Labels.CSV` beside clips in `videos/<split>/<camera>/` was not seen as a label table (its columns were read
    only from a `.csv`), so the cameras became the classes without a word, where `labels.csv` is refused naming it.
    datasets' videofolder takes `metadata.csv` by that exact name: a `metadata.CSV` in each split folder was ignored
    and the split folders refused as classes, "put one metadata file in each split folder"; it is named, to rename."""
    tables = tmp_path / "tables"
    for split in ("train", "test"):
        for camera in ("cam1", "cam2"):
            clip(tables / "videos" / split / camera / "c.mp4")
    rows = [f"videos/{split}/{camera}/c.mp4,{camera[-1]}" for split in ("train", "test") for camera in ("cam1", "cam2")]
    (tables / "Labels.CSV").write_text("\n".join(["video,label", *rows]) + "\n")
    with pytest.raises(DatasetFormatError, match=r"would ignore the tables 'Labels\.CSV' and take the folders"):
        load_video_dataset(tables, "hub")
    metadata = tmp_path / "metadata"
    for split in ("train", "test"):
        for i, name in enumerate(("cat", "dog")):
            clip(metadata / split / f"{name}.mp4", seed=i)
        (metadata / split / "metadata.CSV").write_text("file_name,label\ncat.mp4,cat\ndog.mp4,dog\n")
    with pytest.raises(DatasetFormatError, match=r"ignores \S+/t\w+/metadata\.CSV, .*: rename it metadata\.csv"):
        load_video_dataset(metadata, "hub")
    for split in ("train", "test"):  # renamed as said, datasets reads its labels; a copy in upper case is left
        (metadata / split / "metadata.CSV").rename(metadata / split / "metadata.csv")
        shutil.copy(metadata / split / "metadata.csv", metadata / split / "METADATA.CSV")
    assert load_video_dataset(metadata, "hub").label_names == ["cat", "dog"]


def test_a_repo_cloned_without_git_lfs_is_named_not_read_as_broken_files(tmp_path):
    """`git clone` of a Hub data set without git-lfs leaves a Git LFS pointer (a 130-byte text) in place of each
    large file: its data/*.parquet ended in pyarrow's "Parquet magic bytes not found in footer" traceback, naming no
    file, and a clip pointer failed to decode. Both are named, with the command that fetches them; pointers the read
    does not open (beside clips fetched in part) are not."""
    import hashlib

    import pyarrow as pa
    import pyarrow.parquet as pq

    parquet = tmp_path / "table.parquet"
    pq.write_table(pa.table({"video": [{"bytes": b"", "path": "a.mp4"}], "label": ["cat"]}), parquet)
    pointer = "version https://git-lfs.github.com/spec/v1\noid sha256:{}\nsize {}\n"  # as `git lfs pointer` writes
    for split in ("train", "test"):
        path = tmp_path / "repo" / "data" / f"{split}-00000-of-00001.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        content = parquet.read_bytes()
        path.write_text(pointer.format(hashlib.sha256(content).hexdigest(), len(content)))
    for read in (
        partial(load_video_dataset, tmp_path / "repo", "hub"),
        partial(open_streaming_dataset, str(tmp_path / "repo")),
    ):
        with pytest.raises(DatasetFormatError, match=r"in place of 2 of its files.*git lfs pull"):
            read()
    clips = tmp_path / "clips"
    clip(clips / "train" / "cat" / "a.mp4")
    content = clip(tmp_path / "b.mp4").read_bytes()
    (clips / "train" / "dog").mkdir()
    (clips / "train" / "dog" / "b.mp4").write_text(pointer.format(hashlib.sha256(content).hexdigest(), len(content)))
    for dataset_format in ("videofolder", "hub"):
        with pytest.raises(DatasetFormatError, match=r"in place of 1 of its files \('train/dog/b\.mp4'\)"):
            load_video_dataset(clips, dataset_format)
    # a `save_to_disk` folder pushed as a repo, its .arrow a pointer: pyarrow's "Expected to read 1936876918
    # metadata bytes" traceback, read whole or streamed, named no file
    saved = tmp_path / "saved"
    features = datasets.Features({"video": datasets.Video(), "label": datasets.ClassLabel(names=NAMES)})
    rows = {"video": [{"path": None, "bytes": b"clip %d" % i} for i in range(2)], "label": [0, 1]}
    datasets.Dataset.from_dict(rows, features=features).save_to_disk(str(saved))
    (arrow,) = saved.glob("*.arrow")
    arrow.write_text(pointer.format(hashlib.sha256(arrow.read_bytes()).hexdigest(), arrow.stat().st_size))
    for read in (partial(load_video_dataset, str(saved), "hub"), partial(open_streaming_dataset, str(saved))):
        with pytest.raises(DatasetFormatError, match=rf"in place of 1 of its files \('{arrow.name}'\).*git lfs pull"):
            read()
    # fetched in part (`git lfs pull --include "*.mp4"`): the clips are there, and a table and a tar beside them that
    # no read of a folder of clips opens are left pointers: read as before
    (tmp_path / "b.mp4").replace(clips / "train" / "dog" / "b.mp4")
    for name in ("annotations.json", "frames.tar"):
        (clips / name).write_text(pointer.format(hashlib.sha256(name.encode()).hexdigest(), 10**9))
    for dataset_format in ("videofolder", "hub"):
        assert load_video_dataset(clips, dataset_format).label_names == ["cat", "dog"], dataset_format
