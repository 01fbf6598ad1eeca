# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""The one rule for torchcodec's tests (tests/conftest.py), run on a small test file where torchcodec does not import:
a test marked `torchcodec`, and the torchcodec case of one over BACKENDS, skip; under VIVIT_REQUIRE_TORCHCODEC=1 (CI's
torchcodec step) they fail. Before the rule, only two files followed it: the torchcodec cases of the others skipped
in CI, which then passed with them never run."""

from pathlib import Path

import pytest

import vivit_hf.processing.video_io as video_io

CASES = """
import pytest
from conftest import BACKENDS


@pytest.mark.torchcodec
def test_marked():
    pass


@pytest.mark.parametrize("backend", BACKENDS)
def test_each_reader(backend):
    pass
"""


@pytest.fixture
def without_torchcodec(pytester, monkeypatch):
    pytester.makeconftest((Path(__file__).parent / "conftest.py").read_text())
    pytester.makeini("[pytest]\nmarkers =\n    torchcodec\n")
    pytester.makepyfile(test_cases=CASES)
    monkeypatch.setattr(video_io, "torchcodec_available", lambda: False)
    monkeypatch.delenv("VIVIT_REQUIRE_TORCHCODEC", raising=False)
    return pytester


def test_torchcodec_cases_skip_where_torchcodec_does_not_import(without_torchcodec):
    result = without_torchcodec.runpytest_inprocess("-p", "no:cacheprovider", "-rs")
    result.assert_outcomes(passed=1, skipped=2)  # the PyAV case runs
    result.stdout.fnmatch_lines(["*torchcodec does not import here*"])


def test_torchcodec_cases_fail_under_vivit_require_torchcodec(without_torchcodec, monkeypatch):
    monkeypatch.setenv("VIVIT_REQUIRE_TORCHCODEC", "1")
    result = without_torchcodec.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=2)
    result.stdout.fnmatch_lines(["*VIVIT_REQUIRE_TORCHCODEC=1 but torchcodec does not import*"])
