# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The bundled synthetic motion data set and the torch Dataset over examples."""

import ctypes.util
import os
from pathlib import Path

import av
import fresh_python
import numpy as np
import pytest
import torch

from vivit_hf.training.data.dataset import EpochShuffleSampler, VideoClassificationDataset, collate_videos
from vivit_hf.training.data.formats import load_video_dataset
from vivit_hf.training.data.synthetic import (
    DEFAULT_CLASSES,
    SyntheticMotionConfig,
    render_clip,
    synthetic_motion_dataset,
)

SMALL = SyntheticMotionConfig(num_train_per_class=2, num_test_per_class=1, num_frames=6, image_size=16)


def shift_between(a: np.ndarray, b: np.ndarray) -> tuple[int, int]:
    """The torus shift (dy, dx) that best maps frame a onto frame b."""
    scores = {
        (dy, dx): -np.abs(np.roll(a, (dy, dx), axis=(0, 1)) - b).sum() for dy in range(-4, 5) for dx in range(-4, 5)
    }
    return max(scores, key=scores.get)


@pytest.mark.parametrize(
    "label, direction",
    [
        ("moving_left", (0, -1)),
        ("moving_right", (0, 1)),
        ("moving_up", (-1, 0)),
        ("moving_down", (1, 0)),
        ("moving_up_left", (-1, -1)),
        ("moving_down_right", (1, 1)),
    ],
)
def test_sliding_classes_move_the_picture_their_way(label, direction):
    config = SyntheticMotionConfig(speed_range=(2.0, 2.0))
    frames = render_clip(label, np.random.default_rng(0), config).astype(np.float64)
    dy, dx = shift_between(frames[0], frames[1])
    assert (np.sign(dy), np.sign(dx)) == direction


def test_spinning_classes_stay_in_place_and_turn_opposite_ways():
    config = SyntheticMotionConfig(num_shapes=1)
    clockwise = render_clip("rotating_clockwise", np.random.default_rng(1), config)
    counter = render_clip("rotating_counterclockwise", np.random.default_rng(1), config)
    # Same draws except the sense of rotation: first frames equal, later frames differ.
    assert np.array_equal(clockwise[0], counter[0])
    assert not np.array_equal(clockwise[3], counter[3])
    assert shift_between(clockwise[0].astype(float), clockwise[1].astype(float)) == (0, 0)


def test_generation_is_seeded_cached_and_leaves_no_temporary_folder(tmp_path):
    root = synthetic_motion_dataset(SMALL, cache_dir=tmp_path)
    data = load_video_dataset(root, "videofolder")
    assert data.label_names == sorted(DEFAULT_CLASSES) and len(DEFAULT_CLASSES) == 8
    assert len(data.split("train")) == 16 and len(data.split("test")) == 8
    first = (root / "train" / "moving_up" / "moving_up_0000.mp4").read_bytes()
    stamp = (root / "synthetic_motion.json").stat().st_mtime_ns
    assert synthetic_motion_dataset(SMALL, cache_dir=tmp_path) == root
    assert (root / "synthetic_motion.json").stat().st_mtime_ns == stamp
    assert [p.name for p in tmp_path.iterdir()] == [root.name]
    again = synthetic_motion_dataset(SMALL, cache_dir=tmp_path / "elsewhere")
    assert (again / "train" / "moving_up" / "moving_up_0000.mp4").read_bytes() == first


def test_processes_starting_on_an_empty_cache_generate_the_set_once(tmp_path, monkeypatch):
    """Several processes starting at once on an empty cache (a launch's, pytest-xdist's workers) each generated the
    whole set on the same cores; the others now wait for the first and read its set. (flock locks an open file
    description, so two threads opening the lock file contend as two processes do.)"""
    import threading
    import time

    from vivit_hf.training.data import synthetic

    generated, original = [], synthetic.generate_synthetic_motion

    def slow_generation(root, config):
        generated.append(root)
        time.sleep(0.5)  # both callers have looked for the set before the first one is done
        original(root, config)

    monkeypatch.setattr(synthetic, "generate_synthetic_motion", slow_generation)
    roots = []
    callers = [threading.Thread(target=lambda: roots.append(synthetic_motion_dataset(SMALL, cache_dir=tmp_path)))]
    callers.append(threading.Thread(target=lambda: roots.append(synthetic_motion_dataset(SMALL, cache_dir=tmp_path))))
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join()
    assert len(generated) == 1 and len(roots) == 2 and roots[0] == roots[1]
    assert [p.name for p in tmp_path.iterdir()] == [roots[0].name]  # no lock file or temporary folder left


# Another process generating the set: its heap holds other leftovers when the encoder starts (glibc's M_PERTURB
# fills every block malloc hands out with the given byte, as a busy process's reused memory would differ).
_GENERATE = """
import ctypes, sys
ctypes.CDLL(None).mallopt(-6, int(sys.argv[1]))
from vivit_hf.training.data.synthetic import SyntheticMotionConfig, synthetic_motion_dataset
config = SyntheticMotionConfig(num_train_per_class=1, num_test_per_class=0, num_frames=8)
synthetic_motion_dataset(config, cache_dir=sys.argv[2])
"""


def decoded_pixels(path: Path) -> np.ndarray:
    with av.open(str(path)) as container:
        return np.stack([frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)])


@pytest.mark.skipif(ctypes.util.find_library("c") is None or os.uname().sysname != "Linux", reason="glibc mallopt")
def test_two_processes_generate_the_same_files(tmp_path):
    # x264's macroblock tree read memory it never wrote: the same clip came out different from process to process.
    fresh = fresh_python.server(fresh_python.EXAMPLES, dict(os.environ))
    roots = [tmp_path / str(perturb) for perturb in (0x55, 0xAA)]
    for root in roots:
        run = fresh.run(["-c", _GENERATE, root.name, root], cwd=tmp_path, timeout=120)
        assert run.returncode == 0, run.stderr
    first, second = (sorted(root.rglob("*.mp4")) for root in roots)
    assert len(first) == len(second) == 8
    for a, b in zip(first, second):
        assert a.relative_to(roots[0]) == b.relative_to(roots[1])
        assert np.array_equal(decoded_pixels(a), decoded_pixels(b)), a.name
        assert a.read_bytes() == b.read_bytes(), a.name


def test_bad_synthetic_configs_are_refused(tmp_path):
    with pytest.raises(ValueError, match="even"):
        synthetic_motion_dataset(SyntheticMotionConfig(image_size=15), cache_dir=tmp_path)
    with pytest.raises(ValueError, match="unknown synthetic motion classes"):
        synthetic_motion_dataset(SyntheticMotionConfig(classes=("jumping",)), cache_dir=tmp_path)


@pytest.fixture(scope="module")
def small_examples(tmp_path_factory):
    root = synthetic_motion_dataset(SMALL, cache_dir=tmp_path_factory.mktemp("cache"))
    return load_video_dataset(root, "videofolder").split("train")


@pytest.fixture(scope="module")
def processor():
    from vivit_hf.processing.processing_vivit import ViViTVideoProcessor

    return ViViTVideoProcessor(
        num_frames=4, frame_stride=1, size={"shortest_edge": 16}, crop_size={"height": 16, "width": 16}, do_flip=False
    )


def test_a_broken_clip_becomes_a_flagged_zero_sample(small_examples, processor, tmp_path):
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"garbage")
    dataset = VideoClassificationDataset([small_examples[0], {"video": str(broken), "label": 3}], processor)
    good, bad = dataset[0], dataset[1]
    assert good["valid"] and not bad["valid"]
    assert bad["pixel_values"].shape == good["pixel_values"].shape == (1, 4, 3, 16, 16)
    assert not bad["pixel_values"].any() and bad["labels"] == 3
    batch = collate_videos([good, bad])
    assert batch["pixel_values"].shape == (2, 4, 3, 16, 16) and batch["valid"].tolist() == [True, False]


def test_training_augmentation_depends_only_on_seed_epoch_and_index(small_examples, processor):
    def sample(epoch, index):
        dataset = VideoClassificationDataset(
            small_examples, processor, seed=7, processor_kwargs=dict(do_train_augment=True, scale_jitter=[1.0, 1.5])
        )
        dataset.set_epoch(epoch)
        return dataset[index]["pixel_values"]

    assert torch.equal(sample(0, 1), sample(0, 1))
    assert not torch.equal(sample(0, 1), sample(1, 1))


def test_a_clip_past_100003_never_gets_the_next_epochs_augmentation_of_another_clip(small_examples, processor):
    # Kinetics-400 has 240k clips: epochs 100_003 apart put clip 100_003 of epoch 0 on clip 0's epoch-1 crops
    examples = [small_examples[0]] * 100_004  # one video throughout: equal pixels would mean equal seeds
    dataset = VideoClassificationDataset(
        examples, processor, seed=7, processor_kwargs=dict(do_train_augment=True, scale_jitter=[1.0, 1.5])
    )
    assert not torch.equal(dataset[(0, 100_003)]["pixel_values"], dataset[(1, 0)]["pixel_values"])


def test_multi_view_samples_stack_views_per_clip(small_examples, processor):
    dataset = VideoClassificationDataset(small_examples, processor, num_clips=2, num_crops=1)
    batch = collate_videos([dataset[0], dataset[1]])
    assert batch["pixel_values"].shape == (4, 4, 3, 16, 16) and batch["labels"].shape == (2,)


def test_epoch_shuffle_is_a_function_of_seed_and_epoch():
    sampler = EpochShuffleSampler(10, seed=1)
    sampler.set_epoch(2)
    order = list(sampler)
    assert sorted(order) == list(range(10))
    other = EpochShuffleSampler(10, seed=1)
    other.set_epoch(2)
    assert list(other) == order
    other.set_epoch(3)
    assert list(other) != order


def test_collated_batch_is_one_block_of_memory_with_the_stacked_values():
    # One block: a worker hands the batch over with one shared-memory descriptor instead of one per tensor.
    items = [
        {"pixel_values": torch.randn(2, 4, 3, 5, 5), "labels": torch.tensor([i, 10 + i]), "valid": torch.tensor(i != 1)}
        for i in range(3)
    ]
    batch = collate_videos(items)
    assert torch.equal(batch["pixel_values"], torch.cat([item["pixel_values"] for item in items]))
    assert batch["labels"].tolist() == [[0, 10], [1, 11], [2, 12]] and batch["valid"].tolist() == [True, False, True]
    storages = {batch[name].untyped_storage().data_ptr() for name in batch}
    assert len(storages) == 1 and all(batch[name].is_contiguous() for name in batch)
