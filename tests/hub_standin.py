# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""A small local stand-in of the Hub HTTP API, so tests run the real ``huggingface_hub`` client offline.

It serves what ``HfApi.create_repo``, ``HfApi.repo_info`` and ``HfApi.create_commit`` call (read from huggingface_hub
2.x's ``hf_api.py`` / ``_commit_api.py``): ``POST /api/repos/create``, ``GET /api/{type}s/{repo}`` (its visibility
alone), ``POST /api/validate-yaml`` (run on a ``README.md`` before every commit),
``POST /api/{type}s/{repo}/preupload/{rev}`` (answered "regular" for every file, so contents travel base64-encoded
inside the commit), ``POST /api/{type}s/{repo}/commit/{rev}`` (NDJSON: a header line, then one line per file) and
``POST /api/{type}s/{repo}/branch/{branch}`` (``HfApi.create_branch``: a copy of ``main``; 409 for one that exists)
and ``HEAD`` / ``GET /[datasets/]{repo}/resolve/{revision}/{file}`` (``hf_hub_download``, so ``from_pretrained(...,
revision=)`` reads a branch back, by its name or its newest commit id: 404 ``RevisionNotFound`` / ``EntryNotFound``
/ ``RepoNotFound`` as the Hub's).
``repos`` holds each repo's files on ``main``, ``branches`` each branch's (``main``'s the same dict); a commit to a
revision that is no branch is answered 404 ``RevisionNotFound``, as the Hub answers it.
Commits are kept in memory; ``fail_commits`` makes that many commit requests answer HTTP 500 first, to exercise
retries; ``uploads_open`` (an Event, set) cleared holds every preupload request (the client's first of a commit) till
it is set again, to keep an upload under way for as long as a test needs, whatever the machine's speed.
``HUB_STANDIN_COMMIT_DELAY`` (seconds, in the tests' environment) answers every commit that late: a slow link, under
which a test must pass as it does on a fast one (a run's checkpoints come faster than their uploads). ``uploads`` and
``committed``: the commits a recipe's run should have made, from its log.
"""

from __future__ import annotations

import ast
import atexit
import base64
import hashlib
import json
import os
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlparse


class HubStandIn:
    def __init__(self, fail_commits: int = 0):
        self.reset(fail_commits)
        self.commit_delay = float(os.environ.get("HUB_STANDIN_COMMIT_DELAY", 0))
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def reset(self, fail_commits: int = 0) -> None:
        """An empty Hub again, at the same address: one stand-in serves a process's recipe runs (`shared_hub`), which
        then share one fork server (tests/fresh_python.py's environment, HF_ENDPOINT included, is fixed when it starts).
        New containers, so that what a test kept of the last state stays as it was."""
        self.repos: dict[str, dict[str, bytes]] = {}
        self.branches: dict[str, dict[str, dict[str, bytes]]] = {}  # repo -> branch -> its files
        self.private: dict[str, bool] = {}  # each repo's visibility, as created (or set by a test)
        self.commits: list[dict] = []
        self.requests: list[tuple[str, str]] = []
        self.tokens: set[str | None] = set()  # the Authorization headers the requests carried
        self.fail_commits = fail_commits
        self.failed_commits = 0
        self.uploads_open = threading.Event()
        self.uploads_open.set()

    @property
    def endpoint(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.uploads_open.set()  # (a test that failed holding the uploads)
        self._server.shutdown()
        self._server.server_close()

    def _handler(self):
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def _reply(self, status: int, payload: dict, error_code: str | None = None):
                body = json.dumps(payload).encode()
                self.send_response(status)
                if error_code:  # what huggingface_hub reads to raise the right error (RevisionNotFoundError, ...)
                    self.send_header("X-Error-Code", error_code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_HEAD(self):
                self.do_GET(head=True)

            def _resolve(self, parts: list[str], head: bool):
                """A file of a branch, as the Hub's `resolve` answers it: its bytes, its commit and its ETag."""
                dataset = parts[1] == "datasets"
                owner, name, _, revision, *file = parts[2:] if dataset else parts[1:]
                key = f"{'datasets/' if dataset else ''}{owner}/{name}"
                revision, file = unquote(revision), unquote("/".join(file))
                if key not in hub.branches:
                    return self._reply(404, {"error": "Repository not found"}, "RepoNotFound")
                # a commit id, as the Hub reads it too (a client's cached refs/<branch> holds one): a branch's newest
                by_commit = {_commit_id(files): branch for branch, files in hub.branches.get(key, {}).items()}
                revision = by_commit.get(revision, revision)
                if revision not in hub.branches[key]:
                    return self._reply(404, {"error": f"Invalid rev id: {revision}"}, "RevisionNotFound")
                files = hub.branches[key][revision]
                commit = _commit_id(files)
                if file not in files:
                    self.send_response(404)
                    self.send_header("X-Error-Code", "EntryNotFound")
                    self.send_header("X-Repo-Commit", commit)
                    self.send_header("Content-Length", "0")
                    return self.end_headers()
                body = files[file]
                self.send_response(200)
                self.send_header("X-Repo-Commit", commit)
                self.send_header("ETag", f'"{hashlib.sha1(body).hexdigest()}"')
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if not head:
                    self.wfile.write(body)

            def do_GET(self, head: bool = False):
                path = urlparse(self.path).path
                hub.requests.append(("HEAD" if head else "GET", path))
                hub.tokens.add(self.headers.get("Authorization"))
                parts = path.split("/")
                if "resolve" in parts[3:5] and parts[1] != "api":  # /[datasets/]owner/name/resolve/rev/file
                    return self._resolve(parts, head)
                # /api/{type}s/{owner}/{name}: HfApi.repo_info
                if len(parts) == 5 and parts[1] == "api":
                    key = f"{parts[3]}/{parts[4]}" if parts[2] == "models" else f"{parts[2]}/{parts[3]}/{parts[4]}"
                    if key in hub.repos:
                        return self._reply(200, {"id": f"{parts[3]}/{parts[4]}", "private": hub.private[key]})
                    return self._reply(404, {"error": f"Repository {parts[3]}/{parts[4]} not found"})
                return self._reply(404, {"error": f"stand-in has no GET {path}"})

            def do_POST(self):
                path = urlparse(self.path).path
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                hub.requests.append(("POST", path))
                hub.tokens.add(self.headers.get("Authorization"))
                if path == "/api/repos/create":
                    payload = json.loads(body)
                    repo_id = (
                        f"{payload['organization']}/{payload['name']}"
                        if payload.get("organization")
                        else payload["name"]
                    )
                    if "/" not in repo_id:
                        repo_id = f"standin-user/{repo_id}"
                    prefix = "" if payload.get("type", "model") == "model" else f"{payload['type']}s/"
                    key = f"{prefix}{repo_id}"
                    if key in hub.repos:
                        # as the Hub answers: the repo's url (create_repo(exist_ok=True) returns it; "" made the
                        # client fail with "Invalid HF URI 'hf://'", so a resumed run's push could not be tested)
                        url = f"{hub.endpoint}/{key}"
                        return self._reply(409, {"error": "You already created this repo", "url": url})
                    hub.repos[key] = {}
                    hub.branches[key] = {"main": hub.repos[key]}
                    # huggingface_hub 2.x sends `visibility` ("private" / "public"), 1.x `private`
                    hub.private[key] = payload.get("visibility") == "private" or bool(payload.get("private"))
                    return self._reply(200, {"url": f"{hub.endpoint}/{key}", "name": repo_id})
                if path == "/api/validate-yaml":
                    return self._reply(200, {"errors": [], "warnings": []})
                parts = path.split("/")
                # /api/{type}s/{owner}/{name}/branch/{branch}: HfApi.create_branch, from main
                if len(parts) >= 7 and parts[1] == "api" and parts[5] == "branch":
                    key = f"{parts[3]}/{parts[4]}" if parts[2] == "models" else f"{parts[2]}/{parts[3]}/{parts[4]}"
                    branch = unquote("/".join(parts[6:]))
                    if key not in hub.repos:
                        return self._reply(404, {"error": "Repository not found"}, "RepoNotFound")
                    if branch in hub.branches[key]:
                        return self._reply(409, {"error": f"Reference already exists: refs/heads/{branch}"})
                    hub.branches[key][branch] = dict(hub.repos[key])
                    return self._reply(200, {})
                # /api/{type}s/{owner}/{name}/{preupload|commit}/{revision}
                if len(parts) >= 7 and parts[1] == "api" and parts[5] in ("preupload", "commit"):
                    repo_type, repo_id = parts[2][:-1], f"{parts[3]}/{parts[4]}"
                    key = repo_id if repo_type == "model" else f"{repo_type}s/{repo_id}"
                    if key not in hub.repos:
                        return self._reply(404, {"error": f"Repository {repo_id} not found"})
                    if parts[5] == "preupload":
                        hub.uploads_open.wait()
                        files = json.loads(body)["files"]
                        return self._reply(
                            200,
                            {
                                "files": [
                                    {"path": f["path"], "uploadMode": "regular", "shouldIgnore": False, "oid": None}
                                    for f in files
                                ]
                            },
                        )
                    time.sleep(hub.commit_delay)
                    if hub.failed_commits < hub.fail_commits:
                        hub.failed_commits += 1
                        return self._reply(500, {"error": "stand-in: simulated server error"})
                    revision = unquote("/".join(parts[6:]))
                    if revision not in hub.branches[key]:
                        return self._reply(404, {"error": f"Invalid rev id: {revision}"}, "RevisionNotFound")
                    return self._commit(key, revision, body)
                return self._reply(404, {"error": f"stand-in has no POST {path}"})

            def _commit(self, key: str, revision: str, body: bytes):
                lines = [json.loads(line) for line in body.decode().splitlines() if line.strip()]
                header = next(line["value"] for line in lines if line["key"] == "header")
                files = {}
                for line in lines:
                    if line["key"] == "file":
                        files[line["value"]["path"]] = base64.b64decode(line["value"]["content"])
                    elif line["key"] == "deletedFile":
                        hub.branches[key][revision].pop(line["value"]["path"], None)
                    elif line["key"] != "header":
                        return self._reply(400, {"error": f"stand-in does not handle {line['key']}"})
                hub.branches[key][revision].update(files)
                oid = hashlib.sha1(body).hexdigest()
                hub.commits.append(
                    {
                        "repo": key,
                        "revision": revision,
                        "summary": header.get("summary"),
                        "files": sorted(files),
                        "oid": oid,
                    }
                )
                return self._reply(
                    200,
                    {
                        "commitUrl": f"{hub.endpoint}/{key}/commit/{oid}",
                        "commitOid": oid,
                        "success": True,
                        "pullRequestUrl": None,
                    },
                )

        return Handler


def _commit_id(files: dict[str, bytes]) -> str:
    """The commit id `resolve` gives a branch holding `files` (a digest of their paths and contents)."""
    return hashlib.sha1(repr(sorted((p, hashlib.sha1(b).hexdigest()) for p, b in files.items())).encode()).hexdigest()


def uploads(result) -> list[dict]:
    """The run's uploads as its log's `uploads: [...]` line reports them (`BackgroundUploader.report`), in order of
    queueing: which pushes were dropped before they started (`superseded`: a newer checkpoint's push, that replaces
    it, was queued while it waited behind an upload) depends on how fast the uploads went."""
    return ast.literal_eval(re.findall(r" uploads: (\[.*\])$", result.stderr, re.MULTILINE)[-1])


def committed(report: list[dict]) -> list[str]:
    """The commits a run's `uploads` report makes: all it queued but those superseded, and never the newest two (the
    last checkpoint's, which a resume takes from last-checkpoint/, and the end's)."""
    assert not any(upload["superseded"] for upload in report[-2:]), report
    return [upload["message"] for upload in report if not upload["superseded"]]


def serve_folder(hub: HubStandIn, repo_id: str, folder) -> None:
    """`folder`'s files (top level) as the public repo `repo_id`'s `main` on `hub`, as if pushed there."""
    files = {path.name: path.read_bytes() for path in Path(folder).iterdir() if path.is_file()}
    hub.repos[repo_id], hub.branches[repo_id], hub.private[repo_id] = files, {"main": files}, False


def read_from(hub: HubStandIn, monkeypatch, cache) -> None:
    """huggingface_hub (and transformers through it) reading `hub`, online, into the cache folder `cache`."""
    import huggingface_hub.constants as constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)  # only ever 127.0.0.1
    monkeypatch.setattr(constants, "ENDPOINT", hub.endpoint)
    monkeypatch.setattr(
        constants, "HUGGINGFACE_CO_URL_TEMPLATE", hub.endpoint + "/{repo_id}/resolve/{revision}/{filename}"
    )
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(cache))
    # transformers' one shared HfApi (`hf_api()`: push_to_hub's create_repo, from_pretrained's resolve_revision) keeps
    # the ENDPOINT of the first call in the process: after an earlier test's stand-in it called that one's closed port
    # (push_to_hub: connection refused; resolve_revision: fell back to this cache's refs/<branch>, a commit id, and
    # read files by it). None: built again, against `hub`, on its next call here, and the earlier one back after.
    from transformers.utils import hub as transformers_hub

    monkeypatch.setattr(transformers_hub, "_hf_api", None)


_SHARED: HubStandIn | None = None


def shared_hub() -> HubStandIn:
    """This process's stand-in for the recipe modules' runs (test_recipes_push.py's and test_recipes_hub_strategy.py's),
    started at first use and kept to the end of the session: one address, so both modules' runs fork from one server
    (tests/fresh_python.py, whose environment holds HF_ENDPOINT), where a stand-in a module started a second server of
    torch, transformers, accelerate and datasets on each pytest worker that ran both (6-8 s of CPU, loaded). The cost:
    that server's memory (0.5 GB of its own) is held to the session's end, no longer given back after a module."""
    global _SHARED
    if _SHARED is None:
        _SHARED = HubStandIn().__enter__()
        atexit.register(_SHARED.__exit__)
    return _SHARED


def recipe_run_fixtures(environment):
    """`(module_hub, hub)`, fixtures of a test module whose recipe runs push to a stand-in: this process's one
    (`shared_hub`), emptied before each test (`hub`), so every run is online at one address and forks from one fork
    server (tests/fresh_python.py: its environment, HF_ENDPOINT included, is fixed when it starts; ended at exit).
    `environment(hub)`: the runs' environment, online to `hub`."""
    import pytest

    @pytest.fixture(scope="module")
    def module_hub():
        return shared_hub()

    @pytest.fixture
    def hub(module_hub):
        module_hub.reset()
        return module_hub

    return module_hub, hub


def online_environment(base: dict, hub: HubStandIn) -> dict:
    """`base` (the suite's offline environment) online to `hub`, as the token's user."""
    environment = dict(base, HF_ENDPOINT=hub.endpoint, HF_TOKEN="hf_standin")
    environment.pop("HF_HUB_OFFLINE")
    environment.pop("TRANSFORMERS_OFFLINE")
    return environment
