# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Decoding, frame sampling, transforms, the video processor and the multi-view pipeline. Nothing else of vivit_hf
is imported: the modules travel with `trust_remote_code` checkpoints."""

from .processing_vivit import ViViTVideoClassificationPipeline, ViViTVideoProcessor, ViViTVideosKwargs

__all__ = ["ViViTVideoClassificationPipeline", "ViViTVideoProcessor", "ViViTVideosKwargs"]
