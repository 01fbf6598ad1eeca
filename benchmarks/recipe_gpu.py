# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
r"""Does `accelerate launch recipes/finetune.py` keep a GPU fed? (issue 17, parts 1 and 2)

Launches the real recipe as a user would, on a generated video-folder data set of 10 s 340x256 25 fps H.264 files
with a keyframe every 2 s (Kinetics' YouTube sources; `benchmarks/processor.py`'s generator and `--keyint 50`), for
each number of DataLoader workers in `--workers`:

    accelerate launch --num_processes 1 --mixed_precision bf16 recipes/finetune.py --dataset <folder> \
        --preset kinetics400_vivit_b_fe --per_device_train_batch_size <B> --max_train_steps <S> --num_workers <N> ...

and reads the figures the recipe writes itself (`all_results.json`: `train_clips_per_second`,
`train_data_wait_share`, `train_step_seconds_median`; vivit_hf/training/throughput.py says how they are measured),
while `nvidia-smi` samples the GPU's utilisation and memory. Beside each, the model-only train step at the same batch
(the recipe's model, loss, optimiser and bf16 autocast on pre-made tensors on the device) gives the rate the recipe
could reach: the goals are recipe >= 90% of it and data waiting < 5% at the best worker count. `--compile` adds the
`--torch_compile` rows and the compiled model-only step.

    python benchmarks/recipe_gpu.py                                   # GPU: Model 2 at 4/8/15 workers, Model 1
    python benchmarks/recipe_gpu.py --budget-s 400 --compile --batch-from benchmarks/results/batch-limit-cuda.json
    python benchmarks/recipe_gpu.py --sync-debug -- --preset kinetics400_vivit_b_fe --dataset <folder> ...

Without a CUDA device it stops at once (argparse's error) unless `--device cpu` is given, for a rehearsal at a tiny
size (as `ISSUE17_REHEARSAL=1 bash benchmarks/issue17_gpu.sh` runs it):

    python benchmarks/recipe_gpu.py --device cpu --variants factorised_encoder --workers 1 --batch 2 --steps 3 \
        --classes 2 --train-clips 4 --eval-clips 2 --video-seconds 1 --video-size 64 48 \
        --work-dir /tmp/recipe-gpu-rehearsal --out-dir /tmp/recipe-gpu-rehearsal \
        -- --model_size tiny --crop_size 32 --resize_shortest_edge 32

Arguments after `--` go to every recipe launch (and to the model-only step's model), e.g. `--model_size tiny
--crop_size 32` for a rehearsal on the CPU. A `--batch-from` file that does not exist is refused. Writes
`<name>.json`, `.md` and `.png` (clips/s against workers) into `--out-dir` after every run, so a run stopped at its
time limit keeps what it measured; `--budget-s` skips what would not fit. `--sync-debug` (alone) or
`--sync-debug-steps K` (after the eager rows) runs a few recipe steps in this process under
`torch.cuda.set_sync_debug_mode("warn")` and counts the host syncs by the line that made them.
`benchmarks/issue17_gpu.sh` runs this with `benchmarks/batch_limit.py` as one budgeted command.
"""

from __future__ import annotations

import gc
import importlib.util
import json
import logging
import math
import os
import shutil
import signal
import statistics
import subprocess
import sys
import textwrap
import threading
import time
import traceback
import warnings
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def sibling(name: str):
    """`benchmarks/<name>.py` as a module, loaded once, without putting benchmarks/ on sys.path (where its
    `models`, `mask` or `recipe` would shadow other modules of those names in a test process)."""
    key = f"vivit_benchmarks_{name}"
    if key not in sys.modules:
        spec = importlib.util.spec_from_file_location(key, REPO / "benchmarks" / f"{name}.py")
        sys.modules[key] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[key])
    return sys.modules[key]


common = sibling("common")
machine = sibling("batch_limit").machine

RECIPE = REPO / "recipes" / "finetune.py"
REHEARSAL = (
    "python benchmarks/recipe_gpu.py --device cpu --variants factorised_encoder --workers 1 --batch 2 --steps 3 "
    "--classes 2 --train-clips 4 --eval-clips 2 --video-seconds 1 --video-size 64 48 "
    "--work-dir /tmp/recipe-gpu-rehearsal --out-dir /tmp/recipe-gpu-rehearsal "
    "-- --model_size tiny --crop_size 32 --resize_shortest_edge 32 "
    "(or ISSUE17_REHEARSAL=1 bash benchmarks/issue17_gpu.sh)"
)
# The paper's Kinetics recipes for ViViT-B/16x2 (presets.py): Model 2 first, the issue's main case.
PRESETS = {"factorised_encoder": "kinetics400_vivit_b_fe", "spatio_temporal": "kinetics400_vivit_b"}
# A keyframe every 2 s at 25 fps, as YouTube uploads (Kinetics' sources) have: processor-report.md's `--keyint 50`.
KINETICS_KEYINT = 50
RESULT_KEYS = ("train_clips_per_second", "train_data_wait_share", "train_step_seconds_median", "train_throughput_steps")


# ------------------------------------------------------------------------------------------------ the data set
def make_dataset(root: Path, classes: int, train_clips: int, eval_clips: int, seconds: int, size: tuple[int, int]):
    """`<root>/{train,validation}/<class>/<clip>.mp4`. `make_video` draws the same scene every call, so one file is
    encoded and every clip is a hard link to it (a copy where links fail): each clip is still opened, demuxed and
    decoded from its own keyframe at its own random start, as distinct files would be. Kept when a previous call
    made the same set."""
    wanted = {"classes": classes, "train": train_clips, "eval": eval_clips, "seconds": seconds, "size": list(size)}
    marker = root / "made.json"
    if marker.exists() and json.loads(marker.read_text()).get("wanted") == wanted:
        return json.loads(marker.read_text())
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    template = root / "template.mp4"  # removed once linked: a video beside the split folders is warned about
    began = time.perf_counter()
    make_video = sibling("processor").make_video  # the generator of the files processor-report.md's figures came from
    make_video(template, seconds, *size, keyint=KINETICS_KEYINT)
    encode_s = time.perf_counter() - began
    for split, count in (("train", train_clips), ("validation", eval_clips)):
        for index in range(count):
            folder = root / split / f"class_{index % classes:03d}"
            folder.mkdir(parents=True, exist_ok=True)
            try:
                os.link(template, folder / f"clip_{index:06d}.mp4")
            except OSError:
                shutil.copyfile(template, folder / f"clip_{index:06d}.mp4")
    made = {"wanted": wanted, "file_bytes": template.stat().st_size, "encode_s": round(encode_s, 2)}
    template.unlink()  # the clips are links to its data, which stays
    made["seconds_to_make"] = round(time.perf_counter() - began, 2)
    marker.write_text(json.dumps(made))
    return made


class OwnLinksUnsaid(logging.Filter):
    """Drops the data reader's warnings of one file read under several names (`_warn_linked_files`, logged by
    `vivit_hf.training.data.formats`): `make_dataset`'s clips are hard links to one file by design, and the steps
    that read the data set in this process (each model-only build, the sync-debug run) warned that the split reads
    its files under two names and shares them with validation: four warnings a rehearsal, each right for a user's
    data set and nothing to this one. The launches' logs (launch.log) keep them. Matched by the reader's own message
    formats (`LINKED_IN_SPLIT`, `LINKED_ACROSS_SPLITS`), not their first words: a rewording filters as before."""

    def __init__(self) -> None:
        super().__init__()
        from vivit_hf.training.data import examples  # (late, as this script's other vivit_hf imports)

        self.linked = (examples.LINKED_IN_SPLIT, examples.LINKED_ACROSS_SPLITS)

    def filter(self, record: logging.LogRecord) -> bool:
        return record.msg not in self.linked


def unsay_own_links(extra: list[str]) -> OwnLinksUnsaid | None:
    """`OwnLinksUnsaid` on the data reader's logger, where this process reads `make_dataset`'s folder alone: not
    where the arguments after `--` name a `--dataset` (the last one given is the one read, by the model-only builds and
    the sync-debug run here too), whose links are the user's to hear of."""
    if any(arg == "--dataset" or arg.startswith("--dataset=") for arg in extra):
        return None
    from vivit_hf.training.data.examples import logger

    unsaid = OwnLinksUnsaid()
    logger.addFilter(unsaid)
    return unsaid


# ------------------------------------------------------------------------------------------------ GPU sampling
class GpuSampler:
    """`nvidia-smi --query-gpu=utilization.gpu,memory.used -lms <interval>` in the background; nothing (figures
    "n/a") where there is no nvidia-smi or it fails."""

    def __init__(self, interval_ms: int = 500):
        self.interval_ms = interval_ms
        self.samples: list[tuple[float, float]] = []  # (utilisation %, memory MiB)
        self._process = None
        self._reader = None

    def __enter__(self):
        executable = shutil.which("nvidia-smi")
        if executable is None:
            return self
        command = [
            executable,
            "--query-gpu=utilization.gpu,memory.used",
            "--format=csv,noheader,nounits",
            "-lms",
            str(self.interval_ms),
        ]
        try:
            self._process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        except OSError:
            return self
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        return self

    def _read(self):
        for line in self._process.stdout:
            try:
                utilisation, memory = (float(x) for x in line.split(",")[:2])
            except ValueError:
                continue
            self.samples.append((utilisation, memory))

    def __exit__(self, *exc):
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)
            self._reader.join(timeout=10)

    def summary(self) -> dict:
        """Utilisation while training: the samples from the first to the last at >= 80% of the run's largest memory
        (before, the process starts and loads; after, it evaluates a small batch and saves)."""
        if not self.samples:
            return {"gpu_util_mean": None, "gpu_util_median": None, "gpu_memory_max_mib": None, "gpu_samples": 0}
        peak = max(memory for _, memory in self.samples)
        busy = [i for i, (_, memory) in enumerate(self.samples) if memory >= 0.8 * peak]
        window = [utilisation for utilisation, _ in self.samples[busy[0] : busy[-1] + 1]]
        return {
            "gpu_util_mean": round(statistics.fmean(window), 1),
            "gpu_util_median": statistics.median(window),
            "gpu_memory_max_mib": peak,
            "gpu_samples": len(window),
        }


# ------------------------------------------------------------------------------------------------ model-only
def recipe_args(variant: str, dataset: Path, extra: list[str]) -> list[str]:
    """The recipe flags every launch shares: the paper's Kinetics preset of this variant on the generated folder,
    decoding every clip each epoch (a real data set does not fit in memory), one evaluation view."""
    return [
        "--dataset",
        str(dataset),
        "--preset",
        PRESETS[variant],
        "--gradient_accumulation_steps",
        "1",  # one optimiser step per batch, as the model-only step
        "--cache_decoded_videos",
        "no",
        "--eval_num_clips",
        "1",
        "--eval_num_crops",
        "1",
        "--with_tracking",
        "false",
        *extra,
    ]


def build_for_model_only(variant: str, dataset: Path, extra: list[str]):
    """The recipe's parsed flags, model and training data set (`benchmarks/recipe.py` builds them with the recipe's
    own functions)."""
    args, model, _, train_dataset, _ = sibling("recipe").build(recipe_args(variant, dataset, extra))
    return args, model, train_dataset


def decode_ms_per_clip(train_dataset, clips: int) -> float:
    """One training clip in one process (open, decode, sample, augment), median ms: how fast one worker feeds. With
    one torch thread, as PyTorch gives each DataLoader worker."""
    import torch  # (in what measures, not at the top: a run whose --budget-s is spent ends at once)

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return sibling("recipe").per_clip_ms(train_dataset, clips)
    finally:
        torch.set_num_threads(threads)


def model_only(
    args, model, batch: int, device: str, compiled: bool, bf16: bool, warmup: int, steps: int, backend: str = "inductor"
) -> dict:
    """Clips/s of the recipe's train step on tensors already on the device: bf16 autocast (as `--mixed_precision
    bf16`), soft one-hot targets and the recipe's loss, backward, clipping at `--max_grad_norm`, the preset's
    optimiser. No data loading: the rate the recipe could reach."""
    import torch

    from vivit_hf.training.finetune import build_optimizer, classification_loss, soft_targets

    model = model.to(device).train()
    optimizer = build_optimizer(args, model)
    forward = torch.compile(model, backend=backend) if compiled else model
    config = model.config
    pixel_values = torch.randn(batch, config.num_frames, config.num_channels, *config.image_size_hw, device=device)
    head_sizes = [config.num_labels]
    targets = soft_targets(torch.randint(0, config.num_labels, (batch,), device=device), head_sizes, 0.0)
    valid = torch.ones(batch, dtype=torch.bool, device=device)
    synchronize = torch.get_device_module(device).synchronize if device != "cpu" else (lambda: None)

    def step():
        with torch.autocast(device, dtype=torch.bfloat16, enabled=bf16):
            logits = forward(pixel_values=pixel_values).logits
        classification_loss(logits.float(), targets, valid, head_sizes).backward()
        if args.max_grad_norm:
            torch.nn.utils.clip_grad_norm_(optimizer.param_groups[0]["params"], args.max_grad_norm)
        optimizer.step()
        optimizer.zero_grad()

    began = time.perf_counter()
    for _ in range(warmup):  # kernels chosen, the allocator warm and, compiled, the graphs built
        step()
    synchronize()
    timed_from = time.perf_counter()
    for _ in range(steps):
        step()
    synchronize()
    seconds = time.perf_counter() - timed_from
    result = {
        "clips_per_second": batch * steps / seconds,
        "step_seconds": seconds / steps,
        "warmup_seconds": round(timed_from - began, 2),
        "batch": batch,
        "steps": steps,
        "compiled": compiled,
    }
    return result  # the caller frees the device memory, once this function's tensors are gone


# ------------------------------------------------------------------------------------------------ recipe runs
def launch_command(mixed_precision: str, flags: list[str]) -> list[str]:
    return [
        sys.executable,
        "-m",
        "accelerate.commands.launch",
        "--num_processes",
        "1",
        "--num_machines",
        "1",
        "--mixed_precision",
        mixed_precision,
        "--dynamo_backend",
        "no",
        str(RECIPE.relative_to(REPO)),
        *flags,
    ]


def shown(command: list[str]) -> str:
    """The command as a user types it (`accelerate launch`, not this interpreter's path)."""
    words = command[3:] if command[1:3] == ["-m", "accelerate.commands.launch"] else command[1:]
    prefix = "accelerate launch" if command[1:3] == ["-m", "accelerate.commands.launch"] else "python"
    return " ".join([prefix, *words])


def run_recipe(command: list[str], run_dir: Path, timeout_s: float) -> dict:
    """Run one launch (its own process group, so its DataLoader workers go with it on a timeout), sampling the GPU;
    the figures the recipe wrote in `all_results.json`."""
    run_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    began = time.perf_counter()
    with open(run_dir / "launch.log", "w") as log, GpuSampler() as sampler:
        process = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            returncode = process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            returncode = None
    record = {"wall_seconds": round(time.perf_counter() - began, 1), "returncode": returncode, **sampler.summary()}
    results_path = run_dir / "all_results.json"
    if returncode == 0 and results_path.exists():
        results = json.loads(results_path.read_text())
        record.update({key: results.get(key) for key in RESULT_KEYS})
        record["all_results"] = str(results_path)
    else:
        record["error"] = "timed out" if returncode is None else f"exit status {returncode}"
        record["log_tail"] = (run_dir / "launch.log").read_text()[-3000:]
    return record


# ------------------------------------------------------------------------------------------------ the plan
class Budget:
    """Seconds left for this script; what would not fit is skipped, and named."""

    def __init__(self, seconds: float | None):
        self.deadline = None if seconds is None else time.monotonic() + seconds

    def left(self) -> float:
        return math.inf if self.deadline is None else self.deadline - time.monotonic()

    def fits(self, estimate_s: float) -> bool:
        return estimate_s <= self.left()


def steps_for(options, batch: int, expected_clips_per_s: float, train_clips: int) -> int:
    """`--steps`, or steps for about `--target-s` seconds of training at the expected rate, within one epoch (an
    epoch's end evaluates and restarts the workers' queue, which a real data set does once in thousands of steps)."""
    if options.steps:
        return options.steps
    steps = max(options.min_steps, round(options.target_s * expected_clips_per_s / batch))
    return max(1, min(steps, train_clips // batch - 1))


def expected_rate(model_only_rate: float, workers: int, decode_ms: float) -> float:
    """The slower of the model and the workers (each decodes one clip in `decode_ms`)."""
    return min(model_only_rate, workers * 1000.0 / decode_ms)


def batch_for(variant: str, options) -> int:
    """`--batch`, or 90% of the largest batch `benchmarks/batch_limit.py` found for this variant without
    checkpointing (the recipe also holds a batch or two in flight and its evaluation), a multiple of 8, at most
    `--max-batch`: the paper's batch of 64 in all. Every worker builds whole batches in shared memory (19 MB a
    32x224 clip, two batches queued per worker), so a larger batch costs host memory, not only GPU memory."""
    if options.batch_from and Path(options.batch_from).exists():
        rows = json.loads(Path(options.batch_from).read_text())["rows"]
        for row in rows:
            if row["variant"] == variant and not row["gradient_checkpointing"] and row["largest"]:
                return min(options.max_batch, int(0.9 * row["largest"]) // 8 * 8 or row["largest"])
    return options.batch


class Report:
    """The results so far, written after every run."""

    def __init__(self, options, argv: list[str]):
        self.options = options
        self.stem = options.out_dir / options.name
        self.result = {
            "command": " ".join(["python", "benchmarks/recipe_gpu.py", *argv]),
            "machine": machine(options.device),
            "device": options.device,
            "dataset": None,
            "decode_ms_per_clip": None,
            "model_only": {},
            "runs": [],
            "sync_debug": None,
            "skipped": [],
        }

    def write(self, plotted: bool = True) -> None:
        self.stem.parent.mkdir(parents=True, exist_ok=True)
        self.stem.with_suffix(".json").write_text(json.dumps(self.result, indent=1))
        self.stem.with_suffix(".md").write_text(markdown(self.result))
        if plotted and measured(self.result):
            plot(self.result, self.stem.with_suffix(".png"))
        elif plotted:  # nothing to draw (a spent --budget-s): matplotlib's import was 3.9 s of a run that said so
            self.stem.with_suffix(".png").unlink(missing_ok=True)  # (an earlier run's figure, of other figures)

    def skip(self, what: str, estimate_s: float, left_s: float) -> None:
        self.result["skipped"].append(f"{what} (about {estimate_s:.0f} s, {max(0.0, left_s):.0f} s left)")
        self.write(plotted=False)  # the plot shows what ran: the last one drawn holds, and run_plan's end draws it


def model_only_key(variant: str, compiled: bool) -> str:
    return f"{variant}{' compiled' if compiled else ''}"


def run_plan(options, argv: list[str]) -> dict:
    budget = Budget(options.budget_s)
    report = Report(options, argv)
    result = report.result
    work = options.work_dir
    unsaid = []  # `unsay_own_links`, at the first read: it imports vivit_hf (seconds), which a spent budget never reads

    def dataset() -> Path:
        """The data set, made by the first step that reads it: a budget too small for any makes none."""
        if not unsaid:
            unsaid.append(unsay_own_links(options.recipe_args))
        if result["dataset"] is None:
            folder = work / "data"
            size = tuple(options.video_size)
            wanted = (options.classes, options.train_clips, options.eval_clips, options.video_seconds, size)
            result["dataset"] = make_dataset(folder, *wanted)
            result["dataset"]["path"] = str(folder)
        return Path(result["dataset"]["path"])

    extra = options.recipe_args
    overhead_s = options.launch_overhead_s  # replaced by the first run's own
    compile_s = options.compile_s  # replaced by the compiled model-only warm-up
    best_workers = None

    def note_skip(what: str, estimate_s: float) -> None:
        report.skip(what, estimate_s, budget.left())

    def measure_model_only(variant: str, compiled: bool, batch: int):
        nonlocal compile_s
        key = model_only_key(variant, compiled)
        estimate = 15 + (compile_s if compiled else 0)
        if not budget.fits(estimate):
            note_skip(f"model-only {key}", estimate)
            return None
        args, model, train_dataset = build_for_model_only(variant, dataset(), extra)
        if result["decode_ms_per_clip"] is None:
            result["decode_ms_per_clip"] = decode_ms_per_clip(train_dataset, options.decode_clips)
        found = model_only(
            args,
            model,
            batch,
            options.device,
            compiled,
            options.mixed_precision == "bf16",
            options.model_only_warmup,
            options.model_only_steps,
            options.compile_backend,
        )
        del model, train_dataset  # the recipe launches next need the device's memory
        gc.collect()
        if options.device == "cuda":
            import torch

            torch.cuda.empty_cache()
        if compiled:
            compile_s = found["warmup_seconds"]
        result["model_only"][key] = found
        report.write()
        return found

    def launch(variant: str, workers: int, batch: int, compiled: bool, rate: float):
        nonlocal overhead_s
        expected = expected_rate(rate, workers, result["decode_ms_per_clip"])
        steps = steps_for(options, batch, expected, options.train_clips)
        estimate = overhead_s + (compile_s if compiled else 0) + steps * batch / expected
        what = f"recipe {model_only_key(variant, compiled)}, {common.counted(workers, 'worker')}, batch {batch}, "
        what += f"{steps} steps"
        if not budget.fits(estimate):
            note_skip(what, estimate)
            return None
        flags = recipe_args(variant, dataset(), extra) + [
            "--per_device_train_batch_size",
            str(batch),
            "--per_device_eval_batch_size",
            str(min(batch, options.eval_clips)),
            "--max_eval_samples",
            str(min(batch, options.eval_clips)),
            "--max_train_steps",
            str(steps),
            "--num_workers",
            str(workers),
            "--output_dir",
            str(work / "runs" / f"{variant}{'-compiled' if compiled else ''}-w{workers}"),
            *(["--torch_compile", "--torch_compile_backend", options.compile_backend] if compiled else []),
        ]
        command = launch_command(options.mixed_precision, flags)
        timeout = min(budget.left(), 3 * estimate + 60)  # the estimate fits what is left; a hang does not
        record = {
            "variant": variant,
            "compiled": compiled,
            "workers": workers,
            "batch": batch,
            "steps": steps,
            "command": shown(command),
            "estimate_seconds": round(estimate, 1),
            "decode_bound_clips_per_second": workers * 1000.0 / result["decode_ms_per_clip"],
            **run_recipe(command, work / "runs" / f"{variant}{'-compiled' if compiled else ''}-w{workers}", timeout),
        }
        only = result["model_only"].get(model_only_key(variant, compiled))
        if record.get("train_clips_per_second") and only:
            record["recipe_over_model_only"] = record["train_clips_per_second"] / only["clips_per_second"]
            record["model_only_clips_per_second"] = only["clips_per_second"]
        if record.get("train_clips_per_second") and not compiled:
            # What the launch costs besides training (start, evaluation, saving): the next runs' estimates.
            overhead_s = max(10.0, record["wall_seconds"] - steps * batch / record["train_clips_per_second"])
        result["runs"].append(record)
        report.write()
        print(json.dumps({k: v for k, v in record.items() if k != "log_tail"}), flush=True)
        return record

    def rate_of(variant: str, compiled: bool) -> float:
        found = result["model_only"].get(model_only_key(variant, compiled))
        return found["clips_per_second"] if found else options.expected_clips_per_s

    for index, variant in enumerate(options.variants):
        batch = batch_for(variant, options)
        measure_model_only(variant, False, batch)
        if result["decode_ms_per_clip"] is None:  # no model was built in the budget: no rate to plan runs with
            report.skip(f"recipe {variant} runs (no model-only figure to plan them with)", 0, budget.left())
            continue
        worker_counts = options.workers if index == 0 else [best_workers]
        for workers in worker_counts:
            launch(variant, workers, batch, False, rate_of(variant, False))
        if index == 0:
            measured = [r for r in result["runs"] if r["variant"] == variant and r.get("train_clips_per_second")]
            best_workers = (
                max(measured, key=lambda r: r["train_clips_per_second"])["workers"]
                if measured
                else max(options.workers)
            )
            result["best_workers"] = best_workers
    if options.sync_debug_steps:
        run_sync_debug(options, result, budget, report, dataset, best_workers or max(options.workers))
    for variant in options.compile_variants if options.compile else []:
        batch = batch_for(variant, options)
        measure_model_only(variant, True, batch)
        if result["decode_ms_per_clip"] is None:
            report.skip(f"recipe {variant} compiled (no model-only figure to plan it with)", 0, budget.left())
            continue
        launch(variant, best_workers or max(options.workers), batch, True, rate_of(variant, True))
    report.write()
    return result


def run_sync_debug(
    options, result: dict, budget: Budget, report: Report, dataset: Callable[[], Path], workers: int
) -> None:
    """A few steps of the first variant's recipe at batch 8 in this process, host syncs counted (`sync_debug`)."""
    estimate = options.launch_overhead_s
    if not budget.fits(estimate):
        report.skip(f"sync debug, {options.sync_debug_steps} steps", estimate, budget.left())
        return
    variant = options.variants[0]
    argv = recipe_args(variant, dataset(), options.recipe_args) + [
        "--mixed_precision",
        options.mixed_precision,
        "--per_device_train_batch_size",
        "8",
        "--per_device_eval_batch_size",
        "8",
        "--max_eval_samples",
        "8",
        "--max_train_steps",
        str(options.sync_debug_steps),
        "--num_workers",
        str(workers),
        "--output_dir",
        str(options.work_dir / "runs" / "sync-debug"),
    ]
    import torch
    from accelerate.state import AcceleratorState

    try:
        result["sync_debug"] = sync_debug(argv)
    finally:  # the recipe's Accelerator is no longer needed; its state would outlive it
        AcceleratorState._reset_state(reset_partial_state=True)
        gc.collect()
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
    report.write()


# ------------------------------------------------------------------------------------------------ outputs
def _figure(value, form: str) -> str:
    return "n/a" if value is None else format(value, form)


def markdown(result: dict) -> str:
    m = result["machine"]
    data = result["dataset"] or {}
    lines = [
        "# The fine-tuning recipe on one GPU: clips per second and waiting for data",
        "",
        f"`{result['command']}`",
        "",
        f"Machine: {m['gpu'] or 'no GPU (CPU rehearsal)'}; {m['cpu']} ({m['cpu_count']} CPUs); torch {m['torch']}, "
        f"transformers {m['transformers']}, Python {m['python']}.",
    ]
    if data:
        wanted = data["wanted"]
        lines.append(
            f"Data: {wanted['train']} training clips in {wanted['classes']} classes, {wanted['seconds']} s "
            f"{wanted['size'][0]}x{wanted['size'][1]} 25 fps H.264, a keyframe every {KINETICS_KEYINT} frames "
            f"({data['file_bytes']} bytes a file); one clip decoded and augmented in one process: "
            f"{_figure(result['decode_ms_per_clip'], '.1f')} ms."
        )
    lines += [
        "",
        "| variant | compiled | workers | batch | steps measured (of the run) | recipe clips/s | model-only clips/s "
        "| recipe / model-only | waiting for data | median step (s) | GPU util (mean, training) | GPU memory max (MiB) "
        "| workers' decode bound (clips/s) | wall (s) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in result["runs"]:
        if r.get("error"):
            lines.append(
                f"| {r['variant']} | {'yes' if r['compiled'] else 'no'} | {r['workers']} | {r['batch']} | {r['steps']} "
                f"| failed: {r['error']} |  |  |  |  |  |  |  | {r['wall_seconds']} |"
            )
            continue
        share = r.get("recipe_over_model_only")
        lines.append(
            f"| {r['variant']} | {'yes' if r['compiled'] else 'no'} | {r['workers']} | {r['batch']} "
            f"| {r['train_throughput_steps']} ({r['steps']}) | {r['train_clips_per_second']:.1f} "
            f"| {_figure(r.get('model_only_clips_per_second'), '.1f')} | {_figure(share, '.0%')} "
            f"| {r['train_data_wait_share']:.1%} | {r['train_step_seconds_median']:.3f} "
            f"| {_figure(r['gpu_util_mean'], '.0f')} | {_figure(r['gpu_memory_max_mib'], '.0f')} "
            f"| {r['decode_bound_clips_per_second']:.0f} | {r['wall_seconds']} |"
        )
    lines += ["", "Model-only train step (pre-made tensors on the device, same batch, optimiser and autocast):", ""]
    for key, found in result["model_only"].items():
        lines.append(
            f"- {key}: {found['clips_per_second']:.1f} clips/s, batch {found['batch']}, {found['steps']} steps "
            f"({found['warmup_seconds']} s of warm-up{', compiling included' if found['compiled'] else ''})"
        )
    lines += ["", *goals(result), *sync_lines(result.get("sync_debug"))]
    if result["skipped"]:
        lines += ["", "Not run (out of --budget-s): " + "; ".join(result["skipped"]) + "."]
    lines += ["", "Commands of the runs:", ""] + [f"- `{r['command']}`" for r in result["runs"]]
    return "\n".join(lines) + "\n"


def sync_lines(found: dict | None) -> list[str]:
    """The host syncs of the sync-debug run, by the line that made them."""
    if not found:
        return []
    if found["syncs"] is None:
        return ["", f"Host syncs in a training step: {found['sync_debug']}."]
    lines = [
        "",
        f'Host syncs under `torch.cuda.set_sync_debug_mode("warn")`, {found.get("completed_steps")} steps '
        f"(`{found['command']}`): {found['syncs']} in all.",
        "",
    ]
    return lines + [f"- {count} x `{place}`" for place, count in found["syncs_by_place"].items()]


def goals(result: dict) -> list[str]:
    """Per variant and compiled setting, at its fastest worker count: recipe >= 90% of model-only, waiting < 5%."""
    lines = []
    best: dict[tuple, dict] = {}
    for r in result["runs"]:
        if r.get("train_clips_per_second"):
            key = (r["variant"], r["compiled"])
            if key not in best or r["train_clips_per_second"] > best[key]["train_clips_per_second"]:
                best[key] = r
    for (variant, compiled), r in best.items():
        share, wait = r.get("recipe_over_model_only"), r["train_data_wait_share"]
        lines.append(
            f"Goals, {model_only_key(variant, compiled)} at {common.counted(r['workers'], 'worker')}: "
            "recipe / model-only "
            f"{_figure(share, '.0%')} (>= 90%: {'n/a' if share is None else 'met' if share >= 0.9 else 'not met'}), "
            f"waiting for data {wait:.1%} (< 5%: {'met' if wait < 0.05 else 'not met'})."
        )
    return lines


def measured(result: dict) -> bool:
    """Whether `result` holds a figure `plot` draws: a recipe run's rate, a model-only rate, a decode rate."""
    return bool(result["decode_ms_per_clip"] or result["model_only"] or result["runs"])


def plot(result: dict, path: Path) -> None:
    """Clips/s against workers: the recipe per variant, its model-only rate (dashed) and the workers' decode bound
    (dotted, workers x one clip's decode rate). Skipped without matplotlib."""
    try:
        import matplotlib
    except ImportError:
        return
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    series: dict[str, list] = {}
    for r in result["runs"]:
        if r.get("train_clips_per_second"):
            series.setdefault(model_only_key(r["variant"], r["compiled"]), []).append(r)
    workers = sorted({r["workers"] for r in result["runs"]}) or [1]
    for key, runs in series.items():
        runs.sort(key=lambda r: r["workers"])
        line = ax.plot([r["workers"] for r in runs], [r["train_clips_per_second"] for r in runs], "o-", label=key)
        if key in result["model_only"]:
            ax.axhline(
                result["model_only"][key]["clips_per_second"],
                linestyle="--",
                color=line[0].get_color(),
                label=f"{key}, model only",
            )
    if result["decode_ms_per_clip"]:
        ax.plot(
            workers, [n * 1000 / result["decode_ms_per_clip"] for n in workers], ":", color="grey", label="decode bound"
        )
    ax.set_xlabel("DataLoader workers")
    ax.set_ylabel("training clips per second")
    ax.set_xticks(workers)
    ax.set_ylim(bottom=0)
    if ax.get_legend_handles_labels()[0]:  # a run that measured nothing has no line (matplotlib warns of it)
        ax.legend(fontsize=8)
    m = result["machine"]
    ax.set_title(f"recipes/finetune.py on {m['gpu'] or 'CPU (rehearsal)'}", fontsize=10)
    machine_line = f"{m['cpu']} ({m['cpu_count']} CPUs), torch {m['torch']}, transformers {m['transformers']}"
    fig.text(0.01, 0.01, textwrap.fill(f"{machine_line}. {result['command']}", 150), fontsize=5, va="bottom")
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ------------------------------------------------------------------------------------------------ sync debug
def place_of(stack: list[traceback.FrameSummary]) -> str:
    """The innermost line of the project's own code (recipes/, vivit_hf/) in a stack: where a sync was asked for."""
    for frame in reversed(stack):
        path = Path(frame.filename).resolve()
        if path.is_relative_to(REPO) and path.parts[len(REPO.parts)] in ("recipes", "vivit_hf"):
            return f"{path.relative_to(REPO)}:{frame.lineno} {frame.line or ''}".strip()
    return "outside the project"


class SyncCounter:
    """Counts the warnings of `torch.cuda.set_sync_debug_mode("warn")` by the project line that made each (`place_of`
    their stack); other warnings are shown as usual."""

    def __init__(self):
        self.places: dict[str, int] = {}
        self._catch = warnings.catch_warnings()  # restores the filters and showwarning on the way out

    def __enter__(self):
        self._catch.__enter__()
        warnings.simplefilter("always")  # every sync, not the first per line
        self._show = warnings.showwarning
        warnings.showwarning = self._record
        return self

    def __exit__(self, *exc):
        self._catch.__exit__(*exc)

    def _record(self, message, category, filename, lineno, file=None, line=None):
        if "synchroniz" not in str(message):
            self._show(message, category, filename, lineno, file, line)
            return
        place = place_of(traceback.extract_stack()[:-1])
        self.places[place] = self.places.get(place, 0) + 1


def sync_debug(recipe_argv: list[str], out: Path | None = None) -> dict:
    """The recipe's `main(argv)` in this process under `torch.cuda.set_sync_debug_mode("warn")`: every synchronising
    CUDA call warns, and each warning is counted by the project line that made it. The recipe claims none in a
    training step: what is left should be the logging steps' reads (every `--logging_steps`), the epoch's end and
    the final outputs."""
    import torch

    result = {"command": " ".join(["python", "benchmarks/recipe_gpu.py", "--sync-debug", "--", *recipe_argv])}
    cuda = torch.cuda.is_available()
    if not cuda:
        result["sync_debug"] = "n/a (no CUDA device: set_sync_debug_mode watches CUDA calls only)"
    spec = importlib.util.spec_from_file_location("finetune_recipe_sync_debug", RECIPE)
    recipe = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(recipe)
    with SyncCounter() as counter:
        if cuda:
            torch.cuda.set_sync_debug_mode("warn")
        try:
            recipe.main(recipe_argv)
        finally:
            if cuda:
                torch.cuda.set_sync_debug_mode("default")
    places = counter.places
    output_dir = recipe.output_dir_given(recipe_argv)[0]  # as the recipe reads it: either spelling, `=` too
    if (output_dir / "all_results.json").exists():
        result["completed_steps"] = json.loads((output_dir / "all_results.json").read_text())["completed_steps"]
    result["syncs_by_place"] = dict(sorted(places.items(), key=lambda item: -item[1])) if cuda else None
    result["syncs"] = sum(places.values()) if cuda else None
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))
    return result


# ------------------------------------------------------------------------------------------------ main
def parse(argv: list[str]):
    own, recipe_argv = (argv[: argv.index("--")], argv[argv.index("--") + 1 :]) if "--" in argv else (argv, [])
    parser = common.spellings_parser(description=__doc__.split("\n\n")[0])  # flags with hyphens or underscores
    parser.add_argument(
        "--device", default="cuda", choices=("cuda", "cpu"), help="where the model-only step runs (cpu: a rehearsal)"
    )
    parser.add_argument("--variants", nargs="+", default=list(PRESETS), choices=list(PRESETS))
    parser.add_argument("--workers", nargs="+", type=int, default=[4, 8, 15], help="DataLoader workers, first variant")
    parser.add_argument("--batch", type=int, default=32, help="per-device batch when --batch-from has none")
    parser.add_argument("--batch-from", default=None, help="benchmarks/batch_limit.py's JSON: 90%% of its largest")
    parser.add_argument("--max-batch", type=int, default=64, help="cap on --batch-from's batch (the paper's 64)")
    parser.add_argument(
        "--sync-debug-steps",
        type=int,
        default=0,
        help="after the eager rows: recipe steps run "
        "in this process under set_sync_debug_mode('warn'), the host syncs counted (0: none)",
    )
    parser.add_argument("--mixed-precision", default="bf16", choices=("no", "bf16"))
    parser.add_argument("--compile", action="store_true", help="also the --torch_compile rows")
    parser.add_argument("--compile-backend", default="inductor", help="aot_eager: a rehearsal without inductor")
    parser.add_argument("--compile-variants", nargs="+", default=["factorised_encoder"], choices=list(PRESETS))
    parser.add_argument("--target-s", type=float, default=40.0, help="training seconds a run aims at")
    parser.add_argument("--steps", type=int, default=None, help="fixed steps per run (instead of --target-s)")
    parser.add_argument("--min-steps", type=int, default=20)
    parser.add_argument("--expected-clips-per-s", type=float, default=140.0, help="before a model-only figure exists")
    parser.add_argument("--launch-overhead-s", type=float, default=30.0, help="start + evaluation + saving, guessed")
    parser.add_argument("--compile-s", type=float, default=90.0, help="compiling, guessed until measured")
    parser.add_argument("--model-only-warmup", type=int, default=3)
    parser.add_argument("--model-only-steps", type=int, default=10)
    parser.add_argument("--decode-clips", type=int, default=20, help="clips timed one by one for the decode rate")
    parser.add_argument("--classes", type=int, default=400)
    parser.add_argument("--train-clips", type=int, default=8000, help="hard links to one encoded file")
    parser.add_argument("--eval-clips", type=int, default=32)
    parser.add_argument("--video-seconds", type=int, default=10)
    parser.add_argument("--video-size", type=int, nargs=2, default=[340, 256], metavar=("WIDTH", "HEIGHT"))
    parser.add_argument("--budget-s", type=float, default=None, help="skip what would not end within this")
    parser.add_argument("--work-dir", type=Path, default=Path("/tmp/vivit_recipe_gpu"), help="data set and runs")
    parser.add_argument("--out-dir", type=Path, default=REPO / "benchmarks" / "results")
    parser.add_argument("--name", default=None, help="file stem (default: recipe-gpu, or recipe-gpu-cpu-rehearsal)")
    parser.add_argument("--sync-debug", action="store_true", help="count host syncs of a few recipe steps")
    options = parser.parse_args(own)
    common.refuse_without_cuda(parser, options.device, REHEARSAL)
    if options.batch_from and not Path(options.batch_from).is_file():
        parser.error(
            f"--batch-from {options.batch_from}: no such file (benchmarks/batch_limit.py --device cuda writes it); "
            f"leave it out to train at --batch ({options.batch})"
        )
    options.recipe_args = recipe_argv
    options.name = options.name or ("recipe-gpu" if options.device == "cuda" else "recipe-gpu-cpu-rehearsal")
    return options


def main(argv: list[str] | None = None) -> dict:
    argv = list(sys.argv[1:] if argv is None else argv)
    options = parse(argv)
    if options.sync_debug:
        return sync_debug(options.recipe_args, options.out_dir / f"{options.name}-sync-debug.json")
    return run_plan(options, argv)


if __name__ == "__main__":
    main()
