# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The largest batch each ViViT variant trains at on one GPU, with and without gradient checkpointing (issue 17,
part 3).

A batch "trains" when one training step runs without `torch.cuda.OutOfMemoryError`: bf16 autocast forward, the
recipe's loss, backward, gradient-norm clipping and an SGD step with momentum (the Kinetics presets' optimiser), from
a state where the momentum buffers already exist (a step at batch 1 first), as in every step of a run after its
first. The search doubles the batch until a step fails, then bisects between the last batch that fitted and the
first that failed; the allocator's cache is emptied between probes, so a failed probe leaves nothing behind.

    python benchmarks/batch_limit.py --device cuda                         # all four variants, both settings
    python benchmarks/batch_limit.py --device cuda --variants factorised_encoder --checkpointing off
    python benchmarks/batch_limit.py --device cpu --model-size tiny --fake-oom-above 12   # rehearsal, no GPU

Without a CUDA device it stops at once (argparse's error), unless `--device cpu` is given. On the CPU there is no
memory limit to hit (the doubling would go on until the machine's memory ran out), so `--device cpu` needs
`--fake-oom-above B`: a step above batch B raises `torch.cuda.OutOfMemoryError` after its backward, which exercises
the whole script. Writes `<name>.json` and `.md`
into `--out-dir` after every row, so a run stopped at its time limit keeps what it measured; `--keep-existing` does
not measure again the rows already in that JSON.
"""

from __future__ import annotations

import gc
import importlib.metadata
import json
import os
import platform
import runpy
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

REPO = Path(__file__).resolve().parents[1]


# benchmarks/ is not a package: common.py is run by its path (its docstring says why)
common = SimpleNamespace(**runpy.run_path(str(Path(__file__).with_name("common.py"))))
REHEARSAL = (
    "python benchmarks/batch_limit.py --device cpu --model-size tiny --fake-oom-above 12 --out-dir /tmp/batch-limit"
)
VARIANTS = ("spatio_temporal", "factorised_encoder", "factorised_self_attention", "factorised_dot_product")
KINETICS_CLASSES = 400


def largest_batch(
    fits: Callable[[int], bool],
    start: int = 1,
    max_batch: int | None = None,
    deadline: float | None = None,
    tolerance: float = 0.0,
    clock: Callable[[], float] = time.monotonic,
) -> dict:
    """The largest batch `b` with `fits(b)`, assuming every smaller batch fits too: double from `start` until a
    batch fails (or `max_batch` fits), then bisect. Stops early at `deadline` (of `clock`) or once the bracket is
    within `tolerance` of the batch that fits (0: exact). Returns `largest` (0: not even batch 1 fits),
    `first_failing` (None: none failed), `status` ("exact", "nothing fits", "at least": `max_batch` fitted,
    "bracket": stopped early) and every probe."""
    probes = []
    fitting, failing = 0, None  # the largest batch known to fit, the smallest known to fail

    def probe(batch: int) -> bool:
        began = clock()
        ok = bool(fits(batch))
        probes.append({"batch": batch, "fits": ok, "seconds": round(clock() - began, 3)})
        return ok

    def out_of_time() -> bool:
        return deadline is not None and clock() >= deadline

    batch = max(1, start)
    while failing is None and not out_of_time():
        if max_batch is not None and batch >= max_batch:
            batch = max_batch
        if not probe(batch):
            failing = batch
        else:
            fitting = batch
            if batch == max_batch:
                break
            batch *= 2
    # A `start` above 1 that failed leaves (0, start) to search: bisection then reaches down to batch 1.
    while failing is not None and failing - fitting > max(1, tolerance * fitting) and not out_of_time():
        middle = (fitting + failing) // 2
        if probe(middle):
            fitting = middle
        else:
            failing = middle
    if failing is None:
        status = "at least" if fitting == max_batch else "bracket"
    elif failing - fitting == 1:
        status = "nothing fits" if fitting == 0 else "exact"
    else:
        status = "bracket"
    return {"largest": fitting, "first_failing": failing, "status": status, "probes": probes}


def build_model(variant: str, model_size: str, checkpointing: bool, device: str):
    """The recipe's fresh model of this size (the paper's ViViT-B/16x2 at 32x224 for "base"), Kinetics' 400 classes."""
    from vivit_hf.models.modeling_vivit import VIVIT_MODELS
    from vivit_hf.training.presets import MODEL_SIZES

    config_class, _, model_class = VIVIT_MODELS[variant]
    model = model_class(config_class(**MODEL_SIZES[model_size], num_labels=KINETICS_CLASSES)).to(device).train()
    if checkpointing:
        common.enable_checkpointing(model)
    return model


class TrainStep:
    """One training step of the recipe at a given batch on `device`: bf16 autocast forward, the recipe's loss on
    one-hot targets, backward, gradient clipping at 1 and SGD with momentum 0.9 (the Kinetics presets')."""

    def __init__(self, model, device: str, fake_oom_above: int | None = None):
        self.model, self.device = model, device
        # Where the device has no memory limit to hit (the CPU): a step above this batch raises the error a GPU would,
        # after its backward (gradients half made, as when a GPU runs out there), so `fits` handles it as there.
        self.fake_oom_above = fake_oom_above
        import torch  # (here, not at the top: a run whose --budget-s is spent writes that it measured nothing, at once)

        self.optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        config = model.config
        self.clip_shape = (config.num_frames, config.num_channels, *config.image_size_hw)
        self.peak_mib: dict[int, float] = {}
        self(1)  # momentum buffers exist from here on, as after a run's first step

    def __call__(self, batch: int) -> None:
        import torch

        from vivit_hf.training.finetune import classification_loss, soft_targets

        pixel_values = torch.randn(batch, *self.clip_shape, device=self.device)
        labels = torch.randint(0, KINETICS_CLASSES, (batch,), device=self.device)
        with torch.autocast(self.device, dtype=torch.bfloat16):
            logits = self.model(pixel_values=pixel_values).logits
        targets = soft_targets(labels, [KINETICS_CLASSES], 0.0)
        valid = torch.ones(batch, dtype=torch.bool, device=self.device)
        classification_loss(logits, targets, valid, [KINETICS_CLASSES]).backward()
        if self.fake_oom_above is not None and batch > self.fake_oom_above:
            raise torch.cuda.OutOfMemoryError(f"faked: batch {batch} > {self.fake_oom_above}")
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)

    def fits(self, batch: int) -> bool:
        """Whether a step at `batch` runs; the cache is emptied after, so the next probe starts from the same
        memory."""
        import torch

        cuda = self.device == "cuda"
        if cuda:
            torch.cuda.reset_peak_memory_stats()
        try:
            self(batch)
            if cuda:
                torch.cuda.synchronize()
                self.peak_mib[batch] = torch.cuda.max_memory_allocated() / 2**20
            return True
        except torch.cuda.OutOfMemoryError:
            return False
        finally:
            self.optimizer.zero_grad(set_to_none=True)
            gc.collect()
            if cuda:
                torch.cuda.empty_cache()


def machine(device: str) -> dict:
    """What the figures were measured on (torch imported only to name the GPU)."""
    cpu = platform.processor()
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout.splitlines():
            if line.startswith("Model name:"):
                cpu = line.split(":", 1)[1].strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    gpu = None
    if device == "cuda" and os.environ.get(common.NO_CUDA_CHECK) != "1":  # (told there is none: the flags' tests)
        import torch

        if torch.cuda.is_available():
            properties = torch.cuda.get_device_properties(0)
            gpu = f"{properties.name}, {properties.total_memory / 2**30:.0f} GiB"
    return {
        "gpu": gpu,
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "torch": common.torch_version(),
        "transformers": importlib.metadata.version("transformers"),
        "python": platform.python_version(),
    }


def row_key(row: dict) -> tuple[str, bool]:
    return row["variant"], row["gradient_checkpointing"]


def row_label(variant: str, checkpointing: bool) -> str:
    """A row as the "Not measured" note names it."""
    return f"{variant} (checkpointing {'on' if checkpointing else 'off'})"


def measure_row(variant: str, checkpointing: bool, options, deadline: float) -> dict:
    import torch

    began = time.monotonic()
    model = build_model(variant, options.model_size, checkpointing, options.device)
    step = TrainStep(model, options.device, options.fake_oom_above)
    found = largest_batch(
        step.fits, start=options.start, max_batch=options.max_batch, deadline=deadline, tolerance=options.tolerance
    )
    del step.model, step.optimizer
    gc.collect()
    if options.device == "cuda":
        torch.cuda.empty_cache()
    return {
        "variant": variant,
        "gradient_checkpointing": checkpointing,
        **found,
        "peak_mib_at_largest": step.peak_mib.get(found["largest"]),
        "seconds": round(time.monotonic() - began, 1),
    }


def markdown(result: dict) -> str:
    m = result["machine"]
    lines = [
        f"# Largest training batch per variant ({result['model_size']}, "
        f"{'one GPU' if result.get('device', 'cuda') == 'cuda' else 'CPU rehearsal'})",
        "",
        *[f"- `{command}`" for command in result["commands"]],
        "",
        f"Machine: {m['gpu'] or 'no GPU'}; {m['cpu']} ({m['cpu_count']} CPUs); torch {m['torch']}, "
        f"transformers {m['transformers']}. One training step per probe: bf16 autocast, backward, clipping, "
        "SGD with momentum."
        + (
            f" Rehearsal: out of memory faked above batch {result['fake_oom_above']}."
            if result["fake_oom_above"]
            else ""
        ),
        "",
        "| variant | gradient checkpointing | largest batch | first failing | search | peak at largest (MiB) "
        "| probes | seconds |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in result["rows"]:
        peak = row["peak_mib_at_largest"]
        lines.append(
            f"| {row['variant']} | {'yes' if row['gradient_checkpointing'] else 'no'} | {row['largest']} "
            f"| {row['first_failing'] if row['first_failing'] is not None else '-'} | {row['status']} "
            f"| {f'{peak:.0f}' if peak is not None else 'n/a'} | {len(row['probes'])} | {row['seconds']} |"
        )
    if result["skipped"]:
        lines += ["", "Not measured (out of --budget-s): " + ", ".join(result["skipped"]) + "."]
    return "\n".join(lines) + "\n"


def write(result: dict, stem: Path) -> None:
    stem.parent.mkdir(parents=True, exist_ok=True)
    stem.with_suffix(".json").write_text(json.dumps(result, indent=1))
    stem.with_suffix(".md").write_text(markdown(result))


def parse(argv: list[str] | None):
    parser = common.spellings_parser(description=__doc__.split("\n\n")[0])  # flags with hyphens or underscores
    parser.add_argument(
        "--device", default="cuda", choices=("cuda", "cpu"), help="cpu: a rehearsal, with --fake-oom-above"
    )
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=VARIANTS)
    parser.add_argument("--checkpointing", nargs="+", default=["off", "on"], choices=("off", "on"))
    parser.add_argument("--model-size", default="base", help="presets.MODEL_SIZES: base is ViViT-B/16x2, 32x224")
    parser.add_argument("--start", type=int, default=8, help="first batch of the doubling")
    parser.add_argument("--max-batch", type=int, default=4096)
    parser.add_argument("--tolerance", type=float, default=0.0, help="stop bisecting within this share (0: exact)")
    parser.add_argument("--fake-oom-above", type=int, default=None, help="CPU rehearsal: no batch above this fits")
    parser.add_argument("--budget-s", type=float, default=None, help="stop probing after this many seconds")
    parser.add_argument("--out-dir", type=Path, default=REPO / "benchmarks" / "results")
    parser.add_argument("--name", default=None, help="file stem (default: batch-limit-<device>)")
    parser.add_argument("--keep-existing", action="store_true", help="rows already in the JSON are not measured")
    options = parser.parse_args(argv)
    common.refuse_without_cuda(parser, options.device, REHEARSAL)
    if options.device == "cpu" and options.fake_oom_above is None:
        parser.error(
            "--device cpu has no memory limit to find (the batch would double until the machine's memory ran out): "
            f"give --fake-oom-above B for a rehearsal, e.g. {REHEARSAL}"
        )
    return options


def main(argv: list[str] | None = None) -> dict:
    argv = list(sys.argv[1:] if argv is None else argv)
    options = parse(argv)
    began = time.monotonic()
    deadline = None if options.budget_s is None else began + options.budget_s
    stem = options.out_dir / (options.name or f"batch-limit-{options.device}")
    rows, commands, skipped = [], [], []
    if options.keep_existing and stem.with_suffix(".json").exists():
        kept = json.loads(stem.with_suffix(".json").read_text())
        # an earlier step's rows it had no time for stay noted until measured (the issue 17 kit's second step, of
        # other variants, dropped the first step's note: the table read as if those rows were never asked for)
        rows, commands, skipped = kept["rows"], kept["commands"], list(kept.get("skipped", []))
    result = {
        "commands": [*commands, " ".join(["python", "benchmarks/batch_limit.py", *argv])],
        "machine": machine(options.device),
        "device": options.device,
        "model_size": options.model_size,
        "fake_oom_above": options.fake_oom_above,
        "rows": rows,
        "skipped": skipped,
    }
    done = {row_key(row) for row in rows}
    for variant in options.variants:
        for setting in options.checkpointing:
            key = (variant, setting == "on")
            if key in done:
                continue
            if deadline is not None and time.monotonic() >= deadline:
                if row_label(*key) not in skipped:
                    skipped.append(row_label(*key))
                continue
            row = measure_row(variant, key[1], options, deadline)
            if not row["probes"]:  # the budget ran out while the model was built: "largest batch 0, 0 probes" said
                if row_label(*key) not in skipped:  # it fitted nothing, where nothing was tried
                    skipped.append(row_label(*key))
                continue
            result["rows"].append(row)
            if row_label(*key) in skipped:  # measured now
                skipped.remove(row_label(*key))
            write(result, stem)
            print(json.dumps({k: v for k, v in result["rows"][-1].items() if k != "probes"}), flush=True)
    write(result, stem)
    print(markdown(result))
    return result


if __name__ == "__main__":
    main()
