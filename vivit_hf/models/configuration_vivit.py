# Copyright 2026 The vivit_hf Authors.
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.
"""Configurations of the four ViViT models (Arnab et al., ICCV 2021, §3.3).

Field names follow transformers' `VivitConfig` where they overlap, so people and transformers' own test
tooling find them; defaults are ViViT-B/16x2 at 32x224x224 with scenic's numerics (tanh GELU, eps 1e-6).
This module imports only the standard library, numpy and transformers: it travels with `trust_remote_code` checkpoints.
"""

import json
import math
import numbers
from collections.abc import Mapping

import numpy as np
from transformers import PreTrainedConfig
from transformers.activations import ACT2FN
from transformers.utils import logging

from .loading_checks import leave_out, vivit_hf_note

logger = logging.get_logger(__name__)

EMBEDDING_TYPES = ("tubelet", "frame_sampling")
# scenic's classifiers: `token` pools a prepended CLS token, `0` the first patch token (no CLS), and
# `gap` / `gmp` / `gsp` the mean / max / sum over every token.
CLASSIFIERS = ("token", "0", "gap", "gmp", "gsp")
POOLING_CLASSIFIERS = ("gap", "gmp", "gsp")
ATTENTION_ORDERS = ("space_time", "time_space")


# ---------------------------------------------------------------------------------------- uniform frame sampling (§3.2)
# Embedding arithmetic, kept here rather than in modeling_blocks.py: the config's `token_grid` needs it, and this
# module imports no modeling code (the models import it).
def uniform_frame_indices(num_frames: int, num_samples: int) -> list[int]:
    """Indices of the frames scenic's `sample_frames_uniformly` keeps: the `frame_sampling` embedding's rule (§3.2).

    With `num_samples < num_frames`, start = step = `num_frames / (num_samples + 1)` and the picks are
    `round(start + i * step)` (round half to even, as numpy/jax) below `num_frames`; e.g. 6 frames, 3 samples
    give [2, 3, 4]. Otherwise every frame is kept. The float32 arange reproduces scenic's arithmetic exactly, quirks
    included: where round-off puts one more value below `num_frames`, scenic keeps `num_samples + 1` frames (4 frames,
    2 samples give [1, 3, 3]); the model does the same, so converted checkpoints keep their position-embedding size
    (checked against jax 0.10.2 for every `num_frames < 150`). The video processor's `sampling_mode="uniform"`
    samples exactly `n` frames of a whole video instead (`vivit_hf.processing.sampling.uniform_indices`).
    """
    length = uniform_frame_count(num_frames, num_samples)
    if num_samples >= num_frames:
        return list(range(num_frames))
    # numpy's `arange(step, num_frames, step, dtype=float32)` in plain Python, so that `torch.compile` traces the
    # model without a graph break (numpy and `.tolist()` broke it, and the ints crossing the break became guards):
    # the length in float64, the first two values cast to float32, the rest `start + i * (second - start)` in float32.
    step = num_frames / (num_samples + 1)
    start, second = _float32(step), _float32(step + step)
    delta = _float32(second - start)
    positions = [start, second][:length] + [_float32(start + _float32(i * delta)) for i in range(2, length)]
    return [min(round(position), num_frames - 1) for position in positions]  # round: half to even, as numpy


def uniform_frame_count(num_frames: int, num_samples: int) -> int:
    """How many frames `uniform_frame_indices` keeps (numpy's arange length, in float64), without picking them: the
    token grid and the straddling layout need the count alone, and a forward picks the frames once (in the
    embedding), not once more for each of them."""
    if num_frames <= 0 or num_samples <= 0:
        raise ValueError(
            f"uniform frame sampling needs positive counts, got {num_frames} frames, {num_samples} samples"
        )
    if num_samples >= num_frames:
        return num_frames
    step = num_frames / (num_samples + 1)
    return math.ceil((num_frames - step) / step)


def _float32(value: float) -> float:
    """`value` rounded to the nearest float32 (ties to even), in plain Python: a 24-bit significand."""
    if value == 0:
        return 0.0
    significand, exponent = math.frexp(value)
    return math.ldexp(round(math.ldexp(significand, 24)), exponent - 24)


def stacked_frame_grid(
    sampled: int, height: int, width: int, patch: tuple[int, int], split_tokens: bool = False
) -> tuple[int, int, int]:
    """The token grid of scenic's frame sampling, which stacks the `sampled` frames along the height axis and patches
    the (sampled * height, width) image with one 2D convolution (VALID): (t, rows per frame, columns) when the
    patch rows split evenly among the frames (always when `height` is a multiple of the patch height, and then each
    patch lies in one frame); otherwise one temporal index of `sampled * height // patch height` rows, some of whose
    patches straddle two frames (scenic's Model 1 flattens them; its Model 2 cannot split them per frame). With
    `split_tokens` (Models 3 and 4, whose scenic encoder views the flat tokens as (t, tokens / t) whatever the rows)
    the token count still splits evenly among the frames: (t, 1, tokens / t), each temporal index a run of tokens."""
    rows, columns = sampled * height // patch[0], width // patch[1]
    if rows % sampled == 0:
        return sampled, rows // sampled, columns
    if split_tokens and rows * columns % sampled == 0:
        return sampled, 1, rows * columns // sampled
    return 1, rows, columns


def checked_frame_sampling_grid(
    sampled: int, height: int, width: int, patch: tuple[int, int], split_tokens: bool, may_straddle: bool, model: str
) -> tuple[int, int, int]:
    """`stacked_frame_grid`, refused where its patches straddle frames and their rows (or tokens, `split_tokens`) do
    not split among the frames, which `model` (a class name) needs unless it `may_straddle` (Model 1): the one
    refusal of such a height, whether `image_size` asks for it (the config) or the frames given have it (the
    embedding, at another size). The two said it in other words."""
    grid = stacked_frame_grid(sampled, height, width, patch, split_tokens)
    if grid[0] != sampled and not may_straddle:
        raise ValueError(
            f"a height of {height} pixels is not a multiple of the patch height {patch[0]}: frame sampling stacks the "
            f"{sampled} sampled frames along the height and patches them at once, so some patches straddle two "
            f"frames, and their {'tokens' if split_tokens else 'patch rows'} do not split evenly among the {sampled} "
            f"frames, which {model} needs (scenic's fails there too); use frames (`image_size`) of a height that is "
            f"a multiple of {patch[0]}."
        )
    return grid


def straddling_layout(sampled: int, height: int, width: int, patch: tuple[int, int]) -> tuple[int, int] | None:
    """The (patch rows, columns) of frame sampling's tall image where its patch rows do not split evenly among the
    `sampled` frames (`stacked_frame_grid`: some patches straddle two frames, and the token grid, (1, rows, columns)
    or (t, 1, tokens / t), has no axis of image rows); None where each frame has rows of its own. A position table
    of such tokens is laid out over the tall image, so it is resized over it (`ViViTEncoder.position_table`).

    Where the rows do split evenly though the height is no multiple of the patch height (3 frames 17-21 pixels high,
    patch 16: 3 rows), the grid keeps its (t, h, w) axes, as scenic reshapes it, and so does the resize: frame f's
    rows start f * (height % patch) pixels early (under a patch; the last frame's bottom rows fall off the VALID
    convolution), and the trained table resized per frame lies nearer the tokens' true places than over the tall
    image (0.72 against 0.85 trained patch rows off on average, 3 frames from 224 to each such height below 400)."""
    grid = stacked_frame_grid(sampled, height, width, patch)
    return None if grid[0] == sampled else grid[1:]


# -------------------------------------------------------------------- named label spaces (Epic Kitchens' noun and verb)
def checked_label_spaces(label_spaces) -> dict[str, int] | None:
    """`label_spaces` with str head names (as JSON keeps them) and int counts, or None (one head); a ValueError naming
    the expected form for anything else."""
    if label_spaces is None:
        return None
    if (
        not isinstance(label_spaces, dict)
        or not label_spaces
        or any(not isinstance(v, numbers.Integral) or isinstance(v, bool) or v <= 0 for v in label_spaces.values())
    ):
        raise ValueError(
            f"`label_spaces` must map head names to positive class counts, e.g. {{'noun': 300, 'verb': 97}}, or be "
            f"None for one head, got {label_spaces!r}."
        )
    return {str(name): int(size) for name, size in label_spaces.items()}


# config.json key of the heads' order: transformers writes configs with sorted keys, nested dicts too, so the saved
# `label_spaces` come back alphabetical, while the classifier's columns are split in the order the heads were given.
LABEL_SPACES_ORDER = "label_spaces_order"


def ordered_label_spaces(label_spaces, order):
    """The saved `label_spaces` (keys sorted by the JSON writer) back in the saved head `order` (None: as they are).
    The one rule for `from_dict` and the constructor (`Config(**json.load(f))`); an order beside no heads (one head)
    orders nothing and is dropped."""
    if order is None or not isinstance(label_spaces, dict):
        return label_spaces
    names = list(order) if isinstance(order, (list, tuple)) else None
    if names is None or not all(isinstance(name, str) for name in names) or sorted(names) != sorted(label_spaces):
        raise ValueError(
            f"the saved `{LABEL_SPACES_ORDER}` {order!r} does not name the heads of `label_spaces` {label_spaces}: "
            f"list each head once, in the order of the classifier's columns."
        )
    return {name: label_spaces[name] for name in order}


def _other_fields_said(others: Mapping) -> tuple[str, str]:
    """What the refusals of `label_spaces_over` add for the other fields `from_pretrained` was given beside
    `label_spaces` (`others`: name -> (given, the checkpoint's)): the sentence naming them, and the restart's
    keywords. A split refused beside `num_frames=8` said "leave label_spaces out to run it as trained", and the load
    so retried met the grid's refusal next."""
    if not others:
        return "", ""
    named = ", ".join(f"{name}={given!r} (the checkpoint's: {saved!r})" for name, (given, saved) in others.items())
    return (
        f" Beside it, {named} {'is' if len(others) == 1 else 'are'} not as trained either.",
        "".join(f", {name}={given!r}" for name, (given, _) in others.items()),
    )


def label_spaces_over(saved, given, saved_classes: int | None = None, others: Mapping | None = None):
    """`from_pretrained(path, label_spaces=given)` over a checkpoint whose heads are `saved` (None: one head of
    `saved_classes`). The classifier's shape is
    their sum, so where `given` sums to the checkpoint's, its trained rows load whatever the heads: the same heads in
    another order would take each other's rows ({"verb": 3, "noun": 5} over noun 5, verb 3 would score verbs with noun
    rows), other sizes of that sum would read rows of other classes. So the same heads keep the checkpoint's order
    (its rows' order); other sizes of its sum are refused. Another sum gets a fresh classifier.
    One head split into several of its total ({"verb": 2, "noun": 3} over one head of 5) is refused alike: its
    rows, trained for one softmax over 5 classes, would be read as two heads'. `others`: the other fields
    given that are not the checkpoint's, named in the refusal too (`_other_fields_said`)."""
    given = checked_label_spaces(given)
    others = others or {}
    also, restart = _other_fields_said(others)
    if not saved and given and len(given) > 1 and sum(given.values()) == saved_classes:
        leave = leave_out(["label_spaces", *others])
        raise ValueError(
            f"`label_spaces` {given} split the checkpoint's one classifier head of {saved_classes} classes into "
            f"{len(given)} heads, so its trained rows would be read as other classes.{also} L{leave[1:]} to run "
            f"it as trained, or give heads of another total with ignore_mismatched_sizes=True for a fresh classifier "
            f"(`model, report = vivit_hf.conversion.from_vivit_checkpoint(path, label_spaces=...{restart})` starts "
            f"new heads fresh at any total)." + vivit_hf_note()
        )
    if (
        not (saved and given)
        or sum(given.values()) != sum(saved.values())
        or (given == saved and list(given) == list(saved))
    ):
        return given
    if given == saved:  # the same heads, in another order: the checkpoint's order is its rows'
        return dict(saved)
    if list(given.values()) == list(saved.values()):  # heads renamed, each over the same rows
        return given
    raise ValueError(
        f"`label_spaces` {given} split the checkpoint's {sum(saved.values())} classifier rows otherwise than its own "
        f"{saved}, so its trained rows would be read as other classes.{also} Give its own heads (in any order)"
        f"{f' and {leave_out(list(others))} to run it as trained,' if others else ','} or heads of "
        f"another total with ignore_mismatched_sizes=True for a fresh classifier "
        f"(`model, report = vivit_hf.conversion.from_vivit_checkpoint(path, label_spaces=...{restart})` starts "
        f"new heads fresh at any total)." + vivit_hf_note()
    )


def refuse_names_of_another_count(id2label, label_spaces, saved: bool = False):
    """A ValueError where `id2label` does not name each of the classes `label_spaces` split one classifier into: the
    base class would take the names' count for `num_labels`, the classifier's width, or replace a user's names by
    LABEL_i ones; refused here, a saved config's as a user's, before any model is built."""
    spaces = checked_label_spaces(label_spaces)
    if not spaces or id2label is None or len(id2label) == sum(spaces.values()):
        return
    total = sum(spaces.values())
    names, heads = ("the saved `id2label`", "its `label_spaces`") if saved else ("`id2label`", "`label_spaces`")
    raise ValueError(
        f"{names} names {len(id2label)} classes but {heads} {spaces} sum to {total}: the heads split one classifier "
        f"of {total} outputs, one name each, in the heads' order (e.g. 'noun:knife'). Give {total} names, or no "
        f"`id2label` (LABEL_0 ... LABEL_{total - 1}), or heads that sum to {len(id2label)}."
    )


def refuse_problem_type_of_label_spaces(problem_type, label_spaces):
    """A ValueError where `problem_type` asks label spaces for a loss other than theirs: each head takes one class per
    clip, with cross-entropy over its own classes (scenic's multi-head model): a multi-label or regression problem type
    would be trained as that cross-entropy all the same (and the pipeline would score the heads with a sigmoid)."""
    if not label_spaces or problem_type in (None, "single_label_classification"):
        return
    raise ValueError(
        f"`problem_type={problem_type!r}` does not go with `label_spaces` {dict(label_spaces)}: each named head takes "
        f"one class index per clip and is trained with cross-entropy over its own classes. Leave `problem_type` unset "
        f"(or 'single_label_classification'), or set `label_spaces=None` for one head of "
        f"{sum(label_spaces.values())} outputs under {problem_type!r}."
    )


# -------------------------------------------------------- a saved config under from_pretrained's keywords (`from_dict`)
def label_spaces_and_names_over_saved(config_dict: dict, kwargs: dict, others: Mapping | None = None) -> None:
    """`from_pretrained`'s `label_spaces` and `id2label` / `label2id` keywords moved from `kwargs` into the saved
    `config_dict`, and the saved heads put back in their order (`label_spaces_order`), so the constructor checks
    them together; a saved `id2label` of another count than the saved heads is refused. `others`: the other fields
    given that are not the saved ones (name -> (given, saved)), which a refusal of the heads names too."""
    # from_pretrained's `label_spaces` keyword replaces the saved one before the config is built (transformers
    # would set it only afterwards), so a `num_labels` keyword given with it is checked against it, not against
    # the saved heads.
    order = config_dict.pop(LABEL_SPACES_ORDER, None)
    saved_spaces = ordered_label_spaces(config_dict.get("label_spaces"), order)
    if "label_spaces" in kwargs:
        # (a base model's folder has no head to split: its class count is the config's default)
        headed = any(name.endswith("ForVideoClassification") for name in config_dict.get("architectures") or ())
        saved_classes = (len(config_dict.get("id2label") or {}) or config_dict.get("num_labels")) if headed else None
        config_dict["label_spaces"] = label_spaces_over(saved_spaces, kwargs.pop("label_spaces"), saved_classes, others)
        # the saved class names are the saved heads' (or the one head's): heads of another sum leave them naming
        # no class, so the new heads get LABEL_i names, as a config built with them does
        spaces = checked_label_spaces(config_dict["label_spaces"])
        if spaces and len(config_dict.get("id2label") or {}) not in (0, sum(spaces.values())):
            config_dict["id2label"] = config_dict["label2id"] = None
    else:
        config_dict["label_spaces"] = saved_spaces
        if "id2label" not in kwargs:  # else the names given replace the saved ones
            refuse_names_of_another_count(config_dict.get("id2label"), saved_spaces, saved=True)
    if config_dict["label_spaces"] and "id2label" in kwargs:
        # Names given for heads meet the constructor's check: transformers would set them on the built config, where
        # a count other than the heads' sum would be refused only when the model is built, as a wrong `num_labels`.
        config_dict["id2label"] = names = kwargs.pop("id2label")
        config_dict["label2id"] = kwargs.pop("label2id", None) or (
            names and {name: int(i) for i, name in names.items()}
        )


def refuse_one_class_of_single_label(config_dict: dict, kwargs: dict) -> None:
    """A ValueError for `from_pretrained(path, num_labels=1)` over a config that is (or is asked to be) single-label."""
    # transformers' constructor refuses single-label with one output (cross-entropy over one class is 0 whatever
    # the logits), but sets `num_labels` past it: a classifier's checkpoint (its first labels saved
    # 'single_label_classification') loaded with num_labels=1 for a regression trained on a loss of 0.
    problem_type = kwargs.get("problem_type", config_dict.get("problem_type"))
    if kwargs.get("num_labels") == 1 and problem_type == "single_label_classification":
        raise ValueError(
            "`num_labels=1` with problem_type='single_label_classification' (saved by the checkpoint: a "
            "classifier's first labels set it): cross-entropy over one class is 0 whatever the logits. For a "
            "regression head load with `num_labels=1, problem_type='regression'`; for two classes use num_labels=2."
        )


def _drop_saved_num_sampled_frames(config_dict: dict, kwargs: dict) -> None:
    """A saved `num_sampled_frames` that a config loaded as tubelets would be refused for (a count only the user can
    give beside tubelets is refused): dropped, as tubelets never read it. It is the frame-sampling model's own (the
    constructor fills it in, and `from_pretrained(path, embedding_type="tubelet")` must not refuse a count the user
    never gave), or one saved beside tubelets unread by versions before the refusal (so their checkpoints load)."""
    saved = config_dict.get("num_sampled_frames")
    if saved is None or "num_sampled_frames" in kwargs:
        return
    if "embedding_type" not in kwargs:
        # once a process: a recipe loads the config more than once (predict.py said it twice), and only a save ends it
        logger.warning_once(
            "this config was saved with num_sampled_frames=%s beside embedding_type 'tubelet', which embeds every "
            "frame and never read it: dropped (save the model again, save_pretrained, to write it without)",
            saved,
        )
    config_dict["num_sampled_frames"] = None


# --------------------------------------------------------------------------------------------------------- field checks
def _python_value(value):
    """`value` with numpy scalars and arrays as the Python numbers and lists they hold (in lists, tuples and dict
    values too); anything else as it is. `np.bool_(False)` from a sweep or an argparse type was taken for `qkv_bias`
    and `save_pretrained` then failed, "Object of type bool is not JSON serializable"; `np.int64(16)` frames were
    refused as "must be a positive integer". Read as the processor reads its options (`processor_options`)."""
    if isinstance(value, (np.generic, np.ndarray)):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return type(value)(_python_value(item) for item in value)
    if isinstance(value, dict):
        return {key: _python_value(item) for key, item in value.items()}
    return value


def _positive_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _check_counts(config, names: tuple[str, ...], allow_zero: bool = False, allow_none: bool = False) -> None:
    """Refuse a field of `names` that is no whole count (at least 1, or 0 with `allow_zero`; None with `allow_none`):
    a bool is an int to Python, and `True` for a size ran a tubelet of 1 (or failed deep in torch)."""
    for name in names:
        value = getattr(config, name)
        if value is None and allow_none:
            continue
        if not isinstance(value, int) or isinstance(value, bool) or value < (0 if allow_zero else 1):
            kind = "a non-negative integer" if allow_zero else "a positive integer"
            raise ValueError(f"`{name}` must be {kind}{' or None' * allow_none}, got {value!r}.")


def _check_flag(config, name: str) -> None:
    """Refuse a switch that is no bool: a string ("false") is true, and built what it meant to leave out."""
    value = getattr(config, name)
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"`{name}` must be True or False, got {value!r}.")


def _class_count(num_labels) -> int:
    """`num_labels` as an int (numpy's, `labels.max() + 1`, as transformers' VivitConfig takes it), or a ValueError.
    transformers makes a negative count no label (range(-1) is empty): the model then had no classifier and returned
    its pooled features as `logits`, what num_labels=0 asks for (scenic's `return_prelogits`)."""
    if not isinstance(num_labels, numbers.Integral) or isinstance(num_labels, (bool, np.bool_)) or num_labels < 0:
        raise ValueError(
            f"`num_labels` must be a non-negative integer (0: no classifier, the logits are the pooled features), "
            f"got {num_labels!r}."
        )
    return int(num_labels)


def _pair(value):
    return (value, value) if isinstance(value, int) else tuple(value)


# ---------------------------------------------------------------------------------------------------- the shared config
class ViViTConfig(PreTrainedConfig):
    r"""
    Shared fields of every ViViT variant. Use one of the four subclasses; each documents its own fields and the
    defaults it changes below its own `Args:`, transformers' `PreTrainedConfig` the common ones (`num_labels`, ...).

    Args:
        image_size (`int` or `tuple[int, int]`, *optional*, defaults to 224):
            Input frame size, square or `(height, width)`.
        num_frames (`int`, *optional*, defaults to 32):
            Frames per clip given to the model.
        num_channels (`int`, *optional*, defaults to 3):
            Channels per frame.
        tubelet_size (`tuple[int, int, int]`, *optional*, defaults to `(2, 16, 16)`):
            The tubelet embedding's kernel (= stride, §3.2), `[t, h, w]`; kept as a list. With
            `embedding_type="frame_sampling"` only the spatial part `h, w` is used.
        embedding_type (`str`, *optional*, defaults to `"tubelet"`):
            `"tubelet"`, the tubelet embedding (a 3D convolution), or `"frame_sampling"`, uniform frame sampling
            (`num_sampled_frames` frames picked with scenic's rule, each patched like ViT).
        num_sampled_frames (`int`, *optional*):
            Frames kept by uniform frame sampling; with `embedding_type="frame_sampling"` it defaults to
            `num_frames // tubelet_size[0]`. Refused with `embedding_type="tubelet"`, which embeds every frame.
        hidden_size (`int`, *optional*, defaults to 768):
            Width of the tokens and of every encoder.
        num_hidden_layers (`int`, *optional*, defaults to 12):
            Blocks of the encoder (Model 2: of its spatial encoder). 0 is taken, as scenic takes it.
        num_attention_heads (`int`, *optional*, defaults to 12):
            Attention heads of every block (Model 2: of its spatial encoder); must divide `hidden_size`.
        intermediate_size (`int`, *optional*, defaults to 3072):
            Width of the MLP's hidden layer (Model 2: of its spatial encoder).
        hidden_act (`str`, *optional*, defaults to `"gelu_pytorch_tanh"`):
            The MLP's activation, one of transformers' `ACT2FN`; scenic (flax) uses the tanh approximation of GELU.
        hidden_dropout_prob (`float`, *optional*, defaults to 0.0):
            Dropout after the position embeddings, the attention and each MLP layer.
        attention_probs_dropout_prob (`float`, *optional*, defaults to 0.0):
            Dropout of the attention weights.
        drop_path_rate (`float`, *optional*, defaults to 0.0):
            Stochastic depth with scenic's semantics: block `l` of `L` drops each residual branch per example with
            probability `l / max(L - 1, 1) * drop_path_rate`, without rescaling kept branches.
        initializer_range (`float`, *optional*, defaults to 0.02):
            Standard deviation of the truncated normal that draws the linear and convolution kernels and the position
            embeddings (biases and CLS tokens start at zero, LayerNorms at one).
        layer_norm_eps (`float`, *optional*, defaults to 1e-6):
            Epsilon of every LayerNorm (scenic's; transformers' `VivitConfig` defaults to 1e-6 too, its ViT to 1e-12).
        qkv_bias (`bool`, *optional*, defaults to `True`):
            Whether the query, key and value projections have biases.
        classifier (`str`, *optional*, defaults to `"token"`):
            scenic's pooling: `"token"` a prepended CLS token's output, `"0"` the first patch token's output (no CLS),
            `"gap"` / `"gmp"` / `"gsp"` the mean / max / sum over every token.
        representation_size (`int`, *optional*):
            Width of scenic's `pre_logits` layer (dense + tanh) before the classifier; none when unset.
        label_spaces (`dict[str, int]`, *optional*):
            Named label spaces sharing one output projection, e.g. Epic Kitchens `{"noun": 300, "verb": 97}`, the
            classifier's columns in this order (saved with it as `label_spaces_order`, since config.json sorts
            keys); `num_labels` becomes their sum, also when `label_spaces` is set later (`config.label_spaces =
            ...`, or `from_pretrained(..., label_spaces=...)`). A `num_labels` that is not their sum is refused (set
            `label_spaces=None` for one head), as are an `id2label` of another count and a `problem_type` other than
            single-label (each head is trained with cross-entropy).
    """

    model_type = "vivit_base"
    # Models 3 and 4 have no CLS token: scenic refuses `token` for them.
    allowed_classifiers = CLASSIFIERS
    # Whether frame sampling may give patches that straddle two frames (one flat temporal index): only Model 1, whose
    # attention does not need the tokens split per frame.
    frame_sampling_may_straddle = False
    # Whether such tokens are split per temporal index by their count alone (`stacked_frame_grid`): Models 3 and 4,
    # as scenic's encoder reshapes them.
    frame_sampling_splits_tokens = False

    image_size: int | list[int] | tuple[int, int] = 224
    num_frames: int = 32
    num_channels: int = 3
    tubelet_size: list[int] | tuple[int, ...] = (2, 16, 16)
    embedding_type: str = "tubelet"
    num_sampled_frames: int | None = None
    hidden_size: int = 768
    num_hidden_layers: int = 12
    num_attention_heads: int = 12
    intermediate_size: int = 3072
    hidden_act: str = "gelu_pytorch_tanh"
    hidden_dropout_prob: float | int = 0.0
    attention_probs_dropout_prob: float | int = 0.0
    drop_path_rate: float | int = 0.0
    initializer_range: float = 0.02
    layer_norm_eps: float = 1e-6
    qkv_bias: bool = True
    classifier: str = "token"
    representation_size: int | None = None
    label_spaces: dict[str, int] | None = None

    @classmethod
    def from_dict(cls, config_dict: dict, **kwargs):
        """transformers' `from_dict`, after refusing another model's checkpoint (`_refuse_another_models_config`), with
        from_pretrained's keywords of this config's fields joined to the saved ones before the constructor checks
        them (`label_spaces_and_names_over_saved`, the rest below)."""
        cls._refuse_another_models_config(config_dict)
        config_dict = dict(config_dict)
        label_spaces_and_names_over_saved(config_dict, kwargs, cls._fields_not_saved(config_dict, kwargs))
        refuse_one_class_of_single_label(config_dict, kwargs)
        if kwargs.get("embedding_type", config_dict.get("embedding_type", "tubelet")) == "tubelet":
            _drop_saved_num_sampled_frames(config_dict, kwargs)
        # transformers sets from_pretrained's other keywords on the built config, past `validate_vivit` and the
        # defaults derived at construction: Model 4 loaded with num_attention_heads=3 ran one time head and two space
        # heads, Model 3 with attention_order="space-time" attended over time only, embedding_type="frame_sampling"
        # kept no sampled frame count. Our fields join the saved ones in the constructor, checked as a new config's.
        for name in cls.vivit_fields() & kwargs.keys():
            config_dict[name] = kwargs.pop(name)
        return super().from_dict(config_dict, **kwargs)

    @classmethod
    def _fields_not_saved(cls, config_dict: dict, kwargs: dict) -> dict:
        """This config's fields (but `label_spaces`) among from_pretrained's keywords whose values are not the saved
        ones (a field config.json leaves out: the class's default), as name -> (given, saved)."""

        def as_saved(name, value):  # (as config.json writes it: a tuple is a list; image_size 32 is (32, 32))
            value = _python_value(value)
            if name == "image_size" and isinstance(value, (int, list, tuple)):
                value = _pair(value)
            return json.loads(json.dumps(value, default=str))

        saved = {name: config_dict.get(name, getattr(cls, name, None)) for name in cls.vivit_fields() & kwargs.keys()}
        return {
            name: (kwargs[name], saved[name])
            for name in sorted(saved)
            if name != "label_spaces" and as_saved(name, kwargs[name]) != as_saved(name, saved[name])
        }

    @classmethod
    def _refuse_another_models_config(cls, config_dict: dict) -> None:
        """A ValueError where `config_dict` is transformers' own ViViT's or another variant's: its weights load into
        this class by name with nothing missing, or with every weight missing, and compute another function."""
        # transformers' own ViViT names its weights differently: loaded into these classes, every weight would be
        # reported missing and left at its random initialisation.
        if config_dict.get("model_type") == "vivit":
            raise ValueError(
                "this is a checkpoint of transformers' own ViViT (model_type 'vivit'), whose weights have other "
                "names: convert it with `ViViTSpatioTemporalForVideoClassification.from_transformers_vivit(path)` "
                "(or `ViViTSpatioTemporalModel.from_transformers_vivit`), or with `python -m vivit_hf.convert "
                "transformers`." + vivit_hf_note()
            )
        # Models 1 and 4 name their weights alike (as do other pairs): one loaded into the other's class would run
        # another attention over the same weights, with nothing missing to warn of (transformers only notes the type).
        saved = config_dict.get("model_type")
        variants = {sub.model_type: sub for sub in ViViTConfig.__subclasses__()}
        if saved in variants and cls.model_type in variants and saved != cls.model_type:
            raise ValueError(
                f"this is a checkpoint of {variants[saved].__name__.replace('Config', '')} (model_type {saved!r}), "
                f"not of {cls.__name__.replace('Config', '')} ({cls.model_type!r}): load it with "
                f"AutoModelForVideoClassification / AutoModel, or with its own classes."
            )

    @classmethod
    def vivit_fields(cls) -> set[str]:
        """The fields this config class declares (the shared ones and its variant's), not transformers' own."""
        return {
            name
            for klass in cls.__mro__
            if isinstance(klass, type) and issubclass(klass, ViViTConfig)
            for name in vars(klass).get("__annotations__", {})
        }

    def to_dict(self) -> dict:
        """transformers' `to_dict`, plus the heads' order (`label_spaces_order`) where there are label spaces: the
        JSON file sorts `label_spaces` by name, and `from_dict` puts them back in this order."""
        output = super().to_dict()
        output.pop("_label_spaces_resize", None)  # how the object behaves, not a setting
        if self.label_spaces:
            output[LABEL_SPACES_ORDER] = list(self.label_spaces)
        return output

    def __setattr__(self, key, value):
        # A numpy number for one of our fields is its Python number, given or set later (`_python_value`); numpy's
        # `num_labels` is taken as its int in `__post_init__`, as transformers' VivitConfig takes it.
        if isinstance(value, (np.generic, np.ndarray, list, tuple, dict)) and key in type(self).vivit_fields():
            value = _python_value(value)
        # Set after construction (transformers sets from_pretrained's keywords and `update`'s this way), label spaces
        # resize the classifier as they do at construction: `num_labels` (and a stale `id2label`) follow their sum.
        if key == "label_spaces" and getattr(self, "_label_spaces_resize", False):
            value = checked_label_spaces(value)
            refuse_problem_type_of_label_spaces(self.problem_type, value)
            super().__setattr__(key, value)
            if value:
                self.num_labels = sum(value.values())
            return
        if key == "problem_type" and getattr(self, "_label_spaces_resize", False):  # from_pretrained's keyword too
            refuse_problem_type_of_label_spaces(value, self.label_spaces)
        super().__setattr__(key, value)

    def check_num_labels(self, num_labels: int | None = None):
        """Raise a `ValueError` where `num_labels` (the config's own by default) is not the sum of `label_spaces`: one
        classifier serves every head, and its columns are split by `label_spaces`."""
        num_labels = self.num_labels if num_labels is None else num_labels
        if self.label_spaces and num_labels != sum(self.label_spaces.values()):
            raise ValueError(
                f"`num_labels` is {num_labels} but `label_spaces` {self.label_spaces} sum to "
                f"{sum(self.label_spaces.values())}: the named heads split one classifier's outputs. For one head of "
                f"{num_labels} classes set `label_spaces=None` (e.g. `from_pretrained(path, num_labels={num_labels}, "
                f"label_spaces=None)`); for named heads give `label_spaces` alone, `num_labels` follows their sum."
            )

    def __post_init__(self, **kwargs):
        if kwargs.get("num_labels") is not None:
            kwargs["num_labels"] = _class_count(kwargs["num_labels"])
        # A config built from a saved config.json (`Config(**json.load(f))`) gets the heads sorted by name and their
        # order beside them: the order restores the classifier's columns to their heads, and is popped so it is not
        # kept as a stray attribute (saved again beside one head).
        order = kwargs.pop(LABEL_SPACES_ORDER, None)
        self.label_spaces = ordered_label_spaces(checked_label_spaces(self.label_spaces), order)
        if self.label_spaces:
            if kwargs.get("num_labels") is not None:
                self.check_num_labels(kwargs["num_labels"])
            kwargs["num_labels"] = sum(self.label_spaces.values())
            # The base class would take the names' count for num_labels. A saved config's names of the heads it had
            # before `from_pretrained(path, label_spaces=...)` are dropped in `from_dict`; any other is the user's.
            refuse_names_of_another_count(self.id2label, self.label_spaces)
        # Only sequences become lists; anything else (32.0, "224") is left for validate_vivit to name.
        if isinstance(self.image_size, (list, tuple)):
            self.image_size = list(self.image_size)
        if isinstance(self.tubelet_size, (list, tuple)):
            self.tubelet_size = list(self.tubelet_size)
        if self.embedding_type == "frame_sampling" and self.num_sampled_frames is None and self._valid_tubelet():
            self.num_sampled_frames = self.num_frames // self.tubelet_size[0]
        self.validate_vivit()
        self._warn_of_a_cls_token_that_sees_no_video()
        super().__post_init__(**kwargs)
        # From here on a new `label_spaces` resizes the classifier (`__setattr__`). The mark is ours: transformers'
        # own (`_post_init_done`) came with 5.25, and before it label spaces set later left num_labels as it was.
        self._label_spaces_resize = True

    # ------------------------------------------------------------------ validation
    def _valid_tubelet(self):
        return (
            isinstance(self.tubelet_size, (list, tuple))
            and len(self.tubelet_size) == 3
            and all(_positive_int(s) for s in self.tubelet_size)
            and isinstance(self.num_frames, int)
        )

    def validate_vivit(self):
        """Raise a `ValueError` naming the field and the fix for every invalid combination."""
        _check_counts(self, ("num_frames", "num_channels", "hidden_size", "num_attention_heads", "intermediate_size"))
        # scenic's encoder takes 0 blocks (position embeddings, then its final LayerNorm), as Model 2's temporal one
        _check_counts(self, ("num_hidden_layers",), allow_zero=True)
        _check_counts(self, ("representation_size", "num_sampled_frames"), allow_none=True)
        image = self.image_size
        if isinstance(image, int):
            image = [image, image]
        if not (isinstance(image, (list, tuple)) and len(image) == 2 and all(_positive_int(s) for s in image)):
            raise ValueError(f"`image_size` must be a positive int or a (height, width) pair, got {self.image_size!r}.")
        if not self._valid_tubelet():
            raise ValueError(f"`tubelet_size` must be three positive integers [t, h, w], got {self.tubelet_size!r}.")
        t, h, w = self.tubelet_size
        # Sizes that are not multiples of the tubelet are fine: as scenic's VALID-padded strided convolution, the
        # embedding drops the last frames, rows and columns that fill no tubelet (the token grid is the floor).
        # Only an input smaller than one tubelet, which would give no token at all, is refused.
        if image[0] < h or image[1] < w:
            raise ValueError(
                f"`image_size` {tuple(image)} is smaller than the patch size ({h}, {w}) of `tubelet_size`: "
                f"it would give no token; use an image at least one patch high and wide."
            )
        if self.embedding_type not in EMBEDDING_TYPES:
            raise ValueError(f"`embedding_type` must be one of {EMBEDDING_TYPES}, got {self.embedding_type!r}.")
        # Tubelets take every frame: a sampled frame count given with them would be ignored, the user training on all
        # `num_frames` frames believing the model saw the few asked for.
        if self.embedding_type == "tubelet" and self.num_sampled_frames is not None:
            raise ValueError(
                f"`num_sampled_frames={self.num_sampled_frames}` is read only by `embedding_type='frame_sampling'`, "
                f"but `embedding_type` is 'tubelet', whose tubelets of {t} frames embed all {self.num_frames} frames: "
                f"set `embedding_type='frame_sampling'` to keep {self.num_sampled_frames} frames, or leave "
                f"`num_sampled_frames` unset (None)."
            )
        if self.embedding_type == "tubelet" and self.num_frames < t:
            raise ValueError(
                f"`num_frames` ({self.num_frames}) is shorter than the temporal tubelet size {t} "
                f"(`tubelet_size[0]`): it would give no token; use at least {t} frames."
            )
        if self.classifier not in CLASSIFIERS:
            raise ValueError(f"`classifier` must be one of {CLASSIFIERS}, got {self.classifier!r}.")
        if self.classifier not in self.allowed_classifiers:
            raise ValueError(
                f"`classifier={self.classifier!r}` is not available for {type(self).__name__}: as in scenic, this "
                f"model pools over every token (no CLS token); use one of {self.allowed_classifiers}."
            )
        for name in ("hidden_dropout_prob", "attention_probs_dropout_prob", "drop_path_rate"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not 0 <= value < 1:
                raise ValueError(f"`{name}` must be a rate in [0, 1), got {value!r}.")
        if not isinstance(self.hidden_act, str) or self.hidden_act not in ACT2FN:
            raise ValueError(
                f"`hidden_act` must name one of transformers' activations ({', '.join(sorted(ACT2FN))}), "
                f"got {self.hidden_act!r}."
            )
        # A bool is an int to Python: `True` for a size ran a tubelet of 1 (or failed deep in torch), for an eps 1.0;
        # a string for `qkv_bias` ("false") is true, and built the biases it meant to leave out. transformers' strict
        # VivitConfig refuses them all; so do these checks, naming the field.
        for name in ("layer_norm_eps", "initializer_range"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"`{name}` must be a positive number, got {value!r}.")
        _check_flag(self, "qkv_bias")
        checked_label_spaces(self.label_spaces)
        refuse_problem_type_of_label_spaces(self.problem_type, self.label_spaces)
        self._check_frame_sampling_grid(image)

    def validate(self):
        """transformers' validation, which `save_pretrained` runs before it writes config.json so that no folder is
        saved that does not load, plus this config's own (`validate_vivit`, and `num_labels` / `id2label` against
        `label_spaces`). transformers' `@strict` configs check their own fields there and on assignment; ours are not
        `@strict`, so without this a field set on the built config to a value the constructor refuses
        (`config.qkv_bias = "false"`, `config.num_labels = 3` over two heads) would be saved in a folder that fails
        to load, every checkpoint of a run with it. (Not the head counts: as in transformers, a config of any width is
        saved; the model refuses it.)"""
        validate = getattr(super(), "validate", None)  # (transformers before strict configs has none)
        if validate is not None:
            validate()
        try:
            self.check_fields()
        except ValueError as error:
            raise ValueError(
                f"{error} (a field set on the built config: a folder saved with it would not load, so it is not saved)"
            ) from error

    def check_fields(self):
        """What the constructor refuses, asked of the fields as they are now (set since on the built config): each
        field (`validate_vivit`), and `num_labels` / `id2label` against `label_spaces`. `save_pretrained` asks it
        (`validate`) and so does the model's constructor (`check_config_fields`)."""
        self.validate_vivit()
        self.check_num_labels()
        refuse_names_of_another_count(self.id2label, self.label_spaces)

    def encoders_without_blocks(self) -> list[str]:
        """The layer-count fields that are 0: scenic takes such an encoder (position embeddings and its final
        LayerNorm alone), so converted configs keep it."""
        return ["num_hidden_layers"] if self.num_hidden_layers == 0 else []

    def _warn_of_a_cls_token_that_sees_no_video(self):
        # A CLS token is only ever mixed with the video by attention: through an encoder with no block it comes out
        # as it went in, and so does every layer after it (Model 2's temporal encoder then sees t copies of one
        # summary). The classifier reads the same value for every video, so it trains to the class prior without a
        # word. scenic's configs allow it (the converter reproduces such checkpoints), so this warns, not refuses.
        empty = self.encoders_without_blocks()
        if self.classifier == "token" and empty:
            logger.warning(
                f"{type(self).__name__}: `classifier='token'` with {' and '.join(f'`{n}=0`' for n in empty)}: the "
                "CLS token attends to no token of the video, so the model gives the same output for every video (as "
                "scenic does with this config). Use `classifier='gap'` to pool the tokens, or give that encoder at "
                "least one layer."
            )

    def _check_frame_sampling_grid(self, image):
        if self.embedding_type == "frame_sampling":
            checked_frame_sampling_grid(
                self.temporal_tokens(self.num_frames),
                *image,
                self.tubelet_size[1:],
                self.frame_sampling_splits_tokens,
                self.frame_sampling_may_straddle,
                type(self).__name__.removesuffix("Config"),  # (the models' name: ViViTFactorisedEncoder)
            )

    # ------------------------------------------------------------------ derived sizes
    @property
    def image_size_hw(self) -> tuple[int, int]:
        return _pair(self.image_size)

    @property
    def token_grid(self) -> tuple[int, int, int]:
        """(n_t, n_h, n_w): tokens along time, height and width at the configured input size (the floor: leftover
        frames, rows and columns are dropped; for frame sampling, see `stacked_frame_grid`)."""
        height, width = self.image_size_hw
        if self.embedding_type == "frame_sampling":
            return stacked_frame_grid(
                self.temporal_tokens(self.num_frames),
                height,
                width,
                self.tubelet_size[1:],
                self.frame_sampling_splits_tokens,
            )
        return (
            self.temporal_tokens(self.num_frames),
            height // self.tubelet_size[1],
            width // self.tubelet_size[2],
        )

    @property
    def straddling_layout(self) -> tuple[int, int] | None:
        """The tall image's (patch rows, columns) where frame sampling's patches straddle frames at the configured
        size (`straddling_layout`); None otherwise, and for tubelets."""
        if self.embedding_type != "frame_sampling":
            return None
        height, width = self.image_size_hw
        return straddling_layout(self.temporal_tokens(self.num_frames), height, width, self.tubelet_size[1:])

    def temporal_tokens(self, num_frames: int) -> int:
        if self.embedding_type == "frame_sampling":
            if self.num_sampled_frames is None:
                # The constructor derives the count; `embedding_type` set on a built config (`config.update(...)`)
                # left it None, and building the model failed in scenic's rule: "'<=' not supported between
                # instances of 'NoneType' and 'int'"
                # (the count only where the tubelet is valid: else the TypeError this replaces, from the division)
                valid = self._valid_tubelet()
                default = f" ({self.num_frames // self.tubelet_size[0]}, the constructor's default)" if valid else ""
                raise ValueError(
                    f"`embedding_type='frame_sampling'` with `num_sampled_frames=None`: it was set on a built config, "
                    f"and only the constructor derives the count (num_frames // tubelet_size[0]). Set "
                    f"`num_sampled_frames` too{default}, or build the config with embedding_type='frame_sampling'."
                )
            return uniform_frame_count(num_frames, self.num_sampled_frames)
        return num_frames // self.tubelet_size[0]

    @property
    def head_dim(self) -> int:
        """Each attention head's width, `hidden_size / num_attention_heads` (Model 2: its spatial encoder's heads)."""
        return self.hidden_size // self.num_attention_heads

    @head_dim.setter
    def head_dim(self, value) -> None:
        # A config.json carrying `head_dim` (written by another tool, as Llama's config writes it) or a user's
        # `head_dim=64` met "property 'head_dim' ... has no setter": no such folder loaded. The fused projections split
        # the width among the heads, so the one head width there is is hidden_size / num_attention_heads: that value
        # (or None, as Llama's config takes it) is taken and nothing is stored, any other is refused.
        self._check_head_width("head_dim", value, "num_attention_heads", self.num_attention_heads)

    def _check_head_width(self, name: str, value, heads_name: str, heads: int) -> None:
        """Refuse a head width `name` other than `hidden_size / heads` (None is taken: nothing is stored)."""
        if value is None:
            return
        width = self.hidden_size
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or value * heads != width:
            raise ValueError(
                f"`{name}` {value!r} does not fit `hidden_size` {width} and `{heads_name}` {heads}: the "
                f"attention splits the width among the heads, so each head is hidden_size / {heads_name} wide"
                + (f" ({width // heads})" if width % heads == 0 else "")
                + f". Leave `{name}` out (it follows them), or change `hidden_size` or `{heads_name}`."
            )

    # Widths derived from other fields, whose setters check a value against those fields: set after them.
    derived_head_widths = ("head_dim",)

    def update(self, config_dict: dict):
        """transformers' `update`, with the derived head widths (`head_dim`) set after the fields they follow:
        transformers sets the keys one at a time in the dict's order, so `update({"head_dim": 16, "hidden_size": 64})`
        would check 16 against the old width and refuse it, where the constructor (which sets it last) takes it."""
        later = {key: config_dict[key] for key in config_dict if key in self.derived_head_widths}
        super().update({key: value for key, value in config_dict.items() if key not in later})
        super().update(later)

    def update_from_string(self, update_str: str):
        """transformers' `update_from_string` ("hidden_size=64,head_dim=16"), the head widths set last (`update`)."""
        pairs = update_str.split(",")
        last = [pair for pair in pairs if pair.split("=")[0] in self.derived_head_widths]
        super().update_from_string(",".join([pair for pair in pairs if pair not in last] + last))

    def check_head_counts(self):
        """Raise a `ValueError` for head counts the attention cannot split the width into. Not part of the config's
        validation: as transformers' configs, any width and head count make a config (its common `ConfigTester`
        builds one of width 37 with the default 12 heads), and the model refuses them when it is built
        (`ViViTPreTrainedModel.__init__`; the recipes call this at flag time, before the data set is read)."""
        if self.hidden_size % self.num_attention_heads:
            raise ValueError(
                f"`hidden_size` ({self.hidden_size}) is not divisible by `num_attention_heads` "
                f"({self.num_attention_heads}); pick a head count that divides it."
            )

    def unseen_input(self) -> str | None:
        """What of a `num_frames` x `image_size` clip the tubelet embedding never sees (None: all of it): the last
        frames, rows and columns that fill no tubelet, dropped as scenic's VALID-padded convolution drops them. A
        recipe says so, since a user who picked `--num_frames 7` for tubelets of 2 frames trains without the 7th."""
        t, h, w = self.tubelet_size
        height, width = self.image_size_hw
        dropped = [] if self.embedding_type == "frame_sampling" else [(self.num_frames % t, "frame", "frames")]
        dropped += [(height % h, "row", "rows"), (width % w, "column", "columns")]
        parts = [f"the last {n} {one if n == 1 else many}" for n, one, many in dropped if n]
        if not parts:
            return None
        return (
            f"{', '.join(parts)} of each {self.num_frames}-frame {height}x{width} clip fill no tubelet "
            f"{list(self.tubelet_size)} and are never seen by the model "
            "(sizes that are multiples of the tubelet use all)"
        )


# --------------------------------------------------------------------------------------------- the four variants (§3.3)
class ViViTSpatioTemporalConfig(ViViTConfig):
    r"""Model 1, spatio-temporal attention: every token attends to every other token (scenic `spacetime`). Its fields
    are [`ViViTConfig`]'s, with the same defaults."""

    model_type = "vivit_spatio_temporal"
    frame_sampling_may_straddle = True


class ViViTFactorisedEncoderConfig(ViViTConfig):
    r"""
    Model 2, factorised encoder: a spatial encoder (`num_hidden_layers` layers, shared across time) summarises
    each temporal index; a temporal encoder of `num_temporal_layers` layers runs over those summaries. Its heads and
    MLP size are the spatial encoder's unless `temporal_num_attention_heads` / `temporal_intermediate_size` say
    otherwise (scenic configures the two encoders separately).

    `spatial_only_baseline=True` is the paper's Model 2 with average-pooled time (Table 2's last row, Table 3's 0
    temporal layers; scenic's `attention_config.spatial_only_baseline`): no temporal encoder at all (no CLS token,
    position embeddings or LayerNorm of its own), the classifier reads the mean of the frame summaries over time.
    It needs `num_temporal_layers=0`.

    The shared fields are [`ViViTConfig`]'s, with the same defaults; `classifier` pools both encoders.

    Args:
        num_temporal_layers (`int`, *optional*, defaults to 4):
            Blocks of the temporal encoder (`L_t`, 4 in the paper's ablations); 0 is taken, as scenic takes it.
        temporal_num_attention_heads (`int`, *optional*):
            Attention heads of the temporal encoder's blocks; `num_attention_heads` when unset.
        temporal_intermediate_size (`int`, *optional*):
            Width of the temporal encoder's MLP; `intermediate_size` when unset.
        spatial_only_baseline (`bool`, *optional*, defaults to `False`):
            No temporal encoder: the classifier reads the mean of the frame summaries over time (above).
    """

    model_type = "vivit_factorised_encoder"

    num_temporal_layers: int = 4
    temporal_num_attention_heads: int | None = None
    temporal_intermediate_size: int | None = None
    spatial_only_baseline: bool = False

    derived_head_widths = ("head_dim", "temporal_head_dim")

    @property
    def temporal_head_dim(self) -> int:
        """Each temporal attention head's width, `hidden_size / temporal_num_attention_heads` (the spatial heads' count
        when unset); `head_dim` is the spatial encoder's. Derived and not saved, taken and checked as `head_dim` is:
        the temporal heads were described by no field a user could read or give."""
        return self.hidden_size // (self.temporal_num_attention_heads or self.num_attention_heads)

    @temporal_head_dim.setter
    def temporal_head_dim(self, value) -> None:
        name = "temporal_num_attention_heads" if self.temporal_num_attention_heads else "num_attention_heads"
        self._check_head_width("temporal_head_dim", value, name, getattr(self, name))

    def encoders_without_blocks(self) -> list[str]:
        # (with spatial_only_baseline there is no temporal encoder, and no CLS token of its own to see nothing)
        temporal_empty = self.num_temporal_layers == 0 and not self.spatial_only_baseline
        return super().encoders_without_blocks() + (["num_temporal_layers"] if temporal_empty else [])

    def check_head_counts(self):
        # Not super(): the model calls this unbound on the config it is given (`ViViTPreTrainedModel.__init__`), which
        # may be an instance of a remote-code copy of this class, where super() raises a TypeError.
        ViViTConfig.check_head_counts(self)
        if self.temporal_num_attention_heads and self.hidden_size % self.temporal_num_attention_heads:
            raise ValueError(
                f"`hidden_size` ({self.hidden_size}) is not divisible by `temporal_num_attention_heads` "
                f"({self.temporal_num_attention_heads}); pick a head count that divides it."
            )

    def validate_vivit(self):
        super().validate_vivit()
        _check_counts(self, ("num_temporal_layers",), allow_zero=True)
        _check_counts(self, ("temporal_num_attention_heads", "temporal_intermediate_size"), allow_none=True)
        _check_flag(self, "spatial_only_baseline")
        if self.spatial_only_baseline and self.num_temporal_layers:
            # the frame summaries are averaged instead: layers asked for would be built, saved and never run
            raise ValueError(
                f"`spatial_only_baseline=True` averages the frame summaries over time instead of running a temporal "
                f"encoder, but `num_temporal_layers` is {self.num_temporal_layers}: set `num_temporal_layers=0` "
                f"beside it, or `spatial_only_baseline=False` for a temporal encoder of that depth."
            )


class ViViTFactorisedSelfAttentionConfig(ViViTConfig):
    r"""
    Model 3, factorised self-attention: each block attends over space, then over time (`attention_order`
    `"space_time"`, the paper's), or the reverse (`"time_space"`, the flax module's default).

    The other fields are [`ViViTConfig`]'s, with the same defaults.

    Args:
        classifier (`str`, *optional*, defaults to `"gap"`):
            scenic's pooling over every token: `"gap"` / `"gmp"` / `"gsp"` the mean / max / sum. The model has no
            CLS token, so `"token"` (and `"0"`) are refused, as scenic refuses them.
        attention_order (`str`, *optional*, defaults to `"space_time"`):
            The order of each block's two attentions: `"space_time"` (the paper's) or `"time_space"`.
    """

    model_type = "vivit_factorised_self_attention"
    allowed_classifiers = POOLING_CLASSIFIERS
    frame_sampling_splits_tokens = True

    classifier: str = "gap"
    attention_order: str = "space_time"

    def validate_vivit(self):
        super().validate_vivit()
        if self.attention_order not in ATTENTION_ORDERS:
            raise ValueError(f"`attention_order` must be one of {ATTENTION_ORDERS}, got {self.attention_order!r}.")


class ViViTFactorisedDotProductConfig(ViViTConfig):
    r"""
    Model 4, factorised dot-product attention: half the heads attend over time, half over space, in one block
    (`num_attention_heads` must be even).

    The other fields are [`ViViTConfig`]'s, with the same defaults.

    Args:
        classifier (`str`, *optional*, defaults to `"gap"`):
            scenic's pooling over every token: `"gap"` / `"gmp"` / `"gsp"` the mean / max / sum. The model has no
            CLS token, so `"token"` (and `"0"`) are refused, as scenic refuses them.
    """

    model_type = "vivit_factorised_dot_product"
    allowed_classifiers = POOLING_CLASSIFIERS
    frame_sampling_splits_tokens = True

    classifier: str = "gap"

    def check_head_counts(self):
        # Not super(): the model calls this unbound on the config it is given (`ViViTPreTrainedModel.__init__`), which
        # may be an instance of a remote-code copy of this class, where super() raises a TypeError.
        ViViTConfig.check_head_counts(self)
        if self.num_attention_heads % 2:
            raise ValueError(
                f"`num_attention_heads` ({self.num_attention_heads}) must be even for factorised dot-product "
                f"attention: half the heads attend over time and half over space."
            )


__all__ = [
    "ViViTConfig",
    "ViViTFactorisedDotProductConfig",
    "ViViTFactorisedEncoderConfig",
    "ViViTFactorisedSelfAttentionConfig",
    "ViViTSpatioTemporalConfig",
    "uniform_frame_indices",
]
