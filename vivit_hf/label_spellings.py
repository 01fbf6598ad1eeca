# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The one rule for class names an earlier version of vivit_hf wrote otherwise than the same data's names are read
now: a model or checkpoint of then is matched by name with its data read now, by evaluate.py's class match
(`training.evaluation.check_labels`), a resume's label check (`training.resume.check_resume_labels`) and
`from_vivit_checkpoint`'s classifier rows (`conversion.restart`). Each kept a rule of its own, and the restart knew only
one of the two respellings. It lives below every layer, as `repo_id` does, so that the conversion (which may not
import training) asks it too; the data's own naming rules are `training.data.labels`'. Here too: what is no class
name at all (`placeholder`, transformers' `LABEL_<i>`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# transformers' name for a class given none (`PreTrainedConfig`'s default `id2label`, `LABEL_<i>`): no class's name
PLACEHOLDER_NAME = re.compile(r"LABEL_\d+")


def placeholder(name: str) -> bool:
    """Whether `name` is transformers' placeholder for an unnamed class (`LABEL_<i>`, at any index), not a class name:
    the one rule of the restart's classifier match (`conversion.restart`, which matches no class by it) and of
    `classifier_init="copy"` (`conversion.vit_init`, whose ViT's names replace it). Each kept a rule of its own, and
    the copy took `LABEL_3` at index 0 for a name the user gave, where the restart read it as none."""
    return PLACEHOLDER_NAME.fullmatch(name) is not None


def float_ids_as_named_now(names: Sequence[str]) -> list[str]:
    """`names` with each `'<i>.0'` at id i named `'<i>'`: earlier versions named a float label column's ids (0.0, 1.0,
    from parquet or pandas) `'0.0'`, `'1.0'`, which `label_vocabulary` now names as it names integer ids; a model or a
    checkpoint of then is matched with its data read now."""
    return [str(i) if name == f"{i}.0" else name for i, name in enumerate(names)]


def text_labels_as_read_now(names: Sequence[str]) -> list[str]:
    """`names` that end in a newline without their surrounding blanks: earlier versions kept the newline that ends a
    WebDataset `<key>.txt` label (`'cat\\n'`), which `text_label` now strips; a model or a checkpoint of then is
    matched with its data read now (not refused as not knowing a class of its own data, `'cat'`). Other names stay
    as they are (`dog `, a folder's name, is still a class apart from `dog`), and so does one of blanks alone."""
    return [name.strip() or name if name.endswith("\n") else name for name in names]


# Every way an earlier version's class names (index = id) are respelt as the same data's are read now; a third goes here
AS_READ_NOW = (float_ids_as_named_now, text_labels_as_read_now)


def ids_by_name_as_read_now(names: Sequence[str]) -> dict[str, int]:
    """Each class's id by its name in `names` (index = id; of a name given twice, the last), and by every respelling
    of it in `AS_READ_NOW` that no name given already is."""
    ids = {name: i for i, name in enumerate(names)}
    for respell in AS_READ_NOW:
        for i, name in enumerate(respell(names)):
            ids.setdefault(name, i)
    return ids


def named_alike(then: Sequence[str], now: Sequence[str]) -> bool:
    """Whether `now` (index = id) is `then` as it is read now: the same list, or one of its `AS_READ_NOW`
    respellings."""
    now = list(now)
    return now == list(then) or any(now == respell(then) for respell in AS_READ_NOW)
