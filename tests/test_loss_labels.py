# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The labels a fresh model's loss takes, against torch's own losses.

transformers' rule sets `problem_type` from the first labels a model with none sees (int64 / int32 class indices:
single-label; other labels: multi-label). Labels that rule accepts are trained as it names them; labels that fit no
loss are refused by name, and the model keeps no `problem_type` from them."""

import logging

import pytest
import torch
import torch.nn.functional as F
from test_models import clip, tiny


def test_int32_class_indices_train_as_single_label():
    # transformers' rule calls int32 labels single-label; torch's cross-entropy then refused them ("expected target
    # dtype to be Long or Byte, but got Int")
    model = tiny("factorised_encoder")
    labels = torch.tensor([1, 3], dtype=torch.int32)
    out = model(pixel_values=clip(), labels=labels)
    assert model.config.problem_type == "single_label_classification"
    torch.testing.assert_close(out.loss, F.cross_entropy(out.logits, labels.long()))


@pytest.mark.parametrize("dtype", [torch.int64, torch.uint8, torch.bool])
def test_integer_multi_hot_labels_are_multi_label_targets(dtype):
    # BCE refused them: "result type Float can't be cast to the desired output type Long"
    model = tiny("spatio_temporal", problem_type="multi_label_classification")
    labels = torch.tensor([[1, 0, 0, 1, 0], [0, 0, 1, 0, 0]]).to(dtype)
    out = model(pixel_values=clip(), labels=labels)
    torch.testing.assert_close(out.loss, F.binary_cross_entropy_with_logits(out.logits, labels.float()))


def test_multi_hot_int64_labels_on_a_fresh_model_are_refused_by_name_and_set_no_problem_type():
    # transformers' rule reads int64 (batch, classes) as single-label: the first call met torch's "Expected input
    # batch_size (2) to match target batch_size (10)", and the config kept single-label for every later call
    model = tiny("factorised_self_attention")
    multi_hot = torch.tensor([[1, 0, 0, 1, 0], [0, 0, 1, 0, 0]])
    with pytest.raises(ValueError, match=r"single_label_classification.*int64 of shape \(2, 5\).*multi_label"):
        model(pixel_values=clip(), labels=multi_hot)
    assert model.config.problem_type is None
    out = model(pixel_values=clip(), labels=multi_hot.float())  # float labels now set multi-label, as transformers
    assert model.config.problem_type == "multi_label_classification"
    torch.testing.assert_close(out.loss, F.binary_cross_entropy_with_logits(out.logits, multi_hot.float()))


def test_class_indices_of_a_small_integer_dtype_are_refused_by_name_and_set_no_problem_type():
    # transformers' rule reads uint8 labels as multi-label: BCE met "Target size (torch.Size([2])) must be the same
    # as input size (torch.Size([2, 5]))", and the config kept multi-label for the int64 labels that followed
    model = tiny("factorised_dot_product")
    with pytest.raises(ValueError, match=r"multi_label_classification.*\(2, 5\).*uint8 of shape \(2,\).*int64"):
        model(pixel_values=clip(), labels=torch.tensor([1, 3], dtype=torch.uint8))
    assert model.config.problem_type is None
    out = model(pixel_values=clip(), labels=torch.tensor([1, 3]))
    assert model.config.problem_type == "single_label_classification"
    torch.testing.assert_close(out.loss, F.cross_entropy(out.logits, torch.tensor([1, 3])))


def _labelled_mean(logits, labels, head_sizes, label_smoothing=0.0):
    """torch's cross-entropy of each head summed over its labelled clips, over the labelled (clip, head) entries."""
    heads = logits.split(head_sizes, dim=-1)
    total = sum(
        F.cross_entropy(head, labels[:, i].long(), reduction="sum", label_smoothing=label_smoothing)
        for i, head in enumerate(heads)
    )
    return total / labels.ne(-100).sum()


def test_int32_class_indices_train_with_label_spaces():
    # one head took int32 labels; with label spaces torch's cross-entropy refused them ("expected target dtype to be
    # Long or Byte, but got Int"), in the model's loss and in ViViTLabelSmoother alike
    from vivit_hf import ViViTLabelSmoother

    model = tiny("factorised_encoder", label_spaces={"noun": 3, "verb": 2})
    labels = torch.tensor([[2, -100], [0, 1]], dtype=torch.int32)
    out = model(pixel_values=clip(), labels=labels)
    torch.testing.assert_close(out.loss, _labelled_mean(out.logits, labels, [3, 2]))
    smoothed = ViViTLabelSmoother(0.1)(out, labels)
    torch.testing.assert_close(smoothed, _labelled_mean(out.logits, labels, [3, 2], label_smoothing=0.1))


def test_float_class_indices_with_label_spaces_are_refused_by_name():
    # read as soft targets laid out like the logits, they met "split_with_sizes expects split_sizes to sum exactly
    # to 2", naming neither the labels nor the fix
    model = tiny("factorised_encoder", label_spaces={"noun": 3, "verb": 2})
    with pytest.raises(ValueError, match=r"integer class indices of shape \(batch, 2\).*float32 of shape \(2, 2\)"):
        model(pixel_values=clip(), labels=torch.tensor([[2.0, 0.0], [0.0, 1.0]]))


def test_regression_labels_of_another_shape_are_refused_by_name():
    # torch's MSE broadcast one target per clip, (2, 1), against (2, 5) logits (a warning only): a loss of no
    # meaning; (2,) targets met "The size of tensor a (5) must match the size of tensor b (2)"
    model = tiny("spatio_temporal", problem_type="regression")
    with pytest.raises(ValueError, match=r"regression.*\(2, 5\).*float32 of shape \(2, 1\)"):
        model(pixel_values=clip(), labels=torch.tensor([[1.0], [3.0]]))
    with pytest.raises(ValueError, match=r"regression.*\(2, 5\).*int64 of shape \(2,\)"):
        model(pixel_values=clip(), labels=torch.tensor([1, 3]))
    targets = torch.randn(2, 5, generator=torch.Generator().manual_seed(0))
    out = model(pixel_values=clip(), labels=targets)
    torch.testing.assert_close(out.loss, F.mse_loss(out.logits, targets))
    one = tiny("spatio_temporal", num_labels=1)  # one output: (batch,) and (batch, 1) targets alike, as transformers
    for shape in [(2,), (2, 1)]:
        out = one(pixel_values=clip(), labels=targets[:, 0].reshape(shape))
        torch.testing.assert_close(out.loss, F.mse_loss(out.logits[:, 0], targets[:, 0]))


def test_single_label_over_one_output_is_refused_or_warned_not_trained_on_a_loss_of_0(tmp_path, caplog):
    # A classifier's checkpoint saves problem_type='single_label_classification' (its first labels set it);
    # transformers' config refuses it with num_labels=1 at construction only, so `from_pretrained(path, num_labels=1,
    # ignore_mismatched_sizes=True)` for a regression kept it: float targets met torch's "expected target dtype to be
    # Long or Byte, but got Float", integer ones trained on a cross-entropy over one class, 0 whatever the logits.
    model = tiny("spatio_temporal", problem_type="single_label_classification")
    model.config.save_pretrained(tmp_path)
    with pytest.raises(ValueError, match=r"num_labels=1.*0 whatever the logits.*problem_type='regression'"):
        type(model.config).from_pretrained(tmp_path, num_labels=1)
    config = type(model.config).from_pretrained(tmp_path, num_labels=1, problem_type="regression")  # the fix named
    assert config.num_labels == 1 and config.problem_type == "regression"
    # set on a built config (transformers' common test_problem_types does so, with zeros as labels): float targets
    # are refused, class indices warned of
    model.config.num_labels = 1
    one = type(model)(model.config)
    with pytest.raises(ValueError, match=r"num_labels=1 takes class indices.*0 whatever the logits.*'regression'"):
        one(pixel_values=clip(), labels=torch.tensor([0.3, 1.7]))
    # (said once per process: transformers' common test_problem_types, run before in the same process, said it)
    logging.Logger.warning_once.cache_clear()
    with caplog.at_level("WARNING"):
        assert one(pixel_values=clip(), labels=torch.tensor([0, 0])).loss.item() == 0.0
    assert "nothing trains" in caplog.text


def test_labels_for_a_model_without_a_classifier_are_refused_but_a_regression_onto_its_features():
    # num_labels=0 gives the pooled features as `logits`: class indices were refused as multi-label targets with the
    # advice to set single_label_classification, which then failed in torch ("shape '[-1, 0]' is invalid"); 0-1
    # targets of the features' shape trained a binary cross-entropy over the features, as if they were class logits
    model = tiny("factorised_encoder", num_labels=0)
    indices, multi_hot = torch.tensor([1, 3]), torch.zeros(2, 32)
    for problem_type, labels in [(None, indices), ("single_label_classification", indices), (None, multi_hot)]:
        model.config.problem_type = problem_type
        given = r"int64 of shape \(2,\)" if labels is indices else r"float32 of shape \(2, 32\)"
        with pytest.raises(ValueError, match=r"no classifier \(num_labels=0: .*\(batch, 32\)\).*" + given):
            model(pixel_values=clip(), labels=labels)
        assert model.config.problem_type == problem_type
    model.config.problem_type = "regression"
    targets = torch.randn(2, 32)
    out = model(pixel_values=clip(), labels=targets)
    torch.testing.assert_close(out.loss, F.mse_loss(out.logits, targets))
