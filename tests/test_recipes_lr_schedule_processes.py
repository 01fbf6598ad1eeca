# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The learning-rate schedule of recipes/finetune.py on several processes against transformers' Trainer's on one:
accelerate's prepared scheduler steps the recipe's once per process at each optimiser step, Trainer's steps once."""

import argparse
import types
import warnings

import pytest
import torch
from accelerate import scheduler as accelerate_scheduler
from accelerate.scheduler import AcceleratedScheduler
from transformers import get_scheduler

from vivit_hf.training.finetune import SCHEDULERS, build_lr_scheduler

STEPS = 300


def rates(scheduler, steps: int) -> list[float]:
    out = []
    for _ in range(steps):
        with warnings.catch_warnings():  # no optimiser step is taken here: torch's warning says so
            warnings.simplefilter("ignore", UserWarning)
            scheduler.step()
        out.append(scheduler.get_last_lr()[0])
    return out


def optimizer():
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)


@pytest.mark.parametrize("warmup", [0, 10])
def test_two_processes_follow_trainers_schedule_of_one(warmup, monkeypatch):
    """`inverse_sqrt` without a warm-up decays over transformers' timescale of 10,000 steps, which the recipe left
    unscaled while accelerate steps it twice a step on 2 processes: the rate decayed as at twice the step. Every
    scheduler must give, step for step, the rates Trainer's (one `get_scheduler` step per optimiser step) gives."""
    monkeypatch.setattr(accelerate_scheduler, "AcceleratorState", lambda: types.SimpleNamespace(num_processes=2))
    for name in SCHEDULERS:
        args = argparse.Namespace(lr_scheduler_type=name, max_train_steps=STEPS)
        recipe = AcceleratedScheduler(
            build_lr_scheduler(args, optimizer(), warmup, num_processes=2),
            [types.SimpleNamespace(step_was_skipped=False)],
            step_with_optimizer=True,
            split_batches=False,
        )
        trainer = get_scheduler(name, optimizer(), num_warmup_steps=warmup, num_training_steps=STEPS)
        assert rates(recipe, STEPS) == pytest.approx(rates(trainer, STEPS), rel=1e-12, abs=1e-15), name
