# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Layer-wise learning-rate decay (BEiT, Bao et al. 2021, section 2.3; MAE's and VideoMAE's fine-tuning recipes),
for the four ViViT variants: a parameter of depth `d` in a model of `L` blocks learns at
`learning_rate * layer_decay ** (L + 1 - d)`, so the layers nearest the input, which an image ViT's pre-training
made most general, move least.

Depth is BEiT's: the input embeddings (tubelet embedding, CLS token, position embeddings) 0, block `k` (counted from
1 in the order the tokens pass through them) `k`, the final LayerNorm, the `pre_logits` layer (scenic's
`representation_size`) and the classifier `L + 1`. Model 3's and
Model 4's blocks hold a spatial and a temporal attention each: one depth per block. Model 2 runs `Ls` spatial blocks
then `Lt` temporal blocks (`L = Ls + Lt`): its spatial encoder's closing LayerNorm and its temporal encoder's CLS
token and position embeddings sit between them, at depth `Ls`, as the input embeddings sit before block 1 at 0;
with `spatial_only_baseline` (no temporal encoder) that LayerNorm is the final one, `L + 1`."""

from __future__ import annotations

import re

EMBEDDINGS = re.compile(r"^vivit\.(token_embedding\..*|(encoder|spatial_encoder)\.(cls_token|position_embeddings))$")
BLOCK = re.compile(r"^vivit\.(encoder|spatial_encoder|temporal_encoder)\.layers\.(\d+)\.")
BETWEEN_ENCODERS = re.compile(
    r"^vivit\.(spatial_encoder\.layernorm\..*|temporal_encoder\.(cls_token|position_embeddings))$"
)
# (`pre_logits`: scenic's `representation_size` layer, between the pooling and the classifier)
HEAD = re.compile(r"^((pre_logits|classifier)\..*|vivit\.(encoder|temporal_encoder)\.layernorm\..*)$")


def num_blocks(config) -> int:
    """`L`: the blocks a token passes through (Model 2: spatial, then temporal)."""
    return config.num_hidden_layers + getattr(config, "num_temporal_layers", 0)


def layer_depth(name: str, config) -> int:
    """BEiT's depth of the parameter `name` of a ViViT `*ForVideoClassification`; a name outside the four variants'
    layout is refused, not given the classifier's full rate."""
    if EMBEDDINGS.match(name):
        return 0
    block = BLOCK.match(name)
    if block:
        before = config.num_hidden_layers if block.group(1) == "temporal_encoder" else 0
        return before + int(block.group(2)) + 1
    if BETWEEN_ENCODERS.match(name):
        # (Model 2 without a temporal encoder, scenic's spatial_only_baseline: the spatial LayerNorm is the final one)
        return config.num_hidden_layers + (1 if getattr(config, "spatial_only_baseline", False) else 0)
    if HEAD.match(name):
        return num_blocks(config) + 1
    raise ValueError(f"--layer_decay: no depth is known for the parameter {name} (not a ViViT model's)")


def layer_scale(depth: int, config, layer_decay: float) -> float:
    return layer_decay ** (num_blocks(config) + 1 - depth)


def groups_by_depth(groups: list[dict], names: dict, config, learning_rate: float, layer_decay: float) -> list[dict]:
    """Each optimiser group (weight decay and its exempt parameters) cut by depth, deepest first (the classifier's
    group, at the full rate, is the first: the rate the tracker logs), each with its `lr` and `lr_scale` (what a
    resume with another --learning_rate scales again). `names`: parameter -> name."""
    split = []
    for group in groups:
        depths: dict[int, list] = {}
        for param in group["params"]:
            depths.setdefault(layer_depth(names[param], config), []).append(param)
        for depth, params in depths.items():
            scale = layer_scale(depth, config, layer_decay)
            split.append({**group, "params": params, "lr": learning_rate * scale, "lr_scale": scale, "depth": depth})
    return sorted(split, key=lambda group: -group["depth"])
