# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""`from_vivit_checkpoint`: a ViViT checkpoint restarted with another config (frames, image size, labels), every
layer kept where its shapes allow (a kernel and its bias together), the position embeddings resized by the model's own
rule.

Not an image ViT's start (`vit_init`, paper §3.4), where it lived before: a ViViT checkpoint of any of the four
variants, read as the other converters read theirs. `vivit_hf.conversion.vit_init` still exports it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import torch
from torch import nn
from transformers import AutoConfig, AutoModelForVideoClassification

from ..label_spellings import ids_by_name_as_read_now, placeholder
from ..models.configuration_vivit import LABEL_SPACES_ORDER
from ..models.loading_checks import OTHER_FUNCTION, other_functions, other_functions_said
from ..models.modeling_blocks import PatchProjection, TubeletProjection, ViViTEncoder, ViViTSelfAttention
from ..models.modeling_vivit import ViViTPreTrainedModel, ViViTSpatioTemporalForVideoClassification
from .checkpoint_files import (
    HUB_KWARGS,
    cast_as_asked,
    peft_adapters_refusal,
    place_as_asked,
    pop_dtype,
    refuse_hub_options,
    unwrapped_module,
)
from .transformers_vivit import from_transformers_vivit
from .vit_init.image_vit import GREY_VIDEO_ADVICE, ViTInitError
from .vit_init.pretrained import check_config_fields

# vit_init's one logger, as when this module was one of its own: recipes/finetune.py filters it by name
# (flags.VIT_INIT_LOGGER), and a level a user set on it still applies to the restart's warnings
logger = logging.getLogger("vivit_hf.conversion.vit_init")


# What of the checkpoint's config the restarted one does not take: what saving writes, and the heads' saved order
# (`to_dict`'s: the constructor orders the heads by it, and refuses it beside new heads of other names)
NOT_CARRIED = ("model_type", "transformers_version", "architectures", "auto_map", "_name_or_path", LABEL_SPACES_ORDER)


def from_vivit_checkpoint(
    source, *, id2label: Mapping | None = None, label_spaces: Mapping | None = None, **config_overrides
):
    """A ViViT checkpoint (folder, Hub id or model object of any of the four variants; a transformers ViViT is read as
    Model 1)
    restarted with `config_overrides` (another `num_frames` or `image_size`, dropout, ...) and, optionally, new labels.

    Every layer keeps the checkpoint's values where its shapes allow, and starts fresh as a whole where one of them does
    not (`unfit_layers`); another head count is refused (the arrays
    would fit and compute another function). Each encoder's position embeddings are
    resized to its new token grid by the model's own `interpolate_pos_encoding` rule (`ViViTEncoder.position_table`:
    linear per axis, corners aligned), so the new model computes what the checkpoint computes with
    `interpolate_pos_encoding=True`. The classifier is kept when the labels are the checkpoint's (and label spaces)
    alike; a single head whose class names are all the checkpoint's, in another order or some of them, keeps each
    class's row by name (`remapped`): a data set that sorts Kinetics' classes otherwise than the checkpoint did
    starts from the trained head, not a fresh one. The same count under other names is other classes: a fresh head.
    transformers' placeholders `LABEL_i` name no class: matched by no name (kept only as the checkpoint's own list).
    `num_labels` alone, another count than the checkpoint's, gives one fresh head of that many unnamed classes.

    As with `from_pretrained`, `dtype` (or `torch_dtype`) casts the model (`"auto"`: to the checkpoint's dtype), a
    one-device `device_map` moves it (`place_as_asked`), `attn_implementation` is set, and its hub options
    (`revision`, `cache_dir`, `token`, ...) read the checkpoint.

    Returns `(model, report)`, the model in eval mode; `report` lists the parameters `resized`, `remapped` by class
    name and left `fresh`.
    """
    # from_pretrained's loading options, no config fields: taken as ones, `attn_implementation` would be refused and
    # `dtype` kept while the model stays in float32
    dtype = pop_dtype(config_overrides)
    attn_implementation = config_overrides.pop("attn_implementation", None)
    device_map = config_overrides.pop("device_map", None)  # (refused as no config field; placed as the others place)
    # where the checkpoint is read from (a branch a run pushed to: `revision=`), as from_vit_pretrained takes them
    hub = {k: config_overrides.pop(k) for k in list(config_overrides) if k in HUB_KWARGS}
    # transformers' own ViViT (model_type "vivit") is converted into our Model 1 class, not loaded as transformers'.
    # "auto": the checkpoint's dtype, read as from_pretrained reads it (config.json's dtype, else its weights')
    loading = {"dtype": "auto", **hub} if dtype == "auto" else dict(hub)
    # `missing`: what the checkpoint lacked, left at the old model's random initialisation (a base model's folder has
    # no classifier): reported fresh, where it was taken as the checkpoint's (`fresh` empty)
    loading["output_loading_info"] = True
    if isinstance(source, nn.Module):
        old, missing = _checkpoint_in_memory(source, hub, loading)
    elif AutoConfig.from_pretrained(source, **hub).model_type == "vivit":
        old, info = from_transformers_vivit(ViViTSpatioTemporalForVideoClassification, source, **loading)
        missing = info["missing_keys"]
    else:
        old, info = AutoModelForVideoClassification.from_pretrained(source, **loading)
        old, missing = old.eval(), info["missing_keys"]
    kwargs = {k: v for k, v in old.config.to_diff_dict().items() if k not in NOT_CARRIED}
    check_config_fields(type(old.config), config_overrides)
    kwargs.update(config_overrides)
    if kwargs.get("embedding_type") == "tubelet" and "num_sampled_frames" not in config_overrides:
        # a frame-sampling checkpoint's own count (its constructor fills it in), which tubelets never read: kept,
        # it would be refused as if the caller had given it beside `embedding_type="tubelet"`
        kwargs.pop("num_sampled_frames", None)
    if id2label is not None:
        id2label = {int(i): name for i, name in id2label.items()}
        kwargs.update(
            id2label=id2label,
            label2id={name: i for i, name in id2label.items()},
            label_spaces=dict(label_spaces) if label_spaces else None,
        )
    elif label_spaces is not None and dict(label_spaces) != (old.config.label_spaces or {}):
        # new heads, unnamed (given alone, the checkpoint's heads would come back); the checkpoint's own
        # heads, in any order, keep its classifier, its class names and its rows' order
        kwargs.update(id2label=None, label2id=None, label_spaces=dict(label_spaces))
    count_alone = id2label is None and label_spaces is None and "num_labels" in config_overrides
    count_alone = count_alone and config_overrides["num_labels"] != old.config.num_labels
    if count_alone:
        # A class count alone: one fresh head of that many unnamed classes, as `from_pretrained(path, num_labels=N,
        # ignore_mismatched_sizes=True)` gives. Over named heads (kept in `kwargs`) the count would be refused,
        # naming `label_spaces=None`, which this function reads as "not given"; beside an unnamed head, the
        # placeholders `LABEL_i` would be taken for class names, and the first N of the checkpoint's rows, trained
        # for other classes, kept as the new head ("remapped").
        kwargs.update(id2label=None, label2id=None, label_spaces=None)
    config = type(old.config)(**kwargs)
    if attn_implementation is not None:
        config._attn_implementation = attn_implementation
    model = type(old)(config)
    check_width_kept(old, model)
    check_head_counts(old, model)
    check_qkv_biases_kept(old, model)
    same_labels = model.config.id2label == old.config.id2label and (model.config.label_spaces or None) == (
        old.config.label_spaces or None
    )

    # what the checkpoint was built with: a model in memory whose config was changed after building (the forward's
    # refusal advises this restart) says the new value in its config, and the warnings compared it with itself
    built = {**old.config.to_dict(), **getattr(old, "_built_structure", {})}
    head_refit = representation_changed(model, built)
    rows = None if same_labels or count_alone or head_refit else _classifier_rows_by_name(old.config, model.config)
    state, old_state = model.state_dict(), old.state_dict()
    report = {"resized": [], "remapped": [], "fresh": []}
    cls_changed = []  # the encoders that gain or lose a CLS token (another `classifier`, token <-> gap)
    with torch.no_grad():
        for name, encoder in old.named_modules():
            new_encoder = model.get_submodule(name) if isinstance(encoder, ViViTEncoder) else None
            if new_encoder is not None:
                if encoder.num_prefix_tokens != new_encoder.num_prefix_tokens:
                    cls_changed.append(name)
                table = encoder.position_table(new_encoder.grid, straddling=new_encoder.straddling)
                table = table[:, encoder.num_prefix_tokens :]
                # Another `classifier` (token <-> gap) adds or drops the CLS token's row only: the patch rows stay
                # the checkpoint's (they were left random), a new CLS row and token start as the new model's.
                # (the new model is built on the CPU; a model object given on a GPU keeps its table there)
                prefix = new_encoder.position_embeddings[:, : new_encoder.num_prefix_tokens].to(table.device)
                if encoder.num_prefix_tokens == new_encoder.num_prefix_tokens:
                    prefix = encoder.position_embeddings[:, : encoder.num_prefix_tokens]
                old_state[f"{name}.position_embeddings"] = torch.cat((prefix, table), dim=1)
                if (new_encoder.grid, new_encoder.straddling) != (encoder.grid, encoder.straddling):
                    report["resized"].append(f"{name}.position_embeddings")
    unfit = unfit_layers(model, state, old_state) | head_refit
    for name in state:
        if name.startswith("classifier.") and rows is not None and name in old_state:
            state[name] = old_state[name][rows]
            report["remapped"].append(name)
        elif (
            (name.startswith("classifier.") and not same_labels)
            or name not in old_state
            or name in missing
            or layer_of(model, name) in unfit
        ):
            report["fresh"].append(name)
        else:
            state[name] = old_state[name]
    said = warn_of_embedding_fresh(model, unfit, built) | warn_of_representation_change(head_refit, model, built)
    warn_of_whole_layers_fresh(unfit - said, state, old_state, report["fresh"])
    # a base model has no head to keep (in memory it restarts as a base model; its folder gets a fresh head, which
    # `fresh` names): "the classification head is kept" was said of both
    head_kept = same_labels and "classifier.weight" in state and "classifier.weight" not in report["fresh"]
    warn_of_cls_token_change(cls_changed, built["classifier"], model.config.classifier, head_kept)
    warn_of_other_functions(built, model.config)
    model.load_state_dict(state)
    # The config came from the checkpoint's, dtype and all: a float32 model restarted from a float16 folder said
    # float16, and from_config(model.config) built that. cast_as_asked has it say the model's dtype.
    model = cast_as_asked(model, dtype, old.dtype)
    return place_as_asked(model, device_map, "from_vivit_checkpoint").eval(), report


def _checkpoint_in_memory(source: nn.Module, hub: dict, loading: dict):
    """(model, the parameters its checkpoint lacked) of a model object `from_vivit_checkpoint` restarts: a vivit_hf
    ViViT as it is (read, never changed), transformers' ViViT converted into Model 1. Either met `stat: path should
    be string ... not ViViT...ForVideoClassification`, though from_vit_pretrained's refusal of such a model points
    here."""
    model = unwrapped_module(source)
    refuse_hub_options(hub, model)
    if refusal := peft_adapters_refusal(model):  # (a PeftModel is no image ViT: said as what it is)
        raise ViTInitError(refusal)
    if getattr(getattr(model, "config", None), "model_type", None) == "vivit":
        model, info = from_transformers_vivit(ViViTSpatioTemporalForVideoClassification, model, **loading)
        return model, info["missing_keys"]
    if isinstance(model, ViViTPreTrainedModel):
        return model, []
    raise ViTInitError(
        f"from_vivit_checkpoint restarts a ViViT (a vivit_hf or transformers ViViT: a model, its folder or Hub id), "
        f"got a {type(model).__name__}; an image ViT starts a video model with from_vit_pretrained"
    )


# The modules whose parameters make one layer: a kernel and its bias (or a LayerNorm's scale and shift) are kept
# together or start fresh together
LAYER_MODULES = (nn.Linear, nn.Conv2d, nn.Conv3d, nn.LayerNorm)


def layer_of(model, name: str) -> str:
    """The layer a parameter belongs to: its module's name for a dense, convolution or LayerNorm; itself for any other
    (an encoder's CLS token and position table, each kept or fresh on its own)."""
    owner = name.rsplit(".", 1)[0] if "." in name else ""
    return owner if isinstance(model.get_submodule(owner), LAYER_MODULES) else name


def unfit_layers(model, state: Mapping, old_state: Mapping) -> set[str]:
    """The layers (`layer_of`) of which some parameter has another shape in the checkpoint. Another
    `intermediate_size` gives fc1 and fc2 kernels of other shapes, but fc2's bias (of the hidden width) fits: kept
    per parameter it sat, trained, beside a fresh kernel it was never trained with, in a report that named only the
    kernel fresh. Each such layer starts fresh whole, as scenic's init fails on any array of its subtree that does not
    fit (`init_encoderblock` copies the block's arrays as a whole). A parameter the checkpoint lacks alone does not
    make its layer unfit: a bias it was trained without (`qkv_bias=True` over a checkpoint without) computes as the
    fresh one's zeros, and the trained kernels of every block's attention started fresh with it."""
    return {
        layer_of(model, name)
        for name, value in state.items()
        if name in old_state and old_state[name].shape != value.shape
    }


def warn_of_whole_layers_fresh(unfit: set[str], state: Mapping, old_state: Mapping, fresh: list[str]) -> None:
    """Say which parameters start fresh although their own shape fits: the rest of their layer does not."""
    fitting = [
        name
        for name in fresh
        if name in old_state and old_state[name].shape == state[name].shape and name.rsplit(".", 1)[0] in unfit
    ]
    if fitting:
        logger.warning(
            "from_vivit_checkpoint: %d parameters of the checkpoint that fit start fresh with the rest of their layer, "
            "whose other parameters have another shape (a kernel and its bias are kept or started together): %s",
            len(fitting),
            ", ".join(fitting[:6]) + (", ..." if len(fitting) > 6 else ""),
        )


# The config fields that set the token embedding's kernel shape (another hidden_size, its output width, leaves no
# layer of the checkpoint fitting)
EMBEDDING_FIELDS = ("embedding_type", "tubelet_size", "num_channels")


def warn_of_embedding_fresh(model, unfit: set[str], old: Mapping) -> set[str]:
    """Say that another tubelet (or patch) size, channel count or embedding type starts the token embedding from random
    values, and return its layer (said). Its kernel's shape is set by these fields, so no trained kernel fits; the
    warning named only its bias, "1 parameters of the checkpoint that fit start fresh with the rest of their layer",
    not that the trained embedding itself was lost. scenic's init refuses a kernel of another shape unless told not to
    restore the embedding (`restore_input_embedding=False`), which is what this restart, asked for another tubelet,
    does: the fields are the caller's explicit request, and from_pretrained's refusal of another tubelet names this
    restart as the way to a fresh embedding. Fewer channels than an RGB checkpoint's gets the grey-video advice
    from_vit_pretrained gives. Not of another hidden_size: no field left out keeps an embedding of another width
    (the whole-layer warning says what starts fresh)."""
    config = model.config
    if old.get("hidden_size") != config.hidden_size:
        return set()
    # (`unfit` names parameters too, a CLS token or position table that is no module's)
    embeddings = {
        name for name, module in model.named_modules() if isinstance(module, (TubeletProjection, PatchProjection))
    }
    layers = sorted(unfit & embeddings)

    def value(v):
        return list(v) if isinstance(v, (list, tuple)) else v

    changed = [field for field in EMBEDDING_FIELDS if value(old.get(field)) != value(getattr(config, field))]
    if not layers or not changed:
        return set()
    kind = "tubelet" if config.embedding_type == "tubelet" else "patch"
    grey = config.num_channels < old.get("num_channels", 3) == 3
    logger.warning(
        "from_vivit_checkpoint: %s: the %s embedding (%s, kernel and bias) starts from random values, as no "
        "trained kernel of another shape is kept. Leave %s out to keep the trained embedding.%s",
        "; ".join(
            f"{field}={value(getattr(config, field))!r} where the checkpoint's is {value(old.get(field))!r}"
            for field in changed
        ),
        kind,
        ", ".join(layers),
        " and ".join(changed),
        f" {GREY_VIDEO_ADVICE}." if grey else "",
    )
    return set(layers)


def representation_changed(model, old: Mapping) -> set[str]:
    """The head's layers (the representation layer `pre_logits` and the classifier) where `representation_size` is
    another than the checkpoint's `old` (its config dict), else none. The classifier reads that layer's features (the
    pooled tokens without one), so both start fresh: a representation layer added at the hidden width would keep the
    trained classifier, whose shape fits, reading a fresh layer's features in place of the tokens it was trained on."""
    if old.get("representation_size") == getattr(model.config, "representation_size", None):
        return set()
    return {
        name
        for name, module in model.named_modules()
        if name.partition(".")[0] in ("pre_logits", "classifier") and isinstance(module, LAYER_MODULES)
    }


def warn_of_representation_change(layers: set[str], model, old: Mapping) -> set[str]:
    """Say, in the field's words, that another `representation_size` starts the head fresh (`representation_changed`'s
    `layers`); return the layers said."""
    if layers:
        pre_logits = sorted(layer for layer in layers if layer.startswith("pre_logits"))
        what = f"the representation layer ({', '.join(pre_logits)}) and the classifier start" if pre_logits else ""
        logger.warning(
            "from_vivit_checkpoint: representation_size=%r where the checkpoint's is %r: %s from random values, as "
            "the classifier reads the representation layer's features (the pooled tokens without one). Leave "
            "representation_size out to keep the trained head.",
            model.config.representation_size,
            old.get("representation_size"),
            what or "the classifier starts",
        )
    return layers


def warn_of_cls_token_change(encoders: list[str], old: str, new: str, head_kept: bool) -> None:
    """Say what another `classifier` (a CLS token or none) does to the checkpoint, as scenic's init warns ("Only one of
    target and restored model uses a classification token"). Dropped, the trained CLS token and its position row went
    unreported (`fresh` empty, finetune.py's log "fresh nothing"); added, the report named the fresh token but not its
    fresh position row, and neither said that a kept classifier was trained on the other pooling's features.
    Another pooling with no CLS token either way (gap / gmp / gsp) keeps the trained head, said as
    `from_pretrained(path, classifier="gmp")` warns of the same change."""
    if not encoders:
        if head_kept and old != new:
            logger.warning(
                "from_vivit_checkpoint: classifier %r over a checkpoint of classifier %r: every weight is kept, but "
                "the classification head (the same labels) was trained on the other pooling's features, another "
                "function than the checkpoint's: fine-tune it so, or pass classifier=%r to keep its pooling",
                new,
                old,
                old,
            )
        return
    where = ", ".join(f"{name}.position_embeddings" for name in encoders)
    if new == "token":
        what = f"the CLS token and its position row (the first of {where}) start fresh, the patch rows are kept"
    else:
        what = f"the checkpoint's trained CLS token and its position row (of {where}) are dropped"
    kept = (
        " The classification head is kept (the same labels), trained on the other pooling's features."
        if head_kept
        else ""
    )
    logger.warning(
        "from_vivit_checkpoint: classifier %r over a checkpoint of classifier %r: %s.%s", new, old, what, kept
    )


def warn_of_other_functions(old: Mapping, new) -> None:
    """Say which fields of `OTHER_FUNCTION` (from_pretrained's table) the restart gives another value than the
    checkpoint's `old` (its config dict), in from_pretrained's words: Model 3's other `attention_order` (scenic's init
    copies the attentions by name alike), another `hidden_act` or `layer_norm_eps` keep every weight, with nothing in
    the report (`fresh` empty). Another classifier is `warn_of_cls_token_change`'s. The advice names the checkpoint's
    value: "leave it out" gave the new one again for a model whose config was set after building (the restart reads
    the model's config)."""
    changed = other_functions(old, new, [field for field in OTHER_FUNCTION if field != "classifier"])
    if changed:
        logger.warning(
            "from_vivit_checkpoint: the checkpoint was %s (pass %s to keep the checkpoint's)",
            other_functions_said(old, new, changed, "the restart's"),
            ", ".join(f"{field}={old[field]!r}" for field in changed),
        )


class OtherWidthError(ViTInitError):
    """A restart at another `hidden_size` than the checkpoint's (`width`, `asked`): each caller says its own way to
    that width (a recipe's user has no `from_config` to call)."""

    def __init__(self, message: str, width: int, asked: int):
        super().__init__(message)
        self.width, self.asked = width, asked


def check_width_kept(old, model) -> None:
    """Refuse another `hidden_size` than the checkpoint's: no encoder weight fits another width, so the restart would
    keep none (every parameter of a tiny model fresh, at most a classifier behind `representation_size`), and its
    warning name only the two parameters whose own shape fits (`fc1.bias`, `classifier.bias`) as starting "with the
    rest of their layer", not that the whole checkpoint is dropped. scenic's init fails on such arrays too."""
    width, asked = old.config.hidden_size, model.config.hidden_size
    if width != asked:
        if old.name_or_path:
            scratch = (
                f"`AutoModelForVideoClassification.from_config(AutoConfig.from_pretrained({old.name_or_path!r}, "
                f"hidden_size={asked}))`"
            )
        else:  # a model object never saved: no path to read its config from ("path" named none the user had)
            scratch = (
                f"`config = copy.deepcopy(model.config); config.hidden_size = {asked}; type(model)(config)` (a copy: "
                "the model's own config stays as it is)"
            )
        raise OtherWidthError(
            f"the checkpoint was trained at hidden_size={width}, the restarted model's is {asked}: no weight of its "
            f"encoder fits another width, and the restart would keep none of them. Leave hidden_size out to restart "
            f"it at {width}; its architecture {asked} wide, to train from scratch, is {scratch}, or start it from an "
            f"image ViT of that width",
            width,
            asked,
        )


def check_head_counts(old, model) -> None:
    """Refuse another head count than the checkpoint's: its attention arrays keep their shapes (d x d), so every one
    would be kept and split into other heads, another function in no report. scenic's init refuses it too: its
    kernels are (d, heads, head_dim), and one of another head count does not fit."""
    for name, attention in old.named_modules():
        if not isinstance(attention, ViViTSelfAttention):
            continue
        try:
            new = model.get_submodule(name)
        except AttributeError:  # a shallower model has no such layer: nothing of it is kept
            continue
        if new.num_heads != attention.num_heads:
            field = "temporal_num_attention_heads" if ".temporal_encoder." in f".{name}." else "num_attention_heads"
            raise ViTInitError(
                f"the checkpoint's attention has {attention.num_heads} heads ({name}), the restarted model's "
                f"{new.num_heads} ({field}={getattr(model.config, field)!r}): its weights split into other heads "
                f"compute another function; leave {field} out to keep the checkpoint's {attention.num_heads}"
            )


def check_qkv_biases_kept(old, model) -> None:
    """Refuse `qkv_bias=False` over a checkpoint whose query, key and value biases are not all zero: left out (no
    report names a parameter the new model lacks), the model would compute another function
    (logits 0.16 off on a tiny one). from_vit_pretrained refuses the same; zero biases compute as none, so both take
    those, and both take `qkv_bias=True` over a checkpoint without (zero biases: the checkpoint's function)."""
    for name, attention in old.named_modules():
        if not isinstance(attention, ViViTSelfAttention) or attention.qkv.bias is None:
            continue
        try:
            new = model.get_submodule(name)
        except AttributeError:  # a shallower model has no such layer: nothing of it is kept
            continue
        if new.qkv.bias is None and bool(attention.qkv.bias.any()):
            raise ViTInitError(
                f"the checkpoint's attention has query, key and value biases that are not zero ({name}.qkv.bias), "
                f"the restarted model none (qkv_bias=False): without them it computes another function; leave "
                f"qkv_bias out to keep them"
            )


def _classifier_rows_by_name(old_config, new_config) -> torch.Tensor | None:
    """The checkpoint's classifier row of each new class, by name, where both have one head and every new class name
    is one of the checkpoint's (each once); else None (a fresh head)."""
    if old_config.label_spaces or new_config.label_spaces or not new_config.num_labels:
        return None
    old_names = [old_config.id2label[i] for i in range(old_config.num_labels)]
    names = [new_config.id2label[i] for i in range(new_config.num_labels)]
    if len(set(old_names)) != len(old_names) or len(set(names)) != len(names):
        return None
    # `LABEL_i` is transformers' name for a class given none (`PreTrainedConfig`'s default `id2label`): placeholders
    # over an unnamed checkpoint were matched as class names, and `id2label={0: "LABEL_0", 1: "LABEL_1"}` over an
    # unnamed head of 5 kept its first 2 rows, trained for classes nobody named, as if they were the same classes.
    # Unnamed classes match none (the same count in the same order is kept whole, as `from_pretrained` keeps it).
    if any(placeholder(name) for name in names):
        return None
    # a checkpoint an earlier version fine-tuned on WebDataset `.txt` labels ('cat\n') or a float label column ('1.0')
    # names its classes otherwise than its data is read now: its head started fresh, all it had learned lost, on its
    # own data (the restart knew the first respelling only; evaluate.py and a resume, both)
    old_ids = ids_by_name_as_read_now(old_names)
    if not set(names) <= set(old_ids):
        return None
    return torch.tensor([old_ids[name] for name in names])
