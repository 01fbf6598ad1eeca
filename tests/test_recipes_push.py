# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Pushing to the Hub, against a local stand-in of its HTTP API (the real huggingface_hub client runs)."""

import contextlib
import json
import logging
import shlex
import subprocess
import threading
import time

import fresh_python
import huggingface_hub
import pytest
from hub_standin import HubStandIn, committed, online_environment, recipe_run_fixtures, uploads
from huggingface_hub import ModelCard
from test_recipes_finetune import FINETUNE, REPO, TINY_MODEL, env, tiny_clip

from vivit_hf.hub.upload import BackgroundUploader, bad_branch_name
from vivit_hf.training import finetune_flags


@pytest.fixture
def online(monkeypatch):
    # The suite runs offline; these tests only ever talk to 127.0.0.1.
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)


def online_env(hub: HubStandIn) -> dict:
    return online_environment(env(), hub)


module_hub, hub = recipe_run_fixtures(online_env)  # the process's stand-in Hub, emptied before each test


def finetune(hub: HubStandIn, *argv, cwd=REPO) -> subprocess.CompletedProcess:
    """`python recipes/finetune.py ARGV` in `cwd`, online to `hub` as the token's user (HF_TOKEN): a new process, forked
    from one that has imported torch, transformers, accelerate and datasets (tests/fresh_python.py)."""
    server = fresh_python.server(fresh_python.RECIPES, online_env(hub))
    return server.run([FINETUNE, *argv], cwd=cwd, timeout=240)


def test_a_failed_upload_is_retried_and_the_local_files_stay(tmp_path, online):
    folder = tmp_path / "checkpoint"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    with HubStandIn(fail_commits=1) as hub:
        uploader = BackgroundUploader("me/retry", endpoint=hub.endpoint, token="hf_standin", retry_delay=0.01)
        record = uploader.push_folder(folder, "step 1")
        uploader.close()
        assert hub.failed_commits == 1
        assert record.success and record.attempts == 2 and "500" in record.errors[0]
        assert hub.repos["me/retry"]["config.json"] == b"{}"
    assert (folder / "config.json").read_text() == "{}"


def test_an_upload_that_keeps_failing_gives_up_and_keeps_the_files(tmp_path, online):
    folder = tmp_path / "staging"
    folder.mkdir()
    (folder / "model.safetensors").write_bytes(b"weights")
    with HubStandIn(fail_commits=10) as hub:
        uploader = BackgroundUploader(
            "me/down", endpoint=hub.endpoint, token="hf_standin", max_retries=2, retry_delay=0.01
        )
        record = uploader.push_folder(folder, "step 2", delete_after=True)
        uploader.close()
        assert not record.success and record.attempts == 3
    assert (folder / "model.safetensors").read_bytes() == b"weights"


def test_a_private_repo_asked_for_is_made_private(online):
    with HubStandIn() as hub:
        uploader = BackgroundUploader("me/secret", endpoint=hub.endpoint, token="hf_standin", private=True)
        uploader.close()
        assert hub.private == {"me/secret": True}


def test_a_private_repo_asked_for_that_exists_public_is_refused_before_any_upload(online):
    """`create_repo(private=True, exist_ok=True)` leaves a repo that exists as it is: `--hub_private_repo` into a repo
    made public earlier (a first run without the flag) pushed the model publicly without a word."""
    with HubStandIn() as hub:
        BackgroundUploader("me/open", endpoint=hub.endpoint, token="hf_standin").close()
        assert hub.private == {"me/open": False}
        with pytest.raises(PermissionError, match="me/open exists and is public"):
            BackgroundUploader("me/open", endpoint=hub.endpoint, token="hf_standin", private=True)
        BackgroundUploader("me/open", endpoint=hub.endpoint, token="hf_standin").close()  # asked public: fine
        hub.private["me/open"] = True  # made private on the Hub: the run goes on
        BackgroundUploader("me/open", endpoint=hub.endpoint, token="hf_standin", private=True).close()
        assert hub.commits == []


def pushing_run(hub: HubStandIn, tmp_path, repo_id: str, steps: int, upload_retries: int):
    """finetune.py for `steps` on a two-class folder, checkpointing every 2 steps into `tmp_path/out` and pushing each
    checkpoint and the end of training to `repo_id`, each upload tried `upload_retries` times again."""
    for split, count in (("train", 4), ("test", 2)):
        for label, name in enumerate(("up", "down")):
            for i in range(count):
                tiny_clip(tmp_path / "data" / split / name / f"{i}.mp4", label, seed=i)
    command = ["--dataset", str(tmp_path / "data"), "--output_dir", str(tmp_path / "out")]
    command += ["--max_train_steps", str(steps), "--checkpointing_steps", "2", "--push_to_hub"]
    command += ["--hub_model_id", repo_id, "--upload_retries", str(upload_retries), *TINY_MODEL]
    return finetune(hub, *command)


def test_push_to_hub_uploads_weights_config_processor_and_a_model_card(tmp_path, hub, capsys, monkeypatch):
    out = tmp_path / "out"
    # The user's own files in --output_dir (their notes, a clip, a secret) are no output of the run: the final commit
    # of the whole folder uploaded them to the model repo. (A script: `--output_dir .` in a project.)
    user_files = {"notes.txt": "mine", "my clips/a.mp4": "video", ".env": "HF_TOKEN=secret", "train.py": "import os"}
    for name, text in user_files.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(text)
    hub.reset(fail_commits=1)
    result = pushing_run(hub, tmp_path, "me/vivit-tiny", steps=4, upload_retries=3)
    assert result.returncode == 0, result.stderr[-5000:]
    files = hub.repos["me/vivit-tiny"]
    summaries = [commit["summary"] for commit in hub.commits]
    # The first commit (step 2) failed once and was retried; the local checkpoints are intact.
    assert hub.failed_commits == 1 and "failed (attempt 1)" in result.stderr
    pushed = [upload["message"] for upload in uploads(result)]
    assert pushed == ["Training in progress, step 2", "Training in progress, step 4", "End of training"]
    assert summaries == committed(uploads(result))  # (step 2's dropped if step 4's was pushed before it started)
    assert (out / "checkpoints" / "step_2" / "model.safetensors").is_file()
    for name in (
        "model.safetensors",
        "config.json",
        "video_preprocessor_config.json",
        "README.md",
        "eval_confusion_matrix.png",
        "all_results.json",
    ):
        assert name in files, name
    assert not any(name.startswith(("checkpoints/", ".push/")) for name in files)
    assert not set(user_files) & set(files), sorted(files)
    assert all((out / name).read_text() == text for name, text in user_files.items())  # kept here
    # The user's local paths (here the data set's folder) stay on this machine, as the card keeps them: all_results.json
    # carried them (settings, dataset_folder); what recognises a rerun is in run_settings.json, not uploaded.
    assert [name for name, content in files.items() if str(tmp_path).encode() in content] == []
    assert "run_settings.json" not in files and str(tmp_path) in (out / "run_settings.json").read_text()
    card = ModelCard(files["README.md"].decode())
    assert card.data.pipeline_tag == "video-classification"
    results = {result.metric_name: result.metric_value for result in card.data.eval_results}
    local = json.loads((out / "all_results.json").read_text())
    assert results["top-1 accuracy (1 clip x 1 crop)"] == pytest.approx(100 * local["top1"], abs=0.01)
    assert json.loads(files["config.json"])["model_type"] == "vivit_spatio_temporal"
    # Offline, --push_to_hub is refused with the `hf upload` command that uploads the folder later: it said `hf upload
    # <repo> <output_dir>`, which filled in uploaded the checkpoints, logs, run_settings.json and the user's files. Its
    # flags, as the `hf upload` CLI passes them to `upload_folder`, upload what the push did.
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(SystemExit):
        finetune_flags.parse_args(["--output_dir", str(out), "--push_to_hub", "--hub_model_id", "me/by-hand"])
    command = shlex.split(capsys.readouterr().err.split("`")[-2])
    assert command[:5] == ["hf", "upload", "me/by-hand", str(out), "."], command
    flags = {"--include": [], "--exclude": []}
    for flag, value in zip(command[5::2], command[6::2], strict=True):
        flags[flag].append(value)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    api = huggingface_hub.HfApi(endpoint=hub.endpoint, token="hf_standin")
    api.create_repo("me/by-hand")
    api.upload_folder(
        repo_id="me/by-hand",
        folder_path=out,
        allow_patterns=flags["--include"] or None,
        ignore_patterns=flags["--exclude"],
    )  # (as the CLI: no --include is None, every file)
    assert sorted(hub.repos["me/by-hand"]) == sorted(files)


def test_a_run_whose_uploads_all_fail_exits_non_zero_and_keeps_its_outputs(tmp_path, hub):
    # A scheduler only sees the exit status: a run that trained but could not put the model on the Hub must say so.
    out = tmp_path / "out"
    hub.reset(fail_commits=1000)
    result = pushing_run(hub, tmp_path, "me/vivit-down", steps=2, upload_retries=0)
    # One attempt each (no retries): the step-2 snapshot and the end of training.
    assert hub.failed_commits == 2 and hub.repos["me/vivit-down"] == {}
    assert result.returncode != 0, result.stderr[-5000:]
    assert "Traceback" not in result.stderr, result.stderr[-5000:]
    assert "End of training" in result.stderr and str(out) in result.stderr
    # Everything local is there: the model, its card and results, the checkpoint and the staging folder kept.
    for name in ("model.safetensors", "config.json", "video_preprocessor_config.json", "README.md", "all_results.json"):
        assert (out / name).is_file(), name
    assert (out / "checkpoints" / "step_2" / "model.safetensors").is_file()
    assert (out / ".push" / "step_2" / "model.safetensors").is_file()


def test_an_uploader_to_a_branch_makes_it_and_commits_there(tmp_path, online):
    """`revision`: the branch is made when missing (the Hub refuses a commit to a missing revision), found when it
    exists, every commit goes there, and a failed upload's command names it (`hf upload` pushed the files to main)."""
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "model.safetensors").write_bytes(b"weights")
    with HubStandIn() as hub:
        for _ in range(2):  # made, then found
            uploader = BackgroundUploader("me/vivit", endpoint=hub.endpoint, token="hf_standin", revision="exp/a")
            record = uploader.push_folder(folder, "End of training")
            uploader.close()
            assert record.success, record.errors
        assert [commit["revision"] for commit in hub.commits] == ["exp/a", "exp/a"]
        assert hub.branches["me/vivit"]["exp/a"] == {"model.safetensors": b"weights"} and hub.repos["me/vivit"] == {}
        hub.fail_commits = 10
        uploader = BackgroundUploader("me/vivit", endpoint=hub.endpoint, token="hf_standin", revision="exp/a")
        record = uploader.push_folder(folder, "End of training")
        uploader.max_retries = 0
        uploader.close()
    assert f"hf upload me/vivit {folder} . --revision exp/a" in uploader.failure_message(record)


def test_a_failed_upload_names_the_kept_folder_and_the_command_that_finishes_it(tmp_path, online):
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "model.safetensors").write_bytes(b"weights")
    with HubStandIn(fail_commits=10) as hub:
        uploader = BackgroundUploader("me/later", endpoint=hub.endpoint, token="hf_standin", max_retries=0)
        record = uploader.push_folder(folder, "End of training", ignore_patterns=["checkpoints/*"])
        uploader.close()
    assert uploader.failed() == [record]
    message = uploader.failure_message(record)
    assert str(folder) in message and "500" in message
    assert f"hf upload me/later {folder} . --exclude 'checkpoints/*'" in message


def test_a_resumed_run_pushes_to_its_repo_the_card_of_the_steps_it_trained(tmp_path, hub):
    """A run resumed with --push_to_hub finds its repo made by the first run: the stand-in answered that 409 with an
    empty url, on which huggingface_hub's create_repo(exist_ok=True) fails ("Invalid HF URI 'hf://'"), where the Hub
    gives the repo's url, so no resumed push was tested. The reference: the local outputs the resume wrote.

    Both runs push to `--hub_revision v2` (transformers' `hub_revision`, which the recipe lacked): the first makes
    the branch, the resume finds it; every commit, checkpoints', card and end, goes there, `main` gets none, and the
    card's usage example loads the branch."""
    for split, count in (("train", 4), ("test", 2)):
        for label, name in enumerate(("up", "down")):
            for i in range(count):
                tiny_clip(tmp_path / "data" / split / name / f"{i}.mp4", label, seed=i)
    out = tmp_path / "out"
    flags = ["--dataset", str(tmp_path / "data"), "--output_dir", str(out), "--checkpointing_steps", "1"]
    flags += ["--push_to_hub", "--hub_model_id", "me/vivit-tiny", "--hub_revision", "v2", *TINY_MODEL]
    for more in (["--max_train_steps", "2"], ["--max_train_steps", "3", "--resume_from_checkpoint", "latest"]):
        result = finetune(hub, *flags, *more)
        assert result.returncode == 0, result.stderr[-3000:]
    files = hub.branches["me/vivit-tiny"]["v2"]
    assert [commit["summary"] for commit in hub.commits][-2:] == ["Training in progress, step 3", "End of training"]
    assert {commit["revision"] for commit in hub.commits} == {"v2"} and hub.repos["me/vivit-tiny"] == {}
    assert 'from_pretrained("me/vivit-tiny", revision="v2", trust_remote_code=True)' in files["README.md"].decode()
    assert files["README.md"] == (out / "README.md").read_bytes()
    assert "| max_train_steps | 2, then 3 after step 2 (resumed) |" in files["README.md"].decode()
    assert files["model.safetensors"] == (out / "model.safetensors").read_bytes()
    assert not any(name.startswith(("checkpoints/", ".push/")) or name == "run_settings.json" for name in files)


@pytest.fixture(scope="module")
def pushed_without_owner(tmp_path_factory, module_hub):
    """A run pushed as `--hub_model_id vivit-tiny` (no owner: the Hub puts it under the token's user) with its token
    given as `--hub_token` and the trackers on (their default): the folder, the stand-in's repos and its token."""
    tmp_path = tmp_path_factory.mktemp("pushed")
    for split, count in (("train", 4), ("test", 2)):
        for label, name in enumerate(("up", "down")):
            for i in range(count):
                tiny_clip(tmp_path / "data" / split / name / f"{i}.mp4", label, seed=i)
    out, token = tmp_path / "out", "hf_standinSecretToken42"
    flags = ["--dataset", str(tmp_path / "data"), "--output_dir", str(out), "--max_train_steps", "2"]
    flags += ["--push_to_hub", "--hub_model_id", "vivit-tiny", "--hub_token", token, *TINY_MODEL]
    flags[flags.index("--with_tracking") + 1] = "true"  # tensorboard, the default
    hub = module_hub
    hub.reset()
    result = finetune(hub, *flags)
    assert result.returncode == 0, result.stderr[-3000:]
    # HF_TOKEN is set too (the environment of this module's fork server): each request that carried a token carried
    # --hub_token's (the token the run was given; a request may carry none)
    assert hub.tokens - {None} == {f"Bearer {token}"}
    return out, hub.repos, token


def test_the_pushed_cards_usage_example_loads_the_repo_pushed_to(pushed_without_owner):
    """The card's `from_pretrained("vivit-tiny")` named no repo (the Hub's is `standin-user/vivit-tiny`): a reader who
    copied it got an error. The reference: the repo the Hub made, as the stand-in names it."""
    _, repos, _ = pushed_without_owner
    (repo,) = repos
    card = ModelCard(repos[repo]["README.md"].decode())
    assert repo == "standin-user/vivit-tiny"
    assert f'AutoModelForVideoClassification.from_pretrained("{repo}", trust_remote_code=True)' in card.text
    assert f'AutoVideoProcessor.from_pretrained("{repo}", trust_remote_code=True)' in card.text


def test_the_hub_token_is_in_no_file_the_run_writes(pushed_without_owner):
    """`--hub_token` went into the trackers' hparams: TensorBoard's event file held the token in clear (and wandb
    would have sent it on)."""
    out, repos, token = pushed_without_owner
    written = [path for path in out.rglob("*") if path.is_file()]
    assert any(path.name.startswith("events.out.tfevents") for path in written), sorted(map(str, written))
    assert [path for path in written if token.encode() in path.read_bytes()] == []
    assert [name for repo in repos.values() for name, content in repo.items() if token.encode() in content] == []


def test_the_logged_learning_rate_is_the_one_each_step_trained_at_as_trainer_logs_it(pushed_without_owner):
    """(This module's run is the suite's one with the trackers on and a schedule whose rate changes every step.)
    train/lr was read after the schedule's step: the next step's rate, one step early (the warm-up's first step,
    trained at 0, logged a quarter of the rate). Trainer reads it before the step (`get leaning rate before update`):
    the default rate over a warm-up of one epoch, 4 steps of 8 clips in batches of 2: 0 at step 1, a quarter at step 2
    (7.5e-4 of the preset's 3e-3)."""
    from test_recipes_train_results import logged_scalars

    from vivit_hf.training.presets import PRESETS

    out, _, _ = pushed_without_owner
    rate = PRESETS["synthetic_motion"]["learning_rate"]
    assert logged_scalars(out, "train/lr") == pytest.approx({1: 0.0, 2: rate / 4})


def test_a_run_in_its_own_folder_pushes_to_a_repo_of_that_folders_name(tmp_path, hub):
    """`--output_dir .` without `--hub_model_id` named the repo `Path(".").name`, "": after the whole data set was
    read, the run stopped on `cannot create the Hub repo : HFValidationError`. transformers' Trainer names it after
    the folder, as the reference here: the folder's own name."""
    for split, count in (("train", 4), ("test", 2)):
        for label, name in enumerate(("up", "down")):
            for i in range(count):
                tiny_clip(tmp_path / "data" / split / name / f"{i}.mp4", label, seed=i)
    run_folder = tmp_path / "vivit-ucf"
    run_folder.mkdir()
    flags = ["--dataset", str(tmp_path / "data"), "--output_dir", ".", "--max_train_steps", "1", "--push_to_hub"]
    result = finetune(hub, *flags, *TINY_MODEL, cwd=run_folder)
    assert result.returncode == 0, result.stderr[-3000:]
    assert list(hub.repos) == [f"standin-user/{run_folder.name}"]
    assert (
        hub.repos[f"standin-user/{run_folder.name}"]["model.safetensors"]
        == (run_folder / "model.safetensors").read_bytes()
    )


@pytest.mark.parametrize(
    "flags, named",
    [
        (["--hub_model_id", "me/my vivit"], "argument --push_to_hub: 'me/my vivit' is no Hub repo id"),
        (
            ["--output_dir", "runs/k400 (v2)"],
            "'k400 (v2)' (no --hub_model_id: the name of --output_dir runs/k400 (v2))",
        ),
        # a branch name git (and so the Hub) refuses, or a commit, which no push goes to: refused by the Hub's first
        # commit, after the data set was read and the model built
        (["--hub_revision", "my branch"], "argument --hub_revision: 'my branch' is no branch name: git refuses spaces"),
        (["--hub_revision", "v1..v2"], "argument --hub_revision: 'v1..v2' is no branch name: git refuses '..'"),
        (["--hub_revision", "exp.lock"], "argument --hub_revision: 'exp.lock' is no branch name"),
        (["--hub_revision", "0123456789abcdef0123456789abcdef01234567"], "is no branch name: it is a commit id"),
    ],
)
def test_a_repo_name_the_hub_refuses_is_refused_before_anything_loads(monkeypatch, capsys, flags, named):
    """It was refused by create_repo, once the whole data set was read and the model built. The reference:
    huggingface_hub's own `validate_repo_id`, which refuses a space."""
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)  # parse_args asks it
    with pytest.raises(SystemExit) as refused:
        finetune_flags.parse_args(["--push_to_hub", *flags])
    assert refused.value.code == 2 and named in capsys.readouterr().err


@pytest.mark.parametrize("pushing", [True, False])
def test_every_command_refuses_a_push_branch_in_the_same_words(tmp_path, capsys, monkeypatch, pushing):
    """finetune.py, the shard writer and the converter each refused a bad push branch in words of their own (the
    converter: `--revision v1..v2: git refuses ...`, the shard writer without the word branch, finetune.py without the
    value when nothing is pushed): one wording now (`push_revision_refusal`), naming the flag and the value typed."""
    from vivit_hf.conversion.cli import main as convert_main
    from vivit_hf.training.data.shard import main as shard_main

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)  # refused before any request
    push = ["--push_to_hub", "--hub_model_id", "me/x"]
    missing = str(tmp_path / "no-such-folder")
    converting = ["transformers", "--model", missing, "--out", str(tmp_path / "out")]
    commands = [
        (finetune_flags.parse_args, [], "--hub_revision", push),
        (shard_main, ["--dataset", missing, "--out", str(tmp_path / "shards")], "--hub_revision", push),
        (convert_main, converting, "--revision", push),  # push_to_hub's `revision=`
        (convert_main, converting, "--hub_revision", ["--push-to-hub", "me/x"]),  # the converter's own, deprecated
    ]
    for main, flags, flag, push_flags in commands:
        with pytest.raises(SystemExit) if main is not convert_main else contextlib.nullcontext():
            main([*flags, *(push_flags if pushing else []), flag, "v1..v2"])
        said = capsys.readouterr().err.strip().splitlines()[-1]
        wanted = (
            f"argument {flag}: 'v1..v2' is no branch name: git refuses '..', '@{{' and '//' in a branch name"
            if pushing
            else f"argument {flag}: 'v1..v2': nothing is pushed without --push_to_hub; add it, or leave {flag} out"
        )
        assert said.endswith(f"error: {wanted}"), (main.__module__, said)


@pytest.mark.parametrize(
    "bad_id, offline", [(True, False), (False, True), (True, True)], ids=["bad_id", "offline", "bad_id_offline"]
)
def test_every_command_refuses_a_push_it_cannot_make_in_the_same_words(tmp_path, capsys, monkeypatch, bad_id, offline):
    """A repo id the Hub refuses, or offline mode: finetune.py and the shard writer said `argument --push_to_hub:
    'me/my vivit' is no Hub repo id: ...`, the converter `--push-to-hub me/my vivit: not a Hub repo id (owner/name):
    ...` and "nothing can be uploaded" offline, from three copies of the check: one now (`push_repo_refusal`). The
    reference for the id: huggingface_hub's own `validate_repo_id`. A bad id is said offline too (a typo, whatever
    the machine): the shard writer and the converter asked offline mode first."""
    from huggingface_hub.utils import HFValidationError, validate_repo_id

    from vivit_hf.conversion.cli import main as convert_main
    from vivit_hf.training.data.shard import main as shard_main

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", offline)
    repo = "me/my vivit" if bad_id else "me/vivit"
    missing = str(tmp_path / "no-such-folder")
    push = ["--push_to_hub", "--hub_model_id", repo]
    converting = ["transformers", "--model", missing, "--out", str(tmp_path / "out")]
    commands = [  # (the folder each uploads: finetune.py's default --output_dir)
        (finetune_flags.parse_args, push, "outputs ."),
        (
            shard_main,
            ["--dataset", missing, "--out", str(tmp_path / "shards"), *push],
            f"{tmp_path}/shards . --repo-type dataset",
        ),
        (convert_main, [*converting, *push], f"{tmp_path}/out ."),
        (convert_main, [*converting, "--push-to-hub", repo], f"{tmp_path}/out ."),  # its own spelling, deprecated
    ]
    with pytest.raises(HFValidationError) as invalid:
        validate_repo_id("me/my vivit")
    for main, flags, folder in commands:
        with pytest.raises(SystemExit) if main is not convert_main else contextlib.nullcontext():
            main(flags)
        said = capsys.readouterr().err.strip().splitlines()[-1]
        wanted = (
            "argument --push_to_hub: offline mode is on (HF_HUB_OFFLINE), so nothing can be pushed: unset "
            "HF_HUB_OFFLINE and TRANSFORMERS_OFFLINE to push, or drop "
            "--push_to_hub"
            if not bad_id
            else f"argument --push_to_hub: 'me/my vivit' is no Hub repo id: {invalid.value}"
        )
        assert f"error: {wanted}" in said, (main.__module__, said)
        if offline and not bad_id:  # the command that uploads later names the repo and folder (it said <repo> <out>)
            assert f"`hf upload me/vivit {folder}" in said, said


def test_the_offline_push_refusals_upload_command_is_one_short_line_taking_what_the_push_takes(
    tmp_path, capsys, monkeypatch
):
    """Offline, --push_to_hub is refused naming the `hf upload` command that uploads --output_dir later: it named each
    file to include, 1051 characters of `--include` (the model's code is 26 files). It names what stays out now; as
    the CLI hands its flags to `upload_folder` (`filter_repo_objects`), it takes what the run's end pushes (the
    recipe's own `not_uploaded`), not the files of a project used as --output_dir."""
    import importlib.util

    from huggingface_hub.utils import filter_repo_objects

    out = tmp_path / "project"
    for name in ("train.py", "notes.txt", ".env", "data [v2].csv"):  # the project's, there before the run
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(name)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(SystemExit):
        finetune_flags.parse_args(["--output_dir", str(out), "--push_to_hub", "--hub_model_id", "me/later"])
    command = shlex.split(capsys.readouterr().err.split("`")[-2])
    assert command[:5] == ["hf", "upload", "me/later", str(out), "."] and len(shlex.join(command[5:])) < 150, command
    flags = {"--include": [], "--exclude": []}
    for flag, value in zip(command[5::2], command[6::2], strict=True):
        flags[flag].append(value)
    # the run's end: its final outputs, run settings, checkpoints, logs, Hub snapshot and lock
    final = {"config.json", "README.md", "model.safetensors", "modeling_vivit.py", "all_results.json", "eval_a.png"}
    final |= {"run_settings.json"}
    for name in (
        *final,
        "checkpoints/step_2/model.safetensors",
        ".push/step_2/config.json",
        "finetune/log",
        ".run.lock",
    ):
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(name)
    spec = importlib.util.spec_from_file_location("vivit_recipes_finetune", FINETUNE)
    recipe = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(recipe)
    every = [path.relative_to(out).as_posix() for path in out.rglob("*") if path.is_file()]
    pushed = list(filter_repo_objects(every, ignore_patterns=recipe.not_uploaded(out, final)))
    by_hand = filter_repo_objects(every, allow_patterns=flags["--include"] or None, ignore_patterns=flags["--exclude"])
    assert sorted(by_hand) == sorted(pushed) == sorted(final - {"run_settings.json"}), flags


def test_a_branch_name_is_taken_as_git_takes_it(tmp_path):
    """The names `bad_branch_name` lets through are those `git check-ref-format --branch` takes (the reference)."""
    import shutil

    if shutil.which("git") is None:
        pytest.skip("no git")
    names = ["v2", "exp/lr-0.1", "refs/pr/3", "a@b", "my branch", "v1..v2", "x.lock", ".hidden", "a/.b", "a//b", "-x"]
    names += ["end.", "a~1", "a:b", "a?", "a*", "a[b", "a\\b", "a@{1}", "HEAD", "v1.lock/b"]
    for name in names:
        git = subprocess.run(["git", "check-ref-format", "--branch", name], capture_output=True, cwd=tmp_path)
        assert (bad_branch_name(name) is None) == (git.returncode == 0), name


def test_a_hub_token_without_push_to_hub_is_refused(monkeypatch, capsys):
    """`--hub_token` only pushes: given to read a private data set, it was dropped without a word, and the read
    failed as if no token had been given."""
    with pytest.raises(SystemExit) as refused:
        finetune_flags.parse_args(["--hub_token", "hf_mine"])
    said = capsys.readouterr().err
    assert refused.value.code == 2 and "argument --hub_token: nothing is pushed without --push_to_hub" in said
    # and what does read a private data set (huggingface_hub's token: the login's, or HF_TOKEN), which it did not say
    assert said.rstrip().endswith("a private data set or model is read with your login (hf auth login) or HF_TOKEN")


def test_a_checkpoint_push_queued_behind_an_upload_is_dropped_for_the_newer_one_that_replaces_it(
    tmp_path, online, caplog
):
    """Each --hub_strategy checkpoint push rewrites the model and last-checkpoint/ of the one before: one still waiting
    when a newer is queued was uploaded anyway, only to be replaced, holding its hard-linked checkpoint on disk till
    then (on a link slower than the checkpoints, a queue and a disk growing with the run). Now it is dropped, its
    staging folder removed at once; the newest is uploaded (Trainer, instead, skips pushes while one is in progress)."""
    import importlib.util

    import torch
    from accelerate import Accelerator

    from vivit_hf import ViViTSpatioTemporalConfig, ViViTSpatioTemporalForVideoClassification, ViViTVideoProcessor

    spec = importlib.util.spec_from_file_location("finetune_recipe", FINETUNE)
    recipe = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(recipe)
    config = ViViTSpatioTemporalConfig(
        image_size=16, num_frames=2, tubelet_size=[2, 8, 8], hidden_size=8, num_hidden_layers=1,
        num_attention_heads=2, intermediate_size=8, num_labels=2,
    )  # fmt: skip
    model, processor = ViViTSpatioTemporalForVideoClassification(config), ViViTVideoProcessor(num_frames=2)
    checkpoints = []
    for step in (1, 2, 3):
        checkpoints.append(tmp_path / "out" / "checkpoints" / f"step_{step}")
        checkpoints[-1].mkdir(parents=True)
        (checkpoints[-1] / "trainer_state.json").write_text(json.dumps({"completed_steps": step}))
    accelerator = Accelerator(cpu=True)
    with HubStandIn() as hub:
        uploader = BackgroundUploader("me/vivit", endpoint=hub.endpoint, token="hf_standin")
        hub.uploads_open.clear()  # step 1's upload held under way while steps 2 and 3 are pushed, however slow they are
        with torch.no_grad():
            recipe.push_checkpoint(accelerator, model, processor, uploader, checkpoints[0], "checkpoint")
            # the waits below end at 60 s only where the push is broken (never sent, its exit's wait never said): the
            # test then fails on what is missing, where it hung the session
            bound = time.monotonic() + 60
            while not any(path.endswith("/preupload/main") for _, path in hub.requests) and time.monotonic() < bound:
                time.sleep(0.01)
            for checkpoint in checkpoints[1:]:
                recipe.push_checkpoint(accelerator, model, processor, uploader, checkpoint, "checkpoint")
        assert not (tmp_path / "out" / ".push" / "step_2").exists()  # its disk given back now, not after an upload
        # a run ending now waits for step 1's upload and step 3's: it said "waiting for 3", counting step 2 too
        with caplog.at_level(logging.WARNING, logger="vivit_hf.hub.upload"):
            ending = threading.Thread(target=uploader._finish_at_exit)
            ending.start()
            bound = time.monotonic() + 60
            while ending.is_alive() and "waiting for" not in caplog.text and time.monotonic() < bound:
                time.sleep(0.01)
            hub.uploads_open.set()
            ending.join()
        assert "waiting for 2 upload(s)" in caplog.text, caplog.text
        uploader.close()
        summaries = [commit["summary"] for commit in hub.commits]
        pushed = json.loads(hub.repos["me/vivit"]["last-checkpoint/trainer_state.json"])
    assert summaries == ["Training in progress, step 1", "Training in progress, step 3"]
    assert pushed == {"completed_steps": 3}
    assert not uploader.failed() and not uploader.checkpoints_not_pushed()
