# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""vivit_hf: the four ViViT models (Arnab et al., ICCV 2021) for PyTorch and Hugging Face transformers.

Importing the package registers every config and model with transformers' Auto classes, and marks them so that
`save_pretrained` writes `auto_map` plus the model code (a saved folder then loads with `trust_remote_code=True`
where vivit_hf is not installed).
"""

from transformers import (
    AutoConfig,
    AutoModel,
    AutoModelForVideoClassification,
    AutoVideoProcessor,
)

from .configuration_vivit import (
    ViViTConfig,
    ViViTFactorisedDotProductConfig,
    ViViTFactorisedEncoderConfig,
    ViViTFactorisedSelfAttentionConfig,
    ViViTSpatioTemporalConfig,
)
from .frame_sampling import uniform_frame_indices
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
from .processing_vivit import ViViTVideoClassificationPipeline, ViViTVideoProcessor
from .vit_init import (
    ImageViT,
    ViTInitError,
    ViTInitReport,
    initialise_from_vit,
    load_image_vit,
)

__version__ = "0.1.0"


def _register():
    from transformers.pipelines import PIPELINE_REGISTRY

    for config_class, model_class, classifier_class in VIVIT_MODELS.values():
        AutoConfig.register(config_class.model_type, config_class, exist_ok=True)
        AutoModel.register(config_class, model_class, exist_ok=True)
        AutoModelForVideoClassification.register(config_class, classifier_class, exist_ok=True)
        config_class.register_for_auto_class()
        model_class.register_for_auto_class("AutoModel")
        classifier_class.register_for_auto_class("AutoModelForVideoClassification")
        AutoVideoProcessor.register(config_class, video_processor_class=ViViTVideoProcessor, exist_ok=True)
    # Saved processors carry their code too, like the models.
    ViViTVideoProcessor.register_for_auto_class("AutoVideoProcessor")
    # pipeline("video-classification") gains multi-view test (num_clips / num_crops, logits averaged); with any other
    # processor it behaves as transformers' own pipeline.
    # (Set in place: `register_pipeline` would log an "overwriting" warning on every import.)
    PIPELINE_REGISTRY.supported_tasks["video-classification"]["impl"] = ViViTVideoClassificationPipeline


_register()

__all__ = [
    "VIVIT_MODELS",
    "ViViTConfig",
    "ViViTPreTrainedModel",
    "ViViTSpatioTemporalConfig",
    "ViViTSpatioTemporalModel",
    "ViViTSpatioTemporalForVideoClassification",
    "ViViTFactorisedEncoderConfig",
    "ViViTFactorisedEncoderModel",
    "ViViTFactorisedEncoderForVideoClassification",
    "ViViTFactorisedSelfAttentionConfig",
    "ViViTFactorisedSelfAttentionModel",
    "ViViTFactorisedSelfAttentionForVideoClassification",
    "ViViTFactorisedDotProductConfig",
    "ViViTFactorisedDotProductModel",
    "ViViTFactorisedDotProductForVideoClassification",
    "ViViTVideoProcessor",
    "ViViTVideoClassificationPipeline",
    "uniform_frame_indices",
    "initialise_from_vit",
    "load_image_vit",
    "ImageViT",
    "ViTInitReport",
    "ViTInitError",
]
