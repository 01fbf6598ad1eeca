# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The frame mask's values: 1 a real frame, 0 padding, nothing else.

Any non-zero value read as a real frame, so an additive mask (0 for real frames, a large negative number for padding,
as attention kernels take it) ran each clip on its padding instead of its frames, without an error where every clip
was padded."""

import pytest
import torch
from test_models import VARIANTS, clip, tiny

MASK = torch.tensor([[1, 1, 1, 0], [1, 1, 0, 0]])


@pytest.mark.parametrize("name", VARIANTS)
def test_an_additive_mask_is_refused_naming_its_values(name):
    model = tiny(name, tubelet_size=[1, 8, 8])
    additive = (1.0 - MASK.float()) * -1e9  # 0 where real, -1e9 where padded
    with pytest.raises(ValueError, match=r"1 for a real frame and 0 for padding.*-1000000000\.0.*additive"):
        model(pixel_values=clip(), attention_mask=additive)


@pytest.mark.parametrize("value", [0.5, 2.0, float("nan")])
def test_a_mask_value_that_is_neither_one_nor_zero_is_refused(value):
    model = tiny("spatio_temporal")
    mask = MASK.float()
    mask[1, 3] = value
    with pytest.raises(ValueError, match=r"1 for a real frame and 0 for padding"):
        model(pixel_values=clip(), attention_mask=mask)


@pytest.mark.parametrize("name", VARIANTS)
def test_ones_and_zeros_of_any_dtype_mask_as_each_clip_alone(name):
    model = tiny(name, tubelet_size=[1, 8, 8])
    video = clip()
    with torch.no_grad():
        alone = torch.cat([model(pixel_values=video[i : i + 1, : int(n)]).logits for i, n in enumerate(MASK.sum(1))])
        for mask in (MASK, MASK.bool(), MASK.float(), MASK.int()):
            torch.testing.assert_close(model(pixel_values=video, attention_mask=mask).logits, alone)
