# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""`run_once` (tests/run_once.py) under pytest-xdist's two workers, as the README's `-n 2` runs the suite: a module
whose tests are split over both workers makes its shared result once, where a module-scoped fixture is made on each
worker (the torchrun launch of tests/test_recipes_distributed.py, ten recipe runs, was made twice so)."""

from pathlib import Path

TESTS = Path(__file__).resolve().parent

# 16 tests of one module: pytest-xdist's work stealing deals the first 8 to one worker and the last 8 to the other.
# Each fixture writes a line to the log each time it is made: `plain` (a module fixture), `shared` (run_once),
# `failing` (run_once, whose making raises), which the odd tests ask for.
SPLIT_MODULE = """
import os, sys
import pytest
sys.path.insert(0, {tests!r})
from run_once import run_once

WORKER = os.environ["PYTEST_XDIST_WORKER"]


def made(what):
    with open({log!r}, "a") as log:
        log.write(f"{{what}} {{WORKER}}\\n")


@pytest.fixture(scope="module")
def plain():
    made("plain")


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    def make(folder):
        made("shared")
        (folder / "made_by").write_text(WORKER)
        return {{"made_by": WORKER, "pair": (1, 2)}}

    return run_once(tmp_path_factory, "shared", make)


@pytest.fixture(scope="module")
def failing(tmp_path_factory):
    def make(folder):
        made("failing")
        raise RuntimeError("the launch broke")

    return run_once(tmp_path_factory, "failing", make)


@pytest.mark.parametrize("i", range(16))
def test_split(plain, shared, i, request):
    result, folder = shared
    assert result == {{"made_by": (folder / "made_by").read_text(), "pair": [1, 2]}}  # as JSON gives it, everywhere
    if i % 2:
        request.getfixturevalue("failing")
"""


def test_a_result_shared_by_a_module_split_over_two_workers_is_made_once_and_so_is_its_failure(pytester, tmp_path):
    log = tmp_path / "made.txt"
    pytester.makepyfile(test_split=SPLIT_MODULE.format(tests=str(TESTS), log=str(log)))
    result = pytester.runpytest_subprocess("-p", "xdist", "-n", "2", "--dist", "worksteal", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=8, failed=8)
    made = sorted(log.read_text().splitlines())
    # the module ran on both workers, each making its module fixture; each shared result was made by one of them
    assert [line for line in made if line.startswith("plain")] == ["plain gw0", "plain gw1"], made
    assert sorted(line.split()[0] for line in made if not line.startswith("plain")) == ["failing", "shared"], made
    # the maker's tests show the error itself; the other worker's say where it was made, with its traceback
    maker = next(line.split()[1] for line in made if line.startswith("failing"))
    output = result.stdout.str()
    assert output.count("RuntimeError: the launch broke") >= 2, output[-3000:]
    assert f"failing failed on worker {maker}, which made it" in output, output[-3000:]
