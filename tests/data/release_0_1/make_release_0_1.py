# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Wrote the folders beside this file with vivit_hf 0.1.0 (commit bef3d5f, before the package was split into
subpackages): one tiny model and video processor per variant, saved as that release saves them (model code and
processor code copied in, `auto_map` naming them), plus `expected.safetensors` with the model's logits and pooled
output for the clip in `inputs.safetensors`, which also holds a small video and the processor's output for it.

tests/test_release_folders.py loads them with the current code. Kept for the record; rerunning it with the current
code would write today's layout, not the release's.
"""

from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file

import vivit_hf
from vivit_hf import VIVIT_MODELS, ViViTVideoProcessor

HERE = Path(__file__).resolve().parent
TINY = dict(image_size=16, num_frames=4, tubelet_size=[2, 8, 8], hidden_size=16, num_hidden_layers=1,
            num_attention_heads=2, intermediate_size=32, num_labels=3, id2label={0: "run", 1: "jump", 2: "swim"},
            label2id={"run": 0, "jump": 1, "swim": 2})
PROCESSOR = dict(num_frames=4, frame_stride=1, size={"shortest_edge": 16}, crop_size={"height": 16, "width": 16})


def main():
    assert vivit_hf.__version__ == "0.1.0"
    processor = ViViTVideoProcessor(**PROCESSOR)
    video = np.random.default_rng(0).integers(0, 256, (6, 20, 24, 3), dtype=np.uint8)
    clip = torch.randn(2, 4, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    pixel_values = processor(video, return_tensors="pt").pixel_values
    save_file({"video": torch.from_numpy(video), "pixel_values": pixel_values, "clip": clip},
              HERE / "inputs.safetensors")
    for name, (config_class, _, classifier_class) in VIVIT_MODELS.items():
        folder = HERE / name
        config = config_class(**TINY, **({"num_temporal_layers": 1} if name == "factorised_encoder" else {}))
        torch.manual_seed(0)
        model = classifier_class(config).eval()
        model.save_pretrained(folder)
        processor.save_pretrained(folder)
        with torch.no_grad():
            logits = model(pixel_values=clip).logits
            pooled = model.vivit(pixel_values=clip).pooler_output
        save_file({"logits": logits, "pooled": pooled.contiguous()}, folder / "expected.safetensors")


if __name__ == "__main__":
    main()
