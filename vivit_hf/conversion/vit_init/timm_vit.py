# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Reading a timm `VisionTransformer` (model object, state dict, checkpoint file or Hub folder) into an `ImageViT`:
LayerScale folded, the head count and activation a state dict does not record read from timm's model or guessed and
said, and every timm option a ViViT block cannot express refused by name."""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping

import torch
from torch import nn

from ..checkpoint_files import weights_dtype
from .image_vit import (
    HEADS_BY_NAME,
    HEADS_BY_WIDTH,
    VIT_ACTIVATION_ADVICE,
    VIT_HEADS_ADVICE,
    VIT_SIZES,
    ImageViT,
    ViTInitError,
    float32_tensor,
    parameter_taker,
    pixel_normalisation,
    refuse_unplaced,
    set_classifier,
    split_positions,
    unused_reason,
)

# The package's one logger, not this module's: recipes/finetune.py filters it by name (flags.VIT_INIT_LOGGER), and a
# logger's filter does not see its children's records.
logger = logging.getLogger(__package__)


def timm_pixel_normalisation(pretrained_cfg) -> dict | None:
    """The pixels of a timm model's `pretrained_cfg` (its mean and std) as `pixel_normalisation` says them."""
    cfg = dict(pretrained_cfg or {})
    if "mean" not in cfg or "std" not in cfg:
        return None
    return pixel_normalisation(cfg["mean"], cfg["std"])  # timm's transforms: ToTensor (x / 255), then Normalize


# timm ViT options a ViViT block cannot express. Their parameters would find no place, and loading the rest would
# start the video model from another function than the ViT's (measured on random timm ViTs, frames repeated: CLS
# features off by 0.9 to 2.4, where a plain ViT agrees to 4e-6), so such a ViT is refused, not half loaded.
_TIMM_UNSUPPORTED = (
    (r"^reg_token$", "register tokens (`reg_token`): extra tokens every patch attends to"),
    (r"^dist_token$", "a distillation token (`dist_token`, DeiT distilled): a second prefix token in every attention"),
    (r"^norm_pre\.", "a LayerNorm before the first block (`norm_pre`, CLIP-style pre-norm)"),
    (
        r"^fc_norm\.",
        "a LayerNorm after average pooling (`fc_norm`, with no norm before it); a ViViT normalises every token "
        "before pooling",
    ),
    (r"\.attn\.[qk]_norm\.", "query and key LayerNorms in attention (`attn.q_norm`, `attn.k_norm`)"),
    (r"\.(attn|mlp)\.norm\.", "a LayerNorm inside the attention or MLP branch (`attn.norm`, `mlp.norm`)"),
    (r"\.mlp\.fc1_[gx]\.", "a gated MLP (SwiGLU: `mlp.fc1_g`, `mlp.fc1_x`)"),
    (r"(^|\.)(rope|rel_pos)\.|relative_position", "rotary or relative position embeddings"),
    (r"^patch_embed\.(backbone|norm)\.", "a CNN stem or a LayerNorm in the patch embedding"),
)
# What a ViViT may drop: image heads (the video classifier starts fresh), applied after the last norm, and the
# masked-image-modelling parts of a full MAE checkpoint (`mask_token`, `decoder_*`), which a classifier never runs.
_TIMM_DROPPABLE = re.compile(r"^((head|head_dist|attn_pool)\.|mask_token$|decoder_)")


def _refuse_unsupported_timm(names, origin: str):
    found = {}
    for name in names:
        for pattern, feature in _TIMM_UNSUPPORTED:
            if re.search(pattern, name):
                found.setdefault(feature, []).append(name)
                break
    if found:
        raise ViTInitError(
            f"{origin}: a timm ViT with "
            + "; ".join(
                f"{feature} [{', '.join(sorted(keys)[:2])}{', ...' if len(keys) > 2 else ''}]"
                for feature, keys in found.items()
            )
            + ". A ViViT cannot represent this, and the rest alone would compute another function than the ViT; "
            "nothing was loaded"
        )


def read_timm_vit(
    state: Mapping,
    origin: str,
    num_attention_heads=None,
    grid=None,
    hidden_act: str | None = None,
    layer_norm_eps: float | None = None,
    heads_guessed_from: str | None = None,
    global_pool: str | None = None,
    pool_include_prefix: bool = False,
) -> ImageViT:
    """A timm VisionTransformer state dict as an `ImageViT`: the head count, grid, activation, eps and pooling
    (`global_pool`, `pool_include_prefix`) it does not record come from the caller (a timm object or Hub folder says
    them; else guessed by width and said; the pooling: the CLS token where there is one, else the mean, timm's usual
    ones)."""
    dtype = weights_dtype(state)
    state = {k.removeprefix("module."): float32_tensor(v) for k, v in state.items()}
    _refuse_unsupported_timm(state, origin)
    take, used = parameter_taker(
        state,
        origin,
        "a timm VisionTransformer (learned `pos_embed`, blocks of norm1, attn.qkv, attn.proj, norm2, mlp.fc1, "
        "mlp.fc2), which is all a ViViT can start from",
    )

    width = take("patch_embed.proj.weight").shape[0]
    heads = num_attention_heads
    if heads is None and width in HEADS_BY_WIDTH:
        heads = HEADS_BY_WIDTH[width]
        heads_guessed_from = f"its width {width}"
    if heads is None:
        raise ViTInitError(
            f"{origin}: timm stores no head count and width {width} is not a standard ViT width; {VIT_HEADS_ADVICE}"
        )
    has_cls = "cls_token" in state
    table = take("pos_embed")
    num_blocks = 1 + max(int(m.group(1)) for k in state if (m := re.match(r"blocks\.(\d+)\.", k)))
    # timm's `no_embed_class` models give the CLS token no position: its row is then zero.
    embed_class = has_cls and (
        grid is None
        and math.isqrt(table.shape[1] - 1) ** 2 == table.shape[1] - 1
        or grid is not None
        and math.prod(grid) + 1 == table.shape[1]
    )
    grid_read = grid is None
    cls_position, position_grid, grid = split_positions(table, embed_class, grid, origin)
    if has_cls and not embed_class:
        cls_position = torch.zeros(1, 1, width)
    layers = []
    for i in range(num_blocks):
        p = f"blocks.{i}."
        layer = {
            "layernorm_before.weight": take(p + "norm1.weight"),
            "layernorm_before.bias": take(p + "norm1.bias"),
            "attention.qkv.weight": take(p + "attn.qkv.weight"),
            "attention.proj.weight": take(p + "attn.proj.weight"),
            "attention.proj.bias": take(p + "attn.proj.bias"),
            "layernorm_after.weight": take(p + "norm2.weight"),
            "layernorm_after.bias": take(p + "norm2.bias"),
            "mlp.fc1.weight": take(p + "mlp.fc1.weight"),
            "mlp.fc1.bias": take(p + "mlp.fc1.bias"),
            "mlp.fc2.weight": take(p + "mlp.fc2.weight"),
            "mlp.fc2.bias": take(p + "mlp.fc2.bias"),
        }
        hidden, inner = layer["mlp.fc1.weight"].shape[0], layer["mlp.fc2.weight"].shape[1]
        if hidden != inner:  # timm's packed SwiGLU: fc1 gives both halves of the gate
            raise ViTInitError(
                f"{origin}: `{p}mlp.fc1` gives {hidden} features and `{p}mlp.fc2` takes {inner}: a gated (SwiGLU) "
                f"MLP, which a ViViT cannot represent; nothing was loaded"
            )
        if p + "attn.qkv.bias" in state:
            layer["attention.qkv.bias"] = take(p + "attn.qkv.bias")
        # LayerScale (`ls1`, `ls2`) scales a branch output per channel: fold it into that branch's last projection.
        for scale, target in (("ls1.gamma", "attention.proj"), ("ls2.gamma", "mlp.fc2")):
            if p + scale in state:
                gamma = take(p + scale)
                layer[f"{target}.weight"] = layer[f"{target}.weight"] * gamma[:, None]
                layer[f"{target}.bias"] = layer[f"{target}.bias"] * gamma
        layers.append(layer)
    if "norm.weight" not in state:  # (fc_norm, the other place timm may put it, is refused above)
        raise ViTInitError(
            f"{origin}: no final LayerNorm (`norm`): a timm ViT with final_norm=False (as vit_intern300m_patch14_448), "
            f"whose output a ViViT's always-present final LayerNorm would change; nothing was loaded"
        )
    final_norm = {"weight": take("norm.weight"), "bias": take("norm.bias")}
    pre_logits = None
    if "pre_logits.fc.weight" in state:  # timm's `representation_size` layer of the original in21k ViTs
        pre_logits = {"weight": take("pre_logits.fc.weight"), "bias": take("pre_logits.fc.bias")}
    vit = ImageViT(
        dtype=dtype,
        patch_kernel=take("patch_embed.proj.weight"),
        # CLIP-style timm ViTs have no patch bias: the video model's is then zero
        patch_bias=take("patch_embed.proj.bias") if "patch_embed.proj.bias" in state else None,
        position_grid=position_grid,
        grid=grid,
        cls_token=take("cls_token") if has_cls else None,
        cls_position=cls_position,
        layers=layers,
        final_norm=final_norm,
        hidden_act=hidden_act or "gelu",
        layer_norm_eps=1e-6 if layer_norm_eps is None else layer_norm_eps,
        num_attention_heads=heads,
        pre_logits=pre_logits,
        pre_logits_names=("pre_logits.fc.weight", "pre_logits.fc.bias"),
        origin=origin,
        pooling=timm_pooling(global_pool, has_cls, pool_include_prefix),
        # (a table of a square grid and a CLS row that no grid was given for: `no_embed_class_grid` says why)
        no_embed_class_patches=table.shape[1] if grid_read and embed_class else None,
    )
    unknown = sorted(name for name in set(state) - used if not _TIMM_DROPPABLE.match(name))
    refuse_unplaced(origin, "a timm VisionTransformer block", unknown)
    for name in sorted(set(state) - used):
        vit.unused[name] = unused_reason(name)
    attention_pooled = any(name.startswith("attn_pool.") for name in state)
    set_classifier(vit, state, ("head.weight", "head.bias"), transpose=False, pooled_by=attention_pooled)
    if hidden_act is None:
        # timm's default; but SigLIP 2's timm ViTs use the tanh GELU (2e-4 off on a tiny ViT, more with depth)
        logger.warning(
            "%s: a timm state dict does not record its MLP activation; assuming timm's default, the exact GELU "
            "(some, like SigLIP 2's, use the tanh GELU). Start from the timm model object, or a timm Hub folder with "
            "timm installed, to read it, or %s",
            origin,
            VIT_ACTIVATION_ADVICE,
        )
    if heads_guessed_from:
        # Not every timm ViT of a standard width has the standard head count (vit_base_patch16_gap_224: 768, 16
        # heads), and a wrong one loads without complaint: say what was assumed.
        logger.warning(
            "%s: timm stores no head count; assuming %d heads from %s. If the ViT has another, %s",
            origin,
            heads,
            heads_guessed_from,
            VIT_HEADS_ADVICE,
        )
    return vit


def timm_pooling(global_pool: str | None, has_cls: bool, include_prefix: bool = False) -> str | None:
    """timm's `global_pool` as a ViViT `classifier`, or in timm's words where none pools so. timm's `avg` and `max`
    pool the patch tokens only: beside a CLS token (`vit_*` with global_pool='avg', fc_norm=False) that is no ViViT
    pooling, whose `gap` and `gmp` take every token of a model without one; nor is timm's `pool_include_prefix=True`,
    which pools the CLS token with the patches. `avgmax` averages the two. None: not said (a state dict)."""
    if global_pool is None:
        return None
    if global_pool == "token" or (global_pool in _TIMM_POOLINGS and not has_cls):
        return _TIMM_POOLINGS.get(global_pool, "token")
    beside = ""
    if global_pool in _TIMM_POOLINGS:
        # (this said "over the patch tokens" of a ViT pooling its CLS token with them too)
        beside = (
            " over every token, the CLS token among them (pool_include_prefix=True)"
            if include_prefix
            else " over the patch tokens beside a CLS token"
        )
    return f"timm's global_pool={global_pool!r}{beside}"


_TIMM_POOLINGS = {"avg": "gap", "max": "gmp"}


def timm_heads_by_name(architecture: str, state: Mapping):
    """(head count, what it was read from) for a timm Hub folder, or (None, None) where the name does not say.

    A size name counts only at its standard width: timm's `vit_giant_patch14_dinov2` is 1536 wide with 24 heads, not
    ViT-g's 1408 and 16, and `vit_huge_plus_patch16_dinov3` 1280 wide with 20."""
    base = architecture.split(".")[0]
    size = re.search(r"_(tiny|small|base|large|huge|giant|gigantic)_", base + "_")
    kernel = state.get("patch_embed.proj.weight", state.get("module.patch_embed.proj.weight"))
    if size is None or kernel is None or "_plus_" in base + "_" or VIT_SIZES[size.group(1)][0] != kernel.shape[0]:
        return None, None
    return HEADS_BY_NAME[size.group(1)], f"its architecture name {architecture!r}"


def timm_skeleton(config: Mapping, origin: str):
    """timm's own model for a timm Hub folder's config.json, its parameters on the meta device (nothing allocated),
    where timm is installed: it says what the state dict does not (head count, activation, eps, grid); None where
    timm is not installed or does not know the architecture."""
    try:
        import timm
    except ImportError:
        return None
    try:
        with torch.device("meta"):
            model = timm.create_model(config["architecture"], pretrained=False, **config.get("model_args", {}))
    except Exception as error:  # an architecture (or argument) this timm version does not know
        logger.warning(
            "%s: timm could not build %r (%s); reading the state dict alone", origin, config["architecture"], error
        )
        return None
    if not (hasattr(model, "blocks") and hasattr(model, "patch_embed")):
        raise ViTInitError(f"{origin}: timm's {config['architecture']!r} is not a VisionTransformer")
    return model


def timm_grid_from_input_size(config: Mapping, state: Mapping):
    """The patch grid of a timm Hub folder's `pretrained_cfg.input_size` (c, h, w), where it fits the position table;
    else None. The table's length alone is ambiguous: a 4 x 2 grid with a CLS row has 9 rows, which read as a 3 x 3
    grid without one."""
    size = (config.get("pretrained_cfg") or {}).get("input_size")
    kernel, table = state.get("patch_embed.proj.weight"), state.get("pos_embed")
    if size is None or len(size) != 3 or kernel is None or table is None:
        return None
    grid = (int(size[1]) // kernel.shape[2], int(size[2]) // kernel.shape[3])
    return grid if table.shape[1] - math.prod(grid) in (0, 1) else None


# timm's activation modules -> transformers' names for the same function. timm's own `GELU` (act_layer="gelu", a
# string) has no `approximate`: the exact GELU; it, ReLU and SiLU have transformers counterparts.
_TIMM_ACTIVATIONS = {
    ("GELU", "none"): "gelu",
    ("GELU", None): "gelu",
    ("GELU", "tanh"): "gelu_pytorch_tanh",
    ("GELUTanh", None): "gelu_pytorch_tanh",
    ("QuickGELU", None): "quick_gelu",
    ("ReLU", None): "relu",
    ("SiLU", None): "silu",
}


def timm_block_function(model: nn.Module, origin: str | None = None) -> tuple[str, float]:
    """(hidden_act, layer_norm_eps) of a timm VisionTransformer object, which a state dict does not record; refuses a
    block, attention or MLP other than timm's plain `Block`, `Attention` and `Mlp` (a post-norm `ResPostBlock` has
    the same parameter names and would load without error as a pre-norm block)."""
    origin = origin or type(model).__name__
    for i, block in enumerate(model.blocks):
        kinds = (
            type(block).__name__,
            type(getattr(block, "attn", None)).__name__,
            type(getattr(block, "mlp", None)).__name__,
        )
        if kinds != ("Block", "Attention", "Mlp"):
            raise ViTInitError(
                f"{origin}: blocks.{i} is a {kinds[0]} (attention {kinds[1]}, MLP {kinds[2]}); a ViViT block is timm's "
                f"pre-norm Block with Attention and Mlp, so this ViT cannot be represented; nothing was loaded"
            )
    act = model.blocks[0].mlp.act
    hidden_act = _TIMM_ACTIVATIONS.get((type(act).__name__, getattr(act, "approximate", None)))
    if hidden_act is None:
        raise ViTInitError(f"{origin}: the MLP activation {act!r} has no transformers counterpart; nothing was loaded")
    return hidden_act, float(model.blocks[0].norm1.eps)
