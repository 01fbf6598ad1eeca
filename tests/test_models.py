# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The four variants as transformers models: forward/backward, save/load, attention kernels, checkpointing,
resized inputs, the paper's sizes, and what each factorisation means."""

import copy
import io
import re
import weakref

import numpy as np
import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode
from transformers import AutoConfig, AutoModel, AutoModelForVideoClassification, dynamic_module_utils

import vivit_hf
from vivit_hf import VIVIT_MODELS
from vivit_hf.models.configuration_vivit import uniform_frame_count
from vivit_hf.models.modeling_blocks import StochasticDepth, ViViTSelfAttention, clip_dropout, drop_path_schedule

TINY = dict(
    image_size=32,
    num_frames=4,
    tubelet_size=[2, 8, 8],
    hidden_size=32,
    num_hidden_layers=2,
    num_attention_heads=4,
    intermediate_size=64,
    num_labels=5,
)
# The smallest spatio-temporal model, for the tests of what surrounds a model (its card, its evaluation, its metrics),
# not of its maths: one block of width 16 on 4-frame 16x16 clips, 2 x 2 x 2 tubelets.
SMALLEST = dict(
    hidden_size=16,
    num_hidden_layers=1,
    num_attention_heads=2,
    intermediate_size=32,
    image_size=16,
    num_frames=4,
    tubelet_size=[2, 8, 8],
)
VARIANTS = list(VIVIT_MODELS)


def tiny(name, **overrides):
    config_class, model_class, classifier_class = VIVIT_MODELS[name]
    config = config_class(**{**TINY, **overrides})
    torch.manual_seed(0)
    return classifier_class(config).eval()


def clip(batch=2, frames=4, size=32, seed=1):
    return torch.randn(batch, frames, 3, size, size, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("name", VARIANTS)
def test_forward_and_backward(name):
    model = tiny(name).train()
    out = model(pixel_values=clip(), labels=torch.tensor([3, 1]))
    assert out.logits.shape == (2, 5)
    out.loss.backward()
    missing = [n for n, p in model.named_parameters() if p.grad is None]
    assert not missing, f"parameters without gradient: {missing}"


@pytest.mark.parametrize("name", VARIANTS)
def test_auto_classes_and_save_load_round_trip(name, tmp_path):
    model = tiny(name)
    model.save_pretrained(tmp_path)
    assert type(AutoConfig.from_pretrained(tmp_path)) is VIVIT_MODELS[name][0]
    loaded = AutoModelForVideoClassification.from_pretrained(tmp_path).eval()
    assert type(loaded) is type(model)
    with torch.no_grad():
        torch.testing.assert_close(
            loaded(pixel_values=clip()).logits, model(pixel_values=clip()).logits, rtol=0, atol=0
        )
    backbone = AutoModel.from_pretrained(tmp_path)
    assert type(backbone) is VIVIT_MODELS[name][1]


@pytest.mark.parametrize("name", VARIANTS)
def test_eager_and_sdpa_agree(name):
    model = tiny(name)
    outputs = {}
    for implementation in ("eager", "sdpa"):
        model.set_attn_implementation(implementation)
        with torch.no_grad():
            outputs[implementation] = model(pixel_values=clip()).logits
    torch.testing.assert_close(outputs["eager"], outputs["sdpa"], rtol=0, atol=1e-5)


@pytest.mark.parametrize(
    "patch, shape", [((2, 8, 8), (2, 7, 3, 35, 42)), ((1, 4, 4), (1, 3, 3, 9, 13)), ((3, 5, 2), (2, 6, 1, 10, 7))]
)
def test_tubelet_gemm_equals_the_convolution(patch, shape):
    """The projections run as a GEMM: the VALID convolution with kernel = stride, leftovers dropped, in a conv's
    layout, and channel-last (the tokens) with no copy."""
    from vivit_hf.models.modeling_blocks import PatchProjection, TubeletProjection

    torch.manual_seed(0)
    channels = shape[2]
    x = torch.randn(shape).transpose(1, 2)  # (b, c, T, H, W), a view of the model's (b, T, c, H, W) clip
    conv = TubeletProjection(channels, 6, patch, stride=patch)
    out = conv(x)
    torch.testing.assert_close(
        out, torch.nn.functional.conv3d(x, conv.weight, conv.bias, stride=patch), rtol=1e-5, atol=1e-5
    )
    assert out.permute(0, 2, 3, 4, 1).is_contiguous()
    if patch[0] == 1:  # frame sampling's Conv2d kernel, same weights, on each frame
        conv2d = PatchProjection(channels, 6, patch[1:], stride=patch[1:])
        conv2d.weight.data.copy_(conv.weight.data[:, :, 0])
        conv2d.bias.data.copy_(conv.bias.data)
        frames = x.transpose(1, 2).flatten(0, 1)
        out2d = conv2d(frames)
        expected = torch.nn.functional.conv2d(frames, conv2d.weight, conv2d.bias, stride=patch[1:])
        torch.testing.assert_close(out2d, expected, rtol=1e-5, atol=1e-5)
        assert out2d.permute(0, 2, 3, 1).is_contiguous()


@pytest.mark.parametrize(
    "options", [dict(stride=1), dict(stride=(2, 4, 4), padding=1), dict(stride=(2, 4, 4), dilation=2), dict(groups=3)]
)
def test_projection_other_than_a_patchify_runs_as_torch_convolution(options):
    """PEFT builds its LoRA convolutions as `type(base_layer)(...)` with other strides: those, and an unbatched
    input, are nn.Conv3d's / nn.Conv2d's own convolution."""
    from vivit_hf.models.modeling_blocks import PatchProjection, TubeletProjection

    torch.manual_seed(0)
    options = {"stride": (2, 4, 4), **options}
    conv = TubeletProjection(3, 6, (2, 4, 4), **options)
    x = torch.randn(2, 3, 4, 12, 12)
    arguments = {k: options[k] for k in ("stride", "padding", "dilation", "groups") if k in options}
    torch.testing.assert_close(conv(x), torch.nn.functional.conv3d(x, conv.weight, conv.bias, **arguments))
    torch.testing.assert_close(conv(x[0]), torch.nn.functional.conv3d(x[:1], conv.weight, conv.bias, **arguments)[0])
    options2d = {k: v[1:] if isinstance(v, tuple) else v for k, v in options.items()}
    conv2d = PatchProjection(3, 6, (4, 4), **options2d)
    arguments2d = {k: options2d[k] for k in arguments}
    frames = x[:, :, 0]
    torch.testing.assert_close(
        conv2d(frames), torch.nn.functional.conv2d(frames, conv2d.weight, conv2d.bias, **arguments2d)
    )
    torch.testing.assert_close(conv2d(frames[0]), conv2d(frames)[0])


@pytest.mark.parametrize("name", VARIANTS)
def test_no_split_modules_name_blocks_the_model_has(name):
    """accelerate's FSDP wrap policy (and device_map) look each listed class up by exact name and refuse a
    missing one: every variant must list its own block, and only blocks it contains."""
    model = tiny(name)
    present = {module.__class__.__name__ for module in model.modules()}
    for module in (model, model.vivit):
        assert module._no_split_modules and set(module._no_split_modules) <= present, module._no_split_modules
        # (on the class too, where accelerate's wrap policy and transformers' post_init read it)
        assert type(module)._no_split_modules == [type(model.vivit).layer_class.__name__]


def test_a_subclass_built_of_its_own_block_lists_that_block():
    """A user's backbone of its own block class (`layer_class`) inherited its parent's list, ["ViViTLayer"], a class
    the model no longer contains, which accelerate's FSDP wrap policy refuses; its classifier, through
    `backbone_class`, the same. A subclass that sets its own list keeps it."""
    from vivit_hf.models.modeling_blocks import ViViTLayer
    from vivit_hf.models.modeling_vivit import ViViTSpatioTemporalForVideoClassification, ViViTSpatioTemporalModel

    class GatedLayer(ViViTLayer):
        pass

    class GatedModel(ViViTSpatioTemporalModel):
        layer_class = GatedLayer

    class GatedClassifier(ViViTSpatioTemporalForVideoClassification):
        backbone_class = GatedModel

    class Listed(ViViTSpatioTemporalForVideoClassification):
        _no_split_modules = ["ViViTLayer", "ViViTEncoder"]

    assert GatedModel._no_split_modules == GatedClassifier._no_split_modules == ["GatedLayer"]
    assert Listed._no_split_modules == ["ViViTLayer", "ViViTEncoder"]


@pytest.mark.parametrize("name", VARIANTS)
def test_gradient_checkpointing_gives_the_same_gradients(name):
    model = tiny(name, drop_path_rate=0.1, hidden_dropout_prob=0.1).train()
    reference = copy.deepcopy(model)
    # transformers >= 5.23 names it activation checkpointing; gradient_checkpointing_enable is its older alias
    getattr(model, "activation_checkpointing_enable", model.gradient_checkpointing_enable)()
    grads = []
    for m in (reference, model):
        torch.manual_seed(7)  # same dropout / stochastic-depth draws in both runs
        m(pixel_values=clip(), labels=torch.tensor([0, 4])).loss.backward()
        grads.append({n: p.grad for n, p in m.named_parameters()})
    assert any(layer.gradient_checkpointing for layer in model.modules() if hasattr(layer, "gradient_checkpointing"))
    for n, g in grads[0].items():
        torch.testing.assert_close(grads[1][n], g, rtol=1e-5, atol=1e-6, msg=n)


@pytest.mark.parametrize("name", VARIANTS)
def test_reentrant_checkpointing_with_a_frozen_stem_still_trains_every_block(name):
    """With `use_reentrant=True` a checkpointed layer's output has a gradient only if an input has one: with the
    token embedding, position embeddings and CLS tokens frozen (`--freeze vivit.token_embedding ...`), every block got
    no gradient and trained on unchanged, without a word."""
    model = tiny(name).train()
    for parameter_name, parameter in model.named_parameters():
        if any(part in parameter_name for part in ("token_embedding", "position_embeddings", "cls_token")):
            parameter.requires_grad_(False)
    reference = copy.deepcopy(model)
    if hasattr(model, "activation_checkpointing_enable"):  # transformers >= 5.23
        model.activation_checkpointing_enable(activation_checkpointing_kwargs={"use_reentrant": True})
    else:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": True})
    for m in (reference, model):
        m(pixel_values=clip(), labels=torch.tensor([0, 4])).loss.backward()
    expected = {n: p.grad for n, p in reference.named_parameters() if p.requires_grad}
    for n, p in model.named_parameters():
        if n in expected:
            assert p.grad is not None, f"{n} got no gradient"
            torch.testing.assert_close(p.grad, expected[n], rtol=1e-5, atol=1e-6, msg=n)


@pytest.mark.parametrize("name", VARIANTS)
def test_interpolate_pos_encoding_resizes_space_and_time(name):
    model = tiny(name)
    with torch.no_grad():
        plain = model(pixel_values=clip()).logits
        same = model(pixel_values=clip(), interpolate_pos_encoding=True).logits
        bigger = model(pixel_values=clip(frames=8, size=48), interpolate_pos_encoding=True).logits
        wide = model(pixel_values=torch.randn(1, 6, 3, 24, 40), interpolate_pos_encoding=True).logits
    torch.testing.assert_close(same, plain, rtol=0, atol=0)
    assert bigger.shape == (2, 5) and wide.shape == (1, 5)
    assert torch.isfinite(bigger).all() and torch.isfinite(wide).all()


def test_resized_position_table_keeps_corners():
    """Corner-aligned resizing keeps the learned embeddings of the grid corners in space and time."""
    model = tiny("spatio_temporal").vivit
    encoder = model.encoder
    table = encoder.position_table((3, 6, 5))[:, 1:].reshape(3, 6, 5, -1)
    original = encoder.position_embeddings[:, 1:].reshape(2, 4, 4, -1)
    for new, old in (((0, 0, 0), (0, 0, 0)), ((2, 5, 4), (1, 3, 3)), ((0, 5, 0), (0, 3, 0))):
        torch.testing.assert_close(table[new], original[old])
    torch.testing.assert_close(encoder.position_table((3, 6, 5))[:, 0], encoder.position_embeddings[:, 0])


def corner_aligned(table: np.ndarray, size: int, axis: int) -> np.ndarray:
    """numpy's linear interpolation of `table` along `axis` to `size` points, the first and last kept (a reference
    written apart from torch's `F.interpolate`)."""
    old = table.shape[axis]
    places = np.linspace(0, old - 1, size) if size > 1 else np.zeros(1)
    return np.apply_along_axis(lambda line: np.interp(places, np.arange(old), line), axis, table)


@pytest.mark.parametrize(
    ("name", "trained", "run", "grid"),
    [
        ("spatio_temporal", [32, 24], [36, 24], (1, 13, 3)),  # per-frame rows -> straddling patches
        ("spatio_temporal", [36, 24], [32, 24], (3, 4, 3)),  # straddling patches -> per-frame rows
        ("factorised_self_attention", [32, 24], [36, 24], (3, 1, 13)),
        ("factorised_dot_product", [36, 24], [32, 24], (3, 4, 3)),
    ],
)
def test_frame_sampling_positions_resize_over_the_tall_image_where_patches_straddle_frames(name, trained, run, grid):
    """3 sampled frames of 36 rows in 8 x 8 patches make a 108 x 24 image of 13 x 3 patches, some straddling two
    frames: Model 1's grid (1, 13, 3), Models 3 and 4's (3, 1, 13). Their positions are the tall image's, so a table
    trained on 32-row frames (4 x 3 each, a 12 x 3 tall image) is resized over that image. Resized over the token
    grid, Model 1 stretched the first frame's table over all 13 rows (frames 1 and 2's positions unused), and Models
    3 and 4 each frame's first image row over its 13 tokens."""
    sizes = dict(num_frames=6, num_sampled_frames=3, image_size=trained, num_hidden_layers=1)
    model = tiny(name, embedding_type="frame_sampling", **sizes).vivit
    encoder, prefix = model.encoder, model.encoder.num_prefix_tokens
    video = torch.randn(1, 6, 3, *run, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        out = model(pixel_values=video, interpolate_pos_encoding=True, output_hidden_states=True)
        table = out.hidden_states[0][:, prefix:] - model.token_embedding(video).flatten(1, 3)
    rows = [3 * height // 8 for height in (trained[0], run[0])]
    tall = encoder.position_embeddings[0, prefix:].detach().numpy().reshape(rows[0], 3, -1)
    expected = corner_aligned(tall, rows[1], axis=0).reshape(1, -1, tall.shape[-1])
    assert model.token_embedding.token_grid(6, *run) == grid
    np.testing.assert_allclose(table.numpy(), expected, rtol=1e-5, atol=1e-5)


def test_frame_sampling_rows_that_split_evenly_among_frames_keep_the_per_frame_grid_and_resize():
    """3 sampled frames of 17 rows (8k + 1) in 8 x 8 patches: a 51-row tall image, 6 patch rows, 2 per frame, though
    patches cross frames (frame 1's first patch row starts a row into frame 0). Brute force, row by row of pixels:
    the VALID convolution drops the last frame's bottom 3 rows alone, and each token reads most of its 8 rows from
    the frame its grid names, so the (t, h, w) grid (scenic's reshape) is the tokens' and a table trained at 32 rows
    (4 per frame) is resized over it, not over the tall image (`straddling_layout`: nearer their true places)."""
    sizes = dict(num_frames=6, num_sampled_frames=3, image_size=[32, 24], num_hidden_layers=1)
    model = tiny("spatio_temporal", embedding_type="frame_sampling", **sizes).vivit
    video = torch.randn(1, 6, 3, 17, 24, generator=torch.Generator().manual_seed(0))
    embedding = model.token_embedding
    assert embedding.token_grid(6, 17, 24) == (3, 2, 3) and embedding.straddling_layout(6, 17, 24) is None
    rows = [(f, row) for f in range(3) for row in range(17)]  # each pixel row of the tall image, changed apart
    changed = video.repeat(1 + len(rows), 1, 1, 1, 1)  # (the first unchanged: one forward for all)
    for j, (f, row) in enumerate(rows, 1):
        changed[j, embedding.frame_indices(6)[f], :, row] += 1
    with torch.no_grad():
        embedded = embedding(changed)
    tokens, moved = embedded[:1], (embedded[1:] - embedded[:1]).abs().amax(dim=(3, 4)) > 1e-4  # (row, t, h)
    read = {}  # token (t, h) -> the sampled frame of each pixel row it reads
    for (f, _), hit in zip(rows, moved):
        for token in hit.nonzero().tolist():
            read.setdefault(tuple(token), []).append(f)
    assert [rows[j] for j in range(len(rows)) if not moved[j].any()] == [(2, row) for row in range(14, 17)]
    assert sorted(read) == [(t, h) for t in range(3) for h in range(2)], read
    assert all(len(frames) == 8 and max(set(frames), key=frames.count) == token[0] for token, frames in read.items())
    with torch.no_grad():
        out = model(pixel_values=video, interpolate_pos_encoding=True, output_hidden_states=True)
    table = (out.hidden_states[0][:, 1:] - tokens.flatten(1, 3)).numpy()
    trained = model.encoder.position_embeddings[0, 1:].detach().numpy().reshape(3, 4, 3, -1)
    expected = corner_aligned(trained, 2, axis=1).reshape(1, -1, trained.shape[-1])
    np.testing.assert_allclose(table, expected, rtol=1e-5, atol=1e-5)


def test_a_straddling_model_pickled_before_the_tall_image_layout_runs_as_built():
    """`torch.save(model)` before the encoder kept the tall image's layout (7edb5ebb): unpickled, the encoder has no
    `straddling`, and taken as None (no straddling) a model trained at 36x24 (13 x 3 patches, 3 frames) refused its
    own size ("a token grid of (3, 1, 13) does not fit the trained (3, 1, 13)") and, resizing, read its table as
    per-frame rows of 1 x 13 (0.005 off). The layout it was built with is its config's."""
    sizes = dict(num_frames=6, num_sampled_frames=3, image_size=[36, 24], num_hidden_layers=1)
    model = tiny("factorised_self_attention", embedding_type="frame_sampling", **sizes)
    video = torch.randn(1, 6, 3, 36, 24, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        want = model(pixel_values=video).logits
    vars(model.vivit.encoder).pop("straddling", None)  # as an encoder of an earlier version
    buffer = io.BytesIO()
    torch.save(model, buffer)
    buffer.seek(0)
    old = torch.load(buffer, weights_only=False)
    with torch.no_grad():
        for interpolate in (False, True):
            torch.testing.assert_close(old(pixel_values=video, interpolate_pos_encoding=interpolate).logits, want)


@pytest.mark.parametrize(("name", "size"), [(name, 48) for name in VARIANTS] + [("factorised_encoder", 24)])
def test_an_image_size_set_after_building_is_not_resized_without_being_asked(name, size):
    """`config.image_size` set on a built model lets another size past the input check: the position embeddings
    were trained on 4 x 4 patches, so a 6 x 6 or 3 x 3 grid runs only with `interpolate_pos_encoding=True`. Model 2's
    spatial encoder resized its table without being asked, where Models 1, 3 and 4 refuse naming both grids."""
    model = tiny(name)
    model.config.image_size = size
    with torch.no_grad(), pytest.raises(ValueError, match=rf"grid of \(.*{size // 8}, {size // 8}\).*\(.*4, 4\)"):
        model(pixel_values=clip(batch=1, size=size))


def test_a_size_set_after_building_where_patches_come_to_straddle_frames_says_so():
    """Model 3 of 3 sampled 8 x 104 frames (each one row of 13 patches) set to 36x24 (a 13 x 3 tall image, patches
    straddling frames) has the same token grid, (3, 1, 13): the refusal said "(3, 1, 13) does not fit the trained
    (3, 1, 13)"; it names the tall image."""
    sizes = dict(num_frames=6, num_sampled_frames=3, image_size=[8, 104], num_hidden_layers=1)
    model = tiny("factorised_self_attention", embedding_type="frame_sampling", **sizes)
    model.config.image_size = [36, 24]
    refused = r"\(3, 1, 13\) \(patches straddling frames: a 13 x 3 tall image\) does not fit the trained \(3, 1, 13\) "
    with torch.no_grad(), pytest.raises(ValueError, match=refused):
        model(pixel_values=torch.randn(1, 6, 3, 36, 24))


@pytest.mark.parametrize("name", VARIANTS)
def test_wrong_input_shape_states_the_expected_shape(name):
    model = tiny(name)
    with pytest.raises(ValueError, match=r"\(batch, 4, 3, 32, 32\)"):
        model(pixel_values=torch.randn(2, 4, 32, 32, 3))  # channels last
    # more frames than the model's: most often a video's decoded frames, which the processor keeps as given
    with pytest.raises(ValueError, match=r"\(batch, 4, 3, 32, 32\).*interpolate_pos_encoding.*do_sample_frames=True"):
        model(pixel_values=torch.randn(2, 6, 3, 32, 32))
    with pytest.raises(ValueError, match="pixel_values"):
        model(pixel_values=torch.randn(4, 3, 32, 32))


@pytest.mark.parametrize("name", VARIANTS)
def test_pixels_that_are_not_a_tensor_are_refused_naming_the_type(name):
    """The processor's return_tensors="np" gives a numpy array: the model failed on it with an AttributeError about
    `is_floating_point`, naming neither the input nor the fix."""
    model = tiny(name)
    with pytest.raises(ValueError, match=r"torch.Tensor.*got a ndarray of shape \(2, 4, 3, 32, 32\).*return_tensors"):
        model(pixel_values=np.zeros((2, 4, 3, 32, 32), np.float32))
    with pytest.raises(ValueError, match=r"got a list: .*return_tensors"):
        model(pixel_values=[torch.zeros(4, 3, 32, 32)])


@pytest.mark.parametrize("name", VARIANTS)
def test_a_mask_or_labels_that_are_not_a_tensor_are_refused_naming_the_argument(name):
    """A numpy or list `attention_mask` or `labels` failed with an AttributeError ("'list' object has no attribute
    'shape'", "'numpy.ndarray' object has no attribute 'is_floating_point'") naming neither the argument nor the fix."""
    model = tiny(name)
    video, mask, labels = clip(batch=2), [[1, 1, 1, 1], [1, 1, 0, 0]], [0, 1]
    for bad in (np.array(mask), mask):
        kind = type(bad).__name__
        with pytest.raises(
            ValueError,
            match=rf"`attention_mask` must be a torch.Tensor of shape \(batch, frames\) = "
            rf"\(2, 4\), got a {kind}.*return_tensors=\"pt\"",
        ):
            model(pixel_values=video, attention_mask=bad)
    for bad in (np.array(labels), labels):
        kind = type(bad).__name__
        with pytest.raises(
            ValueError, match=rf"`labels` must be a torch.Tensor of shape \(batch,\), got a {kind}.*torch.as_tensor"
        ):
            model(pixel_values=video, labels=bad)
    # the same values as tensors run
    model(pixel_values=video, attention_mask=torch.tensor(mask), labels=torch.tensor(labels))


@pytest.mark.parametrize("name", VARIANTS)
def test_raw_integer_pixels_are_refused(name):
    """uint8 frames straight from a decoder were cast and run as [0, 255] values: plausible logits, all wrong."""
    model = tiny(name)
    raw = torch.randint(0, 256, (2, 4, 3, 32, 32), dtype=torch.uint8)
    with pytest.raises(ValueError, match=r"float tensor.*got dtype torch.uint8.*ViViTVideoProcessor"):
        model(pixel_values=raw)
    with pytest.raises(ValueError, match="torch.int64"):
        model(pixel_values=raw.long())
    model(pixel_values=raw.float() / 127.5 - 1)  # the same frames rescaled run


@pytest.mark.parametrize("name", VARIANTS)
def test_the_processors_empty_batch_is_refused_by_name(name):
    """Every video of a call broken, the processor gives a batch of 0 clips; the model failed on it in a reshape
    ("cannot reshape tensor of 0 elements"), as transformers' VivitModel does."""
    processor = vivit_hf.ViViTVideoProcessor(
        num_frames=4, size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}, skip_broken=True
    )
    batch = processor([b"not a video"], return_tensors="pt")
    assert batch["pixel_values"].shape == (0, 4, 3, 32, 32) and len(batch["kept_indices"]) == 0
    with pytest.raises(ValueError, match=r"of shape \(0, 4, 3, 32, 32\) holds no clip: skip this step"):
        tiny(name)(pixel_values=batch["pixel_values"], labels=torch.zeros(0, dtype=torch.long))


def test_a_4_channel_clip_is_refused_naming_do_convert_rgb():
    """The processor keeps a 4-channel (RGBA) clip's 4 channels under `do_convert_rgb=False`, as transformers' do; a
    3-channel model refused it with the shapes alone ("got (1, 4, 4, 32, 32)"). The channel axis alone differing, it
    names `do_convert_rgb=True`, which gives the 3 channels; a channels-first clip of 8 frames the permute alone, and
    a 4-channel model given RGB names `do_convert_rgb=False`."""
    processor = vivit_hf.ViViTVideoProcessor(
        num_frames=4, size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}
    )
    rgba = np.random.default_rng(0).integers(0, 256, (4, 32, 32, 4), dtype=np.uint8)
    kept = processor(rgba, do_convert_rgb=False, image_mean=0.0, image_std=1.0, return_tensors="pt")["pixel_values"]
    assert kept.shape == (1, 4, 4, 32, 32)
    model = tiny("spatio_temporal")  # the four variants share the check
    hint = r"got \(1, 4, 4, 32, 32\)\. The video processor gives RGB \(3 channels\) with `do_convert_rgb=True`"
    with pytest.raises(ValueError, match=hint):
        model(pixel_values=kept)
    # (batch, channels, frames, height, width), what torchvision's and pytorchvideo's video models take, was refused
    # with the expected shape alone; it names the permute that gives the model's layout
    channels_first = kept[:, :, :3].repeat(1, 2, 1, 1, 1).transpose(1, 2)
    permute = (
        r"got \(1, 3, 8, 32, 32\)\. It looks like \(batch, channels, frames, height, width\).*permute\(0, 2, 1, 3, 4\)"
    )
    with pytest.raises(ValueError, match=permute) as refusal:
        model(pixel_values=channels_first)
    assert "do_convert_rgb" not in str(refusal.value)
    model(pixel_values=processor(rgba, return_tensors="pt")["pixel_values"])  # do_convert_rgb=True: RGB runs
    # 3 RGBA frames kept are (1, 3, 4, H, W), which fits a (batch, channels, frames, ...) batch too: refused naming
    # that permute alone, which, followed, ran (the alpha a frame, the frames channels) without a word; and so was a
    # 4-channel model's 4 RGB frames (the processor's default), (1, 4, 3, H, W). The option is named first.
    four = tiny("spatio_temporal", num_channels=4)
    for taker, video, options, option in (
        (model, rgba[:3], {"do_convert_rgb": False}, "do_convert_rgb=True"),
        (four, rgba, {}, "do_convert_rgb=False"),
    ):
        views = processor(video, do_sample_frames=False, return_tensors="pt", **options)["pixel_values"]
        with pytest.raises(ValueError, match=rf"`{option}`.* If it is \(batch, channels, frames, height, width\)"):
            taker(pixel_values=views)
        taker(pixel_values=views.permute(0, 2, 1, 3, 4))  # the permute alone runs: why it is not said alone
    four(pixel_values=processor(rgba, do_convert_rgb=False, return_tensors="pt")["pixel_values"])  # 4 channels


def test_a_1_channel_model_given_rgb_is_refused_naming_do_convert_rgb():
    """A model built with `num_channels=1` (grey video) refused the processor's default RGB output with the shapes
    alone; it names the options that keep a grey video's one channel, and the processor then gives what it takes."""
    processor = vivit_hf.ViViTVideoProcessor(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32})
    grey = np.random.default_rng(1).integers(0, 256, (4, 32, 32, 1), dtype=np.uint8)
    model = tiny("spatio_temporal", num_channels=1)  # the four variants share the check
    with pytest.raises(ValueError, match=r"got \(1, 4, 3, 32, 32\)\. .*`do_convert_rgb=False`"):
        model(**processor(grey, return_tensors="pt"))
    model(**processor(grey, do_convert_rgb=False, return_tensors="pt"))


@pytest.mark.parametrize("name", VARIANTS)
def test_16_bit_weights_under_cpu_autocast_to_the_other_are_refused_naming_both(name):
    """A float16 model under CPU bf16 autocast (and bf16 under fp16): torch's CPU autocast mixes a 16-bit type only
    with float32, and the forward failed in a kernel ("Unexpected floating ScalarType in at::autocast::prioritize",
    Models 1-2; "mixed dtype (CPU): expect parameter to have scalar type of Float", 3-4), as transformers'
    VivitForVideoClassification does. Refused naming both types; each runs under autocast to its own type."""
    model = tiny(name, **SMALLEST)
    for weights, running in ((torch.float16, torch.bfloat16), (torch.bfloat16, torch.float16)):
        model.to(weights)
        with torch.no_grad(), torch.autocast("cpu", dtype=running):
            with pytest.raises(ValueError, match=rf"weights are {weights}, but CPU autocast runs {running}: "):
                model(pixel_values=clip(1, size=16))
        with torch.no_grad(), torch.autocast("cpu", dtype=weights):
            assert model(pixel_values=clip(1, size=16)).logits.dtype == weights
    # Refused by the parameters autocast leaves uncast: accelerate's layerwise casting, linear and convolution weights
    # stored in float16 for a bfloat16 computation, runs, its logits those of the float32 model whose weights went
    # through float16 (it was refused, by the projection's float16 weight); `cpu_offload`'s weights, on the meta device
    # until the call, were the kernel's error
    from accelerate import cpu_offload
    from accelerate.big_modeling import attach_layerwise_casting_hooks

    layerwise, reference = tiny(name, **SMALLEST), tiny(name, **SMALLEST)
    attach_layerwise_casting_hooks(layerwise, storage_dtype=torch.float16, compute_dtype=torch.bfloat16)
    with torch.no_grad():
        for module in reference.modules():
            if isinstance(module, (torch.nn.Linear, torch.nn.Conv3d)):
                module.weight.copy_(module.weight.half().float())
                module.bias.copy_(module.bias.half().float())
        with torch.autocast("cpu", dtype=torch.bfloat16):
            expected = reference(pixel_values=clip(1, size=16)).logits
            torch.testing.assert_close(layerwise(pixel_values=clip(1, size=16)).logits, expected, rtol=0, atol=0)
    offloaded = cpu_offload(tiny(name, **SMALLEST).half(), execution_device=torch.device("cpu"))
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
        with pytest.raises(ValueError, match=r"weights are torch.float16, but CPU autocast runs torch.bfloat16: "):
            offloaded(pixel_values=clip(1, size=16))


@pytest.mark.parametrize("name", VARIANTS)
def test_output_hidden_states_and_attentions(name):
    model = tiny(name, num_hidden_layers=3)
    with torch.no_grad():
        out = model(pixel_values=clip(), output_hidden_states=True, output_attentions=True)
    per_layer = 2 if name in ("factorised_self_attention", "factorised_dot_product") else 1
    layers = 3 + (4 if name == "factorised_encoder" else 0)
    encoders = 2 if name == "factorised_encoder" else 1
    assert len(out.attentions) == layers * per_layer
    assert len(out.hidden_states) == layers + encoders
    assert all(isinstance(h, torch.Tensor) for h in out.hidden_states + out.attentions)
    # indices count over the model's whole tuple (Model 2: the spatial encoder's states, then the temporal one's),
    # and a state not selected is freed as the blocks run: at the last encoder's final LayerNorm the blocks' outputs
    # alive are the selected one and the last (its input). Every one was (all kept, then filtered: ViViT-L Model 1 at
    # 32x224x224 held 321 MB a clip for `[-2]`'s 12.8 MB).
    stack = [
        getattr(model.vivit, e) for e in ("encoder", "spatial_encoder", "temporal_encoder") if hasattr(model.vivit, e)
    ]
    outputs, alive = [], []
    blocks = [block for encoder in stack for block in encoder.layers]
    hooks = [block.register_forward_hook(lambda m, a, out: outputs.append(weakref.ref(out[0]))) for block in blocks]
    final_norm = stack[-1].layernorm
    hooks.append(final_norm.register_forward_pre_hook(lambda m, a: alive.append([r() is not None for r in outputs])))
    with torch.no_grad():
        picked = model(pixel_values=clip(), output_hidden_states=[0, -2], output_attentions=True).hidden_states
    for hook in hooks:
        hook.remove()
    assert alive == [[False] * (layers - 2) + [True, True]]
    last = len(out.hidden_states) - 1
    assert [i for i, h in enumerate(picked) if h is not None] == [0, last - 1]
    for index in (0, last - 1):
        torch.testing.assert_close(picked[index], out.hidden_states[index], rtol=0, atol=0)
    # attention rows are distributions over keys
    for weights in out.attentions:
        torch.testing.assert_close(weights.sum(-1), torch.ones_like(weights.sum(-1)))


# ----------------------------------------------------------------------------------------- the paper's numbers
PAPER_TABLE_2 = {  # name: (params in M, GFLOPs = multiply-accumulates in G)
    "spatio_temporal": (88.9, 455.2),
    "factorised_encoder": (115.1, 284.4),
    "factorised_self_attention": (117.3, 372.3),
    "factorised_dot_product": (88.9, 277.1),
}


@pytest.mark.parametrize("name", VARIANTS)
def test_parameters_and_macs_match_paper_table_2(name):
    config_class, _, classifier_class = VIVIT_MODELS[name]
    with torch.device("meta"):  # no 400 MB allocation: shapes only
        model = classifier_class(config_class(num_labels=400))
        video = torch.empty(1, 32, 3, 224, 224)
    params = sum(p.numel() for p in model.parameters()) / 1e6
    with FlopCounterMode(display=False) as counter:
        model(pixel_values=video)
    macs = counter.get_total_flops() / 2 / 1e9
    paper_params, paper_macs = PAPER_TABLE_2[name]
    assert abs(params - paper_params) <= 0.1, params
    assert abs(macs / paper_macs - 1) <= 0.03, macs


# ------------------------------------------------------------------------------ what the factorisations mean
def test_each_variant_is_an_instance_of_its_own_classes_only():
    """Models 3 and 4 share Model 1's token layout, not its class: `isinstance(model, ViViTSpatioTemporalModel)` says
    Model 1, as a user dispatching on the variant expects (transformers' own variants are siblings)."""
    for name, (_, base_class, classifier_class) in VIVIT_MODELS.items():
        model = tiny(name)
        for other, (_, other_base, other_classifier) in VIVIT_MODELS.items():
            assert isinstance(model, other_classifier) == (other == name), (name, other)
            assert isinstance(model.vivit, other_base) == (other == name), (name, other)
        assert type(model.vivit) is base_class and type(model) is classifier_class


def test_print_model_says_what_each_factorised_attention_attends_over():
    """`print(model)` lists modules in construction order: Model 3's space attention came first whatever order its
    blocks run them in, and Model 4's attention read as Model 1's, its split heads unsaid."""
    model_3 = repr(tiny("factorised_self_attention", attention_order="time_space"))
    assert "attention_order=time_space" in model_3 and "num_heads=4" in model_3
    assert "num_heads=4: 2 over time, then 2 over space" in repr(tiny("factorised_dot_product"))
    assert "num_heads=2" in repr(tiny("factorised_encoder", temporal_num_attention_heads=2).vivit.temporal_encoder)


def test_model_4_differs_from_model_1_only_in_attention():
    model_1 = tiny("spatio_temporal", classifier="gap")
    model_4 = tiny("factorised_dot_product")
    assert model_1.state_dict().keys() == model_4.state_dict().keys()
    model_4.load_state_dict(model_1.state_dict())  # exactly the same parameters
    with torch.no_grad():
        assert not torch.allclose(model_4(pixel_values=clip()).logits, model_1(pixel_values=clip()).logits)
        for layer in model_4.vivit.encoder.layers:  # give Model 4's blocks Model 1's attention rule
            layer.attention.__class__ = ViViTSelfAttention
            layer.run_attention = lambda h, grid, output_attentions, attention_mask, drop_group, layer=layer: (
                layer.attention(h, output_attentions, attention_mask)
            )
        torch.testing.assert_close(model_4(pixel_values=clip()).logits, model_1(pixel_values=clip()).logits)


def test_model_4_time_heads_see_only_their_spatial_position():
    """With only time heads active (space half of the output projection zeroed), a change at one spatial position
    cannot reach another position through the attention of the first block."""
    model = tiny("factorised_dot_product", num_hidden_layers=1)
    attention = model.vivit.encoder.layers[0].attention
    half = attention.proj.in_features // 2
    with torch.no_grad():
        attention.proj.weight[:, half:] = 0  # the space heads' contribution
        tokens = torch.randn(1, 2 * 16, 32)
        moved = tokens.clone()
        moved[0, 16 + 5] += 1.0  # time index 1, spatial position 5
        delta = (attention(moved, (2, 4, 4))[0] - attention(tokens, (2, 4, 4))[0]).abs().sum(-1)[0]
    changed = sorted(int(i) for i in torch.nonzero(delta > 1e-6))
    assert changed == [5, 16 + 5]


def test_model_3_without_temporal_attention_treats_frames_independently():
    model = tiny("factorised_self_attention")
    with torch.no_grad():
        for layer in model.vivit.encoder.layers:
            layer.attention_time.proj.weight.zero_()
            layer.attention_time.proj.bias.zero_()
        video = clip(batch=1)
        edited = video.clone()
        edited[:, 2:] = torch.randn_like(edited[:, 2:])  # frames of the second tubelet (temporal index 1)
        first = model.vivit(pixel_values=video).last_hidden_state.unflatten(1, (2, 16))
        second = model.vivit(pixel_values=edited).last_hidden_state.unflatten(1, (2, 16))
    torch.testing.assert_close(first[:, 0], second[:, 0], rtol=0, atol=0)  # temporal index 0 untouched
    assert not torch.allclose(first[:, 1], second[:, 1])


def test_model_2_spatial_encoder_sees_one_temporal_index_at_a_time():
    model = tiny("factorised_encoder")
    with torch.no_grad():
        video = clip(batch=1)
        out = model.vivit(pixel_values=video, output_hidden_states=True)
        edited = video.clone()
        edited[:, 2:] += 1.0
        out_edited = model.vivit(pixel_values=edited, output_hidden_states=True)
    spatial_last = TINY["num_hidden_layers"]  # hidden_states: spatial (L + 1), then temporal
    before, after = out.hidden_states[spatial_last], out_edited.hidden_states[spatial_last]
    torch.testing.assert_close(before[0], after[0], rtol=0, atol=0)  # (b t) folded sample-major: frame 0
    assert not torch.allclose(before[1], after[1])


# ----------------------------------------------------------------------------------------- heads and options
def test_named_label_spaces_split_logits_and_average_losses():
    model = tiny("factorised_encoder", label_spaces={"noun": 3, "verb": 2})
    assert model.config.num_labels == 5
    labels = torch.tensor([[2, 1], [0, 0]])
    out = model(pixel_values=clip(), labels=labels)
    assert list(out.head_logits) == ["noun", "verb"]
    torch.testing.assert_close(torch.cat(list(out.head_logits.values()), -1), out.logits)
    expected = sum(
        torch.nn.functional.cross_entropy(out.head_logits[h], labels[:, i]) for i, h in enumerate(["noun", "verb"])
    )
    torch.testing.assert_close(out.loss, expected / 2)  # the heads' mean, as scenic
    with pytest.raises(ValueError, match=r"\(batch, 2\)"):
        model(pixel_values=clip(), labels=torch.tensor([1, 2]))


def test_problem_type_is_honoured():
    model = tiny("spatio_temporal", problem_type="multi_label_classification")
    labels = torch.tensor([[1.0, 0, 0, 1, 0], [0, 0, 1, 0, 0]])
    out = model(pixel_values=clip(), labels=labels)
    torch.testing.assert_close(out.loss, torch.nn.functional.binary_cross_entropy_with_logits(out.logits, labels))


def test_soft_targets_for_a_single_label_model_are_refused_by_name():
    # transformers' loss flattened them: "Expected input batch_size (2) to match target batch_size (10)"
    model = tiny("spatio_temporal", problem_type="single_label_classification")
    soft = torch.softmax(torch.randn(2, 5), -1)
    with pytest.raises(ValueError, match=r"single_label_classification.*float32 of shape \(2, 5\).*F.cross_entropy"):
        model(pixel_values=clip(), labels=soft)
    out = model(pixel_values=clip(), labels=torch.tensor([1, 3]))  # class indices still train
    torch.testing.assert_close(out.loss, torch.nn.functional.cross_entropy(out.logits, torch.tensor([1, 3])))


def test_representation_layer_and_frame_sampling():
    model = tiny(
        "spatio_temporal", representation_size=24, embedding_type="frame_sampling", num_frames=6, num_sampled_frames=3
    )
    assert model.pre_logits[0].out_features == 24 and model.classifier.in_features == 24
    assert model.config.token_grid == (3, 4, 4)
    with torch.no_grad():
        video = clip(frames=6)
        edited = video.clone()
        edited[:, [0, 1, 5]] = 0  # frames scenic's rule does not keep (it keeps 2, 3, 4)
        torch.testing.assert_close(model(pixel_values=edited).logits, model(pixel_values=video).logits)


@pytest.mark.parametrize(
    ("frames", "samples", "expected"),
    [
        (6, 3, [2, 3, 4]),
        (5, 3, [1, 2, 4]),
        (4, 8, [0, 1, 2, 3]),
        (4, 2, [1, 3, 3]),  # scenic's float32 arange: 3 picks
        (32, 16, [2, 4, 6, 8, 9, 11, 13, 15, 17, 19, 21, 23, 24, 26, 28, 30]),
    ],
)
def test_uniform_frame_sampling_rounds_half_to_even(frames, samples, expected):
    assert vivit_hf.uniform_frame_indices(frames, samples) == expected


def test_uniform_frame_sampling_is_numpys_float32_arange_in_plain_python():
    """The rule runs in plain Python (numpy and `.tolist()` broke `torch.compile`'s graph); its picks stay those of
    scenic's numpy/jax float32 arange for every count, round-off quirks included."""

    def numpy_rule(frames, samples):  # the rule as it was written, after scenic's `sample_frames_uniformly`
        step = frames / (samples + 1) if samples < frames else 1
        positions = np.arange(step if samples < frames else 0, frames, step, dtype=np.float32)
        return np.minimum(np.round(positions).astype(np.int64), frames - 1).tolist()

    for frames in range(1, 65):  # float64 arithmetic already differs at 13 frames, 11 samples
        for samples in range(1, frames + 2):
            picks = numpy_rule(frames, samples)
            assert vivit_hf.uniform_frame_indices(frames, samples) == picks, (frames, samples)
            assert uniform_frame_count(frames, samples) == len(picks), (frames, samples)  # (the grid's count alone)


def test_stochastic_depth_follows_scenic():
    assert drop_path_schedule(0.3, 4) == pytest.approx([0.0, 0.1, 0.2, 0.3])
    assert drop_path_schedule(0.3, 1) == [0.0]
    layer = StochasticDepth(0.5).train()
    branch = torch.randn(4000, 3, 2) + 5
    dropped = layer(branch)
    kept = (dropped != 0).all(-1).all(-1)
    assert ((dropped == 0).all(-1).all(-1) | kept).all()  # whole examples dropped or kept
    torch.testing.assert_close(dropped[kept], branch[kept])  # kept branches are not rescaled
    assert 0.45 < kept.float().mean() < 0.55
    assert torch.equal(layer.eval()(branch), branch)
    model = tiny("spatio_temporal", num_hidden_layers=3, drop_path_rate=0.2)
    assert [layer.drop_path.rate for layer in model.vivit.encoder.layers] == pytest.approx([0.0, 0.1, 0.2])


def test_factorised_encoders_spatial_encoder_draws_each_random_mask_once_for_all_frames_of_a_clip():
    """scenic runs Model 2's spatial encoder under `jax.vmap` over time with unbatched dropout keys, so a block that
    stochastic depth drops for a clip is dropped for each of its frames, and every dropout mask (after the position
    embeddings, on the attention weights, after the attention, in the MLP) is the same for each frame, while clips
    draw their own. Drawn per frame, the frames of a still clip (one frame repeated) came out of the spatial encoder
    different: stochastic depth alone (rate 0.9: frames up to 0.93 apart), dropout 0.5 alone (up to 5.1 apart) and
    attention dropout 0.5 alone (up to 0.89 apart, sdpa and eager alike). Any one mask drawn per frame fails this."""
    rates = dict(drop_path_rate=0.9, hidden_dropout_prob=0.5, attention_probs_dropout_prob=0.5)
    # (sdpa: its attention dropout cannot share a mask; the temporal encoder only costs time here)
    model = tiny("factorised_encoder", num_temporal_layers=1, **rates).train()
    frames = []
    model.vivit.spatial_encoder.register_forward_hook(lambda module, args, output: frames.append(output[0]))
    torch.manual_seed(3)
    model(pixel_values=clip(batch=1, frames=1).repeat(6, 4, 1, 1, 1))  # 6 copies of one still clip
    per_clip = frames[0].unflatten(0, (6, 2))  # (clips, temporal indices, tokens, d): the spatial encoder's output
    torch.testing.assert_close(per_clip[:, 0], per_clip[:, 1])
    assert per_clip[:, 0].std(0).mean() > 1e-3  # the clips drew their own masks
    # the shared mask itself: whole groups kept or dropped together, kept values scaled by 1 / (1 - p), as torch's
    dropped = clip_dropout(torch.ones(4000, 2, 3), 0.25, True, group=4).unflatten(0, (1000, 4))
    assert (dropped == dropped[:, :1]).all() and dropped.unique().tolist() == [0.0, pytest.approx(4 / 3)]
    assert 0.72 < (dropped > 0).float().mean() < 0.78
    # p = 1 (a module's p set by hand) drops every value as F.dropout does: it was NaN (a mask of zeros over 1 - p)
    x = torch.randn(8, 2, 3)
    torch.testing.assert_close(clip_dropout(x, 1.0, True, group=4), torch.nn.functional.dropout(x, 1.0, True))


# ---------------------------------------------------------------------------------------------- bad configs
BAD_CONFIGS = [
    # Sizes that are not multiples of the tubelet are accepted (scenic drops the leftovers); none at all is not.
    ("spatio_temporal", dict(num_frames=1), "num_frames"),
    ("spatio_temporal", dict(image_size=6), "image_size"),
    ("spatio_temporal", dict(image_size=[32, 4]), "image_size"),
    ("factorised_self_attention", dict(classifier="token"), "classifier"),
    ("factorised_dot_product", dict(classifier="token"), "classifier"),
    ("factorised_self_attention", dict(classifier="0"), "classifier"),
    ("factorised_dot_product", dict(classifier="0"), "classifier"),
    ("spatio_temporal", dict(hidden_size=0), "hidden_size"),
    ("spatio_temporal", dict(num_hidden_layers=-1), "num_hidden_layers"),
    ("spatio_temporal", dict(tubelet_size=[2, 0, 8]), "tubelet_size"),
    ("spatio_temporal", dict(intermediate_size=0), "intermediate_size"),
    ("spatio_temporal", dict(classifier="cls"), "classifier"),
    ("spatio_temporal", dict(embedding_type="conv"), "embedding_type"),
    ("factorised_self_attention", dict(attention_order="spacetime"), "attention_order"),
    ("factorised_encoder", dict(num_temporal_layers=-2), "num_temporal_layers"),
    ("factorised_encoder", dict(spatial_only_baseline=True), "num_temporal_layers=0"),
    ("factorised_encoder", dict(spatial_only_baseline="yes", num_temporal_layers=0), "spatial_only_baseline"),
    ("spatio_temporal", dict(drop_path_rate=1.5), "drop_path_rate"),
    ("spatio_temporal", dict(label_spaces={"noun": 0}), "label_spaces"),
]


@pytest.mark.parametrize(("name", "overrides", "field"), BAD_CONFIGS)
def test_invalid_config_names_the_field(name, overrides, field):
    with pytest.raises(ValueError, match=field):
        VIVIT_MODELS[name][0](**{**TINY, **overrides})


# Head counts the attention cannot split the width into: refused when the model is built
HEADS_THAT_DO_NOT_SPLIT = [
    ("spatio_temporal", dict(hidden_size=30), r"`hidden_size` \(30\) is not divisible by `num_attention_heads` \(4\)"),
    ("factorised_encoder", dict(temporal_num_attention_heads=7), r"`temporal_num_attention_heads` \(7\)"),
    ("factorised_dot_product", dict(num_attention_heads=3, hidden_size=33), r"`num_attention_heads` \(3\) must be"),
]


@pytest.mark.parametrize(("name", "overrides", "message"), HEADS_THAT_DO_NOT_SPLIT)
def test_heads_that_do_not_split_the_width_are_refused_by_the_model(name, overrides, message, tmp_path):
    """As transformers' configs (its `ConfigTester` builds a width of 37 against the default 12 heads), the config
    takes them and round-trips them; the model refuses them when it is built, naming both values, as ViT does."""
    config_class, model_class, classifier_class = VIVIT_MODELS[name]
    config = config_class(**{**TINY, **overrides})
    config.save_pretrained(tmp_path)
    assert config_class.from_pretrained(tmp_path).to_dict() == config.to_dict()
    with pytest.raises(ValueError, match=message):
        model_class(config)
    with pytest.raises(ValueError, match=message):
        config.check_head_counts()
    # a checkpoint loaded with the head count as a keyword (transformers sets it on the loaded config): Model 4 with
    # num_attention_heads=3 would run one time head and two space heads
    tiny(name).save_pretrained(tmp_path / "trained")
    with pytest.raises(ValueError, match=message):
        classifier_class.from_pretrained(tmp_path / "trained", **overrides)


@pytest.mark.parametrize("name", VARIANTS)
def test_a_config_of_an_earlier_versions_remote_code_copy_builds_the_model(
    name, tmp_path, hf_modules_cache, monkeypatch
):
    """A folder's `trust_remote_code` config is the same variant as vivit_hf's (`check_config_class`), but the copy an
    earlier version saved has no `check_head_counts`: `from_pretrained(folder, config=its config)` failed with an
    AttributeError. It loads, answering as the folder loaded alone; heads that do not split are still refused."""
    monkeypatch.setattr(dynamic_module_utils, "HF_MODULES_CACHE", str(hf_modules_cache))
    config_class, _, classifier_class = VIVIT_MODELS[name]
    model = tiny(name)
    model.save_pretrained(tmp_path)
    code = tmp_path / "configuration_vivit.py"  # as the earlier version's copy: without the method
    code.write_text(code.read_text().replace("def check_head_counts(", "def _not_yet_check_head_counts("))
    remote = dynamic_module_utils.get_class_from_dynamic_module(
        f"configuration_vivit.{config_class.__name__}", tmp_path
    )
    config = remote.from_pretrained(tmp_path)
    assert type(config) is not config_class and not hasattr(config, "check_head_counts")
    loaded = classifier_class.from_pretrained(tmp_path, config=config).eval()
    with torch.no_grad():
        torch.testing.assert_close(loaded(pixel_values=clip()).logits, model(pixel_values=clip()).logits)
    with pytest.raises(ValueError, match=r"`hidden_size` \(30\) is not divisible by `num_attention_heads` \(4\)"):
        classifier_class(remote(**{**TINY, "hidden_size": 30}))


@pytest.mark.parametrize("classifier", ["0", "gap", "gmp", "gsp"])
@pytest.mark.parametrize("name", VARIANTS)
def test_poolings_without_a_cls_token(name, classifier):
    """scenic's CLS-free classifiers: '0' takes the first patch token; gap / gmp / gsp mean / max / sum."""
    if classifier == "0" and name in ("factorised_self_attention", "factorised_dot_product"):
        return  # refused (BAD_CONFIGS)
    model = tiny(name, classifier=classifier)
    assert not any("cls_token" in key for key in model.state_dict())
    with torch.no_grad():
        out = model.vivit(pixel_values=clip(), output_hidden_states=True)
    reduce = {"0": lambda x: x[:, 0], "gap": lambda x: x.mean(1), "gmp": lambda x: x.amax(1), "gsp": lambda x: x.sum(1)}
    torch.testing.assert_close(out.pooler_output, reduce[classifier](out.last_hidden_state))
    if name == "factorised_encoder":  # the frame summaries fed to the temporal encoder are pooled the same way
        encoder = model.vivit.temporal_encoder
        spatial_last = model.vivit.spatial_encoder.layernorm(out.hidden_states[model.config.num_hidden_layers])
        summaries = reduce[classifier](spatial_last).unflatten(0, (clip().shape[0], -1))
        assert summaries.shape[1] == model.config.token_grid[0]
        with torch.no_grad():
            expected, _, _ = encoder(summaries, model.config.token_grid[:1])
        torch.testing.assert_close(out.last_hidden_state, expected)


def test_defaults_are_vivit_b_16x2():
    config = vivit_hf.ViViTFactorisedEncoderConfig()
    assert (config.image_size, config.num_frames, config.tubelet_size) == (224, 32, [2, 16, 16])
    assert (config.hidden_size, config.num_hidden_layers, config.num_attention_heads) == (768, 12, 12)
    assert (config.num_temporal_layers, config.hidden_act, config.layer_norm_eps) == (4, "gelu_pytorch_tanh", 1e-6)
    assert vivit_hf.ViViTFactorisedSelfAttentionConfig().classifier == "gap"
    assert vivit_hf.ViViTSpatioTemporalConfig(image_size=(224, 320)).token_grid == (16, 14, 20)


@pytest.mark.parametrize(
    "saved, other", [("spatio_temporal", "factorised_dot_product"), ("factorised_dot_product", "spatio_temporal")]
)
def test_a_checkpoint_of_one_variant_is_refused_by_another_variants_classes(saved, other, tmp_path):
    """Models 1 and 4 name their weights alike: loaded into the other's class, nothing was missing and only
    transformers' note on the type was printed, while another attention ran over the same weights (logits 0.07
    off). The Auto classes still pick the saved variant."""
    tiny(saved).save_pretrained(tmp_path)
    config_class, model_class, classifier_class = VIVIT_MODELS[other]
    for cls in (config_class, model_class, classifier_class):
        with pytest.raises(ValueError, match=rf"model_type 'vivit_{saved}'.*AutoModelForVideoClassification"):
            cls.from_pretrained(tmp_path)
    assert type(AutoModelForVideoClassification.from_pretrained(tmp_path)) is VIVIT_MODELS[saved][2]
    assert type(VIVIT_MODELS[saved][2].from_pretrained(tmp_path)) is VIVIT_MODELS[saved][2]


@pytest.mark.parametrize(
    "config_name, model_name",
    [(config, model) for config in [*VARIANTS, "base"] for model in VARIANTS if config != model],
)
def test_a_variant_built_on_another_variants_config_is_refused_naming_both(config_name, model_name):
    """Model 1 built on Model 4's config ran, and was saved as Model 4 (the config's model_type): the Auto classes read
    it back as Model 4 with nothing missing, another attention over the trained weights. Other pairs failed with an
    AttributeError ('no attribute attention_order') or a reshape error; the shared base config saved a model_type no
    Auto class knows. Each variant's classes now take only its own config."""
    config_class = vivit_hf.ViViTConfig if config_name == "base" else VIVIT_MODELS[config_name][0]
    config = config_class(**TINY)
    _, model_class, classifier_class = VIVIT_MODELS[model_name]
    for cls in (model_class, classifier_class):
        with pytest.raises(
            ValueError,
            match=rf"{cls.__name__} is built from a {cls.config_class.__name__}, got a "
            rf"{type(config).__name__} \(model_type '{config.model_type}'\)",
        ):
            cls(config)


def test_another_variants_config_given_to_from_pretrained_is_refused(tmp_path):
    """`from_pretrained(path, config=...)` skips the saved model_type check: Model 1's class given Model 4's config ran
    Model 1 over the checkpoint, and saved itself as Model 4."""
    tiny("spatio_temporal", classifier="gap").save_pretrained(tmp_path)
    model_1 = VIVIT_MODELS["spatio_temporal"][2]
    with pytest.raises(ValueError, match="got a ViViTFactorisedDotProductConfig"):
        model_1.from_pretrained(tmp_path, config=vivit_hf.ViViTFactorisedDotProductConfig(**TINY))
    assert type(model_1.from_pretrained(tmp_path)) is model_1


@pytest.mark.parametrize(
    "name, override",
    [
        ("factorised_self_attention", {"attention_order": "space-time"}),  # attended over time only
        ("spatio_temporal", {"embedding_type": "frame_sampled"}),  # ran tubelets
        ("factorised_encoder", {"num_temporal_layers": -1}),
    ],
)
def test_from_pretrained_keywords_are_checked_as_a_new_configs_are(name, override, tmp_path):
    """transformers sets from_pretrained's keywords on the config after it is built, so they skipped the config's
    checks: Model 4 loaded with num_attention_heads=1 ran without time heads, Model 3 with attention_order="space-time"
    without spatial attention. Each keyword now meets the refusal the same value meets in the constructor."""
    tiny(name).save_pretrained(tmp_path)
    config_class, model_class, classifier_class = VIVIT_MODELS[name]
    with pytest.raises(ValueError) as constructor:
        config_class(**{**TINY, **override})
    for load in (config_class.from_pretrained, AutoConfig.from_pretrained, classifier_class.from_pretrained):
        with pytest.raises(ValueError, match=re.escape(str(constructor.value))):
            load(tmp_path, **override)


def test_from_pretrained_keywords_derive_what_the_constructor_derives(tmp_path):
    """`embedding_type="frame_sampling"` over a tubelet checkpoint kept no sampled frame count (the constructor's
    default, `num_frames // tubelet_size[0]`, is derived at construction), and the forward failed on None."""
    tiny("spatio_temporal").save_pretrained(tmp_path)
    config_class, _, classifier_class = VIVIT_MODELS["spatio_temporal"]
    override = {"embedding_type": "frame_sampling", "num_frames": 6}
    loaded = config_class.from_pretrained(tmp_path, **override)
    built = config_class(**{**TINY, **override})
    assert (
        (loaded.num_sampled_frames, loaded.token_grid) == (built.num_sampled_frames, built.token_grid) == (3, (3, 4, 4))
    )
    model = classifier_class.from_pretrained(tmp_path, ignore_mismatched_sizes=True, **override).eval()
    with torch.no_grad():
        assert model(pixel_values=clip(frames=6)).logits.shape == (2, 5)


@pytest.mark.parametrize("name", VARIANTS)
def test_leftover_frames_rows_and_columns_are_dropped_as_a_valid_convolution(name):
    """7 frames of 36x44 in [3, 8, 8] tubelets: the tokens are torch's own VALID Conv3d of the whole clip (which
    ignores the 7th frame, the last 4 rows and the last 4 columns), and the model's input stays (7, 36, 44)."""
    model = tiny(name, num_frames=7, image_size=[36, 44], tubelet_size=[3, 8, 8]).eval()
    video = torch.randn(1, 7, 3, 36, 44, generator=torch.Generator().manual_seed(0))
    projection = model.vivit.token_embedding.projection
    expected = torch.nn.functional.conv3d(video.transpose(1, 2), projection.weight, projection.bias, stride=(3, 8, 8))
    tokens = model.vivit.token_embedding(video)
    assert tokens.shape == (1, 2, 4, 5, 32)
    torch.testing.assert_close(tokens, expected.permute(0, 2, 3, 4, 1), rtol=1e-5, atol=1e-5)
    changed = video.clone()
    changed[:, 6], changed[..., 32:, :], changed[..., 40:] = 9.0, 9.0, 9.0  # only what fills no tubelet
    with torch.no_grad():
        torch.testing.assert_close(model(pixel_values=changed).logits, model(pixel_values=video).logits)
    with pytest.raises(ValueError, match=r"\(batch, 7, 3, 36, 44\)"):
        model(pixel_values=video[..., :32, :40])


def test_model_1_frame_sampling_patches_the_sampled_frames_stacked_along_the_height():
    """scenic stacks the sampled frames along the height and patches once: with H = 36 and 8x8 patches the 3 frames
    (2, 3, 4 of 6) make a 108 x 32 image of 13 x 4 patches, some straddling two frames, so 52 tokens."""
    model = tiny(
        "spatio_temporal", embedding_type="frame_sampling", num_frames=6, num_sampled_frames=3, image_size=[36, 32]
    ).eval()
    assert model.config.token_grid == (1, 13, 4)
    assert model.vivit.encoder.position_embeddings.shape == (1, 1 + 52, 32)
    video = clip(batch=1, frames=6, size=32)
    video = torch.cat([video, video[..., :4, :]], dim=3)  # 36 rows
    stacked = torch.cat([video[:, i] for i in (2, 3, 4)], dim=2)  # (1, 3, 108, 32), frame after frame
    projection = model.vivit.token_embedding.projection
    expected = torch.nn.functional.conv2d(stacked, projection.weight, projection.bias, stride=8)  # VALID: 13 x 4
    tokens = model.vivit.token_embedding(video)
    assert tokens.shape == (1, 1, 13, 4, 32)
    torch.testing.assert_close(tokens[0, 0], expected[0].permute(1, 2, 0), rtol=1e-5, atol=1e-5)
    with torch.no_grad():
        assert model(pixel_values=video).logits.shape == (1, 5)


@pytest.mark.parametrize("name", [v for v in VARIANTS if v != "spatio_temporal"])
def test_frame_sampling_with_patches_straddling_frames_is_refused_by_models_2_to_4(name):
    """Refused in one wording whether `image_size` asks for such a height (the config) or the frames given have it
    (at another size, `interpolate_pos_encoding=True`): the two said it in other words."""
    sampling = dict(embedding_type="frame_sampling", num_frames=6, num_sampled_frames=3)
    model_name = type(tiny(name, **sampling).config).__name__.removesuffix("Config")
    rows = "tokens" if name in ("factorised_self_attention", "factorised_dot_product") else "patch rows"
    said = re.escape(
        "a height of 36 pixels is not a multiple of the patch height 8: frame sampling stacks the 3 sampled frames "
        f"along the height and patches them at once, so some patches straddle two frames, and their {rows} do not "
        f"split evenly among the 3 frames, which {model_name} needs (scenic's fails there too); use frames "
        "(`image_size`) of a height that is a multiple of 8."
    )
    with pytest.raises(ValueError, match=said):
        tiny(name, **sampling, image_size=[36, 32])
    video = torch.cat([clip(batch=1, frames=6, size=32)] * 2, dim=3)[..., :36, :]  # frames of 36 x 32
    with pytest.raises(ValueError, match=said):
        tiny(name, **sampling).eval()(pixel_values=video, interpolate_pos_encoding=True)


@pytest.mark.parametrize("name", VARIANTS)
def test_frame_sampling_of_a_height_that_is_a_patch_multiple_patches_each_frame_on_its_own(name):
    """The stacked image's patches then never straddle: each token is its own frame's ViT patch (torch's conv2d)."""
    model = tiny(name, embedding_type="frame_sampling", num_frames=6, num_sampled_frames=3).eval()
    video = clip(batch=2, frames=6)
    projection = model.vivit.token_embedding.projection
    tokens = model.vivit.token_embedding(video)
    for i, frame in enumerate((2, 3, 4)):
        expected = torch.nn.functional.conv2d(video[:, frame], projection.weight, projection.bias, stride=8)
        torch.testing.assert_close(tokens[:, i], expected.permute(0, 2, 3, 1), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", VARIANTS)
def test_frame_sampling_takes_a_mask_with_nothing_padded_as_no_mask(name):
    """A mask of ones (the processor's `pad_to_longest` over clips of equal length, transformers' common tests'
    inputs) changes nothing; a padded frame is still refused, since the sampling would spread over the padding."""
    model = tiny(name, embedding_type="frame_sampling", num_frames=6, num_sampled_frames=3)
    video = clip(frames=6)
    with torch.no_grad():
        torch.testing.assert_close(
            model(pixel_values=video, attention_mask=torch.ones(2, 6, dtype=torch.long)).logits,
            model(pixel_values=video).logits,
            rtol=0,
            atol=0,
        )
    with pytest.raises(ValueError, match="with padded frames needs tubelet embedding"):
        model(pixel_values=video, attention_mask=torch.tensor([[1] * 6, [1] * 4 + [0] * 2]))
    with pytest.raises(ValueError, match=r"\(batch, frames\) = \(2, 6\), got \(2, 5\)"):
        model(pixel_values=video, attention_mask=torch.ones(2, 5))


@pytest.mark.parametrize("name", VARIANTS)
def test_resize_token_embeddings_is_refused_saying_what_to_use(name):
    """transformers' `resize_token_embeddings` failed with "'TubeletEmbedding' object has no attribute 'weight'"
    (the input embedding is a tubelet convolution, no vocabulary); refused naming what changes classes or sizes,
    with the model as it was."""
    for model in (tiny(name), tiny(name).vivit):
        before = {k: v.clone() for k, v in model.state_dict().items()}
        with pytest.raises(NotImplementedError, match="no token embeddings to resize") as refusal:
            model.resize_token_embeddings(10)
        assert "num_labels=N, ignore_mismatched_sizes=True" in str(refusal.value)
        assert "interpolate_pos_encoding=True" in str(refusal.value)
        assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_a_config_given_another_models_model_type_is_named_by_the_model():
    """`Config(**transformers' VivitConfig().to_dict())` keeps model_type 'vivit' on the instance (as transformers'
    own configs keep a stray model_type); the model refused it as "built from a ViViTSpatioTemporalConfig, got a
    ViViTSpatioTemporalConfig", which named no problem."""
    from transformers import VivitConfig

    reference = VivitConfig(image_size=32, num_frames=4, tubelet_size=[2, 8, 8], hidden_size=32, num_hidden_layers=1)
    config = VIVIT_MODELS["spatio_temporal"][0](**{**reference.to_dict(), "num_attention_heads": 4})
    assert config.model_type == "vivit"  # transformers' rule for a stray keyword, kept
    with pytest.raises(ValueError, match=r"built with model_type='vivit', another model's .* without `model_type`"):
        VIVIT_MODELS["spatio_temporal"][2](config)


def test_a_head_mask_is_refused_rather_than_ignored():
    """transformers 4's ViViT applied `head_mask`; transformers 5 dropped it and these models passed it on to kernels
    that ignore it, returning the unmasked output. It is refused, naming it (the check is the four backbones'
    shared forward)."""
    heads = torch.ones(TINY["num_hidden_layers"], TINY["num_attention_heads"])
    heads[:, 0] = 0
    model = tiny("factorised_dot_product")
    for module in (model, model.vivit):
        with pytest.raises(ValueError, match=r"`head_mask` \(shape \(2, 4\)\) is not applied"):
            module(pixel_values=clip(), head_mask=heads)
    assert model(pixel_values=clip(), head_mask=None).logits.shape == (2, 5)  # None, as older callers pass it
