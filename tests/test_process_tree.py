"""A torchrun launch that overruns its timeout is killed whole (tests/process_tree.py): its workers, which torchrun
starts in sessions of their own, included."""

import subprocess
import sys
import time

import psutil
import pytest
from process_tree import run_launch

# A worker that writes down its pid, then never ends (as a hung collective would not).
HANG = """
import os, sys, time
open(sys.argv[1] + "/" + os.environ["RANK"], "w").write(str(os.getpid()))
time.sleep(600)
"""


def test_a_launch_past_its_timeout_leaves_no_worker_running(tmp_path):
    script = tmp_path / "hang.py"
    script.write_text(HANG)
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]
    command += [str(script), str(tmp_path)]
    pids = [tmp_path / str(rank) for rank in (0, 1)]

    def both_started(launcher_pid):
        """Until each worker has written its pid: the timeout (15 s) was all the time torchrun (which imports torch)
        had to start both, on a loaded machine too (a pid not written yet: a file missing or empty), and an idle
        machine waited it out whole."""
        deadline = time.monotonic() + 120
        while not all(path.is_file() and path.read_text() for path in pids) and time.monotonic() < deadline:
            time.sleep(0.1)

    with pytest.raises(subprocess.TimeoutExpired):
        run_launch(command, timeout=1, before_kill=both_started)
    workers = [int(path.read_text()) for path in pids]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(map(running, workers)):
        time.sleep(0.1)
    alive = [pid for pid in workers if running(pid)]
    assert not alive, f"workers {alive} of the killed launch still run"


def running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
