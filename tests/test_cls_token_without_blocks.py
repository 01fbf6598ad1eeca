# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""A CLS token through an encoder with no block sees no video: the model's output is the same for every video.

scenic takes such configs (and the converter reproduces them), so they are not refused; but a user trying the
paper's Table 3 "0 temporal layers" with the default `token` classifier got a model whose logits never depend on the
video, and trained it to the class prior without a word. The config now says so when it is built."""

import logging

import pytest
import torch
from test_models import clip, tiny

from vivit_hf.models import configuration_vivit

BLIND = [
    ("spatio_temporal", dict(num_hidden_layers=0), "`num_hidden_layers=0`"),
    ("spatio_temporal", dict(num_hidden_layers=0, embedding_type="frame_sampling"), "`num_hidden_layers=0`"),
    ("factorised_encoder", dict(num_temporal_layers=0), "`num_temporal_layers=0`"),
    ("factorised_encoder", dict(num_hidden_layers=0), "`num_hidden_layers=0`"),
]


@pytest.mark.parametrize("name, overrides, field", BLIND)
def test_a_token_classifier_behind_an_encoder_without_blocks_is_warned_of(name, overrides, field, caplog):
    with caplog.at_level(logging.WARNING, logger=configuration_vivit.__name__):
        model = tiny(name, classifier="token", **overrides)
    assert field in caplog.text and "same output for every video" in caplog.text
    with torch.no_grad():  # what the warning says: two unrelated videos, the same logits
        torch.testing.assert_close(
            model(pixel_values=clip(seed=1)).logits, model(pixel_values=clip(seed=2)).logits, rtol=0, atol=0
        )


@pytest.mark.parametrize(
    "name, overrides",
    [
        ("factorised_encoder", dict(num_temporal_layers=0, classifier="gap")),
        ("factorised_encoder", dict(num_temporal_layers=1, classifier="token")),
        ("spatio_temporal", dict(num_hidden_layers=0, classifier="gap")),
    ],
)
def test_models_whose_output_depends_on_the_video_are_not_warned_of(name, overrides, caplog):
    with caplog.at_level(logging.WARNING, logger=configuration_vivit.__name__):
        model = tiny(name, **overrides)
    assert "same output for every video" not in caplog.text
    with torch.no_grad():
        assert not torch.allclose(model(pixel_values=clip(seed=1)).logits, model(pixel_values=clip(seed=2)).logits)
