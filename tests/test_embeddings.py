# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""`get_video_features`: pooled clip embeddings, optionally L2-normalised, averaged over views; the processor path."""

import numpy as np
import pytest
import torch
from test_models import VARIANTS, clip, tiny

from vivit_hf import ViViTVideoProcessor


@pytest.mark.parametrize("name", VARIANTS)
def test_features_are_the_pooled_output(name):
    model = tiny(name)
    with torch.no_grad():
        features = model.get_video_features(clip()).pooler_output
        pooled = model.vivit(pixel_values=clip()).pooler_output
        normalised = model.get_video_features(clip(), normalize=True).pooler_output
    assert features.shape == (2, model.config.hidden_size)
    torch.testing.assert_close(features, pooled, rtol=0, atol=0)
    torch.testing.assert_close(normalised.norm(dim=-1), torch.ones(2))
    torch.testing.assert_close(normalised, features / features.norm(dim=-1, keepdim=True))


@pytest.mark.parametrize("name", VARIANTS)
def test_views_of_a_video_are_averaged(name):
    model = tiny(name).vivit
    views = clip(batch=6)  # 2 videos x 3 views, each video's views side by side
    with torch.no_grad():
        per_view = model.get_video_features(views).pooler_output
        per_video = model.get_video_features(views, num_views=3).pooler_output
        unit = model.get_video_features(views, num_views=3, normalize=True).pooler_output
    torch.testing.assert_close(per_video, per_view.reshape(2, 3, -1).mean(1))
    torch.testing.assert_close(unit, torch.nn.functional.normalize(per_video, dim=-1))


def test_a_view_count_that_cannot_split_the_views_is_refused():
    """num_views 0 or -1 returned each view's embedding unaveraged, as if each view were a video; 4 views of 6 clips
    failed in `unflatten` after the whole forward."""
    model = tiny("spatio_temporal").vivit
    views = clip(batch=6)
    for num_views in (0, -1, 2.0, True):
        with pytest.raises(ValueError, match=r"num_views must be a whole number >= 1 \(views per video\), got"):
            model.get_video_features(views, num_views=num_views)
    with pytest.raises(ValueError, match=r"num_views=4 does not divide the 6 clips of `pixel_values`"):
        model.get_video_features(views, num_views=4)


def test_features_of_padded_clips_equal_their_own():
    model = tiny("factorised_self_attention", num_frames=8)
    videos = clip(batch=2, frames=8)
    mask = torch.tensor([[1] * 8, [1] * 4 + [0] * 4])
    with torch.no_grad():
        batched = model.get_video_features(videos, attention_mask=mask).pooler_output
        short = model.get_video_features(videos[1:, :4]).pooler_output
    torch.testing.assert_close(batched[1:], short, rtol=0, atol=1e-5)


def test_features_through_the_processor_with_multi_view():
    processor = ViViTVideoProcessor(
        num_frames=4, size={"shortest_edge": 36}, crop_size={"height": 32, "width": 32}, frame_stride=1
    )
    video = np.random.default_rng(0).integers(0, 255, (12, 40, 48, 3), dtype=np.uint8)
    inputs = processor(
        [video, video[::-1].copy()], do_sample_frames=True, num_clips=2, num_crops=3, return_tensors="pt"
    )
    assert inputs["pixel_values"].shape == (12, 4, 3, 32, 32)
    model = tiny("spatio_temporal")
    with torch.no_grad():
        embeddings = model.get_video_features(**inputs, num_views=6, normalize=True).pooler_output
    assert embeddings.shape == (2, 32)
    torch.testing.assert_close(embeddings.norm(dim=-1), torch.ones(2))


def test_features_as_a_tuple_without_return_dict():
    model = tiny("factorised_encoder")
    with torch.no_grad():
        outputs = model.get_video_features(clip(), return_dict=False)
    assert isinstance(outputs, tuple) and outputs[1].shape == (2, 32)


def test_bfloat16_views_are_averaged_and_normalised_in_float32():
    """A bfloat16 model's embeddings are the float32 mean (and unit vector) of its per-view embeddings, rounded once
    to bfloat16: normalised in bfloat16 the norm was rounded before the division rounded again, one bf16 ulp off on 68
    of these 256 components (up to 2e-3). (torch's bfloat16 mean already sums in float32: the average alone was
    right.) Returned in the model's dtype, as `last_hidden_state` is."""
    model = tiny("spatio_temporal", hidden_size=64, intermediate_size=128).vivit.to(torch.bfloat16)
    views = clip(batch=16).to(torch.bfloat16)  # 4 videos x 4 views
    with torch.no_grad():
        per_view = model.get_video_features(views).pooler_output
        averaged = model.get_video_features(views, num_views=4).pooler_output
        unit = model.get_video_features(views, num_views=4, normalize=True).pooler_output
    reference = per_view.float().unflatten(0, (4, 4)).mean(dim=1)
    assert averaged.dtype == unit.dtype == torch.bfloat16
    torch.testing.assert_close(averaged, reference.to(torch.bfloat16), rtol=0, atol=0)
    torch.testing.assert_close(
        unit, torch.nn.functional.normalize(reference, dim=-1).to(torch.bfloat16), rtol=0, atol=0
    )


@pytest.mark.parametrize("name", VARIANTS)
def test_tokens_lie_in_the_documented_time_height_width_order(name):
    """docs/models.md "Token features": the tubelet at grid cell (i, j, k) is token i * h * w + j * w + k after any
    CLS token (Model 2: each temporal index's spatial tokens, folded sample-major). Changing the pixels of one tubelet
    off every diagonal changes the embedding (the blocks' input, before attention mixes the tokens) at that cell
    alone; a grid read (t, w, h) or (h, w, t) would put the change elsewhere."""
    model = tiny(name).vivit
    t, h, w = model.config.token_grid
    frames, height, width = model.config.tubelet_size
    assert (t, h, w) == (2, 4, 4)  # (a grid where i, j and k cannot be confused needs the cell below)
    i, j, k = 1, 0, 2
    video = clip(batch=1)
    changed = video.clone()
    changed[:, i * frames : (i + 1) * frames, :, j * height : (j + 1) * height, k * width : (k + 1) * width] += 1.0
    with torch.no_grad():
        states = [model(pixel_values=v, output_hidden_states=True).hidden_states[0] for v in (video, changed)]
    per_clip = t * h * w if states[0].shape[0] == 1 else h * w
    grids = [s[:, s.shape[1] - per_clip :].reshape(1, t, h, w, -1) for s in states]
    moved = (grids[1] - grids[0]).abs().amax(-1) > 1e-6
    assert moved.nonzero().tolist() == [[0, i, j, k]]
