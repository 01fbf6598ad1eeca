# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""A command refuses a wrong flag having imported no library that `import vivit_hf` does not import itself.

`import vivit_hf` registers the models and the video processor with transformers' Auto classes (README), so it
imports torch and transformers' models: that is the floor of every command's start (seconds; docs/testing.md). A
refusal of a wrong flag paid more on top of it: recipes/finetune.py imported `transformers.get_scheduler` at its
top, and with it peft (through transformers.trainer_utils), before it read a single flag.

Each command runs in a new interpreter (not tests/fresh_python.py's forks, which have imported torch and friends
already) that writes, as it exits, every module it imported; the reference is what a new interpreter imports for
`import vivit_hf`.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# Runs a script (`python SCRIPT ARGS`: the script's folder first on sys.path) or a module (`python -m MODULE ARGS`)
# and writes sys.modules to RECORD as the process exits, after the refusal's SystemExit.
RECORDER = r"""
import atexit, json, os, runpy, sys
record, target, *args = sys.argv[1:]
atexit.register(lambda: open(record, "w").write(json.dumps(sorted(sys.modules))))
sys.argv = [target, *args]
if target.endswith(".py"):
    sys.path[0] = os.path.dirname(os.path.abspath(target))
    runpy.run_path(target, run_name="__main__")
else:
    runpy.run_module(target, run_name="__main__", alter_sys=True)
"""

COMMANDS = [
    "recipes/finetune.py",
    "recipes/evaluate.py",
    "recipes/predict.py",
    "vivit_hf.convert",
    "vivit_hf.export",
    "vivit_hf.training.data.shard",
]


def libraries(modules) -> set[str]:
    """The third-party top-level packages among `modules` (the standard library's and vivit_hf's own aside)."""
    tops = {name.split(".")[0] for name in modules}
    return {top for top in tops if not top.startswith("_") and top not in sys.stdlib_module_names} - {"vivit_hf"}


def imported_by(tmp_path, target, *args) -> tuple[subprocess.CompletedProcess, list[str]]:
    record = tmp_path / "modules.json"
    done = subprocess.run(
        [sys.executable, "-c", RECORDER, str(record), target, *args], cwd=REPO, capture_output=True, text=True
    )
    return done, json.loads(record.read_text())


# `import vivit_hf` in a new interpreter: the modules it imported, and torch's thread count in the process and in a
# child it forks afterwards (2 set before the import: a pool of threads on any machine)
FRESH_IMPORT = r"""
import json, os, sys, torch
torch.set_num_threads(2)
import vivit_hf
read, write = os.pipe()
if os.fork() == 0:
    os.write(write, str(torch.get_num_threads()).encode())
    os._exit(0)
os.wait()
child = int(os.read(read, 16))
print(json.dumps({"modules": sorted(sys.modules), "threads": torch.get_num_threads(), "child_threads": child}))
"""


@pytest.fixture(scope="module")
def fresh_import():
    done = subprocess.run([sys.executable, "-c", FRESH_IMPORT], cwd=REPO, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def package_libraries(fresh_import):
    return libraries(fresh_import["modules"])


def test_importing_the_package_leaves_torch_in_forked_children_as_it_was(fresh_import):
    """`import vivit_hf` changes nothing of other libraries: it registered an at-fork hook that set one torch thread in
    every child the process forked (the user's own fork pools too, 2 -> 1). The processor guards its own calls in a
    forked child (vivit_hf/processing/forked_child.py)."""
    assert fresh_import["child_threads"] == fresh_import["threads"] == 2


@pytest.mark.parametrize("command", COMMANDS)
def test_a_wrong_flag_is_refused_before_any_library_beyond_the_packages_own(command, package_libraries, tmp_path):
    done, modules = imported_by(tmp_path, command, "--no_such_flag")
    # refused as argparse refuses (the unknown flag, or a required one missing first): status 2, one "error:" line
    assert done.returncode == 2 and ": error: " in done.stderr, (done.returncode, done.stderr[-2000:])
    beyond = libraries(modules) - package_libraries
    assert not beyond, f"{command} imported {sorted(beyond)} before refusing its command line"
