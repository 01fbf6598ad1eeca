# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Reading a big_vision / scenic / original google-research ViT (`.npz` or parameter tree) into an `ImageViT`,
through scenic's one block layout (`scenic.block_entries`)."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

import numpy as np
import torch

from ...models.configuration_vivit import ViViTSpatioTemporalConfig
from ...models.modeling_blocks import ViViTLayer
from ..checkpoint_files import weights_dtype
from ..scenic import block_entries, flatten_tree, strip_checkpoint_prefix, to_torch_array
from .image_vit import (
    ImageViT,
    ViTInitError,
    float32_tensor,
    refuse_unplaced,
    set_classifier,
    split_positions,
    unused_reason,
)

# The original google-research/vision_transformer npz numbers the block children by creation order.
_ORIGINAL_VIT_BLOCK = {
    "MultiHeadDotProductAttention_1": "MultiHeadDotProductAttention_0",
    "LayerNorm_2": "LayerNorm_1",
    "MlpBlock_3": "MlpBlock_0",
}


# What a ViT may hold beside its encoder and embeddings: its image heads (scenic's `output_projection`, big_vision's
# `head`, the representation layer `pre_logits`, the attention-pooling `MAPHead`), reported unused when not taken.
_IMAGE_HEADS = re.compile(r"^(head|output_projection|pre_logits|MAPHead_\d+)/")
# The original ViT's R50 hybrids: the ResNet's root and stages
_CNN_STEM = re.compile(r"^(conv_root|gn_root|block\d+)/")


# Where the learned position table lives: scenic and the original ViT; big_vision; big_vision before 2022 (its
# Encoder's, which `fix_old_checkpoints` moves out, and so does this reader).
_POSITION_TABLES = ("Transformer/posembed_input/pos_embedding", "pos_embedding", "Transformer/pos_embedding")


def read_big_vision_vit(tree: Mapping, origin: str, grid=None) -> ImageViT:
    """A big_vision / scenic / original-ViT parameter tree (nested or '/'-joined; a two-tower model's `img/` tower;
    scan-stacked blocks) as an `ImageViT`; `origin` names the source in errors."""
    flat = strip_checkpoint_prefix(flatten_tree(tree))
    if any(name.startswith("img/") for name in flat):  # big_vision two-tower checkpoints keep the ViT under img/
        flat = {name[4:]: value for name, value in flat.items() if name.startswith("img/")}
    renamed = {}
    for name, value in flat.items():
        for old, new in _ORIGINAL_VIT_BLOCK.items():
            name = name.replace(f"/{old}/", f"/{new}/")
        value = np.asarray(value)
        if name.startswith("Transformer/encoderblock/"):  # big_vision's scan=True (SigLIP): blocks stacked on axis 0
            for i, block in enumerate(value):
                renamed[name.replace("/encoderblock/", f"/encoderblock_{i}/", 1)] = block
        else:
            renamed[name] = value
    flat, used = renamed, set()

    def take(name):
        if name not in flat:
            raise ViTInitError(
                f"{origin}: no `{name}` among its parameters (first: {sorted(flat)[:3]}); not a big_vision / scenic "
                f"ViT, nor a transformers or timm state dict, which is all a ViViT can start from"
            )
        used.add(name)
        return flat[name]

    kernel = take("embedding/kernel")
    if kernel.ndim != 4:
        raise ViTInitError(f"{origin}: `embedding/kernel` has shape {kernel.shape}; an image ViT's is (h, w, c, d)")
    width = kernel.shape[-1]
    query = flat.get("Transformer/encoderblock_0/MultiHeadDotProductAttention_0/query/kernel")
    if query is None:
        raise ViTInitError(f"{origin}: no `Transformer/encoderblock_0/MultiHeadDotProductAttention_0` found")
    heads, mlp = query.shape[1], flat["Transformer/encoderblock_0/MlpBlock_0/Dense_0/kernel"].shape[1]
    has_cls = "cls" in flat
    position_name = next((n for n in _POSITION_TABLES if n in flat), None)
    if position_name is None:  # big_vision's posemb='sincos2d' computes them: there is no table to tile
        raise ViTInitError(
            f"{origin}: no learned position embeddings (`Transformer/posembed_input/pos_embedding` or `pos_embedding`);"
            f" a ViT with fixed sin-cos ones (big_vision posemb='sincos2d') has no table for a ViViT's learned ones"
        )
    table = float32_tensor(take(position_name))
    # scenic's and the original ViT's table (under posembed_input) has a CLS row. big_vision adds its own to the
    # patches before it prepends `cls` ("Add posemb before adding extra token"): a `tok` ViT's has none, its CLS token
    # no position, save in old checkpoints that big_vision tells apart by their length (`fix_old_checkpoints`: a CLS
    # row where the rows but one make a square grid), as this reader does: its 197 rows are a CLS row and 14 x 14.
    n = table.shape[1]
    cls_row = has_cls and (
        position_name == "Transformer/posembed_input/pos_embedding"
        or (math.isqrt(n - 1) ** 2 == n - 1 if grid is None else math.prod(grid) + 1 == n)
    )
    cls_position, position_grid, grid = split_positions(table, cls_row, grid, origin)
    if has_cls and not cls_row:
        cls_position = torch.zeros(1, 1, table.shape[-1])
    num_blocks = 1 + max(int(m.group(1)) for k in flat if (m := re.match(r"Transformer/encoderblock_(\d+)/", k)))
    # One ViViTLayer on the meta device only to reuse scenic.block_entries, the single scenic block layout.
    config = ViViTSpatioTemporalConfig(
        hidden_size=width, num_attention_heads=heads, intermediate_size=mlp, num_hidden_layers=1
    )
    with torch.device("meta"):
        reference = ViViTLayer(config)
    layers = []
    for i in range(num_blocks):
        layer = {}
        for entry in block_entries("", f"Transformer/encoderblock_{i}", reference):
            layer[entry.torch_name.lstrip(".")] = float32_tensor(
                to_torch_array(entry, [take(n) for n in entry.scenic_names])
            )
        layers.append(layer)
    pre_logits = None
    if "pre_logits/kernel" in flat:
        pre_logits = {
            "weight": float32_tensor(take("pre_logits/kernel").T),
            "bias": float32_tensor(take("pre_logits/bias")),
        }
    vit = ImageViT(
        dtype=weights_dtype(flat),
        patch_kernel=float32_tensor(kernel.transpose(3, 2, 0, 1)),
        patch_bias=float32_tensor(take("embedding/bias")),
        position_grid=position_grid,
        grid=grid,
        cls_token=float32_tensor(take("cls")) if has_cls else None,
        cls_position=cls_position,
        layers=layers,
        final_norm={
            "weight": float32_tensor(take("Transformer/encoder_norm/scale")),
            "bias": float32_tensor(take("Transformer/encoder_norm/bias")),
        },
        hidden_act="gelu_pytorch_tanh",
        layer_norm_eps=1e-6,  # flax: tanh GELU, eps 1e-6
        num_attention_heads=heads,
        pre_logits=pre_logits,
        pre_logits_names=("pre_logits/kernel", "pre_logits/bias"),
        origin=origin,
        cls_token_name="cls",
        pixel_normalisation={"normalization": "scenic"},  # big_vision / scenic / the original ViT: x / 127.5 - 1
    )
    # every block and the encoder norm are read: anything else under Transformer/ is a part a ViViT lacks
    unknown = sorted(name for name in set(flat) - used if name.startswith("Transformer/"))
    refuse_unplaced(origin, "a ViT block", unknown)
    # Beside the encoder a ViT has only its heads; anything else computes before or around it. The original ViT's
    # R50+ViT hybrids (ViT-R50+B_16) put a ResNet before a 1x1 `embedding`: it loaded as a 1024-channel ViT of 1x1
    # patches, the ResNet reported only "no counterpart in a ViViT".
    others = sorted(name for name in set(flat) - used if not _IMAGE_HEADS.match(name))
    stem = [name for name in others if _CNN_STEM.match(name)]
    if stem:
        raise ViTInitError(
            f"{origin}: a hybrid ViT, a CNN stem (ResNet: {', '.join(f'`{n}`' for n in stem[:3])}"
            f"{', ...' if len(stem) > 3 else ''}) before the patch embedding, which a ViViT cannot represent; nothing "
            f"was loaded"
        )
    refuse_unplaced(origin, "a big_vision / scenic ViT", others)
    for name in sorted(set(flat) - used):
        vit.unused[name] = unused_reason(name)
    # scenic's ViT names its classifier output_projection, big_vision's `head`
    names = ("output_projection/kernel", "output_projection/bias")
    if names[0] not in flat:
        names = ("head/kernel", "head/bias")
    attention_pooled = any(re.match(r"(.*/)?MAPHead_\d+/", name) for name in flat)
    set_classifier(vit, flat, names, transpose=True, pooled_by=attention_pooled)
    return vit
