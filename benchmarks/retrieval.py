# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Nearest-neighbour retrieval with `get_video_features` on the bundled synthetic motion set.

    accelerate launch recipes/finetune.py                      # the main job: a checkpoint in outputs/
    python benchmarks/retrieval.py --model outputs [--out benchmarks/results/retrieval.json]

Embeds every test clip (the checkpoint's processor, one centred view), L2-normalised, and reports how often a clip's
nearest other clip (cosine) has its class, against chance (the share of other clips of the same class), for the
checkpoint and for the same architecture with fresh weights. The figures name the checkpoint by what its own
`all_results.json` says of its training (steps, top-1, when) and the `--dataset` its run_settings.json records, and
the day and machine they were measured on. Any checkpoint is scored on the bundled set's classes: one trained on
another data set is said to be (its figures are not of a model that learned those classes).
"""

import datetime
import json
import os
import sys
from pathlib import Path

import torch
from transformers import AutoModelForVideoClassification

import vivit_hf
from vivit_hf.flag_spellings import SpellingsArgumentParser
from vivit_hf.training.data import SYNTHETIC, open_video_dataset
from vivit_hf.training.resume import recorded_settings

# What a checkpoint of recipes/finetune.py says of its training (its all_results.json), kept beside the figures: the
# committed results named the model by hand ("outputs (the README main job ...: 2400 steps, test top-1 0.996;
# 2026-12-05, ...)"), and the documented command, `--out` onto that file, wrote the folder's name alone over it
TRAINING_FIGURES = ("completed_steps", "top1", "eval_split", "num_processes", "train_runtime_seconds")


def training_record(folder: Path) -> dict:
    """`TRAINING_FIGURES` from `folder`'s all_results.json and the day it was written (UTC); {} for a checkpoint
    without one (saved by other means: its folder's name is all there is)."""
    results = folder / "all_results.json"
    try:
        trained = json.loads(results.read_text())
        written = datetime.datetime.fromtimestamp(results.stat().st_mtime, datetime.timezone.utc)
    except (OSError, ValueError):
        return {}
    if not isinstance(trained, dict):
        return {}
    record = {key: trained[key] for key in TRAINING_FIGURES if key in trained}
    try:  # the --dataset it trained on, as typed (the bundled set: synthetic_motion)
        record["dataset"] = recorded_settings(folder)[0]["batches"]["dataset"]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return {**record, "written": f"{written:%Y-%m-%d}"}


def same_class_rate(embeddings: torch.Tensor, labels: torch.Tensor) -> float:
    similarity = embeddings @ embeddings.T
    similarity.fill_diagonal_(-2.0)  # a clip is not its own neighbour
    return (labels[similarity.argmax(1)] == labels).float().mean().item()


def embed(model, processor, videos, batch_size=16) -> torch.Tensor:
    out = []
    with torch.no_grad():
        for start in range(0, len(videos), batch_size):
            inputs = processor(videos[start : start + batch_size], return_tensors="pt")
            out.append(model.get_video_features(inputs["pixel_values"], normalize=True).pooler_output)
    return torch.cat(out)


def main():
    parser = SpellingsArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    parser.add_argument("--model", required=True, help="a checkpoint folder of recipes/finetune.py")
    parser.add_argument("--split", default="test")
    parser.add_argument("--out", default=None, help="write the figures as JSON here")
    args = parser.parse_args()
    checkpoint = Path(args.model)
    if not checkpoint.is_dir():
        parser.error(
            f"--model {args.model}: no such folder; run the fine-tune first (`accelerate launch recipes/finetune.py` "
            "writes outputs/), or name the folder its --output_dir wrote"
        )
    if not (checkpoint / "config.json").is_file():
        parser.error(f"--model {args.model}: not a checkpoint folder of recipes/finetune.py (no config.json in it)")
    record = training_record(checkpoint)
    trained_on = record.get("dataset", SYNTHETIC)
    if trained_on != SYNTHETIC:  # the figures read as the docs' (a model that learned the set's classes): they are not
        print(
            f"note: --model {args.model} was fine-tuned on {trained_on}, not the bundled set ({SYNTHETIC}) whose "
            "classes this scores: its figures say how its features group clips of classes it never trained on",
            file=sys.stderr,
        )
    torch.manual_seed(0)
    data = open_video_dataset(SYNTHETIC)
    examples = data.split(args.split)
    videos = [example["video"] for example in examples]
    labels = torch.tensor([int(example["label"]) for example in examples])
    processor = vivit_hf.ViViTVideoProcessor.from_pretrained(args.model)
    trained = AutoModelForVideoClassification.from_pretrained(args.model).eval()
    fresh = type(trained)(trained.config).eval()
    counts = torch.bincount(labels)
    chance = ((counts * (counts - 1)).sum() / (len(labels) * (len(labels) - 1))).item()
    results = {
        "model": str(args.model),
        "trained": record,
        "measured": {
            "date": f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d}",
            "cpus": os.cpu_count(),
            "torch": torch.__version__,
        },
        "split": args.split,
        "clips": len(labels),
        "classes": len(counts),
        "same_class_nearest_neighbour": {
            "checkpoint": same_class_rate(embed(trained, processor, videos), labels),
            "fresh_weights": same_class_rate(embed(fresh, processor, videos), labels),
            "chance": chance,
        },
    }
    print(json.dumps(results, indent=2))
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
