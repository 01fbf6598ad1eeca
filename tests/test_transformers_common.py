# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""transformers' own common model tests (`ModelTesterMixin`, `ConfigTester`) run on the four ViViT variants.

The tests are transformers' own, from the source distribution of the installed transformers version: its `tests/`
folder is found through `TRANSFORMERS_TESTS_DIR` or, failing that, downloaded and unpacked by
`.ci/fetch_transformers_tests.sh` (PyPI only, no Hub). When neither gives them, this module fails to import: the
run errors out rather than passing with the tests silently gone.

What cannot apply to a video model is skipped with the reason next to it, as transformers' own ViViT test does.
"""

import copy
import dataclasses
import importlib
import os
import subprocess
import sys
import types
import unittest
from pathlib import Path
from unittest import mock

import pytest
import torch
import transformers
from transformers import PreTrainedConfig
from transformers.models.auto import modeling_auto

from vivit_hf.models.modeling_vivit import VIVIT_MODELS, ViViTPreTrainedModel

REPO = Path(__file__).resolve().parents[1]
FETCH_SCRIPT = REPO / ".ci" / "fetch_transformers_tests.sh"


# ------------------------------------------------------------------------------ transformers' tests, as shipped
def transformers_tests_dir() -> Path:
    """`TRANSFORMERS_TESTS_DIR`, else the sdist's `tests/` unpacked by the CI script (downloading it once)."""
    given = os.environ.get("TRANSFORMERS_TESTS_DIR")
    if given:
        path = Path(given)
        if not (path / "test_modeling_common.py").is_file():
            raise RuntimeError(
                f"TRANSFORMERS_TESTS_DIR={given!r} holds no test_modeling_common.py; point it at the `tests/` folder "
                f"of the transformers {transformers.__version__} sdist (`.ci/fetch_transformers_tests.sh` prints one)."
            )
        return path
    fetched = subprocess.run(
        ["bash", str(FETCH_SCRIPT)], env={**os.environ, "PYTHON": sys.executable}, capture_output=True, text=True
    )
    lines = fetched.stdout.strip().splitlines()
    if fetched.returncode or not lines or not (Path(lines[-1]) / "test_modeling_common.py").is_file():
        raise RuntimeError(
            f"transformers' common tests are unavailable: set TRANSFORMERS_TESTS_DIR, or let {FETCH_SCRIPT} download "
            f"the transformers {transformers.__version__} sdist from PyPI (exit {fetched.returncode}):\n"
            f"{fetched.stdout}{fetched.stderr}"
        )
    return Path(lines[-1])


# The sdist ships only the top level of transformers' `tests/` package: `test_modeling_common.py` imports three
# modules it leaves out. These stand in for them (a full transformers checkout brings the real ones, used instead).
class ExportTesterMixin:
    """Stand-in for `tests/exporters/test_export.py`: with it, transformers' export-backend tests (dynamo, ONNX,
    ExecuTorch, ...) do not run here."""


class GenerationTesterMixin:
    """Stand-in for `tests/generation/test_utils.py`: the ViViT models do not generate, so their testers must not
    inherit it (`test_generation_tester_mixin_inheritance` checks exactly that)."""


# For `ConfigTester.check_config_arguments_init`: every common `PreTrainedConfig` field with a value other than its
# default, which a config must accept and keep (stands in for `tests/utils/test_configuration_utils.py`).
CONFIG_COMMON_KWARGS = {
    "architectures": ["ViViTSpatioTemporalModel"],
    "output_hidden_states": True,
    "output_attentions": True,
    "return_dict": False,
    "dtype": "float16",
    "chunk_size_feed_forward": 5,
    "id2label": {0: "label"},
    "label2id": {"label": "0"},
    "problem_type": "regression",
}
# Fields the common kwargs leave alone: written by transformers itself, or not a model's choice.
CONFIG_FIELDS_NOT_COMMON_KWARGS = {"transformers_version", "is_encoder_decoder"}

STAND_INS = {
    "exporters.test_export": {"ExportTesterMixin": ExportTesterMixin},
    "generation.test_utils": {"GenerationTesterMixin": GenerationTesterMixin},
    "utils.test_configuration_utils": {"config_common_kwargs": CONFIG_COMMON_KWARGS},
}
PACKAGE = "transformers_common_tests"


def import_transformers_tests(tests_dir: Path):
    """Import `test_modeling_common` and `test_configuration_common` from `tests_dir` as one package."""
    package = types.ModuleType(PACKAGE)
    package.__path__ = [str(tests_dir)]
    sys.modules[PACKAGE] = package
    for dotted, attributes in STAND_INS.items():
        if (tests_dir / (dotted.replace(".", "/") + ".py")).is_file():
            continue
        parent, _ = dotted.split(".")
        if f"{PACKAGE}.{parent}" not in sys.modules:
            subpackage = types.ModuleType(f"{PACKAGE}.{parent}")
            subpackage.__path__ = [str(tests_dir / parent)]
            sys.modules[f"{PACKAGE}.{parent}"] = subpackage
        module = types.ModuleType(f"{PACKAGE}.{dotted}")
        module.__dict__.update(attributes)
        sys.modules[f"{PACKAGE}.{dotted}"] = module
    modeling = importlib.import_module(f"{PACKAGE}.test_modeling_common")
    if (tests_dir / "__init__.py").is_file():
        configuration = importlib.import_module(f"{PACKAGE}.test_configuration_common")
    else:
        # `test_configuration_common` loads the package's `__init__.py` (an empty file the sdist leaves out) through
        # `direct_transformers_import`, for a module it then never uses.
        with mock.patch("transformers.utils.direct_transformers_import", lambda path: types.ModuleType(PACKAGE)):
            configuration = importlib.import_module(f"{PACKAGE}.test_configuration_common")
    return modeling, configuration


test_modeling_common, test_configuration_common = import_transformers_tests(transformers_tests_dir())
ModelTesterMixin = test_modeling_common.ModelTesterMixin
ConfigTester = test_configuration_common.ConfigTester
floats_tensor = test_modeling_common.floats_tensor
torch_device = test_modeling_common.torch_device


# ------------------------------------------------------------------------------------------------ the loader itself
def test_config_common_kwargs_set_every_base_field_to_a_non_default():
    """Else `check_config_arguments_init` would silently check less than transformers' own list does (a field that
    transformers adds to `PreTrainedConfig` must be added to the stand-in)."""
    base = PreTrainedConfig()
    fields = {field.name for field in dataclasses.fields(PreTrainedConfig) if not field.name.startswith("_")}
    assert fields - CONFIG_FIELDS_NOT_COMMON_KWARGS - set(CONFIG_COMMON_KWARGS) == set()
    assert [key for key, value in CONFIG_COMMON_KWARGS.items() if getattr(base, key) == value] == []


def test_tests_dir_without_common_tests_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("TRANSFORMERS_TESTS_DIR", str(tmp_path))
    with pytest.raises(RuntimeError, match="holds no test_modeling_common.py"):
        transformers_tests_dir()


def test_unreachable_sdist_fails_loudly(tmp_path, monkeypatch):
    """No tests folder given and PyPI unreachable: an error naming both ways out, never a silent skip."""
    monkeypatch.delenv("TRANSFORMERS_TESTS_DIR", raising=False)
    monkeypatch.setenv("TRANSFORMERS_SDIST_CACHE", str(tmp_path))
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple")  # nothing listens on the discard port
    monkeypatch.setenv("PIP_RETRIES", "0")
    for other_source in ("PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS"):
        monkeypatch.delenv(other_source, raising=False)
    with pytest.raises(RuntimeError, match="set TRANSFORMERS_TESTS_DIR"):
        transformers_tests_dir()


# ------------------------------------------------------------------------------------------------ the testers
class ViViTModelTester:
    """Tiny configs and inputs of one variant: 4 frames of 32x32 in tubelets [2, 8, 8] give a (2, 4, 4) token grid.

    What transformers' common tests read: `batch_size`, `seq_length` (tokens of the first hidden state),
    `expected_num_hidden_layers`, `num_hidden_layers`, `num_attention_heads`, `hidden_size`; plus, for the
    attention tests rewritten below, `attention_map_shapes` (every map, in call order)."""

    batch_size = 2
    num_frames = 4
    image_size = 32
    num_channels = 3
    tubelet_size = [2, 8, 8]
    hidden_size = 32
    num_hidden_layers = 2
    num_attention_heads = 4
    intermediate_size = 37
    num_labels = 3
    is_training = True

    def __init__(self, parent, variant: str, **config_overrides):
        self.parent = parent
        self.config_class, self.base_model_class, self.classification_class = VIVIT_MODELS[variant]
        self.config_overrides = config_overrides
        config = self.get_config()
        # what the common tests read, from the config: an override (`num_hidden_layers=3`) changes them too
        for name in ("num_frames", "hidden_size", "num_hidden_layers", "num_attention_heads", "num_labels"):
            setattr(self, name, getattr(config, name))
        self.config = config
        self.grid = config.token_grid  # (n_t, n_h, n_w)
        self.num_prefix_tokens = int(config.classifier == "token")

    def get_config(self):
        settings = dict(
            image_size=self.image_size,
            num_frames=self.num_frames,
            num_channels=self.num_channels,
            tubelet_size=self.tubelet_size,
            hidden_size=self.hidden_size,
            num_hidden_layers=self.num_hidden_layers,
            num_attention_heads=self.num_attention_heads,
            intermediate_size=self.intermediate_size,
            hidden_act="gelu_pytorch_tanh",
            num_labels=self.num_labels,
        )
        return self.config_class(**{**settings, **self.config_overrides})  # an override may replace any of these

    def prepare_config_and_inputs_for_common(self):
        height, width = self.get_config().image_size_hw  # a config override may make frames non-square
        pixel_values = floats_tensor([self.batch_size, self.num_frames, self.num_channels, height, width])
        # `attention_mask` is over frames (1 = real): transformers' sdpa test pads it on the left, which masks the last
        # clip's first tubelet; every other common test runs with a full mask (the unmasked path).
        attention_mask = torch.ones(self.batch_size, self.num_frames, dtype=torch.long, device=torch_device)
        return self.get_config(), {"pixel_values": pixel_values, "attention_mask": attention_mask}

    @property
    def num_spatial_tokens(self) -> int:
        return self.grid[1] * self.grid[2]

    @property
    def seq_length(self) -> int:
        n_t, _, _ = self.grid
        return self.num_prefix_tokens + n_t * self.num_spatial_tokens

    @property
    def expected_num_hidden_layers(self) -> int:
        return self.num_hidden_layers + 1

    def attention_map_shapes(self, batch_size: int) -> list[tuple[int, ...]]:
        n = self.seq_length
        return [(batch_size, self.num_attention_heads, n, n)] * self.num_hidden_layers


class FactorisedEncoderModelTester(ViViTModelTester):
    """Model 2: hidden states and attention maps of the spatial encoder (one frame's tokens, `(b t)` folded), then
    of the temporal encoder (one summary per temporal index)."""

    num_temporal_layers = 1

    def __init__(self, parent, **config_overrides):
        super().__init__(
            parent, "factorised_encoder", **{"num_temporal_layers": self.num_temporal_layers, **config_overrides}
        )

    @property
    def seq_length(self) -> int:  # of the first hidden state: the spatial encoder's input
        return self.num_prefix_tokens + self.num_spatial_tokens

    @property
    def expected_num_hidden_layers(self) -> int:
        return (self.num_hidden_layers + 1) + (self.config.num_temporal_layers + 1)

    def attention_map_shapes(self, batch_size):
        n_t = self.grid[0]
        spatial, temporal = self.num_prefix_tokens + self.num_spatial_tokens, self.num_prefix_tokens + n_t
        heads = self.num_attention_heads
        temporal_heads = self.config.temporal_num_attention_heads or heads
        return [(batch_size * n_t, heads, spatial, spatial)] * self.num_hidden_layers + [
            (batch_size, temporal_heads, temporal, temporal)
        ] * self.config.num_temporal_layers


class FactorisedSelfAttentionModelTester(ViViTModelTester):
    """Model 3: per layer, a map over space (`(b t)` folded) and one over time (`(b s)` folded), in the config's
    `attention_order`."""

    def __init__(self, parent, **config_overrides):
        super().__init__(parent, "factorised_self_attention", **config_overrides)

    def attention_map_shapes(self, batch_size):
        (n_t, _, _), s, heads = self.grid, self.num_spatial_tokens, self.num_attention_heads
        per_layer = [(batch_size * n_t, heads, s, s), (batch_size * s, heads, n_t, n_t)]
        if self.config.attention_order == "time_space":
            per_layer.reverse()
        return per_layer * self.num_hidden_layers


class FactorisedDotProductModelTester(ViViTModelTester):
    """Model 4: per layer, the space head group's map (`(b t)` folded), then the time head group's (`(b s)`)."""

    def __init__(self, parent, **config_overrides):
        super().__init__(parent, "factorised_dot_product", **config_overrides)

    def attention_map_shapes(self, batch_size):
        (n_t, _, _), s, half = self.grid, self.num_spatial_tokens, self.num_attention_heads // 2
        per_layer = [(batch_size * n_t, half, s, s), (batch_size * s, half, n_t, n_t)]
        return per_layer * self.num_hidden_layers


# ------------------------------------------------------------------------------------------------ the test classes
class ViViTCommonTests(ModelTesterMixin):
    """transformers' `ModelTesterMixin` for one variant; subclasses name the tester and the config kwargs."""

    model_tester_class = None
    model_tester_kwargs = {}
    config_tester_kwargs = {}

    # Nothing here has token embeddings to resize (the input is pixels), nor a position table to resize by API:
    # positions are resized on the fly with `interpolate_pos_encoding`.
    test_resize_embeddings = False
    test_resize_position_embeddings = False

    def setUp(self):
        self.model_tester = self.model_tester_class(self, **self.model_tester_kwargs)
        self.all_model_classes = (self.model_tester.base_model_class, self.model_tester.classification_class)
        self.config_tester = ConfigTester(
            self,
            config_class=self.model_tester.config_class,
            has_text_modality=False,
            # transformers' three, and the video sizes its ViViT config names the same way
            common_properties=[
                "hidden_size",
                "num_attention_heads",
                "num_hidden_layers",
                "num_frames",
                "image_size",
                "num_channels",
            ],
            **self.config_tester_kwargs,
        )
        # The common tests pick what to feed a class (labels, ...) by looking its name up in transformers' task
        # tables, which list in-library models only: list this variant there, as a video classifier, while a test runs.
        model_type = self.model_tester.config_class.model_type
        for table, model_class in (
            (modeling_auto.MODEL_MAPPING_NAMES, self.model_tester.base_model_class),
            (modeling_auto.MODEL_FOR_VIDEO_CLASSIFICATION_MAPPING_NAMES, self.model_tester.classification_class),
        ):
            patcher = mock.patch.dict(table, {model_type: model_class.__name__})
            patcher.start()
            self.addCleanup(patcher.stop)

    def test_config(self):
        self.config_tester.run_common_tests()

    def test_model_get_set_embeddings(self):
        """transformers' version expects token embeddings (`nn.Embedding`); a video model's input embedding is its
        tubelet (or frame) embedding, which must be reachable and replaceable the same way. As in transformers' ViViT
        test, the output embeddings are absent or a plain `nn.Linear` (nothing is tied to the input)."""
        config, _ = self.model_tester.prepare_config_and_inputs_for_common()
        for model_class in self.all_model_classes:
            model = model_class(copy.deepcopy(config))
            embedding = model.get_input_embeddings()
            self.assertIs(embedding, model.base_model.token_embedding)
            replacement = copy.deepcopy(embedding)
            model.set_input_embeddings(replacement)
            self.assertIs(model.get_input_embeddings(), replacement)
            output_embeddings = model.get_output_embeddings()
            self.assertTrue(output_embeddings is None or isinstance(output_embeddings, torch.nn.Linear))

    def test_problem_types(self):
        """transformers' version runs on sequence and image classifiers only; a video classifier's loss follows the
        same `problem_type` rules, so it runs on this variant's classifier listed as an image classifier."""
        classifier = self.model_tester.classification_class
        with mock.patch.dict(
            modeling_auto.MODEL_FOR_IMAGE_CLASSIFICATION_MAPPING_NAMES,
            {self.model_tester.config_class.model_type: classifier.__name__},
        ):
            super().test_problem_types()

    def test_can_capture_specific_layers_hidden_states(self):
        """transformers' version skips a model that records no outputs with its `capture_outputs` decorator; these
        models select hidden states by index themselves (`output_hidden_states=[0, -1]`), so the same check runs with
        each class declaring its blocks as what records them (a declaration no code here reads)."""
        from transformers.utils.output_capturing import _CAN_RECORD_REGISTRY

        recorded = {"hidden_states": self.model_tester.base_model_class.layer_class}
        before = dict(_CAN_RECORD_REGISTRY)
        # Each model made registers its class's declaration in transformers' registry (`PreTrainedModel.__init__`),
        # which outlived the test: the declaration no code here reads stayed registered for the classes made
        with (
            mock.patch.object(ViViTPreTrainedModel, "_can_record_outputs", recorded),
            mock.patch.dict(_CAN_RECORD_REGISTRY),
        ):
            super().test_can_capture_specific_layers_hidden_states()
        self.assertEqual(dict(_CAN_RECORD_REGISTRY), before)

    def test_bc_torch_dtype(self):
        """transformers' version, whose sub-tests each build their failure message before comparing: an f-string
        printing both tensors of every parameter (7 dtypes x 2 classes x ~30 parameters: 840 tensors printed, 2.5 of
        its 5 s of CPU on a loaded machine, for a message shown only on failure). Printed here with one value at each
        edge (`tensor([0.1, ..., 0.7])`), the loads and comparisons as they were."""
        with torch._tensor_str.printoptions(edgeitems=1, threshold=4):
            super().test_bc_torch_dtype()

    def test_enable_input_require_grads_with_gradient_checkpointing(self):
        """transformers' version looks for the gradient on `get_input_embeddings().weight`, a token table's; the input
        embedding here is a module whose kernel is its `projection`'s (a Conv3d over tubelets, a Conv2d over frames),
        so it skipped every class ("No model with a differentiable loss was available"). The same check runs with
        that kernel as the embedding's `weight`: with gradient checkpointing and `enable_input_require_grads`, the
        loss still reaches it."""
        from vivit_hf.models.modeling_blocks import FrameSamplingEmbedding, TubeletEmbedding

        kernel = property(lambda embedding: embedding.projection.weight)
        with (
            mock.patch.object(TubeletEmbedding, "weight", kernel, create=True),
            mock.patch.object(FrameSamplingEmbedding, "weight", kernel, create=True),
        ):
            super().test_enable_input_require_grads_with_gradient_checkpointing()

    def test_torch_export_with_dynamic_batch_matches_eager(self):
        """Stands in for the export tests the sdist leaves out (`ExportTesterMixin`): `torch.export` traces the base
        model with a symbolic batch size, and the exported program gives the eager outputs (last hidden state and
        pooled output) at another batch size. The classifiers' own exports with a dynamic batch are
        `tests/test_export.py`'s (every variant, with a frame mask): traced here too, they cost a second a variant."""
        config, inputs_dict = self.model_tester.prepare_config_and_inputs_for_common()
        # traced at a batch of 2 at least: torch.export specialises a dimension of size 1 to 1 (a tester of one clip)
        pixel_values = torch.cat((inputs_dict["pixel_values"], inputs_dict["pixel_values"][:1] * 0.25))
        other_batch = torch.cat((pixel_values, pixel_values[:1] * 0.5))
        model = self.model_tester.base_model_class(copy.deepcopy(config)).to(torch_device).eval()
        exported = torch.export.export(
            model,
            (),
            {"pixel_values": pixel_values},
            dynamic_shapes={"pixel_values": {0: torch.export.Dim("batch")}},
            strict=False,
        )
        with torch.no_grad():
            expected = model(pixel_values=other_batch).to_tuple()
            actual = exported.module()(pixel_values=other_batch).to_tuple()
        self.assertEqual(len(actual), len(expected))
        for got, want in zip(actual, expected):
            torch.testing.assert_close(got, want)


def skip_repeated_sdpa_cases(test_class):
    """`test_eager_matches_sdpa_inference` runs each dtype with padding on either side, with and without an attention
    mask. The padding side only places the mask's zeros (the tester's frame mask: the last clip's first or last two
    frames, so its first or last tubelet), so without a mask `pad_right` runs exactly the `pad_left` case of the same
    dtype and kernels: those 6 repeats are skipped; every masked case runs."""
    for index, (name, _, padding_side, use_attention_mask, *_) in enumerate(
        test_modeling_common.TEST_EAGER_MATCHES_SDPA_INFERENCE_PARAMETERIZATION
    ):
        if use_attention_mask or padding_side == "left":
            continue
        method = f"test_eager_matches_sdpa_inference_{index:02d}_{name}"
        if not hasattr(test_class, method):  # transformers renamed its cases: nothing here may silently drop them
            raise RuntimeError(f"{test_class.__name__} has no {method}; update skip_repeated_sdpa_cases")
        kept = name.replace("_pad_right_", "_pad_left_")
        reason = f"without an attention mask the padding side changes nothing: `{kept}` runs this case"
        setattr(test_class, method, unittest.skip(reason)(lambda self: None))
    return test_class


ViViTCommonTests = skip_repeated_sdpa_cases(ViViTCommonTests)


class ViViTAttentionLayoutTests:
    """transformers' `test_attention_outputs` expects one `(heads, n, n)` map per configured layer. Models 2-4 return
    more maps than `num_hidden_layers` (DESIGN.md: Model 2 adds its temporal encoder's, Models 3 and 4 give two per
    layer) and maps over different token sets, so the same three checks run against the layout each variant declares:
    maps come on request by argument or by config, and come last in the output, after the hidden states.
    `get_video_features` returns the forward's maps and hidden states, so its common tests count by the same layout."""

    def _video_features_get_expected_num_attentions(self, model_tester=None):
        return len(self.model_tester.attention_map_shapes(self.model_tester.batch_size))

    def _video_features_get_expected_num_hidden_states(self, model_tester=None):
        return self.model_tester.expected_num_hidden_layers

    def test_attention_outputs(self):
        config, inputs_dict = self.model_tester.prepare_config_and_inputs_for_common()
        expected = self.model_tester.attention_map_shapes(self.model_tester.batch_size)

        def run(model_class, config, **kwargs):
            model = model_class._from_config(config, attn_implementation="eager").to(torch_device).eval()
            with torch.no_grad():
                return model(**self._prepare_for_class(inputs_dict, model_class), **kwargs)

        for model_class in self.all_model_classes:
            by_argument = run(model_class, config, output_attentions=True)
            self.assertListEqual([tuple(a.shape) for a in by_argument.attentions], expected)

            by_config = copy.deepcopy(config)
            by_config.output_attentions = True
            outputs = run(model_class, by_config)
            self.assertListEqual([tuple(a.shape) for a in outputs.attentions], expected)

            both = run(model_class, by_config, output_hidden_states=True)
            self.assertEqual(len(both), len(outputs) + 1)
            self.assertIs(both[-1], both.attentions)


class ViViTSpatioTemporalCommonTest(ViViTCommonTests, unittest.TestCase):
    """Model 1: one encoder over all tokens, the layout transformers' common attention test expects as is."""

    model_tester_class = ViViTModelTester
    model_tester_kwargs = {"variant": "spatio_temporal"}
    config_tester_kwargs = {"hidden_size": 37, "num_frames": 8, "tubelet_size": [2, 8, 8], "classifier": "gap"}


class ViViTFactorisedEncoderCommonTest(ViViTAttentionLayoutTests, ViViTCommonTests, unittest.TestCase):
    model_tester_class = FactorisedEncoderModelTester
    config_tester_kwargs = {"hidden_size": 37, "num_temporal_layers": 2}


class ViViTFactorisedSelfAttentionCommonTest(ViViTAttentionLayoutTests, ViViTCommonTests, unittest.TestCase):
    model_tester_class = FactorisedSelfAttentionModelTester
    config_tester_kwargs = {"hidden_size": 37, "attention_order": "time_space"}


class ViViTFactorisedDotProductCommonTest(ViViTAttentionLayoutTests, ViViTCommonTests, unittest.TestCase):
    model_tester_class = FactorisedDotProductModelTester
    config_tester_kwargs = {"hidden_size": 37, "image_size": [32, 48]}


class ViViTNonSquareCommonTest(ViViTFactorisedDotProductCommonTest):
    """Model 4 on 32x48 frames (a (2, 4, 6) token grid): every common test with height and width apart, as a
    landscape video is read."""

    model_tester_kwargs = {"image_size": [32, 48]}
