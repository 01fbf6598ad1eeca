# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""A look at what a model attends to: the attention-rollout saliency of a clip drawn over its frames.

    saliency = model.attention_rollout(pixel_values)              # (b, t, h, w), each clip summing to 1
    saliency_overlay(pixel_values[0], saliency[0], model.config, "saliency.png")

The saliency of a tubelet covers its `kt` frames and `kh x kw` pixels; with uniform frame sampling
(`embedding_type="frame_sampling"`) a token covers its `kh x kw` pixels of the one frame the model picked, so the
model's config (not only its `tubelet_size`) is needed to place it. It is drawn with matplotlib's `inferno` colour map
where matplotlib is installed (the `recipes` and `bench` extras have it), else in red.
"""

from __future__ import annotations

from numbers import Integral
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from .models import uniform_frame_indices
from .models.configuration_vivit import stacked_frame_grid


def upsample_saliency(saliency: torch.Tensor, tubelet_size, frames: int, height: int, width: int) -> torch.Tensor:
    """(t, h, w) over tokens -> (frames, height, width) over pixels, scaled to [0, 1]; frames and pixels no token
    covers (VALID padding, frames uniform frame sampling skips) get 0.

    `tubelet_size`: the model's config, or for a tubelet model its `tubelet_size` alone. A frame-sampling model's
    tokens come from the frames it picks (`uniform_frame_indices`), which its `tubelet_size` does not say: spread as
    tubelets, a token of frame 5 was drawn on frames 2 and 3 (8 frames, 2 sampled)."""
    if getattr(tubelet_size, "embedding_type", None) == "frame_sampling":
        volume = _sampled_frames_volume(saliency, tubelet_size, frames, height, width)
    else:
        kt, kh, kw = getattr(tubelet_size, "tubelet_size", tubelet_size)
        grid = (frames // kt, height // kh, width // kw)
        if tuple(saliency.shape) != grid:
            # (the hint named the config where it had been given)
            hint = "; pass the model's config as tubelet_size (a model with uniform frame sampling places its tokens"
            hint = "" if hasattr(tubelet_size, "tubelet_size") else f"{hint} on the frames it picks)"
            raise ValueError(
                f"A saliency of shape {tuple(saliency.shape)} is not the token grid {grid} of a clip of {frames} "
                f"frames {height}x{width} in tubelets of {kt}x{kh}x{kw}{hint}."
            )
        volume = saliency.float().repeat_interleave(kt, 0).repeat_interleave(kh, 1).repeat_interleave(kw, 2)
        volume = F.pad(volume, (0, width - volume.shape[2], 0, height - volume.shape[1], 0, frames - volume.shape[0]))
    return volume / volume.max().clamp_min(torch.finfo(torch.float32).tiny)


def _sampled_frames_volume(saliency: torch.Tensor, config, frames: int, height: int, width: int) -> torch.Tensor:
    """Uniform frame sampling's tokens on their frames: the model stacks the picked frames along the height and
    patches that tall image (`stacked_frame_grid`), so the token rows, in order, are its rows of patches (a patch may
    straddle two frames); each picked frame's part goes back to the frame it was picked from."""
    kh, kw = config.tubelet_size[1:]
    picked = uniform_frame_indices(frames, config.num_sampled_frames)
    grid = stacked_frame_grid(
        len(picked), height, width, (kh, kw), getattr(config, "frame_sampling_splits_tokens", False)
    )
    if tuple(saliency.shape) != grid:
        raise ValueError(
            f"A saliency of shape {tuple(saliency.shape)} is not the token grid {grid} of the {len(picked)} frames "
            f"{height}x{width} this model samples from a clip of {frames} frames in patches of {kh}x{kw}."
        )
    # the tokens in order are the tall image's rows of `width // kw` patches, whatever the grid's shape (Models 3 and
    # 4 may split a straddling stack's tokens per frame by count: a grid row is then not a patch row)
    tall = saliency.float().reshape(-1, width // kw).repeat_interleave(kh, 0).repeat_interleave(kw, 1)
    tall = F.pad(tall, (0, width - tall.shape[1], 0, len(picked) * height - tall.shape[0]))
    volume = torch.zeros(frames, height, width, device=tall.device)
    return volume.index_add_(0, torch.tensor(picked, device=tall.device), tall.reshape(len(picked), height, width))


def _colour(heat: np.ndarray) -> np.ndarray:
    try:
        from matplotlib import colormaps

        return colormaps["inferno"](heat)[..., :3]
    except ImportError:
        return np.stack([heat, np.zeros_like(heat), np.zeros_like(heat)], axis=-1)


def _one_clip(pixel_values) -> torch.Tensor:
    """`pixel_values` of one clip, `(frames, channels, height, width)`, as a CPU tensor to draw. A batch failed with
    "too many values to unpack", a `(frames, height, width, channels)` clip with a saliency said not to fit the grid
    of a clip 3 pixels wide, a numpy array with "'numpy.ndarray' object has no attribute 'float'", and a clip on the
    GPU or one that requires grad in numpy's conversion."""
    clip = pixel_values if isinstance(pixel_values, torch.Tensor) else torch.as_tensor(np.asarray(pixel_values))
    if clip.ndim != 4 or clip.shape[1] not in (1, 3, 4):
        hint = ": pass one clip of the batch (pixel_values[i])" if clip.ndim == 5 else ""
        raise ValueError(
            f"saliency_overlay draws one clip, (frames, channels, height, width) with 1, 3 or 4 channels, as the "
            f"models take it; got shape {tuple(clip.shape)}{hint}."
        )
    return clip.detach().cpu()


def saliency_overlay(
    pixel_values: torch.Tensor,
    saliency: torch.Tensor,
    tubelet_size=(2, 16, 16),
    path: str | Path | None = None,
    alpha: float = 0.5,
    max_frames: int = 8,
) -> np.ndarray:
    """Frames of one clip (frames, channels, height, width; any value range) side by side, each blended with its
    saliency (`tubelet_size`: the model's config, or a tubelet model's `tubelet_size`; see `upsample_saliency`);
    returns the uint8 image (height, n * width, 3) and writes it as a PNG to `path` if given. At most `max_frames`
    frames, evenly spaced, are drawn: of the frames the model sees (with uniform frame sampling, those it picks)."""
    pixel_values = _one_clip(pixel_values)
    frames, _, height, width = pixel_values.shape
    # drawn on the CPU: a saliency on the GPU (`attention_rollout` of a model there), one that requires grad (computed
    # from a forward's `attentions` with gradients on) or a numpy array failed in the numpy conversion or `.float()`
    saliency = torch.as_tensor(saliency).detach().cpu()
    if saliency.ndim != 3:  # a batch's (b, t, h, w) was said not to be the token grid, "pass the model's config"
        hint = ": pass one clip's saliency (saliency[i])" if saliency.ndim == 4 else ""
        raise ValueError(
            f"saliency_overlay draws one clip's saliency, (t, h, w) over its tokens as `attention_rollout` gives it "
            f"per clip; got shape {tuple(saliency.shape)}{hint}."
        )
    if isinstance(max_frames, bool) or not isinstance(max_frames, Integral) or max_frames < 1:
        # (0 failed in torch's "amin(): Expected reduction dim to be specified for input.numel() == 0")
        raise ValueError(f"max_frames must be a whole number >= 1 (the frames drawn), got {max_frames!r}.")
    heat = upsample_saliency(saliency, tubelet_size, frames, height, width)
    seen = np.arange(frames)
    if getattr(tubelet_size, "embedding_type", None) == "frame_sampling":
        seen = np.unique(uniform_frame_indices(frames, tubelet_size.num_sampled_frames))
    keep = seen[np.unique(np.linspace(0, len(seen) - 1, min(len(seen), max_frames)).round().astype(int))]
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
