# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""scenic's released ViViT configs (google-research/scenic, scenic/projects/vivit/configs/), read as the files are
written: the fields that matter of each, in the file's own order and style (`get_config()` filling an
`ml_collections.ConfigDict`; Epic Kitchens' stray prose line, Something-Something's `patches.size` set twice).

Each is checked three ways: the config we read against the paper's and the file's sizes; the full-size model's
parameter names and shapes against those scenic's model code gives the released checkpoint (from its formulas:
tubelet kernel (t, h, w, 3, d), `pos_embedding` (1, [1 +] tokens, d), ...); and the same file with its sizes set to
a scenic fixture's (lines added before `return config`, as a user's derived config would) converting that fixture's
parameters to scenic's own logits through `python -m vivit_hf.convert scenic`.
"""

import json

import numpy as np
import pytest
import torch
from conftest import case_dir
from transformers import AutoModelForVideoClassification

import vivit_hf  # noqa: F401 - registers the Auto classes
from vivit_hf.conversion.cli import scenic_processor_kwargs
from vivit_hf.conversion.scenic import config_from_scenic, read_scenic_config, scenic_layout, to_torch_array
from vivit_hf.convert import main
from vivit_hf.models.modeling_vivit import VIVIT_MODELS

HEADER = """\
r\"\"\"{title}.

\"\"\"


from absl import logging
import ml_collections


def get_config():
  \"\"\"Returns the base experiment configuration.\"\"\"
  config = ml_collections.ConfigDict()
  config.experiment_name = '{experiment}'

  # Dataset.
  config.dataset_name = 'video_tfrecord_dataset'
  config.dataset_configs = ml_collections.ConfigDict()
  config.data_dtype_str = 'float32'
  config.datset_configs = ml_collections.ConfigDict()
  config.dataset_configs.base_dir = (
      '/path/to/dataset')
  config.dataset_configs.tables = {{
      'train': 'train.tfrecord@1024',
      'validation': 'validation.tfrecord@1024',
      'test': 'test.tfrecord@1024'
  }}
"""

EVALUATION = """\
  config.dataset_configs.one_hot_labels = True
  config.dataset_configs.zero_centering = True

  # Multicrop evaluation settings:
  config.dataset_configs.do_multicrop_test = True  # Do during training.
  config.dataset_configs.log_test_epochs = 5
  config.dataset_configs.num_test_clips = 4
  config.dataset_configs.test_batch_size = 8  # Must equal num_local_devices.
  config.dataset_configs.do_three_spatial_crops = True
  config.multicrop_clips_per_device = 2

  # Data augmentation.
  config.dataset_configs.augmentation_params = ml_collections.ConfigDict()
  config.dataset_configs.augmentation_params.do_jitter_scale = True
  config.dataset_configs.augmentation_params.scale_min_factor = 0.9
  config.dataset_configs.augmentation_params.scale_max_factor = 1.33
  config.dataset_configs.augmentation_params.prob_scale_jitter = 1.0
  config.dataset_configs.augmentation_params.do_color_augment = True
  config.dataset_configs.augmentation_params.prob_color_augment = 0.8
  config.dataset_configs.augmentation_params.prob_color_drop = 0.1
  config.dataset_configs.prefetch_to_device = 2
"""

INIT_AND_TRAINING = """\

  # Training.
  config.trainer_name = 'vivit_trainer'
  config.optimizer = 'momentum'
  config.optimizer_configs = ml_collections.ConfigDict()
  config.l2_decay_factor = 0
  config.max_grad_norm = 1
  config.label_smoothing = {label_smoothing}
  config.num_training_epochs = 30
  config.batch_size = 64
  config.rng_seed = 0

  # Initialisation.
  config.init_from = ml_collections.ConfigDict()
{init_comment}
  config.init_from.checkpoint_path = 'path_to_checkpoint'
  config.init_from.checkpoint_format = 'scenic'
  config.init_from.model_config = ml_collections.ConfigDict()
  config.init_from.model_config.model = ml_collections.ConfigDict()
  config.init_from.model_config.model.classifier = 'token'  # Specify if this is 'token' or 'gap'.
  config.init_from.restore_positional_embedding = True
  config.init_from.restore_input_embedding = True
  config.init_from.positional_embed_size_change = '{posemb_change}'

  # Learning rate.
  steps_per_epoch = 1000 // config.batch_size
  config.lr_configs = ml_collections.ConfigDict()
  config.lr_configs.learning_rate_schedule = 'compound'
  config.lr_configs.warmup_steps = 2.5 * steps_per_epoch
  config.lr_configs.base_learning_rate = 1e-1

  # Logging.
  config.write_summary = True
  config.checkpoint = True  # Do checkpointing.
  config.checkpoint_steps = 500  # Checkpoint more frequently than a val epoch.
  return config
"""


def released(title, experiment, data, model, label_smoothing="None", posemb_change="tile", prose=False):
    init_comment = (
        "  Use a pretrained Kinetics checkpoint, or ImageNet checkpoint"  # as shipped: the '#' is missing
        if prose
        else "  # Use a pretrained Kinetics checkpoint, or ImageNet checkpoint"
    )
    return (
        HEADER.format(title=title, experiment=experiment)
        + data
        + EVALUATION
        + model
        + INIT_AND_TRAINING.format(
            label_smoothing=label_smoothing, init_comment=init_comment, posemb_change=posemb_change
        )
    )


KINETICS_DATA = """\
  config.dataset_configs.num_classes = {classes}
  config.data_dtype_str = 'float32'

  # This is going to sample 32 frames, sampled at a stride of 2 from the video.
  # Kinetics videos has 250 frames.
  config.dataset_configs.num_frames = 32
  config.dataset_configs.stride = 2
  config.dataset_configs.min_resize = 256
  config.dataset_configs.crop_size = 224
"""

# configs/kinetics400/vivit_base_k400.py: ViViT-B/16x2, Model 1
SPACETIME_BASE = """\

  # Model: ViViT-B
  config.model_name = 'vivit_classification'
  config.model = ml_collections.ConfigDict()
  config.model.attention_config = ml_collections.ConfigDict()
  config.model.attention_config.type = 'spacetime'

  config.model.hidden_size = 768
  config.model.patches = ml_collections.ConfigDict()
  config.model.num_heads = 12
  config.model.mlp_dim = 3072
  config.model.num_layers = 12
  config.model.representation_size = None
  config.model.classifier = 'token'
  config.model.attention_dropout_rate = 0.
  config.model.dropout_rate = 0.
  config.model_dtype_str = 'float32'

  config.model.temporal_encoding_config = ml_collections.ConfigDict()
  config.model.temporal_encoding_config.method = '3d_conv'
  config.model.patches.size = (16, 16, 2)
  config.model.temporal_encoding_config.kernel_init_method = 'central_frame_initializer'
"""


def factorised_encoder(name, hidden, heads, mlp, spatial_layers, temporal_layers, droplayer="", patches_twice=False):
    """The model section of the released Factorised Encoder configs (Model 2), line by line; Something-Something's
    and Epic Kitchens' set `patches.size = [16, 16]` first and `[16, 16, 2]` later, and a stochastic depth rate."""
    first_patches = "  config.model.patches = ml_collections.ConfigDict()\n" + (
        "  config.model.patches.size = [16, 16]\n" if patches_twice else ""
    )
    rate = f"  config.model.stochastic_droplayer_rate = {droplayer}\n" if droplayer else ""
    return f"""\

  # Model.
  config.model_name = '{name}'
  config.model = ml_collections.ConfigDict()
  config.model.hidden_size = {hidden}
{first_patches}
  config.model.attention_config = ml_collections.ConfigDict()
  config.model.attention_config.type = 'factorized_encoder'
  config.model.spatial_transformer = ml_collections.ConfigDict()
  config.model.spatial_transformer.num_heads = {heads}
  config.model.spatial_transformer.mlp_dim = {mlp}
  config.model.spatial_transformer.num_layers = {spatial_layers}
  config.model.temporal_transformer = ml_collections.ConfigDict()
  config.model.temporal_transformer.num_heads = {heads}
  config.model.temporal_transformer.mlp_dim = {mlp}
  config.model.temporal_transformer.num_layers = {temporal_layers}
  config.model.representation_size = None
  config.model.classifier = 'token'
  config.model.attention_dropout_rate = 0.
  config.model.dropout_rate = 0.
{rate}  config.model_dtype_str = 'float32'

  config.model.temporal_encoding_config = ml_collections.ConfigDict()
  config.model.temporal_encoding_config.method = '3d_conv'
  config.model.patches.size = [16, 16, 2]
  config.model.temporal_encoding_config.kernel_init_method = 'central_frame_initializer'
  # Applies when temporal_encoding_config.method='temporal_sampling'
  config.model.temporal_encoding_config.n_sampled_frames = 16  # Unused here.
"""


SSV2_DATA = """\
  config.dataset_configs.num_classes = 174

  # This is going to sample 32 frames, sampled at a stride of 1 from the video.
  # And then it will uniformly take n_sampled_frames from there.
  config.dataset_configs.num_frames = 32
  config.dataset_configs.stride = 1
  config.dataset_configs.min_resize = 288
  config.dataset_configs.crop_size = 256
"""

EPIC_KITCHENS_DATA = """\

  ## EpicKitchens-specific flags.
  # We want to train a "multi-head" classification model where we are predicting
  # both "nouns" and "verbs"
  # Setting this as None / leaving it empty, means we concatenate the two labels
  config.dataset_configs.class_splits = [300, 97]
  config.dataset_configs.split_names = ['noun', 'verb']

  # This is going to sample 32 frames, sampled at a stride of 1 from the video.
  config.dataset_configs.num_frames = 32
  config.dataset_configs.stride = 1
  config.dataset_configs.min_resize = 256
  config.dataset_configs.crop_size = 224
"""

# file -> (its text, what we must read from it, the video processor it gives: frames, stride, shorter side, crop)
RELEASED = {
    "kinetics400/vivit_base_k400.py": (
        released("ViViT-Base Unfactorised", "vivit_base_k400", KINETICS_DATA.format(classes=400), SPACETIME_BASE),
        dict(
            model_type="vivit_spatio_temporal",
            hidden_size=768,
            num_hidden_layers=12,
            num_attention_heads=12,
            intermediate_size=3072,
            num_labels=400,
            image_size=224,
            drop_path_rate=0.0,
        ),
        (32, 2, 256, 224),
    ),
    "kinetics400/vivit_base_factorised_encoder.py": (
        released(
            "ViViT Base Factorised Encoder model",
            "vivit_kinetics400_classification",
            KINETICS_DATA.format(classes=400),
            factorised_encoder("vivit_classification", 768, 12, 3072, 12, 4),
        ),
        dict(
            model_type="vivit_factorised_encoder",
            hidden_size=768,
            num_hidden_layers=12,
            num_temporal_layers=4,
            num_attention_heads=12,
            intermediate_size=3072,
            num_labels=400,
            image_size=224,
            drop_path_rate=0.0,
        ),
        (32, 2, 256, 224),
    ),
    "kinetics400/vivit_large_factorised_encoder.py": (
        released(
            "ViVIT Large Factorised Encoder",
            "vivit_large_factorised_encoder_num_frames_im21k",
            KINETICS_DATA.format(classes=400),
            factorised_encoder("vivit_classification", 1024, 16, 4096, 24, 24),
        ),
        dict(
            model_type="vivit_factorised_encoder",
            hidden_size=1024,
            num_hidden_layers=24,
            num_temporal_layers=24,
            num_attention_heads=16,
            intermediate_size=4096,
            num_labels=400,
            image_size=224,
            drop_path_rate=0.0,
        ),
        (32, 2, 256, 224),
    ),
    "kinetics600/vivit_large_factorised_encoder.py": (
        released(
            "ViViT Factorised Encoder model",
            "vivit_large_factorised_encoder",
            KINETICS_DATA.format(classes=600),
            factorised_encoder("vivit_classification", 1024, 16, 4096, 24, 24),
        ),
        dict(
            model_type="vivit_factorised_encoder",
            hidden_size=1024,
            num_hidden_layers=24,
            num_temporal_layers=24,
            num_attention_heads=16,
            intermediate_size=4096,
            num_labels=600,
            image_size=224,
            drop_path_rate=0.0,
        ),
        (32, 2, 256, 224),
    ),
    "something_something_v2/vivit_large_factorised_encoder.py": (
        released(
            "ViViT-Large Factorised Encoder Something-Something v2",
            "vivit_large_fe_ssv2",
            SSV2_DATA + "  config.mixup = ml_collections.ConfigDict()\n  config.mixup.alpha = 0.3\n",
            factorised_encoder("vivit_classification", 1024, 16, 4096, 24, 4, droplayer=0.3, patches_twice=True),
            label_smoothing="0.3",
            posemb_change="resize",
        ),
        dict(
            model_type="vivit_factorised_encoder",
            hidden_size=1024,
            num_hidden_layers=24,
            num_temporal_layers=4,
            num_attention_heads=16,
            intermediate_size=4096,
            num_labels=174,
            image_size=256,
            drop_path_rate=0.3,
        ),
        (32, 1, 288, 256),
    ),
    "epic_kitchens/vivit_large_factorised_encoder.py": (
        released(
            "ViViT Factorised Encoder model for Epic Kitchens",
            "vivit_large_factorised_encoder_ek",
            EPIC_KITCHENS_DATA + "  config.mixup = ml_collections.ConfigDict()\n  config.mixup.alpha = 0.1\n",
            factorised_encoder(
                "vivit_multihead_classification", 1024, 16, 4096, 24, 4, droplayer=0.2, patches_twice=True
            ),
            label_smoothing="0.2",
            prose=True,
        ),
        dict(
            model_type="vivit_factorised_encoder",
            hidden_size=1024,
            num_hidden_layers=24,
            num_temporal_layers=4,
            num_attention_heads=16,
            intermediate_size=4096,
            num_labels=397,
            image_size=224,
            label_spaces={"noun": 300, "verb": 97},
            drop_path_rate=0.2,
        ),
        (32, 1, 256, 224),
    ),
}
# What every released config shares: ViT-B/16 or ViT-L/16 blocks over 16x16x2 tubelets of a 32-frame clip, a CLS token,
# no representation layer, no dropout, scenic's tanh GELU and LayerNorm epsilon.
SHARED = dict(
    embedding_type="tubelet",
    tubelet_size=[2, 16, 16],
    num_frames=32,
    classifier="token",
    representation_size=None,
    hidden_dropout_prob=0.0,
    attention_probs_dropout_prob=0.0,
    hidden_act="gelu_pytorch_tanh",
    layer_norm_eps=1e-6,
    num_channels=3,
    problem_type=None,
)


@pytest.fixture(params=sorted(RELEASED), ids=lambda name: name.replace("/", "-").removesuffix(".py"))
def released_config(request, tmp_path):
    text, expected, processor = RELEASED[request.param]
    path = tmp_path / request.param.split("/")[-1]
    path.write_text(text)
    return request.param, path, expected, processor


def test_each_released_config_reads_into_its_model(released_config):
    _, path, expected, _ = released_config
    config = config_from_scenic(path)
    wanted = {**SHARED, **expected}
    got = {name: getattr(config, name) for name in wanted}
    assert got == wanted


def test_each_released_config_gives_its_evaluation_video_processor(released_config):
    """Frames, stride, shorter side and crop of the config's data pipeline; pixels in [-1, 1] (`zero_centering`)."""
    _, path, _, (frames, stride, shorter, crop) = released_config
    kwargs = scenic_processor_kwargs(path)
    assert kwargs == {
        "num_frames": frames,
        "frame_stride": stride,
        "size": {"shortest_edge": shorter},
        "crop_size": {"height": crop, "width": crop},
        "normalization": "scenic",
    }


# ------------------------------------------------------------ the released checkpoints' parameters, from scenic's code
def block_shapes(prefix, d, heads, mlp):
    """`EncoderBlock` (Models 1, 2, 4): flax's MultiHeadDotProductAttention keeps q, k, v as (d, heads, d / heads)."""
    head = d // heads
    shapes = {f"{prefix}/LayerNorm_{i}/{p}": (d,) for i in (0, 1) for p in ("scale", "bias")}
    for name in ("query", "key", "value"):
        shapes |= {
            f"{prefix}/MultiHeadDotProductAttention_0/{name}/kernel": (d, heads, head),
            f"{prefix}/MultiHeadDotProductAttention_0/{name}/bias": (heads, head),
        }
    shapes |= {
        f"{prefix}/MultiHeadDotProductAttention_0/out/kernel": (heads, head, d),
        f"{prefix}/MultiHeadDotProductAttention_0/out/bias": (d,),
        f"{prefix}/MlpBlock_0/Dense_0/kernel": (d, mlp),
        f"{prefix}/MlpBlock_0/Dense_0/bias": (mlp,),
        f"{prefix}/MlpBlock_0/Dense_1/kernel": (mlp, d),
        f"{prefix}/MlpBlock_0/Dense_1/bias": (d,),
    }
    return shapes


def encoder_shapes(name, tokens, d, heads, mlp, layers):
    """`Encoder`: learned 1-D position embedding over every token it sees (the CLS token included), its blocks, and
    `encoder_norm`."""
    shapes = {f"{name}/posembed_input/pos_embedding": (1, tokens, d)}
    for i in range(layers):
        shapes |= block_shapes(f"{name}/encoderblock_{i}", d, heads, mlp)
    return shapes | {f"{name}/encoder_norm/scale": (d,), f"{name}/encoder_norm/bias": (d,)}


def released_checkpoint_shapes(scenic_config: dict) -> dict:
    """The parameter tree scenic's `ViViT` / `SpaceTimeViViT` builds for a released config (token classifier, 3d_conv
    tubelets (h, w, t) = patches.size, kernel stored time first; `output_projection` over the data set's classes)."""
    model, data = scenic_config["model"], scenic_config["dataset_configs"]
    d = model["hidden_size"]
    h, w, t = model["patches"]["size"]
    grid_t, grid_hw = data["num_frames"] // t, (data["crop_size"] // h) * (data["crop_size"] // w)
    classes = data.get("num_classes") or sum(data["class_splits"])
    shapes = {"embedding/kernel": (t, h, w, 3, d), "embedding/bias": (d,)}
    if model["attention_config"]["type"] == "factorized_encoder":
        spatial, temporal = model["spatial_transformer"], model["temporal_transformer"]
        shapes |= {"cls_SpatialTransformer": (1, 1, d), "cls_TemporalTransformer": (1, 1, d)}
        shapes |= encoder_shapes(
            "SpatialTransformer", 1 + grid_hw, d, spatial["num_heads"], spatial["mlp_dim"], spatial["num_layers"]
        )
        shapes |= encoder_shapes(
            "TemporalTransformer", 1 + grid_t, d, temporal["num_heads"], temporal["mlp_dim"], temporal["num_layers"]
        )
    else:
        shapes |= {"cls": (1, 1, d)}
        shapes |= encoder_shapes(
            "Transformer", 1 + grid_t * grid_hw, d, model["num_heads"], model["mlp_dim"], model["num_layers"]
        )
    return shapes | {"output_projection/kernel": (d, classes), "output_projection/bias": (classes,)}


def test_each_released_config_builds_the_released_checkpoints_parameter_tree(released_config):
    """The full-size model (on the meta device: ViViT-L FE is 600M parameters) takes exactly the tree scenic's model
    code gives the released checkpoint, each array in its shape."""
    _, path, _, _ = released_config
    config = config_from_scenic(path)
    model_class = next(classes[2] for classes in VIVIT_MODELS.values() if classes[0] is type(config))
    with torch.device("meta"):
        model = model_class(config)
    expected = released_checkpoint_shapes(read_scenic_config(path))
    entries = scenic_layout(model)
    assert sorted(name for entry in entries for name in entry.scenic_names) == sorted(expected)
    parameters = dict(model.named_parameters())
    assert {entry.torch_name for entry in entries} == set(parameters)
    for entry in entries:  # zero-stride stand-ins: the layout rules' shapes without 2 GB of arrays
        arrays = [np.broadcast_to(np.float32(0), expected[name]) for name in entry.scenic_names]
        assert to_torch_array(entry, arrays).shape == tuple(parameters[entry.torch_name].shape), entry.torch_name


# --------------------------------------------------------------------------------- scenic's logits through each file
# The fixture case of each released config's model: the same model class, classifier and head(s), at toy sizes.
FIXTURE_OF = {
    "kinetics400/vivit_base_k400.py": "spacetime_3dconv_token",
    "kinetics400/vivit_base_factorised_encoder.py": "factorized_encoder_3dconv_token",
    "kinetics400/vivit_large_factorised_encoder.py": "factorized_encoder_3dconv_token",
    "kinetics600/vivit_large_factorised_encoder.py": "factorized_encoder_3dconv_token",
    "something_something_v2/vivit_large_factorised_encoder.py": "factorized_encoder_3dconv_token",
    "epic_kitchens/vivit_large_factorised_encoder.py": "multihead_factorized_encoder_token",
}


def at_fixture_sizes(text: str, scenic_config: dict) -> str:
    """The released file with the fixture's sizes assigned before `return config`, every other line as shipped."""
    model, data = scenic_config["model"], scenic_config["dataset_configs"]
    lines = [f"  config.model.hidden_size = {model['hidden_size']}"]
    lines.append(f"  config.model.patches.size = {list(model['patches']['size'])}")
    for section in ("spatial_transformer", "temporal_transformer"):
        for field, value in model.get(section, {}).items():
            lines.append(f"  config.model.{section}.{field} = {value}")
    for field in ("num_heads", "mlp_dim", "num_layers"):
        if field in model:
            lines.append(f"  config.model.{field} = {model[field]}")
    lines.append(f"  config.dataset_configs.num_frames = {data['num_frames']}")
    lines.append(f"  config.dataset_configs.crop_size = {data['crop_size'][0]}")
    for field in ("class_splits", "split_names") if "class_splits" in data else ("num_classes",):
        lines.append(f"  config.dataset_configs.{field} = {data[field]!r}")
    assert text.count("  return config\n") == 1
    return text.replace("  return config\n", "\n".join(lines) + "\n  return config\n")


def test_each_released_config_converts_scenics_parameters_to_scenics_logits(released_config, tmp_path):
    name, path, _, _ = released_config
    case = case_dir("scenic", FIXTURE_OF[name])
    fixture = json.loads((case / "config.json").read_text())
    path.write_text(at_fixture_sizes(path.read_text(), fixture["scenic_config"]))
    out = tmp_path / "out"
    main(["scenic", "--checkpoint", str(case / "params.npz"), "--config", str(path), "--out", str(out)])
    model = AutoModelForVideoClassification.from_pretrained(out)
    video = torch.from_numpy(np.load(case / "input.npy")).permute(0, 1, 4, 2, 3)
    with torch.no_grad():
        output = model(pixel_values=video)
    np.testing.assert_allclose(output.logits.numpy(), np.load(case / "logits.npy"), atol=1e-4, rtol=0)
    for head_file in case.glob("logits_*.npy"):
        head = head_file.stem.removeprefix("logits_")
        np.testing.assert_allclose(output.head_logits[head].numpy(), np.load(head_file), atol=1e-4, rtol=0)
