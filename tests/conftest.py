# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO = Path(__file__).resolve().parents[1]
# `../shared` beside the clone (CI), or VIVIT_FIXTURES pointing at another copy.
FIXTURES = Path(os.environ.get("VIVIT_FIXTURES", REPO.parent / "shared" / "fixtures"))


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    if not FIXTURES.is_dir():
        pytest.fail(f"scenic fixtures not found at {FIXTURES}; set VIVIT_FIXTURES")
    return FIXTURES


def fixture_cases(kind: str) -> list[str]:
    """The case names under FIXTURES/<kind> (`scenic`, `scenic_init`), for parametrize; [] without the fixtures
    (the tests that count them then fail, naming the folder)."""
    root = FIXTURES / kind
    return sorted(p.name for p in root.iterdir() if (p / "config.json").exists()) if root.is_dir() else []
