# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""What users build around a model: forward hooks, PEFT's LoRA and accelerate's offloading on the patch projection
(a convolution module, called as one), and `label_spaces` / `num_labels` given to `from_pretrained`."""

import copy
import json
import re

import pytest
import torch
import torch.nn.functional as F
from accelerate import dispatch_model
from safetensors.torch import load_file, save_file
from test_models import TINY, VARIANTS, clip, tiny
from transformers import AutoConfig, AutoModelForVideoClassification

import vivit_hf
from vivit_hf import VIVIT_MODELS
from vivit_hf.models.modeling_blocks import ViViTEncoder

# Every variant with the tubelet embedding (Conv3d), and Model 1 with uniform frame sampling (a per-frame Conv2d).
FRAME_SAMPLING = dict(embedding_type="frame_sampling", num_sampled_frames=2)
EMBEDDINGS = [(name, {}) for name in VARIANTS] + [("spatio_temporal", FRAME_SAMPLING)]
EMBEDDING_IDS = [*VARIANTS, "spatio_temporal-frame_sampling"]


def conv_by_hand(pixels: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
    """The patch projection as torch's own convolution: kernel = stride, no padding."""
    conv = F.conv3d if weight.ndim == 5 else F.conv2d
    return conv(pixels, weight, bias, stride=weight.shape[2:])


def projection_input(model, pixel_values: torch.Tensor) -> torch.Tensor:
    """What a convolution module is given: the clip channel-first (b, c, T, H, W), or for frame sampling the frames
    scenic's rule keeps ([1, 3, 3] of 4 frames for 2 samples), one image each (b * t, c, H, W)."""
    if model.config.embedding_type == "frame_sampling":
        return pixel_values[:, [1, 3, 3]].flatten(0, 1)
    return pixel_values.transpose(1, 2)


# ------------------------------------------------------------------------------------- hooks on the projection
@pytest.mark.parametrize(("name", "overrides"), EMBEDDINGS, ids=EMBEDDING_IDS)
def test_forward_hook_on_the_projection_sees_the_convolution(name, overrides):
    model = tiny(name, **overrides)
    projection = model.vivit.token_embedding.projection
    calls = []
    projection.register_forward_hook(lambda module, args, output: calls.append((args[0], output)))
    pixel_values = clip()
    with torch.no_grad():
        model(pixel_values=pixel_values)
        assert len(calls) == 1
        seen, output = calls[0]
        torch.testing.assert_close(seen, projection_input(model, pixel_values), rtol=0, atol=0)
        expected = conv_by_hand(seen, projection.weight, projection.bias)
    assert output.shape == expected.shape
    torch.testing.assert_close(output, expected, rtol=1e-5, atol=1e-5)


# The backbone's shared forward hands the token embedding's output to every variant's `encode`: one model of each
# embedding type (the test above calls the embedding in each variant).
@pytest.mark.parametrize(
    ("name", "overrides"), [EMBEDDINGS[0], EMBEDDINGS[-1]], ids=[EMBEDDING_IDS[0], EMBEDDING_IDS[-1]]
)
def test_forward_hook_output_replaces_the_tokens(name, overrides):
    """A hook that returns a new output (as activation edits do) is what the encoder gets: zeroing it gives the
    logits of the same model with a zero kernel and bias."""
    model = tiny(name, **overrides)
    zeroed = tiny(name, **overrides)
    with torch.no_grad():
        zeroed.vivit.token_embedding.projection.weight.zero_()
        zeroed.vivit.token_embedding.projection.bias.zero_()
        model.vivit.token_embedding.projection.register_forward_hook(lambda module, args, output: output * 0)
        torch.testing.assert_close(model(pixel_values=clip()).logits, zeroed(pixel_values=clip()).logits)


# --------------------------------------------------------------------------------- accelerate's layerwise casting
@pytest.mark.parametrize("name", VARIANTS)
def test_layerwise_casting_gives_the_model_run_in_its_compute_dtype(name):
    """accelerate's `attach_layerwise_casting_hooks` (diffusers' `enable_layerwise_casting`: each hooked layer's
    weights stored in float8, cast to bfloat16 for its call) failed in every variant: the pixels were cast to the
    projection's float8 storage dtype before its call, and a float32 class token and position table, which no hooked
    layer holds, made the bfloat16 tokens float32 ("mat1 and mat2 must have the same dtype"). The logits are now
    those of the model whose hooked weights went through float8, run in bfloat16."""
    from accelerate import big_modeling

    if not hasattr(big_modeling, "attach_layerwise_casting_hooks"):
        pytest.skip("this accelerate has no layerwise casting")
    model = tiny(name)
    reference = copy.deepcopy(model)
    big_modeling.attach_layerwise_casting_hooks(model, storage_dtype=torch.float8_e4m3fn, compute_dtype=torch.bfloat16)
    hooked = {name for name, module in model.named_modules() if hasattr(module, "_hf_hook")}
    with torch.no_grad():
        for module_name, module in reference.named_modules():
            for parameter in module.parameters(recurse=False) if module_name in hooked else ():
                parameter.copy_(parameter.to(torch.float8_e4m3fn))
        reference.to(torch.bfloat16)
        logits = model(pixel_values=clip()).logits  # float32 pixels, as the processor gives them
        torch.testing.assert_close(logits, reference(pixel_values=clip()).logits, rtol=0, atol=0)


# ------------------------------------------------------------------------------------------------- PEFT LoRA
# The variants share the token embedding (`build_token_embedding`, the hook tests above run it in each): one model of
# each embedding type.
@pytest.mark.parametrize(
    ("name", "overrides"), [EMBEDDINGS[0], EMBEDDINGS[-1]], ids=[EMBEDDING_IDS[0], EMBEDDING_IDS[-1]]
)
def test_lora_on_the_projection_adds_exactly_its_convolution(name, overrides):
    """LoRA on `projection` (peft is not in the test extra: skipped without it). With `lora_B` non-zero the logits
    are those of the plain model whose kernel gains the LoRA product, scaling * B @ A, computed here by hand."""
    peft = pytest.importorskip("peft")
    plain = tiny(name, **overrides)
    lora = peft.get_peft_model(
        tiny(name, **overrides), peft.LoraConfig(r=2, lora_alpha=4, target_modules=["projection"])
    )
    layer = lora.base_model.model.vivit.token_embedding.projection
    with torch.no_grad():
        unchanged = lora(pixel_values=clip()).logits  # lora_B starts at zero: no change
        torch.testing.assert_close(unchanged, plain(pixel_values=clip()).logits, rtol=0, atol=0)
        layer.lora_B["default"].weight.normal_(generator=torch.Generator().manual_seed(0))
        a, b = layer.lora_A["default"].weight, layer.lora_B["default"].weight  # (r, c, *kernel), (d, r, 1, ...)
        delta = 2.0 * torch.einsum("dr,r...->d...", b.flatten(1), a)  # scaling = lora_alpha / r
        plain.vivit.token_embedding.projection.weight += delta
        expected = plain(pixel_values=clip()).logits
        adapted = lora(pixel_values=clip()).logits
    assert (adapted - unchanged).abs().max() > 1e-3
    torch.testing.assert_close(adapted, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", ["factorised_encoder", "factorised_self_attention"])  # Models 1 and 4: as Model 2
def test_lora_on_qkv_adds_its_product_to_every_attention_and_vit_names_match_nothing(name):
    """docs/models.md's LoRA names: `qkv` adapts every attention (Model 3: space and time), each logit that of the
    plain model whose fused query-key-value weights gain scaling * B @ A, computed here by hand; transformers' ViT
    names (`query`, `value`) are refused by PEFT rather than adapting nothing."""
    peft = pytest.importorskip("peft")
    with pytest.raises(ValueError, match="not found in the base model"):
        peft.get_peft_model(tiny(name), peft.LoraConfig(r=2, target_modules=["query", "value"]))
    plain = tiny(name)
    config = peft.LoraConfig(r=2, lora_alpha=4, target_modules=["qkv"], modules_to_save=["classifier"])
    lora = peft.get_peft_model(tiny(name), config)
    attentions = [m for m in plain.modules() if isinstance(getattr(m, "qkv", None), torch.nn.Linear)]
    adapted_layers = [m for m in lora.modules() if isinstance(m, peft.tuners.lora.LoraLayer)]
    assert len(adapted_layers) == len(attentions) >= TINY["num_hidden_layers"] * (2 if "self_attention" in name else 1)
    with torch.no_grad():
        for seed, (layer, attention) in enumerate(zip(adapted_layers, attentions)):
            layer.lora_B["default"].weight.normal_(generator=torch.Generator().manual_seed(seed))
            a, b = layer.lora_A["default"].weight, layer.lora_B["default"].weight
            attention.qkv.weight += 2.0 * b @ a  # scaling = lora_alpha / r
        torch.testing.assert_close(lora(pixel_values=clip()).logits, plain(pixel_values=clip()).logits)
    assert [n for n, p in lora.named_parameters() if p.requires_grad and "lora_" not in n] == [
        "base_model.model.classifier.modules_to_save.default.weight",
        "base_model.model.classifier.modules_to_save.default.bias",
    ]


def test_a_model_holding_lora_adapters_is_refused_saying_to_merge_them():
    """from_vivit_checkpoint(model) takes a model in memory: PeftModel.get_base_model() restarted with every adapted
    `qkv` started fresh (its trained weight sits under `base_layer.`), named only in the report, and the adapters
    lost; the PeftModel was refused as if it were an image ViT. The merged model restarts whole. An image ViT with
    adapters was "not the layout of a transformers ViT" (from_vit_pretrained)."""
    peft = pytest.importorskip("peft")
    from transformers import ViTConfig, ViTModel

    from vivit_hf.conversion import from_vivit_checkpoint

    lora = peft.get_peft_model(tiny("spatio_temporal"), peft.LoraConfig(r=2, target_modules=["qkv"]))
    for model in (lora, lora.get_base_model()):
        with pytest.raises(ValueError, match=r"holds PEFT adapters \(.*layers\.0\.attention\.qkv, 2 layers\): merge"):
            from_vivit_checkpoint(model, num_frames=8)
    assert from_vivit_checkpoint(lora.merge_and_unload(), num_frames=8)[1]["fresh"] == []
    vit = ViTModel(ViTConfig(hidden_size=8, num_hidden_layers=1, num_attention_heads=2, image_size=16, patch_size=8))
    vit = peft.get_peft_model(vit, peft.LoraConfig(r=2, target_modules=["q_proj", "v_proj"])).get_base_model()
    with pytest.raises(ValueError, match=r"ViTModel holds PEFT adapters \(layers\.0\.attention\.q_proj, 2 layers\)"):
        VIVIT_MODELS["spatio_temporal"][1].from_vit_pretrained(vit, num_frames=4)


# ------------------------------------------------------------------------------------- accelerate offloading
def split_encoders_map(model) -> dict:
    """A device map with the token embedding on disk and each encoder split between its blocks, as accelerate splits
    one that does not fit on a device: the encoder's own parameters placed one by one, its CLS token (where it has
    one) and first block on the CPU, its position embeddings and other blocks on disk; every other block on the CPU."""
    device_map = {f"vivit.{child}": "cpu" for child, _ in model.vivit.named_children()}
    device_map.update({child: "cpu" for child, _ in model.named_children() if child != "vivit"})
    device_map["vivit.token_embedding"] = "disk"
    for name, encoder in encoders(model):
        del device_map[name]
        device_map.update({f"{name}.layers.{i}": "disk" for i in range(1, len(encoder.layers))})
        device_map.update(
            {f"{name}.position_embeddings": "disk", f"{name}.layers.0": "cpu", f"{name}.layernorm": "cpu"}
        )
        if encoder.cls_token is not None:
            device_map[f"{name}.cls_token"] = "cpu"
    return device_map


def encoders(model) -> list:
    return [(name, module) for name, module in model.named_modules() if isinstance(module, ViViTEncoder)]


def split_hooked(model) -> list:
    """The modules holding the hook `hook_split_modules` gives: an encoder whose own parameters the map places one by
    one, and nothing else (not the backbone, whose submodules' parameters the map names too)."""
    return [n for n, m in model.named_modules() if getattr(m.__dict__.get("_hf_hook"), "places_split_module", False)]


@pytest.mark.parametrize(("name", "overrides"), EMBEDDINGS, ids=EMBEDDING_IDS)  # Model 2: both its encoders split
def test_offloaded_token_embedding_and_split_encoders_give_the_same_logits_and_resave(name, overrides, tmp_path):
    """accelerate hooks only the modules a device map names, so an encoder's position embeddings placed on disk on
    their own stayed on the meta device: the forward failed ("Tensor on device meta is not on the expected device
    cpu!"), and `save_pretrained` with "'NoneType' object is not subscriptable"."""
    model = tiny(name, **overrides)
    model.save_pretrained(tmp_path / "model")
    offloaded = AutoModelForVideoClassification.from_pretrained(
        tmp_path / "model", device_map=split_encoders_map(model), offload_folder=tmp_path / "offload"
    )
    on_disk = [offloaded.vivit.token_embedding.projection.weight]
    on_disk += [encoder.position_embeddings for _, encoder in encoders(offloaded)]
    assert {tensor.device.type for tensor in on_disk} == {"meta"}  # on disk until the call, as the map says
    assert split_hooked(offloaded) == [name for name, _ in encoders(offloaded)]
    with torch.no_grad():
        torch.testing.assert_close(
            offloaded(pixel_values=clip()).logits, model(pixel_values=clip()).logits, rtol=0, atol=0
        )
    offloaded.save_pretrained(tmp_path / "resaved")
    resaved = load_file(tmp_path / "resaved" / "model.safetensors")
    assert resaved.keys() == model.state_dict().keys()
    assert all(torch.equal(resaved[key], value) for key, value in model.state_dict().items())


def test_dispatch_model_offloads_a_split_encoders_own_parameters(tmp_path):
    """accelerate's `dispatch_model` over a model in memory: the split encoders' parameters mapped to disk are
    offloaded as the map says (they stayed in memory), and the logits are the undispatched model's. The model was
    dispatched before by another map (all on the CPU, hooks forced), whose hook on the encoder was kept: its
    position embeddings stayed in memory."""
    model = tiny("spatio_temporal")
    with torch.no_grad():
        expected = model(pixel_values=clip()).logits
    # a map of one device moves the model there and hooks nothing, but sets hf_device_map
    assert dispatch_model(model, {"": "cpu"}).hf_device_map == {"": "cpu"} and not hasattr(model, "_hf_hook")
    dispatch_model(model, dict.fromkeys(split_encoders_map(model), "cpu"), force_hooks=True)
    dispatched = dispatch_model(model, split_encoders_map(model), offload_dir=tmp_path)
    assert dispatched.vivit.encoder.position_embeddings.device.type == "meta"
    with torch.no_grad():
        torch.testing.assert_close(dispatched(pixel_values=clip()).logits, expected, rtol=0, atol=0)
    # hf_device_map stays the plain attribute it is on other transformers models: None may be set (it failed with
    # "argument of type 'NoneType' is not iterable") and it may be deleted ("property ... has no deleter")
    dispatched.hf_device_map = None
    assert dispatched.hf_device_map is None
    del dispatched.hf_device_map
    assert not hasattr(dispatched, "hf_device_map")
    with torch.no_grad():
        torch.testing.assert_close(dispatched(pixel_values=clip()).logits, expected, rtol=0, atol=0)


def test_a_map_that_offloads_an_encoders_positions_and_no_block_is_refused_at_load(tmp_path):
    """accelerate hands offloaded weights only to the hooks of offloaded blocks: positions offloaded alone would
    never load. Refused at load, naming them, rather than at the first forward in accelerate's words."""
    model = tiny("factorised_self_attention")
    model.save_pretrained(tmp_path / "model")
    device_map = {name: "cpu" for name, _ in model.named_children() if name != "vivit"}
    device_map.update({f"vivit.{name}": "cpu" for name, _ in model.vivit.named_children() if name != "encoder"})
    device_map.update({"vivit.encoder.position_embeddings": "disk", "vivit.encoder.layers": "cpu"})
    device_map["vivit.encoder.layernorm"] = "cpu"
    refusal = (
        r"the device map offloads \['vivit.encoder.position_embeddings'\] and no block of the model: accelerate hands "
        r"offloaded weights only to offloaded blocks, so these would never load. Place them on cpu, or offload a "
        r"block too.$"
    )
    with pytest.raises(RuntimeError, match=refusal):
        AutoModelForVideoClassification.from_pretrained(
            tmp_path / "model", device_map=device_map, offload_folder=tmp_path / "offload"
        )


def test_device_map_auto_that_puts_the_position_embeddings_on_disk_gives_the_same_logits_under_peft_too(tmp_path):
    """`device_map="auto"` with 70% of the model's bytes for the CPU and the rest on disk: accelerate splits the
    encoder, its CLS token on the CPU, its position embeddings on disk. (Model 1 does so at 68.1-71.4% in steps of
    0.1%, Model 2's spatial encoder at 32.4-33.1%, its temporal one at 59.9%; Models 3 and 4 have no CLS token before
    the positions, and accelerate fills devices in order: their positions go to disk only with the whole encoder.)
    `PeftModel.from_pretrained` over that model removes every hook and dispatches the `PeftModel` by the map, a
    wrapper whose `hf_device_map` the model never sees: the position embeddings were left on the meta device ("Tensor
    on device meta is not on the expected device cpu!"). The adapter (LoRA on each `qkv`, B non-zero) gives the
    logits it gives the model in memory."""
    model = tiny("spatio_temporal")
    model.save_pretrained(tmp_path / "model")
    size = sum(tensor.numel() * tensor.element_size() for tensor in model.state_dict().values())
    offloaded = AutoModelForVideoClassification.from_pretrained(
        tmp_path / "model",
        device_map="auto",
        max_memory={"cpu": int(0.7 * size), "disk": 10 * size},
        offload_folder=tmp_path / "offload",
    )
    placed = {key: offloaded.hf_device_map[f"vivit.encoder.{key}"] for key in ("cls_token", "position_embeddings")}
    assert placed == {"cls_token": "cpu", "position_embeddings": "disk"}  # (else the budget no longer splits it)
    with torch.no_grad():
        torch.testing.assert_close(
            offloaded(pixel_values=clip()).logits, model(pixel_values=clip()).logits, rtol=0, atol=0
        )
    peft = pytest.importorskip("peft")
    adapted = peft.get_peft_model(model, peft.LoraConfig(r=2, target_modules=["qkv"]))
    with torch.no_grad():
        for seed, layer in enumerate(m for m in adapted.modules() if isinstance(m, peft.tuners.lora.LoraLayer)):
            layer.lora_B["default"].weight.normal_(generator=torch.Generator().manual_seed(seed))
        expected = adapted(pixel_values=clip()).logits
    # the adapter's two files, as `save_pretrained` writes them without its model card (a third of this test's time)
    adapted.peft_config["default"].save_pretrained(tmp_path / "adapter")
    save_file(peft.get_peft_model_state_dict(adapted), tmp_path / "adapter" / "adapter_model.safetensors")

    def adapt_and_compare(base, folder):
        """`base` with the adapter loaded over its device map: its positions stay offloaded, its logits exact."""
        wrapped = peft.PeftModel.from_pretrained(
            base,
            tmp_path / "adapter",
            device_map={f"base_model.model.{key}": device for key, device in base.hf_device_map.items()},
            offload_folder=tmp_path / folder,
        )
        assert wrapped.base_model.model.vivit.encoder.position_embeddings.device.type == "meta"
        with torch.no_grad():
            torch.testing.assert_close(wrapped(pixel_values=clip()).logits, expected, rtol=0, atol=0)

    adapt_and_compare(offloaded, "offload_peft")
    # A map that offloads the token embedding and the encoder's positions, none of its blocks: the model loads and
    # runs (its positions read from the token embedding's offloaded weights); under PEFT it was refused ("offloads
    # ['position_embeddings'] and no block of the model")
    device_map = {key: "cpu" if ".layers." in key else device for key, device in split_encoders_map(model).items()}
    assert [key for key, device in device_map.items() if device == "disk"] == [
        "vivit.token_embedding",
        "vivit.encoder.position_embeddings",
    ]
    hand = AutoModelForVideoClassification.from_pretrained(
        tmp_path / "model", device_map=device_map, offload_folder=tmp_path / "offload_hand"
    )
    adapt_and_compare(hand, "offload_hand_peft")


def test_a_hook_on_one_block_hooks_no_encoder_a_wrapper_dispatched_in_memory_does():
    """The backbone's forward hooks an encoder that no hook holds while accelerate hooked its blocks, for a module
    holding the model that accelerate dispatched in its place (`hook_split_modules_of_a_wrapper`). A hook a user put on
    one block (`cpu_offload(block)`, `cpu_offload_with_hook(block)`) had it hook the encoder too, a hook that outlived
    theirs (`remove_hook_from_module(block)`) and kept moving the encoder's inputs to where its parameters were at that
    forward (after `model.to("cuda")`, to the CPU). A wrapper that a split map dispatched in memory still has it hook
    its encoders (each of Model 2's two), in memory, with the logits of the undispatched model."""
    from accelerate import cpu_offload, cpu_offload_with_hook

    model = tiny("spatio_temporal")
    with torch.no_grad():
        expected = model(pixel_values=clip(batch=1)).logits
    cpu_offload(model.vivit.encoder.layers[0], execution_device="cpu")
    cpu_offload_with_hook(model.vivit.encoder.layers[1], execution_device="cpu")
    with torch.no_grad():
        torch.testing.assert_close(model(pixel_values=clip(batch=1)).logits, expected, rtol=0, atol=0)
    assert [name for name, encoder in encoders(model) if "_hf_hook" in encoder.__dict__] == []
    # Model 2 (two encoders, each hooked), wrapped and dispatched by a split map in memory
    model = tiny("factorised_encoder")
    with torch.no_grad():
        expected = model(pixel_values=clip(batch=1)).logits
    wrapper = torch.nn.ModuleDict({"model": model})
    device_map = {f"model.{key}": "cpu" for key in split_encoders_map(model)}
    dispatch_model(wrapper, device_map, force_hooks=True)
    with torch.no_grad():
        torch.testing.assert_close(wrapper["model"](pixel_values=clip(batch=1)).logits, expected, rtol=0, atol=0)
    hooked = [name for name, encoder in encoders(wrapper["model"]) if "_hf_hook" in encoder.__dict__]
    assert hooked == ["vivit.spatial_encoder", "vivit.temporal_encoder"]
    # they run where they are, in memory (not offloaded to the meta device between calls)
    assert {p.device.type for _, e in encoders(model) for p in e.parameters(recurse=False)} == {"cpu"}


def test_a_hook_accelerate_gave_an_encoder_is_kept_and_the_other_encoders_are_hooked():
    """`hook_split_modules` replaces only its own hooks: an encoder that accelerate hooked itself keeps that hook,
    and the encoders after it are still hooked."""
    from accelerate.hooks import AlignDevicesHook, add_hook_to_module, remove_hook_from_module

    model = tiny("factorised_encoder")
    device_map = dict.fromkeys(split_encoders_map(model), "cpu")
    dispatch_model(model, device_map, force_hooks=True)
    assert split_hooked(model) == ["vivit.spatial_encoder", "vivit.temporal_encoder"]
    spatial, temporal = model.vivit.spatial_encoder, model.vivit.temporal_encoder
    remove_hook_from_module(spatial)
    own = AlignDevicesHook(execution_device="cpu")
    add_hook_to_module(spatial, own)
    before = temporal._hf_hook
    model.hf_device_map = device_map
    assert (
        spatial._hf_hook is own
        and temporal._hf_hook is not before
        and split_hooked(model) == ["vivit.temporal_encoder"]
    )


# ------------------------------------------------------------------------------ label spaces given to from_pretrained
HEADS = {"noun": 4, "verb": 3}
ONE_HEAD = {k: v for k, v in TINY.items() if k != "num_labels"}


def two_head_labels() -> torch.Tensor:
    return torch.tensor([[3, 0], [1, 2]])  # (noun, verb) per clip


# The heads are one class for all four variants (`_ViViTForVideoClassification`, on the pooled output) and their
# configs share `ViViTConfig`'s code: the label-space tests below run one variant each (Model 2's, whose pooling is
# its own).
@pytest.mark.parametrize("name", ["factorised_encoder"])
def test_from_pretrained_with_label_spaces_gives_the_heads_of_a_config_built_with_them(name, tmp_path):
    """transformers sets from_pretrained's keywords after building the config: `label_spaces` there must still
    resize the classifier to their sum (the saved model has 5 labels) and split its outputs 4 + 3."""
    tiny(name).save_pretrained(tmp_path)
    loaded = AutoModelForVideoClassification.from_pretrained(
        tmp_path, label_spaces=HEADS, ignore_mismatched_sizes=True
    ).eval()
    assert loaded.config.num_labels == 7 and loaded.classifier.out_features == 7
    assert loaded.config.id2label == {i: f"LABEL_{i}" for i in range(7)}
    config_class, _, classifier_class = VIVIT_MODELS[name]
    direct = classifier_class(config_class(**ONE_HEAD, label_spaces=HEADS)).eval()
    direct.load_state_dict(loaded.state_dict())
    labels = two_head_labels()
    with torch.no_grad():
        got, expected = loaded(pixel_values=clip(), labels=labels), direct(pixel_values=clip(), labels=labels)
    torch.testing.assert_close(got.logits, expected.logits, rtol=0, atol=0)
    assert {head: logits.shape[-1] for head, logits in got.head_logits.items()} == HEADS
    by_hand = F.cross_entropy(got.logits[:, :4], labels[:, 0]) + F.cross_entropy(got.logits[:, 4:], labels[:, 1])
    torch.testing.assert_close(got.loss, by_hand / 2)  # the heads' mean, as scenic


@pytest.mark.parametrize("order", ["num_labels first", "label_spaces first"])
def test_from_pretrained_of_a_two_head_model_with_one_head_of_num_labels(order, tmp_path):
    config_class, _, classifier_class = VIVIT_MODELS["factorised_encoder"]
    classifier_class(config_class(**ONE_HEAD, label_spaces=HEADS)).save_pretrained(tmp_path)
    keywords = dict(num_labels=3, label_spaces=None)
    if order == "label_spaces first":
        keywords = dict(reversed(keywords.items()))
    loaded = AutoModelForVideoClassification.from_pretrained(tmp_path, **keywords, ignore_mismatched_sizes=True)
    assert loaded.config.label_spaces is None and loaded.config.num_labels == 3
    labels = torch.tensor([2, 0])
    with torch.no_grad():
        out = loaded.eval()(pixel_values=clip(), labels=labels)
    assert out.logits.shape == (2, 3) and out.head_logits is None
    torch.testing.assert_close(out.loss, F.cross_entropy(out.logits, labels))


def saved_two_head_model(tmp_path):
    config_class, _, classifier_class = VIVIT_MODELS["factorised_encoder"]
    torch.manual_seed(0)
    model = classifier_class(config_class(**ONE_HEAD, label_spaces=HEADS)).eval()
    model.save_pretrained(tmp_path)
    with torch.no_grad():
        return model(pixel_values=clip()).head_logits


def test_from_pretrained_with_its_own_heads_in_another_order_scores_each_head_with_its_own_rows(tmp_path):
    """{"verb": 3, "noun": 4} over a noun 4, verb 3 checkpoint loaded its 7 rows unchanged and split them verb-first:
    verb was scored by noun rows 0-2, noun by noun row 3 and the verb rows, without a word."""
    saved = saved_two_head_model(tmp_path)
    loaded = AutoModelForVideoClassification.from_pretrained(tmp_path, label_spaces={"verb": 3, "noun": 4}).eval()
    with torch.no_grad():
        got = loaded(pixel_values=clip()).head_logits
    for head in HEADS:
        torch.testing.assert_close(got[head], saved[head], rtol=0, atol=0)


def test_from_pretrained_with_other_heads_of_its_classifier_size_is_refused(tmp_path):
    """{"noun": 3, "verb": 4} (7 rows, as the checkpoint) took its trained rows for classes they were not trained on."""
    saved_two_head_model(tmp_path)
    message = r"`label_spaces` \{'noun': 3, 'verb': 4\} split the checkpoint's 7 classifier rows otherwise"
    with pytest.raises(ValueError, match=message):
        AutoModelForVideoClassification.from_pretrained(tmp_path, label_spaces={"noun": 3, "verb": 4})
    with pytest.raises(ValueError, match=message + r".*Give its own heads \(in any order\) and leave num_frames out"):
        AutoModelForVideoClassification.from_pretrained(tmp_path, label_spaces={"noun": 3, "verb": 4}, num_frames=8)
    renamed = AutoModelForVideoClassification.from_pretrained(tmp_path, label_spaces={"n": 4, "v": 3})
    assert renamed.config.label_spaces == {"n": 4, "v": 3}  # the same rows under other names


def test_from_pretrained_splitting_one_head_into_heads_of_its_size_is_refused(tmp_path):
    """{"verb": 3, "noun": 4} over one head of 7 classes loaded its rows, trained for one softmax over 7 classes, as
    two heads' without a word (and beside another num_frames, the grid's refusal said nothing of the heads). Beside
    another num_frames the refusal said to leave label_spaces out, and the load so retried met the grid's refusal
    next: it names both (the same image_size as another pair is no other field)."""
    config_class, model_class, classifier_class = VIVIT_MODELS["factorised_encoder"]
    classifier_class(config_class(**{**ONE_HEAD, "num_labels": 7})).save_pretrained(tmp_path / "head")
    message = r"`label_spaces` \{'verb': 3, 'noun': 4\} split the checkpoint's one classifier head of 7 classes"
    frames = ONE_HEAD.get("num_frames", TINY["num_frames"])
    for size in ({}, {"num_frames": 2 * frames, "image_size": (TINY["image_size"],) * 2}):
        with pytest.raises(ValueError, match=message) as refused:
            AutoModelForVideoClassification.from_pretrained(
                tmp_path / "head", label_spaces={"verb": 3, "noun": 4}, **size
            )
        both = f"num_frames={2 * frames} (the checkpoint's: {frames}) is not as trained either. Leave label_spaces and"
        assert (f"{both} num_frames out" in str(refused.value)) == bool(size), str(refused.value)
        assert ("image_size" in str(refused.value)) is False
        restart = f"from_vivit_checkpoint(path, label_spaces=...{f', num_frames={2 * frames}' * bool(size)})`"
        assert restart in str(refused.value)
        # the restart as written, followed: it returns the model and its report (a bare call gave the user a tuple)
        (advised,) = re.findall(r"`(model, report = vivit_hf\.conversion\.[^`]*)`", str(refused.value))
        followed = {"vivit_hf": vivit_hf}
        advised = advised.replace("(path", f"({str(tmp_path / 'head')!r}").replace("...", "{'verb': 3, 'noun': 4}")
        exec(advised, followed)
        assert followed["model"].config.label_spaces == {"verb": 3, "noun": 4}
        assert followed["model"].config.num_frames == size.get("num_frames", frames)
    with pytest.raises(RuntimeError, match=r"another token grid"):  # (what it said next, left out as told)
        AutoModelForVideoClassification.from_pretrained(tmp_path / "head", num_frames=2 * frames)
    renamed = AutoModelForVideoClassification.from_pretrained(tmp_path / "head", label_spaces={"action": 7})
    assert renamed.config.label_spaces == {"action": 7}  # one head under a name: the same rows
    # a base model's folder has no head to split (its config's class count is a default)
    model_class(config_class(**{**ONE_HEAD, "num_labels": 7})).save_pretrained(tmp_path / "base")
    fresh = AutoModelForVideoClassification.from_pretrained(tmp_path / "base", label_spaces={"verb": 3, "noun": 4})
    assert fresh.config.label_spaces == {"verb": 3, "noun": 4}


def test_num_labels_that_is_not_the_label_spaces_sum_is_refused_with_the_fix(tmp_path):
    config_class, _, classifier_class = VIVIT_MODELS["factorised_encoder"]
    config = config_class(**ONE_HEAD, label_spaces=HEADS)
    classifier_class(config).save_pretrained(tmp_path)
    message = r"`num_labels` is 3 but `label_spaces` \{'noun': 4, 'verb': 3\} sum to 7.*`label_spaces=None`"
    with pytest.raises(ValueError, match=message):  # the saved heads kept, another count asked for
        AutoModelForVideoClassification.from_pretrained(tmp_path, num_labels=3, ignore_mismatched_sizes=True)
    with pytest.raises(ValueError, match=message):
        AutoConfig.from_pretrained(tmp_path, num_labels=3)
    with pytest.raises(ValueError, match=message):
        config_class(**ONE_HEAD, num_labels=3, label_spaces=HEADS)
    config.num_labels = 3  # set apart after building: refused when the model is built, not in forward
    with pytest.raises(ValueError, match=message):
        classifier_class(config)


def test_label_spaces_set_after_construction_resize_num_labels_and_id2label():
    config = VIVIT_MODELS["spatio_temporal"][0](**TINY, id2label={i: f"class {i}" for i in range(5)})
    config.label_spaces = {"noun": 3, "verb": 2}  # the same count: the names are kept
    assert config.num_labels == 5 and config.id2label[4] == "class 4"
    config.label_spaces = HEADS
    assert config.num_labels == 7 and config.id2label == {i: f"LABEL_{i}" for i in range(7)}
    assert config.label2id == {f"LABEL_{i}": i for i in range(7)}
    config.label_spaces = None  # one head of the same 7 classes
    assert config.num_labels == 7 and config.label_spaces is None
    config.update({"label_spaces": {"a": 2, "b": 2}})
    assert config.num_labels == 4
    with pytest.raises(ValueError, match="label_spaces"):
        config.label_spaces = {"noun": 0}


@pytest.mark.parametrize("name", ["factorised_encoder"])  # (one variant: see the note above the label-space tests)
def test_label_spaces_not_in_alphabetical_order_keep_their_order_through_save_and_load(name, tmp_path):
    """config.json is written with sorted keys: heads given verb first came back noun first, so the reloaded model
    split its classifier the other way (each head's logits were other columns, its loss against the other labels)."""
    model = tiny(name, label_spaces={"verb": 3, "noun": 2})
    model.save_pretrained(tmp_path)
    loaded = AutoModelForVideoClassification.from_pretrained(tmp_path).eval()
    assert list(loaded.config.label_spaces.items()) == [("verb", 3), ("noun", 2)]
    assert list(AutoConfig.from_pretrained(tmp_path).label_spaces) == ["verb", "noun"]
    labels = torch.tensor([[2, 0], [1, 1]])  # (verb, noun) per clip
    with torch.no_grad():
        got, expected = loaded(pixel_values=clip(), labels=labels), model(pixel_values=clip(), labels=labels)
    for head in ("verb", "noun"):
        torch.testing.assert_close(got.head_logits[head], expected.head_logits[head], rtol=0, atol=0)
    torch.testing.assert_close(got.loss, expected.loss)
    # The config built from config.json itself (`Config(**json.load(f))`, as some tools build it) came back noun
    # first, and the same weights scored noun with the verb rows 0-1 (a 2-column slice of the 3 verb rows).
    config = type(model.config)(**json.loads((tmp_path / "config.json").read_text()))
    assert list(config.label_spaces.items()) == [("verb", 3), ("noun", 2)]
    assert "label_spaces_order" not in vars(config)  # (read, not kept as a stray attribute)
    rebuilt = type(model)(config).eval()
    rebuilt.load_state_dict(loaded.state_dict())
    with torch.no_grad():
        again = rebuilt(pixel_values=clip(), labels=labels)
    for head in ("verb", "noun"):
        torch.testing.assert_close(again.head_logits[head], got.head_logits[head], rtol=0, atol=0)
