# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""recipes/finetune.py's --hub_strategy, against transformers' Trainer's own `_push_from_checkpoint` run on the same
checkpoints, and a run resumed on another machine from the last-checkpoint/ it pushed after a kill, all against the
local stand-in of the Hub's HTTP API (tests/hub_standin.py; tiny runs, CPU). Its run on two processes is in
tests/test_recipes_distributed.py's `accelerate launch` (`two_process_push_flags`)."""

import json
import re
import shlex
import shutil
import signal
import threading
import time
import types
from pathlib import Path

import fresh_python
import huggingface_hub
import pytest
import torch
import transformers.trainer
from hub_standin import HubStandIn, committed, online_environment, recipe_run_fixtures, uploads
from huggingface_hub import HfApi
from process_tree import run_launch
from test_recipes_finetune import FINETUNE, REPO, TINY_MODEL, env, weights
from transformers.trainer_utils import HubStrategy, SaveStrategy

from vivit_hf.training import finetune_flags

# 12 training clips in batches of 2: 6 steps an epoch; a constant rate, so that a resume with more steps is the run
FLAGS = [*TINY_MODEL, "--lr_scheduler_type", "constant", "--num_warmup_steps", "0"]

KILLED_AFTER_STEP_4_IS_PUSHED = """import os, runpy, signal, sys


class KillOncePushed:
    def __init__(self, stream):
        self.stream = stream

    def write(self, text):
        written = self.stream.write(text)
        if "uploaded 'Training in progress, step 4'" in text:
            self.stream.flush()
            os.kill(os.getpid(), signal.SIGKILL)
        return written

    def __getattr__(self, name):
        return getattr(self.stream, name)


def waiting_for_step_4s_upload(push_folder):
    # Training goes on once step 4's push is uploaded, so no newer push drops it before it starts (each replaces the
    # one before: BackgroundUploader's `replaces`), however slow the link: the kill comes at step 4, every time.
    def push(uploader, folder, message, *args, **kwargs):
        record = push_folder(uploader, folder, message, *args, **kwargs)
        if message == "Training in progress, step 4":
            uploader.wait()
        return record

    return push


sys.stderr = KillOncePushed(sys.stderr)
sys.argv = sys.argv[1:]
sys.path[0] = os.path.dirname(os.path.realpath(sys.argv[0]))
from vivit_hf.hub.upload import BackgroundUploader

BackgroundUploader.push_folder = waiting_for_step_4s_upload(BackgroundUploader.push_folder)
runpy.run_path(sys.argv[0], run_name="__main__")
"""


@pytest.fixture
def online(monkeypatch):
    # The suite runs offline; Trainer's pushes here only ever talk to 127.0.0.1.
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)


def online_env(hub: HubStandIn) -> dict:
    return online_environment(env(), hub)


module_hub, hub = recipe_run_fixtures(online_env)  # the process's stand-in Hub, emptied before each test


def python(hub, *argv):
    """`python ARGV` in the repository, online to `hub`: a new process, forked from one that has imported torch,
    transformers, accelerate and datasets (tests/fresh_python.py; a plain `python` paid those imports for each run)."""
    return fresh_python.server(fresh_python.RECIPES, online_env(hub)).run(argv, cwd=REPO, timeout=300)


def finetune(hub, *flags, launcher=()):
    if launcher:
        command = [*launcher, str(FINETUNE), *map(str, flags)]
        result = run_launch(command, timeout=300, cwd=REPO, env=online_env(hub))
    else:
        result = python(hub, FINETUNE, *flags)
    assert result.returncode == 0, result.stderr[-4000:]
    return result


def trainer_pushes(strategy: str, checkpoints, folder):
    """What transformers' Trainer pushes at each of `checkpoints` (folders, in order of saving) under `strategy`: its
    own `_push_from_checkpoint` on a Trainer-layout copy of them (`checkpoint-N`), against another stand-in. Returns
    its commit messages and the repo's files, its `checkpoint-N/` named as here (`checkpoints/step_N/`)."""
    output_dir = folder / "trainer_out"
    args = types.SimpleNamespace(
        hub_strategy=HubStrategy(strategy),
        hub_always_push=True,  # each push is waited for below: none is skipped as still in progress
        output_dir=str(output_dir),
        save_strategy=SaveStrategy.STEPS,
        hub_token="hf_standin",
        hub_revision=None,
    )
    with HubStandIn() as hub:
        api = HfApi(endpoint=hub.endpoint, token="hf_standin")
        api.create_repo("me/trainer")
        trainer = types.SimpleNamespace(
            args=args,
            state=types.SimpleNamespace(global_step=0),
            control=None,
            callback_handler=types.SimpleNamespace(on_push_begin=lambda *_: None),
            processing_class=None,
            push_in_progress=None,
            hub_model_id="me/trainer",
            is_world_process_zero=lambda: True,
        )
        original = transformers.trainer.hf_api
        transformers.trainer.hf_api = lambda: api
        try:
            for checkpoint in checkpoints:
                step = json.loads((checkpoint / "trainer_state.json").read_text())["completed_steps"]
                copied = output_dir / f"checkpoint-{step}"
                shutil.copytree(checkpoint, copied)
                trainer.state.global_step = step
                transformers.trainer.Trainer._push_from_checkpoint(trainer, str(copied))
                if trainer.push_in_progress is not None:
                    trainer.push_in_progress.wait_until_done()
        finally:
            transformers.trainer.hf_api = original
        files = hub.repos["me/trainer"]
    renamed = {}
    for name, content in files.items():
        top, _, rest = name.partition("/")
        if top.startswith("checkpoint-"):
            name = f"checkpoints/step_{top.removeprefix('checkpoint-')}/{rest}"
        renamed[name] = content
    return [commit["summary"] for commit in hub.commits], renamed


def checkpoint_files(files: dict) -> dict:
    return {name: content for name, content in files.items() if name.startswith(("last-checkpoint/", "checkpoints/"))}


@pytest.mark.parametrize("strategy", ["end", "every_save", "checkpoint", "all_checkpoints"])
def test_each_hub_strategy_pushes_the_checkpoints_trainer_pushes(videofolder, tmp_path, online, strategy, hub):
    """Only the model was pushed at a checkpoint (Trainer's every_save), whatever a user wanted: no way to resume from
    the Hub, nor to push only at the end. The reference: Trainer's `_push_from_checkpoint` on the same checkpoints."""
    out = tmp_path / "out"
    flags = ["--dataset", videofolder, "--output_dir", out, "--max_train_steps", 3, "--checkpointing_steps", 1]
    flags += ["--checkpoints_total_limit", 0, "--push_to_hub", "--hub_model_id", "me/vivit"]
    report = uploads(finetune(hub, *flags, "--hub_strategy", strategy, *FLAGS))
    ours, summaries = hub.repos["me/vivit"], [commit["summary"] for commit in hub.commits]
    checkpoints = [out / "checkpoints" / f"step_{step}" for step in (1, 2, 3)]
    trainers_summaries, trainers = trainer_pushes(strategy, checkpoints, tmp_path)
    assert checkpoint_files(ours).keys() == checkpoint_files(trainers).keys()
    assert checkpoint_files(ours) == checkpoint_files(trainers)  # last-checkpoint/ is the last one, byte for byte
    # One push a checkpoint where Trainer makes two (its second says ", checkpoint"), then the end of training; each
    # committed but those a newer one superseded while they waited (a slow link's: none with all_checkpoints)
    pushed = [upload["message"] for upload in report]
    assert pushed == [s for s in trainers_summaries if not s.endswith(", checkpoint")] + ["End of training"]
    assert summaries == committed(report)
    assert strategy in ("every_save", "checkpoint") or not any(upload["superseded"] for upload in report)
    assert ours["model.safetensors"] == (out / "model.safetensors").read_bytes()  # the end's model, last


def test_all_checkpoints_keeps_on_the_hub_the_checkpoints_the_limit_removed_here(videofolder, tmp_path, hub):
    """A checkpoint queued for upload is hard-linked, so --checkpoints_total_limit removing it before its commit runs
    takes nothing from the Hub (Trainer's rotation leaves the pushed checkpoints too)."""
    out = tmp_path / "out"
    flags = ["--dataset", videofolder, "--output_dir", out, "--max_train_steps", 3, "--checkpointing_steps", 1]
    flags += ["--checkpoints_total_limit", 1, "--push_to_hub", "--hub_model_id", "me/vivit"]
    finetune(hub, *flags, "--hub_strategy", "all_checkpoints", *FLAGS)
    files = hub.repos["me/vivit"]
    assert sorted(path.name for path in (out / "checkpoints").iterdir()) == ["step_3"]
    for step in (1, 2, 3):
        state = json.loads(files[f"checkpoints/step_{step}/trainer_state.json"])
        assert state["completed_steps"] == step
    assert files["checkpoints/step_3/model.safetensors"] == (out / "checkpoints/step_3/model.safetensors").read_bytes()
    assert not (out / ".push").exists() or not any((out / ".push").iterdir())  # each staged push removed once done


def download(files: dict, folder, prefix: str = "last-checkpoint/"):
    """What `hf download REPO --include 'last-checkpoint/*' --local-dir FOLDER` writes (the stand-in serves no
    downloads): the repo's files under `prefix`, in their folder."""
    for name, content in files.items():
        if name.startswith(prefix):
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(content)
    return folder / prefix.rstrip("/")


def test_a_run_killed_resumes_on_another_machine_from_the_last_checkpoint_it_pushed(videofolder, tmp_path, hub):
    """The pushed last-checkpoint/ is a whole checkpoint: downloaded into a new folder, `--resume_from_checkpoint` of it
    ends with the uninterrupted run's weights, bit for bit, and the resumed run goes on pushing into it."""
    flags = ["--dataset", videofolder, "--num_train_epochs", 2, "--checkpointing_steps", 2, *FLAGS]
    pushed = ["--push_to_hub", "--hub_model_id", "me/vivit", "--hub_strategy", "checkpoint"]
    finetune(hub, "--output_dir", tmp_path / "uninterrupted", *flags)
    killed = python(
        hub, "-c", KILLED_AFTER_STEP_4_IS_PUSHED, FINETUNE, "--output_dir", tmp_path / "killed", *flags, *pushed
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
    assert not (tmp_path / "killed" / "model.safetensors").exists()
    last = download(hub.repos["me/vivit"], tmp_path / "download")
    assert json.loads((last / "trainer_state.json").read_text())["completed_steps"] == 4
    elsewhere = tmp_path / "elsewhere"
    finetune(hub, "--output_dir", elsewhere, "--resume_from_checkpoint", last, *flags, *pushed)
    files = hub.repos["me/vivit"]
    resumed, reference = weights(elsewhere), weights(tmp_path / "uninterrupted")
    assert resumed.keys() == reference.keys()
    for name in reference:
        torch.testing.assert_close(resumed[name], reference[name], rtol=0, atol=0, msg=name)
    assert json.loads(files["last-checkpoint/trainer_state.json"])["completed_steps"] == 12
    assert files["model.safetensors"] == (elsewhere / "model.safetensors").read_bytes()


def two_process_push_flags(videofolder, out) -> list:
    """The run that pushes on two processes, rank 0 alone uploading and every rank gathering the weights: two steps,
    a checkpoint at each, --hub_strategy checkpoint to me/vivit. Run in tests/test_recipes_distributed.py's
    `accelerate launch` (its "hub_push", with the test), which is online to a stand-in of its own: a launch of its
    own here cost three more processes importing torch."""
    flags = ["--dataset", videofolder, "--output_dir", out, "--max_train_steps", 2, "--checkpointing_steps", 1]
    return [*flags, "--push_to_hub", "--hub_model_id", "me/vivit", "--hub_strategy", "checkpoint", *FLAGS]


@pytest.mark.parametrize(
    "flags, said",
    [
        (["--hub_strategy", "checkpoint"], "argument --hub_strategy: nothing is pushed without --push_to_hub"),
        (["--push_to_hub", "--hub_strategy", "all_checkpoints"], "this run saves none: give --checkpointing_steps"),
        (["--push_to_hub", "--hub_strategy", "last"], "argument --hub_strategy: invalid choice: 'last'"),
    ],
)
def test_a_hub_strategy_that_would_do_nothing_is_refused_before_anything_loads(monkeypatch, capsys, flags, said):
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    with pytest.raises(SystemExit) as refused:
        finetune_flags.parse_args(flags)
    assert refused.value.code == 2 and said in capsys.readouterr().err


def test_hub_strategy_end_with_no_checkpoints_and_the_default_are_taken(monkeypatch):
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    assert finetune_flags.parse_args(["--push_to_hub", "--hub_strategy", "end"]).hub_strategy == "end"
    assert finetune_flags.parse_args(["--push_to_hub"]).hub_strategy == "every_save"  # Trainer's default


def test_an_epochs_checkpoint_is_pushed_as_trainers_every_save_pushes_it(videofolder, tmp_path, hub):
    """`--checkpointing_steps epoch` pushed nothing before the end of training (the push sat beside the steps' saves
    only); Trainer pushes at every save, its message counting the epochs done."""
    flags = ["--dataset", videofolder, "--output_dir", tmp_path, "--num_train_epochs", 2]
    flags += ["--checkpointing_steps", "epoch", "--push_to_hub", "--hub_model_id", "me/vivit", *FLAGS]
    report = uploads(finetune(hub, *flags))
    summaries = [commit["summary"] for commit in hub.commits]
    pushed = [upload["message"] for upload in report]
    assert pushed == ["Training in progress, epoch 1", "Training in progress, epoch 2", "End of training"]
    assert summaries == committed(report)  # (epoch 1's dropped if epoch 2's was pushed before it started)


@pytest.mark.parametrize(
    "strategy, lost",
    [("every_save", None), ("checkpoint", "last-checkpoint"), ("all_checkpoints", "checkpoints/step_1")],
)
def test_a_checkpoint_the_hub_strategy_left_off_the_hub_fails_the_run_with_the_command_that_pushes_it(
    videofolder, tmp_path, online, strategy, lost, hub
):
    """A checkpoint push that gave up (--upload_retries 0, the Hub answering 500 once) ended the run with status 0:
    the end's commit holds no checkpoint, so last-checkpoint/ or checkpoints/step_1/ was never on the Hub. Now the run
    fails naming it, and the command it gives puts the run's own checkpoint there, the end's model untouched. With
    every_save the end's model replaces the one lost: status 0."""
    out = tmp_path / "out"
    flags = ["--dataset", videofolder, "--output_dir", out, "--max_train_steps", 1, "--checkpointing_steps", 1]
    flags += ["--push_to_hub", "--hub_model_id", "me/vivit", "--hub_strategy", strategy, "--upload_retries", 0]
    hub.reset(fail_commits=1)  # the first commit: step 1's push
    result = python(hub, FINETUNE, *flags, *FLAGS)
    if lost is None:
        assert result.returncode == 0, result.stderr[-4000:]
        assert hub.repos["me/vivit"]["model.safetensors"] == (out / "model.safetensors").read_bytes()
        return
    assert result.returncode == 1, result.stderr[-4000:]
    said = result.stderr.strip().splitlines()[-1]
    assert said.startswith("error: training finished but the upload 'Training in progress, step 1' to me/vivit")
    assert lost not in "".join(hub.repos["me/vivit"])
    hf, upload, repo_id, folder, in_repo = shlex.split(said.split("`")[1])
    assert (hf, upload) == ("hf", "upload")
    HfApi(endpoint=hub.endpoint, token="hf_standin").upload_folder(
        repo_id=repo_id, folder_path=folder, path_in_repo=in_repo
    )
    files = hub.repos["me/vivit"]
    checkpoint = out / "checkpoints" / "step_1"
    assert {f"{lost}/{path.name}": path.read_bytes() for path in checkpoint.iterdir()} == checkpoint_files(files)
    assert files["model.safetensors"] == (out / "model.safetensors").read_bytes()  # the end's, not step 1's


def open_uploads_once_waited_for(hub, server, ended) -> None:
    """Opens `hub`'s held uploads once the run forked from `server` has begun a push and then said that it waits for
    its uploads before exiting, or once it has `ended` without saying so."""
    pushing = lambda: any(path.endswith("/preupload/main") for _, path in hub.requests)  # noqa: E731
    while not ended.is_set() and not (pushing() and "waiting for" in server.stderr_path.read_text()):
        time.sleep(0.05)
    hub.uploads_open.set()


def test_a_run_that_fails_after_a_checkpoint_still_pushes_the_checkpoints_it_had_queued(videofolder, tmp_path, hub):
    """A run that stopped on an error (here: its evaluation's logits not finite, a learning rate of 1e30) while its
    last checkpoint was being uploaded exited without it: the upload thread died with the process, and the Hub's
    last-checkpoint/ stayed an older one, or none. Trainer's pushes (futures) finish as the process exits; so do these.
    The reference: the run's own checkpoint of step 1."""
    out = tmp_path / "out"
    flags = ["--dataset", videofolder, "--output_dir", out, "--max_train_steps", 3, "--checkpointing_steps", 1]
    flags += ["--eval_steps", 2, "--learning_rate", "1e30", *FLAGS]
    flags += ["--push_to_hub", "--hub_model_id", "me/vivit", "--hub_strategy", "checkpoint"]
    # step 1's push held under way until the failed run says at its exit that it waits for it (it was a 3 s delay of
    # each push: a wait on every machine, and on a slow one the push could end before the error)
    hub.uploads_open.clear()
    server, ended = fresh_python.server(fresh_python.RECIPES, online_env(hub)), threading.Event()
    opener = threading.Thread(target=open_uploads_once_waited_for, args=(hub, server, ended))
    opener.start()
    try:
        result = server.run([FINETUNE, *flags], cwd=REPO, timeout=300)
    finally:
        ended.set()
        opener.join()
    files = hub.repos["me/vivit"]
    assert result.returncode == 1 and "error: after 2 steps" in result.stderr, result.stderr[-4000:]
    checkpoint = out / "checkpoints" / "step_1"
    assert {f"last-checkpoint/{path.name}": path.read_bytes() for path in checkpoint.iterdir()} == checkpoint_files(
        files
    )


def test_a_pushed_checkpoint_resumed_in_a_new_folder_without_best_snapshots_is_refused_saying_where_they_are(
    videofolder, tmp_path, hub
):
    """--load_best_model_at_end's snapshots stay in the folder of the run that saved them (not pushed): a resume of the
    pushed last-checkpoint/ in a new folder was refused as if the first run had been 'without
    --load_best_model_at_end', which it was not. It now says the checkpoint is another folder's, and the advice holds:
    with that run's snapshot copied as told, the same resume runs."""
    flags = ["--dataset", videofolder, "--checkpointing_steps", 2, "--eval_steps", 2, "--load_best_model_at_end"]
    flags += ["--push_to_hub", "--hub_model_id", "me/vivit", "--hub_strategy", "checkpoint", *FLAGS]
    finetune(hub, "--output_dir", tmp_path / "first", "--max_train_steps", 4, *flags)
    last = download(hub.repos["me/vivit"], tmp_path / "download")
    resume = [FINETUNE, "--output_dir", tmp_path / "elsewhere", "--resume_from_checkpoint", last, *flags]
    resume += ["--max_train_steps", 6]
    refused = python(hub, *resume)
    assert refused.returncode == 2, refused.stderr[-3000:]
    said = refused.stderr.strip().splitlines()[-1]
    assert "without --load_best_model_at_end" not in said, said
    best = re.search(r"copy that run's best/(step_\d+) into (\S+),", said)
    assert best and "is not this output folder's" in said, said
    shutil.copytree(tmp_path / "first" / "checkpoints" / "best" / best[1], Path(best[2]) / best[1])
    finetune(hub, *resume[1:])
    assert (tmp_path / "elsewhere" / "model.safetensors").is_file()
