# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Mixup and CutMix for video batches, as a collator (paper Table 4: mixup 0.1-0.3 on EK / SSv2).

Videos are `(B, T, C, H, W)`. Mixup blends each video with another of the batch (its partner in
the reversed batch, as timm and scenic pair them); CutMix pastes one box, the same for every frame,
so the pasted region is a tube through time. Labels become soft: label smoothing first, then the
two label vectors mixed with the same weight as the pixels (for CutMix, the exact box area). Given `valid`, clips
that could not be decoded (zeros, left out of the loss) are nobody's partner: the decoded clips are paired in their
own reversed order, so none is blended with a black clip and given that clip's label.
"""

from __future__ import annotations

import numpy as np
import torch

__all__ = ["smooth_one_hot", "VideoMixup"]


def smooth_one_hot(labels: torch.Tensor, num_classes: int, smoothing: float = 0.0) -> torch.Tensor:
    """Class indices `(B,)` (or already soft `(B, K)`) -> smoothed targets `(B, K)` float32."""
    if not 0.0 <= smoothing < 1.0:
        raise ValueError(f"label smoothing must be in [0, 1), got {smoothing}.")
    labels = torch.as_tensor(labels)
    if labels.ndim == 2:
        if labels.shape[1] != num_classes:
            raise ValueError(f"soft labels have {labels.shape[1]} classes, expected {num_classes}.")
        targets = labels.float()
    elif labels.ndim == 1:
        if labels.numel() and (int(labels.min()) < 0 or int(labels.max()) >= num_classes):
            raise ValueError(f"labels must be in [0, {num_classes}), got {labels.tolist()}.")
        targets = torch.nn.functional.one_hot(labels.long(), num_classes).float()
    else:
        raise ValueError(
            f"labels must be (batch,) indices or (batch, classes) soft labels, got shape {tuple(labels.shape)}."
        )
    return targets * (1.0 - smoothing) + smoothing / num_classes


class VideoMixup:
    """Mix a batch: `pixel_values (B, T, C, H, W)`, integer `labels (B,)` -> mixed pixels, soft labels.

    num_classes: width of the soft labels.
    mixup_alpha: Beta(alpha, alpha) for Mixup; 0 turns Mixup off.
    cutmix_alpha: Beta(alpha, alpha) for CutMix's kept area; 0 turns CutMix off.
    prob: probability that a batch is mixed at all (labels are still smoothed).
    switch_prob: when both are on, the probability of CutMix instead of Mixup.
    label_smoothing: applied to the one-hot labels before mixing.
    seed: seeds the generator (numpy), for reproducible batches.
    """

    def __init__(
        self,
        num_classes: int,
        mixup_alpha: float = 0.0,
        cutmix_alpha: float = 0.0,
        prob: float = 1.0,
        switch_prob: float = 0.5,
        label_smoothing: float = 0.0,
        seed: int | None = None,
    ):
        if num_classes < 1:
            raise ValueError(f"num_classes must be positive, got {num_classes}.")
        if mixup_alpha < 0 or cutmix_alpha < 0:
            raise ValueError(f"mixup_alpha and cutmix_alpha must be >= 0, got {mixup_alpha}, {cutmix_alpha}.")
        if not 0.0 <= prob <= 1.0 or not 0.0 <= switch_prob <= 1.0:
            raise ValueError(f"prob and switch_prob must be in [0, 1], got {prob}, {switch_prob}.")
        self.num_classes = num_classes
        self.mixup_alpha = mixup_alpha
        self.cutmix_alpha = cutmix_alpha
        self.prob = prob
        self.switch_prob = switch_prob
        self.label_smoothing = label_smoothing
        self.rng = np.random.default_rng(seed)

    def _box(self, height: int, width: int, lam: float) -> tuple[int, int, int, int]:
        """A box covering about `1 - lam` of the frame, centre uniform, clipped to the frame."""
        cut = np.sqrt(1.0 - lam)
        ch, cw = int(height * cut), int(width * cut)
        cy, cx = int(self.rng.integers(0, height)), int(self.rng.integers(0, width))
        top, bottom = np.clip([cy - ch // 2, cy + ch // 2], 0, height)
        left, right = np.clip([cx - cw // 2, cx + cw // 2], 0, width)
        return int(top), int(bottom), int(left), int(right)

    def __call__(
        self, pixel_values: torch.Tensor, labels: torch.Tensor, valid: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """`valid` `(B,)` bool: the clips that were decoded; the others (zeros) keep their own pixels and labels and
        are no partner of a decoded clip."""
        if pixel_values.ndim != 5:
            raise ValueError(
                f"pixel_values must be (batch, frames, channels, height, width), got shape {tuple(pixel_values.shape)}."
            )
        if len(labels) != pixel_values.shape[0]:
            raise ValueError(f"{len(labels)} labels for a batch of {pixel_values.shape[0]} videos.")
        if valid is not None and tuple(valid.shape) != (pixel_values.shape[0],):
            raise ValueError(f"valid has shape {tuple(valid.shape)} for a batch of {pixel_values.shape[0]} videos.")
        targets = smooth_one_hot(labels, self.num_classes, self.label_smoothing)
        use_mixup, use_cutmix = self.mixup_alpha > 0, self.cutmix_alpha > 0
        if not (use_mixup or use_cutmix) or self.rng.random() >= self.prob:
            return pixel_values, targets
        cutmix = use_cutmix and (not use_mixup or self.rng.random() < self.switch_prob)
        alpha = self.cutmix_alpha if cutmix else self.mixup_alpha
        lam = float(self.rng.beta(alpha, alpha))
        partner = _partners(valid, pixel_values.shape[0], pixel_values.device)
        flipped = pixel_values.flip(0) if partner is None else pixel_values[partner]
        if cutmix:
            height, width = pixel_values.shape[-2:]
            top, bottom, left, right = self._box(height, width, lam)
            mixed = pixel_values.clone()
            mixed[..., top:bottom, left:right] = flipped[..., top:bottom, left:right]
            lam = 1.0 - (bottom - top) * (right - left) / (height * width)  # the area really kept
        else:
            mixed = pixel_values * lam + flipped * (1.0 - lam)
        partner_targets = targets.flip(0) if partner is None else targets[partner.to(targets.device)]
        return mixed, targets * lam + partner_targets * (1.0 - lam)


def _partners(valid: torch.Tensor | None, size: int, device) -> torch.Tensor | None:
    """Each clip's partner: the reversed batch (None) without `valid`; else the valid clips in their own reversed
    order, each invalid clip its own. A broken clip's zeros paired with a decoded clip blended it with black and gave
    it the broken clip's label (with mixup 0.1, Beta's U shape makes that most of the clip half the time), in the loss
    as a decoded clip. Computed on the device without reading `valid` back (no wait for the step before)."""
    if valid is None:
        return None
    valid = valid.to(device=device, dtype=torch.bool)
    rank = valid.long().cumsum(0) - 1  # among the valid clips
    count = valid.long().sum()
    in_order = torch.argsort((~valid).long(), stable=True)  # the valid clips' positions first, in order
    index = torch.arange(size, device=device)
    return torch.where(valid, in_order[(count - 1 - rank).clamp(min=0)], index)
