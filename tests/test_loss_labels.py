# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The labels a fresh model's loss takes, against torch's own losses.

transformers' rule sets `problem_type` from the first labels a model with none sees (int64 / int32 class indices:
single-label; other labels: multi-label). Labels that rule accepts are trained as it names them; labels that fit no
loss are refused by name, and the model keeps no `problem_type` from them."""

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
