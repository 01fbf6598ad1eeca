"""A saved folder loads with `trust_remote_code=True` in a process where vivit_hf cannot be imported."""

import os
import subprocess
import sys
import textwrap

import pytest
import torch

from vivit_hf import VIVIT_MODELS

LOADER = textwrap.dedent(
    """
    import sys

    class NoVivitHf:  # as if vivit_hf were not installed
        def find_spec(self, name, path=None, target=None):
            if name == "vivit_hf" or name.startswith("vivit_hf."):
                raise ModuleNotFoundError(f"No module named {name!r}")

    sys.meta_path.insert(0, NoVivitHf())
    import torch
    from transformers import AutoModel, AutoModelForVideoClassification

    folder = sys.argv[1]
    try:
        import vivit_hf  # noqa: F401
        raise SystemExit("vivit_hf is importable: the test would prove nothing")
    except ModuleNotFoundError:
        pass
    model = AutoModelForVideoClassification.from_pretrained(folder, trust_remote_code=True).eval()
    assert not type(model).__module__.startswith("vivit_hf"), type(model).__module__
    backbone = AutoModel.from_pretrained(folder, trust_remote_code=True).eval()
    video = torch.load(folder + "/video.pt")
    with torch.no_grad():
        torch.save({"logits": model(pixel_values=video).logits,
                    "pooled": backbone(pixel_values=video).pooler_output}, folder + "/remote.pt")
    """
)


@pytest.mark.parametrize("name", list(VIVIT_MODELS))
def test_trust_remote_code_without_vivit_hf(name, tmp_path):
    config_class, _, classifier_class = VIVIT_MODELS[name]
    config = config_class(image_size=32, num_frames=4, tubelet_size=[2, 8, 8], hidden_size=32, num_hidden_layers=2,
                          num_attention_heads=4, intermediate_size=64, num_labels=3)
    torch.manual_seed(0)
    model = classifier_class(config).eval()
    model.save_pretrained(tmp_path)
    video = torch.randn(2, 4, 3, 32, 32)
    torch.save(video, tmp_path / "video.pt")
    env = dict(os.environ, HF_MODULES_CACHE=str(tmp_path / "modules"), HF_HUB_OFFLINE="1")
    subprocess.run([sys.executable, "-c", LOADER, str(tmp_path)], check=True, env=env, cwd=tmp_path, timeout=300)
    remote = torch.load(tmp_path / "remote.pt")
    with torch.no_grad():
        torch.testing.assert_close(remote["logits"], model(pixel_values=video).logits, rtol=0, atol=0)
        torch.testing.assert_close(remote["pooled"], model.vivit(pixel_values=video).pooler_output, rtol=0, atol=0)
