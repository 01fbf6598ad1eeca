# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Peak memory of a long-video timeline against the video's length.

For each length (1, 5 and 10 minutes by default) the benchmark writes an H.264 video (`--size` pixels square at
`--fps`, a moving colour pattern, x264's default keyframe interval) and runs the pipeline's timeline on it
(`ViViTVideoClassificationPipeline(video, window=..., hop=...)`, a tiny random ViViT, 8 frames per window, decoded
straight to the model's 32 x 32 input side) in a fresh process, which reports:

- peak RSS (`ru_maxrss` of that process: the interpreter, torch and the model included) and its growth over the
  RSS just before the call;
- the tracemalloc peak during the call (Python and numpy allocations: the decoded frames and clips);
- the frames held at once by the window streamer, the windows and the frames decoded;
- for scale, what the video's frames would take decoded whole at the input side and at full size.

    python benchmarks/timeline.py [--minutes 1 5 10] [--size 320] [--fps 25] [--window 4] [--hop 2]
        [--out benchmarks/results/timeline.json]

Without `--out`, the default settings write `benchmarks/results/timeline.json` (the file timeline-report.md reads);
other settings write beside it under a name that says them (`--minutes 1`: `timeline-minutes1.json`), so a quick run
does not replace the committed figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]


def write_video(path: Path, seconds: int, size: int, fps: int) -> None:
    import av

    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width = stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.options = {"preset": "ultrafast", "crf": "23"}
        stream.codec_context.time_base = Fraction(1, fps)
        y, x = np.mgrid[0:size, 0:size]
        for i in range(seconds * fps):
            hue = (i / fps / 30.0) % 1.0  # the colour turns once every 30 s; stripes move
            frame = np.empty((size, size, 3), np.uint8)
            frame[..., 0] = (127 + 127 * np.sin(2 * np.pi * (hue + x / size))).astype(np.uint8)
            frame[..., 1] = (127 + 127 * np.sin(2 * np.pi * (hue + (x + y + i) / size))).astype(np.uint8)
            frame[..., 2] = (127 + 127 * np.cos(2 * np.pi * (hue + y / size))).astype(np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def make_model(folder: Path) -> None:
    import torch

    from vivit_hf import ViViTFactorisedEncoderConfig, ViViTFactorisedEncoderForVideoClassification, ViViTVideoProcessor

    torch.manual_seed(0)
    config = ViViTFactorisedEncoderConfig(
        image_size=32,
        num_frames=8,
        tubelet_size=[2, 16, 16],
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        num_labels=10,
    )
    ViViTFactorisedEncoderForVideoClassification(config).eval().save_pretrained(folder)
    ViViTVideoProcessor(
        num_frames=8, size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}
    ).save_pretrained(folder)


def measure(model: str, video: str, window: str, hop: str) -> dict:
    """Runs in a fresh process (`--child`): one timeline, with its memory figures."""
    import tracemalloc

    import torch
    from transformers import pipeline

    import vivit_hf.processing.pipeline as pipeline_module
    from vivit_hf.processing import ViViTVideoClassificationPipeline
    from vivit_hf.processing.video_io import open_video

    torch.set_num_threads(1)
    pipe = pipeline("video-classification", model=model, pipeline_class=ViViTVideoClassificationPipeline)
    stats: dict = {}
    streamer = pipeline_module.iter_window_clips

    def counted(*args, **kwargs):  # the pipeline's own streamer, with its counters read out
        return streamer(*args, **kwargs, stats=stats)

    pipeline_module.iter_window_clips = counted
    with open_video(video) as reader:
        info = reader.info
    pipe(np.zeros((16, 32, 32, 3), np.uint8), window="8f")  # warm-up: lazy imports and kernels before measuring
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    tracemalloc.start()
    start = time.perf_counter()
    result = pipe(video, window=window, hop=hop, top_k=1)
    seconds = time.perf_counter() - start
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {
        "duration_s": info.duration,
        "video_frames": info.num_frames,
        "windows": len(result["windows"]),
        "frames_decoded_for_windows": stats.get("frames_read"),
        "max_frames_held": stats.get("max_frames_held"),
        "tracemalloc_peak_mib": traced_peak / 2**20,
        "rss_peak_mib": rss_peak / 2**20,
        "rss_growth_mib": (rss_peak - rss_before) / 2**20,
        "seconds": seconds,
        "whole_video_at_input_side_mib": info.num_frames * 32 * 32 * 3 / 2**20,
        "whole_video_full_size_mib": info.num_frames * info.height * info.width * 3 / 2**20,
    }


def build_parser() -> argparse.ArgumentParser:
    from vivit_hf.flag_spellings import SpellingsArgumentParser  # flags with hyphens or underscores

    p = SpellingsArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--minutes", type=float, nargs="+", default=[1, 5, 10])
    p.add_argument("--size", type=int, default=320)
    p.add_argument("--fps", type=int, default=25)
    p.add_argument("--window", default="4")
    p.add_argument("--hop", default="2")
    p.add_argument("--out", default=None, help="default: benchmarks/results/timeline[-<settings not default>].json")
    p.add_argument("--child", nargs=4, metavar=("MODEL", "VIDEO", "WINDOW", "HOP"), help=argparse.SUPPRESS)
    return p


def main(argv=None) -> dict:
    p = build_parser()
    args = p.parse_args(argv)
    args.out = args.out or str(default_out(p, args))
    if args.child:
        print(json.dumps(measure(*args.child)))
        return {}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        model = Path(tmp) / "model"
        make_model(model)
        for minutes in args.minutes:
            video = Path(tmp) / f"{minutes:g}min.mp4"
            started = time.perf_counter()
            write_video(video, int(minutes * 60), args.size, args.fps)
            written = time.perf_counter() - started
            child = subprocess.run(
                [sys.executable, __file__, "--child", str(model), str(video), args.window, args.hop],
                capture_output=True,
                text=True,
                env={**os.environ, "HF_HUB_OFFLINE": "1"},
                check=True,
            )
            row = {"minutes": minutes, "write_s": written, **json.loads(child.stdout.strip().splitlines()[-1])}
            rows.append(row)
            print(
                f"{minutes:g} min: {row['windows']} windows, peak RSS {row['rss_peak_mib']:.0f} MiB "
                f"(+{row['rss_growth_mib']:.1f} in the call), tracemalloc peak {row['tracemalloc_peak_mib']:.2f} MiB, "
                f"{row['max_frames_held']} frames held at most, {row['seconds']:.1f} s "
                f"(whole video: {row['whole_video_full_size_mib']:.0f} MiB full size)",
                flush=True,
            )
    result = {
        "settings": {k: getattr(args, k) for k in ("minutes", "size", "fps", "window", "hop")},
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "rows": rows,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1))
    print(f"wrote {args.out}")
    return result


def default_out(parser, args) -> Path:
    """`benchmarks/results/timeline.json` for the default settings, else a name that says the settings changed."""

    def text(value) -> str:
        return (
            "-".join(text(v) for v in value)
            if isinstance(value, list)
            else f"{value:g}"
            if isinstance(value, float)
            else str(value)
        )

    changed = [
        f"{name}{text(getattr(args, name))}"
        for name in ("minutes", "size", "fps", "window", "hop")
        if getattr(args, name) != parser.get_default(name)
    ]
    return REPO / "benchmarks" / "results" / ("-".join(["timeline", *changed]) + ".json")


if __name__ == "__main__":
    main()
