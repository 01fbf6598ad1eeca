# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
import importlib.util
import os
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]  # tests/test_torchcodec_rule.py runs a test file of its own

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

# pytest-xdist runs one worker per core (the README's `-n 2` on 2 cores), and each worker's torch would start a thread
# per core of its own: two workers' thread pools then share two cores, and OpenMP threads that spin-wait on a core
# another worker holds cost 15% of the in-process tests' time (test_export + test_transformers_common: 215 s -> 186 s
# at one thread each). A worker gets its share of the cores, and so do the processes it starts (recipe runs, docs
# examples), unless the caller chose a count. Set before any test module imports torch, which reads it then.
_WORKERS = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
if _WORKERS > 1:
    os.environ.setdefault("OMP_NUM_THREADS", str(max(1, len(os.sched_getaffinity(0)) // _WORKERS)))

REPO = Path(__file__).resolve().parents[1]
# VIVIT_FIXTURES pointing at a copy, else `../shared` beside the clone (CI), else the copy kept in the repository
# (tests/data/shared_fixtures, taken from ../shared/fixtures on 2026-12-02), so that the README's test command runs
# from a clone anywhere: a new user's clone has no ../shared.
_SHARED = REPO.parent / "shared" / "fixtures"
SHARED_COPY = REPO / "tests" / "data" / "shared_fixtures"
FIXTURES = Path(os.environ.get("VIVIT_FIXTURES") or (_SHARED if _SHARED.is_dir() else SHARED_COPY))
# Cases in the same format kept in the repository (tests/data/scenic_extra/README.md), run in addition to FIXTURES'
# under names with this prefix, so that a case of the same name in both runs twice rather than once.
EXTRA = REPO / "tests" / "data" / "scenic_extra"
EXTRA_PREFIX = "extra-"


def tested_elsewhere(origin: str | None) -> str | None:
    """A line for pytest's header where the vivit_hf the tests import is not this checkout's (`origin`: its
    __init__.py), else None. After a non-editable `pip install ".[test]"`, a bare `pytest` (no checkout on sys.path)
    tested the installed copy: a change to the checkout's files failed or passed as the copy made at install had it,
    without a word. `python -m pytest`, the README's, puts the checkout first."""
    if origin is None or Path(origin).resolve().parent == REPO / "vivit_hf":
        return None
    return (
        f"vivit_hf under test: {Path(origin).parent}, not this checkout's {REPO / 'vivit_hf'}: changes here are "
        'not tested (run `python -m pytest` from the checkout, or install it with `pip install -e ".[test]"`)'
    )


def pytest_report_header(config):
    spec = importlib.util.find_spec("vivit_hf")  # found, not imported: the package's import is seconds
    return tested_elsewhere(spec.origin if spec else None)


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    if not FIXTURES.is_dir():
        pytest.fail(f"scenic fixtures not found at {FIXTURES}; set VIVIT_FIXTURES")
    return FIXTURES


@pytest.fixture(scope="session")
def hf_modules_cache(tmp_path_factory) -> Path:
    """transformers' HF_MODULES_CACHE for children that load saved folders with `trust_remote_code`
    (test_remote_code.without_vivit_hf): one per worker, as the fork server's environment is fixed when it starts.
    Each folder's code is copied there under the folder's own name."""
    return tmp_path_factory.mktemp("hf_modules")


def folder_digest(root: Path) -> str:
    """A digest of every file's path (relative to `root`) and bytes under `root`."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(f"{path.relative_to(root)}\0{path.stat().st_size}\0".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def videofolder(tmp_path_factory) -> Path:
    """The recipe tests' data set: 6 training and 3 test clips of each of two classes (video_factory.ramp_videofolder),
    the same clips in every run. Written once a session in a folder both pytest-xdist workers read (`run_once`), so
    that a result shared by the workers (test_recipes_distributed.py's launch) names the same clips in both: no test
    may change it, which each module that names it checks at its end."""
    from run_once import run_once
    from video_factory import ramp_videofolder

    digest, root = run_once(tmp_path_factory, "videofolder", lambda folder: folder_digest(ramp_videofolder(folder)))
    yield root
    assert folder_digest(root) == digest, f"a test of this module changed the shared data set {root}"


def _cases_under(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if (p / "config.json").exists()) if root.is_dir() else []


def fixture_cases(kind: str, extra: bool = False) -> list[str]:
    """The case names under FIXTURES/<kind> (`scenic`, `scenic_init`), for parametrize; [] without the fixtures (the
    tests that count them then fail, naming the folder). With `extra`, also the repository's own under EXTRA/<kind>,
    prefixed with EXTRA_PREFIX; `case_dir` finds each (a caller that joins FIXTURES itself leaves `extra` off)."""
    names = _cases_under(FIXTURES / kind)
    if extra:
        names += [EXTRA_PREFIX + name for name in _cases_under(EXTRA / kind)]
    return names


def case_dir(kind: str, name: str) -> Path:
    """The folder of a case `fixture_cases(kind)` named, or of a case a test names itself (`spacetime_3dconv_token`):
    FIXTURES' own, else the repository's copy of the shared cases. VIVIT_FIXTURES may name a folder of other cases
    in the same format (`shared/fixtures/README.md`: a further set kept apart), where every test that names a shared
    case failed as a missing file (92 of them) and said nothing of the cases themselves."""
    if name.startswith(EXTRA_PREFIX):
        return EXTRA / kind / name.removeprefix(EXTRA_PREFIX)
    own = FIXTURES / kind / name
    return own if own.is_dir() or not (SHARED_COPY / kind / name).is_dir() else SHARED_COPY / kind / name


# PyAV's SVT-AV1 encoder (libsvtav1 4.x), run as root, puts the thread that opens it at real-time priority,
# SCHED_FIFO 99, and leaves it there: the tests that write AV1 files did so to their pytest-xdist worker, and every
# process the worker started later inherited it (torchrun, its ranks, their DataLoader workers). Real-time
# processes that spin never yield: two ranks waiting on their DataLoader workers held both cores for 40 minutes,
# and the starved worker never reached its own subprocess timeout. The process gets back the policy it started with
# after each test's setup (before the test starts a subprocess) and after its teardown (which always follows the call).
SCHEDULING = os.sched_getscheduler(0), os.sched_getparam(0).sched_priority


def restore_scheduling() -> None:
    if (os.sched_getscheduler(0), os.sched_getparam(0).sched_priority) != SCHEDULING:
        os.sched_setscheduler(0, SCHEDULING[0], os.sched_param(SCHEDULING[1]))


# torchcodec, the optional decoder, needs the system FFmpeg libraries. A test of it is marked `torchcodec` (a reader
# parametrized over BACKENDS gets the mark on its torchcodec case): it skips where torchcodec does not import, and fails
# under VIVIT_REQUIRE_TORCHCODEC=1 (CI's torchcodec step, which installs the libraries), where a skip would pass CI
# with none of these tests run. That step runs every test with the mark (`-m torchcodec`), in whichever file.
BACKENDS = ["pyav", pytest.param("torchcodec", marks=pytest.mark.torchcodec)]


def require_torchcodec() -> None:
    from vivit_hf.processing.video_io import torchcodec_available

    if torchcodec_available():
        return
    if os.environ.get("VIVIT_REQUIRE_TORCHCODEC") == "1":
        pytest.fail("VIVIT_REQUIRE_TORCHCODEC=1 but torchcodec does not import (FFmpeg libraries missing?)")
    pytest.skip("torchcodec does not import here (it needs the system FFmpeg libraries)")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    if item.get_closest_marker("torchcodec"):
        require_torchcodec()  # before the test's fixtures, which may write files only torchcodec reads
    yield
    restore_scheduling()  # a module or session fixture that wrote AV1 files


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item):
    yield
    restore_scheduling()
