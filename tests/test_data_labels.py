# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Label vocabularies of every ``--dataset_format`` adapter, hidden files, classes missing from training.

Integer labels are ids already: a folder or annotation column holding 2, 10 and 11 must give ids 2, 10 and 11
(string sorting gave '10' -> 0, '11' -> 1, '2' -> 2, so a model's prediction 2 meant class 11).
"""

import json
import logging
import math
from pathlib import Path

import pytest
from test_data_formats import clip, write_csv

from vivit_hf.training.data.annotated import index_videos
from vivit_hf.training.data.formats import DatasetFormatError, load_video_dataset


def labels_by_name(examples):
    return sorted((Path(e["video"]).name, e["label"]) for e in examples)


def test_videofolder_integer_class_folders_keep_their_numbers_as_ids(tmp_path):
    for name in ("2", "10", "11"):
        clip(tmp_path / "train" / name / f"c{name}.mp4")
    data = load_video_dataset(tmp_path, "videofolder")
    assert labels_by_name(data.split("train")) == [("c10.mp4", 10), ("c11.mp4", 11), ("c2.mp4", 2)]
    # Ids 0..11; the ones no folder names keep their number as name, so id2label[i] == str(i) throughout.
    assert data.id2label == {i: str(i) for i in range(12)}
    assert data.label2id["11"] == 11


def test_integer_ids_without_clips_are_warned_in_words_for_evaluation_too(tmp_path, caplog):
    # Folders 2 and 10: ids 0..10, nine without a clip. evaluate.py reads data sets with this reader too, and its
    # user read "their outputs stay untrained", training's words; the warning now says what it means for each.
    for name in ("2", "10"):
        clip(tmp_path / "test" / name / f"c{name}.mp4")
    with caplog.at_level(logging.WARNING, logger="vivit_hf.training.data.formats"):
        data = load_video_dataset(tmp_path, "videofolder")
    assert data.label_names == [str(i) for i in range(11)]  # ids kept: the reference is the folders' numbers
    (warned,) = [r.getMessage() for r in caplog.records if "no clip here" in r.getMessage()]
    assert "9 of the ids 0..10 have no clip here" in warned
    assert "evaluated on it, its scores are those of the 2 classes that have clips" in warned, warned


def test_integer_labels_spread_far_and_thin_are_refused_as_codes_not_class_ids(tmp_path):
    # Labels that are codes (a date, 20230115, beside 0 and 1) made a vocabulary of 20 million names (2**40: never
    # finished) and a classifier of that many outputs, after a warning that only counted the ids without a clip.
    from vivit_hf.training.data.labels import label_vocabulary, names_by_index

    for i, name in enumerate(("0", "1", "20230115")):
        clip(tmp_path / "train" / name / "a.mp4", seed=i)
    with pytest.raises(
        DatasetFormatError,
        match=r"^--dataset_format videofolder: the data set holds integer labels up to 20230115, but only 3 of the ids "
        r"0\.\.20230115 are used: kept as class ids, they would give the model 20230116 outputs\. .* number the "
        r"classes 0\.\.2 or give the classes as names$",  # (no --label_column, which folders have not)
    ):
        load_video_dataset(tmp_path, "videofolder")
    with pytest.raises(DatasetFormatError, match="labels.json holds integer labels up to 99999999, but only 2 "):
        names_by_index([("Holding something", "0"), ("Pushing something", "99999999")], "ssv2", "labels.json")
    with pytest.raises(DatasetFormatError, match=r"the label column 'label' holds .* with --label_column$"):
        label_vocabulary([0, 1, 20230115], "hub", "label")
    # ids as sparse, fewer of them: kept (a warning names the ids without a clip), as before
    assert len(names_by_index([("a", 0), ("b", 99_999)], "ssv2", "labels.json")) == 100_000


def test_a_class_folder_written_with_a_leading_zero_makes_every_folder_a_name(tmp_path, caplog):
    # Folders 02 and 10: `02` was class 2 under the name '02' (ids 0..10, nine empty), and evaluate.py, which matches
    # a model's classes by name, then refused it as an unknown class '02'. Written so, every label is a name, sorted
    # as named folders are (the reference: the same folders named `b02`, `b10`), and a warning says so.
    for name in ("02", "10"):
        clip(tmp_path / "padded" / "train" / name / f"c{name}.mp4")
        clip(tmp_path / "named" / "train" / f"b{name}" / f"c{name}.mp4")
    with caplog.at_level(logging.WARNING, logger="vivit_hf.training.data.formats"):
        data = load_video_dataset(tmp_path / "padded", "videofolder")
    named = load_video_dataset(tmp_path / "named", "videofolder")
    assert data.label_names == [name.removeprefix("b") for name in named.label_names] == ["02", "10"]
    assert labels_by_name(data.split("train")) == labels_by_name(named.split("train"))
    warned = [r.getMessage() for r in caplog.records if "leading zero" in r.getMessage()]
    assert warned == [
        "--dataset_format videofolder: the labels '02' are written with a leading zero or sign, so all 2 labels are "
        "class names, numbered in sorted order ('02' is class 0), not class ids; to keep each number as its id, "
        "write it as a number is written ('2')"
    ]
    assert "kept as class ids" not in caplog.text


def test_named_class_folders_are_still_sorted_by_name(tmp_path):
    for name in ("walk", "2run", "jump"):
        clip(tmp_path / "train" / name / f"{name}.mp4")
    data = load_video_dataset(tmp_path, "videofolder")
    assert data.label_names == ["2run", "jump", "walk"]


@pytest.mark.parametrize("fmt", ["videofolder", "hub"])
def test_a_class_folder_named_composed_in_one_split_and_decomposed_in_another_is_one_class(tmp_path, fmt):
    # macOS writes `über` decomposed (NFD), Linux composed (NFC): they print alike and were two classes, the
    # validation clips of one counted as a class training never saw.
    composed, decomposed = "\u00fcber", "u\u0308ber"
    for split, name in (("train", composed), ("train", "cat"), ("val", decomposed), ("val", "cat")):
        clip(tmp_path / "repo" / split / name / "0.mp4")
    data = load_video_dataset(
        tmp_path / "repo", fmt, **({"cache_dir": str(tmp_path / "cache")} if fmt == "hub" else {})
    )
    assert data.label_names == ["cat", composed]
    assert sorted(e["label"] for e in data.split("validation")) == [0, 1]


def test_integer_labels_that_collide_as_numbers_are_refused(tmp_path):
    clip(tmp_path / "train" / "7" / "a.mp4")
    clip(tmp_path / "train" / "07" / "b.mp4")
    with pytest.raises(DatasetFormatError, match="'07'.*'7'|'7'.*'07'"):
        load_video_dataset(tmp_path, "videofolder")


def test_kinetics_integer_labels_keep_their_numbers(tmp_path):
    header = ["label", "youtube_id", "time_start", "time_end", "split"]
    write_csv(tmp_path / "annotations" / "train.csv", [[10, "aaa", 0, 10, "train"], [2, "bbb", 0, 10, "train"]], header)
    clip(tmp_path / "aaa_000000_000010.mp4")
    clip(tmp_path / "bbb_000000_000010.mp4")
    data = load_video_dataset(tmp_path, "kinetics")
    assert labels_by_name(data.split("train")) == [("aaa_000000_000010.mp4", 10), ("bbb_000000_000010.mp4", 2)]
    assert data.id2label[10] == "10" and len(data.label_names) == 11


def test_moments_integer_labels_without_a_category_file_keep_their_numbers(tmp_path):
    write_csv(tmp_path / "trainingSet.csv", [["x.mp4", "11", 3, 0], ["y.mp4", "2", 3, 1]])
    clip(tmp_path / "training" / "x.mp4")
    clip(tmp_path / "training" / "y.mp4")
    data = load_video_dataset(tmp_path, "moments")
    assert labels_by_name(data.split("train")) == [("x.mp4", 11), ("y.mp4", 2)]


def test_index_files_with_gaps_put_each_name_at_its_index(tmp_path):
    # ssv2's labels.json, Moments' categories and Epic's class files give each name its index; the list of names
    # must be indexed by it, not by rank (a gap shifted every later name by one).
    (tmp_path / "labels.json").write_text(json.dumps({"Pushing something": "2", "Holding something": "0"}))
    (tmp_path / "train.json").write_text(json.dumps([{"id": "1", "template": "Pushing [something]"}]))
    clip(tmp_path / "1.webm", codec_suffix=".webm")
    data = load_video_dataset(tmp_path, "ssv2")
    assert data.split("train")[0]["label"] == 2
    assert data.id2label[2] == "Pushing something" and data.id2label[0] == "Holding something"

    moments = tmp_path / "moments"
    (moments / "moments_categories.txt").parent.mkdir()
    (moments / "moments_categories.txt").write_text("clapping,3\nbarking,0\n")
    write_csv(moments / "trainingSet.csv", [["x.mp4", "clapping", 3, 0]])
    clip(moments / "training" / "x.mp4")
    data = load_video_dataset(moments, "moments")
    assert data.split("train")[0]["label"] == 3 and data.id2label[3] == "clapping"

    epic = tmp_path / "epic"
    header = ["narration_id", "verb", "verb_class", "noun", "noun_class"]
    write_csv(epic / "EPIC_100_train.csv", [["P01_0", "open", 2, "door", 1]], header)
    write_csv(epic / "EPIC_100_verb_classes.csv", [[0, "take"], [2, "open"]], ["id", "key"])
    clip(epic / "P01_0.mp4")
    data = load_video_dataset(epic, "epic_kitchens")
    assert data.split("train")[0]["label"] == [1, 2]
    assert data.label_spaces["verb"][2] == "open"


def test_an_annotation_naming_a_class_the_label_file_lacks_is_a_clear_error(tmp_path):
    (tmp_path / "labels.json").write_text(json.dumps({"Holding something": "0"}))
    (tmp_path / "train.json").write_text(json.dumps([{"id": "1", "template": "Throwing [something]"}]))
    clip(tmp_path / "1.webm", codec_suffix=".webm")
    with pytest.raises(DatasetFormatError, match="Throwing something"):
        load_video_dataset(tmp_path, "ssv2")


def test_hub_integer_values_keep_their_numbers_and_class_label_names_are_id2label(tmp_path):
    datasets = pytest.importorskip("datasets")
    videos = [clip(tmp_path / "src" / f"{i}.mp4", seed=i) for i in range(3)]
    rows = {"clip": [{"path": None, "bytes": v.read_bytes()} for v in videos], "action": [2, 10, 11]}
    table = datasets.Dataset.from_dict(
        rows, features=datasets.Features({"clip": datasets.Video(), "action": datasets.Value("int64")})
    )
    (tmp_path / "ints" / "data").mkdir(parents=True)
    table.to_parquet(str(tmp_path / "ints" / "data" / "train-00000-of-00001.parquet"))
    data = load_video_dataset(str(tmp_path / "ints"), "hub", cache_dir=str(tmp_path / "cache"), label_column="action")
    assert [e["label"] for e in data.split("train")] == [2, 10, 11]
    assert data.id2label[11] == "11" and len(data.label_names) == 12

    names = ["sit", "stand", "wave"]
    table = datasets.Dataset.from_dict(
        {"clip": rows["clip"], "action": [2, 0, 1]},
        features=datasets.Features({"clip": datasets.Video(), "action": datasets.ClassLabel(names=names)}),
    )
    (tmp_path / "named" / "data").mkdir(parents=True)
    table.to_parquet(str(tmp_path / "named" / "data" / "train-00000-of-00001.parquet"))
    data = load_video_dataset(str(tmp_path / "named"), "hub", cache_dir=str(tmp_path / "cache"))
    assert data.id2label == {0: "sit", 1: "stand", 2: "wave"}
    assert [e["label"] for e in data.split("train")] == [2, 0, 1]


@pytest.mark.parametrize("ids", ["floats", "floats beside names", "text beside names"])
def test_hub_ids_written_as_floats_or_text_are_named_as_integer_ids_are(tmp_path, ids):
    """A float label column (0.0, 1.0: a table pandas wrote) had the right ids, and id2label '0.0', '1.0'; ids written
    as floats or as text beside a column of names lost the names (id2label '0', '1'). The reference: the same table
    with integer ids, read whole and streamed."""
    datasets = pytest.importorskip("datasets")
    from vivit_hf.training.data.streaming import open_streaming_dataset

    video = {"path": None, "bytes": clip(tmp_path / "src" / "0.mp4").read_bytes()}
    named = ids.endswith("beside names")
    kind = datasets.Value("string" if ids.startswith("text") else "float64")
    read = {}
    for name, labels, feature in (("ints", [1, 0, 1], datasets.Value("int64")), (ids, [1, 0, 1], kind)):
        values = [str(i) if ids.startswith("text") and name != "ints" else i for i in labels]
        columns = {"video": [video] * 3, "label": values} | ({"label_name": ["dog", "cat", "dog"]} if named else {})
        features = {"video": datasets.Video(), "label": feature} | (
            {"label_name": datasets.Value("string")} if named else {}
        )
        (tmp_path / name / "data").mkdir(parents=True)
        datasets.Dataset.from_dict(columns, features=datasets.Features(features)).to_parquet(
            str(tmp_path / name / "data" / "train-00000-of-00001.parquet")
        )
        whole = load_video_dataset(str(tmp_path / name), "hub", cache_dir=str(tmp_path / "cache"))
        streamed = open_streaming_dataset(str(tmp_path / name), cache_dir=str(tmp_path / "cache"))
        read[name] = [whole.id2label, [e["label"] for e in whole.split("train")], streamed.id2label]
    id2label = {0: "cat", 1: "dog"} if named else {0: "0", 1: "1"}
    assert read["ints"] == [id2label, [1, 0, 1], id2label]  # the reference
    assert read[ids] == read["ints"]


def test_a_label_column_of_fractions_is_refused_whole_and_streamed_not_made_a_class_per_value(tmp_path):
    """A float label column that is no class id (`score`: 0.5, 1.5, a regression target or probabilities) became a
    class per distinct value ('0.5', '1.0', '1.5'), read whole and streamed, and a classifier was trained on them
    without a word; it is refused, naming the column and a value. Whole floats (1.0 here) are ids, as above."""
    datasets = pytest.importorskip("datasets")
    from vivit_hf.training.data.streaming import open_streaming_dataset

    video = {"path": None, "bytes": clip(tmp_path / "src" / "0.mp4").read_bytes()}
    (tmp_path / "repo" / "data").mkdir(parents=True)
    features = datasets.Features({"video": datasets.Video(), "score": datasets.Value("float64")})
    datasets.Dataset.from_dict({"video": [video] * 3, "score": [1.0, 0.5, 1.5]}, features=features).to_parquet(
        str(tmp_path / "repo" / "data" / "train-00000-of-00001.parquet")
    )
    refused = r"^--dataset_format hub: the label column 'score' holds 0.5, a number that is not a whole class id \(2 "
    for read in (load_video_dataset, lambda source, _, **kw: open_streaming_dataset(source, **kw)):
        with pytest.raises(DatasetFormatError, match=refused + r".*cast the column to integer class ids"):
            read(str(tmp_path / "repo"), "hub", cache_dir=str(tmp_path / "cache"), label_column="score")


def test_nan_labels_are_no_labels_whole_and_streamed_not_fractions(tmp_path):
    """NaN is a float column's missing label (as numpy and pandas write one), as None is: a test split of NaNs was
    refused as "holds nan, a number that is not a whole class id (3 of its 6 distinct values ...: a regression
    target?)", each NaN a distinct value; it is left out as a split without labels, a NaN among labels refused as an
    unlabelled row, as None's are."""
    datasets = pytest.importorskip("datasets")
    from vivit_hf.training.data.streaming import open_streaming_dataset

    video = {"path": None, "bytes": clip(tmp_path / "src" / "0.mp4").read_bytes()}
    features = datasets.Features({"video": datasets.Video(), "label": datasets.Value("float64")})
    reads = (load_video_dataset, lambda source, _, **kw: open_streaming_dataset(source, **kw))
    for name, test_labels in (("unlabelled", [math.nan] * 2), ("part", [1.0, math.nan])):
        repo = tmp_path / name
        (repo / "data").mkdir(parents=True)
        for split, labels in (("train", [0.0, 1.0]), ("test", test_labels)):
            datasets.Dataset.from_dict({"video": [video] * 2, "label": labels}, features=features).to_parquet(
                str(repo / "data" / f"{split}-00000-of-00001.parquet")
            )
        for read in reads:
            if name == "part":
                with pytest.raises(DatasetFormatError, match=r"split 'test' has 1 rows without a label .* row 1$"):
                    read(str(repo), "hub", cache_dir=str(repo / "cache"))
                continue
            data = read(str(repo), "hub", cache_dir=str(repo / "cache"))
            assert (data.label_spaces["label"], list(data.splits), data.unlabelled) == (["0", "1"], ["train"], ["test"])


def test_a_model_or_checkpoint_that_named_float_ids_1_0_still_matches_the_same_data():
    """Earlier versions named a float column's ids '0.0', '1.0', '2.0': a model fine-tuned then and evaluated on the
    same data (now '0', '1', '2') is not refused as not knowing its classes, nor a resume of its checkpoint as other
    classes; other classes still are."""
    from types import SimpleNamespace

    from vivit_hf.training.data import VideoClassificationData
    from vivit_hf.training.evaluation import check_labels
    from vivit_hf.training.resume import check_resume_labels

    data = VideoClassificationData(splits={}, label_spaces={"label": ["0", "1", "2"]})
    for then, same in (({0: "0.0", 1: "1.0", 2: "2.0"}, True), ({0: "0.0", 1: "2.0", 2: "1.0"}, False)):
        model, saved = SimpleNamespace(id2label=then, num_labels=3), {str(i): name for i, name in then.items()}
        if same:
            assert check_labels(model, data, "m", "d") == [[0, 1, 2]]
            assert check_resume_labels(saved, data.id2label, "d") == []
            continue
        with pytest.raises(DatasetFormatError, match="does not know 2 of the 3 classes"):
            check_labels(model, data, "m", "d")
        with pytest.raises(ValueError, match="only in the checkpoint: '0.0', '2.0', '1.0'"):
            check_resume_labels(saved, data.id2label, "d")


def test_a_model_whose_classes_are_transformers_placeholders_is_refused_saying_so():
    """A model whose config.json names no class (`LABEL_0`, ...: a scenic checkpoint converted without --labels)
    was refused by evaluate.py as not knowing the data set's classes, listed beside `LABEL_0`, `LABEL_1`, as if they
    were misspelt; the refusal now says the model names none and where its names go. A model with one real name
    among them is refused as before."""
    from types import SimpleNamespace

    from vivit_hf.training.data import VideoClassificationData
    from vivit_hf.training.evaluation import check_labels

    data = VideoClassificationData(splits={}, label_spaces={"label": ["abseiling", "air drumming"]})
    hint = "; the model names none of its classes (transformers' LABEL_<i> placeholders: its config.json's id2label"
    for names, said in ((["LABEL_0", "LABEL_1"], True), (["LABEL_0", "abseiling"], False)):
        model = SimpleNamespace(id2label=dict(enumerate(names)), num_labels=2)
        with pytest.raises(DatasetFormatError, match="does not know") as error:
            check_labels(model, data, "m", "d")
        assert (hint in str(error.value)) == said, str(error.value)
    assert str(error.value).endswith("spelt alike")


def test_a_model_or_checkpoint_that_kept_a_txt_labels_newline_still_matches_the_same_data():
    """Earlier versions kept the newline a WebDataset `<key>.txt` label ends with ('cat\\n'), which is now read
    'cat': a model fine-tuned then was refused by evaluate.py as not knowing any class of its own data, and a resume
    of its checkpoint as other classes; other classes still are."""
    from types import SimpleNamespace

    from vivit_hf.training.data import VideoClassificationData
    from vivit_hf.training.evaluation import check_labels
    from vivit_hf.training.resume import check_resume_labels

    data = VideoClassificationData(splits={}, label_spaces={"label": ["cat", "dog"]})
    # (a folder's `dog ` is a class apart from `dog`, as the data set keeps them)
    cases = [(["cat\n", "dog\r\n"], True), (["dog\n", "cat\n"], False), (["cat\n", "cow\n"], False)]
    for then, same in [*cases, (["cat", "dog "], False)]:
        model = SimpleNamespace(id2label=dict(enumerate(then)), num_labels=2)
        saved = {str(i): name for i, name in enumerate(then)}
        if same:
            assert check_labels(model, data, "m", "d") == [[0, 1]]
            assert check_resume_labels(saved, data.id2label, "d") == []
            continue
        if "cow\n" in then or "dog " in then:
            with pytest.raises(DatasetFormatError, match="does not know 1 of the 2 classes of --dataset d: 'dog'"):
                check_labels(model, data, "m", "d")
        else:  # the same classes under other ids: mapped by name, as any model's
            assert check_labels(model, data, "m", "d") == [[1, 0]]
        with pytest.raises(ValueError, match=r"only in the checkpoint: ('dog\\n', 'cat\\n'|'cat\\n', 'cow\\n'|'dog ')"):
            check_resume_labels(saved, data.id2label, "d")


def test_empty_label_names_are_refused_naming_the_clips(tmp_path):
    """A table's unlabelled rows written as empty strings (not None) became a class `''`, and a test split of only
    them was evaluated (top-1 0.0 on clips without labels); the recipes' reader refuses them, naming the rows."""
    datasets = pytest.importorskip("datasets")
    from vivit_hf.training.data import open_video_dataset

    video = {"path": None, "bytes": clip(tmp_path / "src" / "0.mp4").read_bytes()}
    features = datasets.Features({"video": datasets.Video(), "label": datasets.Value("string")})

    def split(labels):
        return datasets.Dataset.from_dict({"video": [video] * len(labels), "label": labels}, features=features)

    datasets.DatasetDict({"train": split(["cat", "dog", "cat"]), "test": split(["", "", " "])}).save_to_disk(
        str(tmp_path / "empty")
    )
    with pytest.raises(DatasetFormatError) as refused:
        open_video_dataset(str(tmp_path / "empty"), "hub")
    message = str(refused.value)
    assert "3 clips of split 'test'" in message and "the label '' or ' '" in message, message
    assert "row 0, row 1, row 2." in message, message
    datasets.DatasetDict({"train": split(["cat", "dog"]), "test": split([None, None])}).save_to_disk(
        str(tmp_path / "none")
    )
    assert sorted(open_video_dataset(str(tmp_path / "none"), "hub").splits) == ["train"]  # None: left out


@pytest.mark.parametrize("layout", ["strings_saved", "class_label_saved", "strings_parquet"])
def test_empty_label_names_are_refused_by_the_loader_and_the_stream_too(tmp_path, layout):
    """The refusal was the recipes' alone: `load_video_dataset` in Python, and --streaming (which made a class `''`
    and trained and scored it), took the empty name as a class."""
    datasets = pytest.importorskip("datasets")
    from vivit_hf.training.data.streaming import open_streaming_dataset

    video = {"path": None, "bytes": clip(tmp_path / "src" / "0.mp4").read_bytes()}
    features = datasets.Features({"video": datasets.Video(), "label": datasets.Value("string")})

    def split(labels):
        table = datasets.Dataset.from_dict({"video": [video] * len(labels), "label": labels}, features=features)
        return table.cast_column("label", datasets.ClassLabel(names=["", "cat", "dog"])) if "class" in layout else table

    train, test = split(["cat", "dog", "cat"]), split(["cat", "", "dog", ""])
    root = tmp_path / "data"
    if layout.endswith("saved"):
        datasets.DatasetDict({"train": train, "test": test}).save_to_disk(str(root))
    else:
        (root / "data").mkdir(parents=True)
        train.to_parquet(str(root / "data" / "train-00000-of-00001.parquet"))
        test.to_parquet(str(root / "data" / "test-00000-of-00001.parquet"))
    refusal = r"^2 clips of split 'test' of .* have the label '', an empty class name: row 1, row 3\. Give them"
    with pytest.raises(DatasetFormatError, match=refusal):
        load_video_dataset(str(root), "hub", cache_dir=str(tmp_path / "cache"))
    with pytest.raises(DatasetFormatError, match=refusal):
        open_streaming_dataset(str(root), cache_dir=str(tmp_path / "cache"))


def test_macos_apple_double_and_hidden_files_are_not_videos(tmp_path):
    clip(tmp_path / "train" / "run" / "a.mp4")
    # What a macOS copy or zip leaves next to every file: resource forks named ._<file>, and __MACOSX folders.
    (tmp_path / "train" / "run" / "._a.mp4").write_bytes(b"\x00\x05\x16\x07" + b"\x00" * 60)
    (tmp_path / "train" / "run" / ".b.mp4").write_bytes(b"hidden")
    (tmp_path / "train" / "run" / ".cache").mkdir()
    (tmp_path / "train" / "run" / ".cache" / "c.mp4").write_bytes(b"hidden folder")
    (tmp_path / "__MACOSX" / "train" / "run").mkdir(parents=True)
    (tmp_path / "__MACOSX" / "train" / "run" / "._a.mp4").write_bytes(b"\x00\x05\x16\x07")
    (tmp_path / "train" / "__MACOSX" / "run").mkdir(parents=True)
    (tmp_path / "train" / "__MACOSX" / "run" / "._a.mp4").write_bytes(b"\x00\x05\x16\x07")
    clip(tmp_path / "train" / "swim" / "d.mp4")  # a second class: a training split of one class is refused
    data = load_video_dataset(tmp_path, "videofolder")
    assert [Path(e["video"]).name for e in data.split("train")] == ["a.mp4", "d.mp4"]
    assert data.label_names == ["run", "swim"]

    index = index_videos([tmp_path])
    assert sorted({path.name for path in index.values()}) == ["a.mp4", "d.mp4"]


def test_a_class_with_no_training_clip_is_named_in_a_warning(tmp_path, caplog):
    clip(tmp_path / "train" / "run" / "a.mp4")
    clip(tmp_path / "train" / "jump" / "d.mp4")  # a second class: a training split of one class is refused
    clip(tmp_path / "validation" / "run" / "b.mp4")
    clip(tmp_path / "validation" / "swim" / "c.mp4")
    with caplog.at_level(logging.WARNING, logger="vivit_hf.training.data.formats"):
        data = load_video_dataset(tmp_path, "videofolder")
    assert data.label_names == ["jump", "run", "swim"]
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert any("'swim'" in m and "validation" in m and "train" in m for m in warnings), warnings


def test_every_class_in_training_gives_no_warning(tmp_path, caplog):
    clip(tmp_path / "train" / "run" / "a.mp4")
    clip(tmp_path / "train" / "swim" / "b.mp4", seed=1)
    clip(tmp_path / "validation" / "run" / "c.mp4", seed=2)  # other clips: copies of one are named
    with caplog.at_level(logging.WARNING, logger="vivit_hf.training.data.formats"):
        load_video_dataset(tmp_path, "videofolder")
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


@pytest.mark.parametrize("fmt", ["videofolder", "hub", "streamed"])
def test_class_names_differing_only_in_case_or_blanks_are_named(tmp_path, fmt, caplog):
    # `train/Cat/` beside `train/cat/` (two copies merged) and `dog ` beside `dog`: four classes, the clips of each
    # real class shared out between two of them, without a word. Kept (a data set may mean them apart), but named.
    from vivit_hf.training.data.streaming import open_streaming_dataset

    for name in ("cat", "Cat", "dog", "dog "):
        clip(tmp_path / "repo" / "train" / name / "0.mp4")
    with caplog.at_level(logging.WARNING):
        if fmt == "streamed":
            data = open_streaming_dataset(str(tmp_path / "repo"), cache_dir=str(tmp_path / "cache"))
        else:
            data = load_video_dataset(
                tmp_path / "repo", fmt, **({"cache_dir": str(tmp_path / "cache")} if fmt == "hub" else {})
            )
    assert data.label_names == ["Cat", "cat", "dog", "dog "]
    messages = [r.getMessage() for r in caplog.records]
    for pair in ("'Cat' and 'cat'", "'dog' and 'dog '"):
        assert any(f"classes {pair} differ only in case or blanks" in m for m in messages), messages


def test_class_names_apart_in_more_than_case_give_no_warning(tmp_path, caplog):
    for name in ("JumpRope", "JumpingJack"):
        clip(tmp_path / "train" / name / "0.mp4")
    with caplog.at_level(logging.WARNING, logger="vivit_hf.training.data.formats"):
        load_video_dataset(tmp_path, "videofolder")
    assert not [r for r in caplog.records if "differ only in case" in r.getMessage()]


def test_classes_that_are_mirror_images_are_found_in_any_case():
    from vivit_hf.training.data.labels import mirrored_classes
    from vivit_hf.training.data.synthetic import MOTION_CLASSES

    names = ["Pushing something from left to right", "Pushing something from right to left", "Swiping Left",
             "Swiping Right", "Turning the camera left while filming", "Holding something", "Leftover",
             "Turning Hand Clockwise", "Turning Hand Counterclockwise", "moving_up_left", "moving_up_right",
             "moving_up", "rotating_clockwise", "rotating_anti-clockwise"]  # fmt: skip
    assert mirrored_classes(names) == [
        ("Pushing something from left to right", "Pushing something from right to left"),
        ("Swiping Left", "Swiping Right"),
        ("Turning Hand Clockwise", "Turning Hand Counterclockwise"),
        ("moving_up_left", "moving_up_right"),
        ("rotating_clockwise", "rotating_anti-clockwise"),
    ]
    # the bundled set: the four directions with a side, and its spins
    assert len(mirrored_classes(MOTION_CLASSES)) == 4


def test_training_that_flips_clips_of_mirror_image_classes_says_so(tmp_path):
    # SSv2 names left and right in its classes: a flipped "Pushing something from left to right" is a clip of
    # "... from right to left", trained on under the first label. The ssv2 presets do not flip, the Kinetics and
    # Epic Kitchens presets do, and the run said nothing under them or under --do_flip true.
    from test_recipes_finetune import FINETUNE, TINY_MODEL, run, tiny_clip

    classes = ["Pushing something from left to right", "Pushing something from right to left", "Holding something"]
    (tmp_path / "labels.json").write_text(json.dumps({name: str(i) for i, name in enumerate(classes)}))
    for split, ids in (("train", range(0, 6)), ("validation", range(6, 9))):
        items = [{"id": str(i), "template": classes[i % 3].replace("something", "[something]")} for i in ids]
        (tmp_path / f"{split}.json").write_text(json.dumps(items))
        for i in ids:
            tiny_clip(tmp_path / "clips" / f"{i}.mp4", i % 2, seed=i)
    args = ["--dataset", tmp_path, "--dataset_format", "ssv2", "--max_train_steps", "1", *TINY_MODEL]
    result = run(FINETUNE, *args, "--output_dir", tmp_path.with_name(f"{tmp_path.name}_out"), "--do_flip", "true")
    said = result.stdout + result.stderr
    assert (
        "training flips clips at random (--do_flip), and 1 pair(s) of classes are each other's mirror image "
        "('Pushing something from left to right' / 'Pushing something from right to left')" in said
    ), said[-3000:]
