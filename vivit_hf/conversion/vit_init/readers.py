# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""`load_image_vit`: which reader reads a source (a model object, a state dict, a file, a folder or a Hub id), and the
bare state dicts whose names say which layout they are in."""

from __future__ import annotations

import logging
import math
import os
import re
from collections.abc import Mapping

import numpy as np
from torch import nn

from ..checkpoint_files import (
    FILE_CHOOSING_OPTIONS,
    HUB_KWARGS,
    peft_adapters_refusal,
    read_state_dict_file,
    read_transformers_checkpoint,
    refuse_hub_options,
    unwrapped_module,
)
from ..transformers_vivit import normalise_key
from .big_vision_vit import read_big_vision_vit
from .image_vit import (
    HEADS_ARGUMENT,
    HEADS_BY_WIDTH,
    VIT_HEADS_ADVICE,
    ImageViT,
    ViTInitError,
    set_class_names,
    square_grid,
)
from .timm_vit import (
    read_timm_vit,
    timm_block_function,
    timm_grid_from_input_size,
    timm_heads_by_name,
    timm_pixel_normalisation,
    timm_skeleton,
)
from .transformers_vit import (
    DINOV2_MODEL_TYPES,
    NOT_A_VIT,
    OTHER_ROUTE,
    SIGLIP_MODEL_TYPES,
    VIT_MODEL_TYPES,
    not_a_vit,
    read_dinov2_vit,
    read_siglip_vit,
    read_transformers_vit,
    refuse_video_checkpoint,
    transformers_pixel_normalisation,
    with_patch_grid,
)

# transformers' wrapper of a timm model (`AutoModel` of a timm Hub repo), and where it keeps timm's weights
TIMM_WRAPPER, TIMM_WRAPPER_PREFIX = "timm_wrapper", "timm_model."

# transformers' image models by model_type: which reader reads them
TRANSFORMERS_READERS = {
    **dict.fromkeys(VIT_MODEL_TYPES, read_transformers_vit),
    **dict.fromkeys(SIGLIP_MODEL_TYPES, read_siglip_vit),
    **dict.fromkeys(DINOV2_MODEL_TYPES, read_dinov2_vit),
}

# The package's one logger, not this module's: recipes/finetune.py filters it by name (flags.VIT_INIT_LOGGER), and a
# logger's filter does not see its children's records.
logger = logging.getLogger(__package__)


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
        return read_big_vision_vit(state, origin, grid=grid)
    if kind == "timm":
        return read_timm_vit(state, origin, num_attention_heads=num_attention_heads, grid=grid, hidden_act=hidden_act)
    # transformers' DeiT, BEiT, DINOv2, ... share the ViT's `embeddings.patch_embeddings` but not the rest: a bare state
    # dict of theirs is named as such, not read until a KeyError (or, for DeiT, a grid its two prefix tokens break).
    roots = {normalise_key(k).split(".")[0] for k in state}
    foreign = sorted(roots - {"vit", "ijepa", "embeddings", "layers", "layernorm", "pooler", "classifier", "decoder"})
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
    # transformers' one ViT layout without a CLS token is I-JEPA's (its position table has no CLS row): it was read
    # as a ViT's, "15 position embeddings do not form a square grid"
    has_cls = any(normalise_key(k).endswith("embeddings.cls_token") for k in state)
    if not has_cls:
        config.setdefault("model_type", "ijepa")
    if num_attention_heads:
        config["num_attention_heads"] = num_attention_heads
    if "num_attention_heads" not in config:
        width = next(v for k, v in state.items() if k.endswith("patch_embeddings.projection.weight")).shape[0]
        if width not in HEADS_BY_WIDTH:
            raise ViTInitError(
                f"{origin}: a bare state dict does not say its head count and width {width} is not a "
                f"standard ViT width; {VIT_HEADS_ADVICE}"
            )
        config["num_attention_heads"] = HEADS_BY_WIDTH[width]
        logger.warning(
            "%s: a bare state dict stores no head count; assuming %d heads from its width %d. If the ViT has "
            "another, %s",
            origin,
            HEADS_BY_WIDTH[width],
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
        rows, cols = square_grid(table.shape[1] - int(has_cls), origin)
        config["image_size"], config["patch_size"] = [rows * patch[0], cols * patch[1]], list(patch)
    return read_transformers_vit(state, config, origin)


def load_image_vit(source, *, grid=None, num_attention_heads=None, hidden_act=None, **hub_kwargs) -> ImageViT:
    """Read an image ViT from any supported source into an `ImageViT`.

    source: an `ImageViT`; a transformers `ViTModel` / `ViTForImageClassification` (in memory, a folder or a Hub
    id; I-JEPA's too); a timm `VisionTransformer` (or transformers' `TimmWrapperModel` of one) or its state dict, or
    a timm checkpoint file (`.safetensors`, or `.pth`/`.bin` read with `weights_only=True`) or Hub folder (or a folder
    `TimmWrapperModel` saved); a big_vision / scenic / original-ViT `.npz` or parameter tree
    (nested or '/'-joined, with or without a `params/`, `optimizer/target/`, `opt/target/` or `img/` prefix).
    grid: the ViT's patch grid (rows, cols) where it cannot be read from a config (a non-square timm or npz ViT).
    num_attention_heads: for timm ViTs of a non-standard width (timm does not store the head count).
    hidden_act: the MLP activation of a timm state dict, which does not record it (else timm's default, exact GELU,
    is assumed and said); a source that records its own keeps it.
    """
    unknown = sorted(set(hub_kwargs) - set(HUB_KWARGS))
    if unknown:  # initialise_from_vit passes its other keywords here: a misspelt option must not be dropped
        raise TypeError(
            f"unexpected keyword argument(s) {', '.join(map(repr, unknown))}: load_image_vit takes grid, "
            f"num_attention_heads and the hub options {', '.join(HUB_KWARGS)}"
        )
    if not isinstance(source, (str, os.PathLike)):  # a model, state dict or parameter tree in memory
        refuse_hub_options(hub_kwargs, source)
    if isinstance(source, ImageViT):
        return source
    # the ViT inside a torch.compile or DataParallel wrapper, whose own layout is not a ViT's
    source = unwrapped_module(source)
    if isinstance(source, nn.Module) and (refusal := peft_adapters_refusal(source)):
        raise ViTInitError(refusal)  # it was "not the layout of a transformers ViT"
    wrapper_labels = {}
    if isinstance(source, nn.Module) and getattr(getattr(source, "config", None), "model_type", None) == TIMM_WRAPPER:
        # transformers' AutoModel of a timm Hub repo wraps timm's own model, read as it
        wrapper_labels = dict(getattr(source.config, "id2label", None) or {})
        source = source.timm_model
    if isinstance(source, nn.Module):
        config = getattr(source, "config", None)
        if config is not None and getattr(config, "model_type", None) in TRANSFORMERS_READERS:
            read = TRANSFORMERS_READERS[config.model_type]
            vit = read(source.state_dict(), config.to_dict(), type(source).__name__)
            # the folder (or Hub cache, without downloading) it was loaded from may hold its image processor
            loaded_from = getattr(config, "_name_or_path", "") or ""
            if loaded_from:
                vit.pixel_normalisation = transformers_pixel_normalisation(loaded_from, {"local_files_only": True})
            return vit
        if hasattr(source, "blocks") and hasattr(source, "patch_embed"):  # timm VisionTransformer
            hidden_act, eps = timm_block_function(source)  # first: it refuses blocks without `attn`
            heads = getattr(source.blocks[0].attn, "num_heads", None)
            if num_attention_heads and heads and num_attention_heads != heads:
                raise ViTInitError(
                    f"{type(source).__name__} has {heads} attention heads, but {num_attention_heads} were asked for "
                    f"({HEADS_ARGUMENT}); leave it unset for a timm object"
                )
            heads = heads or num_attention_heads
            grid = grid or tuple(getattr(source.patch_embed, "grid_size", ()) or ()) or None
            vit = read_timm_vit(
                source.state_dict(),
                type(source).__name__,
                num_attention_heads=heads,
                grid=grid,
                hidden_act=hidden_act,
                layer_norm_eps=eps,
                global_pool=getattr(source, "global_pool", None),
                pool_include_prefix=bool(getattr(source, "pool_include_prefix", False)),
            )
            vit.pixel_normalisation = timm_pixel_normalisation(getattr(source, "pretrained_cfg", None))
            set_class_names(vit, wrapper_labels)
            return vit
        model_type = getattr(config, "model_type", None)
        refuse_video_checkpoint(model_type, type(source).__name__, kind="model")
        if model_type in NOT_A_VIT:
            raise ViTInitError(not_a_vit(model_type, type(source).__name__, config))
        raise ViTInitError(
            f"{type(source).__name__} is neither a transformers ViT nor a timm VisionTransformer"
            f"{OTHER_ROUTE.get(model_type, '')}"
        )
    if isinstance(source, Mapping):
        return _from_state(
            source, "state dict", grid=grid, num_attention_heads=num_attention_heads, hidden_act=hidden_act
        )
    if not isinstance(source, (str, os.PathLike)):
        raise ViTInitError(f"cannot read an image ViT from a {type(source).__name__}")
    path = os.fspath(source)
    if os.path.isfile(path):
        # a file is read as it is: `revision=` / `subfolder=` choose files, so they are refused; how to fetch
        # (`local_files_only=True`, `cache_dir`, `token`) asks nothing of a local file, as of a local folder, so a
        # script giving them for every source reads its local file
        refuse_hub_options({name: hub_kwargs.get(name) for name in FILE_CHOOSING_OPTIONS}, path)
        if path.endswith(".npz"):
            with np.load(path, allow_pickle=False) as archive:
                tree = {name: archive[name] for name in archive.files}
            return read_big_vision_vit(tree, path, grid=grid)
        state = read_state_dict_file(path)
        return _from_state(state, path, grid=grid, num_attention_heads=num_attention_heads, hidden_act=hidden_act)
    config, state = read_transformers_checkpoint(path, **hub_kwargs)
    if "architecture" in config and config.get("model_type", TIMM_WRAPPER) == TIMM_WRAPPER:
        # a timm Hub folder (config names the architecture), or one transformers' TimmWrapperModel saved, its weights
        # under `timm_model.`, read as timm's
        state = {key.removeprefix(TIMM_WRAPPER_PREFIX): value for key, value in state.items()}
        arch = config["architecture"]
        skeleton = timm_skeleton(config, path)
        if skeleton is not None:
            hidden_act, eps = timm_block_function(skeleton, f"{path} ({arch})")
            heads = skeleton.blocks[0].attn.num_heads
            if num_attention_heads and num_attention_heads != heads:  # as for a timm object: it was taken over timm's
                raise ViTInitError(
                    f"{path}: timm's {arch!r} has {heads} attention heads, but {num_attention_heads} were asked for; "
                    "leave the head count unset for a timm Hub folder (timm's model for it says it)"
                )
            if grid is None and "pos_embed" in state:  # timm's grid where it fits the table (img_size may differ)
                grid = tuple(skeleton.patch_embed.grid_size)
                grid = grid if state["pos_embed"].shape[1] - math.prod(grid) in (0, 1) else None
            vit = read_timm_vit(
                state,
                path,
                num_attention_heads=heads,
                grid=grid,
                hidden_act=hidden_act,
                layer_norm_eps=eps,
                global_pool=getattr(skeleton, "global_pool", None),
                pool_include_prefix=bool(getattr(skeleton, "pool_include_prefix", False)),
            )
            vit.pixel_normalisation = timm_pixel_normalisation(config.get("pretrained_cfg"))
            set_class_names(vit, dict(enumerate(config.get("label_names") or ())))
            return vit
        if re.search(r"(^|_)rope(_|$)", arch.split(".")[0]):
            # rotary position embeddings have no parameters: without timm to build the model, only the name says so
            raise ViTInitError(
                f"{path}: timm's {arch!r} uses rotary position embeddings (RoPE) in every attention, which a ViViT "
                f"cannot represent; nothing was loaded"
            )
        guessed_from = None
        if num_attention_heads is None:
            num_attention_heads, guessed_from = timm_heads_by_name(arch, state)
        if grid is None:
            grid = timm_grid_from_input_size(config, state)
        vit = read_timm_vit(
            state,
            path,
            num_attention_heads=num_attention_heads,
            grid=grid,
            hidden_act=hidden_act,
            heads_guessed_from=guessed_from,
            # where the folder states them
            global_pool=(config.get("model_args") or {}).get("global_pool"),
            pool_include_prefix=bool((config.get("model_args") or {}).get("pool_include_prefix", False)),
        )
        vit.pixel_normalisation = timm_pixel_normalisation(config.get("pretrained_cfg"))
        set_class_names(vit, dict(enumerate(config.get("label_names") or ())))
        return vit
    if grid is not None:
        config = with_patch_grid(config, grid)
    vit = TRANSFORMERS_READERS.get(config.get("model_type"), read_transformers_vit)(state, config, path)
    vit.pixel_normalisation = transformers_pixel_normalisation(path, hub_kwargs)
    return vit
