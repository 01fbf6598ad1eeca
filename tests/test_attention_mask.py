# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Clips of different lengths in one batch: `attention_mask` over frames, for all four variants and poolings."""

import logging

import pytest
import torch
from test_models import VARIANTS, clip, tiny

POOLINGS = {  # Models 3 and 4 have no CLS token and pool
    "spatio_temporal": ["token", "0", "gap", "gmp", "gsp"],
    "factorised_encoder": ["token", "0", "gap", "gmp", "gsp"],
    "factorised_self_attention": ["gap", "gmp", "gsp"],
    "factorised_dot_product": ["gap", "gmp", "gsp"],
}
CASES = [(name, classifier) for name in VARIANTS for classifier in POOLINGS[name]]
LENGTHS = [8, 4, 3]  # 3 frames: the second tubelet holds a padded frame, so it is padding too


def padded_batch(lengths=LENGTHS, frames=8, pad_value=7.0):
    videos = clip(batch=len(lengths), frames=frames)
    mask = (torch.arange(frames)[None] < torch.tensor(lengths)[:, None]).long()
    padded = torch.where(mask[:, :, None, None, None].bool(), videos, torch.full_like(videos, pad_value))
    return videos, padded, mask


@pytest.mark.parametrize("implementation", ["eager", "sdpa"])
@pytest.mark.parametrize(("name", "classifier"), CASES)
def test_each_clip_of_a_padded_batch_equals_its_own_unpadded_forward(name, classifier, implementation):
    model = tiny(name, classifier=classifier, num_frames=8)
    model.set_attn_implementation(implementation)
    videos, padded, mask = padded_batch()
    with torch.no_grad():
        batched = model(pixel_values=padded, attention_mask=mask).logits
        alone = torch.cat([model(pixel_values=videos[i : i + 1, :n]).logits for i, n in enumerate(LENGTHS)])
    torch.testing.assert_close(batched, alone, rtol=0, atol=1e-5)


@pytest.mark.parametrize("name", VARIANTS)
def test_padded_frames_do_not_matter(name):
    """Whatever the padding holds, the real clips' outputs are the same: padded tubelets are never attended to."""
    model = tiny(name, num_frames=8)
    _, padded, mask = padded_batch()
    noise = torch.where(mask[:, :, None, None, None].bool(), padded, torch.randn_like(padded) * 100)
    with torch.no_grad():
        torch.testing.assert_close(
            model(pixel_values=padded, attention_mask=mask).logits,
            model(pixel_values=noise, attention_mask=mask).logits,
            rtol=0,
            atol=1e-5,
        )


@pytest.mark.parametrize("name", VARIANTS)
def test_a_full_mask_is_the_unmasked_forward_exactly(name):
    model = tiny(name)
    with torch.no_grad():
        plain = model(pixel_values=clip()).logits
        masked = model(pixel_values=clip(), attention_mask=torch.ones(2, 4, dtype=torch.long)).logits
    torch.testing.assert_close(masked, plain, rtol=0, atol=0)


@pytest.mark.parametrize("name", VARIANTS)
def test_a_short_clip_alone_takes_the_first_positions_in_time(name):
    """Without `interpolate_pos_encoding`, a clip of fewer frames than configured runs as it does padded."""
    model = tiny(name, num_frames=8)
    videos, padded, mask = padded_batch([4, 8])
    with torch.no_grad():
        alone = model(pixel_values=videos[:1, :4]).logits
        batched = model(pixel_values=padded, attention_mask=mask).logits[:1]
        resized = model(pixel_values=videos[:1, :4], interpolate_pos_encoding=True).logits
    torch.testing.assert_close(alone, batched, rtol=0, atol=1e-5)
    assert not torch.allclose(alone, resized)  # interpolation stretches the positions instead


def test_a_short_clip_to_a_frame_sampling_model_is_refused_naming_the_frames_it_would_sample():
    """A short clip runs at the trained rate for tubelets (above); uniform frame sampling spread its 4 frames over the
    6 given, frames [1, 2, 4, 5] where its 12-frame clips gave [2, 5, 7, 10], at twice their rate, without a word (a
    padded clip it refuses). `interpolate_pos_encoding=True` runs it, as a model configured for 6 frames does."""
    model = tiny("spatio_temporal", embedding_type="frame_sampling", num_frames=12, num_sampled_frames=4)
    short = clip(batch=1, frames=6)
    with pytest.raises(ValueError, match=r"has 6 frames where .* takes 12: .* frames \[1, 2, 4, 5\] of 6 where its "):
        model(pixel_values=short)
    at_six = tiny("spatio_temporal", embedding_type="frame_sampling", num_frames=6, num_sampled_frames=4)
    at_six.load_state_dict(model.state_dict())
    with torch.no_grad():
        expected = at_six(pixel_values=short).logits
        torch.testing.assert_close(model(pixel_values=short, interpolate_pos_encoding=True).logits, expected)


@pytest.mark.parametrize("name", VARIANTS)
def test_mask_with_interpolated_positions(name):
    """At another size the table is resized to the padded grid, and short clips take its first rows in time."""
    model = tiny(name, num_frames=4)
    videos, padded, mask = padded_batch([8, 6], frames=8)
    with torch.no_grad():
        batched = model(pixel_values=padded, attention_mask=mask, interpolate_pos_encoding=True).logits
        full = model(pixel_values=videos[:1], interpolate_pos_encoding=True).logits
    torch.testing.assert_close(batched[:1], full, rtol=0, atol=1e-5)
    assert torch.isfinite(batched).all()


@pytest.mark.parametrize("name", VARIANTS)
def test_masked_batch_trains(name):
    model = tiny(name, num_frames=8).train()
    _, padded, mask = padded_batch()
    out = model(pixel_values=padded, attention_mask=mask, labels=torch.tensor([0, 1, 2]))
    out.loss.backward()
    assert torch.isfinite(out.loss)
    assert all(torch.isfinite(p.grad).all() for p in model.parameters() if p.grad is not None)


@pytest.mark.parametrize("name", VARIANTS)
def test_padded_tubelets_get_no_attention(name):
    """In every returned map, no query puts weight on a key that belongs to a padded tubelet (of the last clip)."""
    model = tiny(name, num_frames=8, classifier="gap")
    _, padded, mask = padded_batch([8, 8, 3])  # last clip: temporal index 0 real, 1-3 padded
    with torch.no_grad():
        out = model(pixel_values=padded, attention_mask=mask, output_attentions=True)
    t, s = model.config.token_grid[0], model.config.token_grid[1] * model.config.token_grid[2]
    for weights in out.attentions:
        if weights.shape[-1] == t and weights.shape[0] == 3 * s:  # time maps, ((b s), heads, t, t)
            assert weights[2 * s :, :, :, 1:].abs().max() == 0
        elif weights.shape[-1] == t * s:  # joint map over all tokens (Model 1)
            assert weights[2, :, :, s:].abs().max() == 0
        elif weights.shape[-1] == t and weights.shape[0] == 3:  # Model 2's temporal encoder
            assert weights[2, :, :, 1:].abs().max() == 0


def test_flex_attention_takes_the_mask():
    pytest.importorskip("torch.nn.attention.flex_attention")
    model = tiny("spatio_temporal", num_frames=8)
    videos, padded, mask = padded_batch()
    with torch.no_grad():
        reference = model(pixel_values=padded, attention_mask=mask).logits
        try:
            model.set_attn_implementation("flex_attention")
            flex = model(pixel_values=padded, attention_mask=mask).logits
        except Exception as error:  # flex_attention's CPU support varies with the torch build
            pytest.skip(f"flex_attention does not run here: {type(error).__name__}: {str(error)[:200]}")
    torch.testing.assert_close(flex, reference, rtol=0, atol=1e-4)


def test_mask_errors_name_the_fix():
    model = tiny("spatio_temporal")
    with pytest.raises(ValueError, match=r"\(batch, frames\)"):
        model(pixel_values=clip(), attention_mask=torch.ones(2, 5))
    # a mask over the 1 + 2 * 4 * 4 tokens, what transformers' eager-vs-SDPA test builds where a tester gives no mask
    with pytest.raises(ValueError, match=r"one value per frame, not per token: shape \(batch, frames\) = \(2, 4\)"):
        model(pixel_values=clip(), attention_mask=torch.ones(2, 33, dtype=torch.long))
    with pytest.raises(ValueError, match="at least one real tubelet"):
        model(pixel_values=clip(), attention_mask=torch.tensor([[1, 1, 1, 1], [1, 0, 0, 0]]))
    sampled = tiny("spatio_temporal", embedding_type="frame_sampling", num_sampled_frames=2, tubelet_size=[1, 8, 8])
    with pytest.raises(ValueError, match="frame sampling"):
        sampled(pixel_values=clip(), attention_mask=torch.tensor([[1, 1, 1, 1], [1, 1, 0, 0]]))


@pytest.mark.parametrize("name", VARIANTS)
def test_padding_before_real_frames_is_warned_of(name, monkeypatch, caplog):
    """Padding at the start (as decoders pad text) or a hole went without a word: the real frames keep their positions
    in the padded clip, so the clip's logits are not its own unpadded forward's (0.0015-0.0024 off for these tiny
    models). Warned of, not refused: transformers' common tests run left-padded masks (eager against sdpa)."""
    import vivit_hf.models.modeling_vivit as modeling

    model = tiny(name, num_frames=8)
    videos = clip(batch=2, frames=8)
    with torch.no_grad():
        alone = model(pixel_values=videos[1:, 4:]).logits
        for late in ([0, 0, 0, 0, 1, 1, 1, 1], [1, 1, 0, 0, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1, 0, 1]):
            monkeypatch.setattr(modeling, "_WARNED_PADDING_BEFORE_REAL_FRAMES", False, raising=False)
            caplog.clear()
            with caplog.at_level(logging.WARNING, logger=modeling.__name__):
                model(pixel_values=videos, attention_mask=torch.tensor([[1] * 8, late]))
            assert f"pads clip 1 before real frames ({late})" in caplog.text
        at_the_end = torch.cat([videos[1:, 4:], videos[1:, :4]], dim=1)  # the same clip, padded at the end
        caplog.clear()
        monkeypatch.setattr(modeling, "_WARNED_PADDING_BEFORE_REAL_FRAMES", False, raising=False)
        with caplog.at_level(logging.WARNING, logger=modeling.__name__):
            padded = model(
                pixel_values=torch.cat([videos[:1], at_the_end]),
                attention_mask=torch.tensor([[1] * 8, [1] * 4 + [0] * 4]),
            )
        assert "before real frames" not in caplog.text
    torch.testing.assert_close(padded.logits[1:], alone, rtol=0, atol=1e-5)


def test_processor_pads_to_the_longest_and_the_model_skips_the_padding():
    """`pad_to_longest`: videos of 8, 5 and 3 frames in one batch; each clip's logits are its own forward's."""
    np = pytest.importorskip("numpy")
    from vivit_hf import ViViTVideoProcessor

    processor = ViViTVideoProcessor(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32})
    rng = np.random.default_rng(0)
    videos = [rng.integers(0, 255, (n, 40, 40, 3), dtype=np.uint8) for n in (8, 5, 3)]
    batch = processor(videos, do_sample_frames=False, pad_to_longest=True, return_tensors="pt")
    assert batch["pixel_values"].shape == (3, 8, 3, 32, 32)
    assert batch["attention_mask"].tolist() == [[1] * 8, [1] * 5 + [0] * 3, [1] * 3 + [0] * 5]
    model = tiny("factorised_encoder", num_frames=8)
    with torch.no_grad():
        batched = model(**batch).logits
        alone = [model(**processor(v, do_sample_frames=False, return_tensors="pt")).logits for v in videos]
    torch.testing.assert_close(batched, torch.cat(alone), rtol=0, atol=1e-5)
