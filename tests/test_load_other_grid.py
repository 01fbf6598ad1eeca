# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""`from_pretrained(path, num_frames=...)` / `image_size=...`: a config whose token grid is not the checkpoint's, so
the trained position embeddings do not fit. The ways the refusal names must give the checkpoint's own
computation at the new size."""

import logging
import re

import pytest
import torch
from test_models import TINY, VARIANTS
from transformers import AutoConfig, AutoModelForVideoClassification

from vivit_hf import VIVIT_MODELS
from vivit_hf.conversion.vit_init import from_vivit_checkpoint


def saved(name, folder):
    config_class, _, classifier_class = VIVIT_MODELS[name]
    torch.manual_seed(0)
    classifier_class(config_class(**TINY)).save_pretrained(folder)
    return folder


@pytest.mark.parametrize("name", VARIANTS)
@pytest.mark.parametrize("new_size", [{"num_frames": 8}, {"image_size": 48}])
def test_another_grid_is_refused_naming_the_ways_that_keep_the_positions(name, new_size, tmp_path):
    """transformers' refusal said only "You set `ignore_mismatched_sizes` to `False`": no size, no way on. The
    refusal names the position embeddings and both ways, and the restart it spells out computes what the checkpoint
    computes with `interpolate_pos_encoding=True`."""
    folder = saved(name, tmp_path)
    with pytest.raises(RuntimeError, match="position embeddings do not fit") as refusal:
        AutoModelForVideoClassification.from_pretrained(folder, **new_size)
    message = str(refusal.value)
    assert "interpolate_pos_encoding=True" in message and "position_embeddings (1, " in message
    # the statement as written: it returns (model, report), so `model = ...` alone gave a tuple, not a model
    restart = "model, report = " + message.split("model, report = ")[-1].rstrip("`.")
    namespace = {}
    exec("import vivit_hf.conversion.vit_init\n" + restart, namespace)
    restarted = namespace["model"]
    checkpoint = AutoModelForVideoClassification.from_pretrained(folder).eval()
    size = {**TINY, **new_size}
    video = torch.randn(2, size["num_frames"], 3, size["image_size"], size["image_size"])
    with torch.no_grad():
        expected = checkpoint(pixel_values=video, interpolate_pos_encoding=True).logits
        torch.testing.assert_close(restarted(pixel_values=video).logits, expected, atol=1e-5, rtol=0)


def test_the_advised_restart_carries_the_other_fields_and_options_given(tmp_path):
    """`from_pretrained(path, num_labels=3, num_frames=8)` advised `from_vivit_checkpoint(path, num_frames=8, ...)`:
    followed, it gave the checkpoint's 5-class head, and with `subfolder=` given it read no checkpoint at all."""
    saved("spatio_temporal", tmp_path / "sub")
    with pytest.raises(RuntimeError, match="position embeddings do not fit") as refusal:
        AutoModelForVideoClassification.from_pretrained(tmp_path, subfolder="sub", num_labels=3, num_frames=8)
    restart = "model, report = " + str(refusal.value).split("model, report = ")[-1].rstrip("`.")
    namespace = {}
    exec("import vivit_hf.conversion.vit_init\n" + restart, namespace)
    config = namespace["model"].config
    assert (config.num_labels, config.num_frames) == (3, 8)
    # options that may hold credentials are named, not written out: the proxy URL's password was in the message
    proxies = {"https": "http://user:pw-123@proxy:3128"}
    with pytest.raises(RuntimeError, match="position embeddings do not fit") as refusal:
        AutoModelForVideoClassification.from_pretrained(tmp_path / "sub", num_frames=8, token="hf_x1", proxies=proxies)
    assert "proxies=..., token=...)" in str(refusal.value) and "pw-123" not in str(refusal.value)


@pytest.mark.parametrize("name", ["spatio_temporal", "factorised_encoder"])
def test_ignore_mismatched_sizes_says_the_positions_start_random(name, tmp_path, caplog):
    """`ignore_mismatched_sizes=True` (the documented way to a new head) with `num_frames=8` started the trained
    position embeddings from random values, said only as a row of transformers' load report, as for a new head."""
    import vivit_hf.models.modeling_vivit as modeling

    folder = saved(name, tmp_path)
    with caplog.at_level(logging.WARNING, logger=modeling.__name__):
        model = AutoModelForVideoClassification.from_pretrained(folder, num_frames=8, ignore_mismatched_sizes=True)
    assert model.config.num_frames == 8
    assert "start from random values" in caplog.text and "from_vivit_checkpoint" in caplog.text


def test_a_new_head_alone_keeps_transformers_behaviour(tmp_path):
    """Only the classifier's shape differs: refused as transformers refuses it, loaded fresh with
    `ignore_mismatched_sizes=True`, every other weight the checkpoint's; `output_loading_info` as transformers'.
    transformers' refusal said only "You set `ignore_mismatched_sizes` to `False`" (after a report calling the head
    "Reinit"): it names both class counts and the two ways to a new head."""
    folder = saved("factorised_self_attention", tmp_path)
    with pytest.raises(RuntimeError, match=rf"of {TINY['num_labels']} classes, this config's num_labels is 3: ") as no:
        AutoModelForVideoClassification.from_pretrained(folder, num_labels=3)
    assert "`ignore_mismatched_sizes=True` (a new classifier" in str(no.value)
    assert "from_vivit_checkpoint(" in str(no.value)
    # another MLP width beside: the head's message called fc1 / fc2 the classifier's and said they were kept
    with pytest.raises(RuntimeError, match=r"ignore_mismatched_sizes.*mlp\.fc1") as no:
        AutoModelForVideoClassification.from_pretrained(folder, num_labels=3, intermediate_size=48)
    assert "classifier does not fit" not in str(no.value)
    checkpoint = AutoModelForVideoClassification.from_pretrained(folder)
    model, info = AutoModelForVideoClassification.from_pretrained(
        folder, num_labels=3, ignore_mismatched_sizes=True, output_loading_info=True
    )
    assert {key for key, *_ in info["mismatched_keys"]} == {"classifier.weight", "classifier.bias"}
    kept = checkpoint.state_dict()
    for key, value in model.state_dict().items():
        if not key.startswith("classifier."):
            torch.testing.assert_close(value, kept[key], atol=0, rtol=0)


@pytest.mark.parametrize("name", ["spatio_temporal", "factorised_encoder"])
def test_another_tubelet_size_is_refused_without_advising_what_starts_it_fresh(name, tmp_path, caplog):
    """`tubelet_size=[4, 8, 8]` changes the tubelet embedding too: the refusal advised `interpolate_pos_encoding`
    (which cannot change the tubelet) and `from_vivit_checkpoint`, whose own report names that embedding fresh."""
    import vivit_hf.models.modeling_vivit as modeling

    folder = saved(name, tmp_path)
    with pytest.raises(RuntimeError, match="tubelet embedding does not fit") as refusal:
        AutoModelForVideoClassification.from_pretrained(folder, tubelet_size=[4, 8, 8])
    message = str(refusal.value)
    assert "leave tubelet_size out" in message and "from_vivit_checkpoint(" not in message
    _, report = from_vivit_checkpoint(str(folder), tubelet_size=[4, 8, 8])
    assert any("token_embedding" in key for key in report["fresh"]), report  # what the old advice gave
    with caplog.at_level(logging.WARNING, logger=modeling.__name__):
        AutoModelForVideoClassification.from_pretrained(folder, tubelet_size=[4, 8, 8], ignore_mismatched_sizes=True)
    assert "tubelet embedding does not fit" in caplog.text and "starts from random values" in caplog.text


@pytest.mark.parametrize("saved_type, asked", [("frame_sampling", "tubelet"), ("tubelet", "frame_sampling")])
def test_another_embedding_type_is_refused_naming_it(saved_type, asked, tmp_path):
    """`from_pretrained(path, embedding_type=...)` of the other type (the config loads so) was refused as "another
    size than this config's tubelet_size ... leave tubelet_size out", a size the user never gave. The refusal names
    both types, and the restart it spells out is the one `from_vivit_checkpoint` gives at that type."""
    config_class, _, classifier_class = VIVIT_MODELS["spatio_temporal"]
    torch.manual_seed(0)
    classifier_class(config_class(**TINY, embedding_type=saved_type)).save_pretrained(tmp_path)
    with pytest.raises(RuntimeError) as refusal:
        AutoModelForVideoClassification.from_pretrained(tmp_path, embedding_type=asked)
    message = str(refusal.value)
    assert f"embedding_type={saved_type!r}" in message and repr(asked) in message, message
    assert "tubelet_size out" not in message
    restart = "model, report = " + message.split("model, report = ")[-1].split("`")[0]
    namespace = {}
    exec("import vivit_hf.conversion.vit_init\n" + restart, namespace)
    assert namespace["model"].config.embedding_type == asked
    assert "vivit.token_embedding.projection.weight" in namespace["report"]["fresh"]


def test_another_width_is_refused_naming_it_not_another_embedding_type(tmp_path):
    """`hidden_size=48` over a checkpoint of 32 mismatches every layer: the refusal named an embedding_type nobody
    changed ("saved with embedding_type='frame_sampling'" for a tubelet checkpoint) and spelled out a restart that
    keeps none of its weights."""
    folder = saved("spatio_temporal", tmp_path)
    with pytest.raises(RuntimeError, match=r"hidden_size=32, this config's is 48: .*leave hidden_size out") as no:
        AutoModelForVideoClassification.from_pretrained(folder, hidden_size=48)
    assert "embedding_type" not in str(no.value)


def test_a_restart_where_patches_straddle_frames_gives_the_checkpoints_resized_positions(tmp_path):
    """Frame sampling's tokens at 36x24 (3 frames, 8 x 8 patches: a 13 x 3 tall image) straddle frames: the restart
    resizes the table over the tall image, as `interpolate_pos_encoding=True` does. Resized over the token grid,
    (3, 4, 3) -> (3, 1, 13), it took each frame's first image row stretched over its 13 tokens."""
    config_class, _, classifier_class = VIVIT_MODELS["factorised_self_attention"]
    sampling = dict(embedding_type="frame_sampling", num_frames=6, num_sampled_frames=3, num_hidden_layers=1)
    torch.manual_seed(0)
    checkpoint = classifier_class(config_class(**{**TINY, **sampling, "image_size": [32, 24]})).eval()
    checkpoint.save_pretrained(tmp_path)
    restarted, report = from_vivit_checkpoint(tmp_path, image_size=[36, 24])
    video = torch.randn(1, 6, 3, 36, 24)
    with torch.no_grad():
        expected = checkpoint(pixel_values=video, interpolate_pos_encoding=True).logits
        torch.testing.assert_close(restarted.eval()(pixel_values=video).logits, expected, atol=1e-5, rtol=0)
    assert report["resized"] == ["vivit.encoder.position_embeddings"]


@pytest.mark.parametrize(
    ("name", "saved_as", "asked"), [("spatio_temporal", "token", "gap"), ("factorised_encoder", "gap", "token")]
)
def test_another_classifier_is_refused_naming_the_classifier_not_a_token_grid(name, saved_as, asked, tmp_path):
    """`from_pretrained(path, classifier="gap")` over a CLS-token checkpoint (or back) was refused as "trained on
    another token grid than this config's (2, 4, 4)", the checkpoint's own grid, advising
    `interpolate_pos_encoding=True` and a restart at the same sizes, neither of which changes the pooling. The refusal
    names the classifier, and the restart it spells out gives the model asked for."""
    config_class, _, classifier_class = VIVIT_MODELS[name]
    torch.manual_seed(0)
    classifier_class(config_class(**TINY, classifier=saved_as)).save_pretrained(tmp_path)
    with pytest.raises(RuntimeError, match=f"this config's classifier is '{asked}'") as refusal:
        AutoModelForVideoClassification.from_pretrained(tmp_path, classifier=asked)
    message = str(refusal.value)
    assert "another token grid" not in message and "interpolate_pos_encoding" not in message
    namespace = {}
    exec(
        "import vivit_hf.conversion.vit_init\n"
        + "model, report = "
        + message.split("model, report = ")[-1].split("`")[0],
        namespace,
    )
    assert namespace["model"].config.classifier == asked


@pytest.mark.parametrize("name", ["spatio_temporal", "factorised_encoder"])
def test_another_classifier_and_another_grid_are_refused_naming_both(name, tmp_path):
    """`from_pretrained(path, classifier="gap", num_frames=8)` over a CLS-token checkpoint was refused as "trained on
    another token grid" alone, advising to load it as saved and call it with `interpolate_pos_encoding=True`: done
    with `classifier="gap"` kept, that load met the classifier's refusal next. Both are named; the restart it spells
    out gives the model asked for. Model 2's was refused as differing "by the CLS row" alone: its temporal table,
    2 rows + CLS saved and 4 rows here, is one row apart too, the other way."""
    config_class, _, classifier_class = VIVIT_MODELS[name]
    classifier_class(config_class(**TINY, classifier="token")).save_pretrained(tmp_path)
    with pytest.raises(RuntimeError, match="another token grid") as refusal:
        AutoModelForVideoClassification.from_pretrained(tmp_path, classifier="gap", num_frames=8)
    message = str(refusal.value)
    assert "with a CLS token (classifier 'token') where this config's classifier is 'gap'" in message, message
    assert "load it as saved (leave classifier out)" in message
    namespace = {}
    exec(
        "import vivit_hf.conversion.vit_init\nmodel, report = " + message.split("model, report = ")[-1][:-2], namespace
    )
    assert (namespace["model"].config.classifier, namespace["model"].config.num_frames) == ("gap", 8)


def test_each_difference_is_named_in_one_refusal(tmp_path):
    """Another tubelet size, embedding type or width beside another classifier (a CLS token dropped) was refused
    naming the tubelet / type / width alone ("leave tubelet_size out"): so loaded, it met the classifier's refusal
    next. Another class count beside another grid got the grid's refusal alone, advising to load the checkpoint
    "as saved" with no word of the head. One refusal names each difference and every field to leave out."""
    config_class, _, classifier_class = VIVIT_MODELS["spatio_temporal"]
    classifier_class(config_class(**TINY, classifier="token")).save_pretrained(tmp_path)
    cls = "with a CLS token (classifier 'token') where this config's classifier is 'gap'"
    head = "with a classifier of 5 classes where this config's num_labels is 3"
    for asked, named, left_out in [
        (dict(tubelet_size=[4, 8, 8], classifier="gap"), [cls], "leave tubelet_size and classifier out"),
        (dict(hidden_size=48, classifier="gap"), [cls], "leave hidden_size and classifier out"),
        (dict(hidden_size=48, num_labels=3), [head], "leave hidden_size and num_labels out"),
        (dict(num_frames=8, num_labels=3), [head], "load it as saved (leave num_labels out)"),
        # (the field given, not num_labels, which the caller never passed)
        (dict(tubelet_size=[4, 8, 8], id2label=dict(enumerate("abc"))), [head], "leave tubelet_size and id2label out"),
        (
            dict(embedding_type="frame_sampling", classifier="gap", num_labels=3),
            [cls, head],
            "leave embedding_type, classifier and num_labels out",
        ),
    ]:
        with pytest.raises(RuntimeError) as refusal:
            AutoModelForVideoClassification.from_pretrained(tmp_path, **asked)
        message = str(refusal.value)
        assert all(f", and {clause}" in message for clause in named) and left_out in message, (asked, message)


def test_another_representation_size_is_refused_naming_both_also_beside_another_width(tmp_path):
    """`representation_size=16` (or None) over a checkpoint of 24 got transformers' bare "You set
    `ignore_mismatched_sizes` to `False`" with the mismatched keys, no size named; beside `hidden_size=48` the width's
    refusal said "leave hidden_size out" alone, and so loaded it met that bare refusal next."""
    config_class, _, classifier_class = VIVIT_MODELS["spatio_temporal"]
    classifier_class(config_class(**TINY, representation_size=24)).save_pretrained(tmp_path)
    for asked, expected in [
        (dict(representation_size=16), "trained with representation_size=24, this config's is 16: its pre-logits"),
        (dict(representation_size=None), "trained with representation_size=24, this config's is None: its pre-logits"),
        (
            dict(hidden_size=48, representation_size=16),
            "this config's is 48, and with representation_size=24 where this config's is 16: ",
        ),
    ]:
        with pytest.raises(RuntimeError) as refusal:
            AutoModelForVideoClassification.from_pretrained(tmp_path, **asked)
        message = str(refusal.value)
        assert expected in message and "representation_size out" in message, (asked, message)
        # (None is no pre-logits layer: what it offers is a new classifier alone; another width offers none)
        new = "a new classifier," if asked["representation_size"] is None else "a new pre-logits layer and classifier,"
        assert "hidden_size" in asked or new in message, (asked, message)
    model = AutoModelForVideoClassification.from_pretrained(
        tmp_path, representation_size=16, ignore_mismatched_sizes=True
    )
    assert model.config.representation_size == 16
    # a checkpoint without one: its classifier alone does not fit (it was said to have a pre-logits layer)
    classifier_class(config_class(**TINY)).save_pretrained(tmp_path / "none")
    with pytest.raises(RuntimeError, match="this config's is 16: its classifier does not fit"):
        AutoModelForVideoClassification.from_pretrained(tmp_path / "none", representation_size=16)


def test_a_field_beside_a_config_object_is_refused_naming_it_and_the_ways_that_apply_it(tmp_path):
    """`from_pretrained(path, config=config, num_labels=3)` failed with "_ViViTForVideoClassification.__init__() got an
    unexpected keyword argument 'num_labels'" (transformers passes what it does not take to the constructor, as for
    ViT): a private class, neither the config nor a way on. The refusal names the field and both ways."""
    config_class, _, classifier_class = VIVIT_MODELS["factorised_encoder"]
    classifier_class(config_class(**TINY)).save_pretrained(tmp_path)
    config = config_class.from_pretrained(tmp_path)
    with pytest.raises(TypeError, match="built from its config alone, got num_labels= beside it") as refusal:
        AutoModelForVideoClassification.from_pretrained(tmp_path, config=config, num_labels=3)
    assert "`config.num_labels = ...`" in str(refusal.value) and "_ViViT" not in str(refusal.value)
    with pytest.raises(TypeError, match="'num_label' is no field of ViViTFactorisedEncoderConfig"):
        classifier_class(config, num_label=3)
    # an option transformers' from_config applies itself and passes on to the constructor (it was refused as none)
    assert AutoModelForVideoClassification.from_config(config, allow_all_kernels=False).config.num_labels == 5


def test_the_warning_of_another_function_reads_the_checkpoints_config_once(tmp_path, monkeypatch, caplog):
    """The warning's advised restart read config.json again (`changed_fields`), after the check had read it: a second
    read on the warning path (a Hub id's: one more cached lookup). The warning path reads it as often as a load whose
    field is the checkpoint's."""
    from transformers import PreTrainedConfig

    import vivit_hf.models.modeling_vivit as modeling

    config_class, _, classifier_class = VIVIT_MODELS["factorised_dot_product"]
    classifier_class(config_class(**TINY, classifier="gap")).save_pretrained(tmp_path)
    reads = []
    read = PreTrainedConfig.get_config_dict.__func__
    monkeypatch.setattr(
        PreTrainedConfig, "get_config_dict", classmethod(lambda *a, **k: reads.append(1) or read(*a, **k))
    )
    counts = []
    for classifier in ("gap", "gmp"):
        reads.clear()
        with caplog.at_level(logging.WARNING, logger=modeling.__name__):
            AutoModelForVideoClassification.from_pretrained(tmp_path, classifier=classifier)
        counts.append(len(reads))
    assert counts[0] == counts[1], counts
    assert "(the head reads another pooling of the same tokens)" in caplog.text


def test_another_attention_order_loads_with_a_warning_naming_both(tmp_path, caplog):
    """Model 3's `attention_order` given over the checkpoint's loaded every weight, and each block ran its space and
    time attentions the other way round: another function (7e-5 on this tiny model's logits), without a word."""
    import vivit_hf.models.modeling_vivit as modeling

    folder = saved("factorised_self_attention", tmp_path)  # space_time, the default
    with caplog.at_level(logging.WARNING, logger=modeling.__name__):
        AutoModelForVideoClassification.from_pretrained(folder, attention_order="space_time")
        assert "attention_order" not in caplog.text
        model = AutoModelForVideoClassification.from_pretrained(folder, attention_order="time_space")
    assert model.config.attention_order == "time_space"
    assert "trained with attention_order='space_time', this config's is 'time_space'" in caplog.text


@pytest.mark.parametrize(
    ("name", "field"),
    [("spatio_temporal", "num_attention_heads"), ("factorised_encoder", "temporal_num_attention_heads")],
)
def test_another_head_count_is_refused_naming_it(name, field, tmp_path):
    """`from_pretrained(path, num_attention_heads=2)` over a 4-head checkpoint loaded every weight (the fused q, k, v
    projections fit any count) and split them into other heads: another function (2e-4 on this tiny model's logits of
    size 0.1) without a word, where from_vivit_checkpoint and scenic refuse it. The checkpoint's own count loads."""
    folder = saved(name, tmp_path)
    with pytest.raises(
        RuntimeError, match=rf"trained with 4 attention heads \({field}\), this config builds 2.*Leave {field} out"
    ):
        AutoModelForVideoClassification.from_pretrained(folder, **{field: 2})
    AutoModelForVideoClassification.from_pretrained(folder, **{field: 4})


def test_another_pooling_loads_with_a_warning_naming_both(tmp_path, caplog):
    """`classifier="gmp"` over a "gap" checkpoint (no CLS token either way: every weight fits) loaded without a word
    and pooled the other way, another function than the one trained."""
    import vivit_hf.models.modeling_vivit as modeling

    config_class, _, classifier_class = VIVIT_MODELS["factorised_dot_product"]
    classifier_class(config_class(**TINY, classifier="gap")).save_pretrained(tmp_path / "sub")
    with caplog.at_level(logging.WARNING, logger=modeling.__name__):
        AutoModelForVideoClassification.from_pretrained(tmp_path, classifier="gmp", subfolder="sub")
    assert "trained with classifier='gap', this config's is 'gmp'" in caplog.text
    # the restart it names gives the model asked for, read where it was (it left the subfolder out)
    restart = caplog.text.split("model, report = ")[1].split("`")[0]
    assert restart == f"vivit_hf.conversion.from_vivit_checkpoint({str(tmp_path)!r}, classifier='gmp', subfolder='sub')"
    assert "attention order" not in caplog.text  # (Model 4 has none)


@pytest.mark.parametrize(
    ("name", "given", "saved_sizes", "said"),
    [  # Model 4's default classifier is "gap"; 12 heads are every variant's default
        ("factorised_dot_product", {"classifier": "gmp"}, {}, "trained with classifier='gap', this config's is 'gmp'"),
        (
            "spatio_temporal",
            {"num_attention_heads": 6},
            dict(hidden_size=24, num_attention_heads=12),
            "trained with 12 attention heads (num_attention_heads), this config builds 6",
        ),
    ],
    ids=["pooling", "heads"],
)
def test_a_config_json_without_the_field_is_compared_as_its_default(name, given, saved_sizes, said, tmp_path, caplog):
    """A config.json that leaves a field out (written by hand) loads it as the class's default; the check compared
    only the fields written, so `num_attention_heads=6` over such a folder of the default 12 heads loaded without a
    word, as did `classifier="gmp"` over a Model 4 of the default "gap"."""
    import json

    import vivit_hf.models.modeling_vivit as modeling

    config_class, _, classifier_class = VIVIT_MODELS[name]
    classifier_class(config_class(**{**TINY, **saved_sizes})).save_pretrained(tmp_path)
    written = json.loads((tmp_path / "config.json").read_text())
    (tmp_path / "config.json").write_text(json.dumps({k: v for k, v in written.items() if k not in given}))
    if "heads" in said:
        with pytest.raises(RuntimeError, match=re.escape(said)):
            AutoModelForVideoClassification.from_pretrained(tmp_path, **given)
    else:
        with caplog.at_level(logging.WARNING, logger=modeling.__name__):
            AutoModelForVideoClassification.from_pretrained(tmp_path, **given)
        assert said in caplog.text


def test_a_restart_at_another_width_is_refused_naming_both(tmp_path):
    """`from_vivit_checkpoint(path, hidden_size=...)` kept none of the checkpoint's weights (all 20 parameters of this
    tiny model fresh) and said so in a warning that named two of them (`fc1.bias`, `classifier.bias`) as starting
    "with the rest of their layer": a fresh model that reads as a restarted one. The checkpoint's own width restarts."""
    folder = saved("spatio_temporal", tmp_path)
    width = TINY["hidden_size"]
    with pytest.raises(
        ValueError, match=rf"trained at hidden_size={width}, the restarted model's is {2 * width}"
    ) as no:
        from_vivit_checkpoint(folder, hidden_size=2 * width)
    # the way it names to the architecture alone at that width, in the caller's path (it said `path`), followed
    assert f"from_config(AutoConfig.from_pretrained({str(folder)!r}, hidden_size={2 * width}))`" in str(no.value)
    fresh = AutoModelForVideoClassification.from_config(AutoConfig.from_pretrained(folder, hidden_size=2 * width))
    assert type(fresh).__name__ == "ViViTSpatioTemporalForVideoClassification" and fresh.config.hidden_size == 2 * width
    architecture = AutoModelForVideoClassification.from_config(
        AutoConfig.from_pretrained(folder, hidden_size=2 * width)
    )
    assert architecture.config.hidden_size == 2 * width
    model, report = from_vivit_checkpoint(folder, hidden_size=width, num_frames=8)
    assert report["fresh"] == []
