# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Decode every clip of a small data set once, and keep the frames in memory for all the epochs.

Decoding costs far more than what each epoch does with the decoded frames: opening, decoding and converting a
clip takes over ten times as long as sampling, scale jitter, crop and normalisation of its frames
(`benchmarks/recipe.py`). A data set read for tens of epochs that fits in memory is therefore decoded once, before
training, and each epoch only samples and augments. The frames are those the processor itself decodes
(`ViViTVideoProcessor.decode_video_frames`), so every batch is the same with and without the cache.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence

import numpy as np
import torch

logger = logging.getLogger(__name__)

__all__ = ["DecodedVideoCache", "estimate_decoded_bytes"]


class DecodedVideoCache:
    """The decoded frames of a list of videos, `cache[i]` a `(T, H, W, 3)` uint8 view, or None for a video
    that did not decode whole (the data set then reads that one from its source, as without a cache).
    `truncated[i]`: video i is a segment (`VideoSegment`) that ran past its video's end, read from the frames there
    are; the data set hands it on with each sample, since reading from memory no longer finds it out.

    All frames live in one flat uint8 tensor, which DataLoader workers share instead of copying: forked ones
    inherit its pages, which nothing writes; under `spawn` torch moves it to shared memory once.
    """

    def __init__(
        self,
        frames: torch.Tensor,
        spans: Sequence[tuple[int, tuple[int, ...]] | None],
        truncated: Sequence[bool] | None = None,
    ):
        self.frames = frames
        self.spans = list(spans)
        self.truncated = list(truncated) if truncated is not None else [False] * len(self.spans)

    def __len__(self) -> int:
        return len(self.spans)

    def __getitem__(self, index: int) -> torch.Tensor | None:
        span = self.spans[index]
        if span is None:
            return None
        offset, shape = span
        return self.frames[offset : offset + math.prod(shape)].view(shape)

    @property
    def nbytes(self) -> int:
        return self.frames.numel()

    @property
    def num_cached(self) -> int:
        return sum(span is not None for span in self.spans)

    @classmethod
    def build(
        cls,
        videos: Sequence,
        processor,
        *,
        num_workers: int = 0,
        names: Sequence[str] | None = None,
        **processor_kwargs,
    ) -> DecodedVideoCache:
        """Decode every video with `processor.decode_video_frames(video, **processor_kwargs)`, in
        `num_workers` processes. Peak memory is about twice the cache's size while the frames are gathered.
        Each video that does not decode is named once (`names[i]`, else its position), with the reason: reading it
        from its source later may fail as well, or succeed where it needs fewer frames than the whole file."""
        start = time.perf_counter()
        decoder = _DecodeAll(videos, processor, processor_kwargs)
        loader = torch.utils.data.DataLoader(decoder, batch_size=None, num_workers=num_workers, collate_fn=_unchanged)
        decoded, truncated = (list(column) for column in zip(*loader)) if len(decoder) else ([], [])
        total = sum(a.size for a in decoded if isinstance(a, np.ndarray))
        frames = torch.empty(total, dtype=torch.uint8)
        spans, offset = [], 0
        for position, array in enumerate(decoded):
            if not isinstance(array, np.ndarray):
                if array is not None:  # the reason it did not decode; None: an in-memory video, nothing to cache
                    name = names[position] if names is not None else f"#{position}"
                    logger.warning("clip %s did not decode whole, read from its source each time: %s", name, array)
                spans.append(None)
                continue
            frames[offset : offset + array.size] = torch.from_numpy(array.reshape(-1))
            spans.append((offset, tuple(array.shape)))
            offset += array.size
            decoded[position] = None  # free as we go
        cache = cls(frames, spans, truncated)
        failed = len(cache) - cache.num_cached
        logger.info(
            "decoded %d clips into memory (%.1f MiB) in %.1f s%s",
            cache.num_cached,
            total / 2**20,
            time.perf_counter() - start,
            f"; {failed} did not decode whole and are read from their source each time" if failed else "",
        )
        return cache


class _DecodeAll(torch.utils.data.Dataset):
    def __init__(self, videos: Sequence, processor, processor_kwargs: dict):
        self.videos, self.processor, self.processor_kwargs = videos, processor, processor_kwargs

    def __len__(self) -> int:
        return len(self.videos)

    def __getitem__(self, index: int) -> tuple[np.ndarray | str | None, bool]:
        """`(frames, truncated)`: the frames, else why they did not decode (a string: picklable from a worker process
        whatever the error), else None for a video held in memory as floats (nothing to gain from a copy); and
        whether the video is a segment that ran past its video's end."""
        truncated = False
        try:
            video = self.videos[index]
            if _segment(video) is not None:  # a part of a longer video: its frames only
                frames, truncated = video.decode(self.processor, **self.processor_kwargs)
            else:
                frames = self.processor.decode_video_frames(_frames_of(video), **self.processor_kwargs)
        except Exception as error:  # noqa: BLE001 - left uncached: read from its source each time, as without a cache
            return f"{type(error).__name__}: {error}", False
        # Only what decoding produces; in-memory float videos gain nothing from a copy.
        return (frames.contiguous().numpy() if frames.dtype == torch.uint8 else None), truncated


def _segment(video):
    """`video` where it is a `VideoSegment` (the part of a longer video an example names), else None. Asked by type:
    a duck-typed `decode` would take in `bytes` (a clip held in memory), which have one too."""
    from .dataset import VideoSegment  # here, not at the top: dataset.py imports this module

    return video if isinstance(video, VideoSegment) else None


def _frames_of(video):
    from .dataset import frames_of  # here, not at the top: dataset.py imports this module

    return frames_of(video)


def _unchanged(item):
    return item


def estimate_decoded_bytes(videos: Sequence, processor, *, probes: int = 4, **processor_kwargs) -> int | None:
    """What `DecodedVideoCache.build` would hold, from the frame count and decoded frame size of `probes`
    videos spread over the list (opening a file and decoding its first frame, not the whole clip); None when
    none of them decodes."""
    from ...processing.video_io import open_video

    if not len(videos):
        return 0
    backend = processor_kwargs.get("decode_backend") or processor.decode_backend
    picks = sorted({int(i) for i in np.linspace(0, len(videos) - 1, min(probes, len(videos))).round()})
    sizes = []
    for index in picks:
        video = videos[index]
        segment = _segment(video)  # its frames, not the file's
        try:
            if isinstance(video, list):
                # A video stored as its frames (`Sequence(Image())`: no file to open), decoded and cached as the build
                # decodes it: none was estimated, so `--cache_decoded_videos auto` said "no clip tried decoded"
                # and decoded every frame of every row at every epoch
                frames = _frames_of(video)
                num_frames, first = len(frames), processor.decode_video_frames(frames, indices=[0], **processor_kwargs)
                sizes.append(num_frames * first.numel())
                continue
            with open_video(video if segment is None else segment.video, backend=backend) as reader:
                # one open for the count and the frame
                num_frames = reader.num_frames
                if segment is not None:
                    times, shown = reader.frame_times(), reader.first_frame_seconds()
                    num_frames = len(segment.frame_indices(num_frames, reader.fps, times, None, shown))
                first = processor.decode_video_frames(reader, indices=[0], **processor_kwargs)
        except Exception:  # noqa: BLE001 - a broken clip or an in-memory video: no estimate from this one
            continue
        sizes.append(num_frames * first.numel())
    if not sizes:
        return None
    return round(sum(sizes) / len(sizes) * len(videos))
