# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""How DataLoader workers started after the process has threads are started: from a fork server, never forked here.

A plain fork copies only the forking thread; a lock another thread held at that moment (gloo's threads, tqdm's
monitor, a previous loader's queue feeders and pin-memory thread) stays held in the child forever. A streamed run
starts its training workers anew at every epoch (its evaluation's at the first evaluation, kept after that),
always after those threads exist, and in CI one evaluation
worker of rank 1 hung inside `os.fork()` itself while rank 0 waited in the next collective: the run never ended.
Python's docs warn of it (`os.fork`, and from 3.12 a DeprecationWarning), PyTorch's issue 138957 asks the same of
the DataLoader's default, and Python 3.14 makes `forkserver` the default start method on Linux.

The fork server is started once per process (fork and exec: a new interpreter with only the environment and the
file descriptors of this one), imports the modules the workers need once (the main script's each guarded: one
that raises outside the script is skipped, not the server's end), and forks each worker from its one Python
thread, which holds no lock of this process's threads (its preload starts native helper threads of its own, torch's
and pyarrow's allocator's: 2-3 threads in all, fewer and quieter than this process's). A worker gets the data
set, the collate and init functions by pickle (a streamed split pickles to about 5 KB) and runs the main script
again as `__mp_main__`, as under `spawn`. What a forked worker inherited that the work depends on is handed over by
`WorkerInit`: the process's current stdout and stderr, its environment and its logging configuration (settings a
module read from the environment at import keep the server's values, but for the Hub libraries' offline flags,
endpoints and caches, set to this process's, their modules imported where the server had not); and the worker ends
when that process has ended, as a forked one does.
"""

from __future__ import annotations

import importlib
import io
import logging
import multiprocessing
import multiprocessing.forkserver
import os
import pickle
import sys
import threading
import time
import types
from multiprocessing import reduction

from .dataset import share_parent_memory

# Imported once by the fork server before it forks any worker (with the modules the main script took names from),
# where this process has them: each worker starts with them in memory. Python 3.11 never preloads `__main__` as the
# fork server means to (it looks the script up under a key its preparation data lacks), so without these every
# worker imported torch, datasets and the recipe's modules anew: 7 s for two workers on 2 cores, at every epoch
# and evaluation of a streamed run.
WORKER_PRELOAD = ("torch", "datasets", "transformers", "accelerate", __name__)
# The main script's modules, for this module to import in the fork server (set only while the server starts)
_PRELOAD_VARIABLE = "VIVIT_HF_WORKER_PRELOAD"
logger = logging.getLogger(__name__)


def worker_start(num_workers: int):
    """The `multiprocessing_context` for a DataLoader of `num_workers` workers: `forkserver`, its server started
    (once per process), or None (the default) without workers or where there is no fork server (Windows, whose
    default `spawn` is as safe)."""
    if num_workers <= 0 or "forkserver" not in multiprocessing.get_all_start_methods():
        return None
    context = multiprocessing.get_context("forkserver")
    names = _preload()
    # The server imports its preload modules itself and ends at the first that raises anything but an ImportError,
    # after which no worker starts ("ConnectionRefusedError" from torch's loader): the main script's modules (any
    # code, which may fail outside the script) are imported by this module instead, in the server, each guarded.
    context.set_forkserver_preload([name for name in names if name in WORKER_PRELOAD])
    os.environ[_PRELOAD_VARIABLE] = ",".join(name for name in names if name not in WORKER_PRELOAD)
    try:
        # Started now if it is not running (its imports run beside this process's work, not at the first batch's wait)
        multiprocessing.forkserver.ensure_running()
    finally:
        os.environ.pop(_PRELOAD_VARIABLE, None)
    return context


def started(loader):
    """`iter(loader)`, its workers started; a data set or function of it that cannot be pickled for them refused by
    name. torch says only "Can't pickle local object ..." under a warning to try `set_start_method('fork')`, which
    does nothing for a loader given its own start method."""
    if loader.num_workers:
        _refuse_main_only(loader)
    try:
        return iter(loader)
    except (AttributeError, TypeError, pickle.PicklingError) as error:
        if not loader.num_workers or "pickle" not in str(error).lower():
            raise
        raise TypeError(
            f"{type(loader.dataset).__name__}: its {loader.num_workers} DataLoader workers start from a fork server "
            f"and get the data set and its functions by pickle, which failed: {error}. Make them picklable (a class "
            "or a module-level function, not a local function or lambda), or use no workers (num_workers=0)"
        ) from error


class _MainNames(pickle.Pickler):
    """A pickler that notes the classes and functions of `__main__` among what it pickles."""

    def __init__(self, file):
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.found: list[str] = []

    def reducer_override(self, obj):
        if isinstance(obj, (type, types.FunctionType)) and getattr(obj, "__module__", None) == "__main__":
            name = getattr(obj, "__qualname__", repr(obj))
            if name not in self.found:
                self.found.append(name)
        return NotImplemented


def _refuse_main_only(loader) -> None:
    """A data set whose class (or a function of it) was defined in `__main__` where `__main__` is no file a worker
    can run again (a notebook, `python -c`, a REPL) refused before any worker starts, naming it: each worker
    unpickled it in its own blank `__main__` and failed with "Can't get attribute 'X' on <module '__main__'>"."""
    main = sys.modules.get("__main__")
    if main is None or getattr(main, "__file__", None) or getattr(getattr(main, "__spec__", None), "name", None):
        return  # a script, or `python -m`: the workers run it again as `__mp_main__` and find it there
    found = _MainNames(io.BytesIO())
    try:
        for item in (loader.dataset, loader.collate_fn, loader.worker_init_fn):
            found.dump(item)
    except Exception:  # not picklable at all: `started` names that
        return
    if found.found:
        raise TypeError(
            f"{', '.join(found.found)}: defined in __main__ of a notebook or `python -c`, which the "
            f"{loader.num_workers} DataLoader workers (started from a fork server) cannot import, so each would fail "
            'with "Can\'t get attribute". Define it in a module (a .py file next to the notebook) and import it '
            "from there, or use no workers (num_workers=0)"
        )


def _preload() -> list[str]:
    """`WORKER_PRELOAD` and the modules the main script took names from, those this process has imported (the
    server finds them on its own path, PYTHONPATH's and the installed packages': Python 3.11 drops the `sys_path` it
    is given, and skips a module it cannot import; a worker imports it when it needs it)."""
    main = sys.modules.get("__main__")
    names = list(WORKER_PRELOAD)
    for value in list(vars(main).values()) if main is not None else []:
        name = value.__name__ if isinstance(value, types.ModuleType) else getattr(value, "__module__", None)
        if isinstance(name, str) and name not in names and name not in ("__main__", "__mp_main__", "builtins"):
            names.append(name)
    return [name for name in names if name in sys.modules]


class WorkerInit:
    """A DataLoader's `worker_init_fn`: `share_parent_memory`, and in a worker started by the fork server what a
    forked one inherits: this process's stdout and stderr at the time the worker starts (the server's are those of
    the time it started: a script that redirects them, as the tests' launch of several runs does, sent a later
    run's worker warnings into an earlier run's log) and its logging configuration (levels, filters such as the
    recipes' flag words, stream handlers and their formats, loggers disabled and `logging.disable`), without which a
    worker's warnings came bare and its INFO lines not at all."""

    def __init__(self):
        self._inherited = None  # set when unpickled in a worker started by pickle

    def __getstate__(self):
        spawning = multiprocessing.context.get_spawning_popen() is not None
        # A descriptor travels only with a process being started (as multiprocessing passes a worker's pipes), and
        # only where there are descriptors to pass (not Windows, whose `spawn` children share the console)
        streams = {fd: reduction.DupFd(fd) for fd in (1, 2)} if spawning and hasattr(reduction, "DupFd") else {}
        environ, settings = dict(os.environ), _import_time_settings()
        return {"streams": streams, "logging": _logging_config(), "main": os.getpid(), "environ": environ} | settings

    def __setstate__(self, state):
        self._inherited = state

    def __call__(self, worker_id: int) -> None:
        share_parent_memory(worker_id)
        if self._inherited is None:  # forked: it has all of it already
            return
        for fd, duplicate in self._inherited["streams"].items():
            received = duplicate.detach()
            os.dup2(received, fd)
            os.close(received)
        # The environment of the moment too: the server's is the one it started with, so a variable set after the
        # first loader was made (`HF_TOKEN` for a private repo, in a notebook) never reached a worker
        os.environ.clear()
        os.environ.update(self._inherited["environ"])
        # and what the Hub libraries read from it at import, as this process read it (the server's were read when it
        # started): `HF_HUB_OFFLINE` or `HF_ENDPOINT` set in a notebook between the two, and the workers would read
        # the stream from another endpoint than this process, or refuse to read it at all as offline. One the server
        # has not imported (it preloads only what this process had imported when it started: `datasets` is not, after
        # a first loader of a data set that needs none) and the worker's data set has not (a `datasets` stream has, by
        # its unpickling; one that imports it when read has not) is imported here: skipped, the worker imported it
        # later on its own and read the environment of the moment, not this process's settings (`HF_ENDPOINT` set
        # after `datasets` was imported: this process read one endpoint, the workers another)
        for module, values in self._inherited.get("settings", {}).items():
            vars(importlib.import_module(module)).update(values)
        _apply_logging_config(self._inherited["logging"])
        # Watched only where the parent is not that process (the fork server's workers): torch's own watchdog ends a
        # worker whose parent has gone, and on Windows (`spawn`) `os.kill(pid, 0)` is no probe but a CTRL_C_EVENT
        if os.getppid() != self._inherited["main"]:
            threading.Thread(target=_end_with, args=(self._inherited["main"],), daemon=True).start()


# The modules whose settings (upper-case names: offline flags, endpoints, caches) are read from the environment at
# import, and read by the workers' Hub reads (`datasets`' streaming and `xopen`, `huggingface_hub`'s file system)
_IMPORT_TIME_SETTINGS = ("huggingface_hub.constants", "datasets.config")


def _import_time_settings() -> dict:
    """`{"settings": {module: {name: value}}}` of `_IMPORT_TIME_SETTINGS` as this process has them."""
    settings = {}
    for module in _IMPORT_TIME_SETTINGS:
        if module in sys.modules:
            settings[module] = {
                name: value
                for name, value in vars(sys.modules[module]).items()
                if name.isupper() and isinstance(value, (str, int, float, bool, type(None), os.PathLike))
            }
    return {"settings": settings}


def _end_with(main: int) -> None:
    """End this worker once the process that started it has ended. torch's workers watch their parent, which for a
    forked one is that process, but for this one is the fork server, which itself waits until every process
    holding its "alive" pipe has ended, its workers too: a streamed run killed mid-epoch (SIGKILL, the OOM killer)
    left its fork server and workers waiting forever."""
    while _running(main):
        time.sleep(1)
    os._exit(1)


def _running(pid: int) -> bool:
    """Whether process `pid` runs (a zombie has ended: its parent has not read its status yet)."""
    if os.path.isdir("/proc/self"):
        try:
            with open(f"/proc/{pid}/stat") as stat:
                return stat.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
        except FileNotFoundError:
            return False
    if os.name == "nt":  # no fork server there, and `os.kill(pid, 0)` sends CTRL_C_EVENT: not watched
        return True
    try:  # no /proc (macOS)
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def _stream_handlers(logger) -> list[tuple]:
    """`(fd, level, format, date format, style)` of `logger`'s handlers that write to stdout or stderr."""
    kept = []
    for handler in logger.handlers:
        stream = getattr(handler, "stream", None)
        if type(handler) is not logging.StreamHandler or stream not in (sys.stdout, sys.stderr, sys.__stderr__):
            continue
        formatter = handler.formatter or logging.Formatter()
        style = next(key for key, value in logging._STYLES.items() if isinstance(formatter._style, value[0]))
        fd = 1 if stream is sys.stdout else 2
        kept.append((fd, handler.level, formatter._fmt, formatter.datefmt, style))
    return kept


def _picklable(item) -> bool:
    try:
        pickle.dumps(item)
    except Exception:  # a filter holding a lock, a lambda: left out
        return False
    return True


def _logging_config() -> dict:
    """The root logger's and every configured logger's level, filters, propagation, stream handlers and whether it is
    disabled; with the root's, the level `logging.disable` silences."""
    loggers = {"": logging.getLogger()}
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger) and (
            logger.level != logging.NOTSET
            or logger.filters
            or logger.handlers
            or not logger.propagate
            or logger.disabled
        ):
            loggers[name] = logger
    config = {
        name: {
            "level": logger.level,
            "propagate": logger.propagate,
            "filters": [item for item in logger.filters if _picklable(item)],
            "handlers": _stream_handlers(logger),
            "disabled": logger.disabled,
        }
        for name, logger in loggers.items()
    }
    config[""]["disable"] = logging.root.manager.disable
    return config


def _apply_logging_config(config: dict) -> None:
    # `logging.disable(logging.WARNING)` (a notebook's way to quiet every logger) and the loggers that
    # `logging.config.dictConfig` disabled (`disable_existing_loggers`) silence forked workers, which inherit them;
    # the fork server's still spoke
    logging.disable(config.get("", {}).get("disable", logging.NOTSET))
    # and only those: a logger this process has not disabled is enabled here. The server's own imports can have
    # disabled it (a main-script module calling `dictConfig` at import, which the server imports after `datasets`
    # where the script imported it first, disables `datasets`' loggers there alone): its workers said nothing.
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger) and name not in config:
            logger.disabled = False
    for name, settings in config.items():
        logger = logging.getLogger(name or None)
        logger.setLevel(settings["level"])
        logger.propagate = settings["propagate"]
        logger.disabled = settings.get("disabled", False)
        for item in settings["filters"]:
            logger.addFilter(item)
        for handler in list(logger.handlers):
            if type(handler) is logging.StreamHandler:
                logger.removeHandler(handler)
        for fd, level, fmt, datefmt, style in settings["handlers"]:
            handler = logging.StreamHandler(sys.stdout if fd == 1 else sys.stderr)
            handler.setLevel(level)
            handler.setFormatter(logging.Formatter(fmt, datefmt, style))
            logger.addHandler(handler)


def _import_in_the_server(names: list[str]) -> None:
    """Import `names` (the main script's modules) in the fork server, skipping one that raises: a worker imports it
    when it needs it, and says then what fails."""
    for name in names:
        try:
            importlib.import_module(name)
        except (Exception, SystemExit) as error:
            logger.debug("the fork server skipped preloading %s: %r", name, error)


if os.environ.get(_PRELOAD_VARIABLE):  # imported by the fork server as it starts (`worker_start`)
    _import_in_the_server(os.environ[_PRELOAD_VARIABLE].split(","))
