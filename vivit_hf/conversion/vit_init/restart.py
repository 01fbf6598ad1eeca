# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The names importable from here before `from_vivit_checkpoint` (a ViViT checkpoint restarted, not an image ViT's
start) moved beside the other converters, to `vivit_hf/conversion/restart.py`: the same objects."""

from ..restart import (
    LAYER_MODULES,
    check_head_counts,
    from_vivit_checkpoint,
    layer_of,
    logger,
    unfit_layers,
    warn_of_whole_layers_fresh,
)

__all__ = [
    "LAYER_MODULES",
    "check_head_counts",
    "from_vivit_checkpoint",
    "layer_of",
    "logger",
    "unfit_layers",
    "warn_of_whole_layers_fresh",
]
