# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The paper's initialisation of the embeddings from an image ViT (§3.4): the tubelet kernel from the 2D patch kernel
(central frame, filter inflation, approximate rank pooling) and the ViT's positional embeddings tiled over time
(or resized, by scenic's rule)."""

from __future__ import annotations

import logging
import math

import torch

from ...models.modeling_blocks import resize_position_table
from .image_vit import ViTInitError

# The package's one logger, not this module's: recipes/finetune.py filters it by name (flags.VIT_INIT_LOGGER), and a
# logger's filter does not see its children's records.
logger = logging.getLogger(__package__)


TUBELET_INITS = ("central_frame", "filter_inflation", "arp", "random")
POSITIONAL_EMBEDDINGS = ("tile", "resize_tile", "resize", "random")


# Approximate rank pooling of one frame: what from_vit_pretrained warns and finetune.py refuses (the tubelet's
# advice in its own name: finetune.py says which flag sets it)
ARP_TUBELET_ADVICE = "a tubelet of 2 or more frames"
ARP_OF_ONE_FRAME = (
    "tubelet_init='arp' with tubelets of 1 frame gives an all-zero kernel (approximate rank pooling of one frame: "
    "a_1 = 0; scenic's average_arp_frame_initializer writes the same), so every token starts as the bias alone; use "
    f"'central_frame' or 'filter_inflation' (for 1 frame both copy the ViT's kernel), or {ARP_TUBELET_ADVICE}"
)


def arp_weights(t: int) -> list[float]:
    """scenic's `average_arp_frame_initializer`: slice i (1-based) gets a_i / t, with
    a_i = 2 (t - i + 1) - (t + 1) (H_t - H_{i-1}) and H_k the k-th harmonic number."""
    harmonic = [0.0]
    for k in range(1, t + 1):
        harmonic.append(harmonic[-1] + 1.0 / k)
    return [(2 * (t - i + 1) - (t + 1) * (harmonic[t] - harmonic[i - 1])) / t for i in range(1, t + 1)]


def inflate_patch_kernel(kernel: torch.Tensor, t: int, method: str) -> torch.Tensor:
    """2D patch kernel (d, c, h, w) -> tubelet kernel (d, c, t, h, w) by `central_frame`, `filter_inflation` or
    `arp` (paper §3.4)."""
    if method == "central_frame":  # index t // 2: the later of two frames for t = 2, as scenic
        tubelet = kernel.new_zeros(*kernel.shape[:2], t, *kernel.shape[2:])
        tubelet[:, :, t // 2] = kernel
        return tubelet
    if method == "filter_inflation":
        weights = [1.0 / t] * t
    elif method == "arp":
        if t == 1:  # a_1 = 2 - 2 H_1 = 0: rank pooling of one frame is nothing. scenic writes that kernel, and a
            # conversion equals scenic's, so it is said, not refused; finetune.py refuses the flags up front
            logger.warning(ARP_OF_ONE_FRAME)
        weights = arp_weights(t)
    else:
        raise ValueError(f"`tubelet_init` must be one of {TUBELET_INITS}, got {method!r}")
    return torch.stack([kernel * w for w in weights], dim=2)


def video_position_embeddings(
    position_grid: torch.Tensor, vit_grid, spatial_grid, num_temporal: int, method: str
) -> torch.Tensor:
    """The ViT's (1, gh * gw, d) grid embeddings -> (1, num_temporal * h * w, d), time-major.

    `tile` needs the ViT's grid to equal the video model's spatial grid; `resize_tile` first resizes the 2D grid
    (bilinear, corners aligned, each axis on its own, so any grid shape works) and then tiles it over time. `resize`
    is scenic's rule: the same as `resize_tile` over one temporal index (Model 2's spatial encoder), and over several
    (Models 1, 3, 4) the ViT's square grid resized to one square grid of all the tokens (`resize_over_all_tokens`).
    """
    vit_grid, spatial_grid = tuple(vit_grid), tuple(spatial_grid)
    if method == "resize" and num_temporal > 1:
        return resize_over_all_tokens(position_grid, vit_grid, (num_temporal, *spatial_grid))
    if vit_grid != spatial_grid:
        if method == "tile":
            raise ViTInitError(
                f"the ViT's patch grid {vit_grid} differs from the video model's spatial grid {spatial_grid}; "
                f"use positional_embedding='resize_tile' to resize it"
            )
        if vit_grid[0] != vit_grid[1] or spatial_grid[0] != spatial_grid[1]:
            # scenic's init (`interpolate_positional_embeddings`) takes int(sqrt(count)) as the side of both grids: for
            # a 32x48 crop its table is the ViT's 4x4 grid tiled whole, laid row by row over 2 frames of 4x6 (0.35
            # off ours on a tiny ViT), for most other non-square grids a table of another length, which its model
            # cannot load. Said, since a scenic run of the same options started from another table.
            logger.warning(
                "positional_embedding=%r: the ViT's %dx%d grid is resized to the video model's %dx%d grid, each axis "
                "on its own (corners aligned); scenic's init assumes square grids (a side of the square root of the "
                "token count) and gives another table here",
                method,
                *vit_grid,
                *spatial_grid,
            )
        position_grid = resize_position_table(position_grid, vit_grid, spatial_grid)
    return position_grid.repeat(1, num_temporal, 1)


def resize_over_all_tokens(position_grid: torch.Tensor, vit_grid, token_grid) -> torch.Tensor:
    """scenic's `resize` for an encoder over several temporal indices (`model_utils.interpolate_positional_embeddings`
    with every token of the encoder): the ViT's g x g grid resized (scipy's `zoom`, order 1: bilinear, corners
    aligned) to one square grid of side sqrt(t * h * w), flattened row-major over the time-major tokens.

    Both squares are what scenic's reshapes assume and neither is checked there: a token count that is not a square
    gives a table of another length, a non-square ViT grid of square length is read as a square. Here both are
    refused, naming the sizes."""
    num_temporal, rows, cols = token_grid
    num_tokens = num_temporal * rows * cols
    side = math.isqrt(num_tokens)
    alternative = (
        f"use positional_embedding='resize_tile' (the ViT grid resized to the {rows} x {cols} spatial grid, then "
        f"tiled over the {num_temporal} temporal indices)"
    )
    if vit_grid[0] != vit_grid[1]:
        raise ViTInitError(
            f"positional_embedding='resize' (scenic's rule) resizes the ViT's patch grid as a square, and the ViT's "
            f"grid {vit_grid} is not square; {alternative}"
        )
    if side * side != num_tokens:
        raise ViTInitError(
            f"positional_embedding='resize' (scenic's rule) resizes the ViT's {vit_grid[0]} x {vit_grid[1]} grid to "
            f"one square grid of all the video model's {num_temporal} x {rows} x {cols} = {num_tokens} tokens, and "
            f"{num_tokens} is not a square number; {alternative}"
        )
    # Time-major tokens read row by row from one square: its rows follow neither the frames nor the image rows.
    logger.warning(
        "positional_embedding='resize' (scenic's rule over %d temporal indices): the ViT's %dx%d grid is resized to "
        "%dx%d and laid over the %dx%dx%d tokens row by row, so its rows follow neither the frames nor the image "
        "rows; 'resize_tile' gives each temporal index the grid resized to %dx%d",
        num_temporal,
        *vit_grid,
        side,
        side,
        num_temporal,
        rows,
        cols,
        rows,
        cols,
    )
    return resize_position_table(position_grid, vit_grid, (side, side))
