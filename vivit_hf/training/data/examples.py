# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""What every `--dataset_format` adapter returns: `VideoClassificationData` (the examples of each split, the label
vocabulary, the clips missing from disk), and `DatasetFormatError`, raised when the files do not match the layout.

An example is a plain dict `{"video": <path, or {"path", "bytes"}>, "label": <int, or list of ints in
label-space order>, "id": <str>}`; the processor reads the video, and `id` names the clip the way its data set
does (a path relative to the data set folder, a Kinetics clip key, an SSv2 id, an Epic Kitchens narration id, a
Hub row's path or index), so predictions can be joined back to videos; `warn_repeated_clips` compares splits by it.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import PurePath

# The adapters' one logger, named as before they were split out of `formats.py`: a level or filter a user set on
# it still applies to every adapter.
logger = logging.getLogger("vivit_hf.training.data.formats")


class DatasetFormatError(ValueError):
    """The files do not match the layout the chosen `--dataset_format` expects."""


# Split names as written by the data sets (and as `datasets` recognises split folders), mapped to the recipes' names.
SPLIT_ALIASES = {
    "train": "train",
    "training": "train",
    "val": "validation",
    "valid": "validation",
    "validation": "validation",
    "dev": "validation",
    "test": "test",
    "testing": "test",
    "eval": "test",
    "evaluation": "test",
}

# Why a split without labels cannot be read, by who reads it (`missing_split`): the shard tool's words said training
# and evaluation need them, to a user who was writing shards
RECIPES_NEED_LABELS = "Training and evaluation need labels"
SHARDS_NEED_LABELS = (
    "A shard holds each clip's class (`<key>.cls`; its classes, `<key>.json`'s `labels`, where a clip has several), so "
    "sharding needs labels"
)


def recipe_split_name(name: str) -> str:
    """The recipes' name of a split typed as `name` (`val`, `dev` -> `validation`, `training` -> `train`), `name`
    where it is no split word: what a run records and compares, so that a resume typing its split another way names
    the same split."""
    return SPLIT_ALIASES.get(name.lower(), name)


def chosen_protocol(protocols: dict[str, str], chosen: Sequence[str | None] | None) -> str | None:
    """The split read as HMDB51's protocol (`protocols`: each part's name and the split it was read out of,
    `hub_clips.protocol_splits`) whose parts alone a run reads, its test part among them, as the warnings advise;
    None where the run chose otherwise or did not say (`chosen`: the splits it trains and evaluates on as typed,
    `--train_split`, `--eval_split`; None for the data set's default evaluation split, `test` beside a lone `train`
    read so; `chosen` None: a read for no run, each such split warned of)."""
    if not protocols or not chosen:
        return None
    parts = {recipe_split_name(name): origin for name, origin in protocols.items()}
    names = {recipe_split_name(name) if name else "test" for name in chosen}
    origins = {parts.get(name) for name in names}
    tested = any(name == "test" or name.endswith("_test") for name in names)
    return origins.pop() if len(origins) == 1 and None not in origins and tested else None


@dataclass
class VideoClassificationData:
    """Examples per split plus the label vocabulary.

    `label_spaces` maps each head to its class names, in head order (`{"label": [...]}` for the usual single
    head; `{"noun": [...], "verb": [...]}` for Epic Kitchens).
    """

    splits: dict[str, Sequence[dict]]
    label_spaces: dict[str, list[str]]
    missing: dict[str, int] = field(default_factory=dict)  # per split: clips named but not on disk
    # per split: Hub rows giving no video (a `Video` cell of None, a list of no frames), left out and named at load
    # (`hub_clips.rows_without_a_clip`): apart from `missing`, whose warning said "missing on disk" of them too
    clipless: dict[str, int] = field(default_factory=dict)
    source: str | None = None  # the folder or Hub id it was read from, for messages
    # the data set as the user typed it (`--dataset`, set by `open_video_dataset`), which messages name before
    # `source`: the bundled set's source is its cache folder, `/root/.cache/vivit_hf/datasets/synthetic_motion-...`
    named: str | None = None
    # splits left out as none of their rows has a label (a Hub test split), by their recipe names: a split asked for
    # by name is said to be there but unlabelled, not missing
    unlabelled: list[str] = field(default_factory=list)
    # `--dataset_format hub`: the video and label columns read (`{"video_column": ..., "label_column": ...}`), and
    # those its features name with each flag left out (`hub_labels.columns_read`; None where none is named): a resume
    # that types the column its run left out reads the same clips, told once the data set is read
    columns: dict[str, str] = field(default_factory=dict)
    detected_columns: dict[str, str | None] = field(default_factory=dict)
    # per split: why no classifier can be trained on it (videofolder: a split of one class), refused where a recipe
    # trains on it (`refuse_training_on`), not at the read: a `train/` of one class refused evaluate.py's `test`
    untrainable: dict[str, str] = field(default_factory=dict)
    # per split: the data set's own name where the recipes read it under another (`Train` -> `train`, `VAL` ->
    # `validation`: `recipe_split_names`), for what names the split to others (the model card's `dataset.split`)
    own_names: dict[str, str] = field(default_factory=dict)
    # several classes a clip (a `--dataset_format hub` label column of lists): each example's label is the tuple of its
    # class ids, sorted (`()` for a clip of none), one head; trained with a sigmoid per class (`training/multi_label`)
    multi_label: bool = False
    # per split: the split of a `hub` data set it was read out of by HMDB51's protocol marks (`split1_train`:
    # `split1`, `hub_clips.protocol_splits`); such splits of two protocols share clips by design
    protocols: dict[str, str] = field(default_factory=dict)
    # the one split read, the others' clips not (videofolder's `one_of`: evaluate.py's), so its classes are that
    # split's alone, numbered otherwise than a whole read's where it lacks some; None: every split read
    read_alone: str | None = None

    @property
    def is_multi_head(self) -> bool:
        return len(self.label_spaces) > 1

    @property
    def default_eval_split(self) -> str | None:
        """The split the recipes evaluate on when none is named: `validation`, else `test`, else None."""
        return next((s for s in ("validation", "test") if s in self.splits), None)

    @property
    def label_names(self) -> list[str]:
        """Class names of the single head (for several heads: each head's names prefixed `head:`)."""
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

    def split_name(self, name: str) -> str:
        """The name this data set holds split `name` under: `name`, or the recipes' name the readers gave a split of
        that spelling (`val`, `dev` -> `validation`: `SPLIT_ALIASES`); `name` where it has neither. A user's `val`,
        the folder's name, is that split, not "no split 'val'" beside 'validation'. In any case, as
        `recipe_split_name` reads split words: `--split holdout` is the repo's `Holdout`;
        two splits differing only by case (`Holdout`, `HOLDOUT`) are refused unless typed as spelt."""
        if name in self.splits:
            return name
        alias = recipe_split_name(name)
        if alias in self.splits:
            return alias
        typed = {name.lower(), alias.lower()}
        same = sorted(split for split in self.splits if split.lower() in typed)
        if len(same) > 1:
            source = self.named or self.source
            raise DatasetFormatError(
                f"split {name!r}{f' of {source}' if source else ''} could be any of {quoted(same)}, which differ only "
                "by case: name one as it is spelt"
            )
        return same[0] if same else name

    def own_split_text(self, text: str | None) -> str | None:
        """`text` (a split, or one with words after it: `train (held out 10%)`) with the split as the data set spells
        it (`own_names`): the model card named the repo's `Train` split `train`, the recipes' name."""
        if text is None:
            return None
        name, space, rest = text.partition(" (")
        return self.own_names.get(self.split_name(name), name) + space + rest

    def split(self, name: str, flag: str | None = None) -> Sequence[dict]:
        """The examples of split `name` (or of its alias, `split_name`); a split it lacks is the user's mistake (a
        `train/` folder missing, a split misnamed), told in one line naming the data set and the splits it has, not a
        traceback (`KeyError`). `flag`: the flag that named the split, for that line (a recipe reads two splits)."""
        name = self.split_name(name)
        if name not in self.splits:
            refusal = self.missing_split(name)
            raise DatasetFormatError(f"{flag} {name}: {refusal}" if flag else refusal)
        return self.splits[name]

    def refuse_training_on(self, name: str) -> None:
        """Refuse training on split `name` (or its alias) where a classifier cannot learn from it (`untrainable`), or
        where it holds no clip (`refuse_empty`)."""
        if why := self.untrainable.get(self.split_name(name)):
            raise DatasetFormatError(why)
        self.refuse_empty(name)

    def refuse_empty(self, name: str, use: str = "to train on") -> None:
        """Refuse split `name` (or its alias) where it holds no clip (`use`: what for), naming the clips it names that
        are missing. Every clip a metadata file names missing on disk (a folder renamed, `Clips/` for `clips/`) left a
        split of none: to train on, refused as "none of the 0 training clips could be decoded" after the model and the
        evaluation clips had loaded (with no evaluation split, "cannot hold out 10% of 0 clips: every class has one
        clip"); to evaluate, a `torch.cat` traceback after the training, read whole or streamed. (A stream whose size
        is unknown is not refused.)"""
        split = self.split_name(name)
        examples = self.splits.get(split)
        size = len(examples) if isinstance(examples, Sequence) else getattr(examples, "num_examples", None)
        if size == 0:
            missing = self.missing.get(split, 0) + self.clipless.get(split, 0)
            source = self.named or self.source
            raise DatasetFormatError(
                f"split {split!r}{f' of {source}' if source else ''} holds no clip {use}"
                + (f": each of the {missing} clips it names is missing (named above)" if missing else "")
            )

    def is_unlabelled(self, name: str) -> bool:
        """Whether split `name` (or its recipe name, `val` -> `validation`) was left out for having no labels."""
        return name in self.unlabelled or recipe_split_name(name) in self.unlabelled

    def missing_split(self, name: str, needs_labels: str = RECIPES_NEED_LABELS) -> str:
        """Why this data set has no split `name` to read, in one line: not there (naming the splits it has), or there
        but left out, as none of its rows has a label: it was said to be missing, and its user looked for a typo.
        `needs_labels`: why the reader's user needs them (the recipes'; the shard tool's, `SHARDS_NEED_LABELS`)."""
        source = self.named or self.source
        where = f" of {source}" if source else ""
        found = ", ".join(sorted(self.splits))
        if self.is_unlabelled(name):
            return (
                f"split {name!r}{where} was left out: none of its rows has a label. {needs_labels}: name a labelled "
                f"split (found: {found}); predict.py scores clips without labels"
            )
        where = f" in {source}" if source else ""
        return f"no split {name!r}{where}; the splits found: {found}"


def quoted(names: Sequence[str], limit: int = 5) -> str:
    """The first few names, quoted, and how many more."""
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return ", ".join(repr(name) for name in names[:limit]) + more


def example_labels(examples: Sequence[dict]) -> list:
    """The label of every example, without reading clips where the examples know how (`labels()`)."""
    if hasattr(examples, "labels"):
        return list(examples.labels())
    return [example["label"] for example in examples]


def example_ids(examples: Sequence[dict]) -> list[str]:
    """The id of every example (`"id"`, else its video's path or position), in order."""
    if hasattr(examples, "ids"):
        return list(examples.ids())
    ids = []
    for i, example in enumerate(examples):
        video = example["video"]
        fallback = video if isinstance(video, str) else (video.get("path") if isinstance(video, dict) else None)
        ids.append(str(example.get("id") or fallback or i))
    return ids


def earlier_examples_digest(examples: Sequence[dict]) -> str | None:
    """`examples_digest` as versions that named a stream's shards, or a split's like-named shards read whole, by
    their file names took it (their checkpoints and held-out shares recorded it: `check_resume_clips`,
    `refuse_another_held_out_share`), where it may differ; else None."""
    if hasattr(examples, "stream_digest"):
        return examples.stream_digest(earlier=True)
    return examples_digest(examples, earlier=True) if hasattr(examples, "digest_ids") else None


def earlier_examples_digests(examples: Sequence[dict]) -> tuple[str, ...]:
    """Every `examples_digest` an earlier version may have recorded of `examples` where it differs from this one's:
    `earlier_examples_digest`, a stream's as versions that read no shard's contents took it, and a split's as versions
    that named every absolute path by its last two parts took it (`path_keys`)."""
    earlier = earlier_examples_digest(examples)
    if hasattr(examples, "stream_digest"):
        return (earlier, examples.stream_digest(contents=False))
    return tuple(dict.fromkeys(d for d in (earlier, examples_digest(examples, two_parts=True)) if d is not None))


def digest_caveat(examples: Sequence[dict]) -> dict | None:
    """Of a stream: its digest of what is known without reading its shards, their names (`names`), and why their
    sizes or contents could not be read (`unread`, None where they were), which the processes' check
    (`agree_on_examples`) and a resume's (`check_resume_clips`) need to tell shards that differ from a Hub that did
    not answer; None for a split read whole (its digest reads nothing from the Hub)."""
    if not hasattr(examples, "stream_digest"):
        return None
    return {"names": examples.stream_digest(contents=False, sizes=False), "unread": examples.unread_reason()}


def class_order_of(saved: dict | None, data: VideoClassificationData) -> dict[int, int] | None:
    """`{the data's class id: its id in saved}` where `saved` (a checkpoint's or a model's `id2label`) names the
    data's classes (one head) in another order, else None. Class folders beside a data card's ClassLabel were numbered
    in sorted order by earlier versions and in the card's order since: a run or model of theirs answers the same
    classes by other ids, so its clips and classes are compared by name (`renumber_classes`, `examples_digest`)."""
    if not saved or data.is_multi_head:
        return None
    old, new = [str(saved[key]) for key in sorted(saved, key=int)], data.label_names
    if old == new or sorted(old) != sorted(new) or len(set(old)) != len(old):
        return None
    return {i: old.index(name) for i, name in enumerate(new)}


def renumber_classes(data: VideoClassificationData, order: dict[int, int]) -> bool:
    """Number `data`'s classes by `order` (`class_order_of`), every split's labels with them, where every split maps
    its raw label values to ids (a Hub or videofolder split, whole or streamed: its `label_map`); else change nothing
    and return False. Its examples and their subsets read their labels through that map, so they follow."""
    maps = [getattr(examples, "label_map", None) for examples in data.splits.values()]
    if not all(isinstance(label_map, dict) for label_map in maps):
        return False
    for examples, label_map in zip(data.splits.values(), maps):
        examples.label_map = {value: order[i] for value, i in label_map.items()}
    names = data.label_names
    head = next(iter(data.label_spaces))
    data.label_spaces = {head: [names[i] for i in sorted(order, key=order.get)]}
    return True


def examples_digest(
    examples: Sequence[dict], order: dict[int, int] | None = None, earlier: bool = False, two_parts: bool = False
) -> str:
    """A digest of a split's examples as a process reads them: every example's id and label, in order (no clip is
    read). Processes that each read their own copy of a data set (one disk per machine) must hold the same examples
    in the same order: the samplers share out clips by position, so a copy lacking one clip shifts every later one,
    and with two processes 5 of 20 clips would be read twice an epoch and 5 never (accelerate's
    `BatchSamplerShard`). Compare every process's digest (a gather) before training; a differing one is that copy's.
    A stream gives its own (`StreamingSplit.stream_digest`): its shards, which it shares out by position. `order`:
    the labels numbered as another run numbered the same classes (`class_order_of`), to compare with its digest.
    `earlier`: as earlier versions took it (`earlier_examples_digest`); `two_parts`: every absolute path by its last
    two parts, as versions before `path_keys` took them."""
    if hasattr(examples, "stream_digest"):
        return examples.stream_digest(earlier=earlier)
    digest = hashlib.sha256()
    ids = examples.digest_ids(earlier) if hasattr(examples, "digest_ids") else example_ids(examples)  # `HubSplit`'s
    for key, label in zip(path_keys(ids, two_parts or earlier), example_labels(examples)):
        digest.update(f"{key}\t{renumbered_label(label, order) if order else label}\n".encode())
    return f"{len(examples)}:{digest.hexdigest()[:16]}"


def renumbered_label(label, order: dict[int, int]):
    """`label` numbered by `order` (`class_order_of`): a class id, or a multi-label clip's sorted tuple of them (each
    renumbered and sorted again, as the other run's reading sorted its own ids: a tuple was left as it was, and the
    held-out share of a multi-label model numbering its classes otherwise refused as a split changed since)."""
    if isinstance(label, tuple):
        return tuple(sorted(order.get(i, i) for i in label))
    return order.get(label, label)


def path_keys(ids: Sequence[str], two_parts: bool = False) -> list[str]:
    """`examples_digest`'s key of each id: a clip known by its absolute path by its class folder and name (each
    machine may keep its copy elsewhere: a Hub data set downloads into each machine's own --cache_dir), or by as many
    of its last parts as tell it from the split's other clips that end alike: two tables' `/data1/cat/0.mp4` and
    `/data2/cat/0.mp4` were both `cat/0.mp4`, so copies listing them in the other order had one digest, and machines
    sharing the split out by position read one clip twice and the other never. `two_parts`: always the last two."""
    absolute = {key: parts for key in dict.fromkeys(ids) if (parts := _absolute_parts(key)) is not None}
    take = dict.fromkeys(absolute, 2)
    if not two_parts:
        ends: dict[tuple, list[str]] = {}
        for key, parts in absolute.items():
            ends.setdefault(parts[-2:], []).append(key)
        for alike in (keys for keys in ends.values() if len(keys) > 1):
            # the fewest last parts that name each of them apart (all of them where one path ends another)
            longest = max(len(absolute[key]) for key in alike)
            size = next(
                (n for n in range(3, longest) if len({absolute[key][-n:] for key in alike}) == len(alike)), longest
            )
            take.update(dict.fromkeys(alike, size))
    return ["/".join(absolute[key][-take[key] :]) if key in absolute else key for key in ids]


def _absolute_parts(key: str) -> tuple[str, ...] | None:
    """`PurePath(key).parts` of an absolute path, None for any other key. A plain POSIX path (nothing pathlib
    rewrites: no `//`, `/./` or trailing `/`) is split on `/` as pathlib would split it: pathlib took 20 us a
    path twice over, 13 s of every process's start for Kinetics' 240 000 clips."""
    if key.startswith("/") and os.sep == "/" and "//" not in key and "/./" not in key and not key.endswith(("/", "/.")):
        return ("/", *key[1:].split("/")) if len(key) > 1 else ("/",)
    path = PurePath(key)
    return path.parts if path.is_absolute() else None


def digest_words(digest: str) -> str:
    """An `examples_digest` (`count:hash`; a stream's `N clips in M shards:hash`) as a message says it:
    `12 clips (digest 25c3...)`."""
    count, _, hashed = digest.partition(":")
    return f"{count}{' clips' if count.isdigit() else ''} (digest {hashed})"


def _shards_of_ids(examples, repeated: list) -> list[str]:
    """The WebDataset shards holding the samples of the ids `repeated` (a `hub` split's, `HubSplit.shards`), where
    they are in more than one shard; else []. A shard's `json` `id` is its source's: two shard sets' `train/cat/0.mp4`
    were said to be one clip listed twice."""
    if not hasattr(examples, "shards"):
        return []
    wanted, held = set(repeated), {}
    for key, shard in zip(examples.clip_ids(), examples.shards()):
        if key in wanted and shard:
            held.setdefault(key, set()).add(shard)
    return sorted({shard for shards in held.values() if len(shards) > 1 for shard in shards})


def _warn_clips_of_two_classes(split: str, data: VideoClassificationData, repeated: list[str]) -> None:
    """Name the clips among `repeated` that a split lists under different classes (two metadata files of a folder
    and one below it, `train/metadata.csv`'s `a/0.mp4, cat` and `train/a/metadata.csv`'s `0.mp4, dog`; one table
    naming a clip twice): each listing was read, the clip trained as each class and scored wrong under all but one,
    and the warning said only that it was listed twice. Examples that carry no label (a stream's paths) are not."""
    examples = data.splits[split]
    if not hasattr(examples, "labels") and not all("label" in example for example in examples):
        return
    keys = examples.clip_ids() if hasattr(examples, "clip_ids") else example_ids(examples)
    wanted, classes = set(repeated), {}
    for key, label in zip(keys, example_labels(examples)):
        if key in wanted:
            classes.setdefault(key, {})[repr(label)] = label
    names = data.label_names if len(data.label_spaces) == 1 else []

    def said(label) -> str:  # a class by its name where the data set names it
        return repr(names[label]) if isinstance(label, int) and 0 <= label < len(names) else repr(label)

    clashing = [
        f"{key!r} ({', '.join(map(said, labels.values()))})" for key, labels in classes.items() if len(labels) > 1
    ]
    if clashing:
        more = f" and {len(clashing) - 5} more" if len(clashing) > 5 else ""
        logger.warning(
            "split %r lists %d clip(s) under different classes, each trained as every one of them and scored wrong "
            "under all but one: %s; give each clip one class (a clip listed by two metadata files, or twice in one "
            "table)",
            split,
            len(clashing),
            ", ".join(clashing[:5]) + more,
        )


def warn_repeated_clips(
    data: VideoClassificationData, statuses: dict | None = None, chosen: Sequence[str | None] | None = None
) -> dict:
    """Warn, naming them, about clips an annotation file lists twice in one split (read twice an epoch) and clips
    listed in two splits (a model trained on one is scored on its own clips): both were taken as they are, without a
    word. By the clip's id (a Kinetics clip, an SSv2 id, an Epic narration; a `hub` row's source id or clip path,
    `HubSplit.clip_ids`: rows known only by their index or a name beside their bytes are not compared). Returns
    `{split or (split, split): ids}`; nothing is looked for (every file stat'ed, copies hashed) where the warnings
    would not be said (`finetune.data_warnings_held`: a machine's other processes). `statuses`: `{path: os.stat}` of
    files the read stat'ed already (`folders.kept_statuses`), not stat'ed again (8 s of 30 at 248 000 clips).
    `chosen`: the splits the run reads (`chosen_protocol`): HMDB51's protocols sharing clips are not warned of to a
    run within one."""
    if not logger.isEnabledFor(logging.WARNING):
        return {}
    ids = {
        split: [key for key in (examples.clip_ids() if hasattr(examples, "clip_ids") else example_ids(examples)) if key]
        for split, examples in data.splits.items()
    }
    report: dict = {}
    for split, examples in data.splits.items():
        warn_clips_named_alike(split, examples)
    for split, keys in ids.items():
        # (the repeated ids in a dict, in the order they first repeat: a list, searched for each repeat, took
        # minutes where a table lists every clip twice, 240 000 rows on 120 000 clips: its quadratic cost)
        seen, repeated = set(), {}
        for key in keys:
            if key in seen:
                repeated[key] = None
            seen.add(key)
        repeated = list(repeated)
        if repeated:
            report[split] = repeated
            shards = _shards_of_ids(data.splits[split], repeated)
            if shards:
                logger.warning(
                    "split %r: %d id(s) name samples of different WebDataset shards (%s): copies of one clip are "
                    "read as many times an epoch, and different clips (shards written from two data sets whose ids "
                    "repeat) are named alike in messages and predictions.jsonl: %s",
                    split,
                    len(repeated),
                    quoted(shards),
                    quoted(repeated),
                )
                continue
            logger.warning(
                "split %r lists %d clip(s) more than once, each read as many times an epoch: %s",
                split,
                len(repeated),
                quoted(repeated),
            )
            _warn_clips_of_two_classes(split, data, repeated)
    names, sets = list(ids), {split: set(keys) for split, keys in ids.items()}
    protocols = []  # (pairs of two protocols' splits: one line for them all)
    for i, first in enumerate(names):
        for second in names[i + 1 :]:
            both = [key for key in dict.fromkeys(ids[second]) if key in sets[first]]
            if both:
                report[(first, second)] = both
                if {first, second} <= data.protocols.keys() and data.protocols[first] != data.protocols[second]:
                    protocols.append((first, second))
                    continue
                logger.warning(
                    "%d clip(s) are in both split %r and split %r (a model trained on one is scored on its own "
                    "clips): %s",
                    len(both),
                    first,
                    second,
                    quoted(both),
                )
    if protocols and chosen_protocol(data.protocols, chosen) is None:
        # HMDB51's three protocols each list every clip: 12 warnings of "clips in both splits" for its 6 splits
        origin = data.protocols[protocols[0][0]]
        train, test = [name for name, read_from in data.protocols.items() if read_from == origin]  # (in that order)
        logger.warning(
            "the splits of different protocols share clips, as HMDB51's official splits each hold every clip (%d "
            "pairs, e.g. %r and %r): a model trained on one protocol's training clips is scored on its own clips in "
            "another's test split; train and score within one (--train_split %s --eval_split %s)",
            len(protocols),
            *protocols[0],
            train,
            test,
        )
    _warn_linked_files(data, report, statuses or {})
    return report


def warn_clips_named_alike(split: str, examples) -> None:
    """Warn, naming them, about clips of a `hub` split that only the file name stored beside their bytes names, where
    two or more share one (`HubSplit.names_beside_bytes`: `datasets`' `push_to_hub` and `save_to_disk` keep a `Video`
    clip's file name alone, so class folders' `cat/0.mp4` and `dog/0.mp4` are both `0.mp4`). Such rows are no
    repeats (`warn_repeated_clips` leaves them out), but skip messages and predictions.jsonl name them alike, and
    rows joined by `video_id`, as the docs advise for two evaluations, would pair other clips."""
    if not hasattr(examples, "names_beside_bytes"):
        return
    counts = Counter(name for name in examples.names_beside_bytes() if name is not None)
    alike = {name: count for name, count in counts.items() if count > 1}
    if alike:
        logger.warning(
            "split %r names %d clips by a file name another clip of it shares (%s): its rows hold each clip's bytes "
            "beside its file name alone (datasets' push_to_hub and save_to_disk store a Video column so, its folders "
            "dropped), so messages and predictions.jsonl name those clips alike and cannot be joined by video_id; "
            "give the table an 'id' column naming each clip",
            split,
            sum(alike.values()),
            quoted([f"{name} x{count}" for name, count in alike.items()]),
        )


# An example that names a part of its video (an Epic Kitchens narration in its untrimmed video) shares the file with
# the other parts by design.
_SEGMENT_KEYS = ("start_seconds", "end_seconds", "start_frame", "stop_frame")


def _file_stat(example: dict, statuses: dict) -> os.stat_result | None:
    """`os.stat` of the local file an example reads whole (symlinks followed: a link and its target are one file),
    from `statuses` where it holds it; None for bytes, a Hub row or a segment."""
    video = example.get("video")
    if not isinstance(video, str) or any(example.get(key) is not None for key in _SEGMENT_KEYS):
        return None
    if video in statuses:
        return statuses[video]
    try:
        return os.stat(video)
    except OSError:
        return None


# The bytes of each file compared to tell copies apart: files of one size are read this far, and only those whose
# first bytes agree are read whole. A compressed clip's size is all but unique, so a scan reads next to nothing
# beyond the `stat` it makes anyway. Measured on 2000 files: 13 ms for sizes of 0.5-3 MB (two files read), 0.8 s
# when all are 1 MiB (uncompressed video: every file's first 64 KiB read once).
_COPY_HEAD_BYTES = 64 * 1024


# Files shorter than this are not compared as copies: no video fits (a container's headers alone are longer), and
# such files are stubs a failed download left (empty files, an error text), each named as broken when it is read.
_SMALLEST_COMPARED = 128


def _file_digest(path: str, limit: int | None) -> bytes | None:
    """A digest of the first `limit` bytes of `path` (None: all of it); None if it cannot be read."""
    digest = hashlib.blake2b(digest_size=16)
    try:
        with open(path, "rb") as file:
            left = limit
            while left is None or left > 0:
                block = file.read(1 << 20 if left is None else min(1 << 20, left))
                if not block:
                    break
                digest.update(block)
                left = None if left is None else left - len(block)
    except OSError:
        return None
    return digest.digest()


def _copies(candidates: list[tuple[str, str, str]]) -> list[tuple[tuple[str, str], tuple[str, str]]]:
    """`((split, id), (split, id))` pairs of byte-identical files among `candidates` (`(path, split, id)` of files of
    one size, each a different file): each later copy paired with the first of its contents."""
    groups = [candidates]
    for limit in (_COPY_HEAD_BYTES, None):  # first bytes, then (only where they agree) the whole file
        regrouped = []
        for group in groups:
            by_digest: dict[bytes, list] = {}
            for candidate in group:
                digest = _file_digest(candidate[0], limit)
                if digest is not None:
                    by_digest.setdefault(digest, []).append(candidate)
            regrouped += [same for same in by_digest.values() if len(same) > 1]
        groups = regrouped
    return [((first[1], first[2]), (other[1], other[2])) for first, *others in groups for other in others]


# `_warn_linked_files`' two warnings, by name: benchmarks/recipe_gpu.py drops them for its own data set's hard links
# (`OwnLinksUnsaid`), which matched their first words and would have let a reworded one through
LINKED_IN_SPLIT = (
    "split %r reads %d file(s) under two names (%s), each read as many times an epoch, under each name's class: %s"
)
LINKED_ACROSS_SPLITS = (
    "%d file(s) of split %r are in split %r too, under another name (%s: a model trained on one is scored on its own "
    "clips): %s"
)


def _warn_linked_files(data: VideoClassificationData, report: dict, statuses: dict) -> None:
    """Warn about one file read as clips of other names (a class folder symlinked under another name, a clip
    hard-linked or symlinked into the other split), and about byte-identical copies of one file under two names (a
    clip copied with `cp` into `val/`, a class folder copied under another name): the ids differ, so
    `warn_repeated_clips` saw nothing, yet the clip was read twice an epoch (under two labels, from `train/dog/` and
    its link or copy `train/hound/`) or scored on after being trained on. Adds `[(id, id)]` pairs to `report` under
    the split or the pair of splits. Copies are found among files of one size only (`_copies`)."""
    first_name: dict[tuple, tuple[str, str]] = {}  # file -> (split, id) of its first example
    by_size: dict[int, list[tuple[str, str, str]]] = {}  # size -> (path, split, id) of each file's first example
    found: dict[str, dict] = {"links": {}, "copies": {}}

    def pair(kind: str, first: tuple[str, str], second: tuple[str, str]) -> None:
        (other_split, other_key), (split, key) = first, second
        where = split if split == other_split else (other_split, split)
        found[kind].setdefault(where, []).append((other_key, key))

    for split, examples in data.splits.items():
        if hasattr(examples, "clip_ids"):  # a `datasets` table: compared by clip id alone
            continue
        for example, key in zip(examples, example_ids(examples)):
            stat = _file_stat(example, statuses)
            # Some network and FUSE file systems give every file the inode 0: no identity to compare there.
            identity = (stat.st_dev, stat.st_ino) if stat is not None and stat.st_ino else None
            if identity is None:
                continue
            if identity not in first_name:
                first_name[identity] = (split, key)
                if stat.st_size >= _SMALLEST_COMPARED:
                    by_size.setdefault(stat.st_size, []).append((example["video"], split, key))
            elif first_name[identity][1] != key:  # the same id is `warn_repeated_clips`' own
                pair("links", first_name[identity], (split, key))
    for candidates in by_size.values():
        if len(candidates) > 1:
            for first, second in _copies(candidates):
                if first[1] != second[1]:
                    pair("copies", first, second)
    for kind, pairs in found.items():
        how = "symlinks or hard links to one file" if kind == "links" else "byte-identical copies of one file"
        for where, both in pairs.items():
            report.setdefault(where, []).extend(both)
            shown = quoted([f"{a} = {b}" for a, b in both], 3)
            if isinstance(where, str):
                logger.warning(LINKED_IN_SPLIT, where, len(both), how, shown)
            else:
                logger.warning(LINKED_ACROSS_SPLITS, len(both), *where, how, shown)
