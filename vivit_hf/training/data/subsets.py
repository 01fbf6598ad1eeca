# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Subsets of a split's examples: `hold_out` (a seeded held-out fraction, the evaluation split of a data set that has
none) and `sample_subset` (`--max_train_samples` / `--max_eval_samples`, drawn across the classes), lazy over Hub
rows (`ExampleSubset`).
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import PurePosixPath

import numpy as np

from .examples import DatasetFormatError, example_ids, example_labels, examples_digest


def hold_out(
    examples: Sequence[dict], fraction: float, seed: int = 0, named_groups: bool = True
) -> tuple[Sequence[dict], Sequence[dict]]:
    """Split `examples` into (rest, held-out `fraction`), the same way every time for a seed.

    Drawn across the classes, each in proportion (as `sample_subset` draws), and never a class's last clip: a plain
    random draw held out the only clip of a rare class, a class the model would then never see, scored wrong on
    every clip of it. A split of one clip per class has nothing to hold out: refused, naming what to give.
    Segments of one untrimmed video (`source_video`) and clips of one group their file names give (`clip_group`:
    UCF101's, HMDB51's) are held out together; `named_groups=False`: the latter clip by clip, as versions before
    drew them (`drawn_otherwise_before`). Multi-label rows (a `HubSplit`'s `multi_label`: each label a clip's classes)
    are held out clip by clip, each unless it holds one of its classes' last clips: their lists are mostly unique
    (Charades'), so a draw across the classes' first picks held 1 of the 60 clips asked of 300.
    """
    if not 0 < fraction < 1:
        raise ValueError(f"the held-out fraction must lie in (0, 1), got {fraction}")
    cut = max(1, round(len(examples) * fraction))
    videos = _source_videos(examples, named_groups)
    if videos is None and _multi_label(examples):  # each clip a group of its own (with its copies)
        videos = [None] * len(examples)
    if videos is not None:  # segments of untrimmed videos (EPIC-Kitchens-55's): each video wholly on one side
        return _split(examples, _hold_out_videos(examples, videos, cut, fraction, seed))
    # each class's first pick (priority 0) stays for training; the others are held out in order of priority
    ranked = _stratified_priorities(examples, seed)
    priorities = [entry for entry in ranked if entry[0] > 0]
    if not priorities:
        raise DatasetFormatError(
            f"cannot hold out {fraction:.0%} of {len(examples)} clips for evaluation: every class has one clip, which "
            "training needs; give an evaluation split (a val/ folder, --eval_split)"
        )
    # A clip the split lists twice (one id: named by `warn_repeated_clips`) is held out with all its copies or not
    # at all: one copy held out and one trained on would score the model on a training clip.
    keys = _clip_keys(examples)
    copies: dict[str, list[int]] = {}
    for index, key in enumerate(keys):
        if key is not None:
            copies.setdefault(key, []).append(index)
    first_picks = {index for priority, _, index in ranked if priority == 0}
    held: set[int] = set()
    for _, _, index in priorities:
        if len(held) >= cut:
            break
        members = copies[keys[index]] if keys[index] is not None else [index]
        if index not in held and not first_picks.intersection(members):
            held.update(members)
    if not held:
        raise DatasetFormatError(
            f"cannot hold out {fraction:.0%} of {len(examples)} clips for evaluation: every class's other clips are "
            "copies of the one training needs (the split lists them more than once); give an evaluation split (a val/ "
            "folder, --eval_split)"
        )
    return _split(examples, held)


def _split(examples: Sequence[dict], held: set[int]) -> tuple[Sequence[dict], Sequence[dict]]:
    """(the examples not in `held`, those in it), each in the examples' order."""
    rest = [i for i in range(len(examples)) if i not in held]
    if isinstance(examples, list):
        return [examples[i] for i in rest], [examples[i] for i in sorted(held)]
    # Lazy rows (a Hub split) stay lazy, and keep the ids `examples_digest` hashes (`digest_ids`): read into plain
    # examples, the held-out share of a WebDataset or segment table would be digested by its new ids, and the
    # evaluation of a model an earlier version fine-tuned on it refused as "the split has changed".
    return ExampleSubset(examples, rest), ExampleSubset(examples, sorted(held))


def _source_videos(examples: Sequence[dict], named_groups: bool = True) -> list[str | None] | None:
    """Each example's untrimmed video where a loader names it (`"source_video"`: EPIC-Kitchens-55's segments), or
    its group of clips (`_clip_groups`, `named_groups`: UCF101's and HMDB51's by their file names), None for an
    example it does not; None where no example is named (every other data set, held out as before)."""
    videos = None
    if isinstance(examples, list) and any("source_video" in example for example in examples):
        videos = [example.get("source_video") for example in examples]
    groups = _clip_groups(examples) if named_groups else None
    if groups is None:
        return videos
    return groups if videos is None else [video or group for video, group in zip(videos, groups)]


def _clip_groups(examples: Sequence[dict]) -> list[str | None] | None:
    """Each example's group of clips: the `clip_group` its loader gave (`ucf101`, `hmdb51`, `videofolder`), or for Hub
    rows the one their file names give (`clip_group_by_name`, by their ids, else by the clip's path as the table
    writes it: a table's `id` column of other names); None where no example has one."""
    if isinstance(examples, list):
        groups = [example.get("clip_group") for example in examples]
    else:  # (read by id alone: no row is decoded)
        groups = [_group_of_path(key) for key in example_ids(examples)]
        if not all(groups) and hasattr(examples, "clip_paths"):
            groups = [group or _group_of_path(path) for group, path in zip(groups, examples.clip_paths())]
    return groups if any(group is not None for group in groups) else None


def _group_of_path(key: str | None) -> str | None:
    """`clip_group_by_name` of a clip's id or path, its folder taken as its class (as in class folders); a table's
    flat `clips/<name>` is named by its file name alone (HMDB51's by its official classes)."""
    if not key:
        return None
    path = PurePosixPath(key.replace("\\", "/"))
    return clip_group_by_name(path.name, path.parent.name)


def drawn_otherwise_before(examples: Sequence[dict]) -> bool:
    """Whether versions before held a share of `examples` out otherwise: clip by clip, where their file names give
    groups (`_clip_groups`), which this one holds out whole."""
    return _clip_groups(examples) is not None


def drawn_clip_by_clip(examples: Sequence[dict], fraction: float, seed: int, recorded: str | None) -> bool:
    """Whether the share of `examples` a fine-tuning run held out, `recorded` (its `examples_digest`, the run's
    `held_out_digest`; None: a version before digests were recorded), was an earlier version's draw clip by clip
    (`drawn_otherwise_before`), not this one's by group: the share its model never trained on is that draw's."""
    if not drawn_otherwise_before(examples):
        return False
    earlier = hold_out(examples, fraction, seed=seed, named_groups=False)[1]
    return recorded is None or recorded == examples_digest(earlier)


# The groups these data sets' own file names give, whose clips a held-out share keeps together (`hold_out`, by
# `clip_group`): UCF101's `v_<Class>_gXX_cYY` clips of one group `gXX` share their actor and background, HMDB51's
# `<source video>_<class>_<tags>_<n>` are cut from the video it names. Drawn clip by clip, the share of a UCF101
# train list held every clip beside others of its group (97 of 97 on a 968-clip layout), scored as held out; the
# official splits keep groups and source videos apart. A name not spelt so gets no group.
_UCF101_CLIP = re.compile(r"v_(?P<group>[A-Za-z0-9]+_g[0-9]+)_c[0-9]+")
_HMDB51_CLIP = re.compile(r"(?P<head>.+)_[fhul]_(?:cm|nm)_np[0-9]+_(?:fr|ba|le|ri)_(?:bad|med|goo)_[0-9]+")
# HMDB51's 51 classes, as its file names spell them after the source video (`<video>_<class>_<tags>`): a clip listed
# by a table (`clips/<name>`, a Hub row), in no folder named by its class, is split by these; longest first, so
# `..._kick_ball_...` is `kick_ball`'s, not `kick`'s
HMDB51_CLASSES = sorted(
    (
        "brush_hair cartwheel catch chew clap climb climb_stairs dive draw_sword dribble drink eat fall_floor fencing "
        "flic_flac golf handstand hit hug jump kick kick_ball kiss laugh pick pour pullup punch push pushup ride_bike "
        "ride_horse run shake_hands shoot_ball shoot_bow shoot_gun sit situp smile smoke somersault stand "
        "swing_baseball sword sword_exercise talk throw turn walk wave"
    ).split(),
    key=len,
    reverse=True,
)


def is_hmdb51_clip_name(clip: str) -> bool:
    """Whether `clip`'s file name is spelt as HMDB51's are, `<video>_<class>_<meta tags>_<n>` (its tags: visible body
    part, camera motion, number of people, viewpoint, quality): what no other data set's names carry."""
    return _HMDB51_CLIP.fullmatch(PurePosixPath(clip.replace("\\", "/")).stem) is not None


def clip_group_by_name(clip: str, class_name: str | None = None) -> str | None:
    """The group of clips that `clip`'s file name gives by UCF101's or HMDB51's convention (`v_ApplyEyeMakeup_g08`;
    HMDB51's source video, which `_<class>` and the tags after it tell from its clips: its class `class_name`, else
    one of HMDB51's own, else the whole head before the tags); None for a name spelt otherwise (no group is guessed:
    a Kinetics `<youtube id>_000010_000020` has none)."""
    stem = PurePosixPath(clip.replace("\\", "/")).stem
    ucf = _UCF101_CLIP.fullmatch(stem)
    if ucf is not None:  # (UCF101 spells `HandStandPushups` so in its files, `HandstandPushups` its folder)
        return f"v_{ucf['group'].lower()}"
    hmdb = _HMDB51_CLIP.fullmatch(stem)
    if hmdb is None:
        return None
    head = hmdb["head"]
    for name in (class_name, *HMDB51_CLASSES):
        if name and len(head) > len(name) + 1 and head.endswith(f"_{name}"):
            return head[: -len(name) - 1]
    return head  # (a class renamed: its clips of one source video still go together)


def _hold_out_videos(examples: Sequence[dict], videos: list, cut: int, fraction: float, seed: int) -> set[int]:
    """The indices held out of segments of untrimmed videos (or of UCF101's / HMDB51's groups of clips), whole
    videos at a time.

    EPIC-Kitchens-55's segments of one video overlap and some are near-copies (uids 126 and 127: both "take grater"
    from 00:09:21.12), so a draw by segment scored the model on clips it had all but trained on; the field holds out
    whole videos (Baradel et al.'s split). The videos are taken in the order of their segments' stratified
    priorities (`_stratified_priorities`: across the classes), each unless it holds a class's last clips (each head's
    class of a two-head label counted apart: a noun the model never saw is scored wrong on every clip; a head's -100,
    no label, is no class: counted as one, the video holding the last unlabelled nouns was never held out) or, once
    one is held, would overshoot the cut by more than it leaves short; a clip listed twice goes with its copies."""
    labels = example_labels(examples)
    multi_label = _multi_label(examples)
    groups = _groups(videos, _clip_keys(examples))
    members: dict[int, list[int]] = {}
    for index, group in enumerate(groups):
        members.setdefault(group, []).append(index)
    left = Counter(cls for label in labels for cls in _labelled(label, multi_label))
    held: set[int] = set()
    considered: set[int] = set()
    for _, _, index in _stratified_priorities(examples, seed):
        if len(held) >= cut:
            break
        group = groups[index]
        if group in considered:
            continue
        considered.add(group)
        taken = members[group]
        if held and len(held) + len(taken) - cut > cut - len(held):
            continue
        classes = Counter(cls for i in taken for cls in _labelled(labels[i], multi_label))
        if any(left[cls] <= count for cls, count in classes.items()):
            continue
        left.subtract(classes)
        held.update(taken)
    if not held:
        raise DatasetFormatError(_no_whole_video_to_hold_out(examples, videos, len(members), fraction))
    return held


def _no_whole_video_to_hold_out(examples: Sequence[dict], videos: list, count: int, fraction: float) -> str:
    """`_hold_out_videos`' refusal, in the words of what it held together: untrimmed videos (`source_video`), or
    UCF101's / HMDB51's groups of clips, which their users know as groups ("each of the 3 videos" would puzzle the
    user of a UCF101 subset of one group a class, beside 15 clips, each a video to them)."""
    if isinstance(examples, list) and any("source_video" in example for example in examples):
        return (
            f"cannot hold out {fraction:.0%} of {len(examples)} clips for evaluation a whole video at a time "
            f"(segments of one video overlap, so they are held out together): each of the {count} videos holds some "
            "class's last clips, which training needs; give an evaluation split (--eval_split) or more videos"
        )
    if not any(video is not None for video in videos):  # multi-label clips, held out one by one
        return (
            f"cannot hold out {fraction:.0%} of {len(examples)} clips for evaluation: each holds one of its classes' "
            "last clips (multi-label), which training needs; give an evaluation split (--eval_split) or more clips"
        )
    named = next(video for video in videos if video is not None)
    return (
        f"cannot hold out {fraction:.0%} of {len(examples)} clips for evaluation a whole group at a time (UCF101's "
        "clips of one group v_<Class>_gXX share actor and background, HMDB51's are cut from one source video, so "
        f"they are held out together, as the official splits keep them apart): each of the {count} groups (e.g. "
        f"{named!r}) holds some class's last clips, which training needs; give an evaluation split (--eval_split; "
        "the official split lists are read with --dataset_format ucf101 or hmdb51) or more groups of each class"
    )


def _multi_label(examples: Sequence[dict]) -> bool:
    """Whether each of `examples`' labels is a clip's classes (a multi-label `HubSplit`, or a subset of one), not one
    class per head."""
    return bool(getattr(examples, "multi_label", False))


def _classes(label, multi_label: bool = False) -> tuple:
    """The classes a label names, as `(head, class id)`: of each head of a two-head label (Epic Kitchens), each of a
    multi-label clip's classes (one head), else head 0's (one rule for the draws here, the classes a draw leaves out
    and those an evaluated split carries)."""
    if multi_label:
        return tuple((0, cls) for cls in label)
    return tuple(enumerate(label)) if isinstance(label, (list, tuple)) else ((0, label),)


def _labelled(label, multi_label: bool = False) -> tuple:
    """`_classes(label)` but a head's -100 (no label: a clip of Epic Kitchens without its noun), which is no class a
    draw could leave out."""
    return tuple((head, cls) for head, cls in _classes(label, multi_label) if cls >= 0)


def classes_carried(examples: Sequence[dict]) -> set[tuple[int, int]]:
    """The `(head, class id)` of each class the `examples`' labels carry (a one-head label's class is head 0's), by
    `_labelled`."""
    multi_label = _multi_label(examples)
    return {cls for label in example_labels(examples) for cls in _labelled(label, multi_label)}


def _groups(videos: list, keys: list[str | None]) -> list[int]:
    """Each example's group: the examples of one video, joined by the copies of a clip listed twice (one id)."""
    parent = list(range(len(videos)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[tuple, int] = {}
    for index, marks in enumerate(zip(videos, keys)):
        for kind, mark in enumerate(marks):
            if mark is not None:
                parent[root(index)] = root(first.setdefault((kind, mark), index))
    return [root(i) for i in range(len(videos))]


def _clip_keys(examples: Sequence[dict]) -> list[str | None]:
    """Each example's clip, as `warn_repeated_clips` compares them (None: a row known only by its index)."""
    if hasattr(examples, "clip_ids"):
        return list(examples.clip_ids())
    return example_ids(examples)


class ExampleSubset(Sequence):
    """Some of a sequence of examples, by index, read lazily (Hub rows stay in their Arrow file)."""

    def __init__(self, examples: Sequence[dict], indices: Sequence[int]):
        # a numpy array, not a list of ints: each DataLoader worker reads it, and reading an int object writes its
        # reference count, which copied the pages of a held-out rest of 216 000 ints into every worker (6 MiB each)
        self.examples, self.indices = examples, np.asarray(indices, dtype=np.int64)
        self.multi_label = _multi_label(examples)  # (`HubSplit.multi_label`: each label a clip's classes)

    def __len__(self):
        return len(self.indices)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return ExampleSubset(self.examples, self.indices[i])
        return self.examples[int(self.indices[i])]

    def labels(self) -> list:
        labels = example_labels(self.examples)
        return [labels[i] for i in self.indices]

    def ids(self) -> list[str]:
        ids = example_ids(self.examples)
        return [ids[i] for i in self.indices]

    def clip_paths(self) -> list[str | None]:  # a `HubSplit`'s rows' paths as written (`_clip_groups`)
        paths = self.examples.clip_paths() if hasattr(self.examples, "clip_paths") else [None] * len(self.examples)
        return [paths[i] for i in self.indices]

    def digest_ids(self, earlier: bool = False) -> list[str]:  # `examples_digest`'s ids of a `HubSplit`'s rows
        ids = self.examples.digest_ids(earlier) if hasattr(self.examples, "digest_ids") else example_ids(self.examples)
        return [ids[i] for i in self.indices]


def sample_subset(examples: Sequence[dict], num_samples: int, seed: int = 0) -> Sequence[dict]:
    """`num_samples` examples drawn across the classes (`--max_train_samples` / `--max_eval_samples`).

    Stratified and proportional: each class's examples are shuffled with `seed` and the `k`-th of a class of
    `n` gets the priority `k / n`; the `num_samples` smallest priorities are kept (ties between classes in
    a seeded order). When `num_samples` is at least the number of classes every class is in it (everyone's first
    pick has priority 0), and that comes before proportion: of `N` examples in `C` classes, a class of `n` gets
    less than one example more than its share `num_samples * n / N`, and at most `(C - 1) * n / N` fewer (each
    other class may be up to one over). Within one example of it where the classes are of one size; a class of
    1000 beside nine of 10, 10 drawn, gets 1 of its 9.2 (every class once). (Drawn otherwise, the subsets of
    `--max_train_samples` runs, and their digests, would change: a resume of one refused.) The draw
    depends only on the examples and `seed` (its own generator), so every process gets the same subset. The
    subset keeps the examples' order; lazy examples (Hub rows) stay lazy (an `ExampleSubset`). Two-head labels
    (Epic Kitchens) are stratified by their pair.
    """
    if num_samples < 1:
        raise ValueError(f"a subset needs at least 1 example, got {num_samples}")
    if num_samples >= len(examples):
        return examples
    chosen = sorted(index for _, _, index in _stratified_priorities(examples, seed)[:num_samples])
    if isinstance(examples, list):  # plain examples: a plain list, which holds only what it keeps
        return [examples[i] for i in chosen]
    return ExampleSubset(examples, chosen)


def classes_left_out(examples: Sequence[dict], subset: Sequence[dict]) -> list:
    """The classes some of `examples` carry and none of `subset` (`sample_subset`'s draw of fewer clips than the
    split has classes), sorted `(head, class id)` pairs (head 0 alone but for a two-head label: Epic Kitchens)."""
    return sorted(classes_carried(examples) - classes_carried(subset))


def _stratified_priorities(examples: Sequence[dict], seed: int) -> list[tuple[float, int, int]]:
    """`(priority, class rank, index)` of every example, smallest first: each class's examples are shuffled with
    `seed` and the `k`-th of a class of `n` gets the priority `k / n` (ties between classes in a seeded order), so a
    prefix holds every class, in proportion as far as that allows (`sample_subset`'s bound; `sample_subset` keeps
    one, `hold_out` holds one out). Two-head labels
    (Epic Kitchens) are grouped by their pair."""
    groups: dict = {}
    for index, label in enumerate(example_labels(examples)):
        groups.setdefault(tuple(label) if isinstance(label, (list, tuple)) else label, []).append(index)
    rng = random.Random(seed)
    keys = list(groups)
    rng.shuffle(keys)
    priorities = []
    for rank, key in enumerate(keys):
        members = groups[key]
        rng.shuffle(members)
        priorities.extend((k / len(members), rank, index) for k, index in enumerate(members))
    return sorted(priorities)
