# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Model 3's `attention_order`: `time_space` really attends over time first (it changes the output, and matches a
block written out by hand in that order), and a scenic config that leaves the order out means `time_space`, the
flax module's default; the scenic fixture, which names `space_time`, is matched only in that order."""

import json

import numpy as np
import pytest
import torch
from conftest import case_dir

from vivit_hf import ViViTFactorisedSelfAttentionConfig, ViViTFactorisedSelfAttentionModel
from vivit_hf.convert import ScenicConversionError, load_scenic

TINY = dict(
    image_size=16,
    num_frames=4,
    tubelet_size=[2, 8, 8],
    hidden_size=16,
    num_hidden_layers=2,
    num_attention_heads=2,
    intermediate_size=32,
)
CASE = case_dir("scenic", "factorized_self_attention_space_time_gap")


def model_with_order(order, seed=0):
    torch.manual_seed(seed)
    model = ViViTFactorisedSelfAttentionModel(ViViTFactorisedSelfAttentionConfig(attention_order=order, **TINY))
    with torch.no_grad():  # no zero (or one) parameters: each one shows in the output
        for parameter in model.parameters():
            parameter.add_(torch.randn_like(parameter) * 0.1)
    return model.eval()


def video(seed=1):
    return torch.randn(2, 4, 3, 16, 16, generator=torch.Generator().manual_seed(seed))


def test_time_space_and_space_time_give_different_outputs_with_the_same_weights():
    space_time = model_with_order("space_time")
    time_space = model_with_order("time_space")
    time_space.load_state_dict(space_time.state_dict())
    with torch.no_grad():
        a = space_time(pixel_values=video()).last_hidden_state
        b = time_space(pixel_values=video()).last_hidden_state
    assert (a - b).abs().max() > 1e-3


def block_by_hand(layer, x, grid, order):
    """One factorised self-attention block written out: per axis in `order`, x + attention(LayerNorm(x)) over that
    axis (space: tokens of one time index; time: tokens of one spatial position), then x + MLP(LayerNorm(x))."""
    b, (t, h, w) = x.shape[0], grid
    s = h * w
    for axis in order:
        if axis == "space":
            tokens = x.reshape(b * t, s, -1)
            attended = layer.attention_space(layer.layernorm_space(tokens))[0].reshape(b, t * s, -1)
        else:
            tokens = x.reshape(b, t, s, -1).transpose(1, 2).reshape(b * s, t, -1)
            attended = layer.attention_time(layer.layernorm_time(tokens))[0]
            attended = attended.reshape(b, s, t, -1).transpose(1, 2).reshape(b, t * s, -1)
        x = x + attended
    return x + layer.mlp(layer.layernorm_mlp(x))


@pytest.mark.parametrize("order", ["time_space", "space_time"])
def test_each_block_attends_in_the_configured_order(order):
    model = model_with_order(order)
    grid = (2, 2, 2)  # 4 frames / 2, 16 / 8, 16 / 8
    with torch.no_grad():
        out = model(pixel_values=video(), output_hidden_states=True)
        for i, layer in enumerate(model.encoder.layers):
            expected = block_by_hand(layer, out.hidden_states[i], grid, order.split("_"))
            torch.testing.assert_close(out.hidden_states[i + 1], expected, rtol=1e-5, atol=1e-5)
        other = "space_time" if order == "time_space" else "time_space"
        wrong = block_by_hand(model.encoder.layers[0], out.hidden_states[0], grid, other.split("_"))
        assert (wrong - out.hidden_states[1]).abs().max() > 1e-3


def scenic_case():
    config = json.loads((CASE / "config.json").read_text())
    with np.load(CASE / "params.npz", allow_pickle=False) as archive:
        params = {key: archive[key] for key in archive.files}
    pixels = torch.from_numpy(np.load(CASE / "input.npy")).permute(0, 1, 4, 2, 3)
    return config["scenic_config"], params, pixels, np.load(CASE / "logits.npy")


def test_scenic_config_without_attention_order_is_refused(fixtures_dir):
    """scenic reads `attention_config.attention_order` with no default (an ml_collections field it lacks raises), so a
    config without it never ran there; taking it as the flax block's `time_space` gave a `space_time` checkpoint
    other logits. It is refused, and each order stated gives its own model."""
    scenic_config, params, pixels, logits = scenic_case()
    assert scenic_config["model"]["attention_config"]["attention_order"] == "space_time"
    left_out = json.loads(json.dumps(scenic_config))
    del left_out["model"]["attention_config"]["attention_order"]
    with pytest.raises(ScenicConversionError, match="attention_order"):
        load_scenic(params, left_out)
    other_order = json.loads(json.dumps(scenic_config))
    other_order["model"]["attention_config"]["attention_order"] = "time_space"
    named, other = load_scenic(params, scenic_config), load_scenic(params, other_order)
    assert named.config.attention_order == "space_time" and other.config.attention_order == "time_space"
    with torch.no_grad():
        np.testing.assert_allclose(named(pixel_values=pixels).logits.numpy(), logits, atol=1e-4, rtol=0)
        other = other(pixel_values=pixels).logits.numpy()
    assert np.abs(other - logits).max() > 1e-3  # scenic's space_time logits are not the time_space model's
