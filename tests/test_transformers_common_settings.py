# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""transformers' common model tests on the four variants at other tester settings than `test_transformers_common.py`'s
one tiny config: a user's (or transformers' own ViViT test's) tester may pick any clip and width."""

import unittest

from test_transformers_common import (
    FactorisedDotProductModelTester,
    FactorisedEncoderModelTester,
    FactorisedSelfAttentionModelTester,
    ViViTAttentionLayoutTests,
    ViViTCommonTests,
    ViViTModelTester,
)

# name: (tester attributes, config overrides)
SETTINGS = {
    # transformers' own VivitModelTester: 8 frames of 10x10 in tubelets [2, 4, 4] (trailing pixels dropped)
    "TransformersTester": (
        dict(batch_size=2, num_frames=8, image_size=10, tubelet_size=[2, 4, 4], hidden_size=32, num_attention_heads=4),
        dict(hidden_act="gelu_fast"),
    ),
    # one clip of 5 frames (the last one fills no tubelet) of 40x56 frames, 3 heads
    "OddClip": (
        dict(
            batch_size=1,
            num_frames=5,
            image_size=[40, 56],
            tubelet_size=[2, 8, 8],
            hidden_size=24,
            num_attention_heads=3,
        ),
        dict(),
    ),
    # tubelets one frame deep and 16x16 wide: 5 temporal tokens of a 2x3 grid (trailing pixels dropped)
    "FlatTubelet": (
        dict(
            batch_size=2,
            num_frames=5,
            image_size=[40, 56],
            tubelet_size=[1, 16, 16],
            hidden_size=24,
            num_attention_heads=6,
        ),
        dict(),
    ),
}

TESTERS = {
    "SpatioTemporal": (ViViTModelTester, {"variant": "spatio_temporal"}),
    "FactorisedEncoder": (FactorisedEncoderModelTester, {}),
    "FactorisedSelfAttention": (FactorisedSelfAttentionModelTester, {}),
    "FactorisedDotProduct": (FactorisedDotProductModelTester, {}),
}
# Every setting and every variant once, with config choices other than the defaults (the 12 pairs all pass; these
# 4 keep the suite's time: each pair is a whole mixin run, about 75 s on two shared cores). Model 4 splits its heads
# into a space and a time half, so its heads are even.
PAIRS = [
    ("SpatioTemporal", "OddClip", {"classifier": "gap"}),
    ("FactorisedEncoder", "TransformersTester", {"num_temporal_layers": 2, "temporal_num_attention_heads": 2}),
    ("FactorisedSelfAttention", "FlatTubelet", {"attention_order": "time_space"}),
    ("FactorisedDotProduct", "TransformersTester", {"classifier": "gap"}),
]


def at_setting(base, attributes: dict):
    """`base` with the tester attributes of a setting (the clip the inputs are drawn at, and the config's sizes)."""
    return type(f"{base.__name__}At", (base,), dict(attributes))


for variant, setting, choices in PAIRS:
    base, kwargs = TESTERS[variant]
    attributes, overrides = SETTINGS[setting]
    mixins = (ViViTCommonTests,) if variant == "SpatioTemporal" else (ViViTAttentionLayoutTests, ViViTCommonTests)
    name = f"ViViT{variant}{setting}CommonTest"
    globals()[name] = type(
        name,
        (*mixins, unittest.TestCase),
        {
            "model_tester_class": at_setting(base, attributes),
            "model_tester_kwargs": {**kwargs, **overrides, **choices},
        },
    )
