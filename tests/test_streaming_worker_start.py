# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""A streamed run starts its DataLoader workers anew at every epoch and evaluation, after gloo's, tqdm's and earlier
loaders' threads exist. Forked from such a process, a worker inherits every lock as it was at that instant, held by
threads that do not exist in it: in CI an evaluation worker hung inside `os.fork()` and the run never ended. The
workers now start from a fork server (`vivit_hf.training.data.workers`), never forked from the main process."""

import importlib
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from pathlib import Path

import fresh_python
import pytest
import torch
from process_tree import running

from vivit_hf.training.data.streaming import StreamingLoader, StreamingVideoDataset

# Held by a thread of the main process while the workers start, as gloo's or tqdm's threads hold theirs.
HELD = threading.Lock()
LOGGER = "vivit_hf.training.data.streaming"


@pytest.fixture(autouse=True, scope="module")
def datasets_imported_before_the_fork_server_starts():
    """The fork server preloads only what this process had imported when the first loader started it, and a streamed
    run's split is a `datasets` stream: its server has `datasets`. This file's first loader (the lock test's) came
    before anything here imported `datasets`, so its server had none: `ReadsTheEnvironment`'s workers imported it in
    `__iter__`, after `WorkerInit`, with the settings of the environment rather than this process's (the environment
    test failed after the lock test, passed alone). `WorkerInit` now imports it itself
    (`test_a_hub_library_the_fork_server_has_not_imported_...`), which every worker after the environment test
    would do without this, about 2 s a loader on 2 cores."""
    import datasets  # noqa: F401


class NeedsTheLock(StreamingVideoDataset):
    """Two shards; each worker takes `HELD`, says so in a warning, and yields one batch of one row."""

    def __init__(self):
        super().__init__(None, None, batch_size=1)

    @property
    def num_shards(self) -> int:
        return 2

    def __iter__(self):
        worker = torch.utils.data.get_worker_info().id
        with HELD:
            logging.getLogger(LOGGER).warning("worker %d took the lock", worker)
        row = {"labels": torch.zeros(1, dtype=torch.long), "valid": torch.ones(1, dtype=torch.bool)}
        yield {**row, "pixel_values": torch.zeros(1, 1), "truncated": torch.zeros(1, dtype=torch.bool)} | {
            "ids": [f"clip{worker}"],
            "worker": worker,
            "batch": 0,
        }
        yield {"worker": worker, "end": True}


def test_streamed_workers_start_while_another_thread_holds_a_lock_and_log_as_the_main_process(capfd):
    """Forked, both workers waited forever on the lock (its holder is not in the child); started by the fork server,
    each has its own and delivers its batch at once. Their warnings come in the main process's format, on its
    stderr of the moment (pytest's capture here), as forked workers' did."""
    holding, release = threading.Event(), threading.Event()

    def hold():
        with HELD:
            holding.set()
            release.wait(300)

    holder = threading.Thread(target=hold, daemon=True)
    holder.start()
    holding.wait()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("as in the main process: %(name)s %(levelname)s %(message)s"))
    # The workers take this process's logger levels (`WorkerInit`, as forked ones inherit them): ERROR left on the
    # data loggers by an earlier test of the pytest worker (`machines_opening`, test_stream_digest_shard_paths.py, at
    # times) silenced them, capfd's err '' (once in CI). The level this test's warnings are said at is its own.
    streaming_logger, level = logging.getLogger(LOGGER), logging.getLogger(LOGGER).level
    streaming_logger.setLevel(logging.WARNING)
    streaming_logger.addHandler(handler)
    delivered = []
    loader = StreamingLoader(NeedsTheLock(), num_workers=2)
    reader = threading.Thread(target=lambda: delivered.extend(i for batch in loader for i in batch["ids"]), daemon=True)
    try:
        reader.start()
        reader.join(120)  # 1-15 s: the fork server's first start imports torch, datasets, transformers
        stuck = reader.is_alive()
        if stuck:  # the old way: forked workers that never get the lock; ended so that pytest can exit
            for child in multiprocessing.active_children():
                child.kill()
    finally:
        release.set()
        streaming_logger.removeHandler(handler)
        streaming_logger.setLevel(level)
    assert not stuck, "the DataLoader workers waited on a lock held by a thread of the main process"
    assert sorted(delivered) == ["clip0", "clip1"]
    assert loader.context.get_start_method() == "forkserver"
    err = capfd.readouterr().err
    for worker in (0, 1):
        assert f"as in the main process: {LOGGER} WARNING worker {worker} took the lock" in err, err[-2000:]


class WaitsForever(NeedsTheLock):
    """Each worker writes its process id into `folder`, then waits for good."""

    def __init__(self, folder):
        super().__init__()
        self.folder = folder

    def __iter__(self):
        (self.folder / f"{os.getpid()}.pid").touch()
        threading.Event().wait()
        yield {}


# Killed (SIGKILL) by a thread of its own once both workers have started: a process forked from
# tests/fresh_python.py's server, as a new interpreter (it imported torch and transformers once; a new one importing
# them cost some 5 s of CPU more). The fork server it starts is a new interpreter, with its environment: PYTHONPATH
# names the folder of `main_only`.
KILLED_MAIN = """
import os, signal, sys, threading, time
from pathlib import Path
modules, folder = sys.argv[1], Path(sys.argv[2])
os.environ["MAIN_ONLY"] = str(os.getpid())
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [modules, os.environ.get("PYTHONPATH")]))
sys.path.insert(0, modules)
from main_only import marker  # raises when imported by any other process: the fork server's preload
from test_streaming_worker_start import WaitsForever
from vivit_hf.training.data.streaming import StreamingLoader

def killed_once_both_started():
    deadline = time.monotonic() + 120
    while len(list(folder.glob("*.pid"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    os.kill(os.getpid(), signal.SIGKILL)

threading.Thread(target=killed_once_both_started, daemon=True).start()
next(iter(StreamingLoader(WaitsForever(folder), num_workers=2)))
"""


def test_workers_end_when_the_process_that_started_them_is_killed(tmp_path):
    """torch's workers end when their parent does, and a fork-server worker's parent is the server, which lives on
    while its workers do: a streamed run killed mid-epoch (SIGKILL) left its server and workers waiting forever.
    The script takes a name from a module that raises outside it, which the server preloads: the server ended at
    that import and no worker started (torch's ConnectionRefusedError); the server now skips it."""
    modules = tmp_path / "modules"
    modules.mkdir()
    (modules / "main_only.py").write_text(
        "import os\nif os.environ.get('MAIN_ONLY') != str(os.getpid()):\n    raise RuntimeError('main only')\n"
        "def marker():\n    pass\n"
    )
    main = fresh_python.server(fresh_python.EXAMPLES, dict(os.environ)).run(
        ["-c", KILLED_MAIN, modules, tmp_path], cwd=Path(__file__).parent, timeout=240
    )
    workers = [int(path.stem) for path in tmp_path.glob("*.pid")]
    try:
        assert main.returncode == -signal.SIGKILL and len(workers) == 2, (
            f"the workers did not start (status {main.returncode}): {main.stderr[-3000:]}"
        )
        deadline = time.monotonic() + 15
        while any(running(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        left = [pid for pid in workers if running(pid)]
        for pid in left:  # ended here, so that no test leaves them behind
            os.kill(pid, signal.SIGKILL)
    assert not left, "the DataLoader workers outlived the process that started them"


class ReadsTheEnvironment(NeedsTheLock):
    """Each worker yields one row whose id is the value of `LATE` in its environment, with the Hub libraries'
    offline flags and endpoints."""

    def __iter__(self):
        import datasets
        import huggingface_hub.constants

        worker = torch.utils.data.get_worker_info().id
        row = {"labels": torch.zeros(1, dtype=torch.long), "valid": torch.ones(1, dtype=torch.bool)}
        hub = huggingface_hub.constants
        read = [hub.HF_HUB_OFFLINE, hub.ENDPOINT, datasets.config.HF_HUB_OFFLINE, datasets.config.HF_ENDPOINT]
        yield {**row, "pixel_values": torch.zeros(1, 1), "truncated": torch.zeros(1, dtype=torch.bool)} | {
            "ids": [os.environ.get("LATE", "unset")],
            "hub": read,
            "worker": worker,
            "batch": 0,
        }
        yield {"worker": worker, "end": True}


def test_workers_see_the_environment_of_the_moment_not_the_fork_servers(monkeypatch):
    """The fork server keeps the environment it started with (at the first loader); a forked worker had the main
    process's of the moment: a variable set later (`HF_TOKEN` for a private repo, in a notebook) reached no worker.
    The Hub libraries' settings read at import are this process's too (here as if it had read another environment
    than the server's): the workers read the Hub as offline, or from another endpoint, than this process."""
    import datasets
    import huggingface_hub.constants

    StreamingLoader(ReadsTheEnvironment(), num_workers=2)  # the server runs from here on
    monkeypatch.setenv("LATE", "set after the server started")
    hub = huggingface_hub.constants
    offline = not hub.HF_HUB_OFFLINE
    for module, flag, endpoint in (
        (hub, "HF_HUB_OFFLINE", "ENDPOINT"),
        (datasets.config, "HF_HUB_OFFLINE", "HF_ENDPOINT"),
    ):
        monkeypatch.setattr(module, flag, offline)
        monkeypatch.setattr(module, endpoint, "http://mirror.invalid")
    batches = list(StreamingLoader(ReadsTheEnvironment(), num_workers=2))
    assert [i for batch in batches for i in batch["ids"]] == ["set after the server started"] * 2
    assert [batch["hub"] for batch in batches] == [[offline, "http://mirror.invalid"] * 2] * 2


def test_a_worker_whose_parent_is_the_process_that_started_it_is_not_watched(monkeypatch):
    """Under `spawn` (Windows, which has no fork server) a worker's parent is the main process, which torch's own
    watchdog follows; `os.kill(pid, 0)`, the watch's probe without /proc, is a CTRL_C_EVENT there, not a probe."""
    from vivit_hf.training.data import workers

    watched = []
    monkeypatch.setattr(workers, "share_parent_memory", lambda worker_id: None)
    monkeypatch.setattr(workers, "_end_with", watched.append)
    monkeypatch.setattr(workers, "_apply_logging_config", lambda config: None)
    monkeypatch.setattr(os, "environ", dict(os.environ))  # not this process's own
    for parent, watch in ((os.getppid(), []), (os.getpid(), [os.getpid()])):  # spawned; from a fork server
        init = workers.WorkerInit()
        init.__setstate__({"streams": {}, "logging": {}, "main": parent, "environ": dict(os.environ)})
        init(0)
        time.sleep(0.1)
        assert watched == watch
        watched.clear()


def test_a_hub_library_the_fork_server_has_not_imported_gets_the_main_processs_settings(monkeypatch, tmp_path):
    """The server preloads only what this process had imported when it started: after a first loader of a data set
    that needs no `datasets` (the lock test's above), a worker imported `datasets.config` itself, after
    `WorkerInit`, and read its endpoint from the environment of the moment where this process had read another at
    its own import (`..._not_the_fork_servers` failed after that test, passed alone). A module of such settings
    that the worker lacks is now imported by `WorkerInit` and given this process's values."""
    from vivit_hf.training.data import workers

    name = "hub_settings_read_at_import"
    (tmp_path / f"{name}.py").write_text(
        "import os\nENDPOINT = os.environ.get('LATE_ENDPOINT', 'https://hf.invalid')\n"
    )
    monkeypatch.syspath_prepend(tmp_path)
    monkeypatch.setattr(importlib.import_module(name), "ENDPOINT", "http://mirror.invalid")  # not the environment's
    monkeypatch.setattr(workers, "_IMPORT_TIME_SETTINGS", (name,))
    state = workers.WorkerInit().__getstate__()
    monkeypatch.delitem(sys.modules, name)  # as in a worker of a server started before this process imported it
    monkeypatch.setattr(workers, "share_parent_memory", lambda worker_id: None)
    monkeypatch.setattr(workers, "_apply_logging_config", lambda config: None)
    monkeypatch.setattr(os, "environ", dict(os.environ))  # not this process's own
    init = workers.WorkerInit()
    init.__setstate__(state | {"main": os.getppid()})  # not watched
    init(0)
    assert importlib.import_module(name).ENDPOINT == "http://mirror.invalid"


def test_a_worker_is_as_quiet_as_the_main_process_made_its_logging():
    """`logging.disable(logging.WARNING)` (a notebook's way to quiet every logger) and a logger that
    `logging.config.dictConfig` disabled (`disable_existing_loggers`) silence a forked worker, which inherits them; a
    fork server's workers still said every warning. And no other: a logger this process has enabled, which the fork
    server's own imports disabled (a `dictConfig` at import, run there before a library's loggers were made and here
    after), stayed disabled in its workers."""
    from vivit_hf.training.data import workers

    quiet, spoken = logging.getLogger(f"{LOGGER}.quieted"), logging.getLogger(f"{LOGGER}.spoken")
    disabled = logging.root.manager.disable
    loggers = {name: item for name, item in logging.root.manager.loggerDict.items() if isinstance(item, logging.Logger)}
    was_disabled = {name: item.disabled for name, item in loggers.items()}
    try:
        logging.disable(logging.WARNING)
        quiet.disabled = True
        config = workers._logging_config()
        logging.disable(logging.NOTSET)  # as the fork server has them
        quiet.disabled, spoken.disabled = False, True
        # (the others' as they are: applied here, their handlers of pytest's streams would go)
        workers._apply_logging_config({name: config[name] for name in ("", quiet.name) if name in config})
        assert (logging.root.manager.disable, quiet.disabled, spoken.disabled) == (logging.WARNING, True, False)
    finally:
        logging.disable(disabled)
        for name, item in loggers.items():
            item.disabled = was_disabled[name]


class HoldsALambda(NeedsTheLock):
    def __init__(self):
        super().__init__()
        self.label_of = lambda row: 0


@pytest.mark.filterwarnings("ignore:Got pickle error")
def test_a_data_set_that_cannot_be_pickled_for_the_workers_is_refused_by_name():
    """Forked workers needed no pickle; these do. torch said only "Can't pickle local object" under a warning to
    try `set_start_method('fork')`, which does nothing for a loader given its own start method."""
    with pytest.raises(TypeError, match=r"HoldsALambda: its 2 DataLoader workers .*num_workers=0"):
        next(iter(StreamingLoader(HoldsALambda(), num_workers=2)))


class TellsItsWorker(NeedsTheLock):
    """Shards `SHARDS` dealt to the workers (one stream without workers), in batches of 2 rows whose ids are
    `epoch:clip`, each batch with the process id that read it."""

    SHARDS = (["a", "b", "c"], ["d", "e"])

    def __iter__(self):
        info = torch.utils.data.get_worker_info()
        worker, workers = (info.id, info.num_workers) if info is not None else (0, 1)
        clips = [clip for shard in self.SHARDS[worker::workers] for clip in shard]
        for index in range(0, len(clips), 2):
            ids = [f"{self.epoch}:{clip}" for clip in clips[index : index + 2]]
            row = {"labels": torch.zeros(len(ids), dtype=torch.long), "valid": torch.ones(len(ids), dtype=torch.bool)}
            yield (
                row
                | {"pixel_values": torch.zeros(len(ids), 1), "truncated": torch.zeros(len(ids), dtype=torch.bool)}
                | {
                    "ids": ids,
                    "pid": os.getpid(),
                    "worker": worker,
                    "batch": index // 2,
                }
            )
        yield {"worker": worker, "end": True}


def test_a_persistent_loader_reads_the_whole_stream_once_a_pass_from_the_same_workers():
    """The evaluation's loader is read after every epoch; its workers started anew from the fork server each time,
    1.2 s a pass. Kept now: every pass (one left after its first batch too) delivers what a loader without workers
    does, from the same two processes; a new epoch (another copy of the data set for the workers) starts new ones."""

    def read(loader):
        batches = list(loader)
        return sorted(i for batch in batches for i in batch["ids"]), {batch["pid"] for batch in batches}

    whole, _ = read(StreamingLoader(TellsItsWorker(), num_workers=0))
    assert whole == ["0:a", "0:b", "0:c", "0:d", "0:e"]
    loader = StreamingLoader(TellsItsWorker(), num_workers=2, persistent=True)
    first, workers = read(loader)
    assert first == whole and len(workers) == 2 and os.getpid() not in workers
    next(iter(loader))  # a pass left early: what its workers had read on is not the next pass's
    for _ in range(2):
        assert read(loader) == (whole, workers)
    loader.set_epoch(1)
    later, others = read(loader)
    assert later == [clip.replace("0:", "1:") for clip in whole] and not others & workers


def test_a_data_set_class_of_a_notebooks_main_is_refused_by_name_before_workers_start(monkeypatch):
    """A class defined in a notebook (or `python -c`) lives in a `__main__` no worker can import: each worker
    failed with "Can't get attribute 'InTheNotebook' on <module '__main__'>" from inside torch's loader."""
    notebook = type(sys)("__main__")  # no __file__, no __spec__: as Jupyter's
    in_the_notebook = type("InTheNotebook", (NeedsTheLock,), {"__module__": "__main__"})
    notebook.InTheNotebook = in_the_notebook
    monkeypatch.setitem(sys.modules, "__main__", notebook)
    with pytest.raises(TypeError, match=r"^InTheNotebook: defined in __main__ .*Define it in a module"):
        next(iter(StreamingLoader(in_the_notebook(), num_workers=2)))
