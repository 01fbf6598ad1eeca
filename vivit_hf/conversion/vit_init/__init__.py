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
   * Model 2: spatial encoder (blocks, final norm and position embeddings, its CLS row included) from the ViT,
     temporal encoder and both CLS tokens fresh, as in scenic (`spatial_cls_init="copy"` takes the ViT's CLS token
     too); Model 3: spatial attention and MLP from the ViT, temporal attention `zero` (output projection
     zeroed, so each block starts as the ViT block and the temporal MSA still learns) or `copy` (scenic's default);
     Model 4 as Model 1; the classifier stays fresh, or is the ViT's with `classifier_init="copy"` (scenic's
     `restore_output_proj=True`: the same classes, e.g. fine-tuning on the data set the ViT was trained on).

   Parameters not named above keep their values; everything of the ViT that finds no place is reported by name.

Model 2's spatial CLS token follows scenic by default: scenic copies the ViT's `cls` only into a key literally named
`cls` (Model 1's), so its `cls_SpatialTransformer` keeps the video model's own value (zeros when fresh) next to a
position embedding whose CLS row *is* the ViT's. `spatial_cls_init="copy"` takes the ViT's CLS token as well, which
makes the spatial encoder exactly the ViT on every frame.
"""

import importlib
import logging

from .embeddings import (
    POSITIONAL_EMBEDDINGS,
    TUBELET_INITS,
    arp_weights,
    inflate_patch_kernel,
    resize_over_all_tokens,
    video_position_embeddings,
)
from .image_vit import (
    VIT_ACTIVATION_ADVICE,
    VIT_GRID_ADVICE,
    VIT_HEADS_ADVICE,
    VIT_NUMERICS_ADVICE,
    ImageViT,
    ViTInitError,
    pixel_normalisation,
)
from .initialise import (
    CLASSIFIER_INITS,
    SPATIAL_ATTENTION_INITS,
    SPATIAL_CLS_ADVICE,
    SPATIAL_CLS_INITS,
    TEMPORAL_ATTENTION_INITS,
    ViTInitReport,
    initialise_from_vit,
)
from .pretrained import check_config_fields, from_vit_pretrained
from .readers import load_image_vit

# The one logger of the package's modules (recipes/finetune.py filters it by name: flags.VIT_INIT_LOGGER).
logger = logging.getLogger(__name__)


def __getattr__(name: str):
    # `from_vivit_checkpoint` (a ViViT checkpoint restarted, not an image ViT's start) lived here and still imports
    # from here; its home, vivit_hf/conversion/restart.py, imports this package's modules, so it is read when asked for.
    # So is `restart`, its module's old path here, which this package imported once (`vit_init.restart.<name>`).
    if name == "from_vivit_checkpoint":
        from ..restart import from_vivit_checkpoint

        return from_vivit_checkpoint
    if name == "restart":
        return importlib.import_module(f"{__name__}.restart")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    # the names read when asked for, listed with the rest (`dir()`, a shell's completion)
    return sorted({*globals(), "from_vivit_checkpoint", "restart"})


__all__ = [
    "CLASSIFIER_INITS",
    "POSITIONAL_EMBEDDINGS",
    "SPATIAL_ATTENTION_INITS",
    "SPATIAL_CLS_ADVICE",
    "SPATIAL_CLS_INITS",
    "TEMPORAL_ATTENTION_INITS",
    "TUBELET_INITS",
    "VIT_ACTIVATION_ADVICE",
    "VIT_GRID_ADVICE",
    "VIT_HEADS_ADVICE",
    "VIT_NUMERICS_ADVICE",
    "ImageViT",
    "ViTInitError",
    "ViTInitReport",
    "arp_weights",
    "check_config_fields",
    "from_vit_pretrained",
    "from_vivit_checkpoint",
    "inflate_patch_kernel",
    "initialise_from_vit",
    "load_image_vit",
    "logger",
    "pixel_normalisation",
    "resize_over_all_tokens",
    "video_position_embeddings",
]
