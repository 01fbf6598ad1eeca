# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Speed, memory and multiply-accumulates of the four ViViT models beside transformers' `VivitModel`, lucidrains'
`vit-pytorch` ViViT, the paper (Table 2) and the machine's own dense-matmul peak, all measured in one run.

    python benchmarks/models.py                   # ViViT-B/16x2, 32x224x224, CPU, batch 1, 2 threads, fp32 + bf16
    python benchmarks/models.py --quick           # a smaller config: the same tables in a few minutes
    python benchmarks/models.py --device cuda     # GPU: bf16, batch 8, eager / sdpa / sdpa held to its flash kernel /
                                                  # flash_attention_2 if installed

Writes `models-<device>[-<size>].json`, `.md` and `.png` into `--out-dir` (default `benchmarks/results/`).
Ratios measured side by side in one run are the figures to compare; absolute times are context (a shared machine
is noisy, so every time is the median of `--repeats` runs). Needs the `bench` extra (`pip install -e .[bench]`) for
the lucidrains comparison; without `vit-pytorch` those rows are left out and say so.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import platform
import runpy
import statistics
import subprocess
import sys
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils.flop_counter import FlopCounterMode
from torch.utils.weak import WeakIdKeyDictionary

from vivit_hf import enable_cpu_fast_path
from vivit_hf.cpu_fast_path import onednn_linear_available
from vivit_hf.flag_spellings import SpellingsArgumentParser
from vivit_hf.models.modeling_vivit import VIVIT_MODELS

RESULTS_DIR = Path(__file__).resolve().parent / "results"


# benchmarks/ is not a package: common.py is run by its path (its docstring says why)
common = SimpleNamespace(**runpy.run_path(str(Path(__file__).with_name("common.py"))))

# ViViT-B/16x2 at 32x224x224 (paper Table 2) and a small stand-in with the same shape of computation.
BASE = dict(
    hidden_size=768,
    num_hidden_layers=12,
    num_attention_heads=12,
    intermediate_size=3072,
    num_frames=32,
    image_size=224,
    tubelet_size=[2, 16, 16],
    num_temporal_layers=4,
)
SIZES = {
    "b16x2": BASE,
    "quick": dict(
        hidden_size=384,
        num_hidden_layers=4,
        num_attention_heads=6,
        intermediate_size=1536,
        num_frames=8,
        image_size=112,
        tubelet_size=[2, 16, 16],
        num_temporal_layers=2,
    ),
    # for the test suite: checks the plumbing, times nothing worth reading
    "tiny": dict(
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        num_frames=4,
        image_size=32,
        tubelet_size=[2, 16, 16],
        num_temporal_layers=1,
    ),
}
NUM_LABELS = 400  # Kinetics-400

# Paper Table 2, ViViT-B/16x2: "GFLOPs" (which count multiply-accumulates), params, TPUv3 runtime.
PAPER = {
    "spatio_temporal": {"model": 1, "gmacs": 455.2, "params_m": 88.9, "runtime_ms": 58.9},
    "factorised_encoder": {"model": 2, "gmacs": 284.4, "params_m": 115.1, "runtime_ms": 17.4},
    "factorised_self_attention": {"model": 3, "gmacs": 372.3, "params_m": 117.3, "runtime_ms": 31.7},
    "factorised_dot_product": {"model": 4, "gmacs": 277.1, "params_m": 88.9, "runtime_ms": 22.9},
}
DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16}
# Timed attention columns, in table order: transformers' eager and sdpa, sdpa held to PyTorch's FlashAttention-2
# kernel (CUDA), and the flash-attn package's kernel where installed.
ATTENTION_COLUMNS = ["eager", "sdpa", "sdpa_flash", "flash_attention_2"]


# --------------------------------------------------------------------------------------------------- contenders
@dataclass
class Contender:
    """One model in the comparison. `build(attn)` returns a classifier taking `inputs(x)` and returning logits."""

    name: str
    family: str  # "vivit_hf", "transformers", "vit-pytorch"
    variant: str  # the paper's variant it implements
    build: Callable[[str], nn.Module]
    inputs: Callable[[torch.Tensor], dict] = lambda x: {"pixel_values": x}
    attn_implementations: tuple[str, ...] = ("eager", "sdpa", "sdpa_flash", "flash_attention_2")
    checkpointing: bool = True

    def logits(self, model: nn.Module, x: torch.Tensor) -> torch.Tensor:
        out = model(**self.inputs(x))
        return out if isinstance(out, torch.Tensor) else out.logits


def vivit_config(variant: str, size: dict, attn: str):
    config_class = VIVIT_MODELS[variant][0]
    fields = {k: v for k, v in size.items() if k != "num_temporal_layers" or variant == "factorised_encoder"}
    return config_class(**fields, num_labels=NUM_LABELS, attn_implementation=attn)


def ours(variant: str, size: dict, fast_path: bool = True) -> Contender:
    def build(attn):
        model = VIVIT_MODELS[variant][2](vivit_config(variant, size, attn))
        # the opt-in CPU fast path (fc1 + GELU in one oneDNN call); off the CPU it takes the plain ops
        return enable_cpu_fast_path(model) if fast_path else model

    if fast_path:
        return Contender(f"vivit_hf/{variant}", "vivit_hf", variant, build)
    # its own family: the goals and the paper comparison read the "vivit_hf" rows only
    return Contender(f"vivit_hf-plain/{variant}", "vivit_hf-plain", variant, build)


def transformers_config(size: dict, attn: str):
    from transformers import VivitConfig

    # scenic's (and our) GELU and LayerNorm eps, so the same weights give the same logits.
    return VivitConfig(
        **{k: v for k, v in size.items() if k != "num_temporal_layers"},
        hidden_act="gelu_pytorch_tanh",
        layer_norm_eps=1e-6,
        qkv_bias=True,
        num_labels=NUM_LABELS,
        attn_implementation=attn,
    )


def to_transformers_state_dict(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Our Model 1 classifier's weights under transformers 5's `VivitForVideoClassification` names (our fused qkv
    rows are q, then k, then v)."""
    renamed = {}
    for key, value in state.items():
        key = key.replace("vivit.token_embedding.", "vivit.embeddings.patch_embeddings.")
        key = key.replace("vivit.encoder.cls_token", "vivit.embeddings.cls_token")
        key = key.replace("vivit.encoder.position_embeddings", "vivit.embeddings.position_embeddings")
        key = key.replace("vivit.encoder.layernorm.", "vivit.layernorm.").replace(
            "vivit.encoder.layers.", "vivit.layers."
        )
        key = key.replace(".attention.proj.", ".attention.o_proj.")
        if ".attention.qkv." in key:
            for name, part in zip(("q_proj", "k_proj", "v_proj"), value.chunk(3, dim=0)):
                renamed[key.replace("qkv", name)] = part
            continue
        renamed[key] = value
    return renamed


def transformers_vivit(size: dict, weights_from: Callable[[], nn.Module]) -> Contender:
    def build(attn):
        from transformers import VivitForVideoClassification

        model = VivitForVideoClassification(transformers_config(size, attn))
        if not is_meta(model):
            model.load_state_dict(to_transformers_state_dict(weights_from().state_dict()), strict=True)
        return model

    return Contender("transformers/VivitModel", "transformers", "spatio_temporal", build)


def lucidrains(variant: str, size: dict) -> Contender:
    """lucidrains' `vit_pytorch.vivit.ViViT` at the same sizes: factorised encoder (CLS pooling, as our Model 2) or
    factorised self-attention (mean pooling, as our Model 3). Its `use_flash_attn` switch is its sdpa path."""

    def build(attn):
        from vit_pytorch.vivit import ViViT

        t, h, _ = size["tubelet_size"]
        encoder = variant == "factorised_encoder"
        return ViViT(
            image_size=size["image_size"],
            image_patch_size=h,
            frames=size["num_frames"],
            frame_patch_size=t,
            num_classes=NUM_LABELS,
            dim=size["hidden_size"],
            spatial_depth=size["num_hidden_layers"],
            temporal_depth=size["num_temporal_layers"] if encoder else size["num_hidden_layers"],
            heads=size["num_attention_heads"],
            dim_head=size["hidden_size"] // size["num_attention_heads"],
            mlp_dim=size["intermediate_size"],
            pool="cls" if encoder else "mean",
            variant="factorized_encoder" if encoder else "factorized_self_attention",
            use_flash_attn=attn != "eager",
        )

    return Contender(
        f"vit-pytorch/{variant}",
        "vit-pytorch",
        variant,
        build,
        inputs=lambda x: {"video": x.transpose(1, 2)},  # it wants (b, c, T, H, W)
        attn_implementations=("eager", "sdpa", "sdpa_flash"),
        checkpointing=False,
    )


def vit_pytorch_available() -> bool:
    try:
        import vit_pytorch.vivit  # noqa: F401
    except ImportError:
        return False
    return True


def flash_available(device: str) -> bool:
    from transformers.utils import is_flash_attn_2_available

    return device == "cuda" and is_flash_attn_2_available()


def attention_available(attn: str, device: str) -> bool:
    """eager and sdpa run anywhere; `sdpa_flash` (sdpa held to PyTorch's own FlashAttention-2 kernel, which needs
    no extra package) on CUDA; `flash_attention_2` (the flash-attn package) where it is installed."""
    if attn == "flash_attention_2":
        return flash_available(device)
    if attn == "sdpa_flash":
        return device == "cuda"
    return True


def attention_context(attn: str):
    """What a forward runs under: `sdpa_flash` is the sdpa model with every backend but flash switched off, so a
    size flash cannot take fails loudly instead of falling back to another kernel."""
    if attn == "sdpa_flash":
        from torch.nn.attention import SDPBackend, sdpa_kernel

        return sdpa_kernel([SDPBackend.FLASH_ATTENTION])
    return contextlib.nullcontext()


def maybe_compile(model: nn.Module, args) -> nn.Module:
    """`--compile`: every contender through `torch.compile` (default inductor settings), as a user would."""
    return torch.compile(model) if args.compile else model


def model_attention(attn: str) -> str:
    """The attention implementation a model is built with for a timed column."""
    return "sdpa" if attn == "sdpa_flash" else attn


# ------------------------------------------------------------------------------------------------ measurements
def synchronize(device: str):
    if device == "cuda":
        torch.cuda.synchronize()


def time_runs(fn: Callable[[], object], device: str, repeats: int, warmup: int, inner: int = 1) -> dict:
    """Median wall time of `repeats` calls after `warmup` unmeasured ones. On CUDA the time is read off device
    events around `inner` back-to-back calls (divided back), so short kernels are not drowned by launch and
    synchronisation overhead."""
    for _ in range(warmup):
        fn()
    synchronize(device)
    times = []
    for _ in range(repeats):
        if device == "cuda":
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            for _ in range(inner):
                fn()
            end.record()
            end.synchronize()
            times.append(start.elapsed_time(end) / 1e3 / inner)
        else:
            start = time.perf_counter()
            for _ in range(inner):
                fn()
            synchronize(device)
            times.append((time.perf_counter() - start) / inner)
    return {"median_s": statistics.median(times), "min_s": min(times), "times_s": times}


def autocast(device: str, dtype: str):
    return torch.autocast(device, dtype=torch.bfloat16, enabled=dtype == "bf16")


def count_macs(contender: Contender, batch: int, size: dict) -> tuple[int, int]:
    """(multiply-accumulates of one forward at `batch`, parameters), counted on the meta device: nothing is
    allocated or computed. `torch.utils.flop_counter` reports 2 FLOPs per multiply-accumulate."""
    with torch.device("meta"):
        model = contender.build("sdpa").eval()
        x = torch.empty(batch, size["num_frames"], 3, size["image_size"], size["image_size"])
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        contender.logits(model, x)
    return counter.get_total_flops() // 2, sum(p.numel() for p in model.parameters())


class PeakLiveTensorBytes(TorchDispatchMode):
    """Peak bytes held by live tensor storages while the mode is active, counted op by op: what CUDA's
    `max_memory_allocated` reports, without its allocator rounding, for devices (CPU) that keep no such figure.
    Tensors that exist beforehand are counted through `track`."""

    def __init__(self):
        super().__init__()
        self._seen = WeakIdKeyDictionary()
        self.current = 0
        self.peak = 0

    def _release(self, nbytes: int):
        self.current -= nbytes

    def track(self, tensor: torch.Tensor):
        if not isinstance(tensor, torch.Tensor) or tensor.device.type == "meta":
            return
        storage = tensor.untyped_storage()
        if storage in self._seen:
            return
        nbytes = storage.nbytes()
        self._seen[storage] = weakref.ref(storage, lambda _, n=nbytes: self._release(n))
        self.current += nbytes
        self.peak = max(self.peak, self.current)

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        for tensor in torch.utils._pytree.tree_leaves(out):
            self.track(tensor)
        return out


def make_train_step(
    contender: Contender, model: nn.Module, x: torch.Tensor, labels: torch.Tensor, device: str, dtype: str
):
    """One step as the recipes take it: forward (under autocast for bf16), cross-entropy, backward, SGD with
    momentum 0.9 (the paper's optimiser)."""
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)

    def step():
        optimizer.zero_grad(set_to_none=True)
        with autocast(device, dtype):
            logits = contender.logits(model, x)
        F.cross_entropy(logits.float(), labels).backward()
        optimizer.step()

    return step


def peak_training_memory(
    contender: Contender, model: nn.Module, x, labels, device: str, dtype: str, checkpointing: bool
) -> int:
    """Peak bytes of one training step from a fresh optimiser (parameters, gradients, momentum, activations)."""
    if checkpointing:
        common.enable_checkpointing(model)
    model.train()
    step = make_train_step(contender, model, x, labels, device, dtype)
    try:
        if device == "cuda":
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats()
            step()
            torch.cuda.synchronize()
            return torch.cuda.max_memory_allocated()
        tracker = PeakLiveTensorBytes()
        with tracker:
            for tensor in (*model.parameters(), *model.buffers(), x, labels):
                tracker.track(tensor)
            step()
        return tracker.peak
    finally:
        if checkpointing:
            model.activation_checkpointing_disable()


# ----------------------------------------------------------------------------------------------------- the run
def machine_description(device: str, threads: int) -> dict:
    cpu = platform.processor()
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout.splitlines():
            if line.startswith("Model name:"):
                cpu = line.split(":", 1)[1].strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    import transformers

    return {
        "cpu": cpu,
        "threads": threads,
        "device": device,
        "gpu": torch.cuda.get_device_name() if device == "cuda" else None,
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "python": platform.python_version(),
    }


def build_contenders(
    size: dict, models: list[str] | None, plain_too: bool = False
) -> tuple[list[Contender], list[str]]:
    contenders = [ours(variant, size) for variant in VIVIT_MODELS]
    model1 = contenders[0]
    build_model1, seeded = model1.build, {}

    def model1_weights():  # one random Model 1, built once: every Model 1 and transformers' copy get its weights
        if "model" not in seeded:
            torch.manual_seed(0)
            seeded["model"] = build_model1("sdpa")
        return seeded["model"]

    model1.build = lambda attn: _with_weights(build_model1(attn), model1_weights)
    contenders.append(transformers_vivit(size, model1_weights))
    if plain_too:  # the same models without the CPU fast path, timed in the same rounds (an interleaved A/B)
        contenders += [ours(variant, size, fast_path=False) for variant in VIVIT_MODELS]
    notes = []
    if vit_pytorch_available():
        contenders += [lucidrains("factorised_encoder", size), lucidrains("factorised_self_attention", size)]
    else:
        notes.append("vit-pytorch is not installed (pip install -e .[bench]): its rows are left out.")
    if models:
        contenders = [c for c in contenders if any(m in c.name for m in models)]
    return contenders, notes


def is_meta(model: nn.Module) -> bool:
    return next(model.parameters()).device.type == "meta"


def _with_weights(model: nn.Module, source: Callable[[], nn.Module]) -> nn.Module:
    if not is_meta(model):  # counting multiply-accumulates needs no weights
        model.load_state_dict(source().state_dict())
    return model


def run(args, progress: Callable[[dict], None] = lambda result: None) -> dict:
    device = args.device
    torch.set_num_threads(args.threads)
    size = SIZES[args.size]
    batch = args.batch or (8 if device == "cuda" else 1)
    dtypes = args.dtypes or (["bf16"] if device == "cuda" else ["fp32", "bf16"])
    contenders, notes = build_contenders(size, args.models, args.plain_too)
    tokens = (size["num_frames"] // size["tubelet_size"][0]) * (size["image_size"] // size["tubelet_size"][1]) ** 2
    result = {
        "command": " ".join(["python", "benchmarks/models.py", *args.argv]),
        "compiled": args.compile,
        "machine": machine_description(device, args.threads),
        "size_name": args.size,
        "size": size,
        "batch": batch,
        "dtypes": dtypes,
        "repeats": args.repeats,
        "notes": notes,
        "peak_matmul": {},
        "models": {},
    }
    log = print if not args.silent else (lambda *a, **k: None)
    # Other processes' load only adds time, and a load that lasts the whole run is not undone by taking the best of
    # --repeats rounds: the load average at start and end goes with the figures, and a warning when it exceeds the
    # threads this run uses.
    result["machine"]["load_average"] = {"start": common.load_average(), "end": None}
    result["machine"]["load_warnings"] = []
    note_load(result, "at start", args.threads)

    # Multiply-accumulates at the paper's size always (meta device: free), and at the benchmarked size.
    result["paper_comparison"] = paper_comparison()
    for contender in contenders:
        macs, params = count_macs(contender, batch, size)
        result["models"][contender.name] = {
            "family": contender.family,
            "variant": contender.variant,
            "params": params,
            "macs": macs,
            "forward": {},
            "train": {},
            "memory": {},
        }
    torch.manual_seed(0)
    x = torch.randn(batch, size["num_frames"], 3, size["image_size"], size["image_size"], device=device)
    labels = torch.randint(0, NUM_LABELS, (batch,), device=device)

    forward_rounds(contenders, result, x, size, batch, tokens, args, log)
    progress(result)
    for contender in contenders:
        entry = result["models"][contender.name]
        if not args.no_train:
            model = maybe_compile(contender.build("sdpa").to(device), args)
            model.train()
            for dtype in dtypes:
                step = make_train_step(contender, model, x, labels, device, dtype)
                timing = time_runs(step, device, max(1, args.train_repeats), args.warmup)
                entry["train"][dtype] = timing
                log(f"{contender.name:40s} train step sdpa {dtype}: {timing['median_s']:.3f} s")
            del model
        if not args.no_memory:
            model = contender.build("sdpa").to(device)
            for checkpointing in (False, True) if contender.checkpointing else (False,):
                key = "checkpointing" if checkpointing else "no_checkpointing"
                entry["memory"][key] = peak_training_memory(
                    contender, model, x, labels, device, dtypes[0], checkpointing
                )
                log(f"{contender.name:40s} peak training memory {key}: {entry['memory'][key] / 2**20:.0f} MiB")
            del model
        progress(result)  # a full-size CPU run takes long: keep what is measured so far

    result["machine"]["load_average"]["end"] = common.load_average()
    note_load(result, "at the end", args.threads)
    derive(result)
    return result


def note_load(result: dict, when: str, threads: int) -> None:
    """The overload warning (benchmarks/common.py) for the load average just recorded, printed and kept."""
    load = result["machine"]["load_average"]["start" if when == "at start" else "end"]
    warning = common.overload_warning(load, threads, when)
    if warning:
        print(warning, file=sys.stderr, flush=True)
        result["machine"]["load_warnings"].append(warning)


def forward_rounds(contenders, result, x, size, batch, tokens, args, log):
    """Forward latency of every contender and the dense-matmul peak, measured round-robin: each round times every
    model once and the matmul, so a machine whose load changes during the run slows them all alike and the ratios
    between them hold. Each figure is the median over `--repeats` rounds, after `--warmup` unmeasured ones."""
    device, dtypes = args.device, result["dtypes"]
    rows, width = batch * tokens, size["hidden_size"]
    operands = {
        d: (
            torch.randn(rows, width, dtype=DTYPES[d], device=device),
            torch.randn(width, 4 * width, dtype=DTYPES[d], device=device),
        )
        for d in dtypes
    }
    impls = sorted(
        {
            a
            for c in contenders
            for a in c.attn_implementations
            if attention_available(a, device) and (not args.attn or a in args.attn)
        },
        key=ATTENTION_COLUMNS.index,
    )
    peak_times = {d: [] for d in dtypes}
    for attn in impls:
        models = {
            c.name: (c, maybe_compile(c.build(model_attention(attn)).to(device).eval(), args))
            for c in contenders
            if attn in c.attn_implementations
        }
        if attn == "sdpa" and "vivit_hf/spatio_temporal" in models:
            contender, model = models["vivit_hf/spatio_temporal"]
            result["same_weights"] = same_weights_check(contender, model, x, size, device)
        times = {(name, d): [] for name in models for d in dtypes}
        for round_index in range(args.warmup + args.repeats):
            for dtype in dtypes:
                peak = dense_matmul_time(*operands[dtype], device)
                for name, (contender, model) in models.items():
                    with torch.no_grad(), autocast(device, dtype), attention_context(attn):
                        elapsed = time_runs(lambda c=contender, m=model: c.logits(m, x), device, repeats=1, warmup=0)[
                            "median_s"
                        ]
                    if round_index >= args.warmup:
                        times[name, dtype].append(elapsed)
                        log(
                            f"round {round_index - args.warmup + 1}: {name:40s} forward {attn:18s} {dtype}: "
                            f"{elapsed:.3f} s"
                        )
                if round_index >= args.warmup:
                    peak_times[dtype].append(peak)
        for (name, dtype), values in times.items():
            result["models"][name]["forward"].setdefault(attn, {})[dtype] = {
                "median_s": statistics.median(values),
                "min_s": min(values),
                "times_s": values,
            }
        del models
    flops = 2 * rows * width * 4 * width
    for dtype, values in peak_times.items():
        result["peak_matmul"][dtype] = {
            "shape": [rows, width, 4 * width],
            "gflops_per_s": flops / statistics.median(values) / 1e9,
            "best_gflops_per_s": flops / min(values) / 1e9,
            "times_s": values,
        }
        log(f"matmul peak {dtype}: {result['peak_matmul'][dtype]['gflops_per_s']:.0f} GFLOP/s")


def dense_matmul_time(a: torch.Tensor, b: torch.Tensor, device: str) -> float:
    """Median seconds of `a @ b`; on the CPU, of the faster of MKL's GEMM (`a @ b`) and oneDNN's Linear (the kernel
    of the CPU fast path): on AMD CPUs MKL's fp32 GEMM runs at about half of oneDNN's, and the peak is what the
    machine can attain, not what one library reaches."""
    times = [time_runs(lambda: a @ b, device, repeats=5, warmup=1, inner=20 if device == "cuda" else 1)["median_s"]]
    if device == "cpu" and onednn_linear_available():
        weight = b.t().contiguous()  # (out, in), as a Linear holds it
        linear = torch.ops.mkldnn._linear_pointwise
        times.append(
            time_runs(lambda: linear(a, weight, None, "none", [], ""), device, repeats=5, warmup=1)["median_s"]
        )
    return min(times)


def same_weights_check(ours_contender: Contender, ours_model, x, size, device) -> dict:
    """transformers' `VivitForVideoClassification` fed our Model 1's weights gives our logits (fp32)."""
    ours_model = getattr(ours_model, "_orig_mod", ours_model)  # under --compile, the module torch.compile wraps
    theirs = transformers_vivit(size, lambda: ours_model).build("sdpa").to(device).eval()
    # Full fp32 on a GPU too: cuDNN would run transformers' Conv3d in TF32 (10-bit mantissa), our matmul in fp32.
    with torch.no_grad(), torch.backends.cudnn.flags(enabled=True, allow_tf32=False):
        difference = (ours_contender.logits(ours_model, x) - theirs(pixel_values=x).logits).abs().max().item()
    return {"max_abs_logit_difference_fp32": difference}


def paper_comparison() -> dict:
    """Our multiply-accumulates and parameters at ViViT-B/16x2, 32x224x224, batch 1, beside paper Table 2."""
    rows = {}
    for variant, paper in PAPER.items():
        macs, params = count_macs(ours(variant, BASE), 1, BASE)
        rows[variant] = {
            "paper_model": paper["model"],
            "paper_gmacs": paper["gmacs"],
            "gmacs": macs / 1e9,
            "gmacs_relative_difference": macs / 1e9 / paper["gmacs"] - 1,
            "paper_params_m": paper["params_m"],
            "params_m": params / 1e6,
            "paper_speedup_over_model1": PAPER["spatio_temporal"]["runtime_ms"] / paper["runtime_ms"],
        }
    return rows


def derive(result: dict):
    """Rates, fractions of the matmul peak, ratios and the issue's goals, from the raw figures."""
    batch = result["batch"]
    for entry in result["models"].values():
        for per_dtype in entry["forward"].values():
            for dtype, timing in per_dtype.items():
                # Load from other processes only ever adds time, so the fastest run and the fastest matmul are
                # the estimates of what the machine does when quiet; the medians are kept beside them.
                timing["clips_per_s"] = batch / timing["median_s"]
                timing["gflops_per_s"] = 2 * entry["macs"] / timing["min_s"] / 1e9
                timing["fraction_of_matmul_peak"] = (
                    timing["gflops_per_s"] / result["peak_matmul"][dtype]["best_gflops_per_s"]
                )
        for timing in entry["train"].values():
            timing["clips_per_s"] = batch / timing["median_s"]
        memory = entry["memory"]
        if "checkpointing" in memory:
            memory["checkpointing_reduction"] = memory["no_checkpointing"] / memory["checkpointing"]
    models = result["models"]
    model1 = models.get("vivit_hf/spatio_temporal")
    for variant, row in result["paper_comparison"].items():
        mine = models.get(f"vivit_hf/{variant}")
        if model1 and mine:
            # sdpa (fused attention) and eager (the attention map materialised, as XLA ran it for the paper)
            for attn, key in (("sdpa", "speedup_over_model1"), ("eager", "speedup_over_model1_eager")):
                row[key] = {
                    dtype: model1["forward"][attn][dtype]["min_s"] / mine["forward"][attn][dtype]["min_s"]
                    for dtype in result["dtypes"]
                    if dtype in mine["forward"].get(attn, {}) and dtype in model1["forward"].get(attn, {})
                }
    result["goals"] = goals(result)


def best_forward(entry: dict, dtype: str) -> tuple[str, dict] | None:
    """The fastest attention implementation's forward for one dtype."""
    options = [(attn, per[dtype]) for attn, per in entry["forward"].items() if dtype in per]
    return min(options, key=lambda item: item[1]["min_s"]) if options else None


def goals(result: dict) -> list[dict]:
    """The issue's goals, each with the measured figure and whether it is met in this run."""
    models, rows = result["models"], []
    dtypes = result["dtypes"]
    thresholds = {"fp32": 0.90, "bf16": 0.70}
    for name, entry in models.items():
        if entry["family"] != "vivit_hf":
            continue
        for dtype in dtypes:
            best = best_forward(entry, dtype)
            if best:
                fraction = best[1]["fraction_of_matmul_peak"]
                rows.append(
                    {
                        "goal": f"{name} forward >= {thresholds[dtype]:.0%} of the {dtype} matmul peak",
                        "measured": f"{fraction:.0%} ({best[0]})",
                        "met": fraction >= thresholds[dtype],
                    }
                )
    ours1, theirs = models.get("vivit_hf/spatio_temporal"), models.get("transformers/VivitModel")
    if ours1 and theirs:
        for dtype, wanted in (("fp32", 1.15), ("bf16", 2.0)):
            if dtype in dtypes:
                ratio = best_forward(theirs, dtype)[1]["min_s"] / best_forward(ours1, dtype)[1]["min_s"]
                rows.append(
                    {
                        "goal": f"Model 1 forward >= {wanted}x transformers' VivitModel ({dtype}, best "
                        "attention of each)",
                        "measured": f"{ratio:.2f}x",
                        "met": ratio >= wanted,
                    }
                )
    for variant in ("factorised_encoder", "factorised_self_attention"):
        mine, other = models.get(f"vivit_hf/{variant}"), models.get(f"vit-pytorch/{variant}")
        if mine and other:
            for dtype in dtypes:
                ratio = best_forward(other, dtype)[1]["min_s"] / best_forward(mine, dtype)[1]["min_s"]
                rows.append(
                    {
                        "goal": f"{variant} forward at least as fast as vit-pytorch's ({dtype})",
                        "measured": f"{ratio:.2f}x",
                        "met": ratio >= 1.0,
                    }
                )
    if result["machine"].get("gpu"):  # the paper's TPU speed ratios are the GPU goal
        for variant, row in result["paper_comparison"].items():
            for attn, key in (("sdpa", "speedup_over_model1"), ("eager", "speedup_over_model1_eager")):
                for dtype, ratio in row.get(key, {}).items():
                    if variant != "spatio_temporal":
                        rows.append(
                            {
                                "goal": f"{variant} speed-up over Model 1 >= the paper's "
                                f"{row['paper_speedup_over_model1']:.2f}x ({dtype}, {attn}, GPU)",
                                "measured": f"{ratio:.2f}x",
                                "met": ratio >= row["paper_speedup_over_model1"],
                            }
                        )
    for name, entry in models.items():
        reduction = entry["memory"].get("checkpointing_reduction")
        if reduction is not None and entry["family"] == "vivit_hf":
            rows.append(
                {
                    "goal": f"{name}: gradient checkpointing cuts peak training memory >= 3x",
                    "measured": f"{reduction:.2f}x",
                    "met": reduction >= 3.0,
                }
            )
    for variant, row in result["paper_comparison"].items():
        rows.append(
            {
                "goal": f"{variant} multiply-accumulates within 3% of the paper's {row['paper_gmacs']} G",
                "measured": f"{row['gmacs']:.1f} G ({row['gmacs_relative_difference']:+.1%})",
                "met": abs(row["gmacs_relative_difference"]) <= 0.03,
            }
        )
    return rows


# --------------------------------------------------------------------------------------------------- reporting
def title(result: dict) -> str:
    name = "ViViT-B/16x2, 32x224x224" if result["size_name"] == "b16x2" else f"{result['size_name']} config"
    return name + (", torch.compile" if result.get("compiled") else "")


def load_lines(machine: dict) -> list[str]:
    """The load average the run started and ended with, and any warning about it (none in results from before
    they were recorded)."""
    load = machine.get("load_average")
    if not load:
        return []
    lines = [
        "",
        f"Load average (1, 5, 15 min): {common.format_load(load['start'])} at start, "
        f"{common.format_load(load['end'])} at the end.",
    ]
    return lines + [f"**{warning[0].upper()}{warning[1:]}.**" for warning in machine.get("load_warnings", [])]


def markdown(result: dict) -> str:
    size, batch = result["size"], result["batch"]
    machine = result["machine"]
    lines = [
        f"# Model benchmarks ({title(result)})",
        "",
        f"`{result['command']}`",
        "",
        f"Machine: {machine['gpu'] or machine['cpu']}"
        f"{'' if machine['gpu'] else ', ' + str(machine['threads']) + ' threads'}; torch {machine['torch']}, "
        f"transformers {machine['transformers']}. Input {batch} x {size['num_frames']} x 3 x {size['image_size']} x "
        f"{size['image_size']}, hidden {size['hidden_size']}, {size['num_hidden_layers']} layers. Times are medians "
        f"of {result['repeats']} rounds, each round timing every model and the matmul once (round-robin). Forward "
        "cells read best (median) seconds; rates, % of peak and ratios use the best run and the best matmul, as "
        "load from other processes only adds time.",
        *load_lines(machine),
        "",
    ]
    lines += ["| dtype | dense matmul (CPU: the faster of MKL and oneDNN), best (GFLOP/s) | median |", "|---|---|---|"]
    lines += [
        f"| {d} | {p['best_gflops_per_s']:.0f} | {p['gflops_per_s']:.0f} |" for d, p in result["peak_matmul"].items()
    ]
    lines += [""]
    for dtype in result["dtypes"]:
        lines += [
            f"## Forward, {dtype}{' (autocast)' if dtype == 'bf16' else ''}",
            "",
            "| model | params (M) | GMACs | eager (s) | sdpa (s) | flash (s) | clips/s (median) | % of matmul peak |"
            " train step (s) |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for name, entry in result["models"].items():

            def cell(attn, entry=entry, dtype=dtype):
                timing = entry["forward"].get(attn, {}).get(dtype)
                return f"{timing['min_s']:.3g} ({timing['median_s']:.3g})" if timing else "-"

            def flash_cell():  # the flash-attn package where it ran, else sdpa held to PyTorch's flash kernel
                package = cell("flash_attention_2")
                return package if package != "-" else cell("sdpa_flash")

            best = best_forward(entry, dtype)
            train = entry["train"].get(dtype)
            lines.append(
                f"| {name} | {entry['params'] / 1e6:.1f} | {entry['macs'] / 1e9:.1f} | {cell('eager')} | {cell('sdpa')}"
                f" | {flash_cell()} | {best[1]['clips_per_s']:.2f} | "
                f"{best[1]['fraction_of_matmul_peak']:.0%} | {format(train['median_s'], '.3g') if train else '-'} |"
                if best
                else f"| {name} | - | - | - | - | - | - | - | - |"
            )
        lines.append("")
    if any(entry["memory"] for entry in result["models"].values()):
        lines += [
            f"## Peak training memory ({result['dtypes'][0]}, one SGD step)",
            "",
            "| model | no checkpointing (MiB) | gradient checkpointing (MiB) | reduction |",
            "|---|---|---|---|",
        ]
        for name, entry in result["models"].items():
            memory = entry["memory"]
            if memory:
                with_ckpt = memory.get("checkpointing")
                lines.append(
                    f"| {name} | {memory['no_checkpointing'] / 2**20:.0f} | "
                    f"{format(with_ckpt / 2**20, '.0f') if with_ckpt else '-'} | "
                    f"{format(memory.get('checkpointing_reduction', 0), '.2f') + 'x' if with_ckpt else '-'} |"
                )
        lines.append("")
    lines += [
        "## Against the paper (ViViT-B/16x2, Table 2)",
        "",
        "| model | paper GMACs | ours | difference | paper params (M) | ours | paper speed-up over Model 1 (TPUv3) | "
        + " | ".join(f"ours ({d}, {a})" for a in ("sdpa", "eager") for d in result["dtypes"])
        + " |",
        "|---|---|---|---|---|---|---|" + "---|" * 2 * len(result["dtypes"]),
    ]
    for variant, row in result["paper_comparison"].items():
        speedups = {
            (a, d): v
            for a, key in (("sdpa", "speedup_over_model1"), ("eager", "speedup_over_model1_eager"))
            for d, v in row.get(key, {}).items()
        }
        lines.append(
            f"| {row['paper_model']} {variant} | {row['paper_gmacs']} | {row['gmacs']:.1f} | "
            f"{row['gmacs_relative_difference']:+.1%} | {row['paper_params_m']} | {row['params_m']:.1f} | "
            f"{row['paper_speedup_over_model1']:.2f}x | "
            + " | ".join(
                f"{speedups[a, d]:.2f}x" if (a, d) in speedups else "-"
                for a in ("sdpa", "eager")
                for d in result["dtypes"]
            )
            + " |"
        )
    lines += ["", "## Goals (issue 7)", "", "| goal | measured | met |", "|---|---|---|"]
    lines += [f"| {g['goal']} | {g['measured']} | {'yes' if g['met'] else 'no'} |" for g in result["goals"]]
    if "same_weights" in result:
        lines += [
            "",
            "transformers' model fed our Model 1 weights: max |logit difference| "
            f"{result['same_weights']['max_abs_logit_difference_fp32']:.2e} (fp32).",
        ]
    lines += ["", *[f"Note: {n}" for n in result["notes"]]]
    return "\n".join(lines) + "\n"


def plot(result: dict, path: Path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(result["models"])
    fig, axes = plt.subplots(1, 2, figsize=(13, 0.45 * len(names) + 2.5), sharey=True)
    height = 0.8 / len(result["dtypes"])
    for i, dtype in enumerate(result["dtypes"]):
        best = [best_forward(result["models"][n], dtype) for n in names]
        positions = [k + i * height for k in range(len(names))]
        axes[0].barh(positions, [b[1]["min_s"] if b else 0 for b in best], height, label=dtype)
        axes[1].barh(positions, [100 * b[1]["fraction_of_matmul_peak"] if b else 0 for b in best], height, label=dtype)
    axes[0].set_yticks([k + 0.4 - height / 2 for k in range(len(names))], names)
    axes[0].invert_yaxis()
    axes[0].set_xlabel(f"forward latency, batch {result['batch']} (s, best run, best attention implementation)")
    axes[1].set_xlabel("% of the dense-matmul peak measured in the same run")
    axes[1].axvline(100, color="grey", linewidth=0.8)
    for ax in axes:
        ax.legend()
    machine = result["machine"]
    fig.suptitle(
        f"{title(result)} on {machine['gpu'] or machine['cpu'] + ' (' + str(machine['threads']) + ' threads)'}"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def parse_args(argv: list[str] | None = None):
    parser = SpellingsArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--size",
        choices=list(SIZES),
        default="b16x2",
        help="b16x2: ViViT-B/16x2 at 32x224x224 (default); quick: hidden 384, 4 layers, 8x112x112; "
        "tiny: the test suite's plumbing check",
    )
    parser.add_argument("--quick", action="store_const", dest="size", const="quick", help="same as --size quick")
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--threads", type=int, default=2, help="torch intra-op threads (default 2)")
    parser.add_argument("--batch", type=int, default=None, help="default 1 on CPU, 8 on CUDA")
    parser.add_argument(
        "--dtypes",
        nargs="+",
        choices=list(DTYPES),
        default=None,
        help="default fp32 and bf16 (autocast) on CPU, bf16 on CUDA",
    )
    parser.add_argument(
        "--models",
        nargs="+",
        default=None,
        help="keep only contenders whose name contains one of these, e.g. spatio_temporal VivitModel",
    )
    parser.add_argument(
        "--attn",
        nargs="+",
        choices=ATTENTION_COLUMNS,
        default=None,
        help="attention implementations to time (default: every one available)",
    )
    parser.add_argument(
        "--repeats", type=int, default=3, help="timed rounds of forwards (each round times every model once)"
    )
    parser.add_argument("--train-repeats", type=int, default=2, help="timed training steps per measurement (median)")
    parser.add_argument("--warmup", type=int, default=1, help="unmeasured rounds (and training steps) first")
    parser.add_argument(
        "--compile",
        action="store_true",
        help="time every contender through torch.compile (results saved as ...-compiled.*)",
    )
    parser.add_argument("--no-train", action="store_true", help="skip the training-step timings")
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-training-memory measurements")
    parser.add_argument(
        "--plain-too",
        action="store_true",
        help="also time our four models without the opt-in CPU fast path (rows vivit_hf-plain/...), same rounds",
    )
    parser.add_argument("--out-dir", type=Path, default=RESULTS_DIR)
    parser.add_argument(
        "--name",
        default=None,
        help="file stem of the results (default models-<device>[-<size>][-compiled]); a rerun under another name "
        "leaves the committed results as they are",
    )
    parser.add_argument("--silent", action="store_true", help="print nothing but the output paths")
    parser.add_argument(
        "--from-json",
        type=Path,
        nargs="+",
        default=None,
        help="measure nothing: rebuild the tables and plot from these results (the first one, with "
        "the training and memory figures of the others merged in)",
    )
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    if args.device == "cuda" and not torch.cuda.is_available():
        parser.error("--device cuda: no CUDA device is available")
    return args


def merge_results(paths: list[Path]) -> dict:
    """The first result, with the training and memory figures of later runs at the same size filled in (a long CPU
    run can be split: forward timings in one, `--models ... --no-train` memory in another), and the contenders only
    a later run measured added whole."""
    result = json.loads(paths[0].read_text())
    for path in paths[1:]:
        other = json.loads(path.read_text())
        if other["size"] != result["size"]:
            raise ValueError(f"{path} was measured at another size than {paths[0]}: {other['size']}")
        for name, entry in other["models"].items():
            if name not in result["models"]:  # a contender only the later run measured: taken whole
                result["models"][name] = entry
                continue
            for key in ("train", "memory"):
                if entry[key] and name in result["models"]:
                    result["models"][name][key].update(entry[key])
        result["command"] += f" + {other['command']}"
    derive(result)
    return result


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    stem = args.out_dir / (
        args.name
        or f"models-{args.device}{'' if args.size == 'b16x2' else '-' + args.size}{'-compiled' if args.compile else ''}"
    )
    if args.from_json:
        result = merge_results(args.from_json)
    else:
        partial = stem.with_name(stem.name + ".partial.json")
        result = run(args, progress=lambda raw: partial.write_text(json.dumps(raw, indent=1)))
        partial.unlink(missing_ok=True)
    stem.with_name(stem.name + ".json").write_text(json.dumps(result, indent=1))
    stem.with_name(stem.name + ".md").write_text(markdown(result))
    plot(result, stem.with_name(stem.name + ".png"))
    print("\n".join(str(stem.with_name(stem.name + s)) for s in (".json", ".md", ".png")))
    return result


if __name__ == "__main__":
    main()
