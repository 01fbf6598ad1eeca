# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""A checkpoint in transformers' files, as every converter and reader here reads it: a folder or Hub repo's
config.json and weights (safetensors, sharded or not, or a PyTorch pickle read with `weights_only=True`), the hub
options that say which one, and `from_pretrained`'s dtype rules (`dtype`, `torch_dtype`, `"auto"`).

transformers' own ViViT (`transformers_vivit`), image ViTs of transformers and timm (`vit_init`) and the command line
(`cli`) share them: what a user's string names, and why nothing was read, is said alike for all of them.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
from collections.abc import Mapping

import torch

from ..hub.sources import download_options, why_not_fetched
from ..repo_id import looks_like_local_path
from .scenic_checkpoint import describe_file_start

logger = logging.getLogger(__name__)

# from_pretrained's hub keywords; `proxies`, which huggingface_hub no longer takes, is taken and dropped with a warning
# (`download_options`), as transformers' from_pretrained takes it
HUB_KWARGS = ("cache_dir", "force_download", "local_files_only", "token", "revision", "subfolder", "proxies")
# the ones among them that choose which files are read (the others say how to fetch them)
FILE_CHOOSING_OPTIONS = ("revision", "subfolder")


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
    in, as from_pretrained(dtype="auto") reads it: `checkpoint_dtype`, `weights_dtype`) for "auto", else to `dtype`.
    Its config says the weights' dtype, as from_pretrained's does: from_transformers_vivit's and from_vit_pretrained's
    said None (or the checkpoint's) whatever the model's weights were, and from_config(model.config) read no dtype."""
    if dtype == "auto":
        dtype = source_dtype
    model = model if dtype is None else model.to(dtype)
    if getattr(model, "config", None) is not None:
        model.config.dtype = model.dtype
    return model


# from_pretrained's device maps that accelerate computes over every device it finds (transformers' list)
COMPUTED_DEVICE_MAPS = ("auto", "balanced", "balanced_low_0", "sequential")


def place_as_asked(model, device_map, name: str):
    """`model` where a from_pretrained-style `device_map` puts it: one device (`"cuda:1"`, `0`, a `torch.device`, or a
    map of every module to one device, `{"": "cuda:0"}`) moves it there; `"auto"` (or "balanced", "sequential") or a
    map over several devices is said to be ignored, the model being small next to what it was built from, built whole
    on one device. A converter that dropped the option would leave the model on the CPU; `{"": device}` is a device,
    not a per-module map to ignore, and "balanced" would fail in torch naming no `device_map`."""
    if device_map is None:
        return model
    devices = set(device_map.values()) if isinstance(device_map, Mapping) else {device_map}
    if len(devices) > 1 or devices & {*COMPUTED_DEVICE_MAPS, "disk"}:
        logger.warning("%s places the whole model on one device; device_map=%r is ignored", name, device_map)
        return model
    return model.to(one_device(devices.pop(), device_map))


def one_device(device, device_map) -> torch.device:
    """One device of a `device_map` (`device`) read as transformers reads it: "cuda" is this process's GPU
    (`LOCAL_RANK`: under torchrun each rank's own, where `.to("cuda")` put every rank's model on GPU 0), an index an
    accelerator's; a name or index no device has is refused naming the map, not in torch's words."""
    if device == "cuda":
        device = f"cuda:{int(os.environ.get('LOCAL_RANK', 0))}"
    try:
        if isinstance(device, bool) or (isinstance(device, int) and device < 0):
            raise ValueError
        return torch.device(device)
    except (RuntimeError, TypeError, ValueError):
        raise ValueError(
            f'device_map={device_map!r}: {device!r} is no device; give one ("cuda:0", 0, "cpu", a torch.device), '
            f"a map of modules to devices, or one of {', '.join(COMPUTED_DEVICE_MAPS)}"
        ) from None


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

    kwargs = download_options({k: v for k, v in hub_kwargs.items() if k in HUB_KWARGS and k != "subfolder"})
    try:
        return hf_hub_download(source, filename, subfolder=subfolder or None, **kwargs)
    except LocalEntryNotFoundError as error:  # before EntryNotFoundError: it is a subclass
        raise CheckpointSourceError(
            f"{source!r}: no such local file or folder; read as a Hub repo id, "
            + why_not_fetched(error, missing=f"its {filename}", local_files_only=bool(kwargs.get("local_files_only")))
        ) from None
    except RevisionNotFoundError:
        raise CheckpointSourceError(f"{source!r}: the Hub repo has no revision {kwargs.get('revision')!r}") from None
    except RepositoryNotFoundError as error:  # a gated repo too (its terms to accept): `why_not_fetched` tells them
        raise CheckpointSourceError(
            f"{source!r}: no such local file or folder; read as a Hub repo id, {why_not_fetched(error)}"
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


def unwrapped_module(source):
    """The model inside torch.compile's and (Distributed)DataParallel's wrappers, which prefix every parameter name
    (`_orig_mod.`, `module.`); `source` itself where it is none of them."""
    while isinstance(getattr(source, "_orig_mod", None), torch.nn.Module) or isinstance(
        source, (torch.nn.DataParallel, torch.nn.parallel.DistributedDataParallel)
    ):
        source = source._orig_mod if isinstance(getattr(source, "_orig_mod", None), torch.nn.Module) else source.module
    return source


def peft_adapters_refusal(model) -> str | None:
    """Why a model holding PEFT adapters (a `PeftModel`, or its `get_base_model()`: LoRA on `qkv`, docs/models.md) is
    not read, or None. Each adapted layer keeps its trained weight under `base_layer.`: an image ViT's was "not the
    layout of a ViT", and a restarted ViViT started every adapted layer fresh, its adapter lost."""
    adapted = [
        name
        for name, module in model.named_modules()
        if isinstance(getattr(module, "base_layer", None), torch.nn.Module)
    ]
    if not adapted:
        return None
    return (
        f"{type(model).__name__} holds PEFT adapters ({adapted[0]}, {len(adapted)} layers): merge them into the model "
        "first (`merged = peft_model.merge_and_unload()`) and give the merged model; read as it is, the adapters "
        "would be lost and each adapted layer's weight found in no place a model's is"
    )


def refuse_hub_options(hub_kwargs: Mapping, source) -> None:
    """Refuse hub options (`revision=`, `cache_dir=`, ...) beside a source in memory (a model, a state dict), or the
    `FILE_CHOOSING_OPTIONS` a caller passes of a local file (`vit.pth`, `.npz`): they say which files to read, and
    dropped, `revision="v2"` would give the object or file as it is. Options left at their defaults
    (None, False, `subfolder=""`: a script's `revision=args.revision`) ask nothing, and pass. (A local folder is not
    refused: transformers' `from_pretrained` reads one with `subfolder` and ignores the others, and so do these
    readers.)"""
    given = sorted(
        name for name, value in hub_kwargs.items() if value is not None and value is not False and value != ""
    )
    if given:
        what = (
            f"the local file {os.fspath(source)!r}"
            if isinstance(source, (str, os.PathLike))
            else f"a {type(source).__name__} in memory"
        )
        raise TypeError(
            f"{', '.join(given)}: hub options say which checkpoint files to read; {what} is read as it is: leave "
            "them out (or give the folder or Hub id to read)"
        )


def read_transformers_checkpoint(source, **hub_kwargs) -> tuple[dict, dict[str, torch.Tensor]]:
    """(config dict, state dict) of a transformers checkpoint: a folder or a Hub id; `model.safetensors`, a sharded
    safetensors index, or `pytorch_model.bin` (read with `weights_only=True`); or a transformers model object, its
    `config` and `state_dict()` (`from_transformers_vivit(model)`: it met os.fspath's "expected str, bytes or
    os.PathLike object, not VivitForVideoClassification")."""
    if isinstance(source, torch.nn.Module):
        model = unwrapped_module(source)
        if not callable(getattr(getattr(model, "config", None), "to_dict", None)):
            raise TransformersCheckpointError(
                f"a {type(model).__name__} object has no transformers `config`: give a transformers model, or the "
                "folder its save_pretrained wrote, or a Hub id"
            )
        refuse_hub_options(hub_kwargs, model)
        if refusal := peft_adapters_refusal(model):
            raise TransformersCheckpointError(refusal)
        return model.config.to_dict(), dict(model.state_dict())
    if not isinstance(source, (str, os.PathLike)):
        raise TransformersCheckpointError(
            f"expected a folder, a Hub id or a transformers model, got a {type(source).__name__}: {source!r:.80}"
        )
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
