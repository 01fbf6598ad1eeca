# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""How long the fine-tuning recipe waits for data: the same training steps fed by the recipe's own data loader
(real decoding and augmentation in worker processes) and fed the same batches decoded beforehand.

    python benchmarks/recipe.py                      # the bundled synthetic_motion run (recipes/finetune.py defaults)
    python benchmarks/recipe.py --steps 40 -- --num_workers 1 --per_device_train_batch_size 8

Arguments after `--` go to `recipes/finetune.py`'s parser, so the data, model, processor and loader are built
exactly as the recipe builds them. Writes `recipe-<preset>.json` and `.md` into `--out-dir`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "recipes"))
import finetune  # noqa: E402  (recipes/ is not a package: the recipe stays a script a user can copy)

from vivit_hf.data.dataset import EpochShuffleSampler, VideoClassificationDataset, collate_videos  # noqa: E402


class _NoAccelerator:
    """What `finetune.load_data` asks of an accelerator, for one process."""

    @staticmethod
    def main_process_first():
        import contextlib

        return contextlib.nullcontext()


def build(recipe_argv: list[str]):
    """The recipe's training data loader, model and optimiser, built by the recipe's own functions."""
    args = finetune.parse_args(recipe_argv)
    torch.manual_seed(args.seed)
    if args.torch_threads:
        torch.set_num_threads(args.torch_threads)
    data, train_examples, _, _ = finetune.load_data(args, _NoAccelerator())
    model, init_processor = finetune.build_model(args, data)
    processor = finetune.build_processor(args, model.config, init_processor)
    dataset = VideoClassificationDataset(train_examples, processor, seed=args.seed,
                                         processor_kwargs=dict(do_train_augment=True))
    loader = torch.utils.data.DataLoader(
        dataset, sampler=EpochShuffleSampler(len(dataset), seed=args.seed), batch_size=args.per_device_train_batch_size,
        collate_fn=collate_videos, num_workers=args.num_workers, generator=torch.Generator().manual_seed(args.seed),
    )
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
    return args, model, optimizer, loader


def batches(loader, count: int):
    """`count` batches, cycling through epochs as the recipe does."""
    epoch = 0
    while True:
        loader.sampler.epoch = epoch
        loader.dataset.set_epoch(epoch)
        for batch in loader:
            yield batch
            count -= 1
            if count == 0:
                return
        epoch += 1


def timed_steps(model, optimizer, source, mixed_precision: str) -> list[dict]:
    """Per step: seconds waiting for the batch, and seconds of forward + backward + optimiser."""
    records = []
    iterator = iter(source)
    while True:
        start = time.perf_counter()
        try:
            batch = next(iterator)
        except StopIteration:
            return records
        ready = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=mixed_precision == "bf16"):
            logits = model(pixel_values=batch["pixel_values"]).logits
        F.cross_entropy(logits.float(), batch["labels"]).backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        records.append({"wait_s": ready - start, "compute_s": time.perf_counter() - ready})


def summarise(records: list[dict], skip: int) -> dict:
    kept = records[skip:]  # the first steps start the workers and warm the kernels
    wait, compute = sum(r["wait_s"] for r in kept), sum(r["compute_s"] for r in kept)
    return {
        "steps": len(kept), "wait_s": wait, "compute_s": compute, "step_s_median": statistics.median(
            r["wait_s"] + r["compute_s"] for r in kept), "data_wait_share": wait / (wait + compute),
    }


def main(argv: list[str] | None = None) -> dict:
    argv = list(sys.argv[1:] if argv is None else argv)
    own, recipe_argv = (argv[: argv.index("--")], argv[argv.index("--") + 1:]) if "--" in argv else (argv, [])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=30, help="training steps per run")
    parser.add_argument("--skip", type=int, default=3, help="first steps left out of the figures (warm-up)")
    parser.add_argument("--out-dir", type=Path, default=REPO / "benchmarks" / "results")
    options = parser.parse_args(own)
    if options.steps <= options.skip:
        parser.error(f"--steps ({options.steps}) must exceed --skip ({options.skip})")

    args, model, optimizer, loader = build(recipe_argv)
    mixed_precision = args.mixed_precision or "no"
    model.train()
    state = {k: v.clone() for k, v in model.state_dict().items()}
    decoding = timed_steps(model, optimizer, batches(loader, options.steps), mixed_precision)

    # The same batches, decoded beforehand, from the same starting weights.
    predecoded = list(batches(loader, options.steps))
    model.load_state_dict(state)
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
    in_memory = timed_steps(model, optimizer, predecoded, mixed_precision)

    result = {
        "command": " ".join(["python", "benchmarks/recipe.py", *argv]),
        "preset": args.preset, "model": args.model, "batch": args.per_device_train_batch_size,
        "num_workers": args.num_workers, "threads": torch.get_num_threads(), "mixed_precision": mixed_precision,
        "real_decoding": summarise(decoding, options.skip), "pre_decoded": summarise(in_memory, options.skip),
    }
    share = result["real_decoding"]["data_wait_share"]
    result["goal"] = {"goal": "data waiting under 10% of step time", "measured": f"{share:.1%}", "met": share < 0.10}
    options.out_dir.mkdir(parents=True, exist_ok=True)
    stem = options.out_dir / f"recipe-{args.preset}"
    stem.with_suffix(".json").write_text(json.dumps(result, indent=1))
    real, pre = result["real_decoding"], result["pre_decoded"]
    stem.with_suffix(".md").write_text(
        f"`{result['command']}` (preset {args.preset}, model {args.model}, batch {result['batch']}, "
        f"{result['num_workers']} workers, {result['threads']} threads)\n\n"
        "| run | steps | median step (s) | waiting for data (s) | compute (s) | share waiting |\n|---|---|---|---|---|---|\n"
        f"| real decoding | {real['steps']} | {real['step_s_median']:.3f} | {real['wait_s']:.2f} | {real['compute_s']:.2f}"
        f" | {real['data_wait_share']:.1%} |\n"
        f"| pre-decoded tensors | {pre['steps']} | {pre['step_s_median']:.3f} | {pre['wait_s']:.2f} | "
        f"{pre['compute_s']:.2f} | {pre['data_wait_share']:.1%} |\n\n"
        f"Goal: {result['goal']['goal']}: {result['goal']['measured']} ({'met' if share < 0.10 else 'not met'}).\n"
    )
    print(stem.with_suffix(".json"), stem.with_suffix(".md"), sep="\n")
    return result


if __name__ == "__main__":
    main()
