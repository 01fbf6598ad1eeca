# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""vivit_hf: the four ViViT models (Arnab et al., ICCV 2021) for PyTorch and Hugging Face transformers.

Importing the package registers every config, model and the video processor with transformers' Auto classes, and
marks them so that `save_pretrained` writes `auto_map` plus the code (a saved folder then loads with
`trust_remote_code=True` where vivit_hf is not installed). Nothing else of transformers is changed: the multi-view
pipeline is asked for by name, `pipeline("video-classification", model=..., pipeline_class=
ViViTVideoClassificationPipeline)`.

The model classes also get two constructors whose code lives in `vivit_hf.conversion` (imported at their first use,
as are the conversion names and the pipeline: `_LAZY`; the model modules, which
travel with remote code, import nothing of it): `from_vit_pretrained` on every model class, and
`from_transformers_vivit` on the two Model 1 classes.
"""

# private names: `dir(vivit_hf)` is the API and its subpackages (tests/test_layout.py)
from importlib import import_module as _import_module
from types import MethodType as _MethodType

from .cpu_fast_path import disable_cpu_fast_path, enable_cpu_fast_path
from .interpret import saliency_overlay
from .models import (
    VIVIT_MODELS,
    ViViTConfig,
    ViViTFactorisedDotProductConfig,
    ViViTFactorisedDotProductForVideoClassification,
    ViViTFactorisedDotProductModel,
    ViViTFactorisedEncoderConfig,
    ViViTFactorisedEncoderForVideoClassification,
    ViViTFactorisedEncoderModel,
    ViViTFactorisedSelfAttentionConfig,
    ViViTFactorisedSelfAttentionForVideoClassification,
    ViViTFactorisedSelfAttentionModel,
    ViViTLabelSmoother,
    ViViTPreTrainedModel,
    ViViTSpatioTemporalConfig,
    ViViTSpatioTemporalForVideoClassification,
    ViViTSpatioTemporalModel,
    uniform_frame_indices,
)
from .processing import BrokenVideoError, ProcessorConfigError, VideoDecodeError, ViViTVideoProcessor

__version__ = "0.1.0"

# Names imported at their first use (PEP 562), not by `import vivit_hf`: the conversion package (checkpoint readers,
# the Hub's file API) and the multi-view pipeline (transformers' pipelines and PyAV) were 0.2-0.3 s of CPU at the
# start of every process that imports the package (every recipe, every DataLoader workers' fork server, every test's
# fresh interpreter), few of which convert a checkpoint or run the pipeline. `dir(vivit_hf)` lists them.
_CONVERSION = (
    "ImageViT",
    "ViTInitError",
    "ViTInitReport",
    "from_transformers_vivit",
    "from_vit_pretrained",
    "from_vivit_checkpoint",
    "initialise_from_vit",
    "load_image_vit",
)
_LAZY = dict.fromkeys(_CONVERSION, ".conversion") | {"ViViTVideoClassificationPipeline": ".processing"}
# The subpackage the models' refusals name their restart in, `vivit_hf.conversion.from_vivit_checkpoint(...)`: after
# `import vivit_hf` alone that line, typed as written, met "module 'vivit_hf' has no attribute 'conversion'"
_LAZY_SUBPACKAGES = ("conversion",)


def __getattr__(name: str):
    if name in _LAZY_SUBPACKAGES:
        return _import_module(f".{name}", __name__)  # (the import makes it an attribute: looked up once)
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(_import_module(_LAZY[name], __name__), name)
    globals()[name] = value  # looked up once
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | set(_LAZY_SUBPACKAGES))


class _ConversionConstructor:
    """A classmethod whose function lives in `vivit_hf.conversion`, imported where the method is first looked up
    (see `_LAZY`): `Model.from_vit_pretrained` is that function bound to the class, its signature and help as they
    are."""

    def __init__(self, name: str):
        self.name = name

    def __get__(self, instance, owner):
        return _MethodType(getattr(_import_module(".conversion", __name__), self.name), owner)


def _register() -> None:
    # imported here so that `vivit_hf.AutoModel` is not transformers' class under our name (`__all__` is the API)
    from transformers import AutoConfig, AutoModel, AutoModelForVideoClassification, AutoVideoProcessor

    for config_class, model_class, classifier_class in VIVIT_MODELS.values():
        AutoConfig.register(config_class.model_type, config_class, exist_ok=True)
        AutoModel.register(config_class, model_class, exist_ok=True)
        AutoModelForVideoClassification.register(config_class, classifier_class, exist_ok=True)
        AutoVideoProcessor.register(config_class, video_processor_class=ViViTVideoProcessor, exist_ok=True)
        config_class.register_for_auto_class()
        model_class.register_for_auto_class("AutoModel")
        classifier_class.register_for_auto_class("AutoModelForVideoClassification")
    ViViTVideoProcessor.register_for_auto_class("AutoVideoProcessor")  # saved processors carry their code too
    # Conversion constructors as classmethods of our own classes (see the module docstring).
    ViViTPreTrainedModel.from_vit_pretrained = _ConversionConstructor("from_vit_pretrained")
    for model_class in (ViViTSpatioTemporalModel, ViViTSpatioTemporalForVideoClassification):
        model_class.from_transformers_vivit = _ConversionConstructor("from_transformers_vivit")


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
    "ViViTLabelSmoother",
    "ViViTVideoProcessor",
    "ViViTVideoClassificationPipeline",
    "BrokenVideoError",
    "ProcessorConfigError",
    "VideoDecodeError",
    "uniform_frame_indices",
    "from_vit_pretrained",
    "from_transformers_vivit",
    "from_vivit_checkpoint",
    "initialise_from_vit",
    "load_image_vit",
    "ImageViT",
    "ViTInitReport",
    "ViTInitError",
    "enable_cpu_fast_path",
    "disable_cpu_fast_path",
    "saliency_overlay",
]
