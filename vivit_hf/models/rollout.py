# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Attention rollout (Abnar & Zuidema, 2020) for the joint and the factorised attentions of the four ViViT models.

Rollout multiplies, layer by layer, each block's head-averaged attention with the identity its residual adds,
`A' = (A + I) / 2`, and reads the row of the token the model pools (the CLS token, token 0, or for `gap` / `gmp` /
`gsp` the mean of the rows of every real token). Only that row is carried, as a vector `v <- v A'` from the last
layer down, so a factorised attention is never expanded to its full `(t*s) x (t*s)` matrix: a space map acts on
each temporal index, a time map on each spatial position (`(b t)` and `(b s)` folded, sample-major, as the model
returns them). Model 3 applies its space and time maps in the block's `attention_order`; Model 4's block mixes its
space and time head groups, half the heads each. Model 2's saliency is the temporal encoder's rollout over temporal
indices times each temporal index's spatial rollout. Each variant turns its attention maps into steps `v -> v A` in
`modeling_vivit.py` (`rollout_steps`, `rollout`); the maths is here.

Rollout reads only each map's mean over its heads (Model 4: over each head group), so `keep_head_means` reduces every
attention's maps as it returns them, during the rollout's forward: what stays alive is one block's per-head maps and
the head means, `heads` times less than every block's per-head maps (ViViT-B Model 1 at 32x224x224: 0.47 GB of means
where the per-head maps of the 12 blocks were 5.7 GB per clip).

Tensors are named by the paper's axes: `t` temporal tokens, `h x w = s` spatial tokens per temporal index. This
module imports only torch: it travels with `trust_remote_code` checkpoints.
"""

import torch


def start_vector(valid: torch.Tensor, num_prefix_tokens: int, classifier: str) -> torch.Tensor:
    """The pooled token's row to carry down, over `[prefix +] n` tokens: one-hot at the CLS token (`token`) or the
    first patch token (`0`), else uniform over the real tokens. `valid` (b, n) bool."""
    batch, n = valid.shape
    v = torch.zeros(batch, num_prefix_tokens + n, dtype=torch.float32, device=valid.device)
    if classifier in ("token", "0"):
        v[:, 0] = 1.0
    else:
        v[:, num_prefix_tokens:] = valid.float() / valid.sum(dim=1, keepdim=True).float()
    return v


def head_mean(attention: torch.Tensor) -> torch.Tensor:
    """An attention map (b', heads, n', n') -> its mean over the heads (b', n', n'), in float32."""
    return attention.float().mean(1)


def keep_head_means(module, inputs, output):
    """Forward hook on an attention module (output `(attended, maps)`): its maps replaced by their head means, so its
    per-head maps are freed as soon as it returns (`attention_rollout` in `modeling_vivit.py`)."""
    attended, maps = output
    return attended, tuple(head_mean(attention) for attention in maps)


def _residual(mixed: torch.Tensor, v: torch.Tensor, add_residual: bool) -> torch.Tensor:
    return 0.5 * (mixed + v) if add_residual else mixed


def joint_step(v: torch.Tensor, attention: torch.Tensor) -> torch.Tensor:
    """v (b, n) through a head-averaged map over all tokens (b, n, n)."""
    return torch.einsum("bn,bnm->bm", v, attention)


def space_step(v: torch.Tensor, attention: torch.Tensor, grid: tuple[int, int, int]) -> torch.Tensor:
    """v (b, t*s) through a head-averaged map over space ((b t), s, s): each temporal index on its own."""
    t, s = grid[0], grid[1] * grid[2]
    mixed = torch.einsum("xs,xsr->xr", v.reshape(-1, s), attention)
    return mixed.reshape(-1, t * s)


def time_step(v: torch.Tensor, attention: torch.Tensor, grid: tuple[int, int, int]) -> torch.Tensor:
    """v (b, t*s) through a head-averaged map over time ((b s), t, t): each spatial position on its own."""
    t, s = grid[0], grid[1] * grid[2]
    per_position = v.reshape(-1, t, s).transpose(1, 2).reshape(-1, t)
    mixed = torch.einsum("xt,xtu->xu", per_position, attention)
    return mixed.reshape(-1, s, t).transpose(1, 2).reshape(-1, t * s)


def joint_steps(attentions) -> list:
    """Head-averaged joint maps over all tokens, one per block, as rollout steps `v -> v A`."""
    return [lambda v, a=a: joint_step(v, a) for a in attentions]


def rollout_vector(v: torch.Tensor, steps, add_residual: bool = True) -> torch.Tensor:
    """Carry v (b, n) through `steps` (callables v -> v A, in the model's call order), last layer first."""
    for step in reversed(steps):
        v = _residual(step(v), v, add_residual)
    return v


def rollout_saliency(
    valid: torch.Tensor, num_prefix_tokens: int, classifier: str, steps, add_residual: bool
) -> torch.Tensor:
    """One encoder's rollout: the pooled token's row (`start_vector`) carried through `steps`, read at the patch
    tokens (b, n) and normalised over the real ones (`valid` (b, n) bool)."""
    v = rollout_vector(start_vector(valid, num_prefix_tokens, classifier), steps, add_residual)
    return normalise(v[:, num_prefix_tokens:], valid)


def normalise(saliency: torch.Tensor, valid: torch.Tensor | None) -> torch.Tensor:
    """Zero at padded positions, each clip summing to 1 (saliency (b, ...), valid broadcastable or None)."""
    if valid is not None:
        saliency = saliency * valid
    total = saliency.flatten(1).sum(1).clamp_min(torch.finfo(saliency.dtype).tiny)
    return saliency / total.reshape(-1, *([1] * (saliency.ndim - 1)))
