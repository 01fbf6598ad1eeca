# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""`vivit_hf.enable_cpu_fast_path`: every Linear as a oneDNN call and fc1 + GELU as one, in CPU inference; the same
logits as the plain model code, and out of the way wherever it cannot compute the same thing."""

import copy
import io

import pytest
import torch
from test_models import VARIANTS, clip, tiny

import vivit_hf
from vivit_hf import cpu_fast_path

pytestmark = pytest.mark.skipif(
    not cpu_fast_path.onednn_linear_available(), reason="this torch build has no oneDNN linear with post-ops"
)


def relative_error(y, reference):
    return ((y.float() - reference.float()).norm() / reference.float().norm()).item()


@pytest.mark.parametrize("name", VARIANTS)
@pytest.mark.parametrize("hidden_act", ["gelu_pytorch_tanh", "gelu"])
def test_both_paths_give_the_same_logits(name, hidden_act, monkeypatch):
    plain = tiny(name, hidden_act=hidden_act)
    fast = vivit_hf.enable_cpu_fast_path(copy.deepcopy(plain))
    calls = []
    real = cpu_fast_path.fused_linear_gelu
    monkeypatch.setattr(cpu_fast_path, "fused_linear_gelu", lambda *a: calls.append(1) or real(*a))
    with torch.no_grad():
        expected, got = plain(pixel_values=clip()).logits, fast(pixel_values=clip()).logits
        with torch.autocast("cpu", dtype=torch.bfloat16):
            expected_bf16, got_bf16 = plain(pixel_values=clip()).logits, fast(pixel_values=clip()).logits
    assert calls, "the fused op was never called"
    torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-5)
    # bf16: within bf16 rounding of the fp32 logits, as the plain bf16 model is
    assert relative_error(got_bf16, expected) < 3e-2 and relative_error(expected_bf16, expected) < 3e-2
    assert relative_error(got_bf16, expected_bf16) < 3e-2


def test_state_dict_saved_code_and_disable_are_unchanged(tmp_path):
    model = tiny("factorised_encoder")
    before = {k: v.clone() for k, v in model.state_dict().items()}
    vivit_hf.enable_cpu_fast_path(model)
    vivit_hf.enable_cpu_fast_path(model)  # twice is once
    mlp = model.vivit.spatial_encoder.layers[0].mlp
    assert type(mlp).__mro__[1] is cpu_fast_path._FusedGELUMLP and type(mlp).__mro__[2].__name__ == "ViViTMLP"
    assert model.state_dict().keys() == before.keys()
    model.save_pretrained(tmp_path)
    assert sorted(p.name for p in tmp_path.glob("*.py")) == [
        "configuration_vivit.py",
        "device_maps.py",
        "loading_checks.py",
        "losses.py",
        "modeling_blocks.py",
        "modeling_vivit.py",
        "rollout.py",
    ]
    assert all(type(m) is cpu_fast_path.OneDNNLinear for m in model.modules() if isinstance(m, torch.nn.Linear))
    vivit_hf.disable_cpu_fast_path(model)
    assert type(mlp).__name__ == "ViViTMLP" and type(mlp).__module__ == "vivit_hf.models.modeling_blocks"
    assert all(type(m) is torch.nn.Linear for m in model.modules() if isinstance(m, torch.nn.Linear))


def test_a_model_on_the_fast_path_pickles_with_torch_save():
    """`torch.save(model)` failed: the fused MLP class is made at run time ("Can't pickle <class
    'vivit_hf.cpu_fast_path.ViViTMLP'>: attribute lookup ViViTMLP on vivit_hf.cpu_fast_path failed")."""
    model = vivit_hf.enable_cpu_fast_path(tiny("factorised_self_attention"))
    buffer = io.BytesIO()
    torch.save(model, buffer)
    buffer.seek(0)
    loaded = torch.load(buffer, weights_only=False)
    mlp, loaded_mlp = model.vivit.encoder.layers[0].mlp, loaded.vivit.encoder.layers[0].mlp
    assert type(loaded_mlp) is type(mlp) and loaded_mlp._fused_gelu == mlp._fused_gelu  # still fused
    with torch.no_grad():
        torch.testing.assert_close(
            loaded(pixel_values=clip()).logits, model(pixel_values=clip()).logits, rtol=0, atol=0
        )
    vivit_hf.disable_cpu_fast_path(loaded)
    assert type(loaded_mlp).__name__ == "ViViTMLP" and type(loaded_mlp).__module__ == "vivit_hf.models.modeling_blocks"


@pytest.mark.parametrize("name", VARIANTS)
def test_module_hooks_still_fire(name):
    """Hooks on the linears (accelerate's offloading, feature extraction) see every call: a hooked linear takes the
    module call, not the fused op."""
    model = vivit_hf.enable_cpu_fast_path(tiny(name))
    calls = []
    layer = model.vivit.encoder.layers[0] if hasattr(model.vivit, "encoder") else model.vivit.spatial_encoder.layers[0]
    for linear in (layer.mlp.fc1, layer.mlp.fc2):
        linear.register_forward_hook(lambda module, args, out: calls.append(module))
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
        model(pixel_values=clip())
    assert calls == [layer.mlp.fc1, layer.mlp.fc2]


def test_traced_graph_keeps_portable_ops():
    """torch.jit.trace (and the TorchScript ONNX exporter behind it) records the separate Linear and GELU."""
    model = vivit_hf.enable_cpu_fast_path(tiny("spatio_temporal", return_dict=False))
    with torch.no_grad():
        traced = torch.jit.trace(model, (clip(),), strict=False)
        torch.testing.assert_close(traced(clip())[0], model(clip())[0], rtol=1e-5, atol=1e-5)
    assert "mkldnn" not in str(traced.inlined_graph)


def test_training_takes_the_plain_ops():
    """The fused op has no backward: with gradients to track, the MLP runs its own forward."""
    linear = torch.nn.Linear(8, 16)
    x = torch.randn(3, 8)
    assert cpu_fast_path.fused_linear_gelu(x, linear, "tanh") is None  # weight requires grad
    with torch.no_grad():
        out = cpu_fast_path.fused_linear_gelu(x, linear, "tanh")
        torch.testing.assert_close(out, torch.nn.functional.gelu(linear(x), approximate="tanh"), rtol=1e-5, atol=1e-6)
        assert cpu_fast_path.fused_linear_gelu(x.half(), linear.half(), "tanh") is None  # fp16: not a fused dtype
    model = vivit_hf.enable_cpu_fast_path(tiny("spatio_temporal")).train()
    model(pixel_values=clip(), labels=torch.tensor([0, 1])).loss.backward()
    assert model.vivit.encoder.layers[0].mlp.fc1.weight.grad is not None


def test_other_activations_are_left_alone():
    model = vivit_hf.enable_cpu_fast_path(tiny("spatio_temporal", hidden_act="gelu_fast"))
    assert not any(isinstance(m, cpu_fast_path._FusedGELUMLP) for m in model.modules())


@pytest.mark.parametrize("name", VARIANTS)
def test_every_linear_runs_through_onednn_in_inference(name, monkeypatch):
    """qkv, attention output, fc2 and the head as plain oneDNN Linears, fc1 with the GELU fused: every Linear of the
    model is computed by oneDNN once per use, and the logits are those of the plain model."""
    plain = tiny(name)
    fast = vivit_hf.enable_cpu_fast_path(copy.deepcopy(plain))
    seen = []
    real = cpu_fast_path._onednn_linear
    monkeypatch.setattr(
        cpu_fast_path, "_onednn_linear", lambda x, linear, *a: seen.append(linear) or real(x, linear, *a)
    )
    with torch.no_grad():
        torch.testing.assert_close(
            fast(pixel_values=clip()).logits, plain(pixel_values=clip()).logits, rtol=1e-5, atol=1e-5
        )
    linears = [m for m in fast.modules() if isinstance(m, torch.nn.Linear)]
    assert {id(m) for m in seen} == {id(m) for m in linears}


def test_onednn_linear_equals_f_linear_and_steps_aside_for_gradients():
    linear = torch.nn.Linear(24, 40)
    reference = torch.nn.Linear(24, 40)
    reference.load_state_dict(linear.state_dict())
    linear.__class__ = cpu_fast_path.OneDNNLinear
    x = torch.randn(5, 7, 24)
    with torch.no_grad():
        torch.testing.assert_close(linear(x), reference(x), rtol=1e-5, atol=1e-6)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            got, expected = linear(x), reference(x)
        assert got.dtype == expected.dtype == torch.bfloat16
        torch.testing.assert_close(got, expected, rtol=2e-2, atol=2e-2)
    assert cpu_fast_path.onednn_dtype(x, linear) is None  # the weight requires grad: the plain op, which has a backward
    linear(x).sum().backward()
    reference(x).sum().backward()
    torch.testing.assert_close(linear.weight.grad, reference.weight.grad)


def test_gradients_are_those_of_the_plain_model():
    plain = tiny("factorised_encoder").train()
    fast = vivit_hf.enable_cpu_fast_path(copy.deepcopy(plain)).train()
    labels = torch.tensor([0, 1])
    plain(pixel_values=clip(), labels=labels).loss.backward()
    fast(pixel_values=clip(), labels=labels).loss.backward()
    for (name, p), q in zip(plain.named_parameters(), fast.parameters()):
        torch.testing.assert_close(q.grad, p.grad, rtol=1e-5, atol=1e-6, msg=name)


def test_linear_subclasses_keep_their_own_forward():
    """PEFT's and quantisers' layers subclass nn.Linear with forwards of their own: they are not swapped."""

    class Scaled(torch.nn.Linear):
        def forward(self, x):
            return 2 * super().forward(x)

    model = tiny("spatio_temporal")
    model.classifier = Scaled(model.classifier.in_features, model.classifier.out_features)
    vivit_hf.enable_cpu_fast_path(model)
    assert type(model.classifier) is Scaled


def test_a_trained_bias_of_a_frozen_linear_gets_its_gradient():
    """Only biases trained (BitFit): the first block's qkv has a frozen weight and a frozen input, so it took the
    oneDNN call, which has no backward, and its trained bias got no gradient without a word."""
    plain = tiny("spatio_temporal").train()
    for name, p in plain.named_parameters():
        p.requires_grad_(name.endswith("qkv.bias"))
    fast = vivit_hf.enable_cpu_fast_path(copy.deepcopy(plain))
    plain(pixel_values=clip()).logits.sum().backward()
    fast(pixel_values=clip()).logits.sum().backward()
    for (name, p), q in zip(plain.named_parameters(), fast.parameters()):
        if p.requires_grad:
            assert q.grad is not None, name
            torch.testing.assert_close(q.grad, p.grad, rtol=1e-5, atol=1e-6, msg=name)


def test_forward_mode_ad_takes_the_plain_ops():
    """The oneDNN op has no forward-AD formula: `torch.func.jvp` through the fast path got a zero tangent, and a
    dual tensor of `torch.autograd.forward_ad` none, without a word (gradients off or not)."""
    plain = tiny("factorised_dot_product", attn_implementation="eager")
    fast = vivit_hf.enable_cpu_fast_path(copy.deepcopy(plain))
    video, tangent = clip(), clip(seed=2)
    with torch.no_grad():
        _, want = torch.func.jvp(lambda v: plain(pixel_values=v).logits, (video,), (tangent,))
        _, got = torch.func.jvp(lambda v: fast(pixel_values=v).logits, (video,), (tangent,))
    assert want.abs().max() > 0
    torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-5)
    linear = fast.classifier
    features = torch.randn(2, linear.in_features)
    with torch.no_grad(), torch.autograd.forward_ad.dual_level():
        dual = linear(torch.autograd.forward_ad.make_dual(features, torch.ones_like(features)))
        tangent = torch.autograd.forward_ad.unpack_dual(dual).tangent
    torch.testing.assert_close(tangent, linear.weight.sum(1).expand(2, -1))


def test_onednn_turned_off_takes_the_plain_ops(monkeypatch):
    """`torch.backends.mkldnn.flags(enabled=False)` (to step around a oneDNN problem) still ran every Linear as a
    oneDNN call."""
    model = vivit_hf.enable_cpu_fast_path(tiny("spatio_temporal"))
    calls = []
    monkeypatch.setattr(cpu_fast_path, "_onednn_linear", lambda *a: calls.append(1))
    with torch.no_grad(), torch.backends.mkldnn.flags(enabled=False):
        model(pixel_values=clip())
    assert not calls


def test_dropout_in_train_mode_without_gradients_is_the_plain_models():
    """A model in train mode under `no_grad` (Monte Carlo dropout) takes the fused MLP, which drew Model 2's spatial
    MLP dropout masks per frame where the plain forward draws one per clip (`clip_dropout`): with one seed the two gave
    logits 0.23 apart. Now the MLP takes its own forward where its dropout runs."""
    plain = tiny("factorised_encoder", hidden_dropout_prob=0.5, num_temporal_layers=1).train()
    fast = vivit_hf.enable_cpu_fast_path(copy.deepcopy(plain))
    still = clip(batch=2, frames=1).repeat(1, 4, 1, 1, 1)
    with torch.no_grad():
        torch.manual_seed(0)
        expected = plain(pixel_values=still).logits
        torch.manual_seed(0)
        got = fast(pixel_values=still).logits
    torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-5)
