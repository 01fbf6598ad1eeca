# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Decode + preprocess throughput: ViViTVideoProcessor against transformers' own video path.

For each test file (10 s at 25 fps in 340x256 and 1280x720, and 60 s at both sizes, H.264 with
x264's default keyframe interval of 250 frames) the same 32-frame stride-2 clips (random starts,
fixed seed) go through:

- ours: `ViViTVideoProcessor()(path)`, the processor's own file path, with its sampling replaced by
  the benchmark's clip (`sample_indices`): seek + decode from the keyframe, skipping the
  non-reference frames before the first kept one, RGB conversion and resize in one libswscale pass
  on the kept frames, crop, one fused rescale pass;
- ours, exact: the same with `resize_in_decoder=False` (full-size RGB, resize in torch: the path
  the `transformers_vivit` preset takes to match transformers to 1e-5);
- transformers + PyAV: `transformers.video_utils.load_video(path, backend="pyav",
  sample_indices_fn=...)` then `VivitVideoProcessor`;
- transformers + torchcodec: the same with `backend="torchcodec"`, when torchcodec imports.

Methods alternate clip by clip, in a rotating order, so other load on the machine hits them alike
and none always runs first; the whole set of clips runs `--runs` times and each figure is the
median over runs of the per-run clips per second (from the median wall time per clip). The CPU time
per clip (this process, decoder threads included) is reported too: it depends much less on other
jobs than the wall time. It also counts the frames decoded per clip against the span a decoder
reading every frame would decode (from the keyframe at or before the first kept frame to the last
kept frame; ours decodes fewer, as it skips the non-reference frames before the first kept one) and
prints the load average.

    python benchmarks/processor.py [--clips 10] [--runs 3] [--threads 2] [--keyint 50] [--out results.json]
"""

from __future__ import annotations

import argparse
import json
import os
import runpy
import time
from pathlib import Path
from types import SimpleNamespace

import av
import numpy as np
import torch

from vivit_hf.flag_spellings import SpellingsArgumentParser
from vivit_hf.processing.processing_vivit import ViViTVideoProcessor
from vivit_hf.processing.video_io import open_video, torchcodec_available

# benchmarks/ is not a package: common.py is run by its path (its docstring says why)
common = SimpleNamespace(**runpy.run_path(str(Path(__file__).with_name("common.py"))))

NUM_FRAMES, STRIDE = 32, 2
FILES = {  # name -> (seconds, width, height)
    "10s_340x256": (10, 340, 256),
    "10s_1280x720": (10, 1280, 720),
    "60s_340x256": (60, 340, 256),
    "60s_1280x720": (60, 1280, 720),
}


def make_video(path: Path, seconds: int, width: int, height: int, fps: int = 25, keyint: int | None = None) -> None:
    """A moving textured scene (so the encoder has real motion to code), x264 defaults but a faster preset and,
    if given, a maximum keyframe interval of `keyint` frames (x264's default is 250)."""
    rng = np.random.default_rng(0)
    texture = rng.integers(0, 256, (height // 8 + 2, width // 8 + 2, 3), dtype=np.uint8)
    texture = np.kron(texture, np.ones((8, 8, 1), np.uint8))
    container = av.open(str(path), "w")
    stream = container.add_stream("libx264", rate=fps)
    stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
    stream.options = {"preset": "veryfast", "crf": "23", **({"g": str(keyint)} if keyint else {})}
    for i in range(seconds * fps):
        dy, dx = (i // 3) % 8, (2 * i) % 16
        frame = np.ascontiguousarray(texture[dy : dy + height, dx % 8 : dx % 8 + width])
        frame[:, : width // 4] //= 2  # some static structure
        for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)
    container.close()


def clip_starts(num_video_frames: int, count: int, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    span = (NUM_FRAMES - 1) * STRIDE + 1
    return [s + np.arange(NUM_FRAMES) * STRIDE for s in rng.integers(0, num_video_frames - span + 1, count)]


class ClipProcessor(ViViTVideoProcessor):
    """The processor with its sampling replaced by a given clip, so every method sees the same frames."""

    clip: np.ndarray = np.arange(NUM_FRAMES) * STRIDE

    def sample_indices(self, num_video_frames, opts, rng, name):
        return self.clip[None]


def ours_one(path: str, indices: np.ndarray, processor: ClipProcessor, **options) -> None:
    processor.clip = indices
    out = processor(path, return_tensors="pt", **options)
    assert out.pixel_values.shape == (1, NUM_FRAMES, 3, 224, 224)


def frames_decoded(path: str, indices: np.ndarray, size: int) -> tuple[int, int]:
    """(frames our reader decodes for this clip, the span a decoder reading every frame decodes: the keyframe at or
    before the first kept frame to the last kept frame; ours skips the non-reference frames before the first kept
    one, so it can be fewer)."""
    with open_video(path, backend="pyav") as reader:
        reader.read(indices, size=size)
        keyframes = np.flatnonzero(reader.keyframe_mask)
        first_key = keyframes[np.searchsorted(keyframes, indices[0], side="right") - 1]
        return reader.frames_decoded, int(indices[-1] - first_key + 1)


def transformers_one(path: str, indices: np.ndarray, processor, backend: str) -> None:
    from transformers.video_utils import load_video

    video, _ = load_video(path, backend=backend, sample_indices_fn=lambda metadata, **kw: indices)
    out = processor(video, return_tensors="pt")
    assert out.pixel_values.shape == (1, NUM_FRAMES, 3, 224, 224)


def timed(fn, *args, **kwargs) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process, decoder threads included)."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn(*args, **kwargs)
    return time.perf_counter() - wall, time.process_time() - cpu


def bench_file(path: str, clips, ours, theirs, backends, runs: int) -> dict:
    """Per method: clips/s and ms per clip, medians over runs of each run's median time per clip."""
    methods = {
        "ours": lambda c: ours_one(path, c, ours),
        "ours_exact": lambda c: ours_one(path, c, ours, resize_in_decoder=False),
        **(
            {"ours_torchcodec": lambda c: ours_one(path, c, ours, decode_backend="torchcodec")}
            if "torchcodec" in backends
            else {}
        ),
        **{f"transformers_{b}": (lambda c, b=b: transformers_one(path, c, theirs, b)) for b in backends},
    }
    names = list(methods)
    per_run = {name: [] for name in methods}
    cpu_per_run = {name: [] for name in methods}
    loads = []
    for _ in range(runs):
        times = {name: [] for name in methods}
        cpu = {name: [] for name in methods}
        for k, indices in enumerate(clips):
            for name in names[k % len(names) :] + names[: k % len(names)]:  # no method always runs first
                wall, used = timed(methods[name], indices)
                times[name].append(wall)
                cpu[name].append(used)
        for name in methods:
            per_run[name].append(float(np.median(times[name])))
            cpu_per_run[name].append(float(np.median(cpu[name])))
        loads.append(common.load_average()[0])
    row = {}
    for name, medians in per_run.items():
        median = float(np.median(medians))
        row[name] = {
            "clips_per_s": 1.0 / median,
            "ms_per_clip_median": 1000 * median,
            "ms_per_clip_runs": [round(1000 * m, 1) for m in medians],
            "cpu_ms_per_clip_median": 1000 * float(np.median(cpu_per_run[name])),
        }
    counts = [frames_decoded(path, c, ours.size["shortest_edge"]) for c in clips]
    row["ours"].update(
        frames_decoded_per_clip=float(np.mean([d for d, _ in counts])),
        minimum_frames_per_clip=float(np.mean([m for _, m in counts])),
    )
    # transformers' PyAV reader decodes from frame 0 up to the last kept frame
    row["transformers_pyav"]["frames_decoded_per_clip"] = float(np.mean([c[-1] + 1 for c in clips]))
    row["load_average_1min"] = loads
    return row


def table(results: dict) -> str:
    """The markdown table of the results. "Keyframe-to-last-frame span": the frames a decoder reading every frame
    decodes for the clip (from the keyframe at or before the first kept frame); ours skips the non-reference frames
    before the first kept one, so it decodes fewer."""
    lines = [
        "| file | frames (keyframes) | ours clips/s | ours, exact path | ours, torchcodec | transformers+PyAV clips/s "
        "| transformers+torchcodec | speed-up | "
        "CPU ms/clip: ours, exact, transformers | frames decoded/clip: ours (keyframe-to-last-frame span) "
        "| transformers+PyAV | load avg |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, row in results["files"].items():
        o, e, t = row["ours"], row["ours_exact"], row["transformers_pyav"]
        otc, ttc = (
            format(row[k]["clips_per_s"], ".2f") if k in row else "-"
            for k in ("ours_torchcodec", "transformers_torchcodec")
        )
        lines.append(
            f"| {name} | {row['frames']} ({row['keyframes']}) | {o['clips_per_s']:.2f} | {e['clips_per_s']:.2f} | "
            f"{otc} | {t['clips_per_s']:.2f} | {ttc} | {row['speed_up_vs_fastest_transformers']:.2f}x | "
            f"{o['cpu_ms_per_clip_median']:.0f}, {e['cpu_ms_per_clip_median']:.0f}, "
            f"{t['cpu_ms_per_clip_median']:.0f} | "
            f"{o['frames_decoded_per_clip']:.0f} ({o['minimum_frames_per_clip']:.0f}) | "
            f"{t['frames_decoded_per_clip']:.0f} | "
            f"{min(row['load_average_1min']):.0f}-{max(row['load_average_1min']):.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = SpellingsArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clips", type=int, default=10, help="clips per file")
    parser.add_argument(
        "--runs", type=int, default=3, help="times the whole set of clips runs; figures are medians over runs"
    )
    parser.add_argument("--threads", type=int, default=2, help="torch intra-op threads")
    parser.add_argument("--files", nargs="*", default=list(FILES), choices=list(FILES), help="which test files")
    parser.add_argument(
        "--keyint",
        type=int,
        default=None,
        help="maximum keyframe interval of the test files in frames (default: x264's 250, so a 10 s "
        "file is one GOP; 50 = 2 s, as in YouTube-style uploads)",
    )
    parser.add_argument("--video_dir", default=os.environ.get("VIVIT_BENCH_VIDEOS", "/tmp/vivit_bench_videos"))
    parser.add_argument("--out", default=None, help="write the results as JSON here")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    from transformers import VivitVideoProcessor

    video_dir = Path(args.video_dir)
    video_dir.mkdir(parents=True, exist_ok=True)
    ours = ClipProcessor(decode_backend="pyav")
    theirs = VivitVideoProcessor()
    have_torchcodec = torchcodec_available()
    backends = ["pyav"] + (["torchcodec"] if have_torchcodec else [])
    results = {
        "cpu_count": os.cpu_count(),
        "torch_threads": args.threads,
        "torchcodec": have_torchcodec,
        "keyint": args.keyint or 250,
        "runs": args.runs,
        "clips": args.clips,
        "files": {},
    }
    for name in args.files:
        seconds, width, height = FILES[name]
        path = video_dir / f"{name}{f'_g{args.keyint}' if args.keyint else ''}.mp4"
        if not path.exists():
            print(f"encoding {path} ...", flush=True)
            make_video(path, seconds, width, height, keyint=args.keyint)
        path = str(path)
        with open_video(path, backend="pyav") as reader:
            num_video_frames, keyframes = reader.num_frames, int(reader.keyframe_mask.sum())
        clips = clip_starts(num_video_frames, args.clips)
        bench_file(path, clips[:1], ours, theirs, backends, runs=1)  # warm-up (imports, allocator)
        row = {
            "frames": num_video_frames,
            "keyframes": keyframes,
            **bench_file(path, clips, ours, theirs, backends, args.runs),
        }
        results["files"][name] = row
        fastest = max(v["clips_per_s"] for k, v in row.items() if k.startswith("transformers"))
        row["speed_up_vs_fastest_transformers"] = row["ours"]["clips_per_s"] / fastest
        print(
            f"{name}: ours {row['ours']['clips_per_s']:.2f} clips/s "
            f"(exact path {row['ours_exact']['clips_per_s']:.2f}; "
            f"{row['ours']['frames_decoded_per_clip']:.0f} frames decoded, "
            f"of a keyframe-to-last-frame span of {row['ours']['minimum_frames_per_clip']:.0f}); "
            f"transformers pyav {row['transformers_pyav']['clips_per_s']:.2f} clips/s "
            f"({row['transformers_pyav']['frames_decoded_per_clip']:.0f} frames); "
            f"speed-up {row['speed_up_vs_fastest_transformers']:.2f}x; "
            f"load {', '.join(f'{x:.1f}' for x in row['load_average_1min'])}",
            flush=True,
        )
    if not have_torchcodec:
        print("transformers + torchcodec: unavailable (torchcodec does not import here)")

    print(table(results))
    for size in ("340x256", "1280x720"):
        short, long = results["files"].get(f"10s_{size}"), results["files"].get(f"60s_{size}")
        if short and long:
            ratio = long["ours"]["ms_per_clip_median"] / short["ours"]["ms_per_clip_median"]
            cpu_ratio = long["ours"]["cpu_ms_per_clip_median"] / short["ours"]["cpu_ms_per_clip_median"]
            print(f"ours, cost per clip 60 s / 10 s at {size}: {ratio:.2f}x wall time, {cpu_ratio:.2f}x CPU time")
            results[f"cost_ratio_60s_10s_{size}"] = ratio
            results[f"cpu_cost_ratio_60s_10s_{size}"] = cpu_ratio
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
