#!/usr/bin/env python
# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Apply each mutation (issue 18's eight, then later features') to a copy of the checkout; check the named tests fail.

    python tests/mutations/run_mutations.py            # all of them (about 6 minutes on 2 cores)
    python tests/mutations/run_mutations.py 5 6        # some of them, by number

For each mutation: copy the tracked and untracked-but-not-ignored files (`git ls-files`) into a temporary folder,
replace one snippet of the source (it must occur exactly once, so a refactor that moves it is reported, not
skipped), run pytest on the tests that specify the behaviour, and require that pytest fails and that the failing
tests include every one listed as `expect`. The copy is imported (it is first on `PYTHONPATH` and the current
folder), not the installed package. Exit status 0 only when every mutation was caught.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Mutation:
    number: str
    what: str
    path: str
    old: str
    new: str
    tests: list[str]  # what pytest runs on the mutated copy
    expect: list[str]  # substrings of test node ids that must fail


MUTATIONS = [
    Mutation(
        "1",
        "finetune.py: optimizer.step() replaced by pass",
        "recipes/finetune.py",
        "                optimizer.step()\n",
        "                pass\n",
        ["tests/test_learning.py"],
        ["test_finetune_loss_falls_and_top1_clears_chance[plain]"],
    ),
    Mutation(
        "2",
        "do_flip=False ignored in _augment (flip always random)",
        "vivit_hf/processing/processing_vivit.py",
        'if opts["do_flip"] and rng.random() < 0.5:',
        "if rng.random() < 0.5:",
        ["tests/test_augment_semantics.py"],
        ["test_do_flip_false_never_flips_in_training"],
    ),
    Mutation(
        "3",
        "RandAugment returns its input unchanged after drawing its random numbers",
        "vivit_hf/processing/video_transforms.py",
        "        return augment(video)\n",
        "        augment(video)\n        return video\n",
        ["tests/test_augment_semantics.py"],
        ["test_rand_augment_changes_most_clips", "test_rand_augment_in_the_processor_changes_training_clips"],
    ),
    Mutation(
        "4a",
        "VideoMixup does not mix (labels reversed instead)",
        "vivit_hf/training/mixup.py",
        "        return mixed, targets * lam + partner_targets * (1.0 - lam)\n",
        "        return pixel_values, targets.flip(0)\n",
        [
            "tests/test_mixup.py",
            "tests/test_learning.py::test_recipe_feeds_the_model_the_mixed_clips_and_the_loss_their_mixed_labels",
        ],
        ["test_mixup_blends_pixels_and_labels_with_one_weight", "test_recipe_feeds_the_model_the_mixed_clips"],
    ),
    Mutation(
        "4b",
        "the recipe's mixup path skipped (labels reversed instead)",
        "recipes/finetune.py",
        'pixel_values, targets = mixup(pixel_values, targets, batch["valid"])',
        "pixel_values, targets = pixel_values, targets.flip(0)",
        ["tests/test_learning.py::test_recipe_feeds_the_model_the_mixed_clips_and_the_loss_their_mixed_labels"],
        ["test_recipe_feeds_the_model_the_mixed_clips"],
    ),
    Mutation(
        "5",
        "metrics.py: all_right &= -> |= (Epic Kitchens action top-1 = any head right)",
        "vivit_hf/training/metrics.py",
        "all_right &=",
        "all_right |=",
        ["tests/test_metrics_values.py"],
        ["test_epic_kitchens_action_top1_needs_both_noun_and_verb_right"],
    ),
    Mutation(
        "6",
        "Model 3's attention_order ignored (always space then time)",
        "vivit_hf/models/modeling_blocks.py",
        'self.order = config.attention_order.split("_")',
        'self.order = ["space", "time"]',
        ["tests/test_attention_order.py"],
        [
            "test_time_space_and_space_time_give_different_outputs",
            "test_each_block_attends_in_the_configured_order[time_space]",
            "test_scenic_config_without_attention_order_is_refused",
        ],
    ),
    Mutation(
        "7",
        "video_reader index check off by one (the last frame refused)",
        "vivit_hf/processing/video_reader.py",
        "bad = idx[(idx < 0) | (idx >= n)]",
        "bad = idx[(idx < 0) | (idx >= n - 1)]",
        ["tests/test_video_fuzz.py"],
        ["test_mutated_videos_give_clean_errors_only_and_intact_ones_decode"],
    ),
    Mutation(
        "8",
        "two processes run as two independent single-process jobs (no CPU process group)",
        "vivit_hf/training/launch.py",
        'return int(os.environ.get("WORLD_SIZE", "1")) > 1 and not torch.accelerator.is_available()',
        "return False",
        ["tests/test_recipes_distributed.py", "tests/test_recipes_evaluate.py"],
        ["test_two_cpu_processes_train_on_their_own_halves_and_count_every_clip_once[torchrun]"],
    ),
    Mutation(
        "9",
        "--model_ema: the evaluations are of the training weights, not of the average",
        "recipes/finetune.py",
        "with ema.weights_in(unwrapped) if ema is not None else nullcontext():",
        "with nullcontext():",
        [
            "tests/test_recipes_model_ema.py::test_every_evaluation_is_of_the_average_and_training_goes_on_from_its_own_weights"
        ],
        ["test_every_evaluation_is_of_the_average_and_training_goes_on_from_its_own_weights"],
    ),
    Mutation(
        "10",
        "--hub_strategy checkpoint pushes no last-checkpoint/ (only the model, as every_save)",
        "vivit_hf/hub/upload.py",
        "        return LAST_CHECKPOINT\n",
        "        return None\n",
        ["tests/test_recipes_hub_strategy.py::test_each_hub_strategy_pushes_the_checkpoints_trainer_pushes"],
        ["test_each_hub_strategy_pushes_the_checkpoints_trainer_pushes[checkpoint]"],
    ),
]


def copy_checkout(dest: Path) -> None:
    files = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, files):
        source = REPO / os.fsdecode(name)
        if source.is_file():
            target = dest / os.fsdecode(name)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


def run(mutation: Mutation, workdir: Path) -> tuple[bool, str]:
    copy = workdir / "repo"
    copy_checkout(copy)
    path = copy / mutation.path
    text = path.read_text()
    count = text.count(mutation.old)
    if count != 1:
        return False, f"the snippet occurs {count} times in {mutation.path} (expected once): update this script"
    path.write_text(text.replace(mutation.old, mutation.new))
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", OMP_NUM_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(copy), os.environ.get("PYTHONPATH")]))
    # the scenic fixtures sit beside the real checkout, not beside the copy
    env.setdefault("VIVIT_FIXTURES", str(REPO.parent / "shared" / "fixtures"))
    command = [sys.executable, "-m", "pytest", "-q", "-rfE", "-p", "no:cacheprovider", *mutation.tests]
    result = subprocess.run(command, cwd=copy, env=env, capture_output=True, text=True)
    failed = re.findall(r"^(?:FAILED|ERROR) (\S+)", result.stdout, flags=re.M)
    missing = [e for e in mutation.expect if not any(e in f for f in failed)]
    if result.returncode == 0:
        return False, "the tests passed: the mutation survived"
    if result.returncode != 1:
        return False, f"pytest exited {result.returncode} (an error, not failing tests):\n{result.stdout[-2000:]}"
    if missing:
        return False, f"failed, but not the expected tests {missing}; failed: {failed}"
    return True, f"{len(failed)} failed: " + ", ".join(f.split("::")[-1] for f in failed)


def parse_args(argv: list[str]) -> list[str]:
    """The mutation numbers asked for (none: all). `--help` and a number that names no mutation are argparse's: a
    mistyped number ran nothing and printed "0 of 0 mutations caught", exit 0."""
    import argparse

    known = sorted(
        {m.number for m in MUTATIONS} | {m.number.rstrip("ab") for m in MUTATIONS}, key=lambda n: (len(n), n)
    )
    parser = argparse.ArgumentParser(
        prog="python tests/mutations/run_mutations.py",
        description="Apply issue 18's mutations to a copy of the checkout and check that the named tests fail.",
    )
    parser.add_argument(
        "numbers", nargs="*", metavar="N", help=f"mutations to run, of {', '.join(known)} (default: all)"
    )
    numbers = parser.parse_args(argv).numbers
    unknown = [n for n in numbers if n not in known]
    if unknown:
        parser.error(f"no mutation numbered {', '.join(unknown)}; there are {', '.join(known)}")
    return numbers


def main(argv: list[str]) -> int:
    argv = parse_args(argv)
    chosen = [m for m in MUTATIONS if not argv or m.number in argv or m.number.rstrip("ab") in argv]
    caught = 0
    for mutation in chosen:
        start = time.time()
        with tempfile.TemporaryDirectory(prefix=f"vivit-mutation-{mutation.number}-") as workdir:
            ok, detail = run(mutation, Path(workdir))
        caught += ok
        status = "caught" if ok else "NOT CAUGHT"
        print(f"mutation {mutation.number} ({mutation.what}): {status} in {time.time() - start:.0f}s; {detail}")
        sys.stdout.flush()
    print(f"{caught} of {len(chosen)} mutations caught")
    return 0 if caught == len(chosen) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
