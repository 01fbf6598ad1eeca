"""A torchrun launch that overruns its timeout is killed whole (tests/process_tree.py): its workers, which torchrun
starts in sessions of their own, included."""

import subprocess
import sys
import time

import pytest
from process_tree import run_launch, running

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
    # A short limit, the kill held until both workers run (torchrun's own start takes seconds): the launch is killed
    # with its workers up, whatever the machine's load, without waiting out a limit long enough for that start.
    with pytest.raises(subprocess.TimeoutExpired):
        run_launch(command, timeout=1, before_kill=lambda _: both_started(tmp_path))
    workers = [int((tmp_path / str(rank)).read_text()) for rank in (0, 1)]  # both started before the kill
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(map(running, workers)):
        time.sleep(0.1)
    alive = [pid for pid in workers if running(pid)]
    assert not alive, f"workers {alive} of the killed launch still run"


def both_started(folder, limit: float = 120) -> None:
    """Wait (at most `limit` s) until both HANG workers have written their pid into `folder`."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and not all(pid_written(folder / str(rank)) for rank in (0, 1)):
        time.sleep(0.1)


def pid_written(path) -> bool:
    return path.is_file() and path.stat().st_size > 0
