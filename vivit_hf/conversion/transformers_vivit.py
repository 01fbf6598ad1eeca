# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""transformers' own ViViT checkpoints (`model_type: "vivit"`) loaded into `ViViTSpatioTemporal*`.

transformers' `VivitModel` is the paper's Model 1 with a CLS token, so its weights map one to one onto
`ViViTSpatioTemporalModel`; the only layout change is that our attention has one fused `qkv` projection
(q, k and v rows concatenated in that order, heads slower-varying, as transformers' own rows are).

Key names come in two spellings, both read:

* the Hub's, which transformers 5 still writes on `save_pretrained`:
  `vivit.encoder.layer.N.attention.attention.query.weight`, `...attention.output.dense`, `...intermediate.dense`,
  `...output.dense` (google/vivit-b-16x2-kinetics400 uses these);
* transformers 5's module names: `vivit.layers.N.attention.q_proj.weight`, `...o_proj`, `...mlp.fc1`, `...mlp.fc2`.

`VivitModel`'s pooler (dense + tanh over the CLS output) has no counterpart: transformers'
`VivitForVideoClassification` does not use it either (its classifier reads the CLS output directly, as ours does),
so a `VivitModel` checkpoint loads with the pooler reported as unused and dropped. `last_hidden_state` is equal;
our `pooler_output` is the final CLS hidden state, which is what transformers' classifier sees.

The checkpoint's own numerics are kept: transformers' `VivitConfig` defaults to `hidden_act="gelu_fast"` (a tanh
GELU approximation, numerically within 1e-4 of scenic's), and whatever the checkpoint says is what we use.
"""

from __future__ import annotations

import logging
import re

import torch

from ..models.configuration_vivit import ViViTSpatioTemporalConfig, checked_label_spaces
from ..models.modeling_vivit import ViViTSpatioTemporalForVideoClassification, ViViTSpatioTemporalModel
from .checkpoint_files import (  # importable from here as before; home: checkpoint_files
    HUB_KWARGS,
    CheckpointSourceError,  # noqa: F401
    TransformersCheckpointError,
    cast_as_asked,
    checkpoint_dtype,
    place_as_asked,
    pop_dtype,
    read_state_dict_file,  # noqa: F401
    read_transformers_checkpoint,
    unwrapped_module,
    weights_dtype,  # noqa: F401
)

logger = logging.getLogger(__name__)

# Hub (transformers 4.x) spelling -> transformers 5 module names; order matters (`attention.output.dense` before
# the MLP's `output.dense`). Shared with `vit_init`, since transformers' ViT uses the same names.
_OLD_TO_NEW = (
    (re.compile(r"(^|\.)encoder\.layer\.(\d+)\."), r"\1layers.\2."),
    (re.compile(r"\.attention\.attention\.query\."), ".attention.q_proj."),
    (re.compile(r"\.attention\.attention\.key\."), ".attention.k_proj."),
    (re.compile(r"\.attention\.attention\.value\."), ".attention.v_proj."),
    (re.compile(r"\.attention\.output\.dense\."), ".attention.o_proj."),
    (re.compile(r"\.intermediate\.dense\."), ".mlp.fc1."),
    (re.compile(r"(layers\.\d+)\.output\.dense\."), r"\1.mlp.fc2."),
)

# transformers' VivitConfig fields that carry over unchanged to ours.
_SHARED_FIELDS = (
    "image_size",
    "num_frames",
    "tubelet_size",
    "num_channels",
    "hidden_size",
    "num_hidden_layers",
    "num_attention_heads",
    "intermediate_size",
    "hidden_act",
    "hidden_dropout_prob",
    "attention_probs_dropout_prob",
    "initializer_range",
    "layer_norm_eps",
    "qkv_bias",
    "id2label",
    "label2id",
    "problem_type",
)


def normalise_key(name: str) -> str:
    """A transformers ViT/ViViT parameter name in the Hub's spelling -> transformers 5's module name."""
    for pattern, replacement in _OLD_TO_NEW:
        name = pattern.sub(replacement, name)
    return name


# ---------------------------------------------------------------------------------------------- the mapping
def config_from_transformers_vivit(config: dict, **overrides):
    """Our Model 1 config for a transformers `VivitConfig` dict: same sizes, same activation and eps."""
    if config.get("model_type") != "vivit":
        ours = str(config.get("model_type", "")).startswith("vivit_")
        hint = " (a vivit_hf model already: load it with from_pretrained, no conversion needed)" if ours else ""
        raise TransformersCheckpointError(
            f"expected a transformers ViViT config (model_type 'vivit'), got model_type "
            f"{config.get('model_type')!r}{hint}"
        )
    kwargs = {name: config[name] for name in _SHARED_FIELDS if config.get(name) is not None}
    kwargs.setdefault("hidden_act", "gelu_fast")  # transformers' VivitConfig default, absent from a diff-only json
    kwargs.setdefault("layer_norm_eps", 1e-6)
    if "id2label" in kwargs:
        kwargs["id2label"] = {int(k): v for k, v in kwargs["id2label"].items()}
    spaces = checked_label_spaces(overrides.get("label_spaces"))
    width = sum(spaces.values()) if spaces else overrides.get("num_labels")
    if width is not None and "id2label" not in overrides and len(kwargs.get("id2label", ())) != width:
        # a fresh head of another size (heads of another sum too): the checkpoint's label names are not its labels
        kwargs.pop("id2label", None)
        kwargs.pop("label2id", None)
    kwargs.update(embedding_type="tubelet", classifier="token")
    # The fused (d, d) projections fit any head count: split into other heads, every array kept computes another
    # function, with nothing said. 12 is VivitConfig's default, for a config.json that leaves it out.
    heads = kwargs.get("num_attention_heads", 12)
    if overrides.get("num_attention_heads", heads) != heads:
        raise TransformersCheckpointError(
            f"num_attention_heads={overrides['num_attention_heads']!r}: the checkpoint's attention has {heads} heads, "
            f"and its weights split into other heads compute another function; leave num_attention_heads out"
        )
    kwargs.update(overrides)
    return ViViTSpatioTemporalConfig(**kwargs)


def map_transformers_vivit_state(state: dict[str, torch.Tensor], *, with_head: bool):
    """transformers ViViT state dict (either spelling) -> (our state dict, {unused name: reason}).

    with_head: the target is `ViViTSpatioTemporalForVideoClassification` (names prefixed `vivit.`, a classifier).
    """
    normalised = {normalise_key(name): value for name, value in state.items()}
    prefix = "vivit." if any(name.startswith("vivit.") for name in normalised) else ""
    ours = "vivit." if with_head else ""
    out, unused = {}, {}
    qkv: dict[str, dict[str, torch.Tensor]] = {}
    for name, value in normalised.items():
        if name.startswith("classifier."):
            if with_head:
                out[name] = value
            else:
                unused[name] = "video classifier head; load into ViViTSpatioTemporalForVideoClassification to keep it"
            continue
        if not name.startswith(prefix):
            unused[name] = "not part of a transformers ViViT"
            continue
        rest = name[len(prefix) :]
        match = re.fullmatch(r"layers\.(\d+)\.attention\.([qkv])_proj\.(weight|bias)", rest)
        if match:
            layer, part, kind = match.groups()
            qkv.setdefault(f"{ours}encoder.layers.{layer}.attention.qkv.{kind}", {})[part] = value
            continue
        target = _rename_backbone(rest)
        if target is None:
            unused[name] = (
                "transformers VivitModel's pooler (dense + tanh); VivitForVideoClassification does not use it and "
                "neither do we"
                if rest.startswith("pooler.")
                else "no counterpart in ViViTSpatioTemporalModel"
            )
            continue
        out[ours + target] = value
    for target, parts in qkv.items():
        if set(parts) != {"q", "k", "v"}:
            raise TransformersCheckpointError(
                f"{target}: the checkpoint lacks the {sorted({'q', 'k', 'v'} - set(parts))} projection(s)"
            )
        out[target] = torch.cat([parts["q"], parts["k"], parts["v"]], dim=0)
    return out, unused


def _rename_backbone(rest: str) -> str | None:
    simple = {
        "embeddings.cls_token": "encoder.cls_token",
        "embeddings.position_embeddings": "encoder.position_embeddings",
        "embeddings.patch_embeddings.projection.weight": "token_embedding.projection.weight",
        "embeddings.patch_embeddings.projection.bias": "token_embedding.projection.bias",
        "layernorm.weight": "encoder.layernorm.weight",
        "layernorm.bias": "encoder.layernorm.bias",
    }
    if rest in simple:
        return simple[rest]
    match = re.fullmatch(r"layers\.(\d+)\.(.+)", rest)
    if match is None:
        return None
    layer, tail = match.groups()
    tail = {"attention.o_proj.weight": "attention.proj.weight", "attention.o_proj.bias": "attention.proj.bias"}.get(
        tail, tail
    )
    if tail.split(".")[0] not in ("layernorm_before", "layernorm_after", "attention", "mlp"):
        return None
    return f"encoder.layers.{layer}.{tail}"


def load_transformers_vivit_into(model, state: dict[str, torch.Tensor]) -> dict[str, str]:
    """Copy a transformers ViViT state dict into an existing `ViViTSpatioTemporal*`; returns the unused names."""
    with_head = hasattr(model, "vivit")
    mapped, unused = map_transformers_vivit_state(state, with_head=with_head)
    own = model.state_dict()
    wrong = {
        name: (tuple(value.shape), tuple(own[name].shape))
        for name, value in mapped.items()
        if name in own and tuple(value.shape) != tuple(own[name].shape)
    }
    if wrong:
        raise TransformersCheckpointError(f"shapes do not fit (checkpoint, model): {wrong}")
    extra = sorted(set(mapped) - set(own))
    if extra:
        raise TransformersCheckpointError(f"checkpoint parameters with no place in {type(model).__name__}: {extra}")
    missing = sorted(set(own) - set(mapped))
    if [name for name in missing if not name.startswith("classifier.")]:
        raise TransformersCheckpointError(f"the checkpoint lacks {missing}")
    model.load_state_dict(mapped, strict=False)
    if missing:  # only the classifier: a VivitModel checkpoint loaded into the classification model
        logger.warning(
            "%s: %s not in the checkpoint and left at their fresh initialisation", type(model).__name__, missing
        )
    if unused:
        logger.warning("transformers ViViT parameters not used: %s", unused)
    return unused


def fresh_head(state: dict[str, torch.Tensor], model) -> dict[str, torch.Tensor]:
    """`state` without its classifier where that does not fit the model's (another label count, asked for): the head
    keeps its fresh initialisation, as transformers' `ignore_mismatched_sizes=True` leaves it."""
    own = model.classifier.state_dict()
    head = {name: value for name, value in state.items() if name.startswith("classifier.")}
    fits = all(name.split(".", 1)[1] in own and own[name.split(".", 1)[1]].shape == v.shape for name, v in head.items())
    if not head or fits:
        return state
    logger.warning(
        "the checkpoint's classifier (%s) does not fit the %d labels asked for: a fresh one is initialised; train it",
        {name: tuple(value.shape) for name, value in head.items()},
        model.config.num_labels,
    )
    return {name: value for name, value in state.items() if name not in head}


def from_transformers_vivit(model_class, source, *model_args, **kwargs):
    """A transformers ViViT checkpoint (folder, Hub id or model object, `model_type: "vivit"`) converted into
    `model_class`, `ViViTSpatioTemporalModel` or `ViViTSpatioTemporalForVideoClassification`, in eval mode.

    Reached as `ViViTSpatioTemporalForVideoClassification.from_transformers_vivit(source, ...)` (`import vivit_hf`
    attaches it). `from_pretrained` on such a checkpoint refuses it and points here: the weights need converting.
    kwargs: hub options (`revision`, `cache_dir`, `token`, `local_files_only`, ...), `dtype`/`torch_dtype`, a one-device
    `device_map` (the model moved there; `"auto"` is ignored, said), `attn_implementation`, `output_loading_info`, and
    config overrides (e.g. `num_labels` for a fresh head: a
    classifier of another size is left at its fresh initialisation, as with transformers' `ignore_mismatched_sizes`).
    """
    if model_args:
        raise TypeError("positional model arguments are not supported when loading a transformers ViViT checkpoint")
    if model_class.__name__ not in (
        ViViTSpatioTemporalModel.__name__,
        ViViTSpatioTemporalForVideoClassification.__name__,
    ):
        raise TransformersCheckpointError(
            f"transformers' ViViT is the paper's Model 1 (spatio-temporal attention); load it with "
            f"ViViTSpatioTemporalModel or ViViTSpatioTemporalForVideoClassification, not {model_class.__name__}"
        )
    hub_kwargs = {k: kwargs.pop(k) for k in list(kwargs) if k in HUB_KWARGS}
    dtype = pop_dtype(kwargs)
    attn_implementation = kwargs.pop("attn_implementation", None)
    output_loading_info = kwargs.pop("output_loading_info", False)
    # transformers' flag for a head of another size; a `num_labels`, `id2label` or `label_spaces` of another size asks
    # for one too
    ignore_mismatched_sizes = kwargs.pop("ignore_mismatched_sizes", False)
    device_map = kwargs.pop("device_map", None)  # (applied below: dropped, it would leave the model on the CPU)
    for ignored in ("use_safetensors", "weights_only", "trust_remote_code", "low_cpu_mem_usage"):
        kwargs.pop(ignored, None)
    if kwargs.get("config") is not None:
        raise TypeError("`config=` cannot be combined with a transformers ViViT checkpoint; pass overrides instead")
    kwargs.pop("config", None)
    config_dict, state = read_transformers_checkpoint(source, **hub_kwargs)
    if isinstance(source, torch.nn.Module) and str(config_dict.get("model_type")).startswith("vivit_"):
        # the folder's advice ("load it with from_pretrained") names no step for a model already loaded
        raise TransformersCheckpointError(
            f"{type(unwrapped_module(source)).__name__} is a vivit_hf model already, no transformers ViViT: use it as "
            "it is, or restart it at another size or with other labels with "
            "`model, report = vivit_hf.conversion.from_vivit_checkpoint(model, ...)`"
        )
    config = config_from_transformers_vivit(config_dict, **kwargs)
    if attn_implementation is not None:
        config._attn_implementation = attn_implementation
    model = model_class(config)
    head_asked = {"num_labels", "id2label", "label_spaces"} & set(kwargs)
    if hasattr(model, "classifier") and (ignore_mismatched_sizes or head_asked):
        state = fresh_head(state, model)
    unused = load_transformers_vivit_into(model, state)
    # what the checkpoint did not give (a VivitModel's has no classifier; a head of another size is dropped), under
    # from_pretrained's name: from_vivit_checkpoint reports it fresh
    missing = sorted(name for name in model.state_dict() if name.startswith("classifier.") and name not in state)
    model = cast_as_asked(model, dtype, checkpoint_dtype(config_dict, state))
    model = place_as_asked(model, device_map, "from_transformers_vivit")
    model.eval()
    return (model, {"unused": unused, "missing_keys": missing}) if output_loading_info else model
