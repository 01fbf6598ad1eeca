# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The classifiers under `transformers.Trainer`, as transformers' own models behave there: gradient accumulation
(`num_items_in_batch`), with one head or named label spaces."""

import pytest
import torch
import transformers
from test_models import VARIANTS, clip, tiny
from transformers import Trainer, TrainingArguments
from transformers.trainer_pt_utils import LabelSmoother

from vivit_hf.models import ViViTLabelSmoother
from vivit_hf.models.losses import multi_head_cross_entropy


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


def first_step(model, data, tmp_path, batch_size: int, accumulation: int, **trainer) -> tuple[float, float]:
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
    trainer = Trainer(model=model.train(), args=args, train_dataset=data, **trainer)
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
    """Two heads: Trainer counts clips x heads label entries; the loss is still the heads' mean, per clip."""
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


FLOAT_LABELS = {
    "regression": (dict(num_labels=1), torch.tensor([0.5, -1.0, 2.0, 0.1])),
    "regression_of_3": (
        dict(num_labels=3, problem_type="regression"),
        torch.tensor([[0.3, -1.2, 0.8], [1.5, 0.0, -0.4], [-0.7, 2.1, 0.2], [0.9, -0.3, -1.1]]),
    ),
    "multi_label_classification": (
        dict(problem_type="multi_label_classification"),
        torch.tensor([[1.0, 0, 0, 1, 0], [0, 0, 1, 0, 0], [1, 1, 0, 0, 0], [0, 0, 0, 0, 1]]),
    ),
}


@pytest.mark.parametrize("problem", FLOAT_LABELS)
def test_gradient_accumulation_of_float_labels_gives_the_full_batch(problem, tmp_path):
    """transformers' MSE and BCE losses ignore `num_items_in_batch` (its own Vivit too), and Trainer no longer divides
    by the accumulation steps: two micro-batches trained with twice the loss and gradients of the batch of 4."""
    overrides, labels = FLOAT_LABELS[problem]
    data = examples(4, labels)
    whole = first_step(tiny("spatio_temporal", **overrides), data, tmp_path, batch_size=4, accumulation=1)
    accumulated = first_step(tiny("spatio_temporal", **overrides), data, tmp_path, batch_size=2, accumulation=2)
    assert accumulated == pytest.approx(whole, rel=1e-4)


@pytest.mark.parametrize("problem", FLOAT_LABELS)
def test_float_label_losses_are_transformers_own_for_a_whole_batch(problem):
    """Counted over this batch alone (Trainer without accumulation) the loss is transformers' mean, bit for bit; a
    batch that is half of the step's label entries gives half of it."""
    overrides, labels = FLOAT_LABELS[problem]
    model = tiny("spatio_temporal", **overrides)
    pixel_values, labels = clip(), labels[:2]
    with torch.no_grad():
        mean = model(pixel_values=pixel_values, labels=labels).loss
        alone = model(pixel_values=pixel_values, labels=labels, num_items_in_batch=torch.tensor(labels.numel())).loss
        half = model(pixel_values=pixel_values, labels=labels, num_items_in_batch=2 * labels.numel()).loss
    torch.testing.assert_close(alone, mean, rtol=0, atol=0)
    torch.testing.assert_close(half, mean / 2)


TWO_HEADS = dict(label_spaces={"noun": 3, "verb": 2})


def test_label_smoother_of_one_head_is_transformers_label_smoother():
    """`ViViTLabelSmoother` with one head is what Trainer's `label_smoothing_factor` computes, counted or not."""
    model = tiny("spatio_temporal")
    labels = torch.tensor([3, 0])
    with torch.no_grad():
        outputs = model(pixel_values=clip())
    for count in (None, torch.tensor(6)):
        torch.testing.assert_close(
            ViViTLabelSmoother(0.2)(outputs, labels, num_items_in_batch=count),
            LabelSmoother(0.2)(outputs, labels, num_items_in_batch=count),
        )


def test_label_smoother_smooths_each_label_space_over_its_own_classes():
    """Several heads: each head's labels are smoothed over its own classes and the heads' losses averaged, as
    transformers' `LabelSmoother` would give for each head alone (over all the logits at once it fails)."""
    model = tiny("factorised_encoder", **TWO_HEADS)
    labels = torch.tensor([[2, 1], [0, 0]])
    with torch.no_grad():
        outputs = model(pixel_values=clip())
    per_head = sum(
        LabelSmoother(0.2)({"logits": outputs.head_logits[name]}, labels[:, i])
        for i, name in enumerate(TWO_HEADS["label_spaces"])
    ) / len(TWO_HEADS["label_spaces"])
    torch.testing.assert_close(ViViTLabelSmoother(0.2)(outputs, labels), per_head)
    torch.testing.assert_close(
        ViViTLabelSmoother(0.0)(outputs, labels), multi_head_cross_entropy(outputs.logits, labels, [3, 2])
    )


@pytest.mark.parametrize(
    "labels", [torch.tensor([0.5, -1.0]), torch.tensor([[1.0, 0, 1, 0, 0], [0, 1, 0, 0, 0]])[:, :3], torch.tensor([1])]
)
def test_label_smoother_refuses_labels_that_are_not_classes(labels):
    """A regression's float targets (or labels of the wrong shape) would smooth into a meaningless loss: refused."""
    with torch.no_grad():
        outputs = tiny("spatio_temporal")(pixel_values=clip())
    with pytest.raises(ValueError, match=r"single-label classification.*got"):
        ViViTLabelSmoother(0.1)(outputs, labels)


def test_label_smoother_given_the_model_refuses_one_without_a_classifier():
    """A `num_labels=0` model's logits are its pooled features: the smoother trained cross-entropy over them without a
    word (Trainer hands it the outputs alone; the model's own refusal of labels never runs)."""
    with pytest.raises(ValueError, match=r"no classifier \(num_labels=0"):
        ViViTLabelSmoother(0.1, model=tiny("spatio_temporal", num_labels=0))
    # checked, not kept: a kept model made it unequal to the same smoother built without (and copied it along)
    assert ViViTLabelSmoother(0.1, model=tiny("spatio_temporal")) == ViViTLabelSmoother(0.1)


def test_label_smoothing_of_label_spaces_under_trainer_with_gradient_accumulation(tmp_path):
    """`compute_loss_func=ViViTLabelSmoother(...)` trains two heads with smoothed labels (Trainer's own
    `label_smoothing_factor` fails there); two micro-batches of 2 give the step of one batch of 4."""
    labels = torch.tensor([[0, 1], [2, 0], [1, 1], [2, 1]])
    data, smoother = examples(4, labels), ViViTLabelSmoother(0.1)
    whole = first_step(tiny("factorised_encoder", **TWO_HEADS), data, tmp_path, 4, 1, compute_loss_func=smoother)
    accumulated = first_step(tiny("factorised_encoder", **TWO_HEADS), data, tmp_path, 2, 2, compute_loss_func=smoother)
    assert accumulated == pytest.approx(whole, rel=1e-4)
    with torch.no_grad():
        expected = smoother(tiny("factorised_encoder", **TWO_HEADS)(pixel_values=clip(batch=4, seed=3)), labels)
    assert whole[0] == pytest.approx(expected.item(), rel=1e-4)


def test_evaluate_with_label_spaces_hands_compute_metrics_the_logits_and_each_head(tmp_path):
    """As docs/models.md says: predictions `(logits, {head: logits})` over all clips (batches of 2, 2 and 1 put
    together), label_ids (n, heads), and the evaluation loss the mean over the clips."""
    labels = torch.tensor([[0, 1], [2, 0], [1, 1], [2, 1], [0, 0]])
    model, seen = tiny("factorised_encoder", **TWO_HEADS), {}

    def compute_metrics(prediction):
        seen["predictions"], seen["label_ids"] = prediction.predictions, prediction.label_ids
        return {}

    args = TrainingArguments(tmp_path, per_device_eval_batch_size=2, report_to=[], use_cpu=True, disable_tqdm=True)
    metrics = Trainer(model=model, args=args, compute_metrics=compute_metrics).evaluate(examples(5, labels))
    logits, heads = seen["predictions"]
    with torch.no_grad():
        expected = model(pixel_values=clip(batch=5, seed=3), labels=labels)
    torch.testing.assert_close(torch.from_numpy(logits), expected.logits, rtol=1e-4, atol=1e-5)
    assert {name: head.shape for name, head in heads.items()} == {"noun": (5, 3), "verb": (5, 2)}
    assert seen["label_ids"].tolist() == labels.tolist()
    assert metrics["eval_loss"] == pytest.approx(expected.loss.item(), rel=1e-4)
