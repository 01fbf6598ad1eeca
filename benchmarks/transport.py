# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""What a batch costs between the DataLoader workers and the model: float32 pixels normalised in the workers (the
recipe before) against raw uint8 pixels normalised after the copy (the recipe now, `raw_pixels=True`).

    python benchmarks/transport.py                   # batch 8 of 32x3x224x224, 2 workers (about 2 minutes)

The clips come from the recipe's data set class, augmented as in training (scale jitter, crop, flip, RandAugment),
from 340x256 H.264 frames decoded into memory beforehand (`--cache_decoded_videos`), so the workers spend their time
on the processor and the hand-over, not on decoding. Per batch it times, in the main process: the hand-over (from
the worker's batch being ready in shared memory to the main process holding it), the worker's collate (the copy into
shared memory), and the pinning step. Without a GPU, pinning (`Tensor.pin_memory`, which needs a CUDA driver) is
stood in for by what it does to the bytes: a fresh buffer and a copy into it, which also touches every page of the
shared-memory batch for the first time in the main process. The normalisation then runs on the CPU here (a GPU does it
in a fraction of a millisecond). Writes `transport-cpu.{json,md}` into `--out-dir`.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

from vivit_hf.flag_spellings import SpellingsArgumentParser
from vivit_hf.processing.processing_vivit import ViViTVideoProcessor  # noqa: E402
from vivit_hf.training.data.dataset import (  # noqa: E402
    EpochShuffleSampler,
    VideoClassificationDataset,
    collate_videos,
    model_pixel_values,
)
from vivit_hf.training.data.synthetic import write_video  # noqa: E402


def parse_args(argv=None):
    parser = SpellingsArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--frames", type=int, default=32)
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batches", type=int, default=10, help="batches timed per mode (after --skip)")
    parser.add_argument("--skip", type=int, default=2, help="first batches left out (workers starting)")
    parser.add_argument("--out-dir", type=Path, default=Path(__file__).parent / "results")
    return parser.parse_args(argv)


def make_video(path: Path, frames: int) -> None:
    """340x256 frames (Kinetics' size after the usual resize) of a moving gradient and noise, as H.264."""
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:256, 0:340]
    clip = np.empty((frames, 256, 340, 3), dtype=np.uint8)
    for t in range(frames):
        for c in range(3):
            clip[t, ..., c] = ((x + 3 * t) * (c + 1) + y) % 256
    clip = np.clip(clip.astype(np.int16) + rng.integers(-20, 20, clip.shape), 0, 255).astype(np.uint8)
    write_video(clip, path, fps=25)


class TimedCollate:
    """`collate_videos`, timed in the worker: how long the copy into shared memory took and when it was done."""

    def __call__(self, items):
        start = time.perf_counter()
        batch = collate_videos(items)
        done = time.perf_counter()
        batch["collate_s"] = torch.tensor(done - start, dtype=torch.float64)
        batch["ready_at"] = torch.tensor(time.time(), dtype=torch.float64)
        return batch


def per_clip_ms(dataset, count: int) -> float:
    """The median milliseconds of one `dataset[i]` in this process (processor and augmentation)."""
    dataset[(0, 0)]
    times = []
    for index in range(count):
        start = time.perf_counter()
        dataset[(0, index % len(dataset))]
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def time_mode(dataset, options) -> dict:
    sampler = EpochShuffleSampler(len(dataset), seed=0, with_epoch=True)
    loader = torch.utils.data.DataLoader(
        dataset, sampler=sampler, batch_size=options.batch, num_workers=options.workers, collate_fn=TimedCollate()
    )
    rows = []
    epoch = 0
    while len(rows) < options.skip + options.batches:
        sampler.set_epoch(epoch)
        for batch in loader:
            received = time.time()
            pixels = batch["pixel_values"]
            start = time.perf_counter()
            pinned = torch.empty_like(pixels)  # the pinning step's stand-in: a fresh buffer and a copy
            pinned.copy_(pixels)
            pin_s = time.perf_counter() - start
            start = time.perf_counter()
            model_pixel_values({**batch, "pixel_values": pinned})
            normalise_s = time.perf_counter() - start
            rows.append(
                {
                    "handover_s": received - float(batch["ready_at"]),
                    "collate_s": float(batch["collate_s"]),
                    "pin_s": pin_s,
                    "normalise_s": normalise_s if "pixel_affine" in batch else 0.0,
                    "bytes": pixels.nbytes,
                    "dtype": str(pixels.dtype).replace("torch.", ""),
                }
            )
            if len(rows) == options.skip + options.batches:
                break
        epoch += 1
    kept = rows[options.skip :]

    def median(key):
        return statistics.median(row[key] for row in kept)

    return {
        "dtype": kept[0]["dtype"],
        "bytes_per_batch": kept[0]["bytes"],
        "batches": len(kept),
        "handover_ms": median("handover_s") * 1e3,
        "collate_into_shared_memory_ms": median("collate_s") * 1e3,
        "pin_stand_in_ms": median("pin_s") * 1e3,
        "normalise_on_cpu_ms": median("normalise_s") * 1e3,
        "per_clip_ms_one_process": per_clip_ms(dataset, 2 * options.batch),
    }


def main(argv=None) -> dict:
    options = parse_args(argv)
    torch.manual_seed(0)
    load_before = common.load_average()
    processor = ViViTVideoProcessor(
        num_frames=options.frames,
        frame_stride=2,
        size={"shortest_edge": 256},
        crop_size={"height": options.size, "width": options.size},
        rand_augment=[2, 9],
        decode_backend="pyav",
    )
    with tempfile.TemporaryDirectory() as folder:
        video = Path(folder) / "clip.mp4"
        make_video(video, 2 * options.frames + 8)
        examples = [{"video": str(video), "label": i % 4, "id": str(i)} for i in range(2 * options.batch)]
        datasets = {
            "float32": VideoClassificationDataset(
                examples, processor, seed=0, processor_kwargs=dict(do_train_augment=True)
            ),
            "uint8": VideoClassificationDataset(
                examples, processor, seed=0, processor_kwargs=dict(do_train_augment=True), raw_pixels=True
            ),
        }
        cache = datasets["float32"].cache_decoded_videos()
        datasets["uint8"].cache = cache
        # the model's pixels, both ways, for the same clips and draws
        old = collate_videos([datasets["float32"][(0, i)] for i in range(options.batch)])
        new = collate_videos([datasets["uint8"][(0, i)] for i in range(options.batch)])
        difference = float((model_pixel_values(new) - old["pixel_values"]).abs().max())
        modes = {name: time_mode(dataset, options) for name, dataset in datasets.items()}
    shape = [options.batch, options.frames, 3, options.size, options.size]
    command = "python benchmarks/transport.py" + (" " + " ".join(argv) if argv else "")
    result = {
        "command": command,
        "machine": f"{torch.get_num_threads()} threads, CPU only (torch {torch.__version__})",
        "batch_shape": shape,
        "workers": options.workers,
        "augmentation": "scale jitter [0.9, 1.33], random crop, flip, RandAugment [2, 9]",
        "max_abs_difference_model_pixels": difference,
        "load_average": {"before": load_before, "after": common.load_average()},
        **modes,
    }
    options.out_dir.mkdir(parents=True, exist_ok=True)
    stem = options.out_dir / "transport-cpu"
    stem.with_suffix(".json").write_text(json.dumps(result, indent=1))
    f32, u8 = modes["float32"], modes["uint8"]
    mib = {name: f"{mode['bytes_per_batch'] / 2**20:.1f} MiB" for name, mode in modes.items()}
    rows = [("bytes per batch (pixel_values)", mib["float32"], mib["uint8"])] + [
        (label, f"{f32[key]:.1f}", f"{u8[key]:.1f}")
        for label, key in (
            ("worker: collate into shared memory (ms)", "collate_into_shared_memory_ms"),
            ("worker -> main hand-over (ms)", "handover_ms"),
            ("main: pinning stand-in, buffer + copy (ms)", "pin_stand_in_ms"),
            ("main: normalise (on the CPU here; float32: in the worker) (ms)", "normalise_on_cpu_ms"),
            ("one clip in one process, processor + augmentation (ms)", "per_clip_ms_one_process"),
        )
    ]
    table = "".join(f"| {name} | {a} | {b} |\n" for name, a, b in rows)
    stem.with_suffix(".md").write_text(
        f"`{command}` ({result['machine']}; batch {'x'.join(map(str, shape))}, {options.workers} workers, "
        f"medians of {options.batches} batches; load average before {common.format_load(load_before)}, after "
        f"{common.format_load(result['load_average']['after'])})\n\n"
        "| per batch | float32, normalised in the worker (before) | uint8, normalised after the copy (now) |\n"
        "|---|---|---|\n"
        f"{table}\n"
        f"The model's pixels, both ways, for the same {options.batch} clips and draws: max abs difference "
        f"{difference:g}.\n"
    )
    print(stem.with_suffix(".md").read_text())
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
