# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""vivit_hf: the four ViViT models (Arnab et al., ICCV 2021) for PyTorch and Hugging Face transformers.

Importing the package registers every config and model with transformers' Auto classes, and marks them so that
`save_pretrained` writes `auto_map` plus the model code (a saved folder then loads with `trust_remote_code=True`
where vivit_hf is not installed).
"""

from transformers import AutoConfig, AutoModel, AutoModelForVideoClassification, AutoVideoProcessor

from .configuration_vivit import (
    ViViTConfig,
    ViViTFactorisedDotProductConfig,
    ViViTFactorisedEncoderConfig,
    ViViTFactorisedSelfAttentionConfig,
    ViViTSpatioTemporalConfig,
)
from .frame_sampling import uniform_frame_indices
from .processing_vivit import ViViTVideoProcessor
from .modeling_blocks import ViViTPreTrainedModel
from .modeling_vivit import (
    VIVIT_MODELS,
    ViViTFactorisedDotProductForVideoClassification,
    ViViTFactorisedDotProductModel,
    ViViTFactorisedEncoderForVideoClassification,
    ViViTFactorisedEncoderModel,
    ViViTFactorisedSelfAttentionForVideoClassification,
    ViViTFactorisedSelfAttentionModel,
    ViViTSpatioTemporalForVideoClassification,
    ViViTSpatioTemporalModel,
)

__version__ = "0.1.0"


def _register():
    for config_class, model_class, classifier_class in VIVIT_MODELS.values():
        AutoConfig.register(config_class.model_type, config_class, exist_ok=True)
        AutoModel.register(config_class, model_class, exist_ok=True)
        AutoModelForVideoClassification.register(config_class, classifier_class, exist_ok=True)
        config_class.register_for_auto_class()
        model_class.register_for_auto_class("AutoModel")
        classifier_class.register_for_auto_class("AutoModelForVideoClassification")
        AutoVideoProcessor.register(config_class, video_processor_class=ViViTVideoProcessor, exist_ok=True)


_register()

__all__ = [
    "ViViTConfig",
    "ViViTPreTrainedModel",
    "VIVIT_MODELS",
    "uniform_frame_indices",
    "ViViTVideoProcessor",
    *(cls.__name__ for classes in VIVIT_MODELS.values() for cls in classes),
]
