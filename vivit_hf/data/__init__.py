"""Video classification data: the bundled synthetic motion set, ``--dataset_format`` adapters, Hub fetching,
a torch Dataset that skips and counts broken clips, and locally computed metrics."""

from .dataset import EpochShuffleSampler, VideoClassificationDataset, collate_videos
from .formats import DATASET_FORMATS, DatasetFormatError, VideoClassificationData, hold_out, load_video_dataset
from .hub import extract_archives, fetch_dataset_repo
from .metrics import evaluation_metrics, predict
from .synthetic import DEFAULT_CLASSES, MOTION_CLASSES, SyntheticMotionConfig, synthetic_motion_dataset

__all__ = [
    "DATASET_FORMATS", "DEFAULT_CLASSES", "MOTION_CLASSES", "DatasetFormatError", "EpochShuffleSampler",
    "SyntheticMotionConfig", "VideoClassificationData", "VideoClassificationDataset", "collate_videos",
    "evaluation_metrics", "extract_archives", "fetch_dataset_repo", "hold_out", "load_video_dataset", "predict",
    "synthetic_motion_dataset",
]
