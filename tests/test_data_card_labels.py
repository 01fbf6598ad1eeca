# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""A data card's `ClassLabel` (README.md `dataset_info.features`) names and numbers the classes of a videofolder with a
metadata file, whole and streamed, as `datasets.load_dataset` applies the same card to a parquet repo: datasets'
videofolder drops the card's label feature, and its classes were "0", "1" or sorted names."""

import csv
from pathlib import Path

import pytest
from test_data_formats import clip

from vivit_hf.training.data.formats import DatasetFormatError, example_labels, load_video_dataset
from vivit_hf.training.data.streaming import open_streaming_dataset

datasets = pytest.importorskip("datasets")

CARD_NAMES = ["dog", "cat"]  # not in sorted order: the card's order is the class ids
CARD = (
    "---\ndataset_info:\n  features:\n  - name: video\n    dtype: video\n  - name: label\n    dtype:\n"
    "      class_label:\n        names:\n          '0': dog\n          '1': cat\n---\n"
)


def metadata_videofolder(tmp_path: Path, labels: list) -> Path:
    root = tmp_path / "videofolder"
    for i in range(len(labels)):
        clip(root / "train" / f"c{i}.mp4", seed=i)
    with open(root / "train" / "metadata.csv", "w", newline="") as f:
        csv.writer(f).writerows([("file_name", "label"), *((f"c{i}.mp4", label) for i, label in enumerate(labels))])
    (root / "README.md").write_text(CARD)
    return root


def parquet_reference(tmp_path: Path, labels: list) -> tuple[list[str], list[int]]:
    """The class names and label ids `datasets.load_dataset` gives a parquet repo of the same labels and card."""
    root = tmp_path / "parquet"
    (root / "data").mkdir(parents=True)
    datasets.Dataset.from_dict({"video": [f"c{i}.mp4" for i in range(len(labels))], "label": labels}).to_parquet(
        root / "data" / "train-00000-of-00001.parquet"
    )
    (root / "README.md").write_text(CARD)
    train = datasets.load_dataset(str(root), cache_dir=str(tmp_path / "cache"))["train"]
    return train.features["label"].names, train["label"]


@pytest.mark.parametrize("labels", [[0, 1, 1], ["cat", "dog", "dog"]], ids=["ids", "names"])
def test_a_metadata_videofolder_takes_its_classes_from_the_data_card_as_datasets_does_for_parquet(tmp_path, labels):
    names, ids = parquet_reference(tmp_path, labels)
    assert names == CARD_NAMES  # the reference read the card
    root = metadata_videofolder(tmp_path, labels)
    whole = load_video_dataset(root, "hub", cache_dir=str(tmp_path / "cache"))
    streamed = open_streaming_dataset(str(root), cache_dir=str(tmp_path / "cache"))
    for data in (whole, streamed):
        assert data.label_spaces == {"label": names}
        assert data.id2label == dict(enumerate(names))
    assert example_labels(whole.splits["train"]) == ids
    split = streamed.splits["train"]
    assert [split.label_id(label) for label in labels] == ids


@pytest.mark.parametrize("labels", [["cat", "bird", "dog"], [0, 2, 1]], ids=["name", "id"])
def test_a_label_the_data_card_lacks_is_refused_naming_it_and_its_file(tmp_path, labels):
    with pytest.raises(datasets.exceptions.DatasetGenerationError):  # datasets refuses it too, for a parquet repo
        parquet_reference(tmp_path, labels)
    root = metadata_videofolder(tmp_path, labels)
    for read in (lambda: load_video_dataset(root, "hub"), lambda: open_streaming_dataset(str(root))):
        with pytest.raises(DatasetFormatError, match=rf"train/metadata.csv \(the clip 'c1.mp4'\).*{labels[1]!r}"):
            read()


def class_videofolder(tmp_path: Path, classes: list[str]) -> Path:
    """Class folders (`train/<class>/c<i>.mp4`) beside the data card: `datasets` numbers such classes itself."""
    root = tmp_path / "class_folders"
    for i, name in enumerate(classes):
        clip(root / "train" / name / f"c{i}.mp4", seed=i)
    (root / "README.md").write_text(CARD)
    return root


def test_a_class_folder_videofolder_takes_its_classes_from_the_data_card_as_datasets_does_for_parquet(tmp_path):
    """datasets' videofolder numbered class folders in sorted order (`cat` 0) whatever the card said (`dog` 0): a
    model whose ids follow the card was trained and scored on swapped classes. The card's names and order are taken,
    as for a metadata file."""
    classes = ["cat", "dog", "dog"]
    names, ids = parquet_reference(tmp_path, classes)
    assert names == CARD_NAMES and ids == [1, 0, 0]  # the reference read the card
    root = class_videofolder(tmp_path, classes)
    assert datasets.load_dataset(str(root), cache_dir=str(tmp_path / "c"))["train"].features["label"].names != names
    whole = load_video_dataset(root, "hub", cache_dir=str(tmp_path / "cache"))
    streamed = open_streaming_dataset(str(root), cache_dir=str(tmp_path / "cache"))
    for data in (whole, streamed):
        assert data.label_spaces == {"label": names}
    by_clip = {f"c{i}.mp4": label for i, label in enumerate(ids)}
    whole_labels = zip(whole.splits["train"], example_labels(whole.splits["train"]))
    assert sorted((Path(e["video"]["path"]).name, label) for e, label in whole_labels) == sorted(by_clip.items())
    split = streamed.splits["train"]
    rows = [(row["video"], row["label"]) for row in split.dataset]
    paths = [video["path"] if isinstance(video, dict) else video for video, _ in rows]
    streamed_labels = [split.label_id(label) for _, label in rows]
    assert sorted(zip((Path(p).name for p in paths), streamed_labels)) == sorted(by_clip.items())


def test_a_class_folder_the_data_card_lacks_is_refused_naming_it(tmp_path):
    root = class_videofolder(tmp_path, ["cat", "bird", "dog"])
    for read in (lambda: load_video_dataset(root, "hub"), lambda: open_streaming_dataset(str(root))):
        with pytest.raises(DatasetFormatError, match=r"class\(es\) 'bird'.*card's ClassLabel \('label': 'dog'"):
            read()


def test_a_class_folder_videofolder_read_as_videofolder_says_its_data_card_is_not_read(tmp_path, caplog):
    """--dataset_format videofolder numbers class folders in sorted order, as datasets' videofolder does (the
    reference), whatever the card says: it said nothing, and the model's ids (`cat` 0) were not the card's
    (`dog` 0). A warning names the card, both orders and the format that reads the card."""
    root = class_videofolder(tmp_path, ["cat", "dog", "dog"])
    reference = datasets.load_dataset(str(root), cache_dir=str(tmp_path / "c"))["train"].features["label"].names
    with caplog.at_level("WARNING", logger="vivit_hf.training.data.formats"):
        data = load_video_dataset(root, "videofolder")
    assert data.label_spaces == {"label": reference} and reference != CARD_NAMES
    said = [r.getMessage() for r in caplog.records if "data card" in r.getMessage()]
    assert len(said) == 1 and said[0].startswith(f"{root / 'README.md'}: its data card's ClassLabel numbers")
    assert "'dog', 'cat'" in said[0] and "'cat', 'dog'" in said[0] and "--dataset_format hub" in said[0]
    # a card in the folders' own order says nothing
    (root / "README.md").write_text(CARD.replace("dog", "@").replace("cat", "dog").replace("@", "cat"))
    caplog.clear()
    with caplog.at_level("WARNING", logger="vivit_hf.training.data.formats"):
        load_video_dataset(root, "videofolder")
    assert not [r for r in caplog.records if "data card" in r.getMessage()]
