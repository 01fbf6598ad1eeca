# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Clip-consistent spatial transforms on `(T, C, H, W)` tensors.

Every function takes a whole clip and draws its random parameters once, so all frames of a clip
get the same crop, flip, colour change or RandAugment op: a clip must stay a video of one scene,
not a flicker of independent augmentations. Random draws come from a `numpy.random.Generator`
(RandAugment's torch draws from a torch generator of its own seeded from it, never torch's global one, which
other threads draw from), so a seed reproduces a batch exactly.

Training augmentations follow scenic's ViViT configs (DMVR's processors): shorter side to `min_resize` (256),
scale jitter of the height and the width by factors in [0.9, 1.33], random crop 224, horizontal flip (not for
Something-Something v2, whose labels name left and right), colour augmentation with probability 0.8 and a colour
drop with probability 0.1, and RandAugment. Test uses a centre crop or three crops along the longer side.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torchvision.transforms.v2 as T
import torchvision.transforms.v2.functional as tvF

from .video_io import output_size

__all__ = [
    "NORMALIZATION_PRESETS",
    "IMAGENET_MEAN",
    "IMAGENET_STD",
    "shortest_side_size",
    "resize_shortest_side",
    "resize",
    "resized_views",
    "RESIZED_BYTES",
    "center_crop",
    "crop",
    "three_crops",
    "random_crop",
    "scale_jitter",
    "horizontal_flip",
    "color_jitter",
    "rand_augment",
    "rescale_and_normalize",
    "affine_normalization",
    "apply_affine",
]

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

# name -> (rescale_factor, rescale_offset, do_normalize, image_mean, image_std)
NORMALIZATION_PRESETS = {
    # scenic's zero-centring: x / 127.5 - 1, in [-1, 1]; what the released ViViT checkpoints saw.
    "scenic": dict(
        rescale_factor=1 / 127.5, rescale_offset=True, do_normalize=False, image_mean=[0.5] * 3, image_std=[0.5] * 3
    ),
    # ImageNet statistics on [0, 1] pixels.
    "imagenet": dict(
        rescale_factor=1 / 255,
        rescale_offset=False,
        do_normalize=True,
        image_mean=list(IMAGENET_MEAN),
        image_std=list(IMAGENET_STD),
    ),
    # transformers' VivitVideoProcessor: offset rescale to [-1, 1], then normalise by 0.5 / 0.5 again: [-3, 1].
    "transformers_vivit": dict(
        rescale_factor=1 / 127.5, rescale_offset=True, do_normalize=True, image_mean=[0.5] * 3, image_std=[0.5] * 3
    ),
}

_INTERPOLATION = {
    "bilinear": tvF.InterpolationMode.BILINEAR,
    "bicubic": tvF.InterpolationMode.BICUBIC,
    "nearest": tvF.InterpolationMode.NEAREST,
}


def _interpolation(mode) -> tvF.InterpolationMode:
    if isinstance(mode, tvF.InterpolationMode):
        return mode
    if isinstance(mode, str) and mode in _INTERPOLATION:
        return _INTERPOLATION[mode]
    raise ValueError(f"Unknown interpolation {mode!r}; expected one of {sorted(_INTERPOLATION)}.")


def _seed_from(rng: np.random.Generator) -> int:
    return int(rng.integers(0, 2**31 - 1))


def shortest_side_size(height: int, width: int, size: int) -> tuple[int, int]:
    """(H, W) with the shorter side at `size` and the longer truncated, as torchvision and transformers
    (the rule the decoders resize by too)."""
    return output_size(height, width, int(size))


def resize(
    video: torch.Tensor, height: int, width: int, interpolation="bilinear", antialias: bool = True
) -> torch.Tensor:
    # No early return for a clip already at (height, width): torchvision hands back `video` itself then, after
    # checking `interpolation`, so a misspelt mode fails on every clip, not only on those of another size.
    return tvF.resize(video, [height, width], interpolation=_interpolation(interpolation), antialias=antialias)


def resize_shortest_side(
    video: torch.Tensor, size: int, interpolation="bilinear", antialias: bool = True
) -> torch.Tensor:
    return resize(video, *shortest_side_size(*video.shape[-2:], size), interpolation=interpolation, antialias=antialias)


# The most bytes of resized frames held at once where views are cut from them (`resized_views`), and the most one
# resized frame may take: transformers' shortest-side rule enlarges a 4000x16 video (a banner, a header that lies) to
# 256x64000, 49 MB a frame, and a 4000x1 one to 256x1024000, 786 MB a frame; a clip of such frames was killed for
# memory before its 224 crop was cut
RESIZED_BYTES = 1 << 28


def resized_views(video: torch.Tensor, height: int, width: int, interpolation, views_of) -> list[torch.Tensor]:
    """`views_of(resize(video, height, width))`, resizing a few frames at a time where the whole resized clip would
    pass `RESIZED_BYTES` (each frame is resized alone, so the views are the same): the memory of a clip's views
    plus a chunk's frames, not the clip's frames at the resized size. `views_of` must cut every frame alike."""
    frame_bytes = video.shape[-3] * height * width * video.element_size()
    step = max(1, RESIZED_BYTES // frame_bytes)
    if step >= video.shape[0]:
        return views_of(resize(video, height, width, interpolation))
    # (a crop is a view of the chunk it was cut from: cloned, so that each chunk's resized frames are let go)
    chunks = [
        [view.clone() for view in views_of(resize(video[start : start + step], height, width, interpolation))]
        for start in range(0, video.shape[0], step)
    ]
    return [torch.cat(parts) for parts in zip(*chunks)]


def crop(video: torch.Tensor, top: int, left: int, height: int, width: int) -> torch.Tensor:
    return video[..., top : top + height, left : left + width]


def _pad_to(video: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """Zero-pad symmetrically up to (height, width) when the frame is smaller (tiny videos)."""
    h, w = video.shape[-2:]
    if h >= height and w >= width:
        return video
    pad_w, pad_h = max(0, width - w), max(0, height - h)
    return tvF.pad(video, [pad_w // 2, pad_h // 2, (pad_w + 1) // 2, (pad_h + 1) // 2], fill=0)


def center_crop(video: torch.Tensor, height: int, width: int) -> torch.Tensor:
    video = _pad_to(video, height, width)
    h, w = video.shape[-2:]
    return crop(video, int((h - height) / 2.0), int((w - width) / 2.0), height, width)


def three_crops(video: torch.Tensor, height: int, width: int) -> list[torch.Tensor]:
    """Start, centre and end crops along the longer side, centred on the shorter (the paper's 3 views).

    As scenic's `deterministic_crop`: a centre offset rounds half a pixel up (ceil((h - height) / 2)), unlike the
    single centre crop (TF's `resize_with_crop_or_pad`, which rounds down); a 256 x 341 Kinetics frame's centre
    crop starts at column 59, not 58.
    """
    video = _pad_to(video, height, width)
    h, w = video.shape[-2:]
    top, left = (h - height + 1) // 2, (w - width + 1) // 2  # ceil of half the room to spare
    if w - width >= h - height:  # landscape (or square): left, centre, right
        return [crop(video, top, x, height, width) for x in (0, left, w - width)]
    return [crop(video, y, left, height, width) for y in (0, top, h - height)]


def random_crop(video: torch.Tensor, height: int, width: int, rng: np.random.Generator) -> torch.Tensor:
    video = _pad_to(video, height, width)
    h, w = video.shape[-2:]
    top = int(rng.integers(0, h - height + 1))
    left = int(rng.integers(0, w - width + 1))
    return crop(video, top, left, height, width)


def scale_jitter(
    video: torch.Tensor,
    rng: np.random.Generator,
    min_factor: float = 0.9,
    max_factor: float = 1.33,
    interpolation="bilinear",
) -> torch.Tensor:
    """Resize the height and the width by two factors drawn independently and uniformly from [min_factor,
    max_factor], each side truncated to whole pixels: DMVR's `scale_jitter_augm`, which scenic's ViViT configs apply to
    every training clip (`prob_scale_jitter=1.0`), so the aspect ratio is jittered too. The height's factor is drawn
    first, as DMVR draws it."""
    if not 0 < min_factor <= max_factor:
        raise ValueError(f"scale jitter needs 0 < min_factor <= max_factor, got ({min_factor}, {max_factor}).")
    height_factor = np.float32(rng.uniform(min_factor, max_factor))
    width_factor = np.float32(rng.uniform(min_factor, max_factor))
    h, w = video.shape[-2:]
    # float32 products truncated, as DMVR's `tf.cast(h_scale * tf.cast(h, tf.float32), tf.int32)`; at least 1 pixel
    new_h, new_w = int(height_factor * np.float32(h)), int(width_factor * np.float32(w))
    return resize(video, max(1, new_h), max(1, new_w), interpolation)


def horizontal_flip(video: torch.Tensor) -> torch.Tensor:
    return video.flip(-1)


# TensorFlow's `rgb_to_grayscale` weights (DMVR's colour drop); torchvision's are the same to 4 digits
_GREY_WEIGHTS = (0.2989, 0.5870, 0.1140)


def _hue_chroma_value(rgb: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Hue (in [0, 1)), chroma (max - min) and value (max) of `(..., 3, H, W)` float pixels, by TensorFlow's formulas
    (its `adjust_hue` / `adjust_saturation` kernels; grey pixels get hue 0). Chroma rather than saturation, as
    TensorFlow's hue kernel keeps it: it stays right for pixels a brightness step made negative."""
    r, g, b = rgb.unbind(-3)
    value = torch.maximum(torch.maximum(r, g), b)
    chroma = value - torch.minimum(torch.minimum(r, g), b)
    safe = torch.where(chroma > 0, chroma, 1.0)
    hue = torch.where(r == value, (g - b) / safe, torch.where(g == value, (b - r) / safe + 2, (r - g) / safe + 4))
    hue = torch.where(chroma > 0, torch.remainder(hue / 6, 1.0), 0.0)
    return hue, chroma, value


def _rgb(hue: torch.Tensor, chroma: torch.Tensor, value: torch.Tensor) -> torch.Tensor:
    """`(..., 3, H, W)` pixels of a hue in [0, 1), chroma and value (the inverse of `_hue_chroma_value`)."""
    sixths = hue * 6
    x = chroma * (1 - torch.abs(torch.remainder(sixths, 2.0) - 1))
    zero = torch.zeros_like(chroma)
    sector = torch.floor(sixths).long().clamp(0, 5)
    # (r, g, b) above the minimum, per sixth of the colour wheel: red-yellow, yellow-green, ..., magenta-red
    table = ((chroma, x, zero), (x, chroma, zero), (zero, chroma, x), (zero, x, chroma), (x, zero, chroma))
    rgb = [chroma, zero, x]
    for k, row in enumerate(table):
        rgb = [torch.where(sector == k, new, old) for new, old in zip(row, rgb)]
    return torch.stack(rgb, dim=-3) + (value - chroma).unsqueeze(-3)


def _scale_saturation(rgb: torch.Tensor, factor: float) -> torch.Tensor:
    """TensorFlow's `adjust_saturation`: HSV saturation (chroma / value, 0 where value <= 0) times `factor`, clipped to
    [0, 1], hue and value kept. A channel is `value - chroma * w(hue)`, so it becomes `value - (value - channel) *
    new / old chroma`, without the round trip through HSV (a third of the time on a 32-frame clip)."""
    _, chroma, value = _hue_chroma_value(rgb)
    positive = value > 0
    saturation = torch.where(positive, chroma / torch.where(positive, value, 1.0), 0.0)
    new_chroma = (saturation * factor).clamp(0, 1) * torch.where(positive, value, 0.0)
    ratio = (new_chroma / torch.where(chroma > 0, chroma, 1.0)).unsqueeze(-3)
    return value.unsqueeze(-3) - (value.unsqueeze(-3) - rgb) * ratio


def color_jitter(
    video: torch.Tensor,
    rng: np.random.Generator,
    brightness: float = 32 / 255,
    contrast: float = 0.4,
    saturation: float = 0.4,
    hue: float = 0.2,
    grayscale_prob: float = 0.1,
    prob: float = 1.0,
) -> torch.Tensor:
    """scenic's colour augmentation (DMVR's `color_default_augm`, which scenic's ViViT configs turn on with
    `do_color_augment`), the same for every frame of the clip.

    With probability `prob` (scenic's `prob_color_augment`, 0.8 in its configs), on pixels scaled to [0, 1]: brightness
    `+ delta`, delta in [-brightness, brightness] (32 / 255); saturation times a factor in [1 - saturation,
    1 + saturation] (in HSV, clipped to [0, 1]); contrast `(x - mean) * factor + mean`, factor in [1 - contrast,
    1 + contrast], the mean per channel of each frame; hue `+ delta` in [-hue, hue] (a fraction of the colour wheel):
    in that order, drawn in that order, then clipped to [0, 1]. Then, on a draw of its own, a colour drop to grey
    (TensorFlow's weights) with probability `grayscale_prob` (`prob_color_drop`, 0.1), whether or not the colours
    were jittered. TensorFlow's kernels are followed: saturation and hue in HSV (torchvision's `adjust_saturation`
    blends with grey instead), brightness added (torchvision's multiplies), contrast about each channel's mean
    (torchvision's about the grey mean), no rounding between the steps.

    `video`: uint8, or float on the same 0-255 scale; the result is float32 on that scale (the input itself when
    neither draw changes it)."""
    out = video
    if rng.random() < prob:
        brightness_delta = float(rng.uniform(-brightness, brightness))
        saturation_factor = float(rng.uniform(1 - saturation, 1 + saturation))
        contrast_factor = float(rng.uniform(1 - contrast, 1 + contrast))
        hue_delta = float(rng.uniform(-hue, hue))
        x = video.float() / 255 + brightness_delta
        x = _scale_saturation(x, saturation_factor)
        mean = x.mean(dim=(-2, -1), keepdim=True)
        x = (x - mean) * contrast_factor + mean
        h, c, v = _hue_chroma_value(x)
        x = _rgb(torch.remainder(h + hue_delta, 1.0), c, v)
        out = x.clamp(0, 1) * 255
    if rng.random() < grayscale_prob:
        r, g, b = out.float().unbind(-3)
        grey = _GREY_WEIGHTS[0] * r + _GREY_WEIGHTS[1] * g + _GREY_WEIGHTS[2] * b
        out = grey.unsqueeze(-3).expand(out.shape).contiguous()
    return out


def rand_augment(
    video: torch.Tensor, rng: np.random.Generator, num_ops: int = 2, magnitude: int = 15, num_magnitude_bins: int = 31
) -> torch.Tensor:
    """torchvision's RandAugment on the clip as one batch: the same ops and magnitudes for every frame.

    `magnitude` is on torchvision's scale (0 to `num_magnitude_bins - 1`, default 0-30).
    """
    if not 0 <= magnitude < num_magnitude_bins:
        raise ValueError(f"RandAugment magnitude must be in [0, {num_magnitude_bins - 1}], got {magnitude}.")
    augment = T.RandAugment(num_ops=num_ops, magnitude=magnitude, num_magnitude_bins=num_magnitude_bins)
    # torchvision's `RandAugment.forward`, its draws (the same numbers, in the same order) taken from a generator of
    # its own: seeded into torch's global generator (under `fork_rng`), a call in another thread drew from this seed
    # and the restore rewound that thread's draws (4 threads: 180 distinct of 200 training views; dropout in a
    # training thread beside a thread of augmentation would repeat too)
    seed = _seed_from(rng)
    space = getattr(augment, "_AUGMENTATION_SPACE", None)
    apply = getattr(augment, "_apply_image_or_video_transform", None)
    if not isinstance(space, dict) or not callable(apply) or not hasattr(augment, "_fill"):
        # torchvision's private names (0.21 to 0.29 alike) gone in another version: its public forward, drawing
        # from torch's global generator under the seed (the same views; other threads' draws disturbed)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            return augment(video)
    generator = torch.Generator().manual_seed(seed)
    names = tuple(space)
    height, width = video.shape[-2:]
    for _ in range(num_ops):
        name = names[int(torch.randint(len(names), (), generator=generator))]
        magnitudes_fn, signed = space[name]
        magnitudes = magnitudes_fn(num_magnitude_bins, height, width)
        value = 0.0
        if magnitudes is not None:
            value = float(magnitudes[magnitude])
            if signed and torch.rand((), generator=generator) <= 0.5:
                value *= -1
        video = apply(video, name, value, interpolation=augment.interpolation, fill=augment._fill)
    return video


def rescale_and_normalize(
    video: torch.Tensor,
    do_rescale: bool = True,
    rescale_factor: float = 1 / 127.5,
    rescale_offset: bool = True,
    do_normalize: bool = False,
    image_mean: Sequence[float] = (0.5, 0.5, 0.5),
    image_std: Sequence[float] = (0.5, 0.5, 0.5),
    inplace: bool = False,
) -> torch.Tensor:
    """`x * rescale_factor` (`- 1` with `rescale_offset`), then `(x - mean) / std`; float32 out.

    The operation order matches transformers' `VivitVideoProcessor` so its preset agrees to float
    rounding. `inplace` reuses a float32 input's memory."""
    if video.dtype != torch.float32:
        video, inplace = video.float(), True  # a fresh copy: safe to overwrite
    if do_rescale:
        video = video.mul_(rescale_factor) if inplace else video * rescale_factor
        if rescale_offset:
            video = video.sub_(1) if inplace else video - 1
    if do_normalize:
        video = tvF.normalize(video, list(image_mean), list(image_std), inplace=inplace)
    return video


def affine_normalization(
    do_rescale: bool = True,
    rescale_factor: float = 1 / 127.5,
    rescale_offset: bool = True,
    do_normalize: bool = False,
    image_mean: Sequence[float] = (0.5, 0.5, 0.5),
    image_std: Sequence[float] = (0.5, 0.5, 0.5),
    device=None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """`rescale_and_normalize` folded into one per-channel `x * scale + bias`: `(3, 1, 1)` float32
    `scale` and `bias` for `apply_affine`, which turns a uint8 clip into normalised float32 in a
    single pass. Computed in float64; see `apply_affine` for how close that is to the steps."""
    factor = float(rescale_factor) if do_rescale else 1.0
    offset = -1.0 if do_rescale and rescale_offset else 0.0
    scale = torch.full((3,), factor, dtype=torch.float64)
    bias = torch.full((3,), offset, dtype=torch.float64)
    if do_normalize:
        mean, std = _per_channel(image_mean, "image_mean"), _per_channel(image_std, "image_std")
        scale, bias = scale / std, (bias - mean) / std
    return (scale.to(torch.float32).reshape(3, 1, 1).to(device), bias.to(torch.float32).reshape(3, 1, 1).to(device))


def _per_channel(value, name: str) -> torch.Tensor:
    """A scalar or one value per channel (transformers accepts both) as a float64 `(3,)` tensor."""
    values = torch.as_tensor(np.asarray(value, dtype=np.float64).reshape(-1))
    if values.numel() not in (1, 3):
        raise ValueError(f"{name} must be one number or one per channel (3), got {value!r}.")
    return values.expand(3)


def apply_affine(
    clip: torch.Tensor, scale: torch.Tensor, bias: torch.Tensor, out: torch.Tensor | None = None
) -> torch.Tensor:
    """`clip * scale + bias` (per channel, `(3, 1, 1)` from `affine_normalization`) in one pass,
    reading uint8 (or float) and writing float32, into `out` when given.

    The first channel's scale goes in as `addcmul`'s scalar `value`: torch then rounds
    `x * scale` before adding the bias, as the step-by-step `x * factor - 1` does, so presets whose
    channels share one scale (scenic, transformers') give the very same floats, -1 and 1 exactly at
    0 and 255 (with the scale as a tensor, a fused multiply-add lands one float step above 1)."""
    if clip.dim() >= 3 and scale.dim() == 3 and scale.shape[0] not in (1, clip.shape[-3]):
        # a 4-channel clip (`do_convert_rgb=False` keeps it) takes the one value its three channels share
        if not (bool((scale == scale[:1]).all()) and bool((bias == bias[:1]).all())):
            raise ValueError(
                f"A scale and bias of {scale.shape[0]} different channels cannot normalise a clip of "
                f"{clip.shape[-3]} channels."
            )
        scale, bias = scale[:1], bias[:1]
    value = float(scale.flatten()[0])
    return torch.addcmul(bias, clip, scale / value, value=value, out=out)
