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

import json
import logging
import os
import pickle
import re
from collections.abc import Mapping

import torch

from ..hub.sources import why_not_fetched
from ..models.configuration_vivit import ViViTSpatioTemporalConfig, checked_label_spaces
from ..models.modeling_vivit import ViViTSpatioTemporalForVideoClassification, ViViTSpatioTemporalModel
from ..repo_id import looks_like_local_path
from .scenic_checkpoint import describe_file_start

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
HUB_KWARGS = ("cache_dir", "force_download", "local_files_only", "token", "revision", "subfolder", "proxies")


def pop_dtype(kwargs: dict) -> torch.dtype | str | None:
    """`dtype` and its deprecated alias `torch_dtype` taken out of `kwargs` as transformers' `from_pretrained` reads
    them (5.x): `dtype` where given, else `torch_dtype`; given both, `dtype`. None for neither (the model is built in
    float32), "auto" for "auto": the caller casts the model to its checkpoint's dtype (`checkpoint_dtype`), as
    from_pretrained loads a bfloat16 folder in bfloat16 (it was taken as None, and the model left in float32). With
    both given the alias was left behind and refused as "no field of the config". A name torch has no dtype by is
    refused here, before anything is read."""
    dtype, torch_dtype = kwargs.pop("dtype", None), kwargs.pop("torch_dtype", None)
    dtype = dtype if dtype is not None else torch_dtype
    if dtype is None or dtype == "auto":
        return dtype
    resolved = getattr(torch, dtype, None) if isinstance(dtype, str) else dtype
    if not isinstance(resolved, torch.dtype):
        raise ValueError(f"dtype={dtype!r} is no torch dtype: pass one (torch.bfloat16) or its name ('bfloat16')")
    return resolved


def cast_as_asked(model, dtype: torch.dtype | str | None, source_dtype: torch.dtype):
    """`model` in the dtype `pop_dtype` read: left as built for None, cast to `source_dtype` (the dtype its weights came
    in, as from_pretrained(dtype="auto") reads it: `checkpoint_dtype`, `weights_dtype`) for "auto", else to `dtype`."""
    if dtype == "auto":
        dtype = source_dtype
    return model if dtype is None else model.to(dtype)


def checkpoint_dtype(config: Mapping, state: Mapping[str, torch.Tensor]) -> torch.dtype:
    """What `dtype="auto"` loads a checkpoint in, by transformers' rule (`from_pretrained`): the `dtype` (or
    `torch_dtype`) its config.json records, else its first floating-point weight's, else float32."""
    recorded = config.get("dtype") or config.get("torch_dtype")
    if isinstance(recorded, str) and isinstance(getattr(torch, recorded, None), torch.dtype):
        return getattr(torch, recorded)
    return weights_dtype(state)


def weights_dtype(weights: Mapping) -> torch.dtype:
    """The dtype of the first floating-point array among `weights` (torch tensors, or numpy arrays: a jax bfloat16
    array's numpy dtype is named "bfloat16", as torch's is), else float32: what `dtype="auto"` loads them in."""
    for value in weights.values():
        dtype = (
            value.dtype if isinstance(value, torch.Tensor) else getattr(torch, str(getattr(value, "dtype", "")), None)
        )
        if isinstance(dtype, torch.dtype) and dtype.is_floating_point:
            return dtype
    return torch.float32


class TransformersCheckpointError(ValueError):
    """A transformers checkpoint that cannot be read or does not fit; the message names the problem."""


class CheckpointSourceError(TransformersCheckpointError, FileNotFoundError):
    """A source that is neither a local file or folder nor a Hub repo that could be reached."""


def normalise_key(name: str) -> str:
    """A transformers ViT/ViViT parameter name in the Hub's spelling -> transformers 5's module name."""
    for pattern, replacement in _OLD_TO_NEW:
        name = pattern.sub(replacement, name)
    return name


# ---------------------------------------------------------------------------------------------- reading files
def resolve_file(source: str, filename: str, hub_kwargs: dict) -> str | None:
    """The local path of `filename` in a folder or Hub repo `source`; None when the folder or repo lacks it.

    A source that is neither an existing folder nor a reachable Hub repo raises `CheckpointSourceError` saying
    which of the two the user's string could have meant and why neither worked: huggingface_hub alone would report
    a missing folder as an invalid repo id, and an unreachable Hub as a missing file. Whether the string is a path
    or a repo id is `vivit_hf.hub.sources`' rule, the one every other flag follows.
    """
    subfolder = hub_kwargs.get("subfolder") or ""
    if os.path.isdir(source):
        path = os.path.join(source, subfolder, filename)
        return path if os.path.isfile(path) else None
    if os.path.exists(source):
        raise CheckpointSourceError(
            f"{source!r} is a file; give the folder that holds its config.json and weights, or a Hub repo id"
        )
    if looks_like_local_path(source):
        raise CheckpointSourceError(f"{source!r}: no such file or folder")
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import (
        EntryNotFoundError,
        LocalEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    kwargs = {k: v for k, v in hub_kwargs.items() if k in HUB_KWARGS and k != "subfolder" and v is not None}
    try:
        return hf_hub_download(source, filename, subfolder=subfolder or None, **kwargs)
    except LocalEntryNotFoundError as error:  # before EntryNotFoundError: it is a subclass
        raise CheckpointSourceError(
            f"{source!r}: no such local file or folder; read as a Hub repo id, "
            + why_not_fetched(error, missing=f"its {filename}", local_files_only=bool(kwargs.get("local_files_only")))
        ) from None
    except RevisionNotFoundError:
        raise CheckpointSourceError(f"{source!r}: the Hub repo has no revision {kwargs.get('revision')!r}") from None
    except RepositoryNotFoundError:
        raise CheckpointSourceError(
            f"{source!r}: no such local file or folder, and no Hub repo of that name (or it is private or gated: "
            f"log in with `hf auth login`)"
        ) from None
    except EntryNotFoundError:
        return None


def read_state_dict_file(path: str) -> dict[str, torch.Tensor]:
    """A safetensors file, or a PyTorch pickle loaded with `weights_only=True` (nothing else is unpickled)."""
    if not os.path.isfile(path):
        raise CheckpointSourceError(f"{path!r}: no such file")
    if path.endswith(".safetensors"):
        from safetensors import SafetensorError
        from safetensors.torch import load_file

        try:
            return load_file(path)
        except SafetensorError as error:
            raise TransformersCheckpointError(f"{path}: not a readable safetensors file ({error})") from None
    with open(path, "rb") as handle:
        head = handle.read(4096)
    # torch.save writes a zip archive (PK..) since torch 1.6, a bare pickle (protocol byte 0x80) before
    if head[:2] != b"PK" and head[:1] != b"\x80":
        raise TransformersCheckpointError(
            f"{path}: not a PyTorch checkpoint or safetensors file ({describe_file_start(head)}); expected weights "
            f"saved with torch.save or safetensors, or a .npz of big_vision / scenic parameters"
        )
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:  # weights_only refuses code objects: say so rather than unpickle them
        raise TransformersCheckpointError(
            f"{path}: holds objects other than tensors, which are not unpickled (weights_only=True): {error}"
        ) from None
    except (RuntimeError, EOFError) as error:
        raise TransformersCheckpointError(f"{path}: a damaged or truncated PyTorch checkpoint ({error})") from None
    for key in ("state_dict", "model", "module"):  # training checkpoints wrap the weights
        if isinstance(state, dict) and isinstance(state.get(key), dict):
            state = state[key]
    if not isinstance(state, dict):
        raise TransformersCheckpointError(f"{path} holds a {type(state).__name__}, not a state dict")
    return state


def read_transformers_checkpoint(source, **hub_kwargs) -> tuple[dict, dict[str, torch.Tensor]]:
    """(config dict, state dict) of a transformers checkpoint: a folder or a Hub id; `model.safetensors`, a sharded
    safetensors index, or `pytorch_model.bin` (read with `weights_only=True`)."""
    source = os.fspath(source)
    config_path = resolve_file(source, "config.json", hub_kwargs)
    if config_path is None:
        where = "the folder" if os.path.isdir(source) else "the Hub repo"
        raise TransformersCheckpointError(f"{source!r}: no config.json in {where}; not a transformers checkpoint")
    with open(config_path) as handle:
        config = json.load(handle)
    unreachable = None
    for name in (
        "model.safetensors",
        "model.safetensors.index.json",
        "pytorch_model.bin",
        "pytorch_model.bin.index.json",
    ):
        try:
            path = resolve_file(source, name, hub_kwargs)
        except CheckpointSourceError as error:  # offline or unreachable: a later kind of weights may be cached
            unreachable = unreachable or error
            continue
        if path is None:
            continue
        if not name.endswith(".index.json"):
            return config, read_state_dict_file(path)
        with open(path) as handle:
            shards = sorted(set(json.load(handle)["weight_map"].values()))
        state = {}
        for shard in shards:
            state.update(read_state_dict_file(resolve_file(source, shard, hub_kwargs)))
        return config, state
    if unreachable is not None:
        raise unreachable
    raise TransformersCheckpointError(
        f"{source!r} has no model.safetensors, sharded safetensors or pytorch_model.bin weights"
    )


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
    """A transformers ViViT checkpoint (folder or Hub id, `model_type: "vivit"`) converted into `model_class`,
    `ViViTSpatioTemporalModel` or `ViViTSpatioTemporalForVideoClassification`, in eval mode.

    Reached as `ViViTSpatioTemporalForVideoClassification.from_transformers_vivit(source, ...)` (`import vivit_hf`
    attaches it). `from_pretrained` on such a checkpoint refuses it and points here: the weights need converting.
    kwargs: hub options (`revision`, `cache_dir`, `token`, `local_files_only`, ...), `dtype`/`torch_dtype`,
    `attn_implementation`, `output_loading_info`, and config overrides (e.g. `num_labels` for a fresh head: a
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
    for ignored in ("use_safetensors", "weights_only", "trust_remote_code", "low_cpu_mem_usage", "device_map"):
        kwargs.pop(ignored, None)
    if kwargs.get("config") is not None:
        raise TypeError("`config=` cannot be combined with a transformers ViViT checkpoint; pass overrides instead")
    kwargs.pop("config", None)
    config_dict, state = read_transformers_checkpoint(source, **hub_kwargs)
    config = config_from_transformers_vivit(config_dict, **kwargs)
    if attn_implementation is not None:
        config._attn_implementation = attn_implementation
    model = model_class(config)
    head_asked = {"num_labels", "id2label", "label_spaces"} & set(kwargs)
    if hasattr(model, "classifier") and (ignore_mismatched_sizes or head_asked):
        state = fresh_head(state, model)
    unused = load_transformers_vivit_into(model, state)
    model = cast_as_asked(model, dtype, checkpoint_dtype(config_dict, state))
    model.eval()
    return (model, {"unused": unused}) if output_loading_info else model
