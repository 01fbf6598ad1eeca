# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Multi-label fine-tuning (several classes a clip: a `--dataset_format hub` label column of lists): the data read,
multi-hot targets, mAP against its definition, and recipes/finetune.py + evaluate.py + the pipeline end to end."""

import json
import logging
import math
import shutil

import datasets
import pytest
import torch
from huggingface_hub import ModelCard
from test_data_formats import clip
from test_recipes_finetune import EVALUATE, FINETUNE, TINY_MODEL, finetune_module, run  # noqa: F401

from vivit_hf.training.data import DatasetFormatError
from vivit_hf.training.data.examples import examples_digest
from vivit_hf.training.data.formats import load_video_dataset
from vivit_hf.training.data.subsets import ExampleSubset
from vivit_hf.training.finetune import warn_classes_not_drawn
from vivit_hf.training.multi_label import (
    METRICS,
    average_precision,
    multi_hot,
    multi_label_loss,
    multi_label_metrics,
)


def hub(root, tmp_path, **kwargs):
    return load_video_dataset(str(root), "hub", cache_dir=str(tmp_path / "cache"), **kwargs)


def ap_by_thresholds(scores, targets):
    """sklearn's `average_precision_score` of one class as its documentation defines it, written again: for each
    distinct score t from the highest, P_t and R_t of the clips scored t or more, AP = sum_t (R_t - R_prev) P_t."""
    positives = sum(targets)
    ap, recall_before = 0.0, 0.0
    for t in sorted(set(scores), reverse=True):
        kept = [y for s, y in zip(scores, targets) if s >= t]
        precision, recall = sum(kept) / len(kept), sum(kept) / positives
        ap += (recall - recall_before) * precision
        recall_before = recall
    return ap


def test_average_precision_by_hand_and_by_its_definition():
    # by hand: positives ranked 1st and 3rd, AP = 1/2 * 1 + 1/2 * 2/3; tied scores are one threshold (0.5: P 1/2,
    # R 1/2; 0.2: P 2/3, R 1), not an order that favours the positive; a class with no positive clip has none
    scores = torch.tensor([[0.9, 0.5, 0.3], [0.8, 0.5, 0.2], [0.7, 0.2, 0.1], [0.6, 0.1, 0.0]])
    targets = torch.tensor([[1, 1, 0], [0, 0, 0], [1, 1, 0], [0, 0, 0]])
    ap = average_precision(scores, targets)
    assert ap[0].item() == pytest.approx(0.5 + 0.5 * 2 / 3)
    assert ap[1].item() == pytest.approx(0.5 * 0.5 + 0.5 * 2 / 3)
    assert math.isnan(ap[2].item())
    # a confident model's logits rank its clips where float32's sigmoid ties them (1.0 from about 17): AP 1, not 0.5
    logits = torch.tensor([[20.0], [30.0], [-1.0]])
    assert multi_label_metrics(logits, torch.tensor([[0.0], [1.0], [0.0]]), torch.ones(3), ["a"])["map"] == 1.0
    generator = torch.Generator().manual_seed(0)
    scores = torch.randint(0, 6, (40, 5), generator=generator).float() / 5  # many ties
    targets = (torch.rand(40, 5, generator=generator) < 0.3).long()
    ap = average_precision(scores, targets)
    for c in range(5):
        assert ap[c].item() == pytest.approx(ap_by_thresholds(scores[:, c].tolist(), targets[:, c].tolist()))
    # the metrics: mAP over the classes with a positive clip, of the valid clips alone; F1 and exact match at 0.5
    probabilities = [[0.9, 0.5, 0.3], [0.8, 0.5, 0.2], [0.7, 0.2, 0.1], [0.6, 0.1, 0.05], [0.0, 1, 1]]
    logits = torch.logit(torch.tensor(probabilities))
    labels = torch.tensor([[1, 1, 0], [0, 0, 0], [1, 1, 0], [0, 0, 0], [1, 1, 1]]).float()
    results = multi_label_metrics(logits, labels, torch.tensor([1, 1, 1, 1, 0]), ["a", "b", "c"])
    assert results["map"] == pytest.approx((0.5 + 0.5 * 2 / 3 + 0.5 * 0.5 + 0.5 * 2 / 3) / 2)
    assert results["ap"]["c"] is None and results["num_samples"] == 4 and results["num_skipped"] == 1
    # predicted at >= 0.5: [1,1,0] [1,1,0] [1,0,0] [1,0,0]: 3 hits, 3 false positives, 1 false negative
    assert results["micro_f1"] == pytest.approx(2 * 3 / (2 * 3 + 3 + 1))
    assert results["exact_match"] == pytest.approx(1 / 4)
    # clips of no class, none predicted: micro-F1 0.0 as scikit-learn's f1_score(average="micro") gives (it was 1.0)
    none = multi_label_metrics(torch.full((2, 3), -5.0), torch.zeros(2, 3), torch.ones(2), ["a", "b", "c"])
    assert none["micro_f1"] == 0.0 and none["exact_match"] == 1.0 and none["map"] is None
    # one clip of six right in every class: 1/6 as a fraction of clips, not float32's mean (0.1666666716)
    sixth = multi_label_metrics(torch.full((6, 1), -5.0), torch.tensor([[0.0]] + [[1.0]] * 5), torch.ones(6), ["a"])
    assert sixth["exact_match"] == 1 / 6
    # the loss: transformers' multi-label loss (BCEWithLogitsLoss, mean over clips and classes) of the valid clips
    expected = torch.nn.BCEWithLogitsLoss()(logits[:4], labels[:4])
    assert multi_label_loss(logits, labels, torch.tensor([1, 1, 1, 1, 0])).item() == pytest.approx(expected.item())
    assert multi_hot((2, 0), 4).tolist() == [1.0, 0.0, 1.0, 0.0] and multi_hot((), 2).tolist() == [0.0, 0.0]


def test_metric_for_best_model_takes_a_multi_label_metric():
    # `--metric_for_best_model map` (the docs' own) was refused as "no metric the evaluation reports"
    from vivit_hf.training.best_model import check_metric_flag, default_metric, metric_problem

    assert [check_metric_flag(name) for name in ("eval_map", "micro_f1", "exact_match")] == list(METRICS[:3])
    spaces = {"label": ["a", "b"]}
    assert default_metric(spaces, multi_label=True) == "map" and default_metric(spaces) == "top1"
    assert metric_problem("map", spaces, multi_label=True) is None and "reports map" in metric_problem(
        "top1", spaces, multi_label=True
    )
    assert "it reports top1, top5, loss" in metric_problem("map", spaces)  # single-label: no mAP
    # the flags a multi-label run refuses, by name; mixup and the others pass
    from argparse import Namespace

    from vivit_hf.training.multi_label import multi_label_flag_refusal

    said = multi_label_flag_refusal(Namespace(label_smoothing=0.0, class_weights="balanced"))
    assert said.startswith("--class_weights balanced: the data set is multi-label")
    assert multi_label_flag_refusal(Namespace(label_smoothing=0.0, class_weights=None)) is None


def test_hub_label_lists_are_read_as_multi_label(tmp_path, caplog):
    # A metadata.jsonl column of lists (datasets reads it as List(Value("string"))) and a parquet List(ClassLabel):
    # each was refused, "several labels per clip are not supported"; a list of one was refused too, whole.
    folder = tmp_path / "folder" / "train"
    rows = [("a.mp4", ["swim", "run"]), ("b.mp4", ["run"]), ("c.mp4", [])]
    for i, (name, _) in enumerate(rows):
        clip(folder / name, seed=i)
    (folder / "metadata.jsonl").write_text("".join(json.dumps({"file_name": n, "labels": ls}) + "\n" for n, ls in rows))
    data = hub(folder.parent, tmp_path)
    assert data.multi_label and data.label_names == ["run", "swim"]  # the union, sorted as single-label names are
    assert [e["label"] for e in data.split("train")] == [(0, 1), (0,), ()]
    # --max_train_samples' draw of clip b alone leaves out swim: said (each class of a clip's list counted, where
    # the list was read as one class per head: an IndexError)
    from accelerate import PartialState

    PartialState()  # (the recipe's logger is accelerate's)
    with caplog.at_level(logging.WARNING, logger="vivit_hf.training.finetune"):
        warn_classes_not_drawn(data, data.split("train"), ExampleSubset(data.split("train"), [1]), 1, "train")
    assert "carries no clip of 1 of its classes: they are never trained on ('swim')" in caplog.text
    videos = [{"path": None, "bytes": (folder / n).read_bytes()} for n, _ in rows[:2]]
    for name, labels in (("ids", [[2, 0], [1]]), ("ones", [[1], [0]])):
        features = datasets.Features(
            {"video": datasets.Video(), "labels": datasets.List(datasets.ClassLabel(names=["run", "swim", "dive"]))}
        )
        (tmp_path / name / "data").mkdir(parents=True)
        table = datasets.Dataset.from_dict({"video": videos, "labels": labels}, features=features)
        table.to_parquet(str(tmp_path / name / "data" / "train-00000-of-00001.parquet"))
        data = hub(tmp_path / name, tmp_path)
        assert data.multi_label and data.label_names == ["run", "swim", "dive"]  # the ClassLabel's ids and order
        assert [e["label"] for e in data.split("train")] == [tuple(sorted(label)) for label in labels]
    # a row whose list holds no class (None) is refused naming it, not made a class "None"
    (folder / "metadata.jsonl").write_text(
        "".join(json.dumps({"file_name": n, "labels": ls or [None]}) + "\n" for n, ls in rows)
    )
    with pytest.raises(DatasetFormatError, match=r"holds a list with no class in it \(\[None\], row 2\)"):
        hub(folder.parent, tmp_path / "again")
    # a multi-hot vector per row (one 0 / 1 per class) was read as the classes '0' and '1'
    (folder / "metadata.jsonl").write_text(
        "".join(
            json.dumps({"file_name": n, "labels": [int(c in ls) for c in ("run", "swim", "dive")]}) + "\n"
            for n, ls in rows
        )
    )
    with pytest.raises(DatasetFormatError, match=r"holds \[1, 1, 0\] \(row 0\), 0s and 1s .*a multi-hot vector"):
        hub(folder.parent, tmp_path / "vectors")
    # a class listed twice (Charades' actions: one entry per interval of it) is that class, not refused
    (folder / "metadata.jsonl").write_text(
        "".join(json.dumps({"file_name": n, "labels": ls + ls[:1]}) + "\n" for n, ls in rows)
    )
    assert [e["label"] for e in hub(folder.parent, tmp_path / "twice").split("train")] == [(0, 1), (0,), ()]


def test_a_held_out_share_of_multi_label_clips_is_the_share_asked(tmp_path):
    # Charades-like lists, nearly each clip's its own: held out across the lists' first picks (kept for training), a
    # 20% share of 300 clips held 1; now clip by clip, each class keeping a training clip, as a single-label draw does
    from vivit_hf.training.data.hub_datasets import HubSplit
    from vivit_hf.training.data.subsets import hold_out

    generator = torch.Generator().manual_seed(0)
    labels = [torch.randperm(50, generator=generator)[: 2 + i % 4].sort().values.tolist() for i in range(300)]
    features = datasets.Features({"video": datasets.Value("string"), "labels": datasets.List(datasets.ClassLabel(50))})
    rows = datasets.Dataset.from_dict({"video": [f"c{i}.mp4" for i in range(300)], "labels": labels}, features=features)
    for seed in range(3):
        rest, held = hold_out(HubSplit(rows, "video", "labels", None, multi_label=True), 0.2, seed=seed)
        assert len(held) == 60 and len(rest) == 240
        assert {c for label in rest.labels() for c in label} == set(range(50))  # every class trained on


def test_a_csv_of_joined_classes_is_said_to_be_read_single_label(tmp_path, caplog):
    # metadata.csv cells are text to datasets: "run;swim" was trained as a class of its own, without a word
    folder = tmp_path / "csv" / "train"
    for i, name in enumerate(("a.mp4", "b.mp4", "c.mp4")):
        clip(folder / name, seed=i)
    (folder / "metadata.csv").write_text("file_name,label\na.mp4,run;swim\nb.mp4,run\nc.mp4,swim;dive\n")
    with caplog.at_level(logging.WARNING, logger="vivit_hf.training.data.formats"):
        data = hub(folder.parent, tmp_path)
    assert not data.multi_label and data.label_names == ["run", "run;swim", "swim;dive"]
    assert (
        "2 of the 3 classes of 'label' look like several classes in one text ('run;swim', 'swim;dive')" in caplog.text
    )
    caplog.clear()
    (folder / "metadata.csv").write_text("file_name,label\na.mp4,run\nb.mp4,swim\nc.mp4,rock & roll\n")
    with caplog.at_level(logging.WARNING, logger="vivit_hf.training.data.formats"):
        hub(folder.parent, tmp_path / "plain")
    assert "look like several classes" not in caplog.text


@pytest.fixture(scope="module")
def multi_label_folder(videofolder, tmp_path_factory):
    return multi_label_clips(videofolder, tmp_path_factory.mktemp("multi_label"))


def multi_label_clips(videofolder, root):
    """The shared recipe clips (12 training, 6 test), each with its class and `even` for every other clip, as a
    metadata.jsonl column of lists, in `root` (the clips copied: the shared folder stays as it is); returns `root`."""
    for split in ("train", "test"):
        rows = []
        for path in sorted((videofolder / split).rglob("*.mp4")):
            (root / split).mkdir(parents=True, exist_ok=True)
            shutil.copy(path, root / split / path.name)
            even = ["even"] if int(path.stem.rsplit("_", 1)[1]) % 2 == 0 else []
            rows.append({"file_name": path.name, "labels": [path.parent.name, *even]})
        (root / split / "metadata.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    return root


def test_multi_label_fine_tuning_saves_a_sigmoid_model_and_evaluate_reads_it(multi_label_folder, tmp_path):
    from transformers import pipeline

    from vivit_hf import ViViTSpatioTemporalForVideoClassification, ViViTVideoProcessor

    out = tmp_path / "run"
    common = ["--dataset", multi_label_folder, "--dataset_format", "hub", "--cache_dir", tmp_path / "cache"]
    run(FINETUNE, *common, "--output_dir", out, "--max_train_steps", "2", *TINY_MODEL)
    config = json.loads((out / "config.json").read_text())
    assert config["problem_type"] == "multi_label_classification"
    assert config["id2label"] == {"0": "down", "1": "even", "2": "up"}
    results = json.loads((out / "all_results.json").read_text())
    assert "top1" not in results and 0 < results["map"] <= 1 and set(results["ap"]) == {"down", "even", "up"}
    card = ModelCard.load(out / "README.md").data.to_dict()  # the Hub's results: mAP, where top-1 is none
    [metric] = card["model-index"][0]["results"][0]["metrics"]
    assert (metric["type"], metric["value"]) == ("mAP", round(100 * results["map"], 2))
    # evaluate.py scores the same clips alike (the multi-hot labels and mAP of the same model)
    evaluated_run = run(
        EVALUATE, "--model", out, *common, "--split", "test", "--output_dir", tmp_path / "eval", "--num_workers", "0"
    )
    evaluated = json.loads((tmp_path / "eval" / "eval_results.json").read_text())
    assert evaluated["map"] == pytest.approx(results["map"]) and evaluated["num_samples"] == 6
    assert "was not trained multi-label" not in evaluated_run.stderr
    # a softmax model scored on the same data: its mAP (of logits free by a constant per clip) is said to be so; on
    # its training split, that its mAP (not "its accuracy", which a multi-label evaluation has none of) is no test
    softmax_model = tmp_path / "softmax"
    shutil.copytree(out, softmax_model)
    (softmax_model / "config.json").write_text(json.dumps({**config, "problem_type": "single_label_classification"}))
    said = run(
        EVALUATE,
        "--model",
        softmax_model,
        *common,
        "--split",
        "train",
        "--output_dir",
        tmp_path / "e2",
        "--num_workers",
        "0",
    )
    assert "was not trained multi-label (single_label_classification)" in said.stderr
    assert "was fine-tuned on split 'train' of" in said.stderr and "its mAP there is not a test of it" in said.stderr
    rows = [json.loads(line) for line in (tmp_path / "eval" / "predictions.jsonl").read_text().splitlines()]
    assert {row["video_id"]: row["label_name"] for row in rows}["test/up_0.mp4"] == ["even", "up"]
    # the saved model's pipeline gives each class's sigmoid of the model's logits (which need not sum to 1)
    video = str(multi_label_folder / "test" / "up_0.mp4")
    scores = {p["label"]: p["score"] for p in pipeline("video-classification", model=str(out))(video, top_k=3)}
    model = ViViTSpatioTemporalForVideoClassification.from_pretrained(out).eval()
    processor = ViViTVideoProcessor.from_pretrained(out)
    with torch.no_grad():
        logits = model(**processor(video, return_tensors="pt")).logits[0]
    expected = {config["id2label"][str(i)]: p for i, p in enumerate(torch.sigmoid(logits).tolist())}
    assert scores == pytest.approx(expected) and sum(scores.values()) != pytest.approx(1.0)


def test_multi_label_refuses_label_smoothing_by_name(multi_label_folder, tmp_path):
    result = run(
        FINETUNE,
        *["--dataset", multi_label_folder, "--dataset_format", "hub", "--cache_dir", tmp_path / "cache"],
        *["--output_dir", tmp_path / "run", "--label_smoothing", "0.1", *TINY_MODEL],
        check=False,
    )
    assert result.returncode == 2 and "--label_smoothing 0.1: the data set is multi-label" in result.stderr
    assert not (tmp_path / "run" / "config.json").exists()
    # a --preset's (ssv2_vivit_b_fe's 0.3), not typed, is left out in one line (refused, it was: "give
    # --label_smoothing 0"), the run going on to the next refusal (--class_weights balanced, to stop it there)
    result = run(
        FINETUNE,
        *["--dataset", multi_label_folder, "--dataset_format", "hub", "--cache_dir", tmp_path / "cache"],
        *["--output_dir", tmp_path / "preset", "--preset", "ssv2_vivit_b_fe", *TINY_MODEL],
        *["--class_weights", "balanced"],
        check=False,
    )
    assert "--preset ssv2_vivit_b_fe: its label smoothing (0.3) is left out" in result.stderr
    assert result.returncode == 2 and "--class_weights balanced" in result.stderr.splitlines()[-1]


def test_a_single_label_run_from_a_multi_label_checkpoint_saves_a_softmax_model(finetune_module, tmp_path):  # noqa: F811
    # The checkpoint's problem_type came with it: trained with the recipe's cross-entropy, the model was saved as
    # multi-label, and its pipeline scored each class with a sigmoid (scores that were no probabilities over classes).
    # (build_model's config is the one saved: no run needed)
    from vivit_hf import ViViTSpatioTemporalConfig, ViViTSpatioTemporalForVideoClassification
    from vivit_hf.training.data.formats import VideoClassificationData

    size = dict(image_size=16, tubelet_size=[2, 8, 8], hidden_size=16, num_hidden_layers=1, num_attention_heads=2)
    config = ViViTSpatioTemporalConfig(
        **size, intermediate_size=32, num_frames=4, problem_type="multi_label_classification", num_labels=3
    )
    ViViTSpatioTemporalForVideoClassification(config).save_pretrained(tmp_path / "multi_label")
    args = finetune_module.parse_args(["--dataset", "org/data", "--init_from", str(tmp_path / "multi_label")])
    for multi_label, problem_type in ((False, "single_label_classification"), (True, "multi_label_classification")):
        data = VideoClassificationData(splits={}, label_spaces={"label": ["a", "b"]}, multi_label=multi_label)
        assert finetune_module.build_model(args, data)[0].config.problem_type == problem_type


def test_mixup_mixes_multi_hot_targets_as_it_mixes_the_clips():
    # the recipe keeps --mixup_alpha for multi-label data: each clip's target is its own and its partner's multi-hot
    # targets, weighted as their pixels are (no class lost, none smoothed), as timm trains multi-label models
    from vivit_hf.training.mixup import VideoMixup

    mixup = VideoMixup(3, mixup_alpha=1.0, seed=0)
    pixels = torch.stack([torch.full((2, 3, 4, 4), 1.0), torch.full((2, 3, 4, 4), 0.0)])
    targets = torch.stack([multi_hot((0, 2), 3), multi_hot((1,), 3)])
    mixed, mixed_targets = mixup(pixels, targets)
    weight = mixed[0].mean().item()  # the first clip's share of its own pixels
    expected = weight * targets[0] + (1 - weight) * targets[1]
    assert 0 < weight < 1 and mixed_targets[0].tolist() == pytest.approx(expected.tolist())


def test_a_digest_renumbers_the_class_lists_of_multi_label_clips():
    # classes a, b, c numbered 0, 1, 2 here and 2, 0, 1 by the run that recorded its digest: its clips' sorted lists
    # of its own ids are what this digest, renumbered by class_order_of's order, must give (the tuples were left as
    # they were: the same clips and classes made another digest, and evaluate.py refused the share as changed)
    ours = [{"video": f"/d/c{i}.mp4", "label": label} for i, label in enumerate([(0, 2), (1,), (), (0, 1, 2)])]
    theirs = [{**example, "label": label} for example, label in zip(ours, [(1, 2), (0,), (), (0, 1, 2)])]
    assert examples_digest(ours, {0: 2, 1: 0, 2: 1}) == examples_digest(theirs) != examples_digest(ours)


def test_a_card_class_label_over_a_column_of_lists_names_its_classes(tmp_path):
    # A data card's ClassLabel (swim, run, dive: not sorted) over a metadata.jsonl column of lists: it was refused as
    # single-label data holding several labels ("leave --streaming out", to a run not streamed); now multi-label in
    # the card's names and ids, as a single-label column beside such a card is
    folder = tmp_path / "folder"
    rows = [("a.mp4", ["swim", "run"]), ("b.mp4", ["dive"]), ("c.mp4", [])]
    for i, (name, _) in enumerate(rows):
        clip(folder / "train" / name, seed=i)
    lines = "".join(json.dumps({"file_name": n, "labels": ls}) + "\n" for n, ls in rows)
    (folder / "train" / "metadata.jsonl").write_text(lines)
    names = ["swim", "run", "dive"]
    card = "".join(f"          '{i}': {name}\n" for i, name in enumerate(names))
    (folder / "README.md").write_text(
        "---\ndataset_info:\n  features:\n  - name: video\n    dtype: video\n  - name: labels\n    dtype:\n"
        f"      class_label:\n        names:\n{card}---\n"
    )
    data = hub(folder, tmp_path)
    assert data.multi_label and data.label_names == names
    assert [e["label"] for e in data.split("train")] == [tuple(sorted(names.index(c) for c in ls)) for _, ls in rows]
    from vivit_hf.training.data.streaming import open_streaming_dataset  # streamed: the same classes and targets

    stream = open_streaming_dataset(str(folder), cache_dir=str(tmp_path / "streamed"))
    assert stream.multi_label and stream.label_names == names
    assert streamed_targets(stream) == [[float(c in ls) for c in names] for _, ls in rows]
    (folder / "train" / "metadata.jsonl").write_text(lines.replace('"dive"', '"climb"'))  # a class the card lacks
    with pytest.raises(DatasetFormatError, match="gives the label 'climb', which the data card's ClassLabel"):
        hub(folder, tmp_path / "again")


def test_a_column_of_structs_read_whole_is_refused_without_streaming_advice(tmp_path):
    # a metadata.jsonl label of objects ({"verb": ..., "noun": ...}: Epic-style annotations in one column), read
    # whole: refused advising "leave --streaming out" to a run that was not streamed
    folder = tmp_path / "folder" / "train"
    rows = [("a.mp4", {"verb": "open", "noun": "door"}), ("b.mp4", {"verb": "close", "noun": "tap"})]
    for i, (name, _) in enumerate(rows):
        clip(folder / name, seed=i)
    (folder / "metadata.jsonl").write_text("".join(json.dumps({"file_name": n, "label": v}) + "\n" for n, v in rows))
    with pytest.raises(DatasetFormatError) as error:
        hub(folder.parent, tmp_path)
    message = str(error.value)
    assert "'label' of split 'train' holds {'verb': 'open', 'noun': 'door'}, not one class per clip" in message
    assert "a list of classes per clip for multi-label" in message and "--streaming" not in message


def streamed_targets(data, split: str = "train") -> list[list[float]]:
    """Each clip of a streamed split's target as the training loop gets it (the loader's batches), in stored order."""
    from vivit_hf import ViViTVideoProcessor
    from vivit_hf.training.data.streaming import StreamingVideoDataset

    processor = ViViTVideoProcessor(num_frames=2, size={"shortest_edge": 8}, crop_size={"height": 8, "width": 8})
    batches = StreamingVideoDataset(data.split(split), processor, batch_size=2)
    return [target for batch in batches if "labels" in batch for target in batch["labels"].tolist()]


def streamed_targets_by_id(data, split: str = "train") -> dict[str, list[float]]:
    """Each clip of a streamed split's target as the training loop gets it, by the clip's id."""
    from vivit_hf import ViViTVideoProcessor
    from vivit_hf.training.data.streaming import StreamingVideoDataset

    processor = ViViTVideoProcessor(num_frames=2, size={"shortest_edge": 8}, crop_size={"height": 8, "width": 8})
    batches = StreamingVideoDataset(data.split(split), processor, batch_size=2)
    return {i: t for batch in batches if "labels" in batch for i, t in zip(batch["ids"], batch["labels"].tolist())}


def test_multi_label_shards_stream_back_the_classes_and_targets_of_their_source(tmp_path):
    # The shard tool refused a multi-label data set ("shards hold one class id per clip (`.cls`) ... not supported
    # yet"): Charades-size sets could not be written once and streamed. Now each clip's classes are its `.json`'s
    # `labels` (`datasets`' WebDataset reader decodes `.cls` with `int`: no list), the card types them as a
    # List(ClassLabel) of the source's names in its order, and the shards read back, streamed and whole, as the source
    # read whole: the same classes, the same targets clip by clip.
    from vivit_hf.training.data.shard import main as shard_main
    from vivit_hf.training.data.streaming import open_streaming_dataset

    def hot(data, split="train"):  # each clip's classes, one 0 / 1 per class, by its id
        count = len(data.label_names)
        return {e["id"]: [float(c in e["label"]) for c in range(count)] for e in data.split(split)}

    folder = tmp_path / "jsonl" / "train"  # a class listed twice (Charades' actions: once per interval), no class
    rows = [("a.mp4", ["swim", "run", "swim"]), ("b.mp4", ["dive"]), ("c.mp4", []), ("d.mp4", ["run", "dive"])]
    for i, (name, _) in enumerate(rows):
        clip(folder / name, seed=i)
    (folder / "metadata.jsonl").write_text("".join(json.dumps({"file_name": n, "labels": ls}) + "\n" for n, ls in rows))
    names = ["swim", "run", "jump", "dive"]  # not sorted, and `jump` in no clip's list: only the card names it
    features = datasets.Features({"video": datasets.Video(), "labels": datasets.List(datasets.ClassLabel(names=names))})
    table = tmp_path / "parquet" / "data" / "train-00000-of-00001.parquet"
    table.parent.mkdir(parents=True)
    videos = [{"path": f"{n[0]}.mp4", "bytes": (folder / n).read_bytes()} for n, _ in rows]
    ids = [[names.index(c) for c in dict.fromkeys(ls)] for _, ls in rows]
    datasets.Dataset.from_dict({"video": videos, "labels": ids}, features=features).to_parquet(str(table))
    for source in (folder.parent, table.parent.parent):
        out = tmp_path / f"{source.name}-shards"
        shard_main(["--dataset_format", "hub", "--dataset", str(source), "--out", str(out), "--shard_size", "6KB"])
        assert len(list((out / "data").glob("train-*.tar"))) > 1  # read across shards
        whole = hub(source, tmp_path / source.name)
        stream = open_streaming_dataset(str(out), cache_dir=str(tmp_path / "cache" / out.name))
        assert stream.multi_label and stream.label_names == whole.label_names
        assert streamed_targets_by_id(stream) == hot(whole)
        shards = hub(out, tmp_path / out.name)
        assert shards.multi_label and shards.label_names == whole.label_names and hot(shards) == hot(whole)
    assert whole.label_names == names and hot(whole)["a.mp4"] == [1, 1, 0, 0]


def test_a_streamed_column_of_lists_trains_multi_label_as_read_whole(tmp_path, caplog):
    # --streaming refused every label column of lists ("read whole, not streamed: leave --streaming out"): Charades-
    # or Multi-Moments-size sets could not be streamed. Now each clip's target is the whole read's, clip by clip, the
    # classes found as single-label streaming finds them: a List(ClassLabel)'s names, its labels not read before the
    # run; a metadata.jsonl's lists read once (as a column of names is), the whole read's rules applied to them.
    from vivit_hf.training.data.streaming import open_streaming_dataset

    def streamed(root, name):
        return open_streaming_dataset(str(root), cache_dir=str(tmp_path / "cache" / name))

    def hot(data, split="train"):  # the whole read's classes of each clip, as one 0 / 1 per class
        count = len(data.label_names)
        return [[float(c in example["label"]) for c in range(count)] for example in data.split(split)]

    folder = tmp_path / "jsonl" / "train"
    rows = [("a.mp4", ["swim", "run", "swim"]), ("b.mp4", ["dive"]), ("c.mp4", []), ("d.mp4", ["run", "dive"])]
    for i, (name, _) in enumerate(rows):
        clip(folder / name, seed=i)
    (folder / "metadata.jsonl").write_text("".join(json.dumps({"file_name": n, "labels": ls}) + "\n" for n, ls in rows))
    whole, stream = hub(folder.parent, tmp_path), streamed(folder.parent, "jsonl")
    assert stream.multi_label and stream.label_names == whole.label_names == ["dive", "run", "swim"]
    assert streamed_targets(stream) == hot(whole) == [[0, 1, 1], [1, 0, 0], [0, 0, 0], [1, 1, 0]]
    # a process that has run out feeds batches of no clip, gathered beside another's real ones: of their shape
    from vivit_hf import ViViTVideoProcessor
    from vivit_hf.training.data.streaming import StreamingLoader, StreamingVideoDataset

    processor = ViViTVideoProcessor(num_frames=2, size={"shortest_edge": 8}, crop_size={"height": 8, "width": 8})
    filler = StreamingLoader(StreamingVideoDataset(stream.split("train"), processor, batch_size=2))._filler()
    assert filler["labels"].shape == (2, 3) and filler["labels"].dtype == torch.float32 and not filler["real"].any()
    # --max_train_samples 1 keeps clip a (run, swim): dive named as left out, each class of a list counted
    from vivit_hf.training.data.streaming import warn_classes_a_cut_leaves_out

    stream.split("train").keep_first(1)
    assert warn_classes_a_cut_leaves_out(stream.split("train"), stream.label_names, "--max_train_samples", "t") == [
        "dive"
    ]
    # a List(ClassLabel) column (names not sorted): its names, no label read at the open (as a ClassLabel column's)
    videos = [{"path": None, "bytes": (folder / n).read_bytes()} for n, _ in rows]
    names = ["swim", "run", "dive"]
    features = datasets.Features({"video": datasets.Video(), "labels": datasets.List(datasets.ClassLabel(names=names))})
    ids = [[names.index(c) for c in dict.fromkeys(ls)] for _, ls in rows]  # ([0, 1, 0] reads as a 0 / 1 vector)
    table = tmp_path / "parquet" / "data" / "train-00000-of-00001.parquet"
    table.parent.mkdir(parents=True)
    datasets.Dataset.from_dict({"video": videos, "labels": ids}, features=features).to_parquet(str(table))
    whole, stream = hub(table.parent.parent, tmp_path), streamed(table.parent.parent, "parquet")
    assert stream.multi_label and stream.label_names == whole.label_names == names
    assert streamed_targets(stream) == hot(whole) == [[1, 1, 0], [0, 0, 1], [0, 0, 0], [0, 1, 1]]
    # the whole read's refusals, at the open where the lists are read then: a multi-hot vector per row
    vectors = [[int(c in ls) for c in ("run", "swim", "dive")] for _, ls in rows]
    (folder / "metadata.jsonl").write_text(
        "".join(json.dumps({"file_name": n, "labels": v}) + "\n" for (n, _), v in zip(rows, vectors))
    )
    said = r"holds \[1, 1, 0\] \(row 0\), 0s and 1s .*a multi-hot vector"
    for read in (lambda: hub(folder.parent, tmp_path / "v"), lambda: streamed(folder.parent, "vectors")):
        with pytest.raises(DatasetFormatError, match=said):
            read()
    # ... and as a List(ClassLabel) row is decoded where they are not (its size the card's: no label read before the
    # run, as a ClassLabel column's): skipped, named, not trained as classes 0 and 1
    datasets.Dataset.from_dict({"video": videos[:2], "labels": [[0, 0, 1], [2]]}, features=features).to_parquet(
        str(table)
    )
    (table.parent.parent / "README.md").write_text(
        "---\ndataset_info:\n  splits:\n  - name: train\n    num_examples: 2\n---\n"
    )
    with caplog.at_level(logging.WARNING, logger="vivit_hf.training.data.streaming"):
        stream = streamed(table.parent.parent, "parquet_vector")
        targets = streamed_targets(stream)
    assert stream.split("train").scanned_labels is None
    assert targets == [[0, 0, 0], [0, 0, 1]]
    assert (
        "skipping a sample without a usable label" in caplog.text and "holds [0, 0, 1] (a streamed row)" in caplog.text
    )


def test_a_streamed_multi_label_evaluation_scores_as_evaluate_reads_the_whole_split(multi_label_folder, tmp_path):
    # --streaming of a column of lists was refused; now evaluate.py --streaming (6 clips in batches of 4: the last
    # padded) gives a multi-label model the mAP and each class's AP of the whole read of the same split. (A streamed
    # fine-tune: tests/test_recipes_distributed.py's two-process run, scored against evaluate.py's whole read.)
    from test_recipes_evaluate import tiny_model

    model = tmp_path / "model"
    tiny_model(model, hub(multi_label_folder, tmp_path).label_names)
    config = json.loads((model / "config.json").read_text())
    (model / "config.json").write_text(json.dumps({**config, "problem_type": "multi_label_classification"}))
    common = ["--model", model, "--dataset", multi_label_folder, "--dataset_format", "hub", "--split", "test"]
    common += ["--num_workers", "0", "--per_device_eval_batch_size", "4"]
    run(EVALUATE, *common, "--cache_dir", tmp_path / "c1", "--output_dir", tmp_path / "whole")
    run(EVALUATE, *common, "--streaming", "--cache_dir", tmp_path / "c2", "--output_dir", tmp_path / "streamed")
    whole, streamed = (json.loads((tmp_path / out / "eval_results.json").read_text()) for out in ("whole", "streamed"))
    assert whole["num_samples"] == streamed["num_samples"] == 6 and "top1" not in streamed
    assert streamed["map"] == pytest.approx(whole["map"], abs=1e-6) and streamed["ap"] == pytest.approx(whole["ap"])


def test_a_presets_label_smoothing_is_left_out_of_a_multi_label_run_a_typed_one_refused(finetune_module):  # noqa: F811
    # ssv2_vivit_b_fe's label smoothing 0.3, not typed, refused a multi-label run ("give --label_smoothing 0"):
    # now left out, said in one line; typed, still refused
    from vivit_hf.training.multi_label import drop_preset_label_smoothing, multi_label_flag_refusal

    preset = ["--dataset", "org/data", "--preset", "ssv2_vivit_b_fe"]
    args = finetune_module.parse_args(preset)
    assert args.label_smoothing == 0.3
    said = drop_preset_label_smoothing(args)
    assert args.label_smoothing == 0.0 and multi_label_flag_refusal(args) is None
    assert said.startswith("--preset ssv2_vivit_b_fe: its label smoothing (0.3) is left out")
    for typed in (["--label_smoothing", "0.3"], ["--label-smoothing=0.2"]):
        args = finetune_module.parse_args([*preset, *typed])
        assert drop_preset_label_smoothing(args) is None and args.label_smoothing in (0.3, 0.2)
        assert multi_label_flag_refusal(args).startswith(f"--label_smoothing {args.label_smoothing:g}: the data set")


def test_a_multi_label_run_evaluating_its_training_split_names_its_map(caplog):
    # "every accuracy this run reports" was said of a run that reports no accuracy (mAP, micro_f1, exact_match)
    from argparse import Namespace

    from accelerate import PartialState

    from vivit_hf.training.data.formats import VideoClassificationData
    from vivit_hf.training.finetune import warn_evaluating_the_training_split

    PartialState()  # (the recipe's logger is accelerate's)
    args = Namespace(train_split="train", eval_split="train")
    for multi_label, score in ((True, "every mAP this run reports"), (False, "every accuracy this run reports")):
        data = VideoClassificationData(splits={"train": []}, label_spaces={"label": ["a"]}, multi_label=multi_label)
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="vivit_hf.training.finetune"):
            warn_evaluating_the_training_split(args, data, "train")
        assert f"--eval_split train is the split trained on (--train_split train): {score}" in caplog.text


def test_an_empty_class_name_in_a_list_is_refused_whole_and_streamed(tmp_path):
    # ["swim", ""]: a class '' was trained and scored, read whole and streamed (a single label '' is refused). The
    # stream named the row alone ("row 1"), where the whole read names its clip too: both name it now
    from vivit_hf.training.data.streaming import open_streaming_dataset

    folder = tmp_path / "folder" / "train"
    rows = [("a.mp4", ["swim"]), ("b.mp4", ["run", " "]), ("c.mp4", [])]
    for i, (name, _) in enumerate(rows):
        clip(folder / name, seed=i)
    (folder / "metadata.jsonl").write_text("".join(json.dumps({"file_name": n, "labels": ls}) + "\n" for n, ls in rows))
    said = r"1 clip of split 'train' of .* has the label ' ', an empty class name: row 1 'train/b\.mp4'\. List its"
    with pytest.raises(DatasetFormatError, match=said):
        hub(folder.parent, tmp_path)
    with pytest.raises(DatasetFormatError, match=said):
        open_streaming_dataset(str(folder.parent), cache_dir=str(tmp_path / "streamed"))


def test_a_streamed_class_id_past_a_list_of_class_labels_names_is_skipped_and_named(tmp_path, caplog):
    # A List(ClassLabel) row holding an id past its names ([7] of 3 classes: a parquet written by pyarrow, which
    # datasets' ClassLabel does not check) stopped a streamed run mid-epoch in a DataLoader worker with a bare
    # "ValueError: class ids [7] out of the 3 classes" naming no row; a single ClassLabel's is skipped and named
    # (`StreamingSplit.label_id`), as here now. Read whole, it is refused (`refuse_class_ids_out_of_lists`).
    import pyarrow as pa
    import pyarrow.parquet as pq

    from vivit_hf.training.data.streaming import open_streaming_dataset

    classes = datasets.List(datasets.ClassLabel(names=["a", "b"]))
    features = datasets.Features({"video": datasets.Video(), "labels": classes})
    videos = [{"path": None, "bytes": clip(tmp_path / "src" / f"{i}.mp4", seed=i).read_bytes()} for i in range(2)]
    table = datasets.Dataset.from_dict({"video": videos, "labels": [[0], [1]]}, features=features).data.table
    labels = pa.array([[0, 1], [7]], type=table.schema.field("labels").type)
    root = tmp_path / "parquet"
    (root / "data").mkdir(parents=True)
    pq.write_table(table.set_column(1, "labels", labels), str(root / "data" / "train-00000-of-00001.parquet"))
    with caplog.at_level(logging.WARNING, logger="vivit_hf.training.data.streaming"):
        targets = streamed_targets(open_streaming_dataset(str(root), cache_dir=str(tmp_path / "cache")))
    assert targets == [[1, 1], [0, 0]]
    assert "skipping a sample without a usable label (0:0:1): class id 7, where the data set names 2" in caplog.text


def test_class_ids_listed_twice_of_classes_0_and_1_alone_are_no_multi_hot_vector(tmp_path):
    # Charades-style ids, a class once per interval of it: a clip of actions 0 and 1 alone ([0, 1, 0], [0, 0]) was
    # refused as a multi-hot vector, the whole data set with it (read whole; streamed, the clip skipped). A row of
    # 0s and 1s is a vector only as long as the ClassLabel's names, or among rows of nothing but 0s and 1s.
    from vivit_hf.training.data.streaming import open_streaming_dataset

    videos = [{"path": None, "bytes": clip(tmp_path / "src" / f"{i}.mp4", seed=i).read_bytes()} for i in range(3)]
    names = ["hold", "put", "open", "sit"]
    for name, feature in (("ids", datasets.Value("int64")), ("class_label", datasets.ClassLabel(names=names))):
        features = datasets.Features({"video": datasets.Video(), "labels": datasets.List(feature)})
        table = tmp_path / name / "data" / "train-00000-of-00001.parquet"
        table.parent.mkdir(parents=True)
        rows = {"video": videos, "labels": [[0, 1, 0], [0, 0], [3, 2, 3]]}
        datasets.Dataset.from_dict(rows, features=features).to_parquet(str(table))
        assert [e["label"] for e in hub(table.parent.parent, tmp_path / name).split("train")] == [(0, 1), (0,), (2, 3)]
        stream = open_streaming_dataset(str(table.parent.parent), cache_dir=str(tmp_path / "streamed" / name))
        assert streamed_targets(stream) == [[1, 1, 0, 0], [1, 0, 0, 0], [0, 0, 1, 1]]
