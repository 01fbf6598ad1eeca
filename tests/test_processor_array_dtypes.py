# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Arrays of byte orders and dtypes torch has no tensor for: read as their values say, or refused naming the video
and its dtype. Expected pixels are the input values themselves (the 0-255 scale, no resize)."""

import re

import numpy as np
import pytest
import torch

from vivit_hf.processing.processing_vivit import ViViTVideoProcessor

RAW = dict(do_resize=False, do_center_crop=False, do_rescale=False, return_tensors="pt")  # pixels as read


@pytest.fixture()
def frames():
    return np.random.default_rng(0).integers(0, 256, (4, 20, 24, 3), dtype=np.uint8)


def stored(frames: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(frames).permute(0, 3, 1, 2).float()


@pytest.mark.parametrize("dtype, scale", [(">u2", 257), (">f4", 1), (">i4", 1), (np.longdouble, 1)])
def test_big_endian_and_long_double_pixels_read_as_their_values(frames, dtype, scale):
    """Big-endian arrays (FITS, a raw dump read with '>u2') failed in torch ("byte order different from the native
    byte order"), naming neither the video nor the fix; so did long double ones."""
    video = (frames.astype(np.float64) * scale).astype(dtype)
    for given in (video, list(video)):
        pixels = ViViTVideoProcessor(float_max=255.0)(given, **RAW).pixel_values
        assert torch.equal(pixels[0], stored(frames))


@pytest.mark.parametrize("dtype", [np.complex64, object, "datetime64[s]", "U3"])
def test_a_dtype_that_holds_no_pixels_is_refused_naming_the_video(frames, dtype):
    """A complex video was read by its real part, silently; the others failed inside torch, naming no video."""
    video = frames.astype(dtype)
    with pytest.raises(ValueError, match=rf"\(4, 20, 24, 3\)> has dtype {re.escape(str(video.dtype))}: a video's"):
        ViViTVideoProcessor()(video)


def test_a_complex_tensor_is_refused_too(frames):
    with pytest.raises(ValueError, match=r"\(4, 20, 24, 3\)> has dtype torch.complex64"):
        ViViTVideoProcessor()(torch.from_numpy(frames).to(torch.complex64))


@pytest.mark.parametrize("nested", ["video", "frames", "batch"])
def test_a_video_given_as_python_lists_of_numbers_is_refused_naming_what_to_pass(frames, nested):
    """`array.tolist()` (or JSON) was taken for lists of videos and flattened, every pixel a video: "a video array
    must have 3 or 4 dimensions; got an array of shape (3,)"."""
    given = {"video": frames.tolist(), "frames": [f.tolist() for f in frames], "batch": [frames.tolist()]}[nested]
    with pytest.raises(ValueError, match=r"nested Python lists of numbers .*np\.asarray\(video, dtype=np\.uint8\)"):
        ViViTVideoProcessor()(given)
