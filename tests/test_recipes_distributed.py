# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""recipes/finetune.py on two CPU processes (gloo) under both launchers the README names: really one job of two
processes, each training on its own half of every global batch, not two independent rank-0 runs."""

import hashlib
import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
import torch
from hub_standin import HubStandIn, committed, online_environment, uploads
from process_tree import run_launch
from run_once import run_once
from safetensors.torch import load_file
from test_multi_label import multi_label_clips
from test_recipes_best_model import assert_same_weights, early_stopped_flags, results_of, trainer_reference
from test_recipes_evaluate import CLASSES
from test_recipes_evaluate import tiny_model as tiny_evaluated_model
from test_recipes_finetune import (
    EVALUATE,
    FINETUNE,
    REPO,
    TINY_MODEL,
    env,
    run,
    skipped_in_checkpoints,
    tiny_clip,
    weights,
)
from test_recipes_hub_strategy import two_process_push_flags
from test_recipes_model_ema import FLAGS as EMA_FLAGS
from test_recipes_model_ema import assert_same, checkpoint_average, reference_averages
from test_recipes_train_results import FLAGS as TRAIN_RESULTS_FLAGS
from test_recipes_train_results import logged_losses
from test_recipes_user_errors import OFFLINE
from test_user_workflows import ACCELERATE_LOOP, TINY, flat_weights, tiny_classifier
from transformers import AutoModelForVideoClassification

# One epoch of the 12 training clips in global batches of 4: one process of 4, or two processes of 2 each. No
# dropout, so the only difference between the two is how the batch is split and the gradients averaged.
ONE_EPOCH = ["--num_train_epochs", "1", "--hidden_dropout_prob", "0", "--per_device_eval_batch_size", "2"]
LAUNCHERS = {
    "accelerate launch": [
        sys.executable,
        "-m",
        "accelerate.commands.launch",
        "--config_file",
        str(REPO / "recipes" / "accelerate_configs" / "cpu_two_processes.yaml"),
        "--main_process_port",
        "0",
    ],
    "torchrun": [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"],
}


# Several runs in one launch, one after the other in the same processes: each process of the launch imports torch,
# transformers and the recipe once (about 9 s of CPU a process) rather than once a run. argv[1] is a JSON list of runs,
# each {"argv": [SCRIPT, *ARGS], "folder": F, "cwd": C (optional)}: SCRIPT runs as `python SCRIPT ARGS` would run it (as
# __main__; in C, where `{rank}` stands for the process's RANK: machines of their own disks), its output (file
# descriptors 1 and 2) goes to F/stdout_rank<N>.txt and F/stderr_rank<N>.txt, and its exit status, as Python would give
# it, and its seconds to F/status_rank<N>.json, where N is the process's RANK. Between runs accelerate's state is
# dropped, so that each run joins a process group of its own as a new process would (the recipes leave theirs at their
# end); the group's keys in the launcher's store are new for each run, else a process could read the address its peer
# had in the previous run's group (torch numbers the default group's keys from 0 again after it is destroyed).
# A launch that has not ended DUMP_AFTER seconds (where set) after a process started writes its Python stacks into the
# stderr file of the run it is in (faulthandler writes to file descriptor 2, which that run's file holds then), so an
# overrun (a hang seen once in CI, in a streaming run after its loaders opened) shows where each process waits. Its
# DataLoader workers, forked from it, keep its SIGUSR1 handler (faulthandler's, all threads, into the stderr file of the
# run they were forked in): `launch_runs` sends them SIGUSR1 before it kills an overrun launch (`dump_forked_stacks`).
# They cannot arm a watchdog of their own: faulthandler's, armed in a child forked while the parent's runs, waits
# forever for the parent's watchdog thread, which the child does not have.
RUNS_IN_ONE_LAUNCH = """
import faulthandler, json, os, runpy, signal, sys, time, traceback
import torch
from accelerate.state import AcceleratorState, GradientState
from torch.distributed import distributed_c10d

if os.environ.get("DUMP_AFTER"):
    faulthandler.dump_traceback_later(float(os.environ["DUMP_AFTER"]))
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    # Streamed runs' DataLoader workers are forked by the fork server (vivit_hf.training.data.workers), which
    # imports this beside module first (it preloads those imported here; it finds them on PYTHONPATH, not on
    # sys.path): it and they catch SIGUSR1 too
    import dump_stacks_on_sigusr1
    from vivit_hf.training.data import workers
    workers.WORKER_PRELOAD += (dump_stacks_on_sigusr1.__name__,)
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [sys.path[0], os.environ.get("PYTHONPATH")]))
rank, home = os.environ.get("RANK", "0"), os.getcwd()
for number, run in enumerate(json.loads(open(sys.argv[1]).read())):
    distributed_c10d._world.group_count = 1000 * number
    sys.stdout.flush(), sys.stderr.flush()
    kept = os.dup(1), os.dup(2)
    for fd, name in ((1, "stdout"), (2, "stderr")):
        opened = os.open(f"{run['folder']}/{name}_rank{rank}.txt", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(opened, fd)
        os.close(opened)
    sys.argv, status, started = list(run["argv"]), 0, time.monotonic()
    os.chdir(run.get("cwd", home).replace("{rank}", rank))
    try:
        runpy.run_path(sys.argv[0], run_name="__main__")
    except SystemExit as exit:
        status = exit.code if isinstance(exit.code, int) else 0 if exit.code is None else 1
        if isinstance(exit.code, str):
            print(exit.code, file=sys.stderr)
    except BaseException:
        traceback.print_exc()
        status = 1
    sys.stdout.flush(), sys.stderr.flush()
    for fd, saved in zip((1, 2), kept):
        os.dup2(saved, fd)
        os.close(saved)
    seconds = time.monotonic() - started
    open(f"{run['folder']}/status_rank{rank}.json", "w").write(json.dumps({"status": status, "seconds": seconds}))
    if torch.distributed.is_initialized():  # a run that stopped without leaving its group: the next joins its own
        torch.distributed.destroy_process_group()
    AcceleratorState._reset_state(reset_partial_state=True)
    GradientState._reset_state()
"""

# Imported by a launch process's fork server: the DataLoader workers it forks dump their stacks on SIGUSR1, into the
# stderr `WorkerInit` gives them (their run's).
DUMP_STACKS_ON_SIGUSR1 = """
import faulthandler, signal
faulthandler.register(signal.SIGUSR1, all_threads=True)
"""


def write_runs_in_one_launch(folder):
    """Write `RUNS_IN_ONE_LAUNCH` into `folder` with the module it imports beside it (`DUMP_STACKS_ON_SIGUSR1`, found
    on the script's sys.path[0]); returns the script's path. Every launcher of the script writes it here, so none
    lacks the module."""
    script = folder / "runs_in_one_launch.py"
    script.write_text(RUNS_IN_ONE_LAUNCH)
    (folder / "dump_stacks_on_sigusr1.py").write_text(DUMP_STACKS_ON_SIGUSR1)
    return script


def run_ended(logs, rank) -> bool:
    """Whether process `rank` of a launch ended the run whose folder `RUNS_IN_ONE_LAUNCH` gave `logs`."""
    return (logs / f"status_rank{rank}.json").is_file()


def run_record(logs, rank) -> tuple[dict, str, str]:
    """What `RUNS_IN_ONE_LAUNCH` wrote of one run on process `rank`: {"status", "seconds"}, stdout, stderr."""
    status = json.loads((logs / f"status_rank{rank}.json").read_text())
    return status, (logs / f"stdout_rank{rank}.txt").read_text(), (logs / f"stderr_rank{rank}.txt").read_text()


def catches_sigusr1(process) -> bool:
    """Whether `process` handles SIGUSR1 (its `SigCgt` mask in /proc): `RUNS_IN_ONE_LAUNCH` and what it forks."""
    if process is None:
        return False
    try:
        status = Path(f"/proc/{process.pid}/status").read_text()
    except OSError:
        return False
    caught = re.search(r"^SigCgt:\s*([0-9a-fA-F]+)", status, re.MULTILINE)
    return caught is not None and bool(int(caught.group(1), 16) >> (signal.SIGUSR1 - 1) & 1)


def parent_of(process):
    """`process`'s parent, None once either has ended."""
    try:
        return process.parent()
    except psutil.NoSuchProcess:
        return None


def dump_forked_stacks(launcher_pid: int) -> None:
    """Before an overrun launch is killed: each process forked from a `RUNS_IN_ONE_LAUNCH` process or its fork
    server (a DataLoader worker: it and its parent handle SIGUSR1) writes its stacks into its run's stderr. The
    launch processes dumped theirs at DUMP_AFTER; when one waits for a worker's batch, only the worker's stack says
    why (a hang seen in CI)."""
    try:
        below = psutil.Process(launcher_pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return
    forked = [p for p in below if catches_sigusr1(p) and catches_sigusr1(parent_of(p))]
    for process in forked:
        try:
            process.send_signal(signal.SIGUSR1)
        except psutil.NoSuchProcess:
            pass
    if forked:
        time.sleep(2)  # the dumps are written by each worker's signal handler, without the GIL, at once


def unfinished_runs(folder, runs, processes) -> str:
    """The stderr of each process that did not end its run: the stacks `RUNS_IN_ONE_LAUNCH` dumps on an overrun."""
    told = ""
    for name in runs:
        for rank in range(processes):
            if not run_ended(folder / name, rank):
                path = folder / name / f"stderr_rank{rank}.txt"
                stderr = path.read_text()[-12000:] if path.is_file() else "(none)"  # its workers' stacks too
                told += f"\n--- {name}, process {rank}, did not end; its stderr:\n{stderr}"
    return told


def launch_runs(launcher, runs, folder, processes=2, timeout=600, cwds=None, environment=None, ready=None):
    """Launch `RUNS_IN_ONE_LAUNCH` once with `launcher` for `runs`, {name: [SCRIPT, *ARGS]} (`cwds`, {name: folder}
    where a run has its own working folder, `{rank}` in it the process's rank), in `environment` (default: the recipe
    tests' `env()`; libraries read it as they are imported, so it is the whole launch's); returns {name:
    CompletedProcess} whose output is that of every process (rank 0's first) and whose status is the first process's
    that failed, else 0. A launch that fails as a whole (a run that hangs or kills its process) fails here; `ready`
    (a test of an overrun): a function whose return the kill of an overrun launch waits for."""
    folder.mkdir(parents=True, exist_ok=True)
    script, plan = write_runs_in_one_launch(folder), []
    for name, argv in runs.items():
        (folder / name).mkdir()
        plan.append({"argv": [str(arg) for arg in argv], "folder": str(folder / name)})
        if name in (cwds or {}):
            plan[-1]["cwd"] = str(cwds[name])
    (folder / "runs.json").write_text(json.dumps(plan))
    command = [*launcher, str(script), str(folder / "runs.json")]
    try:
        # (not before two thirds of a short limit: a dump while a process still imports torch, 1 s into a 30 s
        # launch, crashed it with SIGSEGV in faulthandler's watchdog, status -11, and told nothing of the overrun)
        dump_after = str(max(timeout - 30, timeout * 2 // 3, 1))
        environment = dict(env() if environment is None else environment, DUMP_AFTER=dump_after)
        before_kill = dump_forked_stacks if ready is None else lambda pid: (ready(), dump_forked_stacks(pid))
        launch = run_launch(command, timeout=timeout, before_kill=before_kill, cwd=REPO, env=environment)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"the launch overran {timeout} s; {unfinished_runs(folder, runs, processes)}") from None
    results = {}
    for name, argv in runs.items():
        logs = folder / name
        if not all(run_ended(logs, rank) for rank in range(processes)):
            raise AssertionError(
                f"the launch ended (status {launch.returncode}) before {name} ran on every process:\n"
                f"{launch.stdout[-3000:]}\n{launch.stderr[-6000:]}"
            )
        records = [run_record(logs, rank) for rank in range(processes)]
        status = next((status["status"] for status, _, _ in records if status["status"]), 0)
        stdout, stderr = "".join(out for _, out, _ in records), "".join(err for _, _, err in records)
        results[name] = subprocess.CompletedProcess(argv, status, stdout, stderr)
    return results


# A run whose DataLoader worker never yields its first batch (as rank 0's evaluation worker did in CI, its process
# waiting in DataLoader.__next__): the worker writes the file argv[1] names, then waits on line 8.
STUCK_WORKER = """
import pathlib, sys, threading
import torch

class NeverYields(torch.utils.data.IterableDataset):
    def __iter__(self):
        pathlib.Path(sys.argv[1]).write_text("waiting")
        threading.Event().wait()
        yield 0

next(iter(torch.utils.data.DataLoader(NeverYields(), num_workers=1)))
"""


def test_an_overrun_launch_shows_where_its_dataloader_workers_wait(tmp_path):
    """The overrun's report holds the worker's own stack, not only that of the process waiting for its batch."""
    script, waiting = tmp_path / "stuck.py", tmp_path / "waiting"
    script.write_text(STUCK_WORKER)
    # A short limit, the kill held until the worker waits (the launch's imports take seconds, more on a loaded
    # machine): not a limit long enough for them waited out.
    with pytest.raises(AssertionError) as overrun:
        launch_runs(
            [sys.executable], {"stuck": [script, waiting]}, tmp_path / "launch", processes=1, timeout=8,
            ready=lambda: wait_for_text(waiting, "waiting"),
        )  # fmt: skip
    told = str(overrun.value)
    assert "the launch overran 8 s" in told and "stuck, process 0, did not end" in told, told
    assert "in _worker_loop" in told and f'File "{script}", line 8 in __iter__' in told, told


def wait_for_text(path, text, limit: float = 120) -> None:
    """Wait (at most `limit` s) until the file `path` holds `text`, then a moment for its writer to go on."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and not (path.is_file() and text in path.read_text()):
        time.sleep(0.1)
    time.sleep(0.2)


def tiny_model(batch):
    flags = list(TINY_MODEL)
    flags[flags.index("--per_device_train_batch_size") + 1] = str(batch)
    return flags


@pytest.fixture(scope="module")
def one_process(videofolder, tmp_path_factory):
    """The one-process run the two-process ones are compared with, made once for both workers (`run_once`)."""

    def train(out):
        run(FINETUNE, "--dataset", videofolder, "--output_dir", out, *tiny_model(4), *ONE_EPOCH)
        return {}

    return run_once(tmp_path_factory, "one_process", train)[1]


def odd_epoch_data(videofolder, data):
    """13 training clips, 12 of them broken (and the 6 test clips): see the test that trains on them."""
    for path in videofolder.rglob("*.mp4"):
        (data / path.relative_to(videofolder)).parent.mkdir(parents=True, exist_ok=True)
        (data / path.relative_to(videofolder)).write_bytes(path.read_bytes())
    tiny_clip(data / "train" / "up" / "up_6.mp4", 0, seed=6, width=24)
    train = sorted((data / "train").rglob("*.mp4"))
    assert len(train) == 13
    for path in train[1:]:
        path.write_bytes(b"not a video" * 10)
    return data


def some_broken_data(videofolder, data):
    """The videofolder with 3 of its 12 training clips broken: see the test that trains on them."""
    for path in videofolder.rglob("*.mp4"):
        (data / path.relative_to(videofolder)).parent.mkdir(parents=True, exist_ok=True)
        (data / path.relative_to(videofolder)).write_bytes(path.read_bytes())
    train = sorted((data / "train").rglob("*.mp4"))
    for path in (train[0], train[1], train[7]):
        path.write_bytes(b"not a video" * 10)
    return data


def copies_per_machine(videofolder, root):
    """`root/machine<rank>/data`: each process's own copy of the videofolder (as on machines of their own disks),
    machine 1's lacking two clips of each split (up_0 and down_2 of train/ and of test/)."""
    for rank in (0, 1):
        for path in videofolder.rglob("*.mp4"):
            if rank == 1 and path.name in ("up_0.mp4", "down_2.mp4"):
                continue
            copy = root / f"machine{rank}" / "data" / path.relative_to(videofolder)
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_bytes(path.read_bytes())
    return root / "machine{rank}"


def sixteen_two_broken_data(videofolder, data):
    """The videofolder with 16 training clips: a broken clip and a copy of a good one added to each class."""
    for path in videofolder.rglob("*.mp4"):
        (data / path.relative_to(videofolder)).parent.mkdir(parents=True, exist_ok=True)
        (data / path.relative_to(videofolder)).write_bytes(path.read_bytes())
    for name in ("up", "down"):
        (data / "train" / name / "broken.mp4").write_bytes(b"not a video at all")
        (data / "train" / name / f"{name}_copy.mp4").write_bytes((data / "train" / name / f"{name}_0.mp4").read_bytes())
    return data


def evaluate_batch_of_4(model, videofolder):
    """evaluate.py's flags for the 6 test clips in batches of 4 a process: on 2 processes the last batch is padded.
    Each scored as 2 clips x 3 crops, so the views of a video are averaged before the padding is dropped."""
    flags = ["--model", model, "--dataset", videofolder, "--num_workers", 0, "--per_device_eval_batch_size", 4]
    return [*flags, "--num_clips", 2, "--num_crops", 3]


def odd_views_evaluation(root):
    """evaluate.py's flags for a model of 16x16 images whose processor crops nothing (a shortest edge of 16 resized)
    on 6 test clips of 16x16, the second (`down_1`) 16x24: its views are 16x24, which the check before the first batch
    finds from its header. Each process reads the headers of every 2nd video (rank 1: `down_1`'s)."""
    from vivit_hf import ViViTVideoProcessor

    model = root / "model"
    tiny_evaluated_model(model, CLASSES)
    saved = ViViTVideoProcessor.from_pretrained(model)
    saved.do_center_crop = False
    saved.save_pretrained(model)
    for label, name in enumerate(CLASSES):
        for i in range(3):
            width = 24 if (name, i) == ("down", 1) else 16
            tiny_clip(root / "data" / "test" / name / f"{name}_{i}.mp4", label, seed=10 * label + i, width=width)
    flags = ["--model", model, "--dataset", root / "data", "--num_workers", 0, "--output_dir", root / "out"]
    return flags, root / "data" / "test" / "down" / "down_1.mp4"


@pytest.fixture(scope="module")
def torchrun_runs(videofolder, tmp_path_factory):
    """The torchrun runs of this file in one launch (`launch_runs`): "halves", the 12 clips; "odd_epoch", 13 clips of
    which 12 are broken; then "copies_differ" and "evaluate_copies_differ", fine-tuning and evaluating (the halves'
    model) on the relative --dataset `data`, which each process finds in a copy of its own, two clips short on rank 1;
    "evaluate_output_file_elsewhere", evaluating the halves' model into the relative --output_dir `results`, a file
    in rank 1's folder alone; "sixteen_two_broken", 16 clips of which 2 are broken, in batches of 2 a process;
    "evaluate_batch_of_4", evaluating the halves' model in batches of 4 a process, 2 x 3 views a clip; "best_model",
    stopped early with --load_best_model_at_end; "model_ema", test_recipes_model_ema's run (--model_ema);
    "eval_steps", test_recipes_train_results' run with --eval_steps 2; "evaluate_odd_views", evaluating
    `odd_views_evaluation`'s model and clips; {name: (result, output folder)}. The launch runs
    tests/test_streaming.py's two-process runs too ("streaming_<name>": a launch of their own cost three more
    processes importing torch). It is made once for both pytest-xdist workers (`run_once`: this file's tests can be
    dealt to both), its results read back from JSON."""
    made, root = made_torchrun_runs(videofolder, tmp_path_factory)
    return {name: (subprocess.CompletedProcess(*result), root / "out" / name) for name, result in made.items()}


def made_torchrun_runs(videofolder, tmp_path_factory):
    """`torchrun_runs`' launch, ({name: [argv, status, stdout, stderr]}, its folder): once a session for this file
    and tests/test_streaming.py, once for both pytest-xdist workers (`run_once`), and once for both modules in a
    process (`_MADE`: without pytest-xdist, `run_once` makes it again for each caller)."""
    if "torchrun_runs" not in _MADE:
        made = run_once(
            tmp_path_factory, "torchrun_runs", lambda root: launch_torchrun_runs(videofolder, tmp_path_factory, root)
        )
        _MADE["torchrun_runs"] = made
    return _MADE["torchrun_runs"]


_MADE: dict[str, tuple] = {}


def launch_torchrun_runs(videofolder, tmp_path_factory, root):
    """`torchrun_runs`'s launch in `root`, tests/test_streaming.py's runs in `root`/streaming (its data made first) and
    tests/test_predict_processes.py's in `root`/predict: {name: [argv, status, stdout, stderr]}."""
    import test_streaming  # (it imports this module)

    data = {"halves": videofolder, "odd_epoch": odd_epoch_data(videofolder, root / "odd_epoch_data")}
    data["some_broken"] = some_broken_data(videofolder, root / "some_broken_data")
    runs = {
        name: [FINETUNE, "--dataset", data[name], "--output_dir", root / "out" / name, *tiny_model(2), *ONE_EPOCH]
        for name in data
    }
    machines = copies_per_machine(videofolder, root / "copies")
    runs["odd_epoch"] += ["--with_tracking", "true"]  # its train/loss curve: steps with no valid clip log none
    runs["copies_differ"] = [FINETUNE, "--dataset", "data", "--output_dir", root / "out" / "copies_differ"]
    runs["copies_differ"] += [*tiny_model(2), *ONE_EPOCH]
    runs["evaluate_copies_differ"] = [EVALUATE, "--model", root / "out" / "halves", "--dataset", "data"]
    runs["evaluate_copies_differ"] += ["--output_dir", root / "out" / "evaluate_copies_differ"]
    (root / "copies" / "machine1" / "results").write_text("rank 1's machine has a file there\n")
    runs["evaluate_output_file_elsewhere"] = [EVALUATE, "--model", root / "out" / "halves", "--dataset", videofolder]
    runs["evaluate_output_file_elsewhere"] += ["--output_dir", "results"]
    sixteen = sixteen_two_broken_data(videofolder, root / "sixteen_two_broken_data")
    runs["sixteen_two_broken"] = [FINETUNE, "--dataset", sixteen, "--output_dir", root / "out" / "sixteen_two_broken"]
    runs["sixteen_two_broken"] += ["--num_train_epochs", "1", "--checkpointing_steps", "epoch", *TINY_MODEL]
    runs["evaluate_batch_of_4"] = [EVALUATE, "--output_dir", root / "out" / "evaluate_batch_of_4"]
    runs["evaluate_batch_of_4"] += evaluate_batch_of_4(root / "out" / "halves", videofolder)
    runs["best_model"] = [FINETUNE, *early_stopped_flags(videofolder, root / "out" / "best_model")]
    runs["best_model"] += ["--checkpointing_steps", "1"]
    runs["model_ema"] = [FINETUNE, "--dataset", videofolder, "--output_dir", root / "out" / "model_ema", *EMA_FLAGS]
    runs["eval_steps"] = [FINETUNE, "--dataset", videofolder, "--output_dir", root / "out" / "eval_steps"]
    runs["eval_steps"] += [*TRAIN_RESULTS_FLAGS, "--eval_steps", "2"]
    runs["hub_data_not_fetched"] = [FINETUNE, "--dataset", "someone/kinetics-mini", "--dataset_format", "hub"]
    runs["hub_data_not_fetched"] += ["--output_dir", root / "out" / "hub_data_not_fetched"]
    runs["evaluate_odd_views"] = [EVALUATE, *odd_views_evaluation(root / "odd_views")[0]]
    cwds = {"copies_differ": machines, "evaluate_copies_differ": machines, "evaluate_output_file_elsewhere": machines}
    streaming_runs, streaming_cwds = test_streaming.two_process_runs(videofolder, tmp_path_factory, root / "streaming")
    runs, cwds = runs | streaming_runs, cwds | streaming_cwds
    import test_predict_processes  # (its run last: a predict run of two processes in this launch)

    runs["predict_two_processes"] = test_predict_processes.two_process_run(root / "predict")
    results = launch_runs(LAUNCHERS["torchrun"], runs, root / "launch", cwds=cwds)
    for name, result in results.items():
        if name in data:
            assert result.returncode == 0, f"{name}:\n{result.stdout[-3000:]}\n{result.stderr[-6000:]}"
    return {name: [list(map(str, r.args)), r.returncode, r.stdout, r.stderr] for name, r in results.items()}


# test_user_workflows' accelerate loop: its config and its 8 training and 5 test clips
LOOP_CONFIG = dict(TINY, num_labels=3, hidden_dropout_prob=0.0)


def loop_clips():
    clips = torch.randn(13, 4, 3, 32, 32, generator=torch.Generator().manual_seed(5))
    return clips, torch.arange(13) % 3


@pytest.fixture(scope="module")
def accelerate_runs(videofolder, tmp_path_factory):
    """The `accelerate launch` runs of this file in one launch (`launch_runs`): "halves", the 12 clips, as torchrun's;
    "accelerate_loop", test_user_workflows' plain accelerate loop (ACCELERATE_LOOP) writing into its folder;
    "hub_push", test_recipes_hub_strategy's two-process push of its last-checkpoint/ to a stand-in Hub (the launch is
    online to it: tests/hub_standin.py; what the Hub then held is in `hub_push_record`); "multi_label", a streamed
    multi-label fine-tune (`multi_label_clips` less a test clip, in root/multi_label_data), its 5 test clips streamed
    3 and 2 to the processes in batches of 2 (the second process feeds a filler batch beside the first's last);
    {name: (result, output folder)}, made once for both pytest-xdist workers (`run_once`)."""

    def launch(root):
        clips, labels = loop_clips()
        (root / "out" / "accelerate_loop").mkdir(parents=True)
        data = {"train": (clips[:8], labels[:8]), "test": (clips[8:], labels[8:])}
        torch.save(data, root / "out" / "accelerate_loop" / "data.pt")
        (root / "loop.py").write_text(ACCELERATE_LOOP)
        runs = {
            "halves": [FINETUNE, "--dataset", videofolder, "--output_dir", root / "out" / "halves"],
            "accelerate_loop": [root / "loop.py", root / "out" / "accelerate_loop", json.dumps(LOOP_CONFIG)],
            "hub_push": [FINETUNE, *two_process_push_flags(videofolder, root / "out" / "hub_push")],
        }
        runs["halves"] += [*tiny_model(2), *ONE_EPOCH]
        multi_label_data = multi_label_clips(videofolder, root / "multi_label_data")
        rows = (multi_label_data / "test" / "metadata.jsonl").read_text().splitlines(keepends=True)
        (multi_label_data / "test" / json.loads(rows[-1])["file_name"]).unlink()  # 5 test clips: 3 and 2 a process
        (multi_label_data / "test" / "metadata.jsonl").write_text("".join(rows[:-1]))
        multi_label = [FINETUNE, "--dataset", multi_label_data, "--dataset_format", "hub", "--streaming"]
        multi_label += ["--cache_dir", root / "multi_label_cache"]
        runs["multi_label"] = [*multi_label, "--output_dir", root / "out" / "multi_label", *tiny_model(2), *ONE_EPOCH]
        with HubStandIn() as hub:
            online = online_environment(env(), hub)
            results = launch_runs(LAUNCHERS["accelerate launch"], runs, root / "launch", environment=online)
        files = {name: hashlib.sha256(content).hexdigest() for name, content in hub.repos.get("me/vivit", {}).items()}
        record = {"files": files, "summaries": [commit["summary"] for commit in hub.commits]}
        (root / "hub_push_record.json").write_text(json.dumps(record))
        return {name: [list(map(str, r.args)), r.returncode, r.stdout, r.stderr] for name, r in results.items()}

    made, root = run_once(tmp_path_factory, "accelerate_runs", launch)
    return {name: (subprocess.CompletedProcess(*result), root / "out" / name) for name, result in made.items()}


def hub_push_record(accelerate_runs) -> dict:
    """What the stand-in Hub held after the launch's "hub_push": {"files": {path: sha256 of its bytes}, "summaries":
    its commits' summaries, in order}."""
    _, out = accelerate_runs["hub_push"]
    return json.loads((out.parent.parent / "hub_push_record.json").read_text())


@pytest.mark.parametrize("launcher", LAUNCHERS)
def test_two_cpu_processes_train_on_their_own_halves_and_count_every_clip_once(one_process, launcher, request):
    # each launcher's run shares its launch with others
    fixture = {"torchrun": "torchrun_runs", "accelerate launch": "accelerate_runs"}[launcher]
    result, out = request.getfixturevalue(fixture)["halves"]
    assert result.returncode == 0, f"{result.stdout[-3000:]}\n{result.stderr[-6000:]}"
    assert "Distributed environment: DistributedType.MULTI_CPU  Backend: gloo" in result.stderr
    two, one = (json.loads((folder / "all_results.json").read_text()) for folder in (out, one_process))
    assert (one["num_processes"], two["num_processes"]) == (1, 2)
    # 12 clips in 3 steps: each process trained on 6 (two independent runs would each report all 12).
    assert one["train_clips_per_process"] == [12] and two["train_clips_per_process"] == [6, 6]
    assert two["completed_steps"] == one["completed_steps"] == 3
    # Evaluation gathers the 6 test clips once (3 batches of 2 on 2 processes: the last one is padded).
    assert two["num_samples"] == one["num_samples"] == 6
    # Each process saw its own half of each global batch: the averaged gradients are the one-process ones, so
    # the weights agree to rounding (had both processes seen the same clips, they would not).
    trained, reference = weights(out), weights(one_process)
    for name in reference:
        torch.testing.assert_close(trained[name], reference[name], rtol=1e-4, atol=1e-5, msg=name)


def test_a_two_process_multi_label_fine_tune_scores_as_one_process_evaluates_its_model(accelerate_runs, tmp_path):
    """A streamed multi-label run under `accelerate launch --num_processes 2`: its last evaluation, 5 test clips
    streamed 3 and 2 to the processes in batches of 2 (the second's last batch a filler of no clip, its targets
    gathered beside the first's multi-hot ones: of (rows,) long ids, the launch aborted), gathers each clip's target
    once, its mAP and each class's AP those evaluate.py gives the saved model on one process reading the split whole
    (a reader, targets and gathering of their own: the reference)."""
    result, out = accelerate_runs["multi_label"]
    assert result.returncode == 0, f"{result.stdout[-3000:]}\n{result.stderr[-6000:]}"
    assert "Distributed environment: DistributedType.MULTI_CPU  Backend: gloo" in result.stderr
    two = json.loads((out / "all_results.json").read_text())
    assert two["num_processes"] == 2 and two["train_clips_per_process"] == [6, 6] and two["num_samples"] == 5
    data = out.parent.parent / "multi_label_data"
    flags = ["--dataset", data, "--dataset_format", "hub", "--split", "test", "--num_workers", "0"]
    run(EVALUATE, "--model", out, *flags, "--cache_dir", tmp_path / "cache", "--output_dir", tmp_path / "eval")
    one = json.loads((tmp_path / "eval" / "eval_results.json").read_text())
    assert one["num_processes"] == 1 and one["num_samples"] == 5
    assert two["map"] == pytest.approx(one["map"], abs=1e-6) and two["ap"] == pytest.approx(one["ap"], abs=1e-6)
    assert two["micro_f1"] == pytest.approx(one["micro_f1"]) and two["exact_match"] == one["exact_match"]


def test_two_processes_count_an_odd_epoch_exactly_though_accelerate_repeats_clips_to_even_it_out(torchrun_runs):
    """13 training clips, 12 of them broken, on 2 processes with batches of 2. accelerate gives each process 4
    batches (8 rows) by repeating 3 clips from the epoch's start; at least 2 of those 3 are broken. By hand, the
    epoch's 7 batches of 2 go to the processes in turn: process 0 takes batches 1, 3, 5 and 7 (clip 13 and one
    repeat), process 1 batches 2, 4, 6 and a batch of 2 repeats; so 7 + 6 clips trained, 1 + 2 repeats, and the
    12 broken clips skipped once each (counting the repeats said 8 + 8 clips and 14 or 15 skipped)."""
    result, out = torchrun_runs["odd_epoch"]
    assert "Distributed environment: DistributedType.MULTI_CPU  Backend: gloo" in result.stderr
    results = json.loads((out / "all_results.json").read_text())
    assert results["num_processes"] == 2 and results["completed_steps"] == 4
    assert results["train_clips_per_process"] == [7, 6]
    assert results["train_padded_clips_per_process"] == [1, 2]
    assert results["train_skipped_clips"] == 12
    assert results["num_samples"] == 6  # the test clips, none broken
    # every clip of `up` broken, `down`'s one good clip trained on one process: the processes' counts are summed
    assert results["train_classes_never_trained"] == {"up": 7}
    assert result.stderr.count("never trained on: 'up' (7 clips)") == 1, result.stderr[-3000:]
    # Of the 4 steps, those whose every clip on both processes was broken (2 or 3: the good clip may come again among
    # the repeats) have no loss: train_loss is the mean of the others' logged losses, where each was a step of loss 0
    logged = logged_losses(out)
    assert 1 <= len(logged) <= 2 and min(logged.values()) > 0, logged
    assert results["train_loss"] == pytest.approx(sum(logged.values()) / len(logged), rel=1e-6)


@pytest.mark.parametrize("recipe", ["copies_differ", "evaluate_copies_differ"])
def test_processes_reading_copies_that_differ_stop_before_training_naming_the_counts(torchrun_runs, recipe):
    """Machines that each read their own copy of --dataset share clips out by position: machine 1's copy one clip
    short shifted every later clip (5 of 20 read twice an epoch and 5 never), without a word. Both recipes now stop
    before the first step, the line naming each process's count, once."""
    result, out = torchrun_runs[recipe]
    split, full = ("train", 12) if recipe == "copies_differ" else ("test", 6)
    assert result.returncode != 0
    line = f"error: the processes read different clips for split '{split}': {full} clips (digest "
    assert result.stderr.count(line) == 1, result.stderr[-3000:]
    assert f"on rank 0; {full - 2} clips (digest " in result.stderr and "on rank 1." in result.stderr
    assert not (out / "model.safetensors").exists() and not (out / "all_results.json").exists()


def test_evaluate_checks_its_output_folder_on_the_process_that_writes_it_alone(torchrun_runs):
    """evaluate.py refused an --output_dir that is a file on every process, though rank 0 alone writes the results:
    on machines without a shared disk, a file at that path on another machine stopped the run ("is a file, not a
    folder"). Rank 1's `results` here is a file and rank 0's is free: the results are written on rank 0."""
    result, out = torchrun_runs["evaluate_output_file_elsewhere"]
    assert result.returncode == 0, result.stderr[-3000:]
    machines = out.parent.parent / "copies"
    assert json.loads((machines / "machine0" / "results" / "eval_results.json").read_text())["num_samples"] == 6
    assert (machines / "machine1" / "results").read_text() == "rank 1's machine has a file there\n"


def test_two_processes_weigh_every_valid_clip_of_a_global_batch_as_one_process_does(torchrun_runs, tmp_path):
    """3 of the 12 training clips broken: a global batch of 4 split 2 + 2 over the processes can hold one broken clip
    on one process and none on the other. Each process's loss was the mean over its own valid clips and DDP averaged
    the processes: the lone valid clip beside a broken one weighed twice as much as each of the other process's two
    (a process of only broken clips, or of a stream's filler, halved the step's gradient). One process given the
    whole batch of 4 takes the mean over its valid clips; two processes must train the same weights."""
    result, out = torchrun_runs["some_broken"]
    data = out.parent.parent / "some_broken_data"  # what the two processes read
    run(FINETUNE, "--dataset", data, "--output_dir", tmp_path / "one", *tiny_model(4), *ONE_EPOCH)
    two, one = (json.loads((folder / "all_results.json").read_text()) for folder in (out, tmp_path / "one"))
    assert two["train_skipped_clips"] == one["train_skipped_clips"] == 3
    # and so is the loss reported: each step's over its valid clips on both processes (it was each process's mean)
    assert two["train_loss"] == pytest.approx(one["train_loss"], rel=1e-4)
    trained, reference = weights(out), weights(tmp_path / "one")
    for name in reference:
        torch.testing.assert_close(trained[name], reference[name], rtol=1e-4, atol=1e-5, msg=name)


def test_two_processes_count_every_clip_once(videofolder, torchrun_runs, tmp_path):
    # 6 test clips, batch 4 per process on 2 processes: the last batch is padded and must not be counted twice.
    result, two_out = torchrun_runs["evaluate_batch_of_4"]
    assert result.returncode == 0, result.stderr[-3000:]
    _, model = torchrun_runs["halves"]
    run(EVALUATE, *evaluate_batch_of_4(model, videofolder), "--output_dir", tmp_path / "one")
    one = json.loads((tmp_path / "one" / "eval_results.json").read_text())
    two = json.loads((two_out / "eval_results.json").read_text())
    # torchrun on a CPU machine must give one job of two processes, not two rank-0 jobs writing the same folder.
    assert one["num_processes"] == 1 and two["num_processes"] == 2
    assert one["num_samples"] == two["num_samples"] == 6 and (two["num_clips"], two["num_crops"]) == (2, 3)
    assert one["confusion_matrix"] == two["confusion_matrix"]
    assert two["loss"] == pytest.approx(one["loss"], rel=1e-5)  # each clip's once, the padded repeat left out
    torch.testing.assert_close(
        load_file(str(two_out / "predictions.safetensors"))["logits"],
        load_file(str(tmp_path / "one" / "predictions.safetensors"))["logits"],
    )


def test_two_processes_count_broken_clips_exactly(torchrun_runs):
    """16 training clips, two of them broken, on two processes of 8 clips each: each broken clip counted once."""
    result, out = torchrun_runs["sixteen_two_broken"]
    assert result.returncode == 0, result.stderr[-3000:]
    results = json.loads((out / "all_results.json").read_text())
    assert results["num_processes"] == 2 and results["completed_steps"] == 4
    assert results["train_clips_per_process"] == [8, 8]
    assert results["train_skipped_clips"] == 2 and skipped_in_checkpoints(out) == {"epoch_0": 2}
    assert results["train_throughput_clips"] == 16  # all 4 steps measured (no warm-up in a 4-step run), both halves
    # the card's recipe says the 2 processes (Trainer's card: num_devices), beside the total batch they make
    card = (out / "README.md").read_text().splitlines()
    assert "| num_devices | 2 |" in card and "| mixed_precision | no |" in card, card
    # What the data set's open finds (here each class's byte-identical copy) is said once a machine, by its first
    # process: every process said it (16 copies of each on 2 machines x 8 GPUs), and each hashed the files to find it
    # (Kinetics' 240 000 clips: 7.5 of the 25 s an open took on each process). A broken clip is still named by the
    # process that reads it.
    logs = out.parent.parent / "launch" / "sixteen_two_broken"
    stderr = [run_record(logs, rank)[2] for rank in (0, 1)]
    copies = "split 'train' reads 2 file(s) under two names (byte-identical copies of one file)"
    assert [text.count(copies) for text in stderr] == [1, 0], stderr
    assert sum(text.count("skipping broken clip") for text in stderr) == 2, stderr  # (each by the process reading it)


def test_best_model_on_two_processes_is_the_best_evaluation_of_every_clip(torchrun_runs):
    """6 evaluation clips gathered from 2 processes (accelerate pads the last batch): each process ranks the same
    evaluations, so they stop together, and the model kept is the run's own checkpoint of its best step."""
    result, out = torchrun_runs["best_model"]
    assert result.returncode == 0, result.stderr[-3000:]
    results = results_of(out)
    assert results["num_processes"] == 2 and {entry["eval/num_samples"] for entry in results["history"]} == {6}
    best_step, best_value, stopped_at = trainer_reference([e["eval/top1"] for e in results["history"]], patience=2)
    assert results["completed_steps"] == stopped_at and results["best_global_step"] == best_step
    assert_same_weights(weights(out), weights(out / "checkpoints" / f"step_{best_step}"))


def test_two_processes_keep_one_average_timms_of_their_training_weights(torchrun_runs):
    """test_recipes_model_ema's run on two processes: the model saved (the best step's) and the last checkpoint's
    average are timm's average of the run's own checkpointed training weights."""
    result, out = torchrun_runs["model_ema"]
    assert result.returncode == 0, f"{result.stdout[-3000:]}\n{result.stderr[-6000:]}"
    results = json.loads((out / "all_results.json").read_text())
    assert results["num_processes"] == 2
    averages = reference_averages(out)
    assert_same(weights(out), averages[results["best_global_step"]])
    assert_same(checkpoint_average(out, results["completed_steps"]), averages[results["completed_steps"]])


def test_eval_steps_on_two_processes_count_every_evaluation_clip_once(torchrun_runs):
    """6 evaluation clips in batches of 2 on 2 processes: accelerate pads the last batch, which every evaluation
    every 2 steps (of 3 an epoch) must leave out, mid-epoch as at an epoch's end."""
    result, out = torchrun_runs["eval_steps"]
    assert result.returncode == 0, f"{result.stdout[-3000:]}\n{result.stderr[-6000:]}"
    results = results_of(out)
    assert results["num_processes"] == 2
    assert [(entry["step"], entry["eval/num_samples"]) for entry in results["history"]] == [(2, 6), (4, 6), (6, 6)]
    assert results["epoch"] == 2.0 and results["train_samples_per_second"] == pytest.approx(
        24 / results["train_runtime"]
    )


def test_two_processes_share_the_evaluation_clips_headers_and_both_name_the_first_whose_views_do_not_fit(
    torchrun_runs,
):
    """The check of every evaluation clip's header before the first batch (a processor that crops nothing) was read
    in full by every process (Kinetics' 20 000 clips: 12-40 s each): each now reads its share
    (test_dataset_option_errors.py counts them) and all stop with the first refusal of any. Rank 1's share holds
    the odd clip; both processes of the launch (each its own stderr) name it, status 2, nothing evaluated."""
    result, out = torchrun_runs["evaluate_odd_views"]
    odd = out.parent.parent / "odd_views" / "data" / "test" / "down" / "down_1.mp4"
    assert result.returncode == 2, result.stderr[-3000:]
    logs = out.parent.parent / "launch" / "evaluate_odd_views"
    for rank in (0, 1):
        stderr = (logs / f"stderr_rank{rank}.txt").read_text()
        said = stderr.strip().splitlines()[-1]
        assert "crops nothing (do_center_crop false) and made views of 16x24 pixels but the model takes 16x16" in said
        assert said.endswith(f"; the first clip that does not: test/down/down_1.mp4 ({odd})"), stderr[-3000:]
    assert not (out.parent.parent / "odd_views" / "out" / "eval_results.json").exists()


def test_on_two_processes_a_hub_data_set_not_fetched_is_one_line_per_process_and_no_rank_traceback(torchrun_runs):
    """test_recipes_user_errors' refusal on two processes (the launch's run "hub_data_not_fetched"): the main process
    opens the data set first while the other waits: it must be let go, to fail the same way."""
    result, _ = torchrun_runs["hub_data_not_fetched"]
    assert result.returncode != 0
    assert result.stderr.count(f"error: --dataset someone/kinetics-mini: {OFFLINE}") == 2, result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]  # neither process's (launch_runs prints them)


def test_accelerate_loop_on_two_processes_gathers_every_test_clip_once_and_resumes_its_state(accelerate_runs):
    """accelerate's example loop (prepare, backward, save_state / load_state, gather_for_metrics) on two CPU
    processes (test_user_workflows' ACCELERATE_LOOP, the `accelerate launch` run "accelerate_loop"): 5 test clips over
    2 processes come back as the 5 logits one process gives the saved model, in order; a state loaded and stepped
    again equals the step taken without it; the two steps on 2 x 2 clips equal one process's full-batch steps of 4
    (the gradients averaged)."""
    done, folder = accelerate_runs["accelerate_loop"]
    assert done.returncode == 0, done.stderr[-3000:]
    clips, labels = loop_clips()
    records = [json.loads((folder / f"rank{rank}.json").read_text()) for rank in range(2)]
    assert [(r["rank"], r["processes"]) for r in records] == [(0, 2), (1, 2)]
    assert all(r["resumed_off"] == 0.0 for r in records)
    gathered = torch.load(folder / "gathered.pt")
    saved = AutoModelForVideoClassification.from_pretrained(folder / "model").eval()
    # on the launch's thread count: a GEMM splits its sums by threads (a pytest run without -n on 2 cores has 2, each
    # launched process 1 there: logits 6e-8 apart, where an exact comparison is the claim)
    threads = torch.get_num_threads()
    torch.set_num_threads(records[0]["threads"])
    try:
        with torch.no_grad():
            one_process = saved(pixel_values=clips[8:]).logits
    finally:
        torch.set_num_threads(threads)
    torch.testing.assert_close(gathered["logits"], one_process, rtol=0, atol=0)
    assert torch.equal(gathered["labels"], labels[8:])
    # one process, full batches of 4: rank 0 took clips (0, 1) then (4, 5), rank 1 (2, 3) then (6, 7)
    model = tiny_classifier("factorised_encoder", num_labels=3, hidden_dropout_prob=0.0).train()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for batch in (slice(0, 4), slice(4, 8)):
        model(pixel_values=clips[batch], labels=labels[batch]).loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    torch.testing.assert_close(flat_weights(saved), flat_weights(model), rtol=1e-5, atol=1e-6)


def test_two_processes_push_one_last_checkpoint_holding_both_processes_states(accelerate_runs):
    """Rank 0 alone uploads; every rank gathers the weights. Two processes ran (test_recipes_hub_strategy's run, in
    the `accelerate launch` of this file: "hub_push"): the pushed checkpoint holds the random states of ranks 0 and 1,
    and the results say 2."""
    result, out = accelerate_runs["hub_push"]
    assert result.returncode == 0, f"{result.stdout[-3000:]}\n{result.stderr[-6000:]}"
    report, hub = uploads(result), hub_push_record(accelerate_runs)
    files, summaries = hub["files"], hub["summaries"]
    assert json.loads((out / "all_results.json").read_text())["num_processes"] == 2
    assert {"last-checkpoint/random_states_0.pkl", "last-checkpoint/random_states_1.pkl"} <= set(files)
    step_2 = hashlib.sha256((out / "checkpoints/step_2/model.safetensors").read_bytes()).hexdigest()
    assert files["last-checkpoint/model.safetensors"] == step_2
    pushed = [upload["message"] for upload in report]
    assert pushed == ["Training in progress, step 1", "Training in progress, step 2", "End of training"]
    assert summaries == committed(report)  # (step 1's dropped if step 2's was pushed before it started)
