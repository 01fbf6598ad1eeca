# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""`ViViTVideoProcessor`: decode only the sampled frames, transform each clip, stack the views.

A call takes one video or a list of them: paths, URLs, bytes, file objects, PyAV containers,
torchcodec decoders (what a decoded `datasets.Video` column holds), `datasets.Video(decode=False)`
dicts `{"path", "bytes"}`, numpy arrays or torch tensors (`THWC` or `TCHW`, uint8 or float),
and lists of PIL images. It returns `pixel_values` of shape
`(videos * num_clips * num_crops, num_frames, 3, H, W)` float32, views of one video adjacent
(clip-major, then crop).

Defaults are the paper's test setting for Kinetics: 32 frames at stride 2, shorter side 256,
centre crop 224, pixels zero-centred to [-1, 1] as scenic does. Training augmentation is off
unless `do_train_augment=True` (random clip start, scale jitter + random crop, flip, and the
opt-in colour jitter and RandAugment).

This module holds the processor, its options (`ViViTVideoProcessorKwargs`) and the helpers it shares with the
pipeline (`_FrameSource`, `_describe_unknown`, ...). It imports only numpy, torch, torchvision, PyAV, transformers and
its sibling modules `video_io`, `sampling`, `video_transforms` and `errors`, so it travels with `trust_remote_code`
(a saved folder carries it and what it imports relatively). The multi-view pipeline,
`ViViTVideoClassificationPipeline`, lives in `pipeline.py`: it imports this module, never the reverse, and is not
part of a saved folder.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import json
import logging
import numbers
import os
import typing
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torchvision.transforms import InterpolationMode
from transformers import BatchFeature
from transformers.image_transforms import get_size_with_aspect_ratio
from transformers.image_utils import (
    PILImageResampling,
    SizeDict,
    get_image_size_for_max_height_width,
    pil_torch_interpolation_mapping,
)
from transformers.processing_utils import VideosKwargs
from transformers.video_processing_utils import BaseVideoProcessor
from transformers.video_utils import VideoMetadata

from .errors import BrokenVideoError
from .sampling import (
    SAMPLING_MODES,
    check_short_video,
    fps_indices,
    sample_clips,
)
from .video_io import VideoReader, describe_source, evenly_spaced, open_video, source_name
from .video_sources import resolve_source
from .video_transforms import (
    NORMALIZATION_PRESETS,
    RESIZED_BYTES,
    affine_normalization,
    apply_affine,
    center_crop,
    color_jitter,
    horizontal_flip,
    rand_augment,
    random_crop,
    resize,
    resized_views,
    scale_jitter,
    shortest_side_size,
    three_crops,
)

logger = logging.getLogger(__name__)
# (frame height, width, crop height, width) already warned of in this process: once each, not once per clip
_PADDED: set[tuple[int, int, int, int]] = set()
# the unapplied statistics a call was given, already warned of in this process (`_unapplied_statistics`)
_UNAPPLIED_WARNED: set[str] = set()


def _warn_when_padded(height: int, width: int, crop, size) -> None:
    """A frame smaller than the crop is zero-padded up to it, as scenic's and TF's `resize_with_crop_or_pad` and
    transformers' centre crop do. Meant for the odd tiny video; from a `size` below `crop_size` it is every view, and
    nothing else shows it (a 224 crop of frames resized to 20 is 99% black)."""
    key = (int(height), int(width), crop.height, crop.width)
    if (height >= crop.height and width >= crop.width) or key in _PADDED:
        return
    _PADDED.add(key)
    padding = 1 - min(height, crop.height) * min(width, crop.width) / (crop.height * crop.width)
    resized = "" if size is None else f" (resized with size={_describe_size(size)})"
    logger.warning(
        "ViViTVideoProcessor zero-pads frames of %dx%d%s up to crop_size %dx%d: %.0f%% of each view is padding. "
        "Give a size of at least the crop (or a smaller crop_size) unless that is meant.",
        height,
        width,
        resized,
        crop.height,
        crop.width,
        100 * padding,
    )


def _json_value(value):
    """`value` with numpy numbers as Python's, arrays and tensors as lists and a `torch.device` as its name, inside
    lists and dicts too."""
    if isinstance(value, (np.generic, np.ndarray, torch.Tensor)):
        return value.tolist()
    if isinstance(value, torch.device):
        return str(value)
    if isinstance(value, (list, tuple)):
        return type(value)(_json_value(item) for item in value)
    if isinstance(value, dict):
        return {key: _json_value(item) for key, item in value.items()}
    return value


def _describe_size(size) -> str:
    """A SizeDict as the dict a user writes: {'shortest_edge': 20}."""
    fields = ("height", "width", "shortest_edge", "longest_edge", "max_height", "max_width")
    return str({name: getattr(size, name) for name in fields if getattr(size, name, None) is not None})


__all__ = [
    "BrokenVideoError",
    "ViViTVideoMetadata",
    "ViViTVideoProcessor",
    "ViViTVideoProcessorKwargs",
    "ViViTVideosKwargs",
]


@dataclasses.dataclass
class ViViTVideoMetadata(VideoMetadata):
    """What `return_metadata=True` gives for each video: transformers' `VideoMetadata` (read by attribute or by key,
    `meta.fps` or `meta["fps"]`; its `timestamps` and `sampled_fps` work), with transformers' meaning for each of its
    fields, plus two of this processor's.

    frames_indices: every frame the video's views use, flat, as transformers' (one clip: that clip's frames; several
        clips: theirs one after the other, in the order their views come in `pixel_values`).
    name: a file's path as given; for other inputs, how error messages name them.
    clip_frames_indices: one list of frame indices per clip (`num_clips`), in view order.
    frame_times: for a file whose frames are not evenly spaced (variable frame rate), each of `frames_indices`'
        presentation time in seconds from the first frame; None otherwise. `timestamps` gives them then.
    """

    name: str | None = None
    clip_frames_indices: list[list[int]] | None = None
    frame_times: list[float] | None = None

    @property
    def timestamps(self) -> list[float]:
        """Seconds from the first frame of each of `frames_indices`: transformers' `index / fps`, or where a file's
        frames are not evenly spaced, their own presentation times (`index / fps` at the average rate put a frame of
        a phone video after a pause seconds away from when it plays)."""
        if self.frame_times is not None:
            return list(self.frame_times)
        return super().timestamps


class ViViTVideoProcessorKwargs(VideosKwargs, total=False):
    """The processor's own options, on top of transformers' `VideosKwargs` (transformers looks a processor's options
    up as `<ProcessorClass>Kwargs` in its module; `ViViTVideosKwargs` is the same class under its old name).

    normalization: `"scenic"` ([-1, 1]), `"imagenet"` or `"transformers_vivit"` ([-3, 1]); sets
        the rescale/normalise fields below unless they are given explicitly.
    rescale_offset: subtract 1 after rescaling (scenic's zero-centring with `rescale_factor=1/127.5`).
    sampling_mode: `"stride"` (clips of `num_frames` at `frame_stride`) or `"uniform"` (scenic's
        uniform rule over the whole video).
    frame_stride: temporal stride between kept frames (Kinetics 2, SSv2 / Epic Kitchens 1).
    num_clips: temporal views per video (evenly spaced at test, independent random draws in training).
    num_crops: spatial views per clip: 1 (centre) or 3 (start, centre, end along the longer side).
    short_video: `"loop"`, `"pad"`, `"error"` or None (loop, but refuse a one-frame video).
    seed: in a call, seeds that call's random draws alone (clip starts, crops, flips, colour, RandAugment): the
        same call with the same seed draws the same. Given to the processor (and saved with it), it seeds the
        processor's own stream once, so successive calls differ and the sequence repeats run after run (in a
        DataLoader worker mixed with the worker's torch seed; see `_stream_entropy`).
    do_train_augment: random clip start, scale jitter and random crop, plus the flags below.
    scale_jitter: `[min, max]` range of the height's and the width's resize factors, drawn independently, after the
        shorter-side resize (scenic 0.9-1.33), or False for none (None means "the processor's setting", as for
        every option).
    do_flip: random horizontal flip in training (turn off for Something-Something v2).
    do_color_jitter: scenic's colour augmentation in training (DMVR's `color_default_augm`: brightness, saturation,
        contrast and hue jitter with `color_jitter_prob`, then a colour drop with probability 0.1).
    rand_augment: `[num_ops, magnitude]` (torchvision's 0-30 magnitude scale) or None.
    decode_backend: `"auto"` (PyAV for files and bytes, torchcodec for torchcodec decoders), `"pyav"` or
        `"torchcodec"` (files through torchcodec, which needs the system FFmpeg libraries; AVI, ASF, MPEG-TS/PS
        and raw streams still go through PyAV, since torchcodec indexes them by timestamps those formats lack).
    resize_in_decoder: resize decoded files to `size` while converting them to RGB (libswscale, one
        pass over the kept frames only: faster, within a few grey levels of converting first and
        resizing in torch). None (default) means on, except with `normalization="transformers_vivit"`,
        which keeps transformers' exact path (convert, then resize in torch) to match its output.
    skip_broken: drop videos that fail to decode (or hold NaN / infinite values) instead of raising; the
        output then has `kept_indices` and the processor counts drops in `num_skipped`. When every video
        of a call is dropped, `pixel_values` is an empty batch of the clip's shape, `(0, num_frames, 3,
        crop_height, crop_width)`, so a loop can skip it by its length (an error when the options fix no
        shape: `do_sample_frames=False`, or no crop).
    float_max: the value of white in float videos (arrays / tensors): `1.0` for pixels on [0, 1], `255.0`
        for [0, 255] (as uint8, and as transformers reads floats), or any other positive scale. None (default):
        a float video with a value above 1 is read on [0, 255]; one whose values all lie within [0, 1] is
        refused (it may be [0, 1] pixels or a very dark [0, 255] video: the values cannot tell), unless it is
        all zeros. Integer videos go by dtype: uint16 on [0, 65535], other integers on [0, 255].
    pad_to_longest: pad the views of different frame counts (frames kept as given, `do_sample_frames=False`)
        at the end to the longest, and return `attention_mask` (views, frames), 1 for a real frame: the models
        skip the padding, so each clip's output is its unpadded forward's.
    """

    normalization: str | None
    rescale_offset: bool | None
    sampling_mode: str | None
    frame_stride: int | None
    num_clips: int | None
    num_crops: int | None
    short_video: str | None
    seed: int | None
    do_train_augment: bool | None
    scale_jitter: list[float] | tuple[float, float] | bool | None
    do_flip: bool | None
    do_color_jitter: bool | None
    color_jitter_prob: float | None
    rand_augment: list[int] | tuple[int, int] | None
    decode_backend: str | None
    resize_in_decoder: bool | None
    skip_broken: bool | None
    float_max: float | None
    pad_to_longest: bool | None


ViViTVideosKwargs = ViViTVideoProcessorKwargs  # the name before 0.2, kept for imports

# The on/off options (ours and transformers'), read by truth value: a string is always true, so "false" in a
# hand-written preprocessor config or a call (`do_center_crop="false"`) turned the step on without a word
_SWITCHES = tuple(
    name for name, hint in typing.get_type_hints(ViViTVideoProcessorKwargs).items() if hint == (bool | None)
)

_RUNTIME_STATE = ("num_skipped", "_rng", "_rng_key", "_built")
# Keys transformers writes into (or wrote into, in earlier versions) a saved processor config beside the options:
# bookkeeping, never a misspelt option, so a config carrying them loads silently.
_BOOKKEEPING_KEYS = frozenset(
    {
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
# Training options a saved processor is loaded without, unless asked for by name: transformers' Trainer saves its
# `processing_class`, often the training processor, and transformers' own video-classification pipeline calls the
# processor as loaded. With `do_train_augment` every call drew another clip, crop and flip (a loaded transformers
# processor is deterministic); with `skip_broken` the pipeline's batch lost a broken video's slot to the next video's
# result (a lone broken one crashed in the model).
# Option -> (how it was saved, what inference does instead, what asking for it by name does).
_LOADED_FOR_INFERENCE = {
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
_NORMALIZATION_FIELDS = ("rescale_factor", "rescale_offset", "do_normalize", "image_mean", "image_std")
# Every option saying how views are rescaled and normalised: a preset's name, the switch and the preset's fields
NORMALIZATION_OPTIONS = ("normalization", "do_rescale", *_NORMALIZATION_FIELDS)
# PIL's resampling codes (transformers' `resample`) -> torch's modes. PIL's NEAREST takes the source pixel under each
# output pixel's centre, as transformers' processors do: torch's "nearest-exact" ("nearest" is shifted half a pixel).
# BOX and HAMMING have no torch filter: refused (`_interpolation_mode`), never replaced by another. LANCZOS is torch's
# where torchvision has it (0.27 on, on the CPU), as transformers' processors resize with it there.
_RESAMPLE_MODES = {
    PILImageResampling.NEAREST: InterpolationMode.NEAREST_EXACT,
    PILImageResampling.BILINEAR: InterpolationMode.BILINEAR,
    PILImageResampling.BICUBIC: InterpolationMode.BICUBIC,
}
# torchvision's modes transformers maps PIL's codes to -> those codes: transformers' own table, inverted
# (`InterpolationMode.NEAREST`, torch's shifted nearest, is none of them: refused, as it gives other pixels than PIL's
# NEAREST)
_PIL_CODES = {mode: code for code, mode in pil_torch_interpolation_mapping.items()}


class ViViTVideoProcessor(BaseVideoProcessor):
    r"""Video processor for the four ViViT models (see `ViViTVideoProcessorKwargs` for its own options).

    Example:
        ```python
        proc = ViViTVideoProcessor()                                  # 32 frames, stride 2, 224, [-1, 1]
        batch = proc(["a.mp4", "b.webm"], return_tensors="pt")        # pixel_values (2, 32, 3, 224, 224)
        views = proc("a.mp4", num_clips=4, num_crops=3, return_tensors="pt")  # (12, 32, 3, 224, 224)
        train = proc(videos, do_train_augment=True, do_color_jitter=True, seed=0)
        ```
    """

    valid_kwargs = ViViTVideoProcessorKwargs
    model_input_names = ["pixel_values"]

    resample = PILImageResampling.BILINEAR
    size = {"shortest_edge": 256}
    default_to_square = False
    crop_size = {"height": 224, "width": 224}
    do_resize = True
    do_center_crop = True
    do_rescale = True
    do_convert_rgb = True
    do_sample_frames = None  # by input kind: files are sampled, frames given in memory are kept (docs/processor.md)
    num_frames = 32
    fps = None
    normalization = "scenic"
    rescale_factor = NORMALIZATION_PRESETS["scenic"]["rescale_factor"]
    rescale_offset = True
    do_normalize = False
    image_mean = [0.5, 0.5, 0.5]
    image_std = [0.5, 0.5, 0.5]
    sampling_mode = "stride"
    frame_stride = 2
    num_clips = 1
    num_crops = 1
    short_video = None
    seed = None
    do_train_augment = False
    scale_jitter = [0.9, 1.33]
    do_flip = True
    do_color_jitter = False
    color_jitter_prob = 0.8
    rand_augment = None
    decode_backend = "auto"
    resize_in_decoder = None
    skip_broken = False
    float_max = None

    def __init__(self, **kwargs):
        # An unknown option would otherwise become an attribute that nothing reads (and be saved with the config),
        # so a typo such as `num_frame=8` silently gave the default 32 frames. Loading goes through `from_dict`,
        # which warns instead and leaves only known keys for here.
        unknown = set(kwargs) - set(self.valid_kwargs.__annotations__) - _BOOKKEEPING_KEYS
        if unknown:
            raise ValueError(
                f"ViViTVideoProcessor got {_describe_unknown(unknown, self.valid_kwargs.__annotations__)}."
            )
        preset = _check_preset(kwargs.get("normalization") or type(self).normalization)
        statistics = sorted(kwargs.keys() & {"image_mean", "image_std"}) if "do_normalize" not in kwargs else []
        for field, value in NORMALIZATION_PRESETS[preset].items():
            kwargs.setdefault(field, value)  # an explicit value (e.g. from a saved config) wins over the preset
        kwargs["normalization"] = preset
        if statistics and not kwargs["do_normalize"]:
            logger.warning(_unapplied_statistics({name: kwargs[name] for name in statistics}, preset))
        _check_seed(kwargs.get("seed"), "ViViTVideoProcessor(seed=...)")
        if isinstance(kwargs.get("resample"), InterpolationMode) and kwargs["resample"] in _PIL_CODES:
            kwargs["resample"] = _PIL_CODES[kwargs["resample"]]  # kept as PIL's code, which a saved config can hold
        _refuse_unsupported(kwargs)
        _as_lists(kwargs)
        _whole_pixel_sizes(kwargs)
        # before transformers turns lists into tuples: the error shows the value as given
        _check_normalization(lambda name: kwargs.get(name, getattr(type(self), name, None)))
        super().__init__(**kwargs)
        # What a call refuses is refused here too: built (and saved) with such a value, a processor failed at every
        # call, and `InterpolationMode.NEAREST` could not even be printed or saved (not JSON).
        if self.resample is not None:
            _interpolation_mode(self.resample)
        if self.do_resize and self.size is not None:
            _check_size(self.size)
        _check_data_format(getattr(self, "input_data_format", None))
        _check_option_values(lambda name: getattr(self, name, None))
        self.num_skipped = 0
        self._rng = None
        self._rng_key = None
        self._built = True

    def __setattr__(self, name: str, value: Any) -> None:
        # `proc.normalization = "imagenet"` on a built processor (also how transformers applies
        # `from_pretrained(..., normalization=...)`) sets the preset's fields too: the name alone would change no pixel
        # while the saved config and the model card said otherwise. While building, explicit fields win (__init__).
        super().__setattr__(name, value)
        if name == "normalization" and self.__dict__.get("_built") and value is not None:
            for field, preset_value in NORMALIZATION_PRESETS[_check_preset(value)].items():
                super().__setattr__(field, preset_value)

    @classmethod
    def from_dict(cls, video_processor_dict: dict[str, Any], **kwargs):
        """As transformers' `from_dict`, but a saved key that is no option warns (naming the closest option) instead
        of failing: a config written by another version may carry options this one lacks, and must still load. The
        key is kept on the instance, as transformers keeps it, so saving again loses nothing."""
        saved = dict(video_processor_dict)
        offset = _transformers_rescale_offset(saved)
        if offset is not None:  # a config one of transformers' processors wrote: its own offset, not the preset's,
            saved.pop("offset", None)
            saved["rescale_offset"] = offset
            # and its pixels from files: full frames converted, then resized in torch (not while decoding)
            saved.setdefault("resize_in_decoder", False)
            # and what it leaves out is that class's default, not this one's
            for key, value in _transformers_defaults(saved).items():
                saved.setdefault(key, value)
        valid = cls.valid_kwargs.__annotations__
        unknown = {key: saved.pop(key) for key in list(saved) if key not in valid and key not in _BOOKKEEPING_KEYS}
        if unknown:
            logger.warning(
                "The saved ViViTVideoProcessor config has %s; it is kept but not used (a config from another "
                "version of vivit_hf, or a misspelt option).",
                _describe_unknown(unknown, valid),
            )
        # transformers drops a loading option it does not know (`from_pretrained(path, num_frame=8)`) unless the caller
        # asked for the unused ones back (one naming an attribute it sets, for backward compatibility). It also passes
        # its own loading options here (the pipeline: `dtype`, `code_revision`), so only a near-miss of an option name
        # is taken for a misspelt one.
        ignored = [k for k in kwargs if k not in valid and not hasattr(cls, k) and k != "return_unused_kwargs"]
        ignored = [k for k in ignored if difflib.get_close_matches(k, valid, n=1, cutoff=0.8)]
        if ignored and not kwargs.get("return_unused_kwargs"):
            logger.warning("ViViTVideoProcessor ignored the loading %s.", _describe_unknown(ignored, valid))
        # statistics given at load over a saved config whose normalisation is off (a preset given at load: the
        # constructor says so)
        statistics = {n: kwargs[n] for n in ("image_mean", "image_std") if kwargs.get(n) is not None}
        if "do_normalize" in kwargs or kwargs.get("normalization") is not None:
            statistics = {}
        if kwargs.get("normalization") is not None:
            # A loading preset replaces the saved one with its fields, except those given beside it; applied after
            # building (as transformers sets loading keywords), it would depend on the keywords' order.
            saved = {k: v for k, v in saved.items() if k not in _NORMALIZATION_FIELDS}
            saved["normalization"] = kwargs.pop("normalization")
        for option, (how, instead, use) in _LOADED_FOR_INFERENCE.items():
            if saved.get(option) and option not in kwargs:
                saved[option] = False
                logger.warning(
                    f"This ViViTVideoProcessor was saved {how}; it is loaded for inference ({instead}). To {use} "
                    f"again pass {option}=True to from_pretrained or to each call."
                )
        loaded = super().from_dict(saved, **kwargs)
        processor = loaded[0] if kwargs.get("return_unused_kwargs") else loaded
        for key, value in unknown.items():
            setattr(processor, key, value)
        if statistics and not processor.do_normalize:
            logger.warning(_unapplied_statistics(statistics, processor.normalization))
        return loaded

    @classmethod
    def from_json_file(cls, json_file):
        # transformers' version calls the constructor directly, which refuses unknown keys: a saved file is loaded
        with open(json_file, encoding="utf-8") as reader:
            return cls.from_dict(json.load(reader))

    def to_dict(self) -> dict[str, Any]:
        output = super().to_dict()
        for key in _RUNTIME_STATE:
            output.pop(key, None)
        # options are taken as numpy numbers (`num_frames=np.int64(8)`, read from an array or a table) and a
        # `torch.device`, which JSON cannot hold: `save_pretrained` failed with "Object of type int64 is not JSON
        # serializable" (in a training run, at the Trainer's first checkpoint, which saves the processor)
        return {key: _json_value(value) for key, value in output.items()}

    # -- options ---------------------------------------------------------------------------------
    def _options(self, kwargs: dict) -> dict:
        allowed = set(self.valid_kwargs.__annotations__) | {"return_tensors"}
        unknown = set(kwargs) - allowed
        if unknown:
            raise ValueError(f"ViViTVideoProcessor got {_describe_unknown(unknown, allowed)}.")
        statistics = {n: kwargs[n] for n in ("image_mean", "image_std") if kwargs.get(n) is not None}
        if kwargs.get("do_normalize") is not None:
            statistics = {}
        if kwargs.get("normalization") is not None:
            for field, value in NORMALIZATION_PRESETS[_check_preset(kwargs["normalization"])].items():
                kwargs.setdefault(field, value)
        opts = {k: kwargs[k] if kwargs.get(k) is not None else getattr(self, k, None) for k in allowed}
        _as_lists(opts)  # (the processor's own too: an attribute set after building)
        _whole_pixel_sizes(opts)
        if "short_video" in kwargs:  # None is a real choice here, not "use the default"
            opts["short_video"] = kwargs["short_video"]
        _refuse_unsupported(opts)
        _check_normalization(opts.get)  # (before `_standardize_kwargs`, which makes tuples of the lists given)
        if statistics and not opts["do_normalize"]:
            message = _unapplied_statistics(statistics, opts["normalization"])
            if message not in _UNAPPLIED_WARNED:  # once, not once per call of a loop
                _UNAPPLIED_WARNED.add(message)
                logger.warning(message)
        # only a call's own seed seeds the call; the processor's seeds its stream (`_generator`)
        opts["seed"] = kwargs.get("seed")
        _check_seed(opts["seed"], "seed")
        # a call's float_max speaks of its own videos; the processor's (a saved config's) of the videos it expected
        opts["float_max_in_call"] = kwargs.get("float_max") is not None
        opts.update(
            self._standardize_kwargs(
                size=opts["size"],
                crop_size=opts["crop_size"],
                # an int size is a square with default_to_square=True, as in transformers (and this constructor)
                default_to_square=bool(opts["default_to_square"]),
                image_mean=opts["image_mean"],
                image_std=opts["image_std"],
            )
        )
        if opts["do_resize"]:
            _check_size(opts["size"])
        _check_option_values(opts.get)
        if kwargs.get("fps") is not None and kwargs.get("num_frames") is not None:
            raise ValueError("`num_frames` and `fps` are mutually exclusive arguments, please use only one!")
        if kwargs.get("num_frames") is not None:  # a call's num_frames wins over the processor's fps, and the reverse
            opts["fps"] = None
        if opts["fps"] is not None:
            fps = opts["fps"]
            if isinstance(fps, bool) or not isinstance(fps, (int, float, np.integer, np.floating)) or not fps > 0:
                raise ValueError(f"fps must be a positive number of frames per second, got {fps!r}.")
            if opts["num_clips"] != 1:
                raise ValueError("fps sampling takes the whole video once: num_clips must be 1.")
        if opts["sampling_mode"] not in SAMPLING_MODES:
            raise ValueError(f"sampling_mode must be one of {SAMPLING_MODES}, got {opts['sampling_mode']!r}.")
        check_short_video(opts["short_video"])
        _interpolation_mode(opts["resample"])  # before decoding anything
        if opts["num_crops"] not in (1, 3):
            raise ValueError(f"num_crops must be 1 (centre) or 3 (three crops), got {opts['num_crops']}.")
        for name in ("num_clips", "num_frames", "frame_stride"):
            if name == "num_frames" and opts[name] is None and opts["fps"] is not None:
                continue  # (fps sampling takes no frame count: transformers' `num_frames=None, fps=2`)
            if not isinstance(opts[name], (int, np.integer)) or opts[name] < 1:
                raise ValueError(f"{name} must be a positive integer, got {opts[name]!r}.")
        if opts["do_sample_frames"] is False and opts["num_clips"] != 1:
            raise ValueError("num_clips > 1 needs do_sample_frames=True (clips are sampled from the video).")
        float_max = opts["float_max"]
        number = isinstance(float_max, (int, float, np.integer, np.floating)) and not isinstance(float_max, bool)
        if float_max is not None and not (number and 0 < float_max < float("inf")):
            raise ValueError(
                f"float_max must be a positive number (1.0 for [0, 1] pixels, 255.0 for [0, 255]), got {float_max!r}."
            )
        return opts

    def _generator(self, seed) -> np.random.Generator:
        """The call's own generator when it gives a seed, else the processor's stream.

        The stream follows torch's seeding, as torch's own random transforms do: it is made from torch's seed
        (`_stream_entropy`) and made again whenever that seed changes. A DataLoader seeds each worker's torch with
        `base_seed + worker_id` and draws a new `base_seed` for every epoch of non-persistent workers, so workers and
        epochs draw differently, even when the processor was already called in the main process (a forked worker
        inherits the state, which a generator made once would repeat in every worker and epoch); and
        `torch.manual_seed(n)` / `transformers.set_seed(n)` makes the draws reproducible."""
        if seed is not None:
            return np.random.default_rng(seed)
        # not the process id: a fork keeps torch's seed, and a stream made again from it would repeat in every fork
        # all the same (a DataLoader re-seeds its workers' torch, which is what tells them apart)
        key = (torch.initial_seed(), self.seed)  # `seed` too: setting the attribute re-seeds
        if self._rng is None or self._rng_key != key:
            self._rng = np.random.default_rng(np.random.SeedSequence(self._stream_entropy()))
            self._rng_key = key
        return self._rng

    def _stream_entropy(self) -> list[int]:
        """What seeds the stream: torch's seed; with a processor `seed`, that seed in the main process (the same
        sequence run after run whatever torch's seed) and both in a DataLoader worker (each worker and epoch its own
        draws, still reproducible with `torch.manual_seed`)."""
        in_worker = torch.utils.data.get_worker_info() is not None
        if self.seed is None:
            return [torch.initial_seed()]
        return [int(self.seed), torch.initial_seed()] if in_worker else [int(self.seed)]

    def _call_or_own(self, kwargs: dict, name: str):
        """Option `name` taken out of a call's `kwargs`: the call's value, else the processor's (None: unset)."""
        value = kwargs.pop(name, None)
        return value if value is not None else getattr(self, name, None)

    # -- entry points ----------------------------------------------------------------------------
    def __call__(self, videos, **kwargs) -> BatchFeature:
        return self.preprocess(videos, **kwargs)

    def preprocess(self, videos, **kwargs) -> BatchFeature:
        """Decode, sample, transform and stack; see the class docstring and `ViViTVideoProcessorKwargs`."""
        return self._views_batch(videos, kwargs, raw=False)

    def raw_views(self, videos, **kwargs) -> BatchFeature:
        """A call's output with the views' own pixels as `pixel_values`: decoded, sampled and augmented as the same call
        would (an unseeded one draws from the processor's stream as a call does, so later draws are a call's too), and
        stacked before the rescale and normalisation. The pixels are on 0-255: uint8 when every view is (nothing is
        lost), float32 when one is not whole numbers (colour jitter without RandAugment, a float video).
        `apply_affine(pixels, *self.normalization_affine())` gives the call's `pixel_values`, bit for bit.

        For moving a quarter of float32's bytes (through DataLoader workers, to a GPU) and normalising there. The
        normalisation is the processor's own, which `normalization_affine` reads: given here, a normalisation option
        would change no pixel, so it is refused."""
        given = sorted(name for name in NORMALIZATION_OPTIONS if kwargs.get(name) is not None)
        if given:
            raise ValueError(
                f"raw_views gives the pixels before the rescale and normalisation, so {', '.join(given)} would change "
                "nothing here: set it on the processor (or pass it to normalization_affine)."
            )
        return self._views_batch(videos, kwargs, raw=True)

    def normalization_affine(self, **kwargs) -> tuple[torch.Tensor, torch.Tensor]:
        """The rescale and normalisation a call with these options (the processor's own, by default) applies to its
        views, folded into one `x * scale + bias` per channel: `(scale, bias)`, `(3, 1, 1)` float32 each, for
        `apply_affine` (on the processor's `device` when it has one, where its calls' views are)."""
        device = self._call_or_own(kwargs, "device")
        return _affine(self._options(kwargs), device)

    def _views_batch(self, videos, kwargs: dict, raw: bool) -> BatchFeature:
        """A call: every video's views, normalised (or, `raw`, as they are) and stacked, and what the options ask
        for beside them."""
        given_metadata = kwargs.pop("video_metadata", None)  # the frame rate for `fps` sampling
        # transformers' options `_options` does not resolve: the call's, else the processor's own, as transformers
        # merges them (set on the processor or saved in its config, they were ignored: `return_metadata=True` gave
        # no metadata, and `input_data_format="channels_last"` read an ambiguous (T, 3, H, 3) array channels-first)
        device = self._call_or_own(kwargs, "device")
        return_metadata = self._call_or_own(kwargs, "return_metadata")
        _check_switch("return_metadata", return_metadata)
        return_metadata = bool(return_metadata)
        input_data_format = self._call_or_own(kwargs, "input_data_format")
        _check_data_format(input_data_format)  # before decoding anything
        kwargs.pop("data_format", None)  # (transformers' video processors give channels-first too)
        opts = self._options(kwargs)
        rng = self._generator(opts["seed"])

        views, kept, metadata = [], [], []
        video_list = _as_video_list(videos)
        metadata_list = _metadata_list(given_metadata, len(video_list))
        for position, video in enumerate(video_list):
            try:
                clips, meta = self._process_one(video, opts, rng, input_data_format, device, metadata_list[position])
            except ValueError as error:  # BrokenVideoError (VideoDecodeError among them) is a ValueError
                # By class, never by message: a wrong option must still raise whatever its text says, and a broken
                # sample is skipped however its message is worded.
                if not (opts["skip_broken"] and isinstance(error, BrokenVideoError)):
                    if len(video_list) > 1:  # which one of the batch (in-memory videos have no file name)
                        _add_note(error, f"(video {position} of the {len(video_list)} in this call)")
                    raise
                self.num_skipped += 1
                logger.warning("Skipping video %s: %s", describe_source(video), error)
                continue
            views.extend(clips)
            kept.append(position)
            metadata.append(meta)

        # every video skipped: an empty batch of the clip's shape, which stacks and has len() 0 (a bare (0,)
        # tensor would fail later, far from here); a loop skips it by len(kept_indices) == 0
        frame_mask = None
        if opts["pad_to_longest"] and views:
            views, frame_mask = _pad_to_longest(views)
        stack = _stacked_raw_views if raw else self._normalize_views
        pixel_values = stack(views, opts) if views else _empty_batch(opts, raw)
        data: dict[str, Any] = {"pixel_values": pixel_values}
        if frame_mask is not None:
            data["attention_mask"] = frame_mask
        if opts["skip_broken"]:  # an int64 array converts to every tensor type even when empty (a [] list fails)
            data["kept_indices"] = kept if opts["return_tensors"] is None else np.asarray(kept, dtype=np.int64)
        if return_metadata:
            data["video_metadata"] = metadata
        # the metadata stays a list of `VideoMetadata`, as transformers' processors keep theirs: converted, an empty
        # one (every video skipped) became a (0,) tensor, or failed ("Unable to convert output 'video_metadata'")
        return BatchFeature(data=data, tensor_type=opts["return_tensors"], skip_tensor_conversion={"video_metadata"})

    # -- one video -------------------------------------------------------------------------------
    def sample_indices(self, num_video_frames: int, opts: dict, rng: np.random.Generator, name: str) -> np.ndarray:
        """Frame indices of every clip, `(num_clips, num_frames)`; override to pick frames another way.

        `opts` holds this call's options, resolved for this video: `do_sample_frames` True or False (never None),
        `short_video` as the input kind gives it, and `video_fps` (the frame rate from `video_metadata` or the
        file, None when unknown); with `fps` set the clip is `(1, any)` frames. A subclass may instead override
        `sample_frames`, transformers' hook, which is then asked here."""
        if not opts["do_sample_frames"]:
            return np.arange(num_video_frames)[None]
        if self._sampling_method() == "sample_frames" and not opts.get("_asked_by_sample_frames"):
            # transformers' way to pick frames is a subclass's `sample_frames` (once ignored: it changed no frame)
            fps = opts.get("fps")
            metadata = VideoMetadata(total_num_frames=num_video_frames, fps=opts.get("video_fps"))
            picked = self.sample_frames(metadata, num_frames=None if fps is not None else opts["num_frames"], fps=fps)
            return np.atleast_2d(np.asarray(picked))
        if opts.get("fps") is not None:
            times, last = opts.get("video_times") or (None, None)  # a VFR file is sampled by time (`fps_indices`)
            return fps_indices(num_video_frames, opts.get("video_fps"), opts["fps"], name, times, last)[None]
        return sample_clips(
            num_video_frames,
            int(opts["num_frames"]),
            mode=opts["sampling_mode"],
            stride=int(opts["frame_stride"]),
            num_clips=int(opts["num_clips"]),
            train=bool(opts["do_train_augment"]),
            rng=rng,
            short_video=opts["short_video"],
            name=name,
        )

    def sample_frames(self, metadata, num_frames=None, fps=None, **kwargs) -> np.ndarray:
        """The frame indices a call samples from a video described by `metadata` (a `VideoMetadata` or dict with
        `total_num_frames`, and `fps` for `fps` sampling): transformers' hook (also the `sample_indices_fn` its
        `load_video` takes), answered by this processor's rule, `sample_indices`. The inherited one spread
        `num_frames` over the whole video, while calls take the paper's clip at `frame_stride`: it named frames a
        call never used. Other options (`frame_stride`, `num_clips`, `seed`, ...) as in a call; a short video is
        handled as a file's. One clip: a 1-D array, as transformers'; `num_clips > 1`: `(num_clips, num_frames)`."""
        metadata = _as_metadata(metadata, "metadata")
        total = getattr(metadata, "total_num_frames", None)
        if isinstance(total, bool) or not isinstance(total, (int, np.integer)) or total < 1:
            raise ValueError(f"metadata.total_num_frames must be a whole number of frames >= 1, got {total!r}.")
        call = {"num_frames": num_frames, "fps": fps, **kwargs}
        opts = self._options({key: value for key, value in call.items() if value is not None})
        # `_asked_by_sample_frames`: a subclass's `sample_frames` calling this one gets the rule, not itself again
        opts.update(do_sample_frames=True, video_fps=metadata.fps, _asked_by_sample_frames=True)
        name = f"a video of {total} frames"
        indices = self.sample_indices(total, opts, self._generator(opts["seed"]), name)
        indices = self._checked_indices(indices, total, opts, name)
        return indices[0] if len(indices) == 1 else indices

    def _sampling_method(self) -> str:
        """The hook a subclass picks frames with, for sampling and its errors: `sample_indices` (ours, and the
        default), or transformers' `sample_frames` when only that one is overridden."""
        cls = type(self)
        overrides = {
            name: getattr(cls, name) is not getattr(ViViTVideoProcessor, name)
            for name in ("sample_indices", "sample_frames")
        }
        return "sample_frames" if overrides["sample_frames"] and not overrides["sample_indices"] else "sample_indices"

    def _checked_indices(self, result, num_video_frames: int, opts: dict, name: str) -> np.ndarray:
        """`sample_indices`'s result as `(num_clips, num_frames)` int64, or an error naming the method.

        An override picking too few frames would otherwise reach the model as a shorter clip (or be looped by
        position-embedding interpolation), and a negative index would wrap around an in-memory video."""
        method = f"{type(self).__name__}.{self._sampling_method()}"
        indices = np.asarray(result)
        num_clips = int(opts["num_clips"])
        num_frames = int(opts["num_frames"]) if opts["do_sample_frames"] and opts.get("fps") is None else None
        wanted = f"({num_clips}, {num_frames if num_frames is not None else 'frames'})"
        if (
            indices.ndim != 2
            or indices.shape[0] != num_clips
            or indices.shape[1] == 0
            or (num_frames is not None and indices.shape[1] != num_frames)
        ):
            raise ValueError(
                f"{method} returned indices of shape {indices.shape} where {wanted} = (num_clips={num_clips}, "
                f"num_frames={num_frames if num_frames is not None else 'any'}) are asked, for {name} "
                f"({num_video_frames} frames): it must return one row of frame indices per clip."
            )
        if indices.dtype == bool or not (
            np.issubdtype(indices.dtype, np.integer)
            or (np.issubdtype(indices.dtype, np.floating) and np.array_equal(indices, np.round(indices)))
        ):
            raise ValueError(
                f"{method} must return integer frame indices, got {indices.dtype} values such as "
                f"{indices.flatten()[:4].tolist()} for {name}."
            )
        indices = indices.astype(np.int64)
        if indices.min() < 0 or indices.max() >= num_video_frames:
            raise ValueError(
                f"{method} returned frame indices from {indices.min()} to {indices.max()} for {name}; each must be "
                f"in [0, {num_video_frames}) (the video has {num_video_frames} frames)."
            )
        return indices

    def decode_video_frames(self, video, indices=None, **kwargs) -> torch.Tensor:
        """Frames of one video (every frame, or those at sorted distinct `indices`) as `(T, H, W, 3)`,
        decoded exactly as a call with the same options decodes them (same backend; a file is resized while
        decoding when `resize_in_decoder` applies).

        Given back as the video (`input_data_format="channels_last"`), all the frames produce the same
        `pixel_values` as the original, for any sampling and augmentation: a data set can decode each clip
        once and keep it in memory (`vivit_hf.data.DecodedVideoCache`). Arrays come back unresized, as the
        processor resizes them later anyway, and float arrays on their own scale (the same `float_max` reads
        them back). Frames with transparent pixels come back composited onto white, as a call composites them: the
        call's own float values (integer frames as float32 on [0, 255], read back so with `float_max=255.0` or
        None; `DecodedVideoCache` keeps no copy of a float video)."""
        input_data_format = self._call_or_own(kwargs, "input_data_format")
        _check_data_format(input_data_format)
        opts = self._options(kwargs)
        source = _FrameSource(video, input_data_format, opts["decode_backend"])
        try:
            wanted = np.arange(source.num_frames) if indices is None else np.asarray(indices, dtype=np.int64)
            if source.alpha is None:
                frames = source.get(wanted, *_decoder_resize(opts, source))
            elif source.tensor.is_floating_point():
                scale = _float_scale(
                    source.tensor, opts["float_max"], source.name, opts["do_rescale"], opts["float_max_in_call"]
                )
                frames = source.pixels(wanted, scale) / scale
            else:
                frames = source.pixels(wanted)
        finally:
            source.close()
        return frames.permute(0, 2, 3, 1)

    def _process_one(self, video, opts: dict, rng, input_data_format, device, given_metadata=None):
        source = _FrameSource(video, input_data_format, opts["decode_backend"])
        try:
            opts = _per_video_options(opts, source, given_metadata)
            scale = 1.0
            if source.tensor is not None:
                _check_array_video(source.tensor, opts, source.name)
                scale = _float_scale(
                    source.tensor, opts["float_max"], source.name, opts["do_rescale"], opts["float_max_in_call"]
                )
            clips = self._checked_indices(
                self.sample_indices(source.num_frames, opts, rng, source.name), source.num_frames, opts, source.name
            )
            unique = np.unique(clips)
            _check_resized_frame(source, opts, clips.shape[1])
            frames = source.pixels(unique, scale, *_decoder_resize(opts, source))
            metadata = _video_metadata(video, source, opts, clips, given_metadata)  # (the reader's, while it is open)
        finally:
            source.close()
        views = []
        for clip in clips:
            # one clip of distinct increasing frames (the common case) is the decoded batch itself
            same = clip.size == unique.size and bool(np.array_equal(clip, unique))
            clip_frames = frames if same else _take_frames(frames, np.searchsorted(unique, clip))
            if device is not None:
                clip_frames = clip_frames.to(device)
            views.extend(self.transform_clip(clip_frames, opts, rng))
        return views, metadata

    def transform_clip(self, clip: torch.Tensor, opts: dict, rng: np.random.Generator) -> list[torch.Tensor]:
        """One `(T, 3, H, W)` clip -> `num_crops` views (not yet rescaled); random draws shared by all frames."""
        interpolation = _interpolation_mode(opts["resample"])
        if interpolation == InterpolationMode.LANCZOS and opts["do_resize"] and clip.device.type != "cpu":
            # torchvision has LANCZOS on the CPU only (transformers resizes with BICUBIC there instead: other pixels)
            raise ValueError(
                f"resample=LANCZOS (1) resizes on the CPU only; these frames are on {clip.device}: leave `device` "
                "unset (the views can be moved after) or use BICUBIC (3)."
            )
        size, crop = opts["size"], opts["crop_size"]
        resized = _resized_size(*clip.shape[-2:], size) if opts["do_resize"] else tuple(clip.shape[-2:])
        if _crops(opts):
            _warn_when_padded(*resized, crop, size if opts["do_resize"] else None)
        if opts["do_resize"] and not opts["do_train_augment"] and (opts["num_crops"] == 3 or opts["do_center_crop"]):
            # fixed crops, cut a few resized frames at a time where the resized clip is large (`resized_views`)
            if opts["num_crops"] == 3:
                return resized_views(clip, *resized, interpolation, lambda c: three_crops(c, crop.height, crop.width))
            return resized_views(clip, *resized, interpolation, lambda c: [center_crop(c, crop.height, crop.width)])
        if opts["do_resize"]:
            clip = resize(clip, *resized, interpolation)
        if opts["do_train_augment"]:
            views = []
            for _ in range(opts["num_crops"]):
                view = clip
                if opts["scale_jitter"]:
                    view = scale_jitter(view, rng, *opts["scale_jitter"], interpolation=interpolation)
                view = random_crop(view, crop.height, crop.width, rng)
                views.append(self._augment(view, opts, rng))
        elif opts["num_crops"] == 3:
            views = three_crops(clip, crop.height, crop.width)
        elif opts["do_center_crop"]:
            views = [center_crop(clip, crop.height, crop.width)]
        else:
            views = [clip]
        return views

    @staticmethod
    def _normalize_views(views: list[torch.Tensor], opts: dict):
        """Stack, rescale and normalise every view in one float32 buffer.

        One allocation and one pass per view: `x * scale + bias` per channel (the rescale, offset
        and mean/std folded together) reads the uint8 view and writes its slot directly; on a busy
        CPU the fresh pages of each temporary (19 MB per 32-frame 224 clip) cost more than the
        arithmetic itself."""
        if not views:
            return torch.empty(0)
        scale, bias = _affine(opts, views[0].device)
        shapes = {tuple(v.shape) for v in views}
        if len(shapes) > 1:
            if opts["return_tensors"] is not None:
                raise ValueError(_stacking_error(shapes))
            return [apply_affine(view, scale, bias) for view in views]
        if any(view.requires_grad for view in views):  # autograd takes no out=: stack the differentiable results
            return torch.stack([apply_affine(view, scale, bias) for view in views])
        out = torch.empty((len(views), *views[0].shape), dtype=torch.float32, device=views[0].device)
        for slot, view in zip(out, views):
            apply_affine(view, scale, bias, out=slot)
        return out

    @staticmethod
    def _augment(view: torch.Tensor, opts: dict, rng: np.random.Generator) -> torch.Tensor:
        if opts["do_flip"] and rng.random() < 0.5:
            view = horizontal_flip(view)
        if opts["do_color_jitter"]:  # on the pixels' floats, unrounded, as DMVR's (a float view keeps its graph)
            view = color_jitter(view, rng, prob=opts["color_jitter_prob"])
        if opts["rand_augment"]:
            num_ops, magnitude = opts["rand_augment"]
            view = rand_augment(_as_uint8(view), rng, int(num_ops), int(magnitude))
        return view


# -- inputs ------------------------------------------------------------------------------------------
def _per_video_options(opts: dict, source: _FrameSource, given_metadata) -> dict:
    """The call's options for one video, by its kind (the table in docs/processor.md).

    `do_sample_frames=None`: a file (path, URL, bytes, file object, container, decoder) is sampled, frames given
    in memory (arrays, tensors, PIL images) are kept as given, as transformers keeps them. `short_video=None`: a
    short file loops (one frame is refused), while sampling more frames than were given in memory is an error
    (transformers' rule) unless `short_video` says `"loop"` or `"pad"`. `video_fps`: the caller's metadata, else
    the file's own average frame rate."""
    in_memory = source.tensor is not None
    opts = dict(opts)
    if opts["do_sample_frames"] is None:
        opts["do_sample_frames"] = not in_memory or opts["fps"] is not None
        if not opts["do_sample_frames"] and opts["num_clips"] != 1:  # (it blamed `sample_indices` for one clip)
            raise ValueError(
                f"num_clips={opts['num_clips']} samples clips from {source.name}, but frames given in memory are kept "
                "as given unless sampling is asked for: pass do_sample_frames=True (clips of num_frames at "
                "frame_stride, as from a file)."
            )
    if opts["short_video"] is None and in_memory and source.num_frames > 1:  # (None names one frame in its error)
        opts["short_video"] = "error"
    video_fps = getattr(given_metadata, "fps", None) if given_metadata is not None else None
    if video_fps is None and source.reader is not None:
        video_fps = source.reader.fps or None
        if opts["fps"] is not None:  # the file's own frame times (not with the caller's rate)
            opts["video_times"] = (source.reader.frame_times(), source.reader.last_frame_seconds())
    opts["video_fps"] = video_fps
    return opts


def _video_metadata(video, source: _FrameSource, opts: dict, clips: np.ndarray, given) -> ViViTVideoMetadata:
    """What `return_metadata=True` says of one video, as transformers' video processors say it (`VideoMetadata`):
    for a file, its reader's frame count, rate, size as displayed, duration and backend, as transformers' `load_video`
    gives them; for frames in memory, their count and size, with no backend, and the rate (and duration) only where
    `video_metadata` gives them (transformers reports None for both: no clock was given). Those were plain dicts, with
    one list of frame indices per clip even for one clip, so `meta.fps` and transformers' `meta.timestamps` failed."""
    fps = opts["video_fps"]
    if source.reader is not None:
        # a file's duration as its reader times it (a variable-rate file's frames need not last 1 / fps each)
        info = source.reader.info
        height, width, duration, backend = info.height, info.width, info.duration, source.reader.backend
    else:  # in memory: the caller's duration, else frames / fps when the caller gave the rate
        height, width = source.tensor.shape[-2:]
        duration = getattr(given, "duration", None) or (source.num_frames / fps if fps else None)
        backend = None
    return ViViTVideoMetadata(
        total_num_frames=source.num_frames,
        fps=fps,
        width=int(width),
        height=int(height),
        duration=duration,
        video_backend=backend,
        frames_indices=clips.reshape(-1).tolist(),
        name=source_name(video) or source.name,  # a file's path as given (unquoted), else how errors name the input
        clip_frames_indices=clips.tolist(),
        frame_times=_frame_times(source, clips, given),
    )


def _frame_times(source: _FrameSource, clips: np.ndarray, given) -> list[float] | None:
    """The presentation times (seconds from the first frame) of a file's sampled frames, where its frames are not
    evenly spaced; None where `index / fps` times them (evenly spaced, frames in memory, a rate the caller gave)."""
    if source.reader is None or getattr(given, "fps", None) is not None:
        return None
    times = source.reader.frame_times()
    if times is None or times.size < 2 or evenly_spaced(times - times[0], source.reader.fps):
        return None
    return (times[clips.reshape(-1)] - times[0]).tolist()


def _metadata_list(video_metadata, num_videos: int) -> list:
    """`video_metadata` as one `VideoMetadata` (or None) per video: one dict / `VideoMetadata`, a list of them, or
    transformers' nested list (one list per video)."""
    if video_metadata is None:
        return [None] * num_videos
    entries = video_metadata if isinstance(video_metadata, (list, tuple)) else [video_metadata]
    if entries and isinstance(entries[0], (list, tuple)):
        entries = [entry for group in entries for entry in group]
    many = len(entries) > 1
    entries = [
        _as_metadata(entry, f"video_metadata[{i}]" if many else "video_metadata") for i, entry in enumerate(entries)
    ]
    if len(entries) != num_videos:
        raise ValueError(f"Got {num_videos} videos but {len(entries)} `video_metadata` entries; pass one per video.")
    return entries


def _as_metadata(entry, what: str) -> VideoMetadata | None:
    """One video's metadata as a `VideoMetadata` (None: none given for it), a dict read by its keys.

    `VideoMetadata(**entry)` failed with Python's bare TypeError for a misspelt key, for `{"fps": 25}` given with a
    file (only the frame rate is read from it: a file counts its own frames) and for `dict(meta)` of what
    `return_metadata=True` returns (its `name`), which reads back as the metadata it describes."""
    if entry is None:
        return entry
    if isinstance(entry, VideoMetadata):
        return _checked_fps(entry, what)
    if not isinstance(entry, Mapping):
        raise ValueError(
            f"{what} must be a dict or a transformers VideoMetadata (fps, total_num_frames, ...), got "
            f"{type(entry).__name__} {entry!r:.80}."
        )
    fields = [field.name for field in dataclasses.fields(VideoMetadata)]
    # (with this processor's own fields: `dict(meta)` of what it returns reads back)
    known = [field.name for field in dataclasses.fields(ViViTVideoMetadata)]
    unknown = set(entry) - set(known)
    if unknown:
        raise ValueError(f"{what} has {_describe_unknown(unknown, known, kind='keys')}.")
    return _checked_fps(
        VideoMetadata(**{"total_num_frames": None, **{key: entry[key] for key in fields if key in entry}}), what
    )


def _checked_fps(metadata: VideoMetadata, what: str) -> VideoMetadata:
    """`metadata` when its `fps` is a frame rate (or None, or 0 for an unknown one), else the ValueError naming it:
    an infinite rate sampled one frame by `fps=`, True one frame a second, a negative one was said to be no rate (of
    a file, whose own rate it overrides), and a string or NaN failed in Python's arithmetic, naming no video."""
    fps = metadata.fps
    # any real number: PyAV's `stream.average_rate` is a Fraction (NumPy's scalars are registered as reals too)
    number = isinstance(fps, numbers.Real) and not isinstance(fps, (bool, np.bool_))
    if fps is not None and not (number and 0 <= fps < float("inf")):
        raise ValueError(f"{what} has fps={fps!r}: a video's frame rate is a positive number of frames per second.")
    if number and not isinstance(fps, (int, float, np.integer, np.floating)):  # read as its float, as numpy reads it
        metadata = dataclasses.replace(metadata, fps=float(fps))
    return metadata


def _is_frame(x) -> bool:
    from PIL import Image

    return isinstance(x, Image.Image) or (isinstance(x, (np.ndarray, torch.Tensor)) and x.ndim in (2, 3))


def _as_video_list(videos) -> list:
    """One video or a batch of them -> a list of single videos."""
    from PIL import Image

    if isinstance(videos, Image.Image):  # one image: a one-frame video, as transformers reads it; animated: its frames
        return [_image_frames(videos)]
    if isinstance(videos, (np.ndarray, torch.Tensor)):
        if videos.ndim == 5:
            if len(videos) == 0:  # as an empty list is: it gave an empty batch without a word
                raise ValueError(f"Got an empty batch of videos: an array of shape {tuple(videos.shape)}.")
            return list(videos)
        if videos.ndim in (3, 4):
            return [videos]
        raise _dimensions_error(tuple(videos.shape), batch=True)
    if _is_video_batch_sequence(videos):  # a `datasets` Column (`ds["video"]`): a list of videos, not one video
        videos = list(videos)
    if isinstance(videos, (list, tuple)):
        if len(videos) == 0:
            raise ValueError("Got an empty list of videos.")
        _refuse_nested_numbers(videos)
        if _is_one_video(videos):  # one video given as frames (`_stack_frames` stacks them when it is read)
            return [list(videos)]
        if all(_is_animated(x) for x in videos):  # animated images (GIF, APNG, ...): a video each
            return [_image_frames(x) for x in videos]
        flat = []
        for video in videos:
            if isinstance(video, (list, tuple)) and _is_nested_videos(video):
                # a list of videos inside the list (`[[a, b], [c]]`: a batch grouped by sample) is flattened, as
                # transformers' `make_batched_videos` flattens it: taken for one video's frames, it failed with "a
                # video array must have 4 dimensions" or "the frames of one video must share a size"
                flat.extend(_as_video_list(video))
            else:
                flat.append(video)
        return flat
    return [videos]


def _refuse_nested_numbers(videos: list | tuple) -> None:
    """A video given as Python lists of numbers (`array.tolist()`, JSON) is refused by name: taken for lists of
    videos and flattened, each pixel became a video, refused as "an array of shape (3,)"."""
    leaf, depth = videos, 0
    while isinstance(leaf, (list, tuple)) and leaf:
        leaf, depth = leaf[0], depth + 1
    if isinstance(leaf, (int, float, np.number)):
        raise ValueError(
            f"Got a video as nested Python lists of numbers ({depth} levels deep, e.g. array.tolist() or JSON): pass "
            "it as an array, np.asarray(video, dtype=np.uint8) for 0-255 pixels, or a list of frames as arrays."
        )


# The dimension counts an array is read as a video with, as the dimension errors list them: a 2-D array was told
# "4 dimensions ... or 5 for a batch", though 3-D arrays are read too.
_VIDEO_DIMENSIONS = (
    "3 ((T, H, W) grey frames, or one (H, W, C) or (C, H, W) image: a one-frame video)",
    "4 ((T, H, W, C) or (T, C, H, W), C in 1, 3, 4)",
)


def _dimensions_error(shape: tuple, batch: bool) -> ValueError:
    """The error for an array of a dimension count no video has; `batch`: where a 5-D batch of videos is read too (the
    processor's input itself, not one video inside a list)."""
    counts = [*_VIDEO_DIMENSIONS, *(["5 (a batch of 4-D videos)"] if batch else [])]
    accepted = f"{', '.join(counts[:-1])} or {counts[-1]}"
    hint = ""
    if len(shape) == 2:  # transformers reads (H, W) as one grey image; here a grey frame carries its time axis
        hint = " One (H, W) grey image is a one-frame video given as array[None], of shape (1, H, W), or as [array]."
    return ValueError(f"A video array must have {accepted} dimensions; got an array of shape {shape}.{hint}")


def _is_nested_videos(videos) -> bool:
    """A non-empty list that is neither one video (its frames, its frames' image files, animated images: a video
    each is handled by the caller) but holds videos: arrays of 4 or 5 dimensions, or lists again."""
    if not videos or _is_one_video(videos) or _is_image_files(videos):
        return False
    return all(
        isinstance(x, (list, tuple)) or (isinstance(x, (np.ndarray, torch.Tensor)) and x.ndim in (4, 5)) for x in videos
    )


def _is_video_batch_sequence(videos) -> bool:
    """A sequence other than a list or tuple that holds videos: `datasets`' `Column` (what `ds["video"]` gives) is
    one. It was read as one video and refused as an unsupported input (under skip_broken: skipped, the whole column
    lost as one broken video)."""
    return isinstance(videos, Sequence) and not isinstance(videos, (list, tuple, str, bytes, bytearray, memoryview))


_DATA_FORMATS = ("channels_first", "channels_last", "first", "last")


def _check_data_format(input_data_format) -> None:
    """`input_data_format` is None, a transformers `ChannelDimension` or its value. Any other (a misspelt
    "channel_last") was read as no answer, so an ambiguous (T, 3, W, 3) array was read channels-first against it."""
    value = getattr(input_data_format, "value", input_data_format)
    if value is not None and value not in _DATA_FORMATS:
        close = difflib.get_close_matches(str(value), _DATA_FORMATS[:2], n=1, cutoff=0.5)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(
            f"input_data_format must be 'channels_first' or 'channels_last' (or transformers' ChannelDimension), "
            f"got {input_data_format!r}{hint}."
        )


def _channel_layout(shape: Sequence[int], input_data_format) -> str:
    fmt = getattr(input_data_format, "value", input_data_format)
    given = {"channels_last": "last", "last": "last", "channels_first": "first", "first": "first"}.get(fmt)
    if given is not None:
        # A format the array's shape contradicts (channels_first for a (T, H, W, 3) array, often one saved on the
        # processor) read 40 rows as 40 channels and kept the first 3 as RGB: garbage pixels of the right shape.
        channels = shape[-1] if given == "last" else shape[1]
        if channels not in (1, 3, 4):
            other = "channels_first" if given == "last" else "channels_last"
            fits = (shape[1] if given == "last" else shape[-1]) in (1, 3, 4)
            advice = f"the array is {other} (pass that, or leave input_data_format unset)" if fits else "check it"
            raise ValueError(
                f"input_data_format={fmt!r} puts the channel axis of a video array of shape {tuple(shape)} at a size "
                f"of {channels}, but channels must be 1, 3 or 4: {advice}."
            )
        return given
    last, first = shape[-1] in (1, 3, 4), shape[1] in (1, 3, 4)
    if last and first:
        # (8, 3, 40, 3): 8 frames of 3 x 40 RGB, or of 40 x 3. transformers' video processors read it channels-first
        # (with a warning); read the same way here, so the same array gives the same pixels through either. Their
        # channel counts are 1 and 3: a second axis of 4 (alpha, ours only) with 1 or 3 last, such as (8, 4, 40, 3),
        # is channels-last there (it was read here as 40 x 3 RGBA frames: other pixels, of another shape).
        layout = "last" if shape[1] == 4 and shape[-1] in (1, 3) else "first"
        read, other = ("(T, H, W, C)", "channels_first") if layout == "last" else ("(T, C, H, W)", "channels_last")
        logger.warning(
            "The channel axis of a video array of shape %s is ambiguous: read as %s, as transformers reads it; pass "
            "input_data_format='%s' if it is not.",
            tuple(shape),
            read,
            other,
        )
        return layout
    if last:
        return "last"
    if first:
        return "first"
    raise BrokenVideoError(
        f"Cannot tell the channel axis of a video array of shape {tuple(shape)}: expected (T, H, W, C) or "
        "(T, C, H, W) with C in 1, 3, 4 (a 5D batch must be (B, T, H, W, C) or (B, T, C, H, W)); check the layout."
    )


def _three_d_layout(shape: tuple, input_data_format, name: str) -> str:
    """How to read a 3-D array: `"grey"` (a (T, H, W) grey video), or one image frame `"last"` (H, W, C) or
    `"first"` (C, H, W). transformers reads a 3-D array as one image; this processor also takes (T, H, W) grey
    videos, so a shape that fits both an image and a grey video is refused rather than guessed."""
    fmt = getattr(input_data_format, "value", input_data_format)
    if fmt in ("channels_last", "last"):
        return "last" if shape[-1] in (1, 3, 4) else "grey"
    if fmt in ("channels_first", "first"):
        return "first" if shape[0] in (1, 3, 4) else "grey"
    image_last, image_first = shape[-1] in (1, 3, 4), shape[0] in (1, 3, 4)
    if image_last and not image_first:  # no grey video is 1, 3 or 4 pixels wide: one (H, W, C) image
        return "last"
    if image_first and not image_last and shape[0] == 1:  # one grey frame, whichever way it is read
        return "grey"
    if image_first or image_last:
        raise ValueError(
            f"A 3-D array {name} is ambiguous: one image ({'C, H, W' if image_first else 'H, W, C'}) or a grey "
            f"video of {shape[0]} frames of {shape[1]} x {shape[2]}. Pass input_data_format='channels_first' or "
            "'channels_last' for one image (a one-frame video), or a grey video as (T, H, W, 1)."
        )
    return "grey"


def _check_not_empty(shape: tuple, name: str) -> None:
    """Refuse an array with nothing to show before its layout is read: a (0, 4, 4, 3) array was warned of an ambiguous
    channel axis before "has no frames", and a (2, 0, 4, 3) one (frames of no rows) ended in a ZeroDivisionError of
    the resize, naming no video."""
    if shape[0] == 0:
        raise BrokenVideoError(f"Video {name} has no frames.")
    if 0 in shape:
        raise BrokenVideoError(f"Video {name} has frames with no pixels (an axis of size 0).")


def _to_uint8(tensor: torch.Tensor, name: str, dtype) -> torch.Tensor:
    """An integer video on the 8-bit scale, by dtype: uint16 is scaled from [0, 65535] (16-bit PNG / TIFF
    frames), other integers must hold 8-bit values (clamping 1023 to 255 would whiten 10-bit frames silently)."""
    if tensor.dtype == torch.uint16:  # round(x * 255 / 65535), exactly, in integers
        return ((tensor.to(torch.int32) * 255 + 32767) // 65535).to(torch.uint8)
    wide = tensor.to(torch.int64)
    low, high = (int(wide.min()), int(wide.max())) if wide.numel() else (0, 0)
    if low < 0 or high > 255:
        raise ValueError(
            f"{dtype} video {name} has values from {low} to {high}, outside [0, 255]: integer videos other than "
            "uint16 are read on the 8-bit scale [0, 255]. Convert it to uint8 (or uint16 for 16-bit pixels), or "
            "to floats with float_max set to its white level."
        )
    return wide.to(torch.uint8)


def _array_to_clip_tensor(array, input_data_format, name: str) -> torch.Tensor:
    """(T, H, W[, C]) or (T, C, H, W) array, or one (H, W, C) / (C, H, W) image -> (T, 3 or 4, H, W) torch tensor
    (RGB, then alpha where the array has it): uint8, or float on the caller's own scale (`_float_scale` reads it).
    `name` names the array in errors."""
    dtype = array.dtype
    if array.dtype.is_complex if isinstance(array, torch.Tensor) else array.dtype.kind not in "buif":
        # a complex video was read by its real part alone, silently; object, string or time arrays failed in torch,
        # naming neither the video nor its dtype
        raise ValueError(f"{name} has dtype {dtype}: a video's pixels are integers, floats or booleans.")
    if isinstance(array, np.ndarray) and not array.dtype.isnative:
        # big-endian pixels (FITS, a raw dump read with '>u2'): torch takes native byte order only, and refused them
        # naming neither the video nor the fix
        array = array.astype(array.dtype.newbyteorder("="))
    if isinstance(array, np.ndarray) and array.dtype.kind == "f" and array.dtype.itemsize > 8:
        array = array.astype(np.float64)  # long double, which torch has no type for
    tensor = torch.from_numpy(np.ascontiguousarray(array)) if isinstance(array, np.ndarray) else array
    if tensor.ndim in (3, 4):
        _check_not_empty(tuple(tensor.shape), name)
    if tensor.ndim == 3:
        layout = _three_d_layout(tuple(tensor.shape), input_data_format, name)
        if layout == "grey":  # (T, H, W)
            tensor = tensor[:, None]
        elif layout == "last":  # one (H, W, C) image: a one-frame video (transformers' convention)
            tensor = tensor.permute(2, 0, 1)[None]
        else:
            tensor = tensor[None]
    elif tensor.ndim != 4:
        raise _dimensions_error(tuple(tensor.shape), batch=False)
    else:
        if _channel_layout(tensor.shape, input_data_format) == "last":
            tensor = tensor.permute(0, 3, 1, 2)
    if tensor.shape[1] == 1:
        tensor = tensor.expand(-1, 3, -1, -1)
    # a 4th channel (alpha) is kept: `_FrameSource` splits it off and `_on_white` composites the frames onto white
    if tensor.dtype == torch.bool:
        tensor = tensor.to(torch.uint8) * 255
    elif tensor.is_floating_point():
        tensor = tensor.float()  # the scale is read from float_max in _float_scale, never guessed here
    elif tensor.dtype != torch.uint8:
        tensor = _to_uint8(tensor, name, dtype)
    return tensor


def _check_array_video(tensor: torch.Tensor, opts: dict, name: str) -> None:
    """Gradients flow through resizing, crops, flips, colour jitter and the rescale / normalisation of a float video;
    RandAugment works on uint8 pixels, which would cut the graph without a word: refuse that."""
    if tensor.requires_grad and opts["do_train_augment"] and opts["rand_augment"]:
        raise ValueError(
            f"{name} requires_grad, but rand_augment works on uint8 pixels, which carry no gradient. Turn it off "
            "(gradients flow through resizing, crops, flips, colour jitter and normalisation) or pass video.detach()."
        )


def _float_scale(
    tensor: torch.Tensor, float_max, name: str, do_rescale: bool = True, float_max_in_call: bool = True
) -> float:
    """The factor bringing a float video to the 0-255 scale of uint8 (1.0 for other videos), from `float_max`.

    Without `float_max` only what the values prove is used: a value above 1 rules out [0, 1] pixels. Values all
    within [0, 1] fit [0, 1] pixels and a very dark [0, 255] video alike; reading them either way would be a guess,
    wrong by 255 times in brightness for the other case, so that is refused. Negative values are no pixels on any
    scale (a video normalised already, such as [-1, 1]): refused, as values far above `float_max` are; a filter's small
    overshoot below 0 is kept. Non-finite
    values are a broken array. `do_rescale` (the call's) shapes the advice: transformers' `do_rescale=False` says
    "already on [0, 1]", which here is `float_max=1.0` with the rescale kept on.

    A processor's own `float_max` above 1 (a saved config's 255.0) meeting values all within [0, 1] is refused too:
    [0, 1] pixels given to it (torchvision's and decord's float frames) read as a black video, every view near -1,
    where transformers warns that the frames look rescaled already. A call's own `float_max` is the caller's word
    for that very video (`float_max_in_call`), kept."""
    if not tensor.is_floating_point():
        return 1.0
    values = tensor.detach()
    finite = torch.isfinite(values)
    if not bool(finite.all()):
        bad = (~finite).flatten(1).any(1).nonzero().flatten().tolist()
        shown = f"{bad[:10]}{' and more' if len(bad) > 10 else ''}"
        raise BrokenVideoError(
            f"{name} has NaN or infinite values in frames {shown} (of {tensor.shape[0]}): a broken "
            "video array; check what produced it."
        )
    if values.numel() == 0:
        return 1.0
    low, high = float(values.min()), float(values.max())
    # A resize with ringing filters (bicubic, Lanczos) overshoots a little below black: kept, as transformers keeps
    # it. Far below (an eighth of the scale) is another scale altogether.
    scale = float(float_max) if float_max is not None else (255.0 if high > 1.0 else 1.0)
    if low < -scale / 8:
        white = f"[0, {float(float_max):g}] (float_max)" if float_max is not None else "[0, 1] or [0, 255]"
        raise ValueError(
            f"{name} has values from {low:g} to {high:g}, below 0: float pixels lie in {white}. A video normalised "
            "already (such as [-1, 1]) would be normalised again; pass its pixels (e.g. (x + 1) / 2 with "
            "float_max=1.0), or uint8 frames."
        )
    if float_max is None:
        if high > 1.0 or low == high == 0.0:  # [0, 255] for certain, or black on either scale
            return 1.0
        if not do_rescale:  # transformers' idiom for [0, 1] pixels: here float_max says it, and the rescale stays on
            advice = (
                "For [0, 1] pixels pass float_max=1.0 and leave do_rescale on (do_rescale=False, transformers' way "
                "to say 'already on [0, 1]', leaves them on [0, 255] here: float_max brings them to 0-255 and the "
                "rescale and normalisation then apply as to uint8 frames); for [0, 255] pass float_max=255.0"
            )
        else:
            advice = "Pass float_max=1.0 for [0, 1] pixels or float_max=255.0 for [0, 255]"
        raise ValueError(
            f"{name} is a float video whose values all lie in [{low:g}, {high:g}]: [0, 1] pixels, or a very dark "
            f"[0, 255] video? The values cannot tell. {advice} (to the call, or to the processor for every call), "
            "or give uint8 frames."
        )
    if not float_max_in_call and float(float_max) > 1.0 and 0.0 < high <= 1.0:
        raise ValueError(
            f"{name} is a float video whose values all lie in [{low:g}, {high:g}], but this processor's "
            f"float_max={float(float_max):g} reads it on [0, {float(float_max):g}]: a black video (transformers warns "
            "that such frames look rescaled already). Pass float_max=1.0 to the call for [0, 1] pixels, or "
            f"float_max={float(float_max):g} to the call if the video is that dark."
        )
    if high > 2 * float(float_max):
        raise ValueError(
            f"float_max={float(float_max):g} says white is {float(float_max):g}, but {name} has values "
            f"up to {high:g}: another scale (pass the right float_max, e.g. 255.0)."
        )
    return 255.0 / float(float_max)


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


def _transformers_rescale_offset(saved: dict) -> bool | None:
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


def _transformers_defaults(saved: dict) -> dict:
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


def _crops(opts: dict) -> bool:
    """Whether each view is cut to `crop_size` (a random crop in training, three crops, or the centre crop)."""
    return bool(opts["do_train_augment"] or opts["num_crops"] == 3 or opts["do_center_crop"])


def _affine(opts: dict, device=None) -> tuple[torch.Tensor, torch.Tensor]:
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


def _stacked_raw_views(views: list[torch.Tensor], opts: dict):
    """`_normalize_views` without the affine (`raw_views`): uint8 views stacked as uint8, others (colour jitter's
    unrounded floats) as float32, the values the affine would have read."""
    dtype = torch.uint8 if all(view.dtype == torch.uint8 for view in views) else torch.float32
    views = [view.to(dtype) for view in views]
    shapes = {tuple(v.shape) for v in views}
    if len(shapes) > 1:
        if opts["return_tensors"] is not None:
            raise ValueError(_stacking_error(shapes))
        return views
    return torch.stack(views)


def _empty_batch(opts: dict, raw: bool = False) -> torch.Tensor:
    """`pixel_values` when every video was skipped: `(0, frames, 3, height, width)` as a kept video's views (uint8 for
    `raw_views`)."""
    crop, size = opts["crop_size"], opts["size"]
    height_width = None
    if _crops(opts):
        height_width = (crop.height, crop.width)
    elif opts["do_resize"] and not size.shortest_edge and size.height and size.width:
        height_width = (size.height, size.width)
    if opts["do_sample_frames"] is False or opts["fps"] is not None or height_width is None:
        raise ValueError(
            "skip_broken: every video of this call was broken and skipped, and these options give clips no fixed "
            "shape to make an empty batch of (do_sample_frames=False, or do_center_crop=False without a fixed "
            "size); check `kept_indices` is non-empty, or keep do_sample_frames and do_center_crop on."
        )
    return torch.empty((0, int(opts["num_frames"]), 3, *height_width), dtype=torch.uint8 if raw else torch.float32)


def _add_note(error: BaseException, note: str) -> None:
    """`error.add_note(note)`; Python 3.10 (setup.cfg's floor) has no notes, so there the note ends the message
    (calling `add_note` there raised AttributeError in place of the error it was to explain)."""
    if hasattr(error, "add_note"):
        error.add_note(note)
    elif error.args and isinstance(error.args[0], str):
        error.args = (f"{error.args[0]}\n{note}", *error.args[1:])


def _resized_size(height: int, width: int, size) -> tuple[int, int]:
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


# The way past `_check_resized_frame`'s refusal, in the processor's words; the recipes, which set no longest edge,
# say what their user can do instead (`vivit_hf.training.flags.in_flag_words`).
RESIZED_FRAME_ADVICE = (
    "to read it anyway, cap the longer side (size={'shortest_edge': ..., 'longest_edge': ...}) or give "
    "{'height': ..., 'width': ...}"
)


def _check_resized_frame(source: _FrameSource, opts: dict, frames: int) -> None:
    """Refuse, before decoding, a video whose frames the resize would make larger than `RESIZED_BYTES` each, or
    whose clip of `frames` would where the training augmentation resizes the whole clip: the shortest-side rule
    gives a 4000x1 video (a one-pixel banner, a header that states the wrong size) frames of 256x1024000, 786 MB
    each, and its clip was killed for memory."""
    if not opts["do_resize"]:
        return
    if source.tensor is not None:
        (height, width), element = source.tensor.shape[-2:], source.tensor.element_size()
    else:
        info, element = source.reader.info, 1  # (frames as displayed, decoded to uint8)
        height, width = info.height, info.width
    new_height, new_width = _resized_size(height, width, opts["size"])
    frame_bytes = 3 * new_height * new_width * element
    clip = f"{frame_bytes / 2**20:.0f} MiB a frame"
    if opts["do_train_augment"] and frame_bytes <= RESIZED_BYTES < frame_bytes * frames:
        frame_bytes *= frames
        clip = f"{frame_bytes / 2**20:.0f} MiB for the {frames} frames the training augmentation resizes at once"
    if frame_bytes > RESIZED_BYTES:
        raise BrokenVideoError(
            f"Video {source.name} has frames of {width}x{height} (width x height), which size="
            f"{_describe_size(opts['size'])} resizes to {new_width}x{new_height}: {clip}, past the "
            f"{RESIZED_BYTES >> 20} MiB allowed. A video of this shape is likely a banner or a file whose header "
            f"states the wrong size; {RESIZED_FRAME_ADVICE}."
        )


def _check_size(size) -> None:
    """Refuse a size the resize cannot follow before any decoding (a `longest_edge` alone gave no size, and was
    refused only after decoding)."""
    if size.shortest_edge or (size.height and size.width) or (size.max_height and size.max_width):
        return
    named = {k: v for k, v in dict(size).items() if v is not None}
    hint = " (longest_edge caps the longer side of a shortest_edge resize)" if size.longest_edge else ""
    raise ValueError(
        "size must give 'shortest_edge' (optionally with 'longest_edge'), 'max_height' and 'max_width', or 'height' "
        f"and 'width', got {named}{hint}."
    )


def _decoder_resize(opts: dict, source: _FrameSource | None = None) -> tuple:
    """`(size, interpolation)` for a reader to resize while decoding, or `(None, "bilinear")`. A `longest_edge` cap
    and a `max_height` / `max_width` box need the frame's size: given as `(height, width)` from `source`'s reader
    (without one, nothing is resized while decoding)."""
    mode = _interpolation_mode(opts["resample"])
    interpolation = mode.value  # the decoders' name for it
    wanted = opts["resize_in_decoder"]
    if wanted is None:  # transformers' preset keeps its exact path: convert full frames, resize in torch
        wanted = opts["normalization"] != "transformers_vivit"
    if mode in (InterpolationMode.NEAREST_EXACT, InterpolationMode.LANCZOS):
        # libswscale's POINT filter picks other source pixels than PIL's NEAREST, and the readers take no LANCZOS:
        # resize in torch, as arrays are
        return None, "bilinear"
    size = opts["size"]
    if not (wanted and opts["do_resize"]):
        return None, interpolation
    info = None if source is None or source.reader is None else source.reader.info  # as displayed
    shown = None if info is None else (info.height, info.width)
    if shown is not None and any(new > old for new, old in zip(_resized_size(*shown, size), shown)):
        # An enlargement gains nothing by resizing while converting (the frames are small to convert anyway), and
        # libswscale's one-pass chroma upsampling and scaling differs from the exact path most there: 320x240 to
        # 256, as UCF101 and HMDB51 are read, 6.6 grey levels mean, 151 at most (a 720p downscale: 4.8 and 66)
        return None, interpolation
    if (size.shortest_edge and size.longest_edge) or (not size.shortest_edge and size.max_height and size.max_width):
        if info is None:
            return None, interpolation
        return _resized_size(info.height, info.width, size), interpolation
    if size.shortest_edge:
        return int(size.shortest_edge), interpolation
    if size.height and size.width:
        return (int(size.height), int(size.width)), interpolation
    return None, interpolation


def _pad_to_longest(views: list[torch.Tensor]) -> tuple[list[torch.Tensor], torch.Tensor]:
    """Views (frames, ...) padded with zeros at the end to the longest, and the frame mask (views, frames)."""
    longest = max(view.shape[0] for view in views)
    mask = torch.zeros(len(views), longest, dtype=torch.long)
    padded = []
    for row, view in zip(mask, views):
        row[: view.shape[0]] = 1
        padding = view.new_zeros((longest - view.shape[0], *view.shape[1:]))
        padded.append(torch.cat((view, padding)) if len(padding) else view)
    return padded, mask


def _take_frames(frames: torch.Tensor, positions) -> torch.Tensor:
    """`frames[positions]` along time, copying whole frames of the channels-last memory decoders give
    (indexing the permuted view would gather byte by byte)."""
    index = torch.as_tensor(np.asarray(positions), dtype=torch.long, device=frames.device)
    channels_last = frames.permute(0, 2, 3, 1)
    if channels_last.is_contiguous():
        return channels_last.index_select(0, index).permute(0, 3, 1, 2)
    return frames.index_select(0, index)


def _on_white(frames: torch.Tensor, alpha: torch.Tensor | None, scale: float = 1.0) -> torch.Tensor:
    """`frames` (RGB, `(N, 3, H, W)`) on the 0-255 scale, composited onto white by `alpha` (`(N, 1, H, W)`, on the
    frames' own scale) where some pixel is not opaque: transformers' `convert_to_rgb` (its video processors' and
    image processors' `do_convert_rgb`), to its float32 values. Dropping alpha instead showed whatever colour a
    transparent pixel stores (black, mostly, where transformers and FFmpeg's GIF decoder give white) and the colour
    of a half-transparent one unblended. Opaque frames stay as they are, uint8 too (transformers drops such an alpha
    channel); `scale` (`_float_scale`'s factor) brings float videos to 0-255 first."""
    if scale != 1.0:  # a new tensor: the caller's array is never written
        frames = frames * scale
    if alpha is None:
        return frames
    alpha = alpha * scale if scale != 1.0 else alpha
    if not bool((alpha < 255).any()):
        return frames
    alpha = (alpha / 255.0).clamp(0, 1)
    return (1 - alpha) * 255 + alpha * frames


def _as_uint8(view: torch.Tensor) -> torch.Tensor:
    if view.dtype == torch.uint8:
        return view
    return view.round().clamp(0, 255).to(torch.uint8)


def _pil_frame_to_array(frame, with_alpha: bool = False) -> np.ndarray:
    """A PIL frame as an array: RGB (RGBA `with_alpha`: transparency kept for `_on_white`, as transformers'
    `convert_to_rgb` keeps it to composite onto white), or a grey frame deeper than 8 bits as `(H, W, 1)` at its own
    depth (a 16-bit PNG or TIFF opens as mode I;16 or I), which the integer and float rules then scale or refuse as
    for an array of that dtype: `convert("RGB")` clips such a frame at 255, which made a 16-bit depth video white
    without a word."""
    from PIL import Image

    if not isinstance(frame, Image.Image):
        return np.asarray(frame)
    if frame.mode.startswith("I;16"):
        return np.asarray(frame).astype(np.uint16)[..., None]  # native byte order (I;16B is big-endian)
    if frame.mode in ("I", "F"):
        return np.asarray(frame)[..., None]
    return np.asarray(frame.convert("RGBA" if with_alpha else "RGB"))


def _has_alpha(frame) -> bool:
    """A PIL frame with transparency: an alpha band (RGBA, LA, PA) or a transparent colour (a GIF's or PNG's
    palette index, PNG's tRNS key), as transformers' `convert_to_rgb` tells it."""
    from PIL import Image

    return isinstance(frame, Image.Image) and ("A" in frame.getbands() or frame.info.get("transparency") is not None)


def _is_animated(x) -> bool:
    """A PIL image of several frames (an animated GIF, APNG or WebP, a multi-page TIFF), as `Image.open` gives it."""
    from PIL import Image

    return isinstance(x, Image.Image) and getattr(x, "n_frames", 1) > 1


def _image_frames(image) -> list:
    """The frames of an animated image, as one video (a still image: itself, a one-frame video). Read as one image, an
    animated GIF gave its first frame alone, a one-frame clip, without a word; PIL's frame position is restored."""
    from PIL import ImageSequence

    if not _is_animated(image):
        return [image]
    position = image.tell()
    try:
        return [frame.copy() for frame in ImageSequence.Iterator(image)]
    finally:
        image.seek(position)


def _pil_frames_to_array(frames) -> np.ndarray:
    for position, frame in enumerate(frames):
        if _is_animated(frame):
            raise ValueError(
                f"Frame {position} of a video given as a list of frames is an animated image of {frame.n_frames} "
                "frames, which would be read as its first frame alone. Pass an animated image as a video of its own "
                "(alone, or in a list of animated images: one video each), or its path."
            )
    with_alpha = any(_has_alpha(f) for f in frames)  # (a GIF's frames: one transparent, the next opaque)
    arrays = [_pil_frame_to_array(f, with_alpha) for f in frames]
    shapes = {a.shape for a in arrays}
    if len(shapes) > 1:
        raise BrokenVideoError(f"The frames of one video must share a size, got {sorted(shapes)}.")
    return np.stack(arrays)


def _is_pil(x) -> bool:
    from PIL import Image

    return isinstance(x, Image.Image)


def _is_image_files(video) -> bool:
    """A list of paths inside a list of videos: one video, given as its frames' image files (a list of paths alone is
    a list of video files, as in transformers)."""
    return isinstance(video, (list, tuple)) and len(video) > 0 and all(isinstance(f, (str, os.PathLike)) for f in video)


def _image_file_frames(paths) -> list:
    """The frames of a video given as its frames' image files (paths or http(s) URLs: extracted frames, as
    Something-Something v1 and Jester ship them, or the image URLs a chat template passes), opened with PIL upright
    (EXIF orientation applied), as transformers' `load_image` opens them. The list reached numpy as strings and
    failed with torch's "can't convert np.ndarray of type numpy.str_"."""
    from PIL import Image, ImageOps

    frames = []
    for position, path in enumerate(paths):
        name = describe_source(path)
        try:
            with Image.open(resolve_source(path)) as image:
                if getattr(image, "n_frames", 1) > 1:  # (a copy keeps the first frame alone)
                    raise ValueError(f"it is an animated image of {image.n_frames} frames: pass it as a video")
                frames.append(ImageOps.exif_transpose(image))  # a loaded copy, upright
        except (OSError, ValueError) as error:  # (a missing file or failed download is a VideoDecodeError)
            raise BrokenVideoError(
                f"Frame {position} of a video given as {len(paths)} image files, {name}, cannot be read as an "
                f"image: {error} (a list of paths inside the list of videos is one video's frames; video files are "
                "passed as a flat list of paths)"
            ) from error
    return frames


def _stack_frames(frames) -> np.ndarray | torch.Tensor:
    """One video given as a list of frames -> one `(T, ...)` array (a tensor when every frame is one). (H, W) grey
    frames get their channel axis, so 3 or 4 of them stack to an unambiguous (T, H, W, 1), not a (3, H, W) that
    could be one image. Frames given as image files are opened (`_image_file_frames`)."""
    if _is_image_files(frames):
        frames = _image_file_frames(frames)
    frames = [x[..., None] if isinstance(x, (np.ndarray, torch.Tensor)) and x.ndim == 2 else x for x in frames]
    if all(isinstance(f, torch.Tensor) for f in frames):
        return torch.stack(frames)
    return _pil_frames_to_array(frames)


class _FrameSource:
    """A decoded-on-demand file or an in-memory array, read by frame index."""

    def __init__(self, video, input_data_format, backend: str):
        self.reader: VideoReader | None = None
        self.tensor: torch.Tensor | None = None
        self.alpha: torch.Tensor | None = None  # (T, 1, H, W), on the tensor's scale, for frames given with alpha
        if isinstance(video, (list, tuple)):
            if not video:  # a row of a data set's frame lists left empty: torch.stack failed with no video named
                raise BrokenVideoError(f"Video <empty {type(video).__name__} of frames> has no frames.")
            if _is_image_files(video) or any(_is_pil(frame) for frame in video):
                # PIL frames stack to (T, H, W, C): read so whatever the shape (3 x 40 frames stack to an ambiguous
                # (T, 3, 40, 3), which was read channels-first: other pixels, of another shape)
                input_data_format = "channels_last"
            video = _stack_frames(video)
        if isinstance(video, (np.ndarray, torch.Tensor)):
            self.name = f"<{type(video).__name__} of shape {tuple(video.shape)}>"
            tensor = _array_to_clip_tensor(video, input_data_format, self.name)
            self.tensor, self.alpha = tensor[:, :3], (tensor[:, 3:] if tensor.shape[1] == 4 else None)
            self.num_frames = int(self.tensor.shape[0])  # never 0: `_check_not_empty` refused that
        else:
            if isinstance(video, dict) and not {"path", "bytes"} & set(video):
                # Not a broken video but the wrong input: raised as a VideoDecodeError, skip_broken dropped it, and a
                # batch passed whole (`proc(batch)` for `proc(batch["video"])`) became an empty batch with a warning.
                raise ValueError(
                    f"{describe_source(video)} is no video: a datasets.Video value has 'path' / 'bytes' keys. A data "
                    "set's row or batch? Pass its video column, e.g. `processor(batch['video'])`."
                )
            self.reader = open_video(video, backend=backend)
            self.name = self.reader.name
            self.num_frames = self.reader.num_frames

    def get(self, indices: np.ndarray, size=None, interpolation: str = "bilinear") -> torch.Tensor:
        """Frames at sorted distinct `indices` as `(N, 3, H, W)`; a file is resized to `size`
        while decoding when one is given (arrays are resized later, by the transforms)."""
        if self.tensor is not None:
            if indices.size == self.num_frames:  # every frame, in order
                return self.tensor
            return _take_frames(self.tensor, indices)
        frames = self.reader.read(indices, size=size, interpolation=interpolation)  # (N, H, W, 3) uint8
        return torch.from_numpy(frames).permute(0, 3, 1, 2)

    def pixels(self, indices: np.ndarray, scale: float = 1.0, size=None, interpolation: str = "bilinear"):
        """`get`'s frames on the 0-255 scale (`scale` from `_float_scale`), those given with alpha composited onto
        white (`_on_white`)."""
        frames = self.get(indices, size, interpolation)
        alpha = None
        if self.alpha is not None:
            alpha = self.alpha if indices.size == self.num_frames else _take_frames(self.alpha, indices)
        return _on_white(frames, alpha, scale)

    def close(self) -> None:
        if self.reader is not None:
            self.reader.close()


def _stacking_error(shapes: set[tuple]) -> str:
    """Why views of these `(frames, 3, H, W)` shapes cannot be stacked, and the option that stacks them."""
    message = f"Views have different shapes {sorted(shapes)} and cannot be stacked; "
    if len({shape[0] for shape in shapes}) > 1:  # videos kept with their own frame counts (do_sample_frames=False)
        message += (
            "for videos of different frame counts pass pad_to_longest=True (pads each to the longest, with an "
            "attention_mask the models read) or do_sample_frames=True (num_frames from each); "
        )
    if len({shape[1:] for shape in shapes}) > 1:
        message += "keep do_center_crop=True (or resize to a fixed height and width); "
    return message + "or pass return_tensors=None for a list."


def _interpolation_mode(resample) -> InterpolationMode:
    """torch's mode for a PIL resampling code (`PILImageResampling` or its int) or a torchvision `InterpolationMode`
    (which transformers' processors also take), or an error naming the ones supported."""
    if isinstance(resample, InterpolationMode):  # as PIL's code, so both spellings give the same pixels
        resample = _PIL_CODES.get(resample, resample)
    try:
        mode = PILImageResampling(resample)
    except ValueError:
        mode = None
    lanczos = _torch_has_lanczos()
    if mode == PILImageResampling.LANCZOS and lanczos:
        return InterpolationMode.LANCZOS
    if mode not in _RESAMPLE_MODES:
        named = f"{mode.name} ({mode.value})" if mode is not None else repr(resample)
        supported = ", ".join(f"{code.name} ({code.value})" for code in _RESAMPLE_MODES) + (
            ", LANCZOS (1)" if lanczos else ""
        )
        missing = (
            "this torchvision has no LANCZOS resize for tensors (0.27 and later have it)"
            if mode == PILImageResampling.LANCZOS
            else "torch has no such filter"
        )
        raise ValueError(
            f"resample={named} is not supported: {missing}, and another would give other pixels. "
            f"Use one of {supported} (or torchvision's InterpolationMode NEAREST_EXACT, BILINEAR, BICUBIC)."
        )
    return _RESAMPLE_MODES[mode]


@functools.lru_cache(maxsize=1)
def _torch_has_lanczos() -> bool:
    """Whether torchvision resizes tensors with LANCZOS (0.27 and later, on the CPU). transformers' processors take
    PIL's LANCZOS there; it was refused here as a filter torch lacks."""
    try:
        resize(torch.zeros(1, 1, 4, 4), 2, 2, InterpolationMode.LANCZOS)
    except (ValueError, RuntimeError, NotImplementedError):
        return False
    return True


def _check_preset(preset) -> str:
    if preset not in NORMALIZATION_PRESETS:
        raise ValueError(f"normalization must be one of {sorted(NORMALIZATION_PRESETS)}, got {preset!r}.")
    return preset


# Options holding a few numbers, often given as an array (`np.array(IMAGENET_MEAN)`, a tensor of statistics)
_NUMBER_LISTS = ("image_mean", "image_std", "scale_jitter", "rand_augment")


def _as_lists(options: dict) -> None:
    """Arrays and tensors given for `_NUMBER_LISTS` as lists, in place: `scale_jitter=np.array([0.9, 1.2])` failed
    with numpy's "truth value of an array ... is ambiguous", and a tensor `image_mean` with "Object of type Tensor is
    not JSON serializable" at `save_pretrained`, after training."""
    for name in _NUMBER_LISTS:
        if isinstance(options.get(name), (np.ndarray, torch.Tensor)):
            options[name] = options[name].tolist()


_SIZES = ("size", "crop_size")


def _whole_pixel_sizes(options: dict) -> None:
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


def _refuse_unsupported(options: dict) -> None:
    """transformers' options this processor cannot honour, refused by name (accepted, they changed nothing)."""
    if options.get("do_convert_rgb") is False:
        raise ValueError(
            "do_convert_rgb=False is not supported: the ViViT models take 3 channels, so files are decoded to RGB, "
            "grey frames are repeated to 3 channels and frames with alpha are composited onto white. Leave "
            "do_convert_rgb on."
        )
    if options.get("do_pad"):
        raise ValueError(
            "do_pad is not supported: every view is brought to one height and width by the resize and crop. For "
            "videos of different frame counts pass pad_to_longest=True (frames padded, with an attention_mask)."
        )


def _check_option_values(get) -> None:
    """Values no clip can be made with, refused before anything is decoded (`get(name)` reads an option). Each was
    taken: `crop_size` 0 gave views of height 0, a negative `shortest_edge` a resize error after decoding, an
    `image_std` of 0 NaN pixels, `color_jitter_prob` 2 or -0.5 "always" or "never", and in training `scale_jitter=1.2`
    and `rand_augment=[2]` failed in the transforms with Python's bare "Value after * must be an iterable" / "not
    enough values to unpack"."""

    def number(value) -> bool:
        return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)

    for name in _SWITCHES:
        _check_switch(name, get(name))
    crops = get("do_center_crop") or get("num_crops") == 3 or get("do_train_augment")
    for name, used in (("size", get("do_resize")), ("crop_size", crops)):  # (unused, as a size without resizing)
        value = get(name)
        names = ("height", "width", "shortest_edge", "longest_edge", "max_height", "max_width")
        sides = {side: getattr(value, side, None) for side in names}
        if used and any(v is not None and not (number(v) and v >= 1) for v in sides.values()):
            raise ValueError(f"{name} sides must be at least 1 pixel, got {_describe_size(value)}.")
        if used and any(isinstance(v, (float, np.floating)) for v in sides.values()):  # (whole ones are ints here)
            raise ValueError(f"{name} sides must be whole numbers of pixels, got {_describe_size(value)}.")
    crop = get("crop_size")
    if crops and crop is not None and not (getattr(crop, "height", None) and getattr(crop, "width", None)):
        raise ValueError(f"crop_size must give 'height' and 'width', got {_describe_size(crop)}.")
    probability = get("color_jitter_prob")
    if probability is not None and not (number(probability) and 0 <= probability <= 1):
        raise ValueError(f"color_jitter_prob must be a probability in [0, 1], got {probability!r}.")
    jitter = get("scale_jitter")
    if jitter not in (None, False) and not (
        isinstance(jitter, (list, tuple))
        and len(jitter) == 2
        and all(number(f) for f in jitter)
        and 0 < jitter[0] <= jitter[1]
    ):
        raise ValueError(
            f"scale_jitter must be [min_factor, max_factor] with 0 < min_factor <= max_factor (scenic: [0.9, 1.33]), "
            f"or False for none; got {jitter!r}."
        )
    augment = get("rand_augment")
    if augment is not None and not (
        isinstance(augment, (list, tuple))
        and len(augment) == 2
        and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in augment)
        and augment[0] >= 0
        and 0 <= augment[1] <= 30
    ):
        raise ValueError(
            f"rand_augment must be [num_ops, magnitude]: whole numbers, num_ops >= 0 and magnitude in [0, 30] "
            f"(torchvision's scale), or None for none; got {augment!r}."
        )


def _unapplied_statistics(statistics: dict, preset: str) -> str:
    """VideoMAE's and ViT's processors normalise by default, so their users pass only the statistics (to the
    constructor, `from_pretrained` or a call): here the default preset has normalisation off, and the statistics
    changed no pixel without a word."""
    given = " and ".join(f"{name}={value!r}" for name, value in statistics.items())
    return (
        f"ViViTVideoProcessor got {given} without `do_normalize`, which the {preset!r} preset leaves off: they are "
        "not applied. Pass `do_normalize=True` to apply them after the rescale (x / 127.5 - 1 here), or "
        "`normalization='imagenet'` for (x / 255 - mean) / std."
    )


def _check_normalization(get) -> None:
    """`image_mean`, `image_std` and `rescale_factor` that would make NaN or infinite pixels, or the wrong ones, are
    refused by name, with the value given, whether or not `do_normalize` uses them now: a processor built or saved
    with them failed (or went NaN) at the first call that turned normalisation on. Before, a NaN or infinite mean, a
    NaN or tiny std, a NaN rescale factor, and a mean or std of None under `do_normalize=True` gave NaN or infinite
    `pixel_values` without a word, and a negative std turned the pixels upside down. transformers takes one number
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


def _check_switch(name: str, value) -> None:
    """An on/off option is True, False or None (the default); 0 and 1 read as they are meant too. Any other value
    (the string "false" above all, which is true) is refused, naming the option and the value."""
    if value is None or isinstance(value, (bool, np.bool_)):
        return
    if isinstance(value, (int, np.integer)) and value in (0, 1):
        return
    raise ValueError(f"{name} must be True or False, got {value!r} (a {type(value).__name__}).")


def _check_seed(seed, what: str) -> None:
    """A seed is None or a whole number >= 0 (what numpy's generators take), refused here rather than deep in numpy
    at the first random draw."""
    whole = isinstance(seed, (int, np.integer)) and not isinstance(seed, bool)
    if seed is not None and not (whole and seed >= 0):
        raise ValueError(f"{what} must be a whole number >= 0 or None, got {seed!r}.")


def _describe_unknown(unknown, valid, hints: dict[str, str] | None = None, kind: str = "options") -> str:
    """`unknown options ['num_frame' (did you mean 'num_frames'?)]; valid ones: [...]`, for an error or a warning;
    `hints` replaces the spelling guess for the names it holds; `kind` names what they are."""
    valid = sorted(valid)
    named = []
    for name in sorted(unknown):
        close = difflib.get_close_matches(name, valid, n=1)
        hint = (hints or {}).get(name) or (f"did you mean {close[0]!r}?" if close else None)
        named.append(f"{name!r} ({hint})" if hint else repr(name))
    return f"unknown {kind} [{', '.join(named)}]; valid ones: {valid}"


def _is_one_video(inputs) -> bool:
    """A list that is one video (its frames), not a list of videos."""
    # (a list of animated images is a list of videos, one each)
    return len(inputs) > 0 and all(_is_frame(x) for x in inputs) and not all(_is_animated(x) for x in inputs)
