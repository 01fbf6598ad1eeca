# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The transforms' exact values, against references written here: hand-computed pixels, the documented random draws
replayed on torchvision's functional ops, and float64 arithmetic (issue 18: the survivors of mutmut on
`vivit_hf.processing.video_transforms` that `tests/test_video_transforms.py` checks only through statistics;
docs/testing.md, "mutmut")."""

import numpy as np
import pytest
import torch
import torchvision.transforms.v2 as T

from vivit_hf.processing.video_transforms import (
    NORMALIZATION_PRESETS,
    _pad_to,
    affine_normalization,
    apply_affine,
    center_crop,
    color_jitter,
    rand_augment,
    random_crop,
    resize,
    resize_shortest_side,
    scale_jitter,
    three_crops,
)


def numbered(*shape):
    """A float tensor whose every pixel holds its own index: a crop tells exactly where it came from."""
    return torch.arange(float(np.prod(shape))).reshape(shape)


def colourful_clip(seed=0, frames=2, size=8):
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, (frames, 3, size, size), generator=g, dtype=torch.uint8)


# -- resizing ------------------------------------------------------------------------------------------------------
# One row 0 0 0 24 shrunk to one pixel. Antialiased bilinear is a triangle filter as wide as the scale (4): the input
# centres lie 1.5, 0.5, 0.5, 1.5 from the output centre, weights 1 - d / 4 = 5/8, 7/8, 7/8, 5/8 (sum 3), so the
# pixel is 24 * (5/8) / 3 = 5. Plain bilinear samples between the two middle pixels: 0.
STEP = torch.tensor([0.0, 0.0, 0.0, 24.0])


def test_resize_defaults_to_antialiased_bilinear():
    video = STEP.reshape(1, 1, 1, 4)
    assert resize(video, 1, 1).item() == 5.0
    assert resize(video, 1, 1, antialias=False).item() == 0.0
    assert resize(video, 1, 1, interpolation="bilinear", antialias=True).item() == 5.0


def test_resize_shortest_side_defaults_to_antialiased_bilinear_and_passes_the_mode_on():
    video = STEP.expand(4, 4).reshape(1, 1, 4, 4)  # every row 0 0 0 24: the vertical filter changes nothing
    assert resize_shortest_side(video, 1).item() == 5.0
    assert resize_shortest_side(video, 1, antialias=False).item() == 0.0
    small = torch.tensor([[0.0, 10.0], [20.0, 30.0]]).reshape(1, 1, 2, 2)
    near = resize_shortest_side(small, 4, interpolation="nearest")
    assert torch.equal(near[0, 0], small[0, 0].repeat_interleave(2, 0).repeat_interleave(2, 1))


def test_resize_refuses_an_unknown_interpolation_even_when_no_resize_is_needed():
    video = torch.zeros(1, 3, 4, 4)
    assert resize(video, 4, 4) is video
    with pytest.raises(ValueError, match=r"^Unknown interpolation 'bilnear'"):
        resize(video, 4, 4, interpolation="bilnear")


# -- any leading dimensions ----------------------------------------------------------------------------------------
def test_spatial_transforms_take_a_single_frame_by_its_last_two_axes():
    frame = numbered(2, 4, 6)  # (C, H, W)
    assert torch.equal(center_crop(frame, 2, 2), frame[:, 1:3, 2:4])
    assert [c.tolist() for c in three_crops(frame, 2, 2)] == [frame[:, 1:3, a : a + 2].tolist() for a in (0, 2, 4)]
    padded = _pad_to(frame, 6, 6)
    assert padded.shape == (2, 6, 6) and torch.equal(padded[:, 1:5], frame) and padded[:, 0].abs().sum() == 0
    draw = np.random.default_rng(3)
    top, left = int(draw.integers(0, 4 - 2 + 1)), int(draw.integers(0, 6 - 2 + 1))  # top first, both inclusive
    assert torch.equal(random_crop(frame, 2, 2, np.random.default_rng(3)), frame[:, top : top + 2, left : left + 2])
    assert resize_shortest_side(frame, 2).shape == (2, 2, 3)
    assert scale_jitter(frame, np.random.default_rng(0), 0.5, 0.5).shape == (2, 2, 3)


# -- three crops ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "height, width, corners",
    [
        (4, 8, [(1, 0), (1, 3), (1, 6)]),  # landscape, 2 rows to spare: centred vertically at row 1
        (8, 4, [(0, 1), (3, 1), (6, 1)]),  # portrait, 2 columns to spare: centred horizontally at column 1
        (4, 4, [(1, 0), (1, 1), (1, 2)]),  # square (as much to spare either way): left, centre, right
        # an odd number of pixels to spare: scenic's deterministic_crop centres at ceil(room / 2)
        (5, 9, [(2, 0), (2, 4), (2, 7)]),
        (9, 5, [(0, 2), (4, 2), (7, 2)]),
        (5, 5, [(2, 0), (2, 2), (2, 3)]),
    ],
)
def test_three_crops_take_start_centre_end_of_the_longer_side_centred_on_the_other(height, width, corners):
    clip = numbered(1, 1, height, width)
    crops = three_crops(clip, 2, 2)
    assert [c.tolist() for c in crops] == [clip[..., t : t + 2, a : a + 2].tolist() for t, a in corners]


# -- scale jitter --------------------------------------------------------------------------------------------------
# The reference is DMVR's `scale_jitter_augm` (which scenic's ViViT configs apply with `prob_scale_jitter=1.0`): a
# factor for the height and one for the width, drawn independently, each side `int(factor * side)` in float32.
def dmvr_scale_jitter_size(height, width, rng, min_factor=0.9, max_factor=1.33):
    height_factor, width_factor = np.float32(rng.uniform(min_factor, max_factor)), np.float32(rng.uniform(0.9, 1.33))
    return int(height_factor * np.float32(height)), int(width_factor * np.float32(width))


def test_scale_jitter_defaults_draw_a_factor_for_each_side_from_scenic_0_9_to_1_33_as_dmvr():
    """One factor drew both sides (the aspect ratio never changed), rounded: DMVR draws the height's and the width's
    independently and truncates."""
    clip = torch.zeros(1, 1, 100, 200)
    ratios = set()
    for seed in range(5):
        expected = dmvr_scale_jitter_size(100, 200, np.random.default_rng(seed))
        got = scale_jitter(clip, np.random.default_rng(seed)).shape[-2:]
        assert got == expected, seed
        ratios.add(round(got[1] / got[0], 2))
    assert len(ratios) > 1  # the aspect ratio is jittered


def test_scale_jitter_with_equal_bounds_resizes_by_that_factor_with_the_given_interpolation():
    small = torch.tensor([[0.0, 10.0], [20.0, 30.0]]).reshape(1, 1, 2, 2)
    got = scale_jitter(small, np.random.default_rng(0), 2.0, 2.0, interpolation="nearest")
    assert torch.equal(got[0, 0], small[0, 0].repeat_interleave(2, 0).repeat_interleave(2, 1))


def test_scale_jitter_truncates_each_side_and_keeps_at_least_one_pixel():
    rng = np.random.default_rng(0)
    assert scale_jitter(torch.zeros(1, 1, 1, 5), rng, 0.4, 0.4).shape[-2:] == (1, 2)  # int(0.4) = 0 -> 1, int(2.0)
    assert scale_jitter(torch.zeros(1, 1, 5, 1), rng, 0.4, 0.4).shape[-2:] == (2, 1)
    assert scale_jitter(torch.zeros(1, 1, 10, 10), rng, 1.19, 1.19).shape[-2:] == (11, 11)  # 11.9 -> 11, not 12


@pytest.mark.parametrize("bounds", [(0.0, 1.0), (-0.5, 1.0), (1.2, 1.1)])
def test_scale_jitter_refuses_a_factor_range_that_is_not_positive_and_ordered(bounds):
    message = rf"^scale jitter needs 0 < min_factor <= max_factor, got \({bounds[0]}, {bounds[1]}\)\.$"
    with pytest.raises(ValueError, match=message):
        scale_jitter(torch.zeros(1, 1, 4, 4), np.random.default_rng(0), *bounds)


# -- colour jitter -------------------------------------------------------------------------------------------------
# The reference is DMVR's `color_default_augm` (scenic's `do_color_augment`), written here pixel by pixel with
# Python's colorsys for TensorFlow's HSV kernels: on [0, 1] pixels, with probability `prob`, brightness + delta in
# [-32/255, 32/255], saturation x [0.6, 1.4] (HSV, clipped), contrast (x - mean) x [0.6, 1.4] + mean (each channel's
# mean in each frame), hue + [-0.2, 0.2], in that order, clipped to [0, 1]; then a colour drop with its own draw.
def dmvr_color_default_augm(video, rng, prob=1.0, prob_color_drop=0.1):
    import colorsys

    def per_pixel(x, change):
        frames, _, height, width = x.shape
        for t, i, j in np.ndindex(frames, height, width):
            x[t, :, i, j] = colorsys.hsv_to_rgb(*change(*colorsys.rgb_to_hsv(*x[t, :, i, j])))
        return x

    x = video.double().numpy() / 255
    if rng.random() < prob:
        brightness, saturation = rng.uniform(-32 / 255, 32 / 255), rng.uniform(0.6, 1.4)
        contrast, hue = rng.uniform(0.6, 1.4), rng.uniform(-0.2, 0.2)
        x = per_pixel(x + brightness, lambda h, s, v: (h, min(1.0, max(0.0, s * saturation)), v))
        mean = x.mean(axis=(2, 3), keepdims=True)
        x = per_pixel((x - mean) * contrast + mean, lambda h, s, v: ((h + hue) % 1.0, s, v))
        x = np.clip(x, 0, 1)
    dropped = rng.random() < prob_color_drop
    if dropped:
        x = np.repeat(0.2989 * x[:, :1] + 0.5870 * x[:, 1:2] + 0.1140 * x[:, 2:], 3, axis=1)
    return torch.from_numpy(x * 255), dropped


def mid_clip(seed=0, low=40, high=215, frames=2, size=6):
    """Pixels in [low, high]: by default the brightness step keeps them inside [0, 255]."""
    g = torch.Generator().manual_seed(seed)
    return torch.randint(low, high + 1, (frames, 3, size, size), generator=g, dtype=torch.uint8)


@pytest.mark.parametrize("prob", [1.0, 0.8])
def test_color_jitter_defaults_are_dmvrs_color_default_augm_then_its_colour_drop(prob):
    """It was brightness, contrast and saturation factors in [0.6, 1.4] and hue in [-0.1, 0.1] in a random order,
    with torchvision's blends, and the colour drop only with the jitter: not the scenic recipe it was said to be."""
    dropped = []
    for seed in range(32):  # seeds 16, 20, 29 and 31 draw the colour drop (31 without the jitter at prob 0.8)
        # black and white pixels too, which the brightness step takes below 0 or above 1 (colorsys keeps chroma there,
        # as TensorFlow's hue kernel does, and its saturation of a pixel whose value is negative clips to 0, as
        # TensorFlow's is 0)
        video = mid_clip(seed, *((0, 255), (0, 30), (40, 215))[seed % 3])
        expected, drop = dmvr_color_default_augm(video, np.random.default_rng(seed), prob=prob)
        got = color_jitter(video, np.random.default_rng(seed), prob=prob)
        torch.testing.assert_close(got.double(), expected, rtol=0, atol=0.01)  # 1/100 of a grey level
        dropped.append(drop)
    assert any(dropped) and not all(dropped)  # both branches were compared


def test_color_jitter_adds_the_brightness_delta_and_drops_colour_on_its_own_draw():
    video = mid_clip()
    rng = np.random.default_rng(3)
    rng.random()  # the colour augmentation's draw
    delta = rng.uniform(-32 / 255, 32 / 255) * 255
    flat = color_jitter(video, np.random.default_rng(3), contrast=0, saturation=0, hue=0, grayscale_prob=0)
    torch.testing.assert_close(flat, (video.float() + delta).clamp(0, 255), rtol=0, atol=1e-3)
    # no colour augmentation, still the drop (DMVR's two draws are independent): grey by TensorFlow's weights
    grey = color_jitter(video, np.random.default_rng(0), prob=0.0, grayscale_prob=1.0)
    r, g, b = video.float().unbind(1)
    expected = (0.2989 * r + 0.5870 * g + 0.1140 * b)[:, None].expand(-1, 3, -1, -1)
    torch.testing.assert_close(grey, expected, rtol=0, atol=1e-4)
    assert color_jitter(video, np.random.default_rng(0), prob=0.0, grayscale_prob=0.0) is video


# -- RandAugment ---------------------------------------------------------------------------------------------------
def torchvision_rand_augment(video, seed, **kwargs):
    """torchvision's RandAugment with torch seeded by the generator's first draw in [0, 2**31 - 1)."""
    torch_seed = int(np.random.default_rng(seed).integers(0, 2**31 - 1))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(torch_seed)
        return T.RandAugment(**kwargs)(video)


@pytest.mark.parametrize(
    "kwargs, torchvision_kwargs",
    [
        ({}, dict(num_ops=2, magnitude=15, num_magnitude_bins=31)),  # the defaults
        (dict(num_ops=3, magnitude=0), dict(num_ops=3, magnitude=0, num_magnitude_bins=31)),
        (dict(num_ops=1, magnitude=7, num_magnitude_bins=11), dict(num_ops=1, magnitude=7, num_magnitude_bins=11)),
    ],
)
def test_rand_augment_is_torchvisions_seeded_from_the_generator(kwargs, torchvision_kwargs):
    for seed in range(8):
        video = colourful_clip(seed, size=16)
        expected = torchvision_rand_augment(video, seed, **torchvision_kwargs)
        assert torch.equal(rand_augment(video, np.random.default_rng(seed), **kwargs), expected), seed


def test_rand_augment_on_a_torchvision_without_its_private_names_is_still_torchvisions(monkeypatch):
    """Our draws go through torchvision's private `_AUGMENTATION_SPACE`, `_apply_image_or_video_transform` and `_fill`
    (0.21 to 0.29 alike): a version that renames one, here the space, failed every RandAugment call (TypeError);
    its public forward runs instead, with the same views."""
    video = colourful_clip(size=16)
    expected = [
        torchvision_rand_augment(video, seed, num_ops=2, magnitude=15, num_magnitude_bins=31) for seed in [0, 1]
    ]

    class Renamed(T.RandAugment):
        _AUGMENTATION_SPACE = None
        _SPACE = T.RandAugment._AUGMENTATION_SPACE

        def _get_random_item(self, space):  # (what its forward reads the space by)
            return super()._get_random_item(self._SPACE)

    monkeypatch.setattr(T, "RandAugment", Renamed)
    for seed in (0, 1):
        assert torch.equal(rand_augment(video, np.random.default_rng(seed)), expected[seed]), seed


def test_rand_augment_takes_magnitudes_0_to_bins_minus_1_and_names_the_range_otherwise():
    video = colourful_clip(size=16)
    rand_augment(video, np.random.default_rng(0), magnitude=0)
    rand_augment(video, np.random.default_rng(0), magnitude=30)
    with pytest.raises(ValueError, match=r"^RandAugment magnitude must be in \[0, 30\], got 31\.$"):
        rand_augment(video, np.random.default_rng(0), magnitude=31)
    with pytest.raises(ValueError, match=r"^RandAugment magnitude must be in \[0, 10\], got -1\.$"):
        rand_augment(video, np.random.default_rng(0), magnitude=-1, num_magnitude_bins=11)


def test_rand_augment_leaves_torchs_generator_to_the_other_threads(monkeypatch):
    """RandAugment seeded torch's global generator for its draws (under `fork_rng`): a draw another thread made while
    it ran came from the clip's seed, and the restore rewound that thread's draws (4 threads of a training processor:
    180 distinct of 200 views). Here the draw is made during the first op, as another thread's would be."""
    apply = T.RandAugment._apply_image_or_video_transform
    during = []

    def drawing(self, *args, **kwargs):
        if not during:
            during.append(torch.rand(()))
        return apply(self, *args, **kwargs)

    monkeypatch.setattr(T.RandAugment, "_apply_image_or_video_transform", drawing)
    torch.manual_seed(0)
    expected = torch.rand(2)
    torch.manual_seed(0)
    rand_augment(colourful_clip(size=16), np.random.default_rng(3))
    assert torch.equal(torch.stack([during[0], torch.rand(())]), expected)


# -- normalisation -------------------------------------------------------------------------------------------------
def as_column(values):
    return torch.tensor(values, dtype=torch.float32).reshape(3, 1, 1)


def test_affine_normalization_defaults_are_scenics_x_over_127_5_minus_1():
    scale, bias = affine_normalization()
    assert torch.equal(scale, as_column([1 / 127.5] * 3)) and torch.equal(bias, as_column([-1.0] * 3))


def test_affine_normalization_without_rescale_scales_by_one_and_drops_the_offset():
    scale, bias = affine_normalization(do_rescale=False, rescale_factor=1 / 255, rescale_offset=True)
    assert torch.equal(scale, as_column([1.0] * 3)) and torch.equal(bias, as_column([0.0] * 3))
    scale, bias = affine_normalization(do_rescale=False, do_normalize=True, image_mean=0.5, image_std=0.25)
    assert torch.equal(scale, as_column([4.0] * 3)) and torch.equal(bias, as_column([-2.0] * 3))


def test_affine_normalization_folds_in_float64_and_rounds_once_to_float32():
    # (1/255) / 0.229 rounded once differs from float32(1/255) / 0.229 rounded again in the last bit (channels 0, 2).
    scale, bias = affine_normalization(**NORMALIZATION_PRESETS["imagenet"])
    mean, std = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
    assert torch.equal(scale, as_column([(1 / 255) / s for s in std]))
    assert torch.equal(bias, as_column([-m / s for m, s in zip(mean, std)]))


def test_affine_normalization_takes_per_channel_values_shaped_for_broadcasting():
    mean, std = torch.tensor([0.5, 0.25, 0.0]).reshape(3, 1, 1), torch.tensor([0.5, 0.25, 1.0]).reshape(3, 1, 1)
    scale, bias = affine_normalization(rescale_factor=1.0, rescale_offset=False, do_normalize=True,
                                       image_mean=mean, image_std=std)  # fmt: skip
    assert torch.equal(scale, as_column([2.0, 4.0, 1.0])) and torch.equal(bias, as_column([-1.0, -1.0, 0.0]))


def test_affine_normalization_puts_scale_and_bias_on_the_given_device():
    scale, bias = affine_normalization(device="meta")  # a device other than the CPU that every machine has
    assert scale.device.type == "meta" and bias.device.type == "meta"


def test_apply_affine_rounds_the_first_channel_as_the_step_by_step_multiply_then_add():
    scale, bias = affine_normalization(**NORMALIZATION_PRESETS["imagenet"])  # three different scales
    clip = torch.arange(256, dtype=torch.uint8).reshape(1, 1, 16, 16).expand(1, 3, 16, 16)
    steps = clip[:, 0].float() * scale[0] + bias[0]  # float32 product, rounded, then the bias added
    assert torch.equal(apply_affine(clip, scale, bias)[:, 0], steps)
