# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The configurations, shared blocks, attention rollout and four ViViT models. Only torch, numpy and transformers are
imported: the modules travel with `trust_remote_code` checkpoints (transformers copies a model module and its relative
imports)."""

from .configuration_vivit import (
    ViViTConfig,
    ViViTFactorisedDotProductConfig,
    ViViTFactorisedEncoderConfig,
    ViViTFactorisedSelfAttentionConfig,
    ViViTSpatioTemporalConfig,
    uniform_frame_indices,
)
from .losses import ViViTLabelSmoother
from .modeling_vivit import (
    VIVIT_MODELS,
    ViViTFactorisedDotProductForVideoClassification,
    ViViTFactorisedDotProductModel,
    ViViTFactorisedEncoderForVideoClassification,
    ViViTFactorisedEncoderModel,
    ViViTFactorisedSelfAttentionForVideoClassification,
    ViViTFactorisedSelfAttentionModel,
    ViViTPreTrainedModel,
    ViViTSpatioTemporalForVideoClassification,
    ViViTSpatioTemporalModel,
)

__all__ = [
    "VIVIT_MODELS",
    "ViViTConfig",
    "ViViTFactorisedDotProductConfig",
    "ViViTFactorisedDotProductForVideoClassification",
    "ViViTFactorisedDotProductModel",
    "ViViTFactorisedEncoderConfig",
    "ViViTFactorisedEncoderForVideoClassification",
    "ViViTFactorisedEncoderModel",
    "ViViTFactorisedSelfAttentionConfig",
    "ViViTFactorisedSelfAttentionForVideoClassification",
    "ViViTFactorisedSelfAttentionModel",
    "ViViTLabelSmoother",
    "ViViTPreTrainedModel",
    "ViViTSpatioTemporalConfig",
    "ViViTSpatioTemporalForVideoClassification",
    "ViViTSpatioTemporalModel",
    "uniform_frame_indices",
]
