# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Start any ViViT variant from an image ViT (paper §3.4; scenic `model_utils.initialise_from_train_state`).

Video data sets are small, so every ViViT in the paper starts from an image ViT. Two steps:

1. `load_image_vit(source)` reads a ViT from wherever it lives (transformers `ViTModel` /
   `ViTForImageClassification`: Hub id, folder or in-memory model; a timm state dict, model or checkpoint file;
   a big_vision / scenic `.npz` or parameter tree) into one neutral `ImageViT`, in our own block layout.
2. `initialise_from_vit(model, vit, ...)` does the surgery on an existing video model, scenic's rules but correct
   for every grid shape and frame count:

   * position embeddings: the 2D grid resized if needed (bilinear, corners aligned, per axis, so non-square grids
     work) and tiled over the `n_t` temporal indices, time-major (or, with scenic's `resize`, resized to one square
     of all the tokens); the CLS row is the ViT's if both have a CLS token;
   * tubelet kernel from the 2D patch kernel `E`: `central_frame` (E at index t // 2, zeros elsewhere),
     `filter_inflation` (E / t at every index), `arp` (E * a_i / t) or `random` (the video model's own init);
     frame sampling copies E;
   * Model 2: spatial encoder (blocks, final norm, position embeddings and CLS token) from the ViT, temporal
     encoder fresh; Model 3: spatial attention and MLP from the ViT, temporal attention `zero` (output projection
     zeroed, so each block starts as the ViT block and the temporal MSA still learns) or `copy` (scenic's default);
     Model 4 as Model 1; the classifier stays fresh, or is the ViT's with `classifier_init="copy"` (scenic's
     `restore_output_proj=True`: the same classes, e.g. fine-tuning on the data set the ViT was trained on).

   Parameters not named above keep their values; everything of the ViT that finds no place is reported by name.

One deliberate difference from scenic: Model 2's spatial CLS token is taken from the ViT. scenic copies the ViT's
`cls` only into a key literally named `cls`, so its `cls_SpatialTransformer` stays random next to a position
embedding whose CLS row *is* the ViT's; taking both makes the spatial encoder exactly the ViT on every frame.
"""

from __future__ import annotations

import difflib
import inspect
import json
import logging
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn
from transformers import AutoConfig, AutoModelForVideoClassification

from ..models.configuration_vivit import ViViTSpatioTemporalConfig
from ..models.modeling_blocks import FactorisedSelfAttentionLayer, ViViTEncoder, ViViTLayer, resize_position_table
from ..models.modeling_vivit import VIVIT_MODELS, ViViTSpatioTemporalForVideoClassification
from .scenic import block_entries, flatten_tree, strip_checkpoint_prefix, to_torch_array
from .transformers_vivit import (
    _HUB_KWARGS,
    CheckpointSourceError,
    _resolve,
    cast_as_asked,
    checkpoint_dtype,
    from_transformers_vivit,
    normalise_key,
    pop_dtype,
    read_state_dict_file,
    read_transformers_checkpoint,
    weights_dtype,
)

logger = logging.getLogger(__name__)

TUBELET_INITS = ("central_frame", "filter_inflation", "arp", "random")
POSITIONAL_EMBEDDINGS = ("tile", "resize_tile", "resize", "random")
# scenic's init_from.init_temporal_transformer / init_spatial_transformer = False keep the video model's own
# attention for that axis of Model 3 ("keep").
TEMPORAL_ATTENTION_INITS = ("zero", "copy", "keep")
SPATIAL_ATTENTION_INITS = ("copy", "keep")
# scenic's restore_output_proj: False keeps the video model's own classifier ("keep"), True takes the ViT's ("copy").
CLASSIFIER_INITS = ("keep", "copy")
# The same ViT facts are keyword arguments of three functions under two names: errors name all three spellings.
_HEADS_ARGUMENT = (
    "`vit_num_attention_heads=` to from_vit_pretrained (`num_attention_heads=` to load_image_vit or "
    "initialise_from_vit)"
)
_GRID_ARGUMENT = "`vit_grid=` to from_vit_pretrained (`grid=` to load_image_vit or initialise_from_vit)"
# The advice as its errors and warnings say it, whole, so that a caller with other means (recipes/finetune.py's
# flags) can say it in its own words (vivit_hf.training.flags.vit_init_in_flag_words).
VIT_HEADS_ADVICE = f"pass the head count as {_HEADS_ARGUMENT}"
VIT_GRID_ADVICE = f"pass the ViT's grid (rows, cols) as {_GRID_ARGUMENT}"
VIT_ACTIVATION_ADVICE = (
    "pass hidden_act= (a transformers activation: 'gelu_pytorch_tanh') to from_vit_pretrained or load_image_vit"
)
VIT_NUMERICS_ADVICE = (
    "to start from the function the ViT learnt, give the video model the ViT's (from_vit_pretrained takes them "
    "unless hidden_act= or layer_norm_eps= is passed to it)"
)

# timm and bare state dicts do not store the head count: the standard ViT sizes, by the name timm's architectures
# carry and by width.
_VIT_SIZES = {
    "tiny": (192, 3),
    "small": (384, 6),
    "base": (768, 12),
    "large": (1024, 16),
    "huge": (1280, 16),
    "giant": (1408, 16),
    "gigantic": (1664, 16),
}
_HEADS_BY_NAME = {name: heads for name, (_, heads) in _VIT_SIZES.items()}
_HEADS_BY_WIDTH = {width: heads for width, heads in _VIT_SIZES.values()}
# The original google-research/vision_transformer npz numbers the block children by creation order.
_ORIGINAL_VIT_BLOCK = {
    "MultiHeadDotProductAttention_1": "MultiHeadDotProductAttention_0",
    "LayerNorm_2": "LayerNorm_1",
    "MlpBlock_3": "MlpBlock_0",
}
_LAYER_KEYS = (
    "layernorm_before.weight",
    "layernorm_before.bias",
    "attention.qkv.weight",
    "attention.qkv.bias",
    "attention.proj.weight",
    "attention.proj.bias",
    "layernorm_after.weight",
    "layernorm_after.bias",
    "mlp.fc1.weight",
    "mlp.fc1.bias",
    "mlp.fc2.weight",
    "mlp.fc2.bias",
)


# transformers' ViT and the self-supervised ViTs it stores in the same layout (MAE's encoder masks patches only while
# pre-training; MSN's is the plain ViT): one reader serves them all.
_VIT_MODEL_TYPES = ("vit", "vit_mae", "vit_msn")


class ViTInitError(ValueError):
    """An image ViT that cannot start this video model; the message names the parameter or size at fault."""


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
    unused: dict[str, str] = field(default_factory=dict)
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


def _tensor(value) -> torch.Tensor:
    if isinstance(value, torch.Tensor):
        return value.detach().to("cpu", torch.float32)
    array = np.asarray(value)
    return torch.from_numpy(np.ascontiguousarray(array.astype(np.float32)))


def _square_grid(num_tokens: int, where: str) -> tuple[int, int]:
    side = math.isqrt(num_tokens)
    if side * side != num_tokens:
        raise ViTInitError(f"{where}: {num_tokens} position embeddings do not form a square grid; {VIT_GRID_ADVICE}")
    return side, side


def _split_positions(table: torch.Tensor, has_cls: bool, grid, where: str):
    """(1, [1 +] n, d) -> (cls row or None, grid rows, grid)."""
    n = table.shape[1]
    if grid is None:
        grid = _square_grid(n - int(has_cls), where)
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


def _timm_pixel_normalisation(pretrained_cfg) -> dict | None:
    cfg = dict(pretrained_cfg or {})
    if "mean" not in cfg or "std" not in cfg:
        return None
    return pixel_normalisation(cfg["mean"], cfg["std"])  # timm's transforms: ToTensor (x / 255), then Normalize


def _transformers_pixel_normalisation(source: str, hub_kwargs: dict) -> dict | None:
    """From a transformers folder's or Hub repo's preprocessor_config.json, where it has one."""
    try:
        path = _resolve(source, "preprocessor_config.json", hub_kwargs)
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


# -------------------------------------------------------------------------------------------- transformers ViT
# Where the same weights load by another route: timm's DINOv2 ViTs are pre-norm ViTs whose LayerScale is folded.
_OTHER_ROUTE = {
    "dinov2": "; DINOv2's weights load as timm's model (e.g. `timm.create_model('vit_base_patch14_dinov2.lvd142m', "
    "pretrained=True)` or its Hub folder timm/vit_base_patch14_dinov2.lvd142m): its LayerScale is folded exactly",
}
# A video checkpoint given where an image ViT is read was refused only as "expected model_type 'vit'" (a model object
# as "neither a transformers ViT nor a timm VisionTransformer"): said as what it is, with the call that loads it.
_RESTART = (
    "or restart it with another num_frames, image_size or labels with "
    "`vivit_hf.conversion.from_vivit_checkpoint(path, num_frames=...)`"
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


def _refuse_video_checkpoint(model_type, origin: str, kind: str = "checkpoint") -> None:
    if model_type in _VIDEO_CHECKPOINTS:
        what, advice = _VIDEO_CHECKPOINTS[model_type]
        raise ViTInitError(
            f"{origin} is a video {kind} ({what}, model_type {model_type!r}), not the image ViT from_vit_pretrained "
            f"starts a video model from: {advice}"
        )


def _from_transformers(state: Mapping[str, torch.Tensor], config: Mapping, origin: str) -> ImageViT:
    _refuse_video_checkpoint(config.get("model_type"), origin)
    if config.get("model_type") not in (None, *_VIT_MODEL_TYPES):
        raise ViTInitError(
            f"{origin}: expected a transformers ViT (model_type {' or '.join(map(repr, _VIT_MODEL_TYPES))}), got "
            f"{config.get('model_type')!r}{_OTHER_ROUTE.get(config.get('model_type'), '')}"
        )
    state = {normalise_key(k): _tensor(v) for k, v in state.items()}
    prefix = "vit." if any(k.startswith("vit.") for k in state) else ""
    used = set()

    def take(name):
        if prefix + name not in state:
            raise ViTInitError(
                f"{origin}: no `{prefix}{name}`; not the layout of a transformers ViT (ViTModel or "
                f"ViTForImageClassification), which is all a ViViT can start from"
            )
        used.add(prefix + name)
        return state[prefix + name]

    heads = int(config.get("num_attention_heads", 12))
    image = config.get("image_size", 224)
    patch = config.get("patch_size", 16)
    image = (image, image) if isinstance(image, int) else tuple(image)
    patch = (patch, patch) if isinstance(patch, int) else tuple(patch)
    grid = (image[0] // patch[0], image[1] // patch[1])
    cls_position, position_grid, grid = _split_positions(take("embeddings.position_embeddings"), True, grid, origin)
    layers = []
    for i in range(int(config.get("num_hidden_layers", 12))):
        p = f"layers.{i}."
        layer = {
            "layernorm_before.weight": take(p + "layernorm_before.weight"),
            "layernorm_before.bias": take(p + "layernorm_before.bias"),
            "attention.qkv.weight": torch.cat([take(p + f"attention.{x}_proj.weight") for x in "qkv"]),
            "attention.proj.weight": take(p + "attention.o_proj.weight"),
            "attention.proj.bias": take(p + "attention.o_proj.bias"),
            "layernorm_after.weight": take(p + "layernorm_after.weight"),
            "layernorm_after.bias": take(p + "layernorm_after.bias"),
            "mlp.fc1.weight": take(p + "mlp.fc1.weight"),
            "mlp.fc1.bias": take(p + "mlp.fc1.bias"),
            "mlp.fc2.weight": take(p + "mlp.fc2.weight"),
            "mlp.fc2.bias": take(p + "mlp.fc2.bias"),
        }
        if prefix + p + "attention.q_proj.bias" in state:
            layer["attention.qkv.bias"] = torch.cat([take(p + f"attention.{x}_proj.bias") for x in "qkv"])
        layers.append(layer)
    pooler = None
    # a ViViT's representation layer is dense + tanh, ViTPooler's default; another activation is another function
    if prefix + "pooler.dense.weight" in state and config.get("pooler_act", "tanh") == "tanh":
        pooler = {"weight": take("pooler.dense.weight"), "bias": take("pooler.dense.bias")}
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
        layer_norm_eps=float(config.get("layer_norm_eps", 1e-12)),
        num_attention_heads=heads,
        pre_logits=pooler,
        pre_logits_names=(f"{prefix}pooler.dense.weight", f"{prefix}pooler.dense.bias"),
        initializer_range=config.get("initializer_range"),
        origin=origin,
        cls_token_name=f"{prefix}embeddings.cls_token",
    )
    leftover = sorted(set(state) - used)
    unknown = [name for name in leftover if not _TRANSFORMERS_DROPPABLE.match(name.removeprefix(prefix))]
    _refuse_unplaced(origin, "a transformers ViT", unknown)
    for name in leftover:
        vit.unused[name] = (
            f"pooler with activation {config.get('pooler_act')!r}: a ViViT's representation layer is dense + tanh"
            if name.removeprefix(prefix).startswith("pooler.") and pooler is None
            else _reason(name)
        )
    # ViTForImageClassification's head reads the final-normed CLS token (it has no pooler)
    _set_classifier(vit, state, ("classifier.weight", "classifier.bias"), transpose=False)
    _set_class_names(vit, config.get("id2label") or {})
    return vit


def _set_class_names(vit: ImageViT, id2label: Mapping) -> None:
    """The names of the classifier's classes where the source gives one per row (a transformers config's `id2label`,
    a timm Hub folder's `label_names`)."""
    if vit.classifier is not None and len(id2label) == vit.classifier["weight"].shape[0]:
        vit.id2label = {int(i): name for i, name in id2label.items()}  # a folder's JSON keys are strings


# What a transformers ViT may leave behind: its image heads, masked-image-modelling parts and a `position_ids` buffer
# some older saves carry. Every layer its config names is read, so anything else belongs to another architecture.
_TRANSFORMERS_DROPPABLE = re.compile(
    r"^(classifier\.|pooler\.|decoder\.|embeddings\.mask_token$|embeddings\.position_ids$)"
)


def _refuse_unplaced(origin: str, reader: str, unknown: list[str]) -> None:
    """Refuse a checkpoint with parameters `reader` has no place for (the first six named), before anything loads: a
    part of another architecture, which a ViViT cannot represent, would otherwise be dropped silently."""
    if unknown:
        raise ViTInitError(
            f"{origin}: parameters {reader} has no place for: {', '.join(unknown[:6])}"
            f"{', ...' if len(unknown) > 6 else ''}; another architecture, which a ViViT cannot represent; "
            f"nothing was loaded"
        )


def _set_classifier(vit: ImageViT, state: Mapping, names: tuple[str, str], transpose: bool, pooled_by=None):
    """The image classifier for `classifier_init="copy"`, left in `unused` until it is copied. None where the ViT
    has none, or where it reads an attention-pooling head (`pooled_by`), whose features a ViViT cannot compute."""
    if names[0] not in state or names[1] not in state or pooled_by:
        return
    weight = _tensor(state[names[0]])
    vit.classifier = {"weight": weight.T if transpose else weight, "bias": _tensor(state[names[1]])}
    vit.classifier_names = names


def _reason(name: str) -> str:
    if re.search(r"(^|/)MAPHead_\d+/|^attn_pool\.", name):
        return "attention-pooling head (MAP, as in SigLIP): the video classifier pools its own way and starts fresh"
    if re.search(r"(^|\.|/)(classifier|head|output_projection)([./]|$)", name):
        return "image classifier head: the video classifier starts fresh"
    if "mask_token" in name:
        return "masked-image-modelling token: unused by a classifier"
    if re.search(r"(^|\.)layers\.\d+\.|encoderblock_\d+|blocks\.\d+\.", name):
        return "ViT layer beyond the video model's depth"
    return "no counterpart in a ViViT"


# --------------------------------------------------------------------------------------------------------- timm
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


def _from_timm(
    state: Mapping,
    origin: str,
    num_attention_heads=None,
    grid=None,
    hidden_act: str | None = None,
    layer_norm_eps: float | None = None,
    heads_guessed_from: str | None = None,
) -> ImageViT:
    dtype = weights_dtype(state)
    state = {k.removeprefix("module."): _tensor(v) for k, v in state.items()}
    _refuse_unsupported_timm(state, origin)
    used = set()

    def take(name):
        if name not in state:
            raise ViTInitError(
                f"{origin}: no `{name}`; not the layout of a timm VisionTransformer (learned `pos_embed`, blocks of "
                f"norm1, attn.qkv, attn.proj, norm2, mlp.fc1, mlp.fc2), which is all a ViViT can start from"
            )
        used.add(name)
        return state[name]

    width = take("patch_embed.proj.weight").shape[0]
    heads = num_attention_heads
    if heads is None and width in _HEADS_BY_WIDTH:
        heads = _HEADS_BY_WIDTH[width]
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
    cls_position, position_grid, grid = _split_positions(table, embed_class, grid, origin)
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
    )
    unknown = sorted(name for name in set(state) - used if not _TIMM_DROPPABLE.match(name))
    _refuse_unplaced(origin, "a timm VisionTransformer block", unknown)
    for name in sorted(set(state) - used):
        vit.unused[name] = _reason(name)
    attention_pooled = any(name.startswith("attn_pool.") for name in state)
    _set_classifier(vit, state, ("head.weight", "head.bias"), transpose=False, pooled_by=attention_pooled)
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


def _timm_heads_by_name(architecture: str, state: Mapping):
    """(head count, what it was read from) for a timm Hub folder, or (None, None) where the name does not say.

    A size name counts only at its standard width: timm's `vit_giant_patch14_dinov2` is 1536 wide with 24 heads, not
    ViT-g's 1408 and 16, and `vit_huge_plus_patch16_dinov3` 1280 wide with 20."""
    base = architecture.split(".")[0]
    size = re.search(r"_(tiny|small|base|large|huge|giant|gigantic)_", base + "_")
    kernel = state.get("patch_embed.proj.weight", state.get("module.patch_embed.proj.weight"))
    if size is None or kernel is None or "_plus_" in base + "_" or _VIT_SIZES[size.group(1)][0] != kernel.shape[0]:
        return None, None
    return _HEADS_BY_NAME[size.group(1)], f"its architecture name {architecture!r}"


def _timm_skeleton(config: Mapping, origin: str):
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


def _timm_grid_from_input_size(config: Mapping, state: Mapping):
    """The patch grid of a timm Hub folder's `pretrained_cfg.input_size` (c, h, w), where it fits the position table;
    else None. The table's length alone is ambiguous: a 4 x 2 grid with a CLS row has 9 rows, which read as a 3 x 3
    grid without one."""
    size = (config.get("pretrained_cfg") or {}).get("input_size")
    kernel, table = state.get("patch_embed.proj.weight"), state.get("pos_embed")
    if size is None or len(size) != 3 or kernel is None or table is None:
        return None
    grid = (int(size[1]) // kernel.shape[2], int(size[2]) // kernel.shape[3])
    return grid if table.shape[1] - math.prod(grid) in (0, 1) else None


# timm's activation modules -> transformers' names for the same function.
_TIMM_ACTIVATIONS = {
    ("GELU", "none"): "gelu",
    ("GELU", "tanh"): "gelu_pytorch_tanh",
    ("GELUTanh", None): "gelu_pytorch_tanh",
    ("QuickGELU", None): "quick_gelu",
}


def _timm_block_function(model: nn.Module, origin: str | None = None) -> tuple[str, float]:
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


# ----------------------------------------------------------------------------------------- scenic / big_vision
def _from_scenic(tree: Mapping, origin: str, grid=None) -> ImageViT:

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
    position_name = next((n for n in ("Transformer/posembed_input/pos_embedding", "pos_embedding") if n in flat), None)
    if position_name is None:  # big_vision's posemb='sincos2d' computes them: there is no table to tile
        raise ViTInitError(
            f"{origin}: no learned position embeddings (`Transformer/posembed_input/pos_embedding` or `pos_embedding`);"
            f" a ViT with fixed sin-cos ones (big_vision posemb='sincos2d') has no table for a ViViT's learned ones"
        )
    cls_position, position_grid, grid = _split_positions(_tensor(take(position_name)), has_cls, grid, origin)
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
            layer[entry.torch_name.lstrip(".")] = _tensor(to_torch_array(entry, [take(n) for n in entry.scenic_names]))
        layers.append(layer)
    pre_logits = None
    if "pre_logits/kernel" in flat:
        pre_logits = {"weight": _tensor(take("pre_logits/kernel").T), "bias": _tensor(take("pre_logits/bias"))}
    vit = ImageViT(
        dtype=weights_dtype(flat),
        patch_kernel=_tensor(kernel.transpose(3, 2, 0, 1)),
        patch_bias=_tensor(take("embedding/bias")),
        position_grid=position_grid,
        grid=grid,
        cls_token=_tensor(take("cls")) if has_cls else None,
        cls_position=cls_position,
        layers=layers,
        final_norm={
            "weight": _tensor(take("Transformer/encoder_norm/scale")),
            "bias": _tensor(take("Transformer/encoder_norm/bias")),
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
    _refuse_unplaced(origin, "a ViT block", unknown)
    for name in sorted(set(flat) - used):
        vit.unused[name] = _reason(name)
    # scenic's ViT names its classifier output_projection, big_vision's `head`
    names = ("output_projection/kernel", "output_projection/bias")
    if names[0] not in flat:
        names = ("head/kernel", "head/bias")
    attention_pooled = any(re.match(r"(.*/)?MAPHead_\d+/", name) for name in flat)
    _set_classifier(vit, flat, names, transpose=True, pooled_by=attention_pooled)
    return vit


# -------------------------------------------------------------------------------------------------- dispatching
def _state_format(keys) -> str:
    keys = list(keys)
    if any("/" in k for k in keys):
        return "scenic"
    if any(k.removeprefix("module.").startswith(("patch_embed.", "blocks.")) for k in keys):
        return "timm"
    if any("embeddings.patch_embeddings" in k for k in keys):
        return "transformers"
    raise ViTInitError(
        f"unrecognised ViT parameter names (first: {keys[:3]}); expected transformers, timm or big_vision/scenic names"
    )


# Training checkpoints wrap the weights beside their optimiser state and epoch (DeiT's and MAE's released `.pth` files:
# {"model": ...}); a checkpoint file is unwrapped on reading (`read_state_dict_file`), the same dict in memory too.
_CHECKPOINT_WRAPPERS = ("state_dict", "model", "module")


def _unwrap_training_checkpoint(state: Mapping) -> Mapping:
    for key in _CHECKPOINT_WRAPPERS:
        if isinstance(state.get(key), Mapping) and not any("/" in str(k) for k in state):
            state = state[key]
    return state


def _from_state(
    state: Mapping, origin: str, grid=None, num_attention_heads=None, config=None, hidden_act=None
) -> ImageViT:
    state = _unwrap_training_checkpoint(state)
    kind = "scenic" if any(isinstance(v, Mapping) for v in state.values()) else _state_format(state.keys())
    if kind == "scenic":
        return _from_scenic(state, origin, grid=grid)
    if kind == "timm":
        return _from_timm(state, origin, num_attention_heads=num_attention_heads, grid=grid, hidden_act=hidden_act)
    # transformers' DeiT, BEiT, DINOv2, ... share the ViT's `embeddings.patch_embeddings` but not the rest: a bare state
    # dict of theirs is named as such, not read until a KeyError (or, for DeiT, a grid its two prefix tokens break).
    roots = {normalise_key(k).split(".")[0] for k in state}
    foreign = sorted(roots - {"vit", "embeddings", "layers", "layernorm", "pooler", "classifier", "decoder"})
    if foreign:
        raise ViTInitError(
            f"{origin}: parameters under {', '.join(f'`{r}.`' for r in foreign)}: not a transformers ViT "
            f"(ViTModel or ViTForImageClassification), which is all a ViViT can start from"
        )
    if any(k.endswith("embeddings.distillation_token") for k in state):
        raise ViTInitError(
            f"{origin}: a transformers DeiT with a distillation token (`embeddings.distillation_token`), a second "
            f"prefix token in every attention, which a ViViT cannot represent; nothing was loaded"
        )
    for required in ("embeddings.position_embeddings", "layers.0.layernorm_before.weight"):
        if not any(normalise_key(k).endswith(required) for k in state):
            raise ViTInitError(
                f"{origin}: no `{required}`: not a transformers ViT (ViTModel or ViTForImageClassification), "
                f"which is all a ViViT can start from"
            )
    config = dict(config or {})
    if num_attention_heads:
        config["num_attention_heads"] = num_attention_heads
    if "num_attention_heads" not in config:
        width = next(v for k, v in state.items() if k.endswith("patch_embeddings.projection.weight")).shape[0]
        if width not in _HEADS_BY_WIDTH:
            raise ViTInitError(
                f"{origin}: a bare state dict does not say its head count and width {width} is not a "
                f"standard ViT width; {VIT_HEADS_ADVICE}"
            )
        config["num_attention_heads"] = _HEADS_BY_WIDTH[width]
        logger.warning(
            "%s: a bare state dict stores no head count; assuming %d heads from its width %d. If the ViT has "
            "another, %s",
            origin,
            _HEADS_BY_WIDTH[width],
            width,
            VIT_HEADS_ADVICE,
        )
    if "num_hidden_layers" not in config:
        config["num_hidden_layers"] = 1 + max(
            int(m.group(1)) for k in state if (m := re.search(r"(?:layers|encoder\.layer)\.(\d+)\.", k))
        )
    if grid is not None:
        patch = tuple(next(v for k, v in state.items() if k.endswith("patch_embeddings.projection.weight")).shape[2:])
        config["image_size"], config["patch_size"] = [grid[0] * patch[0], grid[1] * patch[1]], list(patch)
    elif "image_size" not in config:
        table = next(v for k, v in state.items() if k.endswith("embeddings.position_embeddings"))
        patch = tuple(next(v for k, v in state.items() if k.endswith("patch_embeddings.projection.weight")).shape[2:])
        rows, cols = _square_grid(table.shape[1] - 1, origin)
        config["image_size"], config["patch_size"] = [rows * patch[0], cols * patch[1]], list(patch)
    return _from_transformers(state, config, origin)


def load_image_vit(source, *, grid=None, num_attention_heads=None, hidden_act=None, **hub_kwargs) -> ImageViT:
    """Read an image ViT from any supported source into an `ImageViT`.

    source: an `ImageViT`; a transformers `ViTModel` / `ViTForImageClassification` (in memory, a folder or a Hub
    id); a timm `VisionTransformer` or its state dict, or a timm checkpoint file (`.safetensors`, or `.pth`/`.bin`
    read with `weights_only=True`) or Hub folder; a big_vision / scenic / original-ViT `.npz` or parameter tree
    (nested or '/'-joined, with or without a `params/`, `optimizer/target/` or `img/` prefix).
    grid: the ViT's patch grid (rows, cols) where it cannot be read from a config (a non-square timm or npz ViT).
    num_attention_heads: for timm ViTs of a non-standard width (timm does not store the head count).
    hidden_act: the MLP activation of a timm state dict, which does not record it (else timm's default, exact GELU,
    is assumed and said); a source that records its own keeps it.
    """
    unknown = sorted(set(hub_kwargs) - set(_HUB_KWARGS))
    if unknown:  # initialise_from_vit passes its other keywords here: a misspelt option was silently dropped
        raise TypeError(
            f"unexpected keyword argument(s) {', '.join(map(repr, unknown))}: load_image_vit takes grid, "
            f"num_attention_heads and the hub options {', '.join(_HUB_KWARGS)}"
        )
    if isinstance(source, ImageViT):
        return source
    # torch.compile's and (Distributed)DataParallel's wrappers prefix every parameter name (`_orig_mod.`, `module.`):
    # the ViT inside was refused as "not the layout of a ViT"
    while isinstance(getattr(source, "_orig_mod", None), nn.Module) or isinstance(
        source, (nn.DataParallel, nn.parallel.DistributedDataParallel)
    ):
        source = source._orig_mod if isinstance(getattr(source, "_orig_mod", None), nn.Module) else source.module
    if isinstance(source, nn.Module):
        config = getattr(source, "config", None)
        if config is not None and getattr(config, "model_type", None) in _VIT_MODEL_TYPES:
            vit = _from_transformers(source.state_dict(), config.to_dict(), type(source).__name__)
            # the folder (or Hub cache, without downloading) it was loaded from may hold its image processor
            loaded_from = getattr(config, "_name_or_path", "") or ""
            if loaded_from:
                vit.pixel_normalisation = _transformers_pixel_normalisation(loaded_from, {"local_files_only": True})
            return vit
        if hasattr(source, "blocks") and hasattr(source, "patch_embed"):  # timm VisionTransformer
            hidden_act, eps = _timm_block_function(source)  # first: it refuses blocks without `attn`
            heads = getattr(source.blocks[0].attn, "num_heads", None)
            if num_attention_heads and heads and num_attention_heads != heads:
                raise ViTInitError(
                    f"{type(source).__name__} has {heads} attention heads, but {num_attention_heads} were asked for "
                    f"({_HEADS_ARGUMENT}); leave it unset for a timm object"
                )
            heads = heads or num_attention_heads
            grid = grid or tuple(getattr(source.patch_embed, "grid_size", ()) or ()) or None
            vit = _from_timm(
                source.state_dict(),
                type(source).__name__,
                num_attention_heads=heads,
                grid=grid,
                hidden_act=hidden_act,
                layer_norm_eps=eps,
            )
            vit.pixel_normalisation = _timm_pixel_normalisation(getattr(source, "pretrained_cfg", None))
            return vit
        model_type = getattr(config, "model_type", None)
        _refuse_video_checkpoint(model_type, type(source).__name__, kind="model")
        raise ViTInitError(
            f"{type(source).__name__} is neither a transformers ViT nor a timm VisionTransformer"
            f"{_OTHER_ROUTE.get(model_type, '')}"
        )
    if isinstance(source, Mapping):
        return _from_state(
            source, "state dict", grid=grid, num_attention_heads=num_attention_heads, hidden_act=hidden_act
        )
    if not isinstance(source, (str, os.PathLike)):
        raise ViTInitError(f"cannot read an image ViT from a {type(source).__name__}")
    path = os.fspath(source)
    if os.path.isfile(path):
        if path.endswith(".npz"):
            with np.load(path, allow_pickle=False) as archive:
                tree = {name: archive[name] for name in archive.files}
            return _from_scenic(tree, path, grid=grid)
        state = read_state_dict_file(path)
        return _from_state(state, path, grid=grid, num_attention_heads=num_attention_heads, hidden_act=hidden_act)
    config, state = read_transformers_checkpoint(path, **hub_kwargs)
    if "architecture" in config and "model_type" not in config:  # a timm Hub folder: config names the architecture
        arch = config["architecture"]
        skeleton = _timm_skeleton(config, path)
        if skeleton is not None:
            hidden_act, eps = _timm_block_function(skeleton, f"{path} ({arch})")
            heads = skeleton.blocks[0].attn.num_heads
            if num_attention_heads and num_attention_heads != heads:  # as for a timm object: it was taken over timm's
                raise ViTInitError(
                    f"{path}: timm's {arch!r} has {heads} attention heads, but {num_attention_heads} were asked for; "
                    "leave the head count unset for a timm Hub folder (timm's model for it says it)"
                )
            if grid is None and "pos_embed" in state:  # timm's grid where it fits the table (img_size may differ)
                grid = tuple(skeleton.patch_embed.grid_size)
                grid = grid if state["pos_embed"].shape[1] - math.prod(grid) in (0, 1) else None
            vit = _from_timm(
                state,
                path,
                num_attention_heads=heads,
                grid=grid,
                hidden_act=hidden_act,
                layer_norm_eps=eps,
            )
            vit.pixel_normalisation = _timm_pixel_normalisation(config.get("pretrained_cfg"))
            _set_class_names(vit, dict(enumerate(config.get("label_names") or ())))
            return vit
        if re.search(r"(^|_)rope(_|$)", arch.split(".")[0]):
            # rotary position embeddings have no parameters: without timm to build the model, only the name says so
            raise ViTInitError(
                f"{path}: timm's {arch!r} uses rotary position embeddings (RoPE) in every attention, which a ViViT "
                f"cannot represent; nothing was loaded"
            )
        guessed_from = None
        if num_attention_heads is None:
            num_attention_heads, guessed_from = _timm_heads_by_name(arch, state)
        if grid is None:
            grid = _timm_grid_from_input_size(config, state)
        vit = _from_timm(
            state,
            path,
            num_attention_heads=num_attention_heads,
            grid=grid,
            hidden_act=hidden_act,
            heads_guessed_from=guessed_from,
        )
        vit.pixel_normalisation = _timm_pixel_normalisation(config.get("pretrained_cfg"))
        _set_class_names(vit, dict(enumerate(config.get("label_names") or ())))
        return vit
    if grid is not None:
        config = dict(
            config, image_size=[grid[0] * config.get("patch_size", 16), grid[1] * config.get("patch_size", 16)]
        )
    vit = _from_transformers(state, config, path)
    vit.pixel_normalisation = _transformers_pixel_normalisation(path, hub_kwargs)
    return vit


# ------------------------------------------------------------------------------------------------ the surgery
@dataclass
class ViTInitReport:
    """What `initialise_from_vit` did: video parameters set from the ViT, video parameters left as they were, and
    ViT parameters with no place in the video model (each with the reason)."""

    initialised: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    unused: dict[str, str] = field(default_factory=dict)
    # the ViT's input pixels as ViViTVideoProcessor keyword arguments, where its source says them (else None): a
    # processor that feeds the video model other pixels starts it from another function than the ViT
    pixel_normalisation: dict | None = None

    def __str__(self) -> str:
        lines = [
            f"{len(self.initialised)} video-model parameters initialised from the ViT",
            f"{len(self.kept)} kept their own initialisation: {self.kept}",
        ]
        lines += [f"ViT parameter not used: {name} ({reason})" for name, reason in self.unused.items()]
        lines.append(
            f"the ViT's pixels (ViViTVideoProcessor arguments): {self.pixel_normalisation}"
            if self.pixel_normalisation
            else "the ViT's source does not say which pixels it was trained on"
        )
        return "\n".join(lines)


def arp_weights(t: int) -> list[float]:
    """scenic's `average_arp_frame_initializer`: slice i (1-based) gets a_i / t, with
    a_i = 2 (t - i + 1) - (t + 1) (H_t - H_{i-1}) and H_k the k-th harmonic number."""
    harmonic = [0.0]
    for k in range(1, t + 1):
        harmonic.append(harmonic[-1] + 1.0 / k)
    return [(2 * (t - i + 1) - (t + 1) * (harmonic[t] - harmonic[i - 1])) / t for i in range(1, t + 1)]


def inflate_patch_kernel(kernel: torch.Tensor, t: int, method: str) -> torch.Tensor:
    """2D patch kernel (d, c, h, w) -> tubelet kernel (d, c, t, h, w) by `central_frame`, `filter_inflation` or
    `arp` (paper §3.4)."""
    if method == "central_frame":  # index t // 2: the later of two frames for t = 2, as scenic
        tubelet = kernel.new_zeros(*kernel.shape[:2], t, *kernel.shape[2:])
        tubelet[:, :, t // 2] = kernel
        return tubelet
    if method == "filter_inflation":
        weights = [1.0 / t] * t
    elif method == "arp":
        if t == 1:  # a_1 = 2 - 2 H_1 = 0: rank pooling of one frame is nothing, and the video model would see nothing
            raise ViTInitError(
                "tubelet_init='arp' with tubelets of 1 frame gives an all-zero kernel (approximate rank pooling of one "
                "frame: a_1 = 0), so every token would be the bias alone; use 'central_frame' or 'filter_inflation' "
                "(for 1 frame both copy the ViT's kernel), or a tubelet of 2 or more frames"
            )
        weights = arp_weights(t)
    else:
        raise ValueError(f"`tubelet_init` must be one of {TUBELET_INITS}, got {method!r}")
    return torch.stack([kernel * w for w in weights], dim=2)


def video_position_embeddings(
    position_grid: torch.Tensor, vit_grid, spatial_grid, num_temporal: int, method: str
) -> torch.Tensor:
    """The ViT's (1, gh * gw, d) grid embeddings -> (1, num_temporal * h * w, d), time-major.

    `tile` needs the ViT's grid to equal the video model's spatial grid; `resize_tile` first resizes the 2D grid
    (bilinear, corners aligned, each axis on its own, so any grid shape works) and then tiles it over time. `resize`
    is scenic's rule: the same as `resize_tile` over one temporal index (Model 2's spatial encoder), and over several
    (Models 1, 3, 4) the ViT's square grid resized to one square grid of all the tokens (`resize_over_all_tokens`).
    """
    vit_grid, spatial_grid = tuple(vit_grid), tuple(spatial_grid)
    if method == "resize" and num_temporal > 1:
        return resize_over_all_tokens(position_grid, vit_grid, (num_temporal, *spatial_grid))
    if vit_grid != spatial_grid:
        if method == "tile":
            raise ViTInitError(
                f"the ViT's patch grid {vit_grid} differs from the video model's spatial grid {spatial_grid}; "
                f"use positional_embedding='resize_tile' to resize it"
            )
        position_grid = resize_position_table(position_grid, vit_grid, spatial_grid)
    return position_grid.repeat(1, num_temporal, 1)


def resize_over_all_tokens(position_grid: torch.Tensor, vit_grid, token_grid) -> torch.Tensor:
    """scenic's `resize` for an encoder over several temporal indices (`model_utils.interpolate_positional_embeddings`
    with every token of the encoder): the ViT's g x g grid resized (scipy's `zoom`, order 1: bilinear, corners
    aligned) to one square grid of side sqrt(t * h * w), flattened row-major over the time-major tokens.

    Both squares are what scenic's reshapes assume and neither is checked there: a token count that is not a square
    gives a table of another length, a non-square ViT grid of square length is read as a square. Here both are
    refused, naming the sizes."""
    num_temporal, rows, cols = token_grid
    num_tokens = num_temporal * rows * cols
    side = math.isqrt(num_tokens)
    alternative = (
        f"use positional_embedding='resize_tile' (the ViT grid resized to the {rows} x {cols} spatial grid, then "
        f"tiled over the {num_temporal} temporal indices)"
    )
    if vit_grid[0] != vit_grid[1]:
        raise ViTInitError(
            f"positional_embedding='resize' (scenic's rule) resizes the ViT's patch grid as a square, and the ViT's "
            f"grid {vit_grid} is not square; {alternative}"
        )
    if side * side != num_tokens:
        raise ViTInitError(
            f"positional_embedding='resize' (scenic's rule) resizes the ViT's {vit_grid[0]} x {vit_grid[1]} grid to "
            f"one square grid of all the video model's {num_temporal} x {rows} x {cols} = {num_tokens} tokens, and "
            f"{num_tokens} is not a square number; {alternative}"
        )
    # Time-major tokens read row by row from one square: its rows follow neither the frames nor the image rows.
    logger.warning(
        "positional_embedding='resize' (scenic's rule over %d temporal indices): the ViT's %dx%d grid is resized to "
        "%dx%d and laid over the %dx%dx%d tokens row by row, so its rows follow neither the frames nor the image "
        "rows; 'resize_tile' gives each temporal index the grid resized to %dx%d",
        num_temporal,
        *vit_grid,
        side,
        side,
        num_temporal,
        rows,
        cols,
        rows,
        cols,
    )
    return resize_position_table(position_grid, vit_grid, (side, side))


def _check_sizes(model, vit: ImageViT):
    config = model.config
    problems = []
    for name, ours, theirs in (
        ("hidden_size", config.hidden_size, vit.hidden_size),
        ("num_channels", config.num_channels, vit.patch_kernel.shape[1]),
        ("num_attention_heads", config.num_attention_heads, vit.num_attention_heads),
        ("intermediate_size", config.intermediate_size, vit.layers[0]["mlp.fc1.weight"].shape[0]),
        ("tubelet_size[1:] (patch size)", tuple(config.tubelet_size[1:]), vit.patch_size),
        ("qkv_bias", config.qkv_bias, "attention.qkv.bias" in vit.layers[0]),
    ):
        if ours != theirs:
            problems.append(f"{name}: video model {ours}, ViT {theirs}")
    if problems:
        raise ViTInitError(
            "the ViT does not fit this video model (these sizes cannot be resized): " + "; ".join(problems)
        )
    if (config.hidden_act, config.layer_norm_eps) != (vit.hidden_act, vit.layer_norm_eps):
        logger.warning(
            "the video model uses hidden_act=%r, layer_norm_eps=%g but the ViT was trained with %r, %g; %s",
            config.hidden_act,
            config.layer_norm_eps,
            vit.hidden_act,
            vit.layer_norm_eps,
            VIT_NUMERICS_ADVICE,
        )


def _encoder_updates(
    encoder,
    prefix: str,
    vit: ImageViT,
    grid_spatial,
    num_temporal: int,
    positional: str,
    temporal_attention: str,
    unused: dict,
    spatial_attention: str = "copy",
) -> dict[str, torch.Tensor]:
    updates = {}
    if len(encoder.layers) > len(vit.layers):
        # scenic copies the blocks the ViT has, one for one, and leaves the deeper ones as they were initialised
        logger.warning(
            "the video model has %d layers, the ViT %d: layers %d to %d keep their own initialisation (as scenic)",
            len(encoder.layers),
            len(vit.layers),
            len(vit.layers),
            len(encoder.layers) - 1,
        )
    for i, (layer, source) in enumerate(zip(encoder.layers, vit.layers)):
        if isinstance(layer, FactorisedSelfAttentionLayer):
            renames = {
                "layernorm_before": "layernorm_space",
                "attention": "attention_space",
                "layernorm_after": "layernorm_mlp",
                "mlp": "mlp",
            }
            for name, value in source.items():
                head, tail = name.split(".", 1)
                if head != "attention" or spatial_attention == "copy":
                    updates[f"{prefix}layers.{i}.{renames[head]}.{tail}"] = value
                if head == "attention" and temporal_attention == "copy":
                    updates[f"{prefix}layers.{i}.attention_time.{tail}"] = value
            if spatial_attention == "keep" and temporal_attention != "copy":
                unused[f"layers.{i}.attention"] = "spatial_attention_init='keep' keeps the video model's own"
            if temporal_attention == "zero":
                # Only the output projection: zeroing q, k, v too would give v and the projection zero gradients
                # forever (each one's gradient is multiplied by the other).
                proj = layer.attention_time.proj
                updates[f"{prefix}layers.{i}.attention_time.proj.weight"] = torch.zeros_like(proj.weight)
                updates[f"{prefix}layers.{i}.attention_time.proj.bias"] = torch.zeros_like(proj.bias)
        else:
            updates.update({f"{prefix}layers.{i}.{name}": value for name, value in source.items()})
    for i in range(len(encoder.layers), len(vit.layers)):
        for name in _LAYER_KEYS:
            if name in vit.layers[i]:
                unused[f"layers.{i}.{name}"] = "ViT layer beyond the video model's depth"
    if vit.final_norm is not None:
        updates[f"{prefix}layernorm.weight"] = vit.final_norm["weight"]
        updates[f"{prefix}layernorm.bias"] = vit.final_norm["bias"]

    if encoder.cls_token is not None and vit.cls_token is not None:
        updates[f"{prefix}cls_token"] = vit.cls_token
    elif vit.cls_token is not None:
        unused[vit.cls_token_name] = "the video model has no CLS token (its classifier pools patch tokens)"
    if positional == "random":  # scenic's restore_positional_embedding=False
        unused["position embeddings"] = "positional_embedding='random' keeps the video model's own"
        return updates
    table = video_position_embeddings(vit.position_grid, vit.grid, grid_spatial, num_temporal, positional)
    if encoder.cls_token is not None:
        # the ViT's CLS row goes with its CLS token; a CLS-less (gap) ViT leaves the video model's own row
        cls_row = (
            vit.cls_position
            if vit.cls_token is not None
            else (encoder.position_embeddings[:, :1].detach().float().cpu())
        )
        table = torch.cat((cls_row, table), dim=1)
    updates[f"{prefix}position_embeddings"] = table
    return updates


def _classifier_updates(model: nn.Module, vit: ImageViT, copied_pre_logits: bool) -> dict[str, torch.Tensor]:
    """scenic's `restore_output_proj=True`: the ViT's classifier, verbatim, into a video model with its classes."""
    classifier = getattr(model, "classifier", None)
    if not isinstance(classifier, nn.Linear):
        raise ViTInitError(
            f"classifier_init='copy': {type(model).__name__} has no classifier to copy the ViT's into (a *Model, or "
            f"num_labels=0); use a *ForVideoClassification with the ViT's classes"
        )
    if vit.classifier is None:
        heads = [f"{name} ({reason})" for name, reason in vit.unused.items() if "head" in reason]
        raise ViTInitError(
            f"classifier_init='copy': the ViT {vit.origin} has no image classifier to copy"
            + (f"; its head: {', '.join(heads)}" if heads else " (a ViT without a head, e.g. ViTModel)")
        )
    vit_classes, vit_width = vit.classifier["weight"].shape
    classes, width = classifier.weight.shape
    if vit_classes != classes:
        raise ViTInitError(
            f"classifier_init='copy': the ViT's classifier has {vit_classes} classes, the video model's {classes} "
            f"(num_labels); pass num_labels={vit_classes}, or classifier_init='keep' to train a new classifier"
        )
    if vit_width != width:
        vit_reads = "its representation layer's width" if vit.pre_logits is not None else "its hidden size"
        ours = "representation_size" if getattr(model, "pre_logits", None) is not None else "hidden_size"
        raise ViTInitError(
            f"classifier_init='copy': the ViT's classifier reads {vit_width} features ({vit_reads}), the video "
            f"model's {width} ({ours}); the representation_size of the two must agree"
        )
    if vit.pre_logits is not None and not copied_pre_logits:
        # scenic copies by name, whatever feeds it (here pooled tokens, where the ViT's read dense + tanh of them)
        logger.warning(
            "classifier_init='copy': the ViT's classifier reads its representation layer (dense + tanh), the video "
            "model's reads the pooled tokens (no representation_size); copied all the same, as scenic does"
        )
    elif vit.pre_logits is None and getattr(model, "pre_logits", None) is not None:
        logger.warning(
            "classifier_init='copy': the ViT's classifier reads the pooled tokens, the video model's its own "
            "representation layer (representation_size), which the ViT cannot initialise; copied all the same, "
            "as scenic does"
        )
    return {"classifier.weight": vit.classifier["weight"], "classifier.bias": vit.classifier["bias"]}


def _name_copied_classes(config, vit: ImageViT) -> None:
    """A copied classifier's rows are the ViT's classes: a config that leaves them unnamed (transformers' `LABEL_i`)
    takes the ViT's names, which the pipeline answers with (it answered `LABEL_2` where the ViT said `cow`)."""
    unnamed = {i: f"LABEL_{i}" for i in range(config.num_labels)}
    if vit.id2label and not getattr(config, "label_spaces", None) and config.id2label == unnamed:
        config.id2label = dict(vit.id2label)
        config.label2id = {name: i for i, name in vit.id2label.items()}


def initialise_from_vit(
    model: nn.Module,
    source,
    *,
    tubelet_init: str = "central_frame",
    positional_embedding: str = "tile",
    temporal_attention_init: str | None = None,
    spatial_attention_init: str | None = None,
    classifier_init: str = "keep",
    **load_options,
) -> ViTInitReport:
    """Initialise an existing ViViT (any variant, `*Model` or `*ForVideoClassification`) from an image ViT, in place.

    Parameters the rules do not touch keep their values (the temporal encoder of Model 2, Model 3's temporal
    LayerNorm, the classifier, ...). Returns a `ViTInitReport`; unused ViT parameters are also logged by name.

    tubelet_init: `central_frame` (default; the paper's best, Table 1), `filter_inflation`, `arp` or `random`
        (keep the video model's own embedding: scenic's `restore_input_embedding=False`). Frame sampling copies the
        2D kernel unless `random`.
    positional_embedding: `tile` (the grids must match) or `resize_tile` (resize the 2D grid first); `resize`,
        scenic's rule: for Model 2 (and any one temporal index) the same as `resize_tile`, for Models 1, 3 and 4
        the ViT's square grid resized to one square of all t * h * w tokens (`resize_over_all_tokens`; refused
        where either is not square); `random` keeps the video model's own (scenic's
        `restore_positional_embedding=False`).
    temporal_attention_init (Model 3 only): `zero` (the default: output projection zeroed, identity at start, still
        trainable), `copy` (the ViT's attention, scenic's default) or `keep` (the video model's own temporal
        attention: scenic's `init_from.init_temporal_transformer=False`). Refused for the other variants, which
        have no separate temporal attention to initialise.
    spatial_attention_init (Model 3 only): `copy` (the default: the ViT's attention) or `keep` (the video model's
        own spatial attention: scenic's `init_from.init_spatial_transformer=False`; its LayerNorm and MLP still
        come from the ViT, as in scenic). Refused for the other variants, whose attention is the ViT's.
    classifier_init: `keep` (the default: the video model's own classifier, for new classes) or `copy` (the ViT's
        classifier, verbatim: scenic's `restore_output_proj=True`); `copy` needs the ViT's class count and the
        width its classifier reads (its representation layer's, else its hidden size), and is refused naming both.
        Its class names (a transformers ViT's `id2label`) name the model's classes where they were `LABEL_i`.
    load_options: passed to `load_image_vit` (`grid`, `num_attention_heads`, hub options).
    """
    for name, value, allowed in (
        ("tubelet_init", tubelet_init, TUBELET_INITS),
        ("positional_embedding", positional_embedding, POSITIONAL_EMBEDDINGS),
        ("temporal_attention_init", temporal_attention_init, (None, *TEMPORAL_ATTENTION_INITS)),
        ("spatial_attention_init", spatial_attention_init, (None, *SPATIAL_ATTENTION_INITS)),
        ("classifier_init", classifier_init, CLASSIFIER_INITS),
    ):
        if value not in allowed:
            raise ValueError(f"`{name}` must be one of {allowed}, got {value!r}")
    has_temporal_attention = any(isinstance(m, FactorisedSelfAttentionLayer) for m in model.modules())
    for name, value in (
        ("temporal_attention_init", temporal_attention_init),
        ("spatial_attention_init", spatial_attention_init),
    ):
        if value is not None and not has_temporal_attention:
            raise ValueError(
                f"`{name}={value!r}` applies to Model 3 (factorised self-attention) only: {type(model).__name__} "
                f"has no separate spatial and temporal attention; leave it unset"
            )
    temporal_attention_init = temporal_attention_init or "zero"
    spatial_attention_init = spatial_attention_init or "copy"
    vit = load_image_vit(source, **load_options)
    backbone, prefix = (model.vivit, "vivit.") if hasattr(model, "vivit") else (model, "")
    factorised_encoder = hasattr(backbone, "spatial_encoder")
    n_t, n_h, n_w = model.config.token_grid
    encoder = backbone.spatial_encoder if factorised_encoder else backbone.encoder
    _check_sizes(model, vit)
    unused = dict(vit.unused)

    embedding = backbone.token_embedding.projection
    updates = {}
    if tubelet_init == "random":  # scenic's restore_input_embedding=False: the video model's own embedding stays
        unused["patch embedding"] = "tubelet_init='random' keeps the video model's own token embedding"
    else:
        kernel = vit.patch_kernel
        if isinstance(embedding, nn.Conv3d):
            kernel = inflate_patch_kernel(kernel, embedding.kernel_size[0], tubelet_init)
        updates["token_embedding.projection.weight"] = kernel
        if embedding.bias is not None:  # a ViT without a patch bias (CLIP-style) adds none: zero, not ours
            updates["token_embedding.projection.bias"] = (
                vit.patch_bias if vit.patch_bias is not None else torch.zeros(vit.hidden_size)
            )

    if factorised_encoder:
        updates.update(
            _encoder_updates(
                encoder, "spatial_encoder.", vit, (n_h, n_w), 1, positional_embedding, temporal_attention_init, unused
            )
        )
    else:
        updates.update(
            _encoder_updates(
                encoder,
                "encoder.",
                vit,
                (n_h, n_w),
                n_t,
                positional_embedding,
                temporal_attention_init,
                unused,
                spatial_attention_init,
            )
        )
    updates = {prefix + name: value for name, value in updates.items()}

    if vit.pre_logits is not None:
        pre_logits = getattr(model, "pre_logits", None)
        if pre_logits is not None and tuple(pre_logits[0].weight.shape) == tuple(vit.pre_logits["weight"].shape):
            updates["pre_logits.0.weight"] = vit.pre_logits["weight"]
            updates["pre_logits.0.bias"] = vit.pre_logits["bias"]
        else:
            width = vit.pre_logits["weight"].shape[0]
            for name in vit.pre_logits_names:
                unused[name] = (
                    f"representation layer (dense + tanh, width {width}); pass "
                    f"representation_size={width} to a *ForVideoClassification to use it"
                )
    if classifier_init == "copy":
        updates.update(_classifier_updates(model, vit, copied_pre_logits="pre_logits.0.weight" in updates))
        for name in vit.classifier_names:
            unused.pop(name, None)
        _name_copied_classes(model.config, vit)

    parameters = dict(model.named_parameters())
    with torch.no_grad():
        for name, value in updates.items():
            target = parameters[name]
            if tuple(target.shape) != tuple(value.shape):
                raise ViTInitError(
                    f"{name}: the ViT gives shape {tuple(value.shape)}, the video model needs {tuple(target.shape)}"
                )
            target.copy_(value.to(device=target.device, dtype=target.dtype))
    report = ViTInitReport(
        initialised=sorted(updates),
        kept=sorted(set(parameters) - set(updates)),
        unused=unused,
        pixel_normalisation=vit.pixel_normalisation,
    )
    if unused:
        logger.warning(
            "image ViT parameters not used by %s: %s",
            type(model).__name__,
            "; ".join(f"{n} ({r})" for n, r in unused.items()),
        )
    return report


def check_config_fields(config_class, overrides: Mapping) -> None:
    """Refuse an override that is no field of `config_class`, naming it and the closest field. A config keeps any
    keyword as an attribute, as transformers' configs do, so `num_frame=8` was kept unused and the model built at
    32 frames, and `num_lables=3` with 2 labels, without a word (`from_pretrained` refuses such a keyword)."""
    valid = set(config_class().to_dict()) | set(inspect.signature(config_class.__init__).parameters) | {"num_labels"}
    valid -= {"self", "args", "kwargs"}
    unknown = [key for key in overrides if key not in valid]
    if unknown:
        close = difflib.get_close_matches(unknown[0], sorted(valid), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(
            f"{unknown[0]!r} is no field of {config_class.__name__}{hint}; valid fields: {', '.join(sorted(valid))}."
        )


def from_vit_pretrained(
    model_class,
    source,
    *,
    tubelet_init: str = "central_frame",
    positional_embedding: str = "tile",
    temporal_attention_init: str | None = None,
    spatial_attention_init: str | None = None,
    classifier_init: str = "keep",
    output_loading_info: bool = False,
    vit_grid=None,
    vit_num_attention_heads=None,
    **config_overrides,
):
    """A new `model_class` (any variant) whose config is derived from the ViT (sizes, activation, eps, qkv bias,
    image and patch size; classifier `token` when the ViT has a CLS token and the variant allows it; with
    `classifier_init="copy"` also `num_labels`, the class names and `representation_size`, so the ViT's classifier
    fits) with
    `config_overrides` on top, initialised by `initialise_from_vit`. Returns the model in eval mode, or
    `(model, report)` with `output_loading_info=True`.

    As with `from_pretrained`: hub options (`revision`, `cache_dir`, `token`, `local_files_only`, `subfolder`, ...)
    say where the ViT is read from, `dtype` (or `torch_dtype`) casts the model (`"auto"`: to the ViT's dtype), a
    one-device `device_map` moves it there, `attn_implementation` is set; none of them is a config field (they were
    taken as ones: a `revision=` read the main branch's ViT without a word)."""
    hub_kwargs = {k: config_overrides.pop(k) for k in list(config_overrides) if k in _HUB_KWARGS}
    dtype = pop_dtype(config_overrides)
    attn_implementation = config_overrides.pop("attn_implementation", None)
    device_map = config_overrides.pop("device_map", None)
    for ignored in ("use_safetensors", "weights_only", "trust_remote_code", "low_cpu_mem_usage"):
        config_overrides.pop(ignored, None)  # what from_transformers_vivit ignores too
    config_class = model_class.config_class
    check_config_fields(config_class, config_overrides)
    # a `hidden_act=` is the video model's, and the ViT's where its source does not record one (a timm state dict)
    vit = load_image_vit(
        source,
        grid=vit_grid,
        num_attention_heads=vit_num_attention_heads,
        hidden_act=config_overrides.get("hidden_act"),
        **hub_kwargs,
    )
    kwargs = vit.config_kwargs()
    kwargs["tubelet_size"] = [config_class.tubelet_size[0], *vit.patch_size]
    if "classifier" not in config_overrides:
        kwargs["classifier"] = (
            "token" if vit.cls_token is not None and "token" in config_class.allowed_classifiers else "gap"
        )
    if classifier_init == "copy" and vit.classifier is not None:
        if not {"num_labels", "label_spaces", "id2label"} & set(config_overrides):
            kwargs["num_labels"] = vit.classifier["weight"].shape[0]
        if vit.pre_logits is not None:
            kwargs["representation_size"] = vit.pre_logits["weight"].shape[0]
    kwargs.update(config_overrides)
    if config_class.__name__ == "ViViTFactorisedEncoderConfig":
        kwargs.setdefault("num_hidden_layers", len(vit.layers))
    config = config_class(**kwargs)
    if attn_implementation is not None:
        config._attn_implementation = attn_implementation
    model = model_class(config)
    report = initialise_from_vit(
        model,
        vit,
        tubelet_init=tubelet_init,
        positional_embedding=positional_embedding,
        temporal_attention_init=temporal_attention_init,
        spatial_attention_init=spatial_attention_init,
        classifier_init=classifier_init,
    )
    model = cast_as_asked(model, dtype, vit.dtype)  # "auto": the ViT's own, as from_pretrained(dtype="auto") loads it
    if isinstance(device_map, (str, int, torch.device)) and device_map != "auto":  # one device: the model goes there
        model = model.to(device_map)
    elif device_map is not None:  # "auto" or a per-module map: the model is small next to what it was built from
        logger.warning("from_vit_pretrained places the whole model on one device; device_map=%r is ignored", device_map)
    model.eval()
    return (model, report) if output_loading_info else model


# ------------------------------------------------------------------------------- a ViViT checkpoint, new shapes
def from_vivit_checkpoint(
    source, *, id2label: Mapping | None = None, label_spaces: Mapping | None = None, **config_overrides
):
    """A ViViT checkpoint (folder or Hub id of any of the four variants; a transformers ViViT is read as Model 1)
    restarted with `config_overrides` (another `num_frames` or `image_size`, dropout, ...) and, optionally, new labels.

    Every parameter keeps the checkpoint's values where its shape allows. Each encoder's position embeddings are
    resized to its new token grid by the model's own `interpolate_pos_encoding` rule (`ViViTEncoder.position_table`:
    linear per axis, corners aligned), so the new model computes what the checkpoint computes with
    `interpolate_pos_encoding=True`. The classifier is kept when the labels are the checkpoint's (and label spaces)
    alike; a single head whose class names are all the checkpoint's, in another order or some of them, keeps each
    class's row by name (`remapped`): a data set that sorts Kinetics' classes otherwise than the checkpoint did
    starts from the trained head, not a fresh one. The same count under other names is other classes: a fresh head.

    As with `from_pretrained`, `dtype` (or `torch_dtype`) casts the model (`"auto"`: to the checkpoint's dtype) and
    `attn_implementation` is set.

    Returns `(model, report)`, the model in eval mode; `report` lists the parameters `resized`, `remapped` by class
    name and left `fresh`.
    """
    # from_pretrained's loading options, no config fields: `attn_implementation` was refused as one, `dtype` kept
    # as one and the model left in float32, without a word
    dtype = pop_dtype(config_overrides)
    attn_implementation = config_overrides.pop("attn_implementation", None)
    # transformers' own ViViT (model_type "vivit") is converted into our Model 1 class, not loaded as transformers'.
    # "auto": the checkpoint's dtype, read as from_pretrained reads it (config.json's dtype, else its weights')
    loading = {"dtype": "auto"} if dtype == "auto" else {}
    if AutoConfig.from_pretrained(source).model_type == "vivit":
        old = from_transformers_vivit(ViViTSpatioTemporalForVideoClassification, source, **loading)
    else:
        old = AutoModelForVideoClassification.from_pretrained(source, **loading).eval()
    kwargs = {
        k: v
        for k, v in old.config.to_diff_dict().items()
        if k not in ("model_type", "transformers_version", "architectures", "auto_map", "_name_or_path")
    }
    check_config_fields(type(old.config), config_overrides)
    kwargs.update(config_overrides)
    if kwargs.get("embedding_type") == "tubelet" and "num_sampled_frames" not in config_overrides:
        # a frame-sampling checkpoint's own count (its constructor fills it in), which tubelets never read: kept,
        # it was refused as if the caller had given it beside `embedding_type="tubelet"`
        kwargs.pop("num_sampled_frames", None)
    if id2label is not None:
        id2label = {int(i): name for i, name in id2label.items()}
        kwargs.update(
            id2label=id2label,
            label2id={name: i for i, name in id2label.items()},
            label_spaces=dict(label_spaces) if label_spaces else None,
        )
    elif label_spaces is not None and dict(label_spaces) != (old.config.label_spaces or {}):
        # new heads, unnamed (given alone they were ignored: the checkpoint's heads came back); the checkpoint's own
        # heads, in any order, keep its classifier, its class names and its rows' order
        kwargs.update(id2label=None, label2id=None, label_spaces=dict(label_spaces))
    config = type(old.config)(**kwargs)
    if attn_implementation is not None:
        config._attn_implementation = attn_implementation
    model = type(old)(config)
    same_labels = model.config.id2label == old.config.id2label and (model.config.label_spaces or None) == (
        old.config.label_spaces or None
    )

    rows = None if same_labels else _classifier_rows_by_name(old.config, model.config)
    state, old_state = model.state_dict(), old.state_dict()
    report = {"resized": [], "remapped": [], "fresh": []}
    with torch.no_grad():
        for name, encoder in old.named_modules():
            new_encoder = model.get_submodule(name) if isinstance(encoder, ViViTEncoder) else None
            if new_encoder is not None:
                table = encoder.position_table(new_encoder.grid)[:, encoder.num_prefix_tokens :]
                # Another `classifier` (token <-> gap) adds or drops the CLS token's row only: the patch rows stay
                # the checkpoint's (they were left random), a new CLS row and token start as the new model's.
                prefix = new_encoder.position_embeddings[:, : new_encoder.num_prefix_tokens]
                if encoder.num_prefix_tokens == new_encoder.num_prefix_tokens:
                    prefix = encoder.position_embeddings[:, : encoder.num_prefix_tokens]
                old_state[f"{name}.position_embeddings"] = torch.cat((prefix, table), dim=1)
                if new_encoder.grid != encoder.grid:
                    report["resized"].append(f"{name}.position_embeddings")
    for name, value in state.items():
        if name.startswith("classifier.") and rows is not None and name in old_state:
            state[name] = old_state[name][rows]
            report["remapped"].append(name)
        elif (
            (name.startswith("classifier.") and not same_labels)
            or name not in old_state
            or old_state[name].shape != value.shape
        ):
            report["fresh"].append(name)
        else:
            state[name] = old_state[name]
    model.load_state_dict(state)
    model = cast_as_asked(model, dtype, old.dtype)
    # The config came from the checkpoint's, dtype and all: a float32 model restarted from a float16 folder said
    # float16, and from_config(model.config) built that. It says the model's dtype, as from_pretrained's does.
    model.config.dtype = model.dtype
    return model.eval(), report


def _classifier_rows_by_name(old_config, new_config) -> torch.Tensor | None:
    """The checkpoint's classifier row of each new class, by name, where both have one head and every new class name
    is one of the checkpoint's (each once); else None (a fresh head)."""
    if old_config.label_spaces or new_config.label_spaces or not new_config.num_labels:
        return None
    old_ids = {name: int(i) for i, name in old_config.id2label.items()}
    names = [new_config.id2label[i] for i in range(new_config.num_labels)]
    if len(old_ids) != old_config.num_labels or len(set(names)) != len(names) or not set(names) <= set(old_ids):
        return None
    return torch.tensor([old_ids[name] for name in names])
