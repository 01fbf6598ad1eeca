# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""What several benchmark scripts share: the machine's load average (and whether it makes a timing untrustworthy),
the refusal of a GPU benchmark where no CUDA device is, counted nouns, and what a GPU script whose budget is spent
needs without importing torch (its flags' parser, torch's version).

benchmarks/ is not a package: the scripts run this file by its path (`runpy.run_path`), so that it does not need
benchmarks/ on sys.path, where their `models`, `mask` or `recipe` would shadow other modules of those names.
"""

from __future__ import annotations

import importlib.util
import os
import runpy
from pathlib import Path

# Set by `benchmarks/issue17_gpu.sh` when ISSUE17_NO_GPU_CHECK=1 (its tests): the GPU scripts then parse the GPU
# flags on a machine without one, given a budget too small to measure anything.
NO_CUDA_CHECK = "VIVIT_BENCH_NO_CUDA_CHECK"


def load_average() -> list[float]:
    """The 1, 5 and 15-minute load averages, rounded to hundredths."""
    return [round(x, 2) for x in os.getloadavg()]


def format_load(load: list[float] | None) -> str:
    return "n/a" if load is None else " ".join(f"{x:.2f}" for x in load)


def overload_warning(load: list[float] | None, threads: int, when: str) -> str | None:
    """A warning when the 1-minute load average exceeds the threads a timing uses: other processes then share the
    cores it runs on, and its figures are not to be trusted (a best-of-N does not help when the load lasts the whole
    run). None otherwise."""
    if load is None or load[0] <= threads:
        return None
    return (
        f"warning: the 1-minute load average {when} was {load[0]:.2f}, above the {threads} threads this run uses: "
        "other processes share the CPU, so these timings are not trustworthy"
    )


def refuse_without_cuda(parser, device: str, rehearsal: str) -> None:
    """argparse's error (usage, one line, exit status 2) for `--device cuda` where torch sees no CUDA device, before
    anything is built: a GPU benchmark does not fall back to a full-size run on the CPU. `rehearsal` is the command
    that rehearses it on the CPU."""
    if device != "cuda" or os.environ.get(NO_CUDA_CHECK) == "1":
        return
    import torch

    if not torch.cuda.is_available():
        parser.error(
            "--device cuda: no CUDA device is available, and this benchmark measures a GPU (--device is cuda unless "
            f"given); rehearse it on the CPU with: {rehearsal}"
        )


def counted(number: int, noun: str) -> str:
    """`1 worker`, `4 workers`."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def enable_checkpointing(model) -> None:
    """Activation checkpointing on every layer. transformers 5.25 named it `activation_checkpointing_enable` and
    deprecated `gradient_checkpointing_enable`; earlier 5.x (5.17 on this workplace's GPU image) has only the old
    name, and setup.cfg accepts any 5.x."""
    enable = getattr(model, "activation_checkpointing_enable", None) or model.gradient_checkpointing_enable
    enable()


def spellings_parser(**kwargs):
    """vivit_hf's `SpellingsArgumentParser` (flags with hyphens or underscores), its module run by its path: importing
    `vivit_hf.flag_spellings` imports vivit_hf, torch and transformers (6 s of CPU), which a GPU script whose
    `--budget-s` is already spent never needs (it writes that it skipped everything, and ends)."""
    path = Path(__file__).resolve().parents[1] / "vivit_hf" / "flag_spellings.py"
    return runpy.run_path(str(path))["SpellingsArgumentParser"](**kwargs)


def torch_version() -> str:
    """`torch.__version__`, without importing torch (2 s of CPU): its local part too (`2.14.1+cu130`), which the
    wheel's metadata (`importlib.metadata.version`) leaves out."""
    folder = importlib.util.find_spec("torch").submodule_search_locations[0]
    return runpy.run_path(str(Path(folder) / "version.py"))["__version__"]
