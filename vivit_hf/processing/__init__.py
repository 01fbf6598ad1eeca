# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Decoding, frame sampling, transforms, the video processor (`processing_vivit`) and the multi-view pipeline
(`pipeline`). Nothing else of vivit_hf is imported: the processor's modules travel with `trust_remote_code`
checkpoints (the pipeline does not; it imports the processor, never the reverse)."""

from .errors import BrokenVideoError, ProcessorConfigError, VideoDecodeError
from .processing_vivit import ViViTVideoProcessor, ViViTVideosKwargs


def __getattr__(name: str):
    # The pipeline is imported at its first use (PEP 562): it imports transformers' pipelines and PyAV, which the
    # processor's users (every recipe, every DataLoader worker) do not need (see vivit_hf/__init__.py's `_LAZY`).
    if name != "ViViTVideoClassificationPipeline":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from .pipeline import ViViTVideoClassificationPipeline

    return ViViTVideoClassificationPipeline


__all__ = [
    "BrokenVideoError",
    "ProcessorConfigError",
    "VideoDecodeError",
    "ViViTVideoClassificationPipeline",
    "ViViTVideoProcessor",
    "ViViTVideosKwargs",
]
