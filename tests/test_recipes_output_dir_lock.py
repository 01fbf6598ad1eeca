# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""One run per --output_dir: torchrun's workers live on after their launcher is killed (they run in sessions of
their own), so a restart could start a second run writing the folder the first still writes. The second is refused
before anything loads, naming the run that holds the folder."""

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import fresh_python
from process_tree import running
from test_recipes_finetune import EVALUATE, FINETUNE, REPO, TINY_MODEL, env
from test_recipes_user_errors import PREDICT, last_line, run_recipe, write_up_down_clips

# What a live run does to its --output_dir, as docs/training-and-data.md ("One run per --output_dir") describes it:
# an fcntl record lock (lockf) on `.run.lock`, which names its holder.
HOLDER = """
import fcntl, os, socket, sys, time
lock = open(os.path.join(sys.argv[1], ".run.lock"), "a+")
fcntl.lockf(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
lock.truncate(0)
lock.write(f"host {socket.gethostname()}, pid {os.getpid()}\\n")
lock.flush()
print("held", flush=True)
time.sleep(600)
"""


@contextlib.contextmanager
def held(folder):
    """`folder` held by a live run (HOLDER) for the block; the run killed after it."""
    holder = start_holder(HOLDER, folder)
    try:
        yield holder
    finally:
        holder.kill()
        holder.wait()


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


def hold_and_sleep(folder: Path, said: Path) -> None:
    """A run holding `folder` (`hold_output_dir`) until it is killed; "held" into `said` once it holds it."""
    from vivit_hf.training.checkpoints import hold_output_dir

    said.write_text(str(hold_output_dir(folder)))
    time.sleep(600)
    os._exit(0)


def look_with_hold_output_dir(folder: Path, said: Path) -> None:
    """What `hold_output_dir(folder)` says in a process of its own (a lock is a process's), into `said`."""
    from vivit_hf.training.checkpoints import hold_output_dir

    said.write_text(str(hold_output_dir(folder)))
    os._exit(0)  # (no pytest teardown in a forked process)


def test_the_lock_of_a_killed_run_is_free_at_once(tmp_path):
    """No stale lock: a run killed with SIGKILL (the OOM killer) leaves the folder free for the next."""
    import multiprocessing

    # each a process forked from the pytest worker, which has the code imported (a new interpreter costs seconds)
    context = multiprocessing.get_context("fork")
    folder = tmp_path / "out"
    folder.mkdir()
    holder = context.Process(target=hold_and_sleep, args=(folder, tmp_path / "holder"))
    holder.start()
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "holder").is_file() and time.monotonic() < deadline and holder.is_alive():
            time.sleep(0.05)
        assert (tmp_path / "holder").read_text() == "None"  # it holds the folder

        def look(name: str) -> str:
            looker = context.Process(target=look_with_hold_output_dir, args=(folder, tmp_path / name))
            looker.start()
            looker.join(timeout=60)
            return (tmp_path / name).read_text()

        assert f"pid {holder.pid})" in look("held")
        os.kill(holder.pid, signal.SIGKILL)
        holder.join(timeout=60)
        assert look("free") == "None"
    finally:
        if holder.is_alive():
            holder.kill()
            holder.join()


def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (Linux's /proc/<pid>/task/*/children)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def test_workers_whose_launcher_was_killed_stop_at_once_keeping_their_last_checkpoint(tmp_path):
    """torchrun starts its workers in sessions of their own: a SIGKILL to the launcher's process group (the OOM
    killer, a scheduler) left them training, writing checkpoints and the final model with no launcher. They now
    stop as at SIGTERM, within seconds, with the line naming the checkpoint kept, and write no final model."""
    write_up_down_clips(tmp_path / "data", per_class=4)
    out = tmp_path / "out"
    launcher = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]
    command = [*launcher, str(FINETUNE), *TINY_MODEL, "--dataset", str(tmp_path / "data"), "--output_dir", str(out)]
    command += ["--checkpointing_steps", "2", "--max_train_steps", "100000"]
    log = (tmp_path / "log").open("w")
    group = subprocess.Popen(command, cwd=REPO, env=env(), stdout=log, stderr=log, start_new_session=True)
    workers = []
    try:
        deadline = time.monotonic() + 240
        while not list(out.glob("checkpoints/step_*")) and time.monotonic() < deadline and group.poll() is None:
            time.sleep(0.5)
        workers = _children(group.pid)
        assert len(workers) == 2 and list(out.glob("checkpoints/step_*")), (tmp_path / "log").read_text()[-3000:]
        os.killpg(group.pid, signal.SIGKILL)  # the launcher's group: its workers are in sessions of their own
        group.wait()
        deadline = time.monotonic() + 30
        while any(map(running, workers)) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not any(map(running, workers)), "the workers went on training without their launcher"
    finally:
        for pid in workers:
            if running(pid):
                os.kill(pid, signal.SIGKILL)
        if group.poll() is None:
            os.killpg(group.pid, signal.SIGKILL)
    stderr = (tmp_path / "log").read_text()
    # a kill between a save's state file and its rename leaves `.tmp-step_N` whole, which the next run puts in place
    # and resumes: that one is the last kept
    steps = [int(path.name[5:]) for path in out.glob("checkpoints/step_*")]
    for state in out.glob("checkpoints/.tmp-step_*/trainer_state.json"):
        with contextlib.suppress(ValueError):  # (one cut short by the kill is no save's)
            json.loads(state.read_text())
            steps.append(int(state.parent.name.removeprefix(".tmp-step_")))
    last_step = max(steps)
    last = out / "checkpoints" / f"step_{last_step}"
    assert stderr.strip().splitlines()[-1] == (
        f"interrupted: the last checkpoint, {last}, is kept; the same command again continues from it"
    ), stderr[-3000:]
    assert not (out / "config.json").exists() and not (out / "model.safetensors").exists()
    assert not (out / ".run.lock").exists()  # given up as rank 0 stopped (it was left, naming the stopped run)


def test_a_run_whose_accelerate_launcher_alone_was_killed_stops_at_once(tmp_path):
    """`accelerate launch` on one process (the README's main command, on a CPU or one GPU) runs the recipe as a plain
    child, not under torchrun: a SIGKILL to the launcher alone (`kill -9` of its pid) left the recipe training to its
    end with no launcher, its output going nowhere (or, with `-q`, into a pipe no one read: it died at its next line,
    mid-run), while holding --output_dir against a restart. It now stops as at SIGTERM, keeping its last checkpoint."""
    write_up_down_clips(tmp_path / "data", per_class=4)
    out = tmp_path / "out"
    launcher = [sys.executable, "-m", "accelerate.commands.launch", "--num_processes", "1", "--num_machines", "1"]
    launcher += ["--mixed_precision", "no", "--dynamo_backend", "no"]
    command = [*launcher, str(FINETUNE), *TINY_MODEL, "--dataset", str(tmp_path / "data"), "--output_dir", str(out)]
    command += ["--checkpointing_steps", "2", "--max_train_steps", "100000"]
    log = (tmp_path / "log").open("w")
    launch = subprocess.Popen(command, cwd=REPO, env=env(), stdout=log, stderr=log, start_new_session=True)
    recipe = []
    try:
        deadline = time.monotonic() + 240
        while not list(out.glob("checkpoints/step_*")) and time.monotonic() < deadline and launch.poll() is None:
            time.sleep(0.5)
        recipe = _children(launch.pid)
        assert len(recipe) == 1 and list(out.glob("checkpoints/step_*")), (tmp_path / "log").read_text()[-3000:]
        os.kill(launch.pid, signal.SIGKILL)  # the launcher alone: the recipe is its child, in its process group
        launch.wait()
        deadline = time.monotonic() + 30
        while running(recipe[0]) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not running(recipe[0]), "the recipe went on training without its launcher"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(launch.pid, signal.SIGKILL)
    # (its line went into the launcher's pipe, which no one reads now)
    assert list(out.glob("checkpoints/step_*")) and not (out / "model.safetensors").exists()
    assert not (out / ".run.lock").exists()


# ---------------------------------------------------------------- evaluate.py and predict.py take the same lock
def evaluation_setup(root: Path) -> tuple[Path, Path]:
    """A tiny random model of `down`, `up` and a test split of 2 clips a class (tests/test_recipes_evaluate.py's)."""
    from test_recipes_evaluate import CLASSES, tiny_model
    from test_recipes_finetune import tiny_clip

    for label, name in enumerate(CLASSES):
        for i in range(2):
            tiny_clip(root / "data" / "test" / name / f"{name}_{i}.mp4", label, seed=10 * label + i)
    tiny_model(root / "model", CLASSES)
    return root / "model", root / "data"


def refusal_of(pid: int, named: str, folder) -> str:
    return (
        f"error: {named} {folder} is being written by a run that is still alive (host {socket.gethostname()}, pid "
        f"{pid}); stop it (or wait for it to end) before starting another there"
    )


# `python SCRIPT ARGS` twice at once, each child's stderr into a file of its own (forked from the fresh_python server,
# which has the heavy libraries imported: two new interpreters cost some 10 s of CPU); `pid:status` of each, on stdout.
TWICE_AT_ONCE = """
import os, runpy, sys
script, said, args = sys.argv[1], sys.argv[2:4], sys.argv[4:]
children = []
for path in said:
    child = os.fork()
    if child == 0:  # ends as `python SCRIPT ARGS` does: sys.exit's status, or a traceback and 1; atexit handlers run
        os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
        os.dup2(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), 2)
        sys.argv, sys.path[0] = [script, *args], os.path.dirname(script)
        runpy.run_path(script, run_name="__main__")
        sys.exit(0)
    children.append(child)
print(*(f"{child}:{os.waitstatus_to_exitcode(os.waitpid(child, 0)[1])}" for child in children))
"""


def test_two_evaluations_started_together_into_one_folder_write_one_whole_result(tmp_path):
    """Both staged their results in `<out>/.tmp-final`, each deleting it as it began: one failed with a
    FileNotFoundError traceback after its whole evaluation, or the later replaced the earlier's results without a
    word. Now the second is refused in one line naming the first, exit 2, and the first's results are whole."""
    model, data = evaluation_setup(tmp_path)
    out = tmp_path / "out"
    said = [tmp_path / "stderr0", tmp_path / "stderr1"]
    command = ["-c", TWICE_AT_ONCE, EVALUATE, *said, "--model", model, "--dataset", data, "--output_dir", out]
    together = fresh_python.server(fresh_python.RECIPES, env()).run([*command, "--num_workers", "0"], cwd=REPO)
    assert together.returncode == 0, together.stderr[-3000:]
    pids, codes = zip(*[map(int, child.split(":")) for child in together.stdout.split()])
    stderr = [path.read_text() for path in said]
    assert sorted(codes) == [0, 2], "\n".join(text[-2000:] for text in stderr)
    winner, refused = (0, 1) if codes[0] == 0 else (1, 0)
    assert last_line(stderr[refused]) == refusal_of(pids[winner], "--output_dir", out)
    assert "Traceback" not in stderr[refused]
    results = json.loads((out / "eval_results.json").read_text())
    assert results["num_samples"] == 4 and len((out / "predictions.jsonl").read_text().splitlines()) == 4
    assert sorted(path.name for path in out.iterdir() if path.name.startswith(".")) == []  # no staging, no lock


def test_an_evaluation_into_a_folder_a_live_run_holds_is_refused_naming_it(tmp_path):
    """A fine-tuning run (or another evaluation) writing --output_dir: refused before the data set is read, exit 2,
    nothing written; the default folder beside the model alike."""
    model, data = evaluation_setup(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    with held(out) as holder:
        result = run_recipe(EVALUATE, "--model", model, "--dataset", data, "--output_dir", out, "--num_workers", 0)
    assert result.returncode == 2, result.stderr[-3000:]
    assert last_line(result.stderr) == refusal_of(holder.pid, "--output_dir", out)
    assert sorted(path.name for path in out.iterdir()) == [".run.lock"]  # nothing written, nothing removed

    default = model / "eval_data_test_1x1"
    default.mkdir()
    with held(default) as holder:
        result = run_recipe(EVALUATE, "--model", model, "--dataset", data, "--num_workers", 0)
    assert result.returncode == 2, result.stderr[-3000:]
    assert last_line(result.stderr) == refusal_of(holder.pid, "the default --output_dir", default)
    assert sorted(path.name for path in default.iterdir()) == [".run.lock"]


def test_an_evaluation_of_a_model_a_live_run_is_writing_is_refused(tmp_path):
    """A fine-tuning run going on in --model's folder replaces the model evaluated (and `--overwrite_output_dir`
    removes its evaluation folders): refused, exit 2, no results folder made; once the run is gone, it evaluates."""
    model, data = evaluation_setup(tmp_path)
    with held(model) as holder:
        result = run_recipe(EVALUATE, "--model", model, "--dataset", data, "--num_workers", 0)
    assert result.returncode == 2, result.stderr[-3000:]
    assert last_line(result.stderr) == (
        f"error: --model {model} is being written by a run that is still alive (host {socket.gethostname()}, pid "
        f"{holder.pid}), which would replace the model while it is evaluated; wait for it to end"
    )
    assert not list(model.glob("eval_*"))
    again = run_recipe(EVALUATE, "--model", model, "--dataset", data, "--num_workers", 0)
    assert again.returncode == 0, again.stderr[-3000:]
    assert (model / "eval_data_test_1x1" / "eval_results.json").is_file()
    # the killed holder's file, as it left it: a look writes nothing in the model's folder
    assert (model / ".run.lock").read_text() == f"host {socket.gethostname()}, pid {holder.pid}\n"


def look_for_a_second_and_a_half(folder: Path, said: Path) -> None:
    """A process looking whether a live run holds `folder` for 1.5 s, as evaluate.py looks at its --model; how many
    looks it made and the first holders it saw, into `said`. Forked from the pytest worker, it has the code imported."""
    from vivit_hf.training.checkpoints import live_run_holding

    end, seen = time.monotonic() + 1.5, []
    while time.monotonic() < end:
        seen.append(live_run_holding(folder))
    said.write_text(json.dumps([len(seen), [holder for holder in seen if holder][:3]]))
    os._exit(0)  # (no pytest teardown in a forked process)


def test_evaluations_of_one_model_looking_at_it_together_do_not_refuse_each_other(tmp_path):
    """Each evaluation looks whether a live run holds its --model. The look took the model's lock for a moment, so
    two evaluations of one model started together (other data sets, side by side, as documented) could find each
    other's look and one was refused as if a fine-tuning run were writing the model. No run holds it here, but its
    `.run.lock` is there (a killed run's, as a fine-tuned model's folder can keep it), so each look takes the lock:
    looks from two processes at once see none."""
    import multiprocessing

    model = tmp_path / "model"
    model.mkdir()
    (model / ".run.lock").write_text("host h, pid 1\n")
    context = multiprocessing.get_context("fork")
    lookers = [
        context.Process(target=look_for_a_second_and_a_half, args=(model, tmp_path / f"said{i}")) for i in range(2)
    ]
    for looker in lookers:
        looker.start()
    for looker in lookers:
        looker.join(timeout=60)
    assert [looker.exitcode for looker in lookers] == [0, 0]
    for i in range(2):
        looks, seen = json.loads((tmp_path / f"said{i}").read_text())
        assert looks > 100 and seen == [], (looks, seen)
    # a look writes nothing in the model's folder
    assert [path.name for path in model.iterdir()] == [".run.lock"]
    assert (model / ".run.lock").read_text() == "host h, pid 1\n"


def test_a_finetune_into_a_folder_whose_model_a_live_evaluation_reads_is_refused(tmp_path):
    """evaluate.py writing `<model>/eval_*` while a fine-tuning run starts there with --overwrite_output_dir: the run
    removed the evaluation's folder, which the evaluation then wrote again, the previous model's results beside the
    new model. Refused, exit 2, the folder untouched."""
    model, _ = evaluation_setup(tmp_path)
    write_up_down_clips(tmp_path / "train_data", per_class=2)
    evaluation = model / "eval_data_test_1x1"
    evaluation.mkdir()
    (evaluation / "eval_results.json").write_text("{}")  # an earlier evaluation's, being replaced
    holder = start_holder(HOLDER, evaluation)
    command = [*TINY_MODEL, "--dataset", tmp_path / "train_data", "--output_dir", model, "--max_train_steps", "1"]
    try:
        result = run_recipe(FINETUNE, *command, "--overwrite_output_dir")
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 2, result.stderr[-3000:]
    assert last_line(result.stderr) == (
        f"error: --output_dir {model}: a run that is still alive (host {socket.gethostname()}, pid {holder.pid}) is "
        "writing eval_data_test_1x1/ there, an evaluation of the model this run would replace; wait for it to end, or "
        "give another --output_dir"
    )
    assert sorted(path.name for path in evaluation.iterdir()) == [".run.lock", "eval_results.json"]
    assert not (model / ".run.lock").exists()


def test_a_prediction_into_a_folder_a_live_run_holds_is_refused_naming_it(tmp_path):
    """Two predict.py runs into one --output_dir (the default, `timelines`, in one working directory) wrote one
    predictions.jsonl at once, each from its own offset. The second is refused, exit 2, writing nothing."""
    from test_recipes_finetune import tiny_clip

    model, _ = evaluation_setup(tmp_path)
    tiny_clip(tmp_path / "a.mp4", 0, seed=1)
    out = tmp_path / "timelines"
    out.mkdir()
    with held(out) as holder:
        result = run_recipe(PREDICT, "--model", model, "--videos", tmp_path / "a.mp4", "--output_dir", out)
    assert result.returncode == 2, result.stderr[-3000:]
    assert last_line(result.stderr) == "predict.py: " + refusal_of(holder.pid, "--output_dir", out)
    assert sorted(path.name for path in out.iterdir()) == [".run.lock"]


def test_a_refused_evaluation_leaves_no_folder_made_for_its_lock(tmp_path):
    """The results' folder is made as the run starts, to hold its lock: a run refused after (a split the data set
    lacks) leaves none behind, as before the lock."""
    model, data = evaluation_setup(tmp_path)
    out = tmp_path / "new" / "out"
    result = run_recipe(EVALUATE, "--model", model, "--dataset", data, "--split", "nosuch", "--output_dir", out)
    assert result.returncode == 2, result.stderr[-3000:]
    assert "no split 'nosuch'" in last_line(result.stderr)
    assert not (tmp_path / "new").exists()


def test_a_look_at_a_models_lock_writes_nothing_in_a_folder_no_run_holds(tmp_path):
    # evaluate.py looks whether a live fine-tuning run holds its --model: in a folder no run writes (a model in the Hub
    # cache, another user's checkpoint) the look created a `.run.lock` and removed it, writing in a folder it only reads
    from vivit_hf.training.checkpoints import live_run_holding

    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text("{}")
    before = os.stat(model).st_mtime_ns
    time.sleep(0.01)
    assert live_run_holding(model) is None
    assert sorted(p.name for p in model.iterdir()) == ["config.json"] and os.stat(model).st_mtime_ns == before
    with held(model) as holder:  # a live run's lock is still seen
        assert live_run_holding(model) == f"host {socket.gethostname()}, pid {holder.pid}"
    assert live_run_holding(model) is None  # the killed run's file names it, and holds nothing


def test_a_file_system_without_locks_warns_and_runs_rather_than_refusing_every_run(tmp_path, monkeypatch, caplog):
    # lockf answers ENOLCK on a mount with no lock support (FUSE, NFS without its lock daemon): every run there was
    # refused as written by "a run that is still alive (another process)", though none was
    import errno
    import fcntl

    from vivit_hf.training import checkpoints

    def no_locks(file, operation):
        raise OSError(errno.ENOLCK, os.strerror(errno.ENOLCK))

    monkeypatch.setattr(fcntl, "lockf", no_locks)
    out = tmp_path / "out"
    out.mkdir()
    with caplog.at_level("WARNING"):
        assert checkpoints.hold_output_dir(out) is None
    assert f"{out}: its file system takes no locks" in caplog.text
    (out / ".run.lock").write_text("host h, pid 1\n")  # a file some run left: no lock can say it is alive
    assert checkpoints.live_run_holding(out) is None
    checkpoints.release_held_output_dirs()


def test_an_output_dir_this_user_cannot_write_is_refused_in_one_line_before_its_lock(tmp_path, monkeypatch):
    """A --output_dir on a read-only mount (or another user's folder) was an OSError traceback from opening the
    lock's file (`Read-only file system: '.../.run.lock'`, status 1, measured on a tmpfs remounted read-only); now the
    line of any other unusable --output_dir, status 2, before anything is written. Where chmod binds no one (root),
    access(2) answers as it does for another user."""
    import pytest
    from test_recipes_finetune import load_recipe

    from vivit_hf.training.finetune_flags import parse_args
    from vivit_hf.training.flags import CommandLineRefused

    out = tmp_path / "out"
    out.mkdir()
    out.chmod(0o500)
    try:
        try:
            (out / "probe").touch()
        except PermissionError:
            pass  # chmod binds this user
        else:
            (out / "probe").unlink()
            access = os.access
            monkeypatch.setattr(os, "access", lambda path, mode, **kw: Path(path) != out and access(path, mode, **kw))
        recipe = load_recipe()
        args = parse_args([*TINY_MODEL, "--output_dir", str(out)])
        with pytest.raises(CommandLineRefused) as refused:
            recipe.take_output_dir(args, out, 1)
        assert refused.value.message == (
            f"--output_dir {out} cannot be written: this user may not write there; give a folder this user can write"
        )
        below = out / "new" / "run"  # made there: the same
        args = parse_args([*TINY_MODEL, "--output_dir", str(below)])
        with pytest.raises(CommandLineRefused) as refused:
            recipe.take_output_dir(args, below, 1)
        assert f"--output_dir {below} cannot be written ({out}, where it would be made)" in refused.value.message
    finally:
        out.chmod(0o700)
    assert list(out.iterdir()) == []  # no lock file, nothing else


def test_a_checkpoint_whose_state_file_was_cut_short_is_refused_naming_it(tmp_path):
    """A run folder copied by a copy stopped midway: checkpoints/step_4/trainer_state.json cut short. Resuming it (or
    the same command again) died in a JSONDecodeError traceback ("Unterminated string starting at: line 1 column 2"),
    naming no file; now one line naming it, before the folder is held. --overwrite_output_dir, which removes it,
    goes on."""
    import argparse

    import pytest
    from test_recipes_finetune import load_recipe

    from vivit_hf.training.checkpoints import release_output_dir
    from vivit_hf.training.flags import CommandLineRefused

    out = tmp_path / "out"
    for step, state in ((2, '{"completed_steps": 2, "epoch": 0}'), (4, '{"completed_st')):
        (out / "checkpoints" / f"step_{step}").mkdir(parents=True)
        (out / "checkpoints" / f"step_{step}" / "trainer_state.json").write_text(state)
    recipe = load_recipe()
    args = argparse.Namespace(**vars(recipe.parse_args([*TINY_MODEL, "--output_dir", str(out)])))
    args.resume_from_checkpoint = "latest"
    with pytest.raises(CommandLineRefused) as refused:
        recipe.decide_start(args, out, 1)
    assert refused.value.message == (
        f"--output_dir {out}: {out / 'checkpoints' / 'step_4' / 'trainer_state.json'} does not read "
        "(JSONDecodeError: Unterminated string starting at: line 1 column 2 (char 1)), so step_4 is no checkpoint that "
        f"can be resumed (a copy stopped midway?): copy it again, or move {out / 'checkpoints' / 'step_4'} away to go "
        "on from the others"
    )
    assert not (out / ".run.lock").exists()
    args.resume_from_checkpoint, args.overwrite_output_dir = None, True
    try:
        recipe.take_output_dir(args, out, 1)  # (its removal comes later, in ready_output_dir)
    finally:
        release_output_dir(out)


def test_a_checkpoint_outside_the_output_dir_whose_state_file_was_cut_short_is_refused_naming_it(tmp_path):
    """`--resume_from_checkpoint /other/run/checkpoints/step_4` (a run moved to another disk, given by its path, outside
    --output_dir) whose trainer_state.json a copy stopped midway cut short: still the JSONDecodeError traceback
    ("Unterminated string starting at: line 1 column 2"), naming no file, where inside --output_dir it is one line.
    Now one line naming the file too, before anything loads."""
    import argparse

    import pytest
    from test_recipes_finetune import load_recipe

    from vivit_hf.training.checkpoints import release_output_dir
    from vivit_hf.training.flags import CommandLineRefused

    out, elsewhere = tmp_path / "out", tmp_path / "other" / "checkpoints" / "step_4"
    elsewhere.mkdir(parents=True)
    (elsewhere / "trainer_state.json").write_text('{"completed_st')
    recipe = load_recipe()
    args = argparse.Namespace(**vars(recipe.parse_args([*TINY_MODEL, "--output_dir", str(out)])))
    args.resume_from_checkpoint = str(elsewhere)
    try:
        with pytest.raises(CommandLineRefused) as refused:
            recipe.decide_start(args, out, 1)
    finally:
        release_output_dir(out)
    assert refused.value.message == (
        f"--resume_from_checkpoint {elsewhere}: {elsewhere / 'trainer_state.json'} does not read (JSONDecodeError: "
        "Unterminated string starting at: line 1 column 2 (char 1)), so it is no checkpoint that can be resumed (a "
        "copy stopped midway?): copy it again, or resume another checkpoint"
    )


def test_a_linked_checkpoint_whose_state_file_was_cut_short_is_refused_naming_it_too(tmp_path):
    """A checkpoint folder linked from another disk (`checkpoints/step_4 -> /big/step_4`) is listed and read as any
    other (`list_checkpoints`): its state file cut short was still the JSONDecodeError traceback, the refusal passing
    links over."""
    import argparse

    import pytest
    from test_recipes_finetune import load_recipe

    from vivit_hf.training.flags import CommandLineRefused

    out, elsewhere = tmp_path / "out", tmp_path / "big" / "step_4"
    (out / "checkpoints" / "step_2").mkdir(parents=True)
    (out / "checkpoints" / "step_2" / "trainer_state.json").write_text('{"completed_steps": 2, "epoch": 0}')
    elsewhere.mkdir(parents=True)
    (elsewhere / "trainer_state.json").write_text('{"completed_st')
    (out / "checkpoints" / "step_4").symlink_to(elsewhere)
    recipe = load_recipe()
    args = argparse.Namespace(**vars(recipe.parse_args([*TINY_MODEL, "--output_dir", str(out)])))
    args.resume_from_checkpoint = "latest"
    with pytest.raises(CommandLineRefused) as refused:
        recipe.decide_start(args, out, 1)
    assert f"{out / 'checkpoints' / 'step_4' / 'trainer_state.json'} does not read" in refused.value.message
