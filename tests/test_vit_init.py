# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Starting the four ViViT variants from an image ViT (paper §3.4), with ViTs built here from transformers' classes."""

import json
import logging
import re
import sys

import numpy as np
import pytest
import torch
from safetensors.torch import save_file
from transformers import ViTConfig, ViTForImageClassification, ViTModel

from vivit_hf.conversion.vit_init import ViTInitError, arp_weights, initialise_from_vit, load_image_vit
from vivit_hf.conversion.vit_init.timm_vit import read_timm_vit
from vivit_hf.models.modeling_vivit import (
    ViViTFactorisedDotProductForVideoClassification,
    ViViTFactorisedDotProductModel,
    ViViTFactorisedEncoderForVideoClassification,
    ViViTFactorisedEncoderModel,
    ViViTFactorisedSelfAttentionForVideoClassification,
    ViViTFactorisedSelfAttentionModel,
    ViViTPreTrainedModel,
    ViViTSpatioTemporalForVideoClassification,
    ViViTSpatioTemporalModel,
)

D, HEADS, LAYERS, MLP, IMAGE, PATCH = 16, 2, 2, 32, 32, 8


def tiny_vit(cls=ViTModel, seed=0, **overrides):
    """A tiny transformers ViT whose every parameter is random (no zero biases, no unit LayerNorms)."""
    torch.manual_seed(seed)
    sizes = dict(
        hidden_size=D,
        num_hidden_layers=LAYERS,
        num_attention_heads=HEADS,
        intermediate_size=MLP,
        image_size=IMAGE,
        patch_size=PATCH,
    )
    config = ViTConfig(**{**sizes, **overrides})
    vit = cls(config).eval()
    with torch.no_grad():
        for parameter in vit.parameters():
            parameter.add_(torch.randn_like(parameter) * 0.1)
    return vit


def randomised(model):
    """`model` in eval mode with every parameter moved off its initial value (no zero biases, no unit norms)."""
    torch.manual_seed(0)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.add_(torch.randn_like(parameter) * 0.1)
    return model.eval()


def video(batch=2, frames=4, height=IMAGE, width=IMAGE, seed=1):
    return torch.randn(batch, frames, 3, height, width, generator=torch.Generator().manual_seed(seed))


def vit_stack_without_cls(vit: ViTModel, frames: torch.Tensor) -> torch.Tensor:
    """The ViT's own layers and final norm on one frame's patch tokens, without its CLS token (a GAP-style ViT)."""
    tokens = vit.embeddings.patch_embeddings(frames) + vit.embeddings.position_embeddings[:, 1:]
    for layer in vit.layers:
        tokens = layer(tokens)
    return vit.layernorm(tokens)


# ----------------------------------------------------------------------------------------------- Model 2
def test_factorised_encoder_spatial_encoder_is_the_vit_on_every_frame():
    """`spatial_cls_init="copy"`: the ViT's CLS token beside its CLS position row, so each frame's spatial encoder
    computes the ViT's own hidden states, CLS token included."""
    vit = tiny_vit()
    model = ViViTFactorisedEncoderModel.from_vit_pretrained(
        vit,
        embedding_type="frame_sampling",
        num_frames=4,
        num_sampled_frames=4,
        num_temporal_layers=1,
        spatial_cls_init="copy",
    )
    clip = video()
    with torch.no_grad():
        ours = model(pixel_values=clip, output_hidden_states=True).hidden_states[: LAYERS + 1]
        theirs = vit(pixel_values=clip.flatten(0, 1), output_hidden_states=True)
    assert len(theirs.hidden_states) == LAYERS + 1
    for mine, reference in zip(ours, theirs.hidden_states):
        torch.testing.assert_close(mine, reference, atol=1e-5, rtol=0)
    final = model.spatial_encoder.layernorm(ours[-1])
    torch.testing.assert_close(final, theirs.last_hidden_state, atol=1e-5, rtol=0)


def test_factorised_encoder_keeps_both_cls_tokens_by_default_as_scenic():
    """scenic copies the ViT's `cls` only into a parameter named `cls`: Model 2's `cls_SpatialTransformer` and
    `cls_TemporalTransformer` keep the video model's own values, zeros when fresh (scenic's `nn.initializers.zeros`),
    while the spatial position table's CLS row is the ViT's. It took the ViT's spatial CLS token."""
    vit = tiny_vit()
    fresh = ViViTFactorisedEncoderModel.from_vit_pretrained(vit, num_frames=4, num_temporal_layers=1)
    assert fresh.config.classifier == "token"
    for encoder in (fresh.spatial_encoder, fresh.temporal_encoder):
        assert not encoder.cls_token.detach().any()
    ours, theirs = fresh.spatial_encoder.position_embeddings[0, 0], vit.embeddings.position_embeddings[0, 0]
    torch.testing.assert_close(ours, theirs, rtol=0, atol=0)

    model = ViViTFactorisedEncoderModel.from_vit_pretrained(vit, num_frames=4, num_temporal_layers=1)
    with torch.no_grad():
        model.spatial_encoder.cls_token.normal_()
    own = model.spatial_encoder.cls_token.detach().clone()
    report = initialise_from_vit(model, vit)
    torch.testing.assert_close(model.spatial_encoder.cls_token.detach(), own, rtol=0, atol=0)
    assert "spatial_encoder.cls_token" in report.kept
    assert "spatial_cls_init='copy' takes the ViT's" in report.unused["embeddings.cls_token"]


@pytest.mark.parametrize(
    "model_class, classifier, option, message",
    [
        (ViViTFactorisedEncoderModel, "token", "vit", r"`spatial_cls_init` must be one of .*got 'vit'"),
        (ViViTSpatioTemporalModel, "token", "copy", r"`spatial_cls_init='copy'` applies to Model 2"),
        (ViViTFactorisedSelfAttentionModel, "gap", "keep", r"`spatial_cls_init='keep'` applies to Model 2"),
        (ViViTFactorisedEncoderModel, "gap", "copy", r"no spatial CLS token to copy into \(classifier='gap'\)"),
    ],
)
def test_spatial_cls_init_is_refused_by_name_where_it_cannot_apply(model_class, classifier, option, message):
    """A value it does not know, another variant (Model 1's one CLS token is always the ViT's, as scenic's `cls`), a
    Model 2 without CLS tokens: refused naming it, the model left as it was (it was taken as a hub option)."""
    model = model_class.from_vit_pretrained(tiny_vit(), num_frames=4, classifier=classifier)
    before = {name: value.clone() for name, value in model.state_dict().items()}
    with pytest.raises(ValueError, match=message):
        initialise_from_vit(model, tiny_vit(seed=5), spatial_cls_init=option)
    for name, value in model.state_dict().items():
        torch.testing.assert_close(value, before[name], rtol=0, atol=0, msg=name)


def test_spatial_cls_init_copy_from_a_vit_without_a_cls_token_is_refused_naming_it():
    tree = npz_tree(tiny_vit(), original_names=False)
    del tree["cls"]
    tree["Transformer/posembed_input/pos_embedding"] = tree["Transformer/posembed_input/pos_embedding"][:, 1:]
    model = ViViTFactorisedEncoderModel.from_vit_pretrained(tiny_vit(), num_frames=4)
    with pytest.raises(ViTInitError, match="spatial_cls_init='copy': the ViT .*has no CLS token to copy"):
        initialise_from_vit(model, tree, spatial_cls_init="copy")
    initialise_from_vit(model, tree)  # unset: its own token stays, as scenic's


def test_factorised_encoder_keeps_its_temporal_encoder_and_classifier():
    torch.manual_seed(0)
    model = ViViTFactorisedEncoderForVideoClassification.from_vit_pretrained(
        tiny_vit(), num_frames=4, num_labels=3, num_temporal_layers=1
    )
    fresh = {
        k: v.clone() for k, v in model.state_dict().items() if k.startswith(("vivit.temporal_encoder", "classifier"))
    }
    report = initialise_from_vit(model, tiny_vit(seed=5))
    for name, value in fresh.items():
        torch.testing.assert_close(model.state_dict()[name], value, rtol=0, atol=0)
        assert name in report.kept


# ----------------------------------------------------------------------------------------------- tubelets
@pytest.mark.parametrize("t", [2, 3])
def test_central_frame_tubelet_embeds_the_central_frames(t):
    vit = tiny_vit()
    model = ViViTSpatioTemporalModel.from_vit_pretrained(vit, num_frames=2 * t, tubelet_size=[t, PATCH, PATCH])
    clip = video(frames=2 * t)
    central = [t // 2, t + t // 2]  # index t // 2 of each tubelet
    with torch.no_grad():
        ours = model.token_embedding(clip)  # (b, 2, h, w, d)
        theirs = vit.embeddings.patch_embeddings(clip[:, central].flatten(0, 1))  # ((b 2), h*w, d)
    torch.testing.assert_close(ours.flatten(2, 3).flatten(0, 1), theirs, atol=1e-5, rtol=0)


def test_filter_inflation_on_a_repeated_frame_gives_the_vit_patch_embedding():
    vit = tiny_vit()
    model = ViViTSpatioTemporalModel.from_vit_pretrained(vit, num_frames=4, tubelet_init="filter_inflation")
    frame = video(frames=1)
    with torch.no_grad():
        ours = model.token_embedding(frame.expand(-1, 4, -1, -1, -1))
        theirs = vit.embeddings.patch_embeddings(frame[:, 0])
    for ti in range(2):
        torch.testing.assert_close(ours[:, ti].flatten(1, 2), theirs, atol=1e-5, rtol=0)


def test_arp_weights_follow_the_harmonic_formula_and_ignore_static_content():
    # t = 2: a_1 = 2*2 - 3*(H_2 - H_0) = -0.5, a_2 = 2*1 - 3*(H_2 - H_1) = 0.5, each divided by t
    assert arp_weights(2) == pytest.approx([-0.25, 0.25])
    vit = tiny_vit()
    model = ViViTSpatioTemporalModel.from_vit_pretrained(
        vit, num_frames=8, tubelet_size=[4, PATCH, PATCH], tubelet_init="arp"
    )
    frame = video(frames=1)
    with torch.no_grad():  # the a_i sum to zero: a static clip leaves only the bias
        tokens = model.token_embedding(frame.expand(-1, 8, -1, -1, -1))
    torch.testing.assert_close(
        tokens, vit.embeddings.patch_embeddings.projection.bias.expand_as(tokens), atol=1e-5, rtol=0
    )


def test_random_tubelet_init_keeps_the_video_models_own_embedding():
    model = ViViTSpatioTemporalModel.from_vit_pretrained(tiny_vit(), num_frames=4)
    before = model.token_embedding.projection.weight.clone()
    initialise_from_vit(model, tiny_vit(seed=3), tubelet_init="random")
    torch.testing.assert_close(model.token_embedding.projection.weight, before, rtol=0, atol=0)


def test_central_frame_zero_slices_are_non_zero_after_one_step():
    model = ViViTSpatioTemporalForVideoClassification.from_vit_pretrained(tiny_vit(), num_frames=4, num_labels=3)
    kernel = model.vivit.token_embedding.projection.weight  # (d, c, t, h, w); slice 1 holds the ViT kernel
    assert kernel[:, :, 0].abs().max() == 0
    model.train()
    optimiser = torch.optim.SGD(model.parameters(), lr=0.1)
    model(pixel_values=video(), labels=torch.tensor([0, 2])).loss.backward()
    optimiser.step()
    assert kernel[:, :, 0].abs().min() > 0  # every element moved: the gradient is input frame x upstream gradient


# ----------------------------------------------------------------------------------------------- Model 3
def test_factorised_self_attention_with_zero_temporal_attention_starts_as_the_vit_per_frame():
    vit = tiny_vit()
    model = ViViTFactorisedSelfAttentionModel.from_vit_pretrained(
        vit, embedding_type="frame_sampling", num_frames=3, num_sampled_frames=3
    )
    clip = video(frames=3)
    with torch.no_grad():
        ours = model(pixel_values=clip).last_hidden_state  # (b, t*s, d)
        theirs = vit_stack_without_cls(vit, clip.flatten(0, 1))  # ((b t), s, d)
    torch.testing.assert_close(ours.reshape(theirs.shape), theirs, atol=1e-5, rtol=0)


def _train(model, steps, seed=0):
    generator = torch.Generator().manual_seed(seed)
    optimiser = torch.optim.SGD(model.parameters(), lr=0.5)
    model.train()
    for _ in range(steps):
        clip = torch.randn(2, 4, 3, IMAGE, IMAGE, generator=generator)
        labels = torch.randint(0, 3, (2,), generator=generator)
        optimiser.zero_grad()
        model(pixel_values=clip, labels=labels).loss.backward()
        optimiser.step()


def test_zero_initialised_temporal_attention_learns():
    model = ViViTFactorisedSelfAttentionForVideoClassification.from_vit_pretrained(
        tiny_vit(), num_frames=4, num_labels=3
    )
    attention = model.vivit.encoder.layers[0].attention_time
    assert attention.proj.weight.abs().max() == 0
    qkv_before = attention.qkv.weight.detach().clone()
    _train(model, steps=2)  # step 1 moves the projection, step 2 the attention behind it
    assert attention.proj.weight.abs().max() > 0
    assert not torch.equal(attention.qkv.weight, qkv_before)  # moved once the projection was non-zero


def test_temporal_attention_with_every_weight_zero_never_learns():
    """Why `zero` zeroes only the output projection: with v and the projection both zero, each one's gradient is
    multiplied by the other, so both stay zero forever; only the output bias moves, a constant that mixes nothing."""
    model = ViViTFactorisedSelfAttentionForVideoClassification.from_vit_pretrained(
        tiny_vit(), num_frames=4, num_labels=3
    )
    attention = model.vivit.encoder.layers[0].attention_time
    with torch.no_grad():
        for parameter in attention.parameters():
            parameter.zero_()
    _train(model, steps=2)  # the second step starts where the first did: zero v and projection, a moved bias
    for parameter in (attention.qkv.weight, attention.qkv.bias, attention.proj.weight):
        assert parameter.abs().max() == 0
    assert attention.proj.bias.abs().max() > 0  # the training did reach this layer


def test_copy_temporal_attention_takes_the_vit_attention():
    vit = tiny_vit()
    model = ViViTFactorisedSelfAttentionModel.from_vit_pretrained(vit, num_frames=4, temporal_attention_init="copy")
    layer = model.encoder.layers[1]
    torch.testing.assert_close(layer.attention_time.qkv.weight, layer.attention_space.qkv.weight, rtol=0, atol=0)
    torch.testing.assert_close(layer.attention_time.proj.weight, vit.layers[1].attention.o_proj.weight, rtol=0, atol=0)


@pytest.mark.parametrize(("spatial", "temporal"), [("keep", "keep"), ("copy", "keep"), ("keep", "copy")])
def test_keep_leaves_that_axis_attention_as_the_video_model_had_it(spatial, temporal):
    """scenic's init_from.init_spatial_transformer / init_temporal_transformer = False: that axis's attention keeps
    the video model's own weights; the block's LayerNorm and MLP still come from the ViT."""
    vit = tiny_vit()
    model = ViViTFactorisedSelfAttentionModel.from_vit_pretrained(vit, num_frames=4)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.normal_()
    before = {name: value.clone() for name, value in model.state_dict().items()}
    initialise_from_vit(model, vit, spatial_attention_init=spatial, temporal_attention_init=temporal)
    vit_state = vit.state_dict()
    for i, layer in enumerate(model.encoder.layers):
        for axis, option in (("space", spatial), ("time", temporal)):
            expected_qkv = (
                before[f"encoder.layers.{i}.attention_{axis}.qkv.weight"]
                if option == "keep"
                else torch.cat([vit_state[f"layers.{i}.attention.{n}_proj.weight"] for n in "qkv"])
            )
            torch.testing.assert_close(getattr(layer, f"attention_{axis}").qkv.weight, expected_qkv, rtol=0, atol=0)
        torch.testing.assert_close(
            layer.layernorm_space.weight, vit_state[f"layers.{i}.layernorm_before.weight"], rtol=0, atol=0
        )
        torch.testing.assert_close(layer.mlp.fc1.weight, vit_state[f"layers.{i}.mlp.fc1.weight"], rtol=0, atol=0)


# ----------------------------------------------------------------------------------------------- Model 4
def test_factorised_dot_product_gets_model_1_weights():
    vit = tiny_vit()
    model_1 = ViViTSpatioTemporalForVideoClassification.from_vit_pretrained(vit, num_frames=4, classifier="gap")
    model_4 = ViViTFactorisedDotProductForVideoClassification.from_vit_pretrained(vit, num_frames=4)
    state_1, state_4 = model_1.state_dict(), model_4.state_dict()
    assert state_1.keys() == state_4.keys()
    for name in state_1:
        if not name.startswith("classifier"):
            torch.testing.assert_close(state_4[name], state_1[name], rtol=0, atol=0, msg=name)


# ----------------------------------------------------------------------------------------------- position tables
def test_position_embeddings_for_a_non_square_grid(caplog):
    """Each axis resized on its own, and said: scenic's init takes the square root of the token count as the side of
    both grids (for this grid a table of another length; for a 32x48 crop the ViT's grid tiled whole, 0.35 off)."""
    vit = tiny_vit()  # 4 x 4 grid
    with caplog.at_level("WARNING", logger="vivit_hf.conversion.vit_init"):
        ViViTSpatioTemporalModel.from_vit_pretrained(
            vit, num_frames=4, image_size=24, positional_embedding="resize_tile"
        )
    assert "scenic's init assumes square grids" not in caplog.text  # 4x4 -> 3x3: scenic's own rule
    with caplog.at_level("WARNING", logger="vivit_hf.conversion.vit_init"):
        model = ViViTSpatioTemporalModel.from_vit_pretrained(
            vit, num_frames=4, image_size=[24, 48], positional_embedding="resize_tile"
        )
    assert "4x4 grid is resized to the video model's 3x6 grid" in caplog.text
    assert "scenic's init assumes square grids" in caplog.text
    table = model.encoder.position_embeddings[0]
    assert table.shape == (1 + 2 * 3 * 6, D)
    source = vit.embeddings.position_embeddings[0]
    grid = source[1:].reshape(4, 4, D)

    def at(ti, row, col):
        return table[1 + (ti * 3 + row) * 6 + col]

    torch.testing.assert_close(table[0], source[0])  # the ViT's CLS row
    for ti in range(2):  # corners stay corners (align_corners), on every temporal index
        torch.testing.assert_close(at(ti, 0, 0), grid[0, 0])
        torch.testing.assert_close(at(ti, 0, 5), grid[0, 3])
        torch.testing.assert_close(at(ti, 2, 0), grid[3, 0])
        torch.testing.assert_close(at(ti, 2, 5), grid[3, 3])
    # row 1 of 3 samples ViT row 1.5; column 0 is ViT column 0
    torch.testing.assert_close(at(1, 1, 0), (grid[1, 0] + grid[2, 0]) / 2)
    # column 1 of 6 samples ViT column 0.6 on row 0
    torch.testing.assert_close(at(0, 0, 1), 0.4 * grid[0, 0] + 0.6 * grid[0, 1])


def test_factorised_encoder_position_embeddings_for_a_changed_grid():
    vit = tiny_vit()
    model = ViViTFactorisedEncoderModel.from_vit_pretrained(
        vit, num_frames=6, image_size=[48, 24], positional_embedding="resize_tile", num_temporal_layers=1
    )
    spatial = model.spatial_encoder.position_embeddings[0]
    assert spatial.shape == (1 + 6 * 3, D)  # scenic's `tile` would give 1 + 3 * 16 here
    assert model.temporal_encoder.position_embeddings.shape == (1, 1 + 3, D)
    grid = vit.embeddings.position_embeddings[0, 1:].reshape(4, 4, D)
    torch.testing.assert_close(spatial[0], vit.embeddings.position_embeddings[0, 0])
    torch.testing.assert_close(spatial[1 + 5 * 3 + 2], grid[3, 3])
    # row 3 of 6 samples ViT row 1.8, column 1 of 3 samples ViT column 1.5
    expected = 0.2 * (grid[1, 1] + grid[1, 2]) / 2 + 0.8 * (grid[2, 1] + grid[2, 2]) / 2
    torch.testing.assert_close(spatial[1 + 3 * 3 + 1], expected)


def test_tile_refuses_a_changed_grid_naming_both():
    with pytest.raises(ViTInitError, match=r"\(4, 4\).*\(6, 6\).*resize_tile"):
        ViViTSpatioTemporalModel.from_vit_pretrained(tiny_vit(), num_frames=4, image_size=48)


def test_tiling_works_for_any_frame_count():
    vit = tiny_vit()
    model = ViViTSpatioTemporalModel.from_vit_pretrained(vit, num_frames=7, tubelet_size=[1, PATCH, PATCH])
    table = model.encoder.position_embeddings[0, 1:].reshape(7, 16, D)
    for ti in range(7):
        torch.testing.assert_close(table[ti], vit.embeddings.position_embeddings[0, 1:], rtol=0, atol=0)


# scenic's `resize` (projects/vivit/model_utils.py, init_posemb -> interpolate_positional_embeddings), written out
# here from scenic's code and scipy's documented zoom rule, without the library's resize.
def scipy_zoom_order_1(array: np.ndarray, zoom) -> np.ndarray:
    """`scipy.ndimage.zoom(array, zoom, order=1)` (grid_mode False, its default): each axis of n samples becomes
    round(n * z); output index o reads input coordinate o * (n - 1) / (m - 1), linear between its two neighbours."""
    out = array.astype(np.float64)
    for axis, z in enumerate(zoom):
        n = array.shape[axis]
        m = int(round(n * z))
        coords = np.arange(m) * ((n - 1) / (m - 1)) if m > 1 else np.zeros(1)
        low = np.minimum(np.floor(coords).astype(int), n - 1)
        high = np.minimum(low + 1, n - 1)
        shape = [1] * out.ndim
        shape[axis] = m
        frac = (coords - low).reshape(shape)
        out = np.take(out, low, axis=axis) * (1 - frac) + np.take(out, high, axis=axis) * frac
    return out.astype(array.dtype)


def scenic_resized_posemb(vit_table: np.ndarray, vit_token: bool, video_table: np.ndarray, video_token: bool):
    """scenic's init_posemb with positional_embed_size_change='resize' (tables (1, N, d), as scenic stores them)."""
    if vit_table.shape == video_table.shape:
        return vit_table
    ntok = video_table.shape[1] - int(video_token)
    grid = vit_table[0, int(vit_token) :]
    cls = vit_table[:, :1] if vit_token else video_table[:, :1]  # a gap ViT leaves the video model's own CLS row
    if len(grid) != ntok:
        restored_gs, gs = int(np.sqrt(len(grid))), int(np.sqrt(ntok))
        grid = scipy_zoom_order_1(grid.reshape(restored_gs, restored_gs, -1), (gs / restored_gs, gs / restored_gs, 1))
        grid = grid.reshape(1, gs * gs, -1)
    else:
        grid = grid[None]
    return np.concatenate([cls, grid], axis=1) if video_token else grid


def test_the_zoom_reference_follows_scipys_rule():
    # 3 -> 5 samples read coordinates 0, 0.5, 1, 1.5, 2; 4 -> 2 read 0 and 3 (corners aligned)
    np.testing.assert_array_equal(scipy_zoom_order_1(np.array([0.0, 2.0, 4.0]), (5 / 3,)), [0, 1, 2, 3, 4])
    np.testing.assert_array_equal(scipy_zoom_order_1(np.array([1.0, 5.0, 7.0, 9.0]), (0.5,)), [1, 9])


RESIZE_MODELS = {
    "model 1": ViViTSpatioTemporalModel,
    "model 3": ViViTFactorisedSelfAttentionModel,
    "model 4": ViViTFactorisedDotProductModel,
}


@pytest.mark.parametrize("model_class", list(RESIZE_MODELS.values()), ids=list(RESIZE_MODELS))
@pytest.mark.parametrize(
    ("num_frames", "image_size"),  # t x h x w tokens (tubelets of 2 frames, 8x8 patches); the ViT's grid is 4x4
    [
        pytest.param(8, 24, id="4x3x3=36 tokens: 4x4 -> 6x6"),
        pytest.param(8, 16, id="4x2x2=16 tokens: kept"),
        pytest.param(8, 8, id="4x1x1 tokens: 4x4 -> 2x2"),
        pytest.param(2, 24, id="1x3x3 tokens: 4x4 -> 3x3"),
    ],
)
def test_scenic_resize_over_all_tokens_matches_scenic(model_class, num_frames, image_size, caplog):
    """scenic's `resize` for Models 1, 3, 4 (ViT-B/16 at 384 into a 224 ViViT): the ViT's square grid resized by scipy's
    zoom to one square of all t * h * w tokens; was refused ('only fits Model 2')."""
    vit = tiny_vit()
    model = model_class.from_vit_pretrained(
        vit, num_frames=num_frames, image_size=image_size, positional_embedding="resize"
    )
    table = model.encoder.position_embeddings.detach().numpy()
    video_token = model.config.classifier == "token"  # Model 1: the ViT's CLS row; Models 3, 4 have none
    expected = scenic_resized_posemb(vit.embeddings.position_embeddings.detach().numpy(), True, table, video_token)
    assert table.shape == expected.shape
    np.testing.assert_allclose(table, expected, atol=1e-6, rtol=0)
    assert ("'resize_tile' gives each temporal index" in caplog.text) == (num_frames // 2 > 1)


def test_scenic_resize_from_a_gap_vit_keeps_the_video_models_cls_row():
    vit = tiny_vit()
    tree = npz_tree(vit, original_names=False)
    del tree["cls"]
    tree["Transformer/posembed_input/pos_embedding"] = tree["Transformer/posembed_input/pos_embedding"][:, 1:]
    model = ViViTSpatioTemporalModel.from_vit_pretrained(
        vit, num_frames=8, image_size=24, positional_embedding="random"
    )
    assert model.config.classifier == "token"
    before = model.encoder.position_embeddings.detach().numpy().copy()
    initialise_from_vit(model, tree, positional_embedding="resize")
    expected = scenic_resized_posemb(tree["Transformer/posembed_input/pos_embedding"], False, before, True)
    np.testing.assert_allclose(model.encoder.position_embeddings.detach().numpy(), expected, atol=1e-6, rtol=0)


def test_scenic_resize_refuses_a_token_count_that_is_no_square_naming_the_sizes():
    with pytest.raises(ViTInitError, match=r"4 x 4 grid .* 2 x 4 x 4 = 32 tokens, and 32 is not a square.*resize_tile"):
        ViViTSpatioTemporalModel.from_vit_pretrained(tiny_vit(), num_frames=4, positional_embedding="resize")


def test_scenic_resize_refuses_a_non_square_vit_grid_naming_it():
    vit = tiny_vit(image_size=[32, 16])  # 4 x 2 grid
    with pytest.raises(ViTInitError, match=r"grid \(4, 2\) is not square.*resize_tile"):
        ViViTFactorisedDotProductModel.from_vit_pretrained(
            vit, num_frames=8, image_size=24, positional_embedding="resize"
        )


def test_a_still_clip_gives_a_cls_less_vits_features_at_any_frame_count():
    """Attention over T identical copies of each key is attention over one: a gap ViT's pooled features come back
    unchanged from Model 1 on a still clip of 3 temporal indices (a CLS ViT's do not: its one CLS key competes
    with 3 copies of every patch: 0.097 off on this tiny ViT, 3.6e-7 at one temporal index)."""
    vit = tiny_vit(layer_norm_eps=1e-6)
    state = timm_state(vit)
    del state["cls_token"]
    state["pos_embed"] = state["pos_embed"][:, 1:]
    model = ViViTSpatioTemporalModel.from_vit_pretrained(
        state, num_frames=3, tubelet_size=[1, PATCH, PATCH], vit_num_attention_heads=HEADS
    )
    assert model.config.classifier == "gap"
    frame = video(frames=1)[:, 0]
    with torch.no_grad():
        ours = model(pixel_values=frame[:, None].repeat(1, 3, 1, 1, 1)).pooler_output
        torch.testing.assert_close(ours, vit_stack_without_cls(vit, frame).mean(1), rtol=0, atol=1e-5)


# ----------------------------------------------------------------------------------------------- sources
def timm_state(vit: ViTModel) -> dict:
    s = vit.state_dict()
    out = {
        "cls_token": s["embeddings.cls_token"],
        "pos_embed": s["embeddings.position_embeddings"],
        "patch_embed.proj.weight": s["embeddings.patch_embeddings.projection.weight"],
        "patch_embed.proj.bias": s["embeddings.patch_embeddings.projection.bias"],
        "norm.weight": s["layernorm.weight"],
        "norm.bias": s["layernorm.bias"],
        "head.weight": torch.randn(10, D),
        "head.bias": torch.randn(10),
    }
    for i in range(LAYERS):
        p = f"layers.{i}."
        out.update(
            {
                f"blocks.{i}.norm1.weight": s[p + "layernorm_before.weight"],
                f"blocks.{i}.norm1.bias": s[p + "layernorm_before.bias"],
                f"blocks.{i}.attn.qkv.weight": torch.cat([s[p + f"attention.{x}_proj.weight"] for x in "qkv"]),
                f"blocks.{i}.attn.qkv.bias": torch.cat([s[p + f"attention.{x}_proj.bias"] for x in "qkv"]),
                f"blocks.{i}.attn.proj.weight": s[p + "attention.o_proj.weight"],
                f"blocks.{i}.attn.proj.bias": s[p + "attention.o_proj.bias"],
                f"blocks.{i}.norm2.weight": s[p + "layernorm_after.weight"],
                f"blocks.{i}.norm2.bias": s[p + "layernorm_after.bias"],
                f"blocks.{i}.mlp.fc1.weight": s[p + "mlp.fc1.weight"],
                f"blocks.{i}.mlp.fc1.bias": s[p + "mlp.fc1.bias"],
                f"blocks.{i}.mlp.fc2.weight": s[p + "mlp.fc2.weight"],
                f"blocks.{i}.mlp.fc2.bias": s[p + "mlp.fc2.bias"],
            }
        )
    return {k: v.detach().clone().contiguous() for k, v in out.items()}


def npz_tree(vit: ViTModel, original_names: bool) -> dict:
    """The ViT in flax's layout: scenic's block names, or the original vision_transformer numbering."""
    s = {k: v.detach().numpy() for k, v in vit.state_dict().items()}
    attention, ln2, mlp = (
        ("MultiHeadDotProductAttention_1", "LayerNorm_2", "MlpBlock_3")
        if original_names
        else ("MultiHeadDotProductAttention_0", "LayerNorm_1", "MlpBlock_0")
    )
    hd = D // HEADS
    tree = {
        "embedding/kernel": s["embeddings.patch_embeddings.projection.weight"].transpose(2, 3, 1, 0),
        "embedding/bias": s["embeddings.patch_embeddings.projection.bias"],
        "cls": s["embeddings.cls_token"],
        "Transformer/posembed_input/pos_embedding": s["embeddings.position_embeddings"],
        "Transformer/encoder_norm/scale": s["layernorm.weight"],
        "Transformer/encoder_norm/bias": s["layernorm.bias"],
        "head/kernel": np.zeros((D, 10), np.float32),
        "head/bias": np.zeros(10, np.float32),
    }
    for i in range(LAYERS):
        p, b = f"layers.{i}.", f"Transformer/encoderblock_{i}/"
        tree[b + "LayerNorm_0/scale"], tree[b + "LayerNorm_0/bias"] = (
            s[p + "layernorm_before.weight"],
            s[p + "layernorm_before.bias"],
        )
        tree[b + f"{ln2}/scale"], tree[b + f"{ln2}/bias"] = (
            s[p + "layernorm_after.weight"],
            s[p + "layernorm_after.bias"],
        )
        for x, name in zip("qkv", ("query", "key", "value")):
            tree[b + f"{attention}/{name}/kernel"] = s[p + f"attention.{x}_proj.weight"].T.reshape(D, HEADS, hd)
            tree[b + f"{attention}/{name}/bias"] = s[p + f"attention.{x}_proj.bias"].reshape(HEADS, hd)
        tree[b + f"{attention}/out/kernel"] = s[p + "attention.o_proj.weight"].T.reshape(HEADS, hd, D)
        tree[b + f"{attention}/out/bias"] = s[p + "attention.o_proj.bias"]
        for j, fc in enumerate(("fc1", "fc2")):
            tree[b + f"{mlp}/Dense_{j}/kernel"] = s[p + f"mlp.{fc}.weight"].T
            tree[b + f"{mlp}/Dense_{j}/bias"] = s[p + f"mlp.{fc}.bias"]
    return tree


def test_timm_and_npz_vits_load_to_the_same_model_as_the_transformers_vit(tmp_path):
    vit = tiny_vit(layer_norm_eps=1e-6)  # timm's eps, so the timm-derived model is numerically the same too
    save_file(timm_state(vit), tmp_path / "timm_vit.safetensors")
    np.savez(tmp_path / "scenic_vit.npz", **npz_tree(vit, original_names=False))
    np.savez(tmp_path / "original_vit.npz", **npz_tree(vit, original_names=True))
    torch.save(timm_state(vit), tmp_path / "timm_vit.pth")

    reference = ViViTSpatioTemporalForVideoClassification.from_vit_pretrained(vit, num_frames=4, num_labels=3)
    sources = {
        "timm safetensors": (tmp_path / "timm_vit.safetensors", {"vit_num_attention_heads": HEADS}),
        "timm pth": (tmp_path / "timm_vit.pth", {"vit_num_attention_heads": HEADS}),
        "scenic npz": (tmp_path / "scenic_vit.npz", {}),
        "original ViT npz": (tmp_path / "original_vit.npz", {}),
    }
    clip = video()
    for label, (path, options) in sources.items():
        model = ViViTSpatioTemporalForVideoClassification.from_vit_pretrained(
            path, num_frames=4, num_labels=3, **options
        )
        model.classifier.load_state_dict(reference.classifier.state_dict())
        for name, value in reference.state_dict().items():
            torch.testing.assert_close(model.state_dict()[name], value, rtol=0, atol=1e-7, msg=f"{label}: {name}")
        if label.startswith("timm"):  # same activation (exact GELU) and eps: the same function
            assert (model.config.hidden_act, model.config.layer_norm_eps) == ("gelu", 1e-6)
            with torch.no_grad():
                torch.testing.assert_close(model(pixel_values=clip).logits, reference(pixel_values=clip).logits)
        else:  # a flax ViT was trained with the tanh GELU
            assert model.config.hidden_act == "gelu_pytorch_tanh"


def test_transformers_vit_folder_and_in_memory_model_agree(tmp_path):
    vit = tiny_vit(ViTForImageClassification, num_labels=10)
    vit.save_pretrained(tmp_path / "vit")
    from_memory = ViViTSpatioTemporalModel.from_vit_pretrained(vit, num_frames=4)
    from_folder, report = ViViTSpatioTemporalModel.from_vit_pretrained(
        tmp_path / "vit", num_frames=4, output_loading_info=True
    )
    for name, value in from_memory.state_dict().items():
        torch.testing.assert_close(from_folder.state_dict()[name], value, rtol=0, atol=0)
    assert {"classifier.weight", "classifier.bias"} <= set(report.unused)


def test_config_is_derived_from_the_vit_unless_overridden():
    vit = tiny_vit(hidden_act="gelu", layer_norm_eps=1e-12, qkv_bias=False)
    model = ViViTSpatioTemporalForVideoClassification.from_vit_pretrained(vit, num_frames=8, num_labels=7)
    config = model.config
    assert (config.hidden_size, config.num_hidden_layers, config.num_attention_heads, config.intermediate_size) == (
        D,
        LAYERS,
        HEADS,
        MLP,
    )
    assert (config.hidden_act, config.layer_norm_eps, config.qkv_bias) == ("gelu", 1e-12, False)
    assert (config.image_size, config.tubelet_size, config.num_frames, config.num_labels) == (
        IMAGE,
        [2, PATCH, PATCH],
        8,
        7,
    )
    assert config.classifier == "token"
    assert model.vivit.encoder.layers[0].layernorm_before.eps == 1e-12
    overridden = ViViTSpatioTemporalModel.from_vit_pretrained(vit, num_frames=4, hidden_act="gelu_pytorch_tanh")
    assert overridden.config.hidden_act == "gelu_pytorch_tanh"


def test_unmappable_parameters_are_reported_by_name():
    vit = tiny_vit(ViTModel)  # with its pooler (dense + tanh)
    _, report = ViViTFactorisedSelfAttentionForVideoClassification.from_vit_pretrained(
        vit, num_frames=4, num_labels=3, output_loading_info=True
    )
    assert set(report.unused) == {"pooler.dense.weight", "pooler.dense.bias", "embeddings.cls_token"}
    assert "representation_size=16" in report.unused["pooler.dense.weight"]
    with_representation, report = ViViTSpatioTemporalForVideoClassification.from_vit_pretrained(
        vit, num_frames=4, num_labels=3, representation_size=D, output_loading_info=True
    )
    assert report.unused == {}
    torch.testing.assert_close(with_representation.pre_logits[0].weight, vit.pooler.dense.weight, rtol=0, atol=0)


def test_a_vit_of_another_size_is_refused_naming_the_size():
    model = ViViTSpatioTemporalModel.from_vit_pretrained(tiny_vit(), num_frames=4)
    wider = ViTModel(
        ViTConfig(
            hidden_size=24,
            num_hidden_layers=LAYERS,
            num_attention_heads=HEADS,
            intermediate_size=MLP,
            image_size=IMAGE,
            patch_size=PATCH,
        )
    )
    with pytest.raises(ViTInitError, match="hidden_size: video model 16, ViT 24"):
        initialise_from_vit(model, wider)
    other_patch = ViTModel(
        ViTConfig(
            hidden_size=D,
            num_hidden_layers=LAYERS,
            num_attention_heads=HEADS,
            intermediate_size=MLP,
            image_size=IMAGE,
            patch_size=4,
        )
    )
    with pytest.raises(ViTInitError, match=r"patch size.*\(8, 8\).*\(4, 4\)"):
        initialise_from_vit(model, other_patch)


def test_unknown_option_is_refused():
    model = ViViTSpatioTemporalModel.from_vit_pretrained(tiny_vit(), num_frames=4)
    with pytest.raises(ValueError, match="tubelet_init"):
        initialise_from_vit(model, tiny_vit(), tubelet_init="inflate")


@pytest.mark.parametrize(
    "model_class, override, field",
    [
        (ViViTFactorisedEncoderForVideoClassification, {"num_frame": 8}, "num_frames"),
        (ViViTSpatioTemporalForVideoClassification, {"num_lables": 3}, "num_labels"),
        # a field of Model 3 only: Model 2 built its order-less blocks and kept the value unused
        (ViViTFactorisedEncoderModel, {"attention_order": "time_space"}, None),
    ],
)
def test_a_config_override_that_is_no_field_is_refused_naming_it(model_class, override, field):
    """A misspelt override was kept as an unused config attribute: `num_frame=8` built a 32-frame model."""
    key = next(iter(override))
    hint = rf".*did you mean '{field}'" if field else ""
    with pytest.raises(ValueError, match=rf"'{key}' is no field of {model_class.config_class.__name__}{hint}"):
        model_class.from_vit_pretrained(tiny_vit(), **override)
    # spelt right, it is the config's (a field of Model 3 is one there)
    right = {field or key: next(iter(override.values()))}
    right_class = ViViTFactorisedSelfAttentionModel if field is None else model_class
    assert getattr(right_class.from_vit_pretrained(tiny_vit(), **right).config, field or key) == right[field or key]


def test_a_config_override_of_a_vivit_checkpoint_that_is_no_field_is_refused_and_old_names_keep_their_rows(
    tmp_path,
):
    from vivit_hf.conversion.vit_init import from_vivit_checkpoint

    # (classes named as an earlier version named WebDataset `.txt` labels, below)
    names = {0: "cat\n", 1: "dog\r\n"}
    old = ViViTFactorisedEncoderForVideoClassification.from_vit_pretrained(tiny_vit(), num_frames=8, id2label=names)
    old.eval().save_pretrained(tmp_path)
    with pytest.raises(ValueError, match=r"'num_frame' is no field.*did you mean 'num_frames'"):
        from_vivit_checkpoint(str(tmp_path), num_frame=4)
    assert from_vivit_checkpoint(str(tmp_path), num_frames=4)[0].config.num_frames == 4
    # Its data's labels are now read 'cat', 'dog' (stripped): its head started fresh on that same data (--init_from),
    # all it had learned lost; its rows are kept by name
    model, report = from_vivit_checkpoint(str(tmp_path), id2label={0: "dog", 1: "cat"})
    assert report["remapped"] == ["classifier.weight", "classifier.bias"] and not report["fresh"]
    for name in ("weight", "bias"):
        kept, trained = getattr(model.classifier, name), getattr(old.classifier, name)
        torch.testing.assert_close(kept, trained[[1, 0]], rtol=0, atol=0)
    # A float label column's ids, named '0.0', '1.0' by earlier versions, are now read '0', '1': evaluate.py and a
    # resume matched them (vivit_hf/label_spellings.py), the restart started a fresh head
    old.config.id2label, old.config.label2id = {0: "0.0", 1: "1.0"}, {"0.0": 0, "1.0": 1}
    old.save_pretrained(tmp_path / "floats")
    model, report = from_vivit_checkpoint(str(tmp_path / "floats"), id2label={0: "1", 1: "0"})
    assert report["remapped"] == ["classifier.weight", "classifier.bias"] and not report["fresh"]
    torch.testing.assert_close(model.classifier.weight, old.classifier.weight[[1, 0]], rtol=0, atol=0)


def test_a_config_typo_lists_the_models_fields_not_pretrained_configs_internals():
    """The list of valid fields after a typo named PretrainedConfig's internals (`_name_or_path`,
    `transformers_version`, `chunk_size_feed_forward`, `is_encoder_decoder`) among the model's own."""
    from vivit_hf import ViViTFactorisedEncoderConfig
    from vivit_hf.conversion.vit_init.pretrained import check_config_fields

    with pytest.raises(ValueError, match="did you mean 'num_frames'") as refused:
        check_config_fields(ViViTFactorisedEncoderConfig, {"num_frame": 8})
    listed = str(refused.value).split("valid fields: ")[1].rstrip(".").split(", ")
    assert {"num_frames", "tubelet_size", "hidden_size", "num_labels", "id2label"} <= set(listed)
    internal = {"_name_or_path", "transformers_version", "chunk_size_feed_forward", "is_encoder_decoder", "self"}
    assert not internal & set(listed), internal & set(listed)


@pytest.mark.parametrize(
    "options", [{"attn_implementation": "eager"}, {"dtype": torch.bfloat16}, {"torch_dtype": "bfloat16"}]
)
def test_a_vivit_checkpoint_takes_from_pretrained_loading_options(tmp_path, options):
    # from_vivit_checkpoint(path, attn_implementation="eager") was refused as "no field of the config" (it worked
    # before fields were checked), and dtype= kept a float32 model without a word. The reference: transformers'
    # from_pretrained of the same folder with the same option.
    from transformers import AutoModelForVideoClassification

    from vivit_hf.conversion.vit_init import from_vivit_checkpoint

    ViViTFactorisedEncoderForVideoClassification.from_vit_pretrained(tiny_vit(), num_frames=8).save_pretrained(tmp_path)
    model, _ = from_vivit_checkpoint(str(tmp_path), **options)
    reference = AutoModelForVideoClassification.from_pretrained(str(tmp_path), **options).eval()
    assert model.config._attn_implementation == reference.config._attn_implementation
    assert {p.dtype for p in model.parameters()} == {p.dtype for p in reference.parameters()}
    video = torch.randn(1, 8, 3, 32, 32, dtype=next(reference.parameters()).dtype)
    with torch.no_grad():
        torch.testing.assert_close(model(video).logits, reference(video).logits)


def test_a_vivit_checkpoint_restarted_with_a_one_device_map_is_placed_there(tmp_path):
    """`from_vivit_checkpoint(path, device_map="cuda")` was refused as "no field of the config", where
    from_vit_pretrained and from_transformers_vivit place the model there (`place_as_asked`)."""
    from vivit_hf.conversion.vit_init import from_vivit_checkpoint

    ViViTSpatioTemporalForVideoClassification.from_vit_pretrained(
        tiny_vit(), num_frames=4, num_hidden_layers=1
    ).save_pretrained(tmp_path)
    model, _ = from_vivit_checkpoint(str(tmp_path), device_map={"": "meta"})
    assert {p.device.type for p in model.parameters()} == {"meta"} and "device_map" not in model.config.to_dict()


# dtype and its deprecated alias torch_dtype, as transformers' from_pretrained reads them: either; dtype where both
DTYPE_OPTIONS = [
    {"dtype": torch.bfloat16, "torch_dtype": torch.float16},
    {"dtype": "bfloat16", "torch_dtype": "bfloat16"},
    {"dtype": None, "torch_dtype": "float16"},
    {"dtype": "auto", "torch_dtype": "float16"},
]


def _tiny_transformers_vivit_folder(folder):
    from transformers import VivitConfig, VivitForVideoClassification

    sizes = dict(hidden_size=D, num_hidden_layers=1, num_attention_heads=HEADS, intermediate_size=MLP)
    config = VivitConfig(**sizes, image_size=IMAGE, num_frames=4, tubelet_size=[2, PATCH, PATCH], num_labels=3)
    VivitForVideoClassification(config).save_pretrained(folder)
    return str(folder)


@pytest.mark.parametrize("options", DTYPE_OPTIONS, ids=lambda o: f"{o['dtype']}-{o['torch_dtype']}")
@pytest.mark.parametrize("entry_point", ["from_vit_pretrained", "from_vivit_checkpoint", "from_transformers_vivit"])
def test_dtype_and_torch_dtype_are_read_as_transformers_from_pretrained_reads_them(tmp_path, entry_point, options):
    """Given both, the alias `torch_dtype` was left behind and refused as "no field of ViViTSpatioTemporalConfig".
    The reference: the model class's from_pretrained of the same source with the same two options (transformers'
    rule: dtype where it is not None, "auto" included. The Auto classes differ for "auto": they pass torch_dtype on
    to the config, whose dtype "auto" then reads, so AutoModel gives float16 where ViTModel gives float32.)"""
    from transformers import VivitForVideoClassification

    from vivit_hf.conversion.transformers_vivit import from_transformers_vivit
    from vivit_hf.conversion.vit_init import from_vivit_checkpoint

    if entry_point == "from_vit_pretrained":
        tiny_vit().save_pretrained(tmp_path)
        model = ViViTSpatioTemporalModel.from_vit_pretrained(str(tmp_path), num_frames=4, **options)
        reference = ViTModel.from_pretrained(str(tmp_path), **options)
    elif entry_point == "from_vivit_checkpoint":
        ViViTSpatioTemporalForVideoClassification.from_vit_pretrained(tiny_vit(), num_frames=4).save_pretrained(
            tmp_path
        )
        model, _ = from_vivit_checkpoint(str(tmp_path), **options)
        reference = ViViTSpatioTemporalForVideoClassification.from_pretrained(str(tmp_path), **options)
    else:
        source = _tiny_transformers_vivit_folder(tmp_path)
        model = from_transformers_vivit(ViViTSpatioTemporalForVideoClassification, source, **options)
        reference = VivitForVideoClassification.from_pretrained(source, **options)
    assert {p.dtype for p in model.parameters()} == {p.dtype for p in reference.parameters()}
    # the config says the weights' dtype, as from_pretrained's does (from_transformers_vivit's said None, and its
    # save_pretrained / from_config(model.config) read no dtype)
    assert model.config.dtype == model.dtype and reference.config.dtype == reference.dtype


@pytest.mark.parametrize(
    "entry_point",
    [
        "from_vit_pretrained",
        "from_vivit_checkpoint",
        "from_vivit_checkpoint of transformers'",
        "from_transformers_vivit",
    ],
)
def test_dtype_auto_keeps_a_bfloat16_checkpoints_dtype_as_from_pretrained_does(tmp_path, entry_point):
    """dtype="auto" was read as no dtype: a bfloat16 checkpoint gave a float32 model, where transformers'
    from_pretrained(dtype="auto") of the same folder loads it in bfloat16. The reference: that from_pretrained."""
    from transformers import VivitForVideoClassification

    from vivit_hf.conversion.transformers_vivit import from_transformers_vivit
    from vivit_hf.conversion.vit_init import from_vivit_checkpoint

    if entry_point == "from_vit_pretrained":
        tiny_vit().to(torch.bfloat16).save_pretrained(tmp_path)
        model = ViViTSpatioTemporalModel.from_vit_pretrained(str(tmp_path), num_frames=4, dtype="auto")
        reference = ViTModel.from_pretrained(str(tmp_path), dtype="auto")
    elif entry_point == "from_vivit_checkpoint":
        vivit = ViViTSpatioTemporalForVideoClassification.from_vit_pretrained(tiny_vit(), num_frames=4)
        vivit.to(torch.bfloat16).save_pretrained(tmp_path)
        model, _ = from_vivit_checkpoint(str(tmp_path), dtype="auto")
        reference = ViViTSpatioTemporalForVideoClassification.from_pretrained(str(tmp_path), dtype="auto")
    else:
        source = _tiny_transformers_vivit_folder(tmp_path)
        reference = VivitForVideoClassification.from_pretrained(source, dtype=torch.bfloat16)
        reference.save_pretrained(source)
        reference = VivitForVideoClassification.from_pretrained(source, dtype="auto")
        if entry_point == "from_transformers_vivit":
            model = from_transformers_vivit(ViViTSpatioTemporalForVideoClassification, source, dtype="auto")
        else:
            model, _ = from_vivit_checkpoint(source, dtype="auto")
    assert {p.dtype for p in reference.parameters()} == {torch.bfloat16}  # the reference kept the checkpoint's
    assert {p.dtype for p in model.parameters()} == {torch.bfloat16}
    assert model.config.dtype == reference.config.dtype == torch.bfloat16
    if entry_point == "from_transformers_vivit":  # a model object in bfloat16 (cast after loading: config says None)
        reference.config.dtype = None
        model = from_transformers_vivit(ViViTSpatioTemporalForVideoClassification, reference, dtype="auto")
        assert {p.dtype for p in model.parameters()} == {torch.bfloat16} and model.config.dtype == torch.bfloat16


@pytest.mark.parametrize("entry_point", ["from_vit_pretrained", "from_vivit_checkpoint", "from_transformers_vivit"])
def test_a_dtype_torch_has_not_is_refused_naming_it(tmp_path, entry_point):
    """dtype="fp16" ended in AttributeError "module 'torch' has no attribute 'fp16'" (from_vivit_checkpoint: after
    reading the checkpoint); torch_dtype=torch.nn passed getattr and failed inside Module.to."""
    from vivit_hf.conversion.transformers_vivit import from_transformers_vivit
    from vivit_hf.conversion.vit_init import from_vivit_checkpoint

    load = {
        "from_vit_pretrained": lambda **o: ViViTSpatioTemporalModel.from_vit_pretrained(tiny_vit(), num_frames=4, **o),
        "from_vivit_checkpoint": lambda **o: from_vivit_checkpoint(str(tmp_path / "missing"), **o),
        "from_transformers_vivit": lambda **o: from_transformers_vivit(ViViTSpatioTemporalModel, "x/y", **o),
    }[entry_point]
    for options, named in (({"dtype": "fp16"}, "'fp16'"), ({"torch_dtype": "nn"}, "'nn'")):
        with pytest.raises(ValueError, match=rf"dtype={named} is no torch dtype"):
            load(**options)


@pytest.mark.parametrize("checkpoint", ["vivit_hf", "transformers"])
def test_a_vivit_checkpoint_is_refused_as_a_video_checkpoint_with_calls_that_load_it(tmp_path, checkpoint):
    """A saved ViViT (vivit_hf's, or transformers' VivitModel) given to from_vit_pretrained was refused as "expected a
    transformers ViT (model_type 'vit' ...), got 'vivit_factorised_encoder'": not said to be a video checkpoint, nor
    how to load one. Each call the message names is run on the same folder and must load it."""
    from transformers import AutoModelForVideoClassification, VivitForVideoClassification

    from vivit_hf.conversion.vit_init import from_vivit_checkpoint

    folder = str(tmp_path)
    if checkpoint == "vivit_hf":
        in_memory = ViViTFactorisedEncoderForVideoClassification.from_vit_pretrained(tiny_vit(), num_frames=8)
        in_memory.save_pretrained(folder)
        loads, call = AutoModelForVideoClassification.from_pretrained, "AutoModelForVideoClassification.from_pretrained"
    else:
        in_memory = VivitForVideoClassification.from_pretrained(_tiny_transformers_vivit_folder(folder))
        loads = ViViTSpatioTemporalForVideoClassification.from_transformers_vivit
        call = "ViViTSpatioTemporalForVideoClassification.from_transformers_vivit"
    for source, named in ((folder, re.escape(folder)), (in_memory, type(in_memory).__name__)):
        with pytest.raises(ViTInitError, match=rf"^{named} is a video (checkpoint|model) .*not the image ViT") as error:
            ViViTSpatioTemporalModel.from_vit_pretrained(source, num_frames=4)
        assert f"`{call}(path)`" in str(error.value)
        assert "`model, report = vivit_hf.conversion.from_vivit_checkpoint(path" in str(error.value)
    assert isinstance(loads(folder), ViViTPreTrainedModel)
    # ours on the model in memory too (a TypeError of os.fspath / os.stat there, "not VivitForVideoClassification")
    if checkpoint == "transformers":
        assert isinstance(loads(in_memory), ViViTPreTrainedModel)
    for source in (folder, in_memory):
        assert isinstance(from_vivit_checkpoint(source, num_frames=4)[0], ViViTPreTrainedModel)


def test_a_vivit_in_memory_restarts_as_its_folder_does_and_is_left_unchanged(tmp_path):
    from vivit_hf.conversion.vit_init import from_vivit_checkpoint

    model = randomised(ViViTFactorisedEncoderForVideoClassification.from_vit_pretrained(tiny_vit(), num_frames=4))
    before = {name: value.clone() for name, value in model.state_dict().items()}
    model.save_pretrained(tmp_path)
    from_folder, folder_report = from_vivit_checkpoint(str(tmp_path), num_frames=8, image_size=48)
    # hub options at their defaults (a script's `revision=args.revision`) ask nothing of an object: taken
    from_object, object_report = from_vivit_checkpoint(
        torch.nn.DataParallel(model), num_frames=8, image_size=48, revision=None, local_files_only=False, subfolder=""
    )
    assert object_report == folder_report and type(from_object) is type(from_folder)
    for name, value in from_folder.state_dict().items():
        torch.testing.assert_close(from_object.state_dict()[name], value, rtol=0, atol=0, msg=name)
    for name, value in model.state_dict().items():
        assert torch.equal(value, before[name]), name
    with pytest.raises(ViTInitError, match="restarts a ViViT .*got a ViTModel; an image ViT starts a video model"):
        from_vivit_checkpoint(tiny_vit(), num_frames=8)
    with pytest.raises(TypeError, match="revision: hub options say which checkpoint files to read; a ViViTFactor"):
        from_vivit_checkpoint(model, num_frames=8, revision="v1")
    # from_vit_pretrained read an image ViT in memory as it is, its hub options dropped without a word
    for vit in (tiny_vit(), tiny_vit().state_dict()):
        with pytest.raises(TypeError, match=r"cache_dir, revision: hub options say .* in memory is read as it is"):
            ViViTSpatioTemporalModel.from_vit_pretrained(vit, num_frames=4, revision="v1", cache_dir="/c")
    # ... and a local weights file too, which no hub option can choose in; a local folder takes them as transformers'
    # from_pretrained does (`subfolder` read, `revision` ignored)
    torch.save(tiny_vit().state_dict(), tmp_path / "vit.pth")
    with pytest.raises(TypeError, match=r"revision: hub options say .* the local file '.*vit\.pth' is read as it is"):
        ViViTSpatioTemporalModel.from_vit_pretrained(tmp_path / "vit.pth", num_frames=4, revision="v1")
    # how to fetch asks nothing of a local file, as of a folder: a script giving it for any source is not refused
    ViViTSpatioTemporalModel.from_vit_pretrained(
        tmp_path / "vit.pth", num_frames=4, vit_num_attention_heads=HEADS, local_files_only=True, cache_dir="/c"
    )
    tiny_vit().save_pretrained(tmp_path / "vit")
    ViViTSpatioTemporalModel.from_vit_pretrained(tmp_path / "vit", num_frames=4, revision="v1")


def test_an_older_big_vision_checkpoint_loads_from_its_opt_target_parameters(tmp_path):
    # big_vision's checkpoints before optax keep the ViT under `opt/target/` beside the optimizer step and `extra/`
    # (scenic's `checkpoint_format='big_vision'` reads `tree['opt']['target']`); they were refused as "not a
    # big_vision / scenic ViT"
    vit = tiny_vit(layer_norm_eps=1e-6)
    tree = {f"opt/target/{name}": value for name, value in npz_tree(vit, original_names=True).items()}
    np.savez(tmp_path / "bv.npz", **tree, **{"opt/state/step": np.array(9), "extra/accum_train_time": np.array(2.0)})
    reference = load_image_vit(npz_tree(vit, original_names=True))
    loaded = load_image_vit(tmp_path / "bv.npz")
    assert loaded.grid == reference.grid and len(loaded.layers) == len(reference.layers)
    torch.testing.assert_close(loaded.patch_kernel, reference.patch_kernel, rtol=0, atol=0)
    for ours, theirs in zip(loaded.layers, reference.layers):
        for name, value in theirs.items():
            torch.testing.assert_close(ours[name], value, rtol=0, atol=0, msg=name)


def test_a_grey_video_model_from_an_rgb_vit_is_refused_saying_the_rgb_model_already_takes_grey_video():
    # grey-video users asked how to start from an RGB ViT (timm's in_chans=1); the refusal said only that the
    # channels "cannot be resized"
    vit = tiny_vit()
    with pytest.raises(ViTInitError, match=r"num_channels: video model 1, ViT 3\. For grey video keep num_channels=3"):
        ViViTSpatioTemporalModel.from_vit_pretrained(vit, num_frames=4, num_channels=1)
    # what it says: the RGB model's tubelets on equal R, G and B are one kernel summed over the channels
    model = ViViTSpatioTemporalModel.from_vit_pretrained(vit, num_frames=4).eval()
    grey = video()[:, :, :1]
    projection = model.token_embedding.projection
    with torch.no_grad():
        summed = torch.nn.functional.conv3d(
            grey.transpose(1, 2), projection.weight.sum(1, keepdim=True), projection.bias, stride=projection.stride
        )
        torch.testing.assert_close(projection(grey.expand(-1, -1, 3, -1, -1).transpose(1, 2)), summed)


def test_non_square_npz_vit_needs_its_grid(tmp_path):
    vit = tiny_vit(image_size=[32, 16])  # 4 x 2 grid: 8 positions, not a square
    tree = npz_tree(vit, original_names=False)
    with pytest.raises(ViTInitError, match="grid"):
        load_image_vit(tree)
    assert load_image_vit(tree, grid=(4, 2)).grid == (4, 2)


# -- the user's input named, not the library's guess (issue 12, items 8 and 13) ---------------------------------
@pytest.mark.parametrize("source", ["./vit-missing", "/no/such/folder/vit", "runs/a/b"])
def test_a_missing_local_path_is_reported_as_missing(source):
    with pytest.raises(FileNotFoundError, match="no such file or folder") as error:
        ViViTSpatioTemporalModel.from_vit_pretrained(source)
    assert repr(source) in str(error.value) and "Repo id" not in str(error.value)


def test_an_unreachable_hub_is_not_reported_as_a_missing_config(monkeypatch):
    import huggingface_hub
    from huggingface_hub.errors import LocalEntryNotFoundError

    def no_connection(*args, **kwargs):
        try:
            raise ConnectionError("Name or service not known")
        except ConnectionError as cause:
            raise LocalEntryNotFoundError("cannot find the requested files in the local cache") from cause

    # huggingface_hub reads HF_HUB_OFFLINE once, at import (CI exports it): its own flag says online here
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(huggingface_hub, "hf_hub_download", no_connection)
    with pytest.raises(FileNotFoundError, match="could not be reached") as error:
        ViViTSpatioTemporalModel.from_vit_pretrained("someone/vit-base")
    assert "Name or service not known" in str(error.value) and "no config.json" not in str(error.value)


@pytest.mark.parametrize(
    "name, content",
    [
        ("notes.txt", b"some notes\n"),
        ("config.json", b'{"model_type": "vit"}'),
        ("vit.pth", b"not a pickle"),
        ("vit.safetensors", b"hello"),
    ],
)
def test_a_file_that_is_no_checkpoint_is_named_as_such(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ValueError, match="not a (PyTorch checkpoint|readable safetensors)") as error:
        ViViTSpatioTemporalModel.from_vit_pretrained(str(path))
    assert str(path) in str(error.value)


def test_timm_head_count_error_names_from_vit_pretrained_argument():
    state = timm_state(tiny_vit())  # width 16: not a standard ViT width, so timm's state says no head count
    with pytest.raises(ViTInitError, match="vit_num_attention_heads="):
        ViViTSpatioTemporalModel.from_vit_pretrained(state, num_frames=4)
    model = ViViTSpatioTemporalModel.from_vit_pretrained(state, num_frames=4, vit_num_attention_heads=HEADS)
    assert model.config.num_attention_heads == HEADS


@pytest.mark.parametrize(
    "model_class", [ViViTSpatioTemporalModel, ViViTFactorisedEncoderModel, ViViTFactorisedDotProductModel]
)
def test_temporal_attention_init_is_refused_where_there_is_no_temporal_attention(model_class):
    with pytest.raises(ValueError, match="temporal_attention_init='copy'.*Model 3"):
        model_class.from_vit_pretrained(tiny_vit(), num_frames=4, temporal_attention_init="copy")
    with pytest.raises(ValueError, match="spatial_attention_init='keep'.*Model 3"):
        model_class.from_vit_pretrained(tiny_vit(), num_frames=4, spatial_attention_init="keep")
    model_class.from_vit_pretrained(tiny_vit(), num_frames=4)  # unset: fine for every variant


def test_a_size_that_is_not_a_multiple_of_the_patch_tiles_the_floor_grid():
    """36x36 pixels of 8x8 patches (IMAGE 32 + 4 leftover rows and columns) and 5 frames of t=2: scenic's VALID
    convolution gives the ViT's own 4x4 grid twice, so tiling repeats the ViT's table once per temporal index."""
    vit = tiny_vit()
    model = ViViTSpatioTemporalModel.from_vit_pretrained(
        vit, num_frames=5, image_size=IMAGE + 4, tubelet_size=[2, PATCH, PATCH]
    )
    table = model.encoder.position_embeddings[0, 1:].reshape(2, (IMAGE // PATCH) ** 2, D)
    for ti in range(2):
        torch.testing.assert_close(table[ti], vit.embeddings.position_embeddings[0, 1:], rtol=0, atol=0)


# -- a ViT a ViViT cannot represent is refused, not half loaded ------------------------------------------------
def _add(**entries):
    return lambda state: state.update(entries)


def _replace_final_norm_by_fc_norm(state):
    state["fc_norm.weight"], state["fc_norm.bias"] = state.pop("norm.weight"), state.pop("norm.bias")


def _add_distillation_token(state):
    state["dist_token"] = torch.randn(1, 1, D)
    state["pos_embed"] = torch.cat((state["pos_embed"][:, :1], state["pos_embed"]), dim=1)


def _pack_a_swiglu(state):
    state["blocks.0.mlp.fc1.weight"] = torch.randn(2 * MLP, D)
    state["blocks.0.mlp.fc1.bias"] = torch.randn(2 * MLP)


# timm-style state dicts (names as timm saves them) with one option a ViViT block lacks: each loaded, before, with
# the option's parameters reported unused (or failed on an unrelated KeyError or grid), computing another function.
TIMM_OPTIONS = {
    "register tokens": (_add(reg_token=torch.randn(1, 4, D)), "register tokens"),
    "DeiT distillation token": (_add_distillation_token, "distillation token"),
    "CLIP pre-norm": (_add(**{"norm_pre.weight": torch.randn(D), "norm_pre.bias": torch.randn(D)}), "norm_pre"),
    "fc_norm instead of norm": (_replace_final_norm_by_fc_norm, "fc_norm"),
    "q/k norm": (
        _add(**{f"blocks.0.attn.{x}_norm.weight": torch.randn(D // HEADS) for x in "qk"}),
        "query and key LayerNorms",
    ),
    "norm inside the MLP": (_add(**{"blocks.0.mlp.norm.weight": torch.randn(MLP)}), "inside the attention or MLP"),
    "packed SwiGLU": (_pack_a_swiglu, "gated"),
    "unknown block parameter": (_add(**{"blocks.1.gamma_1": torch.randn(D)}), "no place for: blocks.1.gamma_1"),
    "no learned position table": (lambda state: state.pop("pos_embed"), "no `pos_embed`"),
    # InternViT-300M in timm: the video model's own final LayerNorm stayed, 1.7 off on a small random one
    "no final norm": (lambda state: [state.pop("norm.weight"), state.pop("norm.bias")], "no final LayerNorm"),
}


@pytest.mark.parametrize("option", list(TIMM_OPTIONS))
def test_a_timm_vit_with_an_option_a_vivit_lacks_is_refused_naming_it(option):
    state = timm_state(tiny_vit(layer_norm_eps=1e-6))
    change, named = TIMM_OPTIONS[option]
    change(state)
    with pytest.raises(ViTInitError, match="state dict: .*" + re.escape(named)):
        ViViTSpatioTemporalModel.from_vit_pretrained(state, num_frames=2, vit_num_attention_heads=HEADS)


def test_a_full_mae_checkpoint_drops_its_decoder_and_mask_token():
    state = timm_state(tiny_vit(layer_norm_eps=1e-6))
    state.update({"mask_token": torch.randn(1, 1, D), "decoder_embed.weight": torch.randn(8, D)})
    state.update({"decoder_blocks.0.norm1.weight": torch.randn(8), "decoder_pos_embed": torch.randn(1, 17, 8)})
    vit = load_image_vit(state, num_attention_heads=HEADS)
    assert {"mask_token", "decoder_embed.weight", "decoder_blocks.0.norm1.weight", "decoder_pos_embed"} <= set(
        vit.unused
    )


def test_a_timm_vit_without_patch_bias_gives_the_video_model_none():
    """CLIP-style timm ViTs save no `patch_embed.proj.bias`: the video model's bias must be zero, even one that had
    its own. Reference: the transformers ViT with a zero patch bias, on a clip of one repeated frame."""
    vit = tiny_vit(layer_norm_eps=1e-6)
    with torch.no_grad():
        vit.embeddings.patch_embeddings.projection.bias.zero_()
    state = timm_state(vit)
    del state["patch_embed.proj.bias"]
    model = ViViTSpatioTemporalModel.from_vit_pretrained(
        state, num_frames=2, tubelet_size=[2, PATCH, PATCH], vit_num_attention_heads=HEADS
    )
    frame = video(frames=1)[:, 0]
    with torch.no_grad():
        torch.nn.init.ones_(model.token_embedding.projection.bias)
        initialise_from_vit(model, state, num_attention_heads=HEADS)
        ours = model(pixel_values=frame[:, None].repeat(1, 2, 1, 1, 1)).last_hidden_state[:, 0]
        torch.testing.assert_close(ours, vit(pixel_values=frame).last_hidden_state[:, 0], rtol=0, atol=1e-5)


def test_a_timm_state_dicts_assumed_activation_is_said(caplog):
    with caplog.at_level("WARNING", logger="vivit_hf.conversion.vit_init"):
        vit = load_image_vit(timm_state(tiny_vit()), num_attention_heads=HEADS)
    assert vit.hidden_act == "gelu" and "does not record its MLP activation" in caplog.text


def test_a_timm_state_dicts_activation_given_is_taken_without_a_warning(caplog):
    # The warning said to pass hidden_act=; load_image_vit had no such keyword, and from_vit_pretrained's (the video
    # model's) left the ViT's assumed, warned of twice (assumed; "the ViT was trained with 'gelu'"). The reference:
    # the transformers ViT of that activation, which records it.
    tanh = tiny_vit(hidden_act="gelu_pytorch_tanh")
    with caplog.at_level("WARNING", logger="vivit_hf.conversion.vit_init"):
        vit = load_image_vit(timm_state(tanh), num_attention_heads=HEADS, hidden_act="gelu_pytorch_tanh")
        model = ViViTSpatioTemporalModel.from_vit_pretrained(
            timm_state(tanh), num_frames=2, vit_num_attention_heads=HEADS, hidden_act="gelu_pytorch_tanh"
        )
    assert vit.hidden_act == load_image_vit(tanh).hidden_act == "gelu_pytorch_tanh"
    assert model.config.hidden_act == "gelu_pytorch_tanh" and "hidden_act" not in caplog.text, caplog.text


@pytest.mark.parametrize("layout", ["timm", "transformers"])
def test_a_head_count_guessed_from_the_width_is_said(caplog, layout):
    vit = tiny_vit(hidden_size=192, num_attention_heads=3)
    state = timm_state(vit) if layout == "timm" else vit.state_dict()
    with caplog.at_level("WARNING", logger="vivit_hf.conversion.vit_init"):
        loaded = load_image_vit(state)
    assert loaded.num_attention_heads == 3
    assert "assuming 3 heads from its width 192" in caplog.text and "vit_num_attention_heads=" in caplog.text


def test_a_timm_hub_folder_whose_size_name_does_not_match_its_width_is_not_given_that_sizes_heads(
    tmp_path, monkeypatch
):
    """Without timm installed, timm's vit_giant_patch14_dinov2 (1536 wide, 24 heads, not ViT-g's 1408 and 16) shows
    a size name says the head count only at that size's width. Here a 16-wide ViT named giant was given 16 heads (of
    width 1) and loaded."""
    monkeypatch.setitem(sys.modules, "timm", None)  # the fallback for a machine without timm
    save_file(timm_state(tiny_vit(layer_norm_eps=1e-6)), tmp_path / "model.safetensors")
    (tmp_path / "config.json").write_text('{"architecture": "vit_giant_patch14_dinov2", "num_classes": 10}')
    with pytest.raises(ViTInitError, match="width 16 is not a standard ViT width.*vit_num_attention_heads="):
        load_image_vit(tmp_path)
    assert load_image_vit(tmp_path, num_attention_heads=HEADS).num_attention_heads == HEADS


def test_an_mae_folder_and_an_msn_model_start_a_vivit_as_the_vits_they_are(tmp_path):
    """transformers stores MAE's encoder and MSN's ViT in ViT's own layout (MSN with eps 1e-6); both were refused
    as 'not model_type vit'. Reference: their own forward, CLS output (MAE's shuffles the patches, even unmasked)."""
    from transformers import ViTMAEConfig, ViTMAEForPreTraining, ViTMSNConfig, ViTMSNModel

    sizes = dict(
        hidden_size=D, num_hidden_layers=LAYERS, num_attention_heads=HEADS, intermediate_size=MLP, image_size=IMAGE
    )
    decoder = dict(decoder_hidden_size=8, decoder_num_attention_heads=2, decoder_num_hidden_layers=1)
    mae = ViTMAEForPreTraining(
        ViTMAEConfig(patch_size=PATCH, mask_ratio=0.0, decoder_intermediate_size=16, **decoder, **sizes)
    )
    msn = ViTMSNModel(ViTMSNConfig(patch_size=PATCH, **sizes))
    torch.manual_seed(0)
    with torch.no_grad():
        for parameter in [*mae.parameters(), *msn.parameters()]:
            parameter.add_(torch.randn_like(parameter) * 0.1)
    mae.save_pretrained(tmp_path / "mae")
    frame = video(frames=1)[:, 0]
    for source, encoder in ((tmp_path / "mae", mae.eval().vit), (msn.eval(), msn)):
        model = ViViTSpatioTemporalModel.from_vit_pretrained(source, num_frames=2, tubelet_size=[2, PATCH, PATCH])
        with torch.no_grad():
            ours = model(pixel_values=frame[:, None].repeat(1, 2, 1, 1, 1)).last_hidden_state[:, 0]
            torch.testing.assert_close(ours, encoder(pixel_values=frame).last_hidden_state[:, 0], rtol=0, atol=1e-5)
    assert model.config.layer_norm_eps == 1e-6  # MSN's


def test_a_bare_deit_or_dinov2_state_dict_is_named_not_a_vit(tmp_path):
    from transformers import DeiTConfig, DeiTModel, Dinov2Config, Dinov2Model

    sizes = dict(hidden_size=D, num_hidden_layers=1, num_attention_heads=HEADS, image_size=IMAGE, patch_size=PATCH)
    for model, named in (
        (DeiTModel(DeiTConfig(intermediate_size=MLP, **sizes)), "distillation token"),
        (Dinov2Model(Dinov2Config(mlp_ratio=2, **sizes)), "not a transformers ViT"),
    ):
        save_file({k: v.contiguous() for k, v in model.state_dict().items()}, tmp_path / "model.safetensors")
        with pytest.raises(ViTInitError, match=re.escape(str(tmp_path / "model.safetensors")) + ".*" + named):
            load_image_vit(tmp_path / "model.safetensors", num_attention_heads=HEADS)


# transformers' other image models, tiny: each was refused only as "neither a transformers ViT nor a timm
# VisionTransformer" (a folder: "expected model_type 'vit'"), not saying what a ViViT lacks
OTHER_IMAGE_MODELS = {
    "DeiT": ("DeiTModel", "DeiTConfig", "distillation token"),
    "BEiT": ("BeitModel", "BeitConfig", "no position embeddings at all"),  # (BeitConfig's defaults)
    "data2vec": ("Data2VecVisionModel", "Data2VecVisionConfig", "no position embeddings at all"),
    "DINOv2 registers": ("Dinov2WithRegistersModel", "Dinov2WithRegistersConfig", "register tokens"),
    "CLIP": ("CLIPVisionModel", "CLIPVisionConfig", r"LayerNorm before the first block \(`pre_layrnorm`\)"),
    "SigLIP 2": ("Siglip2VisionModel", "Siglip2VisionConfig", "per image \\(NaFlex\\)"),
    "MetaCLIP 2": ("MetaClip2VisionModel", "MetaClip2VisionConfig", r"LayerNorm before the first block"),
    "DINOv3": ("DINOv3ViTModel", "DINOv3ViTConfig", r"rotary position embeddings \(RoPE\)"),
    "AIMv2": ("Aimv2VisionModel", "Aimv2VisionConfig", "RMSNorms in place of LayerNorms"),
    "Pixio": ("PixioModel", "PixioConfig", "several CLS tokens"),
    "ViTDet": ("VitDetModel", "VitDetConfig", "windowed attention"),
}


@pytest.mark.parametrize("name", list(OTHER_IMAGE_MODELS))
def test_transformers_other_image_models_are_refused_saying_what_a_vivit_lacks(name, tmp_path):
    import transformers

    model_name, config_name, lacks = OTHER_IMAGE_MODELS[name]
    sizes = dict(hidden_size=D, num_hidden_layers=1, num_attention_heads=HEADS, intermediate_size=MLP)
    config = getattr(transformers, config_name)(**sizes, patch_size=PATCH)
    image_model = getattr(transformers, model_name)(config)
    with pytest.raises(ViTInitError, match=f"{model_name}: .*{lacks}"):
        load_image_vit(image_model)
    if name == "DeiT":  # a folder says its model_type alike
        image_model.save_pretrained(tmp_path)
        with pytest.raises(ViTInitError, match=lacks):
            load_image_vit(tmp_path)


@pytest.mark.parametrize(
    ("fields", "named", "not_named"),
    [
        ({}, ["no position embeddings at all", "LayerScale", "no final LayerNorm"], ["biases in attention"]),
        (
            dict(use_relative_position_bias=True, layer_scale_init_value=0.0, use_mean_pooling=False),
            ["relative position biases in attention"],
            ["LayerScale", "final LayerNorm", "no position embeddings"],
        ),
        (
            dict(use_absolute_position_embeddings=True, layer_scale_init_value=0.0, use_mean_pooling=False),
            ["no reader here maps"],
            ["relative position", "LayerScale", "final LayerNorm", "cannot represent"],
        ),
    ],
)
def test_a_beit_refusal_names_what_its_own_config_gives_it(fields, named, not_named, tmp_path):
    """Every BEiT was refused as having "relative position biases in attention (or, by default, no position
    embeddings at all) and LayerScale", whatever its config: one with LayerScale off (`layer_scale_init_value=0.0`)
    and an absolute table was told of two features it does not have. The refusal names what this config gives, the
    model and its saved folder alike."""
    from transformers import BeitConfig, BeitModel

    sizes = dict(hidden_size=D, num_hidden_layers=1, num_attention_heads=HEADS, intermediate_size=MLP)
    beit = BeitModel(BeitConfig(**sizes, patch_size=PATCH, image_size=IMAGE, **fields))
    beit.save_pretrained(tmp_path)
    for source in (beit, tmp_path):
        with pytest.raises(ViTInitError) as error:
            load_image_vit(source)
        message = str(error.value)
        assert all(words in message for words in named), message
        assert not any(words in message for words in not_named), message


def test_a_two_tower_clip_is_refused_naming_its_pre_norm(tmp_path):
    """CLIP as most users have it (`CLIPModel`, openai/clip-vit-*): it was refused as "neither a transformers ViT nor a
    timm VisionTransformer", its folder as "expected model_type 'vit'", not saying what a ViViT lacks."""
    from transformers import CLIPConfig, CLIPModel

    sizes = dict(hidden_size=D, num_hidden_layers=1, num_attention_heads=HEADS, intermediate_size=MLP)
    clip = CLIPModel(CLIPConfig(vision_config=dict(sizes, image_size=IMAGE, patch_size=PATCH), text_config=sizes))
    with pytest.raises(ViTInitError, match=r"CLIPModel: .*LayerNorm before the first block \(`pre_layrnorm`\)"):
        load_image_vit(clip)
    clip.save_pretrained(tmp_path)
    with pytest.raises(ViTInitError, match=r"'clip' model has a LayerNorm before the first block"):
        load_image_vit(tmp_path)


def _tiny_ijepa():
    from transformers import IJepaConfig, IJepaForImageClassification

    sizes = dict(hidden_size=D, num_hidden_layers=LAYERS, num_attention_heads=HEADS, intermediate_size=MLP)
    return randomised(
        IJepaForImageClassification(IJepaConfig(image_size=IMAGE, patch_size=PATCH, num_labels=3, **sizes))
    )


def test_an_ijepa_vit_starts_a_vivit_as_itself_without_a_cls_token(tmp_path):
    """I-JEPA's ViT is transformers' ViT without a CLS token, its classifier over the tokens' mean: it was refused
    ("neither a transformers ViT nor a timm VisionTransformer"; its bare weights: "15 position embeddings do not form
    a square grid"). Reference: its own forward, every token, and its own logits."""
    ijepa = _tiny_ijepa()  # (a folder is read by its model_type as the object is: one table of readers)
    save_file({k: v.contiguous() for k, v in ijepa.state_dict().items()}, tmp_path / "bare.safetensors")
    frame = video(frames=1)[:, 0]
    with torch.no_grad():
        features, logits = ijepa.ijepa(pixel_values=frame).last_hidden_state, ijepa(pixel_values=frame).logits
    for source, options in (
        (ijepa, {}),
        (tmp_path / "bare.safetensors", {"vit_num_attention_heads": HEADS}),
    ):
        model = ViViTSpatioTemporalForVideoClassification.from_vit_pretrained(
            source, num_frames=1, tubelet_size=[1, PATCH, PATCH], classifier_init="copy", **options
        ).eval()
        assert model.config.classifier == "gap"
        with torch.no_grad():
            ours = model.vivit(pixel_values=frame[:, None]).last_hidden_state
            torch.testing.assert_close(ours, features, rtol=0, atol=1e-5)
            torch.testing.assert_close(model(pixel_values=frame[:, None]).logits, logits, rtol=0, atol=1e-5)


def test_a_folder_transformers_timm_wrapper_saved_starts_a_vivit_as_its_timm_vit(tmp_path):
    """What `TimmWrapperModel.save_pretrained` writes (model_type 'timm_wrapper', timm's weights under `timm_model.`),
    read with or without timm installed: it was refused as "expected a transformers ViT ... got 'timm_wrapper'"."""
    vit = tiny_vit(layer_norm_eps=1e-6)
    save_file({f"timm_model.{k}": v for k, v in timm_state(vit).items()}, tmp_path / "model.safetensors")
    model_args = dict(img_size=IMAGE, patch_size=PATCH, embed_dim=D, depth=LAYERS, num_heads=HEADS, mlp_ratio=MLP / D)
    config = {"architecture": "vit_tiny_patch16_224", "model_type": "timm_wrapper", "model_args": model_args}
    (tmp_path / "config.json").write_text(json.dumps(config))
    model = ViViTSpatioTemporalModel.from_vit_pretrained(
        tmp_path, num_frames=1, tubelet_size=[1, PATCH, PATCH], vit_num_attention_heads=HEADS, hidden_act="gelu"
    )
    frame = video(frames=1)[:, 0]
    with torch.no_grad():
        ours = model(pixel_values=frame[:, None]).last_hidden_state
        torch.testing.assert_close(ours, vit(pixel_values=frame).last_hidden_state, rtol=0, atol=1e-5)


def test_transformers_wrapper_of_a_timm_vit_starts_a_vivit_as_the_vit_inside(tmp_path):
    """`AutoModel` of a timm Hub repo gives transformers' TimmWrapperModel: it was refused as "neither a transformers
    ViT nor a timm VisionTransformer", its saved folder as "expected a transformers ViT ... got 'timm_wrapper'"."""
    pytest.importorskip("timm")
    from transformers import TimmWrapperConfig, TimmWrapperForImageClassification

    model_args = dict(img_size=IMAGE, patch_size=PATCH, embed_dim=D, depth=LAYERS, num_heads=HEADS, mlp_ratio=MLP / D)
    config = TimmWrapperConfig(architecture="vit_tiny_patch16_224", num_labels=3, model_args=model_args)
    wrapper = randomised(TimmWrapperForImageClassification(config))
    wrapper.save_pretrained(tmp_path)
    frame = video(frames=1)[:, 0]
    with torch.no_grad():
        logits = wrapper(pixel_values=frame).logits
    for source in (wrapper, tmp_path):
        model = ViViTSpatioTemporalForVideoClassification.from_vit_pretrained(
            source, num_frames=1, tubelet_size=[1, PATCH, PATCH], classifier_init="copy"
        ).eval()
        with torch.no_grad():
            torch.testing.assert_close(model(pixel_values=frame[:, None]).logits, logits, rtol=0, atol=1e-5)


def test_transformers_siglip_starts_a_vivit_as_its_image_tower(tmp_path):
    """SigLIP's image tower is a pre-norm ViT without a CLS token (final norm `post_layernorm`, tanh GELU): it was
    refused by model_type. Its classifier (`SiglipForImageClassification`) reads the tokens' mean, copied over `gap`;
    a two-tower `SiglipModel` folder (the Hub's form) gives its image tower, its text tower reported unused."""
    from transformers import SiglipConfig, SiglipForImageClassification, SiglipModel

    tower = dict(hidden_size=D, num_hidden_layers=LAYERS, num_attention_heads=HEADS, intermediate_size=MLP)
    config = SiglipConfig(vision_config={**tower, "image_size": IMAGE, "patch_size": PATCH}, text_config=tower)
    frame, options = (
        video(frames=1)[:, 0],
        dict(num_frames=2, tubelet_size=[2, PATCH, PATCH], tubelet_init="filter_inflation"),
    )
    classifier = randomised(SiglipForImageClassification(SiglipConfig(**config.to_dict(), num_labels=5)))
    model = ViViTSpatioTemporalForVideoClassification.from_vit_pretrained(classifier, classifier_init="copy", **options)
    assert (model.config.classifier, model.config.hidden_act, model.config.num_labels) == (
        "gap",
        "gelu_pytorch_tanh",
        5,
    )
    still = frame[:, None].repeat(1, 2, 1, 1, 1)
    with torch.no_grad():
        torch.testing.assert_close(
            model(pixel_values=still).logits, classifier(pixel_values=frame).logits, rtol=0, atol=1e-5
        )
    randomised(SiglipModel(config)).save_pretrained(tmp_path)
    two_towers = SiglipModel.from_pretrained(tmp_path).eval()
    model, report = ViViTSpatioTemporalModel.from_vit_pretrained(tmp_path, output_loading_info=True, **options)
    with torch.no_grad():
        theirs = two_towers.vision_model(pixel_values=frame).last_hidden_state
        torch.testing.assert_close(model(pixel_values=still).last_hidden_state, theirs, rtol=0, atol=1e-5)
    assert "text tower" in report.unused["text_model.embeddings.token_embedding.weight"]


def test_a_transformers_vit_parameter_with_no_place_is_refused():
    state = tiny_vit().state_dict()
    state["layers.0.attention.q_norm.weight"] = torch.randn(D // HEADS)
    with pytest.raises(ViTInitError, match="no place for: layers.0.attention.q_norm.weight"):
        load_image_vit(state, num_attention_heads=HEADS)


def test_a_pooler_with_another_activation_is_not_taken_as_the_tanh_representation_layer():
    vit = tiny_vit(pooler_act="relu")
    model, report = ViViTSpatioTemporalForVideoClassification.from_vit_pretrained(
        vit, num_frames=2, num_labels=3, representation_size=D, output_loading_info=True
    )
    assert "activation 'relu'" in report.unused["pooler.dense.weight"]
    assert not torch.equal(model.pre_logits[0].weight, vit.pooler.dense.weight)


def test_a_big_vision_vit_with_stacked_blocks_loads_as_its_unstacked_twin():
    """big_vision's scan=True (its SigLIP checkpoints) stacks the blocks on a leading depth axis; it failed with
    'no `Transformer/encoderblock_0/...` found'."""
    tree = npz_tree(tiny_vit(), original_names=False)
    stacked = {k: v for k, v in tree.items() if not k.startswith("Transformer/encoderblock_")}
    for name in [k for k in tree if k.startswith("Transformer/encoderblock_0/")]:
        rest = name.removeprefix("Transformer/encoderblock_0/")
        stacked["Transformer/encoderblock/" + rest] = np.stack(
            [tree[f"Transformer/encoderblock_{i}/{rest}"] for i in range(LAYERS)]
        )
    expected, ours = load_image_vit(tree), load_image_vit(stacked)
    assert len(ours.layers) == LAYERS
    for i in range(LAYERS):
        for name, value in expected.layers[i].items():
            torch.testing.assert_close(ours.layers[i][name], value, rtol=0, atol=0)


@pytest.mark.parametrize(
    ("grid", "table"),
    [(None, "pos_embedding"), ((IMAGE // PATCH,) * 2, "pos_embedding"), (None, "Transformer/pos_embedding")],
)
def test_a_big_vision_tok_vit_whose_cls_token_has_no_position_loads(tmp_path, grid, table):
    """big_vision adds `pos_embedding` (grid rows only) before it prepends `cls`: its `tok` ViTs were refused as "15
    position embeddings do not form a square grid" (or, grid given, "do not fit grid (4, 4) + CLS"); before 2022 the
    table was the Encoder's (`Transformer/pos_embedding`), refused as a parameter with no place."""
    vit = tiny_vit(layer_norm_eps=1e-6)
    with torch.no_grad():
        vit.embeddings.position_embeddings[:, :1] = 0  # the CLS token without a position, as big_vision's
    tree = npz_tree(vit, original_names=False)
    tree[table] = tree.pop("Transformer/posembed_input/pos_embedding")[:, 1:]
    np.savez(tmp_path / "big_vision_tok.npz", **tree)
    options = {} if grid is None else {"vit_grid": grid}
    model = ViViTSpatioTemporalModel.from_vit_pretrained(tmp_path / "big_vision_tok.npz", num_frames=2, **options)
    reference = ViViTSpatioTemporalModel.from_vit_pretrained(vit, num_frames=2)
    for name, value in reference.state_dict().items():
        torch.testing.assert_close(model.state_dict()[name], value, rtol=0, atol=0, msg=name)


def test_an_npz_vit_block_parameter_with_no_place_is_refused():
    """It was reported as 'ViT layer beyond the video model's depth' and the block loaded without it."""
    tree = npz_tree(tiny_vit(), original_names=False)
    tree["Transformer/encoderblock_1/LayerScale_0/scale"] = np.ones(D, np.float32)
    with pytest.raises(ViTInitError, match="no place for: Transformer/encoderblock_1/LayerScale_0/scale"):
        load_image_vit(tree)


def test_an_npz_hybrid_vit_is_refused_naming_its_cnn_stem():
    """The original ViT's R50+ViT hybrids run a ResNet (`conv_root`, `gn_root`, `block1/...`) before a 1x1 embedding
    of its features: it loaded as a 64-channel ViT of 1x1 patches here (1024 channels for ViT-R50+B_16), the ResNet
    reported only as "no counterpart in a ViViT"."""
    tree = npz_tree(tiny_vit(), original_names=True)
    tree["embedding/kernel"] = np.ones((1, 1, 64, D), np.float32)
    tree["conv_root/kernel"] = np.ones((7, 7, 3, 16), np.float32)
    tree["gn_root/scale"] = np.ones(16, np.float32)
    tree["block1/unit1/conv1/kernel"] = np.ones((1, 1, 16, 64), np.float32)
    with pytest.raises(ViTInitError, match=r"a hybrid ViT, a CNN stem \(ResNet: `block1/unit1/conv1/kernel`"):
        load_image_vit(tree)
    del tree["conv_root/kernel"], tree["gn_root/scale"], tree["block1/unit1/conv1/kernel"]
    tree["norm_pre/scale"] = np.ones(D, np.float32)  # whatever else sits beside the encoder and the heads
    with pytest.raises(ViTInitError, match="a big_vision / scenic ViT has no place for: norm_pre/scale"):
        load_image_vit(tree)


# Each reader with seven parameters it has no place for, the reader's words for what lacks the place
UNPLACED = {
    "transformers": (lambda: tiny_vit().state_dict(), "layers.0.extra_{}", "a transformers ViT"),
    "timm": (lambda: timm_state(tiny_vit(layer_norm_eps=1e-6)), "blocks.0.extra_{}", "a timm VisionTransformer block"),
    "npz": (lambda: npz_tree(tiny_vit(), original_names=False), "Transformer/encoderblock_0/Extra_{}", "a ViT block"),
}


@pytest.mark.parametrize("reader", list(UNPLACED))
def test_every_reader_refuses_parameters_with_no_place_naming_the_first_six_alike(reader):
    checkpoint, name, lacking = UNPLACED[reader]
    state = checkpoint()
    names = sorted(name.format(i) for i in range(7))
    for extra in names:
        state[extra] = np.ones(D, np.float32) if reader == "npz" else torch.ones(D)
    expected = f"parameters {lacking} has no place for: {', '.join(names[:6])}, ...; another architecture"
    with pytest.raises(ViTInitError, match=re.escape(expected)) as refused:
        load_image_vit(state, num_attention_heads=HEADS)
    assert names[6] not in str(refused.value) and str(refused.value).endswith("nothing was loaded")


def test_an_npz_vit_with_fixed_sincos_position_embeddings_is_named():
    tree = npz_tree(tiny_vit(), original_names=False)
    del tree["Transformer/posembed_input/pos_embedding"]
    with pytest.raises(ViTInitError, match="no learned position embeddings"):
        load_image_vit(tree)


# -- against timm's own forward, where timm is installed (the project does not depend on it) --------------------
def _timm_vit(**options):
    timm = pytest.importorskip("timm")
    model = timm.create_model(
        "vit_tiny_patch16_224",
        pretrained=False,
        img_size=IMAGE,
        patch_size=PATCH,
        embed_dim=D,
        depth=LAYERS,
        num_heads=HEADS,
        mlp_ratio=MLP / D,
        num_classes=3,
        **options,
    ).eval()
    torch.manual_seed(0)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.add_(torch.randn_like(parameter) * 0.1)
    return model


def _timm_state_dict(rows: int, cols: int, **options) -> dict:
    """A bare timm state dict of a one-block ViT on a rows x cols patch grid."""
    timm = pytest.importorskip("timm")
    vit = timm.create_model(
        "vit_tiny_patch16_224",
        pretrained=False,
        img_size=(rows * PATCH, cols * PATCH),
        patch_size=PATCH,
        embed_dim=D,
        depth=1,
        num_heads=HEADS,
        num_classes=0,
        **options,
    )
    return vit.state_dict()


def test_a_bare_timm_no_embed_class_state_dict_whose_rows_but_one_are_square_names_both_readings(caplog):
    """A `no_embed_class` ViT (its CLS token has no position) on a 5x2 grid stores 10 position rows beside a CLS token,
    the shapes of a CLS row and a 3x3 grid, which a bare state dict was read as: loaded for 5x2 frames it was refused
    with advice to resize the 3x3 table (`positional_embedding='resize_tile'`), never naming `vit_grid`; resized to
    10x4 frames (its shape) it loaded the 3x3 reading without a word. A CLS ViT whose table also factors (7x7 and a
    CLS row: 50 rows, as ViT-B/32's at 224 px) loaded for square frames is read so without a word."""
    state = _timm_state_dict(5, 2, no_embed_class=True)
    known = {"vit_num_attention_heads": HEADS, "hidden_act": "gelu"}  # (what a state dict does not say)
    with pytest.raises(ViTInitError, match=re.escape("on a 5x2 grid, the video model's shape, stores the same shapes")):
        ViViTSpatioTemporalModel.from_vit_pretrained(state, num_frames=2, image_size=[5 * PATCH, 2 * PATCH], **known)
    with caplog.at_level("WARNING", logger="vivit_hf.conversion.vit_init"):
        ViViTSpatioTemporalModel.from_vit_pretrained(
            state, num_frames=2, image_size=[10 * PATCH, 4 * PATCH], positional_embedding="resize_tile", **known
        )
    assert "pass vit_grid=(5, 2)" in caplog.text
    model = ViViTSpatioTemporalModel.from_vit_pretrained(
        state, num_frames=2, image_size=[5 * PATCH, 2 * PATCH], vit_grid=(5, 2), **known
    )
    table = model.encoder.position_embeddings.detach()
    torch.testing.assert_close(table[:, 1:], state["pos_embed"], rtol=0, atol=0)  # timm's own table, as is
    assert not table[:, 0].any()  # the CLS token's zero position
    caplog.clear()
    with caplog.at_level("WARNING", logger="vivit_hf.conversion.vit_init"):
        ViViTSpatioTemporalModel.from_vit_pretrained(
            _timm_state_dict(7, 7), num_frames=2, image_size=[7 * PATCH, 7 * PATCH], **known
        )
    assert "does not record its patch grid" not in caplog.text


@pytest.mark.parametrize(
    "options",
    [{}, {"init_values": 0.5}, {"act_layer": "quick_gelu"}, {"act_layer": "gelu_tanh"}, {"act_layer": "gelu"}],
    ids=["plain", "layer scale", "quick_gelu", "gelu_tanh", "timm's GELU"],
)
def test_a_timm_vit_object_gives_timms_cls_features(options):
    """LayerScale folded, and the activation read from the object (a state dict does not record it: CLIP's
    QuickGELU read as exact GELU was 0.017 off here, timm's GELUTanh 2e-4)."""
    timm_vit = _timm_vit(**options)
    model = ViViTSpatioTemporalModel.from_vit_pretrained(timm_vit, num_frames=2, tubelet_size=[2, PATCH, PATCH])
    frame = video(frames=1)[:, 0]
    with torch.no_grad():
        ours = model(pixel_values=frame[:, None].repeat(1, 2, 1, 1, 1)).last_hidden_state[:, 0]
        torch.testing.assert_close(ours, timm_vit.forward_features(frame)[:, 0], rtol=0, atol=1e-5)


def _timm_max_pooled(frame):
    """A CLS-less timm-style ViT whose head reads the max over its tokens (timm's global_pool='max', fc_norm=False),
    read as a timm object is (`global_pool` from it), and its own logits on `frame`."""
    vit = tiny_vit(layer_norm_eps=1e-6)
    state = timm_state(vit)
    del state["cls_token"]
    state["pos_embed"] = state["pos_embed"][:, 1:]
    image_vit = read_timm_vit(state, "timm", num_attention_heads=HEADS, hidden_act="gelu", global_pool="max")
    with torch.no_grad():
        logits = vit_stack_without_cls(vit, frame).amax(1) @ state["head.weight"].T + state["head.bias"]
    return image_vit, logits


def test_a_timm_vits_max_pooled_classifier_is_copied_over_max_pooling(tmp_path, monkeypatch):
    """timm's global_pool='max' is `gmp`: its head was copied over the mean of the tokens (`gap`), 1.3 off on a tiny
    timm ViT; a pooling no ViViT has (the patch tokens' mean beside a CLS token, 0.4 off) is refused by name."""
    frame = video(frames=1)[:, 0]
    image_vit, logits = _timm_max_pooled(frame)
    model = ViViTSpatioTemporalForVideoClassification.from_vit_pretrained(
        image_vit, num_frames=2, tubelet_size=[2, PATCH, PATCH], tubelet_init="filter_inflation", classifier_init="copy"
    )
    assert model.config.classifier == "gmp"
    with torch.no_grad():
        ours = model(pixel_values=frame[:, None].repeat(1, 2, 1, 1, 1)).logits
    torch.testing.assert_close(ours, logits, rtol=0, atol=1e-5)
    state = timm_state(tiny_vit(layer_norm_eps=1e-6))
    beside_cls = read_timm_vit(state, "timm", num_attention_heads=HEADS, hidden_act="gelu", global_pool="avg")
    with pytest.raises(ViTInitError, match="global_pool='avg' over the patch tokens beside a CLS token"):
        ViViTSpatioTemporalForVideoClassification.from_vit_pretrained(beside_cls, num_frames=2, classifier_init="copy")
    # a timm Hub folder without timm: its config.json's model_args say it where they name it
    monkeypatch.setitem(sys.modules, "timm", None)
    save_file(
        {k: v for k, v in state.items() if k != "cls_token"} | {"pos_embed": state["pos_embed"][:, 1:]},
        tmp_path / "model.safetensors",
    )
    model_args = {"class_token": False, "global_pool": "max"}
    (tmp_path / "config.json").write_text(
        json.dumps({"architecture": "vit_tiny_patch16_224", "model_args": model_args})
    )
    assert load_image_vit(tmp_path, num_attention_heads=HEADS).pooling == "gmp"


@pytest.mark.parametrize(
    ("model_args", "said"),
    [
        ({"global_pool": "avg", "fc_norm": False}, "over the patch tokens beside a CLS token"),
        (
            {"global_pool": "avg", "fc_norm": False, "pool_include_prefix": True},
            "over every token, the CLS token among them (pool_include_prefix=True)",
        ),
    ],
    ids=["patch tokens", "with the CLS token"],
)
def test_a_timm_hub_folders_pooling_beside_a_cls_token_is_refused_as_it_pools(tmp_path, monkeypatch, model_args, said):
    """timm's pool_include_prefix=True averages the CLS token with the patches: the refusal said it averaged "the
    patch tokens beside a CLS token", which it does not (timm's global_pool_nlc, reduce_include_prefix). Read from
    config.json's model_args, without timm, as a timm object or skeleton gives the same attribute."""
    monkeypatch.setitem(sys.modules, "timm", None)
    save_file(timm_state(tiny_vit(layer_norm_eps=1e-6)), tmp_path / "model.safetensors")
    config = {"architecture": "vit_tiny_patch16_224", "model_args": model_args}
    (tmp_path / "config.json").write_text(json.dumps(config))
    with pytest.raises(ViTInitError, match=re.escape(f"global_pool='avg' {said}")):
        ViViTSpatioTemporalForVideoClassification.from_vit_pretrained(
            tmp_path, num_frames=2, vit_num_attention_heads=HEADS, classifier_init="copy"
        )


@pytest.mark.parametrize(("options", "pooling"), [({"global_pool": "max"}, "gmp"), ({"global_pool": "avg"}, None)])
def test_a_timm_vit_objects_pooling_is_the_video_models(options, pooling):
    """timm's `avg` and `max` pool the patch tokens: without a CLS token they are `gap` and `gmp`, the logits timm's
    own; beside one, no ViViT classifier pools so and copying the head is refused."""
    timm_vit = _timm_vit(**options, fc_norm=False, class_token=pooling is None)
    frame = video(frames=1)[:, 0]
    if pooling is None:
        with pytest.raises(ViTInitError, match="beside a CLS token"):
            ViViTSpatioTemporalForVideoClassification.from_vit_pretrained(
                timm_vit, num_frames=2, classifier_init="copy"
            )
        return
    model = ViViTSpatioTemporalForVideoClassification.from_vit_pretrained(
        timm_vit, num_frames=2, tubelet_size=[2, PATCH, PATCH], tubelet_init="filter_inflation", classifier_init="copy"
    )
    assert model.config.classifier == pooling
    with torch.no_grad():
        ours = model(pixel_values=frame[:, None].repeat(1, 2, 1, 1, 1)).logits
        torch.testing.assert_close(ours, timm_vit(frame), rtol=0, atol=1e-5)


def test_a_head_count_that_contradicts_a_timm_vit_object_is_refused():
    """It was taken over the object's own: 2 heads of 8 read as 4 of 4, without a word."""
    with pytest.raises(ViTInitError, match="has 2 attention heads, but 4 were asked for"):
        load_image_vit(_timm_vit(), num_attention_heads=4)


def test_a_head_count_that_contradicts_a_timm_hub_folder_is_refused(tmp_path):
    """As for the object: with timm installed, timm's model for the folder says the head count, and a count asked
    for (finetune.py's --config_overrides num_attention_heads) was taken over it."""
    save_file(_timm_vit().state_dict(), tmp_path / "model.safetensors")
    model_args = dict(img_size=IMAGE, patch_size=PATCH, embed_dim=D, depth=LAYERS, num_heads=HEADS, num_classes=3)
    config = {"architecture": "vit_tiny_patch16_224", "model_args": {**model_args, "mlp_ratio": MLP / D}}
    (tmp_path / "config.json").write_text(json.dumps(config))
    assert load_image_vit(tmp_path, num_attention_heads=HEADS).num_attention_heads == HEADS
    with pytest.raises(ViTInitError, match="has 2 attention heads, but 4 were asked for"):
        load_image_vit(tmp_path, num_attention_heads=4)


@pytest.mark.parametrize("block", ["ResPostBlock", "ParallelScalingBlock"])
def test_a_timm_vit_object_with_other_blocks_is_refused(block):
    """timm's ResPostBlock (vit_base_patch16_rpn_224) has the pre-norm block's parameter names and loaded as one;
    ParallelScalingBlock (vit_*_xp_224) has no `attn` and failed with an AttributeError."""
    timm_vit = _timm_vit(block_fn=getattr(pytest.importorskip("timm.models.vision_transformer"), block))
    with pytest.raises(ViTInitError, match=f"blocks.0 is a {block}"):
        load_image_vit(timm_vit)


def test_a_timm_hub_folder_is_read_with_timms_own_model_where_timm_is_installed(tmp_path):
    """The state dict alone says neither the head count (16 wide: no standard) nor the activation (tanh GELU here):
    timm's model for the folder's architecture and model_args, on the meta device, does."""
    options = {"act_layer": "gelu_tanh"}
    timm_vit = _timm_vit(**options)
    save_file({k: v.contiguous() for k, v in timm_vit.state_dict().items()}, tmp_path / "model.safetensors")
    model_args = dict(img_size=IMAGE, patch_size=PATCH, embed_dim=D, depth=LAYERS, num_heads=HEADS, mlp_ratio=MLP / D)
    config = {"architecture": "vit_tiny_patch16_224", "num_classes": 3, "model_args": {**model_args, **options}}
    (tmp_path / "config.json").write_text(json.dumps(config))
    model = ViViTSpatioTemporalModel.from_vit_pretrained(tmp_path, num_frames=2, tubelet_size=[2, PATCH, PATCH])
    assert (model.config.num_attention_heads, model.config.hidden_act) == (HEADS, "gelu_pytorch_tanh")
    frame = video(frames=1)[:, 0]
    with torch.no_grad():
        ours = model(pixel_values=frame[:, None].repeat(1, 2, 1, 1, 1)).last_hidden_state[:, 0]
        torch.testing.assert_close(ours, timm_vit.forward_features(frame)[:, 0], rtol=0, atol=1e-5)


def test_a_non_square_timm_hub_folder_takes_its_grid_from_its_input_size(tmp_path, monkeypatch):
    """A 4 x 2 grid and a CLS row: 9 rows, which were read as a 3 x 3 grid without a CLS row (a 24 x 24 ViT, every
    position embedding misplaced). timm's config.json says the input size; without timm it is read from there."""
    monkeypatch.setitem(sys.modules, "timm", None)
    vit = tiny_vit(image_size=[32, 16], layer_norm_eps=1e-6)
    save_file(timm_state(vit), tmp_path / "model.safetensors")
    config = {"architecture": "vit_tiny_patch8_32x16", "pretrained_cfg": {"input_size": [3, 32, 16]}}
    (tmp_path / "config.json").write_text(json.dumps(config))
    loaded = load_image_vit(tmp_path, num_attention_heads=HEADS)
    assert loaded.grid == (4, 2)
    torch.testing.assert_close(loaded.cls_position, vit.embeddings.position_embeddings[:, :1], rtol=0, atol=0)


def test_a_timm_hub_folder_of_a_rope_vit_is_refused_without_timm(tmp_path, monkeypatch):
    """timm's RoPE ViTs keep no rotary parameters: with the LayerScale they do not all have, the state dict is a plain
    ViT's, and loaded as one. Without timm to build the model, the architecture name says it."""
    monkeypatch.setitem(sys.modules, "timm", None)
    save_file(timm_state(tiny_vit(layer_norm_eps=1e-6)), tmp_path / "model.safetensors")
    (tmp_path / "config.json").write_text(json.dumps({"architecture": "vit_base_patch16_rope_ape_224"}))
    with pytest.raises(ViTInitError, match="rotary position embeddings"):
        load_image_vit(tmp_path, num_attention_heads=HEADS)


# -- real-world sources and options that failed or loaded silently wrong -------------------------------------------
@pytest.mark.parametrize("wrapper", ["model", "state_dict", "module"])
@pytest.mark.parametrize("layout", ["timm", "transformers"])
def test_a_training_checkpoint_dict_in_memory_starts_the_vit_it_wraps(wrapper, layout):
    """`torch.load` of DeiT's or MAE's released `.pth` gives {"model": weights, ...}: passed as it came, it was read as
    a nested flax tree and failed with KeyError 'embedding/kernel' (the same file by its path loaded)."""
    vit = tiny_vit(layer_norm_eps=1e-6)
    weights = timm_state(vit) if layout == "timm" else vit.state_dict()
    model = ViViTSpatioTemporalModel.from_vit_pretrained(
        {wrapper: weights, "epoch": 299},
        vit_num_attention_heads=HEADS,
        num_frames=2,
        hidden_act="gelu",
        layer_norm_eps=1e-6,
    )
    frame = video(frames=1)[:, 0]
    with torch.no_grad():  # one temporal index, the frame repeated: the ViT's own CLS output
        ours = model(pixel_values=frame[:, None].expand(-1, 2, -1, -1, -1)).last_hidden_state[:, 0]
        torch.testing.assert_close(ours, vit(frame).last_hidden_state[:, 0], rtol=0, atol=1e-5)


def test_a_nested_mapping_that_is_no_vit_is_named_not_a_key_error():
    with pytest.raises(ViTInitError, match="not a big_vision / scenic ViT") as error:
        load_image_vit({"encoder": {"weight": np.zeros((2, 2), np.float32)}})
    assert "encoder/weight" in str(error.value)


def test_arp_with_one_frame_tubelets_writes_scenics_all_zero_kernel_and_says_so(caplog):
    """ARP's weights sum to zero, so for t = 1 the one weight is zero: scenic's `average_arp_frame_initializer` writes
    an all-zero kernel (every token the bias alone). A conversion equals scenic's, so the kernel is scenic's (it was
    refused, and a scenic init case with it could not be reproduced), and the video model starting blind is said
    (it was once without a word); finetune.py refuses the flags (tests/test_recipes_flags.py)."""
    model = ViViTSpatioTemporalModel(
        ViViTSpatioTemporalModel.config_class(
            num_frames=2,
            tubelet_size=[1, PATCH, PATCH],
            image_size=IMAGE,
            hidden_size=D,
            num_hidden_layers=LAYERS,
            num_attention_heads=HEADS,
            intermediate_size=MLP,
        )
    )
    vit = tiny_vit()
    with caplog.at_level(logging.WARNING, logger="vivit_hf.conversion.vit_init"):
        initialise_from_vit(model, vit, tubelet_init="arp")
    assert any("tubelet_init='arp' with tubelets of 1 frame" in r.getMessage() for r in caplog.records)
    kernel = model.token_embedding.projection
    assert kernel.weight.shape[2] == 1 and not kernel.weight.any()  # scenic's a_1 / 1 = 0 times the ViT's kernel
    vit_bias = vit.embeddings.patch_embeddings.projection.bias
    torch.testing.assert_close(kernel.bias, vit_bias, rtol=0, atol=0)  # the bias still copied, as scenic


IMAGENET_MEAN, IMAGENET_STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]


def _vivit_pixels(normalisation: dict, frames: np.ndarray) -> torch.Tensor:
    from vivit_hf import ViViTVideoProcessor

    processor = ViViTVideoProcessor(**normalisation, do_resize=False, do_center_crop=False, do_sample_frames=False)
    return processor(frames, return_tensors="pt").pixel_values[0]


@pytest.mark.parametrize("mean, std", [(IMAGENET_MEAN, IMAGENET_STD), ([0.5] * 3, [0.5] * 3)])
def test_a_transformers_folder_gives_the_pixels_its_image_processor_trained_the_vit_on(tmp_path, mean, std):
    """DeiT's, MAE's and MSN's ViTs were trained on ImageNet statistics; the video processor fed scenic's [-1, 1]
    whatever the ViT, so the video model started from another function than the ViT's. The folder's own
    preprocessor_config.json now says the pixels, checked against transformers' ViTImageProcessor on the frames."""
    from transformers import ViTImageProcessor

    tiny_vit().save_pretrained(tmp_path)
    ViTImageProcessor(image_mean=mean, image_std=std).save_pretrained(tmp_path)
    _, report = ViViTSpatioTemporalModel.from_vit_pretrained(str(tmp_path), num_frames=2, output_loading_info=True)
    frames = np.random.default_rng(0).integers(0, 256, (2, IMAGE, IMAGE, 3), dtype=np.uint8)
    theirs = ViTImageProcessor(image_mean=mean, image_std=std, do_resize=False)(list(frames), return_tensors="pt")
    torch.testing.assert_close(
        _vivit_pixels(report.pixel_normalisation, frames), theirs.pixel_values, atol=1e-5, rtol=0
    )


def test_a_transformers_model_object_gives_the_pixels_of_the_folder_it_was_loaded_from(tmp_path):
    from transformers import ViTImageProcessor

    tiny_vit().save_pretrained(tmp_path)
    ViTImageProcessor(image_mean=IMAGENET_MEAN, image_std=IMAGENET_STD).save_pretrained(tmp_path)
    normalisation = load_image_vit(ViTModel.from_pretrained(tmp_path)).pixel_normalisation
    assert normalisation["image_mean"] == pytest.approx(IMAGENET_MEAN)
    assert normalisation["image_std"] == pytest.approx(IMAGENET_STD)
    assert load_image_vit(tiny_vit()).pixel_normalisation is None  # built in memory: nothing says its pixels


def test_a_timm_vit_gives_the_pixels_of_its_pretrained_cfg():
    timm = pytest.importorskip("timm")
    vit = timm.create_model("deit_tiny_patch16_224", pretrained=False, img_size=IMAGE, patch_size=PATCH, depth=1)
    report = initialise_from_vit(ViViTSpatioTemporalModel.from_vit_pretrained(vit, num_frames=2), vit)
    config = timm.data.resolve_data_config({}, model=vit)  # what timm's own transforms normalise with
    frames = np.random.default_rng(0).integers(0, 256, (2, IMAGE, IMAGE, 3), dtype=np.uint8)
    expected = (torch.from_numpy(frames).permute(0, 3, 1, 2) / 255 - torch.tensor(config["mean"])[:, None, None]) / (
        torch.tensor(config["std"])[:, None, None]
    )
    assert config["mean"] == pytest.approx(IMAGENET_MEAN)
    torch.testing.assert_close(_vivit_pixels(report.pixel_normalisation, frames), expected, atol=1e-5, rtol=0)


def test_finetune_from_an_imagenet_vit_feeds_it_imagenet_pixels(tmp_path):
    from accelerate import PartialState
    from transformers import ViTImageProcessor

    from vivit_hf.training import finetune
    from vivit_hf.training.data.formats import VideoClassificationData

    PartialState()
    tiny_vit().save_pretrained(tmp_path)
    ViTImageProcessor(image_mean=IMAGENET_MEAN, image_std=IMAGENET_STD).save_pretrained(tmp_path)
    data = VideoClassificationData(splits={}, label_spaces={"label": ["a", "b"]})
    args = finetune.parse_args(["--model", "spatio_temporal", "--init_from", str(tmp_path), "--num_frames", "2"])
    model, init_processor = finetune.build_model(args, data)
    processor = finetune.build_processor(args, model.config, init_processor)
    assert [list(processor.image_mean), list(processor.image_std)] == [IMAGENET_MEAN, IMAGENET_STD]
    assert processor.do_normalize
    assert processor.rescale_factor == pytest.approx(1 / 255) and not processor.rescale_offset


def test_finetune_from_a_vit_that_does_not_say_its_pixels_warns(tmp_path, caplog):
    from accelerate import PartialState

    from vivit_hf.training import finetune
    from vivit_hf.training.data.formats import VideoClassificationData

    PartialState()
    tiny_vit().save_pretrained(tmp_path)  # weights alone, no image processor beside them
    data = VideoClassificationData(splits={}, label_spaces={"label": ["a", "b"]})
    args = finetune.parse_args(["--model", "spatio_temporal", "--init_from", str(tmp_path), "--num_frames", "2"])
    with caplog.at_level("WARNING"):
        _, init_processor = finetune.build_model(args, data)
    assert init_processor is None and "does not say which pixels its ViT was trained on" in caplog.text


def test_hub_options_choose_the_vit_read_and_dtype_casts_as_from_pretrained(tmp_path, monkeypatch):
    """`from_vit_pretrained("org/vit", revision="v1")` took `revision` (and `cache_dir`, `token`, `dtype`, ...) as
    config fields: the main branch's ViT was read without a word (2.9 off the v1 ViT's CLS output), the model stayed
    float32. A stand-in for the Hub serves each revision from its own folder."""
    import huggingface_hub

    vits = {"main": tiny_vit(seed=0), "v1": tiny_vit(seed=1)}
    for revision, vit in vits.items():
        vit.save_pretrained(tmp_path / revision)

    def download(repo_id, filename, subfolder=None, revision=None, **kwargs):
        path = tmp_path / (revision or "main") / filename
        if not path.is_file():
            from huggingface_hub.errors import EntryNotFoundError

            raise EntryNotFoundError(f"{repo_id} has no {filename}")
        return str(path)

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", download)
    model = ViViTSpatioTemporalModel.from_vit_pretrained("org/vit", revision="v1", num_frames=2)
    frame = video(frames=1)[:, 0]
    with torch.no_grad():
        ours = model(pixel_values=frame[:, None].expand(-1, 2, -1, -1, -1)).last_hidden_state[:, 0]
        torch.testing.assert_close(ours, vits["v1"](frame).last_hidden_state[:, 0], rtol=0, atol=1e-5)
    assert "revision" not in model.config.to_dict()
    model = ViViTSpatioTemporalModel.from_vit_pretrained("org/vit", revision="v1", num_frames=2, dtype=torch.bfloat16)
    # (the config says the weights' dtype, as from_pretrained(dtype=torch.bfloat16)'s does)
    assert {p.dtype for p in model.parameters()} == {torch.bfloat16} and model.config.dtype == torch.bfloat16
    model = ViViTSpatioTemporalModel.from_vit_pretrained("org/vit", num_frames=2, device_map="meta")
    assert {p.device.type for p in model.parameters()} == {"meta"} and "device_map" not in model.config.to_dict()


@pytest.mark.parametrize("with_timm", [True, False])
def test_a_timm_hub_folder_gives_the_pixels_of_its_pretrained_cfg(tmp_path, monkeypatch, with_timm):
    """timm's Hub folders record their normalisation in config.json's pretrained_cfg (DeiT III, DINOv2: ImageNet's)."""
    if with_timm:
        pytest.importorskip("timm")
    else:
        monkeypatch.setitem(sys.modules, "timm", None)
    save_file(timm_state(tiny_vit(layer_norm_eps=1e-6)), tmp_path / "model.safetensors")
    model_args = dict(img_size=IMAGE, patch_size=PATCH, embed_dim=D, depth=LAYERS, num_heads=HEADS, mlp_ratio=MLP / D)
    config = {
        "architecture": "vit_tiny_patch16_224",
        "num_classes": 10,
        "model_args": model_args,
        "pretrained_cfg": {"input_size": [3, IMAGE, IMAGE], "mean": IMAGENET_MEAN, "std": IMAGENET_STD},
    }
    (tmp_path / "config.json").write_text(json.dumps(config))
    normalisation = load_image_vit(tmp_path, num_attention_heads=HEADS).pixel_normalisation
    frames = np.random.default_rng(0).integers(0, 256, (2, IMAGE, IMAGE, 3), dtype=np.uint8)
    mean, std = torch.tensor(IMAGENET_MEAN)[:, None, None], torch.tensor(IMAGENET_STD)[:, None, None]
    expected = (torch.from_numpy(frames).permute(0, 3, 1, 2) / 255 - mean) / std  # timm's ToTensor, Normalize
    torch.testing.assert_close(_vivit_pixels(normalisation, frames), expected, atol=1e-5, rtol=0)


@pytest.mark.parametrize("wrap", ["compile", "data_parallel"])
def test_a_compiled_or_wrapped_vit_starts_the_video_model_as_the_vit_inside(wrap):
    """torch.compile(vit) and DataParallel(vit) prefix every parameter name (`_orig_mod.`, `module.`): the ViT inside
    was refused as not the layout of a ViT."""
    vit = tiny_vit()
    wrapped = torch.compile(vit) if wrap == "compile" else torch.nn.DataParallel(vit)
    model = ViViTSpatioTemporalModel.from_vit_pretrained(wrapped, num_frames=2)
    frame = video(frames=1)[:, 0]
    with torch.no_grad():
        ours = model(pixel_values=frame[:, None].expand(-1, 2, -1, -1, -1)).last_hidden_state[:, 0]
        torch.testing.assert_close(ours, vit(frame).last_hidden_state[:, 0], rtol=0, atol=1e-5)


def test_a_transformers_dinov2_starts_a_vivit_as_itself_its_layer_scale_folded(tmp_path):
    """transformers' DINOv2 was refused by model_type, pointing to timm's model. Its LayerScale is folded into the
    projection before it: on a still frame, Model 1's hidden states are DINOv2's own, from the model and its folder.
    Its classifier reads the CLS token beside the patch tokens' mean, which no ViViT pools: copying it is refused, as
    is a gated MLP (dinov2-giant)."""
    from transformers import Dinov2Config, Dinov2ForImageClassification, Dinov2Model

    sizes = dict(image_size=IMAGE, patch_size=PATCH, hidden_size=D, num_hidden_layers=LAYERS, num_attention_heads=HEADS)
    config = Dinov2Config(**sizes, mlp_ratio=MLP // D, layerscale_value=0.3)
    dinov2 = randomised(Dinov2Model(config))
    dinov2.save_pretrained(tmp_path)
    frame, options = (
        video(frames=1)[:, 0],
        dict(num_frames=2, tubelet_size=[2, PATCH, PATCH], tubelet_init="filter_inflation"),
    )
    with torch.no_grad():
        theirs = dinov2(pixel_values=frame).last_hidden_state
        for source in (dinov2, tmp_path):
            model = ViViTSpatioTemporalModel.from_vit_pretrained(source, **options)
            ours = model(pixel_values=frame[:, None].repeat(1, 2, 1, 1, 1)).last_hidden_state
            torch.testing.assert_close(ours, theirs, rtol=0, atol=1e-5)
    classifier = Dinov2ForImageClassification(Dinov2Config(**config.to_dict(), num_labels=3))
    with pytest.raises(ViTInitError, match="CLS token beside the patch tokens' mean"):
        ViViTSpatioTemporalForVideoClassification.from_vit_pretrained(classifier, classifier_init="copy", **options)
    with pytest.raises(ViTInitError, match="gated MLP"):
        load_image_vit(Dinov2Model(Dinov2Config(**sizes, use_swiglu_ffn=True)))


def test_a_vivit_checkpoint_restarted_with_other_label_spaces_alone_gets_those_heads_fresh(tmp_path):
    """`label_spaces` given without `id2label` was ignored: the checkpoint's heads and trained rows came back."""
    from vivit_hf.conversion.vit_init import from_vivit_checkpoint

    ViViTFactorisedEncoderForVideoClassification.from_vit_pretrained(
        tiny_vit(), num_frames=8, label_spaces={"noun": 4, "verb": 3}
    ).save_pretrained(tmp_path)
    model, report = from_vivit_checkpoint(str(tmp_path), label_spaces={"noun": 3, "verb": 4})
    assert model.config.label_spaces == {"noun": 3, "verb": 4}
    assert report["fresh"] == ["classifier.weight", "classifier.bias"]
    # its own heads, in any order, keep its classifier and its rows' order
    model, report = from_vivit_checkpoint(str(tmp_path), label_spaces={"verb": 3, "noun": 4})
    assert model.config.label_spaces == {"noun": 4, "verb": 3} and report["fresh"] == []


@pytest.mark.parametrize(("saved", "asked"), [("token", "gap"), ("gap", "token")])
def test_a_vivit_checkpoint_restarted_with_or_without_a_cls_token_says_what_that_does(saved, asked, caplog, tmp_path):
    """Another `classifier` adds or drops the CLS token (scenic's init warns "Only one of target and restored model uses
    a classification token"). Dropped, the trained CLS tokens and their position rows went unsaid (`fresh` empty,
    finetune.py's log "fresh nothing"); added, `fresh` named the tokens but not their fresh position rows; neither
    said the kept head was trained on the other pooling's features. Model 2: both encoders named."""
    from vivit_hf import ViViTFactorisedEncoderConfig
    from vivit_hf.conversion.vit_init import from_vivit_checkpoint

    sizes = dict(hidden_size=D, num_hidden_layers=1, num_attention_heads=HEADS, intermediate_size=MLP, image_size=16)
    torch.manual_seed(0)
    old = ViViTFactorisedEncoderForVideoClassification(
        ViViTFactorisedEncoderConfig(**sizes, num_frames=4, num_temporal_layers=1, classifier=saved, num_labels=3)
    )
    with caplog.at_level("WARNING", logger="vivit_hf.conversion.vit_init"):
        model, report = from_vivit_checkpoint(old, classifier=asked)
    cls_tokens = ["vivit.spatial_encoder.cls_token", "vivit.temporal_encoder.cls_token"]
    assert report["fresh"] == (cls_tokens if asked == "token" else [])
    said = "start fresh" if asked == "token" else "trained CLS token and its position row"
    assert f"classifier {asked!r} over a checkpoint of classifier {saved!r}" in caplog.text and said in caplog.text
    for encoder in ("spatial_encoder", "temporal_encoder"):
        assert f"vivit.{encoder}.position_embeddings" in caplog.text
    assert "classification head is kept" in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING", logger="vivit_hf.conversion.vit_init"):
        from_vivit_checkpoint(old, classifier="gmp" if saved == "gap" else saved)  # no CLS token gained or lost
    assert "CLS token" not in caplog.text
    # another pooling (gap -> gmp) kept the head trained on gap's features without a word, where from_pretrained warns
    pooled = "classifier 'gmp' over a checkpoint of classifier 'gap': every weight is kept, but the classification head"
    assert (pooled in caplog.text) == (saved == "gap")
    assert ("or pass classifier='gap' to keep its pooling" in caplog.text) == (saved == "gap")  # (what to do)
    assert saved == "gap" or "over a checkpoint" not in caplog.text  # (token -> token: nothing changed)
    # a base model has no head to keep (its folder gets a fresh one): the warning told of one kept
    old.vivit.save_pretrained(tmp_path)
    for base in (old.vivit, tmp_path):
        caplog.clear()
        with caplog.at_level("WARNING", logger="vivit_hf.conversion.vit_init"):
            from_vivit_checkpoint(base, classifier=asked)
        assert "CLS token" in caplog.text and "head is kept" not in caplog.text


def test_a_model_3_checkpoint_restarted_in_the_other_attention_order_says_it_computes_another_function(caplog):
    """`attention_order="time_space"` over a `space_time` checkpoint kept every weight and ran each block's two
    attentions the other way round: another function (the tiny model's logits 7e-5 off, at random weights), with
    `fresh` empty and no word, where another head count, which also keeps every array, is refused."""
    from vivit_hf import ViViTFactorisedSelfAttentionConfig
    from vivit_hf.conversion.vit_init import from_vivit_checkpoint

    sizes = dict(hidden_size=D, num_hidden_layers=1, num_attention_heads=HEADS, intermediate_size=MLP, image_size=16)
    old = ViViTFactorisedSelfAttentionForVideoClassification(
        ViViTFactorisedSelfAttentionConfig(**sizes, num_frames=4, attention_order="space_time", num_labels=3)
    )
    with caplog.at_level("WARNING", logger="vivit_hf.conversion.vit_init"):
        assert from_vivit_checkpoint(old)[1]["fresh"] == []
    assert "attention_order" not in caplog.text
    with caplog.at_level("WARNING", logger="vivit_hf.conversion.vit_init"):
        model, report = from_vivit_checkpoint(old, attention_order="time_space")
    assert model.config.attention_order == "time_space" and report["fresh"] == []
    assert "trained with attention_order='space_time', the restart's is 'time_space'" in caplog.text
    # set after building, as the forward's refusal advises restarting it: the warning's advice ("leave
    # attention_order out") restarted it in the config's new order again; followed, it keeps the checkpoint's
    old.config.attention_order = "time_space"
    caplog.clear()
    with caplog.at_level("WARNING", logger="vivit_hf.conversion.vit_init"):
        from_vivit_checkpoint(old, attention_order="time_space")
    advice = re.search(r"pass (attention_order=\S+) to keep", caplog.text)
    assert advice, caplog.text
    followed, _ = eval(
        f"from_vivit_checkpoint(old, {advice[1]})", {"from_vivit_checkpoint": from_vivit_checkpoint, "old": old}
    )
    assert followed.config.attention_order == "space_time"


@pytest.mark.parametrize(("field", "value"), [("hidden_act", "relu"), ("layer_norm_eps", 1e-5)])
def test_a_vivit_checkpoint_restarted_with_another_activation_or_epsilon_says_it_computes_another_function(
    field, value, caplog
):
    """Another `hidden_act` or `layer_norm_eps` keeps every weight (`fresh` empty) and computes another function than
    the checkpoint's: the restart said nothing, where `from_pretrained(path, hidden_act=...)` warns."""
    from vivit_hf import ViViTSpatioTemporalConfig
    from vivit_hf.conversion.vit_init import from_vivit_checkpoint

    sizes = dict(hidden_size=D, num_hidden_layers=1, num_attention_heads=HEADS, intermediate_size=MLP, image_size=16)
    old = ViViTSpatioTemporalForVideoClassification(ViViTSpatioTemporalConfig(**sizes, num_frames=4, num_labels=3))
    saved = getattr(old.config, field)
    with caplog.at_level("WARNING", logger="vivit_hf.conversion.vit_init"):
        model, report = from_vivit_checkpoint(old, **{field: value})
    assert getattr(model.config, field) == value and report["fresh"] == []
    assert f"trained with {field}={saved!r}, the restart's is {value!r}" in caplog.text, caplog.text
    assert f"pass {field}={saved!r} to keep" in caplog.text


def test_a_model_whose_classifier_was_set_after_building_restarts_as_its_refusal_advises(caplog):
    """`model.config.classifier = "gap"` on a CLS-token model is refused at the forward; the refusal advised
    `from_pretrained(path, classifier="gap")`, which refuses the CLS row, and names `from_vivit_checkpoint(model, ...)`
    now. That restart said "classifier 'gap' over a checkpoint of classifier 'gap'" (the changed config compared
    with itself): it compares the classifier the model was built with."""
    from vivit_hf import ViViTSpatioTemporalConfig
    from vivit_hf.conversion.vit_init import from_vivit_checkpoint

    sizes = dict(hidden_size=D, num_hidden_layers=1, num_attention_heads=HEADS, intermediate_size=MLP, image_size=16)
    model = ViViTSpatioTemporalForVideoClassification(ViViTSpatioTemporalConfig(**sizes, num_frames=4, num_labels=3))
    model.config.classifier = "gap"
    with pytest.raises(ValueError, match="from_vivit_checkpoint") as refusal:
        model(pixel_values=video(batch=1, height=16, width=16))
    call = str(refusal.value).split("`model, report = vivit_hf.conversion.")[1].split("`")[0]
    with caplog.at_level("WARNING", logger="vivit_hf.conversion.vit_init"):
        restarted, _ = eval(call, {"from_vivit_checkpoint": from_vivit_checkpoint, "model": model})
    assert restarted.config.classifier == "gap" and restarted.vivit.encoder.cls_token is None
    assert "classifier 'gap' over a checkpoint of classifier 'token'" in caplog.text


def test_a_base_models_folder_restarts_with_its_fresh_classifier_reported(tmp_path):
    """A base model's folder (vivit_hf's or transformers' VivitModel) comes back as the classification model: its
    classifier, random, was left out of `report["fresh"]` (taken as the checkpoint's)."""
    from transformers import VivitModel

    from vivit_hf.conversion.vit_init import from_vivit_checkpoint

    ViViTSpatioTemporalModel.from_vit_pretrained(tiny_vit(), num_frames=4).save_pretrained(tmp_path / "ours")
    transformers_vivit = VivitModel.from_pretrained(_tiny_transformers_vivit_folder(tmp_path / "theirs"))
    transformers_vivit.save_pretrained(tmp_path / "theirs_base")
    for source in (str(tmp_path / "ours"), str(tmp_path / "theirs_base"), transformers_vivit):
        model, report = from_vivit_checkpoint(source)
        assert isinstance(model, ViViTSpatioTemporalForVideoClassification), source
        assert sorted(report["fresh"]) == ["classifier.bias", "classifier.weight"], source


@pytest.mark.parametrize(
    ("labels", "restart"),
    [
        (dict(num_labels=5), dict(num_labels=3)),
        (dict(num_labels=5), dict(id2label={0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"})),  # (unnamed, as transformers')
        (dict(num_labels=5), dict(id2label={0: "LABEL_4", 1: "LABEL_3"})),
        (dict(label_spaces={"noun": 4, "verb": 3}), dict(num_labels=0)),
    ],
)
def test_a_vivit_checkpoint_restarted_with_a_class_count_alone_gets_a_fresh_head_of_that_count(
    tmp_path, labels, restart
):
    """`num_labels` alone: over named heads it was refused, naming `label_spaces=None`, which `from_vivit_checkpoint`
    reads as not given (a dead end); over an unnamed head of 5 (`LABEL_0` .. `LABEL_4`) the placeholders were taken
    for class names, and its first 3 rows, trained for other classes, were kept as the new head ("remapped"), as were
    rows 4 and 3 for `id2label={0: "LABEL_4", 1: "LABEL_3"}`. Now one fresh head of that count, unnamed, as
    `from_pretrained(path, num_labels=N, ignore_mismatched_sizes=True)` gives."""
    from vivit_hf.conversion.vit_init import from_vivit_checkpoint

    ViViTSpatioTemporalForVideoClassification.from_vit_pretrained(
        tiny_vit(), num_frames=4, num_hidden_layers=1, **labels
    ).save_pretrained(tmp_path)
    model, report = from_vivit_checkpoint(str(tmp_path), **restart)
    num_labels = restart.get("num_labels", len(restart.get("id2label", {})))
    assert (model.config.num_labels, model.config.label_spaces) == (num_labels, None)
    assert model.config.id2label == restart.get("id2label", {i: f"LABEL_{i}" for i in range(num_labels)})
    assert "label_spaces_order" not in model.config.to_dict()  # (the checkpoint's heads' order, saved again: stray)
    assert model(video(batch=1, frames=4)).logits.shape == (1, num_labels or D)
    assert report["remapped"] == [] and report["fresh"] == (
        ["classifier.weight", "classifier.bias"] if num_labels else []
    )


EMBEDDING = ["vivit.token_embedding.projection"]


@pytest.mark.parametrize(
    ("override", "layers", "said"),
    [
        (
            dict(intermediate_size=48),
            ["vivit.encoder.layers.0.mlp.fc1", "vivit.encoder.layers.0.mlp.fc2"],
            "start fresh with the rest of their layer, whose other parameters have another shape (a kernel and its "
            "bias are kept or started together): vivit.encoder.layers.0.mlp.fc2.bias",
        ),
        (dict(representation_size=12), ["pre_logits.0", "classifier"], "representation_size=12 where the checkpoint's"),
        (
            dict(tubelet_size=[4, 8, 8]),
            EMBEDDING,
            "tubelet_size=[4, 8, 8] where the checkpoint's is [2, 8, 8]: the tubelet embedding "
            "(vivit.token_embedding.projection, kernel and bias) starts from random values, as no trained kernel of "
            "another shape is kept. Leave tubelet_size out to keep the trained embedding.",
        ),
        (dict(num_channels=1), EMBEDDING, "num_channels=1 where the checkpoint's is 3: the tubelet embedding"),
    ],
    ids=["intermediate_size", "representation_size", "tubelet_size", "num_channels"],
)
def test_a_restart_with_another_width_starts_each_unfit_layer_fresh_whole(tmp_path, caplog, override, layers, said):
    """Another `intermediate_size` gives fc1 and fc2 kernels of other shapes, but fc2's bias (of the hidden width)
    fits: it was kept, trained, beside a fresh kernel it was never trained with, and the report named only the kernel
    fresh (so too the classifier's bias beside another `representation_size`'s kernel, the tubelet bias beside
    another tubelet's). A layer is kept or fresh as a whole, as scenic's init copies a block's subtrees whole.
    Another tubelet size or channel count was said as "1 parameters of the checkpoint that fit start fresh ...:
    vivit.token_embedding.projection.bias", not that the trained embedding's kernel starts fresh: said now, naming
    the field (with the grey-video advice for one channel)."""
    from vivit_hf.conversion.vit_init import from_vivit_checkpoint

    old = ViViTSpatioTemporalForVideoClassification.from_vit_pretrained(
        tiny_vit(), num_frames=4, num_hidden_layers=1, num_labels=3, representation_size=8
    )
    with torch.no_grad():  # no zero bias that a fresh one would equal
        for parameter in old.parameters():
            parameter.add_(torch.randn_like(parameter) * 0.1)
    old.save_pretrained(tmp_path)
    with caplog.at_level("WARNING", logger="vivit_hf.conversion.vit_init"):
        model, report = from_vivit_checkpoint(str(tmp_path), **override)
    assert sorted(report["fresh"]) == sorted(f"{layer}.{p}" for layer in layers for p in ("weight", "bias"))
    assert said in caplog.text and caplog.text.count("from_vivit_checkpoint:") == 1
    assert ("For grey video keep num_channels=3" in caplog.text) == ("num_channels" in override)
    kept = old.state_dict()
    for name, value in model.state_dict().items():
        if name in report["resized"]:  # the position table of another tubelet's grid
            continue
        if name not in report["fresh"]:
            torch.testing.assert_close(value, kept[name], rtol=0, atol=0)
        elif value.shape == kept[name].shape:  # a bias that fits: the model's own (zeros), not the checkpoint's
            assert not torch.equal(value, kept[name]), name


@pytest.mark.parametrize("width", [None, 8])
def test_a_restart_with_another_representation_size_says_so_once_and_starts_the_head_fresh(tmp_path, caplog, width):
    """`representation_size=16` over a checkpoint of 8 said "1 parameters of the checkpoint that fit start fresh with
    the rest of their layer: classifier.bias", noise where the head is fresh by request; over one of none (at
    hidden_size 16, so the classifier's shape fits) the trained classifier was kept behind a fresh representation
    layer, reading its random features in place of the pooled tokens it was trained on, without a word. The
    representation layer and the classifier start fresh, said once in the field's words."""
    from vivit_hf.conversion.vit_init import from_vivit_checkpoint

    old = ViViTSpatioTemporalForVideoClassification.from_vit_pretrained(
        tiny_vit(), num_frames=4, num_hidden_layers=1, num_labels=3, representation_size=width
    )
    old.save_pretrained(tmp_path)
    with caplog.at_level("WARNING", logger="vivit_hf.conversion.vit_init"):
        model, report = from_vivit_checkpoint(str(tmp_path), representation_size=D)
    head = ["pre_logits.0.weight", "pre_logits.0.bias", "classifier.weight", "classifier.bias"]
    assert sorted(report["fresh"]) == sorted(head)
    assert not torch.equal(model.classifier.weight, old.classifier.weight)
    said = f"representation_size={D} where the checkpoint's is {width}: the representation layer (pre_logits.0) and "
    assert said in caplog.text and caplog.text.count("from_vivit_checkpoint:") == 1, caplog.text


@pytest.mark.parametrize("override", [dict(hidden_size=48), dict(hidden_size=48, tubelet_size=[4, 8, 8])])
def test_a_restart_at_another_width_is_refused_without_advice_that_cannot_keep_it(tmp_path, override):
    """Another hidden_size leaves no layer of the checkpoint fitting, its CLS token either: the check that names a
    fresh tubelet embedding asked for that parameter's module and failed with "AttributeError: `cls_token` (or
    `position_embeddings`) is not an nn.Module"; then the restart ran, keeping no weight. It is refused, naming both
    widths; beside another tubelet it never says "Leave tubelet_size out to keep the trained embedding", untrue at
    another width."""
    from vivit_hf.conversion.vit_init import from_vivit_checkpoint

    ViViTSpatioTemporalForVideoClassification.from_vit_pretrained(
        tiny_vit(), num_frames=4, num_hidden_layers=1, num_labels=3
    ).save_pretrained(tmp_path)
    with pytest.raises(ViTInitError, match=f"trained at hidden_size={D}, the restarted model's is 48") as refusal:
        from_vivit_checkpoint(str(tmp_path), **override)
    assert "to keep the trained embedding" not in str(refusal.value)


def test_a_restart_at_another_width_of_a_model_never_saved_says_how_to_build_that_width():
    """A model object never saved has no path: the refusal's way to its architecture at another width read
    `AutoConfig.from_pretrained(path, hidden_size=48)`, a path the user did not have. It gives a copy of the model's
    config at that width now, which, followed, builds the model 48 wide and leaves the given one as it was."""
    import copy

    from vivit_hf.conversion.vit_init import from_vivit_checkpoint

    model = ViViTSpatioTemporalForVideoClassification.from_vit_pretrained(tiny_vit(), num_frames=4, num_labels=3)
    model.name_or_path = ""  # (as a model built from a config, never saved)
    with pytest.raises(ViTInitError, match=f"trained at hidden_size={D}") as refusal:
        from_vivit_checkpoint(model, hidden_size=48)
    advice = "`config = copy.deepcopy(model.config); config.hidden_size = 48; type(model)(config)`"
    assert advice in str(refusal.value) and "from_pretrained(path" not in str(refusal.value)
    config = copy.deepcopy(model.config)
    config.hidden_size = 48
    assert type(model)(config).config.hidden_size == 48 and model.config.hidden_size == D


def test_a_restart_that_adds_qkv_biases_keeps_the_trained_attention_kernels(tmp_path):
    """A checkpoint without query/key/value biases (one from a ViT without them) restarted with `qkv_bias=True`:
    the checkpoint has no bias of that layer to load, which computes as a zero bias, the fresh one's init. Taken for
    a layer that no longer fits, every block's fused qkv kernel started fresh: the trained attention lost (the logits
    another model's), where the kernel kept and a zero bias compute the checkpoint's logits."""
    from vivit_hf.conversion.vit_init import from_vivit_checkpoint

    vit = tiny_vit(qkv_bias=False)
    old = ViViTSpatioTemporalForVideoClassification.from_vit_pretrained(vit, num_frames=4, num_labels=3).eval()
    old.save_pretrained(tmp_path)
    model, report = from_vivit_checkpoint(str(tmp_path), qkv_bias=True)
    biases = [f"vivit.encoder.layers.{i}.attention.qkv.bias" for i in range(LAYERS)]
    assert sorted(report["fresh"]) == biases
    clip = video(batch=1, frames=4)
    with torch.no_grad():
        torch.testing.assert_close(model(clip).logits, old(clip).logits)


def test_a_vit_without_qkv_biases_starts_a_model_with_them_as_zero_biases_as_the_restart_does():
    """A ViT without query, key and value biases computes as one with zero biases: a qkv_bias=True video model (set
    by hand, or one built before) was refused by from_vit_pretrained / initialise_from_vit ("qkv_bias: video model
    True, ViT False") while from_vivit_checkpoint took the same case with zero biases. Both take it now, and both
    refuse qkv_bias=False over biases that are not zero (the restart dropped them without a word: logits 0.16 off)."""
    from vivit_hf.conversion.vit_init import from_vivit_checkpoint

    vit, clip = tiny_vit(qkv_bias=False), video(batch=1)
    without = ViViTFactorisedSelfAttentionModel.from_vit_pretrained(vit, num_frames=4, temporal_attention_init="copy")
    assert not without.config.qkv_bias
    with_biases = ViViTFactorisedSelfAttentionModel(
        type(without.config)(**{**without.config.to_dict(), "qkv_bias": True})
    )
    with_biases.load_state_dict(without.state_dict(), strict=False)  # all but its own biases, random:
    with torch.no_grad():
        for name, parameter in with_biases.named_parameters():
            parameter.add_(torch.randn_like(parameter) if name.endswith("qkv.bias") else 0)
    initialise_from_vit(with_biases, vit, temporal_attention_init="copy")
    restarted, report = from_vivit_checkpoint(without, qkv_bias=True)
    assert sum(name.endswith("qkv.bias") for name in report["fresh"]) == 2 * LAYERS  # space and time, per layer
    with torch.no_grad():
        expected = without(pixel_values=clip).last_hidden_state
        for model in (with_biases, restarted):
            torch.testing.assert_close(model(pixel_values=clip).last_hidden_state, expected, rtol=0, atol=1e-6)
    # qkv_bias=False: zero biases are taken (the same function), trained ones refused by both, naming them
    zero_biases = tiny_vit()
    with torch.no_grad():
        for layer in zero_biases.layers:
            for projection in "qkv":
                getattr(layer.attention, f"{projection}_proj").bias.zero_()
    ViViTSpatioTemporalModel.from_vit_pretrained(zero_biases, num_frames=4, qkv_bias=False)
    from_vivit_checkpoint(with_biases, qkv_bias=False)  # its biases are the zeros initialise_from_vit gave
    with pytest.raises(ViTInitError, match=r"qkv_bias: video model False, ViT True \(its query, key and value biases"):
        ViViTSpatioTemporalModel.from_vit_pretrained(tiny_vit(), num_frames=4, qkv_bias=False)
    trained = ViViTFactorisedSelfAttentionModel.from_vit_pretrained(tiny_vit(), num_frames=4)
    with pytest.raises(ViTInitError, match=r"layers\.0\.attention_space\.qkv\.bias\), the restarted model none"):
        from_vivit_checkpoint(trained, qkv_bias=False)


# ------------------------------------------------------------------------------- the image classifier (copy)
def image_classifier_in(layout: str, vit: ViTForImageClassification):
    """A transformers image classifier as each source stores it: its own, timm's `head`, big_vision's `head`."""
    if layout == "transformers":
        return vit, {}
    weight, bias = vit.classifier.weight.detach(), vit.classifier.bias.detach()
    if layout == "timm":
        return {**timm_state(vit.vit), "head.weight": weight, "head.bias": bias}, {"vit_num_attention_heads": HEADS}
    tree = {**npz_tree(vit.vit, original_names=False), "head/kernel": weight.numpy().T, "head/bias": bias.numpy()}
    return tree, {"hidden_act": "gelu"}  # an npz is read as flax's tanh GELU; this ViT's is exact


@pytest.mark.parametrize("layout", ["transformers", "timm", "big_vision"])
def test_classifier_init_copy_gives_the_image_classifiers_logits_on_a_still_frame(layout):
    """scenic's restore_output_proj=True: the ViT's classifier, verbatim (class count taken from it). One temporal
    index, filter inflation and a still clip make Model 1 the ViT, so the logits are transformers' own; before,
    `classifier_init` was taken as a config field and silently ignored (a fresh 2-class classifier)."""
    vit = tiny_vit(ViTForImageClassification, num_labels=7, layer_norm_eps=1e-6)
    source, options = image_classifier_in(layout, vit)
    model = ViViTSpatioTemporalForVideoClassification.from_vit_pretrained(
        source, num_frames=2, tubelet_init="filter_inflation", classifier_init="copy", **options
    )
    assert model.config.num_labels == 7
    frame = video(frames=1)[:, 0]
    with torch.no_grad():
        ours = model(pixel_values=frame[:, None].repeat(1, 2, 1, 1, 1)).logits
        torch.testing.assert_close(ours, vit(pixel_values=frame).logits, rtol=0, atol=1e-5)


def test_classifier_init_copy_refuses_other_classes_naming_both():
    vit = tiny_vit(ViTForImageClassification, num_labels=7)
    model = ViViTSpatioTemporalForVideoClassification.from_vit_pretrained(vit, num_frames=2, num_labels=5)
    with pytest.raises(ViTInitError, match="ViT's classifier has 7 classes, the video model's 5"):
        initialise_from_vit(model, vit, classifier_init="copy")


def test_classifier_init_copy_refuses_another_classifier_width_naming_both():
    """The ViT's classifier reads the hidden size (16); a video model with representation_size=12 reads 12."""
    vit = tiny_vit(ViTForImageClassification, num_labels=7)
    model = ViViTSpatioTemporalForVideoClassification.from_vit_pretrained(
        vit, num_frames=2, num_labels=7, representation_size=12
    )
    with pytest.raises(ViTInitError, match=r"reads 16 features \(its hidden size\), the video model's 12"):
        initialise_from_vit(model, vit, classifier_init="copy")


def test_classifier_init_copy_refuses_a_vit_without_a_classifier():
    model = ViViTSpatioTemporalForVideoClassification.from_vit_pretrained(tiny_vit(), num_frames=2, num_labels=7)
    with pytest.raises(ViTInitError, match="no image classifier to copy"):
        initialise_from_vit(model, tiny_vit(), classifier_init="copy")


def test_a_misspelt_initialise_from_vit_option_is_refused_naming_it():
    """initialise_from_vit hands its other keywords to load_image_vit as hub options, which a model object ignores:
    `tubelet_int="arp"` (or, before `classifier_init` existed, that word) ran with the defaults without a word."""
    vit = tiny_vit()
    model = ViViTSpatioTemporalForVideoClassification.from_vit_pretrained(vit, num_frames=2)
    with pytest.raises(TypeError, match="'tubelet_int'"):
        initialise_from_vit(model, vit, tubelet_int="arp")


@pytest.mark.parametrize("dtype", [None, torch.float32, torch.bfloat16, "auto"])
def test_from_vivit_checkpoint_config_says_the_models_dtype(tmp_path, dtype):
    """The restarted model's config was the float16 checkpoint's, dtype included: a float32 (or bfloat16) model's
    config said float16, and from_config(model.config) built a float16 model. The reference: from_pretrained's
    config, which says the dtype it loaded the model in."""
    from vivit_hf.conversion.vit_init import from_vivit_checkpoint

    vivit = ViViTSpatioTemporalForVideoClassification.from_vit_pretrained(tiny_vit(), num_frames=4)
    vivit.to(torch.float16).save_pretrained(tmp_path)
    options = {} if dtype is None else {"dtype": dtype}
    model, _ = from_vivit_checkpoint(str(tmp_path), **options)
    reference = ViViTSpatioTemporalForVideoClassification.from_pretrained(str(tmp_path), dtype=model.dtype)
    assert model.config.dtype == reference.config.dtype == model.dtype
    assert ViViTSpatioTemporalForVideoClassification._from_config(model.config).dtype == model.dtype


def test_classifier_init_copy_keeps_the_image_classifiers_class_names(tmp_path):
    """The copied classifier's rows are the ViT's classes, so their names come with them: a still clip's top class
    is named as the ViT names its frame's. Before, the config got `LABEL_0`... and the pipeline answered `LABEL_2`
    where the ViT said `cow`."""
    names = {0: "cat", 1: "dog", 2: "cow", 3: "owl"}
    vit = tiny_vit(ViTForImageClassification, id2label=names, label2id={n: i for i, n in names.items()})
    vit.save_pretrained(tmp_path)
    frames = video(batch=4, frames=1)[:, 0]
    with torch.no_grad():
        vit_top = [vit.config.id2label[int(i)] for i in vit(pixel_values=frames).logits.argmax(-1)]
    for source, count in ((vit, {}), (str(tmp_path), {}), (vit, {"num_labels": 4})):
        model = ViViTSpatioTemporalForVideoClassification.from_vit_pretrained(
            source, num_frames=2, tubelet_init="filter_inflation", classifier_init="copy", **count
        )
        assert model.config.id2label == names and model.config.label2id == vit.config.label2id
        with torch.no_grad():
            logits = model(pixel_values=frames[:, None].repeat(1, 2, 1, 1, 1)).logits
        assert [model.config.id2label[int(i)] for i in logits.argmax(-1)] == vit_top
    # in place, into a model whose classes were unnamed; names a user gave stay theirs
    model = ViViTSpatioTemporalForVideoClassification.from_vit_pretrained(vit, num_frames=2, num_labels=4)
    initialise_from_vit(model, vit, classifier_init="copy")
    assert model.config.id2label == names and model.config.label2id == vit.config.label2id
    # placeholders at other indices (as a restart with `id2label={0: "LABEL_3", ...}` keeps them) are no names either:
    # the restart's rule (`label_spellings.placeholder`); the copy kept them, and answered `LABEL_1` for `cow`
    shuffled = {i: f"LABEL_{3 - i}" for i in range(4)}
    model = ViViTSpatioTemporalForVideoClassification.from_vit_pretrained(vit, num_frames=2, id2label=shuffled)
    initialise_from_vit(model, vit, classifier_init="copy")
    assert model.config.id2label == names
    mine = {0: "run", 1: "jump", 2: "swim", 3: "sit"}
    for given in (mine, {**shuffled, 0: "run"}):  # one name a user gave keeps all theirs
        model = ViViTSpatioTemporalForVideoClassification.from_vit_pretrained(vit, num_frames=2, id2label=given)
        initialise_from_vit(model, vit, classifier_init="copy")
        assert model.config.id2label == given


def test_classifier_init_copy_keeps_a_timm_hub_folders_label_names(tmp_path, monkeypatch):
    """timm writes a Hub folder's class names as `label_names` (one per head row) in its config.json; the copied
    head's classes were named LABEL_0, LABEL_1, ... The still clip's top class is the one timm's head gives the
    frame's CLS features, computed here by hand."""
    monkeypatch.setitem(sys.modules, "timm", None)  # read as a state dict, as where timm is not installed
    vit = tiny_vit(layer_norm_eps=1e-6)
    state = timm_state(vit)
    names = [f"class {i}" for i in range(state["head.weight"].shape[0])]
    save_file(state, tmp_path / "model.safetensors")
    config = {"architecture": "vit_tiny_patch8_32", "num_classes": len(names), "label_names": names}
    (tmp_path / "config.json").write_text(json.dumps(config))
    model = ViViTSpatioTemporalForVideoClassification.from_vit_pretrained(
        tmp_path, num_frames=2, tubelet_init="filter_inflation", classifier_init="copy", vit_num_attention_heads=HEADS
    )
    assert model.config.id2label == dict(enumerate(names))
    frames = video(batch=4, frames=1)[:, 0]
    with torch.no_grad():
        timm_logits = vit(pixel_values=frames).last_hidden_state[:, 0] @ state["head.weight"].T + state["head.bias"]
        logits = model(pixel_values=frames[:, None].repeat(1, 2, 1, 1, 1)).logits
    assert [model.config.id2label[int(i)] for i in logits.argmax(-1)] == [names[i] for i in timm_logits.argmax(-1)]


def test_a_frame_sampling_checkpoint_restarts_as_tubelets(tmp_path):
    # from_vivit_checkpoint(path, embedding_type="tubelet") of a frame-sampling folder was refused for the
    # num_sampled_frames its constructor had filled in ("read only by embedding_type='frame_sampling'"), a count the
    # caller never gave. The reference: the saved weights, and a tubelet config built at the same sizes.
    from safetensors.torch import load_file

    from vivit_hf.conversion.vit_init import from_vivit_checkpoint

    saved = ViViTSpatioTemporalForVideoClassification.from_vit_pretrained(
        tiny_vit(), num_frames=8, embedding_type="frame_sampling", num_labels=3
    )
    assert saved.config.num_sampled_frames is not None
    saved.save_pretrained(tmp_path)
    model, report = from_vivit_checkpoint(str(tmp_path), embedding_type="tubelet")
    fresh = type(saved.config)(**{**saved.config.to_dict(), "embedding_type": "tubelet", "num_sampled_frames": None})
    assert (model.config.embedding_type, model.config.num_sampled_frames) == ("tubelet", None)
    assert model.config.token_grid == fresh.token_grid
    assert "vivit.token_embedding.projection.weight" in report["fresh"]
    weights = load_file(tmp_path / "model.safetensors")
    for name, value in model.state_dict().items():
        if name not in report["fresh"] + report["resized"]:
            torch.testing.assert_close(value, weights[name], rtol=0, atol=0)
    # a count given beside tubelets is still the caller's, and refused
    with pytest.raises(ValueError, match="num_sampled_frames=2"):
        from_vivit_checkpoint(str(tmp_path), embedding_type="tubelet", num_sampled_frames=2)


@pytest.mark.parametrize("problem_type", ["multi_label_classification", "regression"])
def test_classifier_init_copy_keeps_what_the_image_classifiers_outputs_mean(tmp_path, problem_type):
    """A multi-label (or regression) ViT's copied classifier is trained with its own loss: transformers' loss for
    that problem type on the same logits. Before, the video config's problem_type was None, so multi-hot labels were
    refused as single-label and class indices trained the ViT's sigmoid rows with cross-entropy."""
    vit = tiny_vit(ViTForImageClassification, num_labels=3, problem_type=problem_type)
    vit.save_pretrained(tmp_path)
    labels = torch.tensor([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    for source in (vit, str(tmp_path)):
        model = ViViTSpatioTemporalForVideoClassification.from_vit_pretrained(
            source, num_frames=2, tubelet_init="filter_inflation", classifier_init="copy"
        )
        assert model.config.problem_type == problem_type
        out = model(pixel_values=video(batch=2, frames=2), labels=labels)
        expected = (
            torch.nn.functional.binary_cross_entropy_with_logits(out.logits, labels)
            if problem_type == "multi_label_classification"
            else torch.nn.functional.mse_loss(out.logits, labels)
        )
        torch.testing.assert_close(out.loss, expected)
    # in place, into a model built without one; a problem type the user gave stays theirs
    model = ViViTSpatioTemporalForVideoClassification.from_vit_pretrained(vit, num_frames=2, num_labels=3)
    initialise_from_vit(model, vit, classifier_init="copy")
    assert model.config.problem_type == problem_type
    model = ViViTSpatioTemporalForVideoClassification.from_vit_pretrained(
        vit, num_frames=2, classifier_init="copy", problem_type="single_label_classification"
    )
    assert model.config.problem_type == "single_label_classification"


def test_vit_grid_of_a_siglip_or_dinov2_folder_is_its_patch_grid(tmp_path):
    """`vit_grid=(rows, cols)` (a table that is no square grid) set the config's image size beside a two-tower SigLIP's
    image tower config, which its reader reads: the config's square grid was read instead, silently (a 2x8 table as
    4x4); a SigLIP image tower or DINOv2 folder failed with a TypeError (a list // an int)."""
    from transformers import Dinov2Config, Dinov2Model, SiglipConfig, SiglipModel, SiglipVisionConfig, SiglipVisionModel

    tower = dict(hidden_size=8, num_hidden_layers=1, num_attention_heads=2, intermediate_size=16)
    vision = dict(tower, image_size=32, patch_size=8)  # a 4x4 table, read as 2x8
    models = {
        "two_towers": SiglipModel(SiglipConfig(vision_config=vision, text_config=dict(tower, vocab_size=50))),
        "tower": SiglipVisionModel(SiglipVisionConfig(**vision)),
        "dinov2": Dinov2Model(Dinov2Config(**vision, mlp_ratio=2)),
    }
    for name, model in models.items():
        model.save_pretrained(tmp_path / name)
        assert load_image_vit(str(tmp_path / name), grid=(2, 8)).grid == (2, 8), name
