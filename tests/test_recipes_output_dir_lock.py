# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""One run per --output_dir: torchrun's workers live on after their launcher is killed (they run in sessions of
their own), so a restart could start a second run writing the folder the first still writes. The second is refused
before anything loads, naming the run that holds the folder."""

import os
import signal
import socket
import subprocess
import sys

from test_recipes_finetune import FINETUNE, TINY_MODEL, env
from test_recipes_user_errors import last_line, run_recipe, write_up_down_clips

# What a live run does to its --output_dir, as docs/training-and-data.md ("One run per --output_dir") describes it:
# flock(2) on `.run.lock`, which names its holder.
HOLDER = """
import fcntl, os, socket, sys, time
lock = open(os.path.join(sys.argv[1], ".run.lock"), "a+")
fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
lock.truncate(0)
lock.write(f"host {socket.gethostname()}, pid {os.getpid()}\\n")
lock.flush()
print("held", flush=True)
time.sleep(600)
"""


def start_holder(code: str, folder) -> subprocess.Popen:
    holder = subprocess.Popen([sys.executable, "-c", code, str(folder)], stdout=subprocess.PIPE, text=True, env=env())
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_a_second_run_on_an_output_dir_a_live_run_holds_is_refused_naming_it(tmp_path):
    write_up_down_clips(tmp_path / "data", per_class=2)
    out = tmp_path / "out"
    out.mkdir()
    holder = start_holder(HOLDER, out)
    command = [*TINY_MODEL, "--dataset", tmp_path / "data", "--output_dir", out, "--max_train_steps", "1"]
    try:
        result = run_recipe(FINETUNE, *command)
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 2, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert last_line(result.stderr) == (
        f"error: --output_dir {out} is being written by a run that is still alive (host {socket.gethostname()}, pid "
        f"{holder.pid}); stop it (or wait for it to end) before starting another there"
    )
    assert sorted(path.name for path in out.iterdir()) == [".run.lock"]  # nothing written, nothing removed

    # killed (SIGKILL), the holder left its file but no lock: the same command runs, and its own lock file goes
    again = run_recipe(FINETUNE, *command)
    assert again.returncode == 0, again.stderr[-3000:]
    assert (out / "model.safetensors").is_file() and not (out / ".run.lock").exists()


def test_the_lock_of_a_killed_run_is_free_at_once(tmp_path):
    """No stale lock: a run killed with SIGKILL (the OOM killer) leaves the folder free for the next."""
    holder = start_holder(
        "import sys, time\nfrom vivit_hf.training.checkpoints import hold_output_dir\n"
        "assert hold_output_dir(sys.argv[1]) is None\nprint('held', flush=True)\ntime.sleep(600)\n",
        tmp_path,
    )
    check = "import sys\nfrom vivit_hf.training.checkpoints import hold_output_dir\nprint(hold_output_dir(sys.argv[1]))"
    held = subprocess.run([sys.executable, "-c", check, str(tmp_path)], capture_output=True, text=True, env=env())
    assert f"pid {holder.pid})" in held.stdout, held.stdout + held.stderr
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    free = subprocess.run([sys.executable, "-c", check, str(tmp_path)], capture_output=True, text=True, env=env())
    assert free.stdout.strip() == "None", free.stdout + free.stderr
