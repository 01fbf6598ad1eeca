# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Folders saved by vivit_hf 0.1.0 (tests/data/release_0_1, written before the package was split into subpackages)
still load and give the logits and processor output stored beside them: with vivit_hf imported (today's registered
classes read the old config and weights), and with `trust_remote_code=True` where vivit_hf cannot be imported (the
code saved in the folder runs)."""

import shutil
import textwrap
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file
from test_remote_code import HIDE_VIVIT_HF, LOADER, without_vivit_hf
from transformers import AutoModel, AutoModelForVideoClassification, AutoVideoProcessor

import vivit_hf

RELEASE = Path(__file__).resolve().parent / "data" / "release_0_1"
VARIANTS = ["spatio_temporal", "factorised_encoder", "factorised_self_attention", "factorised_dot_product"]
INPUTS = load_file(RELEASE / "inputs.safetensors")


@pytest.mark.parametrize("name", VARIANTS)
def test_release_folder_loads_into_the_registered_classes(name):
    folder = RELEASE / name
    expected = load_file(folder / "expected.safetensors")
    model = AutoModelForVideoClassification.from_pretrained(folder).eval()
    backbone = AutoModel.from_pretrained(folder).eval()
    assert type(model) is vivit_hf.VIVIT_MODELS[name][2] and type(backbone) is vivit_hf.VIVIT_MODELS[name][1]
    with torch.no_grad():
        torch.testing.assert_close(model(pixel_values=INPUTS["clip"]).logits, expected["logits"], rtol=0, atol=1e-5)
        torch.testing.assert_close(
            backbone(pixel_values=INPUTS["clip"]).pooler_output, expected["pooled"], rtol=0, atol=1e-5
        )
    processor = AutoVideoProcessor.from_pretrained(folder)
    assert type(processor) is vivit_hf.ViViTVideoProcessor
    pixel_values = processor(INPUTS["video"].numpy(), return_tensors="pt").pixel_values
    torch.testing.assert_close(pixel_values, INPUTS["pixel_values"], rtol=0, atol=1e-6)


PROCESSOR_LOADER = HIDE_VIVIT_HF + textwrap.dedent(
    """
    from safetensors.torch import load_file, save_file
    from transformers import AutoVideoProcessor

    folder, inputs = sys.argv[1], load_file(sys.argv[2])
    processor = AutoVideoProcessor.from_pretrained(folder, trust_remote_code=True)
    assert not type(processor).__module__.startswith("vivit_hf"), type(processor).__module__
    save_file({"pixel_values": processor(inputs["video"].numpy(), return_tensors="pt").pixel_values},
              folder + "/remote_processed.safetensors")
    """
)


@pytest.mark.parametrize("name", VARIANTS)
def test_release_folder_loads_with_trust_remote_code_without_vivit_hf(name, tmp_path, hf_modules_cache):
    folder = tmp_path / name
    shutil.copytree(RELEASE / name, folder)
    torch.save(INPUTS["clip"], folder / "video.pt")
    without_vivit_hf(hf_modules_cache, LOADER, folder, cwd=tmp_path)
    without_vivit_hf(hf_modules_cache, PROCESSOR_LOADER, folder, RELEASE / "inputs.safetensors", cwd=tmp_path)
    expected = load_file(folder / "expected.safetensors")
    remote = torch.load(folder / "remote.pt")
    # float32 rounding only: a matmul split over another number of threads sums in another order (1.5e-8 seen with
    # OMP_NUM_THREADS=1); a weight loaded wrong is off by orders of magnitude more.
    torch.testing.assert_close(remote["logits"], expected["logits"], rtol=1e-6, atol=1e-6)
    torch.testing.assert_close(remote["pooled"], expected["pooled"], rtol=1e-6, atol=1e-6)
    processed = load_file(folder / "remote_processed.safetensors")["pixel_values"]
    torch.testing.assert_close(processed, INPUTS["pixel_values"], rtol=0, atol=0)
