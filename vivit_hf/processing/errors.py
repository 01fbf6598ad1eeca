# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The error of a sample that cannot make a clip, as opposed to a wrong option.

`ViViTVideoProcessor(skip_broken=True)` skips a video by the class of its error, never by its message: a
`BrokenVideoError` (or its subclass `VideoDecodeError`) is this sample's fault and is skipped and counted; any other
error is the caller's (a wrong option, an ambiguous array that `input_data_format` settles) and is raised, whatever
its text says. A `ProcessorConfigError` is the other side: the options a processor was loaded with, never a sample's;
and a `ViewSizeError` the processor's views and the model's image size, which no sample can mend.
This module imports nothing: it travels with `trust_remote_code` like its siblings.
"""

from __future__ import annotations

__all__ = ["BrokenVideoError", "EncryptedVideoError", "ProcessorConfigError", "VideoDecodeError", "ViewSizeError"]


class BrokenVideoError(ValueError):
    """A video that cannot make a clip by itself: too short under `short_video="error"`, a single frame under the
    default policy, NaN or infinite values, no frames, frames of different sizes, or an array with no channel axis.
    A `ValueError`, so `except ValueError` keeps catching it; the message names the input."""


class VideoDecodeError(BrokenVideoError):
    """A video could not be opened or decoded; the message names the input. A `BrokenVideoError`: the sample's
    fault, skipped and counted where broken samples are (`skip_broken`, the training data set)."""


class EncryptedVideoError(VideoDecodeError):
    """A video whose frames are encrypted (DRM), which no reader here can decode: see `PyAVReader._refuse_encrypted`.
    Its own kind, so that every reader says so, also one that reads what PyAV refuses where it can."""


class ProcessorConfigError(ValueError):
    """The options a `ViViTVideoProcessor` is loaded with (`from_dict`: a saved config, and any options given to load
    it) hold one no clip can be processed with; the message is the option's own. transformers' pipeline takes any
    error loading a processor for none there, so the pipeline tells this one apart by its class to name the file."""


class ViewSizeError(ValueError):
    """The pipeline's views are not the size its model takes (a processor that crops none makes each video's own
    resized size): `made` and `takes` as `(height, width)`, for a caller that names its own way to change them
    (predict.py, its processor's config) rather than the message's `pipe.video_processor` attributes."""

    def __init__(self, message: str, made: tuple[int, int] | None = None, takes: tuple[int, int] | None = None):
        # (defaults: torch's DataLoader raises a worker's error again from its message alone; without them that
        # became a RuntimeError, which an `except ValueError` misses)
        super().__init__(message)
        self.made, self.takes = made, takes

    def __reduce__(self):  # pickled (a worker's error) with its sizes
        return type(self), (str(self), self.made, self.takes)
