# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Attention rollout: a (t, h, w) saliency volume per clip from the joint (Model 1) and factorised (2-4) attention."""

import functools
import re
import weakref

import numpy as np
import pytest
import torch
from PIL import Image
from test_attention_mask import padded_batch
from test_models import VARIANTS, clip, tiny
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_leaves

from vivit_hf.interpret import saliency_overlay, upsample_saliency
from vivit_hf.models import modeling_blocks

GRID = (2, 4, 4)  # the tiny configs' token grid: t = 2, s = 16; with CLS, key sets of 2, 3, 16, 17, 32 and 33
TARGET = (1, 2, 3)  # the tubelet the forced attention points at


def forced_attention(choose_key):
    """An eager kernel whose every query attends to the one key `choose_key(num_keys)` alone."""

    def attention(module, query, key, value, attention_mask, scaling, dropout=0.0, **kwargs):
        n = key.shape[2]
        weights = torch.zeros(*query.shape[:3], n)
        weights[..., choose_key(n)] = 1.0
        return torch.matmul(weights, value).transpose(1, 2), weights

    return attention


def target_key(n):
    """The key of TARGET in every key set the models attend over (after the CLS token where there is one)."""
    t, s = TARGET[0], TARGET[1] * GRID[2] + TARGET[2]
    return {2: t, 3: 1 + t, 16: s, 17: 1 + s, 32: t * 16 + s, 33: 1 + t * 16 + s}[n]


def classifiers(name):
    return ["token", "gap"] if name in ("spatio_temporal", "factorised_encoder") else ["gap"]


CASES = [(name, classifier) for name in VARIANTS for classifier in classifiers(name)]


@pytest.mark.parametrize(("name", "classifier"), CASES)
def test_uniform_attention_gives_a_uniform_map(name, classifier, monkeypatch):
    """Uniform maps roll out to a uniform saliency: the one exact value a `gap` model's rollout has (the head means
    taken as each block returns its maps must be the maps' own mean)."""
    model = tiny(name, classifier=classifier)
    monkeypatch.setattr(modeling_blocks, "eager_attention_forward", forced_attention(lambda n: None))
    saliency = model.attention_rollout(clip())
    assert saliency.shape == (2, *GRID)
    torch.testing.assert_close(saliency, torch.full_like(saliency, 1 / 32))


@pytest.mark.parametrize(("name", "classifier"), CASES)
def test_attention_forced_to_one_token_gives_that_token(name, classifier, monkeypatch):
    model = tiny(name, classifier=classifier)
    monkeypatch.setattr(modeling_blocks, "eager_attention_forward", forced_attention(target_key))
    saliency = model.attention_rollout(clip())
    for volume in saliency:
        assert torch.unravel_index(volume.argmax(), GRID) == TARGET
    if classifier == "token":  # from the CLS row every path leads to the target: all of the mass
        torch.testing.assert_close(saliency[:, TARGET[0], TARGET[1], TARGET[2]], torch.ones(2))


@pytest.mark.parametrize("name", VARIANTS)
def test_rollout_of_a_trained_shape_model_is_a_distribution(name):
    model = tiny(name)
    saliency = model.attention_rollout(clip(), add_residual=False)
    assert (saliency >= 0).all()
    torch.testing.assert_close(saliency.flatten(1).sum(1), torch.ones(2))
    torch.testing.assert_close(model.vivit.attention_rollout(clip(), add_residual=False), saliency)


class LiveTensorBytes(TorchDispatchMode):
    """The bytes of the tensors made under it alive at once, at their peak: a storage counts from the op that makes
    it until it is freed (`known` tensors' storages, and views of them, never count)."""

    def __init__(self, *known):
        super().__init__()
        self.storages = weakref.WeakSet(t.untyped_storage() for t in known)
        self.live = self.peak = 0

    def _free(self, nbytes):
        self.live -= nbytes

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        for tensor in tree_leaves(out):
            if isinstance(tensor, torch.Tensor) and tensor.untyped_storage() not in self.storages:
                storage = tensor.untyped_storage()
                self.storages.add(storage)
                self.live += storage.nbytes()
                self.peak = max(self.peak, self.live)
                weakref.finalize(storage, self._free, storage.nbytes())
        return out


@pytest.mark.parametrize("name", VARIANTS)
def test_rollout_keeps_one_blocks_per_head_maps_and_the_head_means(name):
    """Rollout reads each map's head mean only, yet its forward kept every block's per-head maps until the end
    (ViViT-B Model 1 at 32x224x224: 5.7 GB per clip). Its peak is now at most an eager forward's, one block's per-head
    maps (held until the block has used them) and the head means of every block; a plain `output_attentions=True`
    forward still gives the per-head maps. Eight heads over 33 tokens, so the maps outweigh the activations."""
    sizes = dict(num_attention_heads=8, num_hidden_layers=3, image_size=16, tubelet_size=[2, 4, 4])
    model = tiny(name, attn_implementation="eager", **sizes)
    video = clip(batch=1, size=16)
    known = [*model.parameters(), *model.buffers(), video]
    with torch.no_grad(), LiveTensorBytes(*known) as forward:
        model(video)
    with LiveTensorBytes(*known) as rollout:
        model.attention_rollout(video)
    with torch.no_grad():
        maps = model(video, output_attentions=True).attentions
    assert {a.shape[1] for a in maps} == ({4} if name == "factorised_dot_product" else {8})
    one_block = sum(a.nbytes for a in maps) // 3
    head_means = sum(a.nbytes // a.shape[1] for a in maps)
    assert rollout.peak <= forward.peak + one_block + head_means, (rollout.peak, forward.peak, one_block, head_means)


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_eager_attention_without_a_graph_holds_one_copy_of_the_maps_and_gives_the_same_bits(dtype):
    """The eager kernel (rollout's, `output_attentions`') held the scores and the softmaxed weights at once: twice one
    block's per-head maps (ViViT-B Model 1 at 32x224x224: 0.94 GB), five times in bfloat16 (float32 softmax). Without
    a graph they are now scaled, masked and softmaxed in place a head at a time, to the same bits; with one, as
    before (autograd keeps the softmax's output)."""
    generator = torch.Generator().manual_seed(0)
    query, key, value = (torch.randn(2, 8, 60, 16, generator=generator).to(dtype) for _ in range(3))
    mask = modeling_blocks.attention_bias(torch.arange(60).expand(2, -1) < torch.tensor([[60], [45]]), dtype)
    module = torch.nn.Module().eval()
    scores = torch.matmul(query, key.transpose(-1, -2)) * 0.25 + mask
    expected = torch.nn.functional.softmax(scores, dim=-1, dtype=torch.float32).to(dtype)
    with torch.no_grad(), LiveTensorBytes(query, key, value, mask) as live:
        output, weights = modeling_blocks.eager_attention_forward(module, query, key, value, mask, 0.25)
    assert torch.equal(weights, expected) and torch.equal(output, torch.matmul(expected, value).transpose(1, 2))
    assert live.peak <= 1.5 * weights.nbytes, live.peak / weights.nbytes  # (was 2 and 5; a head's float32 apart)
    query.requires_grad_()
    output, weights = modeling_blocks.eager_attention_forward(module, query, key, value, mask, 0.25)
    assert torch.equal(weights, expected) and weights.grad_fn is not None
    # `scaling` left out is 1 / sqrt(head_dim), 0.25 here, as transformers' kernels default it (it was required)
    assert torch.equal(modeling_blocks.eager_attention_forward(module, query, key, value, mask)[1], expected)


@pytest.mark.parametrize("name", VARIANTS)
def test_rollout_of_a_model_in_training_mode_is_its_eval_saliency_and_keeps_its_modes(name):
    """The saliency describes the model, not one draw of its dropout: in training mode attention dropout and
    stochastic depth gave another saliency on every call. Each module's mode (a frozen stem left in eval) is kept."""
    model = tiny(name, attention_probs_dropout_prob=0.5, hidden_dropout_prob=0.5, drop_path_rate=0.5)
    expected = model.attention_rollout(clip())  # `tiny` is in eval mode
    model.train()
    model.vivit.token_embedding.eval()
    torch.testing.assert_close(model.attention_rollout(clip()), expected, rtol=0, atol=0)
    modes = {name: module.training for name, module in model.named_modules()}
    assert modes.pop("vivit.token_embedding") is False and modes.pop("vivit.token_embedding.projection") is False
    assert all(modes.values())


@pytest.mark.parametrize("name", VARIANTS)
def test_padded_tubelets_have_no_saliency(name):
    model = tiny(name, num_frames=8)
    _, padded, mask = padded_batch([8, 5])
    saliency = model.attention_rollout(padded, attention_mask=mask)
    assert saliency.shape == (2, 4, 4, 4)
    assert saliency[1, 2:].abs().max() == 0 and saliency[1, :2].min() > 0
    torch.testing.assert_close(saliency.flatten(1).sum(1), torch.ones(2))


def test_saliency_upsamples_tubelet_by_tubelet():
    saliency = torch.zeros(2, 4, 4)
    saliency[1, 2, 3] = 1.0
    volume = upsample_saliency(saliency, (2, 8, 8), frames=5, height=33, width=32)
    assert volume.shape == (5, 33, 32)
    assert volume[2:4, 16:24, 24:32].min() == 1 and volume.sum() == 2 * 8 * 8  # leftovers (frame 4, row 32) are 0


def test_frame_sampling_saliency_is_drawn_on_the_frames_the_model_picks():
    """Uniform frame sampling picks frames 3, 5 and 7 of 8 (scenic's rule, 2 samples): spread as tubelets of
    `tubelet_size` [2, 16, 16], a token of frame 5 was drawn on frames 2 and 3, and frame 2 the model never sees."""
    model = tiny(
        "spatio_temporal", num_frames=8, tubelet_size=[2, 16, 16], embedding_type="frame_sampling", num_sampled_frames=2
    )
    video = clip(batch=1, frames=8)
    changed = video.clone()
    changed[0, [0, 1, 2, 4, 6]] += 1.0  # frames the model does not see: its output stays
    with torch.no_grad():
        torch.testing.assert_close(model(video).logits, model(changed).logits, rtol=0, atol=0)
        assert not torch.equal(model(video).logits, model(video.index_fill(1, torch.tensor([5]), 0.0)).logits)
    one = torch.zeros(3, 2, 2)
    one[1, 0, 1] = 1.0  # the second picked frame's top-right patch
    volume = upsample_saliency(one, model.config, frames=8, height=32, width=32)
    assert volume[5, :16, 16:].min() == 1 and volume.sum() == 16 * 16  # frame 5 alone
    with pytest.raises(ValueError, match=r"saliency of shape \(3, 2, 2\) is not the token grid \(4, 2, 2\).*config"):
        upsample_saliency(one, model.config.tubelet_size, frames=8, height=32, width=32)
    image = saliency_overlay(video[0], model.attention_rollout(video)[0], model.config)
    assert image.shape == (32, 3 * 32, 3)  # the three frames it sees


def test_frame_sampling_saliency_of_patches_straddling_two_frames_is_split_between_them():
    """24-pixel frames stacked along the height in 16-pixel patches (Model 1 takes them): the second patch row covers
    rows 16-23 of the first picked frame and rows 0-7 of the second."""
    model = tiny(
        "spatio_temporal",
        num_frames=8,
        image_size=[24, 32],
        tubelet_size=[2, 16, 16],
        embedding_type="frame_sampling",
        num_sampled_frames=2,
    )
    assert model.attention_rollout(torch.randn(1, 8, 3, 24, 32)).shape == (1, 1, 4, 2)
    one = torch.zeros(1, 4, 2)
    one[0, 1, 0] = 1.0
    volume = upsample_saliency(one, model.config, frames=8, height=24, width=32)
    assert volume[3, 16:, :16].min() == 1 and volume[5, :8, :16].min() == 1 and volume.sum() == 16 * 16


@pytest.mark.parametrize("name", ["factorised_self_attention", "factorised_dot_product"])
def test_frame_sampling_saliency_of_tokens_split_per_frame_by_count_lands_on_their_patches(name):
    """Models 3 and 4 split a straddling stack's tokens per frame by count, as scenic (3 frames of 10x12 in 4x4
    patches: 7 x 3 patches, 7 tokens a temporal index): a token's saliency is drawn on its patch of the tall image.
    Token 8 is patch row 2, column 2: rows 8-9 of the first picked frame (2) and rows 0-1 of the second (3)."""
    model = tiny(
        name,
        num_frames=6,
        image_size=[10, 12],
        tubelet_size=[1, 4, 4],
        embedding_type="frame_sampling",
        num_sampled_frames=3,
    )
    assert model.config.token_grid == (3, 1, 7)
    assert model.attention_rollout(torch.randn(1, 6, 3, 10, 12)).shape == (1, 3, 1, 7)
    one = torch.zeros(3, 1, 7)
    one[1, 0, 1] = 1.0
    volume = upsample_saliency(one, model.config, frames=6, height=10, width=12)
    assert volume[2, 8:, 8:].min() == 1 and volume[3, :2, 8:].min() == 1 and volume.sum() == 16
    with pytest.raises(ValueError, match=r"saliency of shape \(3, 7, 1\) is not the token grid \(3, 1, 7\)"):
        upsample_saliency(one.reshape(3, 7, 1), model.config, frames=6, height=10, width=12)


@functools.cache
def rolled_out(name):
    """A tiny model's config, one clip and its saliency (1, t, h, w), computed once for the overlay tests."""
    model = tiny(name)
    video = clip(batch=1)
    return model.config, video, model.attention_rollout(video)


def test_overlay_png_of_a_clip(tmp_path):
    config, video, saliency = rolled_out("spatio_temporal")
    image = saliency_overlay(video[0], saliency[0], config.tubelet_size, tmp_path / "saliency.png")
    assert image.shape == (32, 4 * 32, 3) and image.dtype == np.uint8
    with Image.open(tmp_path / "saliency.png") as png:
        assert png.format == "PNG" and png.size == (4 * 32, 32)


def test_overlay_of_a_numpy_clip_or_one_that_requires_grad_is_the_tensors():
    """A numpy clip failed with "'numpy.ndarray' object has no attribute 'float'", one that requires grad (a
    gradient saliency's input) in numpy's conversion."""
    config, video, saliency = rolled_out("spatio_temporal")
    expected = saliency_overlay(video[0], saliency[0], config)
    assert np.array_equal(saliency_overlay(video[0].numpy(), saliency[0], config), expected)
    assert np.array_equal(saliency_overlay(video[0].clone().requires_grad_(), saliency[0], config), expected)


@pytest.mark.parametrize("kind", ["numpy", "requires_grad"])
def test_overlay_of_a_numpy_saliency_or_one_that_requires_grad_is_the_tensors(kind):
    """A saliency computed by hand from a forward's `attentions` with gradients on failed in numpy's conversion
    ("Can't call numpy() on Tensor that requires grad"), a numpy one with "'numpy.ndarray' object has no attribute
    'float'" (a CUDA one, in the same conversion: tests/test_cuda.py)."""
    config, video, saliency = rolled_out("factorised_dot_product")
    expected = saliency_overlay(video[0], saliency[0], config)
    given = saliency[0].numpy() if kind == "numpy" else saliency[0].clone().requires_grad_()
    assert np.array_equal(saliency_overlay(video[0], given, config), expected)


@pytest.mark.parametrize("layout", ["batch", "channels_last"])
def test_overlay_of_anything_but_one_clip_is_refused_naming_its_shape(layout):
    """A batch failed with "too many values to unpack", a (frames, height, width, channels) clip with a saliency said
    not to fit "the token grid (4, 4, 0) of a clip of 8 frames 32x3"."""
    config, video, saliency = rolled_out("spatio_temporal")
    given = video if layout == "batch" else video[0].permute(0, 2, 3, 1)
    shape = re.escape(str(tuple(given.shape)))
    hint = ": pass one clip of the batch" if layout == "batch" else r"\.$"
    with pytest.raises(
        ValueError, match=rf"draws one clip, \(frames, channels, height, width\).*got shape {shape}{hint}"
    ):
        saliency_overlay(given, saliency[0], config)


def test_overlay_of_a_batch_of_saliencies_or_no_frames_is_refused_saying_what_to_pass():
    """A batch's saliency (b, t, h, w) was said not to fit the token grid, "pass the model's config as tubelet_size",
    which had been passed; `max_frames=0` failed in torch's "amin(): Expected reduction dim to be specified"."""
    config, video, saliency = rolled_out("spatio_temporal")
    with pytest.raises(ValueError, match=r"one clip's saliency, \(t, h, w\).*\(1, 2, 4, 4\): pass one clip's saliency"):
        saliency_overlay(video[0], saliency, config)
    with pytest.raises(ValueError, match="max_frames must be a whole number >= 1"):
        saliency_overlay(video[0], saliency[0], config, max_frames=0)
    with pytest.raises(ValueError, match=r"not the token grid \(1, 4, 4\).*2x8x8\.$"):  # the config given: no hint
        saliency_overlay(video[0, :2], saliency[0], config)


def test_pipeline_returns_the_saliency_of_each_view(tmp_path):
    from transformers import pipeline
    from video_factory import write_video

    from vivit_hf import ViViTVideoClassificationPipeline, ViViTVideoProcessor

    model = tiny("factorised_self_attention")
    model.save_pretrained(tmp_path / "model")
    processor = ViViTVideoProcessor(
        num_frames=4, frame_stride=2, size={"shortest_edge": 36}, crop_size={"height": 32, "width": 32}
    )
    processor.save_pretrained(tmp_path / "model")
    video = write_video(tmp_path / "clip.mp4", num_frames=24, height=48, width=64)
    pipe = pipeline(
        "video-classification", model=str(tmp_path / "model"), pipeline_class=ViViTVideoClassificationPipeline
    )
    result = pipe(str(video), num_crops=3, return_saliency=True, top_k=2)
    assert len(result["predictions"]) == 2 and result["predictions"] == pipe(str(video), num_crops=3, top_k=2)
    assert result["saliency"].shape == (3, *GRID)
    torch.testing.assert_close(result["saliency"].flatten(1).sum(1), torch.ones(3))


def recorded_maps(monkeypatch):
    """Every attention call's weights, in the order the model makes them (independent of how it returns them)."""
    calls = []
    real = modeling_blocks.eager_attention_forward

    def record(*args, **kwargs):
        output, weights = real(*args, **kwargs)
        calls.append(weights.detach().double().mean(1))  # heads averaged: (folded batch, n, n)
        return output, weights

    monkeypatch.setattr(modeling_blocks, "eager_attention_forward", record)
    return calls


def full_rollout(matrices, pooled_row):
    """Rollout by hand on whole matrices: `pooled_row @ A'_L @ ... @ A'_1`, `A' = (A + I) / 2`, call order given."""
    v = pooled_row
    for a in reversed(matrices):
        v = v @ (0.5 * (a + torch.eye(a.shape[0], dtype=a.dtype)))
    return v


def pooled_row(n, prefix, classifier):
    row = torch.zeros(prefix + n, dtype=torch.float64)
    if classifier == "token":
        row[0] = 1.0
    else:
        row[prefix:] = 1.0 / n
    return row


def space_matrix(maps, clip_index, t, s):
    """A space map ((b t), s, s) of one clip as the whole (t*s, t*s) matrix: block-diagonal over temporal indices."""
    return torch.block_diag(*(maps[clip_index * t + i] for i in range(t)))


def time_matrix(maps, clip_index, t, s):
    """A time map ((b s), t, t) of one clip as the whole (t*s, t*s) matrix: token i*s + p attends to j*s + p."""
    full = torch.zeros(t * s, t * s, dtype=torch.float64)
    for p in range(s):
        full[p::s, p::s] = maps[clip_index * s + p]
    return full


@pytest.mark.parametrize(
    ("name", "classifier", "order"),
    [(*case, "space_time") for case in CASES] + [("factorised_self_attention", "gap", "time_space")],
)
def test_rollout_equals_rollout_by_hand_on_the_whole_attention_matrices(name, classifier, order, monkeypatch):
    """A trained-shape model's rollout against Abnar & Zuidema's rule computed by hand: every attention call's map
    (recorded as the model makes it) expanded to the whole token-by-token matrix of each clip (a space map block-
    diagonal over temporal indices, a time map linking each spatial position across time, Model 4's two head groups
    averaged with equal weight), multiplied with the residual's identity, read at the pooled row. Two different
    clips, so a fold that mixed up clips or axes would show."""
    overrides = {"attention_order": order} if name == "factorised_self_attention" else {}
    model = tiny(name, classifier=classifier, **overrides)
    calls = recorded_maps(monkeypatch)
    saliency = model.attention_rollout(clip()).double()
    t, s = GRID[0], GRID[1] * GRID[2]
    prefix = 1 if classifier == "token" else 0
    for b in range(2):
        if name == "factorised_encoder":
            spatial_calls = [c for c in calls if c.shape[-1] == prefix + s]
            temporal_calls = [c for c in calls if c.shape[-1] == prefix + t]
            temporal = full_rollout([c[b] for c in temporal_calls], pooled_row(t, prefix, classifier))[prefix:]
            frames = []
            for i in range(t):
                row = full_rollout([c[b * t + i] for c in spatial_calls], pooled_row(s, prefix, classifier))[prefix:]
                frames.append(row / row.sum() * temporal[i] / temporal.sum())
            want = torch.stack(frames)
        else:
            if name == "spatio_temporal":
                matrices = [c[b] for c in calls]
            elif name == "factorised_self_attention":
                matrices = [(space_matrix if c.shape[-1] == s else time_matrix)(c, b, t, s) for c in calls]
            else:  # Model 4: per block a time call then a space call, half the heads each
                matrices = [
                    0.5 * (space_matrix(space, b, t, s) + time_matrix(time, b, t, s))
                    for time, space in zip(calls[0::2], calls[1::2])
                ]
                assert all(c.shape[-1] == t for c in calls[0::2]) and all(c.shape[-1] == s for c in calls[1::2])
            row = full_rollout(matrices, pooled_row(t * s, prefix, classifier))[prefix:]
            want = row / row.sum()
        torch.testing.assert_close(saliency[b], want.reshape(GRID), rtol=1e-5, atol=1e-7)
