# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Where a CPU forward of Models 1 and 2 goes (ViViT-B/16x2, 32x224x224, batch 1): the attention kernel against the
Linears, fp32 and bf16 autocast, with the opt-in CPU fast path on, from torch's profiler.

    python benchmarks/cpu_profile.py benchmarks/results/cpu-profile.json
"""

from __future__ import annotations

import json
import os
import time

import torch
from torch.profiler import ProfilerActivity, profile

import vivit_hf
from vivit_hf.flag_spellings import SpellingsArgumentParser

VARIANTS = {
    "spatio_temporal": (vivit_hf.ViViTSpatioTemporalConfig, vivit_hf.ViViTSpatioTemporalForVideoClassification),
    "factorised_encoder": (
        vivit_hf.ViViTFactorisedEncoderConfig,
        vivit_hf.ViViTFactorisedEncoderForVideoClassification,
    ),
}


# kineto, torch's profiler, writes a line at each start and stop (`USDT: ... profiler_start`) and, on a machine without
# a GPU, `ERROR: ... gpuGetDeviceCount failed with code 35` to stderr, noise around the figures this prints. It reads
# its level once, as the process's first profile starts (set after that, it silenced nothing), so here, before any;
# 6 is above its ERROR. A level set by the caller is kept; it is this process's, not the shell's.
os.environ.setdefault("KINETO_LOG_LEVEL", "6")


def profile_forward(model, x: torch.Tensor, dtype: str) -> dict:
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=dtype == "bf16"):
        model(pixel_values=x)  # warm-up: oneDNN picks its kernels on the first call
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            start = time.perf_counter()
            model(pixel_values=x)
            total = time.perf_counter() - start
    self_seconds = {e.key: e.self_cpu_time_total / 1e6 for e in prof.key_averages()}
    attention = sum(v for k, v in self_seconds.items() if "flash_attention" in k or k == "aten::_softmax")
    linear = sum(v for k, v in self_seconds.items() if k in ("mkldnn::_linear_pointwise", "aten::addmm", "aten::mm"))
    return {
        "total_s": total,
        "attention_s": attention,
        "linear_s": linear,
        "top_ops_self_s": sorted(self_seconds.items(), key=lambda kv: -kv[1])[:8],
    }


def main(argv=None) -> dict:
    parser = SpellingsArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", help="JSON file to write")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    x = torch.randn(1, 32, 3, 224, 224)
    result = {"torch": torch.__version__, "threads": args.threads}
    for variant, (config_class, model_class) in VARIANTS.items():
        model = model_class(config_class(num_labels=400, attn_implementation="sdpa")).eval()
        vivit_hf.enable_cpu_fast_path(model)
        for dtype in ("fp32", "bf16"):
            row = result[f"{variant} {dtype}"] = profile_forward(model, x, dtype)
            print(
                f"{variant} {dtype}: {row['total_s']:.2f} s, attention {row['attention_s']:.2f} s, "
                f"linears {row['linear_s']:.2f} s"
            )
    with open(args.out, "w") as handle:
        json.dump(result, handle, indent=1)
    return result


if __name__ == "__main__":
    main()
