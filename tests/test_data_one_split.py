# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""A folder read for one split alone (`load_videofolder`'s `one_of`, evaluate.py's): the clips, classes, order and
warnings of that split as the whole read gives them, the other splits' files not stat'ed."""

import logging
import os
import re
from pathlib import Path

import pytest
from test_data_folder_rules import LOGGER, touch
from test_recipes_finetune import EVALUATE

from vivit_hf.training.data import open_video_dataset
from vivit_hf.training.data.formats import load_video_dataset

# Each tree as users lay them out: Kinetics' split folders (a validation split lacking a class, so numbered otherwise
# when read alone; an empty class folder, a symlink to no file); clips at mixed depths and one in no class folder;
# split folders at any depth, under a wrapper, under the other split's folder (`train/x/val/`: a walk cut at `train/`
# loses it), beside class folders below no split folder; a split of folders of two words, a download's leftovers.
LAYOUTS = {
    "kinetics": [
        *("train/abseiling/a.mp4", "train/abseiling/b.mp4", "train/yoga/c.mp4", "train/zumba/d.mp4"),
        *("val/yoga/e.mp4", "val/zumba/f.mp4", "val/zumba/g.mp4", "test/abseiling/h.mp4", "test/zumba/i.mp4"),
    ],
    "mixed_depth": [
        *("train/run/a.mp4", "train/run/slow/b.mp4", "train/swim/c.mp4"),
        *("val/run/d.mp4", "val/run/fast/e.mp4", "val/swim/f.mp4", "val/loose.mp4"),
    ],
    "nested": [
        *("k400/train/cat/a.mp4", "k400/train/dog/b.mp4", "k400/train/x/val/cat/c.mp4", "k400/val2017/dog/d.mp4"),
        *("k400/val2017/cat/e.mp4", "validation/Train/f.mp4", "cat/g.mp4", "cat/val/sub/h.mp4"),
        "train/train/bird/i.mp4",
    ],
    "named_twice": [
        *("train/cat/a.mp4", "train/dog/b.mp4", "training/cat/c.mp4", "val/cat/d.mp4", "validation/dog/e.mp4"),
        *("val/dog/notes.docx", "test/cat/f.mp4", "test/dog/g.mp4", "test/dog/g.f137.mp4"),
    ],
    # clips of the split evaluated that are another's under another name: a hard link, symlinks either way
    "linked": ["train/cat/a.mp4", "train/dog/b.mp4", "test/cat/c.mp4", "test/dog/d.mp4"],
}


def layout(root: Path, name: str) -> Path:
    touch(root, *LAYOUTS[name])
    if name == "linked":
        for folder in ("val/cat", "val/dog"):
            (root / folder).mkdir(parents=True)
        os.link(root / "train/cat/a.mp4", root / "val/cat/a2.mp4")
        (root / "val/dog/b2.mp4").symlink_to(root / "train/dog/b.mp4")
        (root / "train/dog/d_link.mp4").symlink_to(root / "test/dog/d.mp4")
    if name == "kinetics":
        (root / "val" / "empty_class").mkdir()
        (root / "val" / "zumba" / "gone.mp4").symlink_to(root / "not_mounted" / "gone.mp4")
    return root


def read(root: Path, caplog, one_of=None):
    """The read and its warnings, each as its kind: the message less its quoted names and counts."""
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        data = load_video_dataset(root, "videofolder", one_split_of=one_of)
    said = [record.getMessage() for record in caplog.records if record.levelno >= logging.WARNING]
    return data, said


def kind(message: str) -> str:
    return re.sub(r"'[^']*'|\[[^]]*\]|[0-9]+", "", message)


def clips(data, split: str) -> list[tuple]:
    """Each clip of `split` in order: its file, class name, id and group (by name: the ids differ where the split
    lacks a class of another)."""
    names = data.label_names
    return [(e["video"], names[e["label"]], e["id"], e.get("clip_group")) for e in data.splits[split]]


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_a_split_read_alone_holds_the_clips_classes_and_order_of_the_whole_read(tmp_path, caplog, name):
    root = layout(tmp_path, name)
    whole, said_whole = read(root, caplog)
    assert len(whole.splits) > 1
    for split in whole.splits:
        alone, said = read(root, caplog, (split,))
        assert alone.read_alone == split and list(alone.splits) == [split]
        assert clips(alone, split) == clips(whole, split), (name, split)
        assert alone.missing.get(split) == whole.missing.get(split)
        assert alone.untrainable.get(split) == whole.untrainable.get(split)
        assert alone.own_names.get(split) == whole.own_names.get(split)
        # nothing the whole read does not say (of its split: fewer names, other counts)
        assert {kind(m) for m in said} <= {kind(m) for m in said_whole}, (split, said, said_whole)


def test_what_is_said_of_the_split_read_alone_is_said(tmp_path, caplog):
    root = layout(tmp_path / "linked", "linked")
    _, said_whole = read(root, caplog)
    for split, other in (("validation", "train"), ("test", "train")):
        _, said = read(root, caplog, (split,))
        linked = [m for m in said if "under another name" in m]
        assert len(linked) == 1 and f"'{other}'" in linked[0] and f"'{split}'" in linked[0], said
        assert linked[0] in said_whole, (linked, said_whole)
    root = layout(tmp_path / "kinetics", "kinetics")
    _, said = read(root, caplog, ("validation",))
    assert any("1 folder(s) beside the class folders are empty" in m and "'val/empty_class'" in m for m in said)
    assert any("'val/zumba/gone.mp4' ->" in m and "counted missing" in m for m in said), said
    assert not any("abseiling" in m for m in said), said  # (train's and test's class, a class val lacks)
    root = layout(tmp_path / "mixed", "mixed_depth")
    _, said = read(root, caplog, ("validation",))
    assert any("2 different depths" in m and "'val/run/fast/e.mp4'" in m for m in said), said
    assert any("of split 'validation' lie outside any <class>/ folder" in m and "'val/loose.mp4'" in m for m in said)
    root = layout(tmp_path / "twice", "named_twice")
    _, said = read(root, caplog, ("validation",))
    assert any("split 'validation'" in m and "2 different split words" in m for m in said), said
    assert any("'val/dog/notes.docx'" in m for m in said), said
    _, said = read(root, caplog, ("train",))
    assert any("split 'train'" in m and "2 different split words" in m for m in said), said
    assert not any("notes.docx" in m or "g.f137.mp4" in m for m in said), said
    _, said = read(root, caplog, ("test",))
    assert any("'test/dog/g.f137.mp4'" in m and "leftovers" in m for m in said), said
    root = layout(tmp_path / "nested", "nested")
    whole, said_whole = read(root, caplog)
    _, said = read(root, caplog, ("train",))
    outside = [m for m in said_whole if "lie outside its split folders" in m]
    assert outside and outside == [m for m in said if "lie outside its split folders" in m]


def test_the_split_read_is_the_first_of_those_asked_that_holds_a_clip_with_a_class(tmp_path, caplog):
    # `val/` of clips in no class folder (no label) and of a symlink to no file: no validation split, so test, as the
    # whole read's default; a folder of neither is read whole (evaluate.py's held-out share of train)
    touch(tmp_path, "train/cat/a.mp4", "train/dog/b.mp4", "val/x.mp4", "test/cat/c.mp4", "test/dog/d.mp4")
    (tmp_path / "val" / "dog").mkdir()
    (tmp_path / "val" / "dog" / "gone.mp4").symlink_to(tmp_path / "nowhere.mp4")
    whole, _ = read(tmp_path, caplog)
    alone, _ = read(tmp_path, caplog, ("validation", "test"))
    assert whole.default_eval_split == "test" and list(alone.splits) == ["test"] == [alone.read_alone]
    assert clips(alone, "test") == clips(whole, "test")
    only_train = tmp_path / "only_train"
    touch(only_train, "train/cat/a.mp4", "train/dog/b.mp4")
    alone, _ = read(only_train, caplog, ("validation", "test"))
    assert alone.read_alone is None and clips(alone, "train") == clips(read(only_train, caplog)[0], "train")


@pytest.fixture(scope="module")
def evaluate_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location("vivit_recipes_evaluate_one_split", EVALUATE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("split", [None, "val", "Validation"])
def test_evaluate_stats_no_file_of_the_training_split(evaluate_module, tmp_path, monkeypatch, split):
    # Kinetics' 248 000 training clips were listed and stat'ed to evaluate its 20 000 validation clips (33 s)
    touch(
        tmp_path, *(f"train/{c}/{i}.mp4" for c in ("cat", "dog") for i in range(20)), "val/cat/a.mp4", "val/dog/b.mp4"
    )
    stated = []
    for name in ("stat", "lstat"):
        real = getattr(os, name)
        monkeypatch.setattr(os, name, lambda path, *a, real=real, **k: stated.append(str(path)) or real(path, *a, **k))
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "config.json").write_text("{}")  # (the flags' check: a folder of a saved model)
    args = evaluate_module.parse_args(
        ["--model", str(tmp_path / "model"), "--dataset", str(tmp_path), *(["--split", split] if split else [])]
    )
    data = open_video_dataset(args.dataset, args.dataset_format, one_split_of=evaluate_module.splits_read(args))
    assert list(data.splits) == ["validation"] and len(data.splits["validation"]) == 2
    # (its folders are: each one's realpath in the walk, its metadata files looked for)
    assert [path for path in stated if "/train/" in path and path.endswith(".mp4")] == []
    assert {path for path in stated if path.endswith(".mp4")} == {
        str(tmp_path / f"val/{c}.mp4") for c in ("cat/a", "dog/b")
    }


@pytest.mark.parametrize("order", [("abseiling", "yoga", "zumba"), ("zumba", "yoga", "abseiling")])
def test_a_cards_class_numbering_is_compared_on_the_classes_of_the_split_read_alone(tmp_path, caplog, order):
    # A card numbering the three classes in sorted order, as videofolder does, beside a val/ lacking `abseiling`:
    # read alone, its two classes are not the card's three, which is no reason to say the ids are not the card's;
    # a card of another order is said of it, as of the whole read
    root = layout(tmp_path, "kinetics")
    names = "".join(f"          '{i}': {name}\n" for i, name in enumerate(order))
    (root / "README.md").write_text(
        "---\ndataset_info:\n  features:\n  - name: video\n    dtype: video\n  - name: label\n    dtype:\n"
        f"      class_label:\n        names:\n{names}---\n"
    )
    card = "its data card's ClassLabel numbers the classes"
    _, said_whole = read(root, caplog)
    _, said = read(root, caplog, ("validation",))
    assert any(card in m for m in said) == any(card in m for m in said_whole) == (order != tuple(sorted(order)))
