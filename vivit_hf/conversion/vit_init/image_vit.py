# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The image ViT every reader fills (`ImageViT`), in our own block layout, and what the readers share: the error
they raise, the advice it gives, the standard ViT sizes, the split of a position table into its CLS row and grid, the
ViT's input pixels and the naming of what finds no place in a ViViT."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import torch

# The same ViT facts are keyword arguments of three functions under two names: errors name all three spellings.
HEADS_ARGUMENT = (
    "`vit_num_attention_heads=` to from_vit_pretrained (`num_attention_heads=` to load_image_vit or "
    "initialise_from_vit)"
)
_GRID_ARGUMENT = "`vit_grid=` to from_vit_pretrained (`grid=` to load_image_vit or initialise_from_vit)"
# The advice as its errors and warnings say it, whole, so that a caller with other means (recipes/finetune.py's
# flags) can say it in its own words (vivit_hf.training.flags.vit_init_in_flag_words).
VIT_HEADS_ADVICE = f"pass the head count as {HEADS_ARGUMENT}"
VIT_GRID_ADVICE = f"pass the ViT's grid (rows, cols) as {_GRID_ARGUMENT}"
VIT_ACTIVATION_ADVICE = (
    "pass hidden_act= (a transformers activation: 'gelu_pytorch_tanh') to from_vit_pretrained or load_image_vit"
)
VIT_NUMERICS_ADVICE = (
    "to start from the function the ViT learnt, give the video model the ViT's (from_vit_pretrained takes them "
    "unless hidden_act= or layer_norm_eps= is passed to it)"
)
# what a model of fewer channels than its RGB start is told (from_vit_pretrained refuses it; the restart starts its
# embedding fresh): grey-video users asked how to start from an RGB model (timm adapts its kernel: in_chans=1 sums it)
GREY_VIDEO_ADVICE = (
    "For grey video keep num_channels=3: ViViTVideoProcessor gives grey frames as equal R, G and B, which the RGB "
    "kernel takes as one kernel summed over its channels (timm's in_chans=1); for tensors of fewer channels, repeat "
    "them (`pixel_values.expand(-1, -1, 3, -1, -1)` for one)"
)


# timm and bare state dicts do not store the head count: the standard ViT sizes, by the name timm's architectures
# carry and by width.
VIT_SIZES = {
    "tiny": (192, 3),
    "small": (384, 6),
    "base": (768, 12),
    "large": (1024, 16),
    "huge": (1280, 16),
    "giant": (1408, 16),
    "gigantic": (1664, 16),
}
HEADS_BY_NAME = {name: heads for name, (_, heads) in VIT_SIZES.items()}
HEADS_BY_WIDTH = {width: heads for width, heads in VIT_SIZES.values()}


class ViTInitError(ValueError):
    """An image ViT (or a ViViT checkpoint restarted) that cannot start this video model; the message names the
    parameter or size at fault."""


# ------------------------------------------------------------------------------------------------ the image ViT
@dataclass
class ImageViT:
    """An image ViT in our own layout (PyTorch tensors, `ViViTLayer` parameter names), whatever its origin.

    `position_grid` is the grid part of the position embeddings, (1, gh * gw, d) row-major over `grid`;
    `cls_position` its CLS row (zeros for a timm model that gives the CLS token no position). `unused` maps every
    source parameter that has no place in a ViViT to the reason.
    """

    patch_kernel: torch.Tensor  # (d, c, h, w)
    patch_bias: torch.Tensor | None
    position_grid: torch.Tensor
    grid: tuple[int, int]
    cls_token: torch.Tensor | None
    cls_position: torch.Tensor | None
    layers: list[dict[str, torch.Tensor]]
    final_norm: dict[str, torch.Tensor] | None
    hidden_act: str
    layer_norm_eps: float
    num_attention_heads: int
    pre_logits: dict[str, torch.Tensor] | None = None  # representation layer (dense before tanh), if any
    pre_logits_names: tuple[str, ...] = ()
    # the image classifier (dense after the pooling, or after `pre_logits` where there is one), if any
    classifier: dict[str, torch.Tensor] | None = None
    classifier_names: tuple[str, ...] = ()
    # the classifier's class names where the source names them (a transformers config's `id2label`, a timm Hub
    # folder's `label_names`), so a copied classifier keeps them: its rows are those classes
    id2label: dict[int, str] | None = None
    # what the classifier's outputs mean (a transformers config's `problem_type`: multi-label or regression), so a
    # copied classifier is trained with its own loss: with None, multi-hot labels would be refused as single-label ones
    problem_type: str | None = None
    unused: dict[str, str] = field(default_factory=dict)
    # How the image classifier pools the tokens: a ViViT `classifier` ("token", "gap", "gmp"), or in the source's
    # words where no ViViT classifier pools so (timm's global_pool='avg' over the patch tokens beside a CLS token);
    # None where the source does not say (a state dict, an .npz): the CLS token where there is one, else the mean.
    pooling: str | None = None
    initializer_range: float | None = None
    origin: str = ""
    cls_token_name: str = "cls_token"
    # The ViT's input pixels as `ViViTVideoProcessor` keyword arguments, where the source says them (a transformers
    # folder's preprocessor_config.json, also that of the folder a transformers model object was loaded from; a timm
    # model's or Hub folder's pretrained_cfg; big_vision / scenic: [-1, 1]); None where it does not (a bare state dict).
    pixel_normalisation: dict | None = None
    # the source's own dtype (its tensors here are float32): what `from_vit_pretrained(dtype="auto")` casts to, as
    # from_pretrained(dtype="auto") loads the ViT in it
    dtype: torch.dtype = torch.float32
    # The other reading of a bare timm state dict's table, which does not say its grid: read as a CLS row and a
    # square grid, its rows could as well be the patch grid of a `no_embed_class` ViT (its CLS token has no position,
    # as DeiT III's): the table's length then, else None. Said only where the video model's grid has that other
    # grid's shape (`no_embed_class_grid`): most CLS ViTs' tables also factor (7 of 11 ViT sizes at 224/384/448/518 px,
    # patch 8/14/16/32: B/32's 50 rows, DINOv2's 1370), and always into a non-square grid.
    no_embed_class_patches: int | None = None

    @property
    def classifier_pooling(self) -> str:
        """The pooling the image classifier reads, as `pooling` says it or as the layout's usual one."""
        return self.pooling or ("token" if self.cls_token is not None else "gap")

    @property
    def hidden_size(self) -> int:
        return self.patch_kernel.shape[0]

    @property
    def patch_size(self) -> tuple[int, int]:
        return tuple(self.patch_kernel.shape[2:])

    @property
    def image_size(self) -> tuple[int, int]:
        return self.grid[0] * self.patch_size[0], self.grid[1] * self.patch_size[1]

    def config_kwargs(self) -> dict:
        """The video config fields the ViT determines (sizes, activation, eps, qkv bias)."""
        height, width = self.image_size
        kwargs = dict(
            image_size=height if height == width else [height, width],
            num_channels=self.patch_kernel.shape[1],
            hidden_size=self.hidden_size,
            num_hidden_layers=len(self.layers),
            num_attention_heads=self.num_attention_heads,
            intermediate_size=self.layers[0]["mlp.fc1.weight"].shape[0],
            hidden_act=self.hidden_act,
            layer_norm_eps=self.layer_norm_eps,
            qkv_bias="attention.qkv.bias" in self.layers[0],
        )
        if self.initializer_range is not None:
            kwargs["initializer_range"] = self.initializer_range
        return kwargs


def no_embed_class_grid(vit: ImageViT, video_grid) -> tuple[int, int] | None:
    """The patch grid of the video model's shape (`video_grid`, rows x cols) that a bare timm table read as a CLS row
    and a square grid also makes (`vit.no_embed_class_patches` patches), else None. A square video grid gets none
    (n * n + 1 is never a square): a CLS ViT's table is then read as it must be, with no warning."""
    patches, (rows, cols) = vit.no_embed_class_patches, tuple(video_grid)
    if patches is None or patches * rows % cols:
        return None
    side = math.isqrt(patches * rows // cols)  # grid_rows / grid_cols == rows / cols, grid_rows * grid_cols == patches
    if side * side != patches * rows // cols or patches % side:
        return None
    return side, patches // side


def no_embed_class_note(vit: ImageViT, other_grid: tuple[int, int]) -> str:
    """What a bare timm state dict's table, read as a CLS row and a square grid, could be instead (`other_grid`, the
    video model's shape), and the option that says which."""
    rows, cols = vit.grid
    return (
        f"{vit.origin}: a timm state dict does not record its patch grid: its {vit.no_embed_class_patches} position "
        f"embeddings beside a CLS token were read as the CLS token's row and a {rows}x{cols} grid. A `no_embed_class` "
        f"ViT (whose CLS token has no position, as DeiT III's) on a {other_grid[0]}x{other_grid[1]} grid, the video "
        f"model's shape, stores the same shapes: if it is one, pass vit_grid={other_grid} to from_vit_pretrained "
        f"(`grid=` to load_image_vit), or start from the timm model object"
    )


def float32_tensor(value) -> torch.Tensor:
    """A torch tensor or numpy-like array as a float32 CPU tensor: every reader's weights, whatever their dtype."""
    if isinstance(value, torch.Tensor):
        return value.detach().to("cpu", torch.float32)
    array = np.asarray(value)
    return torch.from_numpy(np.ascontiguousarray(array.astype(np.float32)))


def square_grid(num_tokens: int, where: str) -> tuple[int, int]:
    """The square patch grid of `num_tokens` position embeddings; refused, with the advice, where they make none."""
    side = math.isqrt(num_tokens)
    if side * side != num_tokens:
        raise ViTInitError(f"{where}: {num_tokens} position embeddings do not form a square grid; {VIT_GRID_ADVICE}")
    return side, side


def split_positions(table: torch.Tensor, has_cls: bool, grid, where: str):
    """(1, [1 +] n, d) -> (cls row or None, grid rows, grid)."""
    n = table.shape[1]
    if grid is None:
        grid = square_grid(n - int(has_cls), where)
    grid = tuple(int(g) for g in grid)
    if math.prod(grid) + int(has_cls) != n:
        raise ViTInitError(f"{where}: {n} position embeddings do not fit grid {grid}{' + CLS' if has_cls else ''}")
    return (table[:, :1] if has_cls else None), table[:, int(has_cls) :], grid


# ------------------------------------------------------------------------------------------ the ViT's pixels
def pixel_normalisation(
    image_mean, image_std, rescale_factor: float = 1 / 255, do_rescale: bool = True, do_normalize: bool = True
) -> dict | None:
    """`ViViTVideoProcessor` keyword arguments that give the pixels an image processor gave the ViT in training:
    `(x * rescale_factor - mean) / std`. A ViT trained on ImageNet statistics (DeiT, MAE, MSN, DINO) fed scenic's
    [-1, 1] starts from another function than its own. None where the statistics are missing or not per channel."""
    try:
        mean = [float(m) for m in (image_mean if isinstance(image_mean, (list, tuple)) else [image_mean] * 3)]
        std = [float(s) for s in (image_std if isinstance(image_std, (list, tuple)) else [image_std] * 3)]
    except (TypeError, ValueError):
        return None
    rescale_factor = float(rescale_factor) if do_rescale else 1.0
    if (
        do_normalize
        and math.isclose(rescale_factor, 1 / 255)
        and all(math.isclose(v, 0.5, abs_tol=1e-6) for v in mean + std)
    ):
        return {"normalization": "scenic"}  # x / 255 / 0.5 - 1 = x / 127.5 - 1: scenic's [-1, 1]
    return {
        "normalization": "imagenet",
        "rescale_factor": rescale_factor,
        "do_normalize": bool(do_normalize),
        "image_mean": mean,
        "image_std": std,
    }


def set_class_names(vit: ImageViT, id2label: Mapping) -> None:
    """The names of the classifier's classes where the source gives one per row (a transformers config's `id2label`,
    a timm Hub folder's `label_names`)."""
    if vit.classifier is not None and len(id2label) == vit.classifier["weight"].shape[0]:
        vit.id2label = {int(i): name for i, name in id2label.items()}  # a folder's JSON keys are strings


def parameter_taker(state: Mapping, origin: str, layout: str, prefix: str = ""):
    """A reader's `take(name)`, `state[prefix + name]`, and the set of the names it has taken (what is left over is
    refused, `refuse_unplaced`, or reported unused); a name `state` lacks is refused as not the layout of `layout`."""
    used: set[str] = set()

    def take(name):
        if prefix + name not in state:
            raise ViTInitError(f"{origin}: no `{prefix}{name}`; not the layout of {layout}")
        used.add(prefix + name)
        return state[prefix + name]

    return take, used


def refuse_unplaced(origin: str, reader: str, unknown: list[str]) -> None:
    """Refuse a checkpoint with parameters `reader` has no place for (the first six named), before anything loads: a
    part of another architecture, which a ViViT cannot represent, would otherwise be dropped silently."""
    if unknown:
        raise ViTInitError(
            f"{origin}: parameters {reader} has no place for: {', '.join(unknown[:6])}"
            f"{', ...' if len(unknown) > 6 else ''}; another architecture, which a ViViT cannot represent; "
            f"nothing was loaded"
        )


def set_classifier(vit: ImageViT, state: Mapping, names: tuple[str, str], transpose: bool, pooled_by=None):
    """The image classifier for `classifier_init="copy"`, left in `unused` until it is copied. None where the ViT
    has none, or where it reads an attention-pooling head (`pooled_by`), whose features a ViViT cannot compute."""
    if names[0] not in state or names[1] not in state or pooled_by:
        return
    weight = float32_tensor(state[names[0]])
    vit.classifier = {"weight": weight.T if transpose else weight, "bias": float32_tensor(state[names[1]])}
    vit.classifier_names = names


def unused_reason(name: str) -> str:
    """Why a ViT parameter `name` finds no place in a ViViT, as `ViTInitReport.unused` says it."""
    if re.search(r"(^|/)MAPHead_\d+/|^attn_pool\.", name):
        return "attention-pooling head (MAP, as in SigLIP): the video classifier pools its own way and starts fresh"
    if re.search(r"(^|\.|/)(classifier|head|output_projection)([./]|$)", name):
        return "image classifier head: the video classifier starts fresh"
    if "mask_token" in name:
        return "masked-image-modelling token: unused by a classifier"
    if re.search(r"(^|\.)layers\.\d+\.|encoderblock_\d+|blocks\.\d+\.", name):
        return "ViT layer beyond the video model's depth"
    return "no counterpart in a ViViT"
