# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Model 1 against transformers' own `VivitForVideoClassification` on the same weights, at settings other than the
one tiny config of `test_transformers_vivit.py`: tubelet shapes, odd frame counts (the last frame fills no tubelet),
non-square frames, odd head counts, one clip, both attention implementations; logits, hidden states and maps."""

import numpy as np
import pytest
import torch
from transformers import VivitConfig, VivitForVideoClassification

import vivit_hf  # noqa: F401 - attaches from_transformers_vivit to the Model 1 classes
from vivit_hf.models.modeling_vivit import ViViTSpatioTemporalForVideoClassification

SETTINGS = {
    "tubelet_1x16x16_5_frames_40x56": dict(num_frames=5, image_size=[40, 56], tubelet_size=[1, 16, 16]),
    "tubelet_2x8x8_5_frames_40x56_3_heads": dict(
        num_frames=5, image_size=[40, 56], tubelet_size=[2, 8, 8], hidden_size=24, num_attention_heads=3
    ),
    "tubelet_3x4x4_7_frames_10x10": dict(num_frames=7, image_size=10, tubelet_size=[3, 4, 4]),
    "one_temporal_index_no_qkv_bias": dict(num_frames=2, image_size=24, tubelet_size=[2, 8, 8], qkv_bias=False),
}


def reference_and_ours(tmp_path, settings: dict, attn_implementation: str):
    sizes = dict(hidden_size=16, num_hidden_layers=2, num_attention_heads=2, intermediate_size=20, num_labels=4)
    reference = VivitForVideoClassification(VivitConfig(**{**sizes, **settings}))
    torch.manual_seed(0)
    with torch.no_grad():
        for parameter in reference.parameters():
            parameter.add_(torch.randn_like(parameter) * 0.1)
    reference.save_pretrained(tmp_path)
    reference = VivitForVideoClassification.from_pretrained(tmp_path, attn_implementation="eager").eval()
    ours = ViViTSpatioTemporalForVideoClassification.from_transformers_vivit(
        tmp_path, attn_implementation=attn_implementation
    ).eval()
    return reference, ours


def clip_for(config, batch_size: int) -> torch.Tensor:
    height, width = (config.image_size, config.image_size) if isinstance(config.image_size, int) else config.image_size
    generator = torch.Generator().manual_seed(1)
    return torch.randn(batch_size, config.num_frames, config.num_channels, height, width, generator=generator)


@pytest.mark.parametrize("attn_implementation", ["eager", "sdpa"])
@pytest.mark.parametrize("batch_size", [1, 3])
@pytest.mark.parametrize("setting", sorted(SETTINGS))
def test_logits_and_hidden_states_match_transformers_vivit(tmp_path, setting, batch_size, attn_implementation):
    reference, ours = reference_and_ours(tmp_path, SETTINGS[setting], attn_implementation)
    clip = clip_for(reference.config, batch_size)
    with torch.no_grad():
        theirs = reference(pixel_values=clip, output_hidden_states=True)
        mine = ours(pixel_values=clip, output_hidden_states=True)
    torch.testing.assert_close(mine.logits, theirs.logits, atol=1e-5, rtol=1e-5)
    assert len(mine.hidden_states) == len(theirs.hidden_states)
    for got, want in zip(mine.hidden_states, theirs.hidden_states):
        torch.testing.assert_close(got, want, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("setting", sorted(SETTINGS))
def test_attention_maps_match_transformers_vivit(tmp_path, setting):
    reference, ours = reference_and_ours(tmp_path, SETTINGS[setting], "eager")
    clip = clip_for(reference.config, 2)
    with torch.no_grad():
        theirs = reference(pixel_values=clip, output_attentions=True).attentions
        mine = ours(pixel_values=clip, output_attentions=True).attentions
    assert [m.shape for m in mine] == [t.shape for t in theirs]
    for got, want in zip(mine, theirs):
        torch.testing.assert_close(got, want, atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("setting", ["tubelet_3x4x4_7_frames_10x10", "one_temporal_index_no_qkv_bias"])
def test_interpolate_pos_encoding_at_the_trained_size_matches_transformers_vivit(tmp_path, setting):
    """At the trained size both return the table as is (transformers' only on square frames: on others it reshapes
    the table as one square grid and fails)."""
    reference, ours = reference_and_ours(tmp_path, SETTINGS[setting], "eager")
    clip = clip_for(reference.config, 2)
    with torch.no_grad():
        want = reference(pixel_values=clip, interpolate_pos_encoding=True).logits
        got = ours(pixel_values=clip, interpolate_pos_encoding=True).logits
    torch.testing.assert_close(got, want, atol=1e-5, rtol=1e-5)


def linear_resize(table: np.ndarray, new_grid: tuple[int, int, int]) -> np.ndarray:
    """(t, h, w, d) -> (*new_grid, d) by linear interpolation along each axis in turn, the first and last rows kept
    (corners aligned): scenic's `resize` rule, written with numpy.interp one line at a time."""
    for axis, size in enumerate(new_grid):
        old = table.shape[axis]
        where = np.linspace(0, old - 1, size) if size > 1 else np.zeros(1)
        moved = np.moveaxis(table, axis, -1)
        flat = moved.reshape(-1, old)
        resized = np.stack([np.interp(where, np.arange(old), line) for line in flat])
        table = np.moveaxis(resized.reshape(*moved.shape[:-1], size), -1, axis)
    return table


@pytest.mark.parametrize(
    "trained, run",
    [
        (dict(num_frames=4, image_size=[16, 24]), dict(num_frames=6, image_size=[40, 32])),  # more frames, taller
        (dict(num_frames=6, image_size=32), dict(num_frames=4, image_size=[16, 48])),  # fewer frames, wider
    ],
)
def test_interpolate_pos_encoding_at_another_size_matches_transformers_vivit_at_that_size(tmp_path, trained, run):
    """transformers' own interpolation cannot run here (it reshapes the t*h*w table as one square grid): the
    reference is its model built at the new size, on the same weights, with the position table resized outside."""
    reference, ours = reference_and_ours(tmp_path, {**trained, "tubelet_size": [2, 8, 8]}, "eager")
    at_size = VivitForVideoClassification(VivitConfig(**{**reference.config.to_dict(), **run})).eval()
    state = reference.state_dict()
    table = state["vivit.embeddings.position_embeddings"]
    old_grid, new_grid = (
        ours.vivit.encoder.grid,
        ours.vivit.token_embedding.token_grid(
            run["num_frames"], *(run["image_size"] if isinstance(run["image_size"], list) else [run["image_size"]] * 2)
        ),
    )
    grid_table = table[0, 1:].reshape(*old_grid, -1).double().numpy()
    resized = torch.from_numpy(linear_resize(grid_table, new_grid)).float().reshape(1, -1, table.shape[-1])
    state["vivit.embeddings.position_embeddings"] = torch.cat((table[:, :1], resized), dim=1)
    at_size.load_state_dict(state)
    clip = clip_for(at_size.config, 2)
    with torch.no_grad():
        want = at_size(pixel_values=clip).logits
        got = ours(pixel_values=clip, interpolate_pos_encoding=True).logits
    torch.testing.assert_close(got, want, atol=1e-5, rtol=1e-5)
