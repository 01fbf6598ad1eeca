#!/usr/bin/env python
# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The main job's promise, measured: the default `accelerate launch recipes/finetune.py` on the bundled data set.

Runs twice, on the CPU, from a fresh cache (so the wall time includes generating the data set):
1. the default command as a user types it (the tiny Model 1 sees 8 frames per clip);
2. the same recipe on one frame per clip (`--num_frames 1`, tubelets one frame deep), which can only guess.

    python benchmarks/recipe_accuracy.py [--threads 2] [--output benchmarks/results/recipe_accuracy.json]

The motion-only data set makes the gap the point: the video model should reach >= 90% top-1 on the held-out
split and the one-frame model should stay near chance ({chance}).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run(name, extra, workdir, cache, threads):
    out = workdir / name
    env = dict(os.environ, VIVIT_HF_CACHE=str(cache), HF_HUB_OFFLINE="1", OMP_NUM_THREADS=str(threads))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    command = [
        sys.executable,
        "-m",
        "accelerate.commands.launch",
        "--num_processes",
        "1",
        "--num_machines",
        "1",
        "--mixed_precision",
        "no",
        "--dynamo_backend",
        "no",
        str(REPO / "recipes" / "finetune.py"),
        "--output_dir",
        str(out),
        *extra,
    ]
    start = time.time()
    subprocess.run(command, cwd=REPO, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.time() - start
    results = json.loads((out / "all_results.json").read_text())
    return {
        "run": name,
        "wall_seconds": round(wall, 1),
        "top1": results["top1"],
        "top5": results["top5"],
        "num_samples": results["num_samples"],
        "train_runtime_seconds": round(results["train_runtime_seconds"], 1),
        "command": "accelerate launch recipes/finetune.py " + " ".join(extra),
    }


def chance() -> str:
    """Top-1 by chance on the bundled set, from its class count (`1/8 = 12.5%` for the eight directions)."""
    from vivit_hf.training.data.synthetic import SyntheticMotionConfig

    classes = len(SyntheticMotionConfig().classes)
    return f"1/{classes} = {100 / classes:.1f}%"


def description() -> str:
    """This module's docstring, with the chance figure of the bundled set filled in."""
    return __doc__.replace("{chance}", chance())


def main():
    from vivit_hf.flag_spellings import SpellingsArgumentParser  # flags with hyphens or underscores

    parser = SpellingsArgumentParser(description=description(), formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--output", default=str(REPO / "benchmarks" / "results" / "recipe_accuracy.json"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        rows = [
            run("video", [], workdir, workdir / "cache", args.threads),
            run(
                "one_frame",
                ["--num_frames", "1", "--config_overrides", "tubelet_size=[1,8,8]"],
                workdir,
                workdir / "cache",
                args.threads,
            ),
        ]
    rows[0]["note"] = "default command, fresh cache: wall time includes generating the data set"
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps({"cpu_count": os.cpu_count(), "rows": rows}, indent=2))
    print(f"Chance on the bundled set: {chance()}.")
    print("| run | top-1 | top-5 | clips | wall (s) | training (s) |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['run']} | {100 * row['top1']:.1f}% | {100 * row['top5']:.1f}% | {row['num_samples']} | "
            f"{row['wall_seconds']} | {row['train_runtime_seconds']} |"
        )


if __name__ == "__main__":
    main()
