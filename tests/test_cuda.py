# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The models on a CUDA GPU: scenic's outputs in fp32, bf16 autocast through every attention kernel the GPU offers
(eager, sdpa and sdpa held to PyTorch's FlashAttention-2 kernel, flex attention) against fp32 eager, gradient
checkpointing and a mixed-precision training step. Skipped where no GPU is present (CI); run on a GPU machine with
`python -m pytest tests/test_cuda.py` (README, "Benchmarks")."""

import numpy as np
import pytest
import torch
from test_scenic_equivalence import CASES, load_case, logits_atol, run

from vivit_hf import VIVIT_MODELS
from vivit_hf.convert import load_scenic

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")

# Head width 64 (what the B, L and H models use), so every fused kernel takes it.
SMALL = dict(
    image_size=64,
    num_frames=8,
    tubelet_size=[2, 16, 16],
    hidden_size=128,
    num_hidden_layers=2,
    num_attention_heads=2,
    intermediate_size=256,
    num_labels=7,
)
VARIANTS = list(VIVIT_MODELS)


@pytest.fixture(autouse=True)
def exact_fp32_matmuls():
    """TF32 would round fp32 matmuls and convolutions to 10 mantissa bits: the fp32 comparisons need real fp32."""
    saved = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    yield
    torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = saved


def small(name, **overrides):
    config_class, _, classifier_class = VIVIT_MODELS[name]
    torch.manual_seed(0)
    return classifier_class(config_class(**{**SMALL, **overrides})).cuda().eval()


def clip(batch=2, seed=1):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(
        batch, SMALL["num_frames"], 3, SMALL["image_size"], SMALL["image_size"], generator=generator
    ).cuda()


def relative_error(value, reference):
    return ((value.float() - reference.float()).norm() / reference.float().norm()).item()


@pytest.mark.parametrize("name", CASES)
def test_scenic_logits_on_gpu(name):
    case, config, params = load_case(name)
    model = load_scenic(params, config["scenic_config"]).cuda()
    video = torch.from_numpy(np.load(case / "input.npy")).permute(0, 1, 4, 2, 3).cuda()
    with torch.no_grad():
        logits = model(pixel_values=video).logits
    # the CPU test's tolerance, which grows with the logits' magnitude (large sum-pooled logits)
    atol = logits_atol(params, case)
    np.testing.assert_allclose(logits.cpu().numpy(), np.load(case / "logits.npy"), atol=atol, rtol=0)
    cpu_logits = run(model.cpu(), case).logits
    np.testing.assert_allclose(logits.cpu().numpy(), cpu_logits.numpy(), atol=atol, rtol=0)


def _flash_only():
    from torch.nn.attention import SDPBackend, sdpa_kernel

    return sdpa_kernel([SDPBackend.FLASH_ATTENTION])


@pytest.mark.parametrize("name", VARIANTS)
@pytest.mark.parametrize("kernel", ["eager", "sdpa", "sdpa_flash", "flex_attention"])
def test_bf16_autocast_kernels_agree_with_fp32_eager(name, kernel):
    """bf16 operands carry 8 mantissa bits: logits within 3% (relative norm) of fp32 eager, through each kernel."""
    model = small(name, attn_implementation="eager")
    x = clip()
    with torch.no_grad():
        reference = model(pixel_values=x).logits
    model.set_attn_implementation("sdpa" if kernel == "sdpa_flash" else kernel)
    with torch.no_grad(), torch.autocast("cuda", dtype=torch.bfloat16):
        if kernel == "sdpa_flash":  # other backends off: if flash cannot take our layout this raises
            with _flash_only():
                logits = model(pixel_values=x).logits
        else:
            logits = model(pixel_values=x).logits
    assert torch.isfinite(logits).all()
    assert relative_error(logits, reference) < 3e-2


@pytest.mark.parametrize("name", VARIANTS)
def test_fp32_sdpa_matches_eager(name):
    model = small(name, attn_implementation="eager")
    x = clip()
    with torch.no_grad():
        eager = model(pixel_values=x).logits
        model.set_attn_implementation("sdpa")
        sdpa = model(pixel_values=x).logits
    torch.testing.assert_close(sdpa, eager, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", VARIANTS)
def test_gradient_checkpointing_gives_the_same_gradients_on_gpu(name):
    x, labels = clip(), torch.tensor([3, 1]).cuda()
    grads = []
    for checkpointing in (False, True):
        model = small(name, attn_implementation="sdpa").train()
        if checkpointing:
            model.gradient_checkpointing_enable()
        model(pixel_values=x, labels=labels).loss.backward()
        grads.append({n: p.grad for n, p in model.named_parameters()})
    for key, grad in grads[0].items():
        torch.testing.assert_close(grads[1][key], grad, rtol=1e-4, atol=1e-6, msg=key)


@pytest.mark.parametrize("name", VARIANTS)
def test_bf16_training_step_updates_every_parameter(name):
    """A step as the recipes take it with `--mixed_precision bf16`: finite loss, every gradient finite and present."""
    model = small(name, attn_implementation="sdpa", drop_path_rate=0.1).train()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    with torch.autocast("cuda", dtype=torch.bfloat16):
        loss = model(pixel_values=clip(), labels=torch.tensor([3, 1]).cuda()).loss
    loss.backward()
    assert torch.isfinite(loss)
    bad = [n for n, p in model.named_parameters() if p.grad is None or not torch.isfinite(p.grad).all()]
    assert not bad, f"missing or non-finite gradients: {bad}"
    optimizer.step()
    unchanged = [n for n, p in model.named_parameters() if torch.equal(p, before[n])]
    assert not unchanged, f"parameters the step did not move: {unchanged}"


@pytest.mark.parametrize("name", VARIANTS)
def test_resized_input_on_gpu_matches_cpu(name):
    """interpolate_pos_encoding builds its resized table on the model's device."""
    model = small(name)
    x = torch.randn(1, 12, 3, 96, 96, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        gpu = model(pixel_values=x.cuda(), interpolate_pos_encoding=True).logits.cpu()
        cpu = model.cpu()(pixel_values=x, interpolate_pos_encoding=True).logits
    torch.testing.assert_close(gpu, cpu, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("embedding", ["tubelet", "frame_sampling"])
def test_saliency_overlay_of_a_model_on_the_gpu_is_the_cpu_models(embedding):
    """`attention_rollout` of a model on the GPU gives its saliency there, which `saliency_overlay` failed to draw
    (numpy's conversion of a CUDA tensor; with frame sampling, `index_add_` across devices)."""
    from vivit_hf.interpret import saliency_overlay

    overrides = {"embedding_type": "frame_sampling", "num_sampled_frames": 3} if embedding != "tubelet" else {}
    model = small("spatio_temporal", **overrides)
    video = clip(batch=1)
    saliency = model.attention_rollout(video)[0]
    assert saliency.is_cuda
    image = saliency_overlay(video[0], saliency, model.config)
    cpu_saliency = model.cpu().attention_rollout(video.cpu())[0]
    torch.testing.assert_close(saliency.cpu(), cpu_saliency, rtol=1e-4, atol=1e-6)
    drawn = 3 if embedding == "frame_sampling" else SMALL["num_frames"]  # the frames the model sees
    assert image.shape == (SMALL["image_size"], drawn * SMALL["image_size"], 3)
