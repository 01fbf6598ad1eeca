# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""How long the fine-tuning recipe waits for data: the same training steps fed by the recipe's own data loader
(decoded clips kept in memory when `--cache_decoded_videos` says so, augmentation in worker processes), by the
same loader decoding every clip each time, and by the same batches decoded beforehand.

    python benchmarks/recipe.py                      # the bundled synthetic_motion run (recipes/finetune.py defaults)
    python benchmarks/recipe.py --steps 40 -- --num_workers 1 --per_device_train_batch_size 8

Arguments after `--` go to `recipes/finetune.py`'s parser, so the data, model, processor and loader are built
exactly as the recipe builds them. It also times one clip in one process (decoding vs from memory). Writes
`recipe-<preset>.json` and `.md` into `--out-dir`; a run with other flags (`--steps`, `--skip`, `--clips`, `--runs`,
recipe flags) adds them to the name (`recipe-synthetic_motion-steps40-num_workers1-...`), or takes `--name`, so
that only the first command above rewrites the committed results.
"""

from __future__ import annotations

import argparse
import copy
import gc
import hashlib
import json
import os
import re
import runpy
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import torch
import torch.nn.functional as F
from accelerate import PartialState

from vivit_hf.flag_spellings import SpellingsArgumentParser, typed_flag_name
from vivit_hf.training import finetune, finetune_flags  # recipes/finetune.py's flags, data, model and loader
from vivit_hf.training.data.dataset import model_pixel_values

REPO = Path(__file__).resolve().parents[1]


# benchmarks/ is not a package: common.py is run by its path (its docstring says why)
common = SimpleNamespace(**runpy.run_path(str(Path(__file__).with_name("common.py"))))


class _NoAccelerator:
    """What `finetune.load_data` asks of an accelerator, for one process."""

    @staticmethod
    def main_process_first():
        import contextlib

        return contextlib.nullcontext()


def build(recipe_argv: list[str]):
    """The recipe's training data set (as the recipe builds it, cache included), model and optimiser."""
    PartialState()  # the recipe logs through accelerate
    args = finetune_flags.parse_args(recipe_argv)
    torch.manual_seed(args.seed)
    if args.torch_threads:
        torch.set_num_threads(args.torch_threads)
    data, train_examples, eval_examples, _ = finetune.load_data(args, _NoAccelerator())
    model, init_processor = finetune.build_model(args, data)
    processor = finetune.build_processor(args, model.config, init_processor)
    start = time.perf_counter()
    dataset, _ = finetune.build_datasets(args, train_examples, eval_examples, processor)
    setup_s = time.perf_counter() - start
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
    return args, model, optimizer, dataset, setup_s


def loader_for(args, dataset):
    """The recipe's training loader over `dataset`."""
    return finetune.build_dataloaders(args, dataset, dataset)[0]


def per_clip_ms(dataset, count: int, rounds: int = 10) -> float:
    """Milliseconds per `dataset[i]` in this process (one clip: decode or read from memory, sample, augment):
    the median over `rounds` rounds of `count / rounds` clips, so a burst of other work on the machine
    does not skew it."""
    for index in range(min(3, len(dataset))):
        dataset[index]
    per_round = max(1, count // rounds)
    times = []
    for first in range(0, per_round * rounds, per_round):
        start = time.perf_counter()
        for index in range(first, first + per_round):
            dataset[(0, index % len(dataset))]
        times.append((time.perf_counter() - start) / per_round * 1e3)
    return statistics.median(times)


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
            logits = model(pixel_values=model_pixel_values(batch)).logits
        F.cross_entropy(logits.float(), batch["labels"]).backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        records.append({"wait_s": ready - start, "compute_s": time.perf_counter() - ready})


def summarise(records: list[dict], skip: int) -> dict:
    kept = records[skip:]  # the first steps start the workers and warm the kernels
    wait, compute = sum(r["wait_s"] for r in kept), sum(r["compute_s"] for r in kept)
    return {
        "steps": len(kept),
        "wait_s": wait,
        "compute_s": compute,
        "step_s_median": statistics.median(r["wait_s"] + r["compute_s"] for r in kept),
        "data_wait_share": wait / (wait + compute),
    }


def run_loader(model, optimizer, state, args, dataset, steps: int, mixed_precision: str) -> list[dict]:
    """Timed training steps from the weights `state`, fed by the recipe's loader over `dataset`."""
    model.load_state_dict(state)
    optimizer.state.clear()
    loader = loader_for(args, dataset)
    records = timed_steps(model, optimizer, batches(loader, steps), mixed_precision)
    del loader  # persistent workers: shut them down before the next run
    gc.collect()
    return records


def run_streaming(model, optimizer, state, args, dataset, steps: int, mixed_precision: str, shard_dir: Path):
    """Timed training steps fed by `--streaming`: the recipe's training split written as WebDataset shards on local
    disk by the shard tool, streamed back by `datasets` (shuffle buffer, DataLoader workers decoding from bytes)."""
    from vivit_hf.training.data.shard import write_shards
    from vivit_hf.training.data.streaming import StreamingLoader, StreamingVideoDataset, open_streaming_dataset

    data, _, _, _ = finetune.load_data(args, _NoAccelerator())
    clip_bytes = sum(os.path.getsize(e["video"]) for e in data.split(args.train_split))
    # At least two shards per worker, so every worker has its own to read.
    shard_size = max(1, clip_bytes // max(2, 2 * args.num_workers) + 4096)
    write_shards(data, shard_dir, shard_size=shard_size, splits=[args.train_split], source=args.dataset)
    split = open_streaming_dataset(str(shard_dir)).split(args.train_split)
    stream = StreamingVideoDataset(
        split,
        dataset.processor,
        batch_size=args.per_device_train_batch_size,
        seed=args.seed,
        shuffle_buffer_size=args.shuffle_buffer_size,
        shuffle_seed=args.seed,
        processor_kwargs=dict(do_train_augment=True),
    )
    loader = StreamingLoader(stream, args.num_workers)

    def streamed_batches():
        count, epoch = steps, 0
        while True:
            loader.set_epoch(epoch)
            for batch in loader:
                yield batch
                count -= 1
                if count == 0:
                    return
            epoch += 1

    model.load_state_dict(state)
    optimizer.state.clear()
    records = timed_steps(model, optimizer, streamed_batches(), mixed_precision)
    info = {"shards": stream.num_shards, "clip_bytes": clip_bytes, "clips": split.num_examples}
    return records, info


def build_parser() -> argparse.ArgumentParser:
    parser = SpellingsArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=90, help="training steps per run (the bundled set: 60 an epoch)")
    parser.add_argument("--skip", type=int, default=5, help="first steps left out of the figures (warm-up)")
    parser.add_argument("--clips", type=int, default=200, help="clips timed one by one in this process")
    parser.add_argument("--out-dir", type=Path, default=REPO / "benchmarks" / "results")
    parser.add_argument(
        "--runs",
        nargs="*",
        default=["recipe", "decoding", "pre_decoded", "streaming"],
        help="which loaders to time (streaming: shards on local disk, --streaming's loader)",
    )
    parser.add_argument(
        "--name",
        default=None,
        help="file name of the results, without .json/.md (default: recipe-<preset>, plus the flags that differ "
        "from the documented default run)",
    )
    return parser


def parse_command(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    """This script's options, and the arguments after `--` for recipes/finetune.py."""
    own, recipe_argv = (argv[: argv.index("--")], argv[argv.index("--") + 1 :]) if "--" in argv else (argv, [])
    parser = build_parser()
    options = parser.parse_args(own)
    if options.steps <= options.skip:
        parser.error(f"--steps ({options.steps}) must exceed --skip ({options.skip})")
    return options, recipe_argv


# Flags that change what is measured; --out-dir and --name only say where it goes.
_MEASURING = ("steps", "skip", "clips", "runs")


def result_name(options: argparse.Namespace, recipe_argv: list[str], preset: str) -> str:
    """The results' file name: `recipe-<preset>` for the documented run (`python benchmarks/recipe.py`, whose files
    docs/benchmarks.md quotes), with every flag that changes the measurement appended otherwise, so a variant
    (`--steps 40 -- --num_workers 1`) writes beside the committed figures instead of over them."""
    if options.name:
        return options.name
    defaults = build_parser().parse_args([])
    variant = []
    for key in _MEASURING:
        value = getattr(options, key)
        if value != getattr(defaults, key):
            variant.append(key + ("+".join(value) if isinstance(value, list) else str(value)))
    flags: list[list[str]] = []  # each recipe flag with its values: `--num_workers 1` -> num_workers1
    for token in recipe_argv:
        if token.startswith("--") or not flags:  # `--num-workers` is `--num_workers`: one file name
            flags.append([typed_flag_name(token) or token.lstrip("-"), *token.split("=", 1)[1:]])
        else:
            flags[-1].append(token)
    variant += ["".join(flag) for flag in flags if flag[0] != "preset"]  # the preset is already the name's stem
    name = re.sub(r"[^A-Za-z0-9_.+-]", "_", "-".join([f"recipe-{preset}", *variant]))
    if len(name) > 150:  # a file name stays short; the full command is in the files themselves
        name = name[:140] + "-" + hashlib.sha1(name.encode()).hexdigest()[:8]
    return name


def main(argv: list[str] | None = None) -> dict:
    argv = list(sys.argv[1:] if argv is None else argv)
    options, recipe_argv = parse_command(argv)

    load_before = common.load_average()
    args, model, optimizer, dataset, setup_s = build(recipe_argv)
    uncached = copy.copy(dataset)
    uncached.cache = None
    mixed_precision = args.mixed_precision or "no"
    model.train()
    state = {k: v.clone() for k, v in model.state_dict().items()}

    runs, streaming_info = {}, None
    if dataset.cache is not None and "recipe" in options.runs:
        runs["recipe"] = run_loader(model, optimizer, state, args, dataset, options.steps, mixed_precision)
    if "decoding" in options.runs:
        runs["decoding"] = run_loader(model, optimizer, state, args, uncached, options.steps, mixed_precision)
    if "pre_decoded" in options.runs:  # the same batches, made beforehand, from the same starting weights
        predecoded = list(batches(loader_for(args, dataset), options.steps))
        gc.collect()
        model.load_state_dict(state)
        optimizer.state.clear()
        runs["pre_decoded"] = timed_steps(model, optimizer, predecoded, mixed_precision)
        del predecoded
    if "streaming" in options.runs:
        import tempfile

        with tempfile.TemporaryDirectory(prefix="vivit_shards_") as shard_dir:
            runs["streaming"], streaming_info = run_streaming(
                model, optimizer, state, args, uncached, options.steps, mixed_precision, Path(shard_dir) / "shards"
            )

    clip_ms = {"decoding": per_clip_ms(uncached, options.clips)}
    if dataset.cache is not None:
        clip_ms["from_memory"] = per_clip_ms(dataset, options.clips)

    cache = dataset.cache
    result = {
        "command": " ".join(["python", "benchmarks/recipe.py", *argv]),
        "preset": args.preset,
        "model": args.model,
        "batch": args.per_device_train_batch_size,
        "num_workers": args.num_workers,
        "threads": torch.get_num_threads(),
        "mixed_precision": mixed_precision,
        "cache_decoded_videos": args.cache_decoded_videos,
        "cache": None
        if cache is None
        else {"clips": cache.num_cached, "of": len(cache), "mib": cache.nbytes / 2**20, "setup_s": setup_s},
        "per_clip_ms_one_process": clip_ms,
        "load_average": {"before": load_before, "after": common.load_average()},
        "streaming_shards": streaming_info,
        **{name: summarise(records, options.skip) for name, records in runs.items()},
    }
    main_run = next(name for name in ("recipe", "decoding", "streaming", "pre_decoded") if name in result)
    share = result[main_run]["data_wait_share"]
    result["goal"] = {"goal": "data waiting under 10% of step time", "measured": f"{share:.1%}", "met": share < 0.10}
    if "streaming" in result:
        streamed = result["streaming"]["data_wait_share"]
        result["goal_streaming"] = {"measured": f"{streamed:.1%}", "met": streamed < 0.10}
    options.out_dir.mkdir(parents=True, exist_ok=True)
    stem = options.out_dir / result_name(options, recipe_argv, args.preset)
    stem.with_suffix(".json").write_text(json.dumps(result, indent=1))
    labels = {
        "recipe": "recipe loader (decoded clips in memory)",
        "decoding": "decoding every clip each time",
        "pre_decoded": "pre-decoded tensors",
        "streaming": "--streaming from WebDataset shards on local disk (decoding every clip)",
    }
    rows = "".join(
        f"| {labels[name]} | {r['steps']} | {r['step_s_median']:.3f} | {r['wait_s']:.2f} | {r['compute_s']:.2f} "
        f"| {r['data_wait_share']:.1%} |\n"
        for name, r in ((n, result[n]) for n in labels if n in result)
    )
    cache_line = (
        "no decoded-frame cache (--cache_decoded_videos " + args.cache_decoded_videos + ")"
        if cache is None
        else f"{cache.num_cached} of {len(cache)} clips decoded into memory ({cache.nbytes / 2**20:.1f} MiB) "
        f"in {setup_s:.1f} s before training"
    )
    clips = ", ".join(f"{name.replace('_', ' ')} {ms:.2f} ms" for name, ms in clip_ms.items())
    stem.with_suffix(".md").write_text(
        f"`{result['command']}` (preset {args.preset}, model {args.model}, batch {result['batch']}, "
        f"{common.counted(result['num_workers'], 'worker')}, {common.counted(result['threads'], 'thread')}; load "
        f"average before {common.format_load(load_before)}, "
        f"after {common.format_load(result['load_average']['after'])})\n\n"
        "| run | steps | median step (s) | waiting for data (s) | compute (s) | share waiting |\n"
        "|---|---|---|---|---|---|\n"
        f"{rows}\n"
        f"{cache_line}; one clip in one process: {clips}.\n\n"
        f"Goal: {result['goal']['goal']}: {result['goal']['measured']} ({'met' if share < 0.10 else 'not met'})"
        + (
            f"; streaming: {result['goal_streaming']['measured']} "
            f"({'met' if result['goal_streaming']['met'] else 'not met'}; {streaming_info['shards']} shards, "
            f"{streaming_info['clip_bytes'] / streaming_info['clips']:.0f} bytes per clip).\n"
            if "streaming" in result
            else ".\n"
        )
    )
    print(stem.with_suffix(".md").read_text())
    return result


if __name__ == "__main__":
    main()
