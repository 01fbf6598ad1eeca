# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""transformers' own common video processor tests (`VideoProcessingTestMixin`) run on `ViViTVideoProcessor`.

The mixin comes from the transformers sdist's `tests/test_video_processing_common.py`, found as
`test_transformers_common.py` finds the model tests (`TRANSFORMERS_TESTS_DIR`, or `.ci/fetch_transformers_tests.sh`);
nothing of it is copied. The tester mirrors the one transformers runs on its own `VivitVideoProcessor`
(`tests/models/vivit/test_video_processing_vivit.py`: 5 videos of 8 frames, 30-80 px, shortest edge 20, crop 18,
rescale 1 / 127.5, ImageNet mean and std), which the sdist does not ship.
"""

import dataclasses
import importlib
import unittest

import numpy as np
import torch
from test_transformers_common import PACKAGE  # imports transformers' test package from the sdist, once
from transformers.image_utils import IMAGENET_STANDARD_MEAN, IMAGENET_STANDARD_STD

from vivit_hf import ViViTVideoProcessor

video_processing_common = importlib.import_module(f"{PACKAGE}.test_video_processing_common")
VideoProcessingTestMixin = video_processing_common.VideoProcessingTestMixin
prepare_video_inputs = video_processing_common.prepare_video_inputs


class ViViTVideoProcessingTester:
    """transformers' `VivitVideoProcessingTester`'s settings, for `ViViTVideoProcessor`."""

    def __init__(self, parent, batch_size=5, num_frames=8, num_channels=3, min_resolution=30, max_resolution=80):
        self.parent = parent
        self.batch_size = batch_size
        self.num_frames = num_frames
        self.num_channels = num_channels
        self.min_resolution = min_resolution
        self.max_resolution = max_resolution
        self.size = {"shortest_edge": 20}
        self.crop_size = {"height": 18, "width": 18}

    def prepare_video_processor_dict(self):
        return {
            "do_resize": True,
            "size": self.size,
            "do_center_crop": True,
            "crop_size": self.crop_size,
            "do_rescale": True,
            "rescale_factor": 1 / 127.5,
            "do_normalize": True,
            "image_mean": IMAGENET_STANDARD_MEAN,
            "image_std": IMAGENET_STANDARD_STD,
            "do_convert_rgb": True,
        }

    def expected_output_video_shape(self, videos):
        return self.num_frames, 3, self.crop_size["height"], self.crop_size["width"]

    def prepare_video_inputs(self, equal_resolution=False, return_tensors="pil"):
        return prepare_video_inputs(
            batch_size=self.batch_size,
            num_frames=self.num_frames,
            num_channels=self.num_channels,
            min_resolution=self.min_resolution,
            max_resolution=self.max_resolution,
            equal_resolution=equal_resolution,
            return_tensors=return_tensors,
        )


class ViViTVideoProcessingTest(VideoProcessingTestMixin, unittest.TestCase):
    fast_video_processing_class = ViViTVideoProcessor
    input_name = "pixel_values"

    def setUp(self):
        super().setUp()
        self.video_processor_tester = ViViTVideoProcessingTester(self)

    @property
    def video_processor_dict(self):
        return self.video_processor_tester.prepare_video_processor_dict()

    # as transformers' own ViViT video processor test adds
    def test_video_processor_properties(self):
        proc = self.fast_video_processing_class(**self.video_processor_dict)
        for name in ("do_resize", "size", "do_center_crop", "center_crop", "do_normalize", "image_mean", "image_std"):
            self.assertTrue(hasattr(proc, name), name)
        self.assertTrue(hasattr(proc, "do_convert_rgb"))
        self.assertIn("pixel_values", proc.model_input_names)

    def test_override_instance_attributes_does_not_affect_other_instances(self):
        """transformers' version skips here ("no dict size or list image_mean"), as for its own ViViT processor: sizes
        are a `SizeDict` and the statistics a tuple. The same check on those: a change to one instance's size, crop
        or statistics reaches no other instance, nor the class's defaults, nor a list the caller passed in."""
        first, second = self.fast_video_processing_class(), self.fast_video_processing_class()
        size, crop = dataclasses.replace(second.size), dataclasses.replace(second.crop_size)
        first.size.shortest_edge = -1
        first.crop_size.height = -1
        self.assertEqual((second.size, second.crop_size), (size, crop))
        self.assertEqual(self.fast_video_processing_class().size, size)
        mean = [0.1, 0.2, 0.3]
        given = self.fast_video_processing_class(image_mean=mean, do_normalize=True)
        mean[0] = -1
        self.assertEqual(list(given.image_mean), [0.1, 0.2, 0.3])

    def test_video_processor_preprocess_arguments(self):
        """transformers' version skips here: this processor has neither `_valid_processor_keys` nor the decorator that
        warns about an unknown argument. It refuses one instead (docs/processor.md): the mixin's `extra_argument`."""
        proc = self.fast_video_processing_class(**self.video_processor_dict)
        videos = self.video_processor_tester.prepare_video_inputs()
        with self.assertRaisesRegex(ValueError, r"unknown options \['extra_argument'"):
            proc(videos, extra_argument=True)

    def test_offset_rescaling(self):
        proc = self.fast_video_processing_class(**self.video_processor_dict)
        frames = self.video_processor_tester.prepare_video_inputs(equal_resolution=True, return_tensors="np")
        pixel_values = proc(list(frames[0]), do_normalize=False, return_tensors="pt")["pixel_values"]
        self.assertGreaterEqual(pixel_values.min().item(), -1.1)
        self.assertLessEqual(pixel_values.max().item(), 1.1)
        self.assertTrue(torch.any(pixel_values < 0))

    def test_presampled_frames_round_trip_in_order(self):
        """8 frames in, the same 8 frames out, in order, from every in-memory kind (no resize, crop or scaling)."""
        rng = np.random.default_rng(0)
        video = rng.integers(0, 256, (8, 20, 24, 3), dtype=np.uint8)
        proc = ViViTVideoProcessor(do_resize=False, do_center_crop=False, do_rescale=False, do_normalize=False)
        from PIL import Image

        for given in (video, torch.from_numpy(video), torch.from_numpy(video).permute(0, 3, 1, 2), list(video)):
            given = [Image.fromarray(f) for f in given] if isinstance(given, list) else given
            out = proc(given, return_tensors="pt")["pixel_values"]
            self.assertEqual(tuple(out.shape), (1, 8, 3, 20, 24))
            np.testing.assert_array_equal(out[0].permute(0, 2, 3, 1).numpy(), video.astype(np.float32))
