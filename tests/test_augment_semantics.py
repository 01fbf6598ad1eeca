# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Training augmentation does what its options say: `do_flip=False` never flips, `do_flip=True` flips about half the
clips (a flipped clip is the exact mirror), and RandAugment really changes the clip, the same way in every frame."""

import numpy as np
import torch

from vivit_hf.processing.processing_vivit import ViViTVideoProcessor
from vivit_hf.processing.video_transforms import rand_augment

SEEDS = range(16)


def left_dark_right_bright(frames=4, size=16):
    video = np.zeros((frames, size, size, 3), dtype=np.uint8)
    video[:, :, size // 2 :] = 255
    video[:, : size // 4, size // 4 : size // 2] = 128  # no symmetry left to hide a flip
    return video


def processor(**kwargs):
    options = dict(
        num_frames=4,
        size={"shortest_edge": 16},
        crop_size={"height": 16, "width": 16},
        scale_jitter=None,
        do_color_jitter=False,
        rand_augment=None,
    )
    return ViViTVideoProcessor(**{**options, **kwargs})


def train_clip(proc, video, seed):
    return proc(video, do_train_augment=True, seed=seed, return_tensors="pt").pixel_values[0]


def test_do_flip_false_never_flips_in_training():
    proc, video = processor(do_flip=False), left_dark_right_bright()
    reference = processor(do_flip=False)(video, return_tensors="pt").pixel_values[0]  # evaluation: no augmentation
    for seed in SEEDS:
        torch.testing.assert_close(train_clip(proc, video, seed), reference, msg=f"seed {seed}")


def test_do_flip_true_flips_about_half_the_clips_into_exact_mirrors():
    proc, video = processor(do_flip=True), left_dark_right_bright()
    reference = processor(do_flip=False)(video, return_tensors="pt").pixel_values[0]
    flipped = 0
    for seed in SEEDS:
        clip = train_clip(proc, video, seed)
        if torch.equal(clip, reference.flip(-1)):
            flipped += 1
        else:
            torch.testing.assert_close(clip, reference, msg=f"seed {seed}")
    assert 3 <= flipped <= 13, f"{flipped} of {len(SEEDS)} clips flipped"


def textured_clip(frames=4, size=32, seed=0):
    rng = np.random.default_rng(seed)
    frame = rng.integers(0, 256, (3, size, size), dtype=np.uint8)
    frame[:, : size // 2] //= 3  # not uniform in any direction
    return torch.from_numpy(np.stack([frame] * frames))


def test_rand_augment_changes_most_clips_and_treats_every_frame_alike():
    clip = textured_clip()
    changed = 0
    for seed in SEEDS:
        out = rand_augment(clip, np.random.default_rng(seed), num_ops=2, magnitude=15)
        assert out.shape == clip.shape and out.dtype == torch.uint8
        for t in range(1, len(out)):  # equal frames in, equal frames out: one op for the whole clip
            assert torch.equal(out[t], out[0])
        changed += not torch.equal(out, clip)
    assert changed >= 12, f"only {changed} of {len(SEEDS)} clips changed"  # two ops each; few draws are identities


def test_rand_augment_in_the_processor_changes_training_clips():
    video = textured_clip(size=16).permute(0, 2, 3, 1).numpy()
    plain, augmented = processor(do_flip=False), processor(do_flip=False, rand_augment=[2, 15])
    changed = sum(not torch.equal(train_clip(plain, video, seed), train_clip(augmented, video, seed)) for seed in SEEDS)
    assert changed >= 12, f"only {changed} of {len(SEEDS)} clips changed"


def test_a_calls_augmentation_with_training_off_is_said_not_applied(caplog, monkeypatch):
    """`proc(video, do_color_jitter=True)` without `do_train_augment` gave untouched views without a word (the
    options apply to training views only; a processor holding them is evaluated so, as meant). Said once, naming
    the options; not for a processor's own, off values, or a training call."""
    from vivit_hf.processing import processing_vivit

    monkeypatch.setattr(processing_vivit, "_UNAPPLIED_WARNED", set())  # (said once a process: not by an earlier test)
    proc, video = processor(), textured_clip(size=16).permute(0, 2, 3, 1).numpy()
    reference = proc(video, return_tensors="pt").pixel_values
    with caplog.at_level("WARNING", logger="vivit_hf.processing.processing_vivit"):
        for _ in range(2):
            pixels = proc(video, do_color_jitter=True, rand_augment=[2, 15], return_tensors="pt").pixel_values
            assert torch.equal(pixels, reference)
        proc(video, do_flip=False, scale_jitter=False, do_color_jitter=0, rand_augment=None)
        processor(do_color_jitter=True, rand_augment=[2, 15], do_flip=True)(video)
        proc(video, do_train_augment=True, do_color_jitter=True, seed=0)
        proc(video, scale_jitter=np.array([0.9, 1.2]))  # (an array: no `in (None, False)`, which fails on it)
    assert [r.getMessage() for r in caplog.records] == [
        "ViViTVideoProcessor got do_color_jitter=True, rand_augment=[2, 15] in a call with do_train_augment=False: "
        "they apply to training views only, so this call's views are not augmented. Pass do_train_augment=True with "
        "them for training views (which also draws the clip start and a random crop), or leave them out.",
        "ViViTVideoProcessor got scale_jitter=array([0.9, 1.2]) in a call with do_train_augment=False: it applies to "
        "training views only, so this call's views are not augmented. Pass do_train_augment=True with it for "
        "training views (which also draws the clip start and a random crop), or leave it out.",
    ]
