# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""`--model_ema`: an exponential moving average of the weights, timm's `ModelEmaV3` (timm/utils/model_ema.py) as its
train.py drives it (`--model-ema`, `--model-ema-decay`, `--model-ema-warmup`, `update(model, step=num_updates)` after
each optimiser step). The run evaluates, keeps as its best model and saves the average, not the weights it trains.

The average is a copy of the model's state dict (parameters and buffers: floating ones averaged with
`torch._foreach_lerp_`, as timm's, the others copied), updated by every process alike: data parallelism leaves every
process the same weights after a step, so the averages agree without a word between them. `state_dict` /
`load_state_dict` make it a checkpointed object (`accelerator.register_for_checkpointing`), so a resume continues the
same average.
"""

from __future__ import annotations

from contextlib import contextmanager

import torch
from accelerate.utils import DistributedType

DEFAULT_DECAY = 0.9998  # timm train.py's --model-ema-decay
# timm's warm-up (@crowsonkb's): decay 1 - (1 + step / gamma) ** -power, capped at --model_ema_decay
WARMUP_GAMMA, WARMUP_POWER = 1.0, 2 / 3


def ema_decay(step: int, decay: float, use_warmup: bool) -> float:
    """The decay of the update after optimiser step `step` (from 1), timm's `ModelEmaV3.get_decay`: 0 at the first
    (the average starts as the weights of step 1), then `decay`, or with warm-up a rising one capped at it."""
    step = max(0, step - 1)
    if step <= 0:
        return 0.0
    if use_warmup:
        return max(min(1 - (1 + step / WARMUP_GAMMA) ** -WARMUP_POWER, decay), 0.0)
    return decay


class ModelEma:
    """The moving average of `model`'s state dict (the unwrapped model: its names are the saved model's)."""

    def __init__(self, model: torch.nn.Module, decay: float = DEFAULT_DECAY, use_warmup: bool = False):
        self.decay, self.use_warmup = decay, use_warmup
        self.average = {name: value.detach().clone() for name, value in model.state_dict().items()}

    @torch.no_grad()
    def update(self, model: torch.nn.Module, step: int) -> None:
        """Move the average toward `model`'s weights after optimiser step `step`."""
        decay = ema_decay(step, self.decay, self.use_warmup)
        averaged, trained = [], []
        for average, value in zip(self.average.values(), model.state_dict().values()):
            if average.is_floating_point():
                averaged.append(average)
                trained.append(value)
            else:
                average.copy_(value)
        torch._foreach_lerp_(averaged, trained, weight=1.0 - decay)

    def weights(self) -> dict[str, torch.Tensor]:
        """The average as a state dict to save (a dict of its own: `save_pretrained` takes entries out of the one it
        is given, which emptied the average after the first best-model snapshot)."""
        return dict(self.average)

    @contextmanager
    def weights_in(self, model: torch.nn.Module):
        """The average in `model` while the block runs (an evaluation), its own weights, bit for bit, after."""
        trained = {name: value.detach().clone() for name, value in model.state_dict().items()}
        model.load_state_dict(self.average)
        try:
            yield
        finally:
            model.load_state_dict(trained)

    def state_dict(self) -> dict:
        return {"average": self.average}

    def load_state_dict(self, state: dict) -> None:
        missing = self.average.keys() ^ state["average"].keys()
        if missing:
            raise ValueError(f"the checkpoint's weight average is of another model: {sorted(missing)[:5]}")
        for name, value in state["average"].items():
            self.average[name].copy_(value)


def weights_to_save(accelerator, model: torch.nn.Module, ema: ModelEma | None) -> dict[str, torch.Tensor]:
    """The weights a run saves or pushes as its model: the --model_ema average where there is one, else the model's
    own (`accelerator.get_state_dict`, a collective under FSDP and DeepSpeed: every rank calls it; --model_ema is
    refused under those launches, `check_model_ema_launch`, so the average needs no gathering)."""
    return accelerator.get_state_dict(model) if ema is None else ema.weights()


def model_ema_card_note(decay: float | None, use_warmup: bool | None) -> str:
    """The model card's words on the weights it carries: the average, not the last step's."""
    if decay is None:
        return ""
    warmup = ", with timm's warm-up" if use_warmup else ""
    return (
        f"The weights are an exponential moving average of the training weights (decay {decay:g}{warmup}; "
        "`--model_ema`, timm's ModelEmaV3)."
    )


def check_model_ema_launch(args, accelerator) -> None:
    """--model_ema under a launch that shards the weights (FSDP, DeepSpeed) is refused (`ValueError`) before anything
    loads: each process holds a part of the weights there, and the average is of the whole model's state dict."""
    sharded = accelerator.distributed_type in (DistributedType.FSDP, DistributedType.DEEPSPEED)
    if args.model_ema and sharded:
        raise ValueError(
            f"--model_ema: the launch shards the weights ({accelerator.distributed_type.value}), and the average is "
            "kept of whole weights on every process: launch with data parallelism (DDP), or leave --model_ema out"
        )
