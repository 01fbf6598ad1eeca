# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Results that pytest-xdist's workers share, made once a session (pytest-xdist's own pattern: a file lock around a
record in the folder above the workers' temporary folders).

Under `--dist worksteal` (setup.cfg) a worker that runs out of tests takes some of those queued for the other, so the
tests of one module can run on both workers, and a module-scoped fixture then runs on each: a torchrun launch of ten
recipe runs twice over, on the same two cores. `run_once(tmp_path_factory, name, make)` calls `make(folder)` once for
the whole session: the first worker to ask makes the result in `<the session's temporary folder>/run_once/<name>`
under a file lock and records what `make` returned (JSON) beside it; a worker that asks later, or waited on the lock,
reads the record and the same folder. Without pytest-xdist, `make` runs in a temporary folder of the process's own.

What a shared result holds is read-only to the tests that use it (each worker may be reading it). A `make` that fails
is recorded too: the other worker's tests fail with its error rather than run it again (a launch that hangs would
otherwise cost its whole timeout twice), and one that skips skips them. A worker that died while making it left no
record: the next to ask makes it again, in an emptied folder."""

import json
import os
import shutil
import traceback

import pytest
from filelock import FileLock


def run_once(tmp_path_factory, name: str, make):
    """`(make(folder), folder)`, made once in this pytest session by whichever worker asks first; what `make` returns
    must survive JSON (lists, dicts, strings, numbers), and every worker gets it back from JSON (a tuple as a list, the
    maker's too)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is None:  # one process: the fixture's own scope already makes it once
        folder = tmp_path_factory.mktemp(name)
        return json.loads(json.dumps(make(folder))), folder  # as a worker would get it
    root = tmp_path_factory.getbasetemp().parent / "run_once"  # the session's, above popen-gw0 and popen-gw1
    root.mkdir(exist_ok=True)
    folder, record = root / name, root / f"{name}.json"
    with FileLock(str(root / f"{name}.lock")):
        if not record.is_file():
            if folder.exists():  # a worker died making it
                shutil.rmtree(folder)
            folder.mkdir()
            try:
                result = make(folder)
            except pytest.skip.Exception as skipped:
                record.write_text(json.dumps({"worker": worker, "skipped": skipped.msg}))
                raise
            except (Exception, pytest.fail.Exception):
                record.write_text(json.dumps({"worker": worker, "error": traceback.format_exc()[-8000:]}))
                raise
            record.write_text(json.dumps({"worker": worker, "result": result}))
        made = json.loads(record.read_text())
    if "skipped" in made:
        pytest.skip(made["skipped"])
    if "error" in made:
        pytest.fail(f"{name} failed on worker {made['worker']}, which made it:\n{made['error']}", pytrace=False)
    return made["result"], folder
