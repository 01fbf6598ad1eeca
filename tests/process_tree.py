"""Launchers (torchrun, accelerate launch) run from tests, killed whole when they overrun.

`subprocess.run(..., timeout=...)` kills only the process it started. torchrun starts its workers in sessions of
their own, so a launch that hung (the thing a timeout is there for) left its workers running, orphaned, taking the
CPU of every test after it, and of CI's time limit. These kill the launcher and every process below it;
`running` is whether a process a test left behind still runs (a zombie does not)."""

from __future__ import annotations

import subprocess

import psutil


def kill_tree(pid: int) -> None:
    """Kill `pid` and every process it started, theirs included, whatever session they are in."""
    try:
        root = psutil.Process(pid)
        processes = [*root.children(recursive=True), root]
    except psutil.NoSuchProcess:
        return
    for process in processes:
        try:
            process.kill()
        except psutil.NoSuchProcess:
            pass


def running(pid: int) -> bool:
    """Whether process `pid` runs: one that has exited is a zombie until its parent reaps it (an orphan's parent is
    init, or a subreaper, which may take a while), and still listed."""
    try:
        return psutil.Process(pid).status() not in (psutil.STATUS_ZOMBIE, psutil.STATUS_DEAD)
    except psutil.NoSuchProcess:
        return False


def run_launch(command, timeout: float, before_kill=None, **kwargs) -> subprocess.CompletedProcess:
    """`subprocess.run(command, capture_output=True, text=True, timeout=timeout, **kwargs)`, except that a launch
    that overruns `timeout` is killed with every process below it before `TimeoutExpired` is raised (after
    `before_kill(launcher's pid)`, where given: what to ask of its processes while they still run)."""
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs) as process:
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            if before_kill is not None:
                before_kill(process.pid)
            kill_tree(process.pid)
            stdout, stderr = process.communicate()
            raise subprocess.TimeoutExpired(command, timeout, stdout, stderr) from None
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)
