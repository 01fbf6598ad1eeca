# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""What a user upgrading keeps: names that moved out of a recipe stay importable from it; a run folder an earlier
version wrote is the same command, so that a rerun continues it."""

import importlib.util
import json
from pathlib import Path

import pytest
import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file
from test_recipes_finetune import FINETUNE, run, tiny_vit  # noqa: F401 (a fixture)

from vivit_hf.training import evaluation
from vivit_hf.training.finetune import resolve_batch_size
from vivit_hf.training.finetune_flags import parse_args
from vivit_hf.training.resume import check_resume_settings, run_settings, same_settings

EVALUATE = Path(__file__).resolve().parents[1] / "recipes" / "evaluate.py"

# Public helpers recipes/evaluate.py defined until they moved to vivit_hf.training.evaluation (scripts, and the
# recipe's own tests, loaded the recipe as a module and called them: `evaluate.dataset_name(...)`).
MOVED_OUT_OF_EVALUATE = ("dataset_name", "model_folder_problem", "model_id2label")


@pytest.fixture(scope="module")
def evaluate_module():
    # Loaded under its own name: `import evaluate` could be the `evaluate` library.
    spec = importlib.util.spec_from_file_location("vivit_recipes_evaluate_compat", EVALUATE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", MOVED_OUT_OF_EVALUATE)
def test_helpers_moved_out_of_evaluate_are_still_importable_from_it(evaluate_module, name):
    assert getattr(evaluate_module, name, None) is getattr(evaluation, name)


def test_data_names_scripts_imported_from_formats_still_import_from_it():
    """`index_videos` and `SPLIT_ALIASES` were formats.py's own before the module per data set; scripts import them
    from there."""
    from vivit_hf.training.data import annotated, folders, formats

    assert formats.index_videos is annotated.index_videos
    assert formats.SPLIT_ALIASES is folders.SPLIT_ALIASES


# The settings main (3f10a0e) recorded, in run_settings.json and every checkpoint's trainer_state.json, for the README's
# main command cut short (`accelerate launch recipes/finetune.py --max_train_steps 2 --checkpointing_steps 1`): the
# flags added since (--model_ema and its decay and warm-up, --hub_strategy) are not in it.
MAIN_README_FLAGS = ["--max_train_steps", "2", "--checkpointing_steps", "1"]
MAIN_README_RUN = {
    "batches": {
        "per_device_train_batch_size": 16,
        "num_processes": 1,
        "gradient_accumulation_steps": 1,
        "effective_total_batch_size": 16,
        "seed": 0,
        "dataset": "synthetic_motion",
        "dataset_format": "videofolder",
        "dataset_revision": None,
        "dataset_config_name": None,
        "train_split": "train",
        "validation_split_percentage": 10.0,
        "max_train_samples": None,
        "streaming": False,
        "video_column": None,
        "label_column": None,
    },
    "model": {
        "model": "spatio_temporal",
        "model_size": "tiny",
        "num_frames": None,
        "crop_size": 32,
        "config_overrides": None,
        "optimizer": "adamw",
        "init_from": None,
        "freeze": [],
    },
    "clips": {
        "frame_stride": 2,
        "resize_shortest_edge": 32,
        "short_video": None,
    },
    "other": {
        # 0.001 in the runs before the preset's 3e-3 (2026-12-06): a folder of those is refused naming the preset's
        # change (test_the_same_command_on_a_folder_of_the_presets_earlier_value_is_refused_naming_it)
        "learning_rate": 0.003,
        "weight_decay": 0.05,
        "momentum": 0.9,
        "lr_scheduler_type": "cosine",
        "warmup_epochs": 1.0,
        "num_warmup_steps": None,
        "max_grad_norm": 1.0,
        "label_smoothing": 0.0,
        "mixup_alpha": 0.0,
        "cutmix_alpha": 0.0,
        "num_train_epochs": 40,
        "max_train_steps": 2,
        "do_flip": False,
        "scale_jitter": [1.0, 1.25],
        "color_jitter": False,
        "rand_augment": None,
        "drop_path_rate": 0.0,
        "hidden_dropout_prob": 0.1,
        "mixed_precision": None,
        "positional_embedding": "resize_tile",
        "tubelet_init": "central_frame",
        "eval_split": None,
        "eval_num_clips": 1,
        "eval_num_crops": 1,
        "max_eval_samples": None,
    },
}


def test_a_run_recorded_before_the_newer_flags_is_the_same_command_and_resumes_without_a_word():
    """A recorded group holding a flag added later made every earlier run folder "another run": the same command
    rerun was refused as run with other flags (--overwrite_output_dir or another --output_dir), and
    --resume_from_checkpoint latest warned or refused; flags recorded only when on (RECORDED_WHEN_ON) and
    operational ones keep the earlier records equal."""
    args = parse_args(MAIN_README_FLAGS)
    args.gradient_accumulation_steps, args.effective_total_batch_size, _ = resolve_batch_size(args, 1)
    current = json.loads(json.dumps(run_settings(args, 1)))  # as read back from JSON
    assert same_settings(MAIN_README_RUN, current)
    assert check_resume_settings(MAIN_README_RUN, current) == []


def test_a_model_2_checkpoint_whose_spatial_cls_token_is_the_vits_keeps_it_when_rerun(
    videofolder,
    tiny_vit,  # noqa: F811
    tmp_path,
):
    """Model 2 --init_from an image ViT took the ViT's CLS token as its spatial one until scenic's rule (the video
    model's own) became the default. A run checkpointed by that version, rerun as the same command, continues from
    its checkpoint: the model it writes holds the checkpoint's spatial CLS token, not one the new rule initialised."""
    vit, folder = tiny_vit
    flags = ["--dataset", videofolder, "--output_dir", tmp_path, "--model", "factorised_encoder", "--init_from", folder]
    flags += ["--num_frames", "4", "--frame_stride", "1", "--config_overrides", "num_temporal_layers=1"]
    flags += ["--max_train_steps", "1", "--checkpointing_steps", "1", "--per_device_train_batch_size", "2"]
    flags += ["--per_device_eval_batch_size", "6", "--num_workers", "0", "--with_tracking", "false"]
    run(FINETUNE, *flags)
    checkpoint = tmp_path / "checkpoints" / "step_1" / "model.safetensors"
    with safe_open(checkpoint, "pt") as saved:
        metadata = saved.metadata()
    state = load_file(checkpoint)
    name = "vivit.spatial_encoder.cls_token"
    state[name] = vit.embeddings.cls_token.detach().clone()  # as the earlier version's run started it
    save_file(state, checkpoint, metadata=metadata)
    run(FINETUNE, *flags)  # the same command: the finished run's outputs written again from its checkpoint
    torch.testing.assert_close(
        load_file(tmp_path / "model.safetensors")[name], vit.embeddings.cls_token, rtol=0, atol=0
    )
