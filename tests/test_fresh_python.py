# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""A child of tests/fresh_python.py's server ends as `python -c CODE` does: the reference is a new interpreter."""

import os
import subprocess
import sys

import fresh_python
import pytest

# What an interpreter does as it ends (Py_FinalizeEx), each shown by what it prints or writes
ENDINGS = {
    "a thread that is not a daemon is waited for": (  # (it goes on only once the interpreter ends: no race)
        "import threading, time\n"
        "def after_main():\n"
        "    while not threading._SHUTTING_DOWN:\n"
        "        time.sleep(0.01)\n"
        "    print('thread done')\n"
        "threading.Thread(target=after_main).start()\n"
        "print('main done')"
    ),
    "a Ctrl-C while the threads are waited for is said, and the end goes on": (
        "import _thread, atexit, threading, time\n"
        "def interrupt_at_exit():\n"
        "    while not threading._SHUTTING_DOWN:\n"
        "        time.sleep(0.01)\n"
        "    _thread.interrupt_main()\n"
        "threading.Thread(target=interrupt_at_exit).start()\n"
        "atexit.register(print, 'at exit')"
    ),
    "atexit handlers run, then what __main__ holds is collected": (
        "import atexit\n"
        "class Said:\n"
        "    def __del__(self):\n"
        "        print('collected')\n"
        "kept = Said()\n"
        "atexit.register(print, 'at exit')"
    ),
    "a file left open is flushed": "f = open('left_open.txt', 'w')\nf.write('kept')",
    "sys.exit of a message says it, status 1": "import sys\nprint('out')\nsys.exit('a message')",
    "sys.exit of a status": "import sys\nsys.exit(3)",
    "sys.exit of -2 is status 254, not SIGINT's -2": "import sys\nsys.exit(-2)",
    "an uncaught exception": "raise ValueError('x')",
    "an uncaught KeyboardInterrupt ends by SIGINT": "raise KeyboardInterrupt",
}


def ended(result: subprocess.CompletedProcess, folder) -> tuple:
    left_open = folder / "left_open.txt"
    # a traceback's last line (the server's frames are above the code's in a child's)
    stderr = result.stderr.splitlines()[-1:] if "Traceback" in result.stderr else result.stderr
    return result.returncode, result.stdout, stderr, left_open.read_text() if left_open.exists() else None


@pytest.mark.parametrize("code", list(ENDINGS.values()), ids=list(ENDINGS))
def test_a_child_ends_as_a_new_interpreter_does(code, tmp_path):
    """The children skip the teardown of every module (the server's imported heap, copied page by page: 0.3 s of CPU
    a child); what a run's user sees of an interpreter's end is kept."""
    (tmp_path / "new").mkdir()
    (tmp_path / "child").mkdir()
    command = [sys.executable, "-c", code]
    new = subprocess.run(command, cwd=tmp_path / "new", capture_output=True, text=True, timeout=60)
    child = fresh_python.server(fresh_python.EXAMPLES, dict(os.environ)).run(["-c", code], cwd=tmp_path / "child")
    assert ended(child, tmp_path / "child") == ended(new, tmp_path / "new")


def test_a_closed_server_leaves_no_pipe_open(tmp_path):
    """`close` closed the server's stdin and left its stdout open: each pytest run that had started a server ended in
    "ResourceWarning: unclosed file <_io.TextIOWrapper name=14 ...>" (tests/test_cards.py's, at exit)."""
    fresh = fresh_python.FreshPython.__new__(fresh_python.FreshPython)  # (a server's pipes, without its imports)
    reads = [sys.executable, "-S", "-c", "import sys; sys.stdin.read()"]
    fresh._server = subprocess.Popen(reads, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    fresh._scratch = tmp_path / "scratch"
    fresh._scratch.mkdir()
    pipes = fresh._server.stdin, fresh._server.stdout
    fresh.close()
    assert [pipe.closed for pipe in pipes] == [True, True]
