# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""accelerate's device maps over a ViViT model whose encoders accelerate split between their blocks.

An encoder holds parameters of its own (its CLS token and position embeddings, under the checkpoints' names) beside its
blocks; accelerate hooks only the modules a map names, so where it splits an encoder those parameters get no hook
(docs/models.md). `hook_split_modules` hooks them when `hf_device_map` is set on the model, and
`hook_split_modules_of_a_wrapper` at the backbone's forward where a module holding the model (PEFT's `PeftModel`) was
dispatched in its place. accelerate is imported only in `try` blocks, where accelerate already dispatched a model:
transformers' scan of remote code's imports skips those, and this module travels with `trust_remote_code` checkpoints
(modeling_vivit imports it relatively, so transformers copies it beside it).
"""

from collections import ChainMap

import torch
from torch import nn


def hook_split_modules(model: nn.Module, device_map: dict) -> None:
    """Give each module whose own parameters the device map places one by one (an encoder's CLS token and position
    embeddings, where accelerate splits the encoder between its blocks) the hook accelerate gives a module it places
    whole: its parameters loaded on its execution device for its forward, its inputs moved there. accelerate hooks
    only the modules a map names, so such parameters stayed where they were loaded: offloaded ones (to disk, or to the
    CPU beside a GPU) on the meta device, and the forward failed ("Tensor on device meta is not on the expected device
    cpu!"), as did `save_pretrained`. The parameters keep their names (`encoder.position_embeddings`), the checkpoints'
    and the converters': a submodule holding them, as transformers' ViT has, would rename them. The hook an earlier
    dispatch gave is replaced (kept, it placed the parameters by the earlier map, on disk or not)."""
    root_hook = getattr(model, "_hf_hook", None)
    if root_hook is None:  # dispatch_model moved the whole model to one device: nothing is split
        return
    try:  # (in a try block, which transformers' scan of remote code's imports skips: accelerate dispatched us)
        from accelerate.hooks import remove_hook_from_module
    except ImportError:
        return
    main_device = root_hook.execution_device  # where dispatch_model runs offloaded blocks
    offloaded = ("disk",) if torch.device(main_device).type in ("cpu", "mps") else ("cpu", "disk")  # as accelerate
    # the model's offloaded weights, which each offloaded block's hook reads under its own prefix
    weights = next((hook.weights_map.dataset for _, hook in weight_reading_hooks(model)), None)
    for name, module in model.named_modules():
        own = dict(module.named_parameters(recurse=False))
        placed = [device_map[f"{name}.{key}"] for key in own if f"{name}.{key}" in device_map]
        if not name or not placed:
            continue
        if hasattr(module, "_hf_hook"):
            if not getattr(module._hf_hook, "places_split_module", False):
                continue  # accelerate's own
            remove_hook_from_module(module)
        execution_device = main_device if placed[0] in ("cpu", "disk") else placed[0]
        offload = any(device in offloaded for device in placed)
        hook_split_module(module, name, execution_device, offload, weights)


def hook_split_modules_of_a_wrapper(backbone: nn.Module) -> None:
    """`hook_split_modules` where accelerate dispatched a module holding the model, not the model: PEFT's
    `PeftModel` (`dispatch_model(peft_model, device_map)`, or the re-dispatch of `PeftModel.from_pretrained` over a
    model loaded with a device map, which first removes every hook). accelerate sets `hf_device_map` on that wrapper,
    so the setter never ran, and an encoder's offloaded parameters stayed on the meta device: the forward failed
    ("Tensor on device meta is not on the expected device cpu!"). Run at each forward, it hooks an encoder (the
    backbone's children with parameters of their own: a few look-ups where nothing is dispatched) that no hook holds
    while accelerate hooked its blocks, from what their hooks hold, the map being the wrapper's: parameters on the
    meta device are read from the offloaded weights under the encoder's name and loaded where offloaded blocks run;
    others run where they are (those dispatch_model found in memory stay there, whatever the map said of them)."""
    if torch.compiler.is_compiling():  # (the hook is added at an eager call, not in compiled code)
        return
    for encoder_name, encoder in backbone.named_children():
        if not encoder._parameters or "_hf_hook" in encoder.__dict__:
            continue
        if not any("_hf_hook" in m.__dict__ for child in encoder.children() for m in (child, *child.children())):
            continue  # nothing in it dispatched (a map that placed it whole gave it a hook)
        devices = [value.device for value in encoder.parameters(recurse=False)]
        if all(device.type != "meta" for device in devices):
            if dispatched_from_outside(encoder):  # (nothing offloaded: the inputs go to them)
                hook_split_module(encoder, "", devices[0], False, None)
            continue
        # an offloaded block's hook reads its weights under its name in the wrapper, which ends with its name in the
        # backbone: the rest is the backbone's (`base_model.model.vivit.`). One of this encoder's blocks where it has
        # one, else any of the backbone's (the token embedding, another encoder's block), as `hook_split_modules`
        # takes any block's: a map that offloads the encoder's positions and the token embedding, none of its blocks,
        # loads and runs, under PEFT too (not "offloads ['position_embeddings'] and no block of the model")
        offloaded = [
            (name, hook)
            for name, hook in weight_reading_hooks(backbone)
            if name and hook.offload and hook.weights_map.prefix.endswith(f".{name}.")
        ]
        ours = (item for item in offloaded if item[0].startswith(f"{encoder_name}."))
        name, hook = next(ours, offloaded[0] if offloaded else ("", None))
        if hook is None:  # (refused: nothing to read them from)
            hook_split_module(encoder, encoder_name, "the main device", True, None)
        prefix = hook.weights_map.prefix[: -len(name) - 1] + encoder_name
        hook_split_module(encoder, prefix, hook.execution_device, True, hook.weights_map.dataset)


def dispatched_from_outside(encoder: nn.Module) -> bool:
    """Whether accelerate's `dispatch_model` over a module holding `encoder` hooked its blocks: it gives a block it
    keeps in memory a hook placing the block's submodules, and an offloaded block's modules hooks reading its weights
    under their names in the dispatched module. A hook a user put on one block is neither (`cpu_offload(block)` reads
    under names in the block, `cpu_offload_with_hook(block)` places nothing): the encoder was hooked for it, a hook
    that outlived theirs and kept sending the encoder's inputs to where its parameters were at that forward (after
    `model.to("cuda")`, to the CPU)."""
    for module in encoder.modules():
        hook = module.__dict__.get("_hf_hook")
        if any(getattr(inner, "place_submodules", False) for inner in getattr(hook, "hooks", [hook])):
            return True
    return any(
        name and hook.offload and hook.weights_map.prefix.endswith(f".{name}.")
        for name, hook in weight_reading_hooks(encoder)
    )


def weight_reading_hooks(model: nn.Module) -> list:
    """(name, hook) of each of accelerate's hooks on `model` and its modules that reads offloaded weights (a
    `SequentialHook` holds several)."""
    try:  # (the imports here are all in try blocks, see `hook_split_modules`)
        from accelerate.utils import PrefixedDataset
    except ImportError:
        return []
    found = []
    for name, module in model.named_modules():
        hook = module.__dict__.get("_hf_hook")
        for inner in getattr(hook, "hooks", [hook]) if hook is not None else []:
            if isinstance(getattr(inner, "weights_map", None), PrefixedDataset):
                found.append((name, inner))
    return found


def hook_split_module(module: nn.Module, name: str, execution_device, offload: bool, weights) -> None:
    """Give `module` accelerate's hook over its own parameters, marked as `hook_split_modules`' (a later dispatch
    replaces it): offloaded ones read from `weights` under `name`. Refused where one is on the meta device and
    `weights` holds nothing."""
    try:
        from accelerate.hooks import AlignDevicesHook, add_hook_to_module
        from accelerate.utils import PrefixedDataset
    except ImportError:  # (not reached: a module is hooked only where accelerate hooked others)
        return
    own = dict(module.named_parameters(recurse=False))
    weights_map = None
    if offload:
        held = {key: value for key, value in own.items() if value.device.type != "meta"}
        if len(held) < len(own) and weights is None:
            missing = sorted(f"{name}.{key}" if name else key for key in own.keys() - held.keys())
            raise RuntimeError(
                f"the device map offloads {missing} and no block of the model: accelerate hands offloaded weights "
                f"only to offloaded blocks, so these would never load. Place them on {execution_device}, or offload "
                "a block too."
            )
        weights_map = held if weights is None else ChainMap(held, PrefixedDataset(weights, f"{name}."))
    hook = AlignDevicesHook(execution_device=execution_device, offload=offload, weights_map=weights_map)
    hook.places_split_module = True
    add_hook_to_module(module, hook)
