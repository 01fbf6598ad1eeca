# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Reading transformers' ViT (`ViTModel`, `ViTForImageClassification`; MAE's, MSN's and I-JEPA's ViTs, stored alike) and
SigLIP's image tower and DINOv2 into an `ImageViT`; refusing a video checkpoint given where an image ViT is read, and
transformers' other image models saying what a ViViT lacks."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

import torch

from ...models.modeling_vivit import VIVIT_MODELS
from ..checkpoint_files import CheckpointSourceError, checkpoint_dtype, resolve_file
from ..transformers_vivit import normalise_key
from .image_vit import (
    ImageViT,
    ViTInitError,
    float32_tensor,
    parameter_taker,
    pixel_normalisation,
    refuse_unplaced,
    set_class_names,
    set_classifier,
    split_positions,
    unused_reason,
)

# transformers' ViT and the self-supervised ViTs it stores in the same layout (MAE's encoder masks patches only while
# pre-training; MSN's is the plain ViT; I-JEPA's has no CLS token): one reader serves them all.
VIT_MODEL_TYPES = ("vit", "vit_mae", "vit_msn", "ijepa")
# I-JEPA's ViT: no CLS token, and IJepaForImageClassification's classifier reads the tokens' mean (every layer is
# ViT's)
_WITHOUT_CLS = ("ijepa",)


def transformers_pixel_normalisation(source: str, hub_kwargs: dict) -> dict | None:
    """From a transformers folder's or Hub repo's preprocessor_config.json, where it has one."""
    try:
        path = resolve_file(source, "preprocessor_config.json", hub_kwargs)
    except (CheckpointSourceError, OSError, ValueError):  # (ValueError: huggingface_hub's invalid repo id)
        return None
    if path is None:
        return None
    try:
        with open(path) as handle:
            saved = json.load(handle)
    except (OSError, ValueError):
        return None
    if "image_mean" not in saved or "image_std" not in saved:
        return None
    return pixel_normalisation(
        saved["image_mean"],
        saved["image_std"],
        rescale_factor=saved.get("rescale_factor", 1 / 255),
        do_rescale=saved.get("do_rescale", True),
        do_normalize=saved.get("do_normalize", True),
    )


# Where the same weights load by another route (none now: transformers' DINOv2 is read, its LayerScale folded).
OTHER_ROUTE: dict[str, str] = {}
_CANNOT = "which a ViViT cannot represent"
_BEIT = (
    f"relative position biases in attention (or, by default, no position embeddings at all) and LayerScale "
    f"(`lambda_1`, `lambda_2`), {_CANNOT}"
)
_BEIT_MODEL_TYPES = ("beit", "data2vec-vision")


def _config_field(config, name: str, default):
    """A field of a config dict (a folder's config.json) or of a config object (a model's)."""
    return config.get(name, default) if isinstance(config, Mapping) else getattr(config, name, default)


def beit_features(config) -> str:
    """What this BEiT (or data2vec-vision) config gives its model that a ViViT block lacks, read from the config
    (transformers' `BeitConfig` defaults where a field is missing). The one sentence for every BEiT named relative
    position biases and LayerScale, which a config may turn off (`use_relative_position_bias=False` is the default,
    and the message's "or no position embeddings at all" left the user to find out which held)."""
    relative = _config_field(config, "use_relative_position_bias", False) or _config_field(
        config, "use_shared_relative_position_bias", False
    )
    absolute = _config_field(config, "use_absolute_position_embeddings", False)
    features = []
    if relative:
        features.append("relative position biases in attention")
    elif not absolute:
        features.append(
            "no position embeddings at all (`use_absolute_position_embeddings` and both relative position biases off)"
        )
    if (_config_field(config, "layer_scale_init_value", 0.1) or 0) > 0:
        features.append("LayerScale (`lambda_1`, `lambda_2`)")
    if _config_field(config, "use_mean_pooling", True):
        features.append("no final LayerNorm before pooling (`use_mean_pooling`: its norm follows the tokens' mean)")
    if not features:
        # set so, it is a ViT block with a bias-less key: what is missing is a reader of its parameter names
        return "BEiT's parameter layout (a key projection without bias), which no reader here maps"
    return f"{', '.join(features[:-1])}{' and ' if len(features) > 1 else ''}{features[-1]}, {_CANNOT}"


# CLIP's image tower, alone or in any CLIP-like two-tower model (OWL-ViT spells it `pre_layernorm`)
_CLIP = (
    f"a LayerNorm before the first block (`pre_layrnorm`), {_CANNOT} (timm's CLIP ViTs, with `norm_pre`, are "
    f"refused alike)"
)
_CLIP_TOWERS = (
    "clip",
    "clip_vision_model",
    "metaclip_2",
    "metaclip_2_vision_model",
    "chinese_clip",
    "chinese_clip_vision_model",
    "altclip",
    "altclip_vision_model",
)
_NAFLEX = (
    f"a linear embedding of flattened patches at each image's own resolution, its position table resized per "
    f"image (NaFlex), {_CANNOT}"
)
# transformers' other image models: what each has that a ViViT block lacks, so that a refusal says why, not only
# "neither a transformers ViT nor a timm VisionTransformer" or "expected model_type 'vit'".
NOT_A_VIT = {
    "deit": (
        f"a distillation token (`embeddings.distillation_token`), a second prefix token in every attention, {_CANNOT}"
    ),
    "beit": _BEIT,
    "data2vec-vision": _BEIT,
    "dinov2_with_registers": (
        f"register tokens (`embeddings.register_tokens`), extra tokens every patch attends to, {_CANNOT}"
    ),
    **dict.fromkeys(_CLIP_TOWERS, _CLIP),
    **dict.fromkeys(
        ("owlvit", "owlvit_vision_model", "owlv2", "owlv2_vision_model"), _CLIP.replace("pre_layrnorm", "pre_layernorm")
    ),
    **dict.fromkeys(("siglip2", "siglip2_vision_model"), _NAFLEX),
    "vit_hybrid": f"a CNN stem (BiT) before the patch embedding, {_CANNOT}",
    # newer image models, each refused only as "neither a transformers ViT nor a timm VisionTransformer" (a folder:
    # "expected model_type 'vit'"), not saying why
    "dinov3_vit": (
        f"rotary position embeddings (RoPE) in every attention, no learned position table, and register tokens "
        f"(`embeddings.register_tokens`), {_CANNOT}"
    ),
    **dict.fromkeys(
        ("aimv2", "aimv2_vision_model"),
        f"RMSNorms in place of LayerNorms, a gated (SwiGLU) MLP and an attention-pooling head, {_CANNOT}",
    ),
    "pixio": f"several CLS tokens (`n_cls_tokens`, 8 by default) every patch attends to, {_CANNOT}",
    "vitdet": f"windowed attention with relative position biases and no CLS token, {_CANNOT}",
}


def not_a_vit(model_type, origin: str, config=None) -> str:
    """Why a transformers image model of `model_type` cannot start a ViViT, where it is one of the usual ones;
    `config` (a dict or a config object) where what it lacks depends on its fields (BEiT's, `beit_features`)."""
    reason = NOT_A_VIT.get(model_type)
    if model_type in _BEIT_MODEL_TYPES and config is not None:
        reason = beit_features(config)
    what = f"{origin}: a transformers {model_type!r} model" if reason else f"{origin}: model_type {model_type!r}"
    return f"{what}{f' has {reason}' if reason else ''}; nothing was loaded{OTHER_ROUTE.get(model_type, '')}"


# A video checkpoint given where an image ViT is read: said as what it is, with the call that loads it, not only as
# "expected model_type 'vit'" (a model object as "neither a transformers ViT nor a timm VisionTransformer").
_RESTART = (
    "or restart it with another num_frames, image_size or labels with "
    "`model, report = vivit_hf.conversion.from_vivit_checkpoint(path, num_frames=...)`"
)
_VIDEO_CHECKPOINTS = {
    config_class.model_type: (
        f"vivit_hf's {config_class.__name__.removesuffix('Config')}",
        f"load it as it is with `AutoModelForVideoClassification.from_pretrained(path)` (or `{classifier.__name__}` "
        f"or `{model.__name__}.from_pretrained`), {_RESTART}",
    )
    for config_class, model, classifier in VIVIT_MODELS.values()
}
_VIDEO_CHECKPOINTS["vivit"] = (
    "transformers' own ViViT, the paper's Model 1",
    f"convert it with `ViViTSpatioTemporalForVideoClassification.from_transformers_vivit(path)`, {_RESTART}",
)


def refuse_video_checkpoint(model_type, origin: str, kind: str = "checkpoint") -> None:
    """Refuse a video checkpoint (ours or transformers' ViViT) given as the image ViT, with the call that loads it."""
    if model_type in _VIDEO_CHECKPOINTS:
        what, advice = _VIDEO_CHECKPOINTS[model_type]
        raise ViTInitError(
            f"{origin} is a video {kind} ({what}, model_type {model_type!r}), not the image ViT from_vit_pretrained "
            f"starts a video model from: {advice}"
        )


def read_transformers_vit(state: Mapping[str, torch.Tensor], config: Mapping, origin: str) -> ImageViT:
    """A transformers ViT state dict (either key spelling, with or without `vit.`) and its config dict as an
    `ImageViT`."""
    refuse_video_checkpoint(config.get("model_type"), origin)
    if config.get("model_type") not in (None, *VIT_MODEL_TYPES):
        model_type = config.get("model_type")
        if model_type in NOT_A_VIT:
            raise ViTInitError(not_a_vit(model_type, origin, config))
        raise ViTInitError(
            f"{origin}: expected a transformers ViT (model_type {' or '.join(map(repr, VIT_MODEL_TYPES))}), got "
            f"{model_type!r}{OTHER_ROUTE.get(model_type, '')}"
        )
    state = {normalise_key(k): float32_tensor(v) for k, v in state.items()}
    prefix = next((p for p in ("vit.", "ijepa.") if any(k.startswith(p) for k in state)), "")
    take, used = parameter_taker(
        state,
        origin,
        "a transformers ViT (ViTModel or ViTForImageClassification), which is all a ViViT can start from",
        prefix,
    )

    heads = int(config.get("num_attention_heads", 12))
    grid = patch_grid(config)
    has_cls = config.get("model_type") not in _WITHOUT_CLS
    cls_position, position_grid, grid = split_positions(take("embeddings.position_embeddings"), has_cls, grid, origin)
    layers = []
    for i in range(int(config.get("num_hidden_layers", 12))):
        p = f"layers.{i}."
        qkv_bias = prefix + p + "attention.q_proj.bias" in state
        layers.append(encoder_block(take, p, ("layernorm_before", "layernorm_after"), qkv_bias))
    pooler = None
    # a ViViT's representation layer is dense + tanh, ViTPooler's default; another activation is another function;
    # I-JEPA's pooler reads the first patch token, not the tokens a ViViT pools
    if prefix + "pooler.dense.weight" in state and config.get("pooler_act", "tanh") == "tanh" and has_cls:
        pooler = {"weight": take("pooler.dense.weight"), "bias": take("pooler.dense.bias")}
    vit = ImageViT(
        dtype=checkpoint_dtype(config, state),
        patch_kernel=take("embeddings.patch_embeddings.projection.weight"),
        patch_bias=take("embeddings.patch_embeddings.projection.bias"),
        position_grid=position_grid,
        grid=grid,
        cls_token=take("embeddings.cls_token") if has_cls else None,
        cls_position=cls_position,
        layers=layers,
        final_norm={"weight": take("layernorm.weight"), "bias": take("layernorm.bias")},
        hidden_act=config.get("hidden_act", "gelu"),
        layer_norm_eps=float(config.get("layer_norm_eps", 1e-12)),
        num_attention_heads=heads,
        pre_logits=pooler,
        pre_logits_names=(f"{prefix}pooler.dense.weight", f"{prefix}pooler.dense.bias"),
        initializer_range=config.get("initializer_range"),
        origin=origin,
        cls_token_name=f"{prefix}embeddings.cls_token",
        # ViTForImageClassification's head reads the CLS token, IJepaForImageClassification's the tokens' mean
        pooling="token" if has_cls else "gap",
    )
    leftover = sorted(set(state) - used)
    unknown = [name for name in leftover if not _TRANSFORMERS_DROPPABLE.match(name.removeprefix(prefix))]
    refuse_unplaced(origin, "a transformers ViT", unknown)
    for name in leftover:
        vit.unused[name] = (
            (
                f"pooler with activation {config.get('pooler_act')!r}: a ViViT's representation layer is dense + tanh"
                if has_cls
                else "pooler of the first patch token (no CLS token): a ViViT's representation layer reads the "
                "tokens it pools"
            )
            if name.removeprefix(prefix).startswith("pooler.") and pooler is None
            else unused_reason(name)
        )
    # ViTForImageClassification's head reads the final-normed CLS token (it has no pooler)
    set_transformers_classifier(vit, state, config)
    return vit


def set_transformers_classifier(vit: ImageViT, state: Mapping, config: Mapping) -> None:
    """A transformers image classifier (`classifier.weight`, `classifier.bias`) for `classifier_init="copy"`, with
    its config's class names and `problem_type` (multi-label or regression rows keep their loss)."""
    set_classifier(vit, state, ("classifier.weight", "classifier.bias"), transpose=False)
    set_class_names(vit, config.get("id2label") or {})
    if vit.classifier is not None:
        vit.problem_type = config.get("problem_type")


def encoder_block(take, p: str, norms: tuple[str, str], qkv_bias: bool, scales=(None, None)) -> dict:
    """Block `p` of a transformers ViT-like encoder (q, k, v and o projections, an MLP, the two LayerNorms `norms`)
    as an `ImageViT` layer, each tensor read by `take`. `scales`: a LayerScale per residual branch (DINOv2's
    `lambda1`), folded into the projection whose output it scales (the weight's rows and the bias): the same function
    without a LayerScale, which a ViViT has not."""

    def scaled(tensor, gamma, weight: bool):
        return tensor if gamma is None else tensor * (gamma[:, None] if weight else gamma)

    layer = {
        "layernorm_before.weight": take(p + f"{norms[0]}.weight"),
        "layernorm_before.bias": take(p + f"{norms[0]}.bias"),
        "attention.qkv.weight": torch.cat([take(p + f"attention.{x}_proj.weight") for x in "qkv"]),
        "attention.proj.weight": scaled(take(p + "attention.o_proj.weight"), scales[0], True),
        "attention.proj.bias": scaled(take(p + "attention.o_proj.bias"), scales[0], False),
        "layernorm_after.weight": take(p + f"{norms[1]}.weight"),
        "layernorm_after.bias": take(p + f"{norms[1]}.bias"),
        "mlp.fc1.weight": take(p + "mlp.fc1.weight"),
        "mlp.fc1.bias": take(p + "mlp.fc1.bias"),
        "mlp.fc2.weight": scaled(take(p + "mlp.fc2.weight"), scales[1], True),
        "mlp.fc2.bias": scaled(take(p + "mlp.fc2.bias"), scales[1], False),
    }
    if qkv_bias:
        layer["attention.qkv.bias"] = torch.cat([take(p + f"attention.{x}_proj.bias") for x in "qkv"])
    return layer


def patch_grid(config: Mapping, patch_size: int = 16) -> tuple[int, int]:
    """The patch grid of a transformers image config (`image_size`, `patch_size`: an int or a (height, width) pair)."""
    image, patch = config.get("image_size", 224), config.get("patch_size", patch_size)
    image = (image, image) if isinstance(image, int) else tuple(image)
    patch = (patch, patch) if isinstance(patch, int) else tuple(patch)
    return image[0] // patch[0], image[1] // patch[1]


def with_patch_grid(config: Mapping, grid) -> dict:
    """`config` whose image size makes the patch grid `grid` (`vit_grid`); a two-tower SigLIP's in its image tower's
    config, which its reader reads (set beside it, it would be ignored, the config's grid read; a SigLIP or DINOv2
    given the pair would fail with a TypeError)."""
    if config.get("model_type") == "siglip":
        return dict(config, vision_config=with_patch_grid(config.get("vision_config") or {}, grid))
    patch = config.get("patch_size", 14 if config.get("model_type") in DINOV2_MODEL_TYPES else 16)
    patch = (patch, patch) if isinstance(patch, int) else tuple(patch)
    return dict(config, image_size=[grid[0] * patch[0], grid[1] * patch[1]])


# What a transformers ViT may leave behind: its image heads, masked-image-modelling parts and a `position_ids` buffer
# some older saves carry. Every layer its config names is read, so anything else belongs to another architecture.
_TRANSFORMERS_DROPPABLE = re.compile(
    r"^(classifier\.|pooler\.|decoder\.|embeddings\.mask_token$|embeddings\.position_ids$)"
)


# SigLIP's image tower: a pre-norm ViT without a CLS token (`post_layernorm` its final norm, the tanh GELU), alone
# (`SiglipVisionModel`) or beside the text tower (`SiglipModel`) or a classifier over the tokens' mean
# (`SiglipForImageClassification`), read as its big_vision `.npz` is.
SIGLIP_MODEL_TYPES = ("siglip", "siglip_vision_model")
_SIGLIP_UNUSED = (
    (re.compile(r"^(vision_model\.)?head\."), "attention-pooling head (MAP): the video classifier pools its own way"),
    (re.compile(r"^(text_model\.|logit_scale$|logit_bias$)"), "SigLIP's text tower: no counterpart in a ViViT"),
)


def read_siglip_vit(state: Mapping[str, torch.Tensor], config: Mapping, origin: str) -> ImageViT:
    """transformers' SigLIP image tower (state dict and config dict, the two-tower one's or the tower's) as an
    `ImageViT` whose classifier, where there is one (`SiglipForImageClassification`), reads the tokens' mean."""
    vision = config.get("vision_config") or {} if config.get("model_type") == "siglip" else config
    state = {k: float32_tensor(v) for k, v in state.items()}
    prefix = "vision_model." if any(k.startswith("vision_model.") for k in state) else ""
    take, used = parameter_taker(state, origin, "transformers' SigLIP image tower", prefix)

    grid = patch_grid(vision)
    table = take("embeddings.position_embedding.weight")[None]
    _, position_grid, grid = split_positions(table, False, grid, origin)
    layers = []
    for i in range(int(vision.get("num_hidden_layers", 12))):
        p = f"encoder.layers.{i}."
        layers.append(
            {
                "layernorm_before.weight": take(p + "layer_norm1.weight"),
                "layernorm_before.bias": take(p + "layer_norm1.bias"),
                "attention.qkv.weight": torch.cat([take(p + f"self_attn.{x}_proj.weight") for x in "qkv"]),
                "attention.qkv.bias": torch.cat([take(p + f"self_attn.{x}_proj.bias") for x in "qkv"]),
                "attention.proj.weight": take(p + "self_attn.out_proj.weight"),
                "attention.proj.bias": take(p + "self_attn.out_proj.bias"),
                "layernorm_after.weight": take(p + "layer_norm2.weight"),
                "layernorm_after.bias": take(p + "layer_norm2.bias"),
                "mlp.fc1.weight": take(p + "mlp.fc1.weight"),
                "mlp.fc1.bias": take(p + "mlp.fc1.bias"),
                "mlp.fc2.weight": take(p + "mlp.fc2.weight"),
                "mlp.fc2.bias": take(p + "mlp.fc2.bias"),
            }
        )
    vit = ImageViT(
        dtype=checkpoint_dtype(config, state),
        patch_kernel=take("embeddings.patch_embedding.weight"),
        patch_bias=take("embeddings.patch_embedding.bias"),
        position_grid=position_grid,
        grid=grid,
        cls_token=None,
        cls_position=None,
        layers=layers,
        final_norm={"weight": take("post_layernorm.weight"), "bias": take("post_layernorm.bias")},
        hidden_act=vision.get("hidden_act", "gelu_pytorch_tanh"),
        layer_norm_eps=float(vision.get("layer_norm_eps", 1e-6)),
        num_attention_heads=int(vision.get("num_attention_heads", 12)),
        initializer_range=config.get("initializer_range"),
        origin=origin,
        pooling="gap",  # SiglipForImageClassification's classifier reads the mean of the tokens
    )
    leftover = sorted(set(state) - used)
    reasons = {name: next((r for pattern, r in _SIGLIP_UNUSED if pattern.match(name)), None) for name in leftover}
    refuse_unplaced(
        origin, "SigLIP's image tower", [n for n, r in reasons.items() if r is None and not n.startswith("classifier.")]
    )
    for name, reason in reasons.items():
        vit.unused[name] = reason or unused_reason(name)
    set_transformers_classifier(vit, state, config)
    return vit


# DINOv2: transformers' ViT block with LayerScale (`layer_scale1`, `layer_scale2`), folded into the projection before
# it exactly, as timm's.
DINOV2_MODEL_TYPES = ("dinov2",)
# Dinov2ForImageClassification's classifier reads the CLS token and the patch tokens' mean side by side
_DINOV2_POOLING = "DINOv2's CLS token beside the patch tokens' mean (concatenated)"


def read_dinov2_vit(state: Mapping[str, torch.Tensor], config: Mapping, origin: str) -> ImageViT:
    """transformers' DINOv2 (`Dinov2Model`, `Dinov2ForImageClassification`; either key spelling) as an `ImageViT`,
    LayerScale folded. Its position table is used as it is: at the checkpoint's own image size DINOv2 does not
    interpolate it."""
    if config.get("use_swiglu_ffn"):
        raise ViTInitError(
            f"{origin}: a DINOv2 with a gated MLP (`use_swiglu_ffn=True`, as dinov2-giant), {_CANNOT}; nothing was "
            f"loaded"
        )
    state = {normalise_key(k): float32_tensor(v) for k, v in state.items()}
    prefix = "dinov2." if any(k.startswith("dinov2.") for k in state) else ""
    take, used = parameter_taker(state, origin, "transformers' DINOv2", prefix)

    grid = patch_grid(config, 14)
    cls_position, position_grid, grid = split_positions(take("embeddings.position_embeddings"), True, grid, origin)
    layers = []
    for i in range(int(config.get("num_hidden_layers", 12))):
        p = f"layers.{i}."
        scales = take(p + "layer_scale1.lambda1"), take(p + "layer_scale2.lambda1")
        qkv_bias = prefix + p + "attention.q_proj.bias" in state
        layers.append(encoder_block(take, p, ("norm1", "norm2"), qkv_bias, scales))
    vit = ImageViT(
        dtype=checkpoint_dtype(config, state),
        patch_kernel=take("embeddings.patch_embeddings.projection.weight"),
        patch_bias=take("embeddings.patch_embeddings.projection.bias"),
        position_grid=position_grid,
        grid=grid,
        cls_token=take("embeddings.cls_token"),
        cls_position=cls_position,
        layers=layers,
        final_norm={"weight": take("layernorm.weight"), "bias": take("layernorm.bias")},
        hidden_act=config.get("hidden_act", "gelu"),
        layer_norm_eps=float(config.get("layer_norm_eps", 1e-6)),
        num_attention_heads=int(config.get("num_attention_heads", 12)),
        initializer_range=config.get("initializer_range"),
        origin=origin,
        cls_token_name=f"{prefix}embeddings.cls_token",
        pooling=_DINOV2_POOLING if "classifier.weight" in state else "token",
    )
    leftover = sorted(set(state) - used)
    refuse_unplaced(
        origin,
        "DINOv2",
        [n for n in leftover if n not in (f"{prefix}embeddings.mask_token", "classifier.weight", "classifier.bias")],
    )
    for name in leftover:
        vit.unused[name] = unused_reason(name)
    set_transformers_classifier(vit, state, config)
    return vit
