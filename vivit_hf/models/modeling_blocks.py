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
"""Building blocks shared by the four ViViT models: written once, composed in `modeling_vivit.py` (which also holds
transformers' `ViViTPreTrainedModel` and output class; the attention-rollout maths is in `rollout.py`).

Tensors are named by the paper's axes: `t` temporal tokens, `h x w = s` spatial tokens per temporal index, `d`
hidden size. Where space or time is folded into the batch it is folded sample-major (`(b t) s d`, `(b s) t d`).
This module imports only torch and transformers: it travels with `trust_remote_code` checkpoints.
"""

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn
from transformers.activations import ACT2FN
from transformers.modeling_layers import GradientCheckpointingLayer
from transformers.modeling_utils import ALL_ATTENTION_FUNCTIONS
from transformers.processing_utils import Unpack
from transformers.utils import TransformersKwargs

from .configuration_vivit import (
    ViViTConfig,
    checked_frame_sampling_grid,
    straddling_layout,
    uniform_frame_count,
    uniform_frame_indices,
)


# ----------------------------------------------------------------------------------------------- tokenisation (§3.2)
def patchify_gemm(
    pixels: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None, patch: tuple[int, int, int]
) -> torch.Tensor:
    """A convolution whose kernel equals its stride, as one matmul: (b, c, T, H, W) -> (b, d, t, h, w).

    Each tubelet (`patch` = (kt, kh, kw)) is gathered into a row by one strided copy and multiplied with the
    flattened kernel (`weight` (d, c, kt, kh, kw), or a Conv2d's (d, c, kh, kw) with kt = 1). Same weights and sums
    as the convolution, but a plain GEMM, which cuDNN and oneDNN run several times faster than a strided 3D
    convolution (`benchmarks/models.py`). The result is the GEMM's token-major (b, t, h, w, d) output seen as
    (b, d, t, h, w): a caller that permutes back to channel-last gets it without a copy. Trailing frames or pixels
    that fill no tubelet are dropped (VALID padding).
    """
    kt, kh, kw = patch
    b, c, frames, height, width = pixels.shape
    t, h, w = frames // kt, height // kh, width // kw
    d = weight.shape[0]
    # Tubelets as windows (unfold drops the trailing frames and pixels), not a crop then a reshape: the crop's view
    # and whether it can be reshaped depend on whether W is a multiple of kw, which torch.export guards on, so a
    # program traced at a multiple of the patch refused every other size ("Guard failed") that eager takes.
    tubelets = pixels.unfold(2, kt, kt).unfold(3, kh, kh).unfold(4, kw, kw)  # (b, c, t, h, w, kt, kh, kw)
    # Rows in (kt, c, kh, kw) order: the order of the (b, T, c, H, W) clip in memory, so each gathered run is long.
    rows = tubelets.permute(0, 2, 3, 4, 5, 1, 6, 7).reshape(b * t * h * w, -1)
    kernel = weight.reshape(d, c, kt, kh, kw).transpose(1, 2).reshape(d, -1)
    return F.linear(rows, kernel, bias).view(b, t, h, w, d).permute(0, 4, 1, 2, 3)


def is_patchify(conv: nn.Module) -> bool:
    """Whether `conv` is a non-overlapping patch projection (kernel = stride, no padding or dilation, one group): the
    convolution `patchify_gemm` computes."""
    n = len(conv.kernel_size)
    return (
        conv.stride == conv.kernel_size and conv.padding == (0,) * n and conv.dilation == (1,) * n and conv.groups == 1
    )


def cast_for(projection: nn.Module, pixels: torch.Tensor) -> torch.Tensor:
    """`pixels` in the dtype `projection` computes in, as transformers' ViT casts them for a bfloat16 model given a
    processor's float32 pixels. Read inside the projection's call: accelerate's layerwise casting
    (`attach_layerwise_casting_hooks`, diffusers' `enable_layerwise_casting`) stores the weight in its storage dtype
    and casts it to its compute dtype only for the call. Read before it, the storage dtype's float8 took the pixels
    (and torch then refused float8 pixels beside a bfloat16 kernel)."""
    return pixels.to(projection.weight.dtype)


class TubeletProjection(nn.Conv3d):
    """The tubelet embedding's Conv3d (kernel = stride), run as `patchify_gemm`.

    A real `nn.Conv3d`, called as a module with a convolution's input and output, so that what is built around
    convolutions keeps working: forward hooks fire, PEFT's LoRA wraps it (its base layer's output plus its own
    convolutions of the same input, built as `type(base_layer)(in, r, kernel, stride, padding, bias=False)`, hence
    nn.Conv3d's constructor), accelerate's offloading hooks load its weights before the call, and checkpoints and
    ViT inflation see the usual `weight` (d, c, kt, kh, kw) and `bias`. Any other convolution (stride, padding,
    unbatched input) runs as nn.Conv3d.
    """

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        """(b, c, T, H, W) -> (b, d, t, h, w), as `nn.Conv3d`. Pixels of another dtype are cast to the weight's (see
        `cast_for`)."""
        pixels = cast_for(self, pixels)
        if pixels.ndim != 5 or not is_patchify(self):
            return super().forward(pixels)
        return patchify_gemm(pixels, self.weight, self.bias, self.kernel_size)


class PatchProjection(nn.Conv2d):
    """Frame sampling's per-frame ViT patch Conv2d (kernel = stride), run as `patchify_gemm`; a real `nn.Conv2d` called
    as a module for the reasons `TubeletProjection` gives. Any other convolution runs as nn.Conv2d."""

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        """(n, c, H, W) -> (n, d, h, w), as `nn.Conv2d`."""
        frames = cast_for(self, frames)
        if frames.ndim != 4 or not is_patchify(self):
            return super().forward(frames)
        return patchify_gemm(frames.unsqueeze(2), self.weight, self.bias, (1, *self.kernel_size)).squeeze(2)


class TubeletEmbedding(nn.Module):
    """Non-overlapping 3D convolution, kernel = stride = `tubelet_size` (t, h, w); trailing frames or pixels that do
    not fill a tubelet are dropped, as in scenic (VALID padding)."""

    def __init__(self, config: ViViTConfig):
        super().__init__()
        self.tubelet_size = tuple(config.tubelet_size)
        self.projection = TubeletProjection(
            config.num_channels, config.hidden_size, kernel_size=self.tubelet_size, stride=self.tubelet_size
        )

    def token_grid(self, num_frames: int, height: int, width: int) -> tuple[int, int, int]:
        t, h, w = self.tubelet_size
        return num_frames // t, height // h, width // w

    def straddling_layout(self, num_frames: int, height: int, width: int) -> None:
        """No tubelet straddles two temporal indices (`FrameSamplingEmbedding.straddling_layout`)."""
        return None

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        """(b, T, c, H, W) -> (b, t, h, w, d)."""
        return self.projection(pixel_values.transpose(1, 2)).permute(0, 2, 3, 4, 1)


class FrameSamplingEmbedding(nn.Module):
    """Uniform frame sampling: keep `num_sampled_frames` frames by scenic's rule, stack them along the height axis and
    patch that tall image like ViT, as scenic does. Where the height is a multiple of the patch height this is each
    frame patched on its own; otherwise some patches straddle two frames (`stacked_frame_grid`)."""

    def __init__(self, config: ViViTConfig):
        super().__init__()
        self.num_sampled_frames = config.num_sampled_frames
        self.may_straddle = config.frame_sampling_may_straddle
        self.splits_tokens = config.frame_sampling_splits_tokens
        self.model_name = type(config).__name__.removesuffix("Config")  # (for the refusal of a height)
        self.patch_size = tuple(config.tubelet_size[1:])
        self.projection = PatchProjection(
            config.num_channels, config.hidden_size, kernel_size=self.patch_size, stride=self.patch_size
        )

    def frame_indices(self, num_frames: int) -> list[int]:
        return uniform_frame_indices(num_frames, self.num_sampled_frames)

    def token_grid(self, num_frames: int, height: int, width: int) -> tuple[int, int, int]:
        sampled = uniform_frame_count(num_frames, self.num_sampled_frames)  # (the count: `forward` picks them)
        return checked_frame_sampling_grid(
            sampled, height, width, self.patch_size, self.splits_tokens, self.may_straddle, self.model_name
        )

    def straddling_layout(self, num_frames: int, height: int, width: int) -> tuple[int, int] | None:
        """The tall image's (patch rows, columns) where patches straddle frames at this size, else None."""
        return straddling_layout(
            uniform_frame_count(num_frames, self.num_sampled_frames), height, width, self.patch_size
        )

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        """(b, T, c, H, W) -> (b, t, h, w, d): the t sampled frames stacked along the height, patched at once."""
        frames = pixel_values[:, self.frame_indices(pixel_values.shape[1])]
        b, t, c, height, width = frames.shape
        grid = self.token_grid(pixel_values.shape[1], height, width)
        if height % self.patch_size[0] == 0:
            # No patch straddles two frames: the same tokens from the frames as a batch of images, the input a
            # per-frame ViT patch embedding gets (hooks and adapters on the projection see ViT images).
            patches = self.projection(frames.flatten(0, 1))  # ((b t), d, h, w)
            return patches.permute(0, 2, 3, 1).unflatten(0, (b, t))
        stacked = frames.transpose(1, 2).reshape(b, c, t * height, width)  # frame after frame, top to bottom
        patches = self.projection(stacked)  # (b, d, rows, w)
        return patches.permute(0, 2, 3, 1).reshape(b, *grid, -1)


def build_token_embedding(config: ViViTConfig) -> nn.Module:
    # CODEPATH: every released ViViT checkpoint (Kinetics, Epic Kitchens, SSv2, Moments; scenic's `3d_conv`) embeds
    # tubelets; scenic configs of `temporal_sampling` (the paper's uniform frame sampling, §3.2) take the other side.
    return FrameSamplingEmbedding(config) if config.embedding_type == "frame_sampling" else TubeletEmbedding(config)


# ------------------------------------------------------------------------------------------------------ dropout
def clip_dropout(x: torch.Tensor, p: float, training: bool, group: int = 1) -> torch.Tensor:
    """`F.dropout`, with one mask for each `group` consecutive rows (dim 0): rows of one clip share it.

    scenic runs Model 2's spatial encoder under `jax.vmap` over time with unbatched dropout keys, so every mask it
    draws there (after the position embeddings, in the attention weights, after the attention, in the MLP) has the
    shape of one frame's tensor and is the same for each frame of a clip, while clips draw their own. Kept values are
    scaled by 1 / (1 - p), as both frameworks do. At p = 1 every value is dropped, as `F.dropout` drops them (a mask
    of zeros scaled by 1 / 0 made NaN)."""
    if not training or p in (0.0, 1.0) or group == 1:
        return F.dropout(x, p=p, training=training)
    keep = torch.empty((x.shape[0] // group, 1, *x.shape[1:]), dtype=x.dtype, device=x.device).bernoulli_(1 - p)
    return (x.unflatten(0, (-1, group)) * keep.div_(1 - p)).flatten(0, 1)


class ClipDropout(nn.Dropout):
    """`nn.Dropout` whose forward takes `group`: that many consecutive rows share one mask (`clip_dropout`)."""

    def forward(self, x: torch.Tensor, group: int = 1) -> torch.Tensor:
        return clip_dropout(x, self.p, self.training, group)


# ----------------------------------------------------------------------------------------------------- attention
def eager_attention_forward(
    module: nn.Module,
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    attention_mask: torch.Tensor | None,
    scaling: float | None = None,
    dropout: float = 0.0,
    dropout_group: int = 1,
    **kwargs: Unpack[TransformersKwargs],
) -> tuple[torch.Tensor, torch.Tensor]:
    """Plain softmax attention on (batch, heads, tokens, head_dim); returns (batch, tokens, heads, head_dim).
    `scaling` defaults to 1 / sqrt(head_dim), as transformers' own eager kernels and sdpa default it (a caller that
    leaves it out, as transformers' attention functions may be called, met "missing 1 required positional
    argument: 'scaling'"). `dropout_group` consecutive rows of the batch share one attention dropout mask
    (`clip_dropout`)."""
    if scaling is None:
        scaling = query.shape[-1] ** -0.5
    weights = torch.matmul(query, key.transpose(-1, -2))
    graph = torch.is_grad_enabled() and (query.requires_grad or key.requires_grad)
    if graph or (attention_mask is not None and attention_mask.dtype != weights.dtype):
        weights = weights * scaling
        if attention_mask is not None:
            weights = weights + attention_mask
        weights = F.softmax(weights, dim=-1, dtype=torch.float32).to(query.dtype)
    else:
        # Without a graph to keep, the scores are scaled, masked and softmaxed in place, a head at a time (the same
        # values, bit for bit): out of place, the scores and the weights were both alive, twice one block's
        # per-head maps at the peak (ViViT-B Model 1 at 32x224x224: 0.94 GB, of which 0.47 GB is now held), in
        # an eager forward and in `attention_rollout`'s
        weights.mul_(scaling)
        if attention_mask is not None:
            weights.add_(attention_mask)
        for head in range(weights.shape[1]):
            weights[:, head] = F.softmax(weights[:, head], dim=-1, dtype=torch.float32)
    weights = clip_dropout(weights, dropout, module.training, dropout_group)
    return torch.matmul(weights, value).transpose(1, 2), weights


def attention_bias(valid_keys: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """Key validity (b, n) -> the additive mask (b, 1, 1, n) of transformers' attention interface: 0 for a real
    token, the dtype's minimum for a padded one, so no query attends to it. Padded queries still attend to the
    real tokens (every row keeps at least one key, so nothing turns NaN); their outputs are never read."""
    bias = torch.zeros(valid_keys.shape, dtype=dtype, device=valid_keys.device)
    return bias.masked_fill(~valid_keys, torch.finfo(dtype).min)[:, None, None, :]


def key_block_mask(bias: torch.Tensor, num_queries: int):
    """The additive key mask (b, 1, 1, n) as flex attention's `BlockMask` (padded keys skipped block by block)."""
    from torch.nn.attention.flex_attention import create_block_mask

    valid = bias[:, 0, 0, :] == 0
    return create_block_mask(
        lambda b, h, q, kv: valid[b, kv], valid.shape[0], None, num_queries, valid.shape[1], device=bias.device
    )


def _attention_function(implementation: str) -> Callable:
    """transformers' kernel registered as `implementation` (sdpa, flash, flex, or a user's own). The fallback is not
    dead under setup.cfg's floor: a Hub folder's remote code runs on whatever transformers the user has, with no
    vivit_hf installed to hold it to the floor (docs/testing.md: transformers 5.0 runs the models through it)."""
    if hasattr(ALL_ATTENTION_FUNCTIONS, "get_interface"):  # transformers >= 5.1, which names an unknown one
        return ALL_ATTENTION_FUNCTIONS.get_interface(implementation, eager_attention_forward)
    return ALL_ATTENTION_FUNCTIONS[implementation]  # transformers 5.0: its models index the registry so


class ViViTSelfAttention(nn.Module):
    """Multi-head self-attention over the token axis of `(batch, tokens, d)`.

    q, k and v come from one fused projection (one GEMM instead of three); the kernel itself is picked through
    transformers' attention interface (`config._attn_implementation`: eager, sdpa, flash, flex).
    """

    def __init__(self, config: ViViTConfig, num_heads: int | None = None):
        super().__init__()
        self.config = config
        self.num_heads = num_heads or config.num_attention_heads
        self.head_dim = config.hidden_size // self.num_heads
        self.scaling = self.head_dim**-0.5
        self.attention_dropout = config.attention_probs_dropout_prob
        self.is_causal = False
        self.qkv = nn.Linear(config.hidden_size, 3 * config.hidden_size, bias=config.qkv_bias)
        self.proj = nn.Linear(config.hidden_size, config.hidden_size)

    def project_qkv(self, hidden_states: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(b, n, d) -> q, k, v each (b, heads, n, head_dim)."""
        qkv = self.qkv(hidden_states).unflatten(-1, (3, self.num_heads, self.head_dim))
        return qkv.permute(2, 0, 3, 1, 4).unbind(0)

    def attend(
        self, query, key, value, output_attentions: bool = False, attention_mask=None, drop_group: int = 1, **kwargs
    ):
        """(b', heads', n', head_dim) -> (b', n', heads', head_dim) and the attention map (or None).

        `attention_mask`: None (every token real) or the additive key mask (b', 1, 1, n') of `attention_bias`.
        `drop_group` consecutive rows share one attention dropout mask (Model 2's spatial encoder: a clip's frames)."""
        implementation = self.config._attn_implementation
        shared_dropout = self.training and self.attention_dropout > 0 and drop_group > 1
        if shared_dropout:
            # the fused kernels draw their own mask per row; only the eager kernel can share one across a clip
            kwargs["dropout_group"] = drop_group
        # Only the eager kernel materialises the attention map, so asking for it selects eager for this call.
        if output_attentions or shared_dropout or implementation in (None, "eager"):
            attention_interface: Callable = eager_attention_forward
        else:
            attention_interface = _attention_function(implementation)
            if attention_mask is not None and "flex" in implementation:
                attention_mask = key_block_mask(attention_mask, query.shape[2])
            elif attention_mask is not None and "flash" in implementation:
                raise ValueError(
                    f"`attention_mask` over frames needs attn_implementation 'eager', 'sdpa' or 'flex_attention'; "
                    f"{implementation!r} takes no additive mask."
                )
        output, weights = attention_interface(
            self,
            query,
            key,
            value,
            attention_mask,
            dropout=self.attention_dropout if self.training else 0.0,
            scaling=self.scaling,
            is_causal=False,
            **kwargs,
        )
        return output, (weights if output_attentions else None)

    def forward(
        self,
        hidden_states: torch.Tensor,
        output_attentions: bool = False,
        attention_mask=None,
        drop_group: int = 1,
        **kwargs: Unpack[TransformersKwargs],
    ):
        query, key, value = self.project_qkv(hidden_states)
        output, weights = self.attend(query, key, value, output_attentions, attention_mask, drop_group, **kwargs)
        return self.proj(output.flatten(2)), (weights,)

    def extra_repr(self) -> str:
        return f"num_heads={self.num_heads}"  # (Model 2's temporal encoder may have its own count)


class FactorisedDotProductAttention(ViViTSelfAttention):
    """Model 4 (§3.3): the same projections as Model 1, but the first half of the heads attend over time (tokens
    at one spatial position) and the second half over space (tokens of one temporal index); their outputs are
    concatenated head-wise, time heads first, before the output projection (scenic's order). `attention_mask`
    masks the time heads' keys, `((b s), 1, 1, t)`; a space head sees one temporal index, padded or not, alone."""

    def forward(
        self,
        hidden_states: torch.Tensor,
        grid: tuple[int, int, int],
        output_attentions: bool = False,
        attention_mask=None,
        **kwargs: Unpack[TransformersKwargs],
    ):
        batch = hidden_states.shape[0]
        t, s = grid[0], grid[1] * grid[2]
        half = self.num_heads // 2
        query, key, value = self.project_qkv(hidden_states)  # (b, heads, t*s, head_dim)

        def over_time(x):  # (b, half, t*s, e) -> ((b s), half, t, e)
            return x.unflatten(2, (t, s)).permute(0, 3, 1, 2, 4).flatten(0, 1)

        def over_space(x):  # (b, half, t*s, e) -> ((b t), half, s, e)
            return x.unflatten(2, (t, s)).transpose(1, 2).flatten(0, 1)

        time_out, time_weights = self.attend(
            *(over_time(x[:, :half]) for x in (query, key, value)), output_attentions, attention_mask, **kwargs
        )
        space_out, space_weights = self.attend(
            *(over_space(x[:, half:]) for x in (query, key, value)), output_attentions, **kwargs
        )
        # back to (b, t, s, heads/2, e) before the head-wise concatenation
        time_out = time_out.unflatten(0, (batch, s)).transpose(1, 2)
        space_out = space_out.unflatten(0, (batch, t))
        output = torch.cat((time_out, space_out), dim=3).reshape(batch, t * s, -1)
        return self.proj(output), (space_weights, time_weights)

    def extra_repr(self) -> str:
        # print(model) showed Model 1's attention: which heads attend over what is the whole of Model 4
        half = self.num_heads // 2
        return f"num_heads={self.num_heads}: {half} over time, then {self.num_heads - half} over space"


# ------------------------------------------------------------------------------------------------------ the blocks
class ViViTMLP(nn.Module):
    """scenic's `MlpBlock`: Dense -> GELU -> dropout -> Dense -> dropout."""

    def __init__(self, config: ViViTConfig, intermediate_size: int | None = None):
        super().__init__()
        intermediate_size = intermediate_size or config.intermediate_size  # (Model 2's temporal encoder: its own)
        self.fc1 = nn.Linear(config.hidden_size, intermediate_size)
        self.activation = ACT2FN[config.hidden_act]
        self.fc2 = nn.Linear(intermediate_size, config.hidden_size)
        self.dropout = ClipDropout(config.hidden_dropout_prob)

    def forward(self, hidden_states: torch.Tensor, drop_group: int = 1) -> torch.Tensor:
        """`drop_group` consecutive rows share the dropout masks (`clip_dropout`)."""
        intermediate = self.dropout(self.activation(self.fc1(hidden_states)), drop_group)
        return self.dropout(self.fc2(intermediate), drop_group)


class StochasticDepth(nn.Module):
    """scenic's stochastic depth: drop a residual branch per example with probability `rate`, keeping kept
    branches as they are (no 1/(1-p) rescaling, unlike timm's DropPath). `group` consecutive rows are one example:
    Model 2's spatial encoder sees each clip's frames as rows, and scenic (one unbatched key under `jax.vmap` over
    time) drops a block for every frame of a clip at once."""

    def __init__(self, rate: float):
        super().__init__()
        self.rate = rate

    def forward(self, branch: torch.Tensor, group: int = 1) -> torch.Tensor:
        if not self.training or self.rate == 0.0:
            return branch
        keep = torch.rand((branch.shape[0] // group,) + (1,) * (branch.ndim - 1), device=branch.device) >= self.rate
        return branch * keep.repeat_interleave(group, dim=0).to(branch.dtype)

    def extra_repr(self) -> str:
        return f"rate={self.rate}"


def drop_path_schedule(rate: float, num_layers: int) -> list[float]:
    """scenic's linear schedule: block `l` of `L` drops with probability `l / max(L - 1, 1) * rate`."""
    return [layer / max(num_layers - 1, 1) * rate for layer in range(num_layers)]


class ViViTLayer(GradientCheckpointingLayer):
    """Pre-norm transformer block, `x + MSA(LN(x))` then `x + MLP(LN(x))` (Models 1, 2 and, with factorised
    dot-product attention, 4)."""

    attention_class = ViViTSelfAttention

    def __init__(
        self,
        config: ViViTConfig,
        drop_path_rate: float = 0.0,
        num_heads: int | None = None,
        intermediate_size: int | None = None,
    ):
        super().__init__()
        self.layernorm_before = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.attention = self.attention_class(config, num_heads)
        self.layernorm_after = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.mlp = ViViTMLP(config, intermediate_size)
        self.dropout = ClipDropout(config.hidden_dropout_prob)
        self.drop_path = StochasticDepth(drop_path_rate)

    def run_attention(self, hidden_states, grid, output_attentions, attention_mask, drop_group=1, **kwargs):
        return self.attention(
            hidden_states,
            output_attentions=output_attentions,
            attention_mask=attention_mask,
            drop_group=drop_group,
            **kwargs,
        )

    def forward(
        self,
        hidden_states: torch.Tensor,
        grid=None,
        output_attentions: bool = False,
        attention_mask=None,
        drop_group: int = 1,
        **kwargs: Unpack[TransformersKwargs],
    ):
        # drop_group rows are one clip's frames (Model 2's spatial encoder): every dropout mask and stochastic depth
        # draw is shared by them, as scenic's jax.vmap over time does
        attended, weights = self.run_attention(
            self.layernorm_before(hidden_states), grid, output_attentions, attention_mask, drop_group, **kwargs
        )
        hidden_states = hidden_states + self.drop_path(self.dropout(attended, drop_group), drop_group)
        mlp_out = self.mlp(self.layernorm_after(hidden_states), drop_group)
        hidden_states = hidden_states + self.drop_path(mlp_out, drop_group)
        return hidden_states, weights


class FactorisedDotProductLayer(ViViTLayer):
    """Model 4's block: Model 1's block with the heads split between time and space."""

    attention_class = FactorisedDotProductAttention

    def run_attention(self, hidden_states, grid, output_attentions, attention_mask, drop_group=1, **kwargs):
        # (drop_group is 1 here: only Model 2's spatial encoder folds a clip's frames into rows)
        return self.attention(
            hidden_states, grid, output_attentions=output_attentions, attention_mask=attention_mask, **kwargs
        )


class FactorisedSelfAttentionLayer(GradientCheckpointingLayer):
    """Model 3's block (§3.3): self-attention over space (the tokens of one temporal index), then over time (the
    tokens at one spatial position), each with its own pre-norm and residual, then the MLP. `attention_order`
    `time_space` swaps the two attentions. `attention_mask` masks the time attention's keys, `((b s), 1, 1, t)`;
    the space attention sees one temporal index, padded or not, alone."""

    def __init__(
        self,
        config: ViViTConfig,
        drop_path_rate: float = 0.0,
        num_heads: int | None = None,
        intermediate_size: int | None = None,
    ):
        super().__init__()
        self.order = config.attention_order.split("_")
        self.layernorm_space = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.attention_space = ViViTSelfAttention(config, num_heads)
        self.layernorm_time = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.attention_time = ViViTSelfAttention(config, num_heads)
        self.layernorm_mlp = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.mlp = ViViTMLP(config, intermediate_size)
        self.dropout = ClipDropout(config.hidden_dropout_prob)
        self.drop_path = StochasticDepth(drop_path_rate)

    def forward(
        self,
        hidden_states: torch.Tensor,
        grid=None,
        output_attentions: bool = False,
        attention_mask=None,
        drop_group: int = 1,
        **kwargs: Unpack[TransformersKwargs],
    ):
        batch = hidden_states.shape[0]
        t, s = grid[0], grid[1] * grid[2]
        maps = {}
        for axis in self.order:
            if axis == "space":  # (b, t*s, d) -> ((b t), s, d)
                tokens = hidden_states.reshape(batch * t, s, -1)
                attended, (maps[axis],) = self.attention_space(
                    self.layernorm_space(tokens), output_attentions, **kwargs
                )
                attended = attended.reshape(batch, t * s, -1)
            else:  # (b, t*s, d) -> ((b s), t, d)
                tokens = hidden_states.unflatten(1, (t, s)).transpose(1, 2).flatten(0, 1)
                attended, (maps[axis],) = self.attention_time(
                    self.layernorm_time(tokens), output_attentions, attention_mask, **kwargs
                )
                attended = attended.unflatten(0, (batch, s)).transpose(1, 2).flatten(1, 2)
            hidden_states = hidden_states + self.drop_path(self.dropout(attended), drop_group)
        hidden_states = hidden_states + self.drop_path(self.mlp(self.layernorm_mlp(hidden_states)), drop_group)
        return hidden_states, tuple(maps[axis] for axis in self.order)

    def extra_repr(self) -> str:
        # print(model) lists the space attention first whatever the order they run in (`attention_order`)
        return f"attention_order={'_'.join(self.order)}"


# ----------------------------------------------------------------------------------------------------- the encoder
def resize_position_table(table: torch.Tensor, old_grid: tuple[int, ...], new_grid: tuple[int, ...]) -> torch.Tensor:
    """Resize a (1, prod(old_grid), d) table of learned embeddings laid out row-major over `old_grid` (1, 2 or 3
    axes) to `new_grid`: linear interpolation per axis with corners aligned (scenic's `resize` rule, generalised)."""
    if not torch.compiler.is_compiling() and tuple(old_grid) == tuple(new_grid):
        return table  # (traced, the resize runs anyway, an identity here: no guard pins the size)
    dim = table.shape[-1]
    grid = table.reshape(1, *old_grid, dim).movedim(-1, 1).float()
    mode = {1: "linear", 2: "bilinear", 3: "trilinear"}[len(old_grid)]
    resized = F.interpolate(grid, size=tuple(new_grid), mode=mode, align_corners=True)
    return resized.movedim(1, -1).reshape(1, math.prod(new_grid), dim).to(table.dtype)


def tall_rows(grid: tuple[int, int, int]) -> tuple[int, int]:
    """The (patch rows, columns) of the tall image of stacked frames whose tokens lie on a (t, h, w) grid."""
    return grid[0] * grid[1], grid[2]


def tall_image(straddling: tuple[int, int] | None) -> str:
    """Words for a grid's tall image where its patches straddle frames: (3, 1, 13) is 3 frames' rows of 13 patches or
    a 13 x 3 tall image of 3 frames, which a grid alone does not tell apart."""
    return f" (patches straddling frames: a {straddling[0]} x {straddling[1]} tall image)" if straddling else ""


class ViViTEncoder(nn.Module):
    """scenic's `Encoder`: optional CLS token, learned position embeddings over a token grid, dropout, the blocks,
    a final LayerNorm. Models 1, 3 and 4 have one; Model 2 has a spatial and a temporal one (the spatial one alone
    with `spatial_only_baseline`)."""

    # (set in __init__; here for Model 2's encoders pickled by an earlier version, which never straddle: Models 1, 3
    # and 4 set theirs from the config when unpickled, `_ViViTSingleEncoderModel.__setstate__`)
    straddling: tuple[int, int] | None = None

    def __init__(
        self,
        config: ViViTConfig,
        grid: tuple[int, ...],
        num_layers: int,
        layer_class,
        use_cls_token: bool,
        straddling: tuple[int, int] | None = None,
        **layer_sizes,
    ):
        super().__init__()
        self.grid = tuple(grid)
        # frame sampling's tall image (patch rows, columns) where its tokens straddle frames (`straddling_layout`)
        self.straddling = straddling
        self.num_prefix_tokens = int(use_cls_token)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, config.hidden_size)) if use_cls_token else None
        self.position_embeddings = nn.Parameter(
            torch.zeros(1, self.num_prefix_tokens + math.prod(self.grid), config.hidden_size)
        )
        self.dropout = ClipDropout(config.hidden_dropout_prob)
        self.layers = nn.ModuleList(
            layer_class(config, rate, **layer_sizes) for rate in drop_path_schedule(config.drop_path_rate, num_layers)
        )
        self.layernorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)

    def position_table(
        self, grid: tuple[int, ...], resize: bool = True, straddling: tuple[int, int] | None = None
    ) -> torch.Tensor:
        """The position embeddings for a token grid: resized when it differs from the trained one, or with
        `resize=False` (a clip of fewer temporal indices than trained, not interpolated) the first rows in time,
        the positions its tubelets have in a padded batch. `straddling`: the tall image's (patch rows, columns)
        where frame sampling's patches straddle frames at the new size (`straddling_layout`)."""
        traced = resize and torch.compiler.is_compiling()  # (no guard on the grid: the resize runs, an identity here)
        if not traced and tuple(grid) == self.grid and straddling == self.straddling:
            return self.position_embeddings
        prefix = self.position_embeddings[:, : self.num_prefix_tokens]
        table = self.position_embeddings[:, self.num_prefix_tokens :]
        if resize and (straddling or self.straddling):
            # Straddling tokens' grid, (1, rows, columns) or Models 3 and 4's (t, 1, tokens / t), has no axes of
            # frames and image rows: resized over it, a trained (t, h, w) table became one frame's rows stretched over
            # every frame, or (t, 1, n) a first image row stretched over n. Both tables are laid out over the tall
            # image of stacked frames (a frame's rows after the last's), so they are resized over that image.
            table = resize_position_table(table, self.straddling or tall_rows(self.grid), straddling or tall_rows(grid))
        elif resize:
            table = resize_position_table(table, self.grid, grid)
        elif tuple(grid[1:]) != self.grid[1:] or grid[0] > self.grid[0] or straddling != self.straddling:
            # Frame sampling's straddling rows (a grid of one temporal index, `stacked_frame_grid`) change with the
            # frame count, so fewer frames do not give the first positions in time.
            raise ValueError(
                f"a token grid of {tuple(grid)}{tall_image(straddling)} does not fit the trained {self.grid}"
                f"{tall_image(self.straddling)} without resizing; pass `interpolate_pos_encoding=True`."
            )
        else:
            table = table.unflatten(1, (self.grid[0], -1))[:, : grid[0]].flatten(1, 2)
        return torch.cat((prefix, table), dim=1)

    def key_mask(self, valid: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
        """Which of the patch tokens are real (b, n) -> the additive key mask (b, 1, 1, [1 +] n) its blocks take
        (`attention_bias`), the CLS token, where there is one, real in every clip."""
        prefix = valid.new_ones(valid.shape[0], self.num_prefix_tokens)
        return attention_bias(torch.cat((prefix, valid), dim=1), dtype)

    def forward(
        self,
        tokens: torch.Tensor,
        grid: tuple[int, ...],
        layer_grid=None,
        output_attentions=False,
        output_hidden_states=False,
        attention_mask=None,
        resize_positions=True,
        drop_group=1,
        straddling=None,
        **kwargs: Unpack[TransformersKwargs],
    ):
        """tokens (b, prod(grid), d) -> (b, [1 +] prod(grid), d), with hidden states and attention maps if asked.
        `output_hidden_states`: a flag, or a frozenset of the indices of the states to keep (0 the embeddings, `l`
        block `l`'s output), None in the others' places. `attention_mask` (the layers' additive key mask, or None)
        goes to every layer as it is; `drop_group` rows are one example to stochastic depth (`StochasticDepth`) and
        share every dropout mask (`clip_dropout`); `straddling` as `position_table`'s."""
        cls_token, table = self.cls_token, self.position_table(grid, resize_positions, straddling)
        device = tokens.device.type  # (autocast has no state on some: "meta", which counts parameters)
        if not (torch.amp.is_autocast_available(device) and torch.is_autocast_enabled(device)):
            # In the tokens' dtype, the one the blocks compute in: accelerate's layerwise casting casts the weights of
            # the layers it hooks (the projection, every Linear and LayerNorm) for their call, not these parameters of
            # no such layer. A float32 table made bfloat16 tokens float32, which the first bfloat16 Linear refused.
            # (Under autocast the sum stays float32, autocast's rule for what no autocast op makes.)
            table = table.to(tokens.dtype)
            cls_token = cls_token if cls_token is None else cls_token.to(tokens.dtype)
        if cls_token is not None:
            tokens = torch.cat((cls_token.expand(tokens.shape[0], -1, -1), tokens), dim=1)
        hidden_states = self.dropout(tokens + table, drop_group)
        if (
            self.training
            and torch.is_grad_enabled()
            and not hidden_states.requires_grad
            and any(getattr(layer, "gradient_checkpointing", False) for layer in self.layers)
        ):
            # Reentrant checkpointing (`use_reentrant=True`) gives a layer's output a gradient only if an input has
            # one: with the token embedding, positions and CLS token frozen, every block trained on silently without
            # gradients. transformers makes the input require them for token models (`enable_input_require_grads`),
            # not for pixel ones.
            hidden_states = hidden_states.requires_grad_(True)
        # A state not selected is dropped as the blocks run, not after them: kept whole and filtered at the end, every
        # block's output was alive at once (ViViT-L Model 1 at 32x224x224: 321 MB a clip for the one state of
        # `output_hidden_states=[-2]`, 12.8 MB).
        keep = output_hidden_states if isinstance(output_hidden_states, frozenset) else None
        collect = keep is not None or bool(output_hidden_states)
        all_hidden_states = (kept_state(hidden_states, 0, keep),) if collect else ()
        all_attentions = ()
        for index, layer in enumerate(self.layers, start=1):
            hidden_states, weights = layer(
                hidden_states,
                grid=layer_grid,
                output_attentions=output_attentions,
                attention_mask=attention_mask,
                drop_group=drop_group,
                **kwargs,
            )
            if output_attentions:
                all_attentions += weights
            if collect:
                all_hidden_states += (kept_state(hidden_states, index, keep),)
        return self.layernorm(hidden_states), all_hidden_states, all_attentions


def kept_state(state: torch.Tensor, index: int, keep: frozenset[int] | None) -> torch.Tensor | None:
    """A hidden state as the encoder returns it: itself where every state is kept (`keep` None) or `keep` holds its
    index, None in its place otherwise (transformers' rule for `output_hidden_states=[0, -1]`)."""
    return state if keep is None or index in keep else None


def pool(hidden_states: torch.Tensor, classifier: str, valid: torch.Tensor | None = None) -> torch.Tensor:
    """scenic's classifiers: `token` / `0` take the first token's output (the CLS token, or with `0` the
    first patch token); `gap` / `gmp` / `gsp` the mean / max / sum over every token, or with `valid` (b, n) over
    the real tokens only."""
    if classifier in ("token", "0"):
        return hidden_states[:, 0]
    if valid is None:
        if classifier == "gmp":
            return hidden_states.amax(dim=1)
        if classifier == "gsp":
            return hidden_states.sum(dim=1)
        return hidden_states.mean(dim=1)
    valid = valid[..., None]
    if classifier == "gmp":
        return hidden_states.masked_fill(~valid, float("-inf")).amax(dim=1)
    total = hidden_states.masked_fill(~valid, 0.0).sum(dim=1)
    return total if classifier == "gsp" else total / valid.sum(dim=1).to(total.dtype)
