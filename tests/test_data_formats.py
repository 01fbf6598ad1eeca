# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Each ``--dataset_format`` on a small fake data set in that format's own layout, built here."""

import csv
import json
import logging
from pathlib import Path

import numpy as np
import pytest

from vivit_hf.training.data.fetch import extract_archives
from vivit_hf.training.data.formats import DatasetFormatError, hold_out, load_video_dataset
from vivit_hf.training.data.synthetic import write_video


def clip(path: Path, seed: int = 0, codec_suffix: str = ".mp4") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    frames = np.random.default_rng(seed).integers(0, 255, size=(4, 16, 16, 3), dtype=np.uint8)
    if codec_suffix == ".webm":
        import av

        with av.open(str(path), mode="w") as container:
            stream = container.add_stream("libvpx-vp9", rate=8)
            stream.width = stream.height = 16
            stream.pix_fmt = "yuv420p"
            for frame in frames:
                for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                    container.mux(packet)
            for packet in stream.encode():
                container.mux(packet)
    else:
        write_video(frames, path)
    return path


def write_csv(path: Path, rows, header=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        if header:
            writer.writerow(header)
        writer.writerows(rows)


def test_videofolder_reads_class_subfolders_per_split_including_webm(tmp_path):
    clip(tmp_path / "train" / "jump" / "a.mp4")
    clip(tmp_path / "train" / "run" / "b.webm", codec_suffix=".webm")
    clip(tmp_path / "test" / "run" / "c.mp4")
    data = load_video_dataset(tmp_path, "videofolder")
    assert data.label_names == ["jump", "run"]
    assert sorted((Path(e["video"]).name, e["label"]) for e in data.split("train")) == [("a.mp4", 0), ("b.webm", 1)]
    assert [e["label"] for e in data.split("test")] == [1]
    assert data.id2label == {0: "jump", 1: "run"}


def test_kinetics_matches_cvdf_clip_names_and_counts_missing_clips(tmp_path):
    header = ["label", "youtube_id", "time_start", "time_end", "split"]
    write_csv(
        tmp_path / "annotations" / "train.csv",
        [["abseiling", "aaa", 10, 20, "train"], ["zumba", "bbb", 0, 10, "train"], ["zumba", "gone", 5, 15, "train"]],
        header,
    )
    write_csv(tmp_path / "annotations" / "val.csv", [["zumba", "ccc", 3, 13, "val"]], header)
    clip(tmp_path / "train" / "aaa_000010_000020.mp4")
    clip(tmp_path / "train" / "bbb_000000_000010.mp4")
    clip(tmp_path / "val" / "ccc_000003_000013.mp4")
    data = load_video_dataset(tmp_path, "kinetics")
    assert data.label_names == ["abseiling", "zumba"]
    assert [(Path(e["video"]).name, e["label"]) for e in data.split("train")] == [
        ("aaa_000010_000020.mp4", 0),
        ("bbb_000000_000010.mp4", 1),
    ]
    assert [e["label"] for e in data.split("validation")] == [1]
    assert data.missing == {"train": 1}


def test_kinetics_csv_without_times_names_clips_by_video_id(tmp_path):
    """A CSV of label and youtube_id alone (clips named `<youtube_id>.mp4`) was a bare KeyError: 'time_start'."""
    write_csv(tmp_path / "annotations" / "train.csv", [["zumba", "aaa"], ["abseiling", "bbb"]], ["label", "youtube_id"])
    clip(tmp_path / "train" / "aaa.mp4")
    clip(tmp_path / "train" / "bbb.mp4")
    data = load_video_dataset(tmp_path, "kinetics")
    assert [(Path(e["video"]).name, e["label"]) for e in data.split("train")] == [("aaa.mp4", 1), ("bbb.mp4", 0)]


def test_kinetics_clip_downloaded_as_yt_dlp_formats_not_merged_is_its_video_format(tmp_path, caplog):
    """yt-dlp's download of a video and an audio format whose merge never ran leaves `aaa.f137.mp4` (video only) and
    `aaa.f251.webm` (audio only): the clip `aaa` was counted missing, looked up as `aaa` alone. The video format is
    the clip; the audio format is no clip, named as the folder is read (it was refused only when decoded)."""
    import av

    write_csv(tmp_path / "annotations" / "train.csv", [["zumba", "aaa"], ["abseiling", "bbb"]], ["label", "youtube_id"])
    clip(tmp_path / "train" / "aaa.f137.mp4")
    clip(tmp_path / "train" / "bbb.mp4", seed=1)
    audio_only = tmp_path / "val" / "ccc.f251.webm"  # ccc: its audio alone
    audio_only.parent.mkdir()
    with av.open(str(audio_only), "w") as container:
        stream = container.add_stream("libopus", rate=48000, layout="mono")
        sound = av.AudioFrame.from_ndarray(np.zeros((1, 960), dtype=np.float32), format="fltp", layout="mono")
        sound.sample_rate, sound.pts = 48000, 0
        for packet in [*stream.encode(sound), *stream.encode()]:
            container.mux(packet)
    write_csv(tmp_path / "annotations" / "val.csv", [["zumba", "ccc"]], ["label", "youtube_id"])
    with caplog.at_level(logging.WARNING, logger="vivit_hf.training.data"):
        data = load_video_dataset(tmp_path, "kinetics")
    assert [(Path(e["video"]).name, e["label"]) for e in data.split("train")] == [("aaa.f137.mp4", 1), ("bbb.mp4", 0)]
    assert data.missing == {"validation": 1} and "validation" not in data.splits  # ccc: its audio alone
    said = [r.getMessage() for r in caplog.records if "audio-only" in r.getMessage()]
    assert len(said) == 1 and str(audio_only) in said[0], said
    assert not any("named by no row" in r.getMessage() for r in caplog.records)  # aaa's and ccc's (named above)


def test_kinetics_test_csv_with_an_empty_label_column_is_no_split(tmp_path, caplog):
    # A held-out test.csv that keeps the header's `label` with every value empty made its clips a class '', which
    # was refused, and the training and validation splits with it: the data set could not be read at all.
    header = ["label", "youtube_id", "time_start", "time_end", "split"]
    write_csv(
        tmp_path / "annotations" / "train.csv",
        [["zumba", "aaa", 0, 10, "train"], ["yoga", "bbb", 0, 10, "train"]],
        header,
    )
    write_csv(tmp_path / "annotations" / "val.csv", [["yoga", "ccc", 0, 10, "val"]], header)
    write_csv(tmp_path / "annotations" / "test.csv", [["", "ddd", 0, 10, "test"], ["", "eee", 0, 10, "test"]], header)
    for key in ("aaa", "bbb", "ccc", "ddd", "eee"):
        clip(tmp_path / "videos" / f"{key}_000000_000010.mp4")
    with caplog.at_level(logging.WARNING, logger="vivit_hf.training.data.formats"):
        data = load_video_dataset(tmp_path, "kinetics")
    assert sorted(data.splits) == ["train", "validation"] and data.label_names == ["yoga", "zumba"]
    assert [(e["id"], e["label"]) for e in data.split("train")] == [("aaa_000000_000010", 1), ("bbb_000000_000010", 0)]
    assert any("split 'test' left out: none of the 2 rows" in r.getMessage() for r in caplog.records)


def test_kinetics_lists_of_clip_paths_and_class_ids_are_named_as_no_kinetics_csvs(tmp_path, caplog):
    """SlowFast's and VideoMAE's Kinetics lists are called train.csv / val.csv too (`<path> <class id>` a line, no
    header): the folder was refused as holding "no annotations/train.csv or val.csv", while listing both; beside
    CVDF's train.csv such a val.csv was taken for a split without labels, without a word."""
    lines = [[f"{tmp_path}/abseiling/aaa_000000_000010.mp4 0"], [f"{tmp_path}/zumba/bbb_000000_000010.mp4 399"]]
    write_csv(tmp_path / "train.csv", lines)
    write_csv(tmp_path / "val.csv", lines)
    clip(tmp_path / "abseiling" / "aaa_000000_000010.mp4")
    with pytest.raises(DatasetFormatError, match="train.csv', .*val.csv' are no Kinetics annotations") as error:
        load_video_dataset(tmp_path, "kinetics")
    assert "first line: '" + str(tmp_path) in str(error.value) and "'label,youtube_id,time_start,time_end'" in str(
        error.value
    )
    header = ["label", "youtube_id", "time_start", "time_end", "split"]
    write_csv(tmp_path / "annotations" / "train.csv", [["abseiling", "aaa", 0, 10, "train"]], header)
    with caplog.at_level(logging.WARNING, logger="vivit_hf.training.data.formats"):
        data = load_video_dataset(tmp_path, "kinetics")
    assert list(data.splits) == ["train"]
    assert any(f"'{tmp_path / 'val.csv'}' is no Kinetics annotations" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    "header, row, says",
    [
        (["label", "video", "time_start", "time_end"], ["zumba", "aaa", 0, 10], "has no 'youtube_id' column"),
        (["label", "youtube_id", "time_start", "time_end"], ["zumba", "aaa", 0], "line 2 has fewer fields"),
        (["label", "youtube_id", "time_start", "time_end"], ["zumba", "aaa", "0:10", 20], "'0:10'"),
        (["label", "youtube_id", "time_start", "time_end"], ["zumba", " ", 0, 10], "line 2 has an empty youtube_id"),
    ],
)
def test_kinetics_csv_it_cannot_name_clips_from_is_refused_by_file_and_line(tmp_path, header, row, says):
    write_csv(tmp_path / "annotations" / "train.csv", [row], header)
    clip(tmp_path / "train" / "aaa_000000_000010.mp4")
    with pytest.raises(DatasetFormatError, match="train.csv") as error:
        load_video_dataset(tmp_path, "kinetics")
    assert says in str(error.value)


def test_moments_row_without_a_label_is_refused_by_file_and_row(tmp_path):
    """An IndexError before."""
    write_csv(tmp_path / "trainingSet.csv", [["clapping/x.mp4", "clapping", 3, 0], ["clapping/y.mp4"]])
    clip(tmp_path / "training" / "clapping" / "x.mp4")
    with pytest.raises(DatasetFormatError, match=r"trainingSet.csv has a row without a label \('clapping/y.mp4'\)"):
        load_video_dataset(tmp_path, "moments")


@pytest.mark.parametrize("first", ['{"file_name": "a.mp4", "label": ', '["file_name", "label"]'])
def test_videofolder_metadata_jsonl_that_is_not_json_objects_is_refused_by_name(tmp_path, first):
    """A JSONDecodeError (or a list taken for column names) before."""
    clip(tmp_path / "train" / "sit" / "a.mp4")
    clip(tmp_path / "train" / "stand" / "b.mp4")
    (tmp_path / "train" / "metadata.jsonl").write_text(first + "\n")
    with pytest.raises(DatasetFormatError, match=r"metadata.jsonl: its first line is not"):
        load_video_dataset(tmp_path, "videofolder")


def test_videofolder_of_loose_clips_beside_a_table_of_labels_says_how_to_read_the_table(tmp_path):
    """`clips/*.mp4` beside `labels.csv` (a layout of CSV labels, not class folders): the refusal named the table
    only among the folder's files, saying nothing of the two ways to read its labels."""
    clip(tmp_path / "a.mp4")
    clip(tmp_path / "b.mp4", seed=1)
    write_csv(tmp_path / "labels.csv", [["a.mp4", "sit"], ["b.mp4", "stand"]], header=["filename", "label"])
    with pytest.raises(DatasetFormatError) as refused:
        load_video_dataset(tmp_path, "videofolder")
    said = str(refused.value)
    assert "videofolder reads no labels from a table (labels.csv)" in said, said
    assert "name it metadata.csv (or .jsonl) with the clips' paths in a 'file_name' column" in said, said
    assert "--dataset_format hub" in said and "move each clip into a folder named by its class" in said, said


def test_ssv2_maps_templates_to_labels_json_indices(tmp_path):
    (tmp_path / "labels").mkdir()
    (tmp_path / "labels" / "labels.json").write_text(
        json.dumps({"Pushing something from left to right": "1", "Approaching something with your camera": "0"})
    )
    (tmp_path / "labels" / "train.json").write_text(
        json.dumps(
            [
                {
                    "id": "11",
                    "label": "pushing a cup from left to right",
                    "template": "Pushing [something] from left to right",
                    "placeholders": ["a cup"],
                }
            ]
        )
    )
    (tmp_path / "labels" / "validation.json").write_text(
        json.dumps(
            [
                {
                    "id": "12",
                    "label": "approaching a door with your camera",
                    "template": "Approaching [something] with your camera",
                    "placeholders": ["a door"],
                }
            ]
        )
    )
    clip(tmp_path / "20bn-something-something-v2" / "11.webm", codec_suffix=".webm")
    clip(tmp_path / "20bn-something-something-v2" / "12.webm", codec_suffix=".webm")
    data = load_video_dataset(tmp_path, "ssv2")
    assert data.label_names == ["Approaching something with your camera", "Pushing something from left to right"]
    assert [(Path(e["video"]).name, e["label"]) for e in data.split("train")] == [("11.webm", 1)]
    assert [e["label"] for e in data.split("validation")] == [0]


def test_ssv2_labels_json_that_keeps_the_templates_brackets_is_read(tmp_path):
    # A copy of labels.json that keeps "[something]" in its names refused every clip ("class 'Pushing something from
    # left to right', which labels.json does not list") while labels.json listed it, brackets and all.
    labels = {"Pushing [something] from left to right": "1", "Approaching [something] with your camera": "0"}
    (tmp_path / "labels.json").write_text(json.dumps(labels))
    train = [{"id": "11", "template": "Pushing [something] from left to right"}]
    train.append({"id": "13", "template": "Approaching [something] with your camera"})
    (tmp_path / "train.json").write_text(json.dumps(train))
    (tmp_path / "test-answers.csv").write_text("12;Approaching [something] with your camera\n")
    for key in ("11", "12", "13"):
        clip(tmp_path / f"{key}.webm", codec_suffix=".webm")
    data = load_video_dataset(tmp_path, "ssv2")
    assert data.label_names == ["Approaching something with your camera", "Pushing something from left to right"]
    assert [(e["id"], e["label"]) for e in data.split("train")] == [("11", 1), ("13", 0)]
    assert [(e["id"], e["label"]) for e in data.split("test")] == [("12", 0)]


def test_epic_kitchens_gives_noun_then_verb_labels_with_300_and_97_classes(tmp_path):
    header = [
        "narration_id",
        "participant_id",
        "video_id",
        "start_timestamp",
        "stop_timestamp",
        "narration",
        "verb",
        "verb_class",
        "noun",
        "noun_class",
    ]
    write_csv(
        tmp_path / "EPIC_100_train.csv",
        [["P01_01_0", "P01", "P01_01", "00:00:01", "00:00:02", "open door", "open", 3, "door", 8]],
        header,
    )
    write_csv(
        tmp_path / "EPIC_100_validation.csv",
        [["P02_01_5", "P02", "P02_01", "00:00:01", "00:00:02", "take cup", "take", 0, "cup", 12]],
        header,
    )
    clip(tmp_path / "clips" / "P01_01_0.mp4")
    clip(tmp_path / "clips" / "P02_01_5.mp4")
    data = load_video_dataset(tmp_path, "epic_kitchens")
    assert data.head_sizes == {"noun": 300, "verb": 97}
    assert data.split("train")[0]["label"] == [8, 3]
    assert data.split("validation")[0]["label"] == [12, 0]
    assert len(data.id2label) == 397 and data.id2label[300] == "verb:0"


def test_ssv2_test_answers_row_without_a_class_is_refused_as_such(tmp_path):
    """A row of an id alone (a test list, not its answers) was "a clip of class '12', which labels.json does not
    list"."""
    (tmp_path / "labels.json").write_text(json.dumps({"Pushing something from left to right": "0"}))
    (tmp_path / "train.json").write_text(
        json.dumps([{"id": "11", "template": "Pushing [something] from left to right"}])
    )
    (tmp_path / "test-answers.csv").write_text("12\n")
    for key in ("11", "12"):
        clip(tmp_path / f"{key}.webm", codec_suffix=".webm")
    with pytest.raises(DatasetFormatError, match=r"test-answers.csv has a row without a class \('12'\); each row is"):
        load_video_dataset(tmp_path, "ssv2")


EPIC_COLUMNS = ["narration_id", "video_id", "start_timestamp", "stop_timestamp", "start_frame", "stop_frame",
                "verb_class", "noun_class"]  # fmt: skip


def test_epic_kitchens_whole_numbers_written_as_pandas_floats_are_read_as_numbers(tmp_path):
    # pandas writes an integer column with an empty cell anywhere as floats ("61.0"): a CSV filtered and saved again
    # stopped in a bare "ValueError: invalid literal for int() with base 10: '61.0'". 60.0..119.0 of Epic's 60 fps
    # frames are 1.00-2.00 s.
    rows = [["P01_01_0", "P01_01", "", "", "60.0", "119.0", "3.0", "8.0"]]
    write_csv(tmp_path / "EPIC_100_train.csv", rows, EPIC_COLUMNS)
    clip(tmp_path / "P01" / "videos" / "P01_01.MP4")
    (example,) = load_video_dataset(tmp_path, "epic_kitchens").split("train")
    assert (example["id"], example["label"]) == ("P01_01_0", [8, 3])
    assert (example["start_seconds"], example["end_seconds"]) == (1.0, 2.0)


@pytest.mark.parametrize(
    "columns, row, says",
    [
        (EPIC_COLUMNS[:-1], ["P01_01_0", "P01_01", "", "", "61", "120", "3"], "has no 'noun_class' column"),
        (EPIC_COLUMNS, ["P01_01_0", "P01_01", "", "", "61", "120", "3", ""], "line 2: noun_class is '', not a whole"),
        (EPIC_COLUMNS, ["P01_01_0", "P01_01", "", "", "61", "1:20", "3", "8"], "line 2: stop_frame is '1:20', not a"),
        (EPIC_COLUMNS, ["P01_01_0", "P01_01", "1.5", "2.5", "", "", "3", "8"], "line 2: '1.5' is not a HH:MM:SS.ff"),
    ],
)
def test_epic_kitchens_csv_it_cannot_read_is_refused_by_file_line_and_column(tmp_path, columns, row, says):
    """A bare KeyError or ValueError before, naming neither the file nor the line."""
    write_csv(tmp_path / "EPIC_100_train.csv", [row], columns)
    clip(tmp_path / "P01" / "videos" / "P01_01.MP4")
    with pytest.raises(DatasetFormatError, match="EPIC_100_train.csv") as error:
        load_video_dataset(tmp_path, "epic_kitchens")
    assert says in str(error.value)


@pytest.mark.parametrize(
    "name, content, says",
    [
        # SSv2's test.json (ids alone) copied in as validation.json: a bare KeyError 'template'
        ("validation.json", [{"id": "12"}], 'validation.json item 0 is {"id": "12"}, not an object with an "id" and'),
        # an object of id -> template: TypeError 'string indices must be integers'
        ("train.json", {"11": "Pushing [something] from left to right"}, "train.json holds a JSON dict, not SSv2's"),
        # AttributeError: 'list' object has no attribute 'items'
        ("labels.json", ["Pushing something from left to right"], "labels.json holds a JSON list, not SSv2's"),
    ],
)
def test_ssv2_json_files_of_another_shape_are_refused_by_file_and_item(tmp_path, name, content, says):
    files = {
        "labels.json": {"Pushing something from left to right": "0"},
        "train.json": [{"id": "11", "template": "Pushing [something] from left to right"}],
        "validation.json": [{"id": "12", "template": "Pushing [something] from left to right"}],
    }
    for filename, value in {**files, name: content}.items():
        (tmp_path / filename).write_text(json.dumps(value))
    for key in ("11", "12"):
        clip(tmp_path / f"{key}.webm", codec_suffix=".webm")
    with pytest.raises(DatasetFormatError) as error:
        load_video_dataset(tmp_path, "ssv2")
    assert says in str(error.value)


@pytest.mark.parametrize(
    "files, says",
    [
        # a bare IndexError
        ({"classInd.txt": "1 ApplyEyeMakeup\n2\n"}, "classInd.txt line '2' is not '<class number> <class>'"),
        # invalid literal for int() with base 10: 'ApplyEyeMakeup'
        ({"classInd.txt": "ApplyEyeMakeup 1\n"}, "classInd.txt line 'ApplyEyeMakeup 1' is not '<class number>"),
        # invalid literal for int() with base 10: 'one'
        ({"trainlist01.txt": "ApplyEyeMakeup/v_ApplyEyeMakeup_g01_c01.avi one\n"}, "the class 'one', not a class"),
    ],
)
def test_ucf101_lists_it_cannot_read_are_refused_by_file_and_line(tmp_path, files, says):
    clip(tmp_path / "UCF-101" / "ApplyEyeMakeup" / "v_ApplyEyeMakeup_g01_c01.avi")
    lists = {"classInd.txt": "1 ApplyEyeMakeup\n", "trainlist01.txt": "ApplyEyeMakeup/v_ApplyEyeMakeup_g01_c01.avi 1\n"}
    for name, text in {**lists, **files}.items():
        (tmp_path / name).write_text(text)
    with pytest.raises(DatasetFormatError) as error:
        load_video_dataset(tmp_path, "ucf101")
    assert says in str(error.value)


def test_moments_categories_without_their_index_are_refused_by_file_and_line(tmp_path):
    """A categories file of names alone: a bare 'ValueError: not enough values to unpack' before."""
    (tmp_path / "moments_categories.txt").write_text("clapping\nbarking\n")
    write_csv(tmp_path / "trainingSet.csv", [["clapping/x.mp4", "clapping", 3, 0]])
    clip(tmp_path / "training" / "clapping" / "x.mp4")
    with pytest.raises(
        DatasetFormatError, match=r"moments_categories.txt has a line without a class index \('clapping'\)"
    ):
        load_video_dataset(tmp_path, "moments")


def test_moments_reads_headerless_csvs_and_categories(tmp_path):
    (tmp_path / "moments_categories.txt").write_text("clapping,1\nbarking,0\n")
    write_csv(tmp_path / "trainingSet.csv", [["clapping/x.mp4", "clapping", 3, 0], ["barking/y.mp4", "barking", 3, 1]])
    write_csv(tmp_path / "validationSet.csv", [["clapping/z.mp4", "clapping", 3, 0]])
    clip(tmp_path / "training" / "clapping" / "x.mp4")
    clip(tmp_path / "training" / "barking" / "y.mp4")
    clip(tmp_path / "validation" / "clapping" / "z.mp4")
    data = load_video_dataset(tmp_path, "moments")
    assert data.label_names == ["barking", "clapping"]
    assert [e["label"] for e in data.split("train")] == [1, 0]
    assert [e["label"] for e in data.split("validation")] == [1]


@pytest.mark.parametrize("categories", [False, True])
def test_moments_csv_with_a_header_line_reads_its_rows_not_the_header_as_a_clip(tmp_path, categories):
    """Its README names the fields (filename, label, ...), and a subset saved by pandas writes them as a first line:
    read as a clip, 'label' was a class and 'running' id 2 (no categories file), or the data set was refused."""
    if categories:
        (tmp_path / "moments_categories.txt").write_text("clapping,0\nrunning,1\n")
    header = ["filename", "label", "annotation positive responses", "annotation negative responses"]
    write_csv(
        tmp_path / "trainingSet.csv", [["clapping/x.mp4", "clapping", 3, 0], ["running/y.mp4", "running", 3, 1]], header
    )
    clip(tmp_path / "training" / "clapping" / "x.mp4")
    clip(tmp_path / "training" / "running" / "y.mp4", seed=1)
    data = load_video_dataset(tmp_path, "moments")
    assert data.label_names == ["clapping", "running"]
    assert [(e["id"], e["label"]) for e in data.split("train")] == [("clapping/x.mp4", 0), ("running/y.mp4", 1)]
    assert data.missing == {}


def test_hub_format_reads_a_datasets_repo_with_undecoded_video_column(tmp_path):
    datasets = pytest.importorskip("datasets")
    videos = [clip(tmp_path / "src" / f"{i}.mp4", seed=i) for i in range(3)]
    features = datasets.Features({"clip": datasets.Video(), "action": datasets.ClassLabel(names=["sit", "stand"])})
    table = datasets.Dataset.from_dict(
        {"clip": [{"path": None, "bytes": v.read_bytes()} for v in videos], "action": [1, 0, 1]}, features=features
    )
    (tmp_path / "repo" / "data").mkdir(parents=True)
    table.to_parquet(str(tmp_path / "repo" / "data" / "train-00000-of-00001.parquet"))
    data = load_video_dataset(str(tmp_path / "repo"), "hub", cache_dir=str(tmp_path / "cache"))
    assert data.label_names == ["sit", "stand"]
    train = data.split("train")
    assert len(train) == 3 and [e["label"] for e in train] == [1, 0, 1]
    assert train[0]["video"]["bytes"] == videos[0].read_bytes()


def test_a_layout_that_does_not_match_the_format_names_the_missing_file(tmp_path):
    clip(tmp_path / "train" / "a" / "x.mp4")
    with pytest.raises(DatasetFormatError, match="labels.json"):
        load_video_dataset(tmp_path, "ssv2")
    with pytest.raises(ValueError, match="unknown --dataset_format"):
        load_video_dataset(tmp_path, "charades")


def test_hold_out_is_deterministic_and_disjoint():
    examples = [{"video": str(i), "label": i % 2} for i in range(20)]
    rest, held = hold_out(examples, 0.25, seed=3)
    assert len(held) == 5 and len(rest) == 15
    assert not {e["video"] for e in rest} & {e["video"] for e in held}
    assert hold_out(examples, 0.25, seed=3) == (rest, held)


def test_archives_are_extracted_once_into_a_folder_that_appears_complete(tmp_path):
    import tarfile

    snapshot = tmp_path / "snapshot"
    clip(tmp_path / "payload" / "train" / "run" / "a.mp4")
    snapshot.mkdir()
    with tarfile.open(snapshot / "videos.tar.gz", "w:gz") as tar:
        tar.add(tmp_path / "payload" / "train", arcname="train")
    destination = extract_archives(snapshot, tmp_path / "extracted")
    extracted = destination / "videos" / "train" / "run" / "a.mp4"
    assert extracted.is_file()
    stamp = extracted.stat().st_mtime_ns
    (snapshot / "videos.tar.gz").unlink()  # a second call must not need (or re-read) the archive
    assert extract_archives(snapshot, tmp_path / "extracted") == destination
    assert extracted.stat().st_mtime_ns == stamp
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".extracted")]


def test_a_hub_id_is_downloaded_then_read_from_snapshot_and_extraction(tmp_path, monkeypatch):
    import tarfile

    import huggingface_hub

    snapshot = tmp_path / "hub" / "snapshots" / "abc123"
    clip(tmp_path / "payload" / "jump" / "a.mp4")
    clip(tmp_path / "payload" / "run" / "b.mp4")
    snapshot.mkdir(parents=True)
    with tarfile.open(snapshot / "train.tar", "w") as tar:
        tar.add(tmp_path / "payload" / "jump", arcname="jump")
        tar.add(tmp_path / "payload" / "run", arcname="run")
    calls = []

    def fake_snapshot_download(repo_id, **kwargs):
        calls.append((repo_id, kwargs["repo_type"]))
        return str(snapshot)

    monkeypatch.setattr(huggingface_hub, "snapshot_download", fake_snapshot_download)
    data = load_video_dataset("someone/tiny-videos", "videofolder", cache_dir=str(tmp_path / "cache"))
    assert calls == [("someone/tiny-videos", "dataset")]
    assert data.label_names == ["jump", "run"]
    assert [e["id"] for e in data.split("train")] == ["train/jump/a.mp4", "train/run/b.mp4"]
    assert Path(data.split("train")[0]["video"]).is_file()


# What scripts imported from `formats` before it was split into a module per data set and rule (examples, folders,
# labels, videofolder, annotated, hub, subsets): each name still imports from there.
NAMES_IMPORTED_FROM_FORMATS = (
    *("DATASET_FORMATS", "FORMATS", "VIDEO_EXTENSIONS", "DatasetFormatError", "VideoClassificationData"),
    *("check_config_name", "load_video_dataset", "load_videofolder", "load_kinetics", "load_ssv2"),
    *("load_epic_kitchens", "load_moments", "load_ucf101", "load_hmdb51", "load_hub", "hub_example"),
    *("local_folder_cache_dir", "video_files_below", "label_name", "refuse_empty_label_names", "example_ids"),
    *("hold_out", "sample_subset", "ExampleSubset"),
)


def test_the_names_scripts_imported_from_formats_still_import_from_there():
    from vivit_hf.training.data import formats

    gone = [name for name in NAMES_IMPORTED_FROM_FORMATS if not hasattr(formats, name)]
    assert not gone, f"no longer importable from vivit_hf.training.data.formats: {gone}"


def test_the_adapters_modules_warn_under_the_formats_logger_a_user_may_have_quietened(tmp_path, caplog):
    # One logger name for every adapter, as before the split: a level set on it still quietens them all.
    clip(tmp_path / "train" / "jump" / "a.mp4")
    clip(tmp_path / "train" / "run" / "b.mp4")
    clip(tmp_path / "train" / "c.mp4")  # no class folder: videofolder.py names it
    (tmp_path / "train" / "run" / "d.bin").write_bytes(b"")  # not a video type: folders.py names it
    with caplog.at_level("WARNING"):
        load_video_dataset(tmp_path, "videofolder")
    warned = {record.name for record in caplog.records if record.levelname == "WARNING"}
    assert len(caplog.records) >= 2 and warned == {"vivit_hf.training.data.formats"}


def test_copies_of_a_data_set_that_differ_by_one_missing_clip_have_different_digests(tmp_path):
    # Two machines, each reading its own copy: one lacks a clip (counted missing there). Shared out by position
    # (accelerate's BatchSamplerShard, the reference below), 5 of 20 clips were read twice an epoch and 5 never.
    from collections import Counter

    import torch
    from accelerate.data_loader import BatchSamplerShard

    from vivit_hf.training.data.examples import examples_digest

    full = [{"video": f"c{i}.mp4", "label": i % 3, "id": f"c{i}"} for i in range(20)]
    copies = {0: full, 1: full[1:]}
    seen = []
    for rank, examples in copies.items():
        batches = torch.utils.data.BatchSampler(range(len(examples)), batch_size=2, drop_last=False)
        shard = BatchSamplerShard(batches, num_processes=2, process_index=rank, even_batches=True)
        seen += [examples[i]["id"] for batch in shard for i in batch]
    counts = Counter(seen)
    assert sum(1 for c in counts.values() if c > 1) == 5 and len({e["id"] for e in full} - set(counts)) == 5
    assert examples_digest(copies[0]) != examples_digest(copies[1])
    assert examples_digest(full) == examples_digest([dict(e) for e in full])  # another read of the same copy
    relabelled = [dict(e, label=(e["label"] + 1) % 3) if e["id"] == "c7" else e for e in full]
    assert examples_digest(relabelled) != examples_digest(full)


def test_copies_at_other_paths_have_the_same_digest():
    """Each machine may keep its copy elsewhere (a Hub data set in its own --cache_dir): clips known by their path
    compare by class folder and name, so two identical copies agree and a clip of another class does not."""
    from vivit_hf.training.data.examples import examples_digest

    def copy(root, first_class="up"):
        return [{"video": f"{root}/{first_class if i == 0 else 'up'}/c{i}.mp4", "label": 0} for i in range(4)]

    assert examples_digest(copy("/data/a")) == examples_digest(copy("/mnt/cache/b"))
    assert examples_digest(copy("/data/a")) != examples_digest(copy("/data/a", first_class="down"))
