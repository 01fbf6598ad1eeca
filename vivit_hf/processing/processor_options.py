# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""A `ViViTVideoProcessor`'s options, checked before any video is decoded, and read as transformers reads them.

Sizes and crops (transformers' resize rules), resampling filters, the normalisation presets and statistics, on/off
switches and seeds, options no clip can be made with (refused by name), a config one of transformers' own processors
saved (its class's defaults for what it leaves out), the options saved as JSON, and the words of an error naming an
unknown option.

Part of the processor's code: `processing_vivit` imports it, so a saved processor folder carries it with
`trust_remote_code`; it imports nothing the processor module may not.
"""

from __future__ import annotations

import difflib
import functools
import logging
import os
from collections.abc import Mapping

import numpy as np
import torch
from torchvision.transforms import InterpolationMode
from transformers.image_transforms import get_size_with_aspect_ratio
from transformers.image_utils import (
    PILImageResampling,
    SizeDict,
    get_image_size_for_max_height_width,
    pil_torch_interpolation_mapping,
)

from .video_transforms import NORMALIZATION_PRESETS, affine_normalization, resize, shortest_side_size

# the processor's warnings keep the one logger name they had before the processor's code was split into
# modules: a user silencing `vivit_hf.processing.processing_vivit` silences them all (in a saved folder: its own)
logger = logging.getLogger(__name__.removesuffix("processor_options") + "processing_vivit")


def json_value(value):
    """`value` with numpy numbers as Python's, arrays and tensors as lists, a `torch.device` as its name and a
    torchvision `InterpolationMode` as the PIL code the constructor keeps for it (its name where it has none), inside
    lists and dicts too. (Set after building, `proc.resample = InterpolationMode.BICUBIC` passed the constructor's
    conversion: `save_pretrained` failed with "Object of type InterpolationMode is not JSON serializable", in a
    training run at the Trainer's first checkpoint.)"""
    if isinstance(value, (np.generic, np.ndarray, torch.Tensor)):
        return value.tolist()
    if isinstance(value, InterpolationMode):
        return int(PIL_CODES[value]) if value in PIL_CODES else value.value
    if isinstance(value, torch.device):
        return str(value)
    if isinstance(value, (list, tuple)):
        return type(value)(json_value(item) for item in value)
    if isinstance(value, dict):
        return {key: json_value(item) for key, item in value.items()}
    return value


def describe_size(size) -> str:
    """A SizeDict as the dict a user writes: {'shortest_edge': 20}."""
    fields = ("height", "width", "shortest_edge", "longest_edge", "max_height", "max_width")
    return str({name: getattr(size, name) for name in fields if getattr(size, name, None) is not None})


RUNTIME_STATE = ("num_skipped", "_rng", "_rng_key", "_built", "_first_row_said", "_pipeline_loaded", "_parent_rank")
# Keys transformers writes into (or wrote into, in earlier versions) a saved processor config beside the options:
# bookkeeping, never a misspelt option, so a config carrying them loads silently. `model_input_names` too: transformers'
# processors take a saved (or given) list as the instance's, used in place of the class's (the Trainer reads its first
# name) and saved again; it was warned "kept but not used" while it replaced the class's list all the same.
BOOKKEEPING_KEYS = frozenset(
    {
        "model_input_names",
        "video_processor_type",
        "image_processor_type",
        "feature_extractor_type",
        "processor_class",
        "_processor_class",
        "auto_map",
        "_valid_processor_keys",
        "_valid_kwargs_names",
    }
)


def check_model_input_names(value) -> list[str]:
    """`model_input_names` as the list of names it must be (a tuple is taken), or a ValueError naming the value:
    transformers' Trainer reads its first name, which a string or an empty list does not give."""
    if isinstance(value, tuple):
        value = list(value)
    if not (isinstance(value, list) and value and all(isinstance(name, str) for name in value)):
        raise ValueError(
            f"`model_input_names` must be a non-empty list of the names of the model inputs a call returns, e.g. "
            f"['pixel_values', 'attention_mask'], got {value!r}."
        )
    return value


# Training options a saved processor is loaded without, unless asked for by name: transformers' Trainer saves its
# `processing_class`, often the training processor, and transformers' own video-classification pipeline calls the
# processor as loaded. With `do_train_augment` every call drew another clip, crop and flip (a loaded transformers
# processor is deterministic); with `skip_broken` the pipeline's batch lost a broken video's slot to the next video's
# result (a lone broken one crashed in the model).
# Option -> (how it was saved, what inference does instead, what asking for it by name does).
LOADED_FOR_INFERENCE = {
    "do_train_augment": (
        "in training mode (do_train_augment=True)",
        "the test clip and centre crop",
        "train with its augmentation",
    ),
    "skip_broken": (
        "with skip_broken=True",
        "a broken video raises, naming it, instead of being dropped from the results",
        "skip broken videos",
    ),
}
NORMALIZATION_FIELDS = ("rescale_factor", "rescale_offset", "do_normalize", "image_mean", "image_std")
# Every option saying how views are rescaled and normalised: a preset's name, the switch and the preset's fields
NORMALIZATION_OPTIONS = ("normalization", "do_rescale", *NORMALIZATION_FIELDS)
# PIL's resampling codes (transformers' `resample`) -> torch's modes. PIL's NEAREST takes the source pixel under each
# output pixel's centre, as transformers' processors do: torch's "nearest-exact" ("nearest" is shifted half a pixel).
# BOX and HAMMING have no torch filter: refused (`interpolation_mode`), never replaced by another. LANCZOS is torch's
# where torchvision has it (0.27 on, on the CPU), as transformers' processors resize with it there.
_RESAMPLE_MODES = {
    PILImageResampling.NEAREST: InterpolationMode.NEAREST_EXACT,
    PILImageResampling.BILINEAR: InterpolationMode.BILINEAR,
    PILImageResampling.BICUBIC: InterpolationMode.BICUBIC,
}
# torchvision's modes transformers maps PIL's codes to -> those codes: transformers' own table, inverted
# (`InterpolationMode.NEAREST`, torch's shifted nearest, is none of them: refused, as it gives other pixels than PIL's
# NEAREST)
PIL_CODES = {mode: code for code, mode in pil_torch_interpolation_mapping.items()}
MODE_NAMES = {mode.value for mode in InterpolationMode}


def _transformers_class_name(saved: dict) -> str | None:
    """The transformers processor class a saved config names (`video_processor_type`, `image_processor_type`, or the
    `feature_extractor_type` of older configs, whose `...FeatureExtractor` transformers now loads as its
    `...ImageProcessor`), or None: ours, or no transformers class."""
    import transformers

    for key in ("video_processor_type", "image_processor_type", "feature_extractor_type"):
        name = saved.get(key)
        if isinstance(name, str):
            name = name.replace("FeatureExtractor", "ImageProcessor")
            return name if isinstance(getattr(transformers, name, None), type) else None
    return None


def transformers_rescale_offset(saved: dict) -> bool | None:
    """`rescale_offset` for a saved config that one of transformers' processors wrote (`_transformers_class_name`),
    which has no such key: the default preset's (scenic's offset) would subtract 1 after a rescale that subtracts
    nothing, e.g. a VideoMAE config's [-1, 1] pixels read as [-3, -1]. transformers' ViViT processors subtract it
    (the image processor as its `offset` key says, the video processor always); the others never. None for a config
    that says (ours) or names no transformers class."""
    if "rescale_offset" in saved:
        return None
    name = _transformers_class_name(saved)
    if name is None:
        return None
    return bool(saved.get("offset", name.startswith("Vivit")))


# What a transformers processor's config may leave to its class's defaults, and this processor has defaults of its
# own for (the scenic preset's): resize, crop, rescale and normalisation. Sampling is left to this processor.
_TRANSFORMERS_PIXEL_OPTIONS = (
    "do_resize",
    "size",
    "resample",
    "do_center_crop",
    "crop_size",
    "do_rescale",
    "rescale_factor",
    "do_normalize",
    "image_mean",
    "image_std",
)


def transformers_defaults(saved: dict) -> dict:
    """The defaults, for the options in `_TRANSFORMERS_PIXEL_OPTIONS`, of the transformers processor class that wrote
    `saved`: filled from this processor's instead, a VideoMAE config without `rescale_factor` (transformers' 1/255;
    the older ones written by `VideoMAEFeatureExtractor` have none) was rescaled by 1/127.5 and normalised with
    ImageNet's statistics, pixels up to 4.4 off."""
    import transformers

    name = _transformers_class_name(saved)
    try:
        defaults = getattr(transformers, name)().to_dict()
    except Exception as error:  # a class that cannot be built here (a missing backend): say so, keep ours
        logger.warning(
            "Could not read %s's defaults (%s); the options the config leaves out are this one's.", name, error
        )
        return {}
    chosen = {key: defaults[key] for key in _TRANSFORMERS_PIXEL_OPTIONS if defaults.get(key) is not None}
    # how that class reads an int `size` (never saved): ViT's `"size": 224`, as google/vit-base-patch16-224 saves it,
    # is a 224x224 square there, and was this one's shorter side of 224 (frames of 224x298 from 4:3 video, where the
    # ViT takes 224x224). Asked of the class built with an int size, not of its `default_to_square` attribute, which
    # VivitImageProcessor leaves True while reading an int as the shorter side.
    chosen["default_to_square"] = _reads_an_int_size_as_square(getattr(transformers, name))
    if "do_center_crop" not in defaults:
        # a class that never crops (ViT's image processor, as a ViTForImageClassification folder holds): its pixels
        # are the resized frames. This one's centre crop of 224 padded a 32x32 ViT's frames to 224x224 (98% zeros)
        # and cut a 384 ViT's to 224.
        chosen["do_center_crop"] = False
    return chosen


def _reads_an_int_size_as_square(processor_class) -> bool:
    """Whether `processor_class(size=n)` resizes to an n x n square (ViT) rather than to a shorter side of n."""
    try:
        size = processor_class(size=2).size
    except Exception:  # noqa: BLE001 - a class that takes no int size: its attribute, as its constructor reads it
        return bool(getattr(processor_class, "default_to_square", False))
    return (size.get("height") if isinstance(size, dict) else getattr(size, "height", None)) is not None


def is_cropped(opts: dict) -> bool:
    """Whether each view is cut to `crop_size` (a random crop in training, three crops, or the centre crop)."""
    return bool(opts["do_train_augment"] or opts["num_crops"] == 3 or opts["do_center_crop"])


def fixed_view_size(opts: dict) -> tuple[int, int] | None:
    """`(H, W)` of every view a call with options `opts` makes, or None where each video's frames decide it: the crops'
    size where it crops, else a resize's fixed height and width."""
    crop, size = opts["crop_size"], opts["size"]
    if is_cropped(opts):
        return (int(crop.height), int(crop.width))
    if opts["do_resize"] and not size.shortest_edge and size.height and size.width:
        return (int(size.height), int(size.width))
    return None


def options_affine(opts: dict, device=None) -> tuple[torch.Tensor, torch.Tensor]:
    """The call's rescale and normalisation as `apply_affine`'s per-channel `scale` and `bias`."""
    return affine_normalization(
        opts["do_rescale"],
        opts["rescale_factor"],
        opts["rescale_offset"],
        opts["do_normalize"],
        opts["image_mean"],
        opts["image_std"],
        device=device,
    )


def resized_size(height: int, width: int, size) -> tuple[int, int]:
    """`(H, W)` a `height` x `width` frame is resized to, by transformers' rule (`TorchvisionBackend.resize`):
    `shortest_edge` alone, the shorter side to it and the longer scaled and truncated; with `longest_edge`, the same
    unless the longer side would pass `longest_edge`, then the longer side to `longest_edge` and the shorter scaled
    (transformers' `get_size_with_aspect_ratio`, its rounding included); `max_height` and `max_width`, the largest
    size within both that keeps the aspect ratio, enlarging too (`get_image_size_for_max_height_width`); else `height`
    and `width` as given."""
    if size.shortest_edge and size.longest_edge:
        return tuple(int(v) for v in get_size_with_aspect_ratio((height, width), size.shortest_edge, size.longest_edge))
    if size.shortest_edge:
        return shortest_side_size(height, width, size.shortest_edge)
    if size.max_height and size.max_width:
        return tuple(
            int(v) for v in get_image_size_for_max_height_width((height, width), size.max_height, size.max_width)
        )
    return int(size.height), int(size.width)


def resized_frame(height: int, width: int, opts: dict) -> tuple[int, int]:
    """`(H, W)` a call with options `opts` resizes a `height` x `width` frame to (`resized_size` by its `size`), or
    the frame as it is without `do_resize`."""
    return resized_size(height, width, opts["size"]) if opts["do_resize"] else (int(height), int(width))


def check_size(size) -> None:
    """Refuse a size the resize cannot follow before any decoding (a `longest_edge` alone gave no size, and was
    refused only after decoding)."""
    if size is None:  # (it failed on `None.shortest_edge`, an AttributeError naming no option)
        raise ValueError(
            "do_resize=True needs size, got None: pass a size such as {'shortest_edge': 256}, or do_resize=False."
        )
    if size.shortest_edge or (size.height and size.width) or (size.max_height and size.max_width):
        return
    named = {k: v for k, v in dict(size).items() if v is not None}
    hint = " (longest_edge caps the longer side of a shortest_edge resize)" if size.longest_edge else ""
    raise ValueError(
        "size must give 'shortest_edge' (optionally with 'longest_edge'), 'max_height' and 'max_width', or 'height' "
        f"and 'width', got {named}{hint}."
    )


def check_crop_size(opts: dict) -> None:
    """Refuse views cut to no crop size (a `crop_size=None` failed on `None.height`, an AttributeError naming no
    option), as transformers refuses it."""
    if is_cropped(opts) and opts["crop_size"] is None:
        cut_by = "do_center_crop=True" if opts["do_center_crop"] else "num_crops=3 / do_train_augment=True"
        raise ValueError(
            f"{cut_by} cuts each view to crop_size, got None: pass a crop_size such as "
            "{'height': 224, 'width': 224}, or do_center_crop=False."
        )


def interpolation_mode(resample) -> InterpolationMode:
    """torch's mode for a PIL resampling code (`PILImageResampling` or its int) or a torchvision `InterpolationMode`
    (which transformers' processors also take), or an error naming the ones supported."""
    given = resample
    if isinstance(resample, str) and resample in MODE_NAMES:
        # torchvision's names ("bilinear", "nearest-exact"), which transformers' processors hand torchvision as they
        # are; "torch has no such filter" was said of "bilinear"
        resample = InterpolationMode(resample)
    if isinstance(resample, InterpolationMode):  # as PIL's code, so both spellings give the same pixels
        resample = PIL_CODES.get(resample, resample)
    try:
        mode = PILImageResampling(resample)
    except ValueError:
        mode = None
    lanczos = _torch_has_lanczos()
    if mode == PILImageResampling.LANCZOS and lanczos:
        return InterpolationMode.LANCZOS
    if mode not in _RESAMPLE_MODES:
        named = f"{mode.name} ({mode.value})" if mode is not None else repr(given)
        supported = ", ".join(f"{code.name} ({code.value})" for code in _RESAMPLE_MODES) + (
            ", LANCZOS (1)" if lanczos else ""
        )
        missing = (
            "this torchvision has no LANCZOS resize for tensors (0.27 and later have it)"
            if mode == PILImageResampling.LANCZOS
            else "it is torch's shifted nearest, not PIL's ('nearest-exact')"
            if resample == InterpolationMode.NEAREST
            # a string no mode is named by ('BILINEAR', 'Bicubic'): "torch has no such filter" was said of them, and
            # the names listed after it were the PIL codes' (BILINEAR), not strings this takes
            else "no filter is named so (torchvision's names, which this takes as transformers does, are lower case)"
            if isinstance(given, str)
            else "torch has no such filter"
        )
        names = ", ".join(repr(_RESAMPLE_MODES[code].value) for code in _RESAMPLE_MODES) + (
            ", 'lanczos'" if lanczos else ""
        )
        raise ValueError(
            f"resample={named} is not supported: {missing}, and another would give other pixels. "
            f"Use one of {supported} (or torchvision's InterpolationMode NEAREST_EXACT, BILINEAR, BICUBIC, or its "
            f"names {names})."
        )
    return _RESAMPLE_MODES[mode]


@functools.lru_cache(maxsize=1)
def _torch_has_lanczos() -> bool:
    """Whether torchvision resizes tensors with LANCZOS (0.27 and later, on the CPU). transformers' processors take
    PIL's LANCZOS there, so it is refused only where torch lacks it."""
    try:
        resize(torch.zeros(1, 1, 4, 4), 2, 2, InterpolationMode.LANCZOS)
    except (ValueError, RuntimeError, NotImplementedError):
        return False
    return True


def check_preset(preset) -> str:
    if preset not in NORMALIZATION_PRESETS:
        raise ValueError(f"normalization must be one of {sorted(NORMALIZATION_PRESETS)}, got {preset!r}.")
    return preset


# Options holding a few numbers, often given as an array (`np.array(IMAGENET_MEAN)`, a tensor of statistics)
_NUMBER_LISTS = ("image_mean", "image_std", "scale_jitter", "rand_augment")


def as_lists(options: dict) -> None:
    """Arrays and tensors given for `_NUMBER_LISTS` as lists, in place: `scale_jitter=np.array([0.9, 1.2])` failed
    with numpy's "truth value of an array ... is ambiguous", and a tensor `image_mean` with "Object of type Tensor is
    not JSON serializable" at `save_pretrained`, after training."""
    for name in _NUMBER_LISTS:
        if isinstance(options.get(name), (np.ndarray, torch.Tensor)):
            options[name] = options[name].tolist()


_SIZES = ("size", "crop_size")


def whole_pixel_sizes(options: dict) -> None:
    """`size` / `crop_size` in pixels as Python ints, in place: numpy integers (read from an array or a table:
    `crop_size=np.int64(224)`) and whole floats (224.0, as a JSON written by another tool may hold) become ints.
    transformers' size rules test `isinstance(size, int)`: a numpy integer failed with its bare "Could not convert
    size input to size dict: 224", and numpy values in a dict were kept, to fail at `save_pretrained` ("Object of
    type int64 is not JSON serializable"). A lone number that is not whole (224.5) is refused here, naming the option;
    one inside a dict or a pair is refused where the size is used (`_check_option_values`), as other bad sides are."""
    for name in _SIZES:
        value = options.get(name)
        if isinstance(value, SizeDict):
            options[name] = SizeDict(**{side: _whole(v) for side, v in value})
        elif isinstance(value, Mapping):
            options[name] = {side: _whole(v) for side, v in value.items()}
        elif isinstance(value, (list, tuple)):
            options[name] = type(value)(_whole(v) for v in value)
        elif value is not None:
            options[name] = _whole(value)
            if not isinstance(options[name], int):
                raise ValueError(
                    f"{name} must be a whole number of pixels (or a dict of sides such as {{'height': 224, 'width': "
                    f"224}}), got {value!r} (a {type(value).__name__})."
                )


def _whole(value):
    """`value` as an int when it is a whole number (a numpy integer, 224.0), else as given (bools too)."""
    if isinstance(value, (bool, np.bool_)):
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return int(value)
    return value


def refuse_unsupported(options: dict) -> None:
    """transformers' options this processor cannot honour, refused by name (accepted, they changed nothing)."""
    if options.get("do_pad"):
        raise ValueError(
            "do_pad is not supported: every view is brought to one height and width by the resize and crop. For "
            "videos of different frame counts pass pad_to_longest=True (frames padded, with an attention_mask)."
        )


def unapplied_statistics(statistics: dict, preset: str) -> str:
    """VideoMAE's and ViT's processors normalise by default, so their users pass only the statistics (to the
    constructor, `from_pretrained` or a call): here the default preset has normalisation off, and the statistics
    would change no pixel."""
    given = " and ".join(f"{name}={value!r}" for name, value in statistics.items())
    return (
        f"ViViTVideoProcessor got {given} without `do_normalize`, which the {preset!r} preset leaves off: they are "
        "not applied. Pass `do_normalize=True` to apply them after the rescale (x / 127.5 - 1 here), or "
        "`normalization='imagenet'` for (x / 255 - mean) / std."
    )


def offset_range_warning(given: dict, get) -> str | None:
    """The warning for a `rescale_factor` given without `rescale_offset` that the preset's offset (subtract 1, made
    for 1/127.5's [-1, 1]) moves off any pixel range, or None. A VideoMAE or ViT user's `rescale_factor=1/255` (their
    processors' [0, 1]) gives [-1, 0]: transformers' ViViT image processor does the same with its
    `offset`, so the pixels stay the preset's, but it is said. `given`: the options as given; `get(name)`: as
    resolved."""
    if given.get("rescale_factor") is None or given.get("rescale_offset") is not None:
        return None
    if not (get("do_rescale") and get("rescale_offset")):
        return None
    top = 255 * float(get("rescale_factor"))
    if abs(top - 2) < 1e-3:
        return None
    return (
        f"ViViTVideoProcessor got rescale_factor={given['rescale_factor']!r} without rescale_offset, and the "
        f"{get('normalization')!r} preset's rescale_offset=True subtracts 1 after it (for 1/127.5's [-1, 1]): pixels "
        f"land in [-1, {top - 1:.4g}]. Pass rescale_offset=False for [0, {top:.4g}], as VideoMAE's and ViT's "
        "processors rescale, or rescale_offset=True to keep the offset."
    )


# the options only training views read (`transform_clip`, `_augment`)
TRAINING_ONLY = ("scale_jitter", "do_flip", "do_color_jitter", "rand_augment")


def unapplied_augmentation(given: dict, get) -> str | None:
    """The warning for a call that asks for an augmentation (`proc(video, do_color_jitter=True)`) with training off,
    or None. `do_train_augment` enables these options (docs/processor.md), so a processor holding them is evaluated
    without them, as meant; a call's own ones change nothing. They are not taken to turn training
    on: that would also draw the clip start and crop, and a call's option would mean what the processor's does not.
    `given`: the call's options as given; `get(name)`: as resolved."""
    if get("do_train_augment"):
        return None
    # on: a switch true, a list (an array too: `in (None, False)` fails on it); off: None, False or 0
    asked = [
        f"{name}={value!r}"
        for name, value in ((name, given.get(name)) for name in TRAINING_ONLY)
        if value is not None and (bool(value) if isinstance(value, (bool, int, np.bool_, np.integer)) else True)
    ]
    if not asked:
        return None
    it = "it" if len(asked) == 1 else "them"
    return (
        f"ViViTVideoProcessor got {', '.join(asked)} in a call with do_train_augment={get('do_train_augment')!r}: "
        f"{'it applies' if len(asked) == 1 else 'they apply'} to training views only, so this call's views are "
        f"not augmented. Pass do_train_augment=True with {it} for training views (which also draws the clip start "
        f"and a random crop), or leave {it} out."
    )


def unsampled_count(given: dict, get) -> str | None:
    """The warning for a call's `num_frames` or `fps` under the processor's own `do_sample_frames=False` (what a config
    transformers' video processors wrote saves), or None: every frame is kept, `proc("a.mp4", fps=5)`
    giving all 20 frames of a 25 fps file's 0.8 s, where the call's `num_clips=2` is refused. A call that turns
    sampling off itself asked for every frame, and is silent (transformers' tests pass both). Transformers' video
    processors keep the frames there too, so they are kept, and said."""
    if given.get("do_sample_frames") is not None or get("do_sample_frames") is not False:
        return None
    asked = [f"{name}={given[name]!r}" for name in ("num_frames", "fps") if given.get(name) is not None]
    if not asked:
        return None
    return (
        f"ViViTVideoProcessor got {asked[0]} in a call, but this processor's do_sample_frames is False (as configs "
        "of transformers' video processors save it), so no frame is sampled: every frame of each video is kept, as "
        f"in transformers' video processors. Pass do_sample_frames=True with {asked[0]} to sample, or set the "
        "processor's do_sample_frames to None (files sampled, frames given in memory kept as given)."
    )


def check_normalization(get) -> None:
    """`image_mean`, `image_std` and `rescale_factor` that would make NaN or infinite pixels, or the wrong ones, are
    refused by name, with the value given, whether or not `do_normalize` uses them now, so that a processor built or
    saved with them does not fail (or go NaN) at the first call that turns normalisation on: a NaN or infinite mean,
    a NaN or tiny std, a NaN rescale factor, and a mean or std of None under `do_normalize=True` would give NaN or
    infinite `pixel_values`, and a negative std turns the pixels upside down. transformers takes one number
    for every channel or one per channel, as this does."""

    def numbers(value) -> list[float] | None:
        """`value`'s numbers (one, or a flat list or tuple of them), or None when it holds something else."""
        items = value if isinstance(value, (list, tuple)) else [value]
        if not all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) for v in items):
            return None
        return [float(v) for v in items]

    for name in ("image_mean", "image_std"):
        value = get(name)
        if value is None:
            if get("do_normalize"):
                raise ValueError(f"do_normalize=True needs {name}, got None (one number, or one per channel).")
            continue
        values = numbers(value)
        if values is None or len(values) not in (1, 3):
            raise ValueError(f"{name} must be one number or one per channel (3), got {value!r}.")
        if not all(np.isfinite(values)):
            raise ValueError(f"{name} must be finite numbers, got {value!r}: NaN or infinity makes every pixel NaN.")
        if name == "image_std" and min(values) == 0:
            raise ValueError(f"image_std divides the pixels: it must not be 0, got {value!r}.")
        if name == "image_std" and min(values) < 0:
            raise ValueError(
                f"image_std must be positive (a standard deviation; a negative one turns the pixels upside down), "
                f"got {value!r}."
            )
    factor = get("rescale_factor")
    if factor is not None and not (numbers(factor) is not None and np.isfinite(float(factor))):
        raise ValueError(f"rescale_factor must be a finite number (1/255, 1/127.5, ...), got {factor!r}.")
    if get("do_rescale") and factor is None:
        raise ValueError("do_rescale=True needs rescale_factor, got None (1/255 for [0, 1], 1/127.5 for [-1, 1]).")
    # each valid alone, the folded `x * scale + bias` may still overflow float32 (a std of 1e-300)
    scale, bias = affine_normalization(
        bool(get("do_rescale")),
        factor if factor is not None else 1.0,
        bool(get("rescale_offset")),
        bool(get("do_normalize")),
        get("image_mean"),
        get("image_std"),
    )
    if not (bool(torch.isfinite(scale).all()) and bool(torch.isfinite(bias).all())):
        raise ValueError(
            f"rescale_factor={factor!r}, image_mean={get('image_mean')!r} and image_std={get('image_std')!r} scale "
            "the pixels past float32's range (infinite pixel_values): image_std is far too small."
        )


def check_switch(name: str, value) -> None:
    """An on/off option is True, False or None (the default); 0 and 1 read as they are meant too. Any other value
    (the string "false" above all, which is true) is refused, naming the option and the value."""
    if value is None or isinstance(value, (bool, np.bool_)):
        return
    if isinstance(value, (int, np.integer)) and value in (0, 1):
        return
    raise ValueError(f"{name} must be True or False, got {value!r} (a {type(value).__name__}).")


def check_seed(seed, what: str) -> None:
    """A seed is None or a whole number >= 0 (what numpy's generators take), refused here rather than deep in numpy
    at the first random draw."""
    whole = isinstance(seed, (int, np.integer)) and not isinstance(seed, bool)
    if seed is not None and not (whole and seed >= 0):
        raise ValueError(f"{what} must be a whole number >= 0 or None, got {seed!r}.")


def saved_config_name(folder) -> str:
    """The file of a saved model folder that transformers reads the video processor's options from (the first of
    these that holds them), or "video processor config" when none is there (a Hub id)."""
    nested = os.path.join(str(folder), "processor_config.json")
    names = ["video_preprocessor_config.json", "preprocessor_config.json"]
    if os.path.isfile(nested):
        with open(nested, encoding="utf-8", errors="replace") as file:
            if '"video_processor"' in file.read():
                names.insert(0, "processor_config.json")
    return next((name for name in names if os.path.isfile(os.path.join(str(folder), name))), "video processor config")


def describe_unknown(unknown, valid, hints: dict[str, str] | None = None, kind: str = "options") -> str:
    """`unknown options ['num_frame' (did you mean 'num_frames'?)]; valid ones: [...]`, for an error or a warning;
    `hints` replaces the spelling guess for the names it holds; `kind` names what they are."""
    valid = sorted(valid)
    named = []
    for name in sorted(unknown):
        close = difflib.get_close_matches(name, valid, n=1)
        hint = (hints or {}).get(name) or (f"did you mean {close[0]!r}?" if close else None)
        named.append(f"{name!r} ({hint})" if hint else repr(name))
    return f"unknown {kind} [{', '.join(named)}]; valid ones: {valid}"


def clip_size_refusal(
    view, config, model: str, cropped: bool = True, tense: str = "makes", flag: str = "--model"
) -> str | None:
    """Why the model cannot take the views its processor makes, `(..., height, width)`, or None: views of another
    size than its `config.image_size` (the model's error came after the first batch or video, a traceback telling the
    user to pass `interpolate_pos_encoding=True`, which no flag of evaluate.py or predict.py passes). `cropped`:
    whether they are the processor's crops (else its resized frames, do_center_crop false); `tense`: "made" where a
    video's views were made (predict.py's, at the first that does not fit); `flag`: the one that named the folder
    the processor came from (finetune.py's `--init_from`). Here beside `saved_config_name`, not in the training
    modules: predict.py runs without accelerate, which they import."""
    size = tuple(getattr(config, "image_size_hw", ()))
    if len(size) != 2 or tuple(view[-2:]) == size:
        return None
    made = f"{view[-2]}x{view[-1]} pixels but the model takes {size[0]}x{size[1]} (its config's image_size)"
    file = saved_config_name(model)
    if not cropped:
        return (
            f"{flag} {model}: its video processor crops nothing (do_center_crop false) and {tense} views of {made}; "
            f"set do_center_crop true and crop_size {size[0]}x{size[1]} in its {file}"
        )
    return f"{flag} {model}: its video processor {tense} crops of {made}; correct crop_size in its {file}"


def label_numbers_refusal(config, model=None) -> str | None:
    """Why `config.id2label` cannot name the classifier's outputs, or None: it numbers a class past them
    (`{0: "down", 2: "up"}` for 2, a hand-edited config with a gap; transformers takes the names' count for
    `num_labels`): the pipeline would score output 1 as `LABEL_1` and never name "up", and evaluate.py end in
    `KeyError: 1`. Here beside `clip_size_refusal`, for the pipeline and the recipes alike.

    `model`, where one is at hand: its classifier's own count of outputs (its `out_features`), not `num_labels`,
    which is only the names' count: names set on a loaded model (`model.config.id2label = ...`, one more or one
    fewer than its 3 outputs) numbered them all and passed, a class never scored or an output named `LABEL_2`."""
    count = getattr(getattr(model, "classifier", None), "out_features", None)
    count = count if isinstance(count, int) else getattr(config, "num_labels", None)
    try:
        numbers = sorted(int(key) for key in (getattr(config, "id2label", None) or {}))
    except (TypeError, ValueError):  # not numbered: transformers' own error, where it reads them
        return None
    beyond = [number for number in numbers if not 0 <= number < (count or 0)]
    unnamed = sorted(set(range(count or 0)) - set(numbers)) if numbers else []
    if not beyond and not unnamed:
        return None
    said = f"numbers classes {beyond}" if beyond else f"names {len(numbers)} classes"
    if unnamed:
        fault = f"output{'s' if len(unnamed) != 1 else ''} {unnamed} would be scored with no name (LABEL_{unnamed[0]})"
    else:
        fault = f"class{'es' if len(beyond) != 1 else ''} {beyond} would never be scored"
    return (
        f"The model's config.id2label {said} but its classifier has {count} outputs, 0 .. {count - 1}: {fault}. "
        f"Number id2label 0 .. {count - 1} in its config.json."
    )
