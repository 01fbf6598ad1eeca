"""A torch Dataset from examples to processor outputs, that survives broken clips.

Large video sets always hold a few clips that will not decode. Such a clip is not dropped from the batch
(that would change batch sizes between processes and let ``gather_for_metrics`` trim the wrong samples); it
is replaced by zeros and marked ``valid=False``, so training leaves it out of the loss, evaluation leaves it
out of the metrics, and both count it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import torch
from torch.utils.data import Dataset

logger = logging.getLogger(__name__)


def _decode_errors() -> tuple[type[BaseException], ...]:
    from ..video_io import VideoDecodeError

    # A clip listed in the annotations but unreadable on disk counts as broken too.
    return (VideoDecodeError, OSError)


class VideoClassificationDataset(Dataset):
    """Examples ``{"video", "label"}`` turned into ``{"pixel_values", "labels", "valid"}`` by a video processor.

    ``pixel_values`` is (views, frames, channels, height, width) with ``views = num_clips * num_crops``.
    Random training augmentation is seeded from ``(seed, epoch, index)``: the same sample in the same epoch
    always gets the same augmentation, whichever worker or process reads it, so a resumed run sees exactly
    the data an uninterrupted one would.
    """

    def __init__(self, examples: Sequence[dict], processor, *, num_clips: int = 1, num_crops: int = 1,
                 seed: int | None = None, processor_kwargs: dict | None = None):
        self.examples = examples
        self.processor = processor
        self.num_clips, self.num_crops = num_clips, num_crops
        self.seed = seed
        self.processor_kwargs = dict(processor_kwargs or {})
        self.epoch = 0
        self._sample_shape: tuple[int, ...] | None = None

    def __len__(self) -> int:
        return len(self.examples)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def _sample_seed(self, index: int) -> int | None:
        if self.seed is None:
            return None
        return (self.seed * 1_000_003 + self.epoch * 100_003 + index) % (2**31)

    def _process(self, index: int) -> torch.Tensor:
        output = self.processor(
            videos=[self.examples[index]["video"]], return_tensors="pt", num_clips=self.num_clips,
            num_crops=self.num_crops, seed=self._sample_seed(index), **self.processor_kwargs,
        )
        return output["pixel_values"]

    def sample_shape(self) -> tuple[int, ...]:
        """Shape of one sample's ``pixel_values``, from the first clip that decodes."""
        if self._sample_shape is None:
            errors = _decode_errors()
            for index in range(len(self)):
                try:
                    self._sample_shape = tuple(self._process(index).shape)
                    break
                except errors:
                    continue
            else:
                raise ValueError(f"none of the {len(self)} clips of this data set could be decoded")
        return self._sample_shape

    def __getitem__(self, index: int) -> dict:
        example = self.examples[index]
        labels = torch.as_tensor(example["label"], dtype=torch.long)
        try:
            pixel_values = self._process(index)
            self._sample_shape = tuple(pixel_values.shape)
            valid = True
        except _decode_errors() as error:
            logger.warning("skipping broken clip %s: %s", _describe(example["video"]), error)
            pixel_values = torch.zeros(self.sample_shape())
            valid = False
        return {"pixel_values": pixel_values, "labels": labels, "valid": torch.tensor(valid)}


def _describe(video) -> str:
    if isinstance(video, dict):
        return str(video.get("path") or f"<{len(video.get('bytes') or b'')} bytes>")
    if isinstance(video, (bytes, bytearray)):
        return f"<{len(video)} bytes>"
    return str(video)


def collate_videos(items: list[dict]) -> dict:
    """Stack samples: ``pixel_values`` (batch * views, frames, C, H, W), ``labels`` (batch[, heads]), ``valid``."""
    return {
        "pixel_values": torch.cat([item["pixel_values"] for item in items]),
        "labels": torch.stack([item["labels"] for item in items]),
        "valid": torch.stack([item["valid"] for item in items]),
    }


class EpochShuffleSampler(torch.utils.data.Sampler):
    """A permutation that depends only on ``(seed, epoch)``, so resuming mid-epoch replays the same order."""

    def __init__(self, num_samples: int, seed: int = 0, shuffle: bool = True):
        self.num_samples, self.seed, self.shuffle = num_samples, seed, shuffle
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return self.num_samples

    def __iter__(self):
        if not self.shuffle:
            return iter(range(self.num_samples))
        generator = torch.Generator().manual_seed(self.seed * 7919 + self.epoch)
        return iter(torch.randperm(self.num_samples, generator=generator).tolist())
