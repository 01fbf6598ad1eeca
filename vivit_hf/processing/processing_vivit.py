# Copyright 2026 The vivit_hf Authors.
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.
"""`ViViTVideoProcessor`: decode only the sampled frames, transform each clip, stack the views.

A call takes one video or a list of them: paths, URLs, bytes, file objects, PyAV containers,
torchcodec decoders (what a decoded `datasets.Video` column holds), `datasets.Video(decode=False)`
dicts `{"path", "bytes"}`, numpy arrays or torch tensors (`THWC` or `TCHW`, uint8 or float),
and lists of PIL images. It returns `pixel_values` of shape
`(videos * num_clips * num_crops, num_frames, 3, H, W)` float32, views of one video adjacent
(clip-major, then crop).

Defaults are the paper's Kinetics clips, one a video: 32 frames at stride 2, shorter side 256, centre
crop 224, pixels zero-centred to [-1, 1] as scenic does (its test averages 4 clips x 3 crops:
`num_clips=4, num_crops=3`). Training augmentation is off
unless `do_train_augment=True` (random clip start, scale jitter + random crop, flip, and the
opt-in colour jitter and RandAugment).

This module holds the processor and its options (`ViViTVideoProcessorKwargs`), and what a call does with the
views: the transforms, the stacking and the checks of the options taken together. What a call's `videos` can be and
how each becomes frames is `video_inputs`; the checks and rules of single options (sizes, resampling, normalisation)
are `processor_options`. Their public names are importable from here too, as before they were split off.

It imports only numpy, torch, torchvision, PyAV, transformers and its sibling modules `video_inputs`,
`processor_options`, `video_io`, `sampling`, `video_transforms`, `forked_child` and `errors`, so it travels with
`trust_remote_code` (a saved folder carries it and what it imports relatively). The multi-view pipeline,
`ViViTVideoClassificationPipeline`, lives in `pipeline.py`: it imports this module, never the reverse, and is not
part of a saved folder.
"""

from __future__ import annotations

import difflib
import json
import logging
import math
import os
import sys
import typing
from multiprocessing.reduction import ForkingPickler
from typing import Any

import numpy as np
import torch
from torchvision.transforms import InterpolationMode
from transformers import BatchFeature
from transformers.image_utils import PILImageResampling
from transformers.processing_utils import VideosKwargs
from transformers.video_processing_utils import BaseVideoProcessor
from transformers.video_utils import VideoMetadata

from .errors import BrokenVideoError, ProcessorConfigError
from .forked_child import distributed_rank, one_thread_if_forked, process_entropy, with_child_entropy

# The names of `processor_options` and `video_inputs` this module uses, and their other public names, which stay
# importable from here as before the two were split off (code imported them from here; hence the noqa)
from .processor_options import (  # noqa: F401
    BOOKKEEPING_KEYS,
    LOADED_FOR_INFERENCE,
    MODE_NAMES,
    NORMALIZATION_FIELDS,
    NORMALIZATION_OPTIONS,
    PIL_CODES,
    RUNTIME_STATE,
    as_lists,
    check_crop_size,
    check_model_input_names,
    check_normalization,
    check_preset,
    check_seed,
    check_size,
    check_switch,
    describe_size,
    describe_unknown,
    fixed_view_size,
    interpolation_mode,
    is_cropped,
    json_value,
    offset_range_warning,
    options_affine,
    refuse_unsupported,
    resized_frame,
    resized_size,
    transformers_defaults,
    transformers_rescale_offset,
    unapplied_augmentation,
    unapplied_statistics,
    unsampled_count,
    whole_pixel_sizes,
)
from .sampling import (
    SAMPLING_MODES,
    SHORT_VIDEO_ADVICE,
    check_one_tubelet,
    check_short_video,
    fps_indices,
    sample_clips,
)
from .video_inputs import (  # noqa: F401
    FrameSource,
    ViViTVideoMetadata,
    as_metadata,
    as_video_list,
    call_float_scale,
    check_array_video,
    check_convert_rgb,
    check_data_format,
    decoder_resize,
    float_scale,
    is_image_files,
    is_one_frame,
    is_one_video,
    is_video_batch_sequence,
    metadata_of_video,
    metadata_per_video,
    normalised_reaches,
    per_video_options,
    take_frames,
)
from .video_io import describe_source
from .video_sources import IMAGE_SEQUENCE_ADVICE
from .video_transforms import (
    NORMALIZATION_PRESETS,
    RESIZED_BYTES,
    apply_affine,
    center_crop,
    color_jitter,
    horizontal_flip,
    rand_augment,
    random_crop,
    resize,
    resized_views,
    scale_jitter,
    three_crops,
)

logger = logging.getLogger(__name__)
# (frame height, width, crop height, width), each side cut to the crop, already warned of in this process: once
# each, not once per clip, and not once per frame width of a data set resized by its shorter side (same padding)
_PADDED: set[tuple[int, int, int, int]] = set()
# the unapplied statistics and off-range offsets (`offset_range_warning`) already warned of in this process
_UNAPPLIED_WARNED: set[str] = set()


def _reduce_for_child(processor: ViViTVideoProcessor) -> tuple:
    """`processor` pickled for a child process (multiprocessing's pickler: a spawned DataLoader worker's data set)
    with the sending process's rank, read by the child's `distributed_rank` (see `ViViTVideoProcessor._parent_rank`)."""
    rebuild, args, state, *rest = processor.__reduce_ex__(2)
    return (rebuild, args, {**state, "_parent_rank": distributed_rank(processor._parent_rank)}, *rest)


def _warn_when_padded(height: int, width: int, crop, size) -> None:
    """A frame smaller than the crop is zero-padded up to it, as scenic's and TF's `resize_with_crop_or_pad` and
    transformers' centre crop do. Meant for the odd tiny video; from a `size` below `crop_size` it is every view, and
    nothing else shows it (a 224 crop of frames resized to 20 is 99% black)."""
    key = (min(int(height), crop.height), min(int(width), crop.width), crop.height, crop.width)
    if (height >= crop.height and width >= crop.width) or key in _PADDED:
        return
    _PADDED.add(key)
    padding = 1 - min(height, crop.height) * min(width, crop.width) / (crop.height * crop.width)
    resized = "" if size is None else f" (resized with size={describe_size(size)})"
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


# (frame height, width, jitter range, crop height, width) whose jitter was said to pad training views; a side the
# jitter never cuts below the crop as None, so a data set of many widths resized to one height is said once
_JITTER_PADDED: set[tuple] = set()


def _warn_when_jitter_pads(height: int, width: int, jitter, crop, size) -> None:
    """The training scale jitter can shrink resized frames below the crop, and the random crop then zero-pads them as
    a small frame's (`_warn_when_padded`, which sees the frames before the jitter): a size equal to the crop (224 for
    224, 32 for 32) with scenic's [0.9, 1.33] gives black borders to 23% of training views (those whose height factor
    is below 1), which test views never have. (scenic's configs resize to 256 for a 224 crop, 230 at
    the least; DMVR's random crop fails on a smaller frame.) Said once per jitter, crop and size of the sides it cuts
    (a width it never cuts below the crop changes nothing), with the share of views padded."""
    low, high = (float(factor) for factor in jitter)
    if height < crop.height or width < crop.width:
        return  # (frames below the crop before the jitter: `_warn_when_padded` said so)
    # a side is cut below the crop where its factor is under crop / side (`scale_jitter` truncates factor * side)
    shares = [
        min(1.0, max(0.0, (c / side - low) / (high - low))) if high > low else float(low * side < c)
        for side, c in ((height, crop.height), (width, crop.width))
    ]
    padded = 1 - (1 - shares[0]) * (1 - shares[1])
    key = (
        *(int(side) if share else None for side, share in zip((height, width), shares)),
        low,
        high,
        crop.height,
        crop.width,
    )
    if padded == 0 or key in _JITTER_PADDED:
        return
    _JITTER_PADDED.add(key)
    smallest = (int(np.float32(low) * np.float32(height)), int(np.float32(low) * np.float32(width)))
    resized = "" if size is None else f" (resized with size={describe_size(size)})"
    logger.warning(
        "ViViTVideoProcessor's scale_jitter [%g, %g] shrinks training frames of %dx%d%s to as little as %dx%d, below "
        "crop_size %dx%d: about %.0f%% of training views are zero-padded (black borders test views never have). Give "
        "frames of at least %dx%d before the jitter (a larger size, as scenic's 256 for a 224 crop) or a smallest "
        "factor of at least %g unless that is meant.",
        low,
        high,
        height,
        width,
        resized,
        *smallest,
        crop.height,
        crop.width,
        100 * padded,
        math.ceil(crop.height / low),
        math.ceil(crop.width / low),
        # rounded up: 28 / 30 printed as 0.933 still cut 30 rows to 27 (the jitter truncates)
        math.ceil(1000 * max(crop.height / height, crop.width / width)) / 1000,
    )


__all__ = [
    "BrokenVideoError",
    "ViViTVideoMetadata",
    "ViViTVideoProcessor",
    "ViViTVideoProcessorKwargs",
    "ViViTVideosKwargs",
]


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
        DataLoader worker mixed with the worker's torch seed, in a `Dataset.map` worker with its number; see
        `_stream_entropy`).
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
        a float video with a value above 2 is read on [0, 255]; one whose values all lie within [0, 2] is
        refused (it may be [0, 1] pixels, a resize's overshoot past 1 included, or a very dark [0, 255] video:
        the values cannot tell), unless it is all zeros. Integer videos go by dtype: uint16 on [0, 65535] (one
        whose values all lie within 255 is refused: 8-bit pixels held in uint16, or a black 16-bit video?),
        other integers on [0, 255].
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
# hand-written preprocessor config or a call (`do_center_crop="false"`) would turn the step on
_SWITCHES = tuple(
    name for name, hint in typing.get_type_hints(ViViTVideoProcessorKwargs).items() if hint == (bool | None)
)


class ViViTVideoProcessor(BaseVideoProcessor):
    r"""Video processor for the four ViViT models (see `ViViTVideoProcessorKwargs` for its own options).

    Example:
        ```python
        from vivit_hf import ViViTVideoProcessor

        proc = ViViTVideoProcessor()                                  # 32 frames, stride 2, 224, [-1, 1]
        batch = proc(["a.mp4", "b.webm"], return_tensors="pt")        # pixel_values (2, 32, 3, 224, 224)
        views = proc("a.mp4", num_clips=4, num_crops=3, return_tensors="pt")  # (12, 32, 3, 224, 224)
        train = proc(["a.mp4", "b.webm"], do_train_augment=True, do_color_jitter=True, seed=0, return_tensors="pt")
        ```
    """

    valid_kwargs = ViViTVideoProcessorKwargs
    # every input a call can return that the models read: `attention_mask` comes with `pad_to_longest` only, as
    # transformers lists masks a call may leave out (Wav2Vec2's `attention_mask` without `return_attention_mask`,
    # DETR's `pixel_mask` without `do_pad`); transformers' Trainer reads the first name alone, its pipelines the names
    # only for the side they pad on, never asking for a key a call lacks
    model_input_names = ["pixel_values", "attention_mask"]

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
        unknown = set(kwargs) - set(self.valid_kwargs.__annotations__) - BOOKKEEPING_KEYS
        if unknown:
            raise ValueError(f"ViViTVideoProcessor got {describe_unknown(unknown, self.valid_kwargs.__annotations__)}.")
        preset = check_preset(kwargs.get("normalization") or type(self).normalization)
        statistics = sorted(kwargs.keys() & {"image_mean", "image_std"}) if "do_normalize" not in kwargs else []
        given = dict(kwargs)
        for field, value in NORMALIZATION_PRESETS[preset].items():
            kwargs.setdefault(field, value)  # an explicit value (e.g. from a saved config) wins over the preset
        kwargs["normalization"] = preset
        if statistics and not kwargs["do_normalize"]:
            logger.warning(unapplied_statistics({name: kwargs[name] for name in statistics}, preset))
        offset_warning = offset_range_warning(given, lambda name: kwargs.get(name, getattr(type(self), name, None)))
        if offset_warning:
            logger.warning(offset_warning)
        check_seed(kwargs.get("seed"), "ViViTVideoProcessor(seed=...)")
        resample = kwargs.get("resample")
        if isinstance(resample, str) and resample in MODE_NAMES:  # torchvision's name ("bilinear"), as its mode
            resample = InterpolationMode(resample)
        if isinstance(resample, InterpolationMode) and resample in PIL_CODES:
            # kept as PIL's code, which a saved config can hold and which transformers' processors (and vivit_hf
            # before torchvision's names were taken) read back
            kwargs["resample"] = PIL_CODES[resample]
        if "model_input_names" in kwargs:
            kwargs["model_input_names"] = check_model_input_names(kwargs["model_input_names"])
        refuse_unsupported(kwargs)
        as_lists(kwargs)
        whole_pixel_sizes(kwargs)
        # before transformers turns lists into tuples: the error shows the value as given
        check_normalization(lambda name: kwargs.get(name, getattr(type(self), name, None)))
        super().__init__(**kwargs)
        # What a call refuses is refused here too: built (and saved) with such a value, a processor failed at every
        # call, and `InterpolationMode.NEAREST` could not even be printed or saved (not JSON).
        if self.resample is not None:
            interpolation_mode(self.resample)
        if self.do_resize and self.size is not None:
            check_size(self.size)
        check_data_format(getattr(self, "input_data_format", None))
        _check_option_values(lambda name: getattr(self, name, None))
        # and the rest a call checks (a sampling_mode, num_frames=0, num_crops=5, short_video="skip", ...), with the
        # call's message: taken here, they failed only at the first call, often in a DataLoader worker of a long run
        self._options({})
        if self.num_frames is None and self.fps is None and self.frame_stride not in (1, type(self).frame_stride):
            # a sampled clip is then every frame, as transformers samples (the default stride of 2 must keep that):
            # the stride changes no frame, which the user would not see
            logger.warning(
                "ViViTVideoProcessor(num_frames=None, frame_stride=%s): without num_frames a sampled clip is every "
                "frame of the video, and frame_stride does not apply. Set num_frames for clips at that stride, or pass "
                "frame_stride in a call for every %s-th frame of the whole video.",
                self.frame_stride,
                self.frame_stride,
            )
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
            for field, preset_value in NORMALIZATION_PRESETS[check_preset(value)].items():
                super().__setattr__(field, preset_value)

    @classmethod
    def from_dict(cls, video_processor_dict: dict[str, Any], **kwargs):
        """As transformers' `from_dict`, but a saved key that is no option warns (naming the closest option) instead
        of failing: a config written by another version may carry options this one lacks, and must still load. The
        key is kept on the instance, as transformers keeps it, so saving again loses nothing."""
        saved = dict(video_processor_dict)
        offset = transformers_rescale_offset(saved)
        if offset is not None:  # a config one of transformers' processors wrote: its own offset, not the preset's,
            saved.pop("offset", None)
            saved["rescale_offset"] = offset
            # and its pixels from files: full frames converted, then resized in torch (not while decoding)
            saved.setdefault("resize_in_decoder", False)
            # and what it leaves out is that class's default, not this one's
            for key, value in transformers_defaults(saved).items():
                saved.setdefault(key, value)
        if "model_input_names" in kwargs:
            # transformers sets a loading keyword that is no option on the built processor, past the constructor's
            # check (`from_pretrained(path, model_input_names="pixel_values")` was taken, the Trainer's first name
            # then 'p'), with a warning that it "was applied for backward compatibility": it replaces the saved list
            kwargs = dict(kwargs)
            saved["model_input_names"] = kwargs.pop("model_input_names")
        valid = cls.valid_kwargs.__annotations__
        unknown = {key: saved.pop(key) for key in list(saved) if key not in valid and key not in BOOKKEEPING_KEYS}
        if unknown:
            logger.warning(
                "The saved ViViTVideoProcessor config has %s; it is kept but not used (a config from another "
                "version of vivit_hf, or a misspelt option).",
                describe_unknown(unknown, valid),
            )
        # transformers drops a loading option it does not know (`from_pretrained(path, num_frame=8)`) unless the caller
        # asked for the unused ones back (one naming an attribute it sets, for backward compatibility). It also passes
        # its own loading options here (the pipeline: `dtype`, `code_revision`), so only a near-miss of an option name
        # is taken for a misspelt one.
        ignored = [k for k in kwargs if k not in valid and not hasattr(cls, k) and k != "return_unused_kwargs"]
        ignored = [k for k in ignored if difflib.get_close_matches(k, valid, n=1, cutoff=0.8)]
        if ignored and not kwargs.get("return_unused_kwargs"):
            logger.warning("ViViTVideoProcessor ignored the loading %s.", describe_unknown(ignored, valid))
        # statistics given at load over a saved config whose normalisation is off (a preset given at load: the
        # constructor says so)
        statistics = {n: kwargs[n] for n in ("image_mean", "image_std") if kwargs.get(n) is not None}
        if "do_normalize" in kwargs or kwargs.get("normalization") is not None:
            statistics = {}
        loading_preset = kwargs.get("normalization") is not None
        if loading_preset:
            # A loading preset replaces the saved one with its fields, except those given beside it; applied after
            # building (as transformers sets loading keywords), it would depend on the keywords' order.
            saved = {k: v for k, v in saved.items() if k not in NORMALIZATION_FIELDS}
            saved["normalization"] = kwargs.pop("normalization")
        for option, (how, instead, use) in LOADED_FOR_INFERENCE.items():
            if saved.get(option) and option not in kwargs:
                saved[option] = False
                logger.warning(
                    f"This ViViTVideoProcessor was saved {how}; it is loaded for inference ({instead}). To {use} "
                    f"again pass {option}=True to from_pretrained or to each call."
                )
        try:
            loaded = super().from_dict(saved, **kwargs)
        except ValueError as error:
            refused = ProcessorConfigError(str(error))
            if kwargs.get("_from_pipeline"):
                # transformers' pipeline takes any error loading the processor for none there, and says only that it
                # "requires either a video processor or an image processor": this is the line that names the option
                given = [key for key in kwargs if key in valid]
                # (from_dict is not told the folder, so not which of the files transformers reads it came from: they
                # are named in the order it reads them, `saved_config_name`'s)
                logger.error(
                    'The video processor saved with this model cannot be loaded: its config (the "video_processor" '
                    "in processor_config.json where that file holds one, else video_preprocessor_config.json, else "
                    "preprocessor_config.json)%s holds an option no clip can be processed with: %s Correct it in that "
                    "file.",
                    f" or the options given with it ({', '.join(given)})" if given else "",
                    refused,
                )
            raise refused from error
        processor = loaded[0] if kwargs.get("return_unused_kwargs") else loaded
        for key, value in unknown.items():
            setattr(processor, key, value)
        if kwargs.get("_from_pipeline"):
            # loaded by transformers' `pipeline()`, which loads a model's saved processor even beside one given as
            # `image_processor=`: `ViViTVideoClassificationPipeline` then takes the one given (this mark tells them
            # apart; the user's `video_processor=` is never marked)
            processor._pipeline_loaded = True
        if statistics and not processor.do_normalize:
            logger.warning(unapplied_statistics(statistics, processor.normalization))
        offset_warning = offset_range_warning(kwargs, lambda name: getattr(processor, name, None))
        if offset_warning and not loading_preset:  # (with a loading preset the constructor said it)
            logger.warning(offset_warning)
        return loaded

    @classmethod
    def from_json_file(cls, json_file):
        # transformers' version calls the constructor directly, which refuses unknown keys: a saved file is loaded
        with open(json_file, encoding="utf-8") as reader:
            return cls.from_dict(json.load(reader))

    def to_dict(self) -> dict[str, Any]:
        output = super().to_dict()
        for key in RUNTIME_STATE:
            output.pop(key, None)
        # options are taken as numpy numbers (`num_frames=np.int64(8)`, read from an array or a table) and a
        # `torch.device`, which JSON cannot hold: `save_pretrained` failed with "Object of type int64 is not JSON
        # serializable" (in a training run, at the Trainer's first checkpoint, which saves the processor)
        return {key: json_value(value) for key, value in output.items()}

    # -- options ---------------------------------------------------------------------------------
    def _options(self, kwargs: dict) -> dict:
        allowed = set(self.valid_kwargs.__annotations__) | {"return_tensors"}
        unknown = set(kwargs) - allowed
        if unknown:
            raise ValueError(f"ViViTVideoProcessor got {describe_unknown(unknown, allowed)}.")
        statistics = {n: kwargs[n] for n in ("image_mean", "image_std") if kwargs.get(n) is not None}
        if kwargs.get("do_normalize") is not None:
            statistics = {}
        given = dict(kwargs)
        if kwargs.get("normalization") is not None:
            for field, value in NORMALIZATION_PRESETS[check_preset(kwargs["normalization"])].items():
                kwargs.setdefault(field, value)
        opts = {k: kwargs[k] if kwargs.get(k) is not None else getattr(self, k, None) for k in allowed}
        as_lists(opts)  # (the processor's own too: an attribute set after building)
        whole_pixel_sizes(opts)
        if "short_video" in kwargs:  # None is a real choice here, not "use the default"
            opts["short_video"] = kwargs["short_video"]
        refuse_unsupported(opts)
        check_normalization(opts.get)  # (before `_standardize_kwargs`, which makes tuples of the lists given)
        if statistics and not opts["do_normalize"]:
            message = unapplied_statistics(statistics, opts["normalization"])
            if message not in _UNAPPLIED_WARNED:  # once, not once per call of a loop
                _UNAPPLIED_WARNED.add(message)
                logger.warning(message)
        for message in (
            offset_range_warning(given, opts.get),
            unapplied_augmentation(given, opts.get),
            unsampled_count(given, opts.get),
        ):
            if message and message not in _UNAPPLIED_WARNED:  # (once, as above)
                _UNAPPLIED_WARNED.add(message)
                logger.warning(message)
        # only a call's own seed seeds the call; the processor's seeds its stream (`_generator`)
        opts["seed"] = kwargs.get("seed")
        check_seed(opts["seed"], "seed")
        # a call's float_max speaks of its own videos; the processor's (a saved config's) of the videos it expected
        opts["float_max_in_call"] = kwargs.get("float_max") is not None
        # both steps turned off in a call: transformers' idiom for a video processed already (`float_scale`)
        opts["processed_already"] = kwargs.get("do_rescale") is False and kwargs.get("do_normalize") is False
        # a call's frame_stride is asked for; the processor's (2 by default) cannot tell a chosen 2 from the default
        opts["frame_stride_in_call"] = kwargs.get("frame_stride") is not None
        opts["num_frames_in_call"] = kwargs.get("num_frames") is not None  # (frames in memory kept: said, not used)
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
            check_size(opts["size"])
        check_crop_size(opts)
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
        if opts["frame_stride_in_call"] and opts["do_sample_frames"] is not False and not _every_frame(opts):
            # a stride picks a clip's frames only in stride sampling: the call's frame_stride changed no frame
            spread = "fps sampling" if opts["fps"] is not None else None
            spread = spread or ("sampling_mode='uniform'" if opts["sampling_mode"] == "uniform" else None)
            if spread:
                raise ValueError(
                    f"frame_stride={kwargs['frame_stride']!r} changes no frame under {spread}, which spreads the clip "
                    "over the whole video: pass sampling_mode='stride' (and num_frames, not fps) for clips of "
                    "frames that many apart, or leave frame_stride out."
                )
        check_short_video(opts["short_video"])
        interpolation_mode(opts["resample"])  # before decoding anything
        # (True == 1, numpy's too: a switch is no count)
        if isinstance(opts["num_crops"], (bool, np.bool_)) or opts["num_crops"] not in (1, 3):
            raise ValueError(f"num_crops must be 1 (centre) or 3 (three crops), got {opts['num_crops']!r}.")
        for name in ("num_clips", "num_frames", "frame_stride"):
            if name == "num_frames" and opts[name] is None:
                # fps sampling takes no frame count (transformers' `num_frames=None, fps=2`); neither: every frame,
                # as transformers samples with `num_frames=None` (a processor built so must not fail at every call)
                continue
            # a bool is an int to Python: num_frames=True would make one-frame clips
            if isinstance(opts[name], bool) or not isinstance(opts[name], (int, np.integer)) or opts[name] < 1:
                raise ValueError(f"{name} must be a positive integer, got {opts[name]!r}.")
        if opts["do_sample_frames"] is False and opts["num_clips"] != 1:
            raise ValueError("num_clips > 1 needs do_sample_frames=True (clips are sampled from the video).")
        if _every_frame(opts) and opts["num_clips"] != 1:
            raise ValueError("num_clips > 1 needs num_frames (or fps): with neither, the one clip is every frame.")
        float_max = opts["float_max"]
        number = isinstance(float_max, (int, float, np.integer, np.floating)) and not isinstance(float_max, bool)
        if float_max is not None and not (number and 0 < float_max < float("inf")):
            raise ValueError(
                f"float_max must be a positive number (1.0 for [0, 1] pixels, 255.0 for [0, 255]), got {float_max!r}."
            )
        return opts

    def _generator(self, seed, train: bool = True) -> np.random.Generator:
        """The call's own generator when it gives a seed, else the processor's stream.

        Without a processor `seed` a training call draws its generator's seed from torch's generator, as torch's own
        random transforms draw from it: what restores torch's state restores the draws too (transformers' Trainer
        does, resuming from a checkpoint; a stream made from torch's seed started again there and repeated the first
        epoch's crops). A DataLoader seeds each worker's torch with `base_seed + worker_id` and draws a new
        `base_seed` for every epoch of non-persistent workers, so workers and epochs draw differently, even when the
        processor was already called in the main process; and `torch.manual_seed(n)` / `transformers.set_seed(n)`
        makes the draws reproducible. An inference call draws nothing, so it leaves torch's generator as it was.
        With a processor `seed`, its own stream (`_stream_entropy`), made again whenever torch's seed changes.
        A worker of `Dataset.map(..., num_proc=N)`, which no one seeds, mixes in its number (`with_child_entropy`): a
        copy of its parent's generator, every worker drew the first clip's start, crop and flip alike. A rank other
        than 0 of a distributed run mixes in its rank (`rank_entropy`): seeded alike, rank 1 drew rank 0's draws."""
        if seed is not None:
            return np.random.default_rng(seed)
        if self.seed is None:
            return np.random.default_rng(
                with_child_entropy(int(torch.randint(2**62, ())), self._parent_rank) if train else 0
            )
        # not the process id: a fork keeps torch's seed, and a stream made again from it would repeat in every fork
        # all the same (a DataLoader re-seeds its workers' torch, which is what tells them apart)
        # (and a forked child's number: its copy of the parent's stream is made anew)
        # (and a rank of a distributed run: made before `init_process_group`, it is made again after)
        key = (
            torch.initial_seed(),
            self.seed,
            process_entropy(self._parent_rank),
        )  # `seed` too: setting the attribute re-seeds
        if self._rng is None or self._rng_key != key:
            self._rng = np.random.default_rng(np.random.SeedSequence(self._stream_entropy()))
            self._rng_key = key
        return self._rng

    def _stream_entropy(self) -> list[int]:
        """What seeds the stream of a processor `seed`: that seed in the main process (the same sequence run after
        run whatever torch's seed) and both in a DataLoader worker (each worker and epoch its own draws, still
        reproducible with `torch.manual_seed`); a map worker's number and a rank other than 0 after them."""
        in_worker = torch.utils.data.get_worker_info() is not None
        return with_child_entropy(
            [int(self.seed), torch.initial_seed()] if in_worker else [int(self.seed)], self._parent_rank
        )

    # A DataLoader worker started by spawning (`multiprocessing_context="spawn"`, or under `mp.spawn`) gets this
    # processor pickled by its rank, but neither the rank's process group nor a `RANK` when the rank started its group
    # with `rank=` alone: seeded alike (`set_seed`), every rank's workers drew rank 0's clip starts, crops and flips.
    # The copy sent to a child carries the rank that sent it, which `distributed_rank` reads in a worker lacking its
    # own. Only multiprocessing's pickler carries it: in `__getstate__` it was in every pickle, so `datasets`'
    # fingerprint of a `.map` over the processor differed between ranks and ranks past 0 missed rank 0's cache.
    _parent_rank = 0

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        ForkingPickler.register(cls, _reduce_for_child)  # (its table is by exact class)

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
        return options_affine(self._options(kwargs), device)

    def resized_frame_size(self, height: int, width: int, **kwargs) -> tuple[int, int]:
        """`(H, W)` a call with these options (the processor's own, by default) resizes a `height` x `width` frame to
        before cutting its crops (`(height, width)` without `do_resize`), by the rule its views follow: for what must
        know a view's frame without decoding a video (the model card's multi-view advice)."""
        return resized_frame(height, width, self._options(kwargs))

    def view_size(self, **kwargs) -> tuple[int, int] | None:
        """`(H, W)` of every view a call with these options (the processor's own, by default) makes, whatever the
        video: its crops' size, or a resize's fixed height and width where it crops none; None where each video's
        frames decide it (a shortest edge resized, or none). `crop_size` alone was read for it, also where nothing
        is cropped."""
        return fixed_view_size(self._options(kwargs))

    def _views_batch(self, videos, kwargs: dict, raw: bool) -> BatchFeature:
        """A call: every video's views, normalised (or, `raw`, as they are) and stacked, and what the options ask
        for beside them. In a forked child (a `Dataset.map(..., num_proc=N)` worker) on one thread: torch's thread
        pool, started in the parent, cannot start there (`forked_child`)."""
        with one_thread_if_forked():
            return self._views_batch_here(videos, kwargs, raw)

    def _views_batch_here(self, videos, kwargs: dict, raw: bool) -> BatchFeature:
        given_metadata = kwargs.pop("video_metadata", None)  # the frame rate for `fps` sampling
        # transformers' options `_options` does not resolve: the call's, else the processor's own, as transformers
        # merges them (set on the processor or saved in its config, ignored, `return_metadata=True` would give no
        # metadata, and `input_data_format="channels_last"` read an ambiguous (T, 3, H, 3) array channels-first)
        device = self._call_or_own(kwargs, "device")
        return_metadata = self._call_or_own(kwargs, "return_metadata")
        check_switch("return_metadata", return_metadata)
        return_metadata = bool(return_metadata)
        input_data_format = self._call_or_own(kwargs, "input_data_format")
        check_data_format(input_data_format)  # before decoding anything
        kwargs.pop("data_format", None)  # (transformers' video processors give channels-first too)
        opts = self._options(kwargs)
        rng = self._generator(opts["seed"], bool(opts["do_train_augment"]))

        views, kept, metadata = [], [], []
        video_list = as_video_list(videos)
        # this call made by transformers' own pipeline (its input, as the user gave it, or None): the processor it
        # loaded is also called directly (`pipe.video_processor(videos)`), where its warnings would contradict
        # (transformers' pipeline scores `logits[0]`, the first row alone: its first call with several views, or an
        # input of several videos, says so, and a frame of a list of frames refused says why it came alone; given to
        # it as an image processor, the processor gets frames that pipeline decoded itself)
        plain_pipeline = _plain_pipeline_call(self)
        if plain_pipeline:
            self._warn_heads_ranked_together(plain_pipeline[3])
            # before any video is decoded: the model's "shorter than one tubelet" named no frame count (the frames it
            # decoded itself where it holds this processor as its image processor, else the count it passes here)
            frames = plain_pipeline[2] if plain_pipeline[2] is not None else opts["num_frames"]
            check_one_tubelet(plain_pipeline[3], frames)
        if plain_pipeline and plain_pipeline[2] is not None:
            self._warn_given_as_image_processor(plain_pipeline[2], plain_pipeline[1])
            # its frames are one video, whose crops (`num_crops=3`) are views of which it scores the first
            self._warn_first_row_scored(videos, 1, opts)
            plain_pipeline = None  # (and its rate applied, by its own decode)
        if plain_pipeline:
            self._warn_first_row_scored(videos, len(video_list), opts)
            self._warn_sampling_rate_unused(plain_pipeline[1], opts)
        metadata_list = metadata_per_video(given_metadata, len(video_list))
        for position, video in enumerate(video_list):
            try:
                clips, meta = self._process_one(video, opts, rng, input_data_format, device, metadata_list[position])
            except ValueError as error:  # BrokenVideoError (VideoDecodeError among them) is a ValueError
                # By class, never by message: a wrong option must still raise whatever its text says, and a broken
                # sample is skipped however its message is worded.
                if not (opts["skip_broken"] and isinstance(error, BrokenVideoError)):
                    if len(video_list) > 1:  # which one of the batch (in-memory videos have no file name)
                        _add_note(error, f"(video {position} of the {len(video_list)} in this call)")
                    if plain_pipeline and isinstance(plain_pipeline[0], list) and _frames_read_as_videos(videos):
                        _add_note(error, _FRAME_AS_VIDEO)  # (a lone image file is no list read as videos)
                    elif plain_pipeline and isinstance(error, BrokenVideoError) and SHORT_VIDEO_ADVICE in str(error):
                        _add_note(error, _NO_SHORT_VIDEO_THERE)
                    elif plain_pipeline and "float_max=1.0" in str(error) and "to the call" in str(error):
                        _add_note(error, _NO_FLOAT_MAX_THERE)
                    elif plain_pipeline and IMAGE_SEQUENCE_ADVICE in str(error):
                        _add_note(error, _IMAGE_SEQUENCE_THERE)
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

    def _warn_sampling_rate_unused(self, rate, opts: dict) -> None:
        """transformers' pipeline('video-classification') takes `frame_sampling_rate` and hands it to no video
        processor: its clip's frames were this processor's `frame_stride` apart whatever the rate asked, without a
        word (`pipe(video, frame_sampling_rate=4)` scored the very frames of the default). Said once per rate, where
        it differs from the stride the clip is taken at."""
        said = self.__dict__.setdefault("_first_row_said", set())
        stride_sampled = opts["fps"] is None and opts["sampling_mode"] == "stride"
        if rate in (None, 1) or (stride_sampled and rate == opts["frame_stride"]) or ("rate", repr(rate)) in said:
            return  # (1: the pipeline's default, given or not: no rate asked)
        said.add(("rate", repr(rate)))
        if stride_sampled:
            how = (
                f"samples its clip {opts['frame_stride']} frames apart. Set `pipe.video_processor.frame_stride = "
                f"{rate}`, or build it with `pipeline_class=ViViTVideoClassificationPipeline` (from vivit_hf), which "
                "takes the rate as the clip's frame_stride."
            )
        else:  # (uniform: a stride picks no frame there, in either pipeline)
            how = (
                f"spreads its clip over the whole video (sampling_mode={opts['sampling_mode']!r}), at no rate. Set "
                f"`pipe.video_processor.sampling_mode = 'stride'` and `pipe.video_processor.frame_stride = {rate}` for "
                "clips of frames that many apart."
            )
        logger.warning(
            "transformers' pipeline('video-classification') does not pass frame_sampling_rate=%s to a video "
            "processor: this ViViTVideoProcessor %s",
            rate,
            how,
        )

    def _warn_given_as_image_processor(self, num_frames: int, rate: int) -> None:
        """Say, once, where transformers' pipeline('video-classification') was given this processor as its image
        processor (`pipeline(..., image_processor=processor)`, the name its video pipelines took before video
        processors): it then decodes the video's first frames itself and hands them over as images, so this
        processor's sampling was skipped and another clip scored than with `video_processor=processor`, with only
        transformers' word that image processors are deprecated for video, asking to add a video processor."""
        said = self.__dict__.setdefault("_first_row_said", set())
        if "image_processor" in said:
            return
        said.add("image_processor")
        logger.warning(
            "this ViViTVideoProcessor was given to transformers' pipeline('video-classification') as its image "
            "processor (`image_processor=`): that pipeline then decodes frames 0 to %s itself (%s frames, %s apart) "
            "and hands them over as images, so the processor's own sampling (frame_stride=%s, fps=%s, num_clips=%s) "
            "is not applied. Pass it as `video_processor=` instead.",
            num_frames * rate - 1,
            num_frames,
            rate,
            self.frame_stride,
            self.fps,
            self.num_clips,
        )

    def _warn_heads_ranked_together(self, model) -> None:
        """transformers' pipeline('video-classification') scores a model of named label spaces (Epic Kitchens' verb
        and noun heads) as one head: one softmax over every head's classes and one top_k list of them, so a noun
        competed with the verbs (0.33 on its own head came out 0.19), said in the docs alone. Said once."""
        spaces = getattr(getattr(model, "config", None), "label_spaces", None) or {}
        said = self.__dict__.setdefault("_first_row_said", set())
        if len(spaces) < 2 or "heads" in said:
            return
        said.add("heads")
        logger.warning(
            "transformers' pipeline('video-classification') scores this model's %d label spaces (%s) as one list: "
            "its softmax is taken over all %d classes together (a %s class competes with the %s ones: its score is "
            "no head's probability) and top_k ranks them together. Build it with "
            "`pipeline_class=ViViTVideoClassificationPipeline` (from vivit_hf), which scores each head on its own "
            "(and %s).",
            len(spaces),
            ", ".join(f"{name}: {size}" for name, size in spaces.items()),
            sum(spaces.values()),
            *list(spaces)[:2],
            "verb-noun actions" if {"verb", "noun"} <= set(spaces) else "each head's top_k",
        )

    def _warn_first_row_scored(self, videos, num_videos: int, opts: dict) -> None:
        """Say, once each, where transformers' pipeline('video-classification') scores part of a call: it hands each of
        its inputs to the processor whole and scores `logits[0]`, the first row of the batch it gets back."""
        said = self.__dict__.setdefault("_first_row_said", set())
        views = opts["num_clips"] * opts["num_crops"]
        if views > 1 and "views" not in said:
            said.add("views")
            logger.warning(
                "transformers' pipeline('video-classification') scores only the first of the %d views this "
                "ViViTVideoProcessor makes of each video (num_clips=%d x num_crops=%d: its first clip's first crop, "
                "the left or top one of three), without averaging them. Build it with "
                "`pipeline_class=ViViTVideoClassificationPipeline` (from vivit_hf) to average every view's logits, "
                "or set `pipe.video_processor.num_clips = 1` and `num_crops = 1` for one centre view.",
                views,
                opts["num_clips"],
                opts["num_crops"],
            )
        if num_videos > 1 and "videos" not in said:
            # a 5-D array or a tuple is one input there (it batches a list alone): one result, the first video's
            said.add("videos")
            shape = f" of shape {tuple(videos.shape)}" if hasattr(videos, "shape") else ""
            logger.warning(
                "transformers' pipeline('video-classification') took one input holding %d videos (%s%s) for one "
                "video and scores only the first of them: one result. Pass the videos as a list (`list(videos)`: one "
                "result each), or build it with `pipeline_class=ViViTVideoClassificationPipeline` (from vivit_hf), "
                "which gives each video of a 5-D array or a tuple its own result.",
                num_videos,
                type(videos).__name__,
                shape,
            )

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
        if _every_frame(opts):  # transformers' `default_sample_indices_fn` with neither num_frames nor fps
            # the whole video; at a stride the call asks for (`proc(video, frame_stride=4)`), as it reads, not every
            # frame
            stride = int(opts["frame_stride"]) if opts.get("frame_stride_in_call") else 1
            return np.arange(0, num_video_frames, stride)[None]
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
        metadata = as_metadata(metadata, "metadata")
        total = getattr(metadata, "total_num_frames", None)
        if isinstance(total, bool) or not isinstance(total, (int, np.integer)) or total < 1:
            raise ValueError(f"metadata.total_num_frames must be a whole number of frames >= 1, got {total!r}.")
        call = {"num_frames": num_frames, "fps": fps, **kwargs}
        opts = self._options({key: value for key, value in call.items() if value is not None})
        # `_asked_by_sample_frames`: a subclass's `sample_frames` calling this one gets the rule, not itself again
        opts.update(do_sample_frames=True, video_fps=metadata.fps, _asked_by_sample_frames=True)
        name = f"a video of {total} frames"
        indices = self.sample_indices(total, opts, self._generator(opts["seed"], bool(opts["do_train_augment"])), name)
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
        sampled_by_count = opts["do_sample_frames"] and not _every_frame(opts) and opts.get("fps") is None
        num_frames = int(opts["num_frames"]) if sampled_by_count else None
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
        check_data_format(input_data_format)
        opts = self._options(kwargs)
        source = FrameSource(video, input_data_format, opts["decode_backend"])
        try:
            check_convert_rgb(source, opts)
            wanted = np.arange(source.num_frames) if indices is None else np.asarray(indices, dtype=np.int64)
            if source.alpha is None:
                frames = source.get(wanted, *decoder_resize(opts, source))
            elif source.tensor.is_floating_point():
                scale = call_float_scale(source.tensor, opts, source.name)
                frames = source.pixels(wanted, scale) / scale
            else:
                frames = source.pixels(wanted)
        finally:
            source.close()
        return frames.permute(0, 2, 3, 1)

    def fetch_videos(self, video_url_or_urls, sample_indices_fn=None):
        """transformers' `fetch_videos`: a path or URL (or a list) -> `(frames, metadata)`: frames `(T, H, W, 3)`
        uint8 (every frame, or those `sample_indices_fn(metadata=...)` picks, as transformers' `load_video` reads
        them) and a transformers `VideoMetadata`; a list gives a tuple of the frames and one of the metadata. Read
        with this processor's decoder (`decode_backend`): the inherited one needs torchcodec and said only "torchcodec
        is not installed" where PyAV decodes the file, as a call does. Anything else (frames already) comes back as
        given, with no metadata, as transformers gives it."""
        if isinstance(video_url_or_urls, (list, tuple)):
            return tuple(zip(*[self.fetch_videos(x, sample_indices_fn=sample_indices_fn) for x in video_url_or_urls]))
        if not isinstance(video_url_or_urls, (str, os.PathLike)):
            return video_url_or_urls, [None] * len(video_url_or_urls)
        source = FrameSource(video_url_or_urls, None, self._options({})["decode_backend"])
        try:
            info = source.reader.info
            metadata = VideoMetadata(
                total_num_frames=source.num_frames,
                fps=source.reader.fps or None,
                width=info.width,
                height=info.height,
                duration=info.duration,
                video_backend=source.reader.backend,
            )
            if sample_indices_fn is None:
                indices = np.arange(source.num_frames)
            else:
                indices = np.asarray(sample_indices_fn(metadata=metadata), dtype=np.int64).reshape(-1)
            if indices.size and (indices.min() < 0 or indices.max() >= source.num_frames):
                raise ValueError(
                    f"sample_indices_fn returned frame indices from {indices.min()} to {indices.max()} for "
                    f"{source.name}, which has {source.num_frames} frames."
                )
            unique = np.unique(indices)
            frames = take_frames(source.get(unique), np.searchsorted(unique, indices))
        finally:
            source.close()
        metadata.frames_indices = indices
        return frames.permute(0, 2, 3, 1).contiguous().numpy(), metadata

    def _process_one(self, video, opts: dict, rng, input_data_format, device, given_metadata=None):
        source = FrameSource(video, input_data_format, opts["decode_backend"])
        try:
            check_convert_rgb(source, opts)
            opts = per_video_options(opts, source, given_metadata)
            scale = 1.0
            if source.tensor is not None:
                check_array_video(source.tensor, opts, source.name)
                scale = call_float_scale(source.tensor, opts, source.name)
            clips = self._checked_indices(
                self.sample_indices(source.num_frames, opts, rng, source.name), source.num_frames, opts, source.name
            )
            unique = np.unique(clips)
            _check_resized_frame(source, opts, clips.shape[1])
            frames = source.pixels(unique, scale, *decoder_resize(opts, source))
            metadata = metadata_of_video(video, source, opts, clips, given_metadata)  # (the reader's, while it is open)
        finally:
            source.close()
        views = []
        for clip in clips:
            # one clip of distinct increasing frames (the common case) is the decoded batch itself
            same = clip.size == unique.size and bool(np.array_equal(clip, unique))
            clip_frames = frames if same else take_frames(frames, np.searchsorted(unique, clip))
            if device is not None:
                clip_frames = clip_frames.to(device)
            views.extend(self.transform_clip(clip_frames, opts, rng))
        return views, metadata

    def transform_clip(self, clip: torch.Tensor, opts: dict, rng: np.random.Generator) -> list[torch.Tensor]:
        """One `(T, 3, H, W)` clip -> `num_crops` views (not yet rescaled); random draws shared by all frames."""
        interpolation = interpolation_mode(opts["resample"])
        if interpolation == InterpolationMode.LANCZOS and opts["do_resize"] and clip.device.type != "cpu":
            # torchvision has LANCZOS on the CPU only (transformers resizes with BICUBIC there instead: other pixels)
            raise ValueError(
                f"resample=LANCZOS (1) resizes on the CPU only; these frames are on {clip.device}: leave `device` "
                "unset (the views can be moved after) or use BICUBIC (3)."
            )
        colour = (
            [name for name in ("do_color_jitter", "rand_augment") if opts[name]] if opts["do_train_augment"] else []
        )
        if clip.shape[-3] != 3 and colour:  # (colour ops read RGB: a 4th channel would be taken for none, or fail)
            raise ValueError(
                f"{' and '.join(colour)} {'change' if len(colour) > 1 else 'changes'} RGB colours, but this clip has "
                f"{clip.shape[-3]} channel{'s' if clip.shape[-3] != 1 else ''} (do_convert_rgb=False kept "
                f"{'them' if clip.shape[-3] != 1 else 'it'}): turn it off, or leave do_convert_rgb on."
            )
        size, crop = opts["size"], opts["crop_size"]
        resized = resized_frame(*clip.shape[-2:], opts)
        if is_cropped(opts):
            _warn_when_padded(*resized, crop, size if opts["do_resize"] else None)
        if opts["do_resize"] and not opts["do_train_augment"] and (opts["num_crops"] == 3 or opts["do_center_crop"]):
            # fixed crops, cut a few resized frames at a time where the resized clip is large (`resized_views`)
            if opts["num_crops"] == 3:
                return resized_views(clip, *resized, interpolation, lambda c: three_crops(c, crop.height, crop.width))
            return resized_views(clip, *resized, interpolation, lambda c: [center_crop(c, crop.height, crop.width)])
        if opts["do_resize"]:
            clip = resize(clip, *resized, interpolation)
        if opts["do_train_augment"]:
            if opts["scale_jitter"]:
                _warn_when_jitter_pads(
                    *clip.shape[-2:], opts["scale_jitter"], crop, size if opts["do_resize"] else None
                )
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
        scale, bias = _affine_for_channels(*options_affine(opts, views[0].device), views[0].shape[-3], opts)
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


ForkingPickler.register(ViViTVideoProcessor, _reduce_for_child)  # (subclasses: `__init_subclass__`)


def _affine_for_channels(scale: torch.Tensor, bias: torch.Tensor, channels: int, opts: dict):
    """`options_affine`'s `(3, 1, 1)` scale and bias for views of `channels` channels: one value for every channel
    when the three agree (a 4-channel video kept by `do_convert_rgb=False`, scaled as transformers scales it with a
    scalar `image_mean` and `image_std`), else an error naming the statistics (transformers' failed in torch's
    broadcasting, naming neither)."""
    if channels == 3:
        return scale, bias
    if bool((scale == scale[:1]).all()) and bool((bias == bias[:1]).all()):
        return scale[:1], bias[:1]
    raise ValueError(
        f"image_mean={opts['image_mean']!r} and image_std={opts['image_std']!r} give each of 3 channels its own "
        f"statistics, but these views have {channels} channels (do_convert_rgb=False kept them): pass one number "
        "each (image_mean=0.0, image_std=1.0), or leave do_convert_rgb on for RGB."
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


def _every_frame(opts: dict) -> bool:
    """Whether a sampled clip is every frame of the video: neither `num_frames` nor `fps` given, as transformers
    samples then."""
    return opts["num_frames"] is None and opts.get("fps") is None


def _empty_batch(opts: dict, raw: bool = False) -> torch.Tensor:
    """`pixel_values` when every video was skipped: `(0, frames, 3, height, width)` as a kept video's views (uint8 for
    `raw_views`)."""
    height_width = fixed_view_size(opts)
    if opts["do_sample_frames"] is False or opts["fps"] is not None or _every_frame(opts) or height_width is None:
        raise ValueError(
            "skip_broken: every video of this call was broken and skipped, and these options give clips no fixed "
            "shape to make an empty batch of (do_sample_frames=False, num_frames=None, or do_center_crop=False without "
            "a fixed size); check `kept_indices` is non-empty, or keep do_sample_frames and do_center_crop on."
        )
    return torch.empty((0, int(opts["num_frames"]), 3, *height_width), dtype=torch.uint8 if raw else torch.float32)


def _plain_pipeline_call(processor) -> tuple | None:
    """`(inputs, frame_sampling_rate, image_processor_frames, model)` where this call of `processor` comes from
    transformers' `VideoClassificationPipeline`'s `preprocess`: the input that pipeline was called with, the rate its
    `preprocess` took (which it passes to no video processor), where it holds `processor` as its image processor (no
    video processor) the `num_frames` it decoded itself (else None), and the model it scores; None for any other
    call. Found on the call stack, by
    the code objects of its `preprocess` and `__call__`: the pipeline passes the processor nothing of its own (its
    `num_frames=` and `do_sample_frames=True` a user may pass too), whether it loaded the processor or was given it,
    and a call of `pipe.video_processor(...)` by the user has no `preprocess` frame. Its `__call__` frame holds the
    input as given: a list it hands on an item at a time. (Every processor call walks: 3.5 us from 40 frames deep on
    a loaded machine, against milliseconds for the call's own work.)"""
    module = sys.modules.get("transformers.pipelines.video_classification")
    pipeline_class = getattr(module, "VideoClassificationPipeline", None)
    if pipeline_class is None:
        return None
    preprocess, call = pipeline_class.preprocess.__code__, pipeline_class.__call__.__code__
    frame, found = sys._getframe(1), None
    while frame is not None:
        if frame.f_code is preprocess and found is None:
            pipe, rate = frame.f_locals.get("self"), frame.f_locals.get("frame_sampling_rate")
            if getattr(pipe, "video_processor", None) is processor:
                found = (None, rate, None, getattr(pipe, "model", None))
            elif getattr(pipe, "image_processor", None) is processor:
                found = (None, rate, frame.f_locals.get("num_frames"), getattr(pipe, "model", None))
            else:  # (another processor's call inside it)
                return None
        elif frame.f_code is call and found is not None:
            return (frame.f_locals.get("inputs"), *found[1:])
        frame = frame.f_back
    return found


def _frames_read_as_videos(videos) -> bool:
    """What transformers' pipeline('video-classification') handed the processor from a list: a frame (`pipe(frames)`,
    each frame an input) or a list of image files (`pipe([frame_paths])`, the files one input, which the processor
    reads as a list of video files)."""
    if isinstance(videos, list) and len(videos) > 1:
        return all(isinstance(video, (str, os.PathLike)) and is_one_frame(video) for video in videos)
    return is_one_frame(videos)


# transformers' pipeline('video-classification') batches a list as videos: a list of frames reached the processor one
# frame at a time, each refused as a one-frame video whose advice (short_video=) that pipeline does not take, and
# which, taken, would have given one result per frame
_FRAME_AS_VIDEO = (
    "transformers' pipeline('video-classification') reads a list as a list of videos, each frame of a list of frames "
    "(or of their image files) a video of its own, and takes no short_video (for a still image set "
    "`pipe.video_processor.short_video`): pass a list of frames as one array, `np.stack(frames)` (T, H, W, 3), their "
    "image files as a list in the list of inputs, `pipe([[frame_paths]])`, or build it with "
    "`pipeline_class=ViViTVideoClassificationPipeline` (from vivit_hf), which reads a list of frames as one video, "
    "`pipe(frames)`, and their image files as `pipe([frame_paths])` (a list of paths alone is a list of videos there "
    "too)."
)


# a video too short for its clip (a short array, a still image file) is refused advising short_video=, which
# transformers' pipeline('video-classification') refuses in a call ("unexpected keyword argument 'short_video'")
_NO_SHORT_VIDEO_THERE = (
    "transformers' pipeline('video-classification') takes no short_video in a call: set it on its processor, "
    "`pipe.video_processor.short_video = 'loop'` (or 'pad'), or build it with "
    "`pipeline_class=ViViTVideoClassificationPipeline` (from vivit_hf), which takes `pipe(video, short_video='loop')`."
)


# a float video whose scale its values cannot tell is refused advising float_max= "to the call", which transformers'
# pipeline('video-classification') refuses in a call as it refuses short_video=
_NO_FLOAT_MAX_THERE = (
    "transformers' pipeline('video-classification') takes no float_max in a call: set it on its processor, "
    "`pipe.video_processor.float_max = 1.0` (or 255.0), or build it with "
    "`pipeline_class=ViViTVideoClassificationPipeline` (from vivit_hf), which takes `pipe(video, float_max=1.0)`."
)


# an image sequence's pattern (`frames/%05d.png`) is refused advising `[frame_paths]`, which transformers'
# pipeline('video-classification') reads as a list of videos, each file a video of one frame, refused in turn
_IMAGE_SEQUENCE_THERE = (
    "transformers' pipeline('video-classification') reads a list as a list of videos: pass the paths there as one "
    "input in the list of inputs, `pipe([[frame_paths]])`, or build it with "
    "`pipeline_class=ViViTVideoClassificationPipeline` (from vivit_hf), which takes `pipe([frame_paths])`."
)


def _add_note(error: BaseException, note: str) -> None:
    """`error.add_note(note)`; Python 3.10 (setup.cfg's floor) has no notes, so there the note ends the message
    (calling `add_note` there raised AttributeError in place of the error it was to explain)."""
    if hasattr(error, "add_note"):
        error.add_note(note)
    elif error.args and isinstance(error.args[0], str):
        error.args = (f"{error.args[0]}\n{note}", *error.args[1:])


# The way past `_check_resized_frame`'s refusal, in the processor's words; the recipes, which set no longest edge,
# say what their user can do instead (`vivit_hf.training.flags.in_flag_words`).
RESIZED_FRAME_ADVICE = (
    "to read it anyway, cap the longer side (size={'shortest_edge': ..., 'longest_edge': ...}) or give "
    "{'height': ..., 'width': ...}"
)


def _check_resized_frame(source: FrameSource, opts: dict, frames: int) -> None:
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
    new_height, new_width = resized_size(height, width, opts["size"])
    frame_bytes = 3 * new_height * new_width * element
    clip = f"{frame_bytes / 2**20:.0f} MiB a frame"
    if opts["do_train_augment"] and frame_bytes <= RESIZED_BYTES < frame_bytes * frames:
        frame_bytes *= frames
        clip = f"{frame_bytes / 2**20:.0f} MiB for the {frames} frames the training augmentation resizes at once"
    if frame_bytes > RESIZED_BYTES:
        raise BrokenVideoError(
            f"Video {source.name} has frames of {width}x{height} (width x height), which size="
            f"{describe_size(opts['size'])} resizes to {new_width}x{new_height}: {clip}, past the "
            f"{RESIZED_BYTES >> 20} MiB allowed. A video of this shape is likely a banner or a file whose header "
            f"states the wrong size; {RESIZED_FRAME_ADVICE}."
        )


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


def _as_uint8(view: torch.Tensor) -> torch.Tensor:
    if view.dtype == torch.uint8:
        return view
    return view.round().clamp(0, 255).to(torch.uint8)


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


def _check_option_values(get) -> None:
    """Values no clip can be made with, refused before anything is decoded (`get(name)` reads an option). Each was
    taken: `crop_size` 0 gave views of height 0, a negative `shortest_edge` a resize error after decoding, an
    `image_std` of 0 NaN pixels, `color_jitter_prob` 2 or -0.5 "always" or "never", and in training `scale_jitter=1.2`
    and `rand_augment=[2]` failed in the transforms with Python's bare "Value after * must be an iterable" / "not
    enough values to unpack"."""

    def number(value) -> bool:
        return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)

    for name in _SWITCHES:
        check_switch(name, get(name))
    crops = get("do_center_crop") or get("num_crops") == 3 or get("do_train_augment")
    for name, used in (("size", get("do_resize")), ("crop_size", crops)):  # (unused, as a size without resizing)
        value = get(name)
        names = ("height", "width", "shortest_edge", "longest_edge", "max_height", "max_width")
        sides = {side: getattr(value, side, None) for side in names}
        if used and any(v is not None and not (number(v) and v >= 1) for v in sides.values()):
            raise ValueError(f"{name} sides must be at least 1 pixel, got {describe_size(value)}.")
        if used and any(isinstance(v, (float, np.floating)) for v in sides.values()):  # (whole ones are ints here)
            raise ValueError(f"{name} sides must be whole numbers of pixels, got {describe_size(value)}.")
    crop = get("crop_size")
    if crops and crop is not None and not (getattr(crop, "height", None) and getattr(crop, "width", None)):
        raise ValueError(f"crop_size must give 'height' and 'width', got {describe_size(crop)}.")
    probability = get("color_jitter_prob")
    if probability is not None and not (number(probability) and 0 <= probability <= 1):
        raise ValueError(f"color_jitter_prob must be a probability in [0, 1], got {probability!r}.")
    jitter = get("scale_jitter")
    if jitter not in (None, False) and not (
        isinstance(jitter, (list, tuple))
        and len(jitter) == 2
        and all(number(f) and math.isfinite(f) for f in jitter)
        and 0 < jitter[0] <= jitter[1]
    ):
        raise ValueError(
            "scale_jitter must be [min_factor, max_factor], finite, with 0 < min_factor <= max_factor (scenic: "
            f"[0.9, 1.33]), or False for none; got {jitter!r}."
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
