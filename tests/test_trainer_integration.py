# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The classifiers under `transformers.Trainer`, as transformers' own models behave there: gradient accumulation
(`num_items_in_batch`), with one head or named label spaces."""

import pytest
import torch
import transformers
from test_models import VARIANTS, clip, tiny
from transformers import Trainer, TrainingArguments

from vivit_hf.models.modeling_vivit import multi_head_cross_entropy


@pytest.fixture(autouse=True)
def quiet_transformers():
    """Trainer's info lines off for these tests, and transformers' verbosity put back after: left at `error`, it
    silenced the load report that transformers' common tests read in the same worker (test_can_load_ignoring_...)."""
    before = transformers.logging.get_verbosity()
    transformers.logging.set_verbosity_error()
    yield
    transformers.logging.set_verbosity(before)


def examples(count: int, labels: torch.Tensor) -> list[dict]:
    pixel_values = clip(batch=count, seed=3)
    return [{"pixel_values": pixel_values[i], "labels": labels[i]} for i in range(count)]


def first_step(model, data, tmp_path, batch_size: int, accumulation: int) -> tuple[float, float]:
    """The loss Trainer logs and the gradient norm of one optimizer step (learning rate 0, nothing moves)."""
    args = TrainingArguments(
        tmp_path,
        per_device_train_batch_size=batch_size,
        gradient_accumulation_steps=accumulation,
        max_steps=1,
        learning_rate=0.0,
        logging_steps=1,
        report_to=[],
        use_cpu=True,
        save_strategy="no",
        disable_tqdm=True,
    )
    trainer = Trainer(model=model.train(), args=args, train_dataset=data)
    trainer.train()
    logged = next(entry for entry in trainer.state.log_history if "loss" in entry)
    return logged["loss"], logged["grad_norm"]


@pytest.mark.parametrize("name", VARIANTS)
def test_gradient_accumulation_gives_the_loss_and_gradients_of_the_full_batch(name, tmp_path):
    """Our forward takes `**kwargs`, so Trainer passes `num_items_in_batch` and leaves the scaling to the model (as
    for transformers' VivitForVideoClassification): two micro-batches of 2 must give the step of one batch of 4."""
    data = examples(4, torch.tensor([0, 3, 1, 4]))
    whole = first_step(tiny(name), data, tmp_path, batch_size=4, accumulation=1)
    accumulated = first_step(tiny(name), data, tmp_path, batch_size=2, accumulation=2)
    assert accumulated == pytest.approx(whole, rel=1e-4)


def test_gradient_accumulation_with_label_spaces_gives_the_full_batch(tmp_path):
    """Two heads: Trainer counts clips x heads label entries; the loss is still the heads' summed mean per clip."""
    data = examples(4, torch.tensor([[0, 1], [2, 0], [1, 1], [2, 1]]))
    spaces = dict(label_spaces={"noun": 3, "verb": 2})
    whole = first_step(tiny("factorised_encoder", **spaces), data, tmp_path, batch_size=4, accumulation=1)
    accumulated = first_step(tiny("factorised_encoder", **spaces), data, tmp_path, batch_size=2, accumulation=2)
    assert accumulated == pytest.approx(whole, rel=1e-4)


def test_num_items_in_batch_of_the_whole_batch_gives_the_mean_loss():
    """Given Trainer's count for this batch alone (clips x heads), the loss is the usual mean; soft targets (clips x
    classes entries, as Trainer counts them) alike."""
    model = tiny("factorised_encoder", label_spaces={"noun": 3, "verb": 2})
    labels = torch.tensor([[2, 1], [0, 0]])
    mean = model(pixel_values=clip(), labels=labels).loss
    counted = model(pixel_values=clip(), labels=labels, num_items_in_batch=torch.tensor(labels.numel())).loss
    torch.testing.assert_close(counted, mean)
    soft = torch.tensor([[0.2, 0.3, 0.5, 1.0, 0.0], [1.0, 0.0, 0.0, 0.4, 0.6]])
    logits = torch.randn(2, 5, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(
        multi_head_cross_entropy(logits, soft, [3, 2], num_items_in_batch=soft.numel()),
        multi_head_cross_entropy(logits, soft, [3, 2]),
    )
