# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""scenic's own "initialise ViViT from an image ViT" surgery (shared/fixtures/scenic_init) reproduced exactly.

Each case: start from `vivit_params_before.npz`, initialise from `vit_params.npz` with the options the case names,
and compare with `vivit_params_after.npz` key by key, as `after_key_provenance` describes each key.
"""

import json

import numpy as np
import pytest
from conftest import FIXTURES, fixture_cases

from vivit_hf.conversion.vit_init import initialise_from_vit
from vivit_hf.convert import load_scenic, to_scenic

ROOT = FIXTURES
CASES = fixture_cases("scenic_init")

# scenic's option names -> ours
TUBELET_INIT = {
    "central_frame_initializer": "central_frame",
    "average_frame_initializer": "filter_inflation",
    "average_arp_frame_initializer": "arp",
}
# Our one deliberate difference (vit_init module docstring): Model 2's spatial CLS token comes from the ViT.
FROM_VIT_INSTEAD_OF_UNCHANGED = {"cls_SpatialTransformer": "cls"}


def scenic_options(case_config, model):
    """initialise_from_vit options for the case, with scenic's defaults where the case leaves one out."""
    options = case_config["options"]
    init_from = options.get("init_from", {})
    kernel_init = options.get("temporal_encoding_config.kernel_init_method", "central_frame_initializer")
    tubelet_init = TUBELET_INIT[kernel_init] if init_from.get("restore_input_embedding", True) else "random"
    positional = init_from.get("positional_embed_size_change", "tile")
    if not init_from.get("restore_positional_embedding", True):
        positional = "random"
    options = dict(tubelet_init=tubelet_init, positional_embedding=positional)
    if model.config.model_type == "vivit_factorised_self_attention":
        # scenic copies the ViT attention into Model 3's temporal attention ("copy"), unlike our default "zero".
        options["temporal_attention_init"] = "copy"
    return options


def load(case_name):
    case = ROOT / "scenic_init" / case_name
    config = json.loads((case / "config.json").read_text())
    arrays = {}
    for name in ("vit_params", "vivit_params_before", "vivit_params_after"):
        with np.load(case / f"{name}.npz", allow_pickle=False) as archive:
            arrays[name] = {key: archive[key] for key in archive.files}
    return config, arrays


def test_init_fixture_cases_exist():
    assert len(CASES) >= 5, f"expected scenic init cases under {ROOT / 'scenic_init'}"


@pytest.mark.parametrize("name", CASES)
def test_initialisation_matches_scenic(name):
    config, arrays = load(name)
    before, after, vit = arrays["vivit_params_before"], arrays["vivit_params_after"], arrays["vit_params"]
    model = load_scenic(before, config["vivit_model_config"])
    initialise_from_vit(model, vit, **scenic_options(config, model))
    result = to_scenic(model)
    assert result.keys() == after.keys()
    for key, provenance in config["after_key_provenance"].items():
        if key in FROM_VIT_INSTEAD_OF_UNCHANGED:
            np.testing.assert_array_equal(result[key], vit[FROM_VIT_INSTEAD_OF_UNCHANGED[key]], err_msg=key)
        elif provenance.startswith("transformed"):  # resized / tiled position embeddings, inflated kernels
            np.testing.assert_allclose(result[key], after[key], atol=1e-6, rtol=0, err_msg=key)
        else:  # copies are bit-equal; untouched keys keep their values
            np.testing.assert_array_equal(result[key], after[key], err_msg=f"{key}: {provenance}")


@pytest.mark.parametrize("name", CASES)
def test_every_unused_vit_parameter_is_named(name):
    config, arrays = load(name)
    model = load_scenic(arrays["vivit_params_before"], config["vivit_model_config"])
    report = initialise_from_vit(model, arrays["vit_params"], **scenic_options(config, model))
    assert {"output_projection/kernel", "output_projection/bias"} <= set(report.unused)
    if config["options"]["vit_classifier"] == "token" and config["options"]["vivit_classifier"] == "gap":
        assert "cls" in report.unused
