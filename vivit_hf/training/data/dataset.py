# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""A torch Dataset from examples to processor outputs, that survives broken clips.

Large video sets always hold a few clips that will not decode. Such a clip is not dropped from the batch
(that would change batch sizes between processes and let `gather_for_metrics` trim the wrong samples); it
is replaced by zeros and marked `valid=False`, so training leaves it out of the loss, evaluation leaves it
out of the metrics, and both count it.
"""

from __future__ import annotations

import functools
import gc
import logging
import math
import operator
import pickle
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import PurePath

import numpy as np
import torch
from torch.utils.data import Dataset

from ...processing.errors import BrokenVideoError
from ...processing.processing_vivit import NORMALIZATION_OPTIONS
from ...processing.sampling import TIME_EPSILON
from ...processing.video_io import describe_source, is_torchcodec_decoder, source_name, stored_frame_size
from ...processing.video_reader import video_duration
from .cache import DecodedVideoCache, estimate_decoded_bytes
from .labels import multi_hot

logger = logging.getLogger(__name__)

# What `raw_pixels=True` asks of the processor: the views before the rescale and normalisation, and that affine
_RAW_VIEWS_METHODS = ("raw_views", "normalization_affine")


def decode_errors() -> tuple[type[BaseException], ...]:
    # Undecodable (VideoDecodeError), too short or NaN-filled (BrokenVideoError): the sample's fault, skipped and
    # counted. A clip listed in the annotations but unreadable on disk counts as broken too.
    return (BrokenVideoError, OSError)


class NoDecodableClipError(ValueError):
    """No clip of a data set decodes: each one failed with a broken video's error (`decode_errors`). Its own class,
    so a caller that stops such a run does not also take an option's error (raised at the first clip) for one, and
    say that every clip is unreadable while the videos are fine. `first` names the first clip and `first_error` is
    why it failed."""

    def __init__(self, count: int, first: str | None = None, first_error: BaseException | None = None):
        self.count, self.first, self.first_error = count, first, first_error
        detail = f" (the first, {first}: {first_error})" if first is not None else ""
        super().__init__(f"none of the {count} clips of this data set could be decoded{detail}")


class ProcessorOptionError(ValueError):
    """The video processor refused this run's options at a clip, with an error that is not a broken video's (a
    checkpoint's `frame_stride` 0, its `short_video: "bogus"`): no clip can be processed, and the videos are fine.
    Its own class, so that the recipes end such a run in one line and argparse's status 2, as for the user's other
    flags and files, whichever path found it (map-style: `unreadable_training_set`; streamed: `StreamingLoader`,
    which raises it in the main process, where a DataLoader worker's raise read as torch's worker traceback)."""

    @classmethod
    def at(cls, clips: str, first: str, error: BaseException, whose: str = "this run's") -> ProcessorOptionError:
        """The error as said of `clips` ("training", "evaluation"), `first` naming the clip it was raised at, the
        options `whose` ("this run's", "--model M's")."""
        return cls(
            f"the {clips} clips cannot be processed with {whose} video processor options (the first, {first}): "
            f"{str(error).rstrip('.')}; the video is not at fault"
        )


def views_refused(view_refusal, pixel_values: torch.Tensor, example: dict, index: int) -> str | None:
    """Why the model cannot take a clip's views, naming the clip, or None: `view_refusal(view_hw)` (the recipe's
    `clip_size_refusal`, or None for no check) of `pixel_values`' height and width. For views each video's frames
    decide (a shortest edge resized, nothing cropped), which no check before the clips are read can see: a clip of
    another shape was the model's traceback, or torch's "stack expects each tensor to be equal size" in the
    collation. Both data sets send it to the main process as data (`refused_batch`), where `raise_refused` raises it."""
    refusal = view_refusal is not None and view_refusal(tuple(pixel_values.shape[-2:]))
    return f"{refusal}; the first clip that does not: {describe_example(example, index)}" if refusal else None


def evaluation_views_refusal(refusal, processor, num_crops: int, dataset=None, first_across=None) -> str | None:
    """Why the model cannot take the evaluation views, as far as is known before they are read, else None (`refusal`:
    `clip_size_refusal` of a view's `(..., H, W)`, or None for no check). One rule for evaluate.py (read whole or
    streamed) and finetune.py's evaluation: the views' size where the processor's options fix it (its crops, or a
    resize to a fixed height and width), without reading a clip; else, for a map-style `dataset` (a stream is not read
    before it runs), its first clip's that decodes (evaluate.py reads it first itself: a split of no clip that decodes
    and an option no clip can be processed with are its own lines before this one), then each later clip's as its
    container's header tells, by the check the data set's reading makes (`VideoClassificationDataset.header_refusal`).
    Options that make `view_size` fail are left to the first clip read: its own error names them. `first_across`:
    on several processes, the first refusal of all (`agreement.first_across_processes`) of each process's share of the
    headers (`header_refusal_in`), read once between them, not in full by every process (20 000 clips: 12-40 s each)."""
    if refusal is None:
        return None
    try:
        view = processor.view_size(num_crops=num_crops)
    except (ValueError, TypeError):
        view = None
    if view is not None:
        return refusal(view)
    if dataset is None:
        return None
    try:
        view = dataset.sample_shape()
    except ValueError:  # none decodes, or an option's error: said where the clips are read, as before
        return None
    return refusal(view) or (
        dataset.header_refusal() if first_across is None else first_across(dataset.header_refusal_in)
    )


def refused_batch(refusal: str, **marks) -> dict:
    """A batch that carries `refusal` (a `ProcessorOptionError`'s message) out of a DataLoader worker: raised there,
    it reached the user as torch's "Caught ... in DataLoader worker process 0 ... Original Traceback", not one line."""
    return {"refused": refusal, **marks}


def raise_refused(batch: dict) -> None:
    """`ProcessorOptionError` in the main process for a `refused_batch`; nothing for any other batch."""
    if "refused" in batch:
        raise ProcessorOptionError(batch["refused"])


@dataclass(frozen=True)
class VideoSegment:
    """The part of a longer video an example names: `start_seconds` / `end_seconds`, or `start_frame` /
    `stop_frame` (0-based, inclusive), as an Epic Kitchens narration lies in its untrimmed video.

    Only the segment's frames are decoded, and they are sampled as a clip file of those frames would be."""

    video: object
    start_seconds: float | None = None
    end_seconds: float | None = None
    start_frame: int | None = None
    stop_frame: int | None = None
    # The file may be the segment already cut out of its video (a Kinetics clip named by its YouTube id alone, as some
    # downloaders name the trimmed clip and others the whole video): one no longer than the segment (and 2 s of an
    # encoder's slack) is read whole, a longer one from start to end.
    may_be_cut: bool = False
    name: str | None = field(default=None, compare=False)  # the example's id, for messages

    @classmethod
    def of(cls, example: dict) -> VideoSegment | None:
        keys = ("start_seconds", "end_seconds", "start_frame", "stop_frame")
        if not any(example.get(key) is not None for key in keys):
            return None
        cut = bool(example.get("may_be_cut"))
        return cls(example["video"], **{key: example.get(key) for key in keys}, may_be_cut=cut, name=example.get("id"))

    def frame_indices(
        self, num_frames: int, fps: float, frame_times=None, last_seconds=None, first_seconds=None
    ) -> np.ndarray:
        """The frames on screen from start to end: the one showing at `start_seconds` through the last one that
        starts before `end_seconds` (from the frames' own times when the reader knows them, else the rate).

        A segment wholly after the video's end (timestamps of another, longer copy of the video) is refused naming
        its times and the video's length: it read as the last frame alone ("has a single frame"). One that runs past
        the end keeps the frames there are; the first such segment is named, once per process.

        `first_seconds` (`VideoReader.first_frame_seconds`): when a player shows the first frame; seconds count on
        that clock, the timeline's, so a segment starting before it starts with the first frame."""
        return self.locate(num_frames, fps, frame_times, last_seconds, first_seconds)[0]

    def locate(
        self, num_frames: int, fps: float, frame_times=None, last_seconds=None, first_seconds=None
    ) -> tuple[np.ndarray, bool]:
        """`(frame_indices, truncated)`: truncated when the segment runs past the video's end and keeps fewer frames
        than it names. The flag travels with the sample (`"truncated"`), so that the recipe can count such segments
        in the main process: the decode runs in DataLoader workers, where a counter would never reach it."""
        start, end = (
            (self.start_seconds, self.end_seconds)
            if self.start_seconds is not None
            else (self.start_frame, self.stop_frame)
        )
        if start is not None and end is not None and end < start:
            # an annotation's mistake (start and stop swapped or mistyped), not the video's: say so, rather than
            # "lies outside the frames" of a video it lies inside
            where = f"{start:.2f} s to {end:.2f} s" if self.start_seconds is not None else f"frame {start} to {end}"
            raise BrokenVideoError(
                f"its segment ({self.name or 'no id'}) ends before it starts: {where} in {_describe(self.video)}"
            )
        if self.start_seconds is not None:
            # On a player's clock, as the timeline labels its windows: it starts with the container, so a video that
            # starts 0.5 s after its audio shows its first frame at 0.5 s (read from the first frame, a segment of
            # 4.0-4.5 s read what plays at 4.5-5.0 s); a file whose first frame is stamped 1 s and nothing earlier (an
            # MPEG-TS, a cut) shows it at 0 (it read 1-2 s as its first second and refused 0-1 s)
            shown = first_seconds or 0.0
            start_seconds, end_seconds = self.start_seconds - shown, self.end_seconds - shown
            if frame_times is not None and len(frame_times) == num_frames:
                times = np.asarray(frame_times, dtype=np.float64)
                times = times - times[0] if times.size else times
                # (a microsecond late, `TIME_EPSILON`: a nanosecond put a wall-clock stamped file's frame shown at
                # the start, 1.7e9 s from 1970, after it, and the segment began a frame early)
                first = int(np.searchsorted(times, start_seconds + TIME_EPSILON, side="right")) - 1
                last = int(np.searchsorted(times, end_seconds - TIME_EPSILON, side="left")) - 1
                # until the last frame ends, as the reader's duration (`video_duration`: `last_seconds` is how long
                # the container shows the last frame)
                if num_frames > 1:
                    length = video_duration(num_frames, fps, times, last_seconds)
                else:
                    length = (last_seconds or (1 / fps if fps > 0 else 0.0)) if num_frames else 0.0
            elif fps > 0:
                first = math.floor(start_seconds * fps + 1e-6)
                last = math.ceil(end_seconds * fps - 1e-6) - 1
                length = num_frames / fps
            else:
                raise BrokenVideoError(f"{_describe(self.video)} gives no frame rate to find seconds in")
            if self.may_be_cut and length <= self.end_seconds - self.start_seconds + 2:  # the clip, not its video
                return np.arange(num_frames), False
            where = f"{self.start_seconds:.2f}-{self.end_seconds:.2f} s"
            after, past = start_seconds >= length - TIME_EPSILON, end_seconds > length + TIME_EPSILON
            video_length = f"{length:.2f} s long" + (f", its first frame shown at {shown:.2f} s" if shown else "")
            if start_seconds < -1e-9 and end_seconds <= 1e-9:  # over before the first frame is shown
                raise BrokenVideoError(
                    f"its segment {where} ends before the first frame of {_describe(self.video)} ({video_length})"
                )
        else:
            first, last = self.start_frame, self.stop_frame
            where = f"frames {first}-{last}"
            after, past, video_length = first >= num_frames, last >= num_frames, f"{num_frames} frames long"
        if after:
            raise BrokenVideoError(
                f"its segment {where} lies after the end of {_describe(self.video)} ({video_length})"
            )
        if past:
            video = _describe(self.video)
            _warn_past_the_end(f"segment {self.name or ''} ({where}) runs past the end of {video} ({video_length})")
        # A segment shorter than a frame (start == end, or both within one frame's time: a narration of one or two
        # 60 fps frames in a 25 fps copy) is the frame on screen at its start, not an empty range.
        first, last = max(first, 0), min(max(last, first), num_frames - 1)
        if last < first:
            raise BrokenVideoError(f"{self} lies outside the {num_frames} frames of {_describe(self.video)}")
        return np.arange(first, last + 1), bool(past)

    def decode_frames(self, processor, **processor_kwargs) -> torch.Tensor:
        """The segment's frames `(T, H, W, 3)`, decoded as `processor.decode_video_frames` decodes a clip."""
        return self.decode(processor, **processor_kwargs)[0]

    def decode(self, processor, **processor_kwargs) -> tuple[torch.Tensor, bool]:
        """`(decode_frames(...), truncated)`: the frames, and whether the segment ran past the video's end."""
        return self.decode_with_rate(processor, **processor_kwargs)[:2]

    def decode_with_rate(self, processor, **processor_kwargs) -> tuple[torch.Tensor, bool, float]:
        """`decode(...)` and the video's frame rate, which `fps` sampling of the frames needs (frames in memory
        have no clock of their own)."""
        from ...processing.video_io import open_video

        backend = processor_kwargs.get("decode_backend") or processor.decode_backend
        with open_video(self.video, backend=backend) as reader:
            # the rate read once (the decode closed this reader once, and PyAV crashed reading a closed stream's
            # rates: a reader given to the processor now stays open, `FrameSource`)
            rate = reader.fps
            indices, truncated = self.locate(
                reader.num_frames,
                rate,
                reader.frame_times(),
                reader.last_frame_seconds(),
                reader.first_frame_seconds(),
            )
            frames = processor.decode_video_frames(reader, indices=indices, **processor_kwargs)
            return frames, truncated, rate


_warned_past_the_end = False


def _warn_past_the_end(what: str) -> None:
    global _warned_past_the_end
    if not _warned_past_the_end:
        _warned_past_the_end = True
        logger.warning("%s: it is read from the frames there are (other segments like it are not named)", what)


def sampled_as_a_file(video, processor, processor_kwargs=None) -> dict:
    """The processor options under which a video a data set holds as its frames in memory (a `Sequence(Image())`
    column's list of images, a row's array) is sampled as a file of those frames would be: `num_frames` frames
    `frame_stride` apart (looped where the video is shorter than that, as a file is), where the processor keeps frames
    given in memory as they are. Kept so, every frame of the row was the clip: 8 stored frames reached a model of 4
    (refused in its forward, a traceback after the first batch), rows of different lengths failed to stack, and no
    clip was ever drawn at random in training nor spread over the video in evaluation. {} for a file.

    Such frames carry no frame rate, so a processor sampling by `fps` (`processor_kwargs` included) is refused saying
    what to change: the processor's own refusal advised `video_metadata`, which a data set's rows do not pass."""
    held = isinstance(video, (np.ndarray, torch.Tensor)) or (isinstance(video, (list, tuple)) and len(video) > 0)
    if not held:
        return {}
    options = getattr(processor, "_options", None)
    fps = options(dict(processor_kwargs or {})).get("fps") if callable(options) else None
    if fps is not None:
        raise ValueError(
            f"its video is held as its frames (a `Sequence(Image())` column's images, an array), which carry no frame "
            f"rate, and the video processor samples by fps={fps}: sample by count (`processor.fps = None`, its clips "
            "then of `num_frames` frames; finetune.py does so), or store the videos as files"
        )
    short_video = getattr(processor, "short_video", None)
    if short_video is None and len(video) > 1:  # (one frame: the processor's one-frame refusal, as for a file)
        short_video = "loop"
    return {"do_sample_frames": True, "short_video": short_video}


def frames_of(video):
    """A video stored as its frames (a `Sequence(Image())` column), its frames `{"path", "bytes"}` as the data set
    reads them undecoded (`hub_files.undecoded_videos`, a stream), as `datasets.Image` decodes them, PIL images;
    any other video as it is. Called where the clip is read, so that a frame that does not decode (a missing file,
    broken bytes: an OSError) is that clip's, skipped as a broken file is: decoded with the row, it stopped the
    run with a traceback, whole or streamed. (Undecoded, the processor took them for no video, "has dtype object".)"""
    if not (isinstance(video, list) and any(isinstance(frame, dict) for frame in video)):
        return video
    import datasets

    image = datasets.Image()
    return [image.decode_example(frame) if isinstance(frame, dict) else frame for frame in video]


def share_parent_memory(worker_id: int) -> None:
    """A DataLoader worker's `worker_init_fn`: leave what it inherits from the main process to the garbage collector
    of the main process (`gc.freeze`, as Python's docs advise for a fork without exec). A full collection in the
    worker wrote to every container object it had inherited (the modules, torch's and transformers' objects, the
    index of examples), so each worker copied them page by page: about 105 MiB a worker a few batches in (16 MiB
    where none ran), 8 workers a process, and a streamed run forks its workers anew every epoch."""
    gc.freeze()


# What an example of an index holds (a path, a label id or two, an id, segment times): packed by `PackedExamples`.
# A `Path` and numpy's scalars too (a `Path.glob` listing, labels from `np.unique`): lists of them were left unpacked,
# each worker copying them as before
_PLAIN_VALUES = (str, int, float, bool, type(None), PurePath, np.generic)


def _plain(value) -> bool:
    """Whether `value` is what an index holds: a number, a string, None, or a list / tuple of them (a multi-head
    label). A video given as a list of frames (arrays, PIL images) is not: packing copied every frame, and every read
    copied them again (50 clips of 32 frames 224 x 224: a 230 MiB buffer beside the frames, 4.6 MiB a read)."""
    if isinstance(value, (list, tuple)):
        return all(_plain(item) for item in value)
    return isinstance(value, _PLAIN_VALUES)


class PackedExamples(Sequence):
    """A split's examples as one buffer of their pickles, each example unpickled when read.

    DataLoader workers share the parent's memory copy on write, and reading a Python object writes to it (its
    reference count): a list of 240 000 Kinetics examples was copied page by page into every worker as it read
    them, 45 MiB each (8 workers, 360 MiB a process) for an index that is the same in all of them. Two numpy
    arrays hold no per-example objects to write to (PyTorch issue 13246; detectron2's `DatasetFromList` packs
    its dicts so). A read gives a new dict, the example as given."""

    def __init__(self, examples: Sequence[dict]):
        pickles = [pickle.dumps(example, protocol=pickle.HIGHEST_PROTOCOL) for example in examples]
        self._ends = np.cumsum([len(one) for one in pickles], dtype=np.int64)
        self._bytes = np.frombuffer(b"".join(pickles), dtype=np.uint8)

    @staticmethod
    def of(examples: Sequence[dict]) -> Sequence[dict]:
        """`examples` packed where they are a list of plain examples (paths, labels, ids); others as they are:
        lazy rows (a Hub split, read from its Arrow table), or examples holding frames or bytes in memory, which a
        pickle would copy and every read copy again."""
        plain = isinstance(examples, list) and all(
            type(example) is dict and all(_plain(value) for value in example.values()) for example in examples
        )
        return PackedExamples(examples) if plain and examples else examples

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, index: int | slice) -> dict | list[dict]:
        if isinstance(index, slice):  # a list, as a list's slice is (it was a TypeError comparing the slice)
            return [self[i] for i in range(*index.indices(len(self)))]
        index = operator.index(index)  # (a float is a list's TypeError, not numpy's IndexError)
        if not -len(self) <= index < len(self):
            raise IndexError(f"example {index} of {len(self)}")
        index %= len(self)
        start = int(self._ends[index - 1]) if index else 0
        return pickle.loads(self._bytes[start : int(self._ends[index])])

    def __eq__(self, other) -> bool:
        # `dataset.examples == examples` was False for the very examples given: it was their list before
        if isinstance(other, (list, PackedExamples)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    __hash__ = None  # (as a list's: equal to a list, so not hashable)


class VideoClassificationDataset(Dataset):
    """Examples `{"video", "label"}` turned into `{"pixel_values", "labels", "valid", "truncated"}` by a video
    processor (`truncated`: the example's segment ran past its video's end and was read from the frames there are).

    `pixel_values` is (views, frames, channels, height, width) with `views = num_clips * num_crops`.
    Random training augmentation is seeded from `(seed, epoch, index)`: the same sample in the same epoch
    always gets the same augmentation, whichever worker or process reads it, so a resumed run sees exactly
    the data an uninterrupted one would. A key is an index (the epoch is the last `set_epoch`'s) or an
    `(epoch, index)` pair (`EpochShuffleSampler(with_epoch=True)`): persistent DataLoader workers keep
    their own copy of the data set, which `set_epoch` in the main process does not reach.

    `cache_decoded_videos()` decodes every clip once and keeps the frames in memory
    (`DecodedVideoCache`); the samples stay the same, only cheaper.

    `raw_pixels=True` leaves the rescale and normalisation to the device: `pixel_values` are the clip's pixels on
    0-255, uint8 (a quarter of float32's bytes through DataLoader workers' shared memory, pinned memory and the copy to
    the GPU) or, where a view is not whole numbers (colour jitter without RandAugment, a float video), float32; each
    sample carries its `pixel_affine` (scale and bias per channel, as numbers: the device reads them without a
    sync), and `model_pixel_values(batch)` gives the model the very pixel values the processor would have.
    """

    def __init__(
        self,
        examples: Sequence[dict],
        processor,
        *,
        num_clips: int = 1,
        num_crops: int = 1,
        seed: int | None = None,
        processor_kwargs: dict | None = None,
        raw_pixels: bool = False,
        view_refusal=None,
        multi_label_classes: int | None = None,
    ):
        overridden = sorted(set(processor_kwargs or {}) & set(NORMALIZATION_OPTIONS))
        if raw_pixels and overridden:
            # the affine shipped with each sample is the processor's own: a call's normalisation would not be in it
            raise ValueError(
                f"raw_pixels=True normalises with the processor's own options, but processor_kwargs sets "
                f"{', '.join(overridden)}: set them on the processor instead"
            )
        if raw_pixels and not all(callable(getattr(processor, name, None)) for name in _RAW_VIEWS_METHODS):
            # without them the pixels would come normalised, and the device would normalise them again
            methods = " and ".join(_RAW_VIEWS_METHODS)
            raise TypeError(
                f"raw_pixels=True needs a processor that gives its views before normalising ({methods}, as "
                f"ViViTVideoProcessor does): {type(processor).__name__} has no such methods; use raw_pixels=False"
            )
        self.raw_pixels = raw_pixels
        self.view_refusal = view_refusal  # `views_refused`'s check of each clip's views, or None
        # a multi-label data set's class count: each example's label, its class ids, becomes its multi-hot target
        self.multi_label_classes = multi_label_classes
        self.examples = PackedExamples.of(examples)  # read in every DataLoader worker: no copy of it per worker
        self.processor = processor
        self.num_clips, self.num_crops = num_clips, num_crops
        self.seed = seed
        self.processor_kwargs = dict(processor_kwargs or {})
        self.epoch = 0
        self.cache: DecodedVideoCache | None = None
        self._sample_shape: tuple[int, ...] | None = None

    def __len__(self) -> int:
        return len(self.examples)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def estimate_decoded_bytes(self) -> int | None:
        """Memory `cache_decoded_videos` would take (from a few clips; None if none of them decodes)."""
        return estimate_decoded_bytes(self._videos(), self.processor, **self.processor_kwargs)

    def cache_decoded_videos(self, num_workers: int = 0) -> DecodedVideoCache:
        """Decode every clip once (in `num_workers` processes), as the processor with this data set's options
        would, and read the frames from memory from now on. Build it after the processor's last change.

        A processor sampling by `fps` caches nothing: it samples a file by its frames' times (a variable-frame-rate
        one by time), which frames in memory do not carry (every cached clip would be refused, "has no frame rate")."""
        if self.samples_by_rate():
            logger.info("the processor samples by fps, from each file's frame times: clips are not cached")
            self.cache = DecodedVideoCache(torch.empty(0, dtype=torch.uint8), [None] * len(self.examples))
            return self.cache
        self.cache = DecodedVideoCache.build(
            self._videos(),
            self.processor,
            num_workers=num_workers,
            names=[describe_example(example, index) for index, example in enumerate(self.examples)],
            **self.processor_kwargs,
        )
        return self.cache

    def samples_by_rate(self) -> bool:
        """Whether this data set's calls sample frames by `fps` (the processor's, unless `processor_kwargs` say
        otherwise); a processor without ViViT's option resolution is taken to sample by count."""
        options = getattr(self.processor, "_options", None)
        return callable(options) and options(dict(self.processor_kwargs)).get("fps") is not None

    def _videos(self) -> list:
        return [VideoSegment.of(example) or example["video"] for example in self.examples]

    def _sample_seed(self, epoch: int, index: int) -> int | None:
        if self.seed is None:
            return None
        # Epochs lie max(100_003, clips) apart, so that no clip of one epoch shares a later epoch's clip's
        # crops and flips (Kinetics-400's 240k clips overran 100_003); sets up to 100_003 clips draw as before.
        return (self.seed * 1_000_003 + epoch * max(100_003, len(self.examples)) + index) % (2**31)

    def _process(self, epoch: int, index: int) -> tuple[torch.Tensor, bool]:
        """`(pixel_values, truncated)`: truncated when the example's segment ran past its video's end."""
        example = self.examples[index]
        frames = self.cache[index] if self.cache is not None else None
        truncated = frames is not None and self.cache.truncated[index]
        segment = VideoSegment.of(example) if frames is None else None
        options = dict(num_clips=self.num_clips, num_crops=self.num_crops, seed=self._sample_seed(epoch, index))
        if segment is not None:  # its frames, sampled as the frames of a clip file would be
            frames, truncated, rate = segment.decode_with_rate(self.processor, **self.processor_kwargs)
            if self.samples_by_rate():
                # at its file's rate, as a file is sampled by `fps` (frames in memory have none: every segment
                # would be refused, "has no frame rate")
                options["video_metadata"] = {"fps": rate}
        video = example["video"] if frames is None else frames
        if frames is None:  # a video the data set holds as its frames is sampled as a file of them, as cached ones
            video = frames_of(video)
            options.update(sampled_as_a_file(video, self.processor, self.processor_kwargs))
        if frames is not None:
            # The cached frames are the whole file (a segment's frames the whole segment), not a clip: sample them as
            # the file would be. The processor keeps frames given in memory as they are unless asked, and refuses to
            # loop them unless told; a file loops.
            # A segment of one frame (a narration shorter than a frame of this copy) loops too: its file has
            # frames enough, so the one-frame refusal (a broken file or a still image) is not about it.
            short_video = self.processor.short_video
            part = VideoSegment.of(example) is not None and not example.get("may_be_cut")  # a file may be a still
            if short_video is None and (len(frames) > 1 or part):
                short_video = "loop"
            options.update(input_data_format="channels_last", do_sample_frames=True, short_video=short_video)
        process = self.processor.raw_views if self.raw_pixels else self.processor
        output = process(videos=[video], return_tensors="pt", **{**options, **self.processor_kwargs})
        return output["pixel_values"], truncated

    def sample_shape(self) -> tuple[int, ...]:
        """Shape of one sample's `pixel_values`, from the first clip that decodes. `NoDecodableClipError` when none
        does; an error that is not a broken video's (an option no clip can be processed with) is raised as it is."""
        if self._sample_shape is None:
            errors, first = decode_errors(), None
            for index in range(len(self)):
                try:
                    self._sample_shape = tuple(self._process(self.epoch, index)[0].shape)
                    break
                except errors as error:
                    first = first or (describe_example(self.examples[index], index), error)
                    continue
            else:
                raise NoDecodableClipError(len(self), *(first or ()))
        return self._sample_shape

    def header_refusal(self) -> str | None:
        """The refusal (`views_refused`, by this data set's `view_refusal`: the line its reading would give) of the
        first clip whose views the model cannot take, as far as the clips' containers tell without decoding them
        (`stored_frame_size`, a few milliseconds a file), else None: for views each video's frames decide (a shortest
        edge resized, nothing cropped), an odd-sized clip after the first was found only once evaluation read it,
        after the training before it. A clip whose stored size, resized by the processor's rule, does not fit either
        way round (a display rotation is known only from a decoded frame) is decoded to make sure; a clip whose
        header says nothing (a URL, several video tracks) is checked as it is read, as before."""
        found = self.header_refusal_in(0, 1)
        return found and found[1]

    def header_refusal_in(self, rank: int, world_size: int) -> tuple[int, str] | None:
        """`(index, refusal)` of `header_refusal`'s first clip among process `rank`'s share of `world_size`, else
        None: the clips of every `world_size`-th video from the `rank`-th (by first appearance: a video's segments
        fall to one process, its header read once), so the first of the processes' first refusals is the one a
        single process finds."""
        refusal = self.view_refusal
        resize = getattr(self.processor, "resized_frame_size", None)  # (ViViT's processor: its resize rule)
        if refusal is None or not callable(resize):
            return None
        sizes: dict = {}
        refused: dict = {}  # whether a stored size's views, either way round, do not fit
        videos: dict = {}  # each named video's number, in order of first appearance
        for index, example in enumerate(self.examples):
            segment = VideoSegment.of(example)
            source = segment.video if segment is not None else example.get("video")
            named = isinstance(source, (str, PurePath))
            number = videos.setdefault(source, len(videos)) if named else index
            if number % world_size != rank:
                continue
            stored = sizes[source] if named and source in sizes else stored_frame_size(source)
            if named:  # (the segments of one video: its header read once)
                sizes[source] = stored
            if stored is None:
                continue
            if stored not in refused:  # (asked once a size: the rule costs as much as the header's read)
                try:
                    views = {resize(*size, **self.processor_kwargs) for size in (stored, stored[::-1])}
                except (ValueError, TypeError):  # options no clip can be processed with: said where clips are read
                    return None
                refused[stored] = all(refusal(view) for view in views)
            if not refused[stored]:
                continue
            try:  # its real views: a header's size may not be what the decoder gives
                pixel_values, _ = self._process(self.epoch, index)
            except (*decode_errors(), ValueError, TypeError):  # skipped (or named) where evaluation reads it
                continue
            said = views_refused(refusal, pixel_values, example, index)
            if said:
                return index, said
        return None

    def __getitem__(self, key: int | tuple[int, int]) -> dict:
        epoch, index = key if isinstance(key, tuple) else (self.epoch, key)
        example = self.examples[index]
        if self.multi_label_classes is None:
            labels = torch.as_tensor(example["label"], dtype=torch.long)
        else:
            labels = multi_hot(example["label"], self.multi_label_classes)
        try:
            pixel_values, truncated = self._process(epoch, index)
            refusal = views_refused(self.view_refusal, pixel_values, example, index)
            if refusal:  # (its shape is not kept for a broken clip's zeros)
                return refused_batch(refusal)
            self._sample_shape = tuple(pixel_values.shape)
            valid = True
        except decode_errors() as error:
            logger.warning("skipping broken clip %s: %s", describe_example(example, index), error)
            # (raw: `model_pixel_values` zeroes the clip after normalising, where these zeros would not stay zero)
            pixel_values = torch.zeros(self.sample_shape(), dtype=torch.uint8 if self.raw_pixels else torch.float32)
            valid, truncated = False, False  # counted as broken, not as truncated
        sample = {
            "pixel_values": pixel_values,
            "labels": labels,
            "valid": torch.tensor(valid),
            "truncated": torch.tensor(bool(truncated)),
        }
        if self.raw_pixels:
            sample["pixel_affine"] = pixel_affine(self.processor)
        return sample


def pixel_affine(processor) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """The processor's rescale and normalisation: per channel, the float32 scale and bias that `apply_affine` applies
    (`normalization_affine`, from the processor's own options), as Python numbers."""
    scale, bias = processor.normalization_affine()
    return tuple(scale.flatten().tolist()), tuple(bias.flatten().tolist())


@functools.lru_cache(maxsize=16)
def _device_affine(affine: tuple, device: torch.device) -> tuple[torch.Tensor, torch.Tensor, float]:
    """`apply_affine`'s operands on `device`, made once: it reads its first scale with `float()`, which on a GPU
    tensor would wait for every queued kernel at each batch."""
    scale, bias = (torch.tensor(part, dtype=torch.float32).reshape(3, 1, 1) for part in affine)
    value = float(scale.flatten()[0])
    return (scale / value).to(device), bias.to(device), value


def model_pixel_values(batch: dict) -> torch.Tensor:
    """The `pixel_values` the model takes from a batch: as they are, or (a `raw_pixels` data set's batch, which
    carries `pixel_affine`) rescaled and normalised here, on the batch's device, by the affine the processor applies,
    with a broken clip's views zeroed as the processor-side path zeroes them.

    Run after the copy to the device, so that the copy moves uint8; the clip's values are what the processor gives.
    A `refused_batch` (a clip whose views the model cannot take) is raised here, in the main process, as
    `ProcessorOptionError`: every loop over a map-style loader's batches takes its pixels from here."""
    raise_refused(batch)
    pixels = batch["pixel_values"]
    affine = batch.get("pixel_affine")
    if affine is None:
        return pixels
    # as tuples again: older torch versions' pin-memory thread (and other loaders) hand tuples on as lists
    unit_scale, bias, value = _device_affine(tuple(tuple(part) for part in affine), pixels.device)
    out = torch.addcmul(bias, pixels, unit_scale, value=value)  # `apply_affine`, its first scale known on the host
    valid = batch["valid"].to(pixels.device).bool()
    views = len(pixels) // max(len(valid), 1)
    # a mask, not a test of `valid` (no host sync): each clip's views are adjacent rows
    broken = ~valid.view(-1, 1).expand(-1, views).reshape(-1, 1, 1, 1, 1)
    return out.masked_fill_(broken, 0.0)


def _describe(video) -> str:
    if isinstance(video, dict):
        return str(video.get("path") or f"<{len(video.get('bytes') or b'')} bytes>")
    if isinstance(video, (bytes, bytearray)):
        return f"<{len(video)} bytes>"
    if hasattr(video, "shape"):  # frames in memory: their shape, not every pixel
        return f"<frames {tuple(video.shape)}>"
    if isinstance(video, (list, tuple)):  # a data set's frames (`Sequence(Image())`): how many, not every one
        return f"<{len(video)} frames>"
    if is_torchcodec_decoder(video):  # a decoded datasets.Video value: its file, not the object's repr
        return source_name(video) or describe_source(video)
    return str(video)


def describe_example(example: dict, index: int) -> str:
    """How a warning names an example: its id (the source's id, a path, a Hub row's index) and where its video
    is when that says more (a file, a shard member); a row without a video says so rather than `None`."""
    video = example.get("video")
    where = "no video" if video is None else _describe(video)
    name = example.get("id")
    if name is None or str(name) == "":
        return f"#{index} ({where})" if video is None else where
    return str(name) if where == str(name) else f"{name} ({where})"


def collate_videos(items: list[dict]) -> dict:
    """Stack samples: `pixel_values` (batch * views, frames, C, H, W), `labels` (batch[, heads]), `valid` and
    `truncated` (False for a sample that has none: a streamed clip is never a segment), and the samples'
    `pixel_affine` when they carry it (`raw_pixels`). Raw pixels stay uint8 unless a sample is float32 (colour jitter).

    The four tensors are views of one block of memory, so a DataLoader worker hands the batch over with one
    shared-memory file descriptor instead of four: each costs the training process a socket handshake with
    the worker, a large share of the wait for data when the decoded clips are in memory (`benchmarks/recipe.py`).
    A sample refused (`views_refused`) makes the batch its `refused_batch`: its views would not stack with the others.
    """
    refused = next((item for item in items if "refused" in item), None)
    if refused is not None:
        return refused
    parts = {
        "pixel_values": ([item["pixel_values"] for item in items], torch.cat),
        "labels": ([torch.as_tensor(item["labels"]) for item in items], torch.stack),
        "valid": ([torch.as_tensor(item["valid"]) for item in items], torch.stack),
        "truncated": ([torch.as_tensor(item.get("truncated", False)) for item in items], torch.stack),
    }
    affine = items[0].get("pixel_affine")
    if any(item.get("pixel_affine") != affine for item in items):
        raise ValueError("the samples of one batch were normalised differently (pixel_affine): one data set per batch")
    layout, size = {}, 0
    for name, (tensors, join) in parts.items():
        first = tensors[0]
        shape = (sum(len(t) for t in tensors), *first.shape[1:]) if join is torch.cat else (len(tensors), *first.shape)
        dtype = functools.reduce(torch.promote_types, (t.dtype for t in tensors))  # uint8 and float32 clips: float32
        element = torch.empty(0, dtype=dtype).element_size()
        layout[name] = (size, dtype, element, shape)
        size += -(-math.prod(shape) * element // 64) * 64  # each part 64-byte aligned
    # In a worker, straight into shared memory (as torch's default_collate does): no copy when it is sent.
    in_worker = torch.utils.data.get_worker_info() is not None
    storage = torch.UntypedStorage._new_shared(size) if in_worker else torch.UntypedStorage(size)
    batch = {}
    for name, (offset, dtype, element, shape) in layout.items():
        out = torch.empty(0, dtype=dtype).set_(storage, offset // element, shape)
        tensors, join = parts[name]
        batch[name] = join(tensors, out=out)
    if affine is not None:  # numbers, not a tensor: the device reads them without waiting (`model_pixel_values`)
        batch["pixel_affine"] = affine
    return batch


class EpochShuffleSampler(torch.utils.data.Sampler):
    """A permutation that depends only on `(seed, epoch)`, so resuming mid-epoch replays the same order.

    `with_epoch=True` yields `(epoch, index)` pairs, which carry the epoch to `VideoClassificationDataset`
    in persistent DataLoader workers (`set_epoch` on the data set in the main process does not reach them).
    """

    def __init__(self, num_samples: int, seed: int = 0, shuffle: bool = True, with_epoch: bool = False):
        self.num_samples, self.seed, self.shuffle, self.with_epoch = num_samples, seed, shuffle, with_epoch
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return self.num_samples

    def __iter__(self):
        if not self.shuffle:
            order = list(range(self.num_samples))
        else:
            generator = torch.Generator().manual_seed(self.seed * 7919 + self.epoch)
            order = torch.randperm(self.num_samples, generator=generator).tolist()
        if self.with_epoch:
            return iter([(self.epoch, index) for index in order])
        return iter(order)
