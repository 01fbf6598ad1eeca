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
"""The four ViViT models (Arnab et al., ICCV 2021, §3.3), side by side.

Each `*Model` turns a clip into tokens (tubelet embedding or uniform frame sampling, §3.2) and differs only in how its
transformer attends over the (t, h, w) token grid: Models 1, 3 and 4 run one encoder and differ in its block
(`layer_class`, and the key mask a padded clip gives it), Model 2 runs two encoders (its own `encode`). Below, Models
1, 3 and 4 follow their shared base one after another (each its block, its key mask, its rollout steps: one screen),
then Model 2. Every block lives in `modeling_blocks.py`, the attention-rollout maths in `rollout.py`, the heads' losses
in `losses.py`, what `from_pretrained` checks of a loaded checkpoint in `loading_checks.py`; transformers' plumbing
(`ViViTPreTrainedModel`, the output class) is here.

    Model 1  spatio-temporal      one encoder over all t*h*w tokens
    Model 2  factorised encoder   spatial encoder per temporal index -> temporal encoder over t summaries
    Model 3  factorised self-attn each block: attention over space, then over time, then the MLP
    Model 4  factorised dot-prod  each block: half the heads over time, half over space

This module imports only torch, transformers and its siblings (`device_maps.py` holds what accelerate's device maps
need, and imports accelerate only where accelerate dispatched a model): it travels with `trust_remote_code`
checkpoints.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from numbers import Integral

import torch
import torch.nn.functional as F
from torch import nn
from transformers import PreTrainedModel
from transformers import initialization as init  # respects the "already loaded" flags of from_pretrained
from transformers.modeling_outputs import BaseModelOutputWithPooling, ModelOutput
from transformers.processing_utils import Unpack
from transformers.utils import TransformersKwargs, logging
from transformers.utils.generic import can_return_tuple

from .configuration_vivit import (
    ViViTConfig,
    ViViTFactorisedDotProductConfig,
    ViViTFactorisedEncoderConfig,
    ViViTFactorisedSelfAttentionConfig,
    ViViTSpatioTemporalConfig,
)
from .device_maps import hook_split_modules, hook_split_modules_of_a_wrapper
from .loading_checks import FUNCTION_FIELDS, check_loaded_weights, keywords_beside_a_config, vivit_hf_note

# (the heads' losses; `multi_head_cross_entropy` and `ViViTLabelSmoother` were defined here and import from here still)
from .losses import (
    MEAN_OVER_LABEL_ENTRIES,
    ViViTLabelSmoother,
    infer_problem_type,
    micro_batch_share,
    multi_head_cross_entropy,
)
from .modeling_blocks import (
    FactorisedDotProductLayer,
    FactorisedSelfAttentionLayer,
    ViViTEncoder,
    ViViTLayer,
    ViViTSelfAttention,
    attention_bias,
    build_token_embedding,
    pool,
)
from .rollout import joint_steps, keep_head_means, rollout_saliency, space_step, time_step

logger = logging.get_logger(__name__)
_WARNED_PADDING_BEFORE_REAL_FRAMES = False  # (once per process: a training loop would repeat it)


# ------------------------------------------------------------------------------------------- transformers plumbing
@dataclass
class ViViTVideoClassifierOutput(ModelOutput):
    """
    What the four `*ForVideoClassification` models return.

    Args:
        loss (`torch.FloatTensor` of shape `()`, *optional*):
            The loss, where `labels` were given: `config.problem_type`'s, or with named label spaces the cross-entropy
            averaged over the labelled (clip, head) entries (-100 marks none; with every entry labelled, the mean of
            the heads' cross-entropies).
        logits (`torch.FloatTensor` of shape `(batch, num_labels)`):
            The classifier's outputs (with `num_labels=0`, the pooled features, after `pre_logits` if any); with
            named label spaces, the heads' logits side by side in `config.label_spaces`' order.
        head_logits (`dict[str, torch.FloatTensor]`, *optional*):
            With named label spaces only: each head's column block of `logits`, `(batch, classes of the head)`.
        hidden_states (`tuple(torch.FloatTensor)`, *optional*):
            The backbone's, with `output_hidden_states=True`: the embeddings and each block's output, in call order;
            where time or space is folded into the batch, its first axis is `batch * t` (Model 2's spatial encoder).
            With indices (`output_hidden_states=[0, -1]`), None in the place of each state not selected.
        attentions (`tuple(torch.FloatTensor)`, *optional*):
            The backbone's, with `output_attentions=True`: every attention map in call order (two per block for
            Models 3 and 4, space and time), folded as the model's forward documents.
    """

    loss: torch.FloatTensor | None = None
    logits: torch.FloatTensor | None = None
    head_logits: dict[str, torch.FloatTensor] | None = None
    hidden_states: tuple[torch.FloatTensor, ...] | None = None
    attentions: tuple[torch.FloatTensor, ...] | None = None


# Its `__init__` holds the checks every model runs before building; each model calls `post_init` once its layers exist.
# trf-ignore: TRF013
class ViViTPreTrainedModel(PreTrainedModel):
    """transformers' `PreTrainedModel` for the eight model classes: the weights' initialisation (ViT's, with scenic's
    zero CLS token), the attention kernels they support, the refusal of another variant's config,
    `from_pretrained` naming a checkpoint of another token grid, and the hooks of a device map that splits an
    encoder."""

    config_class = ViViTConfig
    base_model_prefix = "vivit"
    main_input_name = "pixel_values"
    input_modalities = ("video",)
    supports_gradient_checkpointing = True
    # Each variant lists the one block class it is built of, in its own class (`__init_subclass__`): FSDP wraps, and
    # a device map never splits, that block (what accelerate's FSDP plugin reads when no layer class is configured,
    # as in recipes/accelerate_configs/fsdp.yaml). Its wrap policy refuses a listed class the model does not contain,
    # and matches names exactly, not subclasses.
    _no_split_modules = None
    _supports_sdpa = True
    _supports_flash_attn = True
    _supports_flex_attn = True
    _supports_attention_backend = True
    # the forward traces as one graph, a padded batch's masks included (its data-dependent checks step aside under
    # tracing), as transformers' ViViT and ViT declare theirs
    _can_compile_fullgraph = True

    # {"AutoModel": ..., "AutoModelForVideoClassification": ...} of this variant, set at the end of this module
    _auto_map_classes: dict = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # `_no_split_modules`: the variant's block, its `layer_class` (a classifier's, its `backbone_class`'s), set on
        # the class, where transformers (`post_init` copies it to the instance) and accelerate read it. Each class
        # wrote its block's name beside `layer_class`, and each classifier its backbone's again. A subclass that
        # sets its own keeps it.
        block = getattr(getattr(cls, "backbone_class", None) or cls, "layer_class", None)
        if block is not None and "_no_split_modules" not in cls.__dict__:
            cls._no_split_modules = [block.__name__]

    @property
    def hf_device_map(self) -> dict:
        """The device map accelerate's `dispatch_model` placed the model by (transformers' `from_pretrained` with
        a `device_map` calls it), as on any transformers model. dispatch_model sets it last, after its hooks: the
        setter then hooks the modules it split (`hook_split_modules`), whichever way the model was dispatched (a
        wrapper dispatched in its place: `hook_split_modules_of_a_wrapper`, at the forward)."""
        try:
            return self.__dict__["_hf_device_map"]
        except KeyError:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute 'hf_device_map'") from None

    @hf_device_map.setter
    def hf_device_map(self, device_map: dict) -> None:
        self.__dict__["_hf_device_map"] = device_map
        if isinstance(device_map, Mapping):  # (None, as code that un-dispatches a model may set, places nothing)
            hook_split_modules(self, device_map)

    @hf_device_map.deleter
    def hf_device_map(self) -> None:
        # as the plain attribute it is on other transformers models (`del model.hf_device_map` had no deleter)
        try:
            del self.__dict__["_hf_device_map"]
        except KeyError:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute 'hf_device_map'") from None

    def __init__(self, config, *inputs, **kwargs):
        # transformers' `from_config(config, allow_all_kernels=True)` applies it around the build, then passes it on
        # here too (ViT's constructor fails on it alike): an option of the build, not of the model, so it is dropped
        kwargs.pop("allow_all_kernels", None)
        if kwargs:  # (what `from_pretrained(path, config=config, num_labels=3)` passes on beside a config object)
            raise TypeError(keywords_beside_a_config(type(self).__name__, config, kwargs))
        self.check_config_class(config)
        # The variant's rule, not the config's method: a config of the same variant's trust_remote_code copy that an
        # earlier version saved (`check_config_class`) has none, and such a config must still build.
        self.config_class.check_head_counts(config)
        self.check_config_fields(config)
        super().__init__(config, *inputs, **kwargs)
        # what the layers are built of, checked at forward against the config (`check_built_structure`)
        self._built_structure = {
            name: getattr(config, name)
            for name in ("classifier", "attention_order", "spatial_only_baseline")
            if hasattr(type(config), name)
        }

    @staticmethod
    def check_config_fields(config) -> None:
        """Refuse a config whose fields the config's constructor would refuse (`check_fields`): set on the built
        config before the model is built (`config.classifier = "nope"`, `config.update(...)`), they are checked by
        `save_pretrained` alone, and a model built from them would run: an unknown `classifier` pools the mean,
        `embedding_type="frames"` embeds tubelets, `qkv_bias="false"` builds the biases; `"token"` on Model 3 (no CLS
        token) fails in a LayerNorm, "expected input with shape [*, 32], but got input of size [2, 16, 33]".
        `num_labels` (or `id2label`) of another count than `label_spaces` sums to: refused by the classifier's model
        alone, the encoder (`...Model`) was built, and its `save_pretrained` refused at the end of a run."""
        # (a remote-code config an earlier version saved has no check_fields, or no validate_vivit either)
        validate = getattr(config, "check_fields", None) or getattr(config, "validate_vivit", None)
        if validate is None:
            return
        try:
            validate()
        except ValueError as error:
            raise ValueError(f"{error} (a field set on the built config: no model is built from it)") from error

    def resize_token_embeddings(self, *args, **kwargs):
        """Refused: the tokens are tubelets of pixels, no vocabulary. transformers' method failed with
        "'TubeletEmbedding' object has no attribute 'weight'", naming neither why nor what to do instead."""
        raise NotImplementedError(
            f"{type(self).__name__} has no token embeddings to resize: its tokens are tubelets of pixels, not a "
            f"vocabulary. For other classes load it with `from_pretrained(path, num_labels=N, "
            f"ignore_mismatched_sizes=True)`; for another frame count or image size call it with "
            f"`interpolate_pos_encoding=True`."
        )

    @classmethod
    def check_config_class(cls, config) -> None:
        """Refuse the config of another variant (or the shared base `ViViTConfig`). Its `model_type` is what
        `save_pretrained` writes, so Model 1 built on Model 4's config (their weights share names) was saved as Model
        4 and reloaded by the Auto classes as Model 4 with nothing missing, another attention over the trained
        weights; other pairs failed later with an AttributeError or a reshape error naming no config. Compared by
        model_type, not class: a config of vivit_hf's classes given to the same variant's `trust_remote_code` copy
        (or the other way round) is the same variant."""
        if cls.config_class is ViViTConfig or getattr(config, "model_type", None) == cls.config_class.model_type:
            return
        if type(config).model_type == cls.config_class.model_type:
            # this variant's config class (or its remote-code copy) whose instance was given another model's model_type
            # (`Config(**VivitConfig().to_dict())`: transformers keeps the keyword on the instance): "built from X,
            # got an X" named no problem
            raise ValueError(
                f"this {type(config).__name__} was built with model_type={config.model_type!r}, another model's (a "
                f"config dict of another model passed to the constructor?): build it without `model_type`; for a "
                "checkpoint of transformers' own ViViT (Model 1), use "
                "`ViViTSpatioTemporalForVideoClassification.from_transformers_vivit(path)`." + vivit_hf_note()
            )
        raise ValueError(
            f"{cls.__name__} is built from a {cls.config_class.__name__}, got a {type(config).__name__} "
            f"(model_type {getattr(config, 'model_type', None)!r}): saved, the model would be read back as what that "
            f"model_type names. Build this variant's config ({cls.config_class.__name__}(...)), or the config's own "
            f"model with AutoModelForVideoClassification.from_config(config) / AutoModel.from_config(config)."
        )

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, *model_args, **kwargs):
        """transformers' `from_pretrained`. A config that changes the token grid (`num_frames=16`) leaves the
        checkpoint's position embeddings of another shape: transformers refused that in words that named neither
        the sizes nor a way to run the checkpoint at them, and with `ignore_mismatched_sizes=True` started the
        trained position embeddings from random values, as it does a new head. Both now say so and name the two
        ways that keep them; so for another width, tubelet, classifier or class count, and for fields that change
        what every weight computes (`loading_checks.check_loaded_weights`)."""
        ignore_mismatched_sizes = kwargs.pop("ignore_mismatched_sizes", False)
        output_loading_info = kwargs.pop("output_loading_info", False)
        # a head count or Model 3's order given over the checkpoint's (a keyword, or a config object): every weight
        # fits whatever they are, so only the checkpoint's config tells (read again only then)
        asked = "config" in kwargs or bool(set(FUNCTION_FIELDS) & set(kwargs))
        # transformers checks the shapes only after loading: load with the check off, then check here
        model, loading_info = super().from_pretrained(
            pretrained_model_name_or_path, *model_args, ignore_mismatched_sizes=True, output_loading_info=True, **kwargs
        )
        check_loaded_weights(
            pretrained_model_name_or_path, model.config, loading_info, kwargs, ignore_mismatched_sizes, asked
        )
        return (model, loading_info) if output_loading_info else model

    def save_pretrained(self, save_directory, *args, **kwargs):
        """transformers' `save_pretrained`, refused (before anything is written) where the config's `classifier`,
        Model 2's `spatial_only_baseline` or Model 3's `attention_order` was changed after building
        (`check_built_structure`, which the forward runs too): the folder pairs this model's weights with a config
        of another structure. Model 3's reloaded as the other attention order over the same weights, with nothing
        missing to warn of; Model 1 built with "token" and set to "gap" failed to load, naming a token grid.
        The config's own validation (`ViViTConfig.validate`) runs here too: transformers runs it only when it writes
        config.json, after the folder is made and the remote code copied into it, so a refused field
        (`config.qkv_bias = "false"`) left a folder of `.py` files and no config, which no load reads."""
        getattr(self, self.base_model_prefix, self).check_built_structure()
        classifier = getattr(self, "classifier", None)  # (a wrapped one, PEFT's, is checked at forward)
        if isinstance(classifier, (nn.Linear, nn.Identity)):
            self.check_built_head(getattr(classifier, "out_features", 0))  # (Identity: built with num_labels=0)
        self.config.validate()
        return super().save_pretrained(save_directory, *args, **kwargs)

    def post_init(self):
        """transformers' `post_init`; for a class registered for the Auto classes (`import vivit_hf` registers
        ours), `config.auto_map` also names both classes of the variant: `save_pretrained` writes only the saved
        class, and a folder should load with AutoModel and AutoModelForVideoClassification alike under
        `trust_remote_code=True`."""
        super().post_init()
        if self._auto_class is not None and self._auto_map_classes:
            names = {
                auto: f"{cls.__module__.rsplit('.', 1)[-1]}.{cls.__name__}"
                for auto, cls in self._auto_map_classes.items()
            }
            self.config.auto_map = {**(getattr(self.config, "auto_map", None) or {}), **names}

    # transformers' base draws kernels from an untruncated normal; this override sets every module this model has
    # (truncated normals, scenic's zero CLS tokens), so chaining up would only spend random draws: a seeded model's
    # weights would change.
    # trf-ignore: TRF018
    @torch.no_grad()
    def _init_weights(self, module: nn.Module):
        """transformers' ViT initialisation (truncated-normal kernels and position embeddings, zero biases, unit
        LayerNorms), with zero CLS tokens as scenic's (transformers' ViT draws them like the positions). It is the
        only initialiser, so a load with missing keys equals a fresh model."""
        std = self.config.initializer_range
        if isinstance(module, (nn.Linear, nn.Conv2d, nn.Conv3d)):
            init.trunc_normal_(module.weight, mean=0.0, std=std)
            if module.bias is not None:
                init.zeros_(module.bias)
        elif isinstance(module, nn.LayerNorm):
            init.ones_(module.weight)
            init.zeros_(module.bias)
        elif isinstance(module, ViViTEncoder):
            init.trunc_normal_(module.position_embeddings, mean=0.0, std=std)
            if module.cls_token is not None:
                init.zeros_(module.cls_token)


def selected_hidden_states(output_hidden_states) -> list[int] | None:
    """The indices `output_hidden_states` selects (transformers 5's `output_hidden_states=[0, -1]` or `=2`), or None
    where it is a flag. Indices were read as a flag: any list, or any index but 0, returned every hidden state. (Ours,
    not transformers' `output_capturing` helpers: remote code runs on whatever transformers 5 the user has.)
    numpy's and torch's scalars and arrays are the Python values they hold (`np.array([0, 2])`, a tensor of indices or
    `range(2)` returned every state, read as a flag); anything but a flag, an integer or integers is refused
    (`[1.5]` and `["1"]` selected index 1, `1.0` every state). `0` alone selects none: transformers reads it as a
    false flag."""
    value = output_hidden_states
    if hasattr(value, "tolist"):
        value = value.tolist()  # (np.bool_ -> bool, np.int64 -> int, an array or tensor -> its list)
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Integral):
        return [int(value)] if value else []
    if isinstance(value, (list, tuple, range)) and all(
        isinstance(index, Integral) and not isinstance(index, bool) for index in value
    ):
        return [int(index) for index in value]
    raise ValueError(
        "`output_hidden_states` must be a flag (True or False), a hidden state's index or a list of indices "
        f"(`[0, -1]`), got {output_hidden_states!r}."
    )


def selection_per_encoder(selected: list[int], counts: list[int]) -> list[frozenset[int]]:
    """The hidden states `selected` names over this model's whole tuple, as the indices into each encoder's own
    (`counts`: each encoder's states, in call order), for the encoders to keep only those as they run. Negative
    indices count from the end of the whole tuple (Model 2's holds both encoders'); indices out of range select
    nothing, as in transformers' `capture_outputs`."""
    total = sum(counts)
    kept = {index % total for index in selected if -total <= index < total}
    starts = [sum(counts[:i]) for i in range(len(counts))]
    return [frozenset(i - start for i in kept if start <= i < start + n) for start, n in zip(starts, counts)]


def encoder_selection(output_hidden_states, encoder: int):
    """What encoder `encoder` (in call order) is asked to keep: the flag, or its indices (`selection_per_encoder`)."""
    return output_hidden_states[encoder] if isinstance(output_hidden_states, list) else output_hidden_states


def structure_of(field: str, value):
    """What a field sets in the built model: `classifier` whether there is a CLS token ("gap" and "gmp" pool the
    same tokens), `attention_order` the order of Model 3's attentions."""
    return value == "token" if field == "classifier" else value


def not_a_tensor(
    name: str,
    value,
    expected: str,
    fix: str = 'call the video processor with return_tensors="pt" (or convert with torch.as_tensor)',
) -> ValueError:
    """The error for a model input given as a numpy array or a list (the processor's `return_tensors="np"`, or none):
    the model's checks failed on them with an AttributeError ("'numpy.ndarray' object has no attribute
    'is_floating_point'", "'list' object has no attribute 'shape'") naming neither the input nor the fix."""
    shape = getattr(value, "shape", None)
    return ValueError(
        f"`{name}` must be a torch.Tensor of shape {expected}, got a {type(value).__name__}"
        + (f" of shape {tuple(shape)}" if shape is not None else "")
        + f": {fix}."
    )


def check_ones_and_zeros(attention_mask: torch.Tensor) -> None:
    """The frame mask holds 1 (a real frame) and 0 (padding). Any other value would be read as real: an additive mask
    (0 for real frames, a large negative number for padding) would run every padded frame as real and a clip with no
    padding as all padding, and NaN or 0.5 would pass as real."""
    if attention_mask.dtype == torch.bool:
        return
    odd = (attention_mask != 0) & (attention_mask != 1)
    if bool(odd.any()):
        values = attention_mask[odd].unique()[:4].tolist()
        raise ValueError(
            f"`attention_mask` holds 1 for a real frame and 0 for padding (the video processor's pad_to_longest "
            f"gives it), got {values}: an additive mask (0 for real frames, a large negative number for padding) "
            "reads the other way round; pass `(additive_mask == 0).long()`."
        )


def check_frame_mask(attention_mask, batch: int, frames: int) -> None:
    """Refuse a frame mask that is no tensor of one 1 (real) or 0 (padded) per frame of the (`batch`, `frames`) clips
    (its values only outside tracing, where reading them would be data-dependent)."""
    if not isinstance(attention_mask, torch.Tensor):
        raise not_a_tensor("attention_mask", attention_mask, f"(batch, frames) = {(batch, frames)}")
    if tuple(attention_mask.shape) != (batch, frames):
        # (a mask over tokens, as ViT-style code or transformers' common tests build one without a tester's mask,
        # was told only the shape, which did not say why)
        raise ValueError(
            f"`attention_mask` marks the real frames of each clip, one value per frame, not per token: shape "
            f"(batch, frames) = {(batch, frames)}, got {tuple(attention_mask.shape)}."
        )
    if not torch.compiler.is_compiling():
        check_ones_and_zeros(attention_mask)


def channel_axis_hint(given: tuple[int, ...], num_channels: int) -> str:
    """What to do about `pixel_values` of shape `given` whose channel axis does not hold the config's `num_channels`
    (a sentence to follow the refusal), or "" where no reading of the shape suggests one."""
    # Only the channel axis differs (not a channels-first layout): a 4-channel (RGBA) or grey video kept as
    # it is by the processor's `do_convert_rgb=False`, which the shapes alone did not say.
    if len(given) != 5:
        return ""
    hint = ""
    if num_channels == 3 and given[2] in (1, 4):
        hint = " The video processor gives RGB (3 channels) with `do_convert_rgb=True` (its default)."
    elif num_channels == 1 and given[2] == 3:
        # the processor's default repeats grey frames to RGB, and so does a normalisation of three means
        hint = (
            " The video processor keeps a grey video's one channel with `do_convert_rgb=False` and one "
            "`image_mean` / `image_std` for every channel (or none: its default `normalization`); it gives "
            "RGB otherwise, and for an RGB video."
        )
    elif num_channels == 4 and given[2] == 3:
        # an RGBA (or RGB-and-depth) video's 4th channel, composited onto white by the processor's default
        hint = (
            " The video processor keeps a 4-channel (RGBA) video's 4 channels with `do_convert_rgb=False` and "
            "one `image_mean` / `image_std` for every channel; it gives RGB (3 channels) otherwise."
        )
    if given[1] == num_channels:
        # torchvision's and pytorchvideo's video models (and VideoMAE's tutorial before its permute) take
        # (batch, channels, frames, height, width): the shapes alone did not say which axes to swap. Where
        # the channel axis holds what the processor gives (1, 3 or 4 channels: 3 RGBA frames kept by
        # `do_convert_rgb=False` are (1, 3, 4, H, W)), it is one reading of two: the permute alone, followed,
        # would run the alpha as a frame and the frames as channels.
        layout = (
            "the layout of torchvision's and pytorchvideo's video models: pass `pixel_values.permute(0, 2, 1, 3, 4)`."
        )
        if hint:
            hint += f" If it is (batch, channels, frames, height, width) instead, {layout}"
        else:
            hint = f" It looks like (batch, channels, frames, height, width), {layout}"
    return hint


class _ViViTBackbone(ViViTPreTrainedModel):
    """Shared forward of the four `*Model`s: check the input, embed tokens, `encode`, return transformers' output."""

    _input_embed_layer = "token_embedding"

    def encode(
        self,
        tokens: torch.Tensor,
        grid,
        token_mask: torch.Tensor | None,
        resize_positions: bool,
        output_attentions: bool,
        output_hidden_states,
        **kwargs,
    ):
        """tokens (b, t, h, w, d) -> (last_hidden_state, pooled (b, d), hidden_states, attentions); `token_mask`
        (b, t) marks the real temporal indices (None: all real); `output_hidden_states` a flag for every encoder or
        each encoder's selection (`encoder_selection`); `kwargs` go to each encoder (`straddling`, the tall image's
        layout of frame sampling's tokens where they straddle frames: `ViViTEncoder.position_table`), and on to its
        attention."""
        raise NotImplementedError

    def encoders(self) -> tuple[ViViTEncoder, ...]:
        """The encoders in the order they run, each giving its embeddings and its blocks' outputs as hidden states."""
        raise NotImplementedError

    def rollout(self, attentions: tuple, grid, token_mask: torch.Tensor, add_residual: bool) -> torch.Tensor:
        """The head-averaged attention maps of a forward (`rollout.head_mean` of each) and the real temporal indices
        (b, t) -> saliency (b, t, h, w), see `rollout.py`."""
        raise NotImplementedError

    def tubelet_mask(
        self, attention_mask: torch.Tensor | None, pixel_values: torch.Tensor, grid
    ) -> torch.Tensor | None:
        """Frame mask (b, T) -> tubelet mask (b, t): a tubelet is real iff all its frames are. None where nothing
        is padded (outside tracing, where the check would be data-dependent), so a full batch runs unmasked."""
        if attention_mask is None:
            return None
        batch, frames = pixel_values.shape[:2]
        check_frame_mask(attention_mask, batch, frames)
        # CODEPATH: scenic's `temporal_sampling` configs (uniform frame sampling) have no tubelets to mask; every
        # released checkpoint embeds tubelets and goes on.
        if self.config.embedding_type == "frame_sampling":
            return self.refuse_padded_frame_sampling(attention_mask)
        if not torch.compiler.is_compiling():
            self.check_padding_at_the_end(attention_mask)
        t, kt = grid[0], self.config.tubelet_size[0]
        valid = attention_mask[:, : t * kt].bool().reshape(batch, t, kt).all(dim=-1)
        if not torch.compiler.is_compiling():
            if bool(valid.all()):
                return None
            if not bool(valid.any(dim=1).all()):
                raise ValueError(
                    f"every clip needs at least one real tubelet ({kt} real frames at the start of a tubelet)."
                )
        return valid

    @staticmethod
    def check_padding_at_the_end(attention_mask: torch.Tensor) -> None:
        """A clip's real frames come first, its padding after them. A real frame after a padded one (padding at
        the start, as decoders pad text, or a hole) keeps the position in time it has in the padded clip, so the clip
        gives another output than alone (0.0015-0.0024 off on the logits of tiny models), which went without a
        word. Warned of once per process rather than refused: transformers' common tests run left-padded masks
        (eager against sdpa), and the tubelets of a clip padded by an odd count cannot line up with its own anyway."""
        global _WARNED_PADDING_BEFORE_REAL_FRAMES
        if _WARNED_PADDING_BEFORE_REAL_FRAMES:
            return
        real = attention_mask.bool()
        late = real[:, 1:] & ~real[:, :-1]  # a real frame right after a padded one
        if bool(late.any()):
            _WARNED_PADDING_BEFORE_REAL_FRAMES = True
            row = int(late.any(dim=1).nonzero()[0])
            logger.warning(
                "`attention_mask` pads clip %d before real frames (%s): they keep their positions in the padded clip, "
                "so its output is not the clip's own unpadded forward's. Pad at the end, as the video processor's "
                "pad_to_longest does (warned once).",
                row,
                attention_mask[row].int().tolist(),
            )

    @staticmethod
    def refuse_padded_frame_sampling(attention_mask: torch.Tensor) -> None:
        """Uniform frame sampling takes no padding; a mask with every frame real (`pad_to_longest` over clips of
        equal length, a collator that always sends one) is no mask, as for tubelets. Under tracing the values cannot
        be read: refused there."""
        if not torch.compiler.is_compiling() and bool(attention_mask.bool().all()):
            return None
        raise ValueError(
            "`attention_mask` with padded frames needs tubelet embedding: uniform frame sampling spreads its frames "
            "over the padded length. Sample each clip's frames before padding, or pass clips of equal length "
            "(with a mask of ones, or none)."
        )

    @can_return_tuple
    def get_video_features(
        self,
        pixel_values: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        num_views: int = 1,
        normalize: bool = False,
        interpolate_pos_encoding: bool = False,
        pixel_values_videos: torch.Tensor | None = None,
        **kwargs: Unpack[TransformersKwargs],
    ) -> BaseModelOutputWithPooling:
        """Clip embeddings: the forward's output with `pooler_output` (b, hidden_size) the pooled representation
        the classifier reads, averaged over each video's views and, with `normalize=True`, of unit L2 norm.

        `pixel_values` (or transformers' name for it here, `pixel_values_videos`) is (b * num_views, frames,
        channels, height, width), each video's views side by side, as the processor returns `num_clips` x
        `num_crops` views; `last_hidden_state`, `hidden_states` and `attentions` stay per view.
        """
        pixel_values = pixel_values if pixel_values is not None else pixel_values_videos
        # (0 or -1 returned each view's embedding unaveraged, and a count that does not divide the views failed in
        # `unflatten` after the whole forward)
        if isinstance(num_views, bool) or not isinstance(num_views, Integral) or num_views < 1:
            raise ValueError(f"num_views must be a whole number >= 1 (views per video), got {num_views!r}.")
        if num_views > 1 and pixel_values is not None and pixel_values.shape[0] % num_views:
            raise ValueError(
                f"num_views={num_views} does not divide the {pixel_values.shape[0]} clips of `pixel_values`, which "
                "holds each video's views side by side: (videos * num_views, frames, channels, height, width)."
            )
        outputs = self(
            pixel_values,
            attention_mask=attention_mask,
            interpolate_pos_encoding=interpolate_pos_encoding,
            return_dict=True,
            **kwargs,
        )
        # Averaged and normalised in float32, rounded once to the model's dtype: in bfloat16 the norm was rounded
        # (8 bits of mantissa) before the division rounded again, a quarter of a unit embedding's components one ulp
        # from the float32 one's, rounded. Returned in the model's dtype, as transformers' `get_image_features` and
        # this output's `last_hidden_state` are (the pipeline's float32 is for scores; an embedding feeds the user's
        # next layer, in the model's dtype).
        pooled = outputs.pooler_output
        dtype, pooled = pooled.dtype, pooled.float()
        if num_views > 1:
            pooled = pooled.unflatten(0, (-1, num_views)).mean(dim=1)
        outputs.pooler_output = (F.normalize(pooled, dim=-1) if normalize else pooled).to(dtype)
        return outputs

    @torch.no_grad()
    def attention_rollout(
        self,
        pixel_values: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        interpolate_pos_encoding: bool = False,
        add_residual: bool = True,
    ) -> torch.Tensor:
        """Attention rollout as a saliency volume (b, t, h, w) over the token grid, each clip summing to 1 (padded
        tubelets 0). Runs one forward with the eager kernel's attention maps; the rule is in `rollout.py`.

        The forward runs in eval mode whatever the model's mode (each module's is restored after it): in training mode
        attention dropout and stochastic depth gave another saliency on every call (a callback saliency mid-training,
        a notebook without `.eval()`). Each attention's maps are reduced to their head means as it returns them
        (`keep_head_means`): the forward kept every block's per-head maps, 5.7 GB per clip for ViViT-B Model 1 at
        32x224x224, of which rollout reads the means only."""
        modes = [(module, module.training) for module in self.modules()]
        hooks = [
            module.register_forward_hook(keep_head_means)
            for module in self.modules()
            if isinstance(module, ViViTSelfAttention)
        ]
        self.eval()
        try:
            outputs = self(
                pixel_values,
                attention_mask=attention_mask,
                interpolate_pos_encoding=interpolate_pos_encoding,
                output_attentions=True,
                return_dict=True,
            )
        finally:
            for hook in hooks:
                hook.remove()
            for module, training in modes:
                module.training = training
        grid = self.token_embedding.token_grid(*pixel_values.shape[1:2], *pixel_values.shape[3:])
        token_mask = self.tubelet_mask(attention_mask, pixel_values, grid)
        if token_mask is None:
            token_mask = torch.ones(pixel_values.shape[0], grid[0], dtype=torch.bool, device=pixel_values.device)
        return self.rollout(outputs.attentions, grid, token_mask, add_residual)

    def check_built_structure(self) -> None:
        """Refuse a config whose `classifier` (a CLS token or none), Model 2's `spatial_only_baseline` (a temporal
        encoder or none) or Model 3's `attention_order` was changed after the model was built (`config.classifier =
        "gap"`, `config.update(...)`): the CLS token and the blocks keep what they were built with, but pooling and
        rollout read the config, and `save_pretrained` writes it. Model 1 built with "token" and set to "gap" averaged
        its CLS token in with the patches (0.27 off on a tiny model's logits) and its saved folder reloaded without the
        CLS token; Model 3's reloaded its blocks in the other order."""
        changed = {
            name: value
            for name, value in getattr(self, "_built_structure", {}).items()  # (a model pickled by an earlier version)
            if structure_of(name, getattr(self.config, name)) != structure_of(name, value)
        }
        if changed:
            built = ", ".join(f"{name}={value!r}" for name, value in changed.items())
            now = ", ".join(f"{name}={getattr(self.config, name)!r}" for name in changed)
            raise ValueError(
                f"this model was built with {built}, but its config now says {now}: set after building, the field "
                "changes no weight (the CLS token, the blocks' order) but what reads it (pooling, attention rollout, "
                f"save_pretrained). Set it back, or restart the model with it (`model, report = "
                f"vivit_hf.conversion.from_vivit_checkpoint(model, {now})`, which keeps what fits and says what "
                "does not; `from_pretrained(path, ...)` refuses another CLS token and warns of another order)."
                + vivit_hf_note()
            )

    def check_cpu_autocast(self, tokens: torch.Tensor) -> None:
        """Refuse a parameter of one 16-bit float type that CPU autocast to the other leaves uncast (a float16 model
        under `torch.autocast("cpu", dtype=torch.bfloat16)`, the CPU's default, or bfloat16 weights under float16):
        torch's CPU autocast casts what a linear or convolution layer computes with, whatever its type, but mixes the
        CLS token, the position table and the LayerNorms' weights with the other 16-bit type only if they are float32,
        and the forward failed inside a kernel with "Unexpected floating ScalarType in at::autocast::prioritize"
        (Models 1, 2) or "mixed dtype (CPU): expect parameter to have scalar type of Float" (Models 3, 4);
        transformers' VivitForVideoClassification fails alike. (CUDA's autocast casts either.) The linear and
        convolution weights are not read: accelerate's layerwise casting stores them in float16 for a bfloat16
        computation, which must run. An offloaded parameter waits on the meta device, of the type it is
        stored in: it is used where the tokens are (accelerate's `cpu_offload`)."""
        if not torch.is_autocast_enabled("cpu"):
            return
        running = torch.get_autocast_dtype("cpu")
        other = {torch.float16: torch.bfloat16, torch.bfloat16: torch.float16}.get(running)
        if other is None:
            return
        # the first parameter autocast leaves as it is (the CLS token, else the position table or a LayerNorm's):
        # a model cast whole holds the others in its type, and reading them all cost 0.1 ms a forward of one layer
        cast_by_autocast = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d)
        name, parameter = next(
            (
                (".".join(filter(None, (module_name, name))), parameter)
                for module_name, module in self.named_modules()
                if not isinstance(module, cast_by_autocast)
                for name, parameter in module.named_parameters(recurse=False)
            ),
            (None, None),
        )
        if parameter is None or parameter.dtype != other:
            return
        if (tokens.device if parameter.device.type == "meta" else parameter.device).type != "cpu":
            return
        raise ValueError(
            f"this model's weights are {other}, but CPU autocast runs {running}: torch's CPU autocast cannot mix the "
            f"two outside its linear and convolution layers ({name} is {other}). Cast the model to float32 "
            f"(`model.float()`) or {running} (`model.to({running})`), or autocast to {other} (`torch.autocast('cpu', "
            f"dtype={other})`)."
        )

    def check_pixel_values(self, pixel_values: torch.Tensor | None, interpolate_pos_encoding: bool):
        """Refuse a wrongly shaped input, stating the shape the model expects."""
        config = self.config
        height, width = config.image_size_hw
        expected = f"(batch, {config.num_frames}, {config.num_channels}, {height}, {width})"
        if pixel_values is None:
            raise ValueError(f"`pixel_values` is required: a float tensor of shape {expected}.")
        if not isinstance(pixel_values, torch.Tensor):
            # The processor's `return_tensors="np"` (or none, for a list of clips) gives arrays: the checks below
            # failed on them with "'numpy.ndarray' object has no attribute 'is_floating_point'".
            raise not_a_tensor("pixel_values", pixel_values, expected)
        if pixel_values.ndim != 5 or pixel_values.shape[2] != config.num_channels or pixel_values.shape[1] < 1:
            given = tuple(pixel_values.shape)
            raise ValueError(
                f"`pixel_values` must have shape {expected} = (batch, frames, channels, height, width), "
                f"got {given}.{channel_axis_hint(given, config.num_channels)}"
            )
        if not pixel_values.is_floating_point():
            # Raw uint8 frames cast and run as values in [0, 255], far outside the [-1, 1] or normalised range the
            # model was trained on, would give plausible but wrong logits.
            raise ValueError(
                f"`pixel_values` must be a float tensor of rescaled, normalised pixels, got dtype "
                f"{pixel_values.dtype} (raw pixels?): run the frames through `ViViTVideoProcessor` (or rescale and "
                "normalise them as it does)."
            )
        batch, frames, _, in_height, in_width = pixel_values.shape
        if batch == 0:  # (the kernels' reshapes failed on it: "cannot reshape tensor of 0 elements")
            raise ValueError(
                f"`pixel_values` of shape {tuple(pixel_values.shape)} holds no clip: skip this step. (The video "
                "processor with skip_broken=True returns such a batch, `kept_indices` empty, when every video of a "
                "call is broken.)"
            )
        if interpolate_pos_encoding:
            if min(self.token_embedding.token_grid(frames, in_height, in_width)) < 1:
                raise ValueError(
                    f"`pixel_values` of shape {tuple(pixel_values.shape)} is smaller than one tubelet "
                    f"{tuple(config.tubelet_size)} (t, h, w)."
                )
        elif frames > config.num_frames or (in_height, in_width) != (height, width):  # CODEPATH: an input check
            # Fewer frames run as they do padded in a batch: their tubelets take the first positions in time.
            # Too many are most often a video's decoded frames given to the processor, which keeps frames in memory
            # as given (transformers' rule): the hint names the processor's sampling, as `interpolate_pos_encoding`
            # alone would run the model on every frame, at another rate than its clips were trained at.
            sample = (
                # CODEPATH: the same message for every checkpoint, this hint for too many frames only.
                " (frames given to the video processor as an array, tensor or images are kept as given: "
                f"`processor(frames, do_sample_frames=True)` samples the model's clip of {config.num_frames})"
                if frames > config.num_frames
                else ""
            )
            # CODEPATH: tubelet checkpoints (all released ones) run fewer frames; frame sampling refuses them below.
            fewer = " (or fewer frames)" if config.embedding_type == "tubelet" else ""
            raise ValueError(
                f"`pixel_values` must have shape {expected}{fewer}, got {tuple(pixel_values.shape)}; "
                f"pass `interpolate_pos_encoding=True` to run at another frame count or image size{sample}."
            )
        # CODEPATH: tubelet checkpoints (all released ones) need one tubelet; frame sampling (scenic's
        # `temporal_sampling` configs) needs its whole clip.
        elif config.embedding_type == "tubelet" and frames < config.tubelet_size[0]:
            raise ValueError(f"`pixel_values` of shape {tuple(pixel_values.shape)} is shorter than one tubelet.")
        elif config.embedding_type == "frame_sampling" and frames < config.num_frames:
            # Fewer tubelets take the first positions in time at the trained rate (a padded clip's); uniform sampling
            # would spread its frames over the clip it is given instead, at another rate than trained (and fewer
            # frames than it samples would take the first positions, each frame closer in time than trained).
            # scenic's samples the same frames (and fails on a clip of fewer than it samples); more frames than
            # `num_frames` are refused above for the same reason.
            indices = self.token_embedding.frame_indices
            raise ValueError(
                f"`pixel_values` of shape {tuple(pixel_values.shape)} has {frames} frames where this frame-sampling "
                f"model takes {config.num_frames}: it samples its {config.num_sampled_frames} frames over the clip it "
                f"is given, frames {indices(frames)} of {frames} where its clips gave "
                f"{indices(config.num_frames)} of {config.num_frames}, at another rate than it was trained at. Give "
                f"clips of {config.num_frames} frames (the video processor samples them), or pass "
                "`interpolate_pos_encoding=True` to run at another frame count."
            )

    @can_return_tuple
    def forward(
        self,
        pixel_values: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        output_attentions: bool | None = None,
        output_hidden_states: bool | int | list[int] | None = None,
        interpolate_pos_encoding: bool = False,
        **kwargs: Unpack[TransformersKwargs],
    ) -> BaseModelOutputWithPooling:
        r"""
        pixel_values (`torch.FloatTensor` of shape `(batch, frames, channels, height, width)`): the clip.
        attention_mask (`torch.Tensor` of shape `(batch, frames)`): 1 for a real frame, 0 for padding (clips of
            different lengths padded at the end). A tubelet is real iff all its frames are; no real token attends
            to a padded one and pooling skips them, so each clip's output is its own unpadded forward's.
        interpolate_pos_encoding (`bool`): run at another frame count or image size than the configured one; the
            learned position embeddings are resized (linearly per axis, corners aligned) over time and space.
        output_attentions (`bool`): return the attention maps (this call runs the eager kernel), one per attention
            in call order: Model 1 one per layer `(b, heads, n, n)`; Model 2 the spatial encoder's `((b t), ...)`,
            then the temporal encoder's; Models 3 and 4 two per layer, space `((b t), heads, s, s)` then time
            `((b s), heads, t, t)` (Model 3 with `attention_order="time_space"`: time then space; Model 4's maps
            hold half the heads each). Folded axes are sample-major (docs/models.md, "Attention, checkpointing and
            outputs").
        output_hidden_states (`bool`, `int` or `list[int]`): the embeddings and each layer's output, before the final
            LayerNorm (Model 2: the spatial encoder's, folded `((b t), n, d)`, then the temporal encoder's). An index
            or a list of indices (negative ones count from the end) keeps those and returns None in the others' places,
            as transformers' models do (there too `0` alone returns none; `[0]` selects the embeddings).
        """
        output_attentions = self.config.output_attentions if output_attentions is None else output_attentions
        output_hidden_states = (
            self.config.output_hidden_states if output_hidden_states is None else output_hidden_states
        )
        selected = selected_hidden_states(output_hidden_states)
        output_hidden_states = bool(output_hidden_states) if selected is None else bool(selected)
        keep = output_hidden_states
        if selected:  # each encoder keeps its own selected states as it runs
            keep = selection_per_encoder(selected, [len(encoder.layers) + 1 for encoder in self.encoders()])
        if kwargs.get("head_mask") is not None:
            # transformers 4's ViViT and ViT multiplied their attention maps by it; transformers 5 dropped it and its
            # models pass it on to kernels that ignore it: the unmasked output, where the user asked for a mask.
            raise ValueError(
                f"`head_mask` (shape {tuple(getattr(kwargs['head_mask'], 'shape', ()))}) is not applied by these "
                "models (nor by transformers 5's ViViT or ViT, which ignore it): call the model without it."
            )
        self.check_built_structure()
        self.check_pixel_values(pixel_values, interpolate_pos_encoding)
        hook_split_modules_of_a_wrapper(self)
        tokens = self.token_embedding(pixel_values)  # cast to the projection's dtype in its call (`cast_for`)
        self.check_cpu_autocast(tokens)  # (after the embedding: where an offloaded model's tokens are is known)
        grid = tuple(tokens.shape[1:4])
        last, pooled, hidden_states, attentions = self.encode(
            tokens,
            grid,
            self.tubelet_mask(attention_mask, pixel_values, grid),
            resize_positions=interpolate_pos_encoding,
            output_attentions=output_attentions,
            output_hidden_states=keep,
            straddling=self.token_embedding.straddling_layout(pixel_values.shape[1], *pixel_values.shape[3:]),
            **kwargs,
        )
        return BaseModelOutputWithPooling(
            last_hidden_state=last,
            pooler_output=pooled,
            hidden_states=hidden_states if output_hidden_states else None,
            attentions=attentions if output_attentions else None,
        )


# ------------------------------------------------------------------------------------------------ Models 1, 3, 4
class _ViViTSingleEncoderModel(_ViViTBackbone):
    """Models 1, 3 and 4: one encoder over all `n_t * n_h * n_w` tokens (+ CLS), the same token embedding, position
    table and final LayerNorm; they differ in their blocks' attention (`layer_class`: Model 4's block has Model 1's
    parameters, Model 3's a second attention and LayerNorm), so each variant says what a padded temporal index masks
    (`layer_attention_mask(token_mask (b, t), grid, dtype)`: the additive key mask its blocks take) and how its
    head-averaged attention maps roll out (`rollout_steps(attentions, grid)`: steps `v -> v A` in call order)."""

    layer_class: type[nn.Module]

    def __init__(self, config, **kwargs):
        super().__init__(config, **kwargs)
        self.token_embedding = build_token_embedding(config)
        self.encoder = ViViTEncoder(
            config,
            config.token_grid,
            config.num_hidden_layers,
            self.layer_class,
            config.classifier == "token",
            straddling=config.straddling_layout,
        )
        self.post_init()

    def __setstate__(self, state):
        super().__setstate__(state)
        encoder = self._modules.get("encoder")
        if encoder is not None and "straddling" not in vars(encoder):
            # An encoder pickled whole (`torch.save(model)`) by a version that did not keep the tall image's layout:
            # taken as none, a straddling model would refuse its own size and, resizing, read its table as per-frame
            # rows. The layout it was built with is its config's.
            encoder.straddling = self.config.straddling_layout

    @staticmethod
    def valid_tokens(token_mask: torch.Tensor, grid) -> torch.Tensor:
        """(b, t) -> (b, t*s), the patch tokens' validity in token order."""
        return token_mask[:, :, None].expand(-1, -1, grid[1] * grid[2]).flatten(1)

    def encode(self, tokens, grid, token_mask, resize_positions, output_attentions, output_hidden_states, **kwargs):
        mask = valid = None
        if token_mask is not None:
            mask = self.layer_attention_mask(token_mask, grid, tokens.dtype)
            valid = self.valid_tokens(token_mask, grid)
        hidden, hidden_states, attentions = self.encoder(
            tokens.flatten(1, 3),
            grid,
            layer_grid=grid,
            output_attentions=output_attentions,
            output_hidden_states=encoder_selection(output_hidden_states, 0),
            attention_mask=mask,
            resize_positions=resize_positions,
            **kwargs,
        )
        return hidden, pool(hidden, self.config.classifier, valid), hidden_states, attentions

    def encoders(self):
        return (self.encoder,)

    def rollout(self, attentions, grid, token_mask, add_residual):
        valid = self.valid_tokens(token_mask, grid)
        steps = self.rollout_steps(attentions, grid)
        saliency = rollout_saliency(valid, self.encoder.num_prefix_tokens, self.config.classifier, steps, add_residual)
        return saliency.reshape(-1, *grid)


def factorised_attention_mask(token_mask: torch.Tensor, grid, dtype: torch.dtype) -> torch.Tensor:
    """Models 3 and 4: only the time attention sees padding; its key mask is over the t tokens at each spatial
    position, `((b s), t)`."""
    per_position = token_mask[:, None, :].expand(-1, grid[1] * grid[2], -1).flatten(0, 1)
    return attention_bias(per_position, dtype)


# ------------------------------------------------------------------------------------------------ Model 1
class ViViTSpatioTemporalModel(_ViViTSingleEncoderModel):
    """Model 1: every token attends to every other token, `n_t * n_h * n_w` (+ CLS) of them."""

    config_class = ViViTSpatioTemporalConfig
    layer_class = ViViTLayer

    def layer_attention_mask(self, token_mask, grid, dtype):
        """Over all `[1 +] t*s` tokens: a padded temporal index hides its every patch token."""
        return self.encoder.key_mask(self.valid_tokens(token_mask, grid), dtype)

    def rollout_steps(self, attentions, grid):
        """One joint map per block."""
        return joint_steps(attentions)


# ------------------------------------------------------------------------------------------------ Model 3
class ViViTFactorisedSelfAttentionModel(_ViViTSingleEncoderModel):
    """Model 3: Model 1's token layout, but each block attends over space and over time separately (§3.3)."""

    config_class = ViViTFactorisedSelfAttentionConfig
    layer_class = FactorisedSelfAttentionLayer

    layer_attention_mask = staticmethod(factorised_attention_mask)

    def rollout_steps(self, attentions, grid):
        """Per block, a space map and a time map in the block's `attention_order`."""
        steps = {"space": space_step, "time": time_step}
        order = self.config.attention_order.split("_") * (len(attentions) // 2)
        return [lambda v, a=a, step=steps[axis]: step(v, a, grid) for a, axis in zip(attentions, order)]


# ------------------------------------------------------------------------------------------------ Model 4
class ViViTFactorisedDotProductModel(_ViViTSingleEncoderModel):
    """Model 4: Model 1's parameters exactly, with half the heads of every block attending over time and half
    over space (§3.3)."""

    config_class = ViViTFactorisedDotProductConfig
    layer_class = FactorisedDotProductLayer

    layer_attention_mask = staticmethod(factorised_attention_mask)

    def rollout_steps(self, attentions, grid):
        """Per block, the space and time head groups (half the heads each) mixed before the one projection."""
        return [
            lambda v, s=s, t=t: 0.5 * (space_step(v, s, grid) + time_step(v, t, grid))
            for s, t in zip(attentions[0::2], attentions[1::2])
        ]


# ---------------------------------------------------------------------------------- Model 2: two encoders
class ViViTFactorisedEncoderModel(_ViViTBackbone):
    """Model 2: a spatial encoder (one set of weights for every temporal index) summarises each temporal index
    by its CLS token (or its classifier's pooling); a temporal encoder pools the summaries the same way."""

    config_class = ViViTFactorisedEncoderConfig
    layer_class = ViViTLayer

    def __init__(self, config: ViViTFactorisedEncoderConfig, **kwargs):
        super().__init__(config, **kwargs)
        n_t, n_h, n_w = config.token_grid
        use_cls_token = config.classifier == "token"
        self.token_embedding = build_token_embedding(config)
        self.spatial_encoder = ViViTEncoder(
            config, (n_h, n_w), config.num_hidden_layers, self.layer_class, use_cls_token
        )
        # scenic's spatial_only_baseline (the paper's average-pooled time) has no temporal encoder at all. (getattr: a
        # config of the code a 0.1 folder carries, `tests/data/release_0_1`, has no such field.)
        self.temporal_encoder = (
            None
            if getattr(config, "spatial_only_baseline", False)
            else ViViTEncoder(
                config,
                (n_t,),
                config.num_temporal_layers,
                self.layer_class,
                use_cls_token,
                num_heads=config.temporal_num_attention_heads,
                intermediate_size=config.temporal_intermediate_size,
            )
        )
        self.post_init()

    def encoders(self):
        return tuple(encoder for encoder in (self.spatial_encoder, self.temporal_encoder) if encoder is not None)

    def encode(self, tokens, grid, token_mask, resize_positions, output_attentions, output_hidden_states, **kwargs):
        batch, t = tokens.shape[:2]
        if not resize_positions and tuple(grid[1:]) != self.spatial_encoder.grid:
            # The spatial encoder's table resizes to any (h, w) it is given. `check_pixel_values` holds the image size
            # to the config's, but a config edited after building (`config.image_size = 48`) let another size through:
            # Model 2 ran it on resized position embeddings without being asked, where Models 1, 3 and 4 refuse it.
            raise ValueError(
                f"a spatial token grid of {tuple(grid[1:])} does not fit the trained {self.spatial_encoder.grid} "
                "without resizing; pass `interpolate_pos_encoding=True`."
            )
        frames = tokens.flatten(0, 1).flatten(1, 2)  # ((b t), h*w, d): the spatial encoder sees one frame at a time
        # drop_group: scenic's spatial encoder runs under jax.vmap over time with unbatched dropout keys, so stochastic
        # depth drops a block for every frame of a clip at once and each dropout mask is the same for all its frames
        spatial, spatial_hidden, spatial_attentions = self.spatial_encoder(
            frames,
            grid[1:],
            output_attentions=output_attentions,
            output_hidden_states=encoder_selection(output_hidden_states, 0),
            drop_group=t,
            **kwargs,
        )
        summaries = pool(spatial, self.config.classifier).unflatten(0, (batch, t))  # (b, t, d)
        if self.temporal_encoder is None:
            # scenic's spatial_only_baseline: the mean of the (real) frame summaries over time, whatever the classifier
            return summaries, pool(summaries, "gap", token_mask), spatial_hidden, spatial_attentions
        # Padded temporal indices are summarised like any frame; the temporal encoder never attends to or pools them
        mask = None if token_mask is None else self.temporal_encoder.key_mask(token_mask, summaries.dtype)
        hidden, temporal_hidden, temporal_attentions = self.temporal_encoder(
            summaries,
            grid[:1],
            output_attentions=output_attentions,
            output_hidden_states=encoder_selection(output_hidden_states, 1),
            attention_mask=mask,
            resize_positions=resize_positions,
            **kwargs,
        )
        return (
            hidden,
            pool(hidden, self.config.classifier, token_mask),
            spatial_hidden + temporal_hidden,
            spatial_attentions + temporal_attentions,
        )

    def rollout(self, attentions, grid, token_mask, add_residual):
        """Each temporal index's spatial rollout, weighted by the temporal encoder's rollout over temporal indices."""
        t, h, w = grid
        spatial_maps = attentions[: self.config.num_hidden_layers]
        temporal_maps = attentions[self.config.num_hidden_layers :]
        classifier, prefix = self.config.classifier, self.spatial_encoder.num_prefix_tokens
        every_patch = token_mask.new_ones(token_mask.shape[0] * t, h * w)
        spatial = rollout_saliency(every_patch, prefix, classifier, joint_steps(spatial_maps), add_residual)
        if self.temporal_encoder is None:  # the mean over the real temporal indices
            temporal = token_mask.float() / token_mask.sum(dim=1, keepdim=True)
        else:
            temporal = rollout_saliency(token_mask, prefix, classifier, joint_steps(temporal_maps), add_residual)
        return spatial.reshape(-1, t, h, w) * temporal[:, :, None, None]


# ----------------------------------------------------------------------------------- classification heads
class _ViViTForVideoClassification(ViViTPreTrainedModel):
    """Pooled output -> optional `pre_logits` (dense + tanh, scenic's `representation_size`) -> `classifier`.
    Named label spaces (Epic Kitchens: noun and verb) share the one classifier, split column-wise."""

    backbone_class = None

    def __init__(self, config, **kwargs):
        super().__init__(config, **kwargs)
        config.check_num_labels()  # here, not in forward's split of the logits, if they were set apart after building
        self.vivit = self.backbone_class(config)
        width = config.representation_size or config.hidden_size
        self.pre_logits = (
            # CODEPATH: released ViViT checkpoints have no representation layer; scenic configs that set
            # `model.representation_size` (ViT's pre-logits, dense + tanh) take it.
            nn.Sequential(nn.Linear(config.hidden_size, width), nn.Tanh()) if config.representation_size else None
        )
        self.classifier = nn.Linear(width, config.num_labels) if config.num_labels > 0 else nn.Identity()
        self.post_init()

    @can_return_tuple
    def get_video_features(
        self, pixel_values: torch.Tensor | None = None, **kwargs: Unpack[TransformersKwargs]
    ) -> BaseModelOutputWithPooling:
        """The backbone's clip embeddings in `pooler_output` (before `pre_logits` and the classifier): see
        `_ViViTBackbone.get_video_features` (`attention_mask`, `num_views`, `normalize`, `interpolate_pos_encoding`)."""
        return self.vivit.get_video_features(pixel_values, return_dict=True, **kwargs)

    def attention_rollout(self, pixel_values: torch.Tensor, **kwargs) -> torch.Tensor:
        """Saliency (b, t, h, w) by attention rollout of the backbone: see `_ViViTBackbone.attention_rollout`."""
        return self.vivit.attention_rollout(pixel_values, **kwargs)

    def check_built_head(self, built: int) -> None:
        """Refuse a `config.num_labels` set after building (`model.config.num_labels = 7`) where the classifier gives
        `built` outputs: it keeps the rows it was built with, but the loss reads the config (torch's "shape '[-1, 7]'
        is invalid for input of size 6" with 3 rows, naming neither count) and `save_pretrained` would write a config
        its weights do not fit, which no load without `ignore_mismatched_sizes` reads."""
        if built != self.config.num_labels:
            asked = self.config.num_labels
            raise ValueError(
                f"this model was built with num_labels={built}, but its config now says num_labels={asked}: set "
                "after building, the count changes no weight of the classifier. Set it back, or give the "
                f"model a new head of {asked} classes (`from_pretrained(path, num_labels={asked}, "
                f"ignore_mismatched_sizes=True)`, or `model, report = vivit_hf.conversion.from_vivit_checkpoint(path, "
                f"num_labels={asked})`, which keeps the rest)." + vivit_hf_note()
            )

    def _labels_shape(self) -> str:
        """The shape `labels` take, for a message: a class index per head, a target per class (multi-label), or a
        class index per clip."""
        heads = len(self.config.label_spaces or {})
        if heads:
            return f"(batch, {heads})"
        if "multi_label" in str(self.config.problem_type):
            return f"(batch, {self.config.num_labels})"
        return "(batch,)"

    def split_heads(self, logits: torch.Tensor) -> dict[str, torch.Tensor] | None:
        spaces = self.config.label_spaces
        if not spaces:
            return None
        return dict(zip(spaces, logits.split(list(spaces.values()), dim=-1)))

    def compute_loss(
        self, labels: torch.Tensor, logits: torch.Tensor, head_logits, num_items_in_batch=None
    ) -> torch.Tensor:
        """The loss of transformers' classifiers (`config.problem_type`), or with label spaces scenic's multi-head
        cross-entropy (`multi_head_cross_entropy`: the mean over the labelled (clip, head) entries);
        `num_items_in_batch` (Trainer's, under gradient accumulation) scales both alike."""
        if head_logits is None:
            problem_type = self.config.problem_type or infer_problem_type(labels, self.config.num_labels)
            labels = self._check_labels(labels, logits, problem_type)
            # Set only once the labels fit it: transformers' loss sets it from the first labels it sees, so one
            # call with wrong labels left every later call, with the right ones, refused under the wrong type.
            self.config.problem_type = problem_type
            loss = self.loss_function(labels, logits, self.config, num_items_in_batch=num_items_in_batch)
            if num_items_in_batch is not None and self.config.problem_type in MEAN_OVER_LABEL_ENTRIES:
                loss = loss * micro_batch_share(labels, num_items_in_batch).to(loss.device)
            return loss
        # Float (batch, heads) labels were read as soft targets laid out like the logits and met torch's
        # "split_with_sizes expects split_sizes to sum exactly to 2".
        if labels.ndim != 2 or labels.shape[1] != len(head_logits) or labels.is_floating_point():
            raise ValueError(
                f"with label spaces {list(head_logits)}, `labels` must be integer class indices of shape (batch, "
                f"{len(head_logits)}), one per head (-100 where a clip has none), got {labels.dtype} of shape "
                f"{tuple(labels.shape)}."
            )
        return multi_head_cross_entropy(
            logits, labels, list(self.config.label_spaces.values()), num_items_in_batch=num_items_in_batch
        )

    def _check_a_classifier_for(self, labels: torch.Tensor) -> None:
        """With `num_labels=0` there is no classifier: `logits` are the pooled features (b, d). Class labels were
        read against them: the refusal of (b,) class indices (transformers' rule made them multi-label) advised
        `problem_type='single_label_classification'`, which then failed in torch ("shape '[-1, 0]' is invalid");
        neither said there is no classifier. A regression onto the features (labels of their shape) stays a loss."""
        if self.config.num_labels or self.config.problem_type == "regression":
            return
        raise ValueError(
            f"this model has no classifier (num_labels=0: `logits` are the pooled features, (batch, "
            f"{self.config.representation_size or self.config.hidden_size})), so `labels` "
            f"({labels.dtype} of shape {tuple(labels.shape)}) name no class of it: give it a classifier of N classes "
            "(`from_pretrained(path, num_labels=N, ignore_mismatched_sizes=True)`), or, to regress the features "
            "onto targets of their shape, set `problem_type='regression'`."
        )

    def _check_labels(self, labels: torch.Tensor, logits: torch.Tensor, problem_type: str) -> torch.Tensor:
        """The labels as `problem_type`'s loss takes them, or a ValueError naming their shape and dtype and the fix.

        transformers' loss flattens single-label labels and hands the rest to torch as they are, so a fresh model's
        first labels that did not fit met "Expected input batch_size (2) to match target batch_size (6)", "expected
        target dtype to be Long or Byte, but got Int" (int32 class indices, which transformers' own rule calls
        single-label) or "result type Float can't be cast to the desired output type Long" (integer multi-hot
        labels): none names the labels or what to do."""
        if problem_type == "single_label_classification" and self.config.num_labels == 1:
            self._check_one_class(labels)
        if problem_type == "single_label_classification" and self.config.num_labels > 1:
            if labels.is_floating_point() or labels.numel() != logits.shape[0]:
                raise ValueError(
                    f"problem_type 'single_label_classification' takes one class index per clip, `labels` of shape "
                    f"({logits.shape[0]},) and an integer dtype; got {labels.dtype} of shape {tuple(labels.shape)}. "
                    "For soft targets (mixup) take the loss from `logits` (F.cross_entropy(logits, targets)); for "
                    "several labels per clip set problem_type='multi_label_classification' (or pass float labels)."
                )
            return labels.long()  # class indices of any integer dtype; torch's cross-entropy takes int64 only
        if problem_type == "multi_label_classification":
            if tuple(labels.shape) != tuple(logits.shape):
                raise ValueError(
                    f"problem_type 'multi_label_classification' takes one 0-1 target per class, `labels` of the "
                    f"logits' shape {tuple(logits.shape)}; got {labels.dtype} of shape {tuple(labels.shape)}. For one "
                    "class index per clip pass int64 labels and set problem_type='single_label_classification' "
                    "(or leave it unset: int64 / int32 labels set it)."
                )
            # Multi-hot integer or bool labels are 0-1 targets; float ones (soft targets) stay as given.
            return labels if labels.is_floating_point() else labels.to(logits.dtype)
        if problem_type == "regression" and not self._regression_labels_fit(labels, logits):
            # torch's MSE broadcast (batch,) targets against (batch, num_labels) logits with a warning only.
            raise ValueError(
                f"problem_type 'regression' takes one target per output, `labels` of the logits' shape "
                f"{tuple(logits.shape)} (or ({logits.shape[0]},) with num_labels=1); got {labels.dtype} of shape "
                f"{tuple(labels.shape)}. For one class index per clip pass int64 labels and set "
                "problem_type='single_label_classification'."
            )
        return labels

    @staticmethod
    def _check_one_class(labels: torch.Tensor) -> None:
        """Cross-entropy over one output is 0 whatever the logits: nothing trains. transformers' config refuses the
        pair at construction only; set on a built config, float targets would meet torch's "expected target dtype to be
        Long or Byte, but got Float" and integer ones train on a loss of 0 (as in transformers). Float
        targets are refused; class indices (transformers' common tests pass zeros) are warned of. (At load,
        `ViViTConfig.from_dict` refuses it.)"""
        fix = (
            "for a regression set `model.config.problem_type = 'regression'` (or load with `problem_type='regression'`"
            ": a classifier's checkpoint saves 'single_label_classification'); for two classes use num_labels=2"
        )
        if labels.is_floating_point():
            raise ValueError(
                f"problem_type 'single_label_classification' with num_labels=1 takes class indices, got {labels.dtype} "
                f"labels of shape {tuple(labels.shape)}, and its cross-entropy over one class is 0 whatever the "
                f"logits: {fix}."
            )
        logger.warning_once(
            f"problem_type 'single_label_classification' with num_labels=1: cross-entropy over one class is 0 "
            f"whatever the logits, so nothing trains; {fix}."
        )

    @staticmethod
    def _regression_labels_fit(labels: torch.Tensor, logits: torch.Tensor) -> bool:
        """transformers' regression loss squeezes both sides with one output and takes them as they are otherwise."""
        if logits.shape[-1] == 1:
            return labels.numel() == logits.shape[0]
        return tuple(labels.shape) == tuple(logits.shape)

    @can_return_tuple
    def forward(
        self,
        pixel_values: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        output_attentions: bool | None = None,
        output_hidden_states: bool | int | list[int] | None = None,
        interpolate_pos_encoding: bool = False,
        attention_mask: torch.Tensor | None = None,
        **kwargs: Unpack[TransformersKwargs],
    ) -> ViViTVideoClassifierOutput:
        r"""
        labels (`torch.LongTensor` of shape `(batch,)`, or `(batch, heads)` with named label spaces): classes for the
            loss (cross-entropy; `config.problem_type` is honoured for a single head).
        num_items_in_batch (in `kwargs`): Trainer's label count over one optimizer step's micro-batches; the loss is
            summed and divided by it, as in transformers' classifiers (Trainer then does not divide by the
            accumulation steps, since this forward takes `**kwargs`), for every problem type.
        The other arguments are the backbone's (`self.vivit.forward`: the attention maps and hidden states each
            variant returns); the output's `hidden_states` and `attentions` are the backbone's.
        """
        # A loss argument, not the backbone's: the rest of kwargs goes to the attention kernels.
        num_items_in_batch = kwargs.pop("num_items_in_batch", None)
        if labels is not None and not isinstance(labels, torch.Tensor):  # refused before the forward, not after it
            fix = "convert with torch.as_tensor (a datasets.Dataset gives tensors after .with_format('torch'))"
            raise not_a_tensor("labels", labels, self._labels_shape(), fix)
        # CODEPATH: Epic Kitchens checkpoints (noun and verb label spaces) check their labels in the multi-head loss;
        # one-head checkpoints (Kinetics, SSv2, Moments) here, before a forward run for nothing.
        if labels is not None and not self.config.label_spaces:
            self._check_a_classifier_for(labels)  # reads only the config: refused before a forward run for nothing
        outputs = self.vivit(
            pixel_values,
            attention_mask=attention_mask,
            output_attentions=output_attentions,
            output_hidden_states=output_hidden_states,
            interpolate_pos_encoding=interpolate_pos_encoding,
            return_dict=True,
            **kwargs,
        )
        features = outputs.pooler_output
        if self.pre_logits is not None:
            features = self.pre_logits(features)
        logits = self.classifier(features)
        # num_labels=0 built no classifier (Identity): its logits are the features, of their width, not a count
        self.check_built_head(0 if isinstance(self.classifier, nn.Identity) else logits.shape[-1])
        head_logits = self.split_heads(logits)
        loss = self.compute_loss(labels, logits, head_logits, num_items_in_batch) if labels is not None else None
        return ViViTVideoClassifierOutput(
            loss=loss,
            logits=logits,
            head_logits=head_logits,
            hidden_states=outputs.hidden_states,
            attentions=outputs.attentions,
        )


class ViViTSpatioTemporalForVideoClassification(_ViViTForVideoClassification):
    """Model 1 (spatio-temporal attention, §3.3) with a classification head: `ViViTSpatioTemporalModel`'s
    pooled clip -> (`pre_logits`) -> `classifier`; transformers' `VivitForVideoClassification` is this model
    (`python -m vivit_hf.convert transformers` converts its checkpoints)."""

    config_class = ViViTSpatioTemporalConfig
    backbone_class = ViViTSpatioTemporalModel


class ViViTFactorisedEncoderForVideoClassification(_ViViTForVideoClassification):
    """Model 2 (factorised encoder, §3.3) with a classification head: `ViViTFactorisedEncoderModel`'s
    pooled clip -> (`pre_logits`) -> `classifier`."""

    config_class = ViViTFactorisedEncoderConfig
    backbone_class = ViViTFactorisedEncoderModel


class ViViTFactorisedSelfAttentionForVideoClassification(_ViViTForVideoClassification):
    """Model 3 (factorised self-attention, §3.3) with a classification head:
    `ViViTFactorisedSelfAttentionModel`'s pooled clip -> (`pre_logits`) -> `classifier`."""

    config_class = ViViTFactorisedSelfAttentionConfig
    backbone_class = ViViTFactorisedSelfAttentionModel


class ViViTFactorisedDotProductForVideoClassification(_ViViTForVideoClassification):
    """Model 4 (factorised dot-product attention, §3.3) with a classification head:
    `ViViTFactorisedDotProductModel`'s pooled clip -> (`pre_logits`) -> `classifier`."""

    config_class = ViViTFactorisedDotProductConfig
    backbone_class = ViViTFactorisedDotProductModel


VIVIT_MODELS = {
    "spatio_temporal": (ViViTSpatioTemporalConfig, ViViTSpatioTemporalModel, ViViTSpatioTemporalForVideoClassification),
    "factorised_encoder": (
        ViViTFactorisedEncoderConfig,
        ViViTFactorisedEncoderModel,
        ViViTFactorisedEncoderForVideoClassification,
    ),
    "factorised_self_attention": (
        ViViTFactorisedSelfAttentionConfig,
        ViViTFactorisedSelfAttentionModel,
        ViViTFactorisedSelfAttentionForVideoClassification,
    ),
    "factorised_dot_product": (
        ViViTFactorisedDotProductConfig,
        ViViTFactorisedDotProductModel,
        ViViTFactorisedDotProductForVideoClassification,
    ),
}

for _config_class, _model_class, _classifier_class in VIVIT_MODELS.values():
    _model_class._auto_map_classes = _classifier_class._auto_map_classes = {
        "AutoModel": _model_class,
        "AutoModelForVideoClassification": _classifier_class,
    }

# the names `vivit_hf.models` exports from this module, as transformers' model files list theirs (its lazy package
# `__init__`, `define_import_structure`, reads each file's `__all__`)
__all__ = [
    "VIVIT_MODELS",
    "ViViTFactorisedDotProductForVideoClassification",
    "ViViTFactorisedDotProductModel",
    "ViViTFactorisedEncoderForVideoClassification",
    "ViViTFactorisedEncoderModel",
    "ViViTFactorisedSelfAttentionForVideoClassification",
    "ViViTFactorisedSelfAttentionModel",
    "ViViTLabelSmoother",
    "ViViTPreTrainedModel",
    "ViViTSpatioTemporalForVideoClassification",
    "ViViTSpatioTemporalModel",
]
