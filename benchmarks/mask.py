# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Clips of different lengths: a padded batch with `attention_mask` against running the clips one by one, and what
the mask code costs the common fixed-length batch. Clips per second, eval forward, all four variants.

    python benchmarks/mask.py [--device cpu|cuda] [--size small|base] [--repeats 5] [--out benchmarks/results/mask-cpu]

Rows per variant:
  mixed, padded batch     the clips (lengths --lengths) padded to the longest, one forward with the frame mask
  mixed, one by one       each clip alone at its own length (no padding, batch 1)
  fixed, no mask          a full batch of full-length clips, `attention_mask` not passed
  fixed, full mask        the same batch with an all-ones mask (dropped after one check: the unmasked kernels run)
  fixed, masked kernels   the same batch forced through the masked path (additive key mask on every attention)
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

import torch

import vivit_hf
from vivit_hf import VIVIT_MODELS
from vivit_hf.flag_spellings import SpellingsArgumentParser

SIZES = {
    "small": dict(hidden_size=384, num_hidden_layers=6, num_attention_heads=6, intermediate_size=1536),
    "base": dict(hidden_size=768, num_hidden_layers=12, num_attention_heads=12, intermediate_size=3072),
    "tiny": dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64),
}


def timed(fn, repeats: int, warmup: int = 1) -> float:
    """Median seconds per call."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        start = time.perf_counter()
        fn()
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run_variant(name: str, args) -> dict:
    config_class, _, classifier_class = VIVIT_MODELS[name]
    config = config_class(
        num_frames=args.frames, image_size=args.image_size, num_labels=400, **SIZES[args.size], **args.extra
    )
    torch.manual_seed(0)
    model = classifier_class(config).eval().to(args.device)
    lengths = args.lengths
    frames = max(lengths)
    videos = torch.randn(len(lengths), frames, 3, args.image_size, args.image_size, device=args.device)
    mask = (torch.arange(frames, device=args.device)[None] < torch.tensor(lengths, device=args.device)[:, None]).long()
    full = torch.ones_like(mask)
    backbone = model.vivit
    original = type(backbone).tubelet_mask

    def forced(self, attention_mask, pixel_values, grid):  # keep an all-ones mask: the masked kernels run
        t, kt = grid[0], self.config.tubelet_size[0]
        return attention_mask[:, : t * kt].bool().reshape(attention_mask.shape[0], t, kt).all(dim=-1)

    rows = {}
    with torch.inference_mode():
        rows["mixed, padded batch"] = timed(lambda: model(pixel_values=videos, attention_mask=mask), args.repeats)
        rows["mixed, one by one"] = timed(
            lambda: [model(pixel_values=videos[i : i + 1, :n]) for i, n in enumerate(lengths)], args.repeats
        )
        rows["fixed, no mask"] = timed(lambda: model(pixel_values=videos), args.repeats)
        rows["fixed, full mask"] = timed(lambda: model(pixel_values=videos, attention_mask=full), args.repeats)
        type(backbone).tubelet_mask = forced
        try:
            rows["fixed, masked kernels"] = timed(lambda: model(pixel_values=videos, attention_mask=full), args.repeats)
        finally:
            type(backbone).tubelet_mask = original
    return {row: len(lengths) / seconds for row, seconds in rows.items()}  # clips per second


def main(argv=None) -> dict:
    parser = SpellingsArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--size", default="small", choices=sorted(SIZES))
    parser.add_argument("--frames", type=int, default=16)
    parser.add_argument("--image-size", type=int, default=112)
    parser.add_argument("--lengths", type=int, nargs="+", default=[16, 12, 8, 4, 16, 10, 6, 14])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--attn", default="sdpa", choices=["eager", "sdpa"])
    parser.add_argument("--variants", nargs="+", default=list(VIVIT_MODELS))
    parser.add_argument("--out", default=None, help="write OUT.json and OUT.md")
    args = parser.parse_args(argv)
    args.extra = {"attn_implementation": args.attn}
    if max(args.lengths) > args.frames:
        parser.error("--lengths must not exceed --frames")
    results = {
        "device": args.device,
        "size": args.size,
        "frames": args.frames,
        "image_size": args.image_size,
        "lengths": args.lengths,
        "attn_implementation": args.attn,
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "vivit_hf": vivit_hf.__version__,
        "clips_per_second": {},
    }
    for name in args.variants:
        results["clips_per_second"][name] = run_variant(name, args)
        print(name, {k: round(v, 2) for k, v in results["clips_per_second"][name].items()}, flush=True)
    if args.out:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n")
        out.with_suffix(".md").write_text(markdown(results))
    return results


def markdown(results: dict) -> str:
    table = results["clips_per_second"]
    rows = list(next(iter(table.values())))
    lines = [
        f"Clips per second, eval forward ({results['device']}, {results['size']}, {results['frames']}x"
        f"{results['image_size']}x{results['image_size']}, {results['attn_implementation']}, "
        f"{results['threads']} threads, lengths {results['lengths']}):",
        "",
        "| variant | " + " | ".join(rows) + " |",
        "|---|" + "---|" * len(rows),
    ]
    for name, row in table.items():
        lines.append(f"| {name} | " + " | ".join(f"{row[r]:.2f}" for r in rows) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
