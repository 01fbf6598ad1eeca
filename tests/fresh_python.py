"""Run Python as `python -c CODE` or `python SCRIPT ARGS` would, each run in a process of its own, without paying the
3-5 s of importing torch, transformers and friends again for every run.

A server process imports third-party libraries once (nothing of vivit_hf, nothing that registers anything with
transformers, no thread pool started, no video decoded), then forks once per run. The child gets what a new
interpreter gets: a new, empty `__main__`, its own `sys.argv`, the working folder (`-c`) or the script's folder first on
`sys.path`, stdin from /dev/null, its own stdout / stderr, and the exit status of an uncaught exception (traceback,
1) or `sys.exit`. So a docs example that forgets `import vivit_hf` still fails here as it would for a user
(tests/test_docs.py proves it). It ends as an interpreter ends, but for the teardown of every module
(`end_as_an_interpreter`; tests/test_fresh_python.py compares each way of ending with a new interpreter's).

Environment variables that libraries read when imported (`OMP_NUM_THREADS`, `HF_HUB_OFFLINE`, ...) are the server's:
one server per environment, and `run` falls back to a plain subprocess where a caller's environment differs from the
one the server started with (pytest's own `PYTEST_CURRENT_TEST`, which changes with every test, aside).
"""

from __future__ import annotations

import atexit
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

# Third-party only, and each imported by (almost) every run anyway.
EXAMPLES = ("numpy", "torch", "torchvision", "av", "transformers")
# A recipe run that ends writes its plots (matplotlib's pyplot, imported at the first plot) and a fine-tuning run builds
# its schedule (transformers.optimization, which imports transformers' trainer_utils and peft): measured on a tiny
# fine-tuning run forked from the server, those imports were 0.5 s of its 1.2 s of CPU, paid again by every run.
RECIPES = (*EXAMPLES, "accelerate", "datasets", "matplotlib.pyplot", "transformers.optimization")

# Set by pytest for each test phase; nothing under test reads it.
_IGNORED = ("PYTEST_CURRENT_TEST",)


def _comparable(env) -> dict:
    return {key: value for key, value in env.items() if key not in _IGNORED}


_SERVER = r"""
import atexit, builtins, gc, json, os, runpy, signal, sys, threading, time, types

for name in sys.argv[1].split(","):
    __import__(name)
# transformers' names are lazy: resolve the ones nearly every run uses here, once, rather than in every child
from transformers import AutoConfig, AutoModel, AutoModelForVideoClassification, AutoVideoProcessor, pipeline
# transformers builds its table of checkpoint conversions (every model type's, its regexes compiled) at the first
# from_pretrained of a process and keeps it: 50 ms of CPU in every child that loads a model, built here once instead.
# Its own table, the same in every process; nothing of the children's is in it (a mapping registered later is theirs).
try:
    from transformers.conversion_mapping import get_checkpoint_conversion_mapping
except ImportError:  # (a transformers without it builds none)
    pass
else:
    get_checkpoint_conversion_mapping("legacy")
# Out of the garbage collector's reach: the collections that end every child would otherwise walk (and so copy, page
# by page, from the server) the whole imported heap. Measured: a child's exit cost 2.3 s of CPU more than os._exit,
# 0.9 s with this (see `end_as_an_interpreter` for the rest).
gc.freeze()


def exit_status(stop):
    # A SystemExit's status as the interpreter reads it: None 0, an int itself, anything else said on stderr and 1
    if stop.code is None or isinstance(stop.code, int):
        return stop.code or 0
    print(stop.code, file=sys.stderr)
    return 1


def unraisable(error, where):
    # sys.unraisablehook's argument for `error` in `where`, of the interpreter's own type (which is not importable, and
    # the only one its default hook takes): the type of one it makes, for a __del__ that fails
    made = []
    hook, sys.unraisablehook = sys.unraisablehook, made.append
    try:
        type("Failing", (), {"__del__": lambda self: 1 / 0})()
    finally:
        sys.unraisablehook = hook
    return type(made[0])((type(error), error, error.__traceback__, None, where))


def end_as_an_interpreter(status, interrupted=False):
    # What an interpreter does at its exit (Py_FinalizeEx), in its order: wait for the threads that are not daemons,
    # run the atexit handlers, collect the garbage (the finalizers of what the run made, its `__main__` too), flush;
    # an uncaught KeyboardInterrupt ends it by SIGINT. Left out: the teardown of every module, which decref'd the whole
    # heap imported in the server and so copied it from the server, page by page (0.3 s of CPU a child, 73 000 page
    # faults, on a heap of torch, transformers, accelerate and datasets; the suite starts hundreds of children). A
    # finalizer of an object only a module still holds at exit runs in a new interpreter and not here: a test of such an
    # end starts one (docs/testing.md).
    try:
        threading._shutdown()
    except BaseException as error:  # (a Ctrl-C while it waits) said as an interpreter says it; the end goes on
        sys.unraisablehook(unraisable(error, threading))
    atexit._run_exitfuncs()
    if globals().pop("main", None) is not None:  # `-c`'s module (a script's went with runpy): held by nothing else
        sys.modules.pop("__main__")
    gc.collect()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    if interrupted:  # (not read from the status: `sys.exit(-2)` ends a new interpreter with 254, no signal)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
    os._exit(status)

answers = os.fdopen(os.dup(1), "w")
for line in sys.stdin.buffer:  # one request at a time: the client waits for each answer
    request = json.loads(line)
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child: what `python -c CODE` or `python SCRIPT ARGS` run in request["cwd"] would be
        os.chdir(request["cwd"])
        for fd, path, flags in (
            (0, os.devnull, os.O_RDONLY),
            (1, request["stdout"], os.O_WRONLY | os.O_TRUNC),
            (2, request["stderr"], os.O_WRONLY | os.O_TRUNC),
        ):
            opened = os.open(path, flags)
            os.dup2(opened, fd)
            os.close(opened)
        answers.close()
        sys.stdin = open(0, closefd=False)
        sys.argv = request["argv"]
        status, interrupted = 0, False
        try:
            if request["code"] is not None:
                main = types.ModuleType("__main__")
                main.__builtins__ = builtins
                sys.modules["__main__"] = main
                sys.path[0] = ""
                exec(compile(request["code"], "<string>", "exec"), main.__dict__)
            else:
                sys.path[0] = os.path.dirname(os.path.realpath(sys.argv[0]))
                runpy.run_path(sys.argv[0], run_name="__main__")
        except SystemExit as stop:
            status = exit_status(stop)
        except BaseException as error:  # uncaught, as a new interpreter ends: its traceback, status 1
            sys.excepthook(type(error), error, error.__traceback__)
            status, interrupted = 1, isinstance(error, KeyboardInterrupt)
        end_as_an_interpreter(status, interrupted)
    deadline = time.monotonic() + request["timeout"]
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            answers.write(json.dumps(os.waitstatus_to_exitcode(status)) + "\n")
            break
        if time.monotonic() > deadline:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            answers.write(json.dumps(None) + "\n")
            break
        time.sleep(0.02)
    answers.flush()
"""


class FreshPython:
    """A fork server: `run(argv)` is `subprocess.run([sys.executable, *argv], capture_output=True, text=True)` (argv
    `["-c", CODE]` or `[SCRIPT, *ARGS]`), in a child forked from one server started with `env`."""

    def __init__(self, preload: tuple[str, ...] = EXAMPLES, env: dict | None = None):
        self.env = _comparable(os.environ if env is None else env)
        self._server = subprocess.Popen(
            [sys.executable, "-c", _SERVER, ",".join(preload)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=self.env,
            text=True,
        )
        self._scratch = Path(tempfile.mkdtemp(prefix="fresh_python_"))

    @property
    def stderr_path(self) -> Path:
        """The file a child's stderr goes to while it runs (emptied as the next run starts): a test may read it to
        act once the run has said something."""
        return self._scratch / "stderr"

    def run(self, argv, cwd, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
        argv = [str(arg) for arg in argv]
        if env is not None and _comparable(env) != self.env:  # read at import by libraries the server has imported
            command = [sys.executable, *argv]
            return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
        code = argv[1] if argv[0] == "-c" else None
        out, err = self._scratch / "stdout", self.stderr_path
        out.write_text("")
        err.write_text("")
        request = {
            "argv": ["-c", *argv[2:]] if code is not None else argv,
            "code": code,
            "cwd": str(cwd),
            "stdout": str(out),
            "stderr": str(err),
            "timeout": timeout,
        }
        self._server.stdin.write(json.dumps(request) + "\n")
        self._server.stdin.flush()
        answer = self._server.stdout.readline()
        if not answer:
            raise RuntimeError(f"the fork server ended (status {self._server.wait()}) before answering")
        returncode = json.loads(answer)
        if returncode is None:
            raise subprocess.TimeoutExpired([sys.executable, *argv], timeout, out.read_text(), err.read_text())
        return subprocess.CompletedProcess([sys.executable, *argv], returncode, out.read_text(), err.read_text())

    def close(self) -> None:
        if self._server.poll() is None:
            self._server.stdin.close()
            self._server.wait(timeout=60)
        # both pipes: the answers' pipe left open was a "ResourceWarning: unclosed file" at each pytest run's exit
        self._server.stdin.close()
        self._server.stdout.close()
        for path in self._scratch.iterdir():
            path.unlink()
        self._scratch.rmdir()


_SERVERS: dict[tuple, FreshPython] = {}


def _key(preload: tuple[str, ...], env: dict) -> tuple:
    return preload, tuple(sorted(_comparable(env).items()))


def server(preload: tuple[str, ...], env: dict) -> FreshPython:
    """This process's server for these libraries and this environment, started on first use, ended at exit."""
    key = _key(preload, env)
    if key not in _SERVERS:
        _SERVERS[key] = FreshPython(preload, env)
    return _SERVERS[key]


@atexit.register
def _close_servers() -> None:
    for fresh in _SERVERS.values():
        fresh.close()
