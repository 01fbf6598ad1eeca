# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""A command refuses a wrong flag having imported no library that `import vivit_hf` does not import itself.

`import vivit_hf` registers the models and the video processor with transformers' Auto classes (README), so it
imports torch and transformers' models: that is the floor of every command's start (seconds; docs/testing.md). A
refusal of a wrong flag paid more on top of it: recipes/finetune.py imported `transformers.get_scheduler` at its
top, and with it peft (through transformers.trainer_utils), before it read a single flag.

Each command runs in a child forked from one new interpreter (not tests/fresh_python.py's server, which imports more
than the package: datasets) that has imported `vivit_hf` and nothing else: what a child imports beyond that is what
the command imported beyond the package, as in a new interpreter of its own, and the reference is that interpreter's
own modules. One interpreter importing torch and transformers instead of seven: 46 s of CPU down to 10. A script's
folder goes first on sys.path only in the children, after the package's import, where `python recipes/x.py` has it
there first: a file in it named as a module the package imports is checked for on its own (below).
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# Imports vivit_hf (torch set to 2 threads before: a pool of threads on any machine), writes its sys.modules to
# OUT/package.json (and to OUT/workers.json after importing the DataLoader workers' module) and torch's thread count
# in the process and in a child it forks then to OUT/threads.json, then forks a child per command: each runs a script
# (`python SCRIPT ARGS`: the script's folder first on sys.path) or a module (`python -m MODULE ARGS`) with its stdout
# and stderr in OUT/<i>.out, exits as an interpreter would (status, atexit handlers), and writes its sys.modules to
# OUT/<i>.json last, after the refusal's SystemExit. OUT/<i>.status is its exit status, as the parent saw it.
RECORDER = r"""
import atexit, json, os, runpy, sys, traceback
out, commands = sys.argv[1], json.loads(sys.argv[2])
import torch
torch.set_num_threads(2)
import vivit_hf
json.dump(sorted(sys.modules), open(os.path.join(out, "package.json"), "w"))
import vivit_hf.training.data.workers
json.dump(sorted(sys.modules), open(os.path.join(out, "workers.json"), "w"))
read, write = os.pipe()
if os.fork() == 0:
    os.write(write, str(torch.get_num_threads()).encode())
    os._exit(0)
os.wait()
threads = {"threads": torch.get_num_threads(), "child_threads": int(os.read(read, 16))}
json.dump(threads, open(os.path.join(out, "threads.json"), "w"))
for i, (target, args) in enumerate(commands):
    pid = os.fork()
    if pid == 0:
        os.dup2(os.open(os.path.join(out, f"{i}.out"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC), 1)
        os.dup2(1, 2)
        sys.argv, status = [target, *args], 0
        try:
            if target.endswith(".py"):
                sys.path[0] = os.path.dirname(os.path.abspath(target))
                runpy.run_path(target, run_name="__main__")
            else:
                runpy.run_module(target, run_name="__main__", alter_sys=True)
        except SystemExit as stop:
            if isinstance(stop.code, str):
                print(stop.code, file=sys.stderr)
            status = stop.code if isinstance(stop.code, int) else int(stop.code is not None)
        except BaseException:
            traceback.print_exc()
            status = 1
        atexit._run_exitfuncs()
        sys.stdout.flush(), sys.stderr.flush()
        json.dump(sorted(sys.modules), open(os.path.join(out, f"{i}.json"), "w"))
        os._exit(status)
    _, wait_status = os.waitpid(pid, 0)
    open(os.path.join(out, f"{i}.status"), "w").write(str(os.waitstatus_to_exitcode(wait_status)))
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


@pytest.fixture(scope="module")
def refusals(tmp_path_factory) -> Path:
    """Every command of COMMANDS run with a wrong flag, each in a child of one interpreter that imported vivit_hf."""
    out = tmp_path_factory.mktemp("refusals")
    commands = [(command, ["--no_such_flag"]) for command in COMMANDS]
    subprocess.run(
        [sys.executable, "-c", RECORDER, str(out), json.dumps(commands)], cwd=REPO, capture_output=True, text=True,
        check=True, timeout=600,
    )  # fmt: skip
    return out


@pytest.mark.parametrize("command", COMMANDS)
def test_a_wrong_flag_is_refused_before_any_library_beyond_the_packages_own(command, refusals):
    i = COMMANDS.index(command)
    status, output = int((refusals / f"{i}.status").read_text()), (refusals / f"{i}.out").read_text()
    # refused as argparse refuses (the unknown flag, or a required one missing first): status 2, one "error:" line
    assert status == 2 and ": error: " in output, (status, output[-2000:])
    modules = json.loads((refusals / f"{i}.json").read_text())
    beyond = libraries(modules) - libraries(json.loads((refusals / "package.json").read_text()))
    assert not beyond, f"{command} imported {sorted(beyond)} before refusing its command line"


@pytest.mark.parametrize("record", ["package", "workers"])
def test_the_conversion_and_the_pipeline_are_imported_at_their_first_use(record, refusals):
    """`import vivit_hf` imported the conversion package and the multi-view pipeline (transformers' pipelines, PyAV),
    0.2-0.3 s of CPU at the start of every recipe, every DataLoader workers' fork server (which imports
    vivit_hf.training.data.workers) and every test's fresh interpreter, few of which convert or run the pipeline:
    their names are looked up at their first use (vivit_hf/__init__.py's `_LAZY`)."""
    modules = set(json.loads((refusals / f"{record}.json").read_text()))
    assert "vivit_hf.training.data.workers" in modules or record == "package"
    eager = sorted(modules & {"vivit_hf.conversion", "vivit_hf.processing.pipeline", "av"})
    assert not eager, f"`import vivit_hf{'.training.data.workers' * (record == 'workers')}` imported {eager}"


def test_importing_the_package_leaves_torch_in_forked_children_as_it_was(refusals):
    """`import vivit_hf` changes nothing of other libraries: it once registered an at-fork hook that set one torch
    thread in every child the process forked (the user's own fork pools too, 2 -> 1). The processor guards its own
    calls in a forked child (vivit_hf/processing/forked_child.py)."""
    threads = json.loads((refusals / "threads.json").read_text())
    assert threads["child_threads"] == threads["threads"] == 2, threads


def test_no_script_folder_holds_a_module_the_packages_import_would_take_instead(refusals):
    """`python recipes/x.py` puts recipes/ first on sys.path before the script's `import vivit_hf`, so a
    recipes/packaging.py is imported in place of `packaging` (transformers') and the command fails before it reads a
    flag; the children above import the package before the folder is there and passed such a file."""
    package = {name.split(".")[0] for name in json.loads((refusals / "package.json").read_text())}
    for folder in sorted({(REPO / command).parent for command in COMMANDS if command.endswith(".py")}):
        scripts = {path.stem for path in folder.glob("*.py")}
        shadows = sorted((scripts | {path.parent.name for path in folder.glob("*/__init__.py")}) & package)
        assert not shadows, f"{folder.relative_to(REPO)} holds {shadows}, modules `import vivit_hf` imports itself"


def test_a_local_folder_without_a_data_card_is_read_without_importing_datasets(tmp_path, monkeypatch):
    """`--dataset_format videofolder` looks for a data card (README.md) whose classes it would not read, and imported
    `datasets` to do so where there is none: 1.5 s of every run on a local folder, which uses nothing else of it."""
    from test_data_formats import clip

    from vivit_hf.training.data.formats import load_video_dataset

    for name in ("up", "down"):
        clip(tmp_path / "train" / name / "0.mp4")
    monkeypatch.setitem(sys.modules, "datasets", None)  # `import datasets` now raises, as if it were not installed
    assert load_video_dataset(tmp_path, "videofolder").label_spaces == {"label": ["down", "up"]}
