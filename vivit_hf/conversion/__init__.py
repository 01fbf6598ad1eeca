# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Weights from elsewhere: scenic checkpoints (layout table, config mapping, checkpoint reader), transformers' own
ViViT, a ViViT checkpoint restarted with other frames, sizes or labels (`restart`), image ViTs (paper §3.4), and the
`python -m vivit_hf.convert` command line."""

from .restart import from_vivit_checkpoint
from .scenic import ScenicConversionError, config_from_scenic, load_scenic, load_scenic_into, to_scenic
from .transformers_vivit import TransformersCheckpointError, from_transformers_vivit
from .vit_init import (
    ImageViT,
    ViTInitError,
    ViTInitReport,
    from_vit_pretrained,
    initialise_from_vit,
    load_image_vit,
)

__all__ = [
    "ImageViT",
    "ScenicConversionError",
    "TransformersCheckpointError",
    "ViTInitError",
    "ViTInitReport",
    "config_from_scenic",
    "from_transformers_vivit",
    "from_vit_pretrained",
    "from_vivit_checkpoint",
    "initialise_from_vit",
    "load_image_vit",
    "load_scenic",
    "load_scenic_into",
    "to_scenic",
]
