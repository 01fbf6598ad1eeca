# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""What `ViViTPreTrainedModel.from_pretrained` checks once a checkpoint has loaded, and the messages it refuses or
warns with: weights of another width, tubelet, classifier (a CLS token or none), token grid or class count than the
config asks for, and config fields that change what every weight computes without changing a shape (head counts,
Model 3's attention order, pooling, activation, LayerNorm epsilon). Each message names both values and the ways that
keep the trained weights (a `from_vivit_checkpoint` restart spelt out with every field and option the user gave).

Kept out of `modeling_vivit.py`, which holds the models; imported by it relatively, so a folder saved with its code
carries it (`trust_remote_code`): torch-free, transformers only.
"""

import importlib.util
import json
from collections.abc import Mapping

from transformers import PreTrainedConfig
from transformers.utils import logging

# modeling_vivit's logger (a sibling's, also in a remote-code folder): a user who quiets the models' warnings by that
# name quiets these, as before they moved here
logger = logging.get_logger(f"{__name__.rpartition('.')[0]}.modeling_vivit")


def vivit_hf_note() -> str:
    """What a message advising a vivit_hf function (`vivit_hf.conversion.from_vivit_checkpoint`, `python -m
    vivit_hf.convert`, `from_transformers_vivit`) adds where vivit_hf cannot be imported: this module then runs as a
    folder's copy (`trust_remote_code` where vivit_hf is not installed), and the advice, followed, failed with "No
    module named 'vivit_hf'". "" where vivit_hf imports (installed, or this module is its own). It says how the README
    installs it, from a clone: no package of that name is on PyPI, and "pip install vivit_hf" found none."""
    try:
        missing = importlib.util.find_spec("vivit_hf") is None
    except (ImportError, ValueError):  # (a finder that refuses it; a module of that name without a spec)
        missing = True
    if not missing:
        return ""
    return (
        " vivit_hf, which that advice needs, is not installed in this process (this model's code came with its "
        "folder, loaded with trust_remote_code=True): install it first, from a clone of vivit_hf as its README says "
        "(`pip install -e .` in the clone; it is not on PyPI)."
    )


def grid_values(config) -> dict:
    """The config fields that set the token grid, and with it the shape of the position embeddings."""
    fields = ["num_frames", "image_size", "tubelet_size"]
    if config.embedding_type == "frame_sampling":
        fields += ["embedding_type", "num_sampled_frames"]
    return {name: getattr(config, name) for name in fields}


def grid_fields(config) -> str:
    return ", ".join(f"{name}={value!r}" for name, value in grid_values(config).items())


def restart_call(source: str, config, kwargs: dict, named: dict, saved: dict | None = None) -> str:
    """The `from_vivit_checkpoint` call a refusal or warning of `from_pretrained` advises: the fields it is about
    (`named`; `...` for a value the user fills in), then every other config field the user changed from the
    checkpoint's config and every option given that the restart takes. The advice named only its own fields:
    `from_pretrained(path, num_labels=3, num_frames=8)`, restarted as advised with `num_frames=8`, kept the
    checkpoint's 5-class head, and one given `subfolder=` or `revision=` read another checkpoint than the one refused.
    (The Auto classes fold the fields into a config object before our `from_pretrained` sees them: the changed fields
    are found by comparing it with the checkpoint's config.json: `saved`, where the caller has read it already.)"""
    given = {
        **changed_fields(source, config, kwargs, saved),
        **{key: kwargs[key] for key in RESTART_OPTIONS if kwargs.get(key)},
    }
    if "id2label" in named:  # (the class names asked for stand for a class count)
        given.pop("num_labels", None)
    # (a token, or a proxy URL's user:password, is never written into a message)
    shown = [
        f"{key}=..." if value is ... or key in SECRET_OPTIONS else f"{key}={value!r}"
        for key, value in {**named, **{k: v for k, v in given.items() if k not in named}}.items()
    ]
    return f"vivit_hf.conversion.from_vivit_checkpoint({', '.join([repr(source), *shown])})"


# config.json's entries that are no field a user gives (transformers' bookkeeping)
NOT_GIVEN = {
    "transformers_version",
    "_name_or_path",
    "architectures",
    "auto_map",
    "model_type",
    "dtype",
    "torch_dtype",
}


def changed_fields(source: str, config, kwargs: dict, saved: dict | None = None) -> dict:
    """The config fields whose values are not those of the checkpoint's config.json (`saved`, read here where not
    given; none where it cannot be read); the class names as `num_labels=` where they are transformers' placeholders
    `LABEL_i`."""
    saved = saved_config(source, kwargs) if saved is None else saved
    if saved is None:
        return {}
    now = json.loads(json.dumps(config.to_diff_dict(), default=str))  # (as config.json writes them)
    changed = {
        key: getattr(config, key, now.get(key))
        for key in sorted(set(saved) | set(now))
        if key not in NOT_GIVEN and saved.get(key) != now.get(key)
    }
    changed.pop("label2id", None)
    if "id2label" in changed:
        names = list(config.id2label.values())
        if names == [f"LABEL_{i}" for i in range(len(names))]:
            del changed["id2label"]
            changed["num_labels"] = len(names)
    return changed


def saved_config(source, kwargs: dict) -> dict | None:
    """The checkpoint's config.json as a dict, found with the options `from_pretrained` was given
    (`CONFIG_READ_OPTIONS`); None where there is none to read."""
    try:
        return PreTrainedConfig.get_config_dict(
            source, **{key: kwargs[key] for key in CONFIG_READ_OPTIONS if key in kwargs}
        )[0]
    except (OSError, ValueError):
        return None


def both_shapes(mismatched: dict, keys: list) -> str:
    """`keys`' shapes in the checkpoint and in the model (`mismatched`: key -> (saved shape, model's shape)), for a
    message: "position_embeddings (1, 9, 32) in the checkpoint, (1, 17, 32) here, ..."."""
    return ", ".join(
        f"{key} {tuple(mismatched[key][0])} in the checkpoint, {tuple(mismatched[key][1])} here" for key in keys
    )


def other_tubelet_message(
    source: str, config, embeddings: list, mismatched: dict, kwargs: dict, loading_info: dict
) -> str:
    """Why a checkpoint does not load at another `tubelet_size` (or patch size). The position embeddings' message
    advised `interpolate_pos_encoding=True`, which cannot change the tubelet, and `from_vivit_checkpoint`, which
    starts the tubelet embedding from random values: neither keeps the trained one."""
    shapes = both_shapes(mismatched, embeddings)
    saved_type = embedding_type_of(mismatched[embeddings[0]][0])
    also, fields = other_heads(source, config, mismatched, loading_info, kwargs)
    if saved_type != config.embedding_type:
        # `from_pretrained(path, embedding_type=...)` (the config loads so): the message below told the user to leave
        # out a tubelet_size they never gave
        return (
            f"{source!r} was saved with embedding_type={saved_type!r}, this config's is {config.embedding_type!r}"
            f"{also}: its embedding does not fit ({shapes}). No loading option keeps a trained embedding of the other "
            f"type; load the checkpoint as saved ({leave_out(['embedding_type', *fields])}), or restart it with "
            f"`model, report = "
            f"{restart_call(source, config, kwargs, {'embedding_type': config.embedding_type})}`, which keeps the "
            f"rest and starts the embedding from random values." + vivit_hf_note()
        )
    return (
        f"{source!r} embeds tubelets of another size than this config's tubelet_size={config.tubelet_size!r}"
        f"{also}: its tubelet embedding does not fit ({shapes}). Neither `interpolate_pos_encoding=True` nor "
        f"`from_vivit_checkpoint` keeps a trained tubelet embedding of another size (the latter starts it from "
        f"random values); load the checkpoint at its own tubelet_size ({leave_out(['tubelet_size', *fields])})."
    )


def saved_width(mismatched: dict, embeddings: list, hidden_size: int) -> int | None:
    """The checkpoint's hidden_size (its embedding's output channels) where it is not this config's, else None.
    Another width made every layer mismatch, and the embedding's bias, sorted first, was read as an embedding of
    another type: "saved with embedding_type='frame_sampling'" for a tubelet checkpoint, advising a restart that
    keeps none of its weights."""
    return next((mismatched[key][0][0] for key in embeddings if mismatched[key][0][0] != hidden_size), None)


def other_width_message(
    source: str, config, saved_width: int, mismatched: dict, kwargs: dict, loading_info: dict
) -> str:
    also, fields = other_heads(source, config, mismatched, loading_info, kwargs)
    return (
        f"{source!r} was trained at hidden_size={saved_width}, this config's is {config.hidden_size}{also}: "
        f"{len(mismatched)} of its weights do not fit. No loading option or restart keeps trained weights of another "
        f"width; load the checkpoint as saved ({leave_out(['hidden_size', *fields])})."
    )


def other_head_message(source: str, config, mismatched: dict, kwargs: dict) -> str:
    """Why a checkpoint's classifier does not load into a config of another class count (`from_pretrained(path,
    num_labels=5)`, fine-tuning on new classes without `ignore_mismatched_sizes=True`): transformers' refusal said
    only "You set `ignore_mismatched_sizes` to `False`", after a report that called the head "Reinit", naming
    neither count nor what keeps the rest of the checkpoint."""
    saved = saved_classes(mismatched)
    # (num_labels alone would give a fresh head: the advice asks for the class names, which keep trained rows)
    without_labels = {key: value for key, value in kwargs.items() if key != "num_labels"}
    return (
        f"{source!r} has a classifier of {saved} classes, this config's num_labels is {config.num_labels}: its "
        f"classifier does not fit ({', '.join(sorted(mismatched))}). To fine-tune on {config.num_labels} classes, "
        f"load it with `ignore_mismatched_sizes=True` (a new classifier, the rest of the checkpoint kept), or "
        f"restart it with `model, report = {restart_call(source, config, without_labels, {'id2label': ...})}`, "
        f"which keeps the trained rows by class name where every class of id2label is one of the checkpoint's; to "
        f"run it as trained, leave num_labels (and id2label / label_spaces) out." + vivit_hf_note()
    )


def saved_classes(mismatched: dict) -> int | None:
    """The class count of a checkpoint whose classifier alone did not fit; None where it fit, or where other weights
    did not fit either (`num_labels=3, intermediate_size=48`): the head's message called those the classifier's and
    said `ignore_mismatched_sizes=True` kept them, which starts them from random values too."""
    if "classifier.weight" not in mismatched or set(mismatched) - {"classifier.weight", "classifier.bias"}:
        return None
    return mismatched["classifier.weight"][0][0]


# the options by which transformers' `get_config_dict` finds a checkpoint's config.json (from_pretrained's own)
CONFIG_READ_OPTIONS = ("cache_dir", "force_download", "local_files_only", "proxies", "revision", "subfolder", "token")
# the options whose values may hold credentials (`proxies={"https": "http://user:password@host"}`)
SECRET_OPTIONS = ("token", "proxies")
# from_pretrained's options that `from_vivit_checkpoint` takes as they are (besides config fields)
RESTART_OPTIONS = (*CONFIG_READ_OPTIONS, "dtype", "torch_dtype", "attn_implementation", "device_map")


# The config fields another value of which keeps every weight (every shape fits) but computes another function than
# the checkpoint's, and what the change does: the one table (and, `other_functions_said`, the one wording) of
# `from_pretrained`'s warning and `from_vivit_checkpoint`'s (which says another classifier's change in its own
# warning, `warn_of_cls_token_change`, with what a CLS token added or dropped does). The head counts, alike in this,
# are refused instead (`heads`; the restart's `check_head_counts`).
OTHER_FUNCTION = {
    "attention_order": "each block runs its space and time attentions the other way round",
    "classifier": "the head reads another pooling of the same tokens",
    "hidden_act": "every MLP runs its weights under another activation",
    "layer_norm_eps": "every LayerNorm runs its scale and shift under another epsilon",
}
# The config fields that change what a checkpoint's weights compute without changing a shape
FUNCTION_FIELDS = ("num_attention_heads", "temporal_num_attention_heads", *OTHER_FUNCTION)


def other_functions(saved: Mapping, config, fields=tuple(OTHER_FUNCTION)) -> list[str]:
    """The fields of `fields` whose value in `config` is not the checkpoint's (`saved`, its config dict); a field
    either leaves unset is not compared."""
    return [
        field
        for field in fields
        if saved.get(field) is not None
        and getattr(config, field, None) is not None
        and saved[field] != getattr(config, field)
    ]


def other_functions_said(saved: Mapping, config, changed: list[str], ours: str = "this config's") -> str:
    """What another value of each of `changed` (`other_functions`) does, in the words of both entry points, following
    "was" or "the checkpoint was": "trained with attention_order='space_time', this config's is 'time_space' (...):
    every weight fits, but the model computes another function than the checkpoint's". `ours` names whose value is
    the new one: `from_vivit_checkpoint`'s user gives fields, no config, and "this config's" named none they knew."""
    return (
        "trained with "
        + "; with ".join(
            f"{field}={saved[field]!r}, {ours} is {getattr(config, field)!r} ({OTHER_FUNCTION[field]})"
            for field in changed
        )
        + ": every weight fits, but the model computes another function than the checkpoint's"
    )


def heads(config: dict) -> tuple[int, int]:
    """The (spatial or only, temporal) head counts a config dict builds (Model 2's temporal count defaults to the
    other)."""
    heads = config.get("num_attention_heads")
    return heads, config.get("temporal_num_attention_heads") or heads


def check_function_fields(source, config, kwargs: dict) -> None:
    """A head count or Model 3's `attention_order` other than the checkpoint's, given to `from_pretrained`: every
    weight fits (the fused q, k, v projections are (d, 3d) whatever the count), so the model would load and compute
    another function: the heads split otherwise (2e-4 on a tiny model's logits of size 0.1), or each
    block's space and time attentions run the other way round (7e-5), or another pooling (`classifier="gmp"` over a
    "gap" checkpoint), activation or LayerNorm epsilon. Another head count is refused, as `from_vivit_checkpoint`
    and scenic (whose kernels are (d, heads, head_dim)) refuse it; the others are said in a warning (the user may
    mean them: scenic's init takes Model 3's weights by name in either order)."""
    whole = saved_config(source, kwargs)
    if whole is None:  # (no config.json to read: nothing to compare)
        return
    # A field config.json leaves out (one written by hand) loads as the class's default, so it is compared as that:
    # `num_attention_heads=6` over such a folder of the default 12 is another function
    saved = {field: whole.get(field, getattr(type(config), field, None)) for field in FUNCTION_FIELDS}
    built = heads({field: getattr(config, field, None) for field in FUNCTION_FIELDS})
    if saved["num_attention_heads"] is not None and heads(saved) != built:
        which = 0 if heads(saved)[0] != built[0] else 1
        field = ("num_attention_heads", "temporal_num_attention_heads")[which]
        raise RuntimeError(
            f"{str(source)!r} was trained with {heads(saved)[which]} attention heads ({field}), this config builds "
            f"{built[which]}: its attention weights fit any count and, split into other heads, compute another "
            f"function than the checkpoint's. Leave {field} out to load it as trained."
        )
    # (another classifier that adds or drops a CLS token does not get here: its position table does not fit)
    changed = other_functions(saved, config)
    if changed:
        asked = {field: getattr(config, field) for field in changed}
        logger.warning(
            f"{str(source)!r} was {other_functions_said(saved, config, changed)}. Leave {' and '.join(changed)} out "
            f"to run it as trained; to fine-tune it this way, restart it with "
            f"`model, report = {restart_call(str(source), config, kwargs, asked, whole)}`.{vivit_hf_note()}"
        )


# The from_pretrained keywords that set the class count
LABEL_FIELDS = ("num_labels", "id2label", "label2id", "label_spaces")


def other_heads(
    source: str, config, mismatched: dict, loading_info: dict, kwargs: dict, own: str | None = None
) -> tuple[str, list[str]]:
    """What else differs from the checkpoint beside what a refusal is about (another grid, tubelet, embedding type or
    width), that loading it as saved must also leave out: another classifier (a CLS token or none) and another class
    count. Each refusal named its own difference alone: `tubelet_size=[4, 8, 8], classifier="gap"` over a CLS
    checkpoint said "leave tubelet_size out", and so loaded met the classifier's refusal next; `num_frames=8,
    num_labels=3` was told to load "as saved" with no word of the head. Returns (the clauses, ", and with ..." to
    follow the message's own difference (`own`, a field named by the message itself); the fields)."""
    clauses, fields = [], []
    if (saved_cls := saved_cls_token(loading_info)) is not None:
        clauses.append(f"with {saved_cls} where this config's classifier is {config.classifier!r}")
        fields.append("classifier")
    saved_size = ... if own == "representation_size" else saved_representation_size(source, config, kwargs)
    if saved_size is not ...:
        clauses.append(f"with representation_size={saved_size!r} where this config's is {config.representation_size!r}")
        fields.append("representation_size")
    head = mismatched.get("classifier.weight")
    if head is not None and head[0][0] != head[1][0]:  # (its rows: another input width alone is no other count)
        clauses.append(f"with a classifier of {head[0][0]} classes where this config's num_labels is {head[1][0]}")
        # the field the caller gave (`id2label=` alone was told to "leave num_labels out", which it never passed;
        # the Auto classes fold it into the config: `changed_fields` finds it there)
        given = {*kwargs, *changed_fields(source, config, kwargs)}
        fields += [field for field in LABEL_FIELDS if field in given] or ["num_labels"]
    return "".join(f", and {clause}" for clause in clauses), fields


def saved_representation_size(source: str, config, kwargs: dict):
    """The checkpoint's `representation_size` (its pre-logits layer's width, None for none) where it is not this
    config's, else `...` (alike, or no config.json to read). Beside another width the refusal named the width alone,
    and loading it as advised met transformers' bare "You set `ignore_mismatched_sizes` to `False`" next."""
    saved = saved_config(source, kwargs)
    if saved is None or saved.get("representation_size") == config.representation_size:
        return ...
    return saved.get("representation_size")


def other_representation_message(
    source: str, config, saved_size, mismatched: dict, kwargs: dict, loading_info: dict
) -> str:
    """Why a checkpoint does not load with another `representation_size` (its pre-logits layer, or none): transformers'
    refusal named neither size, only the mismatched keys after "You set `ignore_mismatched_sizes` to `False`"."""
    also, fields = other_heads(source, config, mismatched, loading_info, kwargs, own="representation_size")
    # a size of None is no pre-logits layer, named so on both sides
    saved_layers = "pre-logits layer and classifier do" if saved_size is not None else "classifier does"
    new_layers = "pre-logits layer and classifier" if config.representation_size is not None else "classifier"
    return (
        f"{source!r} was trained with representation_size={saved_size!r}, this config's is "
        f"{config.representation_size!r}{also}: its {saved_layers} not fit ({', '.join(sorted(mismatched))}). Load "
        f"it as saved ({leave_out(['representation_size', *fields])}); to fine-tune it with this representation_size, "
        f"load it with `ignore_mismatched_sizes=True` (a new {new_layers}, the rest of the checkpoint kept)."
    )


def leave_out(fields: list[str]) -> str:
    """The advice to leave `fields` out: `leave a out`, `leave a and b out`, `leave a, b and c out`."""
    return f"leave {' and '.join(filter(None, [', '.join(fields[:-1]), fields[-1]]))} out"


def saved_cls_token(loading_info: dict) -> str | None:
    """What the checkpoint has where it has a CLS token and the model lacks one (a key it holds that the model does
    not expect) or the other way round (a key the model misses); None where both have one or neither."""
    if any(key.endswith("cls_token") for key in loading_info["unexpected_keys"]):
        return "a CLS token (classifier 'token')"
    if any(key.endswith("cls_token") for key in loading_info["missing_keys"]):
        return "no CLS token (a pooling classifier)"
    return None


def cls_row_alone(loading_info: dict, positions: list, mismatched: dict) -> bool:
    """Whether the position tables differ from the checkpoint's by a CLS row alone: a CLS token the checkpoint has and
    the model lacks (or the other way round), and one row more (or fewer) in each table, the patch rows alike.
    The row counts are compared in the CLS token's direction: Model 2 from a CLS checkpoint at 4 frames asked for
    `classifier="gap", num_frames=8` has a temporal table of 2 + 1 rows saved and 4 here, one apart the other way:
    not a CLS row alone, so not advised as one (loaded with the classifier left out and num_frames=8 kept, it would
    meet the grid's refusal next)."""
    saved = saved_cls_token(loading_info)
    if saved is None:
        return False
    extra = 1 if saved.startswith("a CLS") else -1  # (the checkpoint's rows beyond the model's)
    return all(mismatched[key][0][1] - mismatched[key][1][1] == extra for key in positions)


def other_classifier_message(
    source: str, config, positions: list, mismatched: dict, kwargs: dict, loading_info: dict
) -> str:
    """Why a checkpoint does not load with another `classifier`, CLS token or none (`from_pretrained(path,
    classifier="gap")`): the position tables differ by the CLS row, not by the token grid, so the grid's advice
    (`interpolate_pos_encoding=True`, a restart at the same sizes, whose model keeps the checkpoint's CLS token) would
    change no classifier."""
    saved = saved_cls_token(loading_info)
    shapes = both_shapes(mismatched, positions)
    return (
        f"{source!r} was saved with {saved}, this config's classifier is {config.classifier!r}: its position "
        f"embeddings do not fit by the CLS row ({shapes}). Load it as saved (leave classifier out), or restart it "
        f"pooled this way with `model, report = "
        f"{restart_call(source, config, kwargs, {'classifier': config.classifier})}`, which keeps the patch rows "
        f"and adds or drops the CLS token and its row." + vivit_hf_note()
    )


def embedding_type_of(weight_shape) -> str:
    """The `embedding_type` whose projection has this weight shape: a 3D convolution over tubelets (5 dims), or a 2D
    one over each sampled frame (4)."""
    return "tubelet" if len(weight_shape) == 5 else "frame_sampling"


def other_grid_message(source: str, config, positions: list, mismatched: dict, kwargs: dict, loading_info: dict) -> str:
    """The refusal of a checkpoint trained on another token grid (its position embeddings do not fit), with the two
    ways on: load it as saved and interpolate, or restart it at this size. Another classifier too (a CLS token added
    or dropped) is named with it: the message named the grid alone, and loading "as saved" with
    `interpolate_pos_encoding=True` as advised still met the classifier's refusal."""
    shapes = both_shapes(mismatched, positions)
    named = grid_values(config)
    also, fields = other_heads(source, config, mismatched, loading_info, kwargs)
    as_saved = f"load it as saved ({leave_out(fields)})" if fields else "load it as saved"
    if "classifier" in fields:
        named["classifier"] = config.classifier
    return (
        f"{source!r} was trained on another token grid than this config's "
        f"{config.token_grid} ({grid_fields(config)}){also}: its position embeddings do not fit "
        f"({shapes}). To run the checkpoint at another frame count or image size, {as_saved} and call it "
        f"with `interpolate_pos_encoding=True`; to restart it at this size, its trained position embeddings "
        f"resized by the same rule, use `model, report = "
        f"{restart_call(source, config, kwargs, named)}`.{vivit_hf_note()}"
    )


def check_loaded_weights(
    source, config, loading_info: dict, kwargs: dict, ignore_mismatched_sizes: bool, asked: bool
) -> None:
    """Refuse (or, with `ignore_mismatched_sizes=True`, warn of) the weights of checkpoint `source` that did not fit
    `config` (transformers' `loading_info["mismatched_keys"]`, loaded with its own check off), naming what differs;
    then, where the user gave a config or one of `FUNCTION_FIELDS` (`asked`), compare those with the checkpoint's."""
    source_name = str(source)  # (a path object names the checkpoint as its string)
    mismatched = {entry[0]: entry[1:] for entry in loading_info["mismatched_keys"]}
    positions = [key for key in sorted(mismatched) if key.endswith("position_embeddings")]
    embeddings = [key for key in sorted(mismatched) if ".token_embedding." in f".{key}"]
    width = saved_width(mismatched, embeddings, config.hidden_size)
    # each names what differs; (message, what starts fresh under ignore_mismatched_sizes=True)
    if width is not None:
        unfit = other_width_message(source_name, config, width, mismatched, kwargs, loading_info), "they"
    # another tubelet size: no way keeps the trained embedding (from_vivit_checkpoint starts it fresh)
    elif embeddings:
        unfit = other_tubelet_message(source_name, config, embeddings, mismatched, kwargs, loading_info), "it"
    elif positions and cls_row_alone(loading_info, positions, mismatched):
        unfit = other_classifier_message(source_name, config, positions, mismatched, kwargs, loading_info), "they"
    elif positions:
        unfit = other_grid_message(source_name, config, positions, mismatched, kwargs, loading_info), "they"
    elif (
        mismatched
        and all(key.startswith(("classifier.", "pre_logits.")) for key in mismatched)
        and (saved_size := saved_representation_size(source_name, config, kwargs)) is not ...
    ):
        unfit = other_representation_message(source_name, config, saved_size, mismatched, kwargs, loading_info), "they"
    else:
        unfit = None
    if unfit is not None:
        message, fresh = unfit
        if not ignore_mismatched_sizes:
            raise RuntimeError(message)
        logger.warning(
            f"{message} With ignore_mismatched_sizes=True {fresh} start{'s' * (fresh == 'it')} from random values."
        )
    elif not ignore_mismatched_sizes and saved_classes(mismatched) not in (None, config.num_labels):
        raise RuntimeError(other_head_message(source_name, config, mismatched, kwargs))
    elif mismatched and not ignore_mismatched_sizes:
        raise RuntimeError(  # transformers' own refusal, which the load above turned off
            "You set `ignore_mismatched_sizes` to `False`, thus raising an error. For details look at the above "
            f"report! (mismatched: {', '.join(sorted(mismatched))})"
        )
    if asked and source is not None:
        check_function_fields(source, config, kwargs)


def keywords_beside_a_config(class_name: str, config, kwargs: dict) -> str:
    """Why a model's constructor refuses keywords: `from_pretrained(path, config=config, num_labels=3)` passes what
    it does not take itself to the constructor, as transformers does for every model (ViT's too), and ours failed
    with "_ViViTForVideoClassification.__init__() got an unexpected keyword argument 'num_labels'", naming a private
    class and neither the config nor the two ways that apply the field."""
    fields = [key for key in kwargs if hasattr(config, key)]
    others = [key for key in kwargs if key not in fields]
    message = f"{class_name} is built from its config alone, got {', '.join(f'{key}=' for key in kwargs)} beside it"
    if fields:
        example = fields[0]
        message += (
            f": `from_pretrained(path, config=config, {example}=...)` applies no config field beside a config object "
            f"(transformers passes it to the constructor, as for its own models). Set it on the config "
            f"(`config.{example} = ...`) or give it without `config=` (`from_pretrained(path, {example}=...)` reads "
            f"the checkpoint's config with it)"
        )
    if others:
        message += (
            f"; {', '.join(repr(key) for key in others)} is no field of {type(config).__name__} and no option of "
            "from_pretrained (misspelt?)"
        )
    return message + "."
