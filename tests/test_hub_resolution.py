# Copyright 2026 The vivit_hf Authors. Licensed under the Apache License, Version 2.0.
"""A transformers ViViT named by Hub id: why it could not be read (huggingface_hub's offline mode, or a Hub that did
not answer) comes from huggingface_hub itself, and a converted Hub checkpoint keeps its own preprocessing size.

No test touches the network: the Hub is a cache folder laid out as huggingface_hub lays it out (read offline through
the real `hf_hub_download`), or a stand-in of `hf_hub_download` raising what huggingface_hub raises when a
connection is refused."""

import json
import logging

import huggingface_hub
import huggingface_hub.constants
import pytest
from huggingface_hub.errors import LocalEntryNotFoundError
from transformers import VivitConfig, VivitForVideoClassification

from vivit_hf.conversion.transformers_vivit import CheckpointSourceError, read_transformers_checkpoint
from vivit_hf.convert import convert_transformers_checkpoint

REPO_ID = "someone/vivit-tiny"
COMMIT = "0123456789abcdef0123456789abcdef01234567"


def hub_cache(root, files: dict):
    """A huggingface_hub cache holding `REPO_ID` at `COMMIT` (`main` points to it) with `files` ({name: bytes} or
    a saved folder's files): what `hf_hub_download` reads offline."""
    repo = root / "models--someone--vivit-tiny"
    snapshot = repo / "snapshots" / COMMIT
    snapshot.mkdir(parents=True)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(COMMIT)
    for name, data in files.items():
        (snapshot / name).write_bytes(data)
    return root


def tiny_vivit_files(tmp_path) -> dict:
    config = VivitConfig(
        num_frames=4,
        image_size=32,
        tubelet_size=[2, 8, 8],
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        num_labels=3,
    )
    folder = tmp_path / "saved"
    VivitForVideoClassification(config).save_pretrained(folder)
    return {path.name: path.read_bytes() for path in folder.iterdir()}


# -- why a Hub id could not be read -----------------------------------------------------------------------------
def test_huggingface_hub_offline_mode_is_reported_as_offline_whatever_the_environment_says(tmp_path, monkeypatch):
    # HF_HUB_OFFLINE is read by huggingface_hub once, at import: the variable set or unset later changes nothing
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    with pytest.raises(CheckpointSourceError) as error:
        read_transformers_checkpoint(REPO_ID, cache_dir=str(tmp_path / "empty-cache"))
    message = str(error.value)
    assert f"{REPO_ID!r}: no such local file or folder" in message
    assert "offline mode is on" in message and "could not be reached" not in message


@pytest.mark.parametrize(
    "hub, transformers, said",
    [
        ("1", None, "(HF_HUB_OFFLINE) and it is not in the local cache: unset HF_HUB_OFFLINE to download it"),
        # huggingface_hub reads TRANSFORMERS_OFFLINE where HF_HUB_OFFLINE is unset: the line named the one not set
        (None, "1", "(TRANSFORMERS_OFFLINE) and it is not in the local cache: unset TRANSFORMERS_OFFLINE to download"),
        # both on (as this suite runs): unsetting HF_HUB_OFFLINE alone left offline mode on
        ("1", "1", "(HF_HUB_OFFLINE) and it is not in the local cache: unset HF_HUB_OFFLINE and TRANSFORMERS_OFFLINE"),
    ],
)
def test_offline_mode_names_the_variables_that_turned_it_on(monkeypatch, hub, transformers, said):
    from huggingface_hub.errors import OfflineModeIsEnabled

    from vivit_hf.hub.sources import why_not_fetched

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    for name, value in (("HF_HUB_OFFLINE", hub), ("TRANSFORMERS_OFFLINE", transformers)):
        monkeypatch.delenv(name, raising=False) if value is None else monkeypatch.setenv(name, value)
    assert said in why_not_fetched(OfflineModeIsEnabled("offline"))


def test_local_files_only_is_reported_as_offline(tmp_path, monkeypatch):
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)  # local_files_only: no request is made
    with pytest.raises(CheckpointSourceError, match="offline mode is on"):
        read_transformers_checkpoint(REPO_ID, cache_dir=str(tmp_path / "empty-cache"), local_files_only=True)


def test_a_hub_that_does_not_answer_is_reported_as_unreachable_not_offline(monkeypatch):
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # set after huggingface_hub read it: not offline mode

    def refused(repo_id, filename, **kwargs):
        # what huggingface_hub raises when its HEAD request fails and the cache lacks the file
        # (its own HTTP client's ConnectError; a built-in one stands in, as the message is all that is shown)
        cause = ConnectionRefusedError(111, "Connection refused")
        raise LocalEntryNotFoundError("cannot find the requested files in the local cache") from cause

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", refused)
    with pytest.raises(CheckpointSourceError) as error:
        read_transformers_checkpoint(REPO_ID)
    message = str(error.value)
    assert "the Hub could not be reached ([Errno 111] Connection refused)" in message
    assert "offline" not in message


def test_an_existing_file_is_named_as_a_file_not_a_missing_folder(tmp_path):
    weights = tmp_path / "model.safetensors"
    weights.write_bytes(b"{}")
    with pytest.raises(CheckpointSourceError, match="is a file; give the folder"):
        read_transformers_checkpoint(str(weights))


# -- a converted Hub checkpoint keeps its own size --------------------------------------------------------------
def converted_size(tmp_path, cache) -> dict:
    out = tmp_path / "out"
    convert_transformers_checkpoint(REPO_ID, out, cache_dir=str(cache))
    return json.loads((out / "video_preprocessor_config.json").read_text())["size"]


def test_a_hub_checkpoint_keeps_the_size_of_its_preprocessor_config(tmp_path, monkeypatch):
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)  # read from the cache only
    files = tiny_vivit_files(tmp_path)
    files["preprocessor_config.json"] = json.dumps({"size": {"shortest_edge": 96}}).encode()
    cache = hub_cache(tmp_path / "cache", files)
    assert converted_size(tmp_path, cache) == {"shortest_edge": 96}


def test_a_hub_checkpoint_whose_preprocessor_config_is_out_of_reach_says_so(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    cache = hub_cache(tmp_path / "cache", tiny_vivit_files(tmp_path))  # weights cached, no preprocessor config
    with caplog.at_level(logging.WARNING, logger="vivit_hf.conversion.cli"):
        # the paper's resize-then-crop ratio, 256 / 224, of this 32-pixel model's crop
        assert converted_size(tmp_path, cache) == {"shortest_edge": 32 * 256 // 224}
    warned = " ".join(record.getMessage() for record in caplog.records)
    assert "preprocessor_config.json is not in the local cache" in warned and "offline mode is on" in warned


def test_a_folder_without_a_preprocessor_config_gets_the_papers_ratio_of_its_crop_and_a_warning(tmp_path, caplog):
    """A 64-pixel transformers ViViT saved without a preprocessor config: resized to 73 (256 / 224 of 64), not 256,
    which would have shown the model the centre sixteenth of each frame."""
    config = VivitConfig(
        num_frames=4, image_size=64, tubelet_size=[2, 16, 16], hidden_size=32, num_hidden_layers=1,
        num_attention_heads=2, intermediate_size=64, num_labels=3,
    )  # fmt: skip
    VivitForVideoClassification(config).save_pretrained(tmp_path / "small")
    with caplog.at_level(logging.WARNING, logger="vivit_hf.conversion.cli"):
        convert_transformers_checkpoint(tmp_path / "small", tmp_path / "out")
    saved = json.loads((tmp_path / "out" / "video_preprocessor_config.json").read_text())
    assert saved["size"] == {"shortest_edge": 73} and saved["crop_size"] == {"height": 64, "width": 64}
    warned = " ".join(record.getMessage() for record in caplog.records)
    assert "has no video_preprocessor_config.json or preprocessor_config.json" in warned and "73" in warned


def test_offline_a_cached_pytorch_model_bin_is_read_when_no_safetensors_is_cached(tmp_path, monkeypatch):
    """Offline, each weights file the cache lacks is out of reach; the reader goes on to the next kind instead of
    stopping at the first (model.safetensors), so an older checkpoint cached as pytorch_model.bin converts."""
    import torch
    from safetensors.torch import load_file

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    files = tiny_vivit_files(tmp_path)
    weights = load_file(tmp_path / "saved" / "model.safetensors")
    torch.save(weights, tmp_path / "pytorch_model.bin")
    files = {name: data for name, data in files.items() if name != "model.safetensors"}
    files["pytorch_model.bin"] = (tmp_path / "pytorch_model.bin").read_bytes()
    _, state = read_transformers_checkpoint(REPO_ID, cache_dir=str(hub_cache(tmp_path / "cache", files)))
    assert state.keys() == weights.keys()
    assert all(torch.equal(state[k], weights[k]) for k in weights)


def test_offline_with_no_weights_cached_the_error_says_offline(tmp_path, monkeypatch):
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    files = {name: data for name, data in tiny_vivit_files(tmp_path).items() if name == "config.json"}
    with pytest.raises(CheckpointSourceError, match="offline mode is on") as error:
        read_transformers_checkpoint(REPO_ID, cache_dir=str(hub_cache(tmp_path / "cache", files)))
    assert "model.safetensors" in str(error.value)


# -- each reason the Hub gave, said as it is ----------------------------------------------------------------------
def hub_error(status: int, url: str, code: str | None = None, message: str | None = None):
    """The error huggingface_hub raises for the Hub's answer `status` (with its `X-Error-Code` header `code`) to a
    request for `url` (and `X-Error-Message` `message`): its own `hf_raise_for_status` builds it, as on a real
    download."""
    import httpx2
    from huggingface_hub.utils import hf_raise_for_status

    headers = {"X-Error-Code": code} if code else {}
    headers.update({"X-Error-Message": message} if message else {})
    response = httpx2.Response(status, headers=headers, request=httpx2.Request("GET", url))
    try:
        hf_raise_for_status(response)
    except Exception as error:  # noqa: BLE001 - what it raised is the test's input
        return error
    raise AssertionError(f"{status} {code} raised nothing")


RESOLVE = f"https://huggingface.co/{REPO_ID}/resolve/main/config.json"


@pytest.mark.parametrize("logged_in", [True, False])
def test_a_gated_repo_says_to_accept_its_terms_and_to_log_in_only_when_not_logged_in(monkeypatch, logged_in):
    """A gated repo told a user who was logged in to log in (`hf auth login`), where the repo's terms were to be
    accepted on its page: the Hub answers 403 GatedRepo to a login not granted access, 401 to no login."""
    from vivit_hf.hub import sources

    monkeypatch.setattr(sources, "get_token", lambda: "hf_x" if logged_in else None)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    said = sources.why_not_fetched(hub_error(403 if logged_in else 401, RESOLVE, "GatedRepo"))
    assert "gated" in said and f"accept its terms at https://huggingface.co/{REPO_ID}" in said, said
    assert ("log in" in said) is not logged_in, said


def test_a_gated_data_set_as_datasets_words_it_is_said_gated(monkeypatch):
    from datasets.exceptions import DatasetNotFoundError

    from vivit_hf.hub import sources

    monkeypatch.setattr(sources, "get_token", lambda: "hf_x")
    url = f"https://huggingface.co/api/datasets/{REPO_ID}/revision/main"
    error = DatasetNotFoundError(f"Dataset '{REPO_ID}' is a gated dataset on the Hub. Visit the dataset page ...")
    error.__cause__ = hub_error(403, url, "GatedRepo")  # as datasets raises it: `from e`
    said = sources.why_not_fetched(error)
    assert f"accept its terms at https://huggingface.co/datasets/{REPO_ID}" in said and "log in" not in said, said


def test_a_repo_that_lacks_the_file_is_not_said_unreachable(monkeypatch):
    """A repo that exists but has no config.json was "the Hub could not be reached (404 Client Error.)": the user
    checked their network. huggingface_hub's error, and transformers' own OSError for it (not chained to it)."""
    from transformers.utils import hub as transformers_hub

    from vivit_hf.hub.sources import why_not_fetched

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    missing = hub_error(404, RESOLVE, "EntryNotFound")
    assert why_not_fetched(missing, missing="its config.json") == "the Hub repo has no `config.json`"

    def lacks(*args, **kwargs):
        raise missing

    monkeypatch.setattr(transformers_hub, "hf_hub_download", lacks)
    with pytest.raises(OSError) as raised:  # what from_pretrained raises for it
        transformers_hub.cached_file(REPO_ID, "model.safetensors")  # (a missing config.json it answers with None)
    assert why_not_fetched(raised.value) == "the Hub repo has no `model.safetensors`"


def test_no_such_revision_and_no_such_repo_are_said_apart(monkeypatch):
    from vivit_hf.hub import sources

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(sources, "get_token", lambda: "hf_x")
    assert "no such revision" in sources.why_not_fetched(hub_error(404, RESOLVE, "RevisionNotFound"))
    said = sources.why_not_fetched(hub_error(404, RESOLVE, "RepoNotFound"))
    assert said.startswith("no Hub repo of that name") and "log in" not in said, said  # logged in already


def test_a_converter_source_that_is_gated_says_so(monkeypatch):
    """`read_transformers_checkpoint` (the converter) said "private or gated: log in" for every RepositoryNotFound."""
    from vivit_hf.hub import sources

    monkeypatch.setattr(sources, "get_token", lambda: "hf_x")

    def gated(*args, **kwargs):
        raise hub_error(403, RESOLVE, "GatedRepo")

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", gated)
    with pytest.raises(CheckpointSourceError) as error:
        read_transformers_checkpoint(REPO_ID)
    assert "accept its terms" in str(error.value) and "log in" not in str(error.value), str(error.value)


def test_a_hub_that_answers_with_an_error_is_not_said_unreachable(monkeypatch):
    """A rate limit (429) or a server error was "the Hub could not be reached": it was reached, and said why not."""
    from vivit_hf.hub.sources import why_not_fetched

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    said = why_not_fetched(hub_error(429, RESOLVE))
    assert said.startswith("the Hub answered HTTP 429 (") and "could not be reached" not in said, said
    disabled = hub_error(403, RESOLVE, message="Access to this resource is disabled.")
    assert why_not_fetched(disabled) == "the Hub repo is disabled (access to it was turned off on the Hub)"
