# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""recipes/predict.py's flags as a user types them: a value that cannot work is argparse's one line, exit 2, before
any model or video loads."""

import pytest
import torch
from test_timeline_predict import load_predict


@pytest.mark.parametrize(
    "device, said",
    [("gpu", "'gpu' is not a torch device"), ("cuda", "no CUDA device"), ("cuda:7", "no CUDA device")],
)
def test_a_device_this_machine_lacks_is_one_line_before_anything_loads(device, said, tmp_path, capsys, monkeypatch):
    """`--device gpu` and `--device cuda` on a machine without a GPU ended in torch's traceback after the model had
    loaded ("Found no NVIDIA driver on your system", "Expected one of cpu, cuda, ... device type")."""
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 0)
    with pytest.raises(SystemExit) as stopped:
        load_predict().main(["--model", str(tmp_path / "nothing"), "--videos", str(tmp_path), "--device", device])
    assert stopped.value.code == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.startswith("predict.py: error: argument --device:") and said in last, last


def test_a_cuda_index_past_the_machines_devices_is_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    with pytest.raises(SystemExit):
        load_predict().main(["--model", str(tmp_path), "--videos", str(tmp_path), "--device", "cuda:2"])
    assert "has 2 CUDA device(s), cuda:0 to cuda:1" in capsys.readouterr().err


def test_cpu_and_a_present_cuda_device_are_taken(monkeypatch):
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    parser = load_predict().build_parser()
    for device in ("cpu", "cuda", "cuda:1"):
        assert parser.parse_args(["--model", "m", "--videos", "v", "--device", device]).device == device
