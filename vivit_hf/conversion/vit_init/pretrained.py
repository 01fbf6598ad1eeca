# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""`from_vit_pretrained`: a new video model whose config the image ViT determines, initialised from it, loaded as
`from_pretrained` loads (hub options, dtype, device_map, attn_implementation)."""

from __future__ import annotations

import difflib
import inspect
import logging
from collections.abc import Mapping

from transformers import PretrainedConfig

from ..checkpoint_files import HUB_KWARGS, cast_as_asked, place_as_asked, pop_dtype
from .initialise import initialise_from_vit
from .readers import load_image_vit

# The package's one logger, not this module's: recipes/finetune.py filters it by name (flags.VIT_INIT_LOGGER), and a
# logger's filter does not see its children's records.
logger = logging.getLogger(__package__)


def check_config_fields(config_class, overrides: Mapping) -> None:
    """Refuse an override that is no field of `config_class`, naming it and the closest field. A config keeps any
    keyword as an attribute, as transformers' configs do, so `num_frame=8` would be kept unused and the model built
    at 32 frames, and `num_lables=3` with 2 labels (`from_pretrained` refuses such a keyword)."""
    valid = set(config_class().to_dict()) | set(inspect.signature(config_class.__init__).parameters) | {"num_labels"}
    valid -= {"self", "args", "kwargs"}
    unknown = [key for key in overrides if key not in valid]
    if unknown:
        close = difflib.get_close_matches(unknown[0], sorted(valid), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        # listed: the model's own fields and the labels'; PretrainedConfig's internals (`_name_or_path`,
        # `transformers_version`, `chunk_size_feed_forward`) are taken but cluttered the list as if they were options
        base = set(inspect.signature(PretrainedConfig.__init__).parameters) | set(PretrainedConfig().to_dict())
        shown = sorted((valid - base) | {"num_labels", "id2label", "label2id"})
        raise ValueError(
            f"{unknown[0]!r} is no field of {config_class.__name__}{hint}; valid fields: {', '.join(shown)}."
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
    spatial_cls_init: str | None = None,
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
    one-device `device_map` moves it there, `attn_implementation` is set; none of them is a config field (taken as
    one, a `revision=` would read the main branch's ViT)."""
    hub_kwargs = {k: config_overrides.pop(k) for k in list(config_overrides) if k in HUB_KWARGS}
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
        # the ViT's own pooling where the variant has it (timm's global_pool='max' is `gmp`: its head read the max)
        pooling = vit.classifier_pooling
        kwargs["classifier"] = (
            pooling
            if pooling in config_class.allowed_classifiers
            else ("token" if vit.cls_token is not None and "token" in config_class.allowed_classifiers else "gap")
        )
    if classifier_init == "copy" and vit.classifier is not None:
        if not {"num_labels", "label_spaces", "id2label"} & set(config_overrides):
            kwargs["num_labels"] = vit.classifier["weight"].shape[0]
        if vit.pre_logits is not None:
            kwargs["representation_size"] = vit.pre_logits["weight"].shape[0]
        if vit.problem_type is not None:  # the copied rows keep their meaning (and loss); a given one still wins
            kwargs["problem_type"] = vit.problem_type
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
        spatial_cls_init=spatial_cls_init,
    )
    model = cast_as_asked(model, dtype, vit.dtype)  # "auto": the ViT's own, as from_pretrained(dtype="auto") loads it
    model = place_as_asked(model, device_map, "from_vit_pretrained")
    model.eval()
    return (model, report) if output_loading_info else model
