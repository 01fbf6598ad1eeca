"""Adapters from a data set's files and annotations to examples, one per ``--dataset_format``.

An example is a plain dict ``{"video": <path, or {"path", "bytes"}>, "label": <int, or list of ints in
label-space order>}``; that is what the video processor reads. The big video data sets ship as raw clips plus
annotation files in their own layouts, not as something ``datasets.load_dataset`` reads, so each gets a small
adapter here. Clips named by an annotation but absent from disk (Kinetics loses YouTube videos every year) are
left out and counted in ``VideoClassificationData.missing``.
"""

from __future__ import annotations

import csv
import json
import os
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

VIDEO_EXTENSIONS = (".mp4", ".webm", ".avi", ".mkv", ".mov", ".m4v", ".mpg", ".mpeg", ".gif")

# Split names as written by the data sets, mapped to the two names the recipes use.
_SPLIT_ALIASES = {"train": "train", "training": "train", "val": "validation", "valid": "validation",
                  "validation": "validation", "test": "test"}


class DatasetFormatError(ValueError):
    """The files do not match the layout the chosen ``--dataset_format`` expects."""


@dataclass
class VideoClassificationData:
    """Examples per split plus the label vocabulary.

    ``label_spaces`` maps each head to its class names, in head order (``{"label": [...]}`` for the usual single
    head; ``{"noun": [...], "verb": [...]}`` for Epic Kitchens).
    """

    splits: dict[str, Sequence[dict]]
    label_spaces: dict[str, list[str]]
    missing: dict[str, int] = field(default_factory=dict)

    @property
    def is_multi_head(self) -> bool:
        return len(self.label_spaces) > 1

    @property
    def label_names(self) -> list[str]:
        """Class names of the single head (for several heads: each head's names prefixed ``head:``)."""
        if not self.is_multi_head:
            return list(next(iter(self.label_spaces.values())))
        return [f"{head}:{name}" for head, names in self.label_spaces.items() for name in names]

    @property
    def id2label(self) -> dict[int, str]:
        return dict(enumerate(self.label_names))

    @property
    def label2id(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.label_names)}

    @property
    def head_sizes(self) -> dict[str, int]:
        return {head: len(names) for head, names in self.label_spaces.items()}

    def split(self, name: str) -> Sequence[dict]:
        if name not in self.splits:
            raise KeyError(f"no split {name!r}; this data set has {sorted(self.splits)}")
        return self.splits[name]


def _find_file(roots: Sequence[Path], name: str) -> Path | None:
    """First file called ``name`` at the top of a root, else anywhere below one."""
    for root in roots:
        if (root / name).is_file():
            return root / name
    for root in roots:
        for dirpath, _, filenames in os.walk(root, followlinks=True):
            if name in filenames:
                return Path(dirpath) / name
    return None


def _require_file(roots: Sequence[Path], name: str, fmt: str) -> Path:
    path = _find_file(roots, name)
    if path is None:
        raise DatasetFormatError(f"--dataset_format {fmt}: no {name} under {', '.join(map(str, roots))}")
    return path


def _index_videos(roots: Sequence[Path]) -> dict[str, Path]:
    """Every video file below the roots, by file name and by stem (first one wins)."""
    index: dict[str, Path] = {}
    for root in roots:
        for dirpath, _, filenames in os.walk(root, followlinks=True):
            for filename in filenames:
                if filename.lower().endswith(VIDEO_EXTENSIONS):
                    path = Path(dirpath) / filename
                    index.setdefault(filename, path)
                    index.setdefault(Path(filename).stem, path)
    return index


def _resolve(examples, index, missing, split):
    """Keep examples whose clip exists, turning the clip key into its path."""
    kept = []
    for key, label in examples:
        path = index.get(key)
        if path is None:
            missing[split] = missing.get(split, 0) + 1
        else:
            kept.append({"video": str(path), "label": label})
    return kept


def _read_csv(path: Path, header: bool = True) -> list:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f)) if header else [row for row in csv.reader(f) if row]


def load_videofolder(roots: Sequence[Path]) -> VideoClassificationData:
    """``<root>/[<split>/]<class>/<clip>``; ``.webm`` included (``datasets``' videofolder skips it)."""
    per_split: dict[str, list] = {}
    for root in roots:
        split_dirs = {_SPLIT_ALIASES[p.name]: p for p in sorted(root.iterdir())
                      if p.is_dir() and p.name in _SPLIT_ALIASES}
        for split, folder in (split_dirs or {"train": root}).items():
            per_split.setdefault(split, []).extend(
                (class_dir.name, str(clip))
                for class_dir in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
                for clip in sorted(class_dir.rglob("*"))
                if clip.suffix.lower() in VIDEO_EXTENSIONS
            )
    per_split = {split: items for split, items in per_split.items() if items}
    names = sorted({name for items in per_split.values() for name, _ in items})
    if not names:
        raise DatasetFormatError(f"--dataset_format videofolder: no <class>/<video> files under {roots[0]}")
    label2id = {name: i for i, name in enumerate(names)}
    splits = {s: [{"video": clip, "label": label2id[name]} for name, clip in items] for s, items in per_split.items()}
    return VideoClassificationData(splits=splits, label_spaces={"label": names})


def load_kinetics(roots: Sequence[Path]) -> VideoClassificationData:
    """CVDF layout: ``annotations/{train,val,test}.csv`` (``label,youtube_id,time_start,time_end,...``) and
    clips named ``{youtube_id}_{time_start:06d}_{time_end:06d}.mp4`` anywhere below the root."""
    annotations = {}
    for split_file in ("train.csv", "val.csv", "validate.csv", "validation.csv", "test.csv"):
        path = _find_file([r / "annotations" for r in roots if (r / "annotations").is_dir()] or roots, split_file)
        if path is not None:
            rows = _read_csv(path)
            if rows and "label" in rows[0]:
                annotations[_SPLIT_ALIASES.get(Path(split_file).stem, "validation")] = rows
    if "train" not in annotations and "validation" not in annotations:
        raise DatasetFormatError(f"--dataset_format kinetics: no annotations/train.csv or val.csv under {roots[0]}")
    names = sorted({row["label"] for rows in annotations.values() for row in rows})
    label2id = {name: i for i, name in enumerate(names)}
    index = _index_videos(roots)
    missing: dict[str, int] = {}
    splits = {}
    for split, rows in annotations.items():
        keys = [
            (f"{row['youtube_id']}_{int(float(row['time_start'])):06d}_{int(float(row['time_end'])):06d}",
             label2id[row["label"]])
            for row in rows
        ]
        splits[split] = _resolve(keys, index, missing, split)
    return VideoClassificationData(splits=splits, label_spaces={"label": names}, missing=missing)


def load_ssv2(roots: Sequence[Path]) -> VideoClassificationData:
    """Something-Something v2: ``{id}.webm`` clips, ``labels.json`` (template -> index) and
    ``train.json`` / ``validation.json`` (lists of ``{"id", "template", ...}``)."""
    labels = json.loads(_require_file(roots, "labels.json", "ssv2").read_text())
    names = [name for name, _ in sorted(labels.items(), key=lambda item: int(item[1]))]
    index = _index_videos(roots)
    missing: dict[str, int] = {}
    splits = {}
    for split, filename in (("train", "train.json"), ("validation", "validation.json")):
        path = _find_file(roots, filename)
        if path is None:
            continue
        # The annotation templates write placeholders as "[something]"; labels.json drops the brackets.
        keys = [(str(item["id"]), int(labels[item["template"].replace("[", "").replace("]", "")]))
                for item in json.loads(path.read_text())]
        splits[split] = _resolve(keys, index, missing, split)
    if not splits:
        raise DatasetFormatError(f"--dataset_format ssv2: no train.json or validation.json under {roots[0]}")
    return VideoClassificationData(splits=splits, label_spaces={"label": names}, missing=missing)


EPIC_KITCHENS_HEADS = {"noun": 300, "verb": 97}


def load_epic_kitchens(roots: Sequence[Path]) -> VideoClassificationData:
    """Epic Kitchens-100 trimmed clips ``{narration_id}.<ext>`` with ``EPIC_100_{train,validation}.csv``.

    Two heads in the paper's order, noun (300) then verb (97); an example's label is ``[noun_class,
    verb_class]``. Class names come from ``EPIC_100_{noun,verb}_classes.csv`` when present.
    """
    label_spaces = {}
    for head, size in EPIC_KITCHENS_HEADS.items():
        path = _find_file(roots, f"EPIC_100_{head}_classes.csv")
        if path is not None:
            rows = sorted(_read_csv(path), key=lambda row: int(row["id"]))
            label_spaces[head] = [row["key"] for row in rows]
        else:
            label_spaces[head] = [str(i) for i in range(size)]
    index = _index_videos(roots)
    missing: dict[str, int] = {}
    splits = {}
    for split in ("train", "validation"):
        path = _find_file(roots, f"EPIC_100_{split}.csv")
        if path is None:
            continue
        keys = [(row["narration_id"], [int(row["noun_class"]), int(row["verb_class"])]) for row in _read_csv(path)]
        splits[split] = _resolve(keys, index, missing, split)
    if not splits:
        raise DatasetFormatError(f"--dataset_format epic_kitchens: no EPIC_100_train.csv or "
                                 f"EPIC_100_validation.csv under {roots[0]}")
    return VideoClassificationData(splits=splits, label_spaces=label_spaces, missing=missing)


def load_moments(roots: Sequence[Path]) -> VideoClassificationData:
    """Moments in Time: ``trainingSet.csv`` / ``validationSet.csv`` (no header: ``path,label,...``), clips under
    ``training/`` and ``validation/``, class indices from ``moments_categories.txt`` (``name,index``) if any."""
    categories = _find_file(roots, "moments_categories.txt")
    annotations = {}
    for split, filename, folder in (("train", "trainingSet.csv", "training"),
                                    ("validation", "validationSet.csv", "validation")):
        path = _find_file(roots, filename)
        if path is not None:
            annotations[split] = (_read_csv(path, header=False), folder)
    if not annotations:
        raise DatasetFormatError(f"--dataset_format moments: no trainingSet.csv or validationSet.csv under {roots[0]}")
    if categories is not None:
        pairs = [line.rsplit(",", 1) for line in categories.read_text().splitlines() if line.strip()]
        names = [name for name, _ in sorted(pairs, key=lambda pair: int(pair[1]))]
    else:
        names = sorted({row[1] for rows, _ in annotations.values() for row in rows})
    label2id = {name: i for i, name in enumerate(names)}
    missing: dict[str, int] = {}
    splits = {}
    for split, (rows, folder) in annotations.items():
        kept = []
        for row in rows:
            path = next((r / folder / row[0] for r in roots if (r / folder / row[0]).is_file()), None)
            if path is None:
                missing[split] = missing.get(split, 0) + 1
            else:
                kept.append({"video": str(path), "label": label2id[row[1]]})
        splits[split] = kept
    return VideoClassificationData(splits=splits, label_spaces={"label": names}, missing=missing)


class _HubSplit(Sequence):
    """A ``datasets.Dataset`` seen as examples, read lazily (clip bytes stay in the Arrow file)."""

    def __init__(self, dataset, video_column: str, label_column: str, label_map: dict | None):
        self.dataset, self.video_column, self.label_column, self.label_map = dataset, video_column, label_column, label_map

    def __len__(self):
        return len(self.dataset)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        row = self.dataset[int(i)]
        video = row[self.video_column]
        if isinstance(video, dict):
            video = {k: v for k, v in video.items() if v is not None}
        label = row[self.label_column]
        return {"video": video, "label": self.label_map[label] if self.label_map is not None else int(label)}


def load_hub(source: str, *, revision: str | None = None, cache_dir: str | None = None,
             video_column: str | None = None, label_column: str | None = None) -> VideoClassificationData:
    """Any ``datasets`` repo (Hub id or local folder) with a video column and a label column.

    The video column is cast to ``datasets.Video(decode=False)``: rows give the clip's path or bytes and the
    video processor decodes it, so nothing needs a system FFmpeg or torchcodec.
    """
    import datasets

    loaded = datasets.load_dataset(source, revision=revision, cache_dir=cache_dir)
    first = next(iter(loaded.values()))
    features = first.features
    if video_column is None:
        video_column = next((c for c, f in features.items() if isinstance(f, datasets.Video)), None)
        video_column = video_column or next((c for c in ("video", "video_path", "path", "file") if c in features), None)
    if label_column is None:
        label_column = next((c for c, f in features.items() if isinstance(f, datasets.ClassLabel)), None)
        label_column = label_column or next((c for c in ("label", "labels") if c in features), None)
    if video_column not in features or label_column not in features:
        raise DatasetFormatError(
            f"--dataset_format hub: need a video column and a label column in {source}; found columns "
            f"{list(features)} (video={video_column!r}, label={label_column!r}); name them with "
            "--video_column / --label_column")
    label_feature = features[label_column]
    if isinstance(label_feature, datasets.ClassLabel):
        names, label_map = list(label_feature.names), None
    else:
        names = sorted({str(v) for split in loaded.values() for v in split[label_column]})
        label_map = {v: names.index(str(v)) for split in loaded.values() for v in set(split[label_column])}
    splits = {}
    for split, dataset in loaded.items():
        if isinstance(dataset.features[video_column], datasets.Video):
            dataset = dataset.cast_column(video_column, datasets.Video(decode=False))
        splits[_SPLIT_ALIASES.get(split, split)] = _HubSplit(dataset, video_column, label_column, label_map)
    return VideoClassificationData(splits=splits, label_spaces={"label": names})


FORMATS: dict[str, Callable[[Sequence[Path]], VideoClassificationData]] = {
    "videofolder": load_videofolder,
    "kinetics": load_kinetics,
    "ssv2": load_ssv2,
    "epic_kitchens": load_epic_kitchens,
    "moments": load_moments,
}
DATASET_FORMATS = (*FORMATS, "hub")


def load_video_dataset(source: str | os.PathLike, dataset_format: str = "videofolder", *,
                       revision: str | None = None, cache_dir: str | None = None,
                       video_column: str | None = None, label_column: str | None = None) -> VideoClassificationData:
    """Examples and label names of a local folder or Hub data set repo, read with ``dataset_format``.

    A Hub id (``owner/name`` that is not a local folder) is downloaded once and its archives extracted once
    into the cache (see :func:`vivit_hf.data.hub.fetch_dataset_repo`); ``hub`` hands the id to ``datasets``.
    """
    if dataset_format not in DATASET_FORMATS:
        raise ValueError(f"unknown --dataset_format {dataset_format!r}; choose from {', '.join(DATASET_FORMATS)}")
    if dataset_format == "hub":
        return load_hub(str(source), revision=revision, cache_dir=cache_dir,
                        video_column=video_column, label_column=label_column)
    if Path(source).is_dir():
        roots = [Path(source)]
    else:
        from .hub import fetch_dataset_repo, looks_like_repo_id

        if not looks_like_repo_id(str(source)):
            raise FileNotFoundError(f"--dataset {source!r} is neither a local folder nor a Hub id (owner/name)")
        roots = fetch_dataset_repo(str(source), revision=revision, cache_dir=cache_dir)
    return FORMATS[dataset_format](roots)


def hold_out(examples: Sequence[dict], fraction: float, seed: int = 0) -> tuple[list[dict], list[dict]]:
    """Split ``examples`` into (rest, held-out ``fraction``), the same way every time for a seed."""
    if not 0 < fraction < 1:
        raise ValueError(f"the held-out fraction must lie in (0, 1), got {fraction}")
    order = list(range(len(examples)))
    random.Random(seed).shuffle(order)
    cut = max(1, round(len(order) * fraction))
    return [examples[i] for i in sorted(order[cut:])], [examples[i] for i in sorted(order[:cut])]
