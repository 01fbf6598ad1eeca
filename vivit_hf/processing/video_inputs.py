# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""What a `ViViTVideoProcessor` call's `videos` can be, and how each becomes frames.

One video or a batch (a list, a list of lists grouped by sample, a `datasets` column); arrays and tensors (their
dimension counts, channel layout, dtypes and float scale); PIL images, animated images and a video's frames as image
files; files, read on demand by frame index (`FrameSource`, which also resizes while decoding); and each video's
metadata, given (`video_metadata`, the frame rate for `fps` sampling) or returned (`ViViTVideoMetadata`).

Part of the processor's code: `processing_vivit` imports it, so a saved processor folder carries it with
`trust_remote_code`; it imports nothing the processor module may not.
"""

from __future__ import annotations

import dataclasses
import difflib
import logging
import numbers
import os
from collections.abc import Mapping, Sequence

import numpy as np
import torch
from torchvision.transforms import InterpolationMode
from transformers.image_utils import IMAGENET_DEFAULT_MEAN, IMAGENET_DEFAULT_STD
from transformers.video_utils import VideoMetadata

from .errors import BrokenVideoError
from .processor_options import describe_unknown, interpolation_mode, resized_size
from .video_io import VideoReader, describe_source, evenly_spaced, open_video, source_name
from .video_sources import resolve_source

# the processor's warnings keep the one logger name they had before the processor's code was split into
# modules: a user silencing `vivit_hf.processing.processing_vivit` silences them all (in a saved folder: its own)
logger = logging.getLogger(__name__.removesuffix("video_inputs") + "processing_vivit")


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


# -- inputs ------------------------------------------------------------------------------------------
def per_video_options(opts: dict, source: FrameSource, given_metadata) -> dict:
    """The call's options for one video, by its kind (the table in docs/processor.md).

    `do_sample_frames=None`: a file (path, URL, bytes, file object, container, decoder) is sampled, frames given
    in memory (arrays, tensors, PIL images) are kept as given, as transformers keeps them. `short_video=None`: a
    short file loops (one frame is refused), while sampling more frames than were given in memory is an error
    (transformers' rule) unless `short_video` says `"loop"` or `"pad"`. `video_fps`: the caller's metadata, else
    the file's own average frame rate (the caller's wins: a rate a file misstates can be given; a differing one is
    said, as transformers' video processors take a file's own)."""
    in_memory = source.tensor is not None and not source.still_image_file
    opts = dict(opts)
    if opts["do_sample_frames"] is None:
        opts["do_sample_frames"] = not in_memory or opts["fps"] is not None
        if not opts["do_sample_frames"] and opts["num_clips"] != 1:  # (it blamed `sample_indices` for one clip)
            raise ValueError(
                f"num_clips={opts['num_clips']} samples clips from {source.name}, but frames given in memory are kept "
                "as given unless sampling is asked for: pass do_sample_frames=True (clips of num_frames at "
                "frame_stride, as from a file)."
            )
        if not opts["do_sample_frames"] and opts.get("num_frames_in_call"):
            _say_num_frames_unused(opts["num_frames"], source)
    if opts["short_video"] is None and in_memory and source.num_frames > 1:  # (None names one frame in its error)
        opts["short_video"] = "error"
    # a given rate of 0 says "unknown" (PyAV's rate of a stream that states none): no rate, so a file's own is read
    # (it was taken as the rate: `fps=` refused the 25 fps file as having none, its timestamps divided by 0)
    video_fps = (getattr(given_metadata, "fps", None) or None) if given_metadata is not None else None
    if in_memory and opts["fps"] is not None and opts["do_sample_frames"]:
        _check_metadata_counts_frames(given_metadata, source)
    # A still image file has no frame rate, as its PIL frame has none: FFmpeg's image demuxers state 25 fps, their
    # default, so an opaque logo.png would take `fps=2` (and name "1 at 25 frames per second" for fps=50) where
    # the transparent one, read with PIL, and the PIL frame have no rate.
    timed = source.reader is not None and not source.still_image_file
    if video_fps is not None and timed:
        _say_given_rate_differs(video_fps, source)
    if video_fps is None and timed:
        video_fps = source.reader.fps or None
        if opts["fps"] is not None:  # the file's own frame times (not with the caller's rate)
            opts["video_times"] = (source.reader.frame_times(), source.reader.last_frame_seconds())
    opts["video_fps"] = video_fps
    return opts


# (given rate, file's own rate) pairs already said to differ: once each, not once per call of a loop
_RATES_SAID: set[tuple[float, float]] = set()


def _say_given_rate_differs(given_fps, source: FrameSource) -> None:
    """`video_metadata`'s rate for a file overrides the file's own (a file that misstates its rate can be given the
    true one); transformers' video processors decode a path with their own metadata, dropping the given one. A rate
    off the file's by more than 1% (30 for 29.97 is the same clock) is said: metadata of another clip, or of the
    file before a re-encode, would sample `fps=` at the wrong rate (fps=5 with {"fps": 50} for a 25 fps
    file takes every 10th frame, 2.5 a second)."""
    own = source.reader.fps
    if source.reader.fps_guessed:  # (the file's rate was said to be a guess, to be given so: see `fps_guessed`)
        return
    if not own or not given_fps or abs(float(given_fps) - own) <= 0.01 * own or (float(given_fps), own) in _RATES_SAID:
        return
    _RATES_SAID.add((float(given_fps), own))
    logger.warning(
        "video_metadata gives %s a frame rate of %g fps, but its frames play at %g fps: the given rate is used (for "
        "fps= sampling and the returned timestamps), where transformers' video processors take a file's own. Pass "
        "no video_metadata (or its fps=%g) to use the file's rate.",
        source.name,
        float(given_fps),
        own,
        own,
    )


# the call's `num_frames` already said to be unused for frames kept as given (once each, not once per call of a loop)
_NUM_FRAMES_SAID: set[int] = set()


def _say_num_frames_unused(num_frames: int, source: FrameSource) -> None:
    """A call's `num_frames` for frames kept as given samples nothing, as in transformers' video processors (whose
    `do_sample_frames` is off), where `num_clips` is refused: unsaid, `proc(frames, num_frames=4)` would give
    all 12 frames given to a caller who asked for 4. Said once per count; a call that turns sampling off itself
    (`do_sample_frames=False`) asked for that."""
    if num_frames in _NUM_FRAMES_SAID or num_frames == source.num_frames:  # (as many as asked: nothing to say)
        return
    _NUM_FRAMES_SAID.add(num_frames)
    logger.warning(
        "num_frames=%s samples nothing from %s: frames given in memory are kept as given (%d frames), as in "
        "transformers' video processors, unless sampling is asked for. Pass do_sample_frames=True for a clip of "
        "%s of them (at frame_stride, as from a file).",
        num_frames,
        source.name,
        source.num_frames,
        num_frames,
    )


def _check_metadata_counts_frames(given_metadata, source: FrameSource) -> None:
    """For `fps=` sampling of frames in memory, `video_metadata` must describe the frames given: the metadata of the
    video they were sampled from (transformers' `load_video(..., num_frames=8)` returns its 300 frames at 30 fps)
    gave its rate to 8 frames, so fps=2 took 1 frame of the 10 s clip (int(8 / 30 * 2), at least one), silently
    (transformers indexes past the frames there)."""
    total = getattr(given_metadata, "total_num_frames", None)
    fps = getattr(given_metadata, "fps", None)
    if total is None or not fps or int(total) == source.num_frames:
        return
    rate = source.num_frames / (int(total) / float(fps))
    raise ValueError(
        f"video_metadata describes {int(total)} frames at {float(fps):g} fps, but {source.name} has "
        f"{source.num_frames}: fps= sampling takes the rate of the frames given, and these look sampled already "
        f"(from a {int(total) / float(fps):g} s video: {rate:.4g} frames a second). Pass their own rate, "
        f"video_metadata={{'fps': {rate:.4g}}}, or sample by num_frames."
    )


def metadata_of_video(video, source: FrameSource, opts: dict, clips: np.ndarray, given) -> ViViTVideoMetadata:
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
        if getattr(given, "fps", None):
            # the caller's rate times every frame (`_frame_times`: index / fps), so the duration too: a raw H.264's
            # 30 frames given 30 fps said 1.2 s, measured at its demuxer's 25 fps guess
            duration = source.num_frames / fps
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


def _frame_times(source: FrameSource, clips: np.ndarray, given) -> list[float] | None:
    """The presentation times (seconds from the first frame) of a file's sampled frames, where its frames are not
    evenly spaced; None where `index / fps` times them (evenly spaced, frames in memory, a rate the caller gave)."""
    if source.reader is None or getattr(given, "fps", None):
        return None
    times = source.reader.frame_times()
    if times is None or times.size < 2 or evenly_spaced(times - times[0], source.reader.fps):
        return None
    return (times[clips.reshape(-1)] - times[0]).tolist()


def metadata_per_video(video_metadata, num_videos: int) -> list:
    """`video_metadata` as one `VideoMetadata` (or None) per video: one dict / `VideoMetadata`, a list of them, or
    transformers' nested list (one list per video)."""
    if video_metadata is None:
        return [None] * num_videos
    entries = video_metadata if isinstance(video_metadata, (list, tuple)) else [video_metadata]
    if entries and isinstance(entries[0], (list, tuple)):
        entries = [entry for group in entries for entry in group]
    many = len(entries) > 1
    entries = [
        as_metadata(entry, f"video_metadata[{i}]" if many else "video_metadata") for i, entry in enumerate(entries)
    ]
    if len(entries) != num_videos:
        raise ValueError(f"Got {num_videos} videos but {len(entries)} `video_metadata` entries; pass one per video.")
    return entries


def as_metadata(entry, what: str) -> VideoMetadata | None:
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
        raise ValueError(f"{what} has {describe_unknown(unknown, known, kind='keys')}.")
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


def as_video_list(videos) -> list:
    """One video or a batch of them -> a list of single videos."""
    from PIL import Image

    if isinstance(videos, Image.Image):  # one image: a one-frame video, as transformers reads it; animated: its frames
        return [_image_frames(videos)]
    if isinstance(videos, np.ndarray) and videos.dtype.kind in "USO" and videos.ndim == 1:
        # paths (or bytes, or videos of different shapes) held in an array: refused for its dimensions alone, as if
        # it were pixels
        raise ValueError(
            f"Got a 1-D array of {videos.dtype} ({len(videos)} items: paths, bytes or videos?), which is no array of "
            "pixels: pass its items as a list, `array.tolist()` (a list of videos)."
        )
    if isinstance(videos, (np.ndarray, torch.Tensor)):
        if videos.ndim == 5:
            if len(videos) == 0:  # as an empty list is, not an empty batch
                raise ValueError(f"Got an empty batch of videos: an array of shape {tuple(videos.shape)}.")
            return list(videos)
        if videos.ndim in (3, 4):
            return [videos]
        raise _dimensions_error(tuple(videos.shape), batch=True)
    if is_video_batch_sequence(videos):  # a `datasets` Column (`ds["video"]`): a list of videos, not one video
        videos = list(videos)
    if isinstance(videos, (list, tuple)):
        if len(videos) == 0:
            raise ValueError("Got an empty list of videos.")
        _refuse_nested_numbers(videos)
        if is_one_video(videos):  # one video given as frames (`_stack_frames` stacks them when it is read)
            return [list(videos)]
        if all(_is_animated(x) for x in videos):  # animated images (GIF, APNG, ...): a video each
            return [_image_frames(x) for x in videos]
        flat = []
        for video in videos:
            if isinstance(video, (list, tuple)) and _is_nested_videos(video):
                # a list of videos inside the list (`[[a, b], [c]]`: a batch grouped by sample) is flattened, as
                # transformers' `make_batched_videos` flattens it: taken for one video's frames, it failed with "a
                # video array must have 4 dimensions" or "the frames of one video must share a size"
                flat.extend(as_video_list(video))
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
    if not videos or is_one_video(videos) or is_image_files(videos):
        return False
    return all(
        isinstance(x, (list, tuple)) or (isinstance(x, (np.ndarray, torch.Tensor)) and x.ndim in (4, 5)) for x in videos
    )


def is_video_batch_sequence(videos) -> bool:
    """A sequence other than a list or tuple that holds videos: `datasets`' `Column` (what `ds["video"]` gives) is
    one. It was read as one video and refused as an unsupported input (under skip_broken: skipped, the whole column
    lost as one broken video)."""
    return isinstance(videos, Sequence) and not isinstance(videos, (list, tuple, str, bytes, bytearray, memoryview))


_DATA_FORMATS = ("channels_first", "channels_last", "first", "last")


def check_data_format(input_data_format) -> None:
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
        if shape[1] == 4 and shape[0] in (1, 3):
            # (3, 4, H, W): 3 RGBA frames, or one 4-frame clip laid out (C, T, H, W) as torchvision's and
            # pytorchvideo's video models take it, which would be read as 3 RGBA frames (transformers,
            # whose channel counts are 1 and 3, refuses it).
            logger.warning(
                "The video array of shape %s is read as %d frames of 4 channels (RGBA), (T, C, H, W); if it is %d "
                "frames laid out (C, T, H, W), pass `video.permute(1, 0, 2, 3)` (or input_data_format="
                "'channels_first' to read RGBA frames without this warning).",
                tuple(shape),
                shape[0],
                shape[1],
            )
        return "first"
    hint = ""
    if shape[0] in (1, 3, 4) and shape[-1] > 4:
        # torchvision's and pytorchvideo's video models take (C, T, H, W) clips, (B, C, T, H, W) batches. A last axis
        # of a few is channels, not a width: (3, 40, 50, 2) is 3 frames of grey and alpha (PIL's "LA" stacked), which
        # the permute makes (40, 3, 50, 2), which would read as 40 RGB frames 50 x 2 pixels
        hint = (
            " It looks like (C, T, H, W), the layout of torchvision's and pytorchvideo's video models: pass "
            "`video.permute(1, 0, 2, 3)` (a (B, C, T, H, W) batch: `.permute(0, 2, 1, 3, 4)`)."
        )
    raise BrokenVideoError(
        f"Cannot tell the channel axis of a video array of shape {tuple(shape)}: expected (T, H, W, C) or "
        "(T, C, H, W) with C in 1, 3, 4 (a 5D batch must be (B, T, H, W, C) or (B, T, C, H, W)); check the layout."
        + hint
    )


def _three_d_layout(shape: tuple, input_data_format, name: str) -> str:
    """How to read a 3-D array: `"grey"` (a (T, H, W) grey video), or one image frame `"last"` (H, W, C) or
    `"first"` (C, H, W). transformers reads a 3-D array as one image; this processor also takes (T, H, W) grey
    videos, so a shape that fits both an image and a grey video is refused rather than guessed."""
    fmt = getattr(input_data_format, "value", input_data_format)
    image_last, image_first = shape[-1] in (1, 3, 4), shape[0] in (1, 3, 4)
    given = {"channels_last": "last", "last": "last", "channels_first": "first", "first": "first"}.get(fmt)
    if given is not None:
        fits, other = (image_last, image_first) if given == "last" else (image_first, image_last)
        if fits:
            return given
        if other and shape[0] != 1:
            # An image of the other layout, which the format contradicts (channels_first for an (H, W, 3) image, often
            # saved on the processor for (T, C, H, W) tensors): read as a grey video, its 40 rows would become 40
            # frames 50 x 3 pixels each, as `_channel_layout` refuses a 4-D array's. (A (1, H, W) array is
            # one grey frame whichever way it is read.)
            right = "channels_first" if given == "last" else "channels_last"
            image = "(C, H, W)" if given == "last" else "(H, W, C)"
            raise ValueError(
                f"input_data_format={fmt!r} puts the channel axis of the 3-D array {name} at a size of "
                f"{shape[-1] if given == 'last' else shape[0]}, but channels must be 1, 3 or 4: it is one {image} "
                f"image, {right} (pass that, or leave input_data_format unset), or a grey video given as (T, H, W, 1)."
            )
        return "grey"
    if image_last and not image_first:  # no grey video is 1, 3 or 4 pixels wide: one (H, W, C) image
        return "last"
    if image_first and not image_last and shape[0] == 1:  # one grey frame, whichever way it is read
        return "grey"
    if image_first or image_last:
        # (an (H, W, C)-only shape was read above: here it fits (C, H, W), and (H, W, C) too when its last axis does)
        image = "(C, H, W) or (H, W, C)" if image_last else "(C, H, W)"
        formats = "'channels_first' or 'channels_last'" if image_last else "'channels_first'"
        raise ValueError(
            f"A 3-D array {name} is ambiguous: one image {image} or a grey "
            f"video of {shape[0]} frames of {shape[1]} x {shape[2]}. Pass input_data_format={formats} for one "
            "image (a one-frame video), or a grey video as (T, H, W, 1)."
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
        wide = tensor.to(torch.int32)  # (torch has no max of uint16)
        # colours and a 4th (alpha) channel apart: 8-bit colours beside an opaque alpha of 65535 (as
        # `_matched_channels` and a 16-bit PNG's tRNS key give one) lifted the maximum and were read black
        parts = [(wide[:, :3], "colour values"), (wide[:, 3:], "alpha values")] if wide.shape[1] == 4 else []
        for part, what in parts or [(wide, "values")]:
            high = int(part.max()) if part.numel() else 0
            if 0 < high <= 255:
                # 8-bit pixels held in uint16 (`frames.astype(np.uint16)`, a sum or mean kept wide) or a 16-bit video
                # black to within 0.4% of white: the values cannot tell, as float values in [0, 1] cannot. Read on
                # [0, 65535] they were a black video (every view near -1, 257 times too dark), where transformers
                # reads them as 0-255 (an 8-bit alpha: a video near white, 1/257 opaque). (A camera's 10- or 12-bit
                # pixels held in uint16 fit too, in a scene darker than a quarter or 1/16 of their white: the first
                # two ways out read those wrong, 4x too bright or 64x too dark.)
                raise ValueError(
                    f"{dtype} video {name} has {what} up to {high}: uint16 is read on the 16-bit scale [0, 65535] "
                    f"(16-bit PNG / TIFF frames), where that is black ({high / 65535:.2%} of white at most). For "
                    "8-bit pixels held in uint16 convert it to uint8 (video.astype(np.uint8)), an alpha of 65535 to "
                    "255 with it; for 16-bit pixels that dark, to floats with float_max=65535.0; for 10- or 12-bit "
                    "pixels held in uint16 (a camera's unpacked Mono10 / Mono12, a dark scene), to floats with "
                    "float_max=1023.0 or 4095.0, their white."
                )
        return ((wide * 255 + 32767) // 65535).to(torch.uint8)
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
    (RGB, then alpha where the array has it): uint8, or float on the caller's own scale (`float_scale` reads it).
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
    # one channel (grey) is kept: `FrameSource` repeats it to RGB; a 4th (alpha) is kept too: `FrameSource` splits it
    # off and `_on_white` composites the frames onto white
    if tensor.dtype == torch.bool:
        tensor = tensor.to(torch.uint8) * 255
    elif tensor.is_floating_point():
        tensor = tensor.float()  # the scale is read from float_max in float_scale, never guessed here
    elif tensor.dtype != torch.uint8:
        tensor = _to_uint8(tensor, name, dtype)
    return tensor


def check_convert_rgb(source, opts: dict) -> None:
    """`do_convert_rgb=False` changes no pixel of an RGB video (transformers' processors give the same pixels either
    way, and files are decoded to RGB). A grey video keeps its one channel, as transformers' processors keep it, unless
    the normalisation gives each of three channels statistics of its own (`image_mean` / `image_std` as three numbers,
    a preset's included): transformers' broadcasts the one channel against them, which is the grey frames repeated to
    RGB, as here. So without normalisation, or with one number each, it is `(frames, 1, H, W)`, the input of a model
    with `num_channels=1` (it was repeated to RGB whatever the options: the option ignored, and such a model refused
    every grey video). A 4-channel video keeps its 4 channels, as transformers' processors keep them (its
    `VideoProcessingTestMixin` checks `(frames, 4, H, W)`): the input of a model with `num_channels=4` (RGB and depth,
    or RGBA): `ViViTConfig(num_channels=4)` takes them.
    Frames whose transparency is no 4th channel of their own (a palette's or an RGB frame's transparent colour, grey
    with alpha: PIL's P, RGB with a tRNS key, LA) would keep other bands there: refused, naming the video, rather than
    composited onto white against the option (an RGB frame's key gave an RGBA clip of 0 / 255 alpha)."""
    if opts.get("do_convert_rgb") is not False:
        return
    if source.still_image_file or source.image_files:
        # A file given by its path is read as RGB, composited onto white, whatever the option: as every video file is
        # (an APNG, a WebM with alpha) and as transformers' `load_video` reads any file (rgb24, 3 channels). So a
        # transparent PNG's path gives the composite a one-frame APNG of the same picture gives, not 4 channels: its
        # PIL frame, given as one, keeps its bands. So do a video's frames given as image files
        # (`proc([frame_paths])`), which transformers opens with `load_image` (RGB), as one of them alone reads
        return
    if source.channels == 4 and source.tensor is not None and source.alpha is not None:
        source.keep_fourth_channel()
        return
    if source.channels == 1 and source.tensor is not None and source.alpha is None:
        statistics = (opts.get("image_mean"), opts.get("image_std"))
        # (one number in a list, `[0.5]`, broadcasts to one channel in transformers, as a bare 0.5 does)
        if not (opts.get("do_normalize") and any(np.size(value) > 1 for value in statistics)):
            source.keep_one_channel()
        return
    if source.channels not in (1, 3) or source.alpha is not None:
        # a palette (P) frame with a transparent colour has one band as given: "1 channels" named a grey video's count,
        # which is taken
        given = "transparency (alpha)" if source.channels in (1, 3) else f"{source.channels} channels"
        raise ValueError(
            f"do_convert_rgb=False: {source.name} has {given}, which this processor keeps only as a 4th channel of "
            "4-channel frames (RGBA), or drops with do_convert_rgb on (frames with alpha are then composited onto "
            "white, as transformers does)."
        )


def check_array_video(tensor: torch.Tensor, opts: dict, name: str) -> None:
    """Gradients flow through resizing, crops, flips, colour jitter and the rescale / normalisation of a float video;
    RandAugment works on uint8 pixels, which would cut the graph: refuse that."""
    if tensor.requires_grad and opts["do_train_augment"] and opts["rand_augment"]:
        raise ValueError(
            f"{name} requires_grad, but rand_augment works on uint8 pixels, which carry no gradient. Turn it off "
            "(gradients flow through resizing, crops, flips, colour jitter and normalisation) or pass video.detach()."
        )


# How far above white a float video's values may run (a resize's overshoot with ringing filters, bicubic or Lanczos):
# values up to twice `float_max` are taken on its scale, and values up to twice 1 prove no [0, 255] video
OVERSHOOT = 2.0


def normalised_reaches(image_mean=None, image_std=None) -> list[tuple[float, float]]:
    """What a video normalised already can hold, `(lowest, highest)` for each set of statistics it may have been
    normalised with: ImageNet's (the usual ones: black's -2.12 in red to white's 2.64 in blue) and the processor's own,
    `((0 - mean) / std, (1 - mean) / std)` over their channels. A bright scene so normalised has nothing below 0
    (ImageNet's 0.28 to 2.64 for pixels from 0.55 to 1), so only its top value tells it from pixels: up to that top it
    could also be a [0, 255] video almost black. Its lowest tells it too: statistics of mean 0 (`image_std=0.1`: 0 to
    10) take no pixel below 0, where a dark [0, 255] scene resized bicubically rings below black (-1.2 to 8.6)."""
    statistics = [(IMAGENET_DEFAULT_MEAN, IMAGENET_DEFAULT_STD)]
    if image_mean is not None and image_std is not None:
        statistics.append((image_mean, image_std))
    reaches = []
    for mean, std in statistics:
        means = np.broadcast_to(np.asarray(mean, dtype=np.float64), (3,))
        stds = np.broadcast_to(np.asarray(std, dtype=np.float64), (3,))
        if bool((stds > 0).all()):
            lowest, highest = float((-means / stds).min()), float(((1 - means) / stds).max())
            slack = (highest - lowest) * 0.001  # (float32 rounding of black and white themselves)
            reaches.append((lowest - slack, highest + slack))
    return reaches


def call_float_scale(tensor: torch.Tensor, opts: dict, name: str) -> float:
    """`float_scale` as a call of the processor with options `opts` reads a video: its `float_max` (and whether the
    call gave it), its `do_rescale` (the advice's wording) and its statistics (the normalised video's top)."""
    return float_scale(
        tensor,
        opts["float_max"],
        name,
        opts.get("do_rescale", True),
        opts["float_max_in_call"],
        normalised_reaches(opts["image_mean"], opts["image_std"]),
        processed_already=opts.get("processed_already", False),
        needs_pixels=[option for option in ("do_color_jitter", "rand_augment") if opts.get(option)]
        if opts.get("do_train_augment")
        else [],
    )


def _whole_numbers_past_one(values: torch.Tensor, high: float) -> bool:
    """Whole numbers up to at least 2: a [0, 255] video as decoded (uint8 frames made float), however dark. Neither
    [0, 1] pixels (resized or not) nor normalised ones are whole numbers; 0 and 1 alone could be [0, 1] black and
    white, so they prove nothing."""
    return high >= 2.0 and bool(torch.equal(values, values.round()))


def float_scale(
    tensor: torch.Tensor,
    float_max,
    name: str,
    do_rescale: bool = True,
    float_max_in_call: bool = True,
    normalised_reach: Sequence[tuple[float, float]] | None = None,
    processed_already: bool = False,
    needs_pixels: Sequence[str] = (),
) -> float:
    """The factor bringing a float video to the 0-255 scale of uint8 (1.0 for other videos), from `float_max`.

    Without `float_max` only what the values prove is used: a value above 2 rules out [0, 1] pixels (up to 2 is a
    filter's overshoot past 1: a [0, 1] video resized bicubically runs to 1.18, and was read on [0, 255], every view
    near -1). Values all within [0, 2] fit [0, 1] pixels and a very dark [0, 255] video alike; reading them either
    way would be a guess, wrong by 255 times in brightness for the other case, so that is refused. So are values within
    the reach of a video normalised already (`normalised_reach`, from `normalised_reaches`: up to 2.64 with ImageNet's
    statistics), which a bright scene so normalised gives with nothing below 0 (read on [0, 255] it was a black
    video); values past that reach are no such video (a processor's statistics of mean 0 reach no value below 0).
    Whole numbers from 2 up are a [0, 255] video however dark (uint8 frames made float): read so, as no [0, 1] or
    normalised video is whole numbers. Negative values are no pixels on any scale (a video normalised already, such as
    [-1, 1]): refused, as values far above `float_max` are; a filter's small overshoot below 0 is kept (not past an
    eighth of the scale, nor, without `float_max`, past half the brightest value). Non-finite values are a broken
    array. `do_rescale` (the call's) shapes the advice: transformers' `do_rescale=False` says "already on [0, 1]",
    which here is `float_max=1.0` with the rescale kept on.

    A processor's own `float_max` of 16 or more (a saved config's 255.0) meeting values all within [0, 2] (or within
    `normalised_reach`) is refused too; one above 1 and smaller, values within [0, 1]:
    [0, 1] pixels given to it (torchvision's and decord's float frames) read as a black video, every view near -1,
    where transformers warns that the frames look rescaled already. A call's own `float_max` is the caller's word
    for that very video (`float_max_in_call`), kept. `processed_already`: a call turned off both the rescale and
    the normalisation, transformers' video processors' idiom for a video processed already, which they pass through
    (`VivitVideoProcessor`: resized, cropped, values kept): negative values are then refused advising
    `float_max=255.0`, the one scale that keeps them as given (0-255 is what float_max brings videos to).
    `needs_pixels`: the call's augmentations that clip to pixels (colour jitter to [0, 1], RandAugment to uint8),
    which a video kept as given below 0 by the call's float_max would have its negative half clipped off by."""
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
    scale = float(float_max) if float_max is not None else (255.0 if high > OVERSHOOT else 1.0)
    # Ringing undershoots by a fraction of the step it rings on (a fifth at most: a bicubic checkerboard's -0.25 to
    # 1.25), never by half the brightest value: such values are normalised ones. ImageNet's mean and std give -2.1
    # to 2.6, which would pass for a [0, 255] video (a value above 2), every view near -1.
    # (a processor's own `float_max` too, a default for every video: only the call's is its word for this one)
    normalised = (float_max is None or not float_max_in_call) and low < -high / 2
    if low < -scale / 8 or normalised:
        white = f"[0, {float(float_max):g}] (float_max)" if float_max is not None else "[0, 1] or [0, 255]"
        # (a video resized with a ringing filter runs a little below 0 and past white: not normalised, unclamped; a
        # [0, 255] one so resized, -64 to 319 at a checkerboard, was sent to un-normalise it, with no word of clamping)
        ringing = (
            f"; a [0, {scale:g}] video resized bicubically overshoots so: clamp it, video.clamp(0, {scale:g})"
            if low > -scale / 2 and (scale == 1 or not normalised)
            else ""
        )
        dark = (
            f"; if they are [0, {scale:g}] pixels that dark, pass float_max={scale!r} to the call"
            if low >= -scale / 8
            else ""
        )
        if processed_already and not ringing and (float_max is None or not float_max_in_call):
            # transformers' video processors keep such values with both steps off (their "processed already"); here
            # float videos are brought to 0-255 by float_max first, so it takes the word that they are on it: values
            # below 0 fit no pixel scale, and guessing one would multiply them by 255 (as [0, 1] pixels are)
            raise ValueError(
                f"{name} has values from {low:g} to {high:g}, below 0: no pixels, a video processed already? With "
                "do_rescale=False and do_normalize=False transformers' video processors pass such values through "
                "(resized and cropped); this processor brings float videos to 0-255 first (float_max), so pass "
                "float_max=255.0 too, which keeps the values as given (training augmentations excepted: "
                "they need pixels)."
            )
        raise ValueError(
            f"{name} has values from {low:g} to {high:g}, below 0: float pixels lie in {white}. A video normalised "
            "already (such as [-1, 1], or ImageNet's -2.1 to 2.6) would be normalised again; pass its pixels (e.g. "
            f"(x + 1) / 2, or x * std + mean, with float_max=1.0), or uint8 frames{ringing}"
            f"{dark}."
        )
    if needs_pixels and low < -high / 2:  # (the call's own float_max kept a video normalised already, as given)
        raise ValueError(
            f"{name} has values from {low:g} to {high:g}, below 0 by half its brightest value: no pixels (a video "
            f"normalised already?), and {' and '.join(needs_pixels)} work on pixels, clipping the rest off; pass "
            "its pixels, or turn them off."
        )
    if low == high == 0.0:  # black on either scale
        return 255.0 / float(float_max) if float_max is not None else 1.0
    reaches = normalised_reaches() if normalised_reach is None else normalised_reach
    # the highest top of the statistics these values fit within (a video normalised with none of them is no such video)
    normalised_top = max((top for lowest, top in reaches if lowest <= low and high <= top), default=None)
    white = 255.0 if float_max is None else float(float_max)
    # a processor's own float_max is a default for every video, its [0, 1]-like window only where reading [0, 1]
    # pixels on it would be grossly dark (their overshoot within an eighth of white): a config's 4.0 refused values up
    # to 2 (half its white) as [0, 1] pixels
    guessing = float_max is None or (not float_max_in_call and white > 1.0)
    window = OVERSHOOT if OVERSHOOT <= white / 8 else 1.0
    if guessing and (high <= window or normalised_top is not None) and not _whole_numbers_past_one(values, high):
        if high <= window:
            raise ValueError(_unit_or_dark_message(name, low, high, float_max, do_rescale))
        if normalised_top <= white / 8:
            raise ValueError(_normalised_or_black_message(name, low, high, float_max, normalised_top))
    if float_max is None:
        return 1.0
    if high > OVERSHOOT * float(float_max):
        raise ValueError(
            f"float_max={float(float_max):g} says white is {float(float_max):g}, but {name} has values "
            f"up to {high:g}: another scale (pass the right float_max, e.g. 255.0)."
        )
    return 255.0 / float(float_max)


def _unit_or_dark_message(name: str, low: float, high: float, float_max, do_rescale: bool) -> str:
    """Values all within [0, 1] (or a resize's overshoot past it): [0, 1] pixels, or a very dark video on the scale
    `float_max` (or [0, 255]) names."""
    if float_max is not None:
        return (
            f"{name} is a float video whose values all lie in [{low:g}, {high:g}], but this processor's "
            f"float_max={float(float_max):g} reads it on [0, {float(float_max):g}]: a black video (transformers warns "
            "that such frames look rescaled already). Pass float_max=1.0 to the call for [0, 1] pixels, or "
            f"float_max={float(float_max):g} to the call if the video is that dark."
        )
    if not do_rescale:  # transformers' idiom for [0, 1] pixels: here float_max says it, and the rescale stays on
        advice = (
            "For [0, 1] pixels pass float_max=1.0 and leave do_rescale on (do_rescale=False, transformers' way "
            "to say 'already on [0, 1]', leaves them on [0, 255] here: float_max brings them to 0-255 and the "
            "rescale and normalisation then apply as to uint8 frames); for [0, 255] pass float_max=255.0"
        )
    else:
        advice = "Pass float_max=1.0 for [0, 1] pixels or float_max=255.0 for [0, 255]"
    return (
        f"{name} is a float video whose values all lie in [{low:g}, {high:g}]: [0, 1] pixels"
        f"{' (a resize overshoots them past 1)' if high > 1 else ''}, or a very dark "
        f"[0, 255] video? The values cannot tell. {advice} (to the call, or to the processor for every call), "
        "or give uint8 frames."
    )


def _normalised_or_black_message(name: str, low: float, high: float, float_max, normalised_top: float) -> str:
    """Values within a normalised video's reach (white's `normalised_top` at most) and nothing far below 0: a bright
    scene normalised already, or a video almost black on the scale `float_max` (or [0, 255]) names."""
    white = 255.0 if float_max is None else float(float_max)
    reading = (
        "or a [0, 255] video almost black"
        if float_max is None
        else f"but this processor's float_max={white:g} reads it on [0, {white:g}]: almost black"
    )
    return (
        f"{name} is a float video whose values all lie in [{low:g}, {high:g}]: a bright video normalised already "
        f"(nothing far below 0 where its pixels are near or above the mean; white reaches {normalised_top:.3g} at "
        "most), "
        f"{reading} (its brightest value {high / white:.1%} of white)? The values cannot tell. Pass its pixels "
        f"(x * std + mean, with float_max=1.0), or uint8 frames; if it is a [0, {white:g}] video that dark, pass "
        f"float_max={white!r} to the call."
    )


def decoder_resize(opts: dict, source: FrameSource | None = None) -> tuple:
    """`(size, interpolation)` for a reader to resize while decoding, or `(None, "bilinear")`. A `longest_edge` cap
    and a `max_height` / `max_width` box need the frame's size: given as `(height, width)` from `source`'s reader
    (without one, nothing is resized while decoding)."""
    mode = interpolation_mode(opts["resample"])
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
    if shown is not None and any(new > old for new, old in zip(resized_size(*shown, size), shown)):
        # An enlargement gains nothing by resizing while converting (the frames are small to convert anyway), and
        # libswscale's one-pass chroma upsampling and scaling differs from the exact path most there: 320x240 to
        # 256, as UCF101 and HMDB51 are read, 6.6 grey levels mean, 151 at most (a 720p downscale: 4.8 and 66)
        return None, interpolation
    if (size.shortest_edge and size.longest_edge) or (not size.shortest_edge and size.max_height and size.max_width):
        if info is None:
            return None, interpolation
        return resized_size(info.height, info.width, size), interpolation
    if size.shortest_edge:
        return int(size.shortest_edge), interpolation
    if size.height and size.width:
        return (int(size.height), int(size.width)), interpolation
    return None, interpolation


def take_frames(frames: torch.Tensor, positions) -> torch.Tensor:
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
    channel); `scale` (`float_scale`'s factor) brings float videos to 0-255 first."""
    if scale != 1.0:  # a new tensor: the caller's array is never written
        frames = frames * scale
    if alpha is None:
        return frames
    alpha = alpha * scale if scale != 1.0 else alpha
    if not bool((alpha < 255).any()):
        return frames
    alpha = (alpha / 255.0).clamp(0, 1)
    return (1 - alpha) * 255 + alpha * frames


def _pil_frame_to_array(frame, with_alpha: bool = False) -> np.ndarray:
    """A PIL frame as an array: RGB (RGBA `with_alpha`: transparency kept for `_on_white`, as transformers'
    `convert_to_rgb` keeps it to composite onto white), or a grey frame deeper than 8 bits as `(H, W, 1)` at its own
    depth (a 16-bit PNG or TIFF opens as mode I;16 or I), which the integer and float rules then scale or refuse as
    for an array of that dtype: `convert("RGB")` clips such a frame at 255, which would make a 16-bit depth video
    white."""
    from PIL import Image

    if not isinstance(frame, Image.Image):
        return np.asarray(frame)
    if frame.mode.startswith("I;16"):
        grey = np.asarray(frame).astype(np.uint16)[..., None]  # native byte order (I;16B is big-endian)
        key = frame.info.get("transparency")
        if with_alpha and isinstance(key, int):
            # a 16-bit grey PNG's tRNS key: pixels of that value are transparent. Kept at 16 bits beside an alpha on
            # the same scale (0 or 65535), as `_matched_channels` gives an opaque one; dropped, the key would leave
            # a transparent pixel its stored grey (black, mostly) where PIL's RGBA, transformers' too, is white
            alpha = np.where(grey == key, 0, 65535).astype(np.uint16)
            return np.concatenate((grey, grey, grey, alpha), axis=-1)
        return grey
    if frame.mode in ("I", "F"):
        return np.asarray(frame)[..., None]
    if frame.mode == "La":  # premultiplied grey, which PIL converts to LA alone (to RGBA: "not supported")
        frame = frame.convert("LA")
    # Every other mode (YCbCr, CMYK, HSV, LAB, P, 1, L) as the picture it holds, as transformers' `convert_to_rgb`
    # converts a PIL image; transformers' ViViT and ViT processors read a YCbCr frame's Y, Cb, Cr bands as R, G, B.
    return np.asarray(frame.convert("RGBA" if with_alpha else "RGB"))


def _has_alpha(frame) -> bool:
    """A PIL frame with transparency: an alpha band (RGBA, LA, PA; premultiplied, RGBa, La), a palette with alpha or a
    transparent colour (a GIF's or PNG's palette index, PNG's tRNS key), as PIL's `has_transparency_data` (Pillow >=
    10.1) tells it. transformers' `convert_to_rgb` looks for a band named `A`: premultiplied frames lost their alpha
    (a half-transparent pixel its colour, not blended onto white: 127 off of 255) or (La) stopped in PIL's "conversion
    from La to L not supported", and a LAB frame's `a*` band was taken for one (an opaque 4th channel with
    do_convert_rgb=False)."""
    from PIL import Image

    if not isinstance(frame, Image.Image):
        return False
    palette = frame.mode == "P" and frame.palette is not None and frame.palette.mode.endswith("A")
    return frame.mode in _ALPHA_MODES or palette or frame.info.get("transparency") is not None


_ALPHA_MODES = ("RGBA", "LA", "PA", "RGBa", "La")


def _pil_channels(frame) -> int:
    """The channels a PIL frame holds: its bands, an opaque palette (P) frame's 3 (its one band indexes the palette's
    colours: counted as grey, `do_convert_rgb=False` gave the red of each colour as a grey video, 0 for pure green)."""
    return 3 if frame.mode == "P" and not _has_alpha(frame) else len(frame.getbands())


def _is_animated(x) -> bool:
    """A PIL image of several frames (an animated GIF, APNG or WebP, a multi-page TIFF), as `Image.open` gives it."""
    from PIL import Image

    return isinstance(x, Image.Image) and getattr(x, "n_frames", 1) > 1


def _image_frames(image) -> list:
    """The frames of an animated image, as one video (a still image: itself, a one-frame video). Read as one image, an
    animated GIF would give its first frame alone, a one-frame clip; PIL's frame position is restored."""
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
    _check_frame_dtypes(arrays)
    arrays = _matched_channels(arrays)
    _check_frame_shapes(arrays)
    return np.stack(arrays)


def _matched_channels(frames: list) -> list:
    """Channels-last frames of one video given with 1, 3 and 4 channels (a PIL frame beside an (H, W) grey array or an
    RGBA one), each as many as the most: grey repeated to RGB, integer RGB given an opaque alpha (composited onto
    white then, as each frame alone would be). They failed with "the frames of one video must share a size" (of one
    size, they differed in channels alone). Float RGB beside RGBA is refused by name: its opaque alpha is its own
    white level, which `float_max` gives only later."""
    counts = {int(f.shape[-1]) for f in frames if f.ndim == 3}
    if len(counts) < 2 or not counts <= {1, 3, 4} or any(f.ndim != 3 for f in frames):
        return frames
    channels = max(counts)
    matched = []
    for position, frame in enumerate(frames):
        if frame.shape[-1] == 1:
            frame = np.repeat(frame, 3, axis=-1) if isinstance(frame, np.ndarray) else frame.repeat(1, 1, 3)
        if channels == 4 and frame.shape[-1] == 3:
            if frame.dtype.is_floating_point if isinstance(frame, torch.Tensor) else frame.dtype.kind == "f":
                raise ValueError(
                    f"Frame {position} of a video given as a list of frames is float RGB, and other frames have an "
                    "alpha channel: give every frame alpha (or none), or uint8 frames."
                )
            opaque = 65535 if frame.dtype in (np.uint16, torch.uint16) else 255  # (white of `_to_uint8`'s scales)
            if isinstance(frame, np.ndarray):
                frame = np.concatenate((frame, np.full_like(frame[..., :1], opaque)), axis=-1)
            else:
                frame = torch.cat((frame, torch.full_like(frame[..., :1], opaque)), dim=-1)
        matched.append(frame)
    return matched


def _pixel_scale(dtype) -> str:
    """What a frame dtype's values are read on (`_array_to_clip_tensor`): booleans, 16-bit, other integers (8-bit), or
    floats (their own `float_max`)."""
    dtype = np.dtype(str(dtype).removeprefix("torch.")) if isinstance(dtype, torch.dtype) else np.dtype(dtype)
    if dtype.kind == "b" or dtype.kind == "f":
        return {"b": "boolean", "f": "float"}[dtype.kind]
    return "16-bit" if dtype == np.uint16 else "8-bit" if dtype.kind in "ui" else dtype.name


def _check_frame_dtypes(frames: list) -> None:
    """The frames of one video share a pixel scale, or an error naming their dtypes: stacked, their dtypes were
    promoted to one and every frame read on its scale (PIL's uint8 frames beside [0, 1] float arrays read as a [0, 255]
    float video, the float frames black; beside a 16-bit grey frame, read on [0, 65535], black). Float frames beside
    8-bit ones are taken where each has a value above 2: on [0, 255] then, as the 8-bit ones (the rule of a float
    video without `float_max`, `float_scale`'s)."""
    scales = {}
    for frame in frames:
        scales.setdefault(_pixel_scale(frame.dtype), str(frame.dtype).removeprefix("torch."))
    if set(scales) == {"8-bit", "float"} and all(
        (frame.numel() if isinstance(frame, torch.Tensor) else frame.size) > 0 and float(frame.max()) > OVERSHOOT
        for frame in frames
        if isinstance(frame, np.ndarray)
        and frame.dtype.kind == "f"
        or isinstance(frame, torch.Tensor)
        and frame.is_floating_point()
    ):
        return
    if len(scales) > 1:
        raise ValueError(
            f"The frames of one video are given with dtypes of different pixel scales ({', '.join(scales.values())}: "
            f"{', '.join(scales)}), which cannot be read as one video: convert them to one dtype (uint8 for 0-255 "
            "pixels; float frames beside 8-bit ones are read on [0, 255], and taken where each has a value above 2)."
        )


def _check_frame_shapes(frames: list) -> None:
    """The frames of one video share one shape, or a BrokenVideoError saying how they differ."""
    shapes = sorted({tuple(f.shape) for f in frames})
    if len(shapes) > 1:
        raise BrokenVideoError(
            f"The frames of one video must share a size, got {shapes} (channels last, as PIL frames and (H, W, C) "
            "arrays are read; a (C, H, W) frame among them is read so too)."
        )


def _is_pil(x) -> bool:
    from PIL import Image

    return isinstance(x, Image.Image)


def is_image_files(video) -> bool:
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
    frames get their channel axis, so 3 or 4 of them stack to a (T, H, W, 1) video, not a (3, H, W) that could be one
    image (read channels-last: `FrameSource` says so, as frames 1 or 3 pixels high fit both layouts). Frames given as
    image files are opened (`_image_file_frames`)."""
    if is_image_files(frames):
        frames = _image_file_frames(frames)
    frames = [x[..., None] if isinstance(x, (np.ndarray, torch.Tensor)) and x.ndim == 2 else x for x in frames]
    if all(isinstance(f, torch.Tensor) for f in frames):
        _check_frame_dtypes(frames)
        frames = _matched_channels(frames)
        _check_frame_shapes(frames)  # (torch's "stack expects each tensor to be equal size" named no video)
        return torch.stack(frames)
    return _pil_frames_to_array(frames)


def _transparent_still_image(video) -> bool:
    """The path of a still image file with transparency (a PNG with an alpha band, a palette's transparent colour):
    read as a video file, FFmpeg's decoders drop the alpha, so its transparent pixels came out as whatever colour they
    hold (black, often: 255 grey levels off), where the same image given as a PIL frame or as a frame's image file is
    composited onto white, as transformers composites frames. Animated images and URLs stay video files."""
    if not (isinstance(video, (str, os.PathLike)) and is_one_frame(video) and os.path.isfile(video)):
        return False
    from PIL import Image

    try:
        with Image.open(video) as image:
            return getattr(image, "n_frames", 1) == 1 and _has_alpha(image)
    except (OSError, ValueError):  # (read as a video file then, whose reader names what is wrong)
        return False


class FrameSource:
    """A decoded-on-demand file or an in-memory array, read by frame index."""

    def __init__(self, video, input_data_format, backend: str):
        self.reader: VideoReader | None = None
        self.tensor: torch.Tensor | None = None
        self.alpha: torch.Tensor | None = None  # (T, 1, H, W), on the tensor's scale, for frames given with alpha
        self.channels = 3  # as given: 1 (grey) or 4 (alpha) for frames in memory; files are decoded to RGB
        original = video
        still = _transparent_still_image(video)
        video = [video] if still else video  # (its one frame's image file, opened with PIL)
        # still a file given by its path, sampled as one (`per_video_options`): read as frames in memory, a
        # transparent logo.png with num_frames=4, short_video="loop" gave a 1-frame clip where an opaque one gave 4
        self.still_image_file = still
        # files read as RGB whatever do_convert_rgb says (`check_convert_rgb`): a video given as its frames' image
        # files, as transformers' `load_image` reads each (RGB), and as one image file's path reads
        self.image_files = is_image_files(video)
        if isinstance(video, (list, tuple)):
            if not video:  # a row of a data set's frame lists left empty: torch.stack failed with no video named
                raise BrokenVideoError(f"Video <empty {type(video).__name__} of frames> has no frames.")
            pil_bands = None
            video = _image_file_frames(video) if is_image_files(video) else video
            if any(_is_pil(frame) for frame in video):
                # (converted to RGB when stacked: the bands as given, for `check_convert_rgb`)
                pil_bands = max(_pil_channels(frame) for frame in video if _is_pil(frame))
                # PIL frames alone count their bands (an RGB frame's transparent colour, a tRNS key, gave alpha, 4
                # channels kept as such with do_convert_rgb=False where L and P frames with one are refused); RGB
                # frames beside arrays count as the arrays' channels
                pil_bands = pil_bands if pil_bands != 3 or all(_is_pil(frame) for frame in video) else None
                # PIL frames stack to (T, H, W, C): read so whatever the shape (3 x 40 frames stack to an ambiguous
                # (T, 3, 40, 3), which was read channels-first: other pixels, of another shape)
                input_data_format = "channels_last"
            elif any(isinstance(frame, (np.ndarray, torch.Tensor)) and frame.ndim == 2 for frame in video):
                # (H, W) grey frames stack to (T, H, W, 1), channels-last by construction: frames 1 or 3 pixels high
                # made it (T, 1, W, 1) or (T, 3, W, 1), read channels-first as the ambiguous array it is not (a
                # (1, W) row became a (W, 1) column, 3 rows one RGB column)
                input_data_format = "channels_last"
            video = _stack_frames(video)
        if isinstance(video, (np.ndarray, torch.Tensor)):
            self.name = (
                describe_source(original) if still else f"<{type(video).__name__} of shape {tuple(video.shape)}>"
            )
            tensor = _array_to_clip_tensor(video, input_data_format, self.name)
            self.channels = int(tensor.shape[1])
            tensor = tensor.expand(-1, 3, -1, -1) if self.channels == 1 else tensor
            if isinstance(original, (list, tuple)) and pil_bands is not None:
                self.channels = pil_bands  # (a still image's path is read as RGB: see `check_convert_rgb`)
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
            # a reader the caller opened (`open_video`'s) stays open, as `read_frames` leaves it: closed here, its
            # next read was "'NoneType' object has no attribute 'seek'" and PyAV crashed reading its rates
            self._owns_reader = self.reader is not video
            self.name = self.reader.name
            self.num_frames = self.reader.num_frames
            # an opaque still image's path, read by FFmpeg, has no frame rate either (`per_video_options`)
            self.still_image_file = self.num_frames == 1 and is_one_frame(original)

    def get(self, indices: np.ndarray, size=None, interpolation: str = "bilinear") -> torch.Tensor:
        """Frames at sorted distinct `indices` as `(N, 3, H, W)`; a file is resized to `size`
        while decoding when one is given (arrays are resized later, by the transforms)."""
        if self.tensor is not None:
            if indices.size == self.num_frames:  # every frame, in order
                return self.tensor
            return take_frames(self.tensor, indices)
        frames = self.reader.read(indices, size=size, interpolation=interpolation)  # (N, H, W, 3) uint8
        return torch.from_numpy(frames).permute(0, 3, 1, 2)

    def pixels(self, indices: np.ndarray, scale: float = 1.0, size=None, interpolation: str = "bilinear"):
        """`get`'s frames on the 0-255 scale (`scale` from `float_scale`), those given with alpha composited onto
        white (`_on_white`)."""
        frames = self.get(indices, size, interpolation)
        alpha = None
        if self.alpha is not None:
            alpha = self.alpha if indices.size == self.num_frames else take_frames(self.alpha, indices)
        return _on_white(frames, alpha, scale)

    def keep_one_channel(self) -> None:
        """A grey video's frames as `(T, 1, H, W)`, not repeated to RGB (`do_convert_rgb=False`)."""
        self.tensor = self.tensor[:, :1]

    def keep_fourth_channel(self) -> None:
        """A 4-channel video's frames as `(T, 4, H, W)`, the 4th kept as a channel, never composited
        (`do_convert_rgb=False`)."""
        self.tensor, self.alpha = torch.cat((self.tensor, self.alpha), dim=1), None

    def close(self) -> None:
        if self.reader is not None and self._owns_reader:
            self.reader.close()


def is_one_frame(video) -> bool:
    """One still frame given for a video: a PIL image (not an animated one), a 2-D / 3-D array or tensor, or the path
    of an image file (by a suffix PIL reads)."""
    if isinstance(video, (str, os.PathLike)):
        from PIL import Image

        return os.path.splitext(str(video))[1].lower() in Image.registered_extensions()
    return _is_frame(video) and not _is_animated(video)


def is_one_video(inputs) -> bool:
    """A list that is one video (its frames), not a list of videos."""
    # (a list of animated images is a list of videos, one each)
    return len(inputs) > 0 and all(_is_frame(x) for x in inputs) and not all(_is_animated(x) for x in inputs)
