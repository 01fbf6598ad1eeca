# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""Every upload vivit_hf makes: in the background while training goes on, or at once (`push_folder`), retried.

Each push is a snapshot: the files are written (or copied) into a staging folder on the caller's thread, then
a worker thread commits them with `HfApi.create_commit`. A failed commit is retried with exponential
back-off; the staging folder is removed only after a successful commit, and the training checkpoints are
never touched, so a flaky connection costs an upload, never local work.
"""

from __future__ import annotations

import atexit
import fnmatch
import glob
import logging
import os
import queue
import re
import shlex
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from huggingface_hub import CommitOperationAdd, HfApi
from huggingface_hub.constants import DEFAULT_REVISION

from ..repo_id import offline_remedy, offline_switch

logger = logging.getLogger(__name__)

# transformers' `TrainingArguments.hub_strategy` values, in `trainer_utils.HubStrategy`'s order (not its default first:
# that is every_save, as ours)
HUB_STRATEGIES = ("end", "every_save", "checkpoint", "all_checkpoints")
LAST_CHECKPOINT = "last-checkpoint"  # Trainer's folder in the repo for `checkpoint`: the one to resume from


def bad_branch_name(name: str) -> str | None:
    """Why `name` cannot be the branch a push goes to (None: it can): finetune.py's `--hub_revision`, the
    converter's `--revision`. By git's rules for a ref name (`git check-ref-format --branch`), which the Hub's
    follow, and the Hub's own: a commit id is no branch to push to (a commit is made on a branch). Refused before
    the run: the Hub refused it at the first push, after the data set was read and the model built, and each
    checkpoint's push failed in turn."""
    if not name or name != name.strip():
        return "it is empty or has leading or trailing spaces"
    if re.fullmatch(r"[0-9a-f]{40}", name):
        return "it is a commit id; pushes go to a branch (give a branch name; it is made if missing)"
    if re.search(r"[\x00-\x20\x7f~^:?*\[\\]", name):
        return "git refuses spaces, control characters and any of ~ ^ : ? * [ \\ in a branch name"
    if ".." in name or "@{" in name or "//" in name:
        return "git refuses '..', '@{' and '//' in a branch name"
    if name == "HEAD":
        return "HEAD names the current commit, not a branch"
    if name.startswith(("-", "/")) or name.endswith(("/", ".", ".lock")):
        return "git refuses a branch name that starts with - or / or ends with /, . or .lock"
    if any(part.startswith(".") or part.endswith(".lock") for part in name.split("/")):
        return "git refuses a part of a branch name (between slashes) that starts with . or ends with .lock"
    return None


def unpushed_flag_refusal(flag: str, push_flag: str, value: str | None = None) -> str:
    """`flag`, a flag of the push alone (the repo, its token, its visibility, its branch `value`...), given without
    `push_flag`, in argparse's words: nothing was pushed, exit 0, as if the flag had been used. `--hub_token` given to
    read a private data set or model read nothing (the read failed as if no token had been given): the refusal says
    what reads one."""
    given = "" if value is None else f"{value!r}: "
    said = f"argument {flag}: {given}nothing is pushed without {push_flag}; add it, or leave {flag} out"
    reading = "; a private data set or model is read with your login (hf auth login) or HF_TOKEN"
    return said + (reading if flag == "--hub_token" else "")


def upload_command(repo_id: str, folder, in_repo: str = ".", *flags: str, revision=None, private=False) -> str:
    """The `hf upload` command line that uploads `folder` to `in_repo` of the Hub repo `repo_id` by hand (`flags`:
    its `--include` / `--exclude` / `--repo-type`...; `revision`: the branch; `private`: a repo made private), each
    word quoted for a shell."""
    chosen = [*(("--revision", revision) if revision else ()), *(("--private",) if private else ())]
    return shlex.join(["hf", "upload", repo_id, str(folder), in_repo, *chosen, *flags])


def top_level_flags(folder, names, also_excluded=()) -> list[str]:
    """The `hf upload` flags that upload of `folder` what a push of it takes, the files at its top that `names`
    (names or patterns) match, said as what stays out: its subfolders (checkpoints, logs, Hub snapshots), its dot
    files (a `.env`, a run's lock), `also_excluded`, and each file at its top now that `names` does not match (a
    user's notes, a project's scripts with `--output_dir .`). The files to include, named, were ~1000 characters of
    `--include` (the model's code is 26 files). `hf upload` matches a pattern with fnmatch, whose `*` crosses `/`:
    `*/*` keeps every subfolder out. A file put in `folder` after this is said is not known to stay out."""
    folder = Path(folder)
    top = sorted(path.name for path in folder.iterdir() if path.is_file()) if folder.is_dir() else []
    others = [name for name in top if not any(fnmatch.fnmatchcase(name, pattern) for pattern in names)]
    excluded = dict.fromkeys(("*/*", ".*", *also_excluded, *(glob.escape(name) for name in others if name[0] != ".")))
    return [word for pattern in excluded for word in ("--exclude", pattern)]


def push_repo_refusal(flag: str, repo_id: str, upload_later: str, named: str = "") -> str | None:
    """Why `flag` cannot push to the Hub repo `repo_id`, in argparse's words; None: it can, as far as is known before
    the work (the token and the repo are the uploader's to check). One wording for finetune.py, the shard writer and
    the converter, each of which said it in its own words (the converter without `argument`), asked before anything
    is read: a repo id the Hub refuses (a typo, said whatever the machine), then offline mode, which refused the
    push once every shard was written or the model trained. `upload_later`: the `hf upload` command that uploads what
    the push would, later (`upload_command`); `named`: how `repo_id` came about where it was not typed (`(no
    --hub_model_id: ...)`)."""
    from huggingface_hub.constants import is_offline_mode
    from huggingface_hub.errors import HFValidationError
    from huggingface_hub.utils import validate_repo_id

    try:
        validate_repo_id(repo_id)
    except HFValidationError as error:
        return f"argument {flag}: {repo_id!r}{named} is no Hub repo id: {' '.join(str(error).split())}"
    if is_offline_mode():
        return (
            f"argument {flag}: offline mode is on ({offline_switch()}), so nothing can be pushed: "
            f"{offline_remedy('to push')}, or drop {flag} and upload the folder later (`{upload_later}`)"
        )
    return None


def push_revision_refusal(flag: str, revision: str | None, push_flag: str, pushing: bool) -> str | None:
    """Why `flag REVISION`, the branch a command pushes to (finetune.py's and the shard writer's `--hub_revision`, the
    converter's `--revision`), is refused, in argparse's words; None: it is not. One wording for every command, asked
    before anything is read: a name git refuses, or a commit id, would fail at the Hub once the work is done (every
    shard written, the model trained), and the flag without `push_flag` would push nothing."""
    if revision is None:
        return None
    if not pushing:
        return unpushed_flag_refusal(flag, push_flag, revision)
    why = bad_branch_name(revision)
    return why and f"argument {flag}: {revision!r} is no branch name: {why}"


def read_revision_refusal(flag: str, revision: str | None, source_flag: str, source: str | None) -> str | None:
    """Why `flag REVISION`, the revision a command reads the Hub repo `source_flag SOURCE` at (`from_pretrained`'s
    `revision=`: a branch, a tag or a commit id), is refused, in argparse's words; None: it is not. Asked before
    anything loads: a model pushed to a branch (`--hub_revision`) could not be read back at all, and a revision no
    ref can be named by failed only once the data set was read. A local folder has no revision."""
    if revision is None:
        return None
    if not source:
        return f"argument {flag}: it names the revision of {source_flag}, which is not given"
    if os.path.exists(os.path.expanduser(source)):
        return f"argument {flag}: {source_flag} {source} is a local folder or file, which has no revision"
    # a commit id is a revision to read, though no branch to push to
    why = None if re.fullmatch(r"[0-9a-f]{40}", revision) else bad_branch_name(revision)
    return why and f"argument {flag}: {revision!r} is no branch, tag or commit name: {why}"


def checkpoint_in_repo(strategy: str, checkpoint: Path) -> str | None:
    """Where `--hub_strategy` puts a checkpoint folder in the repo, as Trainer's `_push_from_checkpoint`: `checkpoint`
    under `last-checkpoint/` (each replacing the last), `all_checkpoints` under its own name, as it lies in the output
    folder (`checkpoints/step_N` here, Trainer's `checkpoint-N`); None for `end` and `every_save` (the model alone)."""
    if strategy == "checkpoint":
        return LAST_CHECKPOINT
    if strategy == "all_checkpoints":
        return f"{checkpoint.parent.name}/{checkpoint.name}"
    return None


def link_folder(source: Path, target: Path) -> None:
    """`source`'s files in `target` as hard links (copies where the file system has none): a queued upload keeps the
    checkpoint it was given when --checkpoints_total_limit deletes it before the commit runs, at no cost in disk."""
    for path in sorted(p for p in source.rglob("*") if p.is_file()):
        linked = target / path.relative_to(source)
        linked.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(path, linked)
        except OSError:
            shutil.copy2(path, linked)


@dataclass
class UploadRecord:
    message: str
    folder: str
    attempts: int = 0
    success: bool = False
    errors: list[str] = field(default_factory=list)
    commit: str | None = None
    ignore_patterns: tuple[str, ...] = ()
    delete_after: bool = False
    checkpoint: str | None = None  # --hub_strategy: where in `folder` (and in the repo) a pushed checkpoint lies
    replaces: bool = False  # its commit rewrites every file of an earlier push that `replaces` (`push_folder`)
    started: bool = False
    superseded: bool = False  # dropped before it started: a later push that replaces it was queued


def folder_operations(folder: Path, ignore_patterns=()) -> list[CommitOperationAdd]:
    operations = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = path.relative_to(folder).as_posix()
        if any(fnmatch.fnmatch(relative, pattern) for pattern in ignore_patterns):
            continue
        operations.append(CommitOperationAdd(path_in_repo=relative, path_or_fileobj=str(path)))
    return operations


def _create_repo(api: HfApi, repo_id: str, private: bool, repo_type: str) -> str:
    """`repo_id` made if missing; its full id (`owner/name`: a name alone is the token's user's)."""
    full_id = api.create_repo(repo_id, private=private, repo_type=repo_type, exist_ok=True).repo_id
    # create_repo(exist_ok=True) leaves a repo that exists as it is: a private push into a public one (made by an
    # earlier run without the flag) would put the model on show
    if private and not api.repo_info(full_id, repo_type=repo_type).private:
        raise PermissionError(
            f"{full_id} exists and is public, and a private repo was asked for: make it private on the Hub "
            "(its Settings) or push to another repo"
        )
    return full_id


def create_repo(repo_id: str, *, token: str | None = None, private: bool = False, endpoint: str | None = None) -> str:
    """The model repo `repo_id`, made now if missing (as `BackgroundUploader` makes it); returns its full id, which
    a card written before the upload names. `HF_ENDPOINT` / `HF_TOKEN` are read at call time, as `push_folder`
    reads them."""
    api = HfApi(endpoint=endpoint or os.environ.get("HF_ENDPOINT"), token=token or os.environ.get("HF_TOKEN"))
    return _create_repo(api, repo_id, private, "model")


class BackgroundUploader:
    """Commits folders to `repo_id` on a worker thread, in submission order, with retries.

    `endpoint` defaults to huggingface_hub's (`HF_ENDPOINT`); `retry_delay` is the first back-off in
    seconds, doubled after each failure. `private` makes the repo private, and refuses one that exists and is public
    (`PermissionError`: an OSError, as a failed upload's). `revision`: the branch every commit goes to (transformers'
    `TrainingArguments.hub_revision`), made from `main` when missing; None: `main`.
    """

    def __init__(
        self,
        repo_id: str,
        *,
        token: str | None = None,
        private: bool = False,
        endpoint: str | None = None,
        max_retries: int = 5,
        retry_delay: float = 2.0,
        repo_type: str = "model",
        revision: str | None = None,
    ):
        self.api = HfApi(endpoint=endpoint, token=token)
        self.repo_type, self.revision = repo_type, revision
        self.repo_id = _create_repo(self.api, repo_id, private, repo_type)
        # a branch that is not there yet is made (from main), as a first push to it needs: the Hub refuses a commit
        # to a missing revision. A pull request's ref (refs/pr/N) is the Hub's to make, not a branch.
        if revision and revision != DEFAULT_REVISION and not revision.startswith("refs/pr/"):
            self.api.create_branch(self.repo_id, branch=revision, repo_type=repo_type, exist_ok=True)
        self.max_retries, self.retry_delay = max_retries, retry_delay
        self.records: list[UploadRecord] = []
        self._lock = threading.Lock()  # a record is either started by the worker or superseded, never both
        self._queue: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._work, name="hub-upload", daemon=True)
        self._thread.start()
        # A process that exits before `close` (a run stopped by an error) waits for the uploads it queued, as the
        # futures of Trainer's pushes are waited for: the daemon worker died with the interpreter, mid-upload, and a
        # run's last checkpoint never reached the Hub. (A signal's stop, `os._exit`, waits for nothing.)
        atexit.register(self._finish_at_exit)

    def _finish_at_exit(self) -> None:
        if not self._thread.is_alive():
            return
        # the uploads still to end: not the superseded ones the queue still holds (they upload nothing), which the
        # queue's count of unfinished tasks included ("waiting for 3" where 2 would run)
        with self._lock:
            pending = sum(not r.superseded and not r.success and r.attempts <= self.max_retries for r in self.records)
        if pending:  # (a run refused mid-way before any push has none: nothing to say)
            logger.warning("waiting for %d upload(s) to %s before exiting (one try each)", pending, self.repo_id)
        self.max_retries = 0  # no back-off of minutes at exit: what still fails is said, and its folder kept
        self.close()

    def push_folder(
        self,
        folder,
        message: str,
        ignore_patterns=(),
        delete_after: bool = False,
        checkpoint: str | None = None,
        replaces: bool = False,
    ) -> UploadRecord:
        """Queue a commit of every file of `folder` (as it is when the commit runs); `checkpoint`: the folder in it
        that holds a checkpoint (`checkpoint_in_repo`), for `checkpoints_not_pushed`.

        `replaces`: this commit rewrites every file of the earlier pushes given `replaces` (the model and
        `last-checkpoint/` of each checkpoint), so those still waiting behind an upload in progress are dropped
        (`superseded`, their staging folder removed now when `delete_after`), as Trainer skips a push while one is in
        progress, except that the newest is the one kept. Queued, every one was uploaded in turn, only to be
        replaced, and each held its hard-linked checkpoint on disk meanwhile: on a link slower than the checkpoints
        the queue, and the disk `--checkpoints_total_limit` was to bound, grew with the run."""
        record = UploadRecord(
            message,
            str(folder),
            ignore_patterns=tuple(ignore_patterns),
            delete_after=delete_after,
            checkpoint=checkpoint,
            replaces=replaces,
        )
        with self._lock:
            for earlier in self.records if replaces else ():
                if earlier.replaces and not earlier.started and not earlier.superseded:
                    earlier.superseded = True
                    logger.info("skipping the upload %r: %r replaces it", earlier.message, message)
                    if earlier.delete_after:
                        shutil.rmtree(earlier.folder, ignore_errors=True)
            self.records.append(record)
        self._queue.put((Path(folder), tuple(ignore_patterns), delete_after, record))
        return record

    def _commit(self, folder: Path, ignore_patterns, message: str) -> str:
        operations = folder_operations(folder, ignore_patterns)
        info = self.api.create_commit(
            self.repo_id, operations, commit_message=message, repo_type=self.repo_type, revision=self.revision
        )
        return info.oid

    def _work(self):
        while True:
            item = self._queue.get()
            if item is None:
                self._queue.task_done()
                return
            folder, ignore_patterns, delete_after, record = item
            with self._lock:
                record.started = not record.superseded
            if record.superseded:
                self._queue.task_done()
                continue
            delay = self.retry_delay
            while record.attempts <= self.max_retries:
                record.attempts += 1
                try:
                    record.commit = self._commit(folder, ignore_patterns, record.message)
                    record.success = True
                    break
                except Exception as error:  # noqa: BLE001 - any failure is retried, then reported
                    record.errors.append(f"{type(error).__name__}: {error}")
                    logger.warning(
                        "upload %r to %s failed (attempt %d): %s", record.message, self.repo_id, record.attempts, error
                    )
                    if record.attempts <= self.max_retries:
                        time.sleep(delay)
                        delay *= 2
            if record.success:
                logger.info("uploaded %r to %s (%s)", record.message, self.repo_id, record.commit)
                if delete_after:
                    shutil.rmtree(folder, ignore_errors=True)
            else:
                logger.error(
                    "gave up uploading %r after %d attempts; the files stay in %s",
                    record.message,
                    record.attempts,
                    folder,
                )
            self._queue.task_done()

    def wait(self) -> None:
        self._queue.join()

    def close(self) -> None:
        """Wait for every queued upload, then stop the worker."""
        atexit.unregister(self._finish_at_exit)
        self._queue.put(None)
        self._thread.join()

    def failed(self) -> list[UploadRecord]:
        """The uploads that gave up (call after `wait` or `close`)."""
        return [record for record in self.records if record.attempts and not record.success]

    def checkpoints_not_pushed(self) -> list[UploadRecord]:
        """The failed uploads whose checkpoint is not on the Hub (call after `close`): with --hub_strategy
        all_checkpoints each one, with checkpoint the last one only (each replaces the one before in last-checkpoint/).
        The end's commit holds no checkpoint, so nothing after a failure makes up for it (a failed model of every_save
        is: the end pushes the final one)."""
        pushed = [record for record in self.records if record.checkpoint]
        if pushed and pushed[-1].checkpoint == LAST_CHECKPOINT:
            pushed = pushed[-1:]
        return [record for record in pushed if not record.success]

    def failure_message(self, record: UploadRecord) -> str:
        """What a failed upload left behind and the command that finishes it by hand (a checkpoint's: the checkpoint
        alone, into its place in the repo; the model staged beside it is older than the end's, pushed since)."""
        # (its first line: huggingface_hub's HTTP errors add lines of advice, and the message ends a run's log)
        last = record.errors[-1].splitlines()[0] if record.errors else "unknown error"
        folder, in_repo = record.folder, "."
        if record.checkpoint:
            folder, in_repo = f"{record.folder}/{record.checkpoint}", record.checkpoint
        excluded = [word for pattern in record.ignore_patterns for word in ("--exclude", pattern)]
        command = upload_command(self.repo_id, folder, in_repo, *excluded, revision=self.revision)
        return (
            f"the upload {record.message!r} to {self.repo_id} failed after {record.attempts} attempt"
            f"{'s' if record.attempts > 1 else ''} (last error: {last}); the files are kept in {folder}; "
            f"upload them with `{command}`"
        )

    def report(self) -> list[dict]:
        return [
            dict(
                message=r.message,
                attempts=r.attempts,
                success=r.success,
                errors=r.errors,
                commit=r.commit,
                superseded=r.superseded,
            )
            for r in self.records
        ]


def start_uploader(repo_id: str, **kwargs) -> BackgroundUploader:
    """`BackgroundUploader(repo_id, **kwargs)` for a command's `--push_to_hub`: a repo that cannot be made or used (a
    private one asked for where a public one exists, the Hub's HTTP errors, no network, a bad id) ends the command
    with one line naming the repo and why, in recipes/finetune.py as in `python -m vivit_hf.training.data.shard`
    (which ended in a traceback, after writing every shard)."""
    try:
        return BackgroundUploader(repo_id, **kwargs)
    except Exception as error:  # the Hub's HTTP errors, its HTTP client's (no network: not OSErrors), a bad id
        reason = f"{type(error).__name__}: {error}".splitlines()[0]
        raise SystemExit(f"error: --push_to_hub: cannot create the Hub repo {repo_id}: {reason}") from None


def push_folder(
    folder,
    repo_id: str,
    *,
    message: str = "Upload ViViT checkpoint",
    token: str | None = None,
    private: bool = False,
    endpoint: str | None = None,
    max_retries: int = 5,
    retry_delay: float = 2.0,
    ignore_patterns=(),
    revision: str | None = None,
) -> str:
    """Upload every file of `folder` (but those matching `ignore_patterns`) to `repo_id` now, retrying a failed
    commit; returns the repo id. `revision`: the branch to commit to (made when missing), as `BackgroundUploader`.

    `HF_ENDPOINT` / `HF_TOKEN` are read at call time. A bad repo id raises huggingface_hub's `HFValidationError`;
    an upload that still fails after the retries raises `OSError` saying how to finish it by hand.
    """
    uploader = BackgroundUploader(
        repo_id,
        token=token or os.environ.get("HF_TOKEN"),
        private=private,
        endpoint=endpoint or os.environ.get("HF_ENDPOINT"),
        max_retries=max_retries,
        retry_delay=retry_delay,
        revision=revision,
    )
    record = uploader.push_folder(folder, message, ignore_patterns=ignore_patterns)
    uploader.close()
    if not record.success:
        raise OSError(uploader.failure_message(record))
    return uploader.repo_id
