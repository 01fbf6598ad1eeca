# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""A process of a run whose peer died (killed, its machine down) ends with one line, status 1, naming what gloo
says of the lost peer and what is kept (the recipe's `interrupted` line), not gloo's RuntimeError traceback."""

import os
import signal
import socket
import time

import fresh_python
from process_tree import running
from test_recipes_finetune import REPO, env

# Two processes in one gloo group, each running a loop of collectives through `run_as_command` as the recipes do;
# rank 1 is SIGKILLed after a few (the OOM killer, a machine that went down).
PEERS = """
import atexit, os, signal, sys, time
import torch, torch.distributed as dist
from vivit_hf.training.launch import run_as_command

# Interpreter shutdown destroys the broken group's gloo threads joinable: "terminate called without an active
# exception", SIGABRT (status -6 where 1 was said; once in a suite run). Its mark: atexit's handlers run.
atexit.register(lambda: print("interpreter shutdown", file=sys.stderr))

rank, port = int(sys.argv[1]), sys.argv[2]
os.environ.update(RANK=str(rank), LOCAL_RANK="0")  # one process a machine, as two machines' first ones


def main(argv):
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=2)
    total = torch.ones(1)
    for step in range(100000):
        dist.all_reduce(total)
        if rank == 1 and step == 3:
            os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(0.01)


run_as_command(main, [], (), lambda: "interrupted: the last checkpoint, out/checkpoints/step_2, is kept")
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# Both processes, each PEERS as `python -c PEERS RANK PORT` runs it (a new `__main__`, its argv): one child of
# tests/fresh_python.py's server, which has imported torch, forks the peer (its output discarded, its pid written to
# PIDFILE) and runs rank 0 itself. Two new interpreters paid ~5 s of CPU each for imports, for a claim about how one
# of them ends; the survivor still ends as a process does (its atexit handlers run at an interpreter's shutdown).
BOTH = """import os, sys
peers, port, pidfile = sys.argv[1:]
pid = os.fork()
if pid == 0:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    sys.argv = ["-c", "1", port]
    exec(compile(peers, "<string>", "exec"), {"__name__": "__main__"})
    os._exit(0)
open(pidfile, "w").write(str(pid))
sys.argv = ["-c", "0", port]
exec(compile(peers, "<string>", "exec"), {"__name__": "__main__"})
"""


def test_a_process_whose_peer_died_ends_in_one_line_naming_it_and_what_is_kept(tmp_path):
    port, pidfile = str(free_port()), tmp_path / "peer.pid"
    server = fresh_python.server(fresh_python.RECIPES, env())
    try:
        survivor = server.run(["-c", BOTH, PEERS, port, pidfile], cwd=REPO, timeout=120)
        peer, ends = int(pidfile.read_text()), time.monotonic() + 60
        while running(peer) and time.monotonic() < ends:
            time.sleep(0.1)
        assert not running(peer), "the peer did not end"
    finally:
        if pidfile.is_file() and running(int(pidfile.read_text())):
            os.kill(int(pidfile.read_text()), signal.SIGKILL)
    assert survivor.returncode == 1, survivor.stderr[-3000:]
    assert "Traceback" not in survivor.stderr, survivor.stderr[-3000:]
    assert "interpreter shutdown" not in survivor.stderr, survivor.stderr[-3000:]  # ended past the broken group
    line = survivor.stderr.strip().splitlines()[-1]
    assert line.startswith("error: another process of this run is gone (connection "), line
    assert "by peer at [127.0.0.1]:" in line, line
    assert line.endswith(
        "so this one stopped too; interrupted: the last checkpoint, out/checkpoints/step_2, is kept"
    ), line
