# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""transformers' own ViViT checkpoints (old Hub key names and transformers 5 names) load into ViViTSpatioTemporal*."""

import re

import numpy as np
import pytest
import torch
from safetensors import safe_open
from safetensors.torch import save_file
from transformers import AutoModelForVideoClassification, VivitConfig, VivitForVideoClassification, VivitModel

import vivit_hf  # noqa: F401 - attaches from_transformers_vivit to the Model 1 classes
from vivit_hf import ViViTSpatioTemporalConfig
from vivit_hf.conversion.transformers_vivit import TransformersCheckpointError, from_transformers_vivit, normalise_key
from vivit_hf.models.modeling_vivit import (
    ViViTFactorisedEncoderForVideoClassification,
    ViViTSpatioTemporalForVideoClassification,
    ViViTSpatioTemporalModel,
)


def tiny_config(**overrides):
    sizes = dict(
        hidden_size=16,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=32,
        image_size=32,
        num_frames=4,
        tubelet_size=[2, 8, 8],
        num_labels=5,
    )
    return VivitConfig(**{**sizes, **overrides})


def randomised(model):
    torch.manual_seed(0)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.add_(torch.randn_like(parameter) * 0.1)
    return model.eval()


def save(model, folder, names: str):
    """`old`: what save_pretrained writes (the Hub's names); `new`: transformers 5's module names."""
    model.save_pretrained(folder)
    if names == "new":
        save_file({k: v.contiguous() for k, v in model.state_dict().items()}, folder / "model.safetensors")
    return folder


@pytest.fixture(scope="module")
def clip():
    return torch.randn(2, 4, 3, 32, 32, generator=torch.Generator().manual_seed(3))


def test_old_names_become_transformers_5_names():
    assert (
        normalise_key("vivit.encoder.layer.3.attention.attention.query.weight")
        == "vivit.layers.3.attention.q_proj.weight"
    )
    assert normalise_key("vivit.encoder.layer.0.attention.output.dense.bias") == "vivit.layers.0.attention.o_proj.bias"
    assert normalise_key("vivit.encoder.layer.1.intermediate.dense.weight") == "vivit.layers.1.mlp.fc1.weight"
    assert normalise_key("vivit.encoder.layer.1.output.dense.weight") == "vivit.layers.1.mlp.fc2.weight"
    assert normalise_key("vivit.layers.1.mlp.fc2.weight") == "vivit.layers.1.mlp.fc2.weight"


@pytest.mark.parametrize("names", ["old", "new"])
def test_classification_checkpoint_gives_the_same_logits(tmp_path, clip, names):
    reference = randomised(VivitForVideoClassification(tiny_config(hidden_act="gelu_fast")))
    folder = save(reference, tmp_path / names, names)
    with safe_open(folder / "model.safetensors", "pt") as weights:
        spelling = {
            "old": "vivit.encoder.layer.0.attention.attention.query.weight",
            "new": "vivit.layers.0.attention.q_proj.weight",
        }[names]
        assert spelling in weights.keys()
    model = ViViTSpatioTemporalForVideoClassification.from_transformers_vivit(folder)
    assert model.config.hidden_act == "gelu_fast"  # the checkpoint's own activation is kept
    assert model.config.id2label == reference.config.id2label
    with torch.no_grad():
        torch.testing.assert_close(
            model(pixel_values=clip).logits, reference(pixel_values=clip).logits, atol=1e-5, rtol=0
        )


@pytest.mark.parametrize("wrap", [None, torch.nn.DataParallel], ids=["model", "data_parallel"])
def test_a_transformers_vivit_object_converts_as_its_folder_does(clip, wrap):
    """`from_transformers_vivit(model)` with the model in memory, as `from_vit_pretrained` takes one: it met
    os.fspath's "expected str, bytes or os.PathLike object, not VivitForVideoClassification"."""
    reference = randomised(VivitForVideoClassification(tiny_config(hidden_act="gelu_fast")))
    model = ViViTSpatioTemporalForVideoClassification.from_transformers_vivit(wrap(reference) if wrap else reference)
    assert model.config.hidden_act == "gelu_fast" and model.config.id2label == reference.config.id2label
    with torch.no_grad():
        torch.testing.assert_close(
            model(pixel_values=clip).logits, reference(pixel_values=clip).logits, atol=1e-5, rtol=0
        )


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (torch.nn.Linear(2, 2), "a Linear object has no transformers `config`"),
        (3, "got a int: 3"),
        # the folder's advice, "load it with from_pretrained", named no step for a model already loaded
        (
            torch.nn.DataParallel(
                ViViTSpatioTemporalModel(ViViTSpatioTemporalConfig(hidden_size=8, num_attention_heads=2))
            ),
            "ViViTSpatioTemporalModel is a vivit_hf model already, no transformers ViViT: use it as it is, or restart "
            "it at another size or with other labels with "
            "`model, report = vivit_hf.conversion.from_vivit_checkpoint(model, ...)`",
        ),
    ],
    ids=["linear", "int", "vivit_hf"],
)
def test_a_source_that_is_no_checkpoint_or_model_is_refused_naming_it(source, message):
    with pytest.raises(TransformersCheckpointError, match=re.escape(message)):
        ViViTSpatioTemporalModel.from_transformers_vivit(source)
    with pytest.raises(TypeError, match="revision: hub options say which checkpoint files to read; a VivitModel"):
        ViViTSpatioTemporalModel.from_transformers_vivit(VivitModel(tiny_config()), revision="v1")


def test_the_hub_folder_converter_refuses_a_model_object_naming_what_takes_one(tmp_path):
    from vivit_hf.convert import convert_transformers_checkpoint

    with pytest.raises(TransformersCheckpointError, match=r"got a VivitModel: save it with save_pretrained first"):
        convert_transformers_checkpoint(VivitModel(tiny_config()), tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_base_model_checkpoint_gives_the_same_hidden_states_and_drops_the_pooler(tmp_path, clip):
    reference = randomised(VivitModel(tiny_config()))
    folder = save(reference, tmp_path / "base", "old")
    model, info = ViViTSpatioTemporalModel.from_transformers_vivit(folder, output_loading_info=True)
    assert set(info["unused"]) == {"pooler.dense.weight", "pooler.dense.bias"}
    with torch.no_grad():
        ours, theirs = model(pixel_values=clip), reference(pixel_values=clip)
    torch.testing.assert_close(ours.last_hidden_state, theirs.last_hidden_state, atol=1e-5, rtol=0)
    torch.testing.assert_close(ours.pooler_output, theirs.last_hidden_state[:, 0], atol=1e-5, rtol=0)


def test_hidden_states_selected_by_index_as_transformers_vivit_selects_them(clip):
    """transformers 5 takes `output_hidden_states` as a flag or as indices, None in the place of each state not
    selected. Ours read any list, and any index but 0, as True: every hidden state came back."""
    reference = randomised(VivitForVideoClassification(tiny_config()))
    model = ViViTSpatioTemporalForVideoClassification.from_transformers_vivit(reference)
    for selection in (True, 0, 1, [0, -1], [2], [-2, 7], []):
        with torch.no_grad():
            ours = model(pixel_values=clip, output_hidden_states=selection).hidden_states
            theirs = reference(pixel_values=clip, output_hidden_states=selection).hidden_states
        assert [state is None for state in ours or ()] == [state is None for state in theirs or ()], selection
        assert (ours is None) == (theirs is None), selection
        for mine, its in zip(ours or (), theirs or ()):
            if its is not None:
                torch.testing.assert_close(mine, its, atol=1e-5, rtol=0)


def test_hidden_states_selected_by_an_array_or_range_and_bad_selections_refused(clip):
    """numpy's and torch's indices and a range select as transformers' lists do: they were read as a flag, every
    hidden state returned. Floats and strings selected index 1 (`[1.5]`, `["1"]`) or every state (`1.0`)."""
    reference = randomised(VivitForVideoClassification(tiny_config()))
    model = ViViTSpatioTemporalForVideoClassification.from_transformers_vivit(reference)
    for selection, indices in ((np.array([0, 2]), [0, 2]), (torch.tensor([1]), [1]), (range(2), [0, 1])):
        with torch.no_grad():
            ours = model(pixel_values=clip, output_hidden_states=selection).hidden_states
            theirs = reference(pixel_values=clip, output_hidden_states=indices).hidden_states
        assert [state is None for state in ours] == [state is None for state in theirs], selection
    for selection in ([1.5], ["1"], 1.0, [True], [[0]], "all"):
        with pytest.raises(ValueError, match=re.escape(f"got {selection!r}")):
            model(pixel_values=clip, output_hidden_states=selection)


def test_classification_checkpoint_into_the_base_model(clip):
    reference = randomised(VivitForVideoClassification(tiny_config()))
    model, info = ViViTSpatioTemporalModel.from_transformers_vivit(reference, output_loading_info=True)
    assert set(info["unused"]) == {"classifier.weight", "classifier.bias"}
    with torch.no_grad():
        torch.testing.assert_close(
            model(pixel_values=clip).last_hidden_state,
            reference.vivit(pixel_values=clip).last_hidden_state,
            atol=1e-5,
            rtol=0,
        )


def test_other_variants_refuse_a_transformers_vivit_checkpoint(tmp_path):
    folder = save(randomised(VivitForVideoClassification(tiny_config())), tmp_path / "m", "old")
    assert not hasattr(ViViTFactorisedEncoderForVideoClassification, "from_transformers_vivit")
    with pytest.raises(TransformersCheckpointError, match="Model 1"):
        from_transformers_vivit(ViViTFactorisedEncoderForVideoClassification, folder)


@pytest.mark.parametrize(
    "model_class", [ViViTSpatioTemporalForVideoClassification, ViViTFactorisedEncoderForVideoClassification]
)
def test_from_pretrained_refuses_a_transformers_vivit_checkpoint_and_names_the_conversion(tmp_path, model_class):
    """Its weights have other names: a plain load would leave every one at random, so the config refuses it."""
    folder = save(randomised(VivitForVideoClassification(tiny_config())), tmp_path / "m", "new")
    with pytest.raises(ValueError, match="from_transformers_vivit"):
        model_class.from_pretrained(folder)


def test_auto_classes_give_transformers_own_vivit_for_its_checkpoint(tmp_path, clip):
    reference = randomised(VivitForVideoClassification(tiny_config()))
    folder = save(reference, tmp_path / "m", "new")
    model = AutoModelForVideoClassification.from_pretrained(folder).eval()
    assert type(model) is VivitForVideoClassification


def test_our_own_folders_still_load_the_usual_way(tmp_path, clip):
    model = randomised(
        ViViTSpatioTemporalForVideoClassification.from_transformers_vivit(
            save(randomised(VivitForVideoClassification(tiny_config())), tmp_path / "a", "old")
        )
    )
    model.save_pretrained(tmp_path / "ours")
    again = ViViTSpatioTemporalForVideoClassification.from_pretrained(tmp_path / "ours")
    with torch.no_grad():
        torch.testing.assert_close(again(pixel_values=clip).logits, model(pixel_values=clip).logits, rtol=0, atol=0)


def test_a_one_device_map_places_the_converted_model_there_as_from_pretrained_does(tmp_path, caplog):
    """`device_map` was dropped without a word: `from_transformers_vivit(path, device_map="cuda")` gave a model on the
    CPU (then "Expected all tensors to be on the same device" at the first call with the user's CUDA clips). One
    device moves it there, as `from_vit_pretrained` does; "auto" is said to be ignored."""
    save(VivitForVideoClassification(tiny_config()), tmp_path, "old")
    model = ViViTSpatioTemporalForVideoClassification.from_transformers_vivit(tmp_path, device_map="meta")
    assert {parameter.device.type for parameter in model.parameters()} == {"meta"}
    with caplog.at_level("WARNING"):
        ViViTSpatioTemporalModel.from_transformers_vivit(tmp_path, device_map="auto")
    assert "device_map='auto' is ignored" in caplog.text


class Placed(torch.nn.Linear):
    """Where `.to` was asked to move the model (a GPU index needs no GPU here)."""

    def to(self, device):
        self.placed = device
        return self


@pytest.mark.parametrize(
    "device_map", ["cuda", "cuda:1", 1, torch.device("cuda", 2), "cpu", {"": "cuda:1"}, {"a": 0, "b": 0}]
)
def test_a_one_device_map_goes_where_from_pretrained_puts_it(monkeypatch, device_map):
    """The converters' `device_map`, read as transformers' `from_pretrained` reads it (`check_and_set_device_map`):
    `{"": "cuda:1"}`, the one-device map accelerate writes, was ignored as a per-module map (the model left on the
    CPU), and "cuda" under torchrun went to GPU 0 in every rank, where from_pretrained takes the rank's own."""
    from transformers.integrations.accelerate import check_and_set_device_map

    from vivit_hf.conversion.checkpoint_files import place_as_asked

    monkeypatch.setenv("LOCAL_RANK", "1")
    (expected,) = set(check_and_set_device_map(device_map).values())
    assert torch.device(place_as_asked(Placed(1, 1), device_map, "test").placed) == torch.device(expected)


def test_a_device_map_of_no_one_device_is_said_not_left_to_torch(caplog):
    """`"balanced"` and `"sequential"` (accelerate's computed maps, as "auto") failed in torch's words naming no
    `device_map` ("Expected one of cpu, cuda, ... device string: balanced"); a device name torch has not, too."""
    from vivit_hf.conversion.checkpoint_files import place_as_asked

    with caplog.at_level("WARNING"):
        assert not hasattr(place_as_asked(Placed(1, 1), "balanced", "test"), "placed")
    assert "device_map='balanced' is ignored" in caplog.text
    with pytest.raises(ValueError, match=r"device_map='cuda:x': 'cuda:x' is no device"):
        place_as_asked(Placed(1, 1), "cuda:x", "test")


@pytest.mark.parametrize("flags", [{}, {"ignore_mismatched_sizes": True}])
def test_num_labels_of_another_size_gives_a_fresh_head_on_the_checkpoints_backbone(tmp_path, clip, flags):
    """`from_transformers_vivit(folder, num_labels=3)` on a 5-class checkpoint, as its docstring offers for a fresh
    head (and transformers' `ignore_mismatched_sizes=True`): refused before with 'shapes do not fit'. The backbone is
    the checkpoint's (transformers' own CLS output), the head fresh, the 5 label names gone."""
    reference = randomised(VivitForVideoClassification(tiny_config(id2label={i: f"class {i}" for i in range(5)})))
    reference.save_pretrained(tmp_path)
    model = ViViTSpatioTemporalForVideoClassification.from_transformers_vivit(tmp_path, num_labels=3, **flags)
    assert model.classifier.out_features == 3 and model.config.id2label == {0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"}
    with torch.no_grad():
        expected = reference.vivit(clip).last_hidden_state[:, 0]
        torch.testing.assert_close(model.vivit(clip).pooler_output, expected, rtol=0, atol=1e-5)
        assert model(clip).logits.shape == (2, 3)
    torch.testing.assert_close(model.classifier.bias, torch.zeros(3))


def test_label_spaces_of_another_sum_give_fresh_heads_on_the_checkpoints_backbone(tmp_path, clip):
    """`from_transformers_vivit(folder, label_spaces={"noun": 4, "verb": 3})` on a 5-class checkpoint asks for a head
    of 7 outputs, as `num_labels=7` does: it was refused with 'shapes do not fit' (and with ignore_mismatched_sizes the
    checkpoint's 5 names went only by the config's silent drop). The backbone is transformers' own, the heads fresh."""
    reference = randomised(VivitForVideoClassification(tiny_config(id2label={i: f"class {i}" for i in range(5)})))
    reference.save_pretrained(tmp_path)
    heads = {"noun": 4, "verb": 3}
    model = ViViTSpatioTemporalForVideoClassification.from_transformers_vivit(tmp_path, label_spaces=heads)
    assert model.config.label_spaces == heads and model.classifier.out_features == 7
    assert model.config.id2label == {i: f"LABEL_{i}" for i in range(7)}
    with torch.no_grad():
        expected = reference.vivit(clip).last_hidden_state[:, 0]
        torch.testing.assert_close(model.vivit(clip).pooler_output, expected, rtol=0, atol=1e-5)
        assert {head: logits.shape[-1] for head, logits in model(clip).head_logits.items()} == heads
    torch.testing.assert_close(model.classifier.bias, torch.zeros(7))


def test_another_head_count_is_refused_naming_it(tmp_path, clip):
    """`from_transformers_vivit(folder, num_attention_heads=4)` on a 2-head checkpoint loaded every array (the fused
    projections fit any count), split into other heads: logits off transformers' own by 0.037 (of 0.62) without a
    word. The checkpoint's own count still gives transformers' logits."""
    reference = randomised(VivitForVideoClassification(tiny_config()))
    reference.save_pretrained(tmp_path)
    with pytest.raises(TransformersCheckpointError, match=r"num_attention_heads=4: .* has 2 heads"):
        ViViTSpatioTemporalForVideoClassification.from_transformers_vivit(tmp_path, num_attention_heads=4)
    model = ViViTSpatioTemporalForVideoClassification.from_transformers_vivit(tmp_path, num_attention_heads=2)
    with torch.no_grad():
        torch.testing.assert_close(model(clip).logits, reference(clip).logits, rtol=0, atol=1e-5)
