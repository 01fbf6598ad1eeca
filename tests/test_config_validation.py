# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Config values of the wrong kind are refused by the config, naming the field (issue 12, item 13)."""

import json

import pytest
import torch

from vivit_hf import (
    ViViTFactorisedDotProductConfig,
    ViViTFactorisedEncoderConfig,
    ViViTFactorisedSelfAttentionConfig,
    ViViTSpatioTemporalConfig,
)
from vivit_hf.models.modeling_vivit import VIVIT_MODELS

CONFIGS = [
    ViViTSpatioTemporalConfig,
    ViViTFactorisedEncoderConfig,
    ViViTFactorisedSelfAttentionConfig,
    ViViTFactorisedDotProductConfig,
]
TINY = dict(
    num_frames=4,
    image_size=32,
    tubelet_size=[2, 8, 8],
    hidden_size=16,
    num_hidden_layers=1,
    num_attention_heads=2,
    intermediate_size=32,
)


@pytest.mark.parametrize("config_class", CONFIGS)
@pytest.mark.parametrize(
    "field, value",
    [
        ("hidden_act", "nope"),
        ("hidden_act", None),
        ("image_size", 32.0),
        ("image_size", "32"),
        ("image_size", [32.0, 32]),
        ("tubelet_size", 2),
        ("tubelet_size", [2, 8]),
        ("layer_norm_eps", "1e-6"),
        ("layer_norm_eps", 0.0),
        ("initializer_range", 0.0),  # the model failed to build with a ZeroDivisionError
        ("initializer_range", -0.02),
    ],
)
def test_a_wrong_value_is_a_value_error_naming_the_field(config_class, field, value):
    with pytest.raises(ValueError, match=f"`{field}`") as error:
        config_class(**{**TINY, field: value})
    assert repr(value) in str(error.value)


# Values transformers' strict `VivitConfig` refuses by type that these configs took: a bool is an int to Python, so
# `True` ran tubelets of 1 frame (or failed in torch's unfold) and an eps of 1.0; the string "false" is true, so
# qkv_bias="false" built the query, key and value biases it meant to leave out.
TYPE_SLIPS = [
    ("qkv_bias", "false"),
    ("qkv_bias", 0),
    ("tubelet_size", [True, 8, 8]),
    ("image_size", [32, True]),
    ("layer_norm_eps", True),
    ("initializer_range", "0.02"),
]


@pytest.mark.parametrize("config_class", CONFIGS)
@pytest.mark.parametrize("field, value", TYPE_SLIPS)
def test_values_of_a_type_transformers_vivit_config_refuses_are_refused_naming_the_field(config_class, field, value):
    from huggingface_hub.errors import StrictDataclassFieldValidationError
    from transformers import VivitConfig

    with pytest.raises(StrictDataclassFieldValidationError, match=field):  # the reference: transformers' own ViViT
        VivitConfig(**{field: value})
    with pytest.raises(ValueError, match=f"`{field}`") as error:
        config_class(**{**TINY, field: value})
    assert repr(value) in str(error.value)


@pytest.mark.parametrize("num_labels", [-1, 2.0])
def test_a_num_labels_that_is_no_count_is_refused(num_labels):
    """transformers makes num_labels=-1 no label at all: the model had no classifier and gave its pooled features
    as `logits` (what num_labels=0 asks for), without a word."""
    with pytest.raises(ValueError, match=f"`num_labels` must be a non-negative integer.*got {num_labels!r}"):
        ViViTSpatioTemporalConfig(**TINY, num_labels=num_labels)
    assert ViViTSpatioTemporalConfig(**TINY, num_labels=0).num_labels == 0


def test_a_numpy_num_labels_is_taken_as_transformers_takes_it(tmp_path):
    """`num_labels=labels.max() + 1` is a numpy integer: transformers' strict VivitConfig takes it, as this config did
    before its count check, which refused it as no integer. It builds the same labels as the Python int."""
    import numpy as np
    from transformers import VivitConfig

    config = ViViTSpatioTemporalConfig(**TINY, num_labels=np.int64(5))
    reference = VivitConfig(num_labels=np.int64(5))
    assert config.num_labels == reference.num_labels == 5 and type(config.num_labels) is int
    assert config.id2label == reference.id2label
    config.save_pretrained(tmp_path)  # (config.json holds no numpy value)
    assert ViViTSpatioTemporalConfig.from_pretrained(tmp_path).num_labels == 5


def test_numpy_numbers_for_the_fields_save_and_load_as_the_python_values_they_hold(tmp_path):
    """A sweep's or argparse's numpy numbers: `qkv_bias=np.bool_(False)` was taken and `save_pretrained` failed
    ("Object of type bool is not JSON serializable", at a Trainer's first checkpoint); `num_frames=np.int64(16)` was
    refused as "must be a positive integer". Each is its Python value, given or set later, as the processor's options
    are; the reference is the config built from Python values (transformers' strict VivitConfig refuses them all)."""
    import numpy as np

    given = dict(
        num_frames=np.int64(4), image_size=np.int32(32), tubelet_size=np.array([2, 8, 8]), qkv_bias=np.bool_(False),
        hidden_dropout_prob=np.float64(0.25), layer_norm_eps=np.float32(0.5), label_spaces={"a": np.int64(2)},
        num_temporal_layers=np.int64(0),
    )  # fmt: skip
    config = ViViTFactorisedEncoderConfig(**{**TINY, **given})
    config.spatial_only_baseline = np.bool_(True)  # set on the built config: saved as it is
    config.save_pretrained(tmp_path)
    python = {key: value.tolist() if hasattr(value, "tolist") else {"a": 2} for key, value in given.items()}
    reference = ViViTFactorisedEncoderConfig(**{**TINY, **python}, spatial_only_baseline=True)
    reference.save_pretrained(tmp_path / "python")
    assert (tmp_path / "config.json").read_text() == (tmp_path / "python" / "config.json").read_text()
    loaded = ViViTFactorisedEncoderConfig.from_pretrained(tmp_path)
    assert loaded.to_dict() == reference.to_dict() and type(loaded.qkv_bias) is bool and loaded.qkv_bias is False


@pytest.mark.parametrize("act", ["gelu", "gelu_pytorch_tanh", "relu", "silu", "quick_gelu"])
def test_transformers_activations_are_accepted(act):
    assert ViViTSpatioTemporalConfig(**TINY, hidden_act=act).hidden_act == act


def test_tuples_still_become_lists():
    config = ViViTSpatioTemporalConfig(**{**TINY, "image_size": (32, 48), "tubelet_size": (2, 8, 8)})
    assert config.image_size == [32, 48] and config.tubelet_size == [2, 8, 8]


def test_a_head_dim_of_the_width_per_head_is_taken_and_another_refused_naming_both(tmp_path):
    """A config.json carrying `head_dim` (Llama's config writes one; so may another tool, or a user) did not load, nor
    did `head_dim=8` build: "property 'head_dim' of 'ViViTSpatioTemporalConfig' object has no setter". The width per
    head is the one the fused projections build: taken (and not stored, it follows the width and the heads, as
    transformers' ViT has none to save); any other refused naming both fields, given, loaded or set."""
    from transformers import AutoConfig

    reference = ViViTSpatioTemporalConfig(**TINY)  # 16 wide, 2 heads: 8 per head
    saved = json.loads(reference.to_json_string())
    assert json.loads(ViViTSpatioTemporalConfig(**TINY, head_dim=8).to_json_string()) == saved
    (tmp_path / "config.json").write_text(json.dumps({**saved, "head_dim": 8}))
    for load in (AutoConfig.from_pretrained, ViViTSpatioTemporalConfig.from_pretrained):
        loaded = load(tmp_path)
        assert loaded.head_dim == 8 and json.loads(loaded.to_json_string()) == saved
    loaded.num_attention_heads = 4
    assert loaded.head_dim == 4
    message = r"`head_dim` 4 does not fit `hidden_size` 16 and `num_attention_heads` 2: .* \(8\)"
    with pytest.raises(ValueError, match=message):
        ViViTSpatioTemporalConfig(**TINY, head_dim=4)
    with pytest.raises(ValueError, match=message):
        ViViTSpatioTemporalConfig.from_pretrained(tmp_path, head_dim=4)
    with pytest.raises(ValueError, match=message):
        reference.head_dim = 4
    (tmp_path / "config.json").write_text(json.dumps({**saved, "head_dim": 4}))
    with pytest.raises(ValueError, match=message):
        AutoConfig.from_pretrained(tmp_path)


def test_update_sets_a_head_width_after_the_fields_it_follows_in_any_order():
    """transformers' `update` and `update_from_string` set the keys one at a time in their order: `head_dim` first was
    checked against the old width, so `update({"head_dim": 32, "hidden_size": 64})` was refused while
    `ViViTSpatioTemporalConfig(head_dim=32, hidden_size=64)` (which sets it last) took it. Now the order is the
    user's own business; a width that fits neither order is still refused."""
    built = ViViTSpatioTemporalConfig(**{**TINY, "hidden_size": 64}, head_dim=32)
    for apply in (
        lambda config: config.update({"head_dim": 32, "hidden_size": 64}),
        lambda config: config.update({"hidden_size": 64, "head_dim": 32}),
        lambda config: config.update_from_string("head_dim=32,hidden_size=64"),
    ):
        config = ViViTSpatioTemporalConfig(**TINY)
        apply(config)
        assert (config.hidden_size, config.head_dim) == (built.hidden_size, built.head_dim) == (64, 32)
    with pytest.raises(ValueError, match="`head_dim` 16 does not fit `hidden_size` 64 and `num_attention_heads` 2"):
        ViViTSpatioTemporalConfig(**TINY).update({"head_dim": 16, "hidden_size": 64})


def test_model_2_temporal_head_width_is_read_given_and_checked_as_head_dim():
    """Model 2's temporal heads (`temporal_num_attention_heads`) were described by no field: `head_dim` is the spatial
    encoder's, reading `temporal_head_dim` raised AttributeError, and one given (`temporal_head_dim=3` of 16 wide)
    was stored unchecked and saved. It is the width the built temporal attention splits into, derived and not saved,
    checked as `head_dim` is."""
    config = ViViTFactorisedEncoderConfig(**TINY, temporal_num_attention_heads=4)  # 16 wide: 8 per spatial head
    model = VIVIT_MODELS["factorised_encoder"][1](config)
    widths = {name.split(".")[0]: m.head_dim for name, m in model.named_modules() if hasattr(m, "head_dim")}
    assert (
        (config.head_dim, config.temporal_head_dim) == (widths["spatial_encoder"], widths["temporal_encoder"]) == (8, 4)
    )
    assert ViViTFactorisedEncoderConfig(**TINY).temporal_head_dim == 8  # the spatial heads' count when unset
    assert (
        ViViTFactorisedEncoderConfig(**TINY, temporal_head_dim=8).to_dict()
        == ViViTFactorisedEncoderConfig(**TINY).to_dict()
    )
    with pytest.raises(
        ValueError, match=r"`temporal_head_dim` 4 does not fit `hidden_size` 16 and `num_attention_heads` 2"
    ):
        ViViTFactorisedEncoderConfig(**TINY, temporal_head_dim=4)
    config.update({"temporal_head_dim": 8, "temporal_num_attention_heads": 2})
    assert config.temporal_head_dim == 8
    with pytest.raises(
        ValueError, match=r"`temporal_head_dim` 16 does not fit .* `temporal_num_attention_heads` 2: .* \(8\)"
    ):
        config.temporal_head_dim = 16


@pytest.mark.parametrize("config_class", CONFIGS)
def test_sizes_that_are_not_multiples_of_the_tubelet_are_accepted_with_a_floor_token_grid(config_class):
    """scenic's strided convolution pads VALID: 7 frames of 36x44 in [3, 8, 8] tubelets give 2 x 4 x 5 tokens."""
    config = config_class(**{**TINY, "num_frames": 7, "image_size": [36, 44], "tubelet_size": [3, 8, 8]})
    assert config.token_grid == (2, 4, 5)
    assert (config.num_frames, config.image_size) == (7, [36, 44])  # the input the model expects stays as given


@pytest.mark.parametrize("config_class", CONFIGS)
def test_num_sampled_frames_with_tubelets_is_refused_naming_both(config_class, tmp_path):
    """Tubelets embed every frame: `num_sampled_frames=3` beside `embedding_type="tubelet"` was taken and ignored (the
    model saw all 4 frames, where frame sampling sees 3), given to the constructor or as a keyword at load."""
    asked = {"embedding_type": "tubelet", "num_sampled_frames": 3}
    sampled = config_class(**{**TINY, **asked, "embedding_type": "frame_sampling"})
    assert sampled.temporal_tokens(TINY["num_frames"]) == 3  # what the user asked the model to see: 3 frames
    with pytest.raises(ValueError) as error:
        config_class(**{**TINY, **asked})
    for named in ("`num_sampled_frames=3`", "`embedding_type` is 'tubelet'", "frame_sampling"):
        assert named in str(error.value)
    config_class(**TINY).save_pretrained(tmp_path)
    with pytest.raises(ValueError, match="`num_sampled_frames=3`"):
        config_class.from_pretrained(tmp_path, num_sampled_frames=3)


@pytest.mark.parametrize("field, value", [("num_frames", 2), ("image_size", [32, 7]), ("image_size", 6)])
def test_sizes_that_give_no_token_are_refused(field, value):
    with pytest.raises(ValueError, match=f"`{field}`.*no token"):
        ViViTSpatioTemporalConfig(**{**TINY, "tubelet_size": [3, 8, 8], field: value})


def test_unseen_input_names_the_frames_rows_and_columns_no_tubelet_covers():
    # a new user's --num_frames 7 and --crop_size 30 with tubelets [2, 8, 8] trained without a word on 6 of 7 frames
    # and 24 of 30 rows and columns: the recipe now warns with this
    from vivit_hf import ViViTFactorisedEncoderConfig, ViViTSpatioTemporalConfig

    small = dict(hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32)
    config = ViViTSpatioTemporalConfig(num_frames=7, image_size=30, tubelet_size=[2, 8, 8], **small)
    assert config.unseen_input() == (
        "the last 1 frame, the last 6 rows, the last 6 columns of each 7-frame 30x30 clip fill no tubelet [2, 8, 8] "
        "and are never seen by the model (sizes that are multiples of the tubelet use all)"
    )
    assert config.token_grid == (3, 3, 3)  # what the embedding keeps: 6 frames, 24 x 24 pixels
    whole = ViViTSpatioTemporalConfig(num_frames=8, image_size=32, tubelet_size=[2, 8, 8], **small)
    assert whole.unseen_input() is None
    wide = ViViTFactorisedEncoderConfig(num_frames=8, image_size=[32, 36], tubelet_size=[2, 8, 8], **small)
    assert wide.unseen_input().startswith("the last 4 columns of each 8-frame 32x36 clip")


# ------------------------------------------------------------------------------ label spaces and their class names
HEADS = {"noun": 4, "verb": 3}
NAMES = {i: f"{head}:{i}" for i, head in enumerate(["noun"] * 4 + ["verb"] * 3)}  # one name per classifier output


@pytest.mark.parametrize(
    "config_class, field, value, named",
    [
        (ViViTSpatioTemporalConfig, "qkv_bias", "false", "`qkv_bias`"),
        (ViViTFactorisedEncoderConfig, "num_temporal_layers", -1, "`num_temporal_layers`"),
        (ViViTFactorisedSelfAttentionConfig, "attention_order", "space-time", "`attention_order`"),
        (ViViTFactorisedDotProductConfig, "hidden_dropout_prob", 1.5, "`hidden_dropout_prob`"),
        (ViViTSpatioTemporalConfig, "num_labels", 3, "`num_labels` is 3 but `label_spaces`"),
    ],
)
def test_save_refuses_a_field_set_to_what_no_load_takes(config_class, field, value, named, tmp_path):
    """transformers' `save_pretrained` validates the config before writing it (its `@strict` configs' fields and
    validators), so that no folder is saved that does not load. Ours were left out: a field set on the built config
    to a value the constructor refuses was saved without a word, and the folder (every checkpoint of a run) failed
    at load. Now the save refuses, naming the field, and writes no config.json; a valid change still saves."""
    config = config_class(**TINY, label_spaces=HEADS if field == "num_labels" else None)
    setattr(config, field, value)
    with pytest.raises(ValueError, match=named):
        config.save_pretrained(tmp_path)
    assert not (tmp_path / "config.json").exists()
    config = config_class(**TINY)
    config.num_frames, config.hidden_size, config.num_attention_heads = 8, 37, 12  # any width, as transformers'
    config.save_pretrained(tmp_path)
    assert config_class.from_pretrained(tmp_path).num_frames == 8


@pytest.mark.parametrize("config_class", CONFIGS)
def test_a_saved_config_whose_names_are_not_its_heads_sum_is_refused_at_load(config_class, tmp_path):
    """`config.num_labels = 3` on a two-head config (transformers' setter: 3 fresh names) saved a config whose 3 names
    contradict its heads' 7 outputs. It loaded as 7 LABEL_i outputs, the names dropped without a word, though loading
    is documented to refuse; now the load names both counts and the fields. (`save_pretrained` now refuses to write
    it, `test_save_refuses_a_field_set_to_what_no_load_takes`: this is such a folder written by an earlier version.)"""
    from transformers import AutoConfig

    config = config_class(**TINY, label_spaces=HEADS, id2label=NAMES)
    config.num_labels = 3
    (tmp_path / "config.json").write_text(config.to_json_string())
    message = r"the saved `id2label` names 3 classes but its `label_spaces` \{'noun': 4, 'verb': 3\} sum to 7"
    for load in (AutoConfig.from_pretrained, config_class.from_pretrained):
        with pytest.raises(ValueError, match=message):
            load(tmp_path)


def test_saved_names_of_other_heads_give_way_to_heads_asked_for_at_load(tmp_path):
    """What the names' drop is for: `from_pretrained(path, label_spaces=...)` with heads of another sum over a saved
    config gets LABEL_i names for the new outputs (the saved names name the old ones); heads of the same sum keep
    them."""
    from transformers import AutoConfig

    ViViTFactorisedEncoderConfig(**TINY, label_spaces=HEADS, id2label=NAMES).save_pretrained(tmp_path)
    other = AutoConfig.from_pretrained(tmp_path, label_spaces={"a": 2, "b": 2})
    assert other.num_labels == 4 and other.id2label == {i: f"LABEL_{i}" for i in range(4)}
    renamed = AutoConfig.from_pretrained(tmp_path, label_spaces={"n": 4, "v": 3})
    assert renamed.id2label == NAMES and renamed.label_spaces == {"n": 4, "v": 3}


def test_names_given_at_load_for_saved_heads_are_checked_against_them(tmp_path):
    """`from_pretrained(path, id2label=...)` over a two-head config: transformers set the names on the built config,
    so 5 names for heads of 7 outputs loaded (AutoConfig gave num_labels 5) and only the model refused, as a wrong
    `num_labels`. Now the load refuses them as the constructor does; 7 names replace the saved ones, label2id too."""
    from transformers import AutoConfig

    ViViTFactorisedEncoderConfig(**TINY, label_spaces=HEADS).save_pretrained(tmp_path)
    with pytest.raises(ValueError, match=r"`id2label` names 5 classes but `label_spaces` .* sum to 7"):
        AutoConfig.from_pretrained(tmp_path, id2label={i: NAMES[i] for i in range(5)})
    loaded = AutoConfig.from_pretrained(tmp_path, id2label=NAMES)
    assert loaded.id2label == NAMES and loaded.label2id == {name: i for i, name in NAMES.items()}
    assert loaded.num_labels == 7 and loaded.label_spaces == HEADS


@pytest.mark.parametrize("config_class", CONFIGS)
def test_names_of_another_count_given_with_label_spaces_are_refused(config_class):
    """5 names given with heads of 7 outputs were replaced by LABEL_0 ... LABEL_6 without a word."""
    wrong = {i: NAMES[i] for i in range(5)}
    message = r"`id2label` names 5 classes but `label_spaces` \{'noun': 4, 'verb': 3\} sum to 7.*Give 7 names"
    with pytest.raises(ValueError, match=message):
        config_class(**TINY, label_spaces=HEADS, id2label=wrong)
    assert config_class(**TINY, label_spaces=HEADS, id2label=NAMES).id2label == NAMES


def test_a_config_built_from_its_json_takes_the_saved_heads_order_as_from_dict_does(tmp_path):
    """`Config(**json.load(f))` left `label_spaces_order` a stray attribute: heads sorted by name (the classifier split
    to the wrong heads, `test_label_spaces_not_in_alphabetical_order_keep_their_order_through_save_and_load`), an
    order naming other heads taken without a word, and beside no heads saved again. Now the constructor reads it as
    `from_dict` does: an order of other heads is refused (both ways), one beside one head dropped."""
    heads = {"verb": 3, "noun": 4}
    ViViTSpatioTemporalConfig(**TINY, label_spaces=heads).save_pretrained(tmp_path)
    saved = json.loads((tmp_path / "config.json").read_text())
    assert saved["label_spaces_order"] == ["verb", "noun"]
    message = r"the saved `label_spaces_order` \['verb', 'nouns'\] does not name the heads of `label_spaces`"
    for build in (lambda d: ViViTSpatioTemporalConfig(**d), ViViTSpatioTemporalConfig.from_dict):
        assert list(build(saved).label_spaces) == ["verb", "noun"]
        with pytest.raises(ValueError, match=message):
            build({**saved, "label_spaces_order": ["verb", "nouns"]})
        one_head = build({**saved, "label_spaces": None})
        assert one_head.label_spaces is None and "label_spaces_order" not in one_head.to_dict()
    config = ViViTSpatioTemporalConfig(**saved)
    assert config.to_diff_dict()["label_spaces_order"] == ["verb", "noun"] and "label_spaces_order" not in vars(config)


@pytest.mark.parametrize("problem_type", ["multi_label_classification", "regression"])
def test_label_spaces_refuse_a_problem_type_their_loss_is_not(problem_type, tmp_path):
    """Label spaces train each head with cross-entropy over its own classes (scenic's multi-head model): a multi-label
    or regression problem type was taken and trained as that cross-entropy without a word, and the pipeline scored
    the heads with a sigmoid. Refused however it is given; single-label, what the heads are, is taken."""
    from transformers import AutoConfig

    message = f"`problem_type='{problem_type}'` does not go with `label_spaces`"
    with pytest.raises(ValueError, match=message):
        ViViTSpatioTemporalConfig(**TINY, label_spaces=HEADS, problem_type=problem_type)
    config = ViViTSpatioTemporalConfig(**TINY, label_spaces=HEADS, problem_type="single_label_classification")
    config.save_pretrained(tmp_path)
    with pytest.raises(ValueError, match=message):  # transformers sets from_pretrained's keyword on the built config
        AutoConfig.from_pretrained(tmp_path, problem_type=problem_type)
    with pytest.raises(ValueError, match=message):
        config.problem_type = problem_type
    one_head = ViViTSpatioTemporalConfig(**TINY, num_labels=7, problem_type=problem_type)
    with pytest.raises(ValueError, match=message):
        one_head.label_spaces = HEADS
    assert one_head.label_spaces is None and one_head.problem_type == problem_type


@pytest.mark.parametrize("config_class", CONFIGS)
def test_a_frame_sampling_config_loads_as_tubelets_without_its_own_sampled_frame_count(config_class, tmp_path):
    """The constructor fills in a frame-sampling config's `num_sampled_frames` (4 frames // 1): loaded with
    `embedding_type="tubelet"`, that saved count was refused as if the user had given it beside tubelets."""
    config_class(**{**TINY, "embedding_type": "frame_sampling", "tubelet_size": [1, 8, 8]}).save_pretrained(tmp_path)
    loaded = config_class.from_pretrained(tmp_path, embedding_type="tubelet", tubelet_size=[2, 8, 8])
    built = config_class(**{**TINY, "embedding_type": "tubelet"})  # the same fields, given to the constructor
    assert loaded.num_sampled_frames is None
    saved_with = {"auto_map"}  # (save_pretrained's note of the classes, no field of the model)
    assert {k: v for k, v in loaded.to_diff_dict().items() if k not in saved_with} == built.to_diff_dict()


@pytest.mark.parametrize("model_type", VIVIT_MODELS)
def test_a_tubelet_model_an_earlier_version_saved_with_a_sampled_frame_count_still_loads(model_type, tmp_path):
    """Versions before the refusal of `num_sampled_frames` beside tubelets saved it unread (`--config_overrides
    num_sampled_frames=8` trained on every frame): their checkpoints failed to load. It loads, the count dropped, and
    answers as the same folder saved without it."""
    config_class, _, model_class = VIVIT_MODELS[model_type]
    torch.manual_seed(0)
    model_class(config_class(**TINY, num_labels=3)).eval().save_pretrained(tmp_path)
    without = model_class.from_pretrained(tmp_path).eval()
    saved = json.loads((tmp_path / "config.json").read_text())
    (tmp_path / "config.json").write_text(json.dumps({**saved, "num_sampled_frames": 3}))  # as the earlier version
    with_count = model_class.from_pretrained(tmp_path).eval()
    assert with_count.config.num_sampled_frames is None
    clips = torch.rand(2, TINY["num_frames"], 3, TINY["image_size"], TINY["image_size"])
    with torch.no_grad():
        torch.testing.assert_close(with_count(pixel_values=clips).logits, without(pixel_values=clips).logits)


def test_the_dropped_sampled_frame_count_is_said_once_however_often_the_folder_loads(tmp_path):
    """`recipes/predict.py --model` of such a folder said the warning twice (it loads the config, then the model), and
    every load after it again; it is said once a process, with how to end it: a save writes the config without."""
    from transformers.testing_utils import CaptureLogger

    from vivit_hf.models import configuration_vivit

    config_class, _, model_class = VIVIT_MODELS["spatio_temporal"]
    model_class(config_class(**TINY, num_labels=3)).save_pretrained(tmp_path)
    saved = json.loads((tmp_path / "config.json").read_text())
    (tmp_path / "config.json").write_text(json.dumps({**saved, "num_sampled_frames": 5}))  # as an earlier version
    with CaptureLogger(configuration_vivit.logger) as said:
        loaded = [model_class.from_pretrained(tmp_path) for _ in range(3)]
    assert said.out.count("saved with num_sampled_frames=5") == 1, said.out
    assert "save the model again" in said.out
    loaded[-1].save_pretrained(tmp_path / "again")  # (a load of its own cost a fourth)
    assert json.loads((tmp_path / "again" / "config.json").read_text()).get("num_sampled_frames") is None


@pytest.mark.parametrize(
    "name, field, value, built",
    [
        ("spatio_temporal", "classifier", "gap", "token"),
        ("factorised_encoder", "classifier", "gmp", "token"),
        ("factorised_dot_product", "classifier", "token", "gap"),
        ("factorised_self_attention", "attention_order", "time_space", "space_time"),
        # the classifier's rows: the loss met torch's "shape '[-1, 7]' is invalid for input of size 3", naming
        # neither count, and the saved folder loaded only with ignore_mismatched_sizes
        ("factorised_encoder", "num_labels", 7, 3),
        # no classifier (num_labels=0): the refusal named the features' width as the count built ("built with
        # num_labels=16"), and save_pretrained wrote a folder of 5 classes whose classifier loaded random
        ("spatio_temporal", "num_labels", 5, 0),
    ],
)
def test_a_structural_field_changed_after_building_is_refused_at_forward_and_save(name, field, value, built, tmp_path):
    # The CLS token and Model 3's blocks are built from these fields, but pooling, rollout and save_pretrained read
    # the config: Model 1 set to "gap" averaged its CLS token in with the patches (0.27 off on tiny logits) and its
    # saved folder failed to load (naming a token grid); Model 3's saved folder reloaded in the other order, without
    # a word. The forward refused it, but save_pretrained still wrote it: it refuses too, writing nothing.
    config_class, _, classifier_class = VIVIT_MODELS[name]
    tiny = dict(image_size=16, num_frames=4, tubelet_size=[2, 8, 8], hidden_size=16, num_hidden_layers=1)
    num_labels = built if field == "num_labels" else 3
    model = classifier_class(config_class(**tiny, num_attention_heads=2, intermediate_size=16, num_labels=num_labels))
    model.eval()
    video = torch.randn(1, 4, 3, 16, 16)
    model.config.update({field: value})
    refused = rf"built with {field}={built!r}, but its config now says {field}={value!r}"
    with pytest.raises(ValueError, match=refused):
        model(pixel_values=video, labels=torch.tensor([1]))
    for saved in (model,) if field == "num_labels" else (model, model.vivit):  # (a backbone has no classifier)
        with pytest.raises(ValueError, match=refused):
            saved.save_pretrained(tmp_path)
        assert not any(tmp_path.iterdir())
    model.config.update({field: built})
    model(pixel_values=video)  # set back, it runs (and saves: every other test's save_pretrained)
    if field == "classifier" and built != "token":
        model.config.classifier = "gsp"  # pooling the same tokens another way changes no weight: taken
        model(pixel_values=video)
    # A field no load takes (`ViViTConfig.validate`'s, which transformers runs only as it writes config.json, after
    # making the folder and copying the remote code into it) is refused before anything is written too: it left a
    # folder of `.py` files and no config.
    model.config.qkv_bias = "false"
    for saved in (model, model.vivit):
        with pytest.raises(ValueError, match=r"`qkv_bias` must be True or False, got 'false'"):
            saved.save_pretrained(tmp_path / "model")
        assert not (tmp_path / "model").exists()


def test_frame_sampling_set_on_a_built_config_asks_for_its_frame_count_by_name():
    """The constructor derives `num_sampled_frames` for frame sampling; `config.update({"embedding_type":
    "frame_sampling"})` on a built config left it None, and building the model failed with "'<=' not supported between
    instances of 'NoneType' and 'int'". It now names the field and the count the constructor would give, and with it
    set the model is the one built from a config given frame sampling."""
    config = ViViTSpatioTemporalConfig(**TINY)
    config.update({"embedding_type": "frame_sampling"})
    model_class = VIVIT_MODELS["spatio_temporal"][1]
    with pytest.raises(ValueError, match=r"`num_sampled_frames=None`.* Set `num_sampled_frames` too \(2, the const"):
        model_class(config)
    config.tubelet_size = ["2", 8, 8]  # no count to suggest: still that error (the division raised a TypeError)
    with pytest.raises(ValueError, match=r"Set `num_sampled_frames` too, or build the config"):
        config.temporal_tokens(4)
    config.tubelet_size = [2, 8, 8]
    config.num_sampled_frames = 2
    built = ViViTSpatioTemporalConfig(**TINY, embedding_type="frame_sampling")
    assert config.token_grid == built.token_grid
    shapes = [{key: value.shape for key, value in model_class(c).state_dict().items()} for c in (config, built)]
    assert shapes[0] == shapes[1]


@pytest.mark.parametrize(
    "name, field, value, message",
    [
        ("spatio_temporal", "classifier", "nope", r"`classifier` must be one of .* got 'nope'"),
        ("factorised_self_attention", "classifier", "token", r"`classifier='token'` is not available"),
        ("factorised_encoder", "embedding_type", "frames", r"`embedding_type` must be one of .* got 'frames'"),
        ("factorised_dot_product", "qkv_bias", "false", r"`qkv_bias` must be True or False, got 'false'"),
        ("factorised_encoder", "num_labels", 3, r"`num_labels` is 3 but `label_spaces` \{'noun': 4, 'verb': 3\} sum"),
    ],
)
def test_a_model_is_not_built_from_a_field_set_on_the_config_that_its_constructor_refuses(name, field, value, message):
    """Set on a built config before the model is built, a value the config's constructor refuses was checked only by
    `save_pretrained`: the model was built from it without a word (an unknown classifier pooled the mean, "frames"
    embedded tubelets, "false" built the qkv biases), or failed deep in a LayerNorm (Model 3 with "token"). Every
    class of the variant now refuses it, naming the field, as the constructor does. `num_labels` 3 over two heads of 7
    outputs: the classifier refused it, the encoder (no classifier) was built and only its save refused it."""
    config_class, *model_classes = VIVIT_MODELS[name]
    heads = {"label_spaces": HEADS} if field == "num_labels" else {}
    with pytest.raises(ValueError, match=message):
        config_class(**TINY, **heads, **{field: value})
    config = config_class(**TINY, **heads)
    setattr(config, field, value)
    for model_class in model_classes:
        with pytest.raises(ValueError, match=message + r".*\(a field set on the built config: no model is built"):
            model_class(config)
