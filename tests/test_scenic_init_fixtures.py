# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""scenic's own "initialise ViViT from an image ViT" surgery (shared/fixtures/scenic_init) reproduced exactly.

Each case: start from `vivit_params_before.npz`, initialise from `vit_params.npz` with the options the case names,
and compare with `vivit_params_after.npz` key by key, as `after_key_provenance` describes each key: every key,
Model 2's `cls_SpatialTransformer` too (the video model's own, as scenic copies the ViT's `cls` only into a `cls`).
"""

import json

import numpy as np
import pytest
from conftest import FIXTURES, case_dir, fixture_cases

from vivit_hf.conversion.vit_init import ViTInitError, initialise_from_vit
from vivit_hf.convert import load_scenic, to_scenic

ROOT = FIXTURES
CASES = fixture_cases("scenic_init", extra=True)

# scenic's option names -> ours
TUBELET_INIT = {
    "central_frame_initializer": "central_frame",
    "average_frame_initializer": "filter_inflation",
    "average_arp_frame_initializer": "arp",
}
# The case's options besides `init_from`: the two classifiers only describe the case (each config carries its own),
# and the kernel init method is read below.
DESCRIPTIVE_OPTIONS = {"vit_classifier", "vivit_classifier"}


class UnmappableScenicOption(ValueError):
    """A scenic init option this test has no vivit_hf equivalent for: the case is refused by name, never guessed."""


def kernel_init_method(case_config, options):
    """The case's own kernel init method, else the video model config's (where scenic's init_embedding reads it).
    One the case states as None (a frame-sampling config has none) is the config's too: scenic reads the method only
    for a tubelet kernel, and a ViT kernel of the video kernel's shape is copied whatever it says."""
    model = case_config["vivit_model_config"]["model"]
    default = model.get("temporal_encoding_config", {}).get("kernel_init_method") or "central_frame_initializer"
    method = options.get("temporal_encoding_config.kernel_init_method") or default
    if method not in TUBELET_INIT:
        raise UnmappableScenicOption(f"kernel_init_method {method!r} has no tubelet_init (have {sorted(TUBELET_INIT)})")
    return TUBELET_INIT[method]


def scenic_options(case_config, model):
    """initialise_from_vit options for the case: every option scenic's model_utils.initialise_from_train_state reads
    (init_from.*, restore_output_proj, the kernel init method), with scenic's defaults where the case leaves one out;
    an option that cannot be mapped raises `UnmappableScenicOption` naming it."""
    options = dict(case_config["options"])
    init_from = dict(options.get("init_from", {}))
    mapped_elsewhere = {"init_from", "temporal_encoding_config.kernel_init_method", "restore_output_proj"}
    unknown = set(options) - DESCRIPTIVE_OPTIONS - mapped_elsewhere
    if unknown:
        raise UnmappableScenicOption(f"scenic init options this test cannot map: {sorted(unknown)}")
    restore_output_proj = options.get("restore_output_proj", False)
    if restore_output_proj not in (True, False):
        raise UnmappableScenicOption(f"restore_output_proj={restore_output_proj!r}: scenic reads it as a bool")
    init_from.pop("checkpoint_format", None)  # how scenic reads the ViT's tree, not what it does with it
    init_from.pop("init_temporal_layer_norm", None)  # scenic only logs it: Model 3's temporal LayerNorm stays its own
    restore_embedding = init_from.pop("restore_input_embedding", True)
    tubelet_init = kernel_init_method(case_config, options) if restore_embedding else "random"
    positional = init_from.pop("positional_embed_size_change", "tile")
    if not init_from.pop("restore_positional_embedding", True):
        positional = "random"
    mapped = dict(
        tubelet_init=tubelet_init,
        positional_embedding=positional,
        classifier_init="copy" if restore_output_proj else "keep",
    )
    # scenic reads init_spatial_transformer / init_temporal_transformer for Model 3's block only (its default True
    # copies the ViT attention into both axes; False keeps the video model's own); the other variants ignore them.
    copy_spatial = init_from.pop("init_spatial_transformer", True)
    copy_temporal = init_from.pop("init_temporal_transformer", True)
    if model.config.model_type == "vivit_factorised_self_attention":
        mapped["temporal_attention_init"] = "copy" if copy_temporal else "keep"
        mapped["spatial_attention_init"] = "copy" if copy_spatial else "keep"
    if init_from:
        raise UnmappableScenicOption(f"scenic init_from options this test cannot map: {sorted(init_from)}")
    return mapped


def load(case_name):
    case = case_dir("scenic_init", case_name)
    config = json.loads((case / "config.json").read_text())
    arrays = {}
    for name in ("vit_params", "vivit_params_before", "vivit_params_after"):
        with np.load(case / f"{name}.npz", allow_pickle=False) as archive:
            arrays[name] = {key: archive[key] for key in archive.files}
    return config, arrays


def test_init_fixture_cases_exist():
    assert fixture_cases("scenic_init"), f"expected scenic init cases under {ROOT / 'scenic_init'}"  # any count


@pytest.mark.parametrize("name", CASES)
def test_initialisation_matches_scenic(name):
    config, arrays = load(name)
    before, after, vit = arrays["vivit_params_before"], arrays["vivit_params_after"], arrays["vit_params"]
    model = load_scenic(before, config["vivit_model_config"])
    initialise_from_vit(model, vit, **scenic_options(config, model))
    check_as_scenic(to_scenic(model), config, after)


def check_as_scenic(result, config, after):
    assert result.keys() == after.keys()
    for key, provenance in config["after_key_provenance"].items():
        if provenance.startswith("transformed"):  # resized / tiled position embeddings, inflated kernels
            np.testing.assert_allclose(result[key], after[key], atol=1e-6, rtol=0, err_msg=key)
        else:  # copies are bit-equal; untouched keys keep their values
            np.testing.assert_array_equal(result[key], after[key], err_msg=f"{key}: {provenance}")


@pytest.mark.parametrize("name", CASES)
def test_a_video_model_deeper_than_the_vit_keeps_its_own_deeper_block(name):
    """scenic copies the blocks the ViT has, one for one, and leaves a deeper video model's further blocks as they
    were initialised; such a model was refused ('num_hidden_layers: video model 3, ViT only 2'). The case with one
    more block in the video model (a perturbed copy of its last): scenic's `after` for every other key, that block
    unchanged. (A ViT deeper than the video model makes scenic's init fail: no case has one.)"""
    config, arrays = load(name)
    vivit_config = json.loads(json.dumps(config["vivit_model_config"]))
    model_config = vivit_config["model"]
    encoder, sizes = (
        ("SpatialTransformer", model_config["spatial_transformer"])
        if "spatial_transformer" in model_config
        else ("Transformer", model_config)
    )
    last = f"{encoder}/encoderblock_{sizes['num_layers'] - 1}/"
    deeper = f"{encoder}/encoderblock_{sizes['num_layers']}/"
    sizes["num_layers"] += 1
    rng = np.random.default_rng(0)
    block = {
        key.replace(last, deeper): (value + rng.normal(0, 0.1, value.shape)).astype(np.float32)
        for key, value in arrays["vivit_params_before"].items()
        if key.startswith(last)
    }
    model = load_scenic({**arrays["vivit_params_before"], **block}, vivit_config)
    initialise_from_vit(model, arrays["vit_params"], **scenic_options(config, model))
    result = to_scenic(model)
    for key, value in block.items():
        np.testing.assert_array_equal(result.pop(key), value, err_msg=key)
    check_as_scenic(result, config, arrays["vivit_params_after"])


@pytest.mark.parametrize("name", CASES)
def test_every_unused_vit_parameter_is_named(name):
    config, arrays = load(name)
    model = load_scenic(arrays["vivit_params_before"], config["vivit_model_config"])
    report = initialise_from_vit(model, arrays["vit_params"], **scenic_options(config, model))
    head = {"output_projection/kernel", "output_projection/bias"}
    if config["options"].get("restore_output_proj", False):
        assert not head & set(report.unused)
    else:
        assert head <= set(report.unused)
    if config["options"]["vit_classifier"] == "token" and config["options"]["vivit_classifier"] == "gap":
        assert "cls" in report.unused


def test_options_this_test_cannot_map_are_refused_by_name():
    """A new scenic option must never be silently read as the default: the case fails naming it."""
    config, arrays = load(CASES[0])
    model = load_scenic(arrays["vivit_params_before"], config["vivit_model_config"])
    for change, name in (
        ({"init_from": {**config["options"].get("init_from", {}), "new_option": 1}}, "new_option"),
        ({"restore_output_proj": "yes"}, "restore_output_proj"),
        ({"some_other_option": 1}, "some_other_option"),
        ({"temporal_encoding_config.kernel_init_method": "xavier"}, "xavier"),
    ):
        with pytest.raises(UnmappableScenicOption, match=name):
            scenic_options({**config, "options": {**config["options"], **change}}, model)


def test_a_kernel_init_method_the_case_states_as_none_is_read_as_scenic_reads_it():
    """A frame-sampling case may state `kernel_init_method: None` (its config has none, and scenic copies the ViT's
    2D kernel without reading it); it was refused as an option this test cannot map, failing a case scenic ran."""
    name = "extra-i_m1_gap_from_token_vit_tsampling_resize_tile"
    config, arrays = load(name)
    config["options"]["temporal_encoding_config.kernel_init_method"] = None
    model = load_scenic(arrays["vivit_params_before"], config["vivit_model_config"])
    initialise_from_vit(model, arrays["vit_params"], **scenic_options(config, model))
    check_as_scenic(to_scenic(model), config, arrays["vivit_params_after"])


def test_restore_output_proj_cases_exist():
    """scenic's restore_output_proj=True was refused by name here; the repository keeps cases of it."""
    assert any(
        json.loads((case_dir("scenic_init", name) / "config.json").read_text())["options"].get("restore_output_proj")
        for name in CASES
    )


@pytest.mark.parametrize("name", CASES)
def test_restore_output_proj_with_other_classes_is_refused_naming_both(name):
    """scenic copies the ViT's output_projection whatever its shape, into a tree its model no longer fits; here a
    video model with other classes than the ViT's is refused, naming both counts, and left unchanged."""
    config, arrays = load(name)
    vit = arrays["vit_params"]
    classes = vit["output_projection/bias"].shape[0] + 1
    model = load_scenic(arrays["vivit_params_before"], config["vivit_model_config"], num_labels=classes)
    unchanged = to_scenic(model)
    options = {**scenic_options(config, model), "classifier_init": "copy"}
    with pytest.raises(ViTInitError, match=f"ViT's classifier has {classes - 1} classes, the video model's {classes} "):
        initialise_from_vit(model, vit, **options)
    for key, value in to_scenic(model).items():
        np.testing.assert_array_equal(value, unchanged[key], err_msg=key)


def test_restore_output_proj_into_a_model_without_the_vits_representation_layer_is_refused_naming_both():
    """The ViT's output_projection reads its pre_logits (width 12); a video model without representation_size reads
    its hidden size (16): scenic copies the (12, 10) kernel into a model that needs (16, 10); here it is refused."""
    config, arrays = load("extra-i_m1_norepr_from_repr_vit")
    classes = arrays["vit_params"]["output_projection/bias"].shape[0]
    model = load_scenic(arrays["vivit_params_before"], config["vivit_model_config"], num_labels=classes)
    options = {**scenic_options(config, model), "classifier_init": "copy"}
    representation = arrays["vit_params"]["pre_logits/kernel"].shape[1]
    hidden = arrays["vivit_params_before"]["output_projection/kernel"].shape[0]
    assert "pre_logits/kernel" not in arrays["vivit_params_before"] and representation != hidden
    expected = rf"reads {representation} features \(its representation layer's width\), the video model's {hidden} "
    with pytest.raises(ViTInitError, match=expected):
        initialise_from_vit(model, arrays["vit_params"], **options)
