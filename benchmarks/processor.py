"""Decode + preprocess throughput: ViViTVideoProcessor against transformers' own video path.

For each test file (10 s at 25 fps in 340x256 and 1280x720, and 60 s at both sizes, H.264 with
x264's default keyframe interval of 250 frames) the same 32-frame stride-2 clips (random starts,
fixed seed) go through:

- ours: ``vivit_hf.video_io.open_video(...).read(indices)`` then ``ViViTVideoProcessor`` on the frames
  (exactly the processor's own path: one seek + decode from the keyframe, then the transforms);
- transformers + PyAV: ``transformers.video_utils.load_video(path, backend="pyav",
  sample_indices_fn=...)`` then ``VivitVideoProcessor``;
- transformers + torchcodec: the same with ``backend="torchcodec"``, when torchcodec imports.

It reports clips per second (from the median time per clip; the methods alternate clip by clip
so that other load on the machine hits them alike) and frames decoded per clip against the minimum (the keyframe at or
before the first kept frame to the last kept frame).

    python benchmarks/processor.py [--clips 10] [--threads 2] [--out results.json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import av
import numpy as np
import torch


sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from vivit_hf.processing_vivit import ViViTVideoProcessor  # noqa: E402
from vivit_hf.video_io import open_video, torchcodec_available  # noqa: E402

NUM_FRAMES, STRIDE = 32, 2
FILES = {  # name -> (seconds, width, height)
    "10s_340x256": (10, 340, 256),
    "10s_1280x720": (10, 1280, 720),
    "60s_340x256": (60, 340, 256),
    "60s_1280x720": (60, 1280, 720),
}


def make_video(path: Path, seconds: int, width: int, height: int, fps: int = 25) -> None:
    """A moving textured scene (so the encoder has real motion to code), x264 defaults but a faster preset."""
    rng = np.random.default_rng(0)
    texture = rng.integers(0, 256, (height // 8 + 2, width // 8 + 2, 3), dtype=np.uint8)
    texture = np.kron(texture, np.ones((8, 8, 1), np.uint8))
    container = av.open(str(path), "w")
    stream = container.add_stream("libx264", rate=fps)
    stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
    stream.options = {"preset": "veryfast", "crf": "23"}
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


def ours_one(path: str, indices: np.ndarray, processor) -> tuple[int, int]:
    """One clip through our path; returns (frames decoded, minimum frames for this clip)."""
    with open_video(path, backend="pyav") as reader:
        frames = reader.read(indices)
        keyframes = np.flatnonzero(reader._keyframe)
        first_key = keyframes[np.searchsorted(keyframes, indices[0], side="right") - 1]
        decoded, minimum = reader.frames_decoded, int(indices[-1] - first_key + 1)
    out = processor(frames, do_sample_frames=False, return_tensors="pt")
    assert out.pixel_values.shape == (1, NUM_FRAMES, 3, 224, 224)
    return decoded, minimum


def transformers_one(path: str, indices: np.ndarray, processor, backend: str) -> None:
    from transformers.video_utils import load_video

    video, _ = load_video(path, backend=backend, sample_indices_fn=lambda metadata, **kw: indices)
    out = processor(video, return_tensors="pt")
    assert out.pixel_values.shape == (1, NUM_FRAMES, 3, 224, 224)


def timed(fn, *args):
    start = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - start, result


def summarise(seconds: list[float]) -> dict:
    median = float(np.median(seconds))
    return {"clips_per_s": 1.0 / median, "ms_per_clip_median": 1000 * median, "ms_per_clip_mean": 1000 * float(np.mean(seconds))}


def bench_file(path: str, clips, ours, theirs, backends) -> dict:
    """Methods alternate clip by clip, so a busy machine slows them alike."""
    times = {"ours": [], **{f"transformers_{b}": [] for b in backends}}
    decoded, minimum = [], []
    for indices in clips:
        seconds, (d, m) = timed(ours_one, path, indices, ours)
        times["ours"].append(seconds)
        decoded.append(d)
        minimum.append(m)
        for backend in backends:
            times[f"transformers_{backend}"].append(timed(transformers_one, path, indices, theirs, backend)[0])
    row = {name: summarise(values) for name, values in times.items()}
    row["ours"].update(frames_decoded_per_clip=float(np.mean(decoded)), minimum_frames_per_clip=float(np.mean(minimum)))
    # transformers' PyAV reader decodes from frame 0 up to the last kept frame
    row["transformers_pyav"]["frames_decoded_per_clip"] = float(np.mean([c[-1] + 1 for c in clips]))
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clips", type=int, default=10, help="clips per file")
    parser.add_argument("--threads", type=int, default=2, help="torch intra-op threads")
    parser.add_argument("--video_dir", default=os.environ.get("VIVIT_BENCH_VIDEOS", "/tmp/vivit_bench_videos"))
    parser.add_argument("--out", default=None, help="write the results as JSON here")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    from transformers import VivitVideoProcessor

    video_dir = Path(args.video_dir)
    video_dir.mkdir(parents=True, exist_ok=True)
    ours = ViViTVideoProcessor()
    theirs = VivitVideoProcessor()
    have_torchcodec = torchcodec_available()
    results = {"cpu_count": os.cpu_count(), "torch_threads": args.threads, "torchcodec": have_torchcodec, "files": {}}
    for name, (seconds, width, height) in FILES.items():
        path = video_dir / f"{name}.mp4"
        if not path.exists():
            print(f"encoding {path} ...", flush=True)
            make_video(path, seconds, width, height)
        path = str(path)
        with open_video(path, backend="pyav") as reader:
            num_video_frames, keyframes = reader.num_frames, int(reader._keyframe.sum())
        clips = clip_starts(num_video_frames, args.clips)
        backends = ["pyav"] + (["torchcodec"] if have_torchcodec else [])
        bench_file(path, clips[:1], ours, theirs, backends)  # warm-up (imports, allocator)
        row = {"frames": num_video_frames, "keyframes": keyframes, **bench_file(path, clips, ours, theirs, backends)}
        results["files"][name] = row
        fastest = max(v["clips_per_s"] for k, v in row.items() if k.startswith("transformers"))
        print(f"{name}: ours {row['ours']['clips_per_s']:.2f} clips/s ({row['ours']['frames_decoded_per_clip']:.0f} frames decoded, "
              f"min {row['ours']['minimum_frames_per_clip']:.0f}); transformers pyav {row['transformers_pyav']['clips_per_s']:.2f} clips/s "
              f"({row['transformers_pyav']['frames_decoded_per_clip']:.0f} frames); speed-up {row['ours']['clips_per_s'] / fastest:.2f}x", flush=True)
    if not have_torchcodec:
        print("transformers + torchcodec: unavailable (torchcodec does not import here)")

    lines = ["| file | frames (keyframes) | ours clips/s | transformers+PyAV clips/s | speed-up | frames decoded/clip: ours (minimum) | transformers+PyAV |",
             "|---|---|---|---|---|---|---|"]
    for name, row in results["files"].items():
        o, t = row["ours"], row["transformers_pyav"]
        lines.append(f"| {name} | {row['frames']} ({row['keyframes']}) | {o['clips_per_s']:.2f} | {t['clips_per_s']:.2f} | "
                     f"{o['clips_per_s'] / t['clips_per_s']:.2f}x | {o['frames_decoded_per_clip']:.0f} ({o['minimum_frames_per_clip']:.0f}) | {t['frames_decoded_per_clip']:.0f} |")
    print("\n".join(lines))
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
