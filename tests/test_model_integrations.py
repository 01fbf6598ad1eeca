# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""What users build around a model: forward hooks, PEFT's LoRA and accelerate's offloading on the patch projection
(a convolution module, called as one), and `label_spaces` / `num_labels` given to `from_pretrained`."""

import pytest
import torch
import torch.nn.functional as F
from test_models import VARIANTS, clip, tiny
from transformers import AutoModelForVideoClassification

# Every variant with the tubelet embedding (Conv3d), and Model 1 with uniform frame sampling (a per-frame Conv2d).
FRAME_SAMPLING = dict(embedding_type="frame_sampling", num_sampled_frames=2)
EMBEDDINGS = [(name, {}) for name in VARIANTS] + [("spatio_temporal", FRAME_SAMPLING)]
EMBEDDING_IDS = [*VARIANTS, "spatio_temporal-frame_sampling"]


def conv_by_hand(pixels: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
    """The patch projection as torch's own convolution: kernel = stride, no padding."""
    conv = F.conv3d if weight.ndim == 5 else F.conv2d
    return conv(pixels, weight, bias, stride=weight.shape[2:])


def projection_input(model, pixel_values: torch.Tensor) -> torch.Tensor:
    """What a convolution module is given: the clip channel-first (b, c, T, H, W), or for frame sampling the frames
    scenic's rule keeps ([1, 3, 3] of 4 frames for 2 samples), one image each (b * t, c, H, W)."""
    if model.config.embedding_type == "frame_sampling":
        return pixel_values[:, [1, 3, 3]].flatten(0, 1)
    return pixel_values.transpose(1, 2)


# ------------------------------------------------------------------------------------- hooks on the projection
@pytest.mark.parametrize(("name", "overrides"), EMBEDDINGS, ids=EMBEDDING_IDS)
def test_forward_hook_on_the_projection_sees_the_convolution(name, overrides):
    model = tiny(name, **overrides)
    projection = model.vivit.token_embedding.projection
    calls = []
    projection.register_forward_hook(lambda module, args, output: calls.append((args[0], output)))
    pixel_values = clip()
    with torch.no_grad():
        model(pixel_values=pixel_values)
        assert len(calls) == 1
        seen, output = calls[0]
        torch.testing.assert_close(seen, projection_input(model, pixel_values), rtol=0, atol=0)
        expected = conv_by_hand(seen, projection.weight, projection.bias)
    assert output.shape == expected.shape
    torch.testing.assert_close(output, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(("name", "overrides"), EMBEDDINGS, ids=EMBEDDING_IDS)
def test_forward_hook_output_replaces_the_tokens(name, overrides):
    """A hook that returns a new output (as activation edits do) is what the encoder gets: zeroing it gives the
    logits of the same model with a zero kernel and bias."""
    model = tiny(name, **overrides)
    zeroed = tiny(name, **overrides)
    with torch.no_grad():
        zeroed.vivit.token_embedding.projection.weight.zero_()
        zeroed.vivit.token_embedding.projection.bias.zero_()
        model.vivit.token_embedding.projection.register_forward_hook(lambda module, args, output: output * 0)
        torch.testing.assert_close(model(pixel_values=clip()).logits, zeroed(pixel_values=clip()).logits)


# ------------------------------------------------------------------------------------------------- PEFT LoRA
@pytest.mark.parametrize(("name", "overrides"), EMBEDDINGS, ids=EMBEDDING_IDS)
def test_lora_on_the_projection_adds_exactly_its_convolution(name, overrides):
    """LoRA on `projection` (peft is not in the test extra: skipped without it). With `lora_B` non-zero the logits
    are those of the plain model whose kernel gains the LoRA product, scaling * B @ A, computed here by hand."""
    peft = pytest.importorskip("peft")
    plain = tiny(name, **overrides)
    lora = peft.get_peft_model(
        tiny(name, **overrides), peft.LoraConfig(r=2, lora_alpha=4, target_modules=["projection"])
    )
    layer = lora.base_model.model.vivit.token_embedding.projection
    with torch.no_grad():
        unchanged = lora(pixel_values=clip()).logits  # lora_B starts at zero: no change
        torch.testing.assert_close(unchanged, plain(pixel_values=clip()).logits, rtol=0, atol=0)
        layer.lora_B["default"].weight.normal_(generator=torch.Generator().manual_seed(0))
        a, b = layer.lora_A["default"].weight, layer.lora_B["default"].weight  # (r, c, *kernel), (d, r, 1, ...)
        delta = 2.0 * torch.einsum("dr,r...->d...", b.flatten(1), a)  # scaling = lora_alpha / r
        plain.vivit.token_embedding.projection.weight += delta
        expected = plain(pixel_values=clip()).logits
        adapted = lora(pixel_values=clip()).logits
    assert (adapted - unchanged).abs().max() > 1e-3
    torch.testing.assert_close(adapted, expected, rtol=1e-4, atol=1e-5)


# ------------------------------------------------------------------------------------- accelerate offloading
@pytest.mark.parametrize(("name", "overrides"), EMBEDDINGS, ids=EMBEDDING_IDS)
def test_token_embedding_offloaded_to_disk_gives_the_same_logits(name, overrides, tmp_path):
    model = tiny(name, **overrides)
    model.save_pretrained(tmp_path / "model")
    device_map = {f"vivit.{child}": "cpu" for child, _ in model.vivit.named_children()}
    device_map.update({child: "cpu" for child, _ in model.named_children() if child != "vivit"})
    device_map["vivit.token_embedding"] = "disk"
    offloaded = AutoModelForVideoClassification.from_pretrained(
        tmp_path / "model", device_map=device_map, offload_folder=tmp_path / "offload"
    )
    assert offloaded.vivit.token_embedding.projection.weight.device.type == "meta"  # on disk until the call
    with torch.no_grad():
        torch.testing.assert_close(
            offloaded(pixel_values=clip()).logits, model(pixel_values=clip()).logits, rtol=0, atol=0
        )
