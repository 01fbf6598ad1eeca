# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The recipe's DataLoader workers hand over raw uint8 pixels (a quarter of float32's bytes through shared memory,
pinned memory and the copy to the GPU), normalised on the device: the model must still see exactly the pixel values
the processor gives, in training (every augmentation, mixup after) and in multi-view evaluation."""

from types import SimpleNamespace

import numpy as np
import pytest
import torch

from vivit_hf.processing.processing_vivit import ViViTVideoProcessor
from vivit_hf.training import finetune
from vivit_hf.training.data import dataset as data
from vivit_hf.training.data.formats import load_video_dataset
from vivit_hf.training.data.synthetic import SyntheticMotionConfig, synthetic_motion_dataset
from vivit_hf.training.mixup import VideoMixup

SMALL = SyntheticMotionConfig(num_train_per_class=2, num_test_per_class=1, num_frames=12, image_size=32)
# (name, processor options): every augmentation the recipe has, each path through the worker (uint8, and float32
# where colour jitter leaves unrounded floats), and a normalisation whose channels differ (ImageNet's)
AUGMENTATIONS = [
    ("scale jitter and flip", dict(scale_jitter=[0.8, 1.4], do_flip=True)),
    ("colour jitter", dict(do_color_jitter=True, color_jitter_prob=1.0)),
    ("colour jitter and RandAugment", dict(do_color_jitter=True, rand_augment=[2, 9])),
    ("RandAugment, ImageNet normalisation", dict(rand_augment=[2, 15], normalization="imagenet")),
]


@pytest.fixture(scope="module")
def examples(tmp_path_factory):
    root = synthetic_motion_dataset(SMALL, cache_dir=tmp_path_factory.mktemp("cache"))
    split = load_video_dataset(root, "videofolder")
    broken = tmp_path_factory.mktemp("broken") / "broken.mp4"
    broken.write_bytes(b"not a video")  # skipped and zeroed: valid=False
    return split.split("train"), [*split.split("test")[:2], {"video": str(broken), "label": 0, "id": "broken"}]


def recipe_args(**overrides):
    args = dict(
        seed=3,
        eval_num_clips=2,
        eval_num_crops=3,
        cache_decoded_videos="no",
        num_workers=0,
        per_device_train_batch_size=3,
        per_device_eval_batch_size=2,
    )
    return SimpleNamespace(**{**args, **overrides})


def make_processor(**options):
    base = dict(num_frames=4, frame_stride=2, size={"shortest_edge": 28}, crop_size={"height": 24, "width": 24})
    return ViViTVideoProcessor(**{**base, **options}, decode_backend="pyav")


def processor_pixels(processor, example, **options) -> torch.Tensor:
    """The processor called directly, as the workers called it before: normalised float32 views; a clip that does
    not decode is zeros."""
    try:
        return processor(videos=[example["video"]], return_tensors="pt", **options)["pixel_values"]
    except data.decode_errors():
        return None


@pytest.mark.parametrize("name, options", AUGMENTATIONS, ids=[name for name, _ in AUGMENTATIONS])
def test_training_batches_reach_the_model_as_the_processor_gives_them(examples, name, options):
    train_examples, eval_examples = examples
    processor = make_processor(**options)
    args = recipe_args()
    train, _ = finetune.build_datasets(args, train_examples, eval_examples, processor)
    loader, _ = finetune.build_dataloaders(args, train, train)
    epoch = 1
    loader.sampler.set_epoch(epoch)
    order = [index for _, index in loader.sampler]
    classes = 1 + max(example["label"] for example in train_examples)
    mixups = [VideoMixup(classes, mixup_alpha=0.8, cutmix_alpha=1.0, switch_prob=0.5) for _ in range(2)]
    seen = 0
    for step, batch in enumerate(loader):
        rows = order[seen : seen + len(batch["labels"])]
        seen += len(rows)
        expected = torch.cat(
            [
                processor_pixels(processor, train_examples[i], do_train_augment=True, seed=train._sample_seed(epoch, i))
                for i in rows
            ]
        )
        pixels = data.model_pixel_values(batch)
        assert pixels.dtype == torch.float32 and pixels.shape == expected.shape
        assert torch.equal(pixels, expected), f"{name}: max difference {(pixels - expected).abs().max().item()}"
        # mixup (and CutMix) mixes the normalised pixels, in the recipe as before: the same mixed batch
        for mixup in mixups:
            mixup.rng = np.random.default_rng(step)
        labels = torch.as_tensor([train_examples[i]["label"] for i in rows])
        new, new_targets = mixups[0](pixels, labels, batch["valid"])
        old, old_targets = mixups[1](expected, labels, torch.ones(len(rows), dtype=torch.bool))
        assert torch.equal(new, old) and torch.equal(new_targets, old_targets)
    assert seen == len(train_examples)


def test_multi_view_evaluation_batches_reach_the_model_as_the_processor_gives_them(examples):
    train_examples, eval_examples = examples
    processor = make_processor(normalization="imagenet")
    args = recipe_args()
    _, evaluation = finetune.build_datasets(args, train_examples, eval_examples, processor)
    _, loader = finetune.build_dataloaders(args, evaluation, evaluation)
    views = args.eval_num_clips * args.eval_num_crops
    batches = list(loader)
    pixels = torch.cat([data.model_pixel_values(batch) for batch in batches])
    expected = []
    for example in eval_examples:
        clip = processor_pixels(processor, example, num_clips=args.eval_num_clips, num_crops=args.eval_num_crops)
        expected.append(torch.zeros((views, *pixels.shape[1:])) if clip is None else clip)  # broken: zeros, as before
    expected = torch.cat(expected)
    assert torch.equal(pixels, expected), f"max difference {(pixels - expected).abs().max().item()}"
    assert torch.cat([batch["valid"] for batch in batches]).tolist() == [True, True, False]
    assert pixels[-views:].abs().max() == 0  # the broken clip: normalised zeros would read as ImageNet's -mean/std


@pytest.mark.parametrize("num_workers", [0, 1])
def test_workers_hand_over_uint8_pixels(examples, num_workers):
    """The saving itself: a worker's batch is uint8, a quarter of the float32 clip's bytes, in training (augmented)
    and in evaluation."""
    train_examples, eval_examples = examples
    processor = make_processor(scale_jitter=[0.8, 1.4], rand_augment=[2, 9])
    args = recipe_args(num_workers=num_workers)
    train, evaluation = finetune.build_datasets(args, train_examples, eval_examples, processor)
    for loader in finetune.build_dataloaders(args, train, evaluation):
        batch = next(iter(loader))
        pixels = batch["pixel_values"]
        assert pixels.dtype == torch.uint8, f"the workers hand over {pixels.dtype} pixels"
        assert data.model_pixel_values(batch).nbytes == 4 * pixels.nbytes


def test_colour_jitter_without_rand_augment_ships_float32_unrounded(examples):
    """Colour jitter's floats are not whole numbers: rounded to uint8 they would change what the model sees."""
    train_examples, eval_examples = examples
    processor = make_processor(do_color_jitter=True, color_jitter_prob=1.0)
    train, _ = finetune.build_datasets(recipe_args(), train_examples, eval_examples, processor)
    pixels = train[(0, 0)]["pixel_values"]
    assert pixels.dtype == torch.float32 and not torch.equal(pixels, pixels.round())


def test_raw_pixels_refuse_a_normalisation_given_per_call(examples):
    train_examples, _ = examples
    with pytest.raises(ValueError, match=r"raw_pixels=True .* processor_kwargs sets do_normalize, image_mean"):
        data.VideoClassificationDataset(
            train_examples,
            make_processor(),
            processor_kwargs=dict(image_mean=[0.4] * 3, do_normalize=True),
            raw_pixels=True,
        )


def test_the_affine_handed_on_as_lists_normalises_alike(examples):
    """Older torch versions' pin-memory thread hands a batch's tuples on as lists."""
    train_examples, eval_examples = examples
    train, _ = finetune.build_datasets(recipe_args(), train_examples, eval_examples, make_processor())
    batch = data.collate_videos([train[(0, 0)], train[(0, 1)]])
    as_lists = {**batch, "pixel_affine": [list(part) for part in batch["pixel_affine"]]}
    assert torch.equal(data.model_pixel_values(as_lists), data.model_pixel_values(batch))


def test_raw_pixels_refuse_a_processor_that_cannot_leave_the_normalisation_to_the_device(examples):
    """Refused when the data set is built, not at its first sample (in a DataLoader worker, after the model loaded):
    transformers' processors normalise in every call, and the device would normalise again."""
    from transformers import VideoMAEVideoProcessor

    train_examples, _ = examples
    with pytest.raises(TypeError, match=r"raw_pixels=True needs .*raw_views.*VideoMAEVideoProcessor has no such"):
        data.VideoClassificationDataset(train_examples, VideoMAEVideoProcessor(), raw_pixels=True)
    data.VideoClassificationDataset(train_examples, VideoMAEVideoProcessor())  # normalised by the processor: fine
