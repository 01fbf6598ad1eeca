# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Decoding, frame sampling, transforms, the video processor (`processing_vivit`) and the multi-view pipeline
(`pipeline`). Nothing else of vivit_hf is imported: the processor's modules travel with `trust_remote_code`
checkpoints (the pipeline does not; it imports the processor, never the reverse)."""

from .errors import BrokenVideoError, ProcessorConfigError, VideoDecodeError
from .pipeline import ViViTVideoClassificationPipeline
from .processing_vivit import ViViTVideoProcessor, ViViTVideosKwargs

__all__ = [
    "BrokenVideoError",
    "ProcessorConfigError",
    "VideoDecodeError",
    "ViViTVideoClassificationPipeline",
    "ViViTVideoProcessor",
    "ViViTVideosKwargs",
]
