# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Mixup / CutMix driven by a scripted generator, so every draw is known and the mixed pixels, the box and the soft
labels are checked against hand-computed values (issue 18 part 4: kills the surviving mutants of
`vivit_hf.training.mixup`, `VideoMixup._box` above all; docs/testing.md, "mutmut")."""

import pytest
import torch

from vivit_hf.training.mixup import VideoMixup, smooth_one_hot


class ScriptedRng:
    """Stands in for `numpy.random.Generator`: returns the queued values and records every call."""

    def __init__(self, randoms=(), betas=(), integers=()):
        self.randoms, self.betas, self.integers_ = list(randoms), list(betas), list(integers)
        self.calls = []

    def random(self):
        self.calls.append(("random",))
        return self.randoms.pop(0)

    def beta(self, a, b):
        self.calls.append(("beta", a, b))
        return self.betas.pop(0)

    def integers(self, low, high=None):
        self.calls.append(("integers", low, high))
        return self.integers_.pop(0)


def scripted(mixup, **queues):
    mixup.rng = ScriptedRng(**queues)
    return mixup


def box(height, width, lam, cy, cx):
    mixup = scripted(VideoMixup(2, cutmix_alpha=1.0), integers=[cy, cx])
    result = mixup._box(height, width, lam)
    assert mixup.rng.calls == [("integers", 0, height), ("integers", 0, width)]  # centre uniform over the frame
    assert all(type(v) is int for v in result)
    return result


def test_cutmix_box_is_centred_on_the_drawn_point_and_covers_one_minus_lam():
    # lam 0.75: side factor sqrt(0.25) = 0.5, box 5 x 10 around (4, 3), clipped on the left
    assert box(10, 20, 0.75, 4, 3) == (2, 6, 0, 8)
    # lam 0.36: factor 0.8, box 8 x 16 around (3, 7): half-sizes 4 and 8, clipped at the top and the left
    assert box(10, 20, 0.36, 3, 7) == (0, 7, 0, 15)
    # lam 0.5: factor 0.7071, 7 x 14 (truncated, not rounded), half-sizes 3 and 7 around (5, 10)
    assert box(10, 20, 0.5, 5, 10) == (2, 8, 3, 17)


def test_cutmix_box_is_clipped_at_the_bottom_and_right_edges():
    assert box(10, 20, 0.75, 9, 18) == (7, 10, 13, 20)


def test_cutmix_box_of_lam_zero_is_the_whole_frame():
    assert box(10, 20, 0.0, 5, 10) == (0, 10, 0, 20)
    assert box(10, 20, 1.0, 5, 10) == (5, 5, 10, 10)  # nothing cut


def pixels_and_labels():
    pixels = torch.arange(2 * 2 * 3 * 10 * 20, dtype=torch.float32).reshape(2, 2, 3, 10, 20)
    return pixels, torch.tensor([0, 2])


def one_hot(labels, classes=3):
    return torch.nn.functional.one_hot(labels, classes).float()


def test_cutmix_pastes_the_partners_box_and_weights_labels_by_the_area_kept():
    pixels, labels = pixels_and_labels()
    mixup = scripted(VideoMixup(3, cutmix_alpha=0.7, prob=0.5), randoms=[0.2], betas=[0.75], integers=[4, 3])
    mixed, targets = mixup(pixels, labels)
    assert mixup.rng.calls == [("random",), ("beta", 0.7, 0.7), ("integers", 0, 10), ("integers", 0, 20)]
    expected = pixels.clone()
    expected[0, ..., 2:6, 0:8] = pixels[1, ..., 2:6, 0:8]
    expected[1, ..., 2:6, 0:8] = pixels[0, ..., 2:6, 0:8]
    assert torch.equal(mixed, expected)
    lam = 1 - 4 * 8 / 200  # the area really kept: 0.84, not the drawn 0.75
    torch.testing.assert_close(targets, lam * one_hot(labels) + (1 - lam) * one_hot(labels.flip(0)))


def test_mixup_blends_with_the_drawn_weight_and_draws_no_switch():
    pixels, labels = pixels_and_labels()
    mixup = scripted(VideoMixup(3, mixup_alpha=0.4, prob=0.5), randoms=[0.3], betas=[0.25])
    mixed, targets = mixup(pixels, labels)
    assert mixup.rng.calls == [("random",), ("beta", 0.4, 0.4)]
    torch.testing.assert_close(mixed, 0.25 * pixels + 0.75 * pixels.flip(0))
    torch.testing.assert_close(targets, torch.tensor([[0.25, 0.0, 0.75], [0.75, 0.0, 0.25]]))


def test_a_draw_equal_to_prob_leaves_the_batch_unmixed():
    pixels, labels = pixels_and_labels()
    mixup = scripted(VideoMixup(3, mixup_alpha=1.0, prob=0.5), randoms=[0.5])
    mixed, targets = mixup(pixels, labels)
    assert torch.equal(mixed, pixels) and torch.equal(targets, one_hot(labels))
    assert mixup.rng.calls == [("random",)]


def test_switch_draw_below_switch_prob_is_cutmix_and_equal_is_mixup():
    pixels, labels = pixels_and_labels()
    cut = scripted(VideoMixup(3, mixup_alpha=0.2, cutmix_alpha=1.0, switch_prob=0.3), randoms=[0.1, 0.29])
    cut.rng.betas, cut.rng.integers_ = [0.75], [4, 3]
    mixed, _ = cut(pixels, labels)
    assert cut.rng.calls[:2] == [("random",), ("random",)] and cut.rng.calls[2] == ("beta", 1.0, 1.0)
    assert torch.equal(mixed[0, ..., 2:6, 0:8], pixels[1, ..., 2:6, 0:8])
    mix = scripted(VideoMixup(3, mixup_alpha=0.2, cutmix_alpha=1.0, switch_prob=0.3), randoms=[0.1, 0.3], betas=[0.5])
    mixed, _ = mix(pixels, labels)
    assert mix.rng.calls == [("random",), ("random",), ("beta", 0.2, 0.2)]
    torch.testing.assert_close(mixed, 0.5 * pixels + 0.5 * pixels.flip(0))


def test_defaults_mix_every_batch_switch_at_one_half_and_do_not_smooth():
    pixels, labels = pixels_and_labels()
    mixup = scripted(VideoMixup(3, mixup_alpha=1.0, cutmix_alpha=1.0), randoms=[0.999, 0.49], betas=[0.75])
    mixup.rng.integers_ = [4, 3]
    mixed, targets = mixup(pixels, labels)
    assert not torch.equal(mixed, pixels)  # prob 1.0 by default: 0.999 mixes; switch 0.5: 0.49 is CutMix
    torch.testing.assert_close(targets, 0.84 * one_hot(labels) + 0.16 * one_hot(labels.flip(0)))
    plain = VideoMixup(3)  # both alphas 0 by default: nothing mixed, nothing drawn
    plain.rng = ScriptedRng()
    mixed, targets = plain(pixels, labels)
    assert torch.equal(mixed, pixels) and torch.equal(targets, one_hot(labels)) and plain.rng.calls == []


def test_labels_are_smoothed_before_mixing():
    pixels, labels = pixels_and_labels()
    mixup = scripted(VideoMixup(3, mixup_alpha=1.0, label_smoothing=0.3), randoms=[0.0], betas=[0.25])
    _, targets = mixup(pixels, labels)
    smooth = torch.tensor([[0.8, 0.1, 0.1], [0.1, 0.1, 0.8]])  # 0.7 one-hot + 0.1 each
    torch.testing.assert_close(targets, 0.25 * smooth + 0.75 * smooth.flip(0))


def test_seeded_generators_are_numpy_default_rng():
    import numpy as np

    mixup = VideoMixup(3, mixup_alpha=1.0, seed=5)
    assert mixup.rng.random() == np.random.default_rng(5).random()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(num_classes=0), "num_classes must be positive, got 0."),
        (dict(num_classes=2, mixup_alpha=-0.1), "mixup_alpha and cutmix_alpha must be >= 0, got -0.1, 0.0."),
        (dict(num_classes=2, cutmix_alpha=-1.0), "mixup_alpha and cutmix_alpha must be >= 0, got 0.0, -1.0."),
        (dict(num_classes=2, prob=1.5), "prob and switch_prob must be in [0, 1], got 1.5, 0.5."),
        (dict(num_classes=2, prob=-0.5), "prob and switch_prob must be in [0, 1], got -0.5, 0.5."),
        (dict(num_classes=2, switch_prob=1.5), "prob and switch_prob must be in [0, 1], got 1.0, 1.5."),
        (dict(num_classes=2, switch_prob=-0.5), "prob and switch_prob must be in [0, 1], got 1.0, -0.5."),
    ],
)
def test_bad_settings_are_refused_with_their_values(kwargs, message):
    with pytest.raises(ValueError) as error:
        VideoMixup(**kwargs)
    assert str(error.value) == message


def test_edge_settings_are_accepted_and_stored():
    mixup = VideoMixup(1, mixup_alpha=0.0, cutmix_alpha=0.0, prob=0.0, switch_prob=1.0, label_smoothing=0.2)
    assert (mixup.num_classes, mixup.mixup_alpha, mixup.cutmix_alpha) == (1, 0.0, 0.0)
    assert (mixup.prob, mixup.switch_prob, mixup.label_smoothing) == (0.0, 1.0, 0.2)
    VideoMixup(2, prob=1.0, switch_prob=0.0)


def test_a_four_d_batch_is_refused_with_its_shape():
    with pytest.raises(ValueError) as error:
        VideoMixup(2, mixup_alpha=1.0)(torch.zeros(2, 3, 4, 4), torch.tensor([0, 1]))
    assert str(error.value) == "pixel_values must be (batch, frames, channels, height, width), got shape (2, 3, 4, 4)."


def test_smooth_one_hot_by_hand():
    torch.testing.assert_close(smooth_one_hot(torch.tensor([1]), 4), torch.tensor([[0.0, 1.0, 0.0, 0.0]]))
    torch.testing.assert_close(smooth_one_hot(torch.tensor([1]), 4, 0.4), torch.tensor([[0.1, 0.7, 0.1, 0.1]]))
    soft = torch.tensor([[0.5, 0.5, 0.0, 0.0]], dtype=torch.float64)
    got = smooth_one_hot(soft, 4, 0.4)
    assert got.dtype == torch.float32
    torch.testing.assert_close(got, torch.tensor([[0.4, 0.4, 0.1, 0.1]]))
    assert smooth_one_hot(torch.tensor([], dtype=torch.long), 3).shape == (0, 3)
    assert smooth_one_hot([0, 3], 4).tolist() == [[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0]]


@pytest.mark.parametrize(
    "labels, smoothing, message",
    [
        (torch.tensor([0]), 1.0, "label smoothing must be in [0, 1), got 1.0."),
        (torch.tensor([0]), -0.1, "label smoothing must be in [0, 1), got -0.1."),
        (torch.zeros(1, 3), 0.0, "soft labels have 3 classes, expected 4."),
        (torch.tensor([0, 4]), 0.0, "labels must be in [0, 4), got [0, 4]."),
        (torch.tensor([-1, 0]), 0.0, "labels must be in [0, 4), got [-1, 0]."),
        (torch.zeros(1, 1, 4), 0.0, "labels must be (batch,) indices or (batch, classes) soft labels, got shape"),
    ],
)
def test_smooth_one_hot_refuses_with_its_message(labels, smoothing, message):
    with pytest.raises(ValueError) as error:
        smooth_one_hot(labels, 4, smoothing)
    assert str(error.value).startswith(message)


def test_cutmix_box_of_an_odd_width_truncates_its_half_width():
    # lam 0.75 on 10 x 15: box 5 x 7 (half-sizes 2 and 3) around (4, 7)
    assert box(10, 15, 0.75, 4, 7) == (2, 6, 4, 10)


def test_mixed_labels_take_the_partner_videos_labels():
    pixels, _ = pixels_and_labels()
    labels = torch.tensor([1, 2])  # partners' one-hots are not each other's mirror image
    mixup = scripted(VideoMixup(3, mixup_alpha=1.0), randoms=[0.0], betas=[0.25])
    _, targets = mixup(pixels, labels)
    torch.testing.assert_close(targets, torch.tensor([[0.0, 0.25, 0.75], [0.0, 0.75, 0.25]]))


def test_a_label_count_mismatch_names_the_batch_size_not_the_frames():
    with pytest.raises(ValueError, match=r"^3 labels for a batch of 2 videos\.$"):
        VideoMixup(4, mixup_alpha=1.0)(torch.zeros(2, 5, 3, 4, 4), torch.tensor([0, 1, 2]))
