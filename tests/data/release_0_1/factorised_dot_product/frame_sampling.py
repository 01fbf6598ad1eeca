# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Uniform frame sampling (paper §3.2), shared by the model's `frame_sampling` embedding and the processor.

Dependency-free on purpose: it travels with `trust_remote_code` checkpoints.
"""

import numpy as np


def uniform_frame_indices(num_frames: int, num_samples: int) -> list[int]:
    """Indices of the frames scenic's `sample_frames_uniformly` keeps.

    With `num_samples < num_frames`, start = step = `num_frames / (num_samples + 1)` and the picks are
    `round(start + i * step)` (round half to even, as numpy/jax) below `num_frames`; e.g. 6 frames, 3 samples
    give [2, 3, 4]. Otherwise every frame is kept. The float32 arange reproduces scenic's arithmetic exactly, quirks
    included: where round-off puts one more value below `num_frames`, scenic keeps `num_samples + 1` frames (4 frames,
    2 samples give [1, 3, 3]); the model does the same, so converted checkpoints keep their position-embedding size
    (checked against jax 0.10.2 for every `num_frames < 150`). The video processor samples exactly `n` frames.
    """
    if num_frames <= 0 or num_samples <= 0:
        raise ValueError(f"uniform frame sampling needs positive counts, got {num_frames} frames, {num_samples} samples")
    if num_samples < num_frames:
        step = num_frames / (num_samples + 1)
        positions = np.arange(step, num_frames, step, dtype=np.float32)
    else:
        positions = np.arange(0, num_frames, 1, dtype=np.float32)
    return np.minimum(np.round(positions).astype(np.int64), num_frames - 1).tolist()
