# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Subsets of a split's examples: `hold_out` (a seeded held-out fraction, the evaluation split of a data set that has
none) and `sample_subset` (`--max_train_samples` / `--max_eval_samples`, drawn across the classes), lazy over Hub
rows (`ExampleSubset`).
"""

from __future__ import annotations

import random
from collections.abc import Sequence

import numpy as np

from .examples import DatasetFormatError, example_ids, example_labels


def hold_out(examples: Sequence[dict], fraction: float, seed: int = 0) -> tuple[Sequence[dict], Sequence[dict]]:
    """Split `examples` into (rest, held-out `fraction`), the same way every time for a seed.

    Drawn across the classes, each in proportion (as `sample_subset` draws), and never a class's last clip: a plain
    random draw held out the only clip of a rare class, a class the model then never saw, scored wrong on every
    clip of it, without a word. A split of one clip per class has nothing to hold out: refused, naming what to give.
    """
    if not 0 < fraction < 1:
        raise ValueError(f"the held-out fraction must lie in (0, 1), got {fraction}")
    cut = max(1, round(len(examples) * fraction))
    # each class's first pick (priority 0) stays for training; the others are held out in order of priority
    ranked = _stratified_priorities(examples, seed)
    priorities = [entry for entry in ranked if entry[0] > 0]
    if not priorities:
        raise DatasetFormatError(
            f"cannot hold out {fraction:.0%} of {len(examples)} clips for evaluation: every class has one clip, which "
            "training needs; give an evaluation split (a val/ folder, --eval_split)"
        )
    # A clip the split lists twice (one id: named by `warn_repeated_clips`) is held out with all its copies or not
    # at all: one copy held out and one trained on scored the model on a training clip, without a word.
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
    rest = [i for i in range(len(examples)) if i not in held]
    if isinstance(examples, list):
        return [examples[i] for i in rest], [examples[i] for i in sorted(held)]
    # Lazy rows (a Hub split) stay lazy, and keep the ids `examples_digest` hashes (`digest_ids`): read into plain
    # examples, the held-out share of a WebDataset or segment table was digested by its new ids, and the evaluation
    # of a model an earlier version fine-tuned on it was refused as "the split has changed".
    return ExampleSubset(examples, rest), ExampleSubset(examples, sorted(held))


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

    def digest_ids(self, earlier: bool = False) -> list[str]:  # `examples_digest`'s ids of a `HubSplit`'s rows
        ids = self.examples.digest_ids(earlier) if hasattr(self.examples, "digest_ids") else example_ids(self.examples)
        return [ids[i] for i in self.indices]


def sample_subset(examples: Sequence[dict], num_samples: int, seed: int = 0) -> Sequence[dict]:
    """`num_samples` examples drawn across the classes (`--max_train_samples` / `--max_eval_samples`).

    Stratified and proportional: each class's examples are shuffled with `seed` and the `k`-th of a class of
    `n` gets the priority `k / n`; the `num_samples` smallest priorities are kept (ties between classes in
    a seeded order). So every class gets its share of the subset within one example, and when `num_samples` is
    at least the number of classes every class is in it (everyone's first pick has priority 0). The draw
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


def _stratified_priorities(examples: Sequence[dict], seed: int) -> list[tuple[float, int, int]]:
    """`(priority, class rank, index)` of every example, smallest first: each class's examples are shuffled with
    `seed` and the `k`-th of a class of `n` gets the priority `k / n` (ties between classes in a seeded order), so a
    prefix holds every class in proportion (`sample_subset` keeps one, `hold_out` holds one out). Two-head labels
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
