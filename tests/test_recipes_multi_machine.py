# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""recipes/finetune.py on two "machines": two torchrun launchers (--nnodes 2, one process each) on 127.0.0.1, each in
a folder of its own, so that a relative --output_dir is a disk the machines do not share. Whatever one machine
decides before the run starts, every machine must hear within seconds: a refusal, a command line that differs, a
checkpoint the other lacks. Without that, the others waited for it at their first collective for 30 minutes (gloo's
default timeout), or trained apart in silence. The runs share one launch of both machines (`launch_machines`): a
launch of several runs imports the recipe once a machine, not once a run."""

import json
import shutil
import socket
import subprocess
import sys
import time

import pytest
from process_tree import kill_tree
from run_once import run_once
from test_recipes_distributed import run_ended, run_record, write_runs_in_one_launch
from test_recipes_finetune import EVALUATE, FINETUNE, TINY_MODEL, env
from video_factory import ramp_videofolder

from vivit_hf.training.agreement import disagreement

# Seconds a launch of both machines may take: imports, the agreement, and (where the run starts) two steps.
# A machine left waiting for the other hangs for 30 minutes; the test stops it here and says so.
LAUNCH_TIMEOUT = 240
RUN = [*TINY_MODEL, "--hidden_dropout_prob", "0", "--max_train_steps", "2"]


# This file's data set and launches are made once for both pytest-xdist workers (`run_once`: its tests can be dealt
# to both), and only read by the tests.
@pytest.fixture(scope="module")
def small_videofolder(tmp_path_factory):
    return made_small_videofolder(tmp_path_factory)


def made_small_videofolder(tmp_path_factory):
    def write(folder):
        ramp_videofolder(folder, counts=(("train", 4), ("test", 2)), width=16)
        return {}

    return run_once(tmp_path_factory, "small_videofolder", write)[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_machines(root, flags_of_machine, script=None, dump_after=None) -> list:
    """Start finetune.py (or `script`) on two machines: torchrun launchers in folders root/machine0 and root/machine1,
    machine r with flags_of_machine[r], each writing its output into stderr.txt there; returns [(launcher, log
    file), ...]. `dump_after`: seconds after which a `RUNS_IN_ONE_LAUNCH` script dumps its stacks (see there)."""
    port = free_port()
    environment = dict(env(), **({"DUMP_AFTER": str(dump_after)} if dump_after else {}))
    launchers = []
    for rank, flags in enumerate(flags_of_machine):
        folder = root / f"machine{rank}"
        folder.mkdir(parents=True, exist_ok=True)
        command = [
            *(sys.executable, "-m", "torch.distributed.run", "--nnodes", "2", "--node_rank", str(rank)),
            *("--nproc_per_node", "1", "--master_addr", "127.0.0.1", "--master_port", str(port)),
            *(str(script or FINETUNE), *map(str, flags)),
        ]
        log = open(folder / "stderr.txt", "w")
        launchers.append((subprocess.Popen(command, cwd=folder, env=environment, stdout=log, stderr=log), log))
    return launchers


def stop_machines(launchers) -> None:
    """Kill what still runs of each machine (torchrun starts its workers in sessions of their own: each is killed by
    its id), and close the logs."""
    for launcher, log in launchers:
        if launcher.poll() is None:
            kill_tree(launcher.pid)
        launcher.wait()
        log.close()


def wait_for_machines(launchers, timeout) -> list[int]:
    """Wait up to `timeout` seconds for every machine's launcher to exit, then kill what still runs
    (`stop_machines`); returns the machines that had not exited (a hang)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(p.poll() is None for p, _ in launchers):
        time.sleep(0.5)
    hung = [rank for rank, (p, _) in enumerate(launchers) if p.poll() is None]
    stop_machines(launchers)
    return hung


def launch_machines(root, runs, timeout, script=FINETUNE, scripts=None):
    """Run finetune.py (or `script`, or `scripts[name]` where given) on two machines for each of `runs`, {name: [flags
    of machine 0, flags of machine 1]}, one after the other in one launch of each machine (`RUNS_IN_ONE_LAUNCH`: the
    processes import the recipe once, not once a run; a run's refusal ends that run, not the process): machine r runs
    `name` in root/name/machine<r>.
    Returns {name: [(status, output, seconds), ...] by machine}; fails naming the runs that did not end on both
    machines within `timeout` (a hang: every process of both is killed)."""
    runner = write_runs_in_one_launch(root)
    logs = {name: root / name / "logs" for name in runs}
    for rank in (0, 1):
        plan = []
        for name, flags_of_machine in runs.items():
            (root / name / f"machine{rank}").mkdir(parents=True, exist_ok=True)
            logs[name].mkdir(exist_ok=True)
            argv = [str((scripts or {}).get(name, script)), *map(str, flags_of_machine[rank])]
            plan.append({"argv": argv, "folder": str(logs[name]), "cwd": str(root / name / f"machine{rank}")})
        (root / f"runs_machine{rank}.json").write_text(json.dumps(plan))
    launchers = start_machines(
        root, [[root / f"runs_machine{rank}.json"] for rank in (0, 1)], script=runner, dump_after=max(timeout - 30, 1)
    )
    hung = wait_for_machines(launchers, timeout)
    ended = {name: [run_ended(logs[name], rank) for rank in (0, 1)] for name in runs}
    if hung or not all(all(both) for both in ended.values()):
        tails = "\n".join(
            f"--- machine {r}:\n{(root / f'machine{r}' / 'stderr.txt').read_text()[-3000:]}" for r in (0, 1)
        )
        unfinished = {name: both for name, both in ended.items() if not all(both)}
        for name, both in unfinished.items():  # where a run waited: the stacks its processes dumped (dump_after)
            for rank in (r for r in (0, 1) if not both[r] and (logs[name] / f"stderr_rank{r}.txt").is_file()):
                tails += (
                    f"\n--- {name} on machine {rank}:\n{(logs[name] / f'stderr_rank{rank}.txt').read_text()[-3000:]}"
                )
        pytest.fail(f"runs not ended on (machine 0, machine 1) after {timeout}s (a hang?): {unfinished}\n{tails}")
    results = {}
    for name in runs:
        results[name] = []
        for rank in (0, 1):
            status, stdout, stderr = run_record(logs[name], rank)
            results[name].append((status["status"], stdout + stderr, status["seconds"]))
    return results


def two_machines(root, flags_of_machine, timeout=LAUNCH_TIMEOUT, script=None):
    """Run finetune.py (or `script`) once on two machines (`start_machines`); returns [(returncode, output), ...] once
    both have exited, or fails naming the machines still running at `timeout` (a hang), after killing every process
    of both."""
    launchers = start_machines(root, flags_of_machine, script)
    hung = wait_for_machines(launchers, timeout)
    logs = [(root / f"machine{rank}" / "stderr.txt").read_text() for rank in range(len(launchers))]
    if hung:
        tails = "\n".join(f"--- machine {r}:\n{logs[r][-2000:]}" for r in range(len(logs)))
        pytest.fail(f"machine(s) {hung} still running after {timeout}s (a hang):\n{tails}")
    return [(p.returncode, text) for (p, _), text in zip(launchers, logs)]


def error_lines(log: str) -> list[str]:
    return [line for line in log.splitlines() if line.startswith("error: ")]


# Seconds within which a refusal must have stopped its run on both machines: a machine left waiting for the other
# waits for --ddp_timeout, 30 minutes by default. (A run in a launch of several imports nothing: `launch_machines`.)
REFUSED_WITHIN = 60


@pytest.fixture(scope="module")
def machine_runs(tmp_path_factory):
    """Every run of this file on two machines, and tests/test_recipes_evaluate.py's two, in one launch of both
    machines (`launch_machines`), {name: [(status, output, seconds) of machine 0, of machine 1]}; each test says which
    of its runs are its own, and the folders are root/<name>/machine<r>, returned as "root"."""
    return made_machine_runs(tmp_path_factory)


def made_machine_runs(tmp_path_factory):
    """`machine_runs`, made once a session for this file and tests/test_recipes_evaluate.py: once for both pytest-xdist
    workers (`run_once`), and once for both modules in a process (`_MADE`: without pytest-xdist, `run_once` makes it
    again for each caller)."""
    if "machines" not in _MADE:
        data = made_small_videofolder(tmp_path_factory)
        made, root = run_once(tmp_path_factory, "machines", lambda root: launch_machine_runs(data, root))
        _MADE["machines"] = made | {"root": root}
    return _MADE["machines"]


_MADE: dict[str, dict] = {}


def launch_machine_runs(data, root):
    """`machine_runs`' launch in `root`: one launch of both machines (a second one, for the runs that resume what the
    first left, cost a launcher and a process importing the recipe on each machine again: about 14 s of CPU)."""
    relative = ["--output_dir", "out", *RUN]

    # Two machines sharing one --output_dir (an absolute path both see), two steps, a checkpoint at step 2.
    shared = ["--dataset", data, "--output_dir", root / "shared" / "shared_out", *RUN, "--checkpointing_steps", "2"]
    # Machine 1's own folder holds what an earlier run without a shared disk left there: only the unfinished
    # checkpoint folder of rank 1's random states.
    leave_unfinished_checkpoint(root / "refusal" / "machine1" / "out")
    # A relative --dataset that only machine 0's folder holds.
    shutil.copytree(data, root / "dataset_missing" / "machine0" / "clips")
    parsed = ["--dataset", data, *relative]
    lr = ["--dataset", data, *relative, "--learning_rate", "0.001"]
    unshared = ["--dataset", data, *relative, "--checkpointing_steps", "1"]
    runs = {
        "shared": [shared, shared],
        "refusal": [parsed, parsed],
        "dataset_missing": [["--dataset", "./clips", *relative]] * 2,
        "does_not_parse": [parsed, [*parsed, "--learnig_rate", "0.1"]],
        "different_flags": [lr, [*lr[:-1], "0.01"]],  # a copy-paste slip on machine 1
        "unshared": [unshared, unshared],
    }

    # No shared disk: machine 0's folder holds the shared run (checkpoints/step_2), machine 1's only an unfinished
    # checkpoint. And the unshared run again from each machine's own step_1, on to step 3. The copies are made by a
    # run of the launch on each machine (`COPY`: each copies from its own folder, once the runs it copies ended there;
    # the shared run ended on both before machine 0's next run could agree with machine 1's).
    leave_unfinished_checkpoint(root / "resume_only_one" / "machine1" / "out")
    # (a copy of each machine's folder, so that the unshared run's test sees it as it left it)
    unshared_copy = [
        f"{root / 'unshared' / f'machine{rank}'}={root / 'unshared_resume' / f'machine{rank}'}" for rank in (0, 1)
    ]
    shared_copy = f"{root / 'shared' / 'shared_out'}={root / 'resume_only_one' / 'machine0' / 'out'}"
    (root / "copy_for_resumes.py").write_text(COPY)
    scripts = {"copy": root / "copy_for_resumes.py"}  # (not copy.py: the launch would import it as `copy`)
    runs["copy"] = [[shared_copy, unshared_copy[0]], [unshared_copy[1]]]
    resume = ["--dataset", data, *relative, "--checkpointing_steps", "2", "--resume_from_checkpoint", "latest"]
    # (going back to each machine's own step_1, whose step_2 each machine's log must name)
    more = [
        *unshared[:-2],
        "--checkpointing_steps",
        "1",
        "--max_train_steps",
        "3",
        "--resume_from_checkpoint",
        "out/checkpoints/step_1",
    ]
    runs |= {"unshared_resume": [more, more], "resume_only_one": [resume, resume]}
    # recipes/evaluate.py's refusals on two machines (tests/test_recipes_evaluate.py's), in this launch rather than
    # in one of their own: two more launchers and processes importing torch, transformers and accelerate.
    import test_recipes_evaluate

    evaluations = test_recipes_evaluate.machine_runs_in(root)
    scripts |= dict.fromkeys(evaluations, EVALUATE)
    # Last (machine 0's process group is left broken): machine 1 freezes after 2 steps of a run that would take 4.
    (root / "frozen_after_step_2.py").write_text(FROZEN_AFTER_STEP_2)
    frozen = [FINETUNE, "--dataset", data, *relative, "--max_train_steps", "4", "--ddp_timeout", "10"]
    scripts["frozen"] = root / "frozen_after_step_2.py"
    runs |= evaluations | {"frozen": [frozen, frozen]}
    results = launch_machines(root, runs, timeout=3 * LAUNCH_TIMEOUT, scripts=scripts)
    assert [status for status, _, _ in results["copy"]] == [0, 0], results["copy"]
    return results


# A run of `launch_machines` copying folders (arguments SOURCE=TARGET), a source missing left out: the test of the run
# that made it fails, saying why.
COPY = """
import os, shutil, sys

for pair in sys.argv[1:]:
    source, target = pair.split("=")
    if os.path.isdir(source):
        shutil.copytree(source, target, dirs_exist_ok=True)
"""


# finetune.py (its path the first argument), whose process on machine 1 stops answering right after its 2nd optimiser
# step: it writes the time into frozen_at in its working folder and stops itself (SIGSTOP, as a hung machine stops:
# its connections left open). In a launch of `RUNS_IN_ONE_LAUNCH` (the run's logs in ../logs), where frozen in a
# step, not by a signal from outside after a guessed sleep, machine 0 cannot already be waiting at the collective
# machine 1 never reaches. A shell waiting for machine 0's run to end lets it go on (SIGCONT) to end its run as a
# failure: torchrun's agents wait for each other at exit, which a launch process that died never reaches.
FROZEN_AFTER_STEP_2 = """
import os, runpy, signal, subprocess, sys, time
from torch.optim.optimizer import register_optimizer_step_post_hook

steps = 0
def freeze_machine_1(optimizer, args, kwargs):
    global steps
    steps += 1
    if os.environ["RANK"] == "1" and steps == 2:
        open("frozen_at", "w").write(repr(time.time()))
        # (bounded: a shell left by a launch killed for a hang does not poll for ever)
        wait = "i=0; while [ ! -e ../logs/status_rank0.json ] && [ $i -lt 1200 ]; do sleep 0.2; i=$((i+1)); done"
        subprocess.Popen(["sh", "-c", wait + "; kill -CONT " + str(os.getpid())])
        os.kill(os.getpid(), signal.SIGSTOP)
        raise SystemExit(1)  # machine 0 gone: the run ends here, its launch process on (the launchers' exit agrees)

hook = register_optimizer_step_post_hook(freeze_machine_1)
script, sys.argv = sys.argv[1], sys.argv[1:]
try:
    runpy.run_path(script, run_name="__main__")
finally:
    hook.remove()
"""


def leave_unfinished_checkpoint(out):
    leftover = out / "checkpoints" / ".tmp-step_2"
    leftover.mkdir(parents=True)
    (leftover / "random_states_1.pkl").write_bytes(b"")


def refused_on_both(results):
    """(output of machine 0, of machine 1) of a run that both machines ended with a failure, within seconds."""
    (code0, log0, seconds0), (code1, log1, seconds1) = results
    assert code0 != 0 and code1 != 0, log0[-3000:] + log1[-3000:]
    assert max(seconds0, seconds1) < REFUSED_WITHIN, (seconds0, seconds1)
    return log0, log1


def test_two_machines_sharing_an_output_folder_agree_and_train(machine_runs):
    results, out = machine_runs["shared"], machine_runs["root"] / "shared" / "shared_out"
    assert [code for code, _, _ in results] == [0, 0], results[0][1][-3000:] + results[1][1][-3000:]
    saved = json.loads((out / "all_results.json").read_text())
    assert saved["num_processes"] == 2 and saved["completed_steps"] == 2
    assert (out / "checkpoints" / "step_2" / "trainer_state.json").is_file()


def test_a_refusal_on_one_machine_stops_every_machine_within_seconds(machine_runs):
    # The run "refusal": machine 1's own folder holds only the unfinished checkpoint folder of rank 1's random states
    # that an earlier run without a shared disk left there. It refuses the folder; machine 0, whose folder is
    # empty, must not wait for it at the process group's start.
    log0, log1 = refused_on_both(machine_runs["refusal"])
    own = error_lines(log1)
    assert own and own[0].startswith("error: --output_dir out already holds a previous run: checkpoints/ (unfinished)")
    assert error_lines(log0) == ["error: rank 1 (machine 1) refused: " + own[0].removeprefix("error: ")]
    assert not (machine_runs["root"] / "refusal" / "machine0" / "out" / "model.safetensors").exists()  # not trained


def test_a_data_set_folder_missing_on_one_machine_stops_every_machine_within_seconds(machine_runs):
    # The run "dataset_missing": a relative --dataset that only machine 0's folder holds: machine 1 refuses it
    # (argparse refused it before the process group existed, and machine 0 waited for machine 1 at the group's start).
    log0, log1 = refused_on_both(machine_runs["dataset_missing"])
    reason = "argument --dataset: './clips': no such folder (a Hub data set id reads 'org/name')"
    assert error_lines(log1) == [f"error: {reason}"]
    assert error_lines(log0) == [f"error: rank 1 (machine 1) refused: {reason}"]


def test_a_command_line_that_does_not_parse_on_one_machine_stops_every_machine_within_seconds(machine_runs):
    # The run "does_not_parse": machine 1's command line has a misspelt flag: argparse refused it there before the
    # process group existed, and machine 0 waited for machine 1 at the group's start for --ddp_timeout (30 minutes
    # by default).
    log0, log1 = refused_on_both(machine_runs["does_not_parse"])
    reason = "unrecognized arguments: --learnig_rate 0.1 (did you mean: --learnig_rate -> --learning_rate?)"
    assert f"finetune.py: error: {reason}" in log1.splitlines(), log1[-3000:]
    assert error_lines(log0) == [f"error: rank 1 (machine 1) refused: {reason}"], log0[-3000:]


def test_resuming_a_checkpoint_only_one_machine_holds_is_refused_on_every_machine(machine_runs):
    # The run "resume_only_one", no shared disk: machine 0's folder holds the run (the shared run's checkpoints/
    # step_2), machine 1's only an unfinished checkpoint (what older versions left there; or its folder was wiped).
    # Machine 0 would resume step 2 and machine 1 start from scratch, their collectives apart.
    log0, log1 = refused_on_both(machine_runs["resume_only_one"])
    said = "rank 0 (machine 0) resumes checkpoints/step_2 (step 2), which"
    assert error_lines(log1) == [
        f"error: --resume_from_checkpoint: {said} this machine's --output_dir lacks (it holds no checkpoint): "
        "every machine's --output_dir must hold the checkpoint rank 0 resumes: one folder every machine shares, or "
        "on each machine the copy a run without a shared folder keeps there (copy rank 0's --output_dir to a machine "
        "that lacks it)"
    ]
    assert error_lines(log0) == [error_lines(log1)[0].replace("this machine's", "rank 1 (machine 1)'s")]


def test_machines_given_different_flags_are_refused_naming_the_flags_and_their_values(machine_runs):
    # The run "different_flags": --learning_rate 0.001 on machine 0, 0.01 on machine 1.
    log0, log1 = refused_on_both(machine_runs["different_flags"])
    expected = (
        "error: the processes were given different command lines: --learning_rate 0.001 on rank 0 (machine 0), "
        "0.01 on rank 1 (machine 1); every machine must run the same command (only the launcher's machine rank "
        "differs)"
    )
    assert error_lines(log0) == [expected] and error_lines(log1) == [expected]
    assert not (machine_runs["root"] / "different_flags" / "machine0" / "out" / "all_results.json").exists()


def test_without_a_shared_folder_each_machine_keeps_whole_checkpoints_and_both_resume(machine_runs):
    # The run "unshared", in each machine's own out/: rank 0's checkpoints used to lack random_states_1.pkl, and
    # machine 1's held only .tmp-step_* folders forever, so no machine could resume.
    root = machine_runs["root"] / "unshared"
    results = machine_runs["unshared"]
    assert [code for code, _, _ in results] == [0, 0], results[0][1][-3000:] + results[1][1][-3000:]
    for rank in (0, 1):
        checkpoints = root / f"machine{rank}" / "out" / "checkpoints"
        assert sorted(p.name for p in checkpoints.iterdir()) == ["step_1", "step_2"]  # renamed and pruned, no .tmp-
        step_2 = checkpoints / "step_2"
        assert json.loads((step_2 / "trainer_state.json").read_text())["completed_steps"] == 2
        assert (step_2 / "model.safetensors").is_file() and (step_2 / "optimizer.bin").is_file()
        assert (step_2 / f"random_states_{rank}.pkl").is_file()
    # said on each machine, which keeps its own checkpoints (machine 1's log said nothing: rank 0's lines alone)
    assert all("is not one folder every machine shares" in log for _, log, _ in results)
    # The run "unshared_resume": back to each machine's own step_1 (in a copy of its folder), on to step 3: both
    # resume it and finish, and each machine's log names what its own folder holds and resumes.
    root = machine_runs["root"] / "unshared_resume"
    results = machine_runs["unshared_resume"]
    assert [code for code, _, _ in results] == [0, 0], results[0][1][-3000:] + results[1][1][-3000:]
    for _, log, _ in results:
        assert "resumed from out/checkpoints/step_1: step 1" in log, log[-3000:]
        assert "holds checkpoints of later steps (step_2) of the run this one goes back on" in log, log[-3000:]
    assert json.loads((root / "machine0" / "out" / "all_results.json").read_text())["completed_steps"] == 3
    assert (root / "machine1" / "out" / "checkpoints" / "step_3" / "random_states_1.pkl").is_file()


def test_a_machine_that_stops_answering_mid_run_fails_the_others_after_ddp_timeout(machine_runs):
    # The run "frozen": machine 1's process froze itself (SIGSTOP: a hung machine, its connections left open) right
    # after its 2nd optimiser step (`FROZEN_AFTER_STEP_2`); machine 0 waits at its next collective for --ddp_timeout
    # seconds, not gloo's default 30 minutes.
    (code0, log0, _), (_, log1, _) = machine_runs["frozen"]
    root = machine_runs["root"] / "frozen"
    assert (root / "machine1" / "frozen_at").is_file(), log1[-3000:]  # machine 1 froze
    frozen = float((root / "machine1" / "frozen_at").read_text())
    waited = (root / "logs" / "status_rank0.json").stat().st_mtime - frozen  # until machine 0's run ended
    assert code0 != 0, log0[-3000:]
    assert 8 <= waited < 100, waited  # the 10 s asked for, give or take a step and the run's teardown
    assert "Timed out waiting 10000ms" in log0, log0[-3000:]  # gloo's own words: the collective waited --ddp_timeout


# The decision every process takes from all the others' (no processes needed): the lines are written out here.
def view(where, refusal=None, resume=None, **flags):
    return {"refusal": refusal, "flags": {"seed": 0, **flags}, "resume": resume, "where": where}


def test_agreeing_processes_go_on():
    views = [view("rank 0", resume=["checkpoints/step_4", 4]), view("rank 1", resume=["checkpoints/step_4", 4])]
    assert disagreement(views, 0) is None and disagreement(views, 1) is None


def test_every_differing_flag_is_named_with_the_processes_given_each_value():
    views = [
        view("rank 0", per_device_train_batch_size=2),
        view("rank 1", per_device_train_batch_size=4),
        view("rank 2", per_device_train_batch_size=2, seed=1),
    ]
    expected = (
        "error: the processes were given different command lines: --per_device_train_batch_size 2 on rank 0 and "
        "rank 2, 4 on rank 1; --seed 0 on rank 0 and rank 1, 1 on rank 2; every machine must run the same command "
        "(only the launcher's machine rank differs)"
    )
    assert [disagreement(views, r) for r in range(3)] == [expected] * 3


def test_the_refusing_process_says_its_reason_and_the_others_who_refused():
    views = [view("rank 0"), view("rank 1 (machine 1)", refusal="error: --output_dir out is a file"), view("rank 2")]
    assert disagreement(views, 1) == "error: --output_dir out is a file"
    assert (
        disagreement(views, 0)
        == disagreement(views, 2)
        == "error: rank 1 (machine 1) refused: --output_dir out is a file"
    )


def test_a_checkpoint_on_another_process_only_is_refused_saying_rank_0_holds_none():
    """Rank 0 "would start from scratch", the line said, where `--resume_from_checkpoint latest` with no checkpoint
    is refused (as on one machine: test_recipes_user_errors); it says so, and how to continue the other's."""
    views = [view("rank 0"), view("rank 1", resume=["checkpoints/step_8", 8])]
    line = disagreement(views, 1)
    assert line == (
        "error: --resume_from_checkpoint: rank 0 found no checkpoint to resume in its --output_dir, while this "
        "machine's --output_dir holds checkpoints/step_8 (step 8): every machine resumes rank 0's checkpoint, and "
        "with none there --resume_from_checkpoint latest is refused; copy that checkpoint to rank 0's --output_dir "
        "(or keep one folder every machine shares) to continue from it"
    )
    assert "scratch" not in line
    assert disagreement(views, 0) == line.replace("this machine's", "rank 1's")


def test_one_process_started_for_two_machines_warns_naming_the_launchers_that_start_every_machine(monkeypatch):
    # `accelerate launch --num_machines 2` without --multi_gpu on CPUs: each machine runs one independent job
    from test_recipes_flags import launcher_environment

    from vivit_hf.training.flags import processes_not_started

    launch = ["--num_machines", "2", "--num_processes", "2", "--machine_rank", "1"]
    launch += ["--main_process_ip", "10.0.0.1", "--main_process_port", "29500"]
    warning = processes_not_started(1, "recipes/finetune.py", launcher_environment(monkeypatch, *launch))
    assert warning is not None and "\n" not in warning
    assert "on several machines (CPUs too), add --multi_gpu to the launch command" in warning
    assert "--config_file recipes/accelerate_configs/multi_node.yaml" in warning


def test_machines_whose_latest_checkpoints_differ_are_told_the_latest_one_they_all_hold(tmp_path):
    """A run stopped while machine 1 had saved step 3 and machine 0 not (no shared folder): each machine's `latest`
    is its own newest. The line said rank 0's step 2 was lacking on machine 1, which held it, and gave no way on."""
    from vivit_hf.training.agreement import held_checkpoints
    from vivit_hf.training.checkpoints import STATE_FILE

    views = []
    for rank, steps in enumerate(((1, 2), (1, 2, 3))):
        out = tmp_path / f"machine{rank}" / "out"
        for step in steps:
            (out / "checkpoints" / f"step_{step}").mkdir(parents=True)
            (out / "checkpoints" / f"step_{step}" / STATE_FILE).write_text(json.dumps({"completed_steps": step}))
        (out / "checkpoints" / ".tmp-step_4").mkdir()  # an unfinished save: not held
        held = held_checkpoints(out)
        views.append(view(f"rank {rank} (machine {rank})", resume=held[-1]) | {"held": held})
    assert views[1]["held"] == [["checkpoints/step_1", 1], ["checkpoints/step_2", 2], ["checkpoints/step_3", 3]]
    expected = (
        "error: --resume_from_checkpoint: the machines' latest checkpoints differ: checkpoints/step_2 (step 2) on "
        "rank 0 (machine 0), checkpoints/step_3 (step 3) on rank 1 (machine 1) (a run stopped while some machines "
        "had saved a checkpoint and others not); every machine holds checkpoints/step_2 (step 2): resume it on every "
        "machine with --resume_from_checkpoint <--output_dir>/checkpoints/step_2, or copy the later checkpoint to "
        "every machine's --output_dir"
    )
    assert disagreement(views, 0) == disagreement(views, 1) == expected
    # Machine 0 the newer one: the same line, its step 3 on rank 0.
    views = [views[1] | {"where": "rank 0 (machine 0)"}, views[0] | {"where": "rank 1 (machine 1)"}]
    assert "checkpoints/step_3 (step 3) on rank 0 (machine 0), checkpoints/step_2 (step 2) on rank 1" in (
        disagreement(views, 1) or ""
    )
    assert "every machine holds checkpoints/step_2 (step 2)" in disagreement(views, 0)
    # Agreeing, or no checkpoint in common: as before.
    assert disagreement([views[0], views[0] | {"where": "rank 1 (machine 1)"}], 1) is None
    views[1]["held"] = []
    assert "which rank 1 (machine 1)'s --output_dir lacks" in disagreement(views, 0)


def start_of_a_machine(recipe, rank: int, out, store, parsed) -> None:
    """What each machine's one process does to its --output_dir as a resume starts (recipes/finetune.py's `main`, in a
    process forked from this one): `take_output_dir`, every process meeting (`agree`: here a barrier), the checkpoints
    its folder holds as the agreement names them, then, with accelerate's `Accelerator` (`save_on_each_node` without a
    shared folder), `ready_output_dir`; writes the agreement's checkpoints and the process's `checkpoint_writer` to
    `out`/rank<rank>.json."""
    import os

    import torch.distributed as dist
    from accelerate import Accelerator
    from accelerate.state import AcceleratorState
    from accelerate.utils import ProjectConfiguration

    from vivit_hf.training.agreement import held_checkpoints, output_dir_is_shared
    from vivit_hf.training.checkpoints import checkpoint_writer

    os.environ.update(RANK=str(rank), LOCAL_RANK="0", WORLD_SIZE="2", LOCAL_WORLD_SIZE="1", OMP_NUM_THREADS="1")
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT="0")
    AcceleratorState._reset_state(reset_partial_state=True)  # (none of the parent's)
    dist.init_process_group("gloo", store=dist.FileStore(str(store), 2), rank=rank, world_size=2)
    recipe.take_output_dir(parsed, out, 2)
    dist.barrier()
    held = held_checkpoints(out)
    config = ProjectConfiguration(save_on_each_node=not output_dir_is_shared(out))
    accelerator = Accelerator(cpu=True, project_config=config)
    recipe.ready_output_dir(accelerator, parsed, out, None)
    (out / f"rank{rank}.json").write_text(json.dumps({"held": held, "writer": checkpoint_writer(accelerator)}))
    dist.destroy_process_group()


def run_machines(machines: list) -> None:
    """Start the forked `machines`, wait up to 60 s for each, and kill any left: one waiting at a collective the
    others never reached is a hang, not left running."""
    for machine in machines:
        machine.start()
    for machine in machines:
        machine.join(60)
    for machine in machines:
        if machine.is_alive():
            machine.kill()
            machine.join()


@pytest.mark.parametrize("shared", [False, True], ids=["folders_of_their_own", "one_shared_folder"])
def test_machines_with_folders_of_their_own_resume_a_save_killed_between_its_renames_on_each(tmp_path, shared):
    """No folder every machine shares (`save_on_each_node`): each machine's main process saved step_6 whole as
    `.tmp-step_6` and the run was killed before its rename. Rank 0 put its own in place as the resume started,
    machine 1 only at its first save: the machines' latest checkpoints "differed" (step_6 on rank 0, step_4 on
    machine 1) and the line advised resuming step_4 on every machine, two steps lost; each machine's process that
    writes checkpoints now puts its own right (`ready_output_dir`). Each machine's main process is a process forked
    from this one, in a process group of two (gloo). In one folder both see, rank 0's alone puts it right (machine
    1's would rename what rank 0 renamed, as an NFS client's stale listing shows it)."""
    import multiprocessing

    from test_recipes_finetune import load_recipe

    from vivit_hf.training.checkpoints import STATE_FILE
    from vivit_hf.training.finetune_flags import parse_args

    outs = [tmp_path / ("shared" if shared else f"machine{rank}") / "out" for rank in (0, 1)]
    for out in set(outs):
        root = out / "checkpoints"
        for name, step in (("step_4", 4), (".tmp-step_6", 6)):
            (root / name).mkdir(parents=True)
            (root / name / STATE_FILE).write_text(json.dumps({"completed_steps": step}))
    parsed = [parse_args([*TINY_MODEL, "--output_dir", str(out), "--resume_from_checkpoint", "latest"]) for out in outs]
    recipe, fork = load_recipe(), multiprocessing.get_context("fork")
    store = tmp_path / "store"
    machines = [fork.Process(target=start_of_a_machine, args=(recipe, r, outs[r], store, parsed[r])) for r in (0, 1)]
    run_machines(machines)
    assert [machine.exitcode for machine in machines] == [0, 0]
    said = [json.loads((out / f"rank{r}.json").read_text()) for r, out in enumerate(outs)]
    assert [machine["writer"] for machine in said] == [True, not shared]
    helds = [machine["held"] for machine in said]
    views = [view(f"rank {r} (machine {r})", resume=held[-1]) | {"held": held} for r, held in enumerate(helds)]
    assert disagreement(views, 0) is None and disagreement(views, 1) is None, disagreement(views, 1)
    assert helds[1] == [["checkpoints/step_4", 4], ["checkpoints/step_6", 6]]
    assert sorted(p.name for p in (outs[1] / "checkpoints").iterdir()) == ["step_4", "step_6"]


def folder_seen_by_a_machine(rank: int, world: int, out, store) -> None:
    """What `output_dir_is_shared` answers machine `rank` of `world` (one process each, torchrun's GROUP_RANK naming
    the machine), in a process forked from this one: writes it (or the refusal) to `store`.rank<rank>.json."""
    import os

    import torch.distributed as dist

    from vivit_hf.training.agreement import output_dir_is_shared

    os.environ.update(GROUP_RANK=str(rank), GROUP_WORLD_SIZE=str(world), RANK=str(rank))
    dist.init_process_group("gloo", store=dist.FileStore(str(store), world), rank=rank, world_size=world)
    try:
        said = {"shared": output_dir_is_shared(out)}
        dist.destroy_process_group()
    except SystemExit as refusal:
        said = {"refused": str(refusal)}
    store.with_name(f"rank{rank}.json").write_text(json.dumps(said))


@pytest.mark.parametrize(
    "folders, answer",
    [("ABC", False), ("AAA", True), ("ABB", "[rank 0 (machine 0)], [rank 1 (machine 1), rank 2 (machine 2)]")],
    ids=["each_its_own", "one_shared", "two_share_apart_from_rank_0"],
)
def test_machines_sharing_a_folder_apart_from_rank_0s_are_refused(tmp_path, folders, answer):
    """Three machines, the second and the third sharing an --output_dir (their NFS) that rank 0's machine does not
    see: it read as folders of their own (`save_on_each_node`), so each of the two machines' main processes renamed
    and pruned the checkpoints in it. At the first save, one renamed `.tmp-step_2` into place, the other retired that
    `step_2` as the older save its own replaced, and died (FileNotFoundError) with nothing to rename: the folder held
    `.old-step_2` alone, which the next start deletes. Now refused on every machine, naming who sees which folder;
    folders of their own, or one every machine shares, go on as before."""
    import multiprocessing

    outs = [tmp_path / folder / "out" for folder in folders]
    fork = multiprocessing.get_context("fork")
    store = tmp_path / "store"
    machines = [fork.Process(target=folder_seen_by_a_machine, args=(r, 3, outs[r], store)) for r in range(3)]
    run_machines(machines)
    said = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in range(3)]
    if isinstance(answer, bool):
        assert said == [{"shared": answer}] * 3
    else:
        assert all("neither one folder every machine shares nor one of its own" in s["refused"] for s in said), said
        assert all(answer in s["refused"] for s in said), said
    assert not [path for out in outs for path in out.glob(".shared-*")]  # (its markers removed, whatever it answers)


def ready_folder_of_a_machine(recipe, rank: int, out, store, parsed) -> None:
    """`ready_output_dir` on machine `rank` of two (one process each, each --output_dir its own: `save_on_each_node`),
    in a process forked from this one: writes its refusal (or None) to `store`.rank<rank>.json."""
    import os

    import torch.distributed as dist
    from accelerate import Accelerator
    from accelerate.state import AcceleratorState
    from accelerate.utils import ProjectConfiguration

    from vivit_hf.training.agreement import attempt, output_dir_is_shared

    os.environ.update(RANK=str(rank), LOCAL_RANK="0", WORLD_SIZE="2", LOCAL_WORLD_SIZE="1", OMP_NUM_THREADS="1")
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT="0", GROUP_RANK=str(rank), GROUP_WORLD_SIZE="2")
    AcceleratorState._reset_state(reset_partial_state=True)  # (none of the parent's)
    dist.init_process_group("gloo", store=dist.FileStore(str(store), 2), rank=rank, world_size=2)
    config = ProjectConfiguration(save_on_each_node=not output_dir_is_shared(out))
    accelerator = Accelerator(cpu=True, project_config=config)
    _, refusal, error = attempt(recipe.ready_output_dir, accelerator, parsed, out, None)
    said = getattr(refusal, "message", refusal) or (error and str(error))  # (a CommandLineRefused: its message)
    store.with_name(f"rank{rank}.json").write_text(json.dumps({"refusal": said}))
    dist.destroy_process_group()


def test_a_machine_whose_own_folder_a_live_run_writes_is_refused_before_removing_it(tmp_path):
    """Folders of their own on each machine: only rank 0's main process held its --output_dir. A run whose rank 0
    was on another machine, given --overwrite_output_dir, removed the checkpoints a live run was writing in machine
    1's folder (the same local path). Machine 1's main process now holds its own folder first, and a live run there
    refuses it naming that run; its checkpoints stay."""
    import multiprocessing

    from test_recipes_finetune import load_recipe

    from vivit_hf.training.checkpoints import RUN_LOCK_FILE, STATE_FILE
    from vivit_hf.training.finetune_flags import parse_args

    outs = [tmp_path / f"machine{rank}" / "out" for rank in (0, 1)]
    kept = outs[1] / "checkpoints" / "step_2"
    kept.mkdir(parents=True)
    (kept / STATE_FILE).write_text(json.dumps({"completed_steps": 2}))
    outs[0].mkdir(parents=True)
    holding = (  # the live run's main process on machine 1: fcntl's record lock, as `hold_output_dir` takes it
        "import fcntl, sys; lock = open(sys.argv[1], 'a+'); fcntl.lockf(lock, fcntl.LOCK_EX | fcntl.LOCK_NB); "
        "lock.write('host machine1, pid 4242'); lock.flush(); print('held', flush=True); sys.stdin.read()"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", holding, str(outs[1] / RUN_LOCK_FILE)], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    try:
        assert holder.stdout.readline().strip() == b"held"
        args = [*TINY_MODEL, "--overwrite_output_dir"]
        parsed = [parse_args([*args, "--output_dir", str(out)]) for out in outs]
        recipe, fork = load_recipe(), multiprocessing.get_context("fork")
        store = tmp_path / "store"
        machines = [
            fork.Process(target=ready_folder_of_a_machine, args=(recipe, r, outs[r], store, parsed[r])) for r in (0, 1)
        ]
        run_machines(machines)
    finally:
        holder.stdin.close()
        holder.wait()
    said = [json.loads((tmp_path / f"rank{r}.json").read_text())["refusal"] for r in (0, 1)]
    assert said[0] is None
    assert said[1] and "is being written by a run that is still alive (host machine1, pid 4242)" in said[1], said
    assert (kept / STATE_FILE).is_file()  # (removed before: the live run's checkpoint)
