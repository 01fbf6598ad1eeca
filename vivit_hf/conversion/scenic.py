# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Conversion between scenic's (JAX/Flax) ViViT parameter trees and the four PyTorch models.

`load_scenic(params, scenic_config)` builds the right `*ForVideoClassification` from a scenic config and loads a
scenic parameter tree into it, every key used exactly once; `to_scenic(model)` gives the tree back. `scenic_layout`
is the one table both directions read: each PyTorch parameter, the scenic array(s) it comes from and the layout rule
between them (kernel transposes, head-major attention kernels, time-first tubelet kernels).
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ..models.configuration_vivit import (
    CLASSIFIERS,
    ViViTConfig,
    ViViTFactorisedDotProductConfig,
    ViViTFactorisedEncoderConfig,
    ViViTFactorisedSelfAttentionConfig,
    ViViTSpatioTemporalConfig,
)
from ..models.modeling_blocks import FactorisedSelfAttentionLayer, ViViTEncoder, ViViTMLP, ViViTSelfAttention
from ..models.modeling_vivit import VIVIT_MODELS
from .checkpoint_files import cast_as_asked, pop_dtype, weights_dtype
from .scenic_checkpoint import read_python_config, read_scenic_checkpoint

# scenic `model.attention_config.type` -> our config class
SCENIC_ATTENTION_TYPES = {
    "spacetime": ViViTSpatioTemporalConfig,
    "factorized_encoder": ViViTFactorisedEncoderConfig,
    "factorized_self_attention_block": ViViTFactorisedSelfAttentionConfig,
    "factorized_dot_product_attention": ViViTFactorisedDotProductConfig,
}
# Where a train state keeps its parameters: scenic's TrainState (`params/`; older: `optimizer/target/`), and
# big_vision's checkpoints before its move to optax (`opt/target/`, beside `opt/state/` and `extra/`), which scenic's
# `checkpoint_format='big_vision'` reads, so they read here too.
_CHECKPOINT_PREFIXES = ("params/", "optimizer/target/", "target/", "opt/target/")
# scenic `model_name` (`projects/vivit/model.py` get_model_cls) -> the transformers `problem_type` of its loss where
# that is not softmax cross-entropy (the multi-label model's is sigmoid cross-entropy). The multi-head model alone
# reads `dataset_configs.class_splits`: the others train one head over every class.
SCENIC_MODEL_NAMES = {
    "vivit_classification": None,
    "vivit_multilabel_classification": "multi_label_classification",
    "vivit_multihead_classification": None,
}
# Our config field -> the scenic config field it comes from (`_config_kwargs`), for refusals.
SCENIC_FIELDS = {
    "num_hidden_layers": "`model.num_layers`",
    "num_attention_heads": "`model.num_heads`",
    "intermediate_size": "`model.mlp_dim`",
    "num_temporal_layers": "`model.temporal_transformer.num_layers`",
    "temporal_num_attention_heads": "`model.temporal_transformer.num_heads`",
    "temporal_intermediate_size": "`model.temporal_transformer.mlp_dim`",
    "hidden_size": "`model.hidden_size`",
    "representation_size": "`model.representation_size`",
    "classifier": "`model.classifier`",
    "attention_order": "`model.attention_config.attention_order`",
    "tubelet_size": "`model.patches.size`",
    "num_sampled_frames": "`model.temporal_encoding_config.n_sampled_frames`",
    "image_size": "`dataset_configs.crop_size`",
    "num_frames": "`dataset_configs.num_frames`",
    "hidden_dropout_prob": "`model.dropout_rate`",
    "attention_probs_dropout_prob": "`model.attention_dropout_rate`",
    "drop_path_rate": "`model.stochastic_droplayer_rate`",
}
# Model 2 configures its spatial encoder apart
FACTORISED_ENCODER_FIELDS = {
    name: f"`model.spatial_transformer.{field}`"
    for name, field in (
        ("num_hidden_layers", "num_layers"),
        ("num_attention_heads", "num_heads"),
        ("intermediate_size", "mlp_dim"),
    )
}
# scenic's `model.get(name, default)` for the rates a config may leave out (`ViViTClassificationModel.build_flax_model`)
SCENIC_RATE_DEFAULTS = {"dropout_rate": 0.1, "attention_dropout_rate": 0.1, "stochastic_droplayer_rate": 0.0}

logger = logging.getLogger(__name__)


class ScenicConversionError(ValueError):
    """A scenic tree or config that does not fit the model; the message names the offending keys."""


# --------------------------------------------------------------------------------------------------- the layout
@dataclass(frozen=True)
class Entry:
    """One PyTorch parameter and the scenic array(s) it comes from. `kind` names the layout rule."""

    torch_name: str
    scenic_names: tuple[str, ...]
    kind: str  # copy | dense | conv3d | conv2d | qkv_kernel | qkv_bias | out_kernel
    num_heads: int = 0


def _dense(torch_prefix: str, scenic_prefix: str, module: nn.Linear) -> list[Entry]:
    entries = [Entry(f"{torch_prefix}.weight", (f"{scenic_prefix}/kernel",), "dense")]
    if module.bias is not None:
        entries.append(Entry(f"{torch_prefix}.bias", (f"{scenic_prefix}/bias",), "copy"))
    return entries


def _layernorm(torch_prefix: str, scenic_prefix: str) -> list[Entry]:
    return [
        Entry(f"{torch_prefix}.weight", (f"{scenic_prefix}/scale",), "copy"),
        Entry(f"{torch_prefix}.bias", (f"{scenic_prefix}/bias",), "copy"),
    ]


def _attention(torch_prefix: str, scenic_prefix: str, module: ViViTSelfAttention) -> list[Entry]:
    # scenic keeps query, key and value apart, each (d, heads, head_dim); ours is one fused projection.
    parts = tuple(f"{scenic_prefix}/{name}" for name in ("query", "key", "value"))
    entries = [Entry(f"{torch_prefix}.qkv.weight", tuple(f"{p}/kernel" for p in parts), "qkv_kernel", module.num_heads)]
    if module.qkv.bias is not None:
        entries.append(
            Entry(f"{torch_prefix}.qkv.bias", tuple(f"{p}/bias" for p in parts), "qkv_bias", module.num_heads)
        )
    entries.append(
        Entry(f"{torch_prefix}.proj.weight", (f"{scenic_prefix}/out/kernel",), "out_kernel", module.num_heads)
    )
    entries.append(Entry(f"{torch_prefix}.proj.bias", (f"{scenic_prefix}/out/bias",), "copy"))
    return entries


def _mlp(torch_prefix: str, scenic_prefix: str, module: ViViTMLP) -> list[Entry]:
    return _dense(f"{torch_prefix}.fc1", f"{scenic_prefix}/Dense_0", module.fc1) + _dense(
        f"{torch_prefix}.fc2", f"{scenic_prefix}/Dense_1", module.fc2
    )


# Block children in scenic's names: Models 1, 2 and 4 share one block; Model 3 names its parts by axis.
BLOCK_NAMES = {
    "layernorm_before": "LayerNorm_0",
    "attention": "MultiHeadDotProductAttention_0",
    "layernorm_after": "LayerNorm_1",
    "mlp": "MlpBlock_0",
}
FACTORISED_BLOCK_NAMES = {
    "layernorm_space": "LayerNorm_space",
    "attention_space": "MultiHeadDotProductAttention_space",
    "layernorm_time": "LayerNorm_time",
    "attention_time": "MultiHeadDotProductAttention_time",
    "layernorm_mlp": "LayerNorm_mlp",
    "mlp": "MlpBlock",
}


def block_entries(torch_prefix: str, scenic_prefix: str, layer: nn.Module) -> list[Entry]:
    names = FACTORISED_BLOCK_NAMES if isinstance(layer, FactorisedSelfAttentionLayer) else BLOCK_NAMES
    entries = []
    for child, scenic_child in names.items():
        module = getattr(layer, child)
        t, s = f"{torch_prefix}.{child}", f"{scenic_prefix}/{scenic_child}"
        if isinstance(module, nn.LayerNorm):
            entries += _layernorm(t, s)
        elif isinstance(module, ViViTSelfAttention):
            entries += _attention(t, s, module)
        else:
            entries += _mlp(t, s, module)
    return entries


def encoder_entries(torch_prefix: str, scenic_prefix: str, encoder: ViViTEncoder, cls_name: str) -> list[Entry]:
    """scenic's `Encoder` (named `Transformer`, `SpatialTransformer` or `TemporalTransformer`) and its CLS token,
    which scenic keeps outside the encoder (`cls`, `cls_SpatialTransformer`, ...)."""
    entries = []
    if encoder.cls_token is not None:
        entries.append(Entry(f"{torch_prefix}.cls_token", (cls_name,), "copy"))
    entries.append(
        Entry(f"{torch_prefix}.position_embeddings", (f"{scenic_prefix}/posembed_input/pos_embedding",), "copy")
    )
    for i, layer in enumerate(encoder.layers):
        entries += block_entries(f"{torch_prefix}.layers.{i}", f"{scenic_prefix}/encoderblock_{i}", layer)
    return entries + _layernorm(f"{torch_prefix}.layernorm", f"{scenic_prefix}/encoder_norm")


def scenic_layout(model: nn.Module) -> list[Entry]:
    """Every parameter of a ViViT model (backbone or classifier) with the scenic names it corresponds to."""
    backbone, prefix = (model.vivit, "vivit.") if hasattr(model, "vivit") else (model, "")
    embedding = backbone.token_embedding.projection
    kind = "conv3d" if isinstance(embedding, nn.Conv3d) else "conv2d"
    entries = [
        Entry(f"{prefix}token_embedding.projection.weight", ("embedding/kernel",), kind),
        Entry(f"{prefix}token_embedding.projection.bias", ("embedding/bias",), "copy"),
    ]
    if hasattr(backbone, "spatial_encoder"):  # Model 2
        entries += encoder_entries(
            f"{prefix}spatial_encoder", "SpatialTransformer", backbone.spatial_encoder, "cls_SpatialTransformer"
        )
        if backbone.temporal_encoder is not None:  # (none with scenic's spatial_only_baseline)
            entries += encoder_entries(
                f"{prefix}temporal_encoder", "TemporalTransformer", backbone.temporal_encoder, "cls_TemporalTransformer"
            )
    else:
        entries += encoder_entries(f"{prefix}encoder", "Transformer", backbone.encoder, "cls")
    if getattr(model, "pre_logits", None) is not None:
        entries += _dense("pre_logits.0", "pre_logits", model.pre_logits[0])
    if isinstance(getattr(model, "classifier", None), nn.Linear):
        entries += _dense("classifier", "output_projection", model.classifier)
    return entries


# ------------------------------------------------------------------------------------------ array conversions
def to_torch_array(entry: Entry, arrays: list[np.ndarray]) -> np.ndarray:
    kind = entry.kind
    if kind == "copy":
        return arrays[0]
    if kind == "dense":  # (in, out) -> (out, in)
        return arrays[0].T
    if kind == "conv3d":  # (t, h, w, in, out) -> (out, in, t, h, w)
        return arrays[0].transpose(4, 3, 0, 1, 2)
    if kind == "conv2d":  # (h, w, in, out) -> (out, in, h, w)
        return arrays[0].transpose(3, 2, 0, 1)
    if kind == "qkv_kernel":  # 3 x (d, heads, head_dim) -> (3 * heads * head_dim, d)
        return np.concatenate([a.reshape(a.shape[0], -1).T for a in arrays], axis=0)
    if kind == "qkv_bias":  # 3 x (heads, head_dim) -> (3 * heads * head_dim,)
        return np.concatenate([a.reshape(-1) for a in arrays])
    if kind == "out_kernel":  # (heads, head_dim, d) -> (d, heads * head_dim)
        return arrays[0].reshape(-1, arrays[0].shape[-1]).T
    raise ValueError(f"unknown layout rule {kind!r}")


def to_scenic_arrays(entry: Entry, array: np.ndarray) -> list[np.ndarray]:
    kind, heads = entry.kind, entry.num_heads
    if kind == "copy":
        return [array]
    if kind == "dense":
        return [array.T]
    if kind == "conv3d":
        return [array.transpose(2, 3, 4, 1, 0)]
    if kind == "conv2d":
        return [array.transpose(2, 3, 1, 0)]
    if kind == "qkv_kernel":
        return [part.T.reshape(part.shape[1], heads, -1) for part in np.split(array, 3, axis=0)]
    if kind == "qkv_bias":
        return [part.reshape(heads, -1) for part in np.split(array, 3)]
    if kind == "out_kernel":
        return [array.T.reshape(heads, -1, array.shape[0])]
    raise ValueError(f"unknown layout rule {kind!r}")


# ------------------------------------------------------------------------------------------------ reading trees
def flatten_tree(tree: Mapping, prefix: str = "") -> dict[str, np.ndarray]:
    """A nested mapping (flax params) or a flat one with '/'-joined names -> flat '/'-joined names."""
    flat = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten_tree(value, f"{name}/"))
        else:
            flat[name] = np.asarray(value)
    return flat


def strip_checkpoint_prefix(flat: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """A scenic TrainState keeps the tree under `params/` (older ones: `optimizer/target/`), an older big_vision
    checkpoint under `opt/target/`; keep only that."""
    for prefix in _CHECKPOINT_PREFIXES:
        if any(name.startswith(prefix) for name in flat):
            return {name[len(prefix) :]: value for name, value in flat.items() if name.startswith(prefix)}
    return flat


def read_scenic_params(params) -> dict[str, np.ndarray]:
    """A mapping, an `.npz` file, or a flax checkpoint (a `checkpoint_<step>` file or their directory) -> flat
    '/'-joined names to arrays."""
    if isinstance(params, (str, os.PathLike)):
        path = os.fspath(params)
        if path.endswith(".npz") and os.path.isfile(path):
            try:
                with np.load(path, allow_pickle=False) as archive:
                    flat = {name: archive[name] for name in archive.files}
            except (OSError, ValueError) as error:  # not a zip, or pickled arrays
                raise ScenicConversionError(f"{path} is not a readable .npz of arrays: {error}") from error
        else:
            flat = flatten_tree(read_scenic_checkpoint(path))
    elif isinstance(params, Mapping):
        flat = flatten_tree(params)
    else:
        raise ScenicConversionError(f"scenic params must be a mapping, an .npz path or a directory, got {type(params)}")
    return strip_checkpoint_prefix(flat)


def read_scenic_config(scenic_config) -> dict:
    """A mapping or a JSON file; a fixture-style wrapper `{"scenic_config": ...}` is unwrapped. Python config files
    (`get_config()` with ml_collections) are read by `vivit_hf.conversion.scenic_checkpoint.read_python_config`."""
    if isinstance(scenic_config, (str, os.PathLike)):
        path = os.fspath(scenic_config)
        if not os.path.isfile(path):
            raise ScenicConversionError(
                f"scenic config {path} does not exist"
                if not os.path.exists(path)
                else f"scenic config {path} is not a file"
            )
        if path.endswith(".py"):
            scenic_config = read_python_config(path)
        else:
            try:
                with open(path, encoding="utf-8") as handle:
                    scenic_config = json.load(handle)
            except (UnicodeDecodeError, json.JSONDecodeError) as error:
                raise ScenicConversionError(
                    f"scenic config {path} is neither JSON nor a .py config file (get_config()): {error}"
                ) from error
    scenic_config = _to_plain(scenic_config)
    if isinstance(scenic_config, Mapping) and "scenic_config" in scenic_config:
        scenic_config = scenic_config["scenic_config"]
    check_sections(scenic_config)
    return scenic_config


def check_sections(scenic_config) -> None:
    """What scenic reads as config sections, `patches.size` and the frame count, checked before anything reads them:
    a string or number in their place failed with a Python error naming no field (a traceback from the command
    line), where scenic fails too."""
    if not isinstance(scenic_config, Mapping):
        raise ScenicConversionError(
            f"a scenic config is a mapping of sections (model, dataset_configs), got {type(scenic_config).__name__}"
        )
    model, data = scenic_config.get("model"), scenic_config.get("dataset_configs")
    sections = {"dataset_configs": data}
    if isinstance(model, Mapping):
        for name in (
            "attention_config",
            "temporal_encoding_config",
            "patches",
            "spatial_transformer",
            "temporal_transformer",
        ):
            sections[f"model.{name}"] = model.get(name)
    for name, section in sections.items():
        if section is not None and not isinstance(section, Mapping):
            raise ScenicConversionError(f"scenic's `{name}` must be a config section, got {section!r}")
    size = (sections.get("model.patches") or {}).get("size")
    if "size" in (sections.get("model.patches") or {}) and not isinstance(size, (list, tuple)):
        raise ScenicConversionError(
            f"`model.patches.size` must be (h, w, t) for 3d_conv or (h, w) for temporal_sampling, got {size!r}"
        )
    frames = (data or {}).get("num_frames", 32)
    if isinstance(frames, bool) or not isinstance(frames, (int, np.integer)):
        raise ScenicConversionError(f"`dataset_configs.num_frames` must be an integer, got {frames!r}")
    # (else 'abc' ends in int()'s traceback, and 32.5 is read as 32)
    crop = (data or {}).get("crop_size", 224)
    sides = list(crop) if isinstance(crop, (list, tuple)) else [crop]
    if len(sides) not in (1, 2) or any(
        isinstance(side, bool) or not isinstance(side, (int, np.integer)) for side in sides
    ):
        raise ScenicConversionError(
            f"`dataset_configs.crop_size` must be an integer or (height, width) integers, got {crop!r}"
        )


def _to_plain(value):
    if isinstance(value, Mapping):
        return {key: _to_plain(item) for key, item in value.items()}
    if hasattr(value, "to_dict"):  # an ml_collections ConfigDict
        return _to_plain(value.to_dict())
    if isinstance(value, (list, tuple)):
        return [_to_plain(item) for item in value]
    return value


# --------------------------------------------------------------------------------------------- configs
def config_from_scenic(scenic_config, **overrides) -> ViViTConfig:
    """Our config for a scenic ViViT config (`model`, `dataset_configs`, `model_name`), refusing what we lack."""
    scenic_config = read_scenic_config(scenic_config)
    try:
        config_class, kwargs = _config_kwargs(scenic_config)
    except KeyError as error:  # a field every scenic ViViT config has
        raise ScenicConversionError(f"scenic config lacks {error.args[0]!r}, which every ViViT config has") from None
    # a class count asked for replaces the config's heads, and named heads its class count
    if "label_spaces" in overrides:
        kwargs.pop("num_labels", None)
    elif "num_labels" in overrides:
        kwargs.pop("label_spaces", None)
    kwargs.update(overrides)
    try:
        config = config_class(**kwargs)
        config.check_head_counts()  # the model's own check, made here to name scenic's fields
        return config
    except ValueError as error:  # the config's own checks (sizes, heads, ...): the scenic config's values
        raise ScenicConversionError(
            f"scenic config gives an invalid {config_class.__name__}: {error}"
            + scenic_field_names(str(error), config_class is ViViTFactorisedEncoderConfig)
        ) from error


def scenic_field_names(message: str, factorised_encoder: bool = False) -> str:
    """The scenic config fields behind the config fields a message names (`num_hidden_layers` is scenic's
    `model.num_layers`), so a refusal names what the user wrote; '' where it names none of them."""
    fields = {**SCENIC_FIELDS, **(FACTORISED_ENCODER_FIELDS if factorised_encoder else {})}
    named = dict.fromkeys(name for name in re.findall(r"`(\w+)`", message) if name in fields)
    if not named:
        return ""
    return " (from scenic's " + ", ".join(f"{fields[name]} as `{name}`" for name in named) + ")"


def _config_kwargs(scenic_config: dict) -> tuple[type, dict]:
    model = scenic_config.get("model")
    data = scenic_config.get("dataset_configs", {}) or {}
    if not isinstance(model, Mapping):
        raise ScenicConversionError("scenic config has no `model` section")
    model_name = scenic_config.get("model_name", "vivit_classification")
    if model_name not in SCENIC_MODEL_NAMES:  # scenic's get_model_cls refuses it too
        raise ScenicConversionError(
            f"scenic `model_name` {model_name!r} is not one of scenic's ViViT models {sorted(SCENIC_MODEL_NAMES)}"
        )
    attention_type = (model.get("attention_config") or {}).get("type", "spacetime")
    # scenic passes it to `ViViT` alone (Models 1, 3, 4): its Model 2 (`SpaceTimeViViT`) gives logits all the same
    if model.get("return_preclassifier") and attention_type != "factorized_encoder":
        raise ScenicConversionError(
            "`model.return_preclassifier` (scenic's model then returns the encoder's tokens, a backbone for a bigger "
            "model) is not supported: convert without it and read `model.vivit(...).last_hidden_state`, the same "
            "tokens"
        )
    if attention_type not in SCENIC_ATTENTION_TYPES:
        raise ScenicConversionError(
            f"scenic `model.attention_config.type` {attention_type!r} is not one of {sorted(SCENIC_ATTENTION_TYPES)}"
        )
    config_class = SCENIC_ATTENTION_TYPES[attention_type]
    encoding = model.get("temporal_encoding_config") or {"method": "3d_conv"}
    patch = list(model["patches"]["size"])
    kwargs = {}
    if encoding.get("method", "3d_conv") == "3d_conv":
        if len(patch) != 3:
            raise ScenicConversionError(f"`model.patches.size` must be (h, w, t) for 3d_conv, got {patch}")
        kwargs.update(embedding_type="tubelet", tubelet_size=[patch[2], patch[0], patch[1]])
    elif encoding["method"] == "temporal_sampling":
        if len(patch) != 2:  # scenic's embed_2d_patch unpacks `fh, fw = patches.size` and fails on anything else
            raise ScenicConversionError(f"`model.patches.size` must be (h, w) for temporal_sampling, got {patch}")
        kwargs.update(
            embedding_type="frame_sampling",
            tubelet_size=[1, patch[0], patch[1]],
            num_sampled_frames=int(encoding["n_sampled_frames"]),
        )
    else:
        raise ScenicConversionError(f"unsupported `temporal_encoding_config.method` {encoding['method']!r}")

    if attention_type == "factorized_encoder":
        spatial_only = bool((model.get("attention_config") or {}).get("spatial_only_baseline", False))
        spatial, temporal = model["spatial_transformer"], model["temporal_transformer"]
        for section in ("spatial_transformer", "temporal_transformer"):
            # scenic's model reads each with no default (a config without one does not run there). Taking the
            # spatial one's head count and MLP size for the temporal encoder would, over fused attention arrays (which
            # say no head count), split the heads otherwise: 0.12 off scenic's logits
            absent = [field for field in ("num_layers", "num_heads", "mlp_dim") if field not in (model[section] or {})]
            if absent:
                named = ", ".join(f"`model.{section}.{field}`" for field in absent)
                raise ScenicConversionError(
                    f"scenic's Model 2 (`factorized_encoder`) needs {named} (scenic reads each encoder's sizes with no "
                    "default); the config has none: give the config the checkpoint was trained with"
                )
        kwargs.update(
            num_hidden_layers=spatial["num_layers"],
            num_temporal_layers=temporal["num_layers"],
            num_attention_heads=spatial["num_heads"],
            intermediate_size=spatial["mlp_dim"],
        )
        if spatial_only:
            # scenic's ablation (the paper's average-pooled time): the frame summaries' mean, no temporal encoder,
            # whose sizes scenic reads and never uses
            kwargs.update(spatial_only_baseline=True, num_temporal_layers=0)
        else:
            if temporal["num_heads"] != spatial["num_heads"]:
                kwargs["temporal_num_attention_heads"] = temporal["num_heads"]
            if temporal["mlp_dim"] != spatial["mlp_dim"]:
                kwargs["temporal_intermediate_size"] = temporal["mlp_dim"]
    else:
        kwargs.update(
            num_hidden_layers=model["num_layers"],
            num_attention_heads=model["num_heads"],
            intermediate_size=model["mlp_dim"],
        )
    if attention_type == "factorized_self_attention_block":
        if "attention_order" not in model["attention_config"]:
            # scenic reads `attention_config.attention_order` with no default (a config without it does not run there);
            # guessing an order would give another model's logits
            raise ScenicConversionError(
                "scenic's Model 3 (`factorized_self_attention_block`) needs `model.attention_config.attention_order`, "
                "'space_time' or 'time_space', the order the checkpoint was trained with; the config has none"
            )
        kwargs["attention_order"] = model["attention_config"]["attention_order"]
        if _rate(model, "stochastic_droplayer_rate"):
            # scenic's EncoderFactorizedSelfAttentionBlock takes droplayer_p and never uses it; ours applies it
            logger.warning(
                "scenic's Model 3 block ignores `stochastic_droplayer_rate` (%s): a model scenic trained with it saw "
                "no stochastic depth; the converted model applies it when trained (drop_path_rate, docs/models.md), "
                "pass drop_path_rate=0 to train as scenic did",
                model["stochastic_droplayer_rate"],
            )

    crop = data.get("crop_size", 224)
    classifier = model.get("classifier", "token")
    if classifier not in CLASSIFIERS:
        raise ScenicConversionError(f"scenic classifier {classifier!r} is not supported (scenic's are {CLASSIFIERS})")
    kwargs.update(
        image_size=list(crop) if isinstance(crop, (list, tuple)) else int(crop),
        num_frames=int(data.get("num_frames", 32)),
        hidden_size=model["hidden_size"],
        classifier=classifier,
        representation_size=model.get("representation_size"),
        hidden_dropout_prob=_rate(model, "dropout_rate"),
        attention_probs_dropout_prob=_rate(model, "attention_dropout_rate"),
        drop_path_rate=_rate(model, "stochastic_droplayer_rate"),
        hidden_act="gelu_pytorch_tanh",
        layer_norm_eps=1e-6,
    )
    if SCENIC_MODEL_NAMES[model_name]:
        kwargs["problem_type"] = SCENIC_MODEL_NAMES[model_name]
    if model.get("return_prelogits"):
        # scenic's model then ends at `pre_logits` (its output_projection unused): so do the logits here.
        kwargs["num_labels"] = 0
    elif model_name == "vivit_multihead_classification":
        if not data.get("class_splits"):  # scenic asserts it
            raise ScenicConversionError("scenic's vivit_multihead_classification needs `dataset_configs.class_splits`")
        # scenic names unnamed heads 1, 2, ... (its metrics' prefixes)
        names = data.get("split_names") or [str(i + 1) for i in range(len(data["class_splits"]))]
        # scenic zips the two lists (names past the last split go unused) and keys its metrics by name: a short or
        # repeated list loses heads there too
        names = list(names)[: len(data["class_splits"])]
        if len(names) < len(data["class_splits"]) or len(set(map(str, names))) != len(names):
            raise ScenicConversionError(
                f"`dataset_configs.split_names` {list(data['split_names'])} must name each of the "
                f"{len(data['class_splits'])} heads of `dataset_configs.class_splits` {list(data['class_splits'])} once"
            )
        kwargs["label_spaces"] = dict(zip(names, (int(n) for n in data["class_splits"])))
    else:
        # scenic takes the class count from the data set; a config may state it, or its splits' sum (`load_scenic`
        # takes it from the tree's output_projection where neither does)
        stated = data.get("num_classes") or scenic_config.get("num_classes") or sum(data.get("class_splits") or [])
        kwargs["num_labels"] = int(stated or 0)
    dtype = scenic_config.get("model_dtype_str", "float32")
    if dtype != "float32":
        logger.warning(
            "scenic config computes in %s (`model_dtype_str`); the converted model holds scenic's float32 parameters "
            "and computes in float32 unless you cast it (`model.to(torch.bfloat16)`)",
            dtype,
        )
    return config_class, kwargs


def _rate(model: Mapping, name: str) -> float:
    """A scenic rate as scenic's model reads it: its default where the config leaves it out (dropout 0.1)."""
    return model.get(name, SCENIC_RATE_DEFAULTS[name]) or 0.0


# ------------------------------------------------------------------------------------------------ load / export
def group_scenic_names(names: list[str]) -> str:
    """Sorted scenic names by their first path component: `Transformer/* (35)` for a subtree of several, the name
    itself when it is alone under its component (`cls`, `Transformer/encoder_norm/scale`)."""
    counts = Counter(name.split("/", 1)[0] for name in names)
    alone = {name.split("/", 1)[0]: name for name in names}
    return ", ".join(alone[top] if count == 1 else f"{top}/* ({count})" for top, count in sorted(counts.items()))


def load_scenic_into(model: nn.Module, params, fresh: tuple[str, ...] = (), asked: set[str] = frozenset()) -> nn.Module:
    """Copy a scenic tree into an existing model, every key used exactly once and every parameter set, except those
    whose names start with one of `fresh` (a new classifier), which keep their initialisation. `asked`: the config
    fields given to `load_scenic` over the scenic config's (a head count that does not fit is named as given)."""
    flat = read_scenic_params(params)
    state = model.state_dict()
    entries = [entry for entry in scenic_layout(model) if not entry.torch_name.startswith(fresh)]
    expected = {name for entry in entries for name in entry.scenic_names}
    missing = sorted(expected - flat.keys())
    unused = sorted(flat.keys() - expected)
    if missing or unused:
        # A tree of another variant misses and adds whole encoders (70+ names); the one-line error says which
        # subtrees, and the names themselves go to the debug log.
        logger.debug("scenic parameters missing: %s; unexpected: %s", missing, unused)
        raise ScenicConversionError(
            "scenic parameters do not fit this model: "
            + (f"missing {group_scenic_names(missing)}" if missing else "")
            + ("; " if missing and unused else "")
            + (f"unexpected {group_scenic_names(unused)}" if unused else "")
        )
    unmapped = sorted(
        name
        for name in set(dict(model.named_parameters())) - {entry.torch_name for entry in entries}
        if not name.startswith(fresh)
    )
    if unmapped:  # a programming error in the layout, never a user error
        raise RuntimeError(f"model parameters without a scenic counterpart: {unmapped}")
    new_state = {}
    for entry in entries:
        check_head_count(entry, [flat[name] for name in entry.scenic_names], asked)
        array = to_torch_array(entry, [flat[name] for name in entry.scenic_names])
        target = state[entry.torch_name]
        if tuple(array.shape) != tuple(target.shape):
            shapes = {name: tuple(flat[name].shape) for name in entry.scenic_names}
            raise ScenicConversionError(
                f"scenic {shapes} gives shape {tuple(array.shape)} for {entry.torch_name}, which needs "
                f"{tuple(target.shape)}"
            )
        new_state[entry.torch_name] = torch.from_numpy(np.ascontiguousarray(array)).to(target.dtype)
    model.load_state_dict(new_state, strict=False)
    return model


# The scenic field that sets each encoder's head count, by our module name
HEAD_FIELDS = {
    "spatial_encoder": "`model.spatial_transformer.num_heads`",
    "temporal_encoder": "`model.temporal_transformer.num_heads`",
}


# The number of dimensions of scenic's attention arrays, whose heads axis says the head count
HEADS_LAYOUT_NDIM = {"qkv_kernel": 3, "qkv_bias": 2, "out_kernel": 3}


def check_head_count(entry: Entry, arrays: list[np.ndarray], asked: set[str] = frozenset()) -> None:
    """scenic keeps the head count in the attention arrays' shapes ((d, heads, head_dim) for query, key and value,
    (heads, head_dim, d) for out); our fused projections do not. A tree of 4 heads read as 2 fits every shape and
    gives other logits (0.61 off on a fixture) where scenic's own model refuses the tree: refused here too."""
    if entry.kind not in HEADS_LAYOUT_NDIM:
        return
    for name, array in zip(entry.scenic_names, arrays):
        # only scenic's layout says the count: a tree whose arrays are fused ((d, d) kernels, (d,) biases: another
        # exporter's) does not, converts as it did, and the shape check after the conversion names any misfit
        if array.ndim != HEADS_LAYOUT_NDIM[entry.kind]:
            continue
        heads = array.shape[1] if entry.kind == "qkv_kernel" else array.shape[0]
        if heads != entry.num_heads:
            field = next((f for key, f in HEAD_FIELDS.items() if key in entry.torch_name), "`model.num_heads`")
            # a count given to load_scenic over the config's: it named the scenic field, which holds the tree's count
            ours = ("temporal_num_attention_heads",) if "temporal_encoder" in entry.torch_name else ()
            given = [f for f in (*ours, "num_attention_heads") if f in asked]
            if given:
                raise ScenicConversionError(
                    f"scenic {name} {tuple(array.shape)} holds {heads} attention heads where {given[0]}="
                    f"{entry.num_heads} was asked for: leave it out (the tree's count is the one its logits need)"
                )
            raise ScenicConversionError(
                f"scenic {name} {tuple(array.shape)} holds {heads} attention heads where the config gives "
                f"{entry.num_heads} ({field}): give the config the checkpoint was trained with"
            )


def tree_attention_types(flat: Mapping[str, np.ndarray]) -> tuple[str, ...]:
    """The scenic `attention_config.type`s whose model has this tree's names: Model 2 alone has a
    `SpatialTransformer`, Model 3 alone `MultiHeadDotProductAttention_space`; Models 1 and 4 share every name (and
    encoders of no blocks leave Model 3 among them). () where the tree has no encoder at all."""
    if any(name.startswith("SpatialTransformer/") for name in flat):
        return ("factorized_encoder",)
    if any("/MultiHeadDotProductAttention_space/" in name for name in flat):
        return ("factorized_self_attention_block",)
    if any("/MultiHeadDotProductAttention_0/" in name for name in flat):
        return ("spacetime", "factorized_dot_product_attention")
    if any(name.startswith("Transformer/") for name in flat):
        return ("spacetime", "factorized_self_attention_block", "factorized_dot_product_attention")
    return ()


def check_model_kind(flat: Mapping[str, np.ndarray], scenic_config: dict) -> None:
    """Refuse, naming the config field, a config of another variant than the tree (another config file given), which
    would otherwise meet 70 missing and 70 unexpected names, and a config without `model.classifier` (scenic reads it
    with no default) over a tree without a CLS token, which would be converted as 'token' and refused as 'missing
    cls'."""
    model = scenic_config.get("model")
    if not isinstance(model, Mapping):
        return  # config_from_scenic names it
    stated = (model.get("attention_config") or {}).get("type", "spacetime")
    found = tree_attention_types(flat)
    if found and stated in SCENIC_ATTENTION_TYPES and stated not in found:
        given = "type" in (model.get("attention_config") or {})
        raise ScenicConversionError(
            f"the tree is scenic's {' or '.join(map(repr, found))} model and the config's "
            f"`model.attention_config.type` is {stated!r}{'' if given else ' (none given: scenic defaults to it)'}: "
            "give the config the checkpoint was trained with"
        )
    if found == ("factorized_encoder",) and stated == "factorized_encoder":
        # scenic's spatial_only_baseline has no TemporalTransformer (a temporal encoder of 0 blocks still has its
        # posembed_input and encoder_norm): refused as 36 missing or unexpected names (B/16: more), not saying the flag
        spatial_only = bool((model.get("attention_config") or {}).get("spatial_only_baseline", False))
        temporal = any(name.startswith(("TemporalTransformer/", "cls_TemporalTransformer")) for name in flat)
        if spatial_only == temporal:
            raise ScenicConversionError(
                f"the tree {'has a' if temporal else 'has no'} temporal encoder (TemporalTransformer) and the config's "
                f"`model.attention_config.spatial_only_baseline` is {'true' if spatial_only else 'not set'}, which "
                f"{'averages the frame summaries instead' if spatial_only else 'runs one'}: give the config the "
                "checkpoint was trained with"
                + ("" if spatial_only else " (scenic's spatial_only_baseline=True for a tree of no temporal encoder)")
            )
    check_embedding_kind(flat, model)
    if "classifier" not in model and not any(name == "cls" or name.startswith("cls_") for name in flat):
        raise ScenicConversionError(
            "the config has no `model.classifier` (scenic reads it with no default) and the tree no CLS token, so "
            "it pools by one of '0', 'gap', 'gmp', 'gsp', which give different logits: give the config's classifier"
        )


# scenic's `temporal_encoding_config.method` -> the rank of its patch embedding's kernel: a 3D convolution over
# tubelets, (t, h, w, in, out), or a 2D one over each sampled frame, (h, w, in, out)
EMBEDDING_KERNEL_RANKS = {"3d_conv": 5, "temporal_sampling": 4}


def check_embedding_kind(flat: Mapping[str, np.ndarray], model: Mapping) -> None:
    """A tree of the other embedding than the config's (a tubelet checkpoint given a frame-sampling config, or the
    reverse) failed in numpy's transpose with a bare "axes don't match array", naming neither the kernel nor the
    config field."""
    kernel = flat.get("embedding/kernel")
    method = (model.get("temporal_encoding_config") or {}).get("method", "3d_conv")
    rank = EMBEDDING_KERNEL_RANKS.get(method)
    if kernel is None or rank is None or kernel.ndim == rank:
        return
    found = next((name for name, r in EMBEDDING_KERNEL_RANKS.items() if r == kernel.ndim), None)
    if found is None:  # no patch embedding's kernel at all: the layout's own checks say so
        return
    kind = "a 3D convolution over tubelets" if found == "3d_conv" else "a 2D convolution over each sampled frame"
    raise ScenicConversionError(
        f"the tree's patch embedding is {kind} (embedding/kernel {tuple(kernel.shape)}: scenic's {found!r}) and the "
        f"config's `model.temporal_encoding_config.method` is {method!r}: give the config the checkpoint was trained "
        "with"
    )


def input_channels(flat: Mapping[str, np.ndarray]) -> dict:
    """scenic takes the channel count from the input, not its config: the patch embedding's kernel, (t, h, w, in,
    out) or (h, w, in, out), says it (an RGB-plus-flow or a greyscale model converts as it was trained)."""
    kernel = flat.get("embedding/kernel")
    return {"num_channels": int(kernel.shape[-2])} if kernel is not None and kernel.ndim in (4, 5) else {}


def load_scenic(params, scenic_config, **config_overrides) -> nn.Module:
    """The `*ForVideoClassification` for a scenic config, with a scenic parameter tree loaded, in eval mode.

    params: a mapping of '/'-joined scenic names (or a nested flax tree) to arrays, an `.npz`, or a scenic checkpoint
    directory, with or without a `params/` or `optimizer/target/` prefix. scenic_config: a mapping, a JSON file or a
    scenic Python config file.
    """
    # from_pretrained's dtype (or torch_dtype) casts the model: as a config override it would set config.dtype to
    # bfloat16 over float32 weights
    dtype = pop_dtype(config_overrides)
    scenic_config = read_scenic_config(scenic_config)
    flat = read_scenic_params(params)
    check_model_kind(flat, scenic_config)
    config_overrides = {**input_channels(flat), **config_overrides}
    config = config_from_scenic(scenic_config, **config_overrides)
    if (
        config.num_labels == 0
        and "output_projection/bias" in flat
        and "num_labels" not in config_overrides
        and not scenic_config["model"].get("return_prelogits")
    ):
        # no class count in the config (scenic reads it from the data set's metadata): the tree's output_projection
        config = config_from_scenic(
            scenic_config, **{**config_overrides, "num_labels": int(flat["output_projection/bias"].shape[0])}
        )
    model_class = next(classes[2] for classes in VIVIT_MODELS.values() if classes[0] is type(config))
    model = model_class(config)
    head = [name for name in flat if name.startswith("output_projection/")]
    fresh = ()
    if scenic_config["model"].get("return_prelogits") and "num_labels" not in config_overrides:
        # scenic's model with return_prelogits never reads its output_projection (a trained one may be in the tree)
        if head:
            logger.info("scenic config sets return_prelogits: %s not converted (the logits are the pre-logits)", head)
        flat = {name: value for name, value in flat.items() if name not in head}
    elif (
        {"num_labels", "label_spaces"} & set(config_overrides)
        and "output_projection/bias" in flat
        and flat["output_projection/bias"].shape[0] != config.num_labels
    ):
        # a new label count asked for (fine-tuning a scenic checkpoint on another data set): a fresh classifier
        logger.warning(
            "scenic's output_projection has %d classes, not the %d asked for: a fresh classifier is initialised; "
            "train it",
            flat["output_projection/bias"].shape[0],
            config.num_labels,
        )
        flat = {name: value for name, value in flat.items() if name not in head}
        fresh = ("classifier.",)
    check_token_counts(model, flat, scenic_config, fresh, asked=set(config_overrides))
    model = load_scenic_into(model, flat, fresh, asked=set(config_overrides)).eval()
    # "auto" is the tree's own dtype (scenic saves float32 parameters, whatever dtype it computes in)
    return cast_as_asked(model, dtype, weights_dtype(flat))


def check_token_counts(
    model: nn.Module,
    flat: Mapping[str, np.ndarray],
    scenic_config: dict,
    fresh: tuple[str, ...] = (),
    asked: set[str] = frozenset(),
) -> None:
    """A tree trained at another crop or frame count than the config's holds position embeddings for another number
    of tokens (scenic's own model refuses it). Said in the config's terms, with the ways to run or restart the
    checkpoint at this size; it was 'gives shape (1, 33, 32) for vivit.encoder.position_embeddings'. Another model
    altogether (other keys or width) is left to `load_scenic_into`, which names what differs; another patch size is
    named by its scenic field (`check_patch_size`).
    `asked`: the config fields given to `load_scenic` over the scenic config's (named as given)."""
    config, state = model.config, model.state_dict()
    entries = [entry for entry in scenic_layout(model) if not entry.torch_name.startswith(fresh)]
    if {name for entry in entries for name in entry.scenic_names} != flat.keys():
        return
    for entry in entries:
        if entry.kind in ("conv3d", "conv2d"):
            got, needed = to_torch_array(entry, [flat[entry.scenic_names[0]]]).shape, state[entry.torch_name].shape
            if got[:2] == tuple(needed[:2]) and got[2:] != tuple(needed[2:]):
                check_patch_size(entry, flat, (got[2:], needed[2:]), scenic_config, config, asked)
            if got != tuple(needed):
                return
    for entry in entries:
        name = entry.scenic_names[0]
        table = flat[name]
        if (
            not entry.torch_name.endswith("position_embeddings")
            or table.ndim != 3
            or table.shape[2] != config.hidden_size
        ):
            continue
        top = name.split("/", 1)[0]
        cls_rows = int(("cls" if top == "Transformer" else f"cls_{top}") in flat)  # a CLS mismatch: named as a key
        grid = model.get_submodule(entry.torch_name.rsplit(".", 1)[0]).grid
        if table.shape[1] - cls_rows == math.prod(grid):
            continue
        raise ScenicConversionError(
            f"scenic {name} {tuple(table.shape)} holds {table.shape[1] - cls_rows} tokens"
            f"{' and a CLS row' if cls_rows else ''} where this config gives {math.prod(grid)} (a {grid} grid from "
            f"{grid_fields(scenic_config, top, config, asked)}): the checkpoint was trained at another size. "
            "Convert it at the sizes it was trained at; then call the model with `interpolate_pos_encoding=True` to "
            "run it at this size, or restart it at this size with "
            "`model, report = vivit_hf.conversion.from_vivit_checkpoint("
            f"folder, {restart_sizes(config)})` (position embeddings resized per axis, corners aligned)"
        )


def check_patch_size(entry, flat, shapes, scenic_config: dict, config: ViViTConfig, asked: set[str]) -> None:
    """A patch embedding of the tree's width and channels but another patch size than the config's: said in the
    config's terms (it was 'gives shape (32, 3, 2, 8, 8) for vivit.token_embedding.projection.weight, which needs
    (32, 3, 2, 16, 16)', naming no scenic field)."""
    name, (got, needed) = entry.scenic_names[0], shapes
    axes = "t x h x w" if len(got) == 3 else "h x w"
    given = (
        f"tubelet_size={config.tubelet_size!r}"
        if "tubelet_size" in asked
        else f"`model.patches.size` {list(scenic_config['model']['patches']['size'])}"
    )
    raise ScenicConversionError(
        f"scenic {name} {tuple(flat[name].shape)} embeds patches of {'x'.join(map(str, got))} ({axes}) where this "
        f"config gives {'x'.join(map(str, needed))} ({given}): the checkpoint was trained with other patches; give "
        "the config it was trained with"
    )


GRID_FIELDS = ("image_size", "num_frames", "tubelet_size", "num_sampled_frames")


def grid_fields(scenic_config: dict, encoder: str, config: ViViTConfig, asked: set[str] = frozenset()) -> str:
    """The scenic fields, with their values, that set the token grid of one encoder (`Transformer`,
    `SpatialTransformer` or `TemporalTransformer`); ours where a size was asked for over the scenic config's."""
    if asked & set(GRID_FIELDS):
        return ", ".join(f"{name}={getattr(config, name)!r}" for name in GRID_FIELDS if name in asked)
    data, model = scenic_config.get("dataset_configs") or {}, scenic_config["model"]
    fields = [] if encoder == "TemporalTransformer" else [f"`dataset_configs.crop_size` {data.get('crop_size', 224)}"]
    if encoder != "SpatialTransformer":
        fields.append(f"`dataset_configs.num_frames` {data.get('num_frames', 32)}")
        encoding = model.get("temporal_encoding_config") or {}
        if encoding.get("method") == "temporal_sampling":
            fields.append(f"`model.temporal_encoding_config.n_sampled_frames` {encoding.get('n_sampled_frames')}")
    return ", ".join([*fields, f"`model.patches.size` {list(model['patches']['size'])}"])


def restart_sizes(config: ViViTConfig) -> str:
    """`from_vivit_checkpoint`'s keyword arguments for the sizes of `config`."""
    sizes = f"image_size={config.image_size!r}, num_frames={config.num_frames!r}"
    if config.embedding_type == "frame_sampling":
        sizes += f", num_sampled_frames={config.num_sampled_frames}"
    return sizes


# transformers' activations that compute flax's `nn.gelu` (approximate=True), the tanh GELU of every scenic block (each
# within 4.3e-7 of torch's tanh GELU in float32, `tests/test_scenic_equivalence.py`), and scenic's LayerNorm epsilon
# (flax's default): a model of other numerics exports a tree that scenic runs otherwise
SCENIC_ACTIVATIONS = ("gelu_pytorch_tanh", "gelu_new", "gelu_fast", "gelu_accurate", "gelu_python_tanh")
SCENIC_LAYER_NORM_EPS = 1e-6


def numerics_scenic_lacks(config) -> list[str]:
    """The config fields whose values scenic's ViViT does not compute with: `hidden_act` other than the tanh GELU,
    `layer_norm_eps` other than 1e-6 (a model started from a transformers ViT keeps its exact GELU and eps 1e-12)."""
    fields = []
    if config.hidden_act not in SCENIC_ACTIVATIONS:
        fields.append(f"hidden_act={config.hidden_act!r} (scenic: the tanh GELU, 'gelu_pytorch_tanh')")
    if config.layer_norm_eps != SCENIC_LAYER_NORM_EPS:
        fields.append(f"layer_norm_eps={config.layer_norm_eps!r} (scenic: {SCENIC_LAYER_NORM_EPS})")
    return fields


def to_scenic(model: nn.Module, *, strict: bool = False) -> dict[str, np.ndarray]:
    """The model's parameters as scenic's flat '/'-joined tree (float32 numpy arrays).

    scenic's model computes with the tanh GELU and LayerNorm eps 1e-6 whatever its tree: a model of exact GELU or eps
    1e-12 (one started from a transformers ViT) gives other logits there (the fixtures' by up to 3.8e-4). Such a
    model is exported with a warning naming the fields, or refused with `strict=True`, where scenic must give the
    model's own logits."""
    lacking = numerics_scenic_lacks(model.config)
    if lacking:
        message = (
            f"scenic's ViViT computes with the tanh GELU and LayerNorm eps {SCENIC_LAYER_NORM_EPS}, this model with "
            f"{', '.join(lacking)}: run in scenic, its tree gives other logits than the model's (3.8e-5 to 3.8e-4 "
            "off on scenic's fixtures)"
        )
        if strict:
            raise ScenicConversionError(message + "; export a model of scenic's numerics, or leave strict out")
        logger.warning(message)
    state = model.state_dict()
    tree = {}
    for entry in scenic_layout(model):
        array = state[entry.torch_name].detach().float().cpu().numpy()
        tree.update(zip(entry.scenic_names, to_scenic_arrays(entry, array)))
        if entry.kind == "qkv_kernel" and entry.torch_name.replace(".weight", ".bias") not in state:
            # scenic's attention always has query, key and value biases: a model without them (qkv_bias=False) gave a
            # tree scenic could not load; zeros compute the same
            for kernel_name, kernel in zip(entry.scenic_names, to_scenic_arrays(entry, array)):
                tree[kernel_name.replace("/kernel", "/bias")] = np.zeros(kernel.shape[1:], np.float32)
    return tree
