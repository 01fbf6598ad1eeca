# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The README's first example is the first code a new user runs: it must print its results and nothing else (a
torch UserWarning about a tensor that requires grad reads as something gone wrong)."""

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def first_runnable_block() -> str:
    return re.search(r"<!-- runnable -->\n```python\n(.*?)```", README.read_text(), re.S).group(1)


def test_readme_first_example_runs_with_warnings_as_errors(tmp_path):
    code = first_runnable_block()
    assert "ViViTSpatioTemporalConfig" in code  # the four models' block, the tour's first
    result = subprocess.run(
        [sys.executable, "-W", "error::UserWarning", "-c", code], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stderr == "", result.stderr[-2000:]
    assert result.stdout.count("torch.Size([2, 400])") == 4
