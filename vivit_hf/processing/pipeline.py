# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""`ViViTVideoClassificationPipeline`: transformers' `VideoClassificationPipeline` with what the paper's test and the
recipes need, asked for by name:
`pipeline("video-classification", model=..., pipeline_class=ViViTVideoClassificationPipeline)`.

Over transformers' pipeline it adds:

- multi-view test: `num_clips` / `num_crops`; the processor returns every view of a video as one batch and the
  logits of the views are averaged before the softmax (transformers' own pipeline scores only the first view);
- named label spaces (`config.label_spaces`, e.g. Epic Kitchens' noun and verb heads): each head scored on its own,
  plus `"action"`, the top verb-noun pairs by the product of the two heads' probabilities;
- timelines of long videos: `window=` / `hop=` give one prediction per window and their aggregate, the file read in
  one pass (`timeline.iter_window_clips`);
- saliency: `return_saliency=True` adds the model's `attention_rollout` of each view;
- batching: `batch_size > 1` collated by the video processor (transformers collates only with a tokenizer, feature
  extractor or image processor).

The pipeline imports the processor module (`processing_vivit`), never the reverse: a saved folder carries the
processor's code for `trust_remote_code`, not the pipeline's.
"""

from __future__ import annotations

import inspect
import logging
import os
from collections.abc import Sized
from numbers import Integral

import numpy as np
import torch
from transformers import AutoVideoProcessor
from transformers.modeling_outputs import ImageClassifierOutput
from transformers.pipelines.base import pad_collate_fn
from transformers.pipelines.pt_utils import PipelineDataset, PipelineIterator
from transformers.pipelines.video_classification import VideoClassificationPipeline

from .errors import ProcessorConfigError, ViewSizeError
from .processing_vivit import ViViTVideoProcessor, ViViTVideoProcessorKwargs
from .processor_options import (
    LOADED_FOR_INFERENCE,
    describe_unknown,
    json_value,
    label_numbers_refusal,
    saved_config_name,
)
from .sampling import check_one_tubelet, check_short_video, refuse_single_frame
from .timeline import iter_window_clips, plan_windows, requested_frames, span_in_frames_given
from .video_inputs import (
    FrameSource,
    as_video_list,
    call_float_scale,
    check_convert_rgb,
    decoder_resize,
    is_image_files,
    is_one_video,
    is_video_batch_sequence,
)

logger = logging.getLogger(__name__)

__all__ = ["ViViTVideoClassificationPipeline"]


# What every pipeline call passes: inference is deterministic even with a processor saved in training mode (Trainer
# saves its `processing_class`, the training processor): test clips and crops, no flip, colour jitter or RandAugment
# (all of which only `do_train_augment=True` turns on). Nor does it skip a broken video: a skipped one would take
# its result slot from the next input (and a batch's view count from the others), so it raises, naming the file.
_INFERENCE = {"do_train_augment": False, "skip_broken": False}

# A timeline's windows are scored without saliency (then read it: KeyError 'saliency'); said where the two meet, in a
# call or one in the call and one given when the pipeline was built
_NO_TIMELINE_SALIENCY = (
    "return_saliency gives the saliency of one clip's views; a timeline (window=) has none: call the pipeline without "
    "window= for it, or the model's attention_rollout on a window's clip."
)

# Processor options the pipeline forwards under another name (transformers' pipeline's name)
_PIPELINE_NAMES = {"frame_stride": "frame_sampling_rate"}


def _unknown_pipeline_options(unknown) -> str:
    """The error for options the pipeline does not take: the closest valid one, the valid list, and where a
    processor option the pipeline does not forward is set instead."""
    signature = inspect.signature(ViViTVideoClassificationPipeline._sanitize_parameters).parameters
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    valid = [name for name, p in signature.items() if name != "self" and p.kind in kinds]
    valid += ["batch_size", "num_workers"]  # taken by transformers' Pipeline.__call__ before these
    hints = {}
    for name in unknown:  # a processor option's name says more than a spelling guess
        if name in _PIPELINE_NAMES:
            hints[name] = f"the pipeline calls it {_PIPELINE_NAMES[name]!r}"
        elif name in ViViTVideoProcessorKwargs.__annotations__:
            hints[name] = f"a processor option the pipeline does not forward: set `pipe.video_processor.{name}`"
    return f"ViViTVideoClassificationPipeline got {describe_unknown(unknown, valid, hints)}."


def window_span_mismatch(window_frames: int, num_frames: int, opts: dict, window=None) -> str | None:
    """What is wrong with a timeline's window for a model whose processor samples clips `num_frames` frames
    `frame_stride` apart, or None. A window's clip spreads `num_frames` frames over the whole window, so a window much
    longer (or shorter) than the trained clip shows the model its motion sped up (slowed down): the README's model,
    trained on 8 frames 2 apart, labelled 100% of 16-frame windows right and 61% of 32-frame ones. Only the stride
    sampling has such a clip length; uniform (whole-video) and fps sampling have none to compare with. `window`: the
    window as the user gave it (seconds, or "64f"), named beside its frames."""
    if opts.get("fps") is not None or opts.get("sampling_mode") != "stride":
        return None
    span = num_frames * int(opts["frame_stride"])
    ratio = window_frames / span
    if 2 / 3 <= ratio <= 1.5:
        return None
    # said as a factor above 1 both ways: "0.5x slower" reads as faster to many readers
    factor = ratio if ratio > 1 else 1 / ratio
    given = "" if window is None or str(window) == f"{window_frames}f" else f"window={window!r}: "
    return (
        f"{given}a window of {window_frames} frames spreads its {num_frames} frames "
        f"{window_frames / num_frames:.3g} apart, "
        f"where this model's processor samples them {opts['frame_stride']} apart (clips of {span} frames): the model "
        f"sees motion {factor:.2g}x {'faster' if ratio > 1 else 'slower'} than it was trained on; window='{span}f' "
        "(a number of frames) matches its clips"
    )


def _warn_window_span(
    window_frames: int, num_frames: int, opts: dict, name, window, said: set, longest: int | None = None
) -> None:
    """A window in frames is the same for every video: its mismatch is the call's window against the model's
    processor, said once per pipeline (`said`: the messages given), as Python's warnings say a warning once; it was
    said again for each video (predict.py's `--window 8f` on 18 videos: 18 times the one line). A window in seconds
    is frames at each video's own rate, so its warning names the video, for each one. `longest`: the frames of a video
    shorter than the window (None for any other), whose one window spreads the clip over the video's frames alone:
    judged by those, naming the video (`--window 100f` on 16-frame clips
    was said to show the model its motion 6.2x faster, where their 16 frames are its clips' span)."""
    if longest is not None and longest < window_frames:
        if told := window_span_mismatch(longest, num_frames, opts):
            logger.warning(
                "Timeline of %s (%d frames, shorter than window=%r: one window of them all): %s.",
                name,
                longest,
                window,
                told,
            )
        return
    told = window_span_mismatch(window_frames, num_frames, opts, window)
    if not told:
        return
    if not span_in_frames_given(window):
        logger.warning("Timeline of %s: %s.", name, told)
    elif told not in said:
        said.add(told)
        logger.warning("Timelines of window=%r (said once, for every video): %s.", window, told)


class ViViTVideoClassificationPipeline(VideoClassificationPipeline):
    """`video-classification` with multi-view test and named label spaces.

    Multi-view test: `pipe(video, num_clips=4, num_crops=3)`. The processor returns every view of the video
    as one batch; the logits of the views are averaged before the softmax (the paper's multi-view test).
    transformers' own pipeline would score only the first view. `short_video` (`"loop"`, `"pad"`,
    `"error"`) is passed to the processor, as its messages about short videos suggest.

    Named label spaces (`config.label_spaces`, two or more heads, e.g. Epic Kitchens `{"noun": 300,
    "verb": 97}`): one softmax over the concatenated logits would make the heads compete for one unit of
    probability, so each head is scored on its own and the result for a video is a dict::

        {"noun": [{"label": "tap", "score": p_noun}, ...],      # softmax over the noun logits, top_k best
         "verb": [{"label": "open", "score": p_verb}, ...],     # softmax over the verb logits, top_k best
         "action": [{"label": "open tap", "verb": "open", "noun": "tap", "score": p_verb * p_noun}, ...]}

    one key per head in the config's order, then `"action"` (the top_k verb-noun pairs, scored by the
    product of the two heads' probabilities, as Epic Kitchens scores actions) when heads named `"verb"` and
    `"noun"` both exist. Labels drop a `"<head>:"` prefix of `id2label` (the recipes name classes
    `"noun:tap"`). `top_k` applies to each list. `function_to_apply="sigmoid"` scores each head's
    classes independently (actions still the product); `"none"` gives each head's raw logits and no
    `"action"` (a product of logits is no score). A single head, or no label spaces, gives transformers'
    flat list. With any other video processor the preprocessing is the parent class's.

    Long videos: `pipe(video, window=4, hop=2)` (seconds, or frames as `"64f"`) gives a timeline, `{"windows": [{
    "start", "end", "start_frame", "end_frame", "shortened", "shifted", "predictions"}, ...], "aggregate", "fps",
    "num_frames", "duration", "start_time", "window_frames", "hop_frames"}` (`window_frames` / `hop_frames`: the
    window and hop asked for, in frames; window k starts at the frame nearest k x `hop`, so a hop in seconds does not
    drift off its grid; a window fitted to the video's end says so with `shortened` / `shifted`).
    Windows are laid from the first frame, `duration` long in all; their `start` / `end` are seconds on a player's
    clock, which starts with the container: `start_time` (when the first frame is shown) later than 0 where another
    stream starts first (an mp4 whose audio starts 0.5 s before its video), 0 for most files; None, with `fps` and
    `duration`, for frames in memory, which come without a clock. One clip of
    `num_frames` per window, the file read in one pass with each frame decoded once and only the frames later windows
    need held (`timeline.iter_window_clips`); `aggregate` is scored from the mean of the windows' logits. Predictions
    are per head as above.

    Saliency: `pipe(video, return_saliency=True)` gives `{"predictions": ..., "saliency": (views, t, h, w)}`, the
    model's `attention_rollout` of each view (one more forward, with attention maps), for `vivit_hf.saliency_overlay`.
    """

    def __init__(self, *args, **kwargs):
        args, kwargs = _video_processor_given_as_image_processor(args, kwargs)
        given = kwargs.get("video_processor") is not None or kwargs.get("image_processor") is not None or len(args) > 1
        if not given:  # none loaded: say why where it is this processor's refusal of a saved option
            _refused_saved_processor(kwargs.get("model", args[0] if args else None))
        # read as ours before the options given here are checked against it: a copy let `frame_sampling_rate=` over
        # its uniform sampling through, which then changed no frame (Pipeline's fifth argument, or by name)
        if len(args) > 4:
            args = (*args[:4], _as_installed_processor(args[4]), *args[5:])
        elif kwargs.get("video_processor") is not None:
            kwargs["video_processor"] = _as_installed_processor(kwargs["video_processor"])
        super().__init__(*args, **kwargs)
        self._said_window_spans: set[str] = set()  # the window-in-frames warnings given: each said once
        if self.video_processor is not None:  # (the mark is read: handed on, `video_processor=pipe.video_processor`
            # is a processor given, never replaced)
            self.video_processor.__dict__.pop("_pipeline_loaded", None)

    def save_pretrained(self, save_directory, **kwargs):
        """transformers' save (the model, and a tokenizer, feature extractor or image processor), and the video
        processor, which transformers' Pipeline leaves out: a pipeline saved, or pushed with `push_to_hub` (which
        saves through this), came back without one, "requires either a video processor or an image processor"."""
        super().save_pretrained(save_directory, **kwargs)
        if self.video_processor is not None and os.path.isdir(save_directory):  # (a file is refused, logged there)
            self.video_processor.save_pretrained(save_directory, **kwargs)

    def _sanitize_parameters(
        self,
        top_k=None,
        num_frames=None,
        frame_sampling_rate=None,
        function_to_apply=None,
        num_clips=None,
        num_crops=None,
        short_video=None,
        window=None,
        hop=None,
        window_batch_size=None,
        return_saliency=None,
        interpolate_pos_encoding=None,
        **unknown,
    ):
        if unknown:  # a clear message instead of Python's bare "unexpected keyword argument"
            raise ValueError(_unknown_pipeline_options(unknown))
        # numpy scalars (a sweep's, an argparse type's) as the Python values they hold, as the config and the
        # processor take them: np.True_ for interpolate_pos_encoding and np.int64(2) for window_batch_size are valid
        top_k, frame_sampling_rate, window_batch_size, interpolate_pos_encoding = map(
            json_value, (top_k, frame_sampling_rate, window_batch_size, interpolate_pos_encoding)
        )
        if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, Integral) or top_k < 0):
            # (torch's topk failed after the whole forward: "selected index k out of range", "must be int")
            raise ValueError(f"top_k must be a whole number >= 0 (how many labels to return), got {top_k!r}.")
        if frame_sampling_rate is not None and (
            isinstance(frame_sampling_rate, bool)
            or not isinstance(frame_sampling_rate, Integral)
            or frame_sampling_rate < 1
        ):
            # (the processor refused it as its own `frame_stride`, a name the call never gave)
            raise ValueError(
                "frame_sampling_rate must be a whole number >= 1 (the step from one of a clip's frames to the next), "
                f"got {frame_sampling_rate!r}."
            )
        if num_frames is not None and (
            isinstance(num_frames, bool) or not isinstance(num_frames, Integral) or num_frames < 1
        ):
            # the processor's refusal, before the checks below judge it as a count ("fewer than the 2 frames of one
            # tubelet" of True, a warning of "the first 0 frames"), and before a timeline, which would take 0 for the
            # model's count and decode a 1-frame clip of True for the model to refuse
            raise ValueError(f"num_frames must be a positive integer, got {num_frames!r}.")
        if interpolate_pos_encoding is not None and not isinstance(interpolate_pos_encoding, bool):
            raise ValueError(f"interpolate_pos_encoding must be True or False, got {interpolate_pos_encoding!r}.")
        if interpolate_pos_encoding:
            _check_takes_interpolation(self.model)
        # a call's own, else the one given when the pipeline was built
        interpolate = (
            interpolate_pos_encoding
            if interpolate_pos_encoding is not None
            else getattr(self, "_forward_params", {}).get("interpolate_pos_encoding", False)
        )
        check_one_tubelet(self.model, num_frames)
        if not interpolate:
            _check_clip_length(self.model, num_frames)
        _check_label_numbers(self.model)
        if frame_sampling_rate is not None:
            _check_sampling_rate_applies(getattr(self, "video_processor", None))
        preprocess, forward, postprocess = super()._sanitize_parameters(
            top_k=top_k,
            num_frames=num_frames,
            frame_sampling_rate=frame_sampling_rate,
            function_to_apply=function_to_apply,
        )
        if num_clips is not None:
            preprocess["num_clips"] = num_clips
        if num_crops is not None:
            preprocess["num_crops"] = num_crops
        if short_video is not None:  # the sampler's error for short videos tells the user to pass it
            preprocess["short_video"] = short_video
        if window_batch_size is not None and (
            isinstance(window_batch_size, bool) or not isinstance(window_batch_size, int) or window_batch_size < 1
        ):
            raise ValueError(f"window_batch_size must be a whole number, at least 1; got {window_batch_size!r}")
        # a window given when the pipeline was built holds for every call (none while it is being built)
        built_window = getattr(self, "_preprocess_params", {}).get("window")
        if window is not None or built_window is not None:  # a timeline: run_single streams the windows (_timeline)
            # each given one, over the built ones as transformers merges a call's options (a call's window with no hop
            # kept the built hop out: None was set over it)
            given = {"window": window, "hop": hop, "window_batch_size": window_batch_size}
            preprocess.update({name: value for name, value in given.items() if value is not None})
        elif hop is not None or window_batch_size is not None:
            raise ValueError("hop / window_batch_size need window= (the length of each window of the timeline).")
        if return_saliency:
            if window is not None:  # the timeline's windows were scored without it, then read it: KeyError 'saliency'
                raise ValueError(_NO_TIMELINE_SALIENCY)
            if not hasattr(self.model, "attention_rollout"):
                raise ValueError("return_saliency needs a model with `attention_rollout` (the four ViViT models).")
            forward["return_saliency"] = postprocess["return_saliency"] = True
        elif return_saliency is not None:  # a call's False over a pipeline built with True (it was left on)
            forward["return_saliency"] = postprocess["return_saliency"] = False
        if interpolate_pos_encoding is not None:
            # clips of another frame count or views of another size than config's, the position embeddings resized
            # (the model's `interpolate_pos_encoding`); the pipeline refused them, naming a way round it alone
            forward["interpolate_pos_encoding"] = preprocess["interpolate_pos_encoding"] = interpolate_pos_encoding
        return preprocess, forward, postprocess

    def __call__(self, inputs=None, **kwargs):
        inputs = _one_result_per_video(inputs)
        if kwargs.get("window") is not None and isinstance(inputs, list):
            results = []  # one timeline per video, each streamed on its own (not through a DataLoader)
            for video in inputs:
                results.append(super().__call__(_timeline_input(video), **kwargs))
            return results
        return super().__call__(inputs, **kwargs)

    def get_iterator(
        self, inputs, num_workers: int, batch_size: int, preprocess_params, forward_params, postprocess_params
    ):
        """transformers' iterator, with batches collated by the video processor. transformers collates only with
        a tokenizer, feature extractor or image processor, so `batch_size > 1` failed with "Pipeline without
        tokenizer or feature_extractor cannot do batching". A video processor makes every video of a call the
        same shape, so the views of the videos of a batch are concatenated (pixel_values `(videos x views, ...)`)
        and `_forward` averages each video's views.

        With `window=` (a generator or a torch `Dataset` of videos: a list is `__call__`'s) one timeline per video, as
        they are asked for, each streamed on its own as `run_single` streams one: the videos went to `preprocess`,
        which failed with "got an unexpected keyword argument 'window'"."""
        data = torch.utils.data
        if preprocess_params.get("window") is not None:
            if isinstance(inputs, data.Dataset) and not isinstance(inputs, data.IterableDataset):
                # by length and index, as transformers' PipelineDataset reads one: iterated, a map-style data set
                # ends only at an IndexError (a dict's KeyError failed after its last video)
                inputs = map(inputs.__getitem__, range(len(inputs)))
            return (
                self._timeline(_timeline_input(video), dict(preprocess_params), forward_params, postprocess_params)
                for video in inputs
            )
        if batch_size == 1 or self.feature_extractor is not None or self.image_processor is not None:
            return super().get_iterator(
                inputs, num_workers, batch_size, preprocess_params, forward_params, postprocess_params
            )
        if isinstance(inputs, Sized) and not isinstance(inputs, data.IterableDataset):
            # by length and index, as transformers' own get_iterator reads any sized input: iterated, a map-style torch
            # `Dataset` ends only at an IndexError (one reading a dict failed with KeyError after its last video)
            dataset = PipelineDataset(inputs, self.preprocess, preprocess_params)
        else:  # a generator or an iterable data set: one worker keeps its order (as transformers does)
            dataset, num_workers = PipelineIterator(inputs, self.preprocess, preprocess_params), min(num_workers, 1)
        collate = _one_view_size(pad_collate_fn(None, self.video_processor))
        loader = data.DataLoader(dataset, num_workers=num_workers, batch_size=batch_size, collate_fn=collate)
        model_iterator = PipelineIterator(loader, self.forward, forward_params, loader_batch_size=batch_size)
        return PipelineIterator(model_iterator, self.postprocess, postprocess_params)

    def run_single(self, inputs, preprocess_params, forward_params, postprocess_params):
        if preprocess_params.get("window") is None:
            return super().run_single(inputs, preprocess_params, forward_params, postprocess_params)
        return self._timeline(inputs, dict(preprocess_params), forward_params, postprocess_params)

    def _timeline(self, video, params: dict, forward_params: dict, postprocess_params: dict) -> dict:
        """One prediction per window, and their aggregate; see the class docstring."""
        if postprocess_params.get("return_saliency"):  # one of the two given when the pipeline was built
            raise ValueError(_NO_TIMELINE_SALIENCY)
        processor = self.video_processor
        if not isinstance(processor, ViViTVideoProcessor):
            raise ValueError("window / hop need a ViViTVideoProcessor.")
        window, hop = params.pop("window"), params.pop("hop", None)
        params.pop("interpolate_pos_encoding", None)  # the forward's (`_window_logits` reads it there)
        batch_size = params.pop("window_batch_size", None) or 8  # None: the default (0 is refused when set)
        if params.get("num_clips") not in (None, 1) or params.get("frame_sampling_rate") is not None:
            raise ValueError("With window= the windows are the clips: num_clips / frame_sampling_rate do not apply.")
        num_frames = params.get("num_frames") or getattr(self.model.config, "num_frames", None) or processor.num_frames
        num_crops = params.get("num_crops") or 1
        opts = processor._options({})
        # the processor's own input_data_format, as its calls read an array (an ambiguous (T, 3, W, 3) one)
        video = video.frames if isinstance(video, _OneVideo) else video
        source = FrameSource(video, getattr(processor, "input_data_format", None), opts["decode_backend"])
        try:
            check_convert_rgb(source, opts)
            # the processor's one-frame rule: one frame is no timeline (every window would be that frame)
            short_video = params.get("short_video", opts["short_video"])
            check_short_video(short_video)
            refuse_single_frame(short_video, source.num_frames, source.name)
            fps = source.reader.fps if source.reader is not None else None
            times = source.reader.frame_times() if source.reader is not None else None  # cut VFR files by pts
            last = source.reader.last_frame_seconds() if source.reader is not None else None
            # windows are planned from the first frame; they are labelled on a player's clock, which starts with the
            # container (an mp4 whose video starts 0.5 s after its audio shows its first frame at 0.5 s)
            first = (source.reader.first_frame_seconds() if source.reader is not None else None) or 0.0
            first = first if fps else 0.0
            windows = plan_windows(source.num_frames, fps, window, hop, int(num_frames), times, last)
            span = requested_frames(fps, window, hop)[0]
            # a video shorter than the window: its one window, shortened by the plan (a variable-rate video's windows
            # hold a frame or two fewer than the window's frames at the average rate, and are no shorter video)
            longest = windows[0].end_frame - windows[0].start_frame if windows[0].shortened else None
            _warn_window_span(span, int(num_frames), opts, source.name, window, self._said_window_spans, longest)
            size, interpolation = decoder_resize(opts, source) if source.reader is not None else (None, "bilinear")
            frames = source.reader if source.reader is not None else _channels_last_pixels(source, opts)
            rows: list[torch.Tensor] = []
            batch: list[np.ndarray] = []
            for _, clip in iter_window_clips(frames, windows, size=size, interpolation=interpolation):
                batch.append(clip)
                if len(batch) == batch_size:
                    rows.append(self._window_logits(batch, num_crops, forward_params))
                    batch = []
            if batch:
                rows.append(self._window_logits(batch, num_crops, forward_params))
        finally:
            source.close()
        logits = torch.cat(rows)
        predictions = [self.postprocess(_logits_output(row[None]), **postprocess_params) for row in logits]
        return {
            "windows": [
                {
                    # seconds need a frame rate: without one (frames in memory) they are unknown, as the timeline's
                    # `fps` and `duration` (and transformers' VideoMetadata) say, not 0.0 for every window
                    "start": round(win.start + first, 9) if fps else None,
                    "end": round(win.end + first, 9) if fps else None,
                    "start_frame": win.start_frame,
                    "end_frame": win.end_frame,
                    # fitted to the video: the whole of a video shorter than the window; the extra last window
                    "shortened": win.shortened,
                    "shifted": win.shifted,
                    "predictions": prediction,
                }
                for win, prediction in zip(windows, predictions)
            ],
            # the mean of the windows' logits, as the views of a multi-view test are averaged
            "aggregate": self.postprocess(_logits_output(logits.mean(0, keepdim=True)), **postprocess_params),
            "fps": round(fps, 9) if fps else None,  # measured from timestamps: 24.999999999999996 for a 25 fps file
            "num_frames": source.num_frames,
            "duration": windows[-1].end if fps else None,  # the last window ends where the last frame does
            "start_time": round(first, 9) if fps else None,  # when the first frame is shown, on a player's clock
            # as asked (not the last window's shift, nor a short video's length): each window says how it was fitted
            **dict(zip(("window_frames", "hop_frames"), requested_frames(fps, window, hop))),
        }

    def _window_logits(self, clips: list[np.ndarray], num_crops: int, forward_params: dict) -> torch.Tensor:
        """The (view-averaged) logits of a few window clips, `(len(clips), num_labels)` float32 on the CPU."""
        inputs = self.video_processor(
            [torch.from_numpy(np.ascontiguousarray(clip)) for clip in clips],
            do_sample_frames=False,  # the window's frames, as picked
            # the window is the clip: a processor saved with num_clips=4 (the paper's test) refused every window,
            # "num_clips > 1 needs do_sample_frames=True", a call's num_clips=1 not being passed on
            num_clips=1,
            num_crops=num_crops,
            **_INFERENCE,
            float_max=255.0,  # float frames come scaled to [0, 255] (`_channels_last_pixels`); uint8 ignores it
            input_data_format="channels_last",
            return_tensors="pt",
        ).to(self.dtype)
        if not forward_params.get("interpolate_pos_encoding"):
            _check_frame_size(self.model, inputs["pixel_values"])
        inputs["num_views"] = [num_crops] * len(clips)  # each clip a video of num_crops views
        outputs = self.forward(inputs, **forward_params)
        return outputs["logits"].float().cpu()

    def preprocess(
        self,
        video,
        num_frames=None,
        frame_sampling_rate=None,
        num_clips=None,
        num_crops=None,
        short_video=None,
        interpolate_pos_encoding=False,
    ):
        if isinstance(video, _OneVideo):  # a list that is one video: handed to the processor as one
            video = [video.frames] if isinstance(self.video_processor, ViViTVideoProcessor) else video.frames
        if not isinstance(self.video_processor, ViViTVideoProcessor):
            if num_clips is not None or num_crops is not None or short_video is not None:
                raise ValueError("num_clips / num_crops / short_video need a ViViTVideoProcessor.")
            return super().preprocess(video, num_frames=num_frames, frame_sampling_rate=frame_sampling_rate or 1)
        options = {"do_sample_frames": True, **_INFERENCE}
        num_frames = num_frames if num_frames is not None else getattr(self.model.config, "num_frames", None)
        for key, value in (
            ("num_frames", num_frames),
            ("frame_stride", frame_sampling_rate),
            ("num_clips", num_clips),
            ("num_crops", num_crops),
            ("short_video", short_video),
        ):
            if value is not None:
                options[key] = value
        # one input that is a list of paths is one video given as its frames' image files (as the processor reads
        # a list of paths inside a list of videos)
        video = [video] if is_image_files(video) else video
        _the_one_video(video)
        inputs = self.video_processor(video, return_tensors="pt", **options).to(self.dtype)
        if not interpolate_pos_encoding:
            _check_frame_size(self.model, inputs["pixel_values"])
        inputs["num_views"] = inputs["pixel_values"].shape[0]
        return inputs

    def _forward(self, model_inputs, return_saliency=False, interpolate_pos_encoding=False):
        num_views = model_inputs.pop("num_views", 1)
        # a batch of videos (`get_iterator`) has one view count per video; each video is averaged over its own
        counts = [int(n) for n in num_views] if isinstance(num_views, list) else [int(num_views)]
        resize = {"interpolate_pos_encoding": True} if interpolate_pos_encoding else {}
        outputs = self.model(**model_inputs, **resize)
        if return_saliency:  # the model's own rollout (processing knows no model: reached through the model object)
            mask = model_inputs.get("attention_mask")
            saliency = self.model.attention_rollout(model_inputs["pixel_values"], attention_mask=mask, **resize)
            # (videos, views, t, h, w): a batch is split by video, each keeping all its views
            outputs["saliency"] = _by_video(saliency, counts, "saliency")
        # averaged and scored in float32, as transformers' pipelines upcast for the softmax: a bf16 model's views
        # averaged in bf16 (8 bits of mantissa) moved its scores up to ~1e-2 from the mean of the same logits
        logits = outputs.logits.float()
        if counts != [1] * len(counts):  # the views of one video: average their logits (paper's multi-view test)
            logits = torch.stack([views.mean(dim=0) for views in _split_views(logits, counts)])
        outputs["logits"] = logits
        if outputs.get("head_logits") is not None:
            # postprocess splits the heads from `logits` itself; a dict of heads cannot be split by video in a batch
            outputs["head_logits"] = None
        return outputs

    def postprocess(self, model_outputs, top_k=5, function_to_apply=None, return_saliency=False):
        if return_saliency:
            predictions = self.postprocess(model_outputs, top_k=top_k, function_to_apply=function_to_apply)
            return {"predictions": predictions, "saliency": model_outputs["saliency"][0]}  # (views, t, h, w)
        spaces = getattr(self.model.config, "label_spaces", None) or {}
        if len(spaces) < 2:  # transformers' postprocess, but its `id2label[i]` was a KeyError for string keys
            config = self.model.config
            if function_to_apply is None:
                problems = {"regression": "none", "multi_label_classification": "sigmoid"}
                function_to_apply = problems.get(config.problem_type, "softmax")
            scores = _scores_of(model_outputs.logits[0].float(), function_to_apply)
            values, ids = scores.topk(min(top_k, config.num_labels))
            return [{"score": v, "label": _label_of(config.id2label, i)} for v, i in zip(values.tolist(), ids.tolist())]
        if function_to_apply is None:
            function_to_apply = (
                "sigmoid" if self.model.config.problem_type == "multi_label_classification" else "softmax"
            )
        # split the (view-averaged) concatenated logits by the config's sizes, in its order
        logits = model_outputs.logits[0].float()
        id2label = self.model.config.id2label
        result, scores, names, offset = {}, {}, {}, 0
        for head, size in spaces.items():
            head_scores = _scores_of(logits[offset : offset + size], function_to_apply)
            labels = [_head_label(_label_of(id2label, offset + i), head) for i in range(size)]
            values, ids = head_scores.topk(min(top_k, size))
            result[head] = [{"label": labels[i], "score": v} for v, i in zip(values.tolist(), ids.tolist())]
            scores[head], names[head], offset = head_scores, labels, offset + size
        if "verb" in spaces and "noun" in spaces and function_to_apply != "none":
            pairs = scores["verb"][:, None] * scores["noun"][None, :]  # (verbs, nouns)
            values, flat = pairs.flatten().topk(min(top_k, pairs.numel()))
            result["action"] = []
            for value, index in zip(values.tolist(), flat.tolist()):
                verb, noun = names["verb"][index // pairs.shape[1]], names["noun"][index % pairs.shape[1]]
                result["action"].append({"label": f"{verb} {noun}", "verb": verb, "noun": noun, "score": value})
        return result


class _OneVideo:
    """One video given as a list (its frames, or its frames' image files), handed to transformers' Pipeline as one
    input, which a list is not (a batch of videos). `preprocess` and `_timeline` give the list to the processor as it
    is, which knows PIL frames are channels-last whatever their shape: stacked here into an array first, 3 x 40 PIL
    frames became an ambiguous (T, 3, 40, 3) array read channels-first."""

    def __init__(self, frames):
        self.frames = list(frames)


def _video_processor_given_as_image_processor(args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    """`args` and `kwargs` with a video processor given as the image processor (`pipeline(..., image_processor=
    processor)`, the name transformers' video pipelines took before video processors) moved to `video_processor`,
    where no video processor is given, or only the one transformers' `pipeline()` loaded from the model's folder.
    Left there, transformers' pipeline decoded the first `num_frames` frames itself and handed them over as images:
    the processor's own sampling (its `frame_stride`, `fps`, clips and crops) was skipped, and another clip scored
    than with `video_processor=processor`, with only transformers' warning that image processors are deprecated for
    video; beside a loaded one, it was not used at all. Only this processor (or its `trust_remote_code` copy):
    another video processor is left where it was given (transformers' own decode files with one optional decoder
    alone, which a machine may lack, where the pipeline reads them with PyAV for an image processor)."""
    video_processor = args[4] if len(args) > 4 else kwargs.get("video_processor")
    # transformers' `pipeline(model=folder, image_processor=processor)` loads the folder's video processor beside
    # the one given, and would drop the given one for it (the saved options scored, not the given ones)
    if video_processor is not None and not getattr(video_processor, "_pipeline_loaded", False):
        return args, kwargs
    if len(args) > 3 and isinstance(_as_installed_processor(args[3]), ViViTVideoProcessor):
        return (*args[:3], None, args[3], *args[5:]), kwargs
    if isinstance(_as_installed_processor(kwargs.get("image_processor")), ViViTVideoProcessor):
        kwargs = {**kwargs, "video_processor": kwargs["image_processor"], "image_processor": None}
    return args, kwargs


def _as_installed_processor(processor):
    """`processor` as vivit_hf's own `ViViTVideoProcessor` where it is a `trust_remote_code` copy of it (the class a
    saved folder's or Hub repo's `processing_vivit.py` defines, loaded before vivit_hf was imported): the pipeline
    reads ours by class, and would take a copy for some other processor: `num_clips=` / `window=` refused as "need a
    ViViTVideoProcessor", a `frame_sampling_rate` changing no frame and a copy set to several views scored on its
    first view alone. Built from its options (`to_dict`), as `from_pretrained` builds vivit_hf's class
    from the same folder once vivit_hf is imported (transformers prefers a registered class to a repo's code); a
    subclass of the copy keeps its own methods, and is left as it is."""
    cls = type(processor)
    if (
        isinstance(processor, ViViTVideoProcessor)
        or cls.__name__ != ViViTVideoProcessor.__name__
        or cls.__module__.rpartition(".")[2] != "processing_vivit"
    ):
        return processor
    options = processor.to_dict()
    # options set on the instance, not saved ones: kept as they are (from_dict loads these two for inference)
    kept = {name: options[name] for name in LOADED_FOR_INFERENCE if name in options}
    logger.info("The pipeline reads the %s from %s as vivit_hf's own class.", cls.__name__, cls.__module__)
    return ViViTVideoProcessor.from_dict(options, **kept)


def _refused_saved_processor(model) -> None:
    """Raise, naming the file and the option, where the video processor saved with `model` is refused when loaded (a
    hand-edited `sampling_mode: "random"`, `num_crops: 5`). transformers' `pipeline()` takes any error loading it for
    none there and said only "The video-classification pipeline requires either a video processor or an image
    processor"; a folder with no processor at all is left to that message."""
    source = getattr(model, "name_or_path", None)
    if not isinstance(source, str) or not source:
        return
    try:
        AutoVideoProcessor.from_pretrained(source)
    except ProcessorConfigError as error:
        said = str(error).strip().splitlines()[0]
        raise ProcessorConfigError(
            f"The video processor saved with {source} cannot be loaded: its {saved_config_name(source)} holds an "
            f"option no clip can be processed with: {said} Correct it in that file."
        ) from error
    except Exception:  # nothing there, or not this processor's: transformers' own error follows
        return


# (config.num_frames, a call's fewer num_frames) already said in this process
_FEWER_FRAMES_SAID: set[tuple[int, int]] = set()


def _check_clip_length(model, num_frames) -> None:
    """Refuse clips longer than one of the four models takes, before any video is read. The model refused them
    after decoding, telling the user to pass `interpolate_pos_encoding=True` (a model argument the pipeline did not
    take then); with it, they run. Shorter clips run, said once."""
    most = getattr(model.config, "num_frames", None)
    ours = hasattr(model, "attention_rollout")  # the four ViViT models (also loaded with trust_remote_code)
    if not (ours and isinstance(num_frames, Integral) and isinstance(most, int)):
        return
    if num_frames > most:
        raise ValueError(
            f"num_frames={num_frames} is more than the {most} frames this model takes (config.num_frames): give at "
            f"most {most}, or pass interpolate_pos_encoding=True (position embeddings resized to the clip)."
        )
    # (a frame-sampling model refuses a shorter clip itself, naming the frames it would sample)
    sampling = getattr(model.config, "embedding_type", None) == "frame_sampling"
    if num_frames < most and not sampling and (most, int(num_frames)) not in _FEWER_FRAMES_SAID:
        # the models take a shorter clip with the first temporal position embeddings (the padding rule needs it):
        # a 16-frame clip, as transformers' VideoMAE examples pass, scores a 32-frame model on half the time it
        # learned: said once
        _FEWER_FRAMES_SAID.add((most, int(num_frames)))
        logger.warning(
            "num_frames=%d is fewer than the %d frames this model takes (config.num_frames): its clips are scored "
            "with the position embeddings of the first %d of those frames, on a shorter stretch of the video than it "
            "was trained on. Give %d, or pass interpolate_pos_encoding=True (the embeddings resized to the clip), "
            "unless that is meant.",
            num_frames,
            most,
            num_frames,
            most,
        )


def _check_takes_interpolation(model) -> None:
    """A model whose forward has no `interpolate_pos_encoding` (transformers' VideoMAEForVideoClassification, which
    takes `**kwargs`) would drop it: clips of another size than its config's then fail in the model, or are scored
    with the position embeddings unchanged. transformers' own video pipeline has no such option."""
    if "interpolate_pos_encoding" not in inspect.signature(model.forward).parameters:
        raise ValueError(
            f"interpolate_pos_encoding=True needs a model whose forward takes it; {type(model).__name__}'s does not "
            "(it would be dropped). Give clips of the frame count and size its config names instead."
        )


def _check_label_numbers(model) -> None:
    """`label_numbers_refusal` as the pipeline's ValueError: the unnamed output was scored as `LABEL_<i>`."""
    refusal = label_numbers_refusal(model.config, model)
    if refusal:
        raise ValueError(refusal)


def _check_frame_size(model, pixel_values: torch.Tensor) -> None:
    """Refuse views of another size than one of the four models takes (a processor that crops none, resizing the
    shortest edge alone): the model refused them naming `interpolate_pos_encoding=True` (then no pipeline option), and
    a batch of videos of two sizes failed in the collation, torch's "Sizes of tensors must match". Not checked under
    the pipeline's `interpolate_pos_encoding=True`, which takes any size."""
    size = getattr(model.config, "image_size_hw", None)
    given = tuple(pixel_values.shape[-2:])
    if hasattr(model, "attention_rollout") and size is not None and given != tuple(size):
        raise ViewSizeError(
            f"The video processor made views of {given[0]}x{given[1]} but this model takes {size[0]}x{size[1]} "
            "(config.image_size): give the processor a crop of that size, `pipe.video_processor.do_center_crop = "
            f"True` and `crop_size = {{'height': {size[0]}, 'width': {size[1]}}}` (or pass "
            "interpolate_pos_encoding=True: position embeddings resized to the views).",
            given,
            tuple(size),
        )


def _one_view_size(collate):
    """`collate`, refusing first a batch of videos whose views differ in size, which only a processor that crops none
    makes (under `interpolate_pos_encoding=True`; `_check_frame_size` refuses them otherwise): torch's collation
    failed on them with "Sizes of tensors must match"."""

    def collate_one_size(items):
        sizes = sorted({tuple(item["pixel_values"].shape[-2:]) for item in items})
        if len(sizes) > 1:
            raise ValueError(
                f"The videos of one batch have views of {' and '.join(f'{h}x{w}' for h, w in sizes)}, which cannot be "
                "batched: pass batch_size=1, or give the processor a crop (`pipe.video_processor.do_center_crop = "
                "True` and a `crop_size`)."
            )
        return collate(items)

    return collate_one_size


def _check_sampling_rate_applies(processor) -> None:
    """Refuse `frame_sampling_rate` where the processor's sampling has no rate: its `sampling_mode="uniform"` spreads
    the clip over the whole video, and the rate, passed as the call's `frame_stride`, changed no frame."""
    if isinstance(processor, ViViTVideoProcessor) and processor.sampling_mode == "uniform":
        raise ValueError(
            "frame_sampling_rate changes no frame: this model's video processor samples with sampling_mode='uniform' "
            "(its num_frames spread over the whole video). Set `pipe.video_processor.sampling_mode = 'stride'` for "
            "clips of frames that many apart, or leave frame_sampling_rate out."
        )


def _timeline_input(video):
    """One video of a call with `window=`, as `run_single` takes it: a video given as frames or image files is one
    input (`_OneVideo`), not a list of them; a list of videos or a 5-D array in its place is that one video, or refused
    as without `window=` (a nested list reached transformers' batching: "preprocess() got an unexpected keyword
    argument 'window'")."""
    one = isinstance(video, (list, tuple)) and (is_one_video(video) or is_image_files(video))
    if not one and (isinstance(video, (list, tuple)) or getattr(video, "ndim", 0) == 5):
        video = _the_one_video(video)
        one = isinstance(video, (list, tuple))
    return _OneVideo(video) if one else video


def _the_one_video(video):
    """The video one input of the pipeline holds; an input holding several is refused: its views would be averaged
    into one result (a 5-D array inside a list, a nested list)."""
    videos = as_video_list(video)
    if len(videos) != 1:
        raise ValueError(
            f"One input of the pipeline holds {len(videos)} videos, which would be scored as one; pass them as a "
            "list of videos (one result each), e.g. `pipe(list(batch))` for a 5-D array inside a list."
        )
    return videos[0]


def _one_result_per_video(inputs):
    """The call's inputs as transformers' Pipeline reads them, one result per video: a list of frames is one video
    (as the processor reads it; transformers would take each frame for a video), a 5-D array or a tuple a batch of
    videos (transformers would pass it whole to `preprocess`, which scored the videos as views of one)."""
    if isinstance(inputs, (list, tuple)) and is_one_video(inputs):
        return _OneVideo(inputs)  # not a list, so run as one input (`run_single`, or one timeline)
    if isinstance(inputs, (np.ndarray, torch.Tensor)) and inputs.ndim == 5:
        inputs = list(inputs)
    elif isinstance(inputs, tuple) or is_video_batch_sequence(inputs):  # a `datasets` Column too: one result each
        inputs = list(inputs)
    if isinstance(inputs, list) and not inputs:  # transformers' Pipeline failed on `inputs[0]`: a bare IndexError
        raise ValueError("Got an empty list of videos: nothing to classify.")
    return inputs


def _split_views(values: torch.Tensor, counts: list[int]) -> tuple[torch.Tensor, ...]:
    """`values` of every view of a batch, `(sum(counts), ...)`, split into each video's views."""
    if sum(counts) != values.shape[0] or min(counts) < 1:
        raise RuntimeError(f"The batch holds {values.shape[0]} views, but its videos gave {counts} views each.")
    return torch.split(values, counts)


def _by_video(values: torch.Tensor, counts: list[int], what: str) -> torch.Tensor:
    """`(videos, views, ...)`: each video's views of `values` (every video of a call has the same views)."""
    if len(set(counts)) > 1:
        raise RuntimeError(f"The videos of this batch gave {counts} views each; {what} needs the same for each.")
    return torch.stack(_split_views(values, counts))


def _scores_of(logits: torch.Tensor, function_to_apply: str) -> torch.Tensor:
    """The scores transformers' pipeline gives `logits` by its `function_to_apply` (`"none"`: the logits)."""
    if function_to_apply == "softmax":
        return logits.softmax(-1)
    if function_to_apply == "sigmoid":
        return logits.sigmoid()
    return logits


def _label_of(id2label: dict, index: int) -> str:
    """The name of class `index`: `id2label` keyed by ints, as a loaded config holds it, or by strings, as one set
    from a JSON file holds it (`config.id2label = json.load(...)`: with label spaces every class was named
    `LABEL_<i>`, with one head transformers' postprocess raised KeyError)."""
    return id2label.get(index, id2label.get(str(index), f"LABEL_{index}"))


def _head_label(label: str, head: str) -> str:
    """`"noun:tap"` -> `"tap"` for head `noun` (the recipes' naming); other labels as they are."""
    prefix = f"{head}:"
    return label[len(prefix) :] if label.startswith(prefix) else label


def _logits_output(logits: torch.Tensor) -> ImageClassifierOutput:
    """What `postprocess` reads: `logits` of one video, `(1, num_labels)`."""
    return ImageClassifierOutput(logits=logits)


def _channels_last_pixels(source: FrameSource, opts: dict) -> np.ndarray:
    """An in-memory video as `(T, H, W, 3)` on [0, 255] for the timeline: uint8 as given, floats scaled by their
    `float_max` and kept float, as a call keeps them (rounded to uint8, a window's logits were 2e-4 to 3e-4 off the
    processor's on the same frames, out of 0.1); frames with transparent pixels composited onto white, as a call
    composites them (float)."""
    tensor = source.tensor.detach()
    scale = call_float_scale(tensor, opts, source.name)  # as a call of the processor reads it (1.0: not float)
    tensor = source.pixels(np.arange(source.num_frames), scale).detach()
    tensor = tensor.float() if tensor.is_floating_point() else tensor
    return tensor.permute(0, 2, 3, 1).contiguous().numpy()
