# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""A look at what a model attends to: the attention-rollout saliency of a clip drawn over its frames.

    saliency = model.attention_rollout(pixel_values)              # (b, t, h, w), each clip summing to 1
    saliency_overlay(pixel_values[0], saliency[0], model.config.tubelet_size, "saliency.png")

The saliency of a tubelet covers its `kt` frames and `kh x kw` pixels; it is drawn with matplotlib's `inferno`
colour map where matplotlib is installed (the `recipes` and `bench` extras have it), else in red.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image


def upsample_saliency(saliency: torch.Tensor, tubelet_size, frames: int, height: int, width: int) -> torch.Tensor:
    """(t, h, w) over tubelets -> (frames, height, width) over pixels, scaled to [0, 1]; frames and pixels that
    fill no tubelet (VALID padding) get 0."""
    kt, kh, kw = tubelet_size
    volume = saliency.float().repeat_interleave(kt, 0).repeat_interleave(kh, 1).repeat_interleave(kw, 2)
    volume = F.pad(volume, (0, width - volume.shape[2], 0, height - volume.shape[1], 0, frames - volume.shape[0]))
    return volume / volume.max().clamp_min(torch.finfo(torch.float32).tiny)


def _colour(heat: np.ndarray) -> np.ndarray:
    try:
        from matplotlib import colormaps

        return colormaps["inferno"](heat)[..., :3]
    except ImportError:
        return np.stack([heat, np.zeros_like(heat), np.zeros_like(heat)], axis=-1)


def saliency_overlay(
    pixel_values: torch.Tensor,
    saliency: torch.Tensor,
    tubelet_size=(2, 16, 16),
    path: str | Path | None = None,
    alpha: float = 0.5,
    max_frames: int = 8,
) -> np.ndarray:
    """Frames of one clip (frames, channels, height, width; any value range) side by side, each blended with its
    saliency; returns the uint8 image (height, n * width, 3) and writes it as a PNG to `path` if given. At most
    `max_frames` frames, evenly spaced, are drawn."""
    frames, _, height, width = pixel_values.shape
    heat = upsample_saliency(saliency, tubelet_size, frames, height, width)
    keep = np.unique(np.linspace(0, frames - 1, min(frames, max_frames)).round().astype(int))
    video = pixel_values[keep, :3].float()
    video = (video - video.amin()) / (video.amax() - video.amin()).clamp_min(1e-6)
    video = video.mean(1, keepdim=True).expand(-1, 3, -1, -1) if video.shape[1] == 1 else video
    rgb = video.permute(0, 2, 3, 1).numpy()  # (n, H, W, 3)
    coloured = _colour(heat[keep].numpy())
    blended = (1 - alpha) * rgb + alpha * coloured
    image = (np.concatenate(list(blended), axis=1) * 255).round().clip(0, 255).astype(np.uint8)
    if path is not None:
        Image.fromarray(image).save(path, format="PNG")
    return image
