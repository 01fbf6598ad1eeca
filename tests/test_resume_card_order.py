# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""A run or model of a version that numbered class folders beside a data card in sorted order (`cat` 0, where the
card lists `dog, cat`), resumed or evaluated by this one, which numbers them as the card does: the same clips and
classes are taken (compared by class name), another data set is still refused.

The earlier version's run is made here by fine-tuning before the card is written: that version ignored a card beside
class folders, so its run on the folder with the card is the one this code makes on the folder without it. Checked by
hand against that version's own code (`git archive` of main before 6ce256f, the same tiny run on the folder with the
card): the same weights bit for bit, the same `id2label` (`cat`, `dog`), train digest and held-out digest."""

import json
import shutil

from safetensors.torch import load_file
from test_recipes_finetune import EVALUATE, FINETUNE, TINY_MODEL, run, tiny_clip

CARD = (
    "---\ndataset_info:\n  features:\n  - name: video\n    dtype: video\n  - name: label\n    dtype:\n"
    "      class_label:\n        names:\n          '0': dog\n          '1': cat\n---\n"
)


def class_folders(root):
    """`root/train/{cat,dog}/<i>.mp4`, four clips a class, and no data card yet."""
    for label, name in enumerate(("cat", "dog")):
        for i in range(4):
            tiny_clip(root / "train" / name / f"{i}.mp4", label, seed=10 * label + i)
    return root


def finetune(data, out, *extra):
    return run(
        FINETUNE,
        *("--dataset", data, "--dataset_format", "hub", "--output_dir", out, "--validation_split_percentage", "25"),
        *("--num_train_epochs", "2", "--checkpointing_steps", "2", *TINY_MODEL, *extra),
        check=not extra,
    )


def test_a_checkpoint_that_numbered_the_classes_sorted_resumes_in_its_numbering_and_ends_as_it_would_have(tmp_path):
    data, reference = class_folders(tmp_path / "data"), tmp_path / "reference"
    finetune(data, reference)  # uninterrupted, numbered as the earlier version did: `cat` 0
    assert json.loads((reference / "config.json").read_text())["id2label"] == {"0": "cat", "1": "dog"}
    state = json.loads((reference / "checkpoints" / "step_4" / "trainer_state.json").read_text())
    assert state["columns_read"] == {"video_column": "video", "label_column": "label"}  # what a resume compares with
    (data / "README.md").write_text(CARD)  # this version now numbers the folder `dog` 0

    resumed = tmp_path / "resumed"
    shutil.copytree(reference / "checkpoints" / "step_4", resumed / "checkpoints" / "step_4")
    result = finetune(data, resumed, "--resume_from_checkpoint", "latest")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "numbered as the checkpoint numbers them, 0 'cat', 1 'dog' (the data set: 0 'dog', 1 'cat')" in result.stderr
    assert json.loads((resumed / "config.json").read_text())["id2label"] == {"0": "cat", "1": "dog"}
    ended, expected = load_file(resumed / "model.safetensors"), load_file(reference / "model.safetensors")
    assert ended.keys() == expected.keys()
    assert all(ended[name].equal(expected[name]) for name in expected)

    # the same classes, but a clip of `dog` moved to `cat`: another training split, refused as before
    (data / "train" / "dog" / "3.mp4").rename(data / "train" / "cat" / "9.mp4")
    shutil.rmtree(resumed)
    shutil.copytree(reference / "checkpoints" / "step_4", resumed / "checkpoints" / "step_4")
    result = finetune(data, resumed, "--resume_from_checkpoint", "latest")
    assert result.returncode == 2
    assert "the training split is not the one it was trained on" in result.stderr.strip().splitlines()[-1]


def test_a_model_that_numbered_the_classes_sorted_is_scored_on_the_share_it_held_out(tmp_path):
    data, model = class_folders(tmp_path / "data"), tmp_path / "model"
    finetune(data, model)
    run(EVALUATE, "--model", model, "--dataset", data, "--dataset_format", "hub", "--output_dir", tmp_path / "before")
    (data / "README.md").write_text(CARD)
    run(EVALUATE, "--model", model, "--dataset", data, "--dataset_format", "hub", "--output_dir", tmp_path / "after")
    before, after = (json.loads((tmp_path / name / "eval_results.json").read_text()) for name in ("before", "after"))
    assert after["split"] == before["split"] == "train (held out 25%)"
    for key in ("num_samples", "top1", "per_class_accuracy", "confusion_matrix"):
        assert after[key] == before[key], key
    assert list(after["per_class_accuracy"]) == ["cat", "dog"]  # the model's classes name the results

    (data / "train" / "dog" / "3.mp4").rename(data / "train" / "cat" / "9.mp4")  # the same classes, other clips
    result = run(EVALUATE, "--model", model, "--dataset", data, "--dataset_format", "hub", check=False)
    assert result.returncode == 2
    assert "but that split has changed since" in result.stderr.strip().splitlines()[-1]
