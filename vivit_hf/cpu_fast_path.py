# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""An opt-in CPU inference fast path: every Linear runs as a oneDNN call, each MLP's `fc1` and GELU as one.

    model = vivit_hf.enable_cpu_fast_path(model)   # any of the four variants, ours or loaded with trust_remote_code

Two kernels, both oneDNN's Linear (`torch.ops.mkldnn._linear_pointwise`, what torch.compile's CPU backend emits):
- every plain `nn.Linear` of the model (qkv, attention output, fc2, head): PyTorch's `F.linear` calls MKL's GEMM,
  which on AMD CPUs takes a slow generic path (fp32 (3136, 768) x (768, 3072), 2 threads, AMD EPYC, torch 2.14.1:
  181 GFLOP/s through MKL, 351 through oneDNN); on Intel CPUs the two are level.
- `fc1` + GELU as one call: oneDNN applies the GELU to the GEMM's output tile while it is in cache, instead of in a
  separate pass over the (tokens, 4d) activation.
`benchmarks/models.py --plain-too` measures the gain. The model code itself stays plain torch: this module is the only
place that knows about the kernels, and it does not travel with `trust_remote_code` checkpoints.

A oneDNN call is taken only where it computes what the plain ops compute: on the CPU, without gradients to track (the
op has no backward), in fp32 or bf16 (under CPU autocast the operands are cast as autocast casts `F.linear`), outside
torch.compile (inductor chooses its own kernels), tracing or ONNX export (exported graphs keep portable ops), and
forward-mode AD or `torch.func` transforms (the op has no forward-AD formula nor batching rule), and where oneDNN
is turned off (`torch.backends.mkldnn.flags(enabled=False)`). An MLP in train mode with dropout (Monte Carlo dropout
under `no_grad`) runs its own forward, which draws Model 2's spatial masks once per clip.
A Linear keeps its module call, so its hooks fire; the fused `fc1` skips it, so it is fused only for a plain
`nn.Linear` without hooks (accelerate's offloading hooks, PEFT layers and quantised linears keep the module call).
Subclasses of `nn.Linear` (PEFT, quantisers) are left alone. Anywhere else the module runs its own forward.
`disable_cpu_fast_path` undoes it; the state dict, `save_pretrained` and the saved code are the same either way.
"""

from __future__ import annotations

import torch
from torch import nn

# hidden_act -> oneDNN's GELU algorithm ("tanh" approximation or exact erf)
GELU_ALGORITHMS = {"gelu_pytorch_tanh": "tanh", "gelu": "none"}


def onednn_linear_available() -> bool:
    """Whether this torch build has oneDNN's Linear with post-ops."""
    try:
        return torch.backends.mkldnn.is_available() and hasattr(torch.ops.mkldnn, "_linear_pointwise")
    except (AttributeError, RuntimeError):
        return False


def _global_module_hooks() -> bool:
    from torch.nn.modules import module

    return bool(module._global_forward_hooks or module._global_forward_pre_hooks)


def _transformed(hidden_states: torch.Tensor, linear: nn.Linear) -> bool:
    """Whether forward-mode AD (a dual level open: `torch.func.jvp`, `torch.autograd.forward_ad`) or a `torch.func`
    transform (its tensors wrapped: vmap, grad, jvp over parameters) sees the call. The oneDNN op has no forward-AD
    formula: a jvp through it would get a zero tangent, a dual tensor none."""
    if getattr(torch.autograd.forward_ad, "_current_level", -1) >= 0:
        return True
    wrapped = torch._C._functorch.is_functorch_wrapped_tensor
    return any(t is not None and wrapped(t) for t in (hidden_states, linear.weight, linear.bias))


def onednn_dtype(hidden_states: torch.Tensor, linear: nn.Linear) -> torch.dtype | None:
    """The dtype to run `linear` in as a oneDNN call, or None where the call would not compute what it computes."""
    if hidden_states.device.type != "cpu" or torch.compiler.is_compiling():
        return None
    if not torch.backends.mkldnn.enabled:  # turned off (`torch.backends.mkldnn.flags(enabled=False)`): it was not
        return None
    if torch.jit.is_tracing() or torch.onnx.is_in_onnx_export() or _transformed(hidden_states, linear):
        return None
    if linear.weight.device.type != "cpu":
        return None
    # the bias too: with only biases trained (BitFit) and a frozen input, the first block's qkv would take the oneDNN
    # call, which has no backward, and its bias get no gradient
    if torch.is_grad_enabled() and (
        hidden_states.requires_grad or any(p is not None and p.requires_grad for p in (linear.weight, linear.bias))
    ):
        return None
    dtype = torch.get_autocast_dtype("cpu") if torch.is_autocast_enabled("cpu") else hidden_states.dtype
    if dtype not in (torch.float32, torch.bfloat16) or linear.weight.dtype not in (torch.float32, torch.bfloat16):
        return None
    return dtype


def fused_dtype(hidden_states: torch.Tensor, linear: nn.Module) -> torch.dtype | None:
    """The dtype to run `linear` + GELU in as one oneDNN call, or None where the fused call does not apply: also
    where the Linear has hooks, since the fused call skips its module call."""
    if type(linear) not in (nn.Linear, OneDNNLinear) or linear._forward_hooks or linear._forward_pre_hooks:
        return None
    if _global_module_hooks():
        return None
    return onednn_dtype(hidden_states, linear)


def _onednn_linear(hidden_states, linear, dtype, post_op: str, algorithm: str) -> torch.Tensor:
    bias = linear.bias.to(dtype) if linear.bias is not None else None
    return torch.ops.mkldnn._linear_pointwise(
        hidden_states.to(dtype), linear.weight.to(dtype), bias, post_op, [], algorithm
    )


def fused_linear_gelu(hidden_states: torch.Tensor, linear: nn.Linear, algorithm: str) -> torch.Tensor | None:
    """GELU(linear(x)) in one oneDNN call, or None where that does not apply (`fused_dtype`)."""
    dtype = fused_dtype(hidden_states, linear)
    return None if dtype is None else _onednn_linear(hidden_states, linear, dtype, "gelu", algorithm)


class OneDNNLinear(nn.Linear):
    """An `nn.Linear` whose CPU inference forward is oneDNN's Linear (`onednn_dtype` says where)."""

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        dtype = onednn_dtype(hidden_states, self)
        if dtype is None:
            return super().forward(hidden_states)
        return _onednn_linear(hidden_states, self, dtype, "none", "")


class _FusedGELUMLP:
    """Mixed into the class of a ViViT MLP (`fc1` -> `activation` -> `dropout` -> `fc2` -> `dropout`)."""

    _fused_gelu: str

    def forward(self, hidden_states: torch.Tensor, *args, **kwargs) -> torch.Tensor:
        # Where its dropout runs (train mode, under no_grad too: Monte Carlo dropout) the MLP's own forward draws the
        # masks as its arguments say (`drop_group`: Model 2's one mask per clip; fused, they were drawn per frame)
        dropping = self.training and self.dropout.p > 0
        intermediate = None if dropping else fused_linear_gelu(hidden_states, self.fc1, self._fused_gelu)
        if intermediate is None:
            return super().forward(hidden_states, *args, **kwargs)
        return self.dropout(self.fc2(self.dropout(intermediate)))

    def __reduce_ex__(self, protocol):
        # The fused class is made at run time and is no module attribute, so pickle could not find it:
        # `torch.save(model)` failed ("Can't pickle <class 'vivit_hf.cpu_fast_path.ViViTMLP'>"). Pickled as the
        # MLP's own class, made fused again when loaded.
        return _fused_module, (_unfused_class(type(self)),), self.__dict__


_FUSED_CLASSES: dict[type, type] = {}


def _unfused_class(cls: type) -> type:
    return next(c for c in cls.__mro__[1:] if c is not _FusedGELUMLP)


def _fused_class(cls: type) -> type:
    """The ViViT MLP class `cls` with the fused forward mixed in (one class per MLP class)."""
    if cls not in _FUSED_CLASSES:
        _FUSED_CLASSES[cls] = type(cls.__name__, (_FusedGELUMLP, cls), {"__module__": __name__})
    return _FUSED_CLASSES[cls]


def _fused_module(cls: type) -> nn.Module:
    """An empty fused module of MLP class `cls`, for pickle to restore the state into."""
    return _fused_class(cls).__new__(_fused_class(cls))


def _is_vivit_mlp(module: nn.Module) -> bool:
    # By name, so that the classes of a model loaded with trust_remote_code (another module) qualify too.
    return type(module).__name__ == "ViViTMLP" and all(hasattr(module, n) for n in ("fc1", "fc2", "dropout"))


def enable_cpu_fast_path(model: nn.Module) -> nn.Module:
    """Run every plain `nn.Linear` of `model` as a oneDNN call, and every MLP's `fc1` + GELU as one, in CPU
    inference; returns `model`.

    A no-op where this torch build lacks the kernel; the MLPs are left unfused for an activation other than the tanh
    or erf GELU.
    """
    if not onednn_linear_available():
        return model
    for module in model.modules():
        if type(module) is nn.Linear:  # exactly: subclasses (PEFT, quantisers) have forwards of their own
            module.__class__ = OneDNNLinear
    algorithm = GELU_ALGORITHMS.get(getattr(getattr(model, "config", None), "hidden_act", None))
    if algorithm is None:
        return model
    for module in model.modules():
        if _is_vivit_mlp(module) and not isinstance(module, _FusedGELUMLP):
            module.__class__ = _fused_class(type(module))
            module._fused_gelu = algorithm
    return model


def disable_cpu_fast_path(model: nn.Module) -> nn.Module:
    """Undo `enable_cpu_fast_path`; returns `model`."""
    for module in model.modules():
        if type(module) is OneDNNLinear:
            module.__class__ = nn.Linear
        if isinstance(module, _FusedGELUMLP):
            module.__class__ = _unfused_class(type(module))
            del module._fused_gelu
    return model
