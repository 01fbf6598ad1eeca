# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""`initialise_from_vit`: the surgery on an existing video model (paper §3.4): embeddings (`embeddings.py`), the
transformer weights of each variant (Model 3's temporal attention zero-initialised or copied), the representation
layer and the classifier; and `ViTInitReport`, what it did."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import torch
from torch import nn

from ...label_spellings import placeholder
from ...models.configuration_vivit import CLASSIFIERS
from ...models.modeling_blocks import FactorisedSelfAttentionLayer
from .embeddings import POSITIONAL_EMBEDDINGS, TUBELET_INITS, inflate_patch_kernel, video_position_embeddings
from .image_vit import (
    GREY_VIDEO_ADVICE,
    VIT_NUMERICS_ADVICE,
    ImageViT,
    ViTInitError,
    no_embed_class_grid,
    no_embed_class_note,
)
from .readers import load_image_vit

# The package's one logger, not this module's: recipes/finetune.py filters it by name (flags.VIT_INIT_LOGGER), and a
# logger's filter does not see its children's records.
logger = logging.getLogger(__package__)


# scenic's init_from.init_temporal_transformer / init_spatial_transformer = False keep the video model's own
# attention for that axis of Model 3 ("keep").
TEMPORAL_ATTENTION_INITS = ("zero", "copy", "keep")
SPATIAL_ATTENTION_INITS = ("copy", "keep")
# scenic's restore_output_proj: False keeps the video model's own classifier ("keep"), True takes the ViT's ("copy").
CLASSIFIER_INITS = ("keep", "copy")
# scenic copies the ViT's `cls` only into a parameter named `cls` (Model 1's): Model 2's `cls_SpatialTransformer`
# keeps the video model's own ("keep"). "copy" takes the ViT's, so that the spatial encoder is the ViT on every frame.
SPATIAL_CLS_INITS = ("keep", "copy")
# How to take the ViT's spatial CLS token instead, said in the warning that names it unused: a Python keyword, which
# recipes/finetune.py (no flag for it) says in its own words (vivit_hf.training.flags.vit_init_in_flag_words).
SPATIAL_CLS_ADVICE = "spatial_cls_init='copy' takes the ViT's"


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
    # the (height, width) of the images the ViT was trained on (its position grid times its patch): a video model of
    # a smaller crop has that grid shrunk, and sees its frames coarser than the ViT did (recipes/finetune.py says so)
    vit_image_size: tuple[int, int] | None = None

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


def _check_sizes(model, vit: ImageViT):
    config = model.config
    problems = []
    for name, ours, theirs in (
        ("hidden_size", config.hidden_size, vit.hidden_size),
        ("num_channels", config.num_channels, vit.patch_kernel.shape[1]),
        ("num_attention_heads", config.num_attention_heads, vit.num_attention_heads),
        ("intermediate_size", config.intermediate_size, vit.layers[0]["mlp.fc1.weight"].shape[0]),
        ("tubelet_size[1:] (patch size)", tuple(config.tubelet_size[1:]), vit.patch_size),
    ):
        if ours != theirs:
            problems.append(f"{name}: video model {ours}, ViT {theirs}")
    if not config.qkv_bias and trained_qkv_biases(vit.layers):
        # The other way round is no problem: a ViT without these biases computes as one with zero biases, which
        # `_encoder_updates` gives a qkv_bias=True model (as from_vivit_checkpoint takes it).
        problems.append(
            "qkv_bias: video model False, ViT True (its query, key and value biases are not zero and would be "
            "dropped; leave qkv_bias unset, or set it True, to take them)"
        )
    if problems:
        hint = ""
        if config.num_channels < vit.patch_kernel.shape[1] == 3:
            hint = f". {GREY_VIDEO_ADVICE}"
        raise ViTInitError(
            "the ViT does not fit this video model (these sizes cannot be resized): " + "; ".join(problems) + hint
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


def trained_qkv_biases(layers) -> bool:
    """Whether any of `layers` (ViT layers, in `ViViTLayer` names) has a query, key or value bias other than zero:
    only those change what the attention computes, and a model without such biases cannot keep them."""
    return any(bool(layer["attention.qkv.bias"].any()) for layer in layers if "attention.qkv.bias" in layer)


def _qkv_biases_as_the_model_has_them(source: dict, layer: nn.Module) -> dict:
    """A ViT layer's arrays with the query, key and value biases the video layer has: zeros where the ViT has none
    (the same function; the video model's own, which `initialise_from_vit` keeps elsewhere, need not be zero), none
    where the video layer has none (`_check_sizes` let only zero biases through)."""
    has_bias = any(name.endswith("qkv.bias") for name, _ in layer.named_parameters())
    source = dict(source)
    if has_bias and "attention.qkv.bias" not in source:
        source["attention.qkv.bias"] = torch.zeros(source["attention.qkv.weight"].shape[0])
    elif not has_bias:
        source.pop("attention.qkv.bias", None)
    return source


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
    cls_init: str = "copy",
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
        source = _qkv_biases_as_the_model_has_them(source, layer)
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

    if encoder.cls_token is not None and vit.cls_token is not None and cls_init == "copy":
        updates[f"{prefix}cls_token"] = vit.cls_token
    elif encoder.cls_token is not None and vit.cls_token is not None:
        unused[vit.cls_token_name] = f"Model 2 keeps its own spatial CLS token, as scenic does; {SPATIAL_CLS_ADVICE}"
    elif vit.cls_token is not None:
        unused[vit.cls_token_name] = "the video model has no CLS token (its classifier pools patch tokens)"
    if positional == "random":  # scenic's restore_positional_embedding=False
        unused["position embeddings"] = "positional_embedding='random' keeps the video model's own"
        return updates
    if (other_grid := no_embed_class_grid(vit, grid_spatial)) is not None:
        if positional == "tile" and other_grid == tuple(grid_spatial):
            # the refusal below advised resizing the table as read (a 5x2 `no_embed_class` ViT's read as CLS + 3x3)
            raise ViTInitError(
                f"{no_embed_class_note(vit, other_grid)}; if it is the {vit.grid} grid read, "
                f"positional_embedding='resize_tile' resizes it"
            )
        logger.warning("%s", no_embed_class_note(vit, other_grid))
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
    pooling = vit.classifier_pooling
    if pooling not in CLASSIFIERS:
        # its head was trained on features no ViViT pools: copied, it gave other logits (0.4 off on a tiny timm ViT)
        raise ViTInitError(
            f"classifier_init='copy': the ViT {vit.origin}'s classifier reads {pooling}, which no ViViT classifier "
            f"computes (`classifier` is one of {CLASSIFIERS}); use classifier_init='keep' to train a new classifier"
        )
    if vit.pooling is None:
        logger.warning(
            "classifier_init='copy': %s does not record how its classifier pools the tokens (timm's global_pool, "
            "big_vision's pool_type); assuming classifier=%r, the CLS token where there is one, else the mean (a timm "
            "model object or Hub folder says it)",
            vit.origin,
            pooling,
        )
    if pooling != model.config.classifier:
        logger.warning(
            "classifier_init='copy': the ViT's classifier was trained on classifier=%r pooling, the video model "
            "pools with classifier=%r; copied all the same, as scenic does",
            pooling,
            model.config.classifier,
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
    takes the ViT's names, which the pipeline answers with (it answered `LABEL_2` where the ViT said `cow`). Names a
    user gave, any of them, stay theirs."""
    unnamed = all(placeholder(str(name)) for name in config.id2label.values())
    if vit.id2label and not getattr(config, "label_spaces", None) and unnamed:
        config.id2label = dict(vit.id2label)
        config.label2id = {name: i for i, name in vit.id2label.items()}
    if vit.problem_type is not None and getattr(config, "problem_type", None) is None:
        config.problem_type = vit.problem_type  # a multi-label ViT's rows trained with cross-entropy otherwise


def _check_spatial_cls_init(model: nn.Module, backbone: nn.Module, spatial_cls_init: str | None) -> None:
    """`spatial_cls_init` is Model 2's; `copy` needs a spatial CLS token to copy into."""
    if spatial_cls_init is None:
        return
    spatial_encoder = getattr(backbone, "spatial_encoder", None)
    if spatial_encoder is None:
        raise ValueError(
            f"`spatial_cls_init={spatial_cls_init!r}` applies to Model 2 (factorised encoder) only: "
            f"{type(model).__name__} has no spatial encoder (Model 1's CLS token is always the ViT's); leave it unset"
        )
    if spatial_cls_init == "copy" and spatial_encoder.cls_token is None:
        raise ValueError(
            f"`spatial_cls_init='copy'`: {type(model).__name__} has no spatial CLS token to copy into "
            f"(classifier={model.config.classifier!r}); leave it unset"
        )


def initialise_from_vit(
    model: nn.Module,
    source,
    *,
    tubelet_init: str = "central_frame",
    positional_embedding: str = "tile",
    temporal_attention_init: str | None = None,
    spatial_attention_init: str | None = None,
    classifier_init: str = "keep",
    spatial_cls_init: str | None = None,
    **load_options,
) -> ViTInitReport:
    """Initialise an existing ViViT (any variant, `*Model` or `*ForVideoClassification`) from an image ViT, in place.

    Parameters the rules do not touch keep their values (the temporal encoder of Model 2 and, as in scenic, both of
    its CLS tokens; Model 3's temporal LayerNorm, the classifier, ...). Returns a `ViTInitReport`; unused ViT
    parameters are also logged by name.

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
    spatial_cls_init (Model 2 only): `keep` (the default, scenic's rule: the spatial encoder's CLS token stays the
        video model's own, while its position row is the ViT's) or `copy` (the ViT's CLS token, so that the spatial
        encoder is exactly the ViT on every frame; refused where the ViT or the video model has no CLS token).
        Refused for the other variants, whose one CLS token (Model 1's) is the ViT's and which have no spatial
        encoder.
    load_options: passed to `load_image_vit` (`grid`, `num_attention_heads`, hub options).
    """
    for name, value, allowed in (
        ("tubelet_init", tubelet_init, TUBELET_INITS),
        ("positional_embedding", positional_embedding, POSITIONAL_EMBEDDINGS),
        ("temporal_attention_init", temporal_attention_init, (None, *TEMPORAL_ATTENTION_INITS)),
        ("spatial_attention_init", spatial_attention_init, (None, *SPATIAL_ATTENTION_INITS)),
        ("classifier_init", classifier_init, CLASSIFIER_INITS),
        ("spatial_cls_init", spatial_cls_init, (None, *SPATIAL_CLS_INITS)),
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
    backbone, prefix = (model.vivit, "vivit.") if hasattr(model, "vivit") else (model, "")
    factorised_encoder = hasattr(backbone, "spatial_encoder")
    _check_spatial_cls_init(model, backbone, spatial_cls_init)
    vit = load_image_vit(source, **load_options)
    if spatial_cls_init == "copy" and vit.cls_token is None:
        raise ViTInitError(
            f"spatial_cls_init='copy': the ViT {vit.origin} has no CLS token to copy (it pools its patch tokens); "
            f"leave spatial_cls_init unset to keep the video model's own"
        )
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
                encoder,
                "spatial_encoder.",
                vit,
                (n_h, n_w),
                1,
                positional_embedding,
                temporal_attention_init,
                unused,
                cls_init=spatial_cls_init or "keep",
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
        vit_image_size=vit.image_size,
    )
    if unused:
        logger.warning(
            "image ViT parameters not used by %s: %s",
            type(model).__name__,
            "; ".join(f"{n} ({r})" for n, r in unused.items()),
        )
    return report
